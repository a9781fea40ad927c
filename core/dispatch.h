/*
 * The dispatch engine: one libcurl multi handle driving up to `concurrency` redispatch calls
 * at once over reused keep-alive (or HTTP/2 multiplexed) connections, with retries re-queued
 * at a not-before time. No thread or process per call.
 *
 * Jobs belong to the caller; the engine borrows each from a2a_dispatch_add() until it hands
 * it back through on_done, exactly once.
 */
#ifndef A2A_DISPATCH_H
#define A2A_DISPATCH_H

#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "log.h"
#include "result.h"

struct a2a_dispatch_config {
    const char *url;            /* borrowed */
    const char *token;          /* borrowed; NULL for none; sent as a Bearer credential */
    const char *const *headers; /* borrowed; extra "Name: value" lines */
    size_t nheaders;
    long timeout_ms; /* per attempt */
    long connect_timeout_ms;
    unsigned retries;     /* retries after the first attempt */
    unsigned concurrency; /* calls in flight */
    double rate;          /* calls started per second; 0 for no limit */
    int insecure;         /* skip TLS verification */
    const char *cacert;   /* borrowed; NULL for the system store */
    uint64_t random_seed; /* jitter; 0 picks one from the clock */
};

struct a2a_job {
    /* Filled by the caller before a2a_dispatch_add(). */
    struct a2a_buf body;        /* owned by the job: the request body */
    struct a2a_buf idem_header; /* owned by the job: "Idempotency-Key: ..." */
    void *user;                 /* the caller's back-pointer */

    /* Filled by the engine. */
    enum a2a_outcome outcome;
    char reason[A2A_REASON_MAX];
    int http_status;
    unsigned attempts;
    int64_t first_ms; /* monotonic ms of the first attempt */
    int64_t done_ms;

    /* Engine-private. */
    int64_t not_before_ms;
    struct a2a_job *next;
    struct curl_slist *header_node; /* our own node, chained in front of the shared list */
    struct a2a_buf response;        /* body, capped */
    char retry_after[64];
    char errbuf[256]; /* libcurl's error text (CURL_ERROR_SIZE) for this call */
    int body_capped;
};

struct a2a_dispatch;

typedef void a2a_job_done_fn(void *ctx, struct a2a_job *job);

/* Returns 0, or -1 with err set (A2A_E_CONFIG, A2A_E_NOMEM, A2A_E_INTERNAL). */
int a2a_dispatch_new(struct a2a_dispatch **out, const struct a2a_dispatch_config *cfg,
                     const struct a2a_log *log, a2a_job_done_fn *on_done, void *ctx,
                     struct a2a_error *err);

/* Queues a job; it starts when a slot and the rate allow. */
void a2a_dispatch_add(struct a2a_dispatch *d, struct a2a_job *job);

/*
 * Moves everything forward: starts queued calls, collects answers, re-queues retries. Waits
 * up to wait_ms for network activity when nothing is ready, or until extra_fd (unless -1)
 * becomes readable. Returns 0 or -1 (err set).
 */
int a2a_dispatch_run(struct a2a_dispatch *d, int wait_ms, int extra_fd, struct a2a_error *err);

/* Jobs queued or in flight. */
size_t a2a_dispatch_pending(const struct a2a_dispatch *d);

/* Nonzero once a 401/403/404/405 answer stopped the engine: that status. */
int a2a_dispatch_fatal_status(const struct a2a_dispatch *d);

/* Hands every queued and in-flight job back with this outcome, abandoning open calls. */
void a2a_dispatch_abandon(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason);

/* Frees the engine (abandons nothing: call _abandon first); wipes the credential. */
void a2a_dispatch_free(struct a2a_dispatch **d);

/* Frees a job's buffers. */
void a2a_job_release(struct a2a_job *job);

#endif
