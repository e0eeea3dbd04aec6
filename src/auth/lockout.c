/* The lockout rules and the per-address table. */
#include "auth/lockout.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX LOCKOUT_KEY_MAX /* longer keys are cut (still a stable key) */

struct lockout_policy lockout_policy_account_default(void)
{
    return (struct lockout_policy){.max_failures = 5,
                                   .lock_seconds = 15 * 60,
                                   .backoff_base = 1,
                                   .backoff_max = 60,
                                   .forget_seconds = 15 * 60};
}

struct lockout_policy lockout_policy_address_default(void)
{
    struct lockout_policy p = lockout_policy_account_default();
    p.max_failures = 20;
    return p;
}

/* The state as it stands at `now`: an expired lock or an old failure run no longer counts. */
static struct lockout_state current(const struct lockout_policy *p, const struct lockout_state *s,
                                    int64_t now)
{
    struct lockout_state c = *s;
    if (c.locked_until && now >= c.locked_until) c = (struct lockout_state){0};
    if (!c.locked_until && c.failures && now - c.last_failure >= p->forget_seconds)
        c = (struct lockout_state){0};
    return c;
}

static int64_t backoff(const struct lockout_policy *p, uint32_t failures)
{
    int64_t wait = p->backoff_base;
    for (uint32_t i = 1; i < failures && wait < p->backoff_max; i++) wait *= 2;
    return wait < p->backoff_max ? wait : p->backoff_max;
}

int64_t lockout_wait(const struct lockout_policy *p, const struct lockout_state *s, int64_t now)
{
    if (!p->max_failures) return 0;
    struct lockout_state c = current(p, s, now);
    if (c.locked_until) return c.locked_until - now;
    if (!c.failures) return 0;
    int64_t ready = c.last_failure + backoff(p, c.failures);
    return ready > now ? ready - now : 0;
}

void lockout_failure(const struct lockout_policy *p, struct lockout_state *s, int64_t now)
{
    if (!p->max_failures) return;
    *s = current(p, s, now);
    if (s->locked_until) return; /* a refused attempt is not counted */
    s->failures++;
    s->last_failure = now;
    if (s->failures >= p->max_failures) s->locked_until = now + p->lock_seconds;
}

void lockout_success(struct lockout_state *s)
{
    *s = (struct lockout_state){0};
}

void lockout_address_key(const char *addr, char out[LOCKOUT_KEY_MAX])
{
    struct in6_addr a6;
    if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1) {
        /* An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address. */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a6.s6_addr, mapped, sizeof mapped)) {
            inet_ntop(AF_INET, a6.s6_addr + 12, out, LOCKOUT_KEY_MAX);
            return;
        }
        memset(a6.s6_addr + 8, 0, 8);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &a6, text, sizeof text);
        snprintf(out, LOCKOUT_KEY_MAX, "%s/64", text);
        return;
    }
    snprintf(out, LOCKOUT_KEY_MAX, "%s", addr ? addr : "local");
}

struct entry {
    char key[KEY_MAX];
    struct lockout_state state;
    bool used;
};

struct lockout_table {
    pthread_mutex_t lock;
    struct lockout_policy policy;
    struct entry *entries;
    size_t capacity;
};

struct lockout_table *lockout_table_new(const struct lockout_policy *policy, size_t capacity)
{
    if (!capacity) return NULL;
    struct lockout_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->entries = calloc(capacity, sizeof *t->entries);
    if (!t->entries) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    t->policy = *policy;
    t->capacity = capacity;
    return t;
}

void lockout_table_free(struct lockout_table *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    free(t->entries);
    free(t);
}

static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

/* Linear probing; entries are never emptied, only overwritten in place, so a probe for a key
 * stops at the first never-used slot. The table is small (thousands) and probed once per login
 * attempt. A new key takes the first slot that is unused or whose state has lapsed, else the
 * slot with the oldest failure. */
static struct entry *find(struct lockout_table *t, const char *key, bool create, int64_t now)
{
    char k[KEY_MAX];
    size_t kl = strnlen(key, KEY_MAX - 1);
    memcpy(k, key, kl);
    k[kl] = '\0';
    size_t start = hash_key(k) % t->capacity, oldest = start, reusable = SIZE_MAX;
    for (size_t i = 0; i < t->capacity; i++) {
        size_t at = (start + i) % t->capacity;
        struct entry *e = &t->entries[at];
        if (!e->used) {
            if (reusable == SIZE_MAX) reusable = at;
            break;
        }
        if (!strcmp(e->key, k)) return e;
        struct lockout_state c = current(&t->policy, &e->state, now);
        if (reusable == SIZE_MAX && !c.failures && !c.locked_until) reusable = at;
        if (e->state.last_failure < t->entries[oldest].state.last_failure) oldest = at;
    }
    if (!create) return NULL;
    struct entry *e = &t->entries[reusable != SIZE_MAX ? reusable : oldest];
    memcpy(e->key, k, kl + 1);
    e->state = (struct lockout_state){0};
    e->used = true;
    return e;
}

int64_t lockout_table_wait(struct lockout_table *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find(t, key, false, now);
    int64_t w = e ? lockout_wait(&t->policy, &e->state, now) : 0;
    pthread_mutex_unlock(&t->lock);
    return w;
}

void lockout_table_failure(struct lockout_table *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find(t, key, true, now);
    lockout_failure(&t->policy, &e->state, now);
    pthread_mutex_unlock(&t->lock);
}

void lockout_table_success(struct lockout_table *t, const char *key)
{
    pthread_mutex_lock(&t->lock);
    struct entry *e = find(t, key, false, 0);
    if (e) lockout_success(&e->state);
    pthread_mutex_unlock(&t->lock);
}
