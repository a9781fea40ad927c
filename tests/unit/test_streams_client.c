/*
 * streams_client.h: error classes, lineage order, start positions, and the shard reader's
 * state machine against a scripted transport and a fake clock (no network, no sleeping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "rows.h"

#include "streams_client.h"
#include "streams_internal.h"

#define ARN "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-01-01T00:00:00.000"

/* ---- error classes --------------------------------------------------------------------------- */

struct class_row {
    long status;
    const char *body; /* ' for " */
    enum a2a_aws_class want;
    const char *name;
    const char *message;
    enum a2a_stream_cause cause;
};

#define NS "com.amazonaws.dynamodb.v20120810#"

static const struct class_row class_rows[] = {
    {200, "{}", A2A_AWS_OK, "", "", A2A_STREAM_CAUSE_NONE},
    {400, "{'__type':'" NS "ThrottlingException','message':'slow'}", A2A_AWS_TRANSIENT,
     "ThrottlingException", "slow", A2A_STREAM_CAUSE_RETRIES},
    {400, "{'__type':'com.amazon.coral.availability#ThrottlingException'}", A2A_AWS_TRANSIENT,
     "ThrottlingException", "", A2A_STREAM_CAUSE_RETRIES},
    {400, "{'__type':'" NS "LimitExceededException','Message':'M'}", A2A_AWS_TRANSIENT,
     "LimitExceededException", "M", A2A_STREAM_CAUSE_RETRIES},
    {500, "{'__type':'" NS "InternalServerError'}", A2A_AWS_TRANSIENT, "InternalServerError", "",
     A2A_STREAM_CAUSE_RETRIES},
    {503, "<html>busy</html>", A2A_AWS_TRANSIENT, "", "", A2A_STREAM_CAUSE_RETRIES},
    {502, "", A2A_AWS_TRANSIENT, "", "", A2A_STREAM_CAUSE_RETRIES},
    {400, "{'__type':'" NS "ExpiredIteratorException','message':'old'}", A2A_AWS_EXPIRED_ITERATOR,
     "ExpiredIteratorException", "old", A2A_STREAM_CAUSE_NONE},
    {400, "{'__type':'" NS "TrimmedDataAccessException','message':'gone'}", A2A_AWS_PERMANENT,
     "TrimmedDataAccessException", "gone", A2A_STREAM_CAUSE_TRIMMED},
    {400, "{'__type':'" NS "ResourceNotFoundException'}", A2A_AWS_PERMANENT,
     "ResourceNotFoundException", "", A2A_STREAM_CAUSE_NOT_FOUND},
    {400, "{'__type':'com.amazon.coral.service#AccessDeniedException'}", A2A_AWS_PERMANENT,
     "AccessDeniedException", "", A2A_STREAM_CAUSE_DENIED},
    {400, "{'__type':'com.amazon.coral.service#UnrecognizedClientException'}", A2A_AWS_PERMANENT,
     "UnrecognizedClientException", "(the access key is not known: check the credentials)",
     A2A_STREAM_CAUSE_DENIED},
    /* a denial about the keys says what to do: "denied" alone reads as a policy (review 62) */
    {400, "{'__type':'com.amazon.coral.service#ExpiredTokenException','message':'old'}",
     A2A_AWS_PERMANENT, "ExpiredTokenException",
     "old (the session token has expired: refresh the credentials)", A2A_STREAM_CAUSE_DENIED},
    {400,
     "{'__type':'com.amazon.coral.service#InvalidSignatureException','message':'Signature "
     "expired'}",
     A2A_AWS_PERMANENT, "InvalidSignatureException",
     "Signature expired (the signature was refused: check the secret key and clock)",
     A2A_STREAM_CAUSE_DENIED},
    /* the region, not the keys (review 65): AWS's words say which */
    {400,
     "{'__type':'com.amazon.coral.service#InvalidSignatureException','message':'Credential "
     "should be scoped to a valid region, not us-west-2.'}",
     A2A_AWS_PERMANENT, "InvalidSignatureException",
     "Credential should be scoped to a valid region, not us-west-2. (the endpoint is not in "
     "the stream's region: give --endpoint-url of the region its ARN names)",
     A2A_STREAM_CAUSE_DENIED},
    /* no AWS error name: not the API's answer (a proxy, a wrong endpoint), so not its refusal */
    {403, "{}", A2A_AWS_PERMANENT, "", "", A2A_STREAM_CAUSE_PROTOCOL},
    {400, "{'__type':'com.amazon.coral.validate#ValidationException','message':'bad'}",
     A2A_AWS_PERMANENT, "ValidationException", "bad", A2A_STREAM_CAUSE_REJECTED},
    {400, "{'__type':'a#b#TrimmedDataAccessException'}", A2A_AWS_PERMANENT,
     "TrimmedDataAccessException", "", A2A_STREAM_CAUSE_TRIMMED}, /* after the last '#' */
    {400, "{'__type':'TrimmedDataAccessException'}", A2A_AWS_PERMANENT,
     "TrimmedDataAccessException", "", A2A_STREAM_CAUSE_TRIMMED}, /* no '#' at all */
    {400, "{'__type':'x#Bad','message':'line\\nbreak'}", A2A_AWS_PERMANENT, "Bad", "line?break",
     A2A_STREAM_CAUSE_REJECTED}, /* control characters never reach a message */
    {400, "not json", A2A_AWS_PERMANENT, "", "", A2A_STREAM_CAUSE_PROTOCOL},
};

static void test_classify(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(class_rows) / sizeof(class_rows[0]); i++) {
        const struct class_row *r = &class_rows[i];
        char *body = q(r->body, strlen(r->body) + 1);
        char name[64];
        char message[256];
        enum a2a_stream_cause cause;
        enum a2a_aws_class got = a2a_aws_classify(r->status, body, strlen(body), name, sizeof(name),
                                                  message, sizeof(message), &cause);
        if (got != r->want || strcmp(name, r->name) != 0 || strcmp(message, r->message) != 0 ||
            cause != r->cause) {
            row_fail("%ld %s: class %d name \"%s\" message \"%s\" cause %d, want %d \"%s\" "
                     "\"%s\" %d",
                     r->status, body, got, name, message, cause, r->want, r->name, r->message,
                     r->cause);
        }
        free(body);
    }
    rows_done();
}

/* ---- lineage order ----------------------------------------------------------------------------
 */

struct order_row {
    const char *listed[6][2]; /* {id, parent} in DescribeStream order */
    const char *want[6];      /* ids in reading order; want[0] NULL: a cycle */
};

