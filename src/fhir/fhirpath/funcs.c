/* FHIRPath functions: existence, filtering, subsetting, combining, conversion, strings, math,
 * dates, tree navigation and the FHIR additions (extension, resolve, memberOf). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fhir/fhirpath/fp_internal.h"
#include "json/jsonx.h"
#include "util/buf.h"

#define MAX_REPEAT 100000

struct fctx {
    struct fp_ctx *c;
    const struct fp_node *n;
    const struct fp_coll *in;
    struct fp_coll out;
};

static struct fp_coll one(struct fp_ctx *c, struct fp_item *it)
{
    struct fp_coll r = {0};
    if (it) fp_push(c, &r, it);
    return r;
}

/* Evaluates argument k with item as $this (lambda arguments like where/select). */
static struct fp_coll eval_on(struct fp_ctx *c, const struct fp_node *arg, struct fp_item *item,
                              int64_t index)
{
    struct fp_item *saved = c->this_item;
    int64_t sidx = c->index;
    c->this_item = item;
    c->index = index;
    struct fp_coll focus = one(c, item);
    struct fp_coll r = fp_eval(c, arg, &focus);
    c->this_item = saved;
    c->index = sidx;
    return r;
}

/* Evaluates a plain argument in the context the function was called from. */
static struct fp_coll arg(struct fctx *f, size_t k)
{
    struct fp_coll focus = one(f->c, f->c->this_item ? f->c->this_item : f->c->root);
    return fp_eval(f->c, f->n->kids[k], &focus);
}

static struct fp_item *single_in(struct fctx *f)
{
    if (f->in->n > 1) fp_fail(f->c, "%s() needs a single input, got %zu", f->n->text, f->in->n);
    return f->in->n ? f->in->v[0] : NULL;
}

static struct fp_item *arg_single(struct fctx *f, size_t k)
{
    struct fp_coll v = arg(f, k);
    if (v.n > 1) fp_fail(f->c, "argument of %s() must be a single item", f->n->text);
    return v.n ? v.v[0] : NULL;
}

static const char *arg_str(struct fctx *f, size_t k)
{
    struct fp_item *it = arg_single(f, k);
    if (!it) return NULL;
    if (it->kind != FP_STR) fp_fail(f->c, "argument of %s() must be a string", f->n->text);
    return it->s;
}

static bool arg_int(struct fctx *f, size_t k, int64_t *out)
{
    struct fp_item *it = arg_single(f, k);
    if (!it) return false;
    if (it->kind != FP_INT) fp_fail(f->c, "argument of %s() must be an integer", f->n->text);
    *out = it->i;
    return true;
}

static void push(struct fctx *f, struct fp_item *it)
{
    if (it) fp_push(f->c, &f->out, it);
}

static void push_bool(struct fctx *f, bool b)
{
    push(f, fp_bool(f->c, b));
}

/* ---- existence and filtering ---- */

static void f_empty(struct fctx *f)
{
    push_bool(f, f->in->n == 0);
}

static void f_exists(struct fctx *f)
{
    if (!f->n->n_kids) {
        push_bool(f, f->in->n > 0);
        return;
    }
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (fp_truthy(f->c, &r, &t)) {
            push_bool(f, true);
            return;
        }
    }
    push_bool(f, false);
}

static void f_all(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (!fp_truthy(f->c, &r, &t)) {
            push_bool(f, false);
            return;
        }
    }
    push_bool(f, true);
}

static void bools(struct fctx *f, bool want, bool all)
{
    for (size_t i = 0; i < f->in->n; i++) {
        const struct fp_item *it = f->in->v[i];
        if (it->kind != FP_BOOL) fp_fail(f->c, "%s() needs booleans", f->n->text);
        if (all && it->b != want) {
            push_bool(f, false);
            return;
        }
        if (!all && it->b == want) {
            push_bool(f, true);
            return;
        }
    }
    push_bool(f, all);
}

static void f_allTrue(struct fctx *f)
{
    bools(f, true, true);
}
static void f_anyTrue(struct fctx *f)
{
    bools(f, true, false);
}
static void f_allFalse(struct fctx *f)
{
    bools(f, false, true);
}
static void f_anyFalse(struct fctx *f)
{
    bools(f, false, false);
}

static void f_subsetOf(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &other, f->in->v[i])) {
            push_bool(f, false);
            return;
        }
    push_bool(f, true);
}

static void f_supersetOf(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < other.n; i++)
        if (!fp_coll_has(f->c, f->in, other.v[i])) {
            push_bool(f, false);
            return;
        }
    push_bool(f, true);
}

