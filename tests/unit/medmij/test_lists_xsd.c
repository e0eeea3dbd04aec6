/* regie's own list checks against MedMij's published XSDs (in the shared test data; skipped when it
 * is missing): regie's fixtures and MedMij's examples pass both, and a set of broken lists is
 * refused by both, so the C checks agree with the XSDs where it matters. A configured XSD that is
 * missing is an error, never a silent skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medmij/lists.h"

static char xsd_dir[1024], examples_dir[1024];

static bool have_shared(void)
{
    const char *env = getenv("REGIE_SHARED");
    const char *shared = env && *env ? env : "../shared";
    snprintf(xsd_dir, sizeof xsd_dir, "%s/data/medmij/xsd", shared);
    snprintf(examples_dir, sizeof examples_dir, "%s/data/medmij/examples", shared);
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/MedMij_Whitelist.xsd", xsd_dir);
    return access(probe, R_OK) == 0;
}

#define NEED_SHARED()                                                                              \
    do {                                                                                           \
        if (!have_shared()) {                                                                      \
            print_message("no MedMij XSDs under %s; skipping\n", xsd_dir);                         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* Parses with the C checks alone and with the XSD too; both must give the same answer. */
static void agree(const char *data, size_t len, enum medmij_list_kind kind, bool valid,
                  const char *what)
{
    char err_c[256] = "", err_x[256] = "";
    struct medmij_parse_opts c = {.expect = kind};
    struct medmij_list *lc = medmij_list_parse(data, len, &c, err_c, sizeof err_c);
    int x = medmij_list_xsd_validate(data, len, kind, xsd_dir, err_x, sizeof err_x);
    if (valid && !lc) fail_msg("%s: C checks refuse: %s", what, err_c);
    if (valid && x != 0) fail_msg("%s: XSD refuses: %s", what, err_x);
    if (!valid && lc) fail_msg("%s: C checks accept a list the XSD refuses (%s)", what, err_x);
    if (!valid && x == 0) fail_msg("%s: XSD accepts a list the C checks refuse (%s)", what, err_c);
    if (lc) {
        /* With the XSD configured the reader gives the same list. */
        struct medmij_parse_opts both = {.expect = kind, .xsd_dir = xsd_dir};
        struct medmij_list *lb = medmij_list_parse(data, len, &both, err_x, sizeof err_x);
        if (!lb) fail_msg("%s: refused with the XSD configured: %s", what, err_x);
        assert_int_equal(lb->volgnummer, lc->volgnummer);
        medmij_list_free(lb);
    }
    medmij_list_free(lc);
}

static void test_fixtures_and_examples(void **state)
{
    (void)state;
    NEED_SHARED();
    const char *fixtures[] = {"ZAL.xml", "OCL.xml", "Whitelist.xml", "GNL.xml"};
    const char *examples[] = {"MedMij_Zorgaanbiederslijst_example.xml",
                              "MedMij_OAuthclientlist_example.xml", "MedMij_Whitelist_example.xml",
                              "MedMij_Gegevensdienstnamenlijst_example.xml"};
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        char path[1200];
        size_t len;
        snprintf(path, sizeof path, "tests/fixtures/medmij/%s", fixtures[k]);
        char *data = slurp(path, &len);
        agree(data, len, k, true, path);
        free(data);
        snprintf(path, sizeof path, "%s/%s", examples_dir, examples[k]);
        data = slurp(path, &len);
        agree(data, len, k, true, path);
        free(data);
    }
}

/* Replaces the first `from` in the fixture of `kind` by `to` and checks both refuse it. */
static void broken(enum medmij_list_kind kind, const char *from, const char *to)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/medmij/%s", medmij_list_file_name(kind));
    size_t len;
    char *data = slurp(path, &len);
    char *at = strstr(data, from);
    if (!at) fail_msg("'%s' not in %s", from, path);
    size_t fl = strlen(from), tl = strlen(to);
    char *out = malloc(len - fl + tl + 1);
    assert_non_null(out);
    size_t head = (size_t)(at - data);
    memcpy(out, data, head);
    memcpy(out + head, to, tl);
    memcpy(out + head + tl, at + fl, len - head - fl + 1);
    char what[512];
    snprintf(what, sizeof what, "%s with '%s' -> '%s'", medmij_list_short_name(kind), from, to);
    agree(out, len - fl + tl, kind, false, what);
    free(out);
    free(data);
}

