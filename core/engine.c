#include "engine.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "joblist.h"
#include "retry.h"

#define RESPONSE_CAP (64 * 1024) /* response bodies are only ever logged */
#define CATCH_UP_NS  1000000     /* --rate: how far behind its schedule may be made up at once */

struct a2a_engine {
    struct a2a_engine_shared shared; /* copied; what it points to is borrowed */
    unsigned cap;                    /* calls in flight at most */
    int64_t gap_ns; /* --rate: the shared schedule spaces starts this far apart; 0: no limit */

    CURLM *multi;
    CURL **idle; /* owned easy handles ready for reuse */
    size_t nidle;
    CURL **active; /* owned easy handles with a call in flight */
    size_t in_flight;
    CURLU *url; /* owned: this engine's copy of the endpoint, parsed once */

    struct a2a_job_list queue; /* jobs not yet started or waiting to retry */
    struct a2a_job_list done;  /* finished jobs the owner has not taken yet */

    uint64_t rng;
};

static uint64_t next_random(struct a2a_engine *eng)
{
    /* xorshift64*: jitter needs spread, not secrecy */
    eng->rng ^= eng->rng >> 12;
    eng->rng ^= eng->rng << 25;
    eng->rng ^= eng->rng >> 27;
    return eng->rng * 0x2545F4914F6CDD1DULL;
}

static int stopped(const struct a2a_engine *eng)
{
    return atomic_load_explicit(eng->shared.fatal_status, memory_order_relaxed) != 0;
}

int a2a_engine_new(struct a2a_engine **out, const struct a2a_engine_shared *shared, unsigned cap,
                   uint64_t seed, struct a2a_error *err)
{
    struct a2a_engine *eng = calloc(1, sizeof(*eng));

    *out = NULL;
    if (eng == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    eng->shared = *shared;
    eng->cap = cap > 0 ? cap : 1;
    if (eng->shared.cfg->rate > 0) {
        eng->gap_ns = (int64_t)(1e9 / eng->shared.cfg->rate);
        /* round up: never above the rate */
        eng->gap_ns += (double)eng->gap_ns * eng->shared.cfg->rate < 1e9;
    }
    eng->rng = seed != 0 ? seed : 1;
    eng->idle = calloc(eng->cap, sizeof(*eng->idle));
    eng->active = calloc(eng->cap, sizeof(*eng->active));
    eng->multi = curl_multi_init();
    eng->url = curl_url_dup(shared->url);
    if (eng->idle == NULL || eng->active == NULL || eng->multi == NULL || eng->url == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory setting up the HTTP client");
        a2a_engine_free(&eng);
        return -1;
    }
    curl_multi_setopt(eng->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)eng->cap);
    curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS, (long)eng->cap);
    curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    *out = eng;
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct a2a_job *job = userp;
    size_t n = size * nmemb;
    size_t room = RESPONSE_CAP - job->response.len;

    if (n > room) {
        /* Keep what fits; stop reading a body that is only ever logged. */
        a2a_buf_append(&job->response, data, room);
        job->body_capped = 1;
        return 0;
    }
    if (a2a_buf_append(&job->response, data, n) != 0) {
        return 0;
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct a2a_job *job = userp;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";

    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        size_t vlen = n - (sizeof(name) - 1);
        const char *v = data + sizeof(name) - 1;
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n')) {
            vlen--;
        }
        if (vlen >= sizeof(job->retry_after)) {
            vlen = sizeof(job->retry_after) - 1;
        }
        memcpy(job->retry_after, v, vlen);
        job->retry_after[vlen] = '\0';
    }
    return n;
}

