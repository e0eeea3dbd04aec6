/* The FHIR REST API: interactions over the store, one file per interaction. Knows HTTP and FHIR,
 * nothing of SQL. The engine functions below are also what `regie import` calls, so an import and
 * a POST of the same Bundle do exactly the same thing. */
#ifndef REGIE_REST_REST_H
#define REGIE_REST_REST_H

#include <json-c/json.h>
#include <stddef.h>

#include "fhir/error.h"
#include "http/http.h"
#include "store/store.h"

struct audit_log;

struct rest_config {
    struct store *store;
    const char *base_url;      /* e.g. "http://127.0.0.1:8080/fhir", no trailing slash */
    size_t page_default;       /* _count when absent (default 50) */
    size_t page_max;           /* largest _count honoured (default 1000) */
    size_t bundle_entries_max; /* entries in one batch/transaction (default 10000) */
    struct audit_log *audit;   /* not owned; NULL: no audit. When set, every request under a
                                  struct rest_access and every FHIR interaction of an
                                  unrestricted one is recorded (docs/audit.md) */
};

void rest_config_defaults(struct rest_config *cfg);

struct rest_ctx;

/* A context for the API over cfg->store (not owned). Free with rest_free. */
struct rest_ctx *rest_new(const struct rest_config *cfg);
void rest_free(struct rest_ctx *rc);
/* Replaces the base URL (trailing slashes dropped). For `serve --listen HOST:0`, which learns its
 * port only after binding: call before anyone can know the port. Returns -1 when too long. */
int rest_set_base_url(struct rest_ctx *rc, const char *base_url);

/* The FHIR routes (under /fhir). Give the rest_ctx as the server's app pointer. The array is
 * static. */
const struct http_route *rest_routes(size_t *count);

/* Processes a batch or transaction Bundle exactly as POST [base] does. On RG_OK, *response is the
 * batch-response / transaction-response Bundle (caller owns). Otherwise f says why (a transaction
 * then stored nothing). */
enum rg_err rest_process_bundle(struct rest_ctx *rc, json_object *bundle, json_object **response,
                                struct rg_fail *f);

/* The same over the Bundle's JSON text (len bytes); memory follows the largest entry, not the whole
 * Bundle. Text that is not a JSON object fails with RG_E_JSON_SYNTAX, RG_E_NOT_UTF8,
 * RG_E_JSON_DEPTH or RG_E_NOT_RESOURCE. */
enum rg_err rest_process_bundle_text(struct rest_ctx *rc, const char *json, size_t len,
                                     json_object **response, struct rg_fail *f);

/* Validates and stores one resource as PUT [type]/[id] does (as POST [type] when it has no id). */
enum rg_err rest_put_resource(struct rest_ctx *rc, json_object *resource, struct rg_fail *f);

#endif
