/*
 * cli/options.h: the validators' accepted and refused edges, -H lines and -H @FILE, the
 * cross-option checks and the guard against abbreviated long options. Every row states what
 * options_parse() must do with one command line; a row that parses the other way, or to
 * another value, fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rows.h"

#include "options.h"

#define MAX_ARGS 8

/* Parses "a2a-recover ARGS..." (args NULL-terminated); returns options_parse()'s result. */
static int parse(struct options *o, const char *const *args, struct a2a_error *err)
{
    /* static: o->files points into it after the call */
    static char *argv[MAX_ARGS + 2];
    int argc = 0;

    argv[argc++] = "a2a-recover";
    for (size_t i = 0; i < MAX_ARGS && args[i] != NULL; i++) {
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    memset(err, 0, sizeof(*err));
    return options_parse(o, argc, argv, err);
}

/* Checks a refused row: -1, A2A_E_CONFIG, and a message holding want (and never secret). */
static void check_refused(const char *row, int rc, const struct a2a_error *err, const char *want,
                          const char *secret)
{
    if (rc != -1 || err->code != A2A_E_CONFIG) {
        row_fail("%s: accepted (rc %d, code %d), expected refused", row, rc, (int)err->code);
        return;
    }
    if (strstr(err->msg, want) == NULL) {
        row_fail("%s: message \"%s\" lacks \"%s\"", row, err->msg, want);
    }
    if (secret != NULL && strstr(err->msg, secret) != NULL) {
        row_fail("%s: message \"%s\" repeats \"%s\"", row, err->msg, secret);
    }
}

static int setup(void **state)
{
    (void)state;
    unsetenv("A2A_RECOVER_URL");
    unsetenv("A2A_RECOVER_TOKEN");
    return 0;
}

/* ---- seconds: --timeout, --connect-timeout, --max-time --------------------------------- */

struct seconds_row {
    const char *opt;
    const char *arg;
    long want_ms; /* -1: refused */
};

static const struct seconds_row seconds_rows[] = {
    {"--timeout", "0.001", 1},
    {"--timeout", "3600", 3600000},
    {"--timeout", "1.", 1000},
    {"--timeout", "30", 30000},
    {"--timeout", "0.5", 500},
    {"--timeout", "0.05", 50},
    {"--timeout", "3599.999", 3599999},
    {"--timeout", "3600.000", 3600000},
    {"--timeout", "007", 7000},
    {"--timeout", "3600.001", -1},
    {"--timeout", "3601", -1},
    {"--timeout", "5s", -1},
    {"--timeout", "-1", -1},
    {"--timeout", "", -1},
    {"--timeout", "0", -1},
    {"--timeout", "0.0", -1},
    {"--timeout", "0.0001", -1},
    {"--timeout", ".5", -1},
    {"--timeout", "+1", -1},
    {"--timeout", "1.+5", -1},
    {"--timeout", "1.-5", -1},
    {"--timeout", "1.2.3", -1},
    {"--timeout", " 1", -1},
    {"--timeout", "1 ", -1},
    {"--timeout", "1e3", -1},
    {"--timeout", "0x10", -1},
    {"--timeout", "nan", -1},
    {"--timeout", "18446744073709551616", -1},
    {"--timeout", "18446744073709551.615", -1},
    /* whole * 1000 would wrap round to 384 ms */
    {"--timeout", "18446744073709552", -1},
    {"--timeout", "18446744073709552.001", -1},
    {"--connect-timeout", "0.001", 1},
    {"--connect-timeout", "600", 600000},
    {"--connect-timeout", "1.", 1000},
    {"--connect-timeout", "600.001", -1},
    {"--connect-timeout", "5s", -1},
    {"--connect-timeout", "-1", -1},
    {"--connect-timeout", "", -1},
    {"--max-time", "0.001", 1},
    {"--max-time", "1.5", 1500},
    {"--max-time", "2592000", 2592000000L},
    {"--max-time", "2592000.001", -1},
    {"--max-time", "0", -1},
    {"--max-time", "1m", -1},
    {"--max-time", "-5", -1},
    {"--max-time", "", -1},
};

static void test_seconds(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(seconds_rows) / sizeof(seconds_rows[0]); i++) {
        const struct seconds_row *r = &seconds_rows[i];
        const char *args[] = {"-n", r->opt, r->arg, NULL};
        struct options o;
        struct a2a_error err;
        char row[128];
        int rc = parse(&o, args, &err);
        long got = strcmp(r->opt, "--timeout") == 0    ? o.timeout_ms
                   : strcmp(r->opt, "--max-time") == 0 ? o.max_time_ms
                                                       : o.connect_timeout_ms;

        snprintf(row, sizeof(row), "%s \"%s\"", r->opt, r->arg);
        if (r->want_ms < 0) {
            check_refused(row, rc, &err, r->opt, NULL);
        } else if (rc != 0) {
            row_fail("%s: refused (%s), expected %ld ms", row, err.msg, r->want_ms);
        } else if (got != r->want_ms) {
            row_fail("%s: %ld ms, expected %ld ms", row, got, r->want_ms);
        }
        options_free(&o);
    }
    rows_done();
}

