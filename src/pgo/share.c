/* Share (MedMij Delen): the patient's own measurements sent to a DVA as a `batch` Bundle - the
 * Patient first (BSN masked) under a urn:uuid, then each Observation POSTed with subject and
 * performer pointing at that entry - and the DVA's batch-response read back per entry. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/backchannel_internal.h"
#include "pgo/http_client.h"

#define BSN_SYSTEM         "http://fhir.nl/fhir/NamingSystem/bsn"
#define DATA_ABSENT_REASON "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#define JSON_DEPTH         128

static json_object *copy(json_object *v)
{
    json_object *out = NULL;
    return json_object_deep_copy(v, &out, NULL) == 0 ? out : NULL;
}

static json_object *reference(const char *url)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "reference", json_object_new_string(url));
    return r;
}

/* identifier.value of the BSN replaced by a data-absent-reason "masked" on _value: the DVA learns
 * that the PGO knows a BSN without receiving it (MedMij: the patient comes from the token). */
static void mask_bsn(json_object *patient)
{
    json_object *ids = jsonx_get(patient, "identifier");
    if (!ids || !json_object_is_type(ids, json_type_array)) return;
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        json_object *id = json_object_array_get_idx(ids, i);
        const char *sys = jsonx_get_str(id, "system");
        if (!sys || strcmp(sys, BSN_SYSTEM) != 0) continue;
        json_object_object_del(id, "value");
        json_object *ext = json_object_new_object();
        json_object_object_add(ext, "url", json_object_new_string(DATA_ABSENT_REASON));
        json_object_object_add(ext, "valueCode", json_object_new_string("masked"));
        json_object *exts = json_object_new_array();
        json_object_array_add(exts, ext);
        json_object *primitive = json_object_new_object();
        json_object_object_add(primitive, "extension", exts);
        json_object_object_add(id, "_value", primitive);
    }
}

/* meta reduced to its profiles: versions, tags and the source are the vault's, not the DVA's. */
static void keep_profiles_only(json_object *res)
{
    json_object *profile = jsonx_get(jsonx_get(res, "meta"), "profile");
    if (profile) json_object_get(profile);
    json_object_object_del(res, "meta");
    if (profile) {
        json_object *meta = json_object_new_object();
        json_object_object_add(meta, "profile", profile);
        json_object_object_add(res, "meta", meta);
    }
}

static json_object *entry(const char *full_url, json_object *res, const char *type)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "fullUrl", json_object_new_string(full_url));
    json_object_object_add(e, "resource", res);
    json_object *rq = json_object_new_object();
    json_object_object_add(rq, "method", json_object_new_string("POST"));
    json_object_object_add(rq, "url", json_object_new_string(type));
    json_object_object_add(e, "request", rq);
    return e;
}

static bool is_type(json_object *v, const char *type)
{
    const char *t = jsonx_get_str(v, "resourceType");
    return t && !strcmp(t, type);
}

static int new_urn(char out[9 + UUID_STR_LEN])
{
    char u[UUID_STR_LEN];
    if (uuid_v4(u) != 0) return -1;
    snprintf(out, 9 + UUID_STR_LEN, "urn:uuid:%s", u);
    return 0;
}

