/*
 * retry.h: status classes, full-jitter backoff bounds, Retry-After parsing and the verdict on
 * one attempt, with the random draw and the clock injected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "rows.h"

#include "retry.h"

/* ---- status classes --------------------------------------------------------------------- */

struct status_row {
    long status;
    enum a2a_http_class want;
};

#define S2 A2A_HTTP_SUCCESS
#define ST A2A_HTTP_TRANSIENT
#define SP A2A_HTTP_PERMANENT
#define SF A2A_HTTP_FATAL

static const struct status_row status_rows[] = {
    {200, S2},
    {201, S2},
    {202, S2},
    {204, S2},
    {299, S2},
    /* 1xx as a final answer */
    {100, SP},
    {101, SP},
    {199, SP},
    /* 3xx: redirects are never followed, and every call of the run gets the same */
    {300, SF},
    {301, SF},
    {302, SF},
    {303, SF},
    {304, SF},
    {307, SF},
    {308, SF},
    {399, SF},
    /* 4xx: fail fast on 401/403/404/405, retry 408/425/429, the rest fails the record */
    {400, SP},
    {401, SF},
    {402, SP},
    {403, SF},
    {404, SF},
    {405, SF},
    {406, SP},
    {407, SP},
    {408, ST},
    {409, SP},
    {410, SP},
    {413, SP},
    {415, SP},
    {422, SP},
    {424, SP},
    {425, ST},
    {426, SP},
    {428, SP},
    {429, ST},
    {431, SP},
    {451, SP},
    {499, SP},
    /* every 5xx */
    {500, ST},
    {501, ST},
    {502, ST},
    {503, ST},
    {504, ST},
    {505, ST},
    {511, ST},
    {599, ST},
    /* nonsense */
    {600, SP},
    {999, SP},
    {0, SP},
    {-1, SP},
    {99, SP},
    {1000, SP},
    {200000, SP},
};

static const char *class_name(enum a2a_http_class c)
{
    switch (c) {
    case A2A_HTTP_SUCCESS:
        return "SUCCESS";
    case A2A_HTTP_TRANSIENT:
        return "TRANSIENT";
    case A2A_HTTP_PERMANENT:
        return "PERMANENT";
    case A2A_HTTP_FATAL:
        return "FATAL";
    }
    return "?";
}

static void test_classify(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(status_rows) / sizeof(status_rows[0]); k++) {
        enum a2a_http_class got = a2a_http_classify(status_rows[k].status);
        if (got != status_rows[k].want) {
            row_fail("HTTP %ld: %s, want %s", status_rows[k].status, class_name(got),
                     class_name(status_rows[k].want));
        }
    }
    rows_done();
}

/* Every status from 100 to 599 against the contract's rules, written independently. */
static void test_classify_every_status(void **state)
{
    (void)state;
    for (long s = 100; s <= 599; s++) {
        enum a2a_http_class want;
        if (s >= 200 && s <= 299) {
            want = A2A_HTTP_SUCCESS;
        } else if (s == 401 || s == 403 || s == 404 || s == 405 || (s >= 300 && s <= 399)) {
            want = A2A_HTTP_FATAL;
        } else if (s == 408 || s == 425 || s == 429 || s >= 500) {
            want = A2A_HTTP_TRANSIENT;
        } else {
            want = A2A_HTTP_PERMANENT;
        }
        if (a2a_http_classify(s) != want) {
            row_fail("HTTP %ld: %s, want %s", s, class_name(a2a_http_classify(s)),
                     class_name(want));
        }
    }
    rows_done();
}

/* ---- backoff ---------------------------------------------------------------------------- */

/* min(cap, base * 2^(retry - 1)), computed without the code under test. */
static uint64_t ceiling_for(unsigned retry, uint64_t base, uint64_t cap)
{
    uint64_t c = base;

    for (unsigned k = 1; k < retry; k++) {
        if (c >= cap) {
            break;
        }
        c *= 2;
    }
    return c < cap ? c : cap;
}

static void test_backoff_ceilings(void **state)
{
    /* retry 1..10 with the contract's base 200 ms and cap 10 s */
    static const uint64_t want_ceiling[11] = {0,    200,   400,   800,   1600, 3200,
                                              6400, 10000, 10000, 10000, 10000};

    (void)state;
    assert_int_equal(A2A_BACKOFF_BASE_MS, 200);
    assert_int_equal(A2A_BACKOFF_CAP_MS, 10000);
    assert_int_equal(A2A_RETRY_AFTER_CAP_MS, 60000);
    for (unsigned retry = 1; retry <= 10; retry++) {
        uint64_t c = want_ceiling[retry];
        struct {
            uint64_t random;
            uint64_t want;
        } draws[] = {
            {0, 0},
            {c, c},         /* the top of the range is reachable */
            {c + 1, 0},     /* and the range wraps just above it */
            {c / 2, c / 2}, /* the middle */
            {UINT64_MAX, UINT64_MAX % (c + 1)},
            {UINT64_MAX / 2, (UINT64_MAX / 2) % (c + 1)},
            {(uint64_t)1 << 63, ((uint64_t)1 << 63) % (c + 1)},
        };

        assert_true(c == ceiling_for(retry, 200, 10000));
        for (size_t d = 0; d < sizeof(draws) / sizeof(draws[0]); d++) {
            uint64_t got =
                a2a_backoff_ms(retry, A2A_BACKOFF_BASE_MS, A2A_BACKOFF_CAP_MS, draws[d].random);
            if (got != draws[d].want || got > c) {
                row_fail("retry %u random %llu: %llu ms, want %llu (ceiling %llu)", retry,
                         (unsigned long long)draws[d].random, (unsigned long long)got,
                         (unsigned long long)draws[d].want, (unsigned long long)c);
            }
        }
    }
    rows_done();
}

