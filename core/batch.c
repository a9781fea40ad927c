#include "batch.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "record.h"
#include "request.h"
#include "retry.h"

#define DEFAULT_WINDOW   4096
#define DEFAULT_DRAIN_MS 500
#define PUMP_WAIT_MS     50   /* bounds how late a signal is noticed */
#define QUIET_SAY_MS     5000 /* calls out this long with no word back: said, once a stall */

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
    int no_dynamodb;
    struct a2a_redrive_message *msg; /* borrowed from run.rd: its message; NULL for none */
};

struct run {
    const struct a2a_run_config *cfg;
    size_t key_header_max; /* A2A_REQUEST_KEY_HEADER_MAX, or its https limit */
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
    struct a2a_redrive_message *unplaced_msg;
    char unplaced_reason[A2A_REASON_MAX];
    enum a2a_outcome stop_outcome; /* NOT_ATTEMPTED or INTERRUPTED once stopped */
    int stopped;
    char stop_reason[A2A_REASON_MAX];
    /* The last record read, for the resume point. */
    size_t last_input;
    uint64_t last_end; /* byte after it in its input */
    uint64_t last_position;
    int last_has_seq;
    struct a2a_buf last_seq;         /* owned */
    int input_done;                  /* the input was read to its end */
    int64_t tick_ms;                 /* when on_tick was last called */
    struct a2a_redrive *rd;          /* owned: messages in flight, ranges read */
    struct a2a_redrive_message *cur; /* borrowed from rd: the message being read, or NULL */
    uint64_t cur_index;              /* its index */
    int cur_duplicate;               /* its range was read for an earlier message */
    uint64_t positions;              /* records numbered so far, pointers' ranges included */
    int said_no_dynamodb;            /* a record without "dynamodb" was pointed out */
    /* Calls out with no word back (no answer, no retry): said once a stall. */
    uint64_t heard;           /* jobs back and retries told, so far */
    uint64_t heard_before;    /* ... at the last pump */
    int64_t quiet_since_ms;   /* when the count last moved, or calls went out */
    int64_t retry_wait_until; /* a retry told of waits until then: its line said why */
    int said_quiet;
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
        ev.input_message = res->file_names_message ? 0 : res->message; /* a stream page's */
    }
    r->cfg->log.emit(r->cfg->log.ctx, &ev);
}

/*
 * A record with no "dynamodb" at all is no stream record: the input is likely something
 * else (a2a-recover's own --report fed back, say). Its records are still classified by the
 * handler's rules, each with its error; this says what they have in common, once a run.
 */
static void say_no_dynamodb(struct run *r, const struct a2a_result *res)
{
    if (!res->no_dynamodb || r->said_no_dynamodb) {
        return;
    }
    r->said_no_dynamodb = 1;
    if (res->no_dynamodb == A2A_NO_DDB_SQS) {
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_RECOVER, res,
                  "the record is an SQS message (MessageId, Body), not a DynamoDB stream record: "
                  "to redrive on-failure messages, give receive-message's output whole, "
                  "{\"Messages\":[...]} (jq '{Messages: .}' wraps a bare array of them; jq -s "
                  "'{Messages: .}' one message a line); each record like it is still "
                  "classified as the handler would (said once)");
        return;
    }
    /* an error, not a warning: with -q it is what explains the errors around it */
    log_event(r, A2A_LOG_ERROR, A2A_TARGET_RECOVER, res,
              "the record has no \"dynamodb\" member, so it is not a DynamoDB stream record: "
              "is the input a2a-recover's --report, or other JSON? (to replay what failed, give "
              "the --failed-out file); each record like it is still classified as the handler "
              "would, and cannot be listed for retry (said once)");
}

