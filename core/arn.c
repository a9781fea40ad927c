#include "arn.h"

#include <stdio.h>
#include <string.h>

#include "jsonstr.h"

/* Copies the len bytes at p into dst (cap bytes with the NUL); -1 when they do not fit. */
static int copy_part(char *dst, size_t cap, const char *p, size_t len)
{
    if (len >= cap) {
        return -1;
    }
    memcpy(dst, p, len);
    dst[len] = '\0';
    return 0;
}

static int all_of(const char *s, const char *set_extra, int lower_only)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                 (!lower_only && c >= 'A' && c <= 'Z') || strchr(set_extra, c) != NULL;
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int check_region(const struct a2a_stream_arn *a)
{
    size_t n = strlen(a->region);
    int cn = starts_with(a->region, "cn-");
    int gov = starts_with(a->region, "us-gov-");

    if (n < 3 || !all_of(a->region, "-", 1) || strchr(a->region, '-') == NULL ||
        a->region[0] == '-' || a->region[n - 1] == '-') {
        return -1;
    }
    /* A region outside its partition would be signed for one place and sent to another. */
    if (strcmp(a->partition, "aws-cn") == 0) {
        return cn ? 0 : -1;
    }
    if (strcmp(a->partition, "aws-us-gov") == 0) {
        return gov ? 0 : -1;
    }
    return cn || gov ? -1 : 0;
}

static int check_label(const char *s)
{
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s <= ' ' || *s > '~' || *s == '/') {
            return -1;
        }
    }
    return 0;
}

/* Splits "table/NAME/stream/LABEL". */
static int parse_resource(const char *res, struct a2a_stream_arn *out)
{
    const char *name;
    const char *slash;
    size_t n;

    if (!starts_with(res, "table/")) {
        return -1;
    }
    name = res + strlen("table/");
    slash = strchr(name, '/');
    if (slash == NULL || !starts_with(slash, "/stream/")) {
        return -1;
    }
    n = (size_t)(slash - name);
    if (n < 1 || copy_part(out->table, sizeof(out->table), name, n) != 0 ||
        !all_of(out->table, "_.-", 0)) {
        return -1;
    }
    if (copy_part(out->label, sizeof(out->label), slash + strlen("/stream/"),
                  strlen(slash + strlen("/stream/"))) != 0) {
        return -1;
    }
    return check_label(out->label);
}

int a2a_stream_arn_parse(const char *arn, struct a2a_stream_arn *out, struct a2a_error *err)
{
    const char *field[6];
    size_t flen[5];
    const char *p = arn;
    const char *what = "it is not arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL";

    memset(out, 0, sizeof(*out));
    if (arn == NULL || strlen(arn) > A2A_ARN_MAX) {
        goto bad;
    }
    /* Five colons; the resource after them may hold more (the label is a timestamp). */
    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(p, ':');
        if (colon == NULL) {
            goto bad;
        }
        field[i] = p;
        flen[i] = (size_t)(colon - p);
        p = colon + 1;
    }
    field[5] = p;
    if (flen[0] != 3 || memcmp(field[0], "arn", 3) != 0 || flen[2] != 8 ||
        memcmp(field[2], "dynamodb", 8) != 0) {
        goto bad;
    }
    if (copy_part(out->partition, sizeof(out->partition), field[1], flen[1]) != 0 ||
        (strcmp(out->partition, "aws") != 0 && strcmp(out->partition, "aws-cn") != 0 &&
         strcmp(out->partition, "aws-us-gov") != 0)) {
        what = "the partition is not aws, aws-cn or aws-us-gov";
        goto bad;
    }
    if (copy_part(out->region, sizeof(out->region), field[3], flen[3]) != 0 ||
        check_region(out) != 0) {
        what = "the region is not a region of its partition";
        goto bad;
    }
    if (flen[4] != 12 || copy_part(out->account, sizeof(out->account), field[4], flen[4]) != 0 ||
        strspn(out->account, "0123456789") != 12) {
        what = "the account is not 12 digits";
        goto bad;
    }
    if (parse_resource(field[5], out) != 0) {
        what = "the resource is not table/NAME/stream/LABEL";
        goto bad;
    }
    return 0;
bad:
    a2a_error_set(err, A2A_E_CONFIG, "stream ARN %.200s: %s",
                  arn == NULL      ? "(none)"
                  : arn[0] == '\0' ? "\"\" (empty)"
                                   : arn,
                  what);
    memset(out, 0, sizeof(*out));
    return -1;
}

/* The authority's host and port, after any user information: [start, end). */
static const char *authority_host(const char *url, const char **end)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end != NULL ? scheme_end + 3 : url;

    *end = host + strcspn(host, "/?#");
    for (const char *s = host; s < *end; s++) {
        if (*s == '@') {
            host = s + 1; /* after the last one: a password may hold '@' */
        }
    }
    return host;
}

int a2a_url_bad_port(const char *url)
{
    const char *end;
    const char *host = authority_host(url, &end);
    const char *colon;
    unsigned long port = 0;

    if (host < end && host[0] == '[') { /* an IPv6 literal holds colons of its own */
        const char *close = memchr(host, ']', (size_t)(end - host));
        host = close != NULL ? close + 1 : end;
    }
    colon = memchr(host, ':', (size_t)(end - host));
    if (colon == NULL) {
        return 0;
    }
    if (colon + 1 == end || end - (colon + 1) > 5) {
        return 1;
    }
    for (const char *s = colon + 1; s < end; s++) {
        if (*s < '0' || *s > '9') {
            return 1;
        }
        port = port * 10 + (unsigned long)(*s - '0');
    }
    return port == 0 || port > 65535;
}

int a2a_url_has_host(const char *url)
{
    const char *end;
    const char *host = authority_host(url, &end);

    return host < end && host[0] != ':';
}

const char *a2a_endpoint_url_fault(const char *url)
{
    if (!starts_with(url, "http://") && !starts_with(url, "https://")) {
        return "not an http:// or https:// URL";
    }
    for (const char *s = url; *s != '\0'; s++) {
        if ((unsigned char)*s <= ' ' || *s == 0x7f) {
            return "white space or a control character in the URL";
        }
    }
    if (!a2a_url_has_host(url)) {
        return "no host in the URL";
    }
    if (a2a_url_bad_port(url)) {
        return "the URL's port is not a number from 1 to 65535";
    }
    return NULL;
}

int a2a_streams_endpoint(const struct a2a_stream_arn *arn, const char *explicit_url,
                         const struct a2a_env *env, char *out, size_t cap, struct a2a_error *err)
{
    const char *url = explicit_url;
    const char *from = "the endpoint URL"; /* given by the caller: it names its own source */
    int n;

    if (url == NULL) {
        url = a2a_env_get(env, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS");
        from = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS";
    }
    if (url == NULL) {
        url = a2a_env_get(env, "AWS_ENDPOINT_URL");
        from = "AWS_ENDPOINT_URL";
    }
    if (url != NULL) {
        const char *fault = a2a_endpoint_url_fault(url);
        if (fault != NULL) {
            char shown[256];

            a2a_url_shown(url, shown, sizeof(shown));
            a2a_error_set(err, A2A_E_CONFIG, "%s: %s: '%s'", from, fault, shown);
            return -1;
        }
        n = snprintf(out, cap, "%s", url);
    } else {
        n = snprintf(out, cap, "https://streams.dynamodb.%s.amazonaws.com%s", arn->region,
                     starts_with(arn->region, "cn-") ? ".cn" : "");
    }
    if (n < 0 || (size_t)n >= cap) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: the endpoint URL is too long", from);
        return -1;
    }
    return 0;
}
