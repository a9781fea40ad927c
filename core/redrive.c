#include "redrive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arn.h"
#include "buf.h"
#include "dispatch.h"

/* What became of a range read by its first message, for the messages naming it again. */
enum range_state {
    RANGE_PENDING, /* its first message has not finished */
    RANGE_ACKED,
    RANGE_FAILED,
};

/* One distinct range: its key in rd->keys, and what became of it. */
struct range_entry {
    size_t off; /* of the key in rd->keys */
    size_t len;
    uint64_t hash;
    enum range_state state;
    int cut;            /* RANGE_FAILED because the run stopped before its first message was done */
    int redo;           /* RANGE_FAILED in a way a read again may not repeat (cut, or transient) */
    int partial;        /* the message holding it did not read it in full (a read from the stream
                           that failed, an S3 payload short of its batch): a later one may supply it */
    int stream_failed;  /* a read of it from the stream failed: only an S3 payload may supply it */
    int records_failed; /* RANGE_FAILED only because records of it failed (listed) */
};

struct a2a_redrive_message {
    struct a2a_redrive_message *next; /* the next message in input order; owned by the list */
    uint64_t index;
    size_t input_index; /* of the input that holds it, for a continuation */
    uint64_t resume;    /* the resume offset before it in that input */
    uint64_t after;     /* the position of the record that ends there; 0: none */
    uint64_t offset;
    struct a2a_buf text; /* owned: input name NUL, message id, receipt handle, shard id */
    size_t id_off, id_len;
    size_t rh_off, rh_len;
    size_t shard_off, shard_len;
    int has_id, has_rh, has_shard;
    uint64_t pending; /* records placed, not delivered yet */
    uint64_t records;
    int closed;
    int failed;
    int cut;           /* the run stopped before the message was read and replayed in full */
    int passing;       /* a record failed in a way that may pass when sent again: retries spent on a
                          transient error, or the answer that stopped the run (a wrong URL, a token
                          refused), which is the run's, not the record's; or its range could not be
                          read for the run's trouble, not the records' (range_verdict) */
    int faulted;       /* failed for its own error or its range (a2a_redrive_fail), not a record */
    int record_failed; /* a record of it failed (listed in the response) */
    int payload;       /* its records are its own S3 payload's, whose input name says the message */
    int has_range;     /* claimed a range: range is the index of its entry */
    size_t range;
    int duplicate; /* the range was claimed before: its fate is the first message's */
};

/*
 * What the run learned of an endpoint through clients since freed (a redrive keeps one
 * client, for the last stream read): whether it answered a good call for an account's
 * stream (confirmed: its refusals of that account's streams are theirs), and whether it
 * never answers (unreachable: the breaker's words, for a new client to fail at once).
 */
struct endpoint_note {
    char *endpoint; /* owned */
    char account[16];
    int confirmed;
    int asked;         /* ListStreams was asked to confirm it */
    char *unreachable; /* owned, or NULL */
};

/* A bound on notes: more endpoints and accounts than this in one run are not noted (their
 * refusals may pass, their breaker is per client), which costs time, never a message. */
#define ENDPOINT_NOTES_MAX 64

struct a2a_redrive {
    struct a2a_redrive_config cfg;
    struct a2a_redrive_stats stats;
    struct a2a_redrive_message *head; /* owned list, oldest first */
    struct a2a_redrive_message *tail;
    size_t in_flight;

    struct a2a_buf keys;        /* owned: every range key, one after another */
    struct range_entry *ranges; /* owned array of nranges, in order of first claim */
    size_t nranges, cap_ranges;
    size_t *table;              /* owned open-addressing table of range index + 1 (0: free) */
    size_t table_size;          /* a power of two, more than twice nranges */
    struct a2a_buf scratch_key; /* owned */

    int curl_started;
    struct endpoint_note notes[ENDPOINT_NOTES_MAX]; /* notes[0..nnotes) owned */
    size_t nnotes;
    int verdict_pending; /* the open range's refusal is its message's own only if confirmed */
    struct a2a_streams_client *client;   /* owned; for client_arn */
    char *client_arn;                    /* owned */
    struct a2a_stream_source *source;    /* owned; the range open now */
    struct a2a_redrive_message *reading; /* borrowed: the message whose range is open */
    const struct a2a_range *range;       /* borrowed: that range, for messages */
    int range_failed;       /* the open range was reported unreadable, in whole or its start */
    int range_whole_failed; /* ... and what remained of it could not be read either */
};

