#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arn.h"
#include "number.h"
#include "request.h"
#include "secrets.h"
#include "wipe.h"

/* Long-only options get values past the ASCII range. */
enum {
    OPT_TOKEN_FILE = 256,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_RETRIES,
    OPT_INSECURE,
    OPT_CACERT,
    OPT_RATE,
    OPT_REPORT,
    OPT_FAILED_OUT,
    OPT_LOG_FORMAT,
    OPT_NO_PROGRESS,
    OPT_MAX_RECORD,
    OPT_THREADS,
    OPT_RESUME_FROM,
    OPT_SUMMARY_JSON,
    OPT_STREAM,
    OPT_SHARD,
    OPT_FROM,
    OPT_TO,
    OPT_IDLE,
    OPT_ENDPOINT_URL,
    OPT_PROFILE,
    OPT_ACKED_MESSAGES,
    OPT_MAX_TIME,
    OPT__END
};

/*
 * The options that name one file, URL, stream or place: given twice, the second would replace
 * the first without a word (a report written to neither file the operator looks at, a call
 * to the other URL). The tuning options (-j, --timeout, ...) take their last value.
 */
static const int once_only[] = {
    'u',
    'o',
    OPT_REPORT,
    OPT_FAILED_OUT,
    OPT_SUMMARY_JSON,
    OPT_ACKED_MESSAGES,
    OPT_RESUME_FROM,
    OPT_TOKEN_FILE,
    OPT_CACERT,
    OPT_STREAM,
    OPT_FROM,
    OPT_TO,
    OPT_ENDPOINT_URL,
    OPT_PROFILE,
};

/* The one option table; --help, the manual and the bash completion must match it (tested). */
static const struct option long_options[] = {
    {"acked-messages", required_argument, NULL, OPT_ACKED_MESSAGES},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"concurrency", required_argument, NULL, 'j'},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"dry-run", no_argument, NULL, 'n'},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
    {"failed-out", required_argument, NULL, OPT_FAILED_OUT},
    {"from", required_argument, NULL, OPT_FROM},
    {"header", required_argument, NULL, 'H'},
    {"help", no_argument, NULL, 'h'},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"max-record-size", required_argument, NULL, OPT_MAX_RECORD},
    {"max-time", required_argument, NULL, OPT_MAX_TIME},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"output", required_argument, NULL, 'o'},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"quiet", no_argument, NULL, 'q'},
    {"rate", required_argument, NULL, OPT_RATE},
    {"report", required_argument, NULL, OPT_REPORT},
    {"resume-from", required_argument, NULL, OPT_RESUME_FROM},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"stream", required_argument, NULL, OPT_STREAM},
    {"summary-json", required_argument, NULL, OPT_SUMMARY_JSON},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"to", required_argument, NULL, OPT_TO},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"url", required_argument, NULL, 'u'},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

#define MAX_TIME_MAX_S 2592000L /* --max-time: 30 days at most */

static const char short_options[] = ":H:hj:no:qu:vV";

