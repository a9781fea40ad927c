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

void a2a_envelope_init(struct a2a_envelope *env)
{
    memset(env, 0, sizeof(*env));
}

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

static enum a2a_env_ctx top_member(struct a2a_envelope *env, const char *key, size_t key_len,
                                   const char *rec, size_t val, size_t str_len)
{
    char first = rec[val];

    if (KEY_IS("eventName")) {
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

static enum a2a_env_ctx ddb_member(struct a2a_envelope *env, const char *key, size_t key_len,
                                   const char *rec, size_t val, size_t str_len)
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

static void image_member(struct a2a_envelope *env, const char *key, size_t key_len, size_t val)
{
    for (int k = 0; k < A2A_ENV_ATTRS; k++) {
        if (key_len == a2a_env_attrs[k].len && memcmp(key, a2a_env_attrs[k].name, key_len) == 0) {
            if (env->attr_count[k]++ == 0) {
                env->attr_at[k] = val;
            }
            return;
        }
    }
}

enum a2a_env_ctx a2a_envelope_member(struct a2a_envelope *env, enum a2a_env_ctx ctx,
                                     const char *key, size_t key_len, const char *rec, size_t val,
                                     size_t str_len)
{
    switch (ctx) {
    case A2A_ENV_TOP:
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
        image_member(env, key, key_len, val);
        return A2A_ENV_NONE;
    default:
        return A2A_ENV_NONE;
    }
}

void a2a_envelope_end(struct a2a_envelope *env, enum a2a_env_ctx ctx)
{
    if (ctx == A2A_ENV_DDB_OTHER && !env->other_has_seq) {
        env->has_seq = 0;
    }
}