static void f_count(struct fctx *f)
{
    push(f, fp_int(f->c, (int64_t)f->in->n));
}

static void f_distinct(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &f->out, f->in->v[i])) push(f, f->in->v[i]);
}

static void f_isDistinct(struct fctx *f)
{
    f_distinct(f);
    size_t n = f->out.n;
    f->out.n = 0;
    push_bool(f, n == f->in->n);
}

static void f_where(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        int t;
        if (fp_truthy(f->c, &r, &t)) push(f, f->in->v[i]);
    }
}

static void f_select(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll r = eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
        for (size_t j = 0; j < r.n; j++) push(f, r.v[j]);
    }
}

static void f_repeat(struct fctx *f)
{
    struct fp_coll work = *f->in;
    for (size_t round = 0; work.n && round < MAX_REPEAT; round++) {
        struct fp_coll next = {0};
        for (size_t i = 0; i < work.n; i++) {
            struct fp_coll r = eval_on(f->c, f->n->kids[0], work.v[i], (int64_t)i);
            for (size_t j = 0; j < r.n; j++) {
                if (fp_coll_has(f->c, &f->out, r.v[j])) continue;
                push(f, r.v[j]);
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

static void f_ofType(struct fctx *f)
{
    const char *t = checked_type(f);
    for (size_t i = 0; i < f->in->n; i++)
        if (fp_is_type_exact(f->in->v[i], t)) push(f, f->in->v[i]);
}

static void f_is(struct fctx *f)
{
    const char *t = checked_type(f);
    struct fp_item *it = single_in(f);
    if (it) push_bool(f, fp_is_type(it, t));
}

static void f_as(struct fctx *f)
{
    if (f->in->n > 1) fp_fail(f->c, "as() needs a single input");
    f_ofType(f);
}

/* ---- subsetting and combining ---- */

static void f_first(struct fctx *f)
{
    if (f->in->n) push(f, f->in->v[0]);
}

static void f_last(struct fctx *f)
{
    if (f->in->n) push(f, f->in->v[f->in->n - 1]);
}

static void f_tail(struct fctx *f)
{
    for (size_t i = 1; i < f->in->n; i++) push(f, f->in->v[i]);
}

static void f_skip(struct fctx *f)
{
    int64_t k;
    if (!arg_int(f, 0, &k)) return;
    for (size_t i = k < 0 ? 0 : (size_t)k; i < f->in->n; i++) push(f, f->in->v[i]);
}

static void f_take(struct fctx *f)
{
    int64_t k;
    if (!arg_int(f, 0, &k)) return;
    for (size_t i = 0; k > 0 && i < f->in->n && i < (size_t)k; i++) push(f, f->in->v[i]);
}

static void f_single(struct fctx *f)
{
    push(f, single_in(f));
}

static void f_intersect(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (fp_coll_has(f->c, &other, f->in->v[i]) && !fp_coll_has(f->c, &f->out, f->in->v[i]))
            push(f, f->in->v[i]);
}

static void f_exclude(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &other, f->in->v[i])) push(f, f->in->v[i]);
}

static void f_union(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++)
        if (!fp_coll_has(f->c, &f->out, f->in->v[i])) push(f, f->in->v[i]);
    for (size_t i = 0; i < other.n; i++)
        if (!fp_coll_has(f->c, &f->out, other.v[i])) push(f, other.v[i]);
}

static void f_combine(struct fctx *f)
{
    struct fp_coll other = arg(f, 0);
    for (size_t i = 0; i < f->in->n; i++) push(f, f->in->v[i]);
    for (size_t i = 0; i < other.n; i++) push(f, other.v[i]);
}

static void f_iif(struct fctx *f)
{
    if (f->n->n_kids < 2) fp_fail(f->c, "iif() needs 2 or 3 arguments");
    if (f->in->n > 1) fp_fail(f->c, "iif() needs a single input");
    struct fp_item *focus = f->in->n ? f->in->v[0] : f->c->this_item;
    struct fp_coll cond = focus ? eval_on(f->c, f->n->kids[0], focus, f->c->index) : arg(f, 0);
    int t;
    if (cond.n > 1 || (cond.n == 1 && cond.v[0]->kind != FP_BOOL))
        fp_fail(f->c, "iif() criterion must be a boolean");
    bool yes = fp_truthy(f->c, &cond, &t);
    size_t k = yes ? 1 : 2;
    if (k >= f->n->n_kids) return;
    struct fp_coll r = focus ? eval_on(f->c, f->n->kids[k], focus, f->c->index) : arg(f, k);
    for (size_t i = 0; i < r.n; i++) push(f, r.v[i]);
}

static void f_not(struct fctx *f)
{
    int t;
    fp_truthy(f->c, f->in, &t);
    if (t >= 0) push_bool(f, !t);
}

/* ---- conversions ---- */

static bool str_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || isspace((unsigned char)*s)) return false;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool str_dec(const char *s, long double *out, int *scale)
{
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-') i++;
    size_t d = 0;
    while (isdigit((unsigned char)s[i + d])) d++;
    if (!d) return false;
    i += d;
    if (s[i] == '.') {
        d = 0;
        i++;
        while (isdigit((unsigned char)s[i + d])) d++;
        if (!d) return false;
        i += d;
    }
    if (s[i]) return false;
    *out = strtold(s, NULL);
    *scale = fp_dec_scale(s);
    return true;
}

