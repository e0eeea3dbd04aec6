/* The dispatcher's per-route context and authenticate hook (http.h): a route's .ctx reaches the
 * handler as req->app (others get the server's app); a route with .auth calls the server's hook
 * after the query and before the body and the handler, whose refusal is the reply; access_free
 * runs once per request whatever the outcome; req->client_addr names the peer. Also the text and
 * redirect replies. A real server on 127.0.0.1 (and ::1 when the machine has it), raw HTTP/1.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"

/* ---------------------------------------------------------------------------------------------
 * What the hook proves and what the handlers show */

struct grant {
    char who[32];
};

static atomic_int hook_calls, access_frees, handler_calls;

static void grant_free(void *p)
{
    atomic_fetch_add(&access_frees, 1);
    free(p);
}

static const char hook_ctx_tag[] = "hook-ctx";

/* Bearer good-NAME: access for NAME. Bearer half: sets access, then refuses (access_free must
 * still run). Bearer mute: refuses without a reply (our bug: 500). Otherwise 401. */
static int hook(void *ctx, struct http_request *req, struct http_reply *rep)
{
    atomic_fetch_add(&hook_calls, 1);
    if (ctx != hook_ctx_tag) return -1;
    const char *a = http_header(req, "Authorization");
    if (a && !strncmp(a, "Bearer good-", 12)) {
        struct grant *g = calloc(1, sizeof *g);
        if (!g) return -1;
        snprintf(g->who, sizeof g->who, "%s", a + 12);
        req->access = g;
        req->access_free = grant_free;
        return 0;
    }
    if (a && !strcmp(a, "Bearer half")) {
        req->access = calloc(1, sizeof(struct grant));
        req->access_free = grant_free;
    }
    if (a && !strcmp(a, "Bearer mute")) return 1;
    http_reply_header(rep, "WWW-Authenticate", "Bearer realm=\"regie\", error=\"invalid_token\"");
    http_reply_text(rep, 401, "text/plain", "no", 2);
    return 1;
}

static const char app_tag[] = "server-app";
static const char route_tag[] = "route-ctx";

/* Shows req->app, req->access and req->client_addr as text. */
static void h_show(struct http_request *req, struct http_reply *rep)
{
    atomic_fetch_add(&handler_calls, 1);
    const struct grant *g = req->access;
    buf_printf(&rep->body, "app=%s access=%s addr=%s", req->app ? (const char *)req->app : "-",
               g ? g->who : "-", req->client_addr);
    rep->content_type = "text/plain";
    rep->status = 200;
}

static void h_redirect(struct http_request *req, struct http_reply *rep)
{
    http_reply_redirect(rep, 303, "https://pgo.regie.test/connect/callback?code=x&state=y");
}

static void h_bad_redirect(struct http_request *req, struct http_reply *rep)
{
    http_reply_redirect(rep, 302, "https://a.test/\r\nSet-Cookie: x=1");
}

static const struct http_route routes[] = {
    {.method = "GET", .pattern = "/plain", .handler = h_show},
    {.method = "GET", .pattern = "/own", .handler = h_show, .ctx = (void *)route_tag},
    {.method = "GET", .pattern = "/secret", .handler = h_show, .auth = true},
    {.method = "GET",
     .pattern = "/secret-own",
     .handler = h_show,
     .auth = true,
     .ctx = (void *)route_tag},
    {.method = "POST",
     .pattern = "/fhir/Observation",
     .handler = h_show,
     .body = HTTP_BODY_JSON,
     .fhir = true,
     .auth = true},
    {.method = "GET", .pattern = "/redirect", .handler = h_redirect},
    {.method = "GET", .pattern = "/bad-redirect", .handler = h_bad_redirect},
};

static struct http_server *srv, *srv_nohook, *srv6;
static uint16_t port, port_nohook, port6;

