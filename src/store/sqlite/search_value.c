/* One search value as a condition on one index row, per parameter kind (store.h, store_value).
 * Conditions are written so that, with the row's type and param fixed, the kind's value index can
 * serve them as an equality or a range (a prefix is a range up to its successor, never LIKE). */
#include <stdint.h>
#include <string.h>

#include "store/sqlite/search_sql.h"

/* Emits "x.name", or "x.v_name" for the second component of a composite row. */
static void col(struct sq_build *b, const char *x, bool second, const char *name)
{
    sq_emitf(b, "%s.%s%s", x, second ? "v_" : "", name);
}

/* col op ?value */
static void col_text(struct sq_build *b, const char *x, bool second, const char *name,
                     const char *op, const char *value)
{
    col(b, x, second, name);
    sq_emitf(b, " %s ", op);
    sq_text(b, value);
}

static void col_int(struct sq_build *b, const char *x, bool second, const char *name,
                    const char *op, int64_t value)
{
    col(b, x, second, name);
    sq_emitf(b, " %s ", op);
    sq_int(b, value);
}

static void col_real(struct sq_build *b, const char *x, bool second, const char *name,
                     const char *op, double value)
{
    col(b, x, second, name);
    sq_emitf(b, " %s ", op);
    sq_real(b, value);
}

/* text starts with prefix: text >= prefix AND text < successor(prefix). */
static void prefix_range(struct sq_build *b, const char *x, bool second, const char *name,
                         const char *prefix)
{
    col_text(b, x, second, name, ">=", prefix);
    const char *succ = sq_successor(b, prefix);
    if (!succ) return;
    sq_emit(b, " AND ");
    col_text(b, x, second, name, "<", succ);
}

static void string_cond(struct sq_build *b, enum store_match m, const struct store_value *v,
                        const char *x, bool second)
{
    const char *t = v->text ? v->text : "";
    if (m == STORE_M_EXACT) {
        col_text(b, x, second, "exact", "=", t);
    } else if (m == STORE_M_CONTAINS) {
        col_text(b, x, second, "text", "LIKE", sq_like_contains(b, t));
        sq_emit(b, " ESCAPE '\\'");
    } else {
        prefix_range(b, x, second, "text", t);
    }
}

/* system NULL = any, "" = none (stored as ''); code NULL = any. */
static void token_cond(struct sq_build *b, const struct store_value *v, const char *x, bool second)
{
    bool any = true;
    if (v->code) {
        col_text(b, x, second, "code", "=", v->code);
        any = false;
    }
    if (v->system) {
        if (!any) sq_emit(b, " AND ");
        col_text(b, x, second, "system", "=", v->system);
        any = false;
    }
    if (any) sq_emit(b, "1");
}

static void ref_cond(struct sq_build *b, const struct store_value *v, const char *x)
{
    if (v->ref_id) {
        col_text(b, x, false, "ref_id", "=", v->ref_id);
        if (v->ref_type) {
            sq_emit(b, " AND ");
            col_text(b, x, false, "ref_type", "=", v->ref_type);
        }
    } else if (v->text) {
        /* "text <> ''" lets the partial index on absolute URLs serve the lookup. */
        col_text(b, x, false, "text", "=", v->text);
        sq_emitf(b, " AND %s.text <> ''", x);
    } else {
        sq_emit(b, "0");
    }
}

/* Local, so the store does not need libm for three comparisons. */
static double abs_d(double d)
{
    return d < 0 ? -d : d;
}

static int64_t sat_add(int64_t a, double d)
{
    double r = (double)a + d;
    if (r >= 9.2e18) return INT64_MAX;
    if (r <= -9.2e18) return INT64_MIN;
    return (int64_t)r;
}

/* The R4 prefixes on ranges (search.html#prefix), row [lo, hi) against value [vl, vh):
 *   eq  the value's range contains the row's       ne  it does not
 *   gt  the range above the value meets the row    lt  the range below the value meets the row
 *   ge  gt or eq                                    le  lt or eq
 *   sa  the row starts at or after the value's end eb  the row ends at or before its start
 *   ap  the row meets the value's range widened on each side by 10% of the distance from the
 *       value's start to now (the spec leaves the amount to the server and suggests 10% of the
 *       gap to now; so ap on a recent date is nearly an overlap test with the value itself). */
