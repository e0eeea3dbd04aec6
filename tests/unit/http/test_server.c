/* A real server on 127.0.0.1 (kernel-picked port) with a small route table of its own, spoken to
 * over plain sockets with raw HTTP/1.1, so what is tested is exactly what a client sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"
#include "json/jsonx.h"

/* ---------------------------------------------------------------------------------------------
 * Handlers */

static void h_hello(struct http_request *req, struct http_reply *rep)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "resourceType", json_object_new_string("Basic"));
    json_object_object_add(o, "id", json_object_new_string("hello"));
    http_reply_json(rep, 200, o);
    json_object_put(o);
}

static void h_read(struct http_request *req, struct http_reply *rep)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "nargs", json_object_new_int((int)req->nargs));
    json_object_object_add(o, "id", json_object_new_string(req->args[0]));
    json_object_object_add(o, "path", json_object_new_string(req->path));
    const char *x = http_param(req, "x");
    if (x) json_object_object_add(o, "x", json_object_new_string(x));
    json_object_object_add(o, "nparams", json_object_new_int((int)req->nparams));
    http_reply_json(rep, 200, o);
    json_object_put(o);
}

static void h_create(struct http_request *req, struct http_reply *rep)
{
    const char *type = jsonx_get_str(req->json, "resourceType");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "got", json_object_new_string(type ? type : "?"));
    http_reply_header(rep, "Location", "/fhir/Patient/1/_history/1");
    http_reply_json(rep, 201, o);
    json_object_put(o);
}

static void h_raw(struct http_request *req, struct http_reply *rep)
{
    rep->content_type = "text/plain";
    buf_printf(&rep->body, "%zu", req->body_len);
    rep->status = 200;
}

static void h_form(struct http_request *req, struct http_reply *rep)
{
    const char *a = http_param(req, "a");
    rep->content_type = "text/plain";
    buf_printf(&rep->body, "%zu %s", req->nparams, a ? a : "-");
    rep->status = 200;
}

static void h_nostatus(struct http_request *req, struct http_reply *rep)
{
}

static void h_delete(struct http_request *req, struct http_reply *rep)
{
    http_reply_empty(rep, 204);
}

static const struct http_route routes[] = {
    {.method = "GET", .pattern = "/fhir/hello", .handler = h_hello, .fhir = true, .name = "hello"},
    {.method = "GET", .pattern = "/fhir/Patient/{id}", .handler = h_read, .fhir = true},
    {.method = "DELETE", .pattern = "/fhir/Patient/{id}", .handler = h_delete, .fhir = true},
    {.method = "POST",
     .pattern = "/fhir/Patient",
     .handler = h_create,
     .body = HTTP_BODY_JSON,
     .body_limit = 4096,
     .fhir = true},
    {.method = "POST",
     .pattern = "/raw",
     .handler = h_raw,
     .body = HTTP_BODY_RAW,
     .body_limit = 64},
    {.method = "POST", .pattern = "/form", .handler = h_form, .body = HTTP_BODY_FORM},
    {.method = "GET", .pattern = "/nostatus", .handler = h_nostatus},
};

static struct http_server *srv;
static uint16_t port;

static int setup(void **state)
{
    struct http_server_config cfg = {.host = "127.0.0.1",
                                     .port = 0,
                                     .routes = routes,
                                     .nroutes = sizeof routes / sizeof routes[0]};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    cfg.limits.json_depth = 8;
    cfg.limits.body_max = 1 << 20;
    cfg.limits.idle_timeout_s = 5;
    char err[256];
    srv = http_server_start(&cfg, err, sizeof err);
    if (!srv) fprintf(stderr, "start: %s\n", err);
    assert_non_null(srv);
    port = http_server_port(srv);
    assert_true(port != 0);
    return 0;
}

static int teardown(void **state)
{
    http_server_stop(srv);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * A tiny HTTP/1.1 client */

struct resp {
    int status;
    char headers[4096];
    char body[16384];
    size_t body_len;
};

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return; /* the server may close early (413); the reply tells */
        s += w;
        n -= (size_t)w;
    }
}

/* Reads one byte with a timeout; -1 on EOF/timeout. */
static int read_byte(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 5000) <= 0) return -1;
    unsigned char c;
    return recv(fd, &c, 1, 0) == 1 ? c : -1;
}

