/* The value normalisations index rows and search values share: strings folded for matching, dates
 * as microsecond ranges, decimals with their implicit precision, quantities in UCUM canonical
 * units. Both sides call these, so a value always meets its search in the same form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/search_index.h"
#include "fhir/ucum.h"
#include "util/fhirtime.h"

/* ---- strings ---- */

/* Base letters of U+00C0..U+00FF and U+0100..U+017F ('*' = several letters, '=' = keep as is),
 * i.e. the NFD base letter in lower case; letters without a decomposition (Ø, Ł, Đ, Ħ) give the
 * letter they are read as, so "Łódź" finds "lodz". */
static const char latin1[] = "aaaaaa*ceeeeiiii"
                             "dnooooo=ouuuuy**"
                             "aaaaaa*ceeeeiiii"
                             "dnooooo=ouuuuy*y";
static const char latin_ext_a[] = "aaaaaaccccccccdd"
                                  "ddeeeeeeeeeegggg"
                                  "gggghhhhiiiiiiii"
                                  "ii**jjkkklllllll"
                                  "lllnnnnnnnnnoooo"
                                  "oo**rrrrrrssssss"
                                  "ssttttttuuuuuuuu"
                                  "uuuuwwyyyzzzzzzs";

static const char *multi_letter(unsigned cp)
{
    switch (cp) {
    case 0xC6:
    case 0xE6:
        return "ae";
    case 0xDE:
    case 0xFE:
        return "th";
    case 0xDF:
        return "ss";
    case 0x132:
    case 0x133:
        return "ij";
    case 0x152:
    case 0x153:
        return "oe";
    default:
        return NULL;
    }
}

/* Decodes one UTF-8 sequence at s[*i]: the code point, or -1 when the bytes are not UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included). */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    size_t n;
    long cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        n = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n >= len - *i) return -1; /* the sequence is cut off */
    for (size_t k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *i += n + 1;
    return cp;
}

static bool is_space(long cp)
{
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
           cp == 0xA0;
}

/* Simple lower-case mapping outside Latin (Greek, Cyrillic) where it is one offset. */
static long lower_other(long cp)
{
    if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    return cp;
}

struct out {
    char *p;
    size_t len, cap; /* cap excludes the NUL */
    bool full;
};

/* Appends bytes unless they would not fit whole (a character is never cut). */
static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || o->len + n > o->cap) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void put_cp(struct out *o, long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    put(o, b, n);
}

int search_norm_string(const char *s, size_t len, char *out, size_t out_len)
{
    if (!out || out_len == 0) return -1;
    struct out o = {.p = out, .cap = out_len - 1};
    const unsigned char *u = (const unsigned char *)s;
    bool pending_space = false;
    size_t i = 0;
    while (i < len) {
        long cp = utf8_next(u, len, &i);
        if (cp < 0) {
            out[0] = '\0';
            return -1;
        }
        if (is_space(cp)) {
            pending_space = o.len > 0;
            continue;
        }
        if (cp >= 0x300 && cp <= 0x36F) continue; /* combining marks of decomposed input */
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) continue; /* controls (NUL would cut it) */
        if (pending_space) {
            put(&o, " ", 1);
            pending_space = false;
        }
        const char *many = NULL;
        char one = 0;
        if (cp < 0x80) {
            one = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        } else if (cp >= 0xC0 && cp <= 0xFF && latin1[cp - 0xC0] != '=') {
            one = latin1[cp - 0xC0];
        } else if (cp >= 0x100 && cp <= 0x17F) {
            one = latin_ext_a[cp - 0x100];
        }
        if (one == '*') many = multi_letter((unsigned)cp);
        if (many)
            put(&o, many, strlen(many));
        else if (one)
            put(&o, &one, 1);
        else
            put_cp(&o, lower_other(cp));
    }
    if (o.len > 0 && out[o.len - 1] == ' ') o.len--; /* cut short after a space */
    out[o.len] = '\0';
    return (int)o.len;
}

/* ---- dates ---- */

#define US_PER_MIN 60000000LL

