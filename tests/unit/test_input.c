/*
 * input.h: documents -> raw records. Every in-memory case runs three times: with 1 MiB reads,
 * one byte per read, and seven bytes per read, so that every token straddles a refill.
 *
 * Inputs are written with ' standing for " (q() swaps them); expected records are given as
 * text and must come back byte for byte, in order, at the offset where they stand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rows.h"

#include "buf.h"
#include "input.h"

#define L(s)     (s), (sizeof(s) - 1)
#define MEM_NAME "mem.json"
#define MAX_RECS 64
#define MIB      ((size_t)1 << 20)

static const size_t chunks[] = {0, 1, 7};

/* ---- running the reader ----------------------------------------------------------------- */

struct got_record {
    char *bytes; /* owned copy */
    size_t len;
    char file[256];
    uint64_t offset;
    uint64_t position;
    int non_ascii;
};

struct got {
    struct got_record recs[MAX_RECS];
    size_t n;
    int rc; /* 0 clean end, -1 error */
    struct a2a_error err;
};

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->recs[i].bytes);
    }
    g->n = 0;
}

/* Reads everything; after an error, checks that the reader keeps failing. */
static void drain(const struct a2a_input_config *cfg, struct got *g)
{
    struct a2a_input *in = NULL;
    struct a2a_raw_record rec;
    int r;

    memset(g, 0, sizeof(*g));
    assert_int_equal(a2a_input_open(&in, cfg, &g->err), 0);
    assert_non_null(in);
    for (;;) {
        r = a2a_input_next(in, &rec, &g->err);
        if (r <= 0) {
            break;
        }
        assert_true(g->n < MAX_RECS);
        g->recs[g->n].bytes = malloc(rec.len > 0 ? rec.len : 1);
        assert_non_null(g->recs[g->n].bytes);
        memcpy(g->recs[g->n].bytes, rec.bytes, rec.len);
        g->recs[g->n].len = rec.len;
        snprintf(g->recs[g->n].file, sizeof(g->recs[g->n].file), "%s", rec.file);
        g->recs[g->n].offset = rec.offset;
        g->recs[g->n].position = rec.position;
        g->recs[g->n].non_ascii = rec.non_ascii;
        g->n++;
    }
    g->rc = r;
    if (r < 0) {
        struct a2a_error again = {A2A_OK, ""};
        assert_int_equal(g->err.code, A2A_E_INPUT);
        assert_int_equal(a2a_input_next(in, &rec, &again), -1);
        assert_int_equal(a2a_input_next(in, &rec, &again), -1);
    } else {
        assert_int_equal(g->err.code, A2A_OK);
        assert_int_equal(a2a_input_next(in, &rec, &g->err), 0); /* the end stays the end */
    }
    a2a_input_free(&in);
    assert_null(in);
    a2a_input_free(&in); /* NULL-safe */
}

static void drain_mem(const char *bytes, size_t len, size_t chunk, size_t max_record, struct got *g)
{
    struct a2a_input_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = bytes;
    cfg.mem_len = len;
    cfg.mem_name = MEM_NAME;
    cfg.read_chunk = chunk;
    cfg.max_record = max_record != 0 ? max_record : MIB;
    drain(&cfg, g);
}

/*
 * Checks records against the expected texts: same bytes, positions 1.., and each one found at
 * its offset, searching the input forward from the end of the previous record.
 */
static void check_records(const char *label, const char *input, size_t input_len,
                          const struct got *g, const char *const *want, size_t nwant,
                          uint64_t first_position, const char *file)
{
    size_t from = 0;

    if (g->n != nwant) {
        row_fail("%s: %zu records, want %zu", label, g->n, nwant);
    }
    for (size_t i = 0; i < g->n && i < nwant; i++) {
        const struct got_record *r = &g->recs[i];
        size_t wl = strlen(want[i]);
        char *w = q(want[i], wl);
        size_t at = from;

        while (at + wl <= input_len && memcmp(input + at, w, wl) != 0) {
            at++;
        }
        if (r->len != wl || memcmp(r->bytes, w, wl) != 0) {
            row_fail("%s: record %zu is \"%.*s\", want \"%s\"", label, i + 1, (int)r->len, r->bytes,
                     want[i]);
        } else if (at + wl > input_len) {
            row_fail("%s: record %zu not found in the input after byte %zu", label, i + 1, from);
        } else if (r->offset != at) {
            row_fail("%s: record %zu at offset %llu, want %zu", label, i + 1,
                     (unsigned long long)r->offset, at);
        }
        if (r->position != first_position + i) {
            row_fail("%s: record %zu has position %llu", label, i + 1,
                     (unsigned long long)r->position);
        }
        if (strcmp(r->file, file) != 0) {
            row_fail("%s: record %zu names file \"%s\"", label, i + 1, r->file);
        }
        if (r->offset + r->len <= input_len && memcmp(input + r->offset, r->bytes, r->len) != 0) {
            row_fail("%s: record %zu bytes differ from the input at its offset", label, i + 1);
        }
        from = at + wl;
        free(w);
    }
}

/* ---- records used by the cases ---------------------------------------------------------- */

/* brackets and quotes inside strings, nested arrays, every literal */
#define R1                                                                                         \
    "{'eventID':'1','eventName':'INSERT','dynamodb':{'SequenceNumber':'111','NewImage':{"          \
    "'tenant':{'S':'a]}\\'{[,:'},'n':{'L':[{'N':'1'},[],{},[[]],true,false,null]}}}}"
/* numbers in every JSON form, as get-records prints them */
#define R2                                                                                         \
    "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'222','ApproximateCreationDateTime':"      \
    "1.44130524E9,'x':-1.5e-3,'y':[0,-0,1E+2,0.5,1e-0,123456789012345678901234567890]}}"
/* an ISO-8601 timestamp and escapes of every kind */
#define R3                                                                                         \
    "{'eventName':'REMOVE','dynamodb':{'SequenceNumber':'333','ApproximateCreationDateTime':"      \
    "'2024-01-01T00:00:00.000Z','u':'\\u00e9\\uD83D\\uDE00\\/\\\\\\'\\b\\f\\n\\r\\t'}}"
#define R4 "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'444'}}"
#define R5 "{'dynamodb':{'Keys':{'Records':{'L':[]}}}}"

struct input_case {
    const char *name;
    const char *in;
    size_t in_len;
    const char *recs[12]; /* NULL-terminated */
    const char *error;    /* NULL: a clean end; else matched by text_matches() */
};

#define NOT_STREAM(kind)                                                                           \
    "not a stream event: " kind "; a document must be an object with a \"Records\" array, a "      \
    "record object, or an array of records"
#define NOT_RECORD                                                                                 \
    "not a stream event: object has no \"Records\" array and is not a record (no \"eventName\" "   \
    "or "                                                                                          \
    "\"dynamodb\")"

