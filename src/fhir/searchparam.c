/* Lookups in the generated search parameter table (tools/gen-search-params.mjs) and the lazily
 * compiled FHIRPath of each entry; the _summary element table. */
#include "fhir/searchparam.h"

#include <stdatomic.h>
#include <string.h>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/searchparam_tables.h"

static const struct sp_type_slice *slice_of(const char *type)
{
    if (!type) return NULL;
    size_t lo = 0, hi = searchparam_gen_type_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(type, searchparam_gen_types[mid].type);
        if (c == 0) return &searchparam_gen_types[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct searchparam *searchparam_of_type(const char *type, size_t *n)
{
    const struct sp_type_slice *s = slice_of(type);
    *n = s ? s->n : 0;
    return s ? &searchparam_gen_table[s->first] : NULL;
}

const struct searchparam *searchparam_find(const char *type, const char *code)
{
    size_t n;
    const struct searchparam *all = searchparam_of_type(type, &n);
    if (!all || !code) return NULL;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, all[mid].code);
        if (c == 0) return &all[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t searchparam_count(void)
{
    return searchparam_gen_count;
}

const struct searchparam *searchparam_at(size_t i)
{
    return i < searchparam_gen_count ? &searchparam_gen_table[i] : NULL;
}

/* Marks a slot whose expression does not compile, so it is not compiled again on every call. */
static char compile_failed;
#define FAILED ((struct fhirpath_expr *)(void *)&compile_failed)

/* The compiled text in *slot, compiling it on first use. Two threads may both compile; the first
 * to publish wins and the other frees its copy, so no lock is held while compiling and a reader
 * after the first publication pays one atomic load. */
static const struct fhirpath_expr *cached(struct fhirpath_expr *_Atomic *slot, const char *text)
{
    struct fhirpath_expr *e = atomic_load_explicit(slot, memory_order_acquire);
    if (!e) {
        size_t pos;
        char err[128];
        struct fhirpath_expr *mine = fhirpath_compile(text, strlen(text), &pos, err, sizeof err);
        if (!mine) mine = FAILED;
        struct fhirpath_expr *expected = NULL;
        if (atomic_compare_exchange_strong_explicit(slot, &expected, mine, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            e = mine;
        } else {
            if (mine != FAILED) fhirpath_free(mine);
            e = expected;
        }
    }
    return e == FAILED ? NULL : e;
}

const struct fhirpath_expr *searchparam_expr(const struct searchparam *p)
{
    if (!p || p < searchparam_gen_table || p >= searchparam_gen_table + searchparam_gen_count)
        return NULL;
    return cached(&searchparam_gen_expr_cache[p - searchparam_gen_table], p->expression);
}

const struct fhirpath_expr *searchparam_component_expr(const struct searchparam *p, size_t k)
{
    if (!p || !p->components || k >= p->ncomponents) return NULL;
    const struct sp_component *c = &p->components[k];
    if (c < searchparam_gen_components ||
        c >= searchparam_gen_components + searchparam_gen_component_count)
        return NULL;
    return cached(&searchparam_gen_component_cache[c - searchparam_gen_components], c->expression);
}

const char *sp_type_name(enum sp_type t)
{
    static const char *const names[] = {
        [SP_NUMBER] = "number", [SP_DATE] = "date",           [SP_STRING] = "string",
        [SP_TOKEN] = "token",   [SP_REFERENCE] = "reference", [SP_QUANTITY] = "quantity",
        [SP_URI] = "uri",       [SP_COMPOSITE] = "composite", [SP_SPECIAL] = "special",
    };
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

/* ---- _summary ---- */

static const struct summary_type *summary_of(const char *type)
{
    size_t lo = 0, hi = fhir_gen_summary_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(type, fhir_gen_summary[mid].type);
        if (c == 0) return &fhir_gen_summary[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The element of s named by the first len bytes of name, or NULL. */
static const struct summary_elem *summary_elem_of(const struct summary_type *s, const char *name,
                                                  size_t len)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = s->elems[mid].name;
        int c = strncmp(name, m, len);
        if (c == 0 && m[len] != '\0') c = -1; /* name[0..len) is a proper prefix of m */
        if (c == 0) return &s->elems[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool fhir_is_summary_element(const char *type, const char *element)
{
    if (!type || !element || !*element) return false;
    /* resourceType is not an element, but every view keeps it. */
    if (!strcmp(element, "resourceType")) return true;
    const struct summary_type *s = summary_of(type);
    if (!s) return false;
    /* A primitive's extension (_birthDate) goes with its value. */
    if (element[0] == '_') element++;
    size_t len = strlen(element);
    const struct summary_elem *e = summary_elem_of(s, element, len);
    if (e && !e->choice) return true; /* a bare choice stem ("deceased") is not a JSON name */
    /* A choice variant: stem + Uppercase type name (deceasedBoolean, multipleBirthInteger). The
     * stem may itself hold capitals, so every capital is a candidate split. */
    for (size_t k = 1; k < len; k++) {
        if (element[k] < 'A' || element[k] > 'Z') continue;
        e = summary_elem_of(s, element, k);
        if (e && e->choice) return true;
    }
    return false;
}
