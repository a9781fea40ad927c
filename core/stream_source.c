#include "stream_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "scanner.h"
#include "seqnum.h"

#define NAME_MAX_LEN (A2A_ARN_MAX + 200)
#define POS_MAX      (A2A_SEQNUM_MAX_DIGITS + 16)
/* bytes the page-cutting scanner copies at a time: it holds one record, not a page */
#define CUT_SCAN_CHUNK (16 * 1024)

/* What closes a page cut after its last record in range. */
static const char cut_tail[] = "]}";

struct range {
    char *shard_id; /* owned */
    struct a2a_start start;
    char end_seq[A2A_SEQNUM_MAX_DIGITS + 1]; /* "" for the end of the shard */
    int shard_closed;                        /* closed at its listing; 0 for a range given */
    int end_written;                         /* see struct a2a_stream_range */
    int children_unread;                     /* a range given: its children are not read after it */
};

struct a2a_stream_source {
    struct a2a_stream_source_config cfg; /* copied; client borrowed, ranges not kept */
    struct range *ranges;                /* owned array of nranges */
    size_t nranges;
    int listed;                  /* ranges are known (given, or the stream was described) */
    int whole;                   /* every shard of the stream (no ranges given): it is described */
    struct a2a_start list_start; /* where the shards of the next listing start */
    /* A shard open at its listing closed: the stream is listed again before the next range,
     * for its children, which hold every record written after it closed. They go after the
     * ranges known (their parent is read), and a continuation names them from then on. */
    int relist;
    char closed_id[NAME_MAX_LEN]; /* that shard */
    size_t next;                  /* index of the next range to open */
    size_t current;               /* index of the range being read, valid while reader is set */
    int finished;                 /* no more inputs */
    uint64_t page_n;              /* pages of the current range handed out */
    uint64_t range_records;
    int range_counted;    /* the current range was counted unreadable (its start, or all) */
    uint64_t inputs;      /* pages handed out as inputs, over every range */
    uint64_t range_input; /* index of the current range's first page among them */
    char last_seq[A2A_SEQNUM_MAX_DIGITS + 1]; /* last record of the range handed out */
    struct a2a_shard_reader *reader;          /* owned; NULL between ranges */

    /* The current input: a page, or its prefix closed by cut_tail. */
    const char *bytes; /* borrowed from the reader until its next call */
    size_t len;        /* bytes of the page handed out */
    size_t pos;        /* of len + tail */
    size_t tail;       /* 0, or sizeof(cut_tail) - 1 */
    char name[NAME_MAX_LEN];
    struct a2a_stream_source_stats stats;
};

const char *a2a_stream_cause_name(enum a2a_stream_cause cause)
{
    static const char *const names[] = {
        "none",    "trimmed",   "not-found", "denied",      "rejected", "credentials",
        "retries", "transport", "protocol",  "interrupted", "idle",     "setup",
    };

    if ((size_t)cause >= sizeof(names) / sizeof(names[0])) {
        return "unknown";
    }
    return names[cause];
}

static int range_set(struct range *r, const char *shard_id, const struct a2a_start *start,
                     const char *end_seq, int closed, struct a2a_error *err)
{
    /* the API's bounds: a shard id of 28 to 65 characters; 100 leaves room for a change */
    if (shard_id == NULL || shard_id[0] == '\0' || strlen(shard_id) > 100) {
        a2a_error_set(err, A2A_E_CONFIG, "stream range: the shard id is %s",
                      shard_id == NULL || shard_id[0] == '\0' ? "empty"
                                                              : "longer than 100 characters");
        return -1;
    }
    if (end_seq != NULL && !a2a_seqnum_valid_str(end_seq)) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "stream range: the end sequence number is not 21 to 40 decimal digits");
        return -1;
    }
    r->shard_id = strdup(shard_id);
    if (r->shard_id == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    r->start = *start;
    snprintf(r->end_seq, sizeof(r->end_seq), "%s", end_seq != NULL ? end_seq : "");
    r->shard_closed = closed;
    return 0;
}

static void ranges_free(struct a2a_stream_source *s)
{
    for (size_t i = 0; i < s->nranges; i++) {
        free(s->ranges[i].shard_id);
    }
    free(s->ranges);
    s->ranges = NULL;
    s->nranges = 0;
}

