#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "sqlite_fixture.h"

static void put_then_read(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Patient", "p1", &row), STORE_NONE);

    assert_int_equal(put_one(s, "Patient", "p1", 1, "{\"resourceType\":\"Patient\"}", NULL, 0),
                     STORE_OK);
    assert_int_equal(s->ops->read(s, "Patient", "p1", &row), STORE_OK);
    assert_string_equal(row.type, "Patient");
    assert_string_equal(row.id, "p1");
    assert_int_equal(row.version, 1);
    assert_true(row.seq > 0);
    assert_false(row.deleted);
    assert_string_equal(row.json, "{\"resourceType\":\"Patient\"}");
    assert_int_equal(row.json_len, strlen(row.json));
    assert_string_equal(row.last_updated, "2026-11-22T10:00:00.000Z");
    int64_t seq1 = row.seq;
    store_row_clear(&row);
    assert_null(row.json);

    /* Same id under another type is another resource. */
    assert_int_equal(s->ops->read(s, "Observation", "p1", &row), STORE_NONE);

    assert_int_equal(put_one(s, "Patient", "p1", 2, "{\"v\":2}", NULL, 0), STORE_OK);
    assert_int_equal(s->ops->read(s, "Patient", "p1", &row), STORE_OK);
    assert_int_equal(row.version, 2);
    assert_true(row.seq > seq1);
    assert_string_equal(row.json, "{\"v\":2}");
    store_row_clear(&row);

    assert_int_equal(s->ops->vread(s, "Patient", "p1", 1, &row), STORE_OK);
    assert_string_equal(row.json, "{\"resourceType\":\"Patient\"}");
    assert_int_equal(row.seq, seq1);
    store_row_clear(&row);
    assert_int_equal(s->ops->vread(s, "Patient", "p1", 3, &row), STORE_NONE);
    assert_int_equal(s->ops->vread(s, "Patient", "nope", 1, &row), STORE_NONE);
}

static void delete_marker(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct store_row row = {0};
    assert_int_equal(put_one(s, "Observation", "o1", 1, "{\"a\":1}", NULL, 0), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "o1", 2, NULL, NULL, 0), STORE_OK);
    assert_int_equal(s->ops->read(s, "Observation", "o1", &row), STORE_OK);
    assert_true(row.deleted);
    assert_null(row.json);
    assert_int_equal(row.version, 2);
    store_row_clear(&row);
    assert_int_equal(s->ops->vread(s, "Observation", "o1", 2, &row), STORE_OK);
    assert_true(row.deleted);
    store_row_clear(&row);
    /* The old version stays readable; a later version revives the resource. */
    assert_int_equal(s->ops->vread(s, "Observation", "o1", 1, &row), STORE_OK);
    assert_string_equal(row.json, "{\"a\":1}");
    store_row_clear(&row);
    assert_int_equal(put_one(s, "Observation", "o1", 3, "{\"a\":3}", NULL, 0), STORE_OK);
    assert_int_equal(s->ops->read(s, "Observation", "o1", &row), STORE_OK);
    assert_false(row.deleted);
    assert_string_equal(row.json, "{\"a\":3}");
    store_row_clear(&row);
}

static void version_rule_violations_are_hard(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct store_row row = {0};
    /* New resources start at 1. */
    assert_int_equal(put_one(s, "Patient", "v", 2, "{}", NULL, 0), STORE_HARD);
    assert_int_equal(put_one(s, "Patient", "v", 0, "{}", NULL, 0), STORE_HARD);
    assert_int_equal(s->ops->read(s, "Patient", "v", &row), STORE_NONE);
    assert_int_equal(put_one(s, "Patient", "v", 1, "{}", NULL, 0), STORE_OK);
    /* Then exactly current + 1: no repeats, no gaps. */
    assert_int_equal(put_one(s, "Patient", "v", 1, "{\"x\":1}", NULL, 0), STORE_HARD);
    assert_int_equal(put_one(s, "Patient", "v", 3, "{\"x\":3}", NULL, 0), STORE_HARD);
    assert_int_equal(s->ops->read(s, "Patient", "v", &row), STORE_OK);
    assert_int_equal(row.version, 1);
    assert_string_equal(row.json, "{}");
    store_row_clear(&row);
}

static void contract_violations_are_hard(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    char longid[100];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(put_one(s, "Patient", longid, 1, "{}", NULL, 0), STORE_HARD);
    assert_int_equal(put_one(s, "Patient", "", 1, "{}", NULL, 0), STORE_HARD);
    struct put_unit u = {.s = s};
    u.put = (struct store_put){.type = "Patient",
                               .id = "x",
                               .version = 1,
                               .last_updated = "2026-11-22T10:00:00.000Z",
                               .deleted = true,
                               .json = "{}",
                               .json_len = 2};
    assert_int_equal(s->ops->write(s, put_unit_fn, &u), STORE_HARD);
    assert_int_equal(u.put_rc, STORE_HARD);
}

