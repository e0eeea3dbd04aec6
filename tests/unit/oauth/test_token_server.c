/* The back channel over a real server: /oauth/token, /oauth/revoke and the bearer hook on a TLS
 * listener on 127.0.0.1 with certificates from the local CA, spoken to by a GnuTLS client with
 * a client certificate, as a PGO would. Grants are made through the grant store (the front's
 * part is tested on its own), the clock is the test's.
 *
 * Clients: pgo.regie.test (on the OCL and the Whitelist), other.regie.test (on the Whitelist
 * only), and no certificate at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ftw.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"
#include "medmij/lists.h"
#include "oauth/oauth.h"
#include "util/certgen.h"

#define CLIENT    "pgo.regie.test"
#define REDIRECT  "https://pgo.regie.test/connect/callback"
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REQ_ID    "1f0c8a58-3f0e-4a77-9a55-cc1b7d7c0001"
#define CORR_ID   "1f0c8a58-3f0e-4a77-9a55-cc1b7d7c0002"

static char dir[64];
static char pem_cert[8192], pem_key[8192], pem_ca[8192];
static int64_t now = 1800000000;
static struct medmij_lists *lists;
static struct oauth_server *oauth;
static struct http_server *srv;
static struct audit_log *audit;
static struct http_route routes[8];
/* The JSON of the latest response (freed by the next request and at teardown). */
static json_object *last_json;

static int64_t fake_now(void *ctx)
{
    (void)ctx;
    return now;
}

/* A stand-in FHIR route behind the bearer hook: says what access it was given. */
static void h_fhir(struct http_request *req, struct http_reply *rep)
{
    const struct rest_access *a = req->access;
    rep->content_type = "text/plain";
    buf_printf(&rep->body, "patient=%s purpose=%s service=%s ntypes=%zu first=%s share=%d",
               a->patient_id, a->purpose, a->service_id, a->ntypes, a->ntypes ? a->types[0] : "-",
               (int)a->may_share);
    rep->status = 200;
}