static void log_result(struct run *r, const struct a2a_result *res)
{
    char line[A2A_REASON_MAX + 160];

    switch (res->outcome) {
    case A2A_OUT_PARSE_ERROR:
        say_no_dynamodb(r, res);
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_PARSE_ERROR, res, res->reason);
        break;
    case A2A_OUT_TRANSIENT:
        /* without a SequenceNumber it cannot be listed: the next line says so */
        snprintf(line, sizeof(line), "transient failure%s: %s",
                 res->has_seq ? ", listed for retry" : "", res->reason);
        log_event(r, A2A_LOG_WARN, A2A_TARGET_TRANSIENT, res, line);
        break;
    case A2A_OUT_REJECTED:
        /* A record refused before any call (one that cannot be sent) says only why. */
        snprintf(line, sizeof(line), "%s%s",
                 res->attempts > 0 ? "dispatcher rejected the record: " : "", res->reason);
        /* A fail-fast verdict is said once, for the whole run: per record it is detail. */
        log_event(r, res->fail_fast ? A2A_LOG_DEBUG : A2A_LOG_ERROR, A2A_TARGET_RECOVER, res, line);
        break;
    default:
        if (res->odd_answer) {
            /* a 2xx consumes the marker (endpoint contract), but this one may be no redispatch */
            snprintf(line, sizeof(line), "acknowledged, as any 2xx is, but: %s", res->reason);
            log_event(r, A2A_LOG_WARN, A2A_TARGET_RECOVER, res, line);
            return;
        }
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

/* Every result passes here exactly once, in input order; m is the record's message or NULL. */
static int deliver(struct run *r, const struct a2a_result *res, struct a2a_redrive_message *m)
{
    struct a2a_run_stats *st = r->st;
    struct a2a_result tagged;

    if (m != NULL) {
        tagged = *res;
        a2a_redrive_describe(m, &tagged);
        res = &tagged;
    }
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
    case A2A_OUT_WOULD_DISPATCH:
        st->would_dispatch++;
        break;
    default:
        break;
    }
    if ((unsigned)res->outcome < A2A_OUT__MAX) {
        st->by_outcome[res->outcome]++;
    }
    if (res->attempts > 0) {
        st->dispatched++; /* sent at least once: a queued call never started is not */
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
    if (m != NULL) {
        /* after the record's own lines */
        a2a_redrive_settled(r->rd, m, res->outcome, res->fail_fast);
    }
    return 0;
}

/* Which record the slot holds: the part of its result that is the reader's, not the pool's. */
static void identity_from_slot(const struct slot *s, struct a2a_result *res)
{
    memset(res, 0, sizeof(*res));
    res->position = s->position;
    res->file = s->text.data + s->seq_len + s->event_len + s->raw_len;
    res->offset = s->offset;
    res->has_seq = s->has_seq;
    res->seq.ptr = s->text.data;
    res->seq.len = s->seq_len;
    res->has_event_name = s->has_event_name;
    res->no_dynamodb = s->no_dynamodb;
    res->event_name.ptr = s->text.data + s->seq_len;
    res->event_name.len = s->event_len;
    res->raw.ptr = s->text.data + s->seq_len + s->event_len;
    res->raw.len = s->raw_len;
}

static void result_from_slot(const struct slot *s, struct a2a_result *res)
{
    identity_from_slot(s, res);
    res->outcome = s->job.res.outcome;
    res->reason = s->job.res.reason;
    res->http_status = s->job.res.http_status;
    res->attempts = s->job.res.attempts;
    res->fail_fast = s->job.res.fail_fast;
    res->odd_answer = s->job.res.odd_answer;
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
        if (deliver(r, &res, s->msg) != 0) {
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
    struct run *r = ctx;

    r->st->in_flight--;
    r->heard++;
    s->done = 1;
}

/* "in 8.0 s", "in 15 s": how long a retry waits, as an operator reads it. */
static void format_wait(char *out, size_t cap, int64_t ms)
{
    if (ms < 10000) {
        snprintf(out, cap, "%.1f s", (double)ms / 1000.0);
    } else {
        snprintf(out, cap, "%lld s", (long long)((ms + 500) / 1000));
    }
}

/*
 * An attempt failed and will be made again: said as it happens, since the wait is otherwise
 * silent (a Retry-After of minutes holds the record, and the run's end, as long). The job is
 * the pool's meanwhile: only the slot's own fields are read.
 */
static void on_job_retry(void *ctx, const struct a2a_retry_note *note)
{
    struct run *r = ctx;
    struct slot *s = note->user;
    struct a2a_result res;
    char wait[32];
    char line[A2A_REASON_MAX + 160];
    int64_t until;

    r->st->retries++;
    r->heard++;
    until = a2a_now_ms() + note->delay_ms;
    r->retry_wait_until = until > r->retry_wait_until ? until : r->retry_wait_until;
    identity_from_slot(s, &res);
    if (s->msg != NULL) {
        a2a_redrive_describe(s->msg, &res);
    }
    format_wait(wait, sizeof(wait), note->delay_ms);
    snprintf(line, sizeof(line), "attempt %u of %u failed: %s; trying again in %s%s", note->attempt,
             note->attempts, note->reason, wait,
             note->asked ? ", as the dispatcher's Retry-After asked" : "");
    log_event(r, A2A_LOG_WARN, A2A_TARGET_TRANSIENT, &res, line);
}

/* Retries past the pool's bound on notes: counted all the same, said in one line. */
static void on_job_retries_dropped(void *ctx, uint64_t dropped)
{
    struct run *r = ctx;
    char line[120];

    r->st->retries += dropped;
    snprintf(line, sizeof(line), "%llu more attempts failed and will be made again (not named)",
             (unsigned long long)dropped);
    log_event(r, A2A_LOG_WARN, A2A_TARGET_TRANSIENT, NULL, line);
}

/* Lets the caller's progress display redraw: after calls came back, and while waiting. */
static void tick(struct run *r)
{
    if (r->cfg->on_tick == NULL) {
        return;
    }
    r->st->input_offset = a2a_input_current_offset(r->in);
    r->st->input_index = a2a_input_current_index(r->in);
    r->cfg->on_tick(r->cfg->result_ctx, r->st);
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

/*
 * "REASON (fail-fast)" in a reason's room: a reason too long is cut at a space, with "...",
 * never mid-word (nor mid-character).
 */
static void fail_fast_why(char *why, size_t cap, const char *reason)
{
    static const char suffix[] = " (fail-fast)";
    static const char cut[] = "\xe2\x80\xa6"; /* U+2026, the ellipsis */
    size_t room = cap - sizeof(suffix);       /* the NUL counted once, in sizeof(suffix) */
    size_t len = strlen(reason);

    if (len > room) {
        len = room - (sizeof(cut) - 1);
        while (len > 0 && reason[len] != ' ') {
            len--;
        }
        snprintf(why, cap, "%.*s%s%s", (int)len, reason, cut, suffix);
        return;
    }
    snprintf(why, cap, "%s%s", reason, suffix);
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
        char why[A2A_REASON_MAX];
        r->st->fatal_status = fatal;
        r->st->fatal_cause =
            a2a_dispatch_fatal_reason(r->pool, r->st->fatal_reason, sizeof(r->st->fatal_reason));
        if (fatal > 0 && !a2a_http_is_success(fatal)) {
            snprintf(why, sizeof(why),
                     "the dispatcher answered HTTP %d to an earlier call (fail-fast)", fatal);
        } else {
            fail_fast_why(why, sizeof(why), r->st->fatal_reason);
        }
        stop(r, A2A_OUT_NOT_ATTEMPTED, why);
    }
}

/*
 * A breaker that tripped on a row of error answers (engine.c) as the last calls ended stopped
 * nothing: every record was sent and each failure is listed. The run ends as one that met
 * transient failures (exit 1), not as one stopped (review 67: 40 of 48 acknowledged, exit 5).
 */
static void forgive_late_trip(struct run *r)
{
    struct a2a_run_stats *st = r->st;

    if (a2a_http_classify(st->fatal_status) == A2A_HTTP_TRANSIENT &&
        st->by_outcome[A2A_OUT_NOT_ATTEMPTED] == 0 && st->by_outcome[A2A_OUT_ABANDONED] == 0 &&
        !st->cancelled && !st->input_unread && !st->range_unread &&
        (r->rd == NULL || a2a_redrive_stats(r->rd)->cut == 0)) {
        st->fatal_status = 0;
        st->fatal_reason[0] = '\0';
    }
}

/*
 * Calls out for QUIET_SAY_MS with no answer and no retry: said, since the first word would
 * otherwise come only with --timeout (30 s by default, then each retry's), and a dispatcher
 * that takes connections and never answers looks like a hang (review 65). Not while a retry
 * waits out the delay its own line gave.
 */
static void check_quiet(struct run *r)
{
    int64_t now = a2a_now_ms();
    char line[200];

    if (r->st->in_flight == 0 || r->heard != r->heard_before) {
        r->heard_before = r->heard;
        r->quiet_since_ms = now;
        r->said_quiet = 0;
        return;
    }
    if (r->said_quiet || now < r->retry_wait_until || now - r->quiet_since_ms < QUIET_SAY_MS) {
        return;
    }
    r->said_quiet = 1;
    snprintf(line, sizeof(line),
             "%llu call%s out and no answer for %lld s; an attempt waits up to --timeout (%.3g "
             "s), then is tried again",
             (unsigned long long)r->st->in_flight, r->st->in_flight == 1 ? "" : "s",
             (long long)((now - r->quiet_since_ms) / 1000),
             (double)r->cfg->dispatch.timeout_ms / 1000.0);
    log_event(r, A2A_LOG_WARN, A2A_TARGET_TRANSIENT, NULL, line);
}

static int pump(struct run *r, int wait_ms)
{
    if (r->pool != NULL && a2a_dispatch_run(r->pool, wait_ms, -1, &r->st->err) != 0) {
        return -1;
    }
    if (r->pool != NULL) {
        check_quiet(r);
    }
    check_stop(r);
    if (commit(r) != 0) {
        return -1;
    }
    tick(r);
    return 0;
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
    s->msg = NULL;
    a2a_buf_reset(&s->text);
    return s;
}

static int fill_slot(struct run *r, struct slot *s, const struct a2a_raw_record *raw,
                     const struct a2a_record *rec)
{
    int rc = 0;

    s->position = raw->position;
    s->msg = r->cur;
    s->offset = raw->offset;
    s->has_seq = rec->has_seq;
    s->has_event_name = rec->has_event_name;
    s->no_dynamodb = rec->no_dynamodb;
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
    if (a2a_request_key_header_too_long(&rec->pending, r->key_header_max) != 0) {
        /* Not transient: libcurl fails it on every replay, before or while sending. */
        snprintf(
            reason, cap,
            "the record cannot be sent: its Idempotency-Key header would be %zu bytes, "
            "more than the %zu a request can carry%s (tenant and taskId are "
            "percent-encoded in it)",
            a2a_request_key_header_too_long(&rec->pending, r->key_header_max), r->key_header_max,
            r->key_header_max == A2A_REQUEST_KEY_HEADER_MAX_HTTPS ? " over https (HTTP/2)" : "");
        return A2A_OUT_REJECTED;
    }
    if (r->cfg->dry_run) {
        /* Before the stop: a dry run calls no one, so what the drain still reads after a
         * signal is classified like the rest, not reported as unacknowledged. */
        snprintf(reason, cap, "dry run");
        return A2A_OUT_WOULD_DISPATCH;
    }
    if (r->stopped) {
        snprintf(reason, cap, "%s", r->stop_reason);
        return (int)r->stop_outcome;
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
        res->no_dynamodb = rec->no_dynamodb;
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
    r->unplaced_msg = r->cur;
    r->has_unplaced = 1;
}

static int process(struct run *r, const struct a2a_raw_record *read)
{
    struct a2a_raw_record numbered = *read;
    const struct a2a_raw_record *raw = &numbered;
    struct a2a_record rec;
    struct slot *s;
    char reason[A2A_REASON_MAX];
    int outcome;

    /* Numbered here: a pointer's records come from inputs of their own, counted from 1. */
    numbered.position = ++r->positions;
    r->st->records++;
    if (r->cur != NULL) {
        a2a_redrive_placed(r->cur); /* every path below ends in one deliver() */
    }
    if (a2a_record_parse_with(&r->parser, raw->bytes, raw->len, raw->non_ascii, raw->envelope,
                              &rec) != 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "out of memory parsing record %llu",
                      (unsigned long long)raw->position);
        keep_unplaced(r, raw, NULL, -1, NULL);
        return -1;
    }
    /*
     * Kept for the resume point: the last record of the input itself. A message's records
     * (from a stream range or an S3 payload) are not places in the input: resuming starts
     * again at the message, which is safe to replay.
     */
    if (r->cur == NULL) {
        r->last_input = raw->input;
        r->last_end = raw->offset + raw->len;
        r->last_position = raw->position;
        a2a_buf_reset(&r->last_seq);
        r->last_has_seq =
            rec.has_seq && a2a_buf_append(&r->last_seq, rec.seq.ptr, rec.seq.len) == 0;
    }
    outcome = immediate_outcome(r, &rec, reason, sizeof(reason));
    if (outcome >= 0 && r->count == 0) {
        /* Nothing ahead of it: hand it over straight from the input buffer, no copy. */
        struct a2a_result res;
        result_of(&res, r, raw, &rec, (enum a2a_outcome)outcome, reason);
        if (deliver(r, &res, r->cur) != 0) {
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
    if (r->st->in_flight == 0) {
        /* the first call out after none were: no quiet spell before it counts (review 68: a
           wait for input made "no answer for 5 s" of a call just sent) */
        r->quiet_since_ms = a2a_now_ms();
        r->said_quiet = 0;
    }
    r->st->in_flight++;
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

    check_stop(r);
    tick(r);
    while (r->pool != NULL && a2a_dispatch_pending(r->pool) > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};

        if (poll(&pfd, 1, 0) != 0 || r->stopped) {
            break; /* readable, closed or failed (read() will say), or stopping */
        }
        if (a2a_dispatch_run(r->pool, PUMP_WAIT_MS, fd, &r->st->err) != 0) {
            break;
        }
        check_quiet(r);
        check_stop(r);
        if (commit(r) != 0) {
            break;
        }
        tick(r);
    }
}

/* How a run reads its input: every shape a redrive reads, besides stream events. */
static struct a2a_input_config read_config(const struct a2a_input_config *input)
{
    struct a2a_input_config icfg = *input;

    icfg.shapes = 1;
    return icfg;
}

int a2a_run_check_resume(const struct a2a_input_config *input, struct a2a_resume_place *place,
                         struct a2a_error *err)
{
    struct a2a_input_config icfg = read_config(input);

    icfg.scan_ahead = 1; /* the check only reads: a regular file is read as fast as it can be */
    return a2a_input_check_resume(&icfg, place, err);
}

int a2a_run_stopped_in_check(const struct a2a_input_config *input, struct a2a_run_stats *stats)
{
    struct a2a_resume_point *rp = &stats->resume;

    memset(stats, 0, sizeof(*stats));
    stats->cancelled = 1;
    stats->input_unread = 1;
    rp->input = strdup(input->paths[0]);
    if (rp->input == NULL) {
        a2a_error_set(&stats->err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    rp->valid = 1;
    rp->input_resumable = 1; /* the check takes a regular file only */
    rp->offset = input->resume_offset;
    snprintf(rp->resume_arg, sizeof(rp->resume_arg), "%llu", (unsigned long long)rp->offset);
    return 0;
}

static int setup(struct run *r, struct a2a_error *err)
{
    const struct a2a_run_config *cfg = r->cfg;
    struct a2a_input_config icfg = read_config(&cfg->input);

    icfg.wait_hook = on_input_wait;
    icfg.wait_ctx = r;
    r->quiet_since_ms = a2a_now_ms();
    /*
     * Only a dry run waits on the scanner: when calls are made, reading is a small part of
     * the time, and the helper's two parts would only add to the window's memory.
     */
    icfg.scan_ahead = cfg->dry_run;
    if (a2a_input_open(&r->in, &icfg, err) != 0 ||
        a2a_redrive_new(&r->rd, &cfg->redrive, err) != 0) {
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
    struct a2a_dispatch_hooks hooks = {
        .on_done = on_job_done,
        .on_retry = on_job_retry,
        .on_retry_dropped = on_job_retries_dropped,
        .ctx = r,
    };
    return a2a_dispatch_new(&r->pool, &cfg->dispatch, &cfg->log, &hooks, err);
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
    a2a_buf_free(&r->last_seq);
    a2a_record_parser_free(&r->parser);
    a2a_input_free(&r->in);
    a2a_redrive_free(&r->rd);
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
        (void)deliver(r, &r->unplaced, r->unplaced_msg);
    }
    r->st->err = cause; /* the first failure is the one to report */
}

/* The input failed with in_err: stop reading (0), or, out of memory, stop the run (-1). */
static int input_failed(struct run *r, struct a2a_input *in, const struct a2a_error *in_err)
{
    if (in_err->code == A2A_E_INTERRUPTED) {
        r->st->input_unread = 1;
    } else if (in_err->code == A2A_E_NOMEM) {
        a2a_error_set(&r->st->err, in_err->code, "%s", in_err->msg);
        return -1;
    } else {
        r->st->input_error = 1;
        r->st->input_limit = a2a_input_limit(in);
        r->st->input_limit_needed = a2a_input_limit_needed(in);
        r->st->resume.input_encoding = a2a_input_encoding(in);
    }
    a2a_error_set(&r->st->err, in_err->code, "%s", in_err->msg);
    return 0;
}

/* No more items of the current message come. */
static void end_message(struct run *r)
{
    if (r->cur != NULL) {
        a2a_redrive_close(r->rd, r->cur); /* may free it */
        r->cur = NULL;
    }
}

/* Where reading began in input index: a resumed run's first input at its resume point. */
static uint64_t reading_began(const struct run *r, size_t index)
{
    return index == 0 ? r->cfg->input.resume_offset : 0;
}

/*
 * Tells the redrive where a continuation must start to read item's message again: the last
 * place before it in its input (the end of a record or of another message's value), or where
 * reading began in that input. The input's last record read is not enough: the invocation
 * records or "Records" elements of the messages between end after it, and a continuation that
 * starts there reads those messages again.
 */
static void resume_before(struct run *r, const struct a2a_item *item)
{
    size_t index = a2a_input_current_index(r->in);
    const struct a2a_message *m = &item->msg;

    if (m->has_place_before) {
        /* the record ending there, if one does: what the resume point names as read last */
        int at_record =
            r->last_position > 0 && r->last_input == index && r->last_end == m->place_before;
        a2a_redrive_resume_before(r->cur, m->place_before, at_record ? r->last_position : 0);
    } else {
        a2a_redrive_resume_before(r->cur, reading_began(r, index), 0);
    }
}

/*
 * Makes item's message the current one: a message ends where an item of another (or of
 * none) begins. The messages waiting for their records stay within the window, as records
 * do. Returns 0 or -1 (out of memory, or the pump failed).
 */
static int next_message(struct run *r, const struct a2a_item *item)
{
    if (r->cur != NULL && item->msg.via != A2A_VIA_NONE && item->msg.index == r->cur_index) {
        return 0;
    }
    end_message(r);
    if (item->msg.via == A2A_VIA_NONE) {
        return 0;
    }
    while (r->pool != NULL && a2a_redrive_in_flight(r->rd) >= r->nslots) {
        if (pump(r, PUMP_WAIT_MS) != 0) {
            return -1;
        }
    }
    r->cur = a2a_redrive_begin(r->rd, item, a2a_input_current_index(r->in));
    if (r->cur == NULL) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "out of memory holding message %llu",
                      (unsigned long long)item->msg.index);
        return -1;
    }
    resume_before(r, item);
    r->cur_index = item->msg.index;
    r->cur_duplicate = 0;
    return 0;
}

/* Reads the records of a pointer's range from its stream, in place. 0, or -1 (the run ends). */
static int expand(struct run *r, const struct a2a_item *item)
{
    struct a2a_input_config icfg;
    struct a2a_input *in = NULL;
    struct a2a_source src;
    struct a2a_raw_record raw;
    struct a2a_error err = {.code = A2A_OK};
    uint64_t read = 0;
    int got = 0;
    int rc = 0;

    if (r->stopped) {
        a2a_redrive_cut(r->cur); /* interrupted or failing fast: its range is not read */
        r->st->range_unread = 1; /* so the run is not complete, whatever else was read */
        return 0;
    }
    if (a2a_redrive_open_range(r->rd, r->cur, &item->range, &src, &err) != 0) {
        if (err.code == A2A_E_NOMEM) {
            a2a_error_set(&r->st->err, A2A_E_NOMEM, "%s", err.msg);
            return -1;
        }
        return 0; /* reported as unreadable; the rest of the input goes on */
    }
    memset(&icfg, 0, sizeof(icfg));
    icfg.source = &src;
    icfg.read_chunk = A2A_STREAM_READ_CHUNK;
    icfg.max_record = r->cfg->input.max_record;
    icfg.cancel = r->cfg->input.cancel;
    if (a2a_input_open(&in, &icfg, &err) != 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "%s", err.msg);
        rc = -1;
        goto out;
    }
    for (;;) {
        check_stop(r);
        got = a2a_input_next(in, &raw, &err);
        if (got <= 0) {
            break;
        }
        read++;
        if (process(r, &raw) != 0) {
            rc = -1;
            goto out;
        }
    }
    if (got < 0) {
        if (err.code == A2A_E_INTERRUPTED) {
            a2a_redrive_cut(r->cur);
        } else {
            a2a_redrive_fail(r->cur);
        }
        if (err.code == A2A_E_NOMEM) {
            a2a_error_set(&r->st->err, A2A_E_NOMEM, "%s", err.msg);
            rc = -1;
            goto out;
        }
        if (err.code == A2A_E_INTERRUPTED) {
            r->st->range_unread = 1; /* the input itself may still be read to its end */
        }
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_RECOVER, NULL, err.msg);
        goto out;
    }
    if (!a2a_redrive_range_failed(r->rd) && read != item->range.batch_size) {
        char line[A2A_ERROR_MSG_MAX];
        snprintf(line, sizeof(line),
                 "%s: message %llu: its range holds %llu record%s, \"batchSize\" says %llu (%s)",
                 item->msg.input, (unsigned long long)item->msg.index, (unsigned long long)read,
                 read == 1 ? "" : "s", (unsigned long long)item->range.batch_size,
                 read > item->range.batch_size
                     ? "records of other batches replay safely: the endpoint is idempotent"
                     : "the range was read from its first record through its last");
        r->st->warnings++;
        log_event(r, A2A_LOG_WARN, A2A_TARGET_RECOVER, NULL, line);
    }
out:
    a2a_input_free(&in);
    if (rc == 0 && !r->stopped) {
        a2a_redrive_range_done(r->rd); /* may call the endpoint: not on the way out */
    }
    a2a_redrive_close_range(r->rd);
    return rc;
}

/* Says that the pointer's message names a range named before, and what is done with it. */
static void log_named_before(struct run *r, const struct a2a_item *item, int duplicate)
{
    char line[400];
    char id[120] = "";

    if (item->msg.has_message_id) {
        char q[100];
        a2a_quote_for_message(q, sizeof(q), item->msg.message_id, 64);
        snprintf(id, sizeof(id), " (MessageId %s)", q);
    }
    snprintf(line, sizeof(line),
             "%s: message %llu%s at byte %llu names a range an earlier message %s", item->msg.input,
             (unsigned long long)item->msg.index, id, (unsigned long long)item->msg.offset,
             duplicate ? "named: read once, and this message is acked exactly when that one is"
                       : "did not read in full: read again for this message, which is acked on "
                         "its own (records read for both are sent twice: the endpoint is "
                         "idempotent)");
    log_event(r, A2A_LOG_INFO, A2A_TARGET_RECOVER, NULL, line);
}

/* A pointer: its range read once, from the stream or from the S3 payload that follows it. */
static int use_pointer(struct run *r, const struct a2a_item *item)
{
    struct a2a_error err = {.code = A2A_OK};
    int seen = a2a_redrive_claim_range(r->rd, r->cur, &item->range, &err);

    if (seen < 0) {
        a2a_error_set(&r->st->err, A2A_E_NOMEM, "%s", err.msg);
        return -1;
    }
    if (seen > 0) {
        log_named_before(r, item, seen == 1);
    }
    if (seen == 1) {
        r->cur_duplicate = 1; /* the records of its S3 payload, if any, are skipped too */
        return 0;
    }
    if (item->range.inline_records) {
        return 0; /* its records follow as items, checked against the range */
    }
    return expand(r, item);
}

static int use_item(struct run *r, const struct a2a_item *item)
{
    if (next_message(r, item) != 0) {
        return -1;
    }
    switch (item->kind) {
    case A2A_ITEM_RECORD:
        return r->cur != NULL && r->cur_duplicate ? 0 : process(r, &item->rec);
    case A2A_ITEM_POINTER:
        return use_pointer(r, item);
    case A2A_ITEM_MESSAGE_ERROR:
        if (r->cur != NULL && r->cur_duplicate) {
            /* After its pointer only a payload short of its batch fails a message; this one's
               range was read for an earlier message, and its fate is that one's. */
            char line[400];
            snprintf(line, sizeof(line),
                     "%s: message %llu: its payload is not the whole batch, but it names a range "
                     "an earlier message named: it is acked exactly when that one is",
                     item->msg.input, (unsigned long long)item->msg.index);
            r->st->warnings++;
            log_event(r, A2A_LOG_WARN, A2A_TARGET_RECOVER, NULL, line);
            return 0;
        }
        r->st->message_errors++;
        log_event(r, A2A_LOG_ERROR, A2A_TARGET_RECOVER, NULL, item->text);
        a2a_redrive_unusable(r->rd, r->cur, &item->msg, item->text);
        return 0;
    case A2A_ITEM_WARNING:
        r->st->warnings++;
        log_event(r, A2A_LOG_WARN, A2A_TARGET_RECOVER, NULL, item->text);
        return 0;
    }
    return 0;
}

/* Reads and processes every item. Returns 0 (input fully read or input error) or -1. */
static int read_all(struct run *r)
{
    struct a2a_item item;
    struct a2a_error in_err = {.code = A2A_OK};
    int rc = 0;

    for (;;) {
        int got;

        check_stop(r);
        got = a2a_input_next_item(r->in, &item, &in_err);
        if (got <= 0) {
            r->input_done = got == 0;
            rc = got < 0 ? input_failed(r, r->in, &in_err) : 0;
            break;
        }
        if (use_item(r, &item) != 0) {
            rc = -1;
            a2a_redrive_cut(r->cur); /* the run fails: its message is not done, never acked */
            break;
        }
    }
    end_message(r);
    return rc;
}

/* The redrive's counts, into the run's. */
static void copy_redrive_stats(struct run *r)
{
    const struct a2a_redrive_stats *rs;

    if (r->rd == NULL) {
        return;
    }
    rs = a2a_redrive_stats(r->rd);
    r->st->messages = rs->messages;
    r->st->messages_acked = rs->acked;
    r->st->duplicates = rs->duplicates;
    r->st->ranges_read = rs->ranges_read;
    r->st->ranges_unreadable = rs->ranges_unreadable;
    r->st->messages_cut = rs->cut;
    r->st->messages_records_failed = rs->records_failed;
    r->st->streams_unanswered = a2a_redrive_endpoint_unanswered(r->rd);
}

/*
 * Moves the resume point before the first message to read again (redrive.h), in input k: the
 * stop cut it (its range not read in full, or its records not answered), or it failed in a way
 * that may pass when sent again (a transient error; the answer that stopped the run, a wrong
 * URL or a refused token, is the run's). A continuation that started after it would skip it for
 * good, even when the input was read to its end. The messages and records between are read
 * again: replaying them is safe. A message that failed for a reason of its own is not: its
 * failure is reported, as in a run read to its end, and read again it would fail again and hold
 * every continuation behind it. Nothing is moved when the name cannot be held (out of memory).
 */
static void move_before_redo(struct run *r, struct a2a_resume_point *rp,
                             const struct a2a_redrive_stats *rs, size_t index)
{
    const struct a2a_input_config *ic = &r->cfg->input;
    size_t k = rs->first_redo_input;
    const char *path = ic->mem != NULL ? ic->mem_name : ic->npaths == 0 ? "-" : ic->paths[k];
    int is_stdin = ic->mem == NULL && strcmp(path, "-") == 0;
    char *name = strdup(k == index ? a2a_input_current_name(r->in) : is_stdin ? "<stdin>" : path);
    struct stat st;

    if (name == NULL) {
        return;
    }
    /* the input reading stopped in said it already; one read to its end is closed: a regular
     * file can be read again from its start, standard input and a pipe cannot */
    if (!rp->valid || k != index) {
        rp->input_resumable =
            ic->mem == NULL && !is_stdin && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    }
    free(rp->input);
    rp->input = name;
    rp->valid = 1;
    rp->input_index = k;
    rp->offset = rs->first_redo_resume;
    rp->last_position = rs->first_redo_after;
    rp->has_last_seq = 0;
    a2a_buf_reset(&rp->last_seq);
    /* the input that failed is a later one: the second way on (skip the input named) would not
     * skip it; in the same input it skips the message with the rest, and says so */
    rp->input_failed = rp->input_failed && k == index;
    rp->unfinished_message = rs->first_redo;
    rp->unfinished_cut = rs->first_redo_cut;
    rp->before_message = rs->first_redo; /* a read from its place reads it first */
    rp->failed_before = rs->first_redo_failed_before;
    rp->after_message = 0;
}

/*
 * A message's value (an invocation record, an element of "Records" or of "Messages") may end
 * after the input's last record read: the place after it is then later, and starting there
 * keeps the message from being read again. A message the stop left unfinished moves it before
 * that one (move_before_redo()).
 */
static void message_place(struct run *r, struct a2a_resume_point *rp)
{
    uint64_t end;
    uint64_t message;
    uint64_t held;

    if (r->cfg->input.source != NULL || r->rd == NULL) {
        return;
    }
    /* not a message the redrive never held (it failed before): only a held one can be cut */
    held = a2a_redrive_stats(r->rd)->messages;
    if (a2a_input_message_place(r->in, &end, &message) && message <= held && end > rp->offset) {
        rp->offset = end;
        rp->after_message = message;
    }
}

/*
 * Reading stopped before the end, or a stop cut a message: names the place to continue from,
 * the byte after the last record (or message) read from the input reading stopped in (every
 * one before it was handed over), or the place before the first message cut, when that comes
 * first.
 */
static void fill_resume_point(struct run *r)
{
    struct a2a_resume_point *rp = &r->st->resume;
    const struct a2a_redrive_stats *rs = r->rd != NULL ? a2a_redrive_stats(r->rd) : NULL;
    size_t index;

    if (r->in == NULL) {
        return;
    }
    index = a2a_input_current_index(r->in);
    /* the last input reading reached, and how far: for what names it again */
    r->st->input_index = index;
    r->st->input_offset = a2a_input_current_offset(r->in);
    if (!r->input_done) {
        rp->input = strdup(a2a_input_current_name(r->in));
        if (rp->input == NULL) {
            return; /* out of memory: no resume point, the run fails for that reason anyway */
        }
        rp->valid = 1;
        rp->input_index = index;
        rp->input_resumable = a2a_input_current_resumable(r->in);
        rp->input_failed = r->st->input_error;
        if (r->last_position > 0 && r->last_input == index) {
            rp->offset = r->last_end;
        } else {
            rp->offset = reading_began(r, index);
        }
        message_place(r, rp);
        /* a file's last record is of the file named, not of an earlier one ("empty.json
         * byte 0, after record 300" named a record empty.json never held); a source's inputs
         * are its pages, and its place() says whose the last record is (a shard's) */
        if (r->last_position > 0 && (r->last_input == index || r->cfg->input.source != NULL)) {
            rp->last_position = r->last_position;
            rp->has_last_seq = r->last_has_seq && a2a_buf_append(&rp->last_seq, r->last_seq.data,
                                                                 r->last_seq.len) == 0;
        }
    }
    /* at the same offset too, so that the line names the message */
    if (rs != NULL && rs->first_redo != 0 && r->cfg->input.source == NULL &&
        (rp->valid || rs->first_cut != 0) && /* the run is incomplete */
        (!rp->valid || rs->first_redo_input < index ||
         (rs->first_redo_input == index && rs->first_redo_resume <= rp->offset))) {
        move_before_redo(r, rp, rs, index);
    } else if (rs != NULL && rp->valid) {
        rp->failed_before = a2a_redrive_failed_before(rs, rp->input_index, rp->offset);
    }
    if (!rp->valid) {
        return;
    }
    /* Byte offsets name a place only in the files of the command line; another source (a
     * stream) names its own, or none: resume_arg stays empty. */
    if (r->cfg->input.source == NULL) {
        snprintf(rp->resume_arg, sizeof(rp->resume_arg), "%llu", (unsigned long long)rp->offset);
    } else if (r->cfg->input.source->place != NULL) {
        struct a2a_source_last last = {
            .has_record = r->last_position > 0,
            .input = r->last_input,
            .seq = r->last_has_seq ? r->last_seq.data : NULL,
            .seq_len = r->last_has_seq ? r->last_seq.len : 0,
        };
        if (r->cfg->input.source->place(r->cfg->input.source->ctx, &last, &rp->place) != 0) {
            memset(&rp->place, 0, sizeof(rp->place)); /* out of memory: no continuation */
        }
    }
}

void a2a_run_stats_free(struct a2a_run_stats *stats)
{
    free(stats->resume.input);
    stats->resume.input = NULL;
    a2a_buf_free(&stats->resume.last_seq);
    a2a_source_place_free(&stats->resume.place);
    stats->resume.valid = 0;
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
    r.key_header_max = a2a_request_key_header_max(cfg->dispatch.url);
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
    forgive_late_trip(&r);
    rc = 0;
out:
    stats->answered = r.pool != NULL && a2a_dispatch_answered(r.pool);
    stats->connected = r.pool != NULL && a2a_dispatch_connected(r.pool);
    if (rc != 0) {
        salvage(&r);
    }
    fill_resume_point(&r);
    copy_redrive_stats(&r);
    stats->documents = r.in != NULL ? a2a_input_documents(r.in) : 0;
    teardown(&r);
    stats->elapsed_ms = a2a_now_ms() - started;
    return rc;
}
