/* The PGO's JSON API: setup, the route table, sessions and CSRF, login, logout and me. */
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/qr.h"
#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/fhirtime.h"
#include "util/log.h"

/* ---- replies ---- */

void pgo_api_json(struct http_reply *rep, int status, json_object *v)
{
    http_reply_json(rep, status, v);
    rep->content_type = "application/json";
    http_reply_header(rep, "Cache-Control", "no-store");
}

void pgo_api_error(struct http_reply *rep, int status, const char *error, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    json_object_object_add(o, "message", json_object_new_string(msg));
    pgo_api_json(rep, status, o);
    json_object_put(o);
}

/* ---- sessions ---- */

int pgo_api_session(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                    bool csrf, struct pgo_who *who)
{
    memset(who, 0, sizeof *who);
    const char *cookie = http_header(req, "Cookie");
    if (!cookie || session_cookie_parse(cookie, strlen(cookie), who->session) != 0 ||
        accounts_session_check_until(api->cfg.accounts, who->session, &who->account,
                                     &who->session_ends) != ACCOUNTS_OK) {
        pgo_api_error(rep, 401, "unauthenticated", "log in first");
        goto refuse;
    }
    if (who->account.role != ACCOUNT_PATIENT) {
        pgo_api_error(rep, 403, "forbidden", "this API is for patient accounts");
        goto refuse;
    }
    if (csrf) {
        const char *given = http_header(req, "X-CSRF-Token");
        if (!given || !accounts_csrf_verify(api->cfg.accounts, who->session, given)) {
            pgo_api_error(rep, 403, "csrf", "the X-CSRF-Token header is missing or wrong");
            goto refuse;
        }
    }
    return 0;
refuse:
    OPENSSL_cleanse(who, sizeof *who);
    return -1;
}

/* ---- login, logout, me ---- */

static void add_me(json_object *o, struct pgo_api *api, const struct account *acct,
                   const char *session)
{
    char csrf[CSRF_TOKEN_LEN];
    json_object_object_add(o, "username", json_object_new_string(acct->username));
    json_object_object_add(o, "subject", json_object_new_string(acct->subject));
    char patient[64];
    snprintf(patient, sizeof patient, "Patient/%s", acct->subject);
    json_object_object_add(o, "patient", json_object_new_string(patient));
    if (accounts_csrf_token(api->cfg.accounts, session, csrf) == ACCOUNTS_OK)
        json_object_object_add(o, "csrf", json_object_new_string(csrf));
}

void pgo_api_login(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    const char *user = jsonx_get_str(req->json, "username");
    const char *password = jsonx_get_str(req->json, "password");
    const char *totp = jsonx_get_str(req->json, "totp");
    if (!user || !password || !totp) {
        pgo_api_error(rep, 400, "invalid_request", "username, password and totp are required");
        return;
    }
    if (!api->cfg.idp || !api->cfg.idp->authenticate) {
        pgo_api_error(rep, 500, "internal", "no login provider for forms");
        return;
    }
    /* Sign-ups not confirmed in time go now, not only at the next sign-up (one indexed DELETE). */
    accounts_signup_sweep(api->cfg.accounts, NULL);
    struct idp_identity who;
    int64_t retry = 0;
    enum idp_rc rc = api->cfg.idp->authenticate(api->cfg.idp->ctx, user, password, totp,
                                                req->client_addr, &who, &retry);
    if (rc == IDP_LOCKED) {
        char after[32];
        snprintf(after, sizeof after, "%lld", (long long)(retry > 0 ? retry : 1));
        http_reply_header(rep, "Retry-After", after);
        pgo_api_error(rep, 429, "locked", "too many failed logins; try again in %s seconds", after);
        return;
    }
    if (rc == IDP_INVALID) {
        pgo_api_error(rep, 400, "invalid_request", "the login request is malformed");
        return;
    }
    if (rc != IDP_OK) {
        pgo_api_error(rep, rc == IDP_DENIED ? 401 : 503, "login_failed",
                      "the username, password or code is not right");
        return;
    }
    struct account acct;
    if (accounts_get_by_subject(api->cfg.accounts, who.subject, &acct) != ACCOUNTS_OK ||
        acct.role != ACCOUNT_PATIENT) {
        pgo_api_error(rep, 403, "forbidden", "this app is for patient accounts");
        return;
    }
    pgo_api_start_session(api, req, rep, &acct);
}

