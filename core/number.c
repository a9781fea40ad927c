#include "number.h"

#include "swar.h"

#if A2A_SWAR
/*
 * Eight ASCII digits s[0..8) as their value in *out; 0 when a byte is not a digit. A record
 * holds a 16-digit recordedAtMicros: two of these instead of sixteen steps of the loop below.
 */
static inline int eight_digits(const char *s, uint64_t *out)
{
    uint64_t v;

    memcpy(&v, s, 8);
    if (!a2a_swar_digits(v)) {
        return 0;
    }
    /* Little endian: s[0] is the low byte. Pairs, then fours, then the eight, by multiplies. */
    v -= UINT64_C(0x3030303030303030);
    v = v * 10 + (v >> 8);
    v = ((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32)) +
         ((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32))) >>
        32;
    *out = v;
    return 1;
}
#endif

/* Accumulates digits s[0..len) into a magnitude no larger than limit. */
static enum a2a_num_status parse_digits(const char *s, size_t len, uint64_t limit, uint64_t *out)
{
    uint64_t v = 0;
    int overflow = 0;

    if (len == 0) {
        return A2A_NUM_INVALID; /* a sign with no digits after it */
    }
    /* Up to 18 digits cannot pass any limit (>= 10^18 - 1 here): no overflow test per digit. */
    if (len <= 18 && limit >= UINT64_C(999999999999999999)) {
        size_t i = 0;

#if A2A_SWAR
        for (; i + 8 <= len; i += 8) {
            uint64_t eight;

            if (!eight_digits(s + i, &eight)) {
                return A2A_NUM_INVALID;
            }
            v = v * 100000000 + eight;
        }
#endif
        for (; i < len; i++) {
            unsigned d = (unsigned char)s[i] - (unsigned)'0';
            if (d > 9) {
                return A2A_NUM_INVALID;
            }
            v = v * 10 + d;
        }
        *out = v;
        return A2A_NUM_OK;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9) {
            return A2A_NUM_INVALID;
        }
        /* Keep scanning after an overflow so "1e400" reads as INVALID, the clearer reason. */
        if (!overflow && (v > (limit - d) / 10)) {
            overflow = 1;
        }
        if (!overflow) {
            v = v * 10 + d;
        }
    }
    if (overflow) {
        return A2A_NUM_OVERFLOW;
    }
    *out = v;
    return A2A_NUM_OK;
}

enum a2a_num_status a2a_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0) {
        return A2A_NUM_EMPTY;
    }
    if (s[0] == '+') {
        s++;
        len--;
    }
    return parse_digits(s, len, UINT64_MAX, out);
}

enum a2a_num_status a2a_parse_i64(const char *s, size_t len, int64_t *out)
{
    int negative = 0;
    uint64_t mag = 0;
    enum a2a_num_status st;

    if (len == 0) {
        return A2A_NUM_EMPTY;
    }
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        s++;
        len--;
    }
    st = parse_digits(s, len, negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
    if (st != A2A_NUM_OK) {
        return st;
    }
    if (negative) {
        /* mag may be 2^63: convert through the two's complement without signed overflow. */
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        *out = (int64_t)mag;
    }
    return A2A_NUM_OK;
}
