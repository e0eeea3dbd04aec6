/* Internal to src/rest: the context, the pure parsers (Prefer, If-Match, conditions, Bundle entry
 * URLs), the write operation shared by the single interactions and the Bundle engine, and reply
 * helpers. Exposed for the unit tests. */
#ifndef REGIE_REST_INTERNAL_H
#define REGIE_REST_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir/search_index.h"
#include "rest/access.h"
#include "rest/rest.h"
#include "util/fhirtime.h"

#define REST_BASE_MAX 512
/* JSON depth when re-reading stored resources (they passed the request limit when written). */
#define REST_STORED_DEPTH 256

struct rest_ctx {
    struct store *store;
    char base_url[REST_BASE_MAX];
    size_t page_default;
    size_t page_max;
    size_t bundle_entries_max;
    struct audit_log *audit; /* NULL: no audit */
};

/* The rest_ctx a handler runs with. */
static inline struct rest_ctx *rest_ctx_of(const struct http_request *req)
{
    return req->app;
}

/* ---- Prefer ---- */
enum rest_return { REST_RETURN_REPRESENTATION, REST_RETURN_MINIMAL, REST_RETURN_OUTCOME };
/* The return= preference of a Prefer header value (NULL or no return=: representation). */
enum rest_return rest_prefer_return(const char *prefer);

/* ---- If-Match ---- */
/* Parses W/"n" or "n" (n a positive version). Returns false when malformed. */
bool rest_parse_etag(const char *s, int64_t *version);

/* ---- Conditions (If-None-Exist, conditional update/delete, conditional references) ---- */
#define REST_COND_MAX  8
#define REST_COND_TEXT 1024
struct rest_cond {
    struct store_cond c[REST_COND_MAX];
    size_t n;
    char text[REST_COND_TEXT]; /* decoded names and values the conditions point into */
};
/* Parses a query string ("identifier=sys|val&_id=x", percent-encoded) into conditions. Parameters
 * _format and _pretty are ignored. An empty query or anything but _id and identifier fails with
 * RG_E_BAD_QUERY. */
enum rg_err rest_cond_parse(const char *query, size_t len, struct rest_cond *out,
                            struct rg_fail *f);

/* ---- Bundle entry request URLs ---- */
enum rest_url_kind {
    REST_URL_TYPE,     /* "Patient" */
    REST_URL_INSTANCE, /* "Patient/1" */
    REST_URL_VERSION,  /* "Patient/1/_history/2" */
    REST_URL_COND      /* "Patient?identifier=..." */
};
struct rest_url {
    enum rest_url_kind kind;
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
    int64_t version;
    const char *query; /* REST_URL_COND: points into the parsed url */
};
/* Parses a relative entry URL (an absolute URL under base is accepted too). Checks the type and id;
 * fails with RG_E_UNKNOWN_TYPE, RG_E_BAD_ID or RG_E_BAD_BUNDLE. */
enum rg_err rest_url_parse(const struct rest_ctx *rc, const char *url, struct rest_url *out,
                           struct rg_fail *f);

/* ---- Writes ---- */
enum rest_method { REST_GET, REST_POST, REST_PUT, REST_DELETE };

/* A placeholder in a detached resource's text (between the quotes of a JSON string) and what
 * replaces it. */
struct rest_splice {
    size_t off, len;
    char value[STORE_TYPE_MAX + STORE_ID_MAX + 1];
};

/* A REF index row naming the placeholder of reference k (rest_ref_set_fix); type/id hold the
 * target once rest_op_fix_ref knows it. */
struct rest_ixfix {
    size_t row, k;
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
};

/* One create, update or delete, prepared before the store's write unit and run inside it. */
struct rest_op {
    enum rest_method method;
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX]; /* target (PUT, DELETE) or the new id (POST); the match when by_cond */
    bool by_cond;          /* PUT/DELETE by condition, POST with If-None-Exist */
    struct rest_cond cond;
    int64_t if_match;      /* 0: none */
    json_object *resource; /* POST/PUT body, not owned; id and meta are set in it */
    bool body_id;          /* the body carried an id (conditional update) */
    bool late_compartment; /* references change inside the unit: compute the compartment there */
    char last_updated[FHIRTIME_INSTANT_LEN];
    char compartment[STORE_ID_MAX];
    bool has_compartment;
    struct search_rows ix;    /* search index rows (own their strings, so detaching is free) */
    struct rest_ixfix *ixfix; /* REF rows whose target the unit decides (rest_ref_set_fix) */
    size_t nixfix;
    /* Detached (rest_op_detach): the serialised resource, with placeholders rest_op_run replaces
     * by splices[k].value in text order (order); splices[0] is meta.versionId, splices[1 + k]
     * the k-th reference given to rest_op_detach. resource is then NULL. */
    char *text;
    size_t text_len;
    struct rest_splice *splices;
    size_t *order;
    size_t nsplices;
    /* results */
    int status;      /* 200, 201, 204 */
    int64_t version; /* of the version written or found; 0 when none */
    bool matched;    /* conditional create found one: nothing written */
    char *existing;  /* matched resource's bytes (owned), when wanted */
    bool want_existing;
    bool noop; /* delete of something absent or already deleted */
};