/* Full jitter: draws 0..ceiling map onto every delay of [0, ceiling], none beyond. */
static void test_backoff_covers_range(void **state)
{
    (void)state;
    for (unsigned retry = 1; retry <= 10; retry++) {
        uint64_t c = ceiling_for(retry, 200, 10000);
        for (uint64_t r = 0; r <= c; r++) {
            if (a2a_backoff_ms(retry, 200, 10000, r) != r) {
                row_fail("retry %u draw %llu", retry, (unsigned long long)r);
                break;
            }
        }
        /* and from a pseudo-random sequence of draws, nothing above the ceiling */
        uint64_t x = 0x9e3779b97f4a7c15ULL;
        for (int k = 0; k < 2000; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (a2a_backoff_ms(retry, 200, 10000, x) > c) {
                row_fail("retry %u draw %llu above %llu", retry, (unsigned long long)x,
                         (unsigned long long)c);
                break;
            }
        }
    }
    rows_done();
}

/* Other bases and caps, and retry counts far beyond any configuration. */
static void test_backoff_other_parameters(void **state)
{
    static const struct {
        unsigned retry;
        uint64_t base;
        uint64_t cap;
    } rows[] = {
        {11, 200, 10000}, {32, 200, 10000},   {64, 200, 10000},
        {65, 200, 10000}, {1000, 200, 10000}, {4000000000u, 200, 10000},
        {1, 500, 300},    {3, 500, 300},      {1, 1, 1},
        {5, 1, 1},        {1, 0, 0},          {5, 0, 0},
        {1, 100, 0},      {20, 1, 1000000},   {3, 3, 10},
        {2, 200, 401},    {2, 200, 399},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        uint64_t c = ceiling_for(rows[k].retry, rows[k].base, rows[k].cap);
        uint64_t top = a2a_backoff_ms(rows[k].retry, rows[k].base, rows[k].cap, c);
        uint64_t max = a2a_backoff_ms(rows[k].retry, rows[k].base, rows[k].cap, UINT64_MAX);

        if (top != c || max > c ||
            a2a_backoff_ms(rows[k].retry, rows[k].base, rows[k].cap, 0) != 0) {
            row_fail("retry %u base %llu cap %llu: top %llu max %llu, ceiling %llu", rows[k].retry,
                     (unsigned long long)rows[k].base, (unsigned long long)rows[k].cap,
                     (unsigned long long)top, (unsigned long long)max, (unsigned long long)c);
        }
    }
    rows_done();
}

/* ---- Retry-After ------------------------------------------------------------------------ */

#define NOW ((time_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */

struct after_row {
    const char *value;
    int64_t want;
};

static const struct after_row after_rows[] = {
    {"0", 0},
    {"5", 5000},
    {" 7 ", 7000},
    {"\t7\t", 7000},
    {"7\r\n", 7000},
    {"007", 7000},
    {"59", 59000},
    {"60", 60000},
    {"61", 60000},
    {"120", 60000},
    {"86400", 60000},
    {"4294967296", 60000},
    {"9223372036854775807", 60000},
    {"18446744073709551615", 60000},
    {"18446744073709551616", 60000},
    {"99999999999999999999999999999999999999999999999999", 60000},
    /* neither delta-seconds nor an HTTP-date */
    {"-1", -1},
    {"-0", -1},
    {"+5", -1},
    {"abc", -1},
    {"", -1},
    {" ", -1},
    {"\t \r\n", -1},
    {"1.5", -1},
    {"5s", -1},
    {"5 5", -1},
    {"0x10", -1},
    {"1e3", -1},
    {"now", -1},
    {"tomorrow", -1},
    {"Someday, 99 Foo 2023 25:61:61 GMT", -1},
    {"Tue, 14 Nov 2023 22:13:20 GMT and a lot more text that makes it longer than any date", -1},
};

static void test_retry_after_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(after_rows) / sizeof(after_rows[0]); k++) {
        int64_t got = a2a_retry_after_ms(after_rows[k].value, NOW);
        if (got != after_rows[k].want) {
            row_fail("Retry-After \"%s\": %lld, want %lld", after_rows[k].value, (long long)got,
                     (long long)after_rows[k].want);
        }
    }
    rows_done();
}

/* The long decimal string: 10,000 digits is capped, not wrapped. */
static void test_retry_after_huge(void **state)
{
    char digits[10001];

    (void)state;
    memset(digits, '9', sizeof(digits) - 1);
    digits[sizeof(digits) - 1] = '\0';
    assert_int_equal(a2a_retry_after_ms(digits, NOW), 60000);
    memset(digits, '0', sizeof(digits) - 2);
    assert_int_equal(a2a_retry_after_ms(digits, NOW), 9000);
}

