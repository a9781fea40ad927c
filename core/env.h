/*
 * Environment access for the AWS client, injectable: the core reads AWS_* variables only
 * through this callback, so the CLI decides what the process environment is and unit tests
 * run with a table instead of the real environment.
 */
#ifndef A2A_ENV_H
#define A2A_ENV_H

struct a2a_env {
    /* The value of name, or NULL when unset; the string is borrowed until the next call. */
    const char *(*get)(void *ctx, const char *name);
    void *ctx;
};

/* An environment that reads the process environment (getenv). */
struct a2a_env a2a_env_process(void);

/*
 * name's value through env, or NULL when unset or empty: an empty AWS_* variable counts as
 * not set, as the AWS CLI takes an empty key. Where the CLI reads an empty value otherwise
 * (AWS_PROFILE, AWS_CA_BUNDLE), the manual says so. A NULL env or env->get reads nothing.
 */
const char *a2a_env_get(const struct a2a_env *env, const char *name);

#endif
