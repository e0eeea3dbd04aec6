/* Internal to the DVA's front channel (authorize*.c): the checked authorization request, the
 * signed pending request that carries it through login and consent, and the patient lookup.
 * Exposed for the unit tests and the fuzz driver. */
#ifndef REGIE_OAUTH_AUTHORIZE_PRIV_H
#define REGIE_OAUTH_AUTHORIZE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "http/query.h"
#include "oauth/oauth.h"
#include "util/buf.h"

/* Bounds chosen so that the redirect back (redirect_uri?code=...&state=... with the state
 * percent-encoded) always fits one reply header (1023 bytes). */
#define AUTHZ_REDIRECT_URI_MAX 512 /* bytes */
#define AUTHZ_STATE_MAX        128 /* bytes, RFC 6749 VSCHAR (%x20-7E) */
#define AUTHZ_ORG_MAX          256
#define AUTHZ_ORIGIN_MAX       (AUTHZ_REDIRECT_URI_MAX + 1)

/* A checked authorization request. */
struct authz_request {
    char client_id[OAUTH_CLIENT_ID_MAX];
    char org[AUTHZ_ORG_MAX]; /* OAuthclientOrganisatienaam from the OCL */
    char redirect_uri[AUTHZ_REDIRECT_URI_MAX + 1];
    char redirect_origin[AUTHZ_ORIGIN_MAX]; /* "https://host[:port]", for the CSP */
    char state[AUTHZ_STATE_MAX + 1];
    char scope[OAUTH_SCOPE_MAX + 1];
    struct oauth_scope_grant grant;
    char code_challenge[OAUTH_PKCE_CHALLENGE_LEN];
    char request_id[OAUTH_REQUEST_ID_MAX];
    char correlation_id[OAUTH_REQUEST_ID_MAX];
};

/* What to do with a request that is not valid. */
enum authz_outcome {
    AUTHZ_VALID,
    AUTHZ_SHOW,     /* the client or its redirect_uri cannot be trusted: an error page, never a
                       redirect (RFC 6749 §4.1.2.1) */
    AUTHZ_REDIRECT, /* redirect_uri?error=...&state=... (state only when it was valid) */
};

struct authz_verdict {
    enum authz_outcome outcome;
    int status;              /* AUTHZ_SHOW: 400, or 503 when the lists are not available */
    const char *error;       /* the OAuth error code ("invalid_request" ...), also for SHOW */
    const char *description; /* constant English text, safe to log and to send */
};

/* Checks the parameters of an authorization request (query or form) against the MedMij rules,
 * in RFC 6749's order: client_id and redirect_uri first (a failure there is AUTHZ_SHOW), then
 * response_type, state, PKCE and scope (AUTHZ_REDIRECT). A parameter given twice is refused;
 * unknown parameters are ignored. Returns the outcome (also in v->outcome); out is filled as far
 * as the check got (redirect_uri and state are set whenever the outcome is AUTHZ_REDIRECT). */
enum authz_outcome authz_check(struct oauth_server *s, const struct http_param *params,
                               size_t nparams, struct authz_request *out, struct authz_verdict *v);

/* The single rules, for the tests. */
/* redirect_uri: https, host[:port] with host == client_id (ASCII case-insensitive), an absolute
 * path, no userinfo, query or fragment, at most AUTHZ_REDIRECT_URI_MAX bytes of visible ASCII.
 * On success origin (when not NULL) receives "https://host[:port]". */
bool authz_redirect_uri_ok(const char *uri, const char *client_id, char origin[AUTHZ_ORIGIN_MAX]);
/* state: 1..AUTHZ_STATE_MAX bytes of %x20-7E. */
bool authz_state_ok(const char *state);
/* An S256 code_challenge: exactly 43 base64url characters. */
bool authz_pkce_challenge_ok(const char *challenge);

/* Appends s percent-encoded for a query value (everything but RFC 3986 unreserved). */
int authz_pct_encode(struct buf *out, const char *s);

/* The redirect back to the client: redirect_uri?code=CODE&state=STATE, or
 * redirect_uri?error=ERR&state=STATE (state left out when empty). Returns 0, or -1 when it does
 * not fit cap. */
int authz_redirect_location(char *out, size_t cap, const char *redirect_uri, const char *key,
                            const char *value, const char *state);

