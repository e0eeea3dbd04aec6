/* argon2id hashing and verification. Hashing uses libargon2's encoder; verification parses the
 * stored string itself (strict limits, see password.h), recomputes the raw hash with libargon2 and
 * compares with CRYPTO_memcmp. */
#include "auth/password.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "auth/base64.h"

#define ARGON2_VERSION_19 0x13

struct password_params password_params_default(void)
{
    return (struct password_params){.t_cost = 3, .m_cost_kib = 64 * 1024, .lanes = 1};
}

bool password_params_valid(const struct password_params *p)
{
    return p->t_cost >= 1 && p->t_cost <= PASSWORD_T_MAX && p->lanes >= 1 &&
           p->lanes <= PASSWORD_P_MAX && p->m_cost_kib >= 8 * p->lanes &&
           p->m_cost_kib <= PASSWORD_M_MAX_KIB;
}

const char *password_unacceptable(const char *password, size_t len)
{
    if (len < PASSWORD_MIN_LEN) return "the password is shorter than 10 bytes";
    if (len > PASSWORD_MAX_LEN) return "the password is longer than 1024 bytes";
    if (memchr(password, '\0', len)) return "the password contains a NUL byte";
    return NULL;
}

int password_hash(const struct password_params *params, const char *password, size_t len,
                  char out[PASSWORD_ENCODED_MAX])
{
    if (!password_params_valid(params) || len > PASSWORD_MAX_LEN) return -1;
    uint8_t salt[PASSWORD_SALT_LEN];
    if (RAND_bytes(salt, sizeof salt) != 1) return -1;
    int rc = argon2id_hash_encoded(params->t_cost, params->m_cost_kib, params->lanes, password, len,
                                   salt, sizeof salt, PASSWORD_HASH_LEN, out, PASSWORD_ENCODED_MAX);
    return rc == ARGON2_OK ? 0 : -1;
}

/* Reads "<name>=<decimal>" at *p, no sign, no leading zero, at most max; advances *p. */
static int field(const char **p, const char *end, const char *name, uint32_t max, uint32_t *out)
{
    size_t nl = strlen(name);
    if ((size_t)(end - *p) < nl + 2 || memcmp(*p, name, nl) != 0 || (*p)[nl] != '=') return -1;
    const char *s = *p + nl + 1;
    if (s == end || *s < '0' || *s > '9' ||
        (*s == '0' && s + 1 < end && s[1] >= '0' && s[1] <= '9'))
        return -1;
    uint64_t v = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max) return -1;
        s++;
    }
    *out = (uint32_t)v;
    *p = s;
    return 0;
}

static int expect(const char **p, const char *end, char c)
{
    if (*p == end || **p != c) return -1;
    (*p)++;
    return 0;
}

/* Decodes base64 from *p up to the next '$' (or end) into out. */
static int b64_part(const char **p, const char *end, uint8_t *out, size_t cap, size_t *out_len)
{
    const char *s = *p, *e = s;
    while (e < end && *e != '$') e++;
    int n = base64_decode(s, (size_t)(e - s), out, cap, false);
    if (n < 0) return -1;
    *out_len = (size_t)n;
    *p = e;
    return 0;
}

int password_parse(const char *encoded, size_t len, struct password_encoded *out)
{
    static const char prefix[] = "$argon2id$";
    const char *p = encoded, *end = encoded + len;
    memset(out, 0, sizeof *out);
    if (len > PASSWORD_ENCODED_MAX || len < sizeof prefix - 1 ||
        memcmp(p, prefix, sizeof prefix - 1) != 0)
        return -1;
    p += sizeof prefix - 1;
    if (field(&p, end, "v", 255, &out->version) || out->version != ARGON2_VERSION_19 ||
        expect(&p, end, '$') || field(&p, end, "m", PASSWORD_M_MAX_KIB, &out->params.m_cost_kib) ||
        expect(&p, end, ',') || field(&p, end, "t", PASSWORD_T_MAX, &out->params.t_cost) ||
        expect(&p, end, ',') || field(&p, end, "p", PASSWORD_P_MAX, &out->params.lanes) ||
        expect(&p, end, '$') || b64_part(&p, end, out->salt, sizeof out->salt, &out->salt_len) ||
        expect(&p, end, '$') || b64_part(&p, end, out->hash, sizeof out->hash, &out->hash_len) ||
        p != end)
        return -1;
    if (!password_params_valid(&out->params) || out->salt_len < 8 || out->hash_len < 16) return -1;
    return 0;
}

enum password_rc password_verify(const char *encoded, const char *password, size_t len,
                                 const struct password_params *current, bool *rehash)
{
    struct password_encoded e;
    if (!encoded || password_parse(encoded, strlen(encoded), &e) != 0) return PASSWORD_CORRUPT;
    if (len > PASSWORD_MAX_LEN) return PASSWORD_MISMATCH; /* could never have been hashed */
    uint8_t got[64];
    int rc = argon2id_hash_raw(e.params.t_cost, e.params.m_cost_kib, e.params.lanes, password, len,
                               e.salt, e.salt_len, got, e.hash_len);
    if (rc != ARGON2_OK) {
        OPENSSL_cleanse(got, sizeof got);
        return rc == ARGON2_MEMORY_ALLOCATION_ERROR ? PASSWORD_FAILED : PASSWORD_CORRUPT;
    }
    bool same = CRYPTO_memcmp(got, e.hash, e.hash_len) == 0;
    OPENSSL_cleanse(got, sizeof got);
    if (!same) return PASSWORD_MISMATCH;
    if (rehash)
        *rehash = e.params.t_cost != current->t_cost ||
                  e.params.m_cost_kib != current->m_cost_kib || e.params.lanes != current->lanes ||
                  e.hash_len != PASSWORD_HASH_LEN || e.salt_len != PASSWORD_SALT_LEN;
    return PASSWORD_OK;
}
