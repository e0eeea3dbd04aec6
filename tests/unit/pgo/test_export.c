/* pgo/export and pgo/import without HTTP: the zip's files (sorted names, the Bundle in type/id
 * order with fullUrls and without vault bookkeeping, NDJSON per type, the manifest's counts and
 * hashes, the report as given, a summary page with escaped text and no scripts), the same bytes
 * for the same content and time, only the account's own resources; and an import that checks
 * the manifest (hash, unlisted file, format), rewrites the subject, and counts a second import
 * of the same zip as unchanged. */
#include <openssl/sha.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "json/jsonx.h"
#include "pgo/backchannel.h"
#include "pgo/export.h"
#include "rest/rest.h"
#include "store/store.h"
#include "util/zip.h"

#define ALICE "0b6c7f6e-1111-4a4a-9a9a-000000000001"
#define BOB   "0b6c7f6e-2222-4a4a-9a9a-000000000002"
#define NOW   1764590400 /* 2025-12-01T12:00:00Z */

struct env {
    char dir[64];
    struct store *store;
    struct rest_ctx *rest;
};

static void put(struct env *e, const char *json)
{
    enum jsonx_err je;
    json_object *r = jsonx_parse(json, strlen(json), 64, &je, NULL, 0);
    assert_non_null(r);
    struct rg_fail f = {0};
    enum rg_err rc = rest_put_resource(e->rest, r, &f);
    if (rc != RG_OK) print_message("put: %s %s\n", f.detail, f.expression);
    assert_int_equal(rc, RG_OK);
    json_object_put(r);
}

#define TAG(s) "\"tag\":[{\"system\":\"" PGO_VAULT_TAG_SYSTEM "\",\"code\":\"" s "\"}]"

static void seed(struct env *e, const char *subject, const char *suffix)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Patient\",\"id\":\"%s\",\"meta\":{\"tag\":[{\"system\":\"%s\","
             "\"code\":\"%s\"}]},\"identifier\":[{\"system\":\"urn:regie:pgo:account\","
             "\"value\":\"%s\"}],\"active\":true,\"name\":[{\"text\":\"Anna <b>de</b> Vries\"}]}",
             subject, PGO_VAULT_TAG_SYSTEM, subject, subject);
    put(e, json);
    /* Collected (meta.source), and own measurements (none). */
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Condition\",\"id\":\"cond-%s\",\"meta\":{\"source\":"
             "\"https://dva.test/fhir\",\"tag\":[{\"system\":\"%s\",\"code\":\"%s\"}]},"
             "\"code\":{\"text\":\"Diabetes <script>x</script>\"},\"subject\":{\"reference\":"
             "\"Patient/%s\"},\"onsetDateTime\":\"2020-02-03\"}",
             suffix, PGO_VAULT_TAG_SYSTEM, subject, subject);
    put(e, json);
    for (int i = 2; i >= 1; i--) {
        snprintf(json, sizeof json,
                 "{\"resourceType\":\"Observation\",\"id\":\"obs%d-%s\",\"meta\":{\"tag\":[{"
                 "\"system\":\"%s\",\"code\":\"%s\"}]},\"status\":\"final\",\"code\":{\"coding\":"
                 "[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":\"Body "
                 "weight\"}]},\"subject\":{\"reference\":\"Patient/%s\"},\"effectiveDateTime\":"
                 "\"2025-11-0%dT08:00:00Z\",\"valueQuantity\":{\"value\":7%d.5,\"unit\":\"kg\","
                 "\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}",
                 i, suffix, PGO_VAULT_TAG_SYSTEM, subject, subject, i, i);
        put(e, json);
    }
    /* A second version: the export holds the current one only. */
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Observation\",\"id\":\"obs2-%s\",\"meta\":{\"tag\":[{"
             "\"system\":\"%s\",\"code\":\"%s\"}]},\"status\":\"amended\",\"code\":{\"text\":"
             "\"Weight\"},\"subject\":{\"reference\":\"Patient/%s\"},\"effectiveDateTime\":"
             "\"2025-11-02T08:00:00Z\",\"valueQuantity\":{\"value\":80,\"unit\":\"kg\"}}",
             suffix, PGO_VAULT_TAG_SYSTEM, subject, subject);
    put(e, json);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/regie-export-XXXXXX");
    if (!mkdtemp(e->dir)) return -1;
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/vault.db", e->dir);
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    cfg.durable = false;
    if (!(e->store = store_sqlite_open(&cfg, err, sizeof err))) return -1;
    struct rest_config rc;
    rest_config_defaults(&rc);
    rc.store = e->store;
    rc.base_url = "https://pgo.test/fhir";
    if (!(e->rest = rest_new(&rc))) return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    rest_free(e->rest);
    e->store->ops->close(e->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    if (system(cmd) != 0) return -1;
    free(e);
    return 0;
}

