#include "deadline.h"

#include <stddef.h>
#include <sys/time.h>

int deadline_arm(long ms)
{
    struct itimerval when = {.it_interval = {0, 0}};

    if (ms <= 0) {
        return 0;
    }
    when.it_value.tv_sec = ms / 1000;
    when.it_value.tv_usec = (ms % 1000) * 1000;
    return setitimer(ITIMER_REAL, &when, NULL);
}
