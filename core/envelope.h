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
    /* Bit n set: a name of n bytes may matter in that context. */
    static const uint32_t lengths[A2A_ENV_ATTR] = {
        [A2A_ENV_TOP] = 1u << 9 | 1u << 8,                         /* eventName, dynamodb */
        [A2A_ENV_DDB] = 1u << 14 | 1u << 8,                        /* SequenceNumber, NewImage */
        [A2A_ENV_DDB_OTHER] = 1u << 14,                            /* SequenceNumber */
        [A2A_ENV_IMAGE] = 1u << 6 | 1u << 5 | 1u << 13 | 1u << 16, /* the five attributes */
        [A2A_ENV_DOC] = 1u << 9 | 1u << 8 | 1u << 7 | 1u << 18,    /* ... Records, shapes */
    };

    if (ctx >= A2A_ENV_ATTR || (key_len < 32 && (lengths[ctx] >> key_len) & 1u)) {
        return a2a_envelope_member_named(env, ctx, key, key_len, rec, val, str_len);
    }
    return A2A_ENV_NONE;
}

/* The object of context ctx (not NONE) ends. */
void a2a_envelope_end(struct a2a_envelope *env, int ctx);

#endif
