/* Collect (MedMij Verzamelen): runs a data service's searches at a DVA's resource endpoint and
 * copies what they find into the PGO's vault. Each copy gets a deterministic id (pgo_local_id),
 * its references rewritten to such ids, meta.source = the resource endpoint and the vault-owner
 * tag; one Provenance per collection names them all. Collecting again overwrites the same ids. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "pgo/backchannel_internal.h"
#include "pgo/http_client.h"
#include "rest/rest.h"
#include "util/fhirtime.h"

#define JSON_DEPTH         128  /* deeper than any FHIR resource; the vault checks its own bound */
#define PAGES_MAX          1000 /* per search: a DVA that keeps paging is stopped */
#define URL_MAX            8192
#define WRITE_CHUNK        200 /* copies per vault batch (one commit) */
#define PROVIDER_ID_SYSTEM "http://medmij.nl/fhir/NamingSystem/zorgaanbiedernaam" /* (assumed) */
#define PARTICIPANT_TYPE   "http://terminology.hl7.org/CodeSystem/provenance-participant-type"

/* The references stored in this collection ("Type/<local id>"), with a hash index so a resource
 * found by two searches is stored once. */
struct stored {
    char **refs;
    size_t n, cap;
    size_t *slots; /* index + 1 into refs; 0 = empty; size nslots (a power of two) */
    size_t nslots;
};

struct pending;

struct collect {
    const struct pgo_collect_params *p;
    struct pgo_collect_result *r;
    struct pgo_http_client *http;
    char base[URL_MAX]; /* resource endpoint without trailing slashes */
    size_t base_len;
    size_t max;
    struct stored stored;
    struct pgo_fail *f;      /* the first failure of the collection lands here */
    struct pending *pending; /* WRITE_CHUNK slots */
    size_t npending;
};

/* Keeps the collection's first failure in c->f (later ones are in the per-search status). */
static void first_fail(struct collect *c, enum pgo_fail_kind kind, long status,
                       const struct pgo_search_status *st, const char *request_id)
{
    if (!c->f || c->f->kind != PGO_FAIL_NONE) return;
    c->f->kind = kind;
    c->f->http_status = status;
    snprintf(c->f->message, sizeof c->f->message, "%.60s: %.180s", st->search ? st->search : "",
             st->error);
    if (request_id) snprintf(c->f->request_id, sizeof c->f->request_id, "%s", request_id);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool stored_has(const struct stored *st, const char *ref)
{
    if (!st->nslots) return false;
    for (size_t i = hash_str(ref) & (st->nslots - 1);; i = (i + 1) & (st->nslots - 1)) {
        if (!st->slots[i]) return false;
        if (!strcmp(st->refs[st->slots[i] - 1], ref)) return true;
    }
}

static void slot_put(size_t *slots, size_t nslots, char **refs, size_t idx)
{
    size_t i = hash_str(refs[idx]) & (nslots - 1);
    while (slots[i]) i = (i + 1) & (nslots - 1);
    slots[i] = idx + 1;
}

static int stored_add(struct stored *st, const char *ref)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 64;
        char **refs = realloc(st->refs, cap * sizeof *refs);
        if (!refs) return -1;
        st->refs = refs;
        st->cap = cap;
    }
    if ((st->n + 1) * 2 > st->nslots) { /* keep the table at most half full */
        size_t nslots = st->nslots ? st->nslots * 2 : 128;
        size_t *slots = calloc(nslots, sizeof *slots);
        if (!slots) return -1;
        for (size_t k = 0; k < st->n; k++) slot_put(slots, nslots, st->refs, k);
        free(st->slots);
        st->slots = slots;
        st->nslots = nslots;
    }
    if (!(st->refs[st->n] = strdup(ref))) return -1;
    slot_put(st->slots, st->nslots, st->refs, st->n);
    st->n++;
    return 0;
}

static void stored_free(struct stored *st)
{
    for (size_t i = 0; i < st->n; i++) free(st->refs[i]);
    free(st->refs);
    free(st->slots);
}

void pgo_collect_result_free(struct pgo_collect_result *r)
{
    if (!r) return;
    free(r->searches);
    r->searches = NULL;
    r->nsearches = 0;
}

