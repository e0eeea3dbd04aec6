/* Values: construction, date/time fields, equality, ordering and literal text. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fp_internal.h"
#include "json/jsonx.h"

_Noreturn void fp_fail(struct fp_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->err && c->err_len) vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
    longjmp(c->fail, 1);
}

void fp_push(struct fp_ctx *c, struct fp_coll *out, struct fp_item *it)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 4;
        struct fp_item **v = fp_alloc(c->arena, cap * sizeof(*v));
        if (out->n) memcpy(v, out->v, out->n * sizeof(*v));
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = it;
}

struct fp_item *fp_new(struct fp_ctx *c, enum fp_kind k)
{
    struct fp_item *it = fp_alloc(c->arena, sizeof(*it));
    it->kind = k;
    return it;
}

struct fp_item *fp_bool(struct fp_ctx *c, bool b)
{
    struct fp_item *it = fp_new(c, FP_BOOL);
    it->b = b;
    return it;
}

struct fp_item *fp_int(struct fp_ctx *c, int64_t i)
{
    struct fp_item *it = fp_new(c, FP_INT);
    it->i = i;
    return it;
}

struct fp_item *fp_dec(struct fp_ctx *c, long double d, int scale)
{
    struct fp_item *it = fp_new(c, FP_DEC);
    it->d = d;
    it->scale = scale < 0 ? 0 : scale > 8 ? 8 : scale;
    return it;
}

struct fp_item *fp_str(struct fp_ctx *c, const char *s, size_t n)
{
    struct fp_item *it = fp_new(c, FP_STR);
    it->s = fp_strndup(c->arena, s, n);
    return it;
}

bool fp_ld_to_i64(long double v, int64_t *out)
{
    if (!(v > -9.2e18L && v < 9.2e18L)) return false; /* also false for NaN */
    *out = (int64_t)v;
    return true;
}

int fp_dec_scale(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot) return 0;
    int n = 0;
    for (dot++; isdigit((unsigned char)*dot); dot++) n++;
    return n;
}

static bool num(const char *s, size_t n, size_t *i, int width, int *out)
{
    if (*i + (size_t)width > n) return false;
    int v = 0;
    for (int k = 0; k < width; k++) {
        char ch = s[*i + (size_t)k];
        if (!isdigit((unsigned char)ch)) return false;
        v = v * 10 + (ch - '0');
    }
    *i += (size_t)width;
    *out = v;
    return true;
}

static bool parse_time_part(const char *s, size_t n, size_t *i, struct fp_dt *d)
{
    if (*i >= n || !isdigit((unsigned char)s[*i])) return true; /* "2015T" */
    if (!num(s, n, i, 2, &d->h) || d->h > 23) return false;
    d->prec = 4;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (!num(s, n, i, 2, &d->mi) || d->mi > 59) return false;
        d->prec = 5;
        if (*i < n && s[*i] == ':') {
            (*i)++;
            if (!num(s, n, i, 2, &d->s) || d->s > 59) return false;
            d->prec = 6;
            if (*i < n && s[*i] == '.') {
                (*i)++;
                int ms = 0, k = 0;
                while (*i < n && isdigit((unsigned char)s[*i])) {
                    if (k < 3) ms = ms * 10 + (s[*i] - '0');
                    k++;
                    (*i)++;
                }
                if (!k) return false;
                for (; k < 3; k++) ms *= 10;
                d->ms = ms;
                d->prec = 7;
            }
        }
    }
    return true;
}

