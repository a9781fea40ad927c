#include "record.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "jsonview.h"
#include "number.h"
#include "swar.h"

/* The scratch buffers, by what they hold. */
enum { S_SEQ, S_EVENT, S_TENANT, S_TASK, S_OWNER, S_NUM, S_KEY };

/*
 * In-memory walking of a value the input reader already validated: these helpers trust the
 * syntax but never read past len.
 */
static size_t skip_ws(const char *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) {
        i++;
    }
    return i;
}

/* i is on the opening quote; returns the index after the closing quote. */
static size_t skip_string(const char *p, size_t i, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;

    i++;
    for (;;) {
        i = a2a_quote_run(u, i, n);
        if (i >= n) {
            return n;
        }
        if (p[i] == '"') {
            return i + 1;
        }
        i += 2; /* a backslash and the byte it escapes */
    }
}

static size_t skip_value(const char *p, size_t i, size_t n)
{
    int depth = 0;

    do {
        i = skip_ws(p, i, n);
        if (i >= n) {
            return n;
        }
        switch (p[i]) {
        case '"':
            i = skip_string(p, i, n);
            break;
        case '{':
        case '[':
            depth++;
            i++;
            break;
        case '}':
        case ']':
            depth--;
            i++;
            break;
        case ',':
        case ':':
            i++;
            break;
        default:
            while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' &&
                   p[i] != '\n' && p[i] != '\r' && p[i] != '\t') {
                i++;
            }
        }
    } while (depth > 0);
    return i;
}

struct member {
    struct a2a_str key; /* decoded name (may point into the parser's key scratch) */
    size_t val;         /* index of the value's first byte */
};

/*
 * Walks an object's members. A value is skipped only when the caller moves on without
 * consuming it, so descending into a nested object costs no second scan.
 */
struct obj_iter {
    const char *p;
    size_t n;
    size_t i;
    int first;
    int open; /* i is at the start of a value nobody consumed yet */
    struct a2a_buf *key_scratch;
};

static void obj_begin(struct obj_iter *it, const char *p, size_t at, size_t end,
                      struct a2a_buf *key_scratch)
{
    it->p = p;
    it->n = end;
    it->i = at + 1; /* past '{' */
    it->first = 1;
    it->open = 0;
    it->key_scratch = key_scratch;
}

/* Returns 1 with *m set, 0 at the closing brace (then it->i is on it). */
static int obj_next(struct obj_iter *it, struct member *m)
{
    const char *p = it->p;
    size_t i;
    size_t key_end;

    if (it->open) {
        it->i = skip_value(p, it->i, it->n);
        it->open = 0;
    }
    i = skip_ws(p, it->i, it->n);
    if (i >= it->n || p[i] == '}') {
        it->i = i;
        return 0;
    }
    if (!it->first && p[i] == ',') {
        i = skip_ws(p, i + 1, it->n);
    }
    it->first = 0;
    key_end = skip_string(p, i, it->n);
    m->key.ptr = p + i + 1;
    m->key.len = key_end - i - 2;
    if (memchr(m->key.ptr, '\\', m->key.len) != NULL) {
        if (a2a_json_unescape(m->key.ptr, m->key.len, it->key_scratch) == A2A_UNESCAPE_OK) {
            m->key.ptr = it->key_scratch->data;
            m->key.len = it->key_scratch->len;
        } else {
            m->key.len = 0; /* U+0000 or a lone surrogate: matches no name we look for */
        }
    }
    i = skip_ws(p, key_end, it->n);
    m->val = skip_ws(p, i + 1, it->n); /* past ':' */
    it->i = m->val;
    it->open = 1;
    return 1;
}

/* The caller consumed the current value up to end. */
static void obj_resume(struct obj_iter *it, size_t end)
{
    it->i = end;
    it->open = 0;
}

/* Consumes the current value, a string, and returns its raw content (between the quotes). */
static struct a2a_str take_string(struct obj_iter *it, const struct member *m)
{
    size_t end = skip_string(it->p, m->val, it->n);
    struct a2a_str s = {it->p + m->val + 1, end - m->val - 2};

    obj_resume(it, end);
    return s;
}

/*
 * Decodes a string's content into scratch when it holds escapes. Returns the unescape status;
 * on success *out points at the decoded bytes. keep_nul: U+0000 is a byte like any other.
 * env: the record's envelope, which may know that no string of the record holds an escape.
 */