static const struct input_case cases[] = {
    /* the shapes */
    {"Lambda event", L("{'Records':[" R1 "," R2 "," R3 "]}"), {R1, R2, R3}, NULL},
    {"Lambda event with envelope fields",
     L("{'Records':[" R1 "],'window':{'start':'x'},'isFinalInvokeForWindow':false}"),
     {R1},
     NULL},
    {"get-records, NextShardIterator before Records",
     L("{\n  'NextShardIterator': 'arn:aws:dynamodb:us-west-2:1:table/t/stream/2024|1|AAA==',\n"
       "  'Records': [\n    " R2 ",\n    " R3 "\n  ]\n}\n"),
     {R2, R3},
     NULL},
    {"get-records, NextShardIterator after Records",
     L("{'Records':[" R3 "," R2 "],'NextShardIterator':'arn:x|1|[]{}'}"),
     {R3, R2},
     NULL},
    {"get-records, other members on both sides",
     L("{'ResponseMetadata':{'Records':1,'L':[{'a':[]}]},'Records':[" R4
       "],'NextShardIterator':null,"
       "'More':[[{}]]}"),
     {R4},
     NULL},
    {"empty Records", L("{'Records':[]}"), {NULL}, NULL},
    {"empty Records, blanks", L(" \n{ 'Records' : [ \t\r\n ] }\n "), {NULL}, NULL},
    {"Records name escaped", L("{'Rec\\u006frds':[" R4 "]}"), {R4}, NULL},
    {"event that also has record keys",
     L("{'eventName':'x','dynamodb':{},'Records':[" R4 "]}"),
     {R4},
     NULL},
    {"single record", L(R1), {R1}, NULL},
    {"single record with blanks around", L("\n\n  " R3 "  \n"), {R3}, NULL},
    {"single record, dynamodb only", L(R5), {R5}, NULL},
    {"single record, eventName only", L("{'eventName':5}"), {"{'eventName':5}"}, NULL},
    {"single record, escaped eventName key",
     L("{'x':1,'event\\u004eame':'INSERT'}"),
     {"{'x':1,'event\\u004eame':'INSERT'}"},
     NULL},
    {"array of records", L("[" R1 "," R4 "]"), {R1, R4}, NULL},
    {"empty array", L("[]"), {NULL}, NULL},
    {"array elements of any kind",
     L("[1,'x',null,[],{}," R4 "]"),
     {"1", "'x'", "null", "[]", "{}", R4},
     NULL},
    {"Records elements of any kind",
     L("{'Records':[ -1.5e+3 , true,{ }, [ 1 ] ]}"),
     {"-1.5e+3", "true", "{ }", "[ 1 ]"},
     NULL},
    {"whitespace between elements",
     L("{ 'Records' : [\n\t" R1 "\r\n ,\n " R2 " \n ] \n}"),
     {R1, R2},
     NULL},
    /* several documents */
    {"concatenated with whitespace",
     L("{'Records':[" R1 "]} {'Records':[" R2 "]}\n[" R3 "]\n " R4 "\t\n"),
     {R1, R2, R3, R4},
     NULL},
    {"concatenated without whitespace",
     L("{'Records':[" R1 "]}{'Records':[" R2 "]}[" R3 "]" R4 "[]{'Records':[]}" R5),
     {R1, R2, R3, R4, R5},
     NULL},
    {"NDJSON", L(R1 "\n" R2 "\n" R3 "\n"), {R1, R2, R3}, NULL},
    {"NDJSON with CRLF, no final newline", L(R1 "\r\n" R4 "\r\n" R4), {R1, R4, R4}, NULL},
    {"the same record twice", L("{'Records':[" R4 "," R4 "]}" R4), {R4, R4, R4}, NULL},
    {"non-ASCII text",
     L("{'Records':[{'eventName':'caf\xc3\xa9'},{'eventName':'cafe'}]}"),
     {"{'eventName':'caf\xc3\xa9'}", "{'eventName':'cafe'}"},
     NULL},

    /* errors, with the byte offset */
    {"empty input",
     L(""),
     {NULL},
     MEM_NAME ": byte 0: no JSON document in this input (empty file?)"},
    {"only whitespace",
     L(" \n\t\r\n"),
     {NULL},
     MEM_NAME ": byte 5: no JSON document in this input (empty file?)"},
    {"not JSON",
     L("hello"),
     {NULL},
     MEM_NAME ": byte 0: invalid JSON: found 'h' where a JSON document was expected"},
    {"garbage after a document",
     L("{'Records':[" R4 "]} garbage"),
     {R4},
     MEM_NAME ": byte 73: invalid JSON: found 'g' where a JSON document was expected"},
    {"closing bracket at the top",
     L("]"),
     {NULL},
     MEM_NAME ": byte 0: invalid JSON: found ']' where a JSON document was expected"},
    {"scalar document: number", L("42"), {NULL}, MEM_NAME ": byte 0: " NOT_STREAM("a JSON number")},
    {"scalar document: negative number",
     L(" -1"),
     {NULL},
     MEM_NAME ": byte 1: " NOT_STREAM("a JSON number")},
    {"scalar document: string",
     L("'Records'"),
     {NULL},
     MEM_NAME ": byte 0: " NOT_STREAM("a JSON string")},
    {"scalar document: true",
     L("true"),
     {NULL},
     MEM_NAME ": byte 0: " NOT_STREAM("JSON true or false")},
    {"scalar document: null", L("null"), {NULL}, MEM_NAME ": byte 0: " NOT_STREAM("JSON null")},
    {"scalar after a good document",
     L("[" R4 "]\n7"),
     {R4},
     MEM_NAME ": byte 61: " NOT_STREAM("a JSON number")},
    /* not JSON at all, though it starts as a scalar would */
    {"words starting with t",
     L("this is not json"),
     {NULL},
     MEM_NAME ": byte 1: invalid JSON: found 'h' where a JSON value was expected"},
    {"a number with letters after it",
     L("123abc"),
     {NULL},
     MEM_NAME ": byte 3: invalid JSON: found 'a' where a JSON document was expected"},
    {"true then junk",
     L("true x"),
     {NULL},
     MEM_NAME ": byte 5: invalid JSON: found 'x' where a JSON document was expected"},
    {"object neither event nor record",
     L("{'foo':1,'bar':{'eventName':'INSERT'}}"),
     {NULL},
     MEM_NAME ": byte 0: " NOT_RECORD},
    {"empty object", L("{}"), {NULL}, MEM_NAME ": byte 0: " NOT_RECORD},
    {"neither, after a good document",
     L("[]\n{'records':[]}"),
     {NULL},
     MEM_NAME ": byte 3: " NOT_RECORD},
    {"Records is an object",
     L("{'Records':{'a':1}}"),
     {NULL},
     MEM_NAME ": byte 11: not a stream event: \"Records\" is not an array"},
    {"Records is null",
     L("{'Records':null}"),
     {NULL},
     MEM_NAME ": byte 11: not a stream event: \"Records\" is not an array"},
    {"Records is a string",
     L("{'x':1, 'Records' : '[]'}"),
     {NULL},
     MEM_NAME ": byte 20: not a stream event: \"Records\" is not an array"},
    {"Records after a record's key: an event, not a record (no record number)",
     L("{'eventName':'X','Records':5}"),
     {NULL},
     MEM_NAME ": byte 27: not a stream event: \"Records\" is not an array"},
    {"Records twice",
     L("{'Records':[" R4 "],'Records':[]}"),
     {R4},
     MEM_NAME ": byte 82: not a stream event: \"Records\" appears twice"},
    {"Records twice, once escaped",
     L("{'Records':[],'Rec\\u006frds':[]}"),
     {NULL},
     MEM_NAME ": byte 29: not a stream event: \"Records\" appears twice"},
    {"truncated after a comma",
     L("{'Records':[" R4 ","),
     {R4},
     MEM_NAME ": byte 71: invalid JSON: input ends where a record was expected (truncated?)"},
    {"truncated inside a record",
     L("{'Records':[" R4 ",{'eventName':'INS"),
     {R4},
     MEM_NAME ": byte 88 (record 2): invalid JSON: input ends where the end of a string was "
              "expected (truncated?)"},
    {"truncated after Records",
     L("{'Records':[" R4 "]"),
     {R4},
     MEM_NAME ": byte 71: invalid JSON: input ends where ',' or '}' was expected (truncated?)"},
    {"truncated single record: its record number, as in Records",
     L("{'eventName':'INSERT'"),
     {NULL},
     MEM_NAME ": byte 21 (record 1): invalid JSON: input ends where ',' or '}' was expected "
              "(truncated?)"},
    {"the second line of newline-delimited records, broken: record 2",
     L("{'eventName':'REMOVE'}\n{'eventName':'INSERT','dynamodb':{'a'}}\n"),
     {"{'eventName':'REMOVE'}"},
     MEM_NAME ": byte 60 (record 2): invalid JSON: found '}' where ':' was expected"},
    {"a top-level object with no record keys yet is not called a record",
     L("{'eventName':'REMOVE'}\n{'x':{'a'}}\n"),
     {"{'eventName':'REMOVE'}"},
     MEM_NAME ": byte 32: invalid JSON: found '}' where ':' was expected"},
    {"truncated array",
     L("[" R4),
     {R4},
     MEM_NAME ": byte 59: invalid JSON: input ends where ',' or ']' was expected (truncated?)"},
    {"truncated in a \\u escape",
     L("[{'a':'\\u12"),
     {NULL},
     MEM_NAME ": byte 11 (record 1): invalid JSON: input ends where a hex digit of a \\u escape "
              "was expected (truncated?)"},
    {"trailing comma in Records",
     L("{'Records':[" R4 ",]}"),
     {R4},
     MEM_NAME ": byte 71 (record 2): invalid JSON: found ']' where a JSON value was expected"},
    {"missing comma",
     L("[{'a':1} {'b':2}]"),
     {"{'a':1}"},
     MEM_NAME ": byte 9: invalid JSON: found '{' where ',' or ']' was expected"},
    {"missing colon",
     L("[{'a' 1}]"),
     {NULL},
     MEM_NAME ": byte 6 (record 1): invalid JSON: found '1' where ':' was expected"},
    {"mismatched bracket",
     L("{'Records':[{'a':[1}]}]}"),
     {NULL},
     MEM_NAME ": byte 19 (record 1): invalid JSON: found '}' where ',' or ']' was expected"},
    {"leading zero",
     L("[{'a':01}]"),
     {NULL},
     MEM_NAME ": byte 7 (record 1): invalid JSON: found '1' where ',' or '}' was expected"},
    {"bare minus",
     L("[{'a':-}]"),
     {NULL},
     MEM_NAME ": byte 7 (record 1): invalid JSON: found '}' where a digit was expected"},
    {"bad literal",
     L("[{'a':tru}]"),
     {NULL},
     MEM_NAME ": byte 9 (record 1): invalid JSON: found '}' where a JSON value was expected"},
    {"capital literal",
     L("[True]"),
     {NULL},
     MEM_NAME ": byte 1 (record 1): invalid JSON: found 'T' where a JSON value was expected"},
    {"NUL byte between documents",
     L("[]\0[]"),
     {NULL},
     MEM_NAME ": byte 2: invalid JSON: found byte 0x00 where a JSON document was expected"},
    {"a UTF-8 byte order mark before the document is named, not shown as byte 0xef",
     L("\xef\xbb\xbf[]"),
     {NULL},
     MEM_NAME ": byte 0: invalid JSON: found a UTF-8 byte order mark (ef bb bf) where a JSON "
              "document was expected; JSON text has none: remove it"},
    {"a lone 0xef is only a byte",
     L("[]\xef[]"),
     {NULL},
     MEM_NAME ": byte 2: invalid JSON: found byte 0xef where a JSON document was expected"},
    {"NUL byte in a string",
     L("[{'a':'x\0y'}]"),
     {NULL},
     MEM_NAME ": byte 8 (record 1): invalid JSON: found byte 0x00 where a string character "
              "(control characters must be escaped) was expected"},
    {"raw newline in a string",
     L("{'Records':[{'a':'x\ny'}]}"),
     {NULL},
     MEM_NAME ": byte 19 (record 1): invalid JSON: found byte 0x0a where a string character "
              "(control characters must be escaped) was expected"},
    {"raw tab in a member name",
     L("{'Records':[],'a\tb':1}"),
     {NULL},
     MEM_NAME ": byte 16: invalid JSON: found byte 0x09 where a string character (control "
              "characters must be escaped) was expected"},
    {"bad escape letter",
     L("[{'a':'\\x'}]"),
     {NULL},
     MEM_NAME ": byte 8 (record 1): invalid JSON: found 'x' where an escape letter was expected"},
    {"bad \\u digit",
     L("[{'a':'\\u12G4'}]"),
     {NULL},
     MEM_NAME ": byte 11 (record 1): invalid JSON: found 'G' where a hex digit of a \\u escape "
              "was expected"},
    {"records before a bad document are returned",
     L(R1 "\n" R2 "\n{bad}\n"),
     {R1, R2},
     "~invalid JSON"},
};

