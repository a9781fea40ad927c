/*
 * A shard reader: GetShardIterator once, then GetRecords pages until the range is read.
 * Empty pages are normal (a shard is sparse; GetRecords may answer empty several times before
 * it reaches data), so they never end a read by themselves: a closed shard ends when no
 * NextShardIterator comes, an open one when a record past the end is seen or after idle_ms
 * without records. An expired iterator is never sent again: a fresh one starts after the last
 * record handed out, so nothing is lost or read twice.
 *
 * A range whose start the stream has trimmed is read from the trim horizon (see
 * a2a_shard_reader_next()). Near the stream's 24 hours the later records of such a range are
 * still there, and they are the ones an operator is racing for; the loss is said as soon as
 * the first record left shows where it ends, before anything of the range is handed out, so
 * a read cut short after that (a signal, --max-time, a later failure) has already said it.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonview.h"
#include "scanner.h"
#include "streams_internal.h"

#define EXPIRED_IN_A_ROW_MAX 5
#define HORIZON_TRIMMED_MAX  5 /* the horizon's own iterator trimmed before its first page */
#define WHERE_MAX            (A2A_ARN_MAX + 256)
#define PAGE_SCAN_CHUNK      (16 * 1024) /* bytes the page scanner copies at a time */

/* Where a read whose start was trimmed stands: see a2a_shard_reader_next(). */
enum fallback {
    FALLBACK_NONE,     /* reading from the range's own start */
    FALLBACK_AWAITING, /* reading from the trim horizon, no record seen yet */
    FALLBACK_DONE,     /* the first record left was seen (and the loss said, if any) */
};

/* The records of one page, as the page scanner counted them. */
struct page_scan {
    size_t records;
    size_t in_range;
    char first[A2A_SEQNUM_MAX_DIGITS + 1]; /* "" when no record had a valid one */
    char last[A2A_SEQNUM_MAX_DIGITS + 1];
    char last_in_range[A2A_SEQNUM_MAX_DIGITS + 1];
    struct a2a_buf scratch; /* owned: unescaped names and values while they are compared */
};

struct a2a_shard_reader {
    struct a2a_streams_client *c; /* borrowed */
    char *shard_id;               /* owned */
    struct a2a_start start;
    char end_seq[A2A_SEQNUM_MAX_DIGITS + 1]; /* "" for none */
    int end_written;                         /* see struct a2a_shard_range */
    int went_idle;                           /* the read ended on --idle */
    int shard_closed;
    int children_unread; /* see struct a2a_shard_range */
    int past_end;        /* a record at or past end_seq was seen */
    char *iterator;      /* owned; the one to send next, NULL when a fresh one is needed */
    int exhausted;       /* the last page had no NextShardIterator */
    int done;            /* the next call says A2A_READ_END */
    char last_seq[A2A_SEQNUM_MAX_DIGITS + 1];  /* last record handed out, "" for none */
    char first_seq[A2A_SEQNUM_MAX_DIGITS + 1]; /* of the current page */
    char page_last[A2A_SEQNUM_MAX_DIGITS + 1];
    struct a2a_buf answer; /* owned: the current page's bytes */
    int64_t last_call_ms;  /* start of the last GetRecords call; -1 before the first */
    int last_had_records;  /* the last GetRecords answered records: the next call need not wait */
    int64_t idle_since_ms; /* the open time or the last page with records */
    unsigned expired_in_row;
    enum fallback fallback;
    struct a2a_stream_error trimmed; /* the answer that sent the read to the trim horizon */
    struct a2a_start lost_from;      /* where the loss it says begins: the range's start, or
                                        after the last record handed out */
    unsigned horizon_trimmed;        /* trimmed answers to the horizon's iterators, in a row */
    int held;                        /* the current page waits for the next call */
    struct page_scan held_scan;      /* its counts (scratch unused) */
    struct a2a_shard_reader_stats stats;
    char where[WHERE_MAX]; /* "stream ARN shard ID (range)" for messages */
};

