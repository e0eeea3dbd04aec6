/* The DVA's OAuth state: consents, authorization codes, access and refresh tokens, in their own
 * SQLite file (<data_dir>/oauth.db, WAL, synchronous=FULL: a grant that returned OK survives a
 * crash). One handle may be shared by threads; calls serialise on it.
 *
 * Model:
 *   consent  what a patient agreed to: subject (account uuid), patient_id (the FHIR Patient id),
 *            client_id (PGO host), the scope text, its service ids, created/expires/revoked. Its id
 *            (a UUID) is the "family" and the audit log's grant id.
 *   code     single use, short-lived (cfg code_ttl), bound to one consent, the redirect_uri of the
 *            authorization request and an optional PKCE S256 challenge. A second redemption of a
 *            used code revokes the consent and with it every token it issued (RFC 6749 §4.1.2).
 *   access   15 minutes (access_ttl), bound to the consent.
 *   refresh  lives as long as the consent; rotated at every use: the old one stops working, and
 *            presenting an already-rotated refresh token again revokes the whole family (reuse
 *            detection, OAuth 2.0 Security BCP §4.14.2).
 * Codes and tokens are 256 bits from the CSPRNG, handed out as 43 base64url characters; only
 * their SHA-256 is stored, so a copy of oauth.db holds nothing usable.
 *
 * Nothing here logs a code, a token or a BSN. */
#ifndef REGIE_OAUTH_GRANTS_H
#define REGIE_OAUTH_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oauth/scope.h"

#define OAUTH_TOKEN_LEN          44  /* 43 base64url characters and the NUL (codes too) */
#define OAUTH_CONSENT_ID_LEN     37  /* a UUID and the NUL */
#define OAUTH_SUBJECT_MAX        64  /* account subject, NUL included */
#define OAUTH_PATIENT_ID_MAX     65  /* FHIR id (64) and the NUL */
#define OAUTH_CLIENT_ID_MAX      256 /* host name (253) and the NUL */
#define OAUTH_URI_MAX            2048
#define OAUTH_PKCE_CHALLENGE_LEN 44 /* S256: 43 base64url characters and the NUL */

/* A clock; tests inject their own. NULL now: the system clock (Unix seconds). */
struct oauth_clock {
    int64_t (*now)(void *ctx);
    void *ctx;
};

enum oauth_grants_rc {
    OAUTH_GRANTS_OK = 0,
    OAUTH_GRANTS_NOT_FOUND, /* unknown, expired, revoked, or bound to another client: all look the
                               same to the caller (RFC 6749 invalid_grant / RFC 6750 invalid_token)
                             */
    OAUTH_GRANTS_MISMATCH,  /* code redemption: redirect_uri or PKCE verifier wrong (the code stays
                               usable: it is not burnt by a failed attempt) */
    OAUTH_GRANTS_REPLAY,    /* a used code or a rotated refresh token came back: its consent and
                               every token of it are now revoked (redeem and refresh then fill
                               out->consent, and no token, for the audit record) */
    OAUTH_GRANTS_INVALID,   /* a malformed argument (our caller's bug or bad input lengths) */
    OAUTH_GRANTS_ERROR,     /* storage failure (logged) */
    OAUTH_GRANTS_SCOPE,     /* refresh: a scope other than the consent's was asked (nothing
                               changed; RFC 6749 invalid_scope) */
};
const char *oauth_grants_rc_text(enum oauth_grants_rc rc);

struct oauth_consent {
    char id[OAUTH_CONSENT_ID_LEN];
    char subject[OAUTH_SUBJECT_MAX];
    char patient_id[OAUTH_PATIENT_ID_MAX];
    char client_id[OAUTH_CLIENT_ID_MAX];
    char scope[OAUTH_SCOPE_MAX + 1];                             /* as the client asked */
    char service_ids[OAUTH_SCOPE_IDS_MAX][OAUTH_SERVICE_ID_MAX]; /* what it covers */
    size_t nservice_ids;
    int64_t created, expires; /* Unix seconds */
    int64_t revoked;          /* 0 while in force */
};

/* What the tokens endpoint hands out. */
struct oauth_token_set {
    char access_token[OAUTH_TOKEN_LEN];
    char refresh_token[OAUTH_TOKEN_LEN];
    int64_t expires_in; /* seconds of the access token */
    struct oauth_consent consent;
};

struct oauth_grants_config {
    int64_t code_ttl;   /* seconds; 0: 60 */
    int64_t access_ttl; /* seconds; 0: 900 */
    struct oauth_clock clock;
};

