/* Repacking the versions written as TEXT before the dictionary existed, a window of seqs at a
 * time, on the writer thread after a committed group (after the group's callers are answered), so
 * no single step holds the writer for long however large the database. The range to do, [1, end)
 * with end the first seq after training, and how far it got are kept in meta ("json_repack_next",
 * "json_repack_end"), so a reopened store carries on where it stopped and a finished one does
 * nothing. Each window reads its TEXT rows first and rewrites them after, in one transaction with
 * the progress. Rows that would not shrink (or are tiny) stay TEXT. The file itself only shrinks
 * with VACUUM; until then new pages reuse the freed ones. */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/json_pack.h"
#include "util/log.h"

#define WINDOW 4096 /* seqs per step: ~6 MB of Synthea text read, ~30 ms of compression */

struct packed {
    int64_t seq;
    void *frame;
    size_t len;
};

static int meta_get(sqlite3 *db, const char *key, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_sq_json_meta_set(sqlite3 *db, const char *key, int64_t value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, value);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_sq_json_repack_load(struct store_sqlite *s)
{
    struct sq_json *j = s->json;
    j->repack_next = j->repack_end = 0;
    int rc = meta_get(s->wconn->db, "json_repack_next", &j->repack_next);
    if (rc == SQLITE_OK) rc = meta_get(s->wconn->db, "json_repack_end", &j->repack_end);
    return rc;
}

/* The TEXT rows of [from, to) compressed, into out (at most WINDOW). */
static int read_window(struct store_sqlite *s, int64_t from, int64_t to, struct packed *out,
                       size_t *n)
{
    sqlite3 *db = s->wconn->db;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT seq, json FROM resource_version WHERE seq >= ?1 AND"
                                " seq < ?2 AND typeof(json) = 'text'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < WINDOW) {
        const char *t = (const char *)sqlite3_column_text(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        const void *frame;
        size_t flen;
        if (!t || !store_sq_json_pack(s->json, t, len, &frame, &flen)) continue;
        void *copy = malloc(flen);
        if (!copy) {
            rc = SQLITE_NOMEM;
            break;
        }
        memcpy(copy, frame, flen);
        out[*n] = (struct packed){sqlite3_column_int64(st, 0), copy, flen};
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int write_window(sqlite3 *db, const struct packed *p, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "UPDATE resource_version SET json = ?2 WHERE seq = ?1", -1, &st,
                                NULL);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        sqlite3_bind_int64(st, 1, p[i].seq);
        sqlite3_bind_blob(st, 2, p[i].frame, (int)p[i].len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

void store_sq_json_repack_step(struct store_sqlite *s)
{
    struct sq_json *j = s->json;
    if (!j->cdict || j->repack_next >= j->repack_end) return;
    sqlite3 *db = s->wconn->db;
    int64_t from = j->repack_next < 1 ? 1 : j->repack_next;
    int64_t to = j->repack_end - from > WINDOW ? from + WINDOW : j->repack_end;
    struct packed *p = calloc(WINDOW, sizeof *p);
    size_t n = 0;
    int rc = p ? sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) : SQLITE_NOMEM;
    if (rc == SQLITE_OK) rc = read_window(s, from, to, p, &n);
    if (rc == SQLITE_OK) rc = write_window(db, p, n);
    if (rc == SQLITE_OK) rc = store_sq_json_meta_set(db, "json_repack_next", to);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        j->repack_next = to;
        if (to >= j->repack_end)
            log_info("store: every version written before json dictionary %u is repacked",
                     j->cdict_id);
    } else {
        store_sq_fail(db, rc, "json repack");
        j->repack_end = 0; /* not again in this process; the next open resumes */
    }
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; p && i < n; i++) free(p[i].frame);
    free(p);
}