json_object *pgo_share_bundle(json_object *patient, json_object *observations, struct pgo_fail *f)
{
    pgo_fail_clear(f);
    if (!is_type(patient, "Patient")) {
        pgo_fail_set(f, PGO_FAIL_ARGS, "share: the patient is not a Patient resource");
        return NULL;
    }
    size_t n = observations && json_object_is_type(observations, json_type_array)
                   ? json_object_array_length(observations)
                   : 0;
    if (!n) {
        pgo_fail_set(f, PGO_FAIL_ARGS, "share: no Observations");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!is_type(json_object_array_get_idx(observations, i), "Observation")) {
            pgo_fail_set(f, PGO_FAIL_ARGS, "share: entry %zu is not an Observation", i);
            return NULL;
        }
    char patient_urn[9 + UUID_STR_LEN];
    if (new_urn(patient_urn) != 0) {
        pgo_fail_set(f, PGO_FAIL_TRANSPORT, "no random source");
        return NULL;
    }
    json_object *bundle = json_object_new_object();
    json_object_object_add(bundle, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(bundle, "type", json_object_new_string("batch"));
    json_object *entries = json_object_new_array();
    json_object_object_add(bundle, "entry", entries);

    json_object *p = copy(patient);
    if (!p) goto oom;
    json_object_object_del(p, "id");
    json_object_object_del(p, "meta");
    json_object_object_del(p, "text"); /* a narrative may spell out the BSN */
    mask_bsn(p);
    json_object_array_add(entries, entry(patient_urn, p, "Patient"));

    for (size_t i = 0; i < n; i++) {
        json_object *o = copy(json_object_array_get_idx(observations, i));
        char urn[9 + UUID_STR_LEN];
        if (!o || new_urn(urn) != 0) {
            json_object_put(o);
            goto oom;
        }
        json_object_object_del(o, "id");
        keep_profiles_only(o);
        json_object_object_add(o, "subject", reference(patient_urn));
        json_object *performer = json_object_new_array();
        json_object_array_add(performer, reference(patient_urn));
        json_object_object_add(o, "performer", performer);
        json_object_array_add(entries, entry(urn, o, "Observation"));
    }
    return bundle;
oom:
    json_object_put(bundle);
    pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
    return NULL;
}

void pgo_share_result_free(struct pgo_share_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nentries; i++) {
        free(r->entries[i].location);
        free(r->entries[i].resource_id);
        free(r->entries[i].error);
    }
    free(r->entries);
    memset(r, 0, sizeof *r);
}

/* "201 Created" -> 201; 0 when the text does not start with a three-digit code. */
static long entry_status(const char *s)
{
    if (!s || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        !isdigit((unsigned char)s[2]) || (s[3] && s[3] != ' '))
        return 0;
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

static const char *outcome_text(json_object *oo)
{
    json_object *issues = jsonx_get(oo, "issue");
    if (!issues || !json_object_is_type(issues, json_type_array) ||
        !json_object_array_length(issues))
        return NULL;
    json_object *i0 = json_object_array_get_idx(issues, 0);
    const char *d = jsonx_get_str(i0, "diagnostics");
    return d ? d : jsonx_get_str(jsonx_get(i0, "details"), "text");
}

static char *dup_printable(const char *s, size_t max)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    if (n > max) n = max;
    char *out = malloc(n + 1);
    if (out) pgo_copy_printable(out, n + 1, s, n);
    return out;
}

static int read_entry(json_object *e, struct pgo_share_entry *out)
{
    json_object *resp = jsonx_get(e, "response");
    out->status = entry_status(jsonx_get_str(resp, "status"));
    const char *loc = jsonx_get_str(resp, "location");
    const char *id = jsonx_get_str(jsonx_get(e, "resource"), "id");
    if (loc && !(out->location = dup_printable(loc, 2048))) return -1;
    if (id && !(out->resource_id = dup_printable(id, 64))) return -1;
    if (out->status < 200 || out->status > 299) {
        const char *why = outcome_text(jsonx_get(resp, "outcome"));
        if (!why) why = out->status ? "refused" : "no status";
        if (!(out->error = dup_printable(why, 300))) return -1;
    }
    return 0;
}

