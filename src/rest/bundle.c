/* The batch/transaction engine, first half: checking the Bundle's shape and preparing every entry
 * outside the store's write unit (ids, reference rewriting plans, validation, tokens), so the
 * single writer thread only runs store calls and serialisation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "http/negotiate.h"
#include "json/jsonspan.h"
#include "json/jsonx.h"
#include "rest/bundle.h"
#include "util/buf.h"
#include "util/log.h"
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

static enum rg_err parse_entry(struct bundle *b, size_t i, json_object *entry)
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

static enum rg_err plan_entry(struct bundle *b, size_t i)
{
    struct bentry *be = &b->e[i];
    struct refwalk w = {.b = b, .i = i};
    be->fix_first = b->nfix;
    int rc = rest_refs_walk(be->resource, plan_ref, &w);
    if (!rc) rc = rewrite_narrative(b, be->resource);
    be->nfix = b->nfix - be->fix_first;
    if (rc < 0) rg_fail_set(&w.f, RG_E_INTERNAL, NULL, "out of memory");
    if (rc) return bundle_entry_fail(b, i, &w.f, ".resource");
    be->op.late_compartment = be->nfix > 0;
    if (rest_op_prepare(&be->op, &w.f) != RG_OK) return bundle_entry_fail(b, i, &w.f, ".resource");
    return RG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The engine */

static void bundle_free(struct bundle *b)
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
static enum rg_err check_head(json_object *bundle, bool *tx, struct rg_fail *f)
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

static enum rg_err bundle_init(struct bundle *b, struct rest_ctx *rc, bool tx, enum rest_return ret,
                               size_t n, struct rg_fail *f)
{
    *b = (struct bundle){.rc = rc, .tx = tx, .ret = ret, .n = n};
    b->e = calloc(n ? n : 1, sizeof *b->e);
    if (!b->e || rest_strmap_init(&b->urls, n) != 0 || rest_strmap_init(&b->targets, n) != 0 ||
        rest_strmap_init(&b->crefs, 16) != 0) {
        bundle_free(b);
        return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
    }
    return RG_OK;
}

/* After the entries are prepared: the write unit, the reads, the response. Frees b. */
static enum rg_err bundle_finish(struct bundle *b, const char *now, json_object **response,
                                 struct rg_fail *f)
{
    /* One instant for the whole Bundle: a transaction's versions appear together in history. */
    for (size_t i = 0; i < b->n; i++) memcpy(b->e[i].op.last_updated, now, FHIRTIME_INSTANT_LEN);
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
    if (check_head(bundle, &tx, f) != RG_OK) return f->code;
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
        parse_entry(&b, i, json_object_array_get_idx(entries, i));
    for (size_t i = 0; i < n && !b.failed; i++) {
        struct bentry *be = &b.e[i];
        if (be->failed) continue;
        if (be->phase == BPHASE_POST || be->phase == BPHASE_PUT)
            plan_entry(&b, i);
        else if (be->phase == BPHASE_DELETE)
            rest_op_prepare(&be->op, f); /* sets the instant; cannot fail for a delete */
    }
    char now[FHIRTIME_INSTANT_LEN];
    fhirtime_now(now);
    return bundle_finish(&b, now, response, f);
}

enum rg_err rest_process_bundle(struct rest_ctx *rc, json_object *bundle, json_object **response,
                                struct rg_fail *f)
{
    return rest_bundle_run(rc, bundle, REST_RETURN_MINIMAL, response, f);
}

/* ---------------------------------------------------------------------------------------------
 * The text path: a Bundle's entries parsed one at a time, so memory follows the largest entry,
 * not the whole Bundle. Anything unusual (and every JSON error) takes the tree path over the
 * whole text, which answers exactly as before. */

