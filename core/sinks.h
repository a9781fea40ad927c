/*
 * Writers for results: the DynamoDbEventResponse, the NDJSON report and the retry file.
 * Each writes to a FILE * its caller opened and will close.
 */
#ifndef A2A_SINKS_H
#define A2A_SINKS_H

#include <stdio.h>

#include "buf.h"
#include "result.h"
#include "stream_source.h"

/*
 * Entries held in memory before they move to the spill file: a run of millions of failures
 * would otherwise hold 42 bytes for each until the end.
 */
#define A2A_RESPONSE_HELD (256 * 1024)

/*
 * The failing identifiers, in input order: all the response keeps. The list is written only
 * at the end (an input error before the first record leaves stdout empty, and -o is made
 * whole by a rename), so the older entries wait in an unlinked temporary file (tmpfile(3)),
 * or in memory when no such file can be written.
 */
struct a2a_response {
    struct a2a_buf items; /* owned: `{"itemIdentifier":"..."}` entries joined by commas,
                             following the spilled ones */
    uint64_t count;
    FILE *spill;      /* owned: the older entries; NULL until items first outgrows the hold */
    uint64_t spilled; /* bytes of whole entries in spill */
    int spill_broken; /* spill could not be made or written: items keeps everything since */
};

/* Lists the record if it failed and has a SequenceNumber. Returns 0 or -1 (no memory). */
int a2a_response_add(struct a2a_response *r, const struct a2a_result *res);
/* Writes the one-line response. Returns 0 or -1 (write error). */
int a2a_response_write(const struct a2a_response *r, FILE *out);
void a2a_response_free(struct a2a_response *r);

/* One JSON object per line for the result; flushed so that a killed run leaves whole lines. */
int a2a_report_write(FILE *out, const struct a2a_result *res, struct a2a_buf *scratch);

/*
 * One JSON object per line for a stream range that could not be read:
 * {"outcome":"unreadable","stream","shard","start","end","cause","awsError","reason",
 *  "recordsRead"}; flushed like the record lines.
 */
int a2a_report_write_unreadable(FILE *out, const struct a2a_unreadable *u, struct a2a_buf *scratch);

/* The input message a line is about: "message" (its index) and, when set, "messageId" and
   "receiptHandle" (what `aws sqs delete-message` takes to retire it). All borrowed. */
struct a2a_report_message {
    uint64_t index;
    const struct a2a_str *message_id;     /* NULL: none */
    const struct a2a_str *receipt_handle; /* NULL: none */
};

/* The unreadable line for the range of an input message, with the message's fields. */
int a2a_report_write_unreadable_message(FILE *out, const struct a2a_unreadable *u,
                                        const struct a2a_report_message *msg,
                                        struct a2a_buf *scratch);

/*
 * One line for an input message that cannot be used (redrive.h), flushed like the others:
 * {"outcome":"unusable","message","messageId","receiptHandle","file","offset","reason"}.
 */
int a2a_report_write_unusable_message(FILE *out, const struct a2a_report_message *msg,
                                      const char *file, uint64_t offset, const char *reason,
                                      struct a2a_buf *scratch);

/* The retry file: {"Records":[<raw record>,...]} holding the records that failed. */
struct a2a_failed_out {
    FILE *out; /* borrowed */
    uint64_t count;
};
int a2a_failed_out_begin(struct a2a_failed_out *f, FILE *out);
int a2a_failed_out_add(struct a2a_failed_out *f, const struct a2a_result *res);
int a2a_failed_out_end(struct a2a_failed_out *f);

#endif
