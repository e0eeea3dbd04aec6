/* A search over several types (_type=A,B on the whole server or in $everything). The store
 * searches one type at a time, so each type is searched for its first offset + count matches in
 * write order, the lists are merged by seq, and the page is cut from the merge; the page's
 * resources are then read by id. The first offset + count of each type are enough: the merged
 * page can hold no row that comes later in its own type's order. That makes a deep page cost
 * offset + count rows per type, hence SEARCH_MULTI_DEPTH; and the merge is by write order, hence
 * no _sort. */
#include <stdlib.h>
#include <string.h>

#include "rest/search_run.h"

struct multi_key {
    int64_t seq;
    size_t type; /* index into the type list */
    char id[STORE_ID_MAX];
};

struct multi_rows {
    struct multi_key *keys;
    size_t n, cap;
    size_t type;
    bool nomem;
};

static int collect(void *ctx, const struct store_row *row)
{
    struct multi_rows *m = ctx;
    if (row->deleted) return 0;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct multi_key *k = realloc(m->keys, cap * sizeof *k);
        if (!k) {
            m->nomem = true;
            return 1;
        }
        m->keys = k;
        m->cap = cap;
    }
    struct multi_key *k = &m->keys[m->n++];
    k->seq = row->seq;
    k->type = m->type;
    memcpy(k->id, row->id, strlen(row->id) + 1);
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    const struct multi_key *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The parameters must mean the same for every type: one that some types ignore (lenient) would
 * leave those types unfiltered. Ignored by all, it is only reported. */
static bool same_ignored(struct search_links *links, char (*ignored)[512], size_t ntypes,
                         struct rg_fail *f)
{
    for (size_t k = 1; k < ntypes; k++)
        if (strcmp(ignored[k], ignored[0]) != 0) {
            rg_fail_set(f, RG_E_BAD_QUERY, NULL,
                        "not every _type has these parameters: %s; search per type",
                        ignored[k][0] ? ignored[k] : ignored[0]);
            return false;
        }
    memcpy(links->ignored, ignored[0], sizeof links->ignored);
    return true;
}

/* Reads the page's resources by id into r, in merged order. */
static enum rg_err read_page(struct rest_ctx *rc, const char *const *types,
                             const struct multi_key *keys, size_t from, size_t to,
                             struct search_result *r, struct rg_fail *f)
{
    for (size_t i = from; i < to; i++) {
        struct store_row row = {0};
        enum store_rc src = rc->store->ops->read(rc->store, types[keys[i].type], keys[i].id, &row);
        if (src == STORE_OK && !row.deleted && search_result_add(r, &row, false) != 0)
            src = STORE_HARD;
        store_row_clear(&row);
        if (src != STORE_OK && src != STORE_NONE) return rest_store_fail(src, "search", f);
    }
    r->nmatch = r->n;
    return RG_OK;
}