void options_usage(FILE *out)
{
    fputs("usage: a2a-recover [-hnqVv] [-H header | -H @file] [-j n] [-o file] [-u url]\n"
          "                   [--acked-messages file] [--cacert file] [--connect-timeout s]\n"
          "                   [--failed-out file] [--insecure] [--log-format text|json]\n"
          "                   [--max-record-size bytes] [--max-time s] [--no-progress]\n"
          "                   [--rate n] [--report file] [--resume-from offset]\n"
          "                   [--retries n] [--summary-json file] [--threads n]\n"
          "                   [--timeout s] [--token-file file] [file ...]\n"
          "       a2a-recover --stream arn [--shard id] [--from pos] [--to seq]\n"
          "                   [--idle s] [--endpoint-url url] [--profile name] [options]\n"
          "\n"
          "Replay DynamoDB Stream records of a2a_push_pending_dispatches through the A2A\n"
          "server's redispatch endpoint; print the Lambda partial-batch response.\n"
          "\n"
          "  -n, --dry-run            classify only; call nobody\n"
          "  -u, --url URL            redispatch endpoint (or A2A_RECOVER_URL)\n"
          "      --token-file FILE    bearer token file (or A2A_RECOVER_TOKEN); never argv\n"
          "  -H, --header LINE|@FILE  extra request header \"Name: value\"; repeatable;\n"
          "                           a secret goes in @FILE, never on the command line\n"
          "  -j, --concurrency N      calls in flight, 1-256 (default 8)\n"
          "      --timeout S          seconds per attempt (default 30)\n"
          "      --connect-timeout S  seconds to connect (default 10)\n"
          "      --retries N          retries of transient failures, 0-10 (default 2)\n"
          "      --rate N             at most N calls started a second (default 0: none)\n"
          "      --threads N          HTTP engine threads, 1-64 (default: one per 8 calls\n"
          "                           in flight, at most one per core)\n"
          "      --insecure           do not verify the dispatcher's certificate (warns)\n"
          "      --cacert FILE        trust the CA certificates in FILE for the dispatcher\n"
          "                           (the Streams endpoint: AWS_CA_BUNDLE or ca_bundle)\n"
          "  -o, --output FILE        write the response to FILE (atomically), not stdout;\n"
          "                           every output file is opened before the first call\n"
          "      --report FILE        a JSON line per record: outcome, reason, status, time\n"
          "      --failed-out FILE    records not acknowledged, as an event to replay\n"
          "      --summary-json FILE  the summary's counts as one JSON object\n"
          "      --resume-from N      read the first FILE from byte N (a RESUME POINT's)\n"
          "      --acked-messages FILE  one JSON line per input message (SQS, SNS,\n"
          "                           on-failure record, S3 object) whose records\n"
          "                           were all acknowledged or skipped\n"
          "      --log-format FMT     stderr messages as text (default) or json\n"
          "      --max-record-size B  largest record accepted, bytes (default 16777216)\n"
          "      --max-time S         stop the whole run after S seconds, as on SIGTERM;\n"
          "                           exit 124\n"
          "      --no-progress        no progress line, even on a terminal\n"
          "  -q, --quiet              errors only on stderr\n"
          "  -v, --verbose            one line per record on stderr\n",
          out);
    /* Two strings: one would pass the 4,095 bytes C requires compilers to take. */
    fputs("      --stream ARN         read the DynamoDB stream itself instead of files;\n"
          "                           --shard, --from and --to are for it only\n"
          "      --shard ID           only this shard (repeatable; read in the order given)\n"
          "      --from POS           trim-horizon (default), latest, at:SEQ or after:SEQ\n"
          "                           (at:/after: with one --shard)\n"
          "      --to SEQ             last sequence number to replay, inclusive\n"
          "      --idle S             an open shard ends after S seconds without records\n"
          "                           (default 10; a redriven range's too)\n"
          "      --endpoint-url URL   Streams endpoint, for --stream and the ranges of\n"
          "                           on-failure records (else, in this order,\n"
          "                           AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL,\n"
          "                           the ARN's region's public endpoint)\n"
          "      --profile NAME       AWS profile for credentials (else AWS_PROFILE,\n"
          "                           AWS_DEFAULT_PROFILE), likewise; calls are tried\n"
          "                           AWS_MAX_ATTEMPTS or max_attempts times (default 11)\n"
          "  -h, --help               this help\n"
          "  -V, --version            version\n"
          "\n"
          "Exit: 0 all acknowledged or skipped, 1 failures listed, 2 usage, 3 input error,\n"
          "4 a failed record had no SequenceNumber, 5 dispatcher refused or answered\n"
          "nothing (fail-fast), 6 a stream range could not be read, 7 an output could\n"
          "not be written, 124 --max-time passed, 129/130/143 interrupted.\n"
          "Input left unread: INCOMPLETE: summary and a resume point on stderr, whatever\n"
          "the status.\n"
          "See a2a-recover(1).\n",
          out);
}

/*
 * What an unknown long option NAME (with its "--") most likely meant, as a suffix for the
 * message, or "". --token gets the safe places for a token, not an option taking it.
 */
#define NAME_EDIT_MAX 40 /* option names compared for a guess are shorter than this */

/*
 * Edits (insert, delete, replace, swap two neighbours) from a to b, '_' read as '-'; more
 * than 2 (or a name too long to compare) counts as 3: no guess is made that far.
 */
