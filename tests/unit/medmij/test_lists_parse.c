/* The list reader on regie's own fixtures (tests/fixtures/medmij/, written by `regie lists` from
 * network.json), the format checks, the writer's round trip, and every way a list is refused:
 * malformed XML, DOCTYPE/entity tricks, wrong root or namespace, missing, misplaced or unknown
 * elements, bad values, duplicates, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "medmij/lists.h"

#define FIXTURES "tests/fixtures/medmij"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (tests run from the project root)", path);
    char *b = malloc(1 << 20);
    assert_non_null(b);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

static struct medmij_list *parse_fixture(const char *name, enum medmij_list_kind kind)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
    size_t len;
    char *data = slurp(path, &len);
    char err[256];
    struct medmij_parse_opts o = {.expect = kind};
    struct medmij_list *l = medmij_list_parse(data, len, &o, err, sizeof err);
    free(data);
    if (!l) fail_msg("%s refused: %s", name, err);
    return l;
}

static void test_zal(void **state)
{
    (void)state;
    struct medmij_list *l = parse_fixture("ZAL.xml", MEDMIJ_ZAL);
    assert_int_equal(l->kind, MEDMIJ_ZAL);
    assert_int_equal(l->volgnummer, 5);
    assert_string_equal(l->tijdstempel, "2026-11-30T12:00:00+01:00");
    assert_int_equal(l->tijdstempel_us, 1796036400LL * 1000000); /* 11:00Z */
    assert_int_equal(l->n_providers, 2);
    const struct medmij_provider *p = medmij_zal_provider(l, "huisartsdelinde@medmij");
    assert_non_null(p);
    assert_int_equal(p->n_services, 2);
    const struct medmij_zal_service *s = medmij_zal_service(p, "51");
    assert_non_null(s);
    assert_string_equal(s->authorization_endpoint, "https://dva.delinde.test/oauth/authorize");
    assert_string_equal(s->token_endpoint, "https://dva.delinde.test:8443/oauth/token");
    assert_int_equal(s->n_roles, 2);
    assert_string_equal(s->roles[0].code, "MM-2.0-PDF-FHIR");
    assert_string_equal(s->roles[1].resource_endpoint, "https://dva.delinde.test:8443/fhir");
    assert_null(medmij_zal_service(p, "4"));
    p = medmij_zal_provider(l, "ziekenhuisoost@medmij");
    assert_non_null(p);
    s = medmij_zal_service(p, "4");
    assert_non_null(s);
    assert_string_equal(s->token_endpoint, "https://auth.oost.test:9443/token");
    assert_string_equal(s->roles[0].resource_endpoint, "https://fhir.oost.test/r4");
    assert_null(medmij_zal_provider(l, "huisartsdelinde"));
    assert_null(medmij_ocl_client(l, "pgo.example.test")); /* wrong kind: no answer */
    medmij_list_free(l);
}

static void test_ocl_whitelist_gnl(void **state)
{
    (void)state;
    struct medmij_list *l = parse_fixture("OCL.xml", MEDMIJ_OCL);
    assert_int_equal(l->n_clients, 2);
    const struct medmij_client *c = medmij_ocl_client(l, "app.mijngezondheid.test");
    assert_non_null(c);
    assert_string_equal(c->organisation, "Mijn Gezondheid & Zo");
    assert_null(medmij_ocl_client(l, "evil.example.test"));
    medmij_list_free(l);

    l = parse_fixture("Whitelist.xml", MEDMIJ_WHITELIST);
    /* Back-channel hosts and PGOs; dva.oost.test serves only the front channel (its token and
     * resource endpoints are elsewhere), so it is not on the Whitelist. */
    assert_int_equal(l->n_nodes, 6);
    const char *on[] = {"dva.delinde.test", "auth.oost.test",          "fhir.oost.test",
                        "pgo.example.test", "app.mijngezondheid.test", "extra.node.test"};
    for (size_t i = 0; i < 6; i++) assert_true(medmij_whitelist_has(l, on[i]));
    assert_false(medmij_whitelist_has(l, "dva.oost.test"));
    assert_false(medmij_whitelist_has(l, "dva.delinde"));
    assert_false(medmij_whitelist_has(l, ""));
    medmij_list_free(l);

    l = parse_fixture("GNL.xml", MEDMIJ_GNL);
    assert_int_equal(l->n_service_names, 3);
    assert_string_equal(medmij_gnl_name(l, "48"), "Basisgegevens Zorg");
    assert_string_equal(medmij_gnl_name(l, "4"), "Laboratoriumresultaten");
    assert_null(medmij_gnl_name(l, "49"));
    medmij_list_free(l);
}

