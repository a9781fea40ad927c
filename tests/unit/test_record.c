/*
 * record.h: one stream record -> SKIP / DISPATCH / INVALID, exactly as the Lambda
 * handler (stream_recovery.rs) and the record classification table decide it.
 *
 * Records are written with ' standing for " (q() swaps them), so the tables stay readable; a
 * JSON escape \' therefore reads \" and a real apostrophe is written \u0027. Each record is
 * parsed from an exact-size heap copy, so ASan catches any read past its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rows.h"

#include "record.h"
#include "scanner.h"

/* The five attributes in the Lambda handler's order, with a valid value each. */
static const char *const attr_names[5] = {"tenant", "taskId", "owner", "eventSequence",
                                          "recordedAtMicros"};
static const char *const attr_ok[5] = {"{'S':'acme'}", "{'S':'task-1'}", "{'S':'alice'}",
                                       "{'N':'42'}", "{'N':'1700000000000000'}"};

#define T_OK      "'tenant':{'S':'acme'}"
#define K_OK      "'taskId':{'S':'task-1'}"
#define O_OK      "'owner':{'S':'alice'}"
#define E_OK      "'eventSequence':{'N':'42'}"
#define R_OK      "'recordedAtMicros':{'N':'1700000000000000'}"
#define IMAGE_OK  T_OK "," K_OK "," O_OK "," E_OK "," R_OK
#define INSERT(i) "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'111','NewImage':{" i "}}}"
#define EVENT(name, i)                                                                             \
    "{'eventName':'" name "','dynamodb':{'SequenceNumber':'111','NewImage':" i "}}"

/* ---- helpers ---------------------------------------------------------------------------- */

static int has_high_bytes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] >= 0x80) {
            return 1;
        }
    }
    return 0;
}

static int str_is(struct a2a_str s, const char *want)
{
    size_t n = strlen(want);
    return s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
}

static const char *cls_name(enum a2a_record_class c)
{
    return c == A2A_RECORD_SKIP ? "SKIP" : c == A2A_RECORD_DISPATCH ? "DISPATCH" : "INVALID";
}

/* What a row expects. */
struct expect {
    enum a2a_record_class cls;
    const char *seq;    /* NULL: has_seq must be 0 */
    const char *reason; /* INVALID: exact, or a prefix when it ends in '*' (text_matches) */
    const char *event;  /* NULL: not checked; "-": has_event_name must be 0 */
};