/* The three date forms RFC 9110 accepts (literal formats, so the compiler checks them). */
static size_t http_date(char *out, size_t cap, int form, const struct tm *tm)
{
    switch (form) {
    case 0:
        return strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", tm); /* IMF-fixdate */
    case 1: { /* obsolete RFC 850, with its two-digit year */
        size_t n = strftime(out, cap, "%A, %d-%b-", tm);
        n += (size_t)snprintf(out + n, cap - n, "%02d", tm->tm_year % 100);
        return n + strftime(out + n, cap - n, " %H:%M:%S GMT", tm);
    }
    case 2:
        return strftime(out, cap, "%a %b %e %H:%M:%S %Y", tm); /* obsolete asctime */
    default:
        return strftime(out, cap, "  %a, %d %b %Y %H:%M:%S GMT ", tm); /* with blanks */
    }
}

/* HTTP-dates built with strftime from NOW + delta, in all three forms RFC 9110 accepts. */
static void test_retry_after_dates(void **state)
{
    static const struct {
        long delta;
        int64_t want;
    } rows[] = {
        {1, 1000},   {2, 2000},   {30, 30000},   {59, 59000},
        {60, 60000}, {61, 60000}, {3600, 60000}, {86400 * 400L, 60000},
        {0, 0},      {-1, 0},     {-60, 0},      {-86400 * 400L, 0},
    };

    (void)state;
    for (int f = 0; f < 4; f++) {
        for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
            time_t when = NOW + rows[k].delta;
            struct tm tm;
            char date[96];
            int64_t got;

            assert_non_null(gmtime_r(&when, &tm));
            assert_true(http_date(date, sizeof(date), f, &tm) > 0);
            got = a2a_retry_after_ms(date, NOW);
            if (got != rows[k].want) {
                row_fail("Retry-After \"%s\" at %lld: %lld, want %lld", date, (long long)NOW,
                         (long long)got, (long long)rows[k].want);
            }
        }
    }
    rows_done();
}

/* The same date against different clocks: the delay follows the injected now. */
static void test_retry_after_clock(void **state)
{
    const char *date = "Tue, 14 Nov 2023 22:13:20 GMT"; /* == NOW */

    (void)state;
    assert_int_equal(a2a_retry_after_ms(date, NOW), 0);
    assert_int_equal(a2a_retry_after_ms(date, NOW - 10), 10000);
    assert_int_equal(a2a_retry_after_ms(date, NOW - 45), 45000);
    assert_int_equal(a2a_retry_after_ms(date, NOW - 61), 60000);
    assert_int_equal(a2a_retry_after_ms(date, NOW + 10), 0);
    assert_int_equal(a2a_retry_after_ms(date, 0), 60000);
    /* delta-seconds do not depend on the clock */
    assert_int_equal(a2a_retry_after_ms("5", 0), 5000);
    assert_int_equal(a2a_retry_after_ms("5", NOW * 2), 5000);
}

/* ---- the verdict on one attempt ---------------------------------------------------------- */

#define VNOW  ((time_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */
#define VDRAW 1234567ULL           /* backoff draws: 25 ms at attempt 1, 289 ms at attempt 2 */
#define FIN   0
#define RETRY 1
#define NO_FF 0
#define FF    1
#define ANS   A2A_TRANSPORT_ANSWERED
#define NET   A2A_TRANSPORT_FAILED
#define CUT   A2A_TRANSPORT_INCOMPLETE
#define DNS   A2A_TRANSPORT_RESOLVE
#define CONN  A2A_TRANSPORT_CONNECT
#define TLSV  A2A_TRANSPORT_TLS_VERIFY
#define TLSP  A2A_TRANSPORT_TLS_PROTOCOL
#define SCHM  A2A_TRANSPORT_SCHEME
#define DEL   A2A_ANSWER_TASK_DELETED
#define ODD   A2A_ANSWER_UNKNOWN

struct verdict_row {
    const char *name;
    enum a2a_transport transport;
    long status;
    unsigned attempts;
    unsigned retries;
    const char *retry_after; /* NULL: no header */
    enum a2a_answer answer;  /* with a 2xx: what its body says */
    const char *detail;
    int want_retry;
    int64_t want_delay_ms;         /* checked when want_retry */
    enum a2a_outcome want_outcome; /* checked when !want_retry */
    int want_fail_fast;
    const char *want_reason;
};

