/* The grant store (grants.h): consents, codes and tokens in oauth.db. */
#include "oauth/grants.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/session.h"
#include "oauth/pkce.h"
#include "util/log.h"
#include "util/sqlfile.h"
#include "util/uuid.h"

/* Numbered migrations; migration N brings the schema from version N-1 to N. Append only. */
static const char *const migrations[] = {
    /* 1: consents, codes, tokens. Codes and tokens are kept as SHA-256 of their 32 random bytes.
     * A spent refresh token stays until its consent is swept, so its reuse is recognised. */
    "CREATE TABLE consent("
    "  id TEXT PRIMARY KEY," /* a UUID: the token family and the audit log's grant id */
    "  subject TEXT NOT NULL,"
    "  patient_id TEXT NOT NULL,"
    "  client_id TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  services TEXT NOT NULL," /* service ids, space separated */
    "  created INTEGER NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX consent_subject ON consent(subject, created);"
    "CREATE TABLE code("
    "  hash BLOB PRIMARY KEY,"
    "  consent TEXT NOT NULL REFERENCES consent(id) ON DELETE CASCADE,"
    "  redirect_uri TEXT NOT NULL,"
    "  challenge TEXT," /* PKCE S256; NULL when the client sent none */
    "  expires INTEGER NOT NULL,"
    "  used_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX code_consent ON code(consent);"
    "CREATE TABLE token("
    "  hash BLOB PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
    "  consent TEXT NOT NULL REFERENCES consent(id) ON DELETE CASCADE,"
    "  expires INTEGER NOT NULL,"
    "  spent INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;" /* refresh: rotated; access: revoked */
    "CREATE INDEX token_consent ON token(consent);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* Names this store in the log. */
#define WHO "oauth grants"

#define DEFAULT_CODE_TTL   60
#define DEFAULT_ACCESS_TTL 900
#define SWEEP_GRACE        86400 /* ended consents are kept a day for the audit trail's sake */

struct oauth_grants {
    sqlite3 *db;
    pthread_mutex_t lock; /* one transaction at a time on the one connection */
    struct oauth_grants_config cfg;
};

static int64_t system_now(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

int64_t oauth_grants_now(const struct oauth_grants *g)
{
    return g->cfg.clock.now(g->cfg.clock.ctx);
}

const char *oauth_grants_rc_text(enum oauth_grants_rc rc)
{
    switch (rc) {
    case OAUTH_GRANTS_OK:
        return "ok";
    case OAUTH_GRANTS_NOT_FOUND:
        return "unknown, expired or revoked";
    case OAUTH_GRANTS_MISMATCH:
        return "redirect_uri or code_verifier does not match";
    case OAUTH_GRANTS_REPLAY:
        return "used again: the consent is revoked";
    case OAUTH_GRANTS_INVALID:
        return "invalid argument";
    case OAUTH_GRANTS_ERROR:
        return "grant storage failed";
    case OAUTH_GRANTS_SCOPE:
        return "the scope differs from the one granted";
    }
    return "unknown result";
}

/* ---- SQLite helpers: util/sqlfile, with this store's name in the log ---- */

static sqlite3_stmt *prepare(struct oauth_grants *g, const char *sql)
{
    return sqlfile_prepare(g->db, sql, WHO);
}

/* Steps a statement that returns no row and finalizes it. */
static int exec_done(struct oauth_grants *g, sqlite3_stmt *st)
{
    return sqlfile_exec_done(g->db, st, WHO);
}

struct oauth_grants *oauth_grants_open(const char *path, const struct oauth_grants_config *cfg,
                                       char *err, size_t err_len)
{
    struct oauth_grants *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (cfg) g->cfg = *cfg;
    if (g->cfg.code_ttl <= 0) g->cfg.code_ttl = DEFAULT_CODE_TTL;
    if (g->cfg.access_ttl <= 0) g->cfg.access_ttl = DEFAULT_ACCESS_TTL;
    if (!g->cfg.clock.now) g->cfg.clock.now = system_now;
    pthread_mutex_init(&g->lock, NULL);
    /* Owner-only: hashes only, but consents name patients and clients. */
    char why[256];
    enum sqlfile_open_rc orc = sqlfile_open(path, SQLFILE_FOREIGN_KEYS | SQLFILE_SECURE_DELETE, WHO,
                                            &g->db, why, sizeof why);
    if (orc == SQLFILE_OPEN_FAILED) {
        snprintf(err, err_len, "cannot open %s: %s", path, why);
        goto fail;
    }
    if (orc != SQLFILE_OPEN_OK || sqlfile_migrate(g->db, migrations, SCHEMA_VERSION, WHO) != 0) {
        snprintf(err, err_len, "cannot set up %s (see the log)", path);
        goto fail;
    }
    return g;
fail:
    oauth_grants_close(g);
    return NULL;
}

void oauth_grants_close(struct oauth_grants *g)
{
    if (!g) return;
    sqlite3_close(g->db);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

/* ---- small pieces ---- */

static bool text_ok(const char *s, size_t cap)
{
    if (!s) return false;
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap;
}

static void join_services(const struct oauth_consent *c, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->nservice_ids; i++) {
        int n = snprintf(out + len, cap - len, "%s%s", i ? " " : "", c->service_ids[i]);
        if (n < 0 || (size_t)n >= cap - len) break;
        len += (size_t)n;
    }
}

static void split_services(const char *text, struct oauth_consent *c)
{
    c->nservice_ids = 0;
    const char *p = text;
    while (*p && c->nservice_ids < OAUTH_SCOPE_IDS_MAX) {
        size_t n = strcspn(p, " ");
        if (n > 0 && n < OAUTH_SERVICE_ID_MAX) {
            memcpy(c->service_ids[c->nservice_ids], p, n);
            c->service_ids[c->nservice_ids][n] = '\0';
            c->nservice_ids++;
        }
        p += n;
        if (*p == ' ') p++;
    }
}

/* The consent columns, in the order consent_row reads them. */
#define CONSENT_COLUMNS                                                                            \
    "consent.id, consent.subject, consent.patient_id, consent.client_id, consent.scope, "          \
    "consent.services, consent.created, consent.expires, consent.revoked"

static void consent_row(sqlite3_stmt *st, int col, struct oauth_consent *c)
{
    memset(c, 0, sizeof *c);
    sqlfile_column_text(st, col + 0, c->id, sizeof c->id);
    sqlfile_column_text(st, col + 1, c->subject, sizeof c->subject);
    sqlfile_column_text(st, col + 2, c->patient_id, sizeof c->patient_id);
    sqlfile_column_text(st, col + 3, c->client_id, sizeof c->client_id);
    sqlfile_column_text(st, col + 4, c->scope, sizeof c->scope);
    char services[OAUTH_SCOPE_IDS_MAX * OAUTH_SERVICE_ID_MAX];
    sqlfile_column_text(st, col + 5, services, sizeof services);
    split_services(services, c);
    c->created = sqlite3_column_int64(st, col + 6);
    c->expires = sqlite3_column_int64(st, col + 7);
    c->revoked = sqlite3_column_int64(st, col + 8);
}

static bool consent_live(const struct oauth_consent *c, int64_t now)
{
    return c->revoked == 0 && c->expires > now;
}

/* The stored hash of a code or token; -1 for text that is not one of ours (never stored). */
static int token_hash(const char *token, uint8_t hash[SESSION_HASH_BYTES])
{
    return token ? session_token_hash(token, hash) : -1;
}

static int insert_token(struct oauth_grants *g, const char *kind, const char *consent_id,
                        int64_t expires, char token[OAUTH_TOKEN_LEN])
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (session_new(token, hash) != 0) {
        log_bug("oauth grants: the random source failed");
        return -1;
    }
    sqlite3_stmt *st =
        prepare(g, "INSERT INTO token(hash, kind, consent, expires) VALUES (?, ?, ?, ?)");
    if (st) {
        sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, consent_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, expires);
    }
    return exec_done(g, st);
}

