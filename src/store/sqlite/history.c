/* history: versions newest first (by seq), of everything, one type or one resource, optionally
 * since an instant and before a seq (the next page), with the total that ignores paging.
 *
 * Each level has its own statement so each gets its index: all -> rowid (seq) order, type ->
 * (type, seq), one resource -> UNIQUE (type, id, version), where version order is seq order. "No
 * before_seq" is bound as the largest seq and "no since" as '' (every instant sorts after it), so
 * no OR-ed optional terms keep the planner off the index. In the one-resource query, "+seq" keeps
 * the planner from preferring (type, seq), which would walk every version of the type. */
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/fhirtime.h"

#define COLS "SELECT type, id, version, seq, last_updated, deleted, json FROM resource_version"

static const char *const sql_rows[3] = {
    COLS " WHERE seq < ?3 AND last_updated >= ?4 ORDER BY seq DESC LIMIT ?5",
    COLS " WHERE type = ?1 AND seq < ?3 AND last_updated >= ?4 ORDER BY seq DESC LIMIT ?5",
    COLS " WHERE type = ?1 AND id = ?2 AND +seq < ?3 AND last_updated >= ?4"
         " ORDER BY version DESC LIMIT ?5",
};
static const char *const sql_count[3] = {
    "SELECT count(*) FROM resource_version WHERE last_updated >= ?4",
    "SELECT count(*) FROM resource_version WHERE type = ?1 AND last_updated >= ?4",
    "SELECT count(*) FROM resource_version WHERE type = ?1 AND id = ?2 AND last_updated >= ?4",
};
static const enum store_sq_stmt slot_rows[3] = {SQ_HIST_ALL, SQ_HIST_TYPE, SQ_HIST_ID};
static const enum store_sq_stmt slot_count[3] = {SQ_HIST_COUNT_ALL, SQ_HIST_COUNT_TYPE,
                                                 SQ_HIST_COUNT_ID};

static void bind_q(sqlite3_stmt *st, const struct store_history_q *q, const char *since)
{
    store_sq_bind_text(st, 1, q->type);
    store_sq_bind_text(st, 2, q->id);
    sqlite3_bind_int64(st, 3, q->before_seq > 0 ? q->before_seq : INT64_MAX);
    store_sq_bind_text(st, 4, since);
    sqlite3_bind_int64(st, 5, q->count > (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->count);
}

static enum store_rc run_step(struct store_sq_conn *c, enum store_sq_stmt id, const char *sql)
{
    sqlite3_stmt *st = store_sq_stmt(c, id, sql);
    if (!st) return STORE_HARD;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sq_fail(c->db, rc, sql);
}

static enum store_rc history_on(struct store_sq_conn *c, const struct store_history_q *q,
                                const char *since, store_row_cb cb, void *ctx, int64_t *total)
{
    int level = !q->type ? 0 : !q->id ? 1 : 2;
    if (total) {
        sqlite3_stmt *st = store_sq_stmt(c, slot_count[level], sql_count[level]);
        if (!st) return STORE_HARD;
        bind_q(st, q, since);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            return store_sq_fail(c->db, rc, "history count");
        }
        *total = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    sqlite3_stmt *st = store_sq_stmt(c, slot_rows[level], sql_rows[level]);
    if (!st) return STORE_HARD;
    bind_q(st, q, since);
    enum store_rc ret = store_sq_row_stream(c, st, cb, ctx);
    sqlite3_reset(st);
    return ret;
}

enum store_rc store_sq_history(struct store *base, const struct store_history_q *q, store_row_cb cb,
                               void *ctx, int64_t *total)
{
    struct store_sqlite *s = store_sq(base);
    /* Stored instants are canonical (UTC, milliseconds), so text order is time order; bring
     * since to the same form. A since that does not parse is compared as given. */
    char canon[FHIRTIME_INSTANT_LEN];
    const char *since = q->since ? q->since : "";
    struct fhirtime t;
    if (q->since && fhirtime_parse_datetime(q->since, strlen(q->since), &t)) {
        fhirtime_format_us(t.start_us, canon);
        since = canon;
    }
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) return STORE_HARD;
    /* With a total, one read transaction, so the count and the page see the same snapshot (a
     * single statement is one snapshot by itself). */
    enum store_rc ret = total ? run_step(c, SQ_BEGIN_READ, "BEGIN") : STORE_OK;
    if (ret == STORE_OK) {
        ret = history_on(c, q, since, cb, ctx, total);
        enum store_rc end = total ? run_step(c, SQ_END_READ, "COMMIT") : STORE_OK;
        if (ret == STORE_OK) ret = end;
    }
    store_sq_reader_put(s, c);
    return ret;
}
