/* The batch/transaction engine, second half: the write unit (in FHIR's order: DELETE, then POST,
 * then PUT; conditions and conditional references resolved inside the unit), the reads, and the
 * response Bundle in the entries' original order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "rest/bundle.h"
#include "util/log.h"

struct unit {
    struct bundle *b;
    struct store_txn *tx;
    enum rg_err hard; /* a store failure: the whole unit is lost */
    struct rg_fail hard_fail;
};

/* Records entry i's failure; returns true when the unit must stop (transaction, or a store
 * failure). */
static bool entry_failed(struct unit *u, size_t i, struct rg_fail *f)
{
    if (f->code == RG_E_INTERNAL || f->code == RG_E_UNAVAILABLE) {
        u->hard = f->code;
        u->hard_fail = *f;
        return true;
    }
    bundle_entry_fail(u->b, i, f, NULL);
    return u->b->tx;
}

static bool live(const struct bentry *be, enum bphase phase)
{
    return be->phase == phase && !be->failed;
}

/* A conditional update or delete resolved to a resource another entry also writes: the outcome
 * would depend on processing order, which FHIR forbids. Call after rest_op_resolve. */
static enum rg_err claim_target(struct unit *u, size_t i, struct rg_fail *f)
{
    struct bentry *be = &u->b->e[i];
    if (!be->op.by_cond || be->op.noop || be->op.matched) return RG_OK;
    snprintf(be->key, sizeof be->key, "%s/%s", be->op.type, be->op.id);
    int r = rest_strmap_put(&u->b->targets, be->key, i);
    if (r == 0) return RG_OK;
    if (r < 0) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    return rg_fail_set(f, RG_E_DUPLICATE, NULL, "%s is also written by another entry", be->key);
}

static enum rg_err resolve_cref(struct unit *u, struct bcref *c, struct rg_fail *f)
{
    if (!c->done) {
        struct store *s = u->b->rc->store;
        char ids[2][STORE_ID_MAX];
        size_t found = 0;
        enum store_rc src = s->ops->tx_find(u->tx, c->type, c->cond.c, c->cond.n, ids, 2, &found);
        c->done = true;
        if (src != STORE_OK && src != STORE_NONE) {
            c->err = rest_store_fail(src, "conditional reference", &c->fail);
        } else if (src == STORE_NONE || found == 0) {
            c->err = rg_fail_set(&c->fail, RG_E_UNRESOLVED_REFERENCE, NULL,
                                 "%.200s matches no resource", c->text);
        } else if (found > 1) {
            c->err = rg_fail_set(&c->fail, RG_E_CONDITIONAL_MULTIPLE, NULL,
                                 "%.200s matches more than one resource", c->text);
        } else {
            memcpy(c->id, ids[0], sizeof c->id);
            c->err = RG_OK;
        }
    }
    if (c->err != RG_OK) *f = c->fail;
    return c->err;
}

/* A detached entry's k-th reference is a placeholder in its text; others are in its tree. */
static void set_fix(struct bentry *be, size_t k, const struct bfix *x, const char *type,
                    const char *id)
{
    rest_op_fix_ref(&be->op, k, type, id);
    if (be->op.text) {
        struct rest_splice *sp = &be->op.splices[1 + k];
        snprintf(sp->value, sizeof sp->value, "%s/%s", type, id);
    } else {
        rest_ref_set(x->holder, type, id);
    }
}

static enum rg_err apply_fixes(struct unit *u, struct bentry *be, struct rg_fail *f)
{
    struct bundle *b = u->b;
    for (size_t k = 0; k < be->nfix; k++) {
        struct bfix *x = &b->fix[be->fix_first + k];
        if (x->cond) {
            struct bcref *c = b->cref[x->target];
            if (resolve_cref(u, c, f) != RG_OK) return f->code;
            set_fix(be, k, x, c->type, c->id);
        } else {
            struct bentry *t = &b->e[x->target];
            if (t->failed)
                return rg_fail_set(f, RG_E_UNRESOLVED_REFERENCE, NULL,
                                   "the referenced entry %zu failed", x->target);
            set_fix(be, k, x, t->op.type, t->op.id);
        }
    }
    return RG_OK;
}

static int unit_fn(struct store_txn *tx, void *ctx)
{
    struct unit *u = ctx;
    u->tx = tx;
    struct bundle *b = u->b;
    struct store *s = b->rc->store;
    struct rg_fail f;
    /* Deletes first, each resolved and run in entry order. */
    for (size_t i = 0; i < b->n; i++) {
        struct bentry *be = &b->e[i];
        if (!live(be, BPHASE_DELETE)) continue;
        f = (struct rg_fail){0};
        if ((rest_op_resolve(s, tx, &be->op, &f) != RG_OK || claim_target(u, i, &f) != RG_OK ||
             rest_op_run(s, tx, &be->op, &f) != RG_OK) &&
            entry_failed(u, i, &f))
            return 1;
    }
    /* Then every condition that decides an id, so references to those entries can be set. */
    for (size_t i = 0; i < b->n; i++) {
        struct bentry *be = &b->e[i];
        if (!(live(be, BPHASE_POST) || live(be, BPHASE_PUT)) || !be->op.by_cond) continue;
        f = (struct rg_fail){0};
        be->op.want_existing = b->ret == REST_RETURN_REPRESENTATION;
        if ((rest_op_resolve(s, tx, &be->op, &f) != RG_OK || claim_target(u, i, &f) != RG_OK) &&
            entry_failed(u, i, &f))
            return 1;
    }
    for (enum bphase ph = BPHASE_POST; ph <= BPHASE_PUT; ph++) {
        for (size_t i = 0; i < b->n; i++) {
            struct bentry *be = &b->e[i];
            if (!live(be, ph)) continue;
            f = (struct rg_fail){0};
            if ((apply_fixes(u, be, &f) != RG_OK || rest_op_run(s, tx, &be->op, &f) != RG_OK) &&
                entry_failed(u, i, &f))
                return 1;
        }
    }
    return 0;
}