/* ---- whole numbers ----------------------------------------------------------------------- */

enum field { F_CONCURRENCY, F_RETRIES, F_RATE, F_THREADS, F_MAX_RECORD };

struct number_row {
    const char *opt;
    enum field field;
    const char *arg;
    long long want; /* -1: refused */
};

static const struct number_row number_rows[] = {
    {"-j", F_CONCURRENCY, "1", 1},
    {"-j", F_CONCURRENCY, "256", 256},
    {"--concurrency", F_CONCURRENCY, "16", 16},
    {"-j", F_CONCURRENCY, "0", -1},
    {"-j", F_CONCURRENCY, "257", -1},
    {"-j", F_CONCURRENCY, "-1", -1},
    {"-j", F_CONCURRENCY, "+1", -1},
    {"-j", F_CONCURRENCY, "", -1},
    {"-j", F_CONCURRENCY, "1.0", -1},
    {"-j", F_CONCURRENCY, "8x", -1},
    {"-j", F_CONCURRENCY, "4294967297", -1},
    {"--retries", F_RETRIES, "0", 0},
    {"--retries", F_RETRIES, "10", 10},
    {"--retries", F_RETRIES, "11", -1},
    {"--retries", F_RETRIES, "-1", -1},
    {"--rate", F_RATE, "0", 0},
    {"--rate", F_RATE, "100000", 100000},
    {"--rate", F_RATE, "100001", -1},
    {"--rate", F_RATE, "1.5", -1},
    {"--threads", F_THREADS, "1", 1},
    {"--threads", F_THREADS, "64", 64},
    {"--threads", F_THREADS, "0", -1},
    {"--threads", F_THREADS, "65", -1},
    {"--max-record-size", F_MAX_RECORD, "1024", 1024},
    {"--max-record-size", F_MAX_RECORD, "1073741824", 1073741824},
    {"--max-record-size", F_MAX_RECORD, "1023", -1},
    {"--max-record-size", F_MAX_RECORD, "1073741825", -1},
    {"--max-record-size", F_MAX_RECORD, "1k", -1},
};

static long long field_value(const struct options *o, enum field f)
{
    switch (f) {
    case F_CONCURRENCY:
        return o->concurrency;
    case F_RETRIES:
        return o->retries;
    case F_RATE:
        return (long long)o->rate;
    case F_THREADS:
        return o->threads;
    case F_MAX_RECORD:
        return (long long)o->max_record;
    }
    return -2;
}