int a2a_redrive_new(struct a2a_redrive **out, const struct a2a_redrive_config *cfg,
                    struct a2a_error *err)
{
    struct a2a_redrive *rd = calloc(1, sizeof(*rd));

    *out = NULL;
    if (rd == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    rd->cfg = *cfg;
    *out = rd;
    return 0;
}

static void message_free(struct a2a_redrive_message *m)
{
    a2a_buf_free(&m->text);
    free(m);
}

void a2a_redrive_free(struct a2a_redrive **prd)
{
    struct a2a_redrive *rd = *prd;

    if (rd == NULL) {
        return;
    }
    a2a_redrive_close_range(rd);
    while (rd->head != NULL) {
        struct a2a_redrive_message *m = rd->head;
        rd->head = m->next;
        message_free(m);
    }
    a2a_streams_client_free(&rd->client);
    free(rd->client_arn);
    for (size_t i = 0; i < rd->nnotes; i++) {
        free(rd->notes[i].endpoint);
        free(rd->notes[i].unreachable);
    }
    if (rd->curl_started) {
        a2a_dispatch_global_cleanup();
    }
    a2a_buf_free(&rd->keys);
    a2a_buf_free(&rd->scratch_key);
    free(rd->ranges);
    free(rd->table);
    free(rd);
    *prd = NULL;
}

/* Appends s to m->text at *off. Returns 0 or -1. */
static int keep_str(struct a2a_redrive_message *m, struct a2a_str s, size_t *off, size_t *len)
{
    *off = m->text.len;
    *len = s.len;
    return a2a_buf_append(&m->text, s.ptr, s.len);
}

struct a2a_redrive_message *a2a_redrive_begin(struct a2a_redrive *rd, const struct a2a_item *item,
                                              size_t input_index)
{
    struct a2a_redrive_message *m = calloc(1, sizeof(*m));
    const struct a2a_message *msg = &item->msg;
    int rc = 0;

    if (m == NULL) {
        return NULL;
    }
    m->index = msg->index;
    m->input_index = input_index;
    m->offset = msg->offset;
    m->has_id = msg->has_message_id;
    m->has_rh = msg->has_receipt_handle;
    m->has_shard = item->has_range;
    rc |= a2a_buf_append(&m->text, msg->input, strlen(msg->input) + 1);
    rc |= keep_str(m, msg->has_message_id ? msg->message_id : (struct a2a_str){"", 0}, &m->id_off,
                   &m->id_len);
    rc |= keep_str(m, msg->has_receipt_handle ? msg->receipt_handle : (struct a2a_str){"", 0},
                   &m->rh_off, &m->rh_len);
    rc |= keep_str(m, item->has_range ? item->range.shard_id : (struct a2a_str){"", 0},
                   &m->shard_off, &m->shard_len);
    if (rc != 0) {
        message_free(m);
        return NULL;
    }
    if (rd->tail != NULL) {
        rd->tail->next = m;
    } else {
        rd->head = m;
    }
    rd->tail = m;
    rd->in_flight++;
    rd->stats.messages++;
    return m;
}

void a2a_redrive_cut(struct a2a_redrive_message *m)
{
    a2a_redrive_fail(m);
    if (m != NULL) {
        m->cut = 1;
    }
}

void a2a_redrive_resume_before(struct a2a_redrive_message *m, uint64_t resume, uint64_t after)
{
    m->resume = resume;
    m->after = after;
}

void a2a_redrive_fail(struct a2a_redrive_message *m)
{
    if (m == NULL) {
        return;
    }
    m->failed = 1;
    m->faulted = 1;
}

void a2a_redrive_unusable(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                          const struct a2a_message *msg, const char *reason)
{
    struct a2a_message_unusable u = {msg, reason};

    a2a_redrive_fail(m);
    if (rd->cfg.on_unusable != NULL) {
        rd->cfg.on_unusable(rd->cfg.ctx, &u);
    }
}

void a2a_redrive_placed(struct a2a_redrive_message *m)
{
    m->pending++;
    m->records++;
}

static struct a2a_str text_at(const struct a2a_redrive_message *m, size_t off, size_t len)
{
    return (struct a2a_str){m->text.data + off, len};
}

/* Counts m, failed for a reason of its own; messages finish in input order. */
static void count_failed(struct a2a_redrive_stats *st, const struct a2a_redrive_message *m)
{
    if (st->failed_tail > 0 && st->failed_tail_input == m->input_index &&
        st->failed_tail_resume == m->resume) {
        st->failed_tail++;
    } else {
        st->failed_tail_input = m->input_index;
        st->failed_tail_resume = m->resume;
        st->failed_tail = 1;
    }
    st->failed++;
}

uint64_t a2a_redrive_failed_before(const struct a2a_redrive_stats *st, size_t input,
                                   uint64_t offset)
{
    /* places only grow in input order: the ones at offset or after it are the last run's */
    int tail_after = st->failed_tail > 0 &&
                     (st->failed_tail_input > input ||
                      (st->failed_tail_input == input && st->failed_tail_resume >= offset));
    return st->failed - (tail_after ? st->failed_tail : 0);
}

/* Hands the oldest message to the caller and frees it. */
static void finish(struct a2a_redrive *rd, struct a2a_redrive_message *m)
{
    struct a2a_message_done d;
    int acked = !m->failed;
    int cut = m->cut;
    int redo = cut || m->passing;
    int records_failed = !m->faulted && m->record_failed;

    if (m->has_range && m->duplicate) {
        acked = acked && rd->ranges[m->range].state == RANGE_ACKED;
        cut = !acked && (cut || rd->ranges[m->range].cut); /* its fate is the first's */
        redo = !acked && (redo || rd->ranges[m->range].redo);
        records_failed = !m->faulted && rd->ranges[m->range].records_failed;
    } else if (m->has_range) {
        rd->ranges[m->range].state = acked ? RANGE_ACKED : RANGE_FAILED;
        rd->ranges[m->range].cut = !acked && cut;
        rd->ranges[m->range].redo = !acked && redo;
        rd->ranges[m->range].records_failed = !acked && !cut && records_failed;
    }
    rd->stats.acked += acked;
    rd->stats.cut += !acked && cut;
    /* a duplicate's fate is its first's: it stays in the queue alike (review 67) */
    rd->stats.records_failed += !acked && !cut && records_failed;
    if (!acked && !redo) {
        count_failed(&rd->stats, m);
    }
    /* messages finish in input order: the first seen is the earliest */
    if (!acked && cut && rd->stats.first_cut == 0) {
        rd->stats.first_cut = m->index;
    }
    if (!acked && redo && rd->stats.first_redo == 0) {
        rd->stats.first_redo = m->index;
        rd->stats.first_redo_cut = cut;
        rd->stats.first_redo_input = m->input_index;
        rd->stats.first_redo_resume = m->resume;
        rd->stats.first_redo_after = m->after;
        rd->stats.first_redo_failed_before =
            a2a_redrive_failed_before(&rd->stats, m->input_index, m->resume);
    }
    if (rd->cfg.on_message != NULL) {
        d = (struct a2a_message_done){
            .index = m->index,
            .input = m->text.data,
            .offset = m->offset,
            .has_message_id = m->has_id,
            .message_id = text_at(m, m->id_off, m->id_len),
            .has_receipt_handle = m->has_rh,
            .receipt_handle = text_at(m, m->rh_off, m->rh_len),
            .records = m->records,
            .duplicate = m->duplicate,
            .acked = acked,
            .cut = !acked && cut,
        };
        rd->cfg.on_message(rd->cfg.ctx, &d);
    }
    rd->head = m->next;
    if (rd->head == NULL) {
        rd->tail = NULL;
    }
    rd->in_flight--;
    message_free(m);
}

/* Finishes every message at the head that has nothing more to wait for. */
static void finish_ready(struct a2a_redrive *rd)
{
    while (rd->head != NULL && rd->head->closed && rd->head->pending == 0) {
        finish(rd, rd->head);
    }
}

void a2a_redrive_settled(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                         enum a2a_outcome outcome, int stopped_run)
{
    if (outcome == A2A_OUT_TRANSIENT || stopped_run) {
        m->passing = 1;
    }
    /* A dry run's would_dispatch counts as done: its summary says "would be acked". */
    if (outcome != A2A_OUT_ACKNOWLEDGED && outcome != A2A_OUT_TASK_DELETED &&
        outcome != A2A_OUT_SKIPPED && outcome != A2A_OUT_WOULD_DISPATCH) {
        m->failed = 1;
        m->record_failed = 1;
    }
    if (outcome == A2A_OUT_INTERRUPTED || outcome == A2A_OUT_NOT_ATTEMPTED ||
        outcome == A2A_OUT_ABANDONED) {
        m->cut = 1; /* the run stopped before the record was settled */
    }
    m->pending--;
    finish_ready(rd);
}

void a2a_redrive_close(struct a2a_redrive *rd, struct a2a_redrive_message *m)
{
    m->closed = 1;
    finish_ready(rd);
}

size_t a2a_redrive_in_flight(const struct a2a_redrive *rd)
{
    return rd->in_flight;
}

void a2a_redrive_describe(const struct a2a_redrive_message *m, struct a2a_result *res)
{
    res->message = m->index;
    res->has_message_id = m->has_id;
    res->message_id = text_at(m, m->id_off, m->id_len);
    res->has_shard_id = m->has_shard;
    res->shard_id = text_at(m, m->shard_off, m->shard_len);
    res->file_names_message = m->payload;
}

/* FNV-1a: the keys are short and few; any spread will do. */
static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    }
    return h;
}

