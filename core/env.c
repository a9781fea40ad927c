#include "env.h"

#include <stdlib.h>

static const char *process_get(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

struct a2a_env a2a_env_process(void)
{
    struct a2a_env env = {process_get, NULL};

    return env;
}

const char *a2a_env_get(const struct a2a_env *env, const char *name)
{
    const char *v;

    if (env == NULL || env->get == NULL) {
        return NULL;
    }
    v = env->get(env->ctx, name);
    if (v == NULL || v[0] == '\0') {
        return NULL;
    }
    return v;
}
