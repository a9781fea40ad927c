#include "resume.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonstr.h"
#include "seqnum.h"

/*
 * A word holding control bytes (a file name with a newline), as $'...' (POSIX.1-2024, bash,
 * ksh, zsh): the command stays one line that still names the file when pasted.
 */
static int put_ansi_c_word(struct a2a_buf *b, const char *w)
{
    static const char hex[] = "0123456789abcdef";
    int rc = a2a_buf_puts(b, "$'");

    for (const unsigned char *p = (const unsigned char *)w; *p != '\0'; p++) {
        if (*p == '\'' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            rc |= a2a_buf_append(b, esc, sizeof(esc));
        } else if (*p < 0x20 || *p == 0x7f) {
            char esc[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 0xf]};
            rc |= a2a_buf_append(b, esc, sizeof(esc));
        } else {
            rc |= a2a_buf_putc(b, (char)*p);
        }
    }
    return rc | a2a_buf_putc(b, '\'');
}

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
    for (const unsigned char *p = (const unsigned char *)w; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return rc | put_ansi_c_word(b, w);
        }
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

/* Whether a -H typed before argv_headers[i] has its name (any case): it is named once. */
static int named_before(const struct options *o, size_t i)
{
    size_t len = strcspn(o->argv_headers[i], ":");

    for (size_t k = 0; k < i; k++) {
        if (strcspn(o->argv_headers[k], ":") == len &&
            strncasecmp(o->argv_headers[k], o->argv_headers[i], len) == 0) {
            return 1;
        }
    }
    return 0;
}

void resume_say_redacted(struct messages *m, const struct options *o)
{
    struct a2a_buf names = {NULL, 0, 0};
    size_t redacted = 0;
    int rc = 0;

    /* Broader than secrets_header_is_credential(), which decides a warning: a value copied
       into a command lands in logs and history, so any name that may carry one is left out. */
    for (size_t i = 0; i < o->nargv_headers; i++) {
        const char *line = o->argv_headers[i];
        if (secret_header(line) && !named_before(o, i)) {
            rc |= a2a_buf_puts(&names, redacted++ > 0 ? ", " : "");
            rc |= a2a_buf_append(&names, line, strcspn(line, ":"));
        }
    }
    rc |= a2a_buf_putc(&names, '\0');
    if (redacted > 0) {
        /* review 66: pasted as printed, the command sent the word <redacted> and met a 401;
           each is named (review 67: "and 1 more" hid the one that mattered) */
        msg_error(m,
                  "-H %s: %s written <redacted> in the command above (a name that may carry a "
                  "credential is never copied into a command): put %s back before running it, "
                  "or give such headers as -H @FILE",
                  rc == 0 ? names.data : "(out of memory)",
                  redacted == 1 ? "its value is" : "their values are",
                  redacted == 1 ? "it" : "them");
    }
    a2a_buf_free(&names);
}

/* What a value-taking option's value is to the continuation. */
enum value_kind {
    V_PLAIN,  /* copied */
    V_HEADER, /* copied, a secret-looking value redacted */
    V_OUTPUT, /* an output file: renamed, so that the first run's files stay */
    V_SHARD,  /* --shard: the continuation may name its own */
    V_FROM,   /* --from: likewise */
    V_DROP,   /* --resume-from: the continuation names its own */
    V_LIMIT,  /* --max-record-size: the continuation may raise it */
};

struct long_value_option {
    const char *name;
    enum value_kind kind;
};

/* Every long option that takes a value (the option table's required_argument entries). */
static const struct long_value_option with_value[] = {
    {"acked-messages", V_OUTPUT},
    {"cacert", V_PLAIN},
    {"concurrency", V_PLAIN},
    {"connect-timeout", V_PLAIN},
    {"endpoint-url", V_PLAIN},
    {"failed-out", V_OUTPUT},
    {"from", V_FROM},
    {"header", V_HEADER},
    {"idle", V_PLAIN},
    {"log-format", V_PLAIN},
    {"max-record-size", V_LIMIT},
    {"max-time", V_PLAIN},
    {"output", V_OUTPUT},
    {"profile", V_PLAIN},
    {"rate", V_PLAIN},
    {"report", V_OUTPUT},
    {"resume-from", V_DROP},
    {"retries", V_PLAIN},
    {"shard", V_SHARD},
    {"stream", V_PLAIN},
    {"summary-json", V_OUTPUT},
    {"threads", V_PLAIN},
    {"timeout", V_PLAIN},
    {"to", V_PLAIN},
    {"token-file", V_PLAIN},
    {"url", V_PLAIN},
};

