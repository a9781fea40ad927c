/*
 * Eight bytes at a time: finding the next byte that ends a run of plain string content.
 * The scanners spend most of their time inside strings, so this is the hot loop of a dry run.
 */
#ifndef A2A_SWAR_H
#define A2A_SWAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define A2A_SWAR_ONES  0x0101010101010101ULL
#define A2A_SWAR_HIGHS 0x8080808080808080ULL

/*
 * The high bit of each byte of the result is set where v's byte is zero, possibly also in
 * bytes above a true zero (borrow); the lowest set bit is therefore always exact.
 */
static inline uint64_t a2a_swar_zero(uint64_t v)
{
    return (v - A2A_SWAR_ONES) & ~v & A2A_SWAR_HIGHS;
}

static inline uint64_t a2a_swar_eq(uint64_t v, unsigned char b)
{
    return a2a_swar_zero(v ^ (A2A_SWAR_ONES * b));
}

/* Bytes below n (n <= 128), same exactness as above. */
static inline uint64_t a2a_swar_below(uint64_t v, unsigned char n)
{
    return (v - A2A_SWAR_ONES * n) & ~v & A2A_SWAR_HIGHS;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define A2A_SWAR 1
static inline size_t a2a_swar_first(uint64_t mask)
{
    return (size_t)__builtin_ctzll(mask) >> 3;
}
#else
#define A2A_SWAR 0
#endif

/* Whether byte c ends a run: '"' or '\\' always; controls and non-ASCII too when strict. */
static inline int a2a_run_stop(unsigned char c, int strict)
{
    return c == '"' || c == '\\' || (strict && (c < 0x20 || c >= 0x80));
}

/*
 * Index of the first byte in p[i..n) that ends a run (a2a_run_stop); n when there is none.
 * Callers pass strict as a constant, so each inlined copy tests only what it needs.
 */
static inline size_t a2a_run_end(const unsigned char *p, size_t i, size_t n, int strict)
{
#if A2A_SWAR
    while (n - i >= 8) {
        uint64_t v;
        uint64_t m;
        memcpy(&v, p + i, 8);
        m = a2a_swar_eq(v, '"') | a2a_swar_eq(v, '\\');
        if (strict) {
            m |= a2a_swar_below(v, 0x20) | (v & A2A_SWAR_HIGHS);
        }
        if (m != 0) {
            return i + a2a_swar_first(m);
        }
        i += 8;
    }
#endif
    while (i < n && !a2a_run_stop(p[i], strict)) {
        i++;
    }
    return i;
}

/* The first '"', '\\', control character (< 0x20) or non-ASCII byte (>= 0x80) in p[i..n). */
static inline size_t a2a_string_run(const unsigned char *p, size_t i, size_t n)
{
    return a2a_run_end(p, i, n, 1);
}

/* The first '"' or '\\' in p[i..n); n when there is none. */
static inline size_t a2a_quote_run(const unsigned char *p, size_t i, size_t n)
{
    return a2a_run_end(p, i, n, 0);
}

#endif
