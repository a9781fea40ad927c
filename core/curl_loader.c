#include "curl_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* This file defines curl_easy_setopt() and friends, which curl.h's type-checking macros of
 * the same names would otherwise rewrite. Callers elsewhere keep the checks. */
#define CURL_DISABLE_TYPECHECK 1
/* Hidden: the definitions below serve this program's own calls only. Were one exported (a
 * program linked with -rdynamic, or beside a linked libcurl), libcurl's calls to its own
 * public functions would be bound to them. */
#pragma GCC visibility push(hidden)
#include <curl/curl.h>

#ifndef A2A_LIBCURL_SONAME
#error "A2A_LIBCURL_SONAME: the build names the libcurl it compiled against (CMakeLists.txt)"
#endif

/*
 * Why not link it: a program linked with libcurl loads it and the 30 libraries under it
 * (TLS, Kerberos, LDAP, IDN, compression ...) and runs their start-up code before main(),
 * 4 ms on every start. A dry run of files, the tool's most common use in CI, calls nobody.
 * Every function the core calls is defined here under libcurl's name and forwards to the
 * library's own, so the rest of the core is written as if linked; the library is opened the
 * first time any of them runs, by the soname the build found, with the usual search path.
 */

/* The library's functions, as found by dlsym(); all set, or the library is not used. */
struct curl_functions {
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    char *(*version)(void);
    curl_version_info_data *(*version_info)(CURLversion);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    void (*free)(void *);
    time_t (*getdate)(const char *, const time_t *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_cleanup)(CURLM *);
    const char *(*multi_strerror)(CURLMcode);
    CURLU *(*url)(void);
    CURLU *(*url_dup)(CURLU *);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
};

#define SYMBOL(field)                                                                              \
    {                                                                                              \
        "curl_" #field, offsetof(struct curl_functions, field)                                     \
    }
static const struct {
    const char *name;
    size_t offset;
} symbols[] = {
    SYMBOL(global_init),
    SYMBOL(global_cleanup),
    SYMBOL(version),
    SYMBOL(version_info),
    SYMBOL(easy_init),
    SYMBOL(easy_setopt),
    SYMBOL(easy_getinfo),
    SYMBOL(easy_perform),
    SYMBOL(easy_cleanup),
    SYMBOL(easy_strerror),
    SYMBOL(slist_append),
    SYMBOL(slist_free_all),
    SYMBOL(free),
    SYMBOL(getdate),
    SYMBOL(multi_init),
    SYMBOL(multi_setopt),
    SYMBOL(multi_add_handle),
    SYMBOL(multi_remove_handle),
    SYMBOL(multi_perform),
    SYMBOL(multi_socket_action),
    SYMBOL(multi_info_read),
    SYMBOL(multi_cleanup),
    SYMBOL(multi_strerror),
    SYMBOL(url),
    SYMBOL(url_dup),
    SYMBOL(url_cleanup),
    SYMBOL(url_get),
    SYMBOL(url_set),
};
#undef SYMBOL

/* POSIX dlsym() hands functions back as void *: a function pointer must be able to hold one. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function and object pointers differ");
_Static_assert(sizeof(struct curl_functions) == sizeof symbols / sizeof symbols[0] * sizeof(void *),
               "every function in struct curl_functions has its line in symbols[]");

/* Written once, by load() under pthread_once(); read after it by every thread. lib_ready
 * also tells the functions that only give back what the library made whether it was ever
 * opened, without opening it. */
static struct curl_functions lib;
static atomic_int lib_ready;
static char lib_error[A2A_ERROR_MSG_MAX];
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

/* Fills lib, or leaves lib_ready 0 and says why in lib_error. The handle is never closed:
 * the library stays for the rest of the process, as a linked one would. */
