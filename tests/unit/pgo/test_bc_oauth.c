/* The PGO's OAuth client pieces without a network: PKCE (RFC 7636 appendix B), state, the
 * authorization URL's encoding, the token endpoint answer reader and the revocation URL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/backchannel.h"
#include "pgo/backchannel_internal.h"

static void pkce_rfc7636_vector(void **state)
{
    (void)state;
    char ch[PGO_PKCE_CHALLENGE_LEN + 1];
    assert_int_equal(pgo_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch), 0);
    assert_string_equal(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void pkce_verifier_rules(void **state)
{
    (void)state;
    char ch[PGO_PKCE_CHALLENGE_LEN + 1];
    char v[140];
    memset(v, 'a', sizeof v);
    v[42] = '\0'; /* 42: one too short */
    assert_int_equal(pgo_pkce_challenge(v, ch), -1);
    v[42] = 'a';
    v[43] = '\0';
    assert_int_equal(pgo_pkce_challenge(v, ch), 0);
    memset(v, 'a', sizeof v);
    v[128] = '\0';
    assert_int_equal(pgo_pkce_challenge(v, ch), 0);
    v[128] = 'a';
    v[129] = '\0'; /* 129: one too long */
    assert_int_equal(pgo_pkce_challenge(v, ch), -1);
    assert_int_equal(pgo_pkce_challenge("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+a", ch), -1);
    assert_int_equal(pgo_pkce_challenge(NULL, ch), -1);
}

static void pkce_and_state_fresh(void **state)
{
    (void)state;
    struct pgo_pkce a, b;
    assert_int_equal(pgo_pkce_new(&a), 0);
    assert_int_equal(pgo_pkce_new(&b), 0);
    assert_int_equal(strlen(a.verifier), 43);
    assert_int_equal(strlen(a.challenge), 43);
    assert_string_not_equal(a.verifier, b.verifier);
    char ch[PGO_PKCE_CHALLENGE_LEN + 1];
    assert_int_equal(pgo_pkce_challenge(a.verifier, ch), 0);
    assert_string_equal(ch, a.challenge);
    char s1[PGO_STATE_LEN + 1], s2[PGO_STATE_LEN + 1];
    assert_int_equal(pgo_state_new(s1), 0);
    assert_int_equal(pgo_state_new(s2), 0);
    assert_int_equal(strlen(s1), 43);
    assert_string_not_equal(s1, s2);
    assert_null(strpbrk(s1, "+/="));
}

static void authorize_url_encodes_everything(void **state)
{
    (void)state;
    struct pgo_authorize_params p = {
        .authorization_endpoint = "https://gp.test/oauth/authorize",
        .client_id = "pgo.regie.test",
        .redirect_uri = "https://pgo.regie.test/connect/callback",
        .scope = "huisartsdelinde~48 huisartsdelinde~53",
        .state = "a+b/c=&d",
        .code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        .request_id = "11111111-2222-4333-8444-555555555555",
        .correlation_id = "66666666-7777-4888-9999-000000000000",
    };
    char *u = pgo_authorize_url(&p);
    assert_non_null(u);
    assert_string_equal(
        u, "https://gp.test/oauth/authorize?response_type=code&client_id=pgo.regie.test"
           "&redirect_uri=https%3A%2F%2Fpgo.regie.test%2Fconnect%2Fcallback"
           "&scope=huisartsdelinde~48%20huisartsdelinde~53&state=a%2Bb%2Fc%3D%26d"
           "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
           "&code_challenge_method=S256&MedMij-Request-ID=11111111-2222-4333-8444-555555555555"
           "&X-Correlation-ID=66666666-7777-4888-9999-000000000000");
    free(u);

    /* An endpoint with a query keeps it; no PKCE when no challenge; a request id is made. */
    p.authorization_endpoint = "https://gp.test/authorize?tenant=x";
    p.code_challenge = NULL;
    p.request_id = NULL;
    u = pgo_authorize_url(&p);
    assert_non_null(u);
    assert_non_null(strstr(u, "https://gp.test/authorize?tenant=x&response_type=code&"));
    assert_null(strstr(u, "code_challenge"));
    const char *rid = strstr(u, "MedMij-Request-ID=");
    assert_non_null(rid);
    assert_int_equal(strcspn(rid + 18, "&"), 36);
    free(u);

    /* Non-ASCII is encoded byte by byte. */
    p.authorization_endpoint = "https://gp.test/a";
    p.scope = "zorg\xc3\xa9";
    u = pgo_authorize_url(&p);
    assert_non_null(strstr(u, "scope=zorg%C3%A9&"));
    free(u);
}

