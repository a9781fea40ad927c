/*
 * scanner.h fed through source.h: the same records whatever the read size (a memory source
 * read one byte at a time against one read for everything), and a caller's own source with
 * several inputs, short reads and failures, the way a stream page source will feed it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

#include "scanner.h"
#include "source.h"

#define MAX_RECS 16

struct rec_copy {
    char bytes[256];
    size_t len;
    char file[64];
    uint64_t offset;
    uint64_t position;
};

struct scan {
    struct rec_copy recs[MAX_RECS];
    size_t n;
    int rc;
    struct a2a_error err;
    enum a2a_limit limit;
};

static uint64_t resume_offset; /* scan_all() resumes at this offset when nonzero */

/* Drains a scanner over src; after -1 the scanner must keep failing. */
static void scan_all(const struct a2a_source *src, size_t chunk, size_t max_record, struct scan *s)
{
    struct a2a_scanner_config cfg = {
        .read_chunk = chunk, .max_record = max_record, .resume_offset = resume_offset};
    struct a2a_scanner *sc = NULL;
    struct a2a_raw_record raw;

    memset(s, 0, sizeof(*s));
    assert_int_equal(a2a_scanner_open(&sc, src, &cfg, &s->err), 0);
    for (;;) {
        int r = a2a_scanner_next(sc, &raw, &s->err);
        if (r <= 0) {
            s->rc = r;
            break;
        }
        assert_true(s->n < MAX_RECS);
        assert_true(raw.len < sizeof(s->recs[0].bytes));
        memcpy(s->recs[s->n].bytes, raw.bytes, raw.len);
        s->recs[s->n].len = raw.len;
        snprintf(s->recs[s->n].file, sizeof(s->recs[0].file), "%s", raw.file);
        s->recs[s->n].offset = raw.offset;
        s->recs[s->n].position = raw.position;
        s->n++;
    }
    s->limit = a2a_scanner_limit(sc);
    if (s->rc < 0) {
        struct a2a_error again = {A2A_OK, ""};
        assert_int_equal(a2a_scanner_next(sc, &raw, &again), -1);
    } else {
        assert_int_equal(a2a_scanner_next(sc, &raw, &s->err), 0); /* the end stays the end */
    }
    a2a_scanner_free(&sc);
    assert_null(sc);
    a2a_scanner_free(&sc); /* NULL-safe */
}

/*
 * Same records, end and error code. Error texts are left to the rows: where a record
 * outgrows the limit is found at a refill, so that byte depends on the read size.
 */
static int same_scan(const struct scan *a, const struct scan *b)
{
    if (a->n != b->n || a->rc != b->rc || a->err.code != b->err.code || a->limit != b->limit) {
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->recs[i].len != b->recs[i].len ||
            memcmp(a->recs[i].bytes, b->recs[i].bytes, a->recs[i].len) != 0 ||
            a->recs[i].offset != b->recs[i].offset || a->recs[i].position != b->recs[i].position ||
            strcmp(a->recs[i].file, b->recs[i].file) != 0) {
            return 0;
        }
    }
    return 1;
}

/* ---- a memory source, one byte per read ------------------------------------------------- */