static void load(void)
{
    struct curl_functions found;
    void *handle = dlopen(A2A_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);

    if (handle == NULL) {
        snprintf(lib_error, sizeof lib_error, "cannot load libcurl: %s", dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        void *fn = dlsym(handle, symbols[i].name);

        if (fn == NULL) {
            snprintf(lib_error, sizeof lib_error, "cannot use %s: it has no %s()",
                     A2A_LIBCURL_SONAME, symbols[i].name);
            return;
        }
        memcpy((char *)&found + symbols[i].offset, &fn, sizeof fn);
    }
    /* Options and behaviour this program was written for must be there: an older library
     * would refuse some options only when a call is made, or worse, quietly differ. */
    const curl_version_info_data *info = found.version_info(CURLVERSION_NOW);
    if (info == NULL || info->version_num < LIBCURL_VERSION_NUM) {
        snprintf(lib_error, sizeof lib_error,
                 "cannot use %s: it is libcurl %s, older than the %s this program was built with",
                 A2A_LIBCURL_SONAME, info != NULL ? info->version : "(unknown)", LIBCURL_VERSION);
        return;
    }
    lib = found;
    atomic_store_explicit(&lib_ready, 1, memory_order_release);
}

/* Opens the library on the first call; 1 when it can be used. */
static int ready(void)
{
    return pthread_once(&lib_once, load) == 0 &&
           atomic_load_explicit(&lib_ready, memory_order_acquire);
}

/* 1 when the library is open; never opens it. For the functions that free or close what it
 * made: there is nothing to give back before it was opened, and a dry run that frees a NULL
 * on its way out must not load libcurl to do it. */
static int opened(void)
{
    return atomic_load_explicit(&lib_ready, memory_order_acquire);
}

int a2a_curl_load(struct a2a_error *err)
{
    if (ready()) {
        return 0;
    }
    a2a_error_set(err, A2A_E_CONFIG, "%s",
                  lib_error[0] != '\0' ? lib_error : "cannot load libcurl");
    return -1;
}

/*
 * libcurl's functions, forwarded. Until the library is open each fails the way libcurl
 * itself reports failure; a2a_curl_load() has the reason.
 */

CURLcode curl_global_init(long flags)
{
    return ready() ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (opened()) {
        lib.global_cleanup();
    }
}

char *curl_version(void)
{
    static char unloaded[] = "libcurl not loaded";

    return ready() ? lib.version() : unloaded;
}

CURL *curl_easy_init(void)
{
    return ready() ? lib.easy_init() : NULL;
}

/*
 * The variadic three: the argument's type follows from the option's number, as in libcurl
 * (CURLOPTTYPE_*: long below 10000, then object pointers, function pointers, curl_off_t,
 * blobs), and is read and passed on as that type.
 */
typedef void (*any_function)(void);

/* The kinds this file knows; a library with a sixth would pass it on wrongly. */
_Static_assert(CURLOPTTYPE_OBJECTPOINT == 10000 && CURLOPTTYPE_FUNCTIONPOINT == 20000 &&
                   CURLOPTTYPE_OFF_T == 30000 && CURLOPTTYPE_BLOB == 40000,
               "libcurl's option kinds moved");

/* An option's argument, read as the type its number says. */
struct option_arg {
    enum { ARG_LONG, ARG_POINTER, ARG_FUNCTION, ARG_OFF_T, ARG_NONE } kind;
    union {
        long l;
        void *p; /* object pointers and blobs (struct curl_blob *) */
        any_function f;
        curl_off_t o;
    } value;
};

/* The one place that decides which type an option number's argument is read as. Numbers at
 * or past `end` (the kinds the caller's options have) read nothing: ARG_NONE, refused. */
static struct option_arg read_option_arg(int option, int end, va_list *ap)
{
    struct option_arg arg = {.kind = ARG_NONE};

    if (option >= end) {
        return arg;
    }
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        arg.kind = ARG_LONG;
        arg.value.l = va_arg(*ap, long);
    } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
        arg.kind = ARG_POINTER;
        arg.value.p = va_arg(*ap, void *);
    } else if (option < CURLOPTTYPE_OFF_T) {
        arg.kind = ARG_FUNCTION;
        arg.value.f = va_arg(*ap, any_function);
    } else if (option < CURLOPTTYPE_BLOB) {
        arg.kind = ARG_OFF_T;
        arg.value.o = va_arg(*ap, curl_off_t);
    } else {
        arg.kind = ARG_POINTER;
        arg.value.p = va_arg(*ap, void *);
    }
    return arg;
}

