/*
 * number.h: decimal integers exactly as Rust's u64::from_str / i64::from_str read them.
 * Each row is one input string with the status and value both parsers must give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "number.h"

/* A status of ANY_ERR accepts every failure status (the kind of error is not Rust's business). */
#define ANY_ERR (-1)

struct num_row {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int u_status;
    uint64_t u_value;
    int i_status;
    int64_t i_value;
};

#define ROW(s, us, uv, is, iv)                                                                     \
    {                                                                                              \
        (s), 0, (us), (uv), (is), (iv)                                                             \
    }

static const struct num_row rows[] = {
    /* the plain and signed forms */
    ROW("0", A2A_NUM_OK, 0, A2A_NUM_OK, 0),
    ROW("5", A2A_NUM_OK, 5, A2A_NUM_OK, 5),
    ROW("+5", A2A_NUM_OK, 5, A2A_NUM_OK, 5),
    ROW("-5", A2A_NUM_INVALID, 0, A2A_NUM_OK, -5),
    ROW("007", A2A_NUM_OK, 7, A2A_NUM_OK, 7),
    ROW("+007", A2A_NUM_OK, 7, A2A_NUM_OK, 7),
    ROW("-007", A2A_NUM_INVALID, 0, A2A_NUM_OK, -7),
    ROW("-0", A2A_NUM_INVALID, 0, A2A_NUM_OK, 0),
    ROW("+0", A2A_NUM_OK, 0, A2A_NUM_OK, 0),
    ROW("1234567890", A2A_NUM_OK, 1234567890, A2A_NUM_OK, 1234567890),
    /* no digits */
    ROW("", A2A_NUM_EMPTY, 0, A2A_NUM_EMPTY, 0),
    ROW("+", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("-", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("++1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("+-1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("-+1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("--1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    /* anything else around or inside the digits */
    ROW(" 1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1 ", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("\t1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1\n", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("+ 1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1e3", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1E3", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1.0", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1.", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW(".5", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("0x10", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1_000", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("1,000", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("a", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("12a", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("/", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),            /* '0' - 1 */
    ROW(":", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),            /* '9' + 1 */
    ROW("\xd9\xa1", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),     /* ARABIC-INDIC DIGIT ONE */
    ROW("\xef\xbc\x91", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0), /* FULLWIDTH DIGIT ONE */
    ROW("inf", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    ROW("NaN", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0),
    /* u64 bounds */
    ROW("18446744073709551615", A2A_NUM_OK, UINT64_MAX, A2A_NUM_OVERFLOW, 0),
    ROW("+18446744073709551615", A2A_NUM_OK, UINT64_MAX, A2A_NUM_OVERFLOW, 0),
    ROW("00000000000000000000018446744073709551615", A2A_NUM_OK, UINT64_MAX, A2A_NUM_OVERFLOW, 0),
    ROW("18446744073709551614", A2A_NUM_OK, UINT64_MAX - 1, A2A_NUM_OVERFLOW, 0),
    ROW("18446744073709551616", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    ROW("18446744073709551620", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    ROW("18446744073709551700", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    ROW("19000000000000000000", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    ROW("99999999999999999999", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    ROW("184467440737095516150", A2A_NUM_OVERFLOW, 0, A2A_NUM_OVERFLOW, 0),
    /* i64 bounds */
    ROW("9223372036854775807", A2A_NUM_OK, 9223372036854775807ULL, A2A_NUM_OK, INT64_MAX),
    ROW("+9223372036854775807", A2A_NUM_OK, 9223372036854775807ULL, A2A_NUM_OK, INT64_MAX),
    ROW("9223372036854775808", A2A_NUM_OK, 9223372036854775808ULL, A2A_NUM_OVERFLOW, 0),
    ROW("-9223372036854775808", A2A_NUM_INVALID, 0, A2A_NUM_OK, INT64_MIN),
    ROW("-9223372036854775807", A2A_NUM_INVALID, 0, A2A_NUM_OK, -INT64_MAX),
    ROW("-00009223372036854775808", A2A_NUM_INVALID, 0, A2A_NUM_OK, INT64_MIN),
    ROW("-9223372036854775809", A2A_NUM_INVALID, 0, A2A_NUM_OVERFLOW, 0),
    ROW("-9223372036854775810", A2A_NUM_INVALID, 0, A2A_NUM_OVERFLOW, 0),
    ROW("-18446744073709551616", A2A_NUM_INVALID, 0, A2A_NUM_OVERFLOW, 0),
    /* a digit string that overflows and then stops being digits: an error either way */
    ROW("99999999999999999999x", ANY_ERR, 0, ANY_ERR, 0),
    ROW("1e400", ANY_ERR, 0, ANY_ERR, 0),
};

static const char *status_name(int st)
{
    switch (st) {
    case A2A_NUM_OK:
        return "OK";
    case A2A_NUM_EMPTY:
        return "EMPTY";
    case A2A_NUM_INVALID:
        return "INVALID";
    case A2A_NUM_OVERFLOW:
        return "OVERFLOW";
    default:
        return "any error";
    }
}

static int status_matches(int want, int got)
{
    return want == ANY_ERR ? got != A2A_NUM_OK : want == got;
}

/* Checks one input against both parsers; the string is passed by length, never by NUL. */
static void check_one(const char *label, const char *s, size_t len, const struct num_row *r)
{
    /* Poison the outputs: an OK must write the value, whatever was there. */
    uint64_t u = 0xdeadbeefULL;
    int64_t i = 0x5eadbeefLL;
    enum a2a_num_status su = a2a_parse_u64(s, len, &u);
    enum a2a_num_status si = a2a_parse_i64(s, len, &i);

    if (!status_matches(r->u_status, (int)su)) {
        fail_msg("%s: u64 status %s, want %s", label, status_name((int)su),
                 status_name(r->u_status));
    }
    if (r->u_status == A2A_NUM_OK && u != r->u_value) {
        fail_msg("%s: u64 value %llu, want %llu", label, (unsigned long long)u,
                 (unsigned long long)r->u_value);
    }
    if (!status_matches(r->i_status, (int)si)) {
        fail_msg("%s: i64 status %s, want %s", label, status_name((int)si),
                 status_name(r->i_status));
    }
    if (r->i_status == A2A_NUM_OK && i != r->i_value) {
        fail_msg("%s: i64 value %lld, want %lld", label, (long long)i, (long long)r->i_value);
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        const struct num_row *r = &rows[k];
        size_t len = r->len != 0 ? r->len : strlen(r->in);
        char label[96];
        char *copy;

        snprintf(label, sizeof(label), "row %zu \"%s\"", k, r->in);
        /* An exact-size heap copy: ASan catches any read past len. */
        copy = malloc(len > 0 ? len : 1);
        assert_non_null(copy);
        memcpy(copy, r->in, len);
        check_one(label, copy, len, r);
        free(copy);
    }
}

/* Only len bytes count: what follows (a digit, a NUL) is never read. */
static void test_length_bounds(void **state)
{
    static const struct num_row five = ROW("5", A2A_NUM_OK, 5, A2A_NUM_OK, 5);
    static const struct num_row invalid = ROW("", A2A_NUM_INVALID, 0, A2A_NUM_INVALID, 0);
    static const struct num_row empty = ROW("", A2A_NUM_EMPTY, 0, A2A_NUM_EMPTY, 0);
    uint64_t u = 0;

    (void)state;
    check_one("\"5\" of \"59\"", "59", 1, &five);
    check_one("\"1\\0\"", "1\0", 2, &invalid);
    check_one("empty prefix of \"7\"", "7", 0, &empty);
    check_one("\"\\0\"", "\0", 1, &invalid);
    check_one("\"+\\0\"", "+\0", 2, &invalid);
    assert_int_equal(a2a_parse_u64("123", 2, &u), A2A_NUM_OK);
    assert_int_equal(u, 12);
}

/* 10,000 digits: overflow (not a crash, not a wrap-around), and leading zeros are harmless. */
static void test_long_strings(void **state)
{
    enum { N = 10000 };
    char *s = malloc(N + 1);
    uint64_t u = 0;
    int64_t i = 0;

    (void)state;
    assert_non_null(s);

    memset(s, '1', N);
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OVERFLOW);
    assert_int_equal(a2a_parse_i64(s, N, &i), A2A_NUM_OVERFLOW);

    memset(s, '9', N);
    s[0] = '-';
    assert_int_equal(a2a_parse_i64(s, N, &i), A2A_NUM_OVERFLOW);
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_INVALID);

    /* 9,999 zeros then 5; and with a sign in front */
    memset(s, '0', N);
    s[N - 1] = '5';
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OK);
    assert_int_equal(u, 5);
    assert_int_equal(a2a_parse_i64(s, N, &i), A2A_NUM_OK);
    assert_int_equal(i, 5);
    s[0] = '-';
    assert_int_equal(a2a_parse_i64(s, N, &i), A2A_NUM_OK);
    assert_int_equal(i, -5);
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_INVALID);
    s[0] = '+';
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OK);
    assert_int_equal(u, 5);

    /* zeros then u64 max exactly; then one more digit */
    memset(s, '0', N);
    memcpy(s + N - 20, "18446744073709551615", 20);
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OK);
    assert_true(u == UINT64_MAX);
    memcpy(s + N - 21, "184467440737095516150", 21);
    assert_int_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OVERFLOW);

    /* a bad byte at the very end of a long run of digits */
    memset(s, '1', N);
    s[N - 1] = 'x';
    assert_int_not_equal(a2a_parse_u64(s, N, &u), A2A_NUM_OK);
    free(s);
}

/* Every u64 around the powers of ten and the 2^k boundaries survives a round trip. */
static void test_round_trip(void **state)
{
    char text[32];
    uint64_t values[128];
    size_t n = 0;
    uint64_t p = 1;

    (void)state;
    for (int k = 0; k < 20; k++) {
        values[n++] = p;
        values[n++] = p - 1;
        values[n++] = p + 1;
        if (k < 19) {
            p *= 10;
        }
    }
    for (int k = 0; k < 64; k += 7) {
        values[n++] = (uint64_t)1 << k;
    }
    values[n++] = UINT64_MAX;
    for (size_t k = 0; k < n; k++) {
        uint64_t u = ~values[k];
        int64_t i = 0;
        int len = snprintf(text, sizeof(text), "%llu", (unsigned long long)values[k]);

        assert_int_equal(a2a_parse_u64(text, (size_t)len, &u), A2A_NUM_OK);
        assert_true(u == values[k]);
        if (values[k] <= (uint64_t)INT64_MAX) {
            assert_int_equal(a2a_parse_i64(text, (size_t)len, &i), A2A_NUM_OK);
            assert_true(i == (int64_t)values[k]);
            len = snprintf(text, sizeof(text), "-%llu", (unsigned long long)values[k]);
            assert_int_equal(a2a_parse_i64(text, (size_t)len, &i), A2A_NUM_OK);
            assert_true(i == -(int64_t)values[k]);
        } else {
            assert_int_equal(a2a_parse_i64(text, (size_t)len, &i), A2A_NUM_OVERFLOW);
        }
    }
}

/*
 * Every byte value at every position of strings of 1..18 digits: the parser reads up to 18
 * digits eight at a time, so a non-digit in any lane, and every lane's weight, must show.
 */
static void test_every_byte_every_position(void **state)
{
    char s[19];
    uint64_t seed = 12345;

    (void)state;
    for (size_t len = 1; len <= 18; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (int b = 0; b < 256; b++) {
                uint64_t want = 0;
                uint64_t got = 0xdeadbeefULL;
                int64_t gi = 0;
                enum a2a_num_status st;

                for (size_t k = 0; k < len; k++) {
                    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                    s[k] = (char)('0' + (seed >> 33) % 10);
                }
                s[pos] = (char)b;
                for (size_t k = 0; k < len; k++) {
                    want = want * 10 + (uint64_t)(s[k] - '0');
                }
                st = a2a_parse_u64(s, len, &got);
                if (b >= '0' && b <= '9') {
                    assert_int_equal(st, A2A_NUM_OK);
                    assert_true(got == want);
                    assert_int_equal(a2a_parse_i64(s, len, &gi), A2A_NUM_OK);
                    assert_true((uint64_t)gi == want);
                } else if (!(pos == 0 && b == '+')) {
                    assert_int_equal(st, A2A_NUM_INVALID);
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_length_bounds),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_byte_every_position),
    };

    return cmocka_run_group_tests_name("number", tests, NULL, NULL);
}
