/* Shared by the search parser's tests: parse a query string (as a client would send it) for a
 * type into the file's S and F. */
#ifndef REGIE_TESTS_SEARCH_TEST_H
#define REGIE_TESTS_SEARCH_TEST_H

#include <string.h>

#include "fhir/search_index.h"
#include "http/query.h"
#include "rest/search.h"

static struct search S;
static struct rg_fail F;

/* page_default 20, page_max 100 */
static enum rg_err parse_q(const char *type, const char *query, enum search_handling h)
{
    struct http_params p;
    http_params_init(&p);
    if (http_query_parse(&p, query, strlen(query)) != HTTP_QUERY_OK) {
        http_params_free(&p);
        return RG_ERR_COUNT;
    }
    memset(&F, 0, sizeof F);
    enum rg_err e = search_parse(type, p.items, p.n, h, 20, 100, &S, &F);
    http_params_free(&p);
    return e;
}

#endif
