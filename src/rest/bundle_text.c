/* The batch/transaction engine's text path: POST /fhir parses a Bundle one entry at a time
 * (jsonspan finds the entries' byte spans), keeps each prepared resource as text and frees its
 * tree, so a request's peak memory follows its largest entry, not the Bundle. Odd input falls
 * back to the whole-tree path in bundle.c, so every answer stays the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/negotiate.h"
#include "json/jsonspan.h"
#include "json/jsonx.h"
#include "rest/bundle.h"

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
        if (!b->failed) bundle_parse_entry(b, i, entry);
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

/* Pass 2 for a POST/PUT entry: references, validation, index rows, then (unless the unit must still
 * change the tree) the stored text with placeholders for the version and the references resolved
 * inside the unit. */
static void pass_prepare(struct bundle *b, size_t i, const char *text, struct jsonspan sp)
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
    if (bundle_plan_entry(b, i) == RG_OK && !be->failed && !b->failed) {
        if (keeps_tree(b, i)) {
            be->tree = entry;
            return;
        }
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
    bool ok = head && bundle_check_head(head, &tx, &hf) == RG_OK;
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
    for (size_t i = 0; i < b.n && !b.failed; i++) {
        struct bentry *be = &b.e[i];
        if (be->failed) continue;
        if (be->phase == BPHASE_POST || be->phase == BPHASE_PUT)
            pass_prepare(&b, i, text, d.elems[i]);
        else if (be->phase == BPHASE_DELETE)
            bundle_prepare_op(&b, i, f); /* cannot fail for a delete */
    }
    jsonspan_doc_free(&d);
    return bundle_finish(&b, response, f);
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
    int depth = req->json_depth > 0 ? req->json_depth : REST_BUNDLE_DEPTH;
    enum rg_err e;
    if (req->access) {
        /* A share answers with what was stored unless the PGO asked otherwise (MedMij). */
        size_t stored = 0;
        if (!prefer || !strcasestr(prefer, "return")) ret = REST_RETURN_REPRESENTATION;
        e = rest_share_run(rc, req->access, req->body, req->body_len, depth, ret, &resp, &stored,
                           &f);
        if (e == RG_OK) rest_note_stored(stored);
    } else {
        e = rest_bundle_run_text(rc, req->body, req->body_len, depth, ret, &resp, &f);
        const char *rt = e == RG_OK ? jsonx_get_str(resp, "type") : NULL;
        if (rt && !strcmp(rt, "transaction-response")) rest_note_action("transaction");
    }
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
