/* One FHIRPath result item to index rows, by parameter type and the item's FHIR type (the table
 * in docs/search.md): HumanName and Address by part, Coding/CodeableConcept/Identifier/
 * ContactPoint as tokens, references split into type and id, dates and Periods as ranges,
 * quantities with their UCUM canonical form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/search_index_internal.h"
#include "json/jsonx.h"

#define UCUM_SYSTEM "http://unitsofmeasure.org"

/* ---- reading items ---- */

/* The text of a primitive JSON value as written ("true", "1.50", "2019"), or NULL. */
static const char *prim_text(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        return json_object_get_string(v);
    case json_type_boolean:
        return json_object_get_boolean(v) ? "true" : "false";
    case json_type_int:
    case json_type_double: {
        size_t len;
        return jsonx_text(v, false, &len);
    }
    default:
        return NULL;
    }
}

/* The i-th item as primitive text: the JSON value it was read from, else the computed value. */
static const char *item_text(const struct fhirpath_result *r, size_t i)
{
    json_object *n = fhirpath_result_node(r, i);
    if (n) return prim_text(n);
    return fhirpath_result_text(r, i);
}

static bool type_is(const char *t, const char *name)
{
    return t && strcmp(t, name) == 0;
}

/* ---- strings ---- */

static bool string_row(struct ix_ctx *x, const char *param, const char *s)
{
    if (!s || !*s) return true;
    size_t len = strlen(s);
    char norm[SEARCH_IX_VALUE_MAX + 1];
    if (search_norm_string(s, len, norm, sizeof(norm)) < 0) return true; /* not UTF-8: skip */
    struct store_ix row = {.kind = STORE_IX_STRING, .param = param, .text = norm, .exact = s};
    return ix_add(x, &row);
}

static bool string_array(struct ix_ctx *x, json_object *node, const char *key)
{
    json_object *a = jsonx_get(node, key);
    if (json_object_get_type(a) == json_type_string) return string_row(x, x->param, prim_text(a));
    size_t n = json_object_get_type(a) == json_type_array ? json_object_array_length(a) : 0;
    for (size_t k = 0; k < n; k++)
        if (!string_row(x, x->param, prim_text(json_object_array_get_idx(a, k)))) return false;
    return true;
}

static bool string_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    const char *t = fhirpath_result_type(r, i);
    json_object *n = fhirpath_result_node(r, i);
    static const char *const name_parts[] = {"family", "given", "prefix", "suffix", "text", NULL};
    static const char *const addr_parts[] = {"line",    "city",       "district", "state",
                                             "country", "postalCode", "text",     NULL};
    const char *const *parts = type_is(t, "HumanName") ? name_parts
                               : type_is(t, "Address") ? addr_parts
                                                       : NULL;
    if (parts) {
        for (size_t k = 0; parts[k]; k++)
            if (!string_array(x, n, parts[k])) return false;
        return true;
    }
    if (n && json_object_get_type(n) == json_type_object) return true; /* other complex: none */
    return string_row(x, x->param, item_text(r, i));
}

/* ---- tokens ---- */

static bool token_row(struct ix_ctx *x, const char *param, const char *system, const char *code)
{
    if (!code || !*code) return true;
    struct store_ix row = {
        .kind = STORE_IX_TOKEN, .param = param, .system = system ? system : "", .code = code};
    return ix_add(x, &row);
}

static bool text_row(struct ix_ctx *x, const char *s)
{
    if (!s || !*s) return true;
    const char *p = ix_text_param(x);
    return p && string_row(x, p, s);
}

static bool coding_rows(struct ix_ctx *x, json_object *c)
{
    return token_row(x, x->param, jsonx_get_str(c, "system"), jsonx_get_str(c, "code")) &&
           text_row(x, jsonx_get_str(c, "display"));
}

static bool concept_rows(struct ix_ctx *x, json_object *cc)
{
    json_object *codings = jsonx_get(cc, "coding");
    size_t n =
        json_object_get_type(codings) == json_type_array ? json_object_array_length(codings) : 0;
    for (size_t k = 0; k < n; k++)
        if (!coding_rows(x, json_object_array_get_idx(codings, k))) return false;
    return text_row(x, jsonx_get_str(cc, "text"));
}

/* An identifier: (system, value), and with a type also "<code>:of-type" rows
 * (type coding's system, "<type code>|<value>"). */
