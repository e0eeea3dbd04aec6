/* Durable audit entries per second: THREADS threads each record N entries into a fresh log in DIR
 * (every audit_record returns only after fdatasync), then the chain is verified.
 * usage: bench_audit DIR [THREADS [N]] */
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
};

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
        if (audit_record(w->log, &e) != AUDIT_OK) w->failed++;
    }
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
    if (threads < 1 || threads > 256 || n < 1) return 2;
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
        ws[i] = (struct worker){.log = log, .n = n, .id = i};
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
    audit_verify(path, NULL, 0, &r);
    double total = (double)threads * (double)n;
    printf("threads %d entries %.0f seconds %.3f entries/s %.0f mean latency %.3f ms failed %ld "
           "verify %s\n",
           threads, total, dt, total / dt, dt / (double)n * 1000.0, failed, r.ok ? "ok" : r.why);
    unlink(path);
    free(ws);
    free(ts);
    return failed || !r.ok;
}
