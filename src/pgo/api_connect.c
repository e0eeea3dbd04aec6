/* The API's provider and connection routes: search, list, connect (authorization request), the
 * OAuth callback (token request, first collection), collect again, disconnect (revocation). */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "pgo/providers.h"
#include "util/buf.h"
#include "util/fhirtime.h"
#include "util/log.h"

#define PROVIDERS_DEFAULT 20
#define PROVIDERS_MAX     100
#define TOKEN_SLACK_S     30 /* refresh an access token this long before it expires */

static const char *const rank_names[] = {"exact", "prefix", "substring", "fuzzy"};

static int64_t now_s(struct pgo_api *api)
{
    return accounts_now(api->cfg.accounts);
}

static json_object *time_or_null(int64_t unix_s)
{
    if (unix_s <= 0) return NULL;
    char text[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(unix_s * 1000000, text);
    return json_object_new_string(text);
}

/* The provider name without "@medmij": the collect scope of the current MedMij rules. */
static void provider_short(const char *provider, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)strcspn(provider, "@"), provider);
}

static bool parse_id(const char *text, int64_t *id)
{
    if (!text || !*text || strlen(text) > 18) return false;
    int64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
    }
    *id = v;
    return v > 0;
}

int pgo_api_endpoints(struct pgo_api *api, const char *provider, const char *service,
                      struct pgo_endpoints *out)
{
    memset(out, 0, sizeof *out);
    const struct medmij_list *zal = medmij_lists_acquire(api->cfg.lists, MEDMIJ_ZAL);
    if (!zal) return -1;
    const struct medmij_provider *p = medmij_zal_provider(zal, provider);
    const struct medmij_zal_service *s = p ? medmij_zal_service(p, service) : NULL;
    int rc = -1;
    if (s && s->n_roles > 0) {
        snprintf(out->authorization, sizeof out->authorization, "%s", s->authorization_endpoint);
        snprintf(out->token, sizeof out->token, "%s", s->token_endpoint);
        /* A data service's system roles share one FHIR endpoint in practice; the first is it. */
        snprintf(out->resource, sizeof out->resource, "%s", s->roles[0].resource_endpoint);
        rc = 0;
    }
    medmij_lists_release(api->cfg.lists, zal);
    return rc;
}

/* ---- GET /api/providers?q=&service=&limit= ---- */

static json_object *services_json(struct pgo_api *api, const struct medmij_provider *p,
                                  const struct medmij_list *gnl)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < p->n_services; i++) {
        json_object *s = json_object_new_object();
        const char *id = p->services[i].id;
        json_object_object_add(s, "id", json_object_new_string(id));
        const char *name = pgo_api_service_name(api, gnl, id);
        json_object_object_add(s, "name", name ? json_object_new_string(name) : NULL);
        const struct pgo_service_def *def = pgo_api_service(api, id);
        json_object_object_add(
            s, "kind", def ? json_object_new_string(def->share ? "share" : "collect") : NULL);
        json_object_array_add(arr, s);
    }
    return arr;
}

