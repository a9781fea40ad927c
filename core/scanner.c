#include "scanner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonstr.h"
#include "swar.h"

#define DEFAULT_CHUNK ((size_t)1 << 20)
#define NO_MARK       UINT64_MAX

/* Where the scanner stands between documents and inside one. */
enum doc_state {
    DOC_BETWEEN,        /* between documents: the next byte starts one (or the input ends) */
    DOC_OBJECT_MEMBERS, /* inside a top-level object, before a member or its closing brace */
    DOC_RECORDS,        /* inside the Records array of a stream event */
    DOC_ARRAY,          /* inside a top-level array of records */
    DOC_RESUME,         /* at a resume point: on the closing brace of the last record read */
    DOC_RESUMED_ARRAY,  /* after a resume point inside an array: Records or top-level */
};

struct a2a_scanner {
    struct a2a_source src;         /* copied; its ctx is the source's (closed at free) */
    struct a2a_scanner_config cfg; /* copied */
    int opened;                    /* an input was opened */
    const char *name;              /* borrowed from the source: the current input's name */
    int at_eof;                    /* the current input has no more bytes */
    int docs_in_file;              /* documents seen in the current input */
    size_t inputs;                 /* inputs the source was asked to open (and did, or failed) */

    unsigned char *buf; /* owned; holds [base, base + end) of the current input */
    size_t cap;
    size_t pos;    /* scan cursor (index into buf) */
    size_t end;    /* bytes valid in buf */
    uint64_t base; /* input offset of buf[0] */
    uint64_t keep; /* input offset from which bytes must stay in memory, or NO_MARK */
    int keep_is_record;

    enum doc_state state;
    int first_member;   /* no member or element yet in the current container */
    int saw_records;    /* the current top-level object had a Records array */
    int record_keys;    /* the current top-level object has eventName or dynamodb */
    uint64_t doc_start; /* input offset of the current top-level document */
    int non_ascii;      /* set by the string scanner */
    uint64_t position;  /* records handed out so far */
    struct a2a_buf key; /* scratch for escaped member names */
    int failed;
    enum a2a_limit limit; /* the limit the input exceeded, when that is why it failed */
};

static uint64_t here(const struct a2a_scanner *sc)
{
    return sc->base + sc->pos;
}

static void fail(struct a2a_scanner *sc, struct a2a_error *err, const char *what)
{
    if (sc->keep_is_record && sc->keep != NO_MARK) {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu (record %llu): %s", sc->name,
                      (unsigned long long)here(sc), (unsigned long long)sc->position + 1, what);
    } else {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu: %s", sc->name, (unsigned long long)here(sc),
                      what);
    }
    sc->failed = 1;
}

/*
 * A record or a pre-Records prefix starting at byte `at` outgrew max_record. The message says
 * its value, a2a_scanner_limit() which limit; the caller names the option that set it.
 */
static int too_large(struct a2a_scanner *sc, struct a2a_error *err, int is_record, uint64_t at)
{
    char what[160];

    snprintf(what, sizeof(what), "%s at byte %llu is larger than the %zu-byte limit",
             is_record ? "record" : "document prefix before \"Records\"", (unsigned long long)at,
             sc->cfg.max_record);
    fail(sc, err, what);
    sc->limit = A2A_LIMIT_MAX_RECORD;
    return -1;
}

