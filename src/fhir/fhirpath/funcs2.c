/* More FHIRPath functions: sort, boundaries and precision, encode/decode/escape, type(); plus
 * helpers for values made during evaluation. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fp_internal.h"
#include "json/jsonx.h"
#include "util/buf.h"

#define MAX_SORT 10000

json_object *fp_own(struct fp_ctx *c, json_object *v)
{
    if (!c->arena->keep) c->arena->keep = json_object_new_array();
    json_object_array_add(c->arena->keep, v);
    return v;
}

static bool quantity_type(const char *t)
{
    static const char *const q[] = {"Quantity", "Age",   "Distance",       "Duration",
                                    "Count",    "Money", "SimpleQuantity", "MoneyQuantity"};
    for (size_t k = 0; t && k < sizeof(q) / sizeof(*q); k++)
        if (!strcmp(t, q[k])) return true;
    return false;
}

struct fp_item *fp_value_of(struct fp_ctx *c, struct fp_item *it)
{
    if (it->kind != FP_NODE || !quantity_type(it->type)) return it;
    json_object *v = jsonx_get(it->node, "value");
    if (!v) return it;
    struct fp_item *q = fp_new(c, FP_QTY);
    size_t len;
    const char *t = jsonx_text(v, false, &len);
    q->d = strtold(t, NULL);
    q->scale = fp_dec_scale(t);
    const char *sys = jsonx_get_str(it->node, "system"), *code = jsonx_get_str(it->node, "code");
    const char *unit = jsonx_get_str(it->node, "unit");
    q->s = (code && sys && !strcmp(sys, "http://unitsofmeasure.org")) ? code
           : unit                                                     ? unit
           : code                                                     ? code
                                                                      : "1";
    return q;
}

static struct fp_item *single(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *in)
{
    if (in->n > 1) fp_fail(c, "%s() needs a single input", n->text);
    return in->n ? in->v[0] : NULL;
}

static struct fp_coll eval_arg(struct fp_ctx *c, const struct fp_node *n, size_t k)
{
    struct fp_coll focus = {0};
    fp_push(c, &focus, c->this_item ? c->this_item : c->root);
    return fp_eval(c, n->kids[k], &focus);
}

static bool int_arg(struct fp_ctx *c, const struct fp_node *n, size_t k, int64_t *out)
{
    if (k >= n->n_kids) return false;
    struct fp_coll v = eval_arg(c, n, k);
    if (v.n != 1 || v.v[0]->kind != FP_INT) fp_fail(c, "%s() needs an integer argument", n->text);
    *out = v.v[0]->i;
    return true;
}

static const char *str_arg(struct fp_ctx *c, const struct fp_node *n, size_t k)
{
    struct fp_coll v = eval_arg(c, n, k);
    if (v.n != 1 || v.v[0]->kind != FP_STR) fp_fail(c, "%s() needs a string argument", n->text);
    return v.v[0]->s;
}

/* ---- sort ---- */

struct sort_key {
    const struct fp_node *expr;
    bool desc;
};

static int sort_cmp(struct fp_ctx *c, struct fp_item *a, struct fp_item *b,
                    const struct sort_key *keys, size_t nk)
{
    for (size_t k = 0; k < (nk ? nk : 1); k++) {
        struct fp_item *x = a, *y = b;
        bool desc = false;
        if (nk) {
            struct fp_item *saved = c->this_item;
            struct fp_coll fa = {0}, fb = {0};
            fp_push(c, &fa, a);
            fp_push(c, &fb, b);
            c->this_item = a;
            struct fp_coll ka = fp_eval(c, keys[k].expr, &fa);
            c->this_item = b;
            struct fp_coll kb = fp_eval(c, keys[k].expr, &fb);
            c->this_item = saved;
            desc = keys[k].desc;
            if (!ka.n || !kb.n) {
                if (ka.n != kb.n) return ka.n ? 1 : -1; /* empty keys first */
                continue;
            }
            x = ka.v[0];
            y = kb.v[0];
        }
        int cmp;
        bool bad;
        if (!fp_compare(x, y, &cmp, &bad)) {
            if (bad) fp_fail(c, "sort(): items cannot be compared");
            cmp = 0;
        }
        if (cmp) return desc ? -cmp : cmp;
    }
    return 0;
}

static void f_sort(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *in,
                   struct fp_coll *out)
{
    if (in->n > MAX_SORT) fp_fail(c, "sort(): too many items");
    struct sort_key keys[16];
    for (size_t k = 0; k < n->n_kids && k < 16; k++) {
        const struct fp_node *e = n->kids[k];
        keys[k].desc = e->kind == FP_A_UNARY && e->op == FP_OP_SUB;
        keys[k].expr = keys[k].desc ? e->kids[0] : e;
    }
    for (size_t i = 0; i < in->n; i++) fp_push(c, out, in->v[i]);
    for (size_t i = 1; i < out->n; i++) { /* insertion sort: stable, n is bounded */
        struct fp_item *it = out->v[i];
        size_t j = i;
        while (j > 0 && sort_cmp(c, out->v[j - 1], it, keys, n->n_kids) > 0) {
            out->v[j] = out->v[j - 1];
            j--;
        }
        out->v[j] = it;
    }
}