/* Rebuilds the table at twice the size. Returns 0 or -1. */
static int grow_table(struct a2a_redrive *rd)
{
    size_t size = rd->table_size > 0 ? rd->table_size * 2 : 64;
    size_t *table = calloc(size, sizeof(*table));

    if (table == NULL) {
        return -1;
    }
    for (size_t i = 0; i < rd->nranges; i++) {
        size_t at = (size_t)rd->ranges[i].hash & (size - 1);
        while (table[at] != 0) {
            at = (at + 1) & (size - 1);
        }
        table[at] = i + 1;
    }
    free(rd->table);
    rd->table = table;
    rd->table_size = size;
    return 0;
}

/* The table slot holding key k, or the free slot where it goes. */
static size_t find_slot(const struct a2a_redrive *rd, const struct a2a_buf *k, uint64_t h)
{
    size_t at = (size_t)h & (rd->table_size - 1);

    while (rd->table[at] != 0) {
        const struct range_entry *e = &rd->ranges[rd->table[at] - 1];
        if (e->hash == h && e->len == k->len &&
            memcmp(rd->keys.data + e->off, k->data, k->len) == 0) {
            return at;
        }
        at = (at + 1) & (rd->table_size - 1);
    }
    return at;
}

/* Adds the key in scratch_key as a new range. Returns 0 or -1. */
static int add_range(struct a2a_redrive *rd, uint64_t h)
{
    size_t slot;

    if (rd->nranges == rd->cap_ranges) {
        size_t cap = rd->cap_ranges > 0 ? rd->cap_ranges * 2 : 16;
        struct range_entry *grown = realloc(rd->ranges, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        rd->ranges = grown;
        rd->cap_ranges = cap;
    }
    if ((rd->nranges + 1) * 2 >= rd->table_size && grow_table(rd) != 0) {
        return -1;
    }
    rd->ranges[rd->nranges] = (struct range_entry){
        .off = rd->keys.len, .len = rd->scratch_key.len, .hash = h, .state = RANGE_PENDING};
    if (a2a_buf_append(&rd->keys, rd->scratch_key.data, rd->scratch_key.len) != 0) {
        return -1;
    }
    slot = find_slot(rd, &rd->scratch_key, h);
    rd->table[slot] = ++rd->nranges;
    return 0;
}

/*
 * 1 when a message naming e's range can supply what its holder did not read: any S3 payload
 * (its records are its own), or a pointer while the stream has not failed the range already.
 */
static int can_supply(const struct range_entry *e, const struct a2a_range *range)
{
    return e->partial && (range->inline_records || !e->stream_failed);
}

int a2a_redrive_claim_range(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                            const struct a2a_range *range, struct a2a_error *err)
{
    struct range_entry *e;
    uint64_t h;
    size_t slot;
    int short_payload = range->inline_records && !range->payload_whole;

    a2a_buf_reset(&rd->scratch_key);
    if (a2a_range_key(range, &rd->scratch_key) != 0 ||
        (rd->table_size == 0 && grow_table(rd) != 0)) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory keeping a range");
        return -1;
    }
    h = key_hash(rd->scratch_key.data, rd->scratch_key.len);
    slot = find_slot(rd, &rd->scratch_key, h);
    m->has_range = 1;
    m->payload = range->inline_records;
    if (rd->table[slot] != 0) {
        m->range = rd->table[slot] - 1;
        e = &rd->ranges[m->range];
        if (can_supply(e, range)) {
            /* The range was not read in full; this message may read it: the range is this
               message's now, and the messages naming it later share its fate. The holder
               before it (never acked) finishes first, in input order: this one's own finish
               sets the state those later ones see. */
            e->partial = short_payload;
            e->state = RANGE_PENDING;
            return 2;
        }
        m->duplicate = 1;
        rd->stats.duplicates++;
        return 1;
    }
    if (add_range(rd, h) != 0) {
        m->has_range = 0;
        a2a_error_set(err, A2A_E_NOMEM, "out of memory keeping a range");
        return -1;
    }
    m->range = rd->nranges - 1;
    rd->ranges[m->range].partial = short_payload;
    return 0;
}

