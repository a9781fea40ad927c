/* explicit_bzero is a glibc/BSD extension, outside the POSIX level the rest of the tree asks
 * for: ask for it here only. */
#define _DEFAULT_SOURCE 1

#include "wipe.h"

#include <string.h>

void a2a_wipe(void *p, size_t n)
{
    if (n > 0) {
        explicit_bzero(p, n);
    }
}
