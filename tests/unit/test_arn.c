/*
 * arn.h: stream ARNs (parts, partitions, refusals) and the endpoint they lead to, with the
 * environment given as a table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

#include "arn.h"
#include "jsonstr.h"

struct arn_row {
    const char *in;
    const char *partition; /* NULL: must be refused */
    const char *region;
    const char *account;
    const char *table;
    const char *label;
    const char *msg; /* for refusals: text_matches() pattern */
};

#define OK(in, p, r, a, t, l)                                                                      \
    {                                                                                              \
        (in), (p), (r), (a), (t), (l), NULL                                                        \
    }
#define BAD(in, msg)                                                                               \
    {                                                                                              \
        (in), NULL, NULL, NULL, NULL, NULL, (msg)                                                  \
    }

static const struct arn_row arn_rows[] = {
    OK("arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388",
       "aws", "us-east-2", "123456789012", "mytable", "2019-11-14T00:04:06.388"),
    OK("arn:aws-cn:dynamodb:cn-north-1:000000000001:table/A_b.c-9/stream/L", "aws-cn", "cn-north-1",
       "000000000001", "A_b.c-9", "L"),
    OK("arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/abc/stream/x", "aws-us-gov",
       "us-gov-west-1", "123456789012", "abc", "x"),
    OK("arn:aws:dynamodb:eu-west-1:123456789012:table/a2a_push_pending_dispatches/stream/"
       "2024-01-01T00:00:00.000",
       "aws", "eu-west-1", "123456789012", "a2a_push_pending_dispatches",
       "2024-01-01T00:00:00.000"),
    BAD("", "stream ARN \"\" (empty): it is not arn:PARTITION*"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012", "~not arn:PARTITION"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/mytable", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/a/b", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/mytable/index/x", "~resource"),
    OK("arn:aws:dynamodb:us-east-2:123456789012:table/T/stream/x", "aws", "us-east-2",
       "123456789012", "T", "x"), /* short names are the API's to refuse */
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table//stream/x", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/a b/stream/x", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:table/abc/stream/a b", "~resource"),
    BAD("arn:aws:dynamodb:us-east-2:123456789012:stream/abc", "~resource"),
    BAD("arn:aws:dynamodbstreams:us-east-2:123456789012:table/abc/stream/x", "~not arn:"),
    BAD("ARN:aws:dynamodb:us-east-2:123456789012:table/abc/stream/x", "~not arn:"),
    BAD("arn:aws:s3:us-east-2:123456789012:table/abc/stream/x", "~not arn:"),
    BAD("arn:aws-iso:dynamodb:us-iso-east-1:123456789012:table/abc/stream/x", "~partition"),
    BAD("arn::dynamodb:us-east-2:123456789012:table/abc/stream/x", "~partition"),
    BAD("arn:aws:dynamodb::123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:US-EAST-2:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:useast2:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:us-east-2.evil.com/x:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:cn-north-1:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws-cn:dynamodb:us-east-1:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws-us-gov:dynamodb:us-east-1:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:us-gov-west-1:123456789012:table/abc/stream/x", "~region"),
    BAD("arn:aws:dynamodb:us-east-2:12345678901:table/abc/stream/x", "~account"),
    BAD("arn:aws:dynamodb:us-east-2:1234567890123:table/abc/stream/x", "~account"),
    BAD("arn:aws:dynamodb:us-east-2:12345678901a:table/abc/stream/x", "~account"),
    BAD("arn:aws:dynamodb:us-east-2::table/abc/stream/x", "~account"),
};

static void check_field(const char *i, const char *name, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        row_fail("%s: %s = \"%s\", want \"%s\"", i, name, got, want);
    }
}

static void test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(arn_rows) / sizeof(arn_rows[0]); i++) {
        const struct arn_row *r = &arn_rows[i];
        struct a2a_stream_arn a;
        struct a2a_error err = {0};
        int rc = a2a_stream_arn_parse(r->in, &a, &err);

        if (r->partition == NULL) {
            if (rc != -1 || err.code != A2A_E_CONFIG || !text_matches(err.msg, r->msg)) {
                row_fail("%s: rc %d code %d msg \"%s\", want a refusal matching %s", r->in, rc,
                         err.code, err.msg, r->msg);
            }
            continue;
        }
        if (rc != 0) {
            row_fail("%s: refused: %s", r->in, err.msg);
            continue;
        }
        check_field(r->in, "partition", a.partition, r->partition);
        check_field(r->in, "region", a.region, r->region);
        check_field(r->in, "account", a.account, r->account);
        check_field(r->in, "table", a.table, r->table);
        check_field(r->in, "label", a.label, r->label);
    }
    rows_done();
}

