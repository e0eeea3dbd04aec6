/* The API's vault routes: GET /api/records (the patient's own data of one type: collected from
 * providers and entered by themselves, found by the vault-owner tag) and GET
 * /api/records/{type}/{id}. Measurements the patient enters are api_measure.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/log.h"

#define RECORDS_DEFAULT 50
#define RECORDS_MAX     500

static bool type_name(const char *s)
{
    if (!s || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) return false;
    return n < STORE_TYPE_MAX;
}

static size_t number(const char *s, size_t dflt, size_t max)
{
    if (!s || !*s || strlen(s) > 9) return dflt;
    size_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return dflt;
        v = v * 10 + (size_t)(*s - '0');
    }
    return v > max ? max : v;
}

static int add_record(void *ctx, const struct store_row *row)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(row->json, row->json_len, 128, &je, NULL, 0);
    if (v) json_object_array_add(ctx, v);
    return 0;
}

/* The account's providers by resource endpoint, so the app can name the source of each record
 * (a collected resource's meta.source is the endpoint it came from). */
struct sources_ctx {
    struct pgo_api *api;
    json_object *map;
};

static int add_source(const struct pgo_connection *c, void *ctx)
{
    struct sources_ctx *s = ctx;
    struct pgo_endpoints ep;
    if (pgo_api_endpoints(s->api, c->provider, c->service, &ep) != 0 ||
        jsonx_get(s->map, ep.resource))
        return 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "provider", json_object_new_string(c->provider));
    const char *display = s->api->cfg.display_name
                              ? s->api->cfg.display_name(s->api->cfg.display_ctx, c->provider)
                              : NULL;
    json_object_object_add(o, "display", display ? json_object_new_string(display) : NULL);
    json_object_object_add(s->map, ep.resource, o);
    return 0;
}

void pgo_api_records(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    const char *type = http_param(req, "type");
    if (!type_name(type)) {
        pgo_api_error(rep, 400, "invalid_request", "type must name a resource type");
        return;
    }
    /* Everything of this account carries its tag: what collect stored and what it entered. */
    struct store_value tag = {.system = PGO_VAULT_TAG_SYSTEM, .code = who.account.subject};
    struct store_clause owned = {.kind = STORE_Q_IX,
                                 .ix_kind = STORE_IX_TOKEN,
                                 .param = "_tag",
                                 .values = &tag,
                                 .nvalues = 1};
    struct store_search_q q = {.type = type,
                               .clauses = &owned,
                               .nclauses = 1,
                               .sort = {{.param = "_lastUpdated", .desc = true}},
                               .nsort = 1,
                               .count =
                                   number(http_param(req, "count"), RECORDS_DEFAULT, RECORDS_MAX),
                               .offset = number(http_param(req, "offset"), 0, 1000000),
                               .want_total = true};
    json_object *arr = json_object_new_array();
    int64_t total = 0;
    bool more = false;
    enum store_rc rc =
        api->cfg.store->ops->search(api->cfg.store, &q, add_record, arr, &total, &more);
    char what[96];
    snprintf(what, sizeof what, "%s?_tag", type);
    pgo_api_audit(api, who.account.subject, "search", what, rc == STORE_OK ? 200 : 500,
                  "patient-access", NULL, NULL);
    if (rc != STORE_OK) {
        json_object_put(arr);
        pgo_api_error(rep, 500, "internal", "your records could not be read");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "more", json_object_new_boolean(more));
    json_object_object_add(o, "resources", arr);
    struct sources_ctx sources = {.api = api, .map = json_object_new_object()};
    pgo_conn_list(api->cfg.conns, who.account.subject, add_source, &sources);
    json_object_object_add(o, "sources", sources.map);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* GET /api/records/{type}/{id}: one resource of the account's (404 for anything else). */
void pgo_api_record(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    const char *type = req->args[0], *id = req->args[1];
    json_object *v =
        type_name(type) && strlen(id) < STORE_ID_MAX ? pgo_vault_read(api, type, id) : NULL;
    bool mine = v && pgo_vault_owned(v, who.account.subject);
    char what[160];
    snprintf(what, sizeof what, "%s/%.64s", type_name(type) ? type : "?", id);
    pgo_api_audit(api, who.account.subject, "read", what, mine ? 200 : 404, "patient-access", NULL,
                  NULL);
    if (!mine) {
        json_object_put(v);
        pgo_api_error(rep, 404, "not_found", "no such record of yours");
        return;
    }
    pgo_api_json(rep, 200, v);
    json_object_put(v);
}
