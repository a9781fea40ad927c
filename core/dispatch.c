#include "dispatch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "curl_loader.h"
#include "engine.h"
#include "joblist.h"
#include "request.h"
#include "wipe.h"

/*
 * The pool: each engine (one libcurl multi handle with its own connections) runs on a
 * thread of its own. The caller's thread parses records, builds requests and queues them;
 * engines pull from that one queue only as many as they have free slots for, so an engine
 * with slow calls never sits on new work another engine could do (its retries stay with
 * it). Engines hand
 * finished jobs back; the caller's callback only ever runs on the caller's thread. Sending, reading
 * and accounting for calls in libcurl is most of the work per record: a second core doubles what
 * one multi handle tops out at.
 *
 * One mutex guards every hand-over, and no libcurl call or callback runs under it. Nobody is
 * woken per job: an engine only when it sleeps with room for one, the caller only once a
 * batch is back (or an engine failed, or fail-fast).
 */

#define ENGINE_IDLE_WAIT_MS 1000 /* a sleeping engine re-checks this often even if never woken */
#define CALLS_PER_ENGINE    8    /* one multi handle keeps up with this many loopback calls */
#define MAX_ENGINES         8
#define WAKE_BATCH          32 /* a waiting caller is woken once this many jobs are back */
#define BREAKER_MIN         4  /* the circuit breaker trips after max(-j, this) failures */

/* An engine of the pool and the thread that drives it. */
struct pool_engine {
    struct a2a_dispatch *pool;
    /* Owned. Driven only by its own thread; the caller only wakes it, and frees it after
     * the join. */
    struct a2a_engine *engine;
    pthread_t thread;
    int running; /* the thread was started (joined on free) */

    /* Guarded by pool->mu. */
    int sleeping; /* waiting with room for jobs: wake it when one is queued */
    int abandon;  /* abandon requested, not yet done */
    int failed;   /* its engine failed: it starts nothing more (written by its thread only) */
};

struct a2a_dispatch {
    struct a2a_dispatch_config cfg; /* copied; strings borrowed */
    struct a2a_log log;
    struct a2a_dispatch_hooks hooks;

    struct curl_slist *headers;    /* owned: the headers every call carries */
    CURLU *url;                    /* owned: the endpoint, parsed once; engines copy it */
    atomic_int fatal_status;       /* first fail-fast status any engine saw */
    struct a2a_trip trip;          /* the circuit breaker and why the run stopped */
    _Atomic int64_t next_start_ns; /* --rate: the one schedule every engine claims starts on */

    struct pool_engine *engines; /* owned array of nengines */
    unsigned nengines;
    int wake_fds[2]; /* owned pipe: an engine thread writes a byte to wake the waiting caller */

    pthread_mutex_t mu;
    pthread_cond_t engines_cv; /* an engine finished an abandon; or abandon/quit for a failed one */
    /* Guarded by mu. */
    struct a2a_job_list queue;  /* added, not yet pulled by an engine */
    struct a2a_job_list outbox; /* finished, not yet handed back to the caller */
    size_t outbox_len;
    size_t caller_wants; /* the caller sleeps on wake_fds[0] until this many are back; 0: awake */
    int quit;
    enum a2a_outcome abandon_outcome;
    char abandon_reason[A2A_REASON_MAX];
    struct a2a_error engine_err; /* the first engine failure (out of memory) */
    struct a2a_retry_note notes[A2A_DISPATCH_NOTES_MAX]; /* retries not yet told, oldest first */
    size_t nnotes;
    uint64_t notes_dropped; /* past the bound since the caller was last told */

    /* The caller's thread only. */
    size_t outstanding; /* added and not yet handed back */
};

int a2a_dispatch_global_init(struct a2a_error *err)
{
    if (a2a_curl_load(err) != 0) {
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        a2a_error_set(err, A2A_E_INTERNAL, "libcurl would not start (curl_global_init failed)");
        return -1;
    }
    return 0;
}

void a2a_dispatch_global_cleanup(void)
{
    curl_global_cleanup();
}

const char *a2a_dispatch_library_version(struct a2a_error *err)
{
    return a2a_curl_load(err) == 0 ? curl_version() : NULL;
}

