/* Search index extraction: every search parameter of the resource's type is evaluated by its
 * FHIRPath expression, and the values become rows (per kind in search_index_values.c). The rows
 * own their strings in a chain of arena chunks, so the resource may be freed once extracted. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/search_index_internal.h"
#include "util/log.h"

/* Arena chunks start small (a Bundle keeps every entry's rows until its unit runs) and double. */
#define CHUNK_FIRST 2048
#define CHUNK_MAX   65536

/* ---- arena: chunks, each starting with a pointer to the previous one ---- */

static char *arena_copy(struct search_rows *r, const char *s, size_t n)
{
    if (!r->arena || r->arena_len + n + 1 > r->arena_cap) {
        size_t cap = !r->arena                  ? CHUNK_FIRST
                     : r->arena_cap < CHUNK_MAX ? r->arena_cap * 2
                                                : CHUNK_MAX;
        if (cap < n + 1) cap = n + 1;
        char *chunk = malloc(sizeof(char *) + cap);
        if (!chunk) return NULL;
        memcpy(chunk, &r->arena, sizeof(char *));
        r->arena = chunk;
        r->arena_len = 0;
        r->arena_cap = cap;
    }
    char *p = r->arena + sizeof(char *) + r->arena_len;
    memcpy(p, s, n);
    p[n] = '\0';
    r->arena_len += n + 1;
    return p;
}

void search_rows_clear(struct search_rows *r)
{
    if (!r) return;
    char *chunk = r->arena;
    while (chunk) {
        char *prev;
        memcpy(&prev, chunk, sizeof(char *));
        free(chunk);
        chunk = prev;
    }
    free(r->rows);
    memset(r, 0, sizeof(*r));
}

/* ---- rows ---- */

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_row(const struct store_ix *a, const struct store_ix *b)
{
    return a->kind == b->kind && a->lo == b->lo && a->hi == b->hi && a->num == b->num &&
           a->canon == b->canon && a->v_kind == b->v_kind && a->v_num == b->v_num &&
           a->v_canon == b->v_canon && a->v_lo == b->v_lo && a->v_hi == b->v_hi &&
           same_str(a->param, b->param) && same_str(a->text, b->text) &&
           same_str(a->exact, b->exact) && same_str(a->system, b->system) &&
           same_str(a->code, b->code) && same_str(a->ref_type, b->ref_type) &&
           same_str(a->ref_id, b->ref_id) && same_str(a->canon_code, b->canon_code) &&
           same_str(a->v_system, b->v_system) && same_str(a->v_code, b->v_code) &&
           same_str(a->v_text, b->v_text) && same_str(a->v_canon_code, b->v_canon_code);
}

/* Copies *s into the arena, cut to SEARCH_IX_VALUE_MAX bytes on a character boundary. */
static bool own(struct search_rows *r, const char **s)
{
    if (!*s) return true;
    size_t n = strlen(*s);
    if (n > SEARCH_IX_VALUE_MAX) {
        n = SEARCH_IX_VALUE_MAX;
        while (n > 0 && ((unsigned char)(*s)[n] & 0xC0) == 0x80) n--;
    }
    *s = arena_copy(r, *s, n);
    return *s != NULL;
}

/* A word-at-a-time hash of a row's fields, so duplicates are looked for among rows of equal hash
 * only. */
static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t v;
    for (; n >= 8; b += 8, n -= 8) {
        memcpy(&v, b, 8);
        h = mix(h, v);
    }
    v = 0;
    memcpy(&v, b, n);
    return mix(h, v ^ ((uint64_t)n << 56));
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return s ? hash_bytes(h, s, strlen(s)) : mix(h, 0xFFFFFFFFFFFFFFFFULL);
}

static uint64_t row_hash(const struct store_ix *r)
{
    uint64_t h = 14695981039346656037ULL;
    int64_t ints[] = {r->kind, r->v_kind, r->lo, r->hi, r->v_lo, r->v_hi};
    double nums[] = {r->num, r->canon, r->v_num, r->v_canon};
    h = hash_bytes(h, ints, sizeof ints);
    h = hash_bytes(h, nums, sizeof nums);
    const char *strs[] = {r->param,    r->text,     r->exact,  r->system,
                          r->code,     r->ref_type, r->ref_id, r->canon_code,
                          r->v_system, r->v_code,   r->v_text, r->v_canon_code};
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) h = hash_str(h, strs[k]);
    return h;
}