int a2a_scanner_open(struct a2a_scanner **out, const struct a2a_source *src,
                     const struct a2a_scanner_config *cfg, struct a2a_error *err)
{
    struct a2a_scanner *sc = calloc(1, sizeof(*sc));

    *out = NULL;
    if (sc == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    sc->src = *src;
    sc->cfg = *cfg;
    if (sc->cfg.read_chunk == 0) {
        sc->cfg.read_chunk = DEFAULT_CHUNK;
    }
    sc->keep = NO_MARK;
    sc->at_eof = 1; /* no input opened yet */
    sc->name = "";
    *out = sc;
    return 0;
}

const char *a2a_scanner_name(const struct a2a_scanner *sc)
{
    return sc->name;
}

uint64_t a2a_scanner_offset(const struct a2a_scanner *sc)
{
    return here(sc);
}

size_t a2a_scanner_input_index(const struct a2a_scanner *sc)
{
    return sc->inputs > 0 ? sc->inputs - 1 : 0;
}

enum a2a_limit a2a_scanner_limit(const struct a2a_scanner *sc)
{
    return sc->limit;
}

void a2a_scanner_free(struct a2a_scanner **psc)
{
    struct a2a_scanner *sc = *psc;

    if (sc == NULL) {
        return;
    }
    if (sc->src.close != NULL) {
        sc->src.close(sc->src.ctx);
    }
    free(sc->buf);
    a2a_buf_free(&sc->key);
    free(sc);
    *psc = NULL;
}

/* Moves the source to its next input. Returns 1 opened, 0 no more inputs, -1 error. */
static int open_next(struct a2a_scanner *sc, struct a2a_error *err)
{
    const char *name = NULL;
    int r;

    r = sc->src.next(sc->src.ctx, &name, err);
    if (name != NULL) {
        sc->name = name;
    }
    if (r != 0) {
        sc->inputs++;
    }
    if (r < 0) {
        sc->failed = 1;
        return -1;
    }
    if (r == 0) {
        return 0;
    }
    sc->opened = 1;
    sc->at_eof = 0;
    sc->docs_in_file = 0;
    sc->base = 0;
    sc->pos = 0;
    sc->end = 0;
    if (sc->inputs == 1 && sc->cfg.resume_offset > 0) {
        sc->base = sc->cfg.resume_offset - 1; /* the source starts on the record's last byte */
        sc->state = DOC_RESUME;
        sc->docs_in_file = 1; /* the input's first document started before the resume point */
    }
    return 1;
}

/* Makes room in buf, keeping every byte from the keep mark (or the cursor) on. */
static int make_room(struct a2a_scanner *sc, struct a2a_error *err)
{
    uint64_t from = here(sc);
    size_t drop;
    size_t want;
    unsigned char *p;

    if (sc->keep != NO_MARK && sc->keep < from) {
        from = sc->keep;
    }
    drop = (size_t)(from - sc->base);
    if (drop > 0) {
        memmove(sc->buf, sc->buf + drop, sc->end - drop);
        sc->end -= drop;
        sc->pos -= drop;
        sc->base += drop;
    }
    /* Only called with the cursor at the end: every byte held belongs to the kept value. */
    if (sc->keep != NO_MARK && sc->end > sc->cfg.max_record) {
        return too_large(sc, err, sc->keep_is_record, sc->keep);
    }
    if (sc->cap - sc->end >= sc->cfg.read_chunk / 2 + 1) {
        return 0;
    }
    want = sc->cap == 0 ? sc->cfg.read_chunk : sc->cap * 2;
    if (want < sc->end + sc->cfg.read_chunk) {
        want = sc->end + sc->cfg.read_chunk;
    }
    p = realloc(sc->buf, want);
    if (p == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory reading %s", sc->name);
        sc->failed = 1;
        return -1;
    }
    sc->buf = p;
    sc->cap = want;
    return 0;
}

/*
 * Reads more bytes of the current input: one call to the source per chunk. Returns 1 got
 * some, 0 end of this input, -1 error.
 */
static int fill(struct a2a_scanner *sc, struct a2a_error *err)
{
    size_t room;
    ssize_t n;

    if (sc->failed) {
        return -1;
    }
    if (sc->at_eof) {
        return 0;
    }
    if (make_room(sc, err) != 0) {
        return -1;
    }
    room = sc->cap - sc->end;
    if (room > sc->cfg.read_chunk) {
        room = sc->cfg.read_chunk;
    }
    n = sc->src.read(sc->src.ctx, sc->buf + sc->end, room, err);
    if (n < 0) {
        sc->failed = 1;
        return -1;
    }
    if (n == 0) {
        sc->at_eof = 1;
        return 0;
    }
    sc->end += (size_t)n;
    return 1;
}

/* peek() once the buffer is used up: reads until a byte comes, the input ends or it fails. */
static int peek_refill(struct a2a_scanner *sc, struct a2a_error *err)
{
    while (sc->pos >= sc->end) {
        int r = fill(sc, err);
        if (r <= 0) {
            return r == 0 ? -1 : -2;
        }
    }
    return sc->buf[sc->pos];
}

/*
 * The next byte without consuming it: 0..255, -1 at the end of this input, -2 on error.
 * Called per byte, so the buffered case stays small enough to inline; the rest is apart.
 */
static inline int peek(struct a2a_scanner *sc, struct a2a_error *err)
{
    if (sc->pos < sc->end) {
        return sc->buf[sc->pos];
    }
    return peek_refill(sc, err);
}

static int peek_nonspace(struct a2a_scanner *sc, struct a2a_error *err)
{
    /* Fast path: compact JSON has no white space between tokens. */
    if (sc->pos < sc->end && sc->buf[sc->pos] > ' ') {
        return sc->buf[sc->pos];
    }
    for (;;) {
        int c = peek(sc, err);
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            return c;
        }
        sc->pos++;
    }
}

