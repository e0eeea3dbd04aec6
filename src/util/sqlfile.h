/* A small SQLite file of its own (accounts, oauth.db, pgo.db): opened owner-only with WAL and
 * synchronous=FULL, brought to its schema by numbered migrations, and the statement helpers its
 * owner uses. Every log line names the owner by its `who` string ("accounts", "pgo.db"). */
#ifndef REGIE_UTIL_SQLFILE_H
#define REGIE_UTIL_SQLFILE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* How long a statement waits for another connection's lock before it fails. */
#define SQLFILE_BUSY_TIMEOUT_MS 5000

/* PRAGMAs an owner asks for besides WAL and synchronous=FULL, which every file gets. */
enum sqlfile_flags {
    SQLFILE_FOREIGN_KEYS = 1u << 0,  /* PRAGMA foreign_keys=ON */
    SQLFILE_SECURE_DELETE = 1u << 1, /* PRAGMA secure_delete=ON: deleted secrets are zeroed */
};

enum sqlfile_open_rc {
    SQLFILE_OPEN_OK = 0,
    SQLFILE_OPEN_FAILED = -1,  /* the file could not be created or opened: `why` says why */
    SQLFILE_SETUP_FAILED = -2, /* opened, but a PRAGMA failed (logged under `who`) */
};

/* Opens path read-write, creating it with mode 0600 first (SQLite gives -wal and -shm the same
 * mode), with a serialized connection, the busy timeout, WAL, synchronous=FULL (a commit is on
 * disk when it returns) and the PRAGMAs in flags. On failure *db is NULL; for SQLFILE_OPEN_FAILED
 * `why` holds the cause (strerror or SQLite's message) without the path. An existing file's mode
 * is left as it is. */
enum sqlfile_open_rc sqlfile_open(const char *path, unsigned flags, const char *who, sqlite3 **db,
                                  char *why, size_t why_len);

/* Brings the schema to version `count` in one BEGIN IMMEDIATE transaction: migrations[N] takes
 * it from version N to N+1. The version is the one row of the table schema_version (made, at 0,
 * when missing). A database whose version is newer than count is refused; a failing migration
 * rolls everything back. 0 or -1 (logged under who). */
int sqlfile_migrate(sqlite3 *db, const char *const *migrations, int count, const char *who);

/* Runs SQL text (one or more statements) without results; 0 or -1 (logged under who). */
int sqlfile_exec(sqlite3 *db, const char *sql, const char *who);

/* A prepared statement, or NULL (logged under who). */
sqlite3_stmt *sqlfile_prepare(sqlite3 *db, const char *sql, const char *who);

/* Steps a statement that returns no row and finalizes it; st may be NULL (a failed prepare).
 * 0 when it ran to SQLITE_DONE, otherwise -1 (logged under who). */
int sqlfile_exec_done(sqlite3 *db, sqlite3_stmt *st, const char *who);

/* Copies column col's text into out (cap > 0 bytes), cut to cap - 1 bytes; NULL gives "". */
void sqlfile_column_text(sqlite3_stmt *st, int col, char *out, size_t cap);

/* The first column of the first row of sql into *out; 0, or -1 when there is no row or the
 * statement fails (not logged: a missing row is an answer). */
int sqlfile_query_int(sqlite3 *db, const char *sql, int64_t *out);

#endif
