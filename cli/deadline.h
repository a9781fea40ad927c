/*
 * --max-time: the whole run's deadline as a SIGALRM, so that it stops the run exactly as
 * SIGINT and SIGTERM do (a blocked read of standard input returns with EINTR, every record
 * not acknowledged is listed), and the exit status can tell it from them: 124, as timeout(1).
 */
#ifndef A2A_DEADLINE_H
#define A2A_DEADLINE_H

#include <signal.h>

/* The signal the deadline arrives as. */
#define DEADLINE_SIGNAL SIGALRM

/*
 * Delivers DEADLINE_SIGNAL once, ms milliseconds from now, to the process (the caller has
 * installed its handler, and threads that must not take it block it). ms 0: none.
 * Returns 0, or -1 with errno set.
 */
int deadline_arm(long ms);

#endif
