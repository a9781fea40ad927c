/*
 * The batch driver: input -> records -> classification -> dispatch -> results, in input
 * order. Results flow to the response (always) and to the caller's callback (report, retry
 * file, progress). Memory holds the current record, the in-order window of records whose
 * calls are still open, and the failing identifiers: never the whole input.
 */
#ifndef A2A_BATCH_H
#define A2A_BATCH_H

#include <signal.h>
#include <stdint.h>

#include "dispatch.h"
#include "error.h"
#include "input.h"
#include "log.h"
#include "redrive.h"
#include "result.h"
#include "sinks.h"

struct a2a_run_stats;

struct a2a_run_config {
    struct a2a_input_config input;
    int dry_run; /* classify only: INSERTs that parse are would_dispatch, nothing is sent */
    struct a2a_dispatch_config dispatch; /* ignored with dry_run */
    int keep_raw;                        /* results carry the record bytes (--failed-out) */
    int log_records;                     /* a DEBUG event per record (-v) */
    size_t window;                       /* records held for in-order output; 0: 4096 */
    int64_t drain_ms;                    /* after cancel: keep listing input this long; 0: 500 */
    struct a2a_log log;
    const volatile sig_atomic_t *cancel; /* nonzero: stop at once (SIGINT/SIGTERM) */
    void (*on_result)(void *ctx, const struct a2a_result *res); /* may be NULL */
    void *result_ctx;
    /*
     * Optional: called at least every 250 ms while the run waits (for calls, for input) and
     * after calls are handed over, so that a progress display can redraw even when nothing
     * completes. Gets result_ctx and the run's live stats.
     */
    void (*on_tick)(void *ctx, const struct a2a_run_stats *live);
    /* The redrive shapes: the stream clients pointers are read through, and where finished
       messages and unreadable ranges go. */
    struct a2a_redrive_config redrive;
};

/*
 * Where reading stopped when the input was not read to its end: enough to continue later
 * from a record boundary. Every source fills the same fields; `resume_arg` is the source's
 * own way of naming the place (for files: the byte offset --resume-from takes).
 */
struct a2a_resume_point {
    int valid;              /* input was left unread: the fields below say where */
    char *input;            /* owned: the input's name as the source gave it */
    size_t input_index;     /* 0-based index of that input among the source's inputs */
    int input_resumable;    /* the input can be read again (a regular file, not a pipe) */
    uint64_t offset;        /* byte after the last record read from it; 0: none was */
    uint64_t last_position; /* position of the last record read from that input; 0: none */
    int has_last_seq;
    struct a2a_buf last_seq; /* owned: that record's SequenceNumber, exact bytes */
    char resume_arg[64];     /* how to name the place to the source: "OFFSET" for files; "" none */
    int input_failed;        /* reading stopped because that input failed (an input error) at
                                the place or after it: the inputs after it are sound */
    enum a2a_encoding input_encoding; /* with input_failed: what it seems to be, if no JSON */
    /* A stop left a message unfinished, or one failed in a way that may pass when read
       again (redrive.h): the place was moved before the first such. */
    uint64_t unfinished_message; /* its 1-based index, 0 */
    int unfinished_cut;          /* it was cut by the stop (else it failed) */
    uint64_t before_message;     /* the message right after the place, which a read from it
                                    reads first: the unfinished one; 0 */
    uint64_t after_message;      /* else the index of the message whose value ends at the place,
                                    when that ends after the input's last record read; 0 */
    uint64_t failed_before;      /* messages before the place that failed for a reason of their
                                    own: a continuation does not read them again */
    /* A source not read by byte offsets (a stream) names its place itself; valid: 0 else. */
    struct a2a_source_place place;
};