static void test_memory_one_byte_reads(void **state)
{
    static const struct {
        const char *doc; /* ' stands for " */
        size_t nrecs;
        int rc;
        const char *first; /* the first record, or the error's tail */
    } rows[] = {
        {"{'Records':[{'eventName':'INSERT'},{'eventName':'REMOVE'}]}", 2, 0,
         "{'eventName':'INSERT'}"},
        {"{'Records':[ {'eventName':'A'} ],'NextShardIterator':'it'}\n[{'dynamodb':{}}]", 2, 0,
         "{'eventName':'A'}"},
        {"{'eventName':'INSERT','dynamodb':{'k':'\\u00e9\\n'}}", 1, 0,
         "{'eventName':'INSERT','dynamodb':{'k':'\\u00e9\\n'}}"},
        {"{'NextShardIterator':'x','Records':[]}", 0, 0, NULL},
        {"{'Records':[{'eventName':'INSERT'}", 1, -1,
         "byte 34: invalid JSON: input ends where ',' or ']' was expected (truncated?)"},
        {"{'Records':[{'pad':'0123456789012345678901234567890123456789012345678901234567'}]}", 0,
         -1, "(record 1): record at byte 12 is larger than the 64-byte limit"},
        {"", 0, -1, "byte 0: no JSON document in this input (empty file?)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t len = strlen(rows[i].doc);
        char *doc = q(rows[i].doc, len);
        struct a2a_memory m = {.bytes = doc, .len = len, .name = "mem.json"};
        struct a2a_source src;
        struct scan whole;
        struct scan bytewise;
        enum a2a_limit want_limit;

        a2a_memory_source(&src, &m);
        scan_all(&src, 0, 64, &whole);
        a2a_memory_source(&src, &m); /* rewinds */
        scan_all(&src, 1, 64, &bytewise);
        if (!same_scan(&whole, &bytewise)) {
            row_fail("row %zu: one-byte reads differ: %zu records rc %d \"%s\" against %zu "
                     "records rc %d \"%s\"",
                     i, bytewise.n, bytewise.rc, bytewise.err.msg, whole.n, whole.rc,
                     whole.err.msg);
        }
        if (bytewise.n != rows[i].nrecs || bytewise.rc != rows[i].rc) {
            row_fail("row %zu: %zu records, rc %d (\"%s\"); want %zu, rc %d", i, bytewise.n,
                     bytewise.rc, bytewise.err.msg, rows[i].nrecs, rows[i].rc);
        } else if (rows[i].rc == 0 && rows[i].first != NULL) {
            size_t wlen = strlen(rows[i].first);
            char *want = q(rows[i].first, wlen);
            if (bytewise.recs[0].len != wlen || memcmp(bytewise.recs[0].bytes, want, wlen) != 0 ||
                strcmp(bytewise.recs[0].file, "mem.json") != 0) {
                row_fail("row %zu: first record %.*s in %s", i, (int)bytewise.recs[0].len,
                         bytewise.recs[0].bytes, bytewise.recs[0].file);
            }
            free(want);
        } else if (rows[i].rc != 0 && (bytewise.err.code != A2A_E_INPUT ||
                                       strncmp(bytewise.err.msg, "mem.json: ", 10) != 0 ||
                                       strstr(bytewise.err.msg, rows[i].first) == NULL)) {
            row_fail("row %zu: error %d \"%s\", want \"mem.json: ...%s\"", i, bytewise.err.code,
                     bytewise.err.msg, rows[i].first);
        }
        /* Which limit was reached is a value beside the text; the text names no option. */
        want_limit = rows[i].first != NULL && strstr(rows[i].first, "-byte limit") != NULL
                         ? A2A_LIMIT_MAX_RECORD
                         : A2A_LIMIT_NONE;
        if (bytewise.limit != want_limit || strstr(bytewise.err.msg, "--") != NULL) {
            row_fail("row %zu: limit %d, want %d (\"%s\")", i, (int)bytewise.limit, (int)want_limit,
                     bytewise.err.msg);
        }
        free(doc);
    }
    rows_done();
}

/* ---- a caller's own source -------------------------------------------------------------- */

/* Pages in memory, each an input of its own, handed out at most `step` bytes per read. */
struct pages {
    const char *const *text;
    const char *const *names;
    size_t count;
    size_t step;       /* 0: as much as the scanner asks for */
    size_t fail_after; /* read() fails once this many bytes of the last page were given */
    size_t fail_next;  /* next() fails instead of opening this page (1-based); 0 never */
    size_t page;       /* pages opened so far */
    size_t pos;
    int reads;
    int closes;
};

static int pages_next(void *ctx, const char **name, struct a2a_error *err)
{
    struct pages *p = ctx;

    if (p->page == p->count) {
        return 0;
    }
    p->page++;
    p->pos = 0;
    *name = p->names[p->page - 1];
    if (p->page == p->fail_next) {
        a2a_error_set(err, A2A_E_INPUT, "%s: page expired", *name);
        return -1;
    }
    return 1;
}

static ssize_t pages_read(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err)
{
    struct pages *p = ctx;
    const char *t = p->text[p->page - 1];
    size_t n = strlen(t) - p->pos;

    p->reads++;
    if (p->fail_after != 0 && p->page == p->count && p->pos >= p->fail_after) {
        a2a_error_set(err, A2A_E_INTERRUPTED, "%s: stopped at byte %zu", p->names[p->page - 1],
                      p->pos);
        return -1;
    }
    if (n > cap) {
        n = cap;
    }
    if (p->step != 0 && n > p->step) {
        n = p->step;
    }
    memcpy(buf, t + p->pos, n);
    p->pos += n;
    return (ssize_t)n;
}

static void pages_close(void *ctx)
{
    struct pages *p = ctx;

    p->closes++;
}

static void pages_source(struct a2a_source *src, struct pages *p)
{
    *src =
        (struct a2a_source){.next = pages_next, .read = pages_read, .close = pages_close, .ctx = p};
}

static const char *const page_text[] = {
    "{\"Records\":[{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"100\"}}],"
    "\"NextShardIterator\":\"it-2\"}",
    "{\"Records\":[],\"NextShardIterator\":\"it-3\"}",
    "{\"Records\":[{\"eventName\":\"MODIFY\"},{\"eventName\":\"REMOVE\"}]}",
};
static const char *const page_names[] = {"shard-1 page 1", "shard-1 page 2", "shard-1 page 3"};

static void test_custom_source(void **state)
{
    static const size_t steps[] = {0, 1, 3, 1000};

    (void)state;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct pages p = {.text = page_text, .names = page_names, .count = 3, .step = steps[i]};
        struct a2a_source src;
        struct scan s;

        pages_source(&src, &p);
        scan_all(&src, 0, 1024, &s);
        assert_int_equal(s.rc, 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(p.closes, 1); /* closed by a2a_scanner_free(), once */
        assert_string_equal(s.recs[0].file, "shard-1 page 1");
        assert_int_equal(s.recs[0].offset, 12); /* offsets count within each input */
        assert_int_equal(s.recs[0].position, 1);
        assert_string_equal(s.recs[1].file, "shard-1 page 3");
        assert_int_equal(s.recs[1].offset, 12);
        assert_int_equal(s.recs[1].position, 2); /* positions run on across inputs */
        assert_int_equal(s.recs[2].len, strlen("{\"eventName\":\"REMOVE\"}"));
        assert_memory_equal(s.recs[2].bytes, "{\"eventName\":\"REMOVE\"}", s.recs[2].len);
        assert_int_equal(s.recs[2].offset, 35);
        if (steps[i] == 0 || steps[i] == 1000) {
            /* One call per chunk, not per byte: a read with data and one at the end. */
            assert_int_equal(p.reads, 6);
        }
    }
}

static void test_custom_source_failures(void **state)
{
    struct scan s;
    struct a2a_source src;

    (void)state;
    /* read() fails: its error comes through as it is, and the source is still closed. */
    {
        struct pages p = {
            .text = page_text, .names = page_names, .count = 3, .step = 4, .fail_after = 20};
        pages_source(&src, &p);
        scan_all(&src, 0, 1024, &s);
        assert_int_equal(s.rc, -1);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.err.code, A2A_E_INTERRUPTED);
        assert_string_equal(s.err.msg, "shard-1 page 3: stopped at byte 20");
        assert_int_equal(p.closes, 1);
    }
    /* next() fails on the second page. */
    {
        struct pages p = {.text = page_text, .names = page_names, .count = 3, .fail_next = 2};
        pages_source(&src, &p);
        scan_all(&src, 7, 1024, &s);
        assert_int_equal(s.rc, -1);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.err.code, A2A_E_INPUT);
        assert_string_equal(s.err.msg, "shard-1 page 2: page expired");
        assert_int_equal(p.closes, 1);
    }
    /* A source with no input at all is simply at its end. */
    {
        struct pages p = {.text = page_text, .names = page_names, .count = 0};
        pages_source(&src, &p);
        scan_all(&src, 0, 1024, &s);
        assert_int_equal(s.rc, 0);
        assert_int_equal(s.n, 0);
        assert_int_equal(p.reads, 0);
    }
    /* An empty page is an input without a document, named in the message. */
    {
        static const char *const empty[] = {"{\"Records\":[]}", ""};
        struct pages p = {.text = empty, .names = page_names, .count = 2};
        pages_source(&src, &p);
        scan_all(&src, 0, 1024, &s);
        assert_int_equal(s.rc, -1);
        assert_int_equal(s.err.code, A2A_E_INPUT);
        assert_string_equal(s.err.msg,
                            "shard-1 page 2: byte 0: no JSON document in this input (empty "
                            "file?)");
    }
    /* A document does not run on into the next input. */
    {
        static const char *const split[] = {"{\"Records\":[{\"eventName\":\"INSERT\"}", "]}"};
        struct pages p = {.text = split, .names = page_names, .count = 2};
        pages_source(&src, &p);
        scan_all(&src, 0, 1024, &s);
        assert_int_equal(s.rc, -1);
        assert_int_equal(s.n, 1);
        assert_non_null(strstr(s.err.msg, "shard-1 page 1: byte 34: invalid JSON: input ends"));
    }
}

