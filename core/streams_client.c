/*
 * The Streams client: configuration, credentials, the libcurl call, error classes and
 * retries, DescribeStream and the shard order. The shard reader is in shard_reader.c.
 */
#define _DEFAULT_SOURCE

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "curl_loader.h"
#include "jsonstr.h"
#include "retry.h"
#include "streams_internal.h"

#define DEFAULT_RETRIES    10
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_CONNECT_MS 5000
#define DESCRIBE_PAGES_MAX 100000
#define AWS_MESSAGE_MAX    200
/* An attempt without an answer this long is said (a hung endpoint is otherwise silent for
   the whole timeout). */
#define SLOW_CALL_WARN_MS 5000
/* Attempts that time out while no call to the endpoint was ever answered, before the call
   gives up and the breaker trips: a port that accepts and never answers would otherwise
   hold the run for every retry's timeout (11 x 30 s; review 62). */
#define UNANSWERED_TIMEOUTS 2

/* ---- clock, sleep, jitter ------------------------------------------------------------- */

static int64_t real_now_ms(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void real_sleep_ms(void *ctx, int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    (void)ctx;
    nanosleep(&ts, NULL);
}

int64_t a2a_streams_now_ms(struct a2a_streams_client *c)
{
    return c->hooks.now_ms(c->hooks.ctx);
}

static int cancelled(const struct a2a_streams_client *c)
{
    return c->cfg.cancel != NULL && *c->cfg.cancel != 0;
}

int a2a_streams_wait(struct a2a_streams_client *c, int64_t ms)
{
    /* in slices, so that a signal is noticed within 100 ms */
    while (ms > 0 && !cancelled(c)) {
        int64_t slice = ms > 100 ? 100 : ms;
        c->hooks.sleep_ms(c->hooks.ctx, slice);
        ms -= slice;
    }
    return cancelled(c) ? -1 : 0;
}

static uint64_t next_random(struct a2a_streams_client *c)
{
    /* xorshift64*: jitter needs spread, not secrecy */
    c->rng ^= c->rng >> 12;
    c->rng ^= c->rng << 25;
    c->rng ^= c->rng >> 27;
    return c->rng * 0x2545F4914F6CDD1DULL;
}

/* ---- the libcurl call ------------------------------------------------------------------ */

static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
    struct a2a_buf *b = ctx;

    (void)size;
    if (b->len + n > A2A_STREAMS_ANSWER_MAX || a2a_buf_append(b, data, n) != 0) {
        return 0; /* libcurl fails the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

/* An attempt waiting on its answer, said once when it passes SLOW_CALL_WARN_MS. */
static void say_slow(const struct a2a_streams_client *c)
{
    char line[1024];
    char shown[256];
    struct a2a_log_event ev = {
        .level = A2A_LOG_WARN, .target = A2A_TARGET_RECOVER, .message = line};

    if (c->cfg.log == NULL || c->cfg.log->emit == NULL) {
        return;
    }
    a2a_url_shown(c->endpoint, shown, sizeof(shown));
    snprintf(line, sizeof(line),
             "stream %s: %s: no answer yet from %s after %d s; the attempt waits up to %ld s",
             c->arn_text, c->call_op, shown, SLOW_CALL_WARN_MS / 1000, c->cfg.timeout_ms / 1000);
    c->cfg.log->emit(c->cfg.log->ctx, &ev);
}

/*
 * libcurl calls this at least once a second while a call waits (7.88: each turn of its
 * poll loop, whose wait is capped at 1 s): a signal or --max-time stops a call in flight
 * within that second, instead of after the call's own timeout.
 */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct a2a_streams_client *c = ctx;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (!c->call_slow_said && c->call_op != NULL &&
        a2a_streams_now_ms(c) - c->call_started >= SLOW_CALL_WARN_MS) {
        c->call_slow_said = 1;
        say_slow(c);
    }
    return cancelled(c); /* nonzero: CURLE_ABORTED_BY_CALLBACK */
}

/* The headers libcurl signs with the body: set here, in one place, never an empty one. */
static struct curl_slist *call_headers(const struct a2a_aws_creds *creds, const char *op)
{
    char target[96];
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-amz-json-1.0");
    struct curl_slist *t;

    snprintf(target, sizeof(target), "X-Amz-Target: DynamoDBStreams_20120810.%s", op);
    t = h != NULL ? curl_slist_append(h, target) : NULL;
    if (t != NULL && creds->session_token != NULL) {
        size_t n = strlen("X-Amz-Security-Token: ") + strlen(creds->session_token) + 1;
        char *line = malloc(n);
        if (line != NULL) {
            snprintf(line, n, "X-Amz-Security-Token: %s", creds->session_token);
            t = curl_slist_append(h, line);
            explicit_bzero(line, n);
            free(line);
        } else {
            t = NULL;
        }
    }
    if (t == NULL) {
        curl_slist_free_all(h);
        return NULL;
    }
    return h;
}

static void wipe_headers(struct curl_slist *h)
{
    for (struct curl_slist *s = h; s != NULL; s = s->next) {
        explicit_bzero(s->data, strlen(s->data));
    }
    curl_slist_free_all(h);
}

/* Whether a libcurl failure can go away by itself (connection, timeout, reset). */
static int curl_transient(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static int curl_send(void *ctx, const struct a2a_aws_creds *creds, const char *op, const char *body,
                     size_t len, long *status, struct a2a_buf *answer, char *msg, size_t cap)
{
    struct a2a_streams_client *c = ctx;
    struct curl_slist *headers = NULL;
    CURLcode code;

    /* Without both keys libcurl would send the request unsigned: never. */
    if (creds->access_key_id == NULL || creds->secret_access_key == NULL ||
        creds->access_key_id[0] == '\0' || creds->secret_access_key[0] == '\0') {
        snprintf(msg, cap, "no access key or secret key: the request is not sent");
        return -1;
    }
    headers = call_headers(creds, op);
    if (headers == NULL) {
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_USERNAME, creds->access_key_id);
    curl_easy_setopt(c->curl, CURLOPT_PASSWORD, creds->secret_access_key);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, answer);
    c->curl_error[0] = '\0';
    code = curl_easy_perform(c->curl);
    /* libcurl keeps its own copies of the keys: drop them now (it frees them unwiped) */
    curl_easy_setopt(c->curl, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(c->curl, CURLOPT_PASSWORD, NULL);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    wipe_headers(headers);
    if (code != CURLE_OK) {
        if (code == CURLE_PEER_FAILED_VERIFICATION) {
            snprintf(msg, cap,
                     "the endpoint's TLS certificate was refused (%s; CAs trusted: %s): the CA "
                     "that signed it is named with AWS_CA_BUNDLE or ca_bundle in the profile",
                     c->curl_error[0] != '\0' ? c->curl_error : curl_easy_strerror(code),
                     c->ca_from[0] != '\0' ? c->ca_from : "the system store");
        } else if (code == CURLE_SSL_CACERT_BADFILE) {
            snprintf(msg, cap, "the CA bundle %s could not be used (%s)",
                     c->ca_from[0] != '\0' ? c->ca_from : "of the system store",
                     c->curl_error[0] != '\0' ? c->curl_error : curl_easy_strerror(code));
        } else if (code == CURLE_ABORTED_BY_CALLBACK) {
            snprintf(msg, cap, "interrupted");
        } else if (code == CURLE_WRITE_ERROR) {
            snprintf(msg, cap, "the answer is larger than %d bytes", A2A_STREAMS_ANSWER_MAX);
        } else {
            /* the endpoint, as the AWS CLI names it: it may come from an AWS_ENDPOINT_URL
             * the operator forgot was set */
            char shown[256];

            a2a_url_shown(c->endpoint, shown, sizeof(shown));
            snprintf(msg, cap, "%s (%s)", curl_easy_strerror(code), shown);
        }
        if (code == CURLE_OPERATION_TIMEDOUT) {
            return 2; /* transient too, but no answer in time: see UNANSWERED_TIMEOUTS */
        }
        return curl_transient(code) ? 1 : -1;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    if (*status >= 200 && *status <= 299) {
        /* Every DynamoDB Streams answer is JSON 1.0: without it, an answer that merely lacks
           a ShardIterator or NextShardIterator would read as the end of a shard. */
        const char *type = NULL;
        char shown[256];

        curl_easy_getinfo(c->curl, CURLINFO_CONTENT_TYPE, &type);
        if (type == NULL || strncasecmp(type, "application/x-amz-json-1.0", 26) != 0) {
            a2a_url_shown(c->endpoint, shown, sizeof(shown));
            snprintf(msg, cap,
                     "%s answered HTTP %ld with Content-Type %.60s, not "
                     "application/x-amz-json-1.0: not a DynamoDB Streams endpoint",
                     shown, *status, type != NULL ? type : "(none)");
            return -1;
        }
    }
    return 0;
}

/* The options every call shares. Returns 0, or -1 when libcurl refused one. */
static int curl_setup(struct a2a_streams_client *c)
{
    CURL *h = c->curl;
    int bad = 0;

    bad |= curl_easy_setopt(h, CURLOPT_URL, c->endpoint) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->cfg.timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_error) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    if (c->cfg.cacert != NULL) {
        /* the bundle instead of the system store: libcurl's built-in CA directory goes too */
        bad |= curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.cacert) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_CAPATH, NULL) != CURLE_OK;
    }
    /*
     * Only a CA is a trust anchor, as for botocore (Python's ssl): libcurl would also take a
     * server's own certificate found in the bundle, and trust an endpoint the AWS CLI refuses.
     */
    bad |= curl_easy_setopt(h, CURLOPT_SSL_OPTIONS, (long)CURLSSLOPT_NO_PARTIALCHAIN) != CURLE_OK;
    return bad ? -1 : 0;
}

