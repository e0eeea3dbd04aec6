/* create (POST [type]), conditional with If-None-Exist. The condition check and the insert run in
 * one write unit, so two racing conditional creates cannot both insert. */
#include <string.h>

#include "json/jsonx.h"
#include "rest/internal.h"

/* "/fhir/metadata" and "/fhir/_history" also match the {type} routes under other methods. */
static bool system_path(struct http_reply *rep, const char *type)
{
    if (strcmp(type, "metadata") != 0 && strcmp(type, "_history") != 0) return false;
    http_reply_error(rep, RG_E_METHOD, "only GET is allowed on /fhir/%s", type);
    http_reply_header(rep, "Allow", "GET, HEAD");
    return true;
}

void rest_h_create(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    const char *type = req->args[0];
    if (system_path(rep, type) || !rest_check_type(rep, type)) return;
    if (req->access) { /* a token shares only through a batch (rest_share_run) */
        rest_access_forbid(rep, "create");
        return;
    }
    enum rest_return ret = rest_prefer_return(http_header(req, "Prefer"));
    struct rest_op op = {.method = REST_POST, .resource = req->json};
    memcpy(op.type, type, strlen(type) + 1);
    op.want_existing = ret == REST_RETURN_REPRESENTATION;
    struct rg_fail f = {0};
    const char *ine = http_header(req, "If-None-Exist");
    enum rg_err e = RG_OK;
    if (ine) {
        op.by_cond = true;
        e = rest_cond_parse(ine, strlen(ine), &op.cond, &f);
    }
    if (e == RG_OK) e = rest_op_prepare(&op, &f);
    if (e == RG_OK) e = rest_op_write(rc, &op, &f);
    if (e != RG_OK) {
        rest_reply_fail(rep, &f);
        rest_op_clear(&op);
        return;
    }
    rest_reply_location(rc, rep, op.type, op.id, op.version);
    rest_reply_version_headers(rep, op.version, op.last_updated);
    if (op.matched) {
        if (ret == REST_RETURN_REPRESENTATION && op.existing)
            rest_reply_stored(rep, 200, op.existing, strlen(op.existing));
        else
            rest_reply_written(rep, 200, ret, NULL, "an existing resource matched If-None-Exist");
    } else {
        rest_reply_written(rep, 201, ret, op.resource, "created");
    }
    rest_op_clear(&op);
}