static struct fp_item *conv(struct fp_ctx *c, const struct fp_item *it, const char *to)
{
    if (!strcmp(to, "Boolean")) {
        if (it->kind == FP_BOOL) return fp_bool(c, it->b);
        if (it->kind == FP_INT && (it->i == 0 || it->i == 1)) return fp_bool(c, it->i);
        if (it->kind == FP_DEC && (it->d == 0 || it->d == 1)) return fp_bool(c, it->d == 1);
        if (it->kind == FP_STR) {
            static const char *const t[] = {"true", "t", "yes", "y", "1", "1.0"};
            static const char *const fl[] = {"false", "f", "no", "n", "0", "0.0"};
            for (size_t k = 0; k < 6; k++) {
                if (!strcasecmp(it->s, t[k])) return fp_bool(c, true);
                if (!strcasecmp(it->s, fl[k])) return fp_bool(c, false);
            }
        }
        return NULL;
    }
    if (!strcmp(to, "Integer")) {
        int64_t v;
        if (it->kind == FP_INT) return fp_int(c, it->i);
        if (it->kind == FP_BOOL) return fp_int(c, it->b);
        if (it->kind == FP_STR && str_int(it->s, &v)) return fp_int(c, v);
        return NULL;
    }
    if (!strcmp(to, "Decimal")) {
        long double d;
        int sc;
        if (it->kind == FP_DEC) return fp_dec(c, it->d, it->scale);
        if (it->kind == FP_INT) return fp_dec(c, (long double)it->i, 0);
        if (it->kind == FP_BOOL) return fp_dec(c, it->b, 1);
        if (it->kind == FP_STR && str_dec(it->s, &d, &sc)) return fp_dec(c, d, sc);
        return NULL;
    }
    if (!strcmp(to, "String")) {
        if (it->kind == FP_NODE) return NULL;
        const char *t = fp_item_text(c, it);
        return fp_str(c, t, strlen(t));
    }
    if (!strcmp(to, "Quantity")) {
        struct fp_item *q = fp_new(c, FP_QTY);
        if (it->kind == FP_QTY) return (struct fp_item *)it;
        if (it->kind == FP_INT || it->kind == FP_DEC || it->kind == FP_BOOL) {
            q->d = it->kind == FP_INT ? (long double)it->i : it->kind == FP_BOOL ? it->b : it->d;
            q->scale = it->kind == FP_DEC ? it->scale : it->kind == FP_BOOL ? 1 : 0;
            q->s = "1";
            return q;
        }
        if (it->kind != FP_STR) return NULL;
        const char *s = it->s, *sp = strchr(s, ' ');
        size_t nl = sp ? (size_t)(sp - s) : strlen(s);
        char numb[64];
        if (nl >= sizeof(numb)) return NULL;
        memcpy(numb, s, nl);
        numb[nl] = 0;
        if (!str_dec(numb, &q->d, &q->scale)) return NULL;
        q->s = "1";
        if (sp) {
            const char *u = sp + 1;
            while (*u == ' ') u++;
            size_t ul = strlen(u);
            if (ul >= 2 && u[0] == '\'' && u[ul - 1] == '\'')
                q->s = fp_strndup(c->arena, u + 1, ul - 2);
            else if (ul && fp_calendar_unit(u))
                q->s = fp_strndup(c->arena, u, ul);
            else if (ul)
                return NULL;
        }
        return q;
    }
    enum fp_kind k = !strcmp(to, "Date")       ? FP_DATE
                     : !strcmp(to, "DateTime") ? FP_DATETIME
                                               : FP_TIME;
    if (it->kind == k) return (struct fp_item *)it;
    struct fp_item *r = fp_new(c, k);
    if (it->kind == FP_STR && fp_parse_dt(it->s, strlen(it->s), k, &r->dt)) return r;
    if (k == FP_DATE && it->kind == FP_DATETIME) {
        r->dt = it->dt;
        if (r->dt.prec > 3) r->dt.prec = 3;
        r->dt.has_tz = false;
        return r;
    }
    if (k == FP_DATETIME && it->kind == FP_DATE) {
        r->dt = it->dt;
        return r;
    }
    return NULL;
}