/* ---- the client ------------------------------------------------------------------------ */

static void apply_defaults(struct a2a_streams_config *cfg)
{
    cfg->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
    cfg->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_MS;
    cfg->idle_ms = cfg->idle_ms > 0 ? cfg->idle_ms : 10000;
    cfg->poll_interval_ms = cfg->poll_interval_ms > 0 ? cfg->poll_interval_ms : 250;
}

/*
 * What botocore honours for this client besides credentials. The CA bundle: cfg.cacert when
 * given, else AWS_CA_BUNDLE or the profile's ca_bundle, else the system store. The retries
 * per call: cfg.retries when given, else AWS_MAX_ATTEMPTS or the profile's max_attempts less
 * the first attempt, else DEFAULT_RETRIES. A bundle that cannot be read is named now, before
 * any call, and not as a TLS failure at the first one. Returns 0, or -1 with err set.
 */
static int apply_settings(struct a2a_streams_client *c, struct a2a_error *err)
{
    struct a2a_creds_config cc = {c->cfg.profile, c->cfg.env, 0, 0, NULL};
    struct a2a_aws_settings set;
    struct stat st;
    const char *why = NULL;

    if (a2a_aws_settings_read(&cc, &set, err) != 0) {
        return -1;
    }
    if (c->cfg.retries == 0) {
        c->cfg.retries = set.max_attempts > 0 ? set.max_attempts - 1 : DEFAULT_RETRIES;
    }
    if (c->cfg.cacert != NULL) {
        snprintf(c->ca_from, sizeof(c->ca_from), "%s", c->cfg.cacert);
        return 0;
    }
    if (set.ca_bundle[0] == '\0') {
        return 0;
    }
    if (access(set.ca_bundle, R_OK) != 0 || stat(set.ca_bundle, &st) != 0) {
        why = strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if (st.st_size == 0) {
        why = "empty";
    }
    if (why != NULL) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: %s: cannot be used as a CA bundle: %s",
                      set.ca_bundle_from, set.ca_bundle, why);
        return -1;
    }
    memcpy(c->ca_bundle, set.ca_bundle, sizeof(c->ca_bundle));
    snprintf(c->ca_from, sizeof(c->ca_from), "%s (%s)", c->ca_bundle, set.ca_bundle_from);
    c->cfg.cacert = c->ca_bundle;
    return 0;
}