static void test_formats(void **state)
{
    (void)state;
    assert_true(medmij_valid_hostname("a.bc"));
    assert_true(medmij_valid_hostname("pgo-1.example.test"));
    assert_true(medmij_valid_hostname("78834.umcharderwijk.nl"));
    assert_false(medmij_valid_hostname("localhost"));      /* one label */
    assert_false(medmij_valid_hostname("Pgo.example.nl")); /* upper case */
    assert_false(medmij_valid_hostname("pgo.example.n"));  /* last label of one character */
    assert_false(medmij_valid_hostname("pgo.example-"));
    assert_false(medmij_valid_hostname("-pgo.example.nl"));
    assert_false(medmij_valid_hostname("pgo..example.nl"));
    assert_false(medmij_valid_hostname("pgo.example.nl."));
    assert_false(medmij_valid_hostname("pgo_1.example.nl"));
    assert_false(medmij_valid_hostname(" pgo.example.nl"));
    assert_false(medmij_valid_hostname(""));
    assert_false(medmij_valid_hostname(NULL));
    char longhost[300];
    memset(longhost, 'a', sizeof longhost);
    longhost[100] = '.';
    longhost[299] = '\0';
    assert_false(medmij_valid_hostname(longhost));

    assert_true(medmij_valid_provider_name("umcharderwijk@medmij"));
    assert_true(medmij_valid_provider_name("abc@medmij")); /* 10 characters at least */
    assert_false(medmij_valid_provider_name("ab@medmij"));
    assert_false(medmij_valid_provider_name("Huisarts@medmij")); /* a-z only */
    assert_false(medmij_valid_provider_name("huisarts1@medmij"));
    assert_false(medmij_valid_provider_name("huisartsdelinde"));
    assert_false(medmij_valid_provider_name("huisartsdelinde@medmij.nl"));

    assert_true(medmij_valid_frontchannel_uri("https://dva.test/oauth/authorize"));
    assert_true(medmij_valid_frontchannel_uri("https://dva.test"));
    assert_false(medmij_valid_frontchannel_uri("https://dva.test:8443/oauth/authorize"));
    assert_false(medmij_valid_frontchannel_uri("https://dva.test/oauth?x=1"));
    assert_false(medmij_valid_frontchannel_uri("https://dva.test/oauth#frag"));
    assert_false(medmij_valid_frontchannel_uri("https://dva.test/oauth/"));
    assert_false(medmij_valid_frontchannel_uri("https://dva.test//oauth"));
    assert_false(medmij_valid_frontchannel_uri("http://dva.test/oauth"));
    assert_false(medmij_valid_frontchannel_uri("https://user@dva.test/oauth"));
    assert_true(medmij_valid_backchannel_uri("https://dva.test:8443/oauth/token"));
    assert_true(medmij_valid_backchannel_uri("https://dva.test/fhir"));
    assert_false(medmij_valid_backchannel_uri("https://dva.test:/fhir"));
    assert_false(medmij_valid_backchannel_uri("https://dva.test:123456/fhir"));
    assert_false(medmij_valid_backchannel_uri("https://dva.test:8443/fhir?_format=json"));
    assert_false(medmij_valid_backchannel_uri("https://DVA.test/fhir"));

    assert_true(medmij_valid_text("abc", 3, 50));
    assert_false(medmij_valid_text("ab", 3, 50));
    /* Lengths count characters, not bytes: 50 two-byte characters fit, 51 do not. */
    char e50[128] = "", e51[128] = "";
    for (int i = 0; i < 50; i++) memcpy(e50 + 2 * i, "\xc3\xa9", 2);
    memcpy(e51, e50, 100);
    memcpy(e51 + 100, "\xc3\xa9", 2);
    assert_true(medmij_valid_text(e50, 3, 50));
    assert_false(medmij_valid_text(e51, 3, 50));
}

/* ---- refusals ---- */

#define WL_NS "xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/"
#define WL_HEAD                                                                                    \
    "<Whitelist xmlns=\"" WL_NS "\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel>"               \
    "<Volgnummer>3</Volgnummer>"
#define WL_NODE(h) "<MedMijNode><Hostname>" h "</Hostname></MedMijNode>"

