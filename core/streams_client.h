/*
 * A DynamoDB Streams client: DescribeStream (every shard, parents before children) and shard
 * readers that hand out GetRecords pages byte for byte, for the stream source and the
 * on-failure redrive.
 *
 * Protocol: JSON 1.0, POST / with Content-Type application/x-amz-json-1.0 and X-Amz-Target
 * DynamoDBStreams_20120810.<Op>, signed by libcurl (CURLOPT_AWS_SIGV4, "aws:amz:REGION:
 * dynamodb" spelled out: left to itself libcurl derives the service and region from the
 * host name). The client refuses to send without both keys, because libcurl would then send
 * the request unsigned. Credentials come from aws_credentials.h and are replaced before they
 * expire.
 *
 * Failures: throttling, InternalServerError, 5xx, transport errors and timeouts are retried
 * with the project's full-jitter backoff (retry.h), a bounded number of times; an expired
 * iterator is replaced by a fresh one after the last record handed out; anything else is
 * permanent, and is reported with a cause (struct a2a_stream_error) naming the stream, shard
 * and range, for the caller to turn into exit status 6.
 *
 * Threads: a client and its readers are used by one thread at a time (one libcurl easy
 * handle); read shards in parallel with one client per thread.
 */
#ifndef A2A_STREAMS_CLIENT_H
#define A2A_STREAMS_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "aws_credentials.h"
#include "buf.h"
#include "env.h"
#include "error.h"
#include "log.h"
#include "seqnum.h"

#define A2A_STREAMS_RECORDS_LIMIT 1000              /* GetRecords Limit */
#define A2A_STREAMS_ANSWER_MAX    (8 * 1024 * 1024) /* larger answers are refused */

/* Why a stream range could not be read; A2A_STREAM_CAUSE_NONE for local failures. */
enum a2a_stream_cause {
    A2A_STREAM_CAUSE_NONE,
    A2A_STREAM_CAUSE_TRIMMED,     /* TrimmedDataAccessException: past the 24 h retention */
    A2A_STREAM_CAUSE_NOT_FOUND,   /* ResourceNotFoundException: no such stream or shard */
    A2A_STREAM_CAUSE_DENIED,      /* access denied, unknown or expired keys, bad signature */
    A2A_STREAM_CAUSE_REJECTED,    /* any other AWS 4xx error (ValidationException, ...) */
    A2A_STREAM_CAUSE_CREDENTIALS, /* no credentials, or a configured source failed */
    A2A_STREAM_CAUSE_RETRIES,     /* transient failures outlasted the retries */
    A2A_STREAM_CAUSE_TRANSPORT,   /* TLS verification, oversized answer, refused URL */
    A2A_STREAM_CAUSE_PROTOCOL,    /* an answer the API does not give (bad JSON, no iterator,
                                     an error status without an AWS error name) */
    A2A_STREAM_CAUSE_INTERRUPTED, /* the cancel flag was raised */
    A2A_STREAM_CAUSE_IDLE,        /* an open shard went idle before a range's written end */
    A2A_STREAM_CAUSE_SETUP,       /* the run could not make a client (CA bundle, libcurl) */
};

struct a2a_stream_error {
    struct a2a_error err;        /* "stream ARN shard ID (range): Name: message"; code
                                    A2A_E_INPUT when cause is set, else the local failure */
    enum a2a_stream_cause cause; /* nonzero: the range is unreadable (exit status 6) */
    char aws_name[64];           /* the AWS error name, e.g. "TrimmedDataAccessException" */
    long http_status;            /* the last HTTP status, 0 when none came */
    /* A2A_READ_LOST: the last sequence number of the range's lost start; "" otherwise */
    char lost_end[A2A_SEQNUM_MAX_DIGITS + 1];
};

/* Test hooks: leave NULL for libcurl, the monotonic clock and nanosleep. */
struct a2a_streams_hooks {
    /*
     * Sends one call with the given credentials. Returns 0 with *status and answer filled,
     * 1 for a transient transport failure (msg filled), 2 for one that is no answer in time
     * (a timeout: msg filled), -1 for a permanent one (msg filled).
     */
    int (*send)(void *ctx, const struct a2a_aws_creds *creds, const char *op, const char *body,
                size_t len, long *status, struct a2a_buf *answer, char *msg, size_t cap);
    int64_t (*now_ms)(void *ctx);
    void (*sleep_ms)(void *ctx, int64_t ms);
    void *ctx;
};

