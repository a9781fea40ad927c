#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "jsonstr.h"
#include "swar.h"

#define DEFAULT_CHUNK ((size_t)1 << 20)
#define NO_MARK       UINT64_MAX

/* Where the reader stands between documents and inside one. */
enum doc_state {
    DOC_BETWEEN,        /* between documents: the next byte starts one (or the input ends) */
    DOC_OBJECT_MEMBERS, /* inside a top-level object, before a member or its closing brace */
    DOC_RECORDS,        /* inside the Records array of a stream event */
    DOC_ARRAY,          /* inside a top-level array of records */
};

struct a2a_input {
    struct a2a_input_config cfg; /* copied; the strings in it stay borrowed */
    size_t next_path;            /* index of the next path to open */
    int fd;                      /* -1 when no file is open */
    int fd_owned;                /* 0 for standard input, which is never closed */
    int fd_may_block;            /* a pipe, terminal or socket: reads can wait */
    const char *name;            /* display name of the current input */
    size_t mem_pos;              /* for mem input: bytes handed out so far */
    int at_eof;                  /* the current input has no more bytes */
    int docs_in_file;            /* documents seen in the current input */

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
    int64_t deadline_ms;
    struct a2a_buf key; /* scratch for escaped member names */
    int failed;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t here(const struct a2a_input *in)
{
    return in->base + in->pos;
}

static void fail(struct a2a_input *in, struct a2a_error *err, const char *what)
{
    if (in->keep_is_record && in->keep != NO_MARK) {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu (record %llu): %s", in->name,
                      (unsigned long long)here(in), (unsigned long long)in->position + 1, what);
    } else {
        a2a_error_set(err, A2A_E_INPUT, "%s: byte %llu: %s", in->name, (unsigned long long)here(in),
                      what);
    }
    in->failed = 1;
}

/* A record or a pre-Records prefix starting at byte `at` outgrew --max-record-size. */
static int too_large(struct a2a_input *in, struct a2a_error *err, int is_record, uint64_t at)
{
    char what[160];

    snprintf(what, sizeof(what),
             "%s at byte %llu is larger than the %zu-byte limit (--max-record-size)",
             is_record ? "record" : "document prefix before \"Records\"", (unsigned long long)at,
             in->cfg.max_record);
    fail(in, err, what);
    return -1;
}

int a2a_input_open(struct a2a_input **out, const struct a2a_input_config *cfg,
                   struct a2a_error *err)
{
    struct a2a_input *in = calloc(1, sizeof(*in));