static CURL *new_easy(struct a2a_engine *eng)
{
    CURL *e = curl_easy_init();

    if (e == NULL) {
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_CURLU, eng->url); /* parsed once, not per call */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, eng->shared.cfg->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, eng->shared.cfg->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (strncasecmp(eng->shared.cfg->url, "https://", 8) == 0) {
        /* Wait for ALPN to say whether HTTP/2 multiplexes, rather than opening a connection
         * per call; over cleartext HTTP/1.1 waiting would only stall calls behind a slow one. */
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (eng->shared.no_proxy) {
        curl_easy_setopt(e, CURLOPT_PROXY, "");   /* what libcurl would have found */
        curl_easy_setopt(e, CURLOPT_NOPROXY, ""); /* and no no_proxy to look up either */
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    if (eng->shared.cfg->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (eng->shared.cfg->cacert != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, eng->shared.cfg->cacert);
    }
    return e;
}

void a2a_engine_add(struct a2a_engine *eng, struct a2a_job *chain)
{
    a2a_job_list_splice(&eng->queue, chain);
}

/* Removes and returns the first queued job whose time has come, or NULL. */
static struct a2a_job *take_ready(struct a2a_engine *eng, int64_t now)
{
    struct a2a_job *prev = NULL;

    for (struct a2a_job *j = eng->queue.head; j != NULL; prev = j, j = j->next) {
        if (j->not_before_ms > now) {
            continue;
        }
        if (prev != NULL) {
            prev->next = j->next;
        } else {
            eng->queue.head = j->next;
        }
        if (eng->queue.tail == j) {
            eng->queue.tail = prev;
        }
        j->next = NULL;
        return j;
    }
    return NULL;
}

static int start_call(struct a2a_engine *eng, struct a2a_job *job, int64_t now)
{
    CURL *e = eng->nidle > 0 ? eng->idle[--eng->nidle] : new_easy(eng);

    if (e == NULL) {
        return -1;
    }
    /* Our node in front of the shared list: no per-call copy of the common headers. */
    job->header_node.data = job->idem_header.data;
    job->header_node.next = (struct curl_slist *)eng->shared.headers;
    a2a_buf_reset(&job->response);
    job->retry_after[0] = '\0';
    job->body_capped = 0;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body.data);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->body.len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, &job->header_node);
    curl_easy_setopt(e, CURLOPT_PRIVATE, job);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
    job->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf); /* per call: errors stay with it */
    if (curl_multi_add_handle(eng->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        return -1;
    }
    job->attempts++; /* only a call that was really started counts */
    if (job->first_ms == 0) {
        job->first_ms = now;
    }
    eng->active[eng->in_flight++] = e;
    return 0;
}

/*
 * Claims the next start on the --rate schedule every engine of the pool shares, so that
 * together they start at most `rate` calls a second. Returns 0 when it is not time yet.
 */
static int claim_start(struct a2a_engine *eng)
{
    int64_t now;
    int64_t next;
    int64_t slot;

    if (eng->gap_ns == 0) {
        return 1;
    }
    now = a2a_now_ns();
    slot = atomic_load(eng->shared.next_start_ns);
    do {
        if (now < slot) {
            return 0;
        }
        /* Timers wake us up to 1 ms late: starts owed for that long may be made up, so rates
         * above 1000/s are reached; an idle spell earns no burst beyond that. */
        next = (slot > now - CATCH_UP_NS ? slot : now - CATCH_UP_NS) + eng->gap_ns;
    } while (!atomic_compare_exchange_weak(eng->shared.next_start_ns, &slot, next));
    return 1;
}

/* Starts queued calls while a slot is free and the rate allows. */
static int start_ready(struct a2a_engine *eng, struct a2a_error *err)
{
    while (!stopped(eng) && eng->in_flight < eng->cap && eng->queue.head != NULL) {
        int64_t now = a2a_now_ms();
        struct a2a_job *job = take_ready(eng, now);

        if (job == NULL) {
            break;
        }
        if (!claim_start(eng)) {
            a2a_job_list_push_front(&eng->queue, job); /* first in line at the next slot */
            break;
        }
        if (start_call(eng, job, now) != 0) {
            a2a_job_list_push_front(&eng->queue, job);
            a2a_error_set(err, A2A_E_NOMEM, "cannot start an HTTP call: out of memory");
            return -1;
        }
    }
    return 0;
}

/* A short printable excerpt of a response body, for reasons and logs. */
static void body_excerpt(const struct a2a_job *job, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < job->response.len && o + 1 < cap && i < 120; i++) {
        unsigned char c = (unsigned char)job->response.data[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    out[o] = '\0';
}

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0) {
            return 1;
        }
    }
    return 0;
}

