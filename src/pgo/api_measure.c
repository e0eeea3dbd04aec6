/* The API's measurement routes (docs/pgo.md "Measurements", "CSV import"): the kinds the app
 * offers, entering one (a FHIR Observation as given, or the structured form built into a zib2020
 * nl-core Observation), a kind's points over time (entered and collected), deleting an own entry,
 * and a CSV import that stores the whole file in one transaction or nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "pgo/measure.h"
#include "pgo/measure_csv.h"
#include "util/buf.h"
#include "util/fhirtime.h"
#include "util/log.h"

#define POINTS_MAX    10000                /* points in one answer; more sets "more" */
#define SELF_PROVIDER "urn:regie:pgo:self" /* the "provider" of imported ids (pgo_local_id) */

/* 400 invalid_request naming the field. */
static void invalid(struct http_reply *rep, const char *field, const char *message)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string("invalid_request"));
    json_object_object_add(o, "message", json_object_new_string(message));
    json_object_object_add(o, "field", json_object_new_string(field));
    pgo_api_json(rep, 400, o);
    json_object_put(o);
}

static json_object *patient_ref(const char *subject)
{
    char ref[80];
    snprintf(ref, sizeof ref, "Patient/%s", subject);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "reference", json_object_new_string(ref));
    return r;
}

/* Entered by the account itself: its tag, its Patient as subject, and no provider's endpoint. */
static bool entered_by(json_object *obs, const char *subject)
{
    char want[80];
    snprintf(want, sizeof want, "Patient/%s", subject);
    const char *ref = jsonx_get_str(jsonx_get(obs, "subject"), "reference");
    return pgo_vault_owned(obs, subject) && ref && !strcmp(ref, want) &&
           !jsonx_get_str(jsonx_get(obs, "meta"), "source");
}

/* ---- GET /api/measurements/kinds ---- */

static json_object *band_json(const struct measure_field *f, int decimals)
{
    if (!f->has_band) return NULL;
    json_object *b = json_object_new_object();
    json_object_object_add(b, "low", measure_json_number(f->band_low, decimals));
    json_object_object_add(b, "high", measure_json_number(f->band_high, decimals));
    return b;
}

static json_object *kind_json(const struct measure_kind *k)
{
    const struct measure_unit *u = &k->units[0];
    json_object *o = json_object_new_object(), *code = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(k->name));
    json_object_object_add(code, "system", json_object_new_string(MEASURE_LOINC));
    json_object_object_add(code, "code", json_object_new_string(k->loinc));
    json_object_object_add(code, "display", json_object_new_string(k->display));
    json_object_object_add(o, "code", code);
    json_object_object_add(o, "profile", json_object_new_string(k->profile));
    json_object *units = json_object_new_array(), *fields = json_object_new_array(),
                *ranges = json_object_new_array();
    for (size_t i = 0; i < k->nunits; i++)
        json_object_array_add(units, json_object_new_string(k->units[i].code));
    json_object_object_add(o, "units", units);
    json_object_object_add(o, "unit", json_object_new_string(u->code));
    double min = u->min[0], max = u->max[0];
    for (size_t i = 0; i < k->nfields; i++) {
        if (u->min[i] < min) min = u->min[i];
        if (u->max[i] > max) max = u->max[i];
        json_object_array_add(fields, json_object_new_string(k->fields[i].name));
        json_object *r = json_object_new_object();
        json_object_object_add(r, "field", json_object_new_string(k->fields[i].name));
        json_object_object_add(r, "min", measure_json_number(u->min[i], u->decimals));
        json_object_object_add(r, "max", measure_json_number(u->max[i], u->decimals));
        json_object_object_add(r, "band", band_json(&k->fields[i], u->decimals));
        json_object_array_add(ranges, r);
    }
    json_object_object_add(o, "min", measure_json_number(min, u->decimals));
    json_object_object_add(o, "max", measure_json_number(max, u->decimals));
    json_object_object_add(o, "decimals", json_object_new_int(u->decimals));
    /* one band for a one-value kind; blood pressure has one per field (in ranges) */
    json_object_object_add(o, "band",
                           k->nfields == 1 ? band_json(&k->fields[0], u->decimals) : NULL);
    json_object_object_add(o, "fields", fields);
    json_object_object_add(o, "ranges", ranges);
    return o;
}

