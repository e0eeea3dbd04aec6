/* The PGO's connection store (pgo.db): schema, connections, pending authorizations, tokens and
 * shares. See connections.h. */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/connections.h"
#include "util/log.h"
#include "util/sqlfile.h"

struct pgo_conn_store {
    sqlite3 *db;
    /* Held around every sequence of statements that must see one state. */
    pthread_mutex_t lock;
    uint8_t key[PGO_KEY_BYTES];
};

/* Numbered migrations; migration N brings the schema from version N-1 to N. Append only. */
static const char *const migrations[] = {
    /* 1: connections, pending authorizations, tokens, shares. AUTOINCREMENT: a deleted
     * connection's id is never given to a new one, so an old link cannot reach it. */
    "CREATE TABLE connection("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account TEXT NOT NULL," /* the account's subject */
    "  provider TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('pending', 'connected', 'revoked')),"
    "  created INTEGER NOT NULL,"
    "  last_collected INTEGER NOT NULL DEFAULT 0,"
    "  last_result TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (account, provider, service));"
    "CREATE TABLE pending("
    "  state_hash BLOB PRIMARY KEY," /* SHA-256 of the OAuth state; the state is never stored */
    "  connection INTEGER NOT NULL REFERENCES connection(id) ON DELETE CASCADE,"
    "  account TEXT NOT NULL,"
    "  verifier BLOB NOT NULL," /* sealed */
    "  redirect_uri TEXT NOT NULL,"
    "  correlation_id TEXT NOT NULL,"
    "  expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX pending_expires ON pending(expires);"
    "CREATE INDEX pending_connection ON pending(connection);"
    "CREATE TABLE token("
    "  connection INTEGER PRIMARY KEY REFERENCES connection(id) ON DELETE CASCADE,"
    "  access BLOB NOT NULL," /* sealed */
    "  refresh BLOB,"         /* sealed; NULL when none was issued */
    "  access_expires INTEGER NOT NULL DEFAULT 0,"
    "  scope TEXT NOT NULL DEFAULT '',"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE share("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account TEXT NOT NULL,"
    "  connection INTEGER NOT NULL," /* no foreign key: the record outlives the connection */
    "  provider TEXT NOT NULL,"
    "  service TEXT NOT NULL,"
    "  shared_at INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  what TEXT NOT NULL,"
    "  result TEXT NOT NULL);"
    "CREATE INDEX share_account ON share(account, shared_at);"
    /* A value sealed under the key at first open: a later open with another pgo.key (lost,
     * replaced) is refused instead of silently failing on every token. */
    "CREATE TABLE key_check(id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* Names this store in the log. */
#define WHO "pgo.db"

static const char *const state_names[] = {"pending", "connected", "revoked"};

const char *pgo_conn_state_name(enum pgo_conn_state s)
{
    return (unsigned)s < 3 ? state_names[s] : "unknown";
}

static enum pgo_conn_state state_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, state_names[i])) return (enum pgo_conn_state)i;
    return PGO_CONN_REVOKED;
}

const char *pgo_conn_rc_text(enum pgo_conn_rc rc)
{
    switch (rc) {
    case PGO_CONN_OK:
        return "ok";
    case PGO_CONN_NOT_FOUND:
        return "not found";
    case PGO_CONN_EXPIRED:
        return "expired";
    case PGO_CONN_INVALID:
        return "invalid argument";
    case PGO_CONN_ERROR:
        return "connection storage failed";
    }
    return "unknown result";
}

void pgo_tokens_clear(struct pgo_tokens *t)
{
    if (!t) return;
    if (t->access) {
        OPENSSL_cleanse(t->access, strlen(t->access));
        free(t->access);
    }
    if (t->refresh) {
        OPENSSL_cleanse(t->refresh, strlen(t->refresh));
        free(t->refresh);
    }
    memset(t, 0, sizeof *t);
}

/* ---- SQLite helpers: util/sqlfile, with this store's name in the log ---- */

static sqlite3_stmt *prepare(struct pgo_conn_store *s, const char *sql)
{
    return sqlfile_prepare(s->db, sql, WHO);
}

