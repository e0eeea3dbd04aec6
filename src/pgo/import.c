/* An export read back into an account's vault (export.h): the zip through the strict reader, the
 * manifest's hashes checked, the resources made the account's (ids, references, tags), and
 * everything that changed written in one transaction Bundle, so a failure stores nothing. */
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "pgo/backchannel.h"
#include "pgo/export.h"
#include "util/log.h"
#include "util/zip.h"

#define JSON_DEPTH       128
#define IMPORT_FILES_MAX 512         /* an export has ~150 types at most, and four files */
#define IMPORT_FILE_MAX  (64u << 20) /* bytes of one file inflated (bundle.json is parsed whole) */
#define REF_MAX          (STORE_TYPE_MAX + STORE_ID_MAX + 1)

void pgo_import_result_clear(struct pgo_import_result *r)
{
    json_object_put(r->imported);
    json_object_put(r->report);
    memset(r, 0, sizeof *r);
}

/* One resource of the export and where it goes. */
struct res {
    json_object *r; /* borrowed from the Bundle */
    const char *type;
    char old_id[STORE_ID_MAX];
    char new_id[STORE_ID_MAX];
};

/* "Type/old" -> "Type/new" for every resource whose id changes. */
struct ref_map {
    char from[REF_MAX];
    char to[REF_MAX];
};

struct import {
    const struct pgo_import_in *in;
    struct res *res;
    size_t n;
    struct ref_map *refs;
    size_t nrefs;
    char old_subject[STORE_ID_MAX]; /* "" when the export has no account Patient */
    char *err;
    size_t err_len;
};

__attribute__((format(printf, 3, 4))) static enum pgo_import_rc
bad(struct import *im, enum pgo_import_rc rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->err, im->err_len, fmt, ap);
    va_end(ap);
    return rc;
}

static bool id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= STORE_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* ---- the manifest ---- */

static json_object *parse_entry(const struct zip_entry *e)
{
    enum jsonx_err je;
    return e && e->data ? jsonx_parse((const char *)e->data, e->len, JSON_DEPTH, &je, NULL, 0)
                        : NULL;
}

static enum pgo_import_rc check_manifest(struct import *im, const struct zip_archive *a)
{
    json_object *m = parse_entry(zip_find(a, "manifest.json"));
    const char *format = jsonx_get_str(m, "format");
    if (!m || !format || strcmp(format, PGO_EXPORT_FORMAT) != 0) {
        json_object_put(m);
        return bad(im, PGO_IMPORT_BAD, "not a regie export (%s)", PGO_EXPORT_FORMAT);
    }
    json_object *files = jsonx_get(m, "files");
    size_t listed =
        files && json_object_is_type(files, json_type_array) ? json_object_array_length(files) : 0;
    enum pgo_import_rc rc = PGO_IMPORT_OK;
    for (size_t i = 0; rc == PGO_IMPORT_OK && i < listed; i++) {
        json_object *f = json_object_array_get_idx(files, i);
        const char *name = jsonx_get_str(f, "name"), *sha = jsonx_get_str(f, "sha256");
        const struct zip_entry *e = name ? zip_find(a, name) : NULL;
        if (!e || !sha || strlen(sha) != 2 * SHA256_DIGEST_LENGTH ||
            !strcmp(name, "manifest.json")) {
            rc = bad(im, PGO_IMPORT_BAD, "the manifest lists a file the zip does not hold");
            break;
        }
        unsigned char md[SHA256_DIGEST_LENGTH];
        SHA256(e->data ? e->data : (const uint8_t *)"", e->len, md);
        char hex[2 * SHA256_DIGEST_LENGTH + 1];
        for (size_t k = 0; k < sizeof md; k++) snprintf(hex + 2 * k, 3, "%02x", md[k]);
        if (strcmp(hex, sha) != 0)
            rc = bad(im, PGO_IMPORT_BAD, "%s does not match its SHA-256 in the manifest", name);
    }
    /* Nothing unlisted rides along: every entry but the manifest is listed (names are unique). */
    size_t files_in_zip = 0;
    for (size_t i = 0; i < a->n; i++) files_in_zip += !a->entries[i].dir;
    if (rc == PGO_IMPORT_OK && files_in_zip != listed + 1)
        rc = bad(im, PGO_IMPORT_BAD, "the zip holds files the manifest does not list");
    if (rc == PGO_IMPORT_OK && !zip_find(a, "bundle.json"))
        rc = bad(im, PGO_IMPORT_BAD, "the export has no bundle.json");
    json_object_put(m);
    return rc;
}