static int says_task_deleted(const struct a2a_job *job)
{
    const char *body = job->response.data;
    size_t n = job->response.len;
    cJSON *doc;
    const cJSON *outcome;
    int deleted = 0;

    if (n == 0 || job->body_capped) {
        return 0;
    }
    if (!contains(body, n, "taskDeleted") && memchr(body, '\\', n) == NULL) {
        return 0; /* unescaped and without the word: no need to parse it to know */
    }
    doc = cJSON_ParseWithLength(job->response.data, job->response.len);
    outcome = cJSON_GetObjectItemCaseSensitive(doc, "outcome");
    if (cJSON_IsString(outcome) && strcmp(outcome->valuestring, "taskDeleted") == 0) {
        deleted = 1;
    }
    cJSON_Delete(doc);
    return deleted;
}

static void finish(struct a2a_engine *eng, struct a2a_job *job, enum a2a_outcome outcome)
{
    job->outcome = outcome;
    job->done_ms = a2a_now_ms();
    a2a_job_list_push(&eng->done, job);
}

/* Either re-queues the job for another attempt or finishes it as transient. */
static void retry_or_fail(struct a2a_engine *eng, struct a2a_job *job, const char *why)
{
    int64_t delay;

    if (job->attempts > eng->shared.cfg->retries) {
        snprintf(job->reason, sizeof(job->reason), "%.320s; gave up after %u attempt%s", why,
                 job->attempts, job->attempts == 1 ? "" : "s");
        finish(eng, job, A2A_OUT_TRANSIENT);
        return;
    }
    delay = job->retry_after[0] != '\0' ? a2a_retry_after_ms(job->retry_after, time(NULL)) : -1;
    if (delay < 0) {
        delay = (int64_t)a2a_backoff_ms(job->attempts, A2A_BACKOFF_BASE_MS, A2A_BACKOFF_CAP_MS,
                                        next_random(eng));
    }
    snprintf(job->reason, sizeof(job->reason), "%s", why);
    job->not_before_ms = a2a_now_ms() + delay;
    a2a_job_list_push(&eng->queue, job);
}

static void settle(struct a2a_engine *eng, struct a2a_job *job, CURLcode code, long status)
{
    char why[320];
    char excerpt[128];

    job->http_status = (int)status;
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && job->body_capped && status > 0)) {
        snprintf(why, sizeof(why), "%.100s%s%.200s", curl_easy_strerror(code),
                 job->errbuf[0] != '\0' ? ": " : "", job->errbuf);
        retry_or_fail(eng, job, why);
        return;
    }
    if (a2a_http_classify(status) == A2A_HTTP_SUCCESS) {
        snprintf(job->reason, sizeof(job->reason), "HTTP %ld", status);
        finish(eng, job, says_task_deleted(job) ? A2A_OUT_TASK_DELETED : A2A_OUT_ACKNOWLEDGED);
        return;
    }
    body_excerpt(job, excerpt, sizeof(excerpt)); /* only failures quote the body */
    switch (a2a_http_classify(status)) {
    case A2A_HTTP_SUCCESS:
        return; /* handled above */
    case A2A_HTTP_TRANSIENT:
        snprintf(why, sizeof(why), "HTTP %ld %s", status, excerpt);
        retry_or_fail(eng, job, why);
        return;
    case A2A_HTTP_FATAL: {
        int none = 0; /* the first fail-fast answer of any engine wins */
        atomic_compare_exchange_strong(eng->shared.fatal_status, &none, (int)status);
    }
        snprintf(job->reason, sizeof(job->reason), "HTTP %ld (every call would fail alike) %s",
                 status, excerpt);
        finish(eng, job, A2A_OUT_REJECTED);
        return;
    case A2A_HTTP_PERMANENT:
        snprintf(job->reason, sizeof(job->reason), "HTTP %ld (permanent, not retried) %s", status,
                 excerpt);
        finish(eng, job, A2A_OUT_REJECTED);
        return;
    }
}

