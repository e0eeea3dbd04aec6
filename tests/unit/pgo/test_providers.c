/* Provider search over an in-memory ZAL: normalisation (case, accents, punctuation), the edit
 * distance (transpositions count once, substring and whole forms), the ranks (exact, prefix,
 * substring, fuzzy) and their order, display names, the service filter, and queries that must
 * find nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pgo/providers.h"

static const struct medmij_role gp_roles[] = {{"LABBGZ", "https://gp.test/fhir"}};
static const struct medmij_zal_service gp_services[] = {
    {"48", "https://gp.test/oauth/authorize", "https://gp.test/oauth/token", gp_roles, 1},
    {"51", "https://gp.test/oauth/authorize", "https://gp.test/oauth/token", gp_roles, 1},
};
static const struct medmij_zal_service one_service[] = {
    {"48", "https://h.test/oauth/authorize", "https://h.test/oauth/token", gp_roles, 1},
};

/* Sorted by name, as the list reader keeps them. */
static const struct medmij_provider providers[] = {
    {"apotheekdeeik@medmij", one_service, 1},          {"huisartsdelinde@medmij", gp_services, 2},
    {"huisartsenpraktijkzuid@medmij", one_service, 1}, {"umcnoord@medmij", one_service, 1},
    {"ziekenhuisoost@medmij", gp_services, 2},
};
static const struct medmij_list zal = {.kind = MEDMIJ_ZAL,
                                       .providers = providers,
                                       .n_providers = sizeof providers / sizeof providers[0]};

static size_t search(const char *text, struct pgo_provider_hit *hits, size_t max)
{
    struct pgo_provider_query q = {.text = text, .zal = &zal};
    return pgo_providers_search(&q, hits, max);
}

static const char *first(const char *text)
{
    struct pgo_provider_hit hits[8];
    size_t n = search(text, hits, 8);
    return n > 0 && n != (size_t)-1 ? hits[0].provider->name : NULL;
}

static void normalise_folds_case_accents_and_punctuation(void **state)
{
    char out[64];
    pgo_normalise("  Huisarts-praktijk  'De Linde'! ", out, sizeof out);
    assert_string_equal(out, "huisarts praktijk de linde");
    pgo_normalise("Ziekenhuis Ëde, Café Straße", out, sizeof out);
    assert_string_equal(out, "ziekenhuis ede cafe strasse");
    pgo_normalise("\xc4\xb2sselmonde \xc5\x81\xc3\xb3"
                  "d\xc5\xba",
                  out, sizeof out); /* Ĳ, Ł ó ź */
    assert_string_equal(out, "ijsselmonde lodz");
    /* Bytes that are not UTF-8 separate words; nothing is read past the end. */
    pgo_normalise("ab\xff\xfe"
                  "cd\xc3",
                  out, sizeof out);
    assert_string_equal(out, "ab cd");
    pgo_normalise("...", out, sizeof out);
    assert_string_equal(out, "");
    pgo_normalise(NULL, out, sizeof out);
    assert_string_equal(out, "");
    /* Cut at the capacity, never mid-letter group. */
    pgo_normalise("abcdef", out, 4);
    assert_string_equal(out, "abc");
}

static void osa_counts_a_transposition_once(void **state)
{
    assert_int_equal(pgo_osa_distance("lidne", 5, "linde", 5, 1), 1);
    assert_int_equal(pgo_osa_distance("linde", 5, "linde", 5, 1), 0);
    assert_int_equal(pgo_osa_distance("kitten", 6, "sitting", 7, 1), 3);
    assert_int_equal(pgo_osa_distance("", 0, "abc", 3, 1), 3);
    /* Substring form: the best place in t costs nothing around it. */
    assert_int_equal(pgo_osa_distance("lidne", 5, "huisartsdelinde", 15, 0), 1);
    assert_int_equal(pgo_osa_distance("arts", 4, "huisartsdelinde", 15, 0), 0);
    assert_int_equal(pgo_osa_distance("xyz", 3, "huisartsdelinde", 15, 0), 3);
}

static void fuzzy_limit_grows_with_length(void **state)
{
    assert_int_equal(pgo_fuzzy_limit(3), 0);
    assert_int_equal(pgo_fuzzy_limit(4), 1);
    assert_int_equal(pgo_fuzzy_limit(7), 1);
    assert_int_equal(pgo_fuzzy_limit(8), 2);
}

static void exact_prefix_substring_ranks(void **state)
{
    struct pgo_provider_hit hits[8];
    assert_int_equal(search("Huisarts De Linde", hits, 8), 1);
    assert_string_equal(hits[0].provider->name, "huisartsdelinde@medmij");
    assert_int_equal(hits[0].rank, PGO_MATCH_EXACT);

    /* "huisarts" is a prefix of two; both come before any weaker match, in name order. */
    size_t n = search("huisarts", hits, 8);
    assert_int_equal(n, 2);
    assert_string_equal(hits[0].provider->name, "huisartsdelinde@medmij");
    assert_string_equal(hits[1].provider->name, "huisartsenpraktijkzuid@medmij");
    assert_int_equal(hits[0].rank, PGO_MATCH_PREFIX);
    assert_int_equal(hits[1].rank, PGO_MATCH_PREFIX);

    n = search("linde", hits, 8);
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].rank, PGO_MATCH_SUBSTRING);

    /* Every word somewhere, in any order. */
    n = search("linde huisarts", hits, 8);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].provider->name, "huisartsdelinde@medmij");
    assert_int_equal(hits[0].rank, PGO_MATCH_SUBSTRING);
}

