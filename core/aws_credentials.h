/*
 * AWS credentials, found the way the AWS CLI finds them, in this order:
 *
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), skipped
 *      when a profile was given explicitly (--profile; AWS_PROFILE and AWS_DEFAULT_PROFILE
 *      do not skip it); without keys, AWS_WEB_IDENTITY_TOKEN_FILE is an error (web identity
 *      is not resolved here, and the rest of the chain would sign as another identity);
 *   2. the profile (explicit, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default") in
 *      the shared credentials file and the config file: static keys from the credentials
 *      file, then credential_process, then static keys from the config file (botocore's
 *      order); a profile with role_arn, web_identity_token_file or sso_* is an error, as in
 *      step 1;
 *   3. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI);
 *   4. EC2 instance metadata, IMDSv2 only, unless AWS_EC2_METADATA_DISABLED=true.
 *
 * Each provider answers "found", "not here" (the chain goes on) or an error (the chain stops:
 * a configured source that fails must not be papered over by the next one). The environment
 * is read only through the injected struct a2a_env. Secrets are never put in messages; every
 * copy this module makes is wiped (a2a_wipe) before it is freed.
 */
#ifndef A2A_AWS_CREDENTIALS_H
#define A2A_AWS_CREDENTIALS_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "env.h"
#include "error.h"

/* Temporary credentials are replaced this long before their Expiration. */
#define A2A_CREDS_REFRESH_EARLY_S 300
/*
 * ...but not fetched again within this long of the last fetch while they still hold: a source
 * that only gives credentials for less than the early window (or gives the same ones again)
 * would otherwise run before every call.
 */
#define A2A_CREDS_REFETCH_MIN_S 60

#define A2A_CREDS_SOURCE_MAX 160
#define A2A_CREDS_WHY_MAX    320

struct a2a_aws_creds {
    char *access_key_id;               /* owned; wiped by a2a_aws_creds_clear() */
    char *secret_access_key;           /* owned; wiped by a2a_aws_creds_clear() */
    char *session_token;               /* owned, or NULL for long-term keys; wiped likewise */
    time_t expiration;                 /* 0 when the credentials do not expire */
    time_t fetched;                    /* when the chain gave them */
    char source[A2A_CREDS_SOURCE_MAX]; /* where they came from, for messages; no secret */
    int link;                          /* the link of the chain that gave them, from 1; 0: none */
};

struct a2a_creds_config {
    const char *profile;     /* borrowed; the explicit profile (--profile), or NULL */
    struct a2a_env env;      /* where AWS_* variables and HOME are read */
    long http_timeout_ms;    /* container and IMDS calls; 0 means 1000 */
    long process_timeout_ms; /* credential_process; 0 means 60000 */
    /* borrowed, optional: nonzero stops a credential_process at once (SIGINT/SIGTERM) */
    const volatile sig_atomic_t *cancel;
};

enum a2a_creds_result {
    A2A_CREDS_ERROR = -1, /* the source applies but failed: err set, the chain stops */
    A2A_CREDS_FOUND = 0,  /* out filled */
    A2A_CREDS_ABSENT = 1, /* the source does not apply here: why says so */
};

/*
 * Runs the chain. Returns 0 with out filled, or -1 with err set: A2A_E_CONFIG when a source
 * failed or when none answered (the message then names every source tried and why each did
 * not apply), A2A_E_NOMEM, A2A_E_INTERRUPTED (cfg->cancel rose while a credential_process ran;
 * it was killed).
 */
int a2a_aws_creds_resolve(const struct a2a_creds_config *cfg, struct a2a_aws_creds *out,
                          struct a2a_error *err);

/*
 * Fetches again from link, the link of the chain that gave the credentials being replaced
 * (their .link), as botocore refreshes the provider it started with: a run never changes
 * identity midway because a file appeared or changed that an earlier link reads. 0 runs the
 * whole chain (a2a_aws_creds_resolve). A link that no longer gives credentials is an error.
 */
int a2a_aws_creds_refresh(const struct a2a_creds_config *cfg, int link, struct a2a_aws_creds *out,
                          struct a2a_error *err);

/*
 * 1 when c should be fetched again: it holds no keys, has expired, or expires within
 * A2A_CREDS_REFRESH_EARLY_S of now and was fetched at least A2A_CREDS_REFETCH_MIN_S ago; else 0.
 */
int a2a_aws_creds_due(const struct a2a_aws_creds *c, time_t now);

/* Wipes and frees every secret in c and zeroes it; safe on a zeroed or cleared struct. */
void a2a_aws_creds_clear(struct a2a_aws_creds *c);

/* Wipes and frees a NUL-terminated secret, then NULLs the pointer; safe on NULL. */
void a2a_secret_free(char **s);

/*
 * The providers, one by one (the chain calls them in the order above). Each fills out and
 * returns A2A_CREDS_FOUND, or writes why it does not apply into why (cap bytes) and returns
 * A2A_CREDS_ABSENT, or sets err and returns A2A_CREDS_ERROR.
 */
