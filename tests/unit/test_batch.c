/*
 * batch.h: a2a_run in dry-run mode over a batch with every kind of damage. The response line,
 * the counters, the per-record results (in input order) and the log events must all agree.
 * Inputs are written with ' standing for " (q() swaps them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

#include "batch.h"
#include "response.h"

#define MEM_NAME "batch.json"
#define IMAGE_OK                                                                                   \
    "'tenant':{'S':'acme'},'taskId':{'S':'t-1'},'owner':{'S':'o'},'eventSequence':{'N':'1'},"      \
    "'recordedAtMicros':{'N':'2'}"
#define INSERT_SEQ(seq, image)                                                                     \
    "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'" seq "','NewImage':{" image "}}}"
#define SEQ40 "1234567890123456789012345678901234567890"

/* One record of the batch: its text and what must become of it. */
struct batch_row {
    const char *text;
    const char *outcome; /* a2a_outcome_name() */
    const char *seq;     /* NULL: no SequenceNumber */
    const char *reason;  /* NULL: not checked */
};

/*
 * The damaged batch, in input order; build_batch() lays the documents out around the rows.
 */
static const struct batch_row batch_rows[] = {
    /* 1 */ {"{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'1001','NewImage':{}}}", "skipped",
             "1001", NULL},
    /* 2 */ {INSERT_SEQ("1002", IMAGE_OK), "would_dispatch", "1002", NULL},
    /* 3 */
    {INSERT_SEQ("1003", "'tenant':{'S':'acme'},'taskId':{'S':'t-1'},'owner':{'S':'o'},"
                        "'eventSequence':{'N':'1e3'},'recordedAtMicros':{'N':'2'}"),
     "parse_error", "1003",
     "NEW_IMAGE attribute eventSequence = \"1e3\" is not a valid unsigned 64-bit number"},
    /* 4 */
    {"{'eventName':'INSERT','dynamodb':{'NewImage':{'taskId':{'S':'t'}}}}", "parse_error", NULL,
     "NEW_IMAGE missing required attribute tenant"},
    /* 5: a duplicate of 3 fails again, and is listed again */
    {INSERT_SEQ("1003", "'tenant':{'S':'acme'},'taskId':{'S':'t-1'},'owner':{'S':'o'},"
                        "'eventSequence':{'N':'1e3'},'recordedAtMicros':{'N':'2'}"),
     "parse_error", "1003", NULL},
    /* 6 */
    {"{'eventName':5,'dynamodb':{'SequenceNumber':'1006'}}", "parse_error", "1006",
     "record envelope: eventName is not a string"},
    /* 7 */ {"42", "parse_error", NULL, "record envelope: the record is not a JSON object"},
    /* 8 */
    {"{'eventName':'REMOVE','dynamodb':{'SequenceNumber':'1008','NewImage':'garbage'}}", "skipped",
     "1008", NULL},
    /* 9 */
    {"{'eventName':'INSERT','dynamodb':{'SequenceNumber':null,'NewImage':{" IMAGE_OK "}}}",
     "would_dispatch", NULL, NULL},
    /* 10 */
    {"{'eventName':'INSERT','dynamodb':'x'}", "parse_error", NULL,
     "record envelope: dynamodb is not an object"},
    /* 11 */
    {"{'eventName':'INSERT','dynamodb':{'SequenceNumber':1011,'NewImage':{" IMAGE_OK "}}}",
     "parse_error", NULL, "record envelope: dynamodb.SequenceNumber is neither a string nor null"},
    /* 12 */
    {INSERT_SEQ(SEQ40, "'tenant':{'S':'a\\u0000'},'taskId':{'S':'t-1'},'owner':{'S':'o'},"
                       "'eventSequence':{'N':'1'},'recordedAtMicros':{'N':'2'}"),
     "parse_error", SEQ40,
     "NEW_IMAGE attribute tenant contains U+0000, which cannot be carried exactly"},
    /* 13 */
    {"{'eventName':'INSERT','eventName':'INSERT','dynamodb':{'SequenceNumber':'1013','NewImage':"
     "{" IMAGE_OK "}}}",
     "parse_error", "1013", "record has \"eventName\" twice"},
    /* 14 */ {"null", "parse_error", NULL, NULL},
    /* 15 */ {"[]", "parse_error", NULL, NULL},
    /* 16: a duplicate of 2 is dispatched again (the endpoint is idempotent) */
    {INSERT_SEQ("1002", IMAGE_OK), "would_dispatch", "1002", NULL},
    /* 17: the identifier is echoed decoded */
    {INSERT_SEQ("10\\u00317", "'tenant':{'S':'acme'},'taskId':{'N':'1'}"), "parse_error", "1017",
     "NEW_IMAGE attribute taskId has wrong type (expected S)"},
    /* 18, 19: NDJSON after the event */
    {INSERT_SEQ("2001", "'tenant':{'S':'acme'},'taskId':{'S':'t-1'}"), "parse_error", "2001",
     "NEW_IMAGE missing required attribute owner"},
    /* no "dynamodb" at all: the one warning of the run is about this record */
    {"{'eventName':'INSERT','outcome':'failed'}", "parse_error", NULL,
     "NEW_IMAGE missing required attribute tenant"},
    /* 20, 21: an array of records */
    {"{'eventName':'INSERT','dynamodb':{'SequenceNumber':'3001','NewImage':{'tenant':{'S':'\xff'}}}"
     "}",
     "parse_error", "3001", "record contains invalid UTF-8"},
    {INSERT_SEQ("3002", IMAGE_OK), "would_dispatch", "3002", NULL},
};

