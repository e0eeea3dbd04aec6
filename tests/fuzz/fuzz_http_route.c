/* Fuzzes the path splitter and route matcher: any bytes as a request path give a match, no match,
 * 405 with an Allow list, or a typed error; never a crash. A match's arguments are non-empty
 * decoded segments of the path, or for a rest segment ({name*}) the decoded rest of the path. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h(struct http_request *req, struct http_reply *rep)
{
}

static const struct http_route routes[] = {
    {.method = "GET", .pattern = "/fhir/metadata", .handler = h},
    {.method = "GET", .pattern = "/fhir/{type}/{id}", .handler = h},
    {.method = "PUT", .pattern = "/fhir/{type}/{id}", .handler = h},
    {.method = "GET", .pattern = "/fhir/{type}/{id}/_history/{vid}", .handler = h},
    {.method = "GET", .pattern = "/fhir/{type}/{id}/_history", .handler = h},
    {.method = "POST", .pattern = "/fhir/{type}", .handler = h},
    {.method = "GET", .pattern = "/fhir/{type}", .handler = h},
    {.method = "POST", .pattern = "/fhir", .handler = h},
    {.method = "GET", .pattern = "/", .handler = h},
    {.method = "GET", .pattern = "/app/{path*}", .handler = h, .name = "rest"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_router *router;
    if (!router) {
        char err[128];
        router = http_router_new(routes, sizeof routes / sizeof routes[0], err, sizeof err);
        if (!router) abort();
    }
    /* The first byte picks the method; the rest is the path. */
    static const char *methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
    const char *method = methods[size ? data[0] % 6 : 0];
    const char *raw = size ? (const char *)data + 1 : "";
    size_t len = size ? size - 1 : 0;
    struct http_path p;
    http_path_init(&p);
    enum http_path_rc rc = http_path_split(&p, raw, len);
    if (rc == HTTP_PATH_OK) {
        if (!p.path || p.path[0] != '/' || p.nseg > HTTP_MAX_SEGMENTS) abort();
        if (strlen(p.path) > len + 1) abort();
        struct http_match m;
        enum http_match_rc mr = http_router_match(router, method, &p, &m);
        if (mr == HTTP_MATCH_OK) {
            if (!m.route || m.nargs > HTTP_MAX_ARGS) abort();
            bool rest = m.route->name && !strcmp(m.route->name, "rest");
            /* A rest segment's argument is the decoded path after "/app/" (maybe empty: "//"). */
            if (rest && (m.nargs != 1 || strcmp(m.args[0], p.path + 5) != 0)) abort();
            for (size_t i = 0; !rest && i < m.nargs; i++)
                if (!m.args[i] || !m.args[i][0]) abort();
        } else if (mr == HTTP_MATCH_METHOD) {
            if (m.route || !m.allow[0]) abort();
        } else if (mr != HTTP_MATCH_NONE || m.route) {
            abort();
        }
    } else if (rc > HTTP_PATH_NOMEM) {
        abort();
    }
    http_path_free(&p);
    return 0;
}
