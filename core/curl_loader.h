/*
 * libcurl, opened when a run first needs it.
 *
 * The core calls libcurl by libcurl's own names; curl_loader.c defines those names and
 * forwards each call to the library, which it opens with dlopen() on the first call. A dry
 * run of files calls nobody, so it never loads libcurl and the 30 libraries under it (their
 * loading and start-up took 4 ms of every run).
 */
#ifndef A2A_CURL_LOADER_H
#define A2A_CURL_LOADER_H

#include "error.h"

/*
 * Opens libcurl now if it is not open yet. Returns 0, or -1 with err saying why it cannot be
 * used (not found, a function missing, older than the headers this program was built with).
 * Safe from any thread; the first call decides, later ones give the same answer. A libcurl
 * function called when the library could not be opened fails as libcurl says failure (NULL,
 * an error code), so callers need no check of their own beyond this one.
 */
int a2a_curl_load(struct a2a_error *err);

#endif