static const struct order_row order_rows[] = {
    {{{"a", NULL}, {"b", "a"}, {"c", "b"}}, {"a", "b", "c"}},
    {{{"c", "b"}, {"b", "a"}, {"a", NULL}}, {"a", "b", "c"}},
    /* a parent no longer listed makes a root; siblings keep their listed order */
    {{{"x", "gone"}, {"y2", "x"}, {"y1", "x"}}, {"x", "y2", "y1"}},
    {{{"b1", "a"}, {"z", NULL}, {"a", NULL}, {"b2", "a"}}, {"a", "b1", "z", "b2"}},
    /* a split and a later shard of each child */
    {{{"c1", "b1"}, {"c2", "b2"}, {"b1", "a"}, {"b2", "a"}, {"a", "old"}},
     {"a", "b1", "c1", "b2", "c2"}},
    {{{"p", "q"}, {"q", "p"}}, {NULL}},
    {{{"s", "s"}}, {NULL}},
};

static void test_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(order_rows) / sizeof(order_rows[0]); i++) {
        const struct order_row *r = &order_rows[i];
        struct a2a_shard_list l = {calloc(6, sizeof(struct a2a_shard_info)), 0};
        struct a2a_error err = {0};
        int rc;

        for (; l.count < 6 && r->listed[l.count][0] != NULL; l.count++) {
            l.shards[l.count].shard_id = strdup(r->listed[l.count][0]);
            l.shards[l.count].parent_id =
                r->listed[l.count][1] != NULL ? strdup(r->listed[l.count][1]) : NULL;
        }
        rc = a2a_shards_order(&l, &err);
        if (r->want[0] == NULL) {
            if (rc != -1 || err.code != A2A_E_INPUT) {
                row_fail("row %zu: a cycle was accepted", i);
            }
        } else {
            for (size_t k = 0; k < l.count; k++) {
                if (rc != 0 || r->want[k] == NULL || strcmp(l.shards[k].shard_id, r->want[k])) {
                    row_fail("row %zu: position %zu is %s, want %s", i, k, l.shards[k].shard_id,
                             r->want[k] != NULL ? r->want[k] : "(nothing)");
                }
            }
        }
        a2a_shard_list_free(&l);
    }
    rows_done();
}

/* ---- start positions ------------------------------------------------------------------------- */

struct start_row {
    const char *in;
    int ok;
    enum a2a_start_kind kind;
    const char *seq;
};

static const struct start_row start_rows[] = {
    {"trim-horizon", 1, A2A_START_TRIM_HORIZON, ""},
    {"latest", 1, A2A_START_LATEST, ""},
    {"at:100000000000000000001", 1, A2A_START_AT, "100000000000000000001"},
    {"after:1234567890123456789012345678901234567890", 1, A2A_START_AFTER,
     "1234567890123456789012345678901234567890"},
    {"at:12", 0, A2A_START_AT, ""},
    {"after:", 0, A2A_START_AT, ""},
    {"at:100000000000000000001x", 0, A2A_START_AT, ""},
    {"TRIM_HORIZON", 0, A2A_START_AT, ""},
    {"at 100000000000000000001", 0, A2A_START_AT, ""},
    {"", 0, A2A_START_AT, ""},
};

static void test_start(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(start_rows) / sizeof(start_rows[0]); i++) {
        const struct start_row *r = &start_rows[i];
        struct a2a_start s;
        struct a2a_error err = {0};
        int rc = a2a_start_parse(r->in, &s, &err);
        if (r->ok ? rc != 0 || s.kind != r->kind || strcmp(s.seq, r->seq) != 0
                  : rc != -1 || err.code != A2A_E_CONFIG) {
            row_fail("start(%s): rc %d kind %d seq %s", r->in, rc, s.kind, s.seq);
        }
    }
    rows_done();
}

/* ---- the reader against a script ---------------------------------------------------------------
 */

struct step {
    const char *op;       /* the operation expected */
    const char *body_has; /* a substring the request body must hold (' for "), or NULL */
    int sent;             /* what send returns: 0 an answer, 1 transient, -1 permanent */
    long status;
    const char *answer; /* ' for " */
    int repeat;         /* extra times this step is answered */
};

#define S(n)     "1000000000000000000" #n /* 21 digits for n in 10..99 */
#define REC(n)   "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'" S(n) "'}}"
#define IT       "{'ShardIterator':'it-1'}"
#define NEXT     "'NextShardIterator':'it-n'"
#define NONEXT   "'NextShardIterator':null"
#define EMPTY    "{'Records':[]," NEXT "}"
#define THROTTLE "{'__type':'com.amazon.coral.availability#ThrottlingException','message':'x'}"
#define EXPIRED  "{'__type':'" NS "ExpiredIteratorException','message':'Iterator expired'}"
#define TRIMMED  "{'__type':'" NS "TrimmedDataAccessException','message':'trimmed'}"
#define GSI      "GetShardIterator"
#define GR       "GetRecords"

#define STEPS_MAX 16 /* calls a row scripts at most */

struct reader_row {
    const char *name;
    int no_creds;
    enum a2a_start_kind kind;
    const char *start_seq;
    const char *end_seq;
    int closed;
    struct step steps[STEPS_MAX];
    const char *pages[6]; /* "first-last/in_range" per page handed out */
    enum a2a_read_status last;
    enum a2a_stream_cause cause;
    const char *msg; /* text_matches() pattern for the error */
};

