/*
 * jsonview.h's skipper: where an object or array that comes in pieces ends. It measures a
 * record that outgrew --max-record-size, so that the continuation's limit holds it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jsonview.h"

/* The value's length as the skipper finds it, fed in pieces of `piece` bytes; 0: no end. */
static size_t skip_in_pieces(const char *text, size_t piece)
{
    struct a2a_jv_skip s = {0};
    size_t len = strlen(text);
    size_t taken = 0;

    for (size_t at = 0; at < len && !s.ended; at += piece) {
        size_t n = len - at < piece ? len - at : piece;
        taken += a2a_jv_skip_feed(&s, text + at, n);
    }
    if (s.ended) {
        assert_int_equal(a2a_jv_skip_feed(&s, "}", 1), 0); /* nothing past its end */
    }
    return s.ended ? taken : 0;
}

static void test_ends_where_the_value_ends_in_any_pieces(void **state)
{
    static const struct {
        const char *text;
        size_t value_len;
    } rows[] = {
        {"{}", 2},
        {"[] trailing", 2},
        {"{\"a\":[1,{\"b\":2}]}\n{\"next\":1}", 17},
        {"{\"s\":\"}]\\\"}\"}x", 13}, /* brackets and an escaped quote in a string */
        {"{\"s\":\"\\\\\"}x", 10},    /* an escaped backslash ends the string */
        {"[\"\\\\\\\"]\"]x", 9},      /* \\ then \" inside one string */
        {"{\"deep\":[[[[[[[[[[]]]]]]]]]]}", 29},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        for (size_t piece = 1; piece <= strlen(rows[i].text); piece++) {
            assert_int_equal(skip_in_pieces(rows[i].text, piece), rows[i].value_len);
        }
    }
}

static void test_no_end_while_the_value_goes_on(void **state)
{
    (void)state;
    assert_int_equal(skip_in_pieces("{\"a\":[1,2", 3), 0);
    assert_int_equal(skip_in_pieces("{\"s\":\"}}}}", 1), 0); /* inside a string */
    assert_int_equal(skip_in_pieces("[[]", 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ends_where_the_value_ends_in_any_pieces),
        cmocka_unit_test(test_no_end_while_the_value_goes_on),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
