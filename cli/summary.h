/*
 * What a run says about itself as a whole: the progress line while it runs (stderr on a
 * terminal), the summary line at the end, and the same counts as JSON (--summary-json).
 */
#ifndef A2A_CLI_SUMMARY_H
#define A2A_CLI_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "batch.h"
#include "messages.h"
#include "read_again.h"

/* The ranges of the --stream input; the redrive's pointer ranges are in the run's stats. */
struct summary_ranges {
    uint64_t read;       /* ranges opened */
    uint64_t unreadable; /* of those, not read in full */
};

/*
 * The last line on stderr: "INCOMPLETE: " first when input was left unread (a range not read
 * in full included), then the counts, failures broken down by kind, extra (", 1 of 2 stream
 * ranges unreadable", or ""), time and rate. stream may be NULL (no --stream).
 */
void summary_print(struct messages *m, const struct a2a_run_stats *st,
                   const struct summary_ranges *stream, int dry_run, const char *extra);

/* What the run leaves to do, or could not do, beside its counts (--summary-json). */
struct summary_after {
    const char *command;                 /* the resume command, or NULL */
    const struct read_again_list *again; /* the stream ranges to read again, or NULL */
    const char *const *unwritten;        /* the outputs not written whole, by option */
    size_t nunwritten;
};

/*
 * The summary's counts as one JSON object and a newline (the fields are in the manual);
 * stream may be NULL; after may be NULL (nothing left). Returns 0 or -1 (out of memory or
 * write error).
 */
int summary_write_json(FILE *out, const struct a2a_run_stats *st,
                       const struct summary_ranges *stream, int dry_run, int exit_status,
                       const struct summary_after *after);

/* The progress line: redrawn from results and from the run's ticks, at most 5 times a second. */
struct progress {
    struct messages *msgs; /* borrowed */
    int dry_run;
    int64_t start_ms;
    int64_t drawn_ms;
    uint64_t done, acked, failed;
    uint64_t *sizes;       /* owned: byte size of each input when all are regular files */
    size_t nsizes;         /* 0: the total is unknown (standard input, a pipe) */
    uint64_t start_offset; /* --resume-from: bytes of the first input not read by this run */
};

/*
 * Sizes the inputs for the percentage and ETA: only when every one is a named regular file.
 * Never fails: without sizes the line shows no percentage.
 */
void progress_init(struct progress *p, struct messages *m, int dry_run, const char *const *files,
                   size_t nfiles, uint64_t start_offset);
void progress_count(struct progress *p, enum a2a_outcome outcome);
/* Redraws when the last draw is 200 ms old (force: now). */
void progress_draw(struct progress *p, const struct a2a_run_stats *live, int force);
void progress_free(struct progress *p);

#endif
