/*
 * request.h: the redispatch body, the Idempotency-Key and the header lines, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "rows.h"

#include "request.h"

#define L(s)                                                                                       \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }

/* ---- body ------------------------------------------------------------------------------- */

struct body_row {
    const char *name;
    struct a2a_pending p;
    const char *want;
    size_t want_len;
};

#define BODY(name, t, k, o, e, r, want)                                                            \
    {                                                                                              \
        name, {L(t), L(k), L(o), (e), (r)}, want, sizeof(want) - 1                                 \
    }

static const struct body_row body_rows[] = {
    BODY("plain", "acme", "task-1", "alice", 42, 1700000000000000,
         "{\"tenant\":\"acme\",\"taskId\":\"task-1\",\"owner\":\"alice\",\"eventSequence\":42,"
         "\"recordedAtMicros\":1700000000000000}"),
    BODY("zeros and empty strings", "", "", "", 0, 0,
         "{\"tenant\":\"\",\"taskId\":\"\",\"owner\":\"\",\"eventSequence\":0,"
         "\"recordedAtMicros\":0}"),
    BODY(
        "u64 max", "t", "k", "o", UINT64_MAX, 1,
        "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":18446744073709551615,"
        "\"recordedAtMicros\":1}"),
    BODY("2^63", "t", "k", "o", 9223372036854775808ULL, 9,
         "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":9223372036854775808,"
         "\"recordedAtMicros\":9}"),
    BODY("i64 max", "t", "k", "o", 1, INT64_MAX,
         "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":1,"
         "\"recordedAtMicros\":9223372036854775807}"),
    /* the parser clamps, but the writer must still write any i64 exactly */
    BODY("negative i64", "t", "k", "o", 1, -1,
         "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":1,"
         "\"recordedAtMicros\":-1}"),
    BODY("i64 min", "t", "k", "o", 10, INT64_MIN,
         "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":10,"
         "\"recordedAtMicros\":-9223372036854775808}"),
    BODY(
        "powers of ten", "t", "k", "o", 10000000000000000000ULL, 1000000000000000000LL,
        "{\"tenant\":\"t\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":10000000000000000000,"
        "\"recordedAtMicros\":1000000000000000000}"),
    BODY("quotes and backslashes", "a\"b", "c\\d", "\"\\\"", 1, 2,
         "{\"tenant\":\"a\\\"b\",\"taskId\":\"c\\\\d\",\"owner\":\"\\\"\\\\\\\"\","
         "\"eventSequence\":1,"
         "\"recordedAtMicros\":2}"),
    BODY("control characters", "a\nb\rc\td", "\b\f\x01\x1f", "x\x7fy", 1, 2,
         "{\"tenant\":\"a\\nb\\rc\\td\",\"taskId\":\"\\u0008\\u000c\\u0001\\u001f\",\"owner\":"
         "\"x\x7fy\",\"eventSequence\":1,\"recordedAtMicros\":2}"),
    BODY("header injection attempt", "acme\r\nX-Evil: 1", "k", "o", 1, 2,
         "{\"tenant\":\"acme\\r\\nX-Evil: 1\",\"taskId\":\"k\",\"owner\":\"o\",\"eventSequence\":1,"
         "\"recordedAtMicros\":2}"),
    BODY("non-ASCII byte for byte", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", 1, 2,
         "{\"tenant\":\"caf\xc3\xa9\",\"taskId\":\"\xe2\x82\xac\",\"owner\":\"\xf0\x9f\x98\x80\","
         "\"eventSequence\":1,\"recordedAtMicros\":2}"),
    BODY("slash and JSON-looking text", "a/b", "{\"x\":1}", "</script>", 1, 2,
         "{\"tenant\":\"a/b\",\"taskId\":\"{\\\"x\\\":1}\",\"owner\":\"</script>\","
         "\"eventSequence\":1,\"recordedAtMicros\":2}"),
};

