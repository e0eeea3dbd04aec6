/* read: the current version of type/id (a delete marker included). Two B-tree lookups: the
 * resource_current key, then the version's rowid; CROSS JOIN pins that order. */
#include "store/sqlite/internal.h"

static const char sql_read[] =
    "SELECT c.type, c.id, c.version, c.seq, v.last_updated, c.deleted, v.json"
    " FROM resource_current c CROSS JOIN resource_version v ON v.seq = c.seq"
    " WHERE c.type = ?1 AND c.id = ?2";

enum store_rc store_sq_read(struct store *base, const char *type, const char *id,
                            struct store_row *out)
{
    struct store_sqlite *s = store_sq(base);
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) return STORE_HARD;
    enum store_rc ret;
    sqlite3_stmt *st = store_sq_stmt(c, SQ_READ, sql_read);
    if (!st) {
        ret = STORE_HARD;
    } else {
        store_sq_bind_text(st, 1, type);
        store_sq_bind_text(st, 2, id);
        ret = store_sq_row_one(c, st, true, "read", out);
    }
    store_sq_reader_put(s, c);
    return ret;
}
