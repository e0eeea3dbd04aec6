/* tx_find: ids of current, not deleted resources of a type matching every condition (AND).
 *
 * One condition drives: an _id condition if there is one (one candidate at most), else the first
 * token condition, read from ix_token in id order; every other condition is then checked per
 * candidate with an EXISTS-style probe on the candidate's seq. Index rows exist only for current,
 * not deleted versions, so a token hit needs no check against resource_current. Fixed statements,
 * prepared once, instead of SQL built per call. */
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/log.h"

/* Every driver answers (id, seq); the probes check a candidate's rows by seq, the leading column
 * of ix_token's key. ?2 is the (type, param) pid from the writer's map (ix_param.c); ?4 NULL = any
 * system; '' = no system (stored as ''). */
static const char sql_by_id[] =
    "SELECT id, seq FROM resource_current WHERE type = ?1 AND id = ?3 AND deleted = 0";
static const char sql_all[] =
    "SELECT id, seq FROM resource_current WHERE type = ?1 AND deleted = 0 ORDER BY id";
static const char sql_token[] = "SELECT DISTINCT v.id, v.seq FROM ix_token t"
                                " CROSS JOIN resource_version v ON v.seq = t.seq"
                                " WHERE t.pid = ?2 AND t.code = ?3"
                                " AND (?4 IS NULL OR t.system = ?4) ORDER BY v.id";
static const char sql_token_anycode[] = "SELECT DISTINCT v.id, v.seq FROM ix_token t"
                                        " CROSS JOIN resource_version v ON v.seq = t.seq"
                                        " WHERE t.pid = ?2"
                                        " AND (?4 IS NULL OR t.system = ?4) ORDER BY v.id";
static const char sql_has[] = "SELECT 1 FROM ix_token WHERE seq = ?5 AND pid = ?2 AND code = ?3"
                              " AND (?4 IS NULL OR system = ?4) LIMIT 1";
static const char sql_has_anycode[] = "SELECT 1 FROM ix_token WHERE seq = ?5 AND pid = ?2"
                                      " AND (?4 IS NULL OR system = ?4) LIMIT 1";

static bool is_id(const struct store_cond *c)
{
    return !strcmp(c->param, "_id");
}

/* pid 0 (an unknown pair) matches no row. */
static void bind_cond(sqlite3_stmt *st, const char *type, const struct store_cond *c, int64_t pid)
{
    store_sq_bind_text(st, 1, type);
    sqlite3_bind_int64(st, 2, pid);
    store_sq_bind_text(st, 3, c->code);
    store_sq_bind_text(st, 4, c->system);
}

/* 1 when candidate id satisfies cond, 0 when not, -1 on error. */
static int matches(struct store_sq_conn *conn, const char *type, const struct store_cond *c,
                   const char *id, int64_t seq)
{
    if (is_id(c)) return c->code && !strcmp(c->code, id);
    int64_t pid;
    int rc = store_sq_ix_pid(conn, type, c->param, false, &pid);
    if (rc != SQLITE_OK) {
        store_sq_fail(conn->db, rc, "tx_find param");
        return -1;
    }
    if (!pid) return 0;
    sqlite3_stmt *st = c->code ? store_sq_stmt(conn, SQ_HAS_TOKEN, sql_has)
                               : store_sq_stmt(conn, SQ_HAS_TOKEN_ANYCODE, sql_has_anycode);
    if (!st) return -1;
    bind_cond(st, type, c, pid);
    sqlite3_bind_int64(st, 5, seq);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    store_sq_fail(conn->db, rc, "tx_find probe");
    return -1;
}

static sqlite3_stmt *driver(struct store_sq_conn *conn, const char *type,
                            const struct store_cond *d)
{
    sqlite3_stmt *st;
    if (!d)
        st = store_sq_stmt(conn, SQ_FIND_ALL, sql_all);
    else if (is_id(d))
        st = store_sq_stmt(conn, SQ_FIND_ID, sql_by_id);
    else if (d->code)
        st = store_sq_stmt(conn, SQ_FIND_TOKEN, sql_token);
    else
        st = store_sq_stmt(conn, SQ_FIND_TOKEN_ANYCODE, sql_token_anycode);
    if (!st) return NULL;
    int64_t pid = 0;
    if (d && !is_id(d)) {
        int rc = store_sq_ix_pid(conn, type, d->param, false, &pid);
        if (rc != SQLITE_OK) {
            store_sq_fail(conn->db, rc, "tx_find param");
            return NULL;
        }
    }
    if (d)
        bind_cond(st, type, d, pid);
    else
        store_sq_bind_text(st, 1, type);
    return st;
}

enum store_rc store_sq_tx_find(struct store_txn *tx, const char *type,
                               const struct store_cond *conds, size_t nconds,
                               char (*ids)[STORE_ID_MAX], size_t max, size_t *found)
{
    *found = 0;
    const struct store_cond *d = NULL;
    for (size_t i = 0; i < nconds; i++) {
        if (!conds[i].param || (is_id(&conds[i]) && !conds[i].code)) {
            log_bug("store: tx_find: condition %zu without param or _id value", i);
            tx->failed = true;
            return STORE_HARD;
        }
        if (is_id(&conds[i]) && (!d || !is_id(d)))
            d = &conds[i];
        else if (!d)
            d = &conds[i];
    }
    sqlite3_stmt *st = driver(tx->conn, type, d);
    if (!st) {
        tx->failed = true;
        return STORE_HARD;
    }
    enum store_rc ret = STORE_OK;
    while (*found < max) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            ret = store_sq_fail(tx->conn->db, rc, "tx_find");
            break;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (!id || (size_t)sqlite3_column_bytes(st, 0) >= STORE_ID_MAX) continue;
        int64_t seq = sqlite3_column_int64(st, 1);
        int ok = 1;
        for (size_t i = 0; i < nconds && ok == 1; i++)
            if (&conds[i] != d) ok = matches(tx->conn, type, &conds[i], id, seq);
        if (ok < 0) {
            ret = STORE_HARD;
            break;
        }
        if (ok) memcpy(ids[(*found)++], id, (size_t)sqlite3_column_bytes(st, 0) + 1);
    }
    sqlite3_reset(st);
    if (ret != STORE_OK) {
        tx->failed = true;
        *found = 0;
        return STORE_HARD;
    }
    return *found ? STORE_OK : STORE_NONE;
}