    *out = NULL;
    if (in == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    in->cfg = *cfg;
    if (in->cfg.read_chunk == 0) {
        in->cfg.read_chunk = DEFAULT_CHUNK;
    }
    in->fd = -1;
    in->keep = NO_MARK;
    in->deadline_ms = -1;
    in->at_eof = 1; /* no input opened yet */
    in->name = "<stdin>";
    *out = in;
    return 0;
}

void a2a_input_set_deadline(struct a2a_input *in, int64_t deadline_ms)
{
    in->deadline_ms = deadline_ms;
}

const char *a2a_input_current_name(const struct a2a_input *in)
{
    return in->name;
}

uint64_t a2a_input_current_offset(const struct a2a_input *in)
{
    return here(in);
}

static void close_current(struct a2a_input *in)
{
    if (in->fd >= 0 && in->fd_owned) {
        close(in->fd);
    }
    in->fd = -1;
    in->fd_owned = 0;
    in->fd_may_block = 0;
}

void a2a_input_free(struct a2a_input **pin)
{
    struct a2a_input *in = *pin;

    if (in == NULL) {
        return;
    }
    close_current(in);
    free(in->buf);
    a2a_buf_free(&in->key);
    free(in);
    *pin = NULL;
}

/* Opens the next input. Returns 1 opened, 0 no more inputs, -1 error. */
static int open_next(struct a2a_input *in, struct a2a_error *err)
{
    size_t total = in->cfg.mem != NULL ? 1 : (in->cfg.npaths == 0 ? 1 : in->cfg.npaths);
    const char *path;
    struct stat st;

    close_current(in);
    if (in->next_path >= total) {
        return 0;
    }
    in->next_path++;
    in->at_eof = 0;
    in->docs_in_file = 0;
    in->base = 0;
    in->pos = 0;
    in->end = 0;
    in->mem_pos = 0;
    if (in->cfg.mem != NULL) {
        in->name = in->cfg.mem_name != NULL ? in->cfg.mem_name : "<memory>";
        return 1;
    }
    path = in->cfg.npaths == 0 ? "-" : in->cfg.paths[in->next_path - 1];
    if (strcmp(path, "-") == 0) {
        in->name = "<stdin>";
        in->fd = STDIN_FILENO;
        in->fd_may_block = fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode);
        return 1;
    }
    in->name = path;
    in->fd = open(path, O_RDONLY | O_CLOEXEC); /* a named pipe is fine: read as it comes */
    if (in->fd < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
        in->failed = 1;
        return -1;
    }
    in->fd_owned = 1;
    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        a2a_error_set(err, A2A_E_INPUT, "%s: is a directory, not a file", path);
        in->failed = 1;
        return -1;
    }
    in->fd_may_block = !S_ISREG(st.st_mode);
    return 1;
}

/* Waits for input until the deadline, if one is set. Returns 1 ready, 0 deadline passed. */
static int wait_readable(struct a2a_input *in)
{
    struct pollfd pfd = {.fd = in->fd, .events = POLLIN};
    int64_t left;

    if (in->deadline_ms < 0) {
        return 1;
    }
    for (;;) {
        left = in->deadline_ms - now_ms();
        if (left <= 0) {
            return 0;
        }
        if (poll(&pfd, 1, (int)left) != 0) {
            return 1; /* readable, hung up, or an error that read() will report */
        }
    }
}

/* Makes room in buf, keeping every byte from the keep mark (or the cursor) on. */
static int make_room(struct a2a_input *in, struct a2a_error *err)
{
    uint64_t from = here(in);
    size_t drop;
    size_t want;
    unsigned char *p;

    if (in->keep != NO_MARK && in->keep < from) {
        from = in->keep;
    }
    drop = (size_t)(from - in->base);
    if (drop > 0) {
        memmove(in->buf, in->buf + drop, in->end - drop);
        in->end -= drop;
        in->pos -= drop;
        in->base += drop;
    }
    /* Only called with the cursor at the end: every byte held belongs to the kept value. */
    if (in->keep != NO_MARK && in->end > in->cfg.max_record) {
        return too_large(in, err, in->keep_is_record, in->keep);
    }
    if (in->cap - in->end >= in->cfg.read_chunk / 2 + 1) {
        return 0;
    }
    want = in->cap == 0 ? in->cfg.read_chunk : in->cap * 2;
    if (want < in->end + in->cfg.read_chunk) {
        want = in->end + in->cfg.read_chunk;
    }
    p = realloc(in->buf, want);
    if (p == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory reading %s", in->name);
        in->failed = 1;
        return -1;
    }
    in->buf = p;
    in->cap = want;
    return 0;
}

