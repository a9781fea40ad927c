/*
 * What the Streams client (streams_client.c) shares with its shard readers (shard_reader.c);
 * not for other modules.
 */
#ifndef A2A_STREAMS_INTERNAL_H
#define A2A_STREAMS_INTERNAL_H

#include <curl/curl.h>

#include "arn.h"
#include "streams_client.h"

struct a2a_streams_client {
    struct a2a_streams_config cfg;  /* copy; its pointers stay borrowed */
    struct a2a_streams_hooks hooks; /* the real ones unless cfg.hooks gave others */
    struct a2a_stream_arn arn;
    char *arn_text; /* owned copy of cfg.stream_arn */
    char endpoint[1024];
    char sigv4[80];                      /* "aws:amz:REGION:dynamodb" */
    char ca_bundle[A2A_AWS_SETTING_MAX]; /* from the environment or profile; cfg.cacert's */
    /* The bundle and where it was set, for messages; "" for the system store. */
    char ca_from[A2A_AWS_SETTING_MAX + A2A_CREDS_SOURCE_MAX + 4];
    char curl_error[CURL_ERROR_SIZE]; /* libcurl's detail of the last failure */
    CURL *curl;                       /* owned; NULL when hooks send */
    struct a2a_aws_creds creds;       /* owned; wiped on replace and free */
    int creds_link; /* the chain link the first credentials came from; 0 before: kept when a
                       refresh fails, so the next one asks the same source again */
    uint64_t rng;   /* backoff jitter state */
    int answered;   /* some call had an HTTP answer: the endpoint is there */
    int confirmed;  /* some call was answered as the API answers a good call (2xx, or an
                       expired iterator): the endpoint is DynamoDB Streams and takes the keys */
    /* Set when a call spent its retries before any call was answered: later calls are not
     * tried (each would wait out the same retries), and say this instead. */
    char unreachable[1600];
    /* The call in flight, for the warning when its answer is slow to come (on_progress). */
    const char *call_op;  /* borrowed: the operation's name */
    int64_t call_started; /* a2a_streams_now_ms() when the attempt began */
    int call_slow_said;   /* the attempt was said to be slow */
    int timed_out;        /* the last attempt had no answer in time */
};

/* How one call ended, after retries. */
enum streams_outcome {
    STREAMS_OK,
    STREAMS_EXPIRED_ITERATOR, /* the caller gets a fresh iterator */
    STREAMS_FAILED,           /* e set */
};

/*
 * Sends op with body (a JSON text), retrying transient failures; the answer body lands in
 * answer (reset first). where names the stream, shard and range for messages. retries, when
 * not NULL, is increased by the number of retries made.
 */
enum streams_outcome a2a_streams_call(struct a2a_streams_client *c, const char *op,
                                      const char *body, struct a2a_buf *answer, const char *where,
                                      uint64_t *retries, struct a2a_stream_error *e);

/* Classifies an error answer; name and message get the AWS error name and its message. */
enum a2a_aws_class {
    A2A_AWS_OK,
    A2A_AWS_TRANSIENT,
    A2A_AWS_EXPIRED_ITERATOR,
    A2A_AWS_PERMANENT,
};
enum a2a_aws_class a2a_aws_classify(long status, const char *body, size_t len, char *name,
                                    size_t name_cap, char *message, size_t message_cap,
                                    enum a2a_stream_cause *cause);

int64_t a2a_streams_now_ms(struct a2a_streams_client *c);

/* Waits ms unless the cancel flag rises; returns 0, or -1 when cancelled. */
int a2a_streams_wait(struct a2a_streams_client *c, int64_t ms);

#endif
