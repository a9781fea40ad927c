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
#include "result.h"
#include "sinks.h"

struct a2a_run_config {
    struct a2a_input_config input;
    int dry_run;                         /* classify only: INSERTs that parse count as acked */
    struct a2a_dispatch_config dispatch; /* ignored with dry_run */
    int keep_raw;                        /* results carry the record bytes (--failed-out) */
    int log_records;                     /* a DEBUG event per record (-v) */
    size_t window;                       /* records held for in-order output; 0: 4096 */
    int64_t drain_ms;                    /* after cancel: keep listing input this long; 0: 500 */
    struct a2a_log log;
    const volatile sig_atomic_t *cancel; /* nonzero: stop at once (SIGINT/SIGTERM) */
    void (*on_result)(void *ctx, const struct a2a_result *res); /* may be NULL */
    void *result_ctx;
};

struct a2a_run_stats {
    uint64_t records; /* records read */
    uint64_t skipped;
    uint64_t acknowledged; /* including task_deleted */
    uint64_t task_deleted;
    uint64_t failed;        /* listed in batchItemFailures */
    uint64_t unreportable;  /* failed with no SequenceNumber */
    uint64_t not_attempted; /* failed because fail-fast stopped the run */
    uint64_t interrupted;   /* failed because the run was interrupted */
    uint64_t dispatched;    /* records handed to the HTTP engine */
    int input_error;        /* err holds the input problem; reading stopped there */
    int cancelled;          /* the cancel flag was seen */
    int fatal_status;       /* the HTTP status that stopped the run (fail-fast), A2A_FATAL_TRANSPORT
                               (retry.h) when a transport fault did, or 0 */
    int input_unread;       /* cancelled before the input was fully read */
    int64_t elapsed_ms;
    struct a2a_error err;
    /* With input_error: the configured limit the input exceeded, or A2A_LIMIT_NONE. */
    enum a2a_limit input_limit;
    int fatal_cause;                   /* with fatal_status: its enum a2a_transport class */
    char fatal_reason[A2A_REASON_MAX]; /* with fatal_status: what stopped the run, one line */
    int answered;                      /* some call got an HTTP status line back */
};

/*
 * Runs one batch. Returns 0 when a response can be printed (even after an input error, with
 * stats->input_error set), -1 when the run could not be carried out (stats->err says why:
 * out of memory, a refused dispatcher configuration).
 */
int a2a_run(const struct a2a_run_config *cfg, struct a2a_response *resp,
            struct a2a_run_stats *stats);

#endif