static void convert(struct fctx *f, const char *to, bool test)
{
    struct fp_item *it = single_in(f);
    if (!it) return;
    struct fp_item *r = conv(f->c, it, to);
    if (test)
        push_bool(f, r != NULL);
    else
        push(f, r);
}

#define CONV(name, T)                                                                              \
    static void f_to##name(struct fctx *f)                                                         \
    {                                                                                              \
        convert(f, T, false);                                                                      \
    }                                                                                              \
    static void f_convertsTo##name(struct fctx *f)                                                 \
    {                                                                                              \
        convert(f, T, true);                                                                       \
    }
CONV(Boolean, "Boolean")
CONV(Integer, "Integer")
CONV(Decimal, "Decimal")
CONV(String, "String")
CONV(Quantity, "Quantity")
CONV(Date, "Date")
CONV(DateTime, "DateTime")
CONV(Time, "Time")

/* ---- strings ---- */

static const char *in_str(struct fctx *f)
{
    struct fp_item *it = single_in(f);
    if (!it) return NULL;
    if (it->kind != FP_STR) fp_fail(f->c, "%s() needs a string input", f->n->text);
    return it->s;
}

static void push_str(struct fctx *f, const char *s, size_t n)
{
    push(f, fp_str(f->c, s, n));
}

static void f_indexOf(struct fctx *f)
{
    const char *s = in_str(f), *sub = arg_str(f, 0);
    if (!s || !sub) return;
    const char *p = strstr(s, sub);
    push(f, fp_int(f->c, p ? p - s : -1));
}

static void f_substring(struct fctx *f)
{
    const char *s = in_str(f);
    int64_t start, len;
    if (!s || !arg_int(f, 0, &start)) return;
    int64_t n = (int64_t)strlen(s);
    if (start < 0 || start >= n) return;
    if (f->n->n_kids < 2)
        len = n - start;
    else if (!arg_int(f, 1, &len))
        len = n - start;
    if (len < 0) len = 0;
    if (len > n - start) len = n - start;
    push_str(f, s + start, (size_t)len);
}

static void f_startsWith(struct fctx *f)
{
    const char *s = in_str(f), *p = arg_str(f, 0);
    if (s && p) push_bool(f, strncmp(s, p, strlen(p)) == 0);
}

static void f_endsWith(struct fctx *f)
{
    const char *s = in_str(f), *p = arg_str(f, 0);
    if (!s || !p) return;
    size_t a = strlen(s), b = strlen(p);
    push_bool(f, b <= a && !strcmp(s + a - b, p));
}

static void f_contains(struct fctx *f)
{
    const char *s = in_str(f), *p = arg_str(f, 0);
    if (s && p) push_bool(f, strstr(s, p) != NULL);
}

static void casemap(struct fctx *f, int (*fn)(int))
{
    const char *s = in_str(f);
    if (!s) return;
    size_t n = strlen(s);
    char *o = fp_alloc(f->c->arena, n + 1);
    for (size_t i = 0; i < n; i++) o[i] = (char)fn((unsigned char)s[i]);
    struct fp_item *it = fp_new(f->c, FP_STR);
    it->s = o;
    push(f, it);
}

static void f_upper(struct fctx *f)
{
    casemap(f, toupper);
}
static void f_lower(struct fctx *f)
{
    casemap(f, tolower);
}

static void f_replace(struct fctx *f)
{
    const char *s = in_str(f), *pat = arg_str(f, 0), *rep = arg_str(f, 1);
    if (!s || !pat || !rep) return;
    struct fp_coll dummy = {0};
    (void)dummy;
    size_t pl = strlen(pat), rl = strlen(rep), sl = strlen(s);
    size_t cap = sl + 1 + (pl ? (sl / pl + 1) * rl : (sl + 1) * rl);
    char *o = fp_alloc(f->c->arena, cap), *w = o;
    if (!pl) {
        for (size_t i = 0; i <= sl; i++) {
            memcpy(w, rep, rl);
            w += rl;
            if (i < sl) *w++ = s[i];
        }
    } else {
        const char *p = s, *q;
        while ((q = strstr(p, pat))) {
            memcpy(w, p, (size_t)(q - p));
            w += q - p;
            memcpy(w, rep, rl);
            w += rl;
            p = q + pl;
        }
        size_t rest = strlen(p);
        memcpy(w, p, rest);
        w += rest;
    }
    *w = 0;
    struct fp_item *it = fp_new(f->c, FP_STR);
    it->s = o;
    push(f, it);
}