static struct http_server *start(const char *host, bool with_hook, uint16_t *p)
{
    struct http_server_config cfg = {.host = host,
                                     .port = 0,
                                     .routes = routes,
                                     .nroutes = sizeof routes / sizeof routes[0],
                                     .app = (void *)app_tag};
    if (with_hook) {
        cfg.authenticate = hook;
        cfg.authenticate_ctx = (void *)hook_ctx_tag;
    }
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    cfg.limits.idle_timeout_s = 5;
    char err[256];
    struct http_server *s = http_server_start(&cfg, err, sizeof err);
    if (s) *p = http_server_port(s);
    return s;
}

static int setup(void **state)
{
    srv = start("127.0.0.1", true, &port);
    srv_nohook = start("127.0.0.1", false, &port_nohook);
    srv6 = start("::1", true, &port6); /* NULL when the machine has no IPv6 loopback */
    return srv && srv_nohook ? 0 : -1;
}

static int teardown(void **state)
{
    http_server_stop(srv);
    http_server_stop(srv_nohook);
    if (srv6) http_server_stop(srv6);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * A tiny HTTP/1.1 client: one request per connection, read until the server closes. */

struct resp {
    int status;
    char text[8192]; /* headers and body */
    const char *body;
};

static void roundtrip6(bool v6, uint16_t to, const char *req, struct resp *r)
{
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (v6) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(to)};
        a.sin6_addr = in6addr_loopback;
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(to)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    }
    size_t len = strlen(req);
    assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
    memset(r, 0, sizeof *r);
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0) break;
        ssize_t got = recv(fd, r->text + n, sizeof r->text - 1 - n, 0);
        if (got <= 0) break;
        n += (size_t)got;
        if (n == sizeof r->text - 1) break;
    }
    close(fd);
    r->text[n] = '\0';
    r->status = strncmp(r->text, "HTTP/1.1 ", 9) ? -1 : (int)strtol(r->text + 9, NULL, 10);
    const char *b = strstr(r->text, "\r\n\r\n");
    r->body = b ? b + 4 : "";
}

static void roundtrip(uint16_t to, const char *req, struct resp *r)
{
    roundtrip6(false, to, req, r);
}

static const char *header(const struct resp *r, const char *name)
{
    static char v[1024];
    char key[128];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *h = strcasestr(r->text, key);
    if (!h || h > r->body) return NULL;
    h += strlen(key);
    while (*h == ' ') h++;
    size_t n = strcspn(h, "\r\n");
    if (n >= sizeof v) n = sizeof v - 1;
    memcpy(v, h, n);
    v[n] = '\0';
    return v;
}

