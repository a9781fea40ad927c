#include "jsonstr.h"

#include <stdio.h>
#include <string.h>

int a2a_utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = p[i];
        unsigned need;
        unsigned min;
        unsigned cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            min = 0x80;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            min = 0x800;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            min = 0x10000;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= need) {
            return 0;
        }
        for (unsigned k = 1; k <= need; k++) {
            unsigned cc = p[i + k];
            if ((cc & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += need + 1;
    }
    return 1;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;

    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned)(c - 'a' + 10);
        } else {
            v |= (unsigned)(c - 'A' + 10);
        }
    }
    return v;
}

static int put_utf8(struct a2a_buf *out, unsigned cp)
{
    char tmp[4];
    size_t n;

    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return a2a_buf_append(out, tmp, n);
}

static char simple_escape(char c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '/':
        return '/';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    default:
        return '\t'; /* 't': the scanner admitted no other escape letter */
    }
}

/* keep_nul: U+0000 is decoded to a 0 byte instead of ending the decoding with A2A_UNESCAPE_NUL. */
static enum a2a_unescape_status unescape(const char *raw, size_t len, struct a2a_buf *out,
                                         int keep_nul)
{
    size_t i = 0;

    a2a_buf_reset(out);
    if (a2a_buf_reserve(out, len) != 0) {
        return A2A_UNESCAPE_NOMEM;
    }
    while (i < len) {
        const char *bs = memchr(raw + i, '\\', len - i);
        size_t run = bs == NULL ? len - i : (size_t)(bs - (raw + i));
        unsigned cp;

        a2a_buf_append(out, raw + i, run); /* reserved above: cannot fail */
        i += run;
        if (i >= len) {
            break;
        }
        if (raw[i + 1] != 'u') {
            a2a_buf_putc(out, simple_escape(raw[i + 1])); /* escapes only shrink */
            i += 2;
            continue;
        }
        cp = hex4(raw + i + 2);
        i += 6;
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            return A2A_UNESCAPE_SURROGATE;
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned lo;
            if (len - i < 6 || raw[i] != '\\' || raw[i + 1] != 'u') {
                return A2A_UNESCAPE_SURROGATE;
            }
            lo = hex4(raw + i + 2);
            if (lo < 0xdc00 || lo > 0xdfff) {
                return A2A_UNESCAPE_SURROGATE;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
        }
        if (cp == 0 && !keep_nul) {
            return A2A_UNESCAPE_NUL;
        }
        if (put_utf8(out, cp) != 0) {
            return A2A_UNESCAPE_NOMEM;
        }
    }
    return A2A_UNESCAPE_OK;
}

enum a2a_unescape_status a2a_json_unescape(const char *raw, size_t len, struct a2a_buf *out)
{
    return unescape(raw, len, out, 0);
}

enum a2a_unescape_status a2a_json_unescape_keep_nul(const char *raw, size_t len,
                                                    struct a2a_buf *out)
{
    return unescape(raw, len, out, 1);
}

int a2a_json_escape(struct a2a_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;

    while (i < len) {
        size_t start = i;
        unsigned char c;

        while (i < len && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') {
            i++;
        }
        if (a2a_buf_append(out, s + start, i - start) != 0) {
            return -1;
        }
        if (i >= len) {
            break;
        }
        c = (unsigned char)s[i++];
        switch (c) {
        case '"':
            if (a2a_buf_append(out, "\\\"", 2) != 0) {
                return -1;
            }
            break;
        case '\\':
            if (a2a_buf_append(out, "\\\\", 2) != 0) {
                return -1;
            }
            break;
        case '\n':
            if (a2a_buf_append(out, "\\n", 2) != 0) {
                return -1;
            }
            break;
        case '\r':
            if (a2a_buf_append(out, "\\r", 2) != 0) {
                return -1;
            }
            break;
        case '\t':
            if (a2a_buf_append(out, "\\t", 2) != 0) {
                return -1;
            }
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            if (a2a_buf_append(out, u, sizeof(u)) != 0) {
                return -1;
            }
        }
        }
    }
    return 0;
}

int a2a_json_put_string(struct a2a_buf *out, const char *s, size_t len)
{
    if (a2a_buf_putc(out, '"') != 0 || a2a_json_escape(out, s, len) != 0) {
        return -1;
    }
    return a2a_buf_putc(out, '"');
}

/* Bytes in the UTF-8 sequence a lead byte starts; 0 for a byte that cannot start one. */
static size_t utf8_seq_len(unsigned char c)
{
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        return 2;
    }
    if (c >= 0xe0 && c <= 0xef) {
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        return 4;
    }
    return 0;
}

int a2a_json_put_string_lossy(struct a2a_buf *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the valid bytes not yet written */
    size_t i = 0;

    if (a2a_utf8_valid(p, len)) {
        return a2a_json_put_string(out, s, len);
    }
    if (a2a_buf_putc(out, '"') != 0) {
        return -1;
    }
    while (i < len) {
        size_t n = utf8_seq_len(p[i]);
        if (n > 0 && i + n <= len && a2a_utf8_valid(p + i, n)) {
            i += n;
            continue;
        }
        if (a2a_json_escape(out, s + run, i - run) != 0 || a2a_buf_puts(out, "\\ufffd") != 0) {
            return -1;
        }
        i++;
        run = i;
    }
    if (a2a_json_escape(out, s + run, len - run) != 0) {
        return -1;
    }
    return a2a_buf_putc(out, '"');
}

void a2a_quote_for_message(char *dst, size_t cap, struct a2a_str v, size_t max_shown)
{
    char shown[64 * 4 + 1];
    size_t o = 0;
    size_t limit = v.len < max_shown ? v.len : max_shown;

    if (limit > 64) {
        limit = 64;
    }
    for (size_t k = 0; k < limit; k++) {
        unsigned char c = (unsigned char)v.ptr[k];
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
            o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", c);
        } else {
            shown[o++] = (char)c;
        }
    }
    shown[o] = '\0';
    if (v.len > limit) {
        snprintf(dst, cap, "\"%s...\" (%zu bytes)", shown, v.len);
    } else {
        snprintf(dst, cap, "\"%s\"", shown);
    }
}

/*
 * v as one word of a command the operator can paste: bare when it is plain printable ASCII
 * with nothing a shell would read, else as a2a_quote_for_message() writes it (an ARN holding
 * anything else is not one --stream takes anyway, and a message stays one line of ASCII).
 */
const char *a2a_command_word(char *dst, size_t cap, struct a2a_str v)
{
    int plain = v.len > 0 && v.len < cap;

    for (size_t i = 0; plain && i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        plain = c > 0x20 && c < 0x7f && strchr("\"'\\$`!;&|<>()*?[]{}~#", c) == NULL;
    }
    if (plain) {
        memcpy(dst, v.ptr, v.len);
        dst[v.len] = '\0';
    } else {
        a2a_quote_for_message(dst, cap, v, 120);
    }
    return dst;
}

void a2a_url_shown(const char *url, char *out, size_t cap)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end != NULL ? scheme_end + 3 : url;
    size_t authority = strcspn(host, "/?#");
    const char *at = NULL;
    int n;

    for (const char *s = host; s < host + authority; s++) {
        if (*s == '@') {
            at = s; /* the last one: a password may hold '@' */
        }
    }
    if (at == NULL) {
        n = snprintf(out, cap, "%s", url);
    } else {
        n = snprintf(out, cap, "%.*s<redacted>@%s", (int)(host - url), url, at + 1);
    }
    if (n >= 0 && (size_t)n >= cap && cap >= 4) {
        memcpy(out + cap - 4, "...", 4);
    }
}
