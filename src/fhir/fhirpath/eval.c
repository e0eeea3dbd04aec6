/* The evaluator: literals, paths, operators and the public API. Functions are in funcs.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/fhirpath/fp_internal.h"
#include "fhir/model.h"
#include "json/jsonx.h"

#define FP_ARENA_PARSE (1u << 20)
#define FP_ARENA_EVAL  (64u << 20)
#define FP_MAX_STEPS   10000000L

static struct fp_coll one(struct fp_ctx *c, struct fp_item *it)
{
    struct fp_coll r = {0};
    fp_push(c, &r, it);
    return r;
}

bool fp_truthy(struct fp_ctx *c, const struct fp_coll *v, int *tri)
{
    if (v->n == 0) {
        *tri = -1;
        return false;
    }
    if (v->n > 1) fp_fail(c, "expected a single boolean, got %zu items", v->n);
    *tri = v->v[0]->kind == FP_BOOL ? v->v[0]->b : 1;
    return *tri == 1;
}

static struct fp_item *single(struct fp_ctx *c, const struct fp_coll *v)
{
    if (v->n > 1) fp_fail(c, "expected a single item, got %zu", v->n);
    return v->n ? v->v[0] : NULL;
}

static struct fp_coll ext_const(struct fp_ctx *c, const struct fp_node *n)
{
    const char *name = n->text;
    if (!strcmp(name, "resource") || !strcmp(name, "context") || !strcmp(name, "rootResource"))
        return one(c, c->root);
    const char *url = NULL;
    char tmp[256];
    if (!strcmp(name, "ucum"))
        url = "http://unitsofmeasure.org";
    else if (!strcmp(name, "sct"))
        url = "http://snomed.info/sct";
    else if (!strcmp(name, "loinc"))
        url = "http://loinc.org";
    else if (!strncmp(name, "vs-", 3)) {
        snprintf(tmp, sizeof(tmp), "http://hl7.org/fhir/ValueSet/%s", name + 3);
        url = tmp;
    } else if (!strncmp(name, "ext-", 4)) {
        snprintf(tmp, sizeof(tmp), "http://hl7.org/fhir/StructureDefinition/%s", name + 4);
        url = tmp;
    }
    if (!url) fp_fail(c, "unknown external constant %%%s at %zu", name, n->pos);
    return one(c, fp_str(c, url, strlen(url)));
}

static struct fp_coll literal(struct fp_ctx *c, const struct fp_node *n)
{
    struct fp_item *it = NULL;
    switch (n->kind) {
    case FP_A_BOOL:
        it = fp_bool(c, n->bval);
        break;
    case FP_A_INT:
        it = fp_int(c, n->ival);
        break;
    case FP_A_DEC:
        it = fp_dec(c, strtold(n->text, NULL), fp_dec_scale(n->text));
        break;
    case FP_A_STR:
        it = fp_str(c, n->text, strlen(n->text));
        break;
    case FP_A_QTY:
        it = fp_new(c, FP_QTY);
        it->d = strtold(n->text, NULL);
        it->scale = fp_dec_scale(n->text);
        it->s = n->unit;
        break;
    default: {
        enum fp_kind k = n->kind == FP_A_DATE   ? FP_DATE
                         : n->kind == FP_A_TIME ? FP_TIME
                                                : FP_DATETIME;
        it = fp_new(c, k);
        const char *t = n->text + (k == FP_TIME);
        fp_parse_dt(t, strlen(t), k, &it->dt);
    }
    }
    return one(c, it);
}

static struct fp_coll ident(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus,
                            bool root)
{
    struct fp_coll r = {0};
    size_t undefined = 0;
    for (size_t i = 0; i < focus->n; i++) {
        struct fp_item *it = focus->v[i];
        bool res = it->kind == FP_NODE && jsonx_get_str(it->node, "resourceType");
        if (root && res && fhir_is_resource_type(n->text)) {
            /* Another type's name selects nothing rather than failing: search parameter
             * expressions are unions over types ("Patient.name | Practitioner.name"). */
            if (!strcmp(it->type, n->text)) fp_push(c, &r, it);
            continue;
        }
        undefined += (size_t)fp_member(c, it, n->text, &r);
    }
    /* Strict: a name that no item's type defines is an error (a typo, or valueQuantity for
     * value); in a mixed collection (descendants()) it is enough that some type defines it. */
    if (focus->n && undefined == focus->n)
        fp_fail(c, "%s has no element '%s' (at %zu)", fp_item_type(focus->v[0]), n->text, n->pos);
    return r;
}