/* cJSON reads the body back to the same strings (numbers are checked as text above). */
static void check_body_parses(const char *label, const struct a2a_buf *b,
                              const struct a2a_pending *p)
{
    const struct a2a_str *fields[3] = {&p->tenant, &p->task_id, &p->owner};
    static const char *const names[3] = {"tenant", "taskId", "owner"};
    char *text = malloc(b->len + 1);
    cJSON *j;

    assert_non_null(text);
    memcpy(text, b->data, b->len);
    text[b->len] = '\0';
    j = cJSON_Parse(text);
    free(text);
    if (j == NULL) {
        row_fail("%s: body is not JSON", label);
        return;
    }
    assert_int_equal(cJSON_GetArraySize(j), 5);
    for (int k = 0; k < 3; k++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, names[k]);
        if (!cJSON_IsString(v) || strlen(v->valuestring) != fields[k]->len ||
            memcmp(v->valuestring, fields[k]->ptr, fields[k]->len) != 0) {
            row_fail("%s: %s does not read back", label, names[k]);
        }
    }
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "eventSequence")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "recordedAtMicros")));
    cJSON_Delete(j);
}

static void test_body(void **state)
{
    struct a2a_buf b = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(body_rows) / sizeof(body_rows[0]); k++) {
        const struct body_row *r = &body_rows[k];

        a2a_buf_reset(&b);
        assert_int_equal(a2a_request_body(&b, &r->p), 0);
        check_bytes(r->name, b.data, b.len, r->want, r->want_len);
        check_body_parses(r->name, &b, &r->p);
    }
    /* the body is appended: what the buffer held stays in front */
    a2a_buf_reset(&b);
    a2a_buf_puts(&b, "X");
    assert_int_equal(a2a_request_body(&b, &body_rows[0].p), 0);
    assert_int_equal(b.len, body_rows[0].want_len + 1);
    assert_memory_equal(b.data + 1, body_rows[0].want, body_rows[0].want_len);
    a2a_buf_free(&b);
    rows_done();
}

/* Strings are (pointer, length): a NUL in the middle is written, not a terminator. */
static void test_body_embedded_nul(void **state)
{
    static const char want[] = "{\"tenant\":\"a\\u0000b\",\"taskId\":\"k\",\"owner\":\"o\","
                               "\"eventSequence\":1,\"recordedAtMicros\":2}";
    static const char want_len_1[] = "{\"tenant\":\"a\",\"taskId\":\"k\",\"owner\":\"o\","
                                     "\"eventSequence\":1,\"recordedAtMicros\":2}";
    struct a2a_pending p = {{"a\0b", 3}, {"k", 1}, {"o", 1}, 1, 2};
    struct a2a_buf b = {0};

    (void)state;
    assert_int_equal(a2a_request_body(&b, &p), 0);
    check_bytes("embedded NUL", b.data, b.len, want, sizeof(want) - 1);
    /* and only len bytes are read */
    p.tenant.len = 1;
    a2a_buf_reset(&b);
    assert_int_equal(a2a_request_body(&b, &p), 0);
    check_bytes("length 1", b.data, b.len, want_len_1, sizeof(want_len_1) - 1);
    a2a_buf_free(&b);
    rows_done();
}

/* ---- Idempotency-Key -------------------------------------------------------------------- */

struct key_row {
    const char *name;
    struct a2a_pending p;
    const char *want;
};

#define KEY(name, t, k, e, want)                                                                   \
    {                                                                                              \
        name, {L(t), L(k), L("owner-not-in-key"), (e), 5}, want                                    \
    }

static const struct key_row key_rows[] = {
    KEY("plain", "acme", "task-1", 42, "acme:task-1:42"),
    KEY("unreserved kept", "AZaz09-._~", "~_.-90zaZA", 0, "AZaz09-._~:~_.-90zaZA:0"),
    KEY("u64 max", "t", "k", UINT64_MAX, "t:k:18446744073709551615"),
    KEY("colon and slash", "a:b", "c/d", 7, "a%3Ab:c%2Fd:7"),
    KEY("space", "a b", " ", 7, "a%20b:%20:7"),
    KEY("CR LF", "a\r\nb", "\n", 7, "a%0D%0Ab:%0A:7"),
    KEY("percent", "100%", "%25", 7, "100%25:%2525:7"),
    KEY("UTF-8 bytes, uppercase hex", "caf\xc3\xa9", "\xf0\x9f\x98\x80", 7,
        "caf%C3%A9:%F0%9F%98%80:7"),
    KEY("reserved and other ASCII", "!*'();@&=+$,?#[]", "\"<>\\^`{|}", 7,
        "%21%2A%27%28%29%3B%40%26%3D%2B%24%2C%3F%23%5B%5D:%22%3C%3E%5C%5E%60%7B%7C%7D:7"),
    KEY("control and DEL", "\x01\x1f\x7f", "\t", 7, "%01%1F%7F:%09:7"),
    KEY("high bytes", "\x80\xff", "\xab", 7, "%80%FF:%AB:7"),
    KEY("empty parts", "", "", 0, "::0"),
};

