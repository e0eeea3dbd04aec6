/* A search's parameters to a store query: names with modifiers, chains one level deep, _has, the
 * OR values of one parameter as one clause and repeated parameters as several; the result
 * parameters are search_result.c's, the values search_value.c's. Also the self link's query and
 * Prefer: handling. See docs/search.md, "Parameters". */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fhir/model.h"
#include "rest/search_parse_priv.h"

#define NAME_MAX_LEN 128 /* longest parameter code or modifier looked up */

enum search_handling search_prefer_handling(const char *prefer)
{
    if (!prefer) return SEARCH_LENIENT;
    for (const char *p = prefer; *p;) {
        /* One preference per ',' or ';' separated piece: "handling=strict", maybe quoted. */
        size_t n = strcspn(p, ",;");
        const char *s = p, *e = p + n;
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq) {
            const char *ne = eq, *v = eq + 1;
            while (ne > s && isspace((unsigned char)ne[-1])) ne--;
            while (v < e && isspace((unsigned char)*v)) v++;
            if (e - v >= 2 && *v == '"' && e[-1] == '"') v++, e--;
            if (ne - s == 8 && !strncasecmp(s, "handling", 8)) {
                if (e - v == 6 && !strncasecmp(v, "strict", 6)) return SEARCH_STRICT;
                if (e - v == 7 && !strncasecmp(v, "lenient", 7)) return SEARCH_LENIENT;
            }
        }
        p += n;
        if (*p) p++;
    }
    return SEARCH_LENIENT;
}

enum sp_rc sp_unknown(struct sp_ctx *c, const char *what, const char *name)
{
    if (c->handling == SEARCH_LENIENT) return SP_SKIP;
    rg_fail_set(c->f, RG_E_BAD_QUERY, NULL, "unknown or unsupported %s: %.200s", what, name);
    return SP_FAIL;
}

enum sp_rc sp_bad(struct sp_ctx *c, const char *name, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rg_fail_set(c->f, RG_E_BAD_PARAM, NULL, "%.200s: %s", name, msg);
    return SP_FAIL;
}

const char *sp_text(struct sp_ctx *c, const char *p, size_t n)
{
    struct search *s = c->s;
    if (n >= sizeof s->text - s->text_len) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "search values longer than %d bytes in all",
                    SEARCH_TEXT_MAX);
        return NULL;
    }
    char *out = s->text + s->text_len;
    memcpy(out, p, n);
    out[n] = '\0';
    s->text_len += n + 1;
    return out;
}

struct store_value *sp_value(struct sp_ctx *c, bool back)
{
    if (c->nfront + c->nback >= SEARCH_VALUES_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d search values", SEARCH_VALUES_MAX);
        return NULL;
    }
    struct store_value *v =
        back ? &c->s->values[SEARCH_VALUES_MAX - ++c->nback] : &c->s->values[c->nfront++];
    memset(v, 0, sizeof *v);
    return v;
}

struct store_clause *sp_clause(struct sp_ctx *c, bool nested)
{
    if (c->ntop + c->nnested >= SEARCH_CLAUSES_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d search clauses", SEARCH_CLAUSES_MAX);
        return NULL;
    }
    struct store_clause *cl =
        nested ? &c->s->clauses[SEARCH_CLAUSES_MAX - ++c->nnested] : &c->s->clauses[c->ntop++];
    memset(cl, 0, sizeof *cl);
    return cl;
}

/* A modifier of p: the type's standard ones, narrowed by the definition's list when it has one;
 * on a reference, a target type (":Patient"). */
static bool modifier_of(const struct searchparam *p, const char *m, enum sp_mod *out,
                        const char **mod_type)
{
    static const struct {
        const char *name;
        enum sp_mod mod;
        unsigned types; /* bit per enum sp_type */
    } mods[] = {
        {"missing", MOD_MISSING, 0xff},
        {"exact", MOD_EXACT, 1u << SP_STRING},
        {"contains", MOD_CONTAINS, 1u << SP_STRING | 1u << SP_URI},
        {"text", MOD_TEXT, 1u << SP_TOKEN},
        {"not", MOD_NOT, 1u << SP_TOKEN},
        {"of-type", MOD_OF_TYPE, 1u << SP_TOKEN},
        {"above", MOD_ABOVE, 1u << SP_URI},
        {"below", MOD_BELOW, 1u << SP_URI},
        {"identifier", MOD_IDENTIFIER, 1u << SP_REFERENCE},
    };
    *out = MOD_NONE;
    *mod_type = NULL;
    if (!m) return true;
    if (p->modifiers) {
        bool listed = false;
        for (const char *const *d = p->modifiers; *d; d++) listed |= !strcmp(*d, m);
        if (!listed && p->sp_type != SP_REFERENCE) return false;
    }
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        if (strcmp(mods[i].name, m)) continue;
        if (!(mods[i].types & 1u << p->sp_type)) return false;
        *out = mods[i].mod;
        return true;
    }
    if (p->sp_type != SP_REFERENCE || !fhir_is_resource_type(m)) return false;
    for (const char *const *t = p->targets; t && *t; t++) {
        if (!strcmp(*t, m)) {
            *out = MOD_TYPE;
            *mod_type = *t;
            return true;
        }
    }
    return false;
}

