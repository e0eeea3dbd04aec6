/* Running a parsed search and answering it, internal to src/rest: the resources a search found
 * (matches, then includes), the _include/_revinclude passes (search_include.c), the _summary and
 * _elements views (search_view.c) and the searchset Bundle's text (search_bundle.c). The handlers
 * (search.c, lastn.c, everything.c) share search_answer. See docs/search.md. */
#ifndef REGIE_REST_SEARCH_RUN_H
#define REGIE_REST_SEARCH_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rest/internal.h"
#include "rest/search.h"

/* How many rounds of :iterate includes follow the first one (a chain longer than this is cut). */
#define SEARCH_ITERATE_DEPTH 4
/* Most included resources in one answer, over all rounds; beyond it includes stop. */
#define SEARCH_INCLUDED_MAX 5000

/* One resource of the answer. key is "Type/id" (owned); the type is its first type_len bytes. */
struct search_hit {
    char *key;
    size_t type_len;
    int64_t seq;
    char *json; /* the stored text (owned) */
    size_t json_len;
    bool include; /* search.mode include (else match) */
};

struct search_result {
    struct search_hit *hits; /* matches first, in the query's order, then includes */
    size_t n, cap;
    size_t nmatch;
    struct rest_strmap seen; /* key -> index, so a resource is in the answer once */
    bool more;               /* matches exist after this page */
    int64_t total;           /* valid when has_total */
    bool has_total;
    bool nomem;
    const char
        *includes_cut; /* why includes stopped short (reported as an outcome entry), or NULL */
    /* The request's access (NULL: unrestricted): includes are only what it may read, and the
     * links must not hold the BSN system. */
    const struct rest_access *access;
};

int search_result_init(struct search_result *r);
void search_result_free(struct search_result *r);
/* Adds row unless its type/id is in r already. Returns 0, or -1 when out of memory (r->nomem). */
int search_result_add(struct search_result *r, const struct store_row *row, bool include);
/* The id of hit h (after the '/' of its key). */
static inline const char *search_hit_id(const struct search_hit *h)
{
    return h->key + h->type_len + 1;
}

/* The _include and _revinclude of s over r's matches, then :iterate ones over what they added,
 * SEARCH_ITERATE_DEPTH rounds at most. Store failures go in f. */
enum rg_err search_includes_run(struct rest_ctx *rc, const struct search *s,
                                struct search_result *r, struct rg_fail *f);
/* Adds, as includes, what hits [from, to) of r reference through param (NULL: any reference) of
 * target_type (NULL: any). With outside_patient_compartment, only resources of types the Patient
 * compartment does not hold (Practitioner, Organization, Medication ...). */
enum rg_err search_add_refs_from(struct rest_ctx *rc, struct search_result *r, size_t from,
                                 size_t to, const char *src_type, const char *param,
                                 const char *target_type, bool outside_patient_compartment,
                                 struct rg_fail *f);

/* True when s asks for a view (_summary other than count, or _elements) of the resources. */
bool search_view_active(const struct search *s);
/* Appends to out the text of resource json (of type, a match or an include) as s's view shows
 * it: _summary=true the summary elements, data without text, text only text, id, meta and the
 * mandatory elements; _elements the listed elements (a "Type.element" applies to that type, a
 * bare name to the matches) plus id, meta and resourceType. Views mark meta.tag SUBSETTED. A
 * resource the view leaves whole is appended as it is. Returns 0, -1 when json does not parse
 * or out overflowed. */
int search_view_append(const struct search *s, const char *type, bool match, const char *json,
                       size_t len, struct buf *out);

/* Where the answer's links point, relative to the base: "Patient", "Patient/1/Observation",
 * "Patient/1/$everything", "Observation/$lastn", "" (the base itself); extra_query (may be NULL)
 * is a canonical "name=value" pair the parser did not see (max= of $lastn), put first. ignored
 * lists the names of parameters skipped under lenient handling, told in an outcome entry. */
struct search_links {
    const char *path;
    const char *extra_query;
    char ignored[512];
};

/* Writes the searchset Bundle of r into rep (pretty when asked). */
void search_bundle_reply(struct rest_ctx *rc, const struct search *s, const struct search_result *r,
                         const struct search_links *links, struct http_reply *rep);

/* Runs s (parsed, with q.type/q.compartment/per_param set by the caller) and replies with the
 * searchset: matches, totals, includes, views and links. With everything_refs, the page's
 * references to resources outside the Patient compartment are included too ($everything).
 * Under req->access the caller must have set q.compartment to its patient (403 otherwise, as
 * our bug) and checked the type and parameters (rest_access_search_ok). */
void search_answer(struct http_request *req, struct http_reply *rep, struct search *s,
                   const struct search_links *links, bool everything_refs);

/* Under req->access, a search must run in its patient's compartment: true when it does (or the
 * request is unrestricted); otherwise logs our bug and replies 403. */
bool search_access_scoped(const struct http_request *req, struct http_reply *rep,
                          const char *compartment);

/* Parses the request's parameters (params, n of them) for type into a new struct search (free
 * it), with the Prefer handling of req; the names it ignored go to links->ignored. NULL after
 * replying with the failure. */
struct search *search_parse_request(struct http_request *req, struct http_reply *rep,
                                    const char *type, const struct http_param *params, size_t n,
                                    struct search_links *links);

/* Most types in one _type, and how deep (offset + count) a page of several types may go: each
 * type is searched that deep and the lists merged (search_multi.c). */
#define SEARCH_TYPES_MAX   16
#define SEARCH_MULTI_DEPTH 5000

/* Splits a _type value ("Observation,Condition") into types (pointers into buf, which gets a
 * copy); false after replying to an unknown type, too many or none. */
bool search_type_list(struct http_reply *rep, const char *value, char *buf, size_t buf_len,
                      const char **types, size_t *ntypes);

/* A search of params over several types (inside compartment when not NULL), merged in write
 * order; _sort is refused, and a parameter that only some of the types have. Replies. */
void search_answer_types(struct http_request *req, struct http_reply *rep, const char *const *types,
                         size_t ntypes, const struct http_param *params, size_t n,
                         const char *compartment, struct search_links *links, bool everything_refs);

/* ---- Handlers (routes.c) ---- */
void rest_h_search_type(struct http_request *req, struct http_reply *rep);
void rest_h_search_system(struct http_request *req, struct http_reply *rep);
void rest_h_search_post(struct http_request *req, struct http_reply *rep);
void rest_h_search_compartment(struct http_request *req, struct http_reply *rep);
void rest_h_lastn(struct http_request *req, struct http_reply *rep);
void rest_h_everything(struct http_request *req, struct http_reply *rep);

#endif
