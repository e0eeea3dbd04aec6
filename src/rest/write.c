/* The write operation shared by create, update, delete and the Bundle engine: preparation outside
 * the store's write unit (validation, id, instant, index rows, compartment), then the short part
 * inside it (conditions, version checks, serialisation, tx_put). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/search_index.h"
#include "fhir/validate.h"
#include "json/jsonx.h"
#include "rest/internal.h"
#include "util/log.h"
#include "util/uuid.h"

enum rg_err rest_store_fail(enum store_rc src, const char *what, struct rg_fail *f)
{
    if (src == STORE_RETRY)
        return rg_fail_set(f, RG_E_UNAVAILABLE, NULL, "the store is busy (%s); try again", what);
    log_bug("store failure during %s (rc %d)", what, (int)src);
    return rg_fail_set(f, RG_E_INTERNAL, NULL, "storage failure");
}

/* The placeholder id of a reference decided inside the write unit (see rest_ref_set_fix). */
#define FIX_ID_PREFIX "regie.fix."

void rest_ref_set_fix(json_object *holder, const char *type, size_t k)
{
    char id[32];
    snprintf(id, sizeof id, FIX_ID_PREFIX "%zu", k);
    rest_ref_set(holder, type, id);
}

/* Notes which REF rows name a placeholder set by rest_ref_set_fix, so rest_op_fix_ref can point
 * them at the target once the unit knows it. */
static enum rg_err mark_fixes(struct rest_op *op, struct rg_fail *f)
{
    size_t n = 0, plen = strlen(FIX_ID_PREFIX);
    for (size_t i = 0; i < op->ix.n; i++) {
        const struct store_ix *x = &op->ix.rows[i];
        n += x->kind == STORE_IX_REF && x->ref_id && !strncmp(x->ref_id, FIX_ID_PREFIX, plen);
    }
    if (!n) return RG_OK;
    op->ixfix = calloc(n, sizeof *op->ixfix);
    if (!op->ixfix) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; i < op->ix.n; i++) {
        const struct store_ix *x = &op->ix.rows[i];
        if (x->kind != STORE_IX_REF || !x->ref_id || strncmp(x->ref_id, FIX_ID_PREFIX, plen))
            continue;
        char *end;
        unsigned long long k = strtoull(x->ref_id + plen, &end, 10);
        if (*end) continue;
        op->ixfix[op->nixfix++] = (struct rest_ixfix){.row = i, .k = (size_t)k};
    }
    return RG_OK;
}

void rest_op_fix_ref(struct rest_op *op, size_t k, const char *type, const char *id)
{
    for (size_t j = 0; j < op->nixfix; j++) {
        struct rest_ixfix *x = &op->ixfix[j];
        if (x->k != k) continue;
        snprintf(x->type, sizeof x->type, "%s", type);
        snprintf(x->id, sizeof x->id, "%s", id);
        struct store_ix *row = &op->ix.rows[x->row];
        row->ref_type = x->type;
        row->ref_id = x->id;
        row->text = NULL;
    }
}

/* The search index rows, extracted here, outside the writer thread. meta.lastUpdated is set first
 * (rest_op_run sets the same instant) so _lastUpdated indexes this version, not the body's. */
static enum rg_err extract_rows(struct rest_op *op, struct rg_fail *f)
{
    json_object *meta = jsonx_get(op->resource, "meta");
    if (!json_object_is_type(meta, json_type_object)) {
        meta = json_object_new_object();
        json_object_object_add(op->resource, "meta", meta);
    }
    json_object_object_add(meta, "lastUpdated", json_object_new_string(op->last_updated));
    search_rows_clear(&op->ix); /* a second prepare replaces the rows */
    free(op->ixfix);
    op->ixfix = NULL;
    op->nixfix = 0;
    char err[256];
    int rc = search_index_extract(op->type, op->resource, &op->ix, err, sizeof err);
    if (rc == SEARCH_IX_EVAL_FAILED)
        return rg_fail_set(f, RG_E_TOO_MANY, NULL, "the resource is too costly to index: %s", err);
    if (rc != 0) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    return op->late_compartment ? mark_fixes(op, f) : RG_OK;
}

static void compute_compartment(struct rest_op *op)
{
    op->has_compartment =
        fhir_patient_compartment(op->type, op->resource, op->compartment, sizeof op->compartment);
}