static const struct verdict_row verdict_rows[] = {
    /* 2xx: acknowledged, or the task is gone; the body is never quoted */
    {"200", ANS, 200, 1, 3, NULL, 0, "{\"outcome\":\"dispatched\"}", FIN, 0, A2A_OUT_ACKNOWLEDGED,
     NO_FF, "HTTP 200"},
    {"204 taskDeleted", ANS, 204, 1, 3, NULL, DEL, "", FIN, 0, A2A_OUT_TASK_DELETED, NO_FF,
     "HTTP 204"},
    {"299", ANS, 299, 2, 3, NULL, 0, "x", FIN, 0, A2A_OUT_ACKNOWLEDGED, NO_FF, "HTTP 299"},
    /* review 66: a 2xx consumes the marker, but a body that says nothing known is quoted */
    {"200 with an unknown outcome", ANS, 200, 1, 3, NULL, ODD, "{\"outcome\":\"error\"}", FIN, 0,
     A2A_OUT_ACKNOWLEDGED, NO_FF,
     "HTTP 200 whose body names no outcome the endpoint contract knows (dispatched, "
     "taskDeleted): {\"outcome\":\"error\"}"},
    {"2xx after the budget is spent", ANS, 200, 9, 3, NULL, 0, "", FIN, 0, A2A_OUT_ACKNOWLEDGED,
     NO_FF, "HTTP 200"},
    {"2xx ignores Retry-After", ANS, 202, 1, 3, "30", 0, "", FIN, 0, A2A_OUT_ACKNOWLEDGED, NO_FF,
     "HTTP 202"},
    /* transient statuses: retry within the budget, Retry-After first, else full jitter */
    {"503 first attempt", ANS, 503, 1, 3, NULL, 0, "busy", RETRY, 25, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 503 busy"},
    {"503 second attempt", ANS, 503, 2, 3, "", 0, "busy", RETRY, 289, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 503 busy"},
    {"503 last retry", ANS, 503, 3, 3, NULL, 0, "busy", RETRY, 226, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 503 busy"},
    {"503 budget spent", ANS, 503, 4, 3, NULL, 0, "busy", FIN, 0, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 503 busy; gave up after 4 attempts"},
    {"500 no retries", ANS, 500, 1, 0, "5", 0, "", FIN, 0, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 500; gave up after 1 attempt"},
    {"429 Retry-After seconds", ANS, 429, 1, 3, "7", 0, "slow down", RETRY, 7000, A2A_OUT_TRANSIENT,
     NO_FF, "HTTP 429 slow down"},
    {"429 Retry-After 0", ANS, 429, 1, 3, "0", 0, "", RETRY, 0, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 429"},
    {"429 Retry-After unreadable: backoff", ANS, 429, 1, 3, "soon", 0, "", RETRY, 25,
     A2A_OUT_TRANSIENT, NO_FF, "HTTP 429"},
    {"429 Retry-After 5s: backoff", ANS, 429, 2, 3, "5s", 0, "", RETRY, 289, A2A_OUT_TRANSIENT,
     NO_FF, "HTTP 429"},
    {"425 Retry-After HTTP-date", ANS, 425, 1, 3, "Tue, 14 Nov 2023 22:13:30 GMT", 0, "", RETRY,
     10000, A2A_OUT_TRANSIENT, NO_FF, "HTTP 425"},
    {"408 Retry-After capped", ANS, 408, 1, 3, "120", 0, "", RETRY, 60000, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 408"},
    {"599", ANS, 599, 1, 1, NULL, 0, "z", RETRY, 25, A2A_OUT_TRANSIENT, NO_FF, "HTTP 599 z"},
    /* no answer: retried like a transient status, the error text is the reason */
    {"connect refused", NET, 0, 1, 3, NULL, 0, "Couldn't connect to server", RETRY, 25,
     A2A_OUT_TRANSIENT, NO_FF, "Couldn't connect to server"},
    {"timeout, budget spent", NET, 0, 2, 1, NULL, 0, "Timeout was reached: 5001 ms", FIN, 0,
     A2A_OUT_TRANSIENT, NO_FF, "Timeout was reached: 5001 ms; gave up after 2 attempts"},
    {"cut short after a 200 status line", NET, 200, 1, 0, NULL, DEL, "Transferred a partial file",
     FIN, 0, A2A_OUT_TRANSIENT, NO_FF, "Transferred a partial file; gave up after 1 attempt"},
    {"reset after a 401 status line", NET, 401, 1, 2, "3", 0, "Recv failure", RETRY, 3000,
     A2A_OUT_TRANSIENT, NO_FF, "Recv failure"},
    /* a response cut short is retried like a transient status */
    {"200 with its header block cut", CUT, 200, 1, 2, NULL, 0,
     "HTTP 200 response cut short in its header block", RETRY, 25, A2A_OUT_TRANSIENT, NO_FF,
     "HTTP 200 response cut short in its header block"},
    {"200 with its body cut, budget spent", CUT, 200, 3, 2, NULL, DEL, "Transferred a partial file",
     FIN, 0, A2A_OUT_TRANSIENT, NO_FF, "Transferred a partial file; gave up after 3 attempts"},
    /* no connection: retried; the circuit breaker, not the verdict, stops the run */
    {"unknown host", DNS, 0, 1, 2, NULL, 0, "Couldn't resolve host name", RETRY, 25,
     A2A_OUT_TRANSIENT, NO_FF, "Couldn't resolve host name"},
    {"refused, budget spent", CONN, 0, 3, 2, NULL, 0, "Couldn't connect to server", FIN, 0,
     A2A_OUT_TRANSIENT, NO_FF, "Couldn't connect to server; gave up after 3 attempts"},
    /* every call would fail alike below HTTP: rejected, the run stops, no retry */
    {"untrusted certificate", TLSV, 0, 1, 3, NULL, 0, "SSL peer certificate was not OK", FIN, 0,
     A2A_OUT_REJECTED, FF, "SSL peer certificate was not OK (every call would fail alike)"},
    {"https to a plain port", TLSP, 0, 1, 3, "5", 0, "SSL connect error: wrong version number", FIN,
     0, A2A_OUT_REJECTED, FF,
     "SSL connect error: wrong version number (every call would fail alike)"},
    {"unsupported scheme", SCHM, 0, 1, 3, NULL, 0, "Unsupported protocol", FIN, 0, A2A_OUT_REJECTED,
     FF, "Unsupported protocol (every call would fail alike)"},
    /* fail-fast statuses: rejected, and the run stops */
    {"401", ANS, 401, 1, 3, NULL, 0, "no token", FIN, 0, A2A_OUT_REJECTED, FF,
     "HTTP 401 (every call would fail alike) no token"},
    {"403", ANS, 403, 1, 3, "5", 0, "", FIN, 0, A2A_OUT_REJECTED, FF,
     "HTTP 403 (every call would fail alike)"},
    {"404 taskDeleted body", ANS, 404, 2, 3, NULL, DEL, "gone", FIN, 0, A2A_OUT_REJECTED, FF,
     "HTTP 404 (every call would fail alike) gone"},
    {"405", ANS, 405, 1, 3, NULL, 0, "POST only", FIN, 0, A2A_OUT_REJECTED, FF,
     "HTTP 405 (every call would fail alike) POST only"},
    /* other statuses: this record is rejected, the run goes on */
    {"400", ANS, 400, 1, 3, NULL, 0, "bad body", FIN, 0, A2A_OUT_REJECTED, NO_FF,
     "HTTP 400 (permanent, not retried) bad body"},
    {"400 with Retry-After", ANS, 400, 1, 3, "1", 0, "", FIN, 0, A2A_OUT_REJECTED, NO_FF,
     "HTTP 400 (permanent, not retried)"},
    {"301 not followed: where it points, and the run stops", ANS, 301, 1, 3, NULL, 0,
     "to https://elsewhere/", FIN, 0, A2A_OUT_REJECTED, FF,
     "HTTP 301, a redirect to https://elsewhere/, not followed"},
    {"100 as a final answer", ANS, 100, 1, 3, NULL, 0, "", FIN, 0, A2A_OUT_REJECTED, NO_FF,
     "HTTP 100 (permanent, not retried)"},
    {"409", ANS, 409, 1, 3, NULL, DEL, "", FIN, 0, A2A_OUT_REJECTED, NO_FF,
     "HTTP 409 (permanent, not retried)"},
};

static void test_verdict_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(verdict_rows) / sizeof(verdict_rows[0]); k++) {
        const struct verdict_row *row = &verdict_rows[k];
        struct a2a_verdict_input in = {
            .transport = row->transport,
            .status = row->status,
            .attempts = row->attempts,
            .retries = row->retries,
            .retry_after = row->retry_after,
            .answer = row->answer,
            .detail = row->detail,
            .now = VNOW,
            .random = VDRAW,
        };
        struct a2a_verdict v;

        memset(&v, 0x5a, sizeof(v)); /* every field must be written */
        a2a_http_verdict(&in, &v);
        if (v.retry != row->want_retry) {
            row_fail("%s: retry %d, want %d", row->name, v.retry, row->want_retry);
        }
        if (row->want_retry && v.delay_ms != row->want_delay_ms) {
            row_fail("%s: delay %lld ms, want %lld", row->name, (long long)v.delay_ms,
                     (long long)row->want_delay_ms);
        }
        if (v.outcome != row->want_outcome) {
            row_fail("%s: outcome %d, want %d", row->name, (int)v.outcome, (int)row->want_outcome);
        }
        if (v.fail_fast != row->want_fail_fast) {
            row_fail("%s: fail_fast %d, want %d", row->name, v.fail_fast, row->want_fail_fast);
        }
        if (v.odd_answer !=
            (row->answer == ODD && row->status / 100 == 2 && row->transport == ANS)) {
            row_fail("%s: odd_answer %d", row->name, v.odd_answer);
        }
        if (memchr(v.reason, '\0', sizeof(v.reason)) == NULL ||
            strcmp(v.reason, row->want_reason) != 0) {
            row_fail("%s: reason \"%.*s\", want \"%s\"", row->name, (int)sizeof(v.reason) - 1,
                     v.reason, row->want_reason);
        }
    }
    rows_done();
}

/*
 * A 2xx whose body says it is not JSON is no acknowledgement: a catch-all page at a wrong -u
 * would otherwise mark every record done (review 65). JSON media types, any case and
 * parameters, and an answer without a body or a Content-Type, are the endpoint's.
 */
static void test_foreign_success(void **state)
{
    static const struct {
        long status;
        const char *content_type;
        int has_body;
        int names_outcome;
        int want_foreign;
    } rows[] = {
        {200, "text/html", 1, 0, 1},
        {200, " text/html; charset=utf-8", 1, 0, 1},
        {200, "text/plain", 1, 0, 1},
        {200, "text/plain", 1, 1, 1}, /* the type decides when there is one */
        {200, "application/jsonx", 1, 0, 1},
        {200, "application/json", 1, 0, 0},
        {200, " Application/JSON ; charset=UTF-8", 1, 0, 0},
        {200, "application/problem+json", 1, 0, 0},
        {200, "text/html", 0, 0, 1},                /* review 66: a type not JSON, no body */
        {200, "application/octet-stream", 0, 0, 1}, /* nginx's `return 200;` */
        {200, "", 1, 0, 1},                         /* a body that does not say what it is */
        {200, NULL, 1, 0, 1},
        {200, " ", 1, 0, 1},
        {200, NULL, 1, 1, 0}, /* review 67: no type, a body naming an outcome */
        {200, "", 0, 0, 0},   /* a bare 200: nothing says it is not the endpoint's */
        {200, NULL, 0, 0, 0},
        {200, "application/json", 0, 0, 0},
        {204, "text/html", 0, 0, 0}, /* review 67: Django's and Flask's empty 204 */
        {205, "text/plain", 0, 0, 0},
        {204, NULL, 0, 0, 0},
        {205, "text/html", 1, 0, 1}, /* review 68: a page all the same */
    };
    struct a2a_verdict_input in = {.transport = ANS,
                                   .status = 200,
                                   .attempts = 1,
                                   .retries = 2,
                                   .content_type = "text/html",
                                   .foreign = 1,
                                   .detail = "<html>Welcome</html>"};
    struct a2a_verdict v;

    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        if (a2a_http_foreign_success(rows[k].status, rows[k].content_type, rows[k].has_body,
                                     rows[k].names_outcome) != rows[k].want_foreign) {
            row_fail("%ld \"%s\", body %d: want foreign %d", rows[k].status,
                     rows[k].content_type ? rows[k].content_type : "(null)", rows[k].has_body,
                     rows[k].want_foreign);
        }
    }
    rows_done();
    a2a_http_verdict(&in, &v);
    assert_int_equal(v.retry, 0);
    assert_int_equal(v.fail_fast, 1);
    assert_int_equal(v.outcome, A2A_OUT_REJECTED);
    assert_string_equal(v.reason, "HTTP 200 with Content-Type text/html, not JSON: not the "
                                  "redispatch endpoint's answer (every call would fail alike) "
                                  "<html>Welcome</html>");
    in.content_type = "";
    a2a_http_verdict(&in, &v);
    assert_int_equal(v.fail_fast, 1);
    assert_string_equal(v.reason, "HTTP 200 with a body and no Content-Type: not the redispatch "
                                  "endpoint's answer (every call would fail alike) "
                                  "<html>Welcome</html>");
}

/* Every status of 100..599 gets a verdict consistent with its class, within the budget. */
static void test_verdict_follows_class(void **state)
{
    (void)state;
    for (long s = 100; s <= 599; s++) {
        struct a2a_verdict_input in = {
            .transport = A2A_TRANSPORT_ANSWERED,
            .status = s,
            .attempts = 1,
            .retries = 1,
            .detail = "",
            .now = VNOW,
            .random = VDRAW,
        };
        struct a2a_verdict v;
        enum a2a_http_class c = a2a_http_classify(s);

        a2a_http_verdict(&in, &v);
        if (v.retry != (c == A2A_HTTP_TRANSIENT) || v.fail_fast != (c == A2A_HTTP_FATAL) ||
            (!v.retry && (c == A2A_HTTP_SUCCESS) != (v.outcome == A2A_OUT_ACKNOWLEDGED))) {
            row_fail("HTTP %ld: retry %d fail_fast %d outcome %d", s, v.retry, v.fail_fast,
                     (int)v.outcome);
        }
    }
    rows_done();
}

/* ---- the transport class of one call ---------------------------------------------------- */

struct call_row {
    const char *name;
    struct a2a_call_end end;
    enum a2a_transport want;
    const char *want_detail; /* a part the detail must hold; NULL: not checked */
};

/* errtext is "" unless a row says otherwise: designated initialisers leave it NULL. */
#define END(...)                                                                                   \
    {                                                                                              \
        .errtext = "", __VA_ARGS__                                                                 \
    }

static const struct call_row call_rows[] = {
    /* complete: the header block ended and the body was delimited */
    {"200 with Content-Length",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1, .headers_ended = 1,
         .content_length = 1),
     ANS, NULL},
    {"200 chunked to the last chunk",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1, .headers_ended = 1,
         .chunked = 1),
     ANS, NULL},
    {"204 has no body",
     END(.code = CURLE_OK, .status = 204, .http_major = 1, .connected = 1, .headers_ended = 1), ANS,
     NULL},
    {"HTTP/2 frames every stream",
     END(.code = CURLE_OK, .status = 200, .http_major = 2, .connected = 1, .headers_ended = 1), ANS,
     NULL},
    {"503 with Content-Length",
     END(.code = CURLE_OK, .status = 503, .http_major = 1, .connected = 1, .headers_ended = 1,
         .content_length = 1),
     ANS, NULL},
    {"2xx body past our cap, read whole (the rest dropped)",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1, .headers_ended = 1,
         .content_length = 1, .body_capped = 1),
     ANS, NULL},
    {"2xx body past our cap, cut before its Content-Length",
     END(.code = CURLE_PARTIAL_FILE, .status = 200, .http_major = 1, .connected = 1,
         .headers_ended = 1, .content_length = 1, .body_capped = 1),
     CUT, "partial file"},
    {"2xx whose Content-Length delimits nothing (libcurl read to the close)",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1, .headers_ended = 1,
         .content_length = -1),
     CUT, "Content-Length that delimits nothing"},
    {"a write error after the status is an incomplete answer",
     END(.code = CURLE_WRITE_ERROR, .status = 200, .http_major = 1, .connected = 1,
         .headers_ended = 1, .content_length = 1, .body_capped = 1),
     CUT, NULL},
    /* cut short: libcurl says OK or reports the 200, but the response is not whole */
    {"200 then a close inside the header block",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1), CUT,
     "HTTP 200 response cut short in its header block"},
    {"200 close-delimited body",
     END(.code = CURLE_OK, .status = 200, .http_major = 1, .connected = 1, .headers_ended = 1), CUT,
     "neither Content-Length nor chunked"},
    {"200 Content-Length body cut",
     END(.code = CURLE_PARTIAL_FILE, .status = 200, .http_major = 1, .connected = 1,
         .headers_ended = 1, .content_length = 1),
     CUT, "partial file"},
    {"200 chunked body cut before the last chunk",
     END(.code = CURLE_RECV_ERROR, .status = 200, .http_major = 1, .connected = 1,
         .headers_ended = 1, .chunked = 1),
     CUT, NULL},
    {"HTTP/2 stream reset after the status",
     END(.code = CURLE_HTTP2_STREAM, .status = 200, .http_major = 2, .connected = 1,
         .headers_ended = 1),
     CUT, NULL},
    {"write error without our cap",
     END(.code = CURLE_WRITE_ERROR, .status = 200, .http_major = 1, .connected = 1,
         .headers_ended = 1),
     CUT, NULL},
    /* connected, then nothing usable */
    {"nothing came", END(.code = CURLE_GOT_NOTHING, .connected = 1), NET,
     "Server returned nothing"},
    {"timeout after the request went out", END(.code = CURLE_OPERATION_TIMEDOUT, .connected = 1),
     NET, NULL},
    {"reset while sending", END(.code = CURLE_SEND_ERROR, .connected = 1), NET, NULL},
    /* no connection: the circuit breaker's stages */
    {"unknown host", END(.code = CURLE_COULDNT_RESOLVE_HOST), DNS, "resolve"},
    {"unknown proxy", END(.code = CURLE_COULDNT_RESOLVE_PROXY), DNS, NULL},
    {"refused",
     {.code = CURLE_COULDNT_CONNECT, .errtext = "Failed to connect to 127.0.0.1 port 9"},
     CONN,
     "Couldn't connect to server: Failed to connect to 127.0.0.1 port 9"},
    {"connect timeout", END(.code = CURLE_OPERATION_TIMEDOUT), CONN, NULL},
    {"handshake reset", {.code = CURLE_SSL_CONNECT_ERROR, .errtext = "unexpected eof"}, CONN, NULL},
    /* every call would fail alike */
    {"untrusted certificate",
     {.code = CURLE_PEER_FAILED_VERIFICATION,
      .errtext = "SSL certificate problem: self-signed certificate"},
     TLSV,
     "self-signed certificate"},
    {"unusable --cacert file", END(.code = CURLE_SSL_CACERT_BADFILE), TLSV, NULL},
    {"https to a plain HTTP server",
     {.code = CURLE_SSL_CONNECT_ERROR,
      .errtext = "error:0A00010B:SSL routines::wrong version number"},
     TLSP,
     "wrong version number"},
    {"https to a server sending other bytes",
     {.code = CURLE_SSL_CONNECT_ERROR, .errtext = "packet length too long"},
     TLSP,
     NULL},
    {"unsupported scheme", END(.code = CURLE_UNSUPPORTED_PROTOCOL), SCHM, "Unsupported protocol"},
};

