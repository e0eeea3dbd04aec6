/* Writing a version's search index rows (schemas 0002, 0004): one insert statement per kind's table
 * and one delete per table, all prepared once on the writer connection. Absent texts of key columns
 * are written as '' (a WITHOUT ROWID key cannot hold NULL; '' is also how "no system" is
 * searched). INSERT OR IGNORE: a duplicate row of one version adds nothing to search, and a NaN
 * number (which SQLite stores as NULL) is dropped rather than failing the put. A row names its
 * (type, param) by the pid of ix_param (ix_param.c). */
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/log.h"

static const char *const tables[STORE_IX_KINDS] = {
    [STORE_IX_STRING] = "ix_string", [STORE_IX_TOKEN] = "ix_token",
    [STORE_IX_REF] = "ix_ref",       [STORE_IX_DATE] = "ix_date",
    [STORE_IX_NUMBER] = "ix_number", [STORE_IX_QUANTITY] = "ix_quantity",
    [STORE_IX_URI] = "ix_uri",       [STORE_IX_COMPOSITE] = "ix_composite",
};

/* ?1 seq, ?2 pid, then the kind's value columns from ?3. */
static const char *const sql_insert[STORE_IX_KINDS] = {
    [STORE_IX_STRING] = "INSERT OR IGNORE INTO ix_string (seq, pid, text, exact)"
                        " VALUES (?1, ?2, ?3, ?4)",
    [STORE_IX_TOKEN] = "INSERT OR IGNORE INTO ix_token (seq, pid, system, code)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [STORE_IX_REF] = "INSERT OR IGNORE INTO ix_ref (seq, pid, ref_type, ref_id, text)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)",
    [STORE_IX_DATE] = "INSERT OR IGNORE INTO ix_date (seq, pid, lo, hi) VALUES (?1, ?2, ?3, ?4)",
    [STORE_IX_NUMBER] = "INSERT OR IGNORE INTO ix_number (seq, pid, num) VALUES (?1, ?2, ?3)",
    [STORE_IX_QUANTITY] = "INSERT OR IGNORE INTO ix_quantity (seq, pid, num, system, code, canon,"
                          " canon_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STORE_IX_URI] = "INSERT OR IGNORE INTO ix_uri (seq, pid, text) VALUES (?1, ?2, ?3)",
    [STORE_IX_COMPOSITE] = "INSERT INTO ix_composite (seq, pid, system, code, v_kind, v_system,"
                           " v_code, v_text, v_num, v_canon, v_canon_code, v_lo, v_hi)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
};

static const char *const sql_delete[STORE_IX_KINDS] = {
    [STORE_IX_STRING] = "DELETE FROM ix_string WHERE seq = ?1",
    [STORE_IX_TOKEN] = "DELETE FROM ix_token WHERE seq = ?1",
    [STORE_IX_REF] = "DELETE FROM ix_ref WHERE seq = ?1",
    [STORE_IX_DATE] = "DELETE FROM ix_date WHERE seq = ?1",
    [STORE_IX_NUMBER] = "DELETE FROM ix_number WHERE seq = ?1",
    [STORE_IX_QUANTITY] = "DELETE FROM ix_quantity WHERE seq = ?1",
    [STORE_IX_URI] = "DELETE FROM ix_uri WHERE seq = ?1",
    [STORE_IX_COMPOSITE] = "DELETE FROM ix_composite WHERE seq = ?1",
};

const char *store_sq_ix_table(enum store_ix_kind kind)
{
    return (unsigned)kind < STORE_IX_KINDS ? tables[kind] : NULL;
}

bool store_sq_ix_valid(const struct store_put *p)
{
    for (size_t i = 0; i < p->nix; i++) {
        const struct store_ix *x = &p->ix[i];
        if (!x->param || (unsigned)x->kind >= STORE_IX_KINDS ||
            (x->kind == STORE_IX_COMPOSITE && (unsigned)x->v_kind >= STORE_IX_KINDS)) {
            log_bug("store: tx_put %s/%s: index row %zu without param or of unknown kind", p->type,
                    p->id, i);
            return false;
        }
    }
    return true;
}

