/* The export zip of one account (export.h): the account's resources found by the vault-owner
 * tag, written as a Bundle, NDJSON per type, a summary page, the caller's report and a manifest of
 * hashes. */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "pgo/backchannel.h"
#include "pgo/export.h"
#include "util/buf.h"
#include "util/fhirtime.h"
#include "util/log.h"
#include "util/zip.h"

#define JSON_DEPTH 128
#define PAGE       1000
#define TEXT_MAX   ((size_t)ZIP_ENTRY_SIZE_MAX)

struct gather {
    json_object *arr;
    bool failed;
};

static int add_row(void *ctx, const struct store_row *row)
{
    struct gather *g = ctx;
    enum jsonx_err je;
    json_object *v =
        row->json ? jsonx_parse(row->json, row->json_len, JSON_DEPTH, &je, NULL, 0) : NULL;
    if (!v) {
        log_bug("pgo export: %s/%s does not parse", row->type, row->id);
        g->failed = true;
        return 1;
    }
    /* The vault's bookkeeping is not the patient's content; a new vault sets its own. */
    json_object *meta = jsonx_get(v, "meta");
    if (meta) {
        json_object_object_del(meta, "versionId");
        json_object_object_del(meta, "lastUpdated");
    }
    json_object_array_add(g->arr, v);
    return 0;
}

json_object *pgo_export_resources(struct store *store, const char *subject)
{
    struct gather g = {.arr = json_object_new_array()};
    struct store_value tag = {.system = PGO_VAULT_TAG_SYSTEM, .code = subject};
    struct store_clause owned = {.kind = STORE_Q_IX,
                                 .ix_kind = STORE_IX_TOKEN,
                                 .param = "_tag",
                                 .values = &tag,
                                 .nvalues = 1};
    /* One tag search per type (each an index lookup), types in alphabetical order, ids sorted. */
    for (size_t t = 0; !g.failed && t < fhir_resource_type_count(); t++) {
        for (size_t offset = 0;; offset += PAGE) {
            struct store_search_q q = {.type = fhir_resource_type_name(t),
                                       .clauses = &owned,
                                       .nclauses = 1,
                                       .sort = {{.param = "_id"}},
                                       .nsort = 1,
                                       .count = PAGE,
                                       .offset = offset};
            bool more = false;
            if (store->ops->search(store, &q, add_row, &g, NULL, &more) != STORE_OK)
                g.failed = true;
            if (g.failed || !more) break;
        }
    }
    if (g.failed) {
        json_object_put(g.arr);
        return NULL;
    }
    return g.arr;
}

/* ---- the files ---- */

struct file {
    char name[ZIP_NAME_MAX + 1];
    struct buf text;
};

struct files {
    struct file *f;
    size_t n, cap;
};

static struct buf *file_new(struct files *fs, const char *name)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 16;
        struct file *grown = realloc(fs->f, cap * sizeof *grown);
        if (!grown) return NULL;
        fs->f = grown;
        fs->cap = cap;
    }
    struct file *f = &fs->f[fs->n++];
    snprintf(f->name, sizeof f->name, "%s", name);
    buf_init(&f->text, TEXT_MAX);
    return &f->text;
}

static void files_free(struct files *fs)
{
    for (size_t i = 0; i < fs->n; i++) buf_free(&fs->f[i].text);
    free(fs->f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct file *)a)->name, ((const struct file *)b)->name);
}

static int append_json(struct buf *b, json_object *v, bool pretty)
{
    size_t n;
    const char *text = jsonx_text(v, pretty, &n);
    return text ? buf_append(b, text, n) : -1;
}

/* ndjson/<Type>.ndjson for each type present, and the counts per type. */
static int write_ndjson(struct files *fs, json_object *resources, json_object *counts)
{
    struct buf *cur = NULL;
    const char *cur_type = "";
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(resources); i++) {
        json_object *r = json_object_array_get_idx(resources, i);
        const char *type = jsonx_get_str(r, "resourceType");
        if (!type) return -1;
        if (strcmp(type, cur_type) != 0) {
            if (cur) json_object_object_add(counts, cur_type, json_object_new_int64((int64_t)n));
            char name[ZIP_NAME_MAX + 1];
            snprintf(name, sizeof name, "ndjson/%s.ndjson", type);
            if (!(cur = file_new(fs, name))) return -1;
            cur_type = type;
            n = 0;
        }
        if (append_json(cur, r, false) != 0 || buf_append_char(cur, '\n') != 0) return -1;
        n++;
    }
    if (cur) json_object_object_add(counts, cur_type, json_object_new_int64((int64_t)n));
    return 0;
}

