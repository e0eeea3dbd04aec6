/* check: SQLite's own consistency check. quick_check verifies every page, record and constraint
 * but not that each index holds exactly its table's rows, so it runs in linear time on a large
 * database; that is the trade made here. */
#include <stdio.h>
#include <string.h>

#include "store/sqlite/internal.h"

enum store_rc store_sq_check(struct store *base, char *msg, size_t msg_len)
{
    struct store_sqlite *s = store_sq(base);
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) {
        snprintf(msg, msg_len, "cannot open a connection");
        return STORE_HARD;
    }
    sqlite3_stmt *st = NULL;
    enum store_rc ret = STORE_HARD;
    int rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (r && !strcmp(r, "ok")) ret = STORE_OK;
        snprintf(msg, msg_len, "%s", r ? r : "(no answer)");
    } else {
        snprintf(msg, msg_len, "quick_check: %s", sqlite3_errmsg(c->db));
    }
    sqlite3_finalize(st);
    store_sq_reader_put(s, c);
    return ret;
}