/* Translates the common Perl classes to POSIX ERE so regcomp accepts them. */
/* glibc's regcomp expands repetitions by copying, so stacked quantifiers (a+++, (a{50}){50})
 * and back-references can take gigabytes or exponential time. Such patterns are refused. */
static bool re_too_costly(const char *pat)
{
    int braces = 0;
    bool prev_quant = false;
    for (size_t i = 0; pat[i]; i++) {
        char ch = pat[i];
        if (ch == '\\' && pat[i + 1]) {
            if (isdigit((unsigned char)pat[i + 1])) return true;
            i++;
            prev_quant = false;
            continue;
        }
        bool quant = ch == '+' || ch == '*' || ch == '?' || ch == '{';
        if (quant && prev_quant) return true;
        if (ch == '{') {
            if (++braces > 2) return true;
            char *end;
            long v = strtol(pat + i + 1, &end, 10);
            if (v > 50) return true;
            if (*end == ',') v = strtol(end + 1, &end, 10);
            if (v > 50) return true;
            while (pat[i] && pat[i] != '}') i++;
            if (!pat[i]) return true;
        }
        prev_quant = quant;
    }
    return false;
}

static bool compile_re(struct fctx *f, const char *pat, regex_t *re, bool anchored)
{
    size_t n = strlen(pat);
    if (n > 256) fp_fail(f->c, "regular expression too long");
    if (re_too_costly(pat)) fp_fail(f->c, "regular expression too costly: '%s'", pat);
    char *o = fp_alloc(f->c->arena, n * 14 + 8), *w = o;
    if (anchored) *w++ = '^', *w++ = '(';
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '\\' && i + 1 < n) {
            const char *r = NULL;
            switch (pat[i + 1]) {
            case 'd':
                r = "[0-9]";
                break;
            case 'D':
                r = "[^0-9]";
                break;
            case 'w':
                r = "[A-Za-z0-9_]";
                break;
            case 'W':
                r = "[^A-Za-z0-9_]";
                break;
            case 's':
                r = "[[:space:]]";
                break;
            case 'S':
                r = "[^[:space:]]";
                break;
            }
            if (r) {
                size_t rl = strlen(r);
                memcpy(w, r, rl);
                w += rl;
                i++;
                continue;
            }
            *w++ = pat[i++];
        }
        *w++ = pat[i];
    }
    if (anchored) *w++ = ')', *w++ = '$';
    *w = 0;
    if (regcomp(re, o, REG_EXTENDED) != 0) fp_fail(f->c, "bad regular expression '%s'", pat);
    return true;
}

static void f_matches(struct fctx *f)
{
    const char *s = in_str(f), *pat = arg_str(f, 0);
    if (!s || !pat) return;
    regex_t re;
    compile_re(f, pat, &re, false);
    bool m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    push_bool(f, m);
}

static void f_matchesFull(struct fctx *f)
{
    const char *s = in_str(f), *pat = arg_str(f, 0);
    if (!s || !pat) return;
    regex_t re;
    compile_re(f, pat, &re, true);
    bool m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    push_bool(f, m);
}

