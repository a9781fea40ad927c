/*
 * The profile provider and the chain. Profiles live in two INI files read the way botocore
 * reads them: "[name]" sections in the shared credentials file, "[profile name]" (and
 * "[default]") in the config file, keys case-insensitive, whole-line comments, lines indented
 * deeper than the key before them being that key's continuation or nested values (ignored:
 * none of our keys is multi-line).
 */
#define _DEFAULT_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_credentials.h"
#include "wipe.h"

#define INI_MAX_BYTES (1024 * 1024)
#define PATH_MAX_LEN  4096

enum {
    K_KEY,
    K_SECRET,
    K_TOKEN,
    K_PROCESS,
    K_CA_BUNDLE,
    K_MAX_ATTEMPTS,
    K_ROLE_ARN,
    K_WEB_IDENTITY,
    K_SSO_SESSION,
    K_SSO_START_URL,
    K_SSO_ACCOUNT,
    K_SSO_ROLE,
    K__MAX
};

static const char *const key_names[K__MAX] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "credential_process",
    "ca_bundle",         "max_attempts",          "role_arn",          "web_identity_token_file",
    "sso_session",       "sso_start_url",         "sso_account_id",    "sso_role_name",
};

/*
 * The profile types the AWS CLI resolves before a profile's keys (botocore's assume-role,
 * web identity and SSO providers) and we do not. Such a profile is an error, never a reason to
 * go on down the chain: the container or the instance would then sign as another identity.
 */
static const struct {
    int key;
    const char *type;
} unsupported[] = {
    {K_WEB_IDENTITY, "web identity"}, /* with its role_arn: named for the token */
    {K_ROLE_ARN, "assume role"},
    {K_SSO_SESSION, "IAM Identity Center (SSO)"},
    {K_SSO_START_URL, "IAM Identity Center (SSO)"},
    {K_SSO_ACCOUNT, "IAM Identity Center (SSO)"},
    {K_SSO_ROLE, "IAM Identity Center (SSO)"},
};

struct profile_vals {
    char *v[K__MAX]; /* owned; wiped (a2a_secret_free) */
    int found;       /* the section exists in this file */
};

static void vals_clear(struct profile_vals *pv)
{
    for (int k = 0; k < K__MAX; k++) {
        a2a_secret_free(&pv->v[k]);
    }
    pv->found = 0;
}

static char *trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/*
 * Whether a section header's inner text names profile in this kind of file, as botocore reads
 * it: the text between the brackets is the section's name as it stands, spaces and all ("[
 * default ]" is not the default profile, and the AWS CLI would not use it); only the name after
 * "profile" in the config file is taken apart at whitespace (botocore splits it with shlex).
 */
static int section_is(char *inner, const char *profile, int config_style)
{
    char *rest;

    if (!config_style) {
        return strcmp(inner, profile) == 0;
    }
    if (strcmp(profile, "default") == 0 && strcmp(inner, "default") == 0) {
        return 1;
    }
    if (strncmp(inner, "profile", 7) != 0 || (inner[7] != ' ' && inner[7] != '\t')) {
        return 0;
    }
    rest = trim(inner + 7);
    return strcmp(rest, profile) == 0;
}

/* Handles one "key = value" line of the wanted section. Returns 0, or -1 out of memory. */
static int take_key(char *line, struct profile_vals *pv)
{
    char *eq = strchr(line, '=');
    char *key;

    if (eq == NULL) {
        return 0;
    }
    *eq = '\0';
    key = trim(line);
    for (int k = 0; k < K__MAX; k++) {
        if (strcasecmp(key, key_names[k]) == 0) {
            a2a_secret_free(&pv->v[k]);
            pv->v[k] = strdup(trim(eq + 1));
            return pv->v[k] != NULL ? 0 : -1;
        }
    }
    return 0;
}

/* Reads the lines of f into pv for the wanted section; -1 when out of memory or too large, -2 on a
 * read error (errno says which). */
