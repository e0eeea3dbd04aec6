/* What a scope means at this DVA (oauth_scope_resolve) under both scope_form settings, the access
 * a consent gives (oauth_access_from_consent: the union of collect types, share types, purpose,
 * service ids), the service lookup, and the request ids taken from parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oauth/oauth.h"

static char dir[64], db[128];

static struct oauth_server *open_server(enum oauth_expect_form form)
{
    struct oauth_config oc = {.provider_name = "huisartsdelinde@medmij",
                              .db_path = db,
                              .scope_form = form,
                              .nservices = 3};
    oc.services[0] = (struct oauth_service){
        .id = "48", .types = {"Patient", "Condition", "Observation"}, .ntypes = 3};
    oc.services[1] = (struct oauth_service){
        .id = "49", .types = {"Observation", "Patient"}, .ntypes = 2}; /* overlaps 48 */
    oc.services[2] =
        (struct oauth_service){.id = "53", .share = true, .types = {"Observation"}, .ntypes = 1};
    char err[256];
    struct oauth_server *s = oauth_server_open(&oc, err, sizeof err);
    if (!s) fail_msg("%s", err);
    return s;
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-resolve-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(db, sizeof db, "%s/oauth.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int resolve(struct oauth_server *s, const char *scope, struct oauth_scope_grant *g,
                   const char **why)
{
    *why = NULL;
    int rc = oauth_scope_resolve(s, scope, strlen(scope), g, why);
    if (rc != 0) assert_non_null(*why);
    return rc;
}

static void test_provider_form(void **state)
{
    struct oauth_server *s = open_server(OAUTH_EXPECT_PROVIDER);
    struct oauth_scope_grant g;
    const char *why;
    /* The provider alone: every collect service, in catalogue order. */
    assert_int_equal(resolve(s, "huisartsdelinde", &g, &why), 0);
    assert_false(g.share);
    assert_int_equal(g.nservices, 2);
    assert_string_equal(g.services[0]->id, "48");
    assert_string_equal(g.services[1]->id, "49");
    assert_int_equal(resolve(s, "huisartsdelinde@medmij", &g, &why), 0);
    /* Share: one pair of a share service. */
    assert_int_equal(resolve(s, "huisartsdelinde~53", &g, &why), 0);
    assert_true(g.share);
    assert_int_equal(g.nservices, 1);
    /* Collect pairs are the other form; another provider; a service not offered. */
    assert_int_equal(resolve(s, "huisartsdelinde~48", &g, &why), -1);
    assert_int_equal(resolve(s, "huisartsdelinde~48 huisartsdelinde~49", &g, &why), -1);
    assert_int_equal(resolve(s, "subscribe~30/huisartsdelinde~48", &g, &why), -1);
    assert_int_equal(resolve(s, "ziekenhuisoost", &g, &why), -1);
    assert_int_equal(resolve(s, "ziekenhuisoost~53", &g, &why), -1);
    assert_int_equal(resolve(s, "huisartsdelinde~51", &g, &why), -1);
    assert_int_equal(resolve(s, "", &g, &why), -1);
    oauth_server_close(s);
}

static void test_pairs_form(void **state)
{
    struct oauth_server *s = open_server(OAUTH_EXPECT_PAIRS);
    struct oauth_scope_grant g;
    const char *why;
    assert_int_equal(resolve(s, "huisartsdelinde~48 huisartsdelinde~49", &g, &why), 0);
    assert_false(g.share);
    assert_int_equal(g.nservices, 2);
    assert_int_equal(resolve(s, "huisartsdelinde~49", &g, &why), 0);
    assert_false(g.share);
    assert_int_equal(resolve(s, "subscribe~30/huisartsdelinde~48", &g, &why), 0);
    assert_false(g.share);
    assert_int_equal(g.scope.subscribe_days, 30);
    assert_int_equal(resolve(s, "huisartsdelinde~53", &g, &why), 0);
    assert_true(g.share);
    /* The provider alone is the other form; share mixed with collect; a share subscription. */
    assert_int_equal(resolve(s, "huisartsdelinde", &g, &why), -1);
    assert_int_equal(resolve(s, "huisartsdelinde~48 huisartsdelinde~53", &g, &why), -1);
    assert_int_equal(resolve(s, "subscribe~30/huisartsdelinde~53", &g, &why), -1);
    oauth_server_close(s);
}

