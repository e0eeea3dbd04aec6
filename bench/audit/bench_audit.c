/* Durable audit entries per second: THREADS threads each record N entries into a fresh log in DIR
 * (every audit_record returns only after fdatasync), then the chain is verified. With "async" the
 * threads use audit_submit and keep up to WINDOW entries each in flight (a worker thread serving
 * WINDOW suspended connections); the time runs until the last callback.
 * usage: bench_audit DIR [THREADS [N [async WINDOW]]] */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"

struct worker {
    struct audit_log *log;
    long n;
    int id;
    long failed;
    int window; /* 0: audit_record */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
};

static void done_cb(void *ctx, enum audit_err err)
{
    struct worker *w = ctx;
    pthread_mutex_lock(&w->mu);
    if (err != AUDIT_OK) w->failed++;
    w->in_flight--;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Waits until fewer than max entries of w are in flight. */
static void wait_in_flight(struct worker *w, int max)
{
    pthread_mutex_lock(&w->mu);
    while (w->in_flight >= max) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    char what[64], patient[32];
    for (long i = 0; i < w->n; i++) {
        snprintf(what, sizeof what, "Observation/obs-%d-%ld", w->id, i);
        snprintf(patient, sizeof patient, "pat-%ld", i % 100);
        struct audit_entry e = {.actor = "user-42",
                                .client = "pgo.example.nl",
                                .token = "sha256:0123456789abcdef0123456789abcdef",
                                .patient = patient,
                                .action = "read",
                                .what = what,
                                .outcome = 200,
                                .purpose = "patient-access",
                                .request = "5b7a2a52-1d5e-4a40-9d38-9f4f0f6f2f11"};
        if (!w->window) {
            if (audit_record(w->log, &e) != AUDIT_OK) w->failed++;
            continue;
        }
        wait_in_flight(w, w->window);
        pthread_mutex_lock(&w->mu);
        w->in_flight++;
        pthread_mutex_unlock(&w->mu);
        if (audit_submit(w->log, &e, done_cb, w) != AUDIT_OK) {
            pthread_mutex_lock(&w->mu);
            w->failed++;
            w->in_flight--;
            pthread_mutex_unlock(&w->mu);
        }
    }
    wait_in_flight(w, 1);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_audit DIR [THREADS [N]]\n");
        return 2;
    }
    int threads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1;
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 2000;
    int window = argc > 5 && !strcmp(argv[4], "async") ? (int)strtol(argv[5], NULL, 10) : 0;
    if (threads < 1 || threads > 256 || n < 1 || window < 0) return 2;
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/bench-audit-%d.log", argv[1], (int)getpid());
    struct audit_log *log = audit_open(path, NULL, err, sizeof err);
    if (!log) {
        fprintf(stderr, "bench_audit: %s\n", err);
        return 1;
    }
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *ts = calloc((size_t)threads, sizeof *ts);
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        ws[i] = (struct worker){.log = log, .n = n, .id = i, .window = window};
        pthread_mutex_init(&ws[i].mu, NULL);
        pthread_cond_init(&ws[i].cv, NULL);
        pthread_create(&ts[i], NULL, work, &ws[i]);
    }
    long failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ts[i], NULL);
        failed += ws[i].failed;
    }
    double dt = now_s() - t0;
    audit_close(log);
    struct audit_report r;
    double v0 = now_s();
    audit_verify(path, NULL, 0, &r);
    double vt = now_s() - v0;
    double total = (double)threads * (double)n;
    printf("%s threads %d entries %.0f seconds %.3f entries/s %.0f per-thread interval %.3f ms "
           "failed %ld "
           "verify %s (%.0f entries/s)\n",
           window ? "submit" : "record", threads, total, dt, total / dt, dt / (double)n * 1000.0,
           failed, r.ok ? "ok" : r.why, (double)r.entries / vt);
    unlink(path);
    free(ws);
    free(ts);
    return failed || !r.ok;
}
