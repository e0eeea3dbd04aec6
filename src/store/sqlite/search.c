/* search: the op. Builds the statements (search_query.c), runs the count and the page in one read
 * transaction so they agree, and streams the page's rows (json straight out of SQLite's buffer,
 * or decompressed into the connection's, as scan does). The statements come from the connection's
 * LRU by text (stmt_cache.c): the text depends only on the query's shape, so repeated kinds of
 * search skip the prepare. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/sqlite/search_sql.h"
#include "util/log.h"

/* A cached statement goes back clean: its text bindings point into the builder, freed next. */
static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static sqlite3_stmt *prepare(struct store_sq_conn *c, const struct sq_build *b,
                             const struct buf *sql)
{
    sqlite3_stmt *st = store_sq_cached_stmt(c, sql->data, sql->len);
    if (!st) return NULL;
    int rc = sq_bind_all(b, st);
    if (rc != SQLITE_OK) {
        log_bug("store: search [%s]: bind: %s", sql->data, sqlite3_errmsg(c->db));
        done(st);
        return NULL;
    }
    return st;
}

static enum store_rc run_count(struct store_sq_conn *c, const struct sq_build *b,
                               const struct buf *sql, int64_t *total)
{
    sqlite3_stmt *st = prepare(c, b, sql);
    if (!st) return STORE_HARD;
    int rc = sqlite3_step(st);
    enum store_rc ret = STORE_OK;
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    else
        ret = store_sq_fail(c->db, rc, "search count");
    done(st);
    return ret;
}

static enum store_rc run_page(struct store_sq_conn *c, const struct sq_build *b,
                              const struct buf *sql, size_t count, store_row_cb cb, void *ctx,
                              bool *more)
{
    sqlite3_stmt *st = prepare(c, b, sql);
    if (!st) return STORE_HARD;
    enum store_rc ret = STORE_OK;
    struct store_row row;
    for (size_t n = 0;; n++) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            ret = store_sq_fail(c->db, rc, "search");
            break;
        }
        if (n == count) { /* the one row past the page */
            if (more) *more = true;
            break;
        }
        if ((ret = store_sq_row_view(c, st, &row)) != STORE_OK) break;
        if (cb(ctx, &row)) break;
    }
    done(st);
    return ret;
}

static enum store_rc exec(struct store_sq_conn *c, enum store_sq_stmt id, const char *sql)
{
    sqlite3_stmt *st = store_sq_stmt(c, id, sql);
    if (!st) return STORE_HARD;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_OK : store_sq_fail(c->db, rc, sql);
}

static enum store_rc search_on(struct store_sq_conn *c, const struct sq_build *b,
                               const struct buf *page, const struct buf *count, size_t n,
                               store_row_cb cb, void *ctx, int64_t *total, bool *more)
{
    /* The count and the page in one read transaction, so they see one snapshot. */
    bool both = page->len && count->len;
    enum store_rc ret = both ? exec(c, SQ_BEGIN_READ, "BEGIN") : STORE_OK;
    if (ret != STORE_OK) return ret;
    if (count->len) ret = run_count(c, b, count, total);
    if (ret == STORE_OK && page->len) ret = run_page(c, b, page, n, cb, ctx, more);
    if (both) {
        enum store_rc end = exec(c, SQ_END_READ, "COMMIT");
        if (ret == STORE_OK) ret = end;
    }
    return ret;
}

enum store_rc store_sq_search(struct store *base, const struct store_search_q *q, store_row_cb cb,
                              void *ctx, int64_t *total, bool *more)
{
    if (more) *more = false;
    if (!q || (!q->type && !q->compartment) || (q->count && !cb)) {
        log_bug("store: search without type and compartment, or without a callback");
        return STORE_HARD;
    }
    bool want_total = q->want_total && total;
    if (!q->count && !want_total) return STORE_OK;
    struct sq_build *b = malloc(sizeof *b);
    if (!b) {
        log_bug("store: search: out of memory");
        return STORE_HARD;
    }
    sq_build_init(b);
    b->now_us = now_us();
    struct buf page, count;
    buf_init(&page, SQ_SQL_MAX);
    buf_init(&count, SQ_SQL_MAX);
    sq_query(b, q, q->count ? &page : NULL, want_total ? &count : NULL);
    enum store_rc ret = STORE_HARD;
    if (b->failed) {
        log_bug("store: search: query too large or malformed (type %s)",
                q->type ? q->type : "(any)");
    } else {
        log_debug("store: search [%s]", page.len ? page.data : count.data);
        struct store_sqlite *s = store_sq(base);
        struct store_sq_conn *c = store_sq_reader_get(s);
        if (c) {
            ret = search_on(c, b, &page, &count, q->count, cb, ctx, total, more);
            store_sq_reader_put(s, c);
        }
    }
    buf_free(&page);
    buf_free(&count);
    sq_build_free(b);
    free(b);
    return ret;
}
