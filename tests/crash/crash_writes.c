/* Crash durability: concurrent writers against a real regie, SIGKILL at a random moment, restart on
 * the same database, and every write the server acknowledged must be there, byte for byte, with the
 * database intact. Three kill cycles per run, then one SIGTERM under load (exit 0, nothing lost).
 *
 *   crash_writes REGIE_BINARY
 *
 * REGIE_CRASH_SEED fixes the random kill moments; REGIE_CRASH_THREADS the writer count (default 4);
 * REGIE_KEEP_TMP=1 keeps the database and server log. Exits 0 when nothing was lost. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../scenario/client.h"
#include "../scenario/proc.h"
#include "crash_ledger.h"
#include "crash_tx.h"

#define CRASH_CYCLES              3
#define CRASH_MAX_THREADS         16
#define CRASH_PATIENTS_PER_THREAD 8
#define CRASH_START_TIMEOUT_S     60
#define CRASH_REQ_TIMEOUT_S       20
#define CRASH_UNKNOWN_PER_WRITER  8

struct writer {
    int idx;
    int cycle;
    const char *base;
    atomic_bool *killed;
    pthread_t th;
    struct ledger acks;
    size_t busy;       /* 503: the server said try again, a legitimate refusal */
    size_t unexpected; /* any other non-success while the server was alive */
    size_t txs;        /* acknowledged transactions */
    long seq;
    /* transactions without an answer (in flight at the kill): all-or-nothing is checked */
    char unknown[CRASH_UNKNOWN_PER_WRITER][CRASH_TX_PREFIX_MAX];
    size_t nunknown;
};

/* A transaction of three PUTs; its entries join the ledger when acknowledged. */
static void write_tx(struct writer *w, CURL *curl, struct client_resp *r, long seq)
{
    char prefix[CRASH_TX_PREFIX_MAX];
    enum crash_tx_result res =
        crash_tx_write(curl, w->base, w->idx, w->cycle, seq, &w->acks, prefix, r);
    if (res == CRASH_TX_ACKED) {
        w->txs++;
        return;
    }
    if (res == CRASH_TX_UNKNOWN && w->nunknown < CRASH_UNKNOWN_PER_WRITER)
        memcpy(w->unknown[w->nunknown++], prefix, CRASH_TX_PREFIX_MAX);
    if (atomic_load(w->killed)) return;
    if (res == CRASH_TX_REFUSED && r->status == 503) {
        w->busy++;
        return;
    }
    if (w->unexpected < 5)
        fprintf(stderr, "crash: writer %d: transaction %s -> status %ld %s\n", w->idx, prefix,
                r->status, r->err);
    w->unexpected++;
}

/* One write, in turn: PUT one of this writer's Patients, POST an Observation, a transaction. */
static void write_once(struct writer *w, CURL *curl, struct client_resp *r)
{
    long seq = w->seq++;
    if (seq % 3 == 2) {
        write_tx(w, curl, r, seq);
        return;
    }
    bool put = seq % 3 == 0;
    char url[512], id[65] = "", value[32] = "";
    char *json = malloc(1024);
    if (!json) abort();
    if (put) {
        snprintf(id, sizeof id, "crash-t%d-p%ld", w->idx, (seq / 3) % CRASH_PATIENTS_PER_THREAD);
        snprintf(url, sizeof url, "%s/Patient/%s", w->base, id);
        snprintf(
            json, 1024,
            "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"active\":true,\"name\":[{\"family\":"
            "\"Crash\",\"given\":[\"c%d-s%ld\"]}],\"birthDate\":\"1970-01-01\"}",
            id, w->cycle, seq);
    } else {
        snprintf(url, sizeof url, "%s/Observation", w->base);
        snprintf(value, sizeof value, "\"value\":%ld.50", seq);
        snprintf(json, 1024,
                 "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":"
                 "\"crash t%d c%d s%ld\"},\"valueQuantity\":{%s,\"unit\":\"kg\"}}",
                 w->idx, w->cycle, seq, value);
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    int rc = client_request(curl, put ? "PUT" : "POST", url, h, json, strlen(json),
                            CRASH_REQ_TIMEOUT_S, r);
    curl_slist_free_all(h);
    bool ok = rc == 0 && (r->status == 200 || r->status == 201) && !r->err[0];
    long version = ok ? ledger_etag_version(client_resp_header(r, "ETag")) : -1;
    if (ok && !put) {
        /* The server-assigned id is the segment before /_history/ in Location. */
        const char *loc = client_resp_header(r, "Location");
        const char *h2 = loc ? strstr(loc, "/_history/") : NULL;
        const char *start = h2;
        while (start && start > loc && start[-1] != '/') start--;
        if (start && h2 - start > 0 && h2 - start < (long)sizeof id)
            snprintf(id, sizeof id, "%.*s", (int)(h2 - start), start);
    }
    if (ok && version > 0 && id[0]) {
        if (ledger_add(&w->acks, put ? "Patient" : "Observation", id, version, json, value) != 0)
            abort();
        return;
    }
    free(json);
    if (atomic_load(w->killed)) return;
    if (rc == 0 && r->status == 503)
        w->busy++;
    else {
        if (w->unexpected < 5)
            fprintf(stderr, "crash: writer %d: %s %s -> status %ld %s%s\n", w->idx,
                    put ? "PUT" : "POST", url, r->status, r->err,
                    ok ? " (success without ETag/Location)" : "");
        w->unexpected++;
    }
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    CURL *curl = curl_easy_init();
    if (!curl) abort();
    struct client_resp r;
    client_resp_init(&r);
    while (!atomic_load(w->killed)) write_once(w, curl, &r);
    client_resp_free(&r);
    curl_easy_cleanup(curl);
    return NULL;
}

/* PRAGMA integrity_check on a read-only connection. Returns 0 when it says "ok". */
static int integrity_ok(const char *db)
{
    sqlite3 *conn = NULL;
    int rc = sqlite3_open_v2(db, &conn, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "crash: open %s read-only: %s\n", db, conn ? sqlite3_errmsg(conn) : "?");
        sqlite3_close(conn);
        return -1;
    }
    sqlite3_busy_timeout(conn, 10000);
    sqlite3_stmt *st = NULL;
    int result = -1;
    if (sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
        result = 0;
        int rows = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *msg = (const char *)sqlite3_column_text(st, 0);
            rows++;
            if (!msg || strcmp(msg, "ok") != 0) {
                fprintf(stderr, "crash: integrity_check: %s\n", msg ? msg : "(null)");
                result = -1;
            }
        }
        if (rc != SQLITE_DONE || rows == 0) {
            fprintf(stderr, "crash: integrity_check failed to run: %s\n", sqlite3_errmsg(conn));
            result = -1;
        }
    } else {
        fprintf(stderr, "crash: integrity_check: %s\n", sqlite3_errmsg(conn));
    }
    sqlite3_finalize(st);
    sqlite3_close(conn);
    return result;
}