static void authorize_url_refusals(void **state)
{
    (void)state;
    struct pgo_authorize_params ok = {
        .authorization_endpoint = "https://gp.test/a",
        .client_id = "c",
        .redirect_uri = "https://c/cb",
        .scope = "s",
        .state = "st",
        .correlation_id = "x",
    };
    struct pgo_authorize_params p = ok;
    char *u = pgo_authorize_url(&p);
    assert_non_null(u);
    free(u);
    p.authorization_endpoint = "https://gp.test/a#frag";
    assert_null(pgo_authorize_url(&p));
    p.authorization_endpoint = "javascript:alert(1)";
    assert_null(pgo_authorize_url(&p));
    p = ok;
    p.state = "";
    assert_null(pgo_authorize_url(&p));
    p = ok;
    p.correlation_id = NULL;
    assert_null(pgo_authorize_url(&p));
    p = ok;
    p.client_id = NULL;
    assert_null(pgo_authorize_url(&p));
    assert_null(pgo_authorize_url(NULL));
}

static int parse(long status, const char *body, struct pgo_token *t, struct pgo_fail *f)
{
    return pgo_token_parse(status, body, strlen(body), t, f);
}

static void token_good(void **state)
{
    (void)state;
    struct pgo_token t;
    struct pgo_fail f;
    assert_int_equal(parse(200,
                           "{\"access_token\":\"abc.DEF-_~+/==\",\"token_type\":\"bearer\","
                           "\"expires_in\":900,\"scope\":\"huisartsdelinde\","
                           "\"refresh_token\":\"r-1\",\"extra\":[1,2]}",
                           &t, &f),
                     0);
    assert_string_equal(t.access_token, "abc.DEF-_~+/==");
    assert_string_equal(t.token_type, "Bearer");
    assert_int_equal(t.expires_in, 900);
    assert_string_equal(t.scope, "huisartsdelinde");
    assert_string_equal(t.refresh_token, "r-1");
    pgo_token_free(&t);
    assert_null(t.access_token);

    /* Only the two required members. */
    assert_int_equal(parse(200, "{\"access_token\":\"x\",\"token_type\":\"Bearer\"}", &t, &f), 0);
    assert_int_equal(t.expires_in, -1);
    assert_null(t.scope);
    assert_null(t.refresh_token);
    pgo_token_free(&t);
}