static void run_get(struct bundle *b, size_t i)
{
    struct bentry *be = &b->e[i];
    struct store *s = b->rc->store;
    struct rg_fail f = {0};
    enum store_rc src = be->url.kind == REST_URL_VERSION
                            ? s->ops->vread(s, be->url.type, be->url.id, be->url.version, &be->row)
                            : s->ops->read(s, be->url.type, be->url.id, &be->row);
    if (src == STORE_NONE)
        rg_fail_set(&f, RG_E_NOT_FOUND, NULL, "%s/%s is not known", be->url.type, be->url.id);
    else if (src != STORE_OK)
        rest_store_fail(src, "read", &f);
    else if (be->row.deleted)
        rg_fail_set(&f, RG_E_GONE, NULL, "%s/%s was deleted", be->url.type, be->url.id);
    else
        return;
    /* Reads come after the commit, so even in a transaction they cannot undo it. */
    be->failed = true;
    snprintf(f.expression, sizeof f.expression, "Bundle.entry[%zu]", i);
    be->fail = f;
}

enum rg_err bundle_execute(struct bundle *b, struct rg_fail *f)
{
    bool writes = false;
    for (size_t i = 0; i < b->n && !writes; i++)
        writes = !b->e[i].failed && b->e[i].phase != BPHASE_GET;
    if (writes) {
        struct unit u = {.b = b, .hard = RG_OK};
        struct store *s = b->rc->store;
        enum store_rc src = s->ops->write(s, unit_fn, &u);
        if (u.hard != RG_OK) {
            *f = u.hard_fail;
            return u.hard;
        }
        if (b->failed) return b->fail.code; /* transaction undone */
        if (src != STORE_OK) return rest_store_fail(src, "Bundle write", f);
    }
    for (size_t i = 0; i < b->n; i++)
        if (live(&b->e[i], BPHASE_GET)) run_get(b, i);
    return RG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The response */

static json_object *jstr(const char *s)
{
    return json_object_new_string(s);
}

static json_object *parse_stored(const char *json, size_t len)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(json, len, REST_STORED_DEPTH, &je, NULL, 0);
    if (!v) log_bug("stored resource does not parse (jsonx error %d)", (int)je);
    return v;
}

static json_object *entry_response(struct bundle *b, struct bentry *be)
{
    json_object *e = json_object_new_object();
    json_object *rs = json_object_new_object();
    if (be->failed) {
        json_object_object_add(rs, "status", jstr(rest_status_text(rg_err_status(be->fail.code))));
        json_object_object_add(rs, "outcome", rg_outcome_from_fail(&be->fail));
        json_object_object_add(e, "response", rs);
        return e;
    }
    const struct rest_op *op = &be->op;
    char buf[STORE_TYPE_MAX + STORE_ID_MAX + 40];
    if (be->phase == BPHASE_GET) {
        json_object *r = parse_stored(be->row.json, be->row.json_len);
        if (r) json_object_object_add(e, "resource", r);
        json_object_object_add(rs, "status", jstr("200 OK"));
        snprintf(buf, sizeof buf, "W/\"%lld\"", (long long)be->row.version);
        json_object_object_add(rs, "etag", jstr(buf));
        json_object_object_add(rs, "lastModified", jstr(be->row.last_updated));
        json_object_object_add(e, "response", rs);
        return e;
    }
    if (b->ret == REST_RETURN_REPRESENTATION && be->phase != BPHASE_DELETE) {
        json_object *r =
            op->matched ? (op->existing ? parse_stored(op->existing, strlen(op->existing)) : NULL)
                        : json_object_get(op->resource);
        if (r) json_object_object_add(e, "resource", r);
    }
    json_object_object_add(rs, "status", jstr(rest_status_text(op->status)));
    if (op->version > 0 && be->phase != BPHASE_DELETE) {
        snprintf(buf, sizeof buf, "%s/%s/_history/%lld", op->type, op->id, (long long)op->version);
        json_object_object_add(rs, "location", jstr(buf));
    }
    if (op->version > 0) {
        snprintf(buf, sizeof buf, "W/\"%lld\"", (long long)op->version);
        json_object_object_add(rs, "etag", jstr(buf));
        json_object_object_add(rs, "lastModified", jstr(op->last_updated));
    }
    if (b->ret == REST_RETURN_OUTCOME)
        json_object_object_add(
            rs, "outcome",
            rg_outcome_info("information", "informational", rest_status_text(op->status)));
    json_object_object_add(e, "response", rs);
    return e;
}

json_object *bundle_response(struct bundle *b)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "resourceType", jstr("Bundle"));
    json_object_object_add(r, "type", jstr(b->tx ? "transaction-response" : "batch-response"));
    if (b->n) {
        json_object *entries = json_object_new_array_ext((int)b->n);
        for (size_t i = 0; i < b->n; i++)
            json_object_array_add(entries, entry_response(b, &b->e[i]));
        json_object_object_add(r, "entry", entries);
    }
    return r;
}
