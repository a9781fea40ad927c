/*
 * credential_process: the command is split into words (no shell ever sees it), run with
 * posix_spawnp, stdin from /dev/null, stderr left to the user, stdout read up to a bound and a
 * deadline. Whatever goes wrong is an error naming the profile: a configured process that
 * fails must stop the run, not fall through to other credentials.
 *
 * The process starts in a process group of its own, and the whole group is killed (SIGKILL)
 * when the deadline passes or the cancel flag rises: a script's own children (a `sleep` it
 * started) must not outlive it. The cancel flag is looked at every CANCEL_SLICE_MS, so
 * SIGINT, SIGTERM and --max-time stop a hanging process within a second, as the manual says.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws_credentials.h"
#include "buf.h"
#include "wipe.h"

extern char **environ;

#define PROCESS_OUTPUT_MAX (64 * 1024)
#define CANCEL_SLICE_MS    100 /* the longest a wait goes without a look at the cancel flag */

void a2a_argv_free(char **argv)
{
    if (argv == NULL) {
        return;
    }
    for (char **a = argv; *a != NULL; a++) {
        free(*a);
    }
    free(argv);
}

/* Appends the word being built to the vector; -1 when out of memory. */
static int push_word(char ***argv, int *argc, struct a2a_buf *word)
{
    char **grown = realloc(*argv, (size_t)(*argc + 2) * sizeof(char *));
    char *copy;

    if (grown == NULL) {
        return -1;
    }
    *argv = grown;
    copy = strndup(word->data != NULL ? word->data : "", word->len);
    if (copy == NULL) {
        return -1;
    }
    grown[(*argc)++] = copy;
    grown[*argc] = NULL;
    a2a_buf_reset(word);
    return 0;
}

/* One character of the line in its quoting state; returns how many bytes it used, or -1. */
static int split_step(const char *p, char *quote, int *in_word, struct a2a_buf *word)
{
    if (*quote == '\'') {
        if (*p == '\'') {
            *quote = 0;
            return 1;
        }
        return a2a_buf_putc(word, *p) == 0 ? 1 : -1;
    }
    if (*p == '\\' && (*quote == 0 || p[1] == '"' || p[1] == '\\')) {
        if (p[1] == '\0') {
            return -1;
        }
        *in_word = 1;
        return a2a_buf_putc(word, p[1]) == 0 ? 2 : -1;
    }
    if (*quote == '"') {
        if (*p == '"') {
            *quote = 0;
            return 1;
        }
        return a2a_buf_putc(word, *p) == 0 ? 1 : -1;
    }
    if (*p == '\'' || *p == '"') {
        *quote = *p;
        *in_word = 1;
        return 1;
    }
    *in_word = 1;
    return a2a_buf_putc(word, *p) == 0 ? 1 : -1;
}

char **a2a_shell_split(const char *line, int *argc, struct a2a_error *err)
{
    struct a2a_buf word = {0};
    char **argv = NULL;
    char quote = 0;
    int in_word = 0;
    const char *p = line;

    *argc = 0;
    while (*p != '\0') {
        int used;
        if (quote == 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
            if (in_word && push_word(&argv, argc, &word) != 0) {
                goto nomem;
            }
            in_word = 0;
            p++;
            continue;
        }
        used = split_step(p, &quote, &in_word, &word);
        if (used < 0) {
            if (p[0] == '\\' && p[1] == '\0') {
                goto bad;
            }
            goto nomem;
        }
        p += used;
    }
    if (quote != 0) {
        goto bad;
    }
    if (in_word && push_word(&argv, argc, &word) != 0) {
        goto nomem;
    }
    a2a_buf_free(&word);
    if (*argc == 0) {
        a2a_error_set(err, A2A_E_CONFIG, "the command is empty");
        a2a_argv_free(argv);
        return NULL;
    }
    return argv;
bad:
    a2a_error_set(err, A2A_E_CONFIG, "unbalanced quote or trailing backslash in the command");
    goto fail;
nomem:
    a2a_error_set(err, A2A_E_NOMEM, "out of memory");
fail:
    a2a_buf_free(&word);
    a2a_argv_free(argv);
    *argc = 0;
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cancelled(const volatile sig_atomic_t *cancel)
{
    return cancel != NULL && *cancel != 0;
}

/* Kills the process group of pid (its own, see spawn_piped) and pid itself. */
static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/*
 * Reads fd to EOF into out; 0, or -1 past the deadline, -2 past the size bound, -3 when the
 * cancel flag rose.
 */
static int read_bounded(int fd, long long deadline, const volatile sig_atomic_t *cancel,
                        struct a2a_buf *out)
{
    char chunk[4096];

    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        long long left = deadline - now_ms();
        ssize_t n;
        int ready;

        if (cancelled(cancel)) {
            a2a_wipe(chunk, sizeof(chunk));
            return -3;
        }
        if (left <= 0) {
            return -1;
        }
        ready = poll(&pfd, 1, (int)(left > CANCEL_SLICE_MS ? CANCEL_SLICE_MS : left));
        if (ready < 0 && errno != EINTR) {
            return -1;
        }
        if (ready <= 0) {
            continue;
        }
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            a2a_wipe(chunk, sizeof(chunk));
            return 0;
        }
        if (out->len + (size_t)n > PROCESS_OUTPUT_MAX || a2a_buf_append(out, chunk, (size_t)n)) {
            a2a_wipe(chunk, sizeof(chunk));
            return -2;
        }
    }
}