int a2a_streams_client_new(const struct a2a_streams_config *cfg, struct a2a_streams_client **out,
                           struct a2a_error *err)
{
    struct a2a_streams_client *c = calloc(1, sizeof(*c));

    *out = NULL;
    if (c == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    c->cfg = *cfg;
    apply_defaults(&c->cfg);
    c->hooks.send = curl_send;
    c->hooks.now_ms = real_now_ms;
    c->hooks.sleep_ms = real_sleep_ms;
    c->hooks.ctx = c;
    if (cfg->hooks != NULL) {
        c->hooks = *cfg->hooks;
    }
    if (apply_settings(c, err) != 0 || a2a_stream_arn_parse(cfg->stream_arn, &c->arn, err) != 0 ||
        a2a_streams_endpoint(&c->arn, cfg->endpoint_url, &cfg->env, c->endpoint,
                             sizeof(c->endpoint), err) != 0) {
        goto fail;
    }
    c->arn_text = strdup(cfg->stream_arn);
    if (c->arn_text == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto fail;
    }
    snprintf(c->sigv4, sizeof(c->sigv4), "aws:amz:%s:dynamodb", c->arn.region);
    c->rng = cfg->random_seed != 0 ? cfg->random_seed : (uint64_t)real_now_ms(NULL) | 1;
    if (cfg->hooks == NULL || cfg->hooks->send == NULL) {
        if (a2a_curl_load(err) != 0) {
            goto fail;
        }
        c->curl = curl_easy_init();
        if (c->curl == NULL || curl_setup(c) != 0) {
            a2a_error_set(err, A2A_E_INTERNAL, "libcurl refused the Streams client's options");
            goto fail;
        }
    }
    *out = c;
    return 0;
fail:
    a2a_streams_client_free(&c);
    return -1;
}

void a2a_streams_client_free(struct a2a_streams_client **cp)
{
    struct a2a_streams_client *c = *cp;

    if (c == NULL) {
        return;
    }
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
    }
    a2a_aws_creds_clear(&c->creds);
    free(c->arn_text);
    free(c);
    *cp = NULL;
}

const char *a2a_streams_client_endpoint(const struct a2a_streams_client *c)
{
    return c->endpoint;
}

const char *a2a_streams_client_arn(const struct a2a_streams_client *c)
{
    return c->arn_text;
}

int a2a_streams_client_confirmed(const struct a2a_streams_client *c)
{
    return c != NULL && c->confirmed;
}

int a2a_streams_client_answered(const struct a2a_streams_client *c)
{
    return c != NULL && c->answered;
}

const char *a2a_streams_client_account(const struct a2a_streams_client *c)
{
    return c->arn.account;
}

const char *a2a_streams_client_unreachable(const struct a2a_streams_client *c)
{
    return c->unreachable;
}

void a2a_streams_client_set_unreachable(struct a2a_streams_client *c, const char *why)
{
    if (!c->answered) {
        snprintf(c->unreachable, sizeof(c->unreachable), "%s", why);
    }
}