int a2a_shard_reader_open(struct a2a_streams_client *c, const struct a2a_shard_range *range,
                          struct a2a_shard_reader **out, struct a2a_error *err)
{
    struct a2a_shard_reader *r;
    char from[64];

    *out = NULL;
    if (range->shard_id == NULL || range->shard_id[0] == '\0' || strlen(range->shard_id) > 100 ||
        (range->end_seq != NULL && !a2a_seqnum_valid_str(range->end_seq)) ||
        ((range->start.kind == A2A_START_AT || range->start.kind == A2A_START_AFTER) &&
         !a2a_seqnum_valid_str(range->start.seq))) {
        a2a_error_set(err, A2A_E_CONFIG, "stream %s: bad shard id or sequence number in range",
                      c->arn_text);
        return -1;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL || (r->shard_id = strdup(range->shard_id)) == NULL) {
        free(r);
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    r->c = c;
    r->start = range->start;
    r->shard_closed = range->shard_closed;
    r->children_unread = range->children_unread;
    if (range->end_seq != NULL) {
        memcpy(r->end_seq, range->end_seq, strlen(range->end_seq) + 1);
        r->end_written = range->end_written;
    }
    r->last_call_ms = -1;
    r->idle_since_ms = a2a_streams_now_ms(c);
    snprintf(r->where, sizeof(r->where), "stream %s shard %s (from %s to %s)", c->arn_text,
             r->shard_id, a2a_start_text(&r->start, from, sizeof(from)),
             r->end_seq[0] != '\0' ? r->end_seq : "the end");
    *out = r;
    return 0;
}

void a2a_shard_reader_free(struct a2a_shard_reader **rp)
{
    struct a2a_shard_reader *r = *rp;

    if (r == NULL) {
        return;
    }
    free(r->shard_id);
    free(r->iterator);
    a2a_buf_free(&r->answer);
    free(r);
    *rp = NULL;
}

const struct a2a_shard_reader_stats *a2a_shard_reader_stats(const struct a2a_shard_reader *r)
{
    return &r->stats;
}

int a2a_shard_reader_closed(const struct a2a_shard_reader *r)
{
    return r->done && r->exhausted && !r->past_end && !r->went_idle;
}

/* ---- GetShardIterator ---------------------------------------------------------------------- */

static char *iterator_body(const struct a2a_shard_reader *r)
{
    static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                        "AFTER_SEQUENCE_NUMBER"};
    cJSON *doc = cJSON_CreateObject();
    const char *type = types[r->start.kind];
    const char *seq = r->start.seq;
    char *text = NULL;

    if (r->fallback == FALLBACK_AWAITING) {
        type = types[A2A_START_TRIM_HORIZON]; /* what follows the trim is wanted */
        seq = "";
    } else if (r->last_seq[0] != '\0') {
        /* after an expiry, resume after the last record handed out */
        type = types[A2A_START_AFTER];
        seq = r->last_seq;
    }
    if (doc != NULL && cJSON_AddStringToObject(doc, "StreamArn", r->c->arn_text) != NULL &&
        cJSON_AddStringToObject(doc, "ShardId", r->shard_id) != NULL &&
        cJSON_AddStringToObject(doc, "ShardIteratorType", type) != NULL &&
        (seq[0] == '\0' || cJSON_AddStringToObject(doc, "SequenceNumber", seq) != NULL)) {
        text = cJSON_PrintUnformatted(doc);
    }
    cJSON_Delete(doc);
    return text;
}

static void protocol_error(struct a2a_shard_reader *r, const char *op, const char *what,
                           struct a2a_stream_error *e)
{
    e->cause = A2A_STREAM_CAUSE_PROTOCOL;
    a2a_error_set(&e->err, A2A_E_INPUT, "%s: %s: %s", r->where, op, what);
}