static void test_whole_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(number_rows) / sizeof(number_rows[0]); i++) {
        const struct number_row *r = &number_rows[i];
        const char *args[] = {"-n", r->opt, r->arg, NULL};
        struct options o;
        struct a2a_error err;
        char row[128];
        int rc = parse(&o, args, &err);

        snprintf(row, sizeof(row), "%s \"%s\"", r->opt, r->arg);
        if (r->want < 0) {
            /* the message names the option as typed for -j, by its long name otherwise */
            check_refused(row, rc, &err, r->opt[1] == '-' ? r->opt : "-j", NULL);
        } else if (rc != 0) {
            row_fail("%s: refused (%s), expected %lld", row, err.msg, r->want);
        } else if (field_value(&o, r->field) != r->want) {
            row_fail("%s: %lld, expected %lld", row, field_value(&o, r->field), r->want);
        }
        options_free(&o);
    }
    rows_done();
}

/* ---- -H LINE ----------------------------------------------------------------------------- */

struct header_row {
    const char *arg;
    const char *want; /* accepted: the stored line; refused: part of the message */
    int ok;
};

static const struct header_row header_rows[] = {
    {"X-Api-Key: abc", "X-Api-Key: abc", 1},
    {"X-Empty:", "X-Empty:", 1},
    {"X-Tight:v", "X-Tight:v", 1},
    {"Authorization: Bearer t", "Authorization: Bearer t", 1},
    {"X-Colons: a:b:c", "X-Colons: a:b:c", 1},
    {"x-lower_case.1~!#$%&'*+^`|: v", "x-lower_case.1~!#$%&'*+^`|: v", 1},
    {"NoColon", "expected \"Name: value\"", 0},
    {": value", "expected \"Name: value\"", 0},
    {"", "expected \"Name: value\"", 0},
    {"Bad Name: v", "expected \"Name: value\"", 0},
    {"Bad(Name): v", "expected \"Name: value\"", 0},
    {"X-A: 1\r\nX-B: 2", "expected \"Name: value\"", 0},
    {"X-A: 1\n", "expected \"Name: value\"", 0},
    {"X-\x7f: v", "expected \"Name: value\"", 0},
    {"X-\xc3\xa9: v", "expected \"Name: value\"", 0},
    {"Content-Type: text/plain", "Content-Type is set by a2a-recover itself", 0},
    {"content-length: 1", "Content-Length is set by a2a-recover itself", 0},
    {"TRANSFER-ENCODING: chunked", "Transfer-Encoding is set", 0},
    {"Idempotency-Key: k", "Idempotency-Key is set", 0},
    {"Accept: */*", "Accept is set", 0},
    {"User-Agent: x", "User-Agent is set", 0},
    {"Expect:", "Expect is set", 0},
    {"Host: example.com", "Host is set", 0},
    {"Connection: close", "Connection is set", 0},
};

static void test_header_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(header_rows) / sizeof(header_rows[0]); i++) {
        const struct header_row *r = &header_rows[i];
        const char *args[] = {"-n", "-H", r->arg, NULL};
        struct options o;
        struct a2a_error err;
        char row[128];
        int rc = parse(&o, args, &err);

        snprintf(row, sizeof(row), "-H \"%s\"", r->arg);
        if (!r->ok) {
            check_refused(row, rc, &err, r->want, NULL);
            if (rc == -1 && strncmp(err.msg, "-H", 2) != 0) {
                row_fail("%s: message \"%s\" does not name -H", row, err.msg);
            }
        } else if (rc != 0) {
            row_fail("%s: refused (%s)", row, err.msg);
        } else if (o.nheaders != 1 || strcmp(o.headers[0], r->want) != 0) {
            row_fail("%s: stored %zu line(s), first \"%s\"", row, o.nheaders,
                     o.nheaders > 0 ? o.headers[0] : "");
        }
        options_free(&o);
    }
    rows_done();
}

/* Every separator of RFC 9110's token rule is refused in a name (':' ends the name). */
static void test_header_name_separators(void **state)
{
    const char *separators = "\"(),/;<=>?@[\\]{} \t";

    (void)state;
    for (const char *c = separators; *c != '\0'; c++) {
        char line[16];
        const char *args[] = {"-n", "-H", line, NULL};
        struct options o;
        struct a2a_error err;

        snprintf(line, sizeof(line), "X%cY: v", *c);
        check_refused(line, parse(&o, args, &err), &err, "expected \"Name: value\"", NULL);
        options_free(&o);
    }
    rows_done();
}

