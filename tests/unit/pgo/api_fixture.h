/* A PGO API on a real HTTP server for the api tests: a temporary data dir with its FHIR store,
 * account database (cheap argon2, an injected clock), connection store and lists (a ZAL and a
 * GNL given as text), two patient accounts, and a tiny raw-socket HTTP/1.1 client that carries the
 * session cookie and the CSRF token. Header-only: each test file includes it once. */
#ifndef REGIE_TESTS_PGO_API_FIXTURE_H
#define REGIE_TESTS_PGO_API_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/base32.h"
#include "auth/idp.h"
#include "json/jsonx.h"
#include "pgo/api.h"
#include "rest/rest.h"
#include "store/store.h"

#define FX_PASSWORD "correct horse battery"
#define FX_CLIENT   "pgo.regie.test"
#define FX_PUBLIC   "https://pgo.regie.test"

struct fx_resp {
    int status;
    char headers[8192];
    char *body;
    size_t body_len;
    json_object *json; /* body parsed when it is JSON */
};

struct fx_user {
    char username[32];
    char secret[TOTP_SECRET_B32];
    char subject[ACCOUNT_SUBJECT_LEN];
    char cookie[SESSION_TOKEN_LEN + 32]; /* "__Host-regie_session=..." or "" */
    char csrf[CSRF_TOKEN_LEN];
};

struct fx {
    char dir[64];
    int64_t now;
    struct store *store;
    struct rest_ctx *rest;
    struct accounts *accounts;
    struct idp *idp;
    struct medmij_lists *lists;
    struct audit_log *audit;
    char audit_path[128];
    struct pgo_conn_store *conns;
    struct pgo_api *api;
    struct http_route routes[PGO_API_ROUTES];
    struct http_server *srv;
    uint16_t port;
    struct fx_user alice, bob;
};

static inline int64_t fx_clock(void *ctx)
{
    return ((struct fx *)ctx)->now;
}

static inline void fx_resp_free(struct fx_resp *r)
{
    free(r->body);
    json_object_put(r->json);
    memset(r, 0, sizeof *r);
}

/* A header of the response (first of that name), copied into a static buffer; NULL when absent. */
static const char *fx_header(const struct fx_resp *r, const char *name)
{
    static char v[2048];
    char key[128];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *h = strcasestr(r->headers, key);
    if (!h) return NULL;
    h += strlen(key);
    while (*h == ' ') h++;
    size_t n = strcspn(h, "\r\n");
    if (n >= sizeof v) n = sizeof v - 1;
    memcpy(v, h, n);
    v[n] = '\0';
    return v;
}

static inline int fx_read_byte(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 20000) <= 0) return -1;
    unsigned char c;
    return recv(fd, &c, 1, 0) == 1 ? c : -1;
}

/* One request on a fresh connection. headers: extra header lines, each ending in \r\n. */
static inline void fx_request(const struct fx *f, const char *method, const char *target,
                              const char *headers, const char *body, struct fx_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(f->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        r->status = -1;
        if (fd >= 0) close(fd);
        return;
    }
    size_t blen = body ? strlen(body) : 0;
    size_t cap = strlen(target) + (headers ? strlen(headers) : 0) + blen + 512;
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, target, headers ? headers : "",
                     body ? "Content-Type: application/json\r\n" : "", blen, body ? body : "");
    for (size_t off = 0; off < (size_t)n;) {
        ssize_t w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    free(req);
    size_t hn = 0;
    while (hn + 1 < sizeof r->headers) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->headers[hn++] = (char)c;
        if (hn >= 4 && !memcmp(r->headers + hn - 4, "\r\n\r\n", 4)) break;
    }
    r->headers[hn] = '\0';
    r->status = strncmp(r->headers, "HTTP/1.1 ", 9) ? -1 : (int)strtol(r->headers + 9, NULL, 10);
    const char *cl = fx_header(r, "Content-Length");
    size_t len = cl ? strtoul(cl, NULL, 10) : 0;
    r->body = calloc(len + 1, 1);
    for (size_t i = 0; i < len; i++) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->body[r->body_len++] = (char)c;
    }
    close(fd);
    enum jsonx_err je;
    if (r->body_len && r->body[0] == '{')
        r->json = jsonx_parse(r->body, r->body_len, 64, &je, NULL, 0);
}

