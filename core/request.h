/*
 * The redispatch request for one pending dispatch: pure functions, no I/O.
 *   body:            {"tenant":..,"taskId":..,"owner":..,"eventSequence":<u64>,
 *                     "recordedAtMicros":<i64>}
 *   Idempotency-Key: <tenant>:<taskId>:<eventSequence>, each part percent-encoded (RFC 3986
 *                    unreserved characters kept), so a CR/LF in a value never reaches a header.
 *   headers:         the fixed lines, Authorization and Idempotency-Key (below).
 */
#ifndef A2A_REQUEST_H
#define A2A_REQUEST_H

#include "buf.h"
#include "record.h"

/* Each appends to out and returns 0, or -1 when memory ran out. */
int a2a_request_body(struct a2a_buf *out, const struct a2a_pending *p);
int a2a_idempotency_key(struct a2a_buf *out, const struct a2a_pending *p);
int a2a_percent_encode(struct a2a_buf *out, const char *s, size_t len);

/*
 * Header lines, each "Name: value" and NUL-terminated, as libcurl reads them. This module is
 * their one owner: the lines every call carries, the Authorization line, the per-record
 * Idempotency-Key, and the names no extra (-H) header may take.
 */

/* The lines every call carries whatever the record; NULL-terminated. */
extern const char *const a2a_request_fixed_headers[];

/*
 * "Expect:" (no value): stops libcurl asking for a 100-continue and waiting for it before
 * sending the body. libcurl asks only for bodies above a threshold (1 KiB before 7.69, 1 MiB
 * since), so only bodies above the lower one carry the line: libcurl compares every header
 * line of every call with a dozen names, and one line fewer is 2.5% of its work per call.
 */
extern const char a2a_request_no_expect_header[];
#define A2A_REQUEST_EXPECT_MIN 1024 /* bodies longer than this carry the line */

/* Names the endpoint contract or HTTP framing owns: a2a-recover sets them (or libcurl does),
 * and an extra header may neither replace nor duplicate them. NULL-terminated. */
extern const char *const a2a_request_reserved_names[];

/* The reserved name a "Name: value" line sets (names compare without case), or NULL. */
const char *a2a_request_reserved_header(const char *line);

/*
 * "Authorization: Bearer <token>". out must be empty: the line is written into a single
 * allocation, so that no copy of the token is left behind in memory a reallocation freed.
 * The caller wipes it (a2a_wipe) before freeing it. Returns 0 or -1 (no memory).
 */
int a2a_request_auth_header(struct a2a_buf *out, const char *token);

/* "Idempotency-Key: <a2a_idempotency_key>". Returns 0 or -1 (no memory). */
int a2a_request_idempotency_header(struct a2a_buf *out, const struct a2a_pending *p);

/*
 * The longest Idempotency-Key header a call can carry. Over HTTP/1.1 libcurl (7.88:
 * DYN_HTTP_REQUEST) builds a request's head, and a body under 64 KiB with it, in at most
 * 1 MiB, and fails a larger one as out of memory, every time: 64 KiB are left for the request
 * line, the other headers and such a body. Over https the engine offers HTTP/2, where nghttp2
 * sends a header block of 64 KiB at most: 4 KiB are left for the others. (Servers refuse far
 * shorter ones: nginx and Apache at 8 KiB by default.)
 */
#define A2A_REQUEST_KEY_HEADER_MAX       ((size_t)(1024 * 1024 - 64 * 1024))
#define A2A_REQUEST_KEY_HEADER_MAX_HTTPS ((size_t)(60 * 1024))

/*
 * Whether calls to url go over TLS, where the engine offers HTTP/2. The one place that
 * decides it: the engine's protocol and the header limit below must agree.
 */
int a2a_request_url_is_https(const char *url);

/* The limit above that applies to calls to url (NULL: no endpoint, a dry run). */
size_t a2a_request_key_header_max(const char *url);

/*
 * 0, or the length of p's Idempotency-Key header when it is longer than limit (one of the
 * above): such a record can never be sent.
 */
size_t a2a_request_key_header_too_long(const struct a2a_pending *p, size_t limit);

#endif