static int unexpected(struct a2a_scanner *sc, struct a2a_error *err, int c, const char *expected)
{
    char what[160];

    if (c == -2) {
        return -1; /* fill() already said why */
    }
    if (c == -1) {
        snprintf(what, sizeof(what), "invalid JSON: input ends where %s was expected (truncated?)",
                 expected);
    } else if (c >= 0x20 && c < 0x7f) {
        snprintf(what, sizeof(what), "invalid JSON: found '%c' where %s was expected", c, expected);
    } else {
        snprintf(what, sizeof(what), "invalid JSON: found byte 0x%02x where %s was expected", c,
                 expected);
    }
    fail(sc, err, what);
    return -1;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Scans a string literal; the cursor is on its opening quote. Returns 0 or -1. */
static int scan_string(struct a2a_scanner *sc, struct a2a_error *err)
{
    sc->pos++;
    for (;;) {
        int c;

        sc->pos = a2a_string_run(sc->buf, sc->pos, sc->end);
        c = peek(sc, err);
        if (c < 0) {
            return unexpected(sc, err, c, "the end of a string");
        }
        if (!a2a_run_stop((unsigned char)c, 1)) {
            continue; /* the fast loop ran off the buffer: more plain bytes arrived */
        }
        if (c == '"') {
            sc->pos++;
            return 0;
        }
        if (c >= 0x80) {
            sc->non_ascii = 1;
            sc->pos++;
            continue;
        }
        if (c != '\\') {
            return unexpected(sc, err, c,
                              "a string character (control characters must be "
                              "escaped)");
        }
        sc->pos++;
        c = peek(sc, err);
        if (c == 'u') {
            sc->pos++;
            for (int k = 0; k < 4; k++) {
                c = peek(sc, err);
                if (!is_hex(c)) {
                    return unexpected(sc, err, c, "a hex digit of a \\u escape");
                }
                sc->pos++;
            }
        } else if (c >= 0 && strchr("\"\\/bfnrt", c) != NULL && c != 0) {
            sc->pos++;
        } else {
            return unexpected(sc, err, c, "an escape letter");
        }
    }
}

static int scan_digits(struct a2a_scanner *sc, struct a2a_error *err, const char *expected)
{
    int c = peek(sc, err);

    if (c < '0' || c > '9') {
        return unexpected(sc, err, c, expected);
    }
    while (c >= '0' && c <= '9') {
        sc->pos++;
        c = peek(sc, err);
    }
    return c == -2 ? -1 : 0;
}

/* Scans a number by the JSON grammar; the cursor is on its first byte. */
static int scan_number(struct a2a_scanner *sc, struct a2a_error *err)
{
    int c = peek(sc, err);

    if (c == '-') {
        sc->pos++;
        c = peek(sc, err);
    }
    if (c == '0') {
        sc->pos++;
    } else if (scan_digits(sc, err, "a digit") != 0) {
        return -1;
    }
    c = peek(sc, err);
    if (c == '.') {
        sc->pos++;
        if (scan_digits(sc, err, "a digit after '.'") != 0) {
            return -1;
        }
        c = peek(sc, err);
    }
    if (c == 'e' || c == 'E') {
        sc->pos++;
        c = peek(sc, err);
        if (c == '+' || c == '-') {
            sc->pos++;
        }
        if (scan_digits(sc, err, "an exponent digit") != 0) {
            return -1;
        }
    }
    return 0;
}

static int scan_literal(struct a2a_scanner *sc, struct a2a_error *err, const char *word)
{
    for (const char *w = word; *w != '\0'; w++) {
        int c = peek(sc, err);
        if (c != (unsigned char)*w) {
            return unexpected(sc, err, c, "a JSON value");
        }
        sc->pos++;
    }
    return 0;
}

/* Opens a container on the skip stack. */
static int push(struct a2a_scanner *sc, struct a2a_error *err, unsigned char *stack, int *depth,
                int limit, unsigned char kind)
{
    if (*depth >= limit) {
        char what[96];
        snprintf(what, sizeof(what), "JSON nested deeper than %d levels", A2A_MAX_DEPTH);
        fail(sc, err, what);
        return -1;
    }
    stack[(*depth)++] = kind;
    sc->pos++;
    return 0;
}

enum skip_state { SKIP_VALUE, SKIP_KEY, SKIP_AFTER };

/* Scans one complete JSON value, validating it; iterative, so depth costs no C stack. */
static int skip_value(struct a2a_scanner *sc, struct a2a_error *err)
{
    unsigned char stack[A2A_MAX_DEPTH];
    int depth = 0;
    /* The document already opened its object (and, inside Records, the array): they count. */
    int limit =
        A2A_MAX_DEPTH - (sc->state == DOC_RECORDS || sc->state == DOC_RESUMED_ARRAY ? 2 : 1);
    enum skip_state st = SKIP_VALUE;
    int c;

    for (;;) {
        if (st == SKIP_AFTER && depth == 0) {
            return 0; /* the value ends here: what follows is not part of it */
        }
        c = peek_nonspace(sc, err);
        if (st == SKIP_KEY) {
            if (c != '"' || scan_string(sc, err) != 0) {
                return c == '"' ? -1 : unexpected(sc, err, c, "a member name string");
            }
            c = peek_nonspace(sc, err);
            if (c != ':') {
                return unexpected(sc, err, c, "':'");
            }
            sc->pos++;
            st = SKIP_VALUE;
            continue;
        }
        if (st == SKIP_AFTER) {
            if (c == ',') {
                sc->pos++;
                st = stack[depth - 1] == '{' ? SKIP_KEY : SKIP_VALUE;
            } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
                sc->pos++;
                depth--;
            } else {
                return unexpected(sc, err, c,
                                  stack[depth - 1] == '{' ? "',' or '}'" : "',' or ']'");
            }
            continue;
        }
        /* SKIP_VALUE */
        if (c == '{' || c == '[') {
            if (push(sc, err, stack, &depth, limit, (unsigned char)c) != 0) {
                return -1;
            }
            c = peek_nonspace(sc, err);
            if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
                sc->pos++;
                depth--;
                st = SKIP_AFTER;
            } else {
                st = stack[depth - 1] == '{' ? SKIP_KEY : SKIP_VALUE;
            }
            continue;
        }
        if (c == '"') {
            if (scan_string(sc, err) != 0) {
                return -1;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (scan_number(sc, err) != 0) {
                return -1;
            }
        } else if (c == 't' || c == 'f' || c == 'n') {
            if (scan_literal(sc, err, c == 't' ? "true" : (c == 'f' ? "false" : "null")) != 0) {
                return -1;
            }
        } else {
            return unexpected(sc, err, c, "a JSON value");
        }
        st = SKIP_AFTER;
    }
}

