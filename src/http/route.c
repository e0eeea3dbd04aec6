/* Route matching. Patterns are split into segments once at start; a request is matched by
 * comparing its decoded segments against each route in table order, no regex, no allocation. */
#include "http/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

/* Path storage beyond this is freed after the request. */
#define HTTP_PATH_KEEP (8u << 10)
#define HTTP_ALLOW_MAX 8

struct http_seg {
    const char *lit; /* NULL for a {placeholder} */
    size_t len;
};

struct http_croute {
    const struct http_route *route;
    struct http_seg seg[HTTP_MAX_SEGMENTS];
    size_t nseg;
    bool rest; /* the last segment is "{name*}": it takes the rest of the path */
};

struct http_router {
    struct http_croute *r;
    size_t n;
};

void http_path_init(struct http_path *p)
{
    memset(p, 0, sizeof *p);
}

void http_path_free(struct http_path *p)
{
    free(p->store);
    http_path_init(p);
}

enum http_path_rc http_path_split(struct http_path *p, const char *raw, size_t len)
{
    p->nseg = 0;
    p->path = NULL;
    if (len == 0 || raw[0] != '/') return HTTP_PATH_NOT_ABSOLUTE;
    if (len > 1 && raw[len - 1] == '/') len--;
    /* Segments (at most len bytes plus a NUL each, at most len of them) then the joined path. */
    size_t need = 3 * len + 2;
    if (need > p->cap || (p->cap > HTTP_PATH_KEEP && need <= HTTP_PATH_KEEP)) {
        char *s = malloc(need);
        if (!s) return HTTP_PATH_NOMEM;
        free(p->store);
        p->store = s;
        p->cap = need;
    }
    char *o = p->store;
    const char *s = raw + 1, *end = raw + len;
    if (len > 1) {
        for (;;) {
            const char *slash = memchr(s, '/', (size_t)(end - s));
            const char *se = slash ? slash : end;
            if (p->nseg == HTTP_MAX_SEGMENTS) return HTTP_PATH_TOO_LONG;
            size_t n = 0;
            if (http_pct_decode(s, (size_t)(se - s), o, &n, false) != HTTP_QUERY_OK)
                return HTTP_PATH_BAD_ESCAPE;
            o[n] = '\0';
            p->seg[p->nseg] = o;
            p->seglen[p->nseg] = n;
            p->nseg++;
            o += n + 1;
            if (!slash) break;
            s = slash + 1;
        }
    }
    char *path = o;
    *o++ = '/';
    for (size_t i = 0; i < p->nseg; i++) {
        if (i) *o++ = '/';
        memcpy(o, p->seg[i], p->seglen[i]);
        o += p->seglen[i];
    }
    *o = '\0';
    p->path = path;
    return HTTP_PATH_OK;
}

static int compile(struct http_croute *c, const struct http_route *rt, char *err, size_t err_len)
{
    const char *pat = rt->pattern;
    c->route = rt;
    c->nseg = 0;
    c->rest = false;
    if (!pat || pat[0] != '/' || !rt->method || !rt->handler) {
        snprintf(err, err_len, "route %s: pattern must start with '/' and have method and handler",
                 rt->name ? rt->name : "?");
        return -1;
    }
    size_t nargs = 0;
    const char *s = pat + 1;
    if (!*s) return 0;
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (c->nseg == HTTP_MAX_SEGMENTS || n == 0) {
            snprintf(err, err_len, "route pattern %s: empty segment or too many segments", pat);
            return -1;
        }
        struct http_seg *g = &c->seg[c->nseg++];
        if (s[0] == '{') {
            if (n < 3 || s[n - 1] != '}' || ++nargs > HTTP_MAX_ARGS) {
                snprintf(err, err_len, "route pattern %s: bad placeholder or more than %d", pat,
                         HTTP_MAX_ARGS);
                return -1;
            }
            g->lit = NULL;
            if (s[n - 2] == '*') {
                /* "{name*}": one or more segments, the rest of the path; last only. */
                if (slash || n < 4) {
                    snprintf(err, err_len, "route pattern %s: {name*} must be the last segment",
                             pat);
                    return -1;
                }
                c->rest = true;
            }
        } else {
            if (memchr(s, '{', n) || memchr(s, '}', n) || memchr(s, '%', n)) {
                snprintf(err, err_len, "route pattern %s: '{', '}' or '%%' inside a literal", pat);
                return -1;
            }
            g->lit = s;
        }
        g->len = n;
        if (!slash) break;
        s = slash + 1;
    }
    return 0;
}

struct http_router *http_router_new(const struct http_route *routes, size_t n, char *err,
                                    size_t err_len)
{
    struct http_router *r = calloc(1, sizeof *r);
    if (r) r->r = calloc(n ? n : 1, sizeof *r->r);
    if (!r || !r->r) {
        free(r);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (compile(&r->r[i], &routes[i], err, err_len) != 0) {
            http_router_free(r);
            return NULL;
        }
    }
    r->n = n;
    return r;
}

void http_router_free(struct http_router *r)
{
    if (!r) return;
    free(r->r);
    free(r);
}

static bool path_matches(const struct http_croute *c, const struct http_path *p)
{
    if (c->rest ? p->nseg < c->nseg : c->nseg != p->nseg) return false;
    /* A rest segment matches whatever follows, empty segments included: its handler judges. */
    size_t fixed = c->rest ? c->nseg - 1 : c->nseg;
    for (size_t i = 0; i < fixed; i++) {
        const struct http_seg *g = &c->seg[i];
        if (g->lit) {
            if (g->len != p->seglen[i] || memcmp(g->lit, p->seg[i], g->len) != 0) return false;
        } else if (p->seglen[i] == 0) {
            return false;
        }
    }
    return true;
}

/* The decoded path from segment k on, within the joined path: "/" + segments joined by "/". */
static const char *path_rest(const struct http_path *p, size_t k)
{
    size_t off = 1;
    for (size_t i = 0; i < k; i++) off += p->seglen[i] + 1;
    return p->path + off;
}

static void allow_add(const char **set, size_t *n, const char *method)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(set[i], method)) return;
    if (*n < HTTP_ALLOW_MAX) set[(*n)++] = method;
}

enum http_match_rc http_router_match(const struct http_router *r, const char *method,
                                     const struct http_path *p, struct http_match *m)
{
    m->route = NULL;
    m->nargs = 0;
    m->allow[0] = '\0';
    bool head = !strcmp(method, "HEAD");
    const char *allow[HTTP_ALLOW_MAX];
    size_t nallow = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct http_croute *c = &r->r[i];
        if (!path_matches(c, p)) continue;
        const char *rm = c->route->method;
        if (!strcmp(rm, method) || (head && !strcmp(rm, "GET"))) {
            m->route = c->route;
            for (size_t k = 0; k < c->nseg; k++)
                if (!c->seg[k].lit)
                    m->args[m->nargs++] = c->rest && k == c->nseg - 1 ? path_rest(p, k) : p->seg[k];
            return HTTP_MATCH_OK;
        }
        allow_add(allow, &nallow, rm);
        if (!strcmp(rm, "GET")) allow_add(allow, &nallow, "HEAD");
    }
    if (nallow == 0) return HTTP_MATCH_NONE;
    size_t o = 0;
    for (size_t i = 0; i < nallow; i++) {
        int w = snprintf(m->allow + o, sizeof m->allow - o, "%s%s", i ? ", " : "", allow[i]);
        if (w < 0 || (size_t)w >= sizeof m->allow - o) break;
        o += (size_t)w;
    }
    return HTTP_MATCH_METHOD;
}
