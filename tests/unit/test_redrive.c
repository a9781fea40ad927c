/*
 * The redrive's bookkeeping: messages finish in input order once closed and settled, acked
 * only when every record was acknowledged or skipped; a range named twice is claimed once and
 * its duplicate shares the first message's fate; the range set grows past its first table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redrive.h"

#define MAX_DONE 4096

struct seen {
    size_t n;
    uint64_t index[MAX_DONE];
    int acked[MAX_DONE];
    int duplicate[MAX_DONE];
    char receipt[MAX_DONE][32];
};

static void on_message(void *ctx, const struct a2a_message_done *m)
{
    struct seen *s = ctx;

    assert_true(s->n < MAX_DONE);
    s->index[s->n] = m->index;
    s->acked[s->n] = m->acked;
    s->duplicate[s->n] = m->duplicate;
    snprintf(s->receipt[s->n], sizeof(s->receipt[0]), "%.*s", (int)m->receipt_handle.len,
             m->receipt_handle.ptr);
    s->n++;
}

static struct a2a_str str(const char *s)
{
    return (struct a2a_str){s, strlen(s)};
}

/* An item of message k with a receipt handle and a range of one record at seq. */
static struct a2a_item item_of(uint64_t k, const char *receipt, const char *seq)
{
    struct a2a_item it;

    memset(&it, 0, sizeof(it));
    it.kind = A2A_ITEM_POINTER;
    it.msg.via = A2A_VIA_SQS_RECEIVE;
    it.msg.index = k;
    it.msg.input = "<stdin>";
    it.msg.has_receipt_handle = 1;
    it.msg.receipt_handle = str(receipt);
    it.has_range = 1;
    it.range.stream_arn = str("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x");
    it.range.shard_id = str("shardId-1");
    it.range.start_seq = str(seq);
    it.range.end_seq = str(seq);
    it.range.batch_size = 1;
    return it;
}

static struct a2a_redrive *open_rd(struct seen *s)
{
    struct a2a_redrive_config cfg = {.on_message = on_message, .ctx = s};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_redrive *rd = NULL;

    memset(s, 0, sizeof(*s));
    assert_int_equal(a2a_redrive_new(&rd, &cfg, &err), 0);
    return rd;
}

static void on_unreadable_count(void *ctx, const struct a2a_pointer_unreadable *p)
{
    char *text = ctx;

    snprintf(text, A2A_ERROR_MSG_MAX, "%s", p->u->error->msg);
}

/*
 * A run given no stream access (a library caller, a test, the fuzzer) reads no range: it is
 * unreadable at once, before any credential provider or endpoint is looked at, so that no
 * zeroed default ever reaches instance metadata or a real AWS host.
 */
static void no_stream_access_reads_nothing(void **state)
{
    char text[A2A_ERROR_MSG_MAX] = "";
    struct a2a_redrive_config cfg = {.on_unreadable = on_unreadable_count, .ctx = text};
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_redrive *rd = NULL;
    struct a2a_item it = item_of(1, "rh-1", "100000000000000000001");
    struct a2a_redrive_message *m;
    struct a2a_source src;

    (void)state;
    assert_int_equal(a2a_redrive_new(&rd, &cfg, &err), 0);
    m = a2a_redrive_begin(rd, &it, 0);
    assert_non_null(m);
    (void)a2a_redrive_open_range(rd, m, &it.range, &src, &err);
    assert_int_equal(a2a_redrive_range_failed(rd), 1);
    assert_non_null(strstr(text, "no stream access configured"));
    a2a_redrive_close_range(rd);
    a2a_redrive_free(&rd);
}

