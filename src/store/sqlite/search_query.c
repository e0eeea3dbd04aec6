/* A whole search statement: the WHERE of search_sql.c, the _sort keys, the page (LIMIT count + 1
 * so the caller learns whether more rows follow), the total, and $lastn's per-code cut.
 *
 * The WHERE, each sort key and each number are emitted once into the builder and then copied into
 * the page and count statements; the parameters are numbered, so the copies share one binding
 * list. Sort keys are correlated MIN/MAX subqueries over the (seq, pid, value) key of the
 * parameter's table (one short index range per candidate), NULLS LAST, then seq. */
#include <string.h>

#include "store/sqlite/search_sql.h"

#define COLS "SELECT m.type, m.id, m.version, m.seq, m.last_updated, m.deleted, m.json "

struct span {
    size_t from, to;
};

static void sort_key(struct sq_build *b, const char *type, const struct store_sort *k,
                     const char *seq)
{
    if (!k->param) {
        b->failed = true;
        return;
    }
    if (!strcmp(k->param, "_id")) {
        sq_emit(b, "m.id");
        return;
    }
    if (!strcmp(k->param, "_lastUpdated")) {
        sq_emit(b, "m.last_updated");
        return;
    }
    const char *table = store_sq_ix_table(k->ix_kind);
    if (!table) {
        b->failed = true;
        return;
    }
    const char *col = "text";
    switch (k->ix_kind) {
    case STORE_IX_TOKEN:
    case STORE_IX_COMPOSITE:
        col = "code";
        break;
    case STORE_IX_REF:
        col = "CASE WHEN s.ref_id <> '' THEN s.ref_type || '/' || s.ref_id ELSE s.text END";
        break;
    case STORE_IX_DATE:
        col = k->desc ? "s.hi" : "s.lo";
        break;
    case STORE_IX_NUMBER:
    case STORE_IX_QUANTITY:
        col = "num";
        break;
    default:
        break;
    }
    /* "+": min/max of a bare column lets SQLite walk the (pid, <value>) index in value order,
     * checking seq row by row (every row of the parameter: $lastn 2.7 -> 980 ms at 100
     * patients); an expression leaves it the key's (seq, pid) range. */
    sq_emitf(b, "(SELECT %s(+%s%s) FROM %s s WHERE s.seq = %s AND ", k->desc ? "max" : "min",
             strchr(col, '.') || strchr(col, ' ') ? "" : "s.", col, table, seq);
    sq_pid(b, "s", type, k->param);
    sq_emit(b, ")");
}

static void copy(struct buf *out, const struct sq_build *b, struct span s)
{
    buf_append(out, b->sql.data + s.from, s.to - s.from);
}

/* "<key 1> ASC NULLS LAST, ..., <seq>"; keys is NULL to name them by their aliases w.k0.. */
static void order_by(struct buf *out, const struct sq_build *b, const struct store_search_q *q,
                     const struct span *keys, const char *seq)
{
    for (size_t i = 0; i < q->nsort; i++) {
        if (keys)
            copy(out, b, keys[i]);
        else
            buf_printf(out, "w.k%zu", i);
        buf_printf(out, " %s NULLS LAST, ", q->sort[i].desc ? "DESC" : "ASC");
    }
    buf_append_str(out, seq);
    /* seq is the write order, so it is _lastUpdated to the finest grain: two writes in one
     * millisecond share a _lastUpdated, and newest-first must still put the later one first. */
    if (q->nsort && q->sort[q->nsort - 1].desc && q->sort[q->nsort - 1].param &&
        !strcmp(q->sort[q->nsort - 1].param, "_lastUpdated"))
        buf_append_str(out, " DESC");
}

/* The inner statement of $lastn: each candidate with its sort keys and its rank within its code.
 * The keys and the partition are computed once per candidate in a subquery (written into the
 * window's PARTITION/ORDER they were evaluated twice: 2 ms against 6 for one patient). */
static void lastn_inner(struct buf *out, const struct sq_build *b, const struct store_search_q *q,
                        struct span where, const struct span *keys, struct span part,
                        const char *seq)
{
    buf_append_str(out, "SELECT seq, ");
    for (size_t i = 0; i < q->nsort; i++) buf_printf(out, "k%zu, ", i);
    buf_append_str(out, "row_number() OVER (PARTITION BY p ORDER BY ");
    for (size_t i = 0; i < q->nsort; i++)
        buf_printf(out, "k%zu %s NULLS LAST, ", i, q->sort[i].desc ? "DESC" : "ASC");
    buf_printf(out, "seq) AS rn FROM (SELECT %s AS seq, ", seq);
    for (size_t i = 0; i < q->nsort; i++) {
        copy(out, b, keys[i]);
        buf_printf(out, " AS k%zu, ", i);
    }
    copy(out, b, part);
    buf_append_str(out, " AS p ");
    copy(out, b, where);
    buf_append_str(out, ")");
}