/*
 * Scans a member name and compares it with the names the top level cares about.
 * Returns 0 with *which set (0 other, 1 Records, 2 eventName or dynamodb), or -1.
 */
static int scan_top_key(struct a2a_scanner *sc, struct a2a_error *err, int *which)
{
    uint64_t saved_keep = sc->keep;
    uint64_t start;
    const char *raw;
    size_t len;
    int c = peek_nonspace(sc, err);

    if (c != '"') {
        return unexpected(sc, err, c, "a member name string");
    }
    start = here(sc);
    if (sc->keep == NO_MARK) {
        sc->keep = start; /* hold the name in memory while it is scanned */
    }
    if (scan_string(sc, err) != 0) {
        return -1;
    }
    raw = (const char *)sc->buf + (size_t)(start - sc->base) + 1;
    len = (size_t)(here(sc) - start) - 2;
    if (memchr(raw, '\\', len) != NULL) {
        if (a2a_json_unescape(raw, len, &sc->key) != A2A_UNESCAPE_OK) {
            a2a_buf_reset(&sc->key); /* a name with U+0000 or a lone surrogate is none of ours */
        }
        raw = sc->key.data;
        len = sc->key.len;
    }
    sc->keep = saved_keep;
    *which = 0;
    if (len == 7 && memcmp(raw, "Records", 7) == 0) {
        *which = 1;
    } else if ((len == 9 && memcmp(raw, "eventName", 9) == 0) ||
               (len == 8 && memcmp(raw, "dynamodb", 8) == 0)) {
        *which = 2;
    }
    c = peek_nonspace(sc, err);
    if (c != ':') {
        return unexpected(sc, err, c, "':'");
    }
    sc->pos++;
    return 0;
}