/*
 * Seconds from an ISO 8601 UTC time ("2019-11-14T00:13:19Z", fractions allowed) to now into
 * *age. Returns 0, or -1 when the text is not such a time.
 */
static int age_seconds(struct a2a_str when, int64_t *age)
{
    char text[40];
    int64_t days;
    int y, mo, d, h, mi, s;
    time_t now = time(NULL);

    if (when.len == 0 || when.len >= sizeof(text)) {
        return -1;
    }
    memcpy(text, when.ptr, when.len);
    text[when.len] = '\0';
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6 || mo < 1 ||
        mo > 12 || d < 1 || d > 31) {
        return -1;
    }
    /* Days from the civil date (proleptic Gregorian), so no time zone is consulted. */
    y -= mo <= 2;
    {
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        days = era * 146097 + doe - 719468;
    }
    *age = (int64_t)now - (days * 86400 + h * 3600 + mi * 60 + s);
    return 0;
}

/* "3 days 4 hours", "5 hours 2 minutes", "40 minutes 30 seconds", "9 seconds" into out. */
static void age_text(int64_t secs, char *out, size_t cap)
{
    if (secs >= 86400) {
        snprintf(out, cap, "%lld days %lld hours ago", (long long)(secs / 86400),
                 (long long)(secs % 86400 / 3600));
    } else if (secs >= 3600) {
        snprintf(out, cap, "%lld hours %lld minutes ago", (long long)(secs / 3600),
                 (long long)(secs % 3600 / 60));
    } else if (secs >= 60) {
        snprintf(out, cap, "%lld minutes %lld seconds ago", (long long)(secs / 60),
                 (long long)(secs % 60));
    } else if (secs >= 0) {
        snprintf(out, cap, "%lld seconds ago", (long long)secs);
    } else {
        snprintf(out, cap, "in the future (check the clock)");
    }
}