static void date_cond(struct sq_build *b, const struct store_value *v, const char *x, bool second)
{
    int64_t vl = v->lo, vh = v->hi;
    switch (v->cmp) {
    case STORE_EQ:
    case STORE_NE:
        if (v->cmp == STORE_NE) sq_emit(b, "NOT (");
        col_int(b, x, second, "lo", ">=", vl);
        sq_emit(b, " AND ");
        /* lo <= vh is implied by the two others; it bounds the index range on lo */
        col_int(b, x, second, "lo", "<=", vh);
        sq_emit(b, " AND ");
        col_int(b, x, second, "hi", "<=", vh);
        if (v->cmp == STORE_NE) sq_emit(b, ")");
        break;
    case STORE_GT:
        col_int(b, x, second, "hi", ">", vh);
        break;
    case STORE_LT:
        col_int(b, x, second, "lo", "<", vl);
        break;
    case STORE_GE:
    case STORE_LE:
        sq_emit(b, "(");
        if (v->cmp == STORE_GE)
            col_int(b, x, second, "hi", ">", vh);
        else
            col_int(b, x, second, "lo", "<", vl);
        sq_emit(b, " OR (");
        col_int(b, x, second, "lo", ">=", vl);
        sq_emit(b, " AND ");
        col_int(b, x, second, "hi", "<=", vh);
        sq_emit(b, "))");
        break;
    case STORE_SA:
        col_int(b, x, second, "lo", ">=", vh);
        break;
    case STORE_EB:
        col_int(b, x, second, "hi", "<=", vl);
        break;
    case STORE_AP: {
        double gap = abs_d((double)b->now_us - (double)vl) / 10.0;
        col_int(b, x, second, "lo", "<", sat_add(vh, gap));
        sq_emit(b, " AND ");
        col_int(b, x, second, "hi", ">", sat_add(vl, -gap));
        break;
    }
    }
}

/* NUMBER (and QUANTITY's number): eq/ne use the value's implicit precision range [lo_num, hi_num);
 * the others compare with the value itself; sa/eb are gt/lt (a number is a point); ap is within
 * 10% of the value (or its precision range, if wider). */
static void num_cond(struct sq_build *b, const struct store_value *v, const char *x, bool second,
                     const char *name)
{
    switch (v->cmp) {
    case STORE_EQ:
    case STORE_NE:
    case STORE_AP: {
        double lo = v->lo_num, hi = v->hi_num;
        const char *hi_op = "<";
        if (v->cmp == STORE_AP) {
            double d = abs_d(v->num) / 10.0;
            if (v->num - d < lo) lo = v->num - d;
            if (v->num + d > hi) hi = v->num + d;
            hi_op = "<=";
        }
        if (v->cmp == STORE_NE) sq_emit(b, "NOT (");
        col_real(b, x, second, name, ">=", lo);
        sq_emit(b, " AND ");
        col_real(b, x, second, name, hi_op, hi);
        if (v->cmp == STORE_NE) sq_emit(b, ")");
        break;
    }
    case STORE_GT:
    case STORE_SA:
        col_real(b, x, second, name, ">", v->num);
        break;
    case STORE_LT:
    case STORE_EB:
        col_real(b, x, second, name, "<", v->num);
        break;
    case STORE_GE:
        col_real(b, x, second, name, ">=", v->num);
        break;
    case STORE_LE:
        col_real(b, x, second, name, "<=", v->num);
        break;
    }
}

/* With canon, num/lo/hi and code are canonical: compare with canon/canon_code; else with the unit
 * as written (system and code, each NULL = any). */
static void quantity_cond(struct sq_build *b, const struct store_value *v, const char *x,
                          bool second)
{
    if (v->canon) {
        if (v->code) {
            col_text(b, x, second, "canon_code", "=", v->code);
            sq_emit(b, " AND ");
        }
        num_cond(b, v, x, second, "canon");
        return;
    }
    num_cond(b, v, x, second, "num");
    if (v->code) {
        sq_emit(b, " AND ");
        col_text(b, x, second, "code", "=", v->code);
    }
    if (v->system) {
        sq_emit(b, " AND ");
        col_text(b, x, second, "system", "=", v->system);
    }
}