struct a2a_streams_config {
    const char *stream_arn;                /* borrowed; checked by a2a_stream_arn_parse() */
    const char *endpoint_url;              /* borrowed; the explicit URL (--endpoint-url) or NULL */
    const char *profile;                   /* borrowed; the explicit profile (--profile) or NULL */
    const char *cacert;                    /* borrowed; CA bundle, NULL: AWS_CA_BUNDLE, the
                                              profile's ca_bundle, else the system store */
    struct a2a_env env;                    /* AWS_* variables */
    const struct a2a_log *log;             /* borrowed; NULL for silence */
    const volatile sig_atomic_t *cancel;   /* borrowed; nonzero stops at the next wait */
    unsigned retries;                      /* per call after the first attempt; 0: from
                                              AWS_MAX_ATTEMPTS or max_attempts, else 10 */
    long timeout_ms;                       /* per attempt; 0 means 30000 */
    long connect_timeout_ms;               /* 0 means 5000 */
    long idle_ms;                          /* an open shard ends after this long without records;
                                              0 means 10000 */
    long poll_interval_ms;                 /* at least this long between GetRecords calls of one
                                              reader (AWS allows 5/s per shard); 0 means 250 */
    uint64_t random_seed;                  /* backoff jitter; 0 picks one from the clock */
    long credentials_timeout_ms;           /* container and IMDS; 0 means 1000 */
    const struct a2a_streams_hooks *hooks; /* borrowed; NULL outside unit tests */
};

struct a2a_streams_client;

/*
 * Checks the ARN and the endpoint; no network yet (credentials are looked up at the first
 * call). Returns 0, or -1 with err set (A2A_E_CONFIG, A2A_E_NOMEM, A2A_E_INTERNAL).
 */
int a2a_streams_client_new(const struct a2a_streams_config *cfg, struct a2a_streams_client **out,
                           struct a2a_error *err);

/* Frees the client and wipes its credentials; NULL-safe, NULLs *c. */
void a2a_streams_client_free(struct a2a_streams_client **c);

/* The endpoint URL in use (borrowed from the client). */
const char *a2a_streams_client_endpoint(const struct a2a_streams_client *c);

/* The stream ARN the client reads (borrowed from the client). */
const char *a2a_streams_client_arn(const struct a2a_streams_client *c);

/* The account (12 digits) of that stream, from the ARN parsed once (borrowed). */
const char *a2a_streams_client_account(const struct a2a_streams_client *c);

/*
 * 1 once a call of the client's was answered as the API answers a good call: its endpoint is
 * DynamoDB Streams and takes its keys, so a later refusal (not found, access denied, a
 * request rejected) is about what was asked, not about the client. 0 for NULL.
 */
int a2a_streams_client_confirmed(const struct a2a_streams_client *c);

/* 1 once any call of the client's got an HTTP answer, a refusal included. 0 for NULL. */
int a2a_streams_client_answered(const struct a2a_streams_client *c);

/*
 * Confirms the client's endpoint and keys for its stream's account when nothing has yet:
 * asks ListStreams for one stream (with the call's retries), and confirms when the answer
 * names a stream of that account. For a refusal that came first, before any good answer (a
 * stream since deleted, named by the oldest message). Returns a2a_streams_client_confirmed().
 */
int a2a_streams_confirm(struct a2a_streams_client *c);

/*
 * The breaker: "" while calls are tried, else why they are not (no call to the endpoint was
 * answered and one spent its retries). Set, it lets a new client for the same endpoint fail
 * at once as the one before it learned to (ignored once a call of the client's was answered).
 * The text is borrowed from the client / copied.
 */
const char *a2a_streams_client_unreachable(const struct a2a_streams_client *c);
void a2a_streams_client_set_unreachable(struct a2a_streams_client *c, const char *why);

/* ---- shards ---------------------------------------------------------------------------- */

struct a2a_shard_info {
    char *shard_id;     /* owned */
    char *parent_id;    /* owned; NULL for none */
    char *starting_seq; /* owned; NULL when not given */
    char *ending_seq;   /* owned; NULL while the shard is open */
};

struct a2a_shard_list {
    struct a2a_shard_info *shards; /* owned */
    size_t count;
};

/*
 * Every shard of the stream (DescribeStream, paginated with ExclusiveStartShardId until
 * LastEvaluatedShardId is absent), parents before children. Returns 0, or -1 with e set.
 */
int a2a_streams_describe(struct a2a_streams_client *c, struct a2a_shard_list *out,
                         struct a2a_stream_error *e);

/*
 * Reorders l so that each shard comes after its parent; a shard whose parent is not listed is
 * a root; otherwise the listed order is kept. Returns 0, or -1 (err set, A2A_E_INPUT) when
 * the lineage has a cycle, or A2A_E_NOMEM.
 */
int a2a_shards_order(struct a2a_shard_list *l, struct a2a_error *err);

void a2a_shard_list_free(struct a2a_shard_list *l);

/* ---- reading one shard ------------------------------------------------------------------ */

