/* The PGO's whole connect flow against a fake DVA over mutual TLS (local CA from util/certgen):
 * connect, the callback's token request (PKCE verifier, client certificate, X-Correlation-ID of
 * the authorization request), the first collection into the vault (tagged, linked to the
 * account's Patient), collect again (same ids), a refresh when the access token has expired,
 * a wrong PKCE verifier refused, a share of the patient's own measurement by id and by period
 * (and a collected resource refused), the share record, and disconnect with revocation of the
 * refresh token at the DVA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <pthread.h>

#include "api_fixture.h"
#include "util/certgen.h"

#define GOOD_CODE "good-code"

/* ---- the fake DVA ---- */

static struct {
    pthread_mutex_t lock;
    char challenge[64];
    char access[16];  /* the access token the FHIR routes accept */
    char refresh[16]; /* the refresh token the token route accepts */
    int issued;       /* tokens issued so far (names AT1, AT2 ...) */
    int token_calls, refresh_calls, revoke_calls, share_calls, fhir_calls;
    char client_host[HTTP_CLIENT_HOST_MAX];
    char correlation[64];
    char revoked[32];
    size_t shared_observations;
} dva = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void oauth_json(struct http_reply *rep, int status, json_object *o)
{
    http_reply_json(rep, status, o);
    rep->content_type = "application/json";
    json_object_put(o);
}

static void oauth_error(struct http_reply *rep, const char *error)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    oauth_json(rep, 400, o);
}

static void issue_tokens(struct http_reply *rep)
{
    dva.issued++;
    snprintf(dva.access, sizeof dva.access, "AT%d", dva.issued);
    snprintf(dva.refresh, sizeof dva.refresh, "RT%d", dva.issued);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(dva.access));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_in", json_object_new_int(900));
    json_object_object_add(o, "refresh_token", json_object_new_string(dva.refresh));
    json_object_object_add(o, "scope", json_object_new_string("huisartsdelinde"));
    oauth_json(rep, 200, o);
}

static void dva_token(struct http_request *req, struct http_reply *rep)
{
    pthread_mutex_lock(&dva.lock);
    snprintf(dva.client_host, sizeof dva.client_host, "%s", req->client_host);
    const char *grant = http_param(req, "grant_type");
    const char *client = http_param(req, "client_id");
    if (!grant || !client || strcmp(client, FX_CLIENT) != 0) {
        oauth_error(rep, "invalid_client");
    } else if (!strcmp(grant, "authorization_code")) {
        dva.token_calls++;
        const char *corr = http_header(req, "X-Correlation-ID");
        snprintf(dva.correlation, sizeof dva.correlation, "%s", corr ? corr : "");
        const char *code = http_param(req, "code"), *verifier = http_param(req, "code_verifier");
        const char *redirect = http_param(req, "redirect_uri");
        char challenge[PGO_PKCE_CHALLENGE_LEN + 1] = "";
        if (verifier) pgo_pkce_challenge(verifier, challenge);
        if (!code || strcmp(code, GOOD_CODE) != 0 || !redirect ||
            strcmp(redirect, FX_PUBLIC "/connect/callback") != 0 ||
            strcmp(challenge, dva.challenge) != 0)
            oauth_error(rep, "invalid_grant");
        else
            issue_tokens(rep);
    } else if (!strcmp(grant, "refresh_token")) {
        dva.refresh_calls++;
        const char *rt = http_param(req, "refresh_token");
        if (!rt || strcmp(rt, dva.refresh) != 0)
            oauth_error(rep, "invalid_grant");
        else
            issue_tokens(rep);
    } else {
        oauth_error(rep, "unsupported_grant_type");
    }
    pthread_mutex_unlock(&dva.lock);
}

