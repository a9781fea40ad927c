/*
 * jsonstr.h: UTF-8 validation, JSON string unescaping and escaping. Byte strings are given
 * with explicit lengths (L("...")) so that NUL bytes and bytes >= 0x80 are plain data.
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

#include "buf.h"
#include "jsonstr.h"

/* A string literal with its length, NULs included. */
#define L(s) (s), (sizeof(s) - 1)

/* ---- UTF-8 ------------------------------------------------------------------------------ */

struct utf8_row {
    const char *name;
    const char *bytes;
    size_t len;
    int valid;
};

static const struct utf8_row utf8_rows[] = {
    {"empty", L(""), 1},
    {"ascii", L("hello, world"), 1},
    {"ascii with NUL", L("a\0b"), 1},
    {"DEL", L("\x7f"), 1},
    /* valid sequences at every length and boundary */
    {"2-byte min U+0080", L("\xc2\x80"), 1},
    {"2-byte e-acute", L("\xc3\xa9"), 1},
    {"2-byte max U+07FF", L("\xdf\xbf"), 1},
    {"3-byte min U+0800", L("\xe0\xa0\x80"), 1},
    {"3-byte euro", L("\xe2\x82\xac"), 1},
    {"3-byte U+D7FF", L("\xed\x9f\xbf"), 1},
    {"3-byte U+E000", L("\xee\x80\x80"), 1},
    {"3-byte U+FFFF", L("\xef\xbf\xbf"), 1},
    {"4-byte min U+10000", L("\xf0\x90\x80\x80"), 1},
    {"4-byte emoji", L("\xf0\x9f\x98\x80"), 1},
    {"4-byte max U+10FFFF", L("\xf4\x8f\xbf\xbf"), 1},
    {"mixed", L("a\xc3\xa9z\xe2\x82\xac\xf0\x9f\x98\x80!"), 1},
    /* overlong forms */
    {"overlong NUL C0 80", L("\xc0\x80"), 0},
    {"overlong C1 BF", L("\xc1\xbf"), 0},
    {"overlong 3-byte U+007F", L("\xe0\x81\xbf"), 0},
    {"overlong 3-byte U+07FF", L("\xe0\x9f\xbf"), 0},
    {"overlong 4-byte U+FFFF", L("\xf0\x8f\xbf\xbf"), 0},
    {"overlong 4-byte NUL", L("\xf0\x80\x80\x80"), 0},
    /* UTF-16 surrogates encoded in UTF-8 */
    {"surrogate U+D800", L("\xed\xa0\x80"), 0},
    {"surrogate U+DBFF", L("\xed\xaf\xbf"), 0},
    {"surrogate U+DC00", L("\xed\xb0\x80"), 0},
    {"surrogate U+DFFF", L("\xed\xbf\xbf"), 0},
    {"surrogate pair as CESU-8", L("\xed\xa0\xbd\xed\xb8\x80"), 0},
    /* beyond U+10FFFF */
    {"U+110000", L("\xf4\x90\x80\x80"), 0},
    {"F5 lead", L("\xf5\x80\x80\x80"), 0},
    {"F7 BF BF BF", L("\xf7\xbf\xbf\xbf"), 0},
    {"5-byte form", L("\xf8\x88\x80\x80\x80"), 0},
    {"6-byte form", L("\xfc\x84\x80\x80\x80\x80"), 0},
    {"FE", L("\xfe"), 0},
    {"FF", L("\xff"), 0},
    /* truncated sequences, at the end and in the middle */
    {"2-byte cut", L("\xc3"), 0},
    {"3-byte cut after 1", L("\xe2"), 0},
    {"3-byte cut after 2", L("\xe2\x82"), 0},
    {"4-byte cut after 3", L("\xf0\x9f\x98"), 0},
    {"2-byte cut then ascii",
     L("\xc3"
       "a"),
     0},
    {"3-byte cut then ascii",
     L("\xe2\x82"
       "a"),
     0},
    {"4-byte cut then ascii",
     L("\xf0\x9f\x98"
       "a"),
     0},
    {"valid then cut", L("ok\xc3\xa9\xc3"), 0},
    /* stray or wrong continuation bytes */
    {"lone continuation 80", L("\x80"), 0},
    {"lone continuation BF", L("a\xbf"), 0},
    {"bad 2nd byte", L("\xe2\x28\xa1"), 0},
    {"bad 3rd byte", L("\xe2\x82\x28"), 0},
    {"bad 4th byte", L("\xf0\x9f\x98\x28"), 0},
    {"lead followed by lead", L("\xc3\xc3\xa9"), 0},
    {"extra continuation", L("\xc3\xa9\xa9"), 0},
};