/* Reads exactly one response; head: the request was HEAD (no body follows). */
static void read_resp(int fd, struct resp *r, bool head)
{
    memset(r, 0, sizeof *r);
    size_t n = 0;
    while (n + 1 < sizeof r->headers) {
        int c = read_byte(fd);
        if (c < 0) break;
        r->headers[n++] = (char)c;
        if (n >= 4 && !memcmp(r->headers + n - 4, "\r\n\r\n", 4)) break;
    }
    r->headers[n] = '\0';
    if (strncmp(r->headers, "HTTP/1.1 ", 9) != 0) {
        r->status = -1;
        return;
    }
    r->status = (int)strtol(r->headers + 9, NULL, 10);
    const char *cl = strcasestr(r->headers, "\r\ncontent-length:");
    size_t len = cl ? (size_t)strtoul(cl + 17, NULL, 10) : 0;
    if (head) return;
    assert_true(len < sizeof r->body);
    for (size_t i = 0; i < len; i++) {
        int c = read_byte(fd);
        if (c < 0) break;
        r->body[r->body_len++] = (char)c;
    }
    r->body[r->body_len] = '\0';
}

static void roundtrip(const char *req, size_t len, struct resp *r)
{
    int fd = dial();
    send_all(fd, req, len);
    read_resp(fd, r, !strncmp(req, "HEAD ", 5));
    close(fd);
}

#define RT(lit, r) roundtrip(lit, strlen(lit), r)

static const char *header(const struct resp *r, const char *name)
{
    static char v[1024];
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

/* ---------------------------------------------------------------------------------------------
 * Tests */

static void get_200_with_body(void **state)
{
    struct resp r;
    RT("GET /fhir/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"resourceType\":\"Basic\",\"id\":\"hello\"}");
    assert_string_equal(header(&r, "Content-Type"), "application/fhir+json;charset=utf-8");
}

static void path_args_are_decoded_per_segment(void **state)
{
    struct resp r;
    RT("GET /fhir/Patient/a%20b%2Fc?x=1+2&y&x=3 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"nargs\":1"));
    assert_non_null(strstr(r.body, "\"id\":\"a b/c\""));
    assert_non_null(strstr(r.body, "\"x\":\"1 2\""));
    assert_non_null(strstr(r.body, "\"nparams\":3"));
}

static void unknown_path_is_404(void **state)
{
    struct resp r;
    RT("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"OperationOutcome\""));
    assert_non_null(strstr(r.body, "NO_ROUTE"));
    RT("GET /fhir/Patient/1/x HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    /* One trailing slash is ignored. */
    RT("GET /fhir/hello/ HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    RT("GET /fhir//hello HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
}

static void other_method_is_405_with_allow(void **state)
{
    struct resp r;
    RT("PUT /fhir/Patient/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "GET, HEAD, DELETE");
    assert_non_null(strstr(r.body, "METHOD"));
}

static void bad_percent_escape_is_400(void **state)
{
    struct resp r;
    RT("GET /fhir/Patient/1?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "BAD_PARAM"));
    RT("GET /fhir/Patient/1?x=%00 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
    RT("GET /fhir/Patient/a%2 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
}

static void oversized_body_is_413(void **state)
{
    struct resp r;
    /* Declared up front. */
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
       "Content-Length: 5000\r\n\r\n{}",
       &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "BODY_TOO_LARGE"));
    /* Chunked, discovered while reading. */
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "28\r\n%040d\r\n28\r\n%040d\r\n0\r\n\r\n",
                     0, 0);
    roundtrip(req, (size_t)n, &r);
    assert_int_equal(r.status, 413);
    /* A route without its own limit gets the server's. */
    RT("POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
       "Content-Length: 2000000\r\n\r\na=1",
       &r);
    assert_int_equal(r.status, 413);
    /* Within the limit the same route answers. */
    RT("POST /raw HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "5");
}

static void wrong_content_type_is_415(void **state)
{
    struct resp r;
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
       "Content-Length: 2\r\n\r\n{}",
       &r);
    assert_int_equal(r.status, 415);
    assert_non_null(strstr(r.body, "MEDIA_TYPE"));
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", &r);
    assert_int_equal(r.status, 415);
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+xml\r\n"
       "Content-Length: 2\r\n\r\n{}",
       &r);
    assert_int_equal(r.status, 415);
}

static void unsupported_format_is_406(void **state)
{
    struct resp r;
    RT("GET /fhir/hello HTTP/1.1\r\nHost: x\r\nAccept: application/fhir+xml\r\n\r\n", &r);
    assert_int_equal(r.status, 406);
    assert_non_null(strstr(r.body, "NOT_ACCEPTABLE"));
    RT("GET /fhir/hello?_format=xml HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 406);
    /* _format wins over Accept. */
    RT("GET /fhir/hello?_format=json HTTP/1.1\r\nHost: x\r\nAccept: text/xml\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    RT("GET /fhir/hello HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "application/json;charset=utf-8");
    RT("GET /fhir/hello HTTP/1.1\r\nHost: x\r\nAccept: text/html, */*;q=0.8\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "application/fhir+json;charset=utf-8");
}

static void pretty_indents(void **state)
{
    struct resp r;
    RT("GET /fhir/hello?_pretty=true HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strchr(r.body, '\n'));
}

static void json_body_errors_are_400(void **state)
{
    struct resp r;
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
       "Content-Length: 5\r\n\r\n{\"a\":",
       &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "JSON_SYNTAX"));
    assert_non_null(strstr(r.body, "diagnostics"));
    const char *deep = "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]";
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; "
                     "charset=UTF-8\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(deep), deep);
    roundtrip(req, (size_t)n, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "JSON_DEPTH"));
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
       "Content-Length: 0\r\n\r\n",
       &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "NOT_RESOURCE"));
    RT("POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
       "Content-Length: 3\r\n\r\n[1]",
       &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "NOT_RESOURCE"));
}