static json_object *report_json(void)
{
    const char *text = "{\"providers\":[{\"provider\":\"huisartsdelinde@medmij\",\"display\":"
                       "\"Huisarts De Linde\",\"service\":\"48\",\"service_name\":\"BgZ\","
                       "\"resource_endpoint\":\"https://dva.test/fhir\"}],\"shares\":[]}";
    enum jsonx_err je;
    return jsonx_parse(text, strlen(text), 16, &je, NULL, 0);
}

static uint8_t *export_of(struct env *e, const char *subject, const char *username, size_t *len)
{
    json_object *report = report_json();
    struct pgo_export_in in = {.store = e->store,
                               .subject = subject,
                               .username = username,
                               .base = "https://pgo.test/fhir",
                               .now = NOW,
                               .report = report};
    uint8_t *zip;
    char err[256];
    assert_int_equal(pgo_export(&in, &zip, len, NULL, err, sizeof err), 0);
    json_object_put(report);
    return zip;
}

static json_object *entry_json(const struct zip_archive *a, const char *name)
{
    const struct zip_entry *e = zip_find(a, name);
    assert_non_null(e);
    enum jsonx_err je;
    json_object *v = jsonx_parse((const char *)e->data, e->len, 128, &je, NULL, 0);
    assert_non_null(v);
    return v;
}