/* Easy options go up to the blobs; multi options have no blobs. */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
    va_list ap;
    struct option_arg arg;

    if (!ready()) {
        return CURLE_FAILED_INIT;
    }
    va_start(ap, option);
    arg = read_option_arg(option, CURLOPTTYPE_BLOB + 10000, &ap);
    va_end(ap);
    switch (arg.kind) {
    case ARG_LONG:
        return lib.easy_setopt(h, option, arg.value.l);
    case ARG_POINTER:
        return lib.easy_setopt(h, option, arg.value.p);
    case ARG_FUNCTION:
        return lib.easy_setopt(h, option, arg.value.f);
    case ARG_OFF_T:
        return lib.easy_setopt(h, option, arg.value.o);
    case ARG_NONE:
        break;
    }
    return CURLE_UNKNOWN_OPTION;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
    va_list ap;
    struct option_arg arg;

    if (!ready()) {
        return CURLM_INTERNAL_ERROR;
    }
    va_start(ap, option);
    arg = read_option_arg(option, CURLOPTTYPE_BLOB, &ap);
    va_end(ap);
    switch (arg.kind) {
    case ARG_LONG:
        return lib.multi_setopt(m, option, arg.value.l);
    case ARG_POINTER:
        return lib.multi_setopt(m, option, arg.value.p);
    case ARG_FUNCTION:
        return lib.multi_setopt(m, option, arg.value.f);
    case ARG_OFF_T:
        return lib.multi_setopt(m, option, arg.value.o);
    case ARG_NONE:
        break;
    }
    return CURLM_UNKNOWN_OPTION;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    va_list ap;
    CURLcode rc;

    if (!ready()) {
        return CURLE_FAILED_INIT;
    }
    va_start(ap, info);
    rc = lib.easy_getinfo(h, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
    return ready() ? lib.easy_perform(h) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *h)
{
    if (opened()) {
        lib.easy_cleanup(h);
    }
}

const char *curl_easy_strerror(CURLcode code)
{
    return ready() ? lib.easy_strerror(code) : "libcurl not loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *line)
{
    return ready() ? lib.slist_append(list, line) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (opened()) {
        lib.slist_free_all(list);
    }
}

void curl_free(void *p)
{
    if (opened()) {
        lib.free(p);
    }
}

time_t curl_getdate(const char *text, const time_t *unused)
{
    return ready() ? lib.getdate(text, unused) : -1;
}

CURLM *curl_multi_init(void)
{
    return ready() ? lib.multi_init() : NULL;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
    return ready() ? lib.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return ready() ? lib.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return ready() ? lib.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int events, int *running)
{
    return ready() ? lib.multi_socket_action(m, s, events, running) : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *queued)
{
    return ready() ? lib.multi_info_read(m, queued) : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return opened() ? lib.multi_cleanup(m) : CURLM_BAD_HANDLE;
}

const char *curl_multi_strerror(CURLMcode code)
{
    return ready() ? lib.multi_strerror(code) : "libcurl not loaded";
}

CURLU *curl_url(void)
{
    return ready() ? lib.url() : NULL;
}

CURLU *curl_url_dup(CURLU *in)
{
    return ready() ? lib.url_dup(in) : NULL;
}

void curl_url_cleanup(CURLU *u)
{
    if (opened()) {
        lib.url_cleanup(u);
    }
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    return ready() ? lib.url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    return ready() ? lib.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

#pragma GCC visibility pop
