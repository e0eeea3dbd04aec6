/* refs_from (_include) and refs_to (_revinclude): REF index rows joined to the current versions.
 *
 * The page's seqs (or targets) go in as one JSON array bound to one parameter and are unpacked by
 * json_each, so each statement has one fixed text, prepared once per connection, however many
 * rows the page had. Results come once each (IN dedups), in seq order. */
#include <inttypes.h>
#include <string.h>

#include "store/sqlite/internal.h"
#include "util/buf.h"
#include "util/log.h"

#define COLS     "SELECT v.type, v.id, v.version, v.seq, v.last_updated, v.deleted, v.json"
#define LIST_MAX (4 * 1024 * 1024)

/* ?1 JSON array of seqs, ?2 param or NULL, ?3 target type or NULL. */
static const char sql_from[] =
    COLS " FROM resource_version v WHERE v.seq IN (SELECT c.seq FROM json_each(?1) j"
         " CROSS JOIN ix_ref r ON r.seq = j.value"
         " CROSS JOIN resource_current c ON c.type = r.ref_type AND c.id = r.ref_id"
         " WHERE (?2 IS NULL OR r.pid IN (SELECT pid FROM ix_param WHERE code = ?2))"
         " AND (?3 IS NULL OR r.ref_type = ?3)"
         " AND r.ref_id <> '' AND c.deleted = 0) ORDER BY v.seq";

/* ?1 JSON array of [type, id], ?2 source type, ?3 param or NULL, ?4 most rows. The source's
 * params (one, or every one of the type) are pids under the target in ix_ref_target. */
static const char sql_to[] =
    COLS " FROM resource_version v WHERE v.seq IN (SELECT r.seq FROM json_each(?1) j"
         " CROSS JOIN ix_ref r ON r.ref_id = json_extract(j.value, '$[1]')"
         " AND r.ref_type = json_extract(j.value, '$[0]')"
         " AND r.pid IN (SELECT pid FROM ix_param WHERE type = ?2 AND (?3 IS NULL OR code = ?3)))"
         " ORDER BY v.seq LIMIT ?4";

/* A JSON string: ids and types are plain ASCII, but quote what JSON needs anyway. */
static void json_str(struct buf *b, const char *s)
{
    buf_append_char(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            buf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            buf_printf(b, "\\u%04x", ch);
        else
            buf_append_char(b, (char)ch);
    }
    buf_append_char(b, '"');
}

static enum store_rc run(struct store_sqlite *s, enum store_sq_stmt id, const char *sql,
                         const struct buf *list, const char *a2, const char *a3, int64_t a4,
                         store_row_cb cb, void *ctx)
{
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) return STORE_HARD;
    enum store_rc ret = STORE_HARD;
    sqlite3_stmt *st = store_sq_stmt(c, id, sql);
    if (st) {
        sqlite3_bind_text(st, 1, list->data, (int)list->len, SQLITE_STATIC);
        store_sq_bind_text(st, 2, a2);
        store_sq_bind_text(st, 3, a3);
        if (a4 >= 0) sqlite3_bind_int64(st, 4, a4);
        ret = store_sq_row_stream(c, st, cb, ctx);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    store_sq_reader_put(s, c);
    return ret;
}

enum store_rc store_sq_refs_from(struct store *base, const int64_t *seqs, size_t nseqs,
                                 const char *param, const char *target_type, store_row_cb cb,
                                 void *ctx)
{
    if (!nseqs) return STORE_OK;
    struct buf list;
    buf_init(&list, LIST_MAX);
    buf_append_char(&list, '[');
    for (size_t i = 0; i < nseqs; i++) buf_printf(&list, "%s%" PRId64, i ? "," : "", seqs[i]);
    buf_append_char(&list, ']');
    enum store_rc ret = STORE_HARD;
    if (list.overflowed)
        log_bug("store: refs_from: %zu seqs is too many", nseqs);
    else
        ret = run(store_sq(base), SQ_REFS_FROM, sql_from, &list, param, target_type, -1, cb, ctx);
    buf_free(&list);
    return ret;
}

enum store_rc store_sq_refs_to(struct store *base, const char *src_type, const char *param,
                               const struct store_ref *targets, size_t ntargets, size_t max,
                               store_row_cb cb, void *ctx)
{
    if (!src_type) {
        log_bug("store: refs_to without a source type");
        return STORE_HARD;
    }
    if (!ntargets || !max) return STORE_OK;
    struct buf list;
    buf_init(&list, LIST_MAX);
    buf_append_char(&list, '[');
    for (size_t i = 0; i < ntargets; i++) {
        buf_append_str(&list, i ? ",[" : "[");
        json_str(&list, targets[i].type);
        buf_append_char(&list, ',');
        json_str(&list, targets[i].id);
        buf_append_char(&list, ']');
    }
    buf_append_char(&list, ']');
    enum store_rc ret = STORE_HARD;
    if (list.overflowed)
        log_bug("store: refs_to: %zu targets is too many", ntargets);
    else
        ret = run(store_sq(base), SQ_REFS_TO, sql_to, &list, src_type, param,
                  max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)max, cb, ctx);
    buf_free(&list);
    return ret;
}