static void json_body_reaches_handler(void **state)
{
    struct resp r;
    const char *body = "{\"resourceType\":\"Patient\"}";
    char req[512];
    int n =
        snprintf(req, sizeof req,
                 "POST /fhir/Patient HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json;"
                 "fhirVersion=4.0\r\nContent-Length: %zu\r\n\r\n%s",
                 strlen(body), body);
    roundtrip(req, (size_t)n, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"got\":\"Patient\"}");
    assert_string_equal(header(&r, "Location"), "/fhir/Patient/1/_history/1");
}

static void body_on_bodiless_route_is_400(void **state)
{
    struct resp r;
    RT("DELETE /fhir/Patient/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", &r);
    assert_int_equal(r.status, 400);
    RT("DELETE /fhir/Patient/1 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 204);
    assert_int_equal(r.body_len, 0);
}

static void form_body_merges_into_params(void **state)
{
    struct resp r;
    RT("POST /form?q=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
       "Content-Length: 9\r\n\r\na=x+y&b=2",
       &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "3 x y");
    RT("POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\na=1",
       &r);
    assert_int_equal(r.status, 415);
}

static void missing_status_is_500(void **state)
{
    struct resp r;
    RT("GET /nostatus HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "INTERNAL"));
}

static void keep_alive_serves_two_requests(void **state)
{
    int fd = dial();
    struct resp r;
    const char *a = "GET /fhir/hello HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *b = "GET /fhir/Patient/7 HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, a, strlen(a));
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "hello"));
    send_all(fd, b, strlen(b));
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":\"7\""));
    /* An error reply does not end the connection either. */
    const char *c = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, c, strlen(c));
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 404);
    send_all(fd, a, strlen(a));
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 200);
    close(fd);
}

static void head_is_get_without_body(void **state)
{
    int fd = dial();
    struct resp r;
    const char *h = "HEAD /fhir/hello HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, h, strlen(h));
    read_resp(fd, &r, true);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Length"), "37");
    /* Had a body been sent, this response would start with it. */
    const char *g = "GET /fhir/hello HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, g, strlen(g));
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 37);
    close(fd);
}

static void oversized_headers_are_refused(void **state)
{
    size_t n = 64 << 10;
    char *req = malloc(n + 256);
    assert_non_null(req);
    int k = snprintf(req, 256, "GET /fhir/hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + k, 'a', n);
    memcpy(req + k + n, "\r\n\r\n", 5);
    struct resp r;
    roundtrip(req, (size_t)k + n + 4, &r);
    free(req);
    assert_true(r.status == 431 || r.status == 413 || r.status == 400);
}

/* ---- the large-request gate ---- */

static atomic_int slow_in_flight, slow_max_in_flight;

static void h_slow(struct http_request *req, struct http_reply *rep)
{
    int now = atomic_fetch_add(&slow_in_flight, 1) + 1;
    int seen = atomic_load(&slow_max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&slow_max_in_flight, &seen, now)) continue;
    usleep(100 * 1000);
    atomic_fetch_sub(&slow_in_flight, 1);
    http_reply_empty(rep, 204);
}

static const struct http_route slow_routes[] = {
    {.method = "POST", .pattern = "/slow", .handler = h_slow, .body = HTTP_BODY_RAW}};

static void *post_slow(void *arg)
{
    size_t body_len = (size_t)(uintptr_t)arg;
    char req[512];
    int k = snprintf(req, sizeof req,
                     "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n", body_len);
    memset(req + k, 'x', body_len);
    struct resp *r = malloc(sizeof *r);
    roundtrip(req, (size_t)k + body_len, r);
    int status = r->status;
    free(r);
    return (void *)(intptr_t)status;
}

/* Runs 4 simultaneous POSTs with bodies of body_len bytes against a server whose "large" threshold
 * is 32 bytes and that handles one large request at a time; returns the most seen in the handler
 * at once. */
