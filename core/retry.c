#include "retry.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "number.h"

enum a2a_http_class a2a_http_classify(long status)
{
    if (status >= 200 && status <= 299) {
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
    return A2A_HTTP_PERMANENT; /* 1xx as a final answer, 3xx, other 4xx, nonsense */
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
    if (delay < 0) {
        delay = (int64_t)a2a_backoff_ms(in->attempts, A2A_BACKOFF_BASE_MS, A2A_BACKOFF_CAP_MS,
                                        in->random);
    }
    snprintf(out->reason, sizeof(out->reason), "%s", why);
    out->retry = 1;
    out->delay_ms = delay;
    out->outcome = A2A_OUT_TRANSIENT; /* what it is should no attempt follow */
}

void a2a_http_verdict(const struct a2a_verdict_input *in, struct a2a_verdict *out)
{
    char why[320];

    *out = (struct a2a_verdict){.retry = 0, .outcome = A2A_OUT_REJECTED};
    if (in->transport == A2A_TRANSPORT_FAILED) {
        snprintf(why, sizeof(why), "%s", in->detail);
        retry_or_give_up(in, out, why);
        return;
    }
    switch (a2a_http_classify(in->status)) {
    case A2A_HTTP_SUCCESS:
        snprintf(out->reason, sizeof(out->reason), "HTTP %ld", in->status);
        out->outcome = in->task_deleted ? A2A_OUT_TASK_DELETED : A2A_OUT_ACKNOWLEDGED;
        return;
    case A2A_HTTP_TRANSIENT:
        snprintf(why, sizeof(why), "HTTP %ld %.200s", in->status, in->detail);
        retry_or_give_up(in, out, why);
        return;
    case A2A_HTTP_FATAL:
        snprintf(out->reason, sizeof(out->reason), "HTTP %ld (every call would fail alike) %.200s",
                 in->status, in->detail);
        out->fail_fast = 1;
        return;
    case A2A_HTTP_PERMANENT:
        snprintf(out->reason, sizeof(out->reason), "HTTP %ld (permanent, not retried) %.200s",
                 in->status, in->detail);
        return;
    }
}
