/* Private to store/sqlite/: the store's struct, connections with their prepared statements, and the
 * helpers the per-operation files share. Nothing outside this directory includes it. */
#ifndef REGIE_STORE_SQLITE_INTERNAL_H
#define REGIE_STORE_SQLITE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/sqlite/sqlite.h"
#include "store/store.h"

/* One slot per statement text. Each operation file owns the SQL of its slots; a connection prepares
 * a slot the first time it is used and keeps it until the connection closes. */
enum store_sq_stmt {
    SQ_READ,
    SQ_VREAD,
    SQ_HIST_ALL,
    SQ_HIST_TYPE,
    SQ_HIST_ID,
    SQ_HIST_COUNT_ALL,
    SQ_HIST_COUNT_TYPE,
    SQ_HIST_COUNT_ID,
    SQ_SCAN_ALL,
    SQ_SCAN_TYPE,
    SQ_TX_CURRENT,
    SQ_TX_CURRENT_JSON,
    SQ_PUT_LOOKUP,
    SQ_PUT_VERSION,
    SQ_PUT_CURRENT_INSERT,
    SQ_PUT_CURRENT_UPDATE,
    SQ_IX_DELETE, /* + store_ix_kind: one slot per table */
    SQ_IX_INSERT = SQ_IX_DELETE + STORE_IX_KINDS,
    SQ_FIND_TOKEN = SQ_IX_INSERT + STORE_IX_KINDS,
    SQ_FIND_TOKEN_ANYCODE,
    SQ_FIND_ID,
    SQ_FIND_ALL,
    SQ_HAS_TOKEN,
    SQ_HAS_TOKEN_ANYCODE,
    SQ_REFS_FROM,
    SQ_REFS_TO,
    SQ_IX_PARAM_ALL,
    SQ_IX_PARAM_ADD,
    SQ_BEGIN_READ,
    SQ_END_READ,
    SQ_BEGIN_WRITE,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_SAVEPOINT,
    SQ_RELEASE,
    SQ_ROLLBACK_TO,
    SQ_JSON_LAST_SEQ,
    SQ_JSON_SAMPLE,
    SQ_STMT_COUNT
};

/* Statements whose text is built per call (search): the most recently used ones, by text. */
#define SQ_CACHE_MAX 16
struct store_sq_cached {
    char *sql;
    sqlite3_stmt *st;
    uint64_t used;
};

struct store_sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_STMT_COUNT];
    /* ix_param.c: the writer's (type, code) -> pid map, made on first use */
    struct store_sq_ix_params *ix_params;
    struct store_sq_cached cache[SQ_CACHE_MAX];
    uint64_t cache_clock;
    struct store_sq_conn *next; /* in the reader pool */
    struct sq_json *json;       /* the store's dictionaries (json_pack.h) */
    struct sq_unpack *unpack;   /* this connection's decompression state, made on first use */
};

/* A queued unit of write work. It lives on the stack of the thread blocked in ops->write. */
struct store_sq_work {
    store_work_fn fn;
    void *ctx;
    enum store_rc rc;
    bool done;
    pthread_cond_t cv; /* signalled once done is set; waited on with store_sqlite.mu */
    struct store_sq_work *next;
};

/* What a work function gets: the writer connection, and a note of hard failures so a unit whose
 * store calls failed is undone even if its function ignored the error. */
struct store_txn {
    struct store_sqlite *s;
    struct store_sq_conn *conn;
    bool failed;
};

struct store_sqlite {
    struct store base; /* first, so a struct store * converts back */
    struct store_config cfg;
    char path[4096];

    /* Readers: a LIFO pool of read-only connections. A reader takes one for the length of one
     * operation (callbacks may nest another read; they simply take a second connection). */
    pthread_mutex_t pool_mu;
    struct store_sq_conn *pool;

    /* Writer: one thread, one connection, one queue. */
    struct store_sq_conn *wconn;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    struct store_sq_work *head, *tail;
    unsigned pending;
    unsigned inflight; /* callers inside ops->write; close waits for them to leave */
    pthread_cond_t idle_cv;
    bool stopping;
    pthread_t writer;
    bool writer_started;
    struct store_sqlite_stats stats; /* under mu */
    struct sq_json *json;            /* stored resource bytes: dictionaries, compression */
};

static inline struct store_sqlite *store_sq(struct store *s)
{
    return (struct store_sqlite *)s;
}

/* ---- conn.c ---- */
/* Opens a connection with the store's pragmas. NULL (logged, message in err) on failure. */
struct store_sq_conn *store_sq_conn_open(const struct store_sqlite *s, bool writer, char *err,
                                         size_t err_len);
void store_sq_conn_close(struct store_sq_conn *c);
/* The cached statement of slot id, prepared from sql on first use. NULL (logged) on failure. The
 * caller sqlite3_reset()s it when done. */
sqlite3_stmt *store_sq_stmt(struct store_sq_conn *c, enum store_sq_stmt id, const char *sql);
/* A reader connection from the pool (opened when the pool is empty); give it back with put. */
struct store_sq_conn *store_sq_reader_get(struct store_sqlite *s);
void store_sq_reader_put(struct store_sqlite *s, struct store_sq_conn *c);
void store_sq_readers_close(struct store_sqlite *s);
/* Maps a SQLite result code to the store's answer, logging real failures as bugs. */
enum store_rc store_sq_fail(sqlite3 *db, int rc, const char *what);
/* Binds a NUL-terminated string without copying (the caller keeps it alive until reset). */
int store_sq_bind_text(sqlite3_stmt *st, int col, const char *text);

