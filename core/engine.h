#ifndef A2A_ENGINE_H
#define A2A_ENGINE_H

/*
 * One libcurl multi handle driving up to `cap` calls: starts queued jobs, collects answers,
 * re-queues retries with backoff, honours the rate limit. Single-threaded: every call on one
 * engine comes from the same thread (the dispatch pool gives each engine a thread of its own).
 * Finished jobs collect on a done list the owner takes with a2a_engine_take_done(). The
 * per-call libcurl state (response buffer, header node, error text) is the engine's own.
 */

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "error.h"
#include "job.h"
#include "retry.h"

/*
 * Why the run must stop, and the circuit breaker: owned by the pool, shared by its engines.
 * fatal_status (in a2a_engine_shared) is written under mu only, after cause and reason, so
 * that whoever sees it nonzero and then takes mu reads the reason that goes with it.
 */
struct a2a_trip {
    pthread_mutex_t mu;
    atomic_int answered;  /* a call got an HTTP status line: the breaker is off for good */
    atomic_int connected; /* a call connected (and its handshake was made), answered or not */
    atomic_uint refused;  /* once answered: calls refused a connection, retries spent, in a row */
    atomic_uint failing;  /* once answered: calls answered 5xx, 429, 408 or 425 to their last
                             retry, in a row; grown under mu, ended by any other answer */
    int64_t failing_since_ms; /* under mu: when the `failing` row began */
    int64_t failing_last_ms;  /* under mu: its latest failure */
    unsigned threshold;       /* the breaker trips after this many final failures in a row */
    /* Guarded by mu. */
    struct a2a_breaker breaker;
    enum a2a_transport cause;    /* with A2A_FATAL_TRANSPORT: the class that stopped the run */
    char reason[A2A_REASON_MAX]; /* what stopped the run, in one line; "" until then */
};

/* What the engines of one pool share: read-only once the pool starts, except the two atomics. */
struct a2a_engine_shared {
    long timeout_ms; /* per attempt */
    long connect_timeout_ms;
    unsigned retries;   /* retries after the first attempt */
    double rate;        /* calls started per second, all engines together; 0 for no limit */
    int insecure;       /* skip TLS verification */
    const char *cacert; /* borrowed; NULL for the system store */
    int https;          /* the endpoint is https: wait for ALPN before opening more connections */
    const struct curl_slist *headers; /* borrowed: the headers every call carries */
    const char *no_expect; /* borrowed: the line a body longer than expect_min carries too */
    size_t expect_min;
    CURLU *url;                     /* read only: each engine works on its own copy */
    atomic_int *fatal_status;       /* first 401/403/404/405 seen by any engine, A2A_FATAL_TRANSPORT
                                       (trip says why); 0 before */
    struct a2a_trip *trip;          /* the breaker and the stop reason, shared */
    _Atomic int64_t *next_start_ns; /* --rate: no call of any engine starts before this */
    int no_proxy; /* no proxy variable is set: spare libcurl looking them up on every call */
    /* Told of every attempt that will be made again, on the engine's thread; NULL: nobody. */
    void (*on_retry)(void *ctx, const struct a2a_retry_note *note);
    void *retry_ctx;
};

struct a2a_engine;

/* At most `cap` calls in flight. Returns 0, or -1 with err set (A2A_E_NOMEM). */
int a2a_engine_new(struct a2a_engine **out, const struct a2a_engine_shared *shared, unsigned cap,
                   uint64_t seed, struct a2a_error *err);

/* Queues jobs (a chain linked through next, oldest first); each starts when a slot, its
 * retry time and the rate allow. */
void a2a_engine_add(struct a2a_engine *e, struct a2a_job *chain);

/* Starts, advances and collects calls without waiting. Returns 0 or -1 (err set). */
int a2a_engine_step(struct a2a_engine *e, struct a2a_error *err);

/*
 * Sleeps until network activity, a2a_engine_wakeup(), the next retry or rate slot, or
 * max_ms, whichever comes first. Returns 0, or -1 (err set) when libcurl cannot wait.
 */
int a2a_engine_wait(struct a2a_engine *e, int max_ms, struct a2a_error *err);

/* Interrupts a2a_engine_wait() from any thread. */
void a2a_engine_wakeup(struct a2a_engine *e);

/* How many more jobs it could start now: free slots not taken by queued jobs that are ready
 * (a retry still waiting takes none yet); 0 once a fail-fast answer stopped the pool. */
size_t a2a_engine_room(const struct a2a_engine *e);

/* Finishes every queued and in-flight job with this outcome, abandoning open calls. */
void a2a_engine_abandon(struct a2a_engine *e, enum a2a_outcome outcome, const char *reason);

/* Takes the finished jobs, oldest first, chained through job->next; NULL when none. */
struct a2a_job *a2a_engine_take_done(struct a2a_engine *e);

/* Frees the engine and its handles (finishes nothing: abandon first). */
void a2a_engine_free(struct a2a_engine **e);

#endif
