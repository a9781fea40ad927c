/*
 * The scanner: bytes from a source (source.h) -> documents -> one raw record at a time.
 *
 * Documents may be concatenated or newline-delimited, across any number of inputs. Each is a
 * stream event ({"Records":[...]}, including `aws dynamodbstreams get-records` pages), one
 * record object, or an array of record objects. Records are cut out of the byte stream by a
 * validating scanner, so a 1 GB {"Records":[...]} document is read in constant memory: only
 * the current record (at most max_record bytes) is ever held. A document never spans two
 * inputs, and every input must hold at least one.
 */
#ifndef A2A_SCANNER_H
#define A2A_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "source.h"

#define A2A_MAX_DEPTH 512 /* JSON nesting; DynamoDB itself stops at 32 levels */

struct a2a_scanner;

struct a2a_scanner_config {
    size_t read_chunk; /* bytes per source read; 0 means 1 MiB (tests use 1 to split tokens) */
    size_t max_record; /* largest record or pre-Records prefix kept in memory */
    /*
     * Nonzero: the first input is read from this byte on, a record boundary a resume point
     * named (the byte after a record). The source must start that input at resume_offset - 1,
     * the record's closing brace, which is checked. 0: from the start, as usual.
     */
    uint64_t resume_offset;
};

/* A record as it stands in the input; everything is borrowed until the next call. */
struct a2a_raw_record {
    const char *bytes;
    size_t len;
    const char *file;  /* display name of the input; valid while the source keeps it */
    uint64_t offset;   /* byte offset of the record in that input */
    uint64_t position; /* 1-based position in the whole batch */
    size_t input;      /* 0-based index of the input it came from */
    int non_ascii;     /* some string holds bytes >= 0x80: the UTF-8 must be checked */
};

/*
 * Returns 0, or -1 with err set (out of memory). The source is copied; its close(), when set,
 * is called by a2a_scanner_free(). Nothing is read yet.
 */
int a2a_scanner_open(struct a2a_scanner **out, const struct a2a_source *src,
                     const struct a2a_scanner_config *cfg, struct a2a_error *err);

/*
 * Returns 1 with *rec filled, 0 at the end of all input, -1 with err set: A2A_E_INPUT (the
 * message names the input, the byte offset and what is wrong), A2A_E_NOMEM, or whatever the
 * source reported (A2A_E_INTERRUPTED when a deadline passed while waiting for input). After
 * -1 the scanner returns -1 again.
 */
int a2a_scanner_next(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err);

/* Name of the input being read ("" before the first), and how far into it the scanner got. */
const char *a2a_scanner_name(const struct a2a_scanner *sc);
uint64_t a2a_scanner_offset(const struct a2a_scanner *sc);
/* 0-based index of the input being read (or that failed to open); 0 before the first. */
size_t a2a_scanner_input_index(const struct a2a_scanner *sc);

/* After -1: the configured limit the input exceeded (max_record), or A2A_LIMIT_NONE. */
enum a2a_limit a2a_scanner_limit(const struct a2a_scanner *sc);

/* Closes the source (when it has close()) and frees; NULLs *sc; NULL-safe. */
void a2a_scanner_free(struct a2a_scanner **sc);

#endif