static void test_name_and_offset(void **state)
{
    static const char doc[] = "[{\"eventName\":\"A\"}, {\"eventName\":\"B\"}]";
    struct a2a_memory m = {.bytes = doc, .len = sizeof(doc) - 1, .name = "in.json"};
    struct a2a_scanner_config cfg = {.read_chunk = 1, .max_record = 1024};
    struct a2a_scanner *sc = NULL;
    struct a2a_source src;
    struct a2a_raw_record raw;
    struct a2a_error err = {A2A_OK, ""};

    (void)state;
    a2a_memory_source(&src, &m);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    assert_string_equal(a2a_scanner_name(sc), "");
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_string_equal(a2a_scanner_name(sc), "in.json");
    assert_int_equal(a2a_scanner_offset(sc), raw.offset + raw.len);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_int_equal(raw.offset, 20);
    assert_int_equal(a2a_scanner_offset(sc), 37);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 0);
    a2a_scanner_free(&sc);
}

/*
 * Resuming at the end of every record of every shape yields exactly the records after it,
 * at the same offsets; an offset that is not a record's end is refused.
 */
static const char *const resume_inputs[] = {
    "{'Records':[{'eventName':'A'}, {'eventName':'B'} ,\n{'eventName':'C'}],'x':1}"
    " [{'eventName':'D'},{'eventName':'E'}]\n{'eventName':'F'}\n{'Records':[{'eventName':'G'}]}",
    "{'eventName':'A','dynamodb':{'k':{}}}\n{'eventName':'B'}\n",
    "[{'eventName':'A'},{'eventName':'B'}]",
};

