#include "cli/load_jobs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct load_jobs {
    void (*run)(void *item, void *ctx);
    void *ctx;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* an item was queued or taken, or one finished */
    void **queue;           /* ring of cap items */
    size_t cap, head, count;
    size_t busy; /* items taken and still running */
    bool stopping;
    pthread_t *threads;
    size_t nthreads;
};

static void *worker(void *arg)
{
    struct load_jobs *j = arg;
    pthread_mutex_lock(&j->lock);
    for (;;) {
        while (j->count == 0 && !j->stopping) pthread_cond_wait(&j->changed, &j->lock);
        if (j->count == 0) break; /* stopping and nothing left */
        void *item = j->queue[j->head];
        j->head = (j->head + 1) % j->cap;
        j->count--;
        j->busy++;
        pthread_cond_broadcast(&j->changed);
        pthread_mutex_unlock(&j->lock);
        j->run(item, j->ctx);
        pthread_mutex_lock(&j->lock);
        j->busy--;
        pthread_cond_broadcast(&j->changed);
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

struct load_jobs *load_jobs_new(size_t workers, void (*run)(void *item, void *ctx), void *ctx)
{
    if (workers > LOAD_JOBS_MAX) workers = LOAD_JOBS_MAX;
    struct load_jobs *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->run = run;
    j->ctx = ctx;
    j->cap = workers ? workers : 1;
    j->queue = calloc(j->cap, sizeof *j->queue);
    j->threads = calloc(j->cap, sizeof *j->threads);
    if (!j->queue || !j->threads) goto fail;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->changed, NULL);
    for (; j->nthreads < workers; j->nthreads++) {
        if (pthread_create(&j->threads[j->nthreads], NULL, worker, j) != 0) {
            load_jobs_free(j);
            return NULL;
        }
    }
    return j;
fail:
    free(j->queue);
    free(j->threads);
    free(j);
    return NULL;
}

void load_jobs_submit(struct load_jobs *j, void *item)
{
    if (j->nthreads == 0) {
        j->run(item, j->ctx);
        return;
    }
    pthread_mutex_lock(&j->lock);
    while (j->count == j->cap) pthread_cond_wait(&j->changed, &j->lock);
    j->queue[(j->head + j->count) % j->cap] = item;
    j->count++;
    pthread_cond_broadcast(&j->changed);
    pthread_mutex_unlock(&j->lock);
}

void load_jobs_wait(struct load_jobs *j)
{
    if (j->nthreads == 0) return;
    pthread_mutex_lock(&j->lock);
    while (j->count > 0 || j->busy > 0) pthread_cond_wait(&j->changed, &j->lock);
    pthread_mutex_unlock(&j->lock);
}

void load_jobs_free(struct load_jobs *j)
{
    if (!j) return;
    if (j->nthreads > 0) {
        pthread_mutex_lock(&j->lock);
        j->stopping = true;
        pthread_cond_broadcast(&j->changed);
        pthread_mutex_unlock(&j->lock);
        for (size_t i = 0; i < j->nthreads; i++) pthread_join(j->threads[i], NULL);
    }
    if (j->queue) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->changed);
    }
    free(j->queue);
    free(j->threads);
    free(j);
}
