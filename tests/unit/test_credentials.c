/*
 * cli/credentials.h: where the token comes from, which tokens are refused, and that a read
 * error is an error: read() is wrapped (-Wl,--wrap=read) so that a row can make it fail
 * part way through the file, as a disk or network file system may.
 */
#include <errno.h>
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

#include "credentials.h"

#define TOKEN_MAX 16384

/* ---- read() with injected failures --------------------------------------------------- */

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

/*
 * When script is set, each read() takes the next step: a positive count (at most that many
 * real bytes), or -errno to fail with. Past the script, reads are real.
 */
static const int *script;
static size_t script_len;
static size_t script_pos;

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    if (script != NULL && script_pos < script_len) {
        int step = script[script_pos++];
        if (step < 0) {
            errno = -step;
            return -1;
        }
        return __real_read(fd, buf, n < (size_t)step ? n : (size_t)step);
    }
    return __real_read(fd, buf, n);
}

/* ---- rows ---------------------------------------------------------------------------- */

struct file_row {
    const char *name;
    const char *content; /* NULL: built by fill() */
    size_t len;
    int script[4];          /* read() steps, 0-terminated */
    const char *want_token; /* NULL: refused */
    const char *want_msg;   /* part of the message when refused */
};

#define TEXT(s) s, sizeof(s) - 1

static const struct file_row file_rows[] = {
    {"plain", TEXT("abc"), {0}, "abc", NULL},
    {"trailing newlines stripped", TEXT("abc\r\n\n"), {0}, "abc", NULL},
    {"short reads add up", TEXT("abcdef\n"), {2, 1, 3, 0}, "abcdef", NULL},
    {"EINTR is retried", TEXT("abc\n"), {-EINTR, 0}, "abc", NULL},
    {"read error after part of the token", TEXT("x-secret-1\n"), {3, -EIO, 0}, NULL, "cannot read"},
    {"read error at once",
     TEXT("x-secret-2"),
     {-EIO, 0},
     NULL,
     "cannot read the file named: Input/output error"},
    {"empty", TEXT(""), {0}, NULL, "the token is empty"},
    {"only a newline", TEXT("\n"), {0}, NULL, "the token is empty"},
    {"inner space", TEXT("x-secret- 3"), {0}, NULL, "white space or a control character"},
    {"inner newline", TEXT("x-secret-\n4"), {0}, NULL, "white space or a control character"},
    {"DEL", TEXT("x-secret-\x7f"), {0}, NULL, "white space or a control character"},
};

static char path[] = "/tmp/a2a-test-credentials.XXXXXX";

static void write_file(const char *content, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Loads from path; checks the outcome against want_token / want_msg. */
static void check_load(const char *row, const char *file, const char *want_token,
                       const char *want_msg)
{
    struct credentials c;
    struct a2a_error err = {.code = A2A_OK};
    int warn = -1;
    int rc = credentials_load(&c, file, &warn, &err);

    if (want_token != NULL) {
        if (rc != 0) {
            row_fail("%s: refused (%s)", row, err.msg);
        } else if (c.token == NULL || strcmp(c.token, want_token) != 0) {
            row_fail("%s: token \"%.20s\", expected \"%.20s\"", row, c.token ? c.token : "(none)",
                     want_token);
        }
    } else if (rc != -1 || err.code != A2A_E_CONFIG || c.token != NULL) {
        row_fail("%s: accepted (rc %d, code %d), expected refused", row, rc, (int)err.code);
    } else if (strstr(err.msg, want_msg) == NULL) {
        row_fail("%s: message \"%s\" lacks \"%s\"", row, err.msg, want_msg);
    } else if (strstr(err.msg, "-secret-") != NULL) {
        row_fail("%s: message \"%s\" shows the token", row, err.msg);
    }
    credentials_free(&c);
}

static void test_token_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(file_rows) / sizeof(file_rows[0]); i++) {
        const struct file_row *r = &file_rows[i];

        write_file(r->content, r->len, 0600);
        script_len = 0;
        while (script_len < 4 && r->script[script_len] != 0) {
            script_len++;
        }
        script = r->script;
        script_pos = 0;
        check_load(r->name, path, r->want_token, r->want_msg);
        if (script_pos != script_len) {
            row_fail("%s: %zu of %zu scripted reads happened", r->name, script_pos, script_len);
        }
        script = NULL;
    }
    rows_done();
}

