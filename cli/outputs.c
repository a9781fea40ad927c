#include "outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40 /* as the kernel's own limit on links followed in one lookup */

void output_init(struct output *out, const char *option, const char *path, enum output_mode mode)
{
    memset(out, 0, sizeof(*out));
    out->option = option;
    out->path = path;
    out->mode = mode;
}

static int refuse(struct output *out, struct a2a_error *err, const char *what, int errnum)
{
    a2a_error_set(err, A2A_E_CONFIG, "%s %s: %s%s%s", out->option, out->path, what,
                  errnum != 0 ? ": " : "", errnum != 0 ? strerror(errnum) : "");
    return -1;
}

static int out_of_memory(struct a2a_error *err)
{
    a2a_error_set(err, A2A_E_NOMEM, "out of memory");
    return -1;
}

/*
 * The descriptor a path names when it is one of the process's own (/dev/stdout, /dev/fd/1):
 * opening such a path anew would start at offset 0 and drop O_APPEND, so `>> log` would be
 * overwritten. -1 for any other path.
 */
static int own_descriptor(const char *path)
{
    const char *num = NULL;
    char *end = NULL;
    long fd;

    if (strcmp(path, "/dev/stdout") == 0) {
        return STDOUT_FILENO;
    }
    if (strcmp(path, "/dev/stderr") == 0) {
        return STDERR_FILENO;
    }
    if (strncmp(path, "/dev/fd/", 8) == 0) {
        num = path + 8;
    } else if (strncmp(path, "/proc/self/fd/", 14) == 0) {
        num = path + 14;
    }
    if (num == NULL || num[0] < '0' || num[0] > '9') {
        return -1;
    }
    errno = 0;
    fd = strtol(num, &end, 10);
    if (errno != 0 || *end != '\0' || fd > INT_MAX) {
        return -1;
    }
    return (int)fd;
}

/* dir of path (up to and with the last '/') followed by name, or name alone: owned. */
static char *beside(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    size_t nlen = strlen(name);
    char *s = malloc(dlen + nlen + 1);

    if (s != NULL) {
        memcpy(s, path, dlen);
        memcpy(s + dlen, name, nlen + 1);
    }
    return s;
}

/*
 * The file a chain of symbolic links leads to, which need not exist yet (a dangling link
 * names the file to create). Sets *target (owned) and returns 0, or returns an errno value.
 */
static int follow_links(const char *path, char **target)
{
    char *cur = strdup(path);
    char link[PATH_MAX];

    for (int hops = 0; cur != NULL; hops++) {
        struct stat st;
        ssize_t n;
        char *next;

        /* /dev/stdout is a link into /proc: stop at the name, not at what fd 1 is now */
        if (own_descriptor(cur) >= 0 || lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *target = cur;
            return 0;
        }
        n = readlink(cur, link, sizeof(link) - 1);
        if (n < 0 || hops >= MAX_LINKS) {
            int e = n < 0 ? errno : ELOOP;
            free(cur);
            return e;
        }
        link[n] = '\0';
        next = link[0] == '/' ? strdup(link) : beside(cur, link);
        free(cur);
        cur = next;
    }
    return ENOMEM;
}

/* 0666 less the umask: what open(O_CREAT) would give a new file. */
static mode_t new_file_mode(void)
{
    mode_t mask = umask(0);

    umask(mask);
    return 0666 & ~mask;
}

/*
 * The temporary file beside target, with the mode (and, where allowed, the owner) of the file
 * it will replace, or the mode a new file would get.
 */
