/* Connections: opening one with the store's pragmas, the per-connection statement cache, and the
 * pool of read-only connections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/json_pack.h"
#include "util/log.h"

enum store_rc store_sq_fail(sqlite3 *db, int rc, const char *what)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        log_warn("store: %s: database busy", what);
        return STORE_RETRY;
    }
    log_bug("store: %s: %s (%d)", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
    return STORE_HARD;
}

int store_sq_bind_text(sqlite3_stmt *st, int col, const char *text)
{
    if (!text) return sqlite3_bind_null(st, col);
    return sqlite3_bind_text(st, col, text, -1, SQLITE_STATIC);
}

/* Runs the connection's setup statements. These are the first to read the file, so their failure
 * is what a user sees for a file that is not a database (or is locked, or unreadable): err gets
 * SQLite's own message ("file is not a database"), which the callers put after "cannot open
 * database PATH: "; the statements themselves mean nothing to a user and go to the debug log. */
static int conn_exec(sqlite3 *db, const char *sql, char *err, size_t err_len)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        const char *text = msg ? msg : sqlite3_errstr(rc);
        log_debug("store: [%s]: %s (%d)", sql, text, rc);
        snprintf(err, err_len, "%s", text);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

struct store_sq_conn *store_sq_conn_open(const struct store_sqlite *s, bool writer, char *err,
                                         size_t err_len)
{
    struct store_sq_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    /* NOMUTEX: a connection is used by one thread at a time (the writer, or a reader that took it
     * from the pool), so SQLite's own per-connection mutex would be pure cost. */
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(s->path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "open %s: %s", s->path,
                 c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        store_sq_conn_close(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, (int)s->cfg.busy_timeout_ms);
    c->json = s->json;
    char sql[512];
    snprintf(sql, sizeof sql,
             "PRAGMA cache_size = -%zu; PRAGMA mmap_size = %lld; PRAGMA temp_store = MEMORY;",
             writer ? s->cfg.cache_kib : s->cfg.read_cache_kib, (long long)s->cfg.mmap_kib * 1024);
    if (conn_exec(c->db, sql, err, err_len)) goto fail;
    if (writer) {
        /* page_size only takes effect on a new database, so it comes first. 8 KiB pages hold three
         * typical (2-3 KiB) resources where 4 KiB pages hold one, which shrank a Synthea-sized
         * ingest by a quarter and made it ~20% faster; reads are as fast.
         * WAL: readers never block the writer nor it them. synchronous=FULL syncs the WAL at every
         * commit, so an acknowledged write survives power loss; NORMAL (tests only) may lose the
         * last commits on power loss but never corrupts. Checkpoints run at SQLite's default
         * (every 1000 pages, 8 MiB); the WAL file is cut back to 64 MiB after one, so a burst
         * does not leave a huge file behind. */
        snprintf(sql, sizeof sql,
                 "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = %s;"
                 " PRAGMA journal_size_limit = 67108864; PRAGMA foreign_keys = OFF;",
                 s->cfg.durable ? "FULL" : "NORMAL");
        if (conn_exec(c->db, sql, err, err_len)) goto fail;
        /* journal_mode answers the mode it got; anything but wal means no concurrent readers. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW ||
            strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
            sqlite3_finalize(st);
            snprintf(err, err_len, "%s: cannot switch to WAL mode", s->path);
            goto fail;
        }
        sqlite3_finalize(st);
    } else {
        if (conn_exec(c->db, "PRAGMA query_only = 1;", err, err_len)) goto fail;
    }
    return c;
fail:
    store_sq_conn_close(c);
    return NULL;
}

void store_sq_conn_close(struct store_sq_conn *c)
{
    if (!c) return;
    store_sq_cache_clear(c);
    store_sq_ix_params_free(c);
    for (int i = 0; i < SQ_STMT_COUNT; i++) sqlite3_finalize(c->stmts[i]);
    store_sq_unpack_free(c->unpack);
    if (sqlite3_close(c->db) != SQLITE_OK) log_bug("store: close: %s", sqlite3_errmsg(c->db));
    free(c);
}

sqlite3_stmt *store_sq_stmt(struct store_sq_conn *c, enum store_sq_stmt id, const char *sql)
{
    if (c->stmts[id]) return c->stmts[id];
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id], NULL);
    if (rc != SQLITE_OK) {
        log_bug("store: prepare [%s]: %s", sql, sqlite3_errmsg(c->db));
        c->stmts[id] = NULL;
        return NULL;
    }
    return c->stmts[id];
}

/* ---- reader pool ---- */

struct store_sq_conn *store_sq_reader_get(struct store_sqlite *s)
{
    pthread_mutex_lock(&s->pool_mu);
    struct store_sq_conn *c = s->pool;
    if (c) s->pool = c->next;
    pthread_mutex_unlock(&s->pool_mu);
    if (c) return c;
    char err[256];
    c = store_sq_conn_open(s, false, err, sizeof err);
    if (!c) log_bug("store: reader connection: %s", err);
    return c;
}

void store_sq_reader_put(struct store_sqlite *s, struct store_sq_conn *c)
{
    pthread_mutex_lock(&s->pool_mu);
    c->next = s->pool;
    s->pool = c;
    pthread_mutex_unlock(&s->pool_mu);
}

void store_sq_readers_close(struct store_sqlite *s)
{
    pthread_mutex_lock(&s->pool_mu);
    struct store_sq_conn *c = s->pool;
    s->pool = NULL;
    pthread_mutex_unlock(&s->pool_mu);
    while (c) {
        struct store_sq_conn *next = c->next;
        store_sq_conn_close(c);
        c = next;
    }
}