/* Reads more bytes of the current input. Returns 1 got some, 0 end of this input, -1 error. */
static int fill(struct a2a_input *in, struct a2a_error *err)
{
    size_t room;
    ssize_t n;

    if (in->failed) {
        return -1;
    }
    if (in->at_eof) {
        return 0;
    }
    if (make_room(in, err) != 0) {
        return -1;
    }
    room = in->cap - in->end;
    if (room > in->cfg.read_chunk) {
        room = in->cfg.read_chunk;
    }
    if (in->cfg.mem != NULL) {
        size_t left = in->cfg.mem_len - in->mem_pos;
        n = (ssize_t)(left < room ? left : room);
        memcpy(in->buf + in->end, in->cfg.mem + in->mem_pos, (size_t)n);
        in->mem_pos += (size_t)n;
    } else {
        if (in->fd_may_block && in->cfg.wait_hook != NULL) {
            in->cfg.wait_hook(in->cfg.wait_ctx, in->fd);
        }
        for (;;) {
            if (!wait_readable(in)) {
                a2a_error_set(err, A2A_E_INTERRUPTED, "%s: input not read past byte %llu", in->name,
                              (unsigned long long)(in->base + in->end));
                in->failed = 1;
                return -1;
            }
            n = read(in->fd, in->buf + in->end, room);
            if (n >= 0 || errno != EINTR) {
                break;
            }
            if (in->cfg.cancel != NULL && *in->cfg.cancel != 0 && in->deadline_ms < 0) {
                /* A signal broke a blocked read: whatever comes next may never come. */
                a2a_error_set(err, A2A_E_INTERRUPTED, "%s: input not read past byte %llu", in->name,
                              (unsigned long long)(in->base + in->end));
                in->failed = 1;
                return -1;
            }
        }
        if (n < 0) {
            a2a_error_set(err, A2A_E_INPUT, "%s: read error: %s", in->name, strerror(errno));
            in->failed = 1;
            return -1;
        }
    }
    if (n == 0) {
        in->at_eof = 1;
        return 0;
    }
    in->end += (size_t)n;
    return 1;
}

/* The next byte without consuming it: 0..255, -1 at the end of this input, -2 on error. */
static inline int peek(struct a2a_input *in, struct a2a_error *err)
{
    while (in->pos >= in->end) {
        int r = fill(in, err);
        if (r <= 0) {
            return r == 0 ? -1 : -2;
        }
    }
    return in->buf[in->pos];
}

static int peek_nonspace(struct a2a_input *in, struct a2a_error *err)
{
    /* Fast path: compact JSON has no white space between tokens. */
    if (in->pos < in->end && in->buf[in->pos] > ' ') {
        return in->buf[in->pos];
    }
    for (;;) {
        int c = peek(in, err);
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            return c;
        }
        in->pos++;
    }
}

static int unexpected(struct a2a_input *in, struct a2a_error *err, int c, const char *expected)
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
    fail(in, err, what);
    return -1;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Scans a string literal; the cursor is on its opening quote. Returns 0 or -1. */
static int scan_string(struct a2a_input *in, struct a2a_error *err)
{
    in->pos++;
    for (;;) {
        int c;

        in->pos = a2a_string_run(in->buf, in->pos, in->end);
        c = peek(in, err);
        if (c < 0) {
            return unexpected(in, err, c, "the end of a string");
        }
        if (!a2a_run_stop((unsigned char)c, 1)) {
            continue; /* the fast loop ran off the buffer: more plain bytes arrived */
        }
        if (c == '"') {
            in->pos++;
            return 0;
        }
        if (c >= 0x80) {
            in->non_ascii = 1;
            in->pos++;
            continue;
        }
        if (c != '\\') {
            return unexpected(in, err, c,
                              "a string character (control characters must be "
                              "escaped)");
        }
        in->pos++;
        c = peek(in, err);
        if (c == 'u') {
            in->pos++;
            for (int k = 0; k < 4; k++) {
                c = peek(in, err);
                if (!is_hex(c)) {
                    return unexpected(in, err, c, "a hex digit of a \\u escape");
                }
                in->pos++;
            }
        } else if (c >= 0 && strchr("\"\\/bfnrt", c) != NULL && c != 0) {
            in->pos++;
        } else {
            return unexpected(in, err, c, "an escape letter");
        }
    }
}

