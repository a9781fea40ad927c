#include "resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonstr.h"

/* Appends a word quoted for a POSIX shell: bare when it is plainly safe, else in '...'. */
static int put_shell_word(struct a2a_buf *b, const char *w)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_./:=@%+,-";
    int rc = 0;

    rc |= a2a_buf_putc(b, ' ');
    if (w[0] != '\0' && strspn(w, safe) == strlen(w)) {
        return rc | a2a_buf_puts(b, w);
    }
    rc |= a2a_buf_putc(b, '\'');
    for (const char *p = w; *p != '\0'; p++) {
        rc |= *p == '\'' ? a2a_buf_puts(b, "'\\''") : a2a_buf_putc(b, *p);
    }
    return rc | a2a_buf_putc(b, '\'');
}

/* A header whose value is likely a credential: not to be echoed into a command line. */
static int secret_header(const char *line)
{
    static const char *const words[] = {"auth", "token", "key", "secret", "cookie", "pass"};
    size_t name_len = strcspn(line, ":");

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t wl = strlen(words[i]);
        for (size_t k = 0; k + wl <= name_len; k++) {
            if (strncasecmp(line + k, words[i], wl) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* A header value as it goes into the command: "Name: <redacted>" when it looks secret. */
static int put_header_value(struct a2a_buf *b, const char *prefix, const char *line)
{
    struct a2a_buf w = {NULL, 0, 0};
    int rc = 0;

    rc |= a2a_buf_puts(&w, prefix);
    if (line[0] != '@' && secret_header(line)) {
        rc |= a2a_buf_append(&w, line, strcspn(line, ":"));
        rc |= a2a_buf_puts(&w, ": <redacted>");
    } else {
        rc |= a2a_buf_puts(&w, line);
    }
    rc |= a2a_buf_putc(&w, '\0');
    if (rc == 0) {
        rc = put_shell_word(b, w.data);
    }
    a2a_buf_free(&w);
    return rc;
}

/*
 * One option word of this run, and the value word after it when it takes one. Returns the
 * words used (1 or 2); --resume-from and "--" are left out, the new ones are added later.
 */
static int put_option_words(struct a2a_buf *b, char **argv, int i, int end, int *rc)
{
    const char *w = argv[i];
    int has_next = i + 1 < end;

    if (strcmp(w, "--") == 0 || strncmp(w, "--resume-from=", 14) == 0) {
        return 1;
    }
    if (strcmp(w, "--resume-from") == 0) {
        return has_next ? 2 : 1;
    }
    if (strncmp(w, "--header=", 9) == 0) {
        *rc |= put_header_value(b, "--header=", w + 9);
        return 1;
    }
    if (strcmp(w, "--header") == 0 && has_next) {
        *rc |= put_shell_word(b, w);
        *rc |= put_header_value(b, "", argv[i + 1]);
        return 2;
    }
    if (w[0] == '-' && w[1] != '-' && w[1] != '\0') {
        /* A cluster of short options: the first that takes a value takes the rest. */
        for (const char *p = w + 1; *p != '\0'; p++) {
            if (!options_short_takes_value((unsigned char)*p)) {
                continue;
            }
            if (*p == 'H') {
                struct a2a_buf head = {NULL, 0, 0};
                *rc |= a2a_buf_append(&head, w, (size_t)(p - w) + 1);
                *rc |= a2a_buf_putc(&head, '\0');
                if (p[1] != '\0') {
                    *rc |= head.data != NULL ? put_header_value(b, head.data, p + 1) : -1;
                } else if (has_next) {
                    *rc |= head.data != NULL ? put_shell_word(b, head.data) : -1;
                    *rc |= put_header_value(b, "", argv[i + 1]);
                }
                a2a_buf_free(&head);
                return p[1] == '\0' && has_next ? 2 : 1;
            }
            *rc |= put_shell_word(b, w);
            if (p[1] == '\0' && has_next) {
                *rc |= put_shell_word(b, argv[i + 1]);
                return 2;
            }
            return 1;
        }
    }
    *rc |= put_shell_word(b, w);
    if (strncmp(w, "--", 2) == 0 && strchr(w, '=') == NULL && has_next) {
        /* A long option that takes a value has it in the next word. */
        static const char *const with_value[] = {
            "--cacert",     "--concurrency",  "--connect-timeout",
            "--failed-out", "--log-format",   "--max-record-size",
            "--output",     "--rate",         "--report",
            "--retries",    "--summary-json", "--threads",
            "--timeout",    "--token-file",   "--url"};
        for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++) {
            if (strcmp(w, with_value[k]) == 0) {
                *rc |= put_shell_word(b, argv[i + 1]);
                return 2;
            }
        }
    }
    return 1;
}

char *resume_command(const struct a2a_resume_point *rp, const struct options *o, char **argv)
{
    struct a2a_buf b = {NULL, 0, 0};
    size_t first = rp->input_index;
    int dashdash = 0;
    int rc = 0;

    if (rp->resume_arg[0] == '\0') {
        return NULL; /* the source names no place to continue from */
    }
    rc |= a2a_buf_puts(&b, argv[0] != NULL ? argv[0] : "a2a-recover");
    for (int i = 1; i < o->options_end;) {
        i += put_option_words(&b, argv, i, o->options_end, &rc);
    }
    rc |= put_shell_word(&b, "--resume-from");
    rc |= put_shell_word(&b, rp->resume_arg);
    for (size_t k = first; k < o->nfiles; k++) {
        dashdash |= o->files[k][0] == '-' && (k != first || rp->input_resumable);
    }
    if (dashdash) {
        rc |= put_shell_word(&b, "--");
    }
    if (!rp->input_resumable || first >= o->nfiles) {
        rc |= put_shell_word(&b, "FILE"); /* standard input or a pipe: saved first */
        first++;
    }
    for (size_t k = first; k < o->nfiles; k++) {
        rc |= put_shell_word(&b, o->files[k]);
    }
    rc |= a2a_buf_putc(&b, '\0');
    if (rc != 0) {
        a2a_buf_free(&b);
        return NULL;
    }
    return b.data; /* handed over: the buffer is the string */
}

int resume_check(const char *path, unsigned long long offset, struct a2a_error *err)
{
    struct stat st;
    char c = 0;
    int fd;
    int rc = -1;

    if (offset == 0) {
        return 0;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from: %s: cannot open: %s", path,
                      strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from: %s is not a regular file", path);
    } else if (offset > (unsigned long long)st.st_size) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from %llu: %s has only %lld bytes", offset, path,
                      (long long)st.st_size);
    } else if (pread(fd, &c, 1, (off_t)(offset - 1)) != 1 || c != '}') {
        a2a_error_set(err, A2A_E_CONFIG,
                      "--resume-from %llu: not a resume point of %s (no record ends just "
                      "before it); give the byte offset a RESUME POINT line named",
                      offset, path);
    } else {
        rc = 0;
    }
    close(fd);
    return rc;
}

