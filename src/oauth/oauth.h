/* The DVA's OAuth 2.0 authorization server as MedMij profiles it (docs/oauth.md): one struct
 * oauth_server that node/dva.c opens over the node's stores and lists, the routes it brings
 * (/oauth/token, /oauth/revoke here; /oauth/authorize from the front, authorize.c), and the bearer
 * hook that turns a FHIR request's access token into a struct rest_access.
 *
 * Who does what:
 *   token.c, revoke.c  back channel (mutual TLS; client_id == certificate host, on OCL + Whitelist)
 *   bearer.c           the http authenticate hook of the FHIR routes
 *   authorize.c,       front channel (the OAuth front helper): login through cfg.idp, consent page,
 *   pages.c            then oauth_grants_consent_create + oauth_grants_code_issue (grants.h)
 *   oauth.c            open/close, the shared checks below
 *
 * Request ids: MedMij-Request-ID and X-Correlation-ID are read from the headers (or, on the front
 * channel, the query), logged and echoed; never log codes, tokens or BSNs. */
#ifndef REGIE_OAUTH_OAUTH_H
#define REGIE_OAUTH_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/idp.h"
#include "http/http.h"
#include "medmij/lists.h"
#include "oauth/grants.h"
#include "oauth/scope.h"
#include "rest/access.h"
#include "store/store.h"

#define OAUTH_SERVICES_MAX 64

/* Which collect scope the DVA expects ([oauth] scope_form). Every form is parsed; the setting
 * decides which collect form oauth_scope_resolve accepts (a share scope, one name~id pair of a
 * share service, is accepted under both). */
enum oauth_expect_form {
    OAUTH_EXPECT_PROVIDER, /* `huisartsdelinde` (default) */
    OAUTH_EXPECT_PAIRS,    /* `huisartsdelinde~48 ...` */
};

/* One data service of the catalogue ([service ID] of docs/node-config.md) that this DVA offers. */
struct oauth_service {
    const char *id;   /* "48" */
    const char *name; /* fallback display name (the GNL's Weergavenaam wins) */
    bool share;       /* kind = share (the PGO writes share_types) or collect (reads types) */
    const char *types[REST_ACCESS_TYPES_MAX]; /* resource types; strings must outlive the server */
    size_t ntypes;
};

struct oauth_config {
    const char *provider_name; /* this DVA's ZAL name, "huisartsdelinde@medmij" */
    const char *display_name;  /* "Huisartsenpraktijk De Linde" */
    const char *public_url;    /* "https://gp.regie.test:8443" (no trailing slash) */
    const char *db_path;       /* <data_dir>/oauth.db */
    enum oauth_expect_form scope_form;
    int64_t code_ttl;                                  /* seconds; 0: 60 */
    int64_t access_ttl;                                /* seconds; 0: 900 */
    int64_t consent_ttl;                               /* seconds; 0: 365 days */
    struct oauth_service services[OAUTH_SERVICES_MAX]; /* offered, copied by value */
    size_t nservices;
    const char *consent_text; /* NULL: the fixed MedMij wording; {org} and {service} filled in */
    /* Not owned; must outlive the server. */
    struct medmij_lists *lists; /* OCL and Whitelist (client checks), GNL (service names) */
    struct accounts *accounts;  /* sessions and CSRF of the front pages */
    struct idp *idp;            /* login (the stand-in for DigiD) */
    struct audit_log *audit;    /* consent, token and access records; NULL: none */
    struct store *store;        /* the FHIR store: the front finds the patient by BSN */
    struct oauth_clock clock;   /* tests inject; NULL now: the system clock */
};

/* Open: the config (copied; its strings are borrowed) and the grant store. Fields are read-only
 * after oauth_server_open; the grant store serialises its own calls. */
struct oauth_server {
    struct oauth_config cfg;
    struct oauth_grants *grants;
    _Atomic int64_t next_sweep; /* oauth_maybe_sweep: when the grant store is swept next */
};

/* Opens the grant store at cfg->db_path. NULL with a reason in err. */
struct oauth_server *oauth_server_open(const struct oauth_config *cfg, char *err, size_t err_len);
void oauth_server_close(struct oauth_server *s);
int64_t oauth_now(const struct oauth_server *s);