static void dva_revoke(struct http_request *req, struct http_reply *rep)
{
    pthread_mutex_lock(&dva.lock);
    dva.revoke_calls++;
    const char *t = http_param(req, "token");
    snprintf(dva.revoked, sizeof dva.revoked, "%s", t ? t : "");
    pthread_mutex_unlock(&dva.lock);
    http_reply_empty(rep, 200);
}

static bool bearer_ok(struct http_request *req)
{
    const char *auth = http_header(req, "Authorization");
    char want[32];
    pthread_mutex_lock(&dva.lock);
    snprintf(want, sizeof want, "Bearer %s", dva.access);
    dva.fhir_calls++;
    pthread_mutex_unlock(&dva.lock);
    return auth && !strcmp(auth, want);
}

static json_object *parse(const char *text)
{
    enum jsonx_err je;
    return jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
}

static void dva_search(struct http_request *req, struct http_reply *rep)
{
    if (!bearer_ok(req)) {
        http_reply_empty(rep, 401);
        return;
    }
    const char *type = req->args[0];
    const char *entry = "";
    if (!strcmp(type, "Patient"))
        entry = "{\"fullUrl\":\"https://dva.localhost/fhir/Patient/p1\",\"resource\":"
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Jansen\"}]},"
                "\"search\":{\"mode\":\"match\"}}";
    else if (!strcmp(type, "Condition"))
        entry = "{\"fullUrl\":\"https://dva.localhost/fhir/Condition/c1\",\"resource\":"
                "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":"
                "\"Patient/p1\"},\"code\":{\"text\":\"Astma\"}},\"search\":{\"mode\":\"match\"}}";
    char text[1024];
    snprintf(text, sizeof text,
             "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":%d,\"entry\":[%s]}",
             *entry ? 1 : 0, entry);
    json_object *b = parse(text);
    http_reply_json(rep, 200, b);
    json_object_put(b);
}

static void dva_batch(struct http_request *req, struct http_reply *rep)
{
    if (!bearer_ok(req)) {
        http_reply_empty(rep, 401);
        return;
    }
    json_object *entries = jsonx_get(req->json, "entry");
    size_t n = entries ? json_object_array_length(entries) : 0;
    pthread_mutex_lock(&dva.lock);
    dva.share_calls++;
    dva.shared_observations += n ? n - 1 : 0;
    pthread_mutex_unlock(&dva.lock);
    json_object *b = json_object_new_object(), *out = json_object_new_array();
    json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(b, "type", json_object_new_string("batch-response"));
    for (size_t i = 0; i < n; i++) {
        const char *type = jsonx_get_str(
            jsonx_get(json_object_array_get_idx(entries, i), "resource"), "resourceType");
        char loc[64];
        snprintf(loc, sizeof loc, "%s/s%zu/_history/1", type ? type : "X", i);
        json_object *e = json_object_new_object(), *r = json_object_new_object();
        json_object_object_add(r, "status", json_object_new_string("201 Created"));
        json_object_object_add(r, "location", json_object_new_string(loc));
        json_object_object_add(e, "response", r);
        json_object_array_add(out, e);
    }
    json_object_object_add(b, "entry", out);
    http_reply_json(rep, 200, b);
    json_object_put(b);
}

static const struct http_route dva_routes[] = {
    {.method = "POST",
     .pattern = "/oauth/token",
     .handler = dva_token,
     .body = HTTP_BODY_FORM,
     .client_cert = true},
    {.method = "POST",
     .pattern = "/oauth/revoke",
     .handler = dva_revoke,
     .body = HTTP_BODY_FORM,
     .client_cert = true},
    {.method = "GET", .pattern = "/fhir/{type}", .handler = dva_search, .client_cert = true},
    {.method = "POST",
     .pattern = "/fhir",
     .handler = dva_batch,
     .body = HTTP_BODY_JSON,
     .client_cert = true},
};

/* ---- fixture ---- */