static void set_id(struct rest_op *op)
{
    json_object_object_add(op->resource, "id", json_object_new_string(op->id));
}

enum rg_err rest_op_prepare(struct rest_op *op, struct rg_fail *f)
{
    if (!op->last_updated[0]) fhirtime_now(op->last_updated); /* a Bundle gives its own */
    if (op->method == REST_DELETE || op->method == REST_GET) return RG_OK;
    json_object *r = op->resource;
    const char *rtype = jsonx_get_str(r, "resourceType");
    if (!rtype) return rg_fail_set(f, RG_E_NOT_RESOURCE, NULL, "the body has no resourceType");
    if (strcmp(rtype, op->type) != 0) {
        if (!fhir_is_resource_type(rtype))
            return rg_fail_set(f, RG_E_UNKNOWN_TYPE, NULL, "unknown resourceType %.64s", rtype);
        return rg_fail_set(f, RG_E_TYPE_MISMATCH, NULL, "the body is a %.64s, the URL names %s",
                           rtype, op->type);
    }
    json_object *idv = jsonx_get(r, "id");
    if (op->method == REST_PUT) {
        const char *bid =
            json_object_is_type(idv, json_type_string) ? json_object_get_string(idv) : NULL;
        char expr[STORE_TYPE_MAX + 4];
        snprintf(expr, sizeof expr, "%s.id", op->type);
        if (idv && !bid) return rg_fail_set(f, RG_E_BAD_ID, expr, "id must be a string");
        if (bid && !fhir_valid_id(bid, strlen(bid)))
            return rg_fail_set(f, RG_E_BAD_ID, expr, "%.80s is not a valid id", bid);
        if (!op->by_cond) {
            if (!bid)
                return rg_fail_set(f, RG_E_ID_MISSING, expr,
                                   "the body must carry the id of the URL (%s)", op->id);
            if (strcmp(bid, op->id) != 0)
                return rg_fail_set(f, RG_E_ID_MISMATCH, expr,
                                   "the body's id %.64s differs from the URL's %s", bid, op->id);
        } else if (bid) {
            op->body_id = true;
            memcpy(op->id, bid, strlen(bid) + 1);
        }
    }
    bool need_id = op->method == REST_POST ? !op->id[0] : op->by_cond && !op->body_id;
    if (need_id) {
        /* A new id; for a conditional update it is used only when nothing matches. */
        char u[UUID_STR_LEN];
        if (uuid_v4(u) != 0) return rg_fail_set(f, RG_E_INTERNAL, NULL, "no random source");
        memcpy(op->id, u, sizeof u);
    }
    /* The body's own id would fail validation only for ids we replace anyway. */
    set_id(op);
    enum rg_err e = fhir_validate(r, f);
    if (e != RG_OK) return e;
    e = extract_rows(op, f);
    if (e != RG_OK) return e;
    if (!op->late_compartment) compute_compartment(op);
    return RG_OK;
}

enum rg_err rest_op_resolve(struct store *s, struct store_txn *tx, struct rest_op *op,
                            struct rg_fail *f)
{
    if (!op->by_cond) return RG_OK;
    char ids[2][STORE_ID_MAX];
    size_t found = 0;
    enum store_rc src = s->ops->tx_find(tx, op->type, op->cond.c, op->cond.n, ids, 2, &found);
    if (src != STORE_OK && src != STORE_NONE) return rest_store_fail(src, "conditional match", f);
    if (src == STORE_NONE) found = 0;
    if (found > 1)
        return rg_fail_set(f, RG_E_CONDITIONAL_MULTIPLE, NULL,
                           "the condition matches more than one %s", op->type);
    if (found == 0) {
        if (op->method == REST_DELETE) op->noop = true;
        return RG_OK; /* POST and PUT create with the prepared id */
    }
    if (op->method == REST_PUT && op->body_id && strcmp(op->id, ids[0]) != 0) {
        char expr[STORE_TYPE_MAX + 4];
        snprintf(expr, sizeof expr, "%s.id", op->type);
        return rg_fail_set(f, RG_E_ID_MISMATCH, expr,
                           "the condition matches %s/%s but the body's id is %s", op->type, ids[0],
                           op->id);
    }
    memcpy(op->id, ids[0], STORE_ID_MAX);
    if (op->method == REST_POST) {
        op->matched = true;
    } else if (op->method == REST_PUT) {
        set_id(op);
        if (!strcmp(op->type, "Patient")) compute_compartment(op);
    }
    return RG_OK;
}

