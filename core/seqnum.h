/*
 * DynamoDB stream sequence numbers: decimal strings of 21 to 40 digits. They are larger than
 * any u64 and a double would round them, so they are only ever compared as digit strings,
 * the way a big integer compares: leading zeros ignored, then the longer is larger, then the
 * bytes decide.
 */
#ifndef A2A_SEQNUM_H
#define A2A_SEQNUM_H

#include <stddef.h>

#define A2A_SEQNUM_MIN_DIGITS 21
#define A2A_SEQNUM_MAX_DIGITS 40

/* 1 when s[0..len) is 21 to 40 ASCII digits and nothing else; 0 otherwise. */
int a2a_seqnum_valid(const char *s, size_t len);

/* a2a_seqnum_valid() for a NUL-terminated string; NULL is not valid. */
int a2a_seqnum_valid_str(const char *s);

/*
 * Compares two non-empty ASCII digit strings as unsigned integers: <0, 0 or >0. Any length
 * works ("007" equals "7"); the caller checks the digits (a2a_seqnum_valid) first.
 */
int a2a_seqnum_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* a2a_seqnum_cmp() for NUL-terminated strings. */
int a2a_seqnum_cmp_str(const char *a, const char *b);

/*
 * The number one below s (a non-empty digit string above zero) into out, which has room for
 * strlen(s) + 1 bytes, as wide as s (leading zeros kept, so a sequence number's neighbour is
 * a sequence number too: "100000000000000000000" gives "099999999999999999999"): the last
 * sequence number before s, as the inclusive end of the part of a range that lies before it.
 * 0, or -1 when s is not such a string (out is then "").
 */
int a2a_seqnum_before(const char *s, char *out, size_t cap);

#endif