static void test_resume_at_every_record(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(resume_inputs) / sizeof(resume_inputs[0]); k++) {
        size_t len = strlen(resume_inputs[k]);
        char *input = q(resume_inputs[k], len);
        struct a2a_memory m = {.bytes = input, .len = len, .name = "in.json"};
        struct a2a_source src;
        struct scan *full = calloc(1, sizeof(*full));
        struct scan *part = calloc(1, sizeof(*part));

        assert_non_null(full);
        assert_non_null(part);
        resume_offset = 0;
        a2a_memory_source(&src, &m);
        scan_all(&src, 0, 1 << 20, full);
        assert_int_equal(full->rc, 0);
        for (size_t i = 0; i < full->n; i++) {
            uint64_t end = full->recs[i].offset + full->recs[i].len;
            for (size_t chunk = 0; chunk < 2; chunk++) {
                /* The source starts on the record's closing brace, as the files source does. */
                struct a2a_memory tail = {
                    .bytes = input + end - 1, .len = len - end + 1, .name = "in.json"};
                resume_offset = end;
                a2a_memory_source(&src, &tail);
                scan_all(&src, chunk, 1 << 20, part);
                if (part->rc != 0 || part->n != full->n - i - 1) {
                    row_fail("input %zu, after record %zu: rc %d, %zu records (%s)", k, i + 1,
                             part->rc, part->n, part->err.msg);
                    continue;
                }
                for (size_t j = 0; j < part->n; j++) {
                    const struct rec_copy *a = &part->recs[j], *b = &full->recs[i + 1 + j];
                    if (a->offset != b->offset || a->len != b->len ||
                        memcmp(a->bytes, b->bytes, a->len) != 0 || a->position != j + 1) {
                        row_fail("input %zu, after record %zu: record %zu differs", k, i + 1,
                                 j + 1);
                    }
                }
            }
        }
        /* Not the end of a record: the byte before it is no closing brace. */
        {
            struct a2a_memory bad = {.bytes = input + 1, .len = len - 1, .name = "in.json"};
            resume_offset = 2;
            a2a_memory_source(&src, &bad);
            scan_all(&src, 0, 1 << 20, part);
            assert_int_equal(part->rc, -1);
            assert_int_equal(part->err.code, A2A_E_INPUT);
            assert_non_null(strstr(part->err.msg, "in.json: byte 1: not a resume point"));
        }
        resume_offset = 0;
        free(full);
        free(part);
        free(input);
    }
    rows_done();
}

