/* The writer's (type, param) -> pid map (ix_param.c, schema 0004): a pair first met in a unit that
 * is then undone must not keep its pid, since SQLite hands that pid to the next new pair; a pair
 * added in the open transaction is found by tx_find in the same unit; a search for a pair the
 * database does not know matches nothing (and :missing / :not everything). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_search_data.h"

#define S(st) (((struct fixture *)*(st))->s)

/* One token row of param on a new Basic resource; fn_rc 1 undoes the unit after the put. */
static enum store_rc put_basic(struct store *s, const char *id, const char *param, int fn_rc)
{
    const struct store_ix ix[] = {IX_T(param, "urn:t", "v")};
    struct put_unit u = {.s = s, .fn_rc = fn_rc};
    u.put.type = "Basic";
    u.put.id = id;
    u.put.version = 1;
    u.put.last_updated = "2026-12-01T10:00:00.000Z";
    u.put.json = "{}";
    u.put.json_len = 2;
    u.put.ix = ix;
    u.put.nix = 1;
    return s->ops->write(s, put_unit_fn, &u);
}

static const char *basic_with(struct store *s, const char *param, enum store_match m)
{
    struct store_value v = {.system = "urn:t", .code = "v"};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_TOKEN,
                             .param = param,
                             .match = m,
                             .values = &v,
                             .nvalues = m == STORE_M_MISSING ? 0 : 1,
                             .missing = true};
    return one(s, "Basic", &c);
}

static void undone_pair_forgotten(void **state)
{
    struct store *s = S(state);
    /* b0 meets "first" and is undone: ix_param's row goes with it */
    assert_int_equal(put_basic(s, "b0", "first", 1), STORE_NONE);
    /* "second" is new: it gets the pid "first" had for a moment */
    assert_int_equal(put_basic(s, "b1", "second", 0), STORE_OK);
    /* "first" again must be a pair of its own, not the stale pid (now "second"'s) */
    assert_int_equal(put_basic(s, "b2", "first", 0), STORE_OK);
    assert_string_equal(basic_with(s, "first", STORE_M_DEFAULT), "b2");
    assert_string_equal(basic_with(s, "second", STORE_M_DEFAULT), "b1");
}

static void unknown_pair_matches_nothing(void **state)
{
    struct store *s = S(state);
    assert_int_equal(put_basic(s, "b3", "third", 0), STORE_OK);
    assert_string_equal(basic_with(s, "never-written", STORE_M_DEFAULT), "-");
    assert_string_equal(basic_with(s, "never-written", STORE_M_NOT), "b1,b2,b3");
    assert_string_equal(basic_with(s, "never-written", STORE_M_MISSING), "b1,b2,b3");
    /* a known pair of another type is not this type's */
    assert_string_equal(basic_with(s, "code", STORE_M_DEFAULT), "-");
}

/* A unit that adds a pair and looks it up with tx_find before the commit. */
struct find_new {
    struct store *s;
    struct put_unit put;
    size_t found;
};

static int find_new_fn(struct store_txn *tx, void *ctx)
{
    struct find_new *f = ctx;
    if (f->s->ops->tx_put(tx, &f->put.put) != STORE_OK) return 1;
    struct store_cond cond = {.param = "fourth", .system = "urn:t", .code = "v"};
    char ids[2][STORE_ID_MAX];
    f->s->ops->tx_find(tx, "Basic", &cond, 1, ids, 2, &f->found);
    return 0;
}

static void pair_added_in_unit_is_found(void **state)
{
    struct store *s = S(state);
    const struct store_ix ix[] = {IX_T("fourth", "urn:t", "v")};
    struct find_new f = {.s = s};
    f.put.put = (struct store_put){.type = "Basic",
                                   .id = "b4",
                                   .version = 1,
                                   .last_updated = "2026-12-01T10:00:00.000Z",
                                   .json = "{}",
                                   .json_len = 2,
                                   .ix = ix,
                                   .nix = 1};
    assert_int_equal(s->ops->write(s, find_new_fn, &f), STORE_OK);
    assert_int_equal(f.found, 1);
    assert_string_equal(basic_with(s, "fourth", STORE_M_DEFAULT), "b4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(undone_pair_forgotten),
        cmocka_unit_test(unknown_pair_matches_nothing),
        cmocka_unit_test(pair_added_in_unit_is_found),
    };
    return cmocka_run_group_tests(tests, data_setup, fixture_teardown);
}
