/*
 * The retry policy, as pure functions of their inputs (status, attempt, clock, random draw),
 * so that every bound is unit-tested without a network or a real clock.
 */
#ifndef A2A_RETRY_H
#define A2A_RETRY_H

#include <stdint.h>
#include <time.h>

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

#endif
