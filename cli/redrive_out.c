#include "redrive_out.h"

#include <errno.h>
#include <string.h>

#include "jsonstr.h"
#include "sinks.h"

/*
 * One line per acked message, in input order:
 *   {"Id":"m3","MessageId":"...","ReceiptHandle":"...","input":"<stdin>","offset":N,"records":N}
 * Id and ReceiptHandle are what `aws sqs delete-message-batch --entries` takes (Id: unique in
 * a call, letters, digits, '-' and '_'); MessageId and ReceiptHandle appear only when the
 * input had them (an invocation record given as a document of its own has neither).
 */
static void on_message(void *ctx, const struct a2a_message_done *m)
{
    struct redrive_out *ro = ctx;
    struct a2a_buf *b = &ro->line;
    struct a2a_str input = {m->input, strlen(m->input)};
    int rc = 0;

    if (m->cut) {
        ro->cut_first = ro->cut++ == 0 ? m->index : ro->cut_first;
        ro->cut_last = m->index;
    }
    if (!m->acked || ro->acked->f == NULL) {
        return;
    }
    a2a_buf_reset(b);
    rc |= a2a_buf_puts(b, "{\"Id\":\"m");
    rc |= a2a_buf_put_u64(b, m->index);
    rc |= a2a_buf_putc(b, '"');
    if (m->has_message_id) {
        rc |= a2a_buf_puts(b, ",\"MessageId\":");
        rc |= a2a_json_put_string(b, m->message_id.ptr, m->message_id.len);
    }
    if (m->has_receipt_handle) {
        rc |= a2a_buf_puts(b, ",\"ReceiptHandle\":");
        rc |= a2a_json_put_string(b, m->receipt_handle.ptr, m->receipt_handle.len);
    }
    rc |= a2a_buf_puts(b, ",\"input\":");
    rc |= a2a_json_put_string(b, input.ptr, input.len);
    rc |= a2a_buf_puts(b, ",\"offset\":");
    rc |= a2a_buf_put_u64(b, m->offset);
    rc |= a2a_buf_puts(b, ",\"records\":");
    rc |= a2a_buf_put_u64(b, m->records);
    if (m->duplicate) {
        rc |= a2a_buf_puts(b, ",\"duplicate\":true");
    }
    rc |= a2a_buf_puts(b, "}\n");
    /* Flushed line by line: a run killed half-way leaves whole lines of acked messages. */
    if (rc != 0 || fwrite(b->data, 1, b->len, ro->acked->f) != b->len ||
        fflush(ro->acked->f) != 0) {
        output_write_failed(ro->acked, errno); /* output_close() reports it */
        return;
    }
    ro->acked_lines++;
}

static void on_unreadable(void *ctx, const struct a2a_pointer_unreadable *p)
{
    struct redrive_out *ro = ctx;
    struct a2a_report_message msg = {
        .index = p->message,
        .message_id = p->has_message_id ? &p->message_id : NULL,
        .receipt_handle = p->has_receipt_handle ? &p->receipt_handle : NULL,
    };

    msg_error(ro->msgs, "%s", p->text);
    if (ro->report != NULL &&
        a2a_report_write_unreadable_message(ro->report, p->u, &msg, &ro->line) != 0) {
        ro->write_error = 1;
    }
}

/* The driver has said it on stderr: the report gets what retires the message by hand. */
static void on_unusable(void *ctx, const struct a2a_message_unusable *u)
{
    struct redrive_out *ro = ctx;
    const struct a2a_message *m = u->msg;
    struct a2a_report_message msg = {
        .index = m->index,
        .message_id = m->has_message_id ? &m->message_id : NULL,
        .receipt_handle = m->has_receipt_handle ? &m->receipt_handle : NULL,
    };

    if (ro->report != NULL &&
        a2a_report_write_unusable_message(ro->report, &msg, m->input, m->offset, u->reason,
                                          &ro->line) != 0) {
        ro->write_error = 1;
    }
}

void redrive_out_open(struct redrive_out *ro, const struct options *o,
                      const volatile sig_atomic_t *cancel, struct messages *msgs, FILE *report,
                      struct output *acked, struct a2a_redrive_config *cfg)
{
    memset(ro, 0, sizeof(*ro));
    ro->msgs = msgs;
    ro->report = report;
    ro->log = (struct a2a_log){messages_emit, msgs};
    stream_opts_client_config(&o->stream, cancel, &ro->log, &ro->streams);
    *cfg = (struct a2a_redrive_config){
        .streams = &ro->streams,
        .on_message = on_message,
        .on_unreadable = on_unreadable,
        .on_unusable = on_unusable,
        .ctx = ro,
    };
    ro->acked = acked;
}