static void uri_cond(struct sq_build *b, enum store_match m, const struct store_value *v,
                     const char *x)
{
    const char *t = v->text ? v->text : "";
    size_t n = strlen(t);
    if (m == STORE_M_CONTAINS) {
        col_text(b, x, false, "text", "LIKE", sq_like_contains(b, t));
        sq_emit(b, " ESCAPE '\\'");
    } else if (m == STORE_M_BELOW) {
        /* the value itself, or below it by whole path segments */
        char *dir = sq_arena(b, t, n + 1);
        if (!dir) return;
        dir[n] = '/';
        if (n && t[n - 1] == '/') dir[n] = '\0';
        sq_emit(b, "(");
        col_text(b, x, false, "text", "=", t);
        sq_emit(b, " OR (");
        prefix_range(b, x, false, "text", dir);
        sq_emit(b, "))");
    } else if (m == STORE_M_ABOVE) {
        /* the row is the value, or a leading part of it ending at a segment boundary */
        sq_emitf(b, "(%s.text = ", x);
        sq_text(b, t);
        sq_emitf(b, " OR (%s.text <> '' AND substr(", x);
        sq_text(b, t);
        sq_emitf(b, ", 1, length(%s.text)) = %s.text AND (substr(%s.text, -1) = '/' OR substr(", x,
                 x, x);
        sq_text(b, t);
        sq_emitf(b, ", length(%s.text) + 1, 1) = '/')))", x);
    } else {
        col_text(b, x, false, "text", "=", t);
    }
}

void sq_value_cond(struct sq_build *b, const struct store_clause *c, enum store_ix_kind kind,
                   const struct store_value *v, const char *x, bool second)
{
    enum store_match m = second ? STORE_M_DEFAULT : c->match;
    switch (kind) {
    case STORE_IX_STRING:
        string_cond(b, m, v, x, second);
        break;
    case STORE_IX_TOKEN:
        token_cond(b, v, x, second);
        break;
    case STORE_IX_REF:
        ref_cond(b, v, x);
        break;
    case STORE_IX_DATE:
        date_cond(b, v, x, second);
        break;
    case STORE_IX_NUMBER:
        num_cond(b, v, x, second, "num");
        break;
    case STORE_IX_QUANTITY:
        quantity_cond(b, v, x, second);
        break;
    case STORE_IX_URI:
        uri_cond(b, m, v, x);
        break;
    case STORE_IX_COMPOSITE:
        if (second) { /* a composite inside a composite is not a thing */
            b->failed = true;
            return;
        }
        token_cond(b, v, x, false);
        if (v->v) {
            sq_emit(b, " AND (");
            sq_value_cond(b, c, c->v_kind, v->v, x, true);
            sq_emit(b, ")");
        }
        break;
    }
}

bool sq_value_indexable(const struct store_clause *c, const struct store_value *v)
{
    switch (c->ix_kind) {
    case STORE_IX_STRING:
        return c->match == STORE_M_DEFAULT && v->text && *v->text;
    case STORE_IX_TOKEN:
    case STORE_IX_COMPOSITE:
        return c->match == STORE_M_DEFAULT && v->code;
    case STORE_IX_REF:
        return c->match == STORE_M_DEFAULT && !v->nchain && (v->ref_id || v->text);
    case STORE_IX_URI:
        return (c->match == STORE_M_DEFAULT || c->match == STORE_M_BELOW) && v->text;
    case STORE_IX_DATE:
        return c->match == STORE_M_DEFAULT && v->cmp != STORE_NE && v->cmp != STORE_GE &&
               v->cmp != STORE_LE;
    case STORE_IX_NUMBER:
    case STORE_IX_QUANTITY:
        return c->match == STORE_M_DEFAULT && v->cmp == STORE_EQ;
    }
    return false;
}