/* A composite regie can index: a token, then one value of a kind the store compares. */
static bool composite_supported(const struct searchparam *p)
{
    if (p->ncomponents != 2 || p->components[0].type != SP_TOKEN) return false;
    enum sp_type t = p->components[1].type;
    return t == SP_TOKEN || t == SP_QUANTITY || t == SP_DATE || t == SP_STRING;
}

/* Copies the parameter code of "code[:modifier]" (up to '.' or the end) and splits off the
 * modifier; false when either is too long or empty. */
static bool split_name(const char *name, size_t n, char *code, char *mod, bool *has_mod)
{
    const char *colon = memchr(name, ':', n);
    size_t cl = colon ? (size_t)(colon - name) : n;
    size_t ml = colon ? n - cl - 1 : 0;
    if (cl == 0 || cl >= NAME_MAX_LEN || ml >= NAME_MAX_LEN || (colon && ml == 0)) return false;
    memcpy(code, name, cl);
    code[cl] = '\0';
    memcpy(mod, colon ? colon + 1 : "", ml);
    mod[ml] = '\0';
    *has_mod = colon != NULL;
    return true;
}

/* The OR values of raw into cl's value list. */
static enum sp_rc clause_values(struct sp_ctx *c, struct store_clause *cl,
                                const struct searchparam *p, enum sp_mod m, const char *mod_type,
                                const char *name, const char *raw)
{
    struct sp_span alt[SEARCH_VALUES_MAX];
    size_t n = sp_split((struct sp_span){raw, strlen(raw)}, ',', alt, SEARCH_VALUES_MAX);
    if (n > SEARCH_VALUES_MAX) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "more than %d search values", SEARCH_VALUES_MAX);
        return SP_FAIL;
    }
    size_t first = c->nfront;
    for (size_t i = 0; i < n; i++) {
        if (alt[i].n == 0) return sp_bad(c, name, "empty value in a list");
        struct store_value *v = sp_value(c, false);
        if (!v) return SP_FAIL;
        if (cl->kind == STORE_Q_ID) { /* the whole value is the id, bars and all */
            if (!(v->code = sp_unescape(c, alt[i]))) return SP_FAIL;
            continue;
        }
        bool extra = false;
        enum sp_rc rc = sp_parse_value(c, p, m, mod_type, name, alt[i], v, &extra);
        if (rc != SP_OK) return rc;
    }
    cl->values = &c->s->values[first];
    cl->nvalues = c->nfront - first;
    return SP_OK;
}

/* One clause for parameter "code[:modifier]" (name[0..n)) of type with value raw. */
static enum sp_rc param_clause(struct sp_ctx *c, const char *type, const char *name, size_t n,
                               const char *raw, const char *full, bool nested,
                               struct store_clause **out)
{
    char code[NAME_MAX_LEN], modname[NAME_MAX_LEN];
    bool has_mod;
    if (!split_name(name, n, code, modname, &has_mod)) return sp_unknown(c, "parameter", full);
    const struct searchparam *p = searchparam_find(type, code);
    enum store_ix_kind kind;
    if (!p || !sp_ix_kind(p->sp_type, &kind) ||
        (p->sp_type == SP_COMPOSITE && !composite_supported(p)))
        return sp_unknown(c, "parameter", full);
    enum sp_mod m;
    const char *mod_type;
    bool is_id = !strcmp(code, "_id");
    if (!modifier_of(p, has_mod ? modname : NULL, &m, &mod_type) || (is_id && m != MOD_NONE))
        return sp_unknown(c, "modifier", full);
    struct store_clause *cl = sp_clause(c, nested);
    if (!cl) return SP_FAIL;
    *out = cl;
    cl->kind = is_id ? STORE_Q_ID : STORE_Q_IX;
    cl->ix_kind = kind;
    cl->param = p->code;
    if (p->sp_type == SP_COMPOSITE) sp_ix_kind(p->components[1].type, &cl->v_kind);
    static const enum store_match match[MOD_TYPE + 1] = {
        [MOD_EXACT] = STORE_M_EXACT, [MOD_CONTAINS] = STORE_M_CONTAINS,
        [MOD_NOT] = STORE_M_NOT,     [MOD_ABOVE] = STORE_M_ABOVE,
        [MOD_BELOW] = STORE_M_BELOW, [MOD_MISSING] = STORE_M_MISSING,
    };
    cl->match = match[m];
    if (m == MOD_MISSING) {
        if (strcmp(raw, "true") && strcmp(raw, "false"))
            return sp_bad(c, full, ":missing takes true or false");
        cl->missing = raw[0] == 't';
        return SP_OK;
    }
    if (m == MOD_TEXT || m == MOD_OF_TYPE || m == MOD_IDENTIFIER) {
        /* derived rows: a token's display as STRING "<code>:text", an identifier's type, a
         * reference's identifier */
        char derived[NAME_MAX_LEN + 16];
        int dl = snprintf(derived, sizeof derived, "%s:%s", code, modname);
        if (!(cl->param = sp_text(c, derived, (size_t)dl))) return SP_FAIL;
        cl->ix_kind = m == MOD_TEXT ? STORE_IX_STRING : STORE_IX_TOKEN;
    }
    return clause_values(c, cl, p, m, mod_type, full, raw);
}