struct flow {
    struct fx fx;
    char certs[64];
    char cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
    char *pem_cert, *pem_key, *pem_ca;
    struct http_server *dva_srv;
};

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *data = calloc(1, 65536);
    size_t n = fread(data, 1, 65535, fp);
    fclose(fp);
    data[n] = '\0';
    return data;
}

static const char zal_format[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Zorgaanbiederslijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Zorgaanbieders><Zorgaanbieder><Zorgaanbiedernaam>huisartsdelinde@medmij</Zorgaanbiedernaam>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.localhost/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:%u/oauth/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:%u/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "<Gegevensdienst><GegevensdienstId>53</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.localhost/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:%u/oauth/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:%u/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "</Gegevensdiensten></Zorgaanbieder></Zorgaanbieders></Zorgaanbiederslijst>\n";

static const char gnl_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Gegevensdienstnamenlijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Gegevensdiensten><Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<Weergavenaam>Basisgegevens Zorg</Weergavenaam></Gegevensdienst>"
    "</Gegevensdiensten></Gegevensdienstnamenlijst>\n";

static int setup(void **state)
{
    struct flow *w = calloc(1, sizeof *w);
    snprintf(w->certs, sizeof w->certs, "/tmp/regie-pgo-flow-XXXXXX");
    if (!mkdtemp(w->certs)) return -1;
    char ca_dir[PATH_MAX], prefix[PATH_MAX], err[512];
    snprintf(ca_dir, sizeof ca_dir, "%s/ca", w->certs);
    if (certgen_ca_init(ca_dir, err, sizeof err) != 0) return -1;
    const char *dva_hosts[] = {"dva.localhost"}, *pgo_hosts[] = {FX_CLIENT};
    snprintf(prefix, sizeof prefix, "%s/dva", w->certs);
    if (certgen_issue(ca_dir, dva_hosts, 1, 30, prefix, err, sizeof err) != 0) return -1;
    snprintf(prefix, sizeof prefix, "%s/pgo", w->certs);
    if (certgen_issue(ca_dir, pgo_hosts, 1, 30, prefix, err, sizeof err) != 0) return -1;
    snprintf(w->cert, sizeof w->cert, "%s/pgo.crt", w->certs);
    snprintf(w->key, sizeof w->key, "%s/pgo.key", w->certs);
    snprintf(w->ca, sizeof w->ca, "%s/ca/ca.crt", w->certs);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/dva.crt", w->certs);
    w->pem_cert = slurp(path);
    snprintf(path, sizeof path, "%s/dva.key", w->certs);
    w->pem_key = slurp(path);
    w->pem_ca = slurp(w->ca);
    if (!w->pem_cert || !w->pem_key || !w->pem_ca) return -1;

    struct http_server_config cfg = {.host = "127.0.0.1",
                                     .routes = dva_routes,
                                     .nroutes = sizeof dva_routes / sizeof dva_routes[0]};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    cfg.tls = (struct http_tls){
        .cert_pem = w->pem_cert, .key_pem = w->pem_key, .client_ca_pem = w->pem_ca};
    if (!(w->dva_srv = http_server_start(&cfg, err, sizeof err))) {
        fprintf(stderr, "dva: %s\n", err);
        return -1;
    }
    unsigned port = http_server_port(w->dva_srv);
    char zal[sizeof zal_format + 64];
    snprintf(zal, sizeof zal, zal_format, port, port, port, port);
    struct pgo_call_opts call = {
        .tls = {.client_cert = w->cert, .client_key = w->key, .peer_ca = w->ca}, .timeout_s = 10};
    if (fx_open(&w->fx, zal, gnl_xml, &call) != 0) return -1;
    pthread_mutex_lock(&dva.lock);
    dva.issued = dva.token_calls = dva.refresh_calls = dva.revoke_calls = 0;
    dva.share_calls = dva.fhir_calls = 0;
    dva.shared_observations = 0;
    pthread_mutex_unlock(&dva.lock);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct flow *w = *state;
    fx_close(&w->fx);
    http_server_stop(w->dva_srv);
    free(w->pem_cert);
    free(w->pem_key);
    free(w->pem_ca);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->certs);
    if (system(cmd) != 0) return -1;
    free(w);
    return 0;
}