static void test_utf8_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(utf8_rows) / sizeof(utf8_rows[0]); k++) {
        const struct utf8_row *r = &utf8_rows[k];
        /* An exact-size heap copy, so that ASan sees a read past the end. */
        unsigned char *copy = malloc(r->len > 0 ? r->len : 1);
        int got;

        assert_non_null(copy);
        memcpy(copy, r->bytes, r->len);
        got = a2a_utf8_valid(copy, r->len);
        free(copy);
        if (got != r->valid) {
            row_fail("utf8 row \"%s\" (%s): got %d, want %d", r->name, show_bytes(r->bytes, r->len),
                     got, r->valid);
        }
    }
    rows_done();
}

/* Every code point encodes to a sequence the validator accepts, except the surrogates. */
static void test_utf8_every_code_point(void **state)
{
    unsigned char b[4];

    (void)state;
    for (unsigned cp = 0; cp <= 0x10ffff; cp++) {
        size_t n;
        int want = !(cp >= 0xd800 && cp <= 0xdfff);

        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xc0 | (cp >> 6));
            b[1] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xe0 | (cp >> 12));
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            b[2] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xf0 | (cp >> 18));
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
            b[3] = (unsigned char)(0x80 | (cp & 0x3f));
            n = 4;
        }
        if (a2a_utf8_valid(b, n) != want) {
            fail_msg("U+%04X: got %d, want %d", cp, !want, want);
        }
        /* Any proper prefix of a multi-byte sequence is truncated. */
        for (size_t cut = 1; want && cut < n; cut++) {
            if (a2a_utf8_valid(b, cut)) {
                fail_msg("U+%04X cut to %zu bytes is accepted", cp, cut);
            }
        }
    }
}

/* ---- unescape --------------------------------------------------------------------------- */

struct unescape_row {
    const char *raw; /* the content between the quotes, as the scanner admitted it */
    const char *want;
    size_t want_len;
    enum a2a_unescape_status status;
};

#define UOK(raw, want)                                                                             \
    {                                                                                              \
        (raw), L(want), A2A_UNESCAPE_OK                                                            \
    }
#define UERR(raw, st)                                                                              \
    {                                                                                              \
        (raw), NULL, 0, (st)                                                                       \
    }

