/* Sessions: token shape and hash, idle and absolute expiry, the cookie strings, the Cookie header
 * parser (present, absent, duplicated, malformed), and CSRF tokens (match, mismatch, other key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/session.h"

static void test_new_and_hash(void **state)
{
    (void)state;
    char a[SESSION_TOKEN_LEN], b[SESSION_TOKEN_LEN];
    uint8_t ha[SESSION_HASH_BYTES], hb[SESSION_HASH_BYTES], again[SESSION_HASH_BYTES];
    assert_int_equal(session_new(a, ha), 0);
    assert_int_equal(session_new(b, hb), 0);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    assert_int_equal(session_token_hash(a, again), 0);
    assert_memory_equal(ha, again, sizeof ha);
    assert_memory_not_equal(ha, hb, sizeof ha);
    char shorter[SESSION_TOKEN_LEN];
    memcpy(shorter, a, 42);
    shorter[42] = '\0';
    assert_int_equal(session_token_hash(shorter, again), -1);
    char bad[SESSION_TOKEN_LEN];
    memcpy(bad, a, sizeof bad);
    bad[5] = '+'; /* standard alphabet, not URL-safe */
    assert_int_equal(session_token_hash(bad, again), -1);
    assert_int_equal(session_token_hash("", again), -1);
}

static void test_expiry(void **state)
{
    (void)state;
    struct session_policy p = session_policy_default();
    assert_int_equal(p.idle_seconds, 900);
    assert_int_equal(p.absolute_seconds, 12 * 3600);
    int64_t created = 1000000;
    assert_false(session_expired(&p, created, created, created));
    assert_false(session_expired(&p, created, created, created + 899));
    assert_true(session_expired(&p, created, created, created + 900)); /* idle */
    /* Kept busy, it still ends 12 hours after login. */
    int64_t t = created;
    for (; t < created + 12 * 3600 - 600; t += 600)
        assert_false(session_expired(&p, created, t, t));
    assert_true(session_expired(&p, created, created + 12 * 3600 - 1, created + 12 * 3600));
    /* A clock far behind the session's start is not trusted. */
    assert_true(session_expired(&p, created, created, created - 3600));
}

static void test_cookie_strings(void **state)
{
    (void)state;
    char token[SESSION_TOKEN_LEN];
    uint8_t h[SESSION_HASH_BYTES];
    session_new(token, h);
    char c[256], want[256];
    assert_true(session_cookie(token, c, sizeof c) > 0);
    snprintf(want, sizeof want,
             "__Host-regie_session=%s; Path=/; HttpOnly; Secure; SameSite=Strict", token);
    assert_string_equal(c, want);
    assert_int_equal(session_cookie(token, c, 20), -1);
    assert_true(session_cookie_clear(c, sizeof c) > 0);
    assert_string_equal(c, "__Host-regie_session=; Max-Age=0; Path=/; HttpOnly; Secure; "
                           "SameSite=Strict");
}

static void test_cookie_parse(void **state)
{
    (void)state;
    char token[SESSION_TOKEN_LEN], got[SESSION_TOKEN_LEN];
    uint8_t h[SESSION_HASH_BYTES];
    session_new(token, h);
    char header[512];
    snprintf(header, sizeof header, "__Host-regie_session=%s", token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), 0);
    assert_string_equal(got, token);
    snprintf(header, sizeof header, "lang=nl;  __Host-regie_session=%s ;other=1", token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), 0);
    assert_string_equal(got, token);
    /* Absent, a similar name, duplicated (a planted cookie), malformed values. */
    assert_int_equal(session_cookie_parse("lang=nl", 7, got), -1);
    snprintf(header, sizeof header, "regie_session=%s", token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), -1);
    snprintf(header, sizeof header, "__Host-regie_session=%s; __Host-regie_session=%s", token,
             token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), -1);
    snprintf(header, sizeof header, "__Host-regie_session=\"%s\"", token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), -1);
    snprintf(header, sizeof header, "__Host-regie_session=%.42s", token);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), -1);
    assert_int_equal(session_cookie_parse("__Host-regie_session=", 21, got), -1);
    assert_int_equal(session_cookie_parse("", 0, got), -1);
    /* The header length decides, not a NUL. */
    snprintf(header, sizeof header, "__Host-regie_session=%s", token);
    assert_int_equal(session_cookie_parse(header, strlen(header) - 1, got), -1);
}