void pgo_api_providers(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    size_t limit = PROVIDERS_DEFAULT;
    int64_t asked;
    if (parse_id(http_param(req, "limit"), &asked))
        limit = asked > PROVIDERS_MAX ? PROVIDERS_MAX : (size_t)asked;
    const struct medmij_list *zal = medmij_lists_acquire(api->cfg.lists, MEDMIJ_ZAL);
    if (!zal) {
        pgo_api_error(rep, 503, "lists_unavailable", "the provider list is not loaded yet");
        return;
    }
    const struct medmij_list *gnl = medmij_lists_acquire(api->cfg.lists, MEDMIJ_GNL);
    struct pgo_provider_query q = {.text = http_param(req, "q"),
                                   .zal = zal,
                                   .service = http_param(req, "service"),
                                   .display_name = api->cfg.display_name,
                                   .display_ctx = api->cfg.display_ctx};
    struct pgo_provider_hit hits[PROVIDERS_MAX];
    size_t n = pgo_providers_search(&q, hits, limit);
    if (n == (size_t)-1) {
        pgo_api_error(rep, 500, "internal", "out of memory");
    } else {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < n; i++) {
            const struct medmij_provider *p = hits[i].provider;
            json_object *h = json_object_new_object();
            json_object_object_add(h, "name", json_object_new_string(p->name));
            const char *display =
                api->cfg.display_name ? api->cfg.display_name(api->cfg.display_ctx, p->name) : NULL;
            json_object_object_add(h, "display", display ? json_object_new_string(display) : NULL);
            json_object_object_add(h, "match", json_object_new_string(rank_names[hits[i].rank]));
            json_object_object_add(h, "distance", json_object_new_int((int)hits[i].distance));
            json_object_object_add(h, "services", services_json(api, p, gnl));
            json_object_array_add(arr, h);
        }
        json_object_object_add(o, "providers", arr);
        pgo_api_json(rep, 200, o);
        json_object_put(o);
    }
    if (gnl) medmij_lists_release(api->cfg.lists, gnl);
    medmij_lists_release(api->cfg.lists, zal);
}

/* ---- GET /api/connections ---- */

struct list_ctx {
    struct pgo_api *api;
    const struct medmij_list *gnl;
    json_object *arr;
};

static json_object *connection_json(struct pgo_api *api, const struct medmij_list *gnl,
                                    const struct pgo_connection *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(c->id));
    json_object_object_add(o, "provider", json_object_new_string(c->provider));
    const char *display =
        api->cfg.display_name ? api->cfg.display_name(api->cfg.display_ctx, c->provider) : NULL;
    json_object_object_add(o, "display", display ? json_object_new_string(display) : NULL);
    json_object_object_add(o, "service", json_object_new_string(c->service));
    const char *name = pgo_api_service_name(api, gnl, c->service);
    json_object_object_add(o, "service_name", name ? json_object_new_string(name) : NULL);
    json_object_object_add(o, "state", json_object_new_string(pgo_conn_state_name(c->state)));
    json_object_object_add(o, "created", time_or_null(c->created));
    json_object_object_add(o, "last_collected", time_or_null(c->last_collected));
    json_object_object_add(o, "last_result",
                           c->last_result[0] ? json_object_new_string(c->last_result) : NULL);
    return o;
}

static int add_connection(const struct pgo_connection *c, void *ctx)
{
    struct list_ctx *l = ctx;
    json_object_array_add(l->arr, connection_json(l->api, l->gnl, c));
    return 0;
}

void pgo_api_connections(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, false, &who) != 0) return;
    struct list_ctx l = {.api = api,
                         .gnl = medmij_lists_acquire(api->cfg.lists, MEDMIJ_GNL),
                         .arr = json_object_new_array()};
    enum pgo_conn_rc rc = pgo_conn_list(api->cfg.conns, who.account.subject, add_connection, &l);
    if (l.gnl) medmij_lists_release(api->cfg.lists, l.gnl);
    if (rc != PGO_CONN_OK) {
        json_object_put(l.arr);
        pgo_api_error(rep, 500, "internal", "the connections could not be read");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "connections", l.arr);
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- POST /api/connections {provider, service} ---- */