static void run_case(const struct input_case *c, size_t chunk)
{
    char *in = q(c->in, c->in_len);
    const char *want[12];
    size_t nwant = 0;
    struct got g;
    char label[160];

    while (nwant < 12 && c->recs[nwant] != NULL) {
        want[nwant] = c->recs[nwant];
        nwant++;
    }
    snprintf(label, sizeof(label), "%s (read_chunk %zu)", c->name, chunk);
    drain_mem(in, c->in_len, chunk, 0, &g);
    check_records(label, in, c->in_len, &g, want, nwant, 1, MEM_NAME);
    if (c->error == NULL && g.rc != 0) {
        row_fail("%s: error \"%s\"", label, g.err.msg);
    }
    if (c->error != NULL && g.rc == 0) {
        row_fail("%s: no error, want \"%s\"", label, c->error);
    }
    if (c->error != NULL && g.rc != 0 && !text_matches(g.err.msg, c->error)) {
        row_fail("%s:\n  error \"%s\"\n  want  \"%s\"", label, g.err.msg, c->error);
    }
    got_free(&g);
    free(in);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            run_case(&cases[k], chunks[c]);
        }
    }
    rows_done();
}

/* The non_ascii flag belongs to each record: set by its own bytes only. */
static void test_non_ascii_per_record(void **state)
{
    static const char src[] =
        "{'Records':[{'a':'x'},{'a':'\xc3\xa9'},{'a':'y'},{'\xe2\x82\xac':1}]}"
        "{'eventName':'e','k':'\xf0\x9f\x98\x80'}[{'b':'c'}]";
    static const int want[] = {0, 1, 0, 1, 1, 0};
    char *in = q(src, sizeof(src) - 1);

    (void)state;
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct got g;
        drain_mem(in, sizeof(src) - 1, chunks[c], 0, &g);
        assert_int_equal(g.rc, 0);
        assert_int_equal(g.n, 6);
        for (size_t i = 0; i < g.n; i++) {
            if (g.recs[i].non_ascii != want[i]) {
                row_fail("chunk %zu record %zu: non_ascii %d", chunks[c], i + 1,
                         g.recs[i].non_ascii);
            }
        }
        got_free(&g);
    }
    free(in);
    rows_done();
}