/* A new access and refresh token for a live consent (inside a transaction). */
static int issue_pair(struct oauth_grants *g, const struct oauth_consent *c, int64_t now,
                      struct oauth_token_set *out)
{
    int64_t access_expires = now + g->cfg.access_ttl;
    if (access_expires > c->expires) access_expires = c->expires; /* never outlive the consent */
    if (insert_token(g, "access", c->id, access_expires, out->access_token) != 0 ||
        insert_token(g, "refresh", c->id, c->expires, out->refresh_token) != 0)
        return -1;
    out->expires_in = access_expires - now;
    out->consent = *c;
    return 0;
}

/* Ends a consent family: the consent is revoked, its unused codes and live tokens stop working
 * (every lookup also checks the consent, so this is belt and braces). */
static int revoke_family(struct oauth_grants *g, const char *consent_id, int64_t now)
{
    sqlite3_stmt *st = prepare(g, "UPDATE consent SET revoked = ? WHERE id = ? AND revoked = 0");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, consent_id, -1, SQLITE_TRANSIENT);
    }
    if (exec_done(g, st) != 0) return -1;
    st = prepare(g, "UPDATE token SET spent = ? WHERE consent = ? AND spent = 0");
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, consent_id, -1, SQLITE_TRANSIENT);
    }
    return exec_done(g, st);
}

