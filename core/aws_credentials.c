#include "aws_credentials.h"
#include "wipe.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void a2a_secret_free(char **s)
{
    if (*s != NULL) {
        a2a_wipe(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

void a2a_aws_creds_clear(struct a2a_aws_creds *c)
{
    a2a_secret_free(&c->access_key_id);
    a2a_secret_free(&c->secret_access_key);
    a2a_secret_free(&c->session_token);
    memset(c, 0, sizeof(*c));
}

int a2a_aws_creds_due(const struct a2a_aws_creds *c, time_t now)
{
    if (c->access_key_id == NULL || c->secret_access_key == NULL) {
        return 1;
    }
    if (c->expiration == 0 || c->expiration - A2A_CREDS_REFRESH_EARLY_S > now) {
        return 0;
    }
    return c->expiration <= now || now - c->fetched >= A2A_CREDS_REFETCH_MIN_S;
}

static void set_why(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* Keys and tokens travel in header lines: printable ASCII without blanks, nothing else. */
static int secret_ok(const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return 1;
}

enum a2a_creds_result a2a_creds_fill(struct a2a_aws_creds *out, const char *key, const char *secret,
                                     const char *token, time_t expiration, const char *source,
                                     struct a2a_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!secret_ok(key) || !secret_ok(secret) ||
        (token != NULL && token[0] != '\0' && !secret_ok(token))) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "%s: an access key, secret key or session token is empty or holds a "
                      "blank or control character",
                      source);
        return A2A_CREDS_ERROR;
    }
    out->access_key_id = strdup(key);
    out->secret_access_key = strdup(secret);
    out->session_token = token != NULL && token[0] != '\0' ? strdup(token) : NULL;
    if (out->access_key_id == NULL || out->secret_access_key == NULL ||
        (token != NULL && token[0] != '\0' && out->session_token == NULL)) {
        a2a_aws_creds_clear(out);
        a2a_error_set(err, A2A_E_NOMEM, "%s: out of memory", source);
        return A2A_CREDS_ERROR;
    }
    out->expiration = expiration;
    snprintf(out->source, sizeof(out->source), "%s", source);
    return A2A_CREDS_FOUND;
}

enum a2a_creds_result a2a_creds_from_env(const struct a2a_creds_config *cfg,
                                         struct a2a_aws_creds *out, char *why, size_t cap,
                                         struct a2a_error *err)
{
    const char *key = a2a_env_get(&cfg->env, "AWS_ACCESS_KEY_ID");
    const char *secret = a2a_env_get(&cfg->env, "AWS_SECRET_ACCESS_KEY");

    if (cfg->profile != NULL) {
        set_why(why, cap, "environment (skipped: a profile was given)");
        return A2A_CREDS_ABSENT;
    }
    if (key == NULL && secret == NULL) {
        if (a2a_env_get(&cfg->env, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL) {
            /*
             * The AWS CLI assumes AWS_ROLE_ARN with this token next (EKS service accounts).
             * We do not; going on down the chain would sign as the node's instance role.
             */
            a2a_error_set(err, A2A_E_CONFIG,
                          "environment: AWS_WEB_IDENTITY_TOKEN_FILE is set (web identity), "
                          "which a2a-recover does not resolve; the AWS CLI does: use --profile "
                          "with credential_process = aws configure export-credentials --format "
                          "process (see CREDENTIALS in the manual)");
            return A2A_CREDS_ERROR;
        }
        set_why(why, cap, "environment (AWS_ACCESS_KEY_ID not set)");
        return A2A_CREDS_ABSENT;
    }
    if (key == NULL || secret == NULL) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set "
                      "together");
        return A2A_CREDS_ERROR;
    }
    return a2a_creds_fill(out, key, secret, a2a_env_get(&cfg->env, "AWS_SESSION_TOKEN"), 0,
                          "environment", err);
}

/* ---- times ---------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, int n, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return 0;
}

int a2a_iso8601_parse(const char *s, time_t *out)
{
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    long long t;
    int sign = 0;

    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec)) {
        return -1;
    }
    s += 19;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9') {
            return -1;
        }
        while (*s >= '0' && *s <= '9') {
            s++;
        }
    }
    if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
        sign = 0;
    } else if ((*s == '+' || *s == '-') && strlen(s) == 6 && digits(s + 1, 2, &oh) == 0 &&
               s[3] == ':' && digits(s + 4, 2, &om) == 0 && oh < 24 && om < 60) {
        sign = *s == '+' ? 1 : -1;
    } else {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec;
    t -= sign * (long long)(oh * 3600 + om * 60);
    *out = (time_t)t;
    return 0;
}

/* ---- JSON answers ------------------------------------------------------------------------- */

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* cJSON keeps copies of the secrets: wipe every string in the tree before it is freed. */
static void json_wipe_delete(cJSON *node)
{
    for (cJSON *c = node; c != NULL; c = c->next) {
        if (c->child != NULL) {
            json_wipe_delete(c->child);
            c->child = NULL;
        }
        if (c->valuestring != NULL) {
            a2a_wipe(c->valuestring, strlen(c->valuestring));
        }
    }
    cJSON_Delete(node);
}

/* A JSON document that fills json[0..len) but for white space; NULL when it does not. */
static cJSON *parse_whole(const char *json, size_t len)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, 0);

    while (doc != NULL && end < json + len) {
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            json_wipe_delete(doc);
            return NULL;
        }
        end++;
    }
    return doc;
}

enum a2a_creds_result a2a_creds_parse_json(const char *json, size_t len, int process,
                                           const char *source, struct a2a_aws_creds *out,
                                           struct a2a_error *err)
{
    enum a2a_creds_result rc = A2A_CREDS_ERROR;
    cJSON *doc = parse_whole(json, len);
    const cJSON *version;
    const char *expiry;
    time_t when = 0;

    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(doc)) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: the answer is not a JSON object", source);
        goto out;
    }
    version = cJSON_GetObjectItemCaseSensitive(doc, "Version");
    if (process && (!cJSON_IsNumber(version) || version->valuedouble != 1.0)) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: \"Version\" is not 1", source);
        goto out;
    }
    expiry = json_str(doc, "Expiration");
    if (expiry != NULL ? a2a_iso8601_parse(expiry, &when) != 0
                       : !process || cJSON_GetObjectItemCaseSensitive(doc, "Expiration") != NULL) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: \"Expiration\" is missing or not an ISO 8601 time",
                      source);
        goto out;
    }
    if (json_str(doc, "AccessKeyId") == NULL || json_str(doc, "SecretAccessKey") == NULL) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: \"AccessKeyId\" or \"SecretAccessKey\" is missing",
                      source);
        goto out;
    }
    rc = a2a_creds_fill(out, json_str(doc, "AccessKeyId"), json_str(doc, "SecretAccessKey"),
                        json_str(doc, process ? "SessionToken" : "Token"), when, source, err);
out:
    json_wipe_delete(doc);
    return rc;
}