/*
 * The value-taking long option a word names ("--rep" as getopt_long took it: an exact name
 * first, else the one it abbreviates), or NULL when it takes no value.
 */
static const struct long_value_option *long_value_option(const char *word)
{
    size_t n = strcspn(word + 2, "=");
    size_t count = sizeof(with_value) / sizeof(with_value[0]);

    for (size_t k = 0; k < count; k++) {
        if (strlen(with_value[k].name) == n && strncmp(word + 2, with_value[k].name, n) == 0) {
            return &with_value[k];
        }
    }
    for (size_t k = 0; k < count; k++) {
        if (strncmp(word + 2, with_value[k].name, n) == 0) {
            return &with_value[k];
        }
    }
    return NULL;
}

/* How the continuation's words differ from this run's. */
struct words {
    struct a2a_buf *b;
    const char *suffix; /* put into output file names */
    int drop_shard;     /* leave out --shard: the continuation names its shards */
    int drop_from;      /* leave out --from: likewise */
    int rc;
    const char *max_record; /* the continuation's --max-record-size; NULL: this run's */
};

/*
 * An output name for the continuation: suffix put before the extension ("rp.ndjson" ->
 * "rp.resume.ndjson"), so that running it never truncates what this run wrote. Standard
 * output and devices keep their names.
 */
static int put_output_name(struct a2a_buf *b, const char *path, const char *suffix)
{
    const char *base = strrchr(path, '/');
    const char *dot;
    int rc = 0;

    if (strcmp(path, "-") == 0 || strncmp(path, "/dev/", 5) == 0) {
        return a2a_buf_puts(b, path);
    }
    base = base != NULL ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base) {
        dot = base + strlen(base);
    }
    rc |= a2a_buf_append(b, path, (size_t)(dot - path));
    rc |= a2a_buf_puts(b, suffix);
    return rc | a2a_buf_puts(b, dot);
}

/* One word: prefix (an option, or "") and value, changed as its kind says. */
static void put_value(struct words *w, const char *prefix, enum value_kind kind, const char *value)
{
    struct a2a_buf word = {NULL, 0, 0};

    if (kind == V_HEADER) {
        w->rc |= put_header_value(w->b, prefix, value);
        return;
    }
    w->rc |= a2a_buf_puts(&word, prefix);
    w->rc |=
        kind == V_OUTPUT ? put_output_name(&word, value, w->suffix) : a2a_buf_puts(&word, value);
    w->rc |= a2a_buf_putc(&word, '\0');
    w->rc |= word.data != NULL ? put_shell_word(w->b, word.data) : -1;
    a2a_buf_free(&word);
}

static int dropped(const struct words *w, enum value_kind kind)
{
    return kind == V_DROP || (kind == V_SHARD && w->drop_shard) ||
           (kind == V_FROM && w->drop_from) || (kind == V_LIMIT && w->max_record != NULL);
}

/* A cluster of short options ("-qo FILE", "-ofile"): the first that takes a value takes
   the rest of the word, or the next word. Returns the words used. */
static int put_short_words(struct words *w, char **argv, int i, int has_next)
{
    const char *word = argv[i];

    for (const char *p = word + 1; *p != '\0'; p++) {
        enum value_kind kind;
        struct a2a_buf head = {NULL, 0, 0};

        if (!options_short_takes_value((unsigned char)*p)) {
            continue;
        }
        kind = *p == 'H' ? V_HEADER : *p == 'o' ? V_OUTPUT : V_PLAIN;
        w->rc |= a2a_buf_append(&head, word, (size_t)(p - word) + 1);
        w->rc |= a2a_buf_putc(&head, '\0');
        if (head.data == NULL) {
            w->rc = -1;
        } else if (p[1] != '\0') {
            put_value(w, head.data, kind, p + 1);
        } else {
            w->rc |= put_shell_word(w->b, head.data);
            if (has_next) {
                put_value(w, "", kind, argv[i + 1]);
            }
        }
        a2a_buf_free(&head);
        return p[1] == '\0' && has_next ? 2 : 1;
    }
    w->rc |= put_shell_word(w->b, word);
    return 1;
}