static int64_t add_ovf(struct fp_ctx *c, int64_t a, int64_t b, bool *ovf)
{
    (void)c;
    int64_t r;
    *ovf = __builtin_add_overflow(a, b, &r);
    return r;
}

static struct fp_item *qty(struct fp_ctx *c, long double d, int scale, const char *unit)
{
    struct fp_item *it = fp_new(c, FP_QTY);
    it->d = d;
    it->scale = scale > 8 ? 8 : scale;
    it->s = unit;
    return it;
}

static int maxi(int a, int b)
{
    return a > b ? a : b;
}

/* Arithmetic on two single items; NULL means the empty result. */
static struct fp_item *arith(struct fp_ctx *c, enum fp_op op, struct fp_item *a, struct fp_item *b)
{
    bool ovf = false;
    int64_t r;
    if (op == FP_OP_ADD && a->kind == FP_STR && b->kind == FP_STR) {
        size_t la = strlen(a->s), lb = strlen(b->s);
        char *s = fp_alloc(c->arena, la + lb + 1);
        memcpy(s, a->s, la);
        memcpy(s + la, b->s, lb + 1);
        struct fp_item *it = fp_new(c, FP_STR);
        it->s = s;
        return it;
    }
    if ((a->kind == FP_DATE || a->kind == FP_DATETIME || a->kind == FP_TIME) && b->kind == FP_QTY &&
        (op == FP_OP_ADD || op == FP_OP_SUB)) {
        struct fp_item *it = fp_new(c, a->kind);
        it->dt = a->dt;
        long double v = op == FP_OP_SUB ? -b->d : b->d;
        int64_t amount;
        if (!fp_ld_to_i64(truncl(v), &amount) || !fp_dt_add(&it->dt, a->kind, amount, b->s))
            fp_fail(c, "cannot add '%s' to a date", b->s);
        return it;
    }
    if (a->kind == FP_INT && b->kind == FP_INT) {
        switch (op) {
        case FP_OP_ADD:
            r = add_ovf(c, a->i, b->i, &ovf);
            break;
        case FP_OP_SUB:
            ovf = __builtin_sub_overflow(a->i, b->i, &r);
            break;
        case FP_OP_MUL:
            ovf = __builtin_mul_overflow(a->i, b->i, &r);
            break;
        case FP_OP_IDIV:
            if (b->i == 0 || (a->i == INT64_MIN && b->i == -1)) return NULL;
            r = a->i / b->i;
            break;
        case FP_OP_MOD:
            if (b->i == 0 || b->i == -1) return b->i == 0 ? NULL : fp_int(c, 0);
            r = a->i % b->i;
            break;
        case FP_OP_DIV:
            if (b->i == 0) return NULL;
            {
                long double q = (long double)a->i / (long double)b->i;
                int sc = 0;
                while (sc < 8 && q * powl(10, sc) != truncl(q * powl(10, sc))) sc++;
                return fp_dec(c, q, sc);
            }
        default:
            return NULL;
        }
        return ovf ? NULL : fp_int(c, r);
    }
    bool na = a->kind == FP_INT || a->kind == FP_DEC, nb = b->kind == FP_INT || b->kind == FP_DEC;
    long double x = a->kind == FP_INT ? (long double)a->i : a->d;
    long double y = b->kind == FP_INT ? (long double)b->i : b->d;
    int sa = a->kind == FP_INT ? 0 : a->scale, sb = b->kind == FP_INT ? 0 : b->scale;
    if (na && nb) {
        switch (op) {
        case FP_OP_ADD:
            return fp_dec(c, x + y, maxi(sa, sb));
        case FP_OP_SUB:
            return fp_dec(c, x - y, maxi(sa, sb));
        case FP_OP_MUL:
            return fp_dec(c, x * y, sa + sb);
        case FP_OP_DIV: {
            if (y == 0) return NULL;
            long double q = x / y;
            int sc = 0;
            while (sc < 8 && fabsl(q * powl(10, sc) - roundl(q * powl(10, sc))) > 1e-9L) sc++;
            return fp_dec(c, q, sc);
        }
        case FP_OP_IDIV:
            if (y == 0) return NULL;
            {
                int64_t q;
                return fp_ld_to_i64(truncl(x / y), &q) ? fp_int(c, q) : NULL;
            }
        case FP_OP_MOD:
            if (y == 0) return NULL;
            return fp_dec(c, fmodl(x, y), maxi(sa, sb));
        default:
            return NULL;
        }
    }
    if (a->kind == FP_QTY && b->kind == FP_QTY) {
        if ((op == FP_OP_ADD || op == FP_OP_SUB) && !strcmp(a->s, b->s))
            return qty(c, op == FP_OP_ADD ? a->d + b->d : a->d - b->d, maxi(a->scale, b->scale),
                       a->s);
        if (op == FP_OP_MUL && !strcmp(b->s, "1"))
            return qty(c, a->d * b->d, a->scale + b->scale, a->s);
        if (op == FP_OP_DIV && !strcmp(a->s, b->s) && b->d != 0) return qty(c, a->d / b->d, 8, "1");
        return NULL;
    }
    if (a->kind == FP_QTY && nb && (op == FP_OP_MUL || op == FP_OP_DIV)) {
        if (op == FP_OP_DIV && y == 0) return NULL;
        return qty(c, op == FP_OP_MUL ? a->d * y : a->d / y, a->scale + sb, a->s);
    }
    if (b->kind == FP_QTY && na && op == FP_OP_MUL) return qty(c, x * b->d, sa + b->scale, b->s);
    fp_fail(c, "cannot apply arithmetic to %s and %s", fp_item_type(a), fp_item_type(b));
}

