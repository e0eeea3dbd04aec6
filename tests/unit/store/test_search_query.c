/* store search: order, paging, totals, $lastn, compartments, includes, and index rows following
 * the current version (test_search_data.h lists the resources). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_search_data.h"

#define S(st) (((struct fixture *)*(st))->s)

static void sort_keys(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.type = "Patient", .count = 10, .nsort = 1};
    q.sort[0] = (struct store_sort){.param = "birthdate", .ix_kind = STORE_IX_DATE};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p1,p2,p3"); /* no birth date: last */
    q.sort[0].desc = true;
    assert_string_equal(run_q(s, &q, NULL, NULL), "p2,p1,p3"); /* last also descending */
    /* two keys: gender (female < male), then name descending (largest row) */
    q.nsort = 2;
    q.sort[0] = (struct store_sort){.param = "gender", .ix_kind = STORE_IX_TOKEN};
    q.sort[1] = (struct store_sort){.param = "name", .ix_kind = STORE_IX_STRING, .desc = true};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p1,p3,p2"); /* zoe > annabel */
    q.sort[1].desc = false;
    assert_string_equal(run_q(s, &q, NULL, NULL), "p3,p1,p2"); /* annabel < emile */
    q.nsort = 1;
    q.sort[0] = (struct store_sort){.param = "_id", .desc = true};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p3,p2,p1");
    /* Observation by value, then by subject reference */
    struct store_search_q o = {.type = "Observation", .count = 10, .nsort = 1};
    o.sort[0] = (struct store_sort){.param = "value-quantity", .ix_kind = STORE_IX_QUANTITY};
    assert_string_equal(run_q(s, &o, NULL, NULL), "o1,o3,o2,o4");
    o.sort[0] = (struct store_sort){.param = "subject", .ix_kind = STORE_IX_REF, .desc = true};
    assert_string_equal(run_q(s, &o, NULL, NULL), "o3,o4,o1,o2"); /* ties by seq */
    o.sort[0] = (struct store_sort){.param = "_lastUpdated"};
    assert_string_equal(run_q(s, &o, NULL, NULL), "o1,o2,o3,o4");
    /* equal _lastUpdated (two writes in one millisecond): newest first still means the later
     * write first, so the seq tiebreak turns round with it */
    o.sort[0].desc = true;
    assert_string_equal(run_q(s, &o, NULL, NULL), "o4,o3,o2,o1");
}

static void paging_and_total(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.type = "Observation", .count = 3, .want_total = true, .nsort = 1};
    q.sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
    int64_t total = -1;
    bool more = false;
    assert_string_equal(run_q(s, &q, &total, &more), "o4,o3,o2");
    assert_int_equal(total, 4);
    assert_true(more);
    q.offset = 3;
    assert_string_equal(run_q(s, &q, &total, &more), "o1");
    assert_false(more);
    q.offset = 4;
    assert_string_equal(run_q(s, &q, &total, &more), "-");
    assert_int_equal(total, 4);
    /* pages of one walk the whole order without overlap or gap */
    char all[64] = "";
    size_t len = 0;
    q.count = 1;
    for (q.offset = 0; q.offset < 4; q.offset++) {
        const char *id = run_q(s, &q, NULL, &more);
        len += (size_t)snprintf(all + len, sizeof all - len, "%s%s", q.offset ? "," : "", id);
        assert_int_equal(more, q.offset < 3);
    }
    assert_string_equal(all, "o4,o3,o2,o1");
    /* count 0: the total only */
    q.count = 0;
    q.offset = 0;
    struct collect c = {.ids = ""};
    total = -1;
    assert_int_equal(s->ops->search(s, &q, collect_cb, &c, &total, &more), STORE_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(total, 4);
    /* a total with a driving clause */
    struct store_value v = {.code = "8867-4"};
    struct store_clause cl = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_TOKEN, .param = "code", .values = &v, .nvalues = 1};
    q.clauses = &cl;
    q.nclauses = 1;
    q.count = 2;
    assert_string_equal(run_q(s, &q, &total, &more), "o4,o3");
    assert_int_equal(total, 3);
    assert_true(more);
}

static void lastn(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.type = "Observation",
                               .count = 10,
                               .nsort = 1,
                               .per_param = "code",
                               .per_max = 1,
                               .want_total = true};
    q.sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
    int64_t total = 0;
    /* the latest of each patient and code: p2's 8867-4 is o4; p1's 8480-6 is o2, its 8867-4 o1
     * (o4, of p2, is newer but another patient's) */
    assert_string_equal(run_q(s, &q, &total, NULL), "o4,o2,o1");
    assert_int_equal(total, 3);
    q.per_max = 2;
    assert_string_equal(run_q(s, &q, &total, NULL), "o4,o3,o2,o1");
    q.compartment = "p1";
    q.per_max = 1;
    assert_string_equal(run_q(s, &q, &total, NULL), "o2,o1");
    assert_int_equal(total, 2);
    q.count = 1;
    bool more = false;
    assert_string_equal(run_q(s, &q, &total, &more), "o2");
    assert_true(more);
}

