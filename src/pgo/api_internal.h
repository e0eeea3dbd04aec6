/* Shared by the api*.c files only. */
#ifndef REGIE_PGO_API_INTERNAL_H
#define REGIE_PGO_API_INTERNAL_H

#include <json-c/json.h>

#include "pgo/api.h"

struct pgo_api {
    struct pgo_api_config cfg; /* strings below replace the caller's */
    char *client_id, *public_url, *redirect_path, *app_url, *redirect_uri;
    char *tls_cert, *tls_key, *tls_ca;
    struct pgo_service_def *services;
    char **service_strings; /* everything the copied catalogue points at */
    size_t nservice_strings;
};

/* Who is calling: the session's account. */
struct pgo_who {
    struct account account;
    char session[SESSION_TOKEN_LEN];
    int64_t session_ends; /* Unix seconds: the session ends then unless used again */
};

/* Checks the session cookie (and, when csrf, the X-CSRF-Token header). Returns 0 with *who, or
 * -1 after filling rep with the refusal (401 no session, 403 bad CSRF token or not a patient). */
int pgo_api_session(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                    bool csrf, struct pgo_who *who);

/* Replies. Every API answer is application/json and not cached. */
void pgo_api_json(struct http_reply *rep, int status, json_object *v);
void pgo_api_error(struct http_reply *rep, int status, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records an access in the audit log (when there is one): actor and patient are the account's
 * subject; client the provider (or NULL); what "Type/id" or "Type?names". A refused entry is our
 * bug and logged. */
void pgo_api_audit(struct pgo_api *api, const char *subject, const char *action, const char *what,
                   int outcome, const char *purpose, const char *client, const char *request);

/* The catalogue entry of a service id, or NULL. */
const struct pgo_service_def *pgo_api_service(const struct pgo_api *api, const char *id);
/* The display name of a service: the GNL's, else the catalogue's, else NULL. */
const char *pgo_api_service_name(const struct pgo_api *api, const struct medmij_list *gnl,
                                 const char *id);

/* The account's Patient in the vault (id = subject): made when missing. 0, or -1 (logged). */
int pgo_vault_ensure_patient(struct pgo_api *api, const struct account *acct);
/* Reads the account's Patient (caller puts), NULL when missing. */
json_object *pgo_vault_patient(struct pgo_api *api, const char *subject);
/* Adds a link from the account's Patient to a provider's Patient copy (collected), once. */
int pgo_vault_link_patient(struct pgo_api *api, const char *subject, const char *copy_id);
/* Reads a resource of the vault (caller puts), NULL when missing or deleted. */
json_object *pgo_vault_read(struct pgo_api *api, const char *type, const char *id);
/* Whether a vault resource carries the vault-owner tag of subject. */
bool pgo_vault_owned(json_object *resource, const char *subject);

/* Logs acct in (after its password and code were checked): a new session (any session id the
 * request carried is ended first), the account's Patient made when missing, the answer of
 * POST /api/login with its cookie, and the audit entry. Fills rep either way. */
void pgo_api_start_session(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                           const struct account *acct);

/* Route handlers. */
void pgo_api_login(struct http_request *req, struct http_reply *rep);
void pgo_api_logout(struct http_request *req, struct http_reply *rep);
void pgo_api_me(struct http_request *req, struct http_reply *rep);
void pgo_api_providers(struct http_request *req, struct http_reply *rep);
void pgo_api_connections(struct http_request *req, struct http_reply *rep);
void pgo_api_connect(struct http_request *req, struct http_reply *rep);
void pgo_api_callback(struct http_request *req, struct http_reply *rep);
void pgo_api_collect(struct http_request *req, struct http_reply *rep);
void pgo_api_disconnect(struct http_request *req, struct http_reply *rep);
void pgo_api_share(struct http_request *req, struct http_reply *rep);
void pgo_api_shares(struct http_request *req, struct http_reply *rep);
void pgo_api_totp_begin(struct http_request *req, struct http_reply *rep);
void pgo_api_totp_confirm(struct http_request *req, struct http_reply *rep);
/* Self sign-up (register.c). */
void pgo_api_register(struct http_request *req, struct http_reply *rep);
void pgo_api_register_confirm(struct http_request *req, struct http_reply *rep);
void pgo_api_records(struct http_request *req, struct http_reply *rep);
void pgo_api_record(struct http_request *req, struct http_reply *rep);
void pgo_api_measurement(struct http_request *req, struct http_reply *rep);
/* Measurements (api_measure.c). */
void pgo_api_measurement_kinds(struct http_request *req, struct http_reply *rep);
void pgo_api_measurements(struct http_request *req, struct http_reply *rep);
void pgo_api_measurement_delete(struct http_request *req, struct http_reply *rep);
void pgo_api_measurements_import(struct http_request *req, struct http_reply *rep);
void pgo_api_audit_log(struct http_request *req, struct http_reply *rep);
/* Portability (api_port.c) and account deletion (api_account.c). */
void pgo_api_export(struct http_request *req, struct http_reply *rep);
void pgo_api_import(struct http_request *req, struct http_reply *rep);
void pgo_api_account_delete(struct http_request *req, struct http_reply *rep);

/* Back-channel helpers (api_connect.c). */
struct pgo_endpoints {
    char authorization[MEDMIJ_MAX_URI + 1];
    char token[MEDMIJ_MAX_URI + 1];
    char resource[MEDMIJ_MAX_URI + 1];
};
/* The ZAL's endpoints of (provider, service): 0, or -1 when the ZAL has no such service. */
int pgo_api_endpoints(struct pgo_api *api, const char *provider, const char *service,
                      struct pgo_endpoints *out);
/* A usable access token for a connected connection, refreshed when it has expired. 0 with *t
 * (pgo_tokens_clear it), or -1 after filling rep. */
int pgo_api_access_token(struct pgo_api *api, const struct pgo_connection *c,
                         const struct pgo_endpoints *ep, struct pgo_tokens *t,
                         struct http_reply *rep);
/* Runs a collection for a connection and records its outcome; fills *summary (for the reply).
 * 0 when every search succeeded. */
int pgo_api_run_collect(struct pgo_api *api, const struct pgo_connection *c, const char *token,
                        const struct pgo_endpoints *ep, char *summary, size_t summary_len);

#endif