void fp_tick(struct fp_ctx *c, size_t n)
{
    c->steps += (long)(n > FP_MAX_STEPS ? FP_MAX_STEPS : n);
    if (c->steps > FP_MAX_STEPS) fp_fail(c, "evaluation too large");
}

bool fp_coll_has(struct fp_ctx *c, const struct fp_coll *v, const struct fp_item *it)
{
    fp_tick(c, v->n);
    for (size_t i = 0; i < v->n; i++)
        if (fp_equal(v->v[i], it) == 1) return true;
    return false;
}

static struct fp_coll binop(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus)
{
    struct fp_coll r = {0};
    enum fp_op op = n->op;
    struct fp_coll a = fp_eval(c, n->kids[0], focus);
    if (op == FP_OP_AND || op == FP_OP_OR || op == FP_OP_XOR || op == FP_OP_IMPLIES) {
        int x, y;
        fp_truthy(c, &a, &x);
        if (op == FP_OP_AND && x == 0) return one(c, fp_bool(c, false));
        if (op == FP_OP_OR && x == 1) return one(c, fp_bool(c, true));
        if (op == FP_OP_IMPLIES && x == 0) return one(c, fp_bool(c, true));
        struct fp_coll b = fp_eval(c, n->kids[1], focus);
        fp_truthy(c, &b, &y);
        int res = -1;
        switch (op) {
        case FP_OP_AND:
            res = y == 0 ? 0 : (x == 1 && y == 1) ? 1 : -1;
            break;
        case FP_OP_OR:
            res = y == 1 ? 1 : (x == 0 && y == 0) ? 0 : -1;
            break;
        case FP_OP_XOR:
            res = (x < 0 || y < 0) ? -1 : x != y;
            break;
        default:
            res = y == 1 ? 1 : (x == 1 && y == 0) ? 0 : -1;
            break;
        }
        if (res >= 0) fp_push(c, &r, fp_bool(c, res));
        return r;
    }
    struct fp_coll b = fp_eval(c, n->kids[1], focus);
    if (op != FP_OP_UNION && op != FP_OP_CONCAT) { /* FHIR Quantity nodes compare as values */
        for (size_t i = 0; i < a.n; i++) a.v[i] = fp_value_of(c, a.v[i]);
        for (size_t i = 0; i < b.n; i++) b.v[i] = fp_value_of(c, b.v[i]);
    }
    switch (op) {
    case FP_OP_UNION:
        for (size_t i = 0; i < a.n; i++)
            if (!fp_coll_has(c, &r, a.v[i])) fp_push(c, &r, a.v[i]);
        for (size_t i = 0; i < b.n; i++)
            if (!fp_coll_has(c, &r, b.v[i])) fp_push(c, &r, b.v[i]);
        return r;
    case FP_OP_EQ:
    case FP_OP_NE: {
        if (!a.n || !b.n) return r;
        int eq = 1;
        if (a.n != b.n) eq = 0;
        for (size_t i = 0; eq == 1 && i < a.n; i++) eq = fp_equal(a.v[i], b.v[i]);
        if (eq < 0) return r;
        return one(c, fp_bool(c, op == FP_OP_EQ ? eq : !eq));
    }
    case FP_OP_EQUIV:
    case FP_OP_NEQUIV: {
        bool eq = a.n == b.n;
        if (eq) fp_tick(c, a.n * b.n);
        for (size_t i = 0; eq && i < a.n; i++) {
            bool found = false;
            for (size_t j = 0; !found && j < b.n; j++) found = fp_equiv(a.v[i], b.v[j]);
            eq = found;
        }
        return one(c, fp_bool(c, op == FP_OP_EQUIV ? eq : !eq));
    }
    case FP_OP_IN:
    case FP_OP_CONTAINS: {
        struct fp_coll *elem = op == FP_OP_IN ? &a : &b, *set = op == FP_OP_IN ? &b : &a;
        if (!elem->n) return r;
        struct fp_item *e = single(c, elem);
        return one(c, fp_bool(c, fp_coll_has(c, set, e)));
    }
    case FP_OP_LT:
    case FP_OP_GT:
    case FP_OP_LE:
    case FP_OP_GE: {
        if (!a.n || !b.n) return r;
        struct fp_item *x = single(c, &a), *y = single(c, &b);
        int cmp;
        bool bad;
        if (!fp_compare(x, y, &cmp, &bad)) {
            if (bad) fp_fail(c, "cannot compare %s with %s", fp_item_type(x), fp_item_type(y));
            return r;
        }
        bool v = op == FP_OP_LT   ? cmp < 0
                 : op == FP_OP_GT ? cmp > 0
                 : op == FP_OP_LE ? cmp <= 0
                                  : cmp >= 0;
        return one(c, fp_bool(c, v));
    }
    case FP_OP_CONCAT: {
        struct fp_item *x = single(c, &a), *y = single(c, &b);
        const char *sx = x ? fp_item_text(c, x) : "", *sy = y ? fp_item_text(c, y) : "";
        size_t la = strlen(sx), lb = strlen(sy);
        char *s = fp_alloc(c->arena, la + lb + 1);
        memcpy(s, sx, la);
        memcpy(s + la, sy, lb + 1);
        struct fp_item *it = fp_new(c, FP_STR);
        it->s = s;
        return one(c, it);
    }
    default: {
        if (!a.n || !b.n) return r;
        struct fp_item *res = arith(c, op, single(c, &a), single(c, &b));
        if (res) fp_push(c, &r, res);
        return r;
    }
    }
}

