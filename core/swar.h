/*
 * Finding the next byte that ends a run of plain string content: sixteen bytes at a time with
 * the vector unit every CPU of the architecture has (SSE2 on x86-64, NEON on arm64), else
 * eight at a time in a 64-bit register (the portable fallback, also forced with
 * -DA2A_FORCE_PORTABLE=ON so both stay tested), else byte by byte. Chosen at compile time.
 * The scanners spend most of their time inside strings: this is the hot loop of a dry run.
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

/*
 * Whether all eight bytes of v are ASCII digits: each has high nibble 3, and still has after
 * adding 6 (so its low nibble is at most 9). A carry out of a byte needs a byte >= 0xfa, which
 * already fails.
 */
static inline int a2a_swar_digits(uint64_t v)
{
    return ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
            (((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) ==
           UINT64_C(0x3333333333333333);
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

#if !defined(A2A_FORCE_PORTABLE) && defined(__SSE2__)
#include <emmintrin.h>
#define A2A_SIMD        1
#define A2A_STRING_SCAN "sse2"
#elif !defined(A2A_FORCE_PORTABLE) && defined(__aarch64__) && defined(__ARM_NEON) &&               \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <arm_neon.h>
#define A2A_SIMD        1
#define A2A_STRING_SCAN "neon"
#else
#define A2A_SIMD 0
#if A2A_SWAR
#define A2A_STRING_SCAN "swar"
#else
#define A2A_STRING_SCAN "bytewise"
#endif
#endif

#if A2A_SIMD
/*
 * Index (0..15) of the first byte of p[0..16) that ends a run, 16 when none does. strict:
 * controls and non-ASCII end it too.
 */
static inline uint64_t a2a_simd_mask(const unsigned char *p, int strict);

static inline unsigned a2a_simd_first(const unsigned char *p, int strict)
{
    uint64_t bits = a2a_simd_mask(p, strict);

#if defined(__SSE2__)
    return bits != 0 ? (unsigned)__builtin_ctzll(bits) : 16;
#else
    return bits != 0 ? (unsigned)__builtin_ctzll(bits) >> 2 : 16;
#endif
}

/*
 * The bytes of p[0..16) that end a run, as a mask whose lowest set bit marks the first one:
 * one bit a byte with SSE2, four with NEON (a2a_simd_index() turns a bit into an index).
 */
static inline uint64_t a2a_simd_mask(const unsigned char *p, int strict)
{
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    unsigned bits;

    if (strict) {
        /* Signed: below 0x20 are the controls and, as negative numbers, every byte >= 0x80. */
        m = _mm_or_si128(m, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    }
    bits = (unsigned)_mm_movemask_epi8(m);
    return bits;
#else
    uint8x16_t v = vld1q_u8(p);
    uint8x16_t m = vorrq_u8(vceqq_u8(v, vdupq_n_u8('"')), vceqq_u8(v, vdupq_n_u8('\\')));
    uint64_t bits;

    if (strict) {
        m = vorrq_u8(m, vcltq_s8(vreinterpretq_s8_u8(v), vdupq_n_s8(0x20)));
    }
    /* Narrowing shift: four bits per byte of the comparison, in a 64-bit lane. */
    bits = vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(m), 4)), 0);
    return bits;
#endif
}

/* The index of the byte a nonzero a2a_simd_mask() marks first. */
static inline size_t a2a_simd_index(uint64_t bits)
{
#if defined(__SSE2__)
    return (size_t)__builtin_ctzll(bits);
#else
    return (size_t)__builtin_ctzll(bits) >> 2;
#endif
}
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
#if A2A_SIMD
    while (n - i >= 16) {
        unsigned f = a2a_simd_first(p + i, strict);
        if (f < 16) {
            return i + f;
        }
        i += 16;
    }
#endif
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

/*
 * The first '"', '\\', control or non-ASCII byte at or after p, without a length: the caller
 * guarantees one comes (a sentinel byte, e.g. 0, after the data) with 15 readable bytes after
 * it, so the loop needs no bounds check.
 */
static inline const unsigned char *a2a_string_stop(const unsigned char *p)
{
#if A2A_SIMD
    for (;;) {
        uint64_t bits = a2a_simd_mask(p, 1);
        if (bits != 0) {
            return p + a2a_simd_index(bits);
        }
        p += 16;
    }
#elif A2A_SWAR
    for (;;) {
        uint64_t v;
        uint64_t m;
        memcpy(&v, p, 8);
        m = a2a_swar_eq(v, '"') | a2a_swar_eq(v, '\\') | a2a_swar_below(v, 0x20) |
            (v & A2A_SWAR_HIGHS);
        if (m != 0) {
            return p + a2a_swar_first(m);
        }
        p += 8;
    }
#else
    while (!a2a_run_stop(*p, 1)) {
        p++;
    }
    return p;
#endif
}

#endif
