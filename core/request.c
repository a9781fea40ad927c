#include "request.h"

#include <string.h>
#include <strings.h>

int a2a_request_body(struct a2a_buf *out, const struct a2a_pending *p)
{
    int rc = 0;

    rc |= a2a_buf_puts(out, "{\"tenant\":");
    rc |= a2a_json_put_string(out, p->tenant.ptr, p->tenant.len);
    rc |= a2a_buf_puts(out, ",\"taskId\":");
    rc |= a2a_json_put_string(out, p->task_id.ptr, p->task_id.len);
    rc |= a2a_buf_puts(out, ",\"owner\":");
    rc |= a2a_json_put_string(out, p->owner.ptr, p->owner.len);
    rc |= a2a_buf_puts(out, ",\"eventSequence\":");
    rc |= a2a_buf_put_u64(out, p->event_sequence);
    rc |= a2a_buf_puts(out, ",\"recordedAtMicros\":");
    rc |= a2a_buf_put_i64(out, p->recorded_at_micros);
    rc |= a2a_buf_putc(out, '}');
    return rc == 0 ? 0 : -1;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int a2a_percent_encode(struct a2a_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            if (a2a_buf_putc(out, (char)c) != 0) {
                return -1;
            }
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};
            if (a2a_buf_append(out, esc, sizeof(esc)) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Bytes a2a_percent_encode() makes of s. */
static size_t percent_encoded_len(struct a2a_str s)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len; i++) {
        n += unreserved((unsigned char)s.ptr[i]) ? 1 : 3;
    }
    return n;
}

int a2a_request_url_is_https(const char *url)
{
    return url != NULL && strncasecmp(url, "https://", 8) == 0;
}

size_t a2a_request_key_header_max(const char *url)
{
    return a2a_request_url_is_https(url) ? A2A_REQUEST_KEY_HEADER_MAX_HTTPS
                                         : A2A_REQUEST_KEY_HEADER_MAX;
}

size_t a2a_request_key_header_too_long(const struct a2a_pending *p, size_t limit)
{
    size_t n;

    /* Each byte encodes to 3 at most: the exact count is needed only near the limit. */
    if (p->tenant.len + p->task_id.len <= (limit - 64) / 3) {
        return 0;
    }
    n = sizeof("Idempotency-Key: ") - 1 + percent_encoded_len(p->tenant) + 1 +
        percent_encoded_len(p->task_id) + 1 + 1;
    for (uint64_t v = p->event_sequence; v >= 10; v /= 10) {
        n++; /* the digits of eventSequence */
    }
    return n > limit ? n : 0;
}

int a2a_idempotency_key(struct a2a_buf *out, const struct a2a_pending *p)
{
    int rc = 0;

    rc |= a2a_percent_encode(out, p->tenant.ptr, p->tenant.len);
    rc |= a2a_buf_putc(out, ':');
    rc |= a2a_percent_encode(out, p->task_id.ptr, p->task_id.len);
    rc |= a2a_buf_putc(out, ':');
    rc |= a2a_buf_put_u64(out, p->event_sequence);
    return rc == 0 ? 0 : -1;
}

const char *const a2a_request_fixed_headers[] = {
    "Content-Type: application/json",
    "Accept: application/json",
    "User-Agent: a2a-recover/" A2A_VERSION,
    NULL,
};

const char a2a_request_no_expect_header[] = "Expect:";

const char *const a2a_request_reserved_names[] = {
    "Content-Type",
    "Content-Length",
    "Transfer-Encoding",
    "Idempotency-Key",
    "Accept",
    "User-Agent",
    "Expect",
    "Host",
    "Connection",
    NULL,
};

const char *a2a_request_reserved_header(const char *line)
{
    for (size_t i = 0; a2a_request_reserved_names[i] != NULL; i++) {
        const char *name = a2a_request_reserved_names[i];
        size_t len = strlen(name);
        if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
            return name;
        }
    }
    return NULL;
}

int a2a_request_auth_header(struct a2a_buf *out, const char *token)
{
    static const char prefix[] = "Authorization: Bearer ";
    size_t len = strlen(token);
    int rc = 0;

    if (a2a_buf_reserve(out, sizeof(prefix) + len) != 0) {
        return -1;
    }
    rc |= a2a_buf_puts(out, prefix);
    rc |= a2a_buf_append(out, token, len);
    rc |= a2a_buf_putc(out, '\0'); /* libcurl reads header lines as C strings */
    return rc == 0 ? 0 : -1;
}

int a2a_request_idempotency_header(struct a2a_buf *out, const struct a2a_pending *p)
{
    int rc = 0;

    rc |= a2a_buf_puts(out, "Idempotency-Key: ");
    rc |= a2a_idempotency_key(out, p);
    rc |= a2a_buf_putc(out, '\0'); /* libcurl reads header lines as C strings */
    return rc == 0 ? 0 : -1;
}
