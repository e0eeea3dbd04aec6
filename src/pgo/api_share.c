/* The API's share routes: POST /api/share (MedMij Delen of the patient's own measurements) and
 * GET /api/shares (what was shared with whom, when). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/fhirtime.h"
#include "util/log.h"

#define SHARE_MAX 500 /* Observations in one share */

/* A measurement the patient may share: an Observation of their own compartment (entered by them,
 * not collected from a provider), tagged as theirs. */
static bool own_measurement(json_object *obs, const char *subject)
{
    const char *type = jsonx_get_str(obs, "resourceType");
    const char *ref = jsonx_get_str(jsonx_get(obs, "subject"), "reference");
    char want[80];
    snprintf(want, sizeof want, "Patient/%s", subject);
    return type && !strcmp(type, "Observation") && ref && !strcmp(ref, want) &&
           pgo_vault_owned(obs, subject);
}

/* When an Observation was made: effectiveDateTime, effectivePeriod.start, effectiveInstant or
 * issued; false when it has none that parses. */
static bool observation_time(json_object *obs, int64_t *us)
{
    const char *t = jsonx_get_str(obs, "effectiveDateTime");
    if (!t) t = jsonx_get_str(jsonx_get(obs, "effectivePeriod"), "start");
    if (!t) t = jsonx_get_str(obs, "effectiveInstant");
    if (!t) t = jsonx_get_str(obs, "issued");
    struct fhirtime ft;
    if (!t || !fhirtime_parse_datetime(t, strlen(t), &ft)) return false;
    *us = ft.start_us;
    return true;
}

struct period_ctx {
    const char *subject;
    int64_t from_us, to_us;
    json_object *found; /* array */
};

static int add_in_period(void *ctx, const struct store_row *row)
{
    struct period_ctx *p = ctx;
    enum jsonx_err je;
    json_object *obs = jsonx_parse(row->json, row->json_len, 128, &je, NULL, 0);
    int64_t at;
    if (obs && own_measurement(obs, p->subject) && observation_time(obs, &at) && at >= p->from_us &&
        at < p->to_us) {
        json_object_array_add(p->found, obs);
        obs = NULL;
    }
    json_object_put(obs);
    return json_object_array_length(p->found) >= SHARE_MAX;
}

/* The Observations a share names: by id (each must be the patient's own) or by period [from,
 * to). Returns the array (caller puts) or NULL after filling rep. */
static json_object *chosen(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                           const char *subject)
{
    json_object *ids = jsonx_get(req->json, "observations");
    const char *from = jsonx_get_str(req->json, "from"), *to = jsonx_get_str(req->json, "to");
    json_object *found = json_object_new_array();
    if (ids && json_object_is_type(ids, json_type_array)) {
        size_t n = json_object_array_length(ids);
        if (n == 0 || n > SHARE_MAX) {
            pgo_api_error(rep, 400, "invalid_request", "name 1 to %d observations", SHARE_MAX);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            json_object *v = json_object_array_get_idx(ids, i);
            const char *id =
                json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
            json_object *obs =
                id && strlen(id) < STORE_ID_MAX ? pgo_vault_read(api, "Observation", id) : NULL;
            if (!obs || !own_measurement(obs, subject)) {
                json_object_put(obs);
                /* One answer for "absent" and "not yours": ids of others are not confirmed. */
                pgo_api_error(rep, 404, "not_found",
                              "observation %zu is not one of your own "
                              "measurements",
                              i + 1);
                goto fail;
            }
            json_object_array_add(found, obs);
        }
        return found;
    }
    struct fhirtime a, b;
    if (!from || !to || !fhirtime_parse_datetime(from, strlen(from), &a) ||
        !fhirtime_parse_datetime(to, strlen(to), &b) || a.start_us >= b.end_us) {
        pgo_api_error(rep, 400, "invalid_request",
                      "give observations (a list of ids) or a period from .. to (FHIR dates)");
        goto fail;
    }
    struct period_ctx p = {
        .subject = subject, .from_us = a.start_us, .to_us = b.end_us, .found = found};
    struct store_search_q q = {
        .type = "Observation", .compartment = subject, .count = SHARE_MAX * 4};
    enum store_rc rc =
        api->cfg.store->ops->search(api->cfg.store, &q, add_in_period, &p, NULL, NULL);
    if (rc != STORE_OK) {
        pgo_api_error(rep, 500, "internal", "your measurements could not be read");
        goto fail;
    }
    if (json_object_array_length(found) == 0) {
        pgo_api_error(rep, 404, "not_found", "you have no measurements in that period");
        goto fail;
    }
    return found;
fail:
    json_object_put(found);
    return NULL;
}

static bool connection_id(json_object *v, int64_t *id)
{
    if (json_object_is_type(v, json_type_int)) {
        *id = json_object_get_int64(v);
        return *id > 0;
    }
    return false;
}

