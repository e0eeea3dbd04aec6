/* The periodic refresh as a thread of its own: it ticks once a second and lets
 * medmij_lists_refresh decide which lists are due, so the schedule lives in one place. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "medmij/internal.h"

struct medmij_refresher {
    struct medmij_lists *lists;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop; /* under lock */
};

static void *run(void *arg)
{
    struct medmij_refresher *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        pthread_mutex_unlock(&r->lock);
        medmij_lists_refresh(r->lists, time(NULL));
        pthread_mutex_lock(&r->lock);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        while (!r->stop && pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct medmij_refresher *medmij_refresher_start(struct medmij_lists *h)
{
    if (!h) return NULL;
    struct medmij_refresher *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->lists = h;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* wall-clock jumps do not stall it */
    pthread_cond_init(&r->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&r->lock, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

void medmij_refresher_stop(struct medmij_refresher *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
