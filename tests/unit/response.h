/*
 * The response line as a2a_response_write prints it, for the unit tests that check it whole.
 * Included after cmocka.h.
 */
#ifndef A2A_TEST_RESPONSE_H
#define A2A_TEST_RESPONSE_H

#include <stdio.h>

#include "sinks.h"

/* A heap string the caller frees. */
static inline char *response_text(const struct a2a_response *resp)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(a2a_response_write(resp, f), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

#endif
