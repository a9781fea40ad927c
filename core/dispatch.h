/*
 * The dispatch pool: up to `concurrency` redispatch calls at once over reused keep-alive (or
 * HTTP/2 multiplexed) connections, with retries re-queued at a not-before time. The pool owns
 * a few engines, each one libcurl multi handle on a thread of its own (core/engine.h); no
 * thread or process per call.
 *
 * Jobs (core/job.h) belong to the caller; the pool borrows each from a2a_dispatch_add() until
 * it hands it back through on_done, exactly once. Every function here, and the hooks, run on
 * the caller's thread; the caller never touches a job it has handed over. Call
 * a2a_dispatch_global_init() once before a2a_dispatch_new(): the engine threads start at once.
 */
#ifndef A2A_DISPATCH_H
#define A2A_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "job.h"
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

struct a2a_dispatch;

/*
 * The HTTP library's process-wide set-up: once, before any other thread starts, and before
 * the first a2a_dispatch_new(). Opens libcurl (core/curl_loader.h) and starts it. Returns 0,
 * or -1 with err saying why. _cleanup() undoes it at exit.
 */
int a2a_dispatch_global_init(struct a2a_error *err);
void a2a_dispatch_global_cleanup(void);

/* The HTTP library's version line, for --version (it opens the library to ask); NULL with err
 * saying why when it cannot be opened. */
const char *a2a_dispatch_library_version(struct a2a_error *err);

/* What the pool tells its caller, on the caller's thread, from a2a_dispatch_run(). */
struct a2a_dispatch_hooks {
    /* A job is back, finished: exactly once for each job added. */
    void (*on_done)(void *ctx, struct a2a_job *job);
    /* An attempt failed and will be made again; NULL: not wanted. Notes wait in a bounded
     * queue: past A2A_DISPATCH_NOTES_MAX not yet handed on, a note is counted, not kept. */
    void (*on_retry)(void *ctx, const struct a2a_retry_note *note);
    /* Required with on_retry: how many notes the bound dropped since it was last called. */
    void (*on_retry_dropped)(void *ctx, uint64_t dropped);
    void *ctx;
};

#define A2A_DISPATCH_NOTES_MAX 64

/* Returns 0, or -1 with err set (A2A_E_CONFIG_URL, A2A_E_NOMEM, A2A_E_INTERNAL). */
int a2a_dispatch_new(struct a2a_dispatch **out, const struct a2a_dispatch_config *cfg,
                     const struct a2a_log *log, const struct a2a_dispatch_hooks *hooks,
                     struct a2a_error *err);

/* Queues a job; it starts when a slot and the rate allow. */
void a2a_dispatch_add(struct a2a_dispatch *d, struct a2a_job *job);

/*
 * Hands on the retry notes, then every finished job through on_done. When none has finished, waits
 * until a batch of them (32, or all outstanding if fewer) is back, extra_fd (unless -1) becomes
 * readable, or wait_ms passes: keep wait_ms short, it bounds how late a lone straggler is handed
 * back. Returns 0, or -1 (err set) once an engine thread failed.
 */
int a2a_dispatch_run(struct a2a_dispatch *d, int wait_ms, int extra_fd, struct a2a_error *err);

/* Jobs queued or in flight. */
size_t a2a_dispatch_pending(const struct a2a_dispatch *d);

/*
 * Nonzero once every call would fail alike and the pool stopped: the 401/403/404/405 status
 * that said so, or A2A_FATAL_TRANSPORT (retry.h) for an untrusted certificate, a server
 * that does not speak TLS, an unusable scheme, or the circuit breaker.
 */
int a2a_dispatch_fatal_status(const struct a2a_dispatch *d);

/* What stopped the pool, in one line (reason, NUL-terminated); returns its enum
 * a2a_transport class (A2A_TRANSPORT_ANSWERED for an HTTP status). */
int a2a_dispatch_fatal_reason(struct a2a_dispatch *d, char *reason, size_t cap);

/* 1 once any call got an HTTP status line from the dispatcher. */
int a2a_dispatch_answered(const struct a2a_dispatch *d);

/* 1 once any call connected to the dispatcher (and made its TLS handshake), answered or not. */
int a2a_dispatch_connected(const struct a2a_dispatch *d);

/* Hands every queued and in-flight job back with this outcome, abandoning open calls. */
void a2a_dispatch_abandon(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason);

/* Stops the threads and frees the pool (abandons nothing: call _abandon first); wipes the
 * credential. */
void a2a_dispatch_free(struct a2a_dispatch **d);

#endif