/* ---- the pending request ----
 * Between the authorization request and the consent answer the browser posts forms; the request
 * travels in a hidden field, as its parameters signed with HMAC-SHA256 under a key made at start
 * (so a restart ends pending logins) with the time it was made. authz_pending_open accepts it only
 * with a good signature and within AUTHZ_PENDING_TTL seconds; the request is then checked again
 * (the lists may have changed meanwhile). */
#define AUTHZ_PENDING_TTL 900
#define AUTHZ_PENDING_MAX 16384 /* bytes of the hidden field */

/* Seals a checked request made at `now`. The result is malloc'd base64url text (NULL when out of
 * memory). */
char *authz_pending_seal(const struct authz_request *r, int64_t now);

/* Verifies and opens a sealed request: its parameters (as for authz_check) are appended to
 * params (http/query.h; the caller inits and frees it). Returns 0, or -1 (bad signature,
 * malformed, expired, or made in the future). */
int authz_pending_open(const char *sealed, int64_t now, struct http_params *params);

/* ---- the patient ----
 * The FHIR Patient whose identifier is http://fhir.nl/fhir/NamingSystem/bsn|<bsn>. Returns 1 with
 * id filled, 0 when there is none, -1 when there are several (a data error) or the store failed.
 * Nothing here logs the BSN. */
#define AUTHZ_BSN_SYSTEM "http://fhir.nl/fhir/NamingSystem/bsn"
int authz_find_patient(struct store *store, const char *bsn, char id[OAUTH_PATIENT_ID_MAX]);

/* ---- the front ----
 * What one front-channel request works with, and the helpers its pages share (front.c). */
#define FRONT_PAGE_LIMIT (256u << 10)

struct front {
    struct oauth_server *s;
    struct http_request *req;
    struct http_reply *rep;
    struct authz_request r; /* the authorization request, or zeroes (pages outside one) */
};

/* Sends page (freed) with the security headers: the CSP (form-action 'self' and the
 * r.redirect_origin when set), no-store, nosniff, no framing, no referrer; and echoes the request
 * ids of r. A page that overflowed answers 500. */
void front_reply_page(struct front *f, int status, struct buf *page);
/* An error page (see page_error). */
void front_show_error(struct front *f, int status, const char *title, const char *text,
                      const char *english);
/* Set-Cookie for a __Host- cookie of token, or clearing it when token is NULL. */
void front_set_cookie(struct front *f, const char *name, const char *token);
/* The browser's pre-login token (cookie SESSION_LOGIN_COOKIE_NAME), or a new one (*fresh: the
 * caller must set the cookie). False when no random token could be made. */
bool front_login_token(struct front *f, char pre[SESSION_TOKEN_LEN], bool *fresh);
/* Whether the login form's csrf parameter belongs to the browser's pre-login cookie. */
bool front_login_csrf_ok(struct front *f);
/* The live session of the request's cookie: token and account. */
bool front_session(struct front *f, char token[SESSION_TOKEN_LEN], struct account *acct);
/* Shows the login page again (status, the username to refill, a message, or a lockout wait). */
typedef void (*front_login_page_fn)(struct front *f, int status, const char *username,
                                    const char *error, int64_t retry_after);
/* The login step of a form: the login CSRF check, the fields, the idp. Returns 1 with *out the
 * identity, or 0 after answering (the login page again through show_login, or an error page). */
int front_login(struct front *f, front_login_page_fn show_login, struct idp_identity *out);
/* Starts the session of a logged-in identity and sets its cookie (clearing the pre-login one).
 * Returns 1, or 0 after answering with an error page. */
int front_session_start(struct front *f, const struct idp_identity *id,
                        char session[SESSION_TOKEN_LEN]);
/* The routes of "Mijn toestemmingen" (consents.c): GET/POST /oauth/consents. */
size_t oauth_consents_routes(struct oauth_server *s, struct http_route *out, size_t cap);
/* The patient's own access log (consents_log.c): GET /oauth/consents/log. */
size_t oauth_consents_log_routes(struct oauth_server *s, struct http_route *out, size_t cap);
/* The DVA's name for pages: display_name, else the provider name. */
const char *front_provider(const struct oauth_server *s);

#endif