static void f_replaceMatches(struct fctx *f)
{
    const char *s = in_str(f), *pat = arg_str(f, 0), *rep = arg_str(f, 1);
    if (!s || !pat || !rep) return;
    regex_t re;
    compile_re(f, pat, &re, false);
    struct buf b;
    buf_init(&b, 1 << 20);
    const char *p = s;
    regmatch_t m[10];
    int flags = 0;
    while (*p && regexec(&re, p, 10, m, flags) == 0) {
        if (m[0].rm_eo == 0) {
            buf_append_char(&b, *p++);
            continue;
        }
        buf_append(&b, p, (size_t)m[0].rm_so);
        for (const char *r = rep; *r; r++) {
            if (*r == '$' && isdigit((unsigned char)r[1])) {
                int g = r[1] - '0';
                if (m[g].rm_so >= 0)
                    buf_append(&b, p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
                r++;
            } else {
                buf_append_char(&b, *r);
            }
        }
        p += m[0].rm_eo;
        flags = REG_NOTBOL;
    }
    buf_append_str(&b, p);
    regfree(&re);
    if (b.overflowed) fp_fail(f->c, "replaceMatches() result too long");
    push_str(f, b.data ? b.data : "", b.len);
    buf_free(&b);
}

static void f_length(struct fctx *f)
{
    const char *s = in_str(f);
    if (s) push(f, fp_int(f->c, (int64_t)strlen(s)));
}

static void f_toChars(struct fctx *f)
{
    const char *s = in_str(f);
    for (size_t i = 0; s && s[i]; i++) push_str(f, s + i, 1);
}

static void f_trim(struct fctx *f)
{
    const char *s = in_str(f);
    if (!s) return;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    push_str(f, s, n);
}

static void f_split(struct fctx *f)
{
    const char *s = in_str(f), *sep = arg_str(f, 0);
    if (!s || !sep) return;
    size_t sl = strlen(sep);
    if (!sl) {
        push_str(f, s, strlen(s));
        return;
    }
    const char *p = s, *q;
    while ((q = strstr(p, sep))) {
        push_str(f, p, (size_t)(q - p));
        p = q + sl;
    }
    push_str(f, p, strlen(p));
}

static void f_join(struct fctx *f)
{
    const char *sep = f->n->n_kids ? arg_str(f, 0) : "";
    if (!sep) sep = "";
    struct buf b;
    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < f->in->n; i++) {
        if (i) buf_append_str(&b, sep);
        buf_append_str(&b, fp_item_text(f->c, f->in->v[i]));
    }
    if (b.overflowed) fp_fail(f->c, "join() result too long");
    push_str(f, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* ---- math ---- */

static struct fp_item *in_num(struct fctx *f)
{
    struct fp_item *it = single_in(f);
    if (it && it->kind != FP_INT && it->kind != FP_DEC && it->kind != FP_QTY)
        fp_fail(f->c, "%s() needs a number", f->n->text);
    return it;
}

static long double nv(const struct fp_item *it)
{
    return it->kind == FP_INT ? (long double)it->i : it->d;
}

static void f_abs(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (!it) return;
    struct fp_item *r = fp_new(f->c, it->kind);
    *r = *it;
    r->node = NULL;
    if (it->kind == FP_INT)
        r->i = it->i < 0 ? -it->i : it->i;
    else
        r->d = fabsl(it->d);
    push(f, r);
}

static void rounding(struct fctx *f, long double (*fn)(long double))
{
    struct fp_item *it = in_num(f);
    if (!it) return;
    if (it->kind == FP_QTY) fp_fail(f->c, "%s() needs a number", f->n->text);
    int64_t v;
    if (fp_ld_to_i64(fn(nv(it)), &v)) push(f, fp_int(f->c, v));
}

static void f_ceiling(struct fctx *f)
{
    rounding(f, ceill);
}
static void f_floor(struct fctx *f)
{
    rounding(f, floorl);
}
static void f_truncate(struct fctx *f)
{
    rounding(f, truncl);
}

static void f_round(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    int64_t prec = 0;
    if (!it) return;
    if (f->n->n_kids && !arg_int(f, 0, &prec)) return;
    if (prec < 0 || prec > 8) fp_fail(f->c, "round() precision out of range");
    long double m = powl(10, (long double)prec);
    push(f, fp_dec(f->c, roundl(nv(it) * m) / m, (int)prec));
}

static void push_real(struct fctx *f, long double v)
{
    if (isnan(v) || isinf(v)) return;
    int sc = 0;
    while (sc < 8 && fabsl(v * powl(10, sc) - roundl(v * powl(10, sc))) > 1e-9L) sc++;
    push(f, fp_dec(f->c, v, sc));
}

static void f_exp(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it) push_real(f, expl(nv(it)));
}

static void f_ln(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it) push_real(f, logl(nv(it)));
}

static void f_log(struct fctx *f)
{
    struct fp_item *it = in_num(f), *b = arg_single(f, 0);
    if (it && b) push_real(f, logl(nv(it)) / logl(nv(b)));
}

static void f_sqrt(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it && nv(it) >= 0) push_real(f, sqrtl(nv(it)));
}

static void f_power(struct fctx *f)
{
    struct fp_item *it = in_num(f), *e = arg_single(f, 0);
    if (!it || !e) return;
    long double r = powl(nv(it), nv(e));
    if (it->kind == FP_INT && e->kind == FP_INT && e->i >= 0 && fabsl(r) < 9e18L) {
        push(f, fp_int(f->c, (int64_t)r));
        return;
    }
    push_real(f, r);
}