/* A search value may leave out the seconds ("2013-01-14T10:00") and the zone (taken as UTC);
 * FHIR data may not. Completes such a value into a dateTime; *minute tells that the seconds were
 * added. Returns the completed length, or 0 when s has no time part to complete. */
static size_t complete_datetime(const char *s, size_t len, char *buf, size_t cap, bool *minute)
{
    if (len < 16 || len + 4 >= cap || s[10] != 'T') return 0;
    size_t zone = len;
    for (size_t k = 11; k < len; k++)
        if (s[k] == 'Z' || s[k] == '+' || s[k] == '-') {
            zone = k;
            break;
        }
    size_t n = 0;
    memcpy(buf, s, zone);
    n = zone;
    *minute = zone == 16; /* "YYYY-MM-DDThh:mm" */
    if (*minute) {
        memcpy(buf + n, ":00", 3);
        n += 3;
    }
    if (zone == len) {
        buf[n++] = 'Z';
    } else {
        memcpy(buf + n, s + zone, len - zone);
        n += len - zone;
    }
    return n;
}

bool search_date_range(const char *s, size_t len, int64_t *lo, int64_t *hi)
{
    if (!s) return false;
    struct fhirtime t;
    if (fhirtime_parse_datetime(s, len, &t) || fhirtime_parse_instant(s, len, &t)) {
        *lo = t.start_us;
        *hi = t.end_us;
        return true;
    }
    char buf[80];
    bool minute = false;
    size_t n = complete_datetime(s, len, buf, sizeof(buf), &minute);
    if (!n || !fhirtime_parse_datetime(buf, n, &t)) return false;
    *lo = t.start_us;
    *hi = minute ? t.start_us + US_PER_MIN : t.end_us;
    return true;
}

/* ---- numbers ---- */

/* FHIR decimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; *decimals counts the digits
 * after the point and *exp is the exponent. */
static bool scan_decimal(const char *s, size_t len, int *decimals, long *exp)
{
    size_t i = 0;
    if (i < len && s[i] == '-') i++;
    if (i >= len || s[i] < '0' || s[i] > '9') return false;
    if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9') return false;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++;
    *decimals = 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == start) return false;
        *decimals = (int)(i - start);
    }
    *exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int sign = 1;
        if (i < len && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (*exp < 100000) *exp = *exp * 10 + (s[i] - '0');
            i++;
        }
        if (i == start) return false;
        *exp *= sign;
    }
    return i == len;
}

bool search_number_range(const char *s, size_t len, double *value, double *lo, double *hi)
{
    int decimals;
    long exp;
    char buf[128];
    if (!s || len == 0 || len >= sizeof(buf) || !scan_decimal(s, len, &decimals, &exp))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v)) return false;
    /* Half a unit of the last digit written: "100" -> 0.5, "1.50" -> 0.005, "1e2" -> 50. */
    double half = 0.5 * pow(10.0, (double)(exp - decimals));
    *value = v;
    *lo = v - half;
    *hi = v + half;
    /* The bounds are decimals ("0.1" -> 0.05 and 0.15), but v + half in binary lands beside
     * them (0.15000000000000002), which would let a stored 0.15 (read as the double nearest
     * 0.15) fall inside the half-open range. Rounding each bound to its own decimal places and
     * reading it back gives exactly the double a stored value of that text has. */
    long places = (long)decimals - exp + 1;
    if (places >= 0 && places <= 40) {
        char text[128];
        snprintf(text, sizeof text, "%.*f", (int)places, *lo);
        *lo = strtod(text, NULL);
        snprintf(text, sizeof text, "%.*f", (int)places, *hi);
        *hi = strtod(text, NULL);
    }
    if (!(*lo < v)) *lo = nextafter(v, -INFINITY); /* the precision is finer than a double's */
    if (!(*hi > v)) *hi = nextafter(v, INFINITY);
    return true;
}

/* ---- quantities ---- */

bool search_ucum_canon(double value, const char *code, double *canon, char *canon_code,
                       size_t canon_code_len)
{
    return code && ucum_canonical(value, code, strlen(code), canon, canon_code, canon_code_len);
}
