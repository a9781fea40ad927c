/*
 * Helpers shared by the fuzz targets: independent oracles (written from the RFCs and the
 * contract, not from core/), so that a bug in core cannot hide behind its own helper.
 */
#ifndef A2A_FUZZ_COMMON_H
#define A2A_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message libFuzzer shows next to the stack. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Well-formed UTF-8 by the table in RFC 3629 section 4. */
static inline int fuzz_utf8_ok(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i];
        unsigned lo = 0x80;
        unsigned hi = 0xbf;
        size_t more;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return 0;
        }
        if (n - i - 1 < more) {
            return 0;
        }
        if (p[i + 1] < lo || p[i + 1] > hi) {
            return 0;
        }
        for (size_t k = 2; k <= more; k++) {
            if (p[i + k] < 0x80 || p[i + k] > 0xbf) {
                return 0;
            }
        }
        i += more + 1;
    }
    return 1;
}

/*
 * The contract for N attributes (Rust's from_str): an optional sign ('+', or '-' when
 * allow_minus), then one or more ASCII digits. On success writes the canonical digits (no
 * sign, no leading zeros, "0" for zero) to out (cap >= len + 2) and sets *negative.
 * Returns 1 when the syntax is right, 0 otherwise. Range is checked by fuzz_digits_fit.
 */
static inline int fuzz_canonical_digits(const char *s, size_t len, int allow_minus, char *out,
                                        int *negative)
{
    size_t i = 0;
    size_t o = 0;

    *negative = 0;
    if (len > 0 && (s[0] == '+' || (allow_minus && s[0] == '-'))) {
        *negative = s[0] == '-';
        i = 1;
    }
    if (i == len) {
        return 0;
    }
    for (size_t k = i; k < len; k++) {
        if (s[k] < '0' || s[k] > '9') {
            return 0;
        }
    }
    while (i < len - 1 && s[i] == '0') {
        i++;
    }
    while (i < len) {
        out[o++] = s[i++];
    }
    out[o] = '\0';
    if (o == 1 && out[0] == '0') {
        *negative = 0; /* "-0" is zero */
    }
    return 1;
}

/* 1 when canonical digits d are at most max (both decimal strings without leading zeros). */
static inline int fuzz_digits_fit(const char *d, const char *max)
{
    size_t dl = strlen(d);
    size_t ml = strlen(max);

    return dl < ml || (dl == ml && strcmp(d, max) <= 0);
}

#endif