/* Cuts the next value out as a record. */
static int take_record(struct a2a_scanner *sc, struct a2a_raw_record *rec, uint64_t start,
                       struct a2a_error *err)
{
    size_t off = (size_t)(start - sc->base);

    if (sc->pos - off > sc->cfg.max_record) {
        return too_large(sc, err, 1, start);
    }
    rec->bytes = (const char *)sc->buf + off;
    rec->len = sc->pos - off;
    rec->file = sc->name;
    rec->offset = start;
    rec->position = ++sc->position;
    rec->input = sc->inputs - 1;
    rec->non_ascii = sc->non_ascii;
    return 1;
}

/* Starts a document: the cursor is on its first byte. Returns 0, 1 (a record), or -1. */
static int start_document(struct a2a_scanner *sc, struct a2a_raw_record *rec, int c,
                          struct a2a_error *err)
{
    sc->doc_start = here(sc);
    sc->docs_in_file++;
    sc->first_member = 1;
    if (c == '{') {
        sc->state = DOC_OBJECT_MEMBERS;
        sc->saw_records = 0;
        sc->record_keys = 0;
        sc->keep = sc->doc_start; /* it may turn out to be a single record */
        sc->keep_is_record = 0;
        sc->non_ascii = 0;
        sc->pos++;
        return 0;
    }
    if (c == '[') {
        sc->state = DOC_ARRAY;
        sc->pos++;
        return 0;
    }
    (void)rec;
    if (c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
        fail(sc, err,
             "not a stream event: a document must be an object with a \"Records\" "
             "array, a record object, or an array of records");
        return -1;
    }
    return unexpected(sc, err, c, "a JSON document");
}

/* One step inside a top-level object. Returns 0 (go on), 1 (a record), or -1. */
static int object_member(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int which = 0;
    int c = peek_nonspace(sc, err);

    if (c == '}') {
        sc->pos++;
        sc->state = DOC_BETWEEN;
        if (sc->saw_records) {
            return 0;
        }
        sc->keep = NO_MARK;
        if (!sc->record_keys) {
            sc->pos = (size_t)(sc->doc_start - sc->base);
            fail(sc, err,
                 "not a stream event: object has no \"Records\" array and is not a "
                 "record (no \"eventName\" or \"dynamodb\")");
            return -1;
        }
        return take_record(sc, rec, sc->doc_start, err);
    }
    if (!sc->first_member) {
        if (c != ',') {
            return unexpected(sc, err, c, "',' or '}'");
        }
        sc->pos++;
    }
    sc->first_member = 0;
    if (scan_top_key(sc, err, &which) != 0) {
        return -1;
    }
    if (which == 1 && !sc->saw_records && here(sc) - sc->doc_start > sc->cfg.max_record) {
        return too_large(sc, err, 0, sc->doc_start);
    }
    if (which == 1 && !sc->saw_records) {
        c = peek_nonspace(sc, err);
        if (c != '[') {
            if (c < 0) {
                return unexpected(sc, err, c, "the Records array");
            }
            fail(sc, err, "not a stream event: \"Records\" is not an array");
            return -1;
        }
        sc->pos++;
        sc->saw_records = 1;
        sc->keep = NO_MARK; /* an event: what came before Records is not needed */
        sc->state = DOC_RECORDS;
        sc->first_member = 1;
        return 0;
    }
    if (which == 1) {
        fail(sc, err, "not a stream event: \"Records\" appears twice");
        return -1;
    }
    if (which == 2) {
        sc->record_keys = 1;
    }
    return skip_value(sc, err);
}