static void test_call_classify_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(call_rows) / sizeof(call_rows[0]); k++) {
        const struct call_row *row = &call_rows[k];
        char detail[320];
        enum a2a_transport t;

        memset(detail, 0x5a, sizeof(detail));
        t = a2a_call_classify(&row->end, detail, sizeof(detail));
        if (t != row->want) {
            row_fail("%s: class %d, want %d", row->name, (int)t, (int)row->want);
        }
        if (memchr(detail, '\0', sizeof(detail)) == NULL) {
            row_fail("%s: detail not terminated", row->name);
        } else if (row->want_detail != NULL && strstr(detail, row->want_detail) == NULL) {
            row_fail("%s: detail \"%s\" lacks \"%s\"", row->name, detail, row->want_detail);
        }
    }
    rows_done();
}

/* ---- the circuit breaker ---------------------------------------------------------------- */

/* One final (or, with retry, intermediate) attempt of a call, as the breaker sees it. */
struct step {
    enum a2a_transport transport;
    int retry;
    int want_trip;
};

struct breaker_row {
    const char *name;
    unsigned threshold;
    struct step steps[12];
    size_t nsteps;
};

#define F(t)                                                                                       \
    {                                                                                              \
        t, 0, 0                                                                                    \
    }
#define R(t)                                                                                       \
    {                                                                                              \
        t, 1, 0                                                                                    \
    }