static void set_meta_version(struct rest_op *op, const char *v)
{
    json_object *meta = jsonx_get(op->resource, "meta");
    if (!json_object_is_type(meta, json_type_object)) {
        meta = json_object_new_object();
        json_object_object_add(op->resource, "meta", meta);
    }
    json_object_object_add(meta, "versionId", json_object_new_string(v));
    json_object_object_add(meta, "lastUpdated", json_object_new_string(op->last_updated));
}

static void set_meta(struct rest_op *op)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)op->version);
    set_meta_version(op, v);
}

/* Finds "ph" in text; records the span of ph. */
static bool find_placeholder(const char *text, size_t len, const char *ph, struct rest_splice *sp)
{
    char pat[96];
    int n = snprintf(pat, sizeof pat, "\"%s\"", ph);
    const char *at = memmem(text, len, pat, (size_t)n);
    if (!at) return false;
    sp->off = (size_t)(at - text) + 1;
    sp->len = (size_t)n - 2;
    return true;
}

static int by_offset(const void *a, const void *b, void *arg)
{
    const struct rest_splice *sp = arg;
    size_t x = sp[*(const size_t *)a].off, y = sp[*(const size_t *)b].off;
    return x < y ? -1 : x > y;
}

enum rg_err rest_op_detach(struct rest_op *op, json_object *const *refs, size_t nrefs,
                           struct rg_fail *f)
{
    /* Random placeholders: no resource text can know them, so each occurs once, where we put it.
     * "urn:" references name no Patient, so the compartment is the same as with the final ones. */
    char u[UUID_STR_LEN], ph[UUID_STR_LEN + 40];
    if (uuid_v4(u) != 0) return rg_fail_set(f, RG_E_INTERNAL, NULL, "no random source");
    op->splices = calloc(nrefs + 1, sizeof *op->splices);
    op->order = calloc(nrefs + 1, sizeof *op->order);
    if (!op->splices || !op->order) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    op->nsplices = nrefs + 1;
    for (size_t k = 0; k < nrefs; k++) {
        snprintf(ph, sizeof ph, "urn:regie:%s:%zu", u, k);
        json_object_object_add(refs[k], "reference", json_object_new_string(ph));
    }
    if (op->late_compartment) compute_compartment(op);
    snprintf(ph, sizeof ph, "urn:regie:%s:v", u);
    set_meta_version(op, ph);
    size_t len = 0;
    const char *t = jsonx_text(op->resource, false, &len);
    if (!t) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    for (size_t k = 0; k < op->nsplices; k++) {
        if (k) snprintf(ph, sizeof ph, "urn:regie:%s:%zu", u, k - 1);
        op->order[k] = k;
        if (!find_placeholder(t, len, ph, &op->splices[k])) {
            log_bug("placeholder %zu is missing from the serialised resource", k);
            return rg_fail_set(f, RG_E_INTERNAL, NULL, "serialisation failure");
        }
    }
    qsort_r(op->order, op->nsplices, sizeof *op->order, by_offset, op->splices);
    op->text = malloc(len + 1);
    if (!op->text) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    memcpy(op->text, t, len + 1);
    op->text_len = len;
    op->resource = NULL; /* the index rows own their strings */
    return RG_OK;
}

/* The detached text with every placeholder replaced (caller frees). */
static char *detached_text(struct rest_op *op, size_t *len)
{
    snprintf(op->splices[0].value, sizeof op->splices[0].value, "%lld", (long long)op->version);
    size_t n = op->text_len;
    for (size_t k = 0; k < op->nsplices; k++)
        n = n - op->splices[k].len + strlen(op->splices[k].value);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t at = 0, from = 0;
    for (size_t k = 0; k < op->nsplices; k++) {
        const struct rest_splice *sp = &op->splices[op->order[k]];
        memcpy(out + at, op->text + from, sp->off - from);
        at += sp->off - from;
        size_t vl = strlen(sp->value);
        memcpy(out + at, sp->value, vl);
        at += vl;
        from = sp->off + sp->len;
    }
    memcpy(out + at, op->text + from, op->text_len - from);
    at += op->text_len - from;
    out[at] = '\0';
    *len = at;
    return out;
}

