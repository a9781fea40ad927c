/*
 * The bookkeeping of a redrive, for the driver: the input messages whose records are still in
 * flight, the ranges already read, and the stream clients a pointer's range is read through.
 *
 * Messages. The driver opens a message at its first item and closes it when an item of
 * another message (or the end of the input) comes; each record of the message is counted
 * when it is placed and settled when its result is delivered. Results are delivered in input
 * order and a message's records are contiguous, so messages finish in input order: only the
 * oldest one can finish next, and memory holds the messages in flight only (the driver keeps
 * their number under its window). A message is acked when every record of it was
 * acknowledged or skipped, its range was read in full, and nothing in it failed; a message
 * naming a range an earlier message named is acked exactly when that one was, unless that
 * one did not read the range in full and this one can supply it (a2a_redrive_claim_range).
 *
 * Ranges. The key of every range is kept, so that a range named twice (a message received
 * twice) is read and replayed once: about 200 bytes per distinct range of the run.
 *
 * Streams. A pointer's range is read by a stream source (stream_source.h) over a Streams
 * client for the pointer's streamArn (its region comes from the ARN), made from the caller's
 * template: endpoint, profile, credentials, retries and cancel flag as for --stream.
 */
#ifndef A2A_REDRIVE_H
#define A2A_REDRIVE_H

#include <stdint.h>

#include "error.h"
#include "items.h"
#include "result.h"
#include "source.h"
#include "stream_source.h"
#include "streams_client.h"

/* A message as it finishes, for --acked-messages. Strings are borrowed for the callback. */
struct a2a_message_done {
    uint64_t index;    /* 1-based, in input order */
    const char *input; /* the input that holds it */
    uint64_t offset;   /* its byte offset there */
    int has_message_id;
    struct a2a_str message_id;
    int has_receipt_handle;
    struct a2a_str receipt_handle;
    uint64_t records; /* records replayed for it (0 for a duplicate: its first's count) */
    int duplicate;    /* its range was named by an earlier message, and m read nothing */
    int acked;        /* see above */
    int cut;          /* not acked because the run stopped before it was read and replayed in
                         full (a signal, --max-time, fail-fast): it stays in its queue */
};

/* A pointer's range that could not be read. All borrowed for the callback. */
struct a2a_pointer_unreadable {
    const struct a2a_unreadable *u; /* what the stream source says (u->error->msg, u->cause) */
    uint64_t message;               /* the message's index */
    int has_message_id;
    struct a2a_str message_id;
    int has_receipt_handle; /* what retires the message once its loss is recorded */
    struct a2a_str receipt_handle;
    const char *text; /* one line for the operator: message, range, first arrival, its age */
};

/* A message that cannot be used: an error of its own (a Body that is not JSON, an S3 payload
   short of its batch). All borrowed for the callback. */
struct a2a_message_unusable {
    const struct a2a_message *msg; /* its index, input, offset, MessageId and ReceiptHandle */
    const char *reason;            /* one line for the operator, naming the message */
};

struct a2a_redrive_config {
    /* Borrowed template for the Streams clients (stream_arn is set per pointer); NULL: no
       stream is ever contacted, every pointer's range is reported unreadable. */
    const struct a2a_streams_config *streams;
    void (*on_message)(void *ctx, const struct a2a_message_done *m);          /* may be NULL */
    void (*on_unreadable)(void *ctx, const struct a2a_pointer_unreadable *p); /* may be NULL */
    void (*on_unusable)(void *ctx, const struct a2a_message_unusable *u);     /* may be NULL */
    void *ctx;
};

struct a2a_redrive_stats {
    uint64_t messages;          /* messages begun */
    uint64_t acked;             /* messages acked */
    uint64_t duplicates;        /* messages naming a range named before, reading nothing */
    uint64_t ranges_read;       /* pointer ranges opened on a stream */
    uint64_t ranges_unreadable; /* of those, the ones that could not be read in full */
    uint64_t cut;               /* messages not acked because the run stopped first */
    uint64_t records_failed;    /* messages not acked only because records of their range
                                   failed (listed in the response), not cut, with no error of
                                   their own: a duplicate too, when its first's records did */
    uint64_t failed;            /* messages not acked for a reason of their own (reported) */
    uint64_t first_cut;         /* the first cut, in input order (1-based); 0: none */
    /* The first message to read again, in input order: cut, or failed in a way that may pass
       when sent again (a transient error, the answer that stopped the run, a range the stream
       may give when asked again: no credentials, retries spent, ...). Where a
       continuation must start. One that failed for a reason of its own is not read again, as
       in a run read to its end: its failure is reported, and would repeat. */
    uint64_t first_redo;               /* its 1-based index; 0: none */
    int first_redo_cut;                /* it was cut */
    size_t first_redo_input;           /* the index of the input that holds it */
    uint64_t first_redo_resume;        /* the resume offset before it (a2a_redrive_resume_before) */
    uint64_t first_redo_after;         /* the position of the input's record that ends there; 0 */
    uint64_t first_redo_failed_before; /* of `failed`, the ones a read from there skips */
    /* The last run of failed messages with one place before them: a read from that place
       reads them again, from a later one it does not. As every value's end is a place, each
       message has one of its own (the end of the value before it): a run of one. */
    size_t failed_tail_input;
    uint64_t failed_tail_resume;
    uint64_t failed_tail;
};

