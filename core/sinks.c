#include "sinks.h"

#include <string.h>

/*
 * Moves the held entries to the spill file. When no file can be made or written, the entries
 * stay in memory, as they did before there was a spill file: a failure that cannot be listed
 * would read as a success.
 */
static void spill_items(struct a2a_response *r)
{
    if (r->spill_broken) {
        return;
    }
    if (r->spill == NULL) {
        r->spill = tmpfile();
    }
    if (r->spill == NULL || fwrite(r->items.data, 1, r->items.len, r->spill) != r->items.len ||
        fflush(r->spill) != 0) {
        r->spill_broken = 1; /* the file keeps `spilled` good bytes; the rest stays here */
        return;
    }
    r->spilled += r->items.len;
    a2a_buf_reset(&r->items);
}

int a2a_response_add(struct a2a_response *r, const struct a2a_result *res)
{
    struct a2a_buf *b = &r->items;
    size_t mark;

    if (!a2a_outcome_failed(res->outcome) || !res->has_seq) {
        return 0;
    }
    if (b->len >= A2A_RESPONSE_HELD) {
        spill_items(r);
    }
    mark = b->len;
    if ((r->count > 0 && a2a_buf_putc(b, ',') != 0) ||
        a2a_buf_puts(b, "{\"itemIdentifier\":") != 0 ||
        a2a_json_put_string(b, res->seq.ptr, res->seq.len) != 0 || a2a_buf_putc(b, '}') != 0) {
        b->len = mark;
        return -1;
    }
    r->count++;
    return 0;
}

/* Copies the first `len` bytes of the spill file to out. 0, or -1 (read error). */
static int copy_spill(FILE *spill, uint64_t len, FILE *out)
{
    char chunk[16384];

    if (fseek(spill, 0, SEEK_SET) != 0) {
        return -1;
    }
    while (len > 0) {
        size_t want = len < sizeof(chunk) ? (size_t)len : sizeof(chunk);
        size_t n = fread(chunk, 1, want, spill);
        if (n != want) {
            return -1;
        }
        fwrite(chunk, 1, n, out);
        len -= n;
    }
    return 0;
}

