/* TOTP: the RFC 6238 appendix B vectors (SHA1) at 8 digits and our 6-digit truncation, the window,
 * replay refusal, malformed codes, base32 (RFC 4648 vectors, refusals) and the otpauth URI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/totp.h"

/* The RFC 6238 SHA1 seed, "12345678901234567890", and its base32 spelling. */
static const uint8_t rfc_key[] = "12345678901234567890";
#define RFC_KEY_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static const struct {
    int64_t time;
    uint32_t code8;
} rfc6238[] = {
    {59, 94287082},         {1111111109, 7081804},  {1111111111, 14050471},
    {1234567890, 89005924}, {2000000000, 69279037}, {20000000000, 65353130},
};

static void test_rfc6238_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc6238 / sizeof rfc6238[0]; i++) {
        uint64_t step = (uint64_t)totp_step(rfc6238[i].time);
        assert_int_equal(hotp(rfc_key, 20, step, 8), rfc6238[i].code8);
        /* Six digits are the same truncated value modulo 10^6. */
        assert_int_equal(hotp(rfc_key, 20, step, 6), rfc6238[i].code8 % 1000000);
    }
}

static void test_rfc4226_hotp(void **state)
{
    (void)state;
    /* RFC 4226 appendix D, counters 0..9. */
    static const uint32_t want[] = {755224, 287082, 359152, 969429, 338314,
                                    254676, 287922, 162583, 399871, 520489};
    for (uint64_t c = 0; c < 10; c++) assert_int_equal(hotp(rfc_key, 20, c, 6), want[c]);
}

static void code_at(int64_t t, char out[8])
{
    snprintf(out, 8, "%06u", hotp(rfc_key, 20, (uint64_t)totp_step(t), 6));
}

static void test_verify_window_and_replay(void **state)
{
    (void)state;
    char code[8];
    int64_t step = 0, now = 1111111111; /* step 37037037 */
    code_at(now, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, 0, &step), TOTP_OK);
    assert_int_equal(step, totp_step(now));
    /* The same step again: a replay. */
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, step, &step), TOTP_REPLAY);
    /* One step either side is accepted, two are not. */
    code_at(now - 30, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, 0, &step), TOTP_OK);
    assert_int_equal(step, totp_step(now) - 1);
    code_at(now + 30, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, 0, &step), TOTP_OK);
    assert_int_equal(step, totp_step(now) + 1);
    code_at(now - 60, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, 0, &step), TOTP_WRONG);
    code_at(now + 60, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, 0, &step), TOTP_WRONG);
    /* An older step in the window after a newer one was used: refused as a replay. */
    code_at(now - 30, code);
    assert_int_equal(totp_verify(RFC_KEY_B32, code, now, totp_step(now), &step), TOTP_REPLAY);
}

static void test_verify_malformed(void **state)
{
    (void)state;
    int64_t step = 0, now = 59;
    char code[8];
    code_at(now, code);
    assert_string_equal(code, "287082");
    assert_int_equal(totp_verify(RFC_KEY_B32, "28708", now, 0, &step), TOTP_WRONG);
    assert_int_equal(totp_verify(RFC_KEY_B32, "2870822", now, 0, &step), TOTP_WRONG);
    assert_int_equal(totp_verify(RFC_KEY_B32, " 87082", now, 0, &step), TOTP_WRONG);
    assert_int_equal(totp_verify(RFC_KEY_B32, "", now, 0, &step), TOTP_WRONG);
    assert_int_equal(totp_verify(RFC_KEY_B32, "28708a", now, 0, &step), TOTP_WRONG);
    /* Lower case secrets decode too; a broken or short secret is reported. */
    assert_int_equal(totp_verify("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", code, now, 0, &step), TOTP_OK);
    assert_int_equal(totp_verify("GEZDGNBV!", code, now, 0, &step), TOTP_BAD_KEY);
    assert_int_equal(totp_verify("GEZDGNBV", code, now, 0, &step), TOTP_BAD_KEY);
}

static void test_secret_new(void **state)
{
    (void)state;
    char a[TOTP_SECRET_B32], b[TOTP_SECRET_B32];
    assert_int_equal(totp_secret_new(a), 0);
    assert_int_equal(totp_secret_new(b), 0);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    uint8_t raw[32];
    assert_int_equal(base32_decode(a, strlen(a), raw, sizeof raw), TOTP_SECRET_BYTES);
}

static void test_base32_vectors(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",        "MY",       "MZXQ",      "MZXW6",
                                      "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
    static const char *const padded[] = {
        "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        uint8_t back[32];
        size_t n = strlen(plain[i]);
        assert_int_equal(base32_encode((const uint8_t *)plain[i], n, out, sizeof out),
                         (int)strlen(enc[i]));
        assert_string_equal(out, enc[i]);
        assert_int_equal(base32_decode(enc[i], strlen(enc[i]), back, sizeof back), (int)n);
        assert_memory_equal(back, plain[i], n);
        assert_int_equal(base32_decode(padded[i], strlen(padded[i]), back, sizeof back), (int)n);
        assert_memory_equal(back, plain[i], n);
    }
    /* Every byte value round-trips. */
    uint8_t all[256], back[256];
    char text[BASE32_ENCODED_LEN(256) + 1];
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    int len = base32_encode(all, 256, text, sizeof text);
    assert_int_equal(len, BASE32_ENCODED_LEN(256));
    assert_int_equal(base32_decode(text, (size_t)len, back, sizeof back), 256);
    assert_memory_equal(all, back, 256);
}

static void test_base32_refusals(void **state)
{
    (void)state;
    uint8_t out[32];
    static const char *const bad[] = {
        "M",         /* length 1 mod 8: no encoder makes it */
        "MZX",       /* 3 mod 8 */
        "MZXW6Y",    /* 6 mod 8 */
        "MZ",        /* left-over bits not zero (Z = 25 has low bits set) */
        "MY=",       /* padding without a multiple of 8 */
        "M=Y=====",  /* padding in the middle */
        "MZXW 6YQ",  /* space */
        "MZXW1YQ",   /* '1' is not in the alphabet */
        "MZXW8YQ",   /* nor is '8' */
        "MZXW6YQ\n", /* newline */
        "=======",   /* only padding, not 8 long */
        "M=======",  /* 7 padding characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(base32_decode(bad[i], strlen(bad[i]), out, sizeof out), -1);
    /* Too small an output buffer or encode buffer. */
    assert_int_equal(base32_decode("MZXW6YTBOI", 10, out, 5), -1);
    char small[4];
    assert_int_equal(base32_encode((const uint8_t *)"foo", 3, small, sizeof small), -1);
}

static void test_uri(void **state)
{
    (void)state;
    char *uri = totp_uri("regie DVA", "anne@example.nl", RFC_KEY_B32);
    assert_non_null(uri);
    assert_string_equal(uri, "otpauth://totp/regie%20DVA:anne%40example.nl?secret=" RFC_KEY_B32
                             "&issuer=regie%20DVA&algorithm=SHA1&digits=6&period=30");
    free(uri);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6238_vectors),
        cmocka_unit_test(test_rfc4226_hotp),
        cmocka_unit_test(test_verify_window_and_replay),
        cmocka_unit_test(test_verify_malformed),
        cmocka_unit_test(test_secret_new),
        cmocka_unit_test(test_base32_vectors),
        cmocka_unit_test(test_base32_refusals),
        cmocka_unit_test(test_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