static int at_is(const struct a2a_raw_record *raw, size_t at, const char *want)
{
    return at + strlen(want) <= raw->len && memcmp(raw->bytes + at, want, strlen(want)) == 0;
}

/*
 * A record held whole in the buffer is validated in one pass that also notes where its
 * envelope fields stand; one that spans two reads is scanned carefully, without an envelope
 * (the parser then walks it itself).
 */
static void test_envelope(void **state)
{
    static const char doc[] =
        "{\"Records\":[ {\"eventID\":\"x\",\"eventName\":\"INSERT\",\"dynamodb\":"
        "{\"Keys\":{\"owner\":{\"S\":\"k\"}},\"SequenceNumber\":\"12\",\"NewImage\":"
        "{\"tenant\":{\"S\":\"a\"},\"owner\":1,\"owner\":2}}} ,"
        "{\"event\\u004eame\":\"X\",\"dynamodb\":{\"SequenceNumber\":null}},"
        "{\"dynamodb\":{\"SequenceNumber\":\"7\"},\"dynamodb\":{\"SequenceNumber\":\"8\"}}]}";
    struct a2a_memory m = {.bytes = doc, .len = sizeof(doc) - 1, .name = "in.json"};
    struct a2a_scanner_config cfg = {.read_chunk = 0, .max_record = 1024};
    struct a2a_scanner *sc = NULL;
    struct a2a_source src;
    struct a2a_raw_record raw;
    struct a2a_error err = {A2A_OK, ""};
    const struct a2a_envelope *env;

    (void)state;
    a2a_memory_source(&src, &m);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    env = raw.envelope;
    assert_non_null(env);
    assert_true(env->complete);
    assert_int_equal(env->problem, A2A_ENV_OK);
    assert_true(env->has_event_name && env->name_len == 6 && at_is(&raw, env->name_at, "INSERT\""));
    assert_true(env->has_seq && env->seq_len == 2 && at_is(&raw, env->seq_at, "12\""));
    assert_int_equal(env->attr_count[0], 1);
    assert_true(at_is(&raw, env->attr_at[0], "{\"S\":\"a\"}"));
    assert_int_equal(env->attr_count[1], 0);
    assert_int_equal(env->attr_count[2], 2); /* not the one in Keys */
    assert_true(at_is(&raw, env->attr_at[2], "1,"));

    /* A name that matters is escaped: the parser decodes it and walks the record itself. */
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_non_null(raw.envelope);
    assert_false(raw.envelope->complete);

    /* A second dynamodb with another SequenceNumber: the record keeps none. */
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    env = raw.envelope;
    assert_true(env->complete);
    assert_int_equal(env->problem, A2A_ENV_DDB_TWICE);
    assert_false(env->has_seq);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 0);
    a2a_scanner_free(&sc);

    /* Read a byte at a time, every record spans reads. */
    cfg.read_chunk = 1;
    a2a_memory_source(&src, &m);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
        assert_null(raw.envelope);
    }
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 0);
    a2a_scanner_free(&sc);
}

