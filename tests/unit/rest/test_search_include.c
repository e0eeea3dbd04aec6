/* _include and _revinclude over a fake store: slices of seqs and targets, the source type filter,
 * resources given once, :iterate rounds and their limit, the cap on included resources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/search_run.h"

enum fake_mode {
    FAKE_THREE_PATIENTS, /* every seq references Patient/p<seq % 3> */
    FAKE_CHAIN,          /* seq s references Patient/c<s + 1> (seq s + 1) */
    FAKE_SELF,           /* every seq references Observation/o1, which is a match */
};

struct fake {
    struct store base;
    enum fake_mode mode;
    size_t from_calls, from_seqs_max, to_calls;
    char last_param[64];
    bool null_param;
};

static enum store_rc give(store_row_cb cb, void *ctx, const char *type, const char *id, int64_t seq)
{
    struct store_row row = {0};
    snprintf(row.type, sizeof row.type, "%s", type);
    snprintf(row.id, sizeof row.id, "%s", id);
    row.seq = seq;
    char json[160];
    snprintf(json, sizeof json, "{\"resourceType\":\"%s\",\"id\":\"%s\"}", type, id);
    row.json = json;
    row.json_len = strlen(json);
    return cb(ctx, &row) ? STORE_OK : STORE_NONE;
}

static enum store_rc fake_refs_from(struct store *s, const int64_t *seqs, size_t nseqs,
                                    const char *param, const char *target_type, store_row_cb cb,
                                    void *ctx)
{
    (void)target_type;
    struct fake *f = (struct fake *)s;
    f->from_calls++;
    if (nseqs > f->from_seqs_max) f->from_seqs_max = nseqs;
    f->null_param = param == NULL;
    snprintf(f->last_param, sizeof f->last_param, "%s", param ? param : "");
    for (size_t i = 0; i < nseqs; i++) {
        char id[32];
        if (f->mode == FAKE_THREE_PATIENTS) {
            snprintf(id, sizeof id, "p%lld", (long long)(seqs[i] % 3));
            if (give(cb, ctx, "Patient", id, 100000 + seqs[i] % 3) == STORE_OK) break;
        } else if (f->mode == FAKE_CHAIN) {
            snprintf(id, sizeof id, "c%lld", (long long)(seqs[i] + 1));
            if (give(cb, ctx, "Patient", id, seqs[i] + 1) == STORE_OK) break;
        } else {
            if (give(cb, ctx, "Observation", "o1", 1) == STORE_OK) break;
        }
    }
    return STORE_OK;
}

/* Each target is referenced by two Observations of its own. */
static enum store_rc fake_refs_to(struct store *s, const char *src_type, const char *param,
                                  const struct store_ref *targets, size_t ntargets, size_t max,
                                  store_row_cb cb, void *ctx)
{
    (void)param;
    struct fake *f = (struct fake *)s;
    f->to_calls++;
    size_t given = 0;
    for (size_t i = 0; i < ntargets; i++)
        for (int k = 0; k < 2; k++) {
            if (given == max) return STORE_OK;
            char id[STORE_ID_MAX + 8];
            snprintf(id, sizeof id, "%s-%d", targets[i].id, k);
            if (give(cb, ctx, src_type, id, 500000 + (int64_t)(i * 2 + k)) == STORE_OK)
                return STORE_OK;
            given++;
        }
    return STORE_OK;
}

static const struct store_ops fake_ops = {
    .name = "fake", .refs_from = fake_refs_from, .refs_to = fake_refs_to};

struct env {
    struct fake store;
    struct rest_ctx rc;
    struct search s;
    struct search_result r;
};

static struct env *env_new(enum fake_mode mode, const char *type, size_t matches)
{
    struct env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->store.base.ops = &fake_ops;
    e->store.mode = mode;
    e->rc.store = &e->store.base;
    assert_int_equal(search_result_init(&e->r), 0);
    for (size_t i = 1; i <= matches; i++) {
        char id[32];
        snprintf(id, sizeof id, "%c%zu", type[0] == 'O' ? 'o' : 'c', i);
        struct store_row row = {0};
        snprintf(row.type, sizeof row.type, "%s", type);
        snprintf(row.id, sizeof row.id, "%s", id);
        row.seq = (int64_t)i;
        row.json = "{}";
        row.json_len = 2;
        assert_int_equal(search_result_add(&e->r, &row, false), 0);
    }
    e->r.nmatch = e->r.n;
    return e;
}

static void env_free(struct env *e)
{
    search_result_free(&e->r);
    free(e);
}