/* ---- generated inputs: depth, size, volume ---------------------------------------------- */

/* Builds prefix + depth x '[' + depth x ']' + suffix. */
static char *nested(const char *prefix, size_t depth, const char *suffix, size_t *len)
{
    size_t pl = strlen(prefix);
    size_t sl = strlen(suffix);
    char *s = malloc(pl + 2 * depth + sl);

    assert_non_null(s);
    memcpy(s, prefix, pl);
    memset(s + pl, '[', depth);
    memset(s + pl + depth, ']', depth);
    memcpy(s + pl + 2 * depth, suffix, sl);
    *len = pl + 2 * depth + sl;
    swap_quotes(s, *len);
    return s;
}

static void test_nesting(void **state)
{
    /* each shape; the total document depth is the brackets plus what the prefix opens */
    static const struct {
        const char *prefix;
        const char *suffix;
        size_t opened; /* containers the prefix opens */
    } shapes[] = {
        {"{'Records':[{'eventName':'INSERT','x':", "}]}", 3},
        {"{'eventName':'INSERT','x':", "}", 1},
        {"[{'eventName':'INSERT','x':", "}]", 2},
        {"{'NextShardIterator':", ",'Records':[]}", 1},
        {"", "", 0},
    };

    (void)state;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            size_t len;
            struct got g;
            char want[64];
            /* 512 levels in all are fine */
            char *in = nested(shapes[s].prefix, 512 - shapes[s].opened, shapes[s].suffix, &len);

            drain_mem(in, len, chunks[c], 0, &g);
            if (g.rc != 0) {
                row_fail("shape %zu chunk %zu: depth 512 refused: %s", s, chunks[c], g.err.msg);
            }
            got_free(&g);
            free(in);

            /* 513 levels are refused, at the bracket that opens the 513th */
            in = nested(shapes[s].prefix, 513 - shapes[s].opened, shapes[s].suffix, &len);
            drain_mem(in, len, chunks[c], 0, &g);
            snprintf(want, sizeof(want), MEM_NAME ": byte %zu",
                     strlen(shapes[s].prefix) + 512 - shapes[s].opened);
            if (g.rc != -1 || strncmp(g.err.msg, want, strlen(want)) != 0 ||
                (g.err.msg[strlen(want)] != ':' && g.err.msg[strlen(want)] != ' ') ||
                strstr(g.err.msg, "JSON nested deeper than 512 levels") == NULL) {
                row_fail("shape %zu chunk %zu: depth 513: rc %d \"%s\", want \"%s...\"", s,
                         chunks[c], g.rc, g.err.msg, want);
            }
            got_free(&g);
            free(in);

            /* far deeper is an input error naming the limit, not a crash */
            in = nested(shapes[s].prefix, 600, shapes[s].suffix, &len);
            drain_mem(in, len, chunks[c], 0, &g);
            if (g.rc != -1 || strstr(g.err.msg, "JSON nested deeper than 512 levels") == NULL ||
                strncmp(g.err.msg, MEM_NAME ": byte ", strlen(MEM_NAME ": byte ")) != 0) {
                row_fail("shape %zu chunk %zu: depth 600: rc %d \"%s\"", s, chunks[c], g.rc,
                         g.err.msg);
            }
            got_free(&g);
            free(in);

            /* and 100,000 levels too (the scanner keeps no C stack per level) */
            in = nested(shapes[s].prefix, 100000, shapes[s].suffix, &len);
            drain_mem(in, len, chunks[c] == 1 ? 4096 : chunks[c], 0, &g);
            if (g.rc != -1 || strstr(g.err.msg, "nested deeper") == NULL) {
                row_fail("shape %zu: depth 100000: rc %d \"%s\"", s, g.rc, g.err.msg);
            }
            got_free(&g);
            free(in);
        }
    }
    rows_done();
}

/* A record of exactly len bytes: {'eventName':'INSERT','p':'xxx...'} */
static char *record_of(size_t len)
{
    static const char head[] = "{'eventName':'INSERT','p':'";
    char *r = malloc(len + 1);

    assert_non_null(r);
    assert_true(len >= sizeof(head) + 2);
    memcpy(r, head, sizeof(head) - 1);
    memset(r + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - 2);
    memcpy(r + len - 2, "'}", 2);
    r[len] = '\0';
    return r;
}

/* Records larger than max_record are an input error; records of exactly max_record are not. */
static void test_max_record(void **state)
{
    static const struct {
        const char *before;
        const char *after;
    } shapes[] = {
        {"{'Records':[", "]}"},
        {"[", "]"},
        {"", ""},
        {"", "\n"},
        {"{'Records':[{'eventName':'MODIFY'},", ",{'eventName':'REMOVE'}]}"},
    };
    static const size_t limits[] = {1024, 4096, 100000};

    (void)state;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
            for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
                for (int over = 0; over < 3; over++) {
                    /* exactly the limit, one byte over, five times over */
                    size_t rl = over == 0 ? limits[l] : (over == 1 ? limits[l] + 1 : limits[l] * 5);
                    char *rec = record_of(rl);
                    size_t bl = strlen(shapes[s].before);
                    size_t al = strlen(shapes[s].after);
                    size_t len = bl + rl + al;
                    char *tmpl = malloc(len);
                    char *in;
                    struct got g;
                    int found = 0;

                    assert_non_null(tmpl);
                    memcpy(tmpl, shapes[s].before, bl);
                    memcpy(tmpl + bl, rec, rl);
                    memcpy(tmpl + bl + rl, shapes[s].after, al);
                    in = q(tmpl, len);
                    drain_mem(in, len, chunks[c], limits[l], &g);
                    for (size_t i = 0; i < g.n; i++) {
                        found |= g.recs[i].len == rl;
                    }
                    if (over == 0 && (g.rc != 0 || !found)) {
                        row_fail("shape %zu limit %zu chunk %zu: record of %zu bytes: rc %d %s", s,
                                 limits[l], chunks[c], rl, g.rc, g.err.msg);
                    }
                    if (over > 0 &&
                        (g.rc != -1 || found || strstr(g.err.msg, "-byte limit") == NULL ||
                         strstr(g.err.msg, "--") != NULL)) {
                        row_fail("shape %zu limit %zu chunk %zu: record of %zu bytes: rc %d, "
                                 "returned %d, \"%s\"",
                                 s, limits[l], chunks[c], rl, g.rc, found, g.err.msg);
                    }
                    got_free(&g);
                    free(in);
                    free(tmpl);
                    free(rec);
                }
            }
        }
    }
    rows_done();
}

/*
 * head, 5000 bytes of 'i', tail: read whole under a 100000-byte limit (whole_n records), and cut
 * under 1024 after cut_n records with an error holding want, through every read size.
 */
static void check_limit(const char *head, const char *tail, size_t whole_n, size_t cut_n,
                        const char *want)
{
    size_t head_len = strlen(head);
    size_t pad = 5000;
    size_t len = head_len + pad + strlen(tail);
    char *tmpl = malloc(len);
    char *in;

    assert_non_null(tmpl);
    memcpy(tmpl, head, head_len);
    memset(tmpl + head_len, 'i', pad);
    memcpy(tmpl + head_len + pad, tail, strlen(tail));
    in = q(tmpl, len);
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct got g;
        drain_mem(in, len, chunks[c], 100000, &g);
        assert_int_equal(g.rc, 0);
        assert_int_equal(g.n, whole_n);
        got_free(&g);
        drain_mem(in, len, chunks[c], 1024, &g);
        if (g.rc != -1 || g.n != cut_n || strstr(g.err.msg, want) == NULL) {
            row_fail("chunk %zu: rc %d, %zu records, \"%s\"; want %zu records, \"%s\"", chunks[c],
                     g.rc, g.n, g.err.msg, cut_n, want);
        }
        got_free(&g);
    }
    free(in);
    free(tmpl);
    rows_done();
}

