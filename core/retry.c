#include "retry.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "number.h"

enum a2a_http_class a2a_http_classify(long status)
{
    if (a2a_http_is_success(status)) {
        return A2A_HTTP_SUCCESS;
    }
    switch (status) {
    case 401:
    case 403:
    case 404:
    case 405:
        return A2A_HTTP_FATAL;
    case 408:
    case 425:
    case 429:
        return A2A_HTTP_TRANSIENT;
    default:
        break;
    }
    if (status >= 500 && status <= 599) {
        return A2A_HTTP_TRANSIENT;
    }
    if (a2a_http_is_redirect(status)) {
        /* a redirect, not followed (the token would go where it points): every call of the
           run gets it alike (review 61) */
        return A2A_HTTP_FATAL;
    }
    return A2A_HTTP_PERMANENT; /* 1xx as a final answer, other 4xx, nonsense */
}

uint64_t a2a_backoff_ms(unsigned retry, uint64_t base_ms, uint64_t cap_ms, uint64_t random)
{
    uint64_t ceiling = base_ms;

    for (unsigned k = 1; k < retry && ceiling < cap_ms; k++) {
        ceiling *= 2;
    }
    if (ceiling > cap_ms) {
        ceiling = cap_ms;
    }
    return random % (ceiling + 1);
}

int64_t a2a_retry_after_ms(const char *value, time_t now)
{
    size_t len;
    uint64_t secs;
    time_t when;
    char date[64];

    while (*value == ' ' || *value == '\t') {
        value++;
    }
    len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r' ||
                       value[len - 1] == '\n')) {
        len--;
    }
    if (len == 0) {
        return -1;
    }
    if (value[0] >= '0' && value[0] <= '9') {
        enum a2a_num_status st = a2a_parse_u64(value, len, &secs);
        if (st == A2A_NUM_OVERFLOW || (st == A2A_NUM_OK && secs > A2A_RETRY_AFTER_CAP_MS / 1000)) {
            return A2A_RETRY_AFTER_CAP_MS;
        }
        return st == A2A_NUM_OK ? (int64_t)secs * 1000 : -1;
    }
    if (len >= sizeof(date)) {
        return -1;
    }
    memcpy(date, value, len);
    date[len] = '\0';
    when = curl_getdate(date, NULL); /* all three HTTP-date forms */
    if (when == (time_t)-1) {
        return -1;
    }
    if (when <= now) {
        return 0;
    }
    if (when - now > A2A_RETRY_AFTER_CAP_MS / 1000) {
        return A2A_RETRY_AFTER_CAP_MS;
    }
    return (int64_t)(when - now) * 1000;
}

/* A retryable failure: another attempt after a delay, or transient once the budget is spent. */
static void retry_or_give_up(const struct a2a_verdict_input *in, struct a2a_verdict *out,
                             const char *why)
{
    int64_t delay = -1;

    if (in->attempts > in->retries) {
        snprintf(out->reason, sizeof(out->reason), "%.320s; gave up after %u attempt%s", why,
                 in->attempts, in->attempts == 1 ? "" : "s");
        out->outcome = A2A_OUT_TRANSIENT;
        return;
    }
    if (in->retry_after != NULL && in->retry_after[0] != '\0') {
        delay = a2a_retry_after_ms(in->retry_after, in->now);
    }
    out->delay_asked = delay >= 0;
    if (delay < 0) {
        delay = (int64_t)a2a_backoff_ms(in->attempts, A2A_BACKOFF_BASE_MS, A2A_BACKOFF_CAP_MS,
                                        in->random);
    }
    snprintf(out->reason, sizeof(out->reason), "%s", why);
    out->retry = 1;
    out->delay_ms = delay;
    out->outcome = A2A_OUT_TRANSIENT; /* what it is should no attempt follow */
}

/* Statuses whose response has no body whatever the headers say. */
static int has_no_body(long status)
{
    return (status >= 100 && status <= 199) || status == 204 || status == 304;
}

