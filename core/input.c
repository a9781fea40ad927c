#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct a2a_input {
    struct a2a_memory mem;      /* the source's state for mem input */
    struct a2a_files *files;    /* owned; NULL for mem input */
    struct a2a_scanner *reader; /* owned */
    struct a2a_items *items;    /* owned; NULL unless the config asked for shapes */
};

int a2a_input_open(struct a2a_input **out, const struct a2a_input_config *cfg,
                   struct a2a_error *err)
{
    struct a2a_input *in = calloc(1, sizeof(*in));
    struct a2a_scanner_config scfg = {
        .read_chunk = cfg->read_chunk,
        .max_record = cfg->max_record,
        .mode = cfg->shapes ? A2A_SCAN_SHAPES : A2A_SCAN_EVENTS,
        .no_ahead = !cfg->scan_ahead,
        /* only the files of the command line can be resumed */
        .resume_offset = cfg->mem != NULL || cfg->source != NULL ? 0 : cfg->resume_offset,
        .resume_in = cfg->resume_in};
    struct a2a_items_config itcfg = {.max_record = cfg->max_record, .read_chunk = cfg->read_chunk};
    struct a2a_source src;
    int rc = -1;

    *out = NULL;
    if (in == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    if (cfg->source != NULL) {
        src = *cfg->source;
    } else if (cfg->mem != NULL) {
        in->mem =
            (struct a2a_memory){.bytes = cfg->mem, .len = cfg->mem_len, .name = cfg->mem_name};
        a2a_memory_source(&src, &in->mem);
    } else {
        struct a2a_files_config fcfg = {.paths = cfg->paths,
                                        .npaths = cfg->npaths,
                                        .cancel = cfg->cancel,
                                        .wake_fd = cfg->wake_fd,
                                        .wait_hook = cfg->wait_hook,
                                        .wait_ctx = cfg->wait_ctx,
                                        .resume_offset = cfg->resume_offset};
        if (a2a_files_open(&in->files, &fcfg, err) != 0) {
            goto out;
        }
        a2a_files_source(&src, in->files);
    }
    if (a2a_scanner_open(&in->reader, &src, &scfg, err) != 0) {
        goto out;
    }
    if (cfg->shapes && a2a_items_open(&in->items, in->reader, &itcfg, err) != 0) {
        goto out;
    }
    *out = in;
    in = NULL;
    rc = 0;
out:
    a2a_input_free(&in);
    return rc;
}

int a2a_input_next(struct a2a_input *in, struct a2a_raw_record *rec, struct a2a_error *err)
{
    return a2a_scanner_next(in->reader, rec, err);
}

int a2a_input_next_item(struct a2a_input *in, struct a2a_item *item, struct a2a_error *err)
{
    if (in->items == NULL) {
        a2a_error_set(err, A2A_E_INTERNAL, "input opened without shapes");
        return -1;
    }
    return a2a_items_next(in->items, item, err);
}

void a2a_input_set_deadline(struct a2a_input *in, int64_t deadline_ms)
{
    if (in->files != NULL) {
        a2a_files_set_deadline(in->files, deadline_ms);
    }
}

const char *a2a_input_current_name(const struct a2a_input *in)
{
    return a2a_scanner_name(in->reader);
}

uint64_t a2a_input_current_offset(const struct a2a_input *in)
{
    return a2a_scanner_offset(in->reader);
}

size_t a2a_input_current_index(const struct a2a_input *in)
{
    return a2a_scanner_input_index(in->reader);
}

uint64_t a2a_input_documents(const struct a2a_input *in)
{
    return a2a_scanner_documents(in->reader);
}

int a2a_input_current_resumable(const struct a2a_input *in)
{
    return in->files != NULL && a2a_files_resumable(in->files);
}

int a2a_input_message_place(const struct a2a_input *in, uint64_t *end, uint64_t *message)
{
    size_t input;
    uint64_t at;
    uint64_t whose;

    if (in->items == NULL || !a2a_items_place(in->items, &input, &at, &whose) ||
        input != a2a_input_current_index(in) || whose == 0) {
        return 0;
    }
    *end = at;
    *message = whose;
    return 1;
}

enum a2a_limit a2a_input_limit(const struct a2a_input *in)
{
    return a2a_scanner_limit(in->reader);
}

uint64_t a2a_input_limit_needed(const struct a2a_input *in)
{
    uint64_t needed = a2a_scanner_limit_needed(in->reader);
    uint64_t at;

    /* Outgrown before its end was read: a regular file is read again to its end, so that a
     * continuation can be given a limit that holds it, not one twice as large, then twice
     * again, run after run (review 64). */
    if (needed == 0 && in->files != NULL && a2a_scanner_limit_at(in->reader, &at)) {
        (void)a2a_files_value_size(in->files, at, A2A_INPUT_MAX_RECORD_LARGEST, &needed);
    }
    return needed;
}

enum a2a_encoding a2a_input_encoding(const struct a2a_input *in)
{
    return a2a_scanner_encoding(in->reader);
}

/* The resume point before a refused offset, said after where the offset falls. */
static void say_before(struct a2a_error *err, const char *where, uint64_t before)
{
    if (before == 0) {
        a2a_error_set(err, A2A_E_CONFIG, "%s; the resume point before it is 0, the file's start",
                      where);
    } else {
        a2a_error_set(err, A2A_E_CONFIG, "%s; the resume point before it is byte %llu", where,
                      (unsigned long long)before);
    }
}

/*
 * Says where a refused offset falls, given the first value cut that ends at or after it
 * (NULL: none does) and whether any value came before.
 */
static int not_a_place(uint64_t offset, const struct a2a_raw_record *rec, int any,
                       const struct a2a_resume_place *place, struct a2a_error *err)
{
    char where[320];
    const char *what = "the record";

    if (rec != NULL && rec->origin == A2A_FROM_MESSAGES) {
        what = "an element of a \"Messages\" array";
    }
    if (rec == NULL) {
        snprintf(where, sizeof(where), any ? "it is after the last record" : "it holds no record");
    } else if (rec->offset < offset) {
        snprintf(where, sizeof(where), "it is inside %s at bytes %llu to %llu", what,
                 (unsigned long long)rec->offset, (unsigned long long)(rec->offset + rec->len - 1));
    } else {
        snprintf(where, sizeof(where),
                 "no record ends just before it (the next starts at byte %llu)",
                 (unsigned long long)rec->offset);
    }
    say_before(err, where, place->before);
    return 1;
}

static const enum a2a_resume_in resume_in_of[] = {
    [A2A_FROM_DOCUMENT] = A2A_RESUME_BETWEEN,
    [A2A_FROM_RECORDS] = A2A_RESUME_IN_RECORDS,
    [A2A_FROM_ARRAY] = A2A_RESUME_IN_ARRAY,
    [A2A_FROM_MESSAGES] = A2A_RESUME_IN_MESSAGES,
};

/* Between records, often enough that a stop is seen at once, rarely enough to cost nothing. */
#define CANCEL_EVERY 1024

int a2a_input_check_resume(const struct a2a_input_config *cfg, struct a2a_resume_place *place,
                           struct a2a_error *err)
{
    struct a2a_files_config fcfg = {.paths = cfg->paths, .npaths = 1};
    struct a2a_scanner_config scfg = {.max_record = cfg->max_record,
                                      .mode = cfg->shapes ? A2A_SCAN_SHAPES : A2A_SCAN_EVENTS,
                                      .no_ahead = !cfg->scan_ahead};
    struct a2a_files *files = NULL;
    struct a2a_scanner *sc = NULL;
    struct a2a_source src;
    struct a2a_raw_record rec;
    uint64_t offset = cfg->resume_offset;
    uint64_t seen = 0; /* values cut, messages too */
    int rc = -1;
    int r;

