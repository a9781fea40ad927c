#include "engine.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "joblist.h"
#include "jsonstr.h"
#include "retry.h"

#define RESPONSE_CAP   (64 * 1024) /* response bodies are only ever logged */
#define CATCH_UP_NS    1000000     /* --rate: how far behind its schedule may be made up at once */
#define EXCERPT_MAX    120         /* bytes of a failure's body quoted in its reason */
#define FAILING_MS     5000 /* a row of errors this long, nothing else between: failing them all */
#define FAILING_GAP_MS 2000 /* a pause this long between two of them begins the row again */

/*
 * libcurl's state for one call slot, private to the engine: CURLOPT_PRIVATE and the
 * callbacks point here, never into a job, so a job holds no library type and a finished job
 * goes back to its owner with nothing of libcurl's pointing into it.
 */
struct call {
    CURL *easy;                    /* owned; NULL until first used; reused call after call */
    struct a2a_job *job;           /* borrowed while a call is open; NULL in between */
    struct curl_slist header_node; /* the job's Idempotency-Key, chained to the shared list */
    struct curl_slist expect_node; /* "Expect:" between the two, for a body that needs it */
    struct a2a_buf response;       /* owned: the body, capped at RESPONSE_CAP */
    char retry_after[64];          /* the Retry-After value as sent; "" when none */
    char content_type[64];         /* the Content-Type value as sent, cut; "" when none */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's error text for this call */
    int body_capped;               /* the body went past RESPONSE_CAP: reading stopped */
    /* What the callbacks saw of the final response, for a2a_call_classify(). */
    int connected;          /* the request could go out: connection and handshake were made */
    int headers_ended;      /* its header block ended */
    int content_length;     /* see struct a2a_call_end */
    uint64_t content_value; /* its value, with content_length 1 */
    int chunked;            /* it said Transfer-Encoding: chunked */
};

struct a2a_engine {
    struct a2a_engine_shared shared; /* copied; what it points to is borrowed */
    unsigned cap;                    /* calls in flight at most */
    int64_t gap_ns; /* --rate: the shared schedule spaces starts this far apart; 0: no limit */