static bool identifier_rows(struct ix_ctx *x, json_object *id)
{
    const char *value = jsonx_get_str(id, "value");
    if (!token_row(x, x->param, jsonx_get_str(id, "system"), value)) return false;
    json_object *codings = jsonx_get(jsonx_get(id, "type"), "coding");
    size_t n = value && json_object_get_type(codings) == json_type_array
                   ? json_object_array_length(codings)
                   : 0;
    for (size_t k = 0; k < n; k++) {
        json_object *c = json_object_array_get_idx(codings, k);
        const char *code = jsonx_get_str(c, "code");
        if (!code) continue;
        size_t cl = strlen(code), vl = strlen(value);
        if (cl + vl + 1 > SEARCH_IX_VALUE_MAX) continue;
        char both[SEARCH_IX_VALUE_MAX + 1];
        memcpy(both, code, cl);
        both[cl] = '|';
        memcpy(both + cl + 1, value, vl + 1);
        const char *p = ix_type_param(x);
        if (!p || !token_row(x, p, jsonx_get_str(c, "system"), both)) return false;
    }
    return true;
}

static bool token_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    const char *t = fhirpath_result_type(r, i);
    json_object *n = fhirpath_result_node(r, i);
    if (type_is(t, "Coding")) return coding_rows(x, n);
    if (type_is(t, "CodeableConcept")) return concept_rows(x, n);
    if (type_is(t, "Identifier")) return identifier_rows(x, n);
    if (type_is(t, "ContactPoint")) return token_row(x, x->param, "", jsonx_get_str(n, "value"));
    if (n && json_object_get_type(n) == json_type_object) return true;
    return token_row(x, x->param, "", item_text(r, i));
}

/* ---- references ---- */

/* Whether s[0..len) is "Type/id" with a known resource type and a FHIR id. */
static bool split_type_id(const char *s, size_t len, char *type, char *id)
{
    const char *slash = memchr(s, '/', len);
    if (!slash || slash == s) return false;
    size_t tl = (size_t)(slash - s), il = len - tl - 1;
    if (tl >= STORE_TYPE_MAX || il == 0 || il >= STORE_ID_MAX) return false;
    for (size_t k = 0; k < il; k++) {
        char c = slash[1 + k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    memcpy(type, s, tl);
    type[tl] = '\0';
    if (!fhir_is_resource_type(type)) return false;
    memcpy(id, slash + 1, il);
    id[il] = '\0';
    return true;
}

/* The "Type/id" at the end of ref (dropping a "/_history/v"), split; false when there is none. */
static bool ref_tail(const char *ref, char *type, char *id)
{
    size_t len = strlen(ref);
    const char *h = strstr(ref, "/_history/");
    if (h) len = (size_t)(h - ref);
    /* the last two segments */
    size_t end = len, k = len, slashes = 0;
    while (k > 0) {
        if (ref[k - 1] == '/' && ++slashes == 2) break;
        k--;
    }
    return split_type_id(ref + k, end - k, type, id);
}

static bool ref_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    const char *t = fhirpath_result_type(r, i);
    json_object *n = fhirpath_result_node(r, i);
    char type[STORE_TYPE_MAX], id[STORE_ID_MAX];
    struct store_ix row = {.kind = STORE_IX_REF, .param = x->param};
    if (type_is(t, "Reference")) {
        json_object *ident = jsonx_get(n, "identifier");
        const char *ref = jsonx_get_str(n, "reference");
        if (json_object_is_type(ident, json_type_object)) {
            /* reference:identifier finds it by (system, value) */
            const char *p = ix_ident_param(x);
            if (!p ||
                !token_row(x, p, jsonx_get_str(ident, "system"), jsonx_get_str(ident, "value")))
                return false;
            /* A logical reference (identifier only) is still a value of the parameter, so
             * :missing=false finds it: an empty row, which no reference search matches. */
            if (!ref) return ix_add(x, &row);
        }
        if (!ref || !*ref || ref[0] == '#') return true; /* logical or contained */
        bool urn = strncmp(ref, "urn:", 4) == 0;
        if (urn || strstr(ref, "://")) row.text = ref; /* absolute: kept as written */
        if (!urn && ref_tail(ref, type, id)) {
            row.ref_type = type;
            row.ref_id = id;
        }
        if (!row.text && !row.ref_type) return true;
        return ix_add(x, &row);
    }
    if (n && json_object_get_type(n) == json_type_object) return true;
    row.text = item_text(r, i); /* canonical / uri */
    return !row.text || !*row.text || ix_add(x, &row);
}

/* ---- dates ---- */

static bool range_of(const char *s, int64_t *lo, int64_t *hi)
{
    return s && search_date_range(s, strlen(s), lo, hi);
}

static bool date_row(struct ix_ctx *x, int64_t lo, int64_t hi)
{
    struct store_ix row = {.kind = STORE_IX_DATE, .param = x->param, .lo = lo, .hi = hi};
    return ix_add(x, &row);
}

static bool date_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    const char *t = fhirpath_result_type(r, i);
    json_object *n = fhirpath_result_node(r, i);
    int64_t lo, hi, l2, h2;
    if (type_is(t, "Period")) {
        bool has_start = range_of(jsonx_get_str(n, "start"), &lo, &h2);
        bool has_end = range_of(jsonx_get_str(n, "end"), &l2, &hi);
        if (!has_start && !has_end) return true;
        return date_row(x, has_start ? lo : INT64_MIN, has_end ? hi : INT64_MAX);
    }
    if (type_is(t, "Timing")) {
        json_object *ev = jsonx_get(n, "event");
        size_t k_max =
            json_object_get_type(ev) == json_type_array ? json_object_array_length(ev) : 0;
        for (size_t k = 0; k < k_max; k++)
            if (range_of(prim_text(json_object_array_get_idx(ev, k)), &lo, &hi) &&
                !date_row(x, lo, hi))
                return false;
        return true;
    }
    if (n && json_object_get_type(n) == json_type_object) return true;
    return !range_of(item_text(r, i), &lo, &hi) || date_row(x, lo, hi);
}