static void compartment(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.compartment = "p1", .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p1,o1,o2"); /* type NULL: the Patient too */
    q.type = "Observation";
    assert_string_equal(run_q(s, &q, NULL, NULL), "o1,o2");
    q.type = "Patient";
    assert_string_equal(run_q(s, &q, NULL, NULL), "p1");
    /* with a clause: the compartment drives or is checked, the answer is the same */
    struct store_value v = {.code = "8867-4"};
    struct store_clause cl = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_TOKEN, .param = "code", .values = &v, .nvalues = 1};
    q.type = "Observation";
    q.clauses = &cl;
    q.nclauses = 1;
    q.compartment = "p2";
    assert_string_equal(run_q(s, &q, NULL, NULL), "o3,o4");
    q.type = NULL;
    assert_string_equal(run_q(s, &q, NULL, NULL), "o3,o4");
    /* a code with its system streams from the index; the compartment is checked */
    v.system = LOINC;
    q.type = "Observation";
    q.compartment = "p1";
    int64_t total = 0;
    bool more = true;
    q.want_total = true;
    assert_string_equal(run_q(s, &q, &total, &more), "o1");
    assert_int_equal(total, 1);
    assert_false(more);
    q.compartment = NULL;
    q.count = 2;
    q.nsort = 1;
    q.sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
    assert_string_equal(run_q(s, &q, &total, &more), "o4,o3");
    assert_int_equal(total, 3);
    assert_true(more);
    q.want_total = false;
    q.nsort = 0;
    q.count = 10;
    q.compartment = "p2";
    struct store_value idv = {.code = "o3"};
    struct store_clause idc = {.kind = STORE_Q_ID, .values = &idv, .nvalues = 1};
    q.type = "Observation";
    q.clauses = &idc;
    assert_string_equal(run_q(s, &q, NULL, NULL), "o3");
    q.compartment = "p1";
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
    q.compartment = "nobody";
    q.nclauses = 0;
    q.type = NULL;
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
}

/* The total of a compartment alone (counted from the compartment's set, not the versions): each
 * current, not deleted resource once, whatever its number of versions, and agreeing with the
 * pages. */
static void compartment_total(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.compartment = "p1", .count = 10, .want_total = true};
    int64_t total = -1;
    bool more = true;
    assert_string_equal(run_q(s, &q, &total, &more), "p1,o1,o2");
    assert_int_equal(total, 3);
    assert_false(more);
    q.type = "Observation";
    assert_string_equal(run_q(s, &q, &total, NULL), "o1,o2");
    assert_int_equal(total, 2);
    /* a second version of o1, o2 deleted, o3 moved from p2 into p1 */
    assert_int_equal(put_ix(s, "Observation", "o1", 2, "{\"id\":\"o1\"}", "p1", NULL, 0), STORE_OK);
    assert_int_equal(put_ix(s, "Observation", "o2", 2, NULL, "p1", NULL, 0), STORE_OK);
    assert_int_equal(put_ix(s, "Observation", "o3", 2, "{\"id\":\"o3\"}", "p1", NULL, 0), STORE_OK);
    assert_string_equal(run_q(s, &q, &total, NULL), "o1,o3");
    assert_int_equal(total, 2);
    q.type = NULL;
    q.count = 1;
    assert_string_equal(run_q(s, &q, &total, &more), "p1");
    assert_int_equal(total, 3);
    assert_true(more);
    /* the total alone (count 0), and a compartment with nothing in it */
    q.count = 0;
    assert_string_equal(run_q(s, &q, &total, NULL), "-");
    assert_int_equal(total, 3);
    q.compartment = "p2";
    q.count = 10;
    assert_string_equal(run_q(s, &q, &total, NULL), "p2,o4");
    assert_int_equal(total, 2);
    q.compartment = "nobody";
    assert_string_equal(run_q(s, &q, &total, NULL), "-");
    assert_int_equal(total, 0);
}

static int64_t seq_of(struct store *s, const char *type, const char *id)
{
    struct store_row row;
    assert_int_equal(s->ops->read(s, type, id, &row), STORE_OK);
    int64_t seq = row.seq;
    store_row_clear(&row);
    return seq;
}

