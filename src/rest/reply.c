/* Reply helpers: version headers, Location, stored bytes, Prefer-shaped write replies, and the
 * checks of {type} and {id} path arguments. */
#include <stdio.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/validate.h"
#include "json/jsonx.h"
#include "rest/internal.h"
#include "util/log.h"

void rest_reply_version_headers(struct http_reply *rep, int64_t version, const char *instant)
{
    char etag[32];
    snprintf(etag, sizeof etag, "W/\"%lld\"", (long long)version);
    http_reply_header(rep, "ETag", etag);
    char date[64];
    if (instant && fhirtime_http_date(instant, date, sizeof date))
        http_reply_header(rep, "Last-Modified", date);
}

void rest_reply_location(const struct rest_ctx *rc, struct http_reply *rep, const char *type,
                         const char *id, int64_t version)
{
    char loc[REST_BASE_MAX + STORE_TYPE_MAX + STORE_ID_MAX + 40];
    snprintf(loc, sizeof loc, "%s/%s/%s/_history/%lld", rc->base_url, type, id, (long long)version);
    http_reply_header(rep, "Location", loc);
}

void rest_reply_stored(struct http_reply *rep, int status, const char *json, size_t len)
{
    if (!rep->pretty) {
        buf_reset(&rep->body);
        if (buf_append(&rep->body, json, len) != 0) {
            log_bug("stored resource of %zu bytes does not fit the reply", len);
            http_reply_error(rep, RG_E_INTERNAL, "reply too large");
            return;
        }
        rep->status = status;
        return;
    }
    enum jsonx_err je;
    json_object *v = jsonx_parse(json, len, REST_STORED_DEPTH, &je, NULL, 0);
    if (!v) {
        log_bug("stored resource does not parse (jsonx error %d)", (int)je);
        http_reply_error(rep, RG_E_INTERNAL, "stored resource is damaged");
        return;
    }
    http_reply_json(rep, status, v);
    json_object_put(v);
}

void rest_reply_written(struct http_reply *rep, int status, enum rest_return ret, json_object *body,
                        const char *what)
{
    if (ret == REST_RETURN_MINIMAL || (!body && ret == REST_RETURN_REPRESENTATION)) {
        http_reply_empty(rep, status);
        return;
    }
    if (ret == REST_RETURN_OUTCOME) {
        json_object *oo = rg_outcome_info("information", "informational", what);
        http_reply_json(rep, status, oo);
        json_object_put(oo);
        return;
    }
    http_reply_json(rep, status, body);
}

void rest_reply_fail(struct http_reply *rep, const struct rg_fail *f)
{
    http_reply_fail(rep, f);
    if (f->code == RG_E_UNAVAILABLE) http_reply_header(rep, "Retry-After", "1");
}

bool rest_cond_target(struct http_request *req, struct http_reply *rep, struct rest_op *op)
{
    const char *type = req->args[0];
    /* PUT/DELETE [type]?query share their pattern with the fixed GET-only paths. */
    if (!strcmp(type, "metadata") || !strcmp(type, "_history")) {
        http_reply_error(rep, RG_E_METHOD, "only GET is allowed on /fhir/%s", type);
        http_reply_header(rep, "Allow", "GET, HEAD");
        return false;
    }
    if (!rest_check_type(rep, type)) return false;
    memcpy(op->type, type, strlen(type) + 1);
    op->by_cond = true;
    struct rg_fail f = {0};
    const char *q = req->raw_query ? req->raw_query : "";
    if (rest_cond_parse(q, strlen(q), &op->cond, &f) != RG_OK) {
        rest_reply_fail(rep, &f);
        return false;
    }
    return true;
}

bool rest_check_type(struct http_reply *rep, const char *type)
{
    if (fhir_is_resource_type(type)) return true;
    http_reply_error(rep, RG_E_UNKNOWN_TYPE, "%.64s is not an R4 resource type", type);
    return false;
}

bool rest_check_id(struct http_reply *rep, const char *id)
{
    if (fhir_valid_id(id, strlen(id))) return true;
    http_reply_error(rep, RG_E_BAD_ID, "%.80s is not a valid FHIR id", id);
    return false;
}

const char *rest_status_text(int status)
{
    switch (status) {
    case 200:
        return "200 OK";
    case 201:
        return "201 Created";
    case 204:
        return "204 No Content";
    case 400:
        return "400 Bad Request";
    case 404:
        return "404 Not Found";
    case 405:
        return "405 Method Not Allowed";
    case 409:
        return "409 Conflict";
    case 410:
        return "410 Gone";
    case 412:
        return "412 Precondition Failed";
    case 413:
        return "413 Payload Too Large";
    case 422:
        return "422 Unprocessable Entity";
    case 500:
        return "500 Internal Server Error";
    case 503:
        return "503 Service Unavailable";
    default:
        return "500 Internal Server Error";
    }
}
