/* argon2id: hash and verify (good, bad, corrupt), the rehash flag when parameters change, the
 * strict parser of encoded hashes, the password rules. Cheap parameters keep it fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/password.h"

static const struct password_params cheap = {.t_cost = 1, .m_cost_kib = 256, .lanes = 1};
#define PW "correct horse battery"

static void test_hash_and_verify(void **state)
{
    (void)state;
    char enc[PASSWORD_ENCODED_MAX], enc2[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&cheap, PW, strlen(PW), enc), 0);
    assert_non_null(strstr(enc, "$argon2id$v=19$m=256,t=1,p=1$"));
    bool rehash = true;
    assert_int_equal(password_verify(enc, PW, strlen(PW), &cheap, &rehash), PASSWORD_OK);
    assert_false(rehash);
    assert_int_equal(password_verify(enc, "correct horse batterY", strlen(PW), &cheap, NULL),
                     PASSWORD_MISMATCH);
    assert_int_equal(password_verify(enc, PW, strlen(PW) - 1, &cheap, NULL), PASSWORD_MISMATCH);
    assert_int_equal(password_verify(enc, "", 0, &cheap, NULL), PASSWORD_MISMATCH);
    /* A fresh salt each time. */
    assert_int_equal(password_hash(&cheap, PW, strlen(PW), enc2), 0);
    assert_string_not_equal(enc, enc2);
    /* Embedded NUL counts: the length decides, not strlen. */
    assert_int_equal(password_hash(&cheap, "abc\0defghijk", 12, enc2), 0);
    assert_int_equal(password_verify(enc2, "abc\0defghijk", 12, &cheap, NULL), PASSWORD_OK);
    assert_int_equal(password_verify(enc2, "abc", 3, &cheap, NULL), PASSWORD_MISMATCH);
}

static void test_rehash_flag(void **state)
{
    (void)state;
    char enc[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&cheap, PW, strlen(PW), enc), 0);
    struct password_params more_t = cheap, more_m = cheap, more_p = cheap;
    more_t.t_cost = 2;
    more_m.m_cost_kib = 512;
    more_p.lanes = 2;
    const struct password_params *all[] = {&more_t, &more_m, &more_p};
    for (int i = 0; i < 3; i++) {
        bool rehash = false;
        /* The old hash still verifies; the flag says to store a new one. */
        assert_int_equal(password_verify(enc, PW, strlen(PW), all[i], &rehash), PASSWORD_OK);
        assert_true(rehash);
    }
    /* A wrong password never reports a rehash. */
    bool rehash = false;
    assert_int_equal(password_verify(enc, "wrong password", 14, &more_t, &rehash),
                     PASSWORD_MISMATCH);
    assert_false(rehash);
}

static void test_defaults(void **state)
{
    (void)state;
    struct password_params d = password_params_default();
    assert_int_equal(d.t_cost, 3);
    assert_int_equal(d.m_cost_kib, 65536);
    assert_int_equal(d.lanes, 1);
    assert_true(password_params_valid(&d));
    struct password_params bad = {.t_cost = 0, .m_cost_kib = 256, .lanes = 1};
    assert_false(password_params_valid(&bad));
    bad = (struct password_params){.t_cost = 1, .m_cost_kib = 8, .lanes = 2};
    assert_false(password_params_valid(&bad));
    char enc[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&bad, PW, strlen(PW), enc), -1);
}

static void test_corrupt(void **state)
{
    (void)state;
    char enc[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&cheap, PW, strlen(PW), enc), 0);
    struct password_encoded e;
    assert_int_equal(password_parse(enc, strlen(enc), &e), 0);
    assert_int_equal(e.params.m_cost_kib, 256);
    assert_int_equal(e.salt_len, PASSWORD_SALT_LEN);
    assert_int_equal(e.hash_len, PASSWORD_HASH_LEN);
    const char *tail = strrchr(enc, '$');
    static const char *const bad_prefix[] = {
        "$argon2i$v=19$m=256,t=1,p=1",       /* not argon2id */
        "$argon2d$v=19$m=256,t=1,p=1",       /* nor argon2d */
        "$argon2id$v=16$m=256,t=1,p=1",      /* old version */
        "$argon2id$m=256,t=1,p=1",           /* no version */
        "$argon2id$v=19$t=1,m=256,p=1",      /* out of order */
        "$argon2id$v=19$m=0256,t=1,p=1",     /* leading zero */
        "$argon2id$v=19$m=256,t=0,p=1",      /* no passes */
        "$argon2id$v=19$m=4,t=1,p=1",        /* below 8 KiB per lane */
        "$argon2id$v=19$m=99999999,t=1,p=1", /* over the memory cap */
        "$argon2id$v=19$m=256,t=1000,p=1",   /* over the pass cap */
        "$argon2id$v=19$m=256,t=1,p=-1",     /* a sign */
        "$argon2id$v=19$m=256,t=1,p=1,k=2",  /* extra field */
    };
    /* Keep the real salt and hash, change the parameter part. */
    const char *salt = strchr(enc + strlen("$argon2id$v=19$"), '$');
    for (size_t i = 0; i < sizeof bad_prefix / sizeof bad_prefix[0]; i++) {
        char s[PASSWORD_ENCODED_MAX * 2];
        snprintf(s, sizeof s, "%s%s", bad_prefix[i], salt);
        assert_int_equal(password_parse(s, strlen(s), &e), -1);
        assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    }
    char s[PASSWORD_ENCODED_MAX * 2];
    /* A shorter hash is well-formed (30 bytes) but does not match; under 16 bytes is refused. */
    snprintf(s, sizeof s, "%.*s", (int)(strlen(enc) - 3), enc);
    assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_MISMATCH);
    snprintf(s, sizeof s, "%.*s", (int)(tail - enc + 1 + 20), enc);
    assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    /* Padded base64, missing parts, empty, garbage. */
    snprintf(s, sizeof s, "%s=", enc);
    assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    snprintf(s, sizeof s, "%.*s", (int)(tail - enc), enc);
    assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    assert_int_equal(password_verify("", PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    assert_int_equal(password_verify("plaintext", PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    assert_int_equal(password_verify(NULL, PW, strlen(PW), &cheap, NULL), PASSWORD_CORRUPT);
    /* A flipped character of the hash is a mismatch (still well-formed). */
    snprintf(s, sizeof s, "%s", enc);
    char *last = s + strlen(s) - 2;
    *last = *last == 'A' ? 'B' : 'A';
    assert_int_equal(password_verify(s, PW, strlen(PW), &cheap, NULL), PASSWORD_MISMATCH);
}

static void test_unacceptable(void **state)
{
    (void)state;
    assert_null(password_unacceptable("0123456789", 10));
    assert_non_null(password_unacceptable("012345678", 9));
    assert_non_null(password_unacceptable("0123\0456789", 11));
    static char longpw[PASSWORD_MAX_LEN + 1];
    memset(longpw, 'x', sizeof longpw);
    assert_null(password_unacceptable(longpw, PASSWORD_MAX_LEN));
    assert_non_null(password_unacceptable(longpw, PASSWORD_MAX_LEN + 1));
    char enc[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash(&cheap, longpw, PASSWORD_MAX_LEN + 1, enc), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify), cmocka_unit_test(test_rehash_flag),
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_unacceptable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