bool fp_parse_dt(const char *s, size_t n, enum fp_kind k, struct fp_dt *d)
{
    memset(d, 0, sizeof(*d));
    d->mo = d->d = 1;
    size_t i = 0;
    if (k == FP_TIME) {
        if (n && s[0] == 'T') i++;
        if (!parse_time_part(s, n, &i, d) || d->prec < 4) return false;
        return i == n;
    }
    if (!num(s, n, &i, 4, &d->y)) return false;
    d->prec = 1;
    if (i < n && s[i] == '-') {
        i++;
        if (!num(s, n, &i, 2, &d->mo) || d->mo < 1 || d->mo > 12) return false;
        d->prec = 2;
        if (i < n && s[i] == '-') {
            i++;
            if (!num(s, n, &i, 2, &d->d) || d->d < 1 || d->d > 31) return false;
            d->prec = 3;
        }
    }
    if (i < n && s[i] == 'T') {
        if (k == FP_DATE) return false;
        i++;
        if (!parse_time_part(s, n, &i, d)) return false;
        if (i < n && s[i] == 'Z') {
            d->has_tz = true;
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-') && d->prec >= 4) {
            int sign = s[i] == '-' ? -1 : 1, th, tm;
            i++;
            if (!num(s, n, &i, 2, &th) || i >= n || s[i] != ':') return false;
            i++;
            if (!num(s, n, &i, 2, &tm)) return false;
            d->has_tz = true;
            d->tz_min = sign * (th * 60 + tm);
        }
    }
    return i == n;
}

void fp_format_dt(const struct fp_dt *d, enum fp_kind k, char *out, size_t n)
{
    char tz[16] = "";
    if (d->has_tz) {
        if (d->tz_min == 0)
            snprintf(tz, sizeof(tz), "Z");
        else
            snprintf(tz, sizeof(tz), "%c%02d:%02d", d->tz_min < 0 ? '-' : '+', abs(d->tz_min) / 60,
                     abs(d->tz_min) % 60);
    }
    char t[32] = "";
    int tp = d->prec;
    if (tp >= 4) {
        if (tp == 4)
            snprintf(t, sizeof(t), "%02d", d->h);
        else if (tp == 5)
            snprintf(t, sizeof(t), "%02d:%02d", d->h, d->mi);
        else if (tp == 6)
            snprintf(t, sizeof(t), "%02d:%02d:%02d", d->h, d->mi, d->s);
        else
            snprintf(t, sizeof(t), "%02d:%02d:%02d.%03d", d->h, d->mi, d->s, d->ms);
    }
    if (k == FP_TIME) {
        snprintf(out, n, "%s", t);
        return;
    }
    char date[24];
    if (d->prec == 1)
        snprintf(date, sizeof(date), "%04d", d->y);
    else if (d->prec == 2)
        snprintf(date, sizeof(date), "%04d-%02d", d->y, d->mo);
    else
        snprintf(date, sizeof(date), "%04d-%02d-%02d", d->y, d->mo, d->d);
    if (k == FP_DATETIME && tp >= 4)
        snprintf(out, n, "%sT%s%s", date, t, tz);
    else if (k == FP_DATETIME && tp == 3 && 0)
        snprintf(out, n, "%sT", date);
    else
        snprintf(out, n, "%s", date);
}

const char *fp_item_type(const struct fp_item *it)
{
    if (it->type) return it->type;
    switch (it->kind) {
    case FP_NODE:
        return "Element";
    case FP_BOOL:
        return "boolean";
    case FP_INT:
        return "integer";
    case FP_DEC:
        return "decimal";
    case FP_STR:
        return "string";
    case FP_DATE:
        return "date";
    case FP_DATETIME:
        return "dateTime";
    case FP_TIME:
        return "time";
    case FP_QTY:
        return "Quantity";
    }
    return "Element";
}

static char *fmt_dec(struct fp_ctx *c, long double d, int scale)
{
    char tmp[96];
    if (d == 0) d = 0; /* no "-0" */
    snprintf(tmp, sizeof(tmp), "%.*Lf", scale, d);
    return fp_strndup(c->arena, tmp, strlen(tmp));
}

