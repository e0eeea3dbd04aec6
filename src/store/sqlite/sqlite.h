/* SQLite-specific extras beyond store.h, for tests and operators. */
#ifndef REGIE_STORE_SQLITE_SQLITE_H
#define REGIE_STORE_SQLITE_SQLITE_H

#include <stdint.h>

struct store;

/* Counters of the writer since open. */
struct store_sqlite_stats {
    uint64_t units;   /* work units finished (any outcome) */
    uint64_t commits; /* groups committed (each one fsync when durable) */
    uint64_t failed;  /* groups whose BEGIN or COMMIT failed */
    uint64_t largest; /* most units in one group */
    unsigned pending; /* units queued right now, not yet taken by the writer */
};

/* Copies the counters of s, which must come from store_sqlite_open. */
void store_sqlite_stats(struct store *s, struct store_sqlite_stats *out);

#endif