struct a2a_run_stats {
    uint64_t records;   /* records read */
    uint64_t documents; /* JSON documents begun (0: the input held nothing but white space) */
    uint64_t skipped;
    uint64_t acknowledged; /* including task_deleted */
    uint64_t task_deleted;
    uint64_t failed;                   /* listed in batchItemFailures */
    uint64_t unreportable;             /* failed with no SequenceNumber */
    uint64_t not_attempted;            /* failed because fail-fast stopped the run */
    uint64_t interrupted;              /* failed because the run was interrupted */
    uint64_t would_dispatch;           /* --dry-run: INSERTs that would be sent */
    uint64_t by_outcome[A2A_OUT__MAX]; /* every result by outcome (failures by kind) */
    uint64_t dispatched;               /* records sent at least once (delivered so far) */
    uint64_t retries;                  /* attempts that failed and were to be made again */
    uint64_t in_flight;                /* handed to the engine and not back yet (live) */
    uint64_t input_offset;             /* how far into the current input reading got (live;
                                          at the end, into the last one reached) */
    size_t input_index;                /* 0-based index of the current input (live); at the
                                          end, of the last one reading reached */
    int input_error;                   /* err holds the input problem; reading stopped there */
    int cancelled;                     /* the cancel flag was seen */
    int fatal_status;                  /* the HTTP status that stopped the run (fail-fast),
                                          A2A_FATAL_TRANSPORT (retry.h) when a transport fault
                                          did, or 0 */
    int input_unread;                  /* cancelled before the input was fully read */
    int range_unread;                  /* cancelled while a message's range was read */
    int64_t elapsed_ms;
    struct a2a_error err;
    /* With input_error: the configured limit the input exceeded, or A2A_LIMIT_NONE. */
    enum a2a_limit input_limit;
    uint64_t input_limit_needed;    /* with it: the size of the value that exceeded it; 0 unknown */
    struct a2a_resume_point resume; /* valid when the input was not read to its end */
    /* Redrive: input messages (SQS, SNS, invocation records, S3 objects) and their ranges. */
    uint64_t messages;
    uint64_t messages_acked;           /* every record acknowledged or skipped, the range read */
    uint64_t message_errors;           /* messages that could not be used (logged; exit status 1) */
    uint64_t messages_cut;             /* not acked: the run stopped before they were done */
    uint64_t messages_records_failed;  /* not acked only because records of theirs failed */
    uint64_t warnings;                 /* notes about messages used all the same */
    uint64_t duplicates;               /* messages naming a range an earlier one named: read once */
    uint64_t ranges_read;              /* pointer ranges read from a stream */
    uint64_t ranges_unreadable;        /* of those, not read in full (exit status 6) */
    int fatal_cause;                   /* with fatal_status: its enum a2a_transport class */
    char fatal_reason[A2A_REASON_MAX]; /* with fatal_status: what stopped the run, one line */
    int answered;                      /* some call got an HTTP status line back */
    int connected;                     /* some call connected, answered or not */
    int streams_unanswered; /* the Streams endpoint of the last range read answered no call */
};

/* Frees what the stats own (the resume point's SequenceNumber). */
void a2a_run_stats_free(struct a2a_run_stats *stats);

/*
 * Runs one batch. stats is reset first (call a2a_run_stats_free() after). Returns 0 when a response
 * can be printed (even after an input error, with stats->input_error set), -1 when the run could
 * not be carried out (stats->err says why: out of memory, a refused dispatcher configuration).
 */
int a2a_run(const struct a2a_run_config *cfg, struct a2a_response *resp,
            struct a2a_run_stats *stats);

/*
 * Before a run: whether input->resume_offset is a resume point of input->paths[0] as
 * a2a_run() would read it (a2a_input_check_resume(): 0, 1 with err->msg saying where it
 * falls, or -1 with err set). On 0, give the run place->in as resume_in.
 */
int a2a_run_check_resume(const struct a2a_input_config *input, struct a2a_resume_place *place,
                         struct a2a_error *err);

/*
 * The check was stopped (the cancel flag): the run is one that stopped before its first
 * read. Fills stats as a2a_run() would (cancelled, the input not read), with input->
 * resume_offset of input->paths[0], not checked, as the resume point: the continuation
 * checks it. Returns 0, or -1 (out of memory: stats->err says so).
 */
int a2a_run_stopped_in_check(const struct a2a_input_config *input, struct a2a_run_stats *stats);

#endif
