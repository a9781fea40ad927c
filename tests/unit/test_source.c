/*
 * source.h: the memory and files sources, read directly (no scanner): what next() names,
 * how read() ends, what an unreadable input says, and the wait hook and deadline of pipes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "source.h"

struct tmpdir {
    char dir[64];
    char path[4][128];
};

static int setup_tmp(void **state)
{
    struct tmpdir *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    snprintf(t->dir, sizeof(t->dir), "/tmp/a2a-source.XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    for (int i = 0; i < 4; i++) {
        snprintf(t->path[i], sizeof(t->path[i]), "%s/f%d", t->dir, i);
    }
    *state = t;
    return 0;
}

static int teardown_tmp(void **state)
{
    struct tmpdir *t = *state;

    for (int i = 0; i < 4; i++) {
        (void)unlink(t->path[i]);
        (void)rmdir(t->path[i]);
    }
    assert_int_equal(rmdir(t->dir), 0);
    free(t);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* Reads the current input to its end in reads of at most cap bytes. */
static size_t read_all(struct a2a_source *src, char *out, size_t outcap, size_t cap,
                       struct a2a_error *err)
{
    size_t len = 0;

    for (;;) {
        ssize_t n = src->read(src->ctx, (unsigned char *)out + len, cap, err);
        assert_true(n >= 0);
        assert_true((size_t)n <= cap);
        if (n == 0) {
            break;
        }
        len += (size_t)n;
        assert_true(len + cap <= outcap);
    }
    /* The end stays the end. */
    assert_int_equal(src->read(src->ctx, (unsigned char *)out + len, cap, err), 0);
    return len;
}

static void test_memory(void **state)
{
    static const char text[] = "{\"Records\":[]}";
    struct a2a_memory m = {.bytes = text, .len = sizeof(text) - 1, .name = "mem.json"};
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;
    char out[64];

    (void)state;
    a2a_memory_source(&src, &m);
    assert_null(src.close); /* the caller owns m */
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_string_equal(name, "mem.json");
    for (size_t cap = 1; cap <= sizeof(text); cap++) {
        memset(out, 0, sizeof(out));
        m.pos = 0;
        assert_int_equal(read_all(&src, out, sizeof(out), cap, &err), sizeof(text) - 1);
        assert_memory_equal(out, text, sizeof(text) - 1);
    }
    assert_int_equal(src.next(src.ctx, &name, &err), 0); /* one input only */
    assert_int_equal(src.next(src.ctx, &name, &err), 0);

    /* No name: a fixed one; an empty buffer is an input that ends at once. */
    m = (struct a2a_memory){.bytes = "", .len = 0};
    a2a_memory_source(&src, &m);
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_string_equal(name, "<memory>");
    assert_int_equal(src.read(src.ctx, (unsigned char *)out, sizeof(out), &err), 0);
    assert_int_equal(err.code, A2A_OK);
}

static void test_files_in_order(void **state)
{
    struct tmpdir *t = *state;
    const char *paths[] = {t->path[0], t->path[1]};
    struct a2a_files_config cfg = {.paths = paths, .npaths = 2};
    struct a2a_files *f = NULL;
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;
    char out[64];

    write_file(t->path[0], "{\"a\":1}");
    write_file(t->path[1], "");
    assert_int_equal(a2a_files_open(&f, &cfg, &err), 0);
    a2a_files_source(&src, f);
    assert_null(src.close); /* freed with a2a_files_free() */
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_string_equal(name, t->path[0]);
    assert_int_equal(read_all(&src, out, sizeof(out), 3, &err), 7);
    assert_memory_equal(out, "{\"a\":1}", 7);
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_string_equal(name, t->path[1]);
    assert_int_equal(read_all(&src, out, sizeof(out), 3, &err), 0);
    assert_int_equal(src.next(src.ctx, &name, &err), 0);
    assert_int_equal(err.code, A2A_OK);
    a2a_files_free(&f);
    assert_null(f);
    a2a_files_free(&f); /* NULL-safe */
}

/* regular(): a named file, and standard input only when it is a file read from its byte 0. */
static void regular_of_stdin(off_t at, int *fd, uint64_t *size, int *got)
{
    struct a2a_files_config cfg = {.npaths = 0};
    struct a2a_files *f = NULL;
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;

    assert_int_equal(lseek(STDIN_FILENO, at, SEEK_SET), at);
    assert_int_equal(a2a_files_open(&f, &cfg, &err), 0);
    a2a_files_source(&src, f);
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_string_equal(name, "<stdin>");
    *got = src.regular(src.ctx, fd, size);
    a2a_files_free(&f);
}

