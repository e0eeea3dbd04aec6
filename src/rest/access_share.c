/* MedMij Delen under a token: the PGO POSTs a `batch` Bundle to the base, first the Patient (its
 * BSN masked), then each measurement as `POST Observation` with a urn:uuid fullUrl, whose
 * subject and performer point at the Patient entry. The DVA stores the measurements in the
 * token's patient's compartment and answers a batch-response with what it stored.
 *
 * Checked before anything is stored (403 otherwise): the token may share, the Bundle is a batch,
 * a Patient entry comes first if at all, every other entry is a plain POST of a share type. The
 * Patient entry is not stored: every reference to a Patient in the entries (to its fullUrl, or to
 * any Patient/... a PGO wrote) becomes Patient/<patient_id>, and each resource must then lie in
 * that compartment. The rest is the ordinary batch engine (rest_bundle_run). */
#include <stdio.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "rest/bundle.h"

struct share_refs {
    const char *patient_url; /* the Patient entry's fullUrl, or NULL */
    const char *patient_id;
};

/* Whether ref names a Patient: the Patient entry's fullUrl, "Patient/x", "Patient?query", or an
 * absolute URL whose path has a Patient/x segment pair. */
static bool names_patient(const struct share_refs *sr, const char *ref)
{
    if (sr->patient_url && !strcmp(ref, sr->patient_url)) return true;
    if (!strncmp(ref, "Patient/", 8) || !strncmp(ref, "Patient?", 8)) return true;
    return strstr(ref, "://") && strstr(ref, "/Patient/");
}

static int point_at_patient(void *ctx, json_object *holder, const char *ref)
{
    const struct share_refs *sr = ctx;
    if (names_patient(sr, ref)) rest_ref_set(holder, "Patient", sr->patient_id);
    return 0;
}

static enum rg_err refuse(struct rg_fail *f, size_t i, const char *why)
{
    return rg_fail_set(f, RG_E_FORBIDDEN, NULL,
                       "Bundle.entry[%zu]: %s; a share holds a Patient and POSTs of the types "
                       "this token may share",
                       i, why);
}

/* Checks entry i (not the leading Patient) and points its Patient references at the token's. */
static enum rg_err check_entry(const struct rest_access *a, const struct share_refs *sr,
                               json_object *entry, size_t i, struct rg_fail *f)
{
    json_object *req = jsonx_get(entry, "request"), *res = jsonx_get(entry, "resource");
    const char *method = jsonx_get_str(req, "method"), *url = jsonx_get_str(req, "url");
    const char *type = jsonx_get_str(res, "resourceType");
    if (!method || strcmp(method, "POST") != 0) return refuse(f, i, "not a POST");
    if (!url || !type || strcmp(url, type) != 0) return refuse(f, i, "request.url is not its type");
    if (!rest_access_type_ok(a, type, true)) return refuse(f, i, "a type this token may not share");
    /* A condition would search every patient's resources for a match. */
    if (jsonx_get(req, "ifNoneExist")) return refuse(f, i, "a conditional create");
    if (!json_object_is_type(res, json_type_object)) return refuse(f, i, "no resource");
    rest_refs_walk(res, point_at_patient, (void *)sr);
    char comp[STORE_ID_MAX];
    if (!fhir_patient_compartment(type, res, comp, sizeof comp) || strcmp(comp, a->patient_id))
        return refuse(f, i, "a resource that does not name the patient");
    return RG_OK;
}

/* The Patient entry's answer: it was not stored, it stands for the token's patient. */
static json_object *patient_response(const char *patient_id)
{
    char loc[STORE_ID_MAX + 16];
    snprintf(loc, sizeof loc, "Patient/%s", patient_id);
    json_object *rs = json_object_new_object();
    json_object_object_add(rs, "status", json_object_new_string(rest_status_text(200)));
    json_object_object_add(rs, "location", json_object_new_string(loc));
    json_object *e = json_object_new_object();
    json_object_object_add(e, "response", rs);
    return e;
}

