/* HOTP/TOTP over OpenSSL's HMAC-SHA1. */
#include "auth/totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"

uint32_t hotp(const uint8_t *key, size_t key_len, uint64_t counter, unsigned digits)
{
    uint8_t msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha1(), key, (int)key_len, msg, sizeof msg, mac, &mac_len) || mac_len != 20)
        return UINT32_MAX; /* never a valid code: it has ten digits */
    /* RFC 4226 5.3 dynamic truncation. */
    unsigned off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t mod = 1;
    for (unsigned i = 0; i < digits && i < 9; i++) mod *= 10;
    OPENSSL_cleanse(mac, sizeof mac);
    return bin % mod;
}

int64_t totp_step(int64_t unix_time)
{
    /* Floor division, so times before 1970 (only in tests) do not share step 0. */
    return unix_time >= 0 ? unix_time / TOTP_PERIOD
                          : -((-unix_time + TOTP_PERIOD - 1) / TOTP_PERIOD);
}

int totp_secret_new(char b32[TOTP_SECRET_B32])
{
    uint8_t secret[TOTP_SECRET_BYTES];
    if (RAND_bytes(secret, sizeof secret) != 1) return -1;
    int rc = base32_encode(secret, sizeof secret, b32, TOTP_SECRET_B32);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc < 0 ? -1 : 0;
}

enum totp_rc totp_verify(const char *secret_b32, const char *code, int64_t unix_time,
                         int64_t last_step, int64_t *step)
{
    uint8_t key[64];
    int key_len = base32_decode(secret_b32, strlen(secret_b32), key, sizeof key);
    if (key_len < 10) { /* RFC 4226 wants at least 128 bits; refuse a truncated secret */
        OPENSSL_cleanse(key, sizeof key);
        return TOTP_BAD_KEY;
    }
    bool shaped = strlen(code) == TOTP_DIGITS;
    for (size_t i = 0; shaped && i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9') shaped = false;
    char given[TOTP_DIGITS + 1] = "xxxxxx";
    if (shaped) memcpy(given, code, TOTP_DIGITS);

    int64_t now = totp_step(unix_time), matched = INT64_MIN;
    for (int64_t s = now - TOTP_WINDOW; s <= now + TOTP_WINDOW; s++) {
        char want[16];
        snprintf(want, sizeof want, "%0*u", TOTP_DIGITS,
                 hotp(key, (size_t)key_len, (uint64_t)s, TOTP_DIGITS));
        /* No early exit: each step costs the same whether or not an earlier one matched. */
        int differs = CRYPTO_memcmp(want, given, TOTP_DIGITS);
        if (!differs && matched == INT64_MIN) matched = s;
        OPENSSL_cleanse(want, sizeof want);
    }
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(given, sizeof given);
    if (!shaped || matched == INT64_MIN) return TOTP_WRONG;
    if (matched <= last_step) return TOTP_REPLAY;
    *step = matched;
    return TOTP_OK;
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static void append_encoded(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            buf_append_char(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(b, e, 3);
        }
    }
}

char *totp_uri(const char *issuer, const char *account, const char *secret_b32)
{
    struct buf b;
    buf_init(&b, 4096);
    buf_append_str(&b, "otpauth://totp/");
    append_encoded(&b, issuer);
    buf_append_char(&b, ':');
    append_encoded(&b, account);
    buf_printf(&b, "?secret=%s&issuer=", secret_b32);
    append_encoded(&b, issuer);
    buf_printf(&b, "&algorithm=SHA1&digits=%d&period=%d", TOTP_DIGITS, TOTP_PERIOD);
    if (b.overflowed) return NULL;
    return buf_steal(&b, NULL);
}
