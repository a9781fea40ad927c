#include "batch.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "record.h"
#include "request.h"

#define DEFAULT_WINDOW   4096
#define DEFAULT_DRAIN_MS 500
#define PUMP_WAIT_MS     50 /* bounds how late a signal is noticed */

/* A record waiting in the in-order window. */
struct slot {
    struct a2a_job job; /* outcome, reason, status, attempts; the call when dispatched */
    int done;
    uint64_t position;
    uint64_t offset;
    /* owned: seq, then eventName, then raw bytes, then the input's name and a NUL (a
       source's names may live only as long as their input: a stream's pages) */
    struct a2a_buf text;
    size_t seq_len;
    size_t event_len;
    size_t raw_len;
    int has_seq;
    int has_event_name;
};

struct run {
    const struct a2a_run_config *cfg;
    struct a2a_response *resp;
    struct a2a_run_stats *st;
    struct a2a_input *in;
    struct a2a_record_parser parser;
    struct a2a_dispatch *pool; /* owned; NULL in a dry run */
    struct slot *slots;        /* owned ring of nslots */
    size_t nslots;
    size_t head;
    size_t count;
    /* A record read whose placing failed: neither in the window nor handed over. */
    int has_unplaced;
    struct a2a_result unplaced;
    char unplaced_reason[A2A_REASON_MAX];
    enum a2a_outcome stop_outcome; /* NOT_ATTEMPTED or INTERRUPTED once stopped */
    int stopped;
    char stop_reason[160];
};

static void log_event(struct run *r, enum a2a_log_level level, const char *target,
                      const struct a2a_result *res, const char *message)
{
    struct a2a_log_event ev = {.level = level, .target = target, .message = message};

    if (r->cfg->log.emit == NULL) {
        return;
    }
    if (res != NULL) {
        ev.file = res->file;
        ev.position = res->position;
        ev.seq = res->has_seq ? res->seq.ptr : NULL;
        ev.seq_len = res->seq.len;
    }
    r->cfg->log.emit(r->cfg->log.ctx, &ev);
}

static void log_result(struct run *r, const struct a2a_result *res)
{
    char line[A2A_REASON_MAX + 160];

    switch (res->outcome) {
    case A2A_OUT_PARSE_ERROR:
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_PARSE_ERROR, res, res->reason);
        break;
    case A2A_OUT_TRANSIENT:
        snprintf(line, sizeof(line), "transient failure, listed for retry: %s", res->reason);
        log_event(r, A2A_LOG_WARN, A2A_TARGET_TRANSIENT, res, line);
        break;
    case A2A_OUT_REJECTED:
        snprintf(line, sizeof(line), "dispatcher rejected the record: %s", res->reason);
        /* A fail-fast verdict is said once, for the whole run: per record it is detail. */
        log_event(r, res->fail_fast ? A2A_LOG_DEBUG : A2A_LOG_ERROR, A2A_TARGET_RECOVER, res, line);
        break;
    default:
        if (!r->cfg->log_records) {
            return;
        }
        if (res->outcome == A2A_OUT_SKIPPED && res->has_event_name) {
            char name[80];
            a2a_quote_for_message(name, sizeof(name), res->event_name, 16);
            snprintf(line, sizeof(line), "skipped (eventName %s)", name);
        } else {
            snprintf(line, sizeof(line), "%s", a2a_outcome_name(res->outcome));
        }
        if (res->reason[0] != '\0') {
            size_t n = strlen(line);
            snprintf(line + n, sizeof(line) - n, ": %s", res->reason);
        }
        log_event(r, A2A_LOG_DEBUG, A2A_TARGET_RECOVER, res, line);
        return;
    }
    if (!res->has_seq) {
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_NO_SEQ, res,
                  "stream record missing SequenceNumber; cannot surface as BatchItemFailure. "
                  "Record will not be retried.");
    }
}

