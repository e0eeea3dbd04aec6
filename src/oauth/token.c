/* POST /oauth/token (RFC 6749 §3.2, §4.1.3, §6 as MedMij profiles it): the back channel, over
 * mutual TLS. The client is the certificate's host: client_id must name it, and it must be on the
 * OCL and the Whitelist. Parameters come from the form body or the query (both are merged by the
 * http floor); a parameter given twice is refused. Never logs a code or a token. */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oauth/oauth.h"
#include "oauth/token_priv.h"
#include "util/log.h"

/* The parameters of a token request; each at most once. */
static const char *const known_params[] = {
    "grant_type", "code", "redirect_uri", "client_id", "code_verifier", "refresh_token", "scope",
};

void oauth_token_error(struct http_reply *rep, int status, const char *error,
                       const char *description)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    if (description)
        json_object_object_add(o, "error_description", json_object_new_string(description));
    http_reply_json(rep, status, o);
    json_object_put(o);
    rep->content_type = "application/json;charset=utf-8";
}

const char *oauth_param_once(const struct http_request *req, const char *name, bool *twice)
{
    const char *found = NULL;
    for (size_t i = 0; i < req->nparams; i++) {
        if (strcmp(req->params[i].name, name) != 0) continue;
        if (found) {
            *twice = true;
            return NULL;
        }
        found = req->params[i].value;
    }
    return found && *found ? found : NULL; /* an empty value counts as absent (RFC 6749 §3.1) */
}

int oauth_client_check(struct oauth_server *s, const struct http_request *req,
                       const char *client_id, struct http_reply *rep)
{
    if (!req->client_cert_ok || !req->client_host[0]) {
        /* The route requires the certificate, so this is our bug if it happens. */
        oauth_token_error(rep, 401, "invalid_client", "a client certificate is required");
        return -1;
    }
    if (!client_id) {
        oauth_token_error(rep, 400, "invalid_request", "client_id is missing");
        return -1;
    }
    if (strcasecmp(client_id, req->client_host) != 0) {
        log_client("oauth: client_id %.64s does not match the certificate host %.64s", client_id,
                   req->client_host);
        oauth_token_error(rep, 401, "invalid_client",
                          "client_id is not the host name of the client certificate");
        return -1;
    }
    if (!oauth_client_allowed(s, req->client_host, NULL, 0)) {
        log_client("oauth: client %.64s is not on the OCL and the Whitelist", req->client_host);
        oauth_token_error(rep, 401, "invalid_client",
                          "the client is not on the OAuth client list and the Whitelist");
        return -1;
    }
    return 0;
}

static void reply_tokens(struct http_reply *rep, const struct oauth_token_set *t)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(t->access_token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_in", json_object_new_int64(t->expires_in));
    json_object_object_add(o, "scope", json_object_new_string(t->consent.scope));
    json_object_object_add(o, "refresh_token", json_object_new_string(t->refresh_token));
    http_reply_json(rep, 200, o);
    json_object_put(o);
    rep->content_type = "application/json;charset=utf-8";
}

/* The audit record of a token issue: who consented, which client, which token (by reference). */
static void audit_issue(struct oauth_server *s, const struct oauth_token_set *t,
                        const char *grant_type, const char *request_id)
{
    if (!s->cfg.audit) return;
    char ref[AUDIT_TOKEN_REF_LEN];
    audit_token_ref(t->access_token, strlen(t->access_token), ref);
    char what[64];
    snprintf(what, sizeof what, "token %s", grant_type);
    struct audit_entry e = {.actor = t->consent.subject,
                            .client = t->consent.client_id,
                            .token = ref,
                            .patient = t->consent.patient_id,
                            .action = "consent",
                            .what = what,
                            .outcome = 200,
                            .purpose = "medmij-token",
                            .request = request_id && *request_id ? request_id : NULL};
    enum audit_err err = audit_record(s->cfg.audit, &e);
    if (err != AUDIT_OK) log_bug("oauth: the audit log refused a token record (%d)", (int)err);
}

/* The audit record of a replay: the consent it revoked, so the patient's log says why it ended. */
static void audit_replay(struct oauth_server *s, const struct oauth_consent *c,
                         const char *grant_type, const char *request_id)
{
    if (!s->cfg.audit || !c->id[0]) return;
    char what[96];
    snprintf(what, sizeof what, "consent %s revoked: %s used again", c->id,
             !strcmp(grant_type, "authorization_code") ? "code" : "refresh token");
    struct audit_entry e = {.actor = c->subject,
                            .client = c->client_id,
                            .token = c->id,
                            .patient = c->patient_id,
                            .action = "consent",
                            .what = what,
                            .outcome = 400,
                            .purpose = "medmij-token",
                            .request = request_id && *request_id ? request_id : NULL};
    enum audit_err err = audit_record(s->cfg.audit, &e);
    if (err != AUDIT_OK) log_bug("oauth: the audit log refused a replay record (%d)", (int)err);
}