static const char *url_param(const char *url, const char *name)
{
    static char v[512];
    char key[64];
    snprintf(key, sizeof key, "%s=", name);
    for (const char *q = strchr(url, '?'); q; q = strchr(q, '&')) {
        q++;
        if (!strncmp(q, key, strlen(key))) {
            q += strlen(key);
            snprintf(v, sizeof v, "%.*s", (int)strcspn(q, "&#"), q);
            return v;
        }
    }
    return NULL;
}

/* Connects alice to service with the given code at the callback; returns the connection id and
 * the callback's Location. */
static int64_t connect_with(struct fx *f, const char *service, const char *code, char *location,
                            size_t cap)
{
    char body[128], st[64], corr[64], target[256];
    snprintf(body, sizeof body, "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"%s\"}",
             service);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/connections", body, &r);
    assert_int_equal(r.status, 201);
    const char *url = jsonx_get_str(r.json, "authorize_url");
    pthread_mutex_lock(&dva.lock);
    snprintf(dva.challenge, sizeof dva.challenge, "%s", url_param(url, "code_challenge"));
    pthread_mutex_unlock(&dva.lock);
    snprintf(st, sizeof st, "%s", url_param(url, "state"));
    snprintf(corr, sizeof corr, "%s", url_param(url, "X-Correlation-ID"));
    int64_t id = json_object_get_int64(jsonx_get(r.json, "id"));
    fx_resp_free(&r);

    snprintf(target, sizeof target, "/connect/callback?code=%s&state=%s", code, st);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 303);
    snprintf(location, cap, "%s", fx_header(&r, "Location"));
    fx_resp_free(&r);
    if (!strcmp(code, GOOD_CODE)) assert_string_equal(dva.correlation, corr);
    return id;
}

static struct store_row read_row(struct fx *f, const char *type, const char *id)
{
    struct store_row row = {0};
    assert_int_equal(f->store->ops->read(f->store, type, id, &row), STORE_OK);
    return row;
}

