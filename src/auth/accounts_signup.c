/* Self sign-up (the PGO's web app): a patient account that cannot log in until the first code of
 * its new TOTP secret is entered, and that is removed when that has not happened within
 * ACCOUNTS_PENDING_SECONDS. Throttled per client address like login; a wrong password or code
 * also counts against the pending account itself. */
#include <openssl/crypto.h>
#include <string.h>

#include "auth/accounts_internal.h"
#include "util/log.h"
#include "util/uuid.h"

/* Deletes pending accounts whose time is up (caller holds the lock); -1 on a storage failure. */
static int sweep_locked(struct accounts *a, int64_t now, size_t *removed)
{
    sqlite3_stmt *st = accounts_prepare(
        a, "DELETE FROM account WHERE pending_until IS NOT NULL AND pending_until <= ?");
    if (st) sqlite3_bind_int64(st, 1, now);
    int done = accounts_exec(a, st);
    size_t n = done == 0 ? (size_t)sqlite3_changes(a->db) : 0;
    if (n) log_info("accounts: removed %zu pending account(s) not confirmed in time", n);
    if (removed) *removed = n;
    return done;
}

enum accounts_rc accounts_signup_sweep(struct accounts *a, size_t *removed)
{
    pthread_mutex_lock(&a->lock);
    int done = sweep_locked(a, accounts_now(a), removed);
    pthread_mutex_unlock(&a->lock);
    return done == 0 ? ACCOUNTS_OK : ACCOUNTS_ERROR;
}

/* A failure of the address (and of the pending account `id` when not 0), under the lock. */
static void count_failure(struct accounts *a, const char *addr, int64_t id,
                          struct lockout_state *lock, int64_t now)
{
    lockout_table_failure(a->addresses, addr, now);
    if (!id) return;
    lockout_failure(&a->cfg.account_lockout, lock, now);
    if (accounts_write_lock_state(a, id, lock) != 0)
        log_bug("accounts: the failure of account %lld was not stored", (long long)id);
}

/* A new secret for the pending account id, in force for another ACCOUNTS_PENDING_SECONDS, when it
 * is still pending (caller holds the lock). */
static enum accounts_rc renew_pending(struct accounts *a, int64_t id, const char *username,
                                      int64_t now, struct accounts_enrolment *e)
{
    memset(e, 0, sizeof *e);
    if (totp_secret_new(e->secret) != 0 || !(e->uri = totp_uri(a->cfg.issuer, username, e->secret)))
        return ACCOUNTS_ERROR;
    sqlite3_stmt *st = accounts_prepare(
        a, "UPDATE account SET totp_secret = ?, totp_pending = NULL, pending_until = ?, "
           "failures = 0, last_failure = 0, locked_until = 0, updated = ? "
           "WHERE id = ? AND pending_until IS NOT NULL");
    if (st) {
        sqlite3_bind_text(st, 1, e->secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now + ACCOUNTS_PENDING_SECONDS);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, id);
    }
    if (accounts_exec(a, st) != 0) return ACCOUNTS_ERROR;
    /* Confirmed (or removed) between the check and this write: the name is taken (or free). */
    return sqlite3_changes(a->db) == 1 ? ACCOUNTS_OK : ACCOUNTS_EXISTS;
}

/* Inserts a new pending patient account (caller holds the lock). */
static enum accounts_rc insert_pending(struct accounts *a, const char *username, const char *hash,
                                       int64_t now, struct accounts_enrolment *e, int64_t *id)
{
    char subject[UUID_STR_LEN];
    memset(e, 0, sizeof *e);
    if (uuid_v4(subject) != 0 || totp_secret_new(e->secret) != 0 ||
        !(e->uri = totp_uri(a->cfg.issuer, username, e->secret)))
        return ACCOUNTS_ERROR;
    sqlite3_stmt *st = accounts_prepare(
        a, "INSERT INTO account(username, role, subject, password, totp_secret, created, updated, "
           "pending_until) VALUES (?, 'patient', ?, ?, ?, ?, ?, ?)");
    if (!st) return ACCOUNTS_ERROR;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->secret, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, now + ACCOUNTS_PENDING_SECONDS);
    int step = sqlite3_step(st);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    if (step == SQLITE_DONE) {
        rc = ACCOUNTS_OK;
        *id = sqlite3_last_insert_rowid(a->db);
    } else if (sqlite3_extended_errcode(a->db) == SQLITE_CONSTRAINT_UNIQUE) {
        rc = ACCOUNTS_EXISTS;
    } else {
        log_bug("accounts: insert of a pending account failed: %s", sqlite3_errmsg(a->db));
    }
    sqlite3_finalize(st);
    return rc;
}