/* A call that ended with libcurl's CURLE_OK: complete only when whole and delimited. */
static enum a2a_transport classify_finished(const struct a2a_call_end *c, char *detail, size_t cap)
{
    if (c->status <= 0) {
        snprintf(detail, cap, "no HTTP status came");
        return A2A_TRANSPORT_FAILED;
    }
    if (!c->headers_ended) {
        snprintf(detail, cap, "HTTP %ld response cut short in its header block", c->status);
        return A2A_TRANSPORT_INCOMPLETE;
    }
    if (c->http_major == 1 && c->content_length < 0 && !c->chunked && !has_no_body(c->status)) {
        snprintf(detail, cap,
                 "HTTP %ld response with a Content-Length that delimits nothing (not one "
                 "number below 2^63): its end cannot be told from a cut",
                 c->status);
        return A2A_TRANSPORT_INCOMPLETE;
    }
    if (c->http_major == 1 && c->content_length == 0 && !c->chunked && !has_no_body(c->status)) {
        snprintf(detail, cap,
                 "HTTP %ld response with neither Content-Length nor chunked encoding: "
                 "its end cannot be told from a cut",
                 c->status);
        return A2A_TRANSPORT_INCOMPLETE;
    }
    detail[0] = '\0';
    return A2A_TRANSPORT_ANSWERED;
}

/* OpenSSL's words for bytes that are not TLS where a handshake record was expected. */
static int says_not_tls(const char *errtext)
{
    return strstr(errtext, "wrong version number") != NULL ||
           strstr(errtext, "packet length too long") != NULL;
}

enum a2a_transport a2a_call_classify(const struct a2a_call_end *c, char *detail, size_t cap)
{
    enum a2a_transport t;

    if (c->code == CURLE_OK) {
        return classify_finished(c, detail, cap);
    }
    snprintf(detail, cap, "%.100s%s%.200s", curl_easy_strerror((CURLcode)c->code),
             c->errtext[0] != '\0' ? ": " : "", c->errtext);
    switch (c->code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return A2A_TRANSPORT_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        return A2A_TRANSPORT_CONNECT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return A2A_TRANSPORT_TLS_VERIFY;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return A2A_TRANSPORT_SCHEME;
    case CURLE_SSL_CONNECT_ERROR:
        if (says_not_tls(c->errtext)) {
            return A2A_TRANSPORT_TLS_PROTOCOL;
        }
        /* Any other handshake failure (a reset, a stall) is a connection that was not made. */
        return c->connected ? A2A_TRANSPORT_FAILED : A2A_TRANSPORT_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        if (!c->connected) {
            return A2A_TRANSPORT_CONNECT; /* TCP connect or TLS handshake never finished */
        }
        t = A2A_TRANSPORT_FAILED;
        break;
    default:
        t = A2A_TRANSPORT_FAILED;
        break;
    }
    /* A status line came before the failure: the dispatcher is there, its answer was cut. */
    return c->status > 0 ? A2A_TRANSPORT_INCOMPLETE : t;
}

/* The fail-fast verdict on a call no server could ever complete as things stand. */
static void fail_fast_transport(const struct a2a_verdict_input *in, struct a2a_verdict *out)
{
    snprintf(out->reason, sizeof(out->reason), "%.320s (every call would fail alike)", in->detail);
    out->fail_fast = 1;
}

/* "HTTP 2xx", written without printf: every acknowledged call has this reason. */
static void success_reason(char reason[A2A_REASON_MAX], long status)
{
    memcpy(reason, "HTTP ", 5);
    reason[5] = (char)('0' + status / 100);
    reason[6] = (char)('0' + status / 10 % 10);
    reason[7] = (char)('0' + status % 10);
    reason[8] = '\0';
}

/* A media type (parameters, white space and case aside) that is JSON: application/json or
 * a structured syntax suffix, application/problem+json say. */
