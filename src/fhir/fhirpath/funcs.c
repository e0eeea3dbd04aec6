/* FHIRPath functions: helpers, existence, filtering, subsetting and combining, and the table
 * of all functions (the rest are in fn_*.c and funcs2.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir/fhirpath/fn_internal.h"
#include "json/jsonx.h"

#define MAX_REPEAT 100000

struct fp_coll fpf_one(struct fp_ctx *c, struct fp_item *it)
{
    struct fp_coll r = {0};
    if (it) fp_push(c, &r, it);
    return r;
}

/* Evaluates argument k with item as $this (lambda arguments like where/select). */
struct fp_coll fpf_eval_on(struct fp_ctx *c, const struct fp_node *arg, struct fp_item *item,
                           int64_t index)
{
    struct fp_item *saved = c->this_item;
    int64_t sidx = c->index;
    c->this_item = item;
    c->index = index;
    struct fp_coll focus = fpf_one(c, item);
    struct fp_coll r = fp_eval(c, arg, &focus);
    c->this_item = saved;
    c->index = sidx;
    return r;
}

/* Evaluates a plain argument in the context the function was called from. */
struct fp_coll fpf_arg(struct fctx *f, size_t k)
{
    struct fp_coll focus = fpf_one(f->c, f->c->this_item ? f->c->this_item : f->c->root);
    return fp_eval(f->c, f->n->kids[k], &focus);
}

struct fp_item *fpf_single_in(struct fctx *f)
{
    if (f->in->n > 1) fp_fail(f->c, "%s() needs a single input, got %zu", f->n->text, f->in->n);
    return f->in->n ? f->in->v[0] : NULL;
}

struct fp_item *fpf_arg_single(struct fctx *f, size_t k)
{
    struct fp_coll v = fpf_arg(f, k);
    if (v.n > 1) fp_fail(f->c, "argument of %s() must be a single item", f->n->text);
    return v.n ? v.v[0] : NULL;
}

const char *fpf_arg_str(struct fctx *f, size_t k)
{
    struct fp_item *it = fpf_arg_single(f, k);
    if (!it) return NULL;
    if (it->kind != FP_STR) fp_fail(f->c, "argument of %s() must be a string", f->n->text);
    return it->s;
}

bool fpf_arg_int(struct fctx *f, size_t k, int64_t *out)
{
    struct fp_item *it = fpf_arg_single(f, k);
    if (!it) return false;
    if (it->kind != FP_INT) fp_fail(f->c, "argument of %s() must be an integer", f->n->text);
    *out = it->i;
    return true;
}

void fpf_push(struct fctx *f, struct fp_item *it)
{
    if (it) fp_push(f->c, &f->out, it);
}

void fpf_push_bool(struct fctx *f, bool b)
{
    fpf_push(f, fp_bool(f->c, b));
}

/* ---- existence and filtering ---- */

void fpf_empty(struct fctx *f)
{
    fpf_push_bool(f, f->in->n == 0);
}

void fpf_exists(struct fctx *f)
{
    if (!f->n->n_kids) {
        fpf_push_bool(f, f->in->n > 0);
        return;
    }
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = fpf_eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (fp_truthy(f->c, &r, &t)) {
            fpf_push_bool(f, true);
            return;
        }
    }
    fpf_push_bool(f, false);
}

void fpf_all(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = fpf_eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (!fp_truthy(f->c, &r, &t)) {
            fpf_push_bool(f, false);
            return;
        }
    }
    fpf_push_bool(f, true);
}

static void bools(struct fctx *f, bool want, bool all)
{
    for (size_t i = 0; i < f->in->n; i++) {
        const struct fp_item *it = f->in->v[i];
        if (it->kind != FP_BOOL) fp_fail(f->c, "%s() needs booleans", f->n->text);
        if (all && it->b != want) {
            fpf_push_bool(f, false);
            return;
        }
        if (!all && it->b == want) {
            fpf_push_bool(f, true);
            return;
        }
    }
    fpf_push_bool(f, all);
}

void fpf_allTrue(struct fctx *f)
{
    bools(f, true, true);
}
void fpf_anyTrue(struct fctx *f)
{
    bools(f, true, false);
}
void fpf_allFalse(struct fctx *f)
{
    bools(f, false, true);
}
void fpf_anyFalse(struct fctx *f)
{
    bools(f, false, false);
}

