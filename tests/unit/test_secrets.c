/*
 * cli/secrets.h: which header names carry credentials, which URLs hold user information, and
 * which plain-http URLs leave the machine. Every row states the answer for one string.
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

#include "secrets.h"

struct row {
    const char *s;
    int want;
};

static void check(const char *what, int (*f)(const char *), const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = f(rows[i].s);
        if (got != rows[i].want) {
            row_fail("%s(\"%s\") = %d, expected %d", what, rows[i].s, got, rows[i].want);
        }
    }
    rows_done();
}

static const struct row header_rows[] = {
    {"Authorization: Bearer t", 1},
    {"authorization:Basic x", 1},
    {"Proxy-Authorization: Basic x", 1},
    {"Cookie: s=1", 1},
    {"X-Api-Key: k", 1},
    {"X-APIKEY: k", 1},
    {"X-Auth-Token: t", 1},
    {"X-Client-Secret: s", 1},
    {"X-Password: p", 1},
    {"X-Trace: token", 0}, /* the value does not decide: only the name */
    {"X-Tenant: acme", 0},
    {"Authorization-Hint: x", 0},
    {"Accept-Language: en", 0},
};

static const struct row userinfo_rows[] = {
    {"https://user:pass@host/r", 1}, {"http://user@127.0.0.1:1/r", 1},
    {"https://:pass@host", 1},       {"https://host/r@x", 0}, /* '@' in the path */
    {"https://host/r?u=a@b", 0},     {"https://host#a@b", 0},
    {"https://host:8443/r", 0},      {"http://[::1]:1/r", 0},
};

/* URLs are only classified here (a pure string check); nothing connects to any of them. */
static const struct row cleartext_rows[] = {
    {"http://127.0.0.1:1/r", 0},
    {"http://127.255.255.254/r", 0},
    {"http://127.1/r", 0},
    {"http://localhost:8080/r", 0},
    {"HTTP://LOCALHOST./r", 0},
    {"http://[::1]:1/r", 0},
    {"http://[0:0:0:0:0:0:0:1]/r", 0},
    {"http://[::ffff:127.0.0.1]/r", 0},
    {"http://localhost", 0},
    {"https://192.0.2.1/r", 0}, /* TLS: not clear text */
    {"http://192.0.2.1/r", 1},
    {"http://128.0.0.1/r", 1},
    {"http://10.0.0.1:8080/r", 1},
    {"http://[2001:db8::1]/r", 1},
    {"http://[::2]/r", 1},
    {"http://127.0.0.1.example.com/r", 1},
    {"http://localhost.example.com/r", 1},
    {"http://a2a.internal/r", 1},
    {"http://[::1/r", 1}, /* unclosed bracket: not known to be loopback */
};

static void test_credential_headers(void **state)
{
    (void)state;
    check("header", secrets_header_is_credential, header_rows,
          sizeof(header_rows) / sizeof(header_rows[0]));
}

static void test_userinfo(void **state)
{
    (void)state;
    check("userinfo", secrets_url_has_userinfo, userinfo_rows,
          sizeof(userinfo_rows) / sizeof(userinfo_rows[0]));
}

static void test_cleartext_remote(void **state)
{
    (void)state;
    check("cleartext", secrets_url_cleartext_remote, cleartext_rows,
          sizeof(cleartext_rows) / sizeof(cleartext_rows[0]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_credential_headers),
        cmocka_unit_test(test_userinfo),
        cmocka_unit_test(test_cleartext_remote),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
