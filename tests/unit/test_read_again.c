/*
 * cli/read_again.h: the ranges a stream run left unreadable but not lost, grouped into the
 * commands that read them again. Each row is one list of unread ranges and the commands,
 * lines and JSON it must give; a range in the wrong command, or a command that reads from
 * the wrong place, fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "read_again.h"

#define ARN "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-11-01T00:00:00.000"

static char *argv_run[] = {"a2a-recover", "-n",           "--stream", ARN,
                           "--report",    "r.ndjson",     "--shard",  "s-1",
                           "--shard",     "s-2",          "--shard",  "s-3",
                           "--from",      "trim-horizon", "--to",     "700000000000000000099",
                           NULL};

static void parse(struct options *o)
{
    struct a2a_error err = {.code = A2A_OK};
    int argc = (int)(sizeof(argv_run) / sizeof(argv_run[0])) - 1;

    assert_int_equal(options_parse(o, argc, argv_run, &err), 0);
}

/* An unread list as stream_opts.c keeps it: the strings are the list's own. */
static void keep(struct stream_input *si, const char *shard, const char *from)
{
    si->unread = realloc(si->unread, (si->nunread + 1) * sizeof(*si->unread));
    assert_non_null(si->unread);
    si->unread[si->nunread].shard_id = shard != NULL ? strdup(shard) : NULL;
    si->unread[si->nunread].from = strdup(from);
    si->nunread++;
}

static void drop(struct stream_input *si)
{
    for (size_t i = 0; i < si->nunread; i++) {
        free(si->unread[i].shard_id);
        free(si->unread[i].from);
    }
    free(si->unread);
}

/* What each test builds: the options, the unread list, the commands, their JSON. */
struct fixture {
    struct options o;
    struct stream_input si;
    struct read_again_list l;
    struct a2a_buf json;
};

static void begin(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    parse(&f->o);
}

/* Builds the commands and their JSON (NUL-terminated); checks both succeed. */
static void build(struct fixture *f)
{
    assert_int_equal(read_again_build(&f->l, &f->si, &f->o, argv_run), 0);
    assert_int_equal(read_again_put_json(&f->json, &f->l), 0);
    assert_int_equal(a2a_buf_putc(&f->json, '\0'), 0);
}

/* What read_again_print() says of the list (owned by the caller). */
static char *printed(const struct read_again_list *l)
{
    struct messages m;
    char *text = NULL;
    size_t len = 0;

    memset(&m, 0, sizeof(m));
    m.out = open_memstream(&text, &len);
    assert_non_null(m.out);
    m.format = LOG_TEXT;
    read_again_print(&m, l);
    fclose(m.out);
    return text;
}

static void end(struct fixture *f)
{
    a2a_buf_free(&f->json);
    read_again_free(&f->l);
    drop(&f->si);
    options_free(&f->o);
}

/* Ranges unread from their start share one command; a part after a record read has its own,
   the run's --to kept, --shard and --from replaced, outputs renamed apart. */
static void test_one_command_a_start(void **state)
{
    struct fixture f;
    char *text;

    (void)state;
    begin(&f);
    keep(&f.si, "s-1", "trim-horizon");
    keep(&f.si, "s-2", "after:700000000000000000007");
    keep(&f.si, "s-3", "trim-horizon");
    keep(&f.si, "s-3", "trim-horizon"); /* reported twice: read once */
    build(&f);
    assert_int_equal(f.l.n, 2);
    assert_int_equal(f.l.items[0].nshards, 2);
    assert_string_equal(f.l.items[0].command,
                        "a2a-recover -n --stream " ARN " --report r.read-again.ndjson --to "
                        "700000000000000000099 --shard s-1 --shard s-3 --from trim-horizon");
    assert_string_equal(f.l.items[1].command,
                        "a2a-recover -n --stream " ARN " --report r.read-again-2.ndjson --to "
                        "700000000000000000099 --shard s-2 --from after:700000000000000000007");
    assert_non_null(strstr(f.json.data,
                           "[{\"shardIds\":[\"s-1\",\"s-3\"],\"from\":\"trim-horizon\","
                           "\"exact\":true,\"command\":\"a2a-recover -n"));
    assert_non_null(strstr(f.json.data, "},{\"shardIds\":[\"s-2\"],\"from\":\"after:"));
    text = printed(&f.l);
    /* review 64: the line named no --to, as if the shards were unread to their ends */
    assert_non_null(strstr(text, "UNREAD: 2 shards (s-1, s-3), from trim-horizon to "
                                 "700000000000000000099\n"));
    assert_non_null(strstr(text, "UNREAD: shard s-2, from after:700000000000000000007 to "
                                 "700000000000000000099\n"));
    free(text);
    end(&f);
}

/* The stream could not be listed: the same command again, outputs renamed; at latest, the
   command is not the same place, and says so. */
static void test_whole_stream_and_latest(void **state)
{
    struct fixture f;

    (void)state;
    begin(&f);
    keep(&f.si, NULL, "trim-horizon");
    keep(&f.si, "s-9", "latest");
    build(&f);
    assert_int_equal(f.l.n, 2);
    assert_int_equal(f.l.items[0].nshards, 0);
    assert_string_equal(f.l.items[0].command,
                        "a2a-recover -n --stream " ARN " --report r.read-again.ndjson --shard s-1 "
                        "--shard s-2 --shard s-3 --from trim-horizon --to 700000000000000000099");
    assert_non_null(strstr(f.json.data, "[{\"shardIds\":null,\"from\":\"trim-horizon\""));
    assert_non_null(
        strstr(f.json.data, "{\"shardIds\":[\"s-9\"],\"from\":\"latest\",\"exact\":false"));
    end(&f);
}

/* Nothing unread: nothing built, and the JSON is an empty array. */
static void test_nothing_unread(void **state)
{
    struct fixture f;

    (void)state;
    begin(&f);
    build(&f);
    assert_int_equal(f.l.n, 0);
    assert_string_equal(f.json.data, "[]");
    end(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_command_a_start),
        cmocka_unit_test(test_whole_stream_and_latest),
        cmocka_unit_test(test_nothing_unread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