const char *fp_item_text(struct fp_ctx *c, const struct fp_item *it)
{
    char tmp[128];
    switch (it->kind) {
    case FP_NODE: {
        size_t len;
        const char *t = jsonx_text(it->node, false, &len);
        return fp_strndup(c->arena, t, len);
    }
    case FP_BOOL:
        return it->b ? "true" : "false";
    case FP_INT:
        snprintf(tmp, sizeof(tmp), "%lld", (long long)it->i);
        break;
    case FP_DEC:
        if (it->node && json_object_get_type(it->node) == json_type_double) {
            size_t len;
            const char *t = jsonx_text(it->node, false, &len);
            return fp_strndup(c->arena, t, len);
        }
        return fmt_dec(c, it->d, it->scale);
    case FP_STR:
        return it->s;
    case FP_DATE:
    case FP_DATETIME:
    case FP_TIME:
        fp_format_dt(&it->dt, it->kind, tmp, sizeof(tmp));
        break;
    case FP_QTY: {
        const char *v = fmt_dec(c, it->d, it->scale);
        size_t n = strlen(v) + strlen(it->s) + 4;
        char *out = fp_alloc(c->arena, n);
        if (fp_calendar_unit(it->s))
            snprintf(out, n, "%s %s", v, it->s);
        else
            snprintf(out, n, "%s '%s'", v, it->s);
        return out;
    }
    }
    return fp_strndup(c->arena, tmp, strlen(tmp));
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Milliseconds since 1970 UTC of the fields, reading missing fields as their minimum. */
static int64_t dt_ms(const struct fp_dt *d, enum fp_kind k)
{
    int64_t days = k == FP_TIME ? 0 : days_from_civil(d->y, d->mo, d->d);
    int64_t ms = ((days * 24 + d->h) * 60 + d->mi) * 60000LL + d->s * 1000LL + d->ms;
    if (d->has_tz) ms -= d->tz_min * 60000LL;
    return ms;
}

static int dt_cmp(const struct fp_item *a, const struct fp_item *b, bool *empty)
{
    const struct fp_dt *x = &a->dt, *y = &b->dt;
    *empty = false;
    int px = x->prec == 7 ? 6 : x->prec, py = y->prec == 7 ? 6 : y->prec;
    if (x->prec >= 4 && y->prec >= 4 && x->has_tz != y->has_tz && a->kind != FP_TIME) {
        *empty = true;
        return 0;
    }
    if (x->has_tz && y->has_tz && x->prec >= 4 && y->prec >= 4 && a->kind != FP_TIME) {
        int64_t ma = dt_ms(x, a->kind), mb = dt_ms(y, b->kind);
        if (px == py) return ma < mb ? -1 : ma > mb;
    }
    int fa[7] = {x->y, x->mo, x->d, x->h, x->mi, x->s * 1000 + x->ms, 0};
    int fb[7] = {y->y, y->mo, y->d, y->h, y->mi, y->s * 1000 + y->ms, 0};
    int start = a->kind == FP_TIME ? 3 : 0;
    int m = px < py ? px : py;
    for (int i = start; i < m; i++)
        if (fa[i] != fb[i]) return fa[i] < fb[i] ? -1 : 1;
    if (px != py) *empty = true;
    return 0;
}

static bool numeric(const struct fp_item *it)
{
    return it->kind == FP_INT || it->kind == FP_DEC;
}

static long double numval(const struct fp_item *it)
{
    return it->kind == FP_INT ? (long double)it->i : it->d;
}

static bool is_dt(enum fp_kind k)
{
    return k == FP_DATE || k == FP_DATETIME;
}

static const struct {
    const char *unit;
    long double factor;
    const char *base;
} qunits[] = {
    {"[in_i]", 0.0254L, "m"},
    {"[lb_av]", 453.59237L, "g"},
    {"g", 1, "g"},
    {"mg", 1e-3L, "g"},
    {"kg", 1e3L, "g"},
    {"ug", 1e-6L, "g"},
    {"m", 1, "m"},
    {"cm", 1e-2L, "m"},
    {"mm", 1e-3L, "m"},
    {"km", 1e3L, "m"},
    {"s", 1, "s"},
    {"ms", 1e-3L, "s"},
    {"min", 60, "s"},
    {"h", 3600, "s"},
    {"d", 86400, "s"},
    {"wk", 604800, "s"},
    {"second", 1, "s"},
    {"seconds", 1, "s"},
    {"millisecond", 1e-3L, "s"},
    {"milliseconds", 1e-3L, "s"},
    {"minute", 60, "s"},
    {"minutes", 60, "s"},
    {"hour", 3600, "s"},
    {"hours", 3600, "s"},
    {"day", 86400, "s"},
    {"days", 86400, "s"},
    {"week", 604800, "s"},
    {"weeks", 604800, "s"},
    {"year", 1, "cal_year"},
    {"years", 1, "cal_year"},
    {"month", 1, "cal_month"},
    {"months", 1, "cal_month"},
};

static const char *qnorm(const char *u, long double *factor)
{
    for (size_t k = 0; k < sizeof(qunits) / sizeof(*qunits); k++)
        if (!strcmp(qunits[k].unit, u)) {
            *factor = qunits[k].factor;
            return qunits[k].base;
        }
    *factor = 1;
    return u;
}

bool fp_calendar_unit(const char *u)
{
    long double f;
    return isalpha((unsigned char)u[0]) && strlen(u) > 2 && strcmp(u, "min") != 0 &&
           qnorm(u, &f) != u;
}

bool fp_units_comparable(const char *a, const char *b)
{
    long double f;
    return strcmp(qnorm(a, &f), qnorm(b, &f)) == 0;
}

/* Quantity equality: 1, 0, or -1 when the units cannot be compared exactly (year vs 'a'). */
static int qty_cmp(const struct fp_item *a, const struct fp_item *b, int *cmp)
{
    long double fa, fb;
    const char *ba = qnorm(a->s, &fa), *bb = qnorm(b->s, &fb);
    if (strcmp(ba, bb) != 0) return -1;
    long double x = a->d * fa, y = b->d * fb;
    long double tol = 1e-12L * (fabsl(x) + fabsl(y));
    *cmp = fabsl(x - y) <= tol ? 0 : x < y ? -1 : 1;
    return 0;
}

static long double round_to(long double v, int scale)
{
    long double f = powl(10, scale);
    return roundl(v * f);
}

int fp_equal(const struct fp_item *a, const struct fp_item *b)
{
    if (numeric(a) && numeric(b)) {
        int sa = a->kind == FP_DEC ? a->scale : 0, sb = b->kind == FP_DEC ? b->scale : 0;
        return round_to(numval(a), sa > sb ? sa : sb) == round_to(numval(b), sa > sb ? sa : sb);
    }
    if (is_dt(a->kind) && is_dt(b->kind)) {
        bool empty;
        int r = dt_cmp(a, b, &empty);
        if (r) return 0;
        return empty ? -1 : 1;
    }
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case FP_BOOL:
        return a->b == b->b;
    case FP_STR:
        return strcmp(a->s, b->s) == 0;
    case FP_TIME: {
        bool empty;
        int r = dt_cmp(a, b, &empty);
        return r ? 0 : empty ? -1 : 1;
    }
    case FP_QTY: {
        int cmp;
        if (qty_cmp(a, b, &cmp) < 0) {
            long double f;
            const char *ba = qnorm(a->s, &f), *bb = qnorm(b->s, &f);
            bool cal = !strncmp(ba, "cal_", 4) || !strncmp(bb, "cal_", 4);
            return cal ? -1 : 0;
        }
        return cmp == 0;
    }
    case FP_NODE: /* structural: no printing, so no text buffers attached to the resource */
        return a->node == b->node || json_object_equal(a->node, b->node);
    default:
        return 0;
    }
}

