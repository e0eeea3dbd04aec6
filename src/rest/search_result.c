/* The result parameters of a search: _sort, _count, regie's _offset, _summary, _elements, _total,
 * _include and _revinclude (with :iterate), and _format/_pretty (the HTTP floor's, ignored here).
 * They shape the answer, not the match; see docs/search.md, "Parameters". */
#include <string.h>

#include "fhir/model.h"
#include "rest/search_parse_priv.h"

#define OFFSET_DIGITS_MAX 15 /* paging far beyond any real result is refused, not overflowed */

/* The name without a modifier equals base. */
static bool base_is(const char *name, const char *base)
{
    size_t n = strlen(base);
    return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == ':');
}

bool sp_is_result_param(const char *name)
{
    static const char *const names[] = {"_count",    "_offset", "_sort",    "_summary",
                                        "_elements", "_total",  "_include", "_revinclude",
                                        "_format",   "_pretty"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (base_is(name, names[i])) return true;
    return false;
}

/* A non-negative decimal integer; *big when it has more digits than size_t comfortably holds. */
static bool parse_count(const char *v, size_t *out, bool *big)
{
    size_t n = 0, len = strlen(v);
    *big = false;
    if (len == 0) return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') return false;
        if (i >= OFFSET_DIGITS_MAX) {
            *big = true;
            continue;
        }
        n = n * 10 + (size_t)(v[i] - '0');
    }
    *out = n;
    return true;
}

/* One of the words of a closed list; its index, or -1. */
static int word_of(const char *v, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, words[i])) return (int)i;
    return -1;
}

/* _sort=a,-b: keys must be parameters of the type that sort (not composite or special). */
static enum sp_rc parse_sort(struct sp_ctx *c, const char *type, const char *value)
{
    struct store_search_q *q = &c->s->q;
    struct sp_span keys[STORE_SORT_MAX + 1];
    size_t n = sp_split((struct sp_span){value, strlen(value)}, ',', keys, STORE_SORT_MAX);
    if (q->nsort + n > STORE_SORT_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d _sort keys", STORE_SORT_MAX);
        return SP_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        struct store_sort *k = &q->sort[q->nsort];
        k->desc = keys[i].n && keys[i].p[0] == '-';
        const char *p = keys[i].p + k->desc;
        size_t len = keys[i].n - k->desc;
        char code[64];
        if (len == 0 || len >= sizeof code) return sp_bad(c, "_sort", "empty or too long key");
        memcpy(code, p, len);
        code[len] = '\0';
        const struct searchparam *sp = searchparam_find(type, code);
        if (!strcmp(code, "_id")) {
            k->param = "_id";
            k->ix_kind = STORE_IX_TOKEN;
        } else if (!sp || sp->sp_type == SP_COMPOSITE || !sp_ix_kind(sp->sp_type, &k->ix_kind)) {
            return sp_bad(c, "_sort", "%s cannot sort %s", code, type);
        } else {
            k->param = sp->code;
        }
        q->nsort++;
    }
    return SP_OK;
}

/* _elements=a,b: element names (letters, digits, '_', '.'), kept for the handler. */
static enum sp_rc parse_elements(struct sp_ctx *c, const char *value)
{
    struct search *s = c->s;
    struct sp_span el[SEARCH_ELEMENTS_MAX + 1];
    size_t n = sp_split((struct sp_span){value, strlen(value)}, ',', el, SEARCH_ELEMENTS_MAX);
    if (s->nelements + n > SEARCH_ELEMENTS_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d _elements", SEARCH_ELEMENTS_MAX);
        return SP_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        if (el[i].n == 0 || el[i].n >= sizeof s->elements[0])
            return sp_bad(c, "_elements", "empty or too long element name");
        for (size_t k = 0; k < el[i].n; k++) {
            char ch = el[i].p[k];
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
            if (!ok) return sp_bad(c, "_elements", "not an element name");
        }
        memcpy(s->elements[s->nelements], el[i].p, el[i].n);
        s->elements[s->nelements++][el[i].n] = '\0';
    }
    return SP_OK;
}

