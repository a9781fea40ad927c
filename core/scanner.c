#include "scanner.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "envelope.h"
#include "jsonstr.h"
#include "swar.h"

#define DEFAULT_CHUNK ((size_t)1 << 20)
#define NO_MARK       UINT64_MAX
#define AHEAD_READ    ((size_t)64 << 10) /* the helper's reads; this thread's while ahead */
#define AHEAD_LEAD    24                 /* bytes of a record's opening a boundary must match */
#define AHEAD_PEEK    ((size_t)4 << 10)  /* read past where a part starts, to find its boundary */
/*
 * Room kept after the buffer's capacity: the one-pass record scanner zeroes PAD bytes after
 * the data (a 0 byte is never valid where it stands in JSON) and reads up to 16 bytes at a
 * time, so its loops need no bounds checks.
 */
#define PAD 32

/* Where the scanner stands between documents and inside one. */
enum doc_state {
    DOC_BETWEEN,        /* between documents: the next byte starts one (or the input ends) */
    DOC_OBJECT_MEMBERS, /* inside a top-level object, before a member or its closing brace */
    DOC_RECORDS,        /* inside the Records array of a stream event */
    DOC_ARRAY,          /* inside a top-level array of records */
    DOC_RESUME,         /* at a resume point: on the closing brace of the last record read */
    DOC_RESUMED_ARRAY,  /* after a resume point inside an array: Records or top-level */
    DOC_MESSAGES,       /* inside the Messages array of `aws sqs receive-message` output */
    DOC_WHOLE,          /* inside a document cut whole (A2A_SCAN_WHOLE) */
};

/* What the bytes held from the keep mark on are, for messages. */
enum keep_kind {
    KEEP_PREFIX,   /* a top-level object's members before its Records (or Messages) */
    KEEP_RECORD,   /* a record, or an element of Messages */
    KEEP_DOCUMENT, /* a whole document (A2A_SCAN_WHOLE) */
};

struct a2a_scanner {
    struct a2a_source src;         /* copied; its ctx is the source's (closed at free) */
    struct a2a_scanner_config cfg; /* copied */
    int opened;                    /* an input was opened */
    const char *name;              /* borrowed from the source: the current input's name */
    int at_eof;                    /* the current input has no more bytes */
    int docs_in_file;              /* documents seen in the current input */
    uint64_t docs;                 /* documents begun, over all inputs */
    size_t inputs;                 /* inputs the source was asked to open (and did, or failed) */

    unsigned char *buf; /* owned; holds [base, base + end) of the current input */
    size_t cap;
    size_t pos;    /* scan cursor (index into buf) */
    size_t end;    /* bytes valid in buf */
    uint64_t base; /* input offset of buf[0] */
    uint64_t keep; /* input offset from which bytes must stay in memory, or NO_MARK */
    enum keep_kind keep_is_record;

    enum doc_state state;
    int first_member; /* no member or element yet in the current container */
    int saw_records;  /* the current top-level object had a Records (1) or Messages (3) array */
    int record_keys;  /* the current top-level object has eventName or dynamodb */
    int batch_info;   /* the current top-level object has DDBStreamBatchInfo (SHAPES) */
    int escaped;      /* set by the string scanner at a backslash */
    /* The current element's eventSource (es_) and EventSource (us_) members (SHAPES). */
    unsigned es_count;
    unsigned us_count;
    uint64_t es_at; /* input offset of the first string value's content, or NO_MARK */
    uint64_t us_at;
    size_t es_len;
    size_t us_len;
    uint64_t doc_start;           /* input offset of the current top-level document */
    int non_ascii;                /* set by the string scanner */
    uint64_t position;            /* records handed out so far */
    struct a2a_buf key;           /* scratch for escaped member names */
    struct a2a_envelope envelope; /* of the record handed out last, when the fast scan made it */
    int failed;
    enum a2a_limit limit;       /* the limit the input exceeded, when that is why it failed */
    uint64_t limit_needed;      /* the size of the value that exceeded it, when measured whole */
    uint64_t limit_at;          /* where that value begins; NO_MARK for a prefix */
    enum a2a_encoding encoding; /* what the input seems to be, when no JSON text is why */

    /* Scanning ahead (scanner.h): all unused while ahead_next is NO_MARK. */
    uint64_t pin;               /* a helper's scanner keeps every byte from here on; else NO_MARK */
    uint64_t ahead_next;        /* look for the helper's part when here() reaches this */
    struct ahead *ahead;        /* owned; NULL until the first input worth it */
    struct ahead_part *serving; /* borrowed from ahead: the part being handed out, or NULL */
    struct a2a_ahead_stats ahead_stats;
    /* The name of the input's first record's first member ("eventID"), once seen. */
    unsigned char lead[AHEAD_LEAD];
    size_t lead_len;
};

static void ahead_arm(struct a2a_scanner *sc);
static void ahead_stop_input(struct a2a_scanner *sc);
static void ahead_free(struct ahead **pa);

static uint64_t here(const struct a2a_scanner *sc)
{
    return sc->base + sc->pos;
}

/*
 * The cursor is inside a record: an element of Records or of a top-level array, or a top-level
 * object that has shown a record's keys ("eventName", "dynamodb") and no "Records" (a line of
 * newline-delimited records).
 */
static int in_record(const struct a2a_scanner *sc)
{
    if (sc->keep == NO_MARK) {
        return 0;
    }
    return sc->keep_is_record == KEEP_RECORD ||
           (sc->keep_is_record == KEEP_PREFIX && sc->record_keys && !sc->saw_records);
}

/*
 * Says what failed at the cursor; numbered: in the record after the last one handed out. An
 * element of Messages is a message, named by where it starts: the count of records handed out
 * is not its number among the input's messages.
 */
static void fail_as(struct a2a_scanner *sc, struct a2a_error *err, int numbered, const char *what)
{
    if (numbered && sc->state == DOC_MESSAGES && sc->keep != NO_MARK) {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu (the message at byte %llu): %s", sc->name,
                      (unsigned long long)here(sc), (unsigned long long)sc->keep, what);
    } else if (numbered) {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu (record %llu): %s", sc->name,
                      (unsigned long long)here(sc), (unsigned long long)sc->position + 1, what);
    } else {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu: %s", sc->name, (unsigned long long)here(sc),
                      what);
    }
    sc->failed = 1;
}

static void fail(struct a2a_scanner *sc, struct a2a_error *err, const char *what)
{
    fail_as(sc, err, in_record(sc), what);
}

/*
 * A record or a pre-Records prefix starting at byte `at` outgrew max_record. The message says
 * its value, a2a_scanner_limit() which limit; the caller names the option that set it.
 */
