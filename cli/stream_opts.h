/*
 * The stream input's options (--stream, --shard, --from, --to, --idle, --endpoint-url,
 * --profile): their values, their checks, and the run of a stream source they describe.
 * Nothing here is read from the network until stream_input_open() is called.
 */
#ifndef A2A_STREAM_OPTS_H
#define A2A_STREAM_OPTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "error.h"
#include "messages.h"
#include "source.h"
#include "stream_source.h"
#include "streams_client.h"

#define STREAM_IDLE_DEFAULT_MS 10000L

struct stream_options {
    const char *arn;     /* borrowed from argv; NULL: no --stream */
    const char **shards; /* owned array of strings borrowed from argv */
    size_t nshards;
    const char *from_text;    /* borrowed; NULL: trim-horizon */
    struct a2a_start from;    /* parsed --from */
    const char *to;           /* borrowed; NULL: to the end of each shard */
    long idle_ms;             /* 0: --idle not given */
    const char *endpoint_url; /* borrowed */
    const char *profile;      /* borrowed */
};

/*
 * One stream option with its value, by its long name ("stream", "shard", ...). Returns 0, or
 * -1 with err set (A2A_E_CONFIG naming the option, A2A_E_NOMEM).
 */
int stream_opts_apply(struct stream_options *so, const char *name, const char *arg,
                      struct a2a_error *err);

/*
 * The checks that need the whole command line: --stream with FILE arguments, stream options
 * without --stream. Returns 0, or -1 with err set (A2A_E_CONFIG).
 */
int stream_opts_check(const struct stream_options *so, size_t nfiles, struct a2a_error *err);

void stream_opts_free(struct stream_options *so);

/*
 * The Streams client configuration the options describe (the stream ARN is so->arn, NULL
 * without --stream: the redrive sets each pointer's). Everything in cfg is borrowed from so,
 * log and the process environment.
 */
void stream_opts_client_config(const struct stream_options *so, const volatile sig_atomic_t *cancel,
                               const struct a2a_log *log, struct a2a_streams_config *cfg);

/*
 * A range the run left unreadable that a later run can read: not lost (trimmed, or a stream
 * or shard not found), only not read this time (keys, throttling, the endpoint, --idle).
 */
struct stream_unread {
    char *shard_id; /* owned; NULL: the stream could not be listed (all of it is unread) */
    char *from;     /* owned: where the unread part starts, as --from takes it */
};

/* A stream being read: the client, the source over it, and what it reports. */
struct stream_input {
    struct a2a_streams_client *client; /* owned */
    struct a2a_stream_source *source;  /* owned */
    struct messages *msgs;             /* borrowed */
    struct a2a_log log;                /* the client's retries, as -v lines */
    FILE *report;                      /* borrowed; NULL when no --report */
    struct a2a_buf line;               /* owned: scratch for report lines */
    int write_error;                   /* writing a report line failed */
    struct stream_unread *unread;      /* owned array, in the order reported */
    size_t nunread;
    int unread_lost; /* out of memory: an unread range is not in the list */
};

/*
 * Opens the client and the source the options describe and fills *src to read it. Unreadable
 * ranges are reported on stderr and, when report is set, as a line of the report. Returns 0,
 * or -1 with err set (A2A_E_CONFIG: a refused endpoint; A2A_E_NOMEM, A2A_E_INTERNAL).
 * Call stream_input_close() either way.
 */
int stream_input_open(struct stream_input *si, const struct stream_options *so,
                      const volatile sig_atomic_t *cancel, struct messages *msgs, FILE *report,
                      struct a2a_source *src, struct a2a_error *err);

/* Frees what stream_input_open() made (any part of it); wipes the credentials. */
void stream_input_close(struct stream_input *si);

#endif