/* Sweeps the grant store (oauth_grants_sweep) when the last sweep is an hour old; called by the
 * token endpoint after each answer, so a long-running DVA does not pile up dead tokens. At most one
 * caller sweeps at a time; the others return at once. */
void oauth_maybe_sweep(struct oauth_server *s);

/* The back-channel routes, each with .ctx = s and .client_cert = true: POST /oauth/token and
 * POST /oauth/revoke (form body; query parameters are accepted too). Returns how many were written
 * (0 when cap is too small). */
size_t oauth_routes(struct oauth_server *s, struct http_route *out, size_t cap);

/* The front-channel routes (GET/POST /oauth/authorize and the login/consent pages), each with
 * .ctx = s. Implemented by the OAuth front in authorize.c. Returns how many were written. */
size_t oauth_front_routes(struct oauth_server *s, struct http_route *out, size_t cap);

/* The http_server_config.authenticate hook for the DVA's FHIR routes (ctx: the oauth_server).
 * Takes `Authorization: Bearer <token>`, finds the live access token and its consent, checks that
 * the mutual-TLS certificate host is the token's client (still on the OCL and the Whitelist), and
 * sets req->access to a malloc'd
 * struct rest_access (access_free = free). Otherwise 401 with
 * `WWW-Authenticate: Bearer realm="regie", error="invalid_token"` (no error attribute when no
 * token was sent, RFC 6750 §3.1). */
int oauth_bearer_authenticate(void *ctx, struct http_request *req, struct http_reply *rep);

/* The struct rest_access a consent gives (what the bearer hook sets): patient, subject, client,
 * grant_id = consent id, service_id = the ids joined by ',' (the first when they do not fit),
 * types = the union of its collect services' types, share_types (and may_share) those of its share
 * service, purpose "collect" or "share". The type strings are the config's. */
void oauth_access_from_consent(const struct oauth_server *s, const struct oauth_consent *c,
                               struct rest_access *a);

/* Whether client_id may use this DVA: on the current OCL and on the current Whitelist. When it
 * is, the OCL's organisation name is copied into org (for the consent page; may be NULL). */
bool oauth_client_allowed(struct oauth_server *s, const char *client_id, char *org, size_t org_len);

/* The catalogue entry of a service id this DVA offers, or NULL. */
const struct oauth_service *oauth_service_find(const struct oauth_server *s, const char *id);

/* What a scope asks of this DVA: the parsed scope, whether it is a share, and the services it
 * covers (pointers into s->cfg.services). */
struct oauth_scope_grant {
    struct oauth_scope scope;
    bool share;
    const struct oauth_service *services[OAUTH_SCOPE_IDS_MAX];
    size_t nservices;
};

/* Parses and resolves a scope against this DVA (the front at authorize, the token endpoint never
 * needs it again: the consent keeps the ids). Rules:
 *   - the provider must be this DVA (cfg.provider_name, with or without "@medmij");
 *   - every id must be a service this DVA offers;
 *   - share: exactly one name~id pair naming a share service (under either scope_form);
 *   - collect under OAUTH_EXPECT_PROVIDER: the provider alone, meaning every collect service this
 *     DVA offers (one authorization endpoint serves them all);
 *   - collect under OAUTH_EXPECT_PAIRS: name~id pairs of collect services, or
 *     subscribe~days/name~id (treated as collect; the days stay in the scope text).
 * Returns 0, or -1 with a constant reason in *why (the caller answers invalid_scope). */
int oauth_scope_resolve(const struct oauth_server *s, const char *scope, size_t len,
                        struct oauth_scope_grant *out, const char **why);

#define OAUTH_REQUEST_ID_MAX 129

/* MedMij-Request-ID and X-Correlation-ID of a request: headers first, then query/form
 * parameters of the same name. A value that is not 1..128 characters of [A-Za-z0-9._:-] is
 * treated as absent (empty string), so it can be logged and echoed safely. */
void oauth_request_ids(const struct http_request *req, char request_id[OAUTH_REQUEST_ID_MAX],
                       char correlation_id[OAUTH_REQUEST_ID_MAX]);
/* Echoes the two ids (when present) as reply headers. */
void oauth_echo_request_ids(struct http_reply *rep, const char *request_id,
                            const char *correlation_id);

#endif
