/* GET Patient/[id]/$everything: every current resource in the Patient's compartment (the Patient
 * itself included), paged with _count and _offset like a search, and on each page the resources
 * outside the compartment that the page refers to (Practitioner, Organization, Medication ...) as
 * includes. _since keeps what changed at or after an instant, _type some resource types. 404 when
 * there is no such Patient, 410 when it was deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/search_index.h"
#include "rest/search_run.h"

/* The operation's own parameters, which the search parser (of no type) does not know. */
struct everything_args {
    const char *since;
    const char *types[SEARCH_TYPES_MAX];
    size_t ntypes;
    char type_buf[SEARCH_TYPES_MAX * STORE_TYPE_MAX];
    int64_t since_lo, since_hi;
    char extra[1024]; /* canonical _since/_type for the links */
};

/* Query-encodes s onto out (RFC 3986 unreserved, ":" and "," kept). False when it does not fit. */
static bool qenc(char *out, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == ',';
        if (*len + 4 >= cap) return false;
        if (plain) {
            out[(*len)++] = (char)c;
        } else {
            out[(*len)++] = '%';
            out[(*len)++] = hex[c >> 4];
            out[(*len)++] = hex[c & 15];
        }
    }
    out[*len] = '\0';
    return true;
}

static bool extra_append(struct everything_args *a, size_t *len, const char *name,
                         const char *value)
{
    size_t n = strlen(name);
    if (*len + n + 2 >= sizeof a->extra) return false;
    if (*len) a->extra[(*len)++] = '&';
    memcpy(a->extra + *len, name, n);
    *len += n;
    a->extra[(*len)++] = '=';
    return qenc(a->extra, sizeof a->extra, len, value);
}

/* Takes _since and _type out of the request's parameters into a; the rest go to params. False
 * after replying to a malformed one. */
static bool split_args(struct http_request *req, struct http_reply *rep, struct everything_args *a,
                       struct http_param *params, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < req->nparams; i++) {
        const char *name = req->params[i].name, *v = req->params[i].value;
        if (!strcmp(name, "_since") && v[0]) {
            if (!search_date_range(v, strlen(v), &a->since_lo, &a->since_hi)) {
                http_reply_error(rep, RG_E_BAD_PARAM,
                                 "_since must be an instant, e.g. 2024-01-01T00:00:00Z");
                return false;
            }
            a->since = v;
        } else if (!strcmp(name, "_type") && v[0]) {
            if (a->ntypes) {
                http_reply_error(rep, RG_E_BAD_QUERY, "give _type once, types comma-separated");
                return false;
            }
            if (!search_type_list(rep, v, a->type_buf, sizeof a->type_buf, a->types, &a->ntypes))
                return false;
        } else {
            params[(*n)++] = req->params[i];
        }
    }
    /* With _type, _since goes to each type's search as _lastUpdated=ge (and so into its self
     * query); only _type is added to the links then. */
    char types[sizeof a->type_buf + SEARCH_TYPES_MAX] = "";
    for (size_t k = 0, tl = 0; k < a->ntypes; k++)
        tl += (size_t)snprintf(types + tl, sizeof types - tl, k ? ",%s" : "%s", a->types[k]);
    size_t len = 0;
    if ((a->since && !a->ntypes && !extra_append(a, &len, "_since", a->since)) ||
        (a->ntypes && !extra_append(a, &len, "_type", types))) {
        http_reply_error(rep, RG_E_TOO_MANY, "_since or _type longer than allowed");
        return false;
    }
    return true;
}

/* _since as a clause: the search of no type has no clauses of its own, so this is the only one.
 * _lastUpdated is indexed for every resource type. */
static void add_since(struct search *s, const struct everything_args *a)
{
    s->values[0] = (struct store_value){.cmp = STORE_GE, .lo = a->since_lo, .hi = a->since_hi};
    s->clauses[0] = (struct store_clause){.kind = STORE_Q_IX,
                                          .ix_kind = STORE_IX_DATE,
                                          .param = "_lastUpdated",
                                          .values = &s->values[0],
                                          .nvalues = 1};
    s->nclauses = 1;
    s->nvalues = 1;
    s->q.clauses = s->clauses;
    s->q.nclauses = 1;
}

