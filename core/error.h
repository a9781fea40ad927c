/*
 * Errors as values: core functions fill a struct a2a_error and return a failure code; only
 * the CLI decides how (and whether) to print it.
 */
#ifndef A2A_ERROR_H
#define A2A_ERROR_H

#include <stdarg.h>

enum a2a_errcode {
    A2A_OK = 0,
    A2A_E_INPUT,       /* the input is unreadable, not JSON, or not a stream event */
    A2A_E_NOMEM,       /* an allocation failed */
    A2A_E_IO,          /* writing an output failed */
    A2A_E_CONFIG,      /* a configuration value was refused (bad URL, header, file) */
    A2A_E_CONFIG_URL,  /* A2A_E_CONFIG for the endpoint URL: msg says only what is wrong, the
                          caller names the value in its own terms (the CLI by its flag) */
    A2A_E_INTERRUPTED, /* the cancel flag was raised */
    A2A_E_INTERNAL,    /* a library call failed in a way we did not expect */
    A2A_E_STREAM,      /* a stream range could not be read (trimmed, not found, denied, no
                          credentials, retries spent): the records around it still count */
};

/*
 * A configured limit an error is about. The core says which limit (beside the error) and its
 * value (in msg); the CLI, which knows the options, names the one that sets it.
 */
enum a2a_limit {
    A2A_LIMIT_NONE = 0,
    A2A_LIMIT_MAX_RECORD, /* the largest record held in memory (scanner max_record) */
};

/*
 * What an input that is no JSON text seems to be instead, from its first bytes: the CLI tells
 * an operator what to do with it before a continuation names it again.
 */
enum a2a_encoding {
    A2A_ENCODING_JSON = 0, /* none other seen */
    A2A_ENCODING_GZIP,     /* 1f 8b */
    A2A_ENCODING_UTF16,    /* a UTF-16 byte order mark, or a NUL byte first */
};

#define A2A_ERROR_MSG_MAX 1024

struct a2a_error {
    enum a2a_errcode code;
    char msg[A2A_ERROR_MSG_MAX]; /* "subject: what is wrong", no trailing newline */
};

/* Records the first error only: later calls leave an already-set error alone. */
void a2a_error_set(struct a2a_error *err, enum a2a_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