/* ---- endpoints ---------------------------------------------------------------------------- */

struct fake_env {
    const char *names[4];
    const char *values[4];
};

static const char *fake_get(void *ctx, const char *name)
{
    const struct fake_env *e = ctx;

    for (size_t i = 0; i < 4 && e->names[i] != NULL; i++) {
        if (strcmp(e->names[i], name) == 0) {
            return e->values[i];
        }
    }
    return NULL;
}

struct endpoint_row {
    const char *arn;
    const char *explicit_url;
    struct fake_env env;
    const char *want; /* NULL: refused */
};

#define ARN_USE2 "arn:aws:dynamodb:us-east-2:123456789012:table/abc/stream/x"
#define ARN_CN   "arn:aws-cn:dynamodb:cn-northwest-1:123456789012:table/abc/stream/x"
#define ARN_GOV  "arn:aws-us-gov:dynamodb:us-gov-east-1:123456789012:table/abc/stream/x"
#define SVC      "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"
#define ALL      "AWS_ENDPOINT_URL"

static const struct endpoint_row endpoint_rows[] = {
    {ARN_USE2, NULL, {{NULL}, {NULL}}, "https://streams.dynamodb.us-east-2.amazonaws.com"},
    {ARN_CN, NULL, {{NULL}, {NULL}}, "https://streams.dynamodb.cn-northwest-1.amazonaws.com.cn"},
    {ARN_GOV, NULL, {{NULL}, {NULL}}, "https://streams.dynamodb.us-gov-east-1.amazonaws.com"},
    /* order: explicit, then the service variable, then the global one */
    {ARN_USE2,
     "http://127.0.0.1:1/",
     {{SVC, ALL}, {"http://127.0.0.1:2", "http://127.0.0.1:3"}},
     "http://127.0.0.1:1/"},
    {ARN_USE2,
     NULL,
     {{SVC, ALL}, {"http://127.0.0.1:2", "http://127.0.0.1:3"}},
     "http://127.0.0.1:2"},
    {ARN_USE2, NULL, {{ALL}, {"http://127.0.0.1:3"}}, "http://127.0.0.1:3"},
    /* an empty variable is not set */
    {ARN_USE2, NULL, {{SVC, ALL}, {"", "https://[::1]:4"}}, "https://[::1]:4"},
    {ARN_CN,
     NULL,
     {{SVC, ALL}, {"", ""}},
     "https://streams.dynamodb.cn-northwest-1.amazonaws.com.cn"},
    /* refused */
    {ARN_USE2, "ftp://127.0.0.1/", {{NULL}, {NULL}}, NULL},
    {ARN_USE2, "127.0.0.1:8000", {{NULL}, {NULL}}, NULL},
    {ARN_USE2, "http://127.0.0.1/ x", {{NULL}, {NULL}}, NULL},
    {ARN_USE2, NULL, {{SVC}, {"file:///etc/passwd"}}, NULL},
    {ARN_USE2, NULL, {{ALL}, {"http://a\r\nb"}}, NULL},
    {ARN_USE2, "http://127.0.0.1:1/a@b", {{NULL}, {NULL}}, "http://127.0.0.1:1/a@b"},
};

static void test_endpoint(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(endpoint_rows) / sizeof(endpoint_rows[0]); i++) {
        const struct endpoint_row *r = &endpoint_rows[i];
        struct fake_env fe = r->env;
        struct a2a_env env = {fake_get, &fe};
        struct a2a_stream_arn arn;
        struct a2a_error err = {0};
        char out[256];
        int rc;

        assert_int_equal(a2a_stream_arn_parse(r->arn, &arn, &err), 0);
        rc = a2a_streams_endpoint(&arn, r->explicit_url, &env, out, sizeof(out), &err);
        if (r->want == NULL) {
            if (rc != -1 || err.code != A2A_E_CONFIG) {
                row_fail("row %zu: accepted \"%s\", want a refusal", i, out);
            }
        } else if (rc != 0 || strcmp(out, r->want) != 0) {
            row_fail("row %zu: rc %d \"%s\" (%s), want \"%s\"", i, rc, rc == 0 ? out : "", err.msg,
                     r->want);
        }
    }
    rows_done();
}