static int append_header(struct a2a_dispatch *d, const char *line)
{
    struct curl_slist *l = curl_slist_append(d->headers, line);

    if (l == NULL) {
        return -1;
    }
    d->headers = l;
    return 0;
}

/* The lines every call carries, as request.c words them, then the caller's extra lines. */
static int build_headers(struct a2a_dispatch *d, struct a2a_error *err)
{
    for (size_t i = 0; a2a_request_fixed_headers[i] != NULL; i++) {
        if (append_header(d, a2a_request_fixed_headers[i]) != 0) {
            goto nomem;
        }
    }
    if (d->cfg.token != NULL) {
        struct a2a_buf auth_line = {0};
        int rc = a2a_request_auth_header(&auth_line, d->cfg.token);
        if (rc == 0) {
            /* curl keeps a copy, wiped through the slist on free; ours goes at once */
            rc = append_header(d, auth_line.data);
        }
        a2a_wipe(auth_line.data, auth_line.len);
        a2a_buf_free(&auth_line);
        if (rc != 0) {
            goto nomem;
        }
    }
    for (size_t i = 0; i < d->cfg.nheaders; i++) {
        if (append_header(d, d->cfg.headers[i]) != 0) {
            goto nomem;
        }
    }
    return 0;
nomem:
    a2a_error_set(err, A2A_E_NOMEM, "out of memory building request headers");
    return -1;
}

/* The engine count: one per CALLS_PER_ENGINE calls, no more than the cores. */
static unsigned engine_count(const struct a2a_dispatch_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cfg->threads;

    if (n == 0) {
        n = (cfg->concurrency + CALLS_PER_ENGINE - 1) / CALLS_PER_ENGINE;
        if (cores > 0 && n > (unsigned)cores) {
            n = (unsigned)cores;
        }
        if (n > MAX_ENGINES) {
            n = MAX_ENGINES;
        }
    }
    if (n > cfg->concurrency) {
        n = cfg->concurrency;
    }
    return n > 0 ? n : 1;
}

/* Takes the wake-up of an engine asleep with room for a job, or NULL; d->mu must be held. */
static struct pool_engine *take_sleeper(struct a2a_dispatch *d)
{
    for (unsigned i = 0; i < d->nengines; i++) {
        if (d->engines[i].sleeping) {
            d->engines[i].sleeping = 0; /* one wake-up per job: the next job wakes the next */
            return &d->engines[i];
        }
    }
    return NULL;
}

/* Hands finished jobs back to the caller; d->mu must be held. */
static void publish(struct a2a_dispatch *d, struct a2a_job *done)
{
    d->outbox_len += a2a_job_list_splice(&d->outbox, done);
    if (d->caller_wants > 0 && (d->outbox_len >= d->caller_wants || d->engine_err.code != A2A_OK ||
                                atomic_load(&d->fatal_status) != 0)) {
        char byte = 1;
        d->caller_wants = 0;
        if (write(d->wake_fds[1], &byte, 1) < 0) {
            /* EAGAIN: the pipe is full of wake-ups already; nothing is lost */
        }
    }
}

/* An engine's retry, kept for the caller's thread (the hooks run there only). */
static void keep_retry_note(void *ctx, const struct a2a_retry_note *note)
{
    struct a2a_dispatch *d = ctx;

    pthread_mutex_lock(&d->mu);
    if (d->nnotes < A2A_DISPATCH_NOTES_MAX) {
        d->notes[d->nnotes++] = *note;
    } else {
        d->notes_dropped++;
    }
    pthread_mutex_unlock(&d->mu);
}

/* Marks the engine failed, keeps the pool's first failure and wakes the caller; d->mu held. */
static void mark_failed(struct a2a_dispatch *d, struct pool_engine *pe, const struct a2a_error *err)
{
    pe->failed = 1;
    if (d->engine_err.code == A2A_OK) {
        d->engine_err = *err;
    }
    publish(d, NULL); /* nothing finished, but a waiting caller must hear of the failure */
}

/* A failed engine starts nothing more: it waits, without spinning, for abandon or quit. */
static void park_failed_engine(struct pool_engine *pe)
{
    struct a2a_dispatch *d = pe->pool;

    pthread_mutex_lock(&d->mu);
    while (!pe->abandon && !d->quit) {
        pthread_cond_wait(&d->engines_cv, &d->mu);
    }
    pthread_mutex_unlock(&d->mu);
}