bool ix_add(struct ix_ctx *x, const struct store_ix *row)
{
    struct search_rows *r = x->rows;
    uint64_t h = row_hash(row);
    for (size_t k = x->param_start; k < r->n; k++)
        if (x->hashes[k - x->param_start] == h && same_row(&r->rows[k], row)) return true;
    if (r->n >= SEARCH_IX_ROWS_MAX) return true; /* counted and logged by the caller */
    size_t nh = r->n - x->param_start;
    if (nh == x->cap_hashes) {
        size_t cap = x->cap_hashes ? x->cap_hashes * 2 : 16;
        uint64_t *p = realloc(x->hashes, cap * sizeof(*p));
        if (!p) return !(x->oom = true);
        x->hashes = p;
        x->cap_hashes = cap;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct store_ix *p = realloc(r->rows, cap * sizeof(*p));
        if (!p) return !(x->oom = true);
        r->rows = p;
        r->cap = cap;
    }
    struct store_ix c = *row;
    /* param is the table's code or an arena name already; the rest may point into the resource */
    if (!own(r, &c.text) || !own(r, &c.exact) || !own(r, &c.system) || !own(r, &c.code) ||
        !own(r, &c.ref_type) || !own(r, &c.ref_id) || !own(r, &c.canon_code) ||
        !own(r, &c.v_system) || !own(r, &c.v_code) || !own(r, &c.v_text) ||
        !own(r, &c.v_canon_code))
        return !(x->oom = true);
    r->rows[r->n++] = c;
    x->hashes[nh] = h;
    return true;
}

static const char *derived(struct ix_ctx *x, const char **slot, const char *suffix)
{
    if (*slot) return *slot;
    char name[128];
    int n = snprintf(name, sizeof(name), "%s%s", x->sp->code, suffix);
    if (n < 0 || (size_t)n >= sizeof(name)) return NULL;
    *slot = arena_copy(x->rows, name, (size_t)n);
    if (!*slot) x->oom = true;
    return *slot;
}

const char *ix_text_param(struct ix_ctx *x)
{
    return derived(x, &x->text_param, ":text");
}

const char *ix_type_param(struct ix_ctx *x)
{
    return derived(x, &x->type_param, ":of-type");
}

const char *ix_ident_param(struct ix_ctx *x)
{
    return derived(x, &x->ident_param, ":identifier");
}

/* ---- composites ---- */

/* The second component's row as the v_* fields of a composite row. false when its kind has no
 * place there. */
static bool second_into(struct store_ix *row, const struct store_ix *v)
{
    row->v_kind = v->kind;
    switch (v->kind) {
    case STORE_IX_QUANTITY:
        row->v_num = v->num;
        row->v_system = v->system;
        row->v_code = v->code;
        row->v_canon = v->canon;
        row->v_canon_code = v->canon_code;
        return true;
    case STORE_IX_TOKEN:
        row->v_system = v->system;
        row->v_code = v->code;
        return true;
    case STORE_IX_DATE:
        row->v_lo = v->lo;
        row->v_hi = v->hi;
        return true;
    case STORE_IX_STRING:
        row->v_text = v->text;
        return true;
    default:
        return false;
    }
}

/* The value rows of component k evaluated on item i of the composite's result, into tmp. */
static int component_rows(struct ix_ctx *x, json_object *res, const struct fhirpath_result *items,
                          size_t i, size_t k, struct search_rows *tmp, char *err, size_t err_len)
{
    const struct fhirpath_expr *e = searchparam_component_expr(x->sp, k);
    if (!e) return 0;
    struct fhirpath_result *v = fhirpath_eval_item(e, res, items, i, err, err_len);
    if (!v) return SEARCH_IX_EVAL_FAILED;
    struct ix_ctx cx = {.rows = tmp, .sp = x->sp, .param = x->sp->code};
    for (size_t j = 0; j < fhirpath_result_count(v) && !cx.oom; j++)
        ix_item_rows(&cx, x->sp->components[k].type, v, j);
    fhirpath_result_free(v);
    free(cx.hashes);
    return cx.oom ? SEARCH_IX_NO_MEMORY : 0;
}