/* Checks and prepares op (method, type, id/cond and resource set by the caller): validates the
 * resource, checks its type and id against the request, assigns a new id for POST, sets the
 * instant (now, unless the caller set op->last_updated: a Bundle's versions share one), extracts
 * the search index rows and (unless late) the compartment. */
enum rg_err rest_op_prepare(struct rest_op *op, struct rg_fail *f);
/* The op's conditional resolution inside a unit (conditional create/update/delete): sets op->id /
 * op->matched. Returns RG_OK, a client code in f, or RG_E_INTERNAL (store failure, logged). */
enum rg_err rest_op_resolve(struct store *s, struct store_txn *tx, struct rest_op *op,
                            struct rg_fail *f);
/* Runs op (after rest_op_resolve) inside a unit: version checks, serialisation, tx_put. */
enum rg_err rest_op_run(struct store *s, struct store_txn *tx, struct rest_op *op,
                        struct rg_fail *f);
/* After rest_op_prepare (not for conditional ops): serialises the resource with meta set as
 * rest_op_run would (versionId a placeholder, lastUpdated op->last_updated), each of the nrefs
 * holders' reference a placeholder too (their values are set in splices[1 + k] before
 * rest_op_run; none may name a Patient, since the compartment is computed here), and forgets the
 * resource so the caller can free it. */
enum rg_err rest_op_detach(struct rest_op *op, json_object *const *refs, size_t nrefs,
                           struct rg_fail *f);
/* References decided inside the write unit (a conditional reference, an entry written by
 * condition): before rest_op_prepare, the Bundle engine sets reference k of an entry to a
 * placeholder "type/<placeholder k>", so the index rows get the right type (and resolve() in
 * search expressions sees it); once the unit knows the target, rest_op_fix_ref points the rows
 * of reference k at it. Only ops with late_compartment set are looked at. */
void rest_ref_set_fix(json_object *holder, const char *type, size_t k);
void rest_op_fix_ref(struct rest_op *op, size_t k, const char *type, const char *id);
/* Frees what op owns. */
void rest_op_clear(struct rest_op *op);
/* Runs one op as its own write unit (resolve + run). RG_E_UNAVAILABLE when the store is busy. */
enum rg_err rest_op_write(struct rest_ctx *rc, struct rest_op *op, struct rg_fail *f);

/* Maps a store failure to a fail: RETRY -> RG_E_UNAVAILABLE, anything else -> RG_E_INTERNAL. */
enum rg_err rest_store_fail(enum store_rc src, const char *what, struct rg_fail *f);

/* ---- References ---- */
/* Calls fn for every object member "reference" with a string value in v (recursively). */
typedef int (*rest_ref_fn)(void *ctx, json_object *holder, const char *ref);
int rest_refs_walk(json_object *v, rest_ref_fn fn, void *ctx);
/* Sets holder.reference to "type/id". */
void rest_ref_set(json_object *holder, const char *type, const char *id);
/* True when ref is a conditional reference "Type?query"; sets *qmark to the '?'. */
bool rest_ref_is_conditional(const char *ref, const char **qmark);

/* ---- Replies ---- */
/* ETag W/"v" and Last-Modified. */
void rest_reply_version_headers(struct http_reply *rep, int64_t version, const char *instant);
/* Location <base>/<type>/<id>/_history/<v>. */
void rest_reply_location(const struct rest_ctx *rc, struct http_reply *rep, const char *type,
                         const char *id, int64_t version);
/* Replies with stored resource bytes (re-indented when pretty). */
void rest_reply_stored(struct http_reply *rep, int status, const char *json, size_t len);
/* Replies to a successful write as Prefer asks. body may be NULL (no representation). */
void rest_reply_written(struct http_reply *rep, int status, enum rest_return ret, json_object *body,
                        const char *what);
/* Replies for a failure; 500s are logged by the caller already. */
void rest_reply_fail(struct http_reply *rep, const struct rg_fail *f);
/* Checks the {type} path argument (known type); false after replying. */
bool rest_check_type(struct http_reply *rep, const char *type);
/* For PUT/DELETE [type]?query: checks the type (405 on the fixed GET-only paths), sets op's type,
 * marks it conditional and parses the query into op->cond. False when a reply was made. */
bool rest_cond_target(struct http_request *req, struct http_reply *rep, struct rest_op *op);
/* Checks the {id} path argument; false after replying. */
bool rest_check_id(struct http_reply *rep, const char *id);
/* "201 Created" style status line for Bundle entries. */
const char *rest_status_text(int status);