static void connect_collect_refresh_revoke(void **state)
{
    struct flow *w = *state;
    struct fx *f = &w->fx;
    assert_int_equal(fx_login(f, &f->alice), 200);
    char location[512];
    int64_t id = connect_with(f, "48", GOOD_CODE, location, sizeof location);
    char want[128];
    snprintf(want, sizeof want, "/app/#/providers?connection=%lld&status=connected", (long long)id);
    assert_string_equal(location, want);
    assert_int_equal(dva.token_calls, 1);
    assert_string_equal(dva.client_host, FX_CLIENT); /* the PGO's client certificate */

    /* Tokens held (sealed) for the connection. */
    struct pgo_tokens t;
    assert_int_equal(pgo_tokens_get(f->conns, id, &t), PGO_CONN_OK);
    assert_string_equal(t.access, "AT1");
    assert_string_equal(t.refresh, "RT1");
    pgo_tokens_clear(&t);

    /* The collection is in the vault: the Condition under its derived id, tagged, sourced, and
     * pointing at the copy of the DVA's Patient, which the account's Patient links to. */
    char cond_id[UUID_STR_LEN], pat_id[UUID_STR_LEN];
    pgo_local_id(f->alice.subject, "huisartsdelinde@medmij", "Condition", "c1", cond_id);
    pgo_local_id(f->alice.subject, "huisartsdelinde@medmij", "Patient", "p1", pat_id);
    struct store_row row = read_row(f, "Condition", cond_id);
    assert_non_null(strstr(row.json, PGO_VAULT_TAG_SYSTEM));
    assert_non_null(strstr(row.json, f->alice.subject));
    char ref[64];
    snprintf(ref, sizeof ref, "\"Patient/%s\"", pat_id);
    assert_non_null(strstr(row.json, ref));
    assert_non_null(strstr(row.json, "\"source\""));
    int64_t version = row.version;
    store_row_clear(&row);
    row = read_row(f, "Patient", f->alice.subject);
    assert_non_null(strstr(row.json, ref));
    assert_non_null(strstr(row.json, "seealso"));
    store_row_clear(&row);

    struct fx_resp r;
    fx_call(f, &f->alice, false, "GET", "/api/connections", NULL, &r);
    json_object *c = json_object_array_get_idx(jsonx_get(r.json, "connections"), 0);
    assert_string_equal(jsonx_get_str(c, "state"), "connected");
    assert_non_null(jsonx_get_str(c, "last_collected"));
    assert_non_null(strstr(jsonx_get_str(c, "last_result"), "resources"));
    assert_null(strstr(r.body, "AT1"));
    assert_null(strstr(r.body, "RT1"));
    fx_resp_free(&r);

    /* The app reads them by type, with the provider behind each meta.source. */
    fx_call(f, &f->alice, false, "GET", "/api/records?type=Condition", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "total")), 1);
    const char *source = jsonx_get_str(
        jsonx_get(json_object_array_get_idx(jsonx_get(r.json, "resources"), 0), "meta"), "source");
    assert_non_null(source);
    assert_string_equal(jsonx_get_str(jsonx_get(jsonx_get(r.json, "sources"), source), "provider"),
                        "huisartsdelinde@medmij");
    fx_resp_free(&r);
    fx_call(f, &f->bob, false, "GET", "/api/records?type=Condition", NULL, &r);
    assert_int_equal(r.status, 401); /* bob never logged in here */
    fx_resp_free(&r);

    /* Collect again: the same resources are updated, not copied. */
    char target[128];
    snprintf(target, sizeof target, "/api/connections/%lld/collect", (long long)id);
    fx_call(f, &f->alice, true, "POST", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_object_get_boolean(jsonx_get(r.json, "complete")));
    fx_resp_free(&r);
    row = read_row(f, "Condition", cond_id);
    assert_true(row.version >= version);
    store_row_clear(&row);
    assert_int_equal(dva.refresh_calls, 0);

    /* Nearly fifteen minutes later (the session still alive) the access token is about to
     * expire: refreshed first (rotated). */
    f->now += 890;
    fx_call(f, &f->alice, true, "POST", target, NULL, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    assert_int_equal(dva.refresh_calls, 1);
    assert_int_equal(pgo_tokens_get(f->conns, id, &t), PGO_CONN_OK);
    assert_string_equal(t.access, "AT2");
    assert_string_equal(t.refresh, "RT2");
    pgo_tokens_clear(&t);

    /* Disconnect: the refresh token is revoked at the DVA and gone here. */
    snprintf(target, sizeof target, "/api/connections/%lld", (long long)id);
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_object_get_boolean(jsonx_get(r.json, "revoked_at_provider")));
    fx_resp_free(&r);
    assert_int_equal(dva.revoke_calls, 1);
    assert_string_equal(dva.revoked, "RT2");
    assert_int_equal(pgo_tokens_get(f->conns, id, &t), PGO_CONN_NOT_FOUND);
    snprintf(target, sizeof target, "/api/connections/%lld/collect", (long long)id);
    fx_call(f, &f->alice, true, "POST", target, NULL, &r);
    assert_int_equal(r.status, 409);
    fx_resp_free(&r);
}

static void wrong_code_or_verifier_gives_no_tokens(void **state)
{
    struct flow *w = *state;
    struct fx *f = &w->fx;
    assert_int_equal(fx_login(f, &f->alice), 200);
    char location[512];
    int64_t id = connect_with(f, "48", "a-wrong-code", location, sizeof location);
    assert_non_null(strstr(location, "status=error&reason=invalid_grant"));
    struct pgo_tokens t;
    assert_int_equal(pgo_tokens_get(f->conns, id, &t), PGO_CONN_NOT_FOUND);
    assert_int_equal(dva.fhir_calls, 0);
}