static struct medmij_list *try_parse(const char *doc, enum medmij_list_kind kind, bool unknown,
                                     char *err, size_t err_len)
{
    struct medmij_parse_opts o = {.expect = kind, .allow_unknown_elements = unknown};
    return medmij_list_parse(doc, strlen(doc), &o, err, err_len);
}

static void refused(const char *doc, const char *reason)
{
    char err[256] = "";
    struct medmij_list *l = try_parse(doc, MEDMIJ_LIST_ANY, false, err, sizeof err);
    if (l) fail_msg("accepted: %s", doc);
    if (!strstr(err, reason)) fail_msg("reason '%s' lacks '%s' for: %s", err, reason, doc);
}

static void accepted(const char *doc, bool unknown)
{
    char err[256] = "";
    struct medmij_list *l = try_parse(doc, MEDMIJ_LIST_ANY, unknown, err, sizeof err);
    if (!l) fail_msg("refused (%s): %s", err, doc);
    medmij_list_free(l);
}

static void test_malformed(void **state)
{
    (void)state;
    refused("", "empty");
    refused("<Whitelist", "not well-formed");
    refused("not xml at all", "not well-formed");
    refused(WL_HEAD "<MedMijNodes></MedMijNodes>", "not well-formed"); /* unclosed root */
    refused(WL_HEAD "<MedMijNodes>&nbsp;</MedMijNodes></Whitelist>", "not well-formed");
    refused(WL_HEAD "<MedMijNodes/></Whitelist><Whitelist/>", "not well-formed");
    char with_nul[] = "<Whitelist>\0</Whitelist>";
    char err[128];
    struct medmij_parse_opts o = {.expect = MEDMIJ_LIST_ANY};
    assert_null(medmij_list_parse(with_nul, sizeof with_nul - 1, &o, err, sizeof err));
    assert_non_null(strstr(err, "NUL"));
    /* UTF-16 is refused (it could hide a DOCTYPE from the byte scan). */
    const char utf16[] = "\xff\xfe<\0W\0/\0>\0";
    assert_null(medmij_list_parse(utf16, sizeof utf16 - 1, &o, err, sizeof err));
}

static void test_entities_refused_fast(void **state)
{
    (void)state;
    /* Billion laughs: refused before any expansion, so it is instant. */
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>" WL_HEAD
        "<MedMijNodes>" WL_NODE("&lol9;.test") "</MedMijNodes></Whitelist>";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    refused(laughs, "DOCTYPE");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 2);
    /* External entity (XXE). */
    refused("<!DOCTYPE w [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" WL_HEAD
            "<MedMijNodes>" WL_NODE("&x;") "</MedMijNodes></Whitelist>",
            "DOCTYPE");
    /* External DTD. */
    refused("<!DOCTYPE Whitelist SYSTEM \"http://127.0.0.1:1/x.dtd\">" WL_HEAD
            "<MedMijNodes/></Whitelist>",
            "DOCTYPE");
    /* Without a DTD an entity reference is simply not well-formed. */
    refused(WL_HEAD "<MedMijNodes>" WL_NODE("&x;") "</MedMijNodes></Whitelist>", "not well-formed");
    /* XInclude is not processed: the element is unknown. */
    refused(WL_HEAD "<MedMijNodes><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
                    "href=\"/etc/passwd\"/></MedMijNodes></Whitelist>",
            "unexpected element");
}

