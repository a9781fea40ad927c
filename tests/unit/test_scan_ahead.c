/*
 * Scanning ahead (scanner.h: a helper thread cuts the records of later parts of a large
 * regular file while the caller's thread scans the earlier ones) changes nothing a caller
 * sees. Every input, valid or not, read through the files source once with no_ahead set and
 * then with scan ahead at part sizes from 1 byte to 5000, must give the same records (bytes,
 * file, offset, position, input, flags, origin, and what the record parser makes of the
 * record with the envelope it came with), the same name, offset and input index after each,
 * and the same end: return code, error code and text, offset and limit, and the call after
 * the end (a value over max_record is seen at a refill: see run_difference() for that end).
 *
 * The inputs: every JSON file under testdata/; DynamoDB stream batches made here in each
 * shape the scanner reads (one event, newline-delimited records, pages, arrays, documents of
 * all kinds mixed), with false record boundaries inside records and strings; redrive input
 * (SQS, SNS and invocation records, `aws sqs receive-message` output) in SHAPES mode; and
 * damaged copies of them from a fixed-seed generator (cut short, a byte replaced, flipped,
 * dropped or inserted, an oversized or too deeply nested record, invalid UTF-8). Mostly in
 * EVENTS mode, SHAPES mode too, WHOLE mode and memory sources (never scanned ahead) for the
 * files of testdata/. A run that differs is shown from where it parts from the run without
 * scan ahead, and its input is kept in $TMPDIR for a rerun.
 */
#include <dirent.h>
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
#include "jsonstr.h"
#include "record.h"
#include "scanner.h"
#include "source.h"

#define BIG_LIMIT   ((size_t)1 << 20) /* max_record that every valid record here fits */
#define SHOWN_JOBS  20                /* differing jobs shown in full; the rest are counted */
#define KEPT_INPUTS 5                 /* inputs of the first differing jobs kept for a rerun */

static char dir[256];     /* owned by setup(): the temporary directory the inputs are written to */
static int differing;     /* jobs whose runs with scan ahead differed from the one without */
static size_t inputs_run; /* inputs checked by the current test, for its summary line */
static size_t scans_run;  /* scans made by the current test */
/* What scanning ahead did in the current test: a test that never took a part checks nothing. */
static struct a2a_ahead_stats ahead_seen;
/*
 * From A2A_SCAN_AHEAD_EVERY: of the jobs of each test, the first and one in this many after it
 * are checked. 1 (all) unless set: the TSan run, ~25 times slower, sets it.
 */
static size_t every = 1;
static size_t jobs_seen; /* by the current test */

/* ---- small helpers ---------------------------------------------------------------------- */

static void put(struct a2a_buf *b, const void *p, size_t n)
{
    assert_int_equal(a2a_buf_append(b, p, n), 0);
}

static void put_text(struct a2a_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(struct a2a_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct a2a_buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(line));
    put(b, line, (size_t)n);
}

/* A byte string with its length, so that two texts holding it differ wherever it does. */
static void put_str(struct a2a_buf *b, const char *label, const char *p, size_t n)
{
    put(b, " ", 1);
    put_text(b, label);
    put(b, "=", 1);
    assert_int_equal(a2a_buf_put_u64(b, n), 0);
    put(b, "'", 1);
    put(b, p, n);
    put(b, "'", 1);
}

/* A fixed-seed generator (splitmix64): the same inputs on every run and machine. */
struct prng {
    uint64_t state;
};

static uint64_t prng_next(struct prng *r)
{
    uint64_t z;

    r->state += UINT64_C(0x9e3779b97f4a7c15);
    z = r->state;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static size_t below(struct prng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(prng_next(r) % n);
}

static int chance(struct prng *r, unsigned percent)
{
    return below(r, 100) < percent;
}

static const char *input_path(int slot)
{
    static char paths[4][320];

    snprintf(paths[slot], sizeof(paths[slot]), "%s/input-%d.json", dir, slot);
    return paths[slot];
}

static void write_file(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    if (len > 0) {
        assert_int_equal(fwrite(bytes, 1, len, f), len);
    }
    assert_int_equal(fclose(f), 0);
}

/* The whole of a file, in an owned buffer (one byte more, so an empty file is no NULL). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct a2a_buf b = {NULL, 0, 0};
    char chunk[4096];
    size_t n;

    assert_non_null(f);
    do {
        n = fread(chunk, 1, sizeof(chunk), f);
        put(&b, chunk, n);
    } while (n == sizeof(chunk));
    assert_int_equal(ferror(f), 0);
    fclose(f);
    put(&b, "", 1);
    *len = b.len - 1;
    return b.data;
}

/* ---- one scan, as text -------------------------------------------------------------- */

/* How a scan reads: the inputs, the scanner's settings, and where the caller stops. */
struct scan_job {
    const char *const *paths; /* borrowed */
    size_t npaths;
    size_t chunk;
    size_t max_record;
    uint64_t resume; /* resume_offset, given to the files source and the scanner alike */
    enum a2a_scan_mode mode;
    size_t stop_after;  /* records taken before the scanner is freed; SIZE_MAX: all */
    const char *memory; /* borrowed; non-NULL: these bytes, from memory, instead of the files */
    size_t memory_len;
};

/* Scan ahead's two sizes; a scan without it has none. */
struct ahead {
    size_t own;
    size_t part;
};

static const struct ahead aheads[] = {
    {1, 1}, {1, 7}, {7, 1}, {64, 64}, {100, 3000}, {3000, 100}, {1000, 5000},
};
#define NAHEADS (sizeof(aheads) / sizeof(aheads[0]))

/* What a caller saw, as text: each record and where the scanner stood after it, then the end. */
struct run {
    struct a2a_buf *recs; /* owned array of owned texts */
    size_t n;
    size_t cap;
    struct a2a_buf end;
    int past_limit; /* the scan ended on a value larger than max_record */
    int rc;
    enum a2a_errcode code;
};

static void run_free(struct run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        a2a_buf_free(&run->recs[i]);
    }
    free(run->recs);
    a2a_buf_free(&run->end);
    memset(run, 0, sizeof(*run));
}

static struct a2a_buf *run_add(struct run *run)
{
    if (run->n == run->cap) {
        size_t cap = run->cap == 0 ? 64 : run->cap * 2;
        struct a2a_buf *p = realloc(run->recs, cap * sizeof(*p));
        assert_non_null(p);
        run->recs = p;
        run->cap = cap;
    }
    memset(&run->recs[run->n], 0, sizeof(run->recs[0]));
    return &run->recs[run->n++];
}

/* " label value", without printf: a run notes each of thousands of records. */
static void num(struct a2a_buf *t, const char *label, uint64_t v)
{
    put_text(t, label);
    assert_int_equal(a2a_buf_put_u64(t, v), 0);
}

static void inum(struct a2a_buf *t, const char *label, int64_t v)
{
    put_text(t, label);
    assert_int_equal(a2a_buf_put_i64(t, v), 0);
}

/* What the record parser makes of the record with the envelope the scanner gave. */
static void note_parse(struct a2a_buf *t, const struct a2a_raw_record *raw,
                       struct a2a_record_parser *parser)
{
    struct a2a_record out;
    int r;

    memset(&out, 0, sizeof(out));
    r = a2a_record_parse_with(parser, raw->bytes, raw->len, raw->non_ascii, raw->envelope, &out);
    inum(t, "\nparse ", r);
    inum(t, " class ", (int)out.cls);
    if (r != 0) {
        return;
    }
    if (out.has_seq) {
        put_str(t, "seq", out.seq.ptr, out.seq.len);
    }
    if (out.has_event_name) {
        put_str(t, "eventName", out.event_name.ptr, out.event_name.len);
    }
    if (out.cls == A2A_RECORD_DISPATCH) {
        put_str(t, "tenant", out.pending.tenant.ptr, out.pending.tenant.len);
        put_str(t, "taskId", out.pending.task_id.ptr, out.pending.task_id.len);
        put_str(t, "owner", out.pending.owner.ptr, out.pending.owner.len);
        num(t, " eventSequence ", out.pending.event_sequence);
        inum(t, " recordedAtMicros ", out.pending.recorded_at_micros);
    }
    if (out.cls == A2A_RECORD_INVALID) {
        put_str(t, "reason", out.reason, strlen(out.reason));
    }
}

