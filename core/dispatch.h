/*
 * The dispatch pool: up to `concurrency` redispatch calls at once over reused keep-alive (or
 * HTTP/2 multiplexed) connections, with retries re-queued at a not-before time. The calls run
 * on a few engine threads ("lanes"), each one libcurl multi handle (core/engine.h); no thread
 * or process per call.
 *
 * Jobs belong to the caller; the pool borrows each from a2a_dispatch_add() until it hands it
 * back through on_done, exactly once. Every function here, and on_done, runs on the caller's
 * thread; the caller never touches a job it has handed over. libcurl must be initialised
 * (curl_global_init) before a2a_dispatch_new(): the engine threads start at once.
 */
#ifndef A2A_DISPATCH_H
#define A2A_DISPATCH_H

#include <curl/curl.h>
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
    unsigned threads;     /* engine threads; 0 picks one per 8 calls, at most the cores */
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

    /* Private to the pool and its engines. */
    int64_t not_before_ms;
    struct a2a_job *next; /* the list it waits in: pool queue or outbox, engine queue or done */
    struct curl_slist header_node; /* its Idempotency-Key, chained in front of the shared list */
    struct a2a_buf response;       /* body, capped */
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
 * Hands back every finished job through on_done. When none has finished, waits until a batch
 * of them (32, or all outstanding if fewer) is back, extra_fd (unless -1) becomes readable,
 * or wait_ms passes: keep wait_ms short, it bounds how late a lone straggler is handed back.
 * Returns 0, or -1 (err set) once an engine thread failed.
 */
int a2a_dispatch_run(struct a2a_dispatch *d, int wait_ms, int extra_fd, struct a2a_error *err);

/* Jobs queued or in flight. */
size_t a2a_dispatch_pending(const struct a2a_dispatch *d);

/* Nonzero once a 401/403/404/405 answer stopped the engine: that status. */
int a2a_dispatch_fatal_status(const struct a2a_dispatch *d);

/* Hands every queued and in-flight job back with this outcome, abandoning open calls. */
void a2a_dispatch_abandon(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason);

/* Stops the threads and frees the pool (abandons nothing: call _abandon first); wipes the
 * credential. */
void a2a_dispatch_free(struct a2a_dispatch **d);

/* Frees a job's buffers. */
void a2a_job_release(struct a2a_job *job);

#endif
