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
#include "outputs.h"

struct redrive_out {
    struct messages *msgs;             /* borrowed */
    FILE *report;                      /* borrowed; NULL without --report */
    struct output *acked;              /* borrowed: --acked-messages (f NULL without it) */
    struct a2a_buf line;               /* owned: scratch for lines */
    struct a2a_log log;                /* the Streams clients' retries, as -v lines */
    struct a2a_streams_config streams; /* the template pointers are read with */
    uint64_t acked_lines;
    uint64_t cut;       /* messages not acked because the run stopped first */
    uint64_t cut_first; /* the first and last of them, by index */
    uint64_t cut_last;
    int write_error;
};

/*
 * Fills cfg (the run's redrive part). acked is the --acked-messages output, opened (or not
 * asked for) by the caller, who closes it. Call redrive_out_close() afterwards.
 */
void redrive_out_open(struct redrive_out *ro, const struct options *o,
                      const volatile sig_atomic_t *cancel, struct messages *msgs, FILE *report,
                      struct output *acked, struct a2a_redrive_config *cfg);

/* The summary of the input's messages, when it had any; acked_file_failed: --acked-messages
   could not be written whole. */
void redrive_out_summary(const struct redrive_out *ro, const struct a2a_run_stats *st, int dry_run,
                         int acked_file_failed);

/* Frees what it holds. Returns 0, or -1 when a report line could not be written (printed). */
int redrive_out_close(struct redrive_out *ro);

#endif
