/* FHIRPath string functions, with regular expressions through POSIX regcomp. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fhir/fhirpath/fn_internal.h"
#include "json/jsonx.h"
#include "util/buf.h"

/* ---- strings ---- */

static const char *in_str(struct fctx *f)
{
    struct fp_item *it = fpf_single_in(f);
    if (!it) return NULL;
    if (it->kind != FP_STR) fp_fail(f->c, "%s() needs a string input", f->n->text);
    return it->s;
}

static void push_str(struct fctx *f, const char *s, size_t n)
{
    fpf_push(f, fp_str(f->c, s, n));
}

void fpf_indexOf(struct fctx *f)
{
    const char *s = in_str(f), *sub = fpf_arg_str(f, 0);
    if (!s || !sub) return;
    const char *p = strstr(s, sub);
    fpf_push(f, fp_int(f->c, p ? p - s : -1));
}

void fpf_substring(struct fctx *f)
{
    const char *s = in_str(f);
    int64_t start, len;
    if (!s || !fpf_arg_int(f, 0, &start)) return;
    int64_t n = (int64_t)strlen(s);
    if (start < 0 || start >= n) return;
    if (f->n->n_kids < 2)
        len = n - start;
    else if (!fpf_arg_int(f, 1, &len))
        len = n - start;
    if (len < 0) len = 0;
    if (len > n - start) len = n - start;
    push_str(f, s + start, (size_t)len);
}

void fpf_startsWith(struct fctx *f)
{
    const char *s = in_str(f), *p = fpf_arg_str(f, 0);
    if (s && p) fpf_push_bool(f, strncmp(s, p, strlen(p)) == 0);
}

void fpf_endsWith(struct fctx *f)
{
    const char *s = in_str(f), *p = fpf_arg_str(f, 0);
    if (!s || !p) return;
    size_t a = strlen(s), b = strlen(p);
    fpf_push_bool(f, b <= a && !strcmp(s + a - b, p));
}

void fpf_contains(struct fctx *f)
{
    const char *s = in_str(f), *p = fpf_arg_str(f, 0);
    if (s && p) fpf_push_bool(f, strstr(s, p) != NULL);
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
    fpf_push(f, it);
}

void fpf_upper(struct fctx *f)
{
    casemap(f, toupper);
}
void fpf_lower(struct fctx *f)
{
    casemap(f, tolower);
}

void fpf_replace(struct fctx *f)
{
    const char *s = in_str(f), *pat = fpf_arg_str(f, 0), *rep = fpf_arg_str(f, 1);
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
    fpf_push(f, it);
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

void fpf_matches(struct fctx *f)
{
    const char *s = in_str(f), *pat = fpf_arg_str(f, 0);
    if (!s || !pat) return;
    regex_t re;
    compile_re(f, pat, &re, false);
    bool m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    fpf_push_bool(f, m);
}

void fpf_matchesFull(struct fctx *f)
{
    const char *s = in_str(f), *pat = fpf_arg_str(f, 0);
    if (!s || !pat) return;
    regex_t re;
    compile_re(f, pat, &re, true);
    bool m = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    fpf_push_bool(f, m);
}

void fpf_replaceMatches(struct fctx *f)
{
    const char *s = in_str(f), *pat = fpf_arg_str(f, 0), *rep = fpf_arg_str(f, 1);
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

void fpf_length(struct fctx *f)
{
    const char *s = in_str(f);
    if (s) fpf_push(f, fp_int(f->c, (int64_t)strlen(s)));
}

void fpf_toChars(struct fctx *f)
{
    const char *s = in_str(f);
    for (size_t i = 0; s && s[i]; i++) push_str(f, s + i, 1);
}

void fpf_trim(struct fctx *f)
{
    const char *s = in_str(f);
    if (!s) return;
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) n--;
    push_str(f, s, n);
}

void fpf_split(struct fctx *f)
{
    const char *s = in_str(f), *sep = fpf_arg_str(f, 0);
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

void fpf_join(struct fctx *f)
{
    const char *sep = f->n->n_kids ? fpf_arg_str(f, 0) : "";
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