static void test_idempotency_key(void **state)
{
    struct a2a_buf b = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(key_rows) / sizeof(key_rows[0]); k++) {
        const struct key_row *r = &key_rows[k];

        a2a_buf_reset(&b);
        assert_int_equal(a2a_idempotency_key(&b, &r->p), 0);
        check_bytes(r->name, b.data, b.len, r->want, strlen(r->want));
    }
    a2a_buf_free(&b);
    rows_done();
}

/* The key never holds a byte that could end or fold a header line, and is stable. */
static void test_idempotency_key_safe_and_stable(void **state)
{
    char all[256];
    struct a2a_pending p;
    struct a2a_buf first = {0};
    struct a2a_buf again = {0};

    (void)state;
    for (int c = 0; c < 256; c++) {
        all[c] = (char)c;
    }
    p.tenant.ptr = all;
    p.tenant.len = sizeof(all);
    p.task_id.ptr = all + 128;
    p.task_id.len = 128;
    p.owner.ptr = "o";
    p.owner.len = 1;
    p.event_sequence = 123;
    p.recorded_at_micros = 0;
    assert_int_equal(a2a_idempotency_key(&first, &p), 0);
    for (size_t i = 0; i < first.len; i++) {
        unsigned char c = (unsigned char)first.data[i];
        assert_true(c > 0x20 && c < 0x7f);
    }
    for (int k = 0; k < 3; k++) {
        a2a_buf_reset(&again);
        assert_int_equal(a2a_idempotency_key(&again, &p), 0);
        assert_int_equal(again.len, first.len);
        assert_memory_equal(again.data, first.data, first.len);
    }
    /* 256 bytes: 66 unreserved kept, 190 as %XX; then ':' + 128 high bytes; then ":123" */
    assert_int_equal(first.len, 66 + 190 * 3 + 1 + 128 * 3 + 4);
    a2a_buf_free(&first);
    a2a_buf_free(&again);
}

/* ---- percent-encoding, byte by byte ----------------------------------------------------- */

/*
 * The header a record cannot be sent with: the length said is the header's own, exactly, at
 * the limit and past it, whatever the mix of bytes that encode to 1 and to 3.
 */
static void test_key_header_too_long(void **state)
{
    static const struct {
        size_t ascii, other; /* bytes of tenant: 'a' (1 each encoded), 0xC3 (3 each) */
        uint64_t seq;
    } rows[] = {
        {0, 0, 1},
        {983040 - 64, 0, 7},
        {0, 327660, 1},
        {0, 327661, 18446744073709551615u},
        {100, 400000, 12345},
        {983040, 0, 0},
        {61440 - 64, 0, 1}, /* around the https limit */
        {0, 20460, 1},
        {0, 20461, 99},
        {30000, 12000, 5},
    };
    static const size_t limits[] = {A2A_REQUEST_KEY_HEADER_MAX, A2A_REQUEST_KEY_HEADER_MAX_HTTPS};
    struct a2a_buf h = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]) * 2; k++) {
        size_t i = k / 2;
        size_t limit = limits[k % 2];
        size_t n = rows[i].ascii + rows[i].other;
        char *tenant = malloc(n + 1);
        struct a2a_pending p = {{tenant, n}, {"task-1", 6}, {"o", 1}, rows[i].seq, 0};
        size_t said;

        assert_non_null(tenant);
        memset(tenant, 'a', rows[i].ascii);
        memset(tenant + rows[i].ascii, 0xC3, rows[i].other);
        a2a_buf_reset(&h);
        assert_int_equal(a2a_request_idempotency_header(&h, &p), 0);
        said = a2a_request_key_header_too_long(&p, limit);
        h.len--; /* the NUL libcurl reads the line up to is not sent */
        if (h.len > limit) {
            assert_int_equal(said, h.len);
        } else {
            assert_int_equal(said, 0);
        }
        free(tenant);
    }
    a2a_buf_free(&h);
}

