/* tx_put: a new version becomes current. Per put: one lookup of the current row, one version
 * insert, one current insert/update, the old version's index rows out and the new ones in
 * (ix_write.c). All statements are prepared once on the writer connection. */
#include <string.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/json_pack.h"
#include "util/log.h"

static const char sql_lookup[] =
    "SELECT seq, version, deleted FROM resource_current WHERE type = ?1 AND id = ?2";
static const char sql_version[] =
    "INSERT INTO resource_version (type, id, version, last_updated, deleted, compartment, json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_cur_insert[] =
    "INSERT INTO resource_current (type, id, seq, version, deleted, compartment)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_cur_update[] =
    "UPDATE resource_current SET seq = ?3, version = ?4, deleted = ?5, compartment = ?6"
    " WHERE type = ?1 AND id = ?2";
static bool fits(const char *s, size_t cap)
{
    return s && *s && strnlen(s, cap) < cap;
}

/* The caller broke the contract: that is a bug in the caller, not a client fault. */
static bool valid(const struct store_put *p)
{
    if (!fits(p->type, STORE_TYPE_MAX) || !fits(p->id, STORE_ID_MAX) ||
        !fits(p->last_updated, STORE_INSTANT_MAX)) {
        log_bug("store: tx_put: type, id or last_updated missing or too long");
        return false;
    }
    if (p->deleted ? p->json != NULL : p->json == NULL) {
        log_bug("store: tx_put %s/%s: json must be NULL exactly for a delete marker", p->type,
                p->id);
        return false;
    }
    if (p->json && p->json_len > STORE_JSON_MAX) {
        log_bug("store: tx_put %s/%s: %zu bytes, over the limit of %u", p->type, p->id, p->json_len,
                (unsigned)STORE_JSON_MAX);
        return false;
    }
    if (p->compartment && !fits(p->compartment, STORE_ID_MAX)) {
        log_bug("store: tx_put %s/%s: bad compartment", p->type, p->id);
        return false;
    }
    return store_sq_ix_valid(p);
}

/* Steps a statement that returns no rows and resets it. */
static int run(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct cur {
    bool exists;
    int64_t seq, version;
    bool deleted;
};

static int lookup(struct store_sq_conn *c, const struct store_put *p, struct cur *cur)
{
    sqlite3_stmt *st = store_sq_stmt(c, SQ_PUT_LOOKUP, sql_lookup);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, p->type);
    store_sq_bind_text(st, 2, p->id);
    int rc = sqlite3_step(st);
    memset(cur, 0, sizeof *cur);
    if (rc == SQLITE_ROW) {
        cur->exists = true;
        cur->seq = sqlite3_column_int64(st, 0);
        cur->version = sqlite3_column_int64(st, 1);
        cur->deleted = sqlite3_column_int(st, 2) != 0;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

/* The index rows follow the current version: the previous one's go (a delete marker had none),
 * the new one's come in. */
static int index_rows(struct store_sq_conn *c, const struct store_put *p, const struct cur *cur,
                      int64_t seq)
{
    if (cur->exists && !cur->deleted) {
        int rc = store_sq_ix_delete(c, cur->seq);
        if (rc != SQLITE_OK) return rc;
    }
    return store_sq_ix_insert(c, p, seq);
}

static int put(struct store_sqlite *s, struct store_sq_conn *c, const struct store_put *p,
               const struct cur *cur)
{
    sqlite3_stmt *st = store_sq_stmt(c, SQ_PUT_VERSION, sql_version);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, p->type);
    store_sq_bind_text(st, 2, p->id);
    sqlite3_bind_int64(st, 3, p->version);
    store_sq_bind_text(st, 4, p->last_updated);
    sqlite3_bind_int(st, 5, p->deleted);
    store_sq_bind_text(st, 6, p->compartment);
    int rc =
        p->json ? store_sq_json_bind(s, st, 7, p->json, p->json_len) : sqlite3_bind_null(st, 7);
    if (rc == SQLITE_OK) rc = run(st);
    if (rc != SQLITE_OK) return rc;
    int64_t seq = sqlite3_last_insert_rowid(c->db);

    st = cur->exists ? store_sq_stmt(c, SQ_PUT_CURRENT_UPDATE, sql_cur_update)
                     : store_sq_stmt(c, SQ_PUT_CURRENT_INSERT, sql_cur_insert);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, p->type);
    store_sq_bind_text(st, 2, p->id);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, p->version);
    sqlite3_bind_int(st, 5, p->deleted);
    store_sq_bind_text(st, 6, p->compartment);
    if ((rc = run(st)) != SQLITE_OK) return rc;
    return index_rows(c, p, cur, seq);
}

enum store_rc store_sq_tx_put(struct store_txn *tx, const struct store_put *p)
{
    if (!valid(p)) {
        tx->failed = true;
        return STORE_HARD;
    }
    struct cur cur;
    int rc = lookup(tx->conn, p, &cur);
    if (rc == SQLITE_OK) {
        int64_t want = cur.exists ? cur.version + 1 : 1;
        if (p->version != want) {
            log_bug("store: tx_put %s/%s: version %lld, expected %lld", p->type, p->id,
                    (long long)p->version, (long long)want);
            tx->failed = true;
            return STORE_HARD;
        }
        rc = put(tx->s, tx->conn, p, &cur);
    }
    if (rc != SQLITE_OK) {
        store_sq_fail(tx->conn->db, rc, "tx_put");
        tx->failed = true;
        return STORE_HARD;
    }
    return STORE_OK;
}
