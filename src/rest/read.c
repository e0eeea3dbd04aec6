/* read (GET [type]/[id]) and vread (GET [type]/[id]/_history/[vid]). */
#include <errno.h>
#include <stdlib.h>

#include "rest/internal.h"

static void reply_row(struct http_reply *rep, const struct store_row *row)
{
    rest_reply_version_headers(rep, row->version, row->last_updated);
    if (row->deleted) {
        http_reply_error(rep, RG_E_GONE, "%s/%s was deleted (version %lld)", row->type, row->id,
                         (long long)row->version);
        return;
    }
    rest_reply_stored(rep, 200, row->json, row->json_len);
}

static void reply_store_rc(struct http_reply *rep, enum store_rc src, const char *type,
                           const char *id)
{
    struct rg_fail f;
    if (src == STORE_NONE) {
        rg_fail_set(&f, RG_E_NOT_FOUND, NULL, "%s/%s is not known", type, id);
    } else {
        rest_store_fail(src, "read", &f);
    }
    rest_reply_fail(rep, &f);
}

void rest_h_read(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    const char *type = req->args[0], *id = req->args[1];
    if (!rest_check_type(rep, type) || !rest_check_id(rep, id)) return;
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->read(rc->store, type, id, &row);
    if (src == STORE_OK)
        reply_row(rep, &row);
    else
        reply_store_rc(rep, src, type, id);
    store_row_clear(&row);
}

void rest_h_vread(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    const char *type = req->args[0], *id = req->args[1], *vid = req->args[2];
    if (!rest_check_type(rep, type) || !rest_check_id(rep, id)) return;
    char *end;
    errno = 0;
    long long v = strtoll(vid, &end, 10);
    if (errno || *end || v < 1 || vid[0] < '0' || vid[0] > '9') {
        http_reply_error(rep, RG_E_BAD_PARAM, "version %.40s is not a positive integer", vid);
        return;
    }
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->vread(rc->store, type, id, v, &row);
    if (src == STORE_OK)
        reply_row(rep, &row);
    else
        reply_store_rc(rep, src, type, id);
    store_row_clear(&row);
}
