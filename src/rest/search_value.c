/* One search value (an OR alternative, still escaped) to a store_value, by parameter type: the
 * prefixes of number, date and quantity, the implicit ranges, token system|code, reference forms,
 * UCUM canonical quantities and composites. The normalisations are search_index's, so a value is
 * compared in the form its rows were stored in. */
#include <stdio.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/search_index.h"
#include "fhir/validate.h"
#include "rest/search_parse_priv.h"

#define UCUM_SYSTEM "http://unitsofmeasure.org"

size_t sp_split(struct sp_span v, char sep, struct sp_span *parts, size_t max)
{
    size_t n = 0;
    const char *start = v.p, *end = v.p + v.n;
    for (const char *q = v.p; q <= end; q++) {
        if (q < end && *q == '\\' && q + 1 < end) {
            q++; /* the escaped character is never a separator */
            continue;
        }
        if (q == end || *q == sep) {
            if (n == max) return max + 1;
            parts[n++] = (struct sp_span){start, (size_t)(q - start)};
            start = q + 1;
        }
    }
    return n;
}

const char *sp_unescape(struct sp_ctx *c, struct sp_span v)
{
    struct search *s = c->s;
    if (v.n >= sizeof s->text - s->text_len) {
        sp_text(c, v.p, v.n); /* sets the failure */
        return NULL;
    }
    char *out = s->text + s->text_len;
    size_t n = 0;
    for (size_t i = 0; i < v.n; i++) {
        char ch = v.p[i];
        if (ch == '\\' && i + 1 < v.n && strchr(",$|\\", v.p[i + 1])) ch = v.p[++i];
        out[n++] = ch;
    }
    out[n] = '\0';
    s->text_len += n + 1;
    return out;
}

bool sp_ix_kind(enum sp_type t, enum store_ix_kind *out)
{
    static const enum store_ix_kind kinds[] = {
        [SP_NUMBER] = STORE_IX_NUMBER, [SP_DATE] = STORE_IX_DATE,
        [SP_STRING] = STORE_IX_STRING, [SP_TOKEN] = STORE_IX_TOKEN,
        [SP_REFERENCE] = STORE_IX_REF, [SP_QUANTITY] = STORE_IX_QUANTITY,
        [SP_URI] = STORE_IX_URI,       [SP_COMPOSITE] = STORE_IX_COMPOSITE,
    };
    if (t >= SP_SPECIAL) return false;
    *out = kinds[t];
    return true;
}

/* The prefix of an ordered value ("ge2013" -> GE); EQ when there is none. Two lower-case letters
 * that are no prefix make the value malformed. */
static bool take_prefix(struct sp_span *v, enum store_cmp *cmp)
{
    static const char *const names[] = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"};
    *cmp = STORE_EQ;
    if (v->n < 2 || v->p[0] < 'a' || v->p[0] > 'z' || v->p[1] < 'a' || v->p[1] > 'z') return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!memcmp(v->p, names[i], 2)) {
            *cmp = (enum store_cmp)i;
            v->p += 2;
            v->n -= 2;
            return true;
        }
    }
    return false;
}

static enum sp_rc parse_number(struct sp_ctx *c, const char *name, struct sp_span raw,
                               struct store_value *v)
{
    if (!take_prefix(&raw, &v->cmp)) return sp_bad(c, name, "unknown prefix %.2s", raw.p);
    if (!search_number_range(raw.p, raw.n, &v->num, &v->lo_num, &v->hi_num))
        return sp_bad(c, name, "not a number: %.*s", (int)(raw.n > 64 ? 64 : raw.n), raw.p);
    return SP_OK;
}

static enum sp_rc parse_date(struct sp_ctx *c, const char *name, struct sp_span raw,
                             struct store_value *v)
{
    if (!take_prefix(&raw, &v->cmp)) return sp_bad(c, name, "unknown prefix %.2s", raw.p);
    if (!search_date_range(raw.p, raw.n, &v->lo, &v->hi))
        return sp_bad(c, name, "not a date: %.*s", (int)(raw.n > 64 ? 64 : raw.n), raw.p);
    return SP_OK;
}

/* [prefix]number[|system|code]: "5.4||mg" is any system; a UCUM unit the canonicaliser knows
 * moves the value and its range into canonical units. */