/*
 * One option word of this run, and the value word after it when it takes one. Returns the
 * words used (1 or 2); "--" and what w drops are left out, the new ones are added later.
 */
static int put_option_words(struct words *w, char **argv, int i, int end)
{
    const char *word = argv[i];
    int has_next = i + 1 < end;
    const struct long_value_option *opt;
    const char *eq;

    if (strcmp(word, "--") == 0) {
        return 1;
    }
    if (word[0] == '-' && word[1] != '-' && word[1] != '\0') {
        return put_short_words(w, argv, i, has_next);
    }
    opt = strncmp(word, "--", 2) == 0 ? long_value_option(word) : NULL;
    if (opt == NULL) {
        w->rc |= put_shell_word(w->b, word);
        return 1;
    }
    eq = strchr(word, '=');
    if (eq != NULL) {
        struct a2a_buf head = {NULL, 0, 0};
        if (!dropped(w, opt->kind)) {
            w->rc |= a2a_buf_append(&head, word, (size_t)(eq - word) + 1);
            w->rc |= a2a_buf_putc(&head, '\0');
            if (head.data != NULL) {
                put_value(w, head.data, opt->kind, eq + 1);
            }
            w->rc |= head.data == NULL ? -1 : 0;
        }
        a2a_buf_free(&head);
        return 1;
    }
    if (!dropped(w, opt->kind)) {
        w->rc |= put_shell_word(w->b, word);
        if (has_next) {
            put_value(w, "", opt->kind, argv[i + 1]);
        }
    }
    return has_next ? 2 : 1;
}

/* argv[0] and this run's options, changed as w says. */
static void put_options(struct words *w, const struct options *o, char **argv)
{
    w->rc |= a2a_buf_puts(w->b, argv[0] != NULL ? argv[0] : "a2a-recover");
    for (int i = 1; i < o->options_end;) {
        i += put_option_words(w, argv, i, o->options_end);
    }
    if (w->max_record != NULL) {
        w->rc |= put_shell_word(w->b, "--max-record-size");
        w->rc |= put_shell_word(w->b, w->max_record);
    }
}

/* The current shard was read to its last wanted record: --from after:SEQ would be empty. */
static int shard_done(const struct a2a_source_place *p, const struct options *o)
{
    const char *seq = p->part_from != NULL ? p->part_from + 6 : NULL;

    return seq != NULL && o->stream.to != NULL && a2a_seqnum_cmp_str(seq, o->stream.to) >= 0;
}

/*
 * A stream's continuation: the shard reading stopped in from after its last record read,
 * then the shards not read yet from their own --from (a second command: --from applies to
 * every shard named). Both go into b, the second after a NUL.
 */
static int put_stream_commands(struct a2a_buf *b, const struct a2a_source_place *p,
                               const struct options *o, char **argv, const char *max_record)
{
    struct words w = {b, ".resume", 0, 0, 0, max_record};
    int own_start = p->part_from == NULL || shard_done(p, o);

    if (p->none_read) {
        put_options(&w, o, argv);
        return w.rc;
    }
    if (!own_start) {
        w.drop_shard = 1;
        w.drop_from = 1;
        put_options(&w, o, argv);
        w.rc |= put_shell_word(b, "--shard");
        w.rc |= put_shell_word(b, p->part);
        w.rc |= put_shell_word(b, "--from");
        w.rc |= put_shell_word(b, p->part_from);
        if (p->nrest == 0) {
            return w.rc;
        }
        w.rc |= a2a_buf_putc(b, '\0');
        w.suffix = ".resume-rest";
    } else if (p->part_from != NULL && p->nrest == 0) {
        return 1; /* every record wanted was read: nothing to continue */
    }
    w.drop_shard = 1;
    w.drop_from = 0;
    put_options(&w, o, argv);
    if (own_start && p->part_from == NULL) {
        w.rc |= put_shell_word(b, "--shard");
        w.rc |= put_shell_word(b, p->part);
    }
    for (size_t k = 0; k < p->nrest; k++) {
        w.rc |= put_shell_word(b, "--shard");
        w.rc |= put_shell_word(b, p->rest[k]);
    }
    return w.rc;
}

