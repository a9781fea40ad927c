/*
 * libFuzzer target for the whole input path in dry-run mode:
 *   bytes -> documents -> records -> outcomes -> response (and report, retry file, log).
 *
 * The first byte picks the configuration, the rest is the input:
 *   bits 0-1  read_chunk 1, 7, 4096 or 0 (the default), so refills split every token
 *   bit 2     keep_raw (results carry the record bytes; the retry file is written)
 *   bit 3     log_records (a DEBUG event per record)
 *   bit 4     max_record 512 bytes instead of 1 MiB (exercises the size limit)
 * Every run is checked against invariants, and (unless the size limit is small) against a
 * second run of the same bytes read at once: the outcome must not depend on where the
 * reads split the input. Any violation aborts.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "batch.h"
#include "fuzz_common.h"
#include "sinks.h"

#define MEM_NAME "<fuzz>"

/* What one run produced, for the invariants and the comparison of two runs. */
struct capture {
    const uint8_t *input; /* borrowed: the input bytes (without the configuration byte) */
    size_t input_len;
    int keep_raw;
    uint64_t results;
    uint64_t skipped;
    uint64_t acked; /* would_dispatch: a dry run acknowledges nothing */
    uint64_t listed;
    uint64_t unlisted;
    uint64_t log_events;
    struct a2a_buf seqs;         /* listed SequenceNumbers, each as <size_t len><bytes> */
    struct a2a_buf failed_model; /* the retry file as it should read */
    struct a2a_buf scratch;      /* for a2a_report_write */
    FILE *report;
    char *report_text; /* owned by the memstream */
    size_t report_len;
    FILE *failed;
    char *failed_text;
    size_t failed_len;
    struct a2a_failed_out fo;
    char *response_text;
    size_t response_len;
    struct a2a_run_stats stats;
};

static int str_eq(struct a2a_str s, const char *lit)
{
    return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

static void on_log(void *ctx, const struct a2a_log_event *ev)
{
    struct capture *c = ctx;
    const char *t = ev->target;

    FUZZ_CHECK(ev->message != NULL && t != NULL);
    FUZZ_CHECK(strcmp(t, A2A_TARGET_PARSE_ERROR) == 0 || strcmp(t, A2A_TARGET_TRANSIENT) == 0 ||
               strcmp(t, A2A_TARGET_NO_SEQ) == 0 || strcmp(t, A2A_TARGET_RECOVER) == 0);
    FUZZ_CHECK(ev->level <= A2A_LOG_DEBUG);
    FUZZ_CHECK(strlen(ev->message) < 4096);
    /* One line of text whatever the input says: no control character can forge a line. */
    for (const char *m = ev->message; *m != '\0'; m++) {
        FUZZ_CHECK((unsigned char)*m >= 0x20);
    }
    FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)ev->message, strlen(ev->message)));
    /* A SequenceNumber may hold U+0000 (a 0 byte): it travels by length, escaped on output. */
    FUZZ_CHECK(ev->seq == NULL || fuzz_utf8_ok((const unsigned char *)ev->seq, ev->seq_len));
    /* Events about a record come before its result is handed over. */
    FUZZ_CHECK(ev->position == 0 || ev->position == c->results + 1);
    c->log_events++;
}