static int scan_digits(struct a2a_input *in, struct a2a_error *err, const char *expected)
{
    int c = peek(in, err);

    if (c < '0' || c > '9') {
        return unexpected(in, err, c, expected);
    }
    while (c >= '0' && c <= '9') {
        in->pos++;
        c = peek(in, err);
    }
    return c == -2 ? -1 : 0;
}

/* Scans a number by the JSON grammar; the cursor is on its first byte. */
static int scan_number(struct a2a_input *in, struct a2a_error *err)
{
    int c = peek(in, err);

    if (c == '-') {
        in->pos++;
        c = peek(in, err);
    }
    if (c == '0') {
        in->pos++;
    } else if (scan_digits(in, err, "a digit") != 0) {
        return -1;
    }
    c = peek(in, err);
    if (c == '.') {
        in->pos++;
        if (scan_digits(in, err, "a digit after '.'") != 0) {
            return -1;
        }
        c = peek(in, err);
    }
    if (c == 'e' || c == 'E') {
        in->pos++;
        c = peek(in, err);
        if (c == '+' || c == '-') {
            in->pos++;
        }
        if (scan_digits(in, err, "an exponent digit") != 0) {
            return -1;
        }
    }
    return 0;
}

static int scan_literal(struct a2a_input *in, struct a2a_error *err, const char *word)
{
    for (const char *w = word; *w != '\0'; w++) {
        int c = peek(in, err);
        if (c != (unsigned char)*w) {
            return unexpected(in, err, c, "a JSON value");
        }
        in->pos++;
    }
    return 0;
}

/* Opens a container on the skip stack. */
static int push(struct a2a_input *in, struct a2a_error *err, unsigned char *stack, int *depth,
                int limit, unsigned char kind)
{
    if (*depth >= limit) {
        char what[96];
        snprintf(what, sizeof(what), "JSON nested deeper than %d levels", A2A_MAX_DEPTH);
        fail(in, err, what);
        return -1;
    }
    stack[(*depth)++] = kind;
    in->pos++;
    return 0;
}

enum skip_state { SKIP_VALUE, SKIP_KEY, SKIP_AFTER };

/* Scans one complete JSON value, validating it; iterative, so depth costs no C stack. */
static int skip_value(struct a2a_input *in, struct a2a_error *err)
{
    unsigned char stack[A2A_MAX_DEPTH];
    int depth = 0;
    /* The document already opened its object (and, inside Records, the array): they count. */
    int limit = A2A_MAX_DEPTH - (in->state == DOC_RECORDS ? 2 : 1);
    enum skip_state st = SKIP_VALUE;
    int c;

    for (;;) {
        if (st == SKIP_AFTER && depth == 0) {
            return 0; /* the value ends here: what follows is not part of it */
        }
        c = peek_nonspace(in, err);
        if (st == SKIP_KEY) {
            if (c != '"' || scan_string(in, err) != 0) {
                return c == '"' ? -1 : unexpected(in, err, c, "a member name string");
            }
            c = peek_nonspace(in, err);
            if (c != ':') {
                return unexpected(in, err, c, "':'");
            }
            in->pos++;
            st = SKIP_VALUE;
            continue;
        }
        if (st == SKIP_AFTER) {
            if (c == ',') {
                in->pos++;
                st = stack[depth - 1] == '{' ? SKIP_KEY : SKIP_VALUE;
            } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
                in->pos++;
                depth--;
            } else {
                return unexpected(in, err, c,
                                  stack[depth - 1] == '{' ? "',' or '}'" : "',' or ']'");
            }
            continue;
        }
        /* SKIP_VALUE */
        if (c == '{' || c == '[') {
            if (push(in, err, stack, &depth, limit, (unsigned char)c) != 0) {
                return -1;
            }
            c = peek_nonspace(in, err);
            if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
                in->pos++;
                depth--;
                st = SKIP_AFTER;
            } else {
                st = stack[depth - 1] == '{' ? SKIP_KEY : SKIP_VALUE;
            }
            continue;
        }
        if (c == '"') {
            if (scan_string(in, err) != 0) {
                return -1;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (scan_number(in, err) != 0) {
                return -1;
            }
        } else if (c == 't' || c == 'f' || c == 'n') {
            if (scan_literal(in, err, c == 't' ? "true" : (c == 'f' ? "false" : "null")) != 0) {
                return -1;
            }
        } else {
            return unexpected(in, err, c, "a JSON value");
        }
        st = SKIP_AFTER;
    }
}

