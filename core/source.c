#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- memory ---- */

static int memory_next(void *ctx, const char **name, struct a2a_error *err)
{
    struct a2a_memory *m = ctx;

    (void)err;
    if (m->opened) {
        return 0;
    }
    m->opened = 1;
    m->pos = 0;
    *name = m->name != NULL ? m->name : "<memory>";
    return 1;
}

static ssize_t memory_read(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err)
{
    struct a2a_memory *m = ctx;
    size_t left = m->len - m->pos;
    size_t n = left < cap ? left : cap;

    (void)err;
    memcpy(buf, m->bytes + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

void a2a_memory_source(struct a2a_source *src, struct a2a_memory *m)
{
    m->pos = 0;
    m->opened = 0;
    *src = (struct a2a_source){.next = memory_next, .read = memory_read, .ctx = m};
}

/* ---- files and standard input ---- */

struct a2a_files {
    struct a2a_files_config cfg; /* copied; the strings in it stay borrowed */
    size_t next_path;            /* index of the next path to open */
    int fd;                      /* -1 when no file is open */
    int fd_owned;                /* 0 for standard input, which is never closed */
    int fd_may_block;            /* a pipe, terminal or socket: reads can wait */
    const char *name;            /* borrowed from cfg.paths, or a constant */
    uint64_t offset;             /* bytes read from the current input (for messages) */
    int64_t deadline_ms;         /* -1: wait as long as it takes */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int a2a_files_open(struct a2a_files **out, const struct a2a_files_config *cfg,
                   struct a2a_error *err)
{
    struct a2a_files *f = calloc(1, sizeof(*f));

    *out = NULL;
    if (f == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    f->cfg = *cfg;
    f->fd = -1;
    f->deadline_ms = -1;
    f->name = "<stdin>";
    *out = f;
    return 0;
}

void a2a_files_set_deadline(struct a2a_files *f, int64_t deadline_ms)
{
    f->deadline_ms = deadline_ms;
}

static void close_current(struct a2a_files *f)
{
    if (f->fd >= 0 && f->fd_owned) {
        close(f->fd);
    }
    f->fd = -1;
    f->fd_owned = 0;
    f->fd_may_block = 0;
}

void a2a_files_free(struct a2a_files **pf)
{
    struct a2a_files *f = *pf;

    if (f == NULL) {
        return;
    }
    close_current(f);
    free(f);
    *pf = NULL;
}

static int files_next(void *ctx, const char **name, struct a2a_error *err)
{
    struct a2a_files *f = ctx;
    size_t total = f->cfg.npaths == 0 ? 1 : f->cfg.npaths;
    const char *path;
    struct stat st;

    close_current(f);
    if (f->next_path >= total) {
        return 0;
    }
    f->next_path++;
    f->offset = 0;
    path = f->cfg.npaths == 0 ? "-" : f->cfg.paths[f->next_path - 1];
    f->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    *name = f->name;
    if (strcmp(path, "-") == 0) {
        f->fd = STDIN_FILENO;
        f->fd_may_block = fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode);
        return 1;
    }
    f->fd = open(path, O_RDONLY | O_CLOEXEC); /* a named pipe is fine: read as it comes */
    if (f->fd < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    f->fd_owned = 1;
    if (fstat(f->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        a2a_error_set(err, A2A_E_INPUT, "%s: is a directory, not a file", path);
        return -1;
    }
    f->fd_may_block = !S_ISREG(st.st_mode);
    return 1;
}

/* Waits for input until the deadline, if one is set. Returns 1 ready, 0 deadline passed. */
static int wait_readable(struct a2a_files *f)
{
    struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
    int64_t left;

    if (f->deadline_ms < 0) {
        return 1;
    }
    for (;;) {
        left = f->deadline_ms - now_ms();
        if (left <= 0) {
            return 0;
        }
        if (poll(&pfd, 1, (int)left) != 0) {
            return 1; /* readable, hung up, or an error that read() will report */
        }
    }
}

static ssize_t files_read(void *ctx, unsigned char *buf, size_t cap, struct a2a_error *err)
{
    struct a2a_files *f = ctx;
    ssize_t n;

    if (f->fd < 0) {
        return 0;
    }
    if (f->fd_may_block && f->cfg.wait_hook != NULL) {
        f->cfg.wait_hook(f->cfg.wait_ctx, f->fd);
    }
    for (;;) {
        if (!wait_readable(f)) {
            a2a_error_set(err, A2A_E_INTERRUPTED, "%s: input not read past byte %llu", f->name,
                          (unsigned long long)f->offset);
            return -1;
        }
        n = read(f->fd, buf, cap);
        if (n >= 0 || errno != EINTR) {
            break;
        }
        if (f->cfg.cancel != NULL && *f->cfg.cancel != 0 && f->deadline_ms < 0) {
            /* A signal broke a blocked read: whatever comes next may never come. */
            a2a_error_set(err, A2A_E_INTERRUPTED, "%s: input not read past byte %llu", f->name,
                          (unsigned long long)f->offset);
            return -1;
        }
    }
    if (n < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: read error: %s", f->name, strerror(errno));
        return -1;
    }
    f->offset += (uint64_t)n;
    return n;
}

void a2a_files_source(struct a2a_source *src, struct a2a_files *f)
{
    *src = (struct a2a_source){.next = files_next, .read = files_read, .ctx = f};
}
