/* The writer's map of interned (resource type, search parameter code) pairs (schema 0004,
 * ix_param): an index row carries the pair's small integer pid instead of two texts.
 *
 * The map belongs to one connection and is loaded from ix_param on first use. A pair the map lacks
 * is added to ix_param inside the caller's transaction. Since a rollback (of the transaction or of
 * a unit's savepoint) can take such a row away again, and SQLite would then hand its pid to the
 * next new pair, the writer calls store_sq_ix_params_rolled_back after every rollback: if pairs
 * were added since the last commit the map is dropped and reloaded from what the database now
 * holds. Searches do not use the map (see 0004-lean-index.sql). */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/log.h"

struct ix_pair {
    char *key; /* "type\0code\0" */
    size_t key_len;
    int64_t pid;
};

struct store_sq_ix_params {
    struct ix_pair *slots; /* open addressing, power-of-two size, key NULL = empty */
    size_t cap, n;
    bool loaded;
    bool added; /* pairs added since the last commit */
};

static const char sql_all[] = "SELECT pid, type, code FROM ix_param";
static const char sql_add[] = "INSERT INTO ix_param (type, code) VALUES (?1, ?2)";

/* FNV-1a over the key bytes. */
static uint64_t hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 1099511628211ULL;
    return h;
}

/* "type\0code\0" into buf; its length (without the last NUL), or 0 when it does not fit. */
static size_t make_key(char *buf, size_t cap, const char *type, const char *code)
{
    size_t lt = strlen(type), lc = strlen(code);
    if (lt + lc + 2 > cap) return 0;
    memcpy(buf, type, lt + 1);
    memcpy(buf + lt + 1, code, lc + 1);
    return lt + 1 + lc;
}

static struct ix_pair *find_slot(struct ix_pair *slots, size_t cap, const char *key, size_t len)
{
    size_t i = (size_t)hash(key, len) & (cap - 1);
    while (slots[i].key && (slots[i].key_len != len || memcmp(slots[i].key, key, len) != 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static void clear(struct store_sq_ix_params *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
    m->loaded = false;
    m->added = false;
}

/* Keeps the table at most half full. False on out of memory. */
static bool grow(struct store_sq_ix_params *m)
{
    if (2 * (m->n + 1) <= m->cap) return true;
    size_t cap = m->cap ? 2 * m->cap : 1024;
    struct ix_pair *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *find_slot(slots, cap, m->slots[i].key, m->slots[i].key_len) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return true;
}

static bool put(struct store_sq_ix_params *m, const char *key, size_t len, int64_t pid)
{
    if (!grow(m)) return false;
    struct ix_pair *slot = find_slot(m->slots, m->cap, key, len);
    if (!slot->key) {
        slot->key = malloc(len + 1);
        if (!slot->key) return false;
        memcpy(slot->key, key, len + 1);
        slot->key_len = len;
        m->n++;
    }
    slot->pid = pid;
    return true;
}

static int load(struct store_sq_conn *c, struct store_sq_ix_params *m)
{
    sqlite3_stmt *st = store_sq_stmt(c, SQ_IX_PARAM_ALL, sql_all);
    if (!st) return SQLITE_ERROR;
    int rc;
    char key[512];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 1);
        const char *code = (const char *)sqlite3_column_text(st, 2);
        size_t len = type && code ? make_key(key, sizeof key, type, code) : 0;
        if (len && !put(m, key, len, sqlite3_column_int64(st, 0))) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        clear(m);
        return rc;
    }
    m->loaded = true;
    return SQLITE_OK;
}

int store_sq_ix_pid(struct store_sq_conn *c, const char *type, const char *code, bool add,
                    int64_t *pid)
{
    *pid = 0;
    if (!c->ix_params) {
        c->ix_params = calloc(1, sizeof *c->ix_params);
        if (!c->ix_params) return SQLITE_NOMEM;
    }
    struct store_sq_ix_params *m = c->ix_params;
    int rc;
    if (!m->loaded && (rc = load(c, m)) != SQLITE_OK) return rc;
    char key[512];
    size_t len = make_key(key, sizeof key, type, code);
    if (!len) {
        log_bug("store: search parameter %s.%s too long", type, code);
        return SQLITE_TOOBIG;
    }
    if (m->cap) {
        const struct ix_pair *slot = find_slot(m->slots, m->cap, key, len);
        if (slot->key) {
            *pid = slot->pid;
            return SQLITE_OK;
        }
    }
    if (!add) return SQLITE_OK;
    sqlite3_stmt *st = store_sq_stmt(c, SQ_IX_PARAM_ADD, sql_add);
    if (!st) return SQLITE_ERROR;
    store_sq_bind_text(st, 1, type);
    store_sq_bind_text(st, 2, code);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return rc;
    int64_t added = sqlite3_last_insert_rowid(c->db);
    m->added = true;
    if (!put(m, key, len, added)) return SQLITE_NOMEM;
    *pid = added;
    return SQLITE_OK;
}

void store_sq_ix_params_committed(struct store_sq_conn *c)
{
    if (c->ix_params) c->ix_params->added = false;
}

void store_sq_ix_params_rolled_back(struct store_sq_conn *c)
{
    /* Reloaded on next use, inside whatever transaction that is; the reload may hold pairs of the
     * open transaction, so a later rollback reloads again until a commit. */
    if (!c->ix_params || !c->ix_params->added) return;
    clear(c->ix_params);
    c->ix_params->added = true;
}

void store_sq_ix_params_free(struct store_sq_conn *c)
{
    if (!c->ix_params) return;
    clear(c->ix_params);
    free(c->ix_params);
    c->ix_params = NULL;
}