static bool copy_span(char *dst, size_t cap, struct sp_span v)
{
    if (v.n == 0 || v.n >= cap) return false;
    memcpy(dst, v.p, v.n);
    dst[v.n] = '\0';
    return true;
}

/* _include[:iterate]=Type:param[:target] or *; _revinclude likewise. A type or parameter regie
 * does not know counts as an unknown parameter. */
static enum sp_rc parse_include(struct sp_ctx *c, const char *name, const char *value)
{
    struct search *s = c->s;
    bool reverse = name[1] == 'r';
    const char *mod = strchr(name, ':');
    if (mod && strcmp(mod, ":iterate") && strcmp(mod, ":recurse"))
        return sp_unknown(c, "modifier", name);
    if (s->nincludes == SEARCH_INCLUDES_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d _include and _revinclude",
                    SEARCH_INCLUDES_MAX);
        return SP_FAIL;
    }
    struct search_include inc = {.reverse = reverse, .iterate = mod != NULL};
    struct sp_span part[3];
    size_t n = sp_split((struct sp_span){value, strlen(value)}, ':', part, 3);
    if (n == 1 && !strcmp(value, "*")) {
        memcpy(inc.src_type, "*", 2);
        memcpy(inc.param, "*", 2);
    } else {
        if (n < 2 || n > 3 || !copy_span(inc.src_type, sizeof inc.src_type, part[0]) ||
            !copy_span(inc.param, sizeof inc.param, part[1]) ||
            (n == 3 && !copy_span(inc.target_type, sizeof inc.target_type, part[2])))
            return sp_bad(c, name, "expected Type:param[:targetType] or *");
        if (!fhir_is_resource_type(inc.src_type)) return sp_unknown(c, "type", name);
        const struct searchparam *p = searchparam_find(inc.src_type, inc.param);
        bool any = !strcmp(inc.param, "*");
        if (!any && (!p || p->sp_type != SP_REFERENCE)) return sp_unknown(c, "parameter", name);
        if (n == 3) {
            bool listed = any && fhir_is_resource_type(inc.target_type);
            for (const char *const *t = p && !any ? p->targets : NULL; t && *t; t++)
                listed |= !strcmp(*t, inc.target_type);
            if (!listed) return sp_unknown(c, "target type", name);
        }
    }
    s->includes[s->nincludes++] = inc;
    return SP_OK;
}

enum sp_rc sp_result_param(struct sp_ctx *c, const char *type, const char *name, const char *value,
                           bool *in_self)
{
    struct search *s = c->s;
    if (base_is(name, "_format") || base_is(name, "_pretty")) return SP_SKIP;
    if (base_is(name, "_include") || base_is(name, "_revinclude"))
        return type ? parse_include(c, name, value) : sp_unknown(c, "parameter", name);
    if (strchr(name, ':')) return sp_unknown(c, "modifier", name);
    if (!strcmp(name, "_count") || !strcmp(name, "_offset")) {
        size_t n;
        bool big;
        if (!parse_count(value, &n, &big))
            return sp_bad(c, name, "not a non-negative integer: %.32s", value);
        if (name[1] == 'c') {
            s->count_given = true;
            s->q.count = big || n > c->page_max ? c->page_max : n;
        } else {
            if (big) return sp_bad(c, name, "too large");
            s->q.offset = n;
            *in_self = false; /* the links set their own */
        }
        return SP_OK;
    }
    if (!strcmp(name, "_sort"))
        return type ? parse_sort(c, type, value) : sp_unknown(c, "parameter", name);
    if (!strcmp(name, "_elements")) return parse_elements(c, value);
    if (!strcmp(name, "_summary")) {
        static const char *const w[] = {"false", "true", "count", "data", "text"};
        int i = word_of(value, w, 5);
        if (i < 0) return sp_bad(c, name, "expected true, false, count, data or text");
        s->summary = (enum search_summary)i;
        return SP_OK;
    }
    static const char *const w[] = {"none", "estimate", "accurate"};
    int i = word_of(value, w, 3);
    if (i < 0) return sp_bad(c, name, "expected none, estimate or accurate");
    s->total = (enum search_total)(i + 1);
    return SP_OK;
}