/* One GetShardIterator call: sets r->iterator; 0, 1 when there is none, -1 with e set. */
static int iterator_call(struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    char *body = iterator_body(r);
    cJSON *doc = NULL;
    const cJSON *it;
    int rc = -1;

    if (body == NULL) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    if (a2a_streams_call(r->c, "GetShardIterator", body, &r->answer, r->where, &r->stats.retries,
                         e) != STREAMS_OK) {
        if (e->cause == A2A_STREAM_CAUSE_NONE && e->err.code == A2A_OK) {
            protocol_error(r, "GetShardIterator", "ExpiredIteratorException", e);
        }
        goto out;
    }
    r->stats.iterators++;
    doc = cJSON_ParseWithLength(r->answer.data, r->answer.len);
    it = cJSON_GetObjectItemCaseSensitive(doc, "ShardIterator");
    if (!cJSON_IsObject(doc) || (!cJSON_IsString(it) && it != NULL && !cJSON_IsNull(it))) {
        protocol_error(r, "GetShardIterator", "the answer has no ShardIterator", e);
        goto out;
    }
    rc = 1;
    if (cJSON_IsString(it)) {
        r->iterator = strdup(it->valuestring);
        rc = r->iterator != NULL ? 0 : -1;
        if (rc != 0) {
            a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        }
    }
out:
    cJSON_Delete(doc);
    cJSON_free(body);
    return rc;
}

/*
 * Whether the trimmed answer e may send the read to the trim horizon, where later records of
 * the range may still be: when what was trimmed lies past a known place, the range's start
 * (at: or after:) or the last record handed out (a read slower than the stream's 24 hours),
 * and not while the read already waits for the horizon's first record.
 */
static int may_fall_back(const struct a2a_shard_reader *r, const struct a2a_stream_error *e)
{
    return e->cause == A2A_STREAM_CAUSE_TRIMMED && r->fallback != FALLBACK_AWAITING &&
           (r->last_seq[0] != '\0' || r->start.kind == A2A_START_AT ||
            r->start.kind == A2A_START_AFTER);
}

/* Keeps the trimmed answer e for the loss's message; the next iterator is the horizon's. */
static void fall_back(struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    r->trimmed = *e;
    r->fallback = FALLBACK_AWAITING;
    r->horizon_trimmed = 0;
    r->lost_from = r->start;
    if (r->last_seq[0] != '\0') {
        r->lost_from.kind = A2A_START_AFTER;
        memcpy(r->lost_from.seq, r->last_seq, sizeof(r->last_seq));
    }
    *e = (struct a2a_stream_error){{A2A_OK, ""}, A2A_STREAM_CAUSE_NONE, "", 0, ""};
    free(r->iterator);
    r->iterator = NULL;
}

/*
 * Sets r->iterator; returns 0, 1 when there is none (nothing to read), -1 with e set. A
 * trimmed start is asked for again at the trim horizon (may_fall_back()).
 */
static int fresh_iterator(struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    int got = iterator_call(r, e);

    if (got < 0 && may_fall_back(r, e)) {
        fall_back(r, e);
        got = iterator_call(r, e);
    }
    return got;
}

/* e: the answer that sent the read to the trim horizon, and what was found there (tail). */
static void trimmed_error(const struct a2a_shard_reader *r, const char *tail,
                          struct a2a_stream_error *e)
{
    size_t used = strlen(r->trimmed.err.msg);

    *e = r->trimmed;
    if (used > 0 && e->err.msg[used - 1] == '.') {
        used--; /* AWS's sentence ends where ours goes on */
    }
    if (snprintf(e->err.msg + used, sizeof(e->err.msg) - used, "; %s", tail) < 0) {
        e->err.msg[used] = '\0';
    }
}

/* "the range's records" or "the range's records after SEQ": what the loss is taken from. */
static const char *lost_what(const struct a2a_shard_reader *r, char *buf, size_t cap)
{
    if (r->lost_from.kind == A2A_START_AFTER && r->last_seq[0] != '\0') {
        snprintf(buf, cap, "the range's records after %s", r->lost_from.seq);
    } else {
        snprintf(buf, cap, "the range's records");
    }
    return buf;
}

/* The read from the trim horizon found nothing of the range: it fails as trimmed, as a whole
 * (or all of it after the last record handed out). */
