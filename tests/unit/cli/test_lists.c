/* `regie lists`: the four lists from tests/fixtures/medmij/network.json, read back by the list
 * reader (and validated against MedMij's XSDs when the shared data is present), Volgnummer one
 * higher on each run, lower refused, and descriptions that are refused without writing anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "medmij/lists.h"

#define NETWORK "tests/fixtures/medmij/network.json"

static int run(const char *desc, const char *dir)
{
    char *argv[] = {"lists", "--description", (char *)desc, "--out", (char *)dir, NULL};
    return cli_lists(5, argv);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* Reads DIR/<kind's file>, optionally against the XSDs too. */
static struct medmij_list *read_list(const char *dir, enum medmij_list_kind kind,
                                     const char *xsd_dir)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(kind));
    size_t len;
    char *data = slurp(path, &len);
    if (!data) return NULL;
    struct medmij_parse_opts o = {.expect = kind, .xsd_dir = xsd_dir};
    struct medmij_list *l = medmij_list_parse(data, len, &o, err, sizeof err);
    free(data);
    if (!l) fail_msg("%s refused: %s", path, err);
    return l;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void clean(const char *dir)
{
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(k));
        unlink(path);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/desc.json", dir);
    unlink(path);
    rmdir(dir);
}

static void test_writes_four_lists(void **state)
{
    (void)state;
    char dir[] = "/tmp/regie-cli-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(run(NETWORK, dir), 0);
    struct medmij_list *zal = read_list(dir, MEDMIJ_ZAL, NULL);
    assert_non_null(zal);
    assert_int_equal(zal->volgnummer, 5); /* network.json sets it */
    assert_non_null(medmij_zal_provider(zal, "ziekenhuisoost@medmij"));
    medmij_list_free(zal);
    /* Rerun: the fixed Volgnummer is not higher than the lists in dir. */
    assert_int_equal(run(NETWORK, dir), 1);
    /* Without "volgnummer" each run raises it by one. */
    char desc[512];
    snprintf(desc, sizeof desc, "%s/desc.json", dir);
    write_text(desc, "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"Basisgegevens Zorg\"}],"
                     "\"zorgaanbieders\":[{\"name\":\"huisartsdelinde\",\"hostname\":\"dva.test\","
                     "\"gegevensdiensten\":[\"48\"]}],"
                     "\"pgos\":[{\"hostname\":\"pgo.test\",\"name\":\"Test PGO\"}]}");
    assert_int_equal(run(desc, dir), 0);
    assert_int_equal(run(desc, dir), 0);
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        struct medmij_list *l = read_list(dir, k, NULL);
        assert_int_equal(l->volgnummer, 7);
        medmij_list_free(l);
    }
    struct medmij_list *wl = read_list(dir, MEDMIJ_WHITELIST, NULL);
    assert_true(medmij_whitelist_has(wl, "dva.test"));
    assert_true(medmij_whitelist_has(wl, "pgo.test"));
    assert_int_equal(wl->n_nodes, 2);
    medmij_list_free(wl);
    clean(dir);
}

static void test_output_valid_against_xsd(void **state)
{
    (void)state;
    const char *env = getenv("REGIE_SHARED");
    char xsd[1024], probe[1100];
    snprintf(xsd, sizeof xsd, "%s/data/medmij/xsd", env && *env ? env : "../shared");
    snprintf(probe, sizeof probe, "%s/MedMij_Zorgaanbiederslijst.xsd", xsd);
    if (access(probe, R_OK) != 0) {
        print_message("no MedMij XSDs under %s; skipping\n", xsd);
        skip();
    }
    char dir[] = "/tmp/regie-cli-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    /* --xsd-dir validates while writing; a directory without the XSDs is an error. */
    char *argv_bad[] = {"lists", "--description", NETWORK,        "--out",
                        dir,     "--xsd-dir",     "/nonexistent", NULL};
    assert_int_equal(cli_lists(7, argv_bad), 1);
    char *argv[] = {"lists", "--description", NETWORK, "--out", dir, "--xsd-dir", xsd, NULL};
    assert_int_equal(cli_lists(7, argv), 0);
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        struct medmij_list *l = read_list(dir, k, xsd);
        assert_non_null(l);
        medmij_list_free(l);
    }
    clean(dir);
}

