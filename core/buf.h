/*
 * A growable byte buffer. Owns its storage; a2a_buf_free() releases it and is safe on a
 * zeroed or already-freed buffer.
 */
#ifndef A2A_BUF_H
#define A2A_BUF_H

#include <stddef.h>
#include <stdint.h>

struct a2a_buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
};

/* Each returns 0, or -1 when memory ran out (the buffer is then unchanged). */
int a2a_buf_reserve(struct a2a_buf *b, size_t extra);
int a2a_buf_append(struct a2a_buf *b, const void *data, size_t len);
int a2a_buf_puts(struct a2a_buf *b, const char *s);
int a2a_buf_putc(struct a2a_buf *b, char c);
int a2a_buf_put_u64(struct a2a_buf *b, uint64_t v);
int a2a_buf_put_i64(struct a2a_buf *b, int64_t v);
void a2a_buf_reset(struct a2a_buf *b);
void a2a_buf_free(struct a2a_buf *b);

#endif
