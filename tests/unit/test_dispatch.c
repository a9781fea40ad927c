/*
 * dispatch.h through a2a_run: what happens when an engine thread cannot start a call. The
 * binary links with -Wl,--wrap=curl_easy_init (tests/unit/CMakeLists.txt), so a test can make
 * libcurl "run out of memory" for every new easy handle; no connection is ever made there.
 * And the pool's retry notes, against a loopback socket that never answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "batch.h"
#include "dispatch.h"
#include "response.h"
#include "sinks.h"

#define NRECORDS 200

CURL *__real_curl_easy_init(void);
CURL *__wrap_curl_easy_init(void);

/* Set before a run (before the engine threads start), read by them. */
static volatile int easy_init_fails;
static volatile long easy_init_delay_ms; /* how long the failure takes to come */

CURL *__wrap_curl_easy_init(void)
{
    if (easy_init_fails) {
        struct timespec ts = {0, easy_init_delay_ms * 1000000L};
        nanosleep(&ts, NULL);
        return NULL;
    }
    return __real_curl_easy_init();
}

struct seen {
    size_t n;
    size_t interrupted;
    size_t skipped;
    size_t other;
    uint64_t next_position;
    int in_order;
    char reason[A2A_REASON_MAX];
};

static void on_result(void *ctx, const struct a2a_result *res)
{
    struct seen *s = ctx;

    s->in_order &= res->position == s->next_position;
    s->next_position++;
    s->n++;
    if (res->outcome == A2A_OUT_INTERRUPTED) {
        s->interrupted++;
        snprintf(s->reason, sizeof(s->reason), "%s", res->reason);
    } else if (res->outcome == A2A_OUT_SKIPPED) {
        s->skipped++;
    } else {
        s->other++;
    }
}

/* NRECORDS valid INSERTs, every tenth a MODIFY instead; SequenceNumbers 1..NRECORDS. */
static char *batch(size_t *len)
{
    size_t cap = NRECORDS * 256 + 64;
    char *s = malloc(cap);
    size_t n = 0;

    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "{\"Records\":[");
    for (int i = 1; i <= NRECORDS; i++) {
        n += (size_t)snprintf(
            s + n, cap - n,
            "%s{\"eventName\":\"%s\",\"dynamodb\":{\"SequenceNumber\":\"%d\",\"NewImage\":{"
            "\"tenant\":{\"S\":\"acme\"},\"taskId\":{\"S\":\"t%d\"},\"owner\":{\"S\":\"o\"},"
            "\"eventSequence\":{\"N\":\"1\"},\"recordedAtMicros\":{\"N\":\"2\"}}}}",
            i > 1 ? "," : "", i % 10 == 0 ? "MODIFY" : "INSERT", i, i);
    }
    n += (size_t)snprintf(s + n, cap - n, "]}");
    assert_true(n < cap);
    *len = n;
    return s;
}

/* Every record read is handed over, and every INSERT among them is listed, in input order. */
static void check_salvaged(const struct a2a_run_stats *st, const struct seen *seen,
                           const struct a2a_response *resp)
{
    char *text = response_text(resp);
    char want[NRECORDS * 32 + 64];
    size_t n = 0;

    assert_true(st->records >= 1);
    assert_int_equal(seen->n, st->records);
    assert_true(seen->in_order);
    assert_int_equal(seen->other, 0);
    assert_int_equal(seen->skipped, st->records / 10);
    assert_int_equal(seen->interrupted, st->records - st->records / 10);
    n += (size_t)snprintf(want + n, sizeof(want) - n, "{\"batchItemFailures\":[");
    for (uint64_t i = 1; i <= st->records; i++) {
        if (i % 10 != 0) {
            n += (size_t)snprintf(want + n, sizeof(want) - n, "%s{\"itemIdentifier\":\"%llu\"}",
                                  i > 1 ? "," : "", (unsigned long long)i);
        }
    }
    snprintf(want + n, sizeof(want) - n, "]}\n");
    assert_string_equal(text, want);
    free(text);
}

static void run_failing(unsigned concurrency, unsigned threads, size_t window, long delay_ms)
{
    struct a2a_run_config cfg;
    struct a2a_response resp;
    struct a2a_run_stats st;
    struct seen seen;
    size_t len;
    char *input = batch(&len);

    memset(&cfg, 0, sizeof(cfg));
    memset(&resp, 0, sizeof(resp));
    memset(&seen, 0, sizeof(seen));
    seen.in_order = 1;
    seen.next_position = 1; /* positions count from 1 */
    cfg.input.mem = input;
    cfg.input.mem_len = len;
    cfg.input.mem_name = "batch.json";
    cfg.input.max_record = (size_t)1 << 20;
    cfg.dispatch.url = "http://127.0.0.1:9/internal/push/redispatch";
    cfg.dispatch.timeout_ms = 1000;
    cfg.dispatch.connect_timeout_ms = 1000;
    cfg.dispatch.concurrency = concurrency;
    cfg.dispatch.threads = threads;
    cfg.dispatch.random_seed = 1;
    cfg.window = window;
    cfg.on_result = on_result;
    cfg.result_ctx = &seen;

    easy_init_fails = 1;
    easy_init_delay_ms = delay_ms;
    assert_int_equal(a2a_run(&cfg, &resp, &st), -1);
    easy_init_fails = 0;

    assert_int_equal(st.err.code, A2A_E_NOMEM);
    assert_non_null(strstr(st.err.msg, "cannot start an HTTP call"));
    assert_non_null(strstr(seen.reason, "the run stopped before a 2xx: cannot start an HTTP call"));
    check_salvaged(&st, &seen, &resp);
    a2a_run_stats_free(&st);
    a2a_response_free(&resp);
    free(input);
}

