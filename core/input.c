#include "input.h"

#include <stdlib.h>

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
        .resume_offset = cfg->mem != NULL || cfg->source != NULL ? 0 : cfg->resume_offset};
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

int a2a_input_current_resumable(const struct a2a_input *in)
{
    return in->files != NULL && a2a_files_resumable(in->files);
}

enum a2a_limit a2a_input_limit(const struct a2a_input *in)
{
    return a2a_scanner_limit(in->reader);
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
