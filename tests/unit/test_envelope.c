/*
 * The envelope's member rules, reached through a2a_envelope_member(): the inline name filter
 * in front of them must let every name that matters through, in every context, and the
 * attribute members it keeps inline must be the first one's, typed as the handler reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "envelope.h"

/* A member named `name` whose value is a string "v" (at offset 1 of rec) or an object. */
static int member(struct a2a_envelope *env, int ctx, const char *name, const char *rec)
{
    return a2a_envelope_member(env, ctx, name, strlen(name), rec, 0, 1);
}

/* Every name the rules know, in each context where it matters, reaches them. */
static void test_filter_passes_every_name(void **state)
{
    static const struct {
        int ctx;
        const char *name;
    } names[] = {
        {A2A_ENV_TOP, "eventName"},
        {A2A_ENV_TOP, "dynamodb"},
        {A2A_ENV_DOC, "eventName"},
        {A2A_ENV_DOC, "dynamodb"},
        {A2A_ENV_DOC, "Records"},
        {A2A_ENV_DOC, "Messages"},
        {A2A_ENV_DOC, "DDBStreamBatchInfo"},
        {A2A_ENV_DDB, "SequenceNumber"},
        {A2A_ENV_DDB, "NewImage"},
        {A2A_ENV_DDB_OTHER, "SequenceNumber"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        uint64_t bit = a2a_env_name_bit(names[i].name, strlen(names[i].name));
        if ((a2a_env_names[names[i].ctx] & bit) == 0) {
            fail_msg("context %d: %s does not pass the filter", names[i].ctx, names[i].name);
        }
    }
    for (int k = 0; k < A2A_ENV_ATTRS; k++) {
        uint64_t bit = a2a_env_name_bit(a2a_env_attrs[k].name, a2a_env_attrs[k].len);
        if ((a2a_env_names[A2A_ENV_IMAGE] & bit) == 0) {
            fail_msg("NewImage: %s does not pass the filter", a2a_env_attrs[k].name);
        }
    }
}

/* What passing the filter leads to: the rules record each name's value. */
static void test_names_reach_the_rules(void **state)
{
    struct a2a_envelope env;
    const char *str = "\"v\"";
    const char *obj = "{}";

    (void)state;
    a2a_envelope_init(&env);
    assert_int_equal(member(&env, A2A_ENV_TOP, "eventName", str), A2A_ENV_NONE);
    assert_true(env.has_event_name);
    assert_int_equal(member(&env, A2A_ENV_TOP, "awsRegion", str), A2A_ENV_NONE);
    assert_int_equal(member(&env, A2A_ENV_TOP, "dynamodb", obj), A2A_ENV_DDB);
    assert_int_equal(member(&env, A2A_ENV_DDB, "StreamViewType", str), A2A_ENV_NONE);
    assert_int_equal(member(&env, A2A_ENV_DDB, "SequenceNumber", str), A2A_ENV_NONE);
    assert_true(env.has_seq);
    assert_int_equal(member(&env, A2A_ENV_DDB, "NewImage", obj), A2A_ENV_IMAGE);
    for (int k = 0; k < A2A_ENV_ATTRS; k++) {
        assert_int_equal(member(&env, A2A_ENV_IMAGE, a2a_env_attrs[k].name, obj), A2A_ENV_ATTR + k);
        assert_int_equal(env.attr_count[k], 1);
    }
    assert_int_equal(member(&env, A2A_ENV_IMAGE, "payloadDigest", obj), A2A_ENV_NONE);
    assert_int_equal(member(&env, A2A_ENV_DOC, "Records", obj), A2A_ENV_NONE);
    assert_int_equal(env.records, 1);
    assert_int_equal(env.problem, A2A_ENV_OK);
}

/* An attribute's first member is kept; its type must be S (strings) or N (numbers). */
static void test_attribute_members(void **state)
{
    struct a2a_envelope env;
    const char *rec = "\"1\"";

    (void)state;
    a2a_envelope_init(&env);
    assert_int_equal(member(&env, A2A_ENV_ATTR + 0, "S", rec), A2A_ENV_NONE);
    assert_int_equal(member(&env, A2A_ENV_ATTR + 0, "N", rec), A2A_ENV_NONE);
    assert_int_equal(env.attr_members[0], 2);
    assert_true(env.attr_typed[0]);
    assert_int_equal(env.value_at[0], 1);
    assert_int_equal(env.value_len[0], 1);
    assert_int_equal(member(&env, A2A_ENV_ATTR + 3, "S", rec), A2A_ENV_NONE);
    assert_false(env.attr_typed[3]);
    assert_int_equal(member(&env, A2A_ENV_ATTR + 4, "N", "{}"), A2A_ENV_NONE);
    assert_false(env.attr_typed[4]); /* not a string value */
    assert_int_equal(member(&env, A2A_ENV_ATTR + 1, "SS", rec), A2A_ENV_NONE);
    assert_false(env.attr_typed[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_passes_every_name),
        cmocka_unit_test(test_names_reach_the_rules),
        cmocka_unit_test(test_attribute_members),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
