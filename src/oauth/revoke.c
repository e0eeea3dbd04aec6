/* POST /oauth/revoke (RFC 7009) on the back channel: the client (the mutual-TLS certificate host,
 * named by client_id, on the OCL and the Whitelist) revokes one of its tokens. A refresh token ends
 * its whole consent family; an access token ends itself. Unknown tokens, and tokens of another
 * client, answer 200 as well (§2.2), so the endpoint tells nobody which tokens exist. The
 * token_type_hint is not needed: both kinds live in one table. */
#include <stdio.h>
#include <string.h>

#include "oauth/oauth.h"
#include "oauth/token_priv.h"
#include "util/log.h"

static void revoke_handler(struct http_request *req, struct http_reply *rep)
{
    struct oauth_server *s = req->app;
    char request_id[OAUTH_REQUEST_ID_MAX], correlation_id[OAUTH_REQUEST_ID_MAX];
    oauth_request_ids(req, request_id, correlation_id);
    oauth_echo_request_ids(rep, request_id, correlation_id);
    http_reply_header(rep, "Cache-Control", "no-store");
    bool twice = false;
    const char *token = oauth_param_once(req, "token", &twice);
    const char *client_id = oauth_param_once(req, "client_id", &twice);
    oauth_param_once(req, "token_type_hint", &twice);
    if (twice) {
        oauth_token_error(rep, 400, "invalid_request", "a parameter is given more than once");
        return;
    }
    if (oauth_client_check(s, req, client_id, rep) != 0) return;
    if (!token) {
        oauth_token_error(rep, 400, "invalid_request", "token is missing");
        return;
    }
    bool found = false;
    enum oauth_grants_rc rc = oauth_grants_revoke_token(s->grants, token, req->client_host, &found);
    if (rc != OAUTH_GRANTS_OK) {
        /* §2.2.1: the client may retry later. */
        http_reply_header(rep, "Retry-After", "5");
        oauth_token_error(rep, 503, "temporarily_unavailable", "the grant store failed");
        return;
    }
    log_info("oauth revoke: client %s, %s, request %s, correlation %s", req->client_host,
             found ? "revoked" : "no such token", request_id[0] ? request_id : "-",
             correlation_id[0] ? correlation_id : "-");
    http_reply_empty(rep, 200);
}

const struct http_route oauth_revoke_route = {
    .method = "POST",
    .pattern = "/oauth/revoke",
    .handler = revoke_handler,
    .body = HTTP_BODY_FORM,
    .body_limit = 16 * 1024,
    .name = "oauth-revoke",
    .client_cert = true,
};
