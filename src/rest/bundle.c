/* The batch/transaction engine, first half (the whole-tree path; bundle_text.c is the lean one):
 * checking the Bundle's shape and preparing every entry outside the store's write unit (ids,
 * reference rewriting plans, validation, index rows), so the single writer thread only runs store
 * calls and serialisation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "rest/bundle.h"
#include "util/buf.h"
#include "util/uuid.h"

/* The largest narrative div rewritten for placeholder links (FHIR strings stop at 1 MB). */
#define REST_NARRATIVE_MAX (1u << 20)

enum rg_err bundle_entry_fail(struct bundle *b, size_t i, struct rg_fail *f, const char *sub)
{
    char prefix[64];
    if (f->expression[0] && sub && !strcmp(sub, ".resource")) {
        snprintf(prefix, sizeof prefix, "Bundle.entry[%zu].resource", i);
        rg_fail_prefix(f, prefix);
    } else if (!f->expression[0] || f->code == RG_E_UNRESOLVED_REFERENCE) {
        snprintf(f->expression, sizeof f->expression, "Bundle.entry[%zu]%s", i, sub ? sub : "");
    } else {
        snprintf(prefix, sizeof prefix, "Bundle.entry[%zu].resource", i);
        rg_fail_prefix(f, prefix);
    }
    if (b->tx) {
        if (!b->failed) {
            b->failed = true;
            b->fail = *f;
        }
    } else {
        b->e[i].failed = true;
        b->e[i].fail = *f;
    }
    return f->code;
}

/* urn:uuid: and urn:oid: fullUrls stand for resources that get their id in this Bundle. */
static bool is_placeholder(const char *url)
{
    return !strncmp(url, "urn:uuid:", 9) || !strncmp(url, "urn:oid:", 8);
}

