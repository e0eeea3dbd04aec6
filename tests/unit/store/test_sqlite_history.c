#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sqlite_fixture.h"

/* Collected history/scan rows, as "Type/id/version" strings plus their seqs. */
struct seen {
    size_t n;
    char key[32][160];
    int64_t seq[32];
    bool deleted[32];
    size_t stop_after; /* 0 = never stop */
};

static int collect(void *ctx, const struct store_row *row)
{
    struct seen *s = ctx;
    if (s->n >= 32) return 1;
    snprintf(s->key[s->n], sizeof s->key[s->n], "%s/%s/%lld", row->type, row->id,
             (long long)row->version);
    s->seq[s->n] = row->seq;
    s->deleted[s->n] = row->deleted;
    /* json is present exactly for non-deleted rows and NUL-terminated at json_len. */
    if (row->deleted ? row->json != NULL : row->json == NULL || row->json[row->json_len] != '\0')
        return 1;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

/* seq order:  1 Patient/a/1 (10:00)  2 Observation/o/1 (10:01)  3 Patient/a/2 (10:02)
 *             4 Patient/b/1 (10:03)  5 Patient/a/3 deleted (10:04) */
static int history_setup(void **state)
{
    if (fixture_setup(state)) return -1;
    struct fixture *f = *state;
    struct store *s = f->s;
    if (put_at(s, "Patient", "a", 1, "{\"a\":1}", "2026-11-22T10:00:00.000Z", NULL, 0) !=
            STORE_OK ||
        put_at(s, "Observation", "o", 1, "{\"o\":1}", "2026-11-22T10:01:00.000Z", NULL, 0) !=
            STORE_OK ||
        put_at(s, "Patient", "a", 2, "{\"a\":2}", "2026-11-22T10:02:00.000Z", NULL, 0) !=
            STORE_OK ||
        put_at(s, "Patient", "b", 1, "{\"b\":1}", "2026-11-22T10:03:00.000Z", NULL, 0) !=
            STORE_OK ||
        put_at(s, "Patient", "a", 3, NULL, "2026-11-22T10:04:00.000Z", NULL, 0) != STORE_OK)
        return -1;
    return 0;
}

static void all_newest_first(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {0};
    int64_t total = -1;
    struct store_history_q q = {.count = 100};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &seen, &total), STORE_OK);
    assert_int_equal(total, 5);
    assert_int_equal(seen.n, 5);
    assert_string_equal(seen.key[0], "Patient/a/3");
    assert_true(seen.deleted[0]);
    assert_string_equal(seen.key[1], "Patient/b/1");
    assert_string_equal(seen.key[2], "Patient/a/2");
    assert_string_equal(seen.key[3], "Observation/o/1");
    assert_string_equal(seen.key[4], "Patient/a/1");
    for (size_t i = 1; i < seen.n; i++) assert_true(seen.seq[i] < seen.seq[i - 1]);
}

static void paging_with_before_seq(void **state)
{
    struct fixture *f = *state;
    struct seen p1 = {0}, p2 = {0}, p3 = {0};
    int64_t total = -1;
    struct store_history_q q = {.count = 2};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &p1, &total), STORE_OK);
    assert_int_equal(total, 5);
    assert_int_equal(p1.n, 2);
    q.before_seq = p1.seq[1];
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &p2, &total), STORE_OK);
    assert_int_equal(total, 5); /* the total ignores paging */
    assert_int_equal(p2.n, 2);
    assert_string_equal(p2.key[0], "Patient/a/2");
    assert_string_equal(p2.key[1], "Observation/o/1");
    q.before_seq = p2.seq[1];
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &p3, NULL), STORE_OK);
    assert_int_equal(p3.n, 1);
    assert_string_equal(p3.key[0], "Patient/a/1");
    /* count 0: only the total. */
    struct seen none = {0};
    q = (struct store_history_q){.type = "Patient", .count = 0};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &none, &total), STORE_OK);
    assert_int_equal(none.n, 0);
    assert_int_equal(total, 4);
}