static void test_structure(void **state)
{
    (void)state;
    accepted(WL_HEAD "<MedMijNodes/></Whitelist>", false);
    accepted("<?xml version=\"1.0\"?>\n<!-- a comment -->" WL_HEAD
             "<!-- x --><MedMijNodes>\n  " WL_NODE("a.test") "</MedMijNodes></Whitelist>",
             false);
    accepted("<w:Whitelist xmlns:w=\"" WL_NS "\" xmlns:xsi=\"http://www.w3.org/2001/"
             "XMLSchema-instance\" xsi:schemaLocation=\"x y\"><w:Tijdstempel>2026-11-30T12:00:"
             "00.5Z</w:Tijdstempel><w:Volgnummer> +0003 </w:Volgnummer><w:MedMijNodes/>"
             "</w:Whitelist>",
             false);
    /* After the root: comments are fine, anything else is not. */
    accepted(WL_HEAD "<MedMijNodes/></Whitelist>\n<!-- signed -->\n", false);
    refused(WL_HEAD "<MedMijNodes/></Whitelist>junk", "not well-formed");
    refused(WL_HEAD "<MedMijNodes/></Whitelist><Whitelist/>", "not well-formed");
    /* An error late in a long list is found (the reader streams). */
    refused(WL_HEAD "<MedMijNodes>" WL_NODE("a.test") WL_NODE("b.test")
                WL_NODE("c.test") "<MedMijNode><Hostname>d.test</Hostname></MedMijNod></"
                                  "MedMijNodes></Whitelist>",
            "not well-formed");
    refused("<Foo xmlns=\"" WL_NS "\"/>", "not a MedMij list");
    refused("<Whitelist xmlns=\"xmlns://afsprakenstelsel.medmij.nl/whitelist/release1/\"/>",
            "namespace");
    refused("<Whitelist/>", "namespace");
    refused("<Whitelist xmlns=\"" WL_NS "\"><Volgnummer>3</Volgnummer><MedMijNodes/></Whitelist>",
            "expected <Tijdstempel>");
    refused("<Whitelist xmlns=\"" WL_NS "\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel>"
            "<MedMijNodes/></Whitelist>",
            "expected <Volgnummer>");
    refused(WL_HEAD "</Whitelist>", "lacks <MedMijNodes>");
    refused(WL_HEAD "<MedMijNodes/><MedMijNodes/></Whitelist>", "unexpected <MedMijNodes>");
    refused(WL_HEAD "<MedMijNodes><MedMijNode/></MedMijNodes></Whitelist>", "lacks <Hostname>");
    refused(WL_HEAD "<MedMijNodes><MedMijNode><Hostname>a.test</Hostname><Hostname>b.test"
                    "</Hostname></MedMijNode></MedMijNodes></Whitelist>",
            "unexpected <Hostname>");
    refused(WL_HEAD "<MedMijNodes>" WL_NODE("a.test") "x</MedMijNodes></Whitelist>",
            "unexpected content");
    refused(WL_HEAD "<MedMijNodes><MedMijNode><Hostname>a<b/>.test</Hostname></MedMijNode>"
                    "</MedMijNodes></Whitelist>",
            "text only");
    refused(WL_HEAD "<MedMijNodes id=\"1\"/></Whitelist>", "unexpected attribute");
    /* Unknown elements: refused by default, skipped behind the version switch. */
    const char *extra = WL_HEAD "<Interfaceversie>2</Interfaceversie><MedMijNodes>"
                                "<MedMijNode><Hostname>a.test</Hostname><Type>DVA</Type>"
                                "</MedMijNode></MedMijNodes></Whitelist>";
    refused(extra, "unexpected element <Interfaceversie>");
    accepted(extra, true);
    /* The expected kind must match. */
    char err[128];
    const char *wl = WL_HEAD "<MedMijNodes/></Whitelist>";
    assert_null(try_parse(wl, MEDMIJ_OCL, false, err, sizeof err));
    assert_non_null(strstr(err, "expected a OAuthclientlist"));
}

static void test_values(void **state)
{
    (void)state;
    const char *bad_numbers[] = {"0", "-1", "abc", "1.0", "", "18446744073709551616", "1 2"};
    for (size_t i = 0; i < sizeof bad_numbers / sizeof *bad_numbers; i++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "<Whitelist xmlns=\"" WL_NS "\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel>"
                 "<Volgnummer>%s</Volgnummer><MedMijNodes/></Whitelist>",
                 bad_numbers[i]);
        refused(doc, "Volgnummer");
    }
    const char *bad_times[] = {"2026-11-30T12:00:00",  "2026-11-30", "2026-02-30T12:00:00Z",
                               "2026-11-30T25:00:00Z", "yesterday",  "2026-11-30 12:00:00Z"};
    for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "<Whitelist xmlns=\"" WL_NS "\"><Tijdstempel>%s</Tijdstempel>"
                 "<Volgnummer>1</Volgnummer><MedMijNodes/></Whitelist>",
                 bad_times[i]);
        refused(doc, "Tijdstempel");
    }
    refused(WL_HEAD "<MedMijNodes>" WL_NODE("Upper.test") "</MedMijNodes></Whitelist>",
            "not a host name");
    refused(WL_HEAD "<MedMijNodes>" WL_NODE(" a.test") "</MedMijNodes></Whitelist>",
            "not a host name");
    refused(WL_HEAD "<MedMijNodes>" WL_NODE("a.test") WL_NODE("b.test")
                WL_NODE("a.test") "</MedMijNodes></Whitelist>",
            "'a.test' appears twice");
    const char *ocl_head = "<OAuthclientlist xmlns=\"xmlns://afsprakenstelsel.medmij.nl/"
                           "oauthclientlist/release2/\"><Tijdstempel>2026-11-30T12:00:00Z"
                           "</Tijdstempel><Volgnummer>1</Volgnummer><OAuthclients>";
    char doc[1024];
    snprintf(doc, sizeof doc,
             "%s<OAuthclient><Hostname>pgo.test</Hostname><OAuthclientOrganisatienaam>P"
             "</OAuthclientOrganisatienaam></OAuthclient></OAuthclients></OAuthclientlist>",
             ocl_head);
    refused(doc, "3 to 50 characters");
    snprintf(doc, sizeof doc,
             "%s<OAuthclient><OAuthclientOrganisatienaam>PGO</OAuthclientOrganisatienaam>"
             "<Hostname>pgo.test</Hostname></OAuthclient></OAuthclients></OAuthclientlist>",
             ocl_head);
    refused(doc, "expected <Hostname>");
}