static enum sp_rc parse_quantity(struct sp_ctx *c, const char *name, struct sp_span raw,
                                 struct store_value *v)
{
    struct sp_span part[3];
    size_t n = sp_split(raw, '|', part, 3);
    if (n != 1 && n != 3) return sp_bad(c, name, "a quantity is number|system|code");
    enum sp_rc rc = parse_number(c, name, part[0], v);
    if (rc != SP_OK || n == 1) return rc;
    if (part[1].n && !(v->system = sp_unescape(c, part[1]))) return SP_FAIL;
    if (part[2].n && !(v->code = sp_unescape(c, part[2]))) return SP_FAIL;
    bool ucum = !v->system || !strcmp(v->system, UCUM_SYSTEM);
    char canon_code[64];
    double num, lo, hi;
    if (!ucum || !v->code ||
        !search_ucum_canon(v->num, v->code, &num, canon_code, sizeof canon_code))
        return SP_OK;
    if (!search_ucum_canon(v->lo_num, v->code, &lo, canon_code, sizeof canon_code) ||
        !search_ucum_canon(v->hi_num, v->code, &hi, canon_code, sizeof canon_code))
        return SP_OK;
    if (!(v->code = sp_text(c, canon_code, strlen(canon_code)))) return SP_FAIL;
    v->canon = true;
    v->num = num;
    v->lo_num = lo < hi ? lo : hi;
    v->hi_num = lo < hi ? hi : lo;
    return SP_OK;
}

static enum sp_rc parse_string(struct sp_ctx *c, const char *name, enum sp_mod m,
                               struct sp_span raw, struct store_value *v)
{
    const char *u = sp_unescape(c, raw);
    if (!u) return SP_FAIL;
    if (m == MOD_EXACT) {
        v->text = u;
        return SP_OK;
    }
    /* Normalise into the room after the unescaped copy, then move the result over it. */
    struct search *s = c->s;
    size_t ulen = strlen(u), room = sizeof s->text - s->text_len;
    char *out = s->text + s->text_len;
    int n = room > 1 ? search_norm_string(u, ulen, out, room) : 0;
    if (n < 0) return sp_bad(c, name, "not UTF-8");
    if (room <= 1 || (size_t)n + 1 >= room) {
        rg_fail_set(c->f, RG_E_TOO_MANY, NULL, "search values longer than %d bytes in all",
                    SEARCH_TEXT_MAX);
        return SP_FAIL;
    }
    memmove((char *)u, out, (size_t)n + 1);
    s->text_len = (size_t)(u - s->text) + (size_t)n + 1;
    v->text = u;
    return SP_OK;
}

/* The first separator not escaped by a backslash, or NULL. */
static const char *find_sep(struct sp_span v, char sep)
{
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '\\' && i + 1 < v.n)
            i++;
        else if (v.p[i] == sep)
            return v.p + i;
    }
    return NULL;
}

/* system|code, |code (no system), system| (any code), code (any system). */
static enum sp_rc parse_token(struct sp_ctx *c, struct sp_span raw, struct store_value *v)
{
    const char *bar = find_sep(raw, '|');
    if (!bar) return (v->code = sp_unescape(c, raw)) ? SP_OK : SP_FAIL;
    struct sp_span sys = {raw.p, (size_t)(bar - raw.p)};
    struct sp_span code = {bar + 1, (size_t)(raw.p + raw.n - bar - 1)};
    if (!(v->system = sp_unescape(c, sys))) return SP_FAIL;
    if (code.n && !(v->code = sp_unescape(c, code))) return SP_FAIL;
    return SP_OK;
}

/* :of-type typesystem|typecode|value, matched against the "<param>:of-type" rows whose code is
 * "typecode|value". */
static enum sp_rc parse_of_type(struct sp_ctx *c, const char *name, struct sp_span raw,
                                struct store_value *v)
{
    struct sp_span part[3];
    if (sp_split(raw, '|', part, 3) != 3 || !part[1].n || !part[2].n)
        return sp_bad(c, name, ":of-type takes system|type|value");
    if (!(v->system = sp_unescape(c, part[0]))) return SP_FAIL;
    /* type and value with the bar between them, unescaped as one */
    struct sp_span code = {part[1].p, (size_t)(part[2].p + part[2].n - part[1].p)};
    return (v->code = sp_unescape(c, code)) ? SP_OK : SP_FAIL;
}

/* Splits "Type/id" (an optional "/_history/v" after it dropped) when Type is a resource type and
 * id a valid id. */
static bool split_type_id(const char *ref, const char **type, size_t *tlen, const char **id,
                          size_t *idlen)
{
    size_t n = strlen(ref);
    const char *h = strstr(ref, "/_history/");
    if (h) n = (size_t)(h - ref);
    const char *slash = memchr(ref, '/', n);
    if (!slash) return false;
    char t[STORE_TYPE_MAX];
    size_t tl = (size_t)(slash - ref);
    if (tl == 0 || tl >= sizeof t) return false;
    memcpy(t, ref, tl);
    t[tl] = '\0';
    if (!fhir_is_resource_type(t) || !fhir_valid_id(slash + 1, n - tl - 1)) return false;
    *type = ref;
    *tlen = tl;
    *id = slash + 1;
    *idlen = n - tl - 1;
    return true;
}

