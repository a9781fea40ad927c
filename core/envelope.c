#include "envelope.h"

#include <string.h>

#define ATTR(lit)                                                                                  \
    {                                                                                              \
        lit, sizeof(lit) - 1                                                                       \
    }
const struct a2a_env_attr a2a_env_attrs[A2A_ENV_ATTRS] = {
    ATTR("tenant"), ATTR("taskId"), ATTR("owner"), ATTR("eventSequence"), ATTR("recordedAtMicros")};
#undef ATTR

#define KEY_IS(lit) (key_len == sizeof(lit) - 1 && memcmp(key, lit, sizeof(lit) - 1) == 0)

static void problem(struct a2a_envelope *env, enum a2a_env_problem what)
{
    if (env->problem == A2A_ENV_OK) {
        env->problem = what;
    }
}

/*
 * Another copy of SequenceNumber: the record keeps its identifier only when this copy is the
 * same string. Which one would Lambda mean otherwise? List neither.
 */
static void keep_seq_if_same(struct a2a_envelope *env, const char *rec, size_t val, size_t str_len)
{
    if (rec[val] != '"' || !env->has_seq || str_len != env->seq_len ||
        memcmp(rec + val + 1, rec + env->seq_at, str_len) != 0) {
        env->has_seq = 0;
    }
}

static int top_member(struct a2a_envelope *env, const char *key, size_t key_len, const char *rec,
                      size_t val, size_t str_len)
{
    char first = rec[val];

    if (KEY_IS("Records")) {
        env->records++;
    } else if (KEY_IS("Messages") || KEY_IS("DDBStreamBatchInfo")) {
        env->shape_keys++;
    } else if (KEY_IS("eventName")) {
        if (env->names++) {
            problem(env, A2A_ENV_NAME_TWICE);
        } else if (first == '"') {
            env->has_event_name = 1;
            env->name_at = val + 1;
            env->name_len = str_len;
        } else {
            problem(env, A2A_ENV_NAME_NOT_STRING);
        }
    } else if (KEY_IS("dynamodb")) {
        if (env->ddbs++) {
            /* Its SequenceNumber must agree (every copy of it), or the record keeps none. */
            problem(env, A2A_ENV_DDB_TWICE);
            if (first == '{') {
                env->other_has_seq = 0;
                return A2A_ENV_DDB_OTHER;
            }
            env->has_seq = 0;
        } else if (first == '{') {
            return A2A_ENV_DDB;
        } else if (first != 'n') {
            problem(env, A2A_ENV_DDB_NOT_OBJECT);
        }
    }
    return A2A_ENV_NONE;
}

static int ddb_member(struct a2a_envelope *env, const char *key, size_t key_len, const char *rec,
                      size_t val, size_t str_len)
{
    char first = rec[val];

    if (KEY_IS("SequenceNumber")) {
        if (env->seqs++) {
            problem(env, A2A_ENV_SEQ_TWICE);
            keep_seq_if_same(env, rec, val, str_len);
        } else if (first == '"') {
            env->has_seq = 1;
            env->seq_at = val + 1;
            env->seq_len = str_len;
        } else if (first != 'n') {
            problem(env, A2A_ENV_SEQ_NOT_STRING);
        }
    } else if (KEY_IS("NewImage")) {
        if (env->images++) {
            problem(env, A2A_ENV_IMAGE_TWICE);
        } else if (first == '{') {
            return A2A_ENV_IMAGE;
        }
    }
    return A2A_ENV_NONE;
}

/* Which of the five attributes a name is, or -1. By length first: a per-member hot path. */
static int attr_index(const char *key, size_t key_len)
{
    switch (key_len) {
    case 6:
        return KEY_IS("tenant") ? 0 : KEY_IS("taskId") ? 1 : -1;
    case 5:
        return KEY_IS("owner") ? 2 : -1;
    case 13:
        return KEY_IS("eventSequence") ? 3 : -1;
    case 16:
        return KEY_IS("recordedAtMicros") ? 4 : -1;
    default:
        return -1;
    }
}

static int image_member(struct a2a_envelope *env, const char *key, size_t key_len, const char *rec,
                        size_t val)
{
    int k = attr_index(key, key_len);

    if (k < 0) {
        return A2A_ENV_NONE;
    }
    if (env->attr_count[k]++ == 0) {
        env->attr_at[k] = val;
        if (rec[val] == '{') {
            return A2A_ENV_ATTR + k;
        }
    }
    return A2A_ENV_NONE;
}

int a2a_envelope_member_named(struct a2a_envelope *env, int ctx, const char *key, size_t key_len,
                              const char *rec, size_t val, size_t str_len)
{
    switch (ctx) {
    case A2A_ENV_TOP:
    case A2A_ENV_DOC:
        return top_member(env, key, key_len, rec, val, str_len);
    case A2A_ENV_DDB:
        return ddb_member(env, key, key_len, rec, val, str_len);
    case A2A_ENV_DDB_OTHER:
        if (KEY_IS("SequenceNumber")) {
            env->other_has_seq = 1;
            keep_seq_if_same(env, rec, val, str_len);
        }
        return A2A_ENV_NONE;
    case A2A_ENV_IMAGE:
        return image_member(env, key, key_len, rec, val);
    default:
        return A2A_ENV_NONE; /* attribute members are kept by a2a_envelope_member() */
    }
}