/* The note for endpoint and account; with add, a new one when there is room; or NULL. */
static struct endpoint_note *note_for(struct a2a_redrive *rd, const char *endpoint,
                                      const char *account, int add)
{
    struct endpoint_note *n;

    for (size_t i = 0; i < rd->nnotes; i++) {
        n = &rd->notes[i];
        if (strcmp(n->endpoint, endpoint) == 0 && strcmp(n->account, account) == 0) {
            return n;
        }
    }
    if (!add || rd->nnotes == ENDPOINT_NOTES_MAX) {
        return NULL;
    }
    n = &rd->notes[rd->nnotes];
    memset(n, 0, sizeof(*n));
    n->endpoint = strdup(endpoint);
    if (n->endpoint == NULL) {
        return NULL;
    }
    snprintf(n->account, sizeof(n->account), "%s", account);
    rd->nnotes++;
    return n;
}

/* The note for the kept client's endpoint and stream account (see note_for), or NULL. */
static struct endpoint_note *client_note(struct a2a_redrive *rd, int add)
{
    if (rd->client == NULL) {
        return NULL;
    }
    return note_for(rd, a2a_streams_client_endpoint(rd->client),
                    a2a_streams_client_account(rd->client), add);
}

/*
 * Whether the kept client (the one reading the range that failed) or one before it for the
 * same endpoint answered a good call for a stream of its account in this run: the keys work
 * there, so its refusal of the range is the range's. Another account's good answer proves
 * nothing of these keys' access to this one (a wrong profile).
 */
static int confirmed_for_client(struct a2a_redrive *rd)
{
    const struct endpoint_note *n = client_note(rd, 0);

    return a2a_streams_client_confirmed(rd->client) || (n != NULL && n->confirmed);
}

/*
 * A range the stream may give when asked again: trouble that is the run's whatever the
 * message (no credentials, keys or a signature refused, a client the run could not make, TLS
 * or an endpoint that is not the API) or that passes with time (retries spent, an open shard
 * idle so far, the stop). Not what the API says of this range itself and says again every
 * time: read again, it would hold every continuation behind the message; it is reported
 * (exit status 6) as in a run read to its end. Trimmed is said only by the stream that holds
 * the range, and a rejection without an AWS error is the tool's own of the message's ARN or
 * range. No such stream or shard, a request the API rejects: the range's own only once the
 * run's endpoint and keys are confirmed for its account by a good answer; else they may be
 * the run's (a forgotten AWS_ENDPOINT_URL answering ResourceNotFound for every stream, a
 * wrong profile). Access denied: the range's own only once a good answer came for its very
 * stream, since a policy may grant one table and not another (a profile that lists streams
 * may still not read this one).
 */