/* One step inside Records or a top-level array. Returns 0 (go on), 1 (a record), or -1. */
static int array_element(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    uint64_t start;
    int c = peek_nonspace(sc, err);

    if (c == ']') {
        sc->pos++;
        sc->first_member = 0;
        if (sc->state == DOC_RESUMED_ARRAY) {
            /* Resumed inside an array: what follows its end says whose it was. */
            c = peek_nonspace(sc, err);
            sc->state = c == '}' || c == ',' ? DOC_RECORDS : DOC_ARRAY;
            sc->saw_records = 1;
        }
        sc->state = sc->state == DOC_RECORDS ? DOC_OBJECT_MEMBERS : DOC_BETWEEN;
        return 0;
    }
    if (!sc->first_member) {
        if (c != ',') {
            return unexpected(sc, err, c, "',' or ']'");
        }
        sc->pos++;
        c = peek_nonspace(sc, err);
    }
    sc->first_member = 0;
    if (c < 0) {
        return unexpected(sc, err, c, "a record");
    }
    start = here(sc);
    sc->keep = start;
    sc->keep_is_record = 1;
    sc->non_ascii = 0;
    if (skip_value(sc, err) != 0) {
        return -1;
    }
    return take_record(sc, rec, start, err);
}

/*
 * At a resume point: the cursor is on the byte before it, which must close the last record
 * read; what follows places the scanner in an array or between documents.
 */
static int resume_here(struct a2a_scanner *sc, struct a2a_error *err)
{
    int c = peek(sc, err);

    if (c != '}') {
        if (c == -2) {
            return -1;
        }
        fail(sc, err,
             "not a resume point: the byte before it does not end a record (give the offset "
             "a resume point named)");
        return -1;
    }
    sc->pos++;
    c = peek_nonspace(sc, err);
    if (c == -2) {
        return -1;
    }
    sc->first_member = 0;
    sc->state = c == ',' || c == ']' ? DOC_RESUMED_ARRAY : DOC_BETWEEN;
    return 0;
}

int a2a_scanner_next(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int r;

    if (sc->failed) {
        a2a_error_set(err, A2A_E_INPUT, "%s: input already failed", sc->name);
        return -1;
    }
    /* The previous record may be released now. */
    if (sc->state != DOC_OBJECT_MEMBERS || sc->saw_records) {
        sc->keep = NO_MARK;
        sc->keep_is_record = 0;
    }
    for (;;) {
        int c;

        switch (sc->state) {
        case DOC_BETWEEN:
            c = peek_nonspace(sc, err);
            if (c == -2) {
                return -1;
            }
            if (c == -1) {
                if (sc->opened && sc->docs_in_file == 0 && !sc->failed) {
                    fail(sc, err, "no JSON document in this input (empty file?)");
                    return -1;
                }
                r = open_next(sc, err);
                if (r <= 0) {
                    return r;
                }
                continue;
            }
            r = start_document(sc, rec, c, err);
            break;
        case DOC_OBJECT_MEMBERS:
            r = object_member(sc, rec, err);
            break;
        case DOC_RESUME:
            r = resume_here(sc, err);
            break;
        default:
            r = array_element(sc, rec, err);
            break;
        }
        if (r != 0) {
            return r;
        }
    }
}
