/*
 * The one place that writes to stderr: log events from the core and the CLI's own notes,
 * as text ("a2a-recover: FILE: record N (seq S): what") or as JSON lines.
 */
#ifndef A2A_MESSAGES_H
#define A2A_MESSAGES_H

#include <stdint.h>
#include <stdio.h>

#include "log.h"

/* How messages are written to stderr (--log-format). */
enum log_format { LOG_TEXT, LOG_JSON };

#define MSG_REPEATS_SHOWN  5    /* lines of one reason shown before they are counted instead */
#define MSG_COUNT_EVERY_MS 1000 /* a count of held lines at most this often per reason */
#define MSG_TALLIES        32   /* reasons counted; past that, lines are shown as they come */
#define MSG_KEY_MAX        256
#define MSG_INPUT_MAX      512 /* an input name a count line can give; longer ones it does not */

/* One reason of per-record errors and warnings, and how often it came. */
struct msg_tally {
    enum a2a_log_level level;
    const char *target;     /* static: one of the A2A_TARGET_* names */
    char key[MSG_KEY_MAX];  /* the message with every run of digits as one '#' */
    char text[MSG_KEY_MAX]; /* the first message of that reason, as shown */
    uint64_t seen;
    uint64_t held;   /* not shown, not yet counted in a line */
    int64_t last_ms; /* when a line of this reason was last written */
    /* The inputs the held lines came from, for the count line to name: the last one, and how
     * many in turn (0: none held, or one had no name or one too long to give). */
    char held_input[MSG_INPUT_MAX];
    uint64_t held_inputs;
    int held_unnamed;
};

struct messages {
    enum log_format format;
    int verbosity;           /* -1 errors only, 0 normal, 1 per-record lines */
    int progress_shown;      /* a progress line is on screen and must be erased first */
    FILE *out;               /* borrowed; NULL: stderr */
    int64_t (*now_ms)(void); /* NULL: the monotonic clock; tests inject their own */
    struct msg_tally tallies[MSG_TALLIES];
    size_t ntallies;
};

/* The core's sink: pass as struct a2a_log {messages_emit, &messages}. */
void messages_emit(void *ctx, const struct a2a_log_event *ev);

/* The CLI's own messages (no record context). */
void msg_error(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_warn(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_info(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line -q must not hide (the INCOMPLETE: summary): shown even with -q. */
void msg_info_always(struct messages *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A security warning: shown even with -q. */
void msg_warn_always(struct messages *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Per-record errors and warnings with the same reason (numbers aside) are shown
 * MSG_REPEATS_SHOWN times, then counted: "... and 171 more: REASON" at most once a second
 * (a record without SequenceNumber, which the response cannot list, is always named).
 * Writes the counts still held, with each reason's total; call once, at the end of the run.
 */
void messages_finish(struct messages *m);

/* Draws (or with line == NULL erases) the progress line. */
void messages_progress(struct messages *m, const char *line);

#endif
