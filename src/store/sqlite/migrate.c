/* Schema migrations: applies the embedded src/store/schema/NNNN-*.sql steps the database has not
 * seen yet, each in its own transaction together with the new PRAGMA user_version, so a crash
 * mid-migration leaves the database at the previous step. */
#include <stdio.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/schema.h"
#include "util/log.h"

static int user_version(sqlite3 *db, int *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    return -1;
}

int store_sq_migrate(sqlite3 *db, char *err, size_t err_len)
{
    int have;
    if (user_version(db, &have)) {
        snprintf(err, err_len, "read user_version: %s", sqlite3_errmsg(db));
        return -1;
    }
    if (have < 0 || (unsigned)have > store_sq_schema_nsteps) {
        snprintf(err, err_len, "database schema version %d is newer than this program (%u)", have,
                 store_sq_schema_nsteps);
        return -1;
    }
    for (unsigned i = (unsigned)have; i < store_sq_schema_nsteps; i++) {
        const struct store_sq_schema_step *step = &store_sq_schema_steps[i];
        char *msg = NULL;
        char tail[64];
        snprintf(tail, sizeof tail, "PRAGMA user_version = %u;", step->version);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, step->sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, tail, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, err_len, "schema %s: %s", step->name, msg ? msg : sqlite3_errmsg(db));
            sqlite3_free(msg);
            if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
        log_info("store: applied schema %s", step->name);
    }
    return 0;
}
