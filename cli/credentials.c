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
static int check_token(const char *t, size_t len, const char *from, char *msg, size_t cap)
{
    if (len == 0) {
        snprintf(msg, cap, "%s: the token is empty", from);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x21 || c == 0x7f) {
            snprintf(msg, cap, "%s: the token contains white space or a control character", from);
            return -1;
        }
    }
    return 0;
}

static int load_file(struct credentials *c, const char *path, int *warn_mode, char *msg, size_t cap)
{
    char *buf;
    size_t len = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        snprintf(msg, cap, "--token-file %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        *warn_mode = 1;
    }
    buf = calloc(1, TOKEN_MAX + 1);
    if (buf == NULL) {
        close(fd);
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, TOKEN_MAX - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        if (len == TOKEN_MAX) {
            break;
        }
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        buf[--len] = '\0';
    }
    if (len == TOKEN_MAX || check_token(buf, len, "--token-file", msg, cap) != 0) {
        if (len == TOKEN_MAX) {
            snprintf(msg, cap, "--token-file %s: larger than %d bytes", path, TOKEN_MAX);
        }
        a2a_wipe(buf, TOKEN_MAX);
        free(buf);
        return -1;
    }
    c->token = buf;
    return 0;
}

int credentials_load(struct credentials *c, const char *token_file, int *warn_mode, char *msg,
                     size_t cap)
{
    const char *env = getenv("A2A_RECOVER_TOKEN");

    c->token = NULL;
    *warn_mode = 0;
    if (token_file != NULL) {
        return load_file(c, token_file, warn_mode, msg, cap);
    }
    if (env == NULL || env[0] == '\0') {
        return 0;
    }
    if (check_token(env, strlen(env), "A2A_RECOVER_TOKEN", msg, cap) != 0) {
        return -1;
    }
    c->token = strdup(env);
    if (c->token == NULL) {
        snprintf(msg, cap, "out of memory");
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