static const struct reader_row reader_rows[] = {
    {"closed shard: pages, an empty page between, then the iterator runs out",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, "'ShardIteratorType':'TRIM_HORIZON'", 0, 200, IT, 0},
      {GR, "'ShardIterator':'it-1','Limit':1000", 0, 200,
       "{'Records':[" REC(11) "," REC(12) "]," NEXT "}", 0},
      {GR, "'ShardIterator':'it-n'", 0, 200, EMPTY, 2},
      {GR, NULL, 0, 200, "{'Records':[" REC(13) "]," NONEXT "}", 0}},
     {S(11) "-" S(12) "/2", S(13) "-" S(13) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"closed shard: a last empty page without NextShardIterator",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, "{'Records':[]}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"open shard: twenty empty pages, then data up to the inclusive end",
     0,
     A2A_START_AT,
     S(11),
     S(12),
     0,
     {{GSI, "'ShardIteratorType':'AT_SEQUENCE_NUMBER','SequenceNumber':'" S(11) "'", 0, 200, IT, 0},
      {GR, NULL, 0, 200, EMPTY, 19},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NEXT "}", 0}},
     {S(11) "-" S(12) "/2"},
     A2A_READ_END,
     0,
     NULL},
    {"open shard: a record past the end stops the read",
     0,
     A2A_START_AFTER,
     S(10),
     S(12),
     0,
     {{GSI, "'AFTER_SEQUENCE_NUMBER','SequenceNumber':'" S(10) "'", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(12) "," REC(13) "," REC(14) "]," NEXT "}", 0}},
     {S(11) "-" S(11) "/1", S(12) "-" S(14) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"open shard: a page wholly past the end is not handed out",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     S(12),
     0,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, EMPTY, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(13) "]," NEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"open shard: idle for 10 s of empty pages (41 calls at 4/s)",
     0,
     A2A_START_LATEST,
     "",
     NULL,
     0,
     {{GSI, "'LATEST'", 0, 200, IT, 0}, {GR, NULL, 0, 200, EMPTY, 40}},
     {NULL},
     A2A_READ_END,
     0,
     NULL},
    {"expired iterator mid-shard: resume after the last record, never resend",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, "'it-1'", 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NEXT "}", 0},
      {GR, "'it-n'", 0, 400, EXPIRED, 0},
      {GSI, "'AFTER_SEQUENCE_NUMBER','SequenceNumber':'" S(12) "'", 0, 200,
       "{'ShardIterator':'it-2'}", 0},
      {GR, "'it-2'", 0, 200, "{'Records':[" REC(13) "]," NONEXT "}", 0}},
     {S(11) "-" S(12) "/2", S(13) "-" S(13) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"expired iterator before any record: the original position again",
     0,
     A2A_START_AT,
     S(15),
     NULL,
     1,
     {{GSI, "'AT_SEQUENCE_NUMBER','SequenceNumber':'" S(15) "'", 0, 200, IT, 0},
      {GR, NULL, 0, 200, EMPTY, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, "'AT_SEQUENCE_NUMBER','SequenceNumber':'" S(15) "'", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(15) "]," NONEXT "}", 0}},
     {S(15) "-" S(15) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"iterators that always expire end the read",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 400, EXPIRED, 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_RETRIES,
     "~every fresh iterator"},
    {"throttling, a 500 and a reset, then the page",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 400, THROTTLE, 1},
      {GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 500, "{'__type':'x#InternalServerError'}", 0},
      {GR, NULL, 1, 0, "", 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"throttling outlasts the retries",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 0, 400, THROTTLE, 10}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_RETRIES,
     "stream " ARN " shard shardId-1 (from trim-horizon to the end): GetRecords: still failing "
     "after 11 attempts: ThrottlingException: x"},
    /*
     * Timeouts (a port that accepts and never answers): while no call was ever answered, two
     * attempts and the call gives up (the breaker then spares every later range); once the
     * endpoint has answered, a timeout is retried as any transient failure (review 62).
     */
    {"every attempt times out, no call ever answered: two attempts",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 2, 0, "", 1}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_RETRIES,
     "stream " ARN " shard shardId-1 (from trim-horizon to the end): GetShardIterator: still "
     "failing after 2 attempts: Timeout was reached"},
    {"timeouts after the endpoint answered: every retry",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 2, 0, "", 10}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_RETRIES,
     "stream " ARN " shard shardId-1 (from trim-horizon to the end): GetRecords: still failing "
     "after 11 attempts: Timeout was reached"},
    /*
     * A trimmed start: the range is read from the trim horizon. The loss is said (a "lost:"
     * entry, its last sequence number) before the first page of what remains, or the read
     * fails as a whole when nothing of the range is left.
     */
    {"a trimmed start, nothing of the range left: the first record is past its end",
     0,
     A2A_START_AT,
     S(11),
     S(19),
     0,
     {{GSI, "'ShardIteratorType':'AT_SEQUENCE_NUMBER','SequenceNumber':'" S(11) "'", 0, 400,
       TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(25) "]," NEXT "}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "stream " ARN " shard shardId-1 (from at:" S(11) " to " S(
         19) "): GetShardIterator: TrimmedDataAccessException: trimmed; none of the range's "
             "records is left in the stream (the first record in the stream, " S(
                 25) ", is past the range's end)"},
    {"a trimmed start, nothing left: the closed shard holds no record from its horizon on",
     0,
     A2A_START_AT,
     S(11),
     S(19),
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, EMPTY, 1},
      {GR, NULL, 0, 200, "{'Records':[]," NONEXT "}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~trimmed; none of the range's records is left in the stream (the shard holds no record "
     "from its trim horizon on)"},
    {"a trimmed start, nothing left: the trim horizon has no iterator",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0}, {GSI, "TRIM_HORIZON", 0, 200, "{}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~trimmed; none of the range's records is left"},
    {"a trimmed at: start: the loss is said before the pages of what remains",
     0,
     A2A_START_AT,
     S(11),
     S(19),
     0,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, EMPTY, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(15) "," REC(16) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(17) "," REC(20) "]," NEXT "}", 0}},
     {"lost:" S(14), S(15) "-" S(16) "/2", S(17) "-" S(20) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"a trimmed after: start: any record after it and before the first left is lost",
     0,
     A2A_START_AFTER,
     S(11),
     NULL,
     1,
     {{GSI, "AFTER_SEQUENCE_NUMBER", 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(13) "]," NONEXT "}", 0}},
     {"lost:" S(12), S(13) "-" S(13) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"a trimmed after: start whose next number is the first left: nothing is lost",
     0,
     A2A_START_AFTER,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(12) "]," NONEXT "}", 0}},
     {S(12) "-" S(12) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"a trimmed at: start that is itself the first left: nothing is lost",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"a trim horizon before the trimmed start: the stream contradicts itself, nothing handed out",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(10) "," REC(12) "]," NONEXT "}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~trimmed; yet the trim horizon's first record, " S(10) ", is not past at:" S(11)},
    {"trimmed again mid-read after a trimmed start: the trim horizon again, a second loss",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(15) "]," NEXT "}", 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(18) "," REC(19) "]," NONEXT "}", 0}},
     {"lost:" S(14), S(15) "-" S(15) "/1", "lost:" S(17), S(18) "-" S(19) "/2"},
     A2A_READ_END,
     0,
     NULL},
    {"an expired iterator before the first record left: the trim horizon again",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, "{'__type':'" NS "ExpiredIteratorException','message':'x'}", 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(15) "]," NONEXT "}", 0}},
     {"lost:" S(14), S(15) "-" S(15) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"GetRecords answers trimmed on the start's iterator: the trim horizon, as for the iterator",
     0,
     A2A_START_AT,
     S(11),
     S(19),
     1,
     {{GSI, "AT_SEQUENCE_NUMBER", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(15) "]," NONEXT "}", 0}},
     {"lost:" S(14), S(15) "-" S(15) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"an open shard goes idle before the first record left: the range is unreadable, not 'gone'",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     0,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, EMPTY, 40}}, /* 41 empty pages, 250 ms apart: 10 s, the idle time */
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~TrimmedDataAccessException: trimmed; and no record came from the trim horizon within the "
     "idle time (--idle): whether any record of the range is left is not known"},
    {"the horizon's own iterator trimmed before its first page: a fresh one, the same loss",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(16) "]," NONEXT "}", 0}},
     {"lost:" S(15), S(16) "-" S(16) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"the horizon's iterators trimmed again and again: given up, unreadable",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 400, TRIMMED, 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~GetRecords: TrimmedDataAccessException: trimmed"},
    {"the trim horizon's iterator fails: the range is unreadable, by that failure",
     0,
     A2A_START_AT,
     S(11),
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 400, "{'__type':'" NS "ResourceNotFoundException','message':'gone'}",
       0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_NOT_FOUND,
     "~ResourceNotFoundException"},
    {"a trim-horizon start that is trimmed: no fallback (it is the horizon)",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 400, TRIMMED, 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "stream " ARN " shard shardId-1 (from trim-horizon to the end): GetShardIterator: "
     "TrimmedDataAccessException: trimmed"},
    /* A read slower than the stream's 24 hours: the trim overtakes it. */
    {"trimmed mid-read: the loss after the last record handed out is said, the rest is read",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "'ShardIteratorType':'TRIM_HORIZON'}", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(14) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1", "lost:" S(13), S(14) "-" S(14) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"trimmed mid-read, the next record left is the one after: nothing lost",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(12) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1", S(12) "-" S(12) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"trimmed mid-read, nothing after the last record read is left: the rest is unreadable",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     S(19),
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(25) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~GetRecords: TrimmedDataAccessException: trimmed; none of the range's records after " S(
         11) " is left in the stream (the first record in the stream, " S(25) ", is past the "
                                                                              "range's end)"},
    {"trimmed mid-read, the trim horizon at a record handed out: refused, nothing again",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NEXT "}", 0},
      {GR, NULL, 0, 400, TRIMMED, 0},
      {GSI, "TRIM_HORIZON", 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(12) "," REC(13) "]," NONEXT "}", 0}},
     {S(11) "-" S(12) "/2"},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRIMMED,
     "~is not past after:" S(12)},
    {"a permanent transport failure is not retried",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, -1, 0, "", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_TRANSPORT,
     "~GetShardIterator"},
    {"no credentials: nothing is sent",
     1,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{NULL}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_CREDENTIALS,
     "~no AWS credentials found"},
    {"a page that is not JSON",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 0, 200, "{'Records':", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_PROTOCOL,
     "~not an object"},
    {"a page whose records are followed by bytes that are not JSON",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT ",}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_PROTOCOL,
     "~not an object"},
    {"a page whose Records is not a list",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 0, 200, "{'Records':{}," NEXT "}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_PROTOCOL,
     "~not an object"},
    {"a page whose NextShardIterator is a number",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "],'NextShardIterator':5}", 0}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_PROTOCOL,
     "~NextShardIterator is not a string"},
    {"a page without Records is empty; escaped digits and a record without one",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     1,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{" NEXT "}", 0},
      {GR, "'ShardIterator':'it-n'", 0, 200,
       "{'Records':[{'dynamodb':{'SequenceNumber':'\\u0031000000000000000000"
       "11'}},"
       "{'eventName':'INSERT'}," REC(12) "],'NextShardIterator':'it-\\u0032'}",
       0},
      {GR, "'ShardIterator':'it-2'", 0, 200, "{'Records':[" REC(13) "]}", 0}},
     {S(11) "-" S(12) "/3", S(13) "-" S(13) "/1"},
     A2A_READ_END,
     0,
     NULL},
};

