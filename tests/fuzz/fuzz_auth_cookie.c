/* Fuzzes the Cookie header parser: any bytes find the session token or not, never a crash; a token
 * found is 43 base64url characters that hash, and its CSRF token verifies against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char token[SESSION_TOKEN_LEN];
    /* The login cookie goes through the same parser under another name. */
    if (session_cookie_find((const char *)data, size, SESSION_LOGIN_COOKIE_NAME, token) == 0 &&
        strlen(token) != SESSION_TOKEN_LEN - 1)
        abort();
    if (session_cookie_parse((const char *)data, size, token) != 0) return 0;
    if (strlen(token) != SESSION_TOKEN_LEN - 1) abort();
    uint8_t hash[SESSION_HASH_BYTES], key[SESSION_KEY_BYTES] = {1};
    if (session_token_hash(token, hash) != 0) abort();
    char csrf[CSRF_TOKEN_LEN];
    if (session_csrf(key, token, csrf) != 0 || !session_csrf_verify(key, token, csrf)) abort();
    return 0;
}
