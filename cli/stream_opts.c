#include "stream_opts.h"

#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "env.h"
#include "jsonstr.h"
#include "secrets.h"
#include "seqnum.h"
#include "sinks.h"

#define SHARD_ID_MAX 100 /* DescribeStream's limit for a shard id */

static int refuse(struct a2a_error *err, const char *what, const char *arg)
{
    a2a_error_set(err, A2A_E_CONFIG, "%s: \"%.*s\" %s", what, 120, arg,
                  strlen(arg) > 120 ? "(cut) is refused" : "is refused");
    return -1;
}

static int add_shard(struct stream_options *so, const char *id, struct a2a_error *err)
{
    const char **grown;

    if (id[0] == '\0' || strlen(id) > SHARD_ID_MAX || strpbrk(id, " \t\r\n\"\\") != NULL) {
        return refuse(err, "--shard: not a shard id (1 to 100 characters, no spaces or quotes)",
                      id);
    }
    for (size_t i = 0; i < so->nshards; i++) {
        if (strcmp(so->shards[i], id) == 0) {
            /* read twice, its records would be dispatched twice */
            return refuse(err, "--shard: named twice (each shard is read once)", id);
        }
    }
    grown = realloc(so->shards, (so->nshards + 1) * sizeof(*so->shards));
    if (grown == NULL) {
        a2a_error_set(err, A2A_E_NOMEM, "out of memory");
        return -1;
    }
    so->shards = grown;
    so->shards[so->nshards++] = id;
    return 0;
}

int stream_opts_apply(struct stream_options *so, const char *name, const char *arg,
                      struct a2a_error *err)
{
    struct a2a_stream_arn arn;
    struct a2a_error why = {A2A_OK, ""};

    if (strcmp(name, "stream") == 0) {
        if (a2a_stream_arn_parse(arg, &arn, &why) != 0) {
            a2a_error_set(err, A2A_E_CONFIG, "--stream: %s", why.msg);
            return -1;
        }
        so->arn = arg;
        return 0;
    }
    if (strcmp(name, "shard") == 0) {
        return add_shard(so, arg, err);
    }
    if (strcmp(name, "from") == 0) {
        if (a2a_start_parse(arg, &so->from, &why) != 0) {
            return refuse(err,
                          "--from: expected trim-horizon, latest, at:SEQ or after:SEQ (SEQ "
                          "21 to 40 digits)",
                          arg);
        }
        so->from_text = arg;
        return 0;
    }
    if (strcmp(name, "to") == 0) {
        if (!a2a_seqnum_valid_str(arg)) {
            return refuse(err, "--to: not a sequence number (21 to 40 digits)", arg);
        }
        so->to = arg;
        return 0;
    }
    if (strcmp(name, "endpoint-url") == 0) {
        const char *fault = a2a_endpoint_url_fault(arg);
        if (fault == NULL && secrets_url_has_userinfo(arg)) {
            /* on the command line, a password shows in ps; SigV4 signs the calls anyway */
            fault = "a user name or password in the URL is refused";
        }
        if (fault != NULL) {
            char shown[160]; /* a password is never repeated */
            a2a_url_shown(arg, shown, sizeof(shown));
            a2a_error_set(err, A2A_E_CONFIG, "--endpoint-url: %s: \"%s\"", fault, shown);
            return -1;
        }
        so->endpoint_url = arg;
        return 0;
    }
    if (strcmp(name, "profile") == 0) {
        if (arg[0] == '\0' || strpbrk(arg, "[]\r\n") != NULL) {
            return refuse(err, "--profile: not a profile name", arg);
        }
        so->profile = arg;
        return 0;
    }
    a2a_error_set(err, A2A_E_INTERNAL, "internal: unknown stream option %s", name);
    return -1;
}

/*
 * A range that starts past its end would read nothing and report success: refused, so that
 * a mistyped bound is seen. Sequence numbers compare as integers (length, then digits).
 */
