/*
 * Output files (-o, --report, --failed-out, and whatever else a run writes): all checked and
 * opened before the first call, so that a bad path is a usage error with nothing sent, and
 * never destroying what the path names.
 *
 * What is at the path decides how it is written:
 *   absent or a regular file  a temporary file in the same directory, renamed over it when
 *                             complete (OUTPUT_WHOLE) or the file itself (OUTPUT_STREAM);
 *                             an existing file's mode and owner are kept, a new one gets
 *                             0666 less the umask
 *   a symbolic link           the same, on the file the link leads to: the link stays
 *   a FIFO, a device, a       written directly, never replaced
 *   socket, /dev/stdout,
 *   /dev/stderr, /dev/fd/N
 * An output naming one of the inputs, or another output, is refused (device and inode).
 */
#ifndef A2A_OUTPUTS_H
#define A2A_OUTPUTS_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

enum output_mode {
    OUTPUT_WHOLE,  /* appears complete or not at all (-o, --failed-out) */
    OUTPUT_STREAM, /* written as the run goes, readable meanwhile (--report) */
};

struct output {
    const char *option; /* borrowed: the option that names it, for messages */
    const char *path;   /* borrowed: as given; NULL when the option was not given */
    enum output_mode mode;
    char *target;    /* owned: the file renamed over, links followed; NULL when written direct */
    char *tmp;       /* owned: the temporary file; NULL when written in place */
    int created;     /* OUTPUT_STREAM: opened by creating it (removed if the run never starts) */
    int direct;      /* not a regular file: written as it is */
    int write_errno; /* the first failed write's errno (output_write_failed()); 0: none */
    int failed;      /* output_close() was to keep it and could not: it is not whole */
    FILE *f;         /* owned; NULL until opened, or when path is NULL */
};

/* Sets out up for outputs_open(); path NULL means "not asked for". */
void output_init(struct output *out, const char *option, const char *path, enum output_mode mode);

/*
 * Checks and opens every output in list (those with a path) against the inputs (NULL or "-"
 * is standard input; ninputs 0 means standard input). All or nothing: returns 0 with every
 * f open, or -1 with err set (A2A_E_CONFIG: the path is refused or cannot be created, a
 * usage error; A2A_E_NOMEM) and nothing left open or created. A stream output is truncated
 * only once every output is open.
 */
int outputs_open(struct output *const *list, size_t n, const char *const *inputs, size_t ninputs,
                 struct a2a_error *err);

/*
 * Notes that a write to out->f failed with errnum (call at once, while errno holds it): the
 * stream may have dropped its buffer, so that output_close() alone could no longer say why.
 */
void output_write_failed(struct output *out, int errnum);

/*
 * Finishes out. keep set: flushes and (OUTPUT_WHOLE on a regular file) syncs and renames into
 * place; returns -1 with err set on a write error (out->failed set), the temporary file then
 * removed. keep
 * unset: a temporary file is removed, a stream created by outputs_open() too when nothing was
 * written. No-op for an output never opened.
 */
int output_close(struct output *out, int keep, struct a2a_error *err);

#endif