int pgo_share_response_parse(long status, const char *body, size_t len, size_t nobservations,
                             struct pgo_share_result *r, struct pgo_fail *f)
{
    memset(r, 0, sizeof *r);
    pgo_fail_clear(f);
    r->http_status = status;
    if (f) f->http_status = status;
    enum jsonx_err je;
    char msg[128] = "";
    json_object *v = jsonx_parse(body ? body : "", len, JSON_DEPTH, &je, msg, sizeof msg);
    int rc = -1;
    if (status != 200) {
        const char *why = is_type(v, "OperationOutcome") ? outcome_text(v) : NULL;
        char clean[160] = "";
        if (why) pgo_copy_printable(clean, sizeof clean, why, strlen(why));
        pgo_fail_set(f, PGO_FAIL_HTTP, "the share was answered HTTP %ld%s%s", status,
                     clean[0] ? ": " : "", clean);
        goto out;
    }
    const char *btype = jsonx_get_str(v, "type");
    if (!is_type(v, "Bundle") || !btype || strcmp(btype, "batch-response") != 0) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the answer is not a batch-response Bundle%s%s",
                     msg[0] ? ": " : "", msg);
        goto out;
    }
    json_object *entries = jsonx_get(v, "entry");
    size_t n = entries && json_object_is_type(entries, json_type_array)
                   ? json_object_array_length(entries)
                   : 0;
    if (n != nobservations + 1) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the batch-response has %zu entries for %zu sent", n,
                     nobservations + 1);
        goto out;
    }
    r->patient_status = entry_status(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(entries, 0), "response"), "status"));
    if (nobservations && !(r->entries = calloc(nobservations, sizeof *r->entries))) {
        pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
        goto out;
    }
    r->nentries = nobservations;
    for (size_t i = 0; i < nobservations; i++) {
        if (read_entry(json_object_array_get_idx(entries, i + 1), &r->entries[i]) != 0) {
            pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
            goto out;
        }
        if (r->entries[i].status >= 200 && r->entries[i].status <= 299)
            r->ok++;
        else
            r->failed++;
    }
    rc = 0;
out:
    json_object_put(v);
    return rc;
}

int pgo_share(const struct pgo_call_opts *opts, const char *resource_endpoint,
              const char *access_token, json_object *patient, json_object *observations,
              struct pgo_share_result *r, struct pgo_fail *f)
{
    memset(r, 0, sizeof *r);
    pgo_fail_clear(f);
    if (!resource_endpoint || !*resource_endpoint || !access_token || !*access_token)
        return pgo_fail_set(f, PGO_FAIL_ARGS, "share: a required value is missing");
    json_object *bundle = pgo_share_bundle(patient, observations, f);
    if (!bundle) return -1;
    size_t nobs = json_object_array_length(observations);
    size_t len = 0;
    const char *text = jsonx_text(bundle, false, &len);
    /* POST [base]: the endpoint as given, without a trailing slash. */
    size_t base_len = strlen(resource_endpoint);
    while (base_len && resource_endpoint[base_len - 1] == '/') base_len--;
    char *url = strndup(resource_endpoint, base_len);
    struct pgo_http_client *c =
        url ? pgo_http_open(opts, PGO_MAX_BODY_DEFAULT, PGO_TIMEOUT_DEFAULT_S, f) : NULL;
    int rc = -1;
    if (!url) pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
    if (c) {
        struct pgo_http_request rq = {
            .method = "POST",
            .url = url,
            .accept = "application/fhir+json",
            .content_type = "application/fhir+json",
            .body = text,
            .body_len = len,
            .bearer = access_token,
            .prefer = "return=representation",
        };
        struct pgo_http_response rs;
        if (pgo_http_call(c, &rq, &rs, f) == 0) {
            char request_id[UUID_STR_LEN];
            memcpy(request_id, rs.request_id, sizeof request_id);
            rc = pgo_share_response_parse(rs.status, rs.body.data, rs.body.len, nobs, r, f);
            if (f) memcpy(f->request_id, request_id, sizeof request_id);
        }
        pgo_http_response_free(&rs);
        pgo_http_close(c);
    }
    if (rc != 0 && !r->http_status && f) r->http_status = f->http_status;
    free(url);
    json_object_put(bundle);
    return rc;
}