/* Type/id, id (any type, or the :Type modifier's), or an absolute URL: as text, and when it ends
 * in Type/id also as that local reference (a second value), since regie cannot know every name
 * its base goes by. */
static enum sp_rc parse_reference(struct sp_ctx *c, const char *name, const char *mod_type,
                                  struct sp_span raw, struct store_value *v, bool *extra)
{
    const char *ref = sp_unescape(c, raw);
    if (!ref) return SP_FAIL;
    const char *type, *id;
    size_t tlen, idlen;
    bool absolute = strstr(ref, "://") || !strncmp(ref, "urn:", 4);
    if (absolute) {
        v->text = ref;
        size_t n = strlen(ref);
        const char *h = strstr(ref, "/_history/");
        const char *end = h ? h : ref + n;
        /* the segment start of "Type/id" at the end: two slashes back */
        const char *p = end, *seg = NULL;
        int slashes = 0;
        while (p > ref && slashes < 2) {
            p--;
            if (*p == '/') slashes++;
        }
        if (slashes == 2) seg = p + 1;
        if (!seg || !split_type_id(seg, &type, &tlen, &id, &idlen)) return SP_OK;
        struct store_value *local = sp_value(c, false);
        if (!local) return SP_FAIL;
        if (!(local->ref_type = sp_text(c, type, tlen)) || !(local->ref_id = sp_text(c, id, idlen)))
            return SP_FAIL;
        *extra = true;
        return SP_OK;
    }
    if (split_type_id(ref, &type, &tlen, &id, &idlen)) {
        if (!(v->ref_type = sp_text(c, type, tlen)) || !(v->ref_id = sp_text(c, id, idlen)))
            return SP_FAIL;
        return SP_OK;
    }
    if (!strchr(ref, '/') && fhir_valid_id(ref, strlen(ref))) {
        v->ref_type = mod_type;
        v->ref_id = ref;
        return SP_OK;
    }
    v->text = ref; /* a relative URL that names no local resource: only rows as written match */
    return SP_OK;
}

/* code$value: the first part a token, the second by the second component's type into a value of
 * its own (v->v). */
static enum sp_rc parse_composite(struct sp_ctx *c, const struct searchparam *p, const char *name,
                                  struct sp_span raw, struct store_value *v)
{
    struct sp_span part[2];
    if (sp_split(raw, '$', part, 2) != 2) return sp_bad(c, name, "a composite value is a$b");
    enum sp_rc rc = parse_token(c, part[0], v);
    if (rc != SP_OK) return rc;
    struct store_value *second = sp_value(c, true); /* outside the clause's OR list */
    if (!second) return SP_FAIL;
    v->v = second;
    struct searchparam comp = {
        .type = p->type, .code = p->components[1].param, .sp_type = p->components[1].type};
    bool extra = false;
    return sp_parse_value(c, &comp, MOD_NONE, NULL, name, part[1], second, &extra);
}

enum sp_rc sp_parse_value(struct sp_ctx *c, const struct searchparam *p, enum sp_mod m,
                          const char *mod_type, const char *name, struct sp_span raw,
                          struct store_value *v, bool *extra)
{
    v->cmp = STORE_EQ;
    switch (p->sp_type) {
    case SP_NUMBER:
        return parse_number(c, name, raw, v);
    case SP_DATE:
        return parse_date(c, name, raw, v);
    case SP_QUANTITY:
        return parse_quantity(c, name, raw, v);
    case SP_STRING:
        return parse_string(c, name, m, raw, v);
    case SP_TOKEN:
        if (m == MOD_TEXT) return parse_string(c, name, MOD_NONE, raw, v);
        if (m == MOD_OF_TYPE) return parse_of_type(c, name, raw, v);
        return parse_token(c, raw, v);
    case SP_REFERENCE:
        if (m == MOD_IDENTIFIER) return parse_token(c, raw, v);
        return parse_reference(c, name, mod_type, raw, v, extra);
    case SP_URI:
        return (v->text = sp_unescape(c, raw)) ? SP_OK : SP_FAIL;
    case SP_COMPOSITE:
        return parse_composite(c, p, name, raw, v);
    case SP_SPECIAL:
        break;
    }
    return sp_bad(c, name, "parameter type not supported");
}
