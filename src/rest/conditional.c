/* Conditions of conditional create/update/delete and conditional references: until search lands,
 * only _id and the identifier token (system|code, |code, code, system|) are understood. */
#include <string.h>

#include "rest/internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into the text area; returns the start or NULL when it does not fit or is bad. */
static char *decode(const char *s, size_t n, char *text, size_t *used)
{
    char *out = text + *used;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (*used + o + 2 > REST_COND_TEXT) return NULL;
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return NULL;
            int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0)) return NULL;
            c = (char)(a * 16 + b);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        out[o++] = c;
    }
    out[o] = '\0';
    *used += o + 1;
    return out;
}

/* FHIR search escapes ',' '|' '$' and '\\' in values with a backslash (search.html#escaping).
 * Finds the first unescaped c in s, or NULL. */
static char *find_unescaped(char *s, char c)
{
    for (; *s; s++) {
        if (*s == '\\' && s[1])
            s++;
        else if (*s == c)
            return s;
    }
    return NULL;
}

/* Removes the escaping backslashes in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) s++;
        *o++ = *s;
    }
    *o = '\0';
}

enum rg_err rest_cond_parse(const char *query, size_t len, struct rest_cond *out, struct rg_fail *f)
{
    out->n = 0;
    size_t used = 0;
    const char *p = query ? query : "", *end = p + (query ? len : 0);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if (pe > p) {
            const char *eq = memchr(p, '=', (size_t)(pe - p));
            const char *ne = eq ? eq : pe;
            char *name = decode(p, (size_t)(ne - p), out->text, &used);
            char *value = eq ? decode(eq + 1, (size_t)(pe - eq - 1), out->text, &used) : NULL;
            if (!name || (eq && !value))
                return rg_fail_set(f, RG_E_BAD_QUERY, NULL,
                                   "condition is too long or has a bad percent escape");
            if (!strcmp(name, "_format") || !strcmp(name, "_pretty")) goto next;
            if (out->n >= REST_COND_MAX)
                return rg_fail_set(f, RG_E_BAD_QUERY, NULL, "more than %d conditions",
                                   REST_COND_MAX);
            if (!value || !*value)
                return rg_fail_set(f, RG_E_BAD_QUERY, NULL, "condition %.64s has no value", name);
            /* A comma is OR in FHIR search; matching only the first value would silently
             * create a duplicate, so refuse it until search lands. */
            if (find_unescaped(value, ','))
                return rg_fail_set(f, RG_E_BAD_QUERY, NULL,
                                   "condition %.64s: a comma (OR of values) is not supported "
                                   "until search lands",
                                   name);
            struct store_cond *c = &out->c[out->n];
            if (!strcmp(name, "_id")) {
                unescape(value);
                *c = (struct store_cond){.param = "_id", .system = NULL, .code = value};
            } else if (!strcmp(name, "identifier")) {
                char *bar = find_unescaped(value, '|');
                c->param = "identifier";
                if (!bar) {
                    unescape(value);
                    c->system = NULL; /* code: any system */
                    c->code = value;
                } else {
                    *bar = '\0';
                    unescape(value);
                    unescape(bar + 1);
                    c->system = value; /* "|code": "" means no system */
                    c->code = bar[1] ? bar + 1 : NULL;
                    if (!c->system[0] && !c->code)
                        return rg_fail_set(f, RG_E_BAD_QUERY, NULL,
                                           "identifier=| names neither system nor code");
                }
            } else {
                return rg_fail_set(f, RG_E_BAD_QUERY, NULL,
                                   "condition %.64s: only _id and identifier conditions are "
                                   "supported until search lands",
                                   name);
            }
            out->n++;
        }
    next:
        p = amp ? amp + 1 : end;
    }
    if (out->n == 0) return rg_fail_set(f, RG_E_BAD_QUERY, NULL, "the condition is empty");
    return RG_OK;
}
