/*
 * The input reader the batch driver uses: the files of the command line (or a buffer in
 * memory) as a source (source.h), read by the scanner (scanner.h) into one raw record at a
 * time, or, with shapes set, into items (items.h): records, pointers of on-failure invocation
 * records, and messages that failed. The bytes come from the files, or from any other source
 * (source.h) the caller opened, such as a stream's pages.
 */
#ifndef A2A_INPUT_H
#define A2A_INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "items.h"
#include "scanner.h"
#include "source.h"

struct a2a_input;

struct a2a_input_config {
    /*
     * When set: read this source instead of paths or mem (borrowed: the struct is copied,
     * its close(), when set, is called by a2a_input_free()).
     */
    const struct a2a_source *source;
    const char *const *paths; /* borrowed; "-" is standard input; npaths 0 means stdin */
    size_t npaths;
    const char *mem; /* when set: read these bytes instead of paths (fuzzing, tests) */
    size_t mem_len;
    const char *mem_name; /* name used in messages for mem input */
    size_t read_chunk;    /* bytes per read; 0 means 1 MiB (tests use 1 to split tokens) */
    size_t max_record;    /* largest record or pre-Records prefix kept in memory */
    int shapes;           /* read the redrive shapes too: call a2a_input_next_item(), not _next() */
    int scan_ahead;       /* let a helper thread scan a large regular file ahead (scanner.h) */
    const volatile sig_atomic_t *cancel; /* optional; checked whenever a wait ends */
    const int *wake_fd;                  /* optional: readable once cancel is set (see source.h) */
    /* Optional: called while waiting for a pipe (see source.h). */
    void (*wait_hook)(void *ctx, int fd);
    void *wait_ctx;
    /* Nonzero: read the first path from this record boundary on (see scanner.h). */
    uint64_t resume_offset;
    enum a2a_resume_in resume_in; /* see scanner.h; a2a_input_check_resume() tells it */
};

/* Returns 0, or -1 with err set (out of memory). Files are opened lazily, in order. */
int a2a_input_open(struct a2a_input **out, const struct a2a_input_config *cfg,
                   struct a2a_error *err);

/*
 * Returns 1 with *rec filled, 0 at the end of all input, -1 with err set: A2A_E_INPUT (the
 * message names the input, the byte offset and what is wrong) or A2A_E_INTERRUPTED (the
 * deadline passed while waiting for input). After -1 the reader returns -1 again.
 */
int a2a_input_next(struct a2a_input *in, struct a2a_raw_record *rec, struct a2a_error *err);

/*
 * With shapes set: returns 1 with *item filled (borrowed until the next call), 0 at the end
 * of all input, -1 with err set as a2a_input_next() does. A message that cannot be used is an
 * item (A2A_ITEM_MESSAGE_ERROR), never -1.
 */
int a2a_input_next_item(struct a2a_input *in, struct a2a_item *item, struct a2a_error *err);

/* Stop waiting for input at this CLOCK_MONOTONIC time in ms (after an interruption). */
void a2a_input_set_deadline(struct a2a_input *in, int64_t deadline_ms);

/* Name of the input being read, and how far into it the reader got. */
const char *a2a_input_current_name(const struct a2a_input *in);
uint64_t a2a_input_current_offset(const struct a2a_input *in);
/* 0-based index of that input; 1 when it is a named regular file that can be resumed. */
size_t a2a_input_current_index(const struct a2a_input *in);
/* JSON documents begun so far (0: nothing but white space was read). */
uint64_t a2a_input_documents(const struct a2a_input *in);
int a2a_input_current_resumable(const struct a2a_input *in);

/*
 * With shapes: the last place of the current input read so far that a read may go on from
 * (items.h), when a message's value ended there: sets *end and *message (its index) and
 * returns 1; else 0 (a record ended last: the caller keeps its own record of those).
 */
int a2a_input_message_place(const struct a2a_input *in, uint64_t *end, uint64_t *message);

/* After -1: the configured limit the input exceeded, or A2A_LIMIT_NONE. */
enum a2a_limit a2a_input_limit(const struct a2a_input *in);
/* With that limit: the size of the value that exceeded it, or 0 when not known. */
uint64_t a2a_input_limit_needed(const struct a2a_input *in);

/* The largest value a limit may hold: a value measured larger is said to be larger than it. */
#define A2A_INPUT_MAX_RECORD_LARGEST ((uint64_t)1 << 30)
/* After -1: what the input seems to be, when it is no JSON text from its start (error.h). */
enum a2a_encoding a2a_input_encoding(const struct a2a_input *in);

/* What a2a_input_check_resume() found at and before the offset. */
struct a2a_resume_place {
    uint64_t before;       /* the resume point nearest before the offset; 0: the file's start */
    enum a2a_resume_in in; /* what the record that ends at the offset was in: give it the run */
    enum a2a_limit limit;  /* after -1: the limit a record before it outgrew, or NONE */
};

/*
 * Whether cfg->resume_offset is a place the first path can be read on from: a record the
 * scanner cuts (in the mode cfg reads with) ends exactly there, as at every resume point a
 * run names. The scanner's own look at the byte before it cannot tell a record's closing
 * brace from a nested map's, so the file is read from its start up to there (at the dry
 * run's speed: the smaller the records, the longer a GB takes), watching cfg->cancel. The end
 * of an element of "Messages" is such a place too: place->in says so, and the run reads the
 * elements after it as messages (scanner.h).
 *
 * Returns 0 (it is), 1 (it is not: err->msg says where it falls and the resume point before
 * it, A2A_E_CONFIG), or -1 with err set: the file could not be read up to there or through
 * the record at it (the scanner's message; place->limit), A2A_E_INTERRUPTED when cancel was
 * raised, or out of memory. place is filled in every case.
 */
int a2a_input_check_resume(const struct a2a_input_config *cfg, struct a2a_resume_place *place,
                           struct a2a_error *err);

/* Closes what it opened (never standard input) and frees; NULLs *in; NULL-safe. */
void a2a_input_free(struct a2a_input **in);

#endif