void resume_print(struct messages *m, const struct a2a_resume_point *rp, const char *command)
{
    char seq[160] = "none";

    if (rp->has_last_seq) {
        struct a2a_str s = {rp->last_seq.data, rp->last_seq.len};
        a2a_quote_for_message(seq, sizeof(seq), s, 64);
    }
    if (rp->last_position > 0) {
        msg_error(m, "RESUME POINT: %s byte %llu, after record %llu (SequenceNumber %s)", rp->input,
                  (unsigned long long)rp->offset, (unsigned long long)rp->last_position, seq);
    } else {
        msg_error(m, "RESUME POINT: %s byte %llu, no record read from it", rp->input,
                  (unsigned long long)rp->offset);
    }
    if (rp->resume_arg[0] == '\0') {
        msg_error(m, "%s cannot be resumed from a byte offset; run it again", rp->input);
    } else if (rp->input_resumable) {
        msg_error(m, "continue with: %s", command != NULL ? command : "(out of memory)");
    } else {
        msg_error(m,
                  "%s cannot be read again (what was read of it is gone); save the same bytes "
                  "to FILE and continue with: %s",
                  rp->input, command != NULL ? command : "(out of memory)");
    }
}

int resume_put_json(struct a2a_buf *b, const struct a2a_resume_point *rp, const char *command)
{
    int rc = 0;

    rc |= a2a_buf_puts(b, "{\"input\":");
    rc |= a2a_json_put_string_lossy(b, rp->input, strlen(rp->input));
    rc |= a2a_buf_puts(b, ",\"offset\":");
    rc |= a2a_buf_put_u64(b, rp->offset);
    rc |= a2a_buf_puts(b, ",\"lastPosition\":");
    rc |= a2a_buf_put_u64(b, rp->last_position);
    rc |= a2a_buf_puts(b, ",\"lastSequenceNumber\":");
    rc |= rp->has_last_seq ? a2a_json_put_string(b, rp->last_seq.data, rp->last_seq.len)
                           : a2a_buf_puts(b, "null");
    rc |= a2a_buf_puts(b, rp->input_resumable ? ",\"resumable\":true" : ",\"resumable\":false");
    rc |= a2a_buf_puts(b, ",\"resumeFrom\":");
    rc |= rp->resume_arg[0] != '\0' ? a2a_json_put_string(b, rp->resume_arg, strlen(rp->resume_arg))
                                    : a2a_buf_puts(b, "null");
    rc |= a2a_buf_puts(b, ",\"command\":");
    rc |= command != NULL ? a2a_json_put_string_lossy(b, command, strlen(command))
                          : a2a_buf_puts(b, "null");
    rc |= a2a_buf_putc(b, '}');
    return rc == 0 ? 0 : -1;
}
