/* FHIRPath math functions and the current date/time. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fhir/fhirpath/fn_internal.h"
#include "json/jsonx.h"

/* ---- math ---- */

static struct fp_item *in_num(struct fctx *f)
{
    struct fp_item *it = fpf_single_in(f);
    if (it && it->kind != FP_INT && it->kind != FP_DEC && it->kind != FP_QTY)
        fp_fail(f->c, "%s() needs a number", f->n->text);
    return it;
}

static long double nv(const struct fp_item *it)
{
    return it->kind == FP_INT ? (long double)it->i : it->d;
}

void fpf_abs(struct fctx *f)
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
    fpf_push(f, r);
}

static void rounding(struct fctx *f, long double (*fn)(long double))
{
    struct fp_item *it = in_num(f);
    if (!it) return;
    if (it->kind == FP_QTY) fp_fail(f->c, "%s() needs a number", f->n->text);
    int64_t v;
    if (fp_ld_to_i64(fn(nv(it)), &v)) fpf_push(f, fp_int(f->c, v));
}

void fpf_ceiling(struct fctx *f)
{
    rounding(f, ceill);
}
void fpf_floor(struct fctx *f)
{
    rounding(f, floorl);
}
void fpf_truncate(struct fctx *f)
{
    rounding(f, truncl);
}

void fpf_round(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    int64_t prec = 0;
    if (!it) return;
    if (f->n->n_kids && !fpf_arg_int(f, 0, &prec)) return;
    if (prec < 0 || prec > 8) fp_fail(f->c, "round() precision out of range");
    long double m = powl(10, (long double)prec);
    fpf_push(f, fp_dec(f->c, roundl(nv(it) * m) / m, (int)prec));
}

static void push_real(struct fctx *f, long double v)
{
    if (isnan(v) || isinf(v)) return;
    int sc = 0;
    while (sc < 8 && fabsl(v * powl(10, sc) - roundl(v * powl(10, sc))) > 1e-9L) sc++;
    fpf_push(f, fp_dec(f->c, v, sc));
}

void fpf_exp(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it) push_real(f, expl(nv(it)));
}

void fpf_ln(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it) push_real(f, logl(nv(it)));
}

void fpf_log(struct fctx *f)
{
    struct fp_item *it = in_num(f), *b = fpf_arg_single(f, 0);
    if (it && b) push_real(f, logl(nv(it)) / logl(nv(b)));
}

void fpf_sqrt(struct fctx *f)
{
    struct fp_item *it = in_num(f);
    if (it && nv(it) >= 0) push_real(f, sqrtl(nv(it)));
}

void fpf_power(struct fctx *f)
{
    struct fp_item *it = in_num(f), *e = fpf_arg_single(f, 0);
    if (!it || !e) return;
    long double r = powl(nv(it), nv(e));
    if (it->kind == FP_INT && e->kind == FP_INT && e->i >= 0 && fabsl(r) < 9e18L) {
        fpf_push(f, fp_int(f->c, (int64_t)r));
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

void fpf_now(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_DATETIME);
    now_dt(&it->dt);
    fpf_push(f, it);
}

void fpf_today(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_DATE);
    now_dt(&it->dt);
    it->dt.prec = 3;
    it->dt.has_tz = false;
    fpf_push(f, it);
}

void fpf_timeOfDay(struct fctx *f)
{
    struct fp_item *it = fp_new(f->c, FP_TIME);
    now_dt(&it->dt);
    it->dt.has_tz = false;
    fpf_push(f, it);
}
