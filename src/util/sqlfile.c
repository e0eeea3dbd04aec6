/* The small SQLite file helpers (sqlfile.h) shared by accounts, oauth.db and pgo.db. */
#include "util/sqlfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

int sqlfile_exec(sqlite3 *db, const char *sql, const char *who)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        log_bug("%s: %s", who, err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

sqlite3_stmt *sqlfile_prepare(sqlite3 *db, const char *sql, const char *who)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_bug("%s: prepare failed: %s", who, sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

int sqlfile_exec_done(sqlite3 *db, sqlite3_stmt *st, const char *who)
{
    if (!st) return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        log_bug("%s: statement failed: %s", who, sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

void sqlfile_column_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? strnlen((const char *)t, cap - 1) : 0;
    if (n) memcpy(out, t, n);
    out[n] = '\0';
}

int sqlfile_query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

enum sqlfile_open_rc sqlfile_open(const char *path, unsigned flags, const char *who, sqlite3 **db,
                                  char *why, size_t why_len)
{
    *db = NULL;
    /* Created before SQLite sees it, so the file never exists with a wider mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return SQLFILE_OPEN_FAILED;
    }
    close(fd);
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(why, why_len, "%s", h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        return SQLFILE_OPEN_FAILED;
    }
    sqlite3_busy_timeout(h, SQLFILE_BUSY_TIMEOUT_MS);
    char pragmas[160];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;%s%s",
             (flags & SQLFILE_FOREIGN_KEYS) ? " PRAGMA foreign_keys=ON;" : "",
             (flags & SQLFILE_SECURE_DELETE) ? " PRAGMA secure_delete=ON;" : "");
    if (sqlfile_exec(h, pragmas, who) != 0) {
        sqlite3_close(h);
        return SQLFILE_SETUP_FAILED;
    }
    *db = h;
    return SQLFILE_OPEN_OK;
}

int sqlfile_migrate(sqlite3 *db, const char *const *migrations, int count, const char *who)
{
    if (sqlfile_exec(db, "BEGIN IMMEDIATE", who) != 0) return -1;
    int64_t version = 0;
    if (sqlfile_exec(db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)",
                     who) != 0)
        goto fail;
    if (sqlfile_query_int(db, "SELECT version FROM schema_version", &version) != 0) {
        if (sqlfile_exec(db, "INSERT INTO schema_version VALUES (0)", who) != 0) goto fail;
        version = 0;
    }
    if (version > count) {
        log_bug("%s: database schema version %lld is newer than this regie (%d)", who,
                (long long)version, count);
        goto fail;
    }
    for (int v = (int)version; v < count; v++)
        if (sqlfile_exec(db, migrations[v], who) != 0) goto fail;
    char update[64];
    snprintf(update, sizeof update, "UPDATE schema_version SET version = %d", count);
    if (sqlfile_exec(db, update, who) != 0) goto fail;
    return sqlfile_exec(db, "COMMIT", who);
fail:
    sqlfile_exec(db, "ROLLBACK", who);
    return -1;
}
