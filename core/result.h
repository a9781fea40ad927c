/*
 * What happened to one record: the unit that flows from the batch driver to every writer
 * (response, report, retry file, progress, log).
 */
#ifndef A2A_RESULT_H
#define A2A_RESULT_H

#include <stdint.h>

#include "jsonstr.h"

#define A2A_REASON_MAX 400 /* bytes for a reason, with its NUL */

enum a2a_outcome {
    A2A_OUT_SKIPPED,        /* not an INSERT: nothing sent */
    A2A_OUT_ACKNOWLEDGED,   /* 2xx: marker consumed */
    A2A_OUT_TASK_DELETED,   /* 2xx with {"outcome":"taskDeleted"} */
    A2A_OUT_PARSE_ERROR,    /* envelope or NewImage malformed: nothing sent */
    A2A_OUT_TRANSIENT,      /* retries spent on 408/425/429/5xx/network errors */
    A2A_OUT_REJECTED,       /* 3xx or a permanent 4xx */
    A2A_OUT_NOT_ATTEMPTED,  /* fail-fast stopped the run before this record was sent */
    A2A_OUT_INTERRUPTED,    /* SIGINT/SIGTERM, or an internal error, stopped it before a 2xx */
    A2A_OUT_ABANDONED,      /* fail-fast stopped the run while this record's call was sent */
    A2A_OUT_WOULD_DISPATCH, /* --dry-run: an INSERT that parses; nothing sent, nothing consumed */
    A2A_OUT__MAX
};

/* Name used in reports: "skipped", "acknowledged", ... */
const char *a2a_outcome_name(enum a2a_outcome o);
/*
 * 1 for the outcomes that leave the marker unconsumed (listed, or unreportable). A dry run's
 * would-dispatch is not a failure: nothing was asked of the dispatcher.
 */
int a2a_outcome_failed(enum a2a_outcome o);

/* Everything is borrowed for the duration of the callback that receives it. */
struct a2a_result {
    uint64_t position; /* 1-based in the batch */
    const char *file;  /* input name */
    uint64_t offset;   /* byte offset of the record in that input */
    int has_seq;
    struct a2a_str seq;
    int has_event_name;
    struct a2a_str event_name;
    int no_dynamodb; /* an object with no "dynamodb" member: no stream record (record.h) */
    enum a2a_outcome outcome;
    const char *reason;  /* NUL-terminated; "" when there is nothing to say */
    int http_status;     /* last HTTP status, 0 when none */
    unsigned attempts;   /* HTTP attempts made */
    uint64_t elapsed_ms; /* from the first attempt to the outcome */
    struct a2a_str raw;  /* the record's bytes as read; empty when not kept */
    /* The redrive message the record came from (an S3 payload, a pointer's range). */
    uint64_t message;   /* its 1-based index in the input; 0: the record came from no message */
    int has_message_id; /* SQS or SNS MessageId */
    struct a2a_str message_id;
    int has_shard_id; /* the shard of the message's range */
    struct a2a_str shard_id;
    int file_names_message; /* file already says which message (an S3 payload's records) */
    int fail_fast;          /* its call's verdict stopped the run (the run says why, once) */
    int odd_answer;         /* acknowledged by a 2xx whose body names no known outcome: said */
};

#endif
