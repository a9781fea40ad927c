/*
 * A stand-in libcurl for the run-time checks of core/curl_loader.c, built twice by
 * tests/integration/CMakeLists.txt as <dir>/<libcurl's soname> and put first on
 * LD_LIBRARY_PATH by test_operator.py:
 *   old/      every function the loader looks up, reporting libcurl 7.1.0: refused as older;
 *   partial/  the same without curl_url_set(): refused as lacking a function.
 * Neither is ever called past curl_version_info(): every other function aborts.
 */
#include <stdlib.h>

/* Not curl.h: its prototypes would clash with the stand-ins. The first fields of libcurl's
 * curl_version_info_data, which grows only at its end (all the loader reads). */
struct version_info {
    int age;
    const char *version;
    unsigned int version_num;
};

#define NEVER(name)                                                                                \
    void name(void);                                                                               \
    void name(void)                                                                                \
    {                                                                                              \
        abort();                                                                                   \
    }

NEVER(curl_global_init)
NEVER(curl_global_cleanup)
NEVER(curl_version)
NEVER(curl_easy_init)
NEVER(curl_easy_setopt)
NEVER(curl_easy_getinfo)
NEVER(curl_easy_perform)
NEVER(curl_easy_cleanup)
NEVER(curl_easy_strerror)
NEVER(curl_slist_append)
NEVER(curl_slist_free_all)
NEVER(curl_free)
NEVER(curl_getdate)
NEVER(curl_multi_init)
NEVER(curl_multi_setopt)
NEVER(curl_multi_add_handle)
NEVER(curl_multi_remove_handle)
NEVER(curl_multi_perform)
NEVER(curl_multi_socket_action)
NEVER(curl_multi_info_read)
NEVER(curl_multi_cleanup)
NEVER(curl_multi_strerror)
NEVER(curl_url)
NEVER(curl_url_dup)
NEVER(curl_url_cleanup)
NEVER(curl_url_get)
#ifndef FAKE_LIBCURL_PARTIAL
NEVER(curl_url_set)
#endif

struct version_info *curl_version_info(int age);
struct version_info *curl_version_info(int age)
{
    static struct version_info info = {.age = 10, .version = "7.1.0", .version_num = 0x070100};

    (void)age;
    return &info;
}