enum rg_err bundle_parse_entry(struct bundle *b, size_t i, json_object *entry)
{
    struct bentry *be = &b->e[i];
    struct rg_fail f = {0};
    json_object *req = jsonx_get(entry, "request");
    const char *method = jsonx_get_str(req, "method"), *url = jsonx_get_str(req, "url");
    if (!json_object_is_type(entry, json_type_object) || !method || !url) {
        rg_fail_set(&f, RG_E_BAD_BUNDLE, NULL, "an entry needs request.method and request.url");
        return bundle_entry_fail(b, i, &f, ".request");
    }
    be->resource = jsonx_get(entry, "resource");
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
        be->phase = BPHASE_GET;
        be->op.method = REST_GET;
    } else if (!strcmp(method, "POST")) {
        be->phase = BPHASE_POST;
        be->op.method = REST_POST;
    } else if (!strcmp(method, "PUT")) {
        be->phase = BPHASE_PUT;
        be->op.method = REST_PUT;
    } else if (!strcmp(method, "DELETE")) {
        be->phase = BPHASE_DELETE;
        be->op.method = REST_DELETE;
    } else {
        rg_fail_set(&f, RG_E_BAD_BUNDLE, NULL, "request.method %.16s is not supported", method);
        return bundle_entry_fail(b, i, &f, ".request.method");
    }
    if (rest_url_parse(b->rc, url, &be->url, &f) != RG_OK)
        return bundle_entry_fail(b, i, &f, ".request.url");
    struct rest_op *op = &be->op;
    memcpy(op->type, be->url.type, sizeof op->type);
    enum rest_url_kind k = be->url.kind;
    bool ok = be->phase == BPHASE_POST  ? k == REST_URL_TYPE
              : be->phase == BPHASE_GET ? k == REST_URL_INSTANCE || k == REST_URL_VERSION
                                        : k == REST_URL_INSTANCE || k == REST_URL_COND;
    if (!ok) {
        rg_fail_set(&f, be->phase == BPHASE_GET ? RG_E_BAD_QUERY : RG_E_BAD_BUNDLE, NULL,
                    "request.url %.100s does not fit method %s", url, method);
        return bundle_entry_fail(b, i, &f, ".request.url");
    }
    if (k == REST_URL_INSTANCE) memcpy(op->id, be->url.id, sizeof op->id);
    if (k == REST_URL_COND) {
        op->by_cond = true;
        if (rest_cond_parse(be->url.query, strlen(be->url.query), &op->cond, &f) != RG_OK)
            return bundle_entry_fail(b, i, &f, ".request.url");
    }
    const char *ine = jsonx_get_str(req, "ifNoneExist");
    if (ine && be->phase == BPHASE_POST) {
        op->by_cond = true;
        if (rest_cond_parse(ine, strlen(ine), &op->cond, &f) != RG_OK)
            return bundle_entry_fail(b, i, &f, ".request.ifNoneExist");
    }
    const char *im = jsonx_get_str(req, "ifMatch");
    if (im && (be->phase == BPHASE_PUT || be->phase == BPHASE_DELETE) &&
        !rest_parse_etag(im, &op->if_match)) {
        rg_fail_set(&f, RG_E_BAD_ETAG, NULL, "ifMatch must look like W/\"3\"");
        return bundle_entry_fail(b, i, &f, ".request.ifMatch");
    }
    if (be->phase == BPHASE_POST || be->phase == BPHASE_PUT) {
        if (!json_object_is_type(be->resource, json_type_object)) {
            rg_fail_set(&f, RG_E_NOT_RESOURCE, NULL, "a %s entry needs a resource", method);
            return bundle_entry_fail(b, i, &f, ".resource");
        }
        op->resource = be->resource;
    }
    if (be->phase == BPHASE_POST) {
        char u[UUID_STR_LEN];
        if (uuid_v4(u) != 0) {
            rg_fail_set(&f, RG_E_INTERNAL, NULL, "no random source");
            return bundle_entry_fail(b, i, &f, NULL);
        }
        memcpy(op->id, u, sizeof u);
    }
    /* Two entries writing the same resource: the result would depend on processing order. */
    if (k == REST_URL_INSTANCE && be->phase != BPHASE_GET) {
        snprintf(be->key, sizeof be->key, "%s/%s", op->type, op->id);
        int r = rest_strmap_put(&b->targets, be->key, i);
        if (r != 0) {
            rg_fail_set(&f, r > 0 ? RG_E_DUPLICATE : RG_E_INTERNAL, NULL,
                        "%s appears in more than one entry", be->key);
            return bundle_entry_fail(b, i, &f, NULL);
        }
    }
    const char *full = jsonx_get_str(entry, "fullUrl");
    /* Every fullUrl of a written entry names it: urn:uuid:/urn:oid: placeholders, and absolute
     * URLs too (FHIR transaction rules: references to an entry's fullUrl become Type/id). */
    if (full && (is_placeholder(full) || strstr(full, "://")) &&
        (be->phase == BPHASE_POST || be->phase == BPHASE_PUT)) {
        if (b->own_urls) {
            be->full = strdup(full);
            if (!be->full) {
                rg_fail_set(&f, RG_E_INTERNAL, NULL, "out of memory");
                return bundle_entry_fail(b, i, &f, NULL);
            }
            full = be->full;
        }
        int r = rest_strmap_put(&b->urls, full, i);
        if (r != 0) {
            rg_fail_set(&f, r > 0 ? RG_E_DUPLICATE : RG_E_INTERNAL, NULL,
                        "fullUrl %.100s appears in more than one entry", full);
            return bundle_entry_fail(b, i, &f, ".fullUrl");
        }
    }
    return RG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Reference plans */

struct refwalk {
    struct bundle *b;
    size_t i;
    struct rg_fail f;
};

static int add_fix(struct bundle *b, json_object *holder, size_t target, bool cond)
{
    if (b->nfix == b->capfix) {
        size_t cap = b->capfix ? b->capfix * 2 : 64;
        struct bfix *nf = realloc(b->fix, cap * sizeof *nf);
        if (!nf) return -1;
        b->fix = nf;
        b->capfix = cap;
    }
    b->fix[b->nfix++] = (struct bfix){holder, target, cond};
    return 0;
}

static int cond_ref(struct refwalk *w, json_object *holder, const char *ref, const char *q)
{
    struct bundle *b = w->b;
    size_t k;
    if (!rest_strmap_get(&b->crefs, ref, &k)) {
        size_t tl = (size_t)(q - ref);
        if (tl >= STORE_TYPE_MAX) {
            rg_fail_set(&w->f, RG_E_BAD_REFERENCE, NULL, "reference %.100s: bad type", ref);
            return 1;
        }
        if (b->ncref == b->capcref) {
            size_t cap = b->capcref ? b->capcref * 2 : 8;
            struct bcref **nc = realloc(b->cref, cap * sizeof *nc);
            if (!nc) return -1;
            b->cref = nc;
            b->capcref = cap;
        }
        struct bcref *c = calloc(1, sizeof *c);
        if (!c) return -1;
        b->cref[b->ncref] = c;
        memcpy(c->type, ref, tl);
        c->type[tl] = '\0';
        k = b->ncref++;
        if (!fhir_is_resource_type(c->type)) {
            rg_fail_set(&w->f, RG_E_UNRESOLVED_REFERENCE, NULL,
                        "reference %.100s: unknown resource type", ref);
            return 1;
        }
        if (rest_cond_parse(q + 1, strlen(q + 1), &c->cond, &w->f) != RG_OK) return 1;
        c->text = strdup(ref);
        if (!c->text) return -1;
        if (rest_strmap_put(&b->crefs, c->text, k) < 0) return -1;
    }
    return add_fix(b, holder, k, true);
}

