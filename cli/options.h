/*
 * Command-line options: one table, typed validators with bounded ranges, cross-option checks
 * after the loop. Nothing here reads the network or the input.
 */
#ifndef A2A_OPTIONS_H
#define A2A_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "input.h"
#include "messages.h"
#include "stream_opts.h"

/* The largest --max-record-size: a record that needs more cannot be read. */
#define OPTIONS_MAX_RECORD_LARGEST A2A_INPUT_MAX_RECORD_LARGEST

struct options {
    int dry_run;
    const char *url;        /* borrowed from argv or the environment */
    const char *url_from;   /* "-u" or "A2A_RECOVER_URL": where url came from, for messages */
    const char *token_file; /* borrowed */
    char **headers;         /* owned array of owned "Name: value" lines */
    size_t nheaders;
    const char **argv_headers; /* owned array of borrowed -H LINEs typed on the command line
                                  (not @FILE): a credential among them is warned about, and
                                  written <redacted> in a continuation */
    size_t nargv_headers;
    unsigned concurrency;
    long timeout_ms;
    long connect_timeout_ms;
    long max_time_ms; /* --max-time: the whole run's deadline; 0: none */
    unsigned retries;
    int insecure;
    const char *cacert;
    double rate;
    unsigned threads;   /* 0: the core picks */
    const char *output; /* -o */
    const char *report;
    const char *failed_out;
    const char *summary_json; /* --summary-json */
    int has_resume_from;      /* --resume-from OFFSET: the first FILE from that byte on */
    unsigned long long resume_from;
    const char *acked_messages; /* --acked-messages FILE */
    enum log_format log_format;
    int verbosity; /* -1 quiet, 0 normal, 1+ verbose */
    int no_progress;
    size_t max_record;            /* OPTIONS_MAX_RECORD_LARGEST at most */
    struct stream_options stream; /* --stream and its options */
    const char *const *files;     /* borrowed from argv */
    size_t nfiles;
    int options_end; /* argv[1..options_end) are the option words (getopt puts them first) */
    int help;
    int version;
};

/*
 * Fills o from argv and the environment. Returns 0, or -1 with err set: A2A_E_CONFIG for a
 * refused command line (the message names the option), A2A_E_NOMEM. Call options_free()
 * either way.
 */
int options_parse(struct options *o, int argc, char **argv, struct a2a_error *err);
void options_free(struct options *o);
/* 1 when a -H line sets the header name (case-insensitive). */
int options_has_header(const struct options *o, const char *name);
void options_usage(FILE *out);
/* 1 when the short option letter takes a value (-H, -j, -o, -u). */
int options_short_takes_value(int c);
/* The option a core error is about when its message does not say ("-u" for the endpoint
 * URL), or "". */
const char *options_error_flag(const struct options *o, enum a2a_errcode code);

#endif