/* Runs a statement that returns no rows and finalizes it; 0 or -1 (logged). */
static int run(struct pgo_conn_store *s, sqlite3_stmt *st)
{
    return sqlfile_exec_done(s->db, st, WHO);
}

static bool fits(const char *s, size_t max)
{
    return s && *s && strnlen(s, max + 1) <= max;
}

#define KEY_CHECK_AAD  "regie-pgo key check"
#define KEY_CHECK_TEXT "pgo.key belongs to this pgo.db"

/* Seals the check value at first open; afterwards it must open under the key. */
static int check_key(struct pgo_conn_store *s, const char *key_path, char *err, size_t err_len)
{
    sqlite3_stmt *st = prepare(s, "SELECT sealed FROM key_check WHERE id = 1");
    if (!st) goto broken;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        char *plain = NULL;
        int ok = pgo_open_sealed(s->key, KEY_CHECK_AAD, sqlite3_column_blob(st, 0),
                                 (size_t)sqlite3_column_bytes(st, 0), &plain, NULL) == 0 &&
                 !strcmp(plain, KEY_CHECK_TEXT);
        free(plain);
        sqlite3_finalize(st);
        if (ok) return 0;
        snprintf(err, err_len, "%s is not the key of this pgo.db (its tokens cannot be read)",
                 key_path);
        return -1;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) goto broken;
    uint8_t *sealed = NULL;
    size_t len = 0;
    if (pgo_seal(s->key, KEY_CHECK_AAD, KEY_CHECK_TEXT, strlen(KEY_CHECK_TEXT), &sealed, &len) != 0)
        goto broken;
    st = prepare(s, "INSERT INTO key_check(id, sealed) VALUES (1, ?)");
    if (st) sqlite3_bind_blob(st, 1, sealed, (int)len, SQLITE_TRANSIENT);
    free(sealed);
    if (run(s, st) == 0) return 0;
broken:
    snprintf(err, err_len, "pgo.db: cannot check the key (see the log)");
    return -1;
}

struct pgo_conn_store *pgo_conn_open(const char *db_path, const char *key_path, char *err,
                                     size_t err_len)
{
    struct pgo_conn_store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    if (pgo_key_load(key_path, s->key, err, err_len) != 0) goto fail;
    /* Readable by its owner only: it holds tokens, sealed, and who is connected where. */
    char why[256];
    enum sqlfile_open_rc orc = sqlfile_open(db_path, SQLFILE_FOREIGN_KEYS | SQLFILE_SECURE_DELETE,
                                            WHO, &s->db, why, sizeof why);
    if (orc == SQLFILE_OPEN_FAILED) {
        snprintf(err, err_len, "%s: %s", db_path, why);
        goto fail;
    }
    if (orc != SQLFILE_OPEN_OK || sqlfile_migrate(s->db, migrations, SCHEMA_VERSION, WHO) != 0) {
        snprintf(err, err_len, "%s: cannot prepare the database (see the log)", db_path);
        goto fail;
    }
    if (check_key(s, key_path, err, err_len) != 0) goto fail;
    return s;
fail:
    pgo_conn_close(s);
    return NULL;
}

void pgo_conn_close(struct pgo_conn_store *s)
{
    if (!s) return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    OPENSSL_cleanse(s->key, sizeof s->key);
    free(s);
}

/* ---- connections ---- */

#define CONN_COLUMNS "id, account, provider, service, state, created, last_collected, last_result"

static void conn_row(sqlite3_stmt *st, struct pgo_connection *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    sqlfile_column_text(st, 1, c->account, sizeof c->account);
    sqlfile_column_text(st, 2, c->provider, sizeof c->provider);
    sqlfile_column_text(st, 3, c->service, sizeof c->service);
    c->state = state_parse((const char *)sqlite3_column_text(st, 4));
    c->created = sqlite3_column_int64(st, 5);
    c->last_collected = sqlite3_column_int64(st, 6);
    sqlfile_column_text(st, 7, c->last_result, sizeof c->last_result);
}

