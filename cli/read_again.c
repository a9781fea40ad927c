#include "read_again.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstr.h"
#include "resume.h"

#define SHARDS_NAMED 3 /* in a line on stderr: the command names them all */

/* The group u joins: the whole stream alone, else the one of the same start; NULL: new. */
static struct read_again *group_of(struct read_again_list *l, const struct stream_unread *u)
{
    for (size_t k = 0; u->shard_id != NULL && k < l->n; k++) {
        if (l->items[k].nshards > 0 && strcmp(l->items[k].from, u->from) == 0) {
            return &l->items[k];
        }
    }
    return NULL;
}

/* Puts u into its group, or a new one. Returns 0 or -1 (out of memory). */
static int add_unread(struct read_again_list *l, const struct stream_unread *u)
{
    struct read_again *g = group_of(l, u);
    const char **shards;

    if (g == NULL) {
        struct read_again *grown = realloc(l->items, (l->n + 1) * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        l->items = grown;
        g = &l->items[l->n++];
        *g = (struct read_again){u->from, NULL, 0, NULL};
    }
    if (u->shard_id == NULL) {
        return 0;
    }
    for (size_t k = 0; k < g->nshards; k++) {
        if (strcmp(g->shards[k], u->shard_id) == 0) {
            return 0; /* a range once, however often it was reported */
        }
    }
    shards = realloc(g->shards, (g->nshards + 1) * sizeof(*shards));
    if (shards == NULL) {
        return -1;
    }
    g->shards = shards;
    g->shards[g->nshards++] = u->shard_id;
    return 0;
}

int read_again_build(struct read_again_list *l, const struct stream_input *si,
                     const struct options *o, char **argv)
{
    memset(l, 0, sizeof(*l));
    l->incomplete = si->unread_lost;
    l->to = o->stream.to;
    for (size_t i = 0; i < si->nunread; i++) {
        if (add_unread(l, &si->unread[i]) != 0) {
            l->incomplete = 1;
        }
    }
    for (size_t k = 0; k < l->n; k++) {
        char suffix[48] = ".read-again";
        struct read_again *g = &l->items[k];
        if (k > 0) {
            snprintf(suffix, sizeof(suffix), ".read-again-%zu", k + 1);
        }
        g->command = resume_range_command(g->shards, g->nshards, g->from, suffix, o, argv);
        l->incomplete |= g->command == NULL;
    }
    return l->incomplete ? -1 : 0;
}

/* A --from latest again is not the same place: what was written between the runs is not read. */
static int exact(const struct read_again *g)
{
    return strcmp(g->from, "latest") != 0;
}

/* "shard ID", "3 shards (A, B, C)" or "4 shards (A, B, C, and 1 more)". */
static void name_shards(char *dst, size_t cap, const struct read_again *g)
{
    size_t used;

    if (g->nshards == 1) {
        snprintf(dst, cap, "shard %s", g->shards[0]);
        return;
    }
    used = (size_t)snprintf(dst, cap, "%zu shards (", g->nshards);
    for (size_t k = 0; k < g->nshards && k < SHARDS_NAMED && used < cap; k++) {
        used += (size_t)snprintf(dst + used, cap - used, "%s%s", k > 0 ? ", " : "", g->shards[k]);
    }
    if (used < cap && g->nshards > SHARDS_NAMED) {
        used +=
            (size_t)snprintf(dst + used, cap - used, ", and %zu more", g->nshards - SHARDS_NAMED);
    }
    if (used < cap) {
        snprintf(dst + used, cap - used, ")");
    }
}

void read_again_print(struct messages *m, const struct read_again_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        const struct read_again *g = &l->items[k];
        char shards[512];

        if (g->nshards == 0) {
            msg_error(m, "UNREAD: the whole stream (its shards could not be listed)");
        } else {
            name_shards(shards, sizeof(shards), g);
            msg_error(m, "UNREAD: %s, from %s %s%s%s", shards, g->from,
                      l->to != NULL ? "to " : "on", l->to != NULL ? l->to : "",
                      exact(g) ? ""
                               : " (not exact: read at latest again, the records written "
                                 "between the runs are not read)");
        }
        if (g->command != NULL) {
            msg_error(m, "read it again with: %s", g->command);
        }
    }
    if (l->incomplete) {
        msg_error(m, "out of memory: not every unread range has its command here; the lines "
                     "above name each unreadable range");
    }
}

int read_again_put_json(struct a2a_buf *b, const struct read_again_list *l)
{
    int rc = a2a_buf_putc(b, '[');

    for (size_t k = 0; k < l->n; k++) {
        const struct read_again *g = &l->items[k];
        rc |= a2a_buf_puts(b, k > 0 ? ",{\"shardIds\":" : "{\"shardIds\":");
        if (g->nshards == 0) {
            rc |= a2a_buf_puts(b, "null");
        }
        for (size_t i = 0; i < g->nshards; i++) {
            rc |= a2a_buf_putc(b, i > 0 ? ',' : '[');
            rc |= a2a_json_put_string(b, g->shards[i], strlen(g->shards[i]));
            rc |= i + 1 == g->nshards ? a2a_buf_putc(b, ']') : 0;
        }
        rc |= a2a_buf_puts(b, ",\"from\":");
        rc |= a2a_json_put_string(b, g->from, strlen(g->from));
        rc |= a2a_buf_puts(b, exact(g) ? ",\"exact\":true" : ",\"exact\":false");
        rc |= a2a_buf_puts(b, ",\"command\":");
        rc |= g->command != NULL ? a2a_json_put_string_lossy(b, g->command, strlen(g->command))
                                 : a2a_buf_puts(b, "null");
        rc |= a2a_buf_putc(b, '}');
    }
    rc |= a2a_buf_putc(b, ']');
    return rc == 0 ? 0 : -1;
}

void read_again_free(struct read_again_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        free(l->items[k].shards);
        free(l->items[k].command);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}