static void on_result(void *ctx, const struct a2a_result *res)
{
    struct capture *c = ctx;
    int failed = a2a_outcome_failed(res->outcome);
    int in_input;

    FUZZ_CHECK(res->position == c->results + 1);
    c->results++;
    /* A record of an S3 on-failure object names its message after the input's name. */
    FUZZ_CHECK(res->file != NULL && strncmp(res->file, MEM_NAME, strlen(MEM_NAME)) == 0);
    FUZZ_CHECK(res->reason != NULL && strlen(res->reason) < A2A_REASON_MAX);
    FUZZ_CHECK(res->http_status == 0 && res->attempts == 0);

    /* A dry run decides every record from its bytes alone. */
    switch (res->outcome) {
    case A2A_OUT_SKIPPED:
        FUZZ_CHECK(res->has_event_name && !str_eq(res->event_name, "INSERT"));
        c->skipped++;
        break;
    case A2A_OUT_WOULD_DISPATCH:
        FUZZ_CHECK(res->has_event_name && str_eq(res->event_name, "INSERT"));
        FUZZ_CHECK(strcmp(res->reason, "dry run") == 0);
        c->acked++;
        break;
    case A2A_OUT_PARSE_ERROR:
        FUZZ_CHECK(res->reason[0] != '\0');
        break;
    default:
        FUZZ_CHECK(!"outcome impossible in a dry run");
    }

    /*
     * Identifiers that reach the response: well-formed UTF-8. U+0000 (a 0 byte) is allowed in
     * SequenceNumber and eventName, as in the handler's Rust Strings; writers escape it.
     */
    if (res->has_seq) {
        FUZZ_CHECK(res->seq.len == 0 || res->seq.ptr != NULL);
        FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)res->seq.ptr, res->seq.len));
    }
    if (res->has_event_name) {
        FUZZ_CHECK(res->event_name.len == 0 || res->event_name.ptr != NULL);
        FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)res->event_name.ptr, res->event_name.len));
    }
    if (failed && res->has_seq) {
        c->listed++;
        FUZZ_CHECK(a2a_buf_append(&c->seqs, &res->seq.len, sizeof(res->seq.len)) == 0);
        FUZZ_CHECK(a2a_buf_append(&c->seqs, res->seq.ptr, res->seq.len) == 0);
    } else if (failed) {
        c->unlisted++;
    }

    /*
     * The record's bytes are exactly the input's bytes at its offset; a record of a message
     * (an S3 object's payload, a JSON string) stands at its offset in the decoded document,
     * which test_items checks byte for byte.
     */
    in_input = strcmp(res->file, MEM_NAME) == 0;
    FUZZ_CHECK(!in_input || res->offset < c->input_len);
    if (c->keep_raw) {
        const unsigned char *raw = (const unsigned char *)res->raw.ptr;
        size_t end = res->raw.len;

        FUZZ_CHECK(res->raw.len > 0);
        FUZZ_CHECK(!in_input || res->raw.len <= c->input_len - res->offset);
        FUZZ_CHECK(!in_input || memcmp(c->input + res->offset, raw, res->raw.len) == 0);
        /* A JSON value, from its first byte to its last: no white space either side. */
        FUZZ_CHECK(raw[0] > ' ' && raw[end - 1] != '\0');
        FUZZ_CHECK(strchr("}]\"el0123456789", raw[end - 1]) != NULL);
    } else {
        FUZZ_CHECK(res->raw.len == 0);
    }

    FUZZ_CHECK(a2a_report_write(c->report, res, &c->scratch) == 0);
    if (c->failed != NULL) {
        if (failed) {
            if (c->fo.count > 0) {
                FUZZ_CHECK(a2a_buf_puts(&c->failed_model, ",\n") == 0);
            }
            FUZZ_CHECK(a2a_buf_append(&c->failed_model, res->raw.ptr, res->raw.len) == 0);
        }
        FUZZ_CHECK(a2a_failed_out_add(&c->fo, res) == 0);
    }
}