static int check_range(const struct stream_options *so, struct a2a_error *err)
{
    int cmp;

    if (so->to == NULL || so->from_text == NULL ||
        (so->from.kind != A2A_START_AT && so->from.kind != A2A_START_AFTER)) {
        return 0;
    }
    cmp = a2a_seqnum_cmp_str(so->from.seq, so->to);
    if (cmp > 0 || (cmp == 0 && so->from.kind == A2A_START_AFTER)) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "--from %.60s is past --to %.60s: the range holds no record (--to is the "
                      "last sequence number wanted, inclusive)",
                      so->from_text, so->to);
        return -1;
    }
    return 0;
}

int stream_opts_check(const struct stream_options *so, size_t nfiles, struct a2a_error *err)
{
    const char *orphan = NULL;

    if (so->arn != NULL) {
        if (nfiles > 0) {
            a2a_error_set(err, A2A_E_CONFIG,
                          "--stream reads the stream itself: FILE arguments are not allowed "
                          "with it");
            return -1;
        }
        if ((so->from.kind == A2A_START_AT || so->from.kind == A2A_START_AFTER) &&
            so->nshards != 1) {
            /* every other shard would refuse it, and be reported unreadable for nothing */
            a2a_error_set(err, A2A_E_CONFIG,
                          "--from %.60s needs one --shard ID: a sequence number is a place in "
                          "one shard (a stream has many, replaced every few hours)",
                          so->from_text);
            return -1;
        }
        return check_range(so, err);
    }
    if (so->nshards > 0) {
        orphan = "--shard";
    } else if (so->from_text != NULL) {
        orphan = "--from";
    } else if (so->to != NULL) {
        orphan = "--to";
    }
    /* --endpoint-url, --profile and --idle stand alone too: they apply to the ranges of the
       on-failure records in the input. */
    if (orphan != NULL) {
        a2a_error_set(err, A2A_E_CONFIG, "%s needs --stream ARN", orphan);
        return -1;
    }
    return 0;
}

void stream_opts_free(struct stream_options *so)
{
    free(so->shards);
    so->shards = NULL;
    so->nshards = 0;
}

/* ---- the run ---------------------------------------------------------------------------- */

/* Keeps a range a later run can read, for the commands that read it again (read_again.h). */
static void keep_unread(struct stream_input *si, const struct a2a_unreadable *u)
{
    struct stream_unread *grown;
    struct stream_unread kept = {NULL, NULL};

    /* a loss is gone whatever runs next; a lost start is read on */
    if (u->partial || u->lost) {
        return;
    }
    kept.from = strdup(u->start);
    kept.shard_id = u->shard_id != NULL ? strdup(u->shard_id) : NULL;
    grown = realloc(si->unread, (si->nunread + 1) * sizeof(*grown));
    if (kept.from == NULL || (u->shard_id != NULL && kept.shard_id == NULL) || grown == NULL) {
        free(kept.from);
        free(kept.shard_id);
        si->unread = grown != NULL ? grown : si->unread;
        si->unread_lost = 1;
        return;
    }
    si->unread = grown;
    si->unread[si->nunread++] = kept;
}