static const struct unescape_row unescape_rows[] = {
    UOK("", ""),
    UOK("plain", "plain"),
    UOK("caf\xc3\xa9", "caf\xc3\xa9"), /* raw UTF-8 passes through */
    /* every simple escape */
    UOK("\\\"", "\""),
    UOK("\\\\", "\\"),
    UOK("\\/", "/"),
    UOK("\\b", "\b"),
    UOK("\\f", "\f"),
    UOK("\\n", "\n"),
    UOK("\\r", "\r"),
    UOK("\\t", "\t"),
    UOK("a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti", "a\"b\\c/d\be\ff\ng\rh\ti"),
    UOK("\\\\n", "\\n"), /* an escaped backslash, then a plain n */
    UOK("\\\\\\\\", "\\\\"),
    /* \u escapes: 1, 2 and 3 UTF-8 bytes, both hex cases */
    UOK("\\u0041", "A"),
    UOK("x\\u0041y", "xAy"),
    UOK("\\u0001", "\x01"),
    UOK("\\u001f", "\x1f"),
    UOK("\\u007F", "\x7f"),
    UOK("\\u0080", "\xc2\x80"),
    UOK("\\u00e9", "\xc3\xa9"),
    UOK("\\u00E9", "\xc3\xa9"),
    UOK("\\u07ff", "\xdf\xbf"),
    UOK("\\u0800", "\xe0\xa0\x80"),
    UOK("\\u20AC", "\xe2\x82\xac"),
    UOK("\\ud7ff", "\xed\x9f\xbf"),
    UOK("\\ue000", "\xee\x80\x80"),
    UOK("\\uFFFF", "\xef\xbf\xbf"),
    UOK("\\u005c", "\\"),
    UOK("\\u0022", "\""),
    /* surrogate pairs -> one 4-byte sequence */
    UOK("\\ud800\\udc00", "\xf0\x90\x80\x80"),
    UOK("\\uD83D\\uDE00", "\xf0\x9f\x98\x80"),
    UOK("\\ud83d\\uDE00", "\xf0\x9f\x98\x80"),
    UOK("\\udbff\\udfff", "\xf4\x8f\xbf\xbf"),
    UOK("a\\ud83d\\ude00b\\ud83d\\ude01c", "a\xf0\x9f\x98\x80"
                                           "b\xf0\x9f\x98\x81"
                                           "c"),
    /* lone surrogates */
    UERR("\\ud800", A2A_UNESCAPE_SURROGATE),
    UERR("\\udbff", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83dx", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83dxxxxxx", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83d\\u0041", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83d\\ud83d", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83d\\n", A2A_UNESCAPE_SURROGATE),
    UERR("\\ud83d\\\\ude00", A2A_UNESCAPE_SURROGATE), /* the backslash is escaped: no pair */
    UERR("\\udc00", A2A_UNESCAPE_SURROGATE),
    UERR("\\udfff", A2A_UNESCAPE_SURROGATE),
    UERR("\\ude00\\ud83d", A2A_UNESCAPE_SURROGATE),
    UERR("ok\\udc00ok", A2A_UNESCAPE_SURROGATE),
    /* U+0000 */
    UERR("\\u0000", A2A_UNESCAPE_NUL),
    UERR("abc\\u0000", A2A_UNESCAPE_NUL),
    UERR("\\u0000abc", A2A_UNESCAPE_NUL),
};

static void test_unescape_table(void **state)
{
    struct a2a_buf out = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(unescape_rows) / sizeof(unescape_rows[0]); k++) {
        const struct unescape_row *r = &unescape_rows[k];
        size_t len = strlen(r->raw);
        char *copy = malloc(len > 0 ? len : 1);
        char label[128];
        enum a2a_unescape_status st;

        assert_non_null(copy);
        memcpy(copy, r->raw, len);
        snprintf(label, sizeof(label), "unescape row %zu \"%s\"", k, r->raw);
        /* Old contents must be replaced, not appended to. */
        a2a_buf_puts(&out, "stale");
        st = a2a_json_unescape(copy, len, &out);
        free(copy);
        if (st != r->status) {
            row_fail("%s: status %d, want %d", label, (int)st, (int)r->status);
        }
        if (st == A2A_UNESCAPE_OK) {
            check_bytes(label, out.data, out.len, r->want, r->want_len);
        }
    }
    a2a_buf_free(&out);
    rows_done();
}

