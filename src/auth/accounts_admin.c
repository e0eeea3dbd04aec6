/* Adding, reading, listing, disabling and resetting accounts. */
#include <openssl/crypto.h>
#include <string.h>

#include "auth/accounts_internal.h"
#include "util/log.h"
#include "util/uuid.h"

/* A new TOTP secret and its URI for username. */
static int new_enrolment(struct accounts *a, const char *username, struct accounts_enrolment *e)
{
    memset(e, 0, sizeof *e);
    if (totp_secret_new(e->secret) != 0) return -1;
    e->uri = totp_uri(a->cfg.issuer, username, e->secret);
    if (!e->uri) {
        accounts_enrolment_free(e);
        return -1;
    }
    return 0;
}

enum accounts_rc accounts_add(struct accounts *a, const char *username, enum account_role role,
                              const char *bsn, const char *password, size_t password_len,
                              struct accounts_enrolment *enrolment, struct account *out,
                              const char **why)
{
    const char *reason = NULL;
    if (!account_username_valid(username))
        reason = "the username must be 1-64 letters, digits or . _ - @";
    else if ((unsigned)role > ACCOUNT_ADMIN)
        reason = "unknown role";
    else if (bsn && !bsn_valid(bsn))
        reason = "the BSN is not nine digits passing the 11-proef";
    else
        reason = password_unacceptable(password, password_len);
    if (why) *why = reason;
    if (reason) return ACCOUNTS_INVALID;

    char hash[PASSWORD_ENCODED_MAX], subject[UUID_STR_LEN];
    if (password_hash(&a->cfg.password, password, password_len, hash) != 0 ||
        uuid_v4(subject) != 0 || new_enrolment(a, username, enrolment) != 0) {
        log_bug("accounts: cannot make a hash, subject or TOTP secret");
        return ACCOUNTS_ERROR;
    }
    int64_t now = accounts_now(a);
    pthread_mutex_lock(&a->lock);
    sqlite3_stmt *st = accounts_prepare(
        a, "INSERT INTO account(username, role, subject, bsn, password, totp_secret, created, "
           "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    enum accounts_rc rc = ACCOUNTS_ERROR;
    int64_t id = 0;
    if (st) {
        sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, account_role_name(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
        if (bsn)
            sqlite3_bind_text(st, 4, bsn, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_text(st, 5, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, enrolment->secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, now);
        sqlite3_bind_int64(st, 8, now);
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE) {
            rc = ACCOUNTS_OK;
            id = sqlite3_last_insert_rowid(a->db);
            if (out) {
                memset(out, 0, sizeof *out);
                out->id = id;
                memcpy(out->username, username, strlen(username) + 1);
                out->role = role;
                memcpy(out->subject, subject, sizeof subject);
                if (bsn) memcpy(out->bsn, bsn, BSN_LEN + 1);
                out->created = now;
            }
        } else if (sqlite3_extended_errcode(a->db) == SQLITE_CONSTRAINT_UNIQUE) {
            rc = ACCOUNTS_EXISTS; /* the username or the BSN; which one is not said */
        } else {
            log_bug("accounts: insert failed: %s", sqlite3_errmsg(a->db));
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->lock);
    OPENSSL_cleanse(hash, sizeof hash);
    if (rc != ACCOUNTS_OK)
        accounts_enrolment_free(enrolment);
    else
        log_info("accounts: added account %lld (%s)", (long long)id, account_role_name(role));
    return rc;
}

/* Runs a one-row account query with one text parameter. */
static enum accounts_rc get_by(struct accounts *a, const char *sql, const char *value,
                               struct account *out)
{
    pthread_mutex_lock(&a->lock);
    sqlite3_stmt *st = accounts_prepare(a, sql);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    if (st) {
        sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            accounts_row(st, out, NULL);
            rc = ACCOUNTS_OK;
        } else if (step == SQLITE_DONE) {
            rc = ACCOUNTS_NOT_FOUND;
        } else {
            log_bug("accounts: read failed: %s", sqlite3_errmsg(a->db));
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

enum accounts_rc accounts_get(struct accounts *a, const char *username, struct account *out)
{
    return get_by(a, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE username = ?", username, out);
}

enum accounts_rc accounts_get_by_subject(struct accounts *a, const char *subject,
                                         struct account *out)
{
    return get_by(a, "SELECT " ACCOUNT_COLUMNS " FROM account WHERE subject = ?", subject, out);
}

enum accounts_rc accounts_list(struct accounts *a, int (*fn)(const struct account *, void *),
                               void *ctx)
{
    /* The walk holds the store's lock throughout (one consistent listing), so fn must not call
     * back into the store. */
    pthread_mutex_lock(&a->lock);
    sqlite3_stmt *st =
        accounts_prepare(a, "SELECT " ACCOUNT_COLUMNS " FROM account ORDER BY username");
    enum accounts_rc rc = ACCOUNTS_ERROR;
    if (st) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            struct account acc;
            accounts_row(st, &acc, NULL);
            if (fn(&acc, ctx) != 0) break;
        }
        if (step == SQLITE_ROW || step == SQLITE_DONE)
            rc = ACCOUNTS_OK;
        else
            log_bug("accounts: list failed: %s", sqlite3_errmsg(a->db));
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

/* Runs an UPDATE of one account by username (parameter 1 is the username; bind() binds the rest),
 * then ends its sessions, in one transaction. */
static enum accounts_rc update_account(struct accounts *a, const char *username, const char *sql,
                                       void (*bind)(sqlite3_stmt *, const void *), const void *arg)
{
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    sqlite3_stmt *id_st = NULL, *st = NULL;
    if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        log_bug("accounts: begin failed: %s", sqlite3_errmsg(a->db));
        goto out;
    }
    id_st = accounts_prepare(a, "SELECT id FROM account WHERE username = ?");
    if (!id_st) goto rollback;
    sqlite3_bind_text(id_st, 1, username, -1, SQLITE_STATIC);
    int step = sqlite3_step(id_st);
    if (step == SQLITE_DONE) {
        rc = ACCOUNTS_NOT_FOUND;
        goto rollback;
    }
    if (step != SQLITE_ROW) goto rollback;
    int64_t id = sqlite3_column_int64(id_st, 0);
    st = accounts_prepare(a, sql);
    if (!st) goto rollback;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
    bind(st, arg);
    int done = accounts_exec(a, st);
    st = NULL;
    if (done != 0 || accounts_end_sessions(a, id) != 0) goto rollback;
    if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        log_bug("accounts: commit failed: %s", sqlite3_errmsg(a->db));
        goto rollback;
    }
    rc = ACCOUNTS_OK;
    log_info("accounts: changed account %lld", (long long)id);
    goto out;
rollback:
    sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(id_st);
    pthread_mutex_unlock(&a->lock);
    return rc;
}

struct update_args {
    int64_t now;
    int flag;
    const char *text;
};

static void bind_flag(sqlite3_stmt *st, const void *arg)
{
    const struct update_args *u = arg;
    sqlite3_bind_int(st, 2, u->flag);
    sqlite3_bind_int64(st, 3, u->now);
}

static void bind_text(sqlite3_stmt *st, const void *arg)
{
    const struct update_args *u = arg;
    sqlite3_bind_text(st, 2, u->text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, u->now);
}

enum accounts_rc accounts_set_disabled(struct accounts *a, const char *username, bool disabled)
{
    struct update_args u = {.now = accounts_now(a), .flag = disabled};
    return update_account(a, username,
                          "UPDATE account SET disabled = ?2, updated = ?3 WHERE username = ?1",
                          bind_flag, &u);
}

enum accounts_rc accounts_set_password(struct accounts *a, const char *username,
                                       const char *password, size_t password_len, const char **why)
{
    const char *reason = password_unacceptable(password, password_len);
    if (why) *why = reason;
    if (reason) return ACCOUNTS_INVALID;
    char hash[PASSWORD_ENCODED_MAX];
    if (password_hash(&a->cfg.password, password, password_len, hash) != 0) {
        log_bug("accounts: cannot hash a password");
        return ACCOUNTS_ERROR;
    }
    struct update_args u = {.now = accounts_now(a), .text = hash};
    enum accounts_rc rc = update_account(
        a, username,
        "UPDATE account SET password = ?2, updated = ?3, failures = 0, last_failure = 0, "
        "locked_until = 0 WHERE username = ?1",
        bind_text, &u);
    OPENSSL_cleanse(hash, sizeof hash);
    return rc;
}

enum accounts_rc accounts_reset_totp(struct accounts *a, const char *username,
                                     struct accounts_enrolment *enrolment)
{
    if (new_enrolment(a, username, enrolment) != 0) {
        log_bug("accounts: cannot make a TOTP secret");
        return ACCOUNTS_ERROR;
    }
    struct update_args u = {.now = accounts_now(a), .text = enrolment->secret};
    /* The replay guard stays: the last step is a time, and time does not go back. */
    enum accounts_rc rc = update_account(
        a, username,
        "UPDATE account SET totp_secret = ?2, totp_pending = NULL, updated = ?3, failures = 0, "
        "last_failure = 0, locked_until = 0 WHERE username = ?1",
        bind_text, &u);
    if (rc != ACCOUNTS_OK) accounts_enrolment_free(enrolment);
    return rc;
}