enum a2a_creds_result a2a_creds_from_env(const struct a2a_creds_config *cfg,
                                         struct a2a_aws_creds *out, char *why, size_t cap,
                                         struct a2a_error *err);
enum a2a_creds_result a2a_creds_from_profile(const struct a2a_creds_config *cfg,
                                             struct a2a_aws_creds *out, char *why, size_t cap,
                                             struct a2a_error *err);
enum a2a_creds_result a2a_creds_from_container(const struct a2a_creds_config *cfg,
                                               struct a2a_aws_creds *out, char *why, size_t cap,
                                               struct a2a_error *err);
enum a2a_creds_result a2a_creds_from_imds(const struct a2a_creds_config *cfg,
                                          struct a2a_aws_creds *out, char *why, size_t cap,
                                          struct a2a_error *err);

/* ---- settings of the profile the client honours besides credentials ---- */

#define A2A_AWS_SETTING_MAX        4096
#define A2A_AWS_MAX_ATTEMPTS_LIMIT 100

struct a2a_aws_settings {
    char ca_bundle[A2A_AWS_SETTING_MAX];       /* CA bundle file (PEM), "" when none is set */
    char ca_bundle_from[A2A_CREDS_SOURCE_MAX]; /* where it was set, for messages: the
                                                  variable, or the profile, file and key */
    unsigned max_attempts;                     /* 1..A2A_AWS_MAX_ATTEMPTS_LIMIT, 0 when unset */
};

/*
 * Reads ca_bundle and max_attempts as botocore does: AWS_CA_BUNDLE and AWS_MAX_ATTEMPTS
 * first, then the profile (explicit, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else
 * "default"), the shared credentials file's value over the config file's. A profile or file that
 * does not exist or cannot be read sets nothing (the credential chain names that error when it
 * needs the file). An empty value counts as unset. Nothing is checked on disk. Returns 0, or -1
 * with err set (A2A_E_CONFIG): a value too long, or a max_attempts that is not a whole number from
 * 1 to 100 in digits; the message says where it was set.
 */
int a2a_aws_settings_read(const struct a2a_creds_config *cfg, struct a2a_aws_settings *out,
                          struct a2a_error *err);

/* ---- helpers the providers share, public for their unit tests ---- */

/*
 * Splits a credential_process command line into words as POSIX shlex does (what the AWS CLI
 * uses): blanks separate, '...' is literal, "..." allows \" and \\, a backslash outside quotes
 * takes the next character. Returns a NULL-terminated owned vector (a2a_argv_free) and its
 * count in *argc, or NULL with err set (A2A_E_CONFIG: unbalanced quote or no words;
 * A2A_E_NOMEM).
 */
char **a2a_shell_split(const char *line, int *argc, struct a2a_error *err);
void a2a_argv_free(char **argv);

/*
 * An ISO 8601 UTC time as AWS writes Expiration: YYYY-MM-DDTHH:MM:SS, optional fraction, then
 * Z or +HH:MM / -HH:MM. Returns 0 with *out set, or -1.
 */
int a2a_iso8601_parse(const char *s, time_t *out);

/*
 * Credentials from a JSON document: credential_process output (process != 0: Version 1
 * required, token key SessionToken) or a container/IMDS answer (token key Token). Expiration
 * is optional for credential_process, required otherwise. source names the origin for
 * messages. Returns A2A_CREDS_FOUND or A2A_CREDS_ERROR (err names source, never a value).
 */
enum a2a_creds_result a2a_creds_parse_json(const char *json, size_t len, int process,
                                           const char *source, struct a2a_aws_creds *out,
                                           struct a2a_error *err);

/*
 * 1 when a container FULL_URI may be used: https to any host, or http only to loopback
 * (127.0.0.0/8, ::1, localhost), 169.254.170.2, 169.254.170.23 or fd00:ec2::23; else 0.
 */
int a2a_container_uri_allowed(const char *url);

/*
 * Fills out with copies of the values (token NULL or empty: none), after checking each can
 * travel in a header line. Returns A2A_CREDS_FOUND, or A2A_CREDS_ERROR naming source (never a
 * value).
 */
enum a2a_creds_result a2a_creds_fill(struct a2a_aws_creds *out, const char *key, const char *secret,
                                     const char *token, time_t expiration, const char *source,
                                     struct a2a_error *err);

/*
 * Runs argv[0] without a shell, in a process group of its own; internal to the profile provider
 * (aws_cred_process.c), public for its unit tests. Past timeout_ms, or within 100 ms of *cancel
 * becoming nonzero (cancel may be NULL), the whole group is killed with SIGKILL and reaped; the
 * error is then A2A_E_CONFIG ("timed out") or A2A_E_INTERRUPTED.
 */
enum a2a_creds_result a2a_creds_run_process(const char *command, const char *profile,
                                            long timeout_ms, const volatile sig_atomic_t *cancel,
                                            struct a2a_aws_creds *out, struct a2a_error *err);

#endif