static void norm_ws(const char *s, char *out, size_t n)
{
    size_t j = 0;
    bool sp = false;
    for (; *s && j + 1 < n; s++) {
        if (isspace((unsigned char)*s)) {
            sp = j > 0;
            continue;
        }
        if (sp && j + 2 < n) out[j++] = ' ';
        sp = false;
        out[j++] = (char)tolower((unsigned char)*s);
    }
    out[j] = 0;
}

bool fp_equiv(const struct fp_item *a, const struct fp_item *b)
{
    if (numeric(a) && numeric(b)) {
        int sa = a->kind == FP_DEC ? a->scale : 0, sb = b->kind == FP_DEC ? b->scale : 0;
        int s = sa < sb ? sa : sb;
        long double f = powl(10, s);
        return roundl(numval(a) * f) == roundl(numval(b) * f);
    }
    if (a->kind == FP_STR && b->kind == FP_STR) {
        char x[1024], y[1024];
        norm_ws(a->s, x, sizeof(x));
        norm_ws(b->s, y, sizeof(y));
        return strcmp(x, y) == 0;
    }
    if (a->kind == FP_QTY && b->kind == FP_QTY) {
        long double fa, fb;
        const char *ba = qnorm(a->s, &fa), *bb = qnorm(b->s, &fb);
        if (!strcmp(ba, "cal_year") && !strcmp(bb, "a")) return a->d == b->d;
        if (!strcmp(bb, "cal_year") && !strcmp(ba, "a")) return a->d == b->d;
        if (!strcmp(ba, "cal_month") && !strcmp(bb, "mo")) return a->d == b->d;
        if (!strcmp(bb, "cal_month") && !strcmp(ba, "mo")) return a->d == b->d;
        if (strcmp(ba, bb) != 0) return false;
        int s = a->scale < b->scale ? a->scale : b->scale;
        return round_to(a->d, s) == round_to(b->d * fb / fa, s);
    }
    return fp_equal(a, b) == 1;
}

