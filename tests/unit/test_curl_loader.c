/*
 * core/curl_loader.c: libcurl opened on first use, every call forwarded with its arguments
 * intact. Built twice: against the libcurl the build found, and (A2A_TEST_LIBCURL_MISSING)
 * with a soname no system has, where each call must fail as libcurl reports failure and
 * a2a_curl_load() must say why. No test here touches a network: file:// URLs only.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "curl_loader.h"

#ifndef A2A_TEST_LIBCURL_MISSING

/* A file of known bytes and its file:// URL. */
struct fixture {
    char path[64];
    char url[96];
};

static const char CONTENT[] = "0123456789abcdefghij";

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    int fd;

    assert_non_null(f);
    snprintf(f->path, sizeof f->path, "/tmp/a2a-curl-loader.XXXXXX");
    fd = mkstemp(f->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, CONTENT, sizeof CONTENT - 1), (ssize_t)(sizeof CONTENT - 1));
    close(fd);
    snprintf(f->url, sizeof f->url, "file://%s", f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    unlink(f->path);
    free(f);
    return 0;
}

struct sink {
    char data[64];
    size_t len;
};

static size_t to_sink(char *ptr, size_t size, size_t n, void *userdata)
{
    struct sink *s = userdata;
    size_t take = size * n;

    if (take > sizeof s->data - s->len) {
        take = sizeof s->data - s->len;
    }
    memcpy(s->data + s->len, ptr, take);
    s->len += take;
    return size * n;
}

/* 1 when the library is mapped into this process (RTLD_NOLOAD opens nothing). */
static int libcurl_mapped(void)
{
    void *h = dlopen(A2A_LIBCURL_SONAME, RTLD_NOW | RTLD_NOLOAD);

    if (h != NULL) {
        dlclose(h);
    }
    return h != NULL;
}

/* Giving back what libcurl made needs no libcurl when it made nothing yet: a dry run on its
 * way out must not load 30 libraries to free a NULL. Runs before anything opens it. */
static void test_cleanups_open_nothing(void **state)
{
    (void)state;
    assert_false(libcurl_mapped());
    curl_free(NULL);
    curl_slist_free_all(NULL);
    curl_url_cleanup(NULL);
    curl_easy_cleanup(NULL);
    assert_int_equal(curl_multi_cleanup(NULL), CURLM_BAD_HANDLE);
    curl_global_cleanup();
    assert_false(libcurl_mapped());
}

static pthread_barrier_t start_line;

/* The library is opened by whichever call comes first, on any thread: here four at once (TSan
 * checks this in scripts/test.sh), each with a list it made itself. */
static void *first_call(void *arg)
{
    struct curl_slist *list;

    pthread_barrier_wait(&start_line);
    list = curl_slist_append(NULL, arg);
    int ok = list != NULL && strcmp(list->data, arg) == 0;

    curl_slist_free_all(list);
    return ok ? arg : NULL;
}

static void test_first_calls_on_threads(void **state)
{
    static char lines[4][8] = {"A: 0", "A: 1", "A: 2", "A: 3"};
    pthread_t threads[4];

    (void)state;
    assert_false(libcurl_mapped());
    assert_int_equal(pthread_barrier_init(&start_line, NULL, 4), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, first_call, lines[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *got = NULL;

        assert_int_equal(pthread_join(threads[i], &got), 0);
        assert_ptr_equal(got, lines[i]);
    }
    pthread_barrier_destroy(&start_line);
    assert_true(libcurl_mapped());
}

static void test_loads_once(void **state)
{
    struct a2a_error err = {A2A_OK, ""};

    (void)state;
    assert_int_equal(a2a_curl_load(&err), 0);
    assert_int_equal(a2a_curl_load(&err), 0);
    assert_int_equal(err.code, A2A_OK);
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    assert_non_null(strstr(curl_version(), "libcurl/"));
    curl_global_cleanup();
}

/* One transfer of the fixture from byte `from`: a long option (CURLOPT_RESUME_FROM), or
 * with `large` the curl_off_t one; the callback and its data are the function and object
 * pointers. The bytes that arrive show each argument went through as given. */
static void fetch_from(const struct fixture *f, long from, int large, struct sink *got)
{
    CURL *h = curl_easy_init();
    long code = -1;
    curl_off_t size = -1;

    assert_non_null(h);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, f->url), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_sink), CURLE_OK);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEDATA, got), CURLE_OK);
    if (large) {
        assert_int_equal(curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)from),
                         CURLE_OK);
    } else {
        assert_int_equal(curl_easy_setopt(h, CURLOPT_RESUME_FROM, from), CURLE_OK);
    }
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
    assert_int_equal(code, 0); /* file:// has no status */
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &size), CURLE_OK);
    assert_int_equal(size, (curl_off_t)(sizeof CONTENT - 1) - from);
    curl_easy_cleanup(h);
}

