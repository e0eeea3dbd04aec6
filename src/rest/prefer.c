/* Request header parsers: Prefer (RFC 7240) and If-Match version tags. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest/internal.h"

static bool token_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

enum rest_return rest_prefer_return(const char *prefer)
{
    if (!prefer) return REST_RETURN_REPRESENTATION;
    const char *p = prefer;
    while (*p) {
        /* One preference or parameter per ',' or ';' separated piece. */
        size_t n = strcspn(p, ",;");
        const char *s = p, *e = p + n;
        while (s < e && isspace((unsigned char)*s)) s++;
        while (e > s && isspace((unsigned char)e[-1])) e--;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (eq) {
            const char *ne = eq;
            while (ne > s && isspace((unsigned char)ne[-1])) ne--;
            const char *v = eq + 1;
            while (v < e && isspace((unsigned char)*v)) v++;
            if (e - v >= 2 && *v == '"' && e[-1] == '"') {
                v++;
                e--;
            }
            if (token_eq(s, (size_t)(ne - s), "return")) {
                size_t vl = (size_t)(e - v);
                if (token_eq(v, vl, "minimal")) return REST_RETURN_MINIMAL;
                if (token_eq(v, vl, "OperationOutcome")) return REST_RETURN_OUTCOME;
                if (token_eq(v, vl, "representation")) return REST_RETURN_REPRESENTATION;
            }
        }
        p += n;
        if (*p) p++;
    }
    return REST_RETURN_REPRESENTATION;
}

bool rest_parse_etag(const char *s, int64_t *version)
{
    if (!s) return false;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n >= 2 && s[0] == 'W' && s[1] == '/') {
        s += 2;
        n -= 2;
        if (n < 2 || s[0] != '"') return false; /* a weak tag is always quoted */
    }
    if (n >= 1 && s[0] == '"') {
        if (n < 3 || s[n - 1] != '"') return false;
        s++;
        n -= 2;
    }
    if (n == 0 || n > 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1) return false;
    *version = v;
    return true;
}