struct script {
    const struct reader_row *row;
    size_t step;
    int repeated;
    int calls;
    int64_t now;
    int64_t last_gr;     /* time of the last GetRecords, -1 before */
    int last_gr_records; /* the last GetRecords answered records: the next need not wait */
    int64_t min_gap;     /* shortest time between a GetRecords and the next, when paced */
    int backlog_calls;   /* GetRecords sent at once after a page with records */
};

static int script_send(void *ctx, const struct a2a_aws_creds *creds, const char *op,
                       const char *body, size_t len, long *status, struct a2a_buf *answer,
                       char *msg, size_t cap)
{
    struct script *s = ctx;
    const struct step *st = &s->row->steps[s->step];
    char *want;

    (void)len;
    s->calls++;
    if (creds->access_key_id == NULL || strcmp(creds->access_key_id, "AKTEST") != 0) {
        row_fail("%s: sent without the test keys", s->row->name);
    }
    if (s->step >= STEPS_MAX || st->op == NULL) {
        row_fail("%s: unexpected call %d: %s %s", s->row->name, s->calls, op, body);
        snprintf(msg, cap, "unexpected call");
        return -1;
    }
    if (strcmp(op, st->op) != 0) {
        row_fail("%s: call %d is %s, want %s", s->row->name, s->calls, op, st->op);
    }
    want = st->body_has != NULL ? q(st->body_has, strlen(st->body_has) + 1) : NULL;
    if (want != NULL && strstr(body, want) == NULL) {
        row_fail("%s: call %d body %s lacks %s", s->row->name, s->calls, body, want);
    }
    free(want);
    if (strcmp(op, GR) == 0) {
        if (s->last_gr >= 0 && !s->last_gr_records && s->now - s->last_gr < s->min_gap) {
            s->min_gap = s->now - s->last_gr;
        }
        if (s->last_gr >= 0 && s->last_gr_records && s->now - s->last_gr < 250) {
            s->backlog_calls++;
        }
        s->last_gr = s->now;
        s->last_gr_records =
            st->status == 200 && st->sent == 0 && strstr(st->answer, "SequenceNumber") != NULL;
    }
    s->now += 20; /* each call takes a little time */
    *status = st->status;
    if (st->sent == 0) {
        char *text = q(st->answer, strlen(st->answer));
        a2a_buf_append(answer, text, strlen(st->answer));
        free(text);
    } else {
        snprintf(msg, cap, "%s",
                 st->sent == 2  ? "Timeout was reached"
                 : st->sent > 0 ? "Connection reset"
                                : "SSL certificate problem");
    }
    if (s->repeated++ >= st->repeat) {
        s->step++;
        s->repeated = 0;
    }
    return st->sent;
}

