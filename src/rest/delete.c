/* delete (DELETE [type]/[id]) and conditional delete (DELETE [type]?query): a versioned delete
 * marker; deleting what is absent or already deleted answers 204 without a new version. */
#include <string.h>

#include "rest/internal.h"

static void run_delete(struct http_request *req, struct http_reply *rep, struct rest_op *op)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    if (req->access) {
        rest_access_forbid(rep, "delete");
        return;
    }
    struct rg_fail f = {0};
    const char *im = http_header(req, "If-Match");
    if (im && !rest_parse_etag(im, &op->if_match)) {
        rg_fail_set(&f, RG_E_BAD_ETAG, NULL, "If-Match must look like W/\"3\"");
        rest_reply_fail(rep, &f);
        return;
    }
    enum rg_err e = rest_op_prepare(op, &f);
    if (e == RG_OK) e = rest_op_write(rc, op, &f);
    if (e != RG_OK) {
        rest_reply_fail(rep, &f);
        return;
    }
    if (!op->noop) rest_reply_version_headers(rep, op->version, NULL);
    http_reply_empty(rep, 204);
}

void rest_h_delete(struct http_request *req, struct http_reply *rep)
{
    const char *type = req->args[0], *id = req->args[1];
    if (!rest_check_type(rep, type) || !rest_check_id(rep, id)) return;
    struct rest_op op = {.method = REST_DELETE};
    memcpy(op.type, type, strlen(type) + 1);
    memcpy(op.id, id, strlen(id) + 1);
    run_delete(req, rep, &op);
    rest_op_clear(&op);
}

void rest_h_cond_delete(struct http_request *req, struct http_reply *rep)
{
    struct rest_op op = {.method = REST_DELETE};
    if (!rest_cond_target(req, rep, &op)) return;
    run_delete(req, rep, &op);
    rest_op_clear(&op);
}