/* ---- the resources ---- */

static bool owner_tag(json_object *r, const char *code)
{
    json_object *tags = jsonx_get(jsonx_get(r, "meta"), "tag");
    for (size_t i = 0;
         tags && json_object_is_type(tags, json_type_array) && i < json_object_array_length(tags);
         i++) {
        json_object *t = json_object_array_get_idx(tags, i);
        const char *s = jsonx_get_str(t, "system"), *c = jsonx_get_str(t, "code");
        if (s && c && !strcmp(s, PGO_VAULT_TAG_SYSTEM) && (!code || !strcmp(c, code))) return true;
    }
    return false;
}

static enum pgo_import_rc read_bundle(struct import *im, json_object *bundle)
{
    const char *rt = jsonx_get_str(bundle, "resourceType"), *type = jsonx_get_str(bundle, "type");
    json_object *entries = jsonx_get(bundle, "entry");
    if (!rt || strcmp(rt, "Bundle") || !type || strcmp(type, "collection"))
        return bad(im, PGO_IMPORT_BAD, "bundle.json is not a collection Bundle");
    size_t n = entries && json_object_is_type(entries, json_type_array)
                   ? json_object_array_length(entries)
                   : 0;
    im->res = calloc(n ? n : 1, sizeof *im->res);
    if (!im->res) return bad(im, PGO_IMPORT_FAILED, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *r = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        const char *t = jsonx_get_str(r, "resourceType"), *id = jsonx_get_str(r, "id");
        if (!t || !fhir_is_resource_type(t) || !id_ok(id))
            return bad(im, PGO_IMPORT_BAD, "entry %zu of bundle.json is not a resource with an id",
                       i);
        struct res *x = &im->res[im->n++];
        x->r = r;
        x->type = t;
        snprintf(x->old_id, sizeof x->old_id, "%s", id);
        /* The exported account's own Patient: its id is the code of its own owner tag. */
        if (!im->old_subject[0] && !strcmp(t, "Patient") && owner_tag(r, id))
            snprintf(im->old_subject, sizeof im->old_subject, "%s", id);
    }
    return PGO_IMPORT_OK;
}

static int by_from(const void *a, const void *b)
{
    return strcmp(((const struct ref_map *)a)->from, ((const struct ref_map *)b)->from);
}

static int by_type_id(const void *a, const void *b)
{
    const struct res *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    return c ? c : strcmp(x->new_id, y->new_id);
}

/* Where each resource goes: the account's Patient to the account's subject; an id that is free, or
 * already this account's, stays; an id another account holds gets an id derived from this account
 * and the old id (the same on every import, so a second import finds its first). */