/* What precedes "Records" is held in memory too, and bounded by the same limit. */
static void test_prefix_limit(void **state)
{
    (void)state;
    check_limit("{'NextShardIterator':'", "','Records':[{'eventName':'INSERT'}]}", 1, 0,
                "document prefix before \"Records\" at byte 0 is larger than the 1024-byte "
                "limit");
}

/* An event whose "Records" follows more than the limit of record keys is judged by those keys,
 * whatever the read size: a record, as the limit's bytes show it. */
static void test_prefix_limit_after_record_keys(void **state)
{
    (void)state;
    check_limit("{'eventName':'INSERT','dynamodb':{'x':'", "'},'Records':[{'eventName':'INSERT'}]}",
                1, 0, "(record 1): record at byte 0 is larger than the 1024-byte limit");
}

/* A record of its own (a line of newline-delimited records) that outgrows the limit is a record,
 * numbered, once its keys are seen; not a "prefix before Records". */
static void test_single_record_limit(void **state)
{
    (void)state;
    check_limit("{'eventName':'REMOVE'}\n{'eventName':'INSERT','dynamodb':{'x':'", "'}}\n", 2, 1,
                "(record 2): record at byte 23 is larger than the 1024-byte limit");
}

/* A 3 MiB record through the default 1 MiB reads, and many records through small reads. */
static void test_volume(void **state)
{
    size_t big = 3 * MIB + 17;
    char *rec = record_of(big);
    size_t len = big + 14;
    char *in = malloc(len);
    struct got g;
    struct a2a_input *reader = NULL;
    struct a2a_input_config cfg;
    struct a2a_raw_record raw;
    struct a2a_error err = {A2A_OK, ""};
    char *many;
    size_t n = 0;
    uint64_t count = 0;

    (void)state;
    assert_non_null(in);
    memcpy(in, "{\"Records\":[", 12);
    memcpy(in + 12, rec, big);
    memcpy(in + 12 + big, "]}", 2);
    swap_quotes(in, len);
    drain_mem(in, len, 0, 16 * MIB, &g);
    assert_int_equal(g.rc, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.recs[0].len, big);
    assert_int_equal(g.recs[0].offset, 12);
    assert_memory_equal(g.recs[0].bytes, in + 12, big);
    got_free(&g);
    free(in);
    free(rec);

    /* 20,000 records, positions counted through, offsets exact, at 7-byte reads */
    many = malloc(20000 * 64 + 64);
    assert_non_null(many);
    n += (size_t)sprintf(many + n, "{\"Records\":[");
    for (int i = 0; i < 20000; i++) {
        n +=
            (size_t)sprintf(many + n, "%s{\"eventName\":\"INSERT\",\"i\":%d}", i > 0 ? "," : "", i);
    }
    n += (size_t)sprintf(many + n, "]}");
    memset(&cfg, 0, sizeof(cfg));
    cfg.mem = many;
    cfg.mem_len = n;
    cfg.read_chunk = 7;
    cfg.max_record = 1024;
    assert_int_equal(a2a_input_open(&reader, &cfg, &err), 0);
    for (;;) {
        char want[64];
        int wl;
        int r = a2a_input_next(reader, &raw, &err);
        if (r <= 0) {
            assert_int_equal(r, 0);
            break;
        }
        wl = snprintf(want, sizeof(want), "{\"eventName\":\"INSERT\",\"i\":%llu}",
                      (unsigned long long)count);
        count++;
        assert_int_equal(raw.position, count);
        assert_int_equal(raw.len, (size_t)wl);
        assert_memory_equal(raw.bytes, want, (size_t)wl);
        assert_memory_equal(many + raw.offset, want, (size_t)wl);
        assert_string_equal(raw.file, "<memory>"); /* no mem_name given */
    }
    assert_int_equal(count, 20000);
    a2a_input_free(&reader);
    free(many);
}

/* ---- files ------------------------------------------------------------------------------ */

struct files {
    char dir[256];
    char path[8][300];
};

static void write_file(const char *path, const char *tmpl, size_t len)
{
    char *data = q(tmpl, len);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(data);
}

enum { F_A, F_B, F_C, F_EMPTY, F_MISSING, F_HALF1, F_HALF2, F_NUL };

static int files_setup(void **state)
{
    struct files *fs = calloc(1, sizeof(*fs));
    const char *tmp = getenv("TMPDIR");

    if (fs == NULL) {
        return -1;
    }
    snprintf(fs->dir, sizeof(fs->dir), "%s/a2a-unit-input-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(fs->dir) == NULL) {
        free(fs);
        return -1;
    }
    static const char *const names[] = {"a.json",       "b.ndjson",   "c.json",     "empty.json",
                                        "missing.json", "half1.json", "half2.json", "nul.json"};
    for (int i = 0; i < 8; i++) {
        snprintf(fs->path[i], sizeof(fs->path[i]), "%s/%s", fs->dir, names[i]);
    }
    write_file(fs->path[F_A], L("{'Records':[" R1 "," R2 "]}\n"));
    write_file(fs->path[F_B], L(R3 "\n" R4 "\n"));
    write_file(fs->path[F_C], L("[" R5 "]"));
    write_file(fs->path[F_EMPTY], L(""));
    write_file(fs->path[F_HALF1], L("{'Records':[" R4));
    write_file(fs->path[F_HALF2], L("]}"));
    write_file(fs->path[F_NUL], L("[" R4 "]\n\0"));
    *state = fs;
    return 0;
}

static int files_teardown(void **state)
{
    struct files *fs = *state;

    for (int i = 0; i < 8; i++) {
        unlink(fs->path[i]);
    }
    rmdir(fs->dir);
    free(fs);
    return 0;
}

static void drain_files(const char *const *paths, size_t n, size_t chunk, struct got *g)
{
    struct a2a_input_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.paths = paths;
    cfg.npaths = n;
    cfg.read_chunk = chunk;
    cfg.max_record = MIB;
    drain(&cfg, g);
}

/* Three files of three shapes: one batch, positions running on, offsets per file. */
static void test_files_multiple(void **state)
{
    struct files *fs = *state;
    const char *paths[] = {fs->path[F_A], fs->path[F_B], fs->path[F_C]};
    static const struct {
        int file;
        uint64_t offset;
        size_t len;
    } want[] = {
        {F_A, 12, sizeof(R1) - 1}, {F_A, 12 + sizeof(R1), sizeof(R2) - 1},
        {F_B, 0, sizeof(R3) - 1},  {F_B, sizeof(R3), sizeof(R4) - 1},
        {F_C, 1, sizeof(R5) - 1},
    };

    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        struct got g;
        drain_files(paths, 3, chunks[c], &g);
        if (g.rc != 0) {
            row_fail("chunk %zu: %s", chunks[c], g.err.msg);
        }
        assert_int_equal(g.n, 5);
        for (size_t i = 0; i < g.n; i++) {
            if (strcmp(g.recs[i].file, fs->path[want[i].file]) != 0 ||
                g.recs[i].offset != want[i].offset || g.recs[i].len != want[i].len ||
                g.recs[i].position != i + 1) {
                row_fail("chunk %zu record %zu: %s offset %llu len %zu position %llu", chunks[c],
                         i + 1, g.recs[i].file, (unsigned long long)g.recs[i].offset, g.recs[i].len,
                         (unsigned long long)g.recs[i].position);
            }
        }
        got_free(&g);
    }
    rows_done();
}

