/*
 * Wiping secrets (tokens, Authorization lines, header lines that may carry API keys) before
 * their memory is freed or reused.
 */
#ifndef A2A_WIPE_H
#define A2A_WIPE_H

#include <stddef.h>

/* Zeroes n bytes at p in a way the compiler may not drop as a dead store. p may be NULL when
 * n is 0. */
void a2a_wipe(void *p, size_t n);

#endif