static unsigned edits(const char *a, size_t an, const char *b, size_t bn)
{
    unsigned d[NAME_EDIT_MAX + 1][NAME_EDIT_MAX + 1];

    if (an > NAME_EDIT_MAX || bn > NAME_EDIT_MAX) {
        return 3;
    }
    for (size_t i = 0; i <= an; i++) {
        for (size_t j = 0; j <= bn; j++) {
            char ca = i > 0 && a[i - 1] == '_' ? '-' : i > 0 ? a[i - 1] : 0;
            unsigned best = (unsigned)(i > j ? i : j);
            if (i > 0 && j > 0) {
                unsigned sub = d[i - 1][j - 1] + (ca != b[j - 1]);
                unsigned del = d[i - 1][j] + 1;
                unsigned ins = d[i][j - 1] + 1;
                best = sub < del ? sub : del;
                best = ins < best ? ins : best;
                if (i > 1 && j > 1 && ca == b[j - 2] && a[i - 2] == b[j - 1] &&
                    d[i - 2][j - 2] + 1 < best) {
                    best = d[i - 2][j - 2] + 1;
                }
            }
            d[i][j] = (i == 0 || j == 0) ? (unsigned)(i + j) : best;
        }
    }
    return d[an][bn] < 3 ? d[an][bn] : 3;
}

/* The one long option within 2 edits of name (without "--"), nearer than any other; NULL. */
static const struct option *nearest_option(const char *name, size_t len)
{
    const struct option *hit = NULL;
    unsigned best = 3;
    int tie = 0;

    for (const struct option *opt = long_options; opt->name != NULL; opt++) {
        unsigned e = edits(name, len, opt->name, strlen(opt->name));
        if (e < best) {
            best = e;
            hit = opt;
            tie = 0;
        } else if (e == best && e < 3) {
            tie = 1;
        }
    }
    return tie || len < 4 ? NULL : hit;
}

static const char *did_you_mean(const char *name, size_t len, char *buf, size_t bufsize)
{
    static const struct {
        const char *typed;
        const char *hint;
    } near[] = {
        {"--token", " (did you mean --token-file FILE, or A2A_RECOVER_TOKEN? a token never "
                    "goes on the command line)"},
        {"--retry", " (did you mean --retries?)"},
    };
    const struct option *hit = NULL;

    for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
        if (len == strlen(near[i].typed) && strncmp(name, near[i].typed, len) == 0) {
            return near[i].hint;
        }
    }
    if (len < 4 || strncmp(name, "--", 2) != 0) {
        return "";
    }
    for (const struct option *opt = long_options; opt->name != NULL; opt++) {
        if (strncmp(opt->name, name + 2, len - 2) == 0) {
            if (hit != NULL) {
                return ""; /* more than one: no guess */
            }
            hit = opt;
        }
    }
    if (hit == NULL) {
        hit = nearest_option(name + 2, len - 2); /* a typo: --concurency, --dry_run */
    }
    if (hit == NULL) {
        return "";
    }
    snprintf(buf, bufsize, " (did you mean --%s?)", hit->name);
    return buf;
}

