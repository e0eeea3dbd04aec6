/* A small open-addressing string -> index map for the Bundle engine (fullUrl -> entry, conditional
 * reference -> resolution), so rewriting references is linear in their number. Keys are not
 * owned. */
#include <stdlib.h>
#include <string.h>

#include "rest/internal.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int rest_strmap_init(struct rest_strmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
    if (!m->keys || !m->vals) {
        rest_strmap_free(m);
        return -1;
    }
    return 0;
}

void rest_strmap_free(struct rest_strmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

bool rest_strmap_get(const struct rest_strmap *m, const char *key, size_t *val)
{
    if (!m->cap) return false;
    for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return false;
        if (!strcmp(m->keys[i], key)) {
            *val = m->vals[i];
            return true;
        }
    }
}

static void insert(struct rest_strmap *m, const char *key, size_t val)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
}

int rest_strmap_put(struct rest_strmap *m, const char *key, size_t val)
{
    size_t old;
    if (rest_strmap_get(m, key, &old)) return 1;
    if ((m->n + 1) * 2 > m->cap) {
        struct rest_strmap g;
        if (rest_strmap_init(&g, m->cap) != 0) return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) insert(&g, m->keys[i], m->vals[i]);
        rest_strmap_free(m);
        *m = g;
    }
    insert(m, key, val);
    return 0;
}