static enum pgo_import_rc place(struct import *im)
{
    const char *subject = im->in->subject;
    struct store *s = im->in->store;
    im->refs = calloc(im->n + 1, sizeof *im->refs);
    if (!im->refs) return bad(im, PGO_IMPORT_FAILED, "out of memory");
    for (size_t i = 0; i < im->n; i++) {
        struct res *x = &im->res[i];
        bool own = im->old_subject[0] && !strcmp(x->type, "Patient") &&
                   !strcmp(x->old_id, im->old_subject);
        bool keep = false;
        if (own) {
            snprintf(x->new_id, sizeof x->new_id, "%s", subject);
        } else if (!(strcmp(x->type, "Patient") == 0 && strcmp(x->old_id, subject) == 0)) {
            struct store_row row = {0};
            enum store_rc rc = s->ops->read(s, x->type, x->old_id, &row);
            if (rc == STORE_NONE) keep = true;
            if (rc == STORE_OK && !row.deleted && row.json) {
                enum jsonx_err je;
                json_object *cur = jsonx_parse(row.json, row.json_len, JSON_DEPTH, &je, NULL, 0);
                keep = cur && owner_tag(cur, subject);
                json_object_put(cur);
            }
            store_row_clear(&row);
            if (rc < 0) return bad(im, PGO_IMPORT_FAILED, "the vault could not be read");
        }
        if (keep) snprintf(x->new_id, sizeof x->new_id, "%s", x->old_id);
        if (!own && !keep) {
            char id[UUID_STR_LEN];
            if (pgo_local_id(subject, "import", x->type, x->old_id, id) != 0)
                return bad(im, PGO_IMPORT_FAILED, "out of memory");
            snprintf(x->new_id, sizeof x->new_id, "%s", id);
        }
        if (strcmp(x->old_id, x->new_id) != 0) {
            struct ref_map *m = &im->refs[im->nrefs++];
            snprintf(m->from, sizeof m->from, "%s/%s", x->type, x->old_id);
            snprintf(m->to, sizeof m->to, "%s/%s", x->type, x->new_id);
        }
    }
    qsort(im->refs, im->nrefs, sizeof *im->refs, by_from);
    for (size_t i = 1; i < im->nrefs; i++)
        if (!strcmp(im->refs[i - 1].from, im->refs[i].from))
            return bad(im, PGO_IMPORT_BAD, "%s occurs twice in bundle.json", im->refs[i].from);
    /* Sorted by where they go, so a repeat shows and the writes come in a stable order. */
    qsort(im->res, im->n, sizeof *im->res, by_type_id);
    for (size_t i = 1; i < im->n; i++)
        if (!by_type_id(&im->res[i - 1], &im->res[i]))
            return bad(im, PGO_IMPORT_BAD, "%s/%s occurs twice in bundle.json", im->res[i].type,
                       im->res[i].new_id);
    return PGO_IMPORT_OK;
}

/* A string naming a moved resource ("Type/id", or an absolute URL ending in it) names it where it
 * is now; the exported account's subject becomes the importing account's (the owner tag, the
 * account identifier). */
static void rewrite_string(struct import *im, json_object *v)
{
    const char *s = json_object_get_string(v);
    if (im->old_subject[0] && !strcmp(s, im->old_subject)) {
        json_object_set_string(v, im->in->subject);
        return;
    }
    const char *last = strrchr(s, '/');
    if (!last || last == s) return;
    const char *key = last;
    while (key > s && key[-1] != '/') key--;
    struct ref_map probe;
    if (strlen(key) >= sizeof probe.from) return;
    snprintf(probe.from, sizeof probe.from, "%s", key);
    const struct ref_map *m = bsearch(&probe, im->refs, im->nrefs, sizeof *im->refs, by_from);
    if (!m) return;
    size_t prefix = (size_t)(key - s);
    size_t cap = prefix + strlen(m->to) + 1;
    char *to = malloc(cap);
    if (!to) return;
    snprintf(to, cap, "%.*s%s", (int)prefix, s, m->to);
    json_object_set_string(v, to);
    free(to);
}

static void rewrite(struct import *im, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        rewrite_string(im, v);
        break;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++)
            rewrite(im, json_object_array_get_idx(v, i));
        break;
    case json_type_object: {
        json_object_object_foreach(v, key, member)
        {
            (void)key;
            rewrite(im, member);
        }
        break;
    }
    default:
        break;
    }
}

