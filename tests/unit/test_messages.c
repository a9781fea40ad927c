/*
 * cli/messages.h: repeated per-record reasons are shown 5 times, then counted at most once a
 * second, with a final count; other messages are never held. The clock is injected and the
 * output captured, so every line and its timing is checked exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "messages.h"

static int64_t fake_ms;

static int64_t fake_now(void)
{
    return fake_ms;
}

struct capture {
    char *text;
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
    c->m.now_ms = fake_now;
    fake_ms = 1000000;
}

/* Everything written so far, NUL-terminated (owned by the capture). */
static const char *captured(struct capture *c)
{
    fflush(c->f);
    return c->text;
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->text);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        n += *s == '\n';
    }
    return n;
}

static void record_event(struct messages *m, enum a2a_log_level level, uint64_t position,
                         const char *message)
{
    struct a2a_log_event ev = {.level = level,
                               .target = A2A_TARGET_TRANSIENT,
                               .file = "in.json",
                               .position = position,
                               .seq = "7",
                               .seq_len = 1,
                               .message = message};

    messages_emit(m, &ev);
}

/* A SequenceNumber that bare could not be told apart is quoted; a usual one is not. */
static void test_seq_quoted_only_when_ambiguous(void **state)
{
    struct capture c;
    const char *seqs[] = {"111", "", "9) (seq 8", "a\"b"};

    (void)state;
    capture_open(&c, 0);
    for (size_t i = 0; i < 4; i++) {
        struct a2a_log_event ev = {.level = A2A_LOG_ERROR,
                                   .target = A2A_TARGET_PARSE_ERROR,
                                   .file = "in.json",
                                   .position = i + 1,
                                   .seq = seqs[i],
                                   .seq_len = strlen(seqs[i]),
                                   .message = "bad"};
        messages_emit(&c.m, &ev);
    }
    assert_string_equal(captured(&c), "a2a-recover: in.json: record 1 (seq 111): bad\n"
                                      "a2a-recover: in.json: record 2 (seq \"\"): bad\n"
                                      "a2a-recover: in.json: record 3 (seq \"9) (seq 8\"): bad\n"
                                      "a2a-recover: in.json: record 4 (seq a\\\"b): bad\n");
    capture_close(&c);
}

/* A record without SequenceNumber: only its lines name it, so none is held. */
static void test_no_seq_record_lines_never_held(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, 0);
    for (uint64_t i = 1; i <= 8; i++) {
        struct a2a_log_event ev = {.level = A2A_LOG_ERROR,
                                   .target = A2A_TARGET_PARSE_ERROR,
                                   .file = "in.json",
                                   .position = i,
                                   .message = "NEW_IMAGE missing required attribute taskId"};
        messages_emit(&c.m, &ev);
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 8);
    assert_non_null(strstr(captured(&c), "record 8: NEW_IMAGE missing required attribute"));
    capture_close(&c);
}

static void test_five_then_counted(void **state)
{
    struct capture c;
    char msg[128];

    (void)state;
    capture_open(&c, 0);
    for (uint64_t i = 1; i <= 176; i++) {
        /* libcurl's text differs by its timing only: the same reason */
        snprintf(msg, sizeof(msg), "connection refused after %llu ms", (unsigned long long)(i % 3));
        record_event(&c.m, A2A_LOG_WARN, i, msg);
    }
    /* All within the same millisecond: 5 lines, nothing counted yet. */
    assert_int_equal(count_lines(captured(&c)), 5);
    assert_non_null(
        strstr(captured(&c), "record 5 (seq 7): warning: connection refused after 2 ms\n"));
    assert_null(strstr(captured(&c), "record 6 "));
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 6);
    assert_non_null(strstr(captured(&c),
                           "a2a-recover: in.json: warning: ... and 171 more: connection "
                           "refused after 1 ms (176 in all)\n"));
    capture_close(&c);
}

static void test_one_count_line_per_second(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, 0);
    for (uint64_t i = 1; i <= 5; i++) {
        record_event(&c.m, A2A_LOG_ERROR, i, "bad record");
    }
    /* 10 more over 999 ms: held; the next, a second after the 5th line, is counted. */
    for (uint64_t i = 6; i <= 15; i++) {
        fake_ms += 99;
        record_event(&c.m, A2A_LOG_ERROR, i, "bad record");
    }
    assert_int_equal(count_lines(captured(&c)), 5);
    fake_ms += 10;
    record_event(&c.m, A2A_LOG_ERROR, 16, "bad record");
    assert_int_equal(count_lines(captured(&c)), 6);
    assert_non_null(strstr(captured(&c), "a2a-recover: in.json: ... and 11 more: bad record\n"));
    /* The next second starts from that line. */
    fake_ms += 999;
    record_event(&c.m, A2A_LOG_ERROR, 17, "bad record");
    assert_int_equal(count_lines(captured(&c)), 6);
    fake_ms += 1;
    record_event(&c.m, A2A_LOG_ERROR, 18, "bad record");
    assert_non_null(strstr(captured(&c), "... and 2 more: bad record\n"));
    /* Nothing held at the end: the final count still gives the total. */
    messages_finish(&c.m);
    assert_non_null(strstr(captured(&c), "... 18 in all: bad record\n"));
    assert_int_equal(count_lines(captured(&c)), 8);
    capture_close(&c);
}