/* A key text: '' for absent. */
static void bind_key(sqlite3_stmt *st, int col, const char *text)
{
    store_sq_bind_text(st, col, text ? text : "");
}

static void bind_value(sqlite3_stmt *st, const struct store_ix *x)
{
    switch (x->kind) {
    case STORE_IX_STRING:
        bind_key(st, 3, x->text);
        bind_key(st, 4, x->exact);
        break;
    case STORE_IX_TOKEN:
        bind_key(st, 3, x->system);
        bind_key(st, 4, x->code);
        break;
    case STORE_IX_REF:
        bind_key(st, 3, x->ref_id ? x->ref_type : NULL);
        bind_key(st, 4, x->ref_id);
        bind_key(st, 5, x->ref_id ? NULL : x->text);
        break;
    case STORE_IX_DATE:
        sqlite3_bind_int64(st, 3, x->lo);
        sqlite3_bind_int64(st, 4, x->hi);
        break;
    case STORE_IX_NUMBER:
        sqlite3_bind_double(st, 3, x->num);
        break;
    case STORE_IX_QUANTITY:
        sqlite3_bind_double(st, 3, x->num);
        bind_key(st, 4, x->system);
        bind_key(st, 5, x->code);
        if (x->canon_code && *x->canon_code)
            sqlite3_bind_double(st, 6, x->canon);
        else
            sqlite3_bind_null(st, 6);
        bind_key(st, 7, x->canon_code);
        break;
    case STORE_IX_URI:
        bind_key(st, 3, x->text);
        break;
    case STORE_IX_COMPOSITE:
        bind_key(st, 3, x->system);
        bind_key(st, 4, x->code);
        sqlite3_bind_int(st, 5, (int)x->v_kind);
        bind_key(st, 6, x->v_system);
        bind_key(st, 7, x->v_code);
        store_sq_bind_text(st, 8, x->v_text);
        sqlite3_bind_double(st, 9, x->v_num);
        if (x->v_canon_code && *x->v_canon_code)
            sqlite3_bind_double(st, 10, x->v_canon);
        else
            sqlite3_bind_null(st, 10);
        bind_key(st, 11, x->v_canon_code);
        sqlite3_bind_int64(st, 12, x->v_lo);
        sqlite3_bind_int64(st, 13, x->v_hi);
        break;
    }
}

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_sq_ix_delete(struct store_sq_conn *c, int64_t seq)
{
    for (int k = 0; k < STORE_IX_KINDS; k++) {
        sqlite3_stmt *st = store_sq_stmt(c, (enum store_sq_stmt)(SQ_IX_DELETE + k), sql_delete[k]);
        if (!st) return SQLITE_ERROR;
        sqlite3_bind_int64(st, 1, seq);
        int rc = step_reset(st);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

static int insert_one(struct store_sq_conn *c, const struct store_put *p, int64_t seq,
                      const struct store_ix *x)
{
    sqlite3_stmt *st =
        store_sq_stmt(c, (enum store_sq_stmt)(SQ_IX_INSERT + x->kind), sql_insert[x->kind]);
    if (!st) return SQLITE_ERROR;
    int64_t pid;
    int rc = store_sq_ix_pid(c, p->type, x->param, true, &pid);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, pid);
    bind_value(st, x);
    return step_reset(st);
}

int store_sq_ix_insert(struct store_sq_conn *c, const struct store_put *p, int64_t seq)
{
    int rc;
    if (p->deleted) return SQLITE_OK; /* a delete marker has no rows, whatever it was handed */
    for (size_t i = 0; i < p->nix; i++)
        if ((rc = insert_one(c, p, seq, &p->ix[i])) != SQLITE_OK) return rc;
    return SQLITE_OK;
}