struct file_error_case {
    const char *name;
    int files[3];
    size_t nfiles;
    size_t records_before;
    const char *what; /* the message after "<path>: " */
    int failing;      /* which file the message names */
};

static void test_files_errors(void **state)
{
    struct files *fs = *state;
    static const struct file_error_case cases_f[] = {
        {"missing file alone",
         {F_MISSING},
         1,
         0,
         "cannot open: No such file or directory",
         F_MISSING},
        {"missing file after a good one",
         {F_A, F_MISSING, F_C},
         3,
         2,
         "cannot open: No such file or directory",
         F_MISSING},
        {"directory", {-1}, 1, 0, "is a directory, not a file", -1},
        {"directory after a good file", {F_B, -1}, 2, 2, "is a directory, not a file", -1},
        {"empty file among good ones",
         {F_A, F_EMPTY, F_C},
         3,
         2,
         "byte 0: no JSON document in this input (empty file?)",
         F_EMPTY},
        {"a document does not span files",
         {F_HALF1, F_HALF2},
         2,
         1,
         "byte 70: invalid JSON: input ends where ',' or ']' was expected (truncated?)",
         F_HALF1},
        {"NUL byte in a file",
         {F_C, F_NUL},
         2,
         2,
         "byte 61: invalid JSON: found byte 0x00 where a JSON document was expected",
         F_NUL},
    };

    for (size_t k = 0; k < sizeof(cases_f) / sizeof(cases_f[0]); k++) {
        const struct file_error_case *e = &cases_f[k];
        const char *paths[3];
        char want[600];

        for (size_t i = 0; i < e->nfiles; i++) {
            paths[i] = e->files[i] < 0 ? fs->dir : fs->path[e->files[i]];
        }
        snprintf(want, sizeof(want), "%s: %s", e->failing < 0 ? fs->dir : fs->path[e->failing],
                 e->what);
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            struct got g;
            drain_files(paths, e->nfiles, chunks[c], &g);
            if (g.rc != -1 || g.n != e->records_before || strcmp(g.err.msg, want) != 0) {
                row_fail("%s (chunk %zu): rc %d, %zu records, \"%s\"; want \"%s\" after %zu",
                         e->name, chunks[c], g.rc, g.n, g.err.msg, want, e->records_before);
            }
            got_free(&g);
        }
    }
    rows_done();
}

/* The reader reports where it stands, for messages about a stopped run. */
static void test_current_position(void **state)
{
    struct files *fs = *state;
    const char *paths[] = {fs->path[F_A], fs->path[F_B]};
    struct a2a_input_config cfg;
    struct a2a_input *in = NULL;
    struct a2a_raw_record raw;
    struct a2a_error err = {A2A_OK, ""};

    memset(&cfg, 0, sizeof(cfg));
    cfg.paths = paths;
    cfg.npaths = 2;
    cfg.read_chunk = 1;
    cfg.max_record = MIB;
    assert_int_equal(a2a_input_open(&in, &cfg, &err), 0);
    assert_int_equal(a2a_input_next(in, &raw, &err), 1);
    assert_string_equal(a2a_input_current_name(in), fs->path[F_A]);
    assert_int_equal(a2a_input_current_offset(in), raw.offset + raw.len);
    assert_int_equal(a2a_input_next(in, &raw, &err), 1);
    assert_int_equal(a2a_input_next(in, &raw, &err), 1);
    assert_string_equal(a2a_input_current_name(in), fs->path[F_B]);
    /* past the record, and at most past the newline after it */
    assert_true(a2a_input_current_offset(in) >= raw.offset + raw.len);
    assert_true(a2a_input_current_offset(in) <= raw.offset + raw.len + 1);
    a2a_input_free(&in);
}

/* ---- resume points ---------------------------------------------------------------------- */

/*
 * Inputs with their resume points marked: '|' right after a value cut whole from between
 * documents (a record object, an invocation record: a run reads on between documents), '>'
 * after an element of a Records array and '^' of a top-level one (reading on, the array must
 * go on or close), '~' after an element of "Messages" (as '>': read on, the elements after it
 * are messages). Marks are dropped before the file is written.
 */
static const char *const resume_files[] = {
    "{'Records':[" R1 ">," R2 ">]}\n",
    "{'Records':[{'eventName':'A'}>, {'eventName':'B'}> ,\n{'eventName':'C'}>],'x':{'y':{}}}",
    R3 "|\n" R4 "|\n",
    "[" R5 "^]",
    "{'eventName':'F','dynamodb':{'k':{'M':{}}}}|{'Records':[]}{'eventName':'X','x':{}}|[{'"
    "eventName':'G'}^]",
    "{'Messages':[{'Body':'{}','MessageId':'m1'}~,{'Body':'x','MessageId':'m2'}~]}\n"
    "{'Records':[" R4 ">]}",
    "{'requestContext':{'a':{}},'DDBStreamBatchInfo':{'shardId':'s'}}|\n" R4 "|",
};

static int check_resume_at(const char *path, uint64_t offset, int ahead, size_t max_record,
                           struct a2a_resume_place *place, struct a2a_error *err)
{
    struct a2a_input_config cfg = {.paths = &path,
                                   .npaths = 1,
                                   .max_record = max_record,
                                   .shapes = 1,
                                   .scan_ahead = ahead,
                                   .resume_offset = offset};

    return a2a_input_check_resume(&cfg, place, err);
}

/* Reads path on from offset as a run would; returns how many values, or -1 (err set). */
static long read_on(const char *path, uint64_t offset, enum a2a_resume_in where,
                    struct a2a_error *err)
{
    struct a2a_input_config cfg = {.paths = &path,
                                   .npaths = 1,
                                   .max_record = MIB,
                                   .shapes = 1,
                                   .resume_offset = offset,
                                   .resume_in = where};
    struct a2a_input *in = NULL;
    struct a2a_raw_record raw;
    long n = 0;
    int r;

    assert_int_equal(a2a_input_open(&in, &cfg, err), 0);
    while ((r = a2a_input_next(in, &raw, err)) == 1) {
        n++;
    }
    a2a_input_free(&in);
    return r == 0 ? n : -1;
}

/* Drops the marks of tmpl into text (at most cap bytes), each at the offset it stands for. */
static size_t unmark(const char *tmpl, char *text, char *mark, size_t cap)
{
    size_t len = 0;

    memset(mark, 0, cap + 1);
    for (const char *p = tmpl; *p != '\0'; p++) {
        assert_true(len < cap);
        if (*p == '|' || *p == '>' || *p == '^' || *p == '~') {
            mark[len] = *p;
            continue;
        }
        text[len++] = *p;
    }
    return len;
}

/* What a mark says the record before it was in; ANYWHERE for no place. */
static enum a2a_resume_in marked_in(char mark)
{
    switch (mark) {
    case '|':
        return A2A_RESUME_BETWEEN;
    case '>':
        return A2A_RESUME_IN_RECORDS;
    case '^':
        return A2A_RESUME_IN_ARRAY;
    case '~':
        return A2A_RESUME_IN_MESSAGES;
    default:
        return A2A_RESUME_ANYWHERE;
    }
}