void pgo_api_connect(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *provider = jsonx_get_str(req->json, "provider");
    const char *service = jsonx_get_str(req->json, "service");
    if (!provider || !service) {
        pgo_api_error(rep, 400, "invalid_request", "provider and service are required");
        return;
    }
    const struct pgo_service_def *def = pgo_api_service(api, service);
    struct pgo_endpoints ep;
    if (!def || pgo_api_endpoints(api, provider, service, &ep) != 0) {
        pgo_api_error(rep, 404, "not_found",
                      "that provider does not offer that data service (or it is unknown here)");
        return;
    }
    int64_t now = now_s(api), id = 0;
    if (pgo_conn_begin(api->cfg.conns, who.account.subject, provider, service, now, &id) !=
        PGO_CONN_OK) {
        pgo_api_error(rep, 500, "internal", "the connection could not be stored");
        return;
    }
    struct pgo_pkce pkce;
    char state[PGO_STATE_LEN + 1], correlation[UUID_STR_LEN];
    struct pgo_pending p = {.connection = id};
    char *url = NULL;
    if (pgo_pkce_new(&pkce) != 0 || pgo_state_new(state) != 0 || uuid_v4(correlation) != 0) {
        pgo_api_error(rep, 500, "internal", "no random numbers");
        goto done;
    }
    snprintf(p.account, sizeof p.account, "%s", who.account.subject);
    snprintf(p.verifier, sizeof p.verifier, "%s", pkce.verifier);
    snprintf(p.redirect_uri, sizeof p.redirect_uri, "%s", api->redirect_uri);
    snprintf(p.correlation_id, sizeof p.correlation_id, "%s", correlation);
    if (pgo_pending_put(api->cfg.conns, state, &p, now) != PGO_CONN_OK) {
        pgo_api_error(rep, 500, "internal", "the authorization could not be stored");
        goto done;
    }
    char scope[PGO_PROVIDER_MAX + PGO_SERVICE_MAX + 2], name[PGO_PROVIDER_MAX + 1];
    provider_short(provider, name, sizeof name);
    if (def->share)
        snprintf(scope, sizeof scope, "%s~%s", name, service);
    else
        snprintf(scope, sizeof scope, "%s", name);
    struct pgo_authorize_params ap = {.authorization_endpoint = ep.authorization,
                                      .client_id = api->client_id,
                                      .redirect_uri = api->redirect_uri,
                                      .scope = scope,
                                      .state = state,
                                      .code_challenge = pkce.challenge,
                                      .correlation_id = correlation};
    url = pgo_authorize_url(&ap);
    if (!url) {
        pgo_api_error(rep, 502, "provider_list",
                      "the provider's authorization endpoint is not usable");
        goto done;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "authorize_url", json_object_new_string(url));
    pgo_api_json(rep, 201, o);
    json_object_put(o);
    char what[48];
    snprintf(what, sizeof what, "Connection/%" PRId64, id);
    pgo_api_audit(api, who.account.subject, "consent", what, 201, "medmij-connect", provider,
                  correlation);
    log_info("pgo: connection %" PRId64 " to %s service %s: authorization started", id, provider,
             service);
done:
    free(url);
    OPENSSL_cleanse(&pkce, sizeof pkce);
    OPENSSL_cleanse(&p, sizeof p);
    OPENSSL_cleanse(state, sizeof state);
}

/* ---- tokens and collect ---- */

static void store_token(struct pgo_api *api, int64_t id, const struct pgo_token *t, int64_t now,
                        bool *ok)
{
    int64_t expires = t->expires_in >= 0 ? now + t->expires_in : 0;
    *ok = pgo_tokens_put(api->cfg.conns, id, t->access_token, t->refresh_token, expires, t->scope,
                         now) == PGO_CONN_OK;
}