static int64_t script_now(void *ctx)
{
    return ((struct script *)ctx)->now;
}

static void script_sleep(void *ctx, int64_t ms)
{
    ((struct script *)ctx)->now += ms;
}

static const char *test_env(void *ctx, const char *name)
{
    int no_creds = *(const int *)ctx;

    if (strcmp(name, "AWS_EC2_METADATA_DISABLED") == 0) {
        return "true";
    }
    if (strcmp(name, "HOME") == 0) {
        return "/nonexistent";
    }
    if (!no_creds && strcmp(name, "AWS_ACCESS_KEY_ID") == 0) {
        return "AKTEST";
    }
    if (!no_creds && strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0) {
        return "secret";
    }
    return NULL;
}

/* A client on the scripted hooks at the test endpoint, its environment read through env. */
static struct a2a_streams_client *script_client(struct a2a_streams_hooks *hooks, struct a2a_env env)
{
    struct a2a_streams_config cfg = {0};
    struct a2a_streams_client *c = NULL;
    struct a2a_error err = {0};

    cfg.stream_arn = ARN;
    cfg.endpoint_url = "http://127.0.0.1:9";
    cfg.env = env;
    cfg.hooks = hooks;
    assert_int_equal(a2a_streams_client_new(&cfg, &c, &err), 0);
    return c;
}

static void check_pages(const struct reader_row *r, struct a2a_shard_reader *rd,
                        struct a2a_stream_error *e, enum a2a_read_status *last)
{
    struct a2a_stream_page page;
    size_t n = 0;

    while ((*last = a2a_shard_reader_next(rd, &page, e)) == A2A_READ_PAGE ||
           *last == A2A_READ_LOST) {
        char got[128];
        if (*last == A2A_READ_LOST) {
            snprintf(got, sizeof(got), "lost:%s", e->lost_end);
            if (e->cause != A2A_STREAM_CAUSE_TRIMMED ||
                !text_matches(e->err.msg, "~TrimmedDataAccessException: trimmed; any of the "
                                          "range's records ")) {
                row_fail("%s: the loss is said as \"%s\" (cause %d)", r->name, e->err.msg,
                         e->cause);
            }
            *e = (struct a2a_stream_error){{0}, 0, "", 0, ""};
        } else {
            snprintf(got, sizeof(got), "%s-%s/%zu", page.first_seq, page.last_seq,
                     page.records_in_range);
        }
        if (n >= 6 || r->pages[n] == NULL || strcmp(got, r->pages[n]) != 0) {
            row_fail("%s: page %zu is %s, want %s", r->name, n, got,
                     n < 6 && r->pages[n] != NULL ? r->pages[n] : "none");
        }
        if (*last == A2A_READ_PAGE &&
            (page.bytes == NULL || page.len == 0 || page.bytes[0] != '{')) {
            row_fail("%s: page %zu has no bytes", r->name, n);
        }
        n++;
        if (n > 8) {
            break;
        }
    }
    if (n < 6 && r->pages[n] != NULL) {
        row_fail("%s: %zu pages, want more (%s)", r->name, n, r->pages[n]);
    }
}

/* The rows' ranges have a written end (a redriven range): set by test_reader_written_end. */
static int reader_end_written;

/* a2a_shard_reader_closed() when the last row's read ended */
static int reader_closed;

/* Runs one row; returns how many GetRecords went out at once after a page with records. */
static int run_reader_row(const struct reader_row *r)
{
    struct script s = {.row = r, .now = 1000000, .last_gr = -1, .min_gap = INT64_MAX};
    struct a2a_streams_hooks hooks = {script_send, script_now, script_sleep, &s};
    int no_creds = r->no_creds;
    struct a2a_streams_client *c = script_client(&hooks, (struct a2a_env){test_env, &no_creds});
    struct a2a_shard_reader *rd = NULL;
    struct a2a_shard_range range = {"shardId-1", {r->kind, ""},      r->end_seq,
                                    r->closed,   reader_end_written, 0};
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_error err = {0};
    enum a2a_read_status last;

    snprintf(range.start.seq, sizeof(range.start.seq), "%s", r->start_seq);
    assert_int_equal(a2a_shard_reader_open(c, &range, &rd, &err), 0);
    check_pages(r, rd, &e, &last);
    reader_closed = a2a_shard_reader_closed(rd);
    if (last != r->last || e.cause != r->cause ||
        (r->msg != NULL && !text_matches(e.err.msg, r->msg)) ||
        (r->msg == NULL && e.err.code != A2A_OK)) {
        row_fail("%s: ended %d cause %d \"%s\", want %d cause %d \"%s\"", r->name, last, e.cause,
                 e.err.msg, r->last, r->cause, r->msg != NULL ? r->msg : "");
    }
    if (s.step < STEPS_MAX && r->steps[s.step].op != NULL) {
        row_fail("%s: stopped before step %zu (%s)", r->name, s.step, r->steps[s.step].op);
    }
    if (s.min_gap < 250) {
        row_fail("%s: a GetRecords %lld ms after an empty page", r->name, (long long)s.min_gap);
    }
    if (a2a_shard_reader_next(rd, &(struct a2a_stream_page){0}, &e) != A2A_READ_END &&
        last != A2A_READ_ERROR) {
        row_fail("%s: a finished reader read on", r->name);
    }
    a2a_shard_reader_free(&rd);
    a2a_streams_client_free(&c);
    return s.backlog_calls;
}

/*
 * A redriven range names records the shard holds: an open shard that goes idle before its
 * end leaves them unread, and must not read as a range read in full (its message acked).
 */
