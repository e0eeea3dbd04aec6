/* PKCE S256: the RFC 7636 appendix B vector, wrong verifiers, malformed input, plain refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "oauth/pkce.h"

#define RFC_VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static void test_rfc7636_vector(void **state)
{
    (void)state;
    char c[PKCE_CHALLENGE_LEN];
    assert_int_equal(pkce_s256(RFC_VERIFIER, c), 0);
    assert_string_equal(c, RFC_CHALLENGE);
    assert_true(pkce_verify(RFC_CHALLENGE, RFC_VERIFIER));
}

static void test_wrong_and_malformed(void **state)
{
    (void)state;
    /* One character changed. */
    assert_false(pkce_verify(RFC_CHALLENGE, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"));
    /* plain: the verifier given as its own challenge. */
    assert_false(pkce_verify(RFC_VERIFIER, RFC_VERIFIER));
    assert_false(pkce_verify(RFC_CHALLENGE, NULL));
    assert_false(pkce_verify(NULL, RFC_VERIFIER));
    assert_false(pkce_verify("", RFC_VERIFIER));
    assert_false(pkce_verify(RFC_CHALLENGE "A", RFC_VERIFIER));
    /* Too short (42), too long (129), a character outside the unreserved set. */
    assert_false(pkce_verifier_valid("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX"));
    char longv[130];
    memset(longv, 'a', 129);
    longv[129] = '\0';
    assert_false(pkce_verifier_valid(longv));
    longv[128] = '\0';
    assert_true(pkce_verifier_valid(longv));
    assert_false(pkce_verifier_valid("dBjftJeZ4CVP+mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    char c[PKCE_CHALLENGE_LEN];
    assert_int_equal(pkce_s256("short", c), -1);
    assert_false(pkce_challenge_valid("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"));
    assert_true(pkce_challenge_valid(RFC_CHALLENGE));
}

static void test_methods(void **state)
{
    (void)state;
    assert_true(pkce_method_ok("S256"));
    assert_false(pkce_method_ok("plain"));
    assert_false(pkce_method_ok("s256"));
    assert_false(pkce_method_ok(""));
    assert_false(pkce_method_ok(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7636_vector),
        cmocka_unit_test(test_wrong_and_malformed),
        cmocka_unit_test(test_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
