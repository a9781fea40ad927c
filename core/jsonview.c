#include "jsonview.h"

#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *p, size_t i, size_t n)
{
    while (i < n && is_space(p[i])) {
        i++;
    }
    return i;
}

/* p[i] is an opening quote: the index after the closing one. */
static size_t skip_string(const char *p, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\') {
            i++;
        } else if (p[i] == '"') {
            return i + 1;
        }
    }
    return n;
}

/* p[i] starts a value: the index after it. Containers are matched by counting brackets. */
static size_t skip_value(const char *p, size_t i, size_t n)
{
    size_t depth = 0;

    while (i < n) {
        char c = p[i];

        if (c == '"') {
            i = skip_string(p, i, n);
        } else if (c == '{' || c == '[') {
            depth++;
            i++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i; /* the end of the container around the value */
            }
            depth--;
            i++;
        } else if (c == ',' && depth == 0) {
            return i;
        } else if (is_space(c) && depth == 0) {
            return i;
        } else {
            i++;
        }
        if (depth == 0 && (c == '"' || c == '}' || c == ']')) {
            return i;
        }
    }
    return n;
}

enum a2a_jv_type a2a_jv_type(struct a2a_str v)
{
    if (v.len == 0) {
        return A2A_JV_NONE;
    }
    switch (v.ptr[0]) {
    case '{':
        return A2A_JV_OBJECT;
    case '[':
        return A2A_JV_ARRAY;
    case '"':
        return A2A_JV_STRING;
    case 't':
        return A2A_JV_TRUE;
    case 'f':
        return A2A_JV_FALSE;
    case 'n':
        return A2A_JV_NULL;
    default:
        return A2A_JV_NUMBER;
    }
}

/* The field whose name equals the member name raw[0..len) (escapes kept), or NULL. */
static struct a2a_jv_field *match(struct a2a_jv_field *fields, size_t n, const char *raw,
                                  size_t len, struct a2a_buf *scratch, int *nomem)
{
    if (memchr(raw, '\\', len) != NULL) {
        enum a2a_unescape_status st = a2a_json_unescape(raw, len, scratch);
        if (st == A2A_UNESCAPE_NOMEM) {
            *nomem = 1;
            return NULL;
        }
        if (st != A2A_UNESCAPE_OK) {
            return NULL;
        }
        raw = scratch->data;
        len = scratch->len;
    }
    for (size_t k = 0; k < n; k++) {
        if (strlen(fields[k].name) == len && (len == 0 || memcmp(fields[k].name, raw, len) == 0)) {
            return &fields[k];
        }
    }
    return NULL;
}

int a2a_jv_fields(struct a2a_str obj, struct a2a_jv_field *fields, size_t n,
                  struct a2a_buf *scratch)
{
    const char *p = obj.ptr;
    size_t len = obj.len;
    size_t i;
    int nomem = 0;

    for (size_t k = 0; k < n; k++) {
        fields[k].count = 0;
        fields[k].value = (struct a2a_str){NULL, 0};
    }
    if (a2a_jv_type(obj) != A2A_JV_OBJECT) {
        return -1;
    }
    i = skip_space(p, 1, len);
    while (i < len && p[i] == '"') {
        size_t name_end = skip_string(p, i, len);
        size_t value_at;
        size_t value_end;
        struct a2a_jv_field *f;

        if (name_end < i + 2) {
            break; /* not JSON after all: the name never closes */
        }
        f = match(fields, n, p + i + 1, name_end - i - 2, scratch, &nomem);
        if (nomem) {
            return -2;
        }
        i = skip_space(p, name_end, len);
        i = skip_space(p, i + 1, len); /* past the colon */
        value_at = i;
        value_end = skip_value(p, i, len);
        if (f != NULL && f->count++ == 0) {
            f->value = (struct a2a_str){p + value_at, value_end - value_at};
        }
        i = skip_space(p, value_end, len);
        if (i < len && p[i] == ',') {
            i = skip_space(p, i + 1, len);
        }
    }
    return 0;
}

const struct a2a_jv_field *a2a_jv_find(const struct a2a_jv_field *fields, size_t n,
                                       const char *name)
{
    for (size_t k = 0; k < n; k++) {
        if (strcmp(fields[k].name, name) == 0) {
            return &fields[k];
        }
    }
    return NULL;
}

size_t a2a_jv_skip_feed(struct a2a_jv_skip *s, const char *p, size_t n)
{
    if (s->ended) {
        return 0;
    }
    for (size_t i = 0; i < n && !s->ended; i++) {
        char c = p[i];
        if (s->in_string) {
            s->in_string = s->escaped || c != '"';
            s->escaped = !s->escaped && c == '\\';
        } else if (c == '"') {
            s->in_string = 1;
        } else if (c == '{' || c == '[') {
            s->depth++;
        } else if ((c == '}' || c == ']') && s->depth > 0 && --s->depth == 0) {
            s->ended = 1;
            return i + 1;
        }
    }
    return n;
}
