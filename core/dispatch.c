#include "dispatch.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

/*
 * The pool: each lane is a thread running one engine (one libcurl multi handle with its own
 * connections). The caller's thread parses records and hands jobs over; lanes hand finished
 * jobs back; the caller's callback only ever runs on the caller's thread. Formatting requests
 * and reading answers is most of the work per call, so a second core doubles the rate that
 * one multi handle tops out at.
 *
 * One mutex guards every hand-over. Nobody is woken per job: a lane is woken only when it has
 * room for a new job and sleeps, the caller only when it waits and a lane has something back.
 */

#define LANE_IDLE_WAIT_MS 1000 /* a lane with nothing to do sleeps until woken, re-checking */
#define CALLS_PER_LANE    8    /* one multi handle keeps up with this many loopback calls */
#define MAX_LANES         8
#define WAKE_BATCH        32 /* a waiting caller is woken once this many jobs are back */

struct job_list {
    struct a2a_job *head;
    struct a2a_job *tail;
};

struct lane {
    struct a2a_dispatch *pool;
    struct a2a_engine *engine; /* owned; touched only by the lane's thread once it runs */
    pthread_t thread;
    int running; /* the thread was started (joined on free) */

    /* Guarded by pool->mu. */
    struct job_list inbox; /* handed over, not yet taken by the lane */
    int sleeping;          /* waiting with room for jobs: wake it when one arrives */
    int abandon;           /* abandon requested, not yet done */

    /* The caller's thread only. */
    size_t outstanding; /* handed to this lane, not yet handed back */
};

struct a2a_dispatch {
    struct a2a_dispatch_config cfg; /* copied; strings borrowed */
    struct a2a_log log;
    a2a_job_done_fn *on_done;
    void *ctx;

    struct curl_slist *headers; /* owned: the headers every call carries */
    CURLU *url;                 /* owned: the endpoint, parsed once; lanes copy it */
    char *auth_line;            /* owned: "Authorization: Bearer ..."; wiped on free */
    atomic_int fatal_status;    /* first fail-fast status any lane saw */

    struct lane *lanes; /* owned array of nlanes */
    unsigned nlanes;
    int wake_fds[2]; /* owned pipe: a lane writes a byte to wake the waiting caller */

    pthread_mutex_t mu;
    pthread_cond_t abandoned; /* signalled as each lane finishes an abandon */
    /* Guarded by mu. */
    struct job_list outbox; /* finished, not yet handed back to the caller */
    size_t outbox_len;
    size_t caller_wants; /* the caller sleeps on wake_fds[0] until this many are back; 0: awake */
    int quit;
    enum a2a_outcome abandon_outcome;
    char abandon_reason[A2A_REASON_MAX];
    struct a2a_error lane_err; /* the first engine failure (out of memory) */

    /* The caller's thread only. */
    size_t outstanding; /* added and not yet handed back */
};

static void list_push(struct job_list *l, struct a2a_job *job)
{
    job->next = NULL;
    if (l->tail != NULL) {
        l->tail->next = job;
    } else {
        l->head = job;
    }
    l->tail = job;
}

/* Appends a chain (linked through next, NULL-terminated). Returns its length. */
static size_t list_splice(struct job_list *l, struct a2a_job *chain)
{
    size_t n = 0;

    while (chain != NULL) {
        struct a2a_job *next = chain->next;
        list_push(l, chain);
        chain = next;
        n++;
    }
    return n;
}

static struct a2a_job *list_take(struct job_list *l)
{
    struct a2a_job *head = l->head;

    l->head = NULL;
    l->tail = NULL;
    return head;
}

