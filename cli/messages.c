#include "messages.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "jsonstr.h"

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static int wanted(const struct messages *m, enum a2a_log_level level)
{
    if (m->verbosity < 0) {
        return level == A2A_LOG_ERROR;
    }
    if (m->verbosity == 0) {
        return level != A2A_LOG_DEBUG;
    }
    return 1;
}

static void clear_progress(struct messages *m)
{
    if (m->progress_shown) {
        fputs("\r\033[K", stderr);
        m->progress_shown = 0;
    }
}

/* Text form of a SequenceNumber: printable bytes as they are, the rest escaped. */
static void put_seq_text(struct a2a_buf *b, const char *seq, size_t len)
{
    a2a_json_escape(b, seq, len);
}

static void emit_text(const struct a2a_log_event *ev, struct a2a_buf *b)
{
    a2a_buf_puts(b, "a2a-recover: ");
    if (ev->file != NULL) {
        a2a_buf_puts(b, ev->file);
        a2a_buf_puts(b, ": ");
    }
    if (ev->position > 0) {
        a2a_buf_puts(b, "record ");
        a2a_buf_put_u64(b, ev->position);
        if (ev->seq != NULL) {
            a2a_buf_puts(b, " (seq ");
            put_seq_text(b, ev->seq, ev->seq_len);
            a2a_buf_putc(b, ')');
        }
        a2a_buf_puts(b, ": ");
    }
    if (ev->level == A2A_LOG_WARN) {
        a2a_buf_puts(b, "warning: ");
    }
    a2a_buf_puts(b, ev->message);
    a2a_buf_putc(b, '\n');
}

static void emit_json(const struct a2a_log_event *ev, struct a2a_buf *b)
{
    a2a_buf_puts(b, "{\"level\":\"");
    a2a_buf_puts(b, level_names[ev->level]);
    a2a_buf_puts(b, "\",\"target\":");
    a2a_json_put_string(b, ev->target, strlen(ev->target));
    /* File names are bytes, not text: invalid UTF-8 becomes U+FFFD so the line stays JSON. */
    if (ev->file != NULL) {
        a2a_buf_puts(b, ",\"file\":");
        a2a_json_put_string_lossy(b, ev->file, strlen(ev->file));
    }
    if (ev->position > 0) {
        a2a_buf_puts(b, ",\"record\":");
        a2a_buf_put_u64(b, ev->position);
        a2a_buf_puts(b, ",\"sequence_number\":");
        if (ev->seq != NULL) {
            a2a_json_put_string(b, ev->seq, ev->seq_len);
        } else {
            a2a_buf_puts(b, "null");
        }
    }
    a2a_buf_puts(b, ",\"message\":");
    a2a_json_put_string_lossy(b, ev->message, strlen(ev->message));
    a2a_buf_puts(b, "}\n");
}

void messages_emit(void *ctx, const struct a2a_log_event *ev)
{
    struct messages *m = ctx;
    struct a2a_buf b = {NULL, 0, 0};

    if (!wanted(m, ev->level)) {
        return;
    }
    clear_progress(m);
    if (m->format == LOG_JSON) {
        emit_json(ev, &b);
    } else {
        emit_text(ev, &b);
    }
    if (b.len > 0) {
        fwrite(b.data, 1, b.len, stderr);
    }
    a2a_buf_free(&b);
}

static void vemit(struct messages *m, enum a2a_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vemit(struct messages *m, enum a2a_log_level level, const char *fmt, va_list ap)
{
    char text[1024];
    struct a2a_log_event ev = {level, A2A_TARGET_RECOVER, NULL, 0, NULL, 0, text};

    vsnprintf(text, sizeof(text), fmt, ap);
    messages_emit(m, &ev);
}

void msg_error(struct messages *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vemit(m, A2A_LOG_ERROR, fmt, ap);
    va_end(ap);
}

void msg_warn_always(struct messages *m, const char *fmt, ...)
{
    va_list ap;
    int saved = m->verbosity;

    m->verbosity = saved < 0 ? 0 : saved;
    va_start(ap, fmt);
    vemit(m, A2A_LOG_WARN, fmt, ap);
    va_end(ap);
    m->verbosity = saved;
}

void msg_info(struct messages *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vemit(m, A2A_LOG_INFO, fmt, ap);
    va_end(ap);
}

void messages_progress(struct messages *m, const char *line)
{
    if (line == NULL) {
        clear_progress(m);
        fflush(stderr);
        return;
    }
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    m->progress_shown = 1;
}