/* A fresh write and its read-back: the restarted server takes writes again. */
static int serves_writes(CURL *curl, const char *base, int cycle)
{
    char url[512], body[256];
    snprintf(url, sizeof url, "%s/Patient/crash-after-%d", base, cycle);
    snprintf(body, sizeof body,
             "{\"resourceType\":\"Patient\",\"id\":\"crash-after-%d\",\"gender\":\"other\"}",
             cycle);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    struct client_resp r;
    client_resp_init(&r);
    int ok =
        client_request(curl, "PUT", url, h, body, strlen(body), CRASH_REQ_TIMEOUT_S, &r) == 0 &&
        r.status == 201;
    if (!ok) fprintf(stderr, "crash: write after restart: status %ld %s\n", r.status, r.err);
    if (ok)
        ok = client_request(curl, "GET", url, NULL, NULL, 0, CRASH_REQ_TIMEOUT_S, &r) == 0 &&
             r.status == 200 && r.body.data && strstr(r.body.data, "\"gender\":\"other\"");
    client_resp_free(&r);
    curl_slist_free_all(h);
    return ok ? 0 : -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long env_long(const char *name, long dflt, long lo, long hi)
{
    const char *s = getenv(name);
    if (!s || !*s) return dflt;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return (*end || v < lo || v > hi) ? dflt : v;
}

struct totals {
    size_t puts, posts, txs, busy, unexpected;
    char (*unknown)[CRASH_TX_PREFIX_MAX]; /* transactions in flight at a kill */
    size_t nunknown;
};

/* Writers for a random 1-3 s, then SIGKILL (or, when term, SIGTERM under load, which must end in
 * exit status 0). Acknowledged writes join all. Returns 0, or -1 when a SIGTERM went wrong. */
static int run_cycle(struct regie_proc *p, int cycle, bool term, int nthreads, struct ledger *all,
                     struct totals *t)
{
    atomic_bool killed = false;
    struct writer w[CRASH_MAX_THREADS];
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct writer){.idx = i, .cycle = cycle, .base = p->base, .killed = &killed};
        if (pthread_create(&w[i].th, NULL, writer_main, &w[i]) != 0) abort();
    }
    long delay = 1000 + rand() % 2001;
    sleep_ms(delay);
    atomic_store(&killed, true);
    int rc = 0;
    if (term) {
        int status = proc_stop(p, 30);
        if (status != 0) {
            fprintf(stderr, "crash: SIGTERM under load: exit status %d, expected 0\n", status);
            rc = -1;
        }
    } else {
        proc_kill(p);
    }
    size_t before = all->n;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].th, NULL);
        for (size_t j = 0; j < w[i].acks.n; j++) {
            if (!strncmp(w[i].acks.acks[j].id, "ctx-", 4)) continue;
            if (!strcmp(w[i].acks.acks[j].type, "Patient"))
                t->puts++;
            else
                t->posts++;
        }
        t->busy += w[i].busy;
        t->txs += w[i].txs;
        for (size_t j = 0; j < w[i].nunknown; j++)
            memcpy(t->unknown[t->nunknown++], w[i].unknown[j], CRASH_TX_PREFIX_MAX);
        t->unexpected += w[i].unexpected;
        if (ledger_merge(all, &w[i].acks) != 0) abort();
        ledger_free(&w[i].acks);
    }
    printf("crash: cycle %d: %s after %ld ms, %zu writes acknowledged\n", cycle,
           term ? "SIGTERM" : "SIGKILL", delay, all->n - before);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s REGIE_BINARY\n", argv[0]);
        return 2;
    }
    unsigned seed =
        (unsigned)env_long("REGIE_CRASH_SEED", (long)(time(NULL) ^ getpid()), 0, 0x7fffffff);
    int nthreads = (int)env_long("REGIE_CRASH_THREADS", 4, 1, CRASH_MAX_THREADS);
    srand(seed);
    printf("crash: seed %u, %d writers, %d kill cycles and one SIGTERM under load\n", seed,
           nthreads, CRASH_CYCLES);
    fflush(stdout);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    char dir[4096], db[4200], log[4200], err[512];
    if (proc_tmpdir("crash", dir, sizeof dir) != 0) {
        perror("crash: temp dir");
        return 1;
    }
    snprintf(db, sizeof db, "%s/regie.db", dir);
    snprintf(log, sizeof log, "%s/server.log", dir);

    struct ledger all = {0};
    struct totals t = {0};
    t.unknown = calloc((size_t)(CRASH_CYCLES + 1) * CRASH_MAX_THREADS * CRASH_UNKNOWN_PER_WRITER,
                       CRASH_TX_PREFIX_MAX);
    if (!t.unknown) abort();
    size_t problems = 0;
    struct regie_proc p;
    CURL *curl = curl_easy_init();
    int failed = proc_start(&p, argv[1], db, NULL, 0, log, CRASH_START_TIMEOUT_S, err, sizeof err);
    if (failed) fprintf(stderr, "crash: server did not start: %s\n", err);
    for (int cycle = 1; cycle <= CRASH_CYCLES + 1 && !failed; cycle++) {
        if (run_cycle(&p, cycle, cycle > CRASH_CYCLES, nthreads, &all, &t) != 0) failed = 1;
        if (integrity_ok(db) != 0) failed = 1;
        if (proc_start(&p, argv[1], db, NULL, 0, log, CRASH_START_TIMEOUT_S, err, sizeof err)) {
            fprintf(stderr, "crash: restart after kill %d failed: %s\n", cycle, err);
            failed = 1;
            break;
        }
        size_t lost = ledger_verify(&all, curl, p.base);
        if (lost)
            fprintf(stderr, "crash: after kill %d: %zu acknowledged writes bad\n", cycle, lost);
        problems += lost;
        size_t torn = crash_tx_check_unknown(curl, p.base, t.unknown, t.nunknown);
        if (torn) fprintf(stderr, "crash: after kill %d: %zu torn transactions\n", cycle, torn);
        problems += torn;
        if (serves_writes(curl, p.base, cycle) != 0) failed = 1;
    }
    if (p.pid > 0) {
        int status = proc_stop(&p, 30);
        if (status != 0) {
            fprintf(stderr, "crash: final SIGTERM: exit status %d, expected 0\n", status);
            failed = 1;
        }
        if (integrity_ok(db) != 0) failed = 1;
    }
    if (t.unexpected) failed = 1;
    if (all.n == 0 && !failed) {
        fprintf(stderr, "crash: no write was ever acknowledged; nothing was tested\n");
        failed = 1;
    }
    if (failed || problems) proc_dump_log(&p, 6000);
    printf("crash: %zu acknowledged resource versions (%zu PUT Patient, %zu POST Observation, %zu "
           "transactions of 3), %zu transactions unanswered at a kill (all-or-nothing checked), "
           "%zu busy, %zu unexpected statuses, %zu lost, wrong or torn; integrity %s -> %s\n",
           all.n, t.puts, t.posts, t.txs, t.nunknown, t.busy, t.unexpected, problems,
           failed ? "see above" : "ok", failed || problems ? "FAIL" : "ok");
    free(t.unknown);
    curl_easy_cleanup(curl);
    ledger_free(&all);
    curl_global_cleanup();
    if (getenv("REGIE_KEEP_TMP"))
        fprintf(stderr, "crash: kept %s\n", dir);
    else
        proc_rmtree(dir);
    return failed || problems ? 1 : 0;
}