static void on_unreadable(void *ctx, const struct a2a_unreadable *u)
{
    struct stream_input *si = ctx;

    if (u->partial) {
        msg_error(si->msgs, "%s (%s: from %s through %s; the rest of the range is read on)",
                  u->error->msg, u->cause, u->start, u->end);
    } else if (u->records_read > 0 && u->shard_id != NULL && u->start != NULL) {
        /* where the unread part starts, as options: the report line was the only place */
        char shard[192], start[192], end[192];
        msg_error(
            si->msgs,
            "%s (%s; %llu records of the range were read before: the rest is read with "
            "--shard %s --from %s%s%s)",
            u->error->msg, u->cause, (unsigned long long)u->records_read,
            a2a_command_word(shard, sizeof(shard),
                             (struct a2a_str){u->shard_id, strlen(u->shard_id)}),
            a2a_command_word(start, sizeof(start), (struct a2a_str){u->start, strlen(u->start)}),
            u->end != NULL ? " --to " : "",
            u->end != NULL
                ? a2a_command_word(end, sizeof(end), (struct a2a_str){u->end, strlen(u->end)})
                : "");
    } else if (u->shard_id == NULL && u->records_read > 0) {
        /* the listing again, after a shard closed: what was read before is read again too */
        msg_error(si->msgs,
                  "%s (%s; %llu records of the stream were read before, from shards "
                  "listed before: reading the stream again from %s reads them again)",
                  u->error->msg, u->cause, (unsigned long long)u->records_read, u->start);
    } else if (u->shard_id == NULL || u->records_read == 0) {
        /* review 64: "0 records of the range were read before" of a stream never listed */
        msg_error(si->msgs, "%s (%s; no record of the %s was read)", u->error->msg, u->cause,
                  u->shard_id == NULL ? "stream" : "range");
    } else {
        msg_error(si->msgs, "%s (%s; %llu records of the range were read before)", u->error->msg,
                  u->cause, (unsigned long long)u->records_read);
    }
    if (si->report != NULL && a2a_report_write_unreadable(si->report, u, &si->line) != 0) {
        si->write_error = 1;
    }
    keep_unread(si, u);
}

void stream_opts_client_config(const struct stream_options *so, const volatile sig_atomic_t *cancel,
                               const struct a2a_log *log, struct a2a_streams_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->log = log;
    cfg->stream_arn = so->arn;
    cfg->endpoint_url = so->endpoint_url;
    cfg->profile = so->profile;
    cfg->env = a2a_env_process();
    cfg->cancel = cancel;
    cfg->idle_ms = so->idle_ms > 0 ? so->idle_ms : STREAM_IDLE_DEFAULT_MS;
}

int stream_input_open(struct stream_input *si, const struct stream_options *so,
                      const volatile sig_atomic_t *cancel, struct messages *msgs, FILE *report,
                      struct a2a_source *src, struct a2a_error *err)
{
    struct a2a_streams_config cfg;
    struct a2a_stream_source_config scfg;
    struct a2a_stream_range *ranges = NULL;
    int rc = -1;

    memset(si, 0, sizeof(*si));
    si->msgs = msgs;
    si->report = report;
    si->log = (struct a2a_log){messages_emit, msgs};
    stream_opts_client_config(so, cancel, &si->log, &cfg);
    if (a2a_streams_client_new(&cfg, &si->client, err) != 0) {
        return -1;
    }
    memset(&scfg, 0, sizeof(scfg));
    scfg.client = si->client;
    scfg.from = so->from;
    scfg.to = so->to;
    scfg.on_unreadable = on_unreadable;
    scfg.unreadable_ctx = si;
    if (so->nshards > 0) {
        /* The shards named, in the order named: each process of a per-shard fan-out reads
           its own, and no DescribeStream permission is needed. */
        ranges = calloc(so->nshards, sizeof(*ranges));
        if (ranges == NULL) {
            a2a_error_set(err, A2A_E_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < so->nshards; i++) {
            /* a shard named with --to must be read through it: an open one that idles first
               leaves the range unread (review 62), as a redriven range does */
            ranges[i] = (struct a2a_stream_range){so->shards[i], so->from, so->to, so->to != NULL};
        }
        scfg.ranges = ranges;
        scfg.nranges = so->nshards;
    }
    if (a2a_stream_source_open(&si->source, &scfg, err) != 0) {
        goto out;
    }
    a2a_stream_source(src, si->source);
    rc = 0;
out:
    free(ranges);
    return rc;
}

void stream_input_close(struct stream_input *si)
{
    a2a_stream_source_free(&si->source);
    a2a_streams_client_free(&si->client);
    a2a_buf_free(&si->line);
    for (size_t i = 0; i < si->nunread; i++) {
        free(si->unread[i].shard_id);
        free(si->unread[i].from);
    }
    free(si->unread);
    si->unread = NULL;
    si->nunread = 0;
}
