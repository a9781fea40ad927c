/*
 * aws_credentials.h: the provider chain and its helpers. The environment is a table per row,
 * profile files live in a temporary HOME, credential_process runs real programs (printf,
 * false, sleep) without a shell, and curl_easy_perform is wrapped so that no row can reach a
 * network: the wrapper counts the calls and answers "could not connect".
 */
#define _DEFAULT_SOURCE /* setitimer, kill */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "rows.h"

#include "aws_credentials.h"

/*
 * Every libcurl transfer of this binary goes through this wrap (-Wl,--wrap): the container
 * and IMDS rows, and the non-loopback addresses in the tables below, never reach a socket.
 */
CURLcode __wrap_curl_easy_perform(CURL *h);

static int perform_calls;
static char last_url[512];

CURLcode __wrap_curl_easy_perform(CURL *h)
{
    char *url = NULL;

    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
    snprintf(last_url, sizeof(last_url), "%s", url != NULL ? url : "");
    perform_calls++;
    return CURLE_COULDNT_CONNECT;
}

/* ---- shell words --------------------------------------------------------------------------- */

struct split_row {
    const char *line;
    const char *want[5]; /* NULL-terminated; want[0] NULL with ok 0: refused */
    int ok;
};

static const struct split_row split_rows[] = {
    {"cmd", {"cmd"}, 1},
    {"  cmd   a\tb  ", {"cmd", "a", "b"}, 1},
    {"/opt/bin/creds --profile 'my prof'", {"/opt/bin/creds", "--profile", "my prof"}, 1},
    {"a \"b c\" d", {"a", "b c", "d"}, 1},
    {"a\\ b", {"a b"}, 1},
    {"x'y z'w", {"xy zw"}, 1},
    {"'a\\b'", {"a\\b"}, 1},                   /* no escapes inside single quotes */
    {"\"a\\\"b\\\\c\\d\"", {"a\"b\\c\\d"}, 1}, /* only \" and \\ inside double quotes */
    {"'' x", {"", "x"}, 1},
    {"a;b|c", {"a;b|c"}, 1}, /* no shell: nothing special */
    {"$(id) `id` $HOME", {"$(id)", "`id`", "$HOME"}, 1},
    {"aws configure export-credentials --profile X --format process",
     {"aws", "configure", "export-credentials", "--profile", "X"},
     1}, /* first five words */
    {"", {NULL}, 0},
    {"   ", {NULL}, 0},
    {"'unbalanced", {NULL}, 0},
    {"\"unbalanced", {NULL}, 0},
    {"trailing\\", {NULL}, 0},
};

static void test_shell_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(split_rows) / sizeof(split_rows[0]); i++) {
        const struct split_row *r = &split_rows[i];
        struct a2a_error err = {0};
        int argc = -1;
        char **argv = a2a_shell_split(r->line, &argc, &err);

        if (!r->ok) {
            if (argv != NULL || err.code != A2A_E_CONFIG) {
                row_fail("split(%s): accepted, want a refusal", r->line);
            }
            a2a_argv_free(argv);
            continue;
        }
        if (argv == NULL) {
            row_fail("split(%s): refused: %s", r->line, err.msg);
            continue;
        }
        for (int k = 0; k < 5 && r->want[k] != NULL; k++) {
            if (k >= argc || strcmp(argv[k], r->want[k]) != 0) {
                row_fail("split(%s): word %d = \"%s\", want \"%s\"", r->line, k,
                         k < argc ? argv[k] : "(none)", r->want[k]);
            }
        }
        if (argv[argc] != NULL) {
            row_fail("split(%s): vector not NULL-terminated", r->line);
        }
        a2a_argv_free(argv);
    }
    rows_done();
}

/* ---- times --------------------------------------------------------------------------------- */

struct time_row {
    const char *in;
    long long want; /* -1: refused */
};

static const struct time_row time_rows[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2019-11-14T00:13:49Z", 1573690429},
    {"2019-11-14T00:13:49.717Z", 1573690429},
    {"2019-11-14T01:13:49+01:00", 1573690429},
    {"2019-11-13T23:13:49-01:00", 1573690429},
    {"2000-02-29T12:00:00Z", 951825600},
    {"2038-01-19T03:14:08Z", 2147483648LL}, /* past 32-bit time_t */
    {"2019-11-14 00:13:49Z", -1},
    {"2019-11-14T00:13:49", -1},
    {"2019-11-14T00:13:49.Z", -1},
    {"2019-13-14T00:13:49Z", -1},
    {"2019-11-14T24:13:49Z", -1},
    {"2019-11-14T00:13:49+0100", -1},
    {"2019-11-14T00:13:49Zjunk", -1},
    {"", -1},
    {"tomorrow", -1},
};

static void test_iso8601(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(time_rows) / sizeof(time_rows[0]); i++) {
        time_t t = 0;
        int rc = a2a_iso8601_parse(time_rows[i].in, &t);
        long long got = rc == 0 ? (long long)t : -1;
        if (got != time_rows[i].want) {
            row_fail("iso8601(%s) = %lld, want %lld", time_rows[i].in, got, time_rows[i].want);
        }
    }
    rows_done();
}

/* ---- JSON answers ------------------------------------------------------------------------- */

struct json_row {
    int process;
    const char *json; /* ' for " */
    const char *key;  /* NULL: refused */
    const char *token;
    long long expiration;
    const char *msg;
};

