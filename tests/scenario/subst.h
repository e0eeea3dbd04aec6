/* ${...} substitutions in scenario steps: later steps refer to earlier results by label.
 *   ${base}  ${origin}  ${shared}             the server's /fhir URL, its scheme://host:port, the
 *                                             shared test-data directory
 *   ${label.status}                           an earlier step's HTTP status
 *   ${label.header.Name}                      one of its response headers (case-insensitive)
 *   ${label.body.a.b[0].c}                    a value in its JSON body; [key=value] picks the first
 *                                             array element whose member key equals value, e.g.
 *                                             ${hist.body.link[relation=next].url}
 *   ${url:...}                                any of the above, percent-encoded for a query string
 */
#ifndef REGIE_TESTS_SUBST_H
#define REGIE_TESTS_SUBST_H

#include <json-c/json.h>

#include "util/buf.h"

struct subst_result {
    char *label;
    long status;
    json_object *headers; /* lower-cased name -> value string */
    json_object *body;    /* parsed body, NULL when empty or not JSON */
};

struct subst_env {
    const char *base;
    const char *origin;
    const char *shared;
    const struct subst_result *results;
    size_t nresults;
};

/* Appends in with every ${...} replaced to out. Returns 0, or -1 with the reason in err. */
int subst_string(const struct subst_env *env, const char *in, struct buf *out, struct buf *err);

/* A deep copy of v with substitutions applied in every string value (caller owns), or NULL with the
 * reason in err. */
json_object *subst_json(const struct subst_env *env, json_object *v, struct buf *err);

/* The value at a dotted path ("a.b[0].c", "link[relation=next].url") under root, or NULL. */
json_object *subst_jpath(json_object *root, const char *path);

#endif