/* Rows combine the first component's tokens with the second component's values of the same
 * item; composites of other shapes (three components, a reference second) are not indexed. */
static int composite_rows(struct ix_ctx *x, json_object *res, const struct fhirpath_result *items,
                          char *err, size_t err_len)
{
    const struct searchparam *sp = x->sp;
    if (sp->ncomponents != 2 || sp->components[0].type != SP_TOKEN) return 0;
    for (size_t i = 0; i < fhirpath_result_count(items); i++) {
        struct search_rows a = {0}, b = {0};
        int rc = component_rows(x, res, items, i, 0, &a, err, err_len);
        if (rc == 0 && a.n) rc = component_rows(x, res, items, i, 1, &b, err, err_len);
        for (size_t m = 0; rc == 0 && m < a.n; m++) {
            if (a.rows[m].kind != STORE_IX_TOKEN) continue; /* ":text" rows */
            for (size_t n = 0; rc == 0 && n < b.n; n++) {
                struct store_ix row = {.kind = STORE_IX_COMPOSITE,
                                       .param = sp->code,
                                       .system = a.rows[m].system,
                                       .code = a.rows[m].code};
                if (b.rows[n].param != sp->code || !second_into(&row, &b.rows[n])) continue;
                if (!ix_add(x, &row)) rc = SEARCH_IX_NO_MEMORY;
            }
        }
        search_rows_clear(&a);
        search_rows_clear(&b);
        if (rc) return rc;
    }
    return 0;
}

/* ---- extraction ---- */

/* Parameters not worth rows: _id is the resource id, which the store searches directly. */
static bool skipped(const struct searchparam *sp)
{
    return sp->sp_type == SP_SPECIAL || strcmp(sp->code, "_id") == 0;
}

static int extract_param(json_object *res, const struct searchparam *sp, struct search_rows *out,
                         char *err, size_t err_len)
{
    const struct fhirpath_expr *e = searchparam_expr(sp);
    if (!e) return 0; /* does not compile: a unit test rules this out */
    char msg[200] = "";
    struct fhirpath_result *r = fhirpath_eval(e, res, msg, sizeof(msg));
    if (!r) {
        if (err && err_len) snprintf(err, err_len, "search parameter %s: %s", sp->code, msg);
        return SEARCH_IX_EVAL_FAILED;
    }
    struct ix_ctx x = {.rows = out, .sp = sp, .param = sp->code, .param_start = out->n};
    int rc = 0;
    if (sp->sp_type == SP_COMPOSITE) {
        rc = composite_rows(&x, res, r, msg, sizeof(msg));
        if (rc == SEARCH_IX_EVAL_FAILED && err && err_len)
            snprintf(err, err_len, "search parameter %s: %s", sp->code, msg);
        x.oom = x.oom || rc == SEARCH_IX_NO_MEMORY;
    } else {
        for (size_t i = 0; i < fhirpath_result_count(r) && !x.oom; i++)
            ix_item_rows(&x, sp->sp_type, r, i);
    }
    fhirpath_result_free(r);
    free(x.hashes);
    if (x.oom) {
        if (err && err_len) snprintf(err, err_len, "out of memory indexing %s", sp->code);
        return SEARCH_IX_NO_MEMORY;
    }
    return rc;
}

int search_index_extract(const char *type, json_object *resource, struct search_rows *out,
                         char *err, size_t err_len)
{
    size_t n = 0;
    const struct searchparam *sps = searchparam_of_type(type, &n);
    for (size_t k = 0; k < n; k++) {
        if (skipped(&sps[k])) continue;
        int rc = extract_param(resource, &sps[k], out, err, err_len);
        if (rc != 0) {
            search_rows_clear(out);
            return rc;
        }
        if (out->n >= SEARCH_IX_ROWS_MAX) {
            log_client("search index: %s: more than %d rows, the rest from %s on not indexed", type,
                       SEARCH_IX_ROWS_MAX, sps[k].code);
            break;
        }
    }
    if (out->n && out->n < out->cap) { /* give back the slack of the doubling */
        struct store_ix *p = realloc(out->rows, out->n * sizeof(*p));
        if (p) {
            out->rows = p;
            out->cap = out->n;
        }
    }
    return 0;
}
