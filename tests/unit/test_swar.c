/*
 * swar.h: the string-run search, with the vector unit (SSE2 / NEON) or, built with
 * -DA2A_FORCE_PORTABLE=ON, the portable 8-bytes-at-a-time loop. Every position of every byte
 * value is checked against a byte-by-byte reference, in buffers of exact size (ASan catches a
 * read past the end of the bounded search).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swar.h"

static size_t reference(const unsigned char *p, size_t i, size_t n, int strict)
{
    while (i < n && !a2a_run_stop(p[i], strict)) {
        i++;
    }
    return i;
}

/* The implementation this build was meant to have: a forced fallback really is the fallback. */
static void test_implementation(void **state)
{
    (void)state;
#if defined(A2A_FORCE_PORTABLE)
    assert_int_equal(A2A_SIMD, 0);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    assert_string_equal(A2A_STRING_SCAN, "swar");
#endif
#elif defined(__x86_64__)
    assert_string_equal(A2A_STRING_SCAN, "sse2");
#elif defined(__aarch64__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    assert_string_equal(A2A_STRING_SCAN, "neon");
#endif
}

/* One byte of every value at every position of plain runs of every length up to 40. */
static void test_every_byte_every_position(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at < n; at++) {
            for (unsigned b = 0; b < 256; b++) {
                unsigned char *p = malloc(n + 1 + 16);
                assert_non_null(p);
                memset(p, 'a', n);
                p[at] = (unsigned char)b;
                for (size_t from = 0; from <= at; from++) {
                    assert_int_equal(a2a_string_run(p, from, n), reference(p, from, n, 1));
                    assert_int_equal(a2a_quote_run(p, from, n), reference(p, from, n, 0));
                }
                /* The unbounded search stops at a 0 byte after the data at the latest. */
                p[n] = 0;
                memset(p + n + 1, 'a', 16);
                assert_ptr_equal(a2a_string_stop(p), p + reference(p, 0, n + 1, 1));
                free(p);
            }
        }
    }
}

/* Random mixes of plain and stopping bytes, every starting point, against the reference. */
static void test_random_mixes(void **state)
{
    static const unsigned char pick[] = {'a',  'z',  ' ',  '"',  '\\', 0x00, 0x1f, 0x20,
                                         0x7f, 0x80, 0xc3, 0xff, '/',  'u',  '0'};
    uint32_t seed = 12345;

    (void)state;
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 97);
        unsigned char *p = malloc(n + 1);
        assert_non_null(p);
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            /* Mostly plain bytes, as in real strings, so long runs cross the 16-byte steps. */
            p[k] = (seed >> 16) % 8 != 0 ? 'a' : pick[(seed >> 8) % sizeof(pick)];
        }
        for (size_t from = 0; from <= n; from++) {
            assert_int_equal(a2a_string_run(p, from, n), reference(p, from, n, 1));
            assert_int_equal(a2a_quote_run(p, from, n), reference(p, from, n, 0));
        }
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_implementation),
        cmocka_unit_test(test_every_byte_every_position),
        cmocka_unit_test(test_random_mixes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