void fpf_subsetOf(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &other, f->in->v[i])) {
            fpf_push_bool(f, false);
            return;
        }
    fpf_push_bool(f, true);
}

void fpf_supersetOf(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < other.n; i++)
        if (!fp_coll_has(f->c, f->in, other.v[i])) {
            fpf_push_bool(f, false);
            return;
        }
    fpf_push_bool(f, true);
}

void fpf_count(struct fctx *f)
{
    fpf_push(f, fp_int(f->c, (int64_t)f->in->n));
}

void fpf_distinct(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &f->out, f->in->v[i])) fpf_push(f, f->in->v[i]);
}

void fpf_isDistinct(struct fctx *f)
{
    fpf_distinct(f);
    size_t n = f->out.n;
    f->out.n = 0;
    fpf_push_bool(f, n == f->in->n);
}

void fpf_where(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = fpf_eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (fp_truthy(f->c, &r, &t)) fpf_push(f, f->in->v[i]);
    }
}

void fpf_select(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = fpf_eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        for (size_t j = 0; j < r.n; j++) fpf_push(f, r.v[j]);
    }
}

void fpf_repeat(struct fctx *f)
{
    struct fp_coll work = *f->in;
    for (size_t round = 0; work.n && round < MAX_REPEAT; round++) {
        struct fp_coll next = {0};
        for (size_t i = 0; i < work.n; i++) {
            struct fp_coll r = fpf_eval_on(f->c, f->n->kids[0], work.v[i], (int64_t)i);
            for (size_t j = 0; j < r.n; j++) {
                if (fp_coll_has(f->c, &f->out, r.v[j])) continue;
                fpf_push(f, r.v[j]);
                fp_push(f->c, &next, r.v[j]);
            }
        }
        work = next;
    }
}

static const char *type_arg(struct fctx *f)
{
    const struct fp_node *a = f->n->kids[0];
    if (a->kind == FP_A_IDENT) return a->text;
    if (a->kind == FP_A_DOT && a->kids[0]->kind == FP_A_IDENT && a->kids[1]->kind == FP_A_IDENT) {
        size_t la = strlen(a->kids[0]->text), lb = strlen(a->kids[1]->text);
        char *s = fp_alloc(f->c->arena, la + lb + 2);
        memcpy(s, a->kids[0]->text, la);
        s[la] = '.';
        memcpy(s + la + 1, a->kids[1]->text, lb + 1);
        return s;
    }
    fp_fail(f->c, "%s() needs a type name", f->n->text);
}

static const char *checked_type(struct fctx *f)
{
    const char *t = type_arg(f);
    if (!fp_known_type(t)) fp_fail(f->c, "unknown type '%s'", t);
    return t;
}

void fpf_ofType(struct fctx *f)
{
    const char *t = checked_type(f);
    for (size_t i = 0; i < f->in->n; i++)
        if (fp_is_type_exact(f->in->v[i], t)) fpf_push(f, f->in->v[i]);
}

void fpf_is(struct fctx *f)
{
    const char *t = checked_type(f);
    struct fp_item *it = fpf_single_in(f);
    if (it) fpf_push_bool(f, fp_is_type(it, t));
}

void fpf_as(struct fctx *f)
{
    if (f->in->n > 1) fp_fail(f->c, "as() needs a single input");
    fpf_ofType(f);
}

/* ---- subsetting and combining ---- */

void fpf_first(struct fctx *f)
{
    if (f->in->n) fpf_push(f, f->in->v[0]);
}

void fpf_last(struct fctx *f)
{
    if (f->in->n) fpf_push(f, f->in->v[f->in->n - 1]);
}

void fpf_tail(struct fctx *f)
{
    for (size_t i = 1; i < f->in->n; i++) fpf_push(f, f->in->v[i]);
}

void fpf_skip(struct fctx *f)
{
    int64_t k;
    if (!fpf_arg_int(f, 0, &k)) return;
    for (size_t i = k < 0 ? 0 : (size_t)k; i < f->in->n; i++) fpf_push(f, f->in->v[i]);
}

