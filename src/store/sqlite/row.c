/* Result rows to struct store_row, shared by every read. The json column is decoded by
 * json_unpack.c: TEXT as it is, a BLOB (a zstd frame) decompressed. */
#include <string.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/json_pack.h"

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap) n = cap - 1; /* cannot happen for what we wrote; tx_put checks lengths */
    if (n) memcpy(dst, t, n);
    dst[n] = '\0';
}

static void fill_meta(sqlite3_stmt *st, struct store_row *out)
{
    copy_text(out->type, sizeof out->type, st, 0);
    copy_text(out->id, sizeof out->id, st, 1);
    out->version = sqlite3_column_int64(st, 2);
    out->seq = sqlite3_column_int64(st, 3);
    copy_text(out->last_updated, sizeof out->last_updated, st, 4);
    out->deleted = sqlite3_column_int(st, 5) != 0;
    out->json = NULL;
    out->json_len = 0;
}

enum store_rc store_sq_row_fill(struct store_sq_conn *c, sqlite3_stmt *st, bool want_json,
                                struct store_row *out)
{
    fill_meta(st, out);
    if (!want_json || out->deleted) return STORE_OK;
    return store_sq_json_column(c, st, 6, true, out);
}

enum store_rc store_sq_row_view(struct store_sq_conn *c, sqlite3_stmt *st, struct store_row *out)
{
    fill_meta(st, out);
    if (out->deleted) return STORE_OK;
    return store_sq_json_column(c, st, 6, false, out);
}

enum store_rc store_sq_row_stream(struct store_sq_conn *c, sqlite3_stmt *st, store_row_cb cb,
                                  void *ctx)
{
    /* The row handed out points into SQLite's own buffer (or, for a frame, the connection's),
     * valid until the next step: streaming an export copies nothing. */
    struct store_row row;
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) return STORE_OK;
        if (rc != SQLITE_ROW) return store_sq_fail(c->db, rc, "step");
        enum store_rc ret = store_sq_row_view(c, st, &row);
        if (ret != STORE_OK) return ret;
        if (cb(ctx, &row)) return STORE_OK;
    }
}

enum store_rc store_sq_row_one(struct store_sq_conn *c, sqlite3_stmt *st, bool want_json,
                               const char *what, struct store_row *out)
{
    enum store_rc ret;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ret = store_sq_row_fill(c, st, want_json, out);
    else if (rc == SQLITE_DONE)
        ret = STORE_NONE;
    else
        ret = store_sq_fail(c->db, rc, what);
    sqlite3_reset(st);
    return ret;
}
