/* FHIRPath conversion functions: toX() and convertsToX(). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir/fhirpath/fn_internal.h"
#include "json/jsonx.h"

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
    struct fp_item *it = fpf_single_in(f);
    if (!it) return;
    struct fp_item *r = conv(f->c, it, to);
    if (test)
        fpf_push_bool(f, r != NULL);
    else
        fpf_push(f, r);
}

#define CONV(name, T)                                                                              \
    void fpf_to##name(struct fctx *f)                                                              \
    {                                                                                              \
        convert(f, T, false);                                                                      \
    }                                                                                              \
    void fpf_convertsTo##name(struct fctx *f)                                                      \
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