#define TR(t)                                                                                      \
    {                                                                                              \
        t, 0, 1                                                                                    \
    }

static const struct breaker_row breaker_rows[] = {
    {"trips on the Nth refused call, not before", 4, {F(CONN), F(CONN), F(CONN), TR(CONN)}, 4},
    {"retries of a call do not count",
     4,
     {R(CONN), R(CONN), F(CONN), R(CONN), F(CONN), F(CONN), R(CONN), TR(CONN)},
     8},
    {"unknown host trips alike", 4, {F(DNS), F(DNS), F(DNS), TR(DNS)}, 4},
    {"N follows -j", 6, {F(CONN), F(CONN), F(CONN), F(CONN), F(CONN), TR(CONN)}, 6},
    {"a change of stage starts the row again",
     4,
     {F(DNS), F(DNS), F(DNS), F(CONN), F(CONN), F(CONN), TR(CONN)},
     7},
    {"another failure breaks the row",
     4,
     {F(CONN), F(CONN), F(CONN), F(NET), F(CONN), F(CONN), F(CONN), TR(CONN)},
     8},
    {"an answer turns it off for good",
     4,
     {F(CONN), F(CONN), F(CONN), F(ANS), F(CONN), F(CONN), F(CONN), F(CONN), F(CONN), F(CONN)},
     10},
    {"an answer on a retry turns it off too",
     4,
     {R(ANS), F(CONN), F(CONN), F(CONN), F(CONN), F(CONN)},
     6},
    {"a cut answer proves the dispatcher is there",
     4,
     {F(CUT), F(CONN), F(CONN), F(CONN), F(CONN)},
     5},
    {"a threshold of 0 acts as 1", 0, {TR(CONN)}, 1},
    {"connected and no answer (a hung dispatcher) trips alike",
     4,
     {R(NET), F(NET), F(NET), F(NET), TR(NET)},
     5},
    {"a change from refused to no answer starts the row again",
     4,
     {F(CONN), F(CONN), F(CONN), F(NET), F(NET), F(NET), TR(NET)},
     7},
};