/* A unit that puts twice and then asks to undo: neither put may survive. */
struct two_puts {
    struct store *s;
    int fn_rc;
    enum store_rc cur_rc;
    int64_t cur_version;
};

static int two_puts_fn(struct store_txn *tx, void *ctx)
{
    struct two_puts *t = ctx;
    const struct store_ops *ops = t->s->ops;
    struct store_put p = {.type = "Patient",
                          .id = "sp",
                          .version = 1,
                          .last_updated = "2026-11-22T10:00:00.000Z",
                          .json = "{\"n\":1}",
                          .json_len = 7};
    static const struct store_ix tok = {
        .kind = STORE_IX_TOKEN, .param = "identifier", .system = "urn:s", .code = "1"};
    p.ix = &tok;
    p.nix = 1;
    if (ops->tx_put(tx, &p) != STORE_OK) return 1;
    /* Inside the unit its own put is visible. */
    struct store_row row = {0};
    t->cur_rc = ops->tx_current(tx, "Patient", "sp", true, &row);
    t->cur_version = row.version;
    store_row_clear(&row);
    p.version = 2;
    p.json = "{\"n\":2}";
    if (ops->tx_put(tx, &p) != STORE_OK) return 1;
    return t->fn_rc;
}

static int find_count_fn(struct store_txn *tx, void *ctx)
{
    struct two_puts *t = ctx;
    struct store_cond c = {.param = "identifier", .system = "urn:s", .code = "1"};
    char ids[2][STORE_ID_MAX];
    size_t found = 99;
    t->cur_rc = t->s->ops->tx_find(tx, "Patient", &c, 1, ids, 2, &found);
    t->cur_version = (int64_t)found;
    return 0;
}

static void savepoint_rollback_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct two_puts t = {.s = s, .fn_rc = 1};
    assert_int_equal(s->ops->write(s, two_puts_fn, &t), STORE_NONE);
    assert_int_equal(t.cur_rc, STORE_OK);
    assert_int_equal(t.cur_version, 1);
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Patient", "sp", &row), STORE_NONE);
    assert_int_equal(s->ops->vread(s, "Patient", "sp", 1, &row), STORE_NONE);
    int64_t total = -1;
    struct store_history_q q = {.type = "Patient", .id = "sp", .count = 10};
    assert_int_equal(s->ops->history(s, &q, NULL, NULL, &total), STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(s->ops->write(s, find_count_fn, &t), STORE_OK);
    assert_int_equal(t.cur_rc, STORE_NONE);
    assert_int_equal(t.cur_version, 0);

    /* The same unit kept: both versions and the token are there. */
    t.fn_rc = 0;
    assert_int_equal(s->ops->write(s, two_puts_fn, &t), STORE_OK);
    assert_int_equal(s->ops->read(s, "Patient", "sp", &row), STORE_OK);
    assert_int_equal(row.version, 2);
    store_row_clear(&row);
    assert_int_equal(s->ops->write(s, find_count_fn, &t), STORE_OK);
    assert_int_equal(t.cur_rc, STORE_OK);
    assert_int_equal(t.cur_version, 1);
}

static int tx_current_fn(struct store_txn *tx, void *ctx)
{
    struct two_puts *t = ctx;
    struct store_row row = {0};
    t->cur_rc = t->s->ops->tx_current(tx, "Patient", "tc", false, &row);
    t->cur_version = row.version;
    int bad = row.json != NULL || (t->cur_rc == STORE_OK && strcmp(row.id, "tc") != 0);
    store_row_clear(&row);
    return bad;
}

static void tx_current_without_json(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct two_puts t = {.s = s};
    assert_int_equal(s->ops->write(s, tx_current_fn, &t), STORE_OK);
    assert_int_equal(t.cur_rc, STORE_NONE);
    assert_int_equal(put_one(s, "Patient", "tc", 1, "{}", NULL, 0), STORE_OK);
    assert_int_equal(put_one(s, "Patient", "tc", 2, "{}", NULL, 0), STORE_OK);
    assert_int_equal(s->ops->write(s, tx_current_fn, &t), STORE_OK);
    assert_int_equal(t.cur_rc, STORE_OK);
    assert_int_equal(t.cur_version, 2);
}

