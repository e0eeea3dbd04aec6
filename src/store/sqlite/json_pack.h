/* Resource bytes at rest (docs/store-json.md). resource_version.json holds either TEXT (the JSON as
 * written) or a BLOB: one zstd frame compressed with a dictionary trained on this database's own
 * resources. The frame's dictID is the json_dict row id, and it always records its content size.
 *
 * Writer side (json_pack.c, json_train.c): the writer thread compresses each new version once a
 * dictionary exists, and trains the first dictionary after a commit once enough versions exist.
 * Reader side (json_unpack.c): any connection turns a column back into the bytes that were written,
 * through its own decompression context and the store's dictionaries (loaded once, by id). */
#ifndef REGIE_STORE_SQLITE_JSON_PACK_H
#define REGIE_STORE_SQLITE_JSON_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "store/sqlite/internal.h"

/* Resources shorter than this stay TEXT: the frame header and the lookup would outweigh the gain.
 */
#define SQ_JSON_PACK_MIN 64
/* The dictionary trained: at most this large, from at most this many samples of at most this many
 * bytes in all (zstd suggests ~100x the dictionary in samples). */
#define SQ_JSON_DICT_MAX         (64u * 1024u)
#define SQ_JSON_SAMPLES_MAX      5000u
#define SQ_JSON_SAMPLE_BYTES     (8u * 1024u * 1024u)
#define SQ_JSON_LEVEL            3
#define SQ_JSON_DICT_MIN_DEFAULT 2000u

/* A dictionary as readers use it, kept for the life of the store (frames name it by id). */
struct sq_dict {
    uint32_t id;
    ZSTD_DDict *dd;
    struct sq_dict *next;
};

struct sq_json {
    pthread_mutex_t mu;    /* guards dicts */
    struct sq_dict *dicts; /* every dictionary a reader has needed so far */
    size_t dict_min;       /* versions stored before the first dictionary is trained */
    /* The writer thread's alone: */
    ZSTD_CCtx *cctx;
    ZSTD_CDict *cdict; /* NULL until a dictionary exists: new versions are then stored as TEXT */
    uint32_t cdict_id;
    char *out; /* the frame being bound */
    size_t out_cap;
    int64_t next_try;                /* the last seq at which training is (re)tried */
    int64_t repack_next, repack_end; /* TEXT versions of [next, end) still to repack (meta) */
};

/* A connection's decompression state, made on its first frame. */
struct sq_unpack {
    ZSTD_DCtx *dctx;
    char *buf; /* the last frame's bytes, NUL-terminated (views point here) */
    size_t cap;
    uint32_t dict_id; /* the last dictionary used, to skip the store-wide lookup */
    const ZSTD_DDict *dd;
};

/* The store's state: created by store_sq_json_new before any connection opens, loaded with the
 * newest dictionary by store_sq_json_open after the migrations, freed on close. */
struct sq_json *store_sq_json_new(const struct store_config *cfg);
int store_sq_json_open(struct store_sqlite *s, char *err, size_t err_len);
void store_sq_json_free(struct sq_json *j);

/* ---- writer thread only ---- */
/* Makes dictionary id (zstd format, its dictID field = id) the one new versions are compressed
 * with. -1 on failure (out of memory, or the bytes are not a dictionary of that id). */
int store_sq_json_use(struct sq_json *j, uint32_t id, const void *dict, size_t len);
/* Binds column col of st (an INSERT into resource_version) to json: a frame when a dictionary
 * exists and it pays, else the text. The bound bytes live until the next call. SQLite code. */
int store_sq_json_bind(struct store_sqlite *s, sqlite3_stmt *st, int col, const char *json,
                       size_t len);
/* Compresses json into the writer's buffer: true with *frame and *frame_len when a dictionary
 * exists, json is not tiny and the frame is smaller; false to store the text. */
bool store_sq_json_pack(struct sq_json *j, const char *json, size_t len, const void **frame,
                        size_t *frame_len);
/* After a committed group: trains and stores the first dictionary once there are enough versions,
 * or, with one, repacks the next window of versions written before it (json_repack.c). Failures
 * are logged and retried later; they never fail a write. */
void store_sq_json_after_commit(struct store_sqlite *s);
/* The training itself (json_train.c), whatever the threshold: OK (trained, or a dictionary
 * existed), NONE (too little data to make one), HARD. Outside any transaction. */
enum store_rc store_sq_json_train(struct store_sqlite *s);

/* json_repack.c: the repack range from meta (after open), one window of it, and meta's setter. */
int store_sq_json_repack_load(struct store_sqlite *s);
void store_sq_json_repack_step(struct store_sqlite *s);
int store_sq_json_meta_set(sqlite3 *db, const char *key, int64_t value);

/* ---- any connection ---- */
/* The bytes of column col of st's current row into row->json / row->json_len: with copy, a fresh
 * NUL-terminated allocation the row owns; without, a view valid until the next step or the next
 * call on this connection. NULL column: json stays NULL. A frame that does not decode (corrupt,
 * unknown dictionary, larger than STORE_JSON_MAX) is HARD, logged with the row's type/id/version.
 */
enum store_rc store_sq_json_column(struct store_sq_conn *c, sqlite3_stmt *st, int col, bool copy,
                                   struct store_row *row);
/* Decodes one stored frame into the connection's buffer (json NUL-terminated, valid until the next
 * call). what names it in the log. The fuzzed core of store_sq_json_column. */
enum store_rc store_sq_json_unpack(struct store_sq_conn *c, const void *frame, size_t len,
                                   const char *what, const char **json, size_t *json_len);
/* Frees the connection's decompression state (on connection close). */
void store_sq_unpack_free(struct sq_unpack *u);

#endif
