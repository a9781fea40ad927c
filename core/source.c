#include "source.h"

#include "jsonview.h"

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
    if (n == 0) {
        return 0; /* bytes may be NULL for an empty buffer */
    }
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
    int is_stdin;                /* the current input is standard input */
    int in_place;                /* a regular file whose byte 0 is the input's (regular()) */
    int open_failed;             /* the current input could not be opened */
    const char *name;            /* borrowed from cfg.paths, or a constant */
    uint64_t offset;             /* bytes read from the current input (for messages) */
    uint64_t size;               /* of the current input when opened, if a regular file */
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
    f->in_place = 0;
}

int a2a_files_resumable(const struct a2a_files *f)
{
    /* A path that failed to open is named all the same: the operator can fix and resume it;
     * so is a pipe nothing was read from yet (its writer may still come). */
    return !f->is_stdin && (f->open_failed || (f->fd >= 0 && (!f->fd_may_block || f->offset == 0)));
}

/* Moves to the resume point of the first input: the byte before it, which the scanner
 * checks. Only a regular file can be moved in. */
static int seek_resume(struct a2a_files *f, const struct stat *st, struct a2a_error *err)
{
    uint64_t at = f->cfg.resume_offset;

    if (f->is_stdin || !S_ISREG(st->st_mode)) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot resume: not a regular file", f->name);
        return -1;
    }
    if (at > (uint64_t)st->st_size) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot resume at byte %llu: the file has %llu bytes",
                      f->name, (unsigned long long)at, (unsigned long long)st->st_size);
        return -1;
    }
    if (lseek(f->fd, (off_t)(at - 1), SEEK_SET) < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot resume at byte %llu: %s", f->name,
                      (unsigned long long)at, strerror(errno));
        return -1;
    }
    f->offset = at - 1;
    return 0;
}

int a2a_files_value_size(const struct a2a_files *f, uint64_t at, uint64_t max, uint64_t *size)
{
    enum { CHUNK = 64 * 1024 };
    struct a2a_jv_skip skip = {0};
    char *buf;
    uint64_t seen = 0;

    if (f->fd < 0 || !f->in_place || (buf = malloc(CHUNK)) == NULL) {
        return 0;
    }
    while (!skip.ended && seen <= max) {
        ssize_t n = pread(f->fd, buf, CHUNK, (off_t)(at + seen));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || (seen == 0 && buf[0] != '{' && buf[0] != '[')) {
            break; /* the end of the file, a read error, or no object or array there */
        }
        seen += a2a_jv_skip_feed(&skip, buf, (size_t)n);
    }
    free(buf);
    if (skip.ended || seen > max) {
        *size = seen <= max ? seen : max + 1;
        return 1;
    }
    return 0;
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

static int cancelled(const struct a2a_files *f);

/*
 * Opens an input FILE. A named pipe's plain open() waits for a writer and looks at nothing
 * meanwhile: a signal or --max-time that came before it would be lost and the run would wait
 * forever, with no call committed. Every path is opened without waiting (regular files do not
 * care) and then blocks as usual: a pipe's writer is then waited for as its input is
 * (wait_for_input(): the cancel flag, the wake-up descriptor and the run's hook watched; Linux
 * reports no hang-up on a pipe no writer has opened yet). 0, or an errno (EINTR: the run
 * stopped first).
 */