__attribute__((format(printf, 2, 3))) static void search_error(struct pgo_search_status *st,
                                                               const char *fmt, ...)
{
    st->ok = false;
    if (st->error[0]) return; /* the first reason is the one that matters */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->error, sizeof st->error, fmt, ap);
    va_end(ap);
}

static json_object *owner_tag(const char *owner)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "system", json_object_new_string(PGO_VAULT_TAG_SYSTEM));
    json_object_object_add(t, "code", json_object_new_string(owner));
    return t;
}

/* meta as the vault keeps it: the DVA's profiles, security labels and tags stay; its versionId
 * and lastUpdated are the DVA's bookkeeping and give way to the vault's; source names where the
 * copy came from; the vault-owner tag is ours alone (one a DVA sent is dropped). */
static void set_meta(json_object *res, const char *source, const char *owner)
{
    json_object *meta = jsonx_get(res, "meta");
    if (!meta || !json_object_is_type(meta, json_type_object)) {
        meta = json_object_new_object();
        json_object_object_add(res, "meta", meta);
    }
    json_object_object_del(meta, "versionId");
    json_object_object_del(meta, "lastUpdated");
    json_object_object_add(meta, "source", json_object_new_string(source));
    json_object *tags = jsonx_get(meta, "tag");
    json_object *kept = json_object_new_array();
    if (tags && json_object_is_type(tags, json_type_array))
        for (size_t i = 0; i < json_object_array_length(tags); i++) {
            json_object *t = json_object_array_get_idx(tags, i);
            const char *sys = jsonx_get_str(t, "system");
            if (sys && !strcmp(sys, PGO_VAULT_TAG_SYSTEM)) continue;
            json_object_array_add(kept, json_object_get(t));
        }
    json_object_array_add(kept, owner_tag(owner));
    json_object_object_add(meta, "tag", kept);
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Copies wait here until their page is written: one vault batch (one commit) per page or per
 * WRITE_CHUNK copies, not one per resource. The resources belong to the page's parsed tree. */
struct pending {
    json_object *res;
    char ref[STORE_TYPE_MAX + UUID_STR_LEN + 1]; /* "Type/<local id>" */
    bool unchanged; /* the vault holds this very copy already: not written again */
    size_t slot;    /* its entry in the batch when written */
};

static bool pending_has(const struct collect *c, const char *ref)
{
    for (size_t i = 0; i < c->npending; i++)
        if (!strcmp(c->pending[i].ref, ref)) return true;
    return false;
}

static const char *outcome_text(json_object *v);

/* Whether the vault's current copy equals res, apart from the vault's own versionId and
 * lastUpdated: then a re-collect leaves it alone instead of adding a version. */
static bool same_as_stored(struct collect *c, const struct pending *pe)
{
    struct store *s = c->p->vault_store;
    if (!s) return false;
    char type[STORE_TYPE_MAX];
    size_t tl = strcspn(pe->ref, "/");
    snprintf(type, sizeof type, "%.*s", (int)tl, pe->ref);
    struct store_row row = {0};
    if (s->ops->read(s, type, pe->ref + tl + 1, &row) != STORE_OK || row.deleted || !row.json) {
        store_row_clear(&row);
        return false;
    }
    enum jsonx_err je;
    json_object *old = jsonx_parse(row.json, row.json_len, JSON_DEPTH, &je, NULL, 0);
    store_row_clear(&row);
    json_object *meta = jsonx_get(old, "meta");
    if (meta) {
        json_object_object_del(meta, "versionId");
        json_object_object_del(meta, "lastUpdated");
    }
    bool same = old && json_object_equal(old, pe->res);
    json_object_put(old);
    return same;
}

static void count_stored(struct collect *c, struct pgo_search_status *st, const struct pending *pe)
{
    if (stored_add(&c->stored, pe->ref) != 0) {
        search_error(st, "out of memory");
        return;
    }
    c->r->stored++;
    if (pe->unchanged) c->r->unchanged++;
    st->resources++;
    if (!strncmp(pe->ref, "Patient/", 8) && !c->r->patient_id[0])
        snprintf(c->r->patient_id, sizeof c->r->patient_id, "%s", pe->ref + 8);
}

/* Writes the pending copies that changed as one batch of PUTs into the vault and counts what was
 * stored. */
static void flush_pending(struct collect *c, struct pgo_search_status *st)
{
    if (!c->npending) return;
    json_object *bundle = json_object_new_object(), *entries = json_object_new_array();
    json_object_object_add(bundle, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(bundle, "type", json_object_new_string("batch"));
    json_object_object_add(bundle, "entry", entries);
    size_t nwrite = 0;
    for (size_t i = 0; i < c->npending; i++) {
        struct pending *pe = &c->pending[i];
        if ((pe->unchanged = same_as_stored(c, pe))) continue;
        pe->slot = nwrite++;
        json_object *e = json_object_new_object(), *rq = json_object_new_object();
        json_object_object_add(e, "resource", json_object_get(pe->res));
        json_object_object_add(rq, "method", json_object_new_string("PUT"));
        json_object_object_add(rq, "url", json_object_new_string(pe->ref));
        json_object_object_add(e, "request", rq);
        json_object_array_add(entries, e);
    }
    json_object *resp = NULL;
    struct rg_fail rf = {0};
    enum rg_err e = nwrite ? rest_process_bundle(c->p->vault, bundle, &resp, &rf) : RG_OK;
    json_object *out = e == RG_OK ? jsonx_get(resp, "entry") : NULL;
    for (size_t i = 0; i < c->npending; i++) {
        const struct pending *pe = &c->pending[i];
        if (pe->unchanged) {
            count_stored(c, st, pe);
            continue;
        }
        json_object *r =
            out ? jsonx_get(json_object_array_get_idx(out, pe->slot), "response") : NULL;
        const char *status = jsonx_get_str(r, "status");
        struct rg_fail one = {0};
        /* The batch as a whole was refused (a vault with a smaller Bundle limit, ...): each
         * copy on its own then. */
        bool put_ok = !out && rest_put_resource(c->p->vault, pe->res, &one) == RG_OK;
        if (!put_ok &&
            (!status || (strncmp(status, "200", 3) != 0 && strncmp(status, "201", 3) != 0))) {
            const char *why = r ? outcome_text(jsonx_get(r, "outcome")) : NULL;
            if (!why && one.detail[0]) why = one.detail;
            if (!why) why = rf.detail[0] ? rf.detail : rg_err_text(e == RG_OK ? RG_E_INTERNAL : e);
            search_error(st, "the vault refused %.*s: %.120s", (int)strcspn(pe->ref, "/"), pe->ref,
                         why);
            first_fail(c, PGO_FAIL_STORE, 0, st, NULL);
            continue;
        }
        count_stored(c, st, pe);
    }
    json_object_put(resp);
    json_object_put(bundle);
    c->npending = 0;
}

static bool type_allowed(const struct pgo_collect_params *p, const char *type)
{
    if (!p->ntypes) return true;
    for (size_t i = 0; i < p->ntypes; i++)
        if (p->types[i] && !strcmp(p->types[i], type)) return true;
    return false;
}

/* Prepares one entry's resource for the vault. Returns 1 when collect_max is reached (stop
 * everything), else 0. */
static int store_entry(struct collect *c, json_object *res, struct pgo_search_status *st)
{
    const struct pgo_collect_params *p = c->p;
    const char *type = jsonx_get_str(res, "resourceType");
    const char *id = jsonx_get_str(res, "id");
    if (!type || !fhir_is_resource_type(type)) {
        search_error(st, "an entry is not a FHIR resource");
        return 0;
    }
    if (!strcmp(type, "OperationOutcome")) return 0; /* the DVA's remarks, not the patient's data */
    if (!type_allowed(p, type)) { /* not what this data service is about: not kept */
        st->skipped++;
        return 0;
    }
    if (!id || !valid_id(id)) {
        search_error(st, "a %.64s without a valid id was skipped", type);
        return 0;
    }
    char local[UUID_STR_LEN], ref[STORE_TYPE_MAX + UUID_STR_LEN + 1];
    if (pgo_local_id(p->owner, p->provider, type, id, local) != 0) {
        search_error(st, "out of memory");
        return 0;
    }
    snprintf(ref, sizeof ref, "%s/%s", type, local);
    /* Found by an earlier search of this collection, or twice on this page. */
    if (stored_has(&c->stored, ref) || pending_has(c, ref)) {
        st->resources++;
        return 0;
    }
    if (c->stored.n + c->npending >= c->max) {
        c->r->truncated = true;
        return 1;
    }
    json_object_object_add(res, "id", json_object_new_string(local));
    pgo_rewrite_references(res, c->base, p->owner, p->provider);
    set_meta(res, p->resource_endpoint, p->owner);
    struct pending *pe = &c->pending[c->npending++];
    pe->res = res;
    memcpy(pe->ref, ref, sizeof ref);
    if (c->npending == WRITE_CHUNK) flush_pending(c, st);
    return 0;
}

/* The OperationOutcome's first diagnostics or details text, for a refused search. */
static const char *outcome_text(json_object *v)
{
    json_object *issues = jsonx_get(v, "issue");
    if (!issues || !json_object_is_type(issues, json_type_array) ||
        !json_object_array_length(issues))
        return NULL;
    json_object *i0 = json_object_array_get_idx(issues, 0);
    const char *d = jsonx_get_str(i0, "diagnostics");
    return d ? d : jsonx_get_str(jsonx_get(i0, "details"), "text");
}

/* Whether a next link stays at the resource endpoint: same scheme, host, port and base path. */
static bool same_endpoint(const struct collect *c, const char *url)
{
    return !strncmp(url, c->base, c->base_len) &&
           (url[c->base_len] == '/' || url[c->base_len] == '?');
}

static const char *next_link(json_object *bundle)
{
    json_object *links = jsonx_get(bundle, "link");
    if (!links || !json_object_is_type(links, json_type_array)) return NULL;
    for (size_t i = 0; i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        const char *rel = jsonx_get_str(l, "relation");
        if (rel && !strcmp(rel, "next")) return jsonx_get_str(l, "url");
    }
    return NULL;
}

/* Reads one searchset page and stores its entries. Returns 1 to stop the whole collection
 * (collect_max), 0 otherwise; *next gets the next page's URL (malloc'd) or NULL. */
static int read_page(struct collect *c, const char *url, struct pgo_search_status *st, char **next)
{
    *next = NULL;
    struct pgo_http_request rq = {
        .method = "GET",
        .url = url,
        .accept = "application/fhir+json",
        .bearer = c->p->access_token,
    };
    struct pgo_http_response rs;
    struct pgo_fail hf = {0};
    int rc = pgo_http_call(c->http, &rq, &rs, &hf);
    st->http_status = rs.status;
    if (rc != 0) {
        search_error(st, "%s", hf.message);
        first_fail(c, hf.kind, 0, st, hf.request_id);
        pgo_http_response_free(&rs);
        return 0;
    }
    st->pages++;
    enum jsonx_err je;
    char msg[128] = "";
    json_object *v = jsonx_parse(rs.body.data ? rs.body.data : "", rs.body.len, JSON_DEPTH, &je,
                                 msg, sizeof msg);
    pgo_http_response_free(&rs);
    int stop = 0;
    const char *rtype = jsonx_get_str(v, "resourceType");
    if (st->http_status != 200) {
        const char *why = rtype && !strcmp(rtype, "OperationOutcome") ? outcome_text(v) : NULL;
        char clean[120] = "";
        if (why) pgo_copy_printable(clean, sizeof clean, why, strlen(why));
        search_error(st, "HTTP %ld%s%s", st->http_status, clean[0] ? ": " : "", clean);
        first_fail(c, PGO_FAIL_HTTP, st->http_status, st, hf.request_id);
        goto out;
    }
    const char *btype = jsonx_get_str(v, "type");
    if (!rtype || strcmp(rtype, "Bundle") != 0 || !btype || strcmp(btype, "searchset") != 0) {
        search_error(st, "the answer is not a searchset Bundle%s%s", msg[0] ? ": " : "", msg);
        first_fail(c, PGO_FAIL_PARSE, st->http_status, st, hf.request_id);
        goto out;
    }
    json_object *entries = jsonx_get(v, "entry");
    size_t n = entries && json_object_is_type(entries, json_type_array)
                   ? json_object_array_length(entries)
                   : 0;
    for (size_t i = 0; i < n && !stop; i++) {
        json_object *res = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        if (res && json_object_is_type(res, json_type_object)) stop = store_entry(c, res, st);
    }
    flush_pending(c, st); /* before the page's tree, which holds the copies, is freed */
    const char *nx = stop ? NULL : next_link(v);
    if (nx) {
        if (!same_endpoint(c, nx)) {
            search_error(st, "a next link leaves the resource endpoint; not followed");
        } else if (!(*next = strdup(nx))) {
            search_error(st, "out of memory");
        }
    }
out:
    json_object_put(v);
    return stop;
}

static void run_search(struct collect *c, size_t i, bool *stop)
{
    struct pgo_search_status *st = &c->r->searches[i];
    st->search = c->p->searches[i];
    st->ok = true;
    c->r->searches_run++;
    const char *s = st->search ? st->search : "";
    while (*s == '/') s++;
    struct buf url;
    buf_init(&url, URL_MAX);
    buf_append(&url, c->base, c->base_len);
    buf_append_char(&url, '/');
    pgo_url_escape_search(&url, s);
    if (!*s || url.overflowed) {
        search_error(st, "not a search");
        buf_free(&url);
        return;
    }
    char *page = buf_steal(&url, NULL);
    while (page && !*stop) {
        if (st->pages >= PAGES_MAX) {
            search_error(st, "more than %d pages", PAGES_MAX);
            break;
        }
        char *next = NULL;
        if (read_page(c, page, st, &next)) *stop = true;
        if (next && !strcmp(next, page)) { /* a next link to itself would loop forever */
            search_error(st, "a next link repeats the page");
            free(next);
            next = NULL;
        }
        free(page);
        page = next;
    }
    free(page);
}

/* The Provenance of this collection: what was stored, from where, by whom, when. */
static int write_provenance(struct collect *c, struct pgo_fail *f)
{
    const struct pgo_collect_params *p = c->p;
    if (uuid_v4(c->r->provenance_id) != 0)
        return pgo_fail_set(f, PGO_FAIL_STORE, "no random source for the Provenance id");
    json_object *prov = json_object_new_object();
    json_object_object_add(prov, "resourceType", json_object_new_string("Provenance"));
    json_object_object_add(prov, "id", json_object_new_string(c->r->provenance_id));
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "source", json_object_new_string(p->resource_endpoint));
    json_object *tags = json_object_new_array();
    json_object_array_add(tags, owner_tag(p->owner));
    json_object_object_add(meta, "tag", tags);
    json_object_object_add(prov, "meta", meta);
    json_object *target = json_object_new_array();
    for (size_t i = 0; i < c->stored.n; i++) {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "reference", json_object_new_string(c->stored.refs[i]));
        json_object_array_add(target, r);
    }
    json_object_object_add(prov, "target", target);
    char now[FHIRTIME_INSTANT_LEN];
    fhirtime_now(now);
    json_object_object_add(prov, "recorded", json_object_new_string(now));
    if (p->service_id && *p->service_id) {
        char text[96];
        snprintf(text, sizeof text, "MedMij data service %.32s (collect)", p->service_id);
        json_object *reason = json_object_new_object();
        json_object_object_add(reason, "text", json_object_new_string(text));
        json_object *reasons = json_object_new_array();
        json_object_array_add(reasons, reason);
        json_object_object_add(prov, "reason", reasons);
    }
    /* agent: the provider, as author of what was collected */
    json_object *coding = json_object_new_object();
    json_object_object_add(coding, "system", json_object_new_string(PARTICIPANT_TYPE));
    json_object_object_add(coding, "code", json_object_new_string("author"));
    json_object *codings = json_object_new_array();
    json_object_array_add(codings, coding);
    json_object *atype = json_object_new_object();
    json_object_object_add(atype, "coding", codings);
    json_object *ident = json_object_new_object();
    json_object_object_add(ident, "system", json_object_new_string(PROVIDER_ID_SYSTEM));
    json_object_object_add(ident, "value", json_object_new_string(p->provider));
    json_object *who = json_object_new_object();
    json_object_object_add(who, "identifier", ident);
    json_object_object_add(who, "display",
                           json_object_new_string(p->provider_display && *p->provider_display
                                                      ? p->provider_display
                                                      : p->provider));
    json_object *agent = json_object_new_object();
    json_object_object_add(agent, "type", atype);
    json_object_object_add(agent, "who", who);
    json_object *agents = json_object_new_array();
    json_object_array_add(agents, agent);
    json_object_object_add(prov, "agent", agents);
    /* entity: the resource endpoint the copies came from */
    json_object *src = json_object_new_object();
    json_object_object_add(src, "system", json_object_new_string("urn:ietf:rfc:3986"));
    json_object_object_add(src, "value", json_object_new_string(p->resource_endpoint));
    json_object *what = json_object_new_object();
    json_object_object_add(what, "identifier", src);
    json_object_object_add(what, "display", json_object_new_string("resource endpoint"));
    json_object *entity = json_object_new_object();
    json_object_object_add(entity, "role", json_object_new_string("source"));
    json_object_object_add(entity, "what", what);
    json_object *entities = json_object_new_array();
    json_object_array_add(entities, entity);
    json_object_object_add(prov, "entity", entities);

    struct rg_fail rf = {0};
    enum rg_err e = rest_put_resource(p->vault, prov, &rf);
    json_object_put(prov);
    if (e != RG_OK) {
        c->r->provenance_id[0] = '\0';
        return pgo_fail_set(f, PGO_FAIL_STORE, "the vault refused the Provenance: %.160s",
                            rf.detail[0] ? rf.detail : rg_err_text(e));
    }
    return 0;
}

