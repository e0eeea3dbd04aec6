/* Fuzzes the PGO import (pgo/import.c) past the zip: the input is bundle.json, wrapped with a
 * manifest holding its right SHA-256 in a valid export zip, and imported into one account of a
 * scratch vault. Any bytes import or are refused with a reason, never a crash; an import that
 * succeeds reports counts, and a second import of the same zip changes nothing (idempotence). */
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/jsonx.h"
#include "pgo/export.h"
#include "rest/rest.h"
#include "store/store.h"
#include "util/log.h"
#include "util/zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SUBJECT "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"

static char dir[64];
static struct store *store;
static struct rest_ctx *rest;

static void cleanup(void)
{
    rest_free(rest);
    if (store) store->ops->close(store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static void init(void)
{
    snprintf(dir, sizeof dir, "/tmp/regie-fuzz-import-XXXXXX");
    if (!mkdtemp(dir)) abort();
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/vault.db", dir);
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    cfg.durable = false;
    if (!(store = store_sqlite_open(&cfg, err, sizeof err))) abort();
    struct rest_config rc;
    rest_config_defaults(&rc);
    rc.store = store;
    rc.base_url = "https://pgo.test/fhir";
    if (!(rest = rest_new(&rc))) abort();
    atexit(cleanup);
}

static uint8_t *wrap(const uint8_t *bundle, size_t size, size_t *len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(bundle, size, md);
    char hex[2 * SHA256_DIGEST_LENGTH + 1], manifest[256];
    for (size_t i = 0; i < sizeof md; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(manifest, sizeof manifest,
             "{\"format\":\"" PGO_EXPORT_FORMAT "\",\"files\":[{\"name\":\"bundle.json\","
             "\"sha256\":\"%s\"}]}",
             hex);
    struct zip_writer *w = zip_writer_new(0);
    uint8_t *zip = NULL;
    if (!w || zip_writer_add(w, "bundle.json", bundle, size) != ZIP_OK ||
        zip_writer_add(w, "manifest.json", manifest, strlen(manifest)) != ZIP_OK ||
        zip_writer_finish(w, &zip, len) != ZIP_OK)
        abort();
    return zip;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) init();
    if (size > 1 << 16) return 0;
    size_t len;
    uint8_t *zip = wrap(data, size, &len);
    struct pgo_import_in in = {.store = store, .vault = rest, .subject = SUBJECT};
    struct pgo_import_result res;
    char err[512];
    enum pgo_import_rc rc = pgo_import(&in, zip, len, &res, err, sizeof err);
    if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "import: %d %s\n", (int)rc, err);
    if (rc != PGO_IMPORT_OK) {
        if (!err[0] || res.imported || res.report) abort();
    } else {
        if (!res.imported || !res.report) abort();
        size_t written = 0;
        json_object_object_foreach(res.imported, type, n)
        {
            (void)type;
            written += (size_t)json_object_get_int64(n);
        }
        pgo_import_result_clear(&res);
        /* Again: nothing to write. */
        if (pgo_import(&in, zip, len, &res, err, sizeof err) != PGO_IMPORT_OK) abort();
        if (json_object_object_length(res.imported) != 0) abort();
        (void)written;
    }
    pgo_import_result_clear(&res);
    free(zip);
    return 0;
}