/* The file operands from index first on, after "--" when one of them looks like an option. */
static void put_files(struct words *w, const struct options *o, size_t first)
{
    int dashdash = 0;

    for (size_t k = first; k < o->nfiles; k++) {
        dashdash |= o->files[k][0] == '-';
    }
    if (dashdash) {
        w->rc |= put_shell_word(w->b, "--");
    }
    for (size_t k = first; k < o->nfiles; k++) {
        w->rc |= put_shell_word(w->b, o->files[k]);
    }
}

/*
 * The input reading failed in has inputs after it: a second command reads those and skips
 * what is left of it (an empty file, one that cannot be fixed), into b after a NUL. The
 * first command stays the one to run once the input is fixed.
 */
static void put_skip_command(struct words *w, const struct a2a_resume_point *rp,
                             const struct options *o, char **argv)
{
    if (!rp->input_failed || rp->input_index + 1 >= o->nfiles) {
        return;
    }
    w->rc |= a2a_buf_putc(w->b, '\0');
    w->suffix = ".resume-skip"; /* its outputs are not the first command's, if both are run */
    put_options(w, o, argv);
    put_files(w, o, rp->input_index + 1);
}

char *resume_command(const struct a2a_resume_point *rp, const struct options *o, char **argv,
                     const char *max_record)
{
    struct a2a_buf b = {NULL, 0, 0};
    struct words w = {&b, ".resume", 0, 0, 0, max_record};
    size_t first = rp->input_index;

    if (rp->place.valid) {
        w.rc = put_stream_commands(&b, &rp->place, o, argv, max_record);
        goto out;
    }
    if (rp->resume_arg[0] == '\0') {
        return NULL; /* the source names no place to continue from */
    }
    put_options(&w, o, argv);
    w.rc |= put_shell_word(&b, "--resume-from");
    w.rc |= put_shell_word(&b, rp->resume_arg);
    if (!rp->input_resumable || first >= o->nfiles) {
        w.rc |= put_shell_word(&b, "FILE"); /* standard input or a pipe: saved first */
        first++;
    }
    put_files(&w, o, first);
    put_skip_command(&w, rp, o, argv);
out:
    w.rc |= a2a_buf_putc(&b, '\0');
    w.rc |= a2a_buf_putc(&b, '\0'); /* no second command, or the end of it */
    if (w.rc != 0) {
        a2a_buf_free(&b);
        return NULL;
    }
    return b.data; /* handed over: the buffer is the string */
}

int resume_raised_limit(enum a2a_limit limit, uint64_t needed, size_t current, char *buf,
                        size_t cap)
{
    uint64_t raised = needed > 0 ? (needed + 1023) / 1024 * 1024 : (uint64_t)current * 2;

    if (limit != A2A_LIMIT_MAX_RECORD || current >= OPTIONS_MAX_RECORD_LARGEST ||
        needed > OPTIONS_MAX_RECORD_LARGEST) {
        return 0;
    }
    raised = raised < OPTIONS_MAX_RECORD_LARGEST ? raised : OPTIONS_MAX_RECORD_LARGEST;
    snprintf(buf, cap, "%llu", (unsigned long long)raised);
    return 1;
}

char *resume_range_command(const char *const *shards, size_t nshards, const char *from,
                           const char *suffix, const struct options *o, char **argv)
{
    struct a2a_buf b = {NULL, 0, 0};
    struct words w = {&b, suffix, nshards > 0, nshards > 0, 0, NULL};

    put_options(&w, o, argv);
    for (size_t k = 0; k < nshards; k++) {
        w.rc |= put_shell_word(&b, "--shard");
        w.rc |= put_shell_word(&b, shards[k]);
    }
    if (nshards > 0) {
        w.rc |= put_shell_word(&b, "--from");
        w.rc |= put_shell_word(&b, from);
    }
    w.rc |= a2a_buf_putc(&b, '\0');
    if (w.rc != 0) {
        a2a_buf_free(&b);
        return NULL;
    }
    return b.data; /* handed over: the buffer is the string */
}

int resume_check(const char *path, unsigned long long offset, size_t max_record,
                 const volatile sig_atomic_t *cancel, struct a2a_resume_place *place,
                 struct a2a_error *err)
{
    struct a2a_input_config input = {.paths = &path,
                                     .npaths = 1,
                                     .max_record = max_record,
                                     .cancel = cancel,
                                     .resume_offset = offset};
    struct a2a_error why = {.code = A2A_OK};
    struct stat st;
    int rc;