void search_answer_types(struct http_request *req, struct http_reply *rep, const char *const *types,
                         size_t ntypes, const struct http_param *params, size_t n,
                         const char *compartment, struct search_links *links, bool everything_refs)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    struct search *s[SEARCH_TYPES_MAX] = {0};
    char(*ignored)[512] = calloc(SEARCH_TYPES_MAX, sizeof *ignored);
    struct multi_rows rows = {0};
    struct search_result r;
    bool r_ready = false;
    struct rg_fail f = {0};
    if (!search_access_scoped(req, rep, compartment)) goto done;
    if (!ignored) {
        rest_store_fail(STORE_HARD, "search", &f);
        goto fail;
    }
    for (size_t k = 0; k < ntypes; k++) {
        struct search_links tl = {0};
        s[k] = search_parse_request(req, rep, types[k], params, n, &tl);
        if (!s[k]) goto done; /* replied */
        memcpy(ignored[k], tl.ignored, sizeof ignored[k]);
        s[k]->q.type = types[k];
        s[k]->q.compartment = compartment;
    }
    if (!same_ignored(links, ignored, ntypes, &f)) goto fail;
    if (s[0]->q.nsort) {
        rg_fail_set(&f, RG_E_BAD_QUERY, NULL,
                    "_sort needs one _type: several are merged in write order");
        goto fail;
    }
    if (search_result_init(&r) != 0) {
        rest_store_fail(STORE_HARD, "search", &f);
        goto fail;
    }
    r_ready = true;
    r.access = rest_access_of(req);
    bool count_only = s[0]->summary == SEARCH_SUMMARY_COUNT || s[0]->q.count == 0;
    size_t off = s[0]->q.offset, cnt = count_only ? 0 : s[0]->q.count;
    if (off + cnt > SEARCH_MULTI_DEPTH) {
        rg_fail_set(&f, RG_E_TOO_MANY, NULL,
                    "_offset + _count over several types goes at most %d deep; narrow the search",
                    SEARCH_MULTI_DEPTH);
        goto fail;
    }
    bool want_total = count_only || s[0]->total == SEARCH_TOTAL_ACCURATE;
    bool more = false;
    int64_t total = 0;
    for (size_t k = 0; k < ntypes; k++) {
        s[k]->q.offset = 0;
        s[k]->q.count = count_only ? 0 : off + cnt;
        s[k]->q.want_total = want_total;
        rows.type = k;
        int64_t counted = 0;
        bool type_more = false;
        enum store_rc src =
            rc->store->ops->search(rc->store, &s[k]->q, collect, &rows, &counted, &type_more);
        if (src != STORE_OK || rows.nomem) {
            rest_store_fail(src == STORE_OK ? STORE_HARD : src, "search", &f);
            goto fail;
        }
        more |= type_more;
        total += counted;
    }
    if (rows.n > 1) qsort(rows.keys, rows.n, sizeof *rows.keys, by_seq);
    size_t end = off + cnt < rows.n ? off + cnt : rows.n;
    if (rows.n > off + cnt) more = true;
    if (!count_only && off < end && read_page(rc, types, rows.keys, off, end, &r, &f) != RG_OK)
        goto fail;
    r.more = more;
    if (want_total) {
        r.total = total;
        r.has_total = true;
    } else if (s[0]->total != SEARCH_TOTAL_NONE && !more && (r.nmatch > 0 || off == 0)) {
        r.total = (int64_t)(off + r.nmatch);
        r.has_total = true;
    }
    /* Every type's parse holds the same result parameters; the first one's serve the Bundle. */
    if (!count_only && s[0]->nincludes && search_includes_run(rc, s[0], &r, &f) != RG_OK) goto fail;
    if (!count_only && everything_refs &&
        search_add_refs_from(rc, &r, 0, r.nmatch, NULL, NULL, NULL, true, &f) != RG_OK)
        goto fail;
    if (count_only)
        s[0]->q.count = 0;
    else
        s[0]->q.count = cnt;
    s[0]->q.offset = off;
    search_bundle_reply(rc, s[0], &r, links, rep);
    rest_note_count(r.nmatch, r.n - r.nmatch);
    if (compartment) rest_note_patient(compartment);
    goto done;
fail:
    rest_reply_fail(rep, &f);
done:
    if (r_ready) search_result_free(&r);
    free(rows.keys);
    free(ignored);
    for (size_t k = 0; k < ntypes; k++) free(s[k]);
}

bool search_type_list(struct http_reply *rep, const char *value, char *buf, size_t buf_len,
                      const char **types, size_t *ntypes)
{
    size_t len = strlen(value);
    *ntypes = 0;
    if (len >= buf_len) {
        http_reply_error(rep, RG_E_TOO_MANY, "_type lists more than %d types", SEARCH_TYPES_MAX);
        return false;
    }
    memcpy(buf, value, len + 1);
    for (char *p = buf;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        if (*p) {
            if (!rest_check_type(rep, p)) return false;
            bool seen = false;
            for (size_t j = 0; j < *ntypes; j++) seen |= !strcmp(types[j], p);
            if (!seen && *ntypes == SEARCH_TYPES_MAX) {
                http_reply_error(rep, RG_E_TOO_MANY, "_type lists more than %d types",
                                 SEARCH_TYPES_MAX);
                return false;
            }
            if (!seen) types[(*ntypes)++] = p;
        }
        if (!comma) break;
        p = comma + 1;
    }
    if (*ntypes == 0) {
        http_reply_error(rep, RG_E_BAD_QUERY, "_type names no resource type");
        return false;
    }
    return true;
}
