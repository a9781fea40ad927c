/*
 * The two providers that ask an HTTP service on the host's own network: container
 * credentials (ECS, EKS Pod Identity) and EC2 instance metadata (IMDSv2). Neither runs unless
 * its variables or defaults say it applies; both use short timeouts, one attempt, no proxy,
 * no redirects, and a bounded answer that is wiped after use.
 */
#define _DEFAULT_SOURCE

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_credentials.h"
#include "buf.h"
#include "wipe.h"

#define HTTP_ANSWER_MAX    (64 * 1024)
#define TOKEN_FILE_MAX     16384
#define CONTAINER_HOST     "http://169.254.170.2"
#define IMDS_DEFAULT       "http://169.254.169.254"
#define IMDS_TOKEN_TTL_S   "21600"
#define IMDS_ROLE_PATH     "/latest/meta-data/iam/security-credentials/"
#define DEFAULT_TIMEOUT_MS 1000

struct answer {
    struct a2a_buf body; /* owned; wiped by answer_free() */
    long status;         /* 0 when no HTTP answer came */
    CURLcode code;
};

static void answer_free(struct answer *a)
{
    if (a->body.data != NULL) {
        a2a_wipe(a->body.data, a->body.cap);
    }
    a2a_buf_free(&a->body);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct a2a_buf *b = ctx;

    if (b->len + n > HTTP_ANSWER_MAX || a2a_buf_append(b, data, n) != 0) {
        return 0; /* libcurl then fails the transfer (CURLE_WRITE_ERROR) */
    }
    (void)size;
    return n;
}

/*
 * One request: method "GET" or "PUT", at most one extra header (NULL for none). Returns 0
 * with the answer filled (status 0 when the transport failed), or -1 (out of memory).
 */
static int http_call(const char *method, const char *url, const char *header, long timeout_ms,
                     struct answer *a)
{
    CURL *h = curl_easy_init();
    struct curl_slist *headers = NULL;