/* -q: five lines of a reason, then one count at the end, not one a second (review 66). */
static void test_quiet_counts_at_the_end(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, -1);
    for (uint64_t i = 1; i <= 60; i++) {
        fake_ms += 1000;
        record_event(&c.m, A2A_LOG_ERROR, i, "bad record");
    }
    assert_int_equal(count_lines(captured(&c)), 5);
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 6);
    assert_non_null(strstr(captured(&c), "... and 55 more: bad record (60 in all)\n"));
    capture_close(&c);
}

static void test_reasons_counted_apart(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, -1);
    for (uint64_t i = 1; i <= 40; i++) {
        record_event(&c.m, A2A_LOG_ERROR, i, i % 2 ? "HTTP 400 bad" : "missing owner");
        record_event(&c.m, A2A_LOG_WARN, i, "dropped by -q"); /* -q: not shown, not counted */
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 12);
    /* the first message of a reason is the one quoted */
    assert_non_null(strstr(captured(&c), "... and 15 more: HTTP 400 bad (20 in all)\n"));
    assert_non_null(strstr(captured(&c), "... and 15 more: missing owner (20 in all)\n"));
    assert_null(strstr(captured(&c), "dropped"));
    capture_close(&c);
}

/* An HTTP status is part of the reason: 429s are not counted as 500s (numbers elsewhere are). */
static void test_http_status_counted_apart(void **state)
{
    static const char *const statuses[] = {"500", "503", "429"};
    struct capture c;
    char msg[128];

    (void)state;
    capture_open(&c, -1);
    for (uint64_t i = 1; i <= 30; i++) {
        snprintf(msg, sizeof(msg), "transient failure after %llu ms: HTTP %s {\"error\":\"x\"}",
                 (unsigned long long)i, statuses[i % 3]);
        record_event(&c.m, A2A_LOG_ERROR, i, msg);
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 18);
    assert_non_null(strstr(captured(&c), "... and 5 more: transient failure after 3 ms: HTTP 500 "
                                         "{\"error\":\"x\"} (10 in all)\n"));
    assert_non_null(strstr(captured(&c), "... and 5 more: transient failure after 1 ms: HTTP 503 "
                                         "{\"error\":\"x\"} (10 in all)\n"));
    assert_non_null(strstr(captured(&c), "... and 5 more: transient failure after 2 ms: HTTP 429 "
                                         "{\"error\":\"x\"} (10 in all)\n"));
    capture_close(&c);
}

static void test_run_messages_never_held(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, 0);
    for (int i = 0; i < 10; i++) {
        msg_error(&c.m, "the same run message");    /* not about a record */
        record_event(&c.m, A2A_LOG_DEBUG, 1, "-v"); /* not shown at verbosity 0 */
    }
    c.m.verbosity = 1;
    for (uint64_t i = 1; i <= 10; i++) {
        record_event(&c.m, A2A_LOG_DEBUG, i, "acknowledged"); /* -v: one line per record */
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 20);
    capture_close(&c);
}

/* Warnings about no record, the same each time (a Streams call's retries), fold alike. */
static void test_record_less_warnings_fold(void **state)
{
    struct capture c;
    char msg[128];

    (void)state;
    capture_open(&c, 0);
    for (int i = 0; i < 57; i++) {
        struct a2a_log_event ev = {
            .level = A2A_LOG_WARN, .target = A2A_TARGET_RECOVER, .message = msg};
        snprintf(msg, sizeof(msg),
                 "stream S: GetRecords: InternalServerError; attempt 2 of 11 in "
                 "%d ms",
                 200 + i);
        messages_emit(&c.m, &ev);
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 6);
    assert_non_null(strstr(captured(&c), "a2a-recover: warning: ... and 52 more: stream S: "
                                         "GetRecords: InternalServerError; attempt 2 of 11 in "
                                         "200 ms (57 in all)\n"));
    capture_close(&c);
}

/* A file name is bytes: in text, its control bytes are escaped, one message one line. */
static void test_text_escapes_control_bytes(void **state)
{
    struct capture c;
    struct a2a_log_event ev = {.level = A2A_LOG_ERROR,
                               .target = A2A_TARGET_TRANSIENT,
                               .file = "new\nline\x1b[31m.json",
                               .position = 3,
                               .message = "--report a\tb\r: cannot create"};

    (void)state;
    capture_open(&c, 0);
    messages_emit(&c.m, &ev);
    msg_error(&c.m, "%s: cannot open", "x\x7fy");
    assert_string_equal(captured(&c), "a2a-recover: new\\nline\\x1b[31m.json: record 3: --report "
                                      "a\\tb\\r: cannot create\n"
                                      "a2a-recover: x\\x7fy: cannot open\n");
    capture_close(&c);
}

