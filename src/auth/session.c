/* Session ids, cookies and CSRF tokens. */
#include "auth/session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "auth/base64.h"

#define COOKIE_ATTRIBUTES "; Path=/; HttpOnly; Secure; SameSite=Strict"

struct session_policy session_policy_default(void)
{
    return (struct session_policy){
        .idle_seconds = 15 * 60, .absolute_seconds = 12 * 3600, .touch_seconds = 60};
}

int session_new(char token[SESSION_TOKEN_LEN], uint8_t hash[SESSION_HASH_BYTES])
{
    uint8_t id[SESSION_ID_BYTES];
    if (RAND_bytes(id, sizeof id) != 1) return -1;
    base64_encode(id, sizeof id, token, SESSION_TOKEN_LEN, true);
    SHA256(id, sizeof id, hash);
    OPENSSL_cleanse(id, sizeof id);
    return 0;
}

int session_token_hash(const char *token, uint8_t hash[SESSION_HASH_BYTES])
{
    uint8_t id[SESSION_ID_BYTES + 3];
    size_t len = strnlen(token, SESSION_TOKEN_LEN);
    if (len != SESSION_TOKEN_LEN - 1 ||
        base64_decode(token, len, id, sizeof id, true) != SESSION_ID_BYTES)
        return -1;
    SHA256(id, SESSION_ID_BYTES, hash);
    OPENSSL_cleanse(id, sizeof id);
    return 0;
}

bool session_expired(const struct session_policy *p, int64_t created, int64_t last_seen,
                     int64_t now)
{
    return now - last_seen >= p->idle_seconds || now - created >= p->absolute_seconds ||
           now < created - 300; /* a clock far behind the session: do not trust it */
}

int session_cookie_named(const char *name, const char *token, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s=%s" COOKIE_ATTRIBUTES, name, token);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int session_cookie_clear_named(const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s=; Max-Age=0" COOKIE_ATTRIBUTES, name);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

int session_cookie(const char *token, char *out, size_t cap)
{
    return session_cookie_named(SESSION_COOKIE_NAME, token, out, cap);
}

int session_cookie_clear(char *out, size_t cap)
{
    return session_cookie_clear_named(SESSION_COOKIE_NAME, out, cap);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int session_cookie_find(const char *header, size_t len, const char *name,
                        char token[SESSION_TOKEN_LEN])
{
    const size_t name_len = strlen(name);
    const char *p = header, *end = header + len;
    int found = 0;
    while (p < end) {
        /* One cookie-pair: up to the next ';'. */
        const char *pair_end = memchr(p, ';', (size_t)(end - p));
        if (!pair_end) pair_end = end;
        const char *s = p, *e = pair_end;
        while (s < e && is_space(*s)) s++;
        while (e > s && is_space(e[-1])) e--;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq && (size_t)(eq - s) == name_len && !memcmp(s, name, name_len)) {
            size_t vlen = (size_t)(e - eq - 1);
            if (++found > 1 || vlen != SESSION_TOKEN_LEN - 1) return -1;
            memcpy(token, eq + 1, vlen);
            token[vlen] = '\0';
        }
        p = pair_end + 1;
    }
    uint8_t hash[SESSION_HASH_BYTES];
    if (found != 1 || session_token_hash(token, hash) != 0) {
        if (found) token[0] = '\0';
        return -1;
    }
    return 0;
}

int session_cookie_parse(const char *header, size_t len, char token[SESSION_TOKEN_LEN])
{
    return session_cookie_find(header, len, SESSION_COOKIE_NAME, token);
}

int session_csrf(const uint8_t key[SESSION_KEY_BYTES], const char *token, char out[CSRF_TOKEN_LEN])
{
    uint8_t hash[SESSION_HASH_BYTES];
    if (session_token_hash(token, hash) != 0) return -1;
    /* The MAC is over the session's stored hash with a purpose label, so the CSRF token reveals
     * nothing about the id and cannot be confused with another MAC under the same key. */
    uint8_t msg[sizeof "regie-csrf-v1" + SESSION_HASH_BYTES];
    memcpy(msg, "regie-csrf-v1", sizeof "regie-csrf-v1");
    memcpy(msg + sizeof "regie-csrf-v1", hash, SESSION_HASH_BYTES);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha256(), key, SESSION_KEY_BYTES, msg, sizeof msg, mac, &mac_len) ||
        mac_len != 32)
        return -1;
    base64_encode(mac, mac_len, out, CSRF_TOKEN_LEN, true);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

bool session_csrf_verify(const uint8_t key[SESSION_KEY_BYTES], const char *token, const char *given)
{
    char want[CSRF_TOKEN_LEN];
    if (!given || session_csrf(key, token, want) != 0) return false;
    bool ok = strnlen(given, CSRF_TOKEN_LEN) == CSRF_TOKEN_LEN - 1 &&
              CRYPTO_memcmp(want, given, CSRF_TOKEN_LEN - 1) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}