static const struct json_row json_rows[] = {
    {1, "{'Version':1,'AccessKeyId':'AK','SecretAccessKey':'SK'}", "AK", NULL, 0, NULL},
    {1,
     "{'Version':1,'AccessKeyId':'AK','SecretAccessKey':'SK','SessionToken':'TK',"
     "'Expiration':'2019-11-14T00:13:49Z'}",
     "AK", "TK", 1573690429, NULL},
    {0,
     "{'Code':'Success','AccessKeyId':'AK','SecretAccessKey':'SK','Token':'TK',"
     "'Expiration':'2019-11-14T00:13:49Z'}",
     "AK", "TK", 1573690429, NULL},
    {1, "{'Version':2,'AccessKeyId':'AK','SecretAccessKey':'SK'}", NULL, NULL, 0, "~Version"},
    {1, "{'Version':'1','AccessKeyId':'AK','SecretAccessKey':'SK'}", NULL, NULL, 0, "~Version"},
    {1, "{'AccessKeyId':'AK','SecretAccessKey':'SK'}", NULL, NULL, 0, "~Version"},
    {1, "{'Version':1,'AccessKeyId':'AK'}", NULL, NULL, 0, "~SecretAccessKey"},
    {1, "{'Version':1,'AccessKeyId':'AK','SecretAccessKey':'SK','Expiration':'soon'}", NULL, NULL,
     0, "~Expiration"},
    {1, "{'Version':1,'AccessKeyId':'AK','SecretAccessKey':'SK','Expiration':null}", NULL, NULL, 0,
     "~Expiration"},
    {0, "{'AccessKeyId':'AK','SecretAccessKey':'SK','Token':'TK'}", NULL, NULL, 0, "~Expiration"},
    {1, "{'Version':1,'AccessKeyId':'A K','SecretAccessKey':'SK'}", NULL, NULL, 0, "~blank"},
    {1, "{'Version':1,'AccessKeyId':'AK','SecretAccessKey':'SK','SessionToken':'a\\r\\nb'}", NULL,
     NULL, 0, "~control"},
    {1, "{'Version':1,'AccessKeyId':'','SecretAccessKey':'SK'}", NULL, NULL, 0, "~empty"},
    {1, "not json", NULL, NULL, 0, "~not a JSON object"},
    {1, "[1]", NULL, NULL, 0, "~not a JSON object"},
};

static void test_parse_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(json_rows) / sizeof(json_rows[0]); i++) {
        const struct json_row *r = &json_rows[i];
        char *json = q(r->json, strlen(r->json) + 1);
        struct a2a_aws_creds c;
        struct a2a_error err = {0};
        enum a2a_creds_result rc =
            a2a_creds_parse_json(json, strlen(json), r->process, "src", &c, &err);

        if (r->key == NULL) {
            if (rc != A2A_CREDS_ERROR || !text_matches(err.msg, r->msg) ||
                strncmp(err.msg, "src: ", 5) != 0) {
                row_fail("%s: rc %d \"%s\", want an error matching %s", json, rc, err.msg, r->msg);
            }
            if (strstr(err.msg, "SK") != NULL) {
                row_fail("%s: the message shows a secret: %s", json, err.msg);
            }
        } else if (rc != A2A_CREDS_FOUND || strcmp(c.access_key_id, r->key) != 0 ||
                   strcmp(c.secret_access_key, "SK") != 0 ||
                   (r->token == NULL
                        ? c.session_token != NULL
                        : c.session_token == NULL || strcmp(c.session_token, r->token) != 0) ||
                   (long long)c.expiration != r->expiration) {
            row_fail("%s: rc %d (%s), want key %s", json, rc, err.msg, r->key);
        }
        if (rc == A2A_CREDS_FOUND) {
            a2a_aws_creds_clear(&c);
        }
        free(json);
    }
    rows_done();
}

/* ---- container URIs ----------------------------------------------------------------------- */

struct uri_row {
    const char *url;
    int want;
};

static const struct uri_row uri_rows[] = {
    {"https://creds.example.com/v1", 1},
    {"https://10.0.0.1/", 1},
    {"http://127.0.0.1:8080/creds", 1},
    {"http://127.1.2.3/creds", 1},
    {"http://localhost:9/x", 1},
    {"http://[::1]:9/x", 1},
    {"http://169.254.170.2/v2/credentials/x", 1},
    {"http://169.254.170.23/v1/credentials", 1},
    {"http://[fd00:ec2::23]/v1/credentials", 1},
    {"http://169.254.169.254/latest", 0},
    {"http://10.0.0.1/creds", 0},
    {"http://128.0.0.1/creds", 0},
    {"http://127.0.0.1.evil.com/creds", 0},
    {"http://creds.example.com/", 0},
    {"ftp://127.0.0.1/", 0},
    {"file:///etc/passwd", 0},
    {"not a url", 0},
};

static void test_container_uri(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(uri_rows) / sizeof(uri_rows[0]); i++) {
        int got = a2a_container_uri_allowed(uri_rows[i].url);
        if (got != uri_rows[i].want) {
            row_fail("allowed(%s) = %d, want %d", uri_rows[i].url, got, uri_rows[i].want);
        }
    }
    rows_done();
}

/* ---- the chain --------------------------------------------------------------------------------
 */

#define MAX_VARS 8

struct chain_row {
    const char *name;
    const char *vars[MAX_VARS]; /* "NAME=value"; HOME is the row's temporary directory */
    const char *profile;        /* explicit --profile */
    const char *cred_file;      /* ~/.aws/credentials content, or NULL */
    const char *conf_file;      /* ~/.aws/config content, or NULL */
    const char *want_key;       /* NULL: an error */
    const char *want;           /* the source (found) or a text_matches() error pattern */
    int want_calls;             /* curl_easy_perform calls */
};

