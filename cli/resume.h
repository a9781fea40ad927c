/*
 * The resume point of a run whose input was not read to its end, as an operator sees it:
 * two lines on stderr, the last --report line, a member of --summary-json, and the command
 * that continues from there.
 */
#ifndef A2A_CLI_RESUME_H
#define A2A_CLI_RESUME_H

#include "batch.h"
#include "buf.h"
#include "messages.h"
#include "options.h"

/*
 * The command that continues the run: this run's options (header values that look like
 * secrets replaced, output files renamed "NAME.resume.EXT" so that this run's stay),
 * --resume-from with the point's offset, then the input reading stopped in and the inputs
 * after it. An input that cannot be resumed (standard input, a pipe) is written FILE: the
 * operator saves the same bytes there first.
 *
 * When that input failed (an input error) and inputs follow it, a second command after the
 * first's NUL reads those: the way on when the input cannot be fixed (an empty file).
 *
 * A stream names its own place: --shard ID --from after:SEQ for the shard reading stopped
 * in, and a second command (outputs "NAME.resume-rest.EXT") for the shards not read yet,
 * each from this run's --from. The second command follows the first's NUL; a second NUL
 * ends the string when there is none. A shard opened at latest again is not the same place
 * (what was written between the runs is skipped): place.inexact, and resume_print says so.
 *
 * max_record, when not NULL, is the continuation's --max-record-size, in place of this run's
 * (a record outgrew it: see resume_raised_limit()).
 *
 * Returns an owned string, or NULL (out of memory; for a stream also: nothing is left).
 */
char *resume_command(const struct a2a_resume_point *rp, const struct options *o, char **argv,
                     const char *max_record);

/*
 * After a record outgrew --max-record-size (limit A2A_LIMIT_MAX_RECORD): the limit a
 * continuation needs, in decimal into buf (24 bytes hold any): the record's size (needed)
 * rounded up to a KiB when it was measured whole, else twice this run's limit (current), at
 * most OPTIONS_MAX_RECORD_LARGEST. Returns 1 with buf filled; 0: no such stop, or no larger
 * limit to give (the record can then not be read at all).
 */
int resume_raised_limit(enum a2a_limit limit, uint64_t needed, size_t current, char *buf,
                        size_t cap);

/*
 * A command that reads again ranges a stream run left unreadable (read_again.h): this run's
 * options, output files renamed with suffix (".read-again"), then --shard for each of
 * shards and --from from, in place of this run's. With nshards 0 this run's --shard and
 * --from stay (the stream could not be listed: all of it is read again). Returns an owned
 * string, or NULL (out of memory).
 */
char *resume_range_command(const char *const *shards, size_t nshards, const char *from,
                           const char *suffix, const struct options *o, char **argv);

/*
 * --resume-from OFFSET FILE: FILE must be a regular file in which a record ends just before
 * OFFSET, as at every resume point (read up to there with the run's --max-record-size,
 * watching cancel). Returns 0 with place filled (give the run place->in), or -1 with
 * err set: A2A_E_CONFIG (the run must not start; place->limit when a record before OFFSET
 * outgrew max_record), A2A_E_INTERRUPTED (cancel was raised).
 */
int resume_check(const char *path, unsigned long long offset, size_t max_record,
                 const volatile sig_atomic_t *cancel, struct a2a_resume_place *place,
                 struct a2a_error *err);

/* The resume point on stderr: shown even with -q, it is what an operator needs next. */
void resume_print(struct messages *m, const struct a2a_resume_point *rp, const char *command);

/*
 * A continuation that starts in an earlier input (a message before it may pass when sent
 * again) names the inputs after it again: for each one this run read, all or in part, that
 * cannot be read again (standard input, a pipe, a device), one line says it must be given the
 * same bytes again. read_to: the index of the last input reading reached; read_to_offset:
 * how far into it.
 */
void resume_print_read_again(struct messages *m, const struct a2a_resume_point *rp,
                             const struct options *o, size_t read_to, uint64_t read_to_offset);

/*
 * Beside the commands printed (continuation, read-again): when they write <redacted> for a -H
 * value, says which and how to put it back; pasted as printed, they would send the word.
 */
void resume_say_redacted(struct messages *m, const struct options *o);

/* The resume point as a JSON object (no newline). Returns 0 or -1 (out of memory). */
int resume_put_json(struct a2a_buf *b, const struct a2a_resume_point *rp, const char *command);

#endif