static struct fp_coll eval_inv(struct fp_ctx *c, const struct fp_node *n,
                               const struct fp_coll *focus, bool root)
{
    if (n->kind == FP_A_IDENT) return ident(c, n, focus, root);
    if (n->kind == FP_A_FUNC) return fp_call(c, n, focus);
    return fp_eval(c, n, focus);
}

struct fp_coll fp_eval(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus)
{
    fp_tick(c, 1);
    struct fp_coll r = {0};
    switch (n->kind) {
    case FP_A_EMPTY:
        return r;
    case FP_A_BOOL:
    case FP_A_INT:
    case FP_A_DEC:
    case FP_A_STR:
    case FP_A_DATE:
    case FP_A_DATETIME:
    case FP_A_TIME:
    case FP_A_QTY:
        return literal(c, n);
    case FP_A_IDENT:
        return ident(c, n, focus, true);
    case FP_A_FUNC:
        return fp_call(c, n, focus);
    case FP_A_THIS:
        if (c->this_item) return one(c, c->this_item);
        return *focus;
    case FP_A_INDEXVAR:
        return one(c, fp_int(c, c->index));
    case FP_A_TOTAL:
        if (c->total) return *c->total;
        return r;
    case FP_A_EXT:
        return ext_const(c, n);
    case FP_A_DOT: {
        struct fp_coll left = fp_eval(c, n->kids[0], focus);
        return eval_inv(c, n->kids[1], &left, false);
    }
    case FP_A_INDEX: {
        struct fp_coll left = fp_eval(c, n->kids[0], focus);
        struct fp_coll idx = fp_eval(c, n->kids[1], focus);
        struct fp_item *i = single(c, &idx);
        if (!i) return r;
        if (i->kind != FP_INT) fp_fail(c, "index must be an integer");
        if (i->i >= 0 && (uint64_t)i->i < left.n) fp_push(c, &r, left.v[i->i]);
        return r;
    }
    case FP_A_UNARY: {
        struct fp_coll v = fp_eval(c, n->kids[0], focus);
        struct fp_item *it = single(c, &v);
        if (!it || n->op == FP_OP_ADD) return v;
        struct fp_item *neg = fp_new(c, it->kind);
        *neg = *it;
        neg->node = NULL;
        neg->type = NULL;
        if (it->kind == FP_INT)
            neg->i = -it->i;
        else if (it->kind == FP_DEC || it->kind == FP_QTY)
            neg->d = -it->d;
        else
            fp_fail(c, "cannot negate %s", fp_item_type(it));
        return one(c, neg);
    }
    case FP_A_BIN:
        return binop(c, n, focus);
    case FP_A_IS:
    case FP_A_AS: {
        struct fp_coll v = fp_eval(c, n->kids[0], focus);
        if (n->kind == FP_A_IS) {
            struct fp_item *it = single(c, &v);
            if (!it) return r;
            return one(c, fp_bool(c, fp_is_type(it, n->text)));
        }
        for (size_t i = 0; i < v.n; i++)
            if (fp_is_type_exact(v.v[i], n->text)) fp_push(c, &r, v.v[i]);
        return r;
    }
    }
    return r;
}