static void begin(struct oauth_grants *g)
{
    pthread_mutex_lock(&g->lock);
}

/* Ends the transaction opened after begin: COMMIT when rc is not ERROR, else ROLLBACK. A failed
 * COMMIT turns rc into ERROR. */
static enum oauth_grants_rc finish(struct oauth_grants *g, bool in_txn, enum oauth_grants_rc rc)
{
    if (in_txn) {
        if (rc == OAUTH_GRANTS_ERROR) {
            sqlfile_exec(g->db, "ROLLBACK", WHO);
        } else if (sqlfile_exec(g->db, "COMMIT", WHO) != 0) {
            sqlfile_exec(g->db, "ROLLBACK", WHO);
            rc = OAUTH_GRANTS_ERROR;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* ---- consents and codes ---- */

enum oauth_grants_rc oauth_grants_consent_create(struct oauth_grants *g,
                                                 const struct oauth_consent *in,
                                                 int64_t ttl_seconds, struct oauth_consent *out)
{
    if (!in || !text_ok(in->subject, sizeof in->subject) ||
        !text_ok(in->patient_id, sizeof in->patient_id) ||
        !text_ok(in->client_id, sizeof in->client_id) || !text_ok(in->scope, sizeof in->scope) ||
        in->nservice_ids == 0 || in->nservice_ids > OAUTH_SCOPE_IDS_MAX)
        return OAUTH_GRANTS_INVALID;
    for (size_t i = 0; i < in->nservice_ids; i++)
        if (!text_ok(in->service_ids[i], sizeof in->service_ids[i]) ||
            strchr(in->service_ids[i], ' '))
            return OAUTH_GRANTS_INVALID;
    struct oauth_consent c = *in;
    if (uuid_v4(c.id) != 0) return OAUTH_GRANTS_ERROR;
    c.created = oauth_grants_now(g);
    c.expires = in->expires ? in->expires : c.created + ttl_seconds;
    c.revoked = 0;
    if (c.expires <= c.created) return OAUTH_GRANTS_INVALID;
    char services[OAUTH_SCOPE_IDS_MAX * OAUTH_SERVICE_ID_MAX];
    join_services(&c, services, sizeof services);
    begin(g);
    sqlite3_stmt *st = prepare(g, "INSERT INTO consent(id, subject, patient_id, client_id, scope, "
                                  "services, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (st) {
        sqlite3_bind_text(st, 1, c.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c.subject, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c.patient_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, c.client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, c.scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, services, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, c.created);
        sqlite3_bind_int64(st, 8, c.expires);
    }
    enum oauth_grants_rc rc = exec_done(g, st) == 0 ? OAUTH_GRANTS_OK : OAUTH_GRANTS_ERROR;
    finish(g, false, rc);
    if (rc == OAUTH_GRANTS_OK && out) *out = c;
    return rc;
}

/* Reads a consent by id (lock held). 1 found, 0 not, -1 error. */
static int consent_get(struct oauth_grants *g, const char *id, struct oauth_consent *out)
{
    sqlite3_stmt *st = prepare(g, "SELECT " CONSENT_COLUMNS " FROM consent WHERE id = ?");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) consent_row(st, 0, out);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum oauth_grants_rc oauth_grants_code_issue(struct oauth_grants *g, const char *consent_id,
                                             const char *redirect_uri, const char *pkce_challenge,
                                             char code[OAUTH_TOKEN_LEN])
{
    if (!text_ok(consent_id, OAUTH_CONSENT_ID_LEN) || !text_ok(redirect_uri, OAUTH_URI_MAX) ||
        (pkce_challenge && !pkce_challenge_valid(pkce_challenge)))
        return OAUTH_GRANTS_INVALID;
    begin(g);
    struct oauth_consent c;
    int64_t now = oauth_grants_now(g);
    int found = consent_get(g, consent_id, &c);
    if (found < 0) return finish(g, false, OAUTH_GRANTS_ERROR);
    if (found == 0 || !consent_live(&c, now)) return finish(g, false, OAUTH_GRANTS_NOT_FOUND);
    uint8_t hash[SESSION_HASH_BYTES];
    if (session_new(code, hash) != 0) return finish(g, false, OAUTH_GRANTS_ERROR);
    sqlite3_stmt *st = prepare(g, "INSERT INTO code(hash, consent, redirect_uri, challenge, "
                                  "expires) VALUES (?, ?, ?, ?, ?)");
    if (st) {
        sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, consent_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, redirect_uri, -1, SQLITE_TRANSIENT);
        if (pkce_challenge)
            sqlite3_bind_text(st, 4, pkce_challenge, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, now + g->cfg.code_ttl);
    }
    enum oauth_grants_rc rc = exec_done(g, st) == 0 ? OAUTH_GRANTS_OK : OAUTH_GRANTS_ERROR;
    if (rc != OAUTH_GRANTS_OK) OPENSSL_cleanse(code, OAUTH_TOKEN_LEN);
    return finish(g, false, rc);
}

/* What a code row holds. */
struct code_row {
    char redirect_uri[OAUTH_URI_MAX];
    char challenge[OAUTH_PKCE_CHALLENGE_LEN];
    bool has_challenge;
    int64_t expires, used_at;
    struct oauth_consent consent;
};

/* A single-use credential (a code, a rotated refresh token) came back: one of its holders is not
 * the client, so the whole consent family ends. out gets the consent (for the caller's audit
 * record), never tokens. Ends the transaction. */
static enum oauth_grants_rc replayed(struct oauth_grants *g, const struct oauth_consent *consent,
                                     int64_t now, struct oauth_token_set *out)
{
    if (revoke_family(g, consent->id, now) != 0) return finish(g, true, OAUTH_GRANTS_ERROR);
    memset(out, 0, sizeof *out);
    out->consent = *consent;
    out->consent.revoked = now;
    return finish(g, true, OAUTH_GRANTS_REPLAY);
}

/* Marks the presented credential spent (mark_sql: "UPDATE ... SET <when> = ? WHERE hash = ?") and
 * issues a new access/refresh pair for consent, in the one open transaction, which it ends. Any
 * failure leaves no token in out. */
static enum oauth_grants_rc spend_and_issue(struct oauth_grants *g, const char *mark_sql,
                                            const uint8_t hash[SESSION_HASH_BYTES],
                                            const struct oauth_consent *consent, int64_t now,
                                            struct oauth_token_set *out)
{
    sqlite3_stmt *st = prepare(g, mark_sql);
    if (st) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_blob(st, 2, hash, SESSION_HASH_BYTES, SQLITE_TRANSIENT);
    }
    if (exec_done(g, st) != 0 || issue_pair(g, consent, now, out) != 0) {
        OPENSSL_cleanse(out, sizeof *out);
        return finish(g, true, OAUTH_GRANTS_ERROR);
    }
    enum oauth_grants_rc rc = finish(g, true, OAUTH_GRANTS_OK);
    if (rc != OAUTH_GRANTS_OK) OPENSSL_cleanse(out, sizeof *out);
    return rc;
}

/* 1 found, 0 not, -1 error (lock held). */
static int code_get(struct oauth_grants *g, const uint8_t hash[SESSION_HASH_BYTES],
                    struct code_row *out)
{
    sqlite3_stmt *st = prepare(g, "SELECT code.redirect_uri, code.challenge, code.expires, "
                                  "code.used_at, " CONSENT_COLUMNS
                                  " FROM code JOIN consent ON consent.id = code.consent "
                                  "WHERE code.hash = ?");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        sqlfile_column_text(st, 0, out->redirect_uri, sizeof out->redirect_uri);
        out->has_challenge = sqlite3_column_type(st, 1) != SQLITE_NULL;
        sqlfile_column_text(st, 1, out->challenge, sizeof out->challenge);
        out->expires = sqlite3_column_int64(st, 2);
        out->used_at = sqlite3_column_int64(st, 3);
        consent_row(st, 4, &out->consent);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum oauth_grants_rc oauth_grants_code_redeem(struct oauth_grants *g, const char *code,
                                              const char *client_id, const char *redirect_uri,
                                              const char *code_verifier,
                                              struct oauth_token_set *out)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (!client_id || !redirect_uri) return OAUTH_GRANTS_INVALID;
    if (token_hash(code, hash) != 0) return OAUTH_GRANTS_NOT_FOUND;
    begin(g);
    if (sqlfile_exec(g->db, "BEGIN IMMEDIATE", WHO) != 0)
        return finish(g, false, OAUTH_GRANTS_ERROR);
    int64_t now = oauth_grants_now(g);
    struct code_row row;
    int found = code_get(g, hash, &row);
    if (found < 0) return finish(g, true, OAUTH_GRANTS_ERROR);
    if (found == 0) return finish(g, true, OAUTH_GRANTS_NOT_FOUND);
    if (row.used_at != 0) {
        /* RFC 6749 §4.1.2: a code used twice revokes what it issued, whoever brings it back. */
        log_client("oauth: an authorization code was used again: consent %s revoked",
                   row.consent.id);
        return replayed(g, &row.consent, now, out);
    }
    if (row.expires <= now || !consent_live(&row.consent, now) ||
        strcasecmp(row.consent.client_id, client_id) != 0)
        return finish(g, true, OAUTH_GRANTS_NOT_FOUND);
    if (strcmp(row.redirect_uri, redirect_uri) != 0) return finish(g, true, OAUTH_GRANTS_MISMATCH);
    if (row.has_challenge ? !pkce_verify(row.challenge, code_verifier) : code_verifier != NULL)
        return finish(g, true, OAUTH_GRANTS_MISMATCH);
    return spend_and_issue(g, "UPDATE code SET used_at = ? WHERE hash = ?", hash, &row.consent, now,
                           out);
}

/* ---- tokens ---- */

struct token_row {
    char kind[8];
    int64_t expires, spent;
    struct oauth_consent consent;
};

static int token_get(struct oauth_grants *g, const uint8_t hash[SESSION_HASH_BYTES],
                     struct token_row *out)
{
    sqlite3_stmt *st = prepare(g, "SELECT token.kind, token.expires, token.spent, " CONSENT_COLUMNS
                                  " FROM token JOIN consent ON consent.id = token.consent "
                                  "WHERE token.hash = ?");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        sqlfile_column_text(st, 0, out->kind, sizeof out->kind);
        out->expires = sqlite3_column_int64(st, 1);
        out->spent = sqlite3_column_int64(st, 2);
        consent_row(st, 3, &out->consent);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

enum oauth_grants_rc oauth_grants_refresh(struct oauth_grants *g, const char *refresh_token,
                                          const char *client_id, const char *scope,
                                          struct oauth_token_set *out)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (!client_id) return OAUTH_GRANTS_INVALID;
    if (token_hash(refresh_token, hash) != 0) return OAUTH_GRANTS_NOT_FOUND;
    begin(g);
    if (sqlfile_exec(g->db, "BEGIN IMMEDIATE", WHO) != 0)
        return finish(g, false, OAUTH_GRANTS_ERROR);
    int64_t now = oauth_grants_now(g);
    struct token_row row;
    int found = token_get(g, hash, &row);
    if (found < 0) return finish(g, true, OAUTH_GRANTS_ERROR);
    if (found == 0 || strcmp(row.kind, "refresh") != 0 ||
        strcasecmp(row.consent.client_id, client_id) != 0 || !consent_live(&row.consent, now))
        return finish(g, true, OAUTH_GRANTS_NOT_FOUND);
    if (row.spent != 0) {
        /* A rotated refresh token came back: one of the two holders is not the client. */
        log_client("oauth: a rotated refresh token was used again: consent %s revoked",
                   row.consent.id);
        return replayed(g, &row.consent, now, out);
    }
    if (scope && strcmp(scope, row.consent.scope) != 0) return finish(g, true, OAUTH_GRANTS_SCOPE);
    return spend_and_issue(g, "UPDATE token SET spent = ? WHERE hash = ?", hash, &row.consent, now,
                           out);
}

enum oauth_grants_rc oauth_grants_access_lookup(struct oauth_grants *g, const char *access_token,
                                                struct oauth_consent *out)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (token_hash(access_token, hash) != 0) return OAUTH_GRANTS_NOT_FOUND;
    begin(g);
    int64_t now = oauth_grants_now(g);
    struct token_row row;
    int found = token_get(g, hash, &row);
    if (found < 0) return finish(g, false, OAUTH_GRANTS_ERROR);
    if (found == 0 || strcmp(row.kind, "access") != 0 || row.spent != 0 || row.expires <= now ||
        !consent_live(&row.consent, now))
        return finish(g, false, OAUTH_GRANTS_NOT_FOUND);
    *out = row.consent;
    return finish(g, false, OAUTH_GRANTS_OK);
}

