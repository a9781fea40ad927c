/*
 * JSON string helpers shared by the record parser, the request builder and the writers.
 * Strings always travel as (pointer, length): a value may legitimately contain bytes that a
 * C string cannot carry, and nothing here ever truncates.
 */
#ifndef A2A_JSONSTR_H
#define A2A_JSONSTR_H

#include <stddef.h>

#include "buf.h"

/* A borrowed byte string; not NUL-terminated. */
struct a2a_str {
    const char *ptr;
    size_t len;
};

enum a2a_unescape_status {
    A2A_UNESCAPE_OK,
    A2A_UNESCAPE_NUL,       /* the value contains U+0000 */
    A2A_UNESCAPE_SURROGATE, /* a \uD800-\uDFFF escape without its pair */
    A2A_UNESCAPE_NOMEM,
};

/* 1 when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
int a2a_utf8_valid(const unsigned char *p, size_t n);

/*
 * Decodes the content of a JSON string literal (the bytes between the quotes, whose escapes
 * the scanner has already checked) into out, replacing out's contents.
 */
enum a2a_unescape_status a2a_json_unescape(const char *raw, size_t len, struct a2a_buf *out);

/*
 * The same, but U+0000 decodes to a 0 byte (never A2A_UNESCAPE_NUL): for the strings that are
 * only compared and echoed, by length, never handed to anything that stops at a 0 byte.
 */
enum a2a_unescape_status a2a_json_unescape_keep_nul(const char *raw, size_t len,
                                                    struct a2a_buf *out);

/* Appends s JSON-escaped without quotes / with quotes. Returns 0 or -1 (out of memory). */
int a2a_json_escape(struct a2a_buf *out, const char *s, size_t len);
int a2a_json_put_string(struct a2a_buf *out, const char *s, size_t len);

/*
 * a2a_json_put_string() for text that is not known to be UTF-8 (file names, messages that
 * quote them): each byte that does not belong to a well-formed UTF-8 sequence is written as
 * \ufffd (U+FFFD, the replacement character), so the output is always valid JSON. Returns 0
 * or -1 (out of memory).
 */
int a2a_json_put_string_lossy(struct a2a_buf *out, const char *s, size_t len);

/*
 * Writes v for a human message: in double quotes, printable ASCII as is, every other byte
 * (control, quote, backslash, non-ASCII) as \xNN, so a message is one line of plain ASCII
 * whatever the input held. Shows at most max_shown bytes, then notes the full length.
 */
void a2a_quote_for_message(char *dst, size_t cap, struct a2a_str v, size_t max_shown);

/*
 * v as one word of a command the operator can paste into dst (cap bytes): bare when plain,
 * else as a2a_quote_for_message() writes it. Returns dst.
 */
const char *a2a_command_word(char *dst, size_t cap, struct a2a_str v);

/*
 * url as a message shows it: a user:password@ part, if any, as "<redacted>@"; cut to cap - 1
 * bytes ending in "..." when longer (it names an endpoint or a redirect; it is never sent).
 */
void a2a_url_shown(const char *url, char *out, size_t cap);

#endif