static int ini_scan(FILE *f, const char *profile, int config_style, struct profile_vals *pv)
{
    char *line = NULL;
    size_t cap = 0;
    size_t total = 0;
    ssize_t n;
    int in_section = 0;
    int key_indent = -1; /* indentation of the last key line; -1 after a header */
    int rc = 0;

    while ((n = getline(&line, &cap, f)) >= 0) {
        char *t = trim(line);
        total += (size_t)n;
        if (total > INI_MAX_BYTES) {
            rc = -1;
            break;
        }
        if (*t == '\0' || *t == '#' || *t == ';') {
            continue;
        }
        if (*t == '[') {
            char *close = strrchr(t, ']');
            if (close != NULL) {
                *close = '\0';
                in_section = section_is(t + 1, profile, config_style);
                pv->found |= in_section;
                key_indent = -1;
            }
            continue;
        }
        /* a line indented deeper than the key before it continues that key's value */
        if (key_indent >= 0 && t - line > key_indent) {
            continue;
        }
        key_indent = (int)(t - line);
        if (in_section && take_key(t, pv) != 0) {
            rc = -1;
            break;
        }
    }
    /* getline's -1 is also a read error (EISDIR when the path names a directory): not the end */
    int read_errno = errno;
    if (rc == 0 && ferror(f)) {
        rc = -2;
    }
    if (line != NULL) {
        a2a_wipe(line, cap);
        free(line);
    }
    errno = read_errno;
    return rc;
}

/* Reads one file; a missing file is no error (it simply has no profiles). */
static int ini_read(const char *path, const char *profile, int config_style,
                    struct profile_vals *pv, struct a2a_error *err)
{
    FILE *f;

    if (path[0] == '\0') {
        return 0;
    }
    f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return 0;
        }
        a2a_error_set(err, A2A_E_CONFIG, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int scanned = ini_scan(f, profile, config_style, pv);
    int read_errno = errno;
    if (scanned != 0) {
        fclose(f);
        vals_clear(pv);
        if (scanned == -2) {
            a2a_error_set(err, A2A_E_CONFIG, "%s: cannot read: %s", path, strerror(read_errno));
        } else {
            a2a_error_set(err, A2A_E_CONFIG, "%s: larger than %d bytes or out of memory", path,
                          INI_MAX_BYTES);
        }
        return -1;
    }
    fclose(f);
    return 0;
}

/* The file named by var, else ~/default_rel; "" when ~ cannot be expanded (no HOME). */
static void file_path(const struct a2a_creds_config *cfg, const char *var, const char *default_rel,
                      char *out, size_t cap)
{
    const char *p = a2a_env_get(&cfg->env, var);
    const char *home = a2a_env_get(&cfg->env, "HOME");
    char rel[256];

    if (p == NULL) {
        snprintf(rel, sizeof(rel), "~/%s", default_rel);
        p = rel;
    }
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        if (home == NULL || (size_t)snprintf(out, cap, "%s%s", home, p + 1) >= cap) {
            out[0] = '\0';
        }
        return;
    }
    if ((size_t)snprintf(out, cap, "%s", p) >= cap) {
        out[0] = '\0';
    }
}

/* Static keys of one file: found, absent, or an error when only one key is there. */
static enum a2a_creds_result static_keys(const struct profile_vals *pv, const char *source,
                                         struct a2a_aws_creds *out, struct a2a_error *err)
{
    if (pv->v[K_KEY] == NULL && pv->v[K_SECRET] == NULL) {
        return A2A_CREDS_ABSENT;
    }
    if (pv->v[K_KEY] == NULL || pv->v[K_SECRET] == NULL) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "%s: aws_access_key_id and aws_secret_access_key must be set together",
                      source);
        return A2A_CREDS_ERROR;
    }
    return a2a_creds_fill(out, pv->v[K_KEY], pv->v[K_SECRET], pv->v[K_TOKEN], 0, source, err);
}

static void set_profile_why(char *why, size_t cap, const char *profile, const char *what)
{
    snprintf(why, cap, "profile %s (%s)", profile, what);
}

/* The profile's sources in botocore's order, once both files are read. */
static enum a2a_creds_result profile_sources(const struct a2a_creds_config *cfg,
                                             const char *profile, const struct profile_vals *cred,
                                             const struct profile_vals *conf,
                                             struct a2a_aws_creds *out, struct a2a_error *err)
{
    char source[A2A_CREDS_SOURCE_MAX];
    enum a2a_creds_result rc;
    const char *process = cred->v[K_PROCESS] != NULL ? cred->v[K_PROCESS] : conf->v[K_PROCESS];