/* The login form's CSRF: a pre-login token in its own cookie, apart from the session cookie. */
static void test_login_cookie(void **state)
{
    (void)state;
    char pre[SESSION_TOKEN_LEN], sess[SESSION_TOKEN_LEN], got[SESSION_TOKEN_LEN];
    uint8_t h[SESSION_HASH_BYTES], key[SESSION_KEY_BYTES] = {3};
    session_new(pre, h);
    session_new(sess, h);
    char c[256], want[256];
    assert_true(session_cookie_named(SESSION_LOGIN_COOKIE_NAME, pre, c, sizeof c) > 0);
    snprintf(want, sizeof want, "__Host-regie_login=%s; Path=/; HttpOnly; Secure; SameSite=Strict",
             pre);
    assert_string_equal(c, want);
    assert_true(session_cookie_clear_named(SESSION_LOGIN_COOKIE_NAME, c, sizeof c) > 0);
    assert_non_null(strstr(c, "__Host-regie_login=; Max-Age=0; "));
    char header[256];
    snprintf(header, sizeof header, "__Host-regie_session=%s; __Host-regie_login=%s", sess, pre);
    assert_int_equal(session_cookie_find(header, strlen(header), SESSION_LOGIN_COOKIE_NAME, got),
                     0);
    assert_string_equal(got, pre);
    assert_int_equal(session_cookie_parse(header, strlen(header), got), 0);
    assert_string_equal(got, sess);
    char csrf[CSRF_TOKEN_LEN];
    assert_int_equal(session_csrf(key, pre, csrf), 0);
    assert_true(session_csrf_verify(key, pre, csrf));
    assert_false(session_csrf_verify(key, sess, csrf));
}

static void test_csrf(void **state)
{
    (void)state;
    uint8_t key[SESSION_KEY_BYTES], other_key[SESSION_KEY_BYTES];
    memset(key, 7, sizeof key);
    memset(other_key, 8, sizeof other_key);
    char s1[SESSION_TOKEN_LEN], s2[SESSION_TOKEN_LEN], c1[CSRF_TOKEN_LEN], c2[CSRF_TOKEN_LEN];
    uint8_t h[SESSION_HASH_BYTES];
    session_new(s1, h);
    session_new(s2, h);
    assert_int_equal(session_csrf(key, s1, c1), 0);
    assert_int_equal(session_csrf(key, s2, c2), 0);
    assert_int_equal(strlen(c1), 43);
    assert_string_not_equal(c1, c2);
    assert_true(session_csrf_verify(key, s1, c1));
    /* Another session's token, another key, a changed or cut token, none at all. */
    assert_false(session_csrf_verify(key, s1, c2));
    assert_false(session_csrf_verify(other_key, s1, c1));
    char changed[CSRF_TOKEN_LEN];
    memcpy(changed, c1, sizeof changed);
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    assert_false(session_csrf_verify(key, s1, changed));
    changed[10] = c1[10];
    changed[42] = '\0';
    assert_false(session_csrf_verify(key, s1, changed));
    assert_false(session_csrf_verify(key, s1, ""));
    assert_false(session_csrf_verify(key, s1, NULL));
    assert_false(session_csrf_verify(key, "not-a-session", c1));
    /* Deterministic: the same session gives the same token (one per session, not per form). */
    assert_int_equal(session_csrf(key, s1, c2), 0);
    assert_string_equal(c1, c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_and_hash),   cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_cookie_strings), cmocka_unit_test(test_cookie_parse),
        cmocka_unit_test(test_login_cookie),   cmocka_unit_test(test_csrf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
