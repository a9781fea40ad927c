/*
 * libFuzzer target for the NewImage/attribute parser alone. The fuzz bytes become the
 * NewImage of an INSERT record:
 *
 *   {"eventName":"INSERT","dynamodb":{"SequenceNumber":"1","NewImage":<bytes>}}
 *
 * The record parser trusts its input to be JSON, so the composed bytes first go through the
 * input reader; only a record the reader returns is parsed. Oracles, read from the record
 * with cJSON (every value involved is a string):
 *   - an accepted eventSequence prints back as the N string without sign and leading zeros;
 *     an accepted recordedAtMicros likewise, negative values clamped to 0;
 *   - an eventSequence/recordedAtMicros rejected as "not a valid number" really is not one;
 *   - tenant, taskId, owner equal the decoded S strings, hold no NUL, are valid UTF-8;
 *   - the request body parses and carries exactly those values; the Idempotency-Key holds
 *     only unreserved characters, '%XX' and two ':' and decodes back to them;
 *   - parsing again (and with the UTF-8 check forced on) gives the same answer.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "input.h"
#include "jsonstr.h"
#include "number.h"
#include "record.h"
#include "request.h"

#define PREFIX "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\",\"NewImage\":"
#define SUFFIX "}}"

#define U64_MAX_DIGITS "18446744073709551615"
#define I64_MAX_DIGITS "9223372036854775807"
#define I64_MIN_DIGITS "9223372036854775808"

static const char *const attr_names[5] = {"tenant", "taskId", "owner", "eventSequence",
                                          "recordedAtMicros"};

/* Members of obj named name (cJSON keeps duplicates; core rejects them). */
static int count_members(const cJSON *obj, const char *name, const cJSON **found)
{
    const cJSON *m;
    int n = 0;

    *found = NULL;
    if (!cJSON_IsObject(obj)) {
        return 0;
    }
    cJSON_ArrayForEach(m, obj)
    {
        if (m->string != NULL && strcmp(m->string, name) == 0) {
            if (n++ == 0) {
                *found = m;
            }
        }
    }
    return n;
}

/* The string value of attribute {"<type>": "..."}, or NULL when it has another shape. */
static const char *attr_string(const cJSON *attr, const char *type)
{
    const cJSON *v = attr != NULL ? attr->child : NULL;

    if (!cJSON_IsObject(attr) || cJSON_GetArraySize(attr) != 1 || v->string == NULL ||
        strcmp(v->string, type) != 0 || !cJSON_IsString(v)) {
        return NULL;
    }
    return v->valuestring;
}

/*
 * 1 when the N string is a valid u64 (k == 3) or i64 (k == 4); canon (cap >= 24) then gets
 * its digits without sign and leading zeros.
 */
static int number_ok(int k, const char *s, char *canon, size_t cap, int *negative)
{
    size_t len = strlen(s);
    char *digits = malloc(len + 2);
    int ok;

    FUZZ_CHECK(digits != NULL && cap >= 24);
    ok = fuzz_canonical_digits(s, len, k == 4, digits, negative);
    if (ok && k == 3) {
        ok = fuzz_digits_fit(digits, U64_MAX_DIGITS);
    } else if (ok) {
        ok = fuzz_digits_fit(digits, *negative ? I64_MIN_DIGITS : I64_MAX_DIGITS);
    }
    if (ok) {
        snprintf(canon, cap, "%s", digits);
    }
    free(digits);
    return ok;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1; /* lower case is not what a2a_percent_encode writes */
}

