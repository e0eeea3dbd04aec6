/* GET /api/audit: the patient's own access log at the PGO (docs/audit.md "Reading your own log"),
 * a searchset Bundle of AuditEvent, newest first, paged with count and offset like /api/records.
 * The PGO records every entry of an account under its subject, which is also the id of the
 * account's Patient in the vault, so one key finds them all. Reading the log is itself an access
 * and is recorded (after the read, so its outcome is known; the next read shows it). */
#include "audit/auditbundle.h"
#include "pgo/api_internal.h"

void pgo_api_audit_log(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    if (!api->cfg.audit) {
        pgo_api_error(rep, 404, "not_found", "this PGO keeps no access log");
        return;
    }
    size_t count = audit_bundle_number(http_param(req, "count"), AUDIT_BUNDLE_COUNT_DEFAULT,
                                       AUDIT_BUNDLE_COUNT_MAX);
    size_t offset = audit_bundle_number(http_param(req, "offset"), 0, AUDIT_BUNDLE_OFFSET_MAX);
    json_object *bundle = audit_bundle_patient(api->cfg.audit, who.account.subject, api->client_id,
                                               count, offset, "/api/audit");
    pgo_api_audit(api, who.account.subject, "search", "AuditEvent?patient", bundle ? 200 : 500,
                  "patient-access", NULL, NULL);
    if (!bundle) {
        pgo_api_error(rep, 500, "internal", "your access log could not be read");
        return;
    }
    pgo_api_json(rep, 200, bundle);
    rep->content_type = "application/fhir+json";
    json_object_put(bundle);
}
