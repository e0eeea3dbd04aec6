/* Login: throttles, password, disabled flag, TOTP; failures counted per account and address. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "auth/accounts_internal.h"
#include "util/log.h"

void accounts_login_row_clear(struct login_row *r)
{
    OPENSSL_cleanse(r, sizeof *r);
}

int accounts_login_row(struct accounts *a, const char *username, struct login_row *r)
{
    sqlite3_stmt *st = accounts_prepare(a, "SELECT " ACCOUNT_COLUMNS ", password, totp_secret, "
                                           "totp_last_step FROM account WHERE username = ?");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    int step = sqlite3_step(st), found = -1;
    if (step == SQLITE_ROW) {
        accounts_row(st, &r->account, &r->lock);
        const unsigned char *pw = sqlite3_column_text(st, ACCOUNT_NCOLUMNS),
                            *ts = sqlite3_column_text(st, ACCOUNT_NCOLUMNS + 1);
        size_t pn = pw ? strnlen((const char *)pw, sizeof r->password - 1) : 0;
        size_t tn = ts ? strnlen((const char *)ts, sizeof r->totp_secret - 1) : 0;
        memcpy(r->password, pw ? (const char *)pw : "", pn);
        r->password[pn] = '\0';
        memcpy(r->totp_secret, ts ? (const char *)ts : "", tn);
        r->totp_secret[tn] = '\0';
        r->totp_last_step = sqlite3_column_int64(st, ACCOUNT_NCOLUMNS + 2);
        found = 1;
    } else if (step == SQLITE_DONE) {
        found = 0;
    } else {
        log_bug("accounts: login read failed: %s", sqlite3_errmsg(a->db));
    }
    sqlite3_finalize(st);
    return found;
}

int accounts_write_lock_state(struct accounts *a, int64_t id, const struct lockout_state *s)
{
    sqlite3_stmt *st = accounts_prepare(
        a, "UPDATE account SET failures = ?, last_failure = ?, locked_until = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, s->failures);
        sqlite3_bind_int64(st, 2, s->last_failure);
        sqlite3_bind_int64(st, 3, s->locked_until);
        sqlite3_bind_int64(st, 4, id);
    }
    return accounts_exec(a, st);
}

void accounts_ensure_dummy(struct accounts *a)
{
    if (a->dummy_hash[0]) return;
    uint8_t random[24];
    char pw[sizeof random * 2 + 1];
    if (RAND_bytes(random, sizeof random) != 1) return;
    for (size_t i = 0; i < sizeof random; i++) {
        pw[2 * i] = "0123456789abcdef"[random[i] >> 4];
        pw[2 * i + 1] = "0123456789abcdef"[random[i] & 15];
    }
    pw[sizeof pw - 1] = '\0';
    if (password_hash(&a->cfg.password, pw, sizeof pw - 1, a->dummy_hash) != 0)
        a->dummy_hash[0] = '\0';
    OPENSSL_cleanse(pw, sizeof pw);
    OPENSSL_cleanse(random, sizeof random);
}

static int store_rehash(struct accounts *a, int64_t id, const char *password, size_t len)
{
    char hash[PASSWORD_ENCODED_MAX];
    if (password_hash(&a->cfg.password, password, len, hash) != 0) return -1;
    sqlite3_stmt *st = accounts_prepare(a, "UPDATE account SET password = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, id);
    }
    OPENSSL_cleanse(hash, sizeof hash);
    return accounts_exec(a, st);
}

enum accounts_rc accounts_login(struct accounts *a, const char *username, const char *password,
                                size_t password_len, const char *totp_code, const char *client_addr,
                                struct account *out, int64_t *retry_after)
{
    char addr[LOCKOUT_KEY_MAX];
    lockout_address_key(client_addr, addr);
    int64_t now = accounts_now(a), wait = 0;
    struct login_row r;
    memset(&r, 0, sizeof r);
    if (!username || !password || !totp_code) return ACCOUNTS_INVALID;

    /* Phase 1 (locked): throttles and the row. */
    pthread_mutex_lock(&a->lock);
    wait = lockout_table_wait(a->addresses, addr, now);
    int found = accounts_login_row(a, username, &r);
    if (found > 0) {
        int64_t w = lockout_wait(&a->cfg.account_lockout, &r.lock, now);
        if (w > wait) wait = w;
    }
    if (!wait && found <= 0) accounts_ensure_dummy(a);
    char dummy[PASSWORD_ENCODED_MAX];
    memcpy(dummy, a->dummy_hash, sizeof dummy);
    pthread_mutex_unlock(&a->lock);
    if (found < 0) {
        accounts_login_row_clear(&r);
        return ACCOUNTS_ERROR;
    }
    if (wait) {
        if (retry_after) *retry_after = wait;
        log_client("accounts: login refused while throttled (%lld s left)", (long long)wait);
        accounts_login_row_clear(&r);
        return ACCOUNTS_LOCKED;
    }

    /* Phase 2 (unlocked): the argon2 work, the same for unknown usernames. */
    bool rehash = false;
    enum password_rc pw = password_verify(found ? r.password : dummy, password, password_len,
                                          &a->cfg.password, &rehash);
    if (pw == PASSWORD_CORRUPT && found)
        log_bug("accounts: account %lld has a corrupt password hash", (long long)r.account.id);
    if (pw == PASSWORD_FAILED) log_bug("accounts: argon2 failed (memory)");

    /* Phase 3 (locked): the outcome, against the row as it is now (a concurrent login may have
     * counted a failure or used a TOTP step meanwhile). */
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_DENIED;
    const char *reason = "unknown username";
    if (pw == PASSWORD_FAILED) {
        rc = ACCOUNTS_ERROR; /* our failure, not the user's: not counted */
        goto unlock;
    }
    if (found) {
        int64_t id = r.account.id;
        accounts_login_row_clear(&r);
        found = accounts_login_row(a, username, &r);
        if (found <= 0 || r.account.id != id) {
            rc = ACCOUNTS_ERROR;
            goto unlock;
        }
        /* A concurrent attempt may have locked the account or started a backoff meanwhile. */
        int64_t w = lockout_wait(&a->cfg.account_lockout, &r.lock, now);
        if (w) {
            if (retry_after) *retry_after = w;
            rc = ACCOUNTS_LOCKED;
            goto unlock;
        }
        int64_t step = 0;
        if (pw != PASSWORD_OK) {
            reason = "wrong password";
        } else if (r.account.disabled) {
            reason = "account disabled";
        } else if (r.account.pending_until) {
            reason = "account not confirmed yet"; /* self sign-up: accounts_signup_confirm */
        } else {
            enum totp_rc t = totp_verify(r.totp_secret, totp_code, now, r.totp_last_step, &step);
            if (t == TOTP_OK)
                rc = ACCOUNTS_OK;
            else
                reason = t == TOTP_REPLAY  ? "TOTP code already used"
                         : t == TOTP_WRONG ? "wrong TOTP code"
                                           : "TOTP secret unreadable";
        }
        if (rc == ACCOUNTS_OK) {
            lockout_success(&r.lock);
            sqlite3_stmt *st = accounts_prepare(
                a, "UPDATE account SET totp_last_step = ?, failures = 0, last_failure = 0, "
                   "locked_until = 0 WHERE id = ?");
            if (st) {
                sqlite3_bind_int64(st, 1, step);
                sqlite3_bind_int64(st, 2, id);
            }
            /* The step must be stored before the login counts, or the code could be replayed. */
            if (accounts_exec(a, st) != 0) {
                rc = ACCOUNTS_ERROR;
                goto unlock;
            }
            if (rehash && store_rehash(a, id, password, password_len) != 0)
                log_bug("accounts: rehash of account %lld failed (login goes on)", (long long)id);
            lockout_table_success(a->addresses, addr);
            if (out) *out = r.account;
            log_info("accounts: account %lld logged in%s", (long long)id,
                     rehash ? " (password rehashed)" : "");
        } else {
            lockout_failure(&a->cfg.account_lockout, &r.lock, now);
            if (accounts_write_lock_state(a, id, &r.lock) != 0) rc = ACCOUNTS_ERROR;
        }
    }
    if (rc == ACCOUNTS_DENIED) {
        lockout_table_failure(a->addresses, addr, now);
        log_client("accounts: login refused: %s%s", reason,
                   found && r.lock.locked_until ? " (account now locked)" : "");
    }
unlock:
    pthread_mutex_unlock(&a->lock);
    OPENSSL_cleanse(dummy, sizeof dummy);
    accounts_login_row_clear(&r);
    return rc;
}
