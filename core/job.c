#include "job.h"

#include <stdio.h>

void a2a_job_abandon(struct a2a_job *job, enum a2a_outcome outcome, int in_flight,
                     const char *reason, int64_t now_ms)
{
    if (in_flight) {
        /* The endpoint is idempotent: abandoning an open call is safe, and worth saying. */
        snprintf(job->res.reason, sizeof(job->res.reason), "call abandoned in flight; %.300s",
                 reason);
    } else {
        snprintf(job->res.reason, sizeof(job->res.reason), "%s", reason);
    }
    /* A call that was sent (now, or before a retry wait) was attempted: it is abandoned. */
    if (outcome == A2A_OUT_NOT_ATTEMPTED && (in_flight || job->res.attempts > 0)) {
        outcome = A2A_OUT_ABANDONED;
    }
    job->res.outcome = outcome;
    job->res.done_ms = now_ms;
}

void a2a_job_release(struct a2a_job *job)
{
    a2a_buf_free(&job->req.body);
    a2a_buf_free(&job->req.idem_header);
}
