/* Accounts and login: the API the CLI (`regie user`) and the login pages build on.
 *
 * An account has a username, a role (patient, professional, admin), optionally a BSN (a patient
 * at a DVA, where the local identity provider stands in for DigiD), an argon2id password hash
 * (password.h), a TOTP secret (totp.h), a disabled flag, and its failed-login state (lockout.h).
 * Each account also has a `subject`: a random UUID that is the account's id towards the rest of
 * regie (tokens, consents, audit), so neither the username nor the BSN has to travel.
 *
 * The store is its own SQLite file (e.g. <data>/accounts.db), apart from the FHIR store: WAL and
 * synchronous=FULL, so a change that returned ACCOUNTS_OK survives a crash. The schema is inline
 * (accounts_store.c) with a version table. One handle may be shared by threads; calls serialise.
 *
 * Login (accounts_login) checks, in this order: the client address's throttle, the account's
 * throttle, the password (an unknown username costs the same argon2 work as a known one, so
 * timing does not tell which usernames exist), the disabled flag, then the TOTP code. Every failure
 * answers the same ACCOUNTS_DENIED; the reason is logged for operators (by account id, never the
 * password, code, BSN or token). */
#ifndef REGIE_AUTH_ACCOUNTS_H
#define REGIE_AUTH_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/bsn.h"
#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/session.h"
#include "auth/totp.h"

#define ACCOUNT_USERNAME_MAX 64 /* bytes; letters, digits and . _ - @ */
#define ACCOUNT_SUBJECT_LEN  37 /* a UUID and the NUL */
#define ACCOUNT_ISSUER_MAX   64

enum account_role { ACCOUNT_PATIENT, ACCOUNT_PROFESSIONAL, ACCOUNT_ADMIN };

/* "patient", "professional", "admin". */
const char *account_role_name(enum account_role role);
/* Returns 0 and sets *role, or -1 for an unknown name. */
int account_role_parse(const char *name, enum account_role *role);

/* Whether a username is acceptable: 1..ACCOUNT_USERNAME_MAX bytes of [A-Za-z0-9._@-]. Usernames
 * are compared without regard to ASCII case. */
bool account_username_valid(const char *name);

/* What may be shown about an account: no secrets. The BSN is here because the DVA's pages need it
 * to find the patient's record; do not log it. */
struct account {
    int64_t id;
    char username[ACCOUNT_USERNAME_MAX + 1];
    enum account_role role;
    char subject[ACCOUNT_SUBJECT_LEN];
    char bsn[BSN_LEN + 1]; /* empty when the account has none */
    bool disabled;
    int64_t created;       /* Unix seconds */
    uint32_t failures;     /* consecutive failed logins */
    int64_t locked_until;  /* Unix seconds, 0 when not locked */
    int64_t pending_until; /* self sign-up awaiting its first code: removed at this time (Unix
                              seconds); 0 for an active account */
};

/* A clock; tests inject their own. NULL `now` means the system clock. */
struct accounts_clock {
    int64_t (*now)(void *ctx);
    void *ctx;
};

struct accounts_config {
    struct password_params password;       /* for new hashes; older ones are rehashed at login */
    struct lockout_policy account_lockout; /* per account, kept in its row */
    struct lockout_policy address_lockout; /* per client address, in memory */
    size_t address_table_size;             /* addresses tracked at once (4096) */
    struct session_policy session;
    struct accounts_clock clock;
    char issuer[ACCOUNT_ISSUER_MAX]; /* shown in the authenticator app ("regie") */
};

/* The documented defaults (password.h, lockout.h, session.h). */
void accounts_config_default(struct accounts_config *cfg);

enum accounts_rc {
    ACCOUNTS_OK,
    ACCOUNTS_NOT_FOUND, /* no such account (or session) */
    ACCOUNTS_EXISTS,    /* the username or BSN is taken */
    ACCOUNTS_INVALID,   /* a malformed argument: username, BSN, password, role */
    ACCOUNTS_DENIED,    /* login refused: wrong password or code, disabled, unknown user */
    ACCOUNTS_LOCKED,    /* login refused without checking: wait *retry_after seconds */
    ACCOUNTS_ERROR,     /* storage or system failure (logged with log_bug) */
};

