/* Self-service TOTP re-enrolment: a pending secret that takes over once a code of it is entered. */
#include <openssl/crypto.h>
#include <string.h>

#include "auth/accounts_internal.h"
#include "util/log.h"

enum accounts_rc accounts_totp_begin(struct accounts *a, int64_t account_id,
                                     struct accounts_enrolment *enrolment)
{
    memset(enrolment, 0, sizeof *enrolment);
    struct account acc;
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    sqlite3_stmt *st = accounts_prepare(a, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE id = ?");
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, account_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) rc = ACCOUNTS_NOT_FOUND;
    if (step != SQLITE_ROW) goto out;
    accounts_row(st, &acc, NULL);
    sqlite3_finalize(st);
    st = NULL;
    if (totp_secret_new(enrolment->secret) != 0 ||
        !(enrolment->uri = totp_uri(a->cfg.issuer, acc.username, enrolment->secret))) {
        log_bug("accounts: cannot make a TOTP secret");
        goto out;
    }
    sqlite3_stmt *up =
        accounts_prepare(a, "UPDATE account SET totp_pending = ?, updated = ? WHERE id = ?");
    if (up) {
        sqlite3_bind_text(up, 1, enrolment->secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(up, 2, accounts_now(a));
        sqlite3_bind_int64(up, 3, account_id);
    }
    if (accounts_exec(a, up) == 0) rc = ACCOUNTS_OK;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    if (rc != ACCOUNTS_OK) accounts_enrolment_free(enrolment);
    return rc;
}

enum accounts_rc accounts_totp_confirm(struct accounts *a, int64_t account_id, const char *code)
{
    if (!code) return ACCOUNTS_INVALID;
    int64_t now = accounts_now(a);
    char pending[64] = "";
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    sqlite3_stmt *st =
        accounts_prepare(a, "SELECT totp_pending, totp_last_step FROM account WHERE id = ?");
    if (!st) goto out;
    sqlite3_bind_int64(st, 1, account_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) rc = ACCOUNTS_NOT_FOUND;
    if (step != SQLITE_ROW) goto out;
    const unsigned char *p = sqlite3_column_text(st, 0);
    if (!p) {
        rc = ACCOUNTS_NOT_FOUND;
        goto out;
    }
    size_t n = strnlen((const char *)p, sizeof pending - 1);
    memcpy(pending, p, n);
    pending[n] = '\0';
    int64_t last = sqlite3_column_int64(st, 1), matched = 0;
    sqlite3_finalize(st);
    st = NULL;
    enum totp_rc t = totp_verify(pending, code, now, last, &matched);
    if (t != TOTP_OK) {
        rc = t == TOTP_BAD_KEY ? ACCOUNTS_ERROR : ACCOUNTS_DENIED;
        log_client("accounts: account %lld: new TOTP secret not confirmed", (long long)account_id);
        goto out;
    }
    sqlite3_stmt *up =
        accounts_prepare(a, "UPDATE account SET totp_secret = totp_pending, totp_pending = NULL, "
                            "totp_last_step = ?, updated = ? WHERE id = ?");
    if (up) {
        sqlite3_bind_int64(up, 1, matched);
        sqlite3_bind_int64(up, 2, now);
        sqlite3_bind_int64(up, 3, account_id);
    }
    if (accounts_exec(a, up) == 0) {
        rc = ACCOUNTS_OK;
        log_info("accounts: account %lld has a new TOTP secret", (long long)account_id);
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    OPENSSL_cleanse(pending, sizeof pending);
    return rc;
}