/* ---- dates ---- */

static void now_dt(struct fp_dt *d)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    memset(d, 0, sizeof(*d));
    d->y = tm.tm_year + 1900;
    d->mo = tm.tm_mon + 1;
    d->d = tm.tm_mday;
    d->h = tm.tm_hour;
    d->mi = tm.tm_min;
    d->s = tm.tm_sec;
    d->ms = (int)(ts.tv_nsec / 1000000);
    d->prec = 7;
    d->has_tz = true;
}

static void f_now(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_DATETIME);
    now_dt(&it->dt);
    push(f, it);
}

static void f_today(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_DATE);
    now_dt(&it->dt);
    it->dt.prec = 3;
    it->dt.has_tz = false;
    push(f, it);
}

static void f_timeOfDay(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_TIME);
    now_dt(&it->dt);
    it->dt.has_tz = false;
    push(f, it);
}

/* ---- utility and tree ---- */

static void f_trace(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) push(f, f->in->v[i]);
}

static void f_aggregate(struct fctx *f)
{
    struct fp_coll total = {0};
    if (f->n->n_kids > 1) total = arg(f, 1);
    struct fp_coll *saved = f->c->total;
    for (size_t i = 0; i < f->in->n; i++) {
        f->c->total = &total;
        total = eval_on(f->c, f->n->kids[0], f->in->v[i], (int64_t)i);
    }
    f->c->total = saved;
    for (size_t i = 0; i < total.n; i++) push(f, total.v[i]);
}

static void f_children(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) fp_children(f->c, f->in->v[i], &f->out);
}

static void f_descendants(struct fctx *f)
{
    struct fp_coll work = *f->in;
    for (int depth = 0; work.n && depth < 128; depth++) {
        struct fp_coll next = {0};
        for (size_t i = 0; i < work.n; i++) fp_children(f->c, work.v[i], &next);
        for (size_t i = 0; i < next.n; i++) push(f, next.v[i]);
        work = next;
    }
}

static void f_hasValue(struct fctx *f)
{
    push_bool(f, f->in->n == 1 && f->in->v[0]->kind != FP_NODE);
}

static void f_extension(struct fctx *f)
{
    const char *url = arg_str(f, 0);
    if (!url) return;
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_coll exts = {0};
        fp_member(f->c, f->in->v[i], "extension", &exts);
        for (size_t j = 0; j < exts.n; j++) {
            const char *u = jsonx_get_str(exts.v[j]->node, "url");
            if (u && !strcmp(u, url)) push(f, exts.v[j]);
        }
    }
}

static json_object *find_resource(struct fp_ctx *c, const char *ref)
{
    json_object *root = c->resource;
    if (ref[0] == '#') {
        json_object *cont = jsonx_get(root, "contained");
        size_t n = cont ? json_object_array_length(cont) : 0;
        for (size_t i = 0; i < n; i++) {
            json_object *r = json_object_array_get_idx(cont, i);
            const char *id = jsonx_get_str(r, "id");
            if (id && !strcmp(id, ref + 1)) return r;
        }
        return NULL;
    }
    json_object *entries = jsonx_get(root, "entry");
    size_t n =
        json_object_get_type(entries) == json_type_array ? json_object_array_length(entries) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        const char *full = jsonx_get_str(e, "fullUrl");
        json_object *r = jsonx_get(e, "resource");
        if (!r) continue;
        if (full && !strcmp(full, ref)) return r;
        const char *rt = jsonx_get_str(r, "resourceType"), *id = jsonx_get_str(r, "id");
        char tmp[512];
        if (rt && id) {
            snprintf(tmp, sizeof(tmp), "%s/%s", rt, id);
            size_t tl = strlen(tmp), rl = strlen(ref);
            if (!strcmp(tmp, ref) ||
                (rl > tl && ref[rl - tl - 1] == '/' && !strcmp(ref + rl - tl, tmp)))
                return r;
        }
    }
    return NULL;
}

static void f_resolve(struct fctx *f)
{
    for (size_t i = 0; i < f->in->n; i++) {
        struct fp_item *it = f->in->v[i];
        const char *ref = it->kind == FP_STR    ? it->s
                          : it->kind == FP_NODE ? jsonx_get_str(it->node, "reference")
                                                : NULL;
        json_object *r = ref ? find_resource(f->c, ref) : NULL;
        if (r) push(f, fp_wrap_json(f->c, r, NULL, NULL, FHIR_K_RESOURCE));
    }
}

static void f_memberOf(struct fctx *f)
{
    (void)f; /* no terminology service: the answer is unknown, so empty */
}

