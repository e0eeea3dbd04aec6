/* PKCE (RFC 7636, S256) and the OAuth state: random values the PGO keeps with a pending connect. */
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "auth/base64.h"
#include "pgo/backchannel.h"

#define RANDOM_BYTES 32 /* 256 bits: base64url gives the 43 characters RFC 7636 asks at least */

static int random_b64url(char *out, size_t cap)
{
    unsigned char r[RANDOM_BYTES];
    if (RAND_bytes(r, sizeof r) != 1) return -1;
    int n = base64_encode(r, sizeof r, out, cap, true);
    OPENSSL_cleanse(r, sizeof r);
    return n < 0 ? -1 : 0;
}

/* RFC 7636 4.1: unreserved characters only. */
static bool verifier_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int pgo_pkce_challenge(const char *verifier, char out[PGO_PKCE_CHALLENGE_LEN + 1])
{
    out[0] = '\0';
    if (!verifier) return -1;
    size_t n = strlen(verifier);
    if (n < 43 || n > 128) return -1;
    for (size_t i = 0; i < n; i++)
        if (!verifier_char(verifier[i])) return -1;
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)verifier, n, md);
    return base64_encode(md, sizeof md, out, PGO_PKCE_CHALLENGE_LEN + 1, true) ==
                   PGO_PKCE_CHALLENGE_LEN
               ? 0
               : -1;
}

int pgo_pkce_new(struct pgo_pkce *out)
{
    memset(out, 0, sizeof *out);
    if (random_b64url(out->verifier, sizeof out->verifier) != 0) return -1;
    return pgo_pkce_challenge(out->verifier, out->challenge);
}

int pgo_state_new(char out[PGO_STATE_LEN + 1])
{
    out[0] = '\0';
    return random_b64url(out, PGO_STATE_LEN + 1);
}