static void nothing_left(const struct a2a_shard_reader *r, const char *found,
                         struct a2a_stream_error *e)
{
    char what[A2A_SEQNUM_MAX_DIGITS + 48];
    char tail[384];

    snprintf(tail, sizeof(tail), "none of %s is left in the stream (%s)",
             lost_what(r, what, sizeof(what)), found);
    trimmed_error(r, tail, e);
}

/*
 * The first page read from the trim horizon holds records: the first of them ends the loss,
 * which begins at r->lost_from. Returns 0 when nothing can be lost (that record is where the
 * loss would begin, or the number right after an after: place), 1 with e saying what was lost
 * (e->lost_end), -1 with e when the read cannot go on: nothing of the range is left, or the
 * stream contradicts itself.
 */
static int after_trim_horizon(struct a2a_shard_reader *r, const struct page_scan *s,
                              struct a2a_stream_error *e)
{
    const struct a2a_start *from = &r->lost_from;
    const char *first = s->first;
    char lost_end[A2A_SEQNUM_MAX_DIGITS + 1];
    char what[A2A_SEQNUM_MAX_DIGITS + 48];
    char tail[384];
    int cmp;

    r->fallback = FALLBACK_DONE;
    if (first[0] == '\0') {
        protocol_error(r, "GetRecords", "the records at the trim horizon have no SequenceNumber",
                       e);
        return -1;
    }
    cmp = a2a_seqnum_cmp_str(first, from->seq);
    if (cmp < 0 || (cmp == 0 && from->kind == A2A_START_AFTER)) {
        /* records read already, or before the start, would be handed out again: refuse */
        snprintf(tail, sizeof(tail), "yet the trim horizon's first record, %s, is not past %s%s",
                 first, from->kind == A2A_START_AFTER ? "after:" : "at:", from->seq);
        trimmed_error(r, tail, e);
        return -1;
    }
    if (s->in_range == 0) {
        snprintf(tail, sizeof(tail), "the first record in the stream, %s, is past the range's end",
                 first);
        nothing_left(r, tail, e);
        return -1;
    }
    if (a2a_seqnum_before(first, lost_end, sizeof(lost_end)) != 0 ||
        (from->kind == A2A_START_AT ? cmp == 0 : a2a_seqnum_cmp_str(lost_end, from->seq) == 0)) {
        return 0; /* no sequence number lies between where the loss begins and the first left */
    }
    snprintf(tail, sizeof(tail),
             "any of %s before %s is gone, and the rest is read from there, the first record "
             "left",
             lost_what(r, what, sizeof(what)), first);
    trimmed_error(r, tail, e);
    memcpy(e->lost_end, lost_end, sizeof(lost_end));
    return 1;
}

/* ---- GetRecords ----------------------------------------------------------------------------- */

/* The decoded string value v into scratch (NUL-terminated); 0, 1 not a string, -1 no memory. */
static int string_value(struct a2a_str v, struct a2a_buf *scratch)
{
    enum a2a_unescape_status st;

    if (a2a_jv_type(v) != A2A_JV_STRING || v.len < 2) {
        return 1;
    }
    st = a2a_json_unescape(v.ptr + 1, v.len - 2, scratch);
    if (st == A2A_UNESCAPE_NOMEM || a2a_buf_putc(scratch, '\0') != 0) {
        return -1;
    }
    return st == A2A_UNESCAPE_OK ? 0 : 1;
}

/*
 * The record's dynamodb.SequenceNumber copied into seq when it is a sequence number; seq is
 * left "" otherwise (the scanner reports such a record; here it only cannot move the
 * position). 0, or -1 when memory ran out.
 */
static int record_seq(const struct a2a_raw_record *rec, struct a2a_buf *scratch, char *seq)
{
    struct a2a_jv_field ddb = {.name = "dynamodb"};
    struct a2a_jv_field num = {.name = "SequenceNumber"};
    int got;

    seq[0] = '\0';
    if (a2a_jv_fields((struct a2a_str){rec->bytes, rec->len}, &ddb, 1, scratch) == -2 ||
        a2a_jv_fields(ddb.value, &num, 1, scratch) == -2) {
        return -1;
    }
    got = string_value(num.value, scratch);
    if (got == 0 && a2a_seqnum_valid_str(scratch->data)) {
        memcpy(seq, scratch->data, strlen(scratch->data) + 1);
    }
    return got < 0 ? -1 : 0;
}

