/* tx_purge: every version of one resource and its index rows go (read, vread, history, search
 * and tx_find no longer see it), other resources stay, an unknown resource is NONE, and a purge
 * in a unit that is undone leaves everything in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sqlite_fixture.h"

static const struct fix_token tag = {"_tag", "urn:owner", "alice"};

struct purge_unit {
    struct store *s;
    const char *type, *id;
    size_t versions;
    enum store_rc rc;
    int fn_rc;
};

static int purge_fn(struct store_txn *tx, void *ctx)
{
    struct purge_unit *u = ctx;
    u->rc = u->s->ops->tx_purge(tx, u->type, u->id, &u->versions);
    return u->rc == STORE_HARD ? 1 : u->fn_rc;
}

static int count_rows(void *ctx, const struct store_row *row)
{
    (*(size_t *)ctx)++;
    return 0;
}

static size_t tagged(struct store *s)
{
    struct store_value v = {.system = "urn:owner", .code = "alice"};
    struct store_clause c = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_TOKEN, .param = "_tag", .values = &v, .nvalues = 1};
    struct store_search_q q = {.type = "Observation", .clauses = &c, .nclauses = 1, .count = 100};
    size_t n = 0;
    bool more;
    assert_int_equal(s->ops->search(s, &q, count_rows, &n, NULL, &more), STORE_OK);
    return n;
}

static size_t history_of(struct store *s, const char *id)
{
    struct store_history_q q = {.type = "Observation", .id = id, .count = 100};
    size_t n = 0;
    assert_int_equal(s->ops->history(s, &q, count_rows, &n, NULL), STORE_OK);
    return n;
}

static void purge_removes_every_version(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    assert_int_equal(put_one(s, "Observation", "a", 1, "{\"v\":1}", &tag, 1), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "a", 2, "{\"v\":2}", &tag, 1), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "a", 3, "{\"v\":3}", &tag, 1), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "b", 1, "{\"v\":1}", &tag, 1), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "gone", 1, "{\"v\":1}", &tag, 1), STORE_OK);
    assert_int_equal(put_one(s, "Observation", "gone", 2, NULL, NULL, 0), STORE_OK);
    assert_int_equal(tagged(s), 2);

    /* Undone: nothing changes. */
    struct purge_unit u = {.s = s, .type = "Observation", .id = "a", .fn_rc = 1};
    assert_int_equal(s->ops->write(s, purge_fn, &u), STORE_NONE);
    assert_int_equal(u.rc, STORE_OK);
    assert_int_equal(history_of(s, "a"), 3);

    u.fn_rc = 0;
    assert_int_equal(s->ops->write(s, purge_fn, &u), STORE_OK);
    assert_int_equal(u.rc, STORE_OK);
    assert_int_equal(u.versions, 3);
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Observation", "a", &row), STORE_NONE);
    for (int64_t v = 1; v <= 3; v++)
        assert_int_equal(s->ops->vread(s, "Observation", "a", v, &row), STORE_NONE);
    assert_int_equal(history_of(s, "a"), 0);
    assert_int_equal(tagged(s), 1);
    /* A deleted resource's versions go as well. */
    u.id = "gone";
    assert_int_equal(s->ops->write(s, purge_fn, &u), STORE_OK);
    assert_int_equal(u.versions, 2);
    assert_int_equal(history_of(s, "gone"), 0);
    /* The other resource stays whole. */
    assert_int_equal(s->ops->read(s, "Observation", "b", &row), STORE_OK);
    store_row_clear(&row);
    assert_int_equal(history_of(s, "b"), 1);
    /* Unknown, or purged already: NONE. */
    u.id = "a";
    assert_int_equal(s->ops->write(s, purge_fn, &u), STORE_OK);
    assert_int_equal(u.rc, STORE_NONE);
    assert_int_equal(u.versions, 0);
    /* The id may be used again from version 1. */
    assert_int_equal(put_one(s, "Observation", "a", 1, "{\"v\":9}", &tag, 1), STORE_OK);
    assert_int_equal(tagged(s), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(purge_removes_every_version, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