/* name.chained=value: a reference clause whose one value requires the referenced resource (of the
 * :Type given, or the parameter's only target) to match the chained parameter. */
static enum sp_rc chain_clause(struct sp_ctx *c, const char *type, const char *name,
                               const char *dot, const char *raw)
{
    char code[NAME_MAX_LEN], modname[NAME_MAX_LEN];
    bool has_mod;
    if (!split_name(name, (size_t)(dot - name), code, modname, &has_mod))
        return sp_unknown(c, "parameter", name);
    const struct searchparam *p = searchparam_find(type, code);
    if (!p || p->sp_type != SP_REFERENCE) return sp_unknown(c, "chained parameter", name);
    const char *target = NULL;
    enum sp_mod m = MOD_NONE;
    if (has_mod && (!modifier_of(p, modname, &m, &target) || m != MOD_TYPE))
        return sp_unknown(c, "modifier", name);
    size_t ntargets = 0;
    for (const char *const *t = p->targets; t && *t; t++) ntargets++;
    if (!target && ntargets != 1) {
        rg_fail_set(c->f, RG_E_BAD_QUERY, NULL,
                    "ambiguous chain %.200s: name the type, as in %s:Type.param", name, code);
        return SP_FAIL;
    }
    if (!target) target = p->targets[0];
    const char *rest = dot + 1;
    if (strchr(rest, '.')) return sp_unknown(c, "chain of more than one level", name);
    struct store_clause *inner;
    enum sp_rc rc = param_clause(c, target, rest, strlen(rest), raw, name, true, &inner);
    if (rc != SP_OK) return rc;
    struct store_clause *cl = sp_clause(c, false);
    struct store_value *v = cl ? sp_value(c, false) : NULL;
    if (!v) return SP_FAIL;
    *cl = (struct store_clause){
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_REF, .param = p->code, .values = v, .nvalues = 1};
    v->ref_type = target;
    v->chain = inner;
    v->nchain = 1;
    return SP_OK;
}

/* _has:Type:refparam:param[:modifier]=value: resources that some Type references through refparam
 * where that Type matches param. One level. */