/* The keep-U+0000 variant: U+0000 becomes a 0 byte; every other row decodes the same. */
static const struct unescape_row keep_nul_rows[] = {
    UOK("\\u0000", "\0"),
    UOK("abc\\u0000", "abc\0"),
    UOK("\\u0000abc", "\0abc"),
    UOK("1\\u00002", "1\0"
                     "2"),
    UOK("\\u0000\\u0000", "\0\0"),
    UOK("INSERT\\u0000", "INSERT\0"),
    UOK("\\u0000\\ud83d\\ude00", "\0\xf0\x9f\x98\x80"),
    UERR("\\u0000\\ud800", A2A_UNESCAPE_SURROGATE),
    UERR("\\udc00\\u0000", A2A_UNESCAPE_SURROGATE),
};

static void test_unescape_keep_nul(void **state)
{
    struct a2a_buf out = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(unescape_rows) / sizeof(unescape_rows[0]); k++) {
        const struct unescape_row *r = &unescape_rows[k];
        enum a2a_unescape_status st;
        char label[128];

        snprintf(label, sizeof(label), "keep-nul, unescape row %zu \"%s\"", k, r->raw);
        a2a_buf_puts(&out, "stale");
        st = a2a_json_unescape_keep_nul(r->raw, strlen(r->raw), &out);
        if (r->status == A2A_UNESCAPE_NUL) {
            if (st != A2A_UNESCAPE_OK || memchr(out.data, '\0', out.len) == NULL) {
                row_fail("%s: status %d or no 0 byte kept", label, (int)st);
            }
            continue;
        }
        if (st != r->status) {
            row_fail("%s: status %d, want %d", label, (int)st, (int)r->status);
        } else if (st == A2A_UNESCAPE_OK) {
            check_bytes(label, out.data, out.len, r->want, r->want_len);
        }
    }
    for (size_t k = 0; k < sizeof(keep_nul_rows) / sizeof(keep_nul_rows[0]); k++) {
        const struct unescape_row *r = &keep_nul_rows[k];
        size_t len = strlen(r->raw);
        char *copy = malloc(len);
        enum a2a_unescape_status st;
        char label[128];

        assert_non_null(copy);
        memcpy(copy, r->raw, len); /* exact size: ASan sees any read past the end */
        snprintf(label, sizeof(label), "keep-nul row %zu \"%s\"", k, r->raw);
        st = a2a_json_unescape_keep_nul(copy, len, &out);
        free(copy);
        if (st != r->status) {
            row_fail("%s: status %d, want %d", label, (int)st, (int)r->status);
        } else if (st == A2A_UNESCAPE_OK) {
            check_bytes(label, out.data, out.len, r->want, r->want_len);
        }
        /* The plain decoder still refuses U+0000 where the attribute rule needs it to. */
        if (a2a_json_unescape(r->raw, len, &out) == A2A_UNESCAPE_OK) {
            row_fail("%s: a2a_json_unescape accepted it", label);
        }
    }
    a2a_buf_free(&out);
    rows_done();
}

/* cJSON as an independent decoder: same bytes for every valid row. */
static void test_unescape_matches_cjson(void **state)
{
    struct a2a_buf out = {0};
    struct a2a_buf doc = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(unescape_rows) / sizeof(unescape_rows[0]); k++) {
        const struct unescape_row *r = &unescape_rows[k];
        cJSON *j;

        if (r->status != A2A_UNESCAPE_OK) {
            continue;
        }
        a2a_buf_reset(&doc);
        a2a_buf_putc(&doc, '"');
        a2a_buf_puts(&doc, r->raw);
        a2a_buf_append(&doc, "\"", 2);
        j = cJSON_Parse(doc.data);
        assert_non_null(j);
        assert_true(cJSON_IsString(j));
        assert_int_equal(a2a_json_unescape(r->raw, strlen(r->raw), &out), A2A_UNESCAPE_OK);
        check_bytes(r->raw, out.data, out.len, j->valuestring, strlen(j->valuestring));
        cJSON_Delete(j);
    }
    a2a_buf_free(&out);
    a2a_buf_free(&doc);
    rows_done();
}

/* ---- escape ----------------------------------------------------------------------------- */