#define NROWS (sizeof(batch_rows) / sizeof(batch_rows[0]))

/* What the response must be, written out by hand. */
static const char want_response[] =
    "{\"batchItemFailures\":[{\"itemIdentifier\":\"1003\"},{\"itemIdentifier\":\"1003\"},"
    "{\"itemIdentifier\":\"1006\"},{\"itemIdentifier\":\"" SEQ40 "\"},"
    "{\"itemIdentifier\":\"1013\"},{\"itemIdentifier\":\"1017\"},{\"itemIdentifier\":\"2001\"},"
    "{\"itemIdentifier\":\"3001\"}]}\n";

/* What stands before each row: rows 0-16 form an event, 17-18 NDJSON, 19-20 an array. */
static const char *row_prefix(size_t i)
{
    switch (i) {
    case 0:
        return "{'Records':[\n";
    case 17:
        return "\n],'NextShardIterator':'x'}\n";
    case 18:
        return "\n";
    case 19:
        return "\n[";
    default:
        return ",\n";
    }
}

/* The whole input, with ' turned into "; offsets[i] is where row i starts. */
static char *build_batch(size_t *len, size_t offsets[NROWS])
{
    size_t cap = 16384;
    char *s = malloc(cap);
    size_t n = 0;

    assert_non_null(s);
    for (size_t i = 0; i < NROWS; i++) {
        n += (size_t)snprintf(s + n, cap - n, "%s", row_prefix(i));
        offsets[i] = n;
        n += (size_t)snprintf(s + n, cap - n, "%s", batch_rows[i].text);
    }
    n += (size_t)snprintf(s + n, cap - n, "]\n");
    assert_true(n < cap);
    swap_quotes(s, n);
    *len = n;
    return s;
}

/* ---- what the callbacks saw ------------------------------------------------------------- */

struct seen_result {
    uint64_t position;
    char file[64];
    uint64_t offset;
    char outcome[32];
    int has_seq;
    char seq[64];
    char reason[A2A_REASON_MAX];
    char *raw;
    size_t raw_len;
};

struct seen {
    struct seen_result results[64];
    size_t n;
    size_t log_parse_error;
    size_t log_no_seq;
    size_t log_other;
    size_t log_no_dynamodb;        /* the once-a-run warning of a record with no "dynamodb" */
    uint64_t no_dynamodb_position; /* the record it names */
    uint64_t log_positions[64];
    size_t nlog;
};

static void on_result(void *ctx, const struct a2a_result *res)
{
    struct seen *s = ctx;
    struct seen_result *r;

    assert_true(s->n < 64);
    r = &s->results[s->n++];
    r->position = res->position;
    snprintf(r->file, sizeof(r->file), "%s", res->file);
    r->offset = res->offset;
    snprintf(r->outcome, sizeof(r->outcome), "%s", a2a_outcome_name(res->outcome));
    r->has_seq = res->has_seq;
    snprintf(r->seq, sizeof(r->seq), "%.*s", res->has_seq ? (int)res->seq.len : 0,
             res->has_seq ? res->seq.ptr : "");
    snprintf(r->reason, sizeof(r->reason), "%s", res->reason);
    r->raw_len = res->raw.len;
    r->raw = malloc(res->raw.len + 1);
    assert_non_null(r->raw);
    if (res->raw.len > 0) {
        memcpy(r->raw, res->raw.ptr, res->raw.len);
    }
}

#define NO_DYNAMODB "the record has no \"dynamodb\" member"

