/* Result rows to struct store_row, shared by every read. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/log.h"

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap) n = cap - 1; /* cannot happen for what we wrote; tx_put checks lengths */
    if (n) memcpy(dst, t, n);
    dst[n] = '\0';
}

enum store_rc store_sq_row_fill(sqlite3_stmt *st, bool want_json, struct store_row *out)
{
    copy_text(out->type, sizeof out->type, st, 0);
    copy_text(out->id, sizeof out->id, st, 1);
    out->version = sqlite3_column_int64(st, 2);
    out->seq = sqlite3_column_int64(st, 3);
    copy_text(out->last_updated, sizeof out->last_updated, st, 4);
    out->deleted = sqlite3_column_int(st, 5) != 0;
    out->json = NULL;
    out->json_len = 0;
    if (!want_json || out->deleted) return STORE_OK;
    const unsigned char *p = sqlite3_column_text(st, 6);
    size_t n = (size_t)sqlite3_column_bytes(st, 6);
    out->json = malloc(n + 1);
    if (!out->json) {
        log_bug("store: out of memory for a %zu byte resource", n);
        return STORE_HARD;
    }
    if (n) memcpy(out->json, p, n);
    out->json[n] = '\0';
    out->json_len = n;
    return STORE_OK;
}

enum store_rc store_sq_row_stream(sqlite3 *db, sqlite3_stmt *st, store_row_cb cb, void *ctx)
{
    /* The row handed out points into SQLite's own buffer, valid until the next step: streaming an
     * export copies nothing. */
    struct store_row row;
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) return STORE_OK;
        if (rc != SQLITE_ROW) return store_sq_fail(db, rc, "step");
        memset(&row, 0, sizeof row);
        store_sq_row_fill(st, false, &row);
        if (!row.deleted) {
            row.json = (char *)sqlite3_column_text(st, 6);
            row.json_len = (size_t)sqlite3_column_bytes(st, 6);
        }
        if (cb(ctx, &row)) return STORE_OK;
    }
}

enum store_rc store_sq_row_one(sqlite3 *db, sqlite3_stmt *st, bool want_json, const char *what,
                               struct store_row *out)
{
    enum store_rc ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = store_sq_row_fill(st, want_json, out);
    else if (rc == SQLITE_DONE)
        ret = STORE_NONE;
    else
        ret = store_sq_fail(db, rc, what);
    sqlite3_reset(st);
    return ret;
}
