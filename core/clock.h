/*
 * The one clock every timer reads: monotonic, so that a stepped wall clock never stretches a
 * retry delay, a drain deadline or a rate slot. Inline: some callers read it per record.
 */
#ifndef A2A_CLOCK_H
#define A2A_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic nanoseconds from an arbitrary origin. */
static inline int64_t a2a_now_ns(void)
{
    struct timespec ts;

    (void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Monotonic milliseconds from the same origin. */
static inline int64_t a2a_now_ms(void)
{
    return a2a_now_ns() / 1000000;
}

#endif
