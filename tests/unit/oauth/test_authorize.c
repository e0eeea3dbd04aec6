/* The authorization request check (every MedMij and RFC 6749/7636 rule, as a table of negative
 * cases against one valid request: what is shown as a page and what goes back to the client),
 * the redirect_uri rules on their own, the redirect location's encoding, the sealed pending
 * request (round trip, tampering, expiry) and the patient lookup by BSN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "authorize_fixture.h"

static struct fx fx;

static int setup(void **state)
{
    (void)state;
    fx_open(&fx, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_close(&fx);
    return 0;
}

#define VALID_BASE                                                                                 \
    "response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT                         \
    "&scope=huisartsdelinde&code_challenge=" FX_CHALLENGE "&code_challenge_method=S256"
#define VALID VALID_BASE "&state=s123"

struct outcome {
    enum authz_outcome o;
    struct authz_verdict v;
    struct authz_request r;
};

static struct outcome check_query(struct oauth_server *s, const char *query)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(http_query_parse(&p, query, strlen(query)), HTTP_QUERY_OK);
    struct outcome out;
    out.o = authz_check(s, p.items, p.n, &out.r, &out.v);
    assert_int_equal(out.o, out.v.outcome);
    http_params_free(&p);
    return out;
}

static void test_valid(void **state)
{
    (void)state;
    struct outcome c =
        check_query(fx.server, VALID "&MedMij-Request-ID=3f1c7a9e-1b2c-4d5e-8f90-123456789abc"
                                     "&X-Correlation-ID=corr-1&unknown=ignored&another");
    assert_int_equal(c.o, AUTHZ_VALID);
    assert_string_equal(c.r.client_id, FX_CLIENT);
    assert_string_equal(c.r.org, FX_CLIENT_ORG);
    assert_string_equal(c.r.redirect_uri, FX_REDIRECT);
    assert_string_equal(c.r.redirect_origin, "https://pgo.regie.test");
    assert_string_equal(c.r.state, "s123");
    assert_string_equal(c.r.code_challenge, FX_CHALLENGE);
    assert_string_equal(c.r.request_id, "3f1c7a9e-1b2c-4d5e-8f90-123456789abc");
    assert_string_equal(c.r.correlation_id, "corr-1");
    /* The provider alone: every collect service (48, 49), not the share service. */
    assert_false(c.r.grant.share);
    assert_int_equal(c.r.grant.nservices, 2);
    assert_string_equal(c.r.grant.services[0]->id, "48");
    assert_string_equal(c.r.grant.services[1]->id, "49");

    /* A port (a local network), the host in another case, the share scope. */
    c = check_query(fx.server, "response_type=code&client_id=" FX_CLIENT
                               "&redirect_uri=https://PGO.Regie.test:8443/cb&scope="
                               "huisartsdelinde~53&state=x&code_challenge=" FX_CHALLENGE
                               "&code_challenge_method=S256");
    assert_int_equal(c.o, AUTHZ_VALID);
    assert_string_equal(c.r.redirect_origin, "https://PGO.Regie.test:8443");
    assert_true(c.r.grant.share);
    assert_int_equal(c.r.grant.nservices, 1);

    /* Request ids that are not safe to log are dropped, not refused. */
    c = check_query(fx.server, VALID "&MedMij-Request-ID=a%20b&X-Correlation-ID=%0Aevil");
    assert_int_equal(c.o, AUTHZ_VALID);
    assert_string_equal(c.r.request_id, "");
    assert_string_equal(c.r.correlation_id, "");
}