    memset(a, 0, sizeof(*a));
    if (h == NULL) {
        return -1;
    }
    if (header != NULL) {
        headers = curl_slist_append(NULL, header);
        if (headers == NULL) {
            curl_easy_cleanup(h);
            return -1;
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
    a->code = curl_easy_perform(h);
    if (a->code == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
    }
    if (headers != NULL) {
        a2a_wipe(headers->data, strlen(headers->data));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return 0;
}

static long timeout_of(const struct a2a_creds_config *cfg)
{
    return cfg->http_timeout_ms > 0 ? cfg->http_timeout_ms : DEFAULT_TIMEOUT_MS;
}

/* A new string a then b; NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    size_t na = strlen(a);
    size_t nb = strlen(b);
    char *s = malloc(na + nb + 1);

    if (s != NULL) {
        memcpy(s, a, na);
        memcpy(s + na, b, nb + 1);
    }
    return s;
}

/* ---- container credentials ---------------------------------------------------------------- */

static int host_allowed(const char *host)
{
    static const char *const allowed[] = {"localhost", "169.254.170.2", "169.254.170.23",
                                          "[fd00:ec2::23]", "[::1]"};
    unsigned a, b, c, d;
    char tail;

    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (strcasecmp(host, allowed[i]) == 0) {
            return 1;
        }
    }
    /* any 127.0.0.0/8 address, written as a plain dotted quad */
    return sscanf(host, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256 && strspn(host, "0123456789.") == strlen(host);
}

int a2a_container_uri_allowed(const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    char *host = NULL;
    int ok = 0;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        goto out;
    }
    if (strcmp(scheme, "https") == 0) {
        ok = 1;
    } else if (strcmp(scheme, "http") == 0) {
        ok = host_allowed(host);
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* The authorization header value, from the token file or the variable; refuses CR and LF. */
static int container_auth(const struct a2a_creds_config *cfg, char **header, struct a2a_error *err)
{
    const char *path = a2a_env_get(&cfg->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *value = a2a_env_get(&cfg->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    char token[TOKEN_FILE_MAX + 1];
    size_t n = 0;
    int rc = -1;

    *header = NULL;
    if (path != NULL) {
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            a2a_error_set(err, A2A_E_CONFIG, "container credentials: %s: cannot read: %s", path,
                          strerror(errno));
            return -1;
        }
        n = fread(token, 1, TOKEN_FILE_MAX, f);
        fclose(f);
        token[n] = '\0';
        value = token;
    }
    if (value == NULL) {
        return 0;
    }
    if (strlen(value) != (path != NULL ? n : strlen(value)) || strpbrk(value, "\r\n") != NULL) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "container credentials: the authorization token holds CR, LF or NUL");
        goto out;
    }
    *header = join("Authorization: ", value);
    if (*header == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    rc = 0;
out:
    a2a_wipe(token, sizeof(token));
    return rc;
}

/* The container credentials URL from the two variables; NULL (why set) when neither is set. */
static char *container_url(const struct a2a_creds_config *cfg, char *why, size_t cap,
                           struct a2a_error *err)
{
    const char *rel = a2a_env_get(&cfg->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = a2a_env_get(&cfg->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    char *url;

    if (rel != NULL) {
        if (rel[0] != '/') {
            a2a_error_set(err, A2A_E_CONFIG,
                          "container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI does "
                          "not start with /");
            return NULL;
        }
        url = join(CONTAINER_HOST, rel);
    } else if (full != NULL) {
        if (!a2a_container_uri_allowed(full)) {
            a2a_error_set(err, A2A_E_CONFIG,
                          "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI must be "
                          "https, or http to loopback, 169.254.170.2, 169.254.170.23 or "
                          "fd00:ec2::23");
            return NULL;
        }
        url = strdup(full);
    } else {
        snprintf(why, cap, "container (AWS_CONTAINER_CREDENTIALS_*_URI not set)");
        return NULL;
    }
    if (url == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
    }
    return url;
}

enum a2a_creds_result a2a_creds_from_container(const struct a2a_creds_config *cfg,
                                               struct a2a_aws_creds *out, char *why, size_t cap,
                                               struct a2a_error *err)
{
    enum a2a_creds_result rc = A2A_CREDS_ERROR;
    struct answer a = {{0}, 0, CURLE_OK};
    char *auth = NULL;
    char *url = container_url(cfg, why, cap, err);
    const char *source = "container credentials";

    if (url == NULL) {
        return err->code != A2A_OK ? A2A_CREDS_ERROR : A2A_CREDS_ABSENT;
    }
    if (container_auth(cfg, &auth, err) != 0) {
        goto out;
    }
    if (http_call("GET", url, auth, timeout_of(cfg), &a) != 0) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    if (a.code != CURLE_OK || a.status != 200) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: %s: %s", source, url,
                      a.code != CURLE_OK ? curl_easy_strerror(a.code) : "not a 200 answer");
        goto out;
    }
    rc = a2a_creds_parse_json(a.body.data, a.body.len, 0, source, out, err);
out:
    answer_free(&a);
    a2a_secret_free(&auth);
    free(url);
    return rc;
}

/* ---- IMDSv2 ------------------------------------------------------------------------------ */

/* base + path into a new string, without a doubled slash. */
static char *imds_url(const char *base, const char *path)
{
    size_t n = strlen(base);
    char *trimmed = strndup(base, n);
    char *url;

    if (trimmed == NULL) {
        return NULL;
    }
    while (n > 0 && trimmed[n - 1] == '/') {
        trimmed[--n] = '\0';
    }
    url = join(trimmed, path);
    free(trimmed);
    return url;
}

/*
 * One IMDS step: GET or PUT base+path with one header. Returns 0 with a 200 answer in a,
 * 1 when the service did not answer 200 (the source does not apply), -1 out of memory.
 */
static int imds_step(const char *base, const char *method, const char *path, const char *header,
                     long timeout_ms, struct answer *a)
{
    char *url = imds_url(base, path);
    int rc;

    if (url == NULL) {
        return -1;
    }
    rc = http_call(method, url, header, timeout_ms, a);
    free(url);
    if (rc != 0) {
        return -1;
    }
    return a->code == CURLE_OK && a->status == 200 ? 0 : 1;
}

/* The first line of the role list: the instance profile's role name. */
static char *first_line(const struct a2a_buf *b)
{
    size_t n = 0;

    while (n < b->len && b->data[n] != '\n' && b->data[n] != '\r') {
        n++;
    }
    if (n == 0 || memchr(b->data, '/', n) != NULL || memchr(b->data, '\0', n) != NULL) {
        return NULL;
    }
    return strndup(b->data, n);
}

enum a2a_creds_result a2a_creds_from_imds(const struct a2a_creds_config *cfg,
                                          struct a2a_aws_creds *out, char *why, size_t cap,
                                          struct a2a_error *err)
{
    const char *disabled = a2a_env_get(&cfg->env, "AWS_EC2_METADATA_DISABLED");
    const char *base = a2a_env_get(&cfg->env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
    enum a2a_creds_result rc = A2A_CREDS_ABSENT;
    struct answer a = {{0}, 0, CURLE_OK};
    char *token_header = NULL;
    char *role = NULL;
    char *role_path = NULL;
    int step;

    if (disabled != NULL && strcasecmp(disabled, "true") == 0) {
        snprintf(why, cap, "IMDS (AWS_EC2_METADATA_DISABLED=true)");
        return A2A_CREDS_ABSENT;
    }
    base = base != NULL ? base : IMDS_DEFAULT;
    snprintf(why, cap, "IMDS at %.100s (no answer)", base);
    step =
        imds_step(base, "PUT", "/latest/api/token",
                  "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL_S, timeout_of(cfg), &a);
    if (step != 0) {
        goto out;
    }
    a2a_buf_putc(&a.body, '\0');
    token_header = join("X-aws-ec2-metadata-token: ", a.body.data);
    answer_free(&a);
    step = token_header == NULL
               ? -1
               : imds_step(base, "GET", IMDS_ROLE_PATH, token_header, timeout_of(cfg), &a);
    if (step != 0) {
        snprintf(why, cap, "IMDS at %.100s (no instance role)", base);
        goto out;
    }
    role = first_line(&a.body);
    answer_free(&a);
    role_path = role != NULL ? join(IMDS_ROLE_PATH, role) : NULL;
    step = role_path == NULL ? 1
                             : imds_step(base, "GET", role_path, token_header, timeout_of(cfg), &a);
    if (step != 0) {
        snprintf(why, cap, "IMDS at %.100s (no credentials for the role)", base);
        goto out;
    }
    rc = a2a_creds_parse_json(a.body.data, a.body.len, 0, "IMDS instance role", out, err);
out:
    if (step < 0) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        rc = A2A_CREDS_ERROR;
    }
    answer_free(&a);
    a2a_secret_free(&token_header);
    free(role);
    free(role_path);
    return rc;
}