/* A ZAL of one provider with one service; pieces replaceable to make it wrong. */
static void zal_doc(char *out, size_t n, const char *name, const char *auth, const char *token,
                    const char *roles)
{
    snprintf(out, n,
             "<Zorgaanbiederslijst xmlns=\"xmlns://afsprakenstelsel.medmij.nl/"
             "zorgaanbiederslijst/release2/\"><Tijdstempel>2026-11-30T12:00:00Z</Tijdstempel>"
             "<Volgnummer>9</Volgnummer><Zorgaanbieders><Zorgaanbieder><Zorgaanbiedernaam>%s"
             "</Zorgaanbiedernaam><Gegevensdiensten><Gegevensdienst><GegevensdienstId>48"
             "</GegevensdienstId><AuthorizationEndpoint><AuthorizationEndpointuri>%s"
             "</AuthorizationEndpointuri></AuthorizationEndpoint><TokenEndpoint>"
             "<TokenEndpointuri>%s</TokenEndpointuri></TokenEndpoint><Systeemrollen>%s"
             "</Systeemrollen></Gegevensdienst></Gegevensdiensten></Zorgaanbieder>"
             "</Zorgaanbieders></Zorgaanbiederslijst>",
             name, auth, token, roles);
}

#define ROLE(c)                                                                                    \
    "<Systeemrol><Systeemrolcode>" c "</Systeemrolcode><ResourceEndpoint><ResourceEndpointuri>"    \
    "https://dva.test/fhir</ResourceEndpointuri></ResourceEndpoint></Systeemrol>"

static void test_zal_values(void **state)
{
    (void)state;
    static char doc[64 * 1024];
    const char *auth = "https://dva.test/oauth/authorize", *tok = "https://dva.test:8443/token";
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, tok, ROLE("A"));
    accepted(doc, false);
    zal_doc(doc, sizeof doc, "HuisartsDeLinde@medmij", auth, tok, ROLE("A"));
    refused(doc, "xyz@medmij");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", "https://dva.test:443/oauth", tok,
            ROLE("A"));
    refused(doc, "no port");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", "https://dva.test/oauth?a=b", tok,
            ROLE("A"));
    refused(doc, "AuthorizationEndpointuri");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, "http://dva.test/token", ROLE("A"));
    refused(doc, "TokenEndpointuri");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, tok, "");
    refused(doc, "holds no <Systeemrol>");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, tok, ROLE("A") ROLE("B") ROLE("A"));
    refused(doc, "Systeemrolcode 'A' appears twice");
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, tok,
            ROLE("0123456789012345678901234567890"));
    refused(doc, "1 to 30 characters");
    /* More system roles than the limit. */
    char roles[48 * 1024] = "";
    size_t at = 0;
    for (unsigned i = 0; i <= MEDMIJ_MAX_ROLES; i++)
        at += (size_t)snprintf(roles + at, sizeof roles - at, ROLE("R%u"), i);
    zal_doc(doc, sizeof doc, "huisartsdelinde@medmij", auth, tok, roles);
    refused(doc, "more than 64 <Systeemrol>");
}

