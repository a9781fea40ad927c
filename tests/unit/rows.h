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
#include <string.h>

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

/* The helpers below are static inline: each includer uses only some of them. */

/* Turns every ' of s[0..len) into ", in place. */
static inline void swap_quotes(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        s[i] = s[i] == '\'' ? '"' : s[i];
    }
}

/* A heap copy of exactly len bytes with ' turned into ". */
static inline char *q(const char *tmpl, size_t len)
{
    char *s = malloc(len > 0 ? len : 1);

    assert_non_null(s);
    memcpy(s, tmpl, len);
    swap_quotes(s, len);
    return s;
}

/*
 * An expected message: exact, or a prefix when it ends in '*', or a substring when it starts
 * with '~'.
 */
static inline int text_matches(const char *got, const char *want)
{
    size_t n = strlen(want);

    if (want[0] == '~') {
        return strstr(got, want + 1) != NULL;
    }
    if (n > 0 && want[n - 1] == '*') {
        return strncmp(got, want, n - 1) == 0;
    }
    return strcmp(got, want) == 0;
}

/*
 * Bytes printed for a failure message: printable ASCII as is, the rest (and '\', so that the
 * text cannot be misread) as \xNN. Four rotating buffers: one message may show four values.
 */
static inline const char *show_bytes(const char *p, size_t n)
{
    static char out[4][1024];
    static int which;
    char *o = out[which++ % 4];
    size_t k = 0;

    for (size_t i = 0; i < n && k + 5 < sizeof(out[0]); i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            o[k++] = (char)c;
        } else {
            k += (size_t)snprintf(o + k, sizeof(out[0]) - k, "\\x%02x", c);
        }
    }
    o[k] = '\0';
    return o;
}

/* A row failure unless got[0..got_len) is exactly want[0..want_len); got may be NULL when empty. */
static inline void check_bytes(const char *label, const char *got, size_t got_len, const char *want,
                               size_t want_len)
{
    if (got == NULL) {
        got = "";
    }
    if (got_len != want_len || memcmp(got, want, want_len) != 0) {
        row_fail("%s:\n  got  \"%s\" (%zu bytes)\n  want \"%s\" (%zu bytes)", label,
                 show_bytes(got, got_len), got_len, show_bytes(want, want_len), want_len);
    }
}

#endif
