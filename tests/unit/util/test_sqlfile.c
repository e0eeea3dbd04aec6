/* util/sqlfile: the owner-only file, numbered migrations under schema_version (from empty, again,
 * a newer database refused, a failing migration rolled back) and the bounded text copy. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/sqlfile.h"

#define WHO   "sqlfile test"
#define FLAGS (SQLFILE_FOREIGN_KEYS | SQLFILE_SECURE_DELETE)

static const char *const migrations[] = {
    "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    "ALTER TABLE item ADD COLUMN note TEXT;"
    "INSERT INTO item(name, note) VALUES ('first', 'from migration 2');",
};

struct fixture {
    char dir[64];
    char path[96];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    memcpy(f->dir, "/tmp/regie-sqlfile-XXXXXX", sizeof "/tmp/regie-sqlfile-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *suffixes[] = {"", "-wal", "-shm"};
    char p[128];
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static sqlite3 *open_ok(const char *path)
{
    sqlite3 *db = NULL;
    char why[128];
    assert_int_equal(sqlfile_open(path, FLAGS, WHO, &db, why, sizeof why), SQLFILE_OPEN_OK);
    assert_non_null(db);
    return db;
}

static int64_t query(sqlite3 *db, const char *sql)
{
    int64_t v = -12345;
    assert_int_equal(sqlfile_query_int(db, sql, &v), 0);
    return v;
}

static void migrate_from_empty_then_again_is_a_no_op(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 2);
    assert_int_equal(query(db, "SELECT count(*) FROM schema_version"), 1);
    assert_int_equal(query(db, "SELECT count(*) FROM item WHERE note = 'from migration 2'"), 1);
    /* WAL, synchronous=FULL (2) and the flags' PRAGMAs are on. */
    sqlite3_stmt *st = sqlfile_prepare(db, "PRAGMA journal_mode", WHO);
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char mode[16];
    sqlfile_column_text(st, 0, mode, sizeof mode);
    assert_string_equal(mode, "wal");
    sqlite3_finalize(st);
    assert_int_equal(query(db, "PRAGMA synchronous"), 2);
    assert_int_equal(query(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query(db, "PRAGMA secure_delete"), 1);
    sqlite3_close(db);

    /* Reopened: nothing runs again (migration 2's row would be inserted twice). */
    db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 2);
    assert_int_equal(query(db, "SELECT count(*) FROM item"), 1);
    sqlite3_close(db);
}

static void later_migrations_apply_to_an_older_database(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 1, WHO), 0);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 1);
    assert_int_equal(query(db, "SELECT count(*) FROM item"), 0);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 2);
    assert_int_equal(query(db, "SELECT count(*) FROM item"), 1);
    sqlite3_close(db);
}

static void a_newer_database_is_refused(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    sqlite3_close(db);
    /* An older program knows only the first migration. */
    db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 1, WHO), -1);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 2);
    assert_int_equal(query(db, "SELECT count(*) FROM item"), 1);
    /* The refusal left no transaction open. */
    assert_int_equal(sqlite3_get_autocommit(db), 1);
    sqlite3_close(db);
}

static void a_failing_migration_rolls_back(void **state)
{
    struct fixture *f = *state;
    static const char *const broken[] = {
        "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
        "INSERT INTO item(name) VALUES ('half'); CREATE TABLE item(x);", /* fails midway */
    };
    sqlite3 *db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, broken, 2, WHO), -1);
    assert_int_equal(sqlite3_get_autocommit(db), 1);
    /* Nothing of either migration stayed, not even schema_version. */
    assert_int_equal(
        query(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('item', 'schema_version')"),
        0);
    /* The good migrations still apply afterwards. */
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    assert_int_equal(query(db, "SELECT version FROM schema_version"), 2);
    sqlite3_close(db);
}

static void the_file_is_owner_only(void **state)
{
    struct fixture *f = *state;
    mode_t old = umask(0);
    sqlite3 *db = open_ok(f->path);
    umask(old);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    sqlite3_close(db);
}

static void open_failures_say_why(void **state)
{
    struct fixture *f = *state;
    char path[160], why[128] = "";
    snprintf(path, sizeof path, "%s/missing-dir/t.db", f->dir);
    sqlite3 *db = (sqlite3 *)1;
    assert_int_equal(sqlfile_open(path, FLAGS, WHO, &db, why, sizeof why), SQLFILE_OPEN_FAILED);
    assert_null(db);
    assert_string_equal(why, strerror(ENOENT));
    /* A file that is not a database opens, but its first PRAGMA fails. */
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 64; i++) fputs("this is not an SQLite database file. ", fp);
    fclose(fp);
    db = (sqlite3 *)1;
    assert_int_equal(sqlfile_open(f->path, FLAGS, WHO, &db, why, sizeof why), SQLFILE_SETUP_FAILED);
    assert_null(db);
}

static void statements_and_text_copies(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = open_ok(f->path);
    assert_int_equal(sqlfile_migrate(db, migrations, 2, WHO), 0);
    assert_int_equal(sqlfile_exec(db, "INSERT INTO item(name) VALUES ('abcdefghij')", WHO), 0);
    assert_int_equal(sqlfile_exec(db, "INSERT INTO nowhere VALUES (1)", WHO), -1);
    assert_null(sqlfile_prepare(db, "SELEC nonsense", WHO));
    /* A failed prepare is passed on as NULL. */
    assert_int_equal(sqlfile_exec_done(db, NULL, WHO), -1);
    /* A statement that returns a row is not DONE. */
    assert_int_equal(sqlfile_exec_done(db, sqlfile_prepare(db, "SELECT 1", WHO), WHO), -1);
    /* A constraint failure. */
    assert_int_equal(sqlfile_exec_done(
                         db, sqlfile_prepare(db, "INSERT INTO item(name) VALUES (NULL)", WHO), WHO),
                     -1);
    assert_int_equal(
        sqlfile_exec_done(db, sqlfile_prepare(db, "DELETE FROM item WHERE id = 1", WHO), WHO), 0);

    sqlite3_stmt *st =
        sqlfile_prepare(db, "SELECT name, note FROM item WHERE name = 'abcdefghij'", WHO);
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char small[5], exact[11], one[1];
    memset(small, 'x', sizeof small);
    sqlfile_column_text(st, 0, small, sizeof small);
    assert_string_equal(small, "abcd");
    sqlfile_column_text(st, 0, exact, sizeof exact);
    assert_string_equal(exact, "abcdefghij");
    sqlfile_column_text(st, 0, one, sizeof one);
    assert_string_equal(one, "");
    memset(small, 'x', sizeof small);
    sqlfile_column_text(st, 1, small, sizeof small); /* NULL */
    assert_string_equal(small, "");
    sqlite3_finalize(st);

    int64_t v = 7;
    assert_int_equal(sqlfile_query_int(db, "SELECT id FROM item WHERE name = 'none'", &v), -1);
    assert_int_equal(v, 7);
    assert_int_equal(sqlfile_query_int(db, "SELECT nonsense FROM nowhere", &v), -1);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrate_from_empty_then_again_is_a_no_op, setup, teardown),
        cmocka_unit_test_setup_teardown(later_migrations_apply_to_an_older_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_newer_database_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failing_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(the_file_is_owner_only, setup, teardown),
        cmocka_unit_test_setup_teardown(open_failures_say_why, setup, teardown),
        cmocka_unit_test_setup_teardown(statements_and_text_copies, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