/* A short English description of a result, without any user data. */
const char *accounts_rc_text(enum accounts_rc rc);

struct accounts;

/* Opens (creating when missing) the account database at path, and brings its schema up to date.
 * cfg may be NULL for the defaults. Returns NULL on failure (logged). */
struct accounts *accounts_open(const char *path, const struct accounts_config *cfg);
void accounts_close(struct accounts *a);

/* The current time by the configured clock. */
int64_t accounts_now(const struct accounts *a);

/* What a new or reset second factor gives the user, once: the base32 secret and the otpauth://
 * URI to show as a QR code (qr_svg). Free with accounts_enrolment_free. */
struct accounts_enrolment {
    char secret[TOTP_SECRET_B32];
    char *uri;
};
void accounts_enrolment_free(struct accounts_enrolment *e);

/* Adds an account with a new TOTP secret. bsn may be NULL; when given it must pass the 11-proef
 * and belong to no other account. Returns ACCOUNTS_OK (with *enrolment filled and *out when not
 * NULL), ACCOUNTS_INVALID (*why says what, a constant string), ACCOUNTS_EXISTS or ACCOUNTS_ERROR.
 */
enum accounts_rc accounts_add(struct accounts *a, const char *username, enum account_role role,
                              const char *bsn, const char *password, size_t password_len,
                              struct accounts_enrolment *enrolment, struct account *out,
                              const char **why);

enum accounts_rc accounts_get(struct accounts *a, const char *username, struct account *out);
enum accounts_rc accounts_get_by_subject(struct accounts *a, const char *subject,
                                         struct account *out);

/* Calls fn for every account in username order; a non-zero return stops the walk. fn must not
 * call into the store (the walk holds its lock). */
enum accounts_rc accounts_list(struct accounts *a, int (*fn)(const struct account *, void *),
                               void *ctx);

/* Disables (or enables again) an account. Disabling ends its sessions. */
enum accounts_rc accounts_set_disabled(struct accounts *a, const char *username, bool disabled);

/* Deletes an account for good: its sessions end and its row (password hash, TOTP secrets) goes.
 * ACCOUNTS_OK, ACCOUNTS_NOT_FOUND or ACCOUNTS_ERROR. What other stores hold of it (a PGO's vault
 * and connections) is the caller's to delete first. */
enum accounts_rc accounts_delete(struct accounts *a, int64_t account_id);

/* Deletes an account for good: its sessions end and its row (password hash, TOTP secrets) goes.
 * ACCOUNTS_OK, ACCOUNTS_NOT_FOUND or ACCOUNTS_ERROR. What other stores hold of it (a PGO's vault
 * and connections) is the caller's to delete first. */
enum accounts_rc accounts_delete(struct accounts *a, int64_t account_id);

/* Sets a new password: ends the account's sessions and clears its lockout. */
enum accounts_rc accounts_set_password(struct accounts *a, const char *username,
                                       const char *password, size_t password_len, const char **why);

/* Replaces the TOTP secret (a lost phone): ends the account's sessions, clears its lockout. */
enum accounts_rc accounts_reset_totp(struct accounts *a, const char *username,
                                     struct accounts_enrolment *enrolment);

/* Self-service re-enrolment (a logged-in user moving to a new phone or app): makes a pending
 * secret and returns it for the QR code; the current secret stays in force until
 * accounts_totp_confirm accepts a code of the new one, so a failed scan locks nobody out. A second
 * call replaces the pending secret. ACCOUNTS_NOT_FOUND for an unknown account. */
enum accounts_rc accounts_totp_begin(struct accounts *a, int64_t account_id,
                                     struct accounts_enrolment *enrolment);

/* Makes the pending secret the account's secret when code is a current code of it (the window and
 * replay rules of totp.h apply). ACCOUNTS_OK, ACCOUNTS_DENIED (wrong code) or ACCOUNTS_NOT_FOUND
 * (no pending secret). */
enum accounts_rc accounts_totp_confirm(struct accounts *a, int64_t account_id, const char *code);