static int same(struct a2a_str a, struct a2a_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void check_idempotency_key(const struct a2a_pending *pd)
{
    struct a2a_buf key = {NULL, 0, 0};
    struct a2a_buf part = {NULL, 0, 0};
    char seq[24];
    int colons = 0;

    FUZZ_CHECK(a2a_idempotency_key(&key, pd) == 0);
    snprintf(seq, sizeof(seq), "%" PRIu64, pd->event_sequence);
    for (size_t i = 0; i <= key.len; i++) {
        char c = i < key.len ? key.data[i] : ':';
        if (c == ':') {
            struct a2a_str want = colons == 0   ? pd->tenant
                                  : colons == 1 ? pd->task_id
                                                : (struct a2a_str){seq, strlen(seq)};
            FUZZ_CHECK(colons < 3);
            FUZZ_CHECK(same((struct a2a_str){part.data, part.len}, want));
            a2a_buf_reset(&part);
            colons++;
        } else if (c == '%') {
            FUZZ_CHECK(i + 2 < key.len);
            FUZZ_CHECK(hex_value(key.data[i + 1]) >= 0 && hex_value(key.data[i + 2]) >= 0);
            FUZZ_CHECK(a2a_buf_putc(&part, (char)(hex_value(key.data[i + 1]) * 16 +
                                                  hex_value(key.data[i + 2]))) == 0);
            i += 2;
        } else {
            FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~');
            FUZZ_CHECK(a2a_buf_putc(&part, c) == 0);
        }
    }
    FUZZ_CHECK(colons == 3);
    a2a_buf_free(&key);
    a2a_buf_free(&part);
}

static void check_body(const struct a2a_pending *pd, const char *seq_digits,
                       const char *micros_digits)
{
    struct a2a_buf body = {NULL, 0, 0};
    const struct a2a_str strs[3] = {pd->tenant, pd->task_id, pd->owner};
    const cJSON *m;
    cJSON *doc;
    char want[128];
    int k = 0;

    FUZZ_CHECK(a2a_request_body(&body, pd) == 0);
    FUZZ_CHECK(a2a_buf_putc(&body, '\0') == 0);
    FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)body.data, body.len - 1));
    doc = cJSON_ParseWithLength(body.data, body.len - 1);
    FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc) && cJSON_GetArraySize(doc) == 5);
    cJSON_ArrayForEach(m, doc)
    {
        FUZZ_CHECK(strcmp(m->string, attr_names[k]) == 0);
        if (k < 3) {
            FUZZ_CHECK(cJSON_IsString(m));
            FUZZ_CHECK(same((struct a2a_str){m->valuestring, strlen(m->valuestring)}, strs[k]));
        } else {
            FUZZ_CHECK(cJSON_IsNumber(m));
        }
        k++;
    }
    /* Numbers exactly, not through a double: the text after the member name. */
    snprintf(want, sizeof(want), ",\"eventSequence\":%s,\"recordedAtMicros\":%s}", seq_digits,
             micros_digits);
    FUZZ_CHECK(body.len - 1 >= strlen(want));
    FUZZ_CHECK(strcmp(body.data + body.len - 1 - strlen(want), want) == 0);
    cJSON_Delete(doc);
    a2a_buf_free(&body);
}

/* The oracles for an accepted NewImage; image is the record's NewImage as cJSON read it. */
static void check_dispatch(const struct a2a_record *rec, const cJSON *image, int has_nul_escape)
{
    const struct a2a_pending *pd = &rec->pending;
    const struct a2a_str strs[3] = {pd->tenant, pd->task_id, pd->owner};
    char canon[2][64];
    char printed[32];
    struct a2a_buf b = {NULL, 0, 0};
    int negative;

    FUZZ_CHECK(rec->has_seq && same(rec->seq, (struct a2a_str){"1", 1}));
    for (int k = 0; k < 3; k++) {
        FUZZ_CHECK(strs[k].len == 0 || strs[k].ptr != NULL);
        FUZZ_CHECK(memchr(strs[k].ptr, '\0', strs[k].len) == NULL);
        FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)strs[k].ptr, strs[k].len));
    }
    FUZZ_CHECK(pd->recorded_at_micros >= 0);

    /* The printed forms, through core's printer and through libc. */
    FUZZ_CHECK(a2a_buf_put_u64(&b, pd->event_sequence) == 0);
    snprintf(printed, sizeof(printed), "%" PRIu64, pd->event_sequence);
    FUZZ_CHECK(b.len == strlen(printed) && memcmp(b.data, printed, b.len) == 0);
    a2a_buf_free(&b);

    for (int k = 0; k < 5; k++) {
        const cJSON *attr;
        const char *s;
        int n = count_members(image, attr_names[k], &attr);

        if (n != 1) {
            /* Only a "name\u0000" key, which cJSON cuts at the NUL, can make them differ. */
            FUZZ_CHECK(has_nul_escape);
            return;
        }
        s = attr_string(attr, k < 3 ? "S" : "N");
        FUZZ_CHECK(s != NULL); /* core accepts exactly one member, of the right name */
        if (k < 3) {
            FUZZ_CHECK(same((struct a2a_str){s, strlen(s)}, strs[k]));
            continue;
        }
        FUZZ_CHECK(number_ok(k, s, canon[k - 3], sizeof(canon[k - 3]), &negative));
        if (k == 4 && negative) {
            snprintf(canon[1], sizeof(canon[1]), "0"); /* clamped, as the Lambda handler does */
        }
    }
    /* The oracle: eventSequence prints back as its digits without sign and leading zeros. */
    FUZZ_CHECK(strcmp(printed, canon[0]) == 0);
    snprintf(printed, sizeof(printed), "%" PRId64, pd->recorded_at_micros);
    FUZZ_CHECK(strcmp(printed, canon[1]) == 0);

    check_body(pd, canon[0], canon[1]);
    check_idempotency_key(pd);
}

