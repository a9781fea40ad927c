#include "items.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonview.h"
#include "number.h"
#include "seqnum.h"
#include "source.h"

/* Decoded strings of the current message, one buffer each so none moves another. */
enum str_slot {
    S_MESSAGE_ID,
    S_RECEIPT,
    S_ARN,
    S_SHARD,
    S_START,
    S_END,
    S_FIRST,
    S_LAST,
    S_CONDITION,
    S_FUNCTION_ERROR,
    S_TYPE,
    S_SEQ,
    S_PREV_SEQ, /* the payload record before the one in S_SEQ */
    S_COUNT
};

/* Returned by the steps of a message: an item is ready, or memory ran out. */
#define ITEM               1
#define NOMEM              (-1)
#define PAYLOAD_READ_CHUNK (64 * 1024) /* bytes an S3 payload's scanner copies at a time */

struct a2a_items {
    struct a2a_scanner *outer; /* borrowed */
    struct a2a_items_config cfg;
    int failed;
    uint64_t messages; /* messages begun so far */
    uint64_t records;  /* RECORD items handed out so far */

    struct a2a_buf strs[S_COUNT]; /* owned: decoded strings of the current message */
    struct a2a_buf scratch;       /* owned: member names and values while compared */
    struct a2a_buf label;         /* owned: "INPUT: message K (MessageId "ID") at byte N" */
    struct a2a_buf body_name;     /* owned: names of the decoded strings, for messages */
    struct a2a_buf inner_name;
    struct a2a_buf payload_name;
    struct a2a_buf body;         /* owned: the decoded Body, body or Sns.Message */
    struct a2a_buf inner;        /* owned: the decoded Message of an SNS notification body */
    struct a2a_buf payload_text; /* owned: a payload given as a string, decoded */

    /* An S3 payload whose records are being handed out. */
    struct a2a_memory payload_mem;
    struct a2a_scanner *payload; /* owned; NULL when none */
    char gap[A2A_ERROR_MSG_MAX]; /* why it is not its whole batch; "" when it is */

    /* The end of the last value of the outer input a read may go on from, and its input. */
    int has_place;
    size_t place_input;
    uint64_t place_end;
    uint64_t place_message; /* the index of the message whose value ended there; 0: none */

    struct a2a_message msg; /* the current message */
    struct a2a_range range; /* its range, once read */
    int has_range;
    struct a2a_buf text; /* owned: the current MESSAGE_ERROR or WARNING, NUL-terminated */
};

/* A text a message is read from: its name for messages, and where its offsets count from. */
struct text {
    const char *name; /* NUL-terminated */
    const char *base;
};