static enum a2a_unescape_status decode_slow(struct a2a_str raw, struct a2a_buf *scratch,
                                            struct a2a_str *out, int keep_nul)
{
    enum a2a_unescape_status st;

    if (memchr(raw.ptr, '\\', raw.len) == NULL) {
        *out = raw;
        return A2A_UNESCAPE_OK;
    }
    st = keep_nul ? a2a_json_unescape_keep_nul(raw.ptr, raw.len, scratch)
                  : a2a_json_unescape(raw.ptr, raw.len, scratch);
    if (st == A2A_UNESCAPE_OK) {
        out->ptr = scratch->data != NULL ? scratch->data : "";
        out->len = scratch->len;
    }
    return st;
}

static inline enum a2a_unescape_status decode(const struct a2a_envelope *env, struct a2a_str raw,
                                              struct a2a_buf *scratch, struct a2a_str *out,
                                              int keep_nul)
{
    if (!env->escapes) {
        *out = raw;
        return A2A_UNESCAPE_OK;
    }
    return decode_slow(raw, scratch, out, keep_nul);
}

/* The first reason wins: later problems of the same record are not reported over it. */
static void set_reason(struct a2a_record *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_reason(struct a2a_record *out, const char *fmt, ...)
{
    va_list ap;

    if (out->reason[0] != '\0') {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
    va_end(ap);
}

/*
 * Walks the object at index at, of context ctx (not NONE), reporting each member to the
 * envelope and descending into the objects that matter. Returns the index after the object.
 */
static size_t walk_object(struct a2a_record_parser *p, const char *json, size_t at, size_t len,
                          struct a2a_envelope *env, int ctx)
{
    struct obj_iter it;
    struct member m;

    obj_begin(&it, json, at, len, &p->scratch[S_KEY]);
    while (obj_next(&it, &m)) {
        size_t str_len = 0;
        int child;

        if (json[m.val] == '"') {
            str_len = take_string(&it, &m).len;
        }
        /* m.key may live in the key scratch: the walk below reuses it, but only after this. */
        child = a2a_envelope_member(env, ctx, m.key.ptr, m.key.len, json, m.val, str_len);
        if (child != A2A_ENV_NONE) {
            obj_resume(&it, walk_object(p, json, m.val, len, env, child));
        }
    }
    a2a_envelope_end(env, ctx);
    return it.i + 1;
}

/* The envelope's first problem as the record's reason. */
static void envelope_reason(enum a2a_env_problem problem, struct a2a_record *out)
{
    switch (problem) {
    case A2A_ENV_OK:
        break;
    case A2A_ENV_NAME_TWICE:
        set_reason(out, "record has \"%s\" twice", "eventName");
        break;
    case A2A_ENV_NAME_NOT_STRING:
        set_reason(out, "record envelope: %s is not a string", "eventName");
        break;
    case A2A_ENV_DDB_TWICE:
        set_reason(out, "record has \"%s\" twice", "dynamodb");
        break;
    case A2A_ENV_DDB_NOT_OBJECT:
        set_reason(out, "record envelope: %s is not an object", "dynamodb");
        break;
    case A2A_ENV_SEQ_TWICE:
        set_reason(out, "record has \"%s\" twice", "dynamodb.SequenceNumber");
        break;
    case A2A_ENV_SEQ_NOT_STRING:
        set_reason(out, "record envelope: %s is neither a string nor null",
                   "dynamodb.SequenceNumber");
        break;
    case A2A_ENV_IMAGE_TWICE:
        set_reason(out, "record has \"%s\" twice", "dynamodb.NewImage");
        break;
    }
}

/*
 * A record that is an SQS message (MessageId and Body): the elements of a bare array of
 * them, receive-message's "Messages" taken out of its object (review 65). Asked only of an
 * object with no "dynamodb".
 */
static int sqs_message(struct a2a_record_parser *p, const char *json, size_t len)
{
    struct a2a_jv_field fields[] = {{"MessageId", 0, {NULL, 0}}, {"Body", 0, {NULL, 0}}};

    return a2a_jv_fields((struct a2a_str){json, len}, fields, 2, &p->scratch[6]) == 0 &&
           fields[0].count > 0 && fields[1].count > 0;
}

/*
 * Envelope: eventName, dynamodb.SequenceNumber, dynamodb.NewImage. From the scanner's
 * envelope when it has one for the whole record, else by walking the record here (into own).
 * Returns the envelope used.
 */
static const struct a2a_envelope *parse_envelope(struct a2a_record_parser *p, const char *json,
                                                 size_t len, const struct a2a_envelope *given,
                                                 struct a2a_record *out, struct a2a_envelope *own)
{
    const struct a2a_envelope *env = given;

    if (env == NULL || !env->complete) {
        a2a_envelope_init(own);
        walk_object(p, json, 0, len, own, A2A_ENV_TOP);
        own->complete = 1;
        own->escapes = 1; /* not known: every string is looked at */
        env = own;
    }
    envelope_reason(env->problem, out);
    out->no_dynamodb = env->ddbs == 0 ? (sqs_message(p, json, len) ? A2A_NO_DDB_SQS : 1) : 0;
    out->has_event_name = env->has_event_name;
    if (env->has_event_name) {
        out->event_name = (struct a2a_str){json + env->name_at, env->name_len};
    }
    out->has_seq = env->has_seq;
    if (env->has_seq) {
        out->seq = (struct a2a_str){json + env->seq_at, env->seq_len};
    }
    return env;
}

/*
 * Decodes the SequenceNumber and eventName in place; a lone surrogate is an envelope error.
 * U+0000 is kept: the handler holds both in Rust Strings, so "INSERT\u0000" is simply not
 * "INSERT", and a SequenceNumber holding it is an identifier like any other. Both are only
 * compared and echoed by length (JSON-escaped), never used as C strings.
 */
static int decode_envelope_strings(struct a2a_record_parser *p, const struct a2a_envelope *env,
                                   struct a2a_record *out)
{
    enum a2a_unescape_status st;

    if (out->has_seq) {
        st = decode(env, out->seq, &p->scratch[S_SEQ], &out->seq, 1);
        if (st == A2A_UNESCAPE_NOMEM) {
            return -1;
        }
        if (st != A2A_UNESCAPE_OK) {
            out->has_seq = 0;
            set_reason(out, "record envelope: %s has a lone surrogate escape",
                       "dynamodb.SequenceNumber");
        }
    }
    if (out->has_event_name) {
        st = decode(env, out->event_name, &p->scratch[S_EVENT], &out->event_name, 1);
        if (st == A2A_UNESCAPE_NOMEM) {
            return -1;
        }
        if (st != A2A_UNESCAPE_OK) {
            out->has_event_name = 0;
            set_reason(out, "record envelope: %s has a lone surrogate escape", "eventName");
        }
    }
    return 0;
}

/* Reads one {"S": ...} / {"N": ...} value. Returns 0, 1 (reason set), or -1 (no memory). */
static int attr_value(struct a2a_record_parser *p, const char *json, const struct a2a_envelope *env,
                      int k, struct a2a_str *val, struct a2a_record *out)
{
    const char *type = k < 3 ? "S" : "N";
    struct a2a_str raw;
    /* Numbers share one buffer: each is parsed before the next one is decoded. */
    struct a2a_buf *scratch = &p->scratch[k < 3 ? S_TENANT + k : S_NUM];
    enum a2a_unescape_status st;

    /* Exactly {"S": "..."} or {"N": "..."}: one member, of the right type, a string. */
    if (json[env->attr_at[k]] != '{' || env->attr_members[k] != 1 || !env->attr_typed[k]) {
        goto wrong_type;
    }
    raw = (struct a2a_str){json + env->value_at[k], env->value_len[k]};
    st = decode(env, raw, scratch, val, 0);
    if (st == A2A_UNESCAPE_NOMEM) {
        return -1;
    }
    if (st == A2A_UNESCAPE_NUL) {
        set_reason(out,
                   "NEW_IMAGE attribute %s contains U+0000, which cannot be carried "
                   "exactly",
                   a2a_env_attrs[k].name);
        return 1;
    }
    if (st == A2A_UNESCAPE_SURROGATE) {
        set_reason(out,
                   "NEW_IMAGE attribute %s has a lone surrogate escape (not valid "
                   "Unicode)",
                   a2a_env_attrs[k].name);
        return 1;
    }
    return 0;
wrong_type:
    set_reason(out, "NEW_IMAGE attribute %s has wrong type (expected %s)", a2a_env_attrs[k].name,
               type);
    return 1;
}

static int parse_number_attr(int k, struct a2a_str v, struct a2a_pending *pd,
                             struct a2a_record *out)
{
    enum a2a_num_status st;
    char shown[300];
    int64_t micros = 0;

    if (k == 3) {
        st = a2a_parse_u64(v.ptr, v.len, &pd->event_sequence);
    } else {
        st = a2a_parse_i64(v.ptr, v.len, &micros);
        pd->recorded_at_micros = micros < 0 ? 0 : micros; /* as the Lambda handler's max(0) */
    }
    if (st == A2A_NUM_OK) {
        return 0;
    }
    a2a_quote_for_message(shown, sizeof(shown), v, 64);
    set_reason(out, "NEW_IMAGE attribute %s = %s is not a valid %s 64-bit number",
               a2a_env_attrs[k].name, shown, k == 3 ? "unsigned" : "signed");
    return 1;
}

/* NewImage -> pending dispatch, attributes in the Lambda handler's order, the first error wins. */
static int parse_image(struct a2a_record_parser *p, const char *json,
                       const struct a2a_envelope *env, struct a2a_record *out)
{
    struct a2a_str *strs[3] = {&out->pending.tenant, &out->pending.task_id, &out->pending.owner};

    for (int k = 0; k < 5; k++) {
        struct a2a_str v;
        int r;

        if (env->attr_count[k] == 0) {
            set_reason(out, "NEW_IMAGE missing required attribute %s", a2a_env_attrs[k].name);
            return 1;
        }
        if (env->attr_count[k] > 1) {
            set_reason(out, "NEW_IMAGE attribute %s appears more than once (ambiguous)",
                       a2a_env_attrs[k].name);
            return 1;
        }
        r = attr_value(p, json, env, k, &v, out);
        if (r != 0) {
            return r;
        }
        if (k < 3) {
            *strs[k] = v;
        } else if (parse_number_attr(k, v, &out->pending, out) != 0) {
            return 1;
        }
    }
    return 0;
}

int a2a_record_parse(struct a2a_record_parser *p, const char *json, size_t len, int non_ascii,
                     struct a2a_record *out)
{
    return a2a_record_parse_with(p, json, len, non_ascii, NULL, out);
}

int a2a_record_parse_with(struct a2a_record_parser *p, const char *json, size_t len, int non_ascii,
                          const struct a2a_envelope *given, struct a2a_record *out)
{
    struct a2a_envelope own;
    const struct a2a_envelope *env;
    int r;

    /* Every field but the reason text, which is set (or empty) from its first byte on. */
    memset(out, 0, offsetof(struct a2a_record, reason));
    out->reason[0] = '\0';
    out->cls = A2A_RECORD_INVALID;
    if (len == 0 || json[0] != '{') {
        set_reason(out, "record envelope: the record is not a JSON object");
        return 0;
    }
    env = parse_envelope(p, json, len, given, out, &own);
    if (non_ascii && !a2a_utf8_valid((const unsigned char *)json, len)) {
        set_reason(out, "record contains invalid UTF-8");
        /* Nothing that is not valid UTF-8 may reach a JSON output (report, log, response). */
        if (out->has_seq && !a2a_utf8_valid((const unsigned char *)out->seq.ptr, out->seq.len)) {
            out->has_seq = 0;
        }
        if (out->has_event_name &&
            !a2a_utf8_valid((const unsigned char *)out->event_name.ptr, out->event_name.len)) {
            out->has_event_name = 0;
        }
    }
    if (decode_envelope_strings(p, env, out) != 0) {
        return -1;
    }
    if (out->reason[0] != '\0') {
        return 0;
    }
    if (!out->has_event_name) {
        set_reason(out, "record envelope: %s is missing", "eventName");
        return 0;
    }
    if (out->event_name.len != 6 || memcmp(out->event_name.ptr, "INSERT", 6) != 0) {
        out->cls = A2A_RECORD_SKIP;
        return 0;
    }
    r = parse_image(p, json, env, out);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        out->cls = A2A_RECORD_DISPATCH;
    }
    return 0;
}

void a2a_record_parser_free(struct a2a_record_parser *p)
{
    for (size_t k = 0; k < sizeof(p->scratch) / sizeof(p->scratch[0]); k++) {
        a2a_buf_free(&p->scratch[k]);
    }
}