/*
 * Waits for pid until the deadline or the cancel flag, then kills its group; the exit status,
 * or -1 when killed at the deadline, -2 when killed for the cancel flag.
 */
static int reap(pid_t pid, long long deadline, const volatile sig_atomic_t *cancel)
{
    int status = 0;

    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (got < 0 && errno != EINTR) {
            return -1;
        }
        if (cancelled(cancel) || now_ms() >= deadline) {
            int stop = cancelled(cancel) ? -2 : -1;
            kill_group(pid);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            return stop;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
}

/*
 * Starts argv with stdout on a pipe, in a process group of its own (its pid); returns the read
 * end, or -1 with errno set.
 */
static int spawn_piped(char **argv, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fds[2];
    int rc;

    if (pipe(fds) != 0) {
        return -1;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        errno = rc;
        return -1;
    }
    return fds[0];
}

enum a2a_creds_result a2a_creds_run_process(const char *command, const char *profile,
                                            long timeout_ms, const volatile sig_atomic_t *cancel,
                                            struct a2a_aws_creds *out, struct a2a_error *err)
{
    enum a2a_creds_result rc = A2A_CREDS_ERROR;
    struct a2a_error split_err = {0};
    struct a2a_buf output = {0};
    char source[A2A_CREDS_SOURCE_MAX];
    long long deadline = now_ms() + timeout_ms;
    int argc = 0;
    char **argv = a2a_shell_split(command, &argc, &split_err);
    pid_t pid = -1;
    int fd = -1;
    int got;
    int status;

    snprintf(source, sizeof(source), "profile %s (credential_process)", profile);
    if (argv == NULL) {
        a2a_error_set(err, split_err.code, "%s: %s", source, split_err.msg);
        goto out;
    }
    fd = spawn_piped(argv, &pid);
    if (fd < 0) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: cannot run %s: %s", source, argv[0], strerror(errno));
        goto out;
    }
    got = read_bounded(fd, deadline, cancel, &output);
    if (got != 0) {
        kill_group(pid);
    }
    status = reap(pid, got == 0 ? deadline : 0, cancel);
    if (got == -3 || status == -2) {
        a2a_error_set(err, A2A_E_INTERRUPTED, "%s: interrupted; the process was stopped", source);
        goto out;
    }
    if (got == -2) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: more than %d bytes of output", source,
                      PROCESS_OUTPUT_MAX);
        goto out;
    }
    if (got != 0 || status < 0) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: timed out after %ld ms", source, timeout_ms);
        goto out;
    }
    if (status == 127) {
        /* where spawn cannot report a failed exec itself (e.g. under valgrind) */
        a2a_error_set(err, A2A_E_CONFIG,
                      "%s: cannot run %s: exit status 127 (not found or not executable)", source,
                      argv[0]);
        goto out;
    }
    if (status != 0) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: exited with status %d", source, status);
        goto out;
    }
    rc = a2a_creds_parse_json(output.data != NULL ? output.data : "", output.len, 1, source, out,
                              err);
out:
    if (fd >= 0) {
        close(fd);
    }
    if (output.data != NULL) {
        a2a_wipe(output.data, output.cap);
    }
    a2a_buf_free(&output);
    a2a_argv_free(argv);
    return rc;
}