enum a2a_start_kind {
    A2A_START_TRIM_HORIZON,
    A2A_START_LATEST,
    A2A_START_AT,    /* AT_SEQUENCE_NUMBER seq */
    A2A_START_AFTER, /* AFTER_SEQUENCE_NUMBER seq */
};

struct a2a_start {
    enum a2a_start_kind kind;
    char seq[A2A_SEQNUM_MAX_DIGITS + 1]; /* AT and AFTER only */
};

/*
 * "trim-horizon", "latest", "at:SEQ" or "after:SEQ" into out. Returns 0, or -1 with err set
 * (A2A_E_CONFIG).
 */
int a2a_start_parse(const char *text, struct a2a_start *out, struct a2a_error *err);

/* The inverse: s as a2a_start_parse() takes it, into buf (47 bytes hold any); returns buf. */
const char *a2a_start_text(const struct a2a_start *s, char *buf, size_t cap);

struct a2a_shard_range {
    const char *shard_id;   /* borrowed for the call (the reader copies it) */
    struct a2a_start start; /* where to begin */
    const char *end_seq;    /* borrowed for the call; the last sequence number wanted,
                               inclusive; NULL to read to the end of the shard */
    int shard_closed;       /* the shard is known closed (it has an EndingSequenceNumber):
                               it then ends only when the iterator runs out, never idle */
    int end_written;        /* end_seq is a record the shard holds (a range Lambda read): a
                               read that ends before it is unreadable, not whole */
    int children_unread;    /* the shard's children are not read after it (a shard named by
                               the operator): a read that ends at its close says so */
};

/* One GetRecords page with at least one record. Everything is borrowed until the next call. */
struct a2a_stream_page {
    const char *bytes; /* the answer body exactly as received: {"Records":[...],...} */
    size_t len;
    size_t records;            /* records in the page */
    size_t records_in_range;   /* the leading records not beyond end_seq */
    const char *first_seq;     /* SequenceNumber of the first record */
    const char *last_seq;      /* SequenceNumber of the last record */
    const char *next_iterator; /* NextShardIterator, NULL when the shard closed */
};

struct a2a_shard_reader_stats {
    uint64_t get_records; /* GetRecords calls answered */
    uint64_t empty_pages; /* of those, pages without a record */
    uint64_t iterators;   /* GetShardIterator calls answered */
    uint64_t expired;     /* ExpiredIteratorException answers */
    uint64_t retries;     /* transient failures retried */
    uint64_t records;     /* records handed out (in range) */
};

struct a2a_shard_reader;

/*
 * A reader of range on c (borrowed: it must outlive the reader); no network yet. Returns 0,
 * or -1 with err set (A2A_E_CONFIG for a bad shard id or sequence number, A2A_E_NOMEM).
 */
int a2a_shard_reader_open(struct a2a_streams_client *c, const struct a2a_shard_range *range,
                          struct a2a_shard_reader **out, struct a2a_error *err);

enum a2a_read_status {
    A2A_READ_ERROR = -1, /* e set; the reader is finished */
    A2A_READ_PAGE = 0,   /* page filled */
    A2A_READ_END = 1,    /* the range is read: closed shard, end_seq passed, or idle */
    A2A_READ_LOST = 2,   /* the range's start is trimmed away: e says what is lost, up to
                            e->lost_end (cause A2A_STREAM_CAUSE_TRIMMED); the reader goes on,
                            and its next call hands out the first page of what remains */
};

/*
 * The next page holding records. Empty pages are read through (never the end by themselves)
 * at the polling pace; an open shard ends after idle_ms without records. Once a page reaches
 * end_seq, the next call returns A2A_READ_END.
 *
 * A range that starts at or after a sequence number the stream has trimmed (past its 24
 * hours) is read from the trim horizon instead: every record still there lies past the
 * start. As soon as the first of them shows where the loss ends, A2A_READ_LOST says so, before
 * any record of the range is handed out; when none of the range is left, the read fails as
 * trimmed, as a whole.
 */
enum a2a_read_status a2a_shard_reader_next(struct a2a_shard_reader *r, struct a2a_stream_page *page,
                                           struct a2a_stream_error *e);

const struct a2a_shard_reader_stats *a2a_shard_reader_stats(const struct a2a_shard_reader *r);

/*
 * Whether the read ended because the shard is closed (no NextShardIterator, or no iterator at
 * all) before the range's end: the records written after it are in its child shards. 0 while
 * reading, and after an end on end_seq, on idle or on an error.
 */
int a2a_shard_reader_closed(const struct a2a_shard_reader *r);

/* NULL-safe; NULLs *r. */
void a2a_shard_reader_free(struct a2a_shard_reader **r);

#endif
