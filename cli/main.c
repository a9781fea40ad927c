/*
 * a2a-recover: options in, one run of the core, a response out, an exit status by the
 * documented precedence: 2 > 3 > 6 > 124/130/143 > 5 > 4 > 1 > 0. An input message that cannot
 * be used counts as a failure (1); a pointer's range that cannot be read as 6.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "clock.h"
#include "credentials.h"
#include "deadline.h"
#include "messages.h"
#include "options.h"
#include "outputs.h"
#include "read_again.h"
#include "redrive_out.h"
#include "resume.h"
#include "retry.h"
#include "secrets.h"
#include "sinks.h"
#include "stream_opts.h"
#include "summary.h"

enum exit_status {
    EXIT_ALL_DONE = 0,
    EXIT_FAILURES = 1,
    EXIT_USAGE = 2,
    EXIT_INPUT = 3,
    EXIT_UNREPORTABLE = 4,
    EXIT_FAIL_FAST = 5,
    EXIT_STREAM = 6,    /* a stream range named by the options could not be read */
    EXIT_OUTPUT = 7,    /* the response or an output file could not be written whole */
    EXIT_TIMEOUT = 124, /* --max-time passed, as timeout(1) says it */
};

static volatile sig_atomic_t stop_signal;
/* The self-pipe: written by the handler so that a wait for input ends even when the signal
 * lands just before it starts; the read end is polled by the core's files source, never read. */
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;

    if (stop_signal == 0) {
        stop_signal = sig; /* the first stop names the run's end: a second only hurries it */
    }
    if (wake_pipe[1] >= 0) {
        (void)!write(wake_pipe[1], "", 1); /* a full pipe is readable already */
    }
    errno = saved;
}