static int too_large(struct a2a_scanner *sc, struct a2a_error *err, enum keep_kind kind,
                     uint64_t at, uint64_t size)
{
    static const char *const what_is[] = {
        [KEEP_PREFIX] = "document prefix before \"Records\"",
        [KEEP_RECORD] = "record",
        [KEEP_DOCUMENT] = "document",
    };
    char what[160];

    if (kind == KEEP_PREFIX && in_record(sc)) {
        kind = KEEP_RECORD; /* a record of its own, its keys seen: not a prefix of anything */
    }
    snprintf(what, sizeof(what), "%s at byte %llu is larger than the %zu-byte limit",
             kind == KEEP_RECORD && sc->state == DOC_MESSAGES ? "message" : what_is[kind],
             (unsigned long long)at, sc->cfg.max_record);
    /* a record is numbered even when measured whole, after its end */
    fail_as(sc, err, kind == KEEP_RECORD, what);
    sc->limit = A2A_LIMIT_MAX_RECORD;
    sc->limit_needed = size;
    sc->limit_at = kind == KEEP_PREFIX ? NO_MARK : at; /* a prefix's size is not a value's */
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
    sc->es_at = NO_MARK;
    sc->us_at = NO_MARK;
    sc->pin = NO_MARK;
    sc->ahead_next = NO_MARK;
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

uint64_t a2a_scanner_documents(const struct a2a_scanner *sc)
{
    return sc->docs;
}

void a2a_scanner_ahead_stats(const struct a2a_scanner *sc, struct a2a_ahead_stats *out)
{
    *out = sc->ahead_stats;
}

enum a2a_limit a2a_scanner_limit(const struct a2a_scanner *sc)
{
    return sc->limit;
}

uint64_t a2a_scanner_limit_needed(const struct a2a_scanner *sc)
{
    return sc->limit_needed;
}

int a2a_scanner_limit_at(const struct a2a_scanner *sc, uint64_t *at)
{
    if (sc->limit != A2A_LIMIT_MAX_RECORD || sc->limit_needed != 0 || sc->limit_at == NO_MARK) {
        return 0;
    }
    *at = sc->limit_at;
    return 1;
}

enum a2a_encoding a2a_scanner_encoding(const struct a2a_scanner *sc)
{
    return sc->encoding;
}

void a2a_scanner_free(struct a2a_scanner **psc)
{
    struct a2a_scanner *sc = *psc;

    if (sc == NULL) {
        return;
    }
    ahead_free(&sc->ahead); /* first: the helper reads the source's file */
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

    ahead_stop_input(sc); /* the helper reads the input being left */
    sc->lead_len = 0;
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
    ahead_arm(sc);
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
    if (sc->pin < from) {
        from = sc->pin; /* a helper's part: every byte of it stays until it is handed out */
    }
    drop = (size_t)(from - sc->base);
    if (drop > 0) {
        memmove(sc->buf, sc->buf + drop, sc->end - drop);
        sc->end -= drop;
        sc->pos -= drop;
        sc->base += drop;
    }
    /* Only called with the cursor at the end: every byte held belongs to the kept value. */
    if (sc->keep != NO_MARK && sc->end - (size_t)(sc->keep - sc->base) > sc->cfg.max_record) {
        return too_large(sc, err, sc->keep_is_record, sc->keep, 0); /* its end not read yet */
    }
    if (sc->cap - sc->end >= sc->cfg.read_chunk / 2 + 1) {
        return 0;
    }
    want = sc->cap == 0 ? sc->cfg.read_chunk : sc->cap * 2;
    if (want < sc->end + sc->cfg.read_chunk) {
        want = sc->end + sc->cfg.read_chunk;
    }
    p = realloc(sc->buf, want + PAD);
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
    if (sc->ahead_next != NO_MARK) {
        /* The bytes after the helper's next part starts are its: read up to about there. */
        uint64_t at = sc->base + sc->end;
        uint64_t want = sc->ahead_next > at ? sc->ahead_next - at + AHEAD_PEEK : AHEAD_PEEK;

        if (room > want) {
            room = (size_t)want;
        }
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

/*
 * c, at the cursor, starts a UTF-8 byte order mark: 1 or 0, after reading up to two more bytes
 * to tell; -1 when that read failed (said in err). Reads only when no value is kept (between
 * documents, where a byte order mark is found): make_room() measures a kept value with the
 * cursor at the end of the buffer, and these bytes are past the cursor.
 */
static int bom_at_cursor(struct a2a_scanner *sc, int c, struct a2a_error *err)
{
    if (c != 0xef) {
        return 0;
    }
    while (sc->end - sc->pos < 3) {
        if (sc->keep != NO_MARK) {
            return 0;
        }
        int r = fill(sc, err);
        if (r <= 0) {
            return r;
        }
    }
    return sc->buf[sc->pos + 1] == 0xbb && sc->buf[sc->pos + 2] == 0xbf;
}

static int unexpected(struct a2a_scanner *sc, struct a2a_error *err, int c, const char *expected)
{
    char what[320];

    if (c == -2) {
        return -1; /* fill() already said why */
    }
    int bom = bom_at_cursor(sc, c, err);
    if (bom < 0) {
        return -1;
    }
    if (bom) {
        /* Windows editors and PowerShell write one; "byte 0xef" would not say what to do */
        snprintf(what, sizeof(what),
                 "invalid JSON: found a UTF-8 byte order mark (ef bb bf) where %s was expected; "
                 "JSON text has none: remove it",
                 expected);
    } else if (c == -1) {
        snprintf(what, sizeof(what), "invalid JSON: input ends where %s was expected (truncated?)",
                 expected);
    } else if (c >= 0x20 && c < 0x7f) {
        snprintf(what, sizeof(what), "invalid JSON: found '%c' where %s was expected", c, expected);
    } else if (!sc->cfg.not_a_file && here(sc) <= 1 &&
               (c == 0x1f || c == 0xfe || c == 0xff || c == 0x00)) {
        /* what a compressed or UTF-16 file starts with (its magic bytes, a UTF-16 byte order
           mark, or the NUL of a UTF-16 '{'): "byte 0x1f" would not say what to do */
        snprintf(what, sizeof(what), "invalid JSON: found byte 0x%02x where %s was expected; %s", c,
                 expected,
                 c == 0x1f ? "gzip-compressed? (1f 8b starts one): decompress it first, e.g. "
                             "zcat FILE | a2a-recover -"
                           : "UTF-16 text? (ff fe or fe ff starts it, NUL bytes fill it): JSON "
                             "must be UTF-8, e.g. iconv -f UTF-16 -t UTF-8");
        sc->encoding = c == 0x1f ? A2A_ENCODING_GZIP : A2A_ENCODING_UTF16;
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
        sc->escaped = 1;
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

/* Containers the document opened around the value being skipped: they count in the depth. */
static int open_levels(const struct a2a_scanner *sc)
{
    switch (sc->state) {
    case DOC_RECORDS:
    case DOC_MESSAGES:
    case DOC_RESUMED_ARRAY:
        return 2;
    case DOC_WHOLE:
        return 0;
    default:
        return 1;
    }
}

/*
 * A member name of an element just scanned (it started at key_at): 1 "eventSource",
 * 2 "EventSource", 0 anything else. The element is held from its first byte on.
 */
static int sniff_key(struct a2a_scanner *sc, uint64_t key_at)
{
    const char *raw = (const char *)sc->buf + (size_t)(key_at - sc->base) + 1;
    size_t len = (size_t)(here(sc) - key_at) - 2;

    if (sc->escaped) {
        if (a2a_json_unescape(raw, len, &sc->key) != A2A_UNESCAPE_OK) {
            return 0;
        }
        raw = sc->key.data;
        len = sc->key.len;
    }
    if (len != 11 || memcmp(raw + 1, "ventSource", 10) != 0) {
        return 0;
    }
    return raw[0] == 'e' ? 1 : (raw[0] == 'E' ? 2 : 0);
}

/*
 * The value of a member sniff_key() named: counted, and when it is a string, scanned here and
 * noted (the first only). Returns 1 scanned, 0 not a string (the caller skips it), -1.
 */
static int sniff_value(struct a2a_scanner *sc, int which, struct a2a_error *err)
{
    uint64_t *at = which == 1 ? &sc->es_at : &sc->us_at;
    size_t *len = which == 1 ? &sc->es_len : &sc->us_len;
    uint64_t start;
    int c;

    if (which == 1) {
        sc->es_count++;
    } else {
        sc->us_count++;
    }
    c = peek_nonspace(sc, err);
    if (c != '"') {
        return 0;
    }
    start = here(sc);
    if (scan_string(sc, err) != 0) {
        return -1;
    }
    if (*at == NO_MARK) {
        *at = start + 1;
        *len = (size_t)(here(sc) - start) - 2;
    }
    return 1;
}

/*
 * Scans one complete JSON value, validating it; iterative, so depth costs no C stack. With
 * sniff (a constant: each caller gets its own copy), the members of the value itself that
 * sniff_key() names are noted on the way; the plain copy pays nothing for it.
 */
static inline __attribute__((always_inline)) int
skip_value_as(struct a2a_scanner *sc, struct a2a_error *err, const int sniff)
{
    unsigned char stack[A2A_MAX_DEPTH];
    int depth = 0;
    /* The document already opened its object (and, inside Records, the array): they count. */
    int limit = A2A_MAX_DEPTH - open_levels(sc);
    enum skip_state st = SKIP_VALUE;
    int c;

    for (;;) {
        if (st == SKIP_AFTER && depth == 0) {
            return 0; /* the value ends here: what follows is not part of it */
        }
        c = peek_nonspace(sc, err);
        if (st == SKIP_KEY) {
            uint64_t key_at = here(sc);
            int which = 0;

            if (sniff) {
                sc->escaped = 0;
            }
            if (c != '"' || scan_string(sc, err) != 0) {
                return c == '"' ? -1 : unexpected(sc, err, c, "a member name string");
            }
            if (sniff && depth == 1) {
                which = sniff_key(sc, key_at);
            }
            c = peek_nonspace(sc, err);
            if (c != ':') {
                return unexpected(sc, err, c, "':'");
            }
            sc->pos++;
            st = SKIP_VALUE;
            if (sniff && which != 0) {
                int r = sniff_value(sc, which, err);
                if (r < 0) {
                    return -1;
                }
                st = r == 1 ? SKIP_AFTER : SKIP_VALUE;
            }
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

static int skip_value(struct a2a_scanner *sc, struct a2a_error *err)
{
    return skip_value_as(sc, err, 0);
}

static int skip_value_sniffing(struct a2a_scanner *sc, struct a2a_error *err)
{
    return skip_value_as(sc, err, 1);
}

/*
 * Scans a member name and compares it with the names the top level cares about. Returns 0
 * with *which set (0 other, 1 Records, 2 eventName or dynamodb, and in SHAPES mode 3 Messages,
 * 4 DDBStreamBatchInfo), or -1.
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
    } else if (sc->cfg.mode == A2A_SCAN_SHAPES) {
        if (len == 8 && memcmp(raw, "Messages", 8) == 0) {
            *which = 3;
        } else if (len == 18 && memcmp(raw, "DDBStreamBatchInfo", 18) == 0) {
            *which = 4;
        }
    }
    c = peek_nonspace(sc, err);
    if (c != ':') {
        return unexpected(sc, err, c, "':'");
    }
    sc->pos++;
    return 0;
}

/*
 * The one-pass record scanner: validates a record held whole in the buffer and, on the way,
 * fills the envelope (envelope.h), so the record parser need not walk the bytes again. It
 * knows only the well-formed, buffered case: at anything else (a syntax error, the end of the
 * buffered bytes, nesting too deep) it gives up and the careful scanner above scans the same
 * record from its start, reading more input or naming the error exactly as it always did.
 * The buffer holds a 0 byte after the data (PAD), which stops every loop here.
 */
struct fast_scan {
    const unsigned char *rec; /* the record's first byte */
    const unsigned char *end; /* the end of the buffered data (the 0 byte) */
    struct a2a_envelope *env;
    int env_ok;   /* no member name that matters had an escape */
    int escapes;  /* a string holds an escape */
    int document; /* the value is a whole document: give up at any escaped name that matters */
    int shapes;   /* A2A_SCAN_SHAPES: "Messages" and "DDBStreamBatchInfo" make a document */
    int sniff;    /* note the element's eventSource / EventSource members (SHAPES) */
    unsigned sniffed[2]; /* how many of each */
    size_t sniff_at[2];  /* the first string value's content, from the record's first byte */
    size_t sniff_len[2];
    int sniff_found[2];
    int non_ascii; /* a string holds bytes >= 0x80 */
};

/* Inlined in the loop below whatever the optimiser's size limits: it is the hot path. */
#if defined(__GNUC__)
#define FAST_INLINE   inline __attribute__((always_inline))
#define FAST_NOINLINE __attribute__((noinline)) /* the loop keeps its registers to itself */
#else
#define FAST_INLINE inline
#define FAST_NOINLINE
#endif

static FAST_INLINE const unsigned char *fast_ws(const unsigned char *p)
{
    /* Compact JSON has no white space: one comparison decides that. */
    if (*p > ' ') {
        return p;
    }
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
        p++;
    }
    return p;
}

static inline int fast_digit(unsigned c)
{
    return c - '0' <= 9;
}

/*
 * p is past an opening quote. Returns the closing quote, or NULL (give up). *escaped is set
 * when the string holds an escape.
 */
static FAST_INLINE const unsigned char *fast_string(struct fast_scan *fs, const unsigned char *p,
                                                    int *escaped)
{
    for (;;) {
        unsigned c;

        p = a2a_string_stop(p);
        c = *p;
        if (c == '"') {
            return p;
        }
        if (c >= 0x80) {
            fs->non_ascii = 1;
            p++;
            continue;
        }
        if (c != '\\') {
            return NULL; /* a control character, or the 0 after the data */
        }
        *escaped = 1;
        fs->escapes = 1;
        c = p[1];
        if (c == 'u') {
            if (!is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5])) {
                return NULL;
            }
            p += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            p += 2;
        } else {
            return NULL;
        }
    }
}

/* Past a run of digits at p (at least one). Reads up to 8 bytes ahead: the buffer's PAD. */
static inline const unsigned char *fast_digits(const unsigned char *p)
{
    uint64_t eight;

    memcpy(&eight, p, 8);
    while (a2a_swar_digits(eight)) {
        p += 8;
        memcpy(&eight, p, 8);
    }
    while (fast_digit(*p)) {
        p++;
    }
    return p;
}

/* A number by the JSON grammar; NULL to give up. What follows it is checked by the caller. */
static const unsigned char *fast_number(const unsigned char *p)
{
    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if (fast_digit(*p)) {
        p = fast_digits(p + 1);
    } else {
        return NULL;
    }
    if (*p == '.') {
        p++;
        if (!fast_digit(*p)) {
            return NULL;
        }
        do {
            p++;
        } while (fast_digit(*p));
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        if (!fast_digit(*p)) {
            return NULL;
        }
        do {
            p++;
        } while (fast_digit(*p));
    }
    return p;
}

/* A number, true, false or null at p; NULL to give up. */
static const unsigned char *fast_scalar(const unsigned char *p)
{
    switch (*p) {
    case 't':
        return memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return fast_number(p);
    }
}

/* Reports a member's value to the envelope; returns the context of its members. */
static inline int fast_member(struct fast_scan *fs, int ctx, const unsigned char *key,
                              size_t key_len, const unsigned char *val, size_t str_len)
{
    return a2a_envelope_member(fs->env, ctx, (const char *)key, key_len, (const char *)fs->rec,
                               (size_t)(val - fs->rec), str_len);
}

/*
 * DynamoDB JSON holds each attribute value in an object of one member, its type and a string:
 * {"S":"acme"}. Such an object at p is taken whole here, without the general walk's push and
 * pop: returns the byte after its closing brace, or NULL when p holds anything else (white
 * space, an escaped or longer name, a value that is not a string, more members), and the
 * general walk then takes it from p. ctx is the object's context: its member is reported to
 * the envelope as the general walk would report it.
 */
static FAST_INLINE const unsigned char *fast_typed_value(struct fast_scan *fs,
                                                         const unsigned char *p, int ctx)
{
    const unsigned char *s = p + 6;
    const unsigned char *q;
    unsigned t = p[2];
    int escaped = 0;

    if (p[1] != '"' || p[3] != '"' || p[4] != ':' || p[5] != '"' || t < 0x20 || t >= 0x80 ||
        t == '"' || t == '\\') {
        return NULL;
    }
    q = fast_string(fs, s, &escaped);
    if (q == NULL || q[1] != '}') {
        return NULL;
    }
    if (ctx != A2A_ENV_NONE) {
        fast_member(fs, ctx, p + 2, 1, p + 5, (size_t)(q - s));
        a2a_envelope_end(fs->env, ctx);
    }
    return q + 2;
}

/*
 * Scans one value at p (white space first allowed), at most `limit` containers deep. Returns
 * the byte after it, or NULL to give up. Iterative: depth costs no C stack.
 */
static FAST_NOINLINE const unsigned char *fast_value(struct fast_scan *fs, const unsigned char *p,
                                                     int limit)
{
    unsigned char kind[A2A_MAX_DEPTH]; /* '{' or '[' per open container */
    unsigned char ctx[A2A_MAX_DEPTH];  /* context (enum a2a_env_ctx) per open container */
    int depth;
    int mctx = A2A_ENV_NONE; /* the object whose member value comes next */
    const unsigned char *key = NULL;
    size_t key_len = 0;
    unsigned c;

    /* The value itself: a container is walked below, anything else is one token. */
    p = fast_ws(p);
    c = *p;
    if (c == '"') {
        int escaped = 0;

        p = fast_string(fs, p + 1, &escaped);
        return p == NULL ? NULL : p + 1;
    }
    if (c != '{' && c != '[') {
        p = fast_scalar(p);
        /* A number (or literal) that ends the buffered data may go on in the next read. */
        return p == fs->end ? NULL : p;
    }
    kind[0] = (unsigned char)c;
    ctx[0] = c != '{' ? A2A_ENV_NONE : fs->document ? A2A_ENV_DOC : A2A_ENV_TOP;
    depth = 1;
    p = fast_ws(p + 1);
    if (*p == (c == '{' ? '}' : ']')) {
        if (ctx[0] != A2A_ENV_NONE) {
            a2a_envelope_end(fs->env, ctx[0]);
        }
        return p + 1;
    }
    if (c == '{') {
        goto key;
    }

    /* From here on depth >= 1: the value is inside a container. */
value:
    p = fast_ws(p);
    c = *p;
    if (c == '"') {
        const unsigned char *s = p + 1;
        int escaped = 0;

        p = fast_string(fs, s, &escaped);
        if (p == NULL) {
            return NULL;
        }
        if (mctx != A2A_ENV_NONE) {
            fast_member(fs, mctx, key, key_len, s - 1, (size_t)(p - s));
        }
        p++;
        goto after;
    }
    if (c == '{' || c == '[') {
        int child = A2A_ENV_NONE;

        if (depth >= limit) {
            return NULL;
        }
        if (mctx != A2A_ENV_NONE) {
            child = fast_member(fs, mctx, key, key_len, p, 0);
            if (fs->document && (fs->env->records > 0 || (fs->shapes && fs->env->shape_keys > 0))) {
                return NULL; /* an event: its records are cut out one by one instead */
            }
        }
        if (c == '{') {
            const unsigned char *end = fast_typed_value(fs, p, child);
            if (end != NULL) {
                p = end;
                goto after;
            }
        }
        kind[depth] = (unsigned char)c;
        ctx[depth] = (unsigned char)child;
        depth++;
        p = fast_ws(p + 1);
        if (*p == (c == '{' ? '}' : ']')) {
            p++;
            depth--;
            if (child != A2A_ENV_NONE) {
                a2a_envelope_end(fs->env, child);
            }
            goto after;
        }
        if (c == '{') {
            goto key;
        }
        mctx = A2A_ENV_NONE;
        goto value;
    }
    if (mctx != A2A_ENV_NONE) {
        fast_member(fs, mctx, key, key_len, p, 0);
    }
    p = fast_scalar(p);
    if (p == NULL) {
        return NULL;
    }

after:
    p = fast_ws(p);
    c = *p;
    if (c == ',') {
        p++;
        if (kind[depth - 1] == '{') {
            goto key;
        }
        mctx = A2A_ENV_NONE;
        goto value;
    }
    if (c == '}' && kind[depth - 1] == '{') {
        p++;
        depth--;
        if (ctx[depth] != A2A_ENV_NONE) {
            a2a_envelope_end(fs->env, ctx[depth]);
        }
        if (depth == 0) {
            return p;
        }
        goto after;
    }
    if (c == ']' && kind[depth - 1] == '[') {
        p++;
        depth--;
        if (depth == 0) {
            return p;
        }
        goto after;
    }
    return NULL;

key:
    p = fast_ws(p);
    if (*p != '"') {
        return NULL;
    }
    {
        int escaped = 0;

        key = p + 1;
        p = fast_string(fs, key, &escaped);
        if (p == NULL) {
            return NULL;
        }
        key_len = (size_t)(p - key);
        mctx = ctx[depth - 1];
        if (escaped && mctx != A2A_ENV_NONE) {
            if (fs->document || fs->sniff) {
                return NULL; /* it might be "Records", eventSource...: decided carefully */
            }
            /* The parser decodes the names and walks the record itself: report no more. */
            fs->env_ok = 0;
            memset(ctx, A2A_ENV_NONE, (size_t)depth);
            mctx = A2A_ENV_NONE;
        }
    }
    if (p[1] == ':') {
        p += 2; /* compact JSON: the colon right after the name */
    } else {
        p = fast_ws(p + 1);
        if (*p != ':') {
            return NULL;
        }
        p++;
    }
    if (key_len == 11 && depth == 1 && fs->sniff && memcmp(key + 1, "ventSource", 10) == 0 &&
        (key[0] == 'e' || key[0] == 'E')) {
        /* As the careful scanner's sniffing: counted, the first string value noted. */
        int w = key[0] == 'E';

        fs->sniffed[w]++;
        p = fast_ws(p);
        if (*p == '"' && !fs->sniff_found[w]) {
            int escaped = 0;
            const unsigned char *s = p + 1;

            p = fast_string(fs, s, &escaped);
            if (p == NULL) {
                return NULL;
            }
            fs->sniff_found[w] = 1;
            fs->sniff_at[w] = (size_t)(s - fs->rec);
            fs->sniff_len[w] = (size_t)(p - s);
            p++;
            goto after;
        }
    }
    goto value;
}

/*
 * Scans the value at the cursor in one pass, filling sc->envelope. Returns 1 with the cursor
 * after the value, or 0 with nothing changed (the careful scanner takes over). document: the
 * value is a whole document, which must be a record (not an event) to be taken here.
 */
static int fast_record(struct a2a_scanner *sc, int limit, int document)
{
    struct fast_scan fs;
    const unsigned char *end;

    /* The stop byte after the data, and defined bytes for the reads that look past it. */
    memset(sc->buf + sc->end, 0, PAD);
    a2a_envelope_init(&sc->envelope);
    fs.rec = sc->buf + sc->pos;
    fs.end = sc->buf + sc->end;
    fs.env = &sc->envelope;
    fs.env_ok = 1;
    fs.non_ascii = 0;
    fs.escapes = 0;
    fs.document = document;
    fs.shapes = sc->cfg.mode == A2A_SCAN_SHAPES;
    fs.sniff = fs.shapes && !document;
    memset(fs.sniffed, 0, sizeof(fs.sniffed));
    memset(fs.sniff_found, 0, sizeof(fs.sniff_found));
    end = fast_value(&fs, fs.rec, limit);
    if (end == NULL) {
        return 0;
    }
    if (document && (sc->envelope.records > 0 || (fs.shapes && sc->envelope.shape_keys > 0) ||
                     (sc->envelope.names == 0 && sc->envelope.ddbs == 0))) {
        return 0; /* an event, another shape, or neither: the careful scanner reads or names it */
    }
    if (fs.sniff) {
        uint64_t start = here(sc);

        sc->es_count = fs.sniffed[0];
        sc->us_count = fs.sniffed[1];
        sc->es_at = fs.sniff_found[0] ? start + fs.sniff_at[0] : NO_MARK;
        sc->us_at = fs.sniff_found[1] ? start + fs.sniff_at[1] : NO_MARK;
        sc->es_len = fs.sniff_len[0];
        sc->us_len = fs.sniff_len[1];
    }
    sc->envelope.complete = fs.env_ok;
    sc->envelope.escapes = fs.escapes;
    sc->non_ascii = fs.non_ascii;
    sc->pos = (size_t)(end - sc->buf);
    return 1;
}

/* Cuts the value from start to the cursor out as a record; env: its envelope, or NULL. */
/*
 * Keeps the name of the input's first record's first member, quotes included: the records of
 * one input open alike ({"eventID": in every DynamoDB Streams shape), and a '},{' followed by
 * that name is far likelier a boundary than one inside a list of maps. A name with an escape,
 * or longer than AHEAD_LEAD, is not kept (a boundary then needs only '{"').
 */
static void note_lead(struct a2a_scanner *sc, const char *bytes, size_t len)
{
    const char *end = bytes + (len < 2 * AHEAD_LEAD ? len : 2 * AHEAD_LEAD);
    const char *name = bytes + 1;
    const char *close;

    while (name < end && (*name == ' ' || *name == '\n' || *name == '\r' || *name == '\t')) {
        name++;
    }
    if (name >= end || *name != '"') {
        return;
    }
    close = memchr(name + 1, '"', (size_t)(end - name - 1));
    if (close == NULL || (size_t)(close - name) + 1 > AHEAD_LEAD ||
        memchr(name, '\\', (size_t)(close - name)) != NULL) {
        return;
    }
    sc->lead_len = (size_t)(close - name) + 1;
    memcpy(sc->lead, name, sc->lead_len);
}

static int take_record(struct a2a_scanner *sc, struct a2a_raw_record *rec, uint64_t start,
                       enum a2a_value_origin origin, const struct a2a_envelope *env,
                       struct a2a_error *err)
{
    size_t off = (size_t)(start - sc->base);

    if (sc->pos - off > sc->cfg.max_record) {
        return too_large(sc, err, sc->cfg.mode == A2A_SCAN_WHOLE ? KEEP_DOCUMENT : KEEP_RECORD,
                         start, sc->pos - off);
    }
    rec->bytes = (const char *)sc->buf + off;
    rec->len = sc->pos - off;
    if (sc->lead_len == 0 && sc->ahead_next != NO_MARK) {
        note_lead(sc, rec->bytes, rec->len);
    }
    rec->file = sc->name;
    rec->offset = start;
    rec->position = ++sc->position;
    rec->input = sc->inputs - 1;
    rec->non_ascii = sc->non_ascii;
    rec->origin = origin;
    rec->batch_info = origin == A2A_FROM_DOCUMENT && sc->batch_info;
    rec->event_source_count = sc->es_count;
    rec->upper_source_count = sc->us_count;
    rec->has_event_source = sc->es_at != NO_MARK;
    rec->has_upper_source = sc->us_at != NO_MARK;
    rec->event_source = (struct a2a_span){0, 0};
    rec->upper_source = (struct a2a_span){0, 0};
    if (rec->has_event_source) {
        rec->event_source = (struct a2a_span){(size_t)(sc->es_at - start), sc->es_len};
    }
    if (rec->has_upper_source) {
        rec->upper_source = (struct a2a_span){(size_t)(sc->us_at - start), sc->us_len};
    }
    rec->envelope = env;
    return 1;
}

/* A document cut whole (A2A_SCAN_WHOLE): the cursor is on its first byte. */
static int take_document(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int r;

    sc->keep = sc->doc_start;
    sc->keep_is_record = KEEP_DOCUMENT;
    sc->non_ascii = 0;
    sc->state = DOC_WHOLE;
    r = skip_value(sc, err);
    sc->state = DOC_BETWEEN;
    if (r != 0) {
        return -1;
    }
    return take_record(sc, rec, sc->doc_start, A2A_FROM_DOCUMENT, NULL, err);
}

static int is_scalar_start(int c)
{
    return c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

/*
 * A top-level string, number, true, false or null: invalid JSON when it is not one or is
 * followed by what cannot start a document ("123abc"), else valid JSON that is not a stream
 * event, said at its first byte. Returns -1.
 */
static int scalar_document(struct a2a_scanner *sc, int c, struct a2a_error *err)
{
    const char *kind = c == '"'               ? "a JSON string"
                       : c == 't' || c == 'f' ? "JSON true or false"
                       : c == 'n'             ? "JSON null"
                                              : "a JSON number";
    uint64_t start = sc->doc_start;

    if (skip_value(sc, err) != 0) {
        return -1; /* invalid JSON, said where */
    }
    c = peek_nonspace(sc, err);
    if (c == -2) {
        return -1;
    }
    if (c >= 0 && c != '{' && c != '[' && !is_scalar_start(c)) {
        return unexpected(sc, err, c, "a JSON document");
    }
    a2a_error_set(err, A2A_E_INPUT,
                  "%s: byte %llu: not a stream event: %s; a document must be an object with a "
                  "\"Records\" %sarray, a record object%s, or an array of records",
                  sc->name, (unsigned long long)start, kind,
                  sc->cfg.mode == A2A_SCAN_SHAPES ? "or \"Messages\" " : "",
                  sc->cfg.mode == A2A_SCAN_SHAPES ? ", an on-failure invocation record" : "");
    sc->failed = 1;
    return -1;
}

/* Starts a document: the cursor is on its first byte. Returns 0, 1 (a record), or -1. */
static int start_document(struct a2a_scanner *sc, struct a2a_raw_record *rec, int c,
                          struct a2a_error *err)
{
    sc->doc_start = here(sc);
    sc->docs_in_file++;
    sc->docs++;
    sc->first_member = 1;
    sc->batch_info = 0;
    sc->es_count = 0;
    sc->us_count = 0;
    sc->es_at = NO_MARK;
    sc->us_at = NO_MARK;
    if (sc->cfg.mode == A2A_SCAN_WHOLE) {
        return take_document(sc, rec, err);
    }
    if (c == '{') {
        sc->state = DOC_OBJECT_MEMBERS;
        sc->saw_records = 0;
        sc->record_keys = 0;
        sc->keep = sc->doc_start; /* it may turn out to be a single record */
        sc->keep_is_record = KEEP_PREFIX;
        sc->non_ascii = 0;
        /* Most often a record of its own (newline-delimited records): one pass, if it is. */
        if (fast_record(sc, A2A_MAX_DEPTH, 1)) {
            sc->state = DOC_BETWEEN;
            sc->keep = NO_MARK;
            return take_record(sc, rec, sc->doc_start, A2A_FROM_DOCUMENT, &sc->envelope, err);
        }
        sc->pos++;
        return 0;
    }
    if (c == '[') {
        sc->state = DOC_ARRAY;
        sc->pos++;
        return 0;
    }
    if (is_scalar_start(c)) {
        return scalar_document(sc, c, err);
    }
    return unexpected(sc, err, c, "a JSON document");
}

/*
 * A top-level object's "Records" (which 1) or "Messages" (3) member: the cursor is after its
 * colon. The first such array is cut element by element; a second one fails the input.
 */
static int open_array(struct a2a_scanner *sc, int which, struct a2a_error *err)
{
    const char *name = which == 1 ? "Records" : "Messages";
    char what[96];
    int c;

    if (sc->saw_records) {
        snprintf(what, sizeof(what), "not a stream event: %s",
                 sc->saw_records == which
                     ? (which == 1 ? "\"Records\" appears twice" : "\"Messages\" appears twice")
                     : "both \"Records\" and \"Messages\" in one object");
        fail(sc, err, what);
        return -1;
    }
    /* Judged by its keys, as a refill that met the limit before this key would have judged
       it: which of the two meets it first depends on the read size. */
    if (here(sc) - sc->doc_start > sc->cfg.max_record) {
        return too_large(sc, err, KEEP_PREFIX, sc->doc_start, 0);
    }
    /* an event after all: the "eventName" or "dynamodb" before its array made no record */
    sc->record_keys = 0;
    c = peek_nonspace(sc, err);
    if (c != '[') {
        if (c < 0) {
            snprintf(what, sizeof(what), "the %s array", name);
            return unexpected(sc, err, c, what);
        }
        snprintf(what, sizeof(what), "not a stream event: \"%s\" is not an array", name);
        fail(sc, err, what);
        return -1;
    }
    sc->pos++;
    sc->saw_records = which;
    sc->keep = NO_MARK; /* an event: what came before the array is not needed */
    sc->state = which == 1 ? DOC_RECORDS : DOC_MESSAGES;
    sc->first_member = 1;
    return 0;
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
        if (!sc->record_keys && !sc->batch_info) {
            sc->pos = (size_t)(sc->doc_start - sc->base);
            fail(sc, err,
                 sc->cfg.mode == A2A_SCAN_SHAPES
                     ? "not a stream event: object has no \"Records\" or \"Messages\" "
                       "array, is not a record (no \"eventName\" or \"dynamodb\") and is not "
                       "an invocation record (no \"DDBStreamBatchInfo\")"
                     : "not a stream event: object has no \"Records\" array and is not a "
                       "record (no \"eventName\" or \"dynamodb\")");
            return -1;
        }
        return take_record(sc, rec, sc->doc_start, A2A_FROM_DOCUMENT, NULL, err);
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
    if (which == 1 || which == 3) {
        return open_array(sc, which, err);
    }
    if (which == 2) {
        sc->record_keys = 1;
    }
    if (which == 4) {
        sc->batch_info = 1;
    }
    return skip_value(sc, err);
}

static const enum a2a_value_origin origin_of[] = {
    [DOC_RECORDS] = A2A_FROM_RECORDS,
    [DOC_ARRAY] = A2A_FROM_ARRAY,
    [DOC_MESSAGES] = A2A_FROM_MESSAGES,
    /* Resumed inside an array: a stream event's Records, by far the likelier. */
    [DOC_RESUMED_ARRAY] = A2A_FROM_RECORDS,
};

/* One step inside Records, Messages or a top-level array. Returns 0 (go on), 1, or -1. */
static int array_element(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    uint64_t start;
    int c = peek_nonspace(sc, err);

    if (c == ']') {
        sc->pos++;
        sc->first_member = 0;
        if (sc->state == DOC_RESUMED_ARRAY && sc->cfg.resume_in == A2A_RESUME_ANYWHERE) {
            /* Resumed inside an array not known: what follows its end says whose it was. */
            c = peek_nonspace(sc, err);
            sc->state = c == '}' || c == ',' ? DOC_RECORDS : DOC_ARRAY;
            sc->saw_records = 1;
        } else if (sc->state == DOC_RESUMED_ARRAY) {
            sc->state = sc->cfg.resume_in == A2A_RESUME_IN_RECORDS ? DOC_RECORDS : DOC_ARRAY;
            sc->saw_records = 1;
        }
        sc->state = sc->state == DOC_ARRAY ? DOC_BETWEEN : DOC_OBJECT_MEMBERS;
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
    sc->keep_is_record = KEEP_RECORD;
    sc->non_ascii = 0;
    /* The nesting limit counts the containers the document already opened, as skip_value's.
     * Elements of Messages are messages, not records: only the careful scan cuts them. */
    if (sc->state != DOC_MESSAGES && fast_record(sc, A2A_MAX_DEPTH - open_levels(sc), 0)) {
        return take_record(sc, rec, start, origin_of[sc->state], &sc->envelope, err);
    }
    if (sc->cfg.mode == A2A_SCAN_SHAPES && sc->state != DOC_MESSAGES) {
        sc->es_count = 0;
        sc->us_count = 0;
        sc->es_at = NO_MARK;
        sc->us_at = NO_MARK;
        if (skip_value_sniffing(sc, err) != 0) {
            return -1;
        }
    } else if (skip_value(sc, err) != 0) {
        return -1;
    }
    return take_record(sc, rec, start, origin_of[sc->state], NULL, err);
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
    switch (sc->cfg.resume_in) {
    case A2A_RESUME_IN_RECORDS:
    case A2A_RESUME_IN_ARRAY:
    case A2A_RESUME_IN_MESSAGES:
        if (c != ',' && c != ']') {
            return unexpected(sc, err, c, "',' or ']'"); /* the end of input too: cut short */
        }
        sc->state = DOC_RESUMED_ARRAY;
        if (sc->cfg.resume_in == A2A_RESUME_IN_MESSAGES) {
            /* the elements after it are messages, as read from the start, and the object's
             * close is a "Messages" document's (no bytes tell Messages from Records here) */
            sc->state = DOC_MESSAGES;
            sc->saw_records = 3;
        }
        break;
    case A2A_RESUME_BETWEEN:
        sc->state = DOC_BETWEEN; /* a ',' or ']' there starts no document: said as such */
        break;
    case A2A_RESUME_ANYWHERE:
        sc->state = c == ',' || c == ']' ? DOC_RESUMED_ARRAY : DOC_BETWEEN;
        break;
    }
    return 0;
}

/*
 * One step of the document state machine. Returns 1 (a record in *rec), 0 (go on), -1 (error)
 * or STEP_END (no more inputs).
 */
#define STEP_END 2

static int step(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int c;
    int r;

    switch (sc->state) {
    case DOC_BETWEEN:
        c = peek_nonspace(sc, err);
        if (c == -2) {
            return -1;
        }
        if (c == -1) {
            if (sc->opened && sc->docs_in_file == 0 && !sc->failed &&
                (sc->src.may_be_empty == NULL || !sc->src.may_be_empty(sc->src.ctx))) {
                fail(sc, err, "no JSON document in this input (empty file?)");
                return -1;
            }
            r = open_next(sc, err);
            return r < 0 ? -1 : r == 0 ? STEP_END : 0;
        }
        return start_document(sc, rec, c, err);
    case DOC_OBJECT_MEMBERS:
        return object_member(sc, rec, err);
    case DOC_RESUME:
        return resume_here(sc, err);
    default:
        return array_element(sc, rec, err);
    }
}

/* ---- scanning ahead (scanner.h) ---- */

#define AHEAD_OVERLAP 256 /* bytes two windows of the boundary search share */

/* A record the helper cut, as its scanner gave it: handed out with this thread's own file,
 * position and input, and bytes from the part's scanner buffer. */
struct ahead_rec {
    struct a2a_raw_record raw; /* its bytes and envelope pointers are stale: see serve() */
    int has_envelope;
    struct a2a_envelope envelope;
};

/*
 * A place a part may end: after its first nrecs records, at byte at. faithful: the helper's
 * scanner state there is exactly the one this thread would have (copied over when it moves
 * on); else it is inside the array the part started in, and this thread's own state holds.
 */
struct ahead_stop {
    size_t nrecs;
    uint64_t at;
    int faithful;
    enum doc_state state;
    int first_member;
    int saw_records;
    int record_keys;
    int batch_info;
    uint64_t doc_start;
};

enum part_phase { PART_FREE, PART_POSTED, PART_RUNNING, PART_DONE };

struct pread_src {
    int fd;
    uint64_t off;
};

struct ahead_part {
    atomic_int phase;  /* an enum part_phase; set under the lock, read also by part_wait()'s spin */
    atomic_int cancel; /* this thread gave up on the part: the helper stops at once */
    /* The job, set before the part is posted. */
    uint64_t from;                  /* look for a record boundary from this byte */
    uint64_t limit;                 /* end at the first stop at or after this byte */
    unsigned char lead[AHEAD_LEAD]; /* a record's first member name (note_lead()), or '"' */
    size_t lead_len;
    /* The result: the helper's while running, this thread's once done. */
    uint64_t start;         /* the boundary the part starts at (the byte after a '}'), or NO_MARK */
    int between;            /* it started between documents (else after an element of an array) */
    struct ahead_stop stop; /* where it ends */
    int crossed;            /* it left the array it started in... */
    enum doc_state crossed_as;   /* ...taking it for DOC_RECORDS or DOC_ARRAY */
    struct ahead_stop uncrossed; /* the last stop before that */
    struct ahead_rec *recs;      /* owned; kept from part to part */
    size_t nrecs;
    size_t cap;
    struct a2a_scanner *sc; /* owned: the helper's scanner; its buffer holds the part's bytes */
    struct pread_src src;   /* what sc reads */
    /* Handing out, this thread's. */
    size_t served;
    struct ahead_stop until;
};

struct ahead {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    int quit;          /* under the lock */
    atomic_uint posts; /* parts posted so far: the helper's spin watches it */
    int spin;          /* rounds a waiter looks again before it sleeps (SPIN_ROUNDS, or 0) */
    int fd;            /* the input read ahead, borrowed from the source */
    uint64_t size;
    size_t own;
    size_t part_len;
    size_t max_record;
    struct ahead_part parts[2];
    struct ahead_part *pending; /* under the lock: the part posted to the helper, or NULL */
    unsigned char *window;      /* owned, the helper's: the boundary search reads here */
};

static int at_boundary(const struct a2a_scanner *sc)
{
    return sc->state == DOC_BETWEEN ||
           ((sc->state == DOC_RECORDS || sc->state == DOC_RESUMED_ARRAY) && !sc->first_member);
}

static int pread_next(void *ctx, const char **name, struct a2a_error *err)
{
    (void)ctx;
    (void)name;
    (void)err;
    return 0; /* the part's one input is opened by part_reset() */
}

static ssize_t pread_read(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err)
{
    struct pread_src *s = ctx;
    ssize_t n;

    do {
        n = pread(s->fd, buf, cap, (off_t)s->off);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        a2a_error_set(err, A2A_E_INPUT, "read error: %s", strerror(errno));
        return -1;
    }
    s->off += (uint64_t)n;
    return n;
}

/*
 * The first likely record boundary at or after p->from, before from + len: the byte after a
 * '}' followed by a '{' that opens a member named as the input's first record's first one
 * (note_lead()), directly or after a ',' (white space allowed between all of them). Only a guess:
 * such bytes can stand inside a string or a list of maps; a wrong guess is dropped when this
 * thread's own scan does not end a record there. Returns NO_MARK when there is none.
 */
static const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
    }
    return p;
}

/* q..end (after a '{' and white space) names a record's first member, as part->lead says. */
static int opens_record(const unsigned char *q, const unsigned char *end,
                        const struct ahead_part *part)
{
    if ((size_t)(end - q) < part->lead_len || memcmp(q, part->lead, part->lead_len) != 0) {
        return 0;
    }
    if (part->lead_len == 1) {
        return 1; /* no name known: a string after the brace will do */
    }
    q = skip_ws(q + part->lead_len, end);
    return q < end && *q == ':';
}

static uint64_t find_boundary(struct ahead *a, const struct ahead_part *part, uint64_t len)
{
    uint64_t from = part->from;
    uint64_t at = from;

    while (at < from + len && at < a->size) {
        ssize_t n = pread(a->fd, a->window, at == from ? AHEAD_PEEK : AHEAD_READ, (off_t)at);
        const unsigned char *w = a->window;
        const unsigned char *p = w;

        if (n <= 0) {
            return NO_MARK;
        }
        while ((p = memchr(p, '}', (size_t)(w + n - p))) != NULL) {
            const unsigned char *q = ++p;

            q = skip_ws(q, w + n);
            if (q < w + n && *q == ',') {
                q = skip_ws(q + 1, w + n);
            }
            if (q < w + n && *q == '{' && opens_record(skip_ws(q + 1, w + n), w + n, part)) {
                return at + (uint64_t)(p - w);
            }
        }
        if ((size_t)n <= AHEAD_OVERLAP) {
            return NO_MARK;
        }
        at += (uint64_t)n - AHEAD_OVERLAP;
    }
    return NO_MARK;
}

/* Sets the helper's scanner to read its input from byte at, the '}' before a boundary. */
static void part_reset(struct ahead_part *p, int fd, uint64_t at)
{
    struct a2a_scanner *c = p->sc;

    p->src = (struct pread_src){fd, at};
    c->failed = 0;
    c->limit = A2A_LIMIT_NONE;
    c->encoding = A2A_ENCODING_JSON;
    c->opened = 1;
    c->inputs = 1;
    c->at_eof = 0;
    c->docs_in_file = 1;
    c->base = at;
    c->pos = 0;
    c->end = 0;
    c->pin = at;
    c->keep = NO_MARK;
    c->keep_is_record = KEEP_PREFIX;
    c->state = DOC_RESUME;
    c->first_member = 0;
    c->saw_records = 0;
    c->record_keys = 0;
    c->batch_info = 0;
    c->position = 0;
}

static struct ahead_stop stop_here(const struct ahead_part *p, int faithful)
{
    const struct a2a_scanner *c = p->sc;

    return (struct ahead_stop){.nrecs = p->nrecs,
                               .at = here(c),
                               .faithful = faithful,
                               .state = c->state,
                               .first_member = c->first_member,
                               .saw_records = c->saw_records,
                               .record_keys = c->record_keys,
                               .batch_info = c->batch_info,
                               .doc_start = c->doc_start};
}

/* Keeps what the helper's scanner said of a record. Returns 0, or -1 (out of memory). */
static int part_add(struct ahead_part *p, const struct a2a_raw_record *raw)
{
    struct ahead_rec *r;

    if (p->nrecs == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct ahead_rec *recs = realloc(p->recs, cap * sizeof(*recs));

        if (recs == NULL) {
            return -1;
        }
        p->recs = recs;
        p->cap = cap;
    }
    r = &p->recs[p->nrecs++];
    r->raw = *raw;
    r->has_envelope = raw->envelope != NULL;
    if (r->has_envelope) {
        r->envelope = *raw->envelope;
    }
    return 0;
}

/*
 * The helper's work on one part: from a guessed boundary, cut records with the usual state
 * machine and note each place this thread could take over, until one at or after the limit.
 * Bad bytes, a read error or running out of memory just end the part at the last such place.
 */
static void part_run(struct ahead *a, struct ahead_part *p)
{
    struct a2a_raw_record raw;
    struct a2a_error err = {0};
    uint64_t b = find_boundary(a, p, a->part_len);
    int faithful;

    p->start = NO_MARK;
    p->nrecs = 0;
    p->crossed = 0;
    if (b == NO_MARK) {
        return;
    }
    part_reset(p, a->fd, b - 1);
    if (step(p->sc, &raw, &err) != 0) {
        return; /* resume_here: not a '}' after all (the file changed) */
    }
    p->start = b;
    p->between = p->sc->state == DOC_BETWEEN;
    faithful = p->between;
    p->stop = stop_here(p, faithful);
    while (!atomic_load_explicit(&p->cancel, memory_order_relaxed)) {
        int r = step(p->sc, &raw, &err);
        int stop = 0;

        if (r < 0 || r == STEP_END || (r == 1 && part_add(p, &raw) != 0)) {
            return;
        }
        if (!faithful && p->sc->state != DOC_RESUMED_ARRAY) {
            /* Out of the array it started in: from here on its state is this thread's. */
            p->crossed = 1;
            p->crossed_as = p->sc->state == DOC_BETWEEN ? DOC_ARRAY : DOC_RECORDS;
            p->uncrossed = p->stop;
            faithful = 1;
        }
        if (!faithful) {
            stop = r == 1;
        } else {
            stop = p->sc->state == DOC_BETWEEN ||
                   (r == 1 && (p->sc->state == DOC_RECORDS || p->sc->state == DOC_ARRAY));
        }
        if (stop) {
            p->stop = stop_here(p, faithful);
            if (p->stop.at >= p->limit) {
                return;
            }
        }
    }
}

/*
 * A wait between the two threads is usually short: a sleep and a wake-up cost each side a
 * system call, and the sleeper's processor an interrupt (the dearest part in a VM). Each
 * side first looks again for a while (2000 pauses, tens of microseconds) before it sleeps;
 * measured on 2 cores, 200k records: futex calls 1229 -> 869, wall time 3.5-7% lower.
 */
#define SPIN_ROUNDS 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static int posted(const struct ahead *a)
{
    return a->pending != NULL && atomic_load(&a->pending->phase) == PART_POSTED;
}

static void *ahead_thread(void *arg)
{
    struct ahead *a = arg;

    pthread_mutex_lock(&a->lock);
    for (;;) {
        struct ahead_part *p;

        if (!a->quit && !posted(a)) {
            unsigned seen = atomic_load(&a->posts);

            pthread_mutex_unlock(&a->lock);
            for (int i = 0; i < a->spin && atomic_load(&a->posts) == seen; i++) {
                cpu_relax();
            }
            pthread_mutex_lock(&a->lock);
        }
        while (!a->quit && !posted(a)) {
            pthread_cond_wait(&a->cond, &a->lock);
        }
        if (a->quit) {
            break;
        }
        p = a->pending;
        atomic_store(&p->phase, PART_RUNNING);
        pthread_mutex_unlock(&a->lock);
        part_run(a, p);
        pthread_mutex_lock(&a->lock);
        atomic_store(&p->phase, PART_DONE); /* after the results: part_wait()'s spin reads them */
        pthread_cond_broadcast(&a->cond);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* The helper has p, or is about to take it. */
static int part_busy(const struct ahead_part *p)
{
    int phase = atomic_load(&p->phase);

    return phase == PART_POSTED || phase == PART_RUNNING;
}

/* Waits until the helper is done with p (cancelled: soon). */
static void part_wait(struct ahead *a, struct ahead_part *p, int cancel)
{
    if (cancel) {
        atomic_store_explicit(&p->cancel, 1, memory_order_relaxed);
    }
    for (int i = 0; i < a->spin && part_busy(p); i++) {
        cpu_relax();
    }
    if (!part_busy(p)) {
        return; /* the helper set DONE (or it was never posted): nothing to wait for */
    }
    pthread_mutex_lock(&a->lock);
    while (part_busy(p)) {
        pthread_cond_wait(&a->cond, &a->lock);
    }
    pthread_mutex_unlock(&a->lock);
}

/* Frees p for another part (the helper is done with it). */
static void part_free(struct ahead *a, struct ahead_part *p)
{
    pthread_mutex_lock(&a->lock);
    atomic_store(&p->phase, PART_FREE);
    if (a->pending == p) {
        a->pending = NULL;
    }
    pthread_mutex_unlock(&a->lock);
}

/* Gives the helper the part of the file from byte from on, if there is one. */
static void ahead_post(struct a2a_scanner *sc, uint64_t from)
{
    struct ahead *a = sc->ahead;
    struct ahead_part *p = &a->parts[0];

    sc->ahead_next = NO_MARK;
    if (from >= a->size) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    if (p == sc->serving || atomic_load(&p->phase) != PART_FREE) {
        p = &a->parts[1]; /* the other one is free: at most one part is posted at a time */
    }
    p->from = from;
    p->limit = from + a->part_len;
    p->lead_len = sc->lead_len > 0 ? sc->lead_len : 1;
    memcpy(p->lead, sc->lead_len > 0 ? sc->lead : (const unsigned char *)"\"", p->lead_len);
    atomic_store_explicit(&p->cancel, 0, memory_order_relaxed);
    atomic_store(&p->phase, PART_POSTED);
    a->pending = p;
    atomic_fetch_add(&a->posts, 1);
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    sc->ahead_next = from;
}

/* Stops using the current input's parts: the helper drops what it does. */
static void ahead_stop_input(struct a2a_scanner *sc)
{
    struct ahead *a = sc->ahead;

    sc->ahead_next = NO_MARK;
    sc->serving = NULL;
    if (a == NULL) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        part_wait(a, &a->parts[i], 1);
        part_free(a, &a->parts[i]);
    }
}

static void ahead_free(struct ahead **pa)
{
    struct ahead *a = *pa;

    if (a == NULL) {
        return;
    }
    pthread_mutex_lock(&a->lock);
    a->quit = 1;
    for (int i = 0; i < 2; i++) {
        atomic_store_explicit(&a->parts[i].cancel, 1, memory_order_relaxed);
    }
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    for (int i = 0; i < 2; i++) {
        a2a_scanner_free(&a->parts[i].sc);
        free(a->parts[i].recs);
    }
    free(a->window);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    free(a);
    *pa = NULL;
}

/* Starts the helper with every signal blocked: they are this thread's to take. */
static int start_thread(struct ahead *a)
{
    sigset_t all;
    sigset_t old;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&a->thread, NULL, ahead_thread, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0;
}

/* The helper and its two parts' scanners. Returns NULL when any of it cannot be had. */
static struct ahead *ahead_new(const struct a2a_scanner *sc)
{
    struct ahead *a = calloc(1, sizeof(*a));
    int ok;

    if (a == NULL) {
        return NULL;
    }
    a->max_record = sc->cfg.max_record;
    atomic_init(&a->posts, 0);
    /* With one processor the other thread cannot move while this one looks. */
    a->spin = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? SPIN_ROUNDS : 0;
    a->window = malloc(AHEAD_READ);
    ok = a->window != NULL;
    for (int i = 0; i < 2 && ok; i++) {
        struct ahead_part *p = &a->parts[i];
        struct a2a_source src = {.next = pread_next, .read = pread_read, .ctx = &p->src};
        struct a2a_scanner_config cfg = {.read_chunk = AHEAD_READ,
                                         .max_record = a->max_record,
                                         .mode = sc->cfg.mode,
                                         .no_ahead = 1};
        struct a2a_error err;

        atomic_init(&p->cancel, 0);
        atomic_init(&p->phase, PART_FREE);
        ok = a2a_scanner_open(&p->sc, &src, &cfg, &err) == 0;
    }
    if (ok && pthread_mutex_init(&a->lock, NULL) != 0) {
        ok = 0;
    } else if (ok && pthread_cond_init(&a->cond, NULL) != 0) {
        pthread_mutex_destroy(&a->lock);
        ok = 0;
    } else if (ok && !start_thread(a)) {
        pthread_cond_destroy(&a->cond);
        pthread_mutex_destroy(&a->lock);
        ok = 0;
    }
    if (!ok) {
        for (int i = 0; i < 2; i++) {
            a2a_scanner_free(&a->parts[i].sc);
        }
        free(a->window);
        free(a);
        return NULL;
    }
    return a;
}

/* After an input opened: scan it ahead when it is a regular file large enough to gain. */
static void ahead_arm(struct a2a_scanner *sc)
{
    size_t own = sc->cfg.ahead_own ? sc->cfg.ahead_own : A2A_AHEAD_OWN;
    size_t part = sc->cfg.ahead_part ? sc->cfg.ahead_part : A2A_AHEAD_PART;
    int fd;
    uint64_t size;

    if (sc->cfg.no_ahead || sc->cfg.mode == A2A_SCAN_WHOLE || sc->src.regular == NULL ||
        sc->src.seek == NULL || !sc->src.regular(sc->src.ctx, &fd, &size) || size < here(sc) ||
        size - here(sc) < (uint64_t)own + part) {
        return;
    }
    if (sc->ahead == NULL && (sc->ahead = ahead_new(sc)) == NULL) {
        return; /* a thread is a speed-up, not a need: read it in this one */
    }
    sc->ahead->fd = fd;
    sc->ahead->size = size;
    sc->ahead->own = own;
    sc->ahead->part_len = part;
    ahead_post(sc, here(sc) + own);
}

/*
 * This thread's scan reached the pending part's first byte, or passed it, at a record
 * boundary. Returns 1 when the part lines up and its records are to be handed out, else 0
 * (the part was dropped and the next one posted, or it starts further on).
 */
static int ahead_meet(struct a2a_scanner *sc)
{
    struct ahead *a = sc->ahead;
    struct ahead_part *p = a != NULL ? a->pending : NULL;
    const struct ahead_stop *until;
    int fits;

    if (p == NULL) {
        sc->ahead_next = NO_MARK;
        return 0;
    }
    part_wait(a, p, 0);
    if (p->start != NO_MARK && here(sc) < p->start) {
        sc->ahead_next = p->start;
        return 0;
    }
    fits =
        p->start == here(sc) && (p->between ? sc->state == DOC_BETWEEN : sc->state != DOC_BETWEEN);
    until = &p->stop;
    if (fits && p->stop.faithful && !p->between && sc->state != DOC_RESUMED_ARRAY &&
        sc->state != p->crossed_as) {
        until = &p->uncrossed; /* this thread would read that ']' otherwise: up to it only */
    }
    if (!fits || until->nrecs == 0) {
        sc->ahead_stats.parts_dropped++;
        part_free(a, p);
        ahead_post(sc, here(sc) + a->own);
        return 0;
    }
    sc->ahead_stats.parts_taken++;
    sc->ahead_stats.records_taken += until->nrecs;
    p->until = *until;
    p->served = 0;
    sc->serving = p;
    pthread_mutex_lock(&a->lock);
    a->pending = NULL;
    pthread_mutex_unlock(&a->lock);
    ahead_post(sc, p->until.at + a->own);
    return 1;
}

/*
 * Hands out the next record of the part being served. At its end, moves this thread's
 * reading past the part (with the part's state when it ended out of its first array) and
 * returns 0 to go on scanning.
 */
static int serve(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    struct ahead_part *p = sc->serving;
    const struct ahead_stop *until = &p->until;

    if (p->served < until->nrecs) {
        const struct ahead_rec *r = &p->recs[p->served++];

        *rec = r->raw;
        rec->bytes = (const char *)p->sc->buf + (r->raw.offset - p->sc->base);
        rec->file = sc->name;
        rec->position = ++sc->position;
        rec->input = sc->inputs - 1;
        rec->envelope = r->has_envelope ? &r->envelope : NULL;
        sc->base = r->raw.offset + r->raw.len; /* here(): after the record, as if scanned */
        sc->pos = 0;
        sc->end = 0;
        return 1;
    }
    sc->serving = NULL;
    sc->base = until->at;
    sc->pos = 0;
    sc->end = 0;
    sc->at_eof = 0;
    if (until->faithful) {
        sc->state = until->state;
        sc->first_member = until->first_member;
        sc->saw_records = until->saw_records;
        sc->record_keys = until->record_keys;
        sc->batch_info = until->batch_info;
        sc->doc_start = until->doc_start;
    }
    part_free(sc->ahead, p); /* ahead_next already names the next part (ahead_meet()) */
    if (sc->src.seek(sc->src.ctx, until->at, err) != 0) {
        sc->failed = 1;
        return -1;
    }
    return 0;
}

int a2a_scanner_next(struct a2a_scanner *sc, struct a2a_raw_record *rec, struct a2a_error *err)
{
    if (sc->failed) {
        a2a_error_set(err, A2A_E_INPUT, "%s: input already failed", sc->name);
        return -1;
    }
    if (sc->serving != NULL) {
        int r = serve(sc, rec, err);
        if (r != 0) {
            return r;
        }
    }
    /* The previous record may be released now. */
    if (sc->state != DOC_OBJECT_MEMBERS || sc->saw_records) {
        sc->keep = NO_MARK;
        sc->keep_is_record = KEEP_PREFIX;
    }
    for (;;) {
        int r;

        /* One compare a step: the helper's next part starts at or after ahead_next. */
        if (here(sc) >= sc->ahead_next && at_boundary(sc) && ahead_meet(sc)) {
            return serve(sc, rec, err);
        }
        r = step(sc, rec, err);
        if (r != 0) {
            return r == STEP_END ? 0 : r;
        }
    }
}
