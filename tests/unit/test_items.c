/*
 * items.h through input.h: every input shape of a redrive, as one line per item, compared
 * with the expected lines. Each row runs twice, read at once and one byte per read (the
 * nested scanners too): the items must not depend on where the reads split the input.
 * Fixtures are testdata/redrive/ (README.md there says where each field comes from).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "input.h"
#include "items.h"
#include "jsonview.h"

#define S1 "800000000003126276362"
#define S2 "800000000003126276363"
#define S3 "800000000003126276364"
#define ARN                                                                                        \
    "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"            \
    "2024-01-01T00:00:00.000"
#define SHARD "shardId-00000001700000000000-aaaaaaaa"

static char *read_fixture(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "%s/testdata/redrive/%s", A2A_SOURCE_DIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void put(struct a2a_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct a2a_buf *out, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_int_equal(a2a_buf_puts(out, line), 0);
}

static const char *via_name(enum a2a_via v)
{
    static const char *const names[] = {"none", "document", "sqs-receive", "sqs-event",
                                        "sns-event"};
    return names[v];
}

static void put_str(struct a2a_buf *out, const char *label, int has, struct a2a_str s)
{
    if (has) {
        put(out, " %s=%.*s", label, (int)s.len, s.ptr);
    }
}

/* The first lit in p[0..n), or NULL; the bytes need not end in a NUL. */
static const char *find(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);

    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(p + i, lit, m) == 0) {
            return p + i;
        }
    }
    return NULL;
}

/* One item as a line: the kind, its message, and what it holds. */
static void render(struct a2a_buf *out, const struct a2a_item *item, const char *input)
{
    const struct a2a_message *m = &item->msg;
    const struct a2a_range *r = &item->range;

    switch (item->kind) {
    case A2A_ITEM_RECORD:
        put(out, "R%llu", (unsigned long long)item->rec.position);
        /* A plain record's bytes are the input's own bytes at its offset. */
        if (m->via == A2A_VIA_NONE) {
            assert_memory_equal(input + item->rec.offset, item->rec.bytes, item->rec.len);
        }
        break;
    case A2A_ITEM_POINTER:
        put(out, "P");
        break;
    case A2A_ITEM_MESSAGE_ERROR:
        put(out, "E");
        break;
    default:
        put(out, "W");
        break;
    }
    if (m->via != A2A_VIA_NONE) {
        put(out, " msg%llu %s", (unsigned long long)m->index, via_name(m->via));
        put_str(out, "id", m->has_message_id, m->message_id);
        put_str(out, "rh", m->has_receipt_handle, m->receipt_handle);
        if (m->sns_envelope) {
            put(out, " sns-envelope");
        }
    }
    if (item->has_range && item->kind == A2A_ITEM_POINTER) {
        assert_int_equal(r->stream_arn.len, strlen(ARN));
        assert_memory_equal(r->stream_arn.ptr, ARN, r->stream_arn.len);
        assert_int_equal(r->shard_id.len, strlen(SHARD));
        assert_memory_equal(r->shard_id.ptr, SHARD, r->shard_id.len);
        put(out, " %.*s..%.*s bs=%llu", (int)r->start_seq.len, r->start_seq.ptr,
            (int)r->end_seq.len, r->end_seq.ptr, (unsigned long long)r->batch_size);
        put_str(out, "cond", r->has_condition, r->condition);
        put_str(out, "first", r->has_first_arrival, r->first_arrival);
        put_str(out, "fnerr", r->has_function_error, r->function_error);
        if (r->inline_records) {
            put(out, " inline=%llu", (unsigned long long)r->payload_records);
        }
    } else if (item->has_range) {
        put(out, " in %.*s..%.*s", (int)r->start_seq.len, r->start_seq.ptr, (int)r->end_seq.len,
            r->end_seq.ptr);
    }
    if (item->kind == A2A_ITEM_RECORD) {
        /* The record's sequence number is enough to tell which one it is. */
        const char *end = item->rec.bytes + item->rec.len;
        const char *seq = find(item->rec.bytes, item->rec.len, "\"SequenceNumber\"");
        const char *quote = seq == NULL ? NULL : find(seq + 16, (size_t)(end - seq - 16), "\"");
        if (quote != NULL && end - quote > 21) {
            put(out, " seq=%.21s", quote + 1);
        } else {
            put(out, " %.*s", (int)item->rec.len, item->rec.bytes);
        }
    } else if (item->text != NULL) {
        put(out, " | %s", item->text);
    }
    put(out, "\n");
}