static void test_size_limit(void **state)
{
    (void)state;
    const char *doc = WL_HEAD "<MedMijNodes>" WL_NODE("a.test") "</MedMijNodes></Whitelist>";
    char err[128];
    struct medmij_parse_opts o = {.expect = MEDMIJ_LIST_ANY, .max_bytes = strlen(doc) - 1};
    assert_null(medmij_list_parse(doc, strlen(doc), &o, err, sizeof err));
    assert_non_null(strstr(err, "more than the limit"));
    o.max_bytes = strlen(doc);
    struct medmij_list *l = medmij_list_parse(doc, strlen(doc), &o, err, sizeof err);
    assert_non_null(l);
    medmij_list_free(l);
}

/* ---- writer ---- */

static void test_write_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"ZAL.xml", "OCL.xml", "Whitelist.xml", "GNL.xml"};
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        struct medmij_list *l = parse_fixture(names[k], k);
        struct buf out;
        buf_init(&out, 1 << 20);
        char err[256];
        if (medmij_list_write(l, &out, err, sizeof err) != 0) fail_msg("%s: %s", names[k], err);
        struct medmij_parse_opts o = {.expect = k};
        struct medmij_list *back = medmij_list_parse(out.data, out.len, &o, err, sizeof err);
        assert_non_null(back);
        assert_int_equal(back->volgnummer, l->volgnummer);
        assert_string_equal(back->tijdstempel, l->tijdstempel);
        assert_int_equal(back->n_providers + back->n_clients + back->n_nodes +
                             back->n_service_names,
                         l->n_providers + l->n_clients + l->n_nodes + l->n_service_names);
        /* Writing what was read back gives the same bytes (the reader sorts by key, so the
         * first write may differ from the fixture's order; the second may not). */
        struct buf again;
        buf_init(&again, 1 << 20);
        assert_int_equal(medmij_list_write(back, &again, err, sizeof err), 0);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);
        buf_free(&again);
        medmij_list_free(back);
        medmij_list_free(l);
        buf_free(&out);
    }
}

static void test_write_refuses_invalid(void **state)
{
    (void)state;
    char err[256];
    struct buf out;
    buf_init(&out, 1 << 20);
    const char *nodes[] = {"a.test", "Bad_Host"};
    struct medmij_list l = {.kind = MEDMIJ_WHITELIST,
                            .volgnummer = 1,
                            .tijdstempel = "2026-11-30T12:00:00Z",
                            .nodes = nodes,
                            .n_nodes = 2};
    assert_int_equal(medmij_list_write(&l, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "Bad_Host"));
    buf_free(&out);

    buf_init(&out, 1 << 20);
    const char *dup[] = {"a.test", "a.test"};
    l.nodes = dup;
    assert_int_equal(medmij_list_write(&l, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "appears twice"));
    buf_free(&out);

    buf_init(&out, 1 << 20);
    l.nodes = nodes;
    l.n_nodes = 1;
    l.tijdstempel = "2026-11-30T12:00:00"; /* no zone */
    assert_int_equal(medmij_list_write(&l, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "Tijdstempel"));
    buf_free(&out);

    buf_init(&out, 1 << 20);
    l.tijdstempel = "2026-11-30T12:00:00Z";
    l.volgnummer = 0;
    assert_int_equal(medmij_list_write(&l, &out, err, sizeof err), -1);
    buf_free(&out);

    /* A GNL display name with markup is escaped, and reads back the same. */
    struct medmij_service_name sn = {"48", "<Basis> & \"zorg\""};
    struct medmij_list g = {.kind = MEDMIJ_GNL,
                            .volgnummer = 2,
                            .tijdstempel = "2026-11-30T12:00:00Z",
                            .service_names = &sn,
                            .n_service_names = 1};
    buf_init(&out, 1 << 20);
    assert_int_equal(medmij_list_write(&g, &out, err, sizeof err), 0);
    struct medmij_list *back = medmij_list_parse(out.data, out.len, NULL, err, sizeof err);
    assert_non_null(back);
    assert_string_equal(medmij_gnl_name(back, "48"), "<Basis> & \"zorg\"");
    medmij_list_free(back);
    buf_free(&out);
    /* A control character cannot be written in XML 1.0. */
    sn.name = "Basis\x01zorg";
    buf_init(&out, 1 << 20);
    assert_int_equal(medmij_list_write(&g, &out, err, sizeof err), -1);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zal),
        cmocka_unit_test(test_ocl_whitelist_gnl),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_entities_refused_fast),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_zal_values),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_refuses_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