bool fp_compare(const struct fp_item *a, const struct fp_item *b, int *cmp, bool *bad)
{
    *bad = false;
    if (numeric(a) && numeric(b)) {
        long double x = numval(a), y = numval(b);
        *cmp = x < y ? -1 : x > y;
        return true;
    }
    if ((is_dt(a->kind) && is_dt(b->kind)) || (a->kind == FP_TIME && b->kind == FP_TIME)) {
        bool empty;
        *cmp = dt_cmp(a, b, &empty);
        return *cmp != 0 || !empty;
    }
    if (a->kind == FP_STR && b->kind == FP_STR) {
        int r = strcmp(a->s, b->s);
        *cmp = r < 0 ? -1 : r > 0;
        return true;
    }
    if (a->kind == FP_QTY && b->kind == FP_QTY && qty_cmp(a, b, cmp) == 0) return true;
    if (a->kind == FP_QTY && b->kind == FP_QTY) return false;
    *bad = true;
    return false;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

bool fp_dt_add(struct fp_dt *d, enum fp_kind k, int64_t amount, const char *unit)
{
    size_t ul = strlen(unit);
    char u[16];
    if (ul >= sizeof(u)) return false;
    memcpy(u, unit, ul + 1);
    if (ul > 1 && u[ul - 1] == 's' && strcmp(u, "ms") != 0 && strcmp(u, "s") != 0) u[ul - 1] = 0;
    if (amount > 100000000 || amount < -100000000) return false;
    if (!strcmp(u, "year")) {
        if (k == FP_TIME) return false;
        d->y += (int)amount;
    } else if (!strcmp(u, "month")) {
        if (k == FP_TIME) return false;
        int64_t m = (int64_t)d->y * 12 + (d->mo - 1) + amount;
        d->y = (int)(m / 12);
        d->mo = (int)(m % 12) + 1;
    } else {
        int64_t ms;
        if (!strcmp(u, "week") || !strcmp(u, "wk"))
            ms = amount * 7 * 86400000LL;
        else if (!strcmp(u, "day") || !strcmp(u, "d"))
            ms = amount * 86400000LL;
        else if (!strcmp(u, "hour") || !strcmp(u, "h"))
            ms = amount * 3600000LL;
        else if (!strcmp(u, "minute") || !strcmp(u, "min"))
            ms = amount * 60000LL;
        else if (!strcmp(u, "second") || !strcmp(u, "s"))
            ms = amount * 1000LL;
        else if (!strcmp(u, "millisecond") || !strcmp(u, "ms"))
            ms = amount;
        else
            return false;
        if (k == FP_DATE && ms % 86400000LL) return false;
        int64_t days = k == FP_TIME ? 0 : days_from_civil(d->y, d->mo, d->d);
        int64_t t = ((days * 24 + d->h) * 60 + d->mi) * 60000LL + d->s * 1000LL + d->ms + ms;
        int64_t dd = t >= 0 ? t / 86400000LL : -((-t + 86400000LL - 1) / 86400000LL);
        int64_t rem = t - dd * 86400000LL;
        if (k != FP_TIME) civil_from_days(dd, &d->y, &d->mo, &d->d);
        d->h = (int)(rem / 3600000LL);
        d->mi = (int)(rem / 60000LL % 60);
        d->s = (int)(rem / 1000 % 60);
        d->ms = (int)(rem % 1000);
        return k == FP_TIME || (d->y >= 1 && d->y <= 9999);
    }
    if (k != FP_TIME && (d->y < 1 || d->y > 9999)) return false;
    int dim = days_in_month(d->y, d->mo);
    if (d->d > dim) d->d = dim;
    return true;
}