static int open_temporary(struct output *out, const struct stat *old, struct a2a_error *err)
{
    size_t n = strlen(out->target) + sizeof(".tmp.XXXXXX");
    int fd;

    out->tmp = malloc(n);
    if (out->tmp == NULL) {
        return out_of_memory(err);
    }
    snprintf(out->tmp, n, "%s.tmp.XXXXXX", out->target);
    fd = mkstemp(out->tmp);
    if (fd < 0) {
        int e = errno;
        free(out->tmp);
        out->tmp = NULL;
        /* An existing file is replaced whole, never truncated in place: say that the file
         * that could not be made is its replacement, or "cannot create" reads as nonsense. */
        return refuse(out, err,
                      old != NULL ? "cannot create its replacement beside it" : "cannot create", e);
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* Owner first: changing it clears set-id bits that fchmod() then restores. */
    if (old != NULL && fchown(fd, old->st_uid, old->st_gid) != 0) {
        (void)!fchown(fd, (uid_t)-1, old->st_gid); /* not ours to give away: keep the group */
    }
    if (fchmod(fd, old != NULL ? old->st_mode & 07777 : new_file_mode()) != 0) {
        int e = errno;
        close(fd);
        unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        return refuse(out, err, "cannot set the mode", e);
    }
    out->f = fdopen(fd, "w");
    if (out->f == NULL) {
        close(fd);
        unlink(out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        return out_of_memory(err);
    }
    return 0;
}

/* A stream output opened in place, not truncated yet (outputs_open() does that last). */
static int open_in_place(struct output *out, int exists, struct a2a_error *err)
{
    int fd = -1;

    if (!exists) {
        fd = open(out->path, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0666);
        out->created = fd >= 0;
    }
    if (fd < 0 && (exists || errno == EEXIST)) {
        /* A FIFO blocks here until a reader opens it, as a shell redirection does. */
        fd = open(out->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    }
    if (fd < 0) {
        return refuse(out, err, exists ? "cannot open" : "cannot create", errno);
    }
    out->f = fdopen(fd, "w");
    if (out->f == NULL) {
        close(fd);
        if (out->created) {
            unlink(out->path);
        }
        return out_of_memory(err);
    }
    return 0;
}

static int open_own_descriptor(struct output *out, int fd, struct a2a_error *err)
{
    int flags = fcntl(fd, F_GETFL);
    int copy;
    int e;

    out->direct = 1;
    if (flags < 0) {
        return refuse(out, err, "cannot use", errno);
    }
    /* Standard input is usually read-only: fdopen() would fail with EINVAL. */
    if ((flags & O_ACCMODE) == O_RDONLY) {
        return refuse(out, err, "not open for writing", 0);
    }
    copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        return refuse(out, err, "cannot use", errno);
    }
    out->f = fdopen(copy, "w");
    if (out->f == NULL) {
        e = errno;
        close(copy);
        return e == ENOMEM ? out_of_memory(err) : refuse(out, err, "cannot use", e);
    }
    return 0;
}

/* Opens one output as what is at its path requires (see outputs.h). */
static int open_one(struct output *out, struct a2a_error *err)
{
    struct stat st;
    int own;
    int exists;
    int e;

    if (out->path[0] == '\0') {
        /* no name to rename into: found only at the end, after every call, the output lost */
        a2a_error_set(err, A2A_E_CONFIG, "%s: an empty path", out->option);
        return -1;
    }
    e = follow_links(out->path, &out->target);
    if (e != 0) {
        return e == ENOMEM ? out_of_memory(err) : refuse(out, err, "cannot follow", e);
    }
    own = own_descriptor(out->target);
    if (own >= 0) {
        free(out->target);
        out->target = NULL;
        return open_own_descriptor(out, own, err);
    }
    exists = stat(out->target, &st) == 0;
    if (!exists && errno != ENOENT) {
        return refuse(out, err, "cannot use", errno);
    }
    if (exists && S_ISDIR(st.st_mode)) {
        return refuse(out, err, "is a directory", 0);
    }
    out->direct = exists && !S_ISREG(st.st_mode);
    if (out->mode == OUTPUT_STREAM || out->direct) {
        return open_in_place(out, exists, err);
    }
    return open_temporary(out, exists ? &st : NULL, err);
}

/* Device and inode of what out will overwrite; 0 when nothing is there yet. */
static int output_identity(const struct output *out, struct stat *st)
{
    if (out->tmp != NULL) {
        return stat(out->target, st) == 0;
    }
    return fstat(fileno(out->f), st) == 0;
}

static int input_identity(const char *path, struct stat *st)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        return fstat(STDIN_FILENO, st) == 0;
    }
    return stat(path, st) == 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return S_ISREG(a->st_mode) && S_ISREG(b->st_mode) && a->st_dev == b->st_dev &&
           a->st_ino == b->st_ino;
}

