/* Failed-login throttling, per account and per client address.
 *
 * After the k-th consecutive failure (k < max_failures) the next attempt is refused until
 * backoff_base * 2^(k-1) seconds (capped at backoff_max) have passed since that failure; at the
 * max_failures-th failure the key is locked for lock_seconds. A success clears the count, and so
 * does a quiet period of forget_seconds after the last failure. Refused attempts (while waiting
 * or locked) are not counted: they prove nothing and counting them would let anyone extend a lock
 * forever.
 *
 * Defaults: accounts lock after 5 failures for 15 minutes, backoff 1, 2, 4, 8 s; addresses lock
 * after 20 failures (one address may be a whole practice behind NAT), also for 15 minutes.
 *
 * The rules are pure functions over a small state, so the account store can keep an account's
 * state in its row (a restart does not unlock) and the address table keeps its own in memory. Time
 * is always passed in, so tests drive it. */
#ifndef REGIE_AUTH_LOCKOUT_H
#define REGIE_AUTH_LOCKOUT_H

#include <stddef.h>
#include <stdint.h>

struct lockout_policy {
    uint32_t max_failures;  /* failures that lock; 0 turns the policy off */
    int64_t lock_seconds;   /* how long a lock lasts */
    int64_t backoff_base;   /* seconds after the first failure */
    int64_t backoff_max;    /* cap on one backoff wait */
    int64_t forget_seconds; /* a failure this old no longer counts */
};

struct lockout_policy lockout_policy_account_default(void);
struct lockout_policy lockout_policy_address_default(void);

struct lockout_state {
    uint32_t failures;    /* consecutive failures counted so far */
    int64_t last_failure; /* Unix seconds */
    int64_t locked_until; /* Unix seconds; 0 when not locked */
};

/* Seconds until an attempt is allowed at `now` (0: allowed now). */
int64_t lockout_wait(const struct lockout_policy *p, const struct lockout_state *s, int64_t now);

/* Counts a failure at `now` (call only for attempts lockout_wait allowed). */
void lockout_failure(const struct lockout_policy *p, struct lockout_state *s, int64_t now);

/* A success: the count starts again. */
void lockout_success(struct lockout_state *s);

#define LOCKOUT_KEY_MAX 64

/* The throttle key of a client address: an IPv4 address as is, an IPv6 address cut to its /64
 * (one subscriber usually holds a whole /64, so counting single addresses would let one attacker
 * rotate through 2^64 of them), anything else (a Unix socket name, "local") as is, cut to fit. */
void lockout_address_key(const char *addr, char out[LOCKOUT_KEY_MAX]);

/* A fixed-size in-memory table of states by key (client addresses), safe to share between
 * threads. When it is full, the entry with the oldest failure gives way. */
struct lockout_table;

struct lockout_table *lockout_table_new(const struct lockout_policy *policy, size_t capacity);
void lockout_table_free(struct lockout_table *t);
/* As lockout_wait for key (an unknown key may try at once). */
int64_t lockout_table_wait(struct lockout_table *t, const char *key, int64_t now);
void lockout_table_failure(struct lockout_table *t, const char *key, int64_t now);
void lockout_table_success(struct lockout_table *t, const char *key);

#endif