int a2a_items_open(struct a2a_items **out, struct a2a_scanner *sc,
                   const struct a2a_items_config *cfg, struct a2a_error *err)
{
    struct a2a_items *it = calloc(1, sizeof(*it));

    *out = NULL;
    if (it == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    it->outer = sc;
    it->cfg = *cfg;
    *out = it;
    return 0;
}

void a2a_items_free(struct a2a_items **pit)
{
    struct a2a_items *it = *pit;

    if (it == NULL) {
        return;
    }
    for (int k = 0; k < S_COUNT; k++) {
        a2a_buf_free(&it->strs[k]);
    }
    a2a_buf_free(&it->scratch);
    a2a_buf_free(&it->label);
    a2a_buf_free(&it->body_name);
    a2a_buf_free(&it->inner_name);
    a2a_buf_free(&it->payload_name);
    a2a_buf_free(&it->body);
    a2a_buf_free(&it->inner);
    a2a_buf_free(&it->payload_text);
    a2a_buf_free(&it->text);
    a2a_scanner_free(&it->payload);
    free(it);
    *pit = NULL;
}

static struct a2a_str buf_str(const struct a2a_buf *b)
{
    return (struct a2a_str){b->data != NULL ? b->data : "", b->len};
}

/* name = prefix + suffix, NUL-terminated. Returns 0 or NOMEM. */
static int set_name(struct a2a_buf *name, const char *prefix, const char *suffix)
{
    a2a_buf_reset(name);
    if (a2a_buf_puts(name, prefix) != 0 || a2a_buf_puts(name, suffix) != 0 ||
        a2a_buf_putc(name, '\0') != 0) {
        return NOMEM;
    }
    return 0;
}

/* Fills item as the current message's MESSAGE_ERROR or WARNING with "NAME: [byte N: ]what". */
static int message_item(struct a2a_items *it, struct a2a_item *item, enum a2a_item_kind kind,
                        const struct text *t, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int message_item(struct a2a_items *it, struct a2a_item *item, enum a2a_item_kind kind,
                        const struct text *t, const char *at, const char *fmt, ...)
{
    char what[A2A_ERROR_MSG_MAX];
    char offset[48];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    offset[0] = '\0';
    if (at != NULL) {
        snprintf(offset, sizeof(offset), ": byte %zu", (size_t)(at - t->base));
    }
    a2a_buf_reset(&it->text);
    if (a2a_buf_puts(&it->text, t->name) != 0 || a2a_buf_puts(&it->text, offset) != 0 ||
        a2a_buf_puts(&it->text, ": ") != 0 || a2a_buf_puts(&it->text, what) != 0 ||
        a2a_buf_putc(&it->text, '\0') != 0) {
        return NOMEM;
    }
    memset(item, 0, sizeof(*item));
    item->kind = kind;
    item->msg = it->msg;
    item->has_range = it->has_range;
    item->range = it->range;
    item->text = it->text.data;
    return ITEM;
}

/* A nested scanner's error as the current message's MESSAGE_ERROR (it names everything). */
static int scan_error_item(struct a2a_items *it, struct a2a_item *item, const struct a2a_error *err)
{
    if (err->code == A2A_E_NOMEM) {
        return NOMEM;
    }
    a2a_buf_reset(&it->text);
    if (a2a_buf_puts(&it->text, err->msg) != 0 || a2a_buf_putc(&it->text, '\0') != 0) {
        return NOMEM;
    }
    memset(item, 0, sizeof(*item));
    item->kind = A2A_ITEM_MESSAGE_ERROR;
    item->msg = it->msg;
    item->has_range = it->has_range;
    item->range = it->range;
    item->text = it->text.data;
    return ITEM;
}

/*
 * 1 when the raw string content span (escapes kept) of rec decodes to lit (n bytes). Called
 * for every stream record ("aws:dynamodb"): a span of another length that cannot be an
 * escaped form of lit is told apart without a look for escapes.
 */
static int span_is(struct a2a_items *it, const struct a2a_raw_record *rec, struct a2a_span s,
                   const char *lit, size_t n)
{
    const char *raw = rec->bytes + s.off;

    if (s.len == n && memcmp(raw, lit, n) == 0) {
        return 1;
    }
    /* An escape only makes the text longer; the envelope knows when the record has none. */
    if (s.len <= n || (rec->envelope != NULL && !rec->envelope->escapes) ||
        memchr(raw, '\\', s.len) == NULL) {
        return 0;
    }
    if (a2a_json_unescape(raw, s.len, &it->scratch) != A2A_UNESCAPE_OK) {
        return 0;
    }
    return it->scratch.len == n && memcmp(it->scratch.data, lit, n) == 0;
}

/*
 * Decodes the string value v into out. Returns 0, ITEM (a MESSAGE_ERROR: what names the value
 * for the message) or NOMEM.
 */
static int decode_string(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                         struct a2a_str v, const char *what, struct a2a_buf *out)
{
    enum a2a_unescape_status st = a2a_json_unescape(v.ptr + 1, v.len - 2, out);

    switch (st) {
    case A2A_UNESCAPE_OK:
        return 0;
    case A2A_UNESCAPE_NUL:
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, v.ptr,
                            "%s holds U+0000 at byte %zu of its text", what, out->len);
    case A2A_UNESCAPE_SURROGATE:
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, v.ptr,
                            "%s holds a lone UTF-16 surrogate escape after byte %zu of its text",
                            what, out->len);
    default:
        return NOMEM;
    }
}

/*
 * An optional string member: absent or null leaves *has 0; a string is decoded into
 * strs[slot]. Returns 0, ITEM or NOMEM.
 */
static int optional_string(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                           const struct a2a_jv_field *f, int slot, int *has, struct a2a_str *out)
{
    enum a2a_jv_type type = a2a_jv_type(f->value);
    int r;

    *has = 0;
    *out = (struct a2a_str){NULL, 0};
    if (f->count > 1) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f->value.ptr,
                            "\"%s\" appears %u times", f->name, f->count);
    }
    if (f->count == 0 || type == A2A_JV_NULL) {
        return 0;
    }
    if (type != A2A_JV_STRING) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f->value.ptr,
                            "\"%s\" is not a string", f->name);
    }
    r = decode_string(it, item, t, f->value, f->name, &it->strs[slot]);
    if (r != 0) {
        return r;
    }
    *has = 1;
    *out = buf_str(&it->strs[slot]);
    return 0;
}

/* A string member that must be there. Returns 0, ITEM or NOMEM. */
static int required_string(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                           const struct a2a_jv_field *f, const char *in, int slot,
                           struct a2a_str *out)
{
    int has = 0;
    int r = optional_string(it, item, t, f, slot, &has, out);

    if (r != 0) {
        return r;
    }
    if (!has) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, NULL,
                            "not an invocation record: %s has no \"%s\" string", in, f->name);
    }
    if (out->len == 0) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f->value.ptr,
                            "not an invocation record: %s has an empty \"%s\"", in, f->name);
    }
    return 0;
}

/*
 * Reads text[0..len) (named name) as exactly one JSON document with a nested scanner:
 * *doc is the document within text. Returns 0, ITEM (the MESSAGE_ERROR) or NOMEM.
 */
static int scan_whole(struct a2a_items *it, struct a2a_item *item, const struct text *t, size_t len,
                      struct a2a_str *doc)
{
    struct a2a_memory mem = {.bytes = t->base, .len = len, .name = t->name};
    struct a2a_scanner_config cfg = {.read_chunk =
                                         it->cfg.read_chunk ? it->cfg.read_chunk : len + 1,
                                     .max_record = it->cfg.max_record,
                                     .mode = A2A_SCAN_WHOLE,
                                     .not_a_file = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_scanner *sc = NULL;
    struct a2a_source src;
    struct a2a_raw_record rec;
    int r;