static void token_oauth_error(void **state)
{
    (void)state;
    struct pgo_token t;
    struct pgo_fail f;
    assert_int_equal(parse(400,
                           "{\"error\":\"invalid_grant\",\"error_description\":"
                           "\"code used\\nbefore\"}",
                           &t, &f),
                     -1);
    assert_int_equal(f.kind, PGO_FAIL_OAUTH);
    assert_int_equal(f.http_status, 400);
    assert_string_equal(f.oauth_error, "invalid_grant");
    assert_string_equal(f.message, "code usedbefore"); /* control characters dropped */
    assert_null(t.access_token);

    assert_int_equal(parse(401, "{\"error\":\"invalid_client\"}", &t, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_OAUTH);
    assert_string_equal(f.message, "invalid_client");

    assert_int_equal(parse(503, "<html>down</html>", &t, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_HTTP);
    assert_int_equal(parse(302, "", &t, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_HTTP);
    /* An error object on 200 is still not a token. */
    assert_int_equal(parse(200, "{\"error\":\"invalid_grant\"}", &t, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_PARSE);
}

static void token_bad_answers(void **state)
{
    (void)state;
    struct pgo_token t;
    struct pgo_fail f;
    static const char *const bad[] = {
        "",
        "[]",
        "not json",
        "{\"access_token\":\"x\"}",                             /* no token_type */
        "{\"token_type\":\"Bearer\"}",                          /* no access_token */
        "{\"access_token\":\"\",\"token_type\":\"Bearer\"}",    /* empty */
        "{\"access_token\":\"a b\",\"token_type\":\"Bearer\"}", /* not a b64token */
        "{\"access_token\":\"a\\r\\nX: y\",\"token_type\":\"Bearer\"}",
        "{\"access_token\":7,\"token_type\":\"Bearer\"}",
        "{\"access_token\":\"x\",\"token_type\":\"mac\"}", /* wrong type */
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"expires_in\":-1}",
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"expires_in\":\"900\"}",
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"scope\":5}",
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"refresh_token\":\"\"}",
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\",\"refresh_token\":\"a\\u0001\"}",
        "{\"access_token\":\"x\",\"token_type\":\"Bearer\"} trailing",
        "{\"access_token\":\"x\",\"access_token\":\"y\",\"token_type\":\"Bearer\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        f.kind = PGO_FAIL_NONE;
        assert_int_equal(parse(200, bad[i], &t, &f), -1);
        assert_int_equal(f.kind, PGO_FAIL_PARSE);
        assert_null(t.access_token);
        /* The message never repeats the token. */
        assert_null(strstr(f.message, "a b"));
    }
}

static void token_huge(void **state)
{
    (void)state;
    size_t n = PGO_TOKEN_MAX_BODY + 100;
    char *big = malloc(n + 1);
    assert_non_null(big);
    int k = snprintf(big, n + 1, "{\"token_type\":\"Bearer\",\"access_token\":\"");
    memset(big + k, 'a', n - (size_t)k - 2);
    memcpy(big + n - 2, "\"}", 3);
    struct pgo_token t;
    struct pgo_fail f;
    assert_int_equal(pgo_token_parse(200, big, n, &t, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_TOO_BIG);
    free(big);
}

static void revoke_endpoint_next_to_token(void **state)
{
    (void)state;
    char *r = pgo_revoke_endpoint("https://gp.test:8443/oauth/token");
    assert_string_equal(r, "https://gp.test:8443/oauth/revoke");
    free(r);
    assert_null(pgo_revoke_endpoint("https://gp.test/oauth/tokens"));
    assert_null(pgo_revoke_endpoint("https://gp.test/oauth/token?x=1"));
    assert_null(pgo_revoke_endpoint("/token"));
    assert_null(pgo_revoke_endpoint(NULL));
}

static void search_escaping(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1024);
    assert_int_equal(
        pgo_url_escape_search(&b, "Observation/$lastn?code=http://loinc.org|8302-2,x y&a=%7C\"<"),
        0);
    assert_string_equal(b.data,
                        "Observation/$lastn?code=http://loinc.org%7C8302-2,x%20y&a=%7C%22%3C");
    buf_reset(&b);
    assert_int_equal(pgo_url_escape_search(&b, "a%zz"), 0);
    assert_string_equal(b.data, "a%25zz");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pkce_rfc7636_vector),
        cmocka_unit_test(pkce_verifier_rules),
        cmocka_unit_test(pkce_and_state_fresh),
        cmocka_unit_test(authorize_url_encodes_everything),
        cmocka_unit_test(authorize_url_refusals),
        cmocka_unit_test(token_good),
        cmocka_unit_test(token_oauth_error),
        cmocka_unit_test(token_bad_answers),
        cmocka_unit_test(token_huge),
        cmocka_unit_test(revoke_endpoint_next_to_token),
        cmocka_unit_test(search_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