void redrive_out_summary(const struct redrive_out *ro, const struct a2a_run_stats *st, int dry_run,
                         int acked_file_failed)
{
    const char *acked = "acked";

    if (st->messages == 0) {
        return;
    }
    if (dry_run) {
        acked = "would be acked";
    } else if (ro->acked != NULL && ro->acked->path != NULL) {
        /* the file is what the queue's deletions are made from: its loss is the news */
        acked = acked_file_failed ? "acked (but --acked-messages could not be written in full)"
                                  : "acked (--acked-messages)";
    }
    msg_info(ro->msgs,
             "%s%llu message%s: %llu %s, %llu unusable, %llu not acked for records that failed "
             "(of all, %llu naming a range already named: read once); %llu range%s from a "
             "stream, %llu of them unreadable; %llu message warning%s",
             dry_run ? "dry run: " : "", (unsigned long long)st->messages,
             st->messages == 1 ? "" : "s", (unsigned long long)st->messages_acked, acked,
             (unsigned long long)st->message_errors,
             (unsigned long long)st->messages_records_failed, (unsigned long long)st->duplicates,
             (unsigned long long)st->ranges_read, st->ranges_read == 1 ? "" : "s",
             (unsigned long long)st->ranges_unreadable, (unsigned long long)st->warnings,
             st->warnings == 1 ? "" : "s");
    if (ro->cut > 0) {
        char which[96];
        if (ro->cut == 1) {
            snprintf(which, sizeof(which), "message %llu was", (unsigned long long)ro->cut_first);
        } else {
            snprintf(which, sizeof(which),
                     "%llu messages (the first message %llu, the last %llu) were",
                     (unsigned long long)ro->cut, (unsigned long long)ro->cut_first,
                     (unsigned long long)ro->cut_last);
        }
        if (st->resume.valid && st->resume.before_message > 0 &&
            st->resume.before_message <= ro->cut_first) {
            /* the input itself may be all there is (no queue): the continuation reads it */
            msg_error(ro->msgs,
                      "%s not read and replayed in full before the run stopped: not acked; the "
                      "continuation starts before message %llu (a queue keeps %s too)",
                      which, (unsigned long long)st->resume.before_message,
                      ro->cut == 1 ? "it" : "them");
        } else {
            msg_error(ro->msgs,
                      "%s not read and replayed in full before the run stopped: not acked, %s "
                      "in the queue; once the acked ones are deleted, receive again and run on "
                      "what comes (a range replays safely)",
                      which, ro->cut == 1 ? "it stays" : "they stay");
        }
    }
    if (st->messages_records_failed > 0 && !dry_run) {
        /* review 66: replaying --failed-out sends the records, and acks no message */
        uint64_t n = st->messages_records_failed;
        msg_error(ro->msgs,
                  "%llu message%s not acked because records of %s failed (listed in the "
                  "response): %s in the queue; once the failures' cause is fixed, receive again "
                  "and run on what comes, which replays %s range%s (safely) and acks %s; "
                  "replaying --failed-out sends the records but acks no message",
                  (unsigned long long)n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them",
                  n == 1 ? "it stays" : "they stay", n == 1 ? "its" : "their", n == 1 ? "" : "s",
                  n == 1 ? "it" : "them");
    }
    if (st->ranges_unreadable > 0 && !st->resume.valid) {
        /* the summary says INCOMPLETE: say where the rest is, the queue (review 64) */
        uint64_t n = st->ranges_unreadable;
        msg_error(ro->msgs,
                  "%llu range%s could not be read in full (each named above, with its cause): "
                  "%s message%s not acked and stay%s in the queue; received again, a range is "
                  "read again once its cause has passed (retries, credentials, the endpoint), "
                  "never once trimmed",
                  (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "its" : "their",
                  n == 1 ? " is" : "s are", n == 1 ? "s" : "");
    }
    if (st->resume.valid && st->resume.place.valid == 0 && st->resume.failed_before > 0) {
        /* a failure of its own fails again when read again: the continuation would stay
         * behind it for good; it is reported, as in a run read to its end */
        uint64_t n = st->resume.failed_before;
        msg_error(ro->msgs,
                  "%llu message%s before the resume point failed for a reason of %s own "
                  "(above): the continuation does not read %s again, as a run read to its end "
                  "would not",
                  (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "its" : "their",
                  n == 1 ? "it" : "them");
    }
}

int redrive_out_close(struct redrive_out *ro)
{
    int rc = ro->write_error ? -1 : 0;

    a2a_buf_free(&ro->line);
    if (rc != 0) {
        msg_error(ro->msgs, "writing --report failed");
    }
    return rc;
}
