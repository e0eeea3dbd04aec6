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

void fpf_resolve(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_item *it = f->in->v[i];
        const char *ref = it->kind == FP_STR    ? it->s
                          : it->kind == FP_NODE ? jsonx_get_str(it->node, "reference")
                                                : NULL;
        json_object *r = ref ? find_resource(f->c, ref) : NULL;
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
