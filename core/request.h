/*
 * The redispatch request for one pending dispatch: pure functions, no I/O.
 *   body:            {"tenant":..,"taskId":..,"owner":..,"eventSequence":<u64>,
 *                     "recordedAtMicros":<i64>}
 *   Idempotency-Key: <tenant>:<taskId>:<eventSequence>, each part percent-encoded (RFC 3986
 *                    unreserved characters kept), so a CR/LF in a value never reaches a header.
 */
#ifndef A2A_REQUEST_H
#define A2A_REQUEST_H

#include "buf.h"
#include "record.h"

/* Each appends to out and returns 0, or -1 when memory ran out. */
int a2a_request_body(struct a2a_buf *out, const struct a2a_pending *p);
int a2a_idempotency_key(struct a2a_buf *out, const struct a2a_pending *p);
int a2a_percent_encode(struct a2a_buf *out, const char *s, size_t len);

#endif
