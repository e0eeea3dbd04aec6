/* Internal to src/http: percent-decoding and application/x-www-form-urlencoded parsing (query
 * strings and form bodies). Exposed for the unit tests and the fuzz driver. */
#ifndef REGIE_HTTP_QUERY_H
#define REGIE_HTTP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

enum http_query_rc {
    HTTP_QUERY_OK = 0,
    HTTP_QUERY_BAD_ESCAPE, /* '%' not followed by two hex digits */
    HTTP_QUERY_NUL,        /* a NUL byte, raw or as %00 */
    HTTP_QUERY_BAD_UTF8,   /* decoded bytes are not UTF-8 */
    HTTP_QUERY_TOO_MANY,   /* more than HTTP_MAX_PARAMS parameters */
    HTTP_QUERY_NOMEM
};

/* Decodes in[0..len) into out, which has room for len bytes (decoding never lengthens). '+'
 * becomes a space when plus_space is set. Returns HTTP_QUERY_OK with *out_len set, or
 * HTTP_QUERY_BAD_ESCAPE / HTTP_QUERY_NUL / HTTP_QUERY_BAD_UTF8. out is not NUL-terminated. */
enum http_query_rc http_pct_decode(const char *in, size_t len, char *out, size_t *out_len,
                                   bool plus_space);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool http_utf8_valid(const char *s, size_t len);

/* Parsed parameters. items point into store; the memory is kept between requests (reset), so a
 * keep-alive connection parses without allocating. */
struct http_params {
    struct http_param items[HTTP_MAX_PARAMS];
    size_t n;
    char *store;
    size_t len, cap;
};

void http_params_init(struct http_params *p);
/* Forgets the parameters, keeps the memory (freed instead when it grew large). */
void http_params_reset(struct http_params *p);
void http_params_free(struct http_params *p);

/* Appends the name=value pairs of s[0..len) ("a=1&b=x+y&c"), decoded, in order; empty pairs are
 * skipped, a pair without '=' has the value "". On error the parameters parsed so far stay. */
enum http_query_rc http_query_parse(struct http_params *p, const char *s, size_t len);

/* A short English reason for rc. */
const char *http_query_strerror(enum http_query_rc rc);

#endif