static void messages_finish_in_order_when_settled(void **state)
{
    struct seen s;
    struct a2a_redrive *rd = open_rd(&s);
    struct a2a_item i1 = item_of(1, "rh-1", "100000000000000000001");
    struct a2a_item i2 = item_of(2, "rh-2", "100000000000000000002");
    struct a2a_redrive_message *m1 = a2a_redrive_begin(rd, &i1, 0);
    struct a2a_redrive_message *m2;
    struct a2a_result res;

    (void)state;
    a2a_redrive_placed(m1);
    a2a_redrive_placed(m1);
    memset(&res, 0, sizeof(res));
    a2a_redrive_describe(m1, &res);
    assert_int_equal(res.message, 1);
    assert_true(res.has_shard_id);
    assert_memory_equal(res.shard_id.ptr, "shardId-1", 9);
    a2a_redrive_close(rd, m1);
    m2 = a2a_redrive_begin(rd, &i2, 0);
    a2a_redrive_placed(m2);
    a2a_redrive_close(rd, m2);
    /* m2's record settles first: it cannot finish before m1 */
    a2a_redrive_settled(rd, m2, A2A_OUT_ACKNOWLEDGED, 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(a2a_redrive_in_flight(rd), 2);
    a2a_redrive_settled(rd, m1, A2A_OUT_SKIPPED, 0);
    assert_int_equal(s.n, 0);
    a2a_redrive_settled(rd, m1, A2A_OUT_TRANSIENT, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.index[0], 1);
    assert_false(s.acked[0]); /* one record failed */
    assert_int_equal(s.index[1], 2);
    assert_true(s.acked[1]);
    assert_string_equal(s.receipt[1], "rh-2");
    assert_int_equal(a2a_redrive_in_flight(rd), 0);
    assert_int_equal(a2a_redrive_stats(rd)->acked, 1);
    a2a_redrive_free(&rd);
}

/* Message k, with the place resume before it and one record, settled with outcome. */
static void settle_one(struct a2a_redrive *rd, uint64_t k, uint64_t resume,
                       enum a2a_outcome outcome, int stopped_run)
{
    struct a2a_item it = item_of(k, "rh", "100000000000000000001");
    struct a2a_redrive_message *m = a2a_redrive_begin(rd, &it, 0);

    assert_non_null(m);
    a2a_redrive_resume_before(m, resume, 0);
    a2a_redrive_placed(m);
    a2a_redrive_close(rd, m);
    a2a_redrive_settled(rd, m, outcome, stopped_run);
}

/*
 * Which failed messages a continuation reads again: one cut by the stop, one whose record
 * failed in a way that may pass when sent again (retries spent on a transient error; the
 * answer that stopped the run, which is the run's); not one refused for a reason of its own
 * (read again, it would fail again). Each row: one message, one record settled so.
 */
static void which_failures_are_read_again(void **state)
{
    static const struct {
        enum a2a_outcome outcome;
        int stopped_run;
        int cut;  /* m1 was cut by the stop */
        int redo; /* m1 is read again */
    } rows[] = {
        {A2A_OUT_REJECTED, 0, 0, 0},     {A2A_OUT_PARSE_ERROR, 0, 0, 0},
        {A2A_OUT_TRANSIENT, 0, 0, 1},    {A2A_OUT_REJECTED, 1, 0, 1},
        {A2A_OUT_INTERRUPTED, 0, 1, 1},  {A2A_OUT_NOT_ATTEMPTED, 0, 1, 1},
        {A2A_OUT_ACKNOWLEDGED, 0, 0, 0},
    };

    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct seen s;
        struct a2a_redrive *rd = open_rd(&s);
        const struct a2a_redrive_stats *st;

        settle_one(rd, 1, 0, rows[k].outcome, rows[k].stopped_run);
        settle_one(rd, 2, 77, A2A_OUT_INTERRUPTED, 0); /* then one cut by the stop */
        st = a2a_redrive_stats(rd);
        assert_int_equal(st->first_cut, rows[k].cut ? 1 : 2);
        assert_int_equal(st->first_redo, rows[k].redo ? 1 : 2);
        assert_int_equal(st->first_redo_cut, rows[k].redo ? rows[k].cut : 1);
        assert_int_equal(st->first_redo_resume, rows[k].redo ? 0 : 77);
        assert_int_equal(st->failed,
                         rows[k].redo || rows[k].outcome == A2A_OUT_ACKNOWLEDGED ? 0 : 1);
        a2a_redrive_free(&rd);
    }
}

/*
 * How many messages that failed for a reason of their own a read from a place skips: the ones
 * whose place before them is earlier (a place at or after every one read so far, as a resume
 * point is). Three fail, the last two of one "Messages" document (one place before both),
 * then one is acked.
 */
