#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"

static void h(struct http_request *req, struct http_reply *rep)
{
}

static const struct http_route routes[] = {
    {.method = "GET", .pattern = "/fhir/metadata", .handler = h, .name = "metadata"},
    {.method = "GET", .pattern = "/fhir/{type}/{id}", .handler = h, .name = "read"},
    {.method = "PUT", .pattern = "/fhir/{type}/{id}", .handler = h, .name = "update"},
    {.method = "DELETE", .pattern = "/fhir/{type}/{id}", .handler = h, .name = "delete"},
    {.method = "GET", .pattern = "/fhir/{type}/{id}/_history/{vid}", .handler = h, .name = "vread"},
    {.method = "POST", .pattern = "/fhir/{type}", .handler = h, .name = "create"},
    {.method = "GET", .pattern = "/fhir/{type}", .handler = h, .name = "search"},
    {.method = "POST", .pattern = "/fhir", .handler = h, .name = "batch"},
    {.method = "GET", .pattern = "/", .handler = h, .name = "root"},
};

static struct http_router *router;

static int setup(void **state)
{
    char err[128];
    router = http_router_new(routes, sizeof routes / sizeof routes[0], err, sizeof err);
    assert_non_null(router);
    return 0;
}

static int teardown(void **state)
{
    http_router_free(router);
    return 0;
}

/* Matches method + path; returns the rc and fills m. */
static enum http_match_rc match(const char *method, const char *path, struct http_match *m,
                                struct http_path *p)
{
    assert_int_equal(http_path_split(p, path, strlen(path)), HTTP_PATH_OK);
    return http_router_match(router, method, p, m);
}