enum oauth_grants_rc oauth_grants_revoke_token(struct oauth_grants *g, const char *token,
                                               const char *client_id, bool *found_out)
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (found_out) *found_out = false;
    if (!client_id) return OAUTH_GRANTS_INVALID;
    if (token_hash(token, hash) != 0) return OAUTH_GRANTS_OK;
    begin(g);
    if (sqlfile_exec(g->db, "BEGIN IMMEDIATE", WHO) != 0)
        return finish(g, false, OAUTH_GRANTS_ERROR);
    int64_t now = oauth_grants_now(g);
    struct token_row row;
    int found = token_get(g, hash, &row);
    if (found < 0) return finish(g, true, OAUTH_GRANTS_ERROR);
    if (found == 0 || strcasecmp(row.consent.client_id, client_id) != 0)
        return finish(g, true, OAUTH_GRANTS_OK);
    if (found_out) *found_out = true;
    int rc;
    if (!strcmp(row.kind, "refresh")) {
        rc = revoke_family(g, row.consent.id, now);
    } else {
        sqlite3_stmt *st = prepare(g, "UPDATE token SET spent = ? WHERE hash = ? AND spent = 0");
        if (st) {
            sqlite3_bind_int64(st, 1, now);
            sqlite3_bind_blob(st, 2, hash, sizeof hash, SQLITE_TRANSIENT);
        }
        rc = exec_done(g, st);
    }
    return finish(g, true, rc == 0 ? OAUTH_GRANTS_OK : OAUTH_GRANTS_ERROR);
}