static void check_response(struct capture *c)
{
    const cJSON *list;
    const cJSON *item;
    size_t at = 0;
    uint64_t n = 0;
    cJSON *doc;

    FUZZ_CHECK(c->response_len >= 2 && c->response_text[c->response_len - 1] == '\n');
    FUZZ_CHECK(memchr(c->response_text, '\n', c->response_len - 1) == NULL);
    FUZZ_CHECK(memchr(c->response_text, '\0', c->response_len) == NULL);
    FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)c->response_text, c->response_len));
    doc = cJSON_ParseWithLength(c->response_text, c->response_len);
    FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc));
    FUZZ_CHECK(cJSON_GetArraySize(doc) == 1);
    list = cJSON_GetObjectItemCaseSensitive(doc, "batchItemFailures");
    FUZZ_CHECK(cJSON_IsArray(list));
    FUZZ_CHECK((uint64_t)cJSON_GetArraySize(list) == c->stats.failed);
    cJSON_ArrayForEach(item, list)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "itemIdentifier");
        const char *nul;
        size_t len;
        size_t shown;

        FUZZ_CHECK(cJSON_IsObject(item) && cJSON_GetArraySize(item) == 1 && cJSON_IsString(id));
        FUZZ_CHECK(at + sizeof(len) <= c->seqs.len);
        memcpy(&len, c->seqs.data + at, sizeof(len));
        at += sizeof(len);
        /* cJSON's C string ends at a decoded U+0000: compare up to the first one. */
        nul = len == 0 ? NULL : memchr(c->seqs.data + at, '\0', len);
        shown = nul == NULL ? len : (size_t)(nul - (c->seqs.data + at));
        FUZZ_CHECK(strlen(id->valuestring) == shown);
        FUZZ_CHECK(shown == 0 || memcmp(id->valuestring, c->seqs.data + at, shown) == 0);
        at += len;
        n++;
    }
    FUZZ_CHECK(at == c->seqs.len && n == c->listed);
    cJSON_Delete(doc);
}

static void check_report(const struct capture *c)
{
    size_t at = 0;
    uint64_t lines = 0;

    FUZZ_CHECK(memchr(c->report_text, '\0', c->report_len) == NULL);
    while (at < c->report_len) {
        const char *line = c->report_text + at;
        const char *nl = memchr(line, '\n', c->report_len - at);
        size_t len;
        cJSON *doc;
        const cJSON *pos;
        const cJSON *outcome;

        FUZZ_CHECK(nl != NULL);
        len = (size_t)(nl - line);
        FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)line, len)); /* JSON text is UTF-8 */
        doc = cJSON_ParseWithLength(line, len);
        FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc));
        pos = cJSON_GetObjectItemCaseSensitive(doc, "position");
        outcome = cJSON_GetObjectItemCaseSensitive(doc, "outcome");
        lines++;
        FUZZ_CHECK(cJSON_IsNumber(pos) && pos->valuedouble == (double)lines);
        FUZZ_CHECK(cJSON_IsString(outcome));
        cJSON_Delete(doc);
        at += len + 1;
    }
    FUZZ_CHECK(lines == c->results);
}