    snprintf(source, sizeof(source), "profile %s (shared credentials file)", profile);
    rc = static_keys(cred, source, out, err);
    if (rc != A2A_CREDS_ABSENT) {
        return rc;
    }
    if (process != NULL) {
        return a2a_creds_run_process(process, profile,
                                     cfg->process_timeout_ms > 0 ? cfg->process_timeout_ms : 60000,
                                     cfg->cancel, out, err);
    }
    snprintf(source, sizeof(source), "profile %s (config file)", profile);
    return static_keys(conf, source, out, err);
}

/*
 * The profile to read: the explicit one, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else
 * "default" (*named = 0). AWS CLI v2 reads both variables, AWS_PROFILE first (boto3 and AWS
 * CLI v1 read AWS_DEFAULT_PROFILE first); an operator who set only one of them must not get
 * another profile from us than from the CLI.
 */
static const char *profile_name(const struct a2a_creds_config *cfg, int *named)
{
    const char *profile = cfg->profile;

    *named = 1;
    if (profile == NULL) {
        profile = a2a_env_get(&cfg->env, "AWS_PROFILE");
    }
    if (profile == NULL) {
        profile = a2a_env_get(&cfg->env, "AWS_DEFAULT_PROFILE");
    }
    if (profile == NULL) {
        profile = "default";
        *named = 0;
    }
    return profile;
}

/*
 * Reads the profile's section of both files (paths filled for messages). Returns 0, or -1
 * with err set; with err NULL a file that cannot be read simply has no values.
 */
static int profile_read(const struct a2a_creds_config *cfg, const char *profile,
                        struct profile_vals *cred, char *cred_path, struct profile_vals *conf,
                        char *conf_path, struct a2a_error *err)
{
    struct a2a_error ignored = {0};
    struct a2a_error *e = err != NULL ? err : &ignored;

    file_path(cfg, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", cred_path, PATH_MAX_LEN);
    file_path(cfg, "AWS_CONFIG_FILE", ".aws/config", conf_path, PATH_MAX_LEN);
    if (ini_read(cred_path, profile, 0, cred, e) != 0 && err != NULL) {
        return -1;
    }
    if (ini_read(conf_path, profile, 1, conf, e) != 0 && err != NULL) {
        return -1;
    }
    return 0;
}

/* 0, or -1 with err set when the profile is of a type we cannot resolve (unsupported[]). */
static int unsupported_type(const char *profile, const struct profile_vals *cred,
                            const struct profile_vals *conf, struct a2a_error *err)
{
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        int k = unsupported[i].key;
        if (cred->v[k] == NULL && conf->v[k] == NULL) {
            continue;
        }
        a2a_error_set(err, A2A_E_CONFIG,
                      "profile %s (%s): %s is %s, which a2a-recover does not resolve; the AWS "
                      "CLI does: use a profile with credential_process = aws configure "
                      "export-credentials --profile %s --format process (see CREDENTIALS in "
                      "the manual)",
                      profile, cred->v[k] != NULL ? "shared credentials file" : "config file",
                      key_names[k], unsupported[i].type, profile);
        return -1;
    }
    return 0;
}

enum a2a_creds_result a2a_creds_from_profile(const struct a2a_creds_config *cfg,
                                             struct a2a_aws_creds *out, char *why, size_t cap,
                                             struct a2a_error *err)
{
    struct profile_vals cred = {{NULL}, 0};
    struct profile_vals conf = {{NULL}, 0};
    char cred_path[PATH_MAX_LEN];
    char conf_path[PATH_MAX_LEN];
    int named; /* a profile someone asked for must exist */
    const char *profile = profile_name(cfg, &named);
    enum a2a_creds_result rc = A2A_CREDS_ERROR;