/* Counts the record, and whether it is beyond the range's end. */
static void count_record(const struct a2a_shard_reader *r, const char *seq, struct page_scan *s)
{
    int beyond = s->in_range < s->records;

    s->records++;
    if (seq[0] == '\0') {
        s->in_range += !beyond;
        return;
    }
    if (s->first[0] == '\0') {
        memcpy(s->first, seq, strlen(seq) + 1);
    }
    memcpy(s->last, seq, strlen(seq) + 1);
    if (!beyond && r->end_seq[0] != '\0' && a2a_seqnum_cmp_str(seq, r->end_seq) > 0) {
        beyond = 1;
    }
    if (!beyond) {
        s->in_range++;
        memcpy(s->last_in_range, seq, strlen(seq) + 1);
    }
}

/*
 * Walks the page's records with a scanner of its own, which also checks that the whole page
 * is JSON: a tree of a 1 MB page would cost several times its size, and only each record's
 * SequenceNumber is wanted here. The scanner reads the page in small chunks and holds one
 * record at a time. 0, 1 the page is not JSON of the right shape, -1 no memory.
 */
static int scan_records(const struct a2a_shard_reader *r, struct a2a_str page, struct page_scan *s)
{
    struct a2a_memory m = {.bytes = page.ptr, .len = page.len, .name = "page"};
    struct a2a_scanner_config scfg = {
        .read_chunk = PAGE_SCAN_CHUNK, .max_record = page.len, .not_a_file = 1};
    struct a2a_scanner *sc = NULL;
    struct a2a_raw_record rec;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_source src;
    char seq[A2A_SEQNUM_MAX_DIGITS + 1];
    int got;
    int rc = 0;

    a2a_memory_source(&src, &m);
    if (a2a_scanner_open(&sc, &src, &scfg, &err) != 0) {
        return -1;
    }
    for (;;) {
        got = a2a_scanner_next(sc, &rec, &err);
        if (got != 1) {
            break;
        }
        if (rec.origin != A2A_FROM_RECORDS) {
            rc = 1;
            goto out;
        }
        if (record_seq(&rec, &s->scratch, seq) != 0) {
            rc = -1;
            goto out;
        }
        count_record(r, seq, s);
    }
    if (got < 0) {
        rc = err.code == A2A_E_NOMEM ? -1 : 1;
    }
out:
    a2a_scanner_free(&sc);
    return rc;
}

/*
 * A page without a Records member holds nothing to read; it is small, so cJSON checks it. 0,
 * 1 not JSON, -1 no memory.
 */
static int check_small_page(struct a2a_str page)
{
    cJSON *doc = cJSON_ParseWithLength(page.ptr, page.len);
    int ok = cJSON_IsObject(doc);

    cJSON_Delete(doc);
    return ok ? 0 : 1;
}

/* Takes the page's NextShardIterator (the raw value, or an empty span); 0, or -1 with e set. */
static int take_next_iterator(struct a2a_shard_reader *r, struct a2a_str next,
                              struct a2a_buf *scratch, struct a2a_stream_error *e)
{
    int got;