/* A request as user u: with their session cookie and (csrf) their CSRF token. */
static inline void fx_call(const struct fx *f, const struct fx_user *u, bool csrf,
                           const char *method, const char *target, const char *body,
                           struct fx_resp *r)
{
    char headers[512] = "";
    if (u && u->cookie[0]) {
        size_t len = strlen(headers);
        snprintf(headers + len, sizeof headers - len, "Cookie: other=1; %s\r\n", u->cookie);
    }
    if (u && csrf) {
        size_t len = strlen(headers);
        snprintf(headers + len, sizeof headers - len, "X-CSRF-Token: %s\r\n", u->csrf);
    }
    fx_request(f, method, target, headers, body, r);
}

/* The current TOTP code of a user. */
static inline void fx_totp(const struct fx *f, const struct fx_user *u, char code[8])
{
    uint8_t key[64];
    int n = base32_decode(u->secret, strlen(u->secret), key, sizeof key);
    uint32_t v = n > 0 ? hotp(key, (size_t)n, (uint64_t)totp_step(f->now), TOTP_DIGITS) : 0;
    snprintf(code, 8, "%06u", v);
}

/* Logs u in (a fresh TOTP step each time); returns the status. */
static inline int fx_login(struct fx *f, struct fx_user *u)
{
    f->now += TOTP_PERIOD;
    char code[8], body[256];
    fx_totp(f, u, code);
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\",\"totp\":\"%s\"}",
             u->username, FX_PASSWORD, code);
    struct fx_resp r;
    fx_request(f, "POST", "/api/login", NULL, body, &r);
    if (r.status == 200) {
        const char *set = fx_header(&r, "Set-Cookie");
        size_t n = set ? strcspn(set, ";") : 0;
        snprintf(u->cookie, sizeof u->cookie, "%.*s", (int)n, set ? set : "");
        const char *csrf = jsonx_get_str(r.json, "csrf");
        snprintf(u->csrf, sizeof u->csrf, "%s", csrf ? csrf : "");
    }
    int status = r.status;
    fx_resp_free(&r);
    return status;
}

static inline int fx_add_user(struct fx *f, const char *name, struct fx_user *u)
{
    struct accounts_enrolment e = {0};
    struct account acct;
    const char *why = NULL;
    if (accounts_add(f->accounts, name, ACCOUNT_PATIENT, NULL, FX_PASSWORD, strlen(FX_PASSWORD), &e,
                     &acct, &why) != ACCOUNTS_OK)
        return -1;
    snprintf(u->username, sizeof u->username, "%s", name);
    memcpy(u->secret, e.secret, sizeof u->secret);
    memcpy(u->subject, acct.subject, sizeof u->subject);
    accounts_enrolment_free(&e);
    return 0;
}

/* A ZAL of two providers (the GP with services 48 and 53, the hospital with 4) whose endpoints
 * go nowhere, and a GNL naming two of the services: what most API tests need. */
static const char fx_zal_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Zorgaanbiederslijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Zorgaanbieders>"
    "<Zorgaanbieder><Zorgaanbiedernaam>huisartsdelinde@medmij</Zorgaanbiedernaam>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.delinde.test/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:1/oauth/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:1/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "<Gegevensdienst><GegevensdienstId>53</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.delinde.test/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:1/oauth/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:1/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "</Gegevensdiensten></Zorgaanbieder>"
    "<Zorgaanbieder><Zorgaanbiedernaam>ziekenhuisoost@medmij</Zorgaanbiedernaam>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>4</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.oost.test/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:1/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:1/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "</Gegevensdiensten></Zorgaanbieder>"
    "</Zorgaanbieders></Zorgaanbiederslijst>\n";

static const char fx_gnl_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Gegevensdienstnamenlijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<Weergavenaam>Basisgegevens Zorg</Weergavenaam></Gegevensdienst>"
    "<Gegevensdienst><GegevensdienstId>4</GegevensdienstId>"
    "<Weergavenaam>Laboratoriumresultaten</Weergavenaam></Gegevensdienst>"
    "</Gegevensdiensten></Gegevensdienstnamenlijst>\n";

