#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wipe.h"

#define TOKEN_MAX 16384

/* Accepts a token only if it can travel in a header line unchanged. */
static int check_token(const char *t, size_t len, const char *from, struct a2a_error *err)
{
    if (len == 0) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: the token is empty", from);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x21 || c == 0x7f) {
            a2a_error_set(err, A2A_E_CONFIG,
                          "%s: the token contains white space or a control character", from);
            return -1;
        }
    }
    return 0;
}

/* A file that cannot be read or opened is not named: a token typed where its file name belongs
 * (an existing directory of that name, a file gone since the options were read) would show. */
#define NAME_NOT_SHOWN " (the name is not shown, in case it is the token itself)"

/* The file: a token of TOKEN_MAX bytes, a line end (CRLF at most) and one byte to tell more. */
#define TOKEN_READ_MAX (TOKEN_MAX + 3)

/*
 * Reads the whole file, or TOKEN_READ_MAX bytes of it, into buf; *len is how many. A read
 * error is an error, never the end of the file: a token cut short would be sent as if it were
 * whole. The byte past a token and its line end tells a file that is too large from one that
 * just fits, so that nothing past the limit is ignored.
 */
static int read_token(int fd, char *buf, size_t *len, struct a2a_error *err)
{
    *len = 0;
    while (*len < TOKEN_READ_MAX) {
        ssize_t n = read(fd, buf + *len, TOKEN_READ_MAX - *len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            a2a_error_set(err, A2A_E_CONFIG, "--token-file: cannot read the file named: %s%s",
                          strerror(errno), NAME_NOT_SHOWN);
            return -1;
        }
        if (n == 0) {
            break;
        }
        *len += (size_t)n;
    }
    return 0;
}

static int load_file(struct credentials *c, const char *path, int *warn_mode, struct a2a_error *err)
{
    char *buf = NULL; /* owned until handed to c->token */
    size_t len = 0;
    struct stat st;
    int rc = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        a2a_error_set(err, A2A_E_CONFIG, "--token-file: cannot open the file named: %s%s",
                      strerror(errno), NAME_NOT_SHOWN);
        return -1;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        *warn_mode = 1;
    }
    buf = calloc(1, TOKEN_READ_MAX + 1);
    if (buf == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        goto out;
    }
    if (read_token(fd, buf, &len, err) != 0) {
        goto out;
    }
    if (len < TOKEN_READ_MAX) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
            buf[--len] = '\0';
        }
    }
    if (len > TOKEN_MAX) {
        a2a_error_set(err, A2A_E_CONFIG, "--token-file %s: the token is longer than %d bytes", path,
                      TOKEN_MAX);
        goto out;
    }
    if (check_token(buf, len, "--token-file", err) != 0) {
        goto out;
    }
    c->token = buf;
    buf = NULL;
    rc = 0;
out:
    if (buf != NULL) {
        a2a_wipe(buf, TOKEN_READ_MAX + 1);
        free(buf);
    }
    close(fd);
    return rc;
}

int credentials_given(const char *token_file)
{
    const char *env = getenv("A2A_RECOVER_TOKEN");

    return token_file != NULL || (env != NULL && env[0] != '\0');
}

int credentials_load(struct credentials *c, const char *token_file, int *warn_mode,
                     struct a2a_error *err)
{
    const char *env = getenv("A2A_RECOVER_TOKEN");

    c->token = NULL;
    *warn_mode = 0;
    if (token_file != NULL) {
        return load_file(c, token_file, warn_mode, err);
    }
    if (env == NULL || env[0] == '\0') {
        return 0;
    }
    if (check_token(env, strlen(env), "A2A_RECOVER_TOKEN", err) != 0) {
        return -1;
    }
    c->token = strdup(env);
    if (c->token == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

void credentials_free(struct credentials *c)
{
    if (c->token != NULL) {
        a2a_wipe(c->token, strlen(c->token));
        free(c->token);
        c->token = NULL;
    }
}
