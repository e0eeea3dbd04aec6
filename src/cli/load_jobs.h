/* A small bounded work queue for `regie import --jobs N`: the reading thread parses lines into
 * batch Bundles and hands each to one of N worker threads, which prepare it (validation, search
 * index extraction: the CPU-heavy part) at the same time as other batches and queue its write to
 * the store's single writer. Without it, preparing batch k+1 waits for batch k's commit, and a
 * big import uses one core.
 *
 * submit blocks while N batches are queued, so memory stays bounded at about 2N batches (N being
 * worked on, N waiting). With N = 0 submit runs the job itself, in the caller's thread. */
#ifndef REGIE_CLI_LOAD_JOBS_H
#define REGIE_CLI_LOAD_JOBS_H

#include <stddef.h>

/* Most worker threads an import may ask for. */
#define LOAD_JOBS_MAX 64

struct load_jobs;

/* run(item, ctx) is called once per submitted item, on a worker thread (or the caller's, with
 * workers = 0); it owns item. Returns NULL when a thread cannot be started. */
struct load_jobs *load_jobs_new(size_t workers, void (*run)(void *item, void *ctx), void *ctx);

/* Hands item to a worker; blocks while the queue is full. */
void load_jobs_submit(struct load_jobs *j, void *item);

/* Waits until every submitted item has been run. */
void load_jobs_wait(struct load_jobs *j);

/* Waits, then stops the workers and frees j. NULL is ignored. */
void load_jobs_free(struct load_jobs *j);

#endif
