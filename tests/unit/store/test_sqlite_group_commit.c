#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "sqlite_fixture.h"

#define THREADS    8
#define PER_THREAD 200

struct worker {
    struct store *s;
    int n;
    bool undo_odd; /* odd-numbered units ask to be undone */
    enum store_rc rc[PER_THREAD];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char id[32], json[64];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(id, sizeof id, "t%d-%d", w->n, i);
        snprintf(json, sizeof json, "{\"t\":%d,\"i\":%d}", w->n, i);
        struct store_ix tok = {
            .kind = STORE_IX_TOKEN, .param = "identifier", .system = "urn:t", .code = id};
        struct put_unit u = {.s = w->s, .fn_rc = w->undo_odd && (i & 1)};
        u.put = (struct store_put){.type = "Patient",
                                   .id = id,
                                   .version = 1,
                                   .last_updated = "2026-11-22T10:00:00.000Z",
                                   .json = json,
                                   .json_len = strlen(json),
                                   .compartment = id,
                                   .ix = &tok,
                                   .nix = 1};
        w->rc[i] = w->s->ops->write(w->s, put_unit_fn, &u);
    }
    return NULL;
}

/* Reads concurrently with the writers, so reader connections are taken and returned under load. */
struct reader {
    struct store *s;
    atomic_bool stop;
    unsigned reads, found;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    char id[32];
    while (!atomic_load(&r->stop)) {
        snprintf(id, sizeof id, "t%u-%u", r->reads % THREADS, r->reads % PER_THREAD);
        struct store_row row = {0};
        enum store_rc rc = r->s->ops->read(r->s, "Patient", id, &row);
        if (rc == STORE_OK)
            r->found++;
        else if (rc != STORE_NONE)
            break;
        store_row_clear(&row);
        r->reads++;
    }
    return NULL;
}

static void concurrent_writes(void **state, bool undo_odd)
{
    struct fixture *f = *state;
    /* Durable: this is the configuration whose fsyncs group commit exists to share. */
    f->s->ops->close(f->s);
    f->s = fixture_open(f, true);
    assert_non_null(f->s);
    struct store *s = f->s;
    struct worker w[THREADS];
    pthread_t t[THREADS], rt;
    struct reader r = {.s = s};
    atomic_init(&r.stop, false);
    assert_int_equal(pthread_create(&rt, NULL, reader_main, &r), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.s = s, .n = i, .undo_odd = undo_odd};
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    atomic_store(&r.stop, true);
    pthread_join(rt, NULL);
    assert_true(r.reads > 0);

    struct store_sqlite_stats st;
    store_sqlite_stats(s, &st);
    assert_int_equal(st.units, THREADS * PER_THREAD);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.pending, 0);
    /* Groups formed: fewer commits than writes. */
    assert_true(st.commits < st.units);
    assert_true(st.largest > 1);
    fprintf(stderr, "%llu units in %llu commits, largest group %llu\n",
            (unsigned long long)st.units, (unsigned long long)st.commits,
            (unsigned long long)st.largest);

    /* Every acknowledged write is there (after a reopen, too); every undone one is not. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < THREADS; i++) {
            for (int j = 0; j < PER_THREAD; j++) {
                char id[32];
                snprintf(id, sizeof id, "t%d-%d", i, j);
                bool undone = undo_odd && (j & 1);
                assert_int_equal(w[i].rc[j], undone ? STORE_NONE : STORE_OK);
                struct store_row row = {0};
                assert_int_equal(s->ops->read(s, "Patient", id, &row),
                                 undone ? STORE_NONE : STORE_OK);
                store_row_clear(&row);
            }
        }
        s->ops->close(s);
        f->s = s = fixture_open(f, true);
        assert_non_null(s);
    }
    int64_t total = -1;
    struct store_history_q q = {.type = "Patient", .count = 0};
    assert_int_equal(s->ops->history(s, &q, NULL, NULL, &total), STORE_OK);
    assert_int_equal(total, undo_odd ? THREADS * PER_THREAD / 2 : THREADS * PER_THREAD);
}

static void eight_threads_all_acknowledged_present(void **state)
{
    concurrent_writes(state, false);
}

static void undone_units_do_not_spoil_their_group(void **state)
{
    concurrent_writes(state, true);
}

/* ---- queue full ---- */

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered, open;
};

static int blocking_fn(struct store_txn *tx, void *ctx)
{
    struct gate *g = ctx;
    pthread_mutex_lock(&g->mu);
    g->entered = true;
    pthread_cond_broadcast(&g->cv);
    while (!g->open) pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return 0;
}

static int noop_fn(struct store_txn *tx, void *ctx)
{
    return 0;
}

struct bg_write {
    struct store *s;
    store_work_fn fn;
    void *ctx;
    enum store_rc rc;
};

static void *bg_write_main(void *arg)
{
    struct bg_write *b = arg;
    b->rc = b->s->ops->write(b->s, b->fn, b->ctx);
    return NULL;
}