/* The tree path over text, with the HTTP layer's answers for text that is not a JSON object. */
static enum rg_err run_tree(struct rest_ctx *rc, const char *text, size_t len, int depth,
                            enum rest_return ret, json_object **response, struct rg_fail *f)
{
    enum jsonx_err je;
    char msg[200];
    msg[0] = '\0';
    json_object *v = jsonx_parse(text, len, depth, &je, msg, sizeof msg);
    if (!v) {
        enum rg_err code = je == JSONX_DEPTH       ? RG_E_JSON_DEPTH
                           : je == JSONX_UTF8      ? RG_E_NOT_UTF8
                           : je == JSONX_TOO_LARGE ? RG_E_BODY_TOO_LARGE
                                                   : RG_E_JSON_SYNTAX;
        return rg_fail_set(f, code, NULL, "%s", msg);
    }
    if (!json_object_is_type(v, json_type_object)) {
        json_object_put(v);
        return rg_fail_set(f, RG_E_NOT_RESOURCE, NULL, "%s", "the body is JSON but not an object");
    }
    enum rg_err e = rest_bundle_run(rc, v, ret, response, f);
    json_object_put(v);
    return e;
}

/* Spans lie inside a text that nests at most the limit deep, so the limit holds for them too. */
static json_object *parse_span(const char *text, struct jsonspan sp)
{
    enum jsonx_err je;
    return jsonx_parse(text + sp.off, sp.len, REST_STORED_DEPTH, &je, NULL, 0);
}

/* The Bundle's members other than entry, as an object; NULL when one does not parse. */
static json_object *parse_head(const char *text, const struct jsonspan_doc *d)
{
    json_object *head = json_object_new_object();
    for (size_t m = 0; head && m < d->nmembers; m++) {
        if (m == d->array_member) continue;
        json_object *v = parse_span(text, d->val[m]);
        if (!v) {
            json_object_put(head);
            return NULL;
        }
        char key[JSONSPAN_KEY_MAX + 1];
        memcpy(key, text + d->key[m].off, d->key[m].len);
        key[d->key[m].len] = '\0';
        json_object_object_add(head, key, v);
    }
    return head;
}

/* Pass 1: every entry parsed (which also checks it is valid JSON), its request read, ids and
 * fullUrls assigned; its tree freed. Returns false when an entry is not valid JSON. */
static bool pass_requests(struct bundle *b, const char *text, const struct jsonspan_doc *d)
{
    for (size_t i = 0; i < b->n; i++) {
        json_object *entry = parse_span(text, d->elems[i]);
        if (!entry) return false;
        if (!b->failed) parse_entry(b, i, entry);
        json_object_put(entry);
        b->e[i].resource = NULL;
        b->e[i].op.resource = NULL;
    }
    return true;
}

/* Whether entry i's tree must stay for the unit: a condition decides its id (and a conditional
 * update changes its body), the response shows it, or a reference resolved inside the unit names
 * a Patient (which decides the compartment). */
static bool keeps_tree(const struct bundle *b, size_t i)
{
    const struct bentry *be = &b->e[i];
    if (be->op.by_cond || b->ret == REST_RETURN_REPRESENTATION) return true;
    for (size_t k = 0; k < be->nfix; k++) {
        const struct bfix *x = &b->fix[be->fix_first + k];
        const char *type = x->cond ? b->cref[x->target]->type : b->e[x->target].op.type;
        if (!strcmp(type, "Patient")) return true;
    }
    return false;
}

static enum rg_err detach(struct bundle *b, size_t i, struct rg_fail *f)
{
    struct bentry *be = &b->e[i];
    json_object **refs = NULL;
    if (be->nfix) {
        refs = malloc(be->nfix * sizeof *refs);
        if (!refs) return rg_fail_set(f, RG_E_INTERNAL, NULL, "out of memory");
        for (size_t k = 0; k < be->nfix; k++) {
            refs[k] = b->fix[be->fix_first + k].holder;
            b->fix[be->fix_first + k].holder = NULL; /* freed with the tree */
        }
    }
    enum rg_err e = rest_op_detach(&be->op, refs, be->nfix, f);
    free(refs);
    return e;
}

/* Pass 2 for a POST/PUT entry: references, validation, tokens, then (unless the unit must still
 * change the tree) the stored text with placeholders for the version and the references resolved
 * inside the unit. */
