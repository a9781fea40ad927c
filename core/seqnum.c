#include "seqnum.h"

#include <string.h>

int a2a_seqnum_valid(const char *s, size_t len)
{
    if (s == NULL || len < A2A_SEQNUM_MIN_DIGITS || len > A2A_SEQNUM_MAX_DIGITS) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

int a2a_seqnum_valid_str(const char *s)
{
    return s != NULL && a2a_seqnum_valid(s, strlen(s));
}

/* Leading zeros say nothing about the value: skip them, keeping one digit for zero itself. */
static void skip_zeros(const char **p, size_t *len)
{
    while (*len > 1 && **p == '0') {
        (*p)++;
        (*len)--;
    }
}

int a2a_seqnum_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c;

    skip_zeros(&a, &alen);
    skip_zeros(&b, &blen);
    if (alen != blen) {
        return alen < blen ? -1 : 1;
    }
    c = memcmp(a, b, alen);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return 0;
}

int a2a_seqnum_cmp_str(const char *a, const char *b)
{
    return a2a_seqnum_cmp(a, strlen(a), b, strlen(b));
}

int a2a_seqnum_before(const char *s, char *out, size_t cap)
{
    size_t len = s != NULL ? strlen(s) : 0;
    size_t i;

    if (cap > 0) {
        out[0] = '\0';
    }
    if (len == 0 || len >= cap || strspn(s, "0123456789") != len) {
        return -1;
    }
    memcpy(out, s, len + 1);
    /* borrow from the right: trailing zeros become nines until a digit can give one */
    for (i = len; i > 0 && out[i - 1] == '0'; i--) {
        out[i - 1] = '9';
    }
    if (i == 0) {
        out[0] = '\0'; /* s was zero: nothing lies before it */
        return -1;
    }
    out[i - 1]--;
    return 0;
}