/* Requests that must be SHOWN (never redirected): the client or its redirect_uri. */
static void test_shown(void **state)
{
    (void)state;
    static const struct {
        const char *query, *error;
    } cases[] = {
        {"response_type=code&redirect_uri=" FX_REDIRECT "&state=s", "invalid_request"},
        {"client_id=&redirect_uri=" FX_REDIRECT "&state=s", "invalid_request"},
        {VALID "&client_id=" FX_CLIENT, "invalid_request"},
        {"client_id=PGO!&redirect_uri=" FX_REDIRECT, "invalid_client"},
        {"client_id=unknown.regie.test&redirect_uri=https://unknown.regie.test/cb",
         "invalid_client"},
        /* On the OCL, not on the Whitelist. */
        {"client_id=" FX_NOT_WHITELISTED "&redirect_uri=https://" FX_NOT_WHITELISTED "/cb",
         "invalid_client"},
        {"client_id=" FX_CLIENT "&state=s", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=", "invalid_request"},
        {VALID "&redirect_uri=" FX_REDIRECT, "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=http://pgo.regie.test/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=HTTPS://pgo.regie.test/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://evil.test/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test.evil.test/cb",
         "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://evil.pgo.regie.test/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test@evil.test/cb",
         "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://evil.test@pgo.regie.test/cb",
         "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/cb%3Fx%3D1",
         "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/cb%23frag",
         "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test:/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test:0/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test:65536/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test:84a3/cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/a/../cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/./cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/c+b", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/c%0Ab", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/c%5Cb", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/%22%3E", "invalid_request"},
        {"client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test\\@evil.test/",
         "invalid_request"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct outcome c = check_query(fx.server, cases[i].query);
        if (c.o != AUTHZ_SHOW || strcmp(c.v.error, cases[i].error) != 0)
            fail_msg("case %zu (%s): outcome %d error %s", i, cases[i].query, c.o,
                     c.v.error ? c.v.error : "-");
        assert_int_equal(c.v.status, 400);
        assert_non_null(c.v.description);
    }
    /* A redirect_uri longer than the bound. */
    char q[2048];
    char path[600];
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    snprintf(q, sizeof q, "client_id=" FX_CLIENT "&redirect_uri=https://pgo.regie.test/%s", path);
    assert_int_equal(check_query(fx.server, q).o, AUTHZ_SHOW);
}

/* Requests whose client and redirect_uri hold: the error goes back to the client. */
static void test_redirected(void **state)
{
    (void)state;
    char long_state[AUTHZ_STATE_MAX + 2];
    memset(long_state, 'x', sizeof long_state - 1);
    long_state[sizeof long_state - 1] = '\0';
    char long_state_q[1024];
    snprintf(long_state_q, sizeof long_state_q, VALID_BASE "&state=%s", long_state);
    static const char *const noresp =
        "client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT "&scope=huisartsdelinde"
        "&state=s123&code_challenge=" FX_CHALLENGE "&code_challenge_method=S256";
    const struct {
        const char *query, *error;
        bool state_echoed;
    } cases[] = {
        {noresp, "invalid_request", true},
        {VALID "&response_type=token", "invalid_request", true}, /* twice */
        {"response_type=token&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT "&state=s123",
         "unsupported_response_type", true},
        {"response_type=code%20id_token&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&state=s123",
         "unsupported_response_type", true},
        {VALID_BASE, "invalid_request", false},
        {VALID_BASE "&state=", "invalid_request", false},
        {VALID "&state=s456", "invalid_request", false}, /* twice: neither is echoed */
        {long_state_q, "invalid_request", false},
        {VALID_BASE "&state=a%01b", "invalid_request", false},
        {VALID_BASE "&state=%C3%A9", "invalid_request", false},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123",
         "invalid_request", true}, /* no PKCE */
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge=" FX_CHALLENGE,
         "invalid_request", true}, /* method missing (plain by default: refused) */
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge=" FX_VERIFIER
         "&code_challenge_method=plain",
         "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge=" FX_CHALLENGE
         "&code_challenge_method=s256",
         "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge=short&code_challenge_method=S256",
         "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge="
         "JqCpvtfpdOrl4k2D08H629uz2YVcOJ+nMQuUIcZEqIM&code_challenge_method=S256",
         "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde&state=s123&code_challenge=" FX_CHALLENGE
         "A&code_challenge_method=S256",
         "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&state=s123&code_challenge=" FX_CHALLENGE "&code_challenge_method=S256",
         "invalid_scope", true},
        {VALID "&scope=huisartsdelinde", "invalid_request", true}, /* scope twice */
        {VALID_BASE "&state=s123&scope=", "invalid_request", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=ziekenhuisoost&state=s123&code_challenge=" FX_CHALLENGE
         "&code_challenge_method=S256",
         "invalid_scope", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde~99&state=s123&code_challenge=" FX_CHALLENGE
         "&code_challenge_method=S256",
         "invalid_scope", true},
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=huisartsdelinde~48&state=s123&code_challenge=" FX_CHALLENGE
         "&code_challenge_method=S256",
         "invalid_scope", true}, /* pairs, while this DVA expects the provider alone */
        {"response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
         "&scope=Huisarts%20De%20Linde&state=s123&code_challenge=" FX_CHALLENGE
         "&code_challenge_method=S256",
         "invalid_scope", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct outcome c = check_query(fx.server, cases[i].query);
        if (c.o != AUTHZ_REDIRECT || strcmp(c.v.error, cases[i].error) != 0)
            fail_msg("case %zu (%s): outcome %d error %s (%s)", i, cases[i].query, c.o,
                     c.v.error ? c.v.error : "-", c.v.description ? c.v.description : "-");
        assert_string_equal(c.r.redirect_uri, FX_REDIRECT);
        if (cases[i].state_echoed)
            assert_string_equal(c.r.state, "s123");
        else
            assert_string_equal(c.r.state, "");
    }
}