/* For a rejected NewImage: the reason must be true of the record. */
static void check_rejection(const struct a2a_record *rec, const cJSON *image, int has_nul_escape)
{
    static const char missing[] = "NEW_IMAGE missing required attribute ";
    char canon[64];
    int negative;

    FUZZ_CHECK(rec->reason[0] != '\0');
    for (int k = 0; k < 5; k++) {
        char prefix[96];
        const cJSON *attr;
        const char *s;
        int n = count_members(image, attr_names[k], &attr);

        if (strncmp(rec->reason, missing, sizeof(missing) - 1) == 0 &&
            strcmp(rec->reason + sizeof(missing) - 1, attr_names[k]) == 0) {
            FUZZ_CHECK(n == 0 || has_nul_escape);
        }
        snprintf(prefix, sizeof(prefix), "NEW_IMAGE attribute %s appears more than once",
                 attr_names[k]);
        if (strncmp(rec->reason, prefix, strlen(prefix)) == 0) {
            FUZZ_CHECK(n >= 2);
        }
        snprintf(prefix, sizeof(prefix), "NEW_IMAGE attribute %s = ", attr_names[k]);
        if (k >= 3 && strncmp(rec->reason, prefix, strlen(prefix)) == 0 && n == 1 &&
            !has_nul_escape) {
            s = attr_string(attr, "N");
            FUZZ_CHECK(s != NULL);
            FUZZ_CHECK(!number_ok(k, s, canon, sizeof(canon), &negative));
        }
    }
}

/* Number parsers against the contract, on the raw fuzz bytes. */
static void check_numbers(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char canon[64];
    uint64_t u = 0;
    int64_t i = 0;
    int negative;
    enum a2a_num_status st;

    FUZZ_CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    st = a2a_parse_u64(s, size, &u);
    if (memchr(s, '\0', size) == NULL) {
        FUZZ_CHECK((st == A2A_NUM_OK) == number_ok(3, s, canon, sizeof(canon), &negative));
        if (st == A2A_NUM_OK) {
            char printed[32];
            snprintf(printed, sizeof(printed), "%" PRIu64, u);
            FUZZ_CHECK(strcmp(printed, canon) == 0);
        }
        st = a2a_parse_i64(s, size, &i);
        FUZZ_CHECK((st == A2A_NUM_OK) == number_ok(4, s, canon, sizeof(canon), &negative));
        if (st == A2A_NUM_OK) {
            char printed[32];
            snprintf(printed, sizeof(printed), "%" PRId64, i);
            FUZZ_CHECK(strcmp(printed + (printed[0] == '-'), canon) == 0);
            FUZZ_CHECK((printed[0] == '-') == negative);
        }
    }
    free(s);
}

/* Two parses of one record said the same, field by field. */
static void check_same_record(const struct a2a_record *a, const struct a2a_record *b)
{
    FUZZ_CHECK(a->cls == b->cls && strcmp(a->reason, b->reason) == 0);
    FUZZ_CHECK(a->has_seq == b->has_seq && (!a->has_seq || same(a->seq, b->seq)));
    FUZZ_CHECK(a->has_event_name == b->has_event_name &&
               (!a->has_event_name || same(a->event_name, b->event_name)));
    if (a->cls == A2A_RECORD_DISPATCH) {
        FUZZ_CHECK(same(a->pending.tenant, b->pending.tenant));
        FUZZ_CHECK(same(a->pending.task_id, b->pending.task_id));
        FUZZ_CHECK(same(a->pending.owner, b->pending.owner));
        FUZZ_CHECK(a->pending.event_sequence == b->pending.event_sequence);
        FUZZ_CHECK(a->pending.recorded_at_micros == b->pending.recorded_at_micros);
    }
}

/*
 * The same record as an element of an array: the scanner then validates it in one pass and
 * hands out its envelope, which must give exactly what the parser's own walk gave (want).
 */
