/*
 * What the CLI makes of a redrive: the --acked-messages file, the unreadable ranges of
 * on-failure records (stderr and --report), the Streams client settings pointers are read
 * with, and the summary of the input's messages.
 */
#ifndef A2A_REDRIVE_OUT_H
#define A2A_REDRIVE_OUT_H

#include <signal.h>
#include <stdio.h>

#include "batch.h"
#include "buf.h"
#include "error.h"
#include "messages.h"
#include "options.h"

struct redrive_out {
    struct messages *msgs;             /* borrowed */
    FILE *report;                      /* borrowed; NULL without --report */
    FILE *acked;                       /* owned; NULL without --acked-messages */
    const char *acked_path;            /* borrowed from argv */
    struct a2a_buf line;               /* owned: scratch for lines */
    struct a2a_log log;                /* the Streams clients' retries, as -v lines */
    struct a2a_streams_config streams; /* the template pointers are read with */
    uint64_t acked_lines;
    int write_error;
};

/*
 * Opens --acked-messages (when given) and fills cfg (the run's redrive part). Returns 0, or -1
 * with err set (A2A_E_IO). Call redrive_out_close() either way.
 */
int redrive_out_open(struct redrive_out *ro, const struct options *o,
                     const volatile sig_atomic_t *cancel, struct messages *msgs, FILE *report,
                     struct a2a_redrive_config *cfg, struct a2a_error *err);

/* The summary of the input's messages, when it had any. */
void redrive_out_summary(const struct redrive_out *ro, const struct a2a_run_stats *st, int dry_run);

/* Closes the file. Returns 0, or -1 when writing it failed (err set). */
int redrive_out_close(struct redrive_out *ro, struct a2a_error *err);

#endif
