/*
 * streams_probe: reads a DynamoDB stream (or some shards, or a range) through the core's
 * Streams client and prints what it got as JSON lines, for the integration tests. Not
 * installed; the real command line is a2a-recover's.
 *
 *   streams_probe --stream ARN [--shard ID]... [--from POS] [--to SEQ] [--endpoint-url URL]
 *                 [--profile NAME] [--idle MS] [--poll MS] [--pages FILE] [--creds]
 *
 * stdout: {"page":{...}} per page, {"record":{"shard","seq"}} per record in range,
 * {"end":{...}} per shard, or {"error":{"cause","message"}}. --creds prints the credential
 * source and key id (never the secret) and stops. Exit: 0, 6 unreadable, 1 other failure,
 * 2 usage.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams_client.h"

#define SHARDS_MAX 64

static const char *const cause_names[] = {
    "none",        "trimmed", "not-found", "denied",   "rejected",
    "credentials", "retries", "transport", "protocol", "interrupted",
};

struct probe {
    struct a2a_streams_config cfg;
    const char *shards[SHARDS_MAX];
    size_t nshards;
    struct a2a_start start;
    const char *to;
    FILE *pages;
};

static void print_records(const char *shard, const struct a2a_stream_page *page)
{
    cJSON *doc = cJSON_ParseWithLength(page->bytes, page->len);
    const cJSON *rec;
    size_t n = 0;

    cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(doc, "Records"))
    {
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(rec, "dynamodb"), "SequenceNumber");
        if (n++ >= page->records_in_range) {
            break;
        }
        printf("{\"record\":{\"shard\":\"%s\",\"seq\":\"%s\"}}\n", shard,
               cJSON_IsString(seq) ? seq->valuestring : "");
    }
    cJSON_Delete(doc);
}

static int print_error(const char *shard, const struct a2a_stream_error *e)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *inner = cJSON_AddObjectToObject(doc, "error");
    char *text;

    cJSON_AddStringToObject(inner, "shard", shard != NULL ? shard : "");
    cJSON_AddStringToObject(inner, "cause", cause_names[e->cause]);
    cJSON_AddStringToObject(inner, "aws", e->aws_name);
    cJSON_AddStringToObject(inner, "message", e->err.msg);
    text = cJSON_PrintUnformatted(doc);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(doc);
    return e->cause != A2A_STREAM_CAUSE_NONE ? 6 : 1;
}

static int read_shard(struct probe *p, struct a2a_streams_client *c, const char *shard, int closed)
{
    struct a2a_shard_range range = {shard, p->start, p->to, closed, 0, 0};
    struct a2a_shard_reader *r = NULL;
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    struct a2a_stream_page page;
    const struct a2a_shard_reader_stats *st;
    enum a2a_read_status got;
    int lost = 0;

    if (a2a_shard_reader_open(c, &range, &r, &e.err) != 0) {
        return print_error(shard, &e);
    }
    while ((got = a2a_shard_reader_next(r, &page, &e)) == A2A_READ_PAGE || got == A2A_READ_LOST) {
        if (got == A2A_READ_LOST) {
            printf("{\"lost\":{\"shard\":\"%s\",\"through\":\"%s\"}}\n", shard, e.lost_end);
            lost = 1;
            e = (struct a2a_stream_error){{0}, 0, "", 0, ""};
            continue;
        }
        printf("{\"page\":{\"shard\":\"%s\",\"records\":%zu,\"in_range\":%zu,\"first\":\"%s\","
               "\"last\":\"%s\",\"bytes\":%zu}}\n",
               shard, page.records, page.records_in_range, page.first_seq, page.last_seq, page.len);
        print_records(shard, &page);
        if (p->pages != NULL) {
            fwrite(page.bytes, 1, page.len, p->pages);
            fputc('\n', p->pages);
        }
    }
    st = a2a_shard_reader_stats(r);
    printf("{\"end\":{\"shard\":\"%s\",\"get_records\":%llu,\"empty_pages\":%llu,"
           "\"iterators\":%llu,\"expired\":%llu,\"retries\":%llu,\"records\":%llu}}\n",
           shard, (unsigned long long)st->get_records, (unsigned long long)st->empty_pages,
           (unsigned long long)st->iterators, (unsigned long long)st->expired,
           (unsigned long long)st->retries, (unsigned long long)st->records);
    a2a_shard_reader_free(&r);
    return got == A2A_READ_ERROR ? print_error(shard, &e) : lost ? 6 : 0;
}

static int read_all(struct probe *p, struct a2a_streams_client *c)
{
    struct a2a_shard_list l = {NULL, 0};
    struct a2a_stream_error e = {{0}, 0, "", 0, ""};
    int rc = 0;

    if (p->nshards > 0) {
        for (size_t i = 0; i < p->nshards && rc == 0; i++) {
            rc = read_shard(p, c, p->shards[i], 0);
        }
        return rc;
    }
    if (a2a_streams_describe(c, &l, &e) != 0) {
        return print_error(NULL, &e);
    }
    for (size_t i = 0; i < l.count && rc == 0; i++) {
        rc = read_shard(p, c, l.shards[i].shard_id, l.shards[i].ending_seq != NULL);
    }
    a2a_shard_list_free(&l);
    return rc;
}

static int show_creds(struct probe *p)
{
    struct a2a_creds_config cc = {p->cfg.profile, p->cfg.env, 0, 0, NULL};
    struct a2a_aws_creds creds;
    struct a2a_error err = {0};

    if (a2a_aws_creds_resolve(&cc, &creds, &err) != 0) {
        printf("{\"creds_error\":\"%s\"}\n", err.msg);
        return 6;
    }
    printf("{\"creds\":{\"source\":\"%s\",\"key\":\"%s\",\"token\":%s,\"expires\":%lld}}\n",
           creds.source, creds.access_key_id, creds.session_token != NULL ? "true" : "false",
           (long long)creds.expiration);
    a2a_aws_creds_clear(&creds);
    return 0;
}

static int parse_args(struct probe *p, int argc, char **argv, int *creds_only)
{
    static const struct option opts[] = {
        {"stream", required_argument, NULL, 's'},
        {"shard", required_argument, NULL, 'S'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},
        {"endpoint-url", required_argument, NULL, 'e'},
        {"profile", required_argument, NULL, 'p'},
        {"idle", required_argument, NULL, 'i'},
        {"poll", required_argument, NULL, 'P'},
        {"pages", required_argument, NULL, 'o'},
        {"creds", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct a2a_error err = {0};
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's':
            p->cfg.stream_arn = optarg;
            break;
        case 'S':
            if (p->nshards == SHARDS_MAX) {
                return -1;
            }
            p->shards[p->nshards++] = optarg;
            break;
        case 'f':
            if (a2a_start_parse(optarg, &p->start, &err) != 0) {
                fprintf(stderr, "%s\n", err.msg);
                return -1;
            }
            break;
        case 't':
            p->to = optarg;
            break;
        case 'e':
            p->cfg.endpoint_url = optarg;
            break;
        case 'p':
            p->cfg.profile = optarg;
            break;
        case 'i':
            p->cfg.idle_ms = atol(optarg);
            break;
        case 'P':
            p->cfg.poll_interval_ms = atol(optarg);
            break;
        case 'o':
            p->pages = fopen(optarg, "w");
            if (p->pages == NULL) {
                return -1;
            }
            break;
        case 'c':
            *creds_only = 1;
            break;
        default:
            return -1;
        }
    }
    return optind == argc && (p->cfg.stream_arn != NULL || *creds_only) ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct probe p;
    struct a2a_streams_client *c = NULL;
    struct a2a_error err = {0};
    int creds_only = 0;
    int rc;

    memset(&p, 0, sizeof(p));
    p.cfg.env = a2a_env_process();
    if (parse_args(&p, argc, argv, &creds_only) != 0) {
        fprintf(stderr, "usage: streams_probe --stream ARN [--shard ID]... [--from POS] "
                        "[--to SEQ] [--endpoint-url URL] [--profile NAME] [--idle MS] "
                        "[--poll MS] [--pages FILE] [--creds]\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (creds_only) {
        rc = show_creds(&p);
    } else if (a2a_streams_client_new(&p.cfg, &c, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = 2;
    } else {
        rc = read_all(&p, c);
    }
    a2a_streams_client_free(&c);
    if (p.pages != NULL) {
        fclose(p.pages);
    }
    curl_global_cleanup();
    fflush(stdout);
    return rc;
}
