#include "store/store.h"

#include <stdlib.h>
#include <string.h>

void store_row_clear(struct store_row *row)
{
    free(row->json);
    memset(row, 0, sizeof *row);
}

void store_config_defaults(struct store_config *cfg, const char *path)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->path = path;
    cfg->durable = true;
    cfg->group_max = 64;
    cfg->queue_max = 1024;
    cfg->busy_timeout_ms = 5000;
    cfg->cache_kib = 8192;
    cfg->read_cache_kib = 2048;
    cfg->mmap_kib = 0;
    cfg->json_dict_min = 2000;
}