/* Each description is refused (exit 1) and nothing is written. */
static void test_bad_descriptions(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "not json",
        "[]",
        "{\"zorgaanbieders\":[],\"pgos\":[]}", /* no gegevensdiensten */
        "{\"gegevensdiensten\":[],\"zorgaanbieders\":[],\"pgos\":[],\"typo\":1}",
        /* a provider offering a service the GNL does not name */
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"BgZ\"}],\"zorgaanbieders\":[{\"name\":"
        "\"huisartsdelinde\",\"hostname\":\"dva.test\",\"gegevensdiensten\":[\"51\"]}],"
        "\"pgos\":[]}",
        /* a bad host name */
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"BgZ\"}],\"zorgaanbieders\":[{\"name\":"
        "\"huisartsdelinde\",\"hostname\":\"DVA\",\"gegevensdiensten\":[\"48\"]}],\"pgos\":[]}",
        "{\"gegevensdiensten\":[],\"zorgaanbieders\":[],\"pgos\":[{\"hostname\":\"pgo_1.test\","
        "\"name\":\"PGO\"}]}",
        /* a bad provider name, port, front-channel URL with a port */
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"BgZ\"}],\"zorgaanbieders\":[{\"name\":"
        "\"Huisarts\",\"hostname\":\"dva.test\",\"gegevensdiensten\":[\"48\"]}],\"pgos\":[]}",
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"BgZ\"}],\"zorgaanbieders\":[{\"name\":"
        "\"huisartsdelinde\",\"hostname\":\"dva.test\",\"port\":70000,\"gegevensdiensten\":"
        "[\"48\"]}],\"pgos\":[]}",
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"BgZ\"}],\"zorgaanbieders\":[{\"name\":"
        "\"huisartsdelinde\",\"hostname\":\"dva.test\",\"gegevensdiensten\":[{\"id\":\"48\","
        "\"authorization_endpoint\":\"https://dva.test:8443/authorize\"}]}],\"pgos\":[]}",
        /* duplicate PGO, a GNL name too short, a timestamp without zone, volgnummer 0 */
        "{\"gegevensdiensten\":[],\"zorgaanbieders\":[],\"pgos\":[{\"hostname\":\"p.test\","
        "\"name\":\"PGO\"},{\"hostname\":\"p.test\",\"name\":\"PGO 2\"}]}",
        "{\"gegevensdiensten\":[{\"id\":\"48\",\"name\":\"B\"}],\"zorgaanbieders\":[],\"pgos\":[]}",
        "{\"tijdstempel\":\"2026-11-30T12:00:00\",\"gegevensdiensten\":[],\"zorgaanbieders\":[],"
        "\"pgos\":[]}",
        "{\"volgnummer\":0,\"gegevensdiensten\":[],\"zorgaanbieders\":[],\"pgos\":[]}",
    };
    char dir[] = "/tmp/regie-cli-lists-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char desc[512];
    snprintf(desc, sizeof desc, "%s/desc.json", dir);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(desc, bad[i]);
        if (run(desc, dir) != 1) fail_msg("accepted: %s", bad[i]);
        for (int k = 0; k < MEDMIJ_LIST_KINDS; k++)
            if (read_list(dir, k, NULL)) fail_msg("wrote a list for: %s", bad[i]);
    }
    /* An empty network is fine: four valid lists with no entries. */
    write_text(desc, "{\"gegevensdiensten\":[],\"zorgaanbieders\":[],\"pgos\":[]}");
    assert_int_equal(run(desc, dir), 0);
    /* A list in DIR that regie would refuse is not overwritten. */
    char path[512];
    snprintf(path, sizeof path, "%s/OCL.xml", dir);
    write_text(path, "<garbage/>");
    assert_int_equal(run(desc, dir), 1);
    clean(dir);
}

static void test_check(void **state)
{
    (void)state;
    char *good[] = {"lists", "--check", "tests/fixtures/medmij/ZAL.xml",
                    "tests/fixtures/medmij/OCL.xml", NULL};
    assert_int_equal(cli_lists(4, good), 0);
    char *bad[] = {"lists", "--check", "tests/fixtures/medmij/GNL.xml",
                   "tests/fixtures/medmij/network.json", NULL};
    assert_int_equal(cli_lists(4, bad), 1);
    char *http[] = {"lists", "--check", "http://127.0.0.1:1/ZAL.xml", NULL};
    assert_int_equal(cli_lists(3, http), 1);
    char *mixed[] = {"lists", "--check", "tests/fixtures/medmij/ZAL.xml", "--out", "/tmp", NULL};
    assert_int_equal(cli_lists(5, mixed), 2);
}

static void test_usage(void **state)
{
    (void)state;
    char *help[] = {"lists", "--help", NULL};
    assert_int_equal(cli_lists(2, help), 0);
    char *none[] = {"lists", NULL};
    assert_int_equal(cli_lists(1, none), 2);
    char *odd[] = {"lists", "--frobnicate", NULL};
    assert_int_equal(cli_lists(2, odd), 2);
    char *no_dir[] = {"lists", "--description", NETWORK, "--out", "/nonexistent/dir", NULL};
    assert_int_equal(cli_lists(5, no_dir), 1);
    char *no_desc[] = {"lists", "--description", "/nonexistent.json", "--out", "/tmp", NULL};
    assert_int_equal(cli_lists(5, no_desc), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_four_lists),
        cmocka_unit_test(test_output_valid_against_xsd),
        cmocka_unit_test(test_bad_descriptions),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
