/*
 * cli/outputs.h: what each kind of path gets (a regular file replaced whole, a link kept and
 * its target replaced, a device or /dev/stdout written as it is), that nothing is left behind
 * when a run does not keep its outputs, and that opening is all or nothing.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "outputs.h"

static char dir[] = "/tmp/a2a-test-outputs.XXXXXX";

static void at(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static void put(const char *name, const char *content, mode_t mode)
{
    char p[256];
    FILE *f;

    at(p, sizeof(p), name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(p, mode), 0);
}

/* The content of dir/name, or "(absent)"; static buffer. */
static const char *content(const char *name)
{
    static char buf[256];
    char p[256];
    FILE *f;
    size_t n;

    at(p, sizeof(p), name);
    f = fopen(p, "r");
    if (f == NULL) {
        return "(absent)";
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* How many entries of dir hold ".tmp." (temporary files left behind). */
static int temporaries(void)
{
    char cmd[300];
    FILE *p;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "ls -A %s | grep -c '\\.tmp\\.'", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Opens path alone (against no input file but stdin) in mode; 0 or -1. */
static int open_alone(struct output *out, const char *path, enum output_mode mode,
                      struct a2a_error *err)
{
    struct output *list[] = {out};
    const char *inputs[] = {"/nonexistent-input"};

    memset(err, 0, sizeof(*err));
    output_init(out, "-o", path, mode);
    return outputs_open(list, 1, inputs, 1, err);
}

static void test_regular_file_replaced_keeping_mode(void **state)
{
    char p[256];
    struct output out = {0};
    struct a2a_error err;
    struct stat st;

    (void)state;
    put("reg.json", "old", 0604);
    at(p, sizeof(p), "reg.json");
    assert_int_equal(open_alone(&out, p, OUTPUT_WHOLE, &err), 0);
    assert_false(out.direct);
    fputs("new", out.f);
    assert_string_equal(content("reg.json"), "old"); /* nothing shows before close */
    assert_int_equal(output_close(&out, 1, &err), 0);
    assert_string_equal(content("reg.json"), "new");
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0604);
    assert_int_equal(temporaries(), 0);
}

static void test_discarded_leaves_file_as_it_was(void **state)
{
    char p[256];
    struct output out = {0};
    struct a2a_error err;

    (void)state;
    put("keep.json", "old", 0644);
    at(p, sizeof(p), "keep.json");
    assert_int_equal(open_alone(&out, p, OUTPUT_WHOLE, &err), 0);
    fputs("new", out.f);
    assert_int_equal(output_close(&out, 0, &err), 0);
    assert_string_equal(content("keep.json"), "old");
    assert_int_equal(temporaries(), 0);
}

static void test_new_file_gets_umask(void **state)
{
    char p[256];
    struct output out = {0};
    struct a2a_error err;
    struct stat st;
    mode_t old = umask(026);

    (void)state;
    at(p, sizeof(p), "new.json");
    assert_int_equal(open_alone(&out, p, OUTPUT_WHOLE, &err), 0);
    assert_int_equal(output_close(&out, 1, &err), 0);
    umask(old);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_link_kept_target_replaced(void **state)
{
    char p[256];
    char t[256];
    char link[256];
    struct output out = {0};
    struct a2a_error err;
    struct stat st;
    ssize_t n;

    (void)state;
    put("target.json", "old", 0644);
    at(p, sizeof(p), "link.json");
    at(t, sizeof(t), "target.json");
    assert_int_equal(symlink("target.json", p), 0);
    assert_int_equal(open_alone(&out, p, OUTPUT_WHOLE, &err), 0);
    fputs("new", out.f);
    assert_int_equal(output_close(&out, 1, &err), 0);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    n = readlink(p, link, sizeof(link) - 1);
    assert_int_equal(n, 11);
    link[n] = '\0';
    assert_string_equal(link, "target.json");
    assert_string_equal(content("target.json"), "new");
    assert_int_equal(temporaries(), 0);
}

static void test_direct_kinds(void **state)
{
    const char *paths[] = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/fd/1",
                           "/proc/self/fd/2"};
    struct output out = {0};
    struct a2a_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (open_alone(&out, paths[i], OUTPUT_WHOLE, &err) != 0) {
            row_fail("%s: refused: %s", paths[i], err.msg);
            continue;
        }
        if (!out.direct || out.tmp != NULL) {
            row_fail("%s: not written directly (tmp %s)", paths[i], out.tmp ? out.tmp : "-");
        }
        if (output_close(&out, 1, &err) != 0) {
            row_fail("%s: close failed: %s", paths[i], err.msg);
        }
    }
    rows_done();
}

static void test_refused_paths(void **state)
{
    struct {
        const char *path;
        const char *want;
    } rows[] = {
        {"/nonexistent-dir/x.json", "-o /nonexistent-dir/x.json: cannot create: No such file"},
        /* an existing file in a directory where no file can be made beside it */
        {"/proc/version", "-o /proc/version: cannot create its replacement beside it: "},
        {"/tmp", "-o /tmp: is a directory"},
        {"/dev/fd/999", "-o /dev/fd/999: cannot use: Bad file descriptor"},
        {"", "-o: an empty path"}, /* else found at rename time, the response lost */
    };
    struct output out = {0};
    struct a2a_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (open_alone(&out, rows[i].path, OUTPUT_WHOLE, &err) == 0) {
            row_fail("%s: accepted", rows[i].path);
            output_close(&out, 0, NULL);
        } else if (err.code != A2A_E_CONFIG || strstr(err.msg, rows[i].want) == NULL) {
            row_fail("%s: \"%s\" (code %d), expected \"%s\"", rows[i].path, err.msg, (int)err.code,
                     rows[i].want);
        }
    }
    rows_done();
}

