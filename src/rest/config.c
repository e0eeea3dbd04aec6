#include "rest/rest.h"

#include <string.h>

void rest_config_defaults(struct rest_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->page_default = 50;
    cfg->page_max = 1000;
    cfg->bundle_entries_max = 10000;
}