    memset(place, 0, sizeof(*place));
    if (a2a_files_open(&files, &fcfg, err) != 0) {
        return -1;
    }
    a2a_files_source(&src, files);
    if (a2a_scanner_open(&sc, &src, &scfg, err) != 0) {
        goto out;
    }
    while ((r = a2a_scanner_next(sc, &rec, err)) == 1) {
        uint64_t end = rec.offset + rec.len;
        if (end >= offset) {
            if (end == offset) {
                place->in = resume_in_of[rec.origin];
                rc = 0;
            } else {
                rc = not_a_place(offset, &rec, seen > 0, place, err);
            }
            goto out;
        }
        place->before = end;
        if (++seen % CANCEL_EVERY == 0 && cfg->cancel != NULL && *cfg->cancel) {
            a2a_error_set(err, A2A_E_INTERRUPTED, "interrupted");
            goto out;
        }
    }
    if (r == 0) {
        rc = not_a_place(offset, NULL, seen > 0, place, err);
    } else {
        place->limit = a2a_scanner_limit(sc);
    }
out:
    a2a_scanner_free(&sc);
    a2a_files_free(&files);
    return rc;
}

void a2a_input_free(struct a2a_input **pin)
{
    struct a2a_input *in = *pin;

    if (in == NULL) {
        return;
    }
    a2a_items_free(&in->items);
    a2a_scanner_free(&in->reader);
    a2a_files_free(&in->files);
    free(in);
    *pin = NULL;
}
