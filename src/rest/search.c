/* Search handlers: GET [type], POST [type]/_search (form body), GET Patient/[id]/[type]
 * (compartment search), and search_answer, which runs a parsed search and replies with the
 * searchset that $lastn and $everything use too. Query values may hold a BSN: nothing here logs
 * them (the dispatcher logs the path without its query). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "rest/search_run.h"
#include "util/log.h"

int search_result_init(struct search_result *r)
{
    memset(r, 0, sizeof *r);
    return rest_strmap_init(&r->seen, 64);
}

void search_result_free(struct search_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->hits[i].key);
        free(r->hits[i].json);
    }
    free(r->hits);
    rest_strmap_free(&r->seen);
    memset(r, 0, sizeof *r);
}

int search_result_add(struct search_result *r, const struct store_row *row, bool include)
{
    size_t tl = strlen(row->type), il = strlen(row->id);
    char *key = malloc(tl + il + 2);
    if (!key) goto nomem;
    memcpy(key, row->type, tl);
    key[tl] = '/';
    memcpy(key + tl + 1, row->id, il + 1);
    size_t at;
    if (rest_strmap_get(&r->seen, key, &at)) {
        free(key);
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct search_hit *h = realloc(r->hits, cap * sizeof *h);
        if (!h) {
            free(key);
            goto nomem;
        }
        r->hits = h;
        r->cap = cap;
    }
    char *json = malloc(row->json_len + 1);
    if (!json) {
        free(key);
        goto nomem;
    }
    memcpy(json, row->json, row->json_len);
    json[row->json_len] = '\0';
    /* The map keeps the key pointer, which lives with the hit (the hits array moves, the keys
     * do not). */
    if (rest_strmap_put(&r->seen, key, r->n) < 0) {
        free(key);
        free(json);
        goto nomem;
    }
    r->hits[r->n++] = (struct search_hit){.key = key,
                                          .type_len = tl,
                                          .seq = row->seq,
                                          .json = json,
                                          .json_len = row->json_len,
                                          .include = include};
    return 0;
nomem:
    r->nomem = true;
    return -1;
}

static int add_match(void *ctx, const struct store_row *row)
{
    struct search_result *r = ctx;
    if (row->deleted || !row->json) return 0; /* the store gives current versions only */
    if (search_result_add(r, row, false) != 0) return 1;
    r->nmatch = r->n;
    return 0;
}

/* name as the parser writes it into self_query (RFC 3986, unreserved and ":/,$@*" kept). */
static bool self_encode(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (n + 4 >= cap) return false;
        if (isalnum(*p) || strchr("-._~:/,$@*", *p)) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
    return true;
}

/* Whether self_query has a pair named enc. */
static bool self_has(const char *q, const char *enc)
{
    size_t n = strlen(enc);
    for (const char *p = q; *p;) {
        if (!strncmp(p, enc, n) && p[n] == '=') return true;
        p = strchr(p, '&');
        if (!p) break;
        p++;
    }
    return false;
}

/* The names of the parameters the parser skipped (lenient handling: unknown names and
 * modifiers): given with a value, yet not in self_query. Names only: values may hold a BSN. */
static void ignored_names(const struct search *s, const struct http_param *params, size_t n,
                          char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = params[i].name;
        char enc[256];
        if (!params[i].value[0] || !strcmp(name, "_offset") || !strcmp(name, "_format") ||
            !strcmp(name, "_pretty") || !self_encode(name, enc, sizeof enc) ||
            self_has(s->self_query, enc) || strstr(out, enc))
            continue;
        size_t el = strlen(enc);
        if (len + el + 3 >= cap) break;
        if (len) {
            memcpy(out + len, ", ", 2);
            len += 2;
        }
        memcpy(out + len, enc, el + 1);
        len += el;
    }
}