/* meta: no vault bookkeeping, and the importing account's owner tag only. */
static void own_meta(json_object *r, const char *subject)
{
    json_object *meta = jsonx_get(r, "meta");
    if (!meta) {
        meta = json_object_new_object();
        json_object_object_add(r, "meta", meta);
    }
    json_object_object_del(meta, "versionId");
    json_object_object_del(meta, "lastUpdated");
    json_object *tags = json_object_new_array(), *old = jsonx_get(meta, "tag");
    for (size_t i = 0;
         old && json_object_is_type(old, json_type_array) && i < json_object_array_length(old);
         i++) {
        json_object *t = json_object_array_get_idx(old, i);
        const char *s = jsonx_get_str(t, "system");
        if (!s || strcmp(s, PGO_VAULT_TAG_SYSTEM) != 0)
            json_object_array_add(tags, json_object_get(t));
    }
    json_object *tag = json_object_new_object();
    json_object_object_add(tag, "system", json_object_new_string(PGO_VAULT_TAG_SYSTEM));
    json_object_object_add(tag, "code", json_object_new_string(subject));
    json_object_array_add(tags, tag);
    json_object_object_add(meta, "tag", tags);
}

/* The account's Patient keeps the links it has (to Patient copies it collected itself). */
static void merge_links(json_object *into, json_object *had)
{
    json_object *had_links = jsonx_get(had, "link");
    if (!had_links || !json_object_is_type(had_links, json_type_array)) return;
    json_object *links = jsonx_get(into, "link");
    if (!links || !json_object_is_type(links, json_type_array)) {
        links = json_object_new_array();
        json_object_object_add(into, "link", links);
    }
    for (size_t i = 0; i < json_object_array_length(had_links); i++) {
        json_object *l = json_object_array_get_idx(had_links, i);
        const char *ref = jsonx_get_str(jsonx_get(l, "other"), "reference");
        bool present = false;
        for (size_t k = 0; ref && !present && k < json_object_array_length(links); k++) {
            const char *o =
                jsonx_get_str(jsonx_get(json_object_array_get_idx(links, k), "other"), "reference");
            present = o && !strcmp(o, ref);
        }
        if (ref && !present) json_object_array_add(links, json_object_get(l));
    }
}

/* The vault's current version of a resource of this account, without bookkeeping; NULL when it
 * holds none (or not this account's). */
static json_object *current(struct import *im, const char *type, const char *id)
{
    struct store_row row = {0};
    json_object *cur = NULL;
    if (im->in->store->ops->read(im->in->store, type, id, &row) == STORE_OK && !row.deleted &&
        row.json) {
        enum jsonx_err je;
        cur = jsonx_parse(row.json, row.json_len, JSON_DEPTH, &je, NULL, 0);
    }
    store_row_clear(&row);
    if (cur && !owner_tag(cur, im->in->subject)) {
        json_object_put(cur);
        return NULL;
    }
    json_object *meta = jsonx_get(cur, "meta");
    if (meta) {
        json_object_object_del(meta, "versionId");
        json_object_object_del(meta, "lastUpdated");
    }
    return cur;
}

static json_object *providers_of(const struct zip_archive *a)
{
    json_object *report = parse_entry(zip_find(a, "report.json"));
    json_object *out = json_object_new_object(), *list = json_object_new_array();
    json_object *providers = jsonx_get(report, "providers");
    static const char *const keep[] = {"provider", "display", "service", "service_name"};
    for (size_t i = 0; providers && json_object_is_type(providers, json_type_array) &&
                       i < json_object_array_length(providers);
         i++) {
        json_object *p = json_object_array_get_idx(providers, i), *q = json_object_new_object();
        for (size_t k = 0; k < sizeof keep / sizeof *keep; k++) {
            const char *v = jsonx_get_str(p, keep[k]);
            json_object_object_add(q, keep[k], v ? json_object_new_string(v) : NULL);
        }
        json_object_array_add(list, q);
    }
    json_object_object_add(out, "providers", list);
    json_object_put(report);
    return out;
}