int pgo_api_access_token(struct pgo_api *api, const struct pgo_connection *c,
                         const struct pgo_endpoints *ep, struct pgo_tokens *t,
                         struct http_reply *rep)
{
    if (c->state != PGO_CONN_CONNECTED || pgo_tokens_get(api->cfg.conns, c->id, t) != PGO_CONN_OK) {
        pgo_api_error(rep, 409, "not_connected", "this connection has no consent; connect again");
        return -1;
    }
    int64_t now = now_s(api);
    if (!t->access_expires || now + TOKEN_SLACK_S < t->access_expires) return 0;
    if (!t->refresh) {
        pgo_tokens_clear(t);
        pgo_api_error(rep, 409, "expired", "the consent's access has expired; connect again");
        return -1;
    }
    struct pgo_call_opts call = api->cfg.call;
    struct pgo_token fresh = {0};
    struct pgo_fail f = {0};
    int rc = pgo_token_refresh(&call, ep->token, api->client_id, t->refresh, NULL, &fresh, &f);
    pgo_tokens_clear(t);
    if (rc != 0) {
        log_warn("pgo: refresh for connection %" PRId64 " failed: %s", c->id, f.message);
        if (f.kind == PGO_FAIL_OAUTH && !strcmp(f.oauth_error, "invalid_grant")) {
            /* The provider ended the consent (revoked or expired): so do we. */
            pgo_tokens_delete(api->cfg.conns, c->id);
            pgo_conn_set_state(api->cfg.conns, c->id, PGO_CONN_REVOKED);
            pgo_api_error(rep, 409, "revoked", "the provider ended this consent; connect again");
        } else {
            pgo_api_error(rep, 502, "provider", "the provider's token endpoint failed: %s",
                          f.message);
        }
        return -1;
    }
    bool ok;
    store_token(api, c->id, &fresh, now, &ok);
    pgo_token_free(&fresh);
    if (!ok || pgo_tokens_get(api->cfg.conns, c->id, t) != PGO_CONN_OK) {
        pgo_api_error(rep, 500, "internal", "the new tokens could not be stored");
        return -1;
    }
    return 0;
}

int pgo_api_run_collect(struct pgo_api *api, const struct pgo_connection *c, const char *token,
                        const struct pgo_endpoints *ep, char *summary, size_t summary_len)
{
    const struct pgo_service_def *def = pgo_api_service(api, c->service);
    if (!def || def->nsearches == 0) {
        snprintf(summary, summary_len, "nothing to collect for data service %s", c->service);
        pgo_conn_collected(api->cfg.conns, c->id, now_s(api), summary);
        return -1;
    }
    struct pgo_call_opts call = api->cfg.call;
    char correlation[UUID_STR_LEN];
    if (uuid_v4(correlation) == 0) call.correlation_id = correlation;
    const char *display =
        api->cfg.display_name ? api->cfg.display_name(api->cfg.display_ctx, c->provider) : NULL;
    struct pgo_collect_params params = {.vault = api->cfg.vault,
                                        .resource_endpoint = ep->resource,
                                        .access_token = token,
                                        .searches = def->searches,
                                        .nsearches = def->nsearches,
                                        .provider = c->provider,
                                        .provider_display = display,
                                        .service_id = c->service,
                                        .owner = c->account,
                                        .collect_max = api->cfg.collect_max,
                                        .call = &call,
                                        .types = def->types,
                                        .ntypes = def->ntypes,
                                        .vault_store = api->cfg.store};
    struct pgo_collect_result r = {0};
    struct pgo_fail f = {0};
    int rc = pgo_collect(&params, &r, &f);
    if (rc == 0)
        snprintf(summary, summary_len, "%zu resources from %zu searches%s", r.stored,
                 r.searches_run, r.truncated ? " (limit reached)" : "");
    else
        snprintf(summary, summary_len, "%zu resources; %zu of %zu searches failed: %.160s",
                 r.stored, r.failures, r.searches_run, f.message);
    pgo_conn_collected(api->cfg.conns, c->id, now_s(api), summary);
    char what[48];
    snprintf(what, sizeof what, "Connection/%" PRId64, c->id);
    pgo_api_audit(api, c->account, "import", what, rc == 0 ? 200 : 502, "medmij-collect",
                  c->provider, call.correlation_id);
    if (r.patient_id[0] && pgo_vault_link_patient(api, c->account, r.patient_id) != 0)
        log_warn("pgo: connection %" PRId64 ": the Patient copy could not be linked", c->id);
    log_info("pgo: connection %" PRId64 " collected: %s", c->id, summary);
    pgo_collect_result_free(&r);
    return rc;
}

/* ---- GET <redirect_path>?code&state | ?error&state ---- */