static void pathf(char out[PATH_MAX], const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

static int read_into(const char *name, char *out, size_t cap)
{
    char path[PATH_MAX];
    pathf(path, name);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

static int issue(const char *prefix, const char *host)
{
    char cadir[PATH_MAX], out[PATH_MAX], err[512];
    pathf(cadir, "ca");
    pathf(out, prefix);
    const char *hosts[] = {host};
    int rc = certgen_issue(cadir, hosts, 1, 30, out, err, sizeof err);
    if (rc) fprintf(stderr, "issue %s: %s\n", prefix, err);
    return rc;
}

static int offer(const struct medmij_list *l)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[512];
    int rc = medmij_list_write(l, &out, err, sizeof err);
    if (rc == 0 && medmij_lists_offer(lists, l->kind, out.data, out.len, err, sizeof err) !=
                       MEDMIJ_OFFER_SWAPPED)
        rc = -1;
    if (rc) fprintf(stderr, "list: %s\n", err);
    buf_free(&out);
    return rc;
}

static int open_lists(void)
{
    struct medmij_lists_config cfg = {0};
    lists = medmij_lists_new(&cfg);
    if (!lists) return -1;
    static const struct medmij_client clients[] = {
        {.hostname = CLIENT, .organisation = "Regie PGO"},
    };
    static const char *const nodes[] = {CLIENT, "other.regie.test"};
    struct medmij_list ocl = {.kind = MEDMIJ_OCL,
                              .volgnummer = 1,
                              .tijdstempel = "2026-11-30T12:00:00Z",
                              .clients = clients,
                              .n_clients = 1};
    struct medmij_list wl = {.kind = MEDMIJ_WHITELIST,
                             .volgnummer = 1,
                             .tijdstempel = "2026-11-30T12:00:00Z",
                             .nodes = nodes,
                             .n_nodes = 2};
    return offer(&ocl) || offer(&wl) ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-oauth-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char ca[PATH_MAX], err[512];
    pathf(ca, "ca");
    if (certgen_ca_init(ca, err, sizeof err)) {
        fprintf(stderr, "ca: %s\n", err);
        return -1;
    }
    if (issue("server", "localhost") || issue("pgo", CLIENT) || issue("other", "other.regie.test"))
        return -1;
    if (read_into("server.crt", pem_cert, sizeof pem_cert) ||
        read_into("server.key", pem_key, sizeof pem_key) ||
        read_into("ca/ca.crt", pem_ca, sizeof pem_ca) || open_lists())
        return -1;
    char log[PATH_MAX];
    pathf(log, "audit.log");
    audit = audit_open(log, NULL, err, sizeof err);
    if (!audit) {
        fprintf(stderr, "audit: %s\n", err);
        return -1;
    }
    struct oauth_config oc = {.provider_name = "huisartsdelinde@medmij",
                              .clock = {.now = fake_now},
                              .lists = lists,
                              .audit = audit,
                              .nservices = 2};
    char db[PATH_MAX];
    pathf(db, "oauth.db");
    oc.db_path = db;
    oc.services[0] = (struct oauth_service){
        .id = "48", .name = "BgZ", .types = {"Patient", "Condition"}, .ntypes = 2};
    oc.services[1] = (struct oauth_service){
        .id = "53", .name = "share", .share = true, .types = {"Observation"}, .ntypes = 1};
    oauth = oauth_server_open(&oc, err, sizeof err);
    if (!oauth) {
        fprintf(stderr, "oauth: %s\n", err);
        return -1;
    }
    size_t n = oauth_routes(oauth, routes, 6);
    routes[n++] = (struct http_route){.method = "GET",
                                      .pattern = "/fhir/{type}",
                                      .handler = h_fhir,
                                      .client_cert = true,
                                      .auth = true};
    struct http_server_config cfg = {.host = "127.0.0.1",
                                     .routes = routes,
                                     .nroutes = n,
                                     .authenticate = oauth_bearer_authenticate,
                                     .authenticate_ctx = oauth};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    cfg.limits.idle_timeout_s = 5;
    cfg.tls = (struct http_tls){.cert_pem = pem_cert, .key_pem = pem_key, .client_ca_pem = pem_ca};
    srv = http_server_start(&cfg, err, sizeof err);
    if (!srv) fprintf(stderr, "start: %s\n", err);
    return srv ? 0 : -1;
}

static int teardown(void **state)
{
    http_server_stop(srv);
    if (last_json) json_object_put(last_json);
    oauth_server_close(oauth);
    audit_close(audit);
    medmij_lists_free(lists);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- a GnuTLS client ---- */

struct resp {
    int status; /* -1 when there was no response */
    char text[16384];
    const char *body;
    json_object *json; /* the body, when it is JSON: valid until the next request */
};

static void resp_free(struct resp *r)
{
    (void)r;
}

/* One request over a new TLS connection; cert: a file prefix under dir or NULL. */
static void request(const char *cert, const char *req, struct resp *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    gnutls_certificate_credentials_t cred;
    assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
    char path[PATH_MAX], key[PATH_MAX];
    pathf(path, "ca/ca.crt");
    assert_int_equal(gnutls_certificate_set_x509_trust_file(cred, path, GNUTLS_X509_FMT_PEM), 1);
    if (cert) {
        char name[64];
        snprintf(name, sizeof name, "%s.crt", cert);
        pathf(path, name);
        snprintf(name, sizeof name, "%s.key", cert);
        pathf(key, name);
        assert_int_equal(gnutls_certificate_set_x509_key_file(cred, path, key, GNUTLS_X509_FMT_PEM),
                         0);
    }
    gnutls_session_t s;
    assert_int_equal(gnutls_init(&s, GNUTLS_CLIENT), 0);
    assert_int_equal(gnutls_set_default_priority(s), 0);
    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", strlen("localhost"));
    gnutls_session_set_verify_cert(s, "localhost", 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(http_server_port(srv))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    gnutls_transport_set_int(s, fd);
    gnutls_handshake_set_timeout(s, 5000);
    int rc;
    do rc = gnutls_handshake(s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    assert_int_equal(rc, 0);
    size_t len = strlen(req), off = 0;
    while (off < len) {
        ssize_t w = gnutls_record_send(s, req + off, len - off);
        if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED) continue;
        assert_true(w > 0);
        off += (size_t)w;
    }
    size_t n = 0;
    for (;;) {
        ssize_t got = gnutls_record_recv(s, r->text + n, sizeof r->text - 1 - n);
        if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) continue;
        if (got <= 0) break;
        n += (size_t)got;
        if (n == sizeof r->text - 1) break;
    }
    r->text[n] = '\0';
    gnutls_bye(s, GNUTLS_SHUT_WR);
    gnutls_deinit(s);
    gnutls_certificate_free_credentials(cred);
    close(fd);
    if (!strncmp(r->text, "HTTP/1.1 ", 9)) r->status = (int)strtol(r->text + 9, NULL, 10);
    const char *b = strstr(r->text, "\r\n\r\n");
    r->body = b ? b + 4 : "";
    if (last_json) json_object_put(last_json);
    last_json = r->body[0] == '{' ? json_tokener_parse(r->body) : NULL;
    r->json = last_json;
}

/* POST of a form body (and optional query) to path. */
static void post(const char *cert, const char *path_query, const char *form, struct resp *r)
{
    char req[8192];
    snprintf(req, sizeof req,
             "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n"
             "MedMij-Request-ID: " REQ_ID "\r\nX-Correlation-ID: " CORR_ID "\r\n\r\n%s",
             path_query, strlen(form), form);
    request(cert, req, r);
}

static void get_fhir(const char *cert, const char *token, struct resp *r)
{
    char req[1024];
    snprintf(req, sizeof req,
             "GET /fhir/Condition HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s%s\r\n",
             token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
    request(cert, req, r);
}

static const char *jstr(const struct resp *r, const char *key)
{
    json_object *v;
    if (!r->json || !json_object_object_get_ex(r->json, key, &v)) return NULL;
    return json_object_get_string(v);
}

static bool has_header(const struct resp *r, const char *line)
{
    return strcasestr(r->text, line) != NULL;
}

struct audit_seen {
    const char *token;
    int consent;        /* "consent" records of a token issue seen */
    int replays;        /* "consent" records of a revocation by replay */
    bool token_in_line; /* the token's text appears in a line: must not */
};

static int audit_seen_cb(const struct audit_line *l, void *ctx)
{
    struct audit_seen *s = ctx;
    if (!strcmp(l->e.action, "consent") && strstr(l->e.what, "used again")) {
        s->replays++;
        assert_int_equal(l->e.outcome, 400);
        assert_string_equal(l->e.client, CLIENT);
    } else if (!strcmp(l->e.action, "consent")) {
        s->consent++;
        assert_string_equal(l->e.client, CLIENT);
        assert_string_equal(l->e.what, "token authorization_code");
        assert_string_equal(l->e.request, REQ_ID);
        assert_int_equal(strncmp(l->e.token, "sha256:", 7), 0);
    }
    if (strstr(l->text, s->token)) s->token_in_line = true;
    return 0;
}

/* A consent for patient-a and a code for it. */
static void new_code(const char *scope, const char *svc, char code[OAUTH_TOKEN_LEN])
{
    struct oauth_consent in = {0}, c;
    snprintf(in.subject, sizeof in.subject, "0b8e6f4a-58b4-4d2c-9d61-0c9b9a4cf001");
    snprintf(in.patient_id, sizeof in.patient_id, "patient-a");
    snprintf(in.client_id, sizeof in.client_id, CLIENT);
    snprintf(in.scope, sizeof in.scope, "%s", scope);
    snprintf(in.service_ids[0], sizeof in.service_ids[0], "%s", svc);
    in.nservice_ids = 1;
    assert_int_equal(oauth_grants_consent_create(oauth->grants, &in, 86400, &c), OAUTH_GRANTS_OK);
    assert_int_equal(oauth_grants_code_issue(oauth->grants, c.id, REDIRECT, CHALLENGE, code),
                     OAUTH_GRANTS_OK);
}

static void form_for(char *out, size_t cap, const char *code)
{
    snprintf(out, cap,
             "grant_type=authorization_code&code=%s&client_id=" CLIENT
             "&redirect_uri=https%%3A%%2F%%2Fpgo.regie.test%%2Fconnect%%2Fcallback"
             "&code_verifier=" VERIFIER,
             code);
}

/* ---- tests ---- */

static void test_code_exchange_and_bearer(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024];
    new_code("huisartsdelinde", "48", code);
    form_for(form, sizeof form, code);
    struct resp r;
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Cache-Control: no-store"));
    assert_true(has_header(&r, "MedMij-Request-ID: " REQ_ID));
    assert_true(has_header(&r, "X-Correlation-ID: " CORR_ID));
    assert_string_equal(jstr(&r, "token_type"), "Bearer");
    assert_string_equal(jstr(&r, "expires_in"), "900");
    assert_string_equal(jstr(&r, "scope"), "huisartsdelinde");
    char access[OAUTH_TOKEN_LEN], refresh[OAUTH_TOKEN_LEN];
    snprintf(access, sizeof access, "%s", jstr(&r, "access_token"));
    snprintf(refresh, sizeof refresh, "%s", jstr(&r, "refresh_token"));
    assert_int_equal(strlen(access), 43);
    assert_int_equal(strlen(refresh), 43);
    resp_free(&r);

    /* The issue is on record, by reference: the token itself is not in the log. */
    struct audit_seen seen = {.token = access};
    assert_true(audit_read_patient(audit, "patient-a", audit_seen_cb, &seen) >= 1);
    assert_int_equal(seen.consent, 1);
    assert_false(seen.token_in_line);

    /* The token reads the FHIR route as patient-a with service 48's types. */
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body,
                        "patient=patient-a purpose=collect service=48 ntypes=2 first=Patient "
                        "share=0");
    /* No token, a junk token, the right token from another certificate, no certificate. */
    get_fhir("pgo", NULL, &r);
    assert_int_equal(r.status, 401);
    assert_true(has_header(&r, "WWW-Authenticate: Bearer realm=\"regie\"\r\n"));
    get_fhir("pgo", "junk", &r);
    assert_int_equal(r.status, 401);
    assert_true(has_header(&r, "error=\"invalid_token\""));
    get_fhir("other", access, &r);
    assert_int_equal(r.status, 401);
    assert_true(has_header(&r, "error=\"invalid_token\""));
    get_fhir(NULL, access, &r);
    assert_int_equal(r.status, 403);

    /* The code again: refused, and what it issued is revoked. */
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(jstr(&r, "error"), "invalid_grant");
    resp_free(&r);
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 401);
    /* The revocation is on the patient's record too. */
    seen = (struct audit_seen){.token = access};
    assert_true(audit_read_patient(audit, "patient-a", audit_seen_cb, &seen) >= 2);
    assert_int_equal(seen.replays, 1);
    /* The access token expires too (a fresh grant, then 15 minutes later). */
    new_code("huisartsdelinde", "48", code);
    form_for(form, sizeof form, code);
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    snprintf(access, sizeof access, "%s", jstr(&r, "access_token"));
    resp_free(&r);
    now += 900;
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 401);
    now -= 900;
}