struct search *search_parse_request(struct http_request *req, struct http_reply *rep,
                                    const char *type, const struct http_param *params, size_t n,
                                    struct search_links *links)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    struct search *s = calloc(1, sizeof *s);
    if (!s) {
        log_bug("search: out of memory");
        http_reply_error(rep, RG_E_INTERNAL, "out of memory");
        return NULL;
    }
    struct rg_fail f = {0};
    enum search_handling h = search_prefer_handling(http_header(req, "Prefer"));
    if (search_parse(type, params, n, h, rc->page_default, rc->page_max, s, &f) != RG_OK) {
        if (f.code == RG_OK) rg_fail_set(&f, RG_E_BAD_QUERY, NULL, "the search is not valid");
        rest_reply_fail(rep, &f);
        free(s);
        return NULL;
    }
    ignored_names(s, params, n, links->ignored, sizeof links->ignored);
    return s;
}

bool search_access_scoped(const struct http_request *req, struct http_reply *rep,
                          const char *compartment)
{
    const struct rest_access *a = rest_access_of(req);
    if (!a || (compartment && !strcmp(compartment, a->patient_id))) return true;
    log_bug("search: a search under a token without its patient's compartment");
    rest_access_forbid(rep, "this search");
    return false;
}

/* The total as docs/search.md says: counted when asked (accurate, _summary=count, _count=0),
 * otherwise only when it comes free (this page reaches the end), never with _total=none. */
static void settle_total(const struct search *s, struct search_result *r, int64_t counted)
{
    bool count_only = s->summary == SEARCH_SUMMARY_COUNT || s->q.count == 0;
    if (s->q.want_total) {
        r->total = counted;
        r->has_total = true;
    } else if (s->total != SEARCH_TOTAL_NONE && !count_only && !r->more &&
               (r->nmatch > 0 || s->q.offset == 0)) {
        r->total = (int64_t)(s->q.offset + r->nmatch);
        r->has_total = true;
    }
}

void search_answer(struct http_request *req, struct http_reply *rep, struct search *s,
                   const struct search_links *links, bool everything_refs)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    struct rg_fail f = {0};
    struct search_result r;
    if (!search_access_scoped(req, rep, s->q.compartment)) return;
    if (search_result_init(&r) != 0) {
        log_bug("search: out of memory");
        http_reply_error(rep, RG_E_INTERNAL, "out of memory");
        return;
    }
    r.access = rest_access_of(req);
    bool count_only = s->summary == SEARCH_SUMMARY_COUNT || s->q.count == 0;
    if (count_only) s->q.count = 0;
    if (count_only || s->total == SEARCH_TOTAL_ACCURATE) s->q.want_total = true;
    if (s->total == SEARCH_TOTAL_NONE && !count_only) s->q.want_total = false;
    int64_t counted = 0;
    bool more = false;
    enum store_rc src = rc->store->ops->search ? rc->store->ops->search(rc->store, &s->q, add_match,
                                                                        &r, &counted, &more)
                                               : STORE_HARD;
    if (src != STORE_OK || r.nomem) {
        rest_store_fail(src == STORE_OK ? STORE_HARD : src, "search", &f);
        goto fail;
    }
    r.more = more;
    settle_total(s, &r, counted);
    if (!count_only && s->nincludes && search_includes_run(rc, s, &r, &f) != RG_OK) goto fail;
    if (!count_only && everything_refs &&
        search_add_refs_from(rc, &r, 0, r.nmatch, NULL, NULL, NULL, true, &f) != RG_OK)
        goto fail;
    search_bundle_reply(rc, s, &r, links, rep);
    rest_note_count(r.nmatch, r.n - r.nmatch);
    if (s->q.compartment) rest_note_patient(s->q.compartment);
    search_result_free(&r);
    return;
fail:
    search_result_free(&r);
    rest_reply_fail(rep, &f);
}

/* Under a token, GET [type] is its patient's compartment search with the same links. */
static void search_type(struct http_request *req, struct http_reply *rep)
{
    const char *type = req->args[0];
    const struct rest_access *a = rest_access_of(req);
    if (!rest_check_type(rep, type)) return;
    if (a && !rest_access_search_ok(a, rep, type, req->params, req->nparams)) return;
    struct search_links links = {.path = type};
    struct search *s = search_parse_request(req, rep, type, req->params, req->nparams, &links);
    if (!s) return;
    s->q.type = type;
    if (a) s->q.compartment = a->patient_id;
    search_answer(req, rep, s, &links, false);
    free(s);
}

