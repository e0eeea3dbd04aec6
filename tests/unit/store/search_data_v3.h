/* test_search_data.h's resources written the way schema 3 held them (the 0002 index layout: type,
 * param and compartment as text on every row), straight into a database at user_version 3. The
 * store then opens it, migrating with 0004 onwards, so the same tests check that a database written
 * before the lean index answers every search as a fresh one does. */
#ifndef REGIE_TESTS_STORE_SEARCH_DATA_V3_H
#define REGIE_TESTS_STORE_SEARCH_DATA_V3_H

#include <sqlite3.h>
#include <stdio.h>

#include "sqlite_fixture.h"

static char *v3_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static int v3_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%.80s: %s\n", sql, msg);
    sqlite3_free(msg);
    return rc;
}

static void v3_key(sqlite3_stmt *st, int col, const char *text)
{
    sqlite3_bind_text(st, col, text ? text : "", -1, SQLITE_STATIC);
}

/* One index row as 0002's ix_write wrote it: ?1 type, ?2 param, ?3 seq, ?4 compartment, values. */
static int v3_ix(sqlite3 *db, const char *type, int64_t seq, const char *compartment,
                 const struct store_ix *x)
{
    static const char *const sql[STORE_IX_KINDS] = {
        [STORE_IX_STRING] = "INSERT OR IGNORE INTO ix_string (type, param, seq, compartment, text,"
                            " exact) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [STORE_IX_TOKEN] = "INSERT OR IGNORE INTO ix_token (type, param, seq, compartment, system,"
                           " code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [STORE_IX_REF] = "INSERT OR IGNORE INTO ix_ref (type, param, seq, compartment, ref_type,"
                         " ref_id, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [STORE_IX_DATE] = "INSERT OR IGNORE INTO ix_date (type, param, seq, compartment, lo, hi)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        [STORE_IX_NUMBER] = "INSERT OR IGNORE INTO ix_number (type, param, seq, compartment, num)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
        [STORE_IX_QUANTITY] = "INSERT OR IGNORE INTO ix_quantity (type, param, seq, compartment,"
                              " num, system, code, canon, canon_code) VALUES (?1, ?2, ?3, ?4, ?5,"
                              " ?6, ?7, ?8, ?9)",
        [STORE_IX_URI] = "INSERT OR IGNORE INTO ix_uri (type, param, seq, compartment, text)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
        [STORE_IX_COMPOSITE] = "INSERT INTO ix_composite (type, param, seq, compartment, system,"
                               " code, v_kind, v_system, v_code, v_text, v_num, v_canon,"
                               " v_canon_code, v_lo, v_hi) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                               " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    };
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql[x->kind], -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->param, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, seq);
    if (compartment) sqlite3_bind_text(st, 4, compartment, -1, SQLITE_STATIC);
    switch (x->kind) {
    case STORE_IX_STRING:
        v3_key(st, 5, x->text);
        v3_key(st, 6, x->exact);
        break;
    case STORE_IX_TOKEN:
        v3_key(st, 5, x->system);
        v3_key(st, 6, x->code);
        break;
    case STORE_IX_REF:
        v3_key(st, 5, x->ref_id ? x->ref_type : NULL);
        v3_key(st, 6, x->ref_id);
        v3_key(st, 7, x->ref_id ? NULL : x->text);
        break;
    case STORE_IX_DATE:
        sqlite3_bind_int64(st, 5, x->lo);
        sqlite3_bind_int64(st, 6, x->hi);
        break;
    case STORE_IX_NUMBER:
        sqlite3_bind_double(st, 5, x->num);
        break;
    case STORE_IX_QUANTITY:
        sqlite3_bind_double(st, 5, x->num);
        v3_key(st, 6, x->system);
        v3_key(st, 7, x->code);
        if (x->canon_code && *x->canon_code) sqlite3_bind_double(st, 8, x->canon);
        v3_key(st, 9, x->canon_code);
        break;
    case STORE_IX_URI:
        v3_key(st, 5, x->text);
        break;
    case STORE_IX_COMPOSITE:
        v3_key(st, 5, x->system);
        v3_key(st, 6, x->code);
        sqlite3_bind_int(st, 7, (int)x->v_kind);
        v3_key(st, 8, x->v_system);
        v3_key(st, 9, x->v_code);
        if (x->v_text) sqlite3_bind_text(st, 10, x->v_text, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 11, x->v_num);
        if (x->v_canon_code && *x->v_canon_code) sqlite3_bind_double(st, 12, x->v_canon);
        v3_key(st, 13, x->v_canon_code);
        sqlite3_bind_int64(st, 14, x->v_lo);
        sqlite3_bind_int64(st, 15, x->v_hi);
        break;
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* put_ix's counterpart: one current version with its index rows. */
static enum store_rc put_v3(sqlite3 *db, const char *type, const char *id, int64_t version,
                            const char *json, const char *compartment, const struct store_ix *ix,
                            size_t nix)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO resource_version (type, id, version, last_updated,"
                           " compartment, json) VALUES (?1, ?2, ?3, '2026-11-22T10:00:00.000Z',"
                           " ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return STORE_HARD;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, version);
    if (compartment) sqlite3_bind_text(st, 4, compartment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return STORE_HARD;
    int64_t seq = sqlite3_last_insert_rowid(db);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO resource_current (type, id, seq, version, deleted,"
                           " compartment) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                           -1, &st, NULL) != SQLITE_OK)
        return STORE_HARD;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, version);
    if (compartment) sqlite3_bind_text(st, 5, compartment, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return STORE_HARD;
    for (size_t i = 0; i < nix; i++)
        if (v3_ix(db, type, seq, compartment, &ix[i])) return STORE_HARD;
    return STORE_OK;
}

/* A database at user_version 3 (schema files 0001-0003, run from the source directory as the
 * tests are) filled by load, then opened by the store. */
static int v3_setup(void **state, int (*load)(sqlite3 *db))
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    *state = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-store-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/db.sqlite", f->dir);
    sqlite3 *db;
    if (sqlite3_open(f->path, &db) != SQLITE_OK) return -1;
    static const char *const steps[] = {"src/store/schema/0001-resources.sql",
                                        "src/store/schema/0002-search.sql",
                                        "src/store/schema/0003-compartment-covering.sql"};
    int rc = 0;
    for (size_t i = 0; i < 3 && !rc; i++) {
        const char *sql = v3_read_file(steps[i]);
        rc = !sql || v3_exec(db, sql);
    }
    rc = rc || v3_exec(db, "PRAGMA user_version = 3; BEGIN") || load(db) || v3_exec(db, "COMMIT");
    sqlite3_close(db);
    if (rc) return -1;
    f->s = fixture_open(f, false);
    return f->s ? 0 : -1;
}

#endif
