/* The access rules through a real server: the rest routes behind an authenticate hook that turns
 * "Authorization: Bearer tok-a" into patient A's struct rest_access (as the DVA's bearer check
 * does), spoken to over a socket with raw HTTP/1.1. What the handler-level tests cannot reach:
 * the share batch through POST /fhir with its Content-Type and Prefer, the MedMij-Request-ID in
 * the audit entry, and the hook's refusals before any handler runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include "access_fixture.h"

struct hfx {
    struct afx *f;
    struct http_server *srv;
    struct http_route routes[32];
    uint16_t port;
};

/* The stand-in for oauth_bearer_authenticate: tok-a and tok-b, 401 otherwise. */
static int authenticate(void *ctx, struct http_request *req, struct http_reply *rep)
{
    struct afx *f = ctx;
    const char *h = http_header(req, "Authorization");
    if (h && !strcmp(h, "Bearer tok-a")) {
        req->access = &f->a;
        return 0;
    }
    if (h && !strcmp(h, "Bearer tok-b")) {
        req->access = &f->b;
        return 0;
    }
    if (h && !strcmp(h, "Bearer dev")) return 0; /* unrestricted, as dev mode */
    http_reply_error(rep, RG_E_UNAUTHORIZED, "a bearer token is required");
    return 1;
}

static int hsetup(void **state)
{
    if (asetup(state) != 0) return -1;
    struct hfx *h = calloc(1, sizeof *h);
    if (!h) return -1;
    h->f = *state;
    size_t n;
    const struct http_route *r = rest_routes(&n);
    if (n > 32) return -1;
    for (size_t i = 0; i < n; i++) {
        h->routes[i] = r[i];
        h->routes[i].auth = strcmp(r[i].name, "capabilities") != 0;
    }
    struct http_server_config cfg = {.host = "127.0.0.1",
                                     .routes = h->routes,
                                     .nroutes = n,
                                     .app = h->f->rc,
                                     .authenticate = authenticate,
                                     .authenticate_ctx = h->f};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    char err[256];
    h->srv = http_server_start(&cfg, err, sizeof err);
    if (!h->srv) return -1;
    h->port = http_server_port(h->srv);
    *state = h;
    return 0;
}

static int hteardown(void **state)
{
    struct hfx *h = *state;
    http_server_stop(h->srv);
    void *f = h->f;
    free(h);
    return ateardown(&f);
}

/* ---------------------------------------------------------------------------------------------
 * A tiny HTTP/1.1 client (one request per connection) */

struct resp {
    int status;
    char headers[4096];
    char body[65536];
};

static int read_byte(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10000) <= 0) return -1;
    unsigned char c;
    return recv(fd, &c, 1, 0) == 1 ? c : -1;
}

static int request(struct hfx *h, const char *method, const char *target, const char *token,
                   const char *body, struct resp *r)
{
    char req[16384];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: dva.test\r\nConnection: close\r\n"
                     "Accept: application/fhir+json\r\n%s%s%s"
                     "MedMij-Request-ID: 6b1c7a5e-1c1e-4c1a-9d4e-3f1f0c2a7b11\r\n"
                     "Content-Type: application/fhir+json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, target, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", body ? strlen(body) : 0, body ? body : "");
    assert_true(n > 0 && (size_t)n < sizeof req);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(h->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    memset(r, 0, sizeof *r);
    size_t k = 0;
    while (k + 1 < sizeof r->headers) {
        int c = read_byte(fd);
        if (c < 0) break;
        r->headers[k++] = (char)c;
        if (k >= 4 && !memcmp(r->headers + k - 4, "\r\n\r\n", 4)) break;
    }
    r->status = strncmp(r->headers, "HTTP/1.1 ", 9) ? -1 : (int)strtol(r->headers + 9, NULL, 10);
    for (k = 0; k + 1 < sizeof r->body;) {
        int c = read_byte(fd);
        if (c < 0) break;
        r->body[k++] = (char)c;
    }
    close(fd);
    return r->status;
}

/* ---------------------------------------------------------------------------------------------
 * Tests */

#define SHARE                                                                                      \
    "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"fullUrl\":\"urn:uuid:"          \
    "11111111-1111-4111-8111-111111111111\",\"resource\":{\"resourceType\":\"Patient\","           \
    "\"identifier\":[{\"system\":\"http://fhir.nl/fhir/NamingSystem/bsn\",\"value\":"              \
    "\"999999990\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},{\"fullUrl\":"        \
    "\"urn:uuid:22222222-2222-4222-8222-222222222222\",\"resource\":{\"resourceType\":"            \
    "\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\"," \
    "\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"urn:uuid:11111111-1111-4111-8111-"        \
    "111111111111\"},\"effectiveDateTime\":\"2026-11-30\",\"valueQuantity\":{\"value\":61,"        \
    "\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}},"              \
    "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}"

