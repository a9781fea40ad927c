#include "messages.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
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

static FILE *out(const struct messages *m)
{
    return m->out != NULL ? m->out : stderr;
}

static int64_t now_ms(const struct messages *m)
{
    return m->now_ms != NULL ? m->now_ms() : a2a_now_ms();
}

static void clear_progress(struct messages *m)
{
    if (m->progress_shown) {
        fputs("\r\033[K", out(m));
        m->progress_shown = 0;
    }
}

/*
 * Text form of a SequenceNumber: printable bytes as they are, the rest escaped; in quotes when
 * bare it could not be told apart ("(seq )", or a space or parenthesis inside).
 */
static void put_seq_text(struct a2a_buf *b, const char *seq, size_t len)
{
    int quoted = len == 0;

    for (size_t i = 0; i < len && !quoted; i++) {
        quoted = seq[i] == ' ' || seq[i] == '(' || seq[i] == ')';
    }
    if (quoted) {
        a2a_json_put_string(b, seq, len);
    } else {
        a2a_json_escape(b, seq, len);
    }
}

/*
 * Text that may hold a file name (bytes from the command line or an input): control bytes as
 * \n, \r, \t or \xNN, so that a message stays one line and cannot drive the terminal.
 */
static void put_line_text(struct a2a_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    for (const char *run = s;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != 0x7f) {
            continue;
        }
        a2a_buf_append(b, run, (size_t)(s - run));
        if (c == '\0') {
            return;
        }
        if (c == '\n' || c == '\r' || c == '\t') {
            char esc[2] = {'\\', c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
            a2a_buf_append(b, esc, sizeof(esc));
        } else {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};
            a2a_buf_append(b, esc, sizeof(esc));
        }
        run = s + 1;
    }
}

static void emit_text(const struct a2a_log_event *ev, struct a2a_buf *b)
{
    a2a_buf_puts(b, "a2a-recover: ");
    if (ev->file != NULL) {
        put_line_text(b, ev->file);
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
        if (ev->input_message > 0) {
            /* its file is a stream page: the message is what the operator holds */
            a2a_buf_puts(b, ", for message ");
            a2a_buf_put_u64(b, ev->input_message);
        }
        a2a_buf_puts(b, ": ");
    }
    if (ev->level == A2A_LOG_WARN) {
        a2a_buf_puts(b, "warning: ");
    }
    put_line_text(b, ev->message);
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
        if (ev->input_message > 0) {
            a2a_buf_puts(b, ",\"input_message\":");
            a2a_buf_put_u64(b, ev->input_message);
        }
    }
    a2a_buf_puts(b, ",\"message\":");
    a2a_json_put_string_lossy(b, ev->message, strlen(ev->message));
    a2a_buf_puts(b, "}\n");
}

static void write_event(struct messages *m, const struct a2a_log_event *ev)
{
    struct a2a_buf b = {NULL, 0, 0};

    clear_progress(m);
    if (m->format == LOG_JSON) {
        emit_json(ev, &b);
    } else {
        emit_text(ev, &b);
    }
    if (b.len > 0) {
        fwrite(b.data, 1, b.len, out(m));
    }
    a2a_buf_free(&b);
}

/*
 * The reason a message gives, numbers aside: "after 0 ms" and "after 3 ms" are alike. An HTTP
 * status is no such number: "HTTP 429" (throttled) and "HTTP 500" are different reasons, and
 * the count line quotes the first message of its reason.
 */
static void reason_key(const char *msg, char *key, size_t cap)
{
    static const char digits[] = "0123456789";
    static const char status[] = "HTTP ";
    size_t o = 0;

    /* Runs at a time (strcspn): a message is mostly text, and a -q run keys every one. */
    while (*msg != '\0' && o + 1 < cap) {
        size_t text = strcspn(msg, digits);

        if (text > cap - 1 - o) {
            text = cap - 1 - o;
        }
        memcpy(key + o, msg, text);
        o += text;
        msg += text;
        if (o >= sizeof(status) - 1 &&
            memcmp(key + o - (sizeof(status) - 1), status, sizeof(status) - 1) == 0) {
            text = strspn(msg, digits); /* the status's digits, kept as they are */
            text = text > cap - 1 - o ? cap - 1 - o : text;
            memcpy(key + o, msg, text);
            o += text;
            msg += text;
        } else if (*msg >= '0' && *msg <= '9' && o + 1 < cap) {
            if (o == 0 || key[o - 1] != '#') {
                key[o++] = '#';
            }
            msg += strspn(msg, digits);
        }
    }
    key[o] = '\0';
}

/* The tally of this event's reason, a new one if there is room, or NULL. */
static struct msg_tally *tally_of(struct messages *m, const struct a2a_log_event *ev)
{
    char key[MSG_KEY_MAX];
    struct msg_tally *t;