/* One dry run of input with the given configuration, checked. */
static void run_once(struct capture *c, const uint8_t *input, size_t len, size_t chunk,
                     size_t max_record, int keep_raw, int log_records)
{
    struct a2a_run_config cfg;
    struct a2a_response resp = {{NULL, 0, 0}, 0, NULL, 0, 0};
    FILE *out;
    int rc;

    memset(c, 0, sizeof(*c));
    c->input = input;
    c->input_len = len;
    c->keep_raw = keep_raw;
    c->report = open_memstream(&c->report_text, &c->report_len);
    FUZZ_CHECK(c->report != NULL);
    if (keep_raw) {
        c->failed = open_memstream(&c->failed_text, &c->failed_len);
        FUZZ_CHECK(c->failed != NULL);
        FUZZ_CHECK(a2a_failed_out_begin(&c->fo, c->failed) == 0);
    }

    memset(&cfg, 0, sizeof(cfg));
    cfg.input.mem = (const char *)input; /* never NULL: NULL would mean standard input */
    cfg.input.mem_len = len;
    cfg.input.mem_name = MEM_NAME;
    cfg.input.read_chunk = chunk;
    cfg.input.max_record = max_record;
    cfg.dry_run = 1;
    cfg.keep_raw = keep_raw;
    cfg.log_records = log_records;
    cfg.log.emit = on_log;
    cfg.log.ctx = c;
    cfg.on_result = on_result;
    cfg.result_ctx = c;

    rc = a2a_run(&cfg, &resp, &c->stats);
    FUZZ_CHECK(rc == 0); /* only running out of memory may fail a dry run */

    /* The counters agree with what was handed over. */
    FUZZ_CHECK(c->stats.records == c->results);
    FUZZ_CHECK(c->stats.skipped == c->skipped && c->stats.would_dispatch == c->acked);
    FUZZ_CHECK(c->stats.acknowledged == 0);
    FUZZ_CHECK(c->stats.failed == c->listed && c->stats.unreportable == c->unlisted);
    FUZZ_CHECK(c->results == c->skipped + c->acked + c->listed + c->unlisted);
    FUZZ_CHECK(c->stats.task_deleted == 0 && c->stats.dispatched == 0);
    FUZZ_CHECK(c->stats.not_attempted == 0 && c->stats.interrupted == 0);
    FUZZ_CHECK(!c->stats.cancelled && !c->stats.input_unread && c->stats.fatal_status == 0);
    FUZZ_CHECK(resp.count == c->stats.failed);
    if (c->stats.input_error) {
        FUZZ_CHECK(c->stats.err.code == A2A_E_INPUT);
        FUZZ_CHECK(strncmp(c->stats.err.msg, MEM_NAME ": ", strlen(MEM_NAME) + 2) == 0);
    } else {
        FUZZ_CHECK(c->stats.err.code == A2A_OK);
        FUZZ_CHECK(len > 0); /* an empty input is an input error */
    }

    out = open_memstream(&c->response_text, &c->response_len);
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(a2a_response_write(&resp, out) == 0);
    fclose(out);
    check_response(c);

    fclose(c->report);
    c->report = NULL;
    check_report(c);

    if (c->failed != NULL) {
        FUZZ_CHECK(a2a_failed_out_end(&c->fo) == 0);
        fclose(c->failed);
        c->failed = NULL;
        FUZZ_CHECK(c->fo.count == c->listed + c->unlisted);
        FUZZ_CHECK(c->failed_len == c->failed_model.len + strlen("{\"Records\":[]}\n"));
        FUZZ_CHECK(memcmp(c->failed_text, "{\"Records\":[", 12) == 0);
        FUZZ_CHECK(c->failed_model.len == 0 ||
                   memcmp(c->failed_text + 12, c->failed_model.data, c->failed_model.len) == 0);
    }
    a2a_response_free(&resp);
}

static void capture_free(struct capture *c)
{
    a2a_run_stats_free(&c->stats);
    free(c->report_text);
    free(c->failed_text);
    free(c->response_text);
    a2a_buf_free(&c->seqs);
    a2a_buf_free(&c->failed_model);
    a2a_buf_free(&c->scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t chunks[4] = {1, 7, 4096, 0};
    struct capture first;
    struct capture whole;
    uint8_t *input;
    size_t len;
    unsigned conf;
    size_t chunk;
    size_t max_record;

    if (size == 0) {
        return 0;
    }
    conf = data[0];
    len = size - 1;
    input = malloc(len > 0 ? len : 1); /* exact size: reads past the end are caught */
    FUZZ_CHECK(input != NULL);
    if (len > 0) {
        memcpy(input, data + 1, len);
    }
    chunk = chunks[conf & 3];
    max_record = (conf & 16) ? 512 : (size_t)1 << 20;

    run_once(&first, input, len, chunk, max_record, (conf & 4) != 0, (conf & 8) != 0);

    /* Where the reads split the input must not change a thing: compare with one read. */
    if (chunk != 0 && max_record > len) {
        run_once(&whole, input, len, len + 1, max_record, (conf & 4) != 0, (conf & 8) != 0);
        FUZZ_CHECK(first.report_len == whole.report_len);
        FUZZ_CHECK(memcmp(first.report_text, whole.report_text, first.report_len) == 0);
        FUZZ_CHECK(first.response_len == whole.response_len);
        FUZZ_CHECK(memcmp(first.response_text, whole.response_text, first.response_len) == 0);
        FUZZ_CHECK(first.stats.input_error == whole.stats.input_error);
        FUZZ_CHECK(strcmp(first.stats.err.msg, whole.stats.err.msg) == 0);
        FUZZ_CHECK(first.log_events == whole.log_events);
        capture_free(&whole);
    }
    capture_free(&first);
    free(input);
    return 0;
}
