/* Internal to src/http: request paths split into decoded segments, and the compiled route table.
 * Exposed for the unit tests and the fuzz driver. */
#ifndef REGIE_HTTP_ROUTE_H
#define REGIE_HTTP_ROUTE_H

#include <stddef.h>

#include "http/http.h"

/* No route has more segments; a longer path cannot match anything. */
#define HTTP_MAX_SEGMENTS 16

/* A request path split at '/' with each segment percent-decoded on its own, so "%2F" stays inside
 * its segment. The memory is kept between requests. */
struct http_path {
    char *store; /* decoded segments, each NUL-terminated, then the decoded path */
    size_t cap;
    const char *seg[HTTP_MAX_SEGMENTS];
    size_t seglen[HTTP_MAX_SEGMENTS];
    size_t nseg;
    const char *path; /* "/" + segments joined by "/" */
};

enum http_path_rc {
    HTTP_PATH_OK = 0,
    HTTP_PATH_NOT_ABSOLUTE, /* does not start with '/' */
    HTTP_PATH_BAD_ESCAPE,   /* broken %XX, %00 or a decoded segment that is not UTF-8 */
    HTTP_PATH_TOO_LONG,     /* more than HTTP_MAX_SEGMENTS segments */
    HTTP_PATH_NOMEM
};

void http_path_init(struct http_path *p);
void http_path_free(struct http_path *p);
/* Splits raw[0..len) (the request target without its query). One trailing '/' is ignored
 * ("/fhir/Patient/" is "/fhir/Patient"); "/" has no segments; "//" has an empty one. */
enum http_path_rc http_path_split(struct http_path *p, const char *raw, size_t len);

struct http_router;

/* Compiles routes (which must outlive the router). NULL with a reason in err for a malformed
 * pattern (that is our bug, caught at start rather than at the first request). */
struct http_router *http_router_new(const struct http_route *routes, size_t n, char *err,
                                    size_t err_len);
void http_router_free(struct http_router *r);

enum http_match_rc {
    HTTP_MATCH_OK = 0,
    HTTP_MATCH_NONE,  /* no route has this path: 404 */
    HTTP_MATCH_METHOD /* the path exists under other methods only: 405, see allow */
};

struct http_match {
    const struct http_route *route;
    const char *args[HTTP_MAX_ARGS]; /* point into the http_path */
    size_t nargs;
    char allow[64]; /* for 405: "GET, HEAD, PUT" */
};

/* First route whose method and pattern match; HEAD matches GET routes. */
enum http_match_rc http_router_match(const struct http_router *r, const char *method,
                                     const struct http_path *p, struct http_match *m);

#endif