static int write_bundle(struct files *fs, json_object *resources, const char *base,
                        const char *exported_at)
{
    json_object *bundle = json_object_new_object();
    json_object_object_add(bundle, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(bundle, "type", json_object_new_string("collection"));
    json_object_object_add(bundle, "timestamp", json_object_new_string(exported_at));
    json_object *entries = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(resources); i++) {
        json_object *r = json_object_array_get_idx(resources, i);
        char url[512];
        snprintf(url, sizeof url, "%s/%s/%s", base, jsonx_get_str(r, "resourceType"),
                 jsonx_get_str(r, "id") ? jsonx_get_str(r, "id") : "");
        json_object *e = json_object_new_object();
        json_object_object_add(e, "fullUrl", json_object_new_string(url));
        json_object_object_add(e, "resource", json_object_get(r));
        json_object_array_add(entries, e);
    }
    json_object_object_add(bundle, "entry", entries);
    struct buf *b = file_new(fs, "bundle.json");
    int rc = b && append_json(b, bundle, true) == 0 && buf_append_char(b, '\n') == 0 ? 0 : -1;
    json_object_put(bundle);
    return rc;
}

static int write_text(struct files *fs, const char *name, const char *text)
{
    struct buf *b = file_new(fs, name);
    return b && text && buf_append_str(b, text) == 0 ? 0 : -1;
}

static void sha256_hex(const void *data, size_t len, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    for (size_t i = 0; i < sizeof md; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int write_manifest(struct files *fs, const struct pgo_export_in *in, const char *exported_at,
                          json_object *counts, size_t total)
{
    qsort(fs->f, fs->n, sizeof *fs->f, by_name);
    json_object *m = json_object_new_object();
    json_object_object_add(m, "format", json_object_new_string(PGO_EXPORT_FORMAT));
    json_object_object_add(m, "exported_at", json_object_new_string(exported_at));
    json_object_object_add(m, "username", json_object_new_string(in->username));
    json_object_object_add(m, "resources", json_object_new_int64((int64_t)total));
    json_object_object_add(m, "counts", json_object_get(counts));
    json_object *files = json_object_new_array();
    for (size_t i = 0; i < fs->n; i++) {
        char hex[2 * SHA256_DIGEST_LENGTH + 1];
        sha256_hex(fs->f[i].text.data ? fs->f[i].text.data : "", fs->f[i].text.len, hex);
        json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(fs->f[i].name));
        json_object_object_add(f, "bytes", json_object_new_int64((int64_t)fs->f[i].text.len));
        json_object_object_add(f, "sha256", json_object_new_string(hex));
        json_object_array_add(files, f);
    }
    json_object_object_add(m, "files", files);
    struct buf *b = file_new(fs, "manifest.json");
    int rc = b && append_json(b, m, true) == 0 && buf_append_char(b, '\n') == 0 ? 0 : -1;
    json_object_put(m);
    qsort(fs->f, fs->n, sizeof *fs->f, by_name);
    return rc;
}

int pgo_export(const struct pgo_export_in *in, uint8_t **zip, size_t *len, size_t *resources,
               char *err, size_t err_len)
{
    *zip = NULL;
    *len = 0;
    json_object *res = pgo_export_resources(in->store, in->subject);
    if (!res) {
        snprintf(err, err_len, "the vault could not be read");
        return -1;
    }
    size_t total = json_object_array_length(res);
    if (resources) *resources = total;
    char exported_at[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(in->now * 1000000, exported_at);
    struct files fs = {0};
    json_object *counts = json_object_new_object();
    char *summary = pgo_export_summary(res, in->report, in->username, in->subject, exported_at);
    json_object *report = in->report ? in->report : json_object_new_object();
    int rc = write_bundle(&fs, res, in->base, exported_at);
    if (rc == 0) rc = write_ndjson(&fs, res, counts);
    if (rc == 0) rc = write_text(&fs, "summary.html", summary);
    if (rc == 0) {
        struct buf *b = file_new(&fs, "report.json");
        rc = b && append_json(b, report, true) == 0 && buf_append_char(b, '\n') == 0 ? 0 : -1;
    }
    if (rc == 0) rc = write_manifest(&fs, in, exported_at, counts, total);
    free(summary);
    if (!in->report) json_object_put(report);
    json_object_put(counts);
    json_object_put(res);
    struct zip_writer *w = rc == 0 ? zip_writer_new(in->now) : NULL;
    for (size_t i = 0; w && rc == 0 && i < fs.n; i++)
        if (zip_writer_add(w, fs.f[i].name, fs.f[i].text.data ? fs.f[i].text.data : "",
                           fs.f[i].text.len) != ZIP_OK)
            rc = -1;
    files_free(&fs);
    if (!w || rc != 0) {
        zip_writer_free(w);
        snprintf(err, err_len, "the export is larger than a zip of %u MiB may be",
                 ZIP_TOTAL_SIZE_MAX >> 20);
        return -1;
    }
    if (zip_writer_finish(w, zip, len) != ZIP_OK) {
        snprintf(err, err_len, "the zip could not be written");
        return -1;
    }
    return 0;
}