/* Every result passes here exactly once, in input order. */
static int deliver(struct run *r, const struct a2a_result *res)
{
    struct a2a_run_stats *st = r->st;

    /* First, since it alone can fail: a result is either fully handed over or not at all. */
    if (a2a_response_add(r->resp, res) != 0) {
        a2a_error_set(&st->err, A2A_E_NOMEM, "out of memory listing failures");
        return -1;
    }
    switch (res->outcome) {
    case A2A_OUT_SKIPPED:
        st->skipped++;
        break;
    case A2A_OUT_TASK_DELETED:
        st->task_deleted++;
        st->acknowledged++;
        break;
    case A2A_OUT_ACKNOWLEDGED:
        st->acknowledged++;
        break;
    case A2A_OUT_NOT_ATTEMPTED:
        st->not_attempted++;
        break;
    case A2A_OUT_INTERRUPTED:
        st->interrupted++;
        break;
    default:
        break;
    }
    if (a2a_outcome_failed(res->outcome)) {
        if (res->has_seq) {
            st->failed++;
        } else {
            st->unreportable++;
        }
    }
    log_result(r, res);
    if (r->cfg->on_result != NULL) {
        r->cfg->on_result(r->cfg->result_ctx, res);
    }
    return 0;
}

static void result_from_slot(const struct slot *s, struct a2a_result *res)
{
    memset(res, 0, sizeof(*res));
    res->position = s->position;
    res->file = s->text.data + s->seq_len + s->event_len + s->raw_len;
    res->offset = s->offset;
    res->has_seq = s->has_seq;
    res->seq.ptr = s->text.data;
    res->seq.len = s->seq_len;
    res->has_event_name = s->has_event_name;
    res->event_name.ptr = s->text.data + s->seq_len;
    res->event_name.len = s->event_len;
    res->raw.ptr = s->text.data + s->seq_len + s->event_len;
    res->raw.len = s->raw_len;
    res->outcome = s->job.res.outcome;
    res->reason = s->job.res.reason;
    res->http_status = s->job.res.http_status;
    res->attempts = s->job.res.attempts;
    res->fail_fast = s->job.res.fail_fast;
    if (s->job.res.first_ms > 0 && s->job.res.done_ms >= s->job.res.first_ms) {
        res->elapsed_ms = (uint64_t)(s->job.res.done_ms - s->job.res.first_ms);
    }
}

/* Hands over every finished record at the head of the window. */
static int commit(struct run *r)
{
    while (r->count > 0 && r->slots[r->head].done) {
        struct slot *s = &r->slots[r->head];
        struct a2a_result res;

        result_from_slot(s, &res);
        if (deliver(r, &res) != 0) {
            return -1;
        }
        a2a_job_release(&s->job);
        if (s->text.cap > 64 * 1024) {
            a2a_buf_free(&s->text); /* do not let one huge record pin memory */
        }
        s->done = 0;
        r->head = (r->head + 1) % r->nslots;
        r->count--;
    }
    return 0;
}

static void on_job_done(void *ctx, struct a2a_job *job)
{
    struct slot *s = job->user;

    (void)ctx;
    s->done = 1;
}

static void stop(struct run *r, enum a2a_outcome outcome, const char *reason)
{
    if (r->stopped) {
        return;
    }
    r->stopped = 1;
    r->stop_outcome = outcome;
    snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", reason);
    if (r->pool != NULL) {
        a2a_dispatch_abandon(r->pool, outcome, reason);
    }
}

/* Notices a signal or a fail-fast answer. */
static void check_stop(struct run *r)
{
    int fatal;

    if (r->stopped) {
        return;
    }
    if (r->cfg->cancel != NULL && *r->cfg->cancel != 0) {
        int64_t drain = r->cfg->drain_ms > 0 ? r->cfg->drain_ms : DEFAULT_DRAIN_MS;
        r->st->cancelled = 1;
        stop(r, A2A_OUT_INTERRUPTED, "interrupted before the dispatcher acknowledged it");
        a2a_input_set_deadline(r->in, a2a_now_ms() + drain);
        return;
    }
    fatal = r->pool != NULL ? a2a_dispatch_fatal_status(r->pool) : 0;
    if (fatal != 0) {
        char why[160];
        r->st->fatal_status = fatal;
        r->st->fatal_cause =
            a2a_dispatch_fatal_reason(r->pool, r->st->fatal_reason, sizeof(r->st->fatal_reason));
        if (fatal > 0) {
            snprintf(why, sizeof(why),
                     "not attempted: the dispatcher answered HTTP %d to an earlier "
                     "call (fail-fast)",
                     fatal);
        } else {
            snprintf(why, sizeof(why), "not attempted: %.120s (fail-fast)", r->st->fatal_reason);
        }
        stop(r, A2A_OUT_NOT_ATTEMPTED, why);
    }
}

