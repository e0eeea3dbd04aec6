/* The FHIR route table. Literal segments come before placeholders at the same depth, since the
 * first matching route wins ("/fhir/metadata" before "/fhir/{type}"). The CapabilityStatement is
 * derived from this table. */
#include "rest/internal.h"
#include "rest/search_run.h"

/* Every interaction but the CapabilityStatement goes through rest_audited (access_audit.c), which
 * records it when the context has an audit log. */
#define AUDITED(h, action)                                                                         \
    static void audited_##h(struct http_request *req, struct http_reply *rep)                      \
    {                                                                                              \
        rest_audited(req, rep, h, action);                                                         \
    }
AUDITED(rest_h_history_system, "history")
AUDITED(rest_h_bundle, "batch")
AUDITED(rest_h_search_system, "search")
AUDITED(rest_h_history_type, "history")
AUDITED(rest_h_search_post, "search")
AUDITED(rest_h_lastn, "operation")
AUDITED(rest_h_everything, "operation")
AUDITED(rest_h_history_instance, "history")
AUDITED(rest_h_search_compartment, "search")
AUDITED(rest_h_vread, "vread")
AUDITED(rest_h_read, "read")
AUDITED(rest_h_update, "update")
AUDITED(rest_h_delete, "delete")
AUDITED(rest_h_search_type, "search")
AUDITED(rest_h_create, "create")
AUDITED(rest_h_cond_update, "update")
AUDITED(rest_h_cond_delete, "delete")

#define ROUTE(m, p, h, b, n)                                                                       \
    {                                                                                              \
        .method = m, .pattern = p, .handler = h, .body = b, .fhir = true, .name = n                \
    }

static const struct http_route routes[] = {
    ROUTE("GET", "/fhir/metadata", rest_h_metadata, HTTP_BODY_NONE, "capabilities"),
    ROUTE("GET", "/fhir/_history", audited_rest_h_history_system, HTTP_BODY_NONE, "history-system"),
    ROUTE("POST", "/fhir", audited_rest_h_bundle, HTTP_BODY_RAW,
          "transaction"), /* parsed per entry */
    ROUTE("GET", "/fhir", audited_rest_h_search_system, HTTP_BODY_NONE, "search-system"),
    ROUTE("GET", "/fhir/{type}/_history", audited_rest_h_history_type, HTTP_BODY_NONE,
          "history-type"),
    ROUTE("POST", "/fhir/{type}/_search", audited_rest_h_search_post, HTTP_BODY_FORM,
          "search-type-post"),
    ROUTE("GET", "/fhir/Observation/$lastn", audited_rest_h_lastn, HTTP_BODY_NONE, "lastn"),
    ROUTE("GET", "/fhir/Patient/{id}/$everything", audited_rest_h_everything, HTTP_BODY_NONE,
          "everything"),
    ROUTE("GET", "/fhir/{type}/{id}/_history", audited_rest_h_history_instance, HTTP_BODY_NONE,
          "history-instance"),
    /* After [type]/[id]/_history, which it would otherwise swallow for Patients. */
    ROUTE("GET", "/fhir/Patient/{id}/{type}", audited_rest_h_search_compartment, HTTP_BODY_NONE,
          "search-compartment"),
    ROUTE("GET", "/fhir/{type}/{id}/_history/{vid}", audited_rest_h_vread, HTTP_BODY_NONE, "vread"),
    ROUTE("GET", "/fhir/{type}/{id}", audited_rest_h_read, HTTP_BODY_NONE, "read"),
    ROUTE("PUT", "/fhir/{type}/{id}", audited_rest_h_update, HTTP_BODY_JSON, "update"),
    ROUTE("DELETE", "/fhir/{type}/{id}", audited_rest_h_delete, HTTP_BODY_NONE, "delete"),
    ROUTE("GET", "/fhir/{type}", audited_rest_h_search_type, HTTP_BODY_NONE, "search-type"),
    ROUTE("POST", "/fhir/{type}", audited_rest_h_create, HTTP_BODY_JSON, "create"),
    ROUTE("PUT", "/fhir/{type}", audited_rest_h_cond_update, HTTP_BODY_JSON, "conditional-update"),
    ROUTE("DELETE", "/fhir/{type}", audited_rest_h_cond_delete, HTTP_BODY_NONE,
          "conditional-delete"),
};

const struct http_route *rest_routes(size_t *count)
{
    *count = sizeof routes / sizeof routes[0];
    return routes;
}