/* ---- public API ---- */

struct fhirpath_expr *fhirpath_compile(const char *text, size_t len, size_t *err_pos, char *err,
                                       size_t err_len)
{
    struct fhirpath_expr *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    fp_arena_init(&e->arena, FP_ARENA_PARSE);
    e->root = fp_parse(&e->arena, text, len, err_pos, err, err_len);
    if (!e->root) {
        fhirpath_free(e);
        return NULL;
    }
    return e;
}

void fhirpath_free(struct fhirpath_expr *e)
{
    if (!e) return;
    fp_arena_free(&e->arena);
    free(e);
}

/* Evaluates e over resource with focus (copied into the result's arena) or, when NULL, the
 * resource itself as the initial focus. */
static struct fhirpath_result *eval_focus(const struct fhirpath_expr *e, json_object *resource,
                                          const struct fp_item *focus_item, char *err,
                                          size_t err_len)
{
    /* volatile: both are read after a longjmp back into this frame. */
    struct fhirpath_result *volatile res = calloc(1, sizeof(*res));
    if (!res) return NULL;
    fp_arena_init(&res->arena, FP_ARENA_EVAL);
    jmp_buf oom;
    res->arena.oom = &oom;
    struct fp_ctx *volatile c = calloc(1, sizeof(*c));
    if (!c) {
        free(res);
        return NULL;
    }
    c->arena = &res->arena;
    c->resource = resource;
    c->err = err;
    c->err_len = err_len;
    if (setjmp(oom)) {
        if (err && err_len) snprintf(err, err_len, "evaluation needs too much memory");
        goto fail;
    }
    if (setjmp(c->fail)) goto fail;
    c->root = fp_wrap_json(c, resource, NULL, NULL, FHIR_K_RESOURCE);
    struct fp_item *start = c->root;
    if (focus_item) {
        start = fp_new(c, focus_item->kind);
        *start = *focus_item;
    }
    struct fp_coll focus = one(c, start);
    res->c = fp_eval(c, e->root, &focus);
    res->arena.oom = NULL;
    res->arena.limit = SIZE_MAX; /* rendering the result may allocate a little more */
    free(c);
    return res;
fail:
    free(c);
    res->arena.oom = NULL;
    fhirpath_result_free(res);
    return NULL;
}