/*
 * Scans a member name and compares it with the names the top level cares about.
 * Returns 0 with *which set (0 other, 1 Records, 2 eventName or dynamodb), or -1.
 */
static int scan_top_key(struct a2a_input *in, struct a2a_error *err, int *which)
{
    uint64_t saved_keep = in->keep;
    uint64_t start;
    const char *raw;
    size_t len;
    int c = peek_nonspace(in, err);

    if (c != '"') {
        return unexpected(in, err, c, "a member name string");
    }
    start = here(in);
    if (in->keep == NO_MARK) {
        in->keep = start; /* hold the name in memory while it is scanned */
    }
    if (scan_string(in, err) != 0) {
        return -1;
    }
    raw = (const char *)in->buf + (size_t)(start - in->base) + 1;
    len = (size_t)(here(in) - start) - 2;
    if (memchr(raw, '\\', len) != NULL) {
        if (a2a_json_unescape(raw, len, &in->key) != A2A_UNESCAPE_OK) {
            a2a_buf_reset(&in->key); /* a name with U+0000 or a lone surrogate is none of ours */
        }
        raw = in->key.data;
        len = in->key.len;
    }
    in->keep = saved_keep;
    *which = 0;
    if (len == 7 && memcmp(raw, "Records", 7) == 0) {
        *which = 1;
    } else if ((len == 9 && memcmp(raw, "eventName", 9) == 0) ||
               (len == 8 && memcmp(raw, "dynamodb", 8) == 0)) {
        *which = 2;
    }
    c = peek_nonspace(in, err);
    if (c != ':') {
        return unexpected(in, err, c, "':'");
    }
    in->pos++;
    return 0;
}

/* Cuts the next value out as a record. */
static int take_record(struct a2a_input *in, struct a2a_raw_record *rec, uint64_t start,
                       struct a2a_error *err)
{
    size_t off = (size_t)(start - in->base);

    if (in->pos - off > in->cfg.max_record) {
        return too_large(in, err, 1, start);
    }
    rec->bytes = (const char *)in->buf + off;
    rec->len = in->pos - off;
    rec->file = in->name;
    rec->offset = start;
    rec->position = ++in->position;
    rec->non_ascii = in->non_ascii;
    return 1;
}

/* Starts a document: the cursor is on its first byte. Returns 0, 1 (a record), or -1. */
static int start_document(struct a2a_input *in, struct a2a_raw_record *rec, int c,
                          struct a2a_error *err)
{
    in->doc_start = here(in);
    in->docs_in_file++;
    in->first_member = 1;
    if (c == '{') {
        in->state = DOC_OBJECT_MEMBERS;
        in->saw_records = 0;
        in->record_keys = 0;
        in->keep = in->doc_start; /* it may turn out to be a single record */
        in->keep_is_record = 0;
        in->non_ascii = 0;
        in->pos++;
        return 0;
    }
    if (c == '[') {
        in->state = DOC_ARRAY;
        in->pos++;
        return 0;
    }
    (void)rec;
    if (c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
        fail(in, err,
             "not a stream event: a document must be an object with a \"Records\" "
             "array, a record object, or an array of records");
        return -1;
    }
    return unexpected(in, err, c, "a JSON document");
}