enum pgo_conn_rc pgo_conn_begin(struct pgo_conn_store *s, const char *account, const char *provider,
                                const char *service, int64_t now, int64_t *id)
{
    if (!fits(account, PGO_ACCOUNT_MAX) || !fits(provider, PGO_PROVIDER_MAX) ||
        !fits(service, PGO_SERVICE_MAX))
        return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    /* A revoked connection starts over as pending; pending and connected ones stay as they are
     * (a connected one is replaced only when the new tokens arrive). */
    sqlite3_stmt *st = prepare(
        s, "INSERT INTO connection(account, provider, service, state, created) "
           "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (account, provider, service) DO UPDATE "
           "SET state = CASE state WHEN 'revoked' THEN 'pending' ELSE state END RETURNING id");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, provider, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, service, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, now);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            rc = sqlite3_step(st) == SQLITE_DONE ? PGO_CONN_OK : PGO_CONN_ERROR;
        }
        if (rc != PGO_CONN_OK) log_bug("pgo.db: connection upsert: %s", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_conn_get(struct pgo_conn_store *s, const char *account, int64_t id,
                              struct pgo_connection *out)
{
    if (!account) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    sqlite3_stmt *st =
        prepare(s, "SELECT " CONN_COLUMNS " FROM connection WHERE id = ? AND account = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, account, -1, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            conn_row(st, out);
            rc = PGO_CONN_OK;
        } else if (r == SQLITE_DONE) {
            rc = PGO_CONN_NOT_FOUND;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_conn_list(struct pgo_conn_store *s, const char *account,
                               int (*fn)(const struct pgo_connection *, void *), void *ctx)
{
    if (!account) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    sqlite3_stmt *st =
        prepare(s, "SELECT " CONN_COLUMNS " FROM connection WHERE account = ? ORDER BY id");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            struct pgo_connection c;
            conn_row(st, &c);
            if (fn(&c, ctx) != 0) break;
        }
        rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? PGO_CONN_OK : PGO_CONN_ERROR;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Runs an UPDATE/DELETE bound to one id; NOT_FOUND when it touched no row. */
static enum pgo_conn_rc change_one(struct pgo_conn_store *s, sqlite3_stmt *st)
{
    if (!st) return PGO_CONN_ERROR;
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE) {
        log_bug("pgo.db: statement failed: %s", sqlite3_errmsg(s->db));
        return PGO_CONN_ERROR;
    }
    return sqlite3_changes(s->db) > 0 ? PGO_CONN_OK : PGO_CONN_NOT_FOUND;
}

enum pgo_conn_rc pgo_conn_set_state(struct pgo_conn_store *s, int64_t id, enum pgo_conn_state state)
{
    if ((unsigned)state > PGO_CONN_REVOKED) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "UPDATE connection SET state = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_text(st, 1, state_names[state], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, id);
    }
    enum pgo_conn_rc rc = change_one(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_conn_collected(struct pgo_conn_store *s, int64_t id, int64_t now,
                                    const char *result)
{
    char text[PGO_RESULT_MAX + 1];
    snprintf(text, sizeof text, "%s", result ? result : "");
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st =
        prepare(s, "UPDATE connection SET last_collected = ?, last_result = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, id);
    }
    enum pgo_conn_rc rc = change_one(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_conn_delete(struct pgo_conn_store *s, const char *account, int64_t id)
{
    if (!account) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    /* Tokens and pending rows go with it (ON DELETE CASCADE). */
    sqlite3_stmt *st = prepare(s, "DELETE FROM connection WHERE id = ? AND account = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, account, -1, SQLITE_TRANSIENT);
    }
    enum pgo_conn_rc rc = change_one(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_conn_delete_account(struct pgo_conn_store *s, const char *account)
{
    if (!fits(account, PGO_ACCOUNT_MAX)) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    if (sqlfile_exec(s->db, "BEGIN IMMEDIATE", WHO) == 0) {
        static const char *const sql[] = {"DELETE FROM pending WHERE account = ?",
                                          "DELETE FROM connection WHERE account = ?",
                                          "DELETE FROM share WHERE account = ?"};
        bool ok = true;
        for (size_t i = 0; ok && i < 3; i++) {
            sqlite3_stmt *st = prepare(s, sql[i]);
            if (st) sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
            ok = run(s, st) == 0;
        }
        if (ok && sqlfile_exec(s->db, "COMMIT", WHO) == 0)
            rc = PGO_CONN_OK;
        else
            sqlfile_exec(s->db, "ROLLBACK", WHO);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- pending authorizations ---- */

static void state_hash(const char *state, uint8_t out[SHA256_DIGEST_LENGTH])
{
    SHA256((const uint8_t *)state, strlen(state), out);
}

static void pending_aad(char *out, size_t cap, int64_t connection, const char *account)
{
    snprintf(out, cap, "regie-pgo pending %" PRId64 " %s verifier", connection, account);
}

enum pgo_conn_rc pgo_pending_put(struct pgo_conn_store *s, const char *state,
                                 const struct pgo_pending *p, int64_t now)
{
    if (!fits(state, 512) || !fits(p->account, PGO_ACCOUNT_MAX) ||
        !fits(p->verifier, PGO_VERIFIER_MAX) || !fits(p->redirect_uri, PGO_REDIRECT_MAX) ||
        !fits(p->correlation_id, PGO_CORRELATION_MAX))
        return PGO_CONN_INVALID;
    uint8_t hash[SHA256_DIGEST_LENGTH];
    state_hash(state, hash);
    char aad[160];
    pending_aad(aad, sizeof aad, p->connection, p->account);
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    if (pgo_seal(s->key, aad, p->verifier, strlen(p->verifier), &sealed, &sealed_len) != 0)
        return PGO_CONN_ERROR;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    sqlite3_stmt *st = prepare(s, "DELETE FROM pending WHERE expires <= ?");
    if (st) sqlite3_bind_int64(st, 1, now);
    if (run(s, st) == 0) {
        st = prepare(s, "INSERT INTO pending(state_hash, connection, account, verifier, "
                        "redirect_uri, correlation_id, expires) "
                        "SELECT ?, id, account, ?, ?, ?, ? FROM connection "
                        "WHERE id = ? AND account = ?");
        if (st) {
            sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
            sqlite3_bind_blob(st, 2, sealed, (int)sealed_len, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, p->redirect_uri, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, p->correlation_id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 5, now + PGO_PENDING_TTL);
            sqlite3_bind_int64(st, 6, p->connection);
            sqlite3_bind_text(st, 7, p->account, -1, SQLITE_TRANSIENT);
        }
        rc = change_one(s, st);
    }
    pthread_mutex_unlock(&s->lock);
    free(sealed);
    return rc;
}

enum pgo_conn_rc pgo_pending_take(struct pgo_conn_store *s, const char *state, const char *account,
                                  int64_t now, struct pgo_pending *out)
{
    memset(out, 0, sizeof *out);
    if (!fits(state, 512)) return PGO_CONN_NOT_FOUND;
    uint8_t hash[SHA256_DIGEST_LENGTH];
    state_hash(state, hash);
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    /* DELETE ... RETURNING: reading and using up the row is one step, so two callbacks with the
     * same state cannot both get it. */
    sqlite3_stmt *st =
        prepare(s, "DELETE FROM pending WHERE state_hash = ? RETURNING connection, account, "
                   "verifier, redirect_uri, correlation_id, expires");
    if (st) {
        sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            out->connection = sqlite3_column_int64(st, 0);
            sqlfile_column_text(st, 1, out->account, sizeof out->account);
            sealed_len = (size_t)sqlite3_column_bytes(st, 2);
            sealed = malloc(sealed_len ? sealed_len : 1);
            if (sealed && sealed_len) memcpy(sealed, sqlite3_column_blob(st, 2), sealed_len);
            sqlfile_column_text(st, 3, out->redirect_uri, sizeof out->redirect_uri);
            sqlfile_column_text(st, 4, out->correlation_id, sizeof out->correlation_id);
            out->expires = sqlite3_column_int64(st, 5);
            r = sqlite3_step(st);
            rc = r == SQLITE_DONE && sealed ? PGO_CONN_OK : PGO_CONN_ERROR;
        } else if (r == SQLITE_DONE) {
            rc = PGO_CONN_NOT_FOUND;
        }
        if (rc == PGO_CONN_ERROR) log_bug("pgo.db: pending take: %s", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc == PGO_CONN_OK) {
        if (account && strcmp(account, out->account) != 0)
            rc = PGO_CONN_NOT_FOUND;
        else if (now >= out->expires)
            rc = PGO_CONN_EXPIRED;
    }
    if (rc == PGO_CONN_OK) {
        char aad[160], *verifier = NULL;
        size_t len = 0;
        pending_aad(aad, sizeof aad, out->connection, out->account);
        if (pgo_open_sealed(s->key, aad, sealed, sealed_len, &verifier, &len) != 0 ||
            len > PGO_VERIFIER_MAX) {
            log_bug("pgo.db: a pending verifier does not decrypt (wrong pgo.key?)");
            rc = PGO_CONN_ERROR;
        } else {
            memcpy(out->verifier, verifier, len + 1);
        }
        if (verifier) {
            OPENSSL_cleanse(verifier, len);
            free(verifier);
        }
    }
    free(sealed);
    if (rc != PGO_CONN_OK) {
        OPENSSL_cleanse(out, sizeof *out);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* ---- tokens ---- */

static void token_aad(char *out, size_t cap, int64_t connection, const char *field)
{
    snprintf(out, cap, "regie-pgo token %" PRId64 " %s", connection, field);
}

static int seal_field(struct pgo_conn_store *s, int64_t id, const char *field, const char *value,
                      uint8_t **out, size_t *len)
{
    char aad[96];
    token_aad(aad, sizeof aad, id, field);
    return pgo_seal(s->key, aad, value, strlen(value), out, len);
}

enum pgo_conn_rc pgo_tokens_put(struct pgo_conn_store *s, int64_t id, const char *access,
                                const char *refresh, int64_t access_expires, const char *scope,
                                int64_t now)
{
    if (!fits(access, 65536) || (refresh && !fits(refresh, 65536)) ||
        (scope && strlen(scope) > PGO_SCOPE_MAX))
        return PGO_CONN_INVALID;
    uint8_t *sa = NULL, *sr = NULL;
    size_t la = 0, lr = 0;
    if (seal_field(s, id, "access", access, &sa, &la) != 0 ||
        (refresh && seal_field(s, id, "refresh", refresh, &sr, &lr) != 0)) {
        free(sa);
        free(sr);
        return PGO_CONN_ERROR;
    }
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    if (sqlfile_exec(s->db, "BEGIN IMMEDIATE", WHO) == 0) {
        sqlite3_stmt *st = prepare(s, "UPDATE connection SET state = 'connected' WHERE id = ?");
        if (st) sqlite3_bind_int64(st, 1, id);
        rc = change_one(s, st);
        if (rc == PGO_CONN_OK) {
            /* Without a new refresh token the old one (sealed for this row) stays. */
            st = prepare(s, "INSERT INTO token(connection, access, refresh, access_expires, "
                            "scope, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                            "ON CONFLICT (connection) DO UPDATE SET access = ?2, "
                            "refresh = coalesce(?3, refresh), access_expires = ?4, scope = ?5, "
                            "updated = ?6");
            if (st) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_blob(st, 2, sa, (int)la, SQLITE_TRANSIENT);
                if (sr)
                    sqlite3_bind_blob(st, 3, sr, (int)lr, SQLITE_TRANSIENT);
                else
                    sqlite3_bind_null(st, 3);
                sqlite3_bind_int64(st, 4, access_expires);
                sqlite3_bind_text(st, 5, scope ? scope : "", -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(st, 6, now);
            }
            if (run(s, st) != 0) rc = PGO_CONN_ERROR;
        }
        if (rc == PGO_CONN_OK && sqlfile_exec(s->db, "COMMIT", WHO) != 0) rc = PGO_CONN_ERROR;
        if (rc != PGO_CONN_OK) sqlfile_exec(s->db, "ROLLBACK", WHO);
    }
    pthread_mutex_unlock(&s->lock);
    free(sa);
    free(sr);
    return rc;
}

/* Opens a sealed column into a malloc'd string; NULL column -> *out NULL. */
static int open_column(struct pgo_conn_store *s, sqlite3_stmt *st, int col, int64_t id,
                       const char *field, char **out)
{
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return 0;
    char aad[96];
    token_aad(aad, sizeof aad, id, field);
    return pgo_open_sealed(s->key, aad, sqlite3_column_blob(st, col),
                           (size_t)sqlite3_column_bytes(st, col), out, NULL);
}

enum pgo_conn_rc pgo_tokens_get(struct pgo_conn_store *s, int64_t id, struct pgo_tokens *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    sqlite3_stmt *st =
        prepare(s, "SELECT access, refresh, access_expires, scope FROM token WHERE connection = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            if (open_column(s, st, 0, id, "access", &out->access) == 0 &&
                open_column(s, st, 1, id, "refresh", &out->refresh) == 0 && out->access) {
                out->access_expires = sqlite3_column_int64(st, 2);
                sqlfile_column_text(st, 3, out->scope, sizeof out->scope);
                rc = PGO_CONN_OK;
            } else {
                log_bug("pgo.db: the tokens of connection %" PRId64
                        " do not decrypt (wrong pgo.key?)",
                        id);
            }
        } else if (r == SQLITE_DONE) {
            rc = PGO_CONN_NOT_FOUND;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc != PGO_CONN_OK) pgo_tokens_clear(out);
    return rc;
}

enum pgo_conn_rc pgo_tokens_delete(struct pgo_conn_store *s, int64_t id)
{
    pthread_mutex_lock(&s->lock);
    sqlite3_stmt *st = prepare(s, "DELETE FROM token WHERE connection = ?");
    if (st) sqlite3_bind_int64(st, 1, id);
    enum pgo_conn_rc rc = change_one(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- shares ---- */

enum pgo_conn_rc pgo_share_add(struct pgo_conn_store *s, const char *account, int64_t connection,
                               const char *what, size_t count, const char *result, int64_t now,
                               int64_t *id)
{
    if (!fits(account, PGO_ACCOUNT_MAX) || !what) return PGO_CONN_INVALID;
    char text[PGO_RESULT_MAX + 1];
    snprintf(text, sizeof text, "%s", result ? result : "");
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    /* Provider and service are copied from the connection: the record stays readable after the
     * connection is deleted. */
    sqlite3_stmt *st = prepare(
        s, "INSERT INTO share(account, connection, provider, service, shared_at, count, what, "
           "result) SELECT account, id, provider, service, ?, ?, ?, ? FROM connection "
           "WHERE id = ? AND account = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, (int64_t)count);
        sqlite3_bind_text(st, 3, what, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, connection);
        sqlite3_bind_text(st, 6, account, -1, SQLITE_TRANSIENT);
    }
    rc = change_one(s, st);
    if (rc == PGO_CONN_OK && id) *id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

enum pgo_conn_rc pgo_share_list(struct pgo_conn_store *s, const char *account,
                                int (*fn)(const struct pgo_share_record *, void *), void *ctx)
{
    if (!account) return PGO_CONN_INVALID;
    pthread_mutex_lock(&s->lock);
    enum pgo_conn_rc rc = PGO_CONN_ERROR;
    sqlite3_stmt *st =
        prepare(s, "SELECT id, connection, provider, service, shared_at, count, what, result "
                   "FROM share WHERE account = ? ORDER BY shared_at DESC, id DESC");
    if (st) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            struct pgo_share_record rec = {0};
            rec.id = sqlite3_column_int64(st, 0);
            rec.connection = sqlite3_column_int64(st, 1);
            sqlfile_column_text(st, 2, rec.provider, sizeof rec.provider);
            sqlfile_column_text(st, 3, rec.service, sizeof rec.service);
            rec.shared_at = sqlite3_column_int64(st, 4);
            rec.count = (size_t)sqlite3_column_int64(st, 5);
            const unsigned char *w = sqlite3_column_text(st, 6);
            rec.what = strdup(w ? (const char *)w : "");
            sqlfile_column_text(st, 7, rec.result, sizeof rec.result);
            int stop = rec.what ? fn(&rec, ctx) : 1;
            free(rec.what);
            if (stop) break;
        }
        rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? PGO_CONN_OK : PGO_CONN_ERROR;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