static void test_query_parameters(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024], path[1200];
    new_code("huisartsdelinde~53", "53", code);
    form_for(form, sizeof form, code);
    snprintf(path, sizeof path, "/oauth/token?%s", form);
    struct resp r;
    post("pgo", path, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jstr(&r, "scope"), "huisartsdelinde~53");
    char access[OAUTH_TOKEN_LEN];
    snprintf(access, sizeof access, "%s", jstr(&r, "access_token"));
    resp_free(&r);
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "patient=patient-a purpose=share service=53 ntypes=0 first=- "
                                "share=1");
}

static void expect_error(const char *cert, const char *form, int status, const char *error)
{
    struct resp r;
    post(cert, "/oauth/token", form, &r);
    if (r.status != status || !jstr(&r, "error") || strcmp(jstr(&r, "error"), error) != 0)
        fail_msg("%s: expected %d %s, got %d %s", form, status, error, r.status, r.body);
    assert_true(has_header(&r, "Cache-Control: no-store"));
    resp_free(&r);
}

static void test_refusals(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024];
    new_code("huisartsdelinde", "48", code);
    const char *redirect = "&redirect_uri=https%3A%2F%2Fpgo.regie.test%2Fconnect%2Fcallback";
    /* client_id is not the certificate's host; the host is not on the OCL. */
    snprintf(form, sizeof form,
             "grant_type=authorization_code&code=%s&client_id=other.regie.test%s"
             "&code_verifier=" VERIFIER,
             code, redirect);
    expect_error("pgo", form, 401, "invalid_client");
    expect_error("other", form, 401, "invalid_client");
    /* No client_id, no redirect_uri, another redirect_uri, a wrong verifier. */
    snprintf(form, sizeof form, "grant_type=authorization_code&code=%s%s&code_verifier=" VERIFIER,
             code, redirect);
    expect_error("pgo", form, 400, "invalid_request");
    snprintf(form, sizeof form,
             "grant_type=authorization_code&code=%s&client_id=" CLIENT "&code_verifier=" VERIFIER,
             code);
    expect_error("pgo", form, 400, "invalid_request");
    snprintf(form, sizeof form,
             "grant_type=authorization_code&code=%s&client_id=" CLIENT
             "&redirect_uri=https%%3A%%2F%%2Fevil.test%%2Fcb&code_verifier=" VERIFIER,
             code);
    expect_error("pgo", form, 400, "invalid_grant");
    snprintf(form, sizeof form,
             "grant_type=authorization_code&code=%s&client_id=" CLIENT
             "%s&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
             code, redirect);
    expect_error("pgo", form, 400, "invalid_grant");
    /* Grant types: missing, unknown (password), and a parameter twice. */
    expect_error("pgo", "client_id=" CLIENT, 400, "invalid_request");
    expect_error("pgo", "grant_type=password&client_id=" CLIENT, 400, "unsupported_grant_type");
    snprintf(form, sizeof form,
             "grant_type=authorization_code&code=%s&code=%s&client_id=" CLIENT
             "%s&code_verifier=" VERIFIER,
             code, code, redirect);
    expect_error("pgo", form, 400, "invalid_request");
    /* After all that the code still works (failed tries do not burn it). */
    form_for(form, sizeof form, code);
    struct resp r;
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* No client certificate: refused before the body is read. */
    post(NULL, "/oauth/token", form, &r);
    assert_int_equal(r.status, 403);
}

