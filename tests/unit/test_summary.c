/*
 * cli/summary.h: the summary line and --summary-json say INCOMPLETE / complete:false when any
 * input was left unread (a stream range not read in full included), -q hides only a complete
 * summary, and no rate is made up when no time was measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "summary.h"

struct capture {
    char *text; /* owned by the stream until capture_close() */
    size_t len;
    FILE *f;
    struct messages m;
};

static void capture_open(struct capture *c, int verbosity)
{
    memset(c, 0, sizeof(*c));
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    c->m.format = LOG_TEXT;
    c->m.verbosity = verbosity;
    c->m.out = c->f;
}

static const char *captured(struct capture *c)
{
    fflush(c->f);
    return c->text != NULL ? c->text : "";
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->text);
}

static void stats_init(struct a2a_run_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->records = 8;
    st->skipped = 8;
    st->elapsed_ms = 2000;
}

static void test_quiet_keeps_incomplete_line(void **state)
{
    struct capture c;
    struct a2a_run_stats st;

    (void)state;
    stats_init(&st);
    capture_open(&c, -1);
    summary_print(&c.m, &st, NULL, 0, "");
    assert_string_equal(captured(&c), ""); /* complete: -q hides it */
    st.input_error = 1;
    summary_print(&c.m, &st, NULL, 0, "");
    assert_string_equal(captured(&c), "a2a-recover: INCOMPLETE: 8 records: 8 skipped, 0 "
                                      "acknowledged (0 task deleted), 0 failed, 0 "
                                      "unreportable; 2.000 s, 4 records/s\n");
    capture_close(&c);
}

static void test_unreadable_range_is_incomplete(void **state)
{
    struct capture c;
    struct a2a_run_stats st;
    struct summary_ranges stream = {2, 1};

    (void)state;
    stats_init(&st);
    capture_open(&c, 0);
    summary_print(&c.m, &st, &stream, 0, "");
    assert_non_null(strstr(captured(&c), "a2a-recover: INCOMPLETE: 8 records"));
    capture_close(&c);
    stats_init(&st);
    st.ranges_read = 3;
    st.ranges_unreadable = 1;
    capture_open(&c, 0);
    summary_print(&c.m, &st, NULL, 0, "");
    assert_non_null(strstr(captured(&c), "a2a-recover: INCOMPLETE: 8 records"));
    capture_close(&c);
}

static void test_json_counts_ranges_and_messages(void **state)
{
    struct capture c;
    struct a2a_run_stats st;
    struct summary_ranges stream = {2, 1};
    const char *const unwritten[] = {"-o", "--report"};
    struct summary_after after = {NULL, NULL, unwritten, 2};

    (void)state;
    stats_init(&st);
    st.ranges_read = 3;
    st.messages = 5;
    st.messages_acked = 4;
    st.message_errors = 1;
    st.messages_cut = 7;
    st.messages_records_failed = 6;
    st.duplicates = 2;
    st.warnings = 3;
    capture_open(&c, 0);
    assert_int_equal(summary_write_json(c.f, &st, NULL, 0, 0, NULL), 0);
    assert_non_null(strstr(captured(&c), "{\"complete\":true,"));
    assert_non_null(strstr(captured(&c), ",\"rangesRead\":3,\"rangesUnreadable\":0,\"messages\":5,"
                                         "\"messagesAcked\":4,\"messageErrors\":1,"
                                         "\"messagesNotFinished\":7,\"messagesRecordsFailed\":6,"
                                         "\"duplicates\":2,"
                                         "\"warnings\":3,"));
    capture_close(&c);
    capture_open(&c, 0);
    assert_int_equal(summary_write_json(c.f, &st, &stream, 0, 6, NULL), 0);
    assert_non_null(strstr(captured(&c), "{\"complete\":false,"));
    assert_non_null(strstr(captured(&c), ",\"rangesRead\":5,\"rangesUnreadable\":1,"));
    assert_non_null(strstr(captured(&c), ",\"readAgain\":[],\"outputsNotWritten\":[]}\n"));
    capture_close(&c);
    capture_open(&c, 0);
    assert_int_equal(summary_write_json(c.f, &st, NULL, 0, 7, &after), 0);
    assert_non_null(strstr(captured(&c), ",\"outputsNotWritten\":[\"-o\",\"--report\"]}\n"));
    capture_close(&c);
}

/*
 * No rate without time to divide by, nor without records: "0 records/s" would read as a stall,
 * not as an empty input; and a slow rate keeps its digits.
 */
static void test_rate_only_when_it_says_something(void **state)
{
    struct capture c;
    struct a2a_run_stats st;

    (void)state;
    stats_init(&st);
    st.elapsed_ms = 0;
    capture_open(&c, 0);
    summary_print(&c.m, &st, NULL, 1, "");
    st.elapsed_ms = 2000;
    st.records = 0;
    st.skipped = 0;
    summary_print(&c.m, &st, NULL, 0, "");
    st.elapsed_ms = 10060; /* a slow stream: 2 records in 10 s are 0.2 records/s, not 0 */
    st.records = 2;
    st.skipped = 2;
    summary_print(&c.m, &st, NULL, 0, "");
    assert_string_equal(captured(&c), "a2a-recover: dry run: 8 records: 8 skipped, 0 would "
                                      "dispatch, 0 failed, 0 unreportable; 0.000 s\n"
                                      "a2a-recover: 0 records: 0 skipped, 0 acknowledged (0 task "
                                      "deleted), 0 failed, 0 unreportable; 2.000 s\n"
                                      "a2a-recover: 2 records: 2 skipped, 0 acknowledged (0 task "
                                      "deleted), 0 failed, 0 unreportable; 10.060 s, 0.2 "
                                      "records/s\n");
    capture_close(&c);
}

/* Calls made again are why a run took longer than its records say: the line counts them. */
static void test_retries_counted_when_there_were_any(void **state)
{
    struct capture c;
    struct a2a_run_stats st;

    (void)state;
    stats_init(&st);
    capture_open(&c, 0);
    st.retries = 1;
    summary_print(&c.m, &st, NULL, 0, "");
    st.retries = 12;
    summary_print(&c.m, &st, NULL, 0, "");
    assert_string_equal(captured(&c), "a2a-recover: 8 records: 8 skipped, 0 acknowledged (0 task "
                                      "deleted), 0 failed, 0 unreportable; 1 retry; 2.000 s, 4 "
                                      "records/s\n"
                                      "a2a-recover: 8 records: 8 skipped, 0 acknowledged (0 task "
                                      "deleted), 0 failed, 0 unreportable; 12 retries; 2.000 s, 4 "
                                      "records/s\n");
    capture_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quiet_keeps_incomplete_line),
        cmocka_unit_test(test_unreadable_range_is_incomplete),
        cmocka_unit_test(test_json_counts_ranges_and_messages),
        cmocka_unit_test(test_rate_only_when_it_says_something),
        cmocka_unit_test(test_retries_counted_when_there_were_any),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
