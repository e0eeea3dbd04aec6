/* A small LRU of prepared statements per connection, keyed by their SQL text, for statements
 * built per call. A search's text depends only on the query's shape (every value is bound), so
 * the same kind of search reuses its statement: preparing one cost ~100-140 us against ~50-400 us
 * for running a typical indexed search (docs/store.md). */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/log.h"

sqlite3_stmt *store_sq_cached_stmt(struct store_sq_conn *c, const char *sql, size_t len)
{
    struct store_sq_cached *slot = &c->cache[0];
    for (int i = 0; i < SQ_CACHE_MAX; i++) {
        struct store_sq_cached *e = &c->cache[i];
        if (e->sql && strlen(e->sql) == len && !memcmp(e->sql, sql, len)) {
            e->used = ++c->cache_clock;
            return e->st;
        }
        if (!e->sql || (slot->sql && e->used < slot->used)) slot = e;
    }
    if (len > INT32_MAX) return NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, (int)len, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        log_bug("store: prepare [%.*s]: %s", (int)len, sql, sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        sqlite3_finalize(st);
        log_bug("store: out of memory for a statement");
        return NULL;
    }
    memcpy(copy, sql, len);
    copy[len] = '\0';
    sqlite3_finalize(slot->st);
    free(slot->sql);
    slot->sql = copy;
    slot->st = st;
    slot->used = ++c->cache_clock;
    return st;
}

void store_sq_cache_clear(struct store_sq_conn *c)
{
    for (int i = 0; i < SQ_CACHE_MAX; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
        c->cache[i] = (struct store_sq_cached){0};
    }
}