static void includes(void **state)
{
    struct store *s = S(state);
    int64_t seqs[] = {seq_of(s, "Observation", "o1"), seq_of(s, "Observation", "o2"),
                      seq_of(s, "Observation", "o3")};
    struct collect c = {.ids = ""};
    assert_int_equal(s->ops->refs_from(s, seqs, 3, "subject", NULL, collect_cb, &c), STORE_OK);
    assert_string_equal(c.ids, "p1,p2"); /* each once */
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_from(s, seqs, 3, NULL, "Patient", collect_cb, &c), STORE_OK);
    assert_string_equal(c.ids, "p1,p2");
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_from(s, seqs, 3, "subject", "Group", collect_cb, &c), STORE_OK);
    assert_int_equal(c.n, 0);
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_from(s, seqs, 0, NULL, NULL, collect_cb, &c), STORE_OK);
    assert_int_equal(c.n, 0);

    struct store_ref t[] = {{"Patient", "p1"}, {"Patient", "p2"}, {"Patient", "nope"}};
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_to(s, "Observation", "subject", t, 1, 10, collect_cb, &c),
                     STORE_OK);
    assert_string_equal(c.ids, "o1,o2");
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_to(s, "Observation", NULL, t, 3, 10, collect_cb, &c), STORE_OK);
    assert_string_equal(c.ids, "o1,o2,o3,o4"); /* subject and patient: each once */
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_to(s, "Observation", NULL, t, 3, 3, collect_cb, &c), STORE_OK);
    assert_string_equal(c.ids, "o1,o2,o3"); /* at most max */
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_to(s, "Encounter", NULL, t, 3, 10, collect_cb, &c), STORE_OK);
    assert_int_equal(c.n, 0);
}

/* Rows follow the current version: an update replaces them, a delete removes them. */
static void versions(void **state)
{
    struct store *s = S(state);
    struct store_value v = {.code = "8867-4"};
    struct store_clause cl = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_TOKEN, .param = "code", .values = &v, .nvalues = 1};
    struct store_search_q q = {.type = "Observation", .clauses = &cl, .nclauses = 1, .count = 10};
    const struct store_ix o1b[] = {IX_R("subject", "Patient", "p1"), IX_T("code", LOINC, "9999-9")};
    assert_int_equal(put_ix(s, "Observation", "o1", 2, "{\"v\":2}", "p1", o1b, 2), STORE_OK);
    assert_string_equal(run_q(s, &q, NULL, NULL), "o3,o4");
    v.code = "9999-9";
    assert_string_equal(run_q(s, &q, NULL, NULL), "o1");
    struct store_clause missing = {.kind = STORE_Q_IX,
                                   .ix_kind = STORE_IX_QUANTITY,
                                   .param = "value-quantity",
                                   .match = STORE_M_MISSING,
                                   .missing = true};
    q.clauses = &missing;
    assert_string_equal(run_q(s, &q, NULL, NULL), "o1"); /* its old quantity row is gone */
    /* the row carries the new version's json */
    struct collect c = {.ids = ""};
    assert_int_equal(s->ops->search(s, &q, collect_cb, &c, NULL, NULL), STORE_OK);
    assert_int_equal(c.seqs[0], seq_of(s, "Observation", "o1"));

    assert_int_equal(put_ix(s, "Observation", "o3", 2, NULL, "p2", NULL, 0), STORE_OK);
    q.clauses = &cl;
    v.code = "8867-4";
    assert_string_equal(run_q(s, &q, NULL, NULL), "o4");
    q.nclauses = 0;
    assert_string_equal(run_q(s, &q, NULL, NULL), "o2,o4,o1"); /* seq order; o3 skipped */
    q.compartment = "p2";
    q.type = NULL;
    assert_string_equal(run_q(s, &q, NULL, NULL), "p2,o4");
    struct store_ref t[] = {{"Patient", "p2"}};
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_to(s, "Observation", "subject", t, 1, 10, collect_cb, &c),
                     STORE_OK);
    assert_string_equal(c.ids, "o4");
    /* a deleted target is not included */
    assert_int_equal(put_ix(s, "Patient", "p1", 2, NULL, "p1", NULL, 0), STORE_OK);
    int64_t seqs[] = {seq_of(s, "Observation", "o2")};
    c = (struct collect){.ids = ""};
    assert_int_equal(s->ops->refs_from(s, seqs, 1, NULL, NULL, collect_cb, &c), STORE_OK);
    assert_int_equal(c.n, 0);
}

/* A callback that stops after the first row stops the search. */
static int stop_cb(void *ctx, const struct store_row *row)
{
    (void)row;
    ++*(int *)ctx;
    return 1;
}

static void callback_stops(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.type = "Observation", .count = 10, .want_total = true};
    int calls = 0;
    int64_t total = 0;
    assert_int_equal(s->ops->search(s, &q, stop_cb, &calls, &total, NULL), STORE_OK);
    assert_int_equal(calls, 1);
    assert_int_equal(total, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sort_keys, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(paging_and_total, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(lastn, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(compartment, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(compartment_total, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(includes, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(versions, data_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(callback_stops, data_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