/* ---- boundaries and precision ---- */

static int dt_digits(const struct fp_item *it)
{
    static const int date[] = {0, 4, 6, 8, 10, 12, 14, 17};
    static const int time[] = {0, 0, 0, 0, 2, 4, 6, 9};
    return it->kind == FP_TIME ? time[it->dt.prec] : date[it->dt.prec];
}

static int prec_from_digits(enum fp_kind k, int64_t p)
{
    static const int date[] = {4, 6, 8, 10, 12, 14, 17};
    static const int time[] = {2, 4, 6, 9};
    const int *t = k == FP_TIME ? time : date;
    int n = k == FP_TIME ? 4 : 7, base = k == FP_TIME ? 4 : 1;
    for (int i = 0; i < n; i++)
        if (t[i] == p) return base + i;
    return -1;
}

static int dim(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

static struct fp_item *boundary(struct fp_ctx *c, const struct fp_node *n, struct fp_item *it,
                                bool high)
{
    int64_t p;
    bool has_p = int_arg(c, n, 0, &p);
    if (it->kind == FP_INT || it->kind == FP_DEC || it->kind == FP_QTY) {
        if (!has_p) p = 8;
        if (p < 0 || p > 28) return NULL;
        long double v = it->kind == FP_INT ? (long double)it->i : it->d;
        int scale = it->kind == FP_INT ? 0 : it->scale;
        long double half = 0.5L * powl(10, -scale);
        v = high ? v + half : v - half;
        long double m = powl(10, (long double)p);
        long double r = high ? ceill(v * m - 1e-9L) / m : floorl(v * m + 1e-9L) / m;
        if (p > scale) r = v;
        struct fp_item *o = fp_new(c, it->kind == FP_QTY ? FP_QTY : FP_DEC);
        o->d = r;
        o->scale = (int)p;
        o->s = it->s;
        return o;
    }
    if (it->kind != FP_DATE && it->kind != FP_DATETIME && it->kind != FP_TIME) return NULL;
    if (!has_p) p = it->kind == FP_DATE ? 8 : it->kind == FP_TIME ? 9 : 17;
    int prec = prec_from_digits(it->kind, p);
    if (prec < 0) return NULL;
    struct fp_item *o = fp_new(c, it->kind);
    o->dt = it->dt;
    struct fp_dt *d = &o->dt;
    int have = d->prec == 4 ? 5 : d->prec; /* an hour alone reads as hh:00 */
    if (have < 2) d->mo = high ? 12 : 1;
    if (have < 3) d->d = high ? dim(d->y, d->mo) : 1;
    if (have < 4 && it->kind != FP_TIME) d->h = high ? 23 : 0;
    if (have < 5) d->mi = high ? 59 : 0;
    if (have < 6) d->s = high ? 59 : 0;
    if (have < 7) d->ms = high ? 999 : 0;
    if (it->kind == FP_DATETIME && prec >= 4 && !d->has_tz) {
        d->has_tz = true;
        d->tz_min = high ? -12 * 60 : 14 * 60;
    }
    d->prec = prec;
    if (it->kind == FP_DATETIME && prec <= 3) o->kind = FP_DATETIME;
    return o;
}

/* ---- encode / decode / escape ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void encode(struct buf *b, const char *s, const char *how)
{
    size_t n = strlen(s);
    if (!strcmp(how, "hex")) {
        for (size_t i = 0; i < n; i++) buf_printf(b, "%02x", (unsigned char)s[i]);
        return;
    }
    bool url = !strcmp(how, "urlbase64");
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        char q[4] = {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            if (url && q[k] == '+') q[k] = '-';
            if (url && q[k] == '/') q[k] = '_';
        }
        buf_append(b, q, 4);
    }
}

static int b64val(char ch)
{
    if (ch == '-') ch = '+';
    if (ch == '_') ch = '/';
    const char *p = ch ? strchr(b64, ch) : NULL;
    return p ? (int)(p - b64) : -1;
}

static bool decode(struct buf *b, const char *s, const char *how)
{
    size_t n = strlen(s);
    if (!strcmp(how, "hex")) {
        if (n % 2) return false;
        for (size_t i = 0; i < n; i += 2) {
            char h[3] = {s[i], s[i + 1], 0};
            char *end;
            long v = strtol(h, &end, 16);
            if (*end) return false;
            buf_append_char(b, (char)v);
        }
        return true;
    }
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && s[i] != '='; i++) {
        int v = b64val(s[i]);
        if (v < 0) return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_append_char(b, (char)((acc >> bits) & 0xFF));
        }
    }
    return true;
}

static void escape(struct buf *b, const char *s, const char *how, bool un)
{
    bool html = !strcmp(how, "html");
    static const char *const ents[][2] = {
        {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}};
    for (size_t i = 0; s[i]; i++) {
        if (html && !un) {
            const char *r = NULL;
            for (size_t k = 0; k < 5; k++)
                if (s[i] == ents[k][0][0]) r = ents[k][1];
            if (r)
                buf_append_str(b, r);
            else
                buf_append_char(b, s[i]);
        } else if (html) {
            bool done = false;
            for (size_t k = 0; k < 5 && !done; k++) {
                size_t l = strlen(ents[k][1]);
                if (!strncmp(s + i, ents[k][1], l)) {
                    buf_append_char(b, ents[k][0][0]);
                    i += l - 1;
                    done = true;
                }
            }
            if (!done) buf_append_char(b, s[i]);
        } else if (!un) {
            if (s[i] == '"' || s[i] == '\\') buf_append_char(b, '\\');
            buf_append_char(b, s[i]);
        } else {
            if (s[i] == '\\' && s[i + 1]) i++;
            buf_append_char(b, s[i]);
        }
    }
}

static void f_text(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *in,
                   struct fp_coll *out)
{
    struct fp_item *it = single(c, n, in);
    if (!it) return;
    if (it->kind != FP_STR) fp_fail(c, "%s() needs a string", n->text);
    const char *how = str_arg(c, n, 0);
    struct buf b;
    buf_init(&b, 1 << 20);
    bool ok = true;
    if (!strcmp(n->text, "encode"))
        encode(&b, it->s, how);
    else if (!strcmp(n->text, "decode"))
        ok = decode(&b, it->s, how);
    else
        escape(&b, it->s, how, !strcmp(n->text, "unescape"));
    if (ok && !b.overflowed) fp_push(c, out, fp_str(c, b.data ? b.data : "", b.len));
    buf_free(&b);
}

static void f_type(struct fp_ctx *c, const struct fp_coll *in, struct fp_coll *out)
{
    static const char *const sys[] = {"Any",  "Boolean",  "Integer", "Decimal", "String",
                                      "Date", "DateTime", "Time",    "Quantity"};
    for (size_t i = 0; i < in->n; i++) {
        const struct fp_item *it = in->v[i];
        json_object *o = fp_own(c, json_object_new_object());
        json_object_object_add(o, "namespace",
                               json_object_new_string(it->type ? "FHIR" : "System"));
        json_object_object_add(o, "name",
                               json_object_new_string(it->type ? it->type : sys[it->kind]));
        struct fp_item *r = fp_new(c, FP_NODE);
        r->node = o;
        r->type = "TypeInfo";
        fp_push(c, out, r);
    }
}

bool fp_call_more(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *in,
                  struct fp_coll *out)
{
    const char *f = n->text;
    if (!strcmp(f, "sort")) {
        f_sort(c, n, in, out);
    } else if (!strcmp(f, "lowBoundary") || !strcmp(f, "highBoundary")) {
        struct fp_item *it = single(c, n, in);
        struct fp_item *r = it ? boundary(c, n, it, f[0] == 'h') : NULL;
        if (r) fp_push(c, out, r);
    } else if (!strcmp(f, "precision")) {
        struct fp_item *it = single(c, n, in);
        if (!it) return true;
        if (it->kind == FP_DEC)
            fp_push(c, out, fp_int(c, it->scale));
        else if (it->kind == FP_INT)
            fp_push(c, out, fp_int(c, 0));
        else if (it->kind == FP_DATE || it->kind == FP_DATETIME || it->kind == FP_TIME)
            fp_push(c, out, fp_int(c, dt_digits(it)));
    } else if (!strcmp(f, "encode") || !strcmp(f, "decode") || !strcmp(f, "escape") ||
               !strcmp(f, "unescape")) {
        if (n->n_kids != 1) fp_fail(c, "%s() needs one argument", f);
        f_text(c, n, in, out);
    } else if (!strcmp(f, "comparable")) {
        struct fp_item *it = single(c, n, in);
        if (n->n_kids != 1) fp_fail(c, "comparable() needs one argument");
        struct fp_coll o = eval_arg(c, n, 0);
        if (!it || o.n != 1) return true;
        if (it->kind != FP_QTY || o.v[0]->kind != FP_QTY)
            fp_fail(c, "comparable() needs quantities");
        fp_push(c, out, fp_bool(c, fp_units_comparable(it->s, o.v[0]->s)));
    } else if (!strcmp(f, "conformsTo")) {
        static const char base[] = "http://hl7.org/fhir/StructureDefinition/";
        const char *url = n->n_kids == 1 ? str_arg(c, n, 0) : NULL;
        if (!url) fp_fail(c, "conformsTo() needs a profile URL");
        struct fp_item *it = single(c, n, in);
        if (!it) return true;
        if (strncmp(url, base, sizeof(base) - 1) != 0)
            fp_fail(c, "conformsTo(): unknown profile %s", url);
        fp_push(c, out, fp_bool(c, it->type && !strcmp(it->type, url + sizeof(base) - 1)));
    } else if (!strcmp(f, "type")) {
        f_type(c, in, out);
    } else {
        return false;
    }
    return true;
}