void rest_h_search_type(struct http_request *req, struct http_reply *rep)
{
    search_type(req, rep);
}

/* POST [type]/_search: the dispatcher merged the form body's parameters with the URL's, so this
 * is GET [type] with the parameters out of the URL (and out of logs and caches). */
void rest_h_search_post(struct http_request *req, struct http_reply *rep)
{
    search_type(req, rep);
}

/* GET Patient/[id]/[type], and Patient/[id]/(asterisk) for every type in the compartment (then only
 * the result parameters apply: no search parameter is common to all types). */
void rest_h_search_compartment(struct http_request *req, struct http_reply *rep)
{
    const char *id = req->args[0], *type = req->args[1];
    const struct rest_access *a = rest_access_of(req);
    bool all = !strcmp(type, "*");
    if (!rest_check_id(rep, id) || (!all && !rest_check_type(rep, type))) return;
    if (a && strcmp(id, a->patient_id) != 0) {
        rest_access_hide(rep, "Patient", id);
        return;
    }
    if (a && all) {
        rest_access_forbid(rep, "a search of every type");
        return;
    }
    if (a && !rest_access_search_ok(a, rep, type, req->params, req->nparams)) return;
    char path[STORE_ID_MAX + STORE_TYPE_MAX + 16];
    snprintf(path, sizeof path, "Patient/%s/%s", id, type);
    struct search_links links = {.path = path};
    struct search *s =
        search_parse_request(req, rep, all ? NULL : type, req->params, req->nparams, &links);
    if (!s) return;
    s->q.type = all ? NULL : type;
    s->q.compartment = id;
    search_answer(req, rep, s, &links, false);
    free(s);
}

/* GET [base]?_type=X,Y&...: a search of the whole server. The store searches one type (or one
 * compartment) at a time: with one type this is GET [type]; several are merged (search_multi). */
void rest_h_search_system(struct http_request *req, struct http_reply *rep)
{
    if (req->access) {
        rest_access_forbid(rep, "a search of the whole server");
        return;
    }
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    char joined[SEARCH_TYPES_MAX * STORE_TYPE_MAX], buf[sizeof joined];
    size_t jl = 0;
    for (size_t i = 0; i < req->nparams; i++) {
        const char *v = req->params[i].value;
        if (strcmp(req->params[i].name, "_type") != 0) {
            params[n++] = req->params[i];
            continue;
        }
        size_t vl = strlen(v);
        if (jl + vl + 2 > sizeof joined) {
            http_reply_error(rep, RG_E_TOO_MANY, "_type lists more than %d types",
                             SEARCH_TYPES_MAX);
            return;
        }
        if (jl) joined[jl++] = ',';
        memcpy(joined + jl, v, vl + 1);
        jl += vl;
    }
    if (!jl) {
        http_reply_error(rep, RG_E_BAD_QUERY,
                         "a search of the whole server needs _type (the resource types)");
        return;
    }
    joined[jl] = '\0';
    const char *types[SEARCH_TYPES_MAX];
    size_t ntypes = 0;
    if (!search_type_list(rep, joined, buf, sizeof buf, types, &ntypes)) return;
    /* The canonical _type for the links: the types as understood, in order. */
    char extra[sizeof joined + 8];
    size_t el = (size_t)snprintf(extra, sizeof extra, "_type=%s", types[0]);
    for (size_t k = 1; k < ntypes && el < sizeof extra; k++)
        el += (size_t)snprintf(extra + el, sizeof extra - el, ",%s", types[k]);
    struct search_links links = {.path = "", .extra_query = extra};
    if (ntypes > 1) {
        search_answer_types(req, rep, types, ntypes, params, n, NULL, &links, false);
        return;
    }
    struct search *s = search_parse_request(req, rep, types[0], params, n, &links);
    if (!s) return;
    s->q.type = types[0];
    search_answer(req, rep, s, &links, false);
    free(s);
}