/* ---- String map (keys not owned) ---- */
struct rest_strmap {
    const char **keys;
    size_t *vals;
    size_t cap, n;
};
int rest_strmap_init(struct rest_strmap *m, size_t expected);
void rest_strmap_free(struct rest_strmap *m);
bool rest_strmap_get(const struct rest_strmap *m, const char *key, size_t *val);
/* 0 inserted, 1 already present (unchanged), -1 out of memory. */
int rest_strmap_put(struct rest_strmap *m, const char *key, size_t val);

/* ---- Bundles ---- */
/* JSON depth for a Bundle's text given without a limit (the HTTP layer's default). */
#define REST_BUNDLE_DEPTH 64
enum rg_err rest_bundle_run(struct rest_ctx *rc, json_object *bundle, enum rest_return ret,
                            json_object **response, struct rg_fail *f);
/* The same over a Bundle's JSON text (nested at most depth deep), holding one entry's tree at a
 * time. Text that is not a JSON object fails as the HTTP layer fails such a body
 * (RG_E_JSON_SYNTAX, RG_E_JSON_DEPTH, RG_E_NOT_UTF8, ...). */
enum rg_err rest_bundle_run_text(struct rest_ctx *rc, const char *text, size_t len, int depth,
                                 enum rest_return ret, json_object **response, struct rg_fail *f);

/* ---- Access (access*.c): struct rest_access enforced; see access.h and docs/access.md ---- */
/* The BSN naming system: no URL under a token may carry it, no searchset link may hold it. */
#define REST_BSN_SYSTEM "http://fhir.nl/fhir/NamingSystem/bsn"
/* What the request may see; NULL: unrestricted. */
static inline const struct rest_access *rest_access_of(const struct http_request *req)
{
    return req->access;
}
/* Whether a may read the stored resource json (len bytes) of type: a readable type, and for the
 * Patient and the types of its compartment, a version whose compartment is a->patient_id; for a
 * Binary, a securityContext the token may read (looked up in s; NULL: not readable). */
bool rest_access_may_read(const struct rest_access *a, struct store *s, const char *type,
                          const char *json, size_t len);
/* Replies 403 RG_E_FORBIDDEN: "<what> is not allowed with this token". */
void rest_access_forbid(struct http_reply *rep, const char *what);
/* Replies 404 exactly as for a type/id that does not exist. */
void rest_access_hide(struct http_reply *rep, const char *type, const char *id);
/* A search of type (NULL: of no type, $everything) under a: 403 when the type is not readable,
 * 400 when a parameter selects a patient (patient, subject, any reference that may name a Patient,
 * a chain through one), is _has, or names the BSN system. False after replying. */
bool rest_access_search_ok(const struct rest_access *a, struct http_reply *rep, const char *type,
                           const struct http_param *params, size_t n);
/* POST [base] under a (access_share.c): a MedMij share, a batch of POSTs of a->share_types after
 * an optional leading Patient entry, which is not stored: references to it (and to any Patient)
 * become Patient/<a->patient_id>. Anything else fails with RG_E_FORBIDDEN. On RG_OK *response is
 * the batch-response (an entry per request entry, the Patient's first) and *stored the number of
 * resources stored. */
enum rg_err rest_share_run(struct rest_ctx *rc, const struct rest_access *a, const char *text,
                           size_t len, int depth, enum rest_return ret, json_object **response,
                           size_t *stored, struct rg_fail *f);

/* ---- Audit (access_audit.c) ---- */
/* Runs handler h for a route and, when the rest_ctx has an audit log, records one entry for it
 * (action: an audit_action_valid word). A refused entry turns the reply into a 500. */
void rest_audited(struct http_request *req, struct http_reply *rep, http_handler_fn h,
                  const char *action);
/* What the running handler knows for its audit entry (no-ops outside rest_audited): the Patient
 * whose data it touched (unrestricted requests; under a token it is the token's), and a search's
 * matches and includes, a share's resources stored. */
void rest_note_patient(const char *id);
void rest_note_count(size_t matches, size_t included);
void rest_note_stored(size_t stored);
/* The audit action when the route's is not the whole truth (POST [base]: "transaction"). */
void rest_note_action(const char *action);

/* ---- Handlers ---- */
void rest_h_metadata(struct http_request *req, struct http_reply *rep);
void rest_h_read(struct http_request *req, struct http_reply *rep);
void rest_h_vread(struct http_request *req, struct http_reply *rep);
void rest_h_create(struct http_request *req, struct http_reply *rep);
void rest_h_update(struct http_request *req, struct http_reply *rep);
void rest_h_cond_update(struct http_request *req, struct http_reply *rep);
void rest_h_delete(struct http_request *req, struct http_reply *rep);
void rest_h_cond_delete(struct http_request *req, struct http_reply *rep);
void rest_h_history_system(struct http_request *req, struct http_reply *rep);
void rest_h_history_type(struct http_request *req, struct http_reply *rep);
void rest_h_history_instance(struct http_request *req, struct http_reply *rep);
void rest_h_bundle(struct http_request *req, struct http_reply *rep);

#endif