    a2a_memory_source(&src, &mem);
    if (a2a_scanner_open(&sc, &src, &cfg, &err) != 0) {
        return NOMEM;
    }
    r = a2a_scanner_next(sc, &rec, &err);
    if (r == 1) {
        *doc = (struct a2a_str){t->base + rec.offset, rec.len};
        r = a2a_scanner_next(sc, &rec, &err);
        if (r == 1) {
            a2a_scanner_free(&sc);
            return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, t->base + rec.offset,
                                "a second JSON document: one was expected");
        }
    }
    a2a_scanner_free(&sc);
    if (r < 0) {
        return scan_error_item(it, item, &err);
    }
    if (a2a_jv_type(*doc) != A2A_JV_OBJECT) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, doc->ptr, "not a JSON object");
    }
    return 0;
}

/* Starts a message at rec: counts it and names it, before its MessageId is known. */
static int begin_message(struct a2a_items *it, const struct a2a_raw_record *rec, enum a2a_via via)
{
    it->messages++;
    memset(&it->msg, 0, sizeof(it->msg));
    memset(&it->range, 0, sizeof(it->range));
    it->has_range = 0;
    it->gap[0] = '\0';
    it->msg.via = via;
    it->msg.index = it->messages;
    it->msg.input = rec->file;
    it->msg.offset = rec->offset;
    if (it->has_place && it->place_input == rec->input) {
        it->msg.has_place_before = 1;
        it->msg.place_before = it->place_end;
    }
    return 0;
}

/* The label of the current message: "INPUT: message K[ (MessageId "ID")] at byte N". */
static int label_message(struct a2a_items *it)
{
    char id[320];
    char head[160];

    a2a_buf_reset(&it->label);
    snprintf(head, sizeof(head), "%s: message %llu", it->msg.input,
             (unsigned long long)it->msg.index);
    if (a2a_buf_puts(&it->label, head) != 0) {
        return NOMEM;
    }
    if (it->msg.has_message_id) {
        a2a_quote_for_message(id, sizeof(id), it->msg.message_id, 64);
        if (a2a_buf_puts(&it->label, " (MessageId ") != 0 || a2a_buf_puts(&it->label, id) != 0 ||
            a2a_buf_putc(&it->label, ')') != 0) {
            return NOMEM;
        }
    }
    snprintf(head, sizeof(head), " at byte %llu", (unsigned long long)it->msg.offset);
    if (a2a_buf_puts(&it->label, head) != 0 || a2a_buf_putc(&it->label, '\0') != 0) {
        return NOMEM;
    }
    return 0;
}

/* Reads the members of DDBStreamBatchInfo into it->range. Returns 0, ITEM or NOMEM. */
static int read_batch_info(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                           struct a2a_str info)
{
    struct a2a_jv_field f[] = {
        {.name = "streamArn"},
        {.name = "shardId"},
        {.name = "startSequenceNumber"},
        {.name = "endSequenceNumber"},
        {.name = "batchSize"},
        {.name = "approximateArrivalOfFirstRecord"},
        {.name = "approximateArrivalOfLastRecord"},
    };
    const char *in = "\"DDBStreamBatchInfo\"";
    struct a2a_range *rg = &it->range;
    int r;

    if (a2a_jv_fields(info, f, 7, &it->scratch) == -2) {
        return NOMEM;
    }
    r = required_string(it, item, t, &f[0], in, S_ARN, &rg->stream_arn);
    if (r == 0) {
        r = required_string(it, item, t, &f[1], in, S_SHARD, &rg->shard_id);
    }
    if (r == 0) {
        r = required_string(it, item, t, &f[2], in, S_START, &rg->start_seq);
    }
    if (r == 0) {
        r = required_string(it, item, t, &f[3], in, S_END, &rg->end_seq);
    }
    if (r == 0) {
        r = optional_string(it, item, t, &f[5], S_FIRST, &rg->has_first_arrival,
                            &rg->first_arrival);
    }
    if (r == 0) {
        r = optional_string(it, item, t, &f[6], S_LAST, &rg->has_last_arrival, &rg->last_arrival);
    }
    if (r != 0) {
        return r;
    }
    for (int k = 2; k <= 3; k++) {
        struct a2a_str v = buf_str(&it->strs[k == 2 ? S_START : S_END]);
        if (!a2a_seqnum_valid(v.ptr, v.len)) {
            return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f[k].value.ptr,
                                "\"%s\" is not a sequence number (21 to 40 digits)", f[k].name);
        }
    }
    if (a2a_seqnum_cmp(rg->start_seq.ptr, rg->start_seq.len, rg->end_seq.ptr, rg->end_seq.len) >
        0) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f[3].value.ptr,
                            "\"endSequenceNumber\" is below \"startSequenceNumber\"");
    }
    if (f[4].count != 1 || a2a_jv_type(f[4].value) != A2A_JV_NUMBER ||
        a2a_parse_u64(f[4].value.ptr, f[4].value.len, &rg->batch_size) != A2A_NUM_OK ||
        rg->batch_size == 0) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t,
                            f[4].count > 0 ? f[4].value.ptr : NULL,
                            "not an invocation record: %s has no \"batchSize\" that is one "
                            "positive whole number",
                            in);
    }
    return 0;
}

