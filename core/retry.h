/*
 * The retry policy, as pure functions of their inputs (status, attempt, clock, random draw),
 * so that every bound is unit-tested without a network or a real clock.
 */
#ifndef A2A_RETRY_H
#define A2A_RETRY_H

#include <stdint.h>
#include <time.h>

#include "result.h"

enum a2a_http_class {
    A2A_HTTP_SUCCESS,   /* 2xx: the marker is consumed */
    A2A_HTTP_TRANSIENT, /* 408, 425, 429, 5xx: try again later */
    A2A_HTTP_PERMANENT, /* 3xx and other 4xx: this record fails, the run goes on */
    A2A_HTTP_FATAL,     /* 401, 403, 404, 405: every call would fail alike: stop the run */
};

#define A2A_BACKOFF_BASE_MS    200
#define A2A_BACKOFF_CAP_MS     10000
#define A2A_RETRY_AFTER_CAP_MS 60000

enum a2a_http_class a2a_http_classify(long status);

/* A 3xx: a redirect, never followed; fatal, its reason names where it points. Inline: the
   engine asks it of every answer. */
static inline int a2a_http_is_redirect(long status)
{
    return status >= 300 && status <= 399;
}

/* A 2xx. */
static inline int a2a_http_is_success(long status)
{
    return status >= 200 && status <= 299;
}

/*
 * A 2xx answer that is not the redispatch endpoint's: its Content-Type is not JSON (an HTML
 * page, or an empty answer of a default type, from a catch-all, a load balancer or a default
 * server at a wrong -u), or it has a body and no Content-Type and the body names no outcome
 * (names_outcome: it is {"outcome":"dispatched"} or taskDeleted). An empty 204 or 205 (any
 * type) and a 2xx with neither body nor type are the endpoint's. content_type may be NULL.
 */
int a2a_http_foreign_success(long status, const char *content_type, int has_body,
                             int names_outcome);

/*
 * Full jitter: a delay drawn uniformly from [0, min(cap, base * 2^(retry - 1))], where retry
 * is 1 for the first retry; random is any 64-bit draw.
 */
uint64_t a2a_backoff_ms(unsigned retry, uint64_t base_ms, uint64_t cap_ms, uint64_t random);

/*
 * A Retry-After value (delta-seconds or an HTTP-date) as a delay from now in ms, capped at
 * A2A_RETRY_AFTER_CAP_MS; -1 when it is neither.
 */
int64_t a2a_retry_after_ms(const char *value, time_t now);

/*
 * How a call ended below HTTP: the transport result class, from a2a_call_classify(). The
 * classes after FAILED say at which stage a call that got no answer stopped, because some of
 * them mean every call would fail alike.
 */
enum a2a_transport {
    A2A_TRANSPORT_ANSWERED,     /* the whole response came, its body read to its end */
    A2A_TRANSPORT_FAILED,       /* connected, then no usable answer: reset, timeout, ... */
    A2A_TRANSPORT_INCOMPLETE,   /* a status line came, then the header block or body was cut */
    A2A_TRANSPORT_RESOLVE,      /* the host name did not resolve */
    A2A_TRANSPORT_CONNECT,      /* no connection: refused, unreachable, connect timeout */
    A2A_TRANSPORT_TLS_VERIFY,   /* the server's certificate is not trusted */
    A2A_TRANSPORT_TLS_PROTOCOL, /* the server does not speak TLS (https:// to an http port) */
    A2A_TRANSPORT_SCHEME,       /* the URL's scheme is not one the HTTP library can use */
};

/* The fail-fast status that says a transport fault, not an HTTP status, stopped the run. */
#define A2A_FATAL_TRANSPORT (-1)

/* What the engine saw of one call: libcurl's result and what its callbacks recorded. */
struct a2a_call_end {
    int code;            /* CURLcode */
    const char *errtext; /* libcurl's error buffer ("" when empty); never NULL */
    long status;         /* the final response's status; 0 when none came */
    int http_major;      /* 1 for HTTP/1.x, 2 and 3 frame every stream; 0 when unknown */
    int connected;       /* the connection (and TLS handshake) was made: the request went out */
    int headers_ended;   /* the final response's header block ended (its blank line came) */
    int content_length;  /* the final response's Content-Length: 1 one that delimits the
                            body, -1 one that cannot (not 1*DIGIT, past 2^63 - 1, two that
                            differ): libcurl would read to the close; 0 none */
    int chunked;         /* the final response said Transfer-Encoding: chunked */
    int body_capped;     /* the body went past our cap: the rest was read and dropped */
};