    reason_key(ev->message, key, sizeof(key));
    for (size_t i = 0; i < m->ntallies; i++) {
        t = &m->tallies[i];
        if (t->level == ev->level && strcmp(t->target, ev->target) == 0 &&
            strcmp(t->key, key) == 0) {
            return t;
        }
    }
    if (m->ntallies == MSG_TALLIES) {
        return NULL;
    }
    t = &m->tallies[m->ntallies++];
    memset(t, 0, sizeof(*t));
    t->level = ev->level;
    t->target = ev->target;
    snprintf(t->key, sizeof(t->key), "%s", key);
    snprintf(t->text, sizeof(t->text), "%s", ev->message);
    return t;
}

/*
 * Notes the input of a line held back. Inputs are read one after the other, so a name that
 * differs from the last one's is one more input.
 */
static void hold_input(struct msg_tally *t, const char *file)
{
    if (file == NULL || strlen(file) >= sizeof(t->held_input)) {
        t->held_unnamed = 1;
    } else if (t->held_inputs == 0 || strcmp(t->held_input, file) != 0) {
        snprintf(t->held_input, sizeof(t->held_input), "%s", file);
        t->held_inputs++;
    }
}

/*
 * "... and N more: REASON", with the total when it is the last word on it. The line names
 * the input the held lines came from, as theirs would have; from several, it counts them.
 */
static void write_count(struct messages *m, struct msg_tally *t, int final)
{
    char text[MSG_KEY_MAX + 120];
    char from[64] = "";
    struct a2a_log_event ev = {.level = t->level, .target = t->target, .message = text};
    int named = t->held > 0 && !t->held_unnamed && t->held_inputs > 0;

    if (named && t->held_inputs == 1) {
        ev.file = t->held_input;
    } else if (named) {
        snprintf(from, sizeof(from), " from %llu inputs", (unsigned long long)t->held_inputs);
    }
    if (final && t->held == 0) {
        snprintf(text, sizeof(text), "... %llu in all: %s", (unsigned long long)t->seen, t->text);
    } else if (final) {
        snprintf(text, sizeof(text), "... and %llu more%s: %s (%llu in all)",
                 (unsigned long long)t->held, from, t->text, (unsigned long long)t->seen);
    } else {
        snprintf(text, sizeof(text), "... and %llu more%s: %s", (unsigned long long)t->held, from,
                 t->text);
    }
    write_event(m, &ev);
    t->held = 0;
    t->held_inputs = 0;
    t->held_unnamed = 0;
}

void messages_emit(void *ctx, const struct a2a_log_event *ev)
{
    struct messages *m = ctx;
    struct msg_tally *t = NULL;

    if (!wanted(m, ev->level)) {
        return;
    }
    /* A record without SequenceNumber cannot be listed in the response: stderr (and the
     * report) alone name it, so each one keeps its lines, its reason's among them. */
    if (ev->position > 0 && (ev->level == A2A_LOG_ERROR || ev->level == A2A_LOG_WARN) &&
        ev->seq != NULL && strcmp(ev->target, A2A_TARGET_NO_SEQ) != 0) {
        t = tally_of(m, ev);
    } else if (ev->position == 0 && ev->level == A2A_LOG_WARN) {
        /* warnings about no record (a Streams call's retries, the same each time) fold
           alike: 57 lines of "attempt 2 of 11" said nothing the fifth did not (review 65) */
        t = tally_of(m, ev);
    }
    if (t != NULL && ++t->seen > MSG_REPEATS_SHOWN) {
        int64_t now = now_ms(m);
        t->held++;
        hold_input(t, ev->file);
        /* -q asked for quiet: the counts wait for the end (review 66: a 60 s stream run
           printed 150 of these lines) */
        if (m->verbosity >= 0 && now - t->last_ms >= MSG_COUNT_EVERY_MS) {
            write_count(m, t, 0);
            t->last_ms = now;
        }
        return;
    }
    write_event(m, ev);
    if (t != NULL) {
        t->last_ms = now_ms(m);
    }
}

void messages_finish(struct messages *m)
{
    for (size_t i = 0; i < m->ntallies; i++) {
        struct msg_tally *t = &m->tallies[i];
        if (t->seen > MSG_REPEATS_SHOWN) {
            write_count(m, t, 1);
        }
    }
}

static void vemit(struct messages *m, enum a2a_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vemit(struct messages *m, enum a2a_log_level level, const char *fmt, va_list ap)
{
    char text[1024];
    struct a2a_log_event ev = {.level = level, .target = A2A_TARGET_RECOVER, .message = text};

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

void msg_warn(struct messages *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vemit(m, A2A_LOG_WARN, fmt, ap);
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

void msg_info_always(struct messages *m, const char *fmt, ...)
{
    va_list ap;
    int saved = m->verbosity;

    m->verbosity = saved < 0 ? 0 : saved;
    va_start(ap, fmt);
    vemit(m, A2A_LOG_INFO, fmt, ap);
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
        fflush(out(m));
        return;
    }
    fprintf(out(m), "\r\033[K%s", line);
    fflush(out(m));
    m->progress_shown = 1;
}