struct a2a_redrive;
struct a2a_redrive_message;

/* Returns 0, or -1 with err set (out of memory). */
int a2a_redrive_new(struct a2a_redrive **out, const struct a2a_redrive_config *cfg,
                    struct a2a_error *err);

/* Frees every message left (none of them acked) and the stream clients; NULLs *rd. */
void a2a_redrive_free(struct a2a_redrive **rd);

/* Opens the message of item (msg.via set). Returns it (owned by rd), or NULL: out of memory. */
struct a2a_redrive_message *a2a_redrive_begin(struct a2a_redrive *rd, const struct a2a_item *item,
                                              size_t input_index);

/*
 * Where a continuation must start to read m again: resume (the end of the input's last value
 * before it, which a read may go on from, or where reading began) and after (the position of
 * the record that ends there; 0 when none). A read from there reads m first.
 */
void a2a_redrive_resume_before(struct a2a_redrive_message *m, uint64_t resume, uint64_t after);

/* The message cannot be acked (an error in it, a range not read in full). */
void a2a_redrive_fail(struct a2a_redrive_message *m);

/* The message cannot be acked for a reason of its own, said once for each error in it: it is
   failed and handed to on_unusable. */
void a2a_redrive_unusable(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                          const struct a2a_message *msg, const char *reason);

/* The message cannot be acked because the run stopped before it was read in full. */
void a2a_redrive_cut(struct a2a_redrive_message *m);

/* A record of m was read: it must be settled before m can finish. */
void a2a_redrive_placed(struct a2a_redrive_message *m);

/* A record of m was delivered with this outcome; stopped_run: its answer stopped the run
   (fail-fast). m may be freed. */
void a2a_redrive_settled(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                         enum a2a_outcome outcome, int stopped_run);

/* No more items of m come. m may be freed. */
void a2a_redrive_close(struct a2a_redrive *rd, struct a2a_redrive_message *m);

/* Messages begun and not finished yet. */
size_t a2a_redrive_in_flight(const struct a2a_redrive *rd);

/* Of the messages that failed for a reason of their own, how many a read from offset in input
   skips: the ones whose place before them is earlier. offset is a place at or after the place
   before every message finished so far (a resume point, or the place before the next one). */
uint64_t a2a_redrive_failed_before(const struct a2a_redrive_stats *st, size_t input,
                                   uint64_t offset);

/* Fills the message fields of res from m (borrowed from m). */
void a2a_redrive_describe(const struct a2a_redrive_message *m, struct a2a_result *res);

/*
 * Claims m's range. Returns 0 (first time: m reads it), 1 (named before: m is a duplicate and
 * reads nothing), 2 (named before by a message that did not read it in full, and m can supply
 * it: m reads it, is acked on its own, and later messages naming it share m's fate), -1 (out
 * of memory, err set). What cannot be read in full: a range the stream failed (only an S3
 * payload supplies it then) and an S3 payload short of its batch (a payload or a pointer).
 */
int a2a_redrive_claim_range(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                            const struct a2a_range *range, struct a2a_error *err);

/*
 * Opens m's range (exactly shard_id from start_seq, AT_SEQUENCE_NUMBER, through end_seq
 * inclusive) as a source in *src, valid until a2a_redrive_close_range(). An unreadable range
 * fails m, is counted and goes to on_unreadable. Returns 0, or -1 with err set: A2A_E_NOMEM,
 * or a client that could not be made (reported as unreadable too; m is failed).
 */
int a2a_redrive_open_range(struct a2a_redrive *rd, struct a2a_redrive_message *m,
                           const struct a2a_range *range, struct a2a_source *src,
                           struct a2a_error *err);

/* 1 when the range open now was reported unreadable. */
int a2a_redrive_range_failed(const struct a2a_redrive *rd);

/*
 * The open range was read to its end or its failure, the run going on: a refusal that may be
 * its message's own (not found, rejected) before any good answer for the stream's account is
 * told from the run's trouble by one ListStreams call (a2a_streams_confirm). Not called when
 * the run stops: then the message is read again.
 */
void a2a_redrive_range_done(struct a2a_redrive *rd);

/* Closes the open range; a refusal a2a_redrive_range_done() did not confirm may pass. */
void a2a_redrive_close_range(struct a2a_redrive *rd);

const struct a2a_redrive_stats *a2a_redrive_stats(const struct a2a_redrive *rd);

/* 1 when the Streams endpoint last asked for a range has answered no call of this run. */
int a2a_redrive_endpoint_unanswered(const struct a2a_redrive *rd);

#endif