static bool given(const char *s)
{
    return s && *s;
}

int pgo_collect(const struct pgo_collect_params *p, struct pgo_collect_result *r,
                struct pgo_fail *f)
{
    memset(r, 0, sizeof *r);
    pgo_fail_clear(f);
    if (!p || !p->vault || !given(p->resource_endpoint) || !given(p->access_token) ||
        !given(p->provider) || !given(p->owner) || (p->nsearches && !p->searches) ||
        (p->ntypes && !p->types))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "collect: a required value is missing");
    struct collect c = {.p = p, .r = r, .f = f};
    c.base_len = strlen(p->resource_endpoint);
    while (c.base_len && p->resource_endpoint[c.base_len - 1] == '/') c.base_len--;
    if (c.base_len >= sizeof c.base || strpbrk(p->resource_endpoint, "?#"))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "collect: the resource endpoint is not a base URL");
    memcpy(c.base, p->resource_endpoint, c.base_len);
    c.base[c.base_len] = '\0';
    struct pgo_call_opts none = {0};
    if (!pgo_http_url_allowed(c.base, (p->call ? p->call : &none)->allow_plain_loopback))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "collect: the resource endpoint is not https");
    c.max = p->collect_max ? p->collect_max : PGO_COLLECT_MAX_DEFAULT;
    if (p->nsearches && !(r->searches = calloc(p->nsearches, sizeof *r->searches)))
        return pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
    r->nsearches = p->nsearches;
    c.pending = calloc(WRITE_CHUNK, sizeof *c.pending);
    if (!c.pending) return pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
    c.http = pgo_http_open(p->call, PGO_MAX_BODY_DEFAULT, PGO_TIMEOUT_DEFAULT_S, f);
    if (!c.http) {
        free(c.pending);
        return -1;
    }

    bool stop = false;
    for (size_t i = 0; i < p->nsearches; i++) {
        if (stop) { /* collect_max reached: the rest is not read */
            r->searches[i].search = p->searches[i];
            snprintf(r->searches[i].error, sizeof r->searches[i].error,
                     "not run: collect_max reached");
            continue;
        }
        run_search(&c, i, &stop);
        if (!r->searches[i].ok) {
            r->failures++;
            first_fail(&c, PGO_FAIL_PARSE, r->searches[i].http_status, &r->searches[i], NULL);
        }
    }
    pgo_http_close(c.http);
    int rc = r->failures ? -1 : 0;
    if (c.stored.n && write_provenance(&c, r->failures ? NULL : f) != 0) rc = -1;
    stored_free(&c.stored);
    free(c.pending);
    return rc;
}