/* Maps a grant store result to the RFC 6749 error answer; 0 for OK. */
static int grant_error(struct http_reply *rep, enum oauth_grants_rc rc, const char *what)
{
    switch (rc) {
    case OAUTH_GRANTS_OK:
        return 0;
    case OAUTH_GRANTS_NOT_FOUND:
        oauth_token_error(rep, 400, "invalid_grant",
                          !strcmp(what, "code")
                              ? "the code is unknown, expired or not this client's"
                              : "the refresh token is unknown, expired, revoked "
                                "or not this client's");
        break;
    case OAUTH_GRANTS_MISMATCH:
        oauth_token_error(rep, 400, "invalid_grant",
                          "redirect_uri or code_verifier does not match the authorization request");
        break;
    case OAUTH_GRANTS_REPLAY:
        oauth_token_error(rep, 400, "invalid_grant",
                          !strcmp(what, "code")
                              ? "the code was already used; what it issued is revoked"
                              : "the refresh token was already used; the grant is revoked");
        break;
    case OAUTH_GRANTS_SCOPE:
        oauth_token_error(rep, 400, "invalid_scope", "the scope differs from the one granted");
        break;
    case OAUTH_GRANTS_INVALID:
        oauth_token_error(rep, 400, "invalid_request", "a required parameter is malformed");
        break;
    case OAUTH_GRANTS_ERROR:
        oauth_token_error(rep, 500, "server_error", "the grant store failed");
        break;
    }
    return -1;
}

static void token_handler(struct http_request *req, struct http_reply *rep)
{
    struct oauth_server *s = req->app;
    char request_id[OAUTH_REQUEST_ID_MAX], correlation_id[OAUTH_REQUEST_ID_MAX];
    oauth_request_ids(req, request_id, correlation_id);
    oauth_echo_request_ids(rep, request_id, correlation_id);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_header(rep, "Pragma", "no-cache");

    const char *v[sizeof known_params / sizeof known_params[0]];
    bool twice = false;
    for (size_t i = 0; i < sizeof known_params / sizeof known_params[0]; i++) {
        v[i] = oauth_param_once(req, known_params[i], &twice);
        if (twice) {
            oauth_token_error(rep, 400, "invalid_request", "a parameter is given more than once");
            goto done;
        }
    }
    const char *grant_type = v[0], *code = v[1], *redirect_uri = v[2], *client_id = v[3],
               *verifier = v[4], *refresh = v[5], *scope = v[6];
    if (oauth_client_check(s, req, client_id, rep) != 0) goto done;
    if (!grant_type) {
        oauth_token_error(rep, 400, "invalid_request", "grant_type is missing");
        goto done;
    }
    struct oauth_token_set t;
    if (!strcmp(grant_type, "authorization_code")) {
        if (!code || !redirect_uri) {
            oauth_token_error(rep, 400, "invalid_request",
                              !code ? "code is missing" : "redirect_uri is missing");
            goto done;
        }
        enum oauth_grants_rc rc =
            oauth_grants_code_redeem(s->grants, code, req->client_host, redirect_uri, verifier, &t);
        if (rc == OAUTH_GRANTS_REPLAY) audit_replay(s, &t.consent, grant_type, request_id);
        if (grant_error(rep, rc, "code") != 0) goto done;
    } else if (!strcmp(grant_type, "refresh_token")) {
        if (!refresh) {
            oauth_token_error(rep, 400, "invalid_request", "refresh_token is missing");
            goto done;
        }
        enum oauth_grants_rc rc =
            oauth_grants_refresh(s->grants, refresh, req->client_host, scope, &t);
        if (rc == OAUTH_GRANTS_REPLAY) audit_replay(s, &t.consent, grant_type, request_id);
        if (grant_error(rep, rc, "refresh") != 0) goto done;
    } else {
        oauth_token_error(rep, 400, "unsupported_grant_type",
                          "only authorization_code and refresh_token are supported");
        goto done;
    }
    audit_issue(s, &t, grant_type, request_id);
    reply_tokens(rep, &t);
    log_info("oauth token: %s for client %s, consent %s, request %s, correlation %s", grant_type,
             t.consent.client_id, t.consent.id, request_id[0] ? request_id : "-",
             correlation_id[0] ? correlation_id : "-");
    OPENSSL_cleanse(&t, sizeof t); /* the tokens live on only in the reply */
    oauth_maybe_sweep(s);
    return;
done:
    log_client("oauth token: refused %d for %s, request %s, correlation %s", rep->status,
               req->client_host[0] ? req->client_host : "-", request_id[0] ? request_id : "-",
               correlation_id[0] ? correlation_id : "-");
}

const struct http_route oauth_token_route = {
    .method = "POST",
    .pattern = "/oauth/token",
    .handler = token_handler,
    .body = HTTP_BODY_FORM,
    .body_limit = 16 * 1024,
    .name = "oauth-token",
    .client_cert = true,
};