enum oauth_grants_rc oauth_grants_consent_revoke(struct oauth_grants *g, const char *consent_id,
                                                 const char *subject)
{
    if (!text_ok(consent_id, OAUTH_CONSENT_ID_LEN) || !text_ok(subject, OAUTH_SUBJECT_MAX))
        return OAUTH_GRANTS_INVALID;
    begin(g);
    if (sqlfile_exec(g->db, "BEGIN IMMEDIATE", WHO) != 0)
        return finish(g, false, OAUTH_GRANTS_ERROR);
    struct oauth_consent c;
    int found = consent_get(g, consent_id, &c);
    if (found < 0) return finish(g, true, OAUTH_GRANTS_ERROR);
    if (found == 0 || strcmp(c.subject, subject) != 0 || c.revoked != 0)
        return finish(g, true, OAUTH_GRANTS_NOT_FOUND);
    int rc = revoke_family(g, consent_id, oauth_grants_now(g));
    return finish(g, true, rc == 0 ? OAUTH_GRANTS_OK : OAUTH_GRANTS_ERROR);
}

enum oauth_grants_rc oauth_grants_consents(struct oauth_grants *g, const char *subject,
                                           int (*fn)(const struct oauth_consent *, void *),
                                           void *ctx)
{
    if (!text_ok(subject, OAUTH_SUBJECT_MAX) || !fn) return OAUTH_GRANTS_INVALID;
    begin(g);
    sqlite3_stmt *st = prepare(g, "SELECT " CONSENT_COLUMNS " FROM consent WHERE subject = ? "
                                  "ORDER BY created DESC, id");
    if (!st) return finish(g, false, OAUTH_GRANTS_ERROR);
    sqlite3_bind_text(st, 1, subject, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct oauth_consent c;
        consent_row(st, 0, &c);
        if (fn(&c, ctx) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return finish(g, false, rc == SQLITE_DONE ? OAUTH_GRANTS_OK : OAUTH_GRANTS_ERROR);
}

enum oauth_grants_rc oauth_grants_sweep(struct oauth_grants *g, size_t *removed)
{
    begin(g);
    if (sqlfile_exec(g->db, "BEGIN IMMEDIATE", WHO) != 0)
        return finish(g, false, OAUTH_GRANTS_ERROR);
    int64_t now = oauth_grants_now(g);
    /* Used codes are kept as long as their consent: their second use must still be recognised. */
    static const char *const sql[] = {
        "DELETE FROM code WHERE used_at = 0 AND expires <= ?1",
        "DELETE FROM token WHERE kind = 'access' AND (expires <= ?1 OR spent != 0)",
        "DELETE FROM consent WHERE (revoked != 0 AND revoked <= ?1 - ?2) OR expires <= ?1 - ?2",
    };
    size_t count = 0;
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = prepare(g, sql[i]);
        if (st) {
            sqlite3_bind_int64(st, 1, now);
            if (sqlite3_bind_parameter_count(st) > 1) sqlite3_bind_int64(st, 2, SWEEP_GRACE);
        }
        if (exec_done(g, st) != 0) return finish(g, true, OAUTH_GRANTS_ERROR);
        count += (size_t)sqlite3_changes(g->db);
    }
    if (removed) *removed = count;
    return finish(g, true, OAUTH_GRANTS_OK);
}