/* requestContext.condition and responseContext.functionError. Returns 0, ITEM or NOMEM. */
static int read_contexts(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                         const struct a2a_jv_field *request, const struct a2a_jv_field *response)
{
    struct a2a_jv_field cond = {.name = "condition"};
    struct a2a_jv_field fnerr = {.name = "functionError"};
    int r;

    if (request->count > 0 && a2a_jv_type(request->value) == A2A_JV_OBJECT) {
        if (a2a_jv_fields(request->value, &cond, 1, &it->scratch) == -2) {
            return NOMEM;
        }
    }
    if (response->count > 0 && a2a_jv_type(response->value) == A2A_JV_OBJECT) {
        if (a2a_jv_fields(response->value, &fnerr, 1, &it->scratch) == -2) {
            return NOMEM;
        }
    }
    r = optional_string(it, item, t, &cond, S_CONDITION, &it->range.has_condition,
                        &it->range.condition);
    if (r != 0) {
        return r;
    }
    return optional_string(it, item, t, &fnerr, S_FUNCTION_ERROR, &it->range.has_function_error,
                           &it->range.function_error);
}

/* The POINTER item of the current message. */
static int pointer_item(struct a2a_items *it, struct a2a_item *item)
{
    memset(item, 0, sizeof(*item));
    item->kind = A2A_ITEM_POINTER;
    item->msg = it->msg;
    item->has_range = 1;
    item->range = it->range;
    return ITEM;
}

/*
 * Opens a scanner over the payload text it->payload_mem describes. The payload is already in
 * memory and the scanner holds one record of it at a time, so it copies small chunks rather
 * than a second copy of the whole payload (up to Lambda's 6 MB).
 */
static int open_payload_scanner(struct a2a_items *it, struct a2a_scanner **sc)
{
    struct a2a_scanner_config cfg = {.read_chunk = it->cfg.read_chunk ? it->cfg.read_chunk
                                                                      : PAYLOAD_READ_CHUNK,
                                     .max_record = it->cfg.max_record,
                                     .mode = A2A_SCAN_EVENTS,
                                     .not_a_file = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_source src;

    a2a_memory_source(&src, &it->payload_mem);
    return a2a_scanner_open(sc, &src, &cfg, &err) == 0 ? 0 : NOMEM;
}

/*
 * Checks one payload record (number k, at rec) against the range: it must have a
 * dynamodb.SequenceNumber within start..end. Returns 0, ITEM or NOMEM.
 */
static int check_payload_record(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                                const struct a2a_raw_record *rec, uint64_t k)
{
    struct a2a_str bytes = {rec->bytes, rec->len};
    struct a2a_jv_field ddb = {.name = "dynamodb"};
    struct a2a_jv_field seq = {.name = "SequenceNumber"};
    const char *at = t->base + rec->offset;
    struct a2a_buf *s = &it->strs[S_SEQ];
    const struct a2a_range *rg = &it->range;
    char shown[160];

    if (rec->origin != A2A_FROM_RECORDS) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, at,
                            "not a stream event: the payload must be {\"Records\":[...]}");
    }
    if (a2a_jv_fields(bytes, &ddb, 1, &it->scratch) == -2 ||
        (ddb.count == 1 && a2a_jv_fields(ddb.value, &seq, 1, &it->scratch) == -2)) {
        return NOMEM;
    }
    if (ddb.count > 1 || seq.count > 1) {
        /* ambiguous, as the handler's rules take a member given twice */
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, at,
                            "payload record %llu has %s twice: which one to check against the "
                            "range is ambiguous",
                            (unsigned long long)k,
                            ddb.count > 1 ? "\"dynamodb\"" : "dynamodb.SequenceNumber");
    }
    if (ddb.count != 1 || seq.count != 1 || a2a_jv_type(seq.value) != A2A_JV_STRING) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, at,
                            "payload record %llu has no dynamodb.SequenceNumber string to check "
                            "against the range",
                            (unsigned long long)k);
    }
    if (a2a_json_unescape(seq.value.ptr + 1, seq.value.len - 2, s) == A2A_UNESCAPE_NOMEM) {
        return NOMEM;
    }
    if (!a2a_seqnum_valid(s->data, s->len) ||
        a2a_seqnum_cmp(s->data, s->len, rg->start_seq.ptr, rg->start_seq.len) < 0 ||
        a2a_seqnum_cmp(s->data, s->len, rg->end_seq.ptr, rg->end_seq.len) > 0) {
        a2a_quote_for_message(shown, sizeof(shown), buf_str(s), 48);
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, at,
                            "payload record %llu has SequenceNumber %s, outside the range "
                            "%.*s..%.*s of its DDBStreamBatchInfo",
                            (unsigned long long)k, shown, (int)rg->start_seq.len, rg->start_seq.ptr,
                            (int)rg->end_seq.len, rg->end_seq.ptr);
    }
    return 0;
}