/* A header typed as -H LINE is noted (a credential among them is warned about, and redacted
   in a continuation); one read from -H @FILE is not. */
static void test_argv_headers(void **state)
{
    const char *plain[] = {"-n", "-H", "X-Tenant: acme", NULL};
    /* MAX_ARGS words: the attached form -HLINE keeps the row short */
    const char *secret[] = {"-n", "-HX-Tenant: acme", "-H", "Authorization: Bearer t",
                            "-H", "Cookie: a=b",      "-H", "X-Api-Key: K",
                            NULL};
    char path[] = "/tmp/a2a-test-options.XXXXXX";
    char arg[64];
    const char *from_file[] = {"-n", "-H", arg, NULL};
    struct options o;
    struct a2a_error err;
    int fd = mkstemp(path);

    (void)state;
    assert_int_equal(parse(&o, plain, &err), 0);
    assert_int_equal(o.nargv_headers, 1);
    options_free(&o);
    assert_int_equal(parse(&o, secret, &err), 0);
    assert_int_equal(o.nargv_headers, 4); /* each is looked at, not the first alone */
    assert_string_equal(o.argv_headers[0], "X-Tenant: acme");
    assert_string_equal(o.argv_headers[1], "Authorization: Bearer t");
    assert_string_equal(o.argv_headers[2], "Cookie: a=b");
    assert_string_equal(o.argv_headers[3], "X-Api-Key: K");
    options_free(&o);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Authorization: Bearer t\n", 24), 24);
    close(fd);
    snprintf(arg, sizeof(arg), "@%s", path);
    assert_int_equal(parse(&o, from_file, &err), 0);
    assert_int_equal(o.nheaders, 1);
    assert_int_equal(o.nargv_headers, 0);
    options_free(&o);
    unlink(path);
}

static void test_headers_repeat_in_order(void **state)
{
    const char *args[] = {"-n", "-H", "X-A: 1", "--header", "X-B: 2", "-HX-C: 3", NULL};
    struct options o;
    struct a2a_error err;

    (void)state;
    assert_int_equal(parse(&o, args, &err), 0);
    assert_int_equal(o.nheaders, 3);
    assert_string_equal(o.headers[0], "X-A: 1");
    assert_string_equal(o.headers[1], "X-B: 2");
    assert_string_equal(o.headers[2], "X-C: 3");
    assert_true(options_has_header(&o, "x-b"));
    assert_false(options_has_header(&o, "X"));
    assert_false(options_has_header(&o, "Authorization"));
    options_free(&o);
}

/* ---- -H @FILE ---------------------------------------------------------------------------- */

struct file_row {
    const char *name;
    const char *content;
    size_t len;
    int ok;
    const char *want[3]; /* accepted: the stored lines; refused: want[0] is part of the message */
};

#define TEXT(s) s, sizeof(s) - 1

static const struct file_row file_rows[] = {
    {"two headers, comments and blank lines",
     TEXT("# keys\n\nX-One: 1\r\n#X-Off: 0\nX-Two: 2"),
     1,
     {"X-One: 1", "X-Two: 2", NULL}},
    {"CRLF and blank CRLF lines",
     TEXT("X-One: 1\r\n\r\nX-Two: 2\r\n"),
     1,
     {"X-One: 1", "X-Two: 2", NULL}},
    {"empty file", TEXT(""), 1, {NULL}},
    {"bad line 3", TEXT("X-One: 1\n\nnot a header secret-1\n"), 0, {"line 3 is not a"}},
    {"NUL inside a line", TEXT("X-One: 1\nX-Two: a\0b\n"), 0, {"line 2 is not a"}},
    {"CR inside a line", TEXT("X-One: a\rb\n"), 0, {"line 1 is not a"}},
    {"reserved name", TEXT("# c\nhost: secret-2\n"), 0, {"line 2: Host is set by a2a-recover"}},
};

