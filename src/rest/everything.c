/* GET Patient/[id]/$everything: every current resource in the Patient's compartment (the Patient
 * itself included), paged with _count and _offset like a search, and on each page the resources
 * outside the compartment that the page refers to (Practitioner, Organization, Medication ...) as
 * includes. 404 when there is no such Patient, 410 when it was deleted. */
#include <stdio.h>
#include <stdlib.h>

#include "rest/search_run.h"

void rest_h_everything(struct http_request *req, struct http_reply *rep)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    const char *id = req->args[0];
    if (!rest_check_id(rep, id)) return;
    struct store_row row = {0};
    enum store_rc src = rc->store->ops->read(rc->store, "Patient", id, &row);
    bool deleted = row.deleted;
    store_row_clear(&row);
    struct rg_fail f;
    if (src != STORE_OK || deleted) {
        if (src == STORE_NONE)
            rg_fail_set(&f, RG_E_NOT_FOUND, NULL, "Patient/%s is not known", id);
        else if (src == STORE_OK)
            rg_fail_set(&f, RG_E_GONE, NULL, "Patient/%s was deleted", id);
        else
            rest_store_fail(src, "read", &f);
        rest_reply_fail(rep, &f);
        return;
    }
    struct search *s = search_parse_request(req, rep, NULL, req->params, req->nparams);
    if (!s) return;
    s->q.type = NULL;
    s->q.compartment = id;
    char path[STORE_ID_MAX + 32];
    snprintf(path, sizeof path, "Patient/%s/$everything", id);
    struct search_links links = {.path = path};
    search_answer(req, rep, s, &links, true);
    free(s);
}