static void full_queue_answers_retry(void **state)
{
    struct fixture *f = *state;
    f->s->ops->close(f->s);
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    cfg.durable = false;
    cfg.queue_max = 1;
    char err[256];
    f->s = store_sqlite_open(&cfg, err, sizeof err);
    assert_non_null(f->s);
    struct store *s = f->s;

    struct gate g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct bg_write a = {.s = s, .fn = blocking_fn, .ctx = &g};
    struct bg_write b = {.s = s, .fn = noop_fn};
    pthread_t ta, tb;
    /* a occupies the writer ... */
    assert_int_equal(pthread_create(&ta, NULL, bg_write_main, &a), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered) pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    /* ... b fills the one queue slot ... */
    assert_int_equal(pthread_create(&tb, NULL, bg_write_main, &b), 0);
    struct store_sqlite_stats st;
    for (int i = 0; i < 5000; i++) {
        store_sqlite_stats(s, &st);
        if (st.pending == 1) break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    assert_int_equal(st.pending, 1);
    /* ... so the next write is turned away at once. */
    assert_int_equal(s->ops->write(s, noop_fn, NULL), STORE_RETRY);

    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, STORE_OK);
    assert_int_equal(b.rc, STORE_OK);
    assert_int_equal(s->ops->write(s, noop_fn, NULL), STORE_OK);
}

/* ---- close finishes queued work ---- */

static void close_finishes_queued_writes(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->s;
    struct gate g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    struct bg_write a = {.s = s, .fn = blocking_fn, .ctx = &g};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, bg_write_main, &a), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.entered) pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    struct put_unit u = {.s = s};
    u.put = (struct store_put){.type = "Patient",
                               .id = "late",
                               .version = 1,
                               .last_updated = "2026-11-22T10:00:00.000Z",
                               .json = "{}",
                               .json_len = 2};
    struct bg_write b = {.s = s, .fn = put_unit_fn, .ctx = &u};
    assert_int_equal(pthread_create(&tb, NULL, bg_write_main, &b), 0);
    struct store_sqlite_stats st;
    for (int i = 0; i < 5000; i++) {
        store_sqlite_stats(s, &st);
        if (st.pending == 1) break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    assert_int_equal(st.pending, 1);
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    s->ops->close(s); /* returns only after the queued put is done */
    f->s = NULL;
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(b.rc, STORE_OK);
    f->s = s = fixture_open(f, false);
    assert_non_null(s);
    struct store_row row = {0};
    assert_int_equal(s->ops->read(s, "Patient", "late", &row), STORE_OK);
    store_row_clear(&row);
}

/* A write from inside a unit would wait on itself: refused. */
static int nested_fn(struct store_txn *tx, void *ctx)
{
    struct bg_write *b = ctx;
    b->rc = b->s->ops->write(b->s, noop_fn, NULL);
    return 0;
}

static void nested_write_refused(void **state)
{
    struct fixture *f = *state;
    struct bg_write b = {.s = f->s, .rc = STORE_OK};
    assert_int_equal(f->s->ops->write(f->s, nested_fn, &b), STORE_OK);
    assert_int_equal(b.rc, STORE_HARD);
}

/* ---- kill -9 ---- */

/* A child writes and reports each acknowledged seq number through a pipe; the parent kills it
 * mid-stream. Every number the parent received must be in the database afterwards. */
static void acknowledged_survives_kill(void **state)
{
    struct fixture *f = *state;
    f->s->ops->close(f->s);
    f->s = NULL;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        struct store *s = fixture_open(f, true);
        if (!s) _exit(3);
        for (int i = 0;; i++) {
            char id[32];
            snprintf(id, sizeof id, "k%d", i);
            if (put_one(s, "Patient", id, 1, "{\"k\":true}", NULL, 0) != STORE_OK) _exit(4);
            if (write(fds[1], &i, sizeof i) != sizeof i) _exit(5);
        }
    }
    close(fds[1]);
    int last = -1, v;
    while (last < 300 && read(fds[0], &v, sizeof v) == sizeof v) last = v;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(fds[0]);
    assert_true(WIFSIGNALED(status));
    assert_true(last >= 300);

    f->s = fixture_open(f, true);
    assert_non_null(f->s);
    for (int i = 0; i <= last; i++) {
        char id[32];
        snprintf(id, sizeof id, "k%d", i);
        struct store_row row = {0};
        assert_int_equal(f->s->ops->read(f->s, "Patient", id, &row), STORE_OK);
        store_row_clear(&row);
    }
    char msg[64];
    assert_int_equal(f->s->ops->check(f->s, msg, sizeof msg), STORE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(eight_threads_all_acknowledged_present, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(undone_units_do_not_spoil_their_group, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(full_queue_answers_retry, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(close_finishes_queued_writes, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(nested_write_refused, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(acknowledged_survives_kill, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