static void note_record(struct a2a_buf *t, const struct a2a_raw_record *raw,
                        struct a2a_record_parser *parser, const struct a2a_scanner *sc)
{
    put_str(t, "bytes", raw->bytes, raw->len);
    put_text(t, "\nfile ");
    put_text(t, raw->file);
    num(t, " offset ", raw->offset);
    num(t, " position ", raw->position);
    num(t, " input ", raw->input);
    inum(t, " non_ascii ", raw->non_ascii);
    inum(t, " origin ", (int)raw->origin);
    inum(t, " hints ", raw->batch_info);
    num(t, " ", raw->event_source_count);
    num(t, " ", raw->upper_source_count);
    inum(t, " ", raw->has_event_source);
    inum(t, " ", raw->has_upper_source);
    num(t, " ", raw->event_source.off);
    num(t, "+", raw->event_source.len);
    num(t, " ", raw->upper_source.off);
    num(t, "+", raw->upper_source.len);
    /*
     * Not the envelope itself: whether a record comes with one depends on how the bytes were
     * read (a record split across two reads comes without), with or without scan ahead; the
     * parser must make the same of it either way, which note_parse() compares.
     */
    note_parse(t, raw, parser);
    put_text(t, "\nthen at ");
    put_text(t, a2a_scanner_name(sc));
    num(t, " byte ", a2a_scanner_offset(sc));
    num(t, " input ", a2a_scanner_input_index(sc));
}

/* How the scan ended (rc 2: the caller stopped it), and what the next call said. */
/*
 * A value that outgrows max_record is found at the first refill past the limit, so the byte
 * the scan stopped at depends on how the input was read (test_scanner.c says the same of read
 * sizes): it is left out, and the value's own start, which the message names, kept.
 */
static const char *limit_text(const char *msg, enum a2a_limit limit, char *out, size_t cap)
{
    const char *b = strstr(msg, ": byte ");
    size_t head;

    if (limit != A2A_LIMIT_MAX_RECORD || b == NULL) {
        return msg;
    }
    b += strlen(": byte ");
    head = (size_t)(b - msg);
    while (*b >= '0' && *b <= '9') {
        b++;
    }
    snprintf(out, cap, "%.*s<refill>%s", (int)head, msg, b);
    return out;
}

static void note_end(struct a2a_buf *t, struct a2a_scanner *sc, int rc, const struct a2a_error *err)
{
    struct a2a_raw_record raw;
    struct a2a_error again = {A2A_OK, ""};
    enum a2a_limit limit = a2a_scanner_limit(sc);
    char masked[sizeof(err->msg) + 16];
    const char *msg = limit_text(err->msg, limit, masked, sizeof(masked));
    int r;

    putf(t, "rc %d code %d", rc, (int)err->code);
    put_str(t, "message", msg, strlen(msg));
    put_text(t, "\nat ");
    put_text(t, a2a_scanner_name(sc));
    if (limit == A2A_LIMIT_MAX_RECORD) {
        putf(t, " byte <refill> input %zu limit %d", a2a_scanner_input_index(sc), (int)limit);
    } else {
        putf(t, " byte %llu input %zu limit %d", (unsigned long long)a2a_scanner_offset(sc),
             a2a_scanner_input_index(sc), (int)limit);
    }
    if (rc == 2) {
        return;
    }
    r = a2a_scanner_next(sc, &raw, &again);
    putf(t, "\nagain rc %d code %d", r, (int)again.code);
    put_str(t, "message", again.msg, strlen(again.msg));
    if (limit != A2A_LIMIT_MAX_RECORD) {
        putf(t, " byte %llu", (unsigned long long)a2a_scanner_offset(sc));
    }
    putf(t, " limit %d", (int)a2a_scanner_limit(sc));
}

/* Scans job's inputs, with scan ahead sized by how, or without it when how is NULL. */
static void scan(const struct scan_job *job, const struct ahead *how, struct run *out)
{
    struct a2a_files_config fcfg = {
        .paths = job->paths, .npaths = job->npaths, .resume_offset = job->resume};
    struct a2a_scanner_config cfg = {.read_chunk = job->chunk,
                                     .max_record = job->max_record,
                                     .resume_offset = job->resume,
                                     .mode = job->mode,
                                     .no_ahead = how == NULL,
                                     .ahead_own = how != NULL ? how->own : 0,
                                     .ahead_part = how != NULL ? how->part : 0};
    struct a2a_memory mem = {.bytes = job->memory, .len = job->memory_len, .name = "memory.json"};
    struct a2a_files *files = NULL;
    struct a2a_record_parser parser;
    struct a2a_scanner *sc = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_source src;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&parser, 0, sizeof(parser));
    if (job->memory != NULL) {
        a2a_memory_source(&src, &mem);
    } else {
        assert_int_equal(a2a_files_open(&files, &fcfg, &err), 0);
        a2a_files_source(&src, files);
    }
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    for (;;) {
        if (out->n == job->stop_after) {
            rc = 2;
            break;
        }
        rc = a2a_scanner_next(sc, &raw, &err);
        if (rc != 1) {
            break;
        }
        note_record(run_add(out), &raw, &parser, sc);
    }
    {
        struct a2a_ahead_stats st;

        a2a_scanner_ahead_stats(sc, &st);
        assert_true(how != NULL || (st.parts_taken == 0 && st.parts_dropped == 0));
        ahead_seen.parts_taken += st.parts_taken;
        ahead_seen.parts_dropped += st.parts_dropped;
        ahead_seen.records_taken += st.records_taken;
    }
    out->past_limit = a2a_scanner_limit(sc) == A2A_LIMIT_MAX_RECORD;
    out->rc = rc;
    out->code = err.code;
    note_end(&out->end, sc, rc, &err);
    a2a_scanner_free(&sc);
    a2a_files_free(&files);
    a2a_record_parser_free(&parser);
    scans_run++;
}

/* ---- comparing runs ------------------------------------------------------------------ */

/* Where two texts part, shown from a little before; NULL when they are the same. */
static const char *parting(const struct a2a_buf *a, const struct a2a_buf *b)
{
    static char why[1800];
    size_t n = a->len < b->len ? a->len : b->len;
    size_t i = 0;
    size_t from;

    if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0) {
        return NULL;
    }
    while (i < n && a->data[i] == b->data[i]) {
        i++;
    }
    if (i == n && a->len == b->len) {
        return NULL;
    }
    from = i > 60 ? i - 60 : 0;
    snprintf(why, sizeof(why),
             "from byte %zu of its text:\n  without scan ahead: ...%s\n  with scan ahead:    ...%s",
             i, show_bytes(a->data + from, a->len - from < 200 ? a->len - from : 200),
             show_bytes(b->data + from, b->len - from < 200 ? b->len - from : 200));
    return why;
}

/* What differs between a run without scan ahead (a) and one with it (b); NULL: nothing. */
static const char *run_difference(const struct run *a, const struct run *b)
{
    static char why[2400];
    const char *d;

    for (size_t i = 0; i < a->n && i < b->n; i++) {
        d = parting(&a->recs[i], &b->recs[i]);
        if (d != NULL) {
            snprintf(why, sizeof(why), "record %zu differs %s", i + 1, d);
            return why;
        }
    }
    if (a->n != b->n) {
        snprintf(why, sizeof(why),
                 "%zu records without scan ahead, %zu with it; the ends:\n  without scan ahead: "
                 "%s\n  with scan ahead:    %s",
                 a->n, b->n, show_bytes(a->end.data, a->end.len < 400 ? a->end.len : 400),
                 show_bytes(b->end.data, b->end.len < 400 ? b->end.len : 400));
        return why;
    }
    d = parting(&a->end, &b->end);
    if (d != NULL && (a->past_limit || b->past_limit) && a->rc == -1 && b->rc == -1 &&
        a->code == b->code) {
        /*
         * Where a value outgrows max_record is seen at a refill: which bytes past the limit
         * were looked at first, and so the message (bad bytes past the limit before the limit
         * itself, the byte named), depends on how the input was read, as it does between read
         * sizes without scan ahead. Both stop there.
         */
        d = NULL;
    }
    if (d != NULL) {
        snprintf(why, sizeof(why), "the ends differ %s", d);
        return why;
    }
    return NULL;
}