static void test_files_regular(void **state)
{
    struct tmpdir *t = *state;
    const char *paths[] = {t->path[0]};
    struct a2a_files_config cfg = {.paths = paths, .npaths = 1};
    struct a2a_files *f = NULL;
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;
    int saved = dup(STDIN_FILENO);
    int fd = -1;
    uint64_t size = 0;
    int got;

    write_file(t->path[0], "{\"a\":1}\n{\"b\":2}\n");
    assert_int_equal(a2a_files_open(&f, &cfg, &err), 0);
    a2a_files_source(&src, f);
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_int_equal(src.regular(src.ctx, &fd, &size), 1);
    assert_true(fd >= 0);
    assert_int_equal(size, 16);
    a2a_files_free(&f);

    assert_true(saved >= 0);
    fd = open(t->path[0], O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    regular_of_stdin(0, &fd, &size, &got);
    assert_int_equal(got, 1);
    assert_int_equal(size, 16);
    /* `{ read -r line; a2a-recover; } < file`: byte 0 of the input is byte 8 of the file, so
     * the file's own offsets (pread(), seek()) would be wrong: read it in order only. */
    regular_of_stdin(8, &fd, &size, &got);
    assert_int_equal(got, 0);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void test_files_errors(void **state)
{
    struct tmpdir *t = *state;
    const char *paths[] = {t->path[2], t->path[3]};
    struct a2a_files_config cfg = {.paths = paths, .npaths = 2};
    struct a2a_files *f = NULL;
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;
    char want[256];

    assert_int_equal(mkdir(t->path[3], 0700), 0);
    assert_int_equal(a2a_files_open(&f, &cfg, &err), 0);
    a2a_files_source(&src, f);

    /* A missing file: -1, and the name says which input failed. */
    assert_int_equal(src.next(src.ctx, &name, &err), -1);
    assert_int_equal(err.code, A2A_E_INPUT);
    assert_string_equal(name, t->path[2]);
    snprintf(want, sizeof(want), "%s: cannot open: ", t->path[2]);
    assert_memory_equal(err.msg, want, strlen(want));

    err = (struct a2a_error){A2A_OK, ""};
    assert_int_equal(src.next(src.ctx, &name, &err), -1);
    assert_int_equal(err.code, A2A_E_INPUT);
    snprintf(want, sizeof(want), "%s: is a directory, not a file", t->path[3]);
    assert_string_equal(err.msg, want);
    a2a_files_free(&f);
}

struct hook_log {
    int calls;
    int fd;
};

static void hook(void *ctx, int fd)
{
    struct hook_log *h = ctx;

    h->calls++;
    h->fd = fd;
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pipe may block: the hook runs before each read, and a deadline stops the wait. */
static void test_files_pipe_wait(void **state)
{
    struct tmpdir *t = *state;
    const char *paths[] = {t->path[0], t->path[1]};
    struct hook_log h = {0, -1};
    struct a2a_files_config cfg = {.paths = paths, .npaths = 2, .wait_hook = hook, .wait_ctx = &h};
    struct a2a_files *f = NULL;
    struct a2a_source src;
    struct a2a_error err = {A2A_OK, ""};
    const char *name = NULL;
    unsigned char out[16];
    int writer;

    write_file(t->path[0], "[]");
    assert_int_equal(mkfifo(t->path[1], 0600), 0);
    writer = open(t->path[1], O_RDWR | O_NONBLOCK); /* a writer, so opening it does not wait */
    assert_true(writer >= 0);
    assert_int_equal(a2a_files_open(&f, &cfg, &err), 0);
    a2a_files_source(&src, f);

    /* A regular file never blocks: no hook. */
    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_int_equal(src.read(src.ctx, out, sizeof(out), &err), 2);
    assert_int_equal(h.calls, 0);

    assert_int_equal(src.next(src.ctx, &name, &err), 1);
    assert_int_equal(write(writer, "{}", 2), 2);
    assert_int_equal(src.read(src.ctx, out, sizeof(out), &err), 2);
    assert_int_equal(h.calls, 1);
    assert_true(h.fd >= 0);

    /* Nothing more comes before the deadline: interrupted, with how far it got. */
    a2a_files_set_deadline(f, mono_ms() + 20);
    assert_int_equal(src.read(src.ctx, out, sizeof(out), &err), -1);
    assert_int_equal(err.code, A2A_E_INTERRUPTED);
    {
        char want[256];
        snprintf(want, sizeof(want), "%s: reading stopped with 2 bytes of it read", t->path[1]);
        assert_string_equal(err.msg, want);
    }
    assert_int_equal(h.calls, 2);
    close(writer);
    a2a_files_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory),
        cmocka_unit_test_setup_teardown(test_files_in_order, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_files_regular, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_files_errors, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_files_pipe_wait, setup_tmp, teardown_tmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
