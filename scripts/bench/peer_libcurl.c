/*
 * The libcurl floor for scripts/bench.sh: the least a libcurl client can do to POST the
 * benchmark's typical body N times over 16 keep-alive connections, with the same headers as
 * wrk's post.lua and a2a-recover. No input to read, no JSON, no retries, no bookkeeping: only
 * libcurl's multi interface (curl_multi_poll, the loop libcurl's own examples use) and a write
 * callback that drops the answer. Its requests/s is what any libcurl-based dispatcher can
 * reach on this machine, measured in the same run as a2a-recover and wrk.
 *
 * Usage: peer_libcurl URL REQUESTS [CONNECTIONS]
 * Prints "requests: N non-2xx: M" and exits 0 when every transfer completed.
 */
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>

static const char body[] = "{\"tenant\":\"globex\",\"taskId\":\"task-000002\",\"owner\":\"bob\","
                           "\"eventSequence\":42,\"recordedAtMicros\":1795687200123456}";

static size_t drop(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

static CURL *new_easy(const char *url, struct curl_slist *headers)
{
    CURL *e = curl_easy_init();
    if (e == NULL) {
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(sizeof(body) - 1));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop);
    return e;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: peer_libcurl URL REQUESTS [CONNECTIONS]\n");
        return 2;
    }
    const char *url = argv[1];
    long total = strtol(argv[2], NULL, 10);
    long conns = argc > 3 ? strtol(argv[3], NULL, 10) : 16;
    long started = 0, done = 0, bad = 0, failed = 0;
    struct curl_slist *headers = NULL;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "User-Agent: a2a-recover/0.1.0");
    headers = curl_slist_append(headers, "Idempotency-Key: globex:task-000002:42");
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conns);
    for (long i = 0; i < conns && started < total; i++, started++) {
        curl_multi_add_handle(multi, new_easy(url, headers));
    }
    while (done < total) {
        int running = 0, left = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            CURL *e = msg->easy_handle;
            long code = 0;
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
            failed += msg->data.result != CURLE_OK;
            bad += msg->data.result == CURLE_OK && (code < 200 || code > 299);
            done++;
            curl_multi_remove_handle(multi, e);
            if (started < total) {
                started++;
                curl_multi_add_handle(multi, e); /* the same handle, its connection kept */
            } else {
                curl_easy_cleanup(e);
            }
        }
        if (done < total) {
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
        }
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    printf("requests: %ld non-2xx: %ld failed: %ld\n", done, bad, failed);
    return failed == 0 ? 0 : 1;
}