static void test_refresh_and_revoke(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024];
    new_code("huisartsdelinde", "48", code);
    form_for(form, sizeof form, code);
    struct resp r;
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    char access1[OAUTH_TOKEN_LEN], refresh1[OAUTH_TOKEN_LEN];
    snprintf(access1, sizeof access1, "%s", jstr(&r, "access_token"));
    snprintf(refresh1, sizeof refresh1, "%s", jstr(&r, "refresh_token"));
    resp_free(&r);
    /* Rotation. */
    snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT,
             refresh1);
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    char access2[OAUTH_TOKEN_LEN], refresh2[OAUTH_TOKEN_LEN];
    snprintf(access2, sizeof access2, "%s", jstr(&r, "access_token"));
    snprintf(refresh2, sizeof refresh2, "%s", jstr(&r, "refresh_token"));
    assert_string_not_equal(refresh1, refresh2);
    resp_free(&r);
    /* Another scope on refresh: invalid_scope. */
    snprintf(form, sizeof form,
             "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT
             "&scope=huisartsdelinde~48",
             refresh2);
    expect_error("pgo", form, 400, "invalid_scope");
    /* Revoking the access token ends it only; unknown tokens are 200 too. */
    snprintf(form, sizeof form, "token=%s&client_id=" CLIENT, access2);
    post("pgo", "/oauth/revoke", form, &r);
    assert_int_equal(r.status, 200);
    get_fhir("pgo", access2, &r);
    assert_int_equal(r.status, 401);
    get_fhir("pgo", access1, &r);
    assert_int_equal(r.status, 200);
    post("pgo", "/oauth/revoke", "token=nothing&client_id=" CLIENT, &r);
    assert_int_equal(r.status, 200);
    /* Another client cannot revoke, and is not told so. */
    snprintf(form, sizeof form, "token=%s&client_id=other.regie.test", refresh2);
    post("other", "/oauth/revoke", form, &r);
    assert_int_equal(r.status, 401);
    /* Revoking the refresh token ends the family. */
    snprintf(form, sizeof form, "token=%s&client_id=" CLIENT, refresh2);
    post("pgo", "/oauth/revoke", form, &r);
    assert_int_equal(r.status, 200);
    get_fhir("pgo", access1, &r);
    assert_int_equal(r.status, 401);
    snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT,
             refresh2);
    expect_error("pgo", form, 400, "invalid_grant");
    post("pgo", "/oauth/revoke", "client_id=" CLIENT, &r);
    assert_int_equal(r.status, 400);
    resp_free(&r);
}