static const struct pgo_service_def fx_services[] = {
    {.id = "48",
     .name = "BgZ (catalogue)",
     .searches = (const char *const[]){"Patient", "Condition"},
     .nsearches = 2},
    {.id = "53", .name = "Zelfmetingen delen", .share = true},
};

/* Opens everything over a new temp dir with the given list texts; token/resource endpoints in the
 * ZAL are whatever the caller wrote. call: back-channel options (may be NULL). */
static inline int fx_open(struct fx *f, const char *zal, const char *gnl,
                          const struct pgo_call_opts *call)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-pgo-api-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    f->now = 1700000000;
    char path[160], key[160], err[512];
    snprintf(path, sizeof path, "%s/regie.db", f->dir);
    struct store_config scfg;
    store_config_defaults(&scfg, path);
    scfg.durable = false;
    if (!(f->store = store_sqlite_open(&scfg, err, sizeof err))) return -1;
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = f->store;
    rcfg.base_url = FX_PUBLIC "/fhir";
    if (!(f->rest = rest_new(&rcfg))) return -1;
    struct accounts_config acfg;
    accounts_config_default(&acfg);
    acfg.password = (struct password_params){.t_cost = 1, .m_cost_kib = 256, .lanes = 1};
    acfg.clock = (struct accounts_clock){.now = fx_clock, .ctx = f};
    snprintf(path, sizeof path, "%s/accounts.db", f->dir);
    if (!(f->accounts = accounts_open(path, &acfg))) return -1;
    if (!(f->idp = idp_local_new(f->accounts))) return -1;
    struct medmij_lists_config lcfg = {0};
    if (!(f->lists = medmij_lists_new(&lcfg))) return -1;
    if (medmij_lists_offer(f->lists, MEDMIJ_ZAL, zal, strlen(zal), err, sizeof err) !=
            MEDMIJ_OFFER_SWAPPED ||
        medmij_lists_offer(f->lists, MEDMIJ_GNL, gnl, strlen(gnl), err, sizeof err) !=
            MEDMIJ_OFFER_SWAPPED) {
        fprintf(stderr, "lists: %s\n", err);
        return -1;
    }
    snprintf(f->audit_path, sizeof f->audit_path, "%s/audit.log", f->dir);
    if (!(f->audit = audit_open(f->audit_path, NULL, err, sizeof err))) return -1;
    snprintf(path, sizeof path, "%s/pgo.db", f->dir);
    snprintf(key, sizeof key, "%s/pgo.key", f->dir);
    if (!(f->conns = pgo_conn_open(path, key, err, sizeof err))) return -1;
    struct pgo_api_config ac = {.accounts = f->accounts,
                                .idp = f->idp,
                                .lists = f->lists,
                                .conns = f->conns,
                                .vault = f->rest,
                                .store = f->store,
                                .audit = f->audit,
                                .client_id = FX_CLIENT,
                                .public_url = FX_PUBLIC "/",
                                .services = fx_services,
                                .nservices = 2};
    if (call) ac.call = *call;
    if (!(f->api = pgo_api_new(&ac, err, sizeof err))) return -1;
    size_t n = pgo_api_routes(f->api, f->routes, PGO_API_ROUTES);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = f->routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    if (!(f->srv = http_server_start(&cfg, err, sizeof err))) return -1;
    f->port = http_server_port(f->srv);
    if (fx_add_user(f, "alice", &f->alice) != 0 || fx_add_user(f, "bob", &f->bob) != 0) return -1;
    return 0;
}

static inline void fx_close(struct fx *f)
{
    if (f->srv) http_server_stop(f->srv);
    pgo_api_free(f->api);
    pgo_conn_close(f->conns);
    if (f->audit) audit_close(f->audit);
    medmij_lists_free(f->lists);
    idp_free(f->idp);
    accounts_close(f->accounts);
    rest_free(f->rest);
    if (f->store) f->store->ops->close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", f->dir);
}

#endif
