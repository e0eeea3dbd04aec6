/* tx_purge: every version of one resource and its search index rows, gone as if never written
 * (a PGO account's deletion; FHIR's own delete keeps history). The index rows are deleted by
 * each version's seq through store_sq_ix_delete, so the purge follows whatever layout the ix_*
 * tables have; resource_version and resource_current are deleted by (type, id). */
#include <stdlib.h>

#include "store/sqlite/internal.h"

static const char sql_seqs[] = "SELECT seq FROM resource_version WHERE type = ?1 AND id = ?2";
static const char sql_versions[] = "DELETE FROM resource_version WHERE type = ?1 AND id = ?2";
static const char sql_current[] = "DELETE FROM resource_current WHERE type = ?1 AND id = ?2";

/* The seqs of every version (malloc'd, *n set). SQLITE_OK or the failure. */
static int version_seqs(struct store_sq_conn *c, const char *type, const char *id, int64_t **seqs,
                        size_t *n)
{
    *seqs = NULL;
    *n = 0;
    sqlite3_stmt *st = store_sq_cached_stmt(c, sql_seqs, sizeof sql_seqs - 1);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, type);
    store_sq_bind_text(st, 2, id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            int64_t *grown = realloc(*seqs, cap * sizeof *grown);
            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            *seqs = grown;
        }
        (*seqs)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int delete_by_key(struct store_sq_conn *c, const char *sql, size_t len, const char *type,
                         const char *id)
{
    sqlite3_stmt *st = store_sq_cached_stmt(c, sql, len);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, type);
    store_sq_bind_text(st, 2, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum store_rc store_sq_tx_purge(struct store_txn *tx, const char *type, const char *id,
                                size_t *versions)
{
    if (versions) *versions = 0;
    int64_t *seqs;
    size_t n;
    int rc = version_seqs(tx->conn, type, id, &seqs, &n);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) rc = store_sq_ix_delete(tx->conn, seqs[i]);
    free(seqs);
    if (rc == SQLITE_OK)
        rc = delete_by_key(tx->conn, sql_versions, sizeof sql_versions - 1, type, id);
    if (rc == SQLITE_OK)
        rc = delete_by_key(tx->conn, sql_current, sizeof sql_current - 1, type, id);
    if (rc != SQLITE_OK) {
        tx->failed = true;
        return store_sq_fail(tx->conn->db, rc, "tx_purge");
    }
    if (versions) *versions = n;
    return n ? STORE_OK : STORE_NONE;
}
