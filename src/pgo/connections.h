/* The PGO's own records of its patients' MedMij connections, in <data_dir>/pgo.db (SQLite, WAL,
 * synchronous=FULL: a call that returned PGO_CONN_OK survives a crash):
 *
 *   - connections: per patient account (its subject) one row per (provider, data service), with
 *     its state (pending until the first token arrives, connected, revoked), when it was made,
 *     when it was last collected and how that went;
 *   - pending authorizations: what the callback needs to finish a connect (PKCE verifier,
 *     redirect URI, X-Correlation-ID), found by the SHA-256 of the OAuth state, bound to the
 *     account, valid PGO_PENDING_TTL seconds and used once;
 *   - tokens: a connection's access and refresh token;
 *   - shares: what was shared with whom and when (issue 5's "see what was shared").
 *
 * Secrets (tokens, PKCE verifiers) are stored encrypted with AES-256-GCM under a key kept in its
 * own file (<data_dir>/pgo.key, 32 random bytes, made at first open with mode 0600; an existing
 * key file readable by group or others is refused). Each ciphertext is bound to its row and field
 * (the additional authenticated data), so a value copied to another row does not decrypt. A copy
 * of pgo.db alone reveals no token; the state itself is stored only as a hash.
 *
 * Every call takes the time as `now` (Unix seconds) so tests need no clock. One handle may be
 * shared by threads; calls serialise. Never log the secrets this store hands back. */
#ifndef REGIE_PGO_CONNECTIONS_H
#define REGIE_PGO_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PGO_PENDING_TTL     600 /* seconds an authorization may take (10 minutes) */
#define PGO_KEY_BYTES       32
#define PGO_ACCOUNT_MAX     64 /* an account subject (UUID) fits */
#define PGO_PROVIDER_MAX    64 /* a ZAL name: at most 57 characters */
#define PGO_SERVICE_MAX     16
#define PGO_RESULT_MAX      256
#define PGO_VERIFIER_MAX    129 /* RFC 7636: at most 128 characters */
#define PGO_REDIRECT_MAX    1024
#define PGO_CORRELATION_MAX 64
#define PGO_SCOPE_MAX       512

enum pgo_conn_rc {
    PGO_CONN_OK,
    PGO_CONN_NOT_FOUND, /* no such row (for this account) */
    PGO_CONN_EXPIRED,   /* a pending authorization past its time (it is gone now) */
    PGO_CONN_INVALID,   /* a malformed argument (too long, empty) */
    PGO_CONN_ERROR,     /* storage, crypto or system failure (logged) */
};
const char *pgo_conn_rc_text(enum pgo_conn_rc rc);

enum pgo_conn_state { PGO_CONN_PENDING, PGO_CONN_CONNECTED, PGO_CONN_REVOKED };
/* "pending", "connected", "revoked". */
const char *pgo_conn_state_name(enum pgo_conn_state s);

struct pgo_connection {
    int64_t id;
    char account[PGO_ACCOUNT_MAX + 1];
    char provider[PGO_PROVIDER_MAX + 1];
    char service[PGO_SERVICE_MAX + 1];
    enum pgo_conn_state state;
    int64_t created;                      /* Unix seconds */
    int64_t last_collected;               /* 0: never */
    char last_result[PGO_RESULT_MAX + 1]; /* "" before the first collect; never a secret */
};

struct pgo_pending {
    int64_t connection;
    char account[PGO_ACCOUNT_MAX + 1];
    char verifier[PGO_VERIFIER_MAX + 1];
    char redirect_uri[PGO_REDIRECT_MAX + 1];
    char correlation_id[PGO_CORRELATION_MAX + 1];
    int64_t expires;
};

/* A connection's tokens, decrypted; strings are malloc'd. Free with pgo_tokens_clear (which wipes
 * them first). */
struct pgo_tokens {
    char *access;           /* NULL when none is held */
    char *refresh;          /* NULL when none was issued */
    int64_t access_expires; /* Unix seconds; 0 unknown */
    char scope[PGO_SCOPE_MAX + 1];
};
void pgo_tokens_clear(struct pgo_tokens *t);

struct pgo_share_record {
    int64_t id;
    int64_t connection;
    char provider[PGO_PROVIDER_MAX + 1];
    char service[PGO_SERVICE_MAX + 1];
    int64_t shared_at;
    size_t count; /* resources shared */
    char *what;   /* JSON text naming what was shared (ids, period); malloc'd by the list */
    char result[PGO_RESULT_MAX + 1];
};

struct pgo_conn_store;

/* Opens (creating when missing) the database at db_path and the key at key_path (made when
 * missing). NULL with a reason in err on failure. */