/* A small page for what cannot go back to the app as a redirect. text is static. */
static void page(struct http_reply *rep, int status, const char *title, const char *text,
                 const char *meta_refresh)
{
    struct buf b;
    buf_init(&b, 8192);
    buf_printf(&b,
               "<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width\">%s%s%s"
               "<title>%s</title></head><body><h1>%s</h1><p>%s</p>"
               "<p><a href=\"/app/\">Terug naar de app / back to the app</a></p></body></html>",
               meta_refresh ? "<meta http-equiv=\"refresh\" content=\"0;url=" : "",
               meta_refresh ? meta_refresh : "", meta_refresh ? "\">" : "", title, title, text);
    http_reply_text(rep, status, "text/html;charset=utf-8", b.data ? b.data : "", b.len);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_header(rep, "Content-Security-Policy", "default-src 'none'");
    http_reply_header(rep, "Referrer-Policy", "no-referrer");
    buf_free(&b);
}

static void back_to_app(struct pgo_api *api, struct http_reply *rep, int64_t id, const char *status,
                        const char *reason)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%cconnection=%" PRId64 "&status=%s%s%s", api->app_url,
             strchr(api->app_url, '?') ? '&' : '?', id, status, reason ? "&reason=" : "",
             reason ? reason : "");
    http_reply_redirect(rep, 303, url);
}

/* Keeps [a-z_] of an OAuth error code (it goes into a URL and is chosen by the provider). */
static void error_code(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; in && *in && n + 1 < cap; in++)
        if ((*in >= 'a' && *in <= 'z') || *in == '_') out[n++] = *in;
    out[n] = '\0';
    if (!n) snprintf(out, cap, "error");
}

/* The callback's own URL with bounce=1 added, as a same-origin path for the meta refresh. The
 * values are re-encoded from the parsed parameters, so nothing from the request is echoed raw. */
static void bounce_url(struct http_request *req, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, cap - 1);
    buf_append_str(&b, req->path);
    buf_append_char(&b, '?');
    for (size_t i = 0; i < req->nparams; i++) {
        for (int part = 0; part < 2; part++) {
            const unsigned char *s =
                (const unsigned char *)(part ? req->params[i].value : req->params[i].name);
            for (; s && *s; s++) {
                if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                    (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_' || *s == '~')
                    buf_append_char(&b, (char)*s);
                else
                    buf_printf(&b, "%%%02X", *s);
            }
            /* The URL goes into an HTML attribute: '&' is written as its entity. */
            buf_append_str(&b, part ? "&amp;" : "=");
        }
    }
    buf_append_str(&b, "bounce=1");
    snprintf(out, cap, "%s", b.overflowed || !b.data ? "/app/" : b.data);
    buf_free(&b);
}