/* Fresh credentials when there are none yet or they expire soon; 0, or -1 with e set. */
/* where: "stream ARN" or "stream ARN shard ID (range)", as a failed call names itself. */
static int ensure_creds(struct a2a_streams_client *c, const char *where, struct a2a_stream_error *e)
{
    struct a2a_creds_config cc = {c->cfg.profile, c->cfg.env, c->cfg.credentials_timeout_ms, 0,
                                  c->cfg.cancel};
    struct a2a_error err = {0};

    if (!a2a_aws_creds_due(&c->creds, time(NULL))) {
        return 0;
    }
    a2a_aws_creds_clear(&c->creds);
    if (a2a_aws_creds_refresh(&cc, c->creds_link, &c->creds, &err) != 0) {
        if (err.code == A2A_E_INTERRUPTED) {
            /* a signal or --max-time stopped a credential_process: not a credentials failure */
            e->cause = A2A_STREAM_CAUSE_INTERRUPTED;
            a2a_error_set(&e->err, A2A_E_INTERRUPTED, "%s: %s", where, err.msg);
            return -1;
        }
        e->cause = err.code == A2A_E_NOMEM ? A2A_STREAM_CAUSE_NONE : A2A_STREAM_CAUSE_CREDENTIALS;
        a2a_error_set(&e->err, err.code == A2A_E_NOMEM ? A2A_E_NOMEM : A2A_E_INPUT, "%s: %s", where,
                      err.msg);
        return -1;
    }
    if (c->creds_link == 0) {
        c->creds_link = c->creds.link; /* the run's source, for good */
    }
    return 0;
}

/* ---- error answers ---------------------------------------------------------------------- */