struct pgo_conn_store *pgo_conn_open(const char *db_path, const char *key_path, char *err,
                                     size_t err_len);
void pgo_conn_close(struct pgo_conn_store *s);

/* Starts (or restarts) a connection of account to (provider, service): the existing row is kept
 * (a connected one stays connected until new tokens replace the old; a revoked one becomes
 * pending), else a pending one is made. *id receives its id. */
enum pgo_conn_rc pgo_conn_begin(struct pgo_conn_store *s, const char *account, const char *provider,
                                const char *service, int64_t now, int64_t *id);

/* The connection id of account (NOT_FOUND when it is another account's). */
enum pgo_conn_rc pgo_conn_get(struct pgo_conn_store *s, const char *account, int64_t id,
                              struct pgo_connection *out);

/* Calls fn for each of account's connections (oldest first); a non-zero return stops the walk.
 * fn must not call into the store. */
enum pgo_conn_rc pgo_conn_list(struct pgo_conn_store *s, const char *account,
                               int (*fn)(const struct pgo_connection *, void *), void *ctx);

enum pgo_conn_rc pgo_conn_set_state(struct pgo_conn_store *s, int64_t id,
                                    enum pgo_conn_state state);

/* Records a collection: when, and a short human-readable outcome (cut to PGO_RESULT_MAX). */
enum pgo_conn_rc pgo_conn_collected(struct pgo_conn_store *s, int64_t id, int64_t now,
                                    const char *result);

/* Deletes a connection with its tokens and pending authorizations (its shares stay on record). */
enum pgo_conn_rc pgo_conn_delete(struct pgo_conn_store *s, const char *account, int64_t id);

/* Deletes everything of an account (account deletion). */
enum pgo_conn_rc pgo_conn_delete_account(struct pgo_conn_store *s, const char *account);

/* Stores a pending authorization under SHA-256(state); expires = now + PGO_PENDING_TTL (the
 * field in p is ignored). Also drops expired pending rows. */
enum pgo_conn_rc pgo_pending_put(struct pgo_conn_store *s, const char *state,
                                 const struct pgo_pending *p, int64_t now);

/* Takes the pending authorization of state: it is deleted whatever the outcome (single use).
 * PGO_CONN_OK with *out; NOT_FOUND for an unknown or used state or one made for another account
 * (account NULL: any account); EXPIRED past its time. */
enum pgo_conn_rc pgo_pending_take(struct pgo_conn_store *s, const char *state, const char *account,
                                  int64_t now, struct pgo_pending *out);

/* Stores the tokens of a connection (replacing any) and marks it connected. refresh may be NULL
 * (then a refresh token held before is kept: a DVA that does not rotate sends none).
 * access_expires 0: unknown. */
enum pgo_conn_rc pgo_tokens_put(struct pgo_conn_store *s, int64_t id, const char *access,
                                const char *refresh, int64_t access_expires, const char *scope,
                                int64_t now);
/* NOT_FOUND when the connection holds no tokens. */
enum pgo_conn_rc pgo_tokens_get(struct pgo_conn_store *s, int64_t id, struct pgo_tokens *out);
enum pgo_conn_rc pgo_tokens_delete(struct pgo_conn_store *s, int64_t id);

/* Records a share; what is JSON text (copied as given). *id (when not NULL) receives its id. */
enum pgo_conn_rc pgo_share_add(struct pgo_conn_store *s, const char *account, int64_t connection,
                               const char *what, size_t count, const char *result, int64_t now,
                               int64_t *id);
/* Calls fn for each of account's shares, newest first. rec->what is freed after fn returns. */
enum pgo_conn_rc pgo_share_list(struct pgo_conn_store *s, const char *account,
                                int (*fn)(const struct pgo_share_record *, void *), void *ctx);

/* ---- the sealing (exposed for tests) ----
 * AES-256-GCM of plain under key with aad: out = 1 version byte, 12-byte nonce, ciphertext,
 * 16-byte tag (malloc'd, *out_len set). Open reverses it; -1 when anything does not verify. The
 * opened text is malloc'd and NUL-terminated. */
int pgo_seal(const uint8_t key[PGO_KEY_BYTES], const char *aad, const void *plain, size_t len,
             uint8_t **out, size_t *out_len);
int pgo_open_sealed(const uint8_t key[PGO_KEY_BYTES], const char *aad, const uint8_t *sealed,
                    size_t len, char **out, size_t *out_len);

/* Reads the key file, making it (mode 0600, O_EXCL) when absent. -1 with err when it cannot be
 * made, has the wrong size, or is readable by group or others. */
int pgo_key_load(const char *path, uint8_t key[PGO_KEY_BYTES], char *err, size_t err_len);

#endif
