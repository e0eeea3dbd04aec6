/* Thin helpers over json-c: bounded parsing and compact output. */
#ifndef REGIE_JSON_JSONX_H
#define REGIE_JSON_JSONX_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum jsonx_err {
    JSONX_OK = 0,
    JSONX_SYNTAX,    /* not JSON, trailing bytes, truncated */
    JSONX_DEPTH,     /* nested deeper than allowed */
    JSONX_UTF8,      /* not valid UTF-8 */
    JSONX_TOO_LARGE, /* more bytes than allowed */
    JSONX_DUPLICATE  /* an object names the same member twice (RFC 8259 says SHOULD be unique;
                        FHIR requires it, and json-c would silently keep the last) */
};

/* Parses exactly len bytes as one strict JSON value, nested at most max_depth deep. Returns the
 * value (caller owns it: json_object_put) or NULL with *err set and, if msg is given, a short
 * human-readable reason with the byte offset. Numbers keep the text they were written with, so a
 * decimal `1.50` is written back as `1.50`. */
json_object *jsonx_parse(const char *data, size_t len, int max_depth, enum jsonx_err *err,
                         char *msg, size_t msg_len);

/* Compact JSON text of v (no spaces, `/` not escaped), or indented when pretty. The returned string
 * belongs to v and lives until v is changed or freed. */
const char *jsonx_text(json_object *v, bool pretty, size_t *len);

/* Member lookup that returns NULL when v is not an object or lacks key. */
json_object *jsonx_get(json_object *v, const char *key);
/* The string value of v[key], or NULL when absent or not a string. */
const char *jsonx_get_str(json_object *v, const char *key);

#endif