static void test_easy_arguments_intact(void **state)
{
    const struct fixture *f = *state;
    struct sink got = {"", 0};
    struct sink got_large = {"", 0};

    fetch_from(f, 5, 0, &got);
    assert_int_equal(got.len, sizeof CONTENT - 1 - 5);
    assert_memory_equal(got.data, CONTENT + 5, got.len);
    fetch_from(f, 13, 1, &got_large);
    assert_int_equal(got_large.len, sizeof CONTENT - 1 - 13);
    assert_memory_equal(got_large.data, CONTENT + 13, got_large.len);
}

/* A blob option (CURLOPTTYPE_BLOB, a struct curl_blob *): libcurl copies it, so a bad
 * pointer passed on would fault or be refused. */
static void test_blob_option(void **state)
{
    CURL *h = curl_easy_init();
    char pem[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    struct curl_blob blob = {pem, sizeof pem - 1, CURL_BLOB_COPY};
    CURLcode rc;

    (void)state;
    assert_non_null(h);
    rc = curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    assert_true(rc == CURLE_OK || rc == CURLE_NOT_BUILT_IN); /* NOT_BUILT_IN: a TLS library
                                                               without CA blobs */
    /* Past the kinds this program knows: refused here, never passed on as a guess. */
    assert_int_equal(curl_easy_setopt(h, (CURLoption)(CURLOPTTYPE_BLOB + 10000 + 1), &blob),
                     CURLE_UNKNOWN_OPTION);
    curl_easy_cleanup(h);
}

static int timer_calls;

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    (void)timeout_ms;
    assert_ptr_equal(userp, &timer_calls);
    timer_calls++;
    return 0;
}

/* The multi side: a long, a function and an object option, then a transfer to its end. */
static void test_multi_arguments_intact(void **state)
{
    const struct fixture *f = *state;
    CURLM *m = curl_multi_init();
    CURL *h = curl_easy_init();
    struct sink got = {"", 0};
    int running = 1, queued = 0, rounds = 0;
    CURLMsg *msg;

    assert_non_null(m);
    assert_non_null(h);
    timer_calls = 0;
    assert_int_equal(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 3L), CURLM_OK);
    assert_int_equal(curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer), CURLM_OK);
    assert_int_equal(curl_multi_setopt(m, CURLMOPT_TIMERDATA, &timer_calls), CURLM_OK);
    curl_easy_setopt(h, CURLOPT_URL, f->url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, to_sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
    assert_int_equal(curl_multi_add_handle(m, h), CURLM_OK);
    assert_true(timer_calls > 0);
    while (running > 0 && rounds++ < 1000) {
        assert_int_equal(curl_multi_perform(m, &running), CURLM_OK);
    }
    assert_int_equal(running, 0);
    msg = curl_multi_info_read(m, &queued);
    assert_non_null(msg);
    assert_int_equal(msg->msg, CURLMSG_DONE);
    assert_int_equal(msg->data.result, CURLE_OK);
    assert_memory_equal(got.data, CONTENT, sizeof CONTENT - 1);
    assert_int_equal(curl_multi_remove_handle(m, h), CURLM_OK);
    curl_easy_cleanup(h);
    assert_int_equal(curl_multi_cleanup(m), CURLM_OK);
    assert_string_equal(curl_multi_strerror(CURLM_BAD_HANDLE), "Invalid multi handle");
    assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");
}