enum accounts_rc accounts_signup(struct accounts *a, const char *username, const char *password,
                                 size_t password_len, const char *client_addr,
                                 struct accounts_enrolment *enrolment, const char **why,
                                 int64_t *retry_after)
{
    memset(enrolment, 0, sizeof *enrolment);
    const char *reason = NULL;
    if (!username || !account_username_valid(username))
        reason = "the username must be 1-64 letters, digits or . _ - @";
    else if (!password)
        reason = "a password is required";
    else
        reason = password_unacceptable(password, password_len);
    if (why) *why = reason;
    if (reason) return ACCOUNTS_INVALID;

    char addr[LOCKOUT_KEY_MAX];
    lockout_address_key(client_addr, addr);
    int64_t now = accounts_now(a);
    struct login_row r;
    memset(&r, 0, sizeof r);

    /* Phase 1 (locked): expired pending accounts go (their names are free again), the address's
     * throttle, the row. */
    pthread_mutex_lock(&a->lock);
    int found = sweep_locked(a, now, NULL) == 0 ? accounts_login_row(a, username, &r) : -1;
    int64_t wait = lockout_table_wait(a->addresses, addr, now);
    if (found > 0 && r.account.pending_until) {
        int64_t w = lockout_wait(&a->cfg.account_lockout, &r.lock, now);
        if (w > wait) wait = w;
    }
    enum accounts_rc rc = ACCOUNTS_ERROR;
    if (found < 0) goto unlock;
    if (wait) {
        if (retry_after) *retry_after = wait;
        rc = ACCOUNTS_LOCKED;
        goto unlock;
    }
    if (found > 0 && !r.account.pending_until) {
        /* An active account: the name is taken. Counted, so names cannot be probed quickly. */
        count_failure(a, addr, 0, NULL, now);
        rc = ACCOUNTS_EXISTS;
        goto unlock;
    }
    pthread_mutex_unlock(&a->lock);

    /* Phase 2 (unlocked): the argon2 work: check the pending account's password, or hash the
     * new one. */
    char hash[PASSWORD_ENCODED_MAX] = "";
    bool same = false;
    if (found > 0) {
        bool rehash = false;
        same = password_verify(r.password, password, password_len, &a->cfg.password, &rehash) ==
               PASSWORD_OK;
    } else if (password_hash(&a->cfg.password, password, password_len, hash) != 0) {
        log_bug("accounts: cannot hash a password");
        accounts_login_row_clear(&r);
        return ACCOUNTS_ERROR;
    }

    /* Phase 3 (locked): the outcome. */
    pthread_mutex_lock(&a->lock);
    int64_t id = r.account.id;
    if (found > 0 && !same) {
        /* Someone else's pending name, or a guess at its password. */
        count_failure(a, addr, id, &r.lock, now);
        rc = ACCOUNTS_EXISTS;
    } else if (found > 0) {
        rc = renew_pending(a, id, username, now, enrolment);
        if (rc == ACCOUNTS_OK)
            log_info("accounts: pending account %lld has a new secret", (long long)id);
    } else {
        rc = insert_pending(a, username, hash, now, enrolment, &id);
        if (rc == ACCOUNTS_EXISTS) count_failure(a, addr, 0, NULL, now);
        if (rc == ACCOUNTS_OK) log_info("accounts: added pending account %lld", (long long)id);
    }
    OPENSSL_cleanse(hash, sizeof hash);
unlock:
    pthread_mutex_unlock(&a->lock);
    accounts_login_row_clear(&r);
    if (rc != ACCOUNTS_OK) accounts_enrolment_free(enrolment);
    return rc;
}