/* Records a refused command line in err; returns -1 for the caller to pass on. */
static int usage_error(struct a2a_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(struct a2a_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err->code != A2A_OK) {
        return -1;
    }
    err->code = A2A_E_CONFIG;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static int out_of_memory(struct a2a_error *err)
{
    a2a_error_set(err, A2A_E_NOMEM, "out of memory");
    return -1;
}

/* A whole number in [lo, hi]. */
static int parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;

    if (a2a_parse_u64(s, strlen(s), &v) != A2A_NUM_OK || s[0] == '+' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

/* Seconds with up to three decimals, e.g. "30", "0.5", in [min_ms, max_ms] milliseconds. */
static int parse_seconds(const char *s, long min_ms, long max_ms, long *out)
{
    const char *dot = strchr(s, '.');
    size_t ilen = dot != NULL ? (size_t)(dot - s) : strlen(s);
    uint64_t whole = 0;
    uint64_t frac = 0;
    size_t flen = dot != NULL ? strlen(dot + 1) : 0;

    if (ilen == 0 || a2a_parse_u64(s, ilen, &whole) != A2A_NUM_OK || s[0] == '+') {
        return -1;
    }
    /* "1." is one second, as "1" is: up to three decimals includes none after the point. */
    if (dot != NULL && flen > 0) {
        if (flen > 3 || a2a_parse_u64(dot + 1, flen, &frac) != A2A_NUM_OK || dot[1] == '+') {
            return -1;
        }
        for (size_t k = flen; k < 3; k++) {
            frac *= 10;
        }
    }
    if (whole > (uint64_t)max_ms / 1000 + 1) {
        return -1;
    }
    whole = whole * 1000 + frac;
    if (whole < (uint64_t)min_ms || whole > (uint64_t)max_ms) {
        return -1;
    }
    *out = (long)whole;
    return 0;
}

/* A header line "Name: value": a token name, no CR, LF or NUL anywhere. */
static int valid_header(const char *line)
{
    const char *colon = strchr(line, ':');

    if (colon == NULL || colon == line || strpbrk(line, "\r\n") != NULL) {
        return 0;
    }
    for (const char *p = line; p < colon; p++) {
        if (*p <= ' ' || *p >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *p) != NULL) {
            return 0;
        }
    }
    return 1;
}

/* Whether the header line "Name: value" has this name (names are case-insensitive). */
static int header_named(const char *line, const char *name)
{
    size_t len = strlen(name);

    return strncasecmp(line, name, len) == 0 && line[len] == ':';
}

int options_short_takes_value(int c)
{
    const char *p = c > 0 && c != ':' ? strchr(short_options, c) : NULL;

    return p != NULL && p[1] == ':';
}

const char *options_error_flag(const struct options *o, enum a2a_errcode code)
{
    return code == A2A_E_CONFIG_URL ? o->url_from : "";
}

int options_has_header(const struct options *o, const char *name)
{
    for (size_t i = 0; i < o->nheaders; i++) {
        if (header_named(o->headers[i], name)) {
            return 1;
        }
    }
    return 0;
}

/* Remembers a header typed on the command line: a credential among them is in sight. */
static int add_argv_header(struct options *o, const char *line)
{
    const char **grown =
        realloc(o->argv_headers, (o->nargv_headers + 1) * sizeof(*o->argv_headers));

    if (grown == NULL) {
        return -1;
    }
    o->argv_headers = grown;
    o->argv_headers[o->nargv_headers++] = line;
    return 0;
}

static int add_header(struct options *o, const char *line)
{
    char **grown = realloc(o->headers, (o->nheaders + 1) * sizeof(*o->headers));
    char *copy = strdup(line);

    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL) {
            o->headers = grown;
        }
        return -1;
    }
    o->headers = grown;
    o->headers[o->nheaders++] = copy;
    return 0;
}