static void reset_counts(void)
{
    atomic_store(&hook_calls, 0);
    atomic_store(&access_frees, 0);
    atomic_store(&handler_calls, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Tests */

static void route_ctx_reaches_the_handler(void **state)
{
    struct resp r;
    roundtrip(port, "GET /own HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "app=route-ctx "));
    /* Without .ctx: the server's app. */
    roundtrip(port, "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "app=server-app access=- "));
}

static void client_addr_is_the_peer(void **state)
{
    struct resp r;
    roundtrip(port, "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_non_null(strstr(r.body, " addr=127.0.0.1"));
    if (!srv6) {
        fprintf(stderr, "note: no IPv6 loopback; ::1 not tried\n");
        return;
    }
    roundtrip6(true, port6, "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, " addr=::1"));
}

static void auth_hook_grants_access(void **state)
{
    reset_counts();
    struct resp r;
    roundtrip(port,
              "GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-alice\r\n"
              "Connection: close\r\n\r\n",
              &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "app=server-app access=alice "));
    assert_int_equal(atomic_load(&hook_calls), 1);
    assert_int_equal(atomic_load(&handler_calls), 1);
    assert_int_equal(atomic_load(&access_frees), 1); /* freed once the reply was built */
    /* An auth route with its own ctx: the handler gets the route's ctx, the hook its own. */
    roundtrip(port,
              "GET /secret-own HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-bob\r\n"
              "Connection: close\r\n\r\n",
              &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "app=route-ctx access=bob "));
    assert_int_equal(atomic_load(&access_frees), 2);
    /* Routes without auth never call the hook. */
    roundtrip(port, "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(atomic_load(&hook_calls), 2);
}

static void auth_hook_refusal_is_the_reply(void **state)
{
    reset_counts();
    struct resp r;
    roundtrip(port, "GET /secret HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(header(&r, "WWW-Authenticate"),
                        "Bearer realm=\"regie\", error=\"invalid_token\"");
    assert_string_equal(header(&r, "Content-Type"), "text/plain");
    assert_string_equal(r.body, "no");
    assert_int_equal(atomic_load(&handler_calls), 0);
    assert_int_equal(atomic_load(&access_frees), 0);
    /* A hook that set access and then refused: access_free still runs. */
    roundtrip(port,
              "GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer half\r\n"
              "Connection: close\r\n\r\n",
              &r);
    assert_int_equal(r.status, 401);
    assert_int_equal(atomic_load(&handler_calls), 0);
    assert_int_equal(atomic_load(&access_frees), 1);
    /* A hook that refuses without a reply is our bug: 500, not a silent 200. */
    roundtrip(port,
              "GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer mute\r\n"
              "Connection: close\r\n\r\n",
              &r);
    assert_int_equal(r.status, 500);
    assert_int_equal(atomic_load(&handler_calls), 0);
}

static void auth_runs_before_the_body(void **state)
{
    reset_counts();
    struct resp r;
    /* A broken body without a token: the refusal is 401, not the body's 400. */
    roundtrip(port,
              "POST /fhir/Observation HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json"
              "\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{nope",
              &r);
    assert_int_equal(r.status, 401);
    assert_int_equal(atomic_load(&hook_calls), 1);
    /* With a token the body is parsed after the hook: 400, handler not called, access freed. */
    roundtrip(port,
              "POST /fhir/Observation HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json"
              "\r\nAuthorization: Bearer good-carol\r\nContent-Length: 5\r\nConnection: close"
              "\r\n\r\n{nope",
              &r);
    assert_int_equal(r.status, 400);
    assert_int_equal(atomic_load(&hook_calls), 2);
    assert_int_equal(atomic_load(&handler_calls), 0);
    assert_int_equal(atomic_load(&access_frees), 1);
    /* A good body and token reach the handler. */
    static const char body[] = "{\"resourceType\":\"Observation\"}";
    char req[512];
    snprintf(req, sizeof req,
             "POST /fhir/Observation HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json"
             "\r\nAuthorization: Bearer good-carol\r\nContent-Length: %zu\r\nConnection: close"
             "\r\n\r\n%s",
             strlen(body), body);
    roundtrip(port, req, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "access=carol"));
    assert_int_equal(atomic_load(&access_frees), 2);
}

static void auth_route_without_hook_is_500(void **state)
{
    reset_counts();
    struct resp r;
    roundtrip(port_nohook,
              "GET /secret HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-alice\r\n"
              "Connection: close\r\n\r\n",
              &r);
    assert_int_equal(r.status, 500);
    assert_int_equal(atomic_load(&handler_calls), 0);
    assert_int_equal(atomic_load(&hook_calls), 0);
    /* The same server's open routes still work. */
    roundtrip(port_nohook, "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

static void redirect_reply(void **state)
{
    struct resp r;
    roundtrip(port, "GET /redirect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 303);
    assert_string_equal(header(&r, "Location"),
                        "https://pgo.regie.test/connect/callback?code=x&state=y");
    assert_string_equal(header(&r, "Cache-Control"), "no-store");
    assert_string_equal(r.body, "");
    /* A location with CR/LF never becomes a header. */
    roundtrip(port, "GET /bad-redirect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_null(header(&r, "Location"));
    assert_null(header(&r, "Set-Cookie"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(route_ctx_reaches_the_handler),
        cmocka_unit_test(client_addr_is_the_peer),
        cmocka_unit_test(auth_hook_grants_access),
        cmocka_unit_test(auth_hook_refusal_is_the_reply),
        cmocka_unit_test(auth_runs_before_the_body),
        cmocka_unit_test(auth_route_without_hook_is_500),
        cmocka_unit_test(redirect_reply),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
