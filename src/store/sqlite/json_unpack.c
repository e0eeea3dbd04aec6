/* The readers' half: a stored frame back into the bytes that were written. Every frame is checked
 * before any memory is given to it: one whole zstd frame and nothing after it, with its content
 * size recorded and at most STORE_JSON_MAX, naming a dictionary this database has. Such a frame
 * that still does not decode to exactly its content size is corrupt. Each failure is HARD and
 * logged with the row it came from; none reaches a client as bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/json_pack.h"
#include "util/log.h"

void store_sq_unpack_free(struct sq_unpack *u)
{
    if (!u) return;
    ZSTD_freeDCtx(u->dctx);
    free(u->buf);
    free(u);
}

static struct sq_unpack *unpack_of(struct store_sq_conn *c)
{
    if (c->unpack) return c->unpack;
    struct sq_unpack *u = calloc(1, sizeof *u);
    if (!u || !(u->dctx = ZSTD_createDCtx())) {
        free(u);
        return NULL;
    }
    return c->unpack = u;
}

/* The dictionary id from the json_dict table through c, as a DDict. NULL when the table has no such
 * row or the row is not a dictionary of that id. Called with j->mu held. */
static ZSTD_DDict *dict_load(struct store_sq_conn *c, uint32_t id, const char *what)
{
    sqlite3_stmt *st = NULL;
    ZSTD_DDict *dd = NULL;
    int rc = sqlite3_prepare_v2(c->db, "SELECT dict FROM json_dict WHERE id = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        const void *dict = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        dd = dict ? ZSTD_createDDict(dict, len) : NULL;
        if (dd && ZSTD_getDictID_fromDDict(dd) != id) {
            ZSTD_freeDDict(dd);
            dd = NULL;
        }
        if (!dd) log_bug("store: %s: json_dict %u is not a zstd dictionary of that id", what, id);
    } else if (rc == SQLITE_DONE) {
        log_bug("store: %s: compressed with dictionary %u, which json_dict does not hold", what,
                id);
    } else {
        log_bug("store: %s: read json_dict %u: %s", what, id, sqlite3_errmsg(c->db));
    }
    sqlite3_finalize(st);
    return dd;
}

/* The store-wide DDict of id, loaded on first use. */
static const ZSTD_DDict *dict_get(struct store_sq_conn *c, struct sq_unpack *u, uint32_t id,
                                  const char *what)
{
    if (u->dd && u->dict_id == id) return u->dd;
    struct sq_json *j = c->json;
    pthread_mutex_lock(&j->mu);
    struct sq_dict *d = j->dicts;
    while (d && d->id != id) d = d->next;
    if (!d) {
        ZSTD_DDict *dd = dict_load(c, id, what);
        if (dd && (d = calloc(1, sizeof *d))) {
            d->id = id;
            d->dd = dd;
            d->next = j->dicts;
            j->dicts = d;
        } else {
            ZSTD_freeDDict(dd);
        }
    }
    pthread_mutex_unlock(&j->mu);
    if (!d) return NULL;
    u->dict_id = id;
    u->dd = d->dd;
    return d->dd;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Checks frame and finds its size and dictionary (NULL for a frame without one). */
static enum store_rc frame_check(struct store_sq_conn *c, struct sq_unpack *u, const void *frame,
                                 size_t len, const char *what, size_t *size, const ZSTD_DDict **dd)
{
    if (len < 4 || le32(frame) != ZSTD_MAGICNUMBER ||
        ZSTD_findFrameCompressedSize(frame, len) != len) {
        log_bug("store: %s: stored bytes are neither text nor one zstd frame", what);
        return STORE_HARD;
    }
    unsigned long long n = ZSTD_getFrameContentSize(frame, len);
    if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR) {
        log_bug("store: %s: stored frame does not record its size", what);
        return STORE_HARD;
    }
    if (n > STORE_JSON_MAX) {
        log_bug("store: %s: stored frame claims %llu bytes, over the limit of %u", what, n,
                (unsigned)STORE_JSON_MAX);
        return STORE_HARD;
    }
    *size = (size_t)n;
    unsigned id = ZSTD_getDictID_fromFrame(frame, len);
    *dd = id ? dict_get(c, u, id, what) : NULL;
    return id && !*dd ? STORE_HARD : STORE_OK;
}