static int is_json_media(const char *v)
{
    size_t n;

    if (strncmp(v, "application/json", 16) == 0 && (v[16] == '\0' || v[16] == ';')) {
        return 1; /* as the endpoint sends it: the rest only for other spellings */
    }
    v += strspn(v, " \t");
    n = strcspn(v, "; \t");
    return (n == 16 && strncasecmp(v, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(v + n - 5, "+json", 5) == 0);
}

/* Taken as an acknowledgement, such a 2xx would mark every record done, and a redrive
 * delete its messages, with nothing dispatched (review 65). A type that is not JSON says so
 * with no body too (a catch-all's `return 200;` sends its default type, review 66); a body
 * with no type is the endpoint's only when it names an outcome the endpoint knows. An empty
 * 204 or 205 is the endpoint's whatever type a framework puts on it (Django's and Flask's
 * text/html, review 67). */
int a2a_http_foreign_success(long status, const char *content_type, int has_body, int names_outcome)
{
    int has_type = content_type != NULL && content_type[strspn(content_type, " \t")] != '\0';

    if ((status == 204 || status == 205) && !has_body) {
        return 0; /* a 205 that sends a page all the same is a page (review 68) */
    }
    return has_type ? !is_json_media(content_type) : has_body && !names_outcome;
}

void a2a_http_verdict(const struct a2a_verdict_input *in, struct a2a_verdict *out)
{
    char why[320];

    *out = (struct a2a_verdict){.retry = 0, .outcome = A2A_OUT_REJECTED};
    switch (in->transport) {
    case A2A_TRANSPORT_ANSWERED:
        break;
    case A2A_TRANSPORT_TLS_VERIFY:
    case A2A_TRANSPORT_TLS_PROTOCOL:
    case A2A_TRANSPORT_SCHEME:
        fail_fast_transport(in, out);
        return;
    case A2A_TRANSPORT_FAILED:
    case A2A_TRANSPORT_INCOMPLETE:
    case A2A_TRANSPORT_RESOLVE:
    case A2A_TRANSPORT_CONNECT:
    default:
        snprintf(why, sizeof(why), "%s", in->detail);
        retry_or_give_up(in, out, why);
        return;
    }
    switch (a2a_http_classify(in->status)) {
    case A2A_HTTP_SUCCESS:
        if (in->foreign) {
            const char *type = in->content_type + strspn(in->content_type, " \t");
            snprintf(out->reason, sizeof(out->reason),
                     "HTTP %ld with %s%.60s%s: not the redispatch endpoint's answer (every "
                     "call would fail alike)%s%.160s",
                     in->status, type[0] ? "Content-Type " : "a body and no Content-Type", type,
                     type[0] ? ", not JSON" : "", in->detail[0] ? " " : "", in->detail);
            out->fail_fast = 1;
            return;
        }
        success_reason(out->reason, in->status);
        out->outcome =
            in->answer == A2A_ANSWER_TASK_DELETED ? A2A_OUT_TASK_DELETED : A2A_OUT_ACKNOWLEDGED;
        if (in->answer == A2A_ANSWER_UNKNOWN) {
            /* review 66: {"outcome":"error"} under a 200 was acknowledged with no word */
            snprintf(out->reason, sizeof(out->reason),
                     "HTTP %ld whose body names no outcome the endpoint contract knows "
                     "(dispatched, taskDeleted): %.160s",
                     in->status, in->detail);
            out->odd_answer = 1;
        }
        return;
    case A2A_HTTP_TRANSIENT:
        snprintf(why, sizeof(why), "HTTP %ld%s%.200s", in->status, in->detail[0] ? " " : "",
                 in->detail);
        retry_or_give_up(in, out, why);
        return;
    case A2A_HTTP_FATAL:
        if (a2a_http_is_redirect(in->status)) {
            snprintf(out->reason, sizeof(out->reason), "HTTP %ld, a redirect %.280s, not followed",
                     in->status, in->detail);
        } else {
            snprintf(out->reason, sizeof(out->reason),
                     "HTTP %ld (every call would fail alike)%s%.200s", in->status,
                     in->detail[0] ? " " : "", in->detail);
        }
        out->fail_fast = 1;
        return;
    case A2A_HTTP_PERMANENT:
        snprintf(out->reason, sizeof(out->reason), "HTTP %ld (permanent, not retried)%s%.200s",
                 in->status, in->detail[0] ? " " : "", in->detail);
        return;
    }
}

int a2a_breaker_step(struct a2a_breaker *b, unsigned threshold, enum a2a_transport transport,
                     const struct a2a_verdict *v, char *why, size_t cap)
{
    if (b->off) {
        return 0;
    }
    switch (transport) {
    case A2A_TRANSPORT_ANSWERED:
    case A2A_TRANSPORT_INCOMPLETE:
        b->off = 1; /* a status line came: the dispatcher is there */
        return 0;
    case A2A_TRANSPORT_RESOLVE:
    case A2A_TRANSPORT_CONNECT:
    case A2A_TRANSPORT_FAILED: /* connected, and no answer: a hung or closing dispatcher holds
                                  each call its timeout (review 61) */
        break;
    default:
        if (!v->retry) {
            b->run = 0; /* a call that failed otherwise breaks the row */
        }
        return 0;
    }
    if (v->retry) {
        return 0; /* only calls whose retries are spent count */
    }
    if (b->run > 0 && b->stage == transport) {
        b->run++;
    } else {
        b->stage = transport;
        b->run = 1;
    }
    if (b->run < (threshold > 0 ? threshold : 1)) {
        return 0;
    }
    snprintf(why, cap, "no call got an answer; %u in a row %s: %.300s", b->run,
             transport == A2A_TRANSPORT_RESOLVE   ? "could not resolve the host"
             : transport == A2A_TRANSPORT_CONNECT ? "could not connect"
                                                  : "connected and got no answer",
             v->reason);
    return 1;
}