/*
 * One pass of an engine: pull what it can start, move calls on, hand results back. Returns 1
 * when it should wait for the network, a timer or a wake-up before the next pass.
 */
static int engine_pass(struct pool_engine *pe)
{
    struct a2a_dispatch *d = pe->pool;
    struct a2a_error err = {.code = A2A_OK};
    size_t room = a2a_engine_room(pe->engine);
    struct a2a_job *in;
    struct pool_engine *pass_on = NULL;
    int abandon;
    int stepped = 0;
    int idle;

    pthread_mutex_lock(&d->mu);
    abandon = pe->abandon;
    in = pe->failed || abandon ? NULL : a2a_job_list_take_first(&d->queue, room);
    pthread_mutex_unlock(&d->mu);

    a2a_engine_add(pe->engine, in);
    if (abandon) {
        /* abandon_* were written before the flag, under the same lock */
        a2a_engine_abandon(pe->engine, d->abandon_outcome, d->abandon_reason);
    } else if (!pe->failed) {
        stepped = a2a_engine_step(pe->engine, &err) == 0 ? 1 : -1;
    }

    pthread_mutex_lock(&d->mu);
    if (stepped < 0) {
        mark_failed(d, pe, &err);
    }
    publish(d, a2a_engine_take_done(pe->engine));
    if (abandon) {
        pe->abandon = 0;
        pthread_cond_broadcast(&d->engines_cv);
    }
    room = pe->failed ? 0 : a2a_engine_room(pe->engine);
    idle = !pe->abandon && !d->quit && !pe->failed && (room == 0 || d->queue.head == NULL);
    pe->sleeping = idle && room > 0;
    if (room == 0 && d->queue.head != NULL) {
        /* A wake-up may have come here after this engine's room filled with ready retries:
         * pass it on to an engine that can take the job, rather than leave the job waiting. */
        pass_on = take_sleeper(d);
    }
    pthread_mutex_unlock(&d->mu);
    if (pass_on != NULL) {
        a2a_engine_wakeup(pass_on->engine);
    }
    return idle;
}

static void *engine_main(void *arg)
{
    struct pool_engine *pe = arg;
    struct a2a_dispatch *d = pe->pool;

    for (;;) {
        int quit;
        int failed;

        pthread_mutex_lock(&d->mu);
        quit = d->quit;
        failed = pe->failed && !pe->abandon;
        pthread_mutex_unlock(&d->mu);
        if (quit) {
            return NULL;
        }
        if (failed) {
            park_failed_engine(pe);
        } else if (engine_pass(pe)) {
            /* A job queued after the pass finds sleeping set and wakes us. */
            struct a2a_error err = {.code = A2A_OK};
            int rc = a2a_engine_wait(pe->engine, ENGINE_IDLE_WAIT_MS, &err);
            pthread_mutex_lock(&d->mu);
            pe->sleeping = 0;
            if (rc != 0) {
                mark_failed(d, pe, &err);
            }
            pthread_mutex_unlock(&d->mu);
        }
    }
}

/*
 * Nonzero when none of the variables libcurl takes a proxy from is set, so the answer it
 * would look up for every call (about 2% of the work of one) is known once, here.
 */
static int no_proxy_in_environment(void)
{
    static const char *const names[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                        "ALL_PROXY"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = getenv(names[i]);
        if (v != NULL && v[0] != '\0') {
            return 0;
        }
    }
    return 1;
}