    if (profile_read(cfg, profile, &cred, cred_path, &conf, conf_path, err) != 0) {
        goto out;
    }
    if (!cred.found && !conf.found) {
        if (named) {
            a2a_error_set(err, A2A_E_CONFIG, "profile %s: not found in %s or %s", profile,
                          cred_path[0] != '\0' ? cred_path : "(no credentials file)",
                          conf_path[0] != '\0' ? conf_path : "(no config file)");
            goto out;
        }
        char where[2 * PATH_MAX_LEN + 32];
        snprintf(where, sizeof(where), "not found in %s or %s",
                 cred_path[0] != '\0' ? cred_path : "(no credentials file)",
                 conf_path[0] != '\0' ? conf_path : "(no config file)");
        set_profile_why(why, cap, profile, where);
        rc = A2A_CREDS_ABSENT;
        goto out;
    }
    if (unsupported_type(profile, &cred, &conf, err) != 0) {
        goto out;
    }
    rc = profile_sources(cfg, profile, &cred, &conf, out, err);
    if (rc == A2A_CREDS_ABSENT) {
        set_profile_why(why, cap, profile, "has no keys or credential_process");
    }
out:
    vals_clear(&cred);
    vals_clear(&conf);
    return rc;
}

/* ---- settings besides credentials ------------------------------------------------------------ */

/* Copies a ca_bundle value set at from into out. Returns 0, or -1 (too long). */
static int take_ca_bundle(struct a2a_aws_settings *out, const char *value, const char *from,
                          struct a2a_error *err)
{
    if ((size_t)snprintf(out->ca_bundle, sizeof(out->ca_bundle), "%s", value) >=
        sizeof(out->ca_bundle)) {
        out->ca_bundle[0] = '\0';
        a2a_error_set(err, A2A_E_CONFIG, "%s is longer than %zu bytes", from,
                      sizeof(out->ca_bundle) - 1);
        return -1;
    }
    snprintf(out->ca_bundle_from, sizeof(out->ca_bundle_from), "%s", from);
    return 0;
}

/* Parses a max_attempts value set at from: digits only, 1 to A2A_AWS_MAX_ATTEMPTS_LIMIT. */
static int take_max_attempts(struct a2a_aws_settings *out, const char *value, const char *from,
                             struct a2a_error *err)
{
    unsigned n = 0;

    for (const char *p = value; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || n > A2A_AWS_MAX_ATTEMPTS_LIMIT) {
            n = 0;
            break;
        }
        n = n * 10 + (unsigned)(*p - '0');
    }
    if (n < 1 || n > A2A_AWS_MAX_ATTEMPTS_LIMIT) {
        a2a_error_set(err, A2A_E_CONFIG, "%s: \"%.40s\" is not a whole number from 1 to %d", from,
                      value, A2A_AWS_MAX_ATTEMPTS_LIMIT);
        return -1;
    }
    out->max_attempts = n;
    return 0;
}

/* A setting of the profile: the credentials file's over the config file's, as botocore merges. */
static const char *profile_value(const struct profile_vals *cred, const struct profile_vals *conf,
                                 int k, const char *profile, char *from, size_t cap)
{
    const struct profile_vals *pv = cred->v[k] != NULL ? cred : conf;

    snprintf(from, cap, "profile %s (%s file) %s", profile,
             pv == cred ? "shared credentials" : "config", key_names[k]);
    return pv->v[k];
}

int a2a_aws_settings_read(const struct a2a_creds_config *cfg, struct a2a_aws_settings *out,
                          struct a2a_error *err)
{
    struct profile_vals cred = {{NULL}, 0};
    struct profile_vals conf = {{NULL}, 0};
    char cred_path[PATH_MAX_LEN];
    char conf_path[PATH_MAX_LEN];
    char from[A2A_CREDS_SOURCE_MAX];
    const char *ca = a2a_env_get(&cfg->env, "AWS_CA_BUNDLE");
    const char *attempts = a2a_env_get(&cfg->env, "AWS_MAX_ATTEMPTS");
    int named; /* a profile that does not exist sets nothing, named or not */
    const char *profile = profile_name(cfg, &named);
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if ((ca != NULL && take_ca_bundle(out, ca, "AWS_CA_BUNDLE", err) != 0) ||
        (attempts != NULL && take_max_attempts(out, attempts, "AWS_MAX_ATTEMPTS", err) != 0)) {
        return -1;
    }
    if (ca != NULL && attempts != NULL) {
        return 0; /* the environment decides both: no file is read */
    }
    /* A file that cannot be read sets nothing, as for botocore: a run whose credentials come
       from elsewhere never needed it, and the credential chain names it when it does. */
    (void)profile_read(cfg, profile, &cred, cred_path, &conf, conf_path, NULL);
    if (ca == NULL &&
        (ca = profile_value(&cred, &conf, K_CA_BUNDLE, profile, from, sizeof(from))) != NULL &&
        take_ca_bundle(out, ca, from, err) != 0) {
        goto out;
    }
    if (attempts == NULL &&
        (attempts = profile_value(&cred, &conf, K_MAX_ATTEMPTS, profile, from, sizeof(from))) !=
            NULL &&
        take_max_attempts(out, attempts, from, err) != 0) {
        goto out;
    }
    rc = 0;
out:
    vals_clear(&cred);
    vals_clear(&conf);
    return rc;
}