/* Under a token: the types asked with _type must all be readable (403); without _type, the
 * readable types of the Patient compartment (the Patient included) are searched as if given,
 * so the page, its links and the total hold nothing of the types the token does not cover. */
static bool everything_access_types(const struct rest_access *acc, struct http_reply *rep,
                                    struct everything_args *ea)
{
    for (size_t k = 0; k < ea->ntypes; k++) {
        if (rest_access_type_ok(acc, ea->types[k], false)) continue;
        char what[STORE_TYPE_MAX + 24];
        snprintf(what, sizeof what, "$everything of %s", ea->types[k]);
        rest_access_forbid(rep, what);
        return false;
    }
    if (ea->ntypes) return true;
    for (size_t k = 0; k < acc->ntypes && k < REST_ACCESS_TYPES_MAX; k++) {
        const char *t = acc->types[k];
        if (!t || (strcmp(t, "Patient") != 0 && !fhir_in_patient_compartment(t))) continue;
        if (ea->ntypes == SEARCH_TYPES_MAX) {
            http_reply_error(rep, RG_E_TOO_MANY,
                             "this token reads more than %d types of the compartment: name the "
                             "ones wanted with _type",
                             SEARCH_TYPES_MAX);
            return false;
        }
        ea->types[ea->ntypes++] = t;
    }
    if (!ea->ntypes) {
        rest_access_forbid(rep, "$everything (no type of the compartment)");
        return false;
    }
    return true;
}

void rest_h_everything(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    const char *id = req->args[0];
    if (!rest_check_id(rep, id)) return;
    const struct rest_access *acc = rest_access_of(req);
    if (acc && strcmp(id, acc->patient_id) != 0) {
        rest_access_hide(rep, "Patient", id);
        return;
    }
    if (acc && !rest_access_search_ok(acc, rep, NULL, req->params, req->nparams)) return;
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    struct everything_args a = {0};
    if (!split_args(req, rep, &a, params, &n)) return;
    if (acc && !everything_access_types(acc, rep, &a)) return;
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->read(rc->store, "Patient", id, &row);
    bool deleted = row.deleted;
    store_row_clear(&row);
    struct rg_fail f;
    if (src != STORE_OK || deleted) {
        if (src == STORE_NONE)
            rg_fail_set(&f, RG_E_NOT_FOUND, NULL, "Patient/%s is not known", id);
        else if (src == STORE_OK)
            rg_fail_set(&f, RG_E_GONE, NULL, "Patient/%s was deleted", id);
        else
            rest_store_fail(src, "read", &f);
        rest_reply_fail(rep, &f);
        return;
    }
    char path[STORE_ID_MAX + 32];
    snprintf(path, sizeof path, "Patient/%s/$everything", id);
    struct search_links links = {.path = path, .extra_query = a.extra};
    char lu_name[] = "_lastUpdated", lu_value[FHIRTIME_INSTANT_LEN + 64];
    if (a.since && a.ntypes) {
        if (n == HTTP_MAX_PARAMS) {
            http_reply_error(rep, RG_E_TOO_MANY, "more than %d parameters", HTTP_MAX_PARAMS);
            return;
        }
        snprintf(lu_value, sizeof lu_value, "ge%s", a.since);
        params[n++] = (struct http_param){.name = lu_name, .value = lu_value};
    }
    if (a.ntypes > 1) {
        search_answer_types(req, rep, a.types, a.ntypes, params, n, id, &links, true);
        return;
    }
    const char *type = a.ntypes ? a.types[0] : NULL;
    struct search *s = search_parse_request(req, rep, type, params, n, &links);
    if (!s) return;
    if (a.since && !type) add_since(s, &a); /* a search of no type has no clauses of its own */
    s->q.type = type;
    s->q.compartment = id;
    search_answer(req, rep, s, &links, true);
    free(s);
}