    CURLM *multi;
    /*
     * The sockets libcurl asked to watch, as poll() takes them: slot 0 is wake_fds[0], the
     * rest are kept up to date by on_socket(). The engine polls them itself and tells libcurl
     * which one is ready (curl_multi_socket_action), so libcurl never polls a socket that is
     * not: curl_multi_perform() polls every open call once per pass, ready or not.
     */
    struct pollfd *watch; /* owned array of nwatch, room for watch_cap */
    size_t nwatch;
    size_t watch_cap;
    int watch_nomem;    /* a socket could not be watched: the engine fails on its next step */
    int wake_fds[2];    /* owned pipe: a2a_engine_wakeup() writes, the poll reads */
    int64_t timer_ns;   /* when libcurl wants its timeout action; -1: no timer */
    struct call *calls; /* owned array of cap call slots */
    struct call **idle; /* slots with no open call: a stack of nidle */
    size_t nidle;
    struct call **active; /* slots with an open call: in_flight of them */
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

/* Finds the socket's slot in the watch list; 0 (the wake pipe's) when it is not there. */
static size_t watch_slot(const struct a2a_engine *eng, curl_socket_t s)
{
    for (size_t i = 1; i < eng->nwatch; i++) {
        if (eng->watch[i].fd == s) {
            return i;
        }
    }
    return 0;
}

/* CURLMOPT_SOCKETFUNCTION: keeps the watch list as libcurl wants it. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct a2a_engine *eng = userp;
    size_t i = watch_slot(eng, s);

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        if (i != 0) {
            eng->watch[i] = eng->watch[--eng->nwatch];
        }
        return 0;
    }
    if (i == 0) {
        if (eng->nwatch == eng->watch_cap) {
            size_t cap = eng->watch_cap * 2;
            struct pollfd *w = realloc(eng->watch, cap * sizeof(*w));
            if (w == NULL) {
                eng->watch_nomem = 1;
                return -1;
            }
            eng->watch = w;
            eng->watch_cap = cap;
        }
        i = eng->nwatch++;
        eng->watch[i].fd = s;
    }
    eng->watch[i].events =
        (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
    eng->watch[i].revents = 0;
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl next wants curl_multi_socket_action() on a timeout. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct a2a_engine *eng = userp;

    (void)multi;
    eng->timer_ns = timeout_ms < 0 ? -1 : a2a_now_ns() + (int64_t)timeout_ms * 1000000;
    return 0;
}

static int open_wake_pipe(struct a2a_engine *eng)
{
    if (pipe(eng->wake_fds) != 0) {
        eng->wake_fds[0] = eng->wake_fds[1] = -1;
        return -1;
    }
    for (int i = 0; i < 2; i++) {
        (void)fcntl(eng->wake_fds[i], F_SETFD, FD_CLOEXEC);
        (void)fcntl(eng->wake_fds[i], F_SETFL, fcntl(eng->wake_fds[i], F_GETFL) | O_NONBLOCK);
    }
    eng->watch[0] = (struct pollfd){.fd = eng->wake_fds[0], .events = POLLIN};
    eng->nwatch = 1;
    return 0;
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
    if (eng->shared.rate > 0) {
        eng->gap_ns = (int64_t)(1e9 / eng->shared.rate);
        /* round up: never above the rate */
        eng->gap_ns += (double)eng->gap_ns * eng->shared.rate < 1e9;
    }
    eng->rng = seed != 0 ? seed : 1;
    eng->calls = calloc(eng->cap, sizeof(*eng->calls));
    eng->idle = calloc(eng->cap, sizeof(*eng->idle));
    eng->active = calloc(eng->cap, sizeof(*eng->active));
    eng->multi = curl_multi_init();
    eng->url = curl_url_dup(shared->url);
    eng->wake_fds[0] = eng->wake_fds[1] = -1;
    eng->timer_ns = -1;
    eng->watch_cap = 2 * (size_t)eng->cap + 2; /* a socket per call, more while connecting */
    eng->watch = calloc(eng->watch_cap, sizeof(*eng->watch));
    if (eng->calls == NULL || eng->idle == NULL || eng->active == NULL || eng->multi == NULL ||
        eng->url == NULL || eng->watch == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory setting up the HTTP client");
        a2a_engine_free(&eng);
        return -1;
    }
    if (open_wake_pipe(eng) != 0) {
        a2a_error_set(err, A2A_E_NOMEM, "cannot open a pipe for an HTTP engine: %s",
                      strerror(errno));
        a2a_engine_free(&eng);
        return -1;
    }
    for (size_t i = eng->cap; i > 0; i--) {
        eng->idle[eng->nidle++] = &eng->calls[i - 1]; /* slot 0 on top: handles reused first */
    }
    /* Options of a multi handle only fail for unknown options: these all exist in 7.66+. */
    (void)curl_multi_setopt(eng->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)eng->cap);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS, (long)eng->cap);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_SOCKETDATA, eng);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    (void)curl_multi_setopt(eng->multi, CURLMOPT_TIMERDATA, eng);
    *out = eng;
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct call *call = userp;
    size_t n = size * nmemb;
    size_t room = RESPONSE_CAP - call->response.len;

    if (call->body_capped) {
        return n; /* read on and drop: only a body that came whole acknowledges the record */
    }
    if (n > room) {
        /* Keep what fits for the log; the rest is dropped as it comes. */
        (void)a2a_buf_append(&call->response, data, room); /* short of memory: less to quote */
        call->body_capped = 1;
        return n;
    }
    if (a2a_buf_append(&call->response, data, n) != 0) {
        return 0;
    }
    return n;
}