/* Prepares every resource, counts the unchanged ones, and writes the rest in one transaction. */
static enum pgo_import_rc store_all(struct import *im, struct pgo_import_result *out)
{
    json_object *tx = json_object_new_object(), *entries = json_object_new_array();
    json_object_object_add(tx, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(tx, "type", json_object_new_string("transaction"));
    json_object_object_add(tx, "entry", entries);
    out->imported = json_object_new_object();
    for (size_t i = 0; i < im->n; i++) {
        struct res *x = &im->res[i];
        rewrite(im, x->r);
        json_object_object_add(x->r, "id", json_object_new_string(x->new_id));
        own_meta(x->r, im->in->subject);
        json_object *cur = current(im, x->type, x->new_id);
        if (!strcmp(x->type, "Patient") && !strcmp(x->new_id, im->in->subject))
            merge_links(x->r, cur);
        bool same = cur && json_object_equal(cur, x->r);
        json_object_put(cur);
        if (same) {
            out->unchanged++;
            continue;
        }
        char url[REF_MAX];
        snprintf(url, sizeof url, "%s/%s", x->type, x->new_id);
        json_object *e = json_object_new_object(), *req = json_object_new_object();
        json_object_object_add(req, "method", json_object_new_string("PUT"));
        json_object_object_add(req, "url", json_object_new_string(url));
        json_object_object_add(e, "resource", json_object_get(x->r));
        json_object_object_add(e, "request", req);
        json_object_array_add(entries, e);
        json_object *n = jsonx_get(out->imported, x->type);
        json_object_object_add(out->imported, x->type,
                               json_object_new_int64(n ? json_object_get_int64(n) + 1 : 1));
    }
    enum pgo_import_rc rc = PGO_IMPORT_OK;
    if (json_object_array_length(entries) > 0) {
        json_object *response = NULL;
        struct rg_fail f = {0};
        enum rg_err e = rest_process_bundle(im->in->vault, tx, &response, &f);
        json_object_put(response);
        if (e != RG_OK)
            rc = bad(im, rg_err_status(e) >= 500 ? PGO_IMPORT_FAILED : PGO_IMPORT_REFUSED,
                     "the vault refused the import: %s%s%s", f.detail,
                     f.expression[0] ? " at " : "", f.expression);
    }
    json_object_put(tx);
    return rc;
}

enum pgo_import_rc pgo_import(const struct pgo_import_in *in, const void *zip, size_t len,
                              struct pgo_import_result *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    struct import im = {.in = in, .err = err, .err_len = err_len};
    err[0] = '\0';
    struct zip_limits lim;
    zip_limits_default(&lim);
    lim.entries_max = IMPORT_FILES_MAX;
    lim.entry_size_max = IMPORT_FILE_MAX;
    struct zip_archive a;
    char why[200];
    enum zip_err ze = zip_read(zip, len, &lim, &a, why, sizeof why);
    if (ze != ZIP_OK)
        return bad(&im, ze == ZIP_E_NOMEM ? PGO_IMPORT_FAILED : PGO_IMPORT_BAD, "%s: %s",
                   zip_err_text(ze), why);
    enum pgo_import_rc rc = check_manifest(&im, &a);
    json_object *bundle = NULL;
    if (rc == PGO_IMPORT_OK) {
        const struct zip_entry *e = zip_find(&a, "bundle.json");
        enum jsonx_err je;
        char msg[160];
        bundle = jsonx_parse((const char *)e->data, e->len, JSON_DEPTH, &je, msg, sizeof msg);
        rc = bundle ? read_bundle(&im, bundle)
                    : bad(&im, PGO_IMPORT_BAD, "bundle.json is not JSON: %s", msg);
    }
    if (rc == PGO_IMPORT_OK) rc = place(&im);
    if (rc == PGO_IMPORT_OK) rc = store_all(&im, out);
    if (rc == PGO_IMPORT_OK) out->report = providers_of(&a);
    if (rc != PGO_IMPORT_OK) pgo_import_result_clear(out);
    json_object_put(bundle);
    free(im.res);
    free(im.refs);
    zip_archive_free(&a);
    return rc;
}
