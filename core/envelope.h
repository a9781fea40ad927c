/*
 * Where a record's envelope fields stand: eventName, dynamodb.SequenceNumber and the five
 * NewImage attributes, as offsets into the record's bytes, with the first envelope problem met
 * on the way.
 *
 * Two walkers fill it by the same rules, member by member in document order: the scanner while
 * it validates a record (so the parser need not walk the bytes again), and the record parser
 * itself when a record comes without one (a record cut out across two reads, a caller with
 * bytes of its own). The rules live here, once, so both walkers agree by construction.
 */
#ifndef A2A_ENVELOPE_H
#define A2A_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The five NewImage attributes, in the Lambda handler's order: tenant, taskId, owner
 * (strings), eventSequence, recordedAtMicros (numbers). */
#define A2A_ENV_ATTRS 5

struct a2a_env_attr {
    const char *name;
    size_t len;
};

extern const struct a2a_env_attr a2a_env_attrs[A2A_ENV_ATTRS];

/* Which object a member belongs to, as far as the envelope is concerned. */
enum a2a_env_ctx {
    A2A_ENV_NONE,      /* an object whose members do not matter */
    A2A_ENV_TOP,       /* the record object */
    A2A_ENV_DDB,       /* the first "dynamodb" object */
    A2A_ENV_DDB_OTHER, /* a later "dynamodb": only its SequenceNumber copies matter */
    A2A_ENV_IMAGE,     /* NewImage of the first "dynamodb" */
    A2A_ENV_DOC,       /* the record object as a whole document: TOP, and "Records" counted */
    A2A_ENV_ATTR,      /* the value of the first copy of an attribute: + its index (0..4) */
};

/* The first envelope problem in document order; later ones are not reported over it. */
enum a2a_env_problem {
    A2A_ENV_OK,
    A2A_ENV_NAME_TWICE,
    A2A_ENV_NAME_NOT_STRING,
    A2A_ENV_DDB_TWICE,
    A2A_ENV_DDB_NOT_OBJECT,
    A2A_ENV_SEQ_TWICE,
    A2A_ENV_SEQ_NOT_STRING,
    A2A_ENV_IMAGE_TWICE,
};

struct a2a_envelope {
    /* Counts and flags: a2a_envelope_init() zeroes these, up to the offsets below. */
    int complete; /* filled from the whole record: the parser may rely on it */
    int escapes;  /* some string of the record may hold an escape (0: none needs decoding) */
    enum a2a_env_problem problem;
    int has_event_name;            /* a string eventName: name_at, name_len are set */
    int has_seq;                   /* a string SequenceNumber every copy of which agrees */
    int attr_count[A2A_ENV_ATTRS]; /* how often each attribute appears in NewImage */
    /*
     * The members of each attribute's value when it is an object (first copy): how many, and
     * whether the first is the attribute's type ("S" for the strings, "N" for the numbers)
     * with a string value, whose raw content is then at value_at, value_len bytes.
     */
    int attr_members[A2A_ENV_ATTRS];
    /* Walking state. */
    int records;    /* "Records" members of a DOC object (a document with one is an event) */
    int shape_keys; /* its "Messages" and "DDBStreamBatchInfo" members (redrive shapes) */
    int names;
    int ddbs;
    int seqs;
    int images;
    int other_has_seq; /* the later "dynamodb" being walked has a SequenceNumber */
    /* Offsets into the record, valid only where the counts and flags above say so. */
    size_t name_at; /* raw content (escapes undecoded) of eventName */
    size_t name_len;
    size_t seq_at; /* ... of SequenceNumber */
    size_t seq_len;
    size_t attr_at[A2A_ENV_ATTRS]; /* offset of each attribute's value (its first byte) */
    int attr_typed[A2A_ENV_ATTRS];
    size_t value_at[A2A_ENV_ATTRS];
    size_t value_len[A2A_ENV_ATTRS];
};

/* Ready for a walk: only the counts and flags are zeroed, the offsets wait to be set. */
static inline void a2a_envelope_init(struct a2a_envelope *env)
{
    memset(env, 0, offsetof(struct a2a_envelope, name_at));
}