static void test_no_lists(void **state)
{
    (void)state;
    struct fx bare;
    fx_open(&bare, false);
    struct outcome c = check_query(bare.server, VALID);
    assert_int_equal(c.o, AUTHZ_SHOW);
    assert_int_equal(c.v.status, 503);
    fx_close(&bare);
}

static void test_redirect_uri_rules(void **state)
{
    (void)state;
    char origin[AUTHZ_ORIGIN_MAX];
    assert_true(authz_redirect_uri_ok("https://a.test/", "a.test", origin));
    assert_string_equal(origin, "https://a.test");
    assert_true(authz_redirect_uri_ok("https://a.test:443/x/y.z", "a.test", origin));
    assert_string_equal(origin, "https://a.test:443");
    assert_true(authz_redirect_uri_ok("https://a.test/.well/..x", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.test/..", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.test/x/.", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.test:123456/", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://:443/", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https:///", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.tes/", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.testx/", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.test/ x", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("https://a.test/\xc3\xa9", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("//a.test/", "a.test", NULL));
    assert_false(authz_redirect_uri_ok("javascript://a.test/%0aalert(1)", "a.test", NULL));

    assert_true(authz_state_ok("a b~!"));
    assert_false(authz_state_ok(""));
    assert_false(authz_state_ok("a\tb"));
    assert_false(authz_state_ok("\x7f"));
    assert_true(authz_pkce_challenge_ok(FX_CHALLENGE));
    assert_false(authz_pkce_challenge_ok(""));
    assert_false(authz_pkce_challenge_ok("JqCpvtfpdOrl4k2D08H629uz2YVcOJ_nMQuUIcZEq=M"));
}

static void test_location(void **state)
{
    (void)state;
    char loc[1024];
    assert_int_equal(
        authz_redirect_location(loc, sizeof loc, FX_REDIRECT, "code", "abc-_", "s 1&x=y#"), 0);
    assert_string_equal(loc, FX_REDIRECT "?code=abc-_&state=s%201%26x%3Dy%23");
    assert_int_equal(
        authz_redirect_location(loc, sizeof loc, FX_REDIRECT, "error", "access_denied", ""), 0);
    assert_string_equal(loc, FX_REDIRECT "?error=access_denied");
    assert_int_equal(authz_redirect_location(loc, 20, FX_REDIRECT, "error", "x", NULL), -1);
    /* The largest redirect_uri with the largest state, all of it escaped, still fits a header. */
    char uri[AUTHZ_REDIRECT_URI_MAX + 1], st[AUTHZ_STATE_MAX + 1];
    memset(uri, 'a', sizeof uri - 1);
    memcpy(uri, "https://", 8);
    uri[sizeof uri - 1] = '\0';
    memset(st, '%', sizeof st - 1);
    st[sizeof st - 1] = '\0';
    assert_int_equal(authz_redirect_location(loc, sizeof loc, uri, "code",
                                             "0123456789012345678901234567890123456789012", st),
                     0);
}

static void test_pending(void **state)
{
    (void)state;
    struct outcome c = check_query(fx.server, VALID "&MedMij-Request-ID=rid-1&X-Correlation-ID=c1");
    assert_int_equal(c.o, AUTHZ_VALID);
    char *sealed = authz_pending_seal(&c.r, fx.now);
    assert_non_null(sealed);
    assert_null(strstr(sealed, FX_CLIENT)); /* base64url, nothing to escape in a form */

    struct http_params p;
    http_params_init(&p);
    assert_int_equal(authz_pending_open(sealed, fx.now + 10, &p), 0);
    struct authz_request again;
    struct authz_verdict v;
    assert_int_equal(authz_check(fx.server, p.items, p.n, &again, &v), AUTHZ_VALID);
    assert_string_equal(again.redirect_uri, c.r.redirect_uri);
    assert_string_equal(again.state, c.r.state);
    assert_string_equal(again.code_challenge, c.r.code_challenge);
    assert_string_equal(again.scope, c.r.scope);
    assert_string_equal(again.request_id, "rid-1");
    assert_string_equal(again.correlation_id, "c1");
    http_params_reset(&p);

    /* Expired, made in the future. */
    assert_int_equal(authz_pending_open(sealed, fx.now + AUTHZ_PENDING_TTL + 1, &p), -1);
    assert_int_equal(p.n, 0);
    assert_int_equal(authz_pending_open(sealed, fx.now - 3600, &p), -1);
    /* Any changed character breaks it. */
    size_t len = strlen(sealed);
    for (size_t i = 0; i < len; i += 7) {
        char saved = sealed[i];
        sealed[i] = saved == 'A' ? 'B' : 'A';
        assert_int_equal(authz_pending_open(sealed, fx.now, &p), -1);
        sealed[i] = saved;
    }
    /* Cut, empty, garbage, without a signature. */
    char *cut = strndup(sealed, len - 1);
    assert_int_equal(authz_pending_open(cut, fx.now, &p), -1);
    free(cut);
    char *dot = strchr(sealed, '.');
    assert_non_null(dot);
    *dot = '\0';
    assert_int_equal(authz_pending_open(sealed, fx.now, &p), -1);
    assert_int_equal(authz_pending_open("", fx.now, &p), -1);
    assert_int_equal(authz_pending_open(".", fx.now, &p), -1);
    assert_int_equal(authz_pending_open("a.b.c", fx.now, &p), -1);
    free(sealed);
    http_params_free(&p);
}

static void test_find_patient(void **state)
{
    (void)state;
    char id[OAUTH_PATIENT_ID_MAX];
    assert_int_equal(authz_find_patient(fx.store, FX_BSN, id), 1);
    assert_string_equal(id, FX_PATIENT_ID);
    assert_int_equal(authz_find_patient(fx.store, FX_BSN_NO_RECORD, id), 0);
    assert_int_equal(authz_find_patient(fx.store, "", id), 0);
    assert_int_equal(authz_find_patient(NULL, FX_BSN, id), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_shown),
        cmocka_unit_test(test_redirected),
        cmocka_unit_test(test_no_lists),
        cmocka_unit_test(test_redirect_uri_rules),
        cmocka_unit_test(test_location),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_find_patient),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