static void set_gap(struct a2a_items *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_gap(struct a2a_items *it, const char *fmt, ...)
{
    va_list ap;

    if (it->gap[0] != '\0') {
        return; /* the first reason found is the one said */
    }
    va_start(ap, fmt);
    vsnprintf(it->gap, sizeof(it->gap), fmt, ap);
    va_end(ap);
}

/*
 * Payload record k (its SequenceNumber in S_SEQ, already within the range) after the one
 * before it: a batch's records come in strictly rising order, so a repeat or a step back
 * means records of the batch are missing or mixed in. Keeps it in S_PREV_SEQ. 0 or NOMEM.
 */
static int check_payload_order(struct a2a_items *it, uint64_t k)
{
    struct a2a_buf *cur = &it->strs[S_SEQ];
    struct a2a_buf *prev = &it->strs[S_PREV_SEQ];
    char shown[160];

    if (k > 1 && a2a_seqnum_cmp(cur->data, cur->len, prev->data, prev->len) <= 0) {
        a2a_quote_for_message(shown, sizeof(shown), buf_str(cur), 48);
        set_gap(it, "its record %llu (SequenceNumber %s) %s the one before it",
                (unsigned long long)k, shown,
                a2a_seqnum_cmp(cur->data, cur->len, prev->data, prev->len) == 0 ? "repeats"
                                                                                : "comes before");
    }
    if (k == 1 && a2a_seqnum_cmp(cur->data, cur->len, it->range.start_seq.ptr,
                                 it->range.start_seq.len) != 0) {
        a2a_quote_for_message(shown, sizeof(shown), buf_str(cur), 48);
        set_gap(it, "its first record is %s, not startSequenceNumber %.*s", shown,
                (int)it->range.start_seq.len, it->range.start_seq.ptr);
    }
    a2a_buf_reset(prev);
    return a2a_buf_append(prev, cur->data, cur->len) == 0 ? 0 : NOMEM;
}

/*
 * After the first pass: an S3 object stands for the stream only when it holds its whole
 * batch, from startSequenceNumber through endSequenceNumber, batchSize records. Anything
 * less is said (it->gap) after its records, and its message is not acked: the records
 * missing exist only in the stream, and acking would drop them for good.
 */
static void check_payload_whole(struct a2a_items *it, uint64_t n)
{
    const struct a2a_buf *last = &it->strs[S_PREV_SEQ];
    const struct a2a_range *rg = &it->range;
    char shown[160];

    if (n == 0) {
        set_gap(it, "it holds no record");
    } else if (a2a_seqnum_cmp(last->data, last->len, rg->end_seq.ptr, rg->end_seq.len) != 0) {
        a2a_quote_for_message(shown, sizeof(shown), buf_str(last), 48);
        set_gap(it, "its last record is %s, not endSequenceNumber %.*s", shown,
                (int)rg->end_seq.len, rg->end_seq.ptr);
    }
    if (n != rg->batch_size) {
        set_gap(it, "it holds %llu record%s, \"batchSize\" says %llu", (unsigned long long)n,
                n == 1 ? "" : "s", (unsigned long long)rg->batch_size);
    }
}

/*
 * First pass over a payload: every record is read and checked before any is handed out, so
 * a payload that fails anywhere gives only its MESSAGE_ERROR. Returns 0, ITEM or NOMEM.
 */
static int check_payload(struct a2a_items *it, struct a2a_item *item, const struct text *t)
{
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_scanner *sc = NULL;
    struct a2a_raw_record rec;
    uint64_t n = 0;
    int r;

    if (open_payload_scanner(it, &sc) != 0) {
        return NOMEM;
    }
    it->gap[0] = '\0';
    for (;;) {
        r = a2a_scanner_next(sc, &rec, &err);
        if (r <= 0) {
            break;
        }
        r = check_payload_record(it, item, t, &rec, ++n);
        if (r == 0) {
            r = check_payload_order(it, n);
        }
        if (r != 0) {
            break;
        }
    }
    a2a_scanner_free(&sc);
    if (r < 0 && err.code != A2A_OK) {
        return scan_error_item(it, item, &err);
    }
    if (r != 0) {
        return r;
    }
    check_payload_whole(it, n);
    it->range.inline_records = 1;
    it->range.payload_records = n;
    it->range.payload_whole = it->gap[0] == '\0';
    return 0;
}

/*
 * The payload member of an invocation record (an S3 object): checked in full, then opened
 * for its records. Returns ITEM (the POINTER, or the MESSAGE_ERROR) or NOMEM.
 */
static int use_payload(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                       const struct a2a_jv_field *payload)
{
    struct text pt = {.name = NULL, .base = payload->value.ptr};
    enum a2a_jv_type type = a2a_jv_type(payload->value);
    int r;

    if (payload->count > 1 || (type != A2A_JV_OBJECT && type != A2A_JV_STRING)) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, payload->value.ptr,
                            "\"payload\" is not one {\"Records\":[...]} event, as an object or "
                            "as a JSON string");
    }
    if (set_name(&it->payload_name, t->name, ": payload") != 0) {
        return NOMEM;
    }
    pt.name = it->payload_name.data;
    if (type == A2A_JV_STRING) {
        r = decode_string(it, item, t, payload->value, "\"payload\"", &it->payload_text);
        if (r != 0) {
            return r;
        }
        pt.base = it->payload_text.data != NULL ? it->payload_text.data : "";
        it->payload_mem =
            (struct a2a_memory){.bytes = pt.base, .len = it->payload_text.len, .name = pt.name};
    } else {
        it->payload_mem = (struct a2a_memory){
            .bytes = payload->value.ptr, .len = payload->value.len, .name = pt.name};
    }
    r = check_payload(it, item, &pt);
    if (r != 0) {
        return r;
    }
    if (open_payload_scanner(it, &it->payload) != 0) {
        return NOMEM;
    }
    return pointer_item(it, item);
}

