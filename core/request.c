#include "request.h"

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