/*
 * A name's bit in a 64-bit filter, from its length and its first and last bytes: the names
 * that matter in a context have their bits set in a2a_env_names[ctx]. Names that share a
 * length in one record ("awsRegion" beside "eventName", "StreamViewType" beside
 * "SequenceNumber", "payloadDigest" beside "eventSequence") differ in these bytes, so most
 * members are passed over without a call. A name whose bit is set is still compared whole.
 */
#define A2A_ENV_BIT(len, first, last) (UINT64_C(1) << (((len) + (first) + (last)) & 63))

static inline uint64_t a2a_env_name_bit(const char *key, size_t key_len)
{
    return A2A_ENV_BIT(key_len, (unsigned char)key[0], (unsigned char)key[key_len - 1]);
}

#define A2A_ENV_TOP_NAMES (A2A_ENV_BIT(9, 'e', 'e') | A2A_ENV_BIT(8, 'd', 'b'))
#define A2A_ENV_SEQ_NAME  A2A_ENV_BIT(14, 'S', 'r')

/* Per context, the bits of the names that matter there (the names are in envelope.c). */
static const uint64_t a2a_env_names[A2A_ENV_ATTR] = {
    [A2A_ENV_TOP] = A2A_ENV_TOP_NAMES,                           /* eventName, dynamodb */
    [A2A_ENV_DDB] = A2A_ENV_SEQ_NAME | A2A_ENV_BIT(8, 'N', 'e'), /* ..., NewImage */
    [A2A_ENV_DDB_OTHER] = A2A_ENV_SEQ_NAME,                      /* SequenceNumber */
    [A2A_ENV_IMAGE] = A2A_ENV_BIT(6, 't', 't') | A2A_ENV_BIT(6, 't', 'd') |  /* tenant, taskId */
                      A2A_ENV_BIT(5, 'o', 'r') | A2A_ENV_BIT(13, 'e', 'e') | /* owner, eventSeq.. */
                      A2A_ENV_BIT(16, 'r', 's'),                             /* recordedAtMicros */
    [A2A_ENV_DOC] = A2A_ENV_TOP_NAMES | A2A_ENV_BIT(7, 'R', 's') |           /* Records */
                    A2A_ENV_BIT(8, 'M', 's') | A2A_ENV_BIT(18, 'D', 'o'), /* Messages, DDB...Info */
};

/* The slow part of a2a_envelope_member(), for a name that may matter. */
int a2a_envelope_member_named(struct a2a_envelope *env, int ctx, const char *key, size_t key_len,
                              const char *rec, size_t val, size_t str_len);

/*
 * The member `key` (decoded name, key_len bytes) of an object of context ctx has its value at
 * rec[val], the value's first byte; for a string value, str_len is its raw content's length
 * (else ignored). Returns the context of the value's members when it is an object that
 * matters, else A2A_ENV_NONE. Called for members of objects whose context is not NONE only.
 * Inline: most names are told apart by their length, before any call.
 */
static inline int a2a_envelope_member(struct a2a_envelope *env, int ctx, const char *key,
                                      size_t key_len, const char *rec, size_t val, size_t str_len)
{
    if (ctx >= A2A_ENV_ATTR) {
        /* A member of attribute k's value: only the first one's name and value are kept. */
        int k = ctx - A2A_ENV_ATTR;

        if (env->attr_members[k]++ == 0) {
            env->attr_typed[k] = key_len == 1 && key[0] == (k < 3 ? 'S' : 'N') && rec[val] == '"';
            env->value_at[k] = val + 1;
            env->value_len[k] = str_len;
        }
        return A2A_ENV_NONE;
    }
    if (key_len != 0 && (a2a_env_names[ctx] & a2a_env_name_bit(key, key_len)) != 0) {
        return a2a_envelope_member_named(env, ctx, key, key_len, rec, val, str_len);
    }
    return A2A_ENV_NONE;
}

/* The object of context ctx (not NONE) ends. */
static inline void a2a_envelope_end(struct a2a_envelope *env, int ctx)
{
    /* A later "dynamodb" without a SequenceNumber: the record keeps none */
    if (ctx == A2A_ENV_DDB_OTHER && !env->other_has_seq) {
        env->has_seq = 0;
    }
}

#endif