struct fhirpath_result *fhirpath_eval(const struct fhirpath_expr *e, json_object *resource,
                                      char *err, size_t err_len)
{
    return eval_focus(e, resource, NULL, err, err_len);
}

struct fhirpath_result *fhirpath_eval_item(const struct fhirpath_expr *e, json_object *resource,
                                           const struct fhirpath_result *from, size_t i, char *err,
                                           size_t err_len)
{
    if (!from || i >= from->c.n) {
        if (err && err_len) snprintf(err, err_len, "no such item");
        return NULL;
    }
    return eval_focus(e, resource, from->c.v[i], err, err_len);
}

json_object *fhirpath_result_node(const struct fhirpath_result *r, size_t i)
{
    return i < r->c.n ? r->c.v[i]->node : NULL;
}

void fhirpath_result_free(struct fhirpath_result *r)
{
    if (!r) return;
    fp_arena_free(&r->arena);
    free(r);
}

size_t fhirpath_result_count(const struct fhirpath_result *r)
{
    return r ? r->c.n : 0;
}

const char *fhirpath_result_type(const struct fhirpath_result *r, size_t i)
{
    return i < r->c.n ? fp_item_type(r->c.v[i]) : NULL;
}

const char *fhirpath_result_text(const struct fhirpath_result *r, size_t i)
{
    if (i >= r->c.n) return NULL;
    struct fp_ctx c = {.arena = (struct fp_arena *)&r->arena};
    return fp_item_text(&c, r->c.v[i]);
}

static json_object *dec_json(struct fp_ctx *c, const struct fp_item *it)
{
    char tmp[96];
    if (it->node && it->kind == FP_DEC) return json_object_get(it->node);
    snprintf(tmp, sizeof(tmp), "%.*Lf", it->scale, it->d == 0 ? 0 : it->d);
    (void)c;
    return json_object_new_double_s((double)it->d, tmp);
}

char *fhirpath_result_json(const struct fhirpath_result *r)
{
    json_object *arr = json_object_new_array();
    if (!arr) return NULL;
    struct fp_ctx c = {.arena = (struct fp_arena *)&r->arena};
    for (size_t i = 0; i < r->c.n; i++) {
        const struct fp_item *it = r->c.v[i];
        json_object *v = NULL;
        switch (it->kind) {
        case FP_NODE:
            v = json_object_get(it->node);
            break;
        case FP_BOOL:
            v = json_object_new_boolean(it->b);
            break;
        case FP_INT:
            v = json_object_new_int64(it->i);
            break;
        case FP_DEC:
            v = dec_json(&c, it);
            break;
        case FP_QTY:
            v = json_object_new_object();
            json_object_object_add(v, "value", dec_json(&c, it));
            json_object_object_add(v, "unit", json_object_new_string(it->s));
            break;
        default:
            v = json_object_new_string(fp_item_text(&c, it));
            break;
        }
        json_object_array_add(arr, v);
    }
    size_t len;
    const char *t = jsonx_text(arr, false, &len);
    char *out = strndup(t, len);
    json_object_put(arr);
    return out;
}