static int pump(struct run *r, int wait_ms)
{
    if (r->pool != NULL && a2a_dispatch_run(r->pool, wait_ms, -1, &r->st->err) != 0) {
        return -1;
    }
    check_stop(r);
    return commit(r);
}

/* Waits for a free slot in the window and returns it, reset. */
static struct slot *claim_slot(struct run *r)
{
    struct slot *s;

    while (r->count == r->nslots) {
        if (pump(r, PUMP_WAIT_MS) != 0) {
            return NULL;
        }
    }
    s = &r->slots[(r->head + r->count) % r->nslots];
    r->count++;
    memset(&s->job, 0, sizeof(s->job));
    s->job.user = s;
    s->done = 0;
    a2a_buf_reset(&s->text);
    return s;
}

static int fill_slot(struct run *r, struct slot *s, const struct a2a_raw_record *raw,
                     const struct a2a_record *rec)
{
    int rc = 0;

    s->position = raw->position;
    s->offset = raw->offset;
    s->has_seq = rec->has_seq;
    s->has_event_name = rec->has_event_name;
    s->seq_len = rec->has_seq ? rec->seq.len : 0;
    s->event_len = rec->has_event_name ? rec->event_name.len : 0;
    s->raw_len = r->cfg->keep_raw ? raw->len : 0;
    rc |= a2a_buf_append(&s->text, rec->seq.ptr, s->seq_len);
    rc |= a2a_buf_append(&s->text, rec->event_name.ptr, s->event_len);
    rc |= a2a_buf_append(&s->text, raw->bytes, s->raw_len);
    rc |= a2a_buf_append(&s->text, raw->file, strlen(raw->file) + 1);
    if (rc != 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "out of memory holding record %llu",
                      (unsigned long long)raw->position);
    }
    return rc == 0 ? 0 : -1;
}

static int build_job(struct a2a_job *job, const struct a2a_pending *p)
{
    int rc = 0;

    rc |= a2a_request_body(&job->req.body, p);
    rc |= a2a_request_idempotency_header(&job->req.idem_header, p);
    return rc == 0 ? 0 : -1;
}

/* The outcome a record has without any call, or -1 when it must be dispatched. */
static int immediate_outcome(const struct run *r, const struct a2a_record *rec, char *reason,
                             size_t cap)
{
    reason[0] = '\0';
    switch (rec->cls) {
    case A2A_RECORD_SKIP:
        return A2A_OUT_SKIPPED;
    case A2A_RECORD_INVALID:
        snprintf(reason, cap, "%s", rec->reason);
        return A2A_OUT_PARSE_ERROR;
    case A2A_RECORD_DISPATCH:
        break;
    }
    if (r->stopped) {
        snprintf(reason, cap, "%s", r->stop_reason);
        return (int)r->stop_outcome;
    }
    if (r->cfg->dry_run) {
        snprintf(reason, cap, "dry run");
        return A2A_OUT_ACKNOWLEDGED;
    }
    return -1;
}

/* The result of a record as read and parsed (rec NULL: it could not be parsed), no call. */
static void result_of(struct a2a_result *res, const struct run *r, const struct a2a_raw_record *raw,
                      const struct a2a_record *rec, enum a2a_outcome outcome, const char *reason)
{
    memset(res, 0, sizeof(*res));
    res->position = raw->position;
    res->file = raw->file;
    res->offset = raw->offset;
    if (rec != NULL) {
        res->has_seq = rec->has_seq;
        res->seq = rec->seq;
        res->has_event_name = rec->has_event_name;
        res->event_name = rec->event_name;
    }
    res->outcome = outcome;
    res->reason = reason;
    res->raw.ptr = raw->bytes;
    res->raw.len = r->cfg->keep_raw ? raw->len : 0;
}

