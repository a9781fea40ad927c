/*
 * Input items: what a run reads, in input order, once the shapes of a redrive are told
 * apart. The scanner (in A2A_SCAN_SHAPES mode) cuts values; this layer turns each into
 *
 *   RECORD         a DynamoDB stream record's bytes, exactly as they stand in the (decoded)
 *                  document, so --failed-out stays valid input; with the message it came from
 *                  when it came from one (the records of an S3 object's payload);
 *   POINTER        the range of an on-failure invocation record: stream, shard, first and last
 *                  sequence number (both inclusive), batch size, arrival times, condition;
 *   MESSAGE_ERROR  a message that cannot be used, one line naming the input, the message and
 *                  the byte offset inside the string that failed; the rest of the input goes on;
 *   WARNING        a note about a message that is used all the same (a batchSize that does not
 *                  match the records of an S3 payload).
 *
 * Shapes, in any mix, concatenated or newline-delimited:
 *   - stream events, record objects, arrays of records: RECORDs, as before;
 *   - an invocation record (a top-level object with "DDBStreamBatchInfo"): a POINTER;
 *   - `aws sqs receive-message` output, {"Messages":[{"MessageId","ReceiptHandle","Body"}]};
 *   - a Lambda SQS event: an element of "Records" whose "eventSource" is "aws:sqs" ("body",
 *     "messageId", "receiptHandle"); a Lambda SNS event: one whose "EventSource" is "aws:sns"
 *     ("Sns": {"MessageId", "Message"}). Any other element, with no eventSource at all, with
 *     "aws:dynamodb" or anything else, stays a stream record, as the reference handler takes
 *     every element of the event it is given for one;
 *   - an SQS Body holds an invocation record (SQS destination, SNS with raw delivery) or an
 *     SNS notification ({"Type":"Notification","Message":"<invocation record>"}); an SNS
 *     event's Message holds an invocation record;
 *   - an invocation record with "payload" (the S3 destination's object), the original
 *     {"Records":[...]} event as an object or as a JSON string: a POINTER with
 *     inline_records set, then its records as RECORDs, no stream read needed.
 *
 * A JSON string that holds a document is decoded into a buffer and read by a nested scanner
 * over memory with the same limits (largest record, nesting depth). Errors inside it read
 *   INPUT: message K (MessageId "ID") at byte N: Body: SNS Message: byte M: what is wrong
 * where N is the message's offset in the input and M the offset in the decoded string.
 *
 * The range of an S3 payload is checked: every record must have a SequenceNumber between
 * startSequenceNumber and endSequenceNumber. One that does not makes the whole message a
 * MESSAGE_ERROR before any of its records is handed out (the payload and its own pointer
 * disagree: the operator must look; the payload alone is valid input). A payload within its
 * range that is still not its whole batch (a count other than batchSize, a first or last
 * record other than the range's ends, a record repeated or out of order) is a MESSAGE_ERROR
 * after its records: they are replayed, and the message is never acked, since the records it
 * lacks exist only in the stream.
 */
#ifndef A2A_ITEMS_H
#define A2A_ITEMS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "jsonstr.h"
#include "scanner.h"

enum a2a_item_kind {
    A2A_ITEM_RECORD,
    A2A_ITEM_POINTER,
    A2A_ITEM_MESSAGE_ERROR,
    A2A_ITEM_WARNING,
};

/* How a message reached the input. */
enum a2a_via {
    A2A_VIA_NONE,        /* not a message: a stream record of a plain event */
    A2A_VIA_DOCUMENT,    /* an invocation record (or S3 object) as a document of its own */
    A2A_VIA_SQS_RECEIVE, /* an element of `aws sqs receive-message` output */
    A2A_VIA_SQS_EVENT,   /* a record of a Lambda SQS event */
    A2A_VIA_SNS_EVENT,   /* a record of a Lambda SNS event */
};