static void on_log(void *ctx, const struct a2a_log_event *ev)
{
    struct seen *s = ctx;

    if (strcmp(ev->target, A2A_TARGET_PARSE_ERROR) == 0) {
        s->log_parse_error++;
        assert_int_equal(ev->level, A2A_LOG_ERROR);
        if (s->nlog < 64) {
            s->log_positions[s->nlog++] = ev->position;
        }
    } else if (strcmp(ev->target, A2A_TARGET_NO_SEQ) == 0) {
        s->log_no_seq++;
        assert_null(ev->seq);
    } else if (strcmp(ev->target, A2A_TARGET_RECOVER) == 0 && ev->level == A2A_LOG_ERROR &&
               strncmp(ev->message, NO_DYNAMODB, sizeof(NO_DYNAMODB) - 1) == 0) {
        s->log_no_dynamodb++;
        s->no_dynamodb_position = ev->position;
    } else {
        s->log_other++;
    }
    assert_non_null(ev->message);
}

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->results[i].raw);
    }
    s->n = 0;
}

static void run_dry(const char *input, size_t len, size_t chunk, int keep_raw,
                    struct a2a_response *resp, struct a2a_run_stats *stats, struct seen *seen)
{
    struct a2a_run_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    memset(resp, 0, sizeof(*resp));
    memset(seen, 0, sizeof(*seen));
    cfg.input.mem = input;
    cfg.input.mem_len = len;
    cfg.input.mem_name = MEM_NAME;
    cfg.input.read_chunk = chunk;
    cfg.input.max_record = (size_t)1 << 20;
    cfg.dry_run = 1;
    cfg.keep_raw = keep_raw;
    cfg.log.emit = on_log;
    cfg.log.ctx = seen;
    cfg.on_result = on_result;
    cfg.result_ctx = seen;
    assert_int_equal(a2a_run(&cfg, resp, stats), 0);
}

/* ---- the damaged batch ------------------------------------------------------------------ */

/* The position of the first row that fails, an object with no "dynamodb" in its text. */
static uint64_t first_without_dynamodb(void)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (strcmp(batch_rows[i].outcome, "parse_error") == 0 && batch_rows[i].text[0] == '{' &&
            strstr(batch_rows[i].text, "dynamodb") == NULL) {
            return i + 1;
        }
    }
    return 0;
}