static struct oauth_consent consent(const char *const *ids, size_t n)
{
    struct oauth_consent c;
    memset(&c, 0, sizeof c);
    snprintf(c.id, sizeof c.id, "00000000-0000-4000-8000-000000000001");
    snprintf(c.subject, sizeof c.subject, "subject-1");
    snprintf(c.patient_id, sizeof c.patient_id, "patient-a");
    snprintf(c.client_id, sizeof c.client_id, "pgo.regie.test");
    for (size_t i = 0; i < n; i++)
        snprintf(c.service_ids[i], sizeof c.service_ids[i], "%s", ids[i]);
    c.nservice_ids = n;
    return c;
}

static void test_access_from_consent(void **state)
{
    struct oauth_server *s = open_server(OAUTH_EXPECT_PROVIDER);
    struct rest_access a;
    const char *collect[] = {"48", "49"};
    struct oauth_consent c = consent(collect, 2);
    oauth_access_from_consent(s, &c, &a);
    assert_string_equal(a.patient_id, "patient-a");
    assert_string_equal(a.subject, "subject-1");
    assert_string_equal(a.client_id, "pgo.regie.test");
    assert_string_equal(a.grant_id, c.id);
    assert_string_equal(a.service_id, "48,49");
    assert_string_equal(a.purpose, "collect");
    assert_false(a.may_share);
    assert_int_equal(a.nshare_types, 0);
    /* The union without duplicates: Patient, Condition, Observation. */
    assert_int_equal(a.ntypes, 3);
    assert_string_equal(a.types[0], "Patient");
    assert_string_equal(a.types[1], "Condition");
    assert_string_equal(a.types[2], "Observation");

    const char *share[] = {"53"};
    c = consent(share, 1);
    oauth_access_from_consent(s, &c, &a);
    assert_string_equal(a.purpose, "share");
    assert_true(a.may_share);
    assert_int_equal(a.ntypes, 0); /* a share token reads nothing */
    assert_int_equal(a.nshare_types, 1);
    assert_string_equal(a.share_types[0], "Observation");

    /* A service the DVA no longer offers gives nothing. */
    const char *gone[] = {"51"};
    c = consent(gone, 1);
    oauth_access_from_consent(s, &c, &a);
    assert_int_equal(a.ntypes, 0);
    assert_false(a.may_share);
    assert_string_equal(a.service_id, "51");

    /* Ids that do not fit service_id: the first one. */
    const char *many[] = {"48", "49", "123456", "1234567"};
    c = consent(many, 4);
    oauth_access_from_consent(s, &c, &a);
    assert_string_equal(a.service_id, "48");
    oauth_server_close(s);
}

static void test_request_ids(void **state)
{
    struct http_param params[] = {
        {.name = "MedMij-Request-ID", .value = "1f0c8a58-3f0e-4a77-9a55-cc1b7d7c0001"},
        {.name = "X-Correlation-ID", .value = "bad value\r\nX-Evil: 1"},
    };
    struct http_request req = {.params = params, .nparams = 2};
    char rid[OAUTH_REQUEST_ID_MAX], cid[OAUTH_REQUEST_ID_MAX];
    oauth_request_ids(&req, rid, cid);
    assert_string_equal(rid, "1f0c8a58-3f0e-4a77-9a55-cc1b7d7c0001");
    assert_string_equal(cid, ""); /* unsafe: dropped, never echoed */
    char longer[200];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    params[0].value = longer;
    oauth_request_ids(&req, rid, cid);
    assert_string_equal(rid, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_provider_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pairs_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_from_consent, setup, teardown),
        cmocka_unit_test(test_request_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