enum range_verdict { RANGE_OWN, RANGE_MAY_PASS, RANGE_OWN_IF_CONFIRMED, RANGE_OWN_IF_READ };

static enum range_verdict range_verdict(const char *cause, const char *aws_error)
{
    if (strcmp(cause, "trimmed") == 0) {
        return RANGE_OWN;
    }
    if (strcmp(cause, "rejected") == 0 && aws_error[0] == '\0') {
        return RANGE_OWN;
    }
    if (strcmp(cause, "not-found") == 0 || strcmp(cause, "rejected") == 0) {
        return RANGE_OWN_IF_CONFIRMED;
    }
    if (strcmp(cause, "denied") == 0 && strcmp(aws_error, "AccessDeniedException") == 0) {
        return RANGE_OWN_IF_READ;
    }
    /* other denials are about the keys (unknown, expired, a bad signature or clock) */
    return RANGE_MAY_PASS;
}

/*
 * Confirms the kept client's endpoint and keys for its stream's account when no good answer
 * has: one ListStreams a run for each endpoint and account. For a refusal that came before
 * any good answer (the oldest message naming a stream since deleted), which would otherwise
 * be read again by every continuation. Returns 1 when confirmed.
 */
static int confirm_endpoint(struct a2a_redrive *rd)
{
    struct endpoint_note *n;
    int ok;

    if (rd->client == NULL) {
        return 0;
    }
    n = client_note(rd, 1);
    if (n != NULL && (n->confirmed || n->asked)) {
        return n->confirmed;
    }
    ok = a2a_streams_confirm(rd->client);
    if (n != NULL) {
        n->asked = 1;
        n->confirmed |= ok;
    }
    return ok;
}

/*
 * Tells the caller that the open range could not be read, and fails its message. A range is
 * counted once; it is reported once, or twice when its start was lost (u->partial) and the
 * rest failed later.
 */
static void report_range(struct a2a_redrive *rd, const struct a2a_unreadable *u)
{
    const struct a2a_redrive_message *m = rd->reading;
    const struct a2a_range *g = rd->range;
    struct a2a_pointer_unreadable p;
    char id[160] = "";
    char first[160] = "";
    char age[64];
    char text[A2A_ERROR_MSG_MAX + 1000];
    char part[160] = "";

    rd->reading->failed = 1;
    switch (range_verdict(u->cause, u->aws_error)) {
    case RANGE_MAY_PASS:
        rd->reading->passing = 1;
        break;
    case RANGE_OWN_IF_CONFIRMED:
        /* decided when the range is done: no call is made from within the source's */
        rd->verdict_pending |= !confirmed_for_client(rd);
        break;
    case RANGE_OWN_IF_READ:
        /* only a verdict on a call the kept client made: a good answer for this stream */
        rd->reading->passing |= !a2a_streams_client_confirmed(rd->client);
        break;
    case RANGE_OWN:
        break;
    }
    if (m->has_range && !m->duplicate) {
        rd->ranges[m->range].partial = 1;
        rd->ranges[m->range].stream_failed = 1;
    }
    if (rd->range_whole_failed) {
        return;
    }
    rd->range_whole_failed = !u->partial;
    rd->stats.ranges_unreadable += !rd->range_failed;
    rd->range_failed = 1;
    if (m->has_id) {
        char q[120];
        a2a_quote_for_message(q, sizeof(q), text_at(m, m->id_off, m->id_len), 64);
        snprintf(id, sizeof(id), " (MessageId %s)", q);
    }
    /* How old the range is explains a trimmed or vanished one; beside a refused call or a
     * dead endpoint it is noise. */
    if (g->has_first_arrival &&
        (strcmp(u->cause, "trimmed") == 0 || strcmp(u->cause, "not-found") == 0)) {
        int64_t secs = 0;
        if (age_seconds(g->first_arrival, &secs) == 0) {
            age_text(secs, age, sizeof(age));
        } else {
            snprintf(age, sizeof(age), "at a time that does not parse");
        }
        snprintf(first, sizeof(first), "; its first record arrived %.*s, %s",
                 (int)(g->first_arrival.len < 40 ? g->first_arrival.len : 40), g->first_arrival.ptr,
                 age);
    }
    if (u->partial) {
        /* the lost part first: it is what the operator must carry elsewhere */
        snprintf(part, sizeof(part),
                 "is read only in part: its records from %s through %s are lost", u->start,
                 u->end != NULL ? u->end : "the end");
    } else if (u->records_read > 0 && strncmp(u->start, "after:", 6) == 0) {
        /* its first records were read and replayed: the part not read begins after them */
        snprintf(part, sizeof(part),
                 "cannot be read past its record %s (%llu record%s of it read and sent on)",
                 u->start + 6, (unsigned long long)u->records_read,
                 u->records_read == 1 ? "" : "s");
    }
    snprintf(text, sizeof(text),
             "%s: message %llu%s at byte %llu: shard %.*s%s from %.*s through %.*s %s (%s)%s%s: %s",
             m->text.data, (unsigned long long)m->index, id, (unsigned long long)m->offset,
             (int)(g->shard_id.len < 100 ? g->shard_id.len : 100), g->shard_id.ptr,
             g->shard_id.len > 100 ? "..." : "", /* a cut is said: ids are never shortened */
             (int)g->start_seq.len, g->start_seq.ptr, (int)g->end_seq.len, g->end_seq.ptr,
             part[0] != '\0' ? part : "cannot be read", u->cause, first,
             strcmp(u->cause, "trimmed") == 0 ? " (a stream keeps records 24 hours)" : "",
             u->error->msg);
    p = (struct a2a_pointer_unreadable){
        .u = u,
        .message = m->index,
        .has_message_id = m->has_id,
        .message_id = text_at(m, m->id_off, m->id_len),
        .has_receipt_handle = m->has_rh,
        .receipt_handle = text_at(m, m->rh_off, m->rh_len),
        .text = text,
    };
    if (rd->cfg.on_unreadable != NULL) {
        rd->cfg.on_unreadable(rd->cfg.ctx, &p);
    }
}