static int name_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++) {
        if (strcmp(name, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *const transient_names[] = {
    "LimitExceededException",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    NULL,
};

/*
 * The AWS error names that refuse a call, each with what to do when it is about the keys, not
 * a policy: "denied" alone sends an operator to the IAM policy when the session token merely
 * expired (review 62). NULL: a policy's refusal, its AWS message says enough.
 */
static const struct denial {
    const char *name;
    const char *hint;
} denials[] = {
    {"AccessDeniedException", NULL},
    {"ExpiredTokenException", "the session token has expired: refresh the credentials"},
    {"UnrecognizedClientException", "the access key is not known: check the credentials"},
    {"InvalidClientTokenId", "the access key is not known: check the credentials"},
    {"MissingAuthenticationTokenException", "the request was not signed: check the credentials"},
    {"InvalidSignatureException", "the signature was refused: check the secret key and clock"},
    {"SignatureDoesNotMatch", "the signature was refused: check the secret key and clock"},
    {"IncompleteSignatureException", "the signature was refused: check the credentials"},
    {"RequestExpired", "the request's time was refused: check the clock"},
    {"RequestTimeTooSkewed", "the request's time was refused: check the clock"},
};

/* The denial named name, or NULL. */
static const struct denial *denial_named(const char *name)
{
    for (size_t i = 0; i < sizeof(denials) / sizeof(denials[0]); i++) {
        if (strcmp(name, denials[i].name) == 0) {
            return &denials[i];
        }
    }
    return NULL;
}

/*
 * The signature's region is not the endpoint's: AWS says so in the message of an
 * InvalidSignatureException, and the keys and clock are not the cause (review 65: a message
 * naming a us-west-2 stream, read through a us-east-1 --endpoint-url).
 */
static const char region_hint[] = "the endpoint is not in the stream's region: give "
                                  "--endpoint-url of the region its ARN names";

/* Appends the denial's hint to message, if it has one. */
static void add_hint(const struct denial *d, char *message, size_t message_cap)
{
    size_t n = strlen(message);
    const char *hint = d != NULL ? d->hint : NULL;

    if (hint != NULL && strstr(message, "Credential should be scoped to a valid region") != NULL) {
        hint = region_hint;
    }
    if (hint != NULL) {
        snprintf(message + n, message_cap - n, "%s(%s)", n > 0 ? " " : "", hint);
    }
}

/* Copies an AWS message for our own: bounded, control characters as '?'. */
static void copy_message(char *dst, size_t cap, const char *src)
{
    size_t n = 0;

    for (; src != NULL && *src != '\0' && n + 1 < cap && n < AWS_MESSAGE_MAX; src++) {
        unsigned char ch = (unsigned char)*src;
        dst[n++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    dst[n] = '\0';
}

static void read_error_body(const char *body, size_t len, char *name, size_t name_cap,
                            char *message, size_t message_cap)
{
    cJSON *doc = body != NULL ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "__type");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");

    if (!cJSON_IsString(msg)) {
        msg = cJSON_GetObjectItemCaseSensitive(doc, "Message");
    }
    if (cJSON_IsString(type)) {
        const char *hash = strrchr(type->valuestring, '#');
        copy_message(name, name_cap, hash != NULL ? hash + 1 : type->valuestring);
    }
    if (cJSON_IsString(msg)) {
        copy_message(message, message_cap, msg->valuestring);
    }
    cJSON_Delete(doc);
}

enum a2a_aws_class a2a_aws_classify(long status, const char *body, size_t len, char *name,
                                    size_t name_cap, char *message, size_t message_cap,
                                    enum a2a_stream_cause *cause)
{
    const struct denial *denial;

    name[0] = '\0';
    message[0] = '\0';
    *cause = A2A_STREAM_CAUSE_NONE;
    if (status >= 200 && status <= 299) {
        return A2A_AWS_OK;
    }
    read_error_body(body, len, name, name_cap, message, message_cap);
    denial = denial_named(name);
    if (strcmp(name, "ExpiredIteratorException") == 0) {
        return A2A_AWS_EXPIRED_ITERATOR;
    }
    if (name_in(name, transient_names) || status >= 500) {
        *cause = A2A_STREAM_CAUSE_RETRIES;
        return A2A_AWS_TRANSIENT;
    }
    if (name[0] == '\0') {
        /* no AWS error: not the API that answered (a wrong --endpoint-url, a proxy), and not
           the API's refusal of this request */
        *cause = A2A_STREAM_CAUSE_PROTOCOL;
    } else if (strcmp(name, "TrimmedDataAccessException") == 0) {
        *cause = A2A_STREAM_CAUSE_TRIMMED;
    } else if (strcmp(name, "ResourceNotFoundException") == 0) {
        *cause = A2A_STREAM_CAUSE_NOT_FOUND;
    } else if (denial != NULL || status == 401 || status == 403) {
        *cause = A2A_STREAM_CAUSE_DENIED;
        add_hint(denial, message, message_cap);
    } else {
        *cause = A2A_STREAM_CAUSE_REJECTED;
    }
    return A2A_AWS_PERMANENT;
}

/* ---- one call, with retries --------------------------------------------------------------- */

static void fail(struct a2a_stream_error *e, enum a2a_stream_cause cause, const char *where,
                 const char *op, const char *name, const char *message)
{
    e->cause = cause;
    snprintf(e->aws_name, sizeof(e->aws_name), "%s", name);
    a2a_error_set(&e->err, A2A_E_INPUT, "%s: %s: %s%s%s", where, op, name,
                  name[0] != '\0' && message[0] != '\0' ? ": " : "", message);
}

/* A call retrying this long after its last retry warning, or about to wait this long, warns
 * again (see log_retry). */
#define RETRY_WARN_EVERY_MS 5000

/*
 * A call's first retry is a warning: with the default 11 attempts a failing endpoint can hold
 * a run for half a minute, and an operator must see why. Later retries are -v detail, except
 * RETRY_WARN_EVERY_MS or more after the last warning, or before a wait that long, so that a
 * run is never silent for long without having said so (warn).
 */
static void log_retry(struct a2a_streams_client *c, const char *op, const char *what,
                      unsigned retry, uint64_t delay, int warn)
{
    /* timeouts with no answer ever stop at UNANSWERED_TIMEOUTS: say that count, not 11 */
    unsigned last = c->timed_out && !c->answered ? UNANSWERED_TIMEOUTS : c->cfg.retries + 1;
    char line[1024];
    struct a2a_log_event ev = {.level = warn ? A2A_LOG_WARN : A2A_LOG_DEBUG,
                               .target = A2A_TARGET_RECOVER,
                               .message = line};

    if (c->cfg.log == NULL || c->cfg.log->emit == NULL) {
        return;
    }
    snprintf(line, sizeof(line), "stream %s: %s: %s; attempt %u of %u in %llu ms", c->arn_text, op,
             what, retry + 1, last, (unsigned long long)delay);
    c->cfg.log->emit(c->cfg.log->ctx, &ev);
}

/* One attempt: the class of its outcome, with name and message filled for failures. */
static enum a2a_aws_class attempt(struct a2a_streams_client *c, const char *op, const char *body,
                                  struct a2a_buf *answer, char *name, size_t name_cap,
                                  char *message, size_t message_cap, struct a2a_stream_error *e)
{
    long status = 0;
    enum a2a_aws_class cls;
    int sent;

    a2a_buf_reset(answer);
    name[0] = '\0';
    message[0] = '\0';
    c->call_op = op;
    c->call_started = a2a_streams_now_ms(c);
    c->call_slow_said = 0;
    sent = c->hooks.send(c->hooks.ctx, &c->creds, op, body, strlen(body), &status, answer, message,
                         message_cap);
    c->call_op = NULL;
    c->timed_out = sent == 2;
    e->http_status = status;
    if (sent != 0) {
        e->cause = sent > 0                         ? A2A_STREAM_CAUSE_RETRIES
                   : status >= 200 && status <= 299 ? A2A_STREAM_CAUSE_PROTOCOL
                                                    : A2A_STREAM_CAUSE_TRANSPORT;
        return sent > 0 ? A2A_AWS_TRANSIENT : A2A_AWS_PERMANENT;
    }
    cls = a2a_aws_classify(status, answer->data, answer->len, name, name_cap, message, message_cap,
                           &e->cause);
    if (cls != A2A_AWS_OK && name[0] == '\0' && message[0] == '\0') {
        /* not an AWS error answer: a proxy, a wrong --endpoint-url */
        snprintf(message, message_cap, "HTTP %ld with no AWS error in the answer", status);
    }
    return cls;
}

/* A failed attempt's AWS error name and message, as attempt() fills them. */
enum { CALL_NAME_CAP = 64, CALL_MESSAGE_CAP = 768 };

/*
 * A call whose retries are spent fails naming its last answer. While no call to the endpoint
 * has been answered, it also trips a breaker, as the dispatcher's does: an endpoint that never
 * answered is not waited on again for every range (a mistyped --endpoint-url would hold a
 * redrive of ten messages for minutes).
 */
static void give_up(struct a2a_streams_client *c, const char *op, const char *where,
                    unsigned attempts, const char *name, const char *message,
                    struct a2a_stream_error *e)
{
    char last[CALL_NAME_CAP + CALL_MESSAGE_CAP + 64];
    const char *s = attempts == 1 ? "" : "s";

    snprintf(last, sizeof(last), "still failing after %u attempt%s: %s%s%s", attempts, s, name,
             name[0] != '\0' ? ": " : "", message);
    fail(e, A2A_STREAM_CAUSE_RETRIES, where, op, "", last);
    /* the message names it already; the report's awsError says it too */
    snprintf(e->aws_name, sizeof(e->aws_name), "%s", name);
    if (!c->answered) {
        snprintf(c->unreachable, sizeof(c->unreachable),
                 "not tried: no call to %s has been answered in this run, and one already "
                 "failed after %u attempt%s (%.200s); check --endpoint-url and the network",
                 c->endpoint, attempts, s, message);
    }
}

enum streams_outcome a2a_streams_call(struct a2a_streams_client *c, const char *op,
                                      const char *body, struct a2a_buf *answer, const char *where,
                                      uint64_t *retries, struct a2a_stream_error *e)
{
    char name[CALL_NAME_CAP];
    /* ours (the TLS advice names a bundle path) or the AWS message */
    char message[CALL_MESSAGE_CAP];
    int64_t warned_at = 0; /* a2a_streams_now_ms() of this call's last retry warning */

    for (unsigned n = 0;; n++) {
        enum a2a_aws_class cls;
        uint64_t delay;
        int64_t now;
        int warn;

        if (cancelled(c)) {
            fail(e, A2A_STREAM_CAUSE_INTERRUPTED, where, op, "", "interrupted");
            return STREAMS_FAILED;
        }
        if (c->unreachable[0] != '\0') {
            fail(e, A2A_STREAM_CAUSE_RETRIES, where, op, "", c->unreachable);
            return STREAMS_FAILED;
        }
        if (ensure_creds(c, where, e) != 0) {
            return STREAMS_FAILED;
        }
        cls = attempt(c, op, body, answer, name, sizeof(name), message, sizeof(message), e);
        if (cancelled(c)) {
            /* whatever the call's end, a stop wins: no retry, no breaker, no answer used */
            fail(e, A2A_STREAM_CAUSE_INTERRUPTED, where, op, "", "interrupted");
            return STREAMS_FAILED;
        }
        c->answered |= e->http_status > 0;
        if (cls == A2A_AWS_OK || cls == A2A_AWS_EXPIRED_ITERATOR) {
            c->confirmed = 1;
            e->cause = A2A_STREAM_CAUSE_NONE;
            return cls == A2A_AWS_OK ? STREAMS_OK : STREAMS_EXPIRED_ITERATOR;
        }
        if (cls == A2A_AWS_PERMANENT) {
            fail(e, e->cause, where, op, name, message);
            return STREAMS_FAILED;
        }
        if (n >= c->cfg.retries || (c->timed_out && !c->answered && n + 1 >= UNANSWERED_TIMEOUTS)) {
            give_up(c, op, where, n + 1, name, message, e);
            return STREAMS_FAILED;
        }
        delay = a2a_backoff_ms(n + 1, A2A_BACKOFF_BASE_MS, A2A_BACKOFF_CAP_MS, next_random(c));
        /* a retried GetRecords is still a call on the shard: it keeps the polling pace */
        if (strcmp(op, "GetRecords") == 0 && delay < (uint64_t)c->cfg.poll_interval_ms) {
            delay = (uint64_t)c->cfg.poll_interval_ms;
        }
        /* attempts count as silence too: one to a black hole lasts its whole timeout */
        now = a2a_streams_now_ms(c);
        warn = n == 0 || now - warned_at >= RETRY_WARN_EVERY_MS || delay >= RETRY_WARN_EVERY_MS;
        log_retry(c, op, name[0] != '\0' ? name : message, n + 1, delay, warn);
        if (warn) {
            warned_at = now;
        }
        if (retries != NULL) {
            (*retries)++;
        }
        if (a2a_streams_wait(c, (int64_t)delay) != 0) {
            fail(e, A2A_STREAM_CAUSE_INTERRUPTED, where, op, "", "interrupted");
            return STREAMS_FAILED;
        }
    }
}

/* ---- DescribeStream ------------------------------------------------------------------------ */

static char *dup_str(const cJSON *obj, const char *key, int *nomem)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *s;

    if (!cJSON_IsString(v)) {
        return NULL;
    }
    s = strdup(v->valuestring);
    *nomem |= s == NULL;
    return s;
}

static void shard_info_free(struct a2a_shard_info *s)
{
    free(s->shard_id);
    free(s->parent_id);
    free(s->starting_seq);
    free(s->ending_seq);
    memset(s, 0, sizeof(*s));
}

void a2a_shard_list_free(struct a2a_shard_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        shard_info_free(&l->shards[i]);
    }
    free(l->shards);
    l->shards = NULL;
    l->count = 0;
}

/* Appends the page's shards to l; 0, 1 for a malformed page, -1 out of memory. */
static int take_shards(const cJSON *shards, struct a2a_shard_list *l)
{
    size_t n = (size_t)cJSON_GetArraySize(shards);
    struct a2a_shard_info *grown;
    const cJSON *s;

    if (n == 0) {
        return 0;
    }
    grown = realloc(l->shards, (l->count + n) * sizeof(*grown));
    if (grown == NULL) {
        return -1;
    }
    l->shards = grown;
    cJSON_ArrayForEach(s, shards)
    {
        struct a2a_shard_info *si = &l->shards[l->count];
        const cJSON *range = cJSON_GetObjectItemCaseSensitive(s, "SequenceNumberRange");
        int nomem = 0;

        memset(si, 0, sizeof(*si));
        si->shard_id = dup_str(s, "ShardId", &nomem);
        si->parent_id = dup_str(s, "ParentShardId", &nomem);
        si->starting_seq = dup_str(range, "StartingSequenceNumber", &nomem);
        si->ending_seq = dup_str(range, "EndingSequenceNumber", &nomem);
        l->count++;
        if (nomem) {
            return -1;
        }
        if (si->shard_id == NULL || si->shard_id[0] == '\0') {
            return 1;
        }
    }
    return 0;
}

/* The DescribeStream body, starting after shard start (NULL for the first page). */
static char *describe_body(const char *arn, const char *start)
{
    cJSON *doc = cJSON_CreateObject();
    char *text = NULL;

    if (doc != NULL && cJSON_AddStringToObject(doc, "StreamArn", arn) != NULL &&
        (start == NULL || cJSON_AddStringToObject(doc, "ExclusiveStartShardId", start) != NULL)) {
        text = cJSON_PrintUnformatted(doc);
    }
    cJSON_Delete(doc);
    return text;
}

/* One page into l; the next start in *next (owned, NULL at the end). 0, or -1 with e set. */
static int describe_page(struct a2a_streams_client *c, const char *start, struct a2a_buf *answer,
                         struct a2a_shard_list *l, char **next, struct a2a_stream_error *e)
{
    char where[A2A_ARN_MAX + 16];
    char *body = describe_body(c->arn_text, start);
    cJSON *doc = NULL;
    const cJSON *desc;
    int rc = -1;
    int taken;
    int nomem = 0;

    *next = NULL;
    snprintf(where, sizeof(where), "stream %s", c->arn_text);
    if (body == NULL) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    if (a2a_streams_call(c, "DescribeStream", body, answer, where, NULL, e) != STREAMS_OK) {
        if (e->cause == A2A_STREAM_CAUSE_NONE) {
            fail(e, A2A_STREAM_CAUSE_PROTOCOL, where, "DescribeStream", "",
                 "ExpiredIteratorException from DescribeStream");
        }
        goto out;
    }
    doc = cJSON_ParseWithLength(answer->data, answer->len);
    desc = cJSON_GetObjectItemCaseSensitive(doc, "StreamDescription");
    taken = take_shards(cJSON_GetObjectItemCaseSensitive(desc, "Shards"), l);
    *next = dup_str(desc, "LastEvaluatedShardId", &nomem);
    if (taken < 0 || nomem) {
        a2a_error_set(&e->err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    if (!cJSON_IsObject(desc) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(desc, "Shards")) ||
        taken != 0) {
        fail(e, A2A_STREAM_CAUSE_PROTOCOL, where, "DescribeStream", "",
             "the answer has no StreamDescription.Shards list of shards with a ShardId");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        free(*next);
        *next = NULL;
    }
    cJSON_Delete(doc);
    cJSON_free(body);
    return rc;
}

/* ---- ListStreams, to confirm an endpoint ---------------------------------------------------- */

/* 1 when the ListStreams answer names a stream of account first. */
static int lists_account(const struct a2a_buf *answer, const char *account)
{
    cJSON *doc = cJSON_ParseWithLength(answer->data, answer->len);
    const cJSON *streams = cJSON_GetObjectItemCaseSensitive(doc, "Streams");
    const cJSON *arn =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(streams, 0), "StreamArn");
    struct a2a_stream_arn parsed;
    struct a2a_error err = {A2A_OK, ""};
    int same = cJSON_IsString(arn) && a2a_stream_arn_parse(arn->valuestring, &parsed, &err) == 0 &&
               strcmp(parsed.account, account) == 0;

    cJSON_Delete(doc);
    return same;
}

/* Why a refusal is left to the run's trouble: the operator must see the permission missing. */
static void log_confirm(struct a2a_streams_client *c, const char *what, const char *detail)
{
    char line[A2A_ERROR_MSG_MAX + 400];
    struct a2a_log_event ev = {
        .level = A2A_LOG_WARN, .target = A2A_TARGET_RECOVER, .message = line};

    if (c->cfg.log == NULL || c->cfg.log->emit == NULL) {
        return;
    }
    snprintf(line, sizeof(line),
             "stream %s: ListStreams was asked whether the refusal is the stream's or the "
             "run's (dynamodb:ListStreams), and %s %s: taken for the run's",
             c->arn_text, what, detail);
    c->cfg.log->emit(c->cfg.log->ctx, &ev);
}

int a2a_streams_confirm(struct a2a_streams_client *c)
{
    struct a2a_buf answer = {0};
    struct a2a_stream_error e = {{A2A_OK, ""}, A2A_STREAM_CAUSE_NONE, "", 0, ""};
    int same = 0;

    if (c->confirmed) {
        return 1;
    }
    if (a2a_streams_call(c, "ListStreams", "{\"Limit\":1}", &answer, c->arn_text, NULL, &e) ==
        STREAMS_OK) {
        same = lists_account(&answer, c->arn.account);
        if (!same) {
            log_confirm(c, "its answer names no stream of account", c->arn.account);
        }
    } else {
        log_confirm(c, "it failed:", e.err.msg);
    }
    /* a good answer proves the endpoint and keys, but for the account its stream names */
    c->confirmed = same;
    a2a_buf_free(&answer);
    return same;
}

int a2a_streams_describe(struct a2a_streams_client *c, struct a2a_shard_list *out,
                         struct a2a_stream_error *e)
{
    struct a2a_buf answer = {0};
    char *start = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    for (unsigned pages = 0; pages < DESCRIBE_PAGES_MAX; pages++) {
        char *next = NULL;
        if (describe_page(c, start, &answer, out, &next, e) != 0) {
            goto out;
        }
        /* the same shard twice would page forever */
        if (next != NULL && start != NULL && strcmp(next, start) == 0) {
            free(next);
            fail(e, A2A_STREAM_CAUSE_PROTOCOL, c->arn_text, "DescribeStream", "",
                 "LastEvaluatedShardId repeats");
            goto out;
        }
        free(start);
        start = next;
        if (start == NULL) {
            break;
        }
    }
    if (start != NULL) {
        fail(e, A2A_STREAM_CAUSE_PROTOCOL, c->arn_text, "DescribeStream", "", "too many pages");
        goto out;
    }
    if (a2a_shards_order(out, &e->err) != 0) {
        e->cause = e->err.code == A2A_E_INPUT ? A2A_STREAM_CAUSE_PROTOCOL : A2A_STREAM_CAUSE_NONE;
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        a2a_shard_list_free(out);
    }
    free(start);
    a2a_buf_free(&answer);
    return rc;
}

/* ---- lineage order ------------------------------------------------------------------------ */

#define NO_PARENT ((size_t)-1)

static size_t *parent_indexes(const struct a2a_shard_list *l)
{
    size_t *parent = malloc((l->count > 0 ? l->count : 1) * sizeof(*parent));

    for (size_t i = 0; parent != NULL && i < l->count; i++) {
        parent[i] = NO_PARENT;
        for (size_t j = 0; l->shards[i].parent_id != NULL && j < l->count; j++) {
            if (strcmp(l->shards[j].shard_id, l->shards[i].parent_id) == 0) {
                parent[i] = j;
                break;
            }
        }
    }
    return parent;
}

/*
 * Emits i after every ancestor not yet emitted. state: 0 waiting, 1 on the stack, 2 emitted.
 * Returns 0, or -1 on a cycle.
 */
static int emit_lineage(const struct a2a_shard_list *l, const size_t *parent, size_t i,
                        unsigned char *state, size_t *stack, struct a2a_shard_info *sorted,
                        size_t *nsorted)
{
    size_t top = 0;

    for (size_t k = i; k != NO_PARENT && state[k] != 2; k = parent[k]) {
        if (state[k] == 1) {
            return -1;
        }
        state[k] = 1;
        stack[top++] = k;
    }
    while (top > 0) {
        size_t k = stack[--top];
        sorted[(*nsorted)++] = l->shards[k];
        state[k] = 2;
    }
    return 0;
}

int a2a_shards_order(struct a2a_shard_list *l, struct a2a_error *err)
{
    size_t n = l->count > 0 ? l->count : 1;
    size_t *parent = parent_indexes(l);
    unsigned char *state = calloc(n, 1);
    size_t *stack = malloc(n * sizeof(*stack));
    struct a2a_shard_info *sorted = malloc(n * sizeof(*sorted));
    size_t nsorted = 0;
    int rc = -1;

    if (parent == NULL || state == NULL || stack == NULL || sorted == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (emit_lineage(l, parent, i, state, stack, sorted, &nsorted) != 0) {
            a2a_error_set(err, A2A_E_INPUT, "shard %s: its lineage is a cycle",
                          l->shards[i].shard_id);
            goto out;
        }
    }
    memcpy(l->shards, sorted, l->count * sizeof(*sorted));
    rc = 0;
out:
    free(parent);
    free(state);
    free(stack);
    free(sorted);
    return rc;
}

/* ---- positions ----------------------------------------------------------------------------- */

const char *a2a_start_text(const struct a2a_start *s, char *buf, size_t cap)
{
    static const char *const kinds[] = {"trim-horizon", "latest", "at:", "after:"};

    snprintf(buf, cap, "%s%s", kinds[s->kind], s->kind >= A2A_START_AT ? s->seq : "");
    return buf;
}

int a2a_start_parse(const char *text, struct a2a_start *out, struct a2a_error *err)
{
    const char *seq = NULL;

    memset(out, 0, sizeof(*out));
    if (strcmp(text, "trim-horizon") == 0) {
        out->kind = A2A_START_TRIM_HORIZON;
        return 0;
    }
    if (strcmp(text, "latest") == 0) {
        out->kind = A2A_START_LATEST;
        return 0;
    }
    if (strncmp(text, "at:", 3) == 0) {
        out->kind = A2A_START_AT;
        seq = text + 3;
    } else if (strncmp(text, "after:", 6) == 0) {
        out->kind = A2A_START_AFTER;
        seq = text + 6;
    }
    if (seq == NULL || !a2a_seqnum_valid_str(seq)) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "start position %.80s: not trim-horizon, latest, at:SEQ or after:SEQ with "
                      "SEQ 21 to 40 digits",
                      text);
        return -1;
    }
    memcpy(out->seq, seq, strlen(seq) + 1);
    return 0;
}
