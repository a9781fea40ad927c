/*
 * The retry policy, as pure functions of their inputs (status, attempt, clock, random draw),
 * so that every bound is unit-tested without a network or a real clock.
 */
#ifndef A2A_RETRY_H
#define A2A_RETRY_H

#include <stdint.h>
#include <time.h>

#include "result.h"

enum a2a_http_class {
    A2A_HTTP_SUCCESS,   /* 2xx: the marker is consumed */
    A2A_HTTP_TRANSIENT, /* 408, 425, 429, 5xx: try again later */
    A2A_HTTP_PERMANENT, /* 3xx and other 4xx: this record fails, the run goes on */
    A2A_HTTP_FATAL,     /* 401, 403, 404, 405: every call would fail alike: stop the run */
};

#define A2A_BACKOFF_BASE_MS    200
#define A2A_BACKOFF_CAP_MS     10000
#define A2A_RETRY_AFTER_CAP_MS 60000

enum a2a_http_class a2a_http_classify(long status);

/*
 * Full jitter: a delay drawn uniformly from [0, min(cap, base * 2^(retry - 1))], where retry
 * is 1 for the first retry; random is any 64-bit draw.
 */
uint64_t a2a_backoff_ms(unsigned retry, uint64_t base_ms, uint64_t cap_ms, uint64_t random);

/*
 * A Retry-After value (delta-seconds or an HTTP-date) as a delay from now in ms, capped at
 * A2A_RETRY_AFTER_CAP_MS; -1 when it is neither.
 */
int64_t a2a_retry_after_ms(const char *value, time_t now);

/* How a call ended below HTTP. */
enum a2a_transport {
    A2A_TRANSPORT_ANSWERED, /* a status line and headers came (the body may be cut at our cap) */
    A2A_TRANSPORT_FAILED,   /* no usable answer: connect, TLS, timeout, reset, ... */
};

/* Everything the verdict on one attempt depends on: no clock read, no random draw inside. */
struct a2a_verdict_input {
    enum a2a_transport transport;
    long status;             /* HTTP status when answered */
    unsigned attempts;       /* attempts made so far, this one included */
    unsigned retries;        /* the retry budget: attempts allowed after the first */
    const char *retry_after; /* the Retry-After value as sent, or NULL */
    int task_deleted;        /* the body says {"outcome":"taskDeleted"} */
    const char *detail;      /* transport error text, or a printable body excerpt; never NULL */
    time_t now;              /* wall clock, for an HTTP-date Retry-After */
    uint64_t random;         /* any 64-bit draw, for the backoff jitter */
};

struct a2a_verdict {
    int retry;                /* 1: try again after delay_ms; 0: outcome is final */
    int64_t delay_ms;         /* with retry: Retry-After if usable, else full-jitter backoff */
    enum a2a_outcome outcome; /* without retry */
    int fail_fast;            /* every call would fail alike: stop the run (status says why) */
    char reason[A2A_REASON_MAX];
};

/*
 * The verdict on one attempt: a 2xx acknowledges (or says the task is gone); 408/425/429/5xx
 * and transport failures retry until the budget is spent, then fail as transient; 401/403/
 * 404/405 reject and stop the run; any other status rejects the record alone.
 */
void a2a_http_verdict(const struct a2a_verdict_input *in, struct a2a_verdict *out);

#endif