/* Checks a login (see the top of this file). client_addr is the peer address text (may be NULL
 * for local tools). On ACCOUNTS_OK *out is the account; on ACCOUNTS_LOCKED *retry_after (when not
 * NULL) is the wait in seconds. A successful login with a hash of old parameters stores a new
 * hash. */
enum accounts_rc accounts_login(struct accounts *a, const char *username, const char *password,
                                size_t password_len, const char *totp_code, const char *client_addr,
                                struct account *out, int64_t *retry_after);

/* Self sign-up (accounts_signup.c; the PGO's web app). A new patient account is *pending*: it
 * cannot log in or hold a session until accounts_signup_confirm accepts a code of its secret, and
 * it is removed (its username free again) when that has not happened within
 * ACCOUNTS_PENDING_SECONDS. */
#define ACCOUNTS_PENDING_SECONDS 3600

/* Makes a pending patient account (no BSN) with a new TOTP secret. A second call for a pending
 * username with the same password replaces the secret and restarts the hour. ACCOUNTS_OK with
 * *enrolment; ACCOUNTS_INVALID (*why: the username or password rule broken, a constant string);
 * ACCOUNTS_EXISTS (an active account, or a pending one with another password); ACCOUNTS_LOCKED
 * (*retry_after seconds: the address's or the pending account's throttle, as for login);
 * ACCOUNTS_ERROR. A taken name and a wrong password count as failures of the address. */
enum accounts_rc accounts_signup(struct accounts *a, const char *username, const char *password,
                                 size_t password_len, const char *client_addr,
                                 struct accounts_enrolment *enrolment, const char **why,
                                 int64_t *retry_after);

/* Activates a pending account when password and code (a current code of its secret) are right:
 * ACCOUNTS_OK with *out (start a session next); ACCOUNTS_DENIED (unknown, expired, already
 * active, wrong password or code; counted like a failed login); ACCOUNTS_LOCKED; ACCOUNTS_INVALID
 * (a missing argument); ACCOUNTS_ERROR. */
enum accounts_rc accounts_signup_confirm(struct accounts *a, const char *username,
                                         const char *password, size_t password_len,
                                         const char *code, const char *client_addr,
                                         struct account *out, int64_t *retry_after);

/* Removes the pending accounts whose time is up (sign-up and confirmation also do this). */
enum accounts_rc accounts_signup_sweep(struct accounts *a, size_t *removed);

/* Sessions (session.h for the model). */

/* Starts a session for an account (after accounts_login). token receives the cookie value; hand
 * it to the browser with session_cookie and keep it nowhere else. ACCOUNTS_NOT_FOUND when the
 * account does not exist or is disabled. */
enum accounts_rc accounts_session_start(struct accounts *a, int64_t account_id,
                                        char token[SESSION_TOKEN_LEN]);

/* The account of a live session: ACCOUNTS_OK, or ACCOUNTS_NOT_FOUND when the token is unknown,
 * expired (it is then deleted) or its account disabled. Refreshes the idle timer. */
enum accounts_rc accounts_session_check(struct accounts *a, const char *token, struct account *out);
/* The same, and *ends (when not NULL) is the instant (Unix seconds) the session ends if it is not
 * used again: its idle end, or its absolute end when that comes first. */
enum accounts_rc accounts_session_check_until(struct accounts *a, const char *token,
                                              struct account *out, int64_t *ends);
/* The idle lifetime of sessions, seconds ([accounts] session_idle). */
int64_t accounts_session_idle(const struct accounts *a);

/* Logout: deletes the session (not found is not an error). */
enum accounts_rc accounts_session_end(struct accounts *a, const char *token);

/* Deletes every expired session; returns how many in *removed (when not NULL). */
enum accounts_rc accounts_session_sweep(struct accounts *a, size_t *removed);

/* The CSRF token for forms of the session (server key kept in the database). */
enum accounts_rc accounts_csrf_token(struct accounts *a, const char *token,
                                     char out[CSRF_TOKEN_LEN]);
/* Whether a form's CSRF token belongs to the session token it came with (constant time). */
bool accounts_csrf_verify(struct accounts *a, const char *token, const char *given);

#endif