/* ---- the chain ------------------------------------------------------------------------------ */

typedef enum a2a_creds_result provider_fn(const struct a2a_creds_config *cfg,
                                          struct a2a_aws_creds *out, char *why, size_t cap,
                                          struct a2a_error *err);

/*
 * Stamps found credentials with the time of the fetch. Keys that expired before they came are
 * an error naming their source, as in botocore, rather than a call the service denies.
 */
static int fresh(struct a2a_aws_creds *out, struct a2a_error *err)
{
    char when[32];
    struct tm tm;

    out->fetched = time(NULL);
    if (out->expiration == 0 || out->expiration > out->fetched) {
        return 0;
    }
    if (gmtime_r(&out->expiration, &tm) == NULL ||
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(when, sizeof(when), "%lld", (long long)out->expiration);
    }
    a2a_error_set(err, A2A_E_CONFIG, "%s: the credentials it gave had expired (at %s)", out->source,
                  when);
    a2a_aws_creds_clear(out);
    return -1;
}

static provider_fn *const chain[] = {
    a2a_creds_from_env,
    a2a_creds_from_profile,
    a2a_creds_from_container,
    a2a_creds_from_imds,
};
#define CHAIN_LINKS ((int)(sizeof(chain) / sizeof(chain[0])))

int a2a_aws_creds_resolve(const struct a2a_creds_config *cfg, struct a2a_aws_creds *out,
                          struct a2a_error *err)
{
    char tried[4 * (A2A_CREDS_WHY_MAX + 2)] = "";

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < CHAIN_LINKS; i++) {
        char why[A2A_CREDS_WHY_MAX] = "";
        enum a2a_creds_result rc = chain[i](cfg, out, why, sizeof(why), err);
        if (rc == A2A_CREDS_FOUND) {
            out->link = i + 1;
            return fresh(out, err);
        }
        if (rc == A2A_CREDS_ERROR) {
            a2a_aws_creds_clear(out);
            return -1;
        }
        if (i > 0) {
            strncat(tried, "; ", sizeof(tried) - strlen(tried) - 1);
        }
        strncat(tried, why, sizeof(tried) - strlen(tried) - 1);
    }
    a2a_error_set(err, A2A_E_CONFIG, "no AWS credentials found; tried %s", tried);
    return -1;
}

int a2a_aws_creds_refresh(const struct a2a_creds_config *cfg, int link, struct a2a_aws_creds *out,
                          struct a2a_error *err)
{
    char why[A2A_CREDS_WHY_MAX] = "";
    enum a2a_creds_result rc;

    if (link < 1 || link > CHAIN_LINKS) {
        return a2a_aws_creds_resolve(cfg, out, err);
    }
    memset(out, 0, sizeof(*out));
    rc = chain[link - 1](cfg, out, why, sizeof(why), err);
    if (rc == A2A_CREDS_FOUND) {
        out->link = link;
        return fresh(out, err);
    }
    a2a_aws_creds_clear(out);
    if (rc == A2A_CREDS_ABSENT) {
        a2a_error_set(err, A2A_E_CONFIG,
                      "the credentials expired and their source no longer gives any (%s); the "
                      "run keeps to the source it started with",
                      why);
    }
    return -1;
}
