/* _include and _revinclude: the first round over the matches, then :iterate rounds over what the
 * previous round added. A resource already in the answer (a match or an earlier include) is not
 * added again, so a round that finds nothing new ends the loop. */
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "rest/search_run.h"
#include "util/log.h"

/* Seqs and targets go to the store in slices, so one statement stays within SQLite's variable
 * limit however large the page. */
#define INCLUDE_SLICE 500

struct inc_ctx {
    struct search_result *r;
    struct store *store; /* for the access check of a Binary's securityContext */
    bool outside_patient_compartment;
};

static bool included_full(struct search_result *r)
{
    if (r->n - r->nmatch < SEARCH_INCLUDED_MAX) return false;
    r->includes_cut = "includes stopped at 5000 resources";
    return true;
}

static int add_include(void *ctx, const struct store_row *row)
{
    struct inc_ctx *c = ctx;
    if (row->deleted || !row->json) return 0;
    if (c->outside_patient_compartment &&
        (!strcmp(row->type, "Patient") || fhir_in_patient_compartment(row->type)))
        return 0;
    /* Under a token, only what it could read by itself; checked before :iterate follows it. */
    if (c->r->access &&
        !rest_access_may_read(c->r->access, c->store, row->type, row->json, row->json_len))
        return 0;
    if (included_full(c->r)) return 1;
    return search_result_add(c->r, row, true) != 0;
}

static bool type_fits(const struct search_hit *h, const char *type)
{
    if (!type || !type[0] || !strcmp(type, "*")) return true;
    return strlen(type) == h->type_len && !memcmp(h->key, type, h->type_len);
}

static enum rg_err done(struct search_result *r, enum store_rc src, const char *what,
                        struct rg_fail *f)
{
    if (r->nomem) src = STORE_HARD;
    if (src == STORE_OK || src == STORE_NONE) return RG_OK;
    return rest_store_fail(src, what, f);
}

enum rg_err search_add_refs_from(struct rest_ctx *rc, struct search_result *r, size_t from,
                                 size_t to, const char *src_type, const char *param,
                                 const char *target_type, bool outside_patient_compartment,
                                 struct rg_fail *f)
{
    if (!rc->store->ops->refs_from) return rest_store_fail(STORE_HARD, "_include", f);
    int64_t seqs[INCLUDE_SLICE];
    struct inc_ctx c = {
        .r = r, .store = rc->store, .outside_patient_compartment = outside_patient_compartment};
    size_t i = from;
    while (i < to && !included_full(r)) {
        size_t n = 0;
        /* The callback may grow r->hits; only indexes below `to` are read here. */
        for (; i < to && n < INCLUDE_SLICE; i++)
            if (type_fits(&r->hits[i], src_type)) seqs[n++] = r->hits[i].seq;
        if (!n) continue;
        enum store_rc src = rc->store->ops->refs_from(
            rc->store, seqs, n, param, target_type && target_type[0] ? target_type : NULL,
            add_include, &c);
        if (src != STORE_OK && src != STORE_NONE) return done(r, src, "_include", f);
        if (r->nomem) return done(r, STORE_HARD, "_include", f);
    }
    return RG_OK;
}

static enum rg_err add_refs_to(struct rest_ctx *rc, struct search_result *r, size_t from, size_t to,
                               const struct search_include *inc, struct rg_fail *f)
{
    if (!strcmp(inc->src_type, "*")) return RG_OK; /* the store needs the referring type */
    if (!rc->store->ops->refs_to) return rest_store_fail(STORE_HARD, "_revinclude", f);
    struct store_ref *targets = malloc(INCLUDE_SLICE * sizeof *targets);
    if (!targets) return rest_store_fail(STORE_HARD, "_revinclude", f);
    struct inc_ctx c = {.r = r, .store = rc->store};
    const char *param = strcmp(inc->param, "*") ? inc->param : NULL;
    enum store_rc src = STORE_OK;
    size_t i = from;
    while (i < to && !included_full(r)) {
        size_t n = 0;
        for (; i < to && n < INCLUDE_SLICE; i++) {
            const struct search_hit *h = &r->hits[i];
            if (!type_fits(h, inc->target_type)) continue;
            memcpy(targets[n].type, h->key, h->type_len);
            targets[n].type[h->type_len] = '\0';
            memcpy(targets[n].id, search_hit_id(h), strlen(search_hit_id(h)) + 1);
            n++;
        }
        if (!n) continue;
        size_t room = SEARCH_INCLUDED_MAX - (r->n - r->nmatch);
        src = rc->store->ops->refs_to(rc->store, inc->src_type, param, targets, n, room,
                                      add_include, &c);
        if ((src != STORE_OK && src != STORE_NONE) || r->nomem) break;
    }
    free(targets);
    return done(r, src, "_revinclude", f);
}

static enum rg_err apply(struct rest_ctx *rc, struct search_result *r, size_t from, size_t to,
                         const struct search_include *inc, struct rg_fail *f)
{
    if (inc->reverse) return add_refs_to(rc, r, from, to, inc, f);
    const char *param = strcmp(inc->param, "*") ? inc->param : NULL;
    return search_add_refs_from(rc, r, from, to, inc->src_type, param, inc->target_type, false, f);
}

enum rg_err search_includes_run(struct rest_ctx *rc, const struct search *s,
                                struct search_result *r, struct rg_fail *f)
{
    size_t from = 0, to = r->nmatch;
    for (int round = 0; round <= SEARCH_ITERATE_DEPTH && from < to; round++) {
        for (size_t k = 0; k < s->nincludes; k++) {
            const struct search_include *inc = &s->includes[k];
            if (round > 0 && !inc->iterate) continue;
            enum rg_err e = apply(rc, r, from, to, inc, f);
            if (e != RG_OK) return e;
        }
        from = to;
        to = r->n;
    }
    if (from < to && !r->includes_cut)
        for (size_t k = 0; k < s->nincludes; k++)
            if (s->includes[k].iterate)
                r->includes_cut = ":iterate stopped after 4 rounds; what the last round "
                                  "added was not followed further";
    return RG_OK;
}