static void f_htmlChecks(struct fctx *f)
{
    push_bool(f, true);
}

struct fdef {
    const char *name;
    void (*fn)(struct fctx *);
    uint8_t min, max;
};

static const struct fdef funcs[] = {
    {"empty", f_empty, 0, 0},
    {"exists", f_exists, 0, 1},
    {"all", f_all, 1, 1},
    {"allTrue", f_allTrue, 0, 0},
    {"anyTrue", f_anyTrue, 0, 0},
    {"allFalse", f_allFalse, 0, 0},
    {"anyFalse", f_anyFalse, 0, 0},
    {"subsetOf", f_subsetOf, 1, 1},
    {"supersetOf", f_supersetOf, 1, 1},
    {"count", f_count, 0, 0},
    {"distinct", f_distinct, 0, 0},
    {"isDistinct", f_isDistinct, 0, 0},
    {"where", f_where, 1, 1},
    {"select", f_select, 1, 1},
    {"repeat", f_repeat, 1, 1},
    {"ofType", f_ofType, 1, 1},
    {"is", f_is, 1, 1},
    {"as", f_as, 1, 1},
    {"first", f_first, 0, 0},
    {"last", f_last, 0, 0},
    {"tail", f_tail, 0, 0},
    {"skip", f_skip, 1, 1},
    {"take", f_take, 1, 1},
    {"single", f_single, 0, 0},
    {"intersect", f_intersect, 1, 1},
    {"exclude", f_exclude, 1, 1},
    {"union", f_union, 1, 1},
    {"combine", f_combine, 1, 1},
    {"iif", f_iif, 2, 3},
    {"not", f_not, 0, 0},
    {"toBoolean", f_toBoolean, 0, 0},
    {"convertsToBoolean", f_convertsToBoolean, 0, 0},
    {"toInteger", f_toInteger, 0, 0},
    {"convertsToInteger", f_convertsToInteger, 0, 0},
    {"toDecimal", f_toDecimal, 0, 0},
    {"convertsToDecimal", f_convertsToDecimal, 0, 0},
    {"toString", f_toString, 0, 0},
    {"convertsToString", f_convertsToString, 0, 0},
    {"toQuantity", f_toQuantity, 0, 1},
    {"convertsToQuantity", f_convertsToQuantity, 0, 1},
    {"toDate", f_toDate, 0, 0},
    {"convertsToDate", f_convertsToDate, 0, 0},
    {"toDateTime", f_toDateTime, 0, 0},
    {"convertsToDateTime", f_convertsToDateTime, 0, 0},
    {"toTime", f_toTime, 0, 0},
    {"convertsToTime", f_convertsToTime, 0, 0},
    {"indexOf", f_indexOf, 1, 1},
    {"substring", f_substring, 1, 2},
    {"startsWith", f_startsWith, 1, 1},
    {"endsWith", f_endsWith, 1, 1},
    {"contains", f_contains, 1, 1},
    {"upper", f_upper, 0, 0},
    {"lower", f_lower, 0, 0},
    {"replace", f_replace, 2, 2},
    {"matches", f_matches, 1, 1},
    {"matchesFull", f_matchesFull, 1, 1},
    {"replaceMatches", f_replaceMatches, 2, 2},
    {"length", f_length, 0, 0},
    {"toChars", f_toChars, 0, 0},
    {"trim", f_trim, 0, 0},
    {"split", f_split, 1, 1},
    {"join", f_join, 0, 1},
    {"abs", f_abs, 0, 0},
    {"ceiling", f_ceiling, 0, 0},
    {"floor", f_floor, 0, 0},
    {"truncate", f_truncate, 0, 0},
    {"round", f_round, 0, 1},
    {"exp", f_exp, 0, 0},
    {"ln", f_ln, 0, 0},
    {"log", f_log, 1, 1},
    {"power", f_power, 1, 1},
    {"sqrt", f_sqrt, 0, 0},
    {"now", f_now, 0, 0},
    {"today", f_today, 0, 0},
    {"timeOfDay", f_timeOfDay, 0, 0},
    {"trace", f_trace, 1, 2},
    {"aggregate", f_aggregate, 1, 2},
    {"children", f_children, 0, 0},
    {"descendants", f_descendants, 0, 0},
    {"hasValue", f_hasValue, 0, 0},
    {"extension", f_extension, 1, 1},
    {"resolve", f_resolve, 0, 0},
    {"memberOf", f_memberOf, 1, 1},
    {"htmlChecks", f_htmlChecks, 0, 0},
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