static void failed_before_a_place(void **state)
{
    static const struct {
        enum a2a_outcome outcome;
        uint64_t resume;
    } msgs[] = {
        {A2A_OUT_REJECTED, 0},
        {A2A_OUT_PARSE_ERROR, 100},
        {A2A_OUT_REJECTED, 100},
        {A2A_OUT_ACKNOWLEDGED, 200},
    };
    struct seen s;
    struct a2a_redrive *rd = open_rd(&s);
    const struct a2a_redrive_stats *st;

    (void)state;
    for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
        settle_one(rd, k + 1, msgs[k].resume, msgs[k].outcome, 0);
    }
    st = a2a_redrive_stats(rd);
    assert_int_equal(st->failed, 3);
    assert_int_equal(a2a_redrive_failed_before(st, 0, 100), 1);
    assert_int_equal(a2a_redrive_failed_before(st, 0, 101), 3);
    assert_int_equal(a2a_redrive_failed_before(st, 0, 200), 3);
    assert_int_equal(a2a_redrive_failed_before(st, 1, 0), 3);
    a2a_redrive_free(&rd);
}

static void duplicate_shares_the_first_ones_fate(void **state)
{
    struct seen s;
    struct a2a_error err = {A2A_OK, ""};

    (void)state;
    for (int fail = 0; fail <= 1; fail++) {
        struct a2a_redrive *rd = open_rd(&s);
        struct a2a_item i1 = item_of(1, "rh-1", "100000000000000000001");
        /* the same range, spelled with a leading zero */
        struct a2a_item i2 = item_of(2, "rh-2", "0100000000000000000001");
        struct a2a_redrive_message *m1 = a2a_redrive_begin(rd, &i1, 0);
        struct a2a_redrive_message *m2;

        assert_int_equal(a2a_redrive_claim_range(rd, m1, &i1.range, &err), 0);
        a2a_redrive_placed(m1);
        a2a_redrive_close(rd, m1);
        m2 = a2a_redrive_begin(rd, &i2, 0);
        assert_int_equal(a2a_redrive_claim_range(rd, m2, &i2.range, &err), 1);
        a2a_redrive_close(rd, m2);
        assert_int_equal(s.n, 0); /* both wait for m1's record */
        a2a_redrive_settled(rd, m1, fail ? A2A_OUT_REJECTED : A2A_OUT_TASK_DELETED, 0);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.acked[0], !fail);
        assert_int_equal(s.acked[1], !fail);
        assert_true(s.duplicate[1]);
        assert_int_equal(a2a_redrive_stats(rd)->duplicates, 1);
        a2a_redrive_free(&rd);
    }
}

static void failed_message_and_many_ranges(void **state)
{
    struct seen s;
    struct a2a_redrive *rd = open_rd(&s);
    struct a2a_error err = {A2A_OK, ""};
    char seq[32];

    (void)state;
    /* 1000 distinct ranges (the table grows several times), then each named again */
    for (int round = 0; round < 2; round++) {
        for (int n = 0; n < 1000; n++) {
            struct a2a_item it;
            struct a2a_redrive_message *m;

            snprintf(seq, sizeof(seq), "1%020d", n);
            it = item_of((uint64_t)(round * 1000 + n + 1), "rh", seq);
            m = a2a_redrive_begin(rd, &it, 0);
            assert_non_null(m);
            assert_int_equal(a2a_redrive_claim_range(rd, m, &it.range, &err), round);
            if (n == 7 && round == 0) {
                a2a_redrive_fail(m);
            }
            a2a_redrive_close(rd, m);
        }
    }
    assert_int_equal(s.n, 2000);
    assert_false(s.acked[7]);
    assert_false(s.acked[1007]); /* its duplicate */
    assert_true(s.acked[8]);
    assert_true(s.acked[1008]);
    assert_int_equal(a2a_redrive_stats(rd)->acked, 1998);
    assert_int_equal(a2a_redrive_stats(rd)->duplicates, 1000);
    a2a_redrive_free(&rd);
}

/* How a message names the range, and how its reading goes. */
enum naming {
    POINTER_READ,       /* a pointer whose range is read from the stream in full */
    POINTER_UNREADABLE, /* a pointer whose range the stream fails */
    S3_WHOLE,           /* an S3 object holding its whole batch */
    S3_SHORT,           /* an S3 object short of its batch: its records, then the failure */
};

/*
 * Message k names the range of one record as `how` says and is read as the driver reads it:
 * its record (if it reads one) acknowledged at once. Returns what claiming the range gave.
 */