/* An engine that cannot start a call fails the run, but nothing read is left unlisted. */
static void test_failed_engine_thread_lists_every_record_read(void **state)
{
    (void)state;
    run_failing(8, 1, 0, 0);
}

static void test_failed_engine_threads_of_four_list_every_record_read(void **state)
{
    (void)state;
    run_failing(16, 4, 0, 0);
}

/* A window of 4 and a failure 200 ms late: it finds the reader waiting for a slot with the
 * fifth record in its hands, not yet in the window; that record must be listed too. */
static void test_record_waiting_for_a_slot_is_listed_too(void **state)
{
    (void)state;
    run_failing(2, 2, 4, 200);
}

/* A loopback port that takes connections into its backlog and never answers; its fd. */
static int silent_listener(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 256), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

struct notes_seen {
    size_t notes;
    uint64_t dropped;
    size_t done;
    size_t bad; /* a note with a wrong attempt count or no reason */
};

static void note_retry(void *ctx, const struct a2a_retry_note *note)
{
    struct notes_seen *seen = ctx;

    seen->notes++;
    seen->bad +=
        note->attempt != 1 || note->attempts != 2 || note->reason[0] == '\0' || note->user == NULL;
}

static void note_dropped(void *ctx, uint64_t dropped)
{
    ((struct notes_seen *)ctx)->dropped += dropped;
}

static void note_done(void *ctx, struct a2a_job *job)
{
    (void)job;
    ((struct notes_seen *)ctx)->done++;
}

/*
 * 100 calls time out at once and each will be made again: the caller, not pumping meanwhile,
 * is told of A2A_DISPATCH_NOTES_MAX of them and of how many more there were; none is lost
 * from the count.
 */
static void test_retry_notes_past_the_bound_are_counted(void **state)
{
    enum { NJOBS = 100 };
    static struct a2a_job jobs[NJOBS];
    static const char body[] = "{}";
    struct notes_seen seen = {0};
    struct a2a_dispatch_hooks hooks = {note_done, note_retry, note_dropped, &seen};
    struct a2a_log log = {NULL, NULL};
    struct a2a_error err = {.code = A2A_OK};
    struct a2a_dispatch *d;
    char url[64];
    int port;
    int fd = silent_listener(&port);
    struct a2a_dispatch_config cfg = {
        .url = url,
        .timeout_ms = 200,
        .connect_timeout_ms = 1000,
        .retries = 1,
        .concurrency = NJOBS,
        .random_seed = 1,
    };

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/internal/push/redispatch", port);
    assert_int_equal(a2a_dispatch_new(&d, &cfg, &log, &hooks, &err), 0);
    for (size_t i = 0; i < NJOBS; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].user = &jobs[i];
        assert_int_equal(a2a_buf_append(&jobs[i].req.body, body, sizeof(body) - 1), 0);
        assert_int_equal(a2a_buf_append(&jobs[i].req.idem_header, "Idempotency-Key: k", 19), 0);
        a2a_dispatch_add(d, &jobs[i]);
    }
    sleep(2); /* every first attempt times out meanwhile, unheard (under valgrind too) */
    while (a2a_dispatch_pending(d) > 0) {
        assert_int_equal(a2a_dispatch_run(d, 50, -1, &err), 0);
    }
    assert_int_equal(seen.done, NJOBS);
    assert_int_equal(seen.notes + seen.dropped, NJOBS);
    assert_true(seen.notes >= A2A_DISPATCH_NOTES_MAX); /* the first hand-over's, and any later */
    assert_true(seen.dropped > 0);
    assert_int_equal(seen.bad, 0);
    a2a_dispatch_free(&d);
    for (size_t i = 0; i < NJOBS; i++) {
        a2a_job_release(&jobs[i]);
    }
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_engine_thread_lists_every_record_read),
        cmocka_unit_test(test_failed_engine_threads_of_four_list_every_record_read),
        cmocka_unit_test(test_record_waiting_for_a_slot_is_listed_too),
        cmocka_unit_test(test_retry_notes_past_the_bound_are_counted),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