/* The input message an item belongs to. Strings are borrowed until the next call. */
struct a2a_message {
    enum a2a_via via;   /* A2A_VIA_NONE: the item belongs to no message; the rest is zero */
    uint64_t index;     /* 1-based, in input order over the whole run: the --acked-messages key */
    const char *input;  /* name of the input that holds it */
    uint64_t offset;    /* its byte offset in that input */
    int has_message_id; /* SQS MessageId / messageId, or the SNS event's Sns.MessageId */
    struct a2a_str message_id;
    int has_receipt_handle; /* SQS ReceiptHandle / receiptHandle */
    struct a2a_str receipt_handle;
    int sns_envelope; /* the SQS body was an SNS notification */
    /*
     * The last place before the message that a read of its input may go on from: the end of
     * the value before it in the input (a record, an invocation record, an element of
     * "Records" or of "Messages"; a2a_input_check_resume() takes the same places), so a read
     * from there reads this message first. 0 and 0 when none lies before it in its input
     * since reading began there.
     */
    int has_place_before;
    uint64_t place_before;
};

/* An invocation record's range. Strings are decoded, borrowed until the next call. */
struct a2a_range {
    struct a2a_str stream_arn;
    struct a2a_str shard_id;
    struct a2a_str start_seq; /* 21-40 digits (seqnum.h), start <= end, both inclusive */
    struct a2a_str end_seq;
    uint64_t batch_size;
    int has_first_arrival;
    struct a2a_str first_arrival; /* approximateArrivalOfFirstRecord */
    int has_last_arrival;
    struct a2a_str last_arrival; /* approximateArrivalOfLastRecord */
    int has_condition;
    struct a2a_str condition; /* requestContext.condition, e.g. RetryAttemptsExhausted */
    int has_function_error;
    struct a2a_str function_error; /* responseContext.functionError when a string */
    int inline_records;            /* an S3 payload: its records follow as items */
    uint64_t payload_records;      /* how many (valid with inline_records) */
    int payload_whole; /* with inline_records: the payload is its whole batch (no gap) */
};

struct a2a_item {
    enum a2a_item_kind kind;
    struct a2a_raw_record rec; /* RECORD: bytes, input name, offset, position among records */
    struct a2a_message msg;    /* every kind; via A2A_VIA_NONE for plain records */
    int has_range;             /* POINTER, and the RECORDs of an S3 payload (their pointer) */
    struct a2a_range range;    /* meaningful only with has_range */
    const char *text;          /* MESSAGE_ERROR and WARNING: one line of ASCII; borrowed */
};

struct a2a_items;

struct a2a_items_config {
    size_t max_record; /* for the nested scanners: as the outer scanner's */
    size_t read_chunk; /* for the nested scanners; 0: a string checked as one document is read
                          at once, an S3 payload's records 64 KiB at a time */
};

/*
 * Reads items from sc (borrowed; opened with A2A_SCAN_SHAPES; the caller frees it after
 * a2a_items_free). Returns 0, or -1 with err set (out of memory).
 */
int a2a_items_open(struct a2a_items **out, struct a2a_scanner *sc,
                   const struct a2a_items_config *cfg, struct a2a_error *err);

/*
 * Returns 1 with *item filled (borrowed until the next call), 0 at the end of all input, -1
 * with err set: whatever the outer scanner reported (the input as a whole failed), or
 * A2A_E_NOMEM. A message that fails is an item, never -1. After -1 it returns -1 again.
 */
int a2a_items_next(struct a2a_items *it, struct a2a_item *item, struct a2a_error *err);

/*
 * Appends a key that is equal for two ranges exactly when they name the same records: the
 * stream, the shard, and both ends as integers (leading zeros do not count). For the driver,
 * which reads a range named twice once. Returns 0, or -1 when memory ran out.
 */
int a2a_range_key(const struct a2a_range *r, struct a2a_buf *out);

/*
 * The last place of the outer input read so far that a read may go on from (as
 * a2a_message.place_before): its input's index, its end, and the index of the message whose
 * value ended there (0: a record's). Returns 1, or 0 when no value of the input was read yet.
 */
int a2a_items_place(const struct a2a_items *it, size_t *input, uint64_t *end, uint64_t *message);

void a2a_items_free(struct a2a_items **it);

#endif
