/* Query strings and form bodies: split on '&', then '=', then percent-decode each half. The parser
 * keeps order and repeats (FHIR search ANDs repeated parameters) and refuses what would be
 * ambiguous downstream: broken escapes, NUL bytes and text that is not UTF-8. */
#include "http/query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Storage beyond this is freed at reset so one huge query does not pin memory on a connection. */
#define HTTP_PARAMS_KEEP (16u << 10)

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool http_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (len - i - 1 < n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

enum http_query_rc http_pct_decode(const char *in, size_t len, char *out, size_t *out_len,
                                   bool plus_space)
{
    size_t o = 0;
    bool high = false; /* only non-ASCII output needs the UTF-8 check */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            if (len - i < 3) return HTTP_QUERY_BAD_ESCAPE;
            int h = hexval((unsigned char)in[i + 1]), l = hexval((unsigned char)in[i + 2]);
            if (h < 0 || l < 0) return HTTP_QUERY_BAD_ESCAPE;
            c = (unsigned char)(h << 4 | l);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == 0) return HTTP_QUERY_NUL;
        high |= c >= 0x80;
        out[o++] = (char)c;
    }
    if (high && !http_utf8_valid(out, o)) return HTTP_QUERY_BAD_UTF8;
    *out_len = o;
    return HTTP_QUERY_OK;
}

void http_params_init(struct http_params *p)
{
    p->n = 0;
    p->store = NULL;
    p->len = p->cap = 0;
}

void http_params_reset(struct http_params *p)
{
    p->n = 0;
    p->len = 0;
    if (p->cap > HTTP_PARAMS_KEEP) http_params_free(p);
}

void http_params_free(struct http_params *p)
{
    free(p->store);
    http_params_init(p);
}

/* Makes room for extra more bytes in the store, moving the existing items' pointers along if the
 * store moves. */
static enum http_query_rc reserve(struct http_params *p, size_t extra)
{
    if (extra > SIZE_MAX / 2 - p->len) return HTTP_QUERY_NOMEM;
    size_t need = p->len + extra;
    if (need <= p->cap) return HTTP_QUERY_OK;
    size_t cap = p->cap ? p->cap : 512;
    while (cap < need) cap *= 2;
    char *s = malloc(cap);
    if (!s) return HTTP_QUERY_NOMEM;
    if (p->len) memcpy(s, p->store, p->len);
    for (size_t i = 0; i < p->n; i++) {
        p->items[i].name = s + (p->items[i].name - p->store);
        p->items[i].value = s + (p->items[i].value - p->store);
    }
    free(p->store);
    p->store = s;
    p->cap = cap;
    return HTTP_QUERY_OK;
}

/* Decodes one half of a pair to the end of the store, NUL-terminated. */
static enum http_query_rc put(struct http_params *p, const char *s, size_t len, char **at)
{
    size_t n = 0;
    enum http_query_rc rc = http_pct_decode(s, len, p->store + p->len, &n, true);
    if (rc != HTTP_QUERY_OK) return rc;
    *at = p->store + p->len;
    p->store[p->len + n] = '\0';
    p->len += n + 1;
    return HTTP_QUERY_OK;
}

enum http_query_rc http_query_parse(struct http_params *p, const char *s, size_t len)
{
    if (!s || len == 0) return HTTP_QUERY_OK;
    /* A pair of r raw bytes decodes to at most r bytes plus two NULs, and pairs are non-empty and
     * separated, so 2*len+2 always suffices: one reservation, no moves while parsing. */
    if (len > SIZE_MAX / 4) return HTTP_QUERY_NOMEM;
    enum http_query_rc rc = reserve(p, 2 * len + 2);
    if (rc != HTTP_QUERY_OK) return rc;
    const char *end = s + len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *pe = amp ? amp : end;
        if (pe > s) {
            if (p->n == HTTP_MAX_PARAMS) return HTTP_QUERY_TOO_MANY;
            const char *eq = memchr(s, '=', (size_t)(pe - s));
            const char *ne = eq ? eq : pe;
            struct http_param *it = &p->items[p->n];
            size_t mark = p->len;
            rc = put(p, s, (size_t)(ne - s), &it->name);
            if (rc == HTTP_QUERY_OK)
                rc = eq ? put(p, eq + 1, (size_t)(pe - eq - 1), &it->value)
                        : put(p, "", 0, &it->value);
            if (rc != HTTP_QUERY_OK) {
                p->len = mark;
                return rc;
            }
            p->n++;
        }
        s = amp ? amp + 1 : end;
    }
    return HTTP_QUERY_OK;
}

const char *http_query_strerror(enum http_query_rc rc)
{
    switch (rc) {
    case HTTP_QUERY_OK:
        return "ok";
    case HTTP_QUERY_BAD_ESCAPE:
        return "invalid percent escape";
    case HTTP_QUERY_NUL:
        return "NUL byte";
    case HTTP_QUERY_BAD_UTF8:
        return "not valid UTF-8";
    case HTTP_QUERY_TOO_MANY:
        return "too many parameters";
    case HTTP_QUERY_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}