/* Copies the inputs of a differing job to $TMPDIR for a rerun; names says where. */
static void keep_inputs(const struct scan_job *job, char *names, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    size_t used = 0;

    snprintf(names, cap, "%s", differing > KEPT_INPUTS ? " not kept" : " kept as");
    used = strlen(names);
    for (size_t i = 0; i < job->npaths && differing <= KEPT_INPUTS && used < cap; i++) {
        char path[400];
        size_t len = 0;
        char *bytes = NULL;

        snprintf(path, sizeof(path), "%s/a2a-scan-ahead-failed-%d-%zu.json",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", differing, i);
        if (job->memory != NULL) {
            write_file(path, job->memory, job->memory_len);
        } else if (access(job->paths[i], R_OK) == 0) {
            bytes = read_file(job->paths[i], &len);
            write_file(path, bytes, len);
        } else {
            snprintf(path, sizeof(path), "(no file)");
        }
        free(bytes);
        used += (size_t)snprintf(names + used, cap - used, " %s", path);
    }
}

/* A job that differs with scan ahead: the first way it does in full, the others by their sizes. */
static void report(const struct scan_job *job, const char *what, const char *why, const char *ways)
{
    char kept[1000];
    char stop[40] = "all";

    differing++;
    if (differing > SHOWN_JOBS) {
        row_failures++; /* counted, not shown: the first ones say enough */
        return;
    }
    if (job->stop_after != SIZE_MAX) {
        snprintf(stop, sizeof(stop), "%zu", job->stop_after);
    }
    keep_inputs(job, kept, sizeof(kept));
    print_error("%s\n", why);
    row_fail("^ %s: differs with scan ahead at (ahead_own/ahead_part)%s; read_chunk %zu, "
             "max_record %zu, mode %d, resume at %llu, records taken: %s; input%s",
             what, ways, job->chunk, job->max_record, (int)job->mode,
             (unsigned long long)job->resume, stop, kept);
}

/* The job without scan ahead, then with each of ways[]: a row failure if any differs. */
static void check_job_ways(const struct scan_job *job, const char *what, const struct ahead *ways,
                           size_t nways)
{
    char why[2600] = "";
    char differ[400] = "";
    struct run ref;
    struct run got;

    if (jobs_seen++ % every != 0) {
        return;
    }
    scan(job, NULL, &ref);
    for (size_t i = 0; i < nways; i++) {
        const char *d;

        scan(job, &ways[i], &got);
        d = run_difference(&ref, &got);
        if (d != NULL) {
            size_t used = strlen(differ);
            snprintf(differ + used, sizeof(differ) - used, " %zu/%zu", ways[i].own, ways[i].part);
            if (why[0] == '\0') {
                snprintf(why, sizeof(why), "with scan ahead at %zu/%zu, %s", ways[i].own,
                         ways[i].part, d);
            }
        }
        run_free(&got);
    }
    run_free(&ref);
    if (why[0] != '\0') {
        report(job, what, why, differ);
    }
}

static void check_job(const struct scan_job *job, const char *what)
{
    check_job_ways(job, what, aheads, NAHEADS);
}

/* ---- one input, at every read size and limit ---------------------------------------------- */

/*
 * The read sizes: the default 1 MiB, one that splits every token, and one that splits records
 * now and then (a record split across reads comes without an envelope). A 16-byte read is one
 * system call per 16 bytes: over an input of more than 32 KiB that costs seconds under TSan, so
 * such inputs are split at 509 bytes instead, which still cuts most records in two.
 */
static const struct variant {
    size_t chunk;
    int limited; /* max_record is the input's small limit (limit_within()), not BIG_LIMIT */
} variants[] = {{0, 0}, {16, 0}, {4093, 0}, {0, 1}, {16, 1}, {4093, 1}};
#define NVARIANTS    (sizeof(variants) / sizeof(variants[0]))
#define ALL_VARIANTS ((1u << NVARIANTS) - 1)

static size_t chunk_for(size_t chunk, size_t len)
{
    return chunk == 16 && len > 32768 ? 509 : chunk;
}

/*
 * A max_record that some record of the input exceeds, the first of them about two thirds of the
 * way in (the largest of the records before that point), from a scan in memory at BIG_LIMIT.
 */
static size_t limit_within(const char *bytes, size_t len, enum a2a_scan_mode mode)
{
    struct a2a_memory mem = {.bytes = bytes, .len = len, .name = "memory.json"};
    struct a2a_scanner_config cfg = {.max_record = BIG_LIMIT, .no_ahead = 1, .mode = mode};
    struct a2a_scanner *sc = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_source src;
    size_t lens[4096];
    size_t n = 0;
    size_t limit = 0;

    a2a_memory_source(&src, &mem);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    while (n < sizeof(lens) / sizeof(lens[0]) && a2a_scanner_next(sc, &raw, &err) == 1) {
        lens[n++] = raw.len;
    }
    a2a_scanner_free(&sc);
    for (size_t i = 0; i < n * 2 / 3; i++) {
        limit = lens[i] > limit ? lens[i] : limit;
    }
    if (limit == 0) {
        limit = n > 0 && lens[0] > 1 ? lens[0] - 1 : 64;
    }
    return limit;
}

/* The paths' inputs at each variant in mask: small is the limit of the limited ones. */
static void check_paths(const char *const *paths, size_t npaths, size_t len, const char *what,
                        unsigned mask, size_t small, enum a2a_scan_mode mode)
{
    for (size_t v = 0; v < NVARIANTS; v++) {
        struct scan_job job = {.paths = paths,
                               .npaths = npaths,
                               .chunk = chunk_for(variants[v].chunk, len),
                               .max_record = variants[v].limited ? small : BIG_LIMIT,
                               .mode = mode,
                               .stop_after = SIZE_MAX};

        if ((mask & (1u << v)) != 0) {
            check_job(&job, what);
        }
    }
}

/* One input, written to a file; small: the limited variants' max_record, 0 to find one. */
static void check_input(const char *what, const char *bytes, size_t len, unsigned mask,
                        size_t small, enum a2a_scan_mode mode)
{
    const char *paths[1] = {input_path(0)};

    write_file(paths[0], bytes, len);
    check_paths(paths, 1, len, what, mask, small != 0 ? small : limit_within(bytes, len, mode),
                mode);
    unlink(paths[0]);
    inputs_run++;
}

/* ---- stream batches ------------------------------------------------------------------- */

enum shape { EVENT, LINES, PAGES, ARRAY, MIXED, MESSAGES };
#define NSHAPES 5 /* the shapes of a stream batch; MESSAGES is `aws sqs receive-message` output */

static const char *const shape_names[] = {
    "one event", "newline-delimited records", "pages", "an array", "mixed documents", "messages",
};

/* One record made unusual on purpose. */
enum special {
    PLAIN,
    OVERSIZED, /* a 20000-byte string: over the small limits, within BIG_LIMIT */
    GIANT,     /* a string over BIG_LIMIT */
    DEEP,      /* arrays nested special_arg deep inside the record */
    BAD_UTF8,  /* invalid UTF-8 (bad_utf8[special_arg]) in its owner and another string */
};

static const char *const bad_utf8[] = {
    "\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\x80", "\xf4\x90\x80\x80", "\xfe\xfe",
};
#define NBAD_UTF8 (sizeof(bad_utf8) / sizeof(bad_utf8[0]))

struct batch_spec {
    enum shape shape;
    size_t records;
    uint64_t seed;
    int redrive;          /* half the records are what a redrive reads (SQS, SNS, invocations) */
    enum special special; /* for the record at special_at */
    size_t special_at;
    size_t special_arg;
};

/* A batch's text, and where its records start and end (damage is often put near them). */
struct batch {
    struct a2a_buf text;
    size_t *marks; /* owned */
    size_t nmarks;
    size_t cap;
};

static void batch_free(struct batch *b)
{
    a2a_buf_free(&b->text);
    free(b->marks);
    memset(b, 0, sizeof(*b));
}

static void mark(struct batch *b)
{
    if (b->nmarks == b->cap) {
        size_t cap = b->cap == 0 ? 64 : b->cap * 2;
        size_t *p = realloc(b->marks, cap * sizeof(*p));
        assert_non_null(p);
        b->marks = p;
        b->cap = cap;
    }
    b->marks[b->nmarks++] = b->text.len;
}

/* String contents as they stand in JSON: plain, non-ASCII, escaped, empty. */
static const char *const tenants[] = {
    "acme",
    "globex",
    "initech",
    "Zo\xc3\xab",
    "\\u00e9cole",
    "\xe6\x9d\xb1",
    "emoji\xf0\x9f\x98\x80",
    "tab\\there",
    "quote\\\"d",
    "back\\\\slash",
    "\\ud83d\\ude00",
    "\\/",
    "",
};
static const char *const owners[] = {"alice",    "bob",  "\xc3\xa5lesund",
                                     "carol\\n", "dave", "nul\\u0000byte"};
/* eventSequence and recordedAtMicros that the parser refuses or clamps, now and then. */
static const char *const odd_numbers[] = {
    "18446744073709551616", "18446744073709551615", "-1", "1.5", "1e3", "x7", "", "007",
};
/* Strings that hold what looks like the end of a record and the start of another. */
static const char *const tricks[] = {
    "},{\\\"eventID\\\":\\\"fake\\\",\\\"eventName\\\":\\\"INSERT\\\"},{",
    "]}\\n{\\\"Records\\\":[{",
    "}\\n{\\\"eventName\\\":\\\"INSERT\\\",\\\"dynamodb\\\":{}}\\n",
    "}, {",
    "\\\\\\\"},{\\\\",
    "\\\"}]},{\\\"Records\\\":[",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(struct prng *r, const char *const *list, size_t n)
{
    return list[below(r, n)];
}

/* A NewImage "L" of n "M" maps: `},{` inside a record, and empty maps and lists. */
static void gen_items(struct a2a_buf *t, struct prng *r, size_t n)
{
    put_text(t, ",\"items\":{\"L\":[");
    for (size_t i = 0; i < n; i++) {
        putf(t,
             "%s{\"M\":{\"name\":{\"S\":\"item-%zu\"},\"qty\":{\"N\":\"%zu\"},"
             "\"tags\":{\"L\":[{\"S\":\"a\"},{\"M\":{}},{\"L\":[]}]}}}",
             i > 0 ? "," : "", i, below(r, 1000));
    }
    put_text(t, "]}");
}

static void gen_image(struct a2a_buf *t, struct prng *r, const struct batch_spec *spec, size_t k)
{
    const char *tenant = pick(r, tenants, COUNT(tenants));

    putf(t, "{\"pk\":{\"S\":\"TENANT#%s#TASK#task-%03zu\"},\"sk\":{\"S\":\"SEQ#%zu\"},", tenant, k,
         k);
    putf(t, chance(r, 97) ? "\"tenant\":{\"S\":\"%s\"}," : "\"tenant\":{\"N\":\"%s1\"},", tenant);
    if (chance(r, 97)) {
        putf(t, "\"taskId\":{\"S\":\"task-%03zu\"},", k);
    }
    if (spec->special == BAD_UTF8 && spec->special_at == k) {
        putf(t, "\"owner\":{\"S\":\"al%sice\"},", bad_utf8[spec->special_arg % NBAD_UTF8]);
    } else {
        putf(t, "\"owner\":{\"S\":\"%s\"},", pick(r, owners, COUNT(owners)));
    }
    if (chance(r, 5)) {
        putf(t, "\"eventSequence\":{\"N\":\"%s\"},", pick(r, odd_numbers, COUNT(odd_numbers)));
    } else {
        putf(t, "\"eventSequence\":{\"N\":\"%zu\"},", k + 1);
    }
    if (chance(r, 5)) {
        putf(t, "\"recordedAtMicros\":{\"N\":\"%s\"}", pick(r, odd_numbers, COUNT(odd_numbers)));
    } else {
        putf(t, "\"recordedAtMicros\":{\"N\":\"%llu\"}", 1795687200000000ull + k);
    }
    if (chance(r, 30)) {
        gen_items(t, r, chance(r, 10) ? 20 + below(r, 30) : below(r, 6));
    }
    if (chance(r, 15)) {
        putf(t, ",\"note\":{\"S\":\"%s\"}", pick(r, tricks, COUNT(tricks)));
    }
    if (chance(r, 5)) {
        put_text(t, ",\"x\\\"},{\\\"\":{\"S\":\"k\"}"); /* the same, in a member name */
    }
    put_text(t, ",\"ttl\":{\"N\":\"1798279200\"}}");
}

static void gen_special(struct a2a_buf *t, const struct batch_spec *spec, size_t k)
{
    size_t n;

    if (spec->special_at != k) {
        return;
    }
    switch (spec->special) {
    case OVERSIZED:
    case GIANT:
        n = spec->special == GIANT ? BIG_LIMIT + 1000 : 20000;
        put_text(t, ",\"blob\":{\"S\":\"");
        for (size_t i = 0; i < n; i++) {
            put(t, &"abcdefghijklmnopqrstuvwxyz"[i % 26], 1);
        }
        put_text(t, "\"}");
        break;
    case DEEP:
        put_text(t, ",\"deep\":");
        for (size_t i = 0; i < spec->special_arg; i++) {
            put(t, "[", 1);
        }
        for (size_t i = 0; i < spec->special_arg; i++) {
            put(t, "]", 1);
        }
        break;
    case BAD_UTF8:
        putf(t, ",\"bad\":{\"S\":\"%s\"}", bad_utf8[(spec->special_arg + 1) % NBAD_UTF8]);
        break;
    case PLAIN:
        break;
    }
}

/*
 * An on-failure invocation record (testdata/redrive/invocation.json) naming record k's range,
 * as it is, or escaped as the content of a JSON string (an SQS or SNS message's body).
 */
static void put_invocation(struct a2a_buf *t, size_t k, int escaped)
{
    struct a2a_buf inv = {NULL, 0, 0};

    putf(&inv,
         "{\"requestContext\":{\"requestId\":\"req-%zu\",\"condition\":\"RetryAttemptsExhausted\","
         "\"approximateInvokeCount\":1},\"responseContext\":{\"statusCode\":200,"
         "\"functionError\":\"Unhandled\"},\"version\":\"1.0\",\"DDBStreamBatchInfo\":{\"shardId\":"
         "\"shardId-00000001700000000000-%08zu\",\"startSequenceNumber\":\"7000000000000%08zu\","
         "\"endSequenceNumber\":\"7000000000000%08zu\",\"batchSize\":1,",
         k, k % 3, k + 101, k + 101);
    put_text(&inv, "\"streamArn\":\"arn:aws:dynamodb:us-east-2:123456789012:table/"
                   "a2a_push_pending_dispatches/stream/2024-01-01T00:00:00.000\"}}");
    if (escaped) {
        assert_int_equal(a2a_json_escape(t, inv.data, inv.len), 0);
    } else {
        put(t, inv.data, inv.len);
    }
    a2a_buf_free(&inv);
}

/*
 * What a redrive reads in place of a stream record: a Lambda SQS record, an SNS record (whose
 * source member is "EventSource"), or an invocation record itself; only the last stands as a
 * document of its own. The source member is now and then escaped, repeated or not a string,
 * for the scanner's hints.
 */
static void gen_redrive_record(struct a2a_buf *t, struct prng *r, size_t k, int document)
{
    static const char *const extra_source[] = {
        "",
        "",
        "",
        "\"event\\u0053ource\":\"aws:sqs\",",
        "\"eventSource\":7,",
        "\"eventSource\":\"x\",",
    };
    size_t kind = document ? 2 : below(r, 3);

    if (kind == 0) {
        putf(t, "{\"messageId\":\"%016llx\",\"receiptHandle\":\"AQEB-%zu\",\"body\":\"",
             (unsigned long long)prng_next(r), k);
        put_invocation(t, k, 1);
        putf(t,
             "\",\"attributes\":{\"ApproximateReceiveCount\":\"1\"},%s\"eventSource\":"
             "\"aws:sqs\",\"eventSourceARN\":\"arn:aws:sqs:us-east-2:123456789012:a2a-dlq\"}",
             pick(r, extra_source, COUNT(extra_source)));
    } else if (kind == 1) {
        putf(t,
             "{\"EventSource\":\"aws:sns\",\"EventVersion\":\"1.0\",%s\"Sns\":{\"Type\":"
             "\"Notification\",\"MessageId\":\"%016llx\",\"Message\":\"",
             pick(r, extra_source, COUNT(extra_source)), (unsigned long long)prng_next(r));
        put_invocation(t, k, 1);
        put_text(t, "\"}}");
    } else {
        put_invocation(t, k, 0);
    }
}

/* A record in the shape of testdata/demo/batch.json, compact, varied by r. */
static void gen_record_compact(struct a2a_buf *t, struct prng *r, const struct batch_spec *spec,
                               size_t k, int document)
{
    static const char *const events[] = {"INSERT", "INSERT", "INSERT", "MODIFY", "REMOVE"};
    const char *event = pick(r, events, COUNT(events));
    int remove = strcmp(event, "REMOVE") == 0;

    if (spec->redrive && chance(r, 50)) {
        gen_redrive_record(t, r, k, document);
        return;
    }
    putf(t, "{\"eventID\":\"%016llx\",", (unsigned long long)prng_next(r));
    if (chance(r, 95)) {
        /* Now and then the name is escaped: the envelope is then left to the parser. */
        putf(t, "\"%s\":\"%s\",", chance(r, 3) ? "event\\u004eame" : "eventName", event);
    }
    if (chance(r, 2)) {
        put_text(t, "\"eventName\":\"MODIFY\",");
    }
    put_text(t, "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\","
                "\"awsRegion\":\"us-east-1\",");
    putf(t,
         "\"dynamodb\":{\"ApproximateCreationDateTime\":%zu,\"Keys\":{\"pk\":{\"S\":"
         "\"TENANT#acme\"},\"sk\":{\"S\":\"SEQ#%zu\"}},",
         (size_t)1795687201u + k, k);
    if (chance(r, 97)) {
        putf(t, "\"SequenceNumber\":\"7000000000000%08zu\",", k + 101);
    }
    putf(t, "\"SizeBytes\":%zu,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"", 200 + below(r, 300));
    if (!remove || chance(r, 20)) {
        put_text(t, ",\"NewImage\":");
        gen_image(t, r, spec, k);
    }
    if (remove || chance(r, 20)) {
        put_text(t, ",\"OldImage\":");
        gen_image(t, r, spec, k);
    }
    put_text(t, "}");
    gen_special(t, spec, k);
    put_text(t, ",\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/"
                "a2a_push_pending_dispatches/stream/2026-11-01T00:00:00.000\"}");
}

/* Copies the JSON src into t with white space after each ',', ':', '{' and '[' outside strings. */
static void respace(struct a2a_buf *t, const char *src, size_t len)
{
    int in_string = 0;

    for (size_t i = 0; i < len; i++) {
        char c = src[i];

        put(t, &c, 1);
        if (in_string) {
            if (c == '\\' && i + 1 < len) {
                put(t, &src[++i], 1);
            } else if (c == '"') {
                in_string = 0;
            }
        } else if (c == '"') {
            in_string = 1;
        } else if (c == ',') {
            put_text(t, "\n    ");
        } else if (c == ':') {
            put_text(t, " ");
        } else if (c == '{' || c == '[') {
            put_text(t, "\r\n\t");
        }
    }
}

/* Record k into the batch, marked at both ends; spaced: pretty-printed. */
static void gen_record(struct batch *b, struct prng *r, const struct batch_spec *spec, size_t k,
                       int spaced, int document)
{
    struct a2a_buf compact = {NULL, 0, 0};

    gen_record_compact(&compact, r, spec, k, document);
    mark(b);
    if (spaced) {
        respace(&b->text, compact.data, compact.len);
    } else {
        put(&b->text, compact.data, compact.len);
    }
    mark(b);
    a2a_buf_free(&compact);
}

/* Records [first, first + n) separated by sep: elements of an array, or documents. */
static void gen_records(struct batch *b, struct prng *r, const struct batch_spec *spec,
                        size_t first, size_t n, int spaced, const char *sep, int documents)
{
    for (size_t k = first; k < first + n; k++) {
        if (k > first) {
            put_text(&b->text, sep);
        }
        gen_record(b, r, spec, k, spaced || chance(r, 5), documents);
    }
}

/* {"Records":[...]}; a page may have members before and after its Records, as get-records. */
static void gen_event(struct batch *b, struct prng *r, const struct batch_spec *spec, size_t first,
                      size_t n, int spaced, int page)
{
    static const char *const seps[] = {",", ", ", ",\n", "\n,\n  ", " ,\t"};
    const char *sep = pick(r, seps, COUNT(seps));

    put_text(&b->text, spaced ? "{\n  " : "{");
    if (page && chance(r, 15)) {
        size_t len = 20 + below(r, 3000); /* a prefix that may outgrow a small limit */
        put_text(&b->text, "\"NextShardIterator\":\"");
        for (size_t i = 0; i < len; i++) {
            put(&b->text, &"ABCDEFGHIJKLMNOP"[i % 16], 1);
        }
        put_text(&b->text, "\",");
    }
    put_text(&b->text, spaced ? "\"Records\": [\n" : "\"Records\":[");
    gen_records(b, r, spec, first, n, spaced, sep, 0);
    put_text(&b->text, spaced ? "\n  ]" : "]");
    if (page && chance(r, 60)) {
        put_text(&b->text, ",\"NextShardIterator\":\"arn:aws:dynamodb:us-east-1:1|1|AAAAAAA=\"");
    }
    put_text(&b->text, spaced ? "\n}" : "}");
}

static void gen_lines(struct batch *b, struct prng *r, const struct batch_spec *spec, size_t first,
                      size_t n, int spaced)
{
    static const char *const seps[] = {"\n", "\n", "\r\n", "", " ", "\n\n"};

    gen_records(b, r, spec, first, n, spaced, pick(r, seps, COUNT(seps)), 1);
    put_text(&b->text, "\n");
}

static void gen_array(struct batch *b, struct prng *r, const struct batch_spec *spec, size_t first,
                      size_t n, int spaced)
{
    put_text(&b->text, spaced ? "[\n  " : "[");
    gen_records(b, r, spec, first, n, spaced, spaced ? ",\n  " : ",", 0);
    put_text(&b->text, spaced ? "\n]" : "]");
}

/* Documents of random kinds and sizes (pages may be empty) until all records are out. */
static void gen_documents(struct batch *b, struct prng *r, const struct batch_spec *spec,
                          int spaced)
{
    static const char *const seps[] = {"\n", "", " ", "\n\n"};
    size_t k = 0;

    while (k < spec->records) {
        enum shape kind = spec->shape == PAGES ? PAGES : (enum shape)below(r, 4);
        size_t n = below(r, kind == PAGES ? 40 : 20);

        n = n > spec->records - k ? spec->records - k : n;
        if (kind == LINES || kind == EVENT) {
            n = n == 0 ? 1 : n; /* at least one record: else nothing is written */
        }
        if (kind == LINES) {
            gen_lines(b, r, spec, k, n, spaced);
        } else if (kind == ARRAY) {
            gen_array(b, r, spec, k, n, spaced);
        } else {
            gen_event(b, r, spec, k, n, spaced, kind == PAGES);
        }
        put_text(&b->text, pick(r, seps, COUNT(seps)));
        k += n;
    }
}

/* `aws sqs receive-message` output: {"Messages":[...]}, each body an invocation record. */
static void gen_messages(struct batch *b, struct prng *r, size_t n, int spaced)
{
    struct a2a_buf message = {NULL, 0, 0};

    put_text(&b->text, "{\"Messages\":[");
    for (size_t k = 0; k < n; k++) {
        message.len = 0;
        putf(&message,
             "{\"MessageId\":\"%016llx\",\"ReceiptHandle\":\"AQEB-%zu\",\"MD5OfBody\":"
             "\"0123456789abcdef0123456789abcdef\",\"Body\":\"",
             (unsigned long long)prng_next(r), k);
        put_invocation(&message, k, 1);
        put_text(&message, "\"}");
        put_text(&b->text, k > 0 ? "," : "");
        mark(b);
        if (spaced || chance(r, 5)) {
            respace(&b->text, message.data, message.len);
        } else {
            put(&b->text, message.data, message.len);
        }
        mark(b);
    }
    put_text(&b->text, "]}\n");
    a2a_buf_free(&message);
}

static void gen_batch(struct batch *b, const struct batch_spec *spec)
{
    struct prng r = {spec->seed};
    int spaced = chance(&r, 25);

    memset(b, 0, sizeof(*b));
    switch (spec->shape) {
    case EVENT:
        gen_event(b, &r, spec, 0, spec->records, spaced, 0);
        break;
    case LINES:
        gen_lines(b, &r, spec, 0, spec->records, spaced);
        break;
    case ARRAY:
        gen_array(b, &r, spec, 0, spec->records, spaced);
        break;
    case MESSAGES:
        gen_messages(b, &r, spec->records, spaced);
        break;
    default:
        gen_documents(b, &r, spec, spaced);
        break;
    }
    put(&b->text, "", 1); /* a NUL after the text, not counted: it is never scanned */
    b->text.len--;
}

/* ---- damage --------------------------------------------------------------------------------- */

enum damage { CUT, REPLACE, FLIP, STRAY, DROP, BAD_BYTES, NDAMAGE };

/* Where to damage a text of len > 0 bytes: half the time near a record's start or end. */
static size_t damage_at(const struct batch *b, struct prng *r, size_t len)
{
    size_t at;

    if (b->nmarks == 0 || chance(r, 50)) {
        return below(r, len);
    }
    at = b->marks[below(r, b->nmarks)] + below(r, 5);
    at = at < 2 ? 0 : at - 2;
    return at >= len ? len - 1 : at;
}

/* out = text[0, len) with n bytes inserted at byte at. */
static void insert_at(struct a2a_buf *out, const char *text, size_t len, size_t at,
                      const char *bytes, size_t n)
{
    out->len = at;
    put(out, bytes, n);
    put(out, text + at, len - at);
}

/* out = b's text (len > 0) with one damage, said in what. */
static void damage(struct a2a_buf *out, const struct batch *b, struct prng *r, char *what,
                   size_t cap)
{
    static const char swaps[] = "{}[],:\"\\ x0";
    static const char strays[] = "]},";
    const char *text = b->text.data;
    size_t len = b->text.len;
    size_t at = damage_at(b, r, len);
    enum damage kind = (enum damage)below(r, NDAMAGE);
    const char *bad = pick(r, bad_utf8, NBAD_UTF8);
    char c;

    out->len = 0;
    put(out, text, kind == CUT ? at : len);
    switch (kind) {
    case CUT:
        snprintf(what, cap, "cut at byte %zu", at);
        break;
    case REPLACE:
        c = swaps[below(r, sizeof(swaps) - 1)];
        out->data[at] = c;
        snprintf(what, cap, "byte %zu replaced by '%c'", at, c);
        break;
    case FLIP:
        c = (char)(1u << below(r, 8));
        out->data[at] ^= c;
        snprintf(what, cap, "byte %zu xor 0x%02x", at, (unsigned char)c);
        break;
    case DROP:
        memmove(out->data + at, out->data + at + 1, len - at - 1);
        out->len--;
        snprintf(what, cap, "byte %zu dropped", at);
        break;
    case STRAY:
        c = strays[below(r, sizeof(strays) - 1)];
        insert_at(out, text, len, at, &c, 1);
        snprintf(what, cap, "'%c' inserted at byte %zu", c, at);
        break;
    case BAD_BYTES:
        insert_at(out, text, len, at, bad, strlen(bad));
        snprintf(what, cap, "%zu bytes of invalid UTF-8 inserted at byte %zu", strlen(bad), at);
        break;
    case NDAMAGE:
        break;
    }
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void summary(const char *what)
{
    print_message("    %zu inputs, %zu scans (one job in %zu checked): %s; %llu parts taken "
                  "(%llu records), %llu dropped\n",
                  inputs_run, scans_run, every, what, (unsigned long long)ahead_seen.parts_taken,
                  (unsigned long long)ahead_seen.records_taken,
                  (unsigned long long)ahead_seen.parts_dropped);
    memset(&ahead_seen, 0, sizeof(ahead_seen));
    inputs_run = 0;
    scans_run = 0;
    jobs_seen = 0;
}

/*
 * The damaged copies of a batch: each at one variant, taken in turn (all six over six), in the
 * given mode, or with shapes_too, in EVENTS and SHAPES mode by turns of six.
 */
static void check_damaged(const struct batch *b, const char *what, size_t copies, uint64_t seed,
                          size_t small, enum a2a_scan_mode mode, int shapes_too)
{
    struct prng r = {seed};
    struct a2a_buf text = {NULL, 0, 0};

    if (b->text.len == 0) {
        return;
    }
    assert_int_equal(a2a_buf_reserve(&text, 1), 0); /* a copy cut to 0 bytes is no NULL */
    for (size_t i = 0; i < copies; i++) {
        char how[120];
        char label[400];

        damage(&text, b, &r, how, sizeof(how));
        snprintf(label, sizeof(label), "%s, %s", what, how);
        check_input(label, text.data, text.len, 1u << (i % NVARIANTS), small,
                    shapes_too && (i / NVARIANTS) % 2 == 1 ? A2A_SCAN_SHAPES : mode);
    }
    a2a_buf_free(&text);
}

/* Paths of the files under path that hold JSON, appended to *list (owned strings). */
static void find_json(const char *path, char ***list, size_t *n)
{
    DIR *d = opendir(path);
    struct dirent *e;

    assert_non_null(d);
    for (e = readdir(d); e != NULL; e = readdir(d)) {
        char sub[1024];
        struct stat st;
        size_t len = strlen(e->d_name);

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        assert_int_equal(stat(sub, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            find_json(sub, list, n);
        } else if ((len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) ||
                   (len > 7 && strcmp(e->d_name + len - 7, ".ndjson") == 0) ||
                   strstr(sub, "/fuzz-regressions/") != NULL) {
            char **p = realloc(*list, (*n + 1) * sizeof(*p));
            assert_non_null(p);
            *list = p;
            p[*n] = strdup(sub);
            assert_non_null(p[*n]);
            (*n)++;
        }
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every JSON file under testdata/, at every variant, and damaged eight times each. */
static void test_testdata_files(void **state)
{
    char **files = NULL;
    size_t n = 0;

    (void)state;
    find_json(A2A_SOURCE_DIR "/testdata", &files, &n);
    assert_true(n >= 30); /* the walk found the files: this test is not silently empty */
    qsort(files, n, sizeof(files[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        const char *name = files[i] + strlen(A2A_SOURCE_DIR "/");
        struct batch b;
        size_t small;

        memset(&b, 0, sizeof(b));
        b.text.data = read_file(files[i], &b.text.len);
        small = limit_within(b.text.data, b.text.len, A2A_SCAN_EVENTS);
        check_input(name, b.text.data, b.text.len, ALL_VARIANTS, small, A2A_SCAN_EVENTS);
        check_input(name, b.text.data, b.text.len, ALL_VARIANTS, small, A2A_SCAN_SHAPES);
        check_damaged(&b, name, 8, i + 1, small, A2A_SCAN_EVENTS, 1);
        batch_free(&b);
        free(files[i]);
    }
    free(files);
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("testdata files and damaged copies");
    rows_done();
}

static const size_t batch_sizes[] = {1, 2, 3, 5, 8, 13, 30, 60, 300};
#define NSIZES (sizeof(batch_sizes) / sizeof(batch_sizes[0]))

static void batch_label(char *label, size_t cap, const struct batch_spec *spec, size_t len)
{
    static const char *const specials[] = {"", ", one oversized", ", one over 1 MiB",
                                           ", one nested", ", invalid UTF-8 in one"};

    snprintf(label, cap, "%s of %zu %srecords (%zu bytes, seed %llu%s", shape_names[spec->shape],
             spec->records, spec->redrive ? "redrive " : "", len, (unsigned long long)spec->seed,
             specials[spec->special]);
    if (spec->special != PLAIN) {
        size_t used = strlen(label);
        snprintf(label + used, cap - used, " at %zu, %zu", spec->special_at, spec->special_arg);
    }
    strncat(label, ")", cap - strlen(label) - 1);
}

/* Each shape at each size: valid batches at every variant. */
static void test_batches(void **state)
{
    (void)state;
    for (int shape = 0; shape < NSHAPES; shape++) {
        for (size_t i = 0; i < NSIZES; i++) {
            struct batch_spec spec = {
                .shape = (enum shape)shape, .records = batch_sizes[i], .seed = 100 * shape + i};
            struct batch b;
            char label[200];

            gen_batch(&b, &spec);
            batch_label(label, sizeof(label), &spec, b.text.len);
            check_input(label, b.text.data, b.text.len, ALL_VARIANTS, 0, A2A_SCAN_EVENTS);
            batch_free(&b);
        }
    }
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("valid batches");
    rows_done();
}

/*
 * The same batches damaged: many copies of the small ones, fewer of the large ones (which cost
 * more and fail, on average, no farther in).
 */
static void test_damaged_batches(void **state)
{
    (void)state;
    for (int shape = 0; shape < NSHAPES; shape++) {
        for (size_t i = 0; i < NSIZES; i++) {
            struct batch_spec spec = {
                .shape = (enum shape)shape, .records = batch_sizes[i], .seed = 100 * shape + i};
            size_t copies = batch_sizes[i] <= 13 ? 20 : batch_sizes[i] <= 60 ? 8 : 4;
            struct batch b;
            char label[200];

            gen_batch(&b, &spec);
            batch_label(label, sizeof(label), &spec, b.text.len);
            check_damaged(&b, label, copies, 7 * spec.seed + 3,
                          limit_within(b.text.data, b.text.len, A2A_SCAN_EVENTS), A2A_SCAN_EVENTS,
                          1);
            batch_free(&b);
        }
    }
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("damaged batches");
    rows_done();
}

/*
 * SHAPES mode (redrive input) on batches half of whose records are SQS, SNS and invocation
 * records, and on `aws sqs receive-message` output, valid and damaged.
 */
static void test_redrive_batches(void **state)
{
    static const enum shape shapes[] = {EVENT, LINES, ARRAY, MIXED, MESSAGES};
    static const size_t sizes[] = {1, 5, 30, 300};

    (void)state;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            struct batch_spec spec = {
                .shape = shapes[s], .records = sizes[i], .seed = 600 + 10 * s + i, .redrive = 1};
            size_t small;
            struct batch b;
            char label[200];

            gen_batch(&b, &spec);
            batch_label(label, sizeof(label), &spec, b.text.len);
            small = limit_within(b.text.data, b.text.len, A2A_SCAN_SHAPES);
            check_input(label, b.text.data, b.text.len, ALL_VARIANTS, small, A2A_SCAN_SHAPES);
            check_damaged(&b, label, sizes[i] <= 30 ? 12 : 4, 3 * spec.seed + 1, small,
                          A2A_SCAN_SHAPES, 0);
            batch_free(&b);
        }
    }
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("redrive batches in SHAPES mode");
    rows_done();
}

/* A batch of `records` with one unusual record, checked at the variants in mask. */
static void check_special(enum shape shape, size_t records, enum special special, size_t arg,
                          unsigned mask, size_t small, uint64_t seed)
{
    struct prng r = {seed};
    struct batch_spec spec = {.shape = shape,
                              .records = records,
                              .seed = seed,
                              .special = special,
                              .special_at = below(&r, records),
                              .special_arg = arg};
    struct batch b;
    char label[200];

    gen_batch(&b, &spec);
    batch_label(label, sizeof(label), &spec, b.text.len);
    check_input(label, b.text.data, b.text.len, mask, small, A2A_SCAN_EVENTS);
    if (special != GIANT) {
        check_damaged(&b, label, 3, seed + 1, small, A2A_SCAN_EVENTS, 0);
    }
    batch_free(&b);
}

/*
 * Records over the limit (max_record 8000 against 20000 bytes, or over 1 MiB), nested around
 * the 512-level limit (which counts the levels the document opened around the record) and
 * past it, and invalid UTF-8 inside strings, in each shape.
 */
static void test_unusual_records(void **state)
{
    uint64_t seed = 5000;

    (void)state;
    for (int shape = 0; shape < NSHAPES; shape++) {
        check_special((enum shape)shape, 30, OVERSIZED, 0, ALL_VARIANTS, 8000, seed++);
        for (size_t depth = 508; depth <= 512; depth++) {
            check_special((enum shape)shape, 8, DEEP, depth, ALL_VARIANTS, 0, seed++);
        }
        check_special((enum shape)shape, 8, DEEP, 600, ALL_VARIANTS, 0, seed++);
        for (size_t k = 0; k < NBAD_UTF8; k++) {
            check_special((enum shape)shape, 8, BAD_UTF8, k, ALL_VARIANTS, 0, seed++);
        }
    }
    /* Over 1 MiB: large reads only (1 + 4: the default and 4093 bytes), at BIG_LIMIT. */
    check_special(EVENT, 5, GIANT, 0, 1u | 4u, 0, seed++);
    check_special(LINES, 5, GIANT, 0, 1u | 4u, 0, seed++);
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("unusual records");
    rows_done();
}

/* One input of a run over several files: a batch, damaged or cut, an empty file or none. */
struct part_spec {
    enum shape shape;
    size_t records; /* 0: an empty file; SIZE_MAX: no file at all */
    size_t cut;     /* bytes cut off its end */
};

static void check_several(const struct part_spec *parts, size_t nparts, uint64_t seed)
{
    const char *paths[4];
    size_t total = 0;
    size_t small = 0;
    char label[300] = "several inputs:";

    assert_true(nparts <= 4);
    for (size_t i = 0; i < nparts; i++) {
        struct batch_spec spec = {
            .shape = parts[i].shape, .records = parts[i].records, .seed = seed + i};
        struct batch b;
        size_t len;
        size_t used = strlen(label);

        memset(&b, 0, sizeof(b));
        paths[i] = input_path((int)i);
        unlink(paths[i]);
        if (parts[i].records != SIZE_MAX) {
            if (parts[i].records > 0) {
                gen_batch(&b, &spec);
            }
            len = b.text.len > parts[i].cut ? b.text.len - parts[i].cut : 0;
            write_file(paths[i], b.text.data != NULL ? b.text.data : "", len);
            small = small == 0 && len > 0 ? limit_within(b.text.data, len, A2A_SCAN_EVENTS) : small;
            total += len;
        }
        snprintf(label + used, sizeof(label) - used, " [%s, %zu records, %zu cut]",
                 shape_names[parts[i].shape], parts[i].records, parts[i].cut);
        batch_free(&b);
    }
    /* The default and 16-byte reads at BIG_LIMIT, and the default at the first input's limit. */
    check_paths(paths, nparts, total, label, 1u | 2u | 8u, small != 0 ? small : 64,
                A2A_SCAN_EVENTS);
    for (size_t i = 0; i < nparts; i++) {
        unlink(paths[i]);
    }
    inputs_run++;
}

/* Several files in one run: positions run on, each input is cut on its own, failures stop. */
static void test_several_inputs(void **state)
{
    static const struct part_spec runs[][4] = {
        {{LINES, 30, 0}, {EVENT, 60, 0}},
        {{EVENT, 120, 0}, {PAGES, 120, 0}, {ARRAY, 120, 0}},
        {{EVENT, 8, 0}, {EVENT, 0, 0}, {ARRAY, 30, 0}},
        {{ARRAY, 30, 0}, {EVENT, SIZE_MAX, 0}, {EVENT, 30, 0}},
        {{PAGES, 60, 0}, {EVENT, 30, 700}, {LINES, 13, 0}},
        {{MIXED, 60, 0}, {MIXED, 60, 1}, {MIXED, 5, 0}, {LINES, 300, 0}},
        {{EVENT, 300, 0}, {LINES, 1, 0}, {EVENT, 1, 0}, {ARRAY, 2, 0}},
    };
    static const size_t counts[] = {2, 3, 3, 3, 3, 4, 4};

    (void)state;
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        check_several(runs[i], counts[i], 9000 + 10 * i);
    }
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("several inputs in one run");
    rows_done();
}

/* Where the records of bytes end (a resume point each), from a scan in memory. */
static size_t record_ends(const char *bytes, size_t len, uint64_t *ends, size_t cap)
{
    struct a2a_memory mem = {.bytes = bytes, .len = len, .name = "memory.json"};
    struct a2a_scanner_config cfg = {.max_record = BIG_LIMIT, .no_ahead = 1};
    struct a2a_scanner *sc = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_source src;
    size_t n = 0;

    a2a_memory_source(&src, &mem);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    while (n < cap && a2a_scanner_next(sc, &raw, &err) == 1) {
        ends[n++] = raw.offset + raw.len;
    }
    a2a_scanner_free(&sc);
    return n;
}

/* Resumed after the first record, one in the middle and the last but one, in each shape. */
static void test_resume_points(void **state)
{
    static const size_t sizes[] = {30, 120};

    (void)state;
    for (int shape = 0; shape < NSHAPES; shape++) {
        for (size_t i = 0; i < 2; i++) {
            struct batch_spec spec = {
                .shape = (enum shape)shape, .records = sizes[i], .seed = 300 + 10 * shape + i};
            const char *paths[1] = {input_path(0)};
            uint64_t ends[120];
            size_t n;
            struct batch b;
            char label[200];

            gen_batch(&b, &spec);
            write_file(paths[0], b.text.data, b.text.len);
            n = record_ends(b.text.data, b.text.len, ends, 120);
            assert_true(n >= 3);
            for (size_t k = 0; k < 3; k++) {
                uint64_t at = ends[k == 0 ? 0 : k == 1 ? n / 2 : n - 2];
                for (size_t c = 0; c < 2; c++) {
                    struct scan_job job = {.paths = paths,
                                           .npaths = 1,
                                           .chunk = chunk_for(c == 0 ? 0 : 16, b.text.len),
                                           .max_record = BIG_LIMIT,
                                           .resume = at,
                                           .stop_after = SIZE_MAX};
                    batch_label(label, sizeof(label), &spec, b.text.len);
                    check_job(&job, label);
                }
            }
            unlink(paths[0]);
            batch_free(&b);
            inputs_run++;
        }
    }
    assert_true(ahead_seen.parts_taken > 0); /* parts were taken, not only dropped */
    summary("resumed runs");
    rows_done();
}

/* A caller that stops part way and frees the scanner: the records until then, and no leak. */
static void test_stopping_early(void **state)
{
    static const enum shape shapes[] = {EVENT, LINES, PAGES};

    (void)state;
    for (size_t s = 0; s < 3; s++) {
        struct batch_spec spec = {.shape = shapes[s], .records = 300, .seed = 700 + s};
        const char *paths[1] = {input_path(0)};
        const size_t stops[] = {0, 1, 2, 7, 150, 299};
        struct batch b;
        char label[200];

        gen_batch(&b, &spec);
        batch_label(label, sizeof(label), &spec, b.text.len);
        write_file(paths[0], b.text.data, b.text.len);
        for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
            struct scan_job job = {.paths = paths,
                                   .npaths = 1,
                                   .chunk = k % 2 == 0 ? 0 : 4093,
                                   .max_record = BIG_LIMIT,
                                   .stop_after = stops[k]};
            check_job(&job, label);
        }
        unlink(paths[0]);
        batch_free(&b);
        inputs_run++;
    }
    summary("runs stopped early");
    rows_done();
}

/*
 * A file of several MiB at the default sizes (A2A_AHEAD_OWN, A2A_AHEAD_PART: parts handed
 * over one after the other, and 1 MiB reads, so records are cut across reads on both threads),
 * and at sizes that make many parts of it.
 */
static void test_large_file(void **state)
{
    static const struct ahead ways[] = {{0, 0}, {0, 65536}, {1000, 5000}};
    struct batch_spec spec = {.shape = PAGES, .records = 5500, .seed = 800};
    const char *paths[1] = {input_path(0)};
    struct scan_job job = {
        .paths = paths, .npaths = 1, .max_record = BIG_LIMIT, .stop_after = SIZE_MAX};
    struct batch b;
    char label[200];

    (void)state;
    gen_batch(&b, &spec);
    assert_true(b.text.len > 3 * (A2A_AHEAD_OWN + A2A_AHEAD_PART)); /* parts at the defaults */
    batch_label(label, sizeof(label), &spec, b.text.len);
    write_file(paths[0], b.text.data, b.text.len);
    /* A job per way, the defaults first: the TSan run checks only the first (see every). */
    for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
        uint64_t before = ahead_seen.parts_taken;

        check_job_ways(&job, label, &ways[i], 1);
        if (i == 0 || every == 1) {
            assert_true(ahead_seen.parts_taken > before); /* the helper did take part */
        }
    }
    job.chunk = 65536;
    check_job_ways(&job, label, ways, 1);
    unlink(paths[0]);
    batch_free(&b);
    inputs_run++;
    summary("a large file");
    rows_done();
}

/* An input in the other modes from files, and from memory: never scanned ahead, no change. */
static void check_modes(const char *what, const char *bytes, size_t len)
{
    const char *paths[1] = {input_path(0)};

    write_file(paths[0], bytes, len);
    for (int mode = A2A_SCAN_EVENTS; mode <= A2A_SCAN_WHOLE; mode++) {
        struct scan_job job = {.paths = paths,
                               .npaths = 1,
                               .max_record = BIG_LIMIT,
                               .mode = (enum a2a_scan_mode)mode,
                               .stop_after = SIZE_MAX};

        if (mode != A2A_SCAN_EVENTS) {
            check_job(&job, what);
        }
        job.memory = bytes;
        job.memory_len = len;
        check_job(&job, what);
    }
    unlink(paths[0]);
    inputs_run++;
}

static void test_other_sources_and_modes(void **state)
{
    char **files = NULL;
    size_t n = 0;

    (void)state;
    find_json(A2A_SOURCE_DIR "/testdata", &files, &n);
    qsort(files, n, sizeof(files[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *bytes = read_file(files[i], &len);

        check_modes(files[i] + strlen(A2A_SOURCE_DIR "/"), bytes, len);
        free(bytes);
        free(files[i]);
    }
    free(files);
    for (int shape = 0; shape < NSHAPES; shape++) {
        struct batch_spec spec = {.shape = (enum shape)shape, .records = 60, .seed = 900 + shape};
        struct batch b;
        char label[200];

        gen_batch(&b, &spec);
        batch_label(label, sizeof(label), &spec, b.text.len);
        check_modes(label, b.text.data, b.text.len);
        batch_free(&b);
    }
    summary("SHAPES and WHOLE modes, memory sources");
    rows_done();
}

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");

    const char *share = getenv("A2A_SCAN_AHEAD_EVERY");

    (void)state;
    if (share != NULL && atoi(share) > 1) {
        every = (size_t)atoi(share);
    }
    snprintf(dir, sizeof(dir), "%s/a2a-unit-scan-ahead-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        unlink(input_path(i));
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_testdata_files),  cmocka_unit_test(test_batches),
        cmocka_unit_test(test_damaged_batches), cmocka_unit_test(test_redrive_batches),
        cmocka_unit_test(test_unusual_records), cmocka_unit_test(test_several_inputs),
        cmocka_unit_test(test_resume_points),   cmocka_unit_test(test_stopping_early),
        cmocka_unit_test(test_large_file),      cmocka_unit_test(test_other_sources_and_modes),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