/*
 * The transport class of one call, and its text for a reason (detail, NUL-terminated).
 * A 2xx is complete only when its header block ended and its body was delimited and came
 * whole: by Content-Length, the last chunk, the end of an HTTP/2 stream, or a status that
 * has no body (1xx, 204, 304). A close-delimited HTTP/1.x body cannot be told from one cut
 * short, so it counts as incomplete, and so does one whose Content-Length delimits nothing.
 * A body longer than our cap is read to its end all the same (the rest dropped): it is judged
 * whole or cut by the same rules as a short one.
 */
enum a2a_transport a2a_call_classify(const struct a2a_call_end *c, char *detail, size_t cap);

/* What a 2xx body says of the record (endpoint contract). */
enum a2a_answer {
    A2A_ANSWER_NONE,         /* no body (204): a 2xx consumes the marker, nothing more to know */
    A2A_ANSWER_DISPATCHED,   /* {"outcome":"dispatched"} */
    A2A_ANSWER_TASK_DELETED, /* {"outcome":"taskDeleted"} */
    A2A_ANSWER_UNKNOWN,      /* a body that names no outcome the contract knows: acknowledged
                                all the same (a 2xx consumes the marker), and said */
};

/* Everything the verdict on one attempt depends on: no clock read, no random draw inside. */
struct a2a_verdict_input {
    enum a2a_transport transport;
    long status;              /* HTTP status when answered */
    unsigned attempts;        /* attempts made so far, this one included */
    unsigned retries;         /* the retry budget: attempts allowed after the first */
    const char *retry_after;  /* the Retry-After value as sent, or NULL */
    enum a2a_answer answer;   /* with a 2xx: what its body says */
    const char *content_type; /* the answer's Content-Type value, or "" / NULL when none */
    int foreign;        /* a 2xx a2a_http_foreign_success() says is not the endpoint's answer */
    const char *detail; /* transport error text, or a printable body excerpt; never NULL */
    time_t now;         /* wall clock, for an HTTP-date Retry-After */
    uint64_t random;    /* any 64-bit draw, for the backoff jitter */
};

struct a2a_verdict {
    int retry;                /* 1: try again after delay_ms; 0: outcome is final */
    int64_t delay_ms;         /* with retry: Retry-After if usable, else full-jitter backoff */
    int delay_asked;          /* with retry: delay_ms is the answer's Retry-After */
    enum a2a_outcome outcome; /* without retry */
    int fail_fast;            /* every call would fail alike: stop the run (status says why) */
    int odd_answer;           /* acknowledged by a 2xx whose body names no known outcome */
    char reason[A2A_REASON_MAX];
};

/*
 * The circuit breaker's state. While no call has had an HTTP answer, final failures at the
 * same stage (name resolution, connection, no answer once connected) are counted; `threshold` of
 * them in a row trip it. Once any call was answered it is off for good: a failure to connect then
 * is a server restarting, transient again.
 */
struct a2a_breaker {
    int off;                  /* a call was answered */
    enum a2a_transport stage; /* the stage of the failures counted */
    unsigned run;             /* final failures at that stage, in a row */
};

/*
 * Weighs one attempt's verdict. Returns 1 when the breaker trips, with why (NUL-terminated)
 * saying so in one line.
 */
int a2a_breaker_step(struct a2a_breaker *b, unsigned threshold, enum a2a_transport transport,
                     const struct a2a_verdict *v, char *why, size_t cap);

/*
 * The verdict on one attempt: a 2xx acknowledges (or says the task is gone); 408/425/429/5xx
 * and transport failures retry until the budget is spent, then fail as transient; 401/403/
 * 404/405, an untrusted certificate, a server that does not speak TLS and an unusable scheme
 * reject and stop the run; any other status rejects the record alone.
 */
void a2a_http_verdict(const struct a2a_verdict_input *in, struct a2a_verdict *out);

#endif