static void release_handle(struct a2a_engine *eng, CURL *e)
{
    curl_multi_remove_handle(eng->multi, e);
    for (size_t i = 0; i < eng->in_flight; i++) {
        if (eng->active[i] == e) {
            eng->active[i] = eng->active[--eng->in_flight];
            break;
        }
    }
    if (eng->nidle < eng->cap) {
        /* The job goes back to its owner: an idle handle must not point into it. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
        eng->idle[eng->nidle++] = e;
    } else {
        curl_easy_cleanup(e);
    }
}

static void collect(struct a2a_engine *eng)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(eng->multi, &left)) != NULL) {
        CURL *e = msg->easy_handle;
        struct a2a_job *job = NULL;
        long status = 0;
        CURLcode code = msg->data.result;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&job);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        release_handle(eng, e);
        settle(eng, job, code, status);
    }
}

/* How long the loop may sleep before a queued job or the rate limit wants attention. */
static int wait_budget(const struct a2a_engine *eng, int wait_ms)
{
    int64_t now = a2a_now_ns();
    int64_t soonest = now + (int64_t)wait_ms * 1000000;

    if (eng->in_flight < eng->cap && !stopped(eng)) {
        int64_t slot = eng->gap_ns > 0 ? atomic_load(eng->shared.next_start_ns) : 0;
        for (const struct a2a_job *j = eng->queue.head; j != NULL; j = j->next) {
            int64_t t = j->not_before_ms * 1000000;
            t = t > slot ? t : slot;
            if (t < soonest) {
                soonest = t;
            }
        }
    }
    /* In nanoseconds, rounded up once: never wakes early, oversleeps by under 1 ms. */
    return soonest <= now ? 0 : (int)((soonest - now + 999999) / 1000000);
}

int a2a_engine_step(struct a2a_engine *eng, struct a2a_error *err)
{
    int running = 0;

    if (start_ready(eng, err) != 0) {
        return -1;
    }
    curl_multi_perform(eng->multi, &running);
    collect(eng);
    return start_ready(eng, err);
}

void a2a_engine_wait(struct a2a_engine *eng, int max_ms)
{
    int budget = wait_budget(eng, max_ms);

    if (budget > 0) {
        curl_multi_poll(eng->multi, NULL, 0, budget, NULL);
    }
}

void a2a_engine_wakeup(struct a2a_engine *eng)
{
    curl_multi_wakeup(eng->multi);
}

size_t a2a_engine_room(const struct a2a_engine *eng)
{
    int64_t now = a2a_now_ms();
    size_t busy = eng->in_flight;

    if (stopped(eng)) {
        return 0;
    }
    for (const struct a2a_job *j = eng->queue.head; j != NULL && busy < eng->cap; j = j->next) {
        busy += j->not_before_ms <= now; /* ready retries take slots; waiting ones do not yet */
    }
    return busy < eng->cap ? eng->cap - busy : 0;
}

void a2a_engine_abandon(struct a2a_engine *eng, enum a2a_outcome outcome, const char *reason)
{
    struct a2a_job *job;

    /* In-flight calls first: the endpoint is idempotent, so abandoning one is safe. */
    while (eng->in_flight > 0) {
        CURL *e = eng->active[eng->in_flight - 1];
        job = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&job);
        release_handle(eng, e);
        snprintf(job->reason, sizeof(job->reason), "call abandoned in flight; %.300s", reason);
        finish(eng, job, outcome);
    }
    while ((job = take_ready(eng, INT64_MAX)) != NULL) {
        snprintf(job->reason, sizeof(job->reason), "%s", reason);
        finish(eng, job, outcome);
    }
}

struct a2a_job *a2a_engine_take_done(struct a2a_engine *eng)
{
    return a2a_job_list_take(&eng->done);
}

void a2a_engine_free(struct a2a_engine **peng)
{
    struct a2a_engine *eng = *peng;

    if (eng == NULL) {
        return;
    }
    for (size_t i = 0; i < eng->nidle; i++) {
        curl_easy_cleanup(eng->idle[i]);
    }
    free(eng->idle);
    for (size_t i = 0; i < eng->in_flight; i++) {
        curl_multi_remove_handle(eng->multi, eng->active[i]);
        curl_easy_cleanup(eng->active[i]);
    }
    free(eng->active);
    if (eng->multi != NULL) {
        curl_multi_cleanup(eng->multi);
    }
    curl_url_cleanup(eng->url);
    free(eng);
    *peng = NULL;
}
