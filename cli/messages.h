/*
 * The one place that writes to stderr: log events from the core and the CLI's own notes,
 * as text ("a2a-recover: FILE: record N (seq S): what") or as JSON lines.
 */
#ifndef A2A_MESSAGES_H
#define A2A_MESSAGES_H

#include "log.h"

/* How messages are written to stderr (--log-format). */
enum log_format { LOG_TEXT, LOG_JSON };

struct messages {
    enum log_format format;
    int verbosity;      /* -1 errors only, 0 normal, 1 per-record lines */
    int progress_shown; /* a progress line is on screen and must be erased first */
};

/* The core's sink: pass as struct a2a_log {messages_emit, &messages}. */
void messages_emit(void *ctx, const struct a2a_log_event *ev);

/* The CLI's own messages (no record context). */
void msg_error(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_info(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A security warning: shown even with -q. */
void msg_warn_always(struct messages *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Draws (or with line == NULL erases) the progress line. */
void messages_progress(struct messages *m, const char *line);

#endif