void pgo_api_share(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *subject = who.account.subject;
    int64_t id;
    struct pgo_connection c;
    if (!connection_id(jsonx_get(req->json, "connection"), &id) ||
        pgo_conn_get(api->cfg.conns, subject, id, &c) != PGO_CONN_OK) {
        pgo_api_error(rep, 404, "not_found", "no such connection");
        return;
    }
    struct pgo_endpoints ep;
    if (pgo_api_endpoints(api, c.provider, c.service, &ep) != 0) {
        pgo_api_error(rep, 409, "provider_gone", "the provider no longer offers this service");
        return;
    }
    json_object *observations = chosen(api, req, rep, subject);
    if (!observations) return;
    json_object *patient = pgo_vault_patient(api, subject);
    struct pgo_tokens t = {0};
    if (!patient) {
        pgo_api_error(rep, 500, "internal", "your record is missing");
        goto done;
    }
    /* The DVA knows the patient from the token: the account's id and the links to the copies of
     * other providers are none of its business. */
    json_object_object_del(patient, "identifier");
    json_object_object_del(patient, "link");
    /* A collect consent gives a token that may not write: refuse here rather than spend a round
     * trip on the DVA's 403 and pass it on as a provider failure. */
    const struct pgo_service_def *def = pgo_api_service(api, c.service);
    if (!def || !def->share) {
        pgo_api_error(rep, 409, "not_a_share_service",
                      "this connection is for collecting; connect the provider's share service");
        goto done;
    }
    if (pgo_api_access_token(api, &c, &ep, &t, rep) != 0) goto done;

    struct pgo_call_opts call = api->cfg.call;
    char correlation[UUID_STR_LEN];
    if (uuid_v4(correlation) == 0) call.correlation_id = correlation;
    struct pgo_share_result r = {0};
    struct pgo_fail f = {0};
    int rc = pgo_share(&call, ep.resource, t.access, patient, observations, &r, &f);
    pgo_tokens_clear(&t);

    /* The record: which measurements (their vault ids), and the period when one was given. */
    json_object *what = json_object_new_object(), *ids = json_object_new_array();
    size_t n = json_object_array_length(observations);
    for (size_t i = 0; i < n; i++) {
        const char *oid = jsonx_get_str(json_object_array_get_idx(observations, i), "id");
        json_object_array_add(ids, json_object_new_string(oid ? oid : ""));
    }
    json_object_object_add(what, "observations", ids);
    const char *from = jsonx_get_str(req->json, "from"), *to = jsonx_get_str(req->json, "to");
    if (from && to && !jsonx_get(req->json, "observations")) {
        json_object_object_add(what, "from", json_object_new_string(from));
        json_object_object_add(what, "to", json_object_new_string(to));
    }
    char result[PGO_RESULT_MAX + 1];
    if (rc == 0)
        snprintf(result, sizeof result, "%zu stored, %zu refused", r.ok, r.failed);
    else
        snprintf(result, sizeof result, "not shared: %.200s", f.message);
    int64_t share_id = 0;
    if (pgo_share_add(api->cfg.conns, subject, c.id, jsonx_text(what, false, NULL),
                      rc == 0 ? r.ok : 0, result, accounts_now(api->cfg.accounts),
                      &share_id) != PGO_CONN_OK)
        log_bug("pgo: a share of connection %" PRId64 " could not be recorded", c.id);
    char audited[48];
    snprintf(audited, sizeof audited, "Connection/%" PRId64, c.id);
    pgo_api_audit(api, subject, "export", audited, rc == 0 ? 200 : 502, "medmij-share", c.provider,
                  call.correlation_id);
    log_info("pgo: connection %" PRId64 " share %" PRId64 ": %s", c.id, share_id, result);

    json_object *o = json_object_new_object();
    json_object_object_add(o, "share", json_object_new_int64(share_id));
    json_object_object_add(o, "result", json_object_new_string(result));
    json_object_object_add(o, "stored", json_object_new_int64((int64_t)r.ok));
    json_object_object_add(o, "refused", json_object_new_int64((int64_t)r.failed));
    json_object *entries = json_object_new_array();
    for (size_t i = 0; i < r.nentries && i < n; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "observation",
                               json_object_get(json_object_array_get_idx(
                                   json_object_object_get(what, "observations"), i)));
        json_object_object_add(e, "status", json_object_new_int64(r.entries[i].status));
        if (r.entries[i].location)
            json_object_object_add(e, "location", json_object_new_string(r.entries[i].location));
        if (r.entries[i].error)
            json_object_object_add(e, "error", json_object_new_string(r.entries[i].error));
        json_object_array_add(entries, e);
    }
    json_object_object_add(o, "entries", entries);
    if (rc == 0)
        pgo_api_json(rep, 200, o);
    else
        pgo_api_error(rep, 502, "provider", "the provider did not take the share: %s", f.message);
    json_object_put(o);
    json_object_put(what);
    pgo_share_result_free(&r);
done:
    json_object_put(patient);
    json_object_put(observations);
}

/* ---- GET /api/shares ---- */

static int add_share(const struct pgo_share_record *s, void *ctx)
{
    json_object *arr = ctx, *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(s->id));
    json_object_object_add(o, "connection", json_object_new_int64(s->connection));
    json_object_object_add(o, "provider", json_object_new_string(s->provider));
    json_object_object_add(o, "service", json_object_new_string(s->service));
    char at[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(s->shared_at * 1000000, at);
    json_object_object_add(o, "shared_at", json_object_new_string(at));
    json_object_object_add(o, "count", json_object_new_int64((int64_t)s->count));
    enum jsonx_err je;
    json_object *what = jsonx_parse(s->what, strlen(s->what), 16, &je, NULL, 0);
    json_object_object_add(o, "what", what);
    json_object_object_add(o, "result", json_object_new_string(s->result));
    json_object_array_add(arr, o);
    return 0;
}

void pgo_api_shares(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    json_object *arr = json_object_new_array();
    if (pgo_share_list(api->cfg.conns, who.account.subject, add_share, arr) != PGO_CONN_OK) {
        json_object_put(arr);
        pgo_api_error(rep, 500, "internal", "the shares could not be read");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "shares", arr);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}