/* Whether a header line (no CR/LF) is "name: value" with a value holding word. */
static int header_says(const char *line, size_t n, const char *name, const char *word)
{
    size_t k = strlen(name);
    size_t w = strlen(word);

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') {
        return 0;
    }
    if (word[0] == '\0') {
        return 1;
    }
    for (size_t i = k + 1; i + w <= n; i++) {
        if (strncasecmp(line + i, word, w) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * Notes one Content-Length value (a list element, OWS trimmed) on call->content_length: 1 when
 * it delimits the body, -1 when it cannot. libcurl 7.88 takes a value past 2^63 - 1 as no
 * length at all and "1 0" as 1, and then a cut body reads as complete: only 1*DIGIT (RFC
 * 9112), below 2^63, the same in every value given, counts.
 */
static void note_length_value(struct call *call, const char *v, size_t n)
{
    uint64_t value = 0;
    size_t digits = 0;

    while (n > 0 && (v[0] == ' ' || v[0] == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) {
        n--;
    }
    for (; digits < n && v[digits] >= '0' && v[digits] <= '9'; digits++) {
        if (value > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(v[digits] - '0')) / 10) {
            call->content_length = -1; /* past 2^63 - 1 */
            return;
        }
        value = value * 10 + (uint64_t)(v[digits] - '0');
    }
    if (digits == 0 || digits != n || call->content_length < 0 ||
        (call->content_length > 0 && call->content_value != value)) {
        call->content_length = -1;
        return;
    }
    call->content_length = 1;
    call->content_value = value;
}

/* A Content-Length line's value: one number, or a list of the same one (RFC 9110, 8.6). */
static void note_content_length(struct call *call, const char *v, size_t n)
{
    const char *comma;

    while ((comma = memchr(v, ',', n)) != NULL) {
        note_length_value(call, v, (size_t)(comma - v));
        n -= (size_t)(comma - v) + 1;
        v = comma + 1;
    }
    note_length_value(call, v, n);
}

/* A header's value as sent (white space and all), cut to what fits. */
static void keep_value(char *dst, size_t cap, const char *v, size_t vlen)
{
    if (vlen >= cap) {
        vlen = cap - 1;
    }
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
}

/*
 * Keeps the Retry-After value as sent. CURLINFO_RETRY_AFTER is not used: libcurl 7.88
 * answers 0 both for "Retry-After: 0" and for a value it cannot read, and reads the leading
 * digits of a value such as "5s"; the contract wants a value that is neither delta-seconds
 * nor an HTTP-date to fall back to backoff, so a2a_retry_after_ms() reads it instead.
 *
 * Also notes how the response is framed and whether its header block ended: libcurl reports
 * a 200 whose headers were cut short ("HTTP/1.1 200 OK\r\nContent-Le", then a close) as a
 * success, and only the blank line says the block is whole. A status line starts a new
 * response (after a 1xx), so what was noted of the one before is forgotten.
 */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct call *call = userp;
    size_t n = size * nmemb;
    size_t len = n;
    static const char name[] = "retry-after:";

    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n')) {
        len--;
    }
    if (len == 0) {
        call->headers_ended = len < n; /* the blank line; a bare fragment is not one */
        return n;
    }
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        call->headers_ended = 0;
        call->content_length = 0;
        call->chunked = 0;
        call->retry_after[0] = '\0';
        call->content_type[0] = '\0';
        return n;
    }
    /* Each name looked for starts with its own letter: most lines (Server, Date) are passed
     * over on their first byte, the others compared with one name only. */
    switch (data[0] | 0x20) {
    case 'c':
        if (header_says(data, len, "content-length", "")) {
            note_content_length(call, data + sizeof("content-length:") - 1,
                                len - (sizeof("content-length:") - 1));
        } else if (header_says(data, len, "content-type", "")) {
            size_t at = sizeof("content-type:") - 1;
            while (at < len && (data[at] == ' ' || data[at] == '\t')) {
                at++; /* OWS: the value as a2a_http_foreign_success() reads it fastest */
            }
            keep_value(call->content_type, sizeof(call->content_type), data + at, len - at);
        }
        return n;
    case 't':
        call->chunked |= header_says(data, len, "transfer-encoding", "chunked");
        return n;
    case 'r':
        break;
    default:
        return n;
    }
    if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
        keep_value(call->retry_after, sizeof(call->retry_after), data + sizeof(name) - 1,
                   len - (sizeof(name) - 1));
    }
    return n;
}

/* libcurl calls this once the connection (and TLS handshake) is made, before sending. */
static int on_connected(void *userp, char *primary_ip, char *local_ip, int primary_port,
                        int local_port)
{
    struct call *call = userp;

    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    call->connected = 1;
    return CURL_PREREQFUNC_OK;
}

/*
 * A new easy handle for the slot, with every option that stays the same from call to call.
 * curl_easy_setopt() results are not checked: these options exist in 7.88 and take no
 * allocation that can fail, except CAINFO (a failed copy shows as a TLS error per call).
 */
