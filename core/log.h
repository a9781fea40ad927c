/*
 * The core's only way to talk: a sink callback. The CLI renders events as text or JSON lines
 * on stderr; tests capture them. The Lambda handler's tracing targets travel with each event,
 * so that log filters written for it keep working.
 */
#ifndef A2A_LOG_H
#define A2A_LOG_H

#include <stddef.h>
#include <stdint.h>

enum a2a_log_level {
    A2A_LOG_ERROR,
    A2A_LOG_WARN,
    A2A_LOG_INFO,  /* shown by default: summaries, fail-fast explanations */
    A2A_LOG_DEBUG, /* -v: one line per record */
};

#define A2A_TARGET_PARSE_ERROR "turul_a2a::lambda_stream_recovery_parse_error"
#define A2A_TARGET_TRANSIENT   "turul_a2a::lambda_stream_recovery_transient"
#define A2A_TARGET_NO_SEQ      "turul_a2a::lambda_stream_recovery_no_sequence_number"
#define A2A_TARGET_RECOVER     "a2a_recover"

/* Everything is borrowed for the duration of the callback only. */
struct a2a_log_event {
    enum a2a_log_level level;
    const char *target; /* one of the A2A_TARGET_* names */
    const char *file;   /* input name ("<stdin>" for standard input) or NULL */
    uint64_t position;  /* 1-based record position in the batch; 0 when not about a record */
    const char *seq;    /* SequenceNumber bytes or NULL; not NUL-terminated */
    size_t seq_len;
    uint64_t input_message; /* the redrive message the record came from (1-based); 0: none */
    const char *message;    /* NUL-terminated, no trailing newline */
};

struct a2a_log {
    void (*emit)(void *ctx, const struct a2a_log_event *ev);
    void *ctx;
};

#endif
