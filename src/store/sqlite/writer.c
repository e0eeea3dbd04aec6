/* The writer: one thread owning the one read-write connection. ops->write queues a unit and
 * sleeps; the thread takes up to group_max queued units, runs each inside its own SAVEPOINT of one
 * IMMEDIATE transaction, commits once (the one fsync that makes the whole group durable) and then
 * wakes every waiter with its unit's answer. Concurrent requests thus share fsyncs instead of
 * queueing behind each other's. */
#include <stdio.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "store/sqlite/json_pack.h"
#include "util/log.h"

/* Runs a cached statement that returns no rows (transaction control). */
static int exec_stmt(struct store_sq_conn *c, enum store_sq_stmt id, const char *sql)
{
    sqlite3_stmt *st = store_sq_stmt(c, id, sql);
    if (!st) return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void group_set(struct store_sq_work *w, size_t n, enum store_rc rc)
{
    for (size_t i = 0; i < n; i++, w = w->next) w->rc = rc;
}

/* Runs one unit inside its savepoint. Returns false when the enclosing transaction is gone (SQLite
 * rolls the whole transaction back on some errors, e.g. a full disk), which dooms the group. */
static bool run_unit(struct store_sqlite *s, struct store_sq_work *w)
{
    struct store_sq_conn *c = s->wconn;
    int rc = exec_stmt(c, SQ_SAVEPOINT, "SAVEPOINT unit");
    if (rc != SQLITE_OK) {
        w->rc = store_sq_fail(c->db, rc, "savepoint");
        return !sqlite3_get_autocommit(c->db);
    }
    struct store_txn tx = {.s = s, .conn = c, .failed = false};
    int keep = w->fn(&tx, w->ctx) == 0 && !tx.failed;
    if (sqlite3_get_autocommit(c->db)) return false;
    if (keep) {
        rc = exec_stmt(c, SQ_RELEASE, "RELEASE unit");
        w->rc = rc == SQLITE_OK ? STORE_OK : store_sq_fail(c->db, rc, "release");
    } else {
        rc = exec_stmt(c, SQ_ROLLBACK_TO, "ROLLBACK TO unit");
        store_sq_ix_params_rolled_back(c);
        if (rc == SQLITE_OK) rc = exec_stmt(c, SQ_RELEASE, "RELEASE unit");
        if (rc != SQLITE_OK) store_sq_fail(c->db, rc, "rollback to savepoint");
        /* A unit that asked to undo gets NONE; one whose store calls failed gets HARD. */
        w->rc = tx.failed || rc != SQLITE_OK ? STORE_HARD : STORE_NONE;
    }
    return !sqlite3_get_autocommit(c->db);
}

/* Returns true when the group committed. */
static bool run_group(struct store_sqlite *s, struct store_sq_work *batch, size_t n)
{
    struct store_sq_conn *c = s->wconn;
    int rc = exec_stmt(c, SQ_BEGIN_WRITE, "BEGIN IMMEDIATE");
    if (rc != SQLITE_OK) {
        group_set(batch, n, store_sq_fail(c->db, rc, "begin"));
        return false;
    }
    bool alive = true;
    struct store_sq_work *w = batch;
    for (size_t i = 0; i < n && alive; i++, w = w->next) alive = run_unit(s, w);
    if (alive) {
        rc = exec_stmt(c, SQ_COMMIT, "COMMIT");
        if (rc == SQLITE_OK) {
            store_sq_ix_params_committed(c);
            return true;
        }
        store_sq_fail(c->db, rc, "commit");
    } else {
        log_bug("store: a write unit ended the transaction: %s", sqlite3_errmsg(c->db));
    }
    if (!sqlite3_get_autocommit(c->db)) exec_stmt(c, SQ_ROLLBACK, "ROLLBACK");
    store_sq_ix_params_rolled_back(c);
    group_set(batch, n, STORE_HARD);
    return false;
}

static void *writer_main(void *arg)
{
    struct store_sqlite *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stopping) pthread_cond_wait(&s->work_cv, &s->mu);
        if (!s->head) break; /* stopping, and everything queued is done */
        struct store_sq_work *batch = s->head, *last = s->head;
        size_t n = 1;
        while (n < s->cfg.group_max && last->next) {
            last = last->next;
            n++;
        }
        s->head = last->next;
        if (!s->head) s->tail = NULL;
        last->next = NULL;
        s->pending -= (unsigned)n;
        pthread_mutex_unlock(&s->mu);

        bool ok = run_group(s, batch, n);

        pthread_mutex_lock(&s->mu);
        s->stats.units += n;
        if (ok)
            s->stats.commits++;
        else
            s->stats.failed++;
        if (n > s->stats.largest) s->stats.largest = n;
        while (batch) {
            /* The waiter may return (and its stack frame vanish) as soon as done is set. */
            struct store_sq_work *next = batch->next;
            batch->done = true;
            pthread_cond_signal(&batch->cv);
            batch = next;
        }
        if (ok) { /* after the waiters are answered: training takes a second or two, once */
            pthread_mutex_unlock(&s->mu);
            store_sq_json_after_commit(s);
            pthread_mutex_lock(&s->mu);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

enum store_rc store_sq_write(struct store *base, store_work_fn fn, void *ctx)
{
    struct store_sqlite *s = store_sq(base);
    if (s->writer_started && pthread_equal(pthread_self(), s->writer)) {
        log_bug("store: write called from inside a write unit (would deadlock)");
        return STORE_HARD;
    }
    struct store_sq_work w = {.fn = fn, .ctx = ctx, .rc = STORE_HARD};
    pthread_cond_init(&w.cv, NULL);
    pthread_mutex_lock(&s->mu);
    if (s->stopping || s->pending >= s->cfg.queue_max) {
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->mu);
        pthread_cond_destroy(&w.cv);
        if (stopping) log_bug("store: write after close began");
        return stopping ? STORE_HARD : STORE_RETRY;
    }
    if (s->tail)
        s->tail->next = &w;
    else
        s->head = &w;
    s->tail = &w;
    s->pending++;
    s->inflight++;
    pthread_cond_signal(&s->work_cv);
    while (!w.done) pthread_cond_wait(&w.cv, &s->mu);
    if (--s->inflight == 0 && s->stopping) pthread_cond_signal(&s->idle_cv);
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&w.cv);
    return w.rc;
}

int store_sq_writer_start(struct store_sqlite *s, char *err, size_t err_len)
{
    int rc = pthread_create(&s->writer, NULL, writer_main, s);
    if (rc) {
        snprintf(err, err_len, "writer thread: %s", strerror(rc));
        return -1;
    }
    s->writer_started = true;
    return 0;
}

void store_sq_writer_stop(struct store_sqlite *s)
{
    if (!s->writer_started) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->work_cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer, NULL);
    s->writer_started = false;
    /* Callers woken by the writer's last group may not have left write() yet; they still touch
     * the mutex, so the store must outlive them. */
    pthread_mutex_lock(&s->mu);
    while (s->inflight) pthread_cond_wait(&s->idle_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void store_sqlite_stats(struct store *base, struct store_sqlite_stats *out)
{
    struct store_sqlite *s = store_sq(base);
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    out->pending = s->pending;
    pthread_mutex_unlock(&s->mu);
}