struct escape_row {
    const char *in;
    size_t in_len;
    const char *want;
    size_t want_len;
};

#define E(in, want)                                                                                \
    {                                                                                              \
        L(in), L(want)                                                                             \
    }

static const struct escape_row escape_rows[] = {
    E("", ""),
    E("plain text", "plain text"),
    E("\"", "\\\""),
    E("\\", "\\\\"),
    E("a\"b\\c", "a\\\"b\\\\c"),
    E("\"\"\\\\", "\\\"\\\"\\\\\\\\"),
    E("/", "/"),
    E("\n", "\\n"),
    E("\r", "\\r"),
    E("\t", "\\t"),
    E("line1\r\nline2", "line1\\r\\nline2"),
    E("\b", "\\u0008"),
    E("\f", "\\u000c"),
    E("\0", "\\u0000"),
    E("a\0b", "a\\u0000b"),
    E("\x01", "\\u0001"),
    E("\x0b", "\\u000b"),
    E("\x1b[31m", "\\u001b[31m"),
    E("\x1f", "\\u001f"),
    E(" ", " "),
    E("\x7f", "\x7f"),
    /* non-ASCII passes through byte for byte, valid or not */
    E("caf\xc3\xa9", "caf\xc3\xa9"),
    E("\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80"),
    E("\xe2\x80\xa8\xe2\x80\xa9", "\xe2\x80\xa8\xe2\x80\xa9"), /* U+2028/2029 kept as is */
    E("\xff\xfe\x80", "\xff\xfe\x80"),
    E("\xc3\"\xa9", "\xc3\\\"\xa9"),
};

static void test_escape_table(void **state)
{
    struct a2a_buf out = {0};

    (void)state;
    for (size_t k = 0; k < sizeof(escape_rows) / sizeof(escape_rows[0]); k++) {
        const struct escape_row *r = &escape_rows[k];
        char *copy = malloc(r->in_len > 0 ? r->in_len : 1);
        char label[64];

        assert_non_null(copy);
        memcpy(copy, r->in, r->in_len);
        snprintf(label, sizeof(label), "escape row %zu", k);

        /* a2a_json_escape appends */
        a2a_buf_reset(&out);
        a2a_buf_puts(&out, "<");
        assert_int_equal(a2a_json_escape(&out, copy, r->in_len), 0);
        assert_true(out.len >= 1 && out.data[0] == '<');
        check_bytes(label, out.data + 1, out.len - 1, r->want, r->want_len);

        /* a2a_json_put_string adds the quotes */
        a2a_buf_reset(&out);
        assert_int_equal(a2a_json_put_string(&out, copy, r->in_len), 0);
        /* Row checks, not asserts: a failing row must not leave its count to the next test. */
        if (out.len < 2 || out.data[0] != '"' || out.data[out.len - 1] != '"') {
            row_fail("%s: a2a_json_put_string did not add the quotes", label);
        } else {
            check_bytes(label, out.data + 1, out.len - 2, r->want, r->want_len);
        }
        free(copy);
    }
    a2a_buf_free(&out);
    rows_done();
}

/*
 * Every byte value alone and between letters: the output never holds a raw control character,
 * a bare quote or a lone backslash, and unescaping it gives the input back.
 */
static void test_escape_round_trip(void **state)
{
    struct a2a_buf esc = {0};
    struct a2a_buf back = {0};

    (void)state;
    for (int c = 0; c < 256; c++) {
        char in[3] = {'a', (char)c, 'z'};

        a2a_buf_reset(&esc);
        assert_int_equal(a2a_json_escape(&esc, in, sizeof(in)), 0);
        for (size_t i = 0; i < esc.len; i++) {
            unsigned char b = (unsigned char)esc.data[i];
            assert_true(b >= 0x20);
            assert_true(b != '"' || (i > 0 && esc.data[i - 1] == '\\'));
        }
        if (c == 0) {
            assert_int_equal(a2a_json_unescape(esc.data, esc.len, &back), A2A_UNESCAPE_NUL);
            continue;
        }
        assert_int_equal(a2a_json_unescape(esc.data, esc.len, &back), A2A_UNESCAPE_OK);
        check_bytes("round trip", back.data, back.len, in, sizeof(in));
    }
    a2a_buf_free(&esc);
    a2a_buf_free(&back);
    rows_done();
}