    memset(place, 0, sizeof(*place));
    if (offset == 0) {
        return 0;
    }
    if (stat(path, &st) != 0) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from: %s: cannot open: %s", path,
                      strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from: %s is not a regular file", path);
        return -1;
    }
    if (offset > (unsigned long long)st.st_size) {
        a2a_error_set(err, A2A_E_CONFIG, "--resume-from %llu: %s has only %lld bytes", offset, path,
                      (long long)st.st_size);
        return -1;
    }
    rc = a2a_run_check_resume(&input, place, &why);
    if (rc == 1) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "--resume-from %llu: not a resume point of %s: %s; give the byte offset a "
                      "RESUME POINT line named",
                      offset, path, why.msg);
    } else if (rc != 0 && why.code == A2A_E_INTERRUPTED) {
        a2a_error_set(err, A2A_E_INTERRUPTED,
                      "--resume-from %llu: not checked: the run stopped while %s was read up to "
                      "it",
                      offset, path);
    } else if (rc != 0) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "--resume-from %llu: the file must be read up to it, and through the "
                      "record there, to check it: %s",
                      offset, why.msg);
    }
    return rc == 0 ? 0 : -1;
}

/* The second command of a stream's continuation (the shards not read yet), or NULL. */
static const char *rest_command(const char *command)
{
    const char *rest = command != NULL ? command + strlen(command) + 1 : NULL;

    return rest != NULL && rest[0] != '\0' ? rest : NULL;
}

static void put_last_record(char *seq, size_t cap, const struct a2a_resume_point *rp)
{
    snprintf(seq, cap, "none");
    if (rp->has_last_seq) {
        struct a2a_str s = {rp->last_seq.data, rp->last_seq.len};
        a2a_quote_for_message(seq, cap, s, 64);
    }
}

/* "no shard after it" or "N shard(s) after it not read", into buf. */
static const char *shards_after(const struct a2a_source_place *p, char buf[64])
{
    if (p->nrest == 0) {
        return "no shard after it";
    }
    snprintf(buf, 64, "%zu shard%s after it not read", p->nrest, p->nrest == 1 ? "" : "s");
    return buf;
}

/*
 * The continuation opens a shard at latest, which is not a place: it reads what is written
 * after it starts, so what was written in between is skipped unless the operator says
 * otherwise. Said plainly, with the way to read it.
 */
static void say_inexact(struct messages *m, const struct a2a_source_place *p)
{
    const char *which = "the shards it opens at latest";

    if (!p->inexact) {
        return;
    }
    if (!p->none_read && p->part_from == NULL && p->nrest == 0) {
        which = p->name;
    }
    msg_error(m,
              "the continuation is not exact: --from latest is not a place, it reads only what "
              "is written after it starts; records written to %s since this run started are "
              "not read by it; to read them, give --from trim-horizon instead (older records "
              "of the shard are read again with them)",
              which);
}

/* A stream's resume point: the shard and its last record read, not a page or a byte. */
static void resume_print_stream(struct messages *m, const struct a2a_resume_point *rp,
                                const char *command)
{
    const struct a2a_source_place *p = &rp->place;
    const char *rest = rest_command(command);
    char seq[160];
    char after[64];

    put_last_record(seq, sizeof(seq), rp);
    if (p->none_read) {
        msg_error(m, "RESUME POINT: no shard of the stream was read yet");
    } else if (p->part_from != NULL) {
        msg_error(m,
                  "RESUME POINT: %s, after record %llu (SequenceNumber %s), the last read of "
                  "it; %s",
                  p->name, (unsigned long long)rp->last_position, seq, shards_after(p, after));
    } else {
        msg_error(m, "RESUME POINT: %s, none of its records read; %s", p->name,
                  shards_after(p, after));
    }
    if (command == NULL) {
        msg_error(m, "%s: every record wanted was read; nothing to continue",
                  p->name != NULL ? p->name : "stream");
        return;
    }
    msg_error(m, "continue with: %s", command);
    if (rest != NULL) {
        msg_error(m, "and for the shards not read yet: %s", rest);
    }
    say_inexact(m, p);
}