/* One step inside a top-level object. Returns 0 (go on), 1 (a record), or -1. */
static int object_member(struct a2a_input *in, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int which = 0;
    int c = peek_nonspace(in, err);

    if (c == '}') {
        in->pos++;
        in->state = DOC_BETWEEN;
        if (in->saw_records) {
            return 0;
        }
        in->keep = NO_MARK;
        if (!in->record_keys) {
            in->pos = (size_t)(in->doc_start - in->base);
            fail(in, err,
                 "not a stream event: object has no \"Records\" array and is not a "
                 "record (no \"eventName\" or \"dynamodb\")");
            return -1;
        }
        return take_record(in, rec, in->doc_start, err);
    }
    if (!in->first_member) {
        if (c != ',') {
            return unexpected(in, err, c, "',' or '}'");
        }
        in->pos++;
    }
    in->first_member = 0;
    if (scan_top_key(in, err, &which) != 0) {
        return -1;
    }
    if (which == 1 && !in->saw_records && here(in) - in->doc_start > in->cfg.max_record) {
        return too_large(in, err, 0, in->doc_start);
    }
    if (which == 1 && !in->saw_records) {
        c = peek_nonspace(in, err);
        if (c != '[') {
            if (c < 0) {
                return unexpected(in, err, c, "the Records array");
            }
            fail(in, err, "not a stream event: \"Records\" is not an array");
            return -1;
        }
        in->pos++;
        in->saw_records = 1;
        in->keep = NO_MARK; /* an event: what came before Records is not needed */
        in->state = DOC_RECORDS;
        in->first_member = 1;
        return 0;
    }
    if (which == 1) {
        fail(in, err, "not a stream event: \"Records\" appears twice");
        return -1;
    }
    if (which == 2) {
        in->record_keys = 1;
    }
    return skip_value(in, err);
}

/* One step inside Records or a top-level array. Returns 0 (go on), 1 (a record), or -1. */
static int array_element(struct a2a_input *in, struct a2a_raw_record *rec, struct a2a_error *err)
{
    uint64_t start;
    int c = peek_nonspace(in, err);

    if (c == ']') {
        in->pos++;
        in->first_member = 0;
        in->state = in->state == DOC_RECORDS ? DOC_OBJECT_MEMBERS : DOC_BETWEEN;
        return 0;
    }
    if (!in->first_member) {
        if (c != ',') {
            return unexpected(in, err, c, "',' or ']'");
        }
        in->pos++;
        c = peek_nonspace(in, err);
    }
    in->first_member = 0;
    if (c < 0) {
        return unexpected(in, err, c, "a record");
    }
    start = here(in);
    in->keep = start;
    in->keep_is_record = 1;
    in->non_ascii = 0;
    if (skip_value(in, err) != 0) {
        return -1;
    }
    return take_record(in, rec, start, err);
}

int a2a_input_next(struct a2a_input *in, struct a2a_raw_record *rec, struct a2a_error *err)
{
    int r;

    if (in->failed) {
        a2a_error_set(err, A2A_E_INPUT, "%s: input already failed", in->name);
        return -1;
    }
    /* The previous record may be released now. */
    if (in->state != DOC_OBJECT_MEMBERS || in->saw_records) {
        in->keep = NO_MARK;
        in->keep_is_record = 0;
    }
    for (;;) {
        int c;

        switch (in->state) {
        case DOC_BETWEEN:
            c = peek_nonspace(in, err);
            if (c == -2) {
                return -1;
            }
            if (c == -1) {
                if (in->next_path > 0 && in->docs_in_file == 0 && !in->failed) {
                    fail(in, err, "no JSON document in this input (empty file?)");
                    return -1;
                }
                r = open_next(in, err);
                if (r <= 0) {
                    return r;
                }
                continue;
            }
            r = start_document(in, rec, c, err);
            break;
        case DOC_OBJECT_MEMBERS:
            r = object_member(in, rec, err);
            break;
        default:
            r = array_element(in, rec, err);
            break;
        }
        if (r != 0) {
            return r;
        }
    }
}