static void include(struct env *e, bool reverse, bool iterate, const char *src, const char *param,
                    const char *target)
{
    struct search_include *inc = &e->s.includes[e->s.nincludes++];
    inc->reverse = reverse;
    inc->iterate = iterate;
    snprintf(inc->src_type, sizeof inc->src_type, "%s", src);
    snprintf(inc->param, sizeof inc->param, "%s", param);
    snprintf(inc->target_type, sizeof inc->target_type, "%s", target);
}

static void run(struct env *e)
{
    struct rg_fail f = {0};
    assert_int_equal(search_includes_run(&e->rc, &e->s, &e->r, &f), RG_OK);
}

static void slices_and_once(void **state)
{
    (void)state;
    struct env *e = env_new(FAKE_THREE_PATIENTS, "Observation", 1200);
    include(e, false, false, "Observation", "subject", "");
    run(e);
    assert_int_equal(e->store.from_calls, 3); /* 500 + 500 + 200 seqs */
    assert_int_equal(e->store.from_seqs_max, 500);
    assert_string_equal(e->store.last_param, "subject");
    assert_int_equal(e->r.n, 1200 + 3); /* three Patients, each once */
    for (size_t i = 1200; i < e->r.n; i++) assert_true(e->r.hits[i].include);
    assert_null(e->r.includes_cut);
    env_free(e);
}

static void source_type_filters(void **state)
{
    (void)state;
    struct env *e = env_new(FAKE_THREE_PATIENTS, "Observation", 10);
    include(e, false, false, "Encounter", "subject", "");
    run(e);
    assert_int_equal(e->store.from_calls, 0);
    assert_int_equal(e->r.n, 10);
    /* "*" as the parameter asks for every reference. */
    include(e, false, false, "Observation", "*", "");
    run(e);
    assert_true(e->store.null_param);
    assert_int_equal(e->r.n, 13);
    env_free(e);
}

static void match_not_repeated(void **state)
{
    (void)state;
    struct env *e = env_new(FAKE_SELF, "Observation", 3);
    include(e, false, true, "Observation", "has-member", "");
    run(e);
    assert_int_equal(e->r.n, 3);
    assert_null(e->r.includes_cut);
    env_free(e);
}

static void iterate_rounds_limited(void **state)
{
    (void)state;
    struct env *e = env_new(FAKE_CHAIN, "Patient", 1); /* c1 -> c2 -> c3 ... */
    include(e, false, true, "Patient", "link", "");
    run(e);
    /* The first round and SEARCH_ITERATE_DEPTH more: c2 .. c6. */
    assert_int_equal(e->r.n, 1 + 1 + SEARCH_ITERATE_DEPTH);
    assert_string_equal(e->r.hits[e->r.n - 1].key, "Patient/c6");
    assert_non_null(e->r.includes_cut);
    env_free(e);

    /* Without :iterate only the matches are followed. */
    e = env_new(FAKE_CHAIN, "Patient", 1);
    include(e, false, false, "Patient", "link", "");
    run(e);
    assert_int_equal(e->r.n, 2);
    assert_null(e->r.includes_cut);
    env_free(e);
}

static void revinclude_and_cap(void **state)
{
    (void)state;
    struct env *e = env_new(FAKE_THREE_PATIENTS, "Patient", 4);
    include(e, true, false, "Observation", "subject", "");
    run(e);
    assert_int_equal(e->store.to_calls, 1);
    assert_int_equal(e->r.n, 4 + 8);
    assert_string_equal(e->r.hits[4].key, "Observation/c1-0");
    env_free(e);

    /* A target type that none of the matches has: nothing asked. */
    e = env_new(FAKE_THREE_PATIENTS, "Patient", 4);
    include(e, true, false, "Observation", "subject", "Group");
    run(e);
    assert_int_equal(e->store.to_calls, 0);
    env_free(e);

    /* More than SEARCH_INCLUDED_MAX would come: cut, and said so. */
    e = env_new(FAKE_THREE_PATIENTS, "Patient", SEARCH_INCLUDED_MAX);
    include(e, true, false, "Observation", "subject", "");
    run(e);
    assert_int_equal(e->r.n - e->r.nmatch, SEARCH_INCLUDED_MAX);
    assert_non_null(e->r.includes_cut);
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(slices_and_once),    cmocka_unit_test(source_type_filters),
        cmocka_unit_test(match_not_repeated), cmocka_unit_test(iterate_rounds_limited),
        cmocka_unit_test(revinclude_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