void fpf_take(struct fctx *f)
{
    int64_t k;
    if (!fpf_arg_int(f, 0, &k)) return;
    for (size_t i = 0; k > 0 && i < f->in->n && i < (size_t)k; i++) fpf_push(f, f->in->v[i]);
}

void fpf_single(struct fctx *f)
{
    fpf_push(f, fpf_single_in(f));
}

void fpf_intersect(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (fp_coll_has(f->c, &other, f->in->v[i]) && !fp_coll_has(f->c, &f->out, f->in->v[i]))
            fpf_push(f, f->in->v[i]);
}

void fpf_exclude(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &other, f->in->v[i])) fpf_push(f, f->in->v[i]);
}

void fpf_union(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &f->out, f->in->v[i])) fpf_push(f, f->in->v[i]);
    for (size_t i = 0; i < other.n; i++)
        if (!fp_coll_has(f->c, &f->out, other.v[i])) fpf_push(f, other.v[i]);
}

void fpf_combine(struct fctx *f)
{
    struct fp_coll other = fpf_arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++) fpf_push(f, f->in->v[i]);
    for (size_t i = 0; i < other.n; i++) fpf_push(f, other.v[i]);
}

void fpf_iif(struct fctx *f)
{
    if (f->n->n_kids < 2) fp_fail(f->c, "iif() needs 2 or 3 arguments");
    if (f->in->n > 1) fp_fail(f->c, "iif() needs a single input");
    struct fp_item *focus = f->in->n ? f->in->v[0] : f->c->this_item;
    struct fp_coll cond =
        focus ? fpf_eval_on(f->c, f->n->kids[0], focus, f->c->index) : fpf_arg(f, 0);
    int t;
    if (cond.n > 1 || (cond.n == 1 && cond.v[0]->kind != FP_BOOL))
        fp_fail(f->c, "iif() criterion must be a boolean");
    bool yes = fp_truthy(f->c, &cond, &t);
    size_t k = yes ? 1 : 2;
    if (k >= f->n->n_kids) return;
    struct fp_coll r = focus ? fpf_eval_on(f->c, f->n->kids[k], focus, f->c->index) : fpf_arg(f, k);
    for (size_t i = 0; i < r.n; i++) fpf_push(f, r.v[i]);
}

void fpf_not(struct fctx *f)
{
    int t;
    fp_truthy(f->c, f->in, &t);
    if (t >= 0) fpf_push_bool(f, !t);
}

struct fdef {
    const char *name;
    void (*fn)(struct fctx *);
    uint8_t min, max;
};