/* The input reading stopped in is standard input, redirected from a regular file. */
static int stdin_is_a_file(const struct a2a_resume_point *rp)
{
    struct stat st;

    return rp->input != NULL && strcmp(rp->input, "<stdin>") == 0 &&
           fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The second way on after an input error: skip what is left of the input that failed and
 * read the inputs after it. Says how many of its bytes that leaves unread, so that skipping
 * an empty file is plainly safe and skipping a damaged one plainly is not.
 */
static void resume_print_skip(struct messages *m, const struct a2a_resume_point *rp,
                              const char *skip)
{
    struct stat st;

    if (skip == NULL) {
        return;
    }
    if (rp->before_message > 0 && rp->unfinished_message > 0) {
        msg_error(m,
                  "or, to skip %s (its bytes from %llu on are then never read, with message "
                  "%llu and any later message not finished: not acked, never replayed) and read "
                  "the inputs after it: %s",
                  rp->input, (unsigned long long)rp->offset,
                  (unsigned long long)rp->unfinished_message, skip);
    } else if (rp->input_resumable && stat(rp->input, &st) == 0 && S_ISREG(st.st_mode) &&
               (unsigned long long)st.st_size <= rp->offset) {
        msg_error(m,
                  "or, to skip %s (every byte of it was read, to byte %llu) and read the "
                  "inputs after it: %s",
                  rp->input, (unsigned long long)rp->offset, skip);
    } else {
        msg_error(m,
                  "or, to skip %s (its bytes from %llu on are then never read) and read the "
                  "inputs after it: %s",
                  rp->input, (unsigned long long)rp->offset, skip);
    }
}

void resume_print(struct messages *m, const struct a2a_resume_point *rp, const char *command)
{
    char seq[160];

    if (rp->place.valid) {
        resume_print_stream(m, rp, command);
        return;
    }
    put_last_record(seq, sizeof(seq), rp);
    if (rp->before_message > 0) {
        /* the place is the end of the value before the message: it is read first */
        const char *why = rp->unfinished_cut
                              ? "the first the stop left unfinished"
                              : "the first whose failure may pass when tried again (a transient "
                                "error, a range the stream may give when asked again, or the "
                                "answer that stopped the run)";
        msg_error(m,
                  "RESUME POINT: %s byte %llu, before message %llu, %s (it and what was read "
                  "after it are read again: replaying them is safe)",
                  rp->input, (unsigned long long)rp->offset, (unsigned long long)rp->before_message,
                  why);
    } else if (rp->after_message > 0) {
        msg_error(m, "RESUME POINT: %s byte %llu, after message %llu", rp->input,
                  (unsigned long long)rp->offset, (unsigned long long)rp->after_message);
    } else if (rp->last_position > 0) {
        msg_error(m, "RESUME POINT: %s byte %llu, after record %llu (SequenceNumber %s)", rp->input,
                  (unsigned long long)rp->offset, (unsigned long long)rp->last_position, seq);
    } else {
        msg_error(m, "RESUME POINT: %s byte %llu, no record read from it", rp->input,
                  (unsigned long long)rp->offset);
    }
    if (rp->resume_arg[0] == '\0') {
        msg_error(m, "%s cannot be resumed from a byte offset; run it again", rp->input);
    } else if (rp->input_failed && rp->input_encoding != A2A_ENCODING_JSON) {
        /* as it is, the same input fails again in the same place: never a loop to run */
        msg_error(m,
                  "%s is no JSON text as it is: %s, save it to FILE and continue with FILE in its "
                  "place in: %s",
                  rp->input,
                  rp->input_encoding == A2A_ENCODING_GZIP
                      ? "decompress it (zcat)"
                      : "convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)",
                  command != NULL ? command : "(out of memory)");
    } else if (rp->input_resumable) {
        msg_error(m, "continue with: %s", command != NULL ? command : "(out of memory)");
    } else if (stdin_is_a_file(rp)) {
        /* review 61: "gone" was said of a file redirected to standard input, which is there */
        msg_error(m,
                  "standard input is a file the command line does not name: continue with that "
                  "file (if it was read from its start) in FILE's place in: %s",
                  command != NULL ? command : "(out of memory)");
    } else {
        msg_error(m,
                  "%s cannot be read again (what was read of it is gone); save the same bytes "
                  "to FILE and continue with: %s",
                  rp->input, command != NULL ? command : "(out of memory)");
    }
    resume_print_skip(m, rp, rest_command(command));
}

void resume_print_read_again(struct messages *m, const struct a2a_resume_point *rp,
                             const struct options *o, size_t read_to, uint64_t read_to_offset)
{
    struct stat st;

    if (rp->place.valid || rp->resume_arg[0] == '\0') {
        return; /* a stream names shards, not inputs; no command names the inputs again */
    }
    for (size_t k = rp->input_index + 1; k <= read_to && k < o->nfiles; k++) {
        const char *path = o->files[k];
        int is_stdin = strcmp(path, "-") == 0;

        if (k == read_to && read_to_offset == 0) {
            break; /* reached, but no byte of it was read */
        }
        if (is_stdin || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
            msg_error(m,
                      "the continuation reads %s%s again, which this run read: give it the same "
                      "bytes again (what was read of it is gone)",
                      is_stdin ? "standard input (-)" : path,
                      is_stdin ? "" : " (not a regular file)");
        }
    }
}

int resume_put_json(struct a2a_buf *b, const struct a2a_resume_point *rp, const char *command)
{
    int rc = 0;
    const struct a2a_source_place *p = &rp->place;
    const char *input = p->name != NULL ? p->name : rp->input;
    const char *rest = rest_command(command);
    /* the last record of the place named: a shard none of whose records was read has none,
     * whatever an earlier shard's last record was (a script pairs it with shardId) */
    int has_last = !(p->valid && p->part_from == NULL);

    rc |= a2a_buf_puts(b, "{\"input\":");
    rc |= a2a_json_put_string_lossy(b, input, strlen(input));
    rc |= a2a_buf_puts(b, ",\"offset\":");
    rc |= a2a_buf_put_u64(b, rp->offset);
    rc |= a2a_buf_puts(b, ",\"lastPosition\":");
    rc |= a2a_buf_put_u64(b, has_last ? rp->last_position : 0);
    rc |= a2a_buf_puts(b, ",\"lastSequenceNumber\":");
    rc |= has_last && rp->has_last_seq ? a2a_json_put_string(b, rp->last_seq.data, rp->last_seq.len)
                                       : a2a_buf_puts(b, "null");
    rc |= a2a_buf_puts(b, rp->input_resumable || p->valid ? ",\"resumable\":true"
                                                          : ",\"resumable\":false");
    if (p->valid) {
        rc |= a2a_buf_puts(b, ",\"shardId\":");
        rc |= p->part != NULL ? a2a_json_put_string(b, p->part, strlen(p->part))
                              : a2a_buf_puts(b, "null");
        rc |= a2a_buf_puts(b, ",\"from\":");
        rc |= p->part_from != NULL ? a2a_json_put_string(b, p->part_from, strlen(p->part_from))
                                   : a2a_buf_puts(b, "null");
        rc |= a2a_buf_puts(b, ",\"shardsNotRead\":[");
        for (size_t k = 0; k < p->nrest; k++) {
            rc |= k > 0 ? a2a_buf_putc(b, ',') : 0;
            rc |= a2a_json_put_string(b, p->rest[k], strlen(p->rest[k]));
        }
        rc |= a2a_buf_putc(b, ']');
    }
    rc |= a2a_buf_puts(b, ",\"resumeFrom\":");
    rc |= rp->resume_arg[0] != '\0' ? a2a_json_put_string(b, rp->resume_arg, strlen(rp->resume_arg))
                                    : a2a_buf_puts(b, "null");
    rc |= a2a_buf_puts(b, ",\"command\":");
    rc |= command != NULL ? a2a_json_put_string_lossy(b, command, strlen(command))
                          : a2a_buf_puts(b, "null");
    /* a stream's second command reads the shards not read yet; a file's skips the input
     * that failed */
    rc |= a2a_buf_puts(b, p->valid ? ",\"restCommand\":" : ",\"skipCommand\":");
    rc |= rest != NULL ? a2a_json_put_string_lossy(b, rest, strlen(rest)) : a2a_buf_puts(b, "null");
    if (p->valid) {
        rc |= a2a_buf_puts(b, p->inexact ? ",\"exact\":false" : ",\"exact\":true");
    }
    rc |= a2a_buf_putc(b, '}');
    return rc == 0 ? 0 : -1;
}