static void reopen_preserves_everything(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    static const struct fix_token tok = {.param = "identifier", .system = NULL, .code = "k"};
    assert_int_equal(put_one(s, "Patient", "r", 1, "{\"r\":1}", &tok, 1), STORE_OK);
    assert_int_equal(put_one(s, "Patient", "r", 2, "{\"r\":2}", &tok, 1), STORE_OK);
    assert_int_equal(put_one(s, "Patient", "gone", 1, "{}", NULL, 0), STORE_OK);
    assert_int_equal(put_one(s, "Patient", "gone", 2, NULL, NULL, 0), STORE_OK);
    s->ops->close(s);
    f->s = s = fixture_open(f, true);
    assert_non_null(s);

    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Patient", "r", &row), STORE_OK);
    assert_int_equal(row.version, 2);
    assert_string_equal(row.json, "{\"r\":2}");
    store_row_clear(&row);
    assert_int_equal(s->ops->vread(s, "Patient", "r", 1, &row), STORE_OK);
    assert_string_equal(row.json, "{\"r\":1}");
    store_row_clear(&row);
    assert_int_equal(s->ops->read(s, "Patient", "gone", &row), STORE_OK);
    assert_true(row.deleted);
    store_row_clear(&row);
    /* The version rule carries over, and so does the token index. */
    assert_int_equal(put_one(s, "Patient", "r", 2, "{}", NULL, 0), STORE_HARD);
    struct two_puts t = {.s = s};
    assert_int_equal(s->ops->write(s, tx_current_fn, &t), STORE_OK);
    char msg[128];
    assert_int_equal(s->ops->check(s, msg, sizeof msg), STORE_OK);
    assert_string_equal(msg, "ok");
}

static void check_reports_corruption(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    /* Enough data for several pages, then scribble over the middle of the file. */
    char json[2000];
    memset(json, 'x', sizeof json - 1);
    json[0] = '"';
    json[sizeof json - 2] = '"';
    json[sizeof json - 1] = '\0';
    char id[16];
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_int_equal(put_one(s, "Basic", id, 1, json, NULL, 0), STORE_OK);
    }
    s->ops->close(s);
    f->s = NULL;
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    char junk[4096];
    memset(junk, 0x5a, sizeof junk);
    assert_int_equal(fseek(fp, 4096 * 3, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
    fclose(fp);
    f->s = s = fixture_open(f, false);
    assert_non_null(s);
    char msg[256] = "";
    assert_int_equal(s->ops->check(s, msg, sizeof msg), STORE_HARD);
    assert_true(strlen(msg) > 0);
    assert_string_not_equal(msg, "ok");
}

/* A unit whose store call failed is undone and answered HARD even when its function returns 0. */
static int ignores_error_fn(struct store_txn *tx, void *ctx)
{
    struct store *s = ctx;
    struct store_put p = {.type = "Patient",
                          .id = "ig",
                          .version = 1,
                          .last_updated = "2026-11-22T10:00:00.000Z",
                          .json = "{}",
                          .json_len = 2};
    if (s->ops->tx_put(tx, &p) != STORE_OK) return 1;
    p.id = "ig2";
    p.version = 5; /* wrong: HARD, which this function ignores */
    s->ops->tx_put(tx, &p);
    return 0;
}

static void failed_store_call_undoes_unit(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    assert_int_equal(s->ops->write(s, ignores_error_fn, s), STORE_HARD);
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Patient", "ig", &row), STORE_NONE);
    /* The writer is fine afterwards. */
    assert_int_equal(put_one(s, "Patient", "ig", 1, "{}", NULL, 0), STORE_OK);
}

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void schema_version_recorded_and_newer_refused(void **state)
{
    struct fixture *f = *state;
    f->s->ops->close(f->s);
    f->s = NULL;
    int v = user_version(f->path);
    assert_true(v >= 1);
    /* Reopening an up-to-date database runs nothing and keeps the version. */
    f->s = fixture_open(f, false);
    assert_non_null(f->s);
    f->s->ops->close(f->s);
    f->s = NULL;
    assert_int_equal(user_version(f->path), v);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    char err[256] = "";
    assert_null(store_sqlite_open(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
}

static void open_fails_cleanly(void **state)
{
    struct store_config cfg;
    store_config_defaults(&cfg, "/nonexistent-dir/x/db.sqlite");
    char err[256] = "";
    assert_null(store_sqlite_open(&cfg, err, sizeof err));
    assert_true(strlen(err) > 0);
    store_config_defaults(&cfg, NULL);
    assert_null(store_sqlite_open(&cfg, err, sizeof err));
}

/* A file that is not a database is refused with SQLite's plain reason, not the setup statements
 * that ran into it, and is left as it was. */
static void not_a_database_is_named_plainly(void **state)
{
    struct fixture *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/junk.db", f->dir);
    const char junk[] = "not a database, only text that is long enough to fill a header page...\n";
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(junk, 1, sizeof junk - 1, fp), sizeof junk - 1);
    fclose(fp);
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    char err[256] = "";
    assert_null(store_sqlite_open(&cfg, err, sizeof err));
    assert_string_equal(err, "file is not a database");
    char back[sizeof junk] = "";
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(back, 1, sizeof back, fp), sizeof junk - 1);
    fclose(fp);
    assert_memory_equal(back, junk, sizeof junk - 1);
    assert_int_equal(unlink(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(put_then_read, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(delete_marker, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(version_rule_violations_are_hard, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(contract_violations_are_hard, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(savepoint_rollback_leaves_nothing, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(tx_current_without_json, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(reopen_preserves_everything, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(check_reports_corruption, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(not_a_database_is_named_plainly, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(failed_store_call_undoes_unit, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(schema_version_recorded_and_newer_refused, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test(open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