static const struct fdef funcs[] = {
    {"empty", fpf_empty, 0, 0},
    {"exists", fpf_exists, 0, 1},
    {"all", fpf_all, 1, 1},
    {"allTrue", fpf_allTrue, 0, 0},
    {"anyTrue", fpf_anyTrue, 0, 0},
    {"allFalse", fpf_allFalse, 0, 0},
    {"anyFalse", fpf_anyFalse, 0, 0},
    {"subsetOf", fpf_subsetOf, 1, 1},
    {"supersetOf", fpf_supersetOf, 1, 1},
    {"count", fpf_count, 0, 0},
    {"distinct", fpf_distinct, 0, 0},
    {"isDistinct", fpf_isDistinct, 0, 0},
    {"where", fpf_where, 1, 1},
    {"select", fpf_select, 1, 1},
    {"repeat", fpf_repeat, 1, 1},
    {"ofType", fpf_ofType, 1, 1},
    {"is", fpf_is, 1, 1},
    {"as", fpf_as, 1, 1},
    {"first", fpf_first, 0, 0},
    {"last", fpf_last, 0, 0},
    {"tail", fpf_tail, 0, 0},
    {"skip", fpf_skip, 1, 1},
    {"take", fpf_take, 1, 1},
    {"single", fpf_single, 0, 0},
    {"intersect", fpf_intersect, 1, 1},
    {"exclude", fpf_exclude, 1, 1},
    {"union", fpf_union, 1, 1},
    {"combine", fpf_combine, 1, 1},
    {"iif", fpf_iif, 2, 3},
    {"not", fpf_not, 0, 0},
    {"toBoolean", fpf_toBoolean, 0, 0},
    {"convertsToBoolean", fpf_convertsToBoolean, 0, 0},
    {"toInteger", fpf_toInteger, 0, 0},
    {"convertsToInteger", fpf_convertsToInteger, 0, 0},
    {"toDecimal", fpf_toDecimal, 0, 0},
    {"convertsToDecimal", fpf_convertsToDecimal, 0, 0},
    {"toString", fpf_toString, 0, 0},
    {"convertsToString", fpf_convertsToString, 0, 0},
    {"toQuantity", fpf_toQuantity, 0, 1},
    {"convertsToQuantity", fpf_convertsToQuantity, 0, 1},
    {"toDate", fpf_toDate, 0, 0},
    {"convertsToDate", fpf_convertsToDate, 0, 0},
    {"toDateTime", fpf_toDateTime, 0, 0},
    {"convertsToDateTime", fpf_convertsToDateTime, 0, 0},
    {"toTime", fpf_toTime, 0, 0},
    {"convertsToTime", fpf_convertsToTime, 0, 0},
    {"indexOf", fpf_indexOf, 1, 1},
    {"substring", fpf_substring, 1, 2},
    {"startsWith", fpf_startsWith, 1, 1},
    {"endsWith", fpf_endsWith, 1, 1},
    {"contains", fpf_contains, 1, 1},
    {"upper", fpf_upper, 0, 0},
    {"lower", fpf_lower, 0, 0},
    {"replace", fpf_replace, 2, 2},
    {"matches", fpf_matches, 1, 1},
    {"matchesFull", fpf_matchesFull, 1, 1},
    {"replaceMatches", fpf_replaceMatches, 2, 2},
    {"length", fpf_length, 0, 0},
    {"toChars", fpf_toChars, 0, 0},
    {"trim", fpf_trim, 0, 0},
    {"split", fpf_split, 1, 1},
    {"join", fpf_join, 0, 1},
    {"abs", fpf_abs, 0, 0},
    {"ceiling", fpf_ceiling, 0, 0},
    {"floor", fpf_floor, 0, 0},
    {"truncate", fpf_truncate, 0, 0},
    {"round", fpf_round, 0, 1},
    {"exp", fpf_exp, 0, 0},
    {"ln", fpf_ln, 0, 0},
    {"log", fpf_log, 1, 1},
    {"power", fpf_power, 1, 1},
    {"sqrt", fpf_sqrt, 0, 0},
    {"now", fpf_now, 0, 0},
    {"today", fpf_today, 0, 0},
    {"timeOfDay", fpf_timeOfDay, 0, 0},
    {"trace", fpf_trace, 1, 2},
    {"aggregate", fpf_aggregate, 1, 2},
    {"children", fpf_children, 0, 0},
    {"descendants", fpf_descendants, 0, 0},
    {"hasValue", fpf_hasValue, 0, 0},
    {"extension", fpf_extension, 1, 1},
    {"resolve", fpf_resolve, 0, 0},
    {"memberOf", fpf_memberOf, 1, 1},
    {"htmlChecks", fpf_htmlChecks, 0, 0},
};

bool fp_function_known(const char *name, size_t n_args)
{
    static const char *const more[] = {"sort",       "lowBoundary", "highBoundary", "precision",
                                       "encode",     "decode",      "escape",       "unescape",
                                       "comparable", "conformsTo",  "type"};
    for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++)
        if (!strcmp(funcs[i].name, name)) return n_args >= funcs[i].min && n_args <= funcs[i].max;
    for (size_t i = 0; i < sizeof(more) / sizeof(*more); i++)
        if (!strcmp(more[i], name)) return true;
    return false;
}

struct fp_coll fp_call(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus)
{
    for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
        if (strcmp(funcs[i].name, n->text) != 0) continue;
        if (n->n_kids < funcs[i].min || n->n_kids > funcs[i].max)
            fp_fail(c, "wrong number of arguments for %s() at %zu", n->text, n->pos);
        struct fctx f = {.c = c, .n = n, .in = focus};
        funcs[i].fn(&f);
        return f.out;
    }
    struct fp_coll out = {0};
    if (fp_call_more(c, n, focus, &out)) return out;
    fp_fail(c, "unknown function %s() at %zu", n->text, n->pos);
}
