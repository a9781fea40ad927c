/*
 * Table-driven test helpers: every failing row is reported (not just the first), then the
 * test fails once at rows_done(); q() writes JSON rows readably with ' for ".
 * Included (after cmocka.h) by the unit tests that check tables of rows.
 */
#ifndef A2A_TEST_ROWS_H
#define A2A_TEST_ROWS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int row_failures;

static void row_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void row_fail(const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    print_error("%s\n", line);
    row_failures++;
}

static void rows_done(void)
{
    int n = row_failures;

    row_failures = 0;
    if (n != 0) {
        fail_msg("%d check(s) failed", n);
    }
}

/* A heap copy of exactly len bytes with ' turned into ". Unused by some includers. */
static inline char *q(const char *tmpl, size_t len)
{
    char *s = malloc(len > 0 ? len : 1);

    assert_non_null(s);
    for (size_t i = 0; i < len; i++) {
        s[i] = tmpl[i] == '\'' ? '"' : tmpl[i];
    }
    return s;
}

#endif