/*
 * An invocation record doc (a JSON object within t's text): a POINTER, with an S3 payload the
 * POINTER and then its records, or a MESSAGE_ERROR. Returns ITEM or NOMEM.
 */
static int use_invocation(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                          struct a2a_str doc)
{
    struct a2a_jv_field f[] = {
        {.name = "DDBStreamBatchInfo"},
        {.name = "requestContext"},
        {.name = "responseContext"},
        {.name = "payload"},
    };
    int r;

    if (a2a_jv_fields(doc, f, 4, &it->scratch) == -2) {
        return NOMEM;
    }
    if (f[0].count == 0) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, doc.ptr,
                            "not an invocation record: no \"DDBStreamBatchInfo\"");
    }
    if (f[0].count > 1 || a2a_jv_type(f[0].value) != A2A_JV_OBJECT) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, t, f[0].value.ptr,
                            "not an invocation record: \"DDBStreamBatchInfo\" is not one object");
    }
    r = read_batch_info(it, item, t, f[0].value);
    if (r == 0) {
        r = read_contexts(it, item, t, &f[1], &f[2]);
    }
    if (r != 0) {
        return r;
    }
    it->has_range = 1;
    if (f[3].count > 0) {
        return use_payload(it, item, t, &f[3]);
    }
    return pointer_item(it, item);
}

/*
 * A JSON string that holds a document (an SQS body, an SNS Message): decoded into out, named
 * "<t's name><suffix>", read by a nested scanner. *inner and *doc describe it. Returns 0,
 * ITEM or NOMEM.
 */
static int nested_document(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                           struct a2a_str value, const char *suffix, struct a2a_buf *name,
                           struct a2a_buf *out, struct text *inner, struct a2a_str *doc)
{
    int r;

    if (set_name(name, t->name, suffix) != 0) {
        return NOMEM;
    }
    inner->name = name->data;
    inner->base = value.ptr;
    r = decode_string(it, item, t, value, suffix + 2, out);
    if (r != 0) {
        return r;
    }
    inner->base = out->data != NULL ? out->data : "";
    return scan_whole(it, item, inner, out->len, doc);
}

/*
 * An SQS message body: an invocation record, or an SNS notification whose Message is one.
 * Returns ITEM or NOMEM.
 */
static int use_body(struct a2a_items *it, struct a2a_item *item, const struct text *t,
                    struct a2a_str body, const char *suffix)
{
    struct a2a_jv_field f[] = {
        {.name = "DDBStreamBatchInfo"}, {.name = "Type"}, {.name = "Message"}};
    struct text bt;
    struct text mt;
    struct a2a_str doc;
    struct a2a_str inner;
    int r;

    r = nested_document(it, item, t, body, suffix, &it->body_name, &it->body, &bt, &doc);
    if (r != 0) {
        return r;
    }
    if (a2a_jv_fields(doc, f, 3, &it->scratch) == -2) {
        return NOMEM;
    }
    if (f[0].count > 0) {
        return use_invocation(it, item, &bt, doc);
    }
    if (f[1].count != 1 || a2a_jv_type(f[1].value) != A2A_JV_STRING ||
        f[1].value.len != strlen("\"Notification\"") ||
        memcmp(f[1].value.ptr, "\"Notification\"", f[1].value.len) != 0 || f[2].count != 1 ||
        a2a_jv_type(f[2].value) != A2A_JV_STRING) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &bt, doc.ptr,
                            "neither an invocation record (no \"DDBStreamBatchInfo\") nor an SNS "
                            "notification (\"Type\":\"Notification\" with a \"Message\" string)");
    }
    it->msg.sns_envelope = 1;
    r = nested_document(it, item, &bt, f[2].value, ": Message", &it->inner_name, &it->inner, &mt,
                        &inner);
    if (r != 0) {
        return r;
    }
    return use_invocation(it, item, &mt, inner);
}

/*
 * An SQS message: an element of Messages (receive-message output, upper-case names) or a
 * record of a Lambda SQS event (lower-case names). Returns ITEM or NOMEM.
 */