void pgo_api_callback(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    const char *state = http_param(req, "state");
    const char *code = http_param(req, "code");
    const char *error = http_param(req, "error");
    if (!state || (!code && !error)) {
        page(rep, 400, "Ongeldige terugkeer / invalid return",
             "Deze pagina verwacht een antwoord van een zorgaanbieder. / This page expects an "
             "answer from a care provider.",
             NULL);
        return;
    }
    /* The session cookie is SameSite=Strict, so the browser leaves it off a navigation that
     * comes from the provider's site. A page of our own that reloads the same URL is a same-site
     * navigation, which carries it. */
    struct pgo_who who;
    const char *cookie = http_header(req, "Cookie");
    char token[SESSION_TOKEN_LEN];
    bool has_cookie = cookie && session_cookie_parse(cookie, strlen(cookie), token) == 0;
    OPENSSL_cleanse(token, sizeof token);
    if (!has_cookie && !http_param(req, "bounce")) {
        char url[4096];
        bounce_url(req, url, sizeof url);
        page(rep, 200, "Een moment / one moment",
             "U gaat terug naar uw PGO. / Returning to your PGO.", url);
        return;
    }
    struct http_reply refused = {0};
    buf_init(&refused.body, 4096);
    int ok = pgo_api_session(api, req, &refused, false, &who);
    buf_free(&refused.body);
    if (ok != 0) {
        page(rep, 401, "Sessie verlopen / session ended",
             "Log opnieuw in en verbind nog eens. / Log in again and connect once more.", NULL);
        return;
    }
    int64_t now = now_s(api);
    struct pgo_pending p;
    enum pgo_conn_rc prc = pgo_pending_take(api->cfg.conns, state, who.account.subject, now, &p);
    if (prc != PGO_CONN_OK) {
        page(rep, 400, "Verbinding niet gelukt / connection failed",
             prc == PGO_CONN_EXPIRED
                 ? "De toestemming duurde te lang; probeer het opnieuw. / The consent took too "
                   "long; try again."
                 : "Deze terugkeer is onbekend of al gebruikt. / This return is unknown or was "
                   "used already.",
             NULL);
        goto done;
    }
    struct pgo_connection c;
    if (pgo_conn_get(api->cfg.conns, who.account.subject, p.connection, &c) != PGO_CONN_OK) {
        page(rep, 404, "Verbinding niet gevonden / connection not found",
             "Deze verbinding bestaat niet meer. / This connection no longer exists.", NULL);
        goto done;
    }
    if (error) {
        char why[48];
        error_code(error, why, sizeof why);
        log_info("pgo: connection %" PRId64 ": the provider answered %s", c.id, why);
        back_to_app(api, rep, c.id, "error", why);
        goto done;
    }
    struct pgo_endpoints ep;
    if (pgo_api_endpoints(api, c.provider, c.service, &ep) != 0) {
        back_to_app(api, rep, c.id, "error", "provider_gone");
        goto done;
    }
    struct pgo_call_opts call = api->cfg.call;
    call.correlation_id = p.correlation_id;
    struct pgo_token t = {0};
    struct pgo_fail f = {0};
    if (pgo_token_request(&call, ep.token, api->client_id, code, p.redirect_uri, p.verifier, &t,
                          &f) != 0) {
        log_warn("pgo: connection %" PRId64 ": token request failed: %s", c.id, f.message);
        char failed[48];
        snprintf(failed, sizeof failed, "Connection/%" PRId64, c.id);
        pgo_api_audit(api, c.account, "consent", failed, 502, "medmij-connect", c.provider,
                      p.correlation_id);
        char why[48];
        error_code(f.kind == PGO_FAIL_OAUTH ? f.oauth_error : "token_failed", why, sizeof why);
        back_to_app(api, rep, c.id, "error", why);
        goto done;
    }
    bool stored;
    store_token(api, c.id, &t, now, &stored);
    if (!stored) {
        pgo_token_free(&t);
        back_to_app(api, rep, c.id, "error", "internal");
        goto done;
    }
    c.state = PGO_CONN_CONNECTED;
    char what[48];
    snprintf(what, sizeof what, "Connection/%" PRId64, c.id);
    pgo_api_audit(api, c.account, "consent", what, 200, "medmij-connect", c.provider,
                  p.correlation_id);
    log_info("pgo: connection %" PRId64 " connected", c.id);
    /* A collect service's first collection runs now, so the app shows data at once; a share
     * service has nothing to fetch. */
    const struct pgo_service_def *def = pgo_api_service(api, c.service);
    int collected = 0;
    if (def && !def->share) {
        char summary[PGO_RESULT_MAX + 1];
        collected = pgo_api_run_collect(api, &c, t.access_token, &ep, summary, sizeof summary);
    }
    pgo_token_free(&t);
    back_to_app(api, rep, c.id, "connected", collected == 0 ? NULL : "collect_incomplete");
done:
    OPENSSL_cleanse(&p, sizeof p);
    OPENSSL_cleanse(&who, sizeof who);
}

/* ---- POST /api/connections/{id}/collect ---- */

static bool own_connection(struct pgo_api *api, struct http_request *req, struct http_reply *rep,
                           const struct pgo_who *who, struct pgo_connection *c)
{
    int64_t id;
    if (!parse_id(req->args[0], &id) ||
        pgo_conn_get(api->cfg.conns, who->account.subject, id, c) != PGO_CONN_OK) {
        pgo_api_error(rep, 404, "not_found", "no such connection");
        return false;
    }
    return true;
}

