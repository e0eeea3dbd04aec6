/* The store's json state and the writer's half: compressing a new version with the newest
 * dictionary. A version is stored as a frame only when a dictionary exists, the resource is not
 * tiny and the frame is smaller; anything else (including a compression failure) stores the text,
 * so compression never fails a write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/json_pack.h"
#include "util/log.h"

struct sq_json *store_sq_json_new(const struct store_config *cfg)
{
    struct sq_json *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    pthread_mutex_init(&j->mu, NULL);
    j->dict_min = cfg->json_dict_min ? cfg->json_dict_min : SQ_JSON_DICT_MIN_DEFAULT;
    j->next_try = j->dict_min > INT64_MAX ? INT64_MAX : (int64_t)j->dict_min;
    return j;
}

void store_sq_json_free(struct sq_json *j)
{
    if (!j) return;
    for (struct sq_dict *d = j->dicts, *next; d; d = next) {
        next = d->next;
        ZSTD_freeDDict(d->dd);
        free(d);
    }
    ZSTD_freeCDict(j->cdict);
    ZSTD_freeCCtx(j->cctx);
    free(j->out);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

int store_sq_json_use(struct sq_json *j, uint32_t id, const void *dict, size_t len)
{
    if (!j->cctx && !(j->cctx = ZSTD_createCCtx())) return -1;
    ZSTD_CDict *cd = ZSTD_createCDict(dict, len, SQ_JSON_LEVEL);
    if (!cd) return -1;
    if (ZSTD_getDictID_fromCDict(cd) != id) {
        /* A dictionary whose header names another id would write frames nobody can decode. */
        log_bug("store: json_dict %u names dictID %u", id, ZSTD_getDictID_fromCDict(cd));
        ZSTD_freeCDict(cd);
        return -1;
    }
    ZSTD_freeCDict(j->cdict);
    j->cdict = cd;
    j->cdict_id = id;
    return 0;
}

int store_sq_json_open(struct store_sqlite *s, char *err, size_t err_len)
{
    sqlite3 *db = s->wconn->db;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT id, dict FROM json_dict ORDER BY id DESC LIMIT 1", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    int ret = 0;
    if (rc == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const void *dict = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (id <= 0 || id > UINT32_MAX || !dict ||
            store_sq_json_use(s->json, (uint32_t)id, dict, len)) {
            snprintf(err, err_len, "json_dict %lld is not a usable zstd dictionary", (long long)id);
            ret = -1;
        } else if (store_sq_json_repack_load(s) != SQLITE_OK) {
            snprintf(err, err_len, "read meta: %s", sqlite3_errmsg(db));
            ret = -1;
        }
    } else if (rc != SQLITE_DONE) {
        snprintf(err, err_len, "read json_dict: %s", sqlite3_errmsg(db));
        ret = -1;
    }
    sqlite3_finalize(st);
    return ret;
}

bool store_sq_json_pack(struct sq_json *j, const char *json, size_t len, const void **frame,
                        size_t *frame_len)
{
    if (!j->cdict || len < SQ_JSON_PACK_MIN) return false;
    size_t bound = ZSTD_compressBound(len);
    if (bound > j->out_cap) {
        char *p = realloc(j->out, bound);
        if (!p) {
            log_warn("store: no memory to compress a %zu byte resource; stored as text", len);
            return false;
        }
        j->out = p;
        j->out_cap = bound;
    }
    size_t n = ZSTD_compress_usingCDict(j->cctx, j->out, j->out_cap, json, len, j->cdict);
    if (ZSTD_isError(n)) {
        log_warn("store: compress: %s", ZSTD_getErrorName(n));
        return false;
    }
    if (n >= len) return false;
    *frame = j->out;
    *frame_len = n;
    return true;
}

int store_sq_json_bind(struct store_sqlite *s, sqlite3_stmt *st, int col, const char *json,
                       size_t len)
{
    const void *frame;
    size_t n;
    if (store_sq_json_pack(s->json, json, len, &frame, &n))
        return sqlite3_bind_blob(st, col, frame, (int)n, SQLITE_STATIC);
    return sqlite3_bind_text(st, col, json, (int)len, SQLITE_STATIC);
}
