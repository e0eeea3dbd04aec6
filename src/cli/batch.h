/* Turning what an import file holds into what the Bundle engine takes: the kind of a document,
 * batch Bundles built from collections and from NDJSON lines, NDJSON detection, and reading the
 * outcome of a batch-response entry. Pure functions over json-c values; no I/O. */
#ifndef REGIE_CLI_BATCH_H
#define REGIE_CLI_BATCH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* NDJSON lines (or collection resources) put in one batch Bundle unless told otherwise
 * (regie import --batch): one commit per batch. */
#define CLI_NDJSON_CHUNK 1000
/* The largest batch: the engine's default limit on entries in one batch (rest_config). */
#define CLI_BATCH_MAX 10000

enum cli_doc_kind {
    CLI_DOC_NOT_RESOURCE,  /* not an object with a string resourceType */
    CLI_DOC_RESOURCE,      /* a single resource other than a Bundle */
    CLI_DOC_BUNDLE_ENGINE, /* a batch or transaction Bundle: the engine takes it as is */
    CLI_DOC_BUNDLE_OTHER   /* collection, searchset, document, ...: its resources are loaded */
};

enum cli_doc_kind cli_doc_kind(json_object *doc);

/* A new, empty batch Bundle (caller owns). */
json_object *cli_batch_new(void);

/* Adds resource to batch as PUT [type]/[id] when it has a string id (so the id is kept), else as
 * POST [type]. Takes a reference of its own to resource (the caller keeps its reference). Returns
 * 0, or -1 when resource is not an object with a string resourceType (nothing added). */
int cli_batch_add(json_object *batch, json_object *resource);

/* Number of entries in a Bundle (0 when it has none). */
size_t cli_bundle_entry_count(json_object *bundle);

/* A new batch Bundle with one entry per entry of bundle that holds a resource (see
 * cli_batch_add); *skipped (if given) gets the number of entries without a usable resource.
 * The resources are shared with bundle by reference. Caller owns the result. */
json_object *cli_batch_from_bundle(json_object *bundle, size_t *skipped);

/* True when name ends in ".ndjson" or ".ndjson.bz2": such files are NDJSON whatever they hold. */
bool cli_name_is_ndjson(const char *name);

/* True when text (len bytes, not NUL-terminated) holds nothing but JSON whitespace. */
bool cli_is_blank(const char *text, size_t len);

/* The HTTP status of a batch/transaction-response entry (from response.status, e.g. "201
 * Created"), or 0 when missing or unreadable. */
int cli_entry_status(json_object *response_entry);

/* The most useful text of a response entry's OperationOutcome (its first issue's diagnostics,
 * else details.text, after the status, then " at " and the expression), written to out.
 * With own_type (the entry's resource type in a batch the importer built), an expression
 * "Bundle.entry[N].resource.x" is written as "<own_type>.x". */
void cli_entry_message(json_object *response_entry, const char *own_type, char *out,
                       size_t out_len);

#endif