    free(r->iterator);
    r->iterator = NULL;
    if (next.len == 0 || a2a_jv_type(next) == A2A_JV_NULL) {
        r->exhausted = 1; /* the shard is closed and read to its end */
        return 0;
    }
    got = string_value(next, scratch);
    if (got < 0) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    if (got > 0 || scratch->data[0] == '\0') {
        protocol_error(r, "GetRecords", "NextShardIterator is not a string", e);
        return -1;
    }
    r->iterator = strdup(scratch->data);
    if (r->iterator == NULL) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/*
 * The page's records and NextShardIterator into s and r; 0, or -1 with e set. The page must
 * be an object whose Records, when present, is a list.
 */
static int read_page(struct a2a_shard_reader *r, struct page_scan *s, struct a2a_stream_error *e)
{
    struct a2a_jv_field top[] = {{.name = "Records"}, {.name = "NextShardIterator"}};
    struct a2a_str page = {r->answer.data, r->answer.len};
    int got;

    while (page.len > 0 && (page.ptr[0] == ' ' || page.ptr[0] == '\t' || page.ptr[0] == '\r' ||
                            page.ptr[0] == '\n')) {
        page.ptr++;
        page.len--;
    }
    switch (a2a_jv_fields(page, top, 2, &s->scratch)) {
    case 0:
        got = 0;
        break;
    case -1:
        got = 1; /* not an object */
        break;
    default:
        got = -1;
        break;
    }
    if (got == 0) {
        if (top[0].count == 0) {
            got = check_small_page(page);
        } else if (a2a_jv_type(top[0].value) != A2A_JV_ARRAY) {
            got = 1;
        } else {
            got = scan_records(r, page, s);
        }
    }
    if (got < 0) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    if (got != 0) {
        protocol_error(r, "GetRecords", "the answer is not an object with a Records list", e);
        return -1;
    }
    r->last_had_records = s->records > 0;
    snprintf(r->first_seq, sizeof(r->first_seq), "%s", s->first);
    snprintf(r->page_last, sizeof(r->page_last), "%s", s->last);
    if (s->last_in_range[0] != '\0') {
        snprintf(r->last_seq, sizeof(r->last_seq), "%s", s->last_in_range);
    }
    return take_next_iterator(r, top[1].value, &s->scratch, e);
}

/*
 * One GetRecords call. 0 with a page, 1 expired iterator, -1 with e. Only polling is paced:
 * after an empty page (or a failed call) the next call waits for the polling interval, so an
 * idle shard costs at most 4 calls a second; after a page with records the next one is asked
 * for at once, as a reader catching up on a backlog must (the shard's own limit answers with
 * LimitExceededException, which is retried at the polling pace).
 */
static int get_records(struct a2a_shard_reader *r, struct page_scan *s, struct a2a_stream_error *e)
{
    int64_t wait = r->last_call_ms < 0 || r->last_had_records
                       ? 0
                       : r->last_call_ms + r->c->cfg.poll_interval_ms - a2a_streams_now_ms(r->c);
    cJSON *req = cJSON_CreateObject();
    char *body = NULL;
    enum streams_outcome got;
    int rc = -1;

    memset(s, 0, sizeof(*s));
    if (req != NULL && cJSON_AddStringToObject(req, "ShardIterator", r->iterator) != NULL &&
        cJSON_AddNumberToObject(req, "Limit", A2A_STREAMS_RECORDS_LIMIT) != NULL) {
        body = cJSON_PrintUnformatted(req);
    }
    if (body == NULL) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    if (a2a_streams_wait(r->c, wait) != 0) {
        e->cause = A2A_STREAM_CAUSE_INTERRUPTED;
        a2a_error_set(&e->err, A2A_E_INTERRUPTED, "%s: interrupted", r->where);
        goto out;
    }
    r->last_call_ms = a2a_streams_now_ms(r->c);
    r->last_had_records = 0;
    got = a2a_streams_call(r->c, "GetRecords", body, &r->answer, r->where, &r->stats.retries, e);
    if (got != STREAMS_OK) {
        rc = got == STREAMS_EXPIRED_ITERATOR ? 1 : -1;
        goto out;
    }
    r->stats.get_records++;
    rc = read_page(r, s, e);
out:
    a2a_buf_free(&s->scratch);
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

/* After an expired iterator: a fresh one, unless expiries keep coming back at once. */
static int on_expired(struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    free(r->iterator);
    r->iterator = NULL;
    r->stats.expired++;
    if (++r->expired_in_row > EXPIRED_IN_A_ROW_MAX) {
        protocol_error(r, "GetRecords", "ExpiredIteratorException for every fresh iterator", e);
        e->cause = A2A_STREAM_CAUSE_RETRIES;
        return -1;
    }
    return 0;
}

/* Whether an empty page ends the read: closed and exhausted, or open and idle too long. */
static int empty_page_ends(struct a2a_shard_reader *r)
{
    r->stats.empty_pages++;
    if (r->exhausted) {
        return 1;
    }
    r->went_idle =
        !r->shard_closed && a2a_streams_now_ms(r->c) - r->idle_since_ms >= r->c->cfg.idle_ms;
    return r->went_idle;
}

static void fill_page(struct a2a_shard_reader *r, const struct page_scan *s,
                      struct a2a_stream_page *page)
{
    page->bytes = r->answer.data;
    page->len = r->answer.len;
    page->records = s->records;
    page->records_in_range = s->in_range;
    page->first_seq = r->first_seq;
    page->last_seq = r->page_last;
    page->next_iterator = r->iterator;
    r->stats.records += s->in_range;
}

/* Hands out the page whose records s counted. */
static enum a2a_read_status hand_out(struct a2a_shard_reader *r, const struct page_scan *s,
                                     struct a2a_stream_page *page)
{
    r->past_end = s->in_range < s->records ||
                  (r->end_seq[0] != '\0' && a2a_seqnum_cmp_str(r->last_seq, r->end_seq) >= 0);
    /* this page reaches the end: the next call ends the read */
    r->done = r->exhausted || r->past_end;
    fill_page(r, s, page);
    return A2A_READ_PAGE;
}

/*
 * An open shard went idle before the written end of the range: the records up to it are in
 * the shard and were not read. Its message must not be acked as if they had been.
 */
static int end_not_reached(const struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    if (!r->end_written || !r->went_idle ||
        (r->last_seq[0] != '\0' && a2a_seqnum_cmp_str(r->last_seq, r->end_seq) >= 0)) {
        return 0;
    }
    *e = (struct a2a_stream_error){{A2A_OK, ""}, A2A_STREAM_CAUSE_IDLE, "", 0, ""};
    a2a_error_set(&e->err, A2A_E_INPUT,
                  "%s: the shard is open and gave no record for %.3g s (--idle) before the range's "
                  "end %s came%s%s",
                  r->where, (double)r->c->cfg.idle_ms / 1000.0, r->end_seq,
                  r->last_seq[0] != '\0' ? "; the last record read was " : "", r->last_seq);
    return 1;
}

/*
 * An open shard ended on --idle: its records may still come, and the operator needs the place
 * to read it on from later; more so when no record came at all (the shard may only have been
 * slow to reach its data).
 */
static void say_idle_end(const struct a2a_shard_reader *r)
{
    char line[WHERE_MAX + 512];
    char from[64];
    struct a2a_log_event ev = {
        .level = A2A_LOG_INFO, .target = A2A_TARGET_RECOVER, .message = line};
    const struct a2a_log *log = r->c->cfg.log;

    if (log == NULL || log->emit == NULL) {
        return;
    }
    if (r->last_seq[0] != '\0') {
        snprintf(from, sizeof(from), "after:%s", r->last_seq);
    } else if (r->start.kind == A2A_START_LATEST) {
        /* latest again would begin later still, past what came in between */
        snprintf(from, sizeof(from), "trim-horizon");
    } else {
        a2a_start_text(&r->start, from, sizeof(from));
    }
    snprintf(line, sizeof(line),
             "%s: the shard is open and gave %s for %.3g s (--idle); its later records are read "
             "with --shard %s --from %s",
             r->where, r->last_seq[0] != '\0' ? "no more records" : "no record",
             (double)r->c->cfg.idle_ms / 1000.0, r->shard_id, from);
    log->emit(log->ctx, &ev);
}

/*
 * A shard the operator named closed: what was written after is in its child shards, which
 * this run does not read (it reads the shards named, and may lack DescribeStream). Said once,
 * with the commands that read them.
 */
static void say_children_unread(const struct a2a_shard_reader *r)
{
    char line[2 * WHERE_MAX + 512];
    struct a2a_log_event ev = {
        .level = A2A_LOG_WARN, .target = A2A_TARGET_RECOVER, .message = line};
    const struct a2a_log *log = r->c->cfg.log;

    if (log == NULL || log->emit == NULL) {
        return;
    }
    snprintf(line, sizeof(line),
             "%s: the shard is closed and read to its end; the records written after it are in "
             "its child shards, which this run does not read (--shard names the shards read): "
             "read them with --stream %s (every shard), or --shard CHILD --from trim-horizon "
             "for each shard DescribeStream lists with ParentShardId %s",
             r->where, r->c->arn_text, r->shard_id);
    log->emit(log->ctx, &ev);
}

/*
 * The read is over: read to its end, or, from the trim horizon, without a record of it. An
 * open shard that went idle first says only that: its records may come later; but a range
 * whose end is a written record is not over until that record came.
 */
static enum a2a_read_status read_over(struct a2a_shard_reader *r, struct a2a_stream_error *e)
{
    r->done = 1;
    if (r->fallback != FALLBACK_AWAITING && end_not_reached(r, e)) {
        return A2A_READ_ERROR;
    }
    if (r->fallback == FALLBACK_AWAITING) {
        r->fallback = FALLBACK_DONE;
        if (r->exhausted || r->iterator == NULL) {
            nothing_left(r, "the shard holds no record from its trim horizon on", e);
        } else {
            trimmed_error(r,
                          "and no record came from the trim horizon within the idle time "
                          "(--idle): whether any record of the range is left is not known",
                          e);
        }
        return A2A_READ_ERROR;
    }
    if (r->went_idle) {
        say_idle_end(r);
    }
    if (r->children_unread && a2a_shard_reader_closed(r)) {
        say_children_unread(r);
    }
    return A2A_READ_END;
}

enum a2a_read_status a2a_shard_reader_next(struct a2a_shard_reader *r, struct a2a_stream_page *page,
                                           struct a2a_stream_error *e)
{
    memset(page, 0, sizeof(*page));
    if (r->held) {
        r->held = 0;
        return hand_out(r, &r->held_scan, page);
    }
    while (!r->done) {
        struct page_scan s;
        int got;

        if (r->iterator == NULL && !r->exhausted) {
            got = fresh_iterator(r, e);
            if (got > 0) {
                r->exhausted = 1; /* no iterator: the shard is closed, past the start */
                return read_over(r, e);
            }
            if (got < 0) {
                r->done = 1;
                return A2A_READ_ERROR;
            }
        }
        got = get_records(r, &s, e);
        if (got < 0 && may_fall_back(r, e)) {
            fall_back(r, e); /* the start's iterator aged past the horizon before its call */
            continue;
        }
        if (got < 0 && e->cause == A2A_STREAM_CAUSE_TRIMMED && r->fallback == FALLBACK_AWAITING &&
            ++r->horizon_trimmed <= HORIZON_TRIMMED_MAX) {
            /* the horizon moved on between its iterator and the call: a fresh one, the loss
               still beginning where it did */
            *e = (struct a2a_stream_error){{A2A_OK, ""}, A2A_STREAM_CAUSE_NONE, "", 0, ""};
            free(r->iterator);
            r->iterator = NULL;
            continue;
        }
        if (got != 0) {
            if (got > 0 && on_expired(r, e) == 0) {
                continue;
            }
            r->done = 1;
            return A2A_READ_ERROR;
        }
        r->expired_in_row = 0;
        if (s.records == 0) {
            r->done = empty_page_ends(r);
            continue;
        }
        r->idle_since_ms = a2a_streams_now_ms(r->c);
        if (r->fallback == FALLBACK_AWAITING) {
            got = after_trim_horizon(r, &s, e);
            if (got < 0) {
                r->done = 1;
                return A2A_READ_ERROR;
            }
            if (got > 0) {
                r->held = 1; /* its records are past the loss: handed out next */
                r->held_scan = s;
                return A2A_READ_LOST;
            }
        }
        if (s.in_range == 0) {
            r->past_end = 1;
            break; /* the first record is already past the end */
        }
        return hand_out(r, &s, page);
    }
    return read_over(r, e);
}