void pgo_api_collect(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    struct pgo_connection c;
    struct pgo_endpoints ep;
    struct pgo_tokens t = {0};
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    if (!own_connection(api, req, rep, &who, &c)) return;
    const struct pgo_service_def *def = pgo_api_service(api, c.service);
    if (!def || def->share) {
        pgo_api_error(rep, 409, "not_collectable", "this data service is not one to collect");
        return;
    }
    if (pgo_api_endpoints(api, c.provider, c.service, &ep) != 0) {
        pgo_api_error(rep, 409, "provider_gone", "the provider no longer offers this service");
        return;
    }
    if (pgo_api_access_token(api, &c, &ep, &t, rep) != 0) return;
    char summary[PGO_RESULT_MAX + 1];
    int rc = pgo_api_run_collect(api, &c, t.access, &ep, summary, sizeof summary);
    pgo_tokens_clear(&t);
    struct pgo_connection after;
    if (pgo_conn_get(api->cfg.conns, who.account.subject, c.id, &after) != PGO_CONN_OK) after = c;
    const struct medmij_list *gnl = medmij_lists_acquire(api->cfg.lists, MEDMIJ_GNL);
    json_object *o = connection_json(api, gnl, &after);
    if (gnl) medmij_lists_release(api->cfg.lists, gnl);
    json_object_object_add(o, "complete", json_object_new_boolean(rc == 0));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}

/* ---- DELETE /api/connections/{id}[?forget=true] ---- */

void pgo_api_disconnect(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    struct pgo_connection c;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    if (!own_connection(api, req, rep, &who, &c)) return;
    bool at_provider = false;
    struct pgo_tokens t = {0};
    struct pgo_endpoints ep;
    if (pgo_tokens_get(api->cfg.conns, c.id, &t) == PGO_CONN_OK &&
        pgo_api_endpoints(api, c.provider, c.service, &ep) == 0) {
        char *revoke = pgo_revoke_endpoint(ep.token);
        struct pgo_fail f = {0};
        struct pgo_call_opts call = api->cfg.call;
        /* Revoking the refresh token ends the consent's whole family at the DVA. */
        if (revoke)
            at_provider =
                pgo_token_revoke(&call, revoke, api->client_id, t.refresh ? t.refresh : t.access,
                                 t.refresh ? "refresh_token" : "access_token", &f) == 0;
        if (revoke && !at_provider)
            log_warn("pgo: connection %" PRId64 ": revocation at the provider failed: %s", c.id,
                     f.message);
        free(revoke);
    }
    pgo_tokens_clear(&t);
    /* Whatever the provider said, this PGO keeps no way in any more. */
    pgo_tokens_delete(api->cfg.conns, c.id);
    const char *forget = http_param(req, "forget");
    bool forgotten = forget && !strcmp(forget, "true");
    enum pgo_conn_rc rc = forgotten ? pgo_conn_delete(api->cfg.conns, who.account.subject, c.id)
                                    : pgo_conn_set_state(api->cfg.conns, c.id, PGO_CONN_REVOKED);
    if (rc != PGO_CONN_OK) {
        pgo_api_error(rep, 500, "internal", "the connection could not be changed");
        return;
    }
    char what[48];
    snprintf(what, sizeof what, "Connection/%" PRId64, c.id);
    pgo_api_audit(api, who.account.subject, "consent", what, 200, "medmij-revoke", c.provider,
                  NULL);
    log_info("pgo: connection %" PRId64 " revoked (at the provider: %s)", c.id,
             at_provider ? "yes" : "no");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(c.id));
    json_object_object_add(o, "state", json_object_new_string(forgotten ? "deleted" : "revoked"));
    json_object_object_add(o, "revoked_at_provider", json_object_new_boolean(at_provider));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
}
