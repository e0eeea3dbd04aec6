/* PKCE S256 (pkce.h). */
#include "oauth/pkce.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <string.h>

#include "auth/base64.h"

bool pkce_method_ok(const char *method)
{
    return method && !strcmp(method, "S256");
}

static bool unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool pkce_verifier_valid(const char *s)
{
    if (!s) return false;
    size_t n = strnlen(s, PKCE_VERIFIER_MAX + 1);
    if (n < PKCE_VERIFIER_MIN || n > PKCE_VERIFIER_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!unreserved(s[i])) return false;
    return true;
}

bool pkce_challenge_valid(const char *s)
{
    if (!s) return false;
    uint8_t raw[SHA256_DIGEST_LENGTH + 3];
    size_t n = strnlen(s, PKCE_CHALLENGE_LEN);
    return n == PKCE_CHALLENGE_LEN - 1 &&
           base64_decode(s, n, raw, sizeof raw, true) == SHA256_DIGEST_LENGTH;
}

int pkce_s256(const char *verifier, char challenge[PKCE_CHALLENGE_LEN])
{
    if (!pkce_verifier_valid(verifier)) return -1;
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256((const uint8_t *)verifier, strlen(verifier), digest);
    return base64_encode(digest, sizeof digest, challenge, PKCE_CHALLENGE_LEN, true) ==
                   PKCE_CHALLENGE_LEN - 1
               ? 0
               : -1;
}

bool pkce_verify(const char *challenge, const char *verifier)
{
    char expected[PKCE_CHALLENGE_LEN];
    if (!pkce_challenge_valid(challenge) || pkce_s256(verifier, expected) != 0) return false;
    return CRYPTO_memcmp(expected, challenge, PKCE_CHALLENGE_LEN - 1) == 0;
}
