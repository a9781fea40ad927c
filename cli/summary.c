#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "jsonstr.h"
#include "resume.h"

#define PROGRESS_EVERY_MS 200

/* The kinds of failure, in the order the summary names them. */
static const struct {
    enum a2a_outcome outcome;
    const char *text; /* summary line */
    const char *json; /* --summary-json member of "failures" */
} kinds[] = {
    {A2A_OUT_TRANSIENT, "transient after retries", "transient"},
    {A2A_OUT_PARSE_ERROR, "unparseable", "unparseable"},
    {A2A_OUT_REJECTED, "refused", "refused"},
    {A2A_OUT_INTERRUPTED, "interrupted", "interrupted"},
    {A2A_OUT_ABANDONED, "abandoned in flight", "abandoned"},
    {A2A_OUT_NOT_ATTEMPTED, "not attempted", "notAttempted"},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Ranges not read in full, of the --stream input and of the redrive's pointers. */
static uint64_t ranges_unreadable(const struct a2a_run_stats *st,
                                  const struct summary_ranges *stream)
{
    return st->ranges_unreadable + (stream != NULL ? stream->unreadable : 0);
}

/* Input left unread: a range cut short leaves records unread as an input error does. */
static int incomplete(const struct a2a_run_stats *st, const struct summary_ranges *stream)
{
    return st->input_error || st->input_unread || st->range_unread || st->resume.valid ||
           ranges_unreadable(st, stream) > 0;
}

/* " (by kind: 2 unparseable, 1 refused)", or nothing when nothing failed. */
static void put_kinds(struct a2a_buf *b, const struct a2a_run_stats *st)
{
    int first = 1;

    for (size_t i = 0; i < NKINDS; i++) {
        uint64_t n = st->by_outcome[kinds[i].outcome];
        if (n == 0) {
            continue;
        }
        a2a_buf_puts(b, first ? " (by kind: " : ", ");
        a2a_buf_put_u64(b, n);
        a2a_buf_putc(b, ' ');
        a2a_buf_puts(b, kinds[i].text);
        first = 0;
    }
    if (!first) {
        a2a_buf_putc(b, ')');
    }
}

void summary_print(struct messages *m, const struct a2a_run_stats *st,
                   const struct summary_ranges *stream, int dry_run, const char *extra)
{
    struct a2a_buf b = {NULL, 0, 0};
    double secs = (double)st->elapsed_ms / 1000.0;
    char tail[96];

    a2a_buf_puts(&b, incomplete(st, stream) ? "INCOMPLETE: " : "");
    a2a_buf_puts(&b, dry_run ? "dry run: " : "");
    a2a_buf_put_u64(&b, st->records);
    a2a_buf_puts(&b, st->records == 1 ? " record: " : " records: ");
    a2a_buf_put_u64(&b, st->skipped);
    if (dry_run) {
        a2a_buf_puts(&b, " skipped, ");
        a2a_buf_put_u64(&b, st->would_dispatch);
        a2a_buf_puts(&b, " would dispatch, ");
    } else {
        a2a_buf_puts(&b, " skipped, ");
        a2a_buf_put_u64(&b, st->acknowledged);
        a2a_buf_puts(&b, " acknowledged (");
        a2a_buf_put_u64(&b, st->task_deleted);
        a2a_buf_puts(&b, " task deleted), ");
    }
    a2a_buf_put_u64(&b, st->failed);
    a2a_buf_puts(&b, " failed, ");
    a2a_buf_put_u64(&b, st->unreportable);
    a2a_buf_puts(&b, " unreportable");
    put_kinds(&b, st);
    if (st->retries > 0) {
        /* calls made again: why a run took longer than its records say */
        a2a_buf_puts(&b, "; ");
        a2a_buf_put_u64(&b, st->retries);
        a2a_buf_puts(&b, st->retries == 1 ? " retry" : " retries");
    }
    a2a_buf_puts(&b, extra);
    if (st->elapsed_ms > 0 && st->records > 0) {
        double rate = (double)st->records / secs;
        /* two significant digits under 10: a slow stream's 0.2 records/s is not "0" */
        snprintf(tail, sizeof(tail),
                 rate < 10 ? "; %.3f s, %.2g records/s" : "; %.3f s, %.0f records/s", secs, rate);
    } else {
        snprintf(tail, sizeof(tail), "; %.3f s", secs); /* no rate to speak of */
    }
    a2a_buf_puts(&b, tail);
    a2a_buf_putc(&b, '\0');
    if (incomplete(st, stream)) {
        /* The line a consumer checks for: -q does not hide it. */
        msg_info_always(m, "%s", b.data != NULL ? b.data : "out of memory");
    } else {
        msg_info(m, "%s", b.data != NULL ? b.data : "out of memory");
    }
    a2a_buf_free(&b);
}

static void put_count(struct a2a_buf *b, const char *name, uint64_t n)
{
    a2a_buf_puts(b, name);
    a2a_buf_put_u64(b, n);
}

int summary_write_json(FILE *out, const struct a2a_run_stats *st,
                       const struct summary_ranges *stream, int dry_run, int exit_status,
                       const struct summary_after *after)
{
    static const struct summary_after nothing = {NULL, NULL, NULL, 0};
    struct a2a_buf b = {NULL, 0, 0};
    int rc = 0;

    a2a_buf_puts(&b, incomplete(st, stream) ? "{\"complete\":false" : "{\"complete\":true");
    put_count(&b, ",\"exitStatus\":", (uint64_t)exit_status);
    a2a_buf_puts(&b, dry_run ? ",\"dryRun\":true" : ",\"dryRun\":false");
    put_count(&b, ",\"records\":", st->records);
    put_count(&b, ",\"skipped\":", st->skipped);
    put_count(&b, ",\"acknowledged\":", st->acknowledged);
    put_count(&b, ",\"taskDeleted\":", st->task_deleted);
    put_count(&b, ",\"wouldDispatch\":", st->would_dispatch);
    put_count(&b, ",\"failed\":", st->failed);
    put_count(&b, ",\"unreportable\":", st->unreportable);
    a2a_buf_puts(&b, ",\"failures\":{");
    for (size_t i = 0; i < NKINDS; i++) {
        a2a_buf_puts(&b, i > 0 ? ",\"" : "\"");
        a2a_buf_puts(&b, kinds[i].json);
        put_count(&b, "\":", st->by_outcome[kinds[i].outcome]);
    }
    a2a_buf_putc(&b, '}');
    put_count(&b, ",\"dispatched\":", st->dispatched);
    put_count(&b, ",\"retries\":", st->retries);
    put_count(&b, ",\"rangesRead\":", st->ranges_read + (stream != NULL ? stream->read : 0));
    put_count(&b, ",\"rangesUnreadable\":", ranges_unreadable(st, stream));
    put_count(&b, ",\"messages\":", st->messages);
    put_count(&b, ",\"messagesAcked\":", st->messages_acked);
    put_count(&b, ",\"messageErrors\":", st->message_errors);
    put_count(&b, ",\"messagesNotFinished\":", st->messages_cut);
    put_count(&b, ",\"messagesRecordsFailed\":", st->messages_records_failed);
    put_count(&b, ",\"duplicates\":", st->duplicates);
    put_count(&b, ",\"warnings\":", st->warnings);
    put_count(&b, ",\"elapsedMs\":", (uint64_t)(st->elapsed_ms > 0 ? st->elapsed_ms : 0));
    after = after != NULL ? after : &nothing;
    a2a_buf_puts(&b, ",\"resumePoint\":");
    if (st->resume.valid) {
        rc |= resume_put_json(&b, &st->resume, after->command);
    } else {
        a2a_buf_puts(&b, "null");
    }
    a2a_buf_puts(&b, ",\"readAgain\":");
    if (after->again != NULL) {
        rc |= read_again_put_json(&b, after->again);
    } else {
        a2a_buf_puts(&b, "[]");
    }
    a2a_buf_puts(&b, ",\"outputsNotWritten\":[");
    for (size_t i = 0; i < after->nunwritten; i++) {
        rc |= i > 0 ? a2a_buf_putc(&b, ',') : 0;
        rc |= a2a_json_put_string(&b, after->unwritten[i], strlen(after->unwritten[i]));
    }
    a2a_buf_putc(&b, ']');
    rc |= a2a_buf_puts(&b, "}\n");
    if (rc != 0 || fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0) {
        rc = -1;
    }
    a2a_buf_free(&b);
    return rc;
}

/* ---- progress ---------------------------------------------------------------------------- */

void progress_init(struct progress *p, struct messages *m, int dry_run, const char *const *files,
                   size_t nfiles, uint64_t start_offset)
{
    memset(p, 0, sizeof(*p));
    p->msgs = m;
    p->dry_run = dry_run;
    p->start_ms = a2a_now_ms();
    p->start_offset = start_offset;
    if (nfiles == 0) {
        return; /* standard input: no total */
    }
    p->sizes = calloc(nfiles, sizeof(*p->sizes));
    if (p->sizes == NULL) {
        return;
    }
    for (size_t i = 0; i < nfiles; i++) {
        struct stat st;
        if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p->sizes);
            p->sizes = NULL;
            return;
        }
        p->sizes[i] = (uint64_t)st.st_size;
    }
    p->nsizes = nfiles;
}