void pgo_api_start_session(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                           const struct account *acct_in)
{
    struct account acct = *acct_in;
    /* A session id from before the login is never reused (fixation): end it, start anew. */
    char old[SESSION_TOKEN_LEN];
    const char *cookie = http_header(req, "Cookie");
    if (cookie && session_cookie_parse(cookie, strlen(cookie), old) == 0)
        accounts_session_end(api->cfg.accounts, old);
    OPENSSL_cleanse(old, sizeof old);
    if (pgo_vault_ensure_patient(api, &acct) != 0) {
        pgo_api_error(rep, 500, "internal", "your record could not be prepared");
        return;
    }
    char token[SESSION_TOKEN_LEN], set_cookie[256];
    if (accounts_session_start(api->cfg.accounts, acct.id, token) != ACCOUNTS_OK ||
        session_cookie(token, set_cookie, sizeof set_cookie) < 0) {
        pgo_api_error(rep, 500, "internal", "no session could be started");
        return;
    }
    json_object *o = json_object_new_object();
    add_me(o, api, &acct, token);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    http_reply_header(rep, "Set-Cookie", set_cookie);
    OPENSSL_cleanse(token, sizeof token);
    OPENSSL_cleanse(set_cookie, sizeof set_cookie);
    pgo_api_audit(api, acct.subject, "login", "Patient", 200, "patient-access", NULL, NULL);
    log_info("pgo: login of account %lld", (long long)acct.id);
}

void pgo_api_logout(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    accounts_session_end(api->cfg.accounts, who.session);
    pgo_api_audit(api, who.account.subject, "logout", "Patient", 200, "patient-access", NULL, NULL);
    char clear[256];
    session_cookie_clear(clear, sizeof clear);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "logged_out", json_object_new_boolean(1));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    http_reply_header(rep, "Set-Cookie", clear);
    OPENSSL_cleanse(&who, sizeof who);
}

void pgo_api_me(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    json_object *o = json_object_new_object();
    add_me(o, api, &who.account, who.session);
    /* When the session ends unless used again, so the app can warn before it does. */
    char ends[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(who.session_ends * 1000000, ends);
    json_object_object_add(o, "session_expires", json_object_new_string(ends));
    json_object_object_add(o, "session_idle_seconds",
                           json_object_new_int64(accounts_session_idle(api->cfg.accounts)));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    OPENSSL_cleanse(&who, sizeof who);
}

/* ---- a new second factor (a new phone): POST /api/totp/begin, POST /api/totp/confirm ---- */

void pgo_api_totp_begin(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    struct accounts_enrolment e = {0};
    if (accounts_totp_begin(api->cfg.accounts, who.account.id, &e) != ACCOUNTS_OK) {
        pgo_api_error(rep, 500, "internal", "no new secret could be made");
        return;
    }
    /* The current secret stays in force until a code of the new one is confirmed. */
    char *svg = qr_svg(e.uri);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "secret", json_object_new_string(e.secret));
    json_object_object_add(o, "uri", json_object_new_string(e.uri));
    json_object_object_add(o, "qr_svg", svg ? json_object_new_string(svg) : NULL);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    free(svg);
    accounts_enrolment_free(&e);
}

