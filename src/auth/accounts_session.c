/* Sessions in the account database: only the SHA-256 of each id is stored. */
#include <openssl/crypto.h>
#include <string.h>

#include "auth/accounts_internal.h"
#include "util/log.h"

enum accounts_rc accounts_session_start(struct accounts *a, int64_t account_id,
                                        char token[SESSION_TOKEN_LEN])
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (session_new(token, hash) != 0) {
        log_bug("accounts: no randomness for a session id");
        return ACCOUNTS_ERROR;
    }
    int64_t now = accounts_now(a);
    pthread_mutex_lock(&a->lock);
    /* Only for an account that exists and is not disabled (it may have been disabled between
     * the login and this call). */
    sqlite3_stmt *st =
        accounts_prepare(a, "INSERT INTO session(id_hash, account, created, last_seen) "
                            "SELECT ?, id, ?, ? FROM account WHERE id = ? AND disabled = 0 "
                            "AND pending_until IS NULL");
    if (st) {
        sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, account_id);
    }
    enum accounts_rc rc = ACCOUNTS_ERROR;
    if (accounts_exec(a, st) == 0)
        rc = sqlite3_changes(a->db) == 1 ? ACCOUNTS_OK : ACCOUNTS_NOT_FOUND;
    pthread_mutex_unlock(&a->lock);
    if (rc != ACCOUNTS_OK) {
        OPENSSL_cleanse(token, SESSION_TOKEN_LEN);
        token[0] = '\0';
    }
    return rc;
}

static int delete_session(struct accounts *a, const uint8_t hash[SESSION_HASH_BYTES])
{
    sqlite3_stmt *st = accounts_prepare(a, "DELETE FROM session WHERE id_hash = ?");
    if (st) sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
    return accounts_exec(a, st);
}

enum accounts_rc accounts_session_check(struct accounts *a, const char *token, struct account *out)
{
    return accounts_session_check_until(a, token, out, NULL);
}

enum accounts_rc accounts_session_check_until(struct accounts *a, const char *token,
                                              struct account *out, int64_t *ends)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (!token || session_token_hash(token, hash) != 0) return ACCOUNTS_NOT_FOUND;
    int64_t now = accounts_now(a);
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    sqlite3_stmt *st = accounts_prepare(
        a, "SELECT a.id, a.username, a.role, a.subject, a.bsn, a.disabled, a.created, "
           "a.failures, a.last_failure, a.locked_until, a.pending_until, s.created, s.last_seen "
           "FROM session s JOIN account a ON a.id = s.account WHERE s.id_hash = ?");
    if (!st) goto out;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = ACCOUNTS_NOT_FOUND;
        goto out;
    }
    if (step != SQLITE_ROW) {
        log_bug("accounts: session read failed: %s", sqlite3_errmsg(a->db));
        goto out;
    }
    struct account acc;
    accounts_row(st, &acc, NULL);
    int64_t created = sqlite3_column_int64(st, ACCOUNT_NCOLUMNS),
            last_seen = sqlite3_column_int64(st, ACCOUNT_NCOLUMNS + 1);
    sqlite3_finalize(st);
    st = NULL;
    if (acc.disabled || acc.pending_until ||
        session_expired(&a->cfg.session, created, last_seen, now)) {
        rc = delete_session(a, hash) == 0 ? ACCOUNTS_NOT_FOUND : ACCOUNTS_ERROR;
        goto out;
    }
    if (now - last_seen >= a->cfg.session.touch_seconds) {
        sqlite3_stmt *touch =
            accounts_prepare(a, "UPDATE session SET last_seen = ? WHERE id_hash = ?");
        if (touch) {
            sqlite3_bind_int64(touch, 1, now);
            sqlite3_bind_blob(touch, 2, hash, sizeof hash, SQLITE_STATIC);
        }
        if (accounts_exec(a, touch) != 0) goto out;
        last_seen = now;
    }
    /* The stored last use decides the idle end (it is written at most once per touch period). */
    if (ends) {
        int64_t idle_end = last_seen + a->cfg.session.idle_seconds;
        int64_t absolute_end = created + a->cfg.session.absolute_seconds;
        *ends = idle_end < absolute_end ? idle_end : absolute_end;
    }
    if (out) *out = acc;
    rc = ACCOUNTS_OK;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    return rc;
}

enum accounts_rc accounts_session_end(struct accounts *a, const char *token)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (!token || session_token_hash(token, hash) != 0) return ACCOUNTS_OK;
    pthread_mutex_lock(&a->lock);
    int done = delete_session(a, hash);
    pthread_mutex_unlock(&a->lock);
    return done == 0 ? ACCOUNTS_OK : ACCOUNTS_ERROR;
}

enum accounts_rc accounts_session_sweep(struct accounts *a, size_t *removed)
{
    int64_t now = accounts_now(a);
    pthread_mutex_lock(&a->lock);
    sqlite3_stmt *st = accounts_prepare(
        a, "DELETE FROM session WHERE last_seen <= ? OR created <= ? OR created > ?");
    if (st) {
        sqlite3_bind_int64(st, 1, now - a->cfg.session.idle_seconds);
        sqlite3_bind_int64(st, 2, now - a->cfg.session.absolute_seconds);
        sqlite3_bind_int64(st, 3, now + 300);
    }
    int done = accounts_exec(a, st);
    if (removed) *removed = done == 0 ? (size_t)sqlite3_changes(a->db) : 0;
    pthread_mutex_unlock(&a->lock);
    return done == 0 ? ACCOUNTS_OK : ACCOUNTS_ERROR;
}

enum accounts_rc accounts_csrf_token(struct accounts *a, const char *token,
                                     char out[CSRF_TOKEN_LEN])
{
    return session_csrf(a->csrf_key, token, out) == 0 ? ACCOUNTS_OK : ACCOUNTS_INVALID;
}

bool accounts_csrf_verify(struct accounts *a, const char *token, const char *given)
{
    return session_csrf_verify(a->csrf_key, token, given);
}

int64_t accounts_session_idle(const struct accounts *a)
{
    return a->cfg.session.idle_seconds;
}