static int same_str(struct a2a_str a, struct a2a_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/*
 * The record as an element of an array (as_document 0) or as a document of its own (1): the
 * scanner validates it in one pass and hands out its envelope, and the parser given that
 * envelope must say exactly what its own walk said. As a document, a record is one only when
 * it has "eventName" or "dynamodb" (and no "Records"); other rows are not checked that way.
 */
static void check_one_pass(const char *label, const char *json, size_t len,
                           const struct a2a_record *want, int as_document)
{
    struct a2a_scanner_config cfg = {.read_chunk = 0, .max_record = (size_t)1 << 20};
    struct a2a_memory mem = {.name = "<test>"};
    struct a2a_record_parser parser = {0};
    struct a2a_scanner *sc = NULL;
    struct a2a_error err = {A2A_OK, ""};
    struct a2a_raw_record raw;
    struct a2a_source src;
    struct a2a_record rec;
    char *doc;

    if (len == 0) {
        return; /* no bytes are no value: the scanner never hands out such a record */
    }
    doc = malloc(len + 2);
    assert_non_null(doc);
    doc[0] = '[';
    memcpy(doc + 1, json, len);
    doc[len + 1] = ']';
    mem.bytes = as_document ? doc + 1 : doc;
    mem.len = as_document ? len : len + 2;
    a2a_memory_source(&src, &mem);
    assert_int_equal(a2a_scanner_open(&sc, &src, &cfg, &err), 0);
    if (a2a_scanner_next(sc, &raw, &err) != 1 || raw.len != len) {
        if (!as_document) {
            row_fail("%s: the scanner did not cut the record out of [...]: %s", label, err.msg);
        }
        goto out;
    }
    if (raw.envelope == NULL && !as_document) {
        row_fail("%s: the scanner gave no envelope", label);
    }
    memset(&rec, 0x5a, sizeof(rec));
    assert_int_equal(
        a2a_record_parse_with(&parser, raw.bytes, raw.len, raw.non_ascii, raw.envelope, &rec), 0);
    if (rec.cls != want->cls || strcmp(rec.reason, want->reason) != 0 ||
        rec.has_seq != want->has_seq || (rec.has_seq && !same_str(rec.seq, want->seq)) ||
        rec.has_event_name != want->has_event_name || rec.no_dynamodb != want->no_dynamodb ||
        (rec.has_event_name && !same_str(rec.event_name, want->event_name))) {
        row_fail("%s: with the scanner's envelope: class %s, reason \"%s\"; own walk: class %s, "
                 "reason \"%s\"",
                 label, cls_name(rec.cls), rec.reason, cls_name(want->cls), want->reason);
    }
    if (rec.cls == A2A_RECORD_DISPATCH &&
        (!same_str(rec.pending.tenant, want->pending.tenant) ||
         !same_str(rec.pending.task_id, want->pending.task_id) ||
         !same_str(rec.pending.owner, want->pending.owner) ||
         rec.pending.event_sequence != want->pending.event_sequence ||
         rec.pending.recorded_at_micros != want->pending.recorded_at_micros)) {
        row_fail("%s: with the scanner's envelope: another pending dispatch", label);
    }
out:
    a2a_record_parser_free(&parser);
    a2a_scanner_free(&sc);
    free(doc);
}

/* Parses tmpl (' for ") and checks the classification part of the result. */
static void check_parse(struct a2a_record_parser *p, const char *label, const char *tmpl,
                        size_t len, const struct expect *e, struct a2a_record *rec, char **copy)
{
    char *json = q(tmpl, len);

    memset(rec, 0x5a, sizeof(*rec)); /* the parser must set every field it reports */
    assert_int_equal(a2a_record_parse(p, json, len, has_high_bytes(json, len), rec), 0);
    check_one_pass(label, json, len, rec, 0);
    check_one_pass(label, json, len, rec, 1);
    if (rec->cls != e->cls) {
        row_fail("%s: class %s, want %s (reason \"%s\")", label, cls_name(rec->cls),
                 cls_name(e->cls), rec->cls == A2A_RECORD_INVALID ? rec->reason : "");
    }
    if (e->seq == NULL && rec->has_seq) {
        row_fail("%s: has_seq set (\"%.*s\"), want no SequenceNumber", label, (int)rec->seq.len,
                 rec->seq.ptr);
    }
    if (e->seq != NULL && (!rec->has_seq || !str_is(rec->seq, e->seq))) {
        row_fail("%s: SequenceNumber %s \"%.*s\", want \"%s\"", label,
                 rec->has_seq ? "is" : "missing", rec->has_seq ? (int)rec->seq.len : 0,
                 rec->has_seq ? rec->seq.ptr : "", e->seq);
    }
    if (e->event != NULL && strcmp(e->event, "-") == 0 && rec->has_event_name) {
        row_fail("%s: has_event_name set, want none", label);
    }
    if (e->event != NULL && strcmp(e->event, "-") != 0 &&
        (!rec->has_event_name || !str_is(rec->event_name, e->event))) {
        row_fail("%s: eventName not \"%s\"", label, e->event);
    }
    if (e->cls == A2A_RECORD_INVALID && !text_matches(rec->reason, e->reason)) {
        row_fail("%s: reason \"%s\", want \"%s\"", label, rec->reason, e->reason);
    }
    *copy = json;
}

static void expect_class(struct a2a_record_parser *p, const char *label, const char *tmpl,
                         const struct expect *e)
{
    struct a2a_record rec;
    char *copy = NULL;

    check_parse(p, label, tmpl, strlen(tmpl), e, &rec, &copy);
    free(copy);
}

/* Builds INSERT(image) where attribute k is replaced (value NULL: left out). */
static void image_with(char *out, size_t cap, int k, const char *value, int reverse)
{
    char img[1024] = "";
    size_t n = 0;

    for (int step = 0; step < 5; step++) {
        int a = reverse ? 4 - step : step;
        const char *v = a == k ? value : attr_ok[a];
        if (v == NULL) {
            continue;
        }
        n += (size_t)snprintf(img + n, sizeof(img) - n, "%s'%s':%s", n > 0 ? "," : "",
                              attr_names[a], v);
    }
    snprintf(out, cap, "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'111','NewImage':{%s}}}",
             img);
}

static int setup(void **state)
{
    struct a2a_record_parser *p = calloc(1, sizeof(*p));

    *state = p;
    return p == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    struct a2a_record_parser *p = *state;

    a2a_record_parser_free(p);
    free(p);
    return 0;
}

/* ---- table 1: the record classification ------------------------------------------------- */

struct row {
    const char *name;
    const char *json;
    struct expect e;
};

#define SKIP(name, json, seq, event)                                                               \
    {                                                                                              \
        name, json,                                                                                \
        {                                                                                          \
            A2A_RECORD_SKIP, seq, NULL, event                                                      \
        }                                                                                          \
    }
#define BAD(name, json, seq, reason)                                                               \
    {                                                                                              \
        name, json,                                                                                \
        {                                                                                          \
            A2A_RECORD_INVALID, seq, reason, NULL                                                  \
        }                                                                                          \
    }

#define NOT_OBJECT   "record envelope: the record is not a JSON object"
#define NAME_MISSING "record envelope: eventName is missing"
#define NAME_NOT_STR "record envelope: eventName is not a string"
#define DDB_NOT_OBJ  "record envelope: dynamodb is not an object"
#define SEQ_BAD      "record envelope: dynamodb.SequenceNumber is neither a string nor null"
#define NO_TENANT    "NEW_IMAGE missing required attribute tenant"
#define BAD_UTF8     "record contains invalid UTF-8"

static const struct row rows[] = {
    /* eventName other than INSERT: skipped, whatever NewImage holds */
    SKIP("MODIFY", EVENT("MODIFY", "{" IMAGE_OK "}"), "111", "MODIFY"),
    SKIP("REMOVE", EVENT("REMOVE", "{" IMAGE_OK "}"), "111", "REMOVE"),
    SKIP("other name", EVENT("TRUNCATE", "{" IMAGE_OK "}"), "111", "TRUNCATE"),
    SKIP("lowercase insert", EVENT("insert", "{" IMAGE_OK "}"), "111", "insert"),
    SKIP("Insert", EVENT("Insert", "{" IMAGE_OK "}"), "111", "Insert"),
    SKIP("INSERT with a space", EVENT("INSERT ", "{" IMAGE_OK "}"), "111", "INSERT "),
    SKIP("INSERTX", EVENT("INSERTX", "{" IMAGE_OK "}"), "111", "INSERTX"),
    SKIP("INSER", EVENT("INSER", "{" IMAGE_OK "}"), "111", "INSER"),
    SKIP("empty name", EVENT("", "{" IMAGE_OK "}"), "111", ""),
    SKIP("escaped MODIFY", EVENT("MOD\\u0049FY", "{}"), "111", "MODIFY"),
    SKIP("MODIFY, NewImage a string", EVENT("MODIFY", "'garbage'"), "111", "MODIFY"),
    SKIP("MODIFY, NewImage a number", EVENT("MODIFY", "5"), "111", "MODIFY"),
    SKIP("MODIFY, NewImage null", EVENT("MODIFY", "null"), "111", "MODIFY"),
    SKIP("MODIFY, NewImage empty", EVENT("MODIFY", "{}"), "111", "MODIFY"),
    SKIP("MODIFY, NewImage wrong types", EVENT("MODIFY", "{'tenant':5,'eventSequence':{'S':'x'}}"),
         "111", "MODIFY"),
    SKIP("MODIFY, NewImage bad number", EVENT("MODIFY", "{'eventSequence':{'N':'1e3'}}"), "111",
         "MODIFY"),
    SKIP("REMOVE, duplicated attributes", EVENT("REMOVE", "{" T_OK "," T_OK "}"), "111", "REMOVE"),
    SKIP("REMOVE, U+0000 in tenant", EVENT("REMOVE", "{'tenant':{'S':'a\\u0000'}}"), "111",
         "REMOVE"),
    SKIP("REMOVE, lone surrogate", EVENT("REMOVE", "{'tenant':{'S':'\\ud800'}}"), "111", "REMOVE"),
    SKIP("REMOVE without dynamodb", "{'eventName':'REMOVE'}", NULL, "REMOVE"),
    SKIP("MODIFY, dynamodb null", "{'eventName':'MODIFY','dynamodb':null}", NULL, "MODIFY"),
    SKIP("MODIFY, SequenceNumber null",
         "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':null,'NewImage':5}}", NULL, "MODIFY"),
    SKIP("MODIFY, no SequenceNumber", "{'eventName':'MODIFY','dynamodb':{}}", NULL, "MODIFY"),

    /* NewImage absent or not an object: every attribute is missing */
    /* typed values: two members, another type, a value not a string, an empty type name */
    BAD("INSERT, tenant with two members",
        INSERT("'tenant':{'S':'acme','S':'acme'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has wrong type (expected S)"),
    BAD("INSERT, tenant typed N", INSERT("'tenant':{'N':'acme'}," K_OK "," O_OK "," E_OK "," R_OK),
        "111", "NEW_IMAGE attribute tenant has wrong type (expected S)"),
    BAD("INSERT, tenant typed S with a number",
        INSERT("'tenant':{'S':5}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has wrong type (expected S)"),
    BAD("INSERT, tenant with an empty type name",
        INSERT("'tenant':{'':'acme'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has wrong type (expected S)"),
    BAD("INSERT, eventSequence typed S",
        INSERT(T_OK "," K_OK "," O_OK ",'eventSequence':{'S':'42'}," R_OK), "111",
        "NEW_IMAGE attribute eventSequence has wrong type (expected N)"),
    BAD("INSERT, NewImage absent", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'111'}}",
        "111", NO_TENANT),
    BAD("INSERT, NewImage null", EVENT("INSERT", "null"), "111", NO_TENANT),
    BAD("INSERT, NewImage string", EVENT("INSERT", "'x'"), "111", NO_TENANT),
    BAD("INSERT, NewImage number", EVENT("INSERT", "5"), "111", NO_TENANT),
    BAD("INSERT, NewImage true", EVENT("INSERT", "true"), "111", NO_TENANT),
    BAD("INSERT, NewImage array", EVENT("INSERT", "[{" IMAGE_OK "}]"), "111", NO_TENANT),
    BAD("INSERT, NewImage empty", EVENT("INSERT", "{}"), "111", NO_TENANT),
    BAD("INSERT, dynamodb absent", "{'eventName':'INSERT'}", NULL, NO_TENANT),
    BAD("INSERT, dynamodb null", "{'eventName':'INSERT','dynamodb':null}", NULL, NO_TENANT),
    BAD("INSERT, dynamodb empty", "{'eventName':'INSERT','dynamodb':{}}", NULL, NO_TENANT),
    BAD("INSERT, attributes only in OldImage and Keys",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'111','Keys':{" IMAGE_OK
        "},'OldImage':{" IMAGE_OK "}}}",
        "111", NO_TENANT),
    BAD("INSERT, attributes at the envelope level", "{'eventName':'INSERT'," IMAGE_OK "}", NULL,
        NO_TENANT),
    BAD("INSERT, attributes nested in a map", EVENT("INSERT", "{'payload':{'M':{" IMAGE_OK "}}}"),
        "111", NO_TENANT),

    /* envelope: not an object */
    BAD("array", "[" INSERT(IMAGE_OK) "]", NULL, NOT_OBJECT),
    BAD("empty array", "[]", NULL, NOT_OBJECT),
    BAD("number", "5", NULL, NOT_OBJECT),
    BAD("string", "'INSERT'", NULL, NOT_OBJECT),
    BAD("null", "null", NULL, NOT_OBJECT),
    BAD("true", "true", NULL, NOT_OBJECT),
    BAD("empty bytes", "", NULL, NOT_OBJECT),

    /* envelope: eventName missing or not a string */
    BAD("empty object", "{}", NULL, NAME_MISSING),
    BAD("eventName missing, seq", "{'dynamodb':{'SequenceNumber':'222','NewImage':{" IMAGE_OK "}}}",
        "222", NAME_MISSING),
    BAD("eventName missing, no seq", "{'dynamodb':{'NewImage':{" IMAGE_OK "}}}", NULL,
        NAME_MISSING),
    BAD("eventname lowercase key", "{'eventname':'INSERT','dynamodb':{'SequenceNumber':'3'}}", "3",
        NAME_MISSING),
    BAD("eventName in dynamodb only", "{'dynamodb':{'eventName':'INSERT','SequenceNumber':'3'}}",
        "3", NAME_MISSING),
    BAD("eventName number", "{'eventName':5,'dynamodb':{'SequenceNumber':'4'}}", "4", NAME_NOT_STR),
    BAD("eventName null", "{'eventName':null,'dynamodb':{'SequenceNumber':'4'}}", "4",
        NAME_NOT_STR),
    BAD("eventName true", "{'eventName':true,'dynamodb':{'SequenceNumber':'4'}}", "4",
        NAME_NOT_STR),
    BAD("eventName object", "{'eventName':{'S':'INSERT'},'dynamodb':{'SequenceNumber':'4'}}", "4",
        NAME_NOT_STR),
    BAD("eventName array", "{'eventName':['INSERT'],'dynamodb':{'SequenceNumber':'4'}}", "4",
        NAME_NOT_STR),
    BAD("eventName number, no seq", "{'eventName':5}", NULL, NAME_NOT_STR),

    /* envelope: dynamodb present but not an object (null counts as absent) */
    BAD("dynamodb string", "{'eventName':'INSERT','dynamodb':'x'}", NULL, DDB_NOT_OBJ),
    BAD("dynamodb number", "{'eventName':'INSERT','dynamodb':5}", NULL, DDB_NOT_OBJ),
    BAD("dynamodb true", "{'eventName':'INSERT','dynamodb':true}", NULL, DDB_NOT_OBJ),
    BAD("dynamodb false", "{'eventName':'INSERT','dynamodb':false}", NULL, DDB_NOT_OBJ),
    BAD("dynamodb array", "{'eventName':'INSERT','dynamodb':[{'SequenceNumber':'1'}]}", NULL,
        DDB_NOT_OBJ),
    BAD("dynamodb string, MODIFY", "{'eventName':'MODIFY','dynamodb':'x'}", NULL, DDB_NOT_OBJ),
    BAD("dynamodb string, no eventName", "{'dynamodb':'x'}", NULL, DDB_NOT_OBJ),

    /* envelope: SequenceNumber neither a string nor null */
    BAD("seq number",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':111,'NewImage':{" IMAGE_OK "}}}", NULL,
        SEQ_BAD),
    BAD("seq negative float", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':-1.5e3}}", NULL,
        SEQ_BAD),
    BAD("seq object", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':{'S':'111'}}}", NULL,
        SEQ_BAD),
    BAD("seq array", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':['111']}}", NULL, SEQ_BAD),
    BAD("seq true", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':true}}", NULL, SEQ_BAD),
    BAD("seq false", "{'eventName':'INSERT','dynamodb':{'SequenceNumber':false}}", NULL, SEQ_BAD),
    BAD("seq number, MODIFY", "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':111}}", NULL,
        SEQ_BAD),

    /*
     * Duplicate keys in the envelope: malformed. Listed only while the SequenceNumber is
     * certain: every copy of it (and of "dynamodb") holds the same string.
     */
    BAD("eventName twice",
        "{'eventName':'INSERT','eventName':'INSERT','dynamodb':{'SequenceNumber':"
        "'5','NewImage':{" IMAGE_OK "}}}",
        "5", "record has \"eventName\" twice"),
    BAD("eventName twice, MODIFY then INSERT",
        "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'5'},'eventName':'INSERT'}", "5",
        "record has \"eventName\" twice"),
    BAD("eventName twice, once escaped",
        "{'eventName':'REMOVE','event\\u004eame':'REMOVE','dynamodb':{'SequenceNumber':'5'}}", "5",
        "record has \"eventName\" twice"),
    /* two "dynamodb" objects: listed only when both carry the same SequenceNumber */
    BAD("dynamodb twice, same seq in both",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','NewImage':{" IMAGE_OK
        "}},'dynamodb':{'NewImage':{'tenant':{'S':'evil'}},'SequenceNumber':'5'}}",
        "5", "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, the second repeats its seq",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5'},'dynamodb':{'SequenceNumber':'5',"
        "'SequenceNumber':'5'}}",
        "5", "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, the second seq a number",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5'},'dynamodb':{'SequenceNumber':5}}",
        NULL, "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, seq in the first only",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5'},'dynamodb':{'NewImage':{" IMAGE_OK
        "}}}",
        NULL, "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, seq in the second only",
        "{'eventName':'INSERT','dynamodb':{'NewImage':{" IMAGE_OK
        "}},'dynamodb':{'SequenceNumber':'5'}}",
        NULL, "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, the second one null",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5'},'dynamodb':null}", NULL,
        "record has \"dynamodb\" twice"),
    BAD("dynamodb twice, two different seqs",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','NewImage':{" IMAGE_OK
        "}},'dynamodb':{'SequenceNumber':'6','NewImage':{" IMAGE_OK "}}}",
        NULL, "record has \"dynamodb\" twice"),
    BAD("SequenceNumber twice",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','NewImage':{" IMAGE_OK
        "},'SequenceNumber':'6'}}",
        NULL, "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("SequenceNumber twice, same value",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','SequenceNumber':'5'}}", "5",
        "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("SequenceNumber three times, same value",
        "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'5','SequenceNumber':'5',"
        "'SequenceNumber':'5'}}",
        "5", "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("SequenceNumber twice, string then null",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','SequenceNumber':null}}", NULL,
        "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("SequenceNumber twice, same digits escaped differently",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','SequenceNumber':'\\u0035'}}", NULL,
        "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("SequenceNumber twice, null first",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':null,'SequenceNumber':'6'}}", NULL,
        "record has \"dynamodb.SequenceNumber\" twice"),
    BAD("NewImage twice",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'5','NewImage':{" IMAGE_OK
        "},'NewImage':{" IMAGE_OK "}}}",
        "5", "record has \"dynamodb.NewImage\" twice"),
    BAD("NewImage twice, MODIFY",
        "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'5','NewImage':{},'NewImage':{}}}", "5",
        "record has \"dynamodb.NewImage\" twice"),

    /* escapes in the envelope strings */
    BAD("eventName with a lone surrogate",
        "{'eventName':'\\ud800INSERT','dynamodb':{'SequenceNumber':'7'}}", "7",
        "record envelope: eventName has a lone surrogate escape"),
    BAD("seq with a lone surrogate",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'7\\udc00','NewImage':{" IMAGE_OK "}}}",
        NULL, "record envelope: dynamodb.SequenceNumber has a lone surrogate escape"),
    BAD("member name with U+0000 is not eventName",
        "{'eventName\\u0000':'INSERT','dynamodb':{'SequenceNumber':'7'}}", "7", NAME_MISSING),

    /* U+0000 and lone surrogates in the string attributes */
    BAD("tenant with U+0000",
        INSERT("'tenant':{'S':'ac\\u0000me'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant contains U+0000, which cannot be carried exactly"),
    BAD("tenant only U+0000", INSERT("'tenant':{'S':'\\u0000'}," K_OK "," O_OK "," E_OK "," R_OK),
        "111", "NEW_IMAGE attribute tenant contains U+0000, which cannot be carried exactly"),
    BAD("taskId with U+0000", INSERT(T_OK ",'taskId':{'S':'t\\u0000'}," O_OK "," E_OK "," R_OK),
        "111", "NEW_IMAGE attribute taskId contains U+0000, which cannot be carried exactly"),
    BAD("owner with U+0000", INSERT(T_OK "," K_OK ",'owner':{'S':'\\u0000x'}," E_OK "," R_OK),
        "111", "NEW_IMAGE attribute owner contains U+0000, which cannot be carried exactly"),
    BAD("tenant lone high surrogate",
        INSERT("'tenant':{'S':'a\\ud83d'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has a lone surrogate escape (not valid Unicode)"),
    BAD("tenant lone low surrogate",
        INSERT("'tenant':{'S':'\\ude00a'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has a lone surrogate escape (not valid Unicode)"),
    BAD("tenant reversed pair",
        INSERT("'tenant':{'S':'\\ude00\\ud83d'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute tenant has a lone surrogate escape (not valid Unicode)"),
    BAD("taskId lone surrogate", INSERT(T_OK ",'taskId':{'S':'\\udbff'}," O_OK "," E_OK "," R_OK),
        "111", "NEW_IMAGE attribute taskId has a lone surrogate escape (not valid Unicode)"),
    BAD("owner lone surrogate",
        INSERT(T_OK "," K_OK ",'owner':{'S':'\\ud800\\u0041'}," E_OK "," R_OK), "111",
        "NEW_IMAGE attribute owner has a lone surrogate escape (not valid Unicode)"),
    BAD("U+0000 in eventSequence",
        INSERT(T_OK "," K_OK "," O_OK ",'eventSequence':{'N':'4\\u00002'}," R_OK), "111",
        "NEW_IMAGE attribute eventSequence*"),
    BAD("U+0000 in tenant wins over a later error",
        INSERT("'tenant':{'S':'\\u0000'}," K_OK "," O_OK ",'eventSequence':{'N':'x'}"), "111",
        "NEW_IMAGE attribute tenant contains U+0000, which cannot be carried exactly"),

    /* invalid UTF-8 anywhere in the record: the record is malformed */
    BAD("0xff in tenant", INSERT("'tenant':{'S':'a\xff'}," K_OK "," O_OK "," E_OK "," R_OK), "111",
        BAD_UTF8),
    BAD("overlong in owner", INSERT(T_OK "," K_OK ",'owner':{'S':'\xc0\xaf'}," E_OK "," R_OK),
        "111", BAD_UTF8),
    BAD("UTF-8 surrogate in an ignored attribute", INSERT(IMAGE_OK ",'pk':{'S':'\xed\xa0\x80'}"),
        "111", BAD_UTF8),
    BAD("truncated sequence in eventName",
        "{'eventName':'INSERT\xe2\x82','dynamodb':{'SequenceNumber':'9'}}", "9", BAD_UTF8),
    BAD("above U+10FFFF in a MODIFY record",
        "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'9','NewImage':{'x':{'S':'\xf4\x90\x80"
        "\x80'}}}}",
        "9", BAD_UTF8),
    BAD("invalid UTF-8 in the SequenceNumber itself",
        "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'9\xff','NewImage':{" IMAGE_OK "}}}",
        NULL, BAD_UTF8),
    BAD("invalid UTF-8 in a member name",
        "{'eventName':'INSERT','\xc3':1,'dynamodb':{'SequenceNumb"
        "er':'9','NewImage':{" IMAGE_OK "}}}",
        "9", BAD_UTF8),
};

static void test_table(void **state)
{
    struct a2a_record_parser *p = *state;

    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        char label[160];
        snprintf(label, sizeof(label), "row %zu (%s)", k, rows[k].name);
        expect_class(p, label, rows[k].json, &rows[k].e);
    }
    rows_done();
}

/* ---- table 2: records that dispatch, with their exact values ---------------------------- */

struct dispatch_row {
    const char *name;
    const char *json;
    const char *seq; /* NULL: none */
    const char *tenant;
    const char *task_id;
    const char *owner;
    uint64_t event_sequence;
    int64_t recorded_at_micros;
};

#define IMG_NUM(e, r)                                                                              \
    T_OK "," K_OK "," O_OK ",'eventSequence':{'N':'" e "'},'recordedAtMicros':{'N':'" r "'}"
#define NUM_ROW(name, e, r, ev, rv)                                                                \
    {                                                                                              \
        name, INSERT(IMG_NUM(e, r)), "111", "acme", "task-1", "alice", ev, rv                      \
    }

static const struct dispatch_row dispatch_rows[] = {
    {"valid", INSERT(IMAGE_OK), "111", "acme", "task-1", "alice", 42, 1700000000000000},
    /* Typed values {"S":"..."} the scanner takes whole, and their near misses it leaves. */
    {"typed value with an escaped quote",
     INSERT("'tenant':{'S':'ac\\\"me'}," K_OK "," O_OK "," E_OK "," R_OK), "111", "ac\"me",
     "task-1", "alice", 42, 1700000000000000},
    {"typed value with an escaped type name",
     INSERT("'tenant':{'\\u0053':'acme'}," K_OK "," O_OK "," E_OK "," R_OK), "111", "acme",
     "task-1", "alice", 42, 1700000000000000},
    {"typed value with white space inside",
     INSERT("'tenant':{'S':'acme' }," K_OK "," O_OK "," E_OK "," R_OK), "111", "acme", "task-1",
     "alice", 42, 1700000000000000},
    {"typed values in Keys and OldImage around",
     "{'eventName':'INSERT','dynamodb':{'Keys':{'tenant':{'S':'K'}},'SequenceNumber':'111',"
     "'NewImage':{" IMAGE_OK "},'OldImage':{'tenant':{'N':'1'},'x':{'S':''}}}}",
     "111", "acme", "task-1", "alice", 42, 1700000000000000},
    {"attributes in reverse order", INSERT(R_OK "," E_OK "," O_OK "," K_OK "," T_OK), "111", "acme",
     "task-1", "alice", 42, 1700000000000000},
    {"NewImage before SequenceNumber, envelope fields around",
     "{'eventID':'e1','eventVersion':'1.1','dynamodb':{'ApproximateCreationDateTime':1.44130524E9,"
     "'Keys':{'pk':{'S':'k'},'tenant':{'S':'KEYS'}},'NewImage':{" IMAGE_OK "},"
     "'OldImage':{'tenant':{'S':'OLD'}},'SequenceNumber':'4421584500000000017450439091',"
     "'SizeBytes':26,'StreamViewType':'NEW_IMAGE'},'awsRegion':'us-west-2','eventName':'INSERT',"
     "'eventSource':'aws:dynamodb','eventSourceARN':'arn:aws:dynamodb:x'}",
     "4421584500000000017450439091", "acme", "task-1", "alice", 42, 1700000000000000},
    {"40-digit SequenceNumber",
     "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'1234567890123456789012345678901234567890'"
     ","
     "'NewImage':{" IMAGE_OK "}}}",
     "1234567890123456789012345678901234567890", "acme", "task-1", "alice", 42, 1700000000000000},
    {"SequenceNumber null",
     "{'eventName':'INSERT','dynamodb':{'SequenceNumber':null,'NewImage':{" IMAGE_OK "}}}", NULL,
     "acme", "task-1", "alice", 42, 1700000000000000},
    {"SequenceNumber absent", "{'eventName':'INSERT','dynamodb':{'NewImage':{" IMAGE_OK "}}}", NULL,
     "acme", "task-1", "alice", 42, 1700000000000000},
    {"pretty-printed",
     "{\n  'eventName' : 'INSERT' ,\n  'dynamodb' : {\n    'SequenceNumber' : '111' ,\n"
     "    'NewImage' : {\n      'tenant' : { 'S' : 'acme' } ,\n      'taskId':{'S':'task-1'},\r\n"
     "\t'owner':\t{\t'S'\t:\t'alice'\t},'eventSequence' : {'N' : '42'} ,\n"
     "      'recordedAtMicros' : { 'N' : '1700000000000000' }\n    }\n  }\n}",
     "111", "acme", "task-1", "alice", 42, 1700000000000000},
    {"other attributes ignored, tricky strings",
     INSERT(
         "'pk':{'S':'PENDING#}{]['},'sk':{'S':'a\\'b\\\\'},'ttl':{'N':'x'}," T_OK
         ",'nested':{'M':{'tenant':{'S':'evil'},'l':{'L':[{'S':'}'},{'N':'1'}]}}},'pk':{'S':'dup'},"
         "'zero':{'S':'\\u0000'},'lone':{'S':'\\ud800'}," K_OK "," O_OK "," E_OK "," R_OK),
     "111", "acme", "task-1", "alice", 42, 1700000000000000},
    {"empty strings allowed",
     INSERT("'tenant':{'S':''},'taskId':{'S':''},'owner':{'S':''}," E_OK "," R_OK), "111", "", "",
     "", 42, 1700000000000000},
    {"escapes decoded",
     INSERT("'tenant':{'S':'a\\'b\\\\c\\/d'},'taskId':{'S':'line\\nbreak\\ttab\\r\\b\\f'},"
            "'owner':{'S':'\\u0041\\u00e9\\u20ac\\ud83d\\ude00'}," E_OK "," R_OK),
     "111", "a\"b\\c/d", "line\nbreak\ttab\r\b\f", "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 42,
     1700000000000000},
    {"apostrophe and raw UTF-8",
     INSERT("'tenant':{'S':'o\\u0027brien'},'taskId':{'S':'caf\xc3\xa9'},"
            "'owner':{'S':'\xf0\x9f\x98\x80\xe2\x82\xac'}," E_OK "," R_OK),
     "111", "o'brien", "caf\xc3\xa9", "\xf0\x9f\x98\x80\xe2\x82\xac", 42, 1700000000000000},
    {"escaped member names and type keys",
     "{'event\\u004eame':'IN\\u0053ERT','dyn\\u0061modb':{'Sequence\\u004eumber':'1\\u0032',"
     "'New\\u0049mage':{'ten\\u0061nt':{'\\u0053':'acme'},'taskId':{'S':'task-1'},"
     "'\\u006fwner':{'S':'alice'},'eventSequence':{'\\u004e':'\\u0034\\u0032'},"
     "'recordedAtMicros':{'N':'1700000000000000'}}}}",
     "12", "acme", "task-1", "alice", 42, 1700000000000000},
    {"SequenceNumber with escapes",
     "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'\\u0031\\u0031\\u0031',"
     "'NewImage':{" IMAGE_OK "}}}",
     "111", "acme", "task-1", "alice", 42, 1700000000000000},
    {"long tenant",
     INSERT("'tenant':{'S':'"
            "0123456789012345678901234567890123456789012345678901234567890123456789"
            "0123456789012345678901234567890123456789012345678901234567890123456789'"
            "}," K_OK "," O_OK "," E_OK "," R_OK),
     "111",
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789012345678901234567890123456789012345678901234567890123456789",
     "task-1", "alice", 42, 1700000000000000},
    /* the numbers: u64 / i64 exactly, recordedAtMicros clamped at 0 */
    NUM_ROW("u64 max", "18446744073709551615", "0", UINT64_MAX, 0),
    NUM_ROW("u64 zero", "0", "0", 0, 0),
    NUM_ROW("plus sign", "+5", "+6", 5, 6),
    NUM_ROW("leading zeros", "007", "0008", 7, 8),
    NUM_ROW("i64 max", "1", "9223372036854775807", 1, INT64_MAX),
    NUM_ROW("negative micros clamped", "1", "-1", 1, 0),
    NUM_ROW("i64 min clamped", "1", "-9223372036854775808", 1, 0),
    NUM_ROW("minus zero micros", "1", "-0", 1, 0),
    NUM_ROW("i64 max as u64", "9223372036854775808", "1", 9223372036854775808ULL, 1),
};

static void check_dispatch(struct a2a_record_parser *p, const struct dispatch_row *r)
{
    struct expect e = {A2A_RECORD_DISPATCH, r->seq, NULL, "INSERT"};
    struct a2a_record rec;
    char *copy = NULL;
    char label[160];

    snprintf(label, sizeof(label), "dispatch row \"%s\"", r->name);
    check_parse(p, label, r->json, strlen(r->json), &e, &rec, &copy);
    if (!str_is(rec.pending.tenant, r->tenant)) {
        row_fail("%s: tenant \"%.*s\"", label, (int)rec.pending.tenant.len, rec.pending.tenant.ptr);
    }
    if (!str_is(rec.pending.task_id, r->task_id)) {
        row_fail("%s: taskId \"%.*s\"", label, (int)rec.pending.task_id.len,
                 rec.pending.task_id.ptr);
    }
    if (!str_is(rec.pending.owner, r->owner)) {
        row_fail("%s: owner \"%.*s\"", label, (int)rec.pending.owner.len, rec.pending.owner.ptr);
    }
    if (rec.pending.event_sequence != r->event_sequence) {
        row_fail("%s: eventSequence %llu, want %llu", label,
                 (unsigned long long)rec.pending.event_sequence,
                 (unsigned long long)r->event_sequence);
    }
    if (rec.pending.recorded_at_micros != r->recorded_at_micros) {
        row_fail("%s: recordedAtMicros %lld, want %lld", label,
                 (long long)rec.pending.recorded_at_micros, (long long)r->recorded_at_micros);
    }
    free(copy);
}

static void test_dispatch(void **state)
{
    struct a2a_record_parser *p = *state;

    for (size_t k = 0; k < sizeof(dispatch_rows) / sizeof(dispatch_rows[0]); k++) {
        check_dispatch(p, &dispatch_rows[k]);
    }
    rows_done();
}

/* The strings of the three attributes stay distinct when all of them hold escapes. */
static void test_dispatch_scratch_is_per_attribute(void **state)
{
    struct a2a_record_parser *p = *state;
    static const struct dispatch_row r = {
        "three escaped strings",
        INSERT("'tenant':{'S':'\\u0054'},'taskId':{'S':'\\u004b'},'owner':{'S':'\\u004f'},"
               "'eventSequence':{'N':'\\u0031'},'recordedAtMicros':{'N':'\\u0032'}"),
        "111",
        "T",
        "K",
        "O",
        1,
        2};

    check_dispatch(p, &r);
    rows_done();
}

/* ---- table 2b: U+0000 in eventName and SequenceNumber ---------------------------------- */

/*
 * The reference handler holds both in Rust Strings, which carry U+0000: "INSERT\u0000" is
 * simply not "INSERT", and a SequenceNumber holding U+0000 is an identifier like any other.
 * Expected values are byte strings with their lengths (sizeof - 1), never C strings.
 */
struct nul_row {
    const char *name;
    const char *json;
    enum a2a_record_class cls;
    const char *seq; /* NULL: has_seq must be 0 */
    size_t seq_len;
    const char *event; /* NULL: has_event_name must be 0 */
    size_t event_len;
    const char *reason; /* INVALID: as text_matches() */
};

#define NUL_SEQ(lit)       lit, sizeof(lit) - 1
#define NUL_EVENT(lit)     lit, sizeof(lit) - 1
#define NUL_NONE           NULL, 0
#define NUL_DDB(seq, rest) "{'eventName':'INSERT','dynamodb':{'SequenceNumber':'" seq "'" rest "}}"

static const struct nul_row nul_rows[] = {
    {"INSERT\\u0000 is not INSERT",
     "{'eventName':'INSERT\\u0000','dynamodb':{'SequenceNumber':'7','NewImage':{" IMAGE_OK "}}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("INSERT\0"), NULL},
    {"MODIFY\\u0000 is skipped",
     "{'eventName':'MODIFY\\u0000','dynamodb':{'SequenceNumber':'7','NewImage':{" IMAGE_OK "}}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("MODIFY\0"), NULL},
    {"\\u0000INSERT is skipped", "{'eventName':'\\u0000INSERT','dynamodb':{'SequenceNumber':'7'}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("\0INSERT"), NULL},
    {"INS\\u0000ERT is skipped", "{'eventName':'INS\\u0000ERT','dynamodb':{'SequenceNumber':'7'}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("INS\0ERT"), NULL},
    {"eventName only U+0000", "{'eventName':'\\u0000','dynamodb':{'SequenceNumber':'7'}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("\0"), NULL},
    {"INSERT\\u0000 with a NewImage that would not parse",
     "{'eventName':'INSERT\\u0000','dynamodb':{'SequenceNumber':'7','NewImage':5}}",
     A2A_RECORD_SKIP, NUL_SEQ("7"), NUL_EVENT("INSERT\0"), NULL},
    {"seq 1\\u00002, INSERT that parses, is dispatched",
     NUL_DDB("1\\u00002", ",'NewImage':{" IMAGE_OK "}"), A2A_RECORD_DISPATCH,
     NUL_SEQ("1\0"
             "2"),
     NUL_EVENT("INSERT"), NULL},
    {"seq 1\\u00002, INSERT that does not parse, is listed exactly", NUL_DDB("1\\u00002", ""),
     A2A_RECORD_INVALID,
     NUL_SEQ("1\0"
             "2"),
     NUL_EVENT("INSERT"), NO_TENANT},
    {"seq only U+0000", NUL_DDB("\\u0000", ""), A2A_RECORD_INVALID, NUL_SEQ("\0"),
     NUL_EVENT("INSERT"), NO_TENANT},
    {"seq ending in U+0000, MODIFY",
     "{'eventName':'MODIFY','dynamodb':{'SequenceNumber':'7\\u0000'}}", A2A_RECORD_SKIP,
     NUL_SEQ("7\0"), NUL_EVENT("MODIFY"), NULL},
    {"seq with U+0000 and eventName missing", "{'dynamodb':{'SequenceNumber':'7\\u0000'}}",
     A2A_RECORD_INVALID, NUL_SEQ("7\0"), NUL_NONE, NAME_MISSING},
    {"seq with U+0000, tenant with U+0000: the attribute rule stays",
     NUL_DDB("1\\u00002",
             ",'NewImage':{'tenant':{'S':'\\u0000'}," K_OK "," O_OK "," E_OK "," R_OK "}"),
     A2A_RECORD_INVALID,
     NUL_SEQ("1\0"
             "2"),
     NUL_EVENT("INSERT"),
     "NEW_IMAGE attribute tenant contains U+0000, which cannot be carried "
     "exactly"},
    {"both with U+0000", "{'eventName':'INSERT\\u0000','dynamodb':{'SequenceNumber':'1\\u00002'}}",
     A2A_RECORD_SKIP,
     NUL_SEQ("1\0"
             "2"),
     NUL_EVENT("INSERT\0"), NULL},
    {"seq twice, the same with U+0000",
     NUL_DDB("1\\u00002", ",'SequenceNumber':'1\\u00002','NewImage':{" IMAGE_OK "}"),
     A2A_RECORD_INVALID,
     NUL_SEQ("1\0"
             "2"),
     NUL_EVENT("INSERT"), "record has \"dynamodb.SequenceNumber\" twice"},
    {"seq twice, differing after U+0000",
     NUL_DDB("1\\u00002", ",'SequenceNumber':'1\\u00003','NewImage':{" IMAGE_OK "}"),
     A2A_RECORD_INVALID, NUL_NONE, NUL_EVENT("INSERT"),
     "record has \"dynamodb.SequenceNumber\" twice"},
    {"seq with U+0000 and a lone surrogate", NUL_DDB("1\\u0000\\ud800", ""), A2A_RECORD_INVALID,
     NUL_NONE, NUL_EVENT("INSERT"),
     "record envelope: dynamodb.SequenceNumber has a lone surrogate escape"},
    {"eventName with U+0000 and a lone surrogate",
     "{'eventName':'INSERT\\u0000\\udc00','dynamodb':{'SequenceNumber':'7'}}", A2A_RECORD_INVALID,
     NUL_SEQ("7"), NUL_NONE, "record envelope: eventName has a lone surrogate escape"},
};

static void test_nul_in_envelope_strings(void **state)
{
    struct a2a_record_parser *p = *state;

    for (size_t k = 0; k < sizeof(nul_rows) / sizeof(nul_rows[0]); k++) {
        const struct nul_row *r = &nul_rows[k];
        size_t len = strlen(r->json);
        char *json = q(r->json, len);
        struct a2a_record rec;
        char label[160];

        snprintf(label, sizeof(label), "U+0000 row %zu (%s)", k, r->name);
        memset(&rec, 0x5a, sizeof(rec));
        assert_int_equal(a2a_record_parse(p, json, len, 0, &rec), 0);
        if (rec.cls != r->cls) {
            row_fail("%s: class %s, want %s (reason \"%s\")", label, cls_name(rec.cls),
                     cls_name(r->cls), rec.cls == A2A_RECORD_INVALID ? rec.reason : "");
        }
        if ((r->seq != NULL) != (rec.has_seq != 0)) {
            row_fail("%s: has_seq %d, want %d", label, rec.has_seq, r->seq != NULL);
        } else if (r->seq != NULL) {
            check_bytes(label, rec.seq.ptr, rec.seq.len, r->seq, r->seq_len);
        }
        if ((r->event != NULL) != (rec.has_event_name != 0)) {
            row_fail("%s: has_event_name %d, want %d", label, rec.has_event_name, r->event != NULL);
        } else if (r->event != NULL) {
            check_bytes(label, rec.event_name.ptr, rec.event_name.len, r->event, r->event_len);
        }
        if (r->cls == A2A_RECORD_INVALID && !text_matches(rec.reason, r->reason)) {
            row_fail("%s: reason \"%s\", want \"%s\"", label, rec.reason, r->reason);
        }
        if (rec.cls == A2A_RECORD_DISPATCH &&
            (!str_is(rec.pending.tenant, "acme") || rec.pending.event_sequence != 42)) {
            row_fail("%s: NewImage not read as given", label);
        }
        free(json);
    }
    rows_done();
}

/* ---- table 3: NewImage attributes, generated per attribute ------------------------------ */

/* Every missing attribute, in the Lambda handler's order. */
static void test_missing_each(void **state)
{
    struct a2a_record_parser *p = *state;
    char json[2048];
    char reason[128];

    for (int k = 0; k < 5; k++) {
        for (int reverse = 0; reverse < 2; reverse++) {
            struct expect e = {A2A_RECORD_INVALID, "111", reason, "INSERT"};
            char label[96];

            image_with(json, sizeof(json), k, NULL, reverse);
            snprintf(reason, sizeof(reason), "NEW_IMAGE missing required attribute %s",
                     attr_names[k]);
            snprintf(label, sizeof(label), "missing %s%s", attr_names[k],
                     reverse ? " (reversed)" : "");
            expect_class(p, label, json, &e);
        }
    }
    rows_done();
}

static const char *const wrong_for_s[] = {
    "{'S':5}",
    "{'N':'5'}",
    "{'S':'a','N':'1'}",
    "{'N':'1','S':'a'}",
    "{'S':'a','S':'b'}",
    "{}",
    "'x'",
    "null",
    "5",
    "true",
    "[]",
    "[{'S':'a'}]",
    "{'s':'x'}",
    "{'S':null}",
    "{'S':['a']}",
    "{'SS':['a']}",
    "{'NULL':true}",
    "{'B':'YQ=='}",
    "{'S ':'a'}",
    "{'M':{'S':{'S':'a'}}}",
};

static const char *const wrong_for_n[] = {
    "{'N':5}",
    "{'N':5.0}",
    "{'S':'5'}",
    "{'S':'a','N':'1'}",
    "{'N':'1','S':'a'}",
    "{'N':'1','N':'2'}",
    "{}",
    "'x'",
    "'5'",
    "null",
    "5",
    "[]",
    "{'n':'1'}",
    "{'N':null}",
    "{'N':['1']}",
    "{'NS':['1']}",
    "{'N':true}",
    "{'N':{'N':'1'}}",
};

static void test_wrong_type_each(void **state)
{
    struct a2a_record_parser *p = *state;
    char json[2048];
    char reason[128];

    for (int k = 0; k < 5; k++) {
        const char *const *list = k < 3 ? wrong_for_s : wrong_for_n;
        size_t n = k < 3 ? sizeof(wrong_for_s) / sizeof(wrong_for_s[0])
                         : sizeof(wrong_for_n) / sizeof(wrong_for_n[0]);

        snprintf(reason, sizeof(reason), "NEW_IMAGE attribute %s has wrong type (expected %s)",
                 attr_names[k], k < 3 ? "S" : "N");
        for (size_t v = 0; v < n; v++) {
            struct expect e = {A2A_RECORD_INVALID, "111", reason, "INSERT"};
            char label[160];

            image_with(json, sizeof(json), k, list[v], (int)(v % 2));
            snprintf(label, sizeof(label), "%s = %s", attr_names[k], list[v]);
            expect_class(p, label, json, &e);
        }
    }
    rows_done();
}

/* A duplicated attribute among the five is ambiguous: a parse error of that attribute. */
static void test_duplicate_each(void **state)
{
    struct a2a_record_parser *p = *state;
    char json[2048];
    char reason[128];
    char img[1024];

    for (int k = 0; k < 5; k++) {
        for (int same = 0; same < 2; same++) {
            struct expect e = {A2A_RECORD_INVALID, "111", reason, "INSERT"};
            char label[96];
            size_t n = 0;

            img[0] = '\0';
            for (int a = 0; a < 5; a++) {
                n += (size_t)snprintf(img + n, sizeof(img) - n, "%s'%s':%s", a > 0 ? "," : "",
                                      attr_names[a], attr_ok[a]);
            }
            /* the copy agrees with the first, or is a valid but different value */
            snprintf(img + n, sizeof(img) - n, ",'%s':%s", attr_names[k],
                     same ? attr_ok[k] : (k < 3 ? "{'S':'other'}" : "{'N':'7'}"));
            snprintf(json, sizeof(json), INSERT("%s"), img);
            snprintf(reason, sizeof(reason),
                     "NEW_IMAGE attribute %s appears more than once (ambiguous)", attr_names[k]);
            snprintf(label, sizeof(label), "duplicate %s (%s)", attr_names[k],
                     same ? "same value" : "different value");
            expect_class(p, label, json, &e);
        }
    }
    rows_done();
}

/*
 * The first error in the Lambda handler's order wins, wherever the attributes stand in the
 * document: for every pair a < b, a broken a is reported over a broken b, in both document
 * orders.
 */
static void test_first_error_wins(void **state)
{
    struct a2a_record_parser *p = *state;
    static const char *const broken_s[] = {NULL, "{'N':'1'}", "{'S':'\\u0000'}"};
    static const char *const broken_n[] = {NULL, "{'S':'1'}", "{'N':'1e3'}"};
    char json[2048];

    for (int a = 0; a < 5; a++) {
        for (int b = a + 1; b < 5; b++) {
            for (int ka = 0; ka < 3; ka++) {
                for (int kb = 0; kb < 3; kb++) {
                    for (int reverse = 0; reverse < 2; reverse++) {
                        const char *va = a < 3 ? broken_s[ka] : broken_n[ka];
                        const char *vb = b < 3 ? broken_s[kb] : broken_n[kb];
                        struct expect e = {A2A_RECORD_INVALID, "111", NULL, "INSERT"};
                        char want[160];
                        char label[256];
                        char img[1024] = "";
                        size_t n = 0;

                        for (int step = 0; step < 5; step++) {
                            int x = reverse ? 4 - step : step;
                            const char *v = x == a ? va : (x == b ? vb : attr_ok[x]);
                            if ((x == a && ka == 0) || (x == b && kb == 0)) {
                                continue; /* missing */
                            }
                            n += (size_t)snprintf(img + n, sizeof(img) - n, "%s'%s':%s",
                                                  n > 0 ? "," : "", attr_names[x], v);
                        }
                        snprintf(json, sizeof(json), INSERT("%s"), img);
                        if (ka == 0) {
                            snprintf(want, sizeof(want), "NEW_IMAGE missing required attribute %s",
                                     attr_names[a]);
                        } else {
                            snprintf(want, sizeof(want), "NEW_IMAGE attribute %s *", attr_names[a]);
                        }
                        e.reason = want;
                        snprintf(label, sizeof(label), "%s %s and %s %s%s", attr_names[a],
                                 ka == 0 ? "missing" : va, attr_names[b], kb == 0 ? "missing" : vb,
                                 reverse ? " (reversed)" : "");
                        expect_class(p, label, json, &e);
                    }
                }
            }
        }
    }
    rows_done();
}

/* ---- table 4: number values, with the Lambda handler's message -------------------------- */

struct number_row {
    int k; /* 3 eventSequence, 4 recordedAtMicros */
    const char *value;
};

static const struct number_row bad_numbers[] = {
    {3, "1e3"},
    {3, "-0"},
    {3, "-1"},
    {3, ""},
    {3, "+"},
    {3, " 1"},
    {3, "1 "},
    {3, "1.0"},
    {3, "0x10"},
    {3, "1_000"},
    {3, "++1"},
    {3, "+-1"},
    {3, "18446744073709551616"},
    {3, "99999999999999999999999"},
    {3, "abc"},
    {3, "NaN"},
    {4, "1e3"},
    {4, ""},
    {4, "-"},
    {4, "+"},
    {4, " 1"},
    {4, "1.5"},
    {4, "--1"},
    {4, "9223372036854775808"},
    {4, "-9223372036854775809"},
    {4, "18446744073709551615"},
};

static void test_bad_numbers(void **state)
{
    struct a2a_record_parser *p = *state;
    char json[2048];
    char value[128];
    char reason[256];

    for (size_t i = 0; i < sizeof(bad_numbers) / sizeof(bad_numbers[0]); i++) {
        const struct number_row *r = &bad_numbers[i];
        struct expect e = {A2A_RECORD_INVALID, "111", reason, "INSERT"};
        char label[128];

        snprintf(value, sizeof(value), "{'N':'%s'}", r->value);
        image_with(json, sizeof(json), r->k, value, 0);
        snprintf(reason, sizeof(reason),
                 "NEW_IMAGE attribute %s = \"%s\" is not a valid %s 64-bit number",
                 attr_names[r->k], r->value, r->k == 3 ? "unsigned" : "signed");
        snprintf(label, sizeof(label), "%s = \"%s\"", attr_names[r->k], r->value);
        expect_class(p, label, json, &e);
    }
    rows_done();
}

/* The Lambda handler's wording, verbatim. */
static void test_seed_wording(void **state)
{
    struct a2a_record_parser *p = *state;
    static const struct expect missing = {A2A_RECORD_INVALID, "111",
                                          "NEW_IMAGE missing required attribute tenant", NULL};
    static const struct expect wrong = {
        A2A_RECORD_INVALID, "111", "NEW_IMAGE attribute eventSequence has wrong type (expected N)",
        NULL};
    static const struct expect number = {
        A2A_RECORD_INVALID, "111",
        "NEW_IMAGE attribute eventSequence = \"1e3\" is not a valid unsigned 64-bit number", NULL};

    expect_class(p, "missing tenant and bad eventSequence",
                 INSERT(K_OK "," O_OK ",'eventSequence':{'N':'x'}," R_OK), &missing);
    expect_class(p, "eventSequence {'N':5}",
                 INSERT(T_OK "," K_OK "," O_OK ",'eventSequence':{'N':5}," R_OK), &wrong);
    expect_class(p, "eventSequence 1e3",
                 INSERT(T_OK "," K_OK "," O_OK ",'eventSequence':{'N':'1e3'}," R_OK), &number);
    rows_done();
}

/* Values that cannot be shown as they are: the reason stays one printable, bounded line. */
static void test_reason_is_printable(void **state)
{
    struct a2a_record_parser *p = *state;
    static const char *const values[] = {
        "{'N':'1\\n2'}",
        "{'N':'\\'\\\\'}",
        "{'N':'\\u001b[31m'}",
        "{'N':'\xc3\xa9'}",
        "{'N':'"
        "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
        "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
        "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
        "1111111111111111111111111111111111111111111111111111111111111111111111111111111x'}",
    };
    char json[2048];

    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct a2a_record rec;
        struct expect e = {A2A_RECORD_INVALID, "111", "NEW_IMAGE attribute eventSequence = \"*",
                           "INSERT"};
        char *copy = NULL;
        size_t n;

        image_with(json, sizeof(json), 3, values[i], 0);
        check_parse(p, values[i], json, strlen(json), &e, &rec, &copy);
        n = strnlen(rec.reason, sizeof(rec.reason));
        assert_true(n < sizeof(rec.reason));
        for (size_t c = 0; c < n; c++) {
            assert_true((unsigned char)rec.reason[c] >= 0x20);
        }
        assert_non_null(strstr(rec.reason, "is not a valid unsigned 64-bit number"));
        free(copy);
    }
    rows_done();
}

/* non_ascii = 0 promises ASCII strings; non_ascii = 1 with valid UTF-8 changes nothing. */
static void test_non_ascii_flag(void **state)
{
    struct a2a_record_parser *p = *state;
    static const char tmpl[] = INSERT("'tenant':{'S':'\xc3\xa9'}," K_OK "," O_OK "," E_OK "," R_OK);
    char *json = q(tmpl, sizeof(tmpl) - 1);
    struct a2a_record rec;

    assert_int_equal(a2a_record_parse(p, json, sizeof(tmpl) - 1, 1, &rec), 0);
    assert_int_equal(rec.cls, A2A_RECORD_DISPATCH);
    assert_true(str_is(rec.pending.tenant, "\xc3\xa9"));
    free(json);

    json = q(INSERT(IMAGE_OK), sizeof(INSERT(IMAGE_OK)) - 1);
    assert_int_equal(a2a_record_parse(p, json, sizeof(INSERT(IMAGE_OK)) - 1, 0, &rec), 0);
    assert_int_equal(rec.cls, A2A_RECORD_DISPATCH);
    free(json);
    rows_done();
}

/* no_dynamodb: an object with no "dynamodb" member at all, whatever else it holds (both paths). */
static void test_no_dynamodb(void **state)
{
    struct a2a_record_parser *p = *state;
    static const struct {
        const char *tmpl;
        int want;
    } ddb_rows[] = {
        {"{'eventName':'INSERT'}", 1},
        {"{'position':1,'eventName':'INSERT','outcome':'failed','sequenceNumber':'7'}", 1},
        {"{'eventName':'MODIFY'}", 1},
        {"{}", 1},
        {"{'eventName':'INSERT','x':{'dynamodb':{}}}", 1},
        {"{'eventName':'INSERT','dynamodb':{}}", 0},
        {"{'eventName':'INSERT','dynamodb':null}", 0},
        {"{'eventName':'INSERT','dynamodb':'x'}", 0},
        {"{'eventName':'INSERT','dynamodb':{},'dynamodb':{}}", 0},
        {"{'eventName':'INSERT','dynamo\\u0064b':{}}", 0}, /* the key as the handler reads it */
        {"{'dynamodb':{'SequenceNumber':'5'}}", 0},
        {INSERT(IMAGE_OK), 0},
        {"5", 0}, /* no object: nothing to say of its members */
        {"null", 0},
        {"['dynamodb']", 0},
    };

    for (size_t i = 0; i < sizeof(ddb_rows) / sizeof(ddb_rows[0]); i++) {
        size_t len = strlen(ddb_rows[i].tmpl);
        char *json = q(ddb_rows[i].tmpl, len);
        struct a2a_record rec;

        memset(&rec, 0x5a, sizeof(rec));
        assert_int_equal(a2a_record_parse(p, json, len, 0, &rec), 0);
        if (rec.no_dynamodb != ddb_rows[i].want) {
            row_fail("%s: no_dynamodb %d, want %d", ddb_rows[i].tmpl, rec.no_dynamodb,
                     ddb_rows[i].want);
        }
        check_one_pass(ddb_rows[i].tmpl, json, len, &rec, 0);
        free(json);
    }
    rows_done();
}

/* One parser, many records: no state leaks from one record into the next. */
static void test_parser_reuse(void **state)
{
    struct a2a_record_parser *p = *state;
    static const struct expect bad = {A2A_RECORD_INVALID, "5", "record has \"eventName\" twice",
                                      NULL};
    static const struct expect skip = {A2A_RECORD_SKIP, NULL, NULL, "MODIFY"};

    for (int round = 0; round < 3; round++) {
        check_dispatch(p, &dispatch_rows[round % 2 == 0 ? 9 : 11]);
        expect_class(
            p, "dup",
            "{'eventName':'INSERT','eventName':'INSERT','dynamodb':{'SequenceNumber':'5'}}", &bad);
        expect_class(p, "modify", "{'eventName':'MODIFY'}", &skip);
    }
    rows_done();
}

int main(void)
{
    const struct CMUnitTest classification[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_dispatch_scratch_is_per_attribute),
        cmocka_unit_test(test_nul_in_envelope_strings),
        cmocka_unit_test(test_non_ascii_flag),
        cmocka_unit_test(test_no_dynamodb),
        cmocka_unit_test(test_parser_reuse),
    };
    const struct CMUnitTest new_image[] = {
        cmocka_unit_test(test_missing_each),        cmocka_unit_test(test_wrong_type_each),
        cmocka_unit_test(test_duplicate_each),      cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_bad_numbers),         cmocka_unit_test(test_seed_wording),
        cmocka_unit_test(test_reason_is_printable),
    };
    int failed = 0;

    failed += cmocka_run_group_tests_name("classification", classification, setup, teardown);
    failed += cmocka_run_group_tests_name("new_image", new_image, setup, teardown);
    return failed;
}