static void test_broken_lists_refused_by_both(void **state)
{
    (void)state;
    NEED_SHARED();
    broken(MEDMIJ_ZAL, "<Volgnummer>5", "<Volgnummer>0");
    broken(MEDMIJ_ZAL, "<Volgnummer>5", "<Volgnummer>five");
    broken(MEDMIJ_ZAL, "12:00:00+01:00", "12:00:00"); /* 19 characters: under .{20,} */
    broken(MEDMIJ_ZAL, "huisartsdelinde@medmij", "huisarts-delinde@medmij");
    broken(MEDMIJ_ZAL, "https://dva.delinde.test/oauth/authorize",
           "https://dva.delinde.test:443/oauth/authorize");
    broken(MEDMIJ_ZAL, "https://dva.delinde.test/oauth/authorize",
           "https://dva.delinde.test/oauth/authorize?x=1");
    broken(MEDMIJ_ZAL, "https://dva.delinde.test:8443/oauth/token", "http://dva.delinde.test");
    broken(MEDMIJ_ZAL, "<GegevensdienstId>51", "<GegevensdienstId>48"); /* duplicate id */
    broken(MEDMIJ_ZAL, "MM-2.0-PDS-FHIR", "MM-2.0-PDF-FHIR");           /* duplicate role */
    broken(MEDMIJ_ZAL, "<Systeemrolcode>MM-2.0-PDF-FHIR</Systeemrolcode>", "");
    broken(MEDMIJ_ZAL, "<Zorgaanbieders>", "<Zorgaanbieders><Extra/>");
    broken(MEDMIJ_OCL, "app.mijngezondheid.test", "pgo.example.test"); /* duplicate host */
    broken(MEDMIJ_OCL, "app.mijngezondheid.test", "App.mijngezondheid.test");
    broken(MEDMIJ_OCL, "Voorbeeld PGO", "VP");
    broken(MEDMIJ_OCL, "Voorbeeld PGO", "Voorbeeld PGO met een naam die langer is dan vijftig");
    broken(MEDMIJ_WHITELIST, "extra.node.test", "extra_node.test");
    broken(MEDMIJ_WHITELIST, "extra.node.test", "localhost");
    broken(MEDMIJ_WHITELIST, "<Volgnummer>5</Volgnummer>", "");
    broken(MEDMIJ_GNL, "<GegevensdienstId>51</GegevensdienstId>",
           "<GegevensdienstId></GegevensdienstId>");
    broken(MEDMIJ_GNL, "Documenten", "Do");
    broken(MEDMIJ_GNL, "<Weergavenaam>Documenten</Weergavenaam>", "");
}

static void test_configured_xsd_missing_is_an_error(void **state)
{
    (void)state;
    char err[256];
    const char *doc = "<Whitelist xmlns=\"xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/\">"
                      "<Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel><Volgnummer>1</Volgnummer>"
                      "<MedMijNodes/></Whitelist>";
    struct medmij_parse_opts o = {.expect = MEDMIJ_WHITELIST, .xsd_dir = "/nonexistent/xsd"};
    assert_null(medmij_list_parse(doc, strlen(doc), &o, err, sizeof err));
    assert_non_null(strstr(err, "cannot be read"));
    assert_int_equal(
        medmij_list_xsd_validate(doc, strlen(doc), MEDMIJ_WHITELIST, "/nonexistent", err, 256), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_and_examples),
        cmocka_unit_test(test_broken_lists_refused_by_both),
        cmocka_unit_test(test_configured_xsd_missing_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