static int plan_ref(void *ctx, json_object *holder, const char *ref)
{
    struct refwalk *w = ctx;
    struct bundle *b = w->b;
    const char *q;
    bool placeholder = is_placeholder(ref);
    size_t j;
    if (placeholder || (strstr(ref, "://") && rest_strmap_get(&b->urls, ref, &j))) {
        if (!rest_strmap_get(&b->urls, ref, &j) || b->e[j].failed) {
            rg_fail_set(&w->f, RG_E_UNRESOLVED_REFERENCE, NULL,
                        "%.100s names no resource written by this Bundle", ref);
            return 1;
        }
        const struct rest_op *t = &b->e[j].op;
        /* Known now unless the target's id is decided by a condition inside the unit. */
        if (t->by_cond) return add_fix(b, holder, j, false);
        rest_ref_set(holder, t->type, t->id);
        return 0;
    }
    if (rest_ref_is_conditional(ref, &q)) return cond_ref(w, holder, ref, q);
    return 0;
}

/* FHIR transaction rules also rewrite placeholder links in the narrative (<a href="urn:uuid:...">).
 * A placeholder in the div that names a written entry whose id is known now becomes Type/id;
 * one whose id a condition decides later, or that names nothing, is left as written. */
static int rewrite_narrative(struct bundle *b, json_object *resource)
{
    json_object *text = jsonx_get(resource, "text");
    const char *div = jsonx_get_str(text, "div");
    if (!div || !strstr(div, "urn:")) return 0;
    struct buf out;
    buf_init(&out, REST_NARRATIVE_MAX);
    bool changed = false;
    const char *p = div;
    for (const char *u; (u = strstr(p, "urn:"));) {
        size_t n = strcspn(u, "\"'<> \t\r\n");
        char key[256];
        size_t j;
        buf_append(&out, p, (size_t)(u - p));
        if (n < sizeof key) {
            memcpy(key, u, n);
            key[n] = '\0';
        } else {
            key[0] = '\0';
        }
        if (key[0] && is_placeholder(key) && rest_strmap_get(&b->urls, key, &j) &&
            !b->e[j].failed && !b->e[j].op.by_cond) {
            buf_printf(&out, "%s/%s", b->e[j].op.type, b->e[j].op.id);
            changed = true;
        } else {
            buf_append(&out, u, n ? n : 4);
        }
        p = u + (n ? n : 4);
    }
    buf_append_str(&out, p);
    if (out.overflowed) return -1;
    if (changed)
        json_object_object_add(text, "div", json_object_new_string_len(out.data, (int)out.len));
    buf_free(&out);
    return 0;
}

enum rg_err bundle_plan_entry(struct bundle *b, size_t i)
{
    struct bentry *be = &b->e[i];
    struct refwalk w = {.b = b, .i = i};
    be->fix_first = b->nfix;
    int rc = rest_refs_walk(be->resource, plan_ref, &w);
    if (!rc) rc = rewrite_narrative(b, be->resource);
    be->nfix = b->nfix - be->fix_first;
    if (rc < 0) rg_fail_set(&w.f, RG_E_INTERNAL, NULL, "out of memory");
    if (rc) return bundle_entry_fail(b, i, &w.f, ".resource");
    /* References the unit decides get a typed placeholder, so the index rows know their type. */
    for (size_t k = 0; k < be->nfix; k++) {
        const struct bfix *x = &b->fix[be->fix_first + k];
        rest_ref_set_fix(x->holder, x->cond ? b->cref[x->target]->type : b->e[x->target].op.type,
                         k);
    }
    be->op.late_compartment = be->nfix > 0;
    if (bundle_prepare_op(b, i, &w.f) != RG_OK) return bundle_entry_fail(b, i, &w.f, ".resource");
    return RG_OK;
}

enum rg_err bundle_prepare_op(struct bundle *b, size_t i, struct rg_fail *f)
{
    memcpy(b->e[i].op.last_updated, b->now, FHIRTIME_INSTANT_LEN);
    return rest_op_prepare(&b->e[i].op, f);
}