static void test_damaged_batch(void **state)
{
    static const size_t chunks[] = {0, 1, 7};
    size_t offsets[NROWS];
    size_t len;
    char *input = build_batch(&len, offsets);

    (void)state;
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        for (int keep_raw = 0; keep_raw < 2; keep_raw++) {
            struct a2a_response resp;
            struct a2a_run_stats stats;
            struct seen seen;
            char *text;
            size_t want_failed = 0;
            size_t want_unreportable = 0;
            size_t want_skipped = 0;
            size_t want_acked = 0;

            run_dry(input, len, chunks[c], keep_raw, &resp, &stats, &seen);

            /* the response, exactly */
            text = response_text(&resp);
            if (strcmp(text, want_response) != 0) {
                row_fail("chunk %zu: response\n  %s  want\n  %s", chunks[c], text, want_response);
            }
            free(text);
            assert_int_equal(resp.count, 8);

            /* the counters, from the table */
            for (size_t i = 0; i < NROWS; i++) {
                const struct batch_row *r = &batch_rows[i];
                if (strcmp(r->outcome, "skipped") == 0) {
                    want_skipped++;
                } else if (strcmp(r->outcome, "would_dispatch") == 0) {
                    want_acked++;
                } else if (r->seq != NULL) {
                    want_failed++;
                } else {
                    want_unreportable++;
                }
            }
            assert_int_equal(want_failed, 8);
            assert_int_equal(want_unreportable, 7);
            assert_int_equal(stats.records, NROWS);
            assert_int_equal(stats.skipped, want_skipped);
            /* a dry run acknowledges nothing: the INSERTs that parse would be dispatched */
            assert_int_equal(stats.acknowledged, 0);
            assert_int_equal(stats.would_dispatch, want_acked);
            assert_int_equal(stats.by_outcome[A2A_OUT_WOULD_DISPATCH], want_acked);
            assert_int_equal(stats.by_outcome[A2A_OUT_PARSE_ERROR],
                             want_failed + want_unreportable);
            assert_int_equal(stats.resume.valid, 0); /* read to its end */
            assert_int_equal(stats.task_deleted, 0);
            assert_int_equal(stats.failed, want_failed);
            assert_int_equal(stats.unreportable, want_unreportable);
            assert_int_equal(stats.not_attempted, 0);
            assert_int_equal(stats.interrupted, 0);
            assert_int_equal(stats.dispatched, 0); /* a dry run sends nothing */
            assert_int_equal(stats.input_error, 0);
            assert_int_equal(stats.cancelled, 0);
            assert_int_equal(stats.fatal_status, 0);
            assert_int_equal(stats.err.code, A2A_OK);

            /* every result once, in input order, with the right outcome */
            assert_int_equal(seen.n, NROWS);
            for (size_t i = 0; i < seen.n; i++) {
                const struct seen_result *got = &seen.results[i];
                const struct batch_row *r = &batch_rows[i];
                size_t tl = strlen(r->text);

                if (got->position != i + 1 || strcmp(got->outcome, r->outcome) != 0 ||
                    got->has_seq != (r->seq != NULL) ||
                    (r->seq != NULL && strcmp(got->seq, r->seq) != 0)) {
                    row_fail("chunk %zu record %zu: position %llu outcome %s seq %s \"%s\"",
                             chunks[c], i + 1, (unsigned long long)got->position, got->outcome,
                             got->has_seq ? "yes" : "no", got->seq);
                }
                if (r->reason != NULL && strcmp(got->reason, r->reason) != 0) {
                    row_fail("record %zu: reason \"%s\", want \"%s\"", i + 1, got->reason,
                             r->reason);
                }
                if (strcmp(r->outcome, "parse_error") == 0 && got->reason[0] == '\0') {
                    row_fail("record %zu: a parse error without a reason", i + 1);
                }
                assert_string_equal(got->file, MEM_NAME);
                assert_int_equal(got->offset, offsets[i]);
                if (keep_raw &&
                    (got->raw_len != tl || memcmp(got->raw, input + offsets[i], tl) != 0)) {
                    /* the record's bytes as they stand in the input, nothing around them */
                    row_fail("chunk %zu record %zu: raw is %zu bytes \"%.*s\", want %zu bytes",
                             chunks[c], i + 1, got->raw_len, (int)got->raw_len, got->raw, tl);
                }
                if (!keep_raw) {
                    assert_int_equal(got->raw_len, 0);
                }
            }

            /* one parse-error event per parse error, one no-sequence event per unreportable */
            assert_int_equal(seen.log_parse_error, want_failed + want_unreportable);
            assert_int_equal(seen.log_no_seq, want_unreportable);
            assert_int_equal(seen.log_other, 0); /* log_records is off */
            /* said once, at the first failing record with no "dynamodb" at all */
            assert_int_equal(seen.log_no_dynamodb, 1);
            assert_int_equal(seen.no_dynamodb_position, first_without_dynamodb());
            for (size_t k = 1; k < seen.nlog; k++) {
                assert_true(seen.log_positions[k] > seen.log_positions[k - 1]);
            }
            seen_free(&seen);
            a2a_response_free(&resp);
        }
    }
    free(input);
    rows_done();
}

/* Nothing failing: the response is the empty list. */
static void test_clean_batch(void **state)
{
    static const char tmpl[] = "{'Records':[" INSERT_SEQ(
        "1", IMAGE_OK) ",{'eventName':'REMOVE'}]}" INSERT_SEQ("2", IMAGE_OK);
    char *input = q(tmpl, sizeof(tmpl) - 1);
    struct a2a_response resp;
    struct a2a_run_stats stats;
    struct seen seen;
    char *text;

    (void)state;
    run_dry(input, sizeof(tmpl) - 1, 0, 0, &resp, &stats, &seen);
    text = response_text(&resp);
    assert_string_equal(text, "{\"batchItemFailures\":[]}\n");
    free(text);
    assert_int_equal(stats.records, 3);
    assert_int_equal(stats.acknowledged, 0);
    assert_int_equal(stats.would_dispatch, 2);
    assert_int_equal(stats.skipped, 1);
    assert_int_equal(stats.failed + stats.unreportable, 0);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.results[0].outcome, "would_dispatch");
    assert_string_equal(seen.results[1].outcome, "skipped");
    assert_string_equal(seen.results[2].outcome, "would_dispatch");
    seen_free(&seen);
    a2a_response_free(&resp);
    free(input);
}

/* ---- input errors ----------------------------------------------------------------------- */

struct input_error_case {
    const char *name;
    const char *input;
    const char *response;
    uint64_t records;
    const char *error; /* err.msg, exactly */
    /* The resume point: the text that starts at its offset (NULL: offset 0), the last seq. */
    const char *resume_at;
    const char *last_seq;
};