void pgo_api_totp_confirm(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *code = jsonx_get_str(req->json, "code");
    if (!code) {
        pgo_api_error(rep, 400, "invalid_request", "code is required");
        return;
    }
    enum accounts_rc rc = accounts_totp_confirm(api->cfg.accounts, who.account.id, code);
    if (rc == ACCOUNTS_NOT_FOUND) {
        pgo_api_error(rep, 409, "no_pending_secret", "start with POST /api/totp/begin");
        return;
    }
    if (rc != ACCOUNTS_OK) {
        pgo_api_error(rep, 400, "wrong_code", "that is not a current code of the new secret");
        return;
    }
    pgo_api_audit(api, who.account.subject, "update", "Account/totp", 200, "patient-access", NULL,
                  NULL);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "confirmed", json_object_new_boolean(1));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- the audit log ---- */

void pgo_api_audit(struct pgo_api *api, const char *subject, const char *action, const char *what,
                   int outcome, const char *purpose, const char *client, const char *request)
{
    if (!api->cfg.audit) return;
    struct audit_entry e = {.actor = subject,
                            .client = client ? client : api->client_id,
                            .patient = subject,
                            .action = action,
                            .what = what,
                            .outcome = outcome,
                            .purpose = purpose,
                            .request = request};
    enum audit_err rc = audit_record(api->cfg.audit, &e);
    if (rc != AUDIT_OK) log_bug("pgo: the audit log refused a %s entry (%d)", action, (int)rc);
}

/* ---- the catalogue ---- */

const struct pgo_service_def *pgo_api_service(const struct pgo_api *api, const char *id)
{
    for (size_t i = 0; id && i < api->cfg.nservices; i++)
        if (!strcmp(api->services[i].id, id)) return &api->services[i];
    return NULL;
}

const char *pgo_api_service_name(const struct pgo_api *api, const struct medmij_list *gnl,
                                 const char *id)
{
    const char *name = gnl ? medmij_gnl_name(gnl, id) : NULL;
    if (name) return name;
    const struct pgo_service_def *def = pgo_api_service(api, id);
    return def ? def->name : NULL;
}

/* ---- setup ---- */

static char *keep(struct pgo_api *api, const char *s)
{
    if (!s) return NULL;
    char *copy = strdup(s);
    if (!copy) return NULL;
    char **grown =
        realloc(api->service_strings, (api->nservice_strings + 1) * sizeof *api->service_strings);
    if (!grown) {
        free(copy);
        return NULL;
    }
    api->service_strings = grown;
    api->service_strings[api->nservice_strings++] = copy;
    return copy;
}

/* Copies a list of strings into the api's keeping: the array of pointers is kept as one more
 * string-list entry, each string with keep(). Returns the copy, or NULL (n == 0 or no memory:
 * *failed tells which). */
static const char *const *copy_list(struct pgo_api *api, const char *const *from, size_t n,
                                    bool *failed)
{
    if (n == 0) return NULL;
    const char **list = calloc(n, sizeof *list);
    char **grown =
        realloc(api->service_strings, (api->nservice_strings + 1) * sizeof *api->service_strings);
    if (grown) api->service_strings = grown;
    if (!list || !grown) {
        free(list);
        *failed = true;
        return NULL;
    }
    api->service_strings[api->nservice_strings++] = (char *)list;
    for (size_t j = 0; j < n; j++)
        if (!(list[j] = keep(api, from[j]))) *failed = true;
    return *failed ? NULL : list;
}

static int copy_services(struct pgo_api *api, const struct pgo_api_config *cfg)
{
    api->services = calloc(cfg->nservices + 1, sizeof *api->services);
    if (!api->services) return -1;
    for (size_t i = 0; i < cfg->nservices; i++) {
        const struct pgo_service_def *from = &cfg->services[i];
        struct pgo_service_def *to = &api->services[i];
        bool failed = false;
        to->share = from->share;
        to->id = keep(api, from->id);
        to->name = from->name ? keep(api, from->name) : NULL;
        if (!to->id || (from->name && !to->name)) return -1;
        to->searches = copy_list(api, from->searches, from->nsearches, &failed);
        to->nsearches = to->searches ? from->nsearches : 0;
        to->types = copy_list(api, from->types, from->ntypes, &failed);
        to->ntypes = to->types ? from->ntypes : 0;
        if (failed) return -1;
    }
    return 0;
}