/* Reads input with shapes through input.h; every item rendered into out, then the end. */
static void read_items(const char *input, size_t len, size_t chunk, struct a2a_buf *out)
{
    struct a2a_input_config cfg = {.mem = input,
                                   .mem_len = len,
                                   .mem_name = "in.json",
                                   .read_chunk = chunk,
                                   .max_record = (size_t)1 << 20,
                                   .shapes = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *in = NULL;
    struct a2a_item item;
    int r;

    a2a_buf_reset(out);
    assert_int_equal(a2a_input_open(&in, &cfg, &err), 0);
    while ((r = a2a_input_next_item(in, &item, &err)) == 1) {
        render(out, &item, input);
    }
    if (r < 0) {
        put(out, "FAIL %s\n", err.msg);
    } else {
        put(out, "END\n");
    }
    a2a_input_free(&in);
}

struct row {
    const char *name;
    const char *fixture; /* a file of testdata/redrive, or NULL: text is the input */
    const char *text;
    const char *want;
};

#define INV_ONE                                                                                    \
    "{\"DDBStreamBatchInfo\":{\"shardId\":\"" SHARD "\",\"startSequenceNumber\":\"" S1             \
    "\",\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1,\"streamArn\":\"" ARN "\"}}"

static const struct row rows[] = {
    {"a bare invocation record", "invocation.json", NULL,
     "P msg1 document " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    {"functionError absent, then null", "invocation-null-error.json", NULL,
     "P msg1 document " S1 ".." S2 " bs=2 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z\n"
     "P msg2 document " S2 ".." S3 " bs=2 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z\n"
     "END\n"},
    {"aws sqs receive-message: raw body, then an SNS envelope", "sqs-receive-message.json", NULL,
     "P msg1 sqs-receive id=11111111-1111-4111-8111-111111111111 "
     "rh=AQEB-receipt-11111111-1111-4111-8111-111111111111 " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\n"
     "P msg2 sqs-receive id=22222222-2222-4222-8222-222222222222 "
     "rh=AQEB-receipt-22222222-2222-4222-8222-222222222222 sns-envelope " S2 ".." S3
     " bs=2 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    {"a Lambda SQS event", "sqs-event.json", NULL,
     "P msg1 sqs-event id=33333333-3333-4333-8333-333333333333 "
     "rh=AQEB-receipt-33333333-3333-4333-8333-333333333333 " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    {"a Lambda SNS event", "sns-event.json", NULL,
     "P msg1 sns-event id=44444444-4444-4444-8444-444444444444 " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    {"an S3 object, payload as an object", "s3-object.json", NULL,
     "P msg1 document " S1 ".." S2
     " bs=2 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R1 msg1 document in " S1 ".." S2 " seq=" S1 "\n"
     "R2 msg1 document in " S1 ".." S2 " seq=" S2 "\nEND\n"},
    {"an S3 object, payload as a string", "s3-object-string.json", NULL,
     "P msg1 document " S1 ".." S2
     " bs=2 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R1 msg1 document in " S1 ".." S2 " seq=" S1 "\n"
     "R2 msg1 document in " S1 ".." S2 " seq=" S2 "\nEND\n"},
    {"an S3 payload record outside the range: the message fails whole", "s3-object-outside.json",
     NULL,
     "E msg1 document in " S1 ".." S1 " | in.json: message 1 at byte 0: payload: byte 766: "
     "payload record 2 has SequenceNumber \"" S3 "\", outside the range " S1 ".." S1
     " of its DDBStreamBatchInfo\nEND\n"},
    {"an S3 payload that does not hold batchSize records: replayed, then its message fails",
     "s3-object-count.json", NULL,
     "P msg1 document " S1 ".." S2
     " bs=5 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R1 msg1 document in " S1 ".." S2 " seq=" S1 "\n"
     "R2 msg1 document in " S1 ".." S2 " seq=" S2 "\n"
     "E msg1 document in " S1 ".." S2
     " | in.json: message 1 at byte 0: the payload is not the whole batch of its "
     "DDBStreamBatchInfo: it holds 2 records, \"batchSize\" says 5; its records are replayed, "
     "but the message is not acked: the rest of the batch is only in the stream (--stream "
     "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"
     "2024-01-01T00:00:00.000 --shard shardId-00000001700000000000-aaaaaaaa --from at:" S1
     " --to " S2 ") or in another message naming its range\nEND\n"},
    {"S3 payloads within their range that are not their whole batch", "s3-object-gaps.ndjson", NULL,
     "P msg1 document 800000000003126276362..800000000003126276364 bs=3 "
     "cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=3\n"
     "R1 msg1 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276362\n"
     "R2 msg1 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276362\n"
     "R3 msg1 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276364\n"
     "E msg1 document in 800000000003126276362..800000000003126276364 | in.json: message 1 at "
     "byte 0: the payload is not the whole batch of its DDBStreamBatchInfo: its record 2 "
     "(SequenceNumber \"800000000003126276362\") repeats the one before it; its records are "
     "replayed, but the message is not acked: the rest of the batch is only in the stream "
     "(--stream "
     "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"
     "2024-01-01T00:00:00.000 --shard shardId-00000001700000000000-aaaaaaaa --from "
     "at:800000000003126276362 --to 800000000003126276364) or in another message naming its "
     "range\n"
     "P msg2 document 800000000003126276362..800000000003126276364 bs=2 "
     "cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R4 msg2 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276363\n"
     "R5 msg2 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276364\n"
     "E msg2 document in 800000000003126276362..800000000003126276364 | in.json: message 2 at "
     "byte 3095: the payload is not the whole batch of its DDBStreamBatchInfo: its first "
     "record is \"800000000003126276363\", not startSequenceNumber 800000000003126276362; its "
     "records are replayed, but the message is not acked: the rest of the batch is only in "
     "the stream (--stream "
     "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"
     "2024-01-01T00:00:00.000 --shard shardId-00000001700000000000-aaaaaaaa --from "
     "at:800000000003126276362 --to 800000000003126276364) or in another message naming its "
     "range\n"
     "P msg3 document 800000000003126276362..800000000003126276364 bs=2 "
     "cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R6 msg3 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276362\n"
     "R7 msg3 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276363\n"
     "E msg3 document in 800000000003126276362..800000000003126276364 | in.json: message 3 at "
     "byte 5437: the payload is not the whole batch of its DDBStreamBatchInfo: its last "
     "record is \"800000000003126276363\", not endSequenceNumber 800000000003126276364; its "
     "records are replayed, but the message is not acked: the rest of the batch is only in "
     "the stream (--stream "
     "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"
     "2024-01-01T00:00:00.000 --shard shardId-00000001700000000000-aaaaaaaa --from "
     "at:800000000003126276362 --to 800000000003126276364) or in another message naming its "
     "range\n"
     "P msg4 document 800000000003126276362..800000000003126276364 bs=2 "
     "cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled inline=2\n"
     "R8 msg4 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276364\n"
     "R9 msg4 document in 800000000003126276362..800000000003126276364 "
     "seq=800000000003126276362\n"
     "E msg4 document in 800000000003126276362..800000000003126276364 | in.json: message 4 at "
     "byte 7779: the payload is not the whole batch of its DDBStreamBatchInfo: its first "
     "record is \"800000000003126276364\", not startSequenceNumber 800000000003126276362; its "
     "records are replayed, but the message is not acked: the rest of the batch is only in "
     "the stream (--stream "
     "arn:aws:dynamodb:us-east-2:123456789012:table/a2a_push_pending_dispatches/stream/"
     "2024-01-01T00:00:00.000 --shard shardId-00000001700000000000-aaaaaaaa --from "
     "at:800000000003126276362 --to 800000000003126276364) or in another message naming its "
     "range\n"
     "END\n"},
    {"a Body that is not JSON, an SNS Message that is not an invocation record, then a good "
     "one",
     "sqs-bad-messages.json", NULL,
     "E msg1 sqs-receive id=55555555-5555-4555-8555-555555555555 "
     "rh=AQEB-receipt-55555555-5555-4555-8555-555555555555 | in.json: message 1 (MessageId "
     "\"55555555-5555-4555-8555-555555555555\") at byte 14: Body: byte 23: invalid JSON: found "
     "'o' where a JSON value was expected\n"
     "E msg2 sqs-receive id=66666666-6666-4666-8666-666666666666 "
     "rh=AQEB-receipt-66666666-6666-4666-8666-666666666666 sns-envelope | in.json: message 2 "
     "(MessageId \"66666666-6666-4666-8666-666666666666\") at byte 230: Body: Message: byte 0: "
     "invalid JSON: found 'h' where a JSON value was expected\n"
     "P msg3 sqs-receive id=77777777-7777-4777-8777-777777777777 "
     "rh=AQEB-receipt-77777777-7777-4777-8777-777777777777 " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    {"plain records and pointers mixed, duplicates kept in order", "mixed.ndjson", NULL,
     "R1 seq=" S1 "\n"
     "P msg1 document " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\n"
     "R2 seq=" S2 "\n"
     "P msg2 sqs-receive id=88888888-8888-4888-8888-888888888888 "
     "rh=AQEB-receipt-88888888-8888-4888-8888-888888888888 " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\n"
     "P msg3 document " S1 ".." S1
     " bs=1 cond=RetryAttemptsExhausted first=2024-01-01T00:13:19Z fnerr=Unhandled\nEND\n"},
    /* Records: eventSource decides, nothing else. */
    {"Records without eventSource stay stream records", NULL,
     "{\"Records\":[{\"eventName\":\"INSERT\"},{\"body\":\"x\"}]}",
     "R1 {\"eventName\":\"INSERT\"}\nR2 {\"body\":\"x\"}\nEND\n"},
    {"aws:dynamodb and other sources stay stream records", NULL,
     "[{\"eventSource\":\"aws:dynamodb\"},{\"eventSource\":\"aws:kinesis\",\"body\":\"{}\"},"
     "{\"EventSource\":\"aws:sqs\"},{\"eventSource\":5}]",
     "R1 {\"eventSource\":\"aws:dynamodb\"}\nR2 "
     "{\"eventSource\":\"aws:kinesis\",\"body\":\"{}\"}\n"
     "R3 {\"EventSource\":\"aws:sqs\"}\nR4 {\"eventSource\":5}\nEND\n"},
    {"an escaped eventSource is still aws:sqs; a nested one counts for nothing", NULL,
     "{\"Records\":[{\"event\\u0053ource\":\"aws:\\u0073qs\",\"messageId\":\"m\",\"body\":"
     "\"5\"},"
     "{\"x\":{\"eventSource\":\"aws:sqs\"}}]}",
     "E msg1 sqs-event id=m | in.json: message 1 (MessageId \"m\") at byte 12: body: byte 0: "
     "not a "
     "JSON object\n"
     "R1 {\"x\":{\"eventSource\":\"aws:sqs\"}}\nEND\n"},
    {"two eventSource members: no guessing", NULL,
     "{\"Records\":[{\"eventSource\":\"aws:sqs\",\"eventSource\":\"aws:dynamodb\"}]}",
     "E msg1 sqs-event | in.json: message 1 at byte 12: \"eventSource\" / \"EventSource\" do "
     "not "
     "name one source\nEND\n"},
    /* Messages that cannot be used, each alone. */
    {"an SQS message without a Body", NULL, "{\"Messages\":[{\"MessageId\":\"m1\"}]}",
     "E msg1 sqs-receive id=m1 | in.json: message 1 (MessageId \"m1\") at byte 13: an SQS "
     "message "
     "needs one \"Body\" string\nEND\n"},
    {"a Body that is empty", NULL, "{\"Messages\":[{\"Body\":\"\"}]}",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 0: no JSON document in "
     "this "
     "input (empty file?)\nEND\n"},
    {"a Body with two documents", NULL, "{\"Messages\":[{\"Body\":\"{} {}\"}]}",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 3: a second JSON "
     "document: "
     "one was expected\nEND\n"},
    {"a Body holding U+0000", NULL, "{\"Messages\":[{\"Body\":\"{\\u0000}\"}]}",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: byte 8: Body holds U+0000 at byte 1 "
     "of "
     "its text\nEND\n"},
    {"a Body that is an object of another kind", NULL,
     "{\"Messages\":[{\"Body\":\"{\\\"Type\\\":\\\"Other\\\",\\\"Message\\\":\\\"{}\\\"}\"}]}",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 0: neither an invocation "
     "record (no \"DDBStreamBatchInfo\") nor an SNS notification (\"Type\":\"Notification\" "
     "with "
     "a \"Message\" string)\nEND\n"},
    {"an SNS notification whose Message is JSON but not an invocation record", NULL,
     "{\"Messages\":[{\"Body\":\"{\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":\\\"{"
     "\\\\\\\"a\\\\\\\":1}\\\"}\"}]}",
     "E msg1 sqs-receive sns-envelope | in.json: message 1 at byte 13: Body: Message: byte 0: "
     "not "
     "an invocation record: no \"DDBStreamBatchInfo\"\nEND\n"},
    {"an invocation record missing its streamArn", NULL,
     "{\"DDBStreamBatchInfo\":{\"shardId\":\"s\",\"startSequenceNumber\":\"" S1
     "\",\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1}}",
     "E msg1 document | in.json: message 1 at byte 0: not an invocation record: "
     "\"DDBStreamBatchInfo\" has no \"streamArn\" string\nEND\n"},
    {"an invocation record whose streamArn is empty (it is a string: said so)", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"\",\"shardId\":\"s\",\"startSequenceNumber\":\"" S1
     "\",\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1}}",
     "E msg1 document | in.json: message 1 at byte 0: byte 35: not an invocation record: "
     "\"DDBStreamBatchInfo\" has an empty \"streamArn\"\nEND\n"},
    {"an invocation record whose range runs backwards", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\",\"startSequenceNumber\":"
     "\"" S2 "\",\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1}}",
     "E msg1 document | in.json: message 1 at byte 0: byte 119: \"endSequenceNumber\" is below "
     "\"startSequenceNumber\"\nEND\n"},
    {"a sequence number that is not one", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\",\"startSequenceNumber\":"
     "\"12\","
     "\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1}}",
     "E msg1 document | in.json: message 1 at byte 0: byte 75: \"startSequenceNumber\" is not "
     "a "
     "sequence number (21 to 40 digits)\nEND\n"},
    {"a batchSize that is not a whole number", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\",\"startSequenceNumber\":"
     "\"" S1 "\",\"endSequenceNumber\":\"" S1 "\",\"batchSize\":1.0}}",
     "E msg1 document | in.json: message 1 at byte 0: byte 155: not an invocation record: "
     "\"DDBStreamBatchInfo\" has no \"batchSize\" that is one positive whole number\nEND\n"},
    {"a payload that is not an event", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\",\"startSequenceNumber\":"
     "\"" S1 "\",\"endSequenceNumber\":\"" S1
     "\",\"batchSize\":1},\"payload\":\"[{\\\"dynamodb\\\":{}}]\"}",
     "E msg1 document in " S1 ".." S1 " | in.json: message 1 at byte 0: payload: byte 1: not a "
     "stream event: the payload must be {\"Records\":[...]}\nEND\n"},
    {"a payload string that is not JSON, with the offset inside it", NULL,
     "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\",\"startSequenceNumber\":"
     "\"" S1 "\",\"endSequenceNumber\":\"" S1
     "\",\"batchSize\":1},\"payload\":\"{\\\"Records\\\":[}\"}",
     "E msg1 document in " S1 ".." S1
     " | in.json: message 1 at byte 0: payload: byte 12 (record 1): "
     "invalid JSON: found '}' where a JSON value was expected\nEND\n"},
    {"one failed message abandons nothing else", NULL,
     "{\"Messages\":[{\"Body\":\"nope\"},{\"Body\":\""
     "{\\\"DDBStreamBatchInfo\\\":{\\\"shardId\\\":"
     "\\\"" SHARD "\\\",\\\"startSequenceNumber\\\":\\\"" S1
     "\\\",\\\"endSequenceNumber\\\":\\\"" S1 "\\\",\\\"batchSize\\\":1,\\\"streamArn\\\":\\\"" ARN
     "\\\"}}"
     "\"}]}\n" INV_ONE,
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 1: invalid JSON: found "
     "'o' "
     "where a JSON value was expected\n"
     "P msg2 sqs-receive " S1 ".." S1 " bs=1\n"
     "P msg3 document " S1 ".." S1 " bs=1\nEND\n"},
    /* The whole input still fails as before when the outer document is broken. */
    {"a broken outer document fails the input", NULL, "{\"Messages\":[{\"Body\":\"x\"}",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 0: invalid JSON: found "
     "'x' "
     "where a JSON value was expected\n"
     "FAIL in.json: byte 25: invalid JSON: input ends where ',' or ']' was expected "
     "(truncated?)\n"},
    /* A message cut short is named by where it starts: "record K" would count the records and
     * messages handed out before it, not the messages. */
    {"a message cut short is named by its first byte", NULL,
     "{\"Messages\":[{\"Body\":\"x\"},{\"Body\":\"y",
     "E msg1 sqs-receive | in.json: message 1 at byte 13: Body: byte 0: invalid JSON: found "
     "'x' where a JSON value was expected\n"
     "FAIL in.json: byte 36 (the message at byte 26): invalid JSON: input ends where the end of "
     "a string was expected (truncated?)\n"},
    {"an object of no known shape", NULL, "{\"a\":1}",
     "FAIL in.json: byte 0: not a stream event: object has no \"Records\" or \"Messages\" "
     "array, "
     "is not a record (no \"eventName\" or \"dynamodb\") and is not an invocation record (no "
     "\"DDBStreamBatchInfo\")\n"},
};

static void test_rows(void **state)
{
    struct a2a_buf got = {NULL, 0, 0};
    struct a2a_buf split = {NULL, 0, 0};
    int failures = 0;

    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        const struct row *row = &rows[k];
        size_t len = row->text != NULL ? strlen(row->text) : 0;
        char *input = row->fixture != NULL ? read_fixture(row->fixture, &len) : NULL;
        const char *bytes = input != NULL ? input : row->text;

        read_items(bytes, len, 0, &got);
        assert_int_equal(a2a_buf_putc(&got, '\0'), 0);
        if (strcmp(got.data, row->want) != 0) {
            fprintf(stderr, "row \"%s\"\n--- want\n%s--- got\n%s", row->name, row->want, got.data);
            failures++;
        }
        read_items(bytes, len, 1, &split);
        assert_int_equal(a2a_buf_putc(&split, '\0'), 0);
        if (strstr(row->want, "FAIL") == NULL || strstr(row->want, "truncated") != NULL) {
            assert_string_equal(split.data, got.data);
        }
        free(input);
    }
    a2a_buf_free(&got);
    a2a_buf_free(&split);
    assert_int_equal(failures, 0);
}

/* A payload record is handed out byte for byte as it stands in the decoded payload. */
static void test_payload_bytes_exact(void **state)
{
    const char *in =
        "{\"DDBStreamBatchInfo\":{\"streamArn\":\"a\",\"shardId\":\"s\","
        "\"startSequenceNumber\":\"" S1 "\",\"endSequenceNumber\":\"" S1 "\","
        "\"batchSize\":1},\"payload\":\"{\\\"Records\\\":[ {\\\"dynamodb\\\":"
        "{\\\"SequenceNumber\\\":\\\"" S1 "\\\"},\\\"k\\\":\\\"\\\\u00e9\\\\n\\\"} ]}\"}";
    const char *want = "{\"dynamodb\":{\"SequenceNumber\":\"" S1 "\"},\"k\":\"\\u00e9\\n\"}";
    struct a2a_input_config cfg = {
        .mem = in, .mem_len = strlen(in), .mem_name = "s3", .max_record = 4096, .shapes = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *input = NULL;
    struct a2a_item item;

    (void)state;
    assert_int_equal(a2a_input_open(&input, &cfg, &err), 0);
    assert_int_equal(a2a_input_next_item(input, &item, &err), 1);
    assert_int_equal(item.kind, A2A_ITEM_POINTER);
    assert_int_equal(a2a_input_next_item(input, &item, &err), 1);
    assert_int_equal(item.kind, A2A_ITEM_RECORD);
    assert_int_equal(item.rec.len, strlen(want));
    assert_memory_equal(item.rec.bytes, want, item.rec.len);
    assert_string_equal(item.rec.file, "s3: message 1 at byte 0: payload");
    assert_int_equal(item.rec.offset, 13);
    assert_int_equal(a2a_input_next_item(input, &item, &err), 0);
    a2a_input_free(&input);
}

/* A nested document has the nesting limit of a document of its own: 512 levels. */
static void nested_depth(int levels, const char *want)
{
    struct a2a_buf in = {NULL, 0, 0};
    struct a2a_input_config cfg = {.mem_name = "deep", .max_record = 8192, .shapes = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *input = NULL;
    struct a2a_item item;

    assert_int_equal(a2a_buf_puts(&in, "{\"Messages\":[{\"Body\":\""), 0);
    for (int k = 0; k < levels; k++) {
        assert_int_equal(a2a_buf_putc(&in, '['), 0);
    }
    for (int k = 0; k < levels; k++) {
        assert_int_equal(a2a_buf_putc(&in, ']'), 0);
    }
    assert_int_equal(a2a_buf_puts(&in, "\"}]}"), 0);
    cfg.mem = in.data;
    cfg.mem_len = in.len;
    assert_int_equal(a2a_input_open(&input, &cfg, &err), 0);
    assert_int_equal(a2a_input_next_item(input, &item, &err), 1);
    assert_int_equal(item.kind, A2A_ITEM_MESSAGE_ERROR);
    assert_string_equal(item.text, want);
    assert_int_equal(a2a_input_next_item(input, &item, &err), 0);
    a2a_input_free(&input);
    a2a_buf_free(&in);
}

static void test_nested_depth(void **state)
{
    (void)state;
    nested_depth(A2A_MAX_DEPTH, "deep: message 1 at byte 13: Body: byte 0: not a JSON object");
    nested_depth(A2A_MAX_DEPTH + 1, "deep: message 1 at byte 13: Body: byte 512: JSON nested "
                                    "deeper than 512 levels");
}

/* Ranges: the same records give the same key, whatever the leading zeros. */
static void test_range_key(void **state)
{
    struct a2a_range a = {.stream_arn = {"arn", 3},
                          .shard_id = {"s1", 2},
                          .start_seq = {S1, 21},
                          .end_seq = {S2, 21}};
    struct a2a_range b = a;
    struct a2a_range c = a;
    struct a2a_buf ka = {NULL, 0, 0};
    struct a2a_buf kb = {NULL, 0, 0};
    struct a2a_buf kc = {NULL, 0, 0};

    (void)state;
    b.start_seq = (struct a2a_str){"000" S1, 24};
    c.shard_id = (struct a2a_str){"s2", 2};
    assert_int_equal(a2a_range_key(&a, &ka), 0);
    assert_int_equal(a2a_range_key(&b, &kb), 0);
    assert_int_equal(a2a_range_key(&c, &kc), 0);
    assert_int_equal(ka.len, kb.len);
    assert_memory_equal(ka.data, kb.data, ka.len);
    assert_true(ka.len != kc.len || memcmp(ka.data, kc.data, ka.len) != 0);
    a2a_buf_free(&ka);
    a2a_buf_free(&kb);
    a2a_buf_free(&kc);
}

/* jsonview: members by decoded name, counted, first value kept. */
static void test_jsonview(void **state)
{
    const char *obj =
        "{ \"a\" : [1,{\"b\":\"}\"}] , \"\\u0062\":\"x\\\"y\", \"b\":null,\"c\":-1.5e3 }";
    struct a2a_jv_field f[] = {{.name = "a"}, {.name = "b"}, {.name = "c"}, {.name = "d"}};
    struct a2a_buf scratch = {NULL, 0, 0};

    (void)state;
    assert_int_equal(a2a_jv_fields((struct a2a_str){obj, strlen(obj)}, f, 4, &scratch), 0);
    assert_int_equal(f[0].count, 1);
    assert_int_equal(f[0].value.len, strlen("[1,{\"b\":\"}\"}]"));
    assert_int_equal(a2a_jv_type(f[0].value), A2A_JV_ARRAY);
    assert_int_equal(f[1].count, 2);
    assert_int_equal(f[1].value.len, strlen("\"x\\\"y\""));
    assert_int_equal(f[2].count, 1);
    assert_int_equal(f[2].value.len, strlen("-1.5e3"));
    assert_int_equal(a2a_jv_type(f[2].value), A2A_JV_NUMBER);
    assert_int_equal(f[3].count, 0);
    assert_int_equal(a2a_jv_type(f[3].value), A2A_JV_NONE);
    assert_int_equal(a2a_jv_fields((struct a2a_str){"[]", 2}, f, 4, &scratch), -1);
    a2a_buf_free(&scratch);
}

/*
 * The place before each message, and after the last one: where a read of the input may go on
 * from (the end of every value, a "Messages" element's too), marked by hand with '^' in each input
 * (the marks are taken out before it is read). A message has the last mark before its first
 * byte, or none; a2a_input_message_place() gives the last mark once read, when a message's
 * value ended there (last_is_message).
 */
#define SQS_X   "{\"eventSource\":\"aws:sqs\",\"messageId\":\"a\",\"body\":\"x\"}"
#define PLAIN   "{\"eventName\":\"INSERT\"}"
#define RECEIVE "{\"Messages\":[{\"MessageId\":\"a\",\"Body\":\"x\"}^,{\"Body\":\"y\"}^]}"

/* Each mark is a place --resume-from takes (a2a_input_check_resume() on the same bytes). */
static void check_marks_resume(const char *text, size_t len, const uint64_t *marks, size_t nmarks)
{
    char path[] = "/tmp/a2a-test-items-XXXXXX";
    const char *paths[] = {path};
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    for (size_t k = 0; k < nmarks; k++) {
        struct a2a_input_config cfg = {.paths = paths,
                                       .npaths = 1,
                                       .max_record = 65536,
                                       .shapes = 1,
                                       .resume_offset = marks[k]};
        struct a2a_resume_place place;
        struct a2a_error err = {A2A_OK, ""};
        if (a2a_input_check_resume(&cfg, &place, &err) != 0) {
            fail_msg("mark %zu (byte %llu) refused: %s", k, (unsigned long long)marks[k], err.msg);
        }
    }
    unlink(path);
}

static void check_places(const char *marked, int last_is_message)
{
    char text[8192];
    uint64_t marks[16];
    size_t nmarks = 0;
    size_t len = 0;
    struct a2a_input_config cfg = {.mem = text, .mem_name = "in", .max_record = 65536, .shapes = 1};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *in = NULL;
    struct a2a_item item;
    uint64_t seen = 0;
    uint64_t end;
    uint64_t message;

    for (const char *p = marked; *p != '\0'; p++) {
        assert_true(nmarks < sizeof(marks) / sizeof(marks[0]) && len < sizeof(text));
        if (*p == '^') {
            marks[nmarks++] = len;
        } else {
            text[len++] = *p;
        }
    }
    cfg.mem_len = len;
    assert_int_equal(a2a_input_open(&in, &cfg, &err), 0);
    while (a2a_input_next_item(in, &item, &err) == 1) {
        size_t k = nmarks;
        if (item.msg.via == A2A_VIA_NONE || item.msg.index == seen) {
            continue;
        }
        seen = item.msg.index;
        while (k > 0 && marks[k - 1] > item.msg.offset) {
            k--;
        }
        if (item.msg.has_place_before != (k > 0) ||
            (k > 0 && item.msg.place_before != marks[k - 1])) {
            fail_msg("%s: message %llu at byte %llu: place before %d %llu, want mark %zu", marked,
                     (unsigned long long)seen, (unsigned long long)item.msg.offset,
                     item.msg.has_place_before, (unsigned long long)item.msg.place_before, k);
        }
    }
    assert_int_equal(err.code, A2A_OK);
    check_marks_resume(text, len, marks, nmarks);
    if (a2a_input_message_place(in, &end, &message) != last_is_message) {
        fail_msg("%s: the place after the last message: want %d", marked, last_is_message);
    }
    if (last_is_message) {
        assert_int_equal(end, marks[nmarks - 1]);
        assert_int_equal(message, seen);
    }
    a2a_input_free(&in);
}

static void test_place_before_each_message(void **state)
{
    size_t len;
    char *s3 = read_fixture("s3-object.json", &len);
    char twice[8192];

    (void)state;
    while (len > 0 && s3[len - 1] == '\n') {
        len--;
    }
    /* an S3 object's records follow as items of its message: its end is the place after it */
    snprintf(twice, sizeof(twice), "%.*s^\n%.*s^\n" PLAIN "^", (int)len, s3, (int)len, s3);
    free(s3);
    check_places(twice, 0);
    check_places(INV_ONE "^\n" INV_ONE "^\n" PLAIN "^\n" INV_ONE "^", 1);
    check_places(INV_ONE "^" INV_ONE "^", 1);
    check_places("{\"Records\":[" SQS_X "^," SQS_X "^," PLAIN "^]}", 0);
    check_places("{\"Records\":[" PLAIN "^," SQS_X "^]}\n" INV_ONE "^\n", 1);
    check_places("[" PLAIN "^," SQS_X "^," SQS_X "^]", 1);
    /* a Messages element's end is a place too, as a Records element's: each message has the
     * one right before it (a2a_input_check_resume takes it) */
    check_places(RECEIVE "\n" RECEIVE, 1);
    check_places(INV_ONE "^\n" RECEIVE "\n" INV_ONE "^", 1);
    check_places(PLAIN "^\n" RECEIVE "\n" PLAIN "^\n", 0);
    check_places(RECEIVE RECEIVE "\n" PLAIN "^", 0);
    check_places(
        "{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"Message\":\"x\"}}^]}\n" INV_ONE "^",
        1);
}

/* Without shapes the reader is what it was: an invocation record fails the input. */
static void test_events_mode_unchanged(void **state)
{
    struct a2a_input_config cfg = {
        .mem = INV_ONE, .mem_len = strlen(INV_ONE), .mem_name = "x", .max_record = 4096};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *input = NULL;
    struct a2a_raw_record rec;
    struct a2a_item item;

    (void)state;
    assert_int_equal(a2a_input_open(&input, &cfg, &err), 0);
    assert_int_equal(a2a_input_next(input, &rec, &err), -1);
    assert_string_equal(err.msg, "x: byte 0: not a stream event: object has no \"Records\" array "
                                 "and is not a record (no \"eventName\" or \"dynamodb\")");
    err = (struct a2a_error){.code = A2A_OK};
    assert_int_equal(a2a_input_next_item(input, &item, &err), -1);
    assert_int_equal(err.code, A2A_E_INTERNAL);
    a2a_input_free(&input);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_payload_bytes_exact),
        cmocka_unit_test(test_nested_depth),
        cmocka_unit_test(test_range_key),
        cmocka_unit_test(test_jsonview),
        cmocka_unit_test(test_events_mode_unchanged),
        cmocka_unit_test(test_place_before_each_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
