/*
 * DynamoDB stream ARNs and the Streams endpoint they imply.
 *
 *     arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
 *
 * The region comes from the ARN (requests are signed for it); the endpoint is, in order, the
 * caller's explicit URL, AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL, or the public
 * https://streams.dynamodb.REGION.amazonaws.com (.amazonaws.com.cn for cn- regions).
 */
#ifndef A2A_ARN_H
#define A2A_ARN_H

#include <stddef.h>

#include "env.h"
#include "error.h"

#define A2A_ARN_MAX 1024

struct a2a_stream_arn {
    char partition[16]; /* aws, aws-cn or aws-us-gov */
    char region[32];    /* e.g. us-east-2 */
    char account[16];   /* 12 digits */
    char table[256];    /* 1-255 of [A-Za-z0-9_.-] (AWS wants 3; the API judges) */
    char label[64];     /* the stream label, e.g. 2019-11-14T00:04:06.388 */
};

/* Returns 0, or -1 with err set (A2A_E_CONFIG, the message names the part that is wrong). */
int a2a_stream_arn_parse(const char *arn, struct a2a_stream_arn *out, struct a2a_error *err);

/*
 * Writes the endpoint URL for arn into out (cap bytes, NUL-terminated): explicit_url when not
 * NULL, else the environment's, else the public one. Only http:// and https:// URLs are
 * accepted. Returns 0, or -1 with err set (A2A_E_CONFIG).
 */
int a2a_streams_endpoint(const struct a2a_stream_arn *arn, const char *explicit_url,
                         const struct a2a_env *env, char *out, size_t cap, struct a2a_error *err);

/*
 * Whether url's authority names a host: "http:///path", "http://" and "http://:8080/" do not
 * (an unset shell variable in "http://$HOST/..."); libcurl would take a path segment for one.
 */
int a2a_url_has_host(const char *url);

/*
 * Whether url's authority has a port that is not a number from 1 to 65535 ("http://h:/x",
 * the unset variable in "http://h:$PORT/x": libcurl would go to the scheme's port, review 66).
 * No port at all is fine.
 */
int a2a_url_bad_port(const char *url);

/* What is wrong with url as a Streams endpoint (its scheme, white space, no host), or NULL. */
const char *a2a_endpoint_url_fault(const char *url);

#endif
