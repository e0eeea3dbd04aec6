/* The store: where resources live. One struct of function pointers, one function per operation;
 * store/sqlite/ implements it (store/pg/ may later). The store knows SQL and nothing of HTTP; it
 * treats a resource as (type, id, version, JSON bytes) plus the index rows it is given.
 *
 * Threads: reads may be called from any thread at once. Writes go through ops->write, which runs
 * the caller's work function on the store's single writer connection; concurrent writes are
 * committed in groups (one fsync for many requests), and ops->write returns only once the write is
 * durable. */
#ifndef REGIE_STORE_STORE_H
#define REGIE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_TYPE_MAX    64 /* longest resource type name + NUL */
#define STORE_ID_MAX      65 /* FHIR ids are at most 64 characters */
#define STORE_INSTANT_MAX 40

/* Every store function answers one of these. */
enum store_rc {
    STORE_HARD = -2,  /* failure (I/O, corrupt database, out of memory): logged as our bug */
    STORE_RETRY = -1, /* transient (busy, queue full): the caller may answer 503 or retry */
    STORE_NONE = 0,   /* no such row */
    STORE_OK = 1      /* done / found */
};

/* One stored version of a resource. */
struct store_row {
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
    int64_t version;
    int64_t seq;                          /* global write order; history pages by it */
    char last_updated[STORE_INSTANT_MAX]; /* FHIR instant, UTC, e.g. 2026-11-22T10:00:00.123Z */
    bool deleted;                         /* a delete marker: json is NULL */
    char *json;                           /* the resource's bytes, NUL-terminated; owned (free) */
    size_t json_len;
};
/* Frees row->json and zeroes the row. */
void store_row_clear(struct store_row *row);

/* A token index entry (system|code), extracted at write time. Used by conditional operations. */
struct store_token {
    const char *param;  /* search parameter code, e.g. "identifier" */
    const char *system; /* may be NULL (no system) */
    const char *code;
};

/* A new version to write. */
struct store_put {
    const char *type;
    const char *id;
    int64_t version;          /* must be the current version + 1 (1 for a new resource) */
    const char *last_updated; /* FHIR instant */
    bool deleted;             /* a delete marker; json must then be NULL */
    const char *json;
    size_t json_len;
    const char *compartment; /* id of the Patient whose compartment holds it, or NULL */
    const struct store_token *tokens;
    size_t ntokens;
};

/* One AND-ed condition of a conditional create/update/delete/reference. param "_id" matches the
 * resource id (code); other params match token index entries; system NULL means any system,
 * system "" means no system. */
struct store_cond {
    const char *param;
    const char *system;
    const char *code;
};

/* History query: newest first. type and id narrow it (id needs type); since (an instant, may be
 * NULL) keeps versions written at or after it; before_seq (0 = from the newest) continues a page.
 */
struct store_history_q {
    const char *type;
    const char *id;
    const char *since;
    int64_t before_seq;
    size_t count;
};

/* Receives rows one by one; the row (and its json) is valid only during the call. Return 0 to go
 * on, nonzero to stop. */
typedef int (*store_row_cb)(void *ctx, const struct store_row *row);

struct store;
struct store_txn;

/* A unit of write work, run on the writer connection inside its own savepoint. Return 0 to keep its
 * writes, anything else to undo them (the value is not interpreted; report details through ctx). */
typedef int (*store_work_fn)(struct store_txn *tx, void *ctx);

struct store_ops {
    const char *name;
    void (*close)(struct store *s);

    /* ---- reads (any thread) ---- */
    /* The current version of type/id (a delete marker counts: row->deleted). OK or NONE. */
    enum store_rc (*read)(struct store *s, const char *type, const char *id, struct store_row *out);
    /* One given version. OK or NONE. */
    enum store_rc (*vread)(struct store *s, const char *type, const char *id, int64_t version,
                           struct store_row *out);
    /* Versions newest first, at most q->count of them, through cb. *total (if not NULL) gets the
     * number of versions matching type/id/since, ignoring paging. */
    enum store_rc (*history)(struct store *s, const struct store_history_q *q, store_row_cb cb,
                             void *ctx, int64_t *total);
    /* Every current, not deleted resource (of one type, or all types ordered by type when type is
     * NULL), in a stable order, through cb. For export. */
    enum store_rc (*scan)(struct store *s, const char *type, store_row_cb cb, void *ctx);
    /* Runs the database's own consistency check; OK when sound, otherwise HARD with msg. */
    enum store_rc (*check)(struct store *s, char *msg, size_t msg_len);

    /* ---- writes ---- */
    /* Queues fn and waits until the group it joined is committed and durable. OK: fn returned 0
     * and its writes are durable. NONE: fn asked to undo; nothing of it was stored. RETRY: the
     * queue is full. HARD: the commit failed; nothing of fn is stored. */
    enum store_rc (*write)(struct store *s, store_work_fn fn, void *ctx);

    /* ---- inside a work function only ---- */
    /* Current version of type/id as seen inside the write (including earlier writes of this
     * unit). With want_json false, out->json stays NULL. OK or NONE. */
    enum store_rc (*tx_current)(struct store_txn *tx, const char *type, const char *id,
                                bool want_json, struct store_row *out);
    /* Writes a new version and makes it current. */
    enum store_rc (*tx_put)(struct store_txn *tx, const struct store_put *p);
    /* Ids of current, not deleted resources of type matching every condition; fills at most max
     * ids and sets *found to the number filled. */
    enum store_rc (*tx_find)(struct store_txn *tx, const char *type, const struct store_cond *conds,
                             size_t nconds, char (*ids)[STORE_ID_MAX], size_t max, size_t *found);
};

/* Every implementation embeds this first. */
struct store {
    const struct store_ops *ops;
};

struct store_config {
    const char *path;         /* database file */
    bool durable;             /* fsync before acknowledging (default true; false only for tests) */
    unsigned group_max;       /* most work units in one commit group (default 64) */
    unsigned queue_max;       /* pending writes before RETRY (default 1024) */
    unsigned busy_timeout_ms; /* wait for a lock held by another process (default 5000) */
    size_t cache_kib;         /* the writer connection's page cache (default 8192) */
    size_t read_cache_kib;    /* page cache of each read connection (default 2048): reads are
                                 point lookups whose upper B-tree levels fit; the OS caches the rest */
    size_t mmap_kib;          /* memory-map this much of the file per connection (default 0). Off
                                 by default: every mapping counts the file's pages in the server's
                                 RSS once per connection, which made a 180 MB database look like
                                 2 GB of resident memory, for no measurable gain in read speed */
};

/* Default settings for path. */
void store_config_defaults(struct store_config *cfg, const char *path);

/* Opens (creating and migrating as needed) a SQLite store. Returns NULL with a message in err. */
struct store *store_sqlite_open(const struct store_config *cfg, char *err, size_t err_len);

#endif
