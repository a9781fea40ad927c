/*
 * One redispatch call as the batch driver hands it to the dispatch pool: the request part
 * (filled by the caller) and the result part (filled by the pool). libcurl's per-call state
 * (response buffer, header node, error text) is not here: it belongs to the engine that
 * runs the call (core/engine.c), so a job holds no library type.
 */
#ifndef A2A_JOB_H
#define A2A_JOB_H

#include <stdint.h>

#include "buf.h"
#include "result.h"

/* What to send. Filled by the caller before a2a_dispatch_add(); read only afterwards. */
struct a2a_job_request {
    struct a2a_buf body;        /* owned by the job: the request body */
    struct a2a_buf idem_header; /* owned by the job: "Idempotency-Key: ...", NUL-terminated */
};

/* What came of it. Filled by the pool; the caller reads it once the job is handed back. */
struct a2a_job_result {
    enum a2a_outcome outcome;
    char reason[A2A_REASON_MAX];
    int http_status; /* last HTTP status; 0 when none */
    unsigned attempts;
    int64_t first_ms; /* monotonic ms of the first attempt; 0 when none was made */
    int64_t done_ms;
    int fail_fast;  /* its verdict stopped the run: the run's one message says why */
    int odd_answer; /* acknowledged by a 2xx whose body names no known outcome (reason) */
};

struct a2a_job {
    struct a2a_job_request req;
    struct a2a_job_result res;
    void *user; /* borrowed: the caller's back-pointer */

    /* Private to the pool and its engines. */
    int64_t not_before_ms; /* a retry waits until then */
    struct a2a_job *next;  /* the list it waits in: pool queue or outbox, engine queue or done */
};

/*
 * An attempt that failed and will be made again. The job stays with the pool meanwhile, so
 * the note carries what its owner may want to say of it; `user` is the job's, to find the
 * record by.
 */
struct a2a_retry_note {
    void *user;
    unsigned attempt;  /* the attempt that failed, 1-based */
    unsigned attempts; /* how many may be made in all */
    int64_t delay_ms;  /* until the next */
    int asked;         /* the dispatcher's Retry-After set the delay (else backoff) */
    char reason[A2A_REASON_MAX];
};

/*
 * Finishes a job that got no answer (the run stopped, or could not go on): one wording for
 * every place that gives up on calls. in_flight says a call was open and is abandoned.
 */
void a2a_job_abandon(struct a2a_job *job, enum a2a_outcome outcome, int in_flight,
                     const char *reason, int64_t now_ms);

/* Frees a job's request buffers; the job can be filled again. */
void a2a_job_release(struct a2a_job *job);

#endif