/* The response with the Patient's entry first, and how many entries were stored (201). */
static json_object *with_patient(json_object *resp, bool patient, const char *patient_id,
                                 size_t *stored)
{
    json_object *entries = jsonx_get(resp, "entry");
    size_t n = entries ? json_object_array_length(entries) : 0;
    *stored = 0;
    json_object *out = json_object_new_array_ext((int)n + 1);
    if (patient) json_object_array_add(out, patient_response(patient_id));
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        const char *status = jsonx_get_str(jsonx_get(e, "response"), "status");
        if (status && !strncmp(status, "201", 3)) (*stored)++;
        json_object_array_add(out, json_object_get(e));
    }
    json_object_object_add(resp, "entry", out);
    return resp;
}

enum rg_err rest_share_run(struct rest_ctx *rc, const struct rest_access *a, const char *text,
                           size_t len, int depth, enum rest_return ret, json_object **response,
                           size_t *stored, struct rg_fail *f)
{
    *response = NULL;
    *stored = 0;
    if (!a->may_share || !a->patient_id[0])
        return rg_fail_set(f, RG_E_FORBIDDEN, NULL, "this token may not write");
    enum jsonx_err je;
    char msg[200] = "";
    json_object *b = jsonx_parse(text, len, depth, &je, msg, sizeof msg);
    if (!b) {
        enum rg_err code = je == JSONX_DEPTH  ? RG_E_JSON_DEPTH
                           : je == JSONX_UTF8 ? RG_E_NOT_UTF8
                                              : RG_E_JSON_SYNTAX;
        return rg_fail_set(f, code, NULL, "%s", msg);
    }
    bool tx = false;
    enum rg_err e = bundle_check_head(b, &tx, f);
    if (e == RG_OK && tx)
        e = rg_fail_set(f, RG_E_FORBIDDEN, "Bundle.type", "a token shares with a batch only");
    json_object *entries = jsonx_get(b, "entry");
    size_t n =
        json_object_is_type(entries, json_type_array) ? json_object_array_length(entries) : 0;
    if (e == RG_OK && !n)
        e = rg_fail_set(f, RG_E_BAD_BUNDLE, "Bundle.entry", "a share needs entries");
    if (e == RG_OK && n > rc->bundle_entries_max)
        e = rg_fail_set(f, RG_E_TOO_MANY, "Bundle.entry", "at most %zu entries",
                        rc->bundle_entries_max);
    struct share_refs sr = {.patient_id = a->patient_id};
    json_object *first = n ? json_object_array_get_idx(entries, 0) : NULL;
    const char *first_type = jsonx_get_str(jsonx_get(first, "resource"), "resourceType");
    bool patient = first_type && !strcmp(first_type, "Patient");
    if (patient) sr.patient_url = jsonx_get_str(first, "fullUrl");
    json_object *kept = json_object_new_array();
    for (size_t i = patient ? 1 : 0; e == RG_OK && i < n; i++) {
        json_object *entry = json_object_array_get_idx(entries, i);
        if (!json_object_is_type(entry, json_type_object)) {
            e = refuse(f, i, "not an object");
            break;
        }
        e = check_entry(a, &sr, entry, i, f);
        if (e == RG_OK) json_object_array_add(kept, json_object_get(entry));
    }
    if (e == RG_OK && !json_object_array_length(kept))
        e = rg_fail_set(f, RG_E_BAD_BUNDLE, "Bundle.entry", "a share needs a resource to store");
    if (e == RG_OK) {
        json_object *batch = json_object_new_object();
        json_object_object_add(batch, "resourceType", json_object_new_string("Bundle"));
        json_object_object_add(batch, "type", json_object_new_string("batch"));
        json_object_object_add(batch, "entry", json_object_get(kept));
        json_object *resp = NULL;
        e = rest_bundle_run(rc, batch, ret, &resp, f);
        json_object_put(batch);
        if (e == RG_OK) *response = with_patient(resp, patient, a->patient_id, stored);
    }
    json_object_put(kept);
    json_object_put(b);
    return e;
}