static void typos_are_forgiven(void **state)
{
    struct pgo_provider_hit hits[8];
    size_t n = search("huisarts de lidne", hits, 8);
    assert_int_equal(n, 1);
    assert_string_equal(hits[0].provider->name, "huisartsdelinde@medmij");
    assert_int_equal(hits[0].rank, PGO_MATCH_FUZZY);
    assert_int_equal(hits[0].distance, 1);
    assert_string_equal(first("huisats delinde"), "huisartsdelinde@medmij"); /* a dropped r */
    assert_string_equal(first("ziekenhuis ost"), "ziekenhuisoost@medmij");
    assert_string_equal(first("Ziekenhuys Oost"), "ziekenhuisoost@medmij");
    assert_string_equal(first("APOTHEEK de EIK"), "apotheekdeeik@medmij");
    assert_string_equal(first("apotheek dee ik"), "apotheekdeeik@medmij");
    assert_string_equal(first("umc nord"), "umcnoord@medmij");
    /* Words in another order, one of them misspelt. */
    assert_string_equal(first("lidne huisarts"), "huisartsdelinde@medmij");
}

static void exact_beats_fuzzy(void **state)
{
    struct pgo_provider_hit hits[8];
    /* "ziekenhuisoost" is exact for one; nothing fuzzy may come first. */
    size_t n = search("ziekenhuis oost", hits, 8);
    assert_true(n >= 1);
    assert_string_equal(hits[0].provider->name, "ziekenhuisoost@medmij");
    assert_int_equal(hits[0].rank, PGO_MATCH_EXACT);
    for (size_t i = 1; i < n; i++) assert_true(hits[i].rank >= hits[i - 1].rank);
}

static void unrelated_queries_find_nothing(void **state)
{
    struct pgo_provider_hit hits[8];
    assert_int_equal(search("tandarts", hits, 8), 0);
    assert_int_equal(search("fysiotherapie", hits, 8), 0);
    assert_int_equal(search("xyz", hits, 8), 0);
    /* Short words get no edits: "umd" is not "umc". */
    assert_int_equal(search("umd", hits, 8), 0);
    /* Too many typos for a 5-letter word. */
    assert_int_equal(search("lnidr", hits, 8), 0);
    /* Every word must match. */
    assert_int_equal(search("huisarts tandarts", hits, 8), 0);
    /* "@medmij" is not part of the searchable name. */
    assert_int_equal(search("medmij", hits, 8), 0);
}

static void empty_query_lists_all_and_max_is_respected(void **state)
{
    struct pgo_provider_hit hits[8];
    size_t n = search("", hits, 8);
    assert_int_equal(n, zal.n_providers);
    assert_string_equal(hits[0].provider->name, "apotheekdeeik@medmij");
    assert_string_equal(hits[4].provider->name, "ziekenhuisoost@medmij");
    assert_int_equal(search(" -- ", hits, 2), 2);
    assert_int_equal(search(NULL, hits, 8), zal.n_providers);
    assert_int_equal(search("huisarts", hits, 0), 0);
}

static const char *display(void *ctx, const char *name)
{
    (void)ctx;
    if (!strcmp(name, "umcnoord@medmij")) return "Universitair Medisch Centrum Noord";
    if (!strcmp(name, "huisartsdelinde@medmij")) return "Huisartsenpraktijk De Linde";
    return NULL;
}

static void display_names_are_searched(void **state)
{
    struct pgo_provider_hit hits[8];
    struct pgo_provider_query q = {.text = "universitair", .zal = &zal, .display_name = display};
    assert_int_equal(pgo_providers_search(&q, hits, 8), 1);
    assert_string_equal(hits[0].provider->name, "umcnoord@medmij");
    q.text = "Universitiar Medisch";
    assert_int_equal(pgo_providers_search(&q, hits, 8), 1);
    assert_int_equal(hits[0].rank, PGO_MATCH_FUZZY);
    /* The best of name and display name counts. */
    q.text = "huisartsenpraktijk";
    size_t n = pgo_providers_search(&q, hits, 8);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].rank, PGO_MATCH_PREFIX);
    assert_int_equal(hits[1].rank, PGO_MATCH_PREFIX);
    /* Without the callback the display name is unknown. */
    q.display_name = NULL;
    q.text = "universitair";
    assert_int_equal(pgo_providers_search(&q, hits, 8), 0);
}

static void service_filter(void **state)
{
    struct pgo_provider_hit hits[8];
    struct pgo_provider_query q = {.text = "", .zal = &zal, .service = "51"};
    size_t n = pgo_providers_search(&q, hits, 8);
    assert_int_equal(n, 2);
    assert_string_equal(hits[0].provider->name, "huisartsdelinde@medmij");
    assert_string_equal(hits[1].provider->name, "ziekenhuisoost@medmij");
    q.service = "99";
    assert_int_equal(pgo_providers_search(&q, hits, 8), 0);
    q.zal = NULL;
    assert_int_equal(pgo_providers_search(&q, hits, 8), 0);
}

static void long_queries_are_cut_not_overrun(void **state)
{
    char big[1024];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct pgo_provider_hit hits[8];
    assert_int_equal(search(big, hits, 8), 0);
    char many[512] = "";
    for (int i = 0; i < 40; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof many - len, "w%d ", i);
    }
    assert_int_equal(search(many, hits, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalise_folds_case_accents_and_punctuation),
        cmocka_unit_test(osa_counts_a_transposition_once),
        cmocka_unit_test(fuzzy_limit_grows_with_length),
        cmocka_unit_test(exact_prefix_substring_ranks),
        cmocka_unit_test(typos_are_forgiven),
        cmocka_unit_test(exact_beats_fuzzy),
        cmocka_unit_test(unrelated_queries_find_nothing),
        cmocka_unit_test(empty_query_lists_all_and_max_is_respected),
        cmocka_unit_test(display_names_are_searched),
        cmocka_unit_test(service_filter),
        cmocka_unit_test(long_queries_are_cut_not_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
