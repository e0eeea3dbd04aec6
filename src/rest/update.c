/* update (PUT [type]/[id], update-as-create) and conditional update (PUT [type]?query). */
#include <string.h>

#include "fhir/model.h"
#include "fhir/validate.h"
#include "json/jsonx.h"
#include "rest/internal.h"

static void update(struct http_request *req, struct http_reply *rep, struct rest_op *op)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    if (req->access) { /* a token shares only through a batch (rest_share_run) */
        rest_access_forbid(rep, "update");
        return;
    }
    enum rest_return ret = rest_prefer_return(http_header(req, "Prefer"));
    struct rg_fail f = {0};
    enum rg_err e = RG_OK;
    const char *im = http_header(req, "If-Match");
    if (im && !rest_parse_etag(im, &op->if_match))
        e = rg_fail_set(&f, RG_E_BAD_ETAG, NULL, "If-Match must look like W/\"3\"");
    if (e == RG_OK) e = rest_op_prepare(op, &f);
    if (e == RG_OK) e = rest_op_write(rc, op, &f);
    if (e != RG_OK) {
        rest_reply_fail(rep, &f);
        return;
    }
    if (op->status == 201) rest_reply_location(rc, rep, op->type, op->id, op->version);
    rest_reply_version_headers(rep, op->version, op->last_updated);
    rest_reply_written(rep, op->status, ret, op->resource,
                       op->status == 201 ? "created" : "updated");
}

void rest_h_update(struct http_request *req, struct http_reply *rep)
{
    const char *type = req->args[0], *id = req->args[1];
    if (!rest_check_type(rep, type) || !rest_check_id(rep, id)) return;
    struct rest_op op = {.method = REST_PUT, .resource = req->json};
    memcpy(op.type, type, strlen(type) + 1);
    memcpy(op.id, id, strlen(id) + 1);
    update(req, rep, &op);
    rest_op_clear(&op);
}

void rest_h_cond_update(struct http_request *req, struct http_reply *rep)
{
    struct rest_op op = {.method = REST_PUT, .resource = req->json};
    if (!rest_cond_target(req, rep, &op)) return;
    update(req, rep, &op);
    rest_op_clear(&op);
}

enum rg_err rest_put_resource(struct rest_ctx *rc, json_object *resource, struct rg_fail *f)
{
    const char *type = jsonx_get_str(resource, "resourceType");
    if (!type) return rg_fail_set(f, RG_E_NOT_RESOURCE, NULL, "no resourceType");
    if (!fhir_is_resource_type(type))
        return rg_fail_set(f, RG_E_UNKNOWN_TYPE, NULL, "unknown resourceType %.64s", type);
    const char *id = jsonx_get_str(resource, "id");
    struct rest_op op = {.method = id ? REST_PUT : REST_POST, .resource = resource};
    memcpy(op.type, type, strlen(type) + 1);
    if (id) {
        if (!fhir_valid_id(id, strlen(id)))
            return rg_fail_set(f, RG_E_BAD_ID, NULL, "%.80s is not a valid id", id);
        memcpy(op.id, id, strlen(id) + 1);
    }
    enum rg_err e = rest_op_prepare(&op, f);
    if (e == RG_OK) e = rest_op_write(rc, &op, f);
    rest_op_clear(&op);
    return e;
}
