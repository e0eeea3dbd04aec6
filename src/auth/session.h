/* Login sessions: ids, expiry, the cookie and CSRF tokens.
 *
 * A session id is 256 bits from the CSPRNG, sent to the browser as 43 characters of unpadded
 * base64url in the cookie `__Host-regie_session`. The server stores only SHA-256 of the id, so a
 * copy of the database does not hold live sessions. The `__Host-` prefix makes the browser refuse
 * the cookie unless it is Secure, has Path=/ and no Domain: no subdomain can plant or read it.
 *
 * A session ends after idle_seconds without use or absolute_seconds after login, whichever comes
 * first. Defaults: 15 minutes idle (a health record left open on a shared computer), 12 hours
 * absolute. The last-use time is written at most once per touch_seconds (60), so reading pages
 * does not cost an fsync each; idle expiry is therefore exact to within that.
 *
 * CSRF: every form carries a token that is HMAC-SHA256 under a server key of the session id; a
 * form post is accepted only when its token matches the session cookie it came with. The cookie
 * is SameSite=Strict as well: the token is the defence that does not depend on the browser. */
#ifndef REGIE_AUTH_SESSION_H
#define REGIE_AUTH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_BYTES    32
#define SESSION_TOKEN_LEN   44 /* 43 base64url characters and the NUL */
#define SESSION_HASH_BYTES  32
#define SESSION_COOKIE_NAME "__Host-regie_session"
#define SESSION_KEY_BYTES   32
#define CSRF_TOKEN_LEN      44 /* 43 base64url characters (HMAC-SHA256) and the NUL */

struct session_policy {
    int64_t idle_seconds;
    int64_t absolute_seconds;
    int64_t touch_seconds;
};

struct session_policy session_policy_default(void);

/* A new random session: the token for the cookie and the hash to store. Returns 0, -1 when the
 * random source failed. */
int session_new(char token[SESSION_TOKEN_LEN], uint8_t hash[SESSION_HASH_BYTES]);

/* The stored hash of a token. Returns -1 when token is not 43 base64url characters of 32 bytes. */
int session_token_hash(const char *token, uint8_t hash[SESSION_HASH_BYTES]);

/* Whether a session made at `created` and last used at `last_seen` has ended at `now`. */
bool session_expired(const struct session_policy *p, int64_t created, int64_t last_seen,
                     int64_t now);

/* The Set-Cookie value that hands token to the browser:
 * `__Host-regie_session=TOKEN; Path=/; HttpOnly; Secure; SameSite=Strict` (no Max-Age: the browser
 * drops it when it closes; the server enforces the expiry). Returns the length or -1 (no room). */
int session_cookie(const char *token, char *out, size_t cap);

/* The Set-Cookie value that removes the cookie (logout). */
int session_cookie_clear(char *out, size_t cap);

/* Login CSRF: before login there is no session to bind the login form to. The login page then
 * makes a random pre-login token of the same shape (session_new, not stored), sets it in its own
 * cookie SESSION_LOGIN_COOKIE_NAME with the same attributes (session_cookie_named), and puts
 * session_csrf of it in the form; the post is accepted only when the two match. */
#define SESSION_LOGIN_COOKIE_NAME "__Host-regie_login"

/* As session_cookie and session_cookie_clear, for a cookie of another name (a `__Host-` name). */
int session_cookie_named(const char *name, const char *token, char *out, size_t cap);
int session_cookie_clear_named(const char *name, char *out, size_t cap);

/* As session_cookie_parse, for the cookie of another name. */
int session_cookie_find(const char *header, size_t len, const char *name,
                        char token[SESSION_TOKEN_LEN]);

/* Finds the session token in a Cookie request header (`a=b; __Host-regie_session=TOKEN; c=d`).
 * Returns 0 with token filled, or -1 when the cookie is absent, appears more than once (a
 * planted duplicate), or its value is not a well-formed token. */
int session_cookie_parse(const char *header, size_t len, char token[SESSION_TOKEN_LEN]);

/* The CSRF token of a session under the server key. Returns 0, or -1 for a malformed token. */
int session_csrf(const uint8_t key[SESSION_KEY_BYTES], const char *token, char out[CSRF_TOKEN_LEN]);

/* Whether `given` (from a form) is the CSRF token of the session token; constant time. */
bool session_csrf_verify(const uint8_t key[SESSION_KEY_BYTES], const char *token,
                         const char *given);

#endif