static void write_file(const char *path, const char *content, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_header_files(void **state)
{
    char path[] = "/tmp/a2a-test-options.XXXXXX";
    int fd = mkstemp(path);
    char arg[64];

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    snprintf(arg, sizeof(arg), "@%s", path);
    for (size_t i = 0; i < sizeof(file_rows) / sizeof(file_rows[0]); i++) {
        const struct file_row *r = &file_rows[i];
        const char *args[] = {"-n", "-H", arg, NULL};
        struct options o;
        struct a2a_error err;
        size_t want_n = 0;
        int rc;

        write_file(path, r->content, r->len);
        rc = parse(&o, args, &err);
        if (!r->ok) {
            /* the message names the file and the line, never the line's content */
            check_refused(r->name, rc, &err, r->want[0], "secret");
            check_refused(r->name, rc, &err, arg, NULL);
            options_free(&o);
            continue;
        }
        while (want_n < 3 && r->want[want_n] != NULL) {
            want_n++;
        }
        if (rc != 0) {
            row_fail("%s: refused (%s)", r->name, err.msg);
        } else if (o.nheaders != want_n) {
            row_fail("%s: %zu lines, expected %zu", r->name, o.nheaders, want_n);
        } else {
            for (size_t k = 0; k < want_n; k++) {
                if (strcmp(o.headers[k], r->want[k]) != 0) {
                    row_fail("%s: line %zu is \"%s\", expected \"%s\"", r->name, k, o.headers[k],
                             r->want[k]);
                }
            }
        }
        options_free(&o);
    }
    unlink(path);
    {
        const char *args[] = {"-n", "-H", arg, NULL};
        struct options o;
        struct a2a_error err;

        check_refused("missing file", parse(&o, args, &err), &err, "cannot open", NULL);
        options_free(&o);
    }
    rows_done();
}

/* ---- no abbreviated long options; unknown options never echo a value ---------------------- */

struct abbrev_row {
    const char *args[4];
    const char *want; /* NULL: accepted; else part of the message */
};

static const struct abbrev_row abbrev_rows[] = {
    {{"--dry-run", NULL}, NULL},
    {{"-n", "--timeout=5", NULL}, NULL},
    {{"-n", "--log-format", "json", NULL}, NULL},
    {{"--dry", NULL}, "unknown option --dry"},
    {{"--dry-run-now", NULL}, "unknown option --dry-run-now"},
    {{"-n", "--time", "5", NULL}, "unknown option --time"},
    {{"-n", "--tim=5", NULL}, "unknown option --tim"},
    {{"-n", "--token", "secret-3", NULL}, "unknown option --token"},
    {{"-n", "--token=secret-4", NULL}, "unknown option --token"},
    {{"-n", "--token-fil=secret-5", NULL}, "unknown option --token-fil"},
    {{"-n", "--head", "X-A: 1", NULL}, "unknown option --head"},
    {{"-n", "--verb", NULL}, "unknown option --verb"},
    {{"-n", "--password=secret-6", NULL}, "unknown option --password"},
    {{"-n", "--token", "secret-7", NULL}, "(did you mean --token-file FILE, or A2A_RECOVER_TOKEN?"},
    {{"-n", "--token=secret-8", NULL}, "(did you mean --token-file FILE, or A2A_RECOVER_TOKEN?"},
    {{"-n", "--retry", "3", NULL}, "unknown option --retry (did you mean --retries?)"},
    {{"-n", "--retry=3", NULL}, "unknown option --retry (did you mean --retries?)"},
    {{"-n", "--tim=5", NULL}, "unknown option --tim (did you mean --timeout?)"},
    {{"-n", "--token-fil=secret-9", NULL}, "(did you mean --token-file?)"},
    {{"-n", "--dry", NULL}, "unknown option --dry (did you mean --dry-run?)"},
    {{"-n", "--co", "1", NULL}, "unknown option --co"},
    /* review 65: a typo, not only a prefix, gets a guess (two edits at most, one nearest) */
    {{"-n", "--concurency", "4", NULL},
     "unknown option --concurency (did you mean --concurrency?)"},
    {{"-n", "--faild-out", "f", NULL}, "unknown option --faild-out (did you mean --failed-out?)"},
    {{"-n", "--failed_out", "f", NULL}, "unknown option --failed_out (did you mean --failed-out?)"},
    {{"-n", "--dry_run", NULL}, "unknown option --dry_run (did you mean --dry-run?)"},
    {{"-n", "--max-records-size=9", NULL},
     "unknown option --max-records-size (did you mean --max-record-size?)"},
    {{"-n", "--qiuet", NULL}, "unknown option --qiuet (did you mean --quiet?)"},
    {{"-n", "--token-file", "secret-10-not-a-file", NULL}, "--token-file: cannot read the file"},
    {{"-n", "-x", NULL}, "unknown option -x"},
    {{"-n", "-j", NULL}, "option -j needs a value"},
    {{"-n", "--timeout", NULL}, "option --timeout needs a value"},
    {{"-n", "--log-format", "xml", NULL}, "--log-format: \"xml\" is not text or json"},
};

static void test_abbreviations(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(abbrev_rows) / sizeof(abbrev_rows[0]); i++) {
        const struct abbrev_row *r = &abbrev_rows[i];
        struct options o;
        struct a2a_error err;
        char row[128];
        int rc = parse(&o, r->args, &err);

        snprintf(row, sizeof(row), "%s %s %s", r->args[0], r->args[1] ? r->args[1] : "",
                 r->args[1] && r->args[2] ? r->args[2] : "");
        if (r->want != NULL) {
            check_refused(row, rc, &err, r->want, "secret");
        } else if (rc != 0) {
            row_fail("%s: refused (%s)", row, err.msg);
        }
        options_free(&o);
    }
    rows_done();
    /* nothing within two edits: no guess */
    for (size_t i = 0; i < 2; i++) {
        static const char *const far[][3] = {{"-n", "--xyzzy", NULL},
                                             {"-n", "--concurrrrrency", NULL}};
        struct options o;
        struct a2a_error err;

        assert_int_not_equal(parse(&o, far[i], &err), 0);
        assert_null(strstr(err.msg, "did you mean"));
        options_free(&o);
    }
}