/* ---- stmt_cache.c ---- */
/* The statement of sql (len bytes), from the connection's LRU of built statements or prepared and
 * added to it (evicting the least recently used). NULL (logged) on failure. The caller resets it
 * and clears its bindings when done. */
sqlite3_stmt *store_sq_cached_stmt(struct store_sq_conn *c, const char *sql, size_t len);
/* Finalizes the LRU's statements (on close). */
void store_sq_cache_clear(struct store_sq_conn *c);

/* ---- row.c ---- */
/* Fills out from the current result row laid out as: type, id, version, seq, last_updated, deleted,
 * json (json column may be absent when want_json is false); out->json is an owned copy of the
 * resource's bytes (decompressed when stored as a frame). HARD on out of memory or a frame that
 * does not decode. */
enum store_rc store_sq_row_fill(struct store_sq_conn *c, sqlite3_stmt *st, bool want_json,
                                struct store_row *out);
/* As fill, but out->json only points at the bytes (SQLite's buffer or the connection's), valid
 * until the next step of st or the next row read on c. */
enum store_rc store_sq_row_view(struct store_sq_conn *c, sqlite3_stmt *st, struct store_row *out);
/* Steps a bound st once: OK with out filled, NONE when there is no row, else the failure (logged as
 * what). Resets st either way. */
enum store_rc store_sq_row_one(struct store_sq_conn *c, sqlite3_stmt *st, bool want_json,
                               const char *what, struct store_row *out);
/* Steps st and streams every row through cb (the row only lives during the call). */
enum store_rc store_sq_row_stream(struct store_sq_conn *c, sqlite3_stmt *st, store_row_cb cb,
                                  void *ctx);

/* ---- ix_write.c ---- */
/* False (logged as the caller's bug) when a row of p lacks its param or has an unknown kind. */
bool store_sq_ix_valid(const struct store_put *p);
/* Deletes every index row of the version seq. A SQLite result code. */
int store_sq_ix_delete(struct store_sq_conn *c, int64_t seq);
/* Inserts p's index rows (and its transitional tokens as TOKEN rows) for the version seq. */
int store_sq_ix_insert(struct store_sq_conn *c, const struct store_put *p, int64_t seq);
/* The table of a row kind ("ix_token" ...). */
const char *store_sq_ix_table(enum store_ix_kind kind);

/* ---- ix_param.c ---- */
/* The pid of (type, code) in ix_param (schema 0004) into *pid: 0 when unknown and add is false;
 * with add, a new pair is inserted in the open transaction. A SQLite result code. */
int store_sq_ix_pid(struct store_sq_conn *c, const char *type, const char *code, bool add,
                    int64_t *pid);
/* The writer tells the map when its transaction committed or a rollback (full or to a savepoint)
 * happened, so pairs added in undone work are forgotten. */
void store_sq_ix_params_committed(struct store_sq_conn *c);
void store_sq_ix_params_rolled_back(struct store_sq_conn *c);
void store_sq_ix_params_free(struct store_sq_conn *c);

/* ---- migrate.c ---- */
int store_sq_migrate(sqlite3 *db, char *err, size_t err_len);

/* ---- writer.c ---- */
int store_sq_writer_start(struct store_sqlite *s, char *err, size_t err_len);
void store_sq_writer_stop(struct store_sqlite *s);

/* ---- one file per operation ---- */
enum store_rc store_sq_read(struct store *s, const char *type, const char *id,
                            struct store_row *out);
enum store_rc store_sq_vread(struct store *s, const char *type, const char *id, int64_t version,
                             struct store_row *out);
enum store_rc store_sq_history(struct store *s, const struct store_history_q *q, store_row_cb cb,
                               void *ctx, int64_t *total);
enum store_rc store_sq_scan(struct store *s, const char *type, store_row_cb cb, void *ctx);
enum store_rc store_sq_check(struct store *s, char *msg, size_t msg_len);
enum store_rc store_sq_write(struct store *s, store_work_fn fn, void *ctx);
enum store_rc store_sq_tx_current(struct store_txn *tx, const char *type, const char *id,
                                  bool want_json, struct store_row *out);
enum store_rc store_sq_tx_put(struct store_txn *tx, const struct store_put *p);
enum store_rc store_sq_tx_find(struct store_txn *tx, const char *type,
                               const struct store_cond *conds, size_t nconds,
                               char (*ids)[STORE_ID_MAX], size_t max, size_t *found);
enum store_rc store_sq_tx_purge(struct store_txn *tx, const char *type, const char *id,
                                size_t *versions);
enum store_rc store_sq_search(struct store *s, const struct store_search_q *q, store_row_cb cb,
                              void *ctx, int64_t *total, bool *more);
enum store_rc store_sq_refs_from(struct store *s, const int64_t *seqs, size_t nseqs,
                                 const char *param, const char *target_type, store_row_cb cb,
                                 void *ctx);
enum store_rc store_sq_refs_to(struct store *s, const char *src_type, const char *param,
                               const struct store_ref *targets, size_t ntargets, size_t max,
                               store_row_cb cb, void *ctx);

#endif
