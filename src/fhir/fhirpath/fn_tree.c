/* FHIRPath utility and tree functions: trace, aggregate, children, descendants,
 * hasValue, and the FHIR additions extension, resolve, memberOf, htmlChecks. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir/fhirpath/fn_internal.h"
#include "fhir/model.h"
#include "json/jsonx.h"

/* ---- utility and tree ---- */

void fpf_trace(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) fpf_push(f, f->in->v[i]);
}

void fpf_aggregate(struct fctx *f)
{
    struct fp_coll total = {0};
    if (f->n->n_kids > 1) total = fpf_arg(f, 1);
    struct fp_coll *saved = f->c->total;
    for (size_t i = 0; i < f->in->n; i++) {
        f->c->total = &total;
        total = fpf_eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
    }
    f->c->total = saved;
    for (size_t i = 0; i < total.n; i++) fpf_push(f, total.v[i]);
}

void fpf_children(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) fp_children(f->c, f->in->v[i], &f->out);
}

void fpf_descendants(struct fctx *f)
{
    struct fp_coll work = *f->in;
    for (int depth = 0; work.n && depth < 128; depth++) {
        struct fp_coll next = {0};
        for (size_t i = 0; i < work.n; i++) fp_children(f->c, work.v[i], &next);
        for (size_t i = 0; i < next.n; i++) fpf_push(f, next.v[i]);
        work = next;
    }
}

void fpf_hasValue(struct fctx *f)
{
    fpf_push_bool(f, f->in->n == 1 && f->in->v[0]->kind != FP_NODE);
}

void fpf_extension(struct fctx *f)
{
    const char *url = fpf_arg_str(f, 0);
    if (!url) return;
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll exts = {0};
        fp_member(f->c, f->in->v[i], "extension", &exts);
        for (size_t j = 0; j < exts.n; j++) {
            const char *u = jsonx_get_str(exts.v[j]->node, "url");
            if (u && !strcmp(u, url)) fpf_push(f, exts.v[j]);
        }
    }
}

static json_object *find_resource(struct fp_ctx *c, const char *ref)
{
    json_object *root = c->resource;
    if (ref[0] == '#') {
        json_object *cont = jsonx_get(root, "contained");
        size_t n = cont ? json_object_array_length(cont) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *r = json_object_array_get_idx(cont, i);
            const char *id = jsonx_get_str(r, "id");
            if (id && !strcmp(id, ref + 1)) return r;
        }
        return NULL;
    }
    json_object *entries = jsonx_get(root, "entry");
    size_t n =
        json_object_get_type(entries) == json_type_array ? json_object_array_length(entries) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        const char *full = jsonx_get_str(e, "fullUrl");
        json_object *r = jsonx_get(e, "resource");
        if (!r) continue;
        if (full && !strcmp(full, ref)) return r;
        const char *rt = jsonx_get_str(r, "resourceType"), *id = jsonx_get_str(r, "id");
        char tmp[512];
        if (rt && id) {
            snprintf(tmp, sizeof(tmp), "%s/%s", rt, id);
            size_t tl = strlen(tmp), rl = strlen(ref);
            if (!strcmp(tmp, ref) ||
                (rl > tl && ref[rl - tl - 1] == '/' && !strcmp(ref + rl - tl, tmp)))
                return r;
        }
    }
    return NULL;
}

/* A reference that is not in the resource itself ("Patient/123", "http://x/fhir/Patient/123",
 * either with "/_history/2") resolves to a stub {"resourceType": "Patient", "id": "123"}: the
 * engine cannot fetch the target, but its type is known from the reference, which is what the
 * search parameters' `subject.where(resolve() is Patient)` ask. NULL when ref names no type. */
static json_object *stub_resource(struct fp_ctx *c, const char *ref)
{
    size_t len = strlen(ref);
    const char *hist = strstr(ref, "/_history/");
    if (hist) len = (size_t)(hist - ref);
    size_t id_start = len;
    while (id_start > 0 && ref[id_start - 1] != '/') id_start--;
    if (id_start < 2 || len - id_start < 1 || len - id_start > 64) return NULL;
    size_t type_start = id_start - 1;
    while (type_start > 0 && ref[type_start - 1] != '/') type_start--;
    char type[64], id[65];
    size_t tl = id_start - 1 - type_start;
    if (tl == 0 || tl >= sizeof type) return NULL;
    memcpy(type, ref + type_start, tl);
    type[tl] = 0;
    memcpy(id, ref + id_start, len - id_start);
    id[len - id_start] = 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.') return NULL;
    if (!fhir_is_resource_type(type)) return NULL;
    json_object *stub = json_object_new_object();
    if (!stub) return NULL;
    json_object_object_add(stub, "resourceType", json_object_new_string(type));
    json_object_object_add(stub, "id", json_object_new_string(id));
    return fp_own(c, stub);
}

void fpf_resolve(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_item *it = f->in->v[i];
        const char *ref = it->kind == FP_STR    ? it->s
                          : it->kind == FP_NODE ? jsonx_get_str(it->node, "reference")
                                                : NULL;
        json_object *r = ref ? find_resource(f->c, ref) : NULL;
        if (!r && ref && ref[0] != '#') r = stub_resource(f->c, ref);
        if (r) fpf_push(f, fp_wrap_json(f->c, r, NULL, NULL, FHIR_K_RESOURCE));
    }
}

void fpf_memberOf(struct fctx *f)
{
    (void)f; /* no terminology service: the answer is unknown, so empty */
}

void fpf_htmlChecks(struct fctx *f)
{
    fpf_push_bool(f, true);
}