/* No SA_RESTART: a blocked read() of standard input returns at once with EINTR. */
static void install_signals(void)
{
    struct sigaction sa;

    if (pipe(wake_pipe) == 0) {
        for (int i = 0; i < 2; i++) {
            fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    } else {
        wake_pipe[0] = wake_pipe[1] = -1; /* waits then look at the flag every 250 ms */
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A dropped ssh session is the commonest stop at 3 a.m.: it lists and reports as the
     * others do, where the default would end the run without a word or a report. */
    sigaction(SIGHUP, &sa, NULL);
    sigaction(DEADLINE_SIGNAL, &sa, NULL); /* --max-time stops the run as SIGTERM does */
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is an error to report, not a silent death */
    /* a file size limit likewise: a write past it fails with EFBIG, said and exit 7, where the
       default would kill the run mid-response, its temporary files left (review 64) */
    signal(SIGXFSZ, SIG_IGN);
}

/* What the CLI does with every result besides the response. */
struct cli_sinks {
    struct messages *msgs;
    FILE *report; /* borrowed from report_file; NULL when no --report */
    struct a2a_buf report_line;
    struct output report_file;
    struct output failed_file;
    struct output response_file; /* -o */
    struct output summary_file;  /* --summary-json: written last, with the exit status */
    struct output acked_file;    /* --acked-messages, written by redrive_out.c */
    struct a2a_failed_out failed;
    int write_error;
    /* the outputs not written whole, by option ("-o", "--report"; "stdout"), each once: the
       exit status is then 7, and --summary-json names them */
    const char *unwritten[8];
    size_t nunwritten;
    int progress; /* draw the progress line */
    struct progress prog;
    const struct a2a_run_stats *live; /* records read so far */
};

/* The core's tick: the progress line is redrawn even when nothing completes. */
static void on_tick(void *ctx, const struct a2a_run_stats *live)
{
    struct cli_sinks *s = ctx;

    progress_draw(&s->prog, live, 0);
}

static void on_result(void *ctx, const struct a2a_result *res)
{
    struct cli_sinks *s = ctx;

    if (s->report != NULL && a2a_report_write(s->report, res, &s->report_line) != 0) {
        output_write_failed(&s->report_file, errno);
        s->write_error = 1;
    }
    if (s->failed_file.f != NULL && a2a_failed_out_add(&s->failed, res) != 0) {
        output_write_failed(&s->failed_file, errno);
        s->write_error = 1;
    }
    if (s->progress) {
        progress_count(&s->prog, res->outcome);
        progress_draw(&s->prog, s->live, 0);
    }
}

/*
 * Opens every output file before anything is read or sent: a path that cannot be written is
 * a usage error with nothing done (see outputs.h for what each kind of path gets).
 */
static int open_sinks(struct cli_sinks *s, const struct options *o, struct a2a_error *err)
{
    struct output *all[] = {&s->response_file, &s->failed_file, &s->report_file, &s->summary_file,
                            &s->acked_file};

    output_init(&s->response_file, "-o", o->output, OUTPUT_WHOLE);
    output_init(&s->failed_file, "--failed-out", o->failed_out, OUTPUT_WHOLE);
    output_init(&s->report_file, "--report", o->report, OUTPUT_STREAM);
    output_init(&s->summary_file, "--summary-json", o->summary_json, OUTPUT_WHOLE);
    output_init(&s->acked_file, "--acked-messages", o->acked_messages, OUTPUT_STREAM);
    if (outputs_open(all, sizeof(all) / sizeof(all[0]), o->files, o->nfiles, err) != 0) {
        return -1;
    }
    s->report = s->report_file.f;
    if (s->failed_file.f != NULL && a2a_failed_out_begin(&s->failed, s->failed_file.f) != 0) {
        a2a_error_set(err, A2A_E_IO, "--failed-out %s: write error: %s", o->failed_out,
                      strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes one built --report line (rc: how building it went) and frees it; a failure is noted. */
static void write_report_line(struct cli_sinks *s, struct a2a_buf *line, int rc)
{
    if (rc != 0 || fwrite(line->data, 1, line->len, s->report) != line->len ||
        fflush(s->report) != 0) {
        output_write_failed(&s->report_file, errno);
        s->write_error = 1;
    }
    a2a_buf_free(line);
}

/* Beside a continuation after a record outgrew --max-record-size: the limit it gives. */
static void say_raised_limit(struct messages *m, const struct a2a_run_stats *st,
                             const struct options *o, const char *limit)
{
    if (st->input_limit != A2A_LIMIT_MAX_RECORD) {
        return;
    }
    if (limit == NULL) {
        msg_error(m,
                  "the record is larger than the largest --max-record-size (%llu bytes): it "
                  "cannot be read; the continuation stops at it again",
                  (unsigned long long)OPTIONS_MAX_RECORD_LARGEST);
    } else if (st->input_limit_needed > 0) {
        msg_error(m, "the continuation gives --max-record-size %s: the record is %llu bytes", limit,
                  (unsigned long long)st->input_limit_needed);
    } else {
        msg_error(m,
                  "the continuation gives --max-record-size %s, twice this run's %zu: the "
                  "record's size is not known, only that it is larger; raise it again if it "
                  "stops there again",
                  limit, o->max_record);
    }
}

/*
 * A continuation from where this run started: the stop came before the read got past any
 * place to go on from. With the same --max-time it would stop there again, forever.
 */
static int no_progress(const struct a2a_resume_point *rp, const struct options *o)
{
    if (rp->place.valid) {
        return rp->place.none_read;
    }
    /* a pipe's continuation reads a saved file, not the slow writer (review 64) */
    return rp->input_resumable && rp->input_index == 0 &&
           rp->offset == (o->has_resume_from ? (uint64_t)o->resume_from : 0);
}

/*
 * Beside a continuation from the start of an input that failed at its start (empty, not JSON,
 * unreadable): the command runs the same way into the same error until the input is mended
 * (review 65); said apart, since scripts read the "continue with:" line as it is.
 */
static void say_fix_first(struct messages *m, const struct a2a_run_stats *st)
{
    const struct a2a_resume_point *rp = &st->resume;

    if (!rp->input_failed || rp->place.valid || rp->offset != 0 || rp->last_position != 0 ||
        rp->input_encoding != A2A_ENCODING_JSON || st->input_limit != A2A_LIMIT_NONE ||
        rp->resume_arg[0] == '\0') {
        return;
    }
    msg_error(m,
              "%s failed at its start (the error above): the continuation fails the same way "
              "until it is fixed or replaced",
              rp->input);
}

/*
 * An empty pipe is an empty queue's receive-message output, nothing to do; but it is also
 * what a command before the pipe that failed leaves, and with no word the run looks like a
 * success (review 66).
 */
static int reads_stdin_only(const struct options *o)
{
    return o->stream.arn == NULL &&
           (o->nfiles == 0 || (o->nfiles == 1 && strcmp(o->files[0], "-") == 0));
}

static void say_empty_stdin(struct messages *m, const struct options *o,
                            const struct a2a_run_stats *st, int stream_open)
{
    if (stream_open || !reads_stdin_only(o) || o->has_resume_from || st->records > 0 ||
        st->messages > 0 || st->input_error || st->input_unread || st->documents > 0) {
        return;
    }
    /* white space only is empty too: `echo "$out" |` with $out empty sends a newline */
    msg_warn(m,
             "standard input was empty%s: nothing to do (an empty queue's receive-message "
             "prints nothing; if a command before the pipe failed, its error is above)",
             st->input_offset > 0 ? " (white space only)" : "");
}

/* Beside a continuation that would start where this run did, when --max-time stopped it. */
static void say_no_progress(struct messages *m, const struct a2a_run_stats *st,
                            const struct options *o, int streams_unanswered)
{
    char first[96] = "";

    if (!st->cancelled || stop_signal != DEADLINE_SIGNAL || !no_progress(&st->resume, o)) {
        return;
    }
    if (streams_unanswered) {
        /* review 64: no --max-time is long enough for an endpoint that never answers */
        msg_error(m, "the continuation starts where this run started: --max-time stopped it "
                     "waiting for the Streams endpoint, which answered no call of this run: "
                     "check --endpoint-url and that the endpoint is up before running it");
        return;
    }
    /* review 62: a message stopped in again and again, acking nothing new each time */
    if (st->resume.before_message > 0) {
        snprintf(first, sizeof(first), " (message %llu, the first it read, is read again)",
                 (unsigned long long)st->resume.before_message);
    }
    msg_error(m,
              "the continuation starts where this run started: --max-time stopped it before it "
              "got past a place to go on from%s; with the same --max-time it stops there again: "
              "give it a longer one",
              first);
}

/*
 * The resume point, when input was left unread: on stderr and as the last --report line.
 * Returns its continuation command (owned by the caller; NULL without a resume point).
 */
static char *report_resume(struct cli_sinks *s, const struct options *o, char **argv,
                           const struct a2a_run_stats *st, int streams_unanswered)
{
    char limit[24];
    /* review 61: with this run's --max-record-size it would stop at the same record again */
    int raised = st->resume.valid && resume_raised_limit(st->input_limit, st->input_limit_needed,
                                                         o->max_record, limit, sizeof(limit));
    char *command =
        st->resume.valid ? resume_command(&st->resume, o, argv, raised ? limit : NULL) : NULL;
    struct a2a_buf line = {NULL, 0, 0};

    if (st->resume.valid) {
        resume_print(s->msgs, &st->resume, command);
        say_raised_limit(s->msgs, st, o, raised ? limit : NULL);
        say_fix_first(s->msgs, st);
        resume_print_read_again(s->msgs, &st->resume, o, st->input_index, st->input_offset);
        say_no_progress(s->msgs, st, o, streams_unanswered);
        if (st->interrupted > 0 && st->messages == 0) {
            /* said beside the command, which an operator copies without the stop line: the
               records the stop cut are before its place (review 61) */
            msg_error(s->msgs,
                      "the continuation does not send the %llu record%s the stop cut short "
                      "(listed in the response): %s",
                      (unsigned long long)st->interrupted, st->interrupted == 1 ? "" : "s",
                      o->failed_out != NULL && !s->failed_file.failed && !s->write_error
                          ? "replay the --failed-out file too"
                          : "they are kept by SequenceNumber only; to send them, run the same "
                            "input again from its start (replaying is safe), or next time give "
                            "--failed-out FILE");
        }
    }
    if (st->resume.valid && s->report != NULL) {
        int rc = a2a_buf_puts(&line, "{\"resumePoint\":");
        rc |= resume_put_json(&line, &st->resume, command);
        rc |= a2a_buf_puts(&line, "}\n");
        write_report_line(s, &line, rc);
    }
    return command;
}

/*
 * The ranges a stream run left unreadable but not lost, with the commands that read them
 * again (read_again.h): on stderr, and as a --report line before the resume point's, which
 * stays the last.
 */
static void report_read_again(struct cli_sinks *s, const struct options *o, char **argv,
                              const struct stream_input *si, struct read_again_list *again)
{
    struct a2a_buf line = {NULL, 0, 0};
    int rc;

    if (si->nunread == 0 && !si->unread_lost) {
        return;
    }
    (void)read_again_build(again, si, o, argv); /* incomplete: said by the print */
    read_again_print(s->msgs, again);
    if (s->report == NULL) {
        return;
    }
    rc = a2a_buf_puts(&line, "{\"readAgain\":");
    rc |= read_again_put_json(&line, again);
    rc |= a2a_buf_puts(&line, "}\n");
    write_report_line(s, &line, rc);
}

/* Notes an output not written whole, by the option that names it. */
static void note_unwritten(struct cli_sinks *s, const char *option)
{
    size_t cap = sizeof(s->unwritten) / sizeof(s->unwritten[0]);

    for (size_t i = 0; i < s->nunwritten; i++) {
        if (strcmp(s->unwritten[i], option) == 0) {
            return;
        }
    }
    if (s->nunwritten < cap) {
        s->unwritten[s->nunwritten++] = option;
    }
}

/*
 * An output made whole by a rename that failed leaves the file at its path as it was: said,
 * so that an earlier run's response or records are not taken for this run's (review 61).
 */
static void say_not_replaced(struct cli_sinks *s, const struct output *out)
{
    struct stat st;

    if (out->mode == OUTPUT_WHOLE && out->path != NULL && stat(out->path, &st) == 0 &&
        S_ISREG(st.st_mode)) {
        msg_error(s->msgs,
                  "%s %s was not replaced: what it holds is not this run's, but what was there "
                  "before it",
                  out->option, out->path);
    }
}

/* Closes one output; a write error is printed and noted, and makes the result -1. */
static int close_output(struct cli_sinks *s, struct output *out, int keep)
{
    struct a2a_error err = {.code = A2A_OK};
    struct output was = *out; /* its names, for the message: closing releases it */

    if (output_close(out, keep, &err) != 0) {
        msg_error(s->msgs, "%s", err.msg);
        note_unwritten(s, was.option);
        say_not_replaced(s, &was);
        return -1;
    }
    return 0;
}

/*
 * Closes what open_sinks() opened (any part of it) but --summary-json; keeps --failed-out
 * only when ok is set, -o only when response_ok is. Each failure is printed and noted
 * (note_unwritten()): the exit status is decided from the notes.
 */
static void close_sinks(struct cli_sinks *s, int ok, int response_ok)
{
    int printed = 0;

    /* A failed write leaves the stream's error flag set: output_close() reports it. */
    if (s->failed_file.f != NULL && a2a_failed_out_end(&s->failed) != 0) {
        output_write_failed(&s->failed_file, errno);
        s->write_error = 1;
    }
    printed |= close_output(s, &s->failed_file, ok);
    printed |= close_output(s, &s->report_file, 1);
    printed |= close_output(s, &s->acked_file, 1);
    printed |= close_output(s, &s->response_file, response_ok);
    s->report = NULL;
    a2a_buf_free(&s->report_line);
    if (s->write_error && printed == 0 && ok) {
        msg_error(s->msgs, "writing --report or --failed-out failed");
        note_unwritten(s, s->report_file.path != NULL ? "--report" : "--failed-out");
    }
}

/*
 * Writes --summary-json when due (the run went through, input error or not) and closes it:
 * last of the outputs, so that its exitStatus is the one the process exits with, every
 * other output's failure counted. Returns -1 when it could not be written (printed).
 */
static int close_summary(struct cli_sinks *s, const struct options *o,
                         const struct a2a_run_stats *st, const struct summary_ranges *ranges,
                         int exit_status, const char *command, const struct read_again_list *again,
                         int due)
{
    struct summary_after after = {command, again, s->unwritten, s->nunwritten};

    if (due && s->summary_file.f != NULL &&
        summary_write_json(s->summary_file.f, st, ranges, o->dry_run, exit_status, &after) != 0) {
        output_write_failed(&s->summary_file, errno);
    }
    return close_output(s, &s->summary_file, due);
}

/* The option that sets a limit the core reports reaching, as a suffix for its message. */
static const char *limit_option(enum a2a_limit limit)
{
    switch (limit) {
    case A2A_LIMIT_MAX_RECORD:
        return " (--max-record-size)";
    case A2A_LIMIT_NONE:
        break;
    }
    return "";
}

static int exit_code(const struct a2a_run_stats *st, int run_failed,
                     const struct summary_ranges *stream)
{
    if (st->input_error || run_failed) {
        return EXIT_INPUT;
    }
    if ((stream != NULL && stream->unreadable > 0) || st->ranges_unreadable > 0) {
        return EXIT_STREAM;
    }
    if (st->cancelled) {
        return stop_signal == DEADLINE_SIGNAL ? EXIT_TIMEOUT : 128 + (int)stop_signal;
    }
    /* the dispatcher answered none of the calls made: what the breaker says when it trips,
       said of a batch too small to trip it (review 61) */
    if (st->fatal_status != 0 || (st->dispatched > 0 && !st->answered)) {
        return EXIT_FAIL_FAST;
    }
    if (st->unreportable > 0) {
        return EXIT_UNREPORTABLE;
    }
    /* An unusable message is a failure the response cannot name: it stays in its queue. */
    if (st->failed > 0 || st->message_errors > 0) {
        return EXIT_FAILURES;
    }
    return EXIT_ALL_DONE;
}

/* gave_credentials: a token or a header went with the calls (a header may carry a key). */
static const char *fatal_meaning(int status, int gave_credentials)
{
    switch (status) {
    case 401:
        return gave_credentials ? "refused the credentials"
                                : "asked for credentials, and none were given: put the token "
                                  "in A2A_RECOVER_TOKEN or --token-file";
    case 403:
        return "forbade the call";
    case 404:
        return "has no such endpoint (check -u)";
    default:
        return "does not accept POST at this URL";
    }
}

/* What the operator can do about a transport fault that stopped the run. */
static const char *transport_hint(int cause)
{
    switch (cause) {
    case A2A_TRANSPORT_TLS_VERIFY:
        return "the server's certificate is not trusted: give --cacert FILE with the CA that "
               "signed it";
    case A2A_TRANSPORT_TLS_PROTOCOL:
        return "the server does not speak TLS: check the scheme of -u (http:// or https://)";
    case A2A_TRANSPORT_SCHEME:
        return "check the scheme of -u (http:// or https://)";
    default:
        return "check -u and that the dispatcher is up";
    }
}

/* The ranges of the --stream input, or NULL without --stream. */
static const struct summary_ranges *stream_ranges(const struct stream_input *stream,
                                                  struct summary_ranges *ranges)
{
    const struct a2a_stream_source_stats *ss;

    if (stream == NULL || stream->source == NULL) {
        return NULL;
    }
    ss = a2a_stream_source_stats(stream->source);
    ranges->unreadable = ss->unreadable; /* a range once, though its start was reported apart */
    /* The stream's listing failing counts as one range: the whole stream. */
    ranges->read = ss->ranges + (ss->ranges == 0 && ss->unreadable > 0);
    return ranges;
}

/* Why a fail-fast answer or the breaker stopped the run, and what it left unsent. */
static void say_fatal(struct messages *m, const struct a2a_run_stats *st, int gave_credentials)
{
    uint64_t unsent = st->by_outcome[A2A_OUT_NOT_ATTEMPTED];
    char left[96];

    snprintf(left, sizeof(left), "%llu record%s not attempted, %llu abandoned in flight",
             (unsigned long long)unsent, unsent == 1 ? "" : "s",
             (unsigned long long)st->by_outcome[A2A_OUT_ABANDONED]);
    if (a2a_http_is_redirect(st->fatal_status)) {
        msg_error(m,
                  "dispatcher answered %s: a2a-recover does not follow redirects (the token "
                  "would go along); give -u the URL the dispatcher takes; %s",
                  st->fatal_reason, left);
    } else if (a2a_http_is_success(st->fatal_status)) {
        msg_error(m,
                  "the dispatcher URL answered %s; check -u, its path too: no record counts as "
                  "acknowledged by such an answer; %s",
                  st->fatal_reason, left);
    } else if (a2a_http_classify(st->fatal_status) == A2A_HTTP_TRANSIENT) {
        msg_error(m,
                  "%s; once it is healthy, run the input again (the endpoint is idempotent) or "
                  "replay what is listed; %s",
                  st->fatal_reason, left);
    } else if (st->fatal_status > 0) {
        msg_error(m, "dispatcher %s (HTTP %d); %s",
                  fatal_meaning(st->fatal_status, gave_credentials), st->fatal_status, left);
    } else {
        msg_error(m, "%s; %s; %s", st->fatal_reason, transport_hint(st->fatal_cause), left);
    }
}

#define KEPT_PATH_MAX 512 /* of a --failed-out path quoted in the stop line */

/* The lines that say why the run stopped early, then the summary line (summary.c). */
static void summarize(struct messages *m, const struct a2a_run_stats *st, int dry_run,
                      const struct options *o, const struct summary_ranges *stream,
                      int gave_credentials, int failed_kept)
{
    char ranges[96] = "";

    if (st->fatal_status != 0) {
        say_fatal(m, st, gave_credentials);
    } else if (!dry_run && st->dispatched > 0 && !st->answered && !st->cancelled) {
        /* Nothing but transient failures, each a warning: say it as one error, even with -q. */
        /* an https:// dispatcher asked in plain HTTP closes without a word ("Empty reply"),
           and each call is only a transient failure: the scheme is worth a look; not when no
           call connected (refused: nothing listens there, whatever the scheme) */
        int plain = o->url != NULL && strncasecmp(o->url, "http://", 7) == 0 && st->connected;
        msg_error(m, "the dispatcher answered none of %llu calls; %s",
                  (unsigned long long)st->dispatched,
                  plain ? "check -u, its scheme too (an https:// dispatcher asked over http:// "
                          "closes without answering), and that the dispatcher is up"
                        : transport_hint(-1));
    }
    if (st->cancelled) {
        char why[96];
        char kept[KEPT_PATH_MAX + 96] = "";
        if (stop_signal == DEADLINE_SIGNAL) {
            /* counted from the process's start: the summary's time starts later, after set-up */
            snprintf(why, sizeof(why), "--max-time %.3f s passed since a2a-recover started",
                     (double)o->max_time_ms / 1000.0);
        } else {
            snprintf(why, sizeof(why), "interrupted by signal %d", (int)stop_signal);
        }
        /*
         * A continuation starts after the last record read: the listed ones are not in it.
         * In a redrive their messages stay in the queue, which is the continuation there.
         */
        if (st->interrupted > 0 && st->messages > 0) {
            kept[0] = '\0';
        } else if (st->interrupted > 0 && o->failed_out != NULL && failed_kept) {
            /* a path too long to quote is not cut: the option names the file as well */
            snprintf(kept, sizeof(kept),
                     " (their records are in --failed-out%s%.*s: replay it too)",
                     strlen(o->failed_out) <= KEPT_PATH_MAX ? " " : "",
                     strlen(o->failed_out) <= KEPT_PATH_MAX ? KEPT_PATH_MAX : 0, o->failed_out);
        } else if (st->interrupted > 0 && o->failed_out == NULL) {
            snprintf(kept, sizeof(kept),
                     " (by SequenceNumber only: --failed-out keeps records "
                     "to replay)");
        }
        if (st->interrupted == 0) {
            /* records listed all the same failed before the stop: said apart, so that "no
               record" is not read as "nothing listed" (and not "for a reason of its own", the
               resume point's words for a failure that would come again) */
            char listed[96] = "";
            if (st->failed > 0) {
                snprintf(listed, sizeof(listed), "; the %llu listed failed before it, not by it",
                         (unsigned long long)st->failed);
            }
            msg_error(m, "%s; the stop cut no record short%s%s", why, listed,
                      st->input_unread ? "; the input was not read to its end" : "");
        } else {
            msg_error(m, "%s; %llu %s not acknowledged %s listed%s%s", why,
                      (unsigned long long)st->interrupted,
                      st->interrupted == 1 ? "record" : "records",
                      st->interrupted == 1 ? "was" : "were", kept,
                      st->input_unread ? "; the input was not read to its end" : "");
        }
    }
    if (o->verbosity < 0 && st->by_outcome[A2A_OUT_TRANSIENT] > 0 && st->answered) {
        /* -q hides warnings and the summary: records that failed after their retries would
           be on stdout only (reviews 61, 65); one line stands in for their warnings */
        uint64_t n = st->by_outcome[A2A_OUT_TRANSIENT];
        msg_error(m,
                  "%llu record%s not acknowledged after %s retries (transient failures; "
                  "listed in the response; without -q each is named)",
                  (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "its" : "their");
    }
    if (stream != NULL) {
        snprintf(ranges, sizeof(ranges), ", %llu of %llu stream range%s unreadable",
                 (unsigned long long)stream->unreadable, (unsigned long long)stream->read,
                 stream->read == 1 ? "" : "s");
    }
    summary_print(m, st, stream, dry_run, ranges);
}

/* Writes the response to stdout or to -o FILE (made whole at close_sinks()). */
static int write_response(const struct options *o, FILE *file, const struct a2a_response *resp,
                          struct a2a_error *err)
{
    if (a2a_response_write(resp, file != NULL ? file : stdout) != 0) {
        if (file != NULL) {
            a2a_error_set(err, A2A_E_IO, "-o %s: write error: %s", o->output, strerror(errno));
        } else {
            a2a_error_set(err, A2A_E_IO, "cannot write the response to standard output: %s",
                          strerror(errno));
        }
        return -1;
    }
    return 0;
}

static void fill_config(struct a2a_run_config *cfg, const struct options *o,
                        const struct credentials *cred, struct messages *msgs,
                        struct cli_sinks *sinks, const struct a2a_source *stream)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->input.source = stream;
    cfg->input.read_chunk = stream != NULL ? A2A_STREAM_READ_CHUNK : 0;
    cfg->input.paths = o->files;
    cfg->input.npaths = o->nfiles;
    cfg->input.max_record = o->max_record;
    cfg->input.cancel = &stop_signal;
    cfg->input.wake_fd = wake_pipe[0] >= 0 ? &wake_pipe[0] : NULL;
    cfg->input.resume_offset = o->has_resume_from ? (uint64_t)o->resume_from : 0;
    cfg->dry_run = o->dry_run;
    cfg->dispatch.url = o->url;
    cfg->dispatch.token = cred->token;
    cfg->dispatch.headers = (const char *const *)o->headers;
    cfg->dispatch.nheaders = o->nheaders;
    cfg->dispatch.timeout_ms = o->timeout_ms;
    cfg->dispatch.connect_timeout_ms = o->connect_timeout_ms;
    cfg->dispatch.retries = o->retries;
    cfg->dispatch.concurrency = o->concurrency;
    cfg->dispatch.rate = o->rate;
    cfg->dispatch.threads = o->threads;
    cfg->dispatch.insecure = o->insecure;
    cfg->dispatch.cacert = o->cacert;
    cfg->keep_raw = o->failed_out != NULL;
    cfg->log_records = o->verbosity > 0;
    cfg->log.emit = messages_emit;
    cfg->log.ctx = msgs;
    cfg->cancel = &stop_signal;
    cfg->on_result = on_result;
    cfg->result_ctx = sinks;
    cfg->on_tick = sinks->progress ? on_tick : NULL;
}

/* 1 when a header sent with the calls, from argv or -H @FILE, carries a credential. */
static int credential_header(const struct options *o)
{
    for (size_t i = 0; i < o->nheaders; i++) {
        if (secrets_header_is_credential(o->headers[i])) {
            return 1;
        }
    }
    return 0;
}

/* Warns where a secret was put in sight: argv, or a token about to cross a network in clear. */
static void warn_exposed_secrets(const struct options *o, const struct credentials *cred,
                                 struct messages *msgs)
{
    for (size_t i = 0; i < o->nargv_headers; i++) {
        if (!secrets_header_is_credential(o->argv_headers[i])) {
            continue;
        }
        /* The name only: the value is the secret. */
        msg_warn_always(msgs,
                        "-H %.*s: a secret on the command line can be read by other users "
                        "(ps, /proc) and stays in the shell history; put the token in "
                        "A2A_RECOVER_TOKEN or --token-file, other headers in -H @FILE",
                        (int)strcspn(o->argv_headers[i], ":"), o->argv_headers[i]);
    }
    if (!o->dry_run && (cred->token != NULL || credential_header(o)) &&
        secrets_url_cleartext_remote(o->url)) {
        msg_warn_always(msgs,
                        "%s: the credentials go over plain http:// to a host that is not "
                        "loopback, readable by anyone on the way; use https://",
                        o->url_from);
    }
}

/*
 * Every FILE operand exists, is readable and is not a directory, before anything is read or
 * sent: a mistyped last file would otherwise stop the run after the others were dispatched.
 * Opening stays the source's, at each file's turn: a named pipe is opened once, and a file
 * that changes meanwhile is still said there. The first FILE of a --resume-from is
 * resume_check()'s (a usage error).
 */
static int check_operands(const struct options *o, struct a2a_error *err)
{
    for (size_t i = o->has_resume_from ? 1 : 0; i < o->nfiles; i++) {
        const char *path = o->files[i];
        struct stat st;

        if (strcmp(path, "-") == 0) {
            continue;
        }
        if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
            a2a_error_set(err, A2A_E_INPUT, "%s: cannot read: %s; nothing was read or sent", path,
                          strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            a2a_error_set(err, A2A_E_INPUT,
                          "%s: is a directory, not a file; nothing was read or sent", path);
            return -1;
        }
    }
    return 0;
}

/*
 * One run of the core with the CLI's sinks around it. Every step that fails hands back a
 * struct a2a_error, printed here; the sinks are closed once, at out:, whatever happened.
 */
static int run(const struct options *o, char **argv, struct messages *msgs)
{
    struct credentials cred = {NULL};
    struct cli_sinks sinks;
    struct a2a_run_config cfg;
    struct a2a_run_stats st;
    struct a2a_response resp = {{NULL, 0, 0}, 0, NULL, 0, 0};
    struct a2a_error err = {.code = A2A_OK};
    struct stream_input stream;
    struct summary_ranges ranges = {0, 0};
    struct a2a_source stream_src;
    int stream_open = 0;
    struct redrive_out redrive;
    struct a2a_redrive_config redrive_cfg;
    int warn_mode = 0;
    int run_rc;
    int keep_outputs = 0;    /* rename --failed-out into place */
    int response_ok = 0;     /* the response is whole: -o may be renamed into place */
    int summary = 0;         /* the run went through: print the summary line last */
    int summary_due = 0;     /* the run went through, input error or not: --summary-json */
    char *resume_cmd = NULL; /* owned: the continuation, when input was left unread */
    struct read_again_list again = {NULL, 0, NULL, 0}; /* the unreadable ranges' commands */
    int rc = EXIT_USAGE;
    int gave_credentials = 0; /* a token or -H header goes with the calls */
    struct a2a_resume_place resume_place = {0, A2A_RESUME_ANYWHERE, A2A_LIMIT_NONE};
    int check_stopped = 0; /* a stop came while --resume-from was checked: nothing is read */

    memset(&sinks, 0, sizeof(sinks));
    memset(&redrive, 0, sizeof(redrive));
    memset(&st, 0, sizeof(st));
    sinks.msgs = msgs;
    /* Told from the command line and environment alone, so that a dry run refuses it too. */
    if (credentials_given(o->token_file) && options_has_header(o, "Authorization")) {
        msg_error(msgs, "a token (%s) and an -H Authorization header contradict each other",
                  o->token_file != NULL ? "--token-file" : "A2A_RECOVER_TOKEN");
        goto out;
    }
    if (!o->dry_run && credentials_load(&cred, o->token_file, &warn_mode, &err) != 0) {
        msg_error(msgs, "%s", err.msg);
        goto out;
    }
    gave_credentials = cred.token != NULL || o->nheaders > 0;
    if (warn_mode) {
        msg_warn_always(msgs, "--token-file %s is readable by group or others; chmod 600 it",
                        o->token_file);
    }
    warn_exposed_secrets(o, &cred, msgs);
    if (!o->dry_run && o->insecure) {
        msg_warn_always(msgs,
                        "--insecure: TLS certificates are NOT verified; anyone on the path can "
                        "read the token and forge answers");
    }
    if (o->has_resume_from && resume_check(o->files[0], o->resume_from, o->max_record, &stop_signal,
                                           &resume_place, &err) != 0) {
        msg_error(msgs, "%s%s", err.msg, limit_option(resume_place.limit));
        if (err.code != A2A_E_INTERRUPTED) {
            goto out;
        }
        check_stopped = 1;
        err = (struct a2a_error){.code = A2A_OK}; /* said: the later steps have theirs to say */
    }
    if (open_sinks(&sinks, o, &err) != 0) {
        msg_error(msgs, "%s", err.msg);
        goto out;
    }
    /* after the usage errors (exit 2 ranks above 3), before the first read */
    if (check_operands(o, &err) != 0) {
        msg_error(msgs, "%s", err.msg);
        st.input_error = 1; /* --summary-json says the input was not read */
        summary_due = 1;
        rc = EXIT_INPUT;
        goto out;
    }
    if (o->stream.arn != NULL) {
        stream_open = 1;
        if (stream_input_open(&stream, &o->stream, &stop_signal, msgs, sinks.report, &stream_src,
                              &err) != 0) {
            msg_error(msgs, "%s", err.msg);
            rc = err.code == A2A_E_CONFIG ? EXIT_USAGE : EXIT_INPUT;
            goto out;
        }
    }
    redrive_out_open(&redrive, o, &stop_signal, msgs, sinks.report, &sinks.acked_file,
                     &redrive_cfg);
    sinks.live = &st;
    if (reads_stdin_only(o) && isatty(STDIN_FILENO)) {
        /* review 65: with no FILE it waited on the terminal without a word */
        msg_info(msgs, "reading records from standard input, a terminal: paste them and end "
                       "with Ctrl-D, or give FILE (--help)");
    }
    sinks.progress = !o->no_progress && o->verbosity >= 0 && isatty(STDERR_FILENO);
    if (sinks.progress) {
        progress_init(&sinks.prog, msgs, o->dry_run, o->files, o->nfiles,
                      o->has_resume_from ? (uint64_t)o->resume_from : 0);
    }
    fill_config(&cfg, o, &cred, msgs, &sinks, stream_open ? &stream_src : NULL);
    cfg.redrive = redrive_cfg;
    cfg.input.resume_in = resume_place.in; /* resume_check() read the file */
    /* a stop in the check: a run that stopped before its first read, and ends as any does
       (the response, the summary, the lines), with the offset, not checked, to continue */
    run_rc = check_stopped ? a2a_run_stopped_in_check(&cfg.input, &st) : a2a_run(&cfg, &resp, &st);
    if (sinks.progress) {
        messages_progress(msgs, NULL);
    }
    messages_finish(msgs); /* the counts of repeated reasons, before the run's own lines */
    if ((run_rc != 0 || st.input_error || st.input_unread) && st.err.msg[0] != '\0') {
        const char *flag = options_error_flag(o, st.err.code);
        msg_error(msgs, "%s%s%s%s", flag, flag[0] != '\0' ? ": " : "", st.err.msg,
                  limit_option(st.input_limit));
    }
    if (run_rc != 0 && (st.err.code == A2A_E_CONFIG || st.err.code == A2A_E_CONFIG_URL)) {
        rc = EXIT_USAGE; /* refused before anything was read or sent */
        goto out;
    }
    rc = exit_code(&st, run_rc != 0, stream_ranges(stream_open ? &stream : NULL, &ranges));
    say_empty_stdin(msgs, o, &st, stream_open);
    /* An input error before any record was read leaves stdout empty: nothing to report.
       Once one was read, it must be in the response, acknowledged or listed. */
    keep_outputs = rc != EXIT_INPUT || st.records > 0;
    if (keep_outputs) {
        response_ok = write_response(o, sinks.response_file.f, &resp, &err) == 0;
    }
    if (keep_outputs && !response_ok) {
        msg_error(msgs, "%s", err.msg);
        note_unwritten(&sinks, o->output != NULL ? "-o" : "stdout");
    }
    summary = run_rc == 0;
    summary_due = 1;
    if (stream_open) {
        report_read_again(&sinks, o, argv, &stream, &again);
    }
    resume_cmd = report_resume(&sinks, o, argv, &st,
                               st.streams_unanswered ||
                                   (stream_open && !a2a_streams_client_answered(stream.client)));
    if (resume_cmd != NULL || (stream_open && stream.nunread > 0)) {
        resume_say_redacted(msgs, o);
    }
out:
    close_sinks(&sinks, keep_outputs, response_ok); /* failures noted */
    if (keep_outputs && !response_ok) {
        say_not_replaced(&sinks, &sinks.response_file);
    }
    if (redrive_out_close(&redrive) != 0) {
        note_unwritten(&sinks, "--report");
    }
    if (stream_open && stream.write_error) {
        msg_error(msgs, "writing --report failed");
        note_unwritten(&sinks, "--report");
    }
    /* what the run did is not all written down: said before anything but a usage error */
    rc = sinks.nunwritten > 0 && rc != EXIT_USAGE ? EXIT_OUTPUT : rc;
    if (close_summary(&sinks, o, &st, stream_ranges(stream_open ? &stream : NULL, &ranges), rc,
                      resume_cmd, &again, summary_due) != 0) {
        rc = rc != EXIT_USAGE ? EXIT_OUTPUT : rc;
    }
    if (summary) {
        redrive_out_summary(&redrive, &st, o->dry_run, sinks.acked_file.failed);
        summarize(msgs, &st, o->dry_run, o, stream_ranges(stream_open ? &stream : NULL, &ranges),
                  gave_credentials, !sinks.failed_file.failed && !sinks.write_error);
    }
    free(resume_cmd);
    read_again_free(&again); /* before the stream input it borrows from */
    if (stream_open) {
        stream_input_close(&stream);
    }
    a2a_response_free(&resp);
    a2a_run_stats_free(&st);
    progress_free(&sinks.prog);
    credentials_free(&cred);
    return rc;
}

/*
 * Keeps descriptors 0, 1 and 2 taken, so that no file opened later (--report, --failed-out,
 * -o) lands on one of them. A closed one gets /dev/null opened the wrong way round, so that
 * using it still fails as it would have.
 */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    }
}

/*
 * The --log-format a refused command line asked for (its last one before "--"): a usage error
 * is a message like any other, and a consumer of JSON lines must be able to read it.
 */
static enum log_format log_format_in_argv(int argc, char **argv)
{
    enum log_format format = LOG_TEXT;

    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc) {
            value = argv[++i];
        } else if (strncmp(argv[i], "--log-format=", 13) == 0) {
            value = argv[i] + 13;
        }
        if (value != NULL) {
            format = strcmp(value, "json") == 0 ? LOG_JSON : LOG_TEXT;
        }
    }
    return format;
}

int main(int argc, char **argv)
{
    struct options o;
    struct messages msgs = {.format = LOG_TEXT};
    struct a2a_error err = {.code = A2A_OK};
    int curl_started = 0;
    int rc = EXIT_USAGE;

    reserve_std_fds();
    if (options_parse(&o, argc, argv, &err) != 0) {
        msgs.format = log_format_in_argv(argc, argv);
        msg_error(&msgs, "%s", err.msg);
        if (msgs.format == LOG_TEXT) {
            fputs("Try 'a2a-recover --help' for more information.\n", stderr);
        }
        goto out;
    }
    if (o.help || o.version) {
        const char *library = NULL;

        if (o.help) {
            options_usage(stdout);
        } else if ((library = a2a_dispatch_library_version(&err)) != NULL) {
            printf("a2a-recover %s (%s)\n", A2A_VERSION, library);
        } else { /* a health check must not pass when every run that calls would stop */
            printf("a2a-recover %s\n", A2A_VERSION);
        }
        rc = fflush(stdout) == 0 ? EXIT_ALL_DONE : EXIT_OUTPUT;
        if (o.version && library == NULL) {
            fprintf(stderr, "a2a-recover: %s\n", err.msg);
            rc = EXIT_INPUT;
        }
        goto out;
    }
    msgs.format = o.log_format;
    msgs.verbosity = o.verbosity;
    install_signals();
    if (deadline_arm(o.max_time_ms) != 0) {
        msg_error(&msgs, "--max-time: cannot set a timer: %s", strerror(errno));
        rc = EXIT_INPUT;
        goto out;
    }
    /* A dry run calls nobody: libcurl is not even opened (core/curl_loader.c), which spares
       each such run the start-up of libcurl and the libraries under it. A stream is read
       through libcurl even then. */
    if (!o.dry_run || o.stream.arn != NULL) {
        if (a2a_dispatch_global_init(&err) != 0) {
            msg_error(&msgs, "%s", err.msg);
            rc = EXIT_INPUT;
            goto out;
        }
        curl_started = 1;
    }
    rc = run(&o, argv, &msgs);
out:
    if (curl_started) {
        a2a_dispatch_global_cleanup();
    }
    options_free(&o);
    return rc;
}