static void on_unreadable(void *ctx, const struct a2a_unreadable *u)
{
    report_range(ctx, u);
}

/* Frees the kept client; what it learned of its endpoint is noted for the run. */
static void drop_client(struct a2a_redrive *rd)
{
    struct endpoint_note *n = client_note(rd, 1);

    if (n != NULL) {
        const char *why = a2a_streams_client_unreachable(rd->client);
        n->confirmed |= a2a_streams_client_confirmed(rd->client);
        if (why[0] != '\0' && n->unreachable == NULL) {
            n->unreachable = strdup(why); /* none on NOMEM: only time is lost */
        }
    }
    a2a_streams_client_free(&rd->client);
}

/* A new client fails at once where one before it for the same endpoint learned to. */
static void apply_notes(struct a2a_redrive *rd)
{
    const char *endpoint = a2a_streams_client_endpoint(rd->client);

    for (size_t i = 0; i < rd->nnotes; i++) {
        if (rd->notes[i].unreachable != NULL && strcmp(rd->notes[i].endpoint, endpoint) == 0) {
            a2a_streams_client_set_unreachable(rd->client, rd->notes[i].unreachable);
            return;
        }
    }
}

/* A client for arn: the one kept when it reads the same stream. Returns 0 or -1 (err). */
static int client_for(struct a2a_redrive *rd, const char *arn, struct a2a_error *err)
{
    struct a2a_streams_config cfg;

    if (rd->client != NULL && strcmp(rd->client_arn, arn) == 0) {
        return 0;
    }
    drop_client(rd);
    free(rd->client_arn);
    rd->client_arn = strdup(arn);
    if (rd->client_arn == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    /*
     * No stream access configured (a library caller, a test, a fuzzer): the range is
     * unreadable. Zeroed defaults would run the whole credential chain, instance metadata
     * included, and reach for a real AWS endpoint: a stream is read only when asked.
     */
    if (rd->cfg.streams == NULL) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: no stream access configured for this run", arn);
        return -1;
    }
    cfg = *rd->cfg.streams;
    cfg.stream_arn = rd->client_arn;
    if (!rd->curl_started) {
        if (a2a_dispatch_global_init(err) != 0) {
            return -1;
        }
        rd->curl_started = 1;
    }
    if (a2a_streams_client_new(&cfg, &rd->client, err) != 0) {
        return -1;
    }
    apply_notes(rd);
    return 0;
}

/*
 * A client or source that could not be made for the range: unreadable, and named as the
 * stream source names a range it could not read (nothing of it was). cause: rejected when
 * the message is at fault (its ARN, its range), setup when the run is (a CA bundle, libcurl).
 */