/*
 * Every offset of every input: accepted exactly at the marked ends of records, with what they
 * were in as marked; read on from there, the rest comes whole, and cut short right there, a
 * record in an array is an error, not a clean end.
 */
static void test_check_resume_every_offset(void **state)
{
    struct files *fs = *state;
    char path[320];

    snprintf(path, sizeof(path), "%s/resume.json", fs->dir);
    for (size_t k = 0; k < sizeof(resume_files) / sizeof(resume_files[0]); k++) {
        char text[1024];
        char mark[1025];
        size_t len = unmark(resume_files[k], text, mark, sizeof(text));
        long after = 0;

        for (size_t i = 0; i <= len; i++) {
            after += mark[i] != 0;
        }
        for (uint64_t off = 1; off <= len; off++) {
            struct a2a_resume_place place;
            struct a2a_error err = {A2A_OK, ""};
            enum a2a_resume_in in = marked_in(mark[off]);
            int want = in == A2A_RESUME_ANYWHERE ? 1 : 0;
            int got;

            write_file(path, text, len);
            got = check_resume_at(path, off, 0, MIB, &place, &err);
            after -= mark[off] != 0; /* the values after this offset */
            if (got != want || (got == 1 && err.code != A2A_E_CONFIG) ||
                (got == 0 && place.in != in)) {
                row_fail("input %zu, offset %llu: %d in %d, want %d in %d (%s)", k,
                         (unsigned long long)off, got, (int)place.in, want, (int)in, err.msg);
            }
            if (got != 0) {
                continue;
            }
            if (read_on(path, off, place.in, &err) != after) {
                row_fail("input %zu, read on from %llu: not the %ld values after it (%s)", k,
                         (unsigned long long)off, after, err.msg);
            }
            write_file(path, text, (size_t)off); /* cut short right after the record */
            if ((in == A2A_RESUME_IN_RECORDS || in == A2A_RESUME_IN_ARRAY ||
                 in == A2A_RESUME_IN_MESSAGES) &&
                (read_on(path, off, in, &err) != -1 ||
                 strstr(err.msg, "input ends where ',' or ']' was expected") == NULL)) {
                row_fail("input %zu, cut at %llu: read as whole (%s)", k, (unsigned long long)off,
                         err.msg);
            }
        }
    }
    unlink(path);
    rows_done();
}

/*
 * Damage after the array a resumed run reads on in: known whose array it was, its close is
 * held to it, as a read from the start would be; not known (ANYWHERE), the bytes after the
 * close were taken to say whose it was, and the damage passed for a clean end.
 */
static void test_read_on_holds_the_array(void **state)
{
    struct files *fs = *state;
    static const struct {
        const char *tmpl;
        uint64_t offset;
        enum a2a_resume_in in;
        const char *why;
    } rows[] = {
        {"[{'eventName':'A'},{'eventName':'B'}]}", 18, A2A_RESUME_IN_ARRAY,
         "found '}' where a JSON document was expected"},
        {"[{'eventName':'A'},{'eventName':'B'}],'x':1}", 18, A2A_RESUME_IN_ARRAY,
         "found ',' where a JSON document was expected"},
        {"{'Records':[{'eventName':'A'},{'eventName':'B'}]\n{'eventName':'C'}\n", 29,
         A2A_RESUME_IN_RECORDS, "found '{' where"},
        {"{'Messages':[{'a':{}},{'b':{}}]\n{'eventName':'C'}\n", 21, A2A_RESUME_IN_MESSAGES,
         "found '{' where ',' or '}' was expected"},
        {"{'eventName':'A'}]", 17, A2A_RESUME_BETWEEN,
         "found ']' where a JSON document was expected"},
    };
    char path[320];

    snprintf(path, sizeof(path), "%s/resume.json", fs->dir);
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct a2a_resume_place place;
        struct a2a_error err = {A2A_OK, ""};

        write_file(path, rows[k].tmpl, strlen(rows[k].tmpl));
        if (check_resume_at(path, rows[k].offset, 0, MIB, &place, &err) != 0 ||
            place.in != rows[k].in) {
            row_fail("row %zu: not a resume point in %d: %s", k, (int)rows[k].in, err.msg);
            continue;
        }
        if (read_on(path, rows[k].offset, place.in, &err) != -1 ||
            strstr(err.msg, rows[k].why) == NULL) {
            row_fail("row %zu: read as whole, or \"%s\"; want \"%s\"", k, err.msg, rows[k].why);
        }
        err = (struct a2a_error){A2A_OK, ""};
        if (k < 4 && read_on(path, rows[k].offset, A2A_RESUME_ANYWHERE, &err) == -1) {
            row_fail("row %zu: the guess now fails too (%s): the row proves nothing", k, err.msg);
        }
    }
    unlink(path);
    rows_done();
}

/*
 * Where a refused offset falls is said, with the resume point before it (a record's or a
 * message's end; else the file's start); a file cut short or a record over the limit before it
 * is the scanner's error (-1), with the limit named.
 */
static void test_check_resume_reasons(void **state)
{
    struct files *fs = *state;
    static const struct {
        const char *tmpl;
        uint64_t offset;
        size_t max_record;
        int rc;
        enum a2a_limit limit;
        const char *why;
    } rows[] = {
        {"{'eventName':{'b':{}}}\n{'eventName':{}}\n", 20, MIB, 1, A2A_LIMIT_NONE,
         "it is inside the record at bytes 0 to 21; the resume point before it is 0, the "
         "file's start"},
        {"{'eventName':{'b':{}}}\n{'eventName':{}}\n", 37, MIB, 1, A2A_LIMIT_NONE,
         "it is inside the record at bytes 23 to 38; the resume point before it is byte 22"},
        {"{'eventName':{'b':{}}}\n{'eventName':1}\n", 23, MIB, 1, A2A_LIMIT_NONE,
         "no record ends just before it (the next starts at byte 23); the resume point before it "
         "is byte 22"},
        {"{'eventName':{'b':{}}}\n{'eventName':1}\n", 39, MIB, 1, A2A_LIMIT_NONE,
         "it is after the last record; the resume point before it is byte 38"},
        {"\n {'eventName':1}", 1, MIB, 1, A2A_LIMIT_NONE,
         "no record ends just before it (the next starts at byte 2); the resume point before it "
         "is 0, the file's start"},
        {"{'Records':[]}", 14, MIB, 1, A2A_LIMIT_NONE,
         "it holds no record; the resume point before it is 0, the file's start"},
        {"{'Messages':[{'a':{}}]}", 19, MIB, 1, A2A_LIMIT_NONE,
         "it is inside an element of a \"Messages\" array at bytes 13 to 20; the resume point "
         "before it is 0, the file's start"},
        {"{'Messages':[{'a':{}}]}", 21, MIB, 0, A2A_LIMIT_NONE, ""},
        {"{'Messages':[{'a':{}}]}", 23, MIB, 1, A2A_LIMIT_NONE,
         "it is after the last record; the resume point before it is byte 21"},
        /* a message's end is a resume point offered, as a record's */
        {"{'eventName':1}{'Messages':[{'a':{}},{'b':{}}]}", 37, MIB, 1, A2A_LIMIT_NONE,
         "no record ends just before it (the next starts at byte 37); the resume point before it "
         "is byte 36"},
        {"{'eventName':1}{'Messages':[{'a':{}},{'b':{}}]}", 40, MIB, 1, A2A_LIMIT_NONE,
         "it is inside an element of a \"Messages\" array at bytes 37 to 44; the resume point "
         "before it is byte 36"},
        {"{'eventName':{}}{'dynamodb':{}", 16, MIB, 0, A2A_LIMIT_NONE, ""},
        {"{'eventName':{}}{'dynamodb':{}", 30, MIB, -1, A2A_LIMIT_NONE,
         "byte 30 (record 2): invalid JSON"},
        {"{'eventName':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'}{'eventName':1}", 60, 32, -1,
         A2A_LIMIT_MAX_RECORD, "larger than"},
    };
    char path[320];

    snprintf(path, sizeof(path), "%s/resume.json", fs->dir);
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        struct a2a_resume_place place;
        struct a2a_error err = {A2A_OK, ""};
        int got;

        write_file(path, rows[k].tmpl, strlen(rows[k].tmpl));
        got = check_resume_at(path, rows[k].offset, 0, rows[k].max_record, &place, &err);
        if (got != rows[k].rc || place.limit != rows[k].limit ||
            strstr(err.msg, rows[k].why) == NULL) {
            row_fail("row %zu: %d limit %d \"%s\", want %d \"%s\"", k, got, (int)place.limit,
                     err.msg, rows[k].rc, rows[k].why);
        }
    }
    unlink(path);
    rows_done();
}

