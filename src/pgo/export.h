/* Everything of one PGO account as one zip (docs/pgo.md "Export"), and that zip read back into an
 * account's vault (docs/pgo.md "Import"). The API routes are api_port.c; these functions know the
 * store and the format, not HTTP.
 *
 * The archive (format PGO_EXPORT_FORMAT), entries sorted by name, each stamped with the export
 * time so the same content exported at the same instant gives the same bytes:
 *   bundle.json               a FHIR collection Bundle of the account's current resources (the
 *                             vault-owner tag), ordered by type then id, fullUrl <base>/<Type>/<id>
 *   manifest.json             format, exported_at, username, counts per type, size and SHA-256 of
 *                             every other file
 *   ndjson/<Type>.ndjson      the same resources, one per line, one file per type
 *   report.json               the caller's report: providers and data services, shares (no tokens)
 *   summary.html              a readable summary in Dutch and English, no scripts
 * The vault's bookkeeping (meta.versionId, meta.lastUpdated) is left out: it is not the patient's
 * content and a new vault sets its own. */
#ifndef REGIE_PGO_EXPORT_H
#define REGIE_PGO_EXPORT_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "rest/rest.h"
#include "store/store.h"

#define PGO_EXPORT_FORMAT "regie-export/1"

struct pgo_export_in {
    struct store *store;
    const char *subject;  /* the account's subject: its Patient id and vault-owner tag code */
    const char *username; /* named in the manifest and the summary */
    const char *base;     /* fullUrl base without a trailing '/', e.g. "https://pgo.test/fhir" */
    int64_t now;          /* the export time, Unix seconds */
    json_object *report;  /* report.json (borrowed): {providers: [...], shares: [...]}; each
                             provider may carry resource_endpoint, which names the source of the
                             resources whose meta.source it is */
};

/* Makes the zip: 0 with *zip (malloc'd) and *len, *resources (may be NULL) the count; -1 with a
 * reason in err (the store failed, or the account's data is past the zip caps). */
int pgo_export(const struct pgo_export_in *in, uint8_t **zip, size_t *len, size_t *resources,
               char *err, size_t err_len);

/* The account's current resources (tag search per type), sorted by type then id, with
 * meta.versionId and meta.lastUpdated removed: a new array, or NULL when the store failed. */
json_object *pgo_export_resources(struct store *store, const char *subject);

/* summary.html of resources (as pgo_export_resources gives them). A malloc'd NUL-terminated
 * text, NULL when out of memory. */
char *pgo_export_summary(json_object *resources, json_object *report, const char *username,
                         const char *subject, const char *exported_at);

/* ---- import ---- */

struct pgo_import_in {
    struct store *store;
    struct rest_ctx *vault;
    const char *subject; /* the importing account */
};

struct pgo_import_result {
    json_object *imported; /* {Type: n} of resources written */
    size_t unchanged;      /* resources the vault already held as they are */
    json_object *report;   /* {providers: [{provider, display, service, service_name}]} of the
                              zip's report.json, so the app can offer to connect again */
};
void pgo_import_result_clear(struct pgo_import_result *r);

enum pgo_import_rc {
    PGO_IMPORT_OK,
    PGO_IMPORT_BAD,     /* not a well-formed export (the reason in err): nothing stored */
    PGO_IMPORT_REFUSED, /* the vault refused a resource (the reason in err): nothing stored */
    PGO_IMPORT_FAILED,  /* the store failed: nothing stored */
};

/* Reads an export (through the strict zip reader), checks its manifest and every file's hash, and
 * stores its resources as the account's in one transaction: the account's Patient takes the
 * exported Patient's content (keeping the links it has), references to the exported account's
 * Patient now name the importing account's, the vault-owner tag is the importing account's,
 * collected resources keep meta.source and their ids (an id held by another account gets a new
 * id derived from the importing account and the old id, with every reference to it rewritten).
 * Resources the vault holds already as they are count as unchanged and are not written again. */
enum pgo_import_rc pgo_import(const struct pgo_import_in *in, const void *zip, size_t len,
                              struct pgo_import_result *out, char *err, size_t err_len);

#endif