/*
 * Newline-delimited records: a document that is a record is validated in one pass too. One
 * with "Records" is an event, one with neither "eventName" nor "dynamodb" is refused, and
 * one with an escaped name that matters is read carefully: exactly as before.
 */
static void test_envelope_documents(void **state)
{
    static const char doc[] = "{\"eventName\":\"INSERT\",\"dynamodb\":{\"SequenceNumber\":\"1\"}}\n"
                              "{\"eventID\":\"e\",\"Records\":[{\"eventName\":\"REMOVE\"}]}\n"
                              "{\"dynamo\\u0064b\":{\"SequenceNumber\":\"2\"}}\n"
                              "{\"eventName\":\"MODIFY\",\"Records\":7}\n";
    static const char neither[] = "{\"eventName\":\"X\"}\n{\"eventID\":\"e\"}\n";
    struct a2a_memory m = {.bytes = doc, .len = sizeof(doc) - 1, .name = "in.json"};
    struct a2a_scanner_config cfg = {.read_chunk = 0, .max_record = 1024};
    struct a2a_scanner *sc = NULL;
    struct a2a_source src;
    struct a2a_raw_record raw;
    struct a2a_error err = {A2A_OK, ""};

    (void)state;
    a2a_memory_source(&src, &m);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_int_equal(raw.offset, 0);
    assert_non_null(raw.envelope);
    assert_true(raw.envelope->complete && raw.envelope->has_seq);
    assert_true(at_is(&raw, raw.envelope->seq_at, "1\""));
    /* An event document: its record is cut out of Records, as ever. */
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_true(raw.len == 22 && at_is(&raw, 0, "{\"eventName\":\"REMOVE\"}"));
    /* "dynamo\u0064b" is "dynamodb": the careful scanner takes the record, without envelope. */
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_true(at_is(&raw, 0, "{\"dynamo\\u0064b\""));
    assert_null(raw.envelope);
    /* "Records" that is not an array: not a record, an error, worded as before. */
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), -1);
    assert_non_null(strstr(err.msg, "\"Records\" is not an array"));
    a2a_scanner_free(&sc);

    m = (struct a2a_memory){.bytes = neither, .len = sizeof(neither) - 1, .name = "in.json"};
    err = (struct a2a_error){A2A_OK, ""}; /* the first error set stays: start afresh */
    a2a_memory_source(&src, &m);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), 1);
    assert_non_null(raw.envelope);
    assert_int_equal(a2a_scanner_next(sc, &raw, &err), -1);
    assert_non_null(strstr(err.msg, "byte 18: not a stream event"));
    a2a_scanner_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_one_byte_reads),  cmocka_unit_test(test_custom_source),
        cmocka_unit_test(test_custom_source_failures), cmocka_unit_test(test_name_and_offset),
        cmocka_unit_test(test_resume_at_every_record), cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_envelope_documents),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