int a2a_response_write(const struct a2a_response *r, FILE *out)
{
    fputs("{\"batchItemFailures\":[", out);
    if (r->spilled > 0 && copy_spill(r->spill, r->spilled, out) != 0) {
        return -1;
    }
    if (r->items.len > 0) {
        fwrite(r->items.data, 1, r->items.len, out);
    }
    fputs("]}\n", out);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

void a2a_response_free(struct a2a_response *r)
{
    a2a_buf_free(&r->items);
    if (r->spill != NULL) {
        fclose(r->spill);
        r->spill = NULL;
    }
    r->spilled = 0;
    r->spill_broken = 0;
    r->count = 0;
}

static int put_field_str(struct a2a_buf *b, const char *name, int present, struct a2a_str s)
{
    if (a2a_buf_puts(b, name) != 0) {
        return -1;
    }
    if (!present) {
        return a2a_buf_puts(b, "null");
    }
    return a2a_json_put_string(b, s.ptr, s.len);
}

/* A file name or a message naming one: bytes that are not UTF-8 become U+FFFD. */
static int put_field_text(struct a2a_buf *b, const char *name, int present, struct a2a_str s)
{
    if (a2a_buf_puts(b, name) != 0) {
        return -1;
    }
    if (!present) {
        return a2a_buf_puts(b, "null");
    }
    return a2a_json_put_string_lossy(b, s.ptr, s.len);
}

/* Where a redriven record came from, only for records that came from a message. */
static int put_message_fields(struct a2a_buf *b, const struct a2a_result *res)
{
    int rc = 0;

    if (res->message == 0) {
        return 0;
    }
    rc |= a2a_buf_puts(b, ",\"message\":");
    rc |= a2a_buf_put_u64(b, res->message);
    if (res->has_message_id) {
        rc |= put_field_text(b, ",\"messageId\":", 1, res->message_id);
    }
    if (res->has_shard_id) {
        rc |= put_field_text(b, ",\"shardId\":", 1, res->shard_id);
    }
    return rc;
}

int a2a_report_write(FILE *out, const struct a2a_result *res, struct a2a_buf *b)
{
    const char *name = a2a_outcome_name(res->outcome);
    struct a2a_str file = {res->file, strlen(res->file)};
    struct a2a_str reason = {res->reason, strlen(res->reason)};
    struct a2a_str outcome = {name, strlen(name)};
    int rc = 0;

    a2a_buf_reset(b);
    rc |= a2a_buf_puts(b, "{\"position\":");
    rc |= a2a_buf_put_u64(b, res->position);
    rc |= put_field_text(b, ",\"file\":", 1, file);
    rc |= a2a_buf_puts(b, ",\"offset\":");
    rc |= a2a_buf_put_u64(b, res->offset);
    rc |= put_field_str(b, ",\"sequenceNumber\":", res->has_seq, res->seq);
    rc |= put_field_str(b, ",\"eventName\":", res->has_event_name, res->event_name);
    rc |= put_field_str(b, ",\"outcome\":", 1, outcome);
    rc |= put_field_text(b, ",\"reason\":", reason.len > 0, reason);
    rc |= a2a_buf_puts(b, ",\"httpStatus\":");
    rc |= res->http_status > 0 ? a2a_buf_put_u64(b, (uint64_t)res->http_status)
                               : a2a_buf_puts(b, "null");
    rc |= a2a_buf_puts(b, ",\"attempts\":");
    rc |= a2a_buf_put_u64(b, res->attempts);
    rc |= a2a_buf_puts(b, ",\"ms\":");
    rc |= a2a_buf_put_u64(b, res->elapsed_ms);
    rc |= put_message_fields(b, res);
    rc |= a2a_buf_puts(b, "}\n");
    if (rc != 0) {
        return -1;
    }
    if (fwrite(b->data, 1, b->len, out) != b->len || fflush(out) != 0) {
        return -1;
    }
    return 0;
}

/*
 * A NUL-terminated string, or null for NULL. These name what an input message pointed at
 * (stream, shard, range) and why it failed: text from the input, not checked as UTF-8 the
 * way a record's SequenceNumber is, so invalid bytes become U+FFFD.
 */
static int put_field_cstr(struct a2a_buf *b, const char *name, const char *value)
{
    struct a2a_str s = {value, value != NULL ? strlen(value) : 0};

    return put_field_text(b, name, value != NULL, s);
}

/* The fields of an unreadable range's line, after its opening brace. */
static int put_unreadable_fields(struct a2a_buf *b, const struct a2a_unreadable *u)
{
    int rc = 0;

    rc |= put_field_cstr(b, ",\"stream\":", u->stream_arn);
    rc |= put_field_cstr(b, ",\"shard\":", u->shard_id);
    rc |= put_field_cstr(b, ",\"start\":", u->start);
    rc |= put_field_cstr(b, ",\"end\":", u->end);
    rc |= put_field_cstr(b, ",\"cause\":", u->cause);
    rc |= put_field_cstr(b, ",\"awsError\":", u->aws_error[0] != '\0' ? u->aws_error : NULL);
    rc |= put_field_cstr(b, ",\"reason\":", u->error->msg);
    rc |= a2a_buf_puts(b, ",\"recordsRead\":");
    rc |= a2a_buf_put_u64(b, u->records_read);
    return rc;
}

static int write_line(FILE *out, const struct a2a_buf *b)
{
    if (fwrite(b->data, 1, b->len, out) != b->len || fflush(out) != 0) {
        return -1;
    }
    return 0;
}

int a2a_report_write_unreadable(FILE *out, const struct a2a_unreadable *u, struct a2a_buf *b)
{
    int rc = 0;

    a2a_buf_reset(b);
    rc |= a2a_buf_puts(b, "{\"outcome\":\"unreadable\"");
    rc |= put_unreadable_fields(b, u);
    rc |= a2a_buf_puts(b, "}\n");
    return rc != 0 ? -1 : write_line(out, b);
}

/* The fields of the input message a line is about, after its opening brace. */
static int put_onfailure_fields(struct a2a_buf *b, const struct a2a_report_message *msg)
{
    int rc = 0;

    rc |= a2a_buf_puts(b, ",\"message\":");
    rc |= a2a_buf_put_u64(b, msg->index);
    if (msg->message_id != NULL) {
        rc |= put_field_text(b, ",\"messageId\":", 1, *msg->message_id);
    }
    if (msg->receipt_handle != NULL) {
        rc |= put_field_text(b, ",\"receiptHandle\":", 1, *msg->receipt_handle);
    }
    return rc;
}

int a2a_report_write_unreadable_message(FILE *out, const struct a2a_unreadable *u,
                                        const struct a2a_report_message *msg, struct a2a_buf *b)
{
    int rc = 0;

    a2a_buf_reset(b);
    rc |= a2a_buf_puts(b, "{\"outcome\":\"unreadable\"");
    rc |= put_unreadable_fields(b, u);
    rc |= put_onfailure_fields(b, msg);
    rc |= a2a_buf_puts(b, "}\n");
    return rc != 0 ? -1 : write_line(out, b);
}

int a2a_report_write_unusable_message(FILE *out, const struct a2a_report_message *msg,
                                      const char *file, uint64_t offset, const char *reason,
                                      struct a2a_buf *b)
{
    int rc = 0;

    a2a_buf_reset(b);
    rc |= a2a_buf_puts(b, "{\"outcome\":\"unusable\"");
    rc |= put_onfailure_fields(b, msg);
    rc |= put_field_cstr(b, ",\"file\":", file);
    rc |= a2a_buf_puts(b, ",\"offset\":");
    rc |= a2a_buf_put_u64(b, offset);
    rc |= put_field_cstr(b, ",\"reason\":", reason);
    rc |= a2a_buf_puts(b, "}\n");
    return rc != 0 ? -1 : write_line(out, b);
}

int a2a_failed_out_begin(struct a2a_failed_out *f, FILE *out)
{
    f->out = out;
    f->count = 0;
    return fputs("{\"Records\":[", out) < 0 ? -1 : 0;
}

int a2a_failed_out_add(struct a2a_failed_out *f, const struct a2a_result *res)
{
    if (!a2a_outcome_failed(res->outcome)) {
        return 0;
    }
    if (f->count > 0 && fputs(",\n", f->out) < 0) {
        return -1;
    }
    f->count++;
    if (res->raw.len > 0 && fwrite(res->raw.ptr, 1, res->raw.len, f->out) != res->raw.len) {
        return -1;
    }
    return 0;
}

int a2a_failed_out_end(struct a2a_failed_out *f)
{
    if (fputs("]}\n", f->out) < 0 || fflush(f->out) != 0) {
        return -1;
    }
    return 0;
}
