/*
 * One stream record -> its classification, exactly as the reference Lambda handler
 * (stream_recovery.rs) decides it:
 *
 *   envelope malformed                      -> INVALID (listed when a SequenceNumber exists)
 *   eventName other than "INSERT"           -> SKIP (nothing sent, never listed)
 *   INSERT, NewImage parses                 -> DISPATCH
 *   INSERT, NewImage does not parse         -> INVALID (listed when a SequenceNumber exists)
 *
 * The parser works on the record's bytes as the input reader cut them out (already checked
 * to be JSON), allocates nothing in the common case, and never passes a number through a
 * double.
 */
#ifndef A2A_RECORD_H
#define A2A_RECORD_H

#include <stdint.h>

#include "buf.h"
#include "envelope.h"
#include "jsonstr.h"
#include "result.h"

#define A2A_NO_DDB_SQS 2 /* struct a2a_record's no_dynamodb for an SQS message */

enum a2a_record_class {
    A2A_RECORD_SKIP,
    A2A_RECORD_DISPATCH,
    A2A_RECORD_INVALID,
};

/* The Lambda handler's PendingDispatch. Strings are borrowed (see struct a2a_record). */
struct a2a_pending {
    struct a2a_str tenant;
    struct a2a_str task_id;
    struct a2a_str owner;
    uint64_t event_sequence;
    int64_t recorded_at_micros; /* already clamped to >= 0, as the Lambda handler does */
};

/*
 * Strings point into the record's bytes or into the scratch buffers of the
 * struct a2a_record_parser that filled it: valid until that parser's next call.
 */
struct a2a_record {
    enum a2a_record_class cls;
    int has_seq;        /* a string SequenceNumber exists (null counts as absent) */
    struct a2a_str seq; /* decoded SequenceNumber; may hold 0 bytes (U+0000) */
    int has_event_name;
    struct a2a_str event_name; /* decoded eventName; may hold 0 bytes (U+0000) */
    int no_dynamodb; /* an object with no "dynamodb" member: no stream record; A2A_NO_DDB_SQS:
                        and it is an SQS message (MessageId and Body) */
    struct a2a_pending pending;  /* set when cls == A2A_RECORD_DISPATCH */
    char reason[A2A_REASON_MAX]; /* why, when cls == A2A_RECORD_INVALID */
};

/* Scratch space reused from record to record; zero-initialise, free with _free(). */
struct a2a_record_parser {
    struct a2a_buf scratch[7]; /* seq, eventName, tenant, taskId, owner, number, member name */
};

/*
 * Classifies the JSON value json[0..len). non_ascii says whether the reader saw bytes >= 0x80
 * inside strings (the UTF-8 is then validated). Returns 0, or -1 when memory ran out.
 */
int a2a_record_parse(struct a2a_record_parser *p, const char *json, size_t len, int non_ascii,
                     struct a2a_record *out);

/*
 * The same, with the envelope the scanner collected while it validated the record (struct
 * a2a_raw_record's envelope): when it is complete, the record's bytes are not walked again
 * for it. NULL or an incomplete one: the parser walks the record itself, by the same rules.
 */
int a2a_record_parse_with(struct a2a_record_parser *p, const char *json, size_t len, int non_ascii,
                          const struct a2a_envelope *env, struct a2a_record *out);

void a2a_record_parser_free(struct a2a_record_parser *p);

#endif