static int max_parallel(size_t body_len)
{
    struct http_server_config cfg = {.host = "127.0.0.1", .routes = slow_routes, .nroutes = 1};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 4;
    cfg.limits.large_body = 32;
    cfg.limits.large_max = 1;
    char err[256] = "";
    struct http_server *s = http_server_start(&cfg, err, sizeof err);
    assert_non_null(s);
    uint16_t saved = port;
    port = http_server_port(s);
    atomic_store(&slow_max_in_flight, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, post_slow, (void *)(uintptr_t)body_len), 0);
    for (int i = 0; i < 4; i++) {
        void *status;
        pthread_join(t[i], &status);
        assert_int_equal((int)(intptr_t)status, 204);
    }
    port = saved;
    http_server_stop(s);
    return atomic_load(&slow_max_in_flight);
}

static void large_requests_are_handled_one_at_a_time(void **state)
{
    assert_int_equal(max_parallel(100), 1);
    /* Small requests are not gated: with 4 worker threads they overlap. Which worker accepts a
     * connection is the kernel's choice, so all four may land on one; a few tries make the
     * overlap certain to show when nothing gates it. */
    int best = 0;
    for (int i = 0; i < 5 && best < 2; i++) {
        int m = max_parallel(8);
        if (m > best) best = m;
    }
    assert_true(best > 1);
}

static void second_server_on_same_port_fails(void **state)
{
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = port, .routes = routes, .nroutes = 1};
    http_limits_defaults(&cfg.limits);
    char err[256] = "";
    struct http_server *s2 = http_server_start(&cfg, err, sizeof err);
    assert_null(s2);
    assert_non_null(strstr(err, "in use"));
    cfg.host = "not-an-address";
    cfg.port = 0;
    assert_null(http_server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "numeric"));
}

static void stop_releases_the_port(void **state)
{
    struct http_server_config cfg = {.host = "127.0.0.1", .routes = routes, .nroutes = 1};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    char err[256] = "";
    struct http_server *a = http_server_start(&cfg, err, sizeof err);
    assert_non_null(a);
    cfg.port = http_server_port(a);
    http_server_stop(a);
    /* Were the listening socket leaked, this bind would fail with "in use". */
    struct http_server *b = http_server_start(&cfg, err, sizeof err);
    if (!b) fprintf(stderr, "restart: %s\n", err);
    assert_non_null(b);
    assert_int_equal(http_server_port(b), cfg.port);
    http_server_stop(b);
}

static void bad_route_pattern_fails_start(void **state)
{
    static const struct http_route bad[] = {
        {.method = "GET", .pattern = "/a/{x", .handler = h_hello}};
    struct http_server_config cfg = {.host = "127.0.0.1", .routes = bad, .nroutes = 1};
    http_limits_defaults(&cfg.limits);
    char err[256] = "";
    assert_null(http_server_start(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "/a/{x"));
}

static void ipv6_loopback_listens(void **state)
{
    struct http_server_config cfg = {.host = "::1", .routes = routes, .nroutes = 1};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 1;
    char err[256] = "";
    struct http_server *s6 = http_server_start(&cfg, err, sizeof err);
    if (!s6 && strstr(err, "address")) skip(); /* no IPv6 in this sandbox */
    assert_non_null(s6);
    uint16_t p6 = http_server_port(s6);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(p6)};
    a.sin6_addr = in6addr_loopback;
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *g = "GET /fhir/hello HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, g, strlen(g));
    struct resp r;
    read_resp(fd, &r, false);
    assert_int_equal(r.status, 200);
    close(fd);
    http_server_stop(s6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_200_with_body),
        cmocka_unit_test(large_requests_are_handled_one_at_a_time),
        cmocka_unit_test(path_args_are_decoded_per_segment),
        cmocka_unit_test(unknown_path_is_404),
        cmocka_unit_test(other_method_is_405_with_allow),
        cmocka_unit_test(bad_percent_escape_is_400),
        cmocka_unit_test(oversized_body_is_413),
        cmocka_unit_test(wrong_content_type_is_415),
        cmocka_unit_test(unsupported_format_is_406),
        cmocka_unit_test(pretty_indents),
        cmocka_unit_test(json_body_errors_are_400),
        cmocka_unit_test(json_body_reaches_handler),
        cmocka_unit_test(body_on_bodiless_route_is_400),
        cmocka_unit_test(form_body_merges_into_params),
        cmocka_unit_test(missing_status_is_500),
        cmocka_unit_test(keep_alive_serves_two_requests),
        cmocka_unit_test(head_is_get_without_body),
        cmocka_unit_test(oversized_headers_are_refused),
        cmocka_unit_test(second_server_on_same_port_fails),
        cmocka_unit_test(stop_releases_the_port),
        cmocka_unit_test(bad_route_pattern_fails_start),
        cmocka_unit_test(ipv6_loopback_listens),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