struct pgo_api *pgo_api_new(const struct pgo_api_config *cfg, char *err, size_t err_len)
{
    if (!cfg->accounts || !cfg->idp || !cfg->lists || !cfg->conns || !cfg->vault || !cfg->store ||
        !cfg->client_id || !cfg->public_url) {
        snprintf(err, err_len,
                 "the PGO API needs accounts, a login provider, lists, "
                 "connections, the vault, a client id and a public URL");
        return NULL;
    }
    struct pgo_api *api = calloc(1, sizeof *api);
    if (!api) goto oom;
    api->cfg = *cfg;
    const char *redirect_path = cfg->redirect_path ? cfg->redirect_path : "/connect/callback";
    if (redirect_path[0] != '/') {
        snprintf(err, err_len, "the redirect path must start with '/'");
        pgo_api_free(api);
        return NULL;
    }
    size_t base_len = strlen(cfg->public_url);
    while (base_len && cfg->public_url[base_len - 1] == '/') base_len--;
    size_t uri_len = base_len + strlen(redirect_path) + 1;
    api->redirect_uri = malloc(uri_len);
    api->client_id = strdup(cfg->client_id);
    api->public_url = strndup(cfg->public_url, base_len);
    api->redirect_path = strdup(redirect_path);
    api->app_url = strdup(cfg->app_url ? cfg->app_url : "/app/#/providers");
    if (!api->redirect_uri || !api->client_id || !api->public_url || !api->redirect_path ||
        !api->app_url)
        goto oom;
    snprintf(api->redirect_uri, uri_len, "%.*s%s", (int)base_len, cfg->public_url, redirect_path);
    if ((cfg->call.tls.client_cert && !(api->tls_cert = strdup(cfg->call.tls.client_cert))) ||
        (cfg->call.tls.client_key && !(api->tls_key = strdup(cfg->call.tls.client_key))) ||
        (cfg->call.tls.peer_ca && !(api->tls_ca = strdup(cfg->call.tls.peer_ca))))
        goto oom;
    api->cfg.call.tls.client_cert = api->tls_cert;
    api->cfg.call.tls.client_key = api->tls_key;
    api->cfg.call.tls.peer_ca = api->tls_ca;
    api->cfg.call.correlation_id = NULL;
    if (copy_services(api, cfg) != 0) goto oom;
    api->cfg.services = api->services;
    api->cfg.client_id = api->client_id;
    api->cfg.public_url = api->public_url;
    api->cfg.redirect_path = api->redirect_path;
    api->cfg.app_url = api->app_url;
    return api;
oom:
    snprintf(err, err_len, "out of memory");
    pgo_api_free(api);
    return NULL;
}

void pgo_api_free(struct pgo_api *api)
{
    if (!api) return;
    for (size_t i = 0; i < api->nservice_strings; i++) free(api->service_strings[i]);
    free(api->service_strings);
    free(api->services);
    free(api->client_id);
    free(api->public_url);
    free(api->redirect_path);
    free(api->app_url);
    free(api->redirect_uri);
    free(api->tls_cert);
    free(api->tls_key);
    free(api->tls_ca);
    free(api);
}