/* The escaped form of every ASCII byte parses (cJSON) back to the same string. */
static void test_escape_is_json(void **state)
{
    struct a2a_buf doc = {0};
    char all[127];

    (void)state;
    for (int c = 1; c < 128; c++) {
        all[c - 1] = (char)c;
    }
    assert_int_equal(a2a_json_put_string(&doc, all, sizeof(all)), 0);
    assert_int_equal(a2a_buf_putc(&doc, '\0'), 0);
    {
        cJSON *j = cJSON_Parse(doc.data);
        assert_non_null(j);
        assert_true(cJSON_IsString(j));
        assert_int_equal(strlen(j->valuestring), sizeof(all));
        assert_memory_equal(j->valuestring, all, sizeof(all));
        cJSON_Delete(j);
    }
    a2a_buf_free(&doc);
}

/* ---- lossy strings: file names that are not UTF-8 ---------------------------------------- */

struct lossy_row {
    const char *in;
    size_t in_len;
    const char *want; /* the JSON text written */
};

static const struct lossy_row lossy_rows[] = {
    {L("plain.json"), "\"plain.json\""},
    {L("caf\xc3\xa9.json"), "\"caf\xc3\xa9.json\""},  /* valid UTF-8 kept as is */
    {L("a\xff.json"), "\"a\\ufffd.json\""},           /* one byte, one U+FFFD */
    {L("\xc3"), "\"\\ufffd\""},                       /* cut short at the end */
    {L("\xc3(x"), "\"\\ufffd(x\""},                   /* bad continuation */
    {L("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate, byte by byte */
    {L("\xc0\xaf"), "\"\\ufffd\\ufffd\""},            /* overlong */
    {L("\"q\"\n\xfe"), "\"\\\"q\\\"\\n\\ufffd\""},    /* escapes still apply */
};

static void test_put_string_lossy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(lossy_rows) / sizeof(lossy_rows[0]); i++) {
        const struct lossy_row *r = &lossy_rows[i];
        struct a2a_buf out = {0};
        cJSON *j;

        assert_int_equal(a2a_json_put_string_lossy(&out, r->in, r->in_len), 0);
        assert_int_equal(a2a_buf_putc(&out, '\0'), 0);
        if (strcmp(out.data, r->want) != 0) {
            row_fail("lossy row %zu: %s, want %s", i, out.data, r->want);
        }
        j = cJSON_Parse(out.data); /* valid JSON whatever the bytes were */
        if (j == NULL || !cJSON_IsString(j) ||
            !a2a_utf8_valid((const unsigned char *)j->valuestring, strlen(j->valuestring))) {
            row_fail("lossy row %zu: not a JSON string of valid UTF-8", i);
        }
        cJSON_Delete(j);
        a2a_buf_free(&out);
    }
    rows_done();
}

/* ---- quoting for messages --------------------------------------------------------------- */

struct quote_row {
    const char *in;
    size_t in_len;
    size_t max_shown;
    const char *want;
};

#define QROW(in, max, want)                                                                        \
    {                                                                                              \
        L(in), (max), (want)                                                                       \
    }

#define X10 "xxxxxxxxxx"
#define X64 X10 X10 X10 X10 X10 X10 "xxxx"