static void page_cut(struct buf *out, const struct sq_build *b, struct span limit,
                     struct span offset)
{
    buf_append_str(out, " LIMIT ");
    copy(out, b, limit);
    buf_append_str(out, " OFFSET ");
    copy(out, b, offset);
}

void sq_query(struct sq_build *b, const struct store_search_q *q, struct buf *page,
              struct buf *count)
{
    struct span where, keys[STORE_SORT_MAX], part = {0, 0}, limit, offset, per_max = {0, 0};
    if (q->nsort > STORE_SORT_MAX) {
        b->failed = true;
        return;
    }
    where.from = b->sql.len;
    char order_seq[32];
    sq_from_where(b, q->type, q->compartment, q->clauses, q->nclauses, "m", order_seq);
    where.to = b->sql.len;
    for (size_t i = 0; i < q->nsort; i++) {
        keys[i].from = b->sql.len;
        sort_key(b, q->type, &q->sort[i], order_seq);
        keys[i].to = b->sql.len;
    }
    if (q->per_param) {
        /* one partition per patient and code: the resource's compartment and its smallest
         * system|code of the parameter ($lastn's groups are per patient and code); NULL (one
         * group) when it has no code */
        part.from = b->sql.len;
        sq_emitf(b,
                 "(ifnull(m.compartment, '') || ' ' || (SELECT min(t.system || '|' || t.code)"
                 " FROM ix_token t WHERE t.seq = %s AND ",
                 order_seq);
        sq_pid(b, "t", q->type, q->per_param);
        sq_emit(b, "))");
        part.to = b->sql.len;
        per_max.from = b->sql.len;
        sq_int(b, q->per_max > (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->per_max);
        per_max.to = b->sql.len;
    }
    limit.from = b->sql.len;
    sq_int(b, q->count >= (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->count + 1);
    limit.to = offset.from = b->sql.len;
    sq_int(b, q->offset > (size_t)INT64_MAX ? INT64_MAX : (int64_t)q->offset);
    offset.to = b->sql.len;
    if (b->failed) return;

    if (page && !q->per_param && !q->nsort) {
        buf_append_str(page, COLS);
        copy(page, b, where);
        buf_printf(page, " ORDER BY %s", order_seq);
        page_cut(page, b, limit, offset);
    } else if (page && !q->per_param) {
        /* Sort seqs and keys only, then read the page's rows: SQLite's sorter would otherwise
         * carry every candidate's json. */
        buf_printf(page, COLS "FROM (SELECT %s AS seq", order_seq);
        for (size_t i = 0; i < q->nsort; i++) {
            buf_append_str(page, ", ");
            copy(page, b, keys[i]);
            buf_printf(page, " AS k%zu", i);
        }
        buf_append_char(page, ' ');
        copy(page, b, where);
        buf_append_str(page, " ORDER BY ");
        order_by(page, b, q, keys, order_seq);
        page_cut(page, b, limit, offset);
        buf_append_str(page, ") w CROSS JOIN resource_version m ON m.seq = w.seq ORDER BY ");
        order_by(page, b, q, NULL, "w.seq");
    } else if (page) {
        buf_append_str(page, COLS "FROM (");
        lastn_inner(page, b, q, where, keys, part, order_seq);
        buf_append_str(page, ") w CROSS JOIN resource_version m ON m.seq = w.seq WHERE w.rn <= ");
        copy(page, b, per_max);
        buf_append_str(page, " ORDER BY ");
        order_by(page, b, q, NULL, "w.seq");
        page_cut(page, b, limit, offset);
    }
    if (page && page->overflowed) b->failed = true;
    if (count && !q->per_param && b->cset_to > b->cset_from) {
        /* The compartment's set holds every match once: counting it skips a resource_version
         * lookup per member (a patient has ~800 resources in Synthea, $everything's total read
         * ~80 pages of versions for 9 of the index). */
        buf_append_str(count, "SELECT count(*) FROM (");
        copy(count, b, (struct span){b->cset_from, b->cset_to});
        buf_append_str(count, ")");
    } else if (count && !q->per_param) {
        buf_append_str(count, "SELECT count(*) ");
        copy(count, b, where);
    } else if (count) {
        buf_append_str(count, "SELECT count(*) FROM (");
        lastn_inner(count, b, q, where, keys, part, order_seq);
        buf_append_str(count, ") w WHERE w.rn <= ");
        copy(count, b, per_max);
    }
    if (count && count->overflowed) b->failed = true;
}