static void check_one_pass(const char *bytes, size_t n, const struct a2a_record *want)
{
    static struct a2a_record_parser parser;
    struct a2a_input_config cfg;
    struct a2a_input *in = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_record rec;
    char *doc = malloc(n + 2);

    FUZZ_CHECK(doc != NULL);
    doc[0] = '[';
    memcpy(doc + 1, bytes, n);
    doc[n + 1] = ']';
    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = doc;
    cfg.mem_len = n + 2;
    cfg.mem_name = "<fuzz>";
    cfg.max_record = (size_t)1 << 20;
    cfg.read_chunk = n + 3;
    FUZZ_CHECK(a2a_input_open(&in, &cfg, &err) == 0);
    /* Not 1 only when the array's own level puts the record past the nesting limit. */
    if (a2a_input_next(in, &raw, &err) == 1) {
        FUZZ_CHECK(raw.len == n && memcmp(raw.bytes, bytes, n) == 0);
        FUZZ_CHECK(raw.envelope != NULL); /* held whole in the buffer: the one-pass scan */
        FUZZ_CHECK(a2a_record_parse_with(&parser, raw.bytes, raw.len, raw.non_ascii, raw.envelope,
                                         &rec) == 0);
        check_same_record(&rec, want);
    }
    a2a_input_free(&in);
    free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct a2a_record_parser parser; /* reused, as the batch driver reuses it */
    static struct a2a_record_parser other;
    size_t plen = sizeof(PREFIX) - 1;
    size_t slen = sizeof(SUFFIX) - 1;
    size_t len = plen + size + slen;
    struct a2a_input_config cfg;
    struct a2a_input *in = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_record rec;
    struct a2a_record again;
    char *doc = malloc(len);
    char *copy = NULL;
    cJSON *json;
    const cJSON *ddb;
    const cJSON *image;
    int got;
    int has_nul_escape;

    FUZZ_CHECK(doc != NULL);
    FUZZ_CHECK(a2a_utf8_valid(data, size) == fuzz_utf8_ok(data, size));
    check_numbers(data, size);

    memcpy(doc, PREFIX, plen);
    memcpy(doc + plen, data, size);
    memcpy(doc + plen + size, SUFFIX, slen);

    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = doc;
    cfg.mem_len = len;
    cfg.mem_name = "<fuzz>";
    cfg.max_record = (size_t)1 << 20;
    cfg.read_chunk = len + 1; /* one read; the default 1 MiB buffer would cost an mmap a run */
    FUZZ_CHECK(a2a_input_open(&in, &cfg, &err) == 0);
    got = a2a_input_next(in, &raw, &err);
    if (got != 1) {
        /* 0: the bytes closed our record and turned the document into an empty event. */
        FUZZ_CHECK(got == 0 || (got == -1 && err.code == A2A_E_INPUT));
        goto out;
    }
    if (raw.offset != 0) {
        goto out; /* the bytes closed our record and made the document an event: not ours */
    }
    FUZZ_CHECK(raw.len <= len && raw.bytes[0] == '{');

    /* A record document of its own: the scanner's one-pass envelope, when it made one. */
    FUZZ_CHECK(
        a2a_record_parse_with(&parser, raw.bytes, raw.len, raw.non_ascii, raw.envelope, &rec) == 0);
    /* eventName is "INSERT" and first: another one makes the record malformed, never SKIP. */
    FUZZ_CHECK(rec.cls == A2A_RECORD_DISPATCH || rec.cls == A2A_RECORD_INVALID);
    FUZZ_CHECK(strlen(rec.reason) < sizeof(rec.reason));
    FUZZ_CHECK((rec.cls == A2A_RECORD_DISPATCH) == (rec.reason[0] == '\0'));

    /* Same answer from a second parser, walking the record itself, UTF-8 check forced on. */
    FUZZ_CHECK(a2a_record_parse(&other, raw.bytes, raw.len, 1, &again) == 0);
    check_same_record(&again, &rec);
    check_one_pass(raw.bytes, raw.len, &rec);

    /* The oracles read the record with cJSON (on a NUL-terminated copy). */
    copy = malloc(raw.len + 1);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, raw.bytes, raw.len);
    copy[raw.len] = '\0';
    has_nul_escape = strstr(copy, "\\u0000") != NULL;
    json = cJSON_ParseWithLength(copy, raw.len);
    if (json == NULL) {
        /*
         * cJSON 1.7.15 refuses some valid JSON: lone surrogate escapes, numbers longer than
         * 63 characters. Such a record can still be accepted; only its oracle is skipped.
         */
        goto out;
    }
    ddb = cJSON_GetObjectItemCaseSensitive(json, "dynamodb");
    image = cJSON_GetObjectItemCaseSensitive(ddb, "NewImage");
    if (rec.cls == A2A_RECORD_DISPATCH) {
        check_dispatch(&rec, image, has_nul_escape);
    } else {
        check_rejection(&rec, image, has_nul_escape);
    }
    cJSON_Delete(json);
out:
    free(copy);
    a2a_input_free(&in);
    free(doc);
    return 0;
}
