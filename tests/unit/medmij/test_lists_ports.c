/* The development relaxation allow_ports (a one-machine demo network needs a port in the
 * front-channel AuthorizationEndpointuri, which MedMij forbids): off by default in reader and
 * writer; on, a port is taken there and nothing else is relaxed (query, fragment, http, and the
 * other checks still refuse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "medmij/lists.h"

static void zal_doc(char *out, size_t n, const char *auth)
{
    snprintf(out, n,
             "<Zorgaanbiederslijst xmlns=\"xmlns://afsprakenstelsel.medmij.nl/"
             "zorgaanbiederslijst/release2/\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel>"
             "<Volgnummer>1</Volgnummer><Zorgaanbieders><Zorgaanbieder><Zorgaanbiedernaam>"
             "huisartsdelinde@medmij</Zorgaanbiedernaam><Gegevensdiensten><Gegevensdienst>"
             "<GegevensdienstId>48</GegevensdienstId><AuthorizationEndpoint>"
             "<AuthorizationEndpointuri>%s</AuthorizationEndpointuri></AuthorizationEndpoint>"
             "<TokenEndpoint><TokenEndpointuri>https://gp.localhost:8441/oauth/token"
             "</TokenEndpointuri></TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>"
             "FHIR-R4</Systeemrolcode><ResourceEndpoint><ResourceEndpointuri>"
             "https://gp.localhost:8441/fhir</ResourceEndpointuri></ResourceEndpoint>"
             "</Systeemrol></Systeemrollen></Gegevensdienst></Gegevensdiensten></Zorgaanbieder>"
             "</Zorgaanbieders></Zorgaanbiederslijst>",
             auth);
}

static struct medmij_list *parse(const char *doc, bool allow_ports, char *err, size_t err_len)
{
    struct medmij_parse_opts o = {.expect = MEDMIJ_ZAL, .allow_ports = allow_ports};
    return medmij_list_parse(doc, strlen(doc), &o, err, err_len);
}

static void test_reader(void **state)
{
    (void)state;
    char doc[4096], err[256];
    zal_doc(doc, sizeof doc, "https://gp.localhost:8441/oauth/authorize");
    assert_null(parse(doc, false, err, sizeof err));
    assert_non_null(strstr(err, "AuthorizationEndpointuri"));
    struct medmij_list *l = parse(doc, true, err, sizeof err);
    assert_non_null(l);
    const struct medmij_provider *p = medmij_zal_provider(l, "huisartsdelinde@medmij");
    assert_non_null(p);
    assert_string_equal(medmij_zal_service(p, "48")->authorization_endpoint,
                        "https://gp.localhost:8441/oauth/authorize");
    medmij_list_free(l);
    /* Only the port is relaxed. */
    static const char *const still_refused[] = {
        "https://gp.localhost:8441/oauth/authorize?x=1", "https://gp.localhost:8441/oauth#f",
        "http://gp.localhost:8441/oauth/authorize", "https://gp.localhost:123456/oauth",
        "https://gp.localhost:/oauth"};
    for (size_t i = 0; i < sizeof still_refused / sizeof *still_refused; i++) {
        zal_doc(doc, sizeof doc, still_refused[i]);
        if (parse(doc, true, err, sizeof err)) fail_msg("accepted %s", still_refused[i]);
    }
}

static void test_writer(void **state)
{
    (void)state;
    struct medmij_role role = {"FHIR-R4", "https://gp.localhost:8441/fhir"};
    struct medmij_zal_service svc = {"48", "https://gp.localhost:8441/oauth/authorize",
                                     "https://gp.localhost:8441/oauth/token", &role, 1};
    struct medmij_provider prov = {"huisartsdelinde@medmij", &svc, 1};
    struct medmij_list l = {.kind = MEDMIJ_ZAL,
                            .volgnummer = 1,
                            .tijdstempel = "2026-11-30T12:00:00Z",
                            .providers = &prov,
                            .n_providers = 1};
    struct buf out;
    char err[256];
    buf_init(&out, 1 << 20);
    assert_int_equal(medmij_list_write(&l, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "no port"));
    buf_free(&out);
    buf_init(&out, 1 << 20);
    assert_int_equal(medmij_list_write_opts(&l, true, &out, err, sizeof err), 0);
    assert_non_null(strstr(out.data, "https://gp.localhost:8441/oauth/authorize"));
    /* What it wrote reads back with the relaxation, and not without it. */
    assert_null(parse(out.data, false, err, sizeof err));
    struct medmij_list *back = parse(out.data, true, err, sizeof err);
    assert_non_null(back);
    medmij_list_free(back);
    buf_free(&out);
}

/* The holder takes the relaxation from its config. */
static void test_holder(void **state)
{
    (void)state;
    char doc[4096], err[256];
    zal_doc(doc, sizeof doc, "https://gp.localhost:8441/oauth/authorize");
    struct medmij_lists_config strict = {0}, dev = {.allow_ports = true};
    struct medmij_lists *h = medmij_lists_new(&strict);
    assert_non_null(h);
    assert_int_equal(medmij_lists_offer(h, MEDMIJ_ZAL, doc, strlen(doc), err, sizeof err),
                     MEDMIJ_OFFER_INVALID);
    medmij_lists_free(h);
    h = medmij_lists_new(&dev);
    assert_non_null(h);
    assert_int_equal(medmij_lists_offer(h, MEDMIJ_ZAL, doc, strlen(doc), err, sizeof err),
                     MEDMIJ_OFFER_SWAPPED);
    medmij_lists_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_holder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
