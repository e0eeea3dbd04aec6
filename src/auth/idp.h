/* The identity-provider interface: how the login pages learn who the user is.
 *
 * At a DVA, patients are identified with DigiD in production. regie ships a LOCAL STAND-IN for
 * DigiD (idp_local.c): accounts in the account database, linked to a BSN, with a password and a
 * TOTP second factor. It is not DigiD, it gives no legal assurance level, and the pages that use it
 * must say so. A PGO uses the same stand-in for its own patient accounts (there the BSN is empty).
 *
 * Two shapes of provider fit behind this struct:
 *
 * - Form providers (the local stand-in) implement `authenticate`: the login page posts username,
 *   password and TOTP code and gets the identity back.
 *
 * - Redirect providers (OpenID Connect, as DigiD is reached through brokers) implement `begin`
 *   and `finish` and leave `authenticate` NULL. `begin` returns the provider's authorization URL
 *   for a state and nonce the page made and keeps in the session; the browser goes there, logs in
 *   and comes back to the page's callback with `code` and `state`; `finish` checks the state,
 *   redeems the code at the provider's token endpoint (back channel, TLS), validates the ID token
 *   (signature against the provider's JWKS, iss, aud, exp, nonce) and maps its claims to the
 *   identity: `sub` to subject and the BSN claim the broker names to bsn. An OIDC provider is thus
 *   a new idp_oidc.c that fills this struct; the pages do not change.
 *
 * The identity never carries the password, the code or a token; the BSN in it must not be logged.
 */
#ifndef REGIE_AUTH_IDP_H
#define REGIE_AUTH_IDP_H

#include <stddef.h>
#include <stdint.h>

#include "auth/accounts.h"

struct idp_identity {
    char subject[ACCOUNT_SUBJECT_LEN];      /* stable id of the person at this provider */
    char bsn[BSN_LEN + 1];                  /* empty when the provider gives none */
    enum account_role role;                 /* patient for external providers */
    int64_t account_id;                     /* the local account, 0 for external providers */
    char display[ACCOUNT_USERNAME_MAX + 1]; /* what the page may show ("logged in as ...") */
};

enum idp_rc {
    IDP_OK,
    IDP_DENIED,  /* wrong credentials, unknown or disabled user: one answer for all */
    IDP_LOCKED,  /* too many failures; *retry_after says how long */
    IDP_INVALID, /* a malformed request (missing fields, bad state) */
    IDP_ERROR,   /* the provider failed; try later */
};

struct idp {
    /* Shown on the login page. The stand-in's name says it is a stand-in for DigiD. */
    const char *name;

    /* Form providers: checks username, password and TOTP code from a login form. client_addr is
     * the peer's address for throttling. */
    enum idp_rc (*authenticate)(void *ctx, const char *username, const char *password,
                                const char *totp, const char *client_addr, struct idp_identity *out,
                                int64_t *retry_after);

    /* Redirect providers (OIDC): the URL to send the browser to, malloc'd; NULL on failure. */
    char *(*begin)(void *ctx, const char *state, const char *nonce, const char *redirect_uri);
    /* Redirect providers: completes a login from the callback's code and state (the page passes
     * the state and nonce it kept). */
    enum idp_rc (*finish)(void *ctx, const char *code, const char *state,
                          const char *expected_state, const char *nonce, const char *redirect_uri,
                          struct idp_identity *out);

    void (*destroy)(void *ctx);
    void *ctx;
};

/* The local stand-in for DigiD over an open account store (not owned: close it after the idp). */
struct idp *idp_local_new(struct accounts *accounts);

/* Frees any provider. */
void idp_free(struct idp *idp);

#endif
