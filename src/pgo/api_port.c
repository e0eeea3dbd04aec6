/* The API's portability routes: GET /api/export (everything of the account as one zip, export.h)
 * and POST /api/import (such a zip into the account's vault, all or nothing). Connections are
 * never exported with their tokens: report.json names the providers and services so the app can
 * offer to connect again after an import. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "pgo/export.h"
#include "util/fhirtime.h"
#include "util/log.h"

static json_object *time_or_null(int64_t unix_s)
{
    if (unix_s <= 0) return NULL;
    char text[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(unix_s * 1000000, text);
    return json_object_new_string(text);
}

struct report_ctx {
    struct pgo_api *api;
    const struct medmij_list *gnl;
    json_object *arr;
};

static int add_provider(const struct pgo_connection *c, void *ctx)
{
    struct report_ctx *r = ctx;
    struct pgo_api *api = r->api;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "connection", json_object_new_int64(c->id));
    json_object_object_add(o, "provider", json_object_new_string(c->provider));
    const char *display =
        api->cfg.display_name ? api->cfg.display_name(api->cfg.display_ctx, c->provider) : NULL;
    json_object_object_add(o, "display", display ? json_object_new_string(display) : NULL);
    json_object_object_add(o, "service", json_object_new_string(c->service));
    const char *name = pgo_api_service_name(api, r->gnl, c->service);
    json_object_object_add(o, "service_name", name ? json_object_new_string(name) : NULL);
    json_object_object_add(o, "state", json_object_new_string(pgo_conn_state_name(c->state)));
    json_object_object_add(o, "created", time_or_null(c->created));
    json_object_object_add(o, "last_collected", time_or_null(c->last_collected));
    json_object_object_add(o, "last_result",
                           c->last_result[0] ? json_object_new_string(c->last_result) : NULL);
    /* The endpoint is what collected resources carry as meta.source: it names their provider. */
    struct pgo_endpoints ep;
    json_object_object_add(o, "resource_endpoint",
                           pgo_api_endpoints(api, c->provider, c->service, &ep) == 0
                               ? json_object_new_string(ep.resource)
                               : NULL);
    json_object_array_add(r->arr, o);
    return 0;
}

static int add_share(const struct pgo_share_record *s, void *ctx)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(s->id));
    json_object_object_add(o, "connection", json_object_new_int64(s->connection));
    json_object_object_add(o, "provider", json_object_new_string(s->provider));
    json_object_object_add(o, "service", json_object_new_string(s->service));
    json_object_object_add(o, "shared_at", time_or_null(s->shared_at));
    json_object_object_add(o, "count", json_object_new_int64((int64_t)s->count));
    enum jsonx_err je;
    json_object_object_add(
        o, "what", s->what ? jsonx_parse(s->what, strlen(s->what), 16, &je, NULL, 0) : NULL);
    json_object_object_add(o, "result", json_object_new_string(s->result));
    json_object_array_add(ctx, o);
    return 0;
}

/* report.json: the account's providers and data services (no tokens) and its shares. */
static json_object *report(struct pgo_api *api, const char *subject)
{
    struct report_ctx r = {.api = api,
                           .gnl = medmij_lists_acquire(api->cfg.lists, MEDMIJ_GNL),
                           .arr = json_object_new_array()};
    enum pgo_conn_rc rc = pgo_conn_list(api->cfg.conns, subject, add_provider, &r);
    if (r.gnl) medmij_lists_release(api->cfg.lists, r.gnl);
    json_object *shares = json_object_new_array();
    if (rc == PGO_CONN_OK) rc = pgo_share_list(api->cfg.conns, subject, add_share, shares);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "providers", r.arr);
    json_object_object_add(o, "shares", shares);
    if (rc != PGO_CONN_OK) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

void pgo_api_export(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    json_object *rep_json = report(api, who.account.subject);
    char base[600], err[256] = "";
    snprintf(base, sizeof base, "%s/fhir", api->public_url);
    struct pgo_export_in in = {.store = api->cfg.store,
                               .subject = who.account.subject,
                               .username = who.account.username,
                               .base = base,
                               .now = accounts_now(api->cfg.accounts),
                               .report = rep_json};
    uint8_t *zip = NULL;
    size_t len = 0, count = 0;
    int rc = rep_json ? pgo_export(&in, &zip, &len, &count, err, sizeof err) : -1;
    json_object_put(rep_json);
    pgo_api_audit(api, who.account.subject, "export", "Account/export", rc == 0 ? 200 : 500,
                  "patient-access", NULL, NULL);
    if (rc != 0) {
        log_warn("pgo: export of account %lld failed: %s", (long long)who.account.id,
                 err[0] ? err : "the connections could not be read");
        pgo_api_error(rep, 500, "internal", "your data could not be exported");
        return;
    }
    http_reply_text(rep, 200, "application/zip", (const char *)zip, len);
    free(zip);
    char date[FHIRTIME_INSTANT_LEN], disposition[96];
    fhirtime_format_us(in.now * 1000000, date);
    snprintf(disposition, sizeof disposition, "attachment; filename=\"regie-export-%.10s.zip\"",
             date);
    http_reply_header(rep, "Content-Disposition", disposition);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_header(rep, "X-Content-Type-Options", "nosniff");
    log_info("pgo: account %lld exported %zu resources (%zu bytes)", (long long)who.account.id,
             count, len);
}

/* application/zip, or what browsers label a .zip file with elsewhere (Windows:
 * application/x-zip-compressed; unknown: application/octet-stream). The bytes decide anyway. */
static bool zip_media_type(const char *ct)
{
    static const char *const types[] = {"application/zip", "application/x-zip-compressed",
                                        "application/octet-stream"};
    for (size_t i = 0; ct && i < sizeof types / sizeof *types; i++) {
        size_t n = strlen(types[i]);
        if (!strncasecmp(ct, types[i], n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

void pgo_api_import(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    if (!zip_media_type(http_header(req, "Content-Type"))) {
        pgo_api_error(rep, 415, "unsupported_media_type", "send the export as application/zip");
        return;
    }
    if (!req->body || req->body_len == 0) {
        pgo_api_error(rep, 400, "invalid_request", "the body is empty: send an export zip");
        return;
    }
    struct pgo_import_in in = {
        .store = api->cfg.store, .vault = api->cfg.vault, .subject = who.account.subject};
    struct pgo_import_result res;
    char err[512];
    enum pgo_import_rc rc = pgo_import(&in, req->body, req->body_len, &res, err, sizeof err);
    int status = rc == PGO_IMPORT_OK ? 200 : rc == PGO_IMPORT_FAILED ? 500 : 400;
    pgo_api_audit(api, who.account.subject, "import", "Account/import", status, "patient-access",
                  NULL, NULL);
    if (rc != PGO_IMPORT_OK) {
        log_info("pgo: import into account %lld refused: %s", (long long)who.account.id, err);
        if (rc == PGO_IMPORT_FAILED)
            pgo_api_error(rep, 500, "internal", "the import could not be stored; nothing was");
        else
            pgo_api_error(rep, 400, rc == PGO_IMPORT_BAD ? "invalid_export" : "invalid_resource",
                          "%s; nothing was stored", err);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "imported", res.imported);
    json_object_object_add(o, "unchanged", json_object_new_int64((int64_t)res.unchanged));
    json_object_object_add(o, "report", res.report);
    res.imported = res.report = NULL;
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    log_info("pgo: import into account %lld done", (long long)who.account.id);
}
