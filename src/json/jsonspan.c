#include "json/jsonspan.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const char *s;
    size_t len, pos;
    int depth, depth_max, max_seen;
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->len && is_ws(sc->s[sc->pos])) sc->pos++;
}

/* At a '"': moves past the closing quote. */
static bool skip_string(struct scan *sc)
{
    for (size_t i = sc->pos + 1; i < sc->len; i++) {
        if (sc->s[i] == '\\') {
            i++;
        } else if (sc->s[i] == '"') {
            sc->pos = i + 1;
            return true;
        }
    }
    return false;
}

/* Moves past one value; only its extent is found (jsonx_parse checks its content). */
static bool skip_value(struct scan *sc)
{
    if (sc->pos >= sc->len) return false;
    char c = sc->s[sc->pos];
    if (c == '"') return skip_string(sc);
    if (c != '{' && c != '[') {
        size_t start = sc->pos;
        while (sc->pos < sc->len) {
            c = sc->s[sc->pos];
            if (is_ws(c) || c == ',' || c == '}' || c == ']' || c == '{' || c == '[' || c == '"' ||
                c == ':')
                break;
            sc->pos++;
        }
        return sc->pos > start;
    }
    int base = sc->depth;
    while (sc->pos < sc->len) {
        c = sc->s[sc->pos];
        if (c == '"') {
            if (!skip_string(sc)) return false;
            continue;
        }
        if (c == '{' || c == '[') {
            if (++sc->depth > sc->depth_max) return false;
            if (sc->depth > sc->max_seen) sc->max_seen = sc->depth;
        } else if (c == '}' || c == ']') {
            if (--sc->depth == base) {
                sc->pos++;
                return true;
            }
        }
        sc->pos++;
    }
    return false;
}

static bool add_elem(struct jsonspan_doc *d, size_t *cap, size_t max, struct jsonspan sp)
{
    if (d->nelems == *cap) {
        if (*cap >= max) return false;
        size_t nc = *cap ? *cap * 2 : 64;
        if (nc > max) nc = max;
        struct jsonspan *ne = realloc(d->elems, nc * sizeof *ne);
        if (!ne) return false;
        d->elems = ne;
        *cap = nc;
    }
    d->elems[d->nelems++] = sp;
    return true;
}

/* At the '[' of the array member: records each element's span. */
static enum jsonspan_rc scan_array(struct scan *sc, struct jsonspan_doc *d, size_t max)
{
    size_t cap = 0;
    sc->pos++;
    if (++sc->depth > sc->depth_max) return JSONSPAN_ODD;
    if (sc->depth > sc->max_seen) sc->max_seen = sc->depth;
    skip_ws(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
        sc->pos++;
        sc->depth--;
        return JSONSPAN_OK;
    }
    for (;;) {
        skip_ws(sc);
        size_t start = sc->pos;
        if (!skip_value(sc)) return JSONSPAN_ODD;
        if (!add_elem(d, &cap, max, (struct jsonspan){start, sc->pos - start}))
            return JSONSPAN_NOMEM;
        skip_ws(sc);
        if (sc->pos >= sc->len) return JSONSPAN_ODD;
        char c = sc->s[sc->pos++];
        if (c == ']') break;
        if (c != ',') return JSONSPAN_ODD;
    }
    sc->depth--;
    return JSONSPAN_OK;
}

/* A member name: printable ASCII without escapes, at most JSONSPAN_KEY_MAX bytes. */
static bool scan_key(struct scan *sc, struct jsonspan *k)
{
    if (sc->pos >= sc->len || sc->s[sc->pos] != '"') return false;
    size_t start = ++sc->pos;
    while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c < 0x20 || c >= 0x7f || c == '\\') return false;
        sc->pos++;
    }
    if (sc->pos >= sc->len || sc->pos - start > JSONSPAN_KEY_MAX) return false;
    *k = (struct jsonspan){start, sc->pos - start};
    sc->pos++;
    return true;
}

static bool key_is(const struct scan *sc, struct jsonspan k, const char *name)
{
    return k.len == strlen(name) && !memcmp(sc->s + k.off, name, k.len);
}

enum jsonspan_rc jsonspan_scan(const char *s, size_t len, const char *array_key, size_t elems_max,
                               int depth_max, struct jsonspan_doc *out)
{
    memset(out, 0, sizeof *out);
    out->array_member = JSONSPAN_MEMBERS_MAX;
    struct scan sc = {.s = s, .len = len, .depth_max = depth_max};
    enum jsonspan_rc rc = JSONSPAN_ODD;
    skip_ws(&sc);
    if (sc.pos >= len || s[sc.pos] != '{' || depth_max < 1) goto odd;
    sc.pos++;
    sc.depth = sc.max_seen = 1;
    skip_ws(&sc);
    if (sc.pos < len && s[sc.pos] == '}') {
        sc.pos++;
    } else {
        for (;;) {
            struct jsonspan k;
            skip_ws(&sc);
            if (out->nmembers == JSONSPAN_MEMBERS_MAX || !scan_key(&sc, &k)) goto odd;
            for (size_t m = 0; m < out->nmembers; m++)
                if (out->key[m].len == k.len && !memcmp(s + out->key[m].off, s + k.off, k.len))
                    goto odd;
            skip_ws(&sc);
            if (sc.pos >= len || s[sc.pos++] != ':') goto odd;
            skip_ws(&sc);
            size_t start = sc.pos;
            if (array_key && key_is(&sc, k, array_key)) {
                if (sc.pos >= len || s[sc.pos] != '[') goto odd;
                rc = scan_array(&sc, out, elems_max);
                if (rc != JSONSPAN_OK) goto odd;
                rc = JSONSPAN_ODD;
                out->array_member = out->nmembers;
            } else if (!skip_value(&sc)) {
                goto odd;
            }
            out->key[out->nmembers] = k;
            out->val[out->nmembers++] = (struct jsonspan){start, sc.pos - start};
            skip_ws(&sc);
            if (sc.pos >= len) goto odd;
            char c = s[sc.pos++];
            if (c == '}') break;
            if (c != ',') goto odd;
        }
    }
    skip_ws(&sc);
    if (sc.pos != len) goto odd;
    if (out->array_member == JSONSPAN_MEMBERS_MAX) out->array_member = out->nmembers;
    out->depth = sc.max_seen;
    return JSONSPAN_OK;
odd:
    jsonspan_doc_free(out);
    return rc;
}

void jsonspan_doc_free(struct jsonspan_doc *d)
{
    free(d->elems);
    d->elems = NULL;
    d->nelems = 0;
}