/* ---- checks across options ---------------------------------------------------------------- */

struct cross_row {
    const char *args[6];
    const char *env_url; /* A2A_RECOVER_URL, or NULL */
    const char *want;    /* NULL: accepted; else part of the message */
    const char *want_url;
};

static const struct cross_row cross_rows[] = {
    {{"-n", NULL}, NULL, NULL, NULL},
    {{"-u", "http://127.0.0.1:1/r", NULL}, NULL, NULL, "http://127.0.0.1:1/r"},
    {{"-u", "HTTPS://h/r", NULL}, NULL, NULL, "HTTPS://h/r"},
    {{NULL}, "http://127.0.0.1:2/r", NULL, "http://127.0.0.1:2/r"},
    {{"-u", "http://127.0.0.1:1/r", NULL}, "http://127.0.0.1:2/r", NULL, "http://127.0.0.1:1/r"},
    {{NULL}, NULL, "no dispatcher URL", NULL},
    {{NULL}, "", "no dispatcher URL", NULL},
    {{"-u", "", NULL}, NULL, "no dispatcher URL", NULL},
    {{"-u", "ftp://h/r", NULL}, NULL, "-u: the URL must start with http:// or https://", NULL},
    {{"-u", "http://h/a b", NULL}, NULL, "-u: the URL must not contain white space", NULL},
    /* a URL from the environment is named as such, not as -u */
    {{NULL}, "ftp://h/r", "A2A_RECOVER_URL: the URL must start with http:// or https://", NULL},
    {{NULL}, "http://h/a b", "A2A_RECOVER_URL: the URL must not contain white space", NULL},
    {{"-u", "https://op:pw@h/r", NULL}, NULL, "-u: a user name or password in the URL", NULL},
    {{"-n", "-u", "https://op@h/r", NULL}, NULL, "-u: a user name or password in the URL", NULL},
    {{NULL}, "http://op:pw@127.0.0.1:2/r", "A2A_RECOVER_URL: a user name or password", NULL},
    {{"-u", "https://h/r@x", NULL}, NULL, NULL, "https://h/r@x"},
    {{"-u", "http://h/r", "--insecure", "--cacert", "/dev/null", NULL},
     NULL,
     "--insecure and --cacert contradict each other",
     NULL},
    /* a dry run checks the command line of the real one (review 65: it took both) */
    {{"-n", "--insecure", "--cacert", "/dev/null", NULL},
     NULL,
     "--insecure and --cacert contradict each other",
     NULL},
    {{"-h", NULL}, NULL, NULL, NULL},
    {{"-V", NULL}, NULL, NULL, NULL},
};

