/* Fuzzes the REST floor's small parsers that read client text: conditions (If-None-Exist,
 * conditional update/delete, conditional references), Bundle entry URLs, If-Match and Prefer.
 * The first byte picks the parser; any input must give a result or a typed error, never a crash,
 * and a successful parse must hand back only values inside its own limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rest/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rest_ctx *context(void)
{
    static struct rest_ctx *rc;
    if (!rc) {
        struct rest_config cfg;
        rest_config_defaults(&cfg);
        cfg.base_url = "http://127.0.0.1:8080/fhir";
        rc = rest_new(&cfg);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct rg_fail f;
    switch (data[0] % 4) {
    case 0: {
        struct rest_cond cond;
        if (rest_cond_parse(text, size - 1, &cond, &f) == RG_OK) {
            if (cond.n == 0 || cond.n > REST_COND_MAX) abort();
            for (size_t i = 0; i < cond.n; i++)
                if (!cond.c[i].param) abort();
        } else if (f.code == RG_OK) {
            abort();
        }
        break;
    }
    case 1: {
        struct rest_url url;
        if (rest_url_parse(context(), text, &url, &f) == RG_OK) {
            if (strnlen(url.type, sizeof url.type) == sizeof url.type) abort();
            if (url.kind == REST_URL_COND && !url.query) abort();
        }
        break;
    }
    case 2: {
        int64_t version = 0;
        if (rest_parse_etag(text, &version) && version < 1) abort();
        break;
    }
    default:
        (void)rest_prefer_return(text);
        break;
    }
    free(text);
    return 0;
}
