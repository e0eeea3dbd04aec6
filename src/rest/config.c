#include <stdlib.h>
#include <string.h>

#include "rest/internal.h"

void rest_config_defaults(struct rest_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->page_default = 50;
    cfg->page_max = 1000;
    cfg->bundle_entries_max = 10000;
}

struct rest_ctx *rest_new(const struct rest_config *cfg)
{
    if (!cfg->store) return NULL;
    struct rest_ctx *rc = calloc(1, sizeof *rc);
    if (!rc) return NULL;
    rc->store = cfg->store;
    if (rest_set_base_url(rc, cfg->base_url ? cfg->base_url : "http://localhost/fhir") != 0) {
        free(rc);
        return NULL;
    }
    rc->page_default = cfg->page_default ? cfg->page_default : 50;
    rc->page_max = cfg->page_max ? cfg->page_max : 1000;
    if (rc->page_default > rc->page_max) rc->page_default = rc->page_max;
    rc->bundle_entries_max = cfg->bundle_entries_max ? cfg->bundle_entries_max : 10000;
    rc->audit = cfg->audit;
    return rc;
}

int rest_set_base_url(struct rest_ctx *rc, const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--; /* links are built as base + "/" + path */
    if (n >= sizeof rc->base_url) return -1;
    memcpy(rc->base_url, base, n);
    rc->base_url[n] = '\0';
    return 0;
}

void rest_free(struct rest_ctx *rc)
{
    free(rc);
}