static enum store_rc frame_decode(struct sq_unpack *u, const ZSTD_DDict *dd, const void *frame,
                                  size_t len, char *dst, size_t size, const char *what)
{
    size_t got = dd ? ZSTD_decompress_usingDDict(u->dctx, dst, size, frame, len, dd)
                    : ZSTD_decompressDCtx(u->dctx, dst, size, frame, len);
    if (ZSTD_isError(got) || got != size) {
        log_bug("store: %s: stored frame does not decode: %s", what,
                ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
        return STORE_HARD;
    }
    dst[size] = '\0';
    return STORE_OK;
}

/* Decodes into the connection's buffer (copy false) or a new allocation (copy true). */
static enum store_rc unpack(struct store_sq_conn *c, const void *frame, size_t len,
                            const char *what, bool copy, char **json, size_t *json_len)
{
    struct sq_unpack *u = unpack_of(c);
    if (!u) {
        log_bug("store: %s: out of memory for a decompression context", what);
        return STORE_HARD;
    }
    size_t size;
    const ZSTD_DDict *dd;
    enum store_rc ret = frame_check(c, u, frame, len, what, &size, &dd);
    if (ret != STORE_OK) return ret;
    char *dst;
    if (copy) {
        dst = malloc(size + 1);
    } else {
        /* A buffer grown by a rare large resource shrinks back on the next ordinary one. */
        if (size + 1 > u->cap || (u->cap > (1u << 20) && size < (256u << 10))) {
            size_t cap = size + 1 < 4096 ? 4096 : size + 1;
            free(u->buf);
            u->buf = malloc(cap);
            u->cap = u->buf ? cap : 0;
        }
        dst = u->buf;
    }
    if (!dst) {
        log_bug("store: %s: out of memory for a %zu byte resource", what, size);
        return STORE_HARD;
    }
    ret = frame_decode(u, dd, frame, len, dst, size, what);
    if (ret != STORE_OK) {
        if (copy) free(dst);
        return ret;
    }
    *json = dst;
    *json_len = size;
    return STORE_OK;
}

enum store_rc store_sq_json_unpack(struct store_sq_conn *c, const void *frame, size_t len,
                                   const char *what, const char **json, size_t *json_len)
{
    char *out = NULL;
    enum store_rc ret = unpack(c, frame, len, what, false, &out, json_len);
    if (ret == STORE_OK) *json = out;
    return ret;
}

enum store_rc store_sq_json_column(struct store_sq_conn *c, sqlite3_stmt *st, int col, bool copy,
                                   struct store_row *row)
{
    int type = sqlite3_column_type(st, col); /* before any conversion the other calls might do */
    row->json = NULL;
    row->json_len = 0;
    if (type == SQLITE_NULL) return STORE_OK;
    if (type == SQLITE_BLOB) {
        const void *frame = sqlite3_column_blob(st, col);
        size_t len = (size_t)sqlite3_column_bytes(st, col);
        char what[STORE_TYPE_MAX + STORE_ID_MAX + 48];
        snprintf(what, sizeof what, "%s/%s version %lld", row->type, row->id,
                 (long long)row->version);
        return unpack(c, frame, len, what, copy, &row->json, &row->json_len);
    }
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (!t && n) { /* out of memory converting: cannot happen for what we wrote */
        log_bug("store: %s/%s: json column unreadable", row->type, row->id);
        return STORE_HARD;
    }
    if (!t) t = (const unsigned char *)"";
    if (!copy) {
        row->json = (char *)t;
        row->json_len = n;
        return STORE_OK;
    }
    row->json = malloc(n + 1);
    if (!row->json) {
        log_bug("store: out of memory for a %zu byte resource", n);
        return STORE_HARD;
    }
    memcpy(row->json, t, n);
    row->json[n] = '\0';
    row->json_len = n;
    return STORE_OK;
}
