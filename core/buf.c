#include "buf.h"

#include <stdlib.h>
#include <string.h>

int a2a_buf_reserve(struct a2a_buf *b, size_t extra)
{
    size_t want;
    size_t cap;
    char *p;

    if (extra <= b->cap - b->len) {
        return 0;
    }
    if (extra > SIZE_MAX - b->len) {
        return -1;
    }
    want = b->len + extra;
    cap = b->cap < 64 ? 64 : b->cap;
    while (cap < want) {
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    }
    p = realloc(b->data, cap);
    if (p == NULL) {
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int a2a_buf_append(struct a2a_buf *b, const void *data, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if (a2a_buf_reserve(b, len) != 0) {
        return -1;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

int a2a_buf_puts(struct a2a_buf *b, const char *s)
{
    return a2a_buf_append(b, s, strlen(s));
}

int a2a_buf_putc(struct a2a_buf *b, char c)
{
    if (a2a_buf_reserve(b, 1) != 0) {
        return -1;
    }
    b->data[b->len++] = c;
    return 0;
}

int a2a_buf_put_u64(struct a2a_buf *b, uint64_t v)
{
    char tmp[20];
    size_t n = 0;

    do {
        tmp[sizeof(tmp) - 1 - n] = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v != 0);
    return a2a_buf_append(b, tmp + sizeof(tmp) - n, n);
}

int a2a_buf_put_i64(struct a2a_buf *b, int64_t v)
{
    uint64_t mag;

    if (v >= 0) {
        return a2a_buf_put_u64(b, (uint64_t)v);
    }
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
    mag = (uint64_t)0 - (uint64_t)v;
    if (a2a_buf_putc(b, '-') != 0) {
        return -1;
    }
    return a2a_buf_put_u64(b, mag);
}

void a2a_buf_reset(struct a2a_buf *b)
{
    b->len = 0;
}

void a2a_buf_free(struct a2a_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