/* One decision for the engine's HTTP/2 and the header limit: the scheme, in any case. */
static void test_key_header_max_follows_the_scheme(void **state)
{
    static const struct {
        const char *url;
        size_t limit;
    } rows[] = {
        {"https://127.0.0.1/r", A2A_REQUEST_KEY_HEADER_MAX_HTTPS},
        {"HTTPS://127.0.0.1/r", A2A_REQUEST_KEY_HEADER_MAX_HTTPS},
        {"HtTpS://[::1]:8443/r", A2A_REQUEST_KEY_HEADER_MAX_HTTPS},
        {"http://127.0.0.1/r", A2A_REQUEST_KEY_HEADER_MAX},
        {"https:/127.0.0.1/r", A2A_REQUEST_KEY_HEADER_MAX},
        {"httpsx://127.0.0.1/r", A2A_REQUEST_KEY_HEADER_MAX},
        {"", A2A_REQUEST_KEY_HEADER_MAX},
        {NULL, A2A_REQUEST_KEY_HEADER_MAX},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(a2a_request_key_header_max(rows[i].url), rows[i].limit);
        assert_int_equal(a2a_request_url_is_https(rows[i].url),
                         rows[i].limit == A2A_REQUEST_KEY_HEADER_MAX_HTTPS);
    }
}

static void test_percent_encode_every_byte(void **state)
{
    struct a2a_buf b = {0};

    (void)state;
    for (int c = 0; c < 256; c++) {
        char in = (char)c;
        int unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        char want[4];

        a2a_buf_reset(&b);
        assert_int_equal(a2a_percent_encode(&b, &in, 1), 0);
        if (unreserved) {
            want[0] = (char)c;
            want[1] = '\0';
        } else {
            snprintf(want, sizeof(want), "%%%02X", c);
        }
        check_bytes(want, b.data, b.len, want, strlen(want));
    }
    /* appends, and an empty input adds nothing */
    a2a_buf_reset(&b);
    a2a_buf_puts(&b, "k=");
    assert_int_equal(a2a_percent_encode(&b, "", 0), 0);
    assert_int_equal(a2a_percent_encode(&b, "a b", 3), 0);
    check_bytes("append", b.data, b.len, "k=a%20b", 7);
    a2a_buf_free(&b);
    rows_done();
}

/* ---- header lines ------------------------------------------------------------------------ */

/* The lines every call carries, in order, byte for byte. */
static void test_fixed_headers(void **state)
{
    static const char *const want[] = {"Content-Type: application/json", "Accept: application/json",
                                       "User-Agent: a2a-recover/" A2A_VERSION};
    size_t n = 0;

    (void)state;
    while (a2a_request_fixed_headers[n] != NULL) {
        n++;
    }
    if (n != sizeof(want) / sizeof(want[0])) {
        row_fail("%zu fixed lines, want %zu", n, sizeof(want) / sizeof(want[0]));
    }
    for (size_t k = 0; k < n && k < sizeof(want) / sizeof(want[0]); k++) {
        check_bytes(want[k], a2a_request_fixed_headers[k], strlen(a2a_request_fixed_headers[k]),
                    want[k], strlen(want[k]));
    }
    /* A long body's extra line: no value, so that libcurl sends no Expect at all. */
    check_bytes("no expect", a2a_request_no_expect_header, strlen(a2a_request_no_expect_header),
                "Expect:", 7);
    if (a2a_request_reserved_header(a2a_request_no_expect_header) == NULL) {
        row_fail("\"%s\" is not reserved", a2a_request_no_expect_header);
    }
    /* At or below libcurl's lowest threshold for asking: 1 KiB before 7.69, 1 MiB since. */
    assert_true(A2A_REQUEST_EXPECT_MIN <= 1024);
    /* a fixed line can never be doubled by a -H line: each one's name is reserved */
    for (size_t k = 0; k < n; k++) {
        if (a2a_request_reserved_header(a2a_request_fixed_headers[k]) == NULL) {
            row_fail("fixed line \"%s\" is not reserved", a2a_request_fixed_headers[k]);
        }
    }
    rows_done();
}

struct reserved_row {
    const char *line;
    const char *want; /* the reserved name, or NULL */
};