/*
 * Placing the record failed (no slot, no memory): keep it, pointing into the input buffer
 * (valid: nothing more is read), for salvage() to list last. An outcome < 0 means it needed
 * a call: salvage() says why it got none.
 */
static void keep_unplaced(struct run *r, const struct a2a_raw_record *raw,
                          const struct a2a_record *rec, int outcome, const char *reason)
{
    snprintf(r->unplaced_reason, sizeof(r->unplaced_reason), "%s", outcome >= 0 ? reason : "");
    result_of(&r->unplaced, r, raw, rec,
              outcome >= 0 ? (enum a2a_outcome)outcome : A2A_OUT_INTERRUPTED, r->unplaced_reason);
    r->has_unplaced = 1;
}

static int process(struct run *r, const struct a2a_raw_record *raw)
{
    struct a2a_record rec;
    struct slot *s;
    char reason[A2A_REASON_MAX];
    int outcome;

    r->st->records++;
    if (a2a_record_parse(&r->parser, raw->bytes, raw->len, raw->non_ascii, &rec) != 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "out of memory parsing record %llu",
                      (unsigned long long)raw->position);
        keep_unplaced(r, raw, NULL, -1, NULL);
        return -1;
    }
    outcome = immediate_outcome(r, &rec, reason, sizeof(reason));
    if (outcome >= 0 && r->count == 0) {
        /* Nothing ahead of it: hand it over straight from the input buffer, no copy. */
        struct a2a_result res;
        result_of(&res, r, raw, &rec, (enum a2a_outcome)outcome, reason);
        if (deliver(r, &res) != 0) {
            keep_unplaced(r, raw, &rec, outcome, reason);
            return -1;
        }
        return 0;
    }
    s = claim_slot(r);
    if (s == NULL || fill_slot(r, s, raw, &rec) != 0) {
        r->count -= s != NULL; /* give the slot back: the record stays unplaced */
        keep_unplaced(r, raw, &rec, outcome, reason);
        return -1;
    }
    if (outcome < 0 && r->stopped) {
        outcome = immediate_outcome(r, &rec, reason, sizeof(reason)); /* stopped meanwhile */
    }
    if (outcome >= 0) {
        s->job.res.outcome = (enum a2a_outcome)outcome;
        memcpy(s->job.res.reason, reason, sizeof(s->job.res.reason));
        s->done = 1;
        return commit(r);
    }
    if (build_job(&s->job, &rec.pending) != 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "out of memory building a request");
        return -1;
    }
    r->st->dispatched++;
    a2a_dispatch_add(r->pool, &s->job);
    return pump(r, 0);
}

/*
 * The input is about to wait on a pipe: keep the calls in flight moving meanwhile, so that a
 * slow producer (get-records page by page) never starves or times out calls already made.
 */
static void on_input_wait(void *ctx, int fd)
{
    struct run *r = ctx;

    while (r->pool != NULL && a2a_dispatch_pending(r->pool) > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        if (poll(&pfd, 1, 0) != 0 || r->stopped) {
            break; /* readable, closed or failed (read() will say), or stopping */
        }
        if (a2a_dispatch_run(r->pool, PUMP_WAIT_MS, fd, &r->st->err) != 0) {
            break;
        }
        check_stop(r);
        if (commit(r) != 0) {
            break;
        }
    }
}