/* -H @FILE: one header a line; blank lines and lines starting with '#' are skipped. */
static int header_file(struct options *o, const char *path, struct a2a_error *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t lcap = 0;
    unsigned lineno = 0;
    int rc = 0;

    if (f == NULL) {
        return usage_error(err, "-H @%s: cannot open: %s", path, strerror(errno));
    }
    for (;;) {
        ssize_t n = getline(&line, &lcap, f);
        if (n < 0) {
            break;
        }
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        /* Do not echo the line: header files hold API keys. */
        if ((size_t)n != strlen(line) || !valid_header(line)) {
            rc = usage_error(err, "-H @%s: line %u is not a \"Name: value\" header", path, lineno);
            break;
        }
        if (a2a_request_reserved_header(line) != NULL) {
            rc = usage_error(err, "-H @%s: line %u: %s is set by a2a-recover itself", path, lineno,
                             a2a_request_reserved_header(line));
            break;
        }
        if (add_header(o, line) != 0) {
            rc = out_of_memory(err);
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

static int readable_file(const char *opt, const char *path, struct a2a_error *err)
{
    if (access(path, R_OK) != 0) {
        return usage_error(err, "%s %s: cannot read: %s", opt, path, strerror(errno));
    }
    return 0;
}

/* A whole-number option from lo to hi; *out is set only when the value is valid. */
static int whole_number(const char *opt, const char *arg, unsigned lo, unsigned hi, unsigned *out,
                        struct a2a_error *err)
{
    uint64_t v;

    if (parse_uint(arg, lo, hi, &v) != 0) {
        return usage_error(err, "%s: \"%s\" is not a whole number from %u to %u", opt, arg, lo, hi);
    }
    *out = (unsigned)v;
    return 0;
}

/* The long name of an option without a letter. */
static const char *option_name(int c)
{
    for (const struct option *p = long_options; p->name != NULL; p++) {
        if (p->val == c) {
            return p->name;
        }
    }
    return "";
}

/* One option with its argument. */
static int apply(struct options *o, int c, const char *arg, struct a2a_error *err)
{
    uint64_t v;
    unsigned per_second = 0;
    int st;

    switch (c) {
    case 'n':
        o->dry_run = 1;
        return 0;
    case 'u':
        o->url = arg;
        return 0;
    case OPT_TOKEN_FILE:
        o->token_file = arg;
        if (access(arg, R_OK) != 0) {
            /* Not repeated: a token pasted where its file name belongs lands here. */
            return usage_error(err,
                               "--token-file: cannot read the file named: %s (the name is not "
                               "shown, in case it is the token itself)",
                               strerror(errno));
        }
        return 0;
    case 'H':
        if (arg[0] == '@') {
            return header_file(o, arg + 1, err);
        }
        if (!valid_header(arg)) {
            return usage_error(err, "-H: expected \"Name: value\" (or @FILE)");
        }
        if (a2a_request_reserved_header(arg) != NULL) {
            return usage_error(err, "-H: %s is set by a2a-recover itself (endpoint contract)",
                               a2a_request_reserved_header(arg));
        }
        if (add_argv_header(o, arg) != 0) {
            return out_of_memory(err);
        }
        return add_header(o, arg) == 0 ? 0 : out_of_memory(err);
    case 'j':
        return whole_number("-j", arg, 1, 256, &o->concurrency, err);
    case OPT_TIMEOUT:
        if (parse_seconds(arg, 1, 3600 * 1000L, &o->timeout_ms) != 0) {
            return usage_error(err,
                               "--timeout: \"%s\" is not a number of seconds from "
                               "0.001 to 3600",
                               arg);
        }
        return 0;
    case OPT_CONNECT_TIMEOUT:
        if (parse_seconds(arg, 1, 600 * 1000L, &o->connect_timeout_ms) != 0) {
            return usage_error(err,
                               "--connect-timeout: \"%s\" is not a number of seconds "
                               "from 0.001 to 600",
                               arg);
        }
        return 0;
    case OPT_RETRIES:
        return whole_number("--retries", arg, 0, 10, &o->retries, err);
    case OPT_RATE:
        st = whole_number("--rate", arg, 0, 100000, &per_second, err);
        o->rate = st == 0 ? (double)per_second : o->rate;
        return st;
    case OPT_THREADS:
        return whole_number("--threads", arg, 1, 64, &o->threads, err);
    case OPT_INSECURE:
        o->insecure = 1;
        return 0;
    case OPT_CACERT:
        o->cacert = arg;
        return readable_file("--cacert", arg, err);
    case 'o':
        o->output = arg;
        return 0;
    case OPT_REPORT:
        o->report = arg;
        return 0;
    case OPT_FAILED_OUT:
        o->failed_out = arg;
        return 0;
    case OPT_SUMMARY_JSON:
        o->summary_json = arg;
        return 0;
    case OPT_RESUME_FROM:
        if (parse_uint(arg, 0, (uint64_t)INT64_MAX, &v) != 0) {
            return usage_error(err, "--resume-from: \"%s\" is not a byte offset", arg);
        }
        o->has_resume_from = 1;
        o->resume_from = (unsigned long long)v;
        return 0;
    case OPT_ACKED_MESSAGES:
        o->acked_messages = arg;
        return 0;
    case OPT_LOG_FORMAT:
        if (strcmp(arg, "text") == 0) {
            o->log_format = LOG_TEXT;
        } else if (strcmp(arg, "json") == 0) {
            o->log_format = LOG_JSON;
        } else {
            return usage_error(err, "--log-format: \"%s\" is not text or json", arg);
        }
        return 0;
    case OPT_MAX_RECORD:
        if (parse_uint(arg, 1024, OPTIONS_MAX_RECORD_LARGEST, &v) != 0) {
            return usage_error(err,
                               "--max-record-size: \"%s\" is not a byte count from "
                               "1024 to 1073741824",
                               arg);
        }
        o->max_record = (size_t)v;
        return 0;
    case OPT_MAX_TIME:
        if (parse_seconds(arg, 1, MAX_TIME_MAX_S * 1000L, &o->max_time_ms) != 0) {
            return usage_error(err,
                               "--max-time: \"%s\" is not a number of seconds from "
                               "0.001 to %ld",
                               arg, MAX_TIME_MAX_S);
        }
        return 0;
    case OPT_NO_PROGRESS:
        o->no_progress = 1;
        return 0;
    case OPT_IDLE:
        if (parse_seconds(arg, 1, 86400 * 1000L, &o->stream.idle_ms) != 0) {
            return usage_error(err, "--idle: \"%s\" is not a number of seconds from 0.001 to 86400",
                               arg);
        }
        return 0;
    case OPT_STREAM:
    case OPT_SHARD:
    case OPT_FROM:
    case OPT_TO:
    case OPT_ENDPOINT_URL:
    case OPT_PROFILE:
        return stream_opts_apply(&o->stream, option_name(c), arg, err);
    case 'q':
        o->verbosity = -1;
        return 0;
    case 'v':
        o->verbosity = o->verbosity < 0 ? 1 : o->verbosity + 1;
        return 0;
    case 'h':
        o->help = 1;
        return 0;
    case 'V':
        o->version = 1;
        return 0;
    default:
        return usage_error(err, "internal: unhandled option %d", c);
    }
}

/* Checks that need every option: after the loop. */
static int cross_check(struct options *o, struct a2a_error *err)
{
    const char *env_url = getenv("A2A_RECOVER_URL");

    if (o->help || o->version) {
        return 0;
    }
    if (stream_opts_check(&o->stream, o->nfiles, err) != 0) {
        return -1;
    }
    /* A second "-" would find standard input already read to its end: it would read as an
     * empty input, and the files after it would never be read. */
    for (size_t i = 0, dashes = 0; i < o->nfiles; i++) {
        if (strcmp(o->files[i], "-") == 0 && ++dashes == 2) {
            return usage_error(err, "\"-\" (standard input) is given more than once: it can "
                                    "be read once");
        }
    }
    /* On the command line "-" is standard input; an output named so would be a file "-" in
     * the current directory, and a continuation's output would overwrite it. */
    {
        const struct {
            const char *name, *path;
        } outs[] = {{"-o", o->output},
                    {"--report", o->report},
                    {"--failed-out", o->failed_out},
                    {"--summary-json", o->summary_json},
                    {"--acked-messages", o->acked_messages}};
        for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
            if (outs[i].path != NULL && strcmp(outs[i].path, "-") == 0) {
                return usage_error(err,
                                   "%s -: \"-\" is not an output here (the response goes to "
                                   "standard output without -o); write ./- for a file of that name",
                                   outs[i].name);
            }
        }
    }
    o->url_from = "-u";
    if (o->url == NULL && env_url != NULL && env_url[0] != '\0') {
        o->url = env_url;
        o->url_from = "A2A_RECOVER_URL";
    }
    if (o->url != NULL && o->url[0] == '\0') {
        o->url = NULL;
    }
    if (o->has_resume_from && o->stream.arn != NULL) {
        return usage_error(err, "--resume-from takes a byte offset in a FILE; a stream is "
                                "resumed with --from");
    }
    /* What was read of standard input is gone: there is nothing to go back to. */
    if (o->has_resume_from && (o->nfiles == 0 || strcmp(o->files[0], "-") == 0)) {
        return usage_error(err, "--resume-from needs a FILE operand: standard input cannot be "
                                "resumed (save the input to a file first)");
    }
    /* Before the dry-run return: the password is on display either way. Never echoed. */
    if (o->url != NULL && secrets_url_has_userinfo(o->url)) {
        return usage_error(err,
                           "%s: a user name or password in the URL is refused: it would show in "
                           "argv and in messages; give the token in A2A_RECOVER_TOKEN or "
                           "--token-file",
                           o->url_from);
    }
    if (o->dry_run && o->acked_messages != NULL) {
        return usage_error(err, "--acked-messages lists messages whose records the dispatcher "
                                "acknowledged: a dry run acknowledges none");
    }
    /* checked in a dry run too: one run to check a command line before the real one */
    if (o->url != NULL && strncasecmp(o->url, "http://", 7) != 0 &&
        strncasecmp(o->url, "https://", 8) != 0) {
        return usage_error(err, "%s: the URL must start with http:// or https://", o->url_from);
    }
    if (o->url != NULL && strpbrk(o->url, " \r\n\t") != NULL) {
        return usage_error(err, "%s: the URL must not contain white space", o->url_from);
    }
    if (o->url != NULL && !a2a_url_has_host(o->url)) {
        return usage_error(err, "%s: the URL names no host (is a variable in it unset?)",
                           o->url_from);
    }
    if (o->url != NULL && a2a_url_bad_port(o->url)) {
        return usage_error(err,
                           "%s: the URL's port is not a number from 1 to 65535 (is a variable "
                           "in it unset?)",
                           o->url_from);
    }
    if (o->insecure && o->cacert != NULL) {
        return usage_error(err, "--insecure and --cacert contradict each other");
    }
    if (o->url == NULL && !o->dry_run) {
        return usage_error(err, "no dispatcher URL: give -u URL or set A2A_RECOVER_URL "
                                "(or use --dry-run)");
    }
    return 0;
}

/* An unknown long option: its name only (never what follows '='), and a guess. */
static int unknown_option(struct a2a_error *err, const char *text)
{
    size_t len = strcspn(text, "=");
    char hint[64];

    return usage_error(err, "unknown option %.*s%s", (int)len, text,
                       did_you_mean(text, len, hint, sizeof(hint)));
}

/* Whether option c may be given once and was given before; notes it given. */
static int given_again(unsigned char given[OPT__END], int c)
{
    for (size_t i = 0; i < sizeof(once_only) / sizeof(once_only[0]); i++) {
        if (once_only[i] == c && c >= 0 && c < OPT__END) {
            return given[c]++ > 0;
        }
    }
    return 0;
}

/* "-o (--output)" or "--report": how the manual names option c. */
static const char *option_shown(int c, char *out, size_t cap)
{
    if (c < 256) {
        snprintf(out, cap, "-%c (--%s)", c, option_name(c));
    } else {
        snprintf(out, cap, "--%s", option_name(c));
    }
    return out;
}

int options_parse(struct options *o, int argc, char **argv, struct a2a_error *err)
{
    unsigned char given[OPT__END] = {0};
    int idx = -1;

    memset(o, 0, sizeof(*o));
    o->concurrency = 8;
    o->timeout_ms = 30000;
    o->connect_timeout_ms = 10000;
    o->retries = 2;
    o->max_record = (size_t)16 << 20;
    /* 0, not 1: glibc then starts afresh, so that argument vectors can be parsed in turn. */
    optind = 0;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, short_options, long_options, &idx);

        if (c == -1) {
            break;
        }
        if (c == '?') {
            if (optopt != 0) {
                return usage_error(err, "unknown option -%c", optopt);
            }
            /* Name only: what follows '=' may be a secret typed in the wrong place. */
            return unknown_option(err, argv[optind - 1]);
        }
        if (idx >= 0) {
            /* No abbreviations: "--token SECRET" must not be taken for --token-file. */
            const char *text = optarg != NULL && optind >= 2 && optarg == argv[optind - 1]
                                   ? argv[optind - 2]
                                   : argv[optind - 1];
            size_t len = strlen(long_options[idx].name);
            if (strncmp(text, "--", 2) != 0 ||
                strncmp(text + 2, long_options[idx].name, len) != 0 ||
                (text[2 + len] != '\0' && text[2 + len] != '=')) {
                return unknown_option(err, text);
            }
            idx = -1;
        }
        if (c == ':') {
            return usage_error(err, "option %s needs a value", argv[optind - 1]);
        }
        if (given_again(given, c)) {
            char name[48];
            return usage_error(err,
                               "%s is given twice: give it once (the second would replace the "
                               "first without a word)",
                               option_shown(c, name, sizeof(name)));
        }
        if (apply(o, c, optarg, err) != 0) {
            return -1;
        }
    }
    o->files = (const char *const *)(argv + optind);
    o->nfiles = (size_t)(argc - optind);
    o->options_end = optind;
    return cross_check(o, err);
}

void options_free(struct options *o)
{
    stream_opts_free(&o->stream);
    for (size_t i = 0; i < o->nheaders; i++) {
        /* header lines may carry API keys: wipe before freeing */
        a2a_wipe(o->headers[i], strlen(o->headers[i]));
        free(o->headers[i]);
    }
    free(o->headers);
    o->headers = NULL;
    o->nheaders = 0;
    free(o->argv_headers);
    o->argv_headers = NULL;
    o->nargv_headers = 0;
}