int a2a_stream_source_open(struct a2a_stream_source **out,
                           const struct a2a_stream_source_config *cfg, struct a2a_error *err)
{
    struct a2a_stream_source *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (s == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    s->cfg = *cfg;
    s->cfg.ranges = NULL;
    s->cfg.nranges = 0;
    s->cfg.to = NULL;
    if (cfg->to != NULL && !a2a_seqnum_valid_str(cfg->to)) {
        a2a_error_set(err, A2A_E_CONFIG, "stream range: bad end sequence number");
        goto fail;
    }
    /* The whole stream's ranges are known at the first next(); keep `to` in range 0's slot. */
    if (cfg->ranges == NULL) {
        s->whole = 1;
        s->list_start = cfg->from;
        s->ranges = calloc(1, sizeof(*s->ranges));
        if (s->ranges == NULL) {
            a2a_error_set(err, A2A_E_NOMEM, "out of memory");
            goto fail;
        }
        snprintf(s->ranges[0].end_seq, sizeof(s->ranges[0].end_seq), "%s",
                 cfg->to != NULL ? cfg->to : "");
        *out = s;
        return 0;
    }
    s->ranges = calloc(cfg->nranges > 0 ? cfg->nranges : 1, sizeof(*s->ranges));
    if (s->ranges == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < cfg->nranges; i++) {
        const struct a2a_stream_range *r = &cfg->ranges[i];
        s->nranges++;
        if (range_set(&s->ranges[i], r->shard_id, &r->start, r->end_seq, 0, err) != 0) {
            goto fail;
        }
        s->ranges[i].end_written = r->end_seq != NULL && r->end_written;
        /* an operator's --shard: its children hold what came after; a range Lambda read ends
           at a record of its own shard, and its message is all a redrive replays (review 66) */
        s->ranges[i].children_unread = !s->ranges[i].end_written;
    }
    s->listed = 1;
    *out = s;
    return 0;
fail:
    a2a_stream_source_free(&s);
    return -1;
}

void a2a_stream_source_free(struct a2a_stream_source **sp)
{
    struct a2a_stream_source *s = *sp;

    if (s == NULL) {
        return;
    }
    a2a_shard_reader_free(&s->reader);
    ranges_free(s);
    free(s);
    *sp = NULL;
}

const struct a2a_stream_source_stats *a2a_stream_source_stats(const struct a2a_stream_source *s)
{
    return &s->stats;
}

/*
 * Hands an unreadable range (shard NULL: the listing) to the caller's callback: what was not
 * read, from the range's start or after its last record handed out; or, for a lost start
 * (e->lost_end set), from the range's start to the loss's end, while the read goes on. A range
 * counts once, whatever the parts.
 */
static void report_unreadable(struct a2a_stream_source *s, const struct range *r,
                              const struct a2a_stream_error *e)
{
    char start[POS_MAX];
    struct a2a_error error = {A2A_OK, ""};
    struct a2a_unreadable u;

    if (r == NULL || !s->range_counted) {
        s->stats.unreadable++;
    }
    s->range_counted = r != NULL;
    if (s->cfg.on_unreadable == NULL) {
        return;
    }
    a2a_error_set(&error, A2A_E_STREAM, "%s", e->err.msg);
    if (r != NULL && s->last_seq[0] != '\0') {
        snprintf(start, sizeof(start), "after:%s", s->last_seq);
    } else {
        a2a_start_text(r != NULL ? &r->start : &s->list_start, start, sizeof(start));
    }
    u = (struct a2a_unreadable){
        .stream_arn = a2a_streams_client_arn(s->cfg.client),
        .shard_id = r != NULL ? r->shard_id : NULL,
        .start = start,
        .end = e->lost_end[0] != '\0' ? e->lost_end
               : r != NULL
                   ? (r->end_seq[0] != '\0' ? r->end_seq : NULL)
                   : (s->ranges != NULL && s->ranges[0].end_seq[0] != '\0' ? s->ranges[0].end_seq
                                                                           : NULL),
        .partial = e->lost_end[0] != '\0',
        .lost = e->cause == A2A_STREAM_CAUSE_TRIMMED || e->cause == A2A_STREAM_CAUSE_NOT_FOUND,
        .cause = a2a_stream_cause_name(e->cause),
        .aws_error = e->aws_name,
        .error = &error,
        .records_read = r != NULL ? s->range_records : s->stats.records,
    };
    s->cfg.on_unreadable(s->cfg.unreadable_ctx, &u);
}

/*
 * The failure of a read: an unreadable range is reported and the source goes on (returns 0);
 * the cancel flag and local failures end the source (returns -1 with err set).
 */
static int on_failure(struct a2a_stream_source *s, const struct range *r,
                      const struct a2a_stream_error *e, struct a2a_error *err)
{
    if (e->cause == A2A_STREAM_CAUSE_INTERRUPTED || e->err.code == A2A_E_INTERRUPTED) {
        a2a_error_set(err, A2A_E_INTERRUPTED, "%s", e->err.msg);
        return -1;
    }
    if (e->cause == A2A_STREAM_CAUSE_NONE) {
        a2a_error_set(err, e->err.code != A2A_OK ? e->err.code : A2A_E_INTERNAL, "%s", e->err.msg);
        return -1;
    }
    report_unreadable(s, r, e);
    return 0;
}

/* Whether shard_id is one of the ranges already known (a shard is read once). */
static int listed_before(const struct a2a_stream_source *s, const char *shard_id)
{
    for (size_t i = 0; i < s->nranges; i++) {
        if (strcmp(s->ranges[i].shard_id, shard_id) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * The listing again failed: the children of the shard that closed are not read, so the
 * whole stream is unreadable from where its new shards start, as a failed first listing is.
 */
static int relist_failed(struct a2a_stream_source *s, struct a2a_stream_error *e,
                         struct a2a_error *err)
{
    char msg[sizeof(e->err.msg)];
    int n = snprintf(msg, sizeof(msg),
                     "%s (listed again because shard %s closed during the run: its child "
                     "shards are not read)",
                     e->err.msg, s->closed_id);

    if (n > 0) {
        memcpy(e->err.msg, msg, sizeof(msg));
    }
    return on_failure(s, NULL, e, err);
}

/*
 * Every shard of the stream not listed before, parents first (a2a_streams_describe()'s order
 * holds among them: a shard whose parent was read before is a root of what is new), appended
 * to the ranges, each from list_start to `to`. The first listing lists them all; a failed one
 * leaves the stream unreadable. 0, or -1 (err).
 */
static int list_shards(struct a2a_stream_source *s, struct a2a_error *err)
{
    struct a2a_shard_list l = {NULL, 0};
    struct a2a_stream_error e = {{A2A_OK, ""}, A2A_STREAM_CAUSE_NONE, "", 0, ""};
    char to[A2A_SEQNUM_MAX_DIGITS + 1];
    struct range *ranges;
    int again = s->listed;
    int rc = -1;

    memcpy(to, s->ranges[0].end_seq, sizeof(to));
    s->listed = 1;
    s->relist = 0;
    if (a2a_streams_describe(s->cfg.client, &l, &e) != 0) {
        if (again) {
            return relist_failed(s, &e, err);
        }
        s->finished = 1;
        return on_failure(s, NULL, &e, err);
    }
    /* s owns the array still; the slots added are zeroed, as range_set() expects */
    ranges = realloc(s->ranges, (s->nranges + l.count + 1) * sizeof(*ranges));
    if (ranges == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    s->ranges = ranges;
    memset(&s->ranges[s->nranges], 0, (l.count + 1) * sizeof(*ranges));
    for (size_t i = 0; i < l.count; i++) {
        const struct a2a_shard_info *sh = &l.shards[i];
        if (again && listed_before(s, sh->shard_id)) {
            continue;
        }
        s->nranges++;
        if (range_set(&s->ranges[s->nranges - 1], sh->shard_id, &s->list_start,
                      to[0] != '\0' ? to : NULL, sh->ending_seq != NULL, err) != 0) {
            goto out;
        }
    }
    /* a shard listed later was made during the run: all its records came after the start */
    if (s->list_start.kind == A2A_START_LATEST) {
        s->list_start.kind = A2A_START_TRIM_HORIZON;
    }
    rc = 0;
out:
    a2a_shard_list_free(&l);
    return rc;
}

/*
 * The page's length up to the end of its first `keep` records, found with a scanner of its
 * own; 0 when the page cannot be cut (the main scanner will then report what is wrong).
 */
static size_t cut_length(const char *bytes, size_t len, size_t keep)
{
    struct a2a_memory m = {.bytes = bytes, .len = len, .name = "page"};
    struct a2a_scanner_config scfg = {
        .read_chunk = CUT_SCAN_CHUNK, .max_record = len, .not_a_file = 1};
    struct a2a_scanner *sc = NULL;
    struct a2a_raw_record rec;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_source src;
    size_t cut = 0;

    a2a_memory_source(&src, &m);
    if (a2a_scanner_open(&sc, &src, &scfg, &err) != 0) {
        return 0;
    }
    for (size_t i = 0; i < keep; i++) {
        if (a2a_scanner_next(sc, &rec, &err) != 1) {
            cut = 0;
            break;
        }
        cut = (size_t)rec.offset + rec.len;
    }
    a2a_scanner_free(&sc);
    return cut;
}

/* Makes the page the current input, cut after its last record in range when it must be. */
static void take_page(struct a2a_stream_source *s, const struct a2a_stream_page *page)
{
    const struct range *r = &s->ranges[s->current];
    size_t cut = 0;

    s->bytes = page->bytes;
    s->len = page->len;
    s->pos = 0;
    s->tail = 0;
    if (page->records_in_range < page->records) {
        cut = cut_length(page->bytes, page->len, page->records_in_range);
    }
    if (cut > 0) {
        s->len = cut;
        s->tail = sizeof(cut_tail) - 1;
    } else if (page->last_seq[0] != '\0') {
        /* a page of records without a sequence number leaves the place where it was */
        snprintf(s->last_seq, sizeof(s->last_seq), "%s", page->last_seq);
    }
    s->page_n++;
    s->inputs++;
    s->range_records += page->records_in_range;
    s->stats.pages++;
    s->stats.records += page->records_in_range;
    snprintf(s->name, sizeof(s->name), "stream %s shard %s page %llu",
             a2a_streams_client_arn(s->cfg.client), r->shard_id, (unsigned long long)s->page_n);
}

static void close_reader(struct a2a_stream_source *s)
{
    const struct a2a_shard_reader_stats *rs;

    if (s->reader == NULL) {
        return;
    }
    rs = a2a_shard_reader_stats(s->reader);
    s->stats.get_records += rs->get_records;
    s->stats.empty_pages += rs->empty_pages;
    s->stats.expired += rs->expired;
    s->stats.retries += rs->retries;
    a2a_shard_reader_free(&s->reader);
}

/* Opens the next range's reader. 1 opened, 0 no more ranges, -1 err set. */
static int open_range(struct a2a_stream_source *s, struct a2a_error *err)
{
    const struct range *r;
    struct a2a_shard_range sr;

    if (s->next >= s->nranges) {
        s->finished = 1;
        return 0;
    }
    s->current = s->next++;
    r = &s->ranges[s->current];
    sr = (struct a2a_shard_range){
        .shard_id = r->shard_id,
        .start = r->start,
        .end_seq = r->end_seq[0] != '\0' ? r->end_seq : NULL,
        .shard_closed = r->shard_closed,
        .end_written = r->end_written,
        .children_unread = r->children_unread,
    };
    s->page_n = 0;
    s->range_input = s->inputs;
    s->range_records = 0;
    s->range_counted = 0;
    s->last_seq[0] = '\0';
    s->stats.ranges++;
    return a2a_shard_reader_open(s->cfg.client, &sr, &s->reader, err) == 0 ? 1 : -1;
}

/*
 * The current range is read to its end. When its shard was open at its listing and closed
 * since (not --to, not idle), its children are listed before the next range is opened.
 */
static void note_closing(struct a2a_stream_source *s)
{
    const struct range *r = &s->ranges[s->current];

    if (!s->whole || r->shard_closed || !a2a_shard_reader_closed(s->reader)) {
        return;
    }
    snprintf(s->closed_id, sizeof(s->closed_id), "%s", r->shard_id);
    s->relist = 1;
}

static int stream_next(void *ctx, const char **name, struct a2a_error *err)
{
    struct a2a_stream_source *s = ctx;

    while (!s->finished) {
        struct a2a_stream_error e = {{A2A_OK, ""}, A2A_STREAM_CAUSE_NONE, "", 0, ""};
        struct a2a_stream_page page;
        enum a2a_read_status got;
        int opened;

        if (!s->listed || (s->relist && s->reader == NULL)) {
            if (list_shards(s, err) != 0) {
                return -1;
            }
            continue;
        }
        if (s->reader == NULL) {
            opened = open_range(s, err);
            if (opened <= 0) {
                return opened;
            }
        }
        got = a2a_shard_reader_next(s->reader, &page, &e);
        if (got == A2A_READ_PAGE) {
            take_page(s, &page);
            *name = s->name;
            return 1;
        }
        if (got == A2A_READ_LOST) {
            report_unreadable(s, &s->ranges[s->current], &e); /* said now; the read goes on */
            continue;
        }
        if (got == A2A_READ_END) {
            note_closing(s);
        }
        close_reader(s);
        if (got == A2A_READ_ERROR && on_failure(s, &s->ranges[s->current], &e, err) != 0) {
            s->finished = 1;
            return -1;
        }
    }
    return 0;
}

static ssize_t stream_read(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err)
{
    struct a2a_stream_source *s = ctx;
    size_t total = s->len + s->tail;
    size_t n = 0;

    (void)err;
    while (n < cap && s->pos < total) {
        if (s->pos < s->len) {
            size_t chunk = s->len - s->pos < cap - n ? s->len - s->pos : cap - n;
            memcpy(buf + n, s->bytes + s->pos, chunk);
            n += chunk;
            s->pos += chunk;
        } else {
            buf[n++] = (unsigned char)cut_tail[s->pos - s->len];
            s->pos++;
        }
    }
    return (ssize_t)n;
}

/*
 * The continuation of the current range: after the last record the reader took when that
 * record came from one of this range's pages (the driver's in-order window means every
 * record before it was acknowledged or listed), else the range's own start. A record whose
 * SequenceNumber is not a sequence number cannot be named: the range starts over (records
 * are replayed, none is lost).
 */
static int place_current(struct a2a_stream_source *s, const struct a2a_source_last *last,
                         struct a2a_source_place *out)
{
    const struct range *r = &s->ranges[s->current];
    int in_range = last->has_record && last->input >= s->range_input && s->inputs > s->range_input;

    char name[NAME_MAX_LEN];

    snprintf(name, sizeof(name), "stream %s shard %s", a2a_streams_client_arn(s->cfg.client),
             r->shard_id);
    out->part = strdup(r->shard_id);
    out->name = strdup(name);
    if (out->part == NULL || out->name == NULL) {
        return -1;
    }
    if (in_range && last->seq != NULL && a2a_seqnum_valid(last->seq, last->seq_len)) {
        out->part_from = malloc(sizeof("after:") + last->seq_len);
        if (out->part_from == NULL) {
            return -1;
        }
        memcpy(out->part_from, "after:", 6);
        memcpy(out->part_from + 6, last->seq, last->seq_len);
        out->part_from[6 + last->seq_len] = '\0';
    }
    return 0;
}

/*
 * A range from index first on starts at latest: not a place but "whatever is written after
 * the call", so a continuation opening it there skips what was written in between.
 */
static int opens_latest(const struct a2a_stream_source *s, size_t first)
{
    for (size_t i = first; i < s->nranges; i++) {
        if (s->ranges[i].start.kind == A2A_START_LATEST) {
            return 1;
        }
    }
    return 0;
}

static int stream_place(void *ctx, const struct a2a_source_last *last, struct a2a_source_place *out)
{
    struct a2a_stream_source *s = ctx;
    size_t first_rest;

    memset(out, 0, sizeof(*out));
    out->valid = 1;
    if (!s->listed || (s->next == 0 && s->reader == NULL) || s->nranges == 0) {
        char name[NAME_MAX_LEN];
        out->none_read = 1; /* no range opened yet: the same ranges again */
        out->inexact =
            s->listed && s->nranges > 0 ? opens_latest(s, 0) : s->cfg.from.kind == A2A_START_LATEST;
        /* the input a --summary-json reader sees (review 64: it was "") */
        snprintf(name, sizeof(name), "stream %s", a2a_streams_client_arn(s->cfg.client));
        out->name = strdup(name);
        return out->name != NULL ? 0 : -1;
    }
    if (place_current(s, last, out) != 0) {
        goto fail;
    }
    first_rest = s->current + 1;
    out->inexact = opens_latest(s, first_rest) ||
                   (out->part_from == NULL && s->ranges[s->current].start.kind == A2A_START_LATEST);
    if (first_rest < s->nranges) {
        out->rest = calloc(s->nranges - first_rest, sizeof(*out->rest));
        if (out->rest == NULL) {
            goto fail;
        }
        for (size_t i = first_rest; i < s->nranges; i++) {
            out->rest[out->nrest] = strdup(s->ranges[i].shard_id);
            if (out->rest[out->nrest] == NULL) {
                goto fail;
            }
            out->nrest++;
        }
    }
    return 0;
fail:
    a2a_source_place_free(out);
    return -1;
}

void a2a_stream_source(struct a2a_source *src, struct a2a_stream_source *s)
{
    *src = (struct a2a_source){
        .next = stream_next, .read = stream_read, .place = stream_place, .close = NULL, .ctx = s};
}