enum accounts_rc accounts_signup_confirm(struct accounts *a, const char *username,
                                         const char *password, size_t password_len,
                                         const char *code, const char *client_addr,
                                         struct account *out, int64_t *retry_after)
{
    if (!username || !password || !code) return ACCOUNTS_INVALID;
    char addr[LOCKOUT_KEY_MAX];
    lockout_address_key(client_addr, addr);
    int64_t now = accounts_now(a);
    struct login_row r;
    memset(&r, 0, sizeof r);

    /* Phase 1 (locked): as login; an expired pending account is gone first. */
    pthread_mutex_lock(&a->lock);
    int found = sweep_locked(a, now, NULL) == 0 ? accounts_login_row(a, username, &r) : -1;
    int64_t wait = lockout_table_wait(a->addresses, addr, now);
    if (found > 0) {
        int64_t w = lockout_wait(&a->cfg.account_lockout, &r.lock, now);
        if (w > wait) wait = w;
    }
    if (!wait && found <= 0) accounts_ensure_dummy(a);
    char dummy[PASSWORD_ENCODED_MAX];
    memcpy(dummy, a->dummy_hash, sizeof dummy);
    pthread_mutex_unlock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_DENIED;
    if (found < 0) {
        rc = ACCOUNTS_ERROR;
        goto out;
    }
    if (wait) {
        if (retry_after) *retry_after = wait;
        rc = ACCOUNTS_LOCKED;
        goto out;
    }

    /* Phase 2 (unlocked): the argon2 work, the same for unknown usernames. */
    bool rehash = false;
    enum password_rc pw = password_verify(found ? r.password : dummy, password, password_len,
                                          &a->cfg.password, &rehash);
    if (pw == PASSWORD_FAILED) {
        rc = ACCOUNTS_ERROR;
        goto out;
    }

    /* Phase 3 (locked): against the row as it is now. */
    pthread_mutex_lock(&a->lock);
    const char *reason = "unknown username";
    int64_t id = r.account.id, step = 0;
    if (found) {
        accounts_login_row_clear(&r);
        found = accounts_login_row(a, username, &r);
        if (found <= 0 || r.account.id != id) {
            rc = found < 0 ? ACCOUNTS_ERROR : ACCOUNTS_DENIED;
            found = 0;
        } else if (lockout_wait(&a->cfg.account_lockout, &r.lock, now)) {
            if (retry_after) *retry_after = lockout_wait(&a->cfg.account_lockout, &r.lock, now);
            rc = ACCOUNTS_LOCKED;
        } else if (!r.account.pending_until) {
            reason = "account already confirmed";
        } else if (pw != PASSWORD_OK) {
            reason = "wrong password";
        } else if (totp_verify(r.totp_secret, code, now, r.totp_last_step, &step) != TOTP_OK) {
            reason = "wrong TOTP code";
        } else {
            rc = ACCOUNTS_OK;
        }
    }
    if (rc == ACCOUNTS_OK) {
        sqlite3_stmt *st = accounts_prepare(
            a, "UPDATE account SET pending_until = NULL, totp_last_step = ?, failures = 0, "
               "last_failure = 0, locked_until = 0, updated = ? WHERE id = ? AND "
               "pending_until IS NOT NULL");
        if (st) {
            sqlite3_bind_int64(st, 1, step);
            sqlite3_bind_int64(st, 2, now);
            sqlite3_bind_int64(st, 3, id);
        }
        if (accounts_exec(a, st) != 0 || sqlite3_changes(a->db) != 1) {
            rc = ACCOUNTS_ERROR;
        } else {
            lockout_table_success(a->addresses, addr);
            if (out) {
                *out = r.account;
                out->pending_until = 0;
                out->failures = 0;
                out->locked_until = 0;
            }
            log_info("accounts: pending account %lld confirmed", (long long)id);
        }
    } else if (rc == ACCOUNTS_DENIED) {
        count_failure(a, addr, found > 0 ? id : 0, &r.lock, now);
        log_client("accounts: sign-up confirmation refused: %s", reason);
    }
    pthread_mutex_unlock(&a->lock);
out:
    OPENSSL_cleanse(dummy, sizeof dummy);
    accounts_login_row_clear(&r);
    return rc;
}