static int name_range(struct a2a_redrive *rd, uint64_t k, enum naming how)
{
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_item it = item_of(k, "rh", "100000000000000000001");
    struct a2a_redrive_message *m = a2a_redrive_begin(rd, &it, 0);
    struct a2a_source src;
    int claim;

    it.range.inline_records = how == S3_WHOLE || how == S3_SHORT;
    it.range.payload_records = it.range.inline_records;
    it.range.payload_whole = how == S3_WHOLE;
    claim = a2a_redrive_claim_range(rd, m, &it.range, &err);
    if (claim != 1 && how == POINTER_UNREADABLE) {
        /* no stream access configured: the range is unreadable at once */
        (void)a2a_redrive_open_range(rd, m, &it.range, &src, &err);
        assert_int_equal(a2a_redrive_range_failed(rd), 1);
        a2a_redrive_close_range(rd);
    } else if (claim != 1) {
        a2a_redrive_placed(m);
        a2a_redrive_settled(rd, m, A2A_OUT_ACKNOWLEDGED, 0);
    }
    if (claim != 1 && how == S3_SHORT) {
        a2a_redrive_fail(m); /* the driver's MESSAGE_ERROR after the payload's records */
    }
    a2a_redrive_close(rd, m);
    return claim;
}

/*
 * Found by an operator audit: a complete S3 object named a range an earlier S3 object short
 * of its batch had named, and was dropped as its duplicate: its records were never sent.
 * A message may supply a range the one before it did not read in full; the messages after it
 * share its fate. A range the stream failed is read from an S3 payload only.
 */
static void later_message_supplies_a_range_not_read_in_full(void **state)
{
    static const struct {
        enum naming first, second;
        int claim; /* of the second */
        int acked1, acked2;
        int claim3, acked3; /* a third message, a pointer read in full */
    } rows[] = {
        {S3_SHORT, S3_WHOLE, 2, 0, 1, 1, 1},
        {S3_SHORT, POINTER_READ, 2, 0, 1, 1, 1},
        {S3_SHORT, S3_SHORT, 2, 0, 0, 2, 1},
        {POINTER_UNREADABLE, S3_WHOLE, 2, 0, 1, 1, 1},
        {POINTER_UNREADABLE, S3_SHORT, 2, 0, 0, 1, 0}, /* the stream failed it already */
        {POINTER_UNREADABLE, POINTER_UNREADABLE, 1, 0, 0, 1, 0},
        {POINTER_READ, S3_SHORT, 1, 1, 1, 1, 1},
        {S3_WHOLE, S3_WHOLE, 1, 1, 1, 1, 1},
        {S3_WHOLE, POINTER_READ, 1, 1, 1, 1, 1},
    };
    struct seen s;
    struct a2a_redrive_config cfg = {.on_message = on_message, .ctx = &s};
    struct a2a_error err = {A2A_OK, ""};

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct a2a_redrive *rd = NULL;

        memset(&s, 0, sizeof(s));
        assert_int_equal(a2a_redrive_new(&rd, &cfg, &err), 0);
        assert_int_equal(name_range(rd, 1, rows[i].first), 0);
        assert_int_equal(name_range(rd, 2, rows[i].second), rows[i].claim);
        assert_int_equal(name_range(rd, 3, POINTER_READ), rows[i].claim3);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.acked[0], rows[i].acked1);
        assert_int_equal(s.acked[1], rows[i].acked2);
        assert_int_equal(s.duplicate[1], rows[i].claim == 1);
        assert_int_equal(s.acked[2], rows[i].acked3);
        assert_int_equal(s.duplicate[2], rows[i].claim3 == 1);
        assert_int_equal(a2a_redrive_stats(rd)->duplicates,
                         (rows[i].claim == 1) + (rows[i].claim3 == 1));
        a2a_redrive_free(&rd);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_stream_access_reads_nothing),
        cmocka_unit_test(messages_finish_in_order_when_settled),
        cmocka_unit_test(which_failures_are_read_again),
        cmocka_unit_test(failed_before_a_place),
        cmocka_unit_test(duplicate_shares_the_first_ones_fate),
        cmocka_unit_test(failed_message_and_many_ranges),
        cmocka_unit_test(later_message_supplies_a_range_not_read_in_full),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
