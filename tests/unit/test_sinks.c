/*
 * The response's list of failures: in input order, byte for byte, whether it stays in memory
 * or most of it waits in the spill file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "response.h"
#include "sinks.h"

/* Adds count results, every third one acknowledged (not listed); seq i is 21 digits. */
static void add_results(struct a2a_response *resp, size_t count)
{
    char seq[32];

    for (size_t i = 0; i < count; i++) {
        struct a2a_result res;

        memset(&res, 0, sizeof(res));
        snprintf(seq, sizeof(seq), "%021zu", i);
        res.position = i + 1;
        res.has_seq = 1;
        res.seq = (struct a2a_str){seq, strlen(seq)};
        res.outcome = i % 3 == 2 ? A2A_OUT_ACKNOWLEDGED : A2A_OUT_PARSE_ERROR;
        assert_int_equal(a2a_response_add(resp, &res), 0);
    }
}

/* The response line built independently of the sink. */
static char *expected(size_t count)
{
    size_t cap = 64 + count * 48;
    char *text = malloc(cap);
    size_t len;
    int first = 1;

    assert_non_null(text);
    len = (size_t)snprintf(text, cap, "{\"batchItemFailures\":[");
    for (size_t i = 0; i < count; i++) {
        if (i % 3 == 2) {
            continue;
        }
        len += (size_t)snprintf(text + len, cap - len, "%s{\"itemIdentifier\":\"%021zu\"}",
                                first ? "" : ",", i);
        first = 0;
    }
    snprintf(text + len, cap - len, "]}\n");
    return text;
}

static void check_count(size_t count, int spilled)
{
    struct a2a_response resp;
    char *text;
    char *want;

    memset(&resp, 0, sizeof(resp));
    add_results(&resp, count);
    assert_int_equal(resp.spill != NULL, spilled);
    assert_int_equal(resp.spilled > 0, spilled);
    assert_int_equal(resp.spill_broken, 0);
    assert_true(resp.items.len <= A2A_RESPONSE_HELD + 64);
    text = response_text(&resp);
    want = expected(count);
    assert_string_equal(text, want);
    free(text);
    free(want);
    a2a_response_free(&resp);
    assert_null(resp.spill);
    assert_int_equal(resp.count, 0);
}

static void test_empty_response(void **state)
{
    (void)state;
    check_count(0, 0);
}

static void test_few_failures_stay_in_memory(void **state)
{
    (void)state;
    check_count(100, 0);
}

/* 200,000 of 300,000 fail: 8 MB of entries, all but the newest A2A_RESPONSE_HELD bytes spill. */
static void test_many_failures_spill_in_order(void **state)
{
    (void)state;
    check_count(300000, 1);
}

/* A spill file that cannot be written (open for reading only): every entry stays in memory. */
static void test_unwritable_spill_keeps_entries_in_memory(void **state)
{
    struct a2a_response resp;
    char *text;
    char *want;

    (void)state;
    memset(&resp, 0, sizeof(resp));
    resp.spill = fopen("/dev/null", "r");
    assert_non_null(resp.spill);
    add_results(&resp, 30000);
    assert_int_equal(resp.spill_broken, 1);
    assert_int_equal(resp.spilled, 0);
    assert_true(resp.items.len > A2A_RESPONSE_HELD);
    text = response_text(&resp);
    want = expected(30000);
    assert_string_equal(text, want);
    free(text);
    free(want);
    a2a_response_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_response),
        cmocka_unit_test(test_few_failures_stay_in_memory),
        cmocka_unit_test(test_many_failures_spill_in_order),
        cmocka_unit_test(test_unwritable_spill_keeps_entries_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