static void wipe(char *p, size_t n)
{
    volatile char *v = p;

    while (n-- > 0) {
        *v++ = 0;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static int build_headers(struct a2a_dispatch *d, struct a2a_error *err)
{
    static const char *const fixed[] = {"Content-Type: application/json",
                                        "Accept: application/json",
                                        ("User-Agent: a2a-recover/" A2A_VERSION), "Expect:"};

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (append_header(d, fixed[i]) != 0) {
            goto nomem;
        }
    }
    if (d->cfg.token != NULL) {
        size_t n = strlen(d->cfg.token) + sizeof("Authorization: Bearer ");
        d->auth_line = malloc(n);
        if (d->auth_line == NULL) {
            goto nomem;
        }
        snprintf(d->auth_line, n, "Authorization: Bearer %s", d->cfg.token);
        /* curl copies the line: that copy is wiped through the slist on free */
        if (append_header(d, d->auth_line) != 0) {
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

/* The lane count: one per CALLS_PER_LANE calls, no more than the cores. */
static unsigned lane_count(const struct a2a_dispatch_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cfg->threads;

    if (n == 0) {
        n = (cfg->concurrency + CALLS_PER_LANE - 1) / CALLS_PER_LANE;
        if (cores > 0 && n > (unsigned)cores) {
            n = (unsigned)cores;
        }
        if (n > MAX_LANES) {
            n = MAX_LANES;
        }
    }
    if (n > cfg->concurrency) {
        n = cfg->concurrency;
    }
    return n > 0 ? n : 1;
}

/* Hands finished jobs back to the caller; d->mu must be held. */
static void publish(struct a2a_dispatch *d, struct a2a_job *done)
{
    d->outbox_len += list_splice(&d->outbox, done);
    if (d->caller_wants > 0 &&
        (d->outbox_len >= d->caller_wants || atomic_load(&d->fatal_status) != 0)) {
        char byte = 1;
        d->caller_wants = 0;
        if (write(d->wake_fds[1], &byte, 1) < 0) {
            /* EAGAIN: the pipe is full of wake-ups already; nothing is lost */
        }
    }
}

/* One pass of a lane: take hand-overs, move calls on, hand results back. Returns 1 to sleep. */
static int lane_pass(struct lane *l)
{
    struct a2a_dispatch *d = l->pool;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_job *in;
    int abandon;
    int idle;

    pthread_mutex_lock(&d->mu);
    in = list_take(&l->inbox);
    abandon = l->abandon;
    pthread_mutex_unlock(&d->mu);

    while (in != NULL) {
        struct a2a_job *next = in->next;
        a2a_engine_add(l->engine, in);
        in = next;
    }
    if (abandon) {
        /* abandon_* were written before the flag, under the same lock */
        a2a_engine_abandon(l->engine, d->abandon_outcome, d->abandon_reason);
    } else if (a2a_engine_step(l->engine, &err) != 0) {
        pthread_mutex_lock(&d->mu);
        if (d->lane_err.code == A2A_OK) {
            d->lane_err = err;
        }
        pthread_mutex_unlock(&d->mu);
    }

    pthread_mutex_lock(&d->mu);
    publish(d, a2a_engine_take_done(l->engine));
    if (abandon) {
        l->abandon = 0;
        pthread_cond_broadcast(&d->abandoned);
    }
    idle = l->inbox.head == NULL && !l->abandon && !d->quit;
    l->sleeping = idle && a2a_engine_has_room(l->engine);
    pthread_mutex_unlock(&d->mu);
    return idle;
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    struct a2a_dispatch *d = l->pool;

    for (;;) {
        int quit;

        pthread_mutex_lock(&d->mu);
        quit = d->quit;
        pthread_mutex_unlock(&d->mu);
        if (quit) {
            return NULL;
        }
        if (lane_pass(l)) {
            /* A job handed over after the pass finds sleeping set and wakes us. */
            a2a_engine_wait(l->engine, LANE_IDLE_WAIT_MS);
            pthread_mutex_lock(&d->mu);
            l->sleeping = 0;
            pthread_mutex_unlock(&d->mu);
        }
    }
}

static int start_lanes(struct a2a_dispatch *d, struct a2a_error *err)
{
    struct a2a_engine_shared shared = {&d->cfg, d->headers, d->url, &d->fatal_status};
    uint64_t seed = d->cfg.random_seed != 0 ? d->cfg.random_seed
                                            : ((uint64_t)now_ms() << 16) ^ (uint64_t)getpid() ^ 1;
    sigset_t all;
    sigset_t old;
    int rc = 0;

    for (unsigned i = 0; i < d->nlanes; i++) {
        unsigned cap = d->cfg.concurrency / d->nlanes + (i < d->cfg.concurrency % d->nlanes);
        d->lanes[i].pool = d;
        /* Jobs go to the least loaded lane, so lanes start calls at about the same pace:
         * each keeps an equal share of the rate and together they keep all of it. */
        double rate = d->cfg.rate / d->nlanes;
        if (a2a_engine_new(&d->lanes[i].engine, &shared, cap, rate,
                           seed + i * 0x9E3779B97F4A7C15ULL, err) != 0) {
            return -1;
        }
    }
    /* Signals belong to the caller's thread: lanes start with every signal blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (unsigned i = 0; i < d->nlanes && rc == 0; i++) {
        if (pthread_create(&d->lanes[i].thread, NULL, lane_main, &d->lanes[i]) != 0) {
            a2a_error_set(err, A2A_E_NOMEM, "cannot start a dispatch thread");
            rc = -1;
        } else {
            d->lanes[i].running = 1;
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
                     const struct a2a_log *log, a2a_job_done_fn *on_done, void *ctx,
                     struct a2a_error *err)
{
    struct a2a_dispatch *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (d == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    d->cfg = *cfg;
    if (d->cfg.concurrency == 0) {
        d->cfg.concurrency = 1;
    }
    d->log = *log;
    d->on_done = on_done;
    d->ctx = ctx;
    d->wake_fds[0] = d->wake_fds[1] = -1;
    atomic_init(&d->fatal_status, 0);
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->abandoned, NULL);
    d->nlanes = lane_count(&d->cfg);
    d->lanes = calloc(d->nlanes, sizeof(*d->lanes));
    if (d->lanes == NULL || build_headers(d, err) != 0 || open_wake_pipe(d) != 0) {
        a2a_error_set(err, A2A_E_NOMEM, "out of resources setting up the HTTP client");
        a2a_dispatch_free(&d);
        return -1;
    }
    d->url = curl_url();
    if (d->url == NULL || curl_url_set(d->url, CURLUPART_URL, d->cfg.url, 0) != CURLUE_OK) {
        a2a_error_set(err, A2A_E_CONFIG, "-u: not a URL libcurl can use");
        a2a_dispatch_free(&d);
        return -1;
    }
    if (start_lanes(d, err) != 0) {
        a2a_dispatch_free(&d);
        return -1;
    }
    *out = d;
    return 0;
}

void a2a_dispatch_add(struct a2a_dispatch *d, struct a2a_job *job)
{
    struct lane *l = &d->lanes[0];
    int wake;

    for (unsigned i = 1; i < d->nlanes; i++) {
        if (d->lanes[i].outstanding < l->outstanding) {
            l = &d->lanes[i]; /* the least loaded lane: a slow one does not hoard work */
        }
    }
    job->attempts = 0;
    job->http_status = 0;
    job->reason[0] = '\0';
    job->not_before_ms = 0;
    job->first_ms = 0;
    job->lane = (unsigned)(l - d->lanes);
    l->outstanding++;
    d->outstanding++;

    pthread_mutex_lock(&d->mu);
    list_push(&l->inbox, job);
    wake = l->sleeping;
    l->sleeping = 0;
    pthread_mutex_unlock(&d->mu);
    if (wake) {
        a2a_engine_wakeup(l->engine);
    }
}

/* Runs the caller's callback for every job handed back. Returns how many. */
static size_t deliver(struct a2a_dispatch *d)
{
    struct a2a_job *job;
    size_t n = 0;

    pthread_mutex_lock(&d->mu);
    job = list_take(&d->outbox);
    d->outbox_len = 0;
    pthread_mutex_unlock(&d->mu);
    while (job != NULL) {
        struct a2a_job *next = job->next;
        job->next = NULL;
        d->lanes[job->lane].outstanding--;
        d->outstanding--;
        d->on_done(d->ctx, job);
        job = next;
        n++;
    }
    return n;
}

/* Sleeps until a lane hands something back, extra_fd is readable, or wait_ms passes. */
static void wait_for_lanes(struct a2a_dispatch *d, int wait_ms, int extra_fd)
{
    struct pollfd fds[2] = {{d->wake_fds[0], POLLIN, 0}, {extra_fd, POLLIN, 0}};
    char sink[64];
    int wait;

    pthread_mutex_lock(&d->mu);
    wait = d->outbox.head == NULL;
    if (wait) {
        /* Woken per batch, not per job; the timeout bounds how late a straggler is seen. */
        d->caller_wants = d->outstanding < WAKE_BATCH ? d->outstanding : WAKE_BATCH;
    }
    pthread_mutex_unlock(&d->mu);
    if (!wait) {
        return;
    }
    poll(fds, extra_fd >= 0 ? 2 : 1, wait_ms); /* EINTR: the caller checks its signal flag */
    while (read(d->wake_fds[0], sink, sizeof(sink)) > 0) {
    }
    pthread_mutex_lock(&d->mu);
    d->caller_wants = 0;
    pthread_mutex_unlock(&d->mu);
}

int a2a_dispatch_run(struct a2a_dispatch *d, int wait_ms, int extra_fd, struct a2a_error *err)
{
    struct a2a_error lane_err;

    if (deliver(d) == 0 && wait_ms > 0 && d->outstanding > 0) {
        wait_for_lanes(d, wait_ms, extra_fd);
        deliver(d);
    }
    pthread_mutex_lock(&d->mu);
    lane_err = d->lane_err;
    pthread_mutex_unlock(&d->mu);
    if (lane_err.code != A2A_OK) {
        *err = lane_err;
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

static void emit(struct a2a_dispatch *d, enum a2a_log_level level, const char *target,
                 const char *msg)
{
    struct a2a_log_event ev = {level, target, NULL, 0, NULL, 0, msg};

    if (d->log.emit != NULL) {
        d->log.emit(d->log.ctx, &ev);
    }
}

void a2a_dispatch_abandon(struct a2a_dispatch *d, enum a2a_outcome outcome, const char *reason)
{
    int busy = 1;

    pthread_mutex_lock(&d->mu);
    d->abandon_outcome = outcome;
    snprintf(d->abandon_reason, sizeof(d->abandon_reason), "%s", reason);
    for (unsigned i = 0; i < d->nlanes; i++) {
        d->lanes[i].abandon = 1;
    }
    pthread_mutex_unlock(&d->mu);
    for (unsigned i = 0; i < d->nlanes; i++) {
        a2a_engine_wakeup(d->lanes[i].engine);
    }
    pthread_mutex_lock(&d->mu);
    while (busy) {
        busy = 0;
        for (unsigned i = 0; i < d->nlanes; i++) {
            busy |= d->lanes[i].abandon;
        }
        if (busy) {
            pthread_cond_wait(&d->abandoned, &d->mu);
        }
    }
    pthread_mutex_unlock(&d->mu);
    deliver(d);
    emit(d, A2A_LOG_DEBUG, A2A_TARGET_RECOVER, "dispatch engine stopped");
}

static void stop_lanes(struct a2a_dispatch *d)
{
    pthread_mutex_lock(&d->mu);
    d->quit = 1;
    pthread_mutex_unlock(&d->mu);
    for (unsigned i = 0; i < d->nlanes; i++) {
        if (d->lanes[i].running) {
            a2a_engine_wakeup(d->lanes[i].engine);
        }
    }
    for (unsigned i = 0; i < d->nlanes; i++) {
        if (d->lanes[i].running) {
            pthread_join(d->lanes[i].thread, NULL);
            d->lanes[i].running = 0;
        }
    }
}

void a2a_dispatch_free(struct a2a_dispatch **pd)
{
    struct a2a_dispatch *d = *pd;

    if (d == NULL) {
        return;
    }
    if (d->lanes != NULL) {
        stop_lanes(d);
        for (unsigned i = 0; i < d->nlanes; i++) {
            a2a_engine_free(&d->lanes[i].engine);
        }
        free(d->lanes);
    }
    for (int i = 0; i < 2; i++) {
        if (d->wake_fds[i] >= 0) {
            close(d->wake_fds[i]);
        }
    }
    curl_url_cleanup(d->url);
    for (struct curl_slist *l = d->headers; l != NULL; l = l->next) {
        wipe(l->data, strlen(l->data)); /* the credential line among them */
    }
    curl_slist_free_all(d->headers);
    if (d->auth_line != NULL) {
        wipe(d->auth_line, strlen(d->auth_line));
        free(d->auth_line);
    }
    pthread_cond_destroy(&d->abandoned);
    pthread_mutex_destroy(&d->mu);
    free(d);
    *pd = NULL;
}

void a2a_job_release(struct a2a_job *job)
{
    a2a_buf_free(&job->body);
    a2a_buf_free(&job->idem_header);
    a2a_buf_free(&job->response);
}