static void literal_beats_later_placeholder(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    assert_int_equal(match("GET", "/fhir/metadata", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "metadata");
    assert_int_equal(m.nargs, 0);
    assert_int_equal(match("GET", "/fhir/Patient", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "search");
    assert_int_equal(m.nargs, 1);
    assert_string_equal(m.args[0], "Patient");
    http_path_free(&p);
}

static void placeholders_capture_in_order(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    assert_int_equal(match("GET", "/fhir/Patient/123/_history/2", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "vread");
    assert_int_equal(m.nargs, 3);
    assert_string_equal(m.args[0], "Patient");
    assert_string_equal(m.args[1], "123");
    assert_string_equal(m.args[2], "2");
    assert_string_equal(p.path, "/fhir/Patient/123/_history/2");
    assert_int_equal(match("PUT", "/fhir/Patient/123", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "update");
    assert_int_equal(match("GET", "/", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "root");
    assert_int_equal(match("POST", "/fhir", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "batch");
    http_path_free(&p);
}

static void head_is_served_by_get(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    assert_int_equal(match("HEAD", "/fhir/Patient/1", &m, &p), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "read");
    /* No HEAD for a POST-only path. */
    assert_int_equal(match("HEAD", "/fhir", &m, &p), HTTP_MATCH_METHOD);
    assert_string_equal(m.allow, "POST");
    http_path_free(&p);
}

static void unknown_path_is_none(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    assert_int_equal(match("GET", "/other", &m, &p), HTTP_MATCH_NONE);
    assert_null(m.route);
    assert_int_equal(match("GET", "/fhir/a/b/c", &m, &p), HTTP_MATCH_NONE);
    assert_int_equal(match("GET", "/fhir/Patient/1/_history/1/x", &m, &p), HTTP_MATCH_NONE);
    assert_int_equal(match("GET", "/FHIR/metadata", &m, &p), HTTP_MATCH_NONE); /* case matters */
    /* An empty segment never fills a placeholder. */
    assert_int_equal(match("GET", "/fhir//1", &m, &p), HTTP_MATCH_NONE);
    http_path_free(&p);
}

static void other_method_lists_allow(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    assert_int_equal(match("PATCH", "/fhir/Patient/1", &m, &p), HTTP_MATCH_METHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD, PUT, DELETE");
    /* Every route with this path counts, literal or placeholder, each method once. */
    assert_int_equal(match("DELETE", "/fhir/metadata", &m, &p), HTTP_MATCH_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, POST");
    http_path_free(&p);
}

static void segments_are_decoded_one_by_one(void **state)
{
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    const char *raw = "/fhir/Patient/a%2Fb%20c";
    assert_int_equal(http_path_split(&p, raw, strlen(raw)), HTTP_PATH_OK);
    assert_int_equal(p.nseg, 3);
    assert_string_equal(p.seg[2], "a/b c");
    assert_int_equal(http_router_match(router, "GET", &p, &m), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "read");
    assert_string_equal(m.args[1], "a/b c");
    /* A literal may be percent-encoded by the client. */
    raw = "/fhir/%6Detadata";
    assert_int_equal(http_path_split(&p, raw, strlen(raw)), HTTP_PATH_OK);
    assert_int_equal(http_router_match(router, "GET", &p, &m), HTTP_MATCH_OK);
    assert_string_equal(m.route->name, "metadata");
    /* '+' is not a space in a path. */
    raw = "/fhir/a+b";
    assert_int_equal(http_path_split(&p, raw, strlen(raw)), HTTP_PATH_OK);
    assert_string_equal(p.seg[1], "a+b");
    http_path_free(&p);
}

static void bad_paths(void **state)
{
    struct http_path p;
    http_path_init(&p);
    assert_int_equal(http_path_split(&p, "fhir", 4), HTTP_PATH_NOT_ABSOLUTE);
    assert_int_equal(http_path_split(&p, "", 0), HTTP_PATH_NOT_ABSOLUTE);
    assert_int_equal(http_path_split(&p, "*", 1), HTTP_PATH_NOT_ABSOLUTE);
    assert_int_equal(http_path_split(&p, "/a%2", 4), HTTP_PATH_BAD_ESCAPE);
    assert_int_equal(http_path_split(&p, "/a%00b", 6), HTTP_PATH_BAD_ESCAPE);
    assert_int_equal(http_path_split(&p, "/%FF", 4), HTTP_PATH_BAD_ESCAPE);
    char deep[256];
    size_t dl = 0;
    for (int i = 0; i <= HTTP_MAX_SEGMENTS; i++, dl += 2) memcpy(deep + dl, "/x", 2);
    deep[dl] = '\0';
    assert_int_equal(http_path_split(&p, deep, strlen(deep)), HTTP_PATH_TOO_LONG);
    /* Trailing slash is ignored once. */
    assert_int_equal(http_path_split(&p, "/fhir/Patient/", 14), HTTP_PATH_OK);
    assert_int_equal(p.nseg, 2);
    assert_string_equal(p.path, "/fhir/Patient");
    assert_int_equal(http_path_split(&p, "/", 1), HTTP_PATH_OK);
    assert_int_equal(p.nseg, 0);
    assert_string_equal(p.path, "/");
    http_path_free(&p);
}

/* "{name*}" takes the rest of the path, empty segments included, and only as the last segment. */
static void rest_segment_takes_the_rest(void **state)
{
    const struct http_route r[] = {
        {.method = "GET", .pattern = "/app", .handler = h, .name = "index"},
        {.method = "GET", .pattern = "/app/{path*}", .handler = h, .name = "file"},
    };
    char err[128];
    struct http_router *rt = http_router_new(r, 2, err, sizeof err);
    assert_non_null(rt);
    struct http_path p;
    http_path_init(&p);
    struct http_match m;
    const char *cases[][2] = {{"/app/", "index"},
                              {"/app/index.html", "index.html"},
                              {"/app/assets/x-1.js", "assets/x-1.js"},
                              {"/app/a//b", "a//b"},
                              {"/app/%2e%2e/etc", "../etc"},
                              {"/app/a%2Fb", "a/b"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(http_path_split(&p, cases[i][0], strlen(cases[i][0])), HTTP_PATH_OK);
        assert_int_equal(http_router_match(rt, "GET", &p, &m), HTTP_MATCH_OK);
        if (!strcmp(cases[i][1], "index")) {
            assert_string_equal(m.route->name, "index");
            assert_int_equal(m.nargs, 0);
        } else {
            assert_string_equal(m.route->name, "file");
            assert_int_equal(m.nargs, 1);
            assert_string_equal(m.args[0], cases[i][1]);
        }
    }
    assert_int_equal(http_path_split(&p, "/apps/x", 7), HTTP_PATH_OK);
    assert_int_equal(http_router_match(rt, "GET", &p, &m), HTTP_MATCH_NONE);
    http_path_free(&p);
    http_router_free(rt);
    const char *bad[] = {"/a/{x*}/b", "/a/{*}"};
    for (size_t i = 0; i < 2; i++) {
        struct http_route one = {.method = "GET", .pattern = bad[i], .handler = h};
        assert_null(http_router_new(&one, 1, err, sizeof err));
    }
}

static void bad_patterns_are_refused(void **state)
{
    const char *bad[] = {
        "fhir", "/a/{x", "/a/{}", "/a//b", "/a/b{x}", "/a/%20", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_route r = {.method = "GET", .pattern = bad[i], .handler = h};
        char err[128] = "";
        struct http_router *rt = http_router_new(&r, 1, err, sizeof err);
        if (rt) fprintf(stderr, "accepted %s\n", bad[i]);
        assert_null(rt);
        assert_true(err[0] != '\0');
    }
    struct http_route nohandler = {.method = "GET", .pattern = "/a"};
    char err[128];
    assert_null(http_router_new(&nohandler, 1, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_beats_later_placeholder),
        cmocka_unit_test(placeholders_capture_in_order),
        cmocka_unit_test(head_is_served_by_get),
        cmocka_unit_test(unknown_path_is_none),
        cmocka_unit_test(other_method_lists_allow),
        cmocka_unit_test(segments_are_decoded_one_by_one),
        cmocka_unit_test(bad_paths),
        cmocka_unit_test(bad_patterns_are_refused),
        cmocka_unit_test(rest_segment_takes_the_rest),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