static void export_contents(void **state)
{
    struct env *e = *state;
    seed(e, ALICE, "a");
    seed(e, BOB, "b");
    size_t len, len2;
    uint8_t *zip = export_of(e, ALICE, "alice", &len);
    uint8_t *zip2 = export_of(e, ALICE, "alice", &len2);
    /* The same content at the same time: the same bytes. */
    assert_int_equal(len, len2);
    assert_memory_equal(zip, zip2, len);
    free(zip2);
    struct zip_archive a;
    char why[200];
    assert_int_equal(zip_read(zip, len, NULL, &a, why, sizeof why), ZIP_OK);
    static const char *const names[] = {"bundle.json",
                                        "manifest.json",
                                        "ndjson/Condition.ndjson",
                                        "ndjson/Observation.ndjson",
                                        "ndjson/Patient.ndjson",
                                        "report.json",
                                        "summary.html"};
    assert_int_equal(a.n, 7);
    for (size_t i = 0; i < 7; i++) assert_string_equal(a.entries[i].name, names[i]);
    /* Nothing of Bob's anywhere. */
    for (size_t i = 0; i < a.n; i++) assert_null(strstr((const char *)a.entries[i].data, BOB));

    json_object *bundle = entry_json(&a, "bundle.json");
    assert_string_equal(jsonx_get_str(bundle, "type"), "collection");
    assert_string_equal(jsonx_get_str(bundle, "timestamp"), "2025-12-01T12:00:00.000Z");
    json_object *entries = jsonx_get(bundle, "entry");
    assert_int_equal(json_object_array_length(entries), 4);
    static const char *const urls[] = {
        "https://pgo.test/fhir/Condition/cond-a", "https://pgo.test/fhir/Observation/obs1-a",
        "https://pgo.test/fhir/Observation/obs2-a", "https://pgo.test/fhir/Patient/" ALICE};
    for (size_t i = 0; i < 4; i++) {
        json_object *en = json_object_array_get_idx(entries, i);
        assert_string_equal(jsonx_get_str(en, "fullUrl"), urls[i]);
        json_object *meta = jsonx_get(jsonx_get(en, "resource"), "meta");
        assert_null(jsonx_get(meta, "versionId"));
        assert_null(jsonx_get(meta, "lastUpdated"));
    }
    /* The current version only. */
    assert_string_equal(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(entries, 2), "resource"), "status"),
        "amended");
    json_object_put(bundle);

    const struct zip_entry *obs = zip_find(&a, "ndjson/Observation.ndjson");
    assert_non_null(obs);
    const char *nl = strchr((const char *)obs->data, '\n');
    assert_non_null(nl);
    assert_non_null(strstr((const char *)obs->data, "\"id\":\"obs1-a\""));
    assert_true(strstr((const char *)obs->data, "obs1-a") <
                strstr((const char *)obs->data, "obs2-a"));
    assert_int_equal(obs->data[obs->len - 1], '\n');

    json_object *m = entry_json(&a, "manifest.json");
    assert_string_equal(jsonx_get_str(m, "format"), PGO_EXPORT_FORMAT);
    assert_string_equal(jsonx_get_str(m, "username"), "alice");
    assert_string_equal(jsonx_get_str(m, "exported_at"), "2025-12-01T12:00:00.000Z");
    assert_int_equal(json_object_get_int(jsonx_get(jsonx_get(m, "counts"), "Observation")), 2);
    assert_int_equal(json_object_get_int(jsonx_get(jsonx_get(m, "counts"), "Patient")), 1);
    assert_int_equal(json_object_get_int(jsonx_get(m, "resources")), 4);
    json_object *files = jsonx_get(m, "files");
    assert_int_equal(json_object_array_length(files), 6);
    for (size_t i = 0; i < 6; i++) {
        json_object *f = json_object_array_get_idx(files, i);
        const struct zip_entry *z = zip_find(&a, jsonx_get_str(f, "name"));
        assert_non_null(z);
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(z->data, z->len, md);
        char hex[65];
        for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", md[k]);
        assert_string_equal(jsonx_get_str(f, "sha256"), hex);
        assert_int_equal(json_object_get_int64(jsonx_get(f, "bytes")), (int64_t)z->len);
    }
    json_object_put(m);

    json_object *report = entry_json(&a, "report.json"), *given = report_json();
    assert_true(json_object_equal(report, given));
    json_object_put(report);
    json_object_put(given);

    const char *html = (const char *)zip_find(&a, "summary.html")->data;
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "Diabetes &lt;script&gt;x&lt;/script&gt;"));
    assert_non_null(strstr(html, "Anna &lt;b&gt;de&lt;/b&gt; Vries"));
    assert_non_null(strstr(html, "Problemen"));
    assert_non_null(strstr(html, "Eigen metingen"));
    assert_non_null(strstr(html, "Huisarts De Linde")); /* the source of the Condition */
    assert_non_null(strstr(html, "71.5 kg"));
    zip_archive_free(&a);
    /* `unzip -t` (when installed) accepts the export as it is. */
    if (access("/usr/bin/unzip", X_OK) == 0) {
        char path[] = "/tmp/regie-export-zip-XXXXXX", cmd[128];
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, zip, len), (ssize_t)len);
        close(fd);
        snprintf(cmd, sizeof cmd, "/usr/bin/unzip -tqq %s >/dev/null 2>&1", path);
        assert_int_equal(system(cmd), 0);
        unlink(path);
    }
    free(zip);
}

static enum pgo_import_rc import(struct env *e, const char *subject, const uint8_t *zip, size_t len,
                                 struct pgo_import_result *res, char *err)
{
    struct pgo_import_in in = {.store = e->store, .vault = e->rest, .subject = subject};
    return pgo_import(&in, zip, len, res, err, 256);
}