size_t pgo_api_routes(struct pgo_api *api, struct http_route *out, size_t cap)
{
    const struct http_route routes[] = {
        {.method = "POST",
         .pattern = "/api/login",
         .handler = pgo_api_login,
         .body = HTTP_BODY_JSON,
         .body_limit = 4096,
         .name = "pgo-login"},
        {.method = "POST",
         .pattern = "/api/logout",
         .handler = pgo_api_logout,
         .name = "pgo-logout"},
        {.method = "GET", .pattern = "/api/me", .handler = pgo_api_me, .name = "pgo-me"},
        {.method = "GET",
         .pattern = "/api/providers",
         .handler = pgo_api_providers,
         .name = "pgo-providers"},
        {.method = "GET",
         .pattern = "/api/connections",
         .handler = pgo_api_connections,
         .name = "pgo-connections"},
        {.method = "POST",
         .pattern = "/api/connections",
         .handler = pgo_api_connect,
         .body = HTTP_BODY_JSON,
         .body_limit = 4096,
         .name = "pgo-connect"},
        {.method = "POST",
         .pattern = "/api/connections/{id}/collect",
         .handler = pgo_api_collect,
         .name = "pgo-collect"},
        {.method = "DELETE",
         .pattern = "/api/connections/{id}",
         .handler = pgo_api_disconnect,
         .name = "pgo-disconnect"},
        {.method = "POST",
         .pattern = "/api/share",
         .handler = pgo_api_share,
         .body = HTTP_BODY_JSON,
         .body_limit = 64 * 1024,
         .name = "pgo-share"},
        {.method = "GET",
         .pattern = "/api/shares",
         .handler = pgo_api_shares,
         .name = "pgo-shares"},
        {.method = "POST",
         .pattern = "/api/totp/begin",
         .handler = pgo_api_totp_begin,
         .name = "pgo-totp-begin"},
        {.method = "POST",
         .pattern = "/api/totp/confirm",
         .handler = pgo_api_totp_confirm,
         .body = HTTP_BODY_JSON,
         .body_limit = 1024,
         .name = "pgo-totp-confirm"},
        {.method = "POST",
         .pattern = "/api/register",
         .handler = pgo_api_register,
         .body = HTTP_BODY_JSON,
         .body_limit = 4096,
         .name = "pgo-register"},
        {.method = "POST",
         .pattern = "/api/register/confirm",
         .handler = pgo_api_register_confirm,
         .body = HTTP_BODY_JSON,
         .body_limit = 4096,
         .name = "pgo-register-confirm"},
        {.method = "GET",
         .pattern = "/api/records",
         .handler = pgo_api_records,
         .name = "pgo-records"},
        {.method = "GET",
         .pattern = "/api/records/{type}/{id}",
         .handler = pgo_api_record,
         .name = "pgo-record"},
        {.method = "POST",
         .pattern = "/api/measurements",
         .handler = pgo_api_measurement,
         .body = HTTP_BODY_JSON,
         .body_limit = 64 * 1024,
         .name = "pgo-measurement"},
        {.method = "GET",
         .pattern = "/api/measurements/kinds",
         .handler = pgo_api_measurement_kinds,
         .name = "pgo-measurement-kinds"},
        {.method = "GET",
         .pattern = "/api/measurements",
         .handler = pgo_api_measurements,
         .name = "pgo-measurements"},
        {.method = "POST",
         .pattern = "/api/measurements/import",
         .handler = pgo_api_measurements_import,
         .body = HTTP_BODY_RAW,
         .body_limit = 1u << 20,
         .name = "pgo-measurements-import"},
        {.method = "DELETE",
         .pattern = "/api/measurements/{id}",
         .handler = pgo_api_measurement_delete,
         .name = "pgo-measurement-delete"},
        {.method = "GET",
         .pattern = "/api/audit",
         .handler = pgo_api_audit_log,
         .name = "pgo-audit"},
        {.method = "GET",
         .pattern = "/api/export",
         .handler = pgo_api_export,
         .name = "pgo-export"},
        {.method = "POST",
         .pattern = "/api/import",
         .handler = pgo_api_import,
         .body = HTTP_BODY_RAW,
         .body_limit = 64u << 20,
         .name = "pgo-import"},
        {.method = "DELETE",
         .pattern = "/api/account",
         .handler = pgo_api_account_delete,
         .body = HTTP_BODY_JSON,
         .body_limit = 4096,
         .name = "pgo-account-delete"},
        {.method = "GET",
         .pattern = api->redirect_path,
         .handler = pgo_api_callback,
         .name = "pgo-callback"},
    };
    size_t n = sizeof routes / sizeof routes[0];
    if (n > cap) n = cap;
    for (size_t i = 0; i < n; i++) {
        out[i] = routes[i];
        out[i].ctx = api;
    }
    return n;
}
