/*
 * Secrets where a user would put them: a credential header typed on the command line, a
 * password inside the URL, a token about to travel in clear text. Pure checks on strings;
 * the callers decide between a warning and a refusal.
 */
#ifndef A2A_SECRETS_H
#define A2A_SECRETS_H

/*
 * 1 when the header line "Name: value" carries a credential by its name: Authorization,
 * Proxy-Authorization, Cookie, or a name holding "token", "secret", "password", "api-key"
 * or "apikey" (case-insensitive).
 */
int secrets_header_is_credential(const char *line);

/* 1 when the http(s) URL has user information ("user:password@") before its host. */
int secrets_url_has_userinfo(const char *url);

/*
 * 1 when the URL is plain http:// to a host other than loopback (127.0.0.0/8, ::1,
 * localhost): anything sent there, a bearer token included, can be read on the way.
 */
int secrets_url_cleartext_remote(const char *url);

#endif
