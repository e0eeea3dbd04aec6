/* A structural scanner for large JSON objects: finds the byte spans of the top-level members and
 * of the elements of one top-level array member, without building a tree. It checks only the
 * top-level grammar; the caller parses each span with jsonx_parse, which checks everything else.
 * Anything outside the simple shape (escaped or repeated member names, too many members, the
 * array member not an array) is reported as JSONSPAN_ODD so the caller can take its general
 * path. */
#ifndef REGIE_JSON_JSONSPAN_H
#define REGIE_JSON_JSONSPAN_H

#include <stddef.h>

#define JSONSPAN_MEMBERS_MAX 32
#define JSONSPAN_KEY_MAX     64

struct jsonspan {
    size_t off, len;
};

struct jsonspan_doc {
    struct jsonspan key[JSONSPAN_MEMBERS_MAX]; /* member names, without the quotes */
    struct jsonspan val[JSONSPAN_MEMBERS_MAX];
    size_t nmembers;
    size_t array_member;    /* index of the array member, or nmembers when absent */
    struct jsonspan *elems; /* its elements (owned: jsonspan_doc_free) */
    size_t nelems;
    int depth; /* deepest nesting seen; the top-level object is 1 */
};

enum jsonspan_rc {
    JSONSPAN_OK,
    JSONSPAN_ODD,  /* not the simple shape, or not JSON: use the general path */
    JSONSPAN_NOMEM /* out of memory, or more than elems_max elements */
};

/* Scans len bytes: an object, whose member named array_key (if any) must be an array of at most
 * elems_max elements. Nesting deeper than depth_max is JSONSPAN_ODD. */
enum jsonspan_rc jsonspan_scan(const char *s, size_t len, const char *array_key, size_t elems_max,
                               int depth_max, struct jsonspan_doc *out);
void jsonspan_doc_free(struct jsonspan_doc *d);

#endif
