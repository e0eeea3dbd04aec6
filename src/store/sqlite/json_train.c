/* Training the dictionary, on the writer thread after a committed group, once the database holds
 * enough versions (store_config.json_dict_min; "versions" is max(seq), an O(log n) look-up, where
 * counting current resources would walk a table after every commit).
 *
 * The samples: up to SQ_JSON_SAMPLES_MAX stored TEXT versions, one drawn at random from each of as
 * many equal slices of the seq range, so every part of the history and every type in proportion to
 * its share of the rows is represented (Observations dominate Synthea and they dominate the bytes
 * to compress too). The generator has a fixed seed, so a database trains the same dictionary
 * every time. One transaction reads the samples, picks the next id and stores the dictionary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zdict.h>

#include "store/sqlite/json_pack.h"
#include "util/log.h"

#define SAMPLE_ONE_MAX (64u * 1024u) /* a longer resource adds only its start */
#define DICT_MAGIC     0xEC30A437u   /* RFC 8878, dictionary format */

static uint32_t le32_magic(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char sql_last_seq[] = "SELECT max(seq) FROM resource_version";
static const char sql_sample[] = "SELECT seq, json FROM resource_version"
                                 " WHERE seq >= ?1 AND typeof(json) = 'text' ORDER BY seq LIMIT 1";

struct samples {
    char *buf;
    size_t len;
    size_t *sizes;
    unsigned n;
};

static int last_seq(struct store_sq_conn *c, int64_t *out)
{
    sqlite3_stmt *st = store_sq_stmt(c, SQ_JSON_LAST_SEQ, sql_last_seq);
    if (!st) return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static uint64_t rng_next(uint64_t *x) /* xorshift64* */
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1DULL;
}

static int collect(struct store_sq_conn *c, int64_t last, struct samples *sm)
{
    sqlite3_stmt *st = store_sq_stmt(c, SQ_JSON_SAMPLE, sql_sample);
    if (!st) return SQLITE_ERROR;
    uint64_t k = (uint64_t)last < SQ_JSON_SAMPLES_MAX ? (uint64_t)last : SQ_JSON_SAMPLES_MAX;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    int64_t taken = 0;
    int rc = SQLITE_OK;
    for (uint64_t i = 0; i < k && sm->len < SQ_JSON_SAMPLE_BYTES; i++) {
        uint64_t lo = 1 + (uint64_t)last * i / k, hi = 1 + (uint64_t)last * (i + 1) / k;
        sqlite3_bind_int64(st, 1, (int64_t)(lo + rng_next(&x) % (hi - lo)));
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            int64_t seq = sqlite3_column_int64(st, 0);
            const unsigned char *t = sqlite3_column_text(st, 1);
            size_t n = (size_t)sqlite3_column_bytes(st, 1);
            if (n > SAMPLE_ONE_MAX) n = SAMPLE_ONE_MAX;
            if (n > SQ_JSON_SAMPLE_BYTES - sm->len) n = SQ_JSON_SAMPLE_BYTES - sm->len;
            if (seq > taken && t && n >= 8) { /* a delete marker's gap can repeat a row */
                memcpy(sm->buf + sm->len, t, n);
                sm->len += n;
                sm->sizes[sm->n++] = n;
                taken = seq;
            }
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_OK) break;
    }
    return rc;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The next id, written into the dictionary's header, and the row. */
static int store_dict(sqlite3 *db, unsigned char *dict, size_t len, const struct samples *sm,
                      int64_t last, uint32_t *id)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) + 1 FROM json_dict", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *id = (uint32_t)sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) return rc;
    for (int i = 0; i < 4; i++) dict[4 + i] = (unsigned char)(*id >> (8 * i));
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO json_dict (id, dict, created, samples, sample_bytes,"
                            " level) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),"
                            " ?3, ?4, ?5)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_blob(st, 2, dict, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, sm->n);
        sqlite3_bind_int64(st, 4, (int64_t)sm->len);
        sqlite3_bind_int(st, 5, SQ_JSON_LEVEL);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    /* What was written before it is repacked afterwards (json_repack.c). */
    if (rc == SQLITE_OK) rc = store_sq_json_meta_set(db, "json_repack_next", 1);
    if (rc == SQLITE_OK) rc = store_sq_json_meta_set(db, "json_repack_end", last + 1);
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Inside the open transaction: samples, training, the row. NONE when the samples do not make a
 * dictionary (too few, too small); the caller retries later. */
static enum store_rc train_in(struct store_sqlite *s, struct samples *sm, unsigned char **dict,
                              size_t *dict_len, uint32_t *id, int64_t *last_out)
{
    sqlite3 *db = s->wconn->db;
    int64_t last;
    int rc = last_seq(s->wconn, &last);
    *last_out = last;
    if (rc == SQLITE_OK) rc = collect(s->wconn, last, sm);
    if (rc != SQLITE_OK) return store_sq_fail(db, rc, "json dictionary samples");
    /* zstd wants ~100x the dictionary in samples; below 8x the dictionary mostly memorises them. */
    size_t cap = sm->len / 8 < SQ_JSON_DICT_MAX ? sm->len / 8 : SQ_JSON_DICT_MAX;
    if (sm->n < 8 || cap < 1024) return STORE_NONE;
    if (!(*dict = malloc(cap))) return STORE_HARD;
    size_t n = ZDICT_trainFromBuffer(*dict, cap, sm->buf, sm->sizes, sm->n);
    if (ZDICT_isError(n) || n < 8 || le32_magic(*dict) != DICT_MAGIC) {
        log_warn("store: json dictionary: training on %u resources failed: %s", sm->n,
                 ZDICT_isError(n) ? ZDICT_getErrorName(n) : "no dictionary header");
        return STORE_NONE;
    }
    *dict_len = n;
    rc = store_dict(db, *dict, n, sm, last, id);
    return rc == SQLITE_OK ? STORE_OK : store_sq_fail(db, rc, "store json dictionary");
}

enum store_rc store_sq_json_train(struct store_sqlite *s)
{
    struct sq_json *j = s->json;
    if (j->cdict) return STORE_OK;
    sqlite3 *db = s->wconn->db;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct samples sm = {.buf = malloc(SQ_JSON_SAMPLE_BYTES),
                         .sizes = calloc(SQ_JSON_SAMPLES_MAX, sizeof(size_t))};
    unsigned char *dict = NULL;
    size_t dict_len = 0;
    uint32_t id = 0;
    int64_t last = 0;
    enum store_rc ret = STORE_HARD;
    int rc = SQLITE_OK;
    if (!sm.buf || !sm.sizes)
        log_bug("store: json dictionary: out of memory for samples");
    else if ((rc = exec(db, "BEGIN IMMEDIATE")) != SQLITE_OK)
        ret = store_sq_fail(db, rc, "json dictionary: begin");
    else
        ret = train_in(s, &sm, &dict, &dict_len, &id, &last);
    if (ret == STORE_OK && (rc = exec(db, "COMMIT")) != SQLITE_OK)
        ret = store_sq_fail(db, rc, "json dictionary: commit");
    if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
    if (ret == STORE_OK) {
        if (store_sq_json_use(j, id, dict, dict_len))
            log_bug("store: json dictionary %u stored but not usable until reopened", id);
        j->repack_next = 1;
        j->repack_end = last + 1;
        log_info("store: json dictionary %u: %zu bytes trained on %u resources (%zu bytes) in "
                 "%.2f s; new versions are stored compressed",
                 id, dict_len, sm.n, sm.len, seconds_since(&t0));
    }
    free(dict);
    free(sm.buf);
    free(sm.sizes);
    return ret;
}

void store_sq_json_after_commit(struct store_sqlite *s)
{
    struct sq_json *j = s->json;
    if (j->cdict) {
        store_sq_json_repack_step(s);
        return;
    }
    if (j->next_try == INT64_MAX) return;
    int64_t last;
    if (last_seq(s->wconn, &last) != SQLITE_OK || last < j->next_try) return;
    if (store_sq_json_train(s) == STORE_OK) return;
    /* Too little to train on yet, or a failure: try again after as many versions more. */
    int64_t step = j->dict_min > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)j->dict_min;
    j->next_try = last + step;
}