/* Rebuilds an export with one file replaced (and the manifest as it was, or as given). */
static uint8_t *rebuild(const struct zip_archive *a, const char *name, const char *text,
                        const char *extra, size_t *len)
{
    struct zip_writer *w = zip_writer_new(NOW);
    for (size_t i = 0; i < a->n; i++) {
        const struct zip_entry *z = &a->entries[i];
        bool swap = name && !strcmp(z->name, name);
        assert_int_equal(zip_writer_add(w, z->name, swap ? text : (const char *)z->data,
                                        swap ? strlen(text) : z->len),
                         ZIP_OK);
    }
    if (extra) assert_int_equal(zip_writer_add(w, extra, "x", 1), ZIP_OK);
    uint8_t *out;
    assert_int_equal(zip_writer_finish(w, &out, len), ZIP_OK);
    return out;
}

static size_t owned_count(struct env *e, const char *subject)
{
    json_object *all = pgo_export_resources(e->store, subject);
    size_t n = json_object_array_length(all);
    json_object_put(all);
    return n;
}

static void import_checks_and_rewrites(void **state)
{
    struct env *e = *state;
    seed(e, ALICE, "a");
    size_t len;
    uint8_t *zip = export_of(e, ALICE, "alice", &len);
    struct zip_archive a;
    assert_int_equal(zip_read(zip, len, NULL, &a, NULL, 0), ZIP_OK);
    struct pgo_import_result res;
    char err[256];
    /* Damage of every kind: refused, nothing stored. */
    assert_int_equal(import(e, BOB, (const uint8_t *)"PK\3\4junk", 9, &res, err), PGO_IMPORT_BAD);
    size_t blen;
    uint8_t *bad = rebuild(&a, "bundle.json", "{\"resourceType\":\"Bundle\"}", NULL, &blen);
    assert_int_equal(import(e, BOB, bad, blen, &res, err), PGO_IMPORT_BAD);
    assert_non_null(strstr(err, "SHA-256"));
    free(bad);
    bad = rebuild(&a, NULL, NULL, "extra.txt", &blen);
    assert_int_equal(import(e, BOB, bad, blen, &res, err), PGO_IMPORT_BAD);
    free(bad);
    bad = rebuild(&a, "manifest.json", "{\"format\":\"other/1\",\"files\":[]}", NULL, &blen);
    assert_int_equal(import(e, BOB, bad, blen, &res, err), PGO_IMPORT_BAD);
    free(bad);
    assert_int_equal(owned_count(e, BOB), 0);

    /* Into Bob's account on the same vault: Alice's ids are hers, so Bob's copies get their own. */
    assert_int_equal(import(e, BOB, zip, len, &res, err), PGO_IMPORT_OK);
    assert_int_equal(json_object_get_int(jsonx_get(res.imported, "Observation")), 2);
    assert_int_equal(json_object_get_int(jsonx_get(res.imported, "Patient")), 1);
    assert_int_equal(res.unchanged, 0);
    json_object *providers = jsonx_get(res.report, "providers");
    assert_int_equal(json_object_array_length(providers), 1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(providers, 0), "provider"),
                        "huisartsdelinde@medmij");
    assert_null(jsonx_get(json_object_array_get_idx(providers, 0), "resource_endpoint"));
    pgo_import_result_clear(&res);
    assert_int_equal(owned_count(e, BOB), 4);
    assert_int_equal(owned_count(e, ALICE), 4);
    json_object *bobs = pgo_export_resources(e->store, BOB);
    const char *text = jsonx_text(bobs, false, NULL);
    assert_null(strstr(text, ALICE));
    assert_non_null(strstr(text, "\"reference\":\"Patient/" BOB "\""));
    assert_non_null(strstr(text, "\"source\":\"https://dva.test/fhir\""));
    json_object_put(bobs);
    /* Again: all unchanged, nothing written. */
    assert_int_equal(import(e, BOB, zip, len, &res, err), PGO_IMPORT_OK);
    assert_int_equal(res.unchanged, 4);
    assert_int_equal(json_object_object_length(res.imported), 0);
    pgo_import_result_clear(&res);
    zip_archive_free(&a);
    free(zip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(export_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(import_checks_and_rewrites, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