static int use_sqs_message(struct a2a_items *it, struct a2a_item *item,
                           const struct a2a_raw_record *rec, enum a2a_via via)
{
    int upper = via == A2A_VIA_SQS_RECEIVE;
    struct a2a_jv_field f[] = {
        {.name = upper ? "MessageId" : "messageId"},
        {.name = upper ? "ReceiptHandle" : "receiptHandle"},
        {.name = upper ? "Body" : "body"},
    };
    struct text t = {.name = rec->file, .base = rec->bytes};
    struct a2a_str bytes = {rec->bytes, rec->len};
    int r;

    begin_message(it, rec, via);
    if (label_message(it) != 0) {
        return NOMEM;
    }
    t.name = it->label.data;
    if (a2a_jv_type(bytes) != A2A_JV_OBJECT) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t, rec->bytes,
                            "an SQS message must be a JSON object");
    }
    if (a2a_jv_fields(bytes, f, 3, &it->scratch) == -2) {
        return NOMEM;
    }
    r = optional_string(it, item, &t, &f[0], S_MESSAGE_ID, &it->msg.has_message_id,
                        &it->msg.message_id);
    if (r == 0) {
        r = optional_string(it, item, &t, &f[1], S_RECEIPT, &it->msg.has_receipt_handle,
                            &it->msg.receipt_handle);
    }
    if (r == 0 && label_message(it) != 0) {
        return NOMEM;
    }
    t.name = it->label.data;
    if (r != 0) {
        return r;
    }
    if (f[2].count != 1 || a2a_jv_type(f[2].value) != A2A_JV_STRING) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t,
                            f[2].count > 0 ? f[2].value.ptr : NULL,
                            "an SQS message needs one \"%s\" string", f[2].name);
    }
    return use_body(it, item, &t, f[2].value, upper ? ": Body" : ": body");
}

/* A record of a Lambda SNS event: Sns.Message holds the invocation record. */
static int use_sns_record(struct a2a_items *it, struct a2a_item *item,
                          const struct a2a_raw_record *rec)
{
    struct a2a_jv_field sns = {.name = "Sns"};
    struct a2a_jv_field f[] = {{.name = "MessageId"}, {.name = "Message"}};
    struct text t = {.name = NULL, .base = rec->bytes};
    struct text mt;
    struct a2a_str doc;
    int r;

    begin_message(it, rec, A2A_VIA_SNS_EVENT);
    if (label_message(it) != 0) {
        return NOMEM;
    }
    t.name = it->label.data;
    if (a2a_jv_fields((struct a2a_str){rec->bytes, rec->len}, &sns, 1, &it->scratch) == -2 ||
        (sns.count == 1 && a2a_jv_fields(sns.value, f, 2, &it->scratch) == -2)) {
        return NOMEM;
    }
    if (sns.count != 1 || a2a_jv_type(sns.value) != A2A_JV_OBJECT) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t, NULL,
                            "an SNS event record needs one \"Sns\" object");
    }
    r = optional_string(it, item, &t, &f[0], S_MESSAGE_ID, &it->msg.has_message_id,
                        &it->msg.message_id);
    if (r == 0 && label_message(it) != 0) {
        return NOMEM;
    }
    t.name = it->label.data;
    if (r != 0) {
        return r;
    }
    if (f[1].count != 1 || a2a_jv_type(f[1].value) != A2A_JV_STRING) {
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t,
                            f[1].count > 0 ? f[1].value.ptr : sns.value.ptr,
                            "an SNS event record needs one \"Sns\".\"Message\" string");
    }
    r = nested_document(it, item, &t, f[1].value, ": Sns.Message", &it->body_name, &it->body, &mt,
                        &doc);
    if (r != 0) {
        return r;
    }
    return use_invocation(it, item, &mt, doc);
}

/* An invocation record that is a document of its own (an S3 object is one too). */
static int use_document(struct a2a_items *it, struct a2a_item *item,
                        const struct a2a_raw_record *rec)
{
    struct text t = {.name = NULL, .base = rec->bytes};

    begin_message(it, rec, A2A_VIA_DOCUMENT);
    if (label_message(it) != 0) {
        return NOMEM;
    }
    t.name = it->label.data;
    return use_invocation(it, item, &t, (struct a2a_str){rec->bytes, rec->len});
}

/* A stream record handed on as it is. */
static int record_item(struct a2a_items *it, struct a2a_item *item,
                       const struct a2a_raw_record *rec, int in_payload)
{
    /* Every record passes here: only what a record's reader looks at is written. */
    item->kind = A2A_ITEM_RECORD;
    item->rec = *rec;
    item->rec.position = ++it->records;
    item->text = NULL;
    if (in_payload) {
        item->msg = it->msg;
        item->has_range = 1;
        item->range = it->range;
    } else {
        item->msg = (struct a2a_message){.via = A2A_VIA_NONE};
        item->has_range = 0;
    }
    return ITEM;
}

/*
 * An element of Records or of a top-level array: by its eventSource / EventSource, an SQS or
 * SNS message, else a stream record as before.
 */
