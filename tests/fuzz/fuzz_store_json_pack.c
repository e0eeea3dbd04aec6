/* Fuzzes the decoding of a stored resource frame (src/store/sqlite/json_unpack.c): any bytes in
 * resource_version.json either decode, NUL-terminated and within STORE_JSON_MAX, or are refused
 * with HARD, never a crash or an overrun. The store lives in a temporary directory and holds
 * dictionary 1, trained on the resources written at start, so frames naming it reach the real
 * decoder; other dictIDs go through the json_dict lookup that finds nothing. Seeds are frames the
 * store wrote (tests/fuzz/corpus/store_json_pack/), some cut or bit-flipped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/json_pack.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct store *store;

static void cleanup(void)
{
    if (store) store->ops->close(store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (dir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static int put_fn(struct store_txn *tx, void *ctx)
{
    return store->ops->tx_put(tx, ctx) == STORE_OK ? 0 : 1;
}

/* Resources alike enough to train on; the same ones every run, so the dictionary is too. */
static void fill(void)
{
    for (unsigned i = 0; i < 96; i++) {
        char id[16], json[1024];
        snprintf(id, sizeof id, "o%u", i);
        int n = snprintf(
            json, sizeof json,
            "{\"resourceType\":\"Observation\",\"id\":\"%s\",\"status\":\"final\","
            "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%u-%u\","
            "\"display\":\"Measurement %u\"}]},\"subject\":{\"reference\":\"Patient/"
            "p%u\"},\"effectiveDateTime\":\"2026-%02u-%02uT10:00:00Z\","
            "\"valueQuantity\":{\"value\":%u.%u,\"unit\":\"kg\",\"system\":"
            "\"http://unitsofmeasure.org\",\"code\":\"kg\"}}",
            id, 1000 + i % 7, i % 10, i % 7, i % 5, 1 + i % 12, 1 + i % 28, 50 + i, i % 10);
        struct store_put p = {.type = "Observation",
                              .id = id,
                              .version = 1,
                              .last_updated = "2026-11-22T10:00:00.000Z",
                              .json = json,
                              .json_len = (size_t)n};
        if (store->ops->write(store, put_fn, &p) != STORE_OK) abort();
    }
}

static struct store *context(void)
{
    if (store) return store;
    log_set_level(LOG_ERROR);
    snprintf(dir, sizeof dir, "/tmp/regie-fuzz-json-XXXXXX");
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/db.sqlite", dir);
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    cfg.durable = false;
    cfg.json_dict_min = 64;
    store = store_sqlite_open(&cfg, err, sizeof err);
    if (!store) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
    fill(); /* the dictionary is trained after the 64th; the 65th on waited for it */
    return store;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_sqlite *s = store_sq(context());
    struct store_sq_conn *c = store_sq_reader_get(s);
    if (!c) abort();
    const char *json = NULL;
    size_t len = 0;
    enum store_rc rc = store_sq_json_unpack(c, data, size, "fuzz", &json, &len);
    if (rc == STORE_OK) {
        if (!json || len > STORE_JSON_MAX || json[len] != '\0') abort();
        /* Every byte is readable (the sanitizer checks the claim of len). */
        volatile unsigned char sum = 0;
        for (size_t i = 0; i < len; i++) sum ^= (unsigned char)json[i];
        (void)sum;
    } else if (rc != STORE_HARD) {
        abort();
    }
    store_sq_reader_put(s, c);
    return 0;
}