static CURL *new_easy(struct a2a_engine *eng, struct call *call)
{
    CURL *e = curl_easy_init();

    if (e == NULL) {
        return NULL;
    }
    (void)curl_easy_setopt(e, CURLOPT_CURLU, eng->url); /* parsed once, not per call */
    (void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, eng->shared.timeout_ms);
    (void)curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, eng->shared.connect_timeout_ms);
    (void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    (void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    (void)curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (eng->shared.https) {
        /* Wait for ALPN to say whether HTTP/2 multiplexes, rather than opening a connection
         * per call; over cleartext HTTP/1.1 waiting would only stall calls behind a slow one. */
        (void)curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    }
    (void)curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (eng->shared.no_proxy) {
        (void)curl_easy_setopt(e, CURLOPT_PROXY, "");   /* what libcurl would have found */
        (void)curl_easy_setopt(e, CURLOPT_NOPROXY, ""); /* and no no_proxy to look up either */
    }
    (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    (void)curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    (void)curl_easy_setopt(e, CURLOPT_PRIVATE, call);
    (void)curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
    (void)curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
    (void)curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_connected);
    (void)curl_easy_setopt(e, CURLOPT_PREREQDATA, call);
    (void)curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf); /* errors stay per call */
    if (eng->shared.insecure) {
        (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        (void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (eng->shared.cacert != NULL) {
        (void)curl_easy_setopt(e, CURLOPT_CAINFO, eng->shared.cacert);
        /* instead of the system store, as --cacert says: libcurl's built-in CA directory too */
        (void)curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
    }
    return e;
}

void a2a_engine_add(struct a2a_engine *eng, struct a2a_job *chain)
{
    (void)a2a_job_list_splice(&eng->queue, chain);
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
    struct call *call = eng->idle[eng->nidle - 1]; /* the caller checked in_flight < cap */

    if (call->easy == NULL) {
        call->easy = new_easy(eng, call);
        if (call->easy == NULL) {
            return -1;
        }
    }
    /* Our node in front of the shared list: no per-call copy of the common headers. */
    call->header_node.data = job->req.idem_header.data;
    call->header_node.next = (struct curl_slist *)eng->shared.headers;
    if (job->req.body.len > eng->shared.expect_min) {
        call->expect_node.data = (char *)eng->shared.no_expect; /* libcurl only reads it */
        call->expect_node.next = call->header_node.next;
        call->header_node.next = &call->expect_node;
    }
    a2a_buf_reset(&call->response);
    call->retry_after[0] = '\0';
    call->content_type[0] = '\0';
    call->errbuf[0] = '\0';
    call->body_capped = 0;
    call->connected = 0;
    call->headers_ended = 0;
    call->content_length = 0;
    call->chunked = 0;
    (void)curl_easy_setopt(call->easy, CURLOPT_POSTFIELDS, job->req.body.data);
    (void)curl_easy_setopt(call->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->req.body.len);
    (void)curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, &call->header_node);
    if (curl_multi_add_handle(eng->multi, call->easy) != CURLM_OK) {
        curl_easy_cleanup(call->easy);
        call->easy = NULL;
        return -1;
    }
    call->job = job;
    job->res.attempts++; /* only a call that was really started counts */
    if (job->res.first_ms == 0) {
        job->res.first_ms = now;
    }
    eng->nidle--;
    eng->active[eng->in_flight++] = call;
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
static void body_excerpt(const struct call *call, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < call->response.len && o + 1 < cap && i < EXCERPT_MAX; i++) {
        unsigned char c = (unsigned char)call->response.data[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    out[o] = '\0';
}

static enum a2a_answer answer_says(const struct call *call)
{
    static const char canonical[] = "{\"outcome\":\"dispatched\"}";
    const char *body = call->response.data;
    size_t n = call->response.len;
    enum a2a_answer says = A2A_ANSWER_UNKNOWN;
    const char *end = NULL;
    cJSON *doc;
    const cJSON *outcome;

    if (n == 0) {
        return A2A_ANSWER_NONE;
    }
    if (n == sizeof(canonical) - 1 && memcmp(body, canonical, n) == 0) {
        return A2A_ANSWER_DISPATCHED; /* as the endpoint answers: no parse */
    }
    if (call->body_capped) {
        return A2A_ANSWER_UNKNOWN; /* only its first 64 KiB were kept */
    }
    doc = cJSON_ParseWithLengthOpts(body, n, &end, 0);
    while (doc != NULL && end < body + n &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')) {
        end++;
    }
    if (doc != NULL && end < body + n) {
        cJSON_Delete(doc); /* a value and then more: not one JSON text (review 67) */
        return A2A_ANSWER_UNKNOWN;
    }
    outcome = cJSON_GetObjectItemCaseSensitive(doc, "outcome");
    if (cJSON_IsString(outcome) && strcmp(outcome->valuestring, "taskDeleted") == 0) {
        says = A2A_ANSWER_TASK_DELETED;
    } else if (cJSON_IsString(outcome) && strcmp(outcome->valuestring, "dispatched") == 0) {
        says = A2A_ANSWER_DISPATCHED;
    }
    cJSON_Delete(doc);
    return says;
}

static void finish(struct a2a_engine *eng, struct a2a_job *job, enum a2a_outcome outcome)
{
    job->res.outcome = outcome;
    job->res.done_ms = a2a_now_ms();
    a2a_job_list_push(&eng->done, job);
}

/* Records the first reason to stop the run, of any engine; trip->mu held. */
static void set_fatal(struct a2a_engine *eng, enum a2a_transport transport, long status,
                      const char *reason)
{
    struct a2a_trip *trip = eng->shared.trip;

    if (atomic_load(eng->shared.fatal_status) != 0) {
        return;
    }
    trip->cause = transport;
    snprintf(trip->reason, sizeof(trip->reason), "%s", reason);
    /* the status is published after its reason */
    atomic_store(eng->shared.fatal_status,
                 transport == A2A_TRANSPORT_ANSWERED ? (int)status : A2A_FATAL_TRANSPORT);
}

/* Ends a row; while none is under way, a load and no store (the engines share the line). */
static void end_row(atomic_uint *row)
{
    if (atomic_load_explicit(row, memory_order_relaxed) != 0) {
        atomic_store(row, 0);
    }
}

/*
 * One more call answered an error to its last retry, in the row of them (trip->mu held).
 * The row lasts while such failures come with no other answer between and no pause of
 * FAILING_GAP_MS: a pause is a wait for input, or retries slow enough to burn nothing, and
 * the row begins again (review 68). Returns how long it has lasted once it trips, else -1.
 */
static int64_t failing_step(struct a2a_trip *trip, unsigned *run)
{
    int64_t now = a2a_now_ms();
    unsigned n = atomic_load(&trip->failing);

    if (n == 0 || now - trip->failing_last_ms > FAILING_GAP_MS) {
        n = 0;
        trip->failing_since_ms = now;
    }
    atomic_store(&trip->failing, ++n);
    trip->failing_last_ms = now;
    *run = n;
    if (n < trip->threshold || now - trip->failing_since_ms < FAILING_MS) {
        return -1;
    }
    return now - trip->failing_since_ms;
}

/*
 * After an answer the breaker is off: a refused connection is a dispatcher restarting, a 503
 * one busy for a while. But threshold calls in a row refused, their retries spent, is one
 * that went away mid-run (review 65); and calls answered 5xx (or 429, 408, 425) to their last
 * retry for FAILING_MS on end (failing_step), threshold of them at least, is one failing every
 * call, a database down behind it, say (review 66). Either way every later call would burn its
 * retries alike and fail, to the end of the input: stop there instead, the rest listed. Any
 * other answer ends the row; the row's own time keeps a dispatcher that fails some calls only
 * from tripping it by a chance row on a long input. Rows are rare: they take the lock.
 */
static void weigh_after_answers(struct a2a_engine *eng, enum a2a_transport transport,
                                const struct a2a_verdict *v, long status)
{
    struct a2a_trip *trip = eng->shared.trip;
    int answered = transport == A2A_TRANSPORT_ANSWERED;
    int failing = answered && !v->retry && v->outcome == A2A_OUT_TRANSIENT;
    char why[A2A_REASON_MAX];
    int64_t lasted = -1;
    unsigned run;

    if (answered) {
        end_row(&trip->refused);
    }
    if (answered && !failing && !v->retry &&
        atomic_load_explicit(&trip->failing, memory_order_relaxed) != 0) {
        pthread_mutex_lock(&trip->mu);
        atomic_store(&trip->failing, 0);
        pthread_mutex_unlock(&trip->mu);
    }
    if (v->retry || (!failing && transport != A2A_TRANSPORT_CONNECT)) {
        return;
    }
    if (failing) {
        pthread_mutex_lock(&trip->mu);
        lasted = failing_step(trip, &run);
        pthread_mutex_unlock(&trip->mu);
        if (lasted < 0) {
            return;
        }
        snprintf(why, sizeof(why),
                 "the dispatcher answered %u calls in a row with an error, their retries spent, "
                 "for %lld s with no other answer between, the last HTTP %ld: it is failing "
                 "every call: %.200s",
                 run, (long long)(lasted / 1000), status, v->reason);
    } else {
        run = atomic_fetch_add(&trip->refused, 1) + 1;
        if (run < trip->threshold) {
            return;
        }
        snprintf(why, sizeof(why),
                 "the dispatcher answered earlier calls, then refused %u in a row, their retries "
                 "spent: it went away mid-run: %.200s",
                 run, v->reason);
    }
    pthread_mutex_lock(&trip->mu);
    set_fatal(eng, transport, failing ? status : 0, why);
    pthread_mutex_unlock(&trip->mu);
}

/*
 * Weighs an attempt on the pool's circuit breaker, and records the first reason to stop the
 * run. Once a call was answered and nothing is fatal, this is one atomic load or two.
 */
static void weigh(struct a2a_engine *eng, enum a2a_transport transport, const struct a2a_verdict *v,
                  long status)
{
    struct a2a_trip *trip = eng->shared.trip;
    char why[A2A_REASON_MAX];
    int trips;

    if (!v->fail_fast && atomic_load_explicit(&trip->answered, memory_order_relaxed)) {
        weigh_after_answers(eng, transport, v, status);
        return;
    }
    if (transport == A2A_TRANSPORT_ANSWERED || transport == A2A_TRANSPORT_FAILED ||
        transport == A2A_TRANSPORT_INCOMPLETE) {
        atomic_store(&trip->connected, 1); /* until the first answer: then it is known anyway */
    }
    pthread_mutex_lock(&trip->mu);
    trips = a2a_breaker_step(&trip->breaker, trip->threshold, transport, v, why, sizeof(why));
    if (trip->breaker.off) {
        atomic_store(&trip->answered, 1);
    }
    if (v->fail_fast || trips) {
        set_fatal(eng, transport, status, trips ? why : v->reason); /* the first one wins */
    }
    pthread_mutex_unlock(&trip->mu);
}

/* Where a redirect points, as libcurl resolves its Location (never followed): "to URL". */
static void redirect_target(const struct call *call, char *out, size_t cap)
{
    char *url = NULL;
    char shown[256];

    (void)curl_easy_getinfo(call->easy, CURLINFO_REDIRECT_URL, &url);
    if (url == NULL) {
        snprintf(out, cap, "with no Location");
        return;
    }
    a2a_url_shown(url, shown, sizeof(shown));
    snprintf(out, cap, "to %s", shown);
}

/* The HTTP major version of the call's response: 1, 2 or 3; 0 when none came. */
static int http_major(CURL *easy)
{
    long v = 0;

    (void)curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
    case CURL_HTTP_VERSION_1_1:
        return 1;
    case CURL_HTTP_VERSION_2_0:
        return 2;
    case CURL_HTTP_VERSION_3:
        return 3;
    default:
        return 0;
    }
}

/* Tells the pool's owner of an attempt that will be made again: a retry's wait is otherwise
 * silent, and a Retry-After of minutes holds its record's place in the window as long. */
static void tell_retry(const struct a2a_engine *eng, const struct a2a_job *job,
                       const struct a2a_verdict *v)
{
    struct a2a_retry_note note;

    if (eng->shared.on_retry == NULL) {
        return;
    }
    note.user = job->user;
    note.attempt = job->res.attempts;
    note.attempts = eng->shared.retries + 1;
    note.delay_ms = v->delay_ms;
    note.asked = v->delay_asked;
    memcpy(note.reason, v->reason, sizeof(note.reason));
    eng->shared.on_retry(eng->shared.retry_ctx, &note);
}

/* Applies the verdict on a call that ended: finished, or re-queued for another attempt. */
static void settle(struct a2a_engine *eng, struct call *call, struct a2a_job *job, CURLcode code,
                   long status)
{
    char detail[320];
    struct a2a_verdict v;
    struct a2a_call_end end = {
        .code = (int)code,
        .errtext = call->errbuf,
        .status = status,
        .http_major = http_major(call->easy),
        .connected = call->connected,
        .headers_ended = call->headers_ended,
        .content_length = call->content_length,
        .chunked = call->chunked,
        .body_capped = call->body_capped,
    };
    enum a2a_transport transport = a2a_call_classify(&end, detail, sizeof(detail));
    int answered = transport == A2A_TRANSPORT_ANSWERED;
    int success = answered && a2a_http_classify(status) == A2A_HTTP_SUCCESS;
    enum a2a_answer says = success ? answer_says(call) : A2A_ANSWER_NONE;
    struct a2a_verdict_input in = {
        .transport = transport,
        .status = status,
        .attempts = job->res.attempts,
        .retries = eng->shared.retries,
        .retry_after = call->retry_after,
        .content_type = call->content_type,
        .foreign = success && a2a_http_foreign_success(
                                  status, call->content_type, call->response.len > 0,
                                  says == A2A_ANSWER_DISPATCHED || says == A2A_ANSWER_TASK_DELETED),
        .answer = says,
        .detail = detail,
        .now = time(NULL),
        .random = next_random(eng),
    };

    if (answered && a2a_http_is_redirect(status)) {
        redirect_target(call, detail, sizeof(detail)); /* where, not the body */
    } else if (answered && (!success || in.foreign || in.answer == A2A_ANSWER_UNKNOWN)) {
        body_excerpt(call, detail, sizeof(detail)); /* only failures and odd answers quote it */
    }
    a2a_http_verdict(&in, &v);
    job->res.http_status = (int)status;
    job->res.fail_fast = v.fail_fast;
    job->res.odd_answer = v.odd_answer;
    memcpy(job->res.reason, v.reason, sizeof(job->res.reason));
    weigh(eng, transport, &v, status);
    if (v.retry) {
        job->not_before_ms = a2a_now_ms() + v.delay_ms;
        a2a_job_list_push(&eng->queue, job);
        tell_retry(eng, job, &v);
        return;
    }
    finish(eng, job, v.outcome);
}

/* Ends the slot's call: the handle leaves the multi handle, the slot is free again. */
static void release_call(struct a2a_engine *eng, struct call *call)
{
    (void)curl_multi_remove_handle(eng->multi, call->easy); /* fails only for a foreign handle */
    for (size_t i = 0; i < eng->in_flight; i++) {
        if (eng->active[i] == call) {
            eng->active[i] = eng->active[--eng->in_flight];
            break;
        }
    }
    /* The job goes back to its owner: an idle handle must not point into it. */
    (void)curl_easy_setopt(call->easy, CURLOPT_POSTFIELDS, NULL);
    (void)curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, NULL);
    call->job = NULL;
    eng->idle[eng->nidle++] = call;
}

static void collect(struct a2a_engine *eng)
{
    CURLMsg *msg;
    int left;

    for (;;) {
        struct call *call = NULL;
        struct a2a_job *job;
        long status = 0;
        CURLcode code;

        msg = curl_multi_info_read(eng->multi, &left);
        if (msg == NULL) {
            break;
        }
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        code = msg->data.result;
        (void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        (void)curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status); /* 0: none */
        job = call->job;
        release_call(eng, call);
        settle(eng, call, job, code, status); /* reads the slot's buffers: nothing reuses them
                                                 until the next start */
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

/* Runs libcurl's timeout action if it is due. Returns 0 or -1 (err set). */
static int run_timer(struct a2a_engine *eng, struct a2a_error *err)
{
    int running = 0;
    CURLMcode mc;

    if (eng->timer_ns < 0 || eng->timer_ns > a2a_now_ns()) {
        return 0;
    }
    eng->timer_ns = -1; /* libcurl sets it again if it wants another */
    mc = curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    if (mc != CURLM_OK) {
        a2a_error_set(err, A2A_E_INTERNAL, "HTTP engine: %s", curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

/* The CURL_CSELECT_* bits for what poll() said of a socket. */
static int ready_bits(const struct pollfd *p)
{
    int bits = 0;

    if (p->revents & (POLLIN | POLLPRI | POLLHUP | POLLERR)) {
        bits |= CURL_CSELECT_IN;
    }
    if (p->revents & (POLLOUT | POLLHUP | POLLERR)) {
        bits |= CURL_CSELECT_OUT;
    }
    if (p->revents & (POLLERR | POLLNVAL)) {
        bits |= CURL_CSELECT_ERR;
    }
    return bits;
}

/*
 * Hands libcurl the sockets the last poll found ready. The list is copied first: the calls
 * change it (a finished call's socket goes, a new one comes).
 */
static int run_ready(struct a2a_engine *eng, struct a2a_error *err)
{
    size_t n = 0;
    struct {
        curl_socket_t fd;
        int bits;
    } ready[64];

    for (size_t i = 1; i < eng->nwatch; i++) {
        if (eng->watch[i].revents != 0 && n < sizeof(ready) / sizeof(ready[0])) {
            ready[n].fd = eng->watch[i].fd;
            ready[n].bits = ready_bits(&eng->watch[i]);
            n++;
        }
        eng->watch[i].revents = 0; /* past the 64th: the next poll reports it again */
    }
    for (size_t i = 0; i < n; i++) {
        int running = 0;
        CURLMcode mc = curl_multi_socket_action(eng->multi, ready[i].fd, ready[i].bits, &running);
        if (mc != CURLM_OK && mc != CURLM_BAD_SOCKET) { /* bad: it closed meanwhile */
            a2a_error_set(err, A2A_E_INTERNAL, "HTTP engine: %s", curl_multi_strerror(mc));
            return -1;
        }
    }
    return 0;
}

int a2a_engine_step(struct a2a_engine *eng, struct a2a_error *err)
{
    int rc = 0;

    rc |= start_ready(eng, err);
    rc |= rc == 0 ? run_ready(eng, err) : 0;
    rc |= rc == 0 ? run_timer(eng, err) : 0;
    collect(eng);
    rc |= rc == 0 ? start_ready(eng, err) : 0;
    rc |= rc == 0 ? run_timer(eng, err) : 0; /* sends the calls just started */
    collect(eng);
    if (eng->watch_nomem) {
        /* the cause of any failure above: libcurl saw its socket callback fail */
        a2a_error_set(err, A2A_E_NOMEM, "out of memory watching an HTTP connection");
        return -1;
    }
    return rc == 0 ? 0 : -1;
}

int a2a_engine_wait(struct a2a_engine *eng, int max_ms, struct a2a_error *err)
{
    int budget = wait_budget(eng, max_ms);
    char sink[64];

    if (eng->timer_ns >= 0) {
        int64_t now = a2a_now_ns();
        int64_t t = eng->timer_ns <= now ? 0 : (eng->timer_ns - now + 999999) / 1000000;
        budget = t < budget ? (int)t : budget;
    }
    if (budget <= 0) {
        return 0;
    }
    if (poll(eng->watch, eng->nwatch, budget) < 0 && errno != EINTR) {
        a2a_error_set(err, A2A_E_INTERNAL, "HTTP engine: poll: %s", strerror(errno));
        return -1;
    }
    if (eng->watch[0].revents != 0) {
        eng->watch[0].revents = 0;
        while (read(eng->wake_fds[0], sink, sizeof(sink)) > 0) {
        }
    }
    return 0;
}

void a2a_engine_wakeup(struct a2a_engine *eng)
{
    char byte = 1;

    if (write(eng->wake_fds[1], &byte, 1) < 0) {
        /* EAGAIN: the pipe is full of wake-ups already; nothing is lost */
    }
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
    int64_t now = a2a_now_ms();
    struct a2a_job *job;

    /* In-flight calls first: the endpoint is idempotent, so abandoning one is safe. */
    while (eng->in_flight > 0) {
        struct call *call = eng->active[eng->in_flight - 1];
        job = call->job;
        release_call(eng, call);
        a2a_job_abandon(job, outcome, 1, reason, now);
        a2a_job_list_push(&eng->done, job);
    }
    for (;;) {
        job = take_ready(eng, INT64_MAX);
        if (job == NULL) {
            break;
        }
        a2a_job_abandon(job, outcome, 0, reason, now);
        a2a_job_list_push(&eng->done, job);
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
    for (size_t i = 0; i < eng->in_flight; i++) {
        (void)curl_multi_remove_handle(eng->multi, eng->active[i]->easy);
    }
    for (size_t i = 0; eng->calls != NULL && i < eng->cap; i++) {
        if (eng->calls[i].easy != NULL) {
            curl_easy_cleanup(eng->calls[i].easy);
        }
        a2a_buf_free(&eng->calls[i].response);
    }
    free(eng->calls);
    free(eng->idle);
    free(eng->active);
    if (eng->multi != NULL) {
        (void)curl_multi_cleanup(eng->multi);
    }
    curl_url_cleanup(eng->url);
    for (int i = 0; i < 2; i++) {
        if (eng->wake_fds[i] >= 0) {
            close(eng->wake_fds[i]);
        }
    }
    free(eng->watch);
    free(eng);
    *peng = NULL;
}