static const struct reader_row written_end_rows[] = {
    {"written end: idle after a page short of the end is unreadable (idle), not the end",
     0,
     A2A_START_AT,
     S(11),
     S(13),
     0,
     {{GSI, "'AT_SEQUENCE_NUMBER','SequenceNumber':'" S(11) "'", 0, 200, IT, 0},
      {GR, "'it-1'", 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, EMPTY, 40}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_IDLE,
     "~gave no record for 10 s (--idle) before the range's end " S(
         13) " came; the last record read was " S(11)},
    {"written end: idle before any record is unreadable (idle)",
     0,
     A2A_START_AT,
     S(11),
     S(13),
     0,
     {{GSI, "'AT_SEQUENCE_NUMBER'", 0, 200, IT, 0}, {GR, NULL, 0, 200, EMPTY, 40}},
     {NULL},
     A2A_READ_ERROR,
     A2A_STREAM_CAUSE_IDLE,
     "~before the range's end " S(13) " came"},
    {"written end reached on an open shard: the end, no idle wait",
     0,
     A2A_START_AT,
     S(11),
     S(12),
     0,
     {{GSI, "'AT_SEQUENCE_NUMBER'", 0, 200, IT, 0},
      {GR, "'it-1'", 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NEXT "}", 0}},
     {S(11) "-" S(12) "/2"},
     A2A_READ_END,
     0,
     NULL},
    {"written end on a closed shard that runs out: the end (the shard is read to its end)",
     0,
     A2A_START_AT,
     S(11),
     S(13),
     1,
     {{GSI, "'AT_SEQUENCE_NUMBER'", 0, 200, IT, 0},
      {GR, "'it-1'", 0, 200, "{'Records':[" REC(11) "]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
};

static void test_reader_written_end(void **state)
{
    (void)state;
    reader_end_written = 1;
    for (size_t i = 0; i < sizeof(written_end_rows) / sizeof(written_end_rows[0]); i++) {
        (void)run_reader_row(&written_end_rows[i]);
    }
    reader_end_written = 0;
    /* The same idle read of a range whose end is only a bound (--to) ends as before. */
    {
        struct reader_row bound = written_end_rows[0];
        bound.name = "a bound, not a written end: idle ends the read";
        bound.last = A2A_READ_END;
        bound.cause = 0;
        bound.msg = NULL;
        (void)run_reader_row(&bound);
    }
    rows_done();
}

/* Every attempt of a call fails in transport: nothing listens (GetShardIterator x 11). */
static const struct reader_row unanswered_row = {"every attempt fails in transport",
                                                 0,
                                                 A2A_START_TRIM_HORIZON,
                                                 "",
                                                 NULL,
                                                 1,
                                                 {{GSI, NULL, 1, 0, "", 10}},
                                                 {NULL},
                                                 A2A_READ_ERROR,
                                                 A2A_STREAM_CAUSE_RETRIES,
                                                 NULL};

/*
 * A call that spends its retries before any call had an answer (a wrong endpoint, nothing
 * listening) is not made again by the next reader of the same client: the next one fails at
 * once, saying why, and sends nothing.
 */
static void test_unanswered_endpoint_is_not_waited_on_again(void **state)
{
    struct script s = {.row = &unanswered_row, .now = 1000000, .last_gr = -1, .min_gap = INT64_MAX};
    struct a2a_streams_hooks hooks = {script_send, script_now, script_sleep, &s};
    int no_creds = 0;
    struct a2a_streams_client *c = script_client(&hooks, (struct a2a_env){test_env, &no_creds});
    struct a2a_shard_range range = {"shardId-1", {A2A_START_TRIM_HORIZON, ""}, NULL, 1, 0, 0};
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_error err = {0};

    (void)state;
    for (int run = 0; run < 2; run++) {
        struct a2a_shard_reader *rd = NULL;
        int calls = s.calls;
        e = (struct a2a_stream_error){{0}, 0, "", 0, ""};
        assert_int_equal(a2a_shard_reader_open(c, &range, &rd, &err), 0);
        assert_int_equal(a2a_shard_reader_next(rd, &(struct a2a_stream_page){0}, &e),
                         A2A_READ_ERROR);
        assert_int_equal(e.cause, A2A_STREAM_CAUSE_RETRIES);
        if (run == 0) {
            assert_int_equal(s.calls - calls, 11);
            assert_non_null(strstr(e.err.msg, "still failing after 11 attempts"));
        } else {
            assert_int_equal(s.calls, calls); /* nothing sent */
            assert_non_null(strstr(e.err.msg, "not tried: no call to http://127.0.0.1:9 has "
                                              "been answered in this run, and one already "
                                              "failed after 11 attempts"));
        }
        a2a_shard_reader_free(&rd);
    }
    a2a_streams_client_free(&c);
    rows_done();
}

/* The retry lines of a call, as the client logged them: level, announced wait, and when. */
struct retry_log {
    const struct script *clock;
    int n;
    int warn[16];
    unsigned long long wait_ms[16];
    int64_t at[16];
};

static void capture_retry(void *ctx, const struct a2a_log_event *ev)
{
    struct retry_log *rl = ctx;
    const char *attempt = strstr(ev->message, "; attempt ");
    const char *in = attempt != NULL ? strstr(attempt, " in ") : NULL;

    assert_non_null(in);
    assert_true(rl->n < 16);
    rl->warn[rl->n] = ev->level == A2A_LOG_WARN;
    rl->wait_ms[rl->n] = strtoull(in + 4, NULL, 10);
    rl->at[rl->n++] = rl->clock->now;
}

/* An attempt that lasts attempt_ms (a black hole: its whole timeout), then fails in transport. */
struct slow_script {
    struct script s; /* first: script_now and script_sleep see it */
    int64_t attempt_ms;
};

static int slow_send(void *ctx, const struct a2a_aws_creds *creds, const char *op, const char *body,
                     size_t len, long *status, struct a2a_buf *answer, char *msg, size_t cap)
{
    struct slow_script *ss = ctx;

    ss->s.now += ss->attempt_ms;
    return script_send(&ss->s, creds, op, body, len, status, answer, msg, cap);
}

/* A client over hooks that logs to log, its jitter drawn from seed. */
static struct a2a_streams_client *logged_client(struct a2a_streams_hooks *hooks,
                                                const struct a2a_log *log, uint64_t seed,
                                                int *no_creds)
{
    struct a2a_streams_config cfg = {0};
    struct a2a_streams_client *c = NULL;
    struct a2a_error err = {0};

    cfg.stream_arn = ARN;
    cfg.endpoint_url = "http://127.0.0.1:9";
    cfg.env = (struct a2a_env){test_env, no_creds};
    cfg.hooks = hooks;
    cfg.log = log;
    cfg.random_seed = seed;
    assert_int_equal(a2a_streams_client_new(&cfg, &c, &err), 0);
    return c;
}

/* One call of 11 failing attempts; checks which retries warned. Returns the warnings. */
static int retry_warnings(uint64_t seed, int64_t attempt_ms)
{
    struct slow_script ss = {
        {.row = &unanswered_row, .now = 1000000, .last_gr = -1, .min_gap = INT64_MAX}, attempt_ms};
    struct a2a_streams_hooks hooks = {slow_send, script_now, script_sleep, &ss};
    struct retry_log rl = {.clock = &ss.s};
    struct a2a_log log = {capture_retry, &rl};
    int no_creds = 0;
    struct a2a_streams_client *c = logged_client(&hooks, &log, seed, &no_creds);
    struct a2a_shard_range range = {"shardId-1", {A2A_START_TRIM_HORIZON, ""}, NULL, 1, 0, 0};
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_shard_reader *rd = NULL;
    struct a2a_error err = {0};
    int64_t last_warning = 0;
    int warnings = 0;

    assert_int_equal(a2a_shard_reader_open(c, &range, &rd, &err), 0);
    assert_int_equal(a2a_shard_reader_next(rd, &(struct a2a_stream_page){0}, &e), A2A_READ_ERROR);
    assert_int_equal(rl.n, 10); /* 11 attempts, 10 waits */
    for (int i = 0; i < rl.n; i++) {
        int want = i == 0 || rl.at[i] - last_warning >= 5000 || rl.wait_ms[i] >= 5000;
        if (rl.warn[i] != want) {
            row_fail("seed %llu, attempts of %lld ms: retry %d (%lld ms after the last warning, "
                     "waiting %llu ms): %s, want %s",
                     (unsigned long long)seed, (long long)attempt_ms, i + 1,
                     (long long)(rl.at[i] - last_warning), rl.wait_ms[i],
                     rl.warn[i] ? "a warning" : "detail", want ? "a warning" : "detail");
        }
        if (rl.warn[i]) {
            warnings++;
            last_warning = rl.at[i];
        }
    }
    a2a_shard_reader_free(&rd);
    a2a_streams_client_free(&c);
    return warnings;
}

/*
 * A failing endpoint holds a call for half a minute with the default 11 attempts: its first
 * retry warns, and so does every retry 5 s or more after the last warning (attempts included:
 * one to a black hole lasts its timeout) or before a wait of 5 s or more, so a run is never
 * quiet for long without having said so. The rest are -v detail. Fixed seeds: the jitter
 * decides which retries those are.
 */
static void test_long_retries_warn_now_and_then(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        int fast = retry_warnings(seed, 0);
        int slow = retry_warnings(seed, 3000);
        if (fast < 2 || slow < 5) {
            row_fail("seed %llu: %d warnings (refused at once), %d (3 s attempts) in 11 "
                     "attempts, want more than the first",
                     (unsigned long long)seed, fast, slow);
        }
    }
    rows_done();
}

/* The last line the client logged. */
static void capture_last(void *ctx, const struct a2a_log_event *ev)
{
    snprintf(ctx, 512, "%s", ev->message);
}

/* Timeouts with no answer ever: the retry line counts the two attempts made, not eleven. */
static void test_unanswered_timeouts_say_their_count(void **state)
{
    const struct reader_row *row = NULL;
    struct script s = {.now = 1000000, .last_gr = -1, .min_gap = INT64_MAX};
    struct a2a_streams_hooks hooks = {script_send, script_now, script_sleep, &s};
    char last[512] = "";
    struct a2a_log log = {capture_last, last};
    int no_creds = 0;
    struct a2a_streams_client *c = logged_client(&hooks, &log, 0, &no_creds);
    struct a2a_shard_range range = {"shardId-1", {A2A_START_TRIM_HORIZON, ""}, NULL, 1, 0, 0};
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_shard_reader *rd = NULL;
    struct a2a_error err = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(reader_rows) / sizeof(reader_rows[0]); i++) {
        if (strstr(reader_rows[i].name, "no call ever answered: two attempts") != NULL) {
            row = &reader_rows[i]; /* the row that checks the error: here, the retry line */
        }
    }
    assert_non_null(row);
    s.row = row;
    assert_int_equal(a2a_shard_reader_open(c, &range, &rd, &err), 0);
    assert_int_equal(a2a_shard_reader_next(rd, &(struct a2a_stream_page){0}, &e), A2A_READ_ERROR);
    assert_int_equal(s.calls, 2);
    assert_non_null(strstr(last, "Timeout was reached; attempt 2 of 2 in "));
    a2a_shard_reader_free(&rd);
    a2a_streams_client_free(&c);
}

/* Credentials from the environment, until gone is set; HOME a directory with other keys. */
struct moving_env {
    int gone;
    char home[64];
};

static const char *moving_get(void *ctx, const char *name)
{
    const struct moving_env *m = ctx;

    if (strcmp(name, "AWS_EC2_METADATA_DISABLED") == 0) {
        return "true";
    }
    if (strcmp(name, "HOME") == 0) {
        return m->home;
    }
    if (!m->gone && strcmp(name, "AWS_ACCESS_KEY_ID") == 0) {
        return "AKTEST";
    }
    if (!m->gone && strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0) {
        return "secret";
    }
    return NULL;
}

/*
 * A refresh asks the source the run's credentials came from, and goes on asking it after it
 * failed once: the next range must not walk the chain and sign as whoever the profile names.
 */
static void test_refresh_failure_keeps_to_the_source(void **state)
{
    static const struct reader_row row = {
        "keys from the environment, then none",
        0,
        A2A_START_TRIM_HORIZON,
        "",
        NULL,
        1,
        {{GSI, NULL, 0, 200, IT, 0}, {GR, NULL, 0, 200, "{'Records':[]," NONEXT "}", 0}},
        {NULL},
        A2A_READ_END,
        0,
        NULL};
    struct script s = {.row = &row, .now = 1000000, .last_gr = -1, .min_gap = INT64_MAX};
    struct a2a_streams_hooks hooks = {script_send, script_now, script_sleep, &s};
    struct moving_env env = {0, "/tmp/a2a-moving-XXXXXX"};
    struct a2a_streams_client *c = NULL;
    struct a2a_shard_range range = {"shardId-1", {A2A_START_TRIM_HORIZON, ""}, NULL, 1, 0, 0};
    struct a2a_error err = {0};
    char path[128];
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(env.home));
    snprintf(path, sizeof(path), "%s/.aws", env.home);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/.aws/credentials", env.home);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[default]\naws_access_key_id=AKOTHER\naws_secret_access_key=S\n", f);
    fclose(f);
    c = script_client(&hooks, (struct a2a_env){moving_get, &env});
    for (int run = 0; run < 3; run++) {
        struct a2a_shard_reader *rd = NULL;
        struct a2a_stream_error e = {{0}, 0, "", 0, ""};
        int calls = s.calls;
        enum a2a_read_status got;

        assert_int_equal(a2a_shard_reader_open(c, &range, &rd, &err), 0);
        got = a2a_shard_reader_next(rd, &(struct a2a_stream_page){0}, &e);
        if (run == 0) {
            assert_int_equal(got, A2A_READ_END);
            c->creds.expiration = time(NULL) - 1; /* due: the next call fetches again */
            env.gone = 1;
        } else {
            assert_int_equal(got, A2A_READ_ERROR);
            assert_int_equal(e.cause, A2A_STREAM_CAUSE_CREDENTIALS);
            assert_non_null(strstr(e.err.msg, "no longer gives any"));
            assert_int_equal(s.calls, calls); /* nothing sent, with AKOTHER least of all */
        }
        a2a_shard_reader_free(&rd);
    }
    a2a_streams_client_free(&c);
    snprintf(path, sizeof(path), "rm -rf '%s'", env.home);
    assert_int_equal(system(path), 0);
    rows_done();
}