struct got_line {
    size_t n;
    char what[520], action[16], request[130];
    int outcome;
};

static int last_line(const struct audit_line *l, void *ctx)
{
    struct got_line *g = ctx;
    g->n++;
    snprintf(g->what, sizeof g->what, "%s", l->e.what ? l->e.what : "");
    snprintf(g->action, sizeof g->action, "%s", l->e.action ? l->e.action : "");
    snprintf(g->request, sizeof g->request, "%s", l->e.request ? l->e.request : "");
    g->outcome = l->e.outcome;
    return 0;
}

static void share_over_http(void **state)
{
    struct hfx *h = *state;
    struct resp r;
    assert_int_equal(request(h, "POST", "/fhir", "tok-a", SHARE, &r), 200);
    json_object *b = parse(r.body);
    assert_string_equal(jsonx_get_str(b, "type"), "batch-response");
    json_object *entries = jsonx_get(b, "entry");
    assert_int_equal(json_object_array_length(entries), 2);
    json_object *res = jsonx_get(json_object_array_get_idx(entries, 1), "resource");
    assert_non_null(res); /* return=representation by default for a share */
    assert_string_equal(jsonx_get_str(jsonx_get(res, "subject"), "reference"), "Patient/pa");
    json_object_put(b);
    assert_null(strstr(r.body, "999999990"));
    struct got_line g = {0};
    assert_true(audit_read_patient(h->f->audit, "pa", last_line, &g) >= 1);
    assert_string_equal(g.action, "batch");
    assert_string_equal(g.what, "Bundle (1 stored)");
    assert_string_equal(g.request, "6b1c7a5e-1c1e-4c1a-9d4e-3f1f0c2a7b11");
    assert_int_equal(g.outcome, 200);
    /* A's token now finds it; B's does not */
    assert_int_equal(
        request(h, "GET", "/fhir/Observation?code=http://loinc.org%7C8867-4", "tok-a", NULL, &r),
        200);
    assert_non_null(strstr(r.body, "\"total\":1"));
    assert_int_equal(
        request(h, "GET", "/fhir/Observation?code=http://loinc.org%7C8867-4", "tok-b", NULL, &r),
        200);
    assert_non_null(strstr(r.body, "\"total\":0"));
}

static void refusals_over_http(void **state)
{
    struct hfx *h = *state;
    struct resp r;
    const char *tx = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}";
    assert_int_equal(request(h, "POST", "/fhir", "tok-a", tx, &r), 403);
    assert_int_equal(request(h, "GET", "/fhir/Observation?patient=pb", "tok-a", NULL, &r), 400);
    assert_int_equal(request(h, "GET", "/fhir/Observation/ob1", "tok-a", NULL, &r), 404);
    assert_int_equal(request(h, "GET", "/fhir/Condition", "tok-a", NULL, &r), 403);
    assert_int_equal(request(h, "GET", "/fhir/Observation/ob1", NULL, NULL, &r), 401);
    assert_int_equal(request(h, "GET", "/fhir/metadata", NULL, NULL, &r), 200);
    /* the searchset under a token: A's only, links without a patient or the BSN system */
    assert_int_equal(request(h, "GET", "/fhir/Observation?_count=1", "tok-a", NULL, &r), 200);
    assert_null(strstr(r.body, "\"ob1\""));
    assert_null(strstr(r.body, "NamingSystem"));
    assert_non_null(strstr(r.body, "\"relation\":\"next\""));
    assert_null(strstr(r.body, "patient="));
    assert_int_equal(request(h, "GET",
                             "/fhir/Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn%7C1",
                             "tok-a", NULL, &r),
                     400);
}

/* Unrestricted: the same routes as before, the audit entry says transaction when it was one. */
static void unrestricted_transaction_is_recorded(void **state)
{
    struct hfx *h = *state;
    struct resp r;
    const char *tx = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{"
                     "\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/pb\"}},"
                     "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
    assert_int_equal(request(h, "POST", "/fhir", "dev", tx, &r), 200);
    assert_int_equal(request(h, "GET", "/fhir/Observation/ob1", "dev", NULL, &r), 200);
    char *text = slurp(h->f->audit_path);
    assert_non_null(strstr(text, "\"actor\":\"anonymous-dev\""));
    assert_non_null(strstr(text, "\"action\":\"transaction\",\"what\":\"Bundle\""));
    assert_non_null(strstr(text, "\"patient\":\"pb\",\"action\":\"read\""));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(share_over_http, hsetup, hteardown),
        cmocka_unit_test_setup_teardown(refusals_over_http, hsetup, hteardown),
        cmocka_unit_test_setup_teardown(unrestricted_transaction_is_recorded, hsetup, hteardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