static int setup(struct run *r, struct a2a_error *err)
{
    const struct a2a_run_config *cfg = r->cfg;
    struct a2a_input_config icfg = cfg->input;

    icfg.wait_hook = on_input_wait;
    icfg.wait_ctx = r;
    if (a2a_input_open(&r->in, &icfg, err) != 0) {
        return -1;
    }
    if (cfg->dry_run) {
        return 0;
    }
    r->nslots = cfg->window > 0 ? cfg->window : DEFAULT_WINDOW;
    r->slots = calloc(r->nslots, sizeof(*r->slots));
    if (r->slots == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    return a2a_dispatch_new(&r->pool, &cfg->dispatch, &cfg->log, on_job_done, r, err);
}

static void teardown(struct run *r)
{
    if (r->pool != NULL && a2a_dispatch_pending(r->pool) > 0) {
        a2a_dispatch_abandon(r->pool, A2A_OUT_INTERRUPTED, "run ended early");
    }
    a2a_dispatch_free(&r->pool);
    for (size_t i = 0; i < r->nslots; i++) {
        a2a_job_release(&r->slots[i].job);
        a2a_buf_free(&r->slots[i].text);
    }
    free(r->slots);
    a2a_record_parser_free(&r->parser);
    a2a_input_free(&r->in);
}

/*
 * The run cannot go on (out of memory, a failed engine thread): still hand over every record
 * already read, so that none is left out of the response as if it had been acknowledged.
 * Calls in flight are abandoned and queued ones never start; all are listed as interrupted.
 */
static void salvage(struct run *r)
{
    struct a2a_error cause = r->st->err;
    char reason[A2A_REASON_MAX];

    snprintf(reason, sizeof(reason), "the run stopped before a 2xx: %.200s", cause.msg);
    if (r->pool != NULL && a2a_dispatch_pending(r->pool) > 0) {
        a2a_dispatch_abandon(r->pool, A2A_OUT_INTERRUPTED, reason);
    }
    for (size_t i = 0; i < r->count; i++) {
        struct slot *s = &r->slots[(r->head + i) % r->nslots];
        if (!s->done) { /* read, but its call was never built */
            a2a_job_abandon(&s->job, A2A_OUT_INTERRUPTED, 0, reason, a2a_now_ms());
            s->done = 1;
        }
    }
    /* Best effort from here on: out of memory again leaves the rest unlisted, and the run
     * fails (exit 3) either way. The unplaced record comes last: it was read last. */
    if (commit(r) == 0 && r->has_unplaced) {
        if (r->unplaced.outcome == A2A_OUT_INTERRUPTED) {
            snprintf(r->unplaced_reason, sizeof(r->unplaced_reason), "%s", reason);
        }
        (void)deliver(r, &r->unplaced);
    }
    r->st->err = cause; /* the first failure is the one to report */
}

/* Reads and processes every record. Returns 0 (input fully read or input error) or -1. */
static int read_all(struct run *r)
{
    struct a2a_raw_record raw;
    struct a2a_error in_err = {.code = A2A_OK};

    for (;;) {
        int got;

        check_stop(r);
        got = a2a_input_next(r->in, &raw, &in_err);
        if (got == 0) {
            return 0;
        }
        if (got < 0) {
            if (in_err.code == A2A_E_INTERRUPTED) {
                r->st->input_unread = 1;
            } else if (in_err.code == A2A_E_NOMEM) {
                a2a_error_set(&r->st->err, in_err.code, "%s", in_err.msg);
                return -1;
            } else {
                r->st->input_error = 1;
                r->st->input_limit = a2a_input_limit(r->in);
            }
            a2a_error_set(&r->st->err, in_err.code, "%s", in_err.msg);
            return 0;
        }
        if (process(r, &raw) != 0) {
            return -1;
        }
    }
}

int a2a_run(const struct a2a_run_config *cfg, struct a2a_response *resp,
            struct a2a_run_stats *stats)
{
    struct run r;
    int64_t started = a2a_now_ms();
    int rc = -1;

    memset(&r, 0, sizeof(r));
    memset(stats, 0, sizeof(*stats));
    r.cfg = cfg;
    r.resp = resp;
    r.st = stats;
    if (setup(&r, &stats->err) != 0) {
        goto out;
    }
    if (read_all(&r) != 0) {
        goto out;
    }
    while (r.pool != NULL && a2a_dispatch_pending(r.pool) > 0) {
        if (pump(&r, PUMP_WAIT_MS) != 0) {
            goto out;
        }
    }
    if (commit(&r) != 0) {
        goto out;
    }
    check_stop(&r); /* a signal during the last call still counts */
    rc = 0;
out:
    stats->answered = r.pool != NULL && a2a_dispatch_answered(r.pool);
    if (rc != 0) {
        salvage(&r);
    }
    teardown(&r);
    stats->elapsed_ms = a2a_now_ms() - started;
    return rc;
}