static void test_endpoint_too_long(void **state)
{
    struct a2a_stream_arn arn;
    struct a2a_error err = {0};
    char out[16];

    (void)state;
    assert_int_equal(a2a_stream_arn_parse(ARN_USE2, &arn, &err), 0);
    assert_int_equal(a2a_streams_endpoint(&arn, NULL, NULL, out, sizeof(out), &err), -1);
    assert_int_equal(err.code, A2A_E_CONFIG);
}

static void test_url_shown(void **state)
{
    static const struct {
        const char *url, *want;
    } rows[] = {
        {"http://127.0.0.1:8000", "http://127.0.0.1:8000"},
        {"https://user:p@ss@host:1/path?q=a@b", "https://<redacted>@host:1/path?q=a@b"},
        {"http://k@127.0.0.1/", "http://<redacted>@127.0.0.1/"},
        {"no scheme@host", "<redacted>@host"},
        {"http://host/0123456789012345678901234567890123456789012345678901234567890",
         "http://host/012345678901234567890123456789012345678901234567..."},
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        a2a_url_shown(rows[i].url, out, sizeof(out));
        if (strcmp(out, rows[i].want) != 0) {
            row_fail("row %zu: \"%s\", want \"%s\"", i, out, rows[i].want);
        }
    }
    rows_done();
}

/* A URL whose authority is empty or only user info or a port names no host. */
static void test_url_has_host(void **state)
{
    static const struct {
        const char *url;
        int want;
    } rows[] = {
        {"http://127.0.0.1:8000/internal/push/redispatch", 1},
        {"https://[::1]/r", 1},
        {"http://u:p@w@127.0.0.1/r", 1},
        {"http://localhost", 1},
        {"http:///internal/push/redispatch", 0}, /* "http://$HOST/..." with HOST unset */
        {"http://", 0},
        {"http://:8080/r", 0},
        {"http://u:p@/r", 0},
        {"http://?q", 0},
        {"http://#f", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (a2a_url_has_host(rows[i].url) != rows[i].want) {
            row_fail("row %zu: \"%s\": %d, want %d", i, rows[i].url, !rows[i].want, rows[i].want);
        }
    }
    rows_done();
}

/* A port that is not 1..65535 is refused, not left to libcurl, which goes to the scheme's own
   port for an empty one (review 66: "http://127.0.0.1:$PORT/x" with PORT unset). */
static void test_url_bad_port(void **state)
{
    static const struct {
        const char *url;
        int want;
    } rows[] = {
        {"http://127.0.0.1:8080/x", 0},
        {"http://127.0.0.1/x", 0},
        {"https://h:1", 0},
        {"https://h:65535/", 0},
        {"http://[::1]:8080/x", 0},
        {"http://[::1]/x", 0},
        {"http://u:p:w@h/x", 0},
        {"http://h/x:y", 0}, /* a colon in the path */
        {"http://h/?a=b:c", 0},
        {"http://127.0.0.1:/x", 1},
        {"http://127.0.0.1:", 1},
        {"http://h:0/", 1},
        {"http://h:65536/", 1},
        {"http://h:080080/", 1},
        {"http://h:8o80/", 1},
        {"http://[::1]:/x", 1},
        {"http://u:p@h:/x", 1},
        {"http://h:-1/", 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (a2a_url_bad_port(rows[i].url) != rows[i].want) {
            row_fail("row %zu: \"%s\": %d, want %d", i, rows[i].url, !rows[i].want, rows[i].want);
        }
    }
    rows_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_endpoint),
        cmocka_unit_test(test_endpoint_too_long),
        cmocka_unit_test(test_url_shown),
        cmocka_unit_test(test_url_has_host),
        cmocka_unit_test(test_url_bad_port),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
