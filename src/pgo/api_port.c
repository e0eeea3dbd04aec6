/* The API's portability routes: GET /api/export (everything of the account as one zip) and
 * POST /api/import (such a zip into the account's vault, all or nothing). */
#include "pgo/api_internal.h"

void pgo_api_export(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    pgo_api_error(rep, 501, "not_implemented", "export is not there yet");
}

void pgo_api_import(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    pgo_api_error(rep, 501, "not_implemented", "import is not there yet");
}
