/* The PGO's JSON API for its web app (issue 5) and the OAuth redirect target of a connect. See
 * docs/pgo.md "Patient API" for every route, its body and its answers.
 *
 * Everything but login needs the session cookie (__Host-regie_session, SameSite=Strict) of a
 * patient account; every state-changing call also needs the session's CSRF token in the header
 * X-CSRF-Token. Login answers the token; GET /api/me repeats it. Answers are application/json;
 * an error is {"error": code, "message": text} and never holds a token, code or verifier.
 *
 * The vault is the PGO's FHIR store: each patient account has a Patient whose id is the
 * account's subject (made at first login) and everything collected for it carries the vault-owner
 * tag of backchannel.h. The node's /fhir routes are not exposed; the API is the only way in. */
#ifndef REGIE_PGO_API_H
#define REGIE_PGO_API_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/idp.h"
#include "http/http.h"
#include "medmij/lists.h"
#include "pgo/backchannel.h"
#include "pgo/connections.h"
#include "rest/rest.h"
#include "store/store.h"

/* A data service as the PGO knows it (the node's [service ID] catalogue). */
struct pgo_service_def {
    const char *id;              /* "48" */
    const char *name;            /* fallback display name; the GNL's wins */
    bool share;                  /* kind share (scope name~id) rather than collect (scope name) */
    const char *const *searches; /* collect: the searches to run */
    size_t nsearches;
    const char *const *types; /* the types the service returns; others are not stored (NULL:
                                 every type) */
    size_t ntypes;
};

struct pgo_api_config {
    struct accounts *accounts;  /* sessions and CSRF tokens */
    struct idp *idp;            /* login (a form provider: authenticate) */
    struct medmij_lists *lists; /* ZAL and GNL */
    struct pgo_conn_store *conns;
    struct rest_ctx *vault;    /* writes into the PGO's FHIR store */
    struct store *store;       /* reads from it */
    struct audit_log *audit;   /* every access to patient data is recorded here; NULL: none */
    const char *client_id;     /* the PGO's host name (OCL Hostname) */
    const char *public_url;    /* "https://pgo.regie.test:8443", no trailing '/' */
    const char *redirect_path; /* NULL: "/connect/callback" */
    const char *app_url;       /* where the callback sends the browser; NULL: "/app/#/providers" */
    const struct pgo_service_def *services; /* the catalogue (copied) */
    size_t nservices;
    struct pgo_call_opts call; /* back-channel TLS and limits (strings copied) */
    size_t collect_max;        /* 0: PGO_COLLECT_MAX_DEFAULT */
    bool signup_closed;        /* [pgo] self_signup = false: POST /api/register* answer 404 */
    /* A provider's display name, when the node has one (NULL: none). */
    const char *(*display_name)(void *ctx, const char *provider_name);
    void *display_ctx;
};

struct pgo_api;

/* Copies what it needs of cfg (the handles are not owned). NULL with err when a required member
 * is missing. */
struct pgo_api *pgo_api_new(const struct pgo_api_config *cfg, char *err, size_t err_len);
void pgo_api_free(struct pgo_api *api);

#define PGO_API_ROUTES 32 /* room for the routes of every issue-5 room */

/* Writes the API's routes (each with .ctx = api) into out (room for PGO_API_ROUTES); returns
 * how many. The routes point into api: keep it alive while a server uses them. */
size_t pgo_api_routes(struct pgo_api *api, struct http_route *out, size_t cap);

#endif