void progress_count(struct progress *p, enum a2a_outcome outcome)
{
    p->done++;
    if (outcome == A2A_OUT_ACKNOWLEDGED || outcome == A2A_OUT_TASK_DELETED ||
        outcome == A2A_OUT_WOULD_DISPATCH) {
        p->acked++;
    } else if (a2a_outcome_failed(outcome)) {
        p->failed++;
    }
}

/* "1:05" or "2:01:05". */
static void put_duration(char *dst, size_t cap, int64_t ms)
{
    long long s = ms / 1000;

    if (s >= 3600) {
        snprintf(dst, cap, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    } else {
        snprintf(dst, cap, "%lld:%02lld", s / 60, s % 60);
    }
}

/* "; 41% of 730.2 MB read, ETA 1:32" for regular files, "; all of 730.2 MB read" once read
   to the end, else nothing. */
static void put_bytes_part(char *dst, size_t cap, const struct progress *p,
                           const struct a2a_run_stats *live, int64_t elapsed)
{
    uint64_t total = 0;
    uint64_t done = 0;
    char eta[32] = "--:--";

    dst[0] = '\0';
    if (p->nsizes == 0 || live->input_index >= p->nsizes) {
        return;
    }
    for (size_t i = 0; i < p->nsizes; i++) {
        total += p->sizes[i];
        done += i < live->input_index ? p->sizes[i] : 0;
    }
    done += live->input_offset;
    if (done > total) {
        done = total;
    }
    if (done >= total) {
        /* the calls still out are the rest: an ETA of 0:00 said the run was done (review 65) */
        snprintf(dst, cap, "; all of %.1f MB read", (double)total / 1e6);
        return;
    }
    if (done > p->start_offset && elapsed > 0) {
        double rate = (double)(done - p->start_offset) / (double)elapsed; /* bytes per ms */
        put_duration(eta, sizeof(eta), (int64_t)((double)(total - done) / rate));
    }
    snprintf(dst, cap, "; %.0f%% of %.1f MB read, ETA %s",
             total > 0 ? 100.0 * (double)done / (double)total : 100.0, (double)total / 1e6, eta);
}

void progress_draw(struct progress *p, const struct a2a_run_stats *live, int force)
{
    int64_t now = a2a_now_ms(); /* vDSO clock: cheap enough for every record */
    int64_t elapsed = now - p->start_ms;
    char bytes[96];
    char took[32];
    char line[320];

    if (!force && now - p->drawn_ms < PROGRESS_EVERY_MS) {
        return;
    }
    put_bytes_part(bytes, sizeof(bytes), p, live, elapsed);
    put_duration(took, sizeof(took), elapsed);
    /* Records read is a count so far, never a total: the input's length is not known. */
    snprintf(line, sizeof(line),
             "%llu done (%llu %s, %llu failed), %llu in flight, %llu read so far%s; %s elapsed, "
             "%.0f/s",
             (unsigned long long)p->done, (unsigned long long)p->acked,
             p->dry_run ? "would dispatch" : "acknowledged", (unsigned long long)p->failed,
             (unsigned long long)live->in_flight, (unsigned long long)live->records, bytes, took,
             elapsed > 0 ? (double)p->done * 1000.0 / (double)elapsed : 0.0);
    messages_progress(p->msgs, line);
    p->drawn_ms = now;
}

void progress_free(struct progress *p)
{
    free(p->sizes);
    p->sizes = NULL;
    p->nsizes = 0;
}
