/*
 * libFuzzer target for the redrive shapes: bytes -> scanner (SHAPES) -> items, nested
 * scanners included. The first byte picks the read size (bits 0-1: 1, 7, 4096 or all at
 * once) and a small largest-record limit (bit 2). Every item is checked, and the items of a
 * split read must equal those of one read: nothing may depend on where reads split.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "input.h"
#include "items.h"

/* Appends a digest of item to out: kind, message, range and bytes or text. */
static void digest(struct a2a_buf *out, const struct a2a_item *item, const uint8_t *input,
                   size_t len)
{
    const struct a2a_message *m = &item->msg;

    FUZZ_CHECK(a2a_buf_putc(out, (char)('0' + item->kind)) == 0);
    FUZZ_CHECK(a2a_buf_put_u64(out, m->index) == 0);
    switch (item->kind) {
    case A2A_ITEM_RECORD:
        FUZZ_CHECK(item->rec.len > 0 && item->rec.bytes != NULL);
        if (m->via == A2A_VIA_NONE) {
            /* A plain record is the input's own bytes. */
            FUZZ_CHECK(item->rec.offset + item->rec.len <= len);
            FUZZ_CHECK(memcmp(input + item->rec.offset, item->rec.bytes, item->rec.len) == 0);
        } else {
            FUZZ_CHECK(item->has_range && item->range.inline_records);
        }
        FUZZ_CHECK(a2a_buf_append(out, item->rec.bytes, item->rec.len) == 0);
        break;
    case A2A_ITEM_POINTER:
        FUZZ_CHECK(item->has_range && m->via != A2A_VIA_NONE && m->index > 0);
        FUZZ_CHECK(item->range.batch_size > 0 && item->range.stream_arn.len > 0);
        FUZZ_CHECK(item->range.start_seq.len >= 21 && item->range.end_seq.len >= 21);
        FUZZ_CHECK(a2a_range_key(&item->range, out) == 0);
        break;
    default:
        FUZZ_CHECK(item->text != NULL && m->via != A2A_VIA_NONE);
        for (const char *t = item->text; *t != '\0'; t++) {
            FUZZ_CHECK((unsigned char)*t >= 0x20); /* one line, whatever the input held */
        }
        FUZZ_CHECK(a2a_buf_puts(out, item->text) == 0);
        break;
    }
    FUZZ_CHECK(a2a_buf_putc(out, '\n') == 0);
}

static int run(const uint8_t *input, size_t len, size_t chunk, size_t max_record,
               struct a2a_buf *out, struct a2a_error *err)
{
    struct a2a_input_config cfg = {.mem = (const char *)input,
                                   .mem_len = len,
                                   .mem_name = "<fuzz>",
                                   .read_chunk = chunk,
                                   .max_record = max_record,
                                   .shapes = 1};
    struct a2a_input *in = NULL;
    struct a2a_item item;
    int r;

    FUZZ_CHECK(a2a_input_open(&in, &cfg, err) == 0);
    while ((r = a2a_input_next_item(in, &item, err)) == 1) {
        digest(out, &item, input, len);
    }
    a2a_input_free(&in);
    FUZZ_CHECK(r == 0 || err->code == A2A_E_INPUT);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t chunks[4] = {1, 7, 4096, 0};
    struct a2a_buf first = {NULL, 0, 0};
    struct a2a_buf whole = {NULL, 0, 0};
    struct a2a_error e1 = {A2A_OK, ""};
    struct a2a_error e2 = {A2A_OK, ""};
    size_t max_record;
    uint8_t *input;
    size_t len;
    int r1;
    int r2;

    if (size == 0) {
        return 0;
    }
    len = size - 1;
    input = malloc(len > 0 ? len : 1); /* exact size: reads past the end are caught */
    FUZZ_CHECK(input != NULL);
    memcpy(input, data + 1, len);
    max_record = (data[0] & 4) ? 256 : (size_t)1 << 20;
    r1 = run(input, len, chunks[data[0] & 3], max_record, &first, &e1);
    if (max_record > len) {
        r2 = run(input, len, len + 1, max_record, &whole, &e2);
        FUZZ_CHECK(r1 == r2 && first.len == whole.len);
        FUZZ_CHECK(first.len == 0 || memcmp(first.data, whole.data, first.len) == 0);
        FUZZ_CHECK(strcmp(e1.msg, e2.msg) == 0);
    }
    a2a_buf_free(&first);
    a2a_buf_free(&whole);
    free(input);
    return 0;
}