void pgo_api_measurement_kinds(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    size_t n;
    const struct measure_kind *kinds = measure_kinds(&n);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(arr, kind_json(&kinds[i]));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kinds", arr);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- POST /api/measurements ---- */

/* Stores obs (its id set) and answers 201 {id, resource}; audited. */
static void store_and_answer(struct pgo_api *api, struct http_reply *rep, const char *subject,
                             json_object *obs, const char *id)
{
    struct rg_fail f = {0};
    enum rg_err rc = rest_put_resource(api->cfg.vault, obs, &f);
    char what[96];
    snprintf(what, sizeof what, "Observation/%s", id);
    pgo_api_audit(api, subject, "create", what, rc == RG_OK ? 201 : rg_err_status(rc),
                  "patient-access", NULL, NULL);
    if (rc != RG_OK) {
        int status = rg_err_status(rc);
        pgo_api_error(rep, status >= 500 ? 500 : 400, "invalid_resource", "%s%s%s", f.detail,
                      f.expression[0] ? " at " : "", f.expression);
        return;
    }
    json_object *stored = pgo_vault_read(api, "Observation", id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "resource", stored);
    pgo_api_json(rep, 201, o);
    json_object_put(o);
}

/* meta of a measurement given whole: its profiles as given, the owner's tag. */
static json_object *given_meta(json_object *given, const char *subject)
{
    json_object *meta = json_object_new_object();
    json_object *profile = jsonx_get(given, "profile");
    if (profile && json_object_is_type(profile, json_type_array))
        json_object_object_add(meta, "profile", json_object_get(profile));
    json_object *tags = json_object_new_array(), *tag = json_object_new_object();
    json_object_object_add(tag, "system", json_object_new_string(PGO_VAULT_TAG_SYSTEM));
    json_object_object_add(tag, "code", json_object_new_string(subject));
    json_object_array_add(tags, tag);
    json_object_object_add(meta, "tag", tags);
    return meta;
}

/* The FHIR form: an Observation as the app built it. */
static void enter_observation(struct pgo_api *api, struct http_reply *rep, const char *subject,
                              json_object *obs)
{
    const char *type = jsonx_get_str(obs, "resourceType");
    if (!type || strcmp(type, "Observation") != 0) {
        pgo_api_error(rep, 400, "invalid_request", "a measurement is an Observation");
        return;
    }
    struct measure_error err;
    if (!measure_check_observation(obs, &err)) {
        invalid(rep, err.field, err.message);
        return;
    }
    char id[UUID_STR_LEN];
    if (uuid_v4(id) != 0) {
        pgo_api_error(rep, 500, "internal", "no random numbers");
        return;
    }
    /* What the server decides, whatever the app sent: a new id, the owner, the subject and (when
     * none is given) the patient as performer. */
    json_object_object_add(obs, "id", json_object_new_string(id));
    json_object_object_add(obs, "meta", given_meta(jsonx_get(obs, "meta"), subject));
    json_object_object_add(obs, "subject", patient_ref(subject));
    if (!jsonx_get(obs, "performer")) {
        json_object *performers = json_object_new_array();
        json_object_array_add(performers, patient_ref(subject));
        json_object_object_add(obs, "performer", performers);
    }
    store_and_answer(api, rep, subject, obs, id);
}

/* A number given as a JSON number or as text ("72,5"). */
static bool number_member(json_object *body, const char *name, double *out)
{
    json_object *v = jsonx_get(body, name);
    if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
        *out = json_object_get_double(v);
        return true;
    }
    if (v && json_object_is_type(v, json_type_string))
        return measure_parse_number(json_object_get_string(v),
                                    (size_t)json_object_get_string_len(v), out);
    return false;
}