static void by_type_and_id(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {0};
    int64_t total = -1;
    struct store_history_q q = {.type = "Patient", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &seen, &total), STORE_OK);
    assert_int_equal(total, 4);
    assert_int_equal(seen.n, 4);
    assert_string_equal(seen.key[0], "Patient/a/3");
    assert_string_equal(seen.key[3], "Patient/a/1");

    struct seen one = {0};
    q = (struct store_history_q){.type = "Patient", .id = "a", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &one, &total), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(one.n, 3);
    assert_string_equal(one.key[0], "Patient/a/3");
    assert_string_equal(one.key[1], "Patient/a/2");
    assert_string_equal(one.key[2], "Patient/a/1");

    struct seen page = {0};
    q.before_seq = one.seq[0];
    q.count = 1;
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &page, &total), STORE_OK);
    assert_int_equal(total, 3);
    assert_int_equal(page.n, 1);
    assert_string_equal(page.key[0], "Patient/a/2");

    struct seen nothing = {0};
    q = (struct store_history_q){.type = "Encounter", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &nothing, &total), STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(nothing.n, 0);
}

static void since_filters(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {0};
    int64_t total = -1;
    struct store_history_q q = {.since = "2026-11-22T10:02:00.000Z", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &seen, &total), STORE_OK);
    assert_int_equal(total, 3); /* at or after */
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.key[2], "Patient/a/2");

    /* Other spellings of an instant mean the same moment. */
    struct seen zoned = {0};
    q.since = "2026-11-22T11:02:00+01:00";
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &zoned, &total), STORE_OK);
    assert_int_equal(total, 3);
    struct seen nofrac = {0};
    q.since = "2026-11-22T10:01:30Z";
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &nofrac, &total), STORE_OK);
    assert_int_equal(total, 3);

    struct seen one = {0};
    q = (struct store_history_q){
        .type = "Patient", .id = "a", .since = "2026-11-22T10:01:00.000Z", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &one, &total), STORE_OK);
    assert_int_equal(total, 2);
    assert_int_equal(one.n, 2);

    struct seen later = {0};
    q = (struct store_history_q){.since = "2027-01-01T00:00:00.000Z", .count = 10};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &later, &total), STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(later.n, 0);
}

static void callback_can_stop(void **state)
{
    struct fixture *f = *state;
    struct seen seen = {.stop_after = 2};
    struct store_history_q q = {.count = 100};
    assert_int_equal(f->s->ops->history(f->s, &q, collect, &seen, NULL), STORE_OK);
    assert_int_equal(seen.n, 2);
}

static void scan_current_not_deleted_in_order(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    assert_int_equal(put_one(s, "Encounter", "z", 1, "{}", NULL, 0), STORE_OK);
    assert_int_equal(put_one(s, "Encounter", "m", 1, "{}", NULL, 0), STORE_OK);
    struct seen seen = {0};
    assert_int_equal(s->ops->scan(s, NULL, collect, &seen), STORE_OK);
    /* Patient/a is deleted: left out. Ordered by type, then id. */
    assert_int_equal(seen.n, 4);
    assert_string_equal(seen.key[0], "Encounter/m/1");
    assert_string_equal(seen.key[1], "Encounter/z/1");
    assert_string_equal(seen.key[2], "Observation/o/1");
    assert_string_equal(seen.key[3], "Patient/b/1");

    struct seen pat = {0};
    assert_int_equal(s->ops->scan(s, "Patient", collect, &pat), STORE_OK);
    assert_int_equal(pat.n, 1);
    assert_string_equal(pat.key[0], "Patient/b/1");

    struct seen stop = {.stop_after = 1};
    assert_int_equal(s->ops->scan(s, NULL, collect, &stop), STORE_OK);
    assert_int_equal(stop.n, 1);

    struct seen none = {0};
    assert_int_equal(s->ops->scan(s, "Condition", collect, &none), STORE_OK);
    assert_int_equal(none.n, 0);
}

/* A callback may read from the store while a scan is streaming. */
struct nested {
    struct store *s;
    size_t ok;
};

static int nested_read(void *ctx, const struct store_row *row)
{
    struct nested *n = ctx;
    struct store_row r = {0};
    if (n->s->ops->read(n->s, row->type, row->id, &r) == STORE_OK && r.version == row->version)
        n->ok++;
    store_row_clear(&r);
    return 0;
}

static void scan_allows_nested_reads(void **state)
{
    struct fixture *f = *state;
    struct nested n = {.s = f->s};
    assert_int_equal(f->s->ops->scan(f->s, NULL, nested_read, &n), STORE_OK);
    assert_int_equal(n.ok, 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, history_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(all_newest_first),         T(paging_with_before_seq),
        T(by_type_and_id),           T(since_filters),
        T(callback_can_stop),        T(scan_current_not_deleted_in_order),
        T(scan_allows_nested_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