static void test_cross_checks(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cross_rows) / sizeof(cross_rows[0]); i++) {
        const struct cross_row *r = &cross_rows[i];
        struct options o;
        struct a2a_error err;
        char row[64];
        int rc;

        snprintf(row, sizeof(row), "cross row %zu", i);
        if (r->env_url != NULL) {
            setenv("A2A_RECOVER_URL", r->env_url, 1);
        } else {
            unsetenv("A2A_RECOVER_URL");
        }
        rc = parse(&o, r->args, &err);
        if (r->want != NULL) {
            check_refused(row, rc, &err, r->want, NULL);
        } else if (rc != 0) {
            row_fail("%s: refused (%s)", row, err.msg);
        } else if (r->want_url != NULL && (o.url == NULL || strcmp(o.url, r->want_url) != 0)) {
            row_fail("%s: URL \"%s\", expected \"%s\"", row, o.url ? o.url : "(none)", r->want_url);
        }
        options_free(&o);
    }
    unsetenv("A2A_RECOVER_URL");
    rows_done();
}

/* A parse that stopped inside "-xn" leaves nothing behind for the next one to pick up. */
static void test_parses_start_afresh(void **state)
{
    const char *first[] = {"-xn", NULL};
    const char *second[] = {NULL};
    struct options o;
    struct a2a_error err;

    (void)state;
    check_refused("-xn", parse(&o, first, &err), &err, "unknown option -x", NULL);
    options_free(&o);
    check_refused("no options after -xn", parse(&o, second, &err), &err, "no dispatcher URL", NULL);
    options_free(&o);
    rows_done();
}

/* The defaults the manual states, and the files left after the options. */
static void test_defaults_and_files(void **state)
{
    const char *args[] = {"-n", "a.json", "-", NULL};
    struct options o;
    struct a2a_error err;

    (void)state;
    assert_int_equal(parse(&o, args, &err), 0);
    assert_int_equal(o.concurrency, 8);
    assert_int_equal(o.timeout_ms, 30000);
    assert_int_equal(o.connect_timeout_ms, 10000);
    assert_int_equal(o.retries, 2);
    assert_int_equal(o.threads, 0);
    assert_int_equal(o.max_record, 16777216);
    assert_true(o.rate == 0.0);
    assert_int_equal(o.log_format, LOG_TEXT);
    assert_int_equal(o.nfiles, 2);
    assert_string_equal(o.files[0], "a.json");
    assert_string_equal(o.files[1], "-");
    options_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_whole_numbers),
        cmocka_unit_test(test_header_lines),
        cmocka_unit_test(test_header_name_separators),
        cmocka_unit_test(test_headers_repeat_in_order),
        cmocka_unit_test(test_argv_headers),
        cmocka_unit_test(test_header_files),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_cross_checks),
        cmocka_unit_test(test_parses_start_afresh),
        cmocka_unit_test(test_defaults_and_files), /* this comment keeps one a line */
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
