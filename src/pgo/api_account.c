/* DELETE /api/account: the account and everything of it. */
#include "pgo/api_internal.h"

void pgo_api_account_delete(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    pgo_api_error(rep, 501, "not_implemented", "account deletion is not there yet");
}
