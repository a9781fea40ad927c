#include "error.h"

#include <stdio.h>

void a2a_error_set(struct a2a_error *err, enum a2a_errcode code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->code != A2A_OK) {
        return;
    }
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