static void pass_prepare(struct bundle *b, size_t i, const char *text, struct jsonspan sp,
                         const char *now)
{
    struct bentry *be = &b->e[i];
    struct rg_fail f = {0};
    json_object *entry = parse_span(text, sp);
    if (!entry) {
        rg_fail_set(&f, RG_E_INTERNAL, NULL, "out of memory");
        bundle_entry_fail(b, i, &f, NULL);
        return;
    }
    be->resource = be->op.resource = jsonx_get(entry, "resource");
    if (plan_entry(b, i) == RG_OK && !be->failed && !b->failed) {
        if (keeps_tree(b, i)) {
            be->tree = entry;
            return;
        }
        memcpy(be->op.last_updated, now, FHIRTIME_INSTANT_LEN);
        if (detach(b, i, &f) != RG_OK) bundle_entry_fail(b, i, &f, NULL);
    }
    json_object_put(entry);
    be->resource = be->op.resource = NULL;
}

enum rg_err rest_bundle_run_text(struct rest_ctx *rc, const char *text, size_t len, int depth,
                                 enum rest_return ret, json_object **response, struct rg_fail *f)
{
    *response = NULL;
    struct jsonspan_doc d;
    /* Two levels of margin: the scanner and json-c need not count depth alike. */
    if (jsonspan_scan(text, len, "entry", rc->bundle_entries_max, depth - 2, &d) != JSONSPAN_OK)
        return run_tree(rc, text, len, depth, ret, response, f);
    json_object *head = parse_head(text, &d);
    bool tx = false;
    struct rg_fail hf = {0};
    bool ok = head && check_head(head, &tx, &hf) == RG_OK;
    if (head) json_object_put(head);
    struct bundle b;
    if (ok && bundle_init(&b, rc, tx, ret, d.nelems, f) != RG_OK) {
        jsonspan_doc_free(&d);
        return f->code;
    }
    if (ok) {
        b.own_urls = true;
        ok = pass_requests(&b, text, &d);
        if (!ok) bundle_free(&b);
    }
    if (!ok) {
        jsonspan_doc_free(&d);
        return run_tree(rc, text, len, depth, ret, response, f);
    }
    char now[FHIRTIME_INSTANT_LEN];
    fhirtime_now(now);
    for (size_t i = 0; i < b.n && !b.failed; i++) {
        struct bentry *be = &b.e[i];
        if (be->failed) continue;
        if (be->phase == BPHASE_POST || be->phase == BPHASE_PUT)
            pass_prepare(&b, i, text, d.elems[i], now);
        else if (be->phase == BPHASE_DELETE)
            rest_op_prepare(&be->op, f); /* sets the instant; cannot fail for a delete */
    }
    jsonspan_doc_free(&d);
    return bundle_finish(&b, now, response, f);
}

enum rg_err rest_process_bundle_text(struct rest_ctx *rc, const char *json, size_t len,
                                     json_object **response, struct rg_fail *f)
{
    return rest_bundle_run_text(rc, json, len, REST_BUNDLE_DEPTH, REST_RETURN_MINIMAL, response, f);
}

void rest_h_bundle(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    /* Unless return= is asked for, the response entries carry no resources: they can be large. */
    const char *prefer = http_header(req, "Prefer");
    enum rest_return ret =
        prefer && strcasestr(prefer, "return") ? rest_prefer_return(prefer) : REST_RETURN_MINIMAL;
    json_object *resp = NULL;
    struct rg_fail f = {0};
    /* The raw body, with the checks the HTTP layer makes for a JSON body. */
    if (!req->body_len) {
        http_reply_error(rep, RG_E_NOT_RESOURCE, "%s", "the request body is empty");
        return;
    }
    if (http_content_type(http_header(req, "Content-Type")) != HTTP_CT_JSON) {
        http_reply_error(rep, RG_E_MEDIA_TYPE, "%s",
                         "Content-Type must be application/fhir+json (or application/json), UTF-8");
        return;
    }
    enum rg_err e = rest_bundle_run_text(rc, req->body, req->body_len,
                                         req->json_depth > 0 ? req->json_depth : REST_BUNDLE_DEPTH,
                                         ret, &resp, &f);
    if (e == RG_OK) {
        http_reply_json(rep, 200, resp);
        json_object_put(resp);
        return;
    }
    int status = rg_err_status(e);
    if (status == 422) {
        /* A transaction fails as a whole with 400; the entry's own code stays in the details. */
        json_object *oo = rg_outcome_from_fail(&f);
        http_reply_json(rep, 400, oo);
        json_object_put(oo);
        rep->code = e;
        return;
    }
    rest_reply_fail(rep, &f);
}
