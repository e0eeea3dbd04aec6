/* The pending authorization request (authorize_priv.h): the checked request's parameters as a
 * form-encoded text with the time it was made, signed with HMAC-SHA256 under a key drawn once per
 * process. It carries the request through the login and consent forms without server state and
 * without trusting a hidden field: a changed byte breaks the signature. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/base64.h"
#include "oauth/authorize_priv.h"
#include "util/log.h"

#define KEY_BYTES 32
#define MAC_BYTES 32

static uint8_t seal_key[KEY_BYTES];
static bool seal_key_ok;
static pthread_once_t seal_key_once = PTHREAD_ONCE_INIT;

static void seal_key_init(void)
{
    seal_key_ok = RAND_bytes(seal_key, sizeof seal_key) == 1;
    if (!seal_key_ok) log_bug("no random bytes for the pending-request key");
}

static bool mac(const char *data, size_t len, uint8_t out[MAC_BYTES])
{
    pthread_once(&seal_key_once, seal_key_init);
    if (!seal_key_ok) return false;
    unsigned int n = 0;
    return HMAC(EVP_sha256(), seal_key, sizeof seal_key, (const unsigned char *)data, len, out,
                &n) != NULL &&
           n == MAC_BYTES;
}

static void pair(struct buf *b, const char *name, const char *value)
{
    if (!value || !*value) return;
    if (b->len) buf_append_char(b, '&');
    buf_append_str(b, name);
    buf_append_char(b, '=');
    authz_pct_encode(b, value);
}

char *authz_pending_seal(const struct authz_request *r, int64_t now)
{
    struct buf text;
    buf_init(&text, AUTHZ_PENDING_MAX);
    char iat[32];
    snprintf(iat, sizeof iat, "%lld", (long long)now);
    pair(&text, "iat", iat);
    pair(&text, "response_type", "code");
    pair(&text, "client_id", r->client_id);
    pair(&text, "redirect_uri", r->redirect_uri);
    pair(&text, "scope", r->scope);
    pair(&text, "state", r->state);
    pair(&text, "code_challenge", r->code_challenge);
    pair(&text, "code_challenge_method", "S256");
    pair(&text, "MedMij-Request-ID", r->request_id);
    pair(&text, "X-Correlation-ID", r->correlation_id);
    uint8_t m[MAC_BYTES];
    char *out = NULL;
    if (!text.overflowed && text.data && mac(text.data, text.len, m)) {
        size_t cap = BASE64_ENCODED_LEN(text.len) + 1 + BASE64_ENCODED_LEN(MAC_BYTES) + 1;
        out = malloc(cap);
        int a = out ? base64_encode((const uint8_t *)text.data, text.len, out, cap, true) : -1;
        if (a >= 0) {
            out[a] = '.';
            if (base64_encode(m, sizeof m, out + a + 1, cap - (size_t)a - 1, true) < 0) a = -1;
        }
        if (a < 0) {
            free(out);
            out = NULL;
        }
    }
    buf_free(&text);
    return out;
}

int authz_pending_open(const char *sealed, int64_t now, struct http_params *params)
{
    size_t len = strnlen(sealed, AUTHZ_PENDING_MAX + 1);
    if (len > AUTHZ_PENDING_MAX) return -1;
    const char *dot = memchr(sealed, '.', len);
    if (!dot) return -1;
    size_t body_len = (size_t)(dot - sealed);
    uint8_t given[MAC_BYTES + 1], want[MAC_BYTES];
    if (base64_decode(dot + 1, len - body_len - 1, given, sizeof given, true) != MAC_BYTES)
        return -1;
    char *text = malloc(body_len + 1);
    if (!text) return -1;
    int n = base64_decode(sealed, body_len, (uint8_t *)text, body_len + 1, true);
    int rc = -1;
    if (n < 0 || !mac(text, (size_t)n, want) || CRYPTO_memcmp(given, want, MAC_BYTES) != 0)
        goto out;
    text[n] = '\0';
    /* The text is ours (the signature holds), so it parses; the time decides the rest. */
    if (http_query_parse(params, text, (size_t)n) != HTTP_QUERY_OK || params->n == 0 ||
        strcmp(params->items[0].name, "iat") != 0)
        goto out;
    char *end = NULL;
    long long iat = strtoll(params->items[0].value, &end, 10);
    if (!end || *end || iat > now + 60 || now - iat > AUTHZ_PENDING_TTL) goto out;
    rc = 0;
out:
    if (rc != 0) http_params_reset(params);
    free(text);
    return rc;
}