/* A later output refused: the earlier ones leave nothing behind and change nothing. */
static void test_all_or_nothing(void **state)
{
    char whole[256];
    char stream_new[256];
    char stream_old[256];
    struct output a;
    struct output b;
    struct output c;
    struct output d;
    struct output *list[] = {&a, &b, &c, &d};
    struct a2a_error err = {.code = A2A_OK};

    (void)state;
    at(whole, sizeof(whole), "w.json");
    at(stream_new, sizeof(stream_new), "s-new.ndjson");
    at(stream_old, sizeof(stream_old), "s-old.ndjson");
    put("s-old.ndjson", "old report", 0644);
    output_init(&a, "-o", whole, OUTPUT_WHOLE);
    output_init(&b, "--report", stream_new, OUTPUT_STREAM);
    output_init(&c, "--acked", stream_old, OUTPUT_STREAM);
    output_init(&d, "--failed-out", "/nonexistent-dir/f.json", OUTPUT_WHOLE);
    assert_int_equal(outputs_open(list, 4, NULL, 0, &err), -1);
    assert_string_equal(content("w.json"), "(absent)");
    assert_string_equal(content("s-new.ndjson"), "(absent)");
    assert_string_equal(content("s-old.ndjson"), "old report");
    assert_int_equal(temporaries(), 0);
    assert_null(a.f);
    assert_null(b.f);
    assert_null(c.f);
}

/* An output on an input, or two outputs on one file, are refused before anything changes. */
static void test_overlaps(void **state)
{
    char in[256];
    char hard[256];
    char other[256];
    struct output a;
    struct output b;
    struct output *list[] = {&a, &b};
    const char *inputs[] = {"/nonexistent-input", in};
    struct a2a_error err = {.code = A2A_OK};

    (void)state;
    put("in.json", "input", 0644);
    at(in, sizeof(in), "in.json");
    at(hard, sizeof(hard), "hard.json");
    at(other, sizeof(other), "other.json");
    assert_int_equal(link(in, hard), 0);
    output_init(&a, "-o", other, OUTPUT_WHOLE);
    output_init(&b, "--report", hard, OUTPUT_STREAM);
    assert_int_equal(outputs_open(list, 2, inputs, 2, &err), -1);
    assert_non_null(strstr(err.msg, "--report"));
    assert_non_null(strstr(err.msg, "is the input"));
    assert_string_equal(content("in.json"), "input");

    memset(&err, 0, sizeof(err));
    output_init(&a, "-o", other, OUTPUT_WHOLE);
    output_init(&b, "--failed-out", other, OUTPUT_WHOLE);
    assert_int_equal(outputs_open(list, 2, inputs, 1, &err), -1);
    assert_non_null(strstr(err.msg, "the same file"));
    assert_int_equal(temporaries(), 0);

    /* a device is written as it is: /dev/null takes two outputs */
    memset(&err, 0, sizeof(err));
    output_init(&a, "-o", "/dev/null", OUTPUT_WHOLE);
    output_init(&b, "--report", "/dev/null", OUTPUT_STREAM);
    assert_int_equal(outputs_open(list, 2, inputs, 1, &err), 0);
    assert_int_equal(output_close(&a, 1, &err), 0);
    assert_int_equal(output_close(&b, 1, &err), 0);
}

/* A stream created for a run that never starts is removed again. */
static void test_stream_created_then_discarded(void **state)
{
    char p[256];
    struct output out = {0};
    struct a2a_error err;

    (void)state;
    at(p, sizeof(p), "fresh.ndjson");
    assert_int_equal(open_alone(&out, p, OUTPUT_STREAM, &err), 0);
    assert_true(out.created);
    assert_string_equal(content("fresh.ndjson"), "");
    assert_int_equal(output_close(&out, 0, &err), 0);
    assert_string_equal(content("fresh.ndjson"), "(absent)");
}

static void test_write_error_reported(void **state)
{
    struct output out = {0};
    struct a2a_error err;

    (void)state;
    assert_int_equal(open_alone(&out, "/dev/full", OUTPUT_WHOLE, &err), 0);
    fputs("x", out.f);
    assert_int_equal(output_close(&out, 1, &err), -1);
    assert_int_equal(err.code, A2A_E_IO);
    assert_string_equal(err.msg, "-o /dev/full: write error: No space left on device");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_file_replaced_keeping_mode),
        cmocka_unit_test(test_discarded_leaves_file_as_it_was),
        cmocka_unit_test(test_new_file_gets_umask),
        cmocka_unit_test(test_link_kept_target_replaced),
        cmocka_unit_test(test_direct_kinds),
        cmocka_unit_test(test_refused_paths),
        cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_stream_created_then_discarded),
        cmocka_unit_test(test_write_error_reported),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
