/* scan: every current, not deleted resource, ordered by type then id (the resource_current key
 * order, so no sort), streamed without copying. One statement is one snapshot. */
#include "store/sqlite/internal.h"

#define COLS                                                                                       \
    "SELECT c.type, c.id, c.version, c.seq, v.last_updated, c.deleted, v.json"                     \
    " FROM resource_current c CROSS JOIN resource_version v ON v.seq = c.seq"

static const char sql_all[] = COLS " WHERE c.deleted = 0 ORDER BY c.type, c.id";
static const char sql_type[] = COLS " WHERE c.type = ?1 AND c.deleted = 0 ORDER BY c.id";

enum store_rc store_sq_scan(struct store *base, const char *type, store_row_cb cb, void *ctx)
{
    struct store_sqlite *s = store_sq(base);
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) return STORE_HARD;
    enum store_rc ret = STORE_HARD;
    sqlite3_stmt *st =
        type ? store_sq_stmt(c, SQ_SCAN_TYPE, sql_type) : store_sq_stmt(c, SQ_SCAN_ALL, sql_all);
    if (st) {
        if (type) store_sq_bind_text(st, 1, type);
        ret = store_sq_row_stream(c, st, cb, ctx);
        sqlite3_reset(st);
    }
    store_sq_reader_put(s, c);
    return ret;
}