static void test_breaker_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(breaker_rows) / sizeof(breaker_rows[0]); k++) {
        const struct breaker_row *row = &breaker_rows[k];
        struct a2a_breaker b = {0};

        for (size_t i = 0; i < row->nsteps; i++) {
            struct a2a_verdict v = {.retry = row->steps[i].retry};
            char why[A2A_REASON_MAX] = "";
            int trip;

            snprintf(v.reason, sizeof(v.reason), "Couldn't connect to server; gave up");
            trip =
                a2a_breaker_step(&b, row->threshold, row->steps[i].transport, &v, why, sizeof(why));
            if (trip != row->steps[i].want_trip) {
                row_fail("%s: step %zu: trip %d, want %d", row->name, i + 1, trip,
                         row->steps[i].want_trip);
            }
            if (trip && strstr(why, "no call got an answer") == NULL) {
                row_fail("%s: step %zu: why \"%s\"", row->name, i + 1, why);
            }
        }
    }
    rows_done();
}

/* A long transport error or body excerpt is cut, never overflowing the reason. */
static void test_verdict_long_detail(void **state)
{
    char detail[2000];
    struct a2a_verdict v;
    struct a2a_verdict_input in = {
        .transport = A2A_TRANSPORT_FAILED,
        .attempts = 5,
        .retries = 1,
        .detail = detail,
        .now = VNOW,
    };

    (void)state;
    memset(detail, 'e', sizeof(detail) - 1);
    detail[sizeof(detail) - 1] = '\0';
    a2a_http_verdict(&in, &v);
    assert_true(strlen(v.reason) < sizeof(v.reason));
    assert_non_null(strstr(v.reason, "; gave up after 5 attempts"));
    in.transport = A2A_TRANSPORT_ANSWERED;
    in.status = 400;
    a2a_http_verdict(&in, &v);
    assert_true(strlen(v.reason) < sizeof(v.reason));
    assert_int_equal(strncmp(v.reason, "HTTP 400 (permanent, not retried) eee", 37), 0);
}

int main(void)
{
    const struct CMUnitTest classify[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_classify_every_status),
    };
    const struct CMUnitTest backoff[] = {
        cmocka_unit_test(test_backoff_ceilings),
        cmocka_unit_test(test_backoff_covers_range),
        cmocka_unit_test(test_backoff_other_parameters),
    };
    const struct CMUnitTest retry_after[] = {
        cmocka_unit_test(test_retry_after_table),
        cmocka_unit_test(test_retry_after_huge),
        cmocka_unit_test(test_retry_after_dates),
        cmocka_unit_test(test_retry_after_clock),
    };
    const struct CMUnitTest verdict[] = {
        cmocka_unit_test(test_verdict_table),         cmocka_unit_test(test_foreign_success),
        cmocka_unit_test(test_verdict_follows_class), cmocka_unit_test(test_verdict_long_detail),
        cmocka_unit_test(test_call_classify_table),   cmocka_unit_test(test_breaker_table),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("classify", classify, NULL, NULL);
    failed += cmocka_run_group_tests_name("backoff", backoff, NULL, NULL);
    failed += cmocka_run_group_tests_name("retry_after", retry_after, NULL, NULL);
    failed += cmocka_run_group_tests_name("verdict", verdict, NULL, NULL);
    return failed;
}
