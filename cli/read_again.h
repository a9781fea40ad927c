/*
 * What a stream run left unreadable but not lost (stream_opts.h: struct stream_unread), as
 * an operator reads it again: one command a start, said on stderr, as a --report line and
 * as a member of --summary-json. The resume point (resume.h) is where a stop left the read;
 * these are the ranges the read went past, failing.
 */
#ifndef A2A_CLI_READ_AGAIN_H
#define A2A_CLI_READ_AGAIN_H

#include <stddef.h>

#include "buf.h"
#include "messages.h"
#include "options.h"
#include "stream_opts.h"

struct read_again {
    const char *from;    /* borrowed from the unread list: --from of the command */
    const char **shards; /* owned array of ids borrowed from the unread list; none: the
                            whole stream, which could not be listed */
    size_t nshards;
    char *command; /* owned */
};

struct read_again_list {
    struct read_again *items; /* owned */
    size_t n;
    const char *to; /* borrowed from the options: --to of every command; NULL for none */
    int incomplete; /* out of memory: not every unread range has its command */
};

/*
 * The commands for si's unread ranges: those unread from the same start share one, each
 * "after:SEQ" has its own; output files renamed "NAME.read-again.EXT" (".read-again-2", ...
 * for the second on). l borrows from si: keep si until read_again_free(). Returns 0, or -1
 * when memory ran out (l->incomplete set, what was built kept).
 */
int read_again_build(struct read_again_list *l, const struct stream_input *si,
                     const struct options *o, char **argv);

/* Two lines a command on stderr, shown even with -q; one more when the list is incomplete. */
void read_again_print(struct messages *m, const struct read_again_list *l);

/*
 * The list as a JSON array of {"shardIds":[...] or null,"from","exact","command"} (no
 * newline). Returns 0 or -1 (out of memory).
 */
int read_again_put_json(struct a2a_buf *b, const struct read_again_list *l);

void read_again_free(struct read_again_list *l);

#endif