static enum sp_rc has_clause(struct sp_ctx *c, const char *name, const char *raw)
{
    const char *t = name + 5, *c1 = strchr(t, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char has_type[STORE_TYPE_MAX], ref[NAME_MAX_LEN];
    if (!c2 || (size_t)(c1 - t) >= sizeof has_type || (size_t)(c2 - c1 - 1) >= sizeof ref || !c2[1])
        return sp_unknown(c, "parameter", name);
    memcpy(has_type, t, (size_t)(c1 - t));
    has_type[c1 - t] = '\0';
    memcpy(ref, c1 + 1, (size_t)(c2 - c1 - 1));
    ref[c2 - c1 - 1] = '\0';
    const struct searchparam *rp =
        fhir_is_resource_type(has_type) ? searchparam_find(has_type, ref) : NULL;
    if (!rp || rp->sp_type != SP_REFERENCE) return sp_unknown(c, "_has parameter", name);
    const char *inner_name = c2 + 1;
    if (!strncmp(inner_name, "_has:", 5) || strchr(inner_name, '.'))
        return sp_unknown(c, "_has nesting or chain", name);
    struct store_clause *inner;
    enum sp_rc rc =
        param_clause(c, has_type, inner_name, strlen(inner_name), raw, name, true, &inner);
    if (rc != SP_OK) return rc;
    struct store_clause *cl = sp_clause(c, false);
    const char *ht = cl ? sp_text(c, has_type, strlen(has_type)) : NULL;
    if (!ht) return SP_FAIL;
    *cl = (struct store_clause){
        .kind = STORE_Q_HAS, .has_type = ht, .has_param = rp->code, .has = inner, .nhas = 1};
    return SP_OK;
}

static enum sp_rc search_param(struct sp_ctx *c, const char *type, const char *name,
                               const char *raw)
{
    if (!strncmp(name, "_has:", 5)) return has_clause(c, name, raw);
    const char *dot = strchr(name, '.');
    if (dot) return chain_clause(c, type, name, dot, raw);
    struct store_clause *cl;
    return param_clause(c, type, name, strlen(name), raw, name, false, &cl);
}

/* RFC 3986 query: unreserved characters and ":/,$@*" as they are, the rest %XX ('|' included, so
 * the links are valid URLs; '+', '&', '=' and '%' always). */
static bool self_append(struct search *s, size_t *len, const char *lead, const char *str)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = s->self_query;
    size_t cap = sizeof s->self_query, n = *len;
    for (; *lead; lead++) {
        if (n + 1 >= cap) return false;
        out[n++] = *lead;
    }
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        if (isalnum(*p) || strchr("-._~:/,$@*", *p)) {
            if (n + 1 >= cap) return false;
            out[n++] = (char)*p;
        } else {
            if (n + 3 >= cap) return false;
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    *len = n;
    return true;
}

/* Moves the back-allocated clauses and values behind the front ones, so clauses[0..nclauses) and
 * values[0..nvalues) are what the query uses, and re-points what pointed at them. */
static void compact(struct sp_ctx *c)
{
    struct search *s = c->s;
    size_t cd = SEARCH_CLAUSES_MAX - c->nnested - c->ntop;
    size_t vd = SEARCH_VALUES_MAX - c->nback - c->nfront;
    memmove(&s->clauses[c->ntop], &s->clauses[SEARCH_CLAUSES_MAX - c->nnested],
            c->nnested * sizeof s->clauses[0]);
    memmove(&s->values[c->nfront], &s->values[SEARCH_VALUES_MAX - c->nback],
            c->nback * sizeof s->values[0]);
    const struct store_clause *cb = &s->clauses[SEARCH_CLAUSES_MAX - c->nnested];
    const struct store_value *vb = &s->values[SEARCH_VALUES_MAX - c->nback];
    for (size_t i = 0; i < c->nfront; i++) {
        struct store_value *v = &s->values[i];
        if (v->chain && v->chain >= cb) v->chain = &s->clauses[v->chain - s->clauses - cd];
        if (v->v && v->v >= vb) v->v = &s->values[v->v - s->values - vd];
    }
    for (size_t i = 0; i < c->ntop; i++) {
        struct store_clause *cl = &s->clauses[i];
        if (cl->has && cl->has >= cb) cl->has = &s->clauses[cl->has - s->clauses - cd];
    }
    s->nclauses = c->ntop + c->nnested;
    s->nvalues = c->nfront + c->nback;
}

enum rg_err search_parse(const char *type, const struct http_param *params, size_t nparams,
                         enum search_handling handling, size_t page_default, size_t page_max,
                         struct search *s, struct rg_fail *f)
{
    memset(s, 0, sizeof *s);
    struct sp_ctx c = {.s = s, .handling = handling, .f = f, .page_max = page_max};
    if (type && !fhir_is_resource_type(type))
        return rg_fail_set(f, RG_E_UNKNOWN_TYPE, NULL, "unknown resource type %.64s", type);
    if (type && !(s->q.type = sp_text(&c, type, strlen(type)))) return f->code;
    s->q.count = page_default < page_max ? page_default : page_max;
    size_t self_len = 0;
    for (size_t i = 0; i < nparams; i++) {
        const char *name = params[i].name, *value = params[i].value;
        if (!name || !value || !*value) continue; /* an empty value is no criterion */
        bool in_self = true;
        enum sp_rc rc;
        if (sp_is_result_param(name))
            rc = sp_result_param(&c, type, name, value, &in_self);
        else if (!type)
            rc = sp_unknown(&c, "parameter", name);
        else
            rc = search_param(&c, type, name, value);
        if (rc == SP_FAIL) return f->code;
        if (rc == SP_SKIP || !in_self) continue;
        if (!self_append(s, &self_len, self_len ? "&" : "", name) ||
            !self_append(s, &self_len, "=", value))
            return rg_fail_set(f, RG_E_TOO_MANY, NULL, "search parameters longer than %zu bytes",
                               sizeof s->self_query - 1);
    }
    if (s->summary == SEARCH_SUMMARY_COUNT) s->q.count = 0;
    if (s->q.count == 0 || s->total == SEARCH_TOTAL_ACCURATE) s->q.want_total = true;
    compact(&c);
    s->q.clauses = s->nclauses ? s->clauses : NULL;
    s->q.nclauses = c.ntop;
    return RG_OK;
}
