/* Fuzzes the query-string / form parser: any bytes give parameters or a typed error, never a crash;
 * every parameter is NUL-free UTF-8, and parsing twice appends (moving the store) without losing
 * the first parse's parameters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct http_params *p)
{
    if (p->n > HTTP_MAX_PARAMS) abort();
    for (size_t i = 0; i < p->n; i++) {
        const char *n = p->items[i].name, *v = p->items[i].value;
        if (!n || !v) abort();
        if (!http_utf8_valid(n, strlen(n)) || !http_utf8_valid(v, strlen(v))) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_params p;
    http_params_init(&p);
    enum http_query_rc rc = http_query_parse(&p, (const char *)data, size);
    if (rc > HTTP_QUERY_NOMEM) abort();
    check(&p);
    size_t first = p.n;
    char *name0 = first ? strdup(p.items[0].name) : NULL;
    rc = http_query_parse(&p, (const char *)data, size);
    check(&p);
    if (p.n < first) abort();
    if (name0 && strcmp(name0, p.items[0].name) != 0) abort();
    free(name0);
    /* Decoding never lengthens. */
    char *out = malloc(size + 1);
    size_t n = 0;
    if (out && http_pct_decode((const char *)data, size, out, &n, true) == HTTP_QUERY_OK &&
        n > size)
        abort();
    free(out);
    http_params_reset(&p);
    http_params_free(&p);
    return 0;
}