static void test_json_count_line(void **state)
{
    struct capture c;

    (void)state;
    capture_open(&c, 0);
    c.m.format = LOG_JSON;
    for (uint64_t i = 1; i <= 7; i++) {
        record_event(&c.m, A2A_LOG_WARN, i, "refused");
    }
    messages_finish(&c.m);
    assert_int_equal(count_lines(captured(&c)), 6);
    assert_non_null(strstr(captured(&c),
                           "{\"level\":\"WARN\",\"target\":\"" A2A_TARGET_TRANSIENT
                           "\",\"file\":\"in.json\",\"message\":\"... and 2 more: refused (7 in "
                           "all)\"}\n"));
    capture_close(&c);
}

/* A count line names the input of the lines it holds, as they would have; or counts them. */
static void test_count_line_names_its_input(void **state)
{
    struct capture c;
    struct a2a_log_event ev = {.level = A2A_LOG_ERROR,
                               .target = A2A_TARGET_TRANSIENT,
                               .seq = "7",
                               .seq_len = 1,
                               .message = "bad record"};
    static const char *const inputs[] = {"a.json", "b.json", "b.json", NULL};

    (void)state;
    capture_open(&c, 0);
    for (uint64_t i = 1; i <= 8; i++) {
        ev.file = "a.json";
        ev.position = i;
        messages_emit(&c.m, &ev); /* 5 shown, 3 held, all of a.json */
    }
    fake_ms += 1000;
    ev.position = 9;
    messages_emit(&c.m, &ev);
    assert_non_null(strstr(captured(&c), "a2a-recover: a.json: ... and 4 more: bad record\n"));
    /* held from a.json then b.json: counted, not named as one of them */
    for (uint64_t i = 1; i <= 3; i++) {
        ev.file = inputs[i - 1];
        ev.position = i;
        messages_emit(&c.m, &ev);
    }
    fake_ms += 1000;
    ev.position = 4;
    messages_emit(&c.m, &ev);
    assert_non_null(
        strstr(captured(&c), "a2a-recover: ... and 4 more from 2 inputs: bad record\n"));
    /* one held line with no input name: the line names none, and counts none */
    ev.file = inputs[3];
    ev.position = 5;
    messages_emit(&c.m, &ev);
    messages_finish(&c.m);
    assert_non_null(
        strstr(captured(&c), "\na2a-recover: ... and 1 more: bad record (14 in all)\n"));
    capture_close(&c);
}

/* A record of a redriven message names the message (its file is a stream page), text and JSON. */
static void test_record_of_a_message_names_it(void **state)
{
    struct capture c;
    struct a2a_log_event ev = {.level = A2A_LOG_WARN,
                               .target = A2A_TARGET_TRANSIENT,
                               .file = "stream ARN shard S page 1",
                               .position = 4,
                               .seq = "7",
                               .seq_len = 1,
                               .message = "busy",
                               .input_message = 2};

    (void)state;
    capture_open(&c, 0);
    messages_emit(&c.m, &ev);
    c.m.format = LOG_JSON;
    messages_emit(&c.m, &ev);
    ev.input_message = 0;
    messages_emit(&c.m, &ev);
    assert_string_equal(captured(&c),
                        "a2a-recover: stream ARN shard S page 1: record 4 (seq 7), for message 2: "
                        "warning: busy\n"
                        "{\"level\":\"WARN\",\"target\":\"" A2A_TARGET_TRANSIENT
                        "\",\"file\":\"stream ARN shard S page 1\",\"record\":4,"
                        "\"sequence_number\":\"7\",\"input_message\":2,\"message\":\"busy\"}\n"
                        "{\"level\":\"WARN\",\"target\":\"" A2A_TARGET_TRANSIENT
                        "\",\"file\":\"stream ARN shard S page 1\",\"record\":4,"
                        "\"sequence_number\":\"7\",\"message\":\"busy\"}\n");
    capture_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_then_counted),
        cmocka_unit_test(test_one_count_line_per_second),
        cmocka_unit_test(test_quiet_counts_at_the_end),
        cmocka_unit_test(test_reasons_counted_apart),
        cmocka_unit_test(test_http_status_counted_apart),
        cmocka_unit_test(test_run_messages_never_held),
        cmocka_unit_test(test_record_less_warnings_fold),
        cmocka_unit_test(test_json_count_line),
        cmocka_unit_test(test_text_escapes_control_bytes),
        cmocka_unit_test(test_no_seq_record_lines_never_held),
        cmocka_unit_test(test_seq_quoted_only_when_ambiguous),
        cmocka_unit_test(test_record_of_a_message_names_it),
        cmocka_unit_test(test_count_line_names_its_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
