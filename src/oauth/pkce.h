/* PKCE (RFC 7636) with the S256 method only: "plain" would put the verifier on the front channel,
 * so the authorization endpoint refuses it and nothing here supports it. */
#ifndef REGIE_OAUTH_PKCE_H
#define REGIE_OAUTH_PKCE_H

#include <stdbool.h>
#include <stddef.h>

#define PKCE_CHALLENGE_LEN 44 /* 43 base64url characters (SHA-256) and the NUL */
#define PKCE_VERIFIER_MIN  43
#define PKCE_VERIFIER_MAX  128

/* Whether method is one this server accepts: exactly "S256". NULL or "plain" are not. */
bool pkce_method_ok(const char *method);

/* Whether s is a well-formed verifier: 43..128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1). */
bool pkce_verifier_valid(const char *s);

/* Whether s is a well-formed S256 challenge: 43 base64url characters of 32 bytes. */
bool pkce_challenge_valid(const char *s);

/* The S256 challenge of a verifier: BASE64URL(SHA256(verifier)). -1 for a malformed verifier. */
int pkce_s256(const char *verifier, char challenge[PKCE_CHALLENGE_LEN]);

/* Whether verifier belongs to challenge (S256, constant-time comparison). False for malformed
 * input. */
bool pkce_verify(const char *challenge, const char *verifier);

#endif