static void test_reader(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(reader_rows) / sizeof(reader_rows[0]); i++) {
        (void)run_reader_row(&reader_rows[i]);
    }
    rows_done();
}

/*
 * A read that ends at the shard's close leaves what followed in its children, which a read
 * of the whole stream lists then; an end on the range's end is not a close, even on the
 * closing page (the children's records lie past it).
 */
static const struct reader_row closed_rows[] = {
    {"open at the start, closed: the last page has no NextShardIterator",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     NULL,
     0,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
      {GR, NULL, 0, 200, "{'Records':[]," NONEXT "}", 0}},
     {S(11) "-" S(11) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"closed: no iterator at all",
     0,
     A2A_START_LATEST,
     "",
     NULL,
     0,
     {{GSI, NULL, 0, 200, "{'ShardIterator':null}", 0}},
     {NULL},
     A2A_READ_END,
     0,
     NULL},
    {"the closing page passes the end: not a close",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     S(11),
     0,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NONEXT "}", 0}},
     {S(11) "-" S(12) "/1"},
     A2A_READ_END,
     0,
     NULL},
    {"the closing page ends at the end: not a close",
     0,
     A2A_START_TRIM_HORIZON,
     "",
     S(12),
     0,
     {{GSI, NULL, 0, 200, IT, 0},
      {GR, NULL, 0, 200, "{'Records':[" REC(11) "," REC(12) "]," NONEXT "}", 0}},
     {S(11) "-" S(12) "/2"},
     A2A_READ_END,
     0,
     NULL},
};

