/*
 * cli/resume.h: the --max-record-size a continuation gives after a record outgrew this run's.
 * Each row is one stop and the limit it must give (or none); a continuation that would stop at
 * the same record again fails its row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "resume.h"

struct limit_row {
    const char *name;
    enum a2a_limit limit;
    uint64_t needed;
    size_t current;
    const char *want; /* NULL: no limit to give */
};

static const struct limit_row rows[] = {
    {"measured whole: its size, rounded up to a KiB", A2A_LIMIT_MAX_RECORD, 3031, 1024, "3072"},
    {"a size of whole KiB stays", A2A_LIMIT_MAX_RECORD, 4096, 1024, "4096"},
    {"not measured: twice the limit", A2A_LIMIT_MAX_RECORD, 0, 1048576, "2097152"},
    {"twice would pass the largest: the largest", A2A_LIMIT_MAX_RECORD, 0, 805306368, "1073741824"},
    {"a record larger than the largest: none", A2A_LIMIT_MAX_RECORD, 1073741825, 1048576, NULL},
    {"already the largest: none", A2A_LIMIT_MAX_RECORD, 0, 1073741824, NULL},
    {"no limit stopped the run: none", A2A_LIMIT_NONE, 0, 1024, NULL},
};

static void test_raised_limit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct limit_row *r = &rows[i];
        char buf[24] = "";
        int got = resume_raised_limit(r->limit, r->needed, r->current, buf, sizeof(buf));
        if (got != (r->want != NULL) || (r->want != NULL && strcmp(buf, r->want) != 0)) {
            fail_msg("%s: got %d \"%s\", want %s", r->name, got, buf,
                     r->want != NULL ? r->want : "none");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raised_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