static const struct reserved_row reserved_rows[] = {
    {"Content-Type: text/plain", "Content-Type"},
    {"content-type: text/plain", "Content-Type"},
    {"CONTENT-TYPE:x", "Content-Type"},
    {"Content-Length: 5", "Content-Length"},
    {"Transfer-Encoding: chunked", "Transfer-Encoding"},
    {"Idempotency-Key: a:b:1", "Idempotency-Key"},
    {"idempotency-key:", "Idempotency-Key"},
    {"Accept: */*", "Accept"},
    {"User-Agent: curl", "User-Agent"},
    {"Expect: 100-continue", "Expect"},
    {"Host: example.com", "Host"},
    {"Connection: close", "Connection"},
    /* free for -H: other names, longer or shorter names, no colon straight after the name */
    {"Authorization: Bearer x", NULL},
    {"X-Api-Key: k", NULL},
    {"Accept-Language: en", NULL},
    {"Accepts: x", NULL},
    {"Hostname: h", NULL},
    {"Hos: h", NULL},
    {"X-Host: h", NULL},
    {"Host : h", NULL},
    {"Content-Type", NULL},
    {"", NULL},
};

static void test_reserved_headers(void **state)
{
    size_t nnames = 0;

    (void)state;
    for (size_t k = 0; k < sizeof(reserved_rows) / sizeof(reserved_rows[0]); k++) {
        const char *got = a2a_request_reserved_header(reserved_rows[k].line);
        const char *want = reserved_rows[k].want;
        if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0)) {
            row_fail("\"%s\": %s, want %s", reserved_rows[k].line, got ? got : "free",
                     want ? want : "free");
        }
    }
    /* the exported table is exactly the names the rows above expect */
    while (a2a_request_reserved_names[nnames] != NULL) {
        const char *name = a2a_request_reserved_names[nnames++];
        int seen = 0;
        for (size_t k = 0; k < sizeof(reserved_rows) / sizeof(reserved_rows[0]); k++) {
            seen |= reserved_rows[k].want != NULL && strcmp(reserved_rows[k].want, name) == 0;
        }
        if (!seen) {
            row_fail("reserved name %s has no row", name);
        }
    }
    if (nnames != 9) {
        row_fail("%zu reserved names, want 9", nnames);
    }
    rows_done();
}

/* Authorization and Idempotency-Key lines: NUL-terminated, as libcurl reads them. */
static void test_request_header_lines(void **state)
{
    struct a2a_buf b = {0};
    const struct a2a_pending p = {L("acme"), L("a b/c\r\n"), L("o"), 7, 0};
    static const char idem[] = "Idempotency-Key: acme:a%20b%2Fc%0D%0A:7";
    static const char auth[] = "Authorization: Bearer tok.en-1";

    (void)state;
    assert_int_equal(a2a_request_idempotency_header(&b, &p), 0);
    check_bytes("idempotency line", b.data, b.len, idem, sizeof(idem)); /* with its NUL */
    a2a_buf_free(&b);
    assert_int_equal(a2a_request_auth_header(&b, "tok.en-1"), 0);
    check_bytes("authorization line", b.data, b.len, auth, sizeof(auth));
    /* written in one allocation: nothing with the token in it was reallocated away */
    if (b.cap < sizeof(auth)) {
        row_fail("authorization line: cap %zu", b.cap);
    }
    a2a_buf_free(&b);
    rows_done();
}

int main(void)
{
    const struct CMUnitTest body[] = {
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_body_embedded_nul),
    };
    const struct CMUnitTest key[] = {
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_idempotency_key_safe_and_stable),
        cmocka_unit_test(test_percent_encode_every_byte),
        cmocka_unit_test(test_key_header_too_long),
        cmocka_unit_test(test_key_header_max_follows_the_scheme),
    };
    const struct CMUnitTest headers[] = {
        cmocka_unit_test(test_fixed_headers),
        cmocka_unit_test(test_reserved_headers),
        cmocka_unit_test(test_request_header_lines),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("body", body, NULL, NULL);
    failed += cmocka_run_group_tests_name("idempotency_key", key, NULL, NULL);
    failed += cmocka_run_group_tests_name("headers", headers, NULL, NULL);
    return failed;
}