/* ---------------------------------------------------------------------------------------------
 * The engine */

void bundle_free(struct bundle *b)
{
    for (size_t i = 0; i < b->n; i++) {
        rest_op_clear(&b->e[i].op);
        store_row_clear(&b->e[i].row);
        if (b->e[i].tree) json_object_put(b->e[i].tree);
        free(b->e[i].full);
    }
    free(b->e);
    free(b->fix);
    for (size_t k = 0; k < b->ncref; k++) {
        free(b->cref[k]->text);
        free(b->cref[k]);
    }
    free(b->cref);
    rest_strmap_free(&b->urls);
    rest_strmap_free(&b->targets);
    rest_strmap_free(&b->crefs);
}

/* Checks resourceType and type; sets *tx. */
enum rg_err bundle_check_head(json_object *bundle, bool *tx, struct rg_fail *f)
{
    const char *rt = jsonx_get_str(bundle, "resourceType");
    if (!rt || strcmp(rt, "Bundle") != 0)
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "POST to the base takes a Bundle");
    const char *type = jsonx_get_str(bundle, "type");
    if (!type || (strcmp(type, "transaction") != 0 && strcmp(type, "batch") != 0))
        return rg_fail_set(f, RG_E_BAD_BUNDLE, "Bundle.type",
                           "Bundle.type must be transaction or batch, not %.32s",
                           type ? type : "(missing)");
    *tx = !strcmp(type, "transaction");
    return RG_OK;
}

enum rg_err bundle_init(struct bundle *b, struct rest_ctx *rc, bool tx, enum rest_return ret,
                        size_t n, struct rg_fail *f)
{
    *b = (struct bundle){.rc = rc, .tx = tx, .ret = ret, .n = n};
    fhirtime_now(b->now);
    b->e = calloc(n ? n : 1, sizeof *b->e);
    if (!b->e || rest_strmap_init(&b->urls, n) != 0 || rest_strmap_init(&b->targets, n) != 0 ||
        rest_strmap_init(&b->crefs, 16) != 0) {
        bundle_free(b);
        return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    }
    return RG_OK;
}

/* After the entries are prepared: the write unit, the reads, the response. Frees b. */
enum rg_err bundle_finish(struct bundle *b, json_object **response, struct rg_fail *f)
{
    enum rg_err e = b->failed ? RG_E_TX_ENTRY : bundle_execute(b, f);
    if (b->failed) {
        *f = b->fail;
        e = f->code;
    } else if (e == RG_OK) {
        *response = bundle_response(b);
    }
    bundle_free(b);
    return e;
}

enum rg_err rest_bundle_run(struct rest_ctx *rc, json_object *bundle, enum rest_return ret,
                            json_object **response, struct rg_fail *f)
{
    *response = NULL;
    bool tx = false;
    if (bundle_check_head(bundle, &tx, f) != RG_OK) return f->code;
    json_object *entries = jsonx_get(bundle, "entry");
    if (entries && !json_object_is_type(entries, json_type_array))
        return rg_fail_set(f, RG_E_BAD_BUNDLE, "Bundle.entry", "Bundle.entry must be an array");
    size_t n = entries ? json_object_array_length(entries) : 0;
    if (n > rc->bundle_entries_max)
        return rg_fail_set(f, RG_E_TOO_MANY, "Bundle.entry",
                           "%zu entries; at most %zu are accepted in one Bundle", n,
                           rc->bundle_entries_max);
    struct bundle b;
    if (bundle_init(&b, rc, tx, ret, n, f) != RG_OK) return f->code;
    for (size_t i = 0; i < n && !b.failed; i++)
        bundle_parse_entry(&b, i, json_object_array_get_idx(entries, i));
    for (size_t i = 0; i < n && !b.failed; i++) {
        struct bentry *be = &b.e[i];
        if (be->failed) continue;
        if (be->phase == BPHASE_POST || be->phase == BPHASE_PUT)
            bundle_plan_entry(&b, i);
        else if (be->phase == BPHASE_DELETE)
            bundle_prepare_op(&b, i, f); /* cannot fail for a delete */
    }
    return bundle_finish(&b, response, f);
}

enum rg_err rest_process_bundle(struct rest_ctx *rc, json_object *bundle, json_object **response,
                                struct rg_fail *f)
{
    return rest_bundle_run(rc, bundle, REST_RETURN_MINIMAL, response, f);
}