/* ---- numbers and quantities ---- */

static bool number_of(json_object *v, const char *text, double *out)
{
    if (v &&
        (json_object_get_type(v) == json_type_int || json_object_get_type(v) == json_type_double)) {
        *out = json_object_get_double(v);
        return true;
    }
    double lo, hi;
    return text && search_number_range(text, strlen(text), out, &lo, &hi);
}

static bool number_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    json_object *n = fhirpath_result_node(r, i);
    double v;
    if (!number_of(n, n ? NULL : fhirpath_result_text(r, i), &v)) return true;
    struct store_ix row = {.kind = STORE_IX_NUMBER, .param = x->param, .num = v};
    return ix_add(x, &row);
}

static bool is_quantity_type(const char *t)
{
    static const char *const names[] = {"Quantity",      "Age",   "Duration",
                                        "Distance",      "Count", "SimpleQuantity",
                                        "MoneyQuantity", NULL};
    for (size_t k = 0; names[k]; k++)
        if (type_is(t, names[k])) return true;
    return false;
}

static bool quantity_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    const char *t = fhirpath_result_type(r, i);
    json_object *n = fhirpath_result_node(r, i);
    double v;
    if (!n || !number_of(jsonx_get(n, "value"), NULL, &v)) return true;
    struct store_ix row = {.kind = STORE_IX_QUANTITY, .param = x->param, .num = v, .canon = v};
    if (type_is(t, "Money")) {
        row.code = jsonx_get_str(n, "currency");
        return ix_add(x, &row);
    }
    if (!is_quantity_type(t)) return true; /* SampledData, Range: not indexed */
    row.system = jsonx_get_str(n, "system");
    row.code = jsonx_get_str(n, "code");
    if (!row.code) row.code = jsonx_get_str(n, "unit");
    char canon_code[128];
    if (row.code && (!row.system || strcmp(row.system, UCUM_SYSTEM) == 0) &&
        search_ucum_canon(v, row.code, &row.canon, canon_code, sizeof(canon_code)))
        row.canon_code = canon_code;
    else
        row.canon = v;
    return ix_add(x, &row);
}

static bool uri_rows(struct ix_ctx *x, const struct fhirpath_result *r, size_t i)
{
    json_object *n = fhirpath_result_node(r, i);
    if (n && json_object_get_type(n) == json_type_object) return true;
    const char *s = item_text(r, i);
    if (!s || !*s) return true;
    struct store_ix row = {.kind = STORE_IX_URI, .param = x->param, .text = s};
    return ix_add(x, &row);
}

bool ix_item_rows(struct ix_ctx *x, enum sp_type t, const struct fhirpath_result *r, size_t i)
{
    switch (t) {
    case SP_STRING:
        return string_rows(x, r, i);
    case SP_TOKEN:
        return token_rows(x, r, i);
    case SP_REFERENCE:
        return ref_rows(x, r, i);
    case SP_DATE:
        return date_rows(x, r, i);
    case SP_NUMBER:
        return number_rows(x, r, i);
    case SP_QUANTITY:
        return quantity_rows(x, r, i);
    case SP_URI:
        return uri_rows(x, r, i);
    default:
        return true;
    }
}
