/*
 * A stream source: shard ranges of a DynamoDB stream as a byte source (source.h) for the
 * scanner. Each GetRecords page that holds records is one input, handed over byte for byte
 * (a page is a valid {"Records":[...]} document), so raw records reach --failed-out exactly
 * as the stream served them. Its name says where the records came from:
 * "stream ARN shard ID page N".
 *
 * The end of a range belongs here, not to the scanner: when a page reaches past the range's
 * last sequence number, the input is the page cut after its last record in range, closed
 * with "]}" (still one valid document; the records themselves are untouched).
 *
 * A range that cannot be read (trimmed, not found, denied, no credentials, retries spent)
 * is not an input error: it is reported through on_unreadable, with the records read before
 * the failure already handed out, and the next range is read. Only a local failure (out of
 * memory) or the cancel flag makes read()/next() fail.
 *
 * Memory: the reader's current page and the scanner's chunk; never more than a page or two.
 * Read-ahead: the source itself has no thread. While the driver's thread waits here for the
 * next page, the records of the pages before it are being sent by the dispatch pool's engine
 * threads (the driver queues up to its window, several pages, ahead), so fetching and
 * dispatching overlap; only the scanning of the next page waits for its arrival.
 *
 * Threads: one thread at a time, like the client it reads through.
 */
#ifndef A2A_STREAM_SOURCE_H
#define A2A_STREAM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "source.h"
#include "streams_client.h"

/* One range to read: a shard, where to start, and the last sequence number wanted. */
struct a2a_stream_range {
    const char *shard_id;   /* borrowed for the open call (copied) */
    struct a2a_start start; /* trim-horizon, latest, at:SEQ, after:SEQ */
    const char *end_seq;    /* borrowed for the open call (copied); inclusive; NULL: the end */
    int end_written;        /* end_seq is a record the shard holds (the range of an on-failure
                               record): the read must reach it, or the range is unreadable */
};

/* A range that could not be read, as reported through on_unreadable. All borrowed. */
struct a2a_unreadable {
    const char *stream_arn;
    const char *shard_id;  /* NULL when the stream's shards could not be listed */
    const char *start;     /* "trim-horizon", "at:SEQ", ...: where the unread part starts */
    const char *end;       /* the last sequence number wanted, or NULL for the shard's end */
    const char *cause;     /* a2a_stream_cause_name(): "trimmed", "not-found", ... */
    const char *aws_error; /* the AWS error name ("" when none came) */
    const struct a2a_error *error; /* A2A_E_STREAM; msg names the stream, shard and range,
                                      and what went wrong */
    uint64_t records_read;         /* records of this range handed out before the failure (of
                                      the stream's, when it is the listing that failed) */
    int partial; /* only the range's start is lost (trimmed), up to end; the rest is read on,
                    and a later failure of the range is reported too */
    int lost;    /* reading again cannot give it: trimmed, or no such stream or shard */
};

struct a2a_stream_source_config {
    struct a2a_streams_client *client;     /* borrowed; must outlive the source */
    const struct a2a_stream_range *ranges; /* borrowed for the open call (copied), read in
                                              this order; NULL (nranges 0): every shard of the
                                              stream, parents before children */
    size_t nranges;
    struct a2a_start from; /* with ranges NULL: where each shard starts */
    const char *to;        /* with ranges NULL: the last sequence number (copied), or NULL */
    void (*on_unreadable)(void *ctx, const struct a2a_unreadable *u); /* may be NULL */
    void *unreadable_ctx;
};

struct a2a_stream_source_stats {
    uint64_t ranges;      /* ranges opened (shards, for the whole stream) */
    uint64_t unreadable;  /* of those, or the stream's listing, reported unreadable */
    uint64_t pages;       /* pages handed out as inputs */
    uint64_t records;     /* records in range handed out */
    uint64_t get_records; /* GetRecords calls answered, empty pages included */
    uint64_t empty_pages;
    uint64_t expired; /* ExpiredIteratorException answers, each followed by a fresh iterator */
    uint64_t retries; /* transient failures retried */
};

/*
 * Bytes a scanner should ask a stream source for at a time: the page is already in memory,
 * so a chunk as large as a file read (1 MiB) would only hold a second copy of it.
 */
#define A2A_STREAM_READ_CHUNK (64 * 1024)

struct a2a_stream_source;

/*
 * Checks and copies the ranges; no network yet (the stream is listed at the first next()).
 * Returns 0, or -1 with err set (A2A_E_CONFIG for a bad shard id or sequence number,
 * A2A_E_NOMEM).
 */
int a2a_stream_source_open(struct a2a_stream_source **out,
                           const struct a2a_stream_source_config *cfg, struct a2a_error *err);

/*
 * Fills *src to read s. The source has no close(): s stays the caller's, and must outlive
 * whatever reads src (input names point into it until the next input).
 */
void a2a_stream_source(struct a2a_source *src, struct a2a_stream_source *s);

const struct a2a_stream_source_stats *a2a_stream_source_stats(const struct a2a_stream_source *s);

/* "trimmed", "not-found", "denied", ...; "none" for A2A_STREAM_CAUSE_NONE. */
const char *a2a_stream_cause_name(enum a2a_stream_cause cause);

/* NULL-safe; NULLs *s. The client is not freed. */
void a2a_stream_source_free(struct a2a_stream_source **s);

#endif