static void report_refused(struct a2a_redrive *rd, const char *arn,
                           const struct a2a_stream_range *sr, enum a2a_stream_cause cause,
                           const struct a2a_error *why)
{
    struct a2a_error error = {A2A_OK, ""};
    struct a2a_unreadable u;
    char start[64];

    a2a_error_set(&error, A2A_E_STREAM, "%s", why->msg);
    u = (struct a2a_unreadable){
        .stream_arn = arn,
        .shard_id = sr->shard_id,
        .start = a2a_start_text(&sr->start, start, sizeof(start)),
        .end = sr->end_seq,
        .cause = a2a_stream_cause_name(cause),
        .aws_error = "",
        .error = &error,
        .records_read = 0,
    };
    report_range(rd, &u);
}

int a2a_redrive_open_range(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                           const struct a2a_range *range, struct a2a_source *src,
                           struct a2a_error *err)
{
    struct a2a_stream_source_config scfg;
    struct a2a_stream_range sr;
    struct a2a_error why = {A2A_OK, ""};
    struct a2a_stream_arn parsed;
    enum a2a_stream_cause cause;
    char *arn = NULL;
    char *shard = NULL;
    char *end = NULL;
    int rc = -1;

    a2a_redrive_close_range(rd);
    rd->reading = m;
    rd->range = range;
    rd->range_failed = 0;
    rd->range_whole_failed = 0;
    rd->stats.ranges_read++;
    arn = strndup(range->stream_arn.ptr, range->stream_arn.len);
    shard = strndup(range->shard_id.ptr, range->shard_id.len);
    end = strndup(range->end_seq.ptr, range->end_seq.len);
    if (arn == NULL || shard == NULL || end == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    memset(&sr, 0, sizeof(sr));
    sr.shard_id = shard;
    sr.start.kind = A2A_START_AT;
    snprintf(sr.start.seq, sizeof(sr.start.seq), "%.*s", (int)range->start_seq.len,
             range->start_seq.ptr);
    sr.end_seq = end;
    sr.end_written = 1; /* Lambda read the range: its end is a record of the shard */
    /* the message's ARN is checked first: a client refused for it is the message's fault */
    cause = a2a_stream_arn_parse(arn, &parsed, &why) == 0 ? A2A_STREAM_CAUSE_SETUP
                                                          : A2A_STREAM_CAUSE_REJECTED;
    if (cause == A2A_STREAM_CAUSE_SETUP && client_for(rd, arn, &why) == 0) {
        cause = A2A_STREAM_CAUSE_REJECTED; /* the range, then: the source refuses it */
        memset(&scfg, 0, sizeof(scfg));
        scfg.client = rd->client;
        scfg.ranges = &sr;
        scfg.nranges = 1;
        scfg.on_unreadable = on_unreadable;
        scfg.unreadable_ctx = rd;
        if (a2a_stream_source_open(&rd->source, &scfg, &why) == 0) {
            a2a_stream_source(src, rd->source);
            rc = 0;
            goto out;
        }
    }
    if (why.code == A2A_E_NOMEM) {
        a2a_error_set(err, A2A_E_NOMEM, "%s", why.msg);
        goto out;
    }
    /* a client that could not be made is not kept; one the message's ARN or range was
       refused by stays, with its breaker (an unreachable endpoint is not waited on again) */
    if (cause != A2A_STREAM_CAUSE_REJECTED) {
        drop_client(rd);
    }
    report_refused(rd, arn, &sr, cause, &why);
    a2a_error_set(err, A2A_E_STREAM, "%s", why.msg);
out:
    free(arn);
    free(shard);
    free(end);
    return rc;
}

int a2a_redrive_range_failed(const struct a2a_redrive *rd)
{
    return rd->range_failed;
}

void a2a_redrive_range_done(struct a2a_redrive *rd)
{
    if (rd->verdict_pending && rd->reading != NULL && confirm_endpoint(rd)) {
        rd->verdict_pending = 0; /* the refusal is its message's own */
    }
}

void a2a_redrive_close_range(struct a2a_redrive *rd)
{
    a2a_stream_source_free(&rd->source);
    if (rd->verdict_pending && rd->reading != NULL) {
        rd->reading->passing = 1; /* not confirmed, or not asked: the run stopped */
    }
    rd->verdict_pending = 0;
    rd->reading = NULL;
    rd->range = NULL;
}

const struct a2a_redrive_stats *a2a_redrive_stats(const struct a2a_redrive *rd)
{
    return &rd->stats;
}

int a2a_redrive_endpoint_unanswered(const struct a2a_redrive *rd)
{
    return rd->client != NULL && !a2a_streams_client_answered(rd->client);
}
