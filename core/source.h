/*
 * Byte sources: where the scanner's bytes come from.
 *
 * A source yields one or more inputs, one after the other, each a run of bytes with a name
 * for messages: the files of the command line ("-" is standard input), a buffer in memory, or
 * anything a caller supplies through struct a2a_source (a page of a stream, a JSON string
 * unescaped into a buffer). The scanner counts the bytes of each input itself, so a source
 * says nothing about offsets: an input starts at byte 0 and ends where read() returns 0.
 *
 * The scanner calls read() once per chunk (1 MiB by default), never per byte.
 */
#ifndef A2A_SOURCE_H
#define A2A_SOURCE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/*
 * Where a source that is not read by byte offsets (a stream's pages) stands when a run stops
 * before its end, in the source's own terms: the part being read (a stream's shard), where
 * to continue in it, and the parts not read yet. Filled by the source's place() callback.
 */
struct a2a_source_place {
    int valid;       /* the source named its place */
    int none_read;   /* nothing was read yet: the same source again reads it all */
    char *name;      /* owned: the part, for messages ("stream ARN shard ID"); with none_read,
                        the whole ("stream ARN") */
    char *part;      /* owned: the part reading stopped in (a shard id); NULL with none_read */
    char *part_from; /* owned: where to go on in it ("after:SEQ", the last record read), or
                        NULL: from the part's own start (none of its records was read) */
    char **rest;     /* owned array of owned ids: the parts after it, not read yet, in order */
    size_t nrest;
    /* The continuation opens a part at its own start and that start is not a place (a
       stream's latest): what was written to it between the runs is not read. */
    int inexact;
};

/* Frees what p owns and zeroes it; NULL-safe. */
void a2a_source_place_free(struct a2a_source_place *p);

/* The last record the reader of a source took, for place(). */
struct a2a_source_last {
    int has_record;  /* a record was read */
    uint64_t input;  /* 0-based index of the input it came from (the next() count) */
    const char *seq; /* borrowed: its SequenceNumber, exact bytes; NULL when it had none */
    size_t seq_len;
};

struct a2a_source {
    /*
     * Moves to the next input; the first call opens the first. Returns 1 with *name set
     * (borrowed, valid until the next call to next() or the source is closed), 0 when there
     * are no more inputs, or -1 with err set (*name may then name the input that failed).
     */
    int (*next)(void *ctx, const char **name, struct a2a_error *err);
    /*
     * Reads up to cap (> 0) bytes of the current input into buf. Returns the count, 0 at the
     * end of the input (and again if asked again), or -1 with err set: A2A_E_INPUT (the input
     * cannot be read), A2A_E_INTERRUPTED (a deadline or the cancel flag stopped the wait).
     */
    ssize_t (*read)(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err);
    /*
     * Optional: where the source stands, for a resume point, given the last record the reader
     * took from it (every record before that one was handed over). Returns 0 with *out filled
     * (owned by the caller), or -1 (out of memory).
     */
    int (*place)(void *ctx, const struct a2a_source_last *last, struct a2a_source_place *out);
    /*
     * Optional: the current input as a regular file, for a reader that reads parts of it out
     * of order (the scanner's helper thread, scanner.h). Returns 1 with *fd (owned by the
     * source, valid until next() or close(); only ever read with pread(), which is safe from
     * another thread) and *size (when the input was opened), or 0: not a regular file.
     */
    int (*regular)(void *ctx, int *fd, uint64_t *size);
    /*
     * Optional, with regular: read() continues from byte off of the current input. Returns 0,
     * or -1 with err set (A2A_E_INPUT).
     */
    int (*seek)(void *ctx, uint64_t off, struct a2a_error *err);
    /*
     * Optional: 1 when the current input may hold no document at all and that is no fault:
     * standard input from a pipe, fed by `aws sqs receive-message`, which prints nothing for
     * an empty queue. An empty file, named or given with <, stays an input error (a capture
     * gone wrong).
     */
    int (*may_be_empty)(void *ctx);
    /* Optional: called once when the reader is done with the source; releases ctx. */
    void (*close)(void *ctx);
    void *ctx; /* the source's state; owned by the source when close is set, else borrowed */
};

/*
 * A buffer in memory as a source of one input. The caller owns the struct and the bytes, and
 * keeps both alive while the source is read; the source has no close().
 */
struct a2a_memory {
    const char *bytes; /* borrowed */
    size_t len;
    const char *name; /* borrowed; the input's name in messages ("<memory>" when NULL) */
    size_t pos;       /* bytes handed out so far */
    int opened;       /* next() was called once */
};

/* Fills *src to read m; resets m's read position. Never fails. */
void a2a_memory_source(struct a2a_source *src, struct a2a_memory *m);

/*
 * The files of the command line as a source: each path is one input, opened lazily, in
 * order; "-" (and an empty list) is standard input, which is read but never closed.
 */
struct a2a_files;

struct a2a_files_config {
    const char *const *paths; /* borrowed; "-" is standard input; npaths 0 means stdin */
    size_t npaths;
    const volatile sig_atomic_t *cancel; /* optional; checked whenever a wait ends */
    /*
     * Optional: a descriptor that becomes readable when cancel is set (the read end of a
     * self-pipe the signal handler writes to). Waits for a pipe watch it, so a signal that
     * lands just before a wait still ends it at once; it is never read. NULL: none, and a
     * signal that lands so is noticed at the next wait slice (250 ms) instead.
     */
    const int *wake_fd;
    /*
     * Optional: called while waiting for a pipe, terminal or socket, at least every 250 ms;
     * it returns when fd is readable or soon (when it has nothing to do), and meanwhile keeps
     * the caller's other work (calls in flight, a progress display) moving. Regular files
     * never block, so it is not called for them.
     */
    void (*wait_hook)(void *ctx, int fd);
    void *wait_ctx; /* borrowed; handed to wait_hook */
    /*
     * Nonzero: read the first path from this byte on (a resume point; see scanner.h, which
     * must be given the same offset). The first path must then be a regular file; standard
     * input cannot be resumed: what was read of it is gone.
     */
    uint64_t resume_offset;
};

/* Returns 0, or -1 with err set (A2A_E_NOMEM). Opens nothing yet. */
int a2a_files_open(struct a2a_files **out, const struct a2a_files_config *cfg,
                   struct a2a_error *err);

/* Fills *src to read f; f stays the caller's (the source has no close()). */
void a2a_files_source(struct a2a_source *src, struct a2a_files *f);

/*
 * Stop waiting for input at this CLOCK_MONOTONIC time in ms (after an interruption): a read
 * that would wait past it fails with A2A_E_INTERRUPTED. -1 waits for ever (the default).
 */
void a2a_files_set_deadline(struct a2a_files *f, int64_t deadline_ms);

/* 1 when the current input is a named regular file (it can be opened again and resumed). */
int a2a_files_resumable(const struct a2a_files *f);

/*
 * The size of the object or array at byte `at` of the current input, read again from the file
 * without holding it (a value that outgrew the record limit before its end was read). Returns
 * 1 with *size, which is max + 1 when it is larger than max; 0 when it cannot be measured:
 * not a regular file read from byte 0, a read error, no object or array there, its end not
 * found.
 */
int a2a_files_value_size(const struct a2a_files *f, uint64_t at, uint64_t max, uint64_t *size);

/* Closes what it opened (never standard input) and frees; NULLs *f; NULL-safe. */
void a2a_files_free(struct a2a_files **f);

#endif