static int use_element(struct a2a_items *it, struct a2a_item *item,
                       const struct a2a_raw_record *rec)
{
    int sqs = rec->has_event_source && span_is(it, rec, rec->event_source, "aws:sqs", 7);
    int sns = rec->has_upper_source && span_is(it, rec, rec->upper_source, "aws:sns", 7);

    if (!sqs && !sns) {
        return record_item(it, item, rec, 0);
    }
    if ((sqs && sns) || rec->event_source_count > 1 || rec->upper_source_count > 1) {
        struct text t = {.name = NULL, .base = rec->bytes};

        begin_message(it, rec, sqs ? A2A_VIA_SQS_EVENT : A2A_VIA_SNS_EVENT);
        if (label_message(it) != 0) {
            return NOMEM;
        }
        t.name = it->label.data;
        return message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t, NULL,
                            "\"eventSource\" / \"EventSource\" do not name one source");
    }
    return sqs ? use_sqs_message(it, item, rec, A2A_VIA_SQS_EVENT) : use_sns_record(it, item, rec);
}

/* The next record of the current S3 payload, its count warning, or 0 when it is done. */
static int payload_next(struct a2a_items *it, struct a2a_item *item, struct a2a_error *err)
{
    struct a2a_raw_record rec;
    struct text t = {.name = it->label.data, .base = NULL};
    int r = a2a_scanner_next(it->payload, &rec, err);

    if (r == 1) {
        return record_item(it, item, &rec, 1);
    }
    a2a_scanner_free(&it->payload);
    if (r < 0) {
        return -1; /* the first pass read the same bytes: only memory can run out here */
    }
    if (it->gap[0] != '\0') {
        const struct a2a_range *rg = &it->range;
        char arn[512];
        char shard[256];
        char start[96];
        char end[96];
        r = message_item(it, item, A2A_ITEM_MESSAGE_ERROR, &t, NULL,
                         "the payload is not the whole batch of its DDBStreamBatchInfo: %s; its "
                         "records are replayed, but the message is not acked: the rest of the "
                         "batch is only in the stream (--stream %s --shard %s --from at:%s "
                         "--to %s) or in another message naming its range",
                         it->gap, a2a_command_word(arn, sizeof(arn), rg->stream_arn),
                         a2a_command_word(shard, sizeof(shard), rg->shard_id),
                         a2a_command_word(start, sizeof(start), rg->start_seq),
                         a2a_command_word(end, sizeof(end), rg->end_seq));
        it->gap[0] = '\0';
        return r;
    }
    return 0;
}

int a2a_items_next(struct a2a_items *it, struct a2a_item *item, struct a2a_error *err)
{
    struct a2a_raw_record rec;
    int r;

    if (it->failed) {
        a2a_error_set(err, A2A_E_INPUT, "%s: input already failed", a2a_scanner_name(it->outer));
        return -1;
    }
    if (it->payload != NULL) {
        r = payload_next(it, item, err);
        if (r != 0) {
            it->failed = r < 0;
            return r;
        }
    }
    r = a2a_scanner_next(it->outer, &rec, err);
    if (r <= 0) {
        it->failed = r < 0;
        return r;
    }
    if (rec.origin == A2A_FROM_MESSAGES) {
        r = use_sqs_message(it, item, &rec, A2A_VIA_SQS_RECEIVE);
    } else if (rec.origin == A2A_FROM_DOCUMENT && rec.batch_info) {
        r = use_document(it, item, &rec);
    } else if (rec.origin == A2A_FROM_DOCUMENT) {
        r = record_item(it, item, &rec, 0);
    } else {
        r = use_element(it, item, &rec);
    }
    if (r == NOMEM) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory reading %s", rec.file);
        it->failed = 1;
        return -1;
    }
    /* the end of every value is a place, a "Messages" element's too (scanner.h) */
    it->has_place = 1;
    it->place_input = rec.input;
    it->place_end = rec.offset + rec.len;
    it->place_message = item->msg.via != A2A_VIA_NONE ? item->msg.index : 0;
    return ITEM;
}

int a2a_items_place(const struct a2a_items *it, size_t *input, uint64_t *end, uint64_t *message)
{
    if (!it->has_place) {
        return 0;
    }
    *input = it->place_input;
    *end = it->place_end;
    *message = it->place_message;
    return 1;
}

/* Appends "<len>:<bytes>" so no part can run into the next. */
static int key_part(struct a2a_buf *out, const char *p, size_t len)
{
    if (a2a_buf_put_u64(out, len) != 0 || a2a_buf_putc(out, ':') != 0 ||
        a2a_buf_append(out, p, len) != 0) {
        return -1;
    }
    return 0;
}

/* A sequence number's digits without leading zeros (one kept for zero). */
static struct a2a_str significant(struct a2a_str s)
{
    while (s.len > 1 && s.ptr[0] == '0') {
        s.ptr++;
        s.len--;
    }
    return s;
}

int a2a_range_key(const struct a2a_range *r, struct a2a_buf *out)
{
    struct a2a_str start = significant(r->start_seq);
    struct a2a_str end = significant(r->end_seq);

    if (key_part(out, r->stream_arn.ptr, r->stream_arn.len) != 0 ||
        key_part(out, r->shard_id.ptr, r->shard_id.len) != 0 ||
        key_part(out, start.ptr, start.len) != 0 || key_part(out, end.ptr, end.len) != 0) {
        return -1;
    }
    return 0;
}