static void test_refresh_reuse(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024];
    new_code("huisartsdelinde", "48", code);
    form_for(form, sizeof form, code);
    struct resp r;
    post("pgo", "/oauth/token", form, &r);
    char refresh1[OAUTH_TOKEN_LEN];
    snprintf(refresh1, sizeof refresh1, "%s", jstr(&r, "refresh_token"));
    resp_free(&r);
    snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT,
             refresh1);
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    char access2[OAUTH_TOKEN_LEN];
    snprintf(access2, sizeof access2, "%s", jstr(&r, "access_token"));
    resp_free(&r);
    /* The rotated token again: refused, and the newest access token dies with the family. */
    expect_error("pgo", form, 400, "invalid_grant");
    get_fhir("pgo", access2, &r);
    assert_int_equal(r.status, 401);
}

/* A client taken off the OCL loses its live tokens at once (and gets no new ones). */
static void test_client_delisted(void **state)
{
    char code[OAUTH_TOKEN_LEN], form[1024];
    new_code("huisartsdelinde", "48", code);
    form_for(form, sizeof form, code);
    struct resp r;
    post("pgo", "/oauth/token", form, &r);
    assert_int_equal(r.status, 200);
    char access[OAUTH_TOKEN_LEN], refresh[OAUTH_TOKEN_LEN];
    snprintf(access, sizeof access, "%s", jstr(&r, "access_token"));
    snprintf(refresh, sizeof refresh, "%s", jstr(&r, "refresh_token"));
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 200);
    static const struct medmij_client other[] = {
        {.hostname = "other.regie.test", .organisation = "Other"}};
    assert_int_equal(offer(&(struct medmij_list){.kind = MEDMIJ_OCL,
                                                 .volgnummer = 2,
                                                 .tijdstempel = "2026-12-01T12:00:00Z",
                                                 .clients = other,
                                                 .n_clients = 1}),
                     0);
    get_fhir("pgo", access, &r);
    assert_int_equal(r.status, 401);
    assert_true(has_header(&r, "error=\"invalid_token\""));
    snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT,
             refresh);
    expect_error("pgo", form, 401, "invalid_client");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_exchange_and_bearer),
        cmocka_unit_test(test_query_parameters),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refresh_and_revoke),
        cmocka_unit_test(test_refresh_reuse),
        cmocka_unit_test(test_client_delisted), /* last: it changes the OCL */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
