/*
 * Table-driven test helpers: every failing row is reported (not just the first), then the
 * test fails once at rows_done(). Included by the unit tests that check tables of rows.
 */
#ifndef A2A_TEST_ROWS_H
#define A2A_TEST_ROWS_H

#include <stdarg.h>
#include <stdio.h>

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

#endif
