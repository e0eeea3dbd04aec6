/* Fuzzes what a token's client sends that the access layer reads itself (src/rest/access*.c).
 * First byte even: a share Bundle, run by rest_share_run for patient "pa" over a store in a
 * temporary directory; whatever it stores must lie in pa's compartment, and a refusal must be a
 * typed error. Odd: a search query ("name=value&..."), checked by rest_access_search_ok; a query
 * it lets through must name no patient, hold no _has and no BSN system. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "rest/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (dir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static struct rest_ctx *context(void)
{
    static struct rest_ctx *rc;
    if (rc) return rc;
    snprintf(dir, sizeof dir, "/tmp/regie-fuzz-access-XXXXXX");
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/db.sqlite", dir);
    struct store_config scfg;
    store_config_defaults(&scfg, path);
    scfg.durable = false;
    struct store *s = store_sqlite_open(&scfg, err, sizeof err);
    if (!s) abort();
    struct rest_config cfg;
    rest_config_defaults(&cfg);
    cfg.store = s;
    cfg.base_url = "http://127.0.0.1:8080/fhir";
    cfg.bundle_entries_max = 8;
    rc = rest_new(&cfg);
    return rc;
}

static void token(struct rest_access *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->patient_id, sizeof a->patient_id, "pa");
    a->types[0] = "Observation";
    a->types[1] = "Patient";
    a->ntypes = 2;
    a->may_share = true;
    a->share_types[0] = "Observation";
    a->nshare_types = 1;
}

static void share(const struct rest_access *a, const char *text, size_t len)
{
    json_object *resp = NULL;
    size_t stored = 0;
    struct rg_fail f = {0};
    enum rg_err e =
        rest_share_run(context(), a, text, len, 64, REST_RETURN_REPRESENTATION, &resp, &stored, &f);
    if (e != RG_OK) {
        if (resp || f.code == RG_OK) abort();
        return;
    }
    json_object *entries = jsonx_get(resp, "entry");
    size_t n = entries ? json_object_array_length(entries) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *r = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        const char *type = jsonx_get_str(r, "resourceType");
        if (!r) continue;
        char comp[STORE_ID_MAX];
        if (!type || strcmp(type, "Observation") != 0) abort();
        if (!fhir_patient_compartment(type, r, comp, sizeof comp) || strcmp(comp, "pa") != 0)
            abort();
    }
    json_object_put(resp);
}

static void query(const struct rest_access *a, char *text)
{
    struct http_param params[16];
    size_t n = 0;
    for (char *p = text; p && n < 16;) {
        char *amp = strchr(p, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq) *eq = '\0';
        params[n++] = (struct http_param){.name = p, .value = eq ? eq + 1 : p + strlen(p)};
        p = amp ? amp + 1 : NULL;
    }
    struct http_reply rep = {0};
    buf_init(&rep.body, 1 << 20);
    bool ok = rest_access_search_ok(a, &rep, "Observation", params, n);
    if (ok != (rep.status == 0)) abort();
    for (size_t i = 0; ok && i < n; i++) {
        const char *name = params[i].name;
        size_t cl = strcspn(name, ":.");
        if ((cl == 7 && !strncmp(name, "patient", 7)) || (cl == 7 && !strncmp(name, "subject", 7)))
            abort();
        if (!strncmp(name, "_has", 4) || strcasestr(params[i].value, REST_BSN_SYSTEM)) abort();
    }
    buf_free(&rep.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384) return 0;
    char *text = malloc(size);
    if (!text) return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct rest_access a;
    token(&a);
    if (data[0] % 2 == 0)
        share(&a, text, size - 1);
    else
        query(&a, text);
    free(text);
    return 0;
}
