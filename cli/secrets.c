/* inet_aton(): glibc declares it only outside strict POSIX. */
#define _DEFAULT_SOURCE

#include "secrets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Whether the first len bytes of s hold needle, case-insensitively. */
static int contains_nocase(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++) {
        if (strncasecmp(s + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int secrets_header_is_credential(const char *line)
{
    static const char *const exact[] = {"Authorization", "Proxy-Authorization", "Cookie"};
    static const char *const parts[] = {"token", "secret", "password", "api-key", "apikey"};
    const char *colon = strchr(line, ':');
    size_t len = colon != NULL ? (size_t)(colon - line) : strlen(line);

    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (len == strlen(exact[i]) && strncasecmp(line, exact[i], len) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (contains_nocase(line, len, parts[i])) {
            return 1;
        }
    }
    return 0;
}

/* The authority of an http(s) URL ("user@host:port"): start and length; NULL if none. */
static const char *authority(const char *url, size_t *len)
{
    const char *sep = strstr(url, "://");

    if (sep == NULL) {
        return NULL;
    }
    sep += 3;
    *len = strcspn(sep, "/?#");
    return sep;
}

int secrets_url_has_userinfo(const char *url)
{
    size_t len = 0;
    const char *auth = authority(url, &len);

    return auth != NULL && memchr(auth, '@', len) != NULL;
}

/* Whether host (len bytes, brackets already removed for IPv6) is a loopback name or address. */
static int loopback_host(const char *host, size_t len, int bracketed)
{
    char buf[64];
    struct in_addr a4;
    struct in6_addr a6;

    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, host, len);
    buf[len] = '\0';
    if (bracketed) {
        if (inet_pton(AF_INET6, buf, &a6) != 1) {
            return 0;
        }
        return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
    }
    if (strcasecmp(buf, "localhost") == 0 || strcasecmp(buf, "localhost.") == 0) {
        return 1;
    }
    /* inet_aton() reads "127.1" and "0x7f.0.0.1" as libcurl does: the address called. */
    return inet_aton(buf, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

int secrets_url_cleartext_remote(const char *url)
{
    size_t len = 0;
    const char *auth;
    const char *at;
    const char *host;
    size_t hlen;

    if (strncasecmp(url, "http://", 7) != 0) {
        return 0;
    }
    auth = authority(url, &len);
    at = auth != NULL ? memchr(auth, '@', len) : NULL;
    host = at != NULL ? at + 1 : auth;
    hlen = auth != NULL ? len - (size_t)(host - auth) : 0;
    if (hlen > 0 && host[0] == '[') {
        const char *close = memchr(host, ']', hlen);
        return close == NULL || !loopback_host(host + 1, (size_t)(close - host - 1), 1);
    }
    hlen = strcspn(host, ":/?#") < hlen ? strcspn(host, ":/?#") : hlen;
    return !loopback_host(host, hlen, 0);
}
