/* Opening and closing the SQLite store, and its table of operations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/json_pack.h"
#include "util/log.h"

static void sq_close(struct store *base);

static const struct store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .read = store_sq_read,
    .vread = store_sq_vread,
    .history = store_sq_history,
    .scan = store_sq_scan,
    .search = store_sq_search,
    .refs_from = store_sq_refs_from,
    .refs_to = store_sq_refs_to,
    .check = store_sq_check,
    .write = store_sq_write,
    .tx_current = store_sq_tx_current,
    .tx_put = store_sq_tx_put,
    .tx_find = store_sq_tx_find,
    .tx_purge = store_sq_tx_purge,
};

static void sq_free(struct store_sqlite *s)
{
    store_sq_readers_close(s);
    /* The writer closes last: the last connection to go checkpoints and removes the WAL. */
    store_sq_conn_close(s->wconn);
    store_sq_json_free(s->json);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cv);
    pthread_cond_destroy(&s->idle_cv);
    free(s);
}

static void sq_close(struct store *base)
{
    if (!base) return;
    struct store_sqlite *s = store_sq(base);
    store_sq_writer_stop(s); /* finishes every queued unit first */
    sq_free(s);
}

/* Process-wide SQLite settings, before SQLite initializes: no global memory statistics, which
 * would otherwise take a global mutex on every allocation of every connection. */
static void sq_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_sqlite_open(const struct store_config *cfg, char *err, size_t err_len)
{
    if (!cfg || !cfg->path || !*cfg->path) {
        snprintf(err, err_len, "no database path");
        return NULL;
    }
    if (sqlite3_threadsafe() == 0) {
        snprintf(err, err_len, "libsqlite3 was built without thread support");
        return NULL;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sq_global_init);
    struct store_sqlite *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->base.ops = &sq_ops;
    s->cfg = *cfg;
    struct store_config def;
    store_config_defaults(&def, cfg->path);
    if (!s->cfg.group_max) s->cfg.group_max = def.group_max;
    if (!s->cfg.queue_max) s->cfg.queue_max = def.queue_max;
    if (!s->cfg.cache_kib) s->cfg.cache_kib = def.cache_kib;
    if (!s->cfg.read_cache_kib) s->cfg.read_cache_kib = def.read_cache_kib;
    int n = snprintf(s->path, sizeof s->path, "%s", cfg->path);
    s->cfg.path = s->path;
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work_cv, NULL);
    pthread_cond_init(&s->idle_cv, NULL);
    if (n < 0 || (size_t)n >= sizeof s->path) {
        snprintf(err, err_len, "database path too long");
        goto fail;
    }
    if (!(s->json = store_sq_json_new(&s->cfg))) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }
    s->wconn = store_sq_conn_open(s, true, err, err_len);
    if (!s->wconn) goto fail;
    if (store_sq_migrate(s->wconn->db, err, err_len)) goto fail;
    if (store_sq_json_open(s, err, err_len)) goto fail;
    /* One reader now, so a database readers cannot open fails here rather than on the first GET. */
    struct store_sq_conn *r = store_sq_conn_open(s, false, err, err_len);
    if (!r) goto fail;
    store_sq_reader_put(s, r);
    if (store_sq_writer_start(s, err, err_len)) goto fail;
    return &s->base;
fail:
    sq_free(s);
    return NULL;
}
