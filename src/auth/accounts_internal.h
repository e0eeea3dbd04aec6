/* Shared by the accounts_*.c files only: the handle and row helpers. */
#ifndef REGIE_AUTH_ACCOUNTS_INTERNAL_H
#define REGIE_AUTH_ACCOUNTS_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>

#include "auth/accounts.h"

struct accounts {
    sqlite3 *db;
    /* Held around every sequence of statements that must see one state (read, decide, write).
     * Never held during argon2 work. */
    pthread_mutex_t lock;
    struct accounts_config cfg;
    struct lockout_table *addresses;
    uint8_t csrf_key[SESSION_KEY_BYTES];
    /* A hash of a random password with the current parameters, verified against when the
     * username is unknown so that case costs the same time. Made on first need. */
    char dummy_hash[PASSWORD_ENCODED_MAX];
};

/* The columns accounts_row reads, in order, for "SELECT " ACCOUNT_COLUMNS " FROM account ...". */
#define ACCOUNT_COLUMNS                                                                            \
    "id, username, role, subject, bsn, disabled, created, failures, last_failure, locked_until, "  \
    "pending_until"

/* Fills out from a statement positioned on a row selected with ACCOUNT_COLUMNS first; *lock (when
 * not NULL) receives the lockout state. */
void accounts_row(sqlite3_stmt *st, struct account *out, struct lockout_state *lock);

/* Prepares sql or logs the failure and returns NULL. */
sqlite3_stmt *accounts_prepare(struct accounts *a, const char *sql);

/* Runs a statement that returns no rows; 0 or -1 (logged). Finalizes st. */
int accounts_exec(struct accounts *a, sqlite3_stmt *st);

/* The number of columns in ACCOUNT_COLUMNS: the index of the first column selected after them. */
#define ACCOUNT_NCOLUMNS 11

/* What a login (or a sign-up confirmation) reads of an account, under the lock. */
struct login_row {
    struct account account;
    struct lockout_state lock;
    char password[PASSWORD_ENCODED_MAX];
    char totp_secret[64];
    int64_t totp_last_step;
};
void accounts_login_row_clear(struct login_row *r);
/* Reads the account by username (caller holds the lock); 1 found, 0 not found, -1 error. */
int accounts_login_row(struct accounts *a, const char *username, struct login_row *r);
/* Stores an account's lockout state (caller holds the lock); 0 or -1. */
int accounts_write_lock_state(struct accounts *a, int64_t id, const struct lockout_state *s);
/* Makes the stand-in hash for unknown usernames, a->dummy_hash (caller holds the lock). */
void accounts_ensure_dummy(struct accounts *a);

/* Deletes an account's sessions (caller holds the lock); 0 or -1. */
int accounts_end_sessions(struct accounts *a, int64_t account_id);

#endif