static const struct input_error_case input_errors[] = {
    {"garbage after two good documents",
     "{'Records':[" INSERT_SEQ("1", IMAGE_OK) ",{'eventName':'INSERT','dynamodb':{'SequenceNumber':"
                                              "'2'}}]}\n{'Records':[" INSERT_SEQ("3",
                                                                                 IMAGE_OK) ",x]}",
     "{\"batchItemFailures\":[{\"itemIdentifier\":\"2\"}]}\n", 3,
     MEM_NAME ": byte 455 (record 4): invalid JSON: found 'x' where a JSON value was expected",
     ",x]}", "3"},
    {"truncated in the middle of a record",
     "[{'eventName':'INSERT','dynamodb':{'SequenceNumber':'7'}},{'eventName':'INS",
     "{\"batchItemFailures\":[{\"itemIdentifier\":\"7\"}]}\n", 1,
     MEM_NAME ": byte 75 (record 2): invalid JSON: input ends where the end of a string was "
              "expected (truncated?)",
     ",{'eventName':'INS", "7"},
    {"not JSON at all", "hello", "{\"batchItemFailures\":[]}\n", 0,
     MEM_NAME ": byte 0: invalid JSON: found 'h' where a JSON document was expected", NULL, NULL},
    {"empty input", "", "{\"batchItemFailures\":[]}\n", 0,
     MEM_NAME ": byte 0: no JSON document in this input (empty file?)", NULL, NULL},
    {"a scalar document after a record", "{'eventName':'MODIFY'} 5", "{\"batchItemFailures\":[]}\n",
     1,
     MEM_NAME ": byte 23: not a stream event: a JSON number; a document must be an object with "
              "a \"Records\" or \"Messages\" array, a record object, an on-failure invocation "
              "record, or an array of records",
     " 5", NULL},
};

/* Reading stopped early: the resume point names the byte after the last record read. */
static void check_resume_point(const struct input_error_case *e, const char *input,
                               const struct a2a_run_stats *stats)
{
    const struct a2a_resume_point *rp = &stats->resume;
    size_t len = strlen(e->input);
    uint64_t want = 0;

    if (e->resume_at != NULL) {
        size_t n = strlen(e->resume_at);
        char *at = q(e->resume_at, n);
        size_t k = 0;
        while (k + n <= len && memcmp(input + k, at, n) != 0) {
            k++;
        }
        assert_true(k + n <= len);
        want = k;
        free(at);
    }
    if (!rp->valid || rp->offset != want || rp->last_position != e->records ||
        strcmp(rp->input, MEM_NAME) != 0 || rp->input_index != 0 || rp->input_resumable ||
        rp->has_last_seq != (e->last_seq != NULL) ||
        (e->last_seq != NULL && (rp->last_seq.len != strlen(e->last_seq) ||
                                 memcmp(rp->last_seq.data, e->last_seq, rp->last_seq.len) != 0))) {
        row_fail("%s: resume point valid %d offset %llu (want %llu) last %llu", e->name, rp->valid,
                 (unsigned long long)rp->offset, (unsigned long long)want,
                 (unsigned long long)rp->last_position);
    }
}

static void test_input_errors(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(input_errors) / sizeof(input_errors[0]); k++) {
        const struct input_error_case *e = &input_errors[k];
        size_t len = strlen(e->input);
        char *input = q(e->input, len);
        struct a2a_response resp;
        struct a2a_run_stats stats;
        struct seen seen;
        char *text;

        for (size_t chunk = 0; chunk < 8; chunk += 7) {
            run_dry(input, len, chunk, 0, &resp, &stats, &seen);
            text = response_text(&resp);
            if (strcmp(text, e->response) != 0 || stats.records != e->records ||
                !stats.input_error || stats.err.code != A2A_E_INPUT ||
                strcmp(stats.err.msg, e->error) != 0 || seen.n != e->records) {
                row_fail("%s (chunk %zu): response %s records %llu input_error %d code %d "
                         "\"%s\"; want \"%s\"",
                         e->name, chunk, text, (unsigned long long)stats.records, stats.input_error,
                         (int)stats.err.code, stats.err.msg, e->error);
            }
            check_resume_point(e, input, &stats);
            free(text);
            seen_free(&seen);
            a2a_response_free(&resp);
            a2a_run_stats_free(&stats);
        }
        free(input);
    }
    rows_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damaged_batch),
        cmocka_unit_test(test_clean_batch),
        cmocka_unit_test(test_input_errors),
    };

    return cmocka_run_group_tests_name("batch_dry_run", tests, NULL, NULL);
}