static const struct quote_row quote_rows[] = {
    QROW("", 64, "\"\""),
    QROW("abc", 64, "\"abc\""),
    QROW("1e3", 64, "\"1e3\""),
    QROW("a\"b\\c", 64, "\"a\\x22b\\x5cc\""),
    QROW("line\nbreak\r", 64, "\"line\\x0abreak\\x0d\""),
    QROW("a\0b", 64, "\"a\\x00b\""),
    QROW("\x1b[31m\x7f", 64, "\"\\x1b[31m\\x7f\""),
    QROW("caf\xc3\xa9", 64, "\"caf\\xc3\\xa9\""),
    QROW("\xff", 64, "\"\\xff\""),
    QROW("abcdef", 3, "\"abc...\" (6 bytes)"),
    QROW("abc", 3, "\"abc\""),
    QROW("ab", 0, "\"...\" (2 bytes)"),
    QROW(X64, 64, "\"" X64 "\""),
    QROW(X64 "y", 64, "\"" X64 "...\" (65 bytes)"),
    QROW(X64 "y", 1000, "\"" X64 "...\" (65 bytes)"), /* never more than 64 shown */
};

static void test_quote_table(void **state)
{
    char out[512];

    (void)state;
    for (size_t k = 0; k < sizeof(quote_rows) / sizeof(quote_rows[0]); k++) {
        const struct quote_row *r = &quote_rows[k];
        struct a2a_str v = {r->in, r->in_len};

        memset(out, 'Z', sizeof(out));
        a2a_quote_for_message(out, sizeof(out), v, r->max_shown);
        if (strcmp(out, r->want) != 0) {
            row_fail("quote row %zu: got %s, want %s", k, out, r->want);
        }
    }
    rows_done();
}

/* Whatever the bytes, the result is one line of printable ASCII that fits the buffer. */
static void test_quote_is_printable(void **state)
{
    unsigned char all[256];
    char out[400];
    char small[9];
    struct a2a_str v = {(const char *)all, sizeof(all)};

    (void)state;
    for (int c = 0; c < 256; c++) {
        all[c] = (unsigned char)(255 - c);
    }
    for (size_t off = 0; off < 256; off += 64) {
        struct a2a_str part = {(const char *)all + off, 64};
        size_t want = 2;

        for (size_t i = 0; i < 64; i++) {
            unsigned char c = all[off + i];
            want += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? 1 : 4;
        }
        a2a_quote_for_message(out, sizeof(out), part, 64);
        assert_int_equal(strlen(out), want);
        for (size_t i = 0; out[i] != '\0'; i++) {
            assert_true(out[i] >= 0x20 && out[i] < 0x7f);
        }
    }
    a2a_quote_for_message(out, sizeof(out), v, 64);
    assert_non_null(strstr(out, "...\" (256 bytes)"));
    /* a short buffer is cut, still terminated */
    memset(small, 'Z', sizeof(small));
    a2a_quote_for_message(small, sizeof(small), v, 64);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "\"\\xff\\xf", 8);
}

int main(void)
{
    const struct CMUnitTest utf8[] = {
        cmocka_unit_test(test_utf8_table),
        cmocka_unit_test(test_utf8_every_code_point),
    };
    const struct CMUnitTest unescape[] = {
        cmocka_unit_test(test_unescape_table),
        cmocka_unit_test(test_unescape_matches_cjson),
        cmocka_unit_test(test_unescape_keep_nul),
    };
    const struct CMUnitTest escape[] = {
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_escape_round_trip),
        cmocka_unit_test(test_escape_is_json),
    };
    const struct CMUnitTest quote[] = {
        cmocka_unit_test(test_quote_table),
        cmocka_unit_test(test_quote_is_printable),
        cmocka_unit_test(test_put_string_lossy),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("utf8", utf8, NULL, NULL);
    failed += cmocka_run_group_tests_name("unescape", unescape, NULL, NULL);
    failed += cmocka_run_group_tests_name("escape", escape, NULL, NULL);
    failed += cmocka_run_group_tests_name("quote_for_message", quote, NULL, NULL);
    return failed;
}
