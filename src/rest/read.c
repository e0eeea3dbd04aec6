/* read (GET [type]/[id]) and vread (GET [type]/[id]/_history/[vid]). Under a token (req->access)
 * a resource it may not read, or a deleted one (whose compartment the marker does not tell),
 * answers 404 exactly like one that does not exist. */
#include <errno.h>
#include <stdlib.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "rest/internal.h"

/* The Patient whose compartment holds row, for the audit entry of an unrestricted read (under
 * a token it is the token's). Costs a parse, so only when the access is recorded. */
static void note_patient(const struct rest_ctx *rc, const struct store_row *row)
{
    if (!rc->audit || !row->json) return;
    enum jsonx_err je;
    json_object *v = jsonx_parse(row->json, row->json_len, REST_STORED_DEPTH, &je, NULL, 0);
    char comp[STORE_ID_MAX];
    if (v && fhir_patient_compartment(row->type, v, comp, sizeof comp)) rest_note_patient(comp);
    json_object_put(v);
}

/* Replies with row, unless the request's access may not see it. */
static void reply_row(struct http_request *req, struct http_reply *rep, const struct store_row *row)
{
    const struct rest_access *a = rest_access_of(req);
    if (a && (row->deleted || !rest_access_may_read(a, rest_ctx_of(req)->store, row->type,
                                                    row->json, row->json_len))) {
        rest_access_hide(rep, row->type, row->id);
        return;
    }
    if (!a) note_patient(rest_ctx_of(req), row);
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
    if (req->access && !rest_access_type_ok(req->access, type, false)) {
        rest_access_hide(rep, type, id);
        return;
    }
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->read(rc->store, type, id, &row);
    if (src == STORE_OK)
        reply_row(req, rep, &row);
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
    if (req->access && !rest_access_type_ok(req->access, type, false)) {
        rest_access_hide(rep, type, id);
        return;
    }
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->vread(rc->store, type, id, v, &row);
    if (src == STORE_OK)
        reply_row(req, rep, &row);
    else
        reply_store_rc(rep, src, type, id);
    store_row_clear(&row);
}
