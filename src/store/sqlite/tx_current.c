/* tx_current: the current version as the writer sees it, including this unit's own earlier puts
 * (same connection, same transaction). The json column is left out when not wanted, so SQLite
 * does not even decode it. */
#include "store/sqlite/internal.h"

#define COLS "SELECT c.type, c.id, c.version, c.seq, v.last_updated, c.deleted"
#define FROM                                                                                       \
    " FROM resource_current c CROSS JOIN resource_version v ON v.seq = c.seq"                      \
    " WHERE c.type = ?1 AND c.id = ?2"

static const char sql_meta[] = COLS FROM;
static const char sql_json[] = COLS ", v.json" FROM;

enum store_rc store_sq_tx_current(struct store_txn *tx, const char *type, const char *id,
                                  bool want_json, struct store_row *out)
{
    sqlite3_stmt *st = want_json ? store_sq_stmt(tx->conn, SQ_TX_CURRENT_JSON, sql_json)
                                 : store_sq_stmt(tx->conn, SQ_TX_CURRENT, sql_meta);
    if (!st) {
        tx->failed = true;
        return STORE_HARD;
    }
    store_sq_bind_text(st, 1, type);
    store_sq_bind_text(st, 2, id);
    enum store_rc ret = store_sq_row_one(tx->conn, st, want_json, "tx_current", out);
    if (ret < 0) tx->failed = true;
    return ret;
}