#define PROC_OK(key)                                                                               \
    "credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"" key                           \
    "\",\"SecretAccessKey\":\"S\",\"SessionToken\":\"T\",\"Expiration\":\"2030-01-01T00:00:00Z\"}" \
    "'\n"

#define NOIMDS  "AWS_EC2_METADATA_DISABLED=true"
#define ENVKEYS "AWS_ACCESS_KEY_ID=AKENV", "AWS_SECRET_ACCESS_KEY=SKENV"

static const struct chain_row chain_rows[] = {
    {"env keys", {NOIMDS, ENVKEYS}, NULL, NULL, NULL, "AKENV", "environment", 0},
    {"env keys beat the default profile",
     {NOIMDS, ENVKEYS},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     NULL,
     "AKENV",
     "environment",
     0},
    {"AWS_PROFILE does not skip env keys",
     {NOIMDS, ENVKEYS, "AWS_PROFILE=p"},
     NULL,
     "[p]\naws_access_key_id=AKP\naws_secret_access_key=S\n",
     NULL,
     "AKENV",
     "environment",
     0},
    {"an explicit profile skips env keys",
     {NOIMDS, ENVKEYS},
     "p",
     "[p]\naws_access_key_id=AKP\naws_secret_access_key=S\n",
     NULL,
     "AKP",
     "~profile p",
     0},
    {"half the env keys",
     {NOIMDS, "AWS_ACCESS_KEY_ID=AKENV"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~set together",
     0},
    {"empty env keys are unset",
     {NOIMDS, "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     NULL,
     "AKCRED",
     "~shared credentials",
     0},
    {"default profile, credentials file",
     {NOIMDS},
     NULL,
     "# comment\n; comment\n[other]\naws_access_key_id=AKO\naws_secret_access_key=S\n"
     "[default]\n  AWS_Access_Key_ID  =  AKCRED  \naws_secret_access_key=S\n",
     NULL,
     "AKCRED",
     "profile default (shared credentials file)",
     0},
    /* botocore keeps a section's name as it stands: "[ default ]" is another profile */
    {"a section name with spaces is not the profile, in the credentials file",
     {NOIMDS},
     NULL,
     "[ default ]\naws_access_key_id=AKSP\naws_secret_access_key=S\n",
     NULL,
     NULL,
     "~profile default (not found in ",
     0},
    {"a section name with spaces is not the profile, in the config file",
     {NOIMDS, "AWS_PROFILE=replay"},
     NULL,
     NULL,
     "[ profile replay ]\naws_access_key_id=AKSP\naws_secret_access_key=S\n",
     NULL,
     "profile replay: not found in *",
     0},
    {"spaces around the name after 'profile' are taken off, as shlex does",
     {NOIMDS, "AWS_PROFILE=replay"},
     NULL,
     NULL,
     "[profile   replay  ]\naws_access_key_id=AKP2\naws_secret_access_key=S\n",
     "AKP2",
     "profile replay (config file)",
     0},
    {"default profile, config file",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\naws_access_key_id=AKCONF\naws_secret_access_key=S\n",
     "AKCONF",
     "profile default (config file)",
     0},
    {"credentials file beats config file",
     {NOIMDS},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     "[default]\naws_access_key_id=AKCONF\naws_secret_access_key=S\n",
     "AKCRED",
     "~shared credentials",
     0},
    {"[profile p] in the config file",
     {NOIMDS, "AWS_PROFILE=p"},
     NULL,
     NULL,
     "[p]\naws_access_key_id=AKWRONG\naws_secret_access_key=S\n"
     "[profile  p]\naws_access_key_id=AKCONFP\naws_secret_access_key=S\n",
     "AKCONFP",
     "~config file",
     0},
    {"[p] in the config file is not profile p",
     {NOIMDS, "AWS_PROFILE=p"},
     NULL,
     NULL,
     "[p]\naws_access_key_id=AKWRONG\naws_secret_access_key=S\n",
     NULL,
     "~profile p: not found",
     0},
    {"AWS_DEFAULT_PROFILE when AWS_PROFILE is unset",
     {NOIMDS, "AWS_DEFAULT_PROFILE=d"},
     NULL,
     "[default]\naws_access_key_id=AKDEF\naws_secret_access_key=S\n"
     "[d]\naws_access_key_id=AKD\naws_secret_access_key=S\n",
     NULL,
     "AKD",
     "profile d (shared credentials file)",
     0},
    {"AWS_PROFILE over AWS_DEFAULT_PROFILE",
     {NOIMDS, "AWS_PROFILE=p", "AWS_DEFAULT_PROFILE=d"},
     NULL,
     "[d]\naws_access_key_id=AKD\naws_secret_access_key=S\n"
     "[p]\naws_access_key_id=AKP\naws_secret_access_key=S\n",
     NULL,
     "AKP",
     "profile p (shared credentials file)",
     0},
    {"AWS_DEFAULT_PROFILE does not skip env keys",
     {NOIMDS, ENVKEYS, "AWS_DEFAULT_PROFILE=d"},
     NULL,
     "[d]\naws_access_key_id=AKD\naws_secret_access_key=S\n",
     NULL,
     "AKENV",
     "environment",
     0},
    {"the explicit profile over AWS_DEFAULT_PROFILE",
     {NOIMDS, "AWS_DEFAULT_PROFILE=d"},
     "e",
     "[d]\naws_access_key_id=AKD\naws_secret_access_key=S\n"
     "[e]\naws_access_key_id=AKE\naws_secret_access_key=S\n",
     NULL,
     "AKE",
     "profile e (shared credentials file)",
     0},
    {"an assume-role profile stops the chain: no container call",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c", "AWS_PROFILE=role"},
     NULL,
     NULL,
     "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\n",
     NULL,
     "profile role (config file): role_arn is assume role, which a2a-recover does not resolve; "
     "the AWS CLI does: use a profile with credential_process = aws configure "
     "export-credentials --profile role --format process (see CREDENTIALS in the manual)",
     0},
    {"role_arn over the profile's own keys, as botocore: an error",
     {NOIMDS},
     "role",
     "[role]\naws_access_key_id=AKR\naws_secret_access_key=S\nrole_arn=arn:aws:iam::1:role/r\n",
     NULL,
     NULL,
     "~profile role (shared credentials file): role_arn is assume role",
     0},
    {"an SSO profile",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
     NULL,
     "~sso_session is IAM Identity Center (SSO)",
     0},
    {"a legacy SSO profile",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\nsso_start_url = https://corp.awsapps.example/start\n",
     NULL,
     "~sso_start_url is IAM Identity Center (SSO)",
     0},
    {"a web identity profile",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::1:role/r\n",
     NULL,
     "~web_identity_token_file is web identity",
     0},
    {"web identity in the environment stops the chain: no container call",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c",
      "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token", "AWS_ROLE_ARN=arn:aws:iam::1:role/r"},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     NULL,
     NULL,
     "~environment: AWS_WEB_IDENTITY_TOKEN_FILE is set (web identity)",
     0},
    {"environment keys before web identity",
     {NOIMDS, ENVKEYS, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token"},
     NULL,
     NULL,
     NULL,
     "AKENV",
     "environment",
     0},
    {"an explicit profile is taken over web identity",
     {NOIMDS, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token"},
     "p",
     "[p]\naws_access_key_id=AKP\naws_secret_access_key=S\n",
     NULL,
     "AKP",
     "profile p (shared credentials file)",
     0},
    {"credentials that had expired when they came are an error, naming their source",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKOLD\","
     "\"SecretAccessKey\":\"S\",\"SessionToken\":\"T\",\"Expiration\":"
     "\"2001-02-03T04:05:06Z\"}'\n",
     NULL,
     "~: the credentials it gave had expired (at 2001-02-03T04:05:06Z)",
     0},
    {"an AWS_DEFAULT_PROFILE that does not exist",
     {NOIMDS, "AWS_DEFAULT_PROFILE=nope"},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     NULL,
     NULL,
     "~profile nope: not found",
     0},
    {"an explicit profile that does not exist",
     {NOIMDS},
     "nope",
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     NULL,
     NULL,
     "~profile nope: not found",
     0},
    {"nested values are not keys",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ns3 =\n  aws_access_key_id = AKNESTED\naws_access_key_id=AKTOP\n"
     "aws_secret_access_key=S\n",
     "AKTOP",
     "~config file",
     0},
    {"half the keys in a profile",
     {NOIMDS},
     NULL,
     "[default]\naws_access_key_id=AKCRED\n",
     NULL,
     NULL,
     "~set together",
     0},
    {"session token from a profile",
     {NOIMDS},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\naws_session_token=T\n",
     NULL,
     "AKCRED",
     "~shared credentials",
     0},
    {"files named by variables",
     {NOIMDS, "AWS_SHARED_CREDENTIALS_FILE=~/elsewhere/c", "AWS_CONFIG_FILE=~/elsewhere/f"},
     NULL,
     "[default]\naws_access_key_id=AKWRONG\naws_secret_access_key=S\n",
     NULL,
     NULL,
     "no AWS credentials found*",
     0},
    {"credential_process",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\n" PROC_OK("AKPROC"),
     "AKPROC",
     "profile default (credential_process)",
     0},
    {"credential_process in the credentials file",
     {NOIMDS},
     NULL,
     "[default]\n" PROC_OK("AKPROC"),
     NULL,
     "AKPROC",
     "~credential_process",
     0},
    {"credentials-file keys beat credential_process",
     {NOIMDS},
     NULL,
     "[default]\naws_access_key_id=AKCRED\naws_secret_access_key=S\n",
     "[default]\n" PROC_OK("AKPROC"),
     "AKCRED",
     "~shared credentials",
     0},
    {"credential_process beats config-file keys",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\naws_access_key_id=AKCONF\naws_secret_access_key=S\n" PROC_OK("AKPROC"),
     "AKPROC",
     "~credential_process",
     0},
    {"credential_process exits nonzero",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = false\n",
     NULL,
     "profile default (credential_process): exited with status 1",
     0},
    {"credential_process Version 2",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = printf '{\"Version\":2,\"AccessKeyId\":\"A\","
     "\"SecretAccessKey\":\"S\"}'\n",
     NULL,
     "~Version",
     0},
    {"credential_process prints no JSON",
     {NOIMDS},
     "p",
     NULL,
     "[profile p]\ncredential_process = echo hello\n",
     NULL,
     "profile p (credential_process): the answer is not a JSON object",
     0},
    {"credential_process not found",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = /nonexistent/creds --x\n",
     NULL,
     "~cannot run /nonexistent/creds",
     0},
    {"credential_process is never a shell line",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = echo '{}' ; false\n",
     NULL,
     "~not a JSON object",
     0},
    {"credential_process times out",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = sleep 5\n",
     NULL,
     "~timed out",
     0},
    {"credential_process floods its output",
     {NOIMDS},
     NULL,
     NULL,
     "[default]\ncredential_process = yes\n",
     NULL,
     "~bytes of output",
     0},
    {"nothing anywhere, IMDS disabled: no connection",
     {NOIMDS},
     NULL,
     NULL,
     NULL,
     NULL,
     /* the files looked in are named (the home directory is a fresh one: its name varies) */
     "no AWS credentials found; tried environment (AWS_ACCESS_KEY_ID not set); profile default "
     "(not found in /tmp/a2a-creds-*",
     0},
    {"nothing anywhere, IMDS disabled: what was tried, in order",
     {NOIMDS},
     NULL,
     NULL,
     NULL,
     NULL,
     "~/.aws/config); container (AWS_CONTAINER_CREDENTIALS_*_URI not set); IMDS "
     "(AWS_EC2_METADATA_DISABLED=true)",
     0},
    {"IMDS disabled in capitals",
     {"AWS_EC2_METADATA_DISABLED=TRUE"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~(AWS_EC2_METADATA_DISABLED=true)",
     0},
    {"IMDS asked once when enabled",
     {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9/"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~IMDS at http://127.0.0.1:9/ (no answer)",
     1},
    {"container relative URI",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/x"},
     NULL,
     NULL,
     NULL,
     NULL,
     "container credentials: http://169.254.170.2/v2/x: *",
     1},
    {"container full URI not allowed",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.1.1.1/creds"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~must be https, or http to loopback",
     0},
    {"container token with a newline",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN=a\nb"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~CR, LF",
     0},
    {"container token file missing",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/nonexistent/token"},
     NULL,
     NULL,
     NULL,
     NULL,
     "~cannot read",
     0},
    /* fopen succeeds on a directory and getline then fails: a read error, not an empty file
     * (the config file is read by the same ini_read) */
    {"the credentials file is a directory: the error names it, not 'profile not found'",
     {NOIMDS, "AWS_PROFILE=replay", "AWS_SHARED_CREDENTIALS_FILE=/tmp"},
     NULL,
     NULL,
     NULL,
     NULL,
     "/tmp: cannot read: Is a directory",
     0},
    {"a profile beats the container",
     {NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c"},
     NULL,
     NULL,
     "[default]\naws_access_key_id=AKCONF\naws_secret_access_key=S\n",
     "AKCONF",
     "~config",
     0},
};

struct row_env {
    const struct chain_row *row;
    char home[256];
};

static const char *row_get(void *ctx, const char *name)
{
    const struct row_env *re = ctx;
    size_t n = strlen(name);

    if (strcmp(name, "HOME") == 0) {
        return re->home;
    }
    for (int i = 0; i < MAX_VARS && re->row->vars[i] != NULL; i++) {
        const char *v = re->row->vars[i];
        if (strncmp(v, name, n) == 0 && v[n] == '=') {
            return v + n + 1;
        }
    }
    return NULL;
}

static void write_file(const char *dir, const char *name, const char *content)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void run_chain_row(const struct chain_row *r)
{
    struct row_env re = {r, ""};
    struct a2a_creds_config cfg = {r->profile, {row_get, &re}, 0, 500, NULL};
    struct a2a_aws_creds c;
    struct a2a_error err = {0};
    char aws[300];
    int rc;

    snprintf(re.home, sizeof(re.home), "/tmp/a2a-creds-XXXXXX");
    assert_non_null(mkdtemp(re.home));
    snprintf(aws, sizeof(aws), "%s/.aws", re.home);
    assert_int_equal(mkdir(aws, 0700), 0);
    if (r->cred_file != NULL) {
        write_file(aws, "credentials", r->cred_file);
    }
    if (r->conf_file != NULL) {
        write_file(aws, "config", r->conf_file);
    }
    perform_calls = 0;
    rc = a2a_aws_creds_resolve(&cfg, &c, &err);
    if (r->want_key != NULL) {
        if (rc != 0 || strcmp(c.access_key_id, r->want_key) != 0 ||
            !text_matches(c.source, r->want)) {
            row_fail("%s: rc %d key %s source \"%s\" (%s), want %s from %s", r->name, rc,
                     rc == 0 ? c.access_key_id : "-", rc == 0 ? c.source : "-", err.msg,
                     r->want_key, r->want);
        }
    } else if (rc != -1 || err.code == A2A_OK || !text_matches(err.msg, r->want)) {
        row_fail("%s: rc %d \"%s\", want an error matching \"%s\"", r->name, rc, err.msg, r->want);
    }
    if (perform_calls != r->want_calls) {
        row_fail("%s: %d HTTP calls (last %s), want %d", r->name, perform_calls, last_url,
                 r->want_calls);
    }
    if (strstr(err.msg, "SKENV") != NULL || strstr(err.msg, "\"S\"") != NULL) {
        row_fail("%s: the message shows a secret: %s", r->name, err.msg);
    }
    a2a_aws_creds_clear(&c);
    snprintf(aws, sizeof(aws), "rm -rf '%s'", re.home);
    assert_int_equal(system(aws), 0);
}

static void test_chain(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(chain_rows) / sizeof(chain_rows[0]); i++) {
        run_chain_row(&chain_rows[i]);
    }
    rows_done();
}

/* ---- refresh: the source that gave the credentials, not the whole chain again --------------- */

struct live_env {
    const char *vars[4]; /* NAME=value; changed between calls as a running process would see */
    char home[256];
};

static const char *live_get(void *ctx, const char *name)
{
    const struct live_env *le = ctx;
    size_t n = strlen(name);

    if (strcmp(name, "HOME") == 0) {
        return le->home;
    }
    for (int i = 0; i < 4 && le->vars[i] != NULL; i++) {
        if (strncmp(le->vars[i], name, n) == 0 && le->vars[i][n] == '=') {
            return le->vars[i] + n + 1;
        }
    }
    return NULL;
}

static void test_refresh_keeps_to_its_source(void **state)
{
    struct live_env le = {{NOIMDS, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c"}, ""};
    struct a2a_creds_config cfg = {NULL, {live_get, &le}, 0, 500, NULL};
    struct a2a_aws_creds c;
    struct a2a_error err = {0};
    char aws[300];
    int link;

    (void)state;
    snprintf(le.home, sizeof(le.home), "/tmp/a2a-refresh-XXXXXX");
    assert_non_null(mkdtemp(le.home));
    snprintf(aws, sizeof(aws), "%s/.aws", le.home);
    assert_int_equal(mkdir(aws, 0700), 0);
    write_file(aws, "credentials",
               "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=S\n");
    assert_int_equal(a2a_aws_creds_resolve(&cfg, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKFILE");
    link = c.link;
    assert_int_equal(link, 2);
    a2a_aws_creds_clear(&c);

    /* Keys an earlier link reads appear mid-run: the refresh still asks the profile. */
    le.vars[2] = "AWS_ACCESS_KEY_ID=AKENV";
    le.vars[3] = "AWS_SECRET_ACCESS_KEY=SKENV";
    assert_int_equal(a2a_aws_creds_refresh(&cfg, link, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKFILE");
    assert_int_equal(c.link, 2);
    a2a_aws_creds_clear(&c);

    /* The profile loses its keys: an error naming why, and no later link (the container) asked. */
    write_file(aws, "credentials", "[other]\naws_access_key_id=AKO\naws_secret_access_key=S\n");
    perform_calls = 0;
    assert_int_equal(a2a_aws_creds_refresh(&cfg, link, &c, &err), -1);
    assert_int_equal(err.code, A2A_E_CONFIG);
    assert_non_null(strstr(err.msg, "no longer gives any"));
    assert_null(strstr(err.msg, "SKENV"));
    assert_int_equal(perform_calls, 0);
    assert_null(c.access_key_id);

    /* Link 0: the whole chain, as at the start of a run. */
    assert_int_equal(a2a_aws_creds_refresh(&cfg, 0, &c, &err), 0);
    assert_string_equal(c.access_key_id, "AKENV");
    assert_int_equal(c.link, 1);
    a2a_aws_creds_clear(&c);
    snprintf(aws, sizeof(aws), "rm -rf '%s'", le.home);
    assert_int_equal(system(aws), 0);
}

/* ---- settings besides credentials: ca_bundle, max_attempts ------------------------------------
 */

struct settings_row {
    struct chain_row in;    /* name, vars, profile and files; the rest unused */
    const char *want_ca;    /* "" for none; NULL: an error */
    const char *want_from;  /* where the bundle was set, or the error's text_matches() */
    unsigned want_attempts; /* 0 for none */
};

static const struct settings_row settings_rows[] = {
    {{.name = "nothing set", .vars = {NULL}, .profile = NULL, .cred_file = NULL, .conf_file = NULL},
     "",
     "",
     0},
    {{.name = "the environment",
      .vars = {"AWS_CA_BUNDLE=/ca.pem", "AWS_MAX_ATTEMPTS=3"},
      .conf_file = "[default]\nca_bundle=/conf.pem\nmax_attempts=7\n"},
     "/ca.pem",
     "AWS_CA_BUNDLE",
     3},
    {{.name = "the default profile, config file",
      .vars = {NULL},
      .conf_file = "[default]\nca_bundle = /conf.pem\nmax_attempts = 100\n"},
     "/conf.pem",
     "profile default (config file) ca_bundle",
     100},
    {{.name = "the credentials file over the config file",
      .vars = {"AWS_PROFILE=p"},
      .cred_file = "[p]\nca_bundle=/cred.pem\n",
      .conf_file = "[profile p]\nca_bundle=/conf.pem\nmax_attempts=2\n"},
     "/cred.pem",
     "profile p (shared credentials file) ca_bundle",
     2},
    {{.name = "AWS_PROFILE over AWS_DEFAULT_PROFILE",
      .vars = {"AWS_DEFAULT_PROFILE=d", "AWS_PROFILE=p"},
      .conf_file = "[profile d]\nca_bundle=/d.pem\n[profile p]\nmax_attempts=4\n"},
     "",
     "",
     4},
    {{.name = "AWS_DEFAULT_PROFILE alone",
      .vars = {"AWS_DEFAULT_PROFILE=d"},
      .conf_file = "[default]\nca_bundle=/default.pem\n[profile d]\nca_bundle=/d.pem\n"},
     "/d.pem",
     "profile d (config file) ca_bundle",
     0},
    {{.name = "the explicit profile over AWS_PROFILE",
      .vars = {"AWS_PROFILE=p"},
      .profile = "q",
      .conf_file = "[profile p]\nca_bundle=/p.pem\n[profile q]\nca_bundle=/q.pem\n"},
     "/q.pem",
     "profile q (config file) ca_bundle",
     0},
    {{.name = "one from each",
      .vars = {"AWS_MAX_ATTEMPTS=1"},
      .conf_file = "[default]\nca_bundle=/conf.pem\nmax_attempts=x\n"},
     "/conf.pem",
     "profile default (config file) ca_bundle",
     1},
    {{.name = "a profile that does not exist sets nothing",
      .vars = {NULL},
      .profile = "nope",
      .conf_file = "[default]\nca_bundle=/conf.pem\n"},
     "",
     "",
     0},
    {{.name = "an empty variable counts as unset",
      .vars = {"AWS_CA_BUNDLE="},
      .conf_file = "[default]\nca_bundle=/conf.pem\n"},
     "/conf.pem",
     "profile default (config file) ca_bundle",
     0},
    {{.name = "max_attempts 0", .vars = {"AWS_MAX_ATTEMPTS=0"}},
     NULL,
     "AWS_MAX_ATTEMPTS: \"0\" is not a whole number from 1 to 100",
     0},
    {{.name = "max_attempts 101", .vars = {NULL}, .conf_file = "[default]\nmax_attempts=101\n"},
     NULL,
     "profile default (config file) max_attempts: \"101\" is not*",
     0},
    {{.name = "max_attempts past any integer",
      .vars = {"AWS_MAX_ATTEMPTS=99999999999999999999999"}},
     NULL,
     "~is not a whole number",
     0},
    {{.name = "max_attempts signed", .vars = {"AWS_MAX_ATTEMPTS=+5"}},
     NULL,
     "~is not a whole number",
     0},
};

static void run_settings_row(const struct settings_row *r)
{
    struct row_env re = {&r->in, ""};
    struct a2a_creds_config cfg = {r->in.profile, {row_get, &re}, 0, 0, NULL};
    struct a2a_aws_settings set;
    struct a2a_error err = {0};
    char aws[300];
    int rc;

    snprintf(re.home, sizeof(re.home), "/tmp/a2a-settings-XXXXXX");
    assert_non_null(mkdtemp(re.home));
    snprintf(aws, sizeof(aws), "%s/.aws", re.home);
    assert_int_equal(mkdir(aws, 0700), 0);
    if (r->in.cred_file != NULL) {
        write_file(aws, "credentials", r->in.cred_file);
    }
    if (r->in.conf_file != NULL) {
        write_file(aws, "config", r->in.conf_file);
    }
    rc = a2a_aws_settings_read(&cfg, &set, &err);
    if (r->want_ca != NULL) {
        if (rc != 0 || strcmp(set.ca_bundle, r->want_ca) != 0 ||
            strcmp(set.ca_bundle_from, r->want_from) != 0 || set.max_attempts != r->want_attempts) {
            row_fail("%s: rc %d (%s) ca \"%s\" from \"%s\" attempts %u, want \"%s\" from \"%s\" %u",
                     r->in.name, rc, err.msg, set.ca_bundle, set.ca_bundle_from, set.max_attempts,
                     r->want_ca, r->want_from, r->want_attempts);
        }
    } else if (rc != -1 || err.code != A2A_E_CONFIG || !text_matches(err.msg, r->want_from)) {
        row_fail("%s: rc %d \"%s\", want an error matching \"%s\"", r->in.name, rc, err.msg,
                 r->want_from);
    }
    snprintf(aws, sizeof(aws), "rm -rf '%s'", re.home);
    assert_int_equal(system(aws), 0);
}

static void test_settings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(settings_rows) / sizeof(settings_rows[0]); i++) {
        run_settings_row(&settings_rows[i]);
    }
    rows_done();
}

/* A value that fills the bundle's room exactly is kept whole; one byte more is refused. */
static void test_settings_long_ca_bundle(void **state)
{
    static char conf[A2A_AWS_SETTING_MAX + 64];
    size_t head = strlen("[default]\nca_bundle=");
    struct settings_row r = {{.name = "ca_bundle at the limit",
                              .vars = {NULL},
                              .profile = NULL,
                              .cred_file = NULL,
                              .conf_file = conf},
                             NULL,
                             "profile default (config file) ca_bundle",
                             0};
    char want[A2A_AWS_SETTING_MAX];

    (void)state;
    memcpy(conf, "[default]\nca_bundle=", head);
    memset(conf + head, 'x', A2A_AWS_SETTING_MAX - 1);
    conf[head] = '/';
    memcpy(conf + head + A2A_AWS_SETTING_MAX - 1, "\n", 2);
    memcpy(want, conf + head, A2A_AWS_SETTING_MAX - 1);
    want[A2A_AWS_SETTING_MAX - 1] = '\0';
    r.want_ca = want;
    run_settings_row(&r);
    memcpy(conf + head + A2A_AWS_SETTING_MAX - 1, "x\n", 3);
    r.in.name = "ca_bundle one byte past the limit";
    r.want_ca = NULL;
    r.want_from = "profile default (config file) ca_bundle is longer than 4095 bytes";
    run_settings_row(&r);
    rows_done();
}

/* ---- refresh timing -------------------------------------------------------------------------- */

static void test_due(void **state)
{
    struct a2a_aws_creds c = {0};
    char key[] = "AK";
    char secret[] = "SK";

    (void)state;
    assert_true(a2a_aws_creds_due(&c, 1000)); /* nothing yet */
    c.access_key_id = key;
    c.secret_access_key = secret;
    assert_false(a2a_aws_creds_due(&c, 1000)); /* long-term keys never expire */
    c.expiration = 1000 + A2A_CREDS_REFRESH_EARLY_S + 1;
    assert_false(a2a_aws_creds_due(&c, 1000));
    c.expiration = 1000 + A2A_CREDS_REFRESH_EARLY_S;
    assert_true(a2a_aws_creds_due(&c, 1000));
    c.expiration = 900;
    assert_true(a2a_aws_creds_due(&c, 1000));
    /* Within the early window, fetched a moment ago: used till they expire, not fetched again
     * before every call; at most once a minute, and at once when they have expired. */
    c.fetched = 1000;
    c.expiration = 1240;
    assert_false(a2a_aws_creds_due(&c, 1000));
    assert_false(a2a_aws_creds_due(&c, 1000 + A2A_CREDS_REFETCH_MIN_S - 1));
    assert_true(a2a_aws_creds_due(&c, 1000 + A2A_CREDS_REFETCH_MIN_S));
    assert_true(a2a_aws_creds_due(&c, 1240));
}

/* ---- a credential_process that hangs ------------------------------------------------------- */

static volatile sig_atomic_t hang_cancel;

static void on_alarm(int sig)
{
    (void)sig;
    hang_cancel = 1;
}

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A script (no shell line: its own #! file) that starts `sleep 100` in the background, writes
 * the sleep's pid to dir/pid and waits for it: a hanging process with a grandchild that holds
 * stdout open.
 */
static void write_hanging_script(const char *dir, char *script, size_t cap)
{
    char text[700];

    snprintf(text, sizeof(text),
             "#!/bin/sh\nsleep 100 &\necho $! > '%s/pid.tmp'\nmv '%s/pid.tmp' '%s/pid'\nwait\n",
             dir, dir, dir);
    write_file(dir, "hang", text);
    snprintf(script, cap, "%s/hang", dir);
    assert_int_equal(chmod(script, 0700), 0);
}

/* 1 when pid is gone (or a zombie left for init to reap): kill(pid, 0) fails with ESRCH. */
static int process_gone(pid_t pid)
{
    char path[64];
    char stat[256] = "";
    FILE *f;
    const char *end;

    if (kill(pid, 0) != 0 && errno == ESRCH) {
        return 1;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return 1;
    }
    if (fgets(stat, sizeof(stat), f) == NULL) {
        stat[0] = '\0';
    }
    fclose(f);
    end = strrchr(stat, ')');
    return end != NULL && end[1] == ' ' && end[2] == 'Z';
}

/* The grandchild's pid from dir/pid, or 0 when the script wrote none. */
static long grandchild_pid(const char *dir)
{
    char path[600];
    long pid = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/pid", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
        pid = 0;
    }
    fclose(f);
    return pid;
}

/* Before a failure: a grandchild left alive would hold ctest's stderr for its 100 s. */
static void kill_leftover(const char *dir)
{
    long pid = grandchild_pid(dir);

    if (pid > 1) {
        kill((pid_t)pid, SIGKILL);
    }
}

/* The grandchild must die within a second of the call's return. */
static void assert_grandchild_killed(const char *dir)
{
    long pid = grandchild_pid(dir);
    int gone = 0;

    if (pid == 0) {
        fail_msg("the script wrote no pid file in %s: it did not start in time", dir);
    }
    for (int i = 0; i < 100 && !(gone = process_gone((pid_t)pid)); i++) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (!gone) {
        kill((pid_t)pid, SIGKILL); /* leave nothing behind */
        fail_msg("the credential_process's grandchild (pid %ld) outlived it", pid);
    }
}

static void rm_dir(const char *dir)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/*
 * SIGINT, SIGTERM and --max-time raise the cancel flag: a hanging credential_process is killed
 * with its process group within a second, whatever its timeout, and the error says the run
 * was interrupted (A2A_E_INTERRUPTED), not that the credentials failed.
 */
static void test_process_cancelled(void **state)
{
    char dir[] = "/tmp/a2a-hang-XXXXXX";
    char script[600];
    struct a2a_aws_creds c = {0};
    struct a2a_error err = {0};
    struct sigaction sa = {0};
    struct sigaction old;
    struct itimerval in = {{0, 0}, {0, 500 * 1000}};
    struct itimerval off = {{0, 0}, {0, 0}};
    enum a2a_creds_result rc;
    long long start;
    long long took;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_hanging_script(dir, script, sizeof(script));
    hang_cancel = 0;
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &in, NULL), 0);
    start = mono_ms();
    rc = a2a_creds_run_process(script, "p", 5000, &hang_cancel, &c, &err);
    took = mono_ms() - start;
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(rc, A2A_CREDS_ERROR);
    assert_int_equal(hang_cancel, 1);
    if (took > 1500) {
        kill_leftover(dir);
        fail_msg("the process ran %lld ms, 500 ms of it after the cancel flag rose", took);
    }
    assert_int_equal(err.code, A2A_E_INTERRUPTED);
    assert_non_null(strstr(err.msg, "profile p (credential_process): interrupted"));
    assert_grandchild_killed(dir);
    a2a_aws_creds_clear(&c);
    rm_dir(dir);
}

/* Past its timeout the whole process group dies, not only the process: no orphaned sleep. */
static void test_process_timeout_kills_group(void **state)
{
    char dir[] = "/tmp/a2a-hang-XXXXXX";
    char script[600];
    struct a2a_aws_creds c = {0};
    struct a2a_error err = {0};
    enum a2a_creds_result rc;
    long long start;
    long long took;

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_hanging_script(dir, script, sizeof(script));
    start = mono_ms();
    rc = a2a_creds_run_process(script, "p", 500, NULL, &c, &err);
    took = mono_ms() - start;
    assert_int_equal(rc, A2A_CREDS_ERROR);
    assert_int_equal(err.code, A2A_E_CONFIG);
    assert_non_null(strstr(err.msg, "timed out after 500 ms"));
    if (took > 1500) {
        kill_leftover(dir);
        fail_msg("a 500 ms timeout took %lld ms", took);
    }
    assert_grandchild_killed(dir);
    a2a_aws_creds_clear(&c);
    rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shell_split),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_parse_json),
        cmocka_unit_test(test_container_uri),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_due),
        cmocka_unit_test(test_refresh_keeps_to_its_source),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_settings_long_ca_bundle),
        cmocka_unit_test(test_process_cancelled),
        cmocka_unit_test(test_process_timeout_kills_group),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
