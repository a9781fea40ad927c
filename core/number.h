/*
 * Decimal integers exactly as Rust's u64::from_str / i64::from_str read them: an optional
 * '+' (and '-' for the signed form), then one or more ASCII digits, nothing else, in range.
 * Parsed digit by digit: a value never passes through a double.
 */
#ifndef A2A_NUMBER_H
#define A2A_NUMBER_H

#include <stddef.h>
#include <stdint.h>

enum a2a_num_status {
    A2A_NUM_OK,
    A2A_NUM_EMPTY,    /* no characters at all */
    A2A_NUM_INVALID,  /* a character that is not allowed where it stands */
    A2A_NUM_OVERFLOW, /* digits fine, value out of range */
};

enum a2a_num_status a2a_parse_u64(const char *s, size_t len, uint64_t *out);
enum a2a_num_status a2a_parse_i64(const char *s, size_t len, int64_t *out);

#endif
