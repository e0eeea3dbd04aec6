#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sqlite_fixture.h"

struct find {
    struct store *s;
    const char *type;
    const struct store_cond *conds;
    size_t nconds;
    size_t max;
    char ids[4][STORE_ID_MAX];
    size_t found;
    enum store_rc rc;
};

static int find_fn(struct store_txn *tx, void *ctx)
{
    struct find *q = ctx;
    q->rc = q->s->ops->tx_find(tx, q->type, q->conds, q->nconds, q->ids, q->max, &q->found);
    return 0;
}

/* Runs tx_find inside a write unit; returns "id,id" of what it found (or "-" for none). */
static const char *find(struct store *s, const char *type, const struct store_cond *conds,
                        size_t nconds, size_t max)
{
    static char out[256];
    struct find q = {.s = s, .type = type, .conds = conds, .nconds = nconds, .max = max};
    q.found = 77;
    assert_int_equal(s->ops->write(s, find_fn, &q), STORE_OK);
    assert_true(q.found <= max);
    assert_int_equal(q.rc, q.found ? STORE_OK : STORE_NONE);
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < q.found; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", q.ids[i]);
    return q.found ? out : "-";
}

#define TOK(p, s, c)                                                                               \
    {                                                                                              \
        .param = p, .system = s, .code = c                                                         \
    }

static int find_setup(void **state)
{
    if (fixture_setup(state)) return -1;
    struct store *s = ((struct fixture *)*state)->s;
    const struct fix_token p1[] = {TOK("identifier", "urn:a", "1"), TOK("identifier", NULL, "2"),
                                   TOK("gender", NULL, "female")};
    const struct fix_token p2[] = {TOK("identifier", "urn:a", "1"),
                                   TOK("identifier", "urn:b", "3")};
    const struct fix_token p3[] = {TOK("identifier", "urn:a", "1")};
    const struct fix_token p4a[] = {TOK("identifier", "urn:a", "9")};
    const struct fix_token p4b[] = {TOK("identifier", "urn:a", "10")};
    const struct fix_token o1[] = {TOK("identifier", "urn:a", "1")};
    if (put_one(s, "Patient", "p1", 1, "{}", p1, 3) != STORE_OK ||
        put_one(s, "Patient", "p2", 1, "{}", p2, 2) != STORE_OK ||
        put_one(s, "Patient", "p3", 1, "{}", p3, 1) != STORE_OK ||
        put_one(s, "Patient", "p3", 2, NULL, p3, 1) != STORE_OK ||
        put_one(s, "Patient", "p4", 1, "{}", p4a, 1) != STORE_OK ||
        put_one(s, "Patient", "p4", 2, "{}", p4b, 1) != STORE_OK ||
        put_one(s, "Observation", "o1", 1, "{}", o1, 1) != STORE_OK)
        return -1;
    return 0;
}

static void by_system_and_code(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("identifier", "urn:a", "1");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p1,p2"); /* p3 is deleted */
    assert_string_equal(find(s, "Observation", &c, 1, 4), "o1");
    c = (struct store_cond)TOK("identifier", "urn:a", "2");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    c = (struct store_cond)TOK("identifier", "urn:other", "1");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
}

static void system_null_is_any_empty_is_none(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("identifier", NULL, "1");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p1,p2");
    c = (struct store_cond)TOK("identifier", NULL, "2");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p1");
    c = (struct store_cond)TOK("identifier", "", "2");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p1");
    c = (struct store_cond)TOK("identifier", "", "1");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    /* Code NULL: any code of that system. */
    c = (struct store_cond)TOK("identifier", "urn:b", NULL);
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p2");
}

static void by_id(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("_id", NULL, "p2");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p2");
    c = (struct store_cond)TOK("_id", NULL, "p3"); /* deleted */
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    c = (struct store_cond)TOK("_id", NULL, "nope");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    c = (struct store_cond)TOK("_id", NULL, "p2");
    assert_string_equal(find(s, "Observation", &c, 1, 4), "-");
}

static void conditions_are_anded(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond two[] = {TOK("identifier", "urn:a", "1"), TOK("identifier", "urn:b", "3")};
    assert_string_equal(find(s, "Patient", two, 2, 4), "p2");
    struct store_cond idtok[] = {TOK("identifier", "urn:a", "1"), TOK("_id", NULL, "p1")};
    assert_string_equal(find(s, "Patient", idtok, 2, 4), "p1");
    struct store_cond miss[] = {TOK("_id", NULL, "p1"), TOK("identifier", "urn:b", "3")};
    assert_string_equal(find(s, "Patient", miss, 2, 4), "-");
    struct store_cond gender[] = {TOK("gender", NULL, "female"), TOK("identifier", NULL, "1")};
    assert_string_equal(find(s, "Patient", gender, 2, 4), "p1");
}

static void max_limits_and_none_lists_all(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("identifier", "urn:a", "1");
    assert_string_equal(find(s, "Patient", &c, 1, 1), "p1");
    assert_string_equal(find(s, "Patient", &c, 1, 0), "-");
    assert_string_equal(find(s, "Patient", NULL, 0, 4), "p1,p2,p4");
}

static void tokens_follow_the_current_version(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("identifier", "urn:a", "9");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    c = (struct store_cond)TOK("identifier", "urn:a", "10");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p4");
    /* An update without tokens clears them; duplicate tokens are harmless. */
    const struct fix_token dup[] = {TOK("identifier", "urn:z", "5"),
                                    TOK("identifier", "urn:z", "5")};
    assert_int_equal(put_one(s, "Patient", "p4", 3, "{}", dup, 2), STORE_OK);
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
    c = (struct store_cond)TOK("identifier", "urn:z", "5");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "p4");
    assert_int_equal(put_one(s, "Patient", "p4", 4, "{}", NULL, 0), STORE_OK);
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
}

/* Inside one unit, a put is visible to a later find of the same unit. */
static int put_then_find_fn(struct store_txn *tx, void *ctx)
{
    struct find *q = ctx;
    static const struct store_ix t = {
        .kind = STORE_IX_TOKEN, .param = "identifier", .system = "urn:new", .code = "n"};
    struct store_put p = {.type = "Patient",
                          .id = "pn",
                          .version = 1,
                          .last_updated = "2026-11-22T10:00:00.000Z",
                          .json = "{}",
                          .json_len = 2,
                          .ix = &t,
                          .nix = 1};
    if (q->s->ops->tx_put(tx, &p) != STORE_OK) return 1;
    q->rc = q->s->ops->tx_find(tx, q->type, q->conds, q->nconds, q->ids, q->max, &q->found);
    return 1; /* undo */
}

static void find_sees_own_unit(void **state)
{
    struct store *s = ((struct fixture *)*state)->s;
    struct store_cond c = TOK("identifier", "urn:new", "n");
    struct find q = {.s = s, .type = "Patient", .conds = &c, .nconds = 1, .max = 4};
    assert_int_equal(s->ops->write(s, put_then_find_fn, &q), STORE_NONE);
    assert_int_equal(q.rc, STORE_OK);
    assert_int_equal(q.found, 1);
    assert_string_equal(q.ids[0], "pn");
    assert_string_equal(find(s, "Patient", &c, 1, 4), "-");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, find_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(by_system_and_code),
        T(system_null_is_any_empty_is_none),
        T(by_id),
        T(conditions_are_anded),
        T(max_limits_and_none_lists_all),
        T(tokens_follow_the_current_version),
        T(find_sees_own_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
