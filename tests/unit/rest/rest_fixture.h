/* Shared by the REST tests: a rest context over a non-durable SQLite store in a fresh temporary
 * directory. Header-only (static functions) because each test_*.c is its own executable. */
#ifndef REGIE_TESTS_REST_FIXTURE_H
#define REGIE_TESTS_REST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/jsonx.h"
#include "rest/internal.h"

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct rest_ctx *rc;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-rest-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/db.sqlite", f->dir);
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    cfg.durable = false;
    char err[256] = "";
    f->s = store_sqlite_open(&cfg, err, sizeof err);
    if (!f->s) return -1;
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = f->s;
    rcfg.base_url = "http://test/fhir/";
    rcfg.bundle_entries_max = 5;
    f->rc = rest_new(&rcfg);
    *state = f;
    return f->rc ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rest_free(f->rc);
    f->s->ops->close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static json_object *parse(const char *text)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
    assert_non_null(v);
    return v;
}

static enum store_rc read_row(struct fx *f, const char *type, const char *id, struct store_row *row)
{
    memset(row, 0, sizeof *row);
    return f->s->ops->read(f->s, type, id, row);
}

#endif