/* The structured form: {kind, time, value, unit} or {kind, time, systolic, diastolic, unit}. */
static void enter_structured(struct pgo_api *api, struct http_reply *rep, const char *subject,
                             json_object *body)
{
    const struct measure_kind *k = measure_kind_find(jsonx_get_str(body, "kind"));
    if (!k) {
        invalid(rep, "kind", "kind must be one of GET /api/measurements/kinds");
        return;
    }
    json_object *unit_v = jsonx_get(body, "unit");
    if (unit_v && !json_object_is_type(unit_v, json_type_string)) {
        invalid(rep, "unit", "unit must be a UCUM code");
        return;
    }
    double values[MEASURE_FIELDS_MAX] = {0};
    for (size_t i = 0; i < k->nfields; i++) {
        if (!number_member(body, k->fields[i].name, &values[i])) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s must be a number", k->fields[i].name);
            invalid(rep, k->fields[i].name, msg);
            return;
        }
    }
    struct measure_entry e = {0};
    struct measure_error err;
    const char *time = jsonx_get_str(body, "time");
    int64_t now_us = accounts_now(api->cfg.accounts) * 1000000;
    if (!time) {
        invalid(rep, "time", "time is required (when the measurement was taken)");
        return;
    }
    if (!measure_parse_time(time, strlen(time), now_us, &e, &err) ||
        !measure_check(k, unit_v ? json_object_get_string(unit_v) : NULL, values, &e, &err)) {
        invalid(rep, err.field, err.message);
        return;
    }
    char id[UUID_STR_LEN];
    if (uuid_v4(id) != 0) {
        pgo_api_error(rep, 500, "internal", "no random numbers");
        return;
    }
    json_object *obs = measure_observation(&e, id, subject, PGO_VAULT_TAG_SYSTEM);
    if (!obs) {
        pgo_api_error(rep, 500, "internal", "out of memory");
        return;
    }
    store_and_answer(api, rep, subject, obs, id);
    json_object_put(obs);
}

void pgo_api_measurement(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    if (jsonx_get(req->json, "resourceType"))
        enter_observation(api, rep, who.account.subject, req->json);
    else if (jsonx_get(req->json, "kind"))
        enter_structured(api, rep, who.account.subject, req->json);
    else
        invalid(rep, "kind",
                "give a FHIR Observation or {kind, time, value, unit} (blood pressure: "
                "systolic and diastolic)");
}

/* ---- GET /api/measurements ---- */

/* The account's providers by resource endpoint (a collected resource's meta.source), with the
 * name to show. */
struct sources_ctx {
    struct pgo_api *api;
    json_object *map; /* endpoint -> display */
};

static int add_source(const struct pgo_connection *c, void *ctx)
{
    struct sources_ctx *s = ctx;
    struct pgo_endpoints ep;
    if (pgo_api_endpoints(s->api, c->provider, c->service, &ep) != 0 ||
        jsonx_get(s->map, ep.resource))
        return 0;
    const char *display = s->api->cfg.display_name
                              ? s->api->cfg.display_name(s->api->cfg.display_ctx, c->provider)
                              : NULL;
    json_object_object_add(s->map, ep.resource,
                           json_object_new_string(display ? display : c->provider));
    return 0;
}

struct points_ctx {
    const struct measure_kind *kind;
    const char *subject;
    int64_t from_us, to_us;
    json_object *points, *sources;
    bool more;
};

