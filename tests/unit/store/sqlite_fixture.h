/* Shared by the store tests: a store on a fresh temporary directory, and one-put write units.
 * Header-only (static functions) because each test_*.c is its own executable. */
#ifndef REGIE_TESTS_STORE_SQLITE_FIXTURE_H
#define REGIE_TESTS_STORE_SQLITE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/sqlite.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *s;
};

static inline struct store *fixture_open(struct fixture *f, bool durable)
{
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    cfg.durable = durable;
    char err[256] = "";
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    if (!s) fprintf(stderr, "open: %s\n", err);
    return s;
}

static inline int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-store-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/db.sqlite", f->dir);
    f->s = fixture_open(f, false);
    if (!f->s) return -1;
    *state = f;
    return 0;
}

static inline int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    if (f->s) f->s->ops->close(f->s);
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A write unit doing one put and reporting the put's answer. */
struct put_unit {
    struct store *s;
    struct store_put put;
    enum store_rc put_rc;
    int fn_rc; /* what the unit returns when the put succeeded */
};

static int put_unit_fn(struct store_txn *tx, void *ctx)
{
    struct put_unit *u = ctx;
    u->put_rc = u->s->ops->tx_put(tx, &u->put);
    return u->put_rc == STORE_OK ? u->fn_rc : 1;
}

/* A TOKEN index row in short, for tests of conditional matching. */
struct fix_token {
    const char *param;
    const char *system; /* NULL: no system */
    const char *code;
};
#define FIX_TOKENS_MAX 16

/* Writes one version (json NULL = delete marker) at the instant `at` and returns the write's
 * answer. */
static inline enum store_rc put_at(struct store *s, const char *type, const char *id,
                                   int64_t version, const char *json, const char *at,
                                   const struct fix_token *tokens, size_t ntokens)
{
    struct put_unit u = {.s = s};
    u.put.type = type;
    u.put.id = id;
    u.put.version = version;
    u.put.last_updated = at;
    u.put.deleted = json == NULL;
    u.put.json = json;
    u.put.json_len = json ? strlen(json) : 0;
    u.put.compartment = !strcmp(type, "Patient") ? id : NULL;
    struct store_ix ix[FIX_TOKENS_MAX] = {0};
    assert_true(ntokens <= FIX_TOKENS_MAX);
    for (size_t i = 0; i < ntokens; i++)
        ix[i] = (struct store_ix){.kind = STORE_IX_TOKEN,
                                  .param = tokens[i].param,
                                  .system = tokens[i].system ? tokens[i].system : "",
                                  .code = tokens[i].code};
    u.put.ix = ix;
    u.put.nix = ntokens;
    return s->ops->write(s, put_unit_fn, &u);
}

/* Writes one version with its search index rows and compartment (json NULL = delete marker). */
static inline enum store_rc put_ix(struct store *s, const char *type, const char *id,
                                   int64_t version, const char *json, const char *compartment,
                                   const struct store_ix *ix, size_t nix)
{
    struct put_unit u = {.s = s};
    u.put.type = type;
    u.put.id = id;
    u.put.version = version;
    u.put.last_updated = "2026-11-22T10:00:00.000Z";
    u.put.deleted = json == NULL;
    u.put.json = json;
    u.put.json_len = json ? strlen(json) : 0;
    u.put.compartment = compartment;
    u.put.ix = ix;
    u.put.nix = nix;
    return s->ops->write(s, put_unit_fn, &u);
}

static inline enum store_rc put_one(struct store *s, const char *type, const char *id,
                                    int64_t version, const char *json,
                                    const struct fix_token *tokens, size_t ntokens)
{
    return put_at(s, type, id, version, json, "2026-11-22T10:00:00.000Z", tokens, ntokens);
}

#endif
