/*
 * Views into JSON text the scanner has already validated: the members of an object and the
 * type of a value, as (pointer, length) spans of the text itself, so a value found here can
 * be handed on byte for byte. Nothing here validates: on text that is not JSON the answers
 * are meaningless, but every read stays inside the span it was given.
 */
#ifndef A2A_JSONVIEW_H
#define A2A_JSONVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jsonstr.h"

enum a2a_jv_type {
    A2A_JV_NONE, /* an empty span (nothing there) */
    A2A_JV_OBJECT,
    A2A_JV_ARRAY,
    A2A_JV_STRING,
    A2A_JV_NUMBER,
    A2A_JV_TRUE,
    A2A_JV_FALSE,
    A2A_JV_NULL,
};

/* The type of the value v (no white space around it). */
enum a2a_jv_type a2a_jv_type(struct a2a_str v);

/* A member a2a_jv_fields() looks for. */
struct a2a_jv_field {
    const char *name;     /* borrowed; compared with the decoded member names */
    unsigned count;       /* out: how many members have this name */
    struct a2a_str value; /* out: the first one's value, no white space around it */
};

/*
 * Walks the members of the object obj once, filling each field. A member name whose decoding
 * fails (U+0000, a lone surrogate) matches no field. Returns 0, -1 when obj is not an object,
 * -2 when memory ran out (scratch holds escaped names while they are compared).
 */
int a2a_jv_fields(struct a2a_str obj, struct a2a_jv_field *fields, size_t n,
                  struct a2a_buf *scratch);

/* The field of that name in fields[0..n), or NULL. */
const struct a2a_jv_field *a2a_jv_find(const struct a2a_jv_field *fields, size_t n,
                                       const char *name);

/*
 * Where an object or array that comes in pieces ends, without holding it: brackets and
 * strings are followed, nothing else is looked at. Zeroed before the first piece.
 */
struct a2a_jv_skip {
    uint64_t depth;
    int in_string;
    int escaped;
    int ended;
};

/*
 * Feeds the value's next n bytes, its opening bracket first. Returns how many of them are
 * the value's: fewer than n only once it ended (then `ended` is set).
 */
size_t a2a_jv_skip_feed(struct a2a_jv_skip *s, const char *p, size_t n);

#endif