static enum rg_err run_matched(struct store *s, struct store_txn *tx, struct rest_op *op,
                               struct rg_fail *f)
{
    struct store_row row = {0};
    enum store_rc src = s->ops->tx_current(tx, op->type, op->id, op->want_existing, &row);
    if (src != STORE_OK) return rest_store_fail(src, "reading the matched resource", f);
    op->version = row.version;
    memcpy(op->last_updated, row.last_updated, sizeof op->last_updated);
    op->existing = row.json;
    row.json = NULL;
    op->status = 200;
    return RG_OK;
}

enum rg_err rest_op_run(struct store *s, struct store_txn *tx, struct rest_op *op,
                        struct rg_fail *f)
{
    if (op->matched) return run_matched(s, tx, op, f);
    if (op->noop) {
        op->status = 204;
        return RG_OK;
    }
    struct store_row cur = {0};
    bool exists = false, deleted = false;
    if (op->method != REST_POST) {
        enum store_rc src = s->ops->tx_current(tx, op->type, op->id, false, &cur);
        if (src != STORE_OK && src != STORE_NONE) return rest_store_fail(src, "tx_current", f);
        exists = src == STORE_OK;
        deleted = exists && cur.deleted;
    }
    if (op->if_match) {
        if (!exists || deleted)
            return rg_fail_set(f, RG_E_VERSION_CONFLICT, NULL,
                               "If-Match names version %lld but %s/%s %s", (long long)op->if_match,
                               op->type, op->id, exists ? "is deleted" : "does not exist");
        if (cur.version != op->if_match)
            return rg_fail_set(f, RG_E_VERSION_CONFLICT, NULL,
                               "If-Match names version %lld but the current version is %lld",
                               (long long)op->if_match, (long long)cur.version);
    }
    struct store_put p = {.type = op->type, .id = op->id, .last_updated = op->last_updated};
    char *owned = NULL;
    if (op->method == REST_DELETE) {
        if (!exists || deleted) {
            op->noop = true;
            op->status = 204;
            return RG_OK;
        }
        op->version = p.version = cur.version + 1;
        p.deleted = true;
        op->status = 204;
    } else {
        op->version = p.version = exists ? cur.version + 1 : 1;
        op->status = exists && !deleted ? 200 : 201;
        size_t len = 0;
        if (!op->resource && op->text) {
            owned = detached_text(op, &len);
            p.json = owned;
        } else {
            if (op->late_compartment) compute_compartment(op);
            set_meta(op);
            p.json = jsonx_text(op->resource, false, &len);
        }
        if (!p.json) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
        p.json_len = len;
        p.compartment = op->has_compartment ? op->compartment : NULL;
        p.ix = op->ix.rows;
        p.nix = op->ix.n;
    }
    enum store_rc src = s->ops->tx_put(tx, &p);
    free(owned);
    if (src != STORE_OK) return rest_store_fail(src, "tx_put", f);
    return RG_OK;
}

void rest_op_clear(struct rest_op *op)
{
    search_rows_clear(&op->ix);
    free(op->ixfix);
    op->ixfix = NULL;
    op->nixfix = 0;
    free(op->existing);
    op->existing = NULL;
    free(op->text);
    op->text = NULL;
    free(op->splices);
    op->splices = NULL;
    free(op->order);
    op->order = NULL;
    op->nsplices = 0;
}

struct one {
    struct store *s;
    struct rest_op *op;
    struct rg_fail *f;
    enum rg_err e;
};

static int one_unit(struct store_txn *tx, void *ctx)
{
    struct one *o = ctx;
    o->e = rest_op_resolve(o->s, tx, o->op, o->f);
    if (o->e == RG_OK) o->e = rest_op_run(o->s, tx, o->op, o->f);
    return o->e != RG_OK;
}

enum rg_err rest_op_write(struct rest_ctx *rc, struct rest_op *op, struct rg_fail *f)
{
    struct one o = {.s = rc->store, .op = op, .f = f, .e = RG_OK};
    enum store_rc src = rc->store->ops->write(rc->store, one_unit, &o);
    if (src == STORE_OK) return RG_OK;
    if (src == STORE_NONE && o.e != RG_OK) return o.e;
    if (o.e == RG_E_INTERNAL) return o.e; /* already logged */
    return rest_store_fail(src, "write", f);
}