static void test_reader_closed(void **state)
{
    static const int want[] = {1, 1, 0, 0};

    (void)state;
    for (size_t i = 0; i < sizeof(closed_rows) / sizeof(closed_rows[0]); i++) {
        (void)run_reader_row(&closed_rows[i]);
        if (reader_closed != want[i]) {
            row_fail("%s: closed %d, want %d", closed_rows[i].name, reader_closed, want[i]);
        }
    }
    rows_done();
}

/* A backlog is read as fast as the shard answers: only polling an idle shard is paced. */
static const struct reader_row backlog_row = {
    "closed shard: three full pages back to back",
    0,
    A2A_START_TRIM_HORIZON,
    "",
    NULL,
    1,
    {{GSI, "'ShardIteratorType':'TRIM_HORIZON'", 0, 200, IT, 0},
     {GR, NULL, 0, 200, "{'Records':[" REC(11) "]," NEXT "}", 0},
     {GR, NULL, 0, 200, "{'Records':[" REC(12) "]," NEXT "}", 0},
     {GR, NULL, 0, 200, "{'Records':[" REC(13) "]," NONEXT "}", 0}},
    {S(11) "-" S(11) "/1", S(12) "-" S(12) "/1", S(13) "-" S(13) "/1"},
    A2A_READ_END,
    0,
    NULL};

static void test_reader_backlog_unpaced(void **state)
{
    (void)state;
    assert_int_equal(run_reader_row(&backlog_row), 2);
    rows_done();
}

/* ---- DescribeStream ---------------------------------------------------------------------------
 */

#define SHARD(id, parent)                                                                          \
    "{'ShardId':'" id "'," parent "'SequenceNumberRange':{'StartingSequenceNumber':'" S(10) "'}}"

static const struct reader_row describe_row = {
    "describe: two pages, children listed before parents",
    0,
    A2A_START_TRIM_HORIZON,
    "",
    NULL,
    0,
    {{"DescribeStream", "{'StreamArn':'" ARN "'}", 0, 200,
      "{'StreamDescription':{'Shards':[" SHARD("c", "'ParentShardId':'b',") "," SHARD(
          "b", "'ParentShardId':'a',") "],'LastEvaluatedShardId':'b'}}",
      0},
     {"DescribeStream", "'ExclusiveStartShardId':'b'", 0, 400, THROTTLE, 0},
     {"DescribeStream", "'ExclusiveStartShardId':'b'", 0, 200,
      "{'StreamDescription':{'Shards':[" SHARD("a", "'ParentShardId':'gone',") "," SHARD("z",
                                                                                         "") "]}}",
      0}},
    {NULL},
    A2A_READ_END,
    0,
    NULL,
};

static void test_describe(void **state)
{
    static const char *const want[] = {"a", "b", "c", "z"};
    struct script s = {.row = &describe_row, .last_gr = -1, .min_gap = INT64_MAX};
    struct a2a_streams_hooks hooks = {script_send, script_now, script_sleep, &s};
    int no_creds = 0;
    struct a2a_streams_config cfg = {0};
    struct a2a_streams_client *c = NULL;
    struct a2a_shard_list l;
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_error err = {0};

    (void)state;
    cfg.stream_arn = ARN;
    cfg.env.get = test_env;
    cfg.env.ctx = &no_creds;
    cfg.hooks = &hooks;
    assert_int_equal(a2a_streams_client_new(&cfg, &c, &err), 0);
    assert_string_equal(a2a_streams_client_endpoint(c),
                        "https://streams.dynamodb.us-east-1.amazonaws.com");
    assert_int_equal(a2a_streams_describe(c, &l, &e), 0);
    assert_int_equal(l.count, 4);
    for (size_t i = 0; i < l.count; i++) {
        assert_string_equal(l.shards[i].shard_id, want[i]);
        assert_string_equal(l.shards[i].starting_seq, S(10));
        assert_null(l.shards[i].ending_seq);
    }
    assert_int_equal(s.calls, 3);
    a2a_shard_list_free(&l);
    a2a_streams_client_free(&c);
    rows_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_reader_written_end),
        cmocka_unit_test(test_unanswered_endpoint_is_not_waited_on_again),
        cmocka_unit_test(test_long_retries_warn_now_and_then),
        cmocka_unit_test(test_unanswered_timeouts_say_their_count),
        cmocka_unit_test(test_refresh_failure_keeps_to_the_source),
        cmocka_unit_test(test_reader_backlog_unpaced),
        cmocka_unit_test(test_reader_closed),
        cmocka_unit_test(test_describe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