static void share_own_measurements(void **state)
{
    struct flow *w = *state;
    struct fx *f = &w->fx;
    assert_int_equal(fx_login(f, &f->alice), 200);
    char location[512];
    int64_t id = connect_with(f, "53", GOOD_CODE, location, sizeof location);
    assert_non_null(strstr(location, "status=connected"));
    assert_null(strstr(location, "reason")); /* a share service collects nothing */
    assert_int_equal(dva.fhir_calls, 0);

    /* A weight the patient entered, in their own compartment, tagged as theirs. */
    char text[1024];
    snprintf(text, sizeof text,
             "{\"resourceType\":\"Observation\",\"id\":\"bp1\",\"meta\":{\"tag\":[{\"system\":"
             "\"%s\",\"code\":\"%s\"}]},\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":{\"reference\":"
             "\"Patient/%s\"},\"effectiveDateTime\":\"2026-03-01T10:00:00Z\",\"valueQuantity\":"
             "{\"value\":72.5,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\","
             "\"code\":\"kg\"}}",
             PGO_VAULT_TAG_SYSTEM, f->alice.subject, f->alice.subject);
    json_object *obs = parse(text);
    struct rg_fail fail = {0};
    assert_int_equal(rest_put_resource(f->rest, obs, &fail), RG_OK);
    json_object_put(obs);

    char body[256];
    snprintf(body, sizeof body, "{\"connection\":%lld,\"observations\":[\"bp1\"]}", (long long)id);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "stored")), 1);
    json_object *e = json_object_array_get_idx(jsonx_get(r.json, "entries"), 0);
    assert_string_equal(jsonx_get_str(e, "observation"), "bp1");
    assert_int_equal(json_object_get_int64(jsonx_get(e, "status")), 201);
    fx_resp_free(&r);
    assert_int_equal(dva.share_calls, 1);
    assert_int_equal(dva.shared_observations, 1);

    /* By period. */
    snprintf(body, sizeof body,
             "{\"connection\":%lld,\"from\":\"2026-02-01\",\"to\":\"2026-03-31\"}", (long long)id);
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "stored")), 1);
    fx_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"connection\":%lld,\"from\":\"2025-01-01\",\"to\":\"2025-12-31\"}", (long long)id);
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);

    /* Bob cannot share Alice's measurement through a connection of his own. */
    assert_int_equal(fx_login(f, &f->bob), 200);
    snprintf(body, sizeof body, "{\"connection\":%lld,\"observations\":[\"bp1\"]}", (long long)id);
    fx_call(f, &f->bob, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    assert_int_equal(dva.share_calls, 2);

    /* The record of what was shared with whom, newest first. */
    fx_call(f, &f->alice, false, "GET", "/api/shares", NULL, &r);
    assert_int_equal(r.status, 200);
    json_object *list = jsonx_get(r.json, "shares");
    assert_int_equal(json_object_array_length(list), 2);
    json_object *s = json_object_array_get_idx(list, 1);
    assert_string_equal(jsonx_get_str(s, "provider"), "huisartsdelinde@medmij");
    assert_string_equal(jsonx_get_str(s, "service"), "53");
    assert_int_equal(json_object_get_int64(jsonx_get(s, "count")), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(
                            jsonx_get(jsonx_get(s, "what"), "observations"), 0)),
                        "bp1");
    assert_string_equal(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(list, 0), "what"), "from"), "2026-02-01");
    fx_resp_free(&r);
    fx_call(f, &f->bob, false, "GET", "/api/shares", NULL, &r);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "shares")), 0);
    fx_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(connect_collect_refresh_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_code_or_verifier_gives_no_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(share_own_measurements, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
