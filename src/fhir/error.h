/* The one registry of regie's error codes. Each code has an HTTP status, a FHIR IssueType code
 * (OperationOutcome.issue.code) and a default text. A client-facing failure is always one of these,
 * answered as an OperationOutcome whose issue.details.coding carries the regie code
 * (system REGIE_ERROR_SYSTEM), so clients can branch on it without parsing prose. */
#ifndef REGIE_FHIR_ERROR_H
#define REGIE_FHIR_ERROR_H

#include <json-c/json.h>
#include <stddef.h>

#define REGIE_ERROR_SYSTEM "https://regie.dev/fhir/CodeSystem/error"

/* X(name, http status, FHIR issue type, default text) */
#define RG_ERRORS(X)                                                                               \
    X(RG_OK, 200, "informational", "ok")                                                           \
    X(RG_E_BODY_TOO_LARGE, 413, "too-costly", "request body larger than allowed")                  \
    X(RG_E_HEADERS_TOO_LARGE, 431, "too-costly", "request headers larger than allowed")            \
    X(RG_E_URI_TOO_LONG, 414, "too-costly", "request target longer than allowed")                  \
    X(RG_E_JSON_SYNTAX, 400, "structure", "body is not valid JSON")                                \
    X(RG_E_JSON_DEPTH, 400, "too-costly", "JSON nested too deeply")                                \
    X(RG_E_NOT_UTF8, 400, "structure", "body is not valid UTF-8")                                  \
    X(RG_E_NOT_RESOURCE, 400, "structure", "body is not a FHIR resource")                          \
    X(RG_E_UNKNOWN_TYPE, 400, "not-supported", "unknown resource type")                            \
    X(RG_E_TYPE_MISMATCH, 400, "invalid", "resource type does not match the URL")                  \
    X(RG_E_ID_MISMATCH, 400, "invalid", "resource id does not match the URL")                      \
    X(RG_E_ID_MISSING, 400, "required", "update needs a resource id")                              \
    X(RG_E_BAD_ID, 400, "value", "not a valid FHIR id")                                            \
    X(RG_E_UNKNOWN_ELEMENT, 422, "structure", "unknown element")                                   \
    X(RG_E_BAD_PRIMITIVE, 422, "value", "value does not match its FHIR type")                      \
    X(RG_E_BAD_STRUCTURE, 422, "structure", "element has the wrong JSON shape")                    \
    X(RG_E_REQUIRED, 422, "required", "required element missing")                                  \
    X(RG_E_CARDINALITY, 422, "structure", "element repeats more often than allowed")               \
    X(RG_E_BAD_REFERENCE, 422, "value", "malformed reference")                                     \
    X(RG_E_UNRESOLVED_REFERENCE, 400, "not-found", "reference to a resource that does not exist")  \
    X(RG_E_NOT_FOUND, 404, "not-found", "resource not found")                                      \
    X(RG_E_NO_ROUTE, 404, "not-found", "no such endpoint")                                         \
    X(RG_E_GONE, 410, "deleted", "resource deleted")                                               \
    X(RG_E_METHOD, 405, "not-supported", "method not allowed on this endpoint")                    \
    X(RG_E_NOT_ACCEPTABLE, 406, "not-supported", "requested format not supported")                 \
    X(RG_E_MEDIA_TYPE, 415, "not-supported", "content type not supported")                         \
    X(RG_E_VERSION_CONFLICT, 412, "conflict", "version does not match If-Match")                   \
    X(RG_E_BAD_ETAG, 400, "value", "malformed If-Match")                                           \
    X(RG_E_CONDITIONAL_MULTIPLE, 412, "multiple-matches", "condition matches more than one")       \
    X(RG_E_BAD_QUERY, 400, "invalid", "invalid or unsupported search criteria")                    \
    X(RG_E_BAD_PARAM, 400, "invalid", "invalid parameter")                                         \
    X(RG_E_BAD_BUNDLE, 400, "invalid", "invalid Bundle")                                           \
    X(RG_E_TX_ENTRY, 400, "processing", "transaction entry failed; nothing was stored")            \
    X(RG_E_DUPLICATE, 400, "duplicate", "the same resource appears twice")                         \
    X(RG_E_CONFLICT, 409, "conflict", "concurrent change; try again")                              \
    X(RG_E_TOO_MANY, 400, "too-costly", "more than the allowed number")                            \
    X(RG_E_UNAUTHORIZED, 401, "login", "authentication required")                                  \
    X(RG_E_FORBIDDEN, 403, "forbidden", "not allowed")                                             \
    X(RG_E_CLIENT_CERT, 403, "forbidden", "a trusted client certificate is required")              \
    X(RG_E_UNAVAILABLE, 503, "transient", "server busy; try again")                                \
    X(RG_E_INTERNAL, 500, "exception", "internal error")

enum rg_err {
#define RG_ENUM(name, status, issue, text) name,
    RG_ERRORS(RG_ENUM)
#undef RG_ENUM
        RG_ERR_COUNT
};

/* A failure to report: the code, and optionally the FHIRPath-like location (e.g.
 * "Bundle.entry[3].resource.status") and a specific message. */
struct rg_fail {
    enum rg_err code;
    char expression[256];
    char detail[512];
};

int rg_err_status(enum rg_err e);
const char *rg_err_name(enum rg_err e);  /* e.g. "RG_E_GONE" -> "gone" style slug: "gone" */
const char *rg_err_issue(enum rg_err e); /* FHIR IssueType code */
const char *rg_err_text(enum rg_err e);

/* Fills f and returns f->code; expression may be NULL. */
__attribute__((format(printf, 4, 5))) enum rg_err
rg_fail_set(struct rg_fail *f, enum rg_err code, const char *expression, const char *fmt, ...);
/* Prefixes f->expression with prefix and a dot (used when an entry's error is reported in its
 * Bundle, e.g. prefix "Bundle.entry[3].resource"). A leading resource type in the expression is
 * replaced by the prefix. */
void rg_fail_prefix(struct rg_fail *f, const char *prefix);

/* A new OperationOutcome describing f (severity error). Caller owns it. */
json_object *rg_outcome_from_fail(const struct rg_fail *f);
/* A new OperationOutcome with one issue of the given severity and IssueType and text. */
json_object *rg_outcome_info(const char *severity, const char *issue_code, const char *text);

#endif
