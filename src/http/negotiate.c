/* Media types are compared case-insensitively with parameters split off; only the parameters that
 * change the meaning (charset, q) are looked at. */
#include "http/negotiate.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims s[0..*len) in place of whitespace on both ends. */
static const char *trim(const char *s, size_t *len)
{
    while (*len && is_ws(*s)) s++, (*len)--;
    while (*len && is_ws(s[*len - 1])) (*len)--;
    return s;
}

static bool eq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Classifies a bare media type (no parameters). */
static enum http_fmt media_fmt(const char *s, size_t len, bool wildcards)
{
    if (eq(s, len, "application/fhir+json") || eq(s, len, "application/json+fhir") ||
        eq(s, len, "application/fhir json") || eq(s, len, "application/json fhir"))
        return HTTP_FMT_FHIR_JSON;
    if (eq(s, len, "application/json")) return HTTP_FMT_JSON;
    if (wildcards && (eq(s, len, "*/*") || eq(s, len, "application/*"))) return HTTP_FMT_FHIR_JSON;
    return HTTP_FMT_NONE;
}

/* Looks through the ";a=b;c=d" parameters of p[0..len) for name; returns its value (quotes
 * stripped) in *v, *vlen, or false. */
static bool param(const char *p, size_t len, const char *name, const char **v, size_t *vlen)
{
    const char *end = p + len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *pe = semi ? semi : end;
        const char *eqs = memchr(p, '=', (size_t)(pe - p));
        if (eqs) {
            size_t nlen = (size_t)(eqs - p);
            const char *n = trim(p, &nlen);
            if (eq(n, nlen, name)) {
                size_t l = (size_t)(pe - eqs - 1);
                const char *s = trim(eqs + 1, &l);
                if (l >= 2 && s[0] == '"' && s[l - 1] == '"') s++, l -= 2;
                *v = s;
                *vlen = l;
                return true;
            }
        }
        p = semi ? semi + 1 : end;
    }
    return false;
}

/* A charset parameter, when present, must name UTF-8: FHIR JSON is always UTF-8. */
static bool charset_ok(const char *params, size_t len)
{
    const char *v;
    size_t vl;
    if (!param(params, len, "charset", &v, &vl)) return true;
    return eq(v, vl, "utf-8") || eq(v, vl, "utf8");
}

/* Splits "type/sub ; params" into the trimmed type and the parameter text. */
static const char *split_media(const char *s, size_t len, size_t *mlen, const char **params,
                               size_t *plen)
{
    const char *semi = memchr(s, ';', len);
    size_t m = semi ? (size_t)(semi - s) : len;
    *params = semi ? semi + 1 : s + len;
    *plen = semi ? len - m - 1 : 0;
    *mlen = m;
    return trim(s, mlen);
}

enum http_fmt http_format_param(const char *v)
{
    if (!v) return HTTP_FMT_NONE;
    size_t len = strlen(v);
    v = trim(v, &len);
    if (eq(v, len, "json")) return HTTP_FMT_FHIR_JSON;
    size_t mlen, plen;
    const char *params;
    const char *m = split_media(v, len, &mlen, &params, &plen);
    if (!charset_ok(params, plen)) return HTTP_FMT_NONE;
    return media_fmt(m, mlen, false);
}

/* q-value of a range: 1 when absent; 0 only for "0", "0.", "0.0"...; anything malformed counts as
 * 1 (being lenient here only ever means answering JSON). */
static bool q_zero(const char *params, size_t plen)
{
    const char *v;
    size_t vl;
    if (!param(params, plen, "q", &v, &vl) || vl == 0 || v[0] != '0') return false;
    for (size_t i = 1; i < vl; i++)
        if (!(v[i] == '0' || (i == 1 && v[i] == '.'))) return false;
    return true;
}

/* Decimal q-value in thousandths (0..1000) for ranking. */
static int q_milli(const char *params, size_t plen)
{
    const char *v;
    size_t vl;
    if (!param(params, plen, "q", &v, &vl) || vl == 0) return 1000;
    if (v[0] == '1') return 1000;
    if (v[0] != '0') return 1000;
    int q = 0, scale = 100;
    for (size_t i = 2; i < vl && i < 5; i++) {
        if (v[i] < '0' || v[i] > '9') break;
        q += (v[i] - '0') * scale;
        scale /= 10;
    }
    return q;
}

enum http_fmt http_accept(const char *accept)
{
    if (!accept) return HTTP_FMT_FHIR_JSON;
    const char *s = accept, *end = accept + strlen(accept);
    bool any = false;
    enum http_fmt best = HTTP_FMT_NONE;
    int best_q = 0;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *re = comma ? comma : end;
        size_t mlen, plen;
        const char *params;
        const char *m = split_media(s, (size_t)(re - s), &mlen, &params, &plen);
        if (mlen) {
            any = true;
            enum http_fmt f = media_fmt(m, mlen, true);
            if (f != HTTP_FMT_NONE && !q_zero(params, plen) && charset_ok(params, plen)) {
                int q = q_milli(params, plen);
                /* Ties go to FHIR JSON. */
                if (q > best_q || (q == best_q && f == HTTP_FMT_FHIR_JSON)) {
                    best = f;
                    best_q = q;
                }
            }
        }
        s = comma ? comma + 1 : end;
    }
    if (!any) return HTTP_FMT_FHIR_JSON;
    return best;
}

enum http_ctype http_content_type(const char *ct)
{
    if (!ct) return HTTP_CT_NONE;
    size_t len = strlen(ct), mlen, plen;
    const char *params;
    const char *m = split_media(ct, len, &mlen, &params, &plen);
    if (mlen == 0) return HTTP_CT_NONE;
    if (eq(m, mlen, "application/x-www-form-urlencoded")) return HTTP_CT_FORM;
    if (media_fmt(m, mlen, false) != HTTP_FMT_NONE && charset_ok(params, plen)) return HTTP_CT_JSON;
    return HTTP_CT_OTHER;
}

const char *http_fmt_mime(enum http_fmt fmt)
{
    return fmt == HTTP_FMT_JSON ? "application/json;charset=utf-8"
                                : "application/fhir+json;charset=utf-8";
}
