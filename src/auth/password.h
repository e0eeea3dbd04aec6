/* Password hashing with argon2id (RFC 9106), through Debian's libargon2.
 *
 * Hashes are stored as the standard encoded string
 * `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt b64>$<hash b64>`, so each hash carries the
 * parameters it was made with and old hashes keep verifying after the parameters change; a
 * successful login reports when the stored hash's parameters differ from the current ones, and the
 * caller then stores a new hash (the password is at hand only at that moment).
 *
 * Defaults: t=3 passes over m=64 MiB with p=1 lane, a 16-byte random salt and a 32-byte hash.
 * That is above OWASP's argon2id minimums (e.g. m=19 MiB t=2 p=1, or m=46 MiB t=1 p=1) and is
 * RFC 9106's second recommended option with one lane (our server threads supply the parallelism);
 * it costs about 0.1-0.2 s of one core per login. Tests use cheaper parameters through the config.
 */
#ifndef REGIE_AUTH_PASSWORD_H
#define REGIE_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_MIN_LEN     10   /* bytes; with a second factor NIST 800-63B asks for 8 */
#define PASSWORD_MAX_LEN     1024 /* bytes; a cap so a huge "password" is refused, not hashed */
#define PASSWORD_SALT_LEN    16
#define PASSWORD_HASH_LEN    32
#define PASSWORD_ENCODED_MAX 160 /* room for any encoding with the limits below */

/* Limits on parameters read back from a stored hash, so a corrupt or planted row cannot make a
 * login allocate gigabytes or spin for minutes. */
#define PASSWORD_M_MAX_KIB (1u << 20) /* 1 GiB */
#define PASSWORD_T_MAX     64
#define PASSWORD_P_MAX     16

struct password_params {
    uint32_t t_cost;     /* passes */
    uint32_t m_cost_kib; /* memory in KiB */
    uint32_t lanes;      /* parallelism */
};

/* t=3, m=65536 KiB, p=1. */
struct password_params password_params_default(void);

/* Whether argon2 accepts the parameters and they are within the limits above. */
bool password_params_valid(const struct password_params *params);

/* Whether a password is acceptable for a new hash: PASSWORD_MIN_LEN..PASSWORD_MAX_LEN bytes, no
 * NUL. Returns NULL when it is, else the reason (a constant string without the password). */
const char *password_unacceptable(const char *password, size_t len);

/* Hashes password with a fresh random salt into out (PASSWORD_ENCODED_MAX bytes). Returns 0, -1
 * on failure (bad parameters, no memory, no randomness). */
int password_hash(const struct password_params *params, const char *password, size_t len,
                  char out[PASSWORD_ENCODED_MAX]);

/* A parsed encoded hash. */
struct password_encoded {
    uint32_t version; /* 19 (0x13) */
    struct password_params params;
    uint8_t salt[64];
    size_t salt_len;
    uint8_t hash[64];
    size_t hash_len;
};

/* Parses an argon2id encoded string strictly (only argon2id, version 19, parameters in order and
 * within the limits above, unpadded standard base64 of 8..64 salt and 16..64 hash bytes).
 * Returns 0, or -1 when it is not such a string. */
int password_parse(const char *encoded, size_t len, struct password_encoded *out);

enum password_rc {
    PASSWORD_OK,       /* the password matches */
    PASSWORD_MISMATCH, /* it does not */
    PASSWORD_CORRUPT,  /* the stored string is not a hash we accept */
    PASSWORD_FAILED,   /* argon2 itself failed (memory) */
};

/* Verifies password against a stored encoded hash, comparing in constant time. On PASSWORD_OK,
 * *rehash (when not NULL) tells whether the hash was made with parameters other than `current`. */
enum password_rc password_verify(const char *encoded, const char *password, size_t len,
                                 const struct password_params *current, bool *rehash);

#endif
