/* Fuzzes the web app's path rules behind the rest segment: any request target is split as the
 * HTTP layer does, matched against /app/{path*}, and the rest checked by pgo_app_path_ok. A path
 * the rules accept never has an empty, "." or ".." segment, a hidden name, a backslash or a
 * control character, so it cannot leave the folder before the realpath check even runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"
#include "pgo/app_static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h(struct http_request *req, struct http_reply *rep)
{
    (void)req;
    (void)rep;
}

static void check_accepted(const char *rel)
{
    size_t n = strlen(rel);
    if (n == 0 || rel[0] == '/' || rel[n - 1] == '/' || strstr(rel, "//") || strchr(rel, '\\'))
        abort();
    for (const char *p = rel; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) abort();
    for (const char *seg = rel; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (seg[0] == '.') abort(); /* ".", "..", hidden names */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048) return 0;
    static const struct http_route routes[] = {
        {.method = "GET", .pattern = "/app/{path*}", .handler = h, .name = "app-file"}};
    static struct http_router *router;
    char err[128];
    if (!router && !(router = http_router_new(routes, 1, err, sizeof err))) abort();
    /* The rules on the bytes as they are (with a NUL cut, as a C string). */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (pgo_app_path_ok(text)) check_accepted(text);
    (void)pgo_app_media_type(text);
    /* And as a request target under /app/. */
    size_t tlen = size + 5;
    char *target = malloc(tlen + 1);
    if (target) {
        memcpy(target, "/app/", 5);
        memcpy(target + 5, data, size);
        target[tlen] = '\0';
        struct http_path p;
        http_path_init(&p);
        struct http_match m;
        if (http_path_split(&p, target, tlen) == HTTP_PATH_OK &&
            http_router_match(router, "GET", &p, &m) == HTTP_MATCH_OK) {
            if (m.nargs != 1) abort();
            if (pgo_app_path_ok(m.args[0])) check_accepted(m.args[0]);
        }
        http_path_free(&p);
        free(target);
    }
    free(text);
    return 0;
}
