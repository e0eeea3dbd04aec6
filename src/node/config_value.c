/* The node config's value syntaxes (config_value.h). Strict on purpose: a value that is almost
 * right ("15 min", "1.5h", "-1") is refused rather than read as something else. */
#include "node/config_value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Leading decimal digits of s into *v (at most 18 of them, so no overflow); returns the number of
 * digits read (0: none, or too many). */
static size_t digits(const char *s, unsigned long long *v)
{
    size_t n = 0;
    unsigned long long x = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 18) return 0;
        x = x * 10 + (unsigned long long)(s[n] - '0');
        n++;
    }
    *v = x;
    return n;
}

int config_parse_bool(const char *s, bool *out, const char **why)
{
    if (!strcmp(s, "true")) {
        *out = true;
        return 0;
    }
    if (!strcmp(s, "false")) {
        *out = false;
        return 0;
    }
    *why = "must be true or false";
    return -1;
}

int config_parse_count(const char *s, unsigned long long min, unsigned long long max,
                       unsigned long long *out, const char **why)
{
    unsigned long long v;
    size_t n = digits(s, &v);
    if (n == 0 || s[n]) {
        *why = "must be a whole number";
        return -1;
    }
    if (v < min || v > max) {
        *why = "is out of range";
        return -1;
    }
    *out = v;
    return 0;
}

int config_parse_duration(const char *s, unsigned long long min_s, unsigned long long max_s,
                          unsigned long long *out, const char **why)
{
    unsigned long long v;
    size_t n = digits(s, &v);
    if (n == 0) {
        *why = "must be a number with a unit s, m, h or d (15m)";
        return -1;
    }
    unsigned long long unit;
    const char *u = s + n;
    if (!strcmp(u, "s"))
        unit = 1;
    else if (!strcmp(u, "m"))
        unit = 60;
    else if (!strcmp(u, "h"))
        unit = 3600;
    else if (!strcmp(u, "d"))
        unit = 86400;
    else {
        *why = "must be a number with a unit s, m, h or d (15m)";
        return -1;
    }
    /* v < 10^18 and unit <= 86400 could overflow: compare before multiplying. */
    if (v > max_s / unit || v * unit < min_s) {
        *why = "is out of range";
        return -1;
    }
    *out = v * unit;
    return 0;
}

int config_parse_size(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out, const char **why)
{
    unsigned long long v;
    size_t n = digits(s, &v);
    if (n == 0) {
        *why = "must be a number of bytes, optionally with KiB, MiB or GiB";
        return -1;
    }
    const char *u = s + n;
    if (*u == ' ') u++;
    unsigned long long unit;
    if (!*u && u == s + n)
        unit = 1;
    else if (!strcmp(u, "KiB"))
        unit = 1ull << 10;
    else if (!strcmp(u, "MiB"))
        unit = 1ull << 20;
    else if (!strcmp(u, "GiB"))
        unit = 1ull << 30;
    else {
        *why = "must be a number of bytes, optionally with KiB, MiB or GiB";
        return -1;
    }
    if (v > max / unit || v * unit < min) {
        *why = "is out of range";
        return -1;
    }
    *out = v * unit;
    return 0;
}

int config_parse_listen(const char *s, char *host, size_t host_cap, uint16_t *port,
                        const char **why)
{
    *why = "must be HOST:PORT (an IPv4 address, [IPv6] or localhost, and a port)";
    const char *hs = s, *he, *colon;
    if (*s == '[') {
        hs = s + 1;
        he = strchr(hs, ']');
        if (!he || he[1] != ':') return -1;
        colon = he + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return -1;
        he = colon;
        if (memchr(s, ':', (size_t)(colon - s))) return -1; /* IPv6 needs its brackets */
    }
    size_t hl = (size_t)(he - hs);
    if (hl == 0 || hl >= host_cap) return -1;
    memcpy(host, hs, hl);
    host[hl] = '\0';
    if (strspn(host, "0123456789abcdefABCDEF.:") != hl && strcmp(host, "localhost") != 0) {
        *why = "the host must be a numeric address or localhost";
        return -1;
    }
    if (!strcmp(host, "localhost")) snprintf(host, host_cap, "127.0.0.1");
    unsigned long long p;
    const char *pwhy;
    if (config_parse_count(colon + 1, 0, 65535, &p, &pwhy) != 0) {
        *why = "the port must be a number from 0 to 65535";
        return -1;
    }
    *port = (uint16_t)p;
    return 0;
}

int config_check_url(const char *s, bool https_only, const char **why)
{
    const char *rest;
    if (!strncmp(s, "https://", 8))
        rest = s + 8;
    else if (!https_only && !strncmp(s, "http://", 7))
        rest = s + 7;
    else {
        *why = https_only ? "must be an https:// URL" : "must be an http:// or https:// URL";
        return -1;
    }
    if (!*rest || *rest == '/' || *rest == ':') {
        *why = "has no host";
        return -1;
    }
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\') {
            *why = "holds a blank or a character a URL may not";
            return -1;
        }
        if (c == '?' || c == '#') {
            *why = "may not have a query or fragment";
            return -1;
        }
    }
    return 0;
}

char *config_path_join(const char *dir, const char *value)
{
    if (value[0] == '/' || !dir || !strcmp(dir, ".")) return strdup(value);
    size_t dl = strlen(dir), vl = strlen(value);
    char *p = malloc(dl + vl + 2);
    if (!p) return NULL;
    memcpy(p, dir, dl);
    size_t n = dl;
    if (n == 0 || p[n - 1] != '/') p[n++] = '/';
    memcpy(p + n, value, vl + 1);
    return p;
}

char *config_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}