/*
 * Read on after an element of "Messages", the elements after it are messages, as read from
 * the start: named by their MessageId, not taken for records of a resumed "Records" array.
 */
static void test_read_on_in_messages(void **state)
{
    struct files *fs = *state;
    static const char tmpl[] = "{'Messages':[{'MessageId':'m1','Body':'x'},{'MessageId':'m2',"
                               "'Body':'y'} , {'MessageId':'m3','Body':'z'}]}\n{'eventName':'R'}";
    static const char *const ids[] = {"m2", "m3"};
    char path[320];
    const char *paths[] = {path};
    struct a2a_input_config cfg = {
        .paths = paths, .npaths = 1, .max_record = MIB, .shapes = 1, .resume_offset = 42};
    struct a2a_resume_place place;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_input *in = NULL;
    struct a2a_item item;
    size_t n = 0;
    int r;

    snprintf(path, sizeof(path), "%s/resume-messages.json", fs->dir);
    write_file(path, tmpl, strlen(tmpl));
    assert_int_equal(a2a_input_check_resume(&cfg, &place, &err), 0);
    assert_int_equal(place.in, A2A_RESUME_IN_MESSAGES);
    cfg.resume_in = place.in;
    assert_int_equal(a2a_input_open(&in, &cfg, &err), 0);
    while ((r = a2a_input_next_item(in, &item, &err)) == 1 && n < 2) {
        assert_int_equal(item.msg.via, A2A_VIA_SQS_RECEIVE);
        assert_true(item.msg.has_message_id);
        assert_memory_equal(item.msg.message_id.ptr, ids[n], 2);
        /* the first has none read since reading began: the run knows that one (42) */
        assert_int_equal(item.msg.has_place_before, n);
        assert_int_equal(item.msg.place_before, n == 0 ? 0 : 72);
        n++;
    }
    /* then the record after the document, as from the start */
    assert_int_equal(r, 1);
    assert_int_equal(item.kind, A2A_ITEM_RECORD);
    assert_int_equal(item.msg.via, A2A_VIA_NONE);
    assert_int_equal(a2a_input_next_item(in, &item, &err), 0);
    assert_int_equal(err.code, A2A_OK);
    a2a_input_free(&in);
    unlink(path);
}

/*
 * A file large enough to be scanned ahead by the helper thread: the answers are the same,
 * deep into the file, at record ends and at the nested brace inside a record; a raised
 * cancel flag stops the check.
 */
static void test_check_resume_scanned_ahead(void **state)
{
    struct files *fs = *state;
    enum { NRECS = 60000 };
    uint64_t *ends = calloc(NRECS, sizeof(*ends));
    struct a2a_buf text = {NULL, 0, 0};
    char path[320];

    assert_non_null(ends);
    snprintf(path, sizeof(path), "%s/resume-big.json", fs->dir);
    for (uint64_t i = 0; i < NRECS; i++) {
        char rec[128];
        int n = snprintf(rec, sizeof(rec), "{'eventName':'INSERT','i':%llu,'d':{'k':{}}}\n",
                         (unsigned long long)i);
        assert_int_equal(a2a_buf_append(&text, rec, (size_t)n), 0);
        ends[i] = text.len - 1;
    }
    assert_true(text.len > 2 * (A2A_AHEAD_OWN + A2A_AHEAD_PART));
    write_file(path, text.data, text.len);
    for (uint64_t i = 0; i < NRECS; i += 997) {
        struct a2a_resume_place place;
        struct a2a_error err = {A2A_OK, ""};
        char want[128];

        for (int ahead = 0; ahead < 2; ahead++) {
            if (check_resume_at(path, ends[i], ahead, MIB, &place, &err) != 0) {
                row_fail("record %llu, ahead %d: %s", (unsigned long long)i + 1, ahead, err.msg);
            }
            snprintf(want, sizeof(want), "inside the record at bytes %llu to",
                     (unsigned long long)(i == 0 ? 0 : ends[i - 1] + 1));
            if (check_resume_at(path, ends[i] - 2, ahead, MIB, &place, &err) != 1 ||
                strstr(err.msg, want) == NULL) {
                row_fail("record %llu, ahead %d, inner brace: %s", (unsigned long long)i + 1, ahead,
                         err.msg);
            }
        }
    }
    {
        static volatile sig_atomic_t raised = 1;
        struct a2a_input_config cfg = {.paths = (const char *[]){path},
                                       .npaths = 1,
                                       .max_record = MIB,
                                       .shapes = 1,
                                       .cancel = &raised,
                                       .resume_offset = ends[NRECS - 1]};
        struct a2a_resume_place place;
        struct a2a_error err = {A2A_OK, ""};

        assert_int_equal(a2a_input_check_resume(&cfg, &place, &err), -1);
        assert_int_equal(err.code, A2A_E_INTERRUPTED);
    }
    unlink(path);
    a2a_buf_free(&text);
    free(ends);
    rows_done();
}

int main(void)
{
    const struct CMUnitTest memory[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_non_ascii_per_record),
        cmocka_unit_test(test_nesting),
        cmocka_unit_test(test_max_record),
        cmocka_unit_test(test_prefix_limit),
        cmocka_unit_test(test_prefix_limit_after_record_keys),
        cmocka_unit_test(test_single_record_limit),
        cmocka_unit_test(test_volume),
    };
    const struct CMUnitTest files[] = {
        cmocka_unit_test(test_files_multiple),
        cmocka_unit_test(test_files_errors),
        cmocka_unit_test(test_current_position),
        cmocka_unit_test(test_check_resume_every_offset),
        cmocka_unit_test(test_read_on_holds_the_array),
        cmocka_unit_test(test_check_resume_reasons),
        cmocka_unit_test(test_read_on_in_messages),
        cmocka_unit_test(test_check_resume_scanned_ahead),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("memory", memory, NULL, NULL);
    failed += cmocka_run_group_tests_name("files", files, files_setup, files_teardown);
    return failed;
}