/* The 16 KiB limit: nothing past it is ignored, newline or not. */
static void test_token_size(void **state)
{
    char *big = malloc(TOKEN_MAX + 4);
    char *want = malloc(TOKEN_MAX + 1);

    (void)state;
    assert_non_null(big);
    assert_non_null(want);
    memset(big, 'a', TOKEN_MAX + 4);
    memset(want, 'a', TOKEN_MAX);
    want[TOKEN_MAX] = '\0';

    /* 16 KiB is the token's limit, its line end not counted */
    write_file(big, TOKEN_MAX, 0600);
    check_load("16384 bytes", path, want, NULL);
    big[TOKEN_MAX] = '\n';
    write_file(big, TOKEN_MAX + 1, 0600);
    check_load("16384 bytes and a newline", path, want, NULL);
    big[TOKEN_MAX] = '\r';
    big[TOKEN_MAX + 1] = '\n';
    write_file(big, TOKEN_MAX + 2, 0600);
    check_load("16384 bytes and CRLF", path, want, NULL);
    big[TOKEN_MAX] = 'a';
    write_file(big, TOKEN_MAX + 1, 0600);
    check_load("16385 bytes", path, NULL, "the token is longer than 16384 bytes");
    big[TOKEN_MAX] = '\n';
    big[TOKEN_MAX + 1] = 'b';
    write_file(big, TOKEN_MAX + 2, 0600);
    check_load("16384 bytes, a newline and more", path, NULL, "longer than 16384 bytes");
    big[TOKEN_MAX + 1] = '\n';
    big[TOKEN_MAX + 2] = '\n';
    write_file(big, TOKEN_MAX + 3, 0600);
    check_load("16384 bytes and three newlines", path, NULL, "longer than 16384 bytes");
    memset(big, 'a', TOKEN_MAX + 4);
    write_file(big, TOKEN_MAX + 4, 0600);
    check_load("16388 bytes", path, NULL, "longer than 16384 bytes");
    free(big);
    free(want);
    rows_done();
}

/* A directory opens but does not read: refused with the reason, not as an empty token, and
 * not named (check_load fails a message holding "-secret-"). */
static void test_token_file_directory(void **state)
{
    char dir[] = "/tmp/a2a-secret-XXXXXX";

    (void)state;
    assert_non_null(mkdtemp(dir));
    check_load("a directory", dir, NULL,
               "--token-file: cannot read the file named: Is a directory");
    check_load("a missing file", "/nonexistent/a2a-secret-token", NULL,
               "--token-file: cannot open the file named: No such file or directory");
    rmdir(dir);
    rows_done();
}

static void test_sources_and_mode(void **state)
{
    struct credentials c;
    struct a2a_error err = {.code = A2A_OK};
    int warn = -1;

    (void)state;
    unsetenv("A2A_RECOVER_TOKEN");
    assert_int_equal(credentials_load(&c, NULL, &warn, &err), 0);
    assert_null(c.token);
    assert_int_equal(warn, 0);

    setenv("A2A_RECOVER_TOKEN", "", 1);
    assert_int_equal(credentials_load(&c, NULL, &warn, &err), 0);
    assert_null(c.token);

    setenv("A2A_RECOVER_TOKEN", "from-env", 1);
    assert_int_equal(credentials_load(&c, NULL, &warn, &err), 0);
    assert_string_equal(c.token, "from-env");
    credentials_free(&c);
    assert_null(c.token);

    setenv("A2A_RECOVER_TOKEN", "bad env", 1);
    assert_int_equal(credentials_load(&c, NULL, &warn, &err), -1);
    assert_non_null(strstr(err.msg, "A2A_RECOVER_TOKEN: the token contains white space"));
    assert_null(strstr(err.msg, "bad env"));

    /* the file wins over the environment; group or other access draws the warning */
    setenv("A2A_RECOVER_TOKEN", "from-env", 1);
    write_file("from-file\n", 10, 0600);
    assert_int_equal(credentials_load(&c, path, &warn, &err), 0);
    assert_string_equal(c.token, "from-file");
    assert_int_equal(warn, 0);
    credentials_free(&c);
    write_file("from-file\n", 10, 0640);
    assert_int_equal(credentials_load(&c, path, &warn, &err), 0);
    assert_int_equal(warn, 1);
    credentials_free(&c);
    write_file("from-file\n", 10, 0604);
    assert_int_equal(credentials_load(&c, path, &warn, &err), 0);
    assert_int_equal(warn, 1);
    credentials_free(&c);
    unsetenv("A2A_RECOVER_TOKEN");
}

static int setup(void **state)
{
    int fd = mkstemp(path);

    (void)state;
    if (fd < 0) {
        return -1;
    }
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_files),
        cmocka_unit_test(test_token_size),
        cmocka_unit_test(test_token_file_directory),
        cmocka_unit_test(test_sources_and_mode),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