/* Refuses an output that would overwrite an input or another output. */
static int check_overlap(struct output *const *list, size_t n, const char *const *inputs,
                         size_t ninputs, struct a2a_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct stat ost;

        if (list[i]->f == NULL || !output_identity(list[i], &ost)) {
            continue;
        }
        for (size_t k = 0; k < (ninputs > 0 ? ninputs : 1); k++) {
            const char *in = ninputs > 0 ? inputs[k] : NULL;
            struct stat ist;

            if (input_identity(in, &ist) && same_file(&ost, &ist)) {
                a2a_error_set(err, A2A_E_CONFIG,
                              "%s %s: is the input %s; writing it would destroy what is read",
                              list[i]->option, list[i]->path,
                              in != NULL ? in : "<stdin> (standard input)");
                return -1;
            }
        }
        for (size_t k = i + 1; k < n; k++) {
            struct stat kst;

            if (list[k]->f != NULL && output_identity(list[k], &kst) && same_file(&ost, &kst)) {
                a2a_error_set(err, A2A_E_CONFIG, "%s %s and %s %s: the same file", list[i]->option,
                              list[i]->path, list[k]->option, list[k]->path);
                return -1;
            }
        }
    }
    return 0;
}

/* Two outputs that will both be created at one name (nothing there yet to compare). */
static int check_same_new_name(struct output *const *list, size_t n, struct a2a_error *err)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = i + 1; k < n; k++) {
            const char *a = list[i]->target;
            const char *b = list[k]->target;

            /* a device is written as it is, never replaced: /dev/null may take two */
            if (a != NULL && b != NULL && !list[i]->direct && !list[k]->direct &&
                strcmp(a, b) == 0) {
                a2a_error_set(err, A2A_E_CONFIG, "%s %s and %s %s: the same file", list[i]->option,
                              list[i]->path, list[k]->option, list[k]->path);
                return -1;
            }
        }
    }
    return 0;
}

/* The stream outputs start empty, as "> file" would have made them. */
static int truncate_streams(struct output *const *list, size_t n, struct a2a_error *err)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        int fd = list[i]->f != NULL ? fileno(list[i]->f) : -1;

        if (fd < 0 || list[i]->mode != OUTPUT_STREAM || list[i]->created || fstat(fd, &st) != 0 ||
            !S_ISREG(st.st_mode)) {
            continue;
        }
        if (ftruncate(fd, 0) != 0) {
            return refuse(list[i], err, "cannot truncate", errno);
        }
    }
    return 0;
}

int outputs_open(struct output *const *list, size_t n, const char *const *inputs, size_t ninputs,
                 struct a2a_error *err)
{
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        if (list[i]->path != NULL && open_one(list[i], err) != 0) {
            goto out;
        }
    }
    if (check_overlap(list, n, inputs, ninputs, err) != 0 ||
        check_same_new_name(list, n, err) != 0 || truncate_streams(list, n, err) != 0) {
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        for (size_t i = 0; i < n; i++) {
            output_close(list[i], 0, NULL);
        }
    }
    return rc;
}

void output_write_failed(struct output *out, int errnum)
{
    if (out->write_errno == 0) {
        out->write_errno = errnum != 0 ? errnum : EIO;
    }
}

/* Flushes and closes f; 0, or an errno value (the first that went wrong). */
static int finish(FILE *f, int sync, int earlier)
{
    int e = earlier;

    if ((fflush(f) != 0 || ferror(f)) && e == 0) {
        e = errno != 0 ? errno : EIO;
    }
    if (e == 0 && sync && fsync(fileno(f)) != 0) {
        e = errno;
    }
    if (fclose(f) != 0 && e == 0) {
        e = errno;
    }
    return e;
}

static void release(struct output *out)
{
    free(out->target);
    free(out->tmp);
    out->target = NULL;
    out->tmp = NULL;
    out->f = NULL;
    out->write_errno = 0;
}

int output_close(struct output *out, int keep, struct a2a_error *err)
{
    int e;
    int empty;
    int rc = 0;

    if (out->f == NULL) {
        release(out);
        return 0;
    }
    empty = ftell(out->f) == 0;
    errno = 0;
    e = finish(out->f, keep && out->tmp != NULL, out->write_errno);
    if (out->tmp != NULL) {
        if (keep && e == 0 && rename(out->tmp, out->target) != 0) {
            e = errno;
            a2a_error_set(err, A2A_E_IO, "%s %s: cannot rename into place: %s", out->option,
                          out->path, strerror(e));
            rc = -1;
        }
        if (!keep || e != 0) {
            unlink(out->tmp);
        }
    } else if (!keep && out->created && empty) {
        unlink(out->path);
    }
    if (keep && e != 0 && rc == 0) {
        a2a_error_set(err, A2A_E_IO, "%s %s: write error: %s", out->option, out->path, strerror(e));
        rc = -1;
    }
    out->failed = rc != 0;
    release(out);
    return rc;
}
