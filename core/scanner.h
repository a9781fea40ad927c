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

#include "envelope.h"
#include "error.h"
#include "source.h"

#define A2A_MAX_DEPTH 512 /* JSON nesting; DynamoDB itself stops at 32 levels */

struct a2a_scanner;

/* Which documents the scanner accepts, and how it cuts them. */
enum a2a_scan_mode {
    /* Stream events, record objects and arrays of records; anything else fails the input. */
    A2A_SCAN_EVENTS = 0,
    /*
     * As EVENTS, and the shapes a redrive reads (items.h): a top-level object with a
     * "DDBStreamBatchInfo" member is cut whole, the elements of a top-level "Messages" array
     * are cut one by one like those of "Records", and each element of "Records" or of a
     * top-level array has its "eventSource" / "EventSource" member noted (see the hints).
     */
    A2A_SCAN_SHAPES,
    /* Every document, whatever it holds, is one value: for a JSON string parsed again. */
    A2A_SCAN_WHOLE,
};

/*
 * Where the record before a resume point stood, as a scan from the input's start found it
 * (a2a_input_check_resume()). Known, what follows is held to it: after an element of an
 * array, the array must go on or close (a file that ends there was cut short), and its close
 * is that array's, not a guess from the bytes after it. The end of every value the scanner cuts
 * is such a place, an element of "Messages" too: read on there, the elements after it are
 * messages, as read from the start, not records.
 */
enum a2a_resume_in {
    A2A_RESUME_ANYWHERE = 0, /* not known: anything may follow, the end of input too */
    A2A_RESUME_BETWEEN,      /* a whole document: another, or the end of input, follows */
    A2A_RESUME_IN_RECORDS,   /* an element of a stream event's "Records" array */
    A2A_RESUME_IN_ARRAY,     /* an element of a top-level array */
    A2A_RESUME_IN_MESSAGES,  /* an element of a top-level object's "Messages" array (SHAPES) */
};

struct a2a_scanner_config {
    size_t read_chunk; /* bytes per source read; 0 means 1 MiB (tests use 1 to split tokens) */
    size_t max_record; /* largest record or pre-Records prefix kept in memory */
    /*
     * Nonzero: the first input is read from this byte on, a record boundary a resume point
     * named (the byte after a record). The source must start that input at resume_offset - 1,
     * the record's closing brace, which is checked. 0: from the start, as usual.
     */
    uint64_t resume_offset;
    enum a2a_resume_in resume_in; /* with resume_offset: what the record before it was in */
    enum a2a_scan_mode mode;      /* 0 is A2A_SCAN_EVENTS */
    /*
     * 1: the bytes are text inside the input (a message's Body, an S3 payload, an API answer),
     * not a file as written: a bad first byte gets no advice on how a file was written (gzip,
     * UTF-16), which would be about the wrong thing.
     */
    int not_a_file;
    /*
     * Scanning ahead (EVENTS and SHAPES modes, an input the source says is a regular file, with at
     * least ahead_own + ahead_part bytes left): a helper thread cuts the records of a later
     * part of the file (from a record boundary it guesses, read with pread()) while this
     * thread scans the bytes before it; when this thread's own scan ends a record exactly
     * where the part starts, in a state the part agrees with, it hands out the part's records
     * and moves on past them. The records, their order, offsets and positions, and every
     * message are the same as without: a part that does not line up is dropped, and one that
     * met bad bytes ends before them, so this thread reads them itself. Costs one thread and
     * about two parts' bytes of memory.
     */
    int no_ahead;      /* 1: never scan ahead */
    size_t ahead_own;  /* bytes this thread scans between two parts; 0: A2A_AHEAD_OWN */
    size_t ahead_part; /* bytes of a part; 0: A2A_AHEAD_PART */
};

#define A2A_AHEAD_OWN  ((size_t)384 << 10)
#define A2A_AHEAD_PART ((size_t)640 << 10)

/* Where a cut value stood in its document. */
enum a2a_value_origin {
    A2A_FROM_DOCUMENT, /* the whole top-level value */
    A2A_FROM_RECORDS,  /* an element of a top-level object's "Records" array */
    A2A_FROM_ARRAY,    /* an element of a top-level array */
    A2A_FROM_MESSAGES, /* an element of a top-level object's "Messages" array (SHAPES) */
};

/* A part of a record's bytes: bytes[off, off + len). */
struct a2a_span {
    size_t off;
    size_t len;
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
    enum a2a_value_origin origin;
    /*
     * Hints noted on the way, so a shape is told without a second look at the bytes; all 0
     * outside A2A_SCAN_SHAPES. batch_info: a top-level object with a "DDBStreamBatchInfo"
     * member. For an element of "Records" or of a top-level array: how many members are
     * named "eventSource" (Lambda's SQS and DynamoDB records) and "EventSource" (SNS), and the
     * raw content (escapes kept, quotes dropped) of the first of each whose value is a string.
     */
    int batch_info;
    unsigned event_source_count;
    unsigned upper_source_count;
    int has_event_source;
    int has_upper_source;
    struct a2a_span event_source;
    struct a2a_span upper_source;
    /*
     * Where the envelope fields stand, collected while the record was validated (hand it to
     * a2a_record_parse_with()), or NULL when the scanner did not collect them (always NULL
     * outside A2A_SCAN_EVENTS).
     */
    const struct a2a_envelope *envelope;
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

/* Documents begun so far, over all inputs (0: nothing but white space was read). */
uint64_t a2a_scanner_documents(const struct a2a_scanner *sc);

/* After -1: the configured limit the input exceeded (max_record), or A2A_LIMIT_NONE. */
enum a2a_limit a2a_scanner_limit(const struct a2a_scanner *sc);
/* With that limit: the size of the value that exceeded it when it was measured whole, else 0
   (it outgrew the limit before its end was read). */
uint64_t a2a_scanner_limit_needed(const struct a2a_scanner *sc);
/* With that limit and no size: 1 with *at set to the byte where that value (a record or a
   whole document, not a prefix) begins in the current input, for measuring it; else 0. */
int a2a_scanner_limit_at(const struct a2a_scanner *sc, uint64_t *at);
/* After -1: what the input seems to be when it failed for not being JSON text at its start. */
enum a2a_encoding a2a_scanner_encoding(const struct a2a_scanner *sc);

/* How scanning ahead went so far: parts handed out and dropped, records taken from them. */
struct a2a_ahead_stats {
    uint64_t parts_taken;
    uint64_t parts_dropped; /* guessed boundaries that did not line up, or parts with no record */
    uint64_t records_taken;
};

void a2a_scanner_ahead_stats(const struct a2a_scanner *sc, struct a2a_ahead_stats *out);

/* Closes the source (when it has close()) and frees; NULLs *sc; NULL-safe. */
void a2a_scanner_free(struct a2a_scanner **sc);

#endif