static void test_helpers(void **state)
{
    CURLU *u = curl_url();
    CURLU *copy;
    char *host = NULL;
    struct curl_slist *list;

    (void)state;
    assert_non_null(u);
    assert_int_equal(curl_url_set(u, CURLUPART_URL, "http://127.0.0.1:8080/a?b", 0), CURLUE_OK);
    copy = curl_url_dup(u);
    assert_non_null(copy);
    assert_int_equal(curl_url_get(copy, CURLUPART_HOST, &host, 0), CURLUE_OK);
    assert_string_equal(host, "127.0.0.1");
    curl_free(host);
    curl_url_cleanup(copy);
    curl_url_cleanup(u);
    list = curl_slist_append(NULL, "A: b");
    assert_non_null(list);
    list = curl_slist_append(list, "C: d");
    assert_string_equal(list->next->data, "C: d");
    curl_slist_free_all(list);
    assert_int_equal(curl_getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL), 784111777);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* These two first: nothing is opened yet. */
        cmocka_unit_test(test_cleanups_open_nothing),
        cmocka_unit_test(test_first_calls_on_threads),
        cmocka_unit_test(test_loads_once),
        cmocka_unit_test_setup_teardown(test_easy_arguments_intact, setup, teardown),
        cmocka_unit_test(test_blob_option),
        cmocka_unit_test_setup_teardown(test_multi_arguments_intact, setup, teardown),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* A2A_TEST_LIBCURL_MISSING: the soname names no library */

static void test_load_says_why(void **state)
{
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_error again = {A2A_OK, ""};

    (void)state;
    assert_int_equal(a2a_curl_load(&err), -1);
    assert_int_equal(err.code, A2A_E_CONFIG);
    assert_non_null(strstr(err.msg, "cannot load libcurl: "));
    assert_non_null(strstr(err.msg, A2A_LIBCURL_SONAME));
    assert_int_equal(a2a_curl_load(&again), -1); /* the first answer stands */
    assert_string_equal(again.msg, err.msg);
}

static void test_calls_fail_as_libcurl_would(void **state)
{
    CURL *h;
    char *part = NULL;
    long code = 7;

    (void)state;
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_FAILED_INIT);
    curl_global_cleanup();
    assert_string_equal(curl_version(), "libcurl not loaded");
    h = curl_easy_init();
    assert_null(h);
    assert_int_equal(curl_easy_setopt(h, CURLOPT_URL, "file:///dev/null"), CURLE_FAILED_INIT);
    assert_int_equal(curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code), CURLE_FAILED_INIT);
    assert_int_equal(code, 7);
    assert_int_equal(curl_easy_perform(h), CURLE_FAILED_INIT);
    curl_easy_cleanup(h);
    assert_string_equal(curl_easy_strerror(CURLE_OK), "libcurl not loaded");
    assert_null(curl_multi_init());
    assert_int_equal(curl_multi_setopt(NULL, CURLMOPT_MAXCONNECTS, 1L), CURLM_INTERNAL_ERROR);
    assert_int_equal(curl_multi_add_handle(NULL, NULL), CURLM_INTERNAL_ERROR);
    assert_int_equal(curl_multi_remove_handle(NULL, NULL), CURLM_INTERNAL_ERROR);
    assert_int_equal(curl_multi_perform(NULL, NULL), CURLM_INTERNAL_ERROR);
    assert_int_equal(curl_multi_socket_action(NULL, CURL_SOCKET_TIMEOUT, 0, NULL),
                     CURLM_INTERNAL_ERROR);
    assert_null(curl_multi_info_read(NULL, NULL));
    assert_int_equal(curl_multi_cleanup(NULL), CURLM_BAD_HANDLE);
    assert_string_equal(curl_multi_strerror(CURLM_OK), "libcurl not loaded");
    assert_null(curl_slist_append(NULL, "A: b"));
    curl_slist_free_all(NULL);
    assert_null(curl_url());
    assert_null(curl_url_dup(NULL));
    assert_int_equal(curl_url_set(NULL, CURLUPART_URL, "http://127.0.0.1/", 0),
                     CURLUE_OUT_OF_MEMORY);
    assert_int_equal(curl_url_get(NULL, CURLUPART_HOST, &part, 0), CURLUE_OUT_OF_MEMORY);
    assert_null(part);
    curl_url_cleanup(NULL);
    curl_free(NULL);
    assert_int_equal(curl_getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_says_why),
        cmocka_unit_test(test_calls_fail_as_libcurl_would),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