static int start_engines(struct a2a_dispatch *d, struct a2a_error *err)
{
    struct a2a_engine_shared shared = {
        .timeout_ms = d->cfg.timeout_ms,
        .connect_timeout_ms = d->cfg.connect_timeout_ms,
        .retries = d->cfg.retries,
        .rate = d->cfg.rate,
        .insecure = d->cfg.insecure,
        .cacert = d->cfg.cacert,
        .https = a2a_request_url_is_https(d->cfg.url),
        .headers = d->headers,
        .no_expect = a2a_request_no_expect_header,
        .expect_min = A2A_REQUEST_EXPECT_MIN,
        .url = d->url,
        .fatal_status = &d->fatal_status,
        .trip = &d->trip,
        .next_start_ns = &d->next_start_ns,
        .no_proxy = no_proxy_in_environment(),
        .on_retry = d->hooks.on_retry != NULL ? keep_retry_note : NULL,
        .retry_ctx = d,
    };
    uint64_t seed = d->cfg.random_seed != 0
                        ? d->cfg.random_seed
                        : ((uint64_t)a2a_now_ms() << 16) ^ (uint64_t)getpid() ^ 1;
    sigset_t async;
    sigset_t old;
    int rc = 0;

    for (unsigned i = 0; i < d->nengines; i++) {
        unsigned cap = d->cfg.concurrency / d->nengines + (i < d->cfg.concurrency % d->nengines);
        d->engines[i].pool = d;
        if (a2a_engine_new(&d->engines[i].engine, &shared, cap, seed + i * 0x9E3779B97F4A7C15ULL,
                           err) != 0) {
            return -1;
        }
    }
    /* Signals from outside (SIGINT, SIGTERM, ...) belong to the caller's thread, which
     * watches for them; faults stay deliverable to the thread that causes them. */
    sigfillset(&async);
    sigdelset(&async, SIGSEGV);
    sigdelset(&async, SIGBUS);
    sigdelset(&async, SIGFPE);
    sigdelset(&async, SIGILL);
    sigdelset(&async, SIGABRT);
    pthread_sigmask(SIG_BLOCK, &async, &old);
    for (unsigned i = 0; i < d->nengines && rc == 0; i++) {
        if (pthread_create(&d->engines[i].thread, NULL, engine_main, &d->engines[i]) != 0) {
            a2a_error_set(err, A2A_E_NOMEM, "cannot start a dispatch thread");
            rc = -1;
        } else {
            d->engines[i].running = 1;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int open_wake_pipe(struct a2a_dispatch *d)
{
    if (pipe(d->wake_fds) != 0) {
        d->wake_fds[0] = d->wake_fds[1] = -1;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(d->wake_fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(d->wake_fds[i], F_SETFL, fcntl(d->wake_fds[i], F_GETFL) | O_NONBLOCK);
    }
    return 0;
}

int a2a_dispatch_new(struct a2a_dispatch **out, const struct a2a_dispatch_config *cfg,
                     const struct a2a_log *log, const struct a2a_dispatch_hooks *hooks,
                     struct a2a_error *err)
{
    struct a2a_dispatch *d;

    *out = NULL;
    if (a2a_curl_load(err) != 0) {
        return -1;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    d->cfg = *cfg;
    if (d->cfg.concurrency == 0) {
        d->cfg.concurrency = 1;
    }
    d->log = *log;
    d->hooks = *hooks;
    d->wake_fds[0] = d->wake_fds[1] = -1;
    atomic_init(&d->fatal_status, 0);
    pthread_mutex_init(&d->trip.mu, NULL);
    atomic_init(&d->trip.answered, 0);
    atomic_init(&d->trip.connected, 0);
    atomic_init(&d->trip.refused, 0);
    atomic_init(&d->trip.failing, 0);
    d->trip.failing_since_ms = 0;
    d->trip.failing_last_ms = 0;
    /* No fewer than the calls that can be in flight at once: the first wave fails together. */
    d->trip.threshold = d->cfg.concurrency > BREAKER_MIN ? d->cfg.concurrency : BREAKER_MIN;
    atomic_init(&d->next_start_ns, 0);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->engines_cv, NULL);
    d->nengines = engine_count(&d->cfg);
    d->engines = calloc(d->nengines, sizeof(*d->engines));
    if (d->engines == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory setting up the HTTP client");
    }
    if (d->engines == NULL || build_headers(d, err) != 0) {
        a2a_dispatch_free(&d);
        return -1;
    }
    if (open_wake_pipe(d) != 0) {
        a2a_error_set(err, A2A_E_NOMEM, "cannot open a pipe for the dispatch threads: %s",
                      strerror(errno));
        a2a_dispatch_free(&d);
        return -1;
    }
    d->url = curl_url();
    if (d->url == NULL || curl_url_set(d->url, CURLUPART_URL, d->cfg.url, 0) != CURLUE_OK) {
        a2a_error_set(err, A2A_E_CONFIG_URL, "not a URL libcurl can use");
        a2a_dispatch_free(&d);
        return -1;
    }
    if (start_engines(d, err) != 0) {
        a2a_dispatch_free(&d);
        return -1;
    }
    *out = d;
    return 0;
}

void a2a_dispatch_add(struct a2a_dispatch *d, struct a2a_job *job)
{
    struct pool_engine *wake = NULL;

    job->res.attempts = 0;
    job->res.http_status = 0;
    job->res.reason[0] = '\0';
    job->res.first_ms = 0;
    job->not_before_ms = 0;
    d->outstanding++;

    pthread_mutex_lock(&d->mu);
    a2a_job_list_push(&d->queue, job);
    wake = take_sleeper(d);
    pthread_mutex_unlock(&d->mu);
    if (wake != NULL) {
        a2a_engine_wakeup(wake->engine);
    }
}

/*
 * Runs the caller's hooks: the retry notes kept so far, then every job handed back (a job's
 * notes come before it). Returns how many jobs.
 */
static size_t deliver(struct a2a_dispatch *d)
{
    struct a2a_retry_note notes[A2A_DISPATCH_NOTES_MAX];
    size_t nnotes;
    uint64_t dropped;
    struct a2a_job *job;
    size_t n = 0;

    pthread_mutex_lock(&d->mu);
    job = a2a_job_list_take(&d->outbox);
    d->outbox_len = 0;
    nnotes = d->nnotes;
    memcpy(notes, d->notes, nnotes * sizeof(notes[0]));
    dropped = d->notes_dropped;
    d->nnotes = 0;
    d->notes_dropped = 0;
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < nnotes; i++) {
        d->hooks.on_retry(d->hooks.ctx, &notes[i]);
    }
    if (dropped > 0) {
        d->hooks.on_retry_dropped(d->hooks.ctx, dropped);
    }
    while (job != NULL) {
        struct a2a_job *next = job->next;
        job->next = NULL;
        d->outstanding--;
        d->hooks.on_done(d->hooks.ctx, job);
        job = next;
        n++;
    }
    return n;
}

/* Sleeps until a batch of jobs is back, extra_fd is readable, or wait_ms passes. */
static void wait_for_engines(struct a2a_dispatch *d, int wait_ms, int extra_fd)
{
    struct pollfd fds[2] = {{.fd = d->wake_fds[0], .events = POLLIN},
                            {.fd = extra_fd, .events = POLLIN}};
    char sink[64];
    int wait;

    pthread_mutex_lock(&d->mu);
    wait = d->outbox.head == NULL && d->engine_err.code == A2A_OK;
    if (wait) {
        /* Woken per batch, not per job; wait_ms bounds how late a straggler is seen. */
        d->caller_wants = d->outstanding < WAKE_BATCH ? d->outstanding : WAKE_BATCH;
    }
    pthread_mutex_unlock(&d->mu);
    if (!wait) {
        return;
    }
    poll(fds, extra_fd >= 0 ? 2 : 1, wait_ms); /* EINTR: the caller checks its signal flag */
    pthread_mutex_lock(&d->mu);
    d->caller_wants = 0; /* first, so that no byte is written after the drain below */
    pthread_mutex_unlock(&d->mu);
    while (read(d->wake_fds[0], sink, sizeof(sink)) > 0) {
    }
}

int a2a_dispatch_run(struct a2a_dispatch *d, int wait_ms, int extra_fd, struct a2a_error *err)
{
    struct a2a_error engine_err;

    if (deliver(d) == 0 && wait_ms > 0 && d->outstanding > 0) {
        wait_for_engines(d, wait_ms, extra_fd);
        deliver(d);
    }
    pthread_mutex_lock(&d->mu);
    engine_err = d->engine_err;
    pthread_mutex_unlock(&d->mu);
    if (engine_err.code != A2A_OK) {
        *err = engine_err;
        return -1;
    }
    return 0;
}

size_t a2a_dispatch_pending(const struct a2a_dispatch *d)
{
    return d->outstanding;
}

int a2a_dispatch_fatal_status(const struct a2a_dispatch *d)
{
    return atomic_load(&d->fatal_status);
}

int a2a_dispatch_fatal_reason(struct a2a_dispatch *d, char *reason, size_t cap)
{
    int cause;

    pthread_mutex_lock(&d->trip.mu);
    snprintf(reason, cap, "%s", d->trip.reason);
    cause = (int)d->trip.cause;
    pthread_mutex_unlock(&d->trip.mu);
    return cause;
}

int a2a_dispatch_answered(const struct a2a_dispatch *d)
{
    return atomic_load(&d->trip.answered);
}

int a2a_dispatch_connected(const struct a2a_dispatch *d)
{
    return atomic_load(&d->trip.connected);
}

static void emit(struct a2a_dispatch *d, enum a2a_log_level level, const char *target,
                 const char *msg)
{
    struct a2a_log_event ev = {.level = level, .target = target, .message = msg};

    if (d->log.emit != NULL) {
        d->log.emit(d->log.ctx, &ev);
    }
}

/* Finishes the jobs no engine has pulled yet; on the caller's thread. */
static void abandon_queued(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason)
{
    int64_t now = a2a_now_ms();
    struct a2a_job *job;

    pthread_mutex_lock(&d->mu);
    job = a2a_job_list_take(&d->queue);
    for (struct a2a_job *j = job; j != NULL; j = j->next) {
        a2a_job_abandon(j, outcome, 0, reason, now);
    }
    d->outbox_len += a2a_job_list_splice(&d->outbox, job);
    pthread_mutex_unlock(&d->mu);
}

void a2a_dispatch_abandon(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason)
{
    int busy = 1;

    abandon_queued(d, outcome, reason);
    pthread_mutex_lock(&d->mu);
    d->abandon_outcome = outcome;
    snprintf(d->abandon_reason, sizeof(d->abandon_reason), "%s", reason);
    for (unsigned i = 0; i < d->nengines; i++) {
        d->engines[i].abandon = 1;
    }
    pthread_cond_broadcast(&d->engines_cv); /* a failed engine waits there */
    pthread_mutex_unlock(&d->mu);
    for (unsigned i = 0; i < d->nengines; i++) {
        a2a_engine_wakeup(d->engines[i].engine);
    }
    pthread_mutex_lock(&d->mu);
    while (busy) {
        busy = 0;
        for (unsigned i = 0; i < d->nengines; i++) {
            busy |= d->engines[i].abandon;
        }
        if (busy) {
            pthread_cond_wait(&d->engines_cv, &d->mu);
        }
    }
    pthread_mutex_unlock(&d->mu);
    deliver(d);
    emit(d, A2A_LOG_DEBUG, A2A_TARGET_RECOVER, "no more calls start: the run is stopping");
}

static void stop_engines(struct a2a_dispatch *d)
{
    pthread_mutex_lock(&d->mu);
    d->quit = 1;
    pthread_cond_broadcast(&d->engines_cv);
    pthread_mutex_unlock(&d->mu);
    for (unsigned i = 0; i < d->nengines; i++) {
        if (d->engines[i].running) {
            a2a_engine_wakeup(d->engines[i].engine);
        }
    }
    for (unsigned i = 0; i < d->nengines; i++) {
        if (d->engines[i].running) {
            pthread_join(d->engines[i].thread, NULL);
            d->engines[i].running = 0;
        }
    }
}

void a2a_dispatch_free(struct a2a_dispatch **pd)
{
    struct a2a_dispatch *d = *pd;

    if (d == NULL) {
        return;
    }
    if (d->engines != NULL) {
        stop_engines(d);
        for (unsigned i = 0; i < d->nengines; i++) {
            a2a_engine_free(&d->engines[i].engine);
        }
        free(d->engines);
    }
    for (int i = 0; i < 2; i++) {
        if (d->wake_fds[i] >= 0) {
            close(d->wake_fds[i]);
        }
    }
    curl_url_cleanup(d->url);
    for (struct curl_slist *l = d->headers; l != NULL; l = l->next) {
        a2a_wipe(l->data, strlen(l->data)); /* the credential line among them */
    }
    curl_slist_free_all(d->headers);
    pthread_cond_destroy(&d->engines_cv);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->trip.mu);
    free(d);
    *pd = NULL;
}
