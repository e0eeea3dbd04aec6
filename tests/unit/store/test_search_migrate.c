/* Schema 0002 on a database written by 0001: the token_index rows move to ix_token (conditional
 * operations keep finding them), token_index is gone, meta exists, and the old rows are replaced
 * by the next version's like any other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sqlite_fixture.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char text[64 * 1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, msg);
    sqlite3_free(msg);
    return rc;
}

static int setup_v1(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-store-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/db.sqlite", f->dir);
    *state = f;
    const char *v1 = read_file("src/store/schema/0001-resources.sql");
    if (!v1) return -1;
    sqlite3 *db;
    if (sqlite3_open(f->path, &db) != SQLITE_OK) return -1;
    int rc = exec(db, v1) || exec(db, "PRAGMA user_version = 1") ||
             exec(db, "INSERT INTO resource_version (seq, type, id, version, last_updated,"
                      " compartment, json) VALUES (1, 'Patient', 'p1', 1,"
                      " '2026-11-22T10:00:00.000Z', 'p1', '{}');"
                      "INSERT INTO resource_current VALUES ('Patient', 'p1', 1, 1, 0, 'p1');"
                      "INSERT INTO token_index VALUES ('Patient', 'identifier', 'urn:a', '7',"
                      " 'p1', 1, 'p1');");
    sqlite3_close(db);
    if (rc) return -1;
    f->s = fixture_open(f, false);
    return f->s ? 0 : -1;
}

struct find {
    struct store *s;
    struct store_cond cond;
    char ids[2][STORE_ID_MAX];
    size_t found;
};

static int find_fn(struct store_txn *tx, void *ctx)
{
    struct find *q = ctx;
    q->s->ops->tx_find(tx, "Patient", &q->cond, 1, q->ids, 2, &q->found);
    return 0;
}

static size_t found(struct store *s, const char *code)
{
    struct find q = {.s = s, .cond = {.param = "identifier", .system = "urn:a", .code = code}};
    assert_int_equal(s->ops->write(s, find_fn, &q), STORE_OK);
    return q.found;
}

static void token_rows_move_to_ix_token(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(found(f->s, "7"), 1);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM sqlite_schema WHERE name ="
                                        " 'token_index'), (SELECT count(*) FROM sqlite_schema"
                                        " WHERE name = 'meta'), (SELECT count(*) FROM ix_token)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* the next version replaces the migrated rows */
    struct fix_token t = {.param = "identifier", .system = "urn:a", .code = "8"};
    assert_int_equal(put_one(f->s, "Patient", "p1", 2, "{}", &t, 1), STORE_OK);
    assert_int_equal(found(f->s, "7"), 0);
    assert_int_equal(found(f->s, "8"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(token_rows_move_to_ix_token, setup_v1, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