struct oauth_grants;

/* Opens (creating when missing, mode 0600) the store at path. cfg may be NULL for the defaults.
 * NULL with a reason in err. */
struct oauth_grants *oauth_grants_open(const char *path, const struct oauth_grants_config *cfg,
                                       char *err, size_t err_len);
void oauth_grants_close(struct oauth_grants *g);
int64_t oauth_grants_now(const struct oauth_grants *g);

/* Records a patient's consent (after login and the consent page). in->id, created and revoked are
 * ignored; expires is in->expires when non-zero, else now + ttl_seconds. On OK out (when not NULL)
 * is the stored consent with its new id. INVALID when subject, patient_id, client_id or the scope
 * is empty/too long, or nservice_ids is 0. */
enum oauth_grants_rc oauth_grants_consent_create(struct oauth_grants *g,
                                                 const struct oauth_consent *in,
                                                 int64_t ttl_seconds, struct oauth_consent *out);

/* Issues an authorization code for a consent in force. redirect_uri: the one of the authorization
 * request (exactly as given; the token request must repeat it byte for byte). pkce_challenge:
 * the S256 code_challenge (43 base64url characters), or NULL when the client sent none (the
 * front refuses code_challenge_method=plain before it gets here). code receives the code for the
 * redirect. NOT_FOUND when the consent is unknown, revoked or expired. */
enum oauth_grants_rc oauth_grants_code_issue(struct oauth_grants *g, const char *consent_id,
                                             const char *redirect_uri, const char *pkce_challenge,
                                             char code[OAUTH_TOKEN_LEN]);

/* Redeems a code at the token endpoint: client_id (already checked against the certificate host,
 * OCL and Whitelist by the caller) must be the consent's (host names: ASCII case-insensitive, here
 * and in refresh and revoke); redirect_uri must equal the code's; PKCE: a code issued with a
 * challenge needs a verifier that matches (MISMATCH otherwise); a code issued without one refuses a
 * verifier (MISMATCH: a verifier the client believes protects it). On OK the code is used up and
 * out holds a new access and refresh token. A code already used: REPLAY (the consent family is
 * revoked). Unknown/expired/other client: NOT_FOUND. */
enum oauth_grants_rc oauth_grants_code_redeem(struct oauth_grants *g, const char *code,
                                              const char *client_id, const char *redirect_uri,
                                              const char *code_verifier,
                                              struct oauth_token_set *out);

/* Rotates a refresh token: on OK the old one is spent and out holds a new access and refresh token
 * (the consent's expiry unchanged). scope: NULL, or the scope of the refresh request, which must
 * equal the consent's (regie does not narrow scopes; SCOPE otherwise, nothing changed). A rotated
 * (spent) token presented again: REPLAY, the family is revoked. Unknown, expired, revoked or
 * another client's: NOT_FOUND. */
enum oauth_grants_rc oauth_grants_refresh(struct oauth_grants *g, const char *refresh_token,
                                          const char *client_id, const char *scope,
                                          struct oauth_token_set *out);

/* The consent behind a live access token (bearer check). NOT_FOUND for unknown, expired, revoked
 * (the token or its consent). */
enum oauth_grants_rc oauth_grants_access_lookup(struct oauth_grants *g, const char *access_token,
                                                struct oauth_consent *out);

/* RFC 7009: revokes a token of client_id. A refresh token ends its whole consent family; an access
 * token ends itself only. Unknown tokens and tokens of another client change nothing and still
 * answer OK (the endpoint always says 200); *found (when not NULL) tells which happened. */
enum oauth_grants_rc oauth_grants_revoke_token(struct oauth_grants *g, const char *token,
                                               const char *client_id, bool *found);

/* The patient ends a consent (a "my connections" page): revokes it and every token of it.
 * subject must be the consent's (NOT_FOUND otherwise, also for an already-revoked one). */
enum oauth_grants_rc oauth_grants_consent_revoke(struct oauth_grants *g, const char *consent_id,
                                                 const char *subject);

/* Calls fn for each consent of subject (newest first, revoked and expired ones included); a
 * non-zero return stops. fn must not call into the store. */
enum oauth_grants_rc oauth_grants_consents(struct oauth_grants *g, const char *subject,
                                           int (*fn)(const struct oauth_consent *, void *),
                                           void *ctx);

/* Deletes expired codes and access tokens, and consents (with their refresh tokens) that ended
 * more than a day ago. *removed (when not NULL) counts rows. */
enum oauth_grants_rc oauth_grants_sweep(struct oauth_grants *g, size_t *removed);

#endif
