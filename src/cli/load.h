/* Loading one import file through the Bundle engine: detects what the file holds (one Bundle or
 * resource, or NDJSON), hands it to rest_process_bundle / rest_put_resource, and reports every
 * failure on stderr without stopping. */
#ifndef REGIE_CLI_LOAD_H
#define REGIE_CLI_LOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/progress.h"
#include "rest/rest.h"

/* Failures reported one by one per file; beyond this only their number is. */
#define CLI_REPORT_MAX 20

/* Set (from a signal handler) to make cli_load_file stop at the next batch boundary: whatever was
 * sent to the engine is complete, nothing after it is read. */
extern volatile sig_atomic_t cli_load_stop;

/* Loads path. NDJSON lines and the resources of a collection go to the engine in batch Bundles
 * of batch entries each (0 means CLI_NDJSON_CHUNK; more than CLI_BATCH_MAX is cut to it): each
 * batch is one commit, so bigger batches load faster and a refused batch loses more. Adds the
 * resources stored and the failures (resources not stored, or 1 for a file that could not be
 * read at all) to p->resources and p->failures, redrawing p as it goes. Returns 0 when
 * everything in the file was stored, 1 otherwise.
 * jobs > 1 prepares that many batches at once on worker threads (load_jobs.h); their writes still
 * go through the store's one writer, in the order they are ready, so with jobs > 1 the write
 * order of resources (and the order of failure reports) is not the file's. */
int cli_load_file(struct rest_ctx *rc, struct cli_progress *p, const char *path, size_t batch,
                  size_t jobs);

#endif
