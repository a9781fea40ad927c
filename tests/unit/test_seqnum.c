/*
 * seqnum.h: which strings are sequence numbers, and their order as big integers. Rows that
 * would come out wrong through a double or a u64 are there on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

#include "seqnum.h"

struct valid_row {
    const char *in;
    size_t len; /* 0: strlen(in) */
    int want;
};

static const struct valid_row valid_rows[] = {
    {"100000000000000000001", 0, 1},                    /* 21 digits */
    {"000000000000000000000", 0, 1},                    /* zeros are digits */
    {"1234567890123456789012345678901234567890", 0, 1}, /* 40 */
    {"800000000003126276362", 0, 1},
    {"10000000000000000000", 0, 0},                      /* 20 */
    {"12345678901234567890123456789012345678901", 0, 0}, /* 41 */
    {"", 0, 0},
    {"+00000000000000000001", 0, 0},
    {"-00000000000000000001", 0, 0},
    {"10000000000000000000 1", 0, 0},
    {" 100000000000000000001", 0, 0},
    {"100000000000000000001 ", 0, 0},
    {"1000000000000000000.01", 0, 0},
    {"1e+000000000000000000020", 0, 0},
    {"10000000000000000000a1", 0, 0},
    {"10000000000000000000/1", 0, 0}, /* '0' - 1 */
    {"10000000000000000000:1", 0, 0}, /* '9' + 1 */
    {"100000000000000000001\n", 0, 0},
    {"100000000000000000001\0"
     "2",
     23, 0}, /* a NUL inside */
    {"\xef\xbc\x91"
     "00000000000000000001",
     0, 0}, /* FULLWIDTH DIGIT ONE */
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid_rows) / sizeof(valid_rows[0]); i++) {
        const struct valid_row *r = &valid_rows[i];
        size_t len = r->len != 0 ? r->len : strlen(r->in);
        int got = a2a_seqnum_valid(r->in, len);
        if (got != r->want) {
            row_fail("valid(\"%s\") = %d, want %d", show_bytes(r->in, len), got, r->want);
        }
        if (r->len == 0 && a2a_seqnum_valid_str(r->in) != r->want) {
            row_fail("valid_str(\"%s\") disagrees", r->in);
        }
    }
    if (a2a_seqnum_valid_str(NULL) != 0 || a2a_seqnum_valid(NULL, 21) != 0) {
        row_fail("NULL must not be valid");
    }
    rows_done();
}

struct cmp_row {
    const char *a;
    const char *b;
    int want; /* -1, 0, 1 */
};

static const struct cmp_row cmp_rows[] = {
    {"100000000000000000001", "100000000000000000001", 0},
    {"100000000000000000001", "100000000000000000002", -1},
    {"100000000000000000002", "100000000000000000001", 1},
    /* longer is larger, whatever the first bytes say */
    {"900000000000000000000", "1000000000000000000000", -1},
    {"1000000000000000000000", "999999999999999999999", 1},
    /* leading zeros carry no value */
    {"0100000000000000000001", "100000000000000000001", 0},
    {"000000000000000000009", "9", 0},
    {"000000000000000000010", "000000000000000000009", 1},
    {"0000000000000000000000", "0", 0},
    {"0", "000000000000000000001", -1},
    /* a double has 53 bits: these differ only past its precision */
    {"800000000003126276362", "800000000003126276363", -1},
    {"800000000003126276363", "800000000003126276362", 1},
    {"123456789012345678901234567890123456789", "123456789012345678901234567890123456788", 1},
    /* past u64: 18446744073709551616 wraps to 0 in a u64 */
    {"18446744073709551616", "1", 1},
    {"18446744073709551615", "18446744073709551616", -1},
    {"4000000000000000000000000000000000000000", "3999999999999999999999999999999999999999", 1},
    {"9999999999999999999999999999999999999999", "9999999999999999999999999999999999999999", 0},
};

static int sign(int v)
{
    return v < 0 ? -1 : v > 0 ? 1 : 0;
}

static void test_cmp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cmp_rows) / sizeof(cmp_rows[0]); i++) {
        const struct cmp_row *r = &cmp_rows[i];
        int got = sign(a2a_seqnum_cmp(r->a, strlen(r->a), r->b, strlen(r->b)));
        int back = sign(a2a_seqnum_cmp_str(r->b, r->a));
        if (got != r->want) {
            row_fail("cmp(%s, %s) = %d, want %d", r->a, r->b, got, r->want);
        }
        if (back != -r->want) {
            row_fail("cmp(%s, %s) = %d, want %d (swapped)", r->b, r->a, back, -r->want);
        }
    }
    rows_done();
}

/* The length given is what counts, not a NUL further on. */
static void test_cmp_lengths(void **state)
{
    const char *s = "1000000000000000000000999";

    (void)state;
    assert_int_equal(a2a_seqnum_cmp(s, 22, "1000000000000000000000", 22), 0);
    assert_true(a2a_seqnum_cmp(s, 23, "1000000000000000000000", 22) > 0);
    assert_true(a2a_seqnum_cmp(s, 21, "1000000000000000000000", 22) < 0);
}

struct before_row {
    const char *in;
    const char *want; /* NULL: -1 */
};

static const struct before_row before_rows[] = {
    {"100000000000000000002", "100000000000000000001"},
    /* borrows run through every trailing zero; the width stays, so the result is a
       sequence number of 21 to 40 digits whenever s is one */
    {"100000000000000000000", "099999999999999999999"},
    {"000000000000000000004", "000000000000000000003"},
    {"800000000003126276360", "800000000003126276359"},
    {"1000000000000000000000000000000000000000", "0999999999999999999999999999999999999999"},
    {"9999999999999999999999999999999999999999", "9999999999999999999999999999999999999998"},
    /* past a double's precision and past u64 */
    {"800000000003126276363", "800000000003126276362"},
    {"18446744073709551616", "18446744073709551615"},
    {"1", "0"},
    {"10", "09"},
    {"0010", "0009"},
    {"0", NULL},
    {"000", NULL},
    {"", NULL},
    {"12a", NULL},
    {"-1", NULL},
};

static void test_before(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(before_rows) / sizeof(before_rows[0]); i++) {
        const struct before_row *r = &before_rows[i];
        char out[A2A_SEQNUM_MAX_DIGITS + 1] = "x";
        int got = a2a_seqnum_before(r->in, out, sizeof(out));
        if (r->want == NULL ? got != -1 || out[0] != '\0' : got != 0 || strcmp(out, r->want) != 0) {
            row_fail("before(\"%s\") = %d \"%s\", want %s", r->in, got, out,
                     r->want != NULL ? r->want : "-1");
        }
    }
    {
        char small[3] = "x";
        if (a2a_seqnum_before("100", small, sizeof(small)) != -1 || small[0] != '\0') {
            row_fail("before() wrote past a buffer too small");
        }
    }
    if (a2a_seqnum_before(NULL, (char[4]){0}, 4) != -1) {
        row_fail("before(NULL) must fail");
    }
    rows_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_cmp_lengths),
        cmocka_unit_test(test_before),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