static int add_point(void *ctx, const struct store_row *row)
{
    struct points_ctx *p = ctx;
    enum jsonx_err je;
    json_object *obs = jsonx_parse(row->json, row->json_len, 128, &je, NULL, 0);
    int64_t at;
    double values[MEASURE_FIELDS_MAX];
    if (!obs || !pgo_vault_owned(obs, p->subject) || !measure_point(p->kind, obs, &at, values) ||
        at < p->from_us || at >= p->to_us) {
        json_object_put(obs);
        return 0;
    }
    if (json_object_array_length(p->points) == POINTS_MAX) {
        p->more = true;
        json_object_put(obs);
        return 1;
    }
    const struct measure_unit *u = &p->kind->units[0];
    json_object *pt = json_object_new_object();
    json_object_object_add(pt, "id", json_object_new_string(row->id));
    char when[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(at, when);
    json_object_object_add(pt, "time", json_object_new_string(when));
    for (size_t i = 0; i < p->kind->nfields; i++)
        json_object_object_add(pt, p->kind->fields[i].name,
                               measure_json_number(values[i], u->decimals));
    const char *source = jsonx_get_str(jsonx_get(obs, "meta"), "source");
    const char *shown = "self";
    if (source) {
        const char *display = jsonx_get_str(p->sources, source);
        shown = display ? display : source;
    }
    json_object_object_add(pt, "source", json_object_new_string(shown));
    json_object_array_add(p->points, pt);
    json_object_put(obs);
    return 0;
}

static bool period_bound(const char *s, struct fhirtime *t)
{
    return s && (fhirtime_parse_datetime(s, strlen(s), t));
}

void pgo_api_measurements(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    const struct measure_kind *k = measure_kind_find(http_param(req, "kind"));
    if (!k) {
        invalid(rep, "kind", "kind must be one of GET /api/measurements/kinds");
        return;
    }
    const char *from = http_param(req, "from"), *to = http_param(req, "to");
    struct fhirtime a = {.start_us = INT64_MIN}, b = {.end_us = INT64_MAX};
    if (from && !period_bound(from, &a)) {
        invalid(rep, "from",
                "from must be a date or an instant (2026-03-01, 2026-03-01T08:00:00Z)");
        return;
    }
    if (to && !period_bound(to, &b)) {
        invalid(rep, "to", "to must be a date or an instant (2026-03-31, 2026-03-31T20:00:00Z)");
        return;
    }
    if (a.start_us >= b.end_us) {
        invalid(rep, "to", "to must come after from");
        return;
    }
    /* The account's Observations with one of the kind's codes, in time order. */
    struct store_value tag = {.system = PGO_VAULT_TAG_SYSTEM, .code = who.account.subject};
    struct store_value codes[8];
    size_t ncodes = 0;
    codes[ncodes++] = (struct store_value){.system = MEASURE_LOINC, .code = k->loinc};
    if (k->loinc2)
        codes[ncodes++] = (struct store_value){.system = MEASURE_LOINC, .code = k->loinc2};
    for (const char *const *c = k->also; *c && ncodes < 8; c++)
        codes[ncodes++] = (struct store_value){.system = MEASURE_LOINC, .code = *c};
    struct store_value dates[2];
    struct store_clause clauses[4] = {
        {.kind = STORE_Q_IX,
         .ix_kind = STORE_IX_TOKEN,
         .param = "_tag",
         .values = &tag,
         .nvalues = 1},
        {.kind = STORE_Q_IX,
         .ix_kind = STORE_IX_TOKEN,
         .param = "code",
         .values = codes,
         .nvalues = ncodes},
    };
    size_t nclauses = 2;
    if (from) {
        dates[0] = (struct store_value){.cmp = STORE_GE, .lo = a.start_us, .hi = a.end_us};
        clauses[nclauses++] = (struct store_clause){.kind = STORE_Q_IX,
                                                    .ix_kind = STORE_IX_DATE,
                                                    .param = "date",
                                                    .values = &dates[0],
                                                    .nvalues = 1};
    }
    if (to) {
        dates[1] = (struct store_value){.cmp = STORE_LE, .lo = b.start_us, .hi = b.end_us};
        clauses[nclauses++] = (struct store_clause){.kind = STORE_Q_IX,
                                                    .ix_kind = STORE_IX_DATE,
                                                    .param = "date",
                                                    .values = &dates[1],
                                                    .nvalues = 1};
    }
    struct store_search_q q = {.type = "Observation",
                               .clauses = clauses,
                               .nclauses = nclauses,
                               .sort = {{.param = "date", .ix_kind = STORE_IX_DATE}},
                               .nsort = 1,
                               .count = POINTS_MAX * 2};
    struct sources_ctx sources = {.api = api, .map = json_object_new_object()};
    pgo_conn_list(api->cfg.conns, who.account.subject, add_source, &sources);
    struct points_ctx p = {.kind = k,
                           .subject = who.account.subject,
                           .from_us = a.start_us,
                           .to_us = b.end_us,
                           .points = json_object_new_array(),
                           .sources = sources.map};
    enum store_rc rc = api->cfg.store->ops->search(api->cfg.store, &q, add_point, &p, NULL, NULL);
    pgo_api_audit(api, who.account.subject, "search", "Observation?code,date",
                  rc == STORE_OK ? 200 : 500, "patient-access", NULL, NULL);
    json_object_put(sources.map);
    if (rc != STORE_OK) {
        json_object_put(p.points);
        pgo_api_error(rep, 500, "internal", "your measurements could not be read");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string(k->name));
    json_object_object_add(o, "unit", json_object_new_string(k->units[0].code));
    json_object_object_add(o, "points", p.points);
    if (p.more) json_object_object_add(o, "more", json_object_new_boolean(1));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- DELETE /api/measurements/{id} ---- */

void pgo_api_measurement_delete(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *subject = who.account.subject, *id = req->args[0];
    json_object *obs = strlen(id) < STORE_ID_MAX ? pgo_vault_read(api, "Observation", id) : NULL;
    char what[96];
    snprintf(what, sizeof what, "Observation/%.64s", id);
    /* One answer for "absent" and "someone else's": ids of others are not confirmed. */
    if (!obs || !pgo_vault_owned(obs, subject)) {
        json_object_put(obs);
        pgo_api_audit(api, subject, "delete", what, 404, "patient-access", NULL, NULL);
        pgo_api_error(rep, 404, "not_found", "no such measurement of yours");
        return;
    }
    bool own = entered_by(obs, subject);
    json_object_put(obs);
    if (!own) {
        pgo_api_audit(api, subject, "delete", what, 403, "patient-access", NULL, NULL);
        pgo_api_error(rep, 403, "forbidden",
                      "this measurement was collected from a provider; only your own entries "
                      "can be deleted");
        return;
    }
    char bundle[256];
    snprintf(bundle, sizeof bundle,
             "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":"
             "{\"method\":\"DELETE\",\"url\":\"Observation/%s\"}}]}",
             id);
    json_object *response = NULL;
    struct rg_fail f = {0};
    enum rg_err rc =
        rest_process_bundle_text(api->cfg.vault, bundle, strlen(bundle), &response, &f);
    json_object_put(response);
    pgo_api_audit(api, subject, "delete", what, rc == RG_OK ? 200 : 500, "patient-access", NULL,
                  NULL);
    if (rc != RG_OK) {
        log_bug("pgo: the vault refused to delete a measurement (%d): %s", (int)rc, f.detail);
        pgo_api_error(rep, 500, "internal", "the measurement could not be deleted");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "deleted", json_object_new_boolean(1));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- POST /api/measurements/import ---- */

static bool csv_type(const char *ct)
{
    if (!ct) return false;
    size_t n = strcspn(ct, "; ");
    return (n == 8 && !strncasecmp(ct, "text/csv", 8)) ||
           (n == 10 && !strncasecmp(ct, "text/plain", 10));
}

static void refuse_csv(struct http_reply *rep, const struct measure_csv *c)
{
    json_object *o = json_object_new_object(), *errors = json_object_new_array();
    json_object_object_add(o, "error", json_object_new_string("invalid_request"));
    char msg[160];
    size_t n = c->nerrors + c->more_errors;
    snprintf(msg, sizeof msg, "%zu problem%s in the file; nothing was imported", n,
             n == 1 ? "" : "s");
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "field", json_object_new_string("file"));
    for (size_t i = 0; i < c->nerrors; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "line", json_object_new_int64((int64_t)c->errors[i].line));
        json_object_object_add(e, "field", json_object_new_string(c->errors[i].field));
        json_object_object_add(e, "message", json_object_new_string(c->errors[i].message));
        json_object_array_add(errors, e);
    }
    json_object_object_add(o, "errors", errors);
    if (c->more_errors)
        json_object_object_add(o, "more_errors", json_object_new_int64((int64_t)c->more_errors));
    pgo_api_json(rep, 400, o);
    json_object_put(o);
}

/* The transaction Bundle of every entry as text (one Observation in memory at a time). The ids
 * follow from owner, kind and time, so importing a file again replaces instead of doubling. */
static char *import_bundle(const struct measure_csv *c, const char *subject, size_t *len)
{
    struct buf b;
    buf_init(&b, (size_t)256 << 20);
    buf_append_str(&b, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
    for (size_t i = 0; i < c->nentries; i++) {
        const struct measure_entry *e = &c->entries[i];
        char remote[96], id[UUID_STR_LEN];
        snprintf(remote, sizeof remote, "%s.%" PRId64, e->kind->name, e->time_us);
        json_object *obs = pgo_local_id(subject, SELF_PROVIDER, "Observation", remote, id) == 0
                               ? measure_observation(e, id, subject, PGO_VAULT_TAG_SYSTEM)
                               : NULL;
        if (!obs) {
            buf_free(&b);
            return NULL;
        }
        if (i) buf_append_char(&b, ',');
        buf_append_str(&b, "{\"resource\":");
        buf_append_str(&b, jsonx_text(obs, false, NULL));
        buf_append_str(&b, ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/");
        buf_append_str(&b, id);
        buf_append_str(&b, "\"}}");
        json_object_put(obs);
    }
    buf_append_str(&b, "]}");
    if (b.overflowed) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, len);
}

void pgo_api_measurements_import(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *subject = who.account.subject;
    if (!csv_type(http_header(req, "Content-Type"))) {
        pgo_api_error(rep, 415, "unsupported_media_type", "send the file as text/csv");
        return;
    }
    struct measure_csv *c = malloc(sizeof *c);
    if (!c) {
        pgo_api_error(rep, 500, "internal", "out of memory");
        return;
    }
    int64_t now_us = accounts_now(api->cfg.accounts) * 1000000;
    if (measure_csv_parse(req->body ? req->body : "", req->body_len, now_us, c) != 0) {
        refuse_csv(rep, c);
        measure_csv_free(c);
        free(c);
        return;
    }
    size_t len = 0;
    char *bundle = import_bundle(c, subject, &len);
    json_object *response = NULL;
    struct rg_fail f = {0};
    enum rg_err rc = bundle ? rest_process_bundle_text(api->cfg.vault, bundle, len, &response, &f)
                            : RG_E_INTERNAL;
    free(bundle);
    json_object_put(response);
    pgo_api_audit(api, subject, "transaction", "Observation?import", rc == RG_OK ? 201 : 500,
                  "patient-access", NULL, NULL);
    if (rc != RG_OK) {
        log_bug("pgo: the vault refused an import of %zu measurements (%d): %s %s", c->nentries,
                (int)rc, f.detail, f.expression);
        pgo_api_error(rep, 500, "internal", "the measurements could not be stored; nothing was");
    } else {
        json_object *o = json_object_new_object(), *by_kind = json_object_new_object();
        for (size_t i = 0; i < c->nentries; i++) {
            const char *name = c->entries[i].kind->name;
            json_object *n = jsonx_get(by_kind, name);
            json_object_object_add(by_kind, name,
                                   json_object_new_int64(n ? json_object_get_int64(n) + 1 : 1));
        }
        json_object_object_add(o, "imported", json_object_new_int64((int64_t)c->nentries));
        json_object_object_add(o, "by_kind", by_kind);
        pgo_api_json(rep, 200, o);
        json_object_put(o);
        log_info("pgo: imported %zu measurements", c->nentries);
    }
    measure_csv_free(c);
    free(c);
}
