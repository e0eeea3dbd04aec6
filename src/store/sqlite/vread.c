/* vread: one given version, through the UNIQUE (type, id, version) index. */
#include "store/sqlite/internal.h"

static const char sql_vread[] =
    "SELECT type, id, version, seq, last_updated, deleted, json FROM resource_version"
    " WHERE type = ?1 AND id = ?2 AND version = ?3";

enum store_rc store_sq_vread(struct store *base, const char *type, const char *id, int64_t version,
                             struct store_row *out)
{
    struct store_sqlite *s = store_sq(base);
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) return STORE_HARD;
    enum store_rc ret;
    sqlite3_stmt *st = store_sq_stmt(c, SQ_VREAD, sql_vread);
    if (!st) {
        ret = STORE_HARD;
    } else {
        store_sq_bind_text(st, 1, type);
        store_sq_bind_text(st, 2, id);
        sqlite3_bind_int64(st, 3, version);
        ret = store_sq_row_one(c, st, true, "vread", out);
    }
    store_sq_reader_put(s, c);
    return ret;
}