static int open_input(struct a2a_files *f, const char *path)
{
    int flags;
    int e;

    do {
        f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (f->fd < 0 && errno == EINTR && !cancelled(f));
    if (f->fd < 0) {
        return errno;
    }
    if ((flags = fcntl(f->fd, F_GETFL)) >= 0 && fcntl(f->fd, F_SETFL, flags & ~O_NONBLOCK) == 0) {
        return 0;
    }
    e = errno;
    close(f->fd);
    f->fd = -1;
    return e;
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
    f->open_failed = 0;
    path = f->cfg.npaths == 0 ? "-" : f->cfg.paths[f->next_path - 1];
    f->is_stdin = strcmp(path, "-") == 0;
    f->name = f->is_stdin ? "<stdin>" : path;
    *name = f->name;
    if (f->is_stdin) {
        f->fd = STDIN_FILENO;
        if (fstat(f->fd, &st) != 0) {
            st.st_mode = S_IFIFO; /* unknown: assume it may block */
        }
    } else {
        /* A named pipe is fine, read as it comes, once a writer opened it (open_input). */
        int e = open_input(f, path);

        if (e == EINTR) {
            f->open_failed = 1; /* nothing of it was read: the same path continues the run */
            a2a_error_set(err, A2A_E_INTERRUPTED, "%s: not opened: the run stopped first", path);
            return -1;
        }
        errno = e;
        if (f->fd < 0) {
            f->open_failed = 1;
            a2a_error_set(err, A2A_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
            return -1;
        }
        f->fd_owned = 1;
        if (fstat(f->fd, &st) != 0) {
            st.st_mode = S_IFIFO;
        }
        if (S_ISDIR(st.st_mode)) {
            a2a_error_set(err, A2A_E_INPUT, "%s: is a directory, not a file", path);
            return -1;
        }
    }
    f->fd_may_block = !S_ISREG(st.st_mode);
    /* Standard input may be a file some bytes of which were read before: its offsets are not
     * the file's, so it is never read out of order (regular()). */
    f->in_place = S_ISREG(st.st_mode) && (!f->is_stdin || lseek(f->fd, 0, SEEK_CUR) == 0);
    f->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (f->next_path == 1 && f->cfg.resume_offset > 0 && seek_resume(f, &st, err) != 0) {
        return -1;
    }
    return 1;
}

#define WAIT_SLICE_MS 250 /* the longest a wait goes without a look at the cancel flag */

static int cancelled(const struct a2a_files *f)
{
    return f->cfg.cancel != NULL && *f->cfg.cancel != 0;
}

static int interrupted(struct a2a_files *f, struct a2a_error *err)
{
    a2a_error_set(err, A2A_E_INTERRUPTED, "%s: reading stopped with %llu byte%s of it read",
                  f->name, (unsigned long long)f->offset, f->offset == 1 ? "" : "s");
    return -1;
}

/*
 * After an interruption: waits for input until the deadline. Returns 1 ready, 0 deadline
 * passed. A signal that breaks the wait only makes it look again.
 */
static int wait_until_deadline(struct a2a_files *f)
{
    struct pollfd pfd = {.fd = f->fd, .events = POLLIN};

    for (;;) {
        int64_t left = f->deadline_ms - now_ms();
        int n;

        if (left <= 0) {
            return 0;
        }
        n = poll(&pfd, 1, (int)(left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS));
        if (n > 0) {
            return 1; /* readable, hung up, or an error that read() will report */
        }
    }
}

/*
 * Waits until a pipe, terminal or socket has input, so that read() never blocks: a signal
 * that lands between the caller's last look at the cancel flag and a blocking read() would
 * otherwise go unnoticed. The wake-up descriptor ends the wait at once; without one, the
 * flag is looked at every slice. Returns 0 ready, or -1 (A2A_E_INTERRUPTED).
 */
static int wait_for_input(struct a2a_files *f, struct a2a_error *err)
{
    for (;;) {
        struct pollfd pfd[2] = {{.fd = f->fd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
        int n;

        if (f->cfg.wait_hook != NULL) {
            f->cfg.wait_hook(f->cfg.wait_ctx, f->fd); /* may set a deadline (a signal came) */
        }
        if (f->deadline_ms >= 0) {
            return wait_until_deadline(f) ? 0 : interrupted(f, err);
        }
        if (cancelled(f)) {
            /* A signal came while waiting: whatever comes next may never come. */
            return interrupted(f, err);
        }
        if (f->cfg.wake_fd != NULL) {
            pfd[1].fd = *f->cfg.wake_fd;
        }
        n = poll(pfd, 2, WAIT_SLICE_MS);
        if (n > 0 && pfd[0].revents != 0) {
            return 0;
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
    if (!f->fd_may_block && f->deadline_ms >= 0 && now_ms() >= f->deadline_ms) {
        return interrupted(f, err); /* a regular file is read on until the drain time is up */
    }
    for (;;) {
        if (f->fd_may_block && wait_for_input(f, err) != 0) {
            return -1;
        }
        n = read(f->fd, buf, cap);
        if (n >= 0 || errno != EINTR) {
            break;
        }
        if (cancelled(f) && !f->fd_may_block) {
            return interrupted(f, err);
        }
    }
    if (n < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: read error: %s", f->name, strerror(errno));
        return -1;
    }
    f->offset += (uint64_t)n;
    return n;
}

static int files_regular(void *ctx, int *fd, uint64_t *size)
{
    struct a2a_files *f = ctx;

    if (f->fd < 0 || !f->in_place) {
        return 0;
    }
    *fd = f->fd;
    *size = f->size;
    return 1;
}

static int files_seek(void *ctx, uint64_t off, struct a2a_error *err)
{
    struct a2a_files *f = ctx;

    if (f->fd < 0 || !f->in_place || lseek(f->fd, (off_t)off, SEEK_SET) < 0) {
        a2a_error_set(err, A2A_E_INPUT, "%s: cannot move to byte %llu: %s", f->name,
                      (unsigned long long)off,
                      f->fd < 0 || !f->in_place ? "not a regular file read from its byte 0"
                                                : strerror(errno));
        return -1;
    }
    f->offset = off;
    return 0;
}

static int files_may_be_empty(void *ctx)
{
    const struct a2a_files *f = ctx;
    struct stat st;

    /* a regular file given with < is a capture, as a named one is (review 64) */
    return f->is_stdin && !(fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode));
}

void a2a_files_source(struct a2a_source *src, struct a2a_files *f)
{
    *src = (struct a2a_source){.next = files_next,
                               .read = files_read,
                               .regular = files_regular,
                               .seek = files_seek,
                               .may_be_empty = files_may_be_empty,
                               .ctx = f};
}

void a2a_source_place_free(struct a2a_source_place *p)
{
    if (p == NULL) {
        return;
    }
    free(p->name);
    free(p->part);
    free(p->part_from);
    for (size_t i = 0; i < p->nrest; i++) {
        free(p->rest[i]);
    }
    free(p->rest);
    memset(p, 0, sizeof(*p));
}
