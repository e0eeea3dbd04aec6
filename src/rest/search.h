/* FHIR search, internal to src/rest: the parser from a search's parameters to a store query plus
 * the result parameters (search_parse.c), and the handlers that run it and build the searchset
 * Bundle (search.c, search_include.c, search_view.c, lastn.c, everything.c). See docs/search.md.
 */
#ifndef REGIE_REST_SEARCH_H
#define REGIE_REST_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "fhir/error.h"
#include "http/http.h"
#include "store/store.h"

#define SEARCH_CLAUSES_MAX  64  /* clauses in one search, chained and _has ones included */
#define SEARCH_VALUES_MAX   256 /* OR values over all clauses */
#define SEARCH_INCLUDES_MAX 16  /* _include plus _revinclude */
#define SEARCH_ELEMENTS_MAX 32
#define SEARCH_TEXT_MAX     8192 /* normalised strings the query points into */

enum search_summary {
    SEARCH_SUMMARY_NONE, /* absent or false */
    SEARCH_SUMMARY_TRUE,
    SEARCH_SUMMARY_COUNT,
    SEARCH_SUMMARY_DATA,
    SEARCH_SUMMARY_TEXT
};
enum search_total {
    SEARCH_TOTAL_DEFAULT,
    SEARCH_TOTAL_NONE,
    SEARCH_TOTAL_ESTIMATE,
    SEARCH_TOTAL_ACCURATE
};

struct search_include {
    bool reverse;         /* _revinclude */
    bool iterate;         /* :iterate */
    char src_type[64];    /* Observation in Observation:subject (or "*") */
    char param[64];       /* subject ("*" for all) */
    char target_type[64]; /* Patient in Observation:subject:Patient, "" when absent */
};

/* A parsed search. The store query points into the arrays and text below, so keep this struct
 * alive (and unmoved) while q is used. */
struct search {
    struct store_search_q q;
    struct store_clause clauses[SEARCH_CLAUSES_MAX];
    size_t nclauses; /* all used, the top-level ones first (q.clauses/q.nclauses) */
    struct store_value values[SEARCH_VALUES_MAX];
    size_t nvalues;
    char text[SEARCH_TEXT_MAX];
    size_t text_len;

    struct search_include includes[SEARCH_INCLUDES_MAX];
    size_t nincludes;
    enum search_summary summary;
    enum search_total total;
    char elements[SEARCH_ELEMENTS_MAX][64];
    size_t nelements;
    bool count_given; /* _count was in the query */

    /* The parameters that were used, for the self link: canonical "name=value" pairs, in the order
     * given, percent-encoded, joined by '&' (without _offset). Unknown ones ignored under
     * lenient handling are not in it. */
    char self_query[4096];
};

enum search_handling { SEARCH_LENIENT, SEARCH_STRICT };

/* The Prefer handling= of a Prefer header value (NULL or absent: lenient). */
enum search_handling search_prefer_handling(const char *prefer);

/* Parses params (decoded name/value pairs, as from the URL or a POST _search form body) for a
 * search of type (NULL for a search across compartments: $everything) into s. page_default and
 * page_max set q.count (_count above page_max is lowered to it). Errors go in f:
 * RG_E_BAD_QUERY for an unknown parameter or modifier under strict handling, or a parameter a
 * type does not have; RG_E_BAD_PARAM for a malformed value (a bad date, prefix, number, _count,
 * _sort key); RG_E_TOO_MANY over the limits above. Under lenient handling unknown parameters and
 * modifiers are skipped (and left out of self_query), malformed values are still errors. The
 * parameters _format and _pretty are ignored. */
enum rg_err search_parse(const char *type, const struct http_param *params, size_t nparams,
                         enum search_handling handling, size_t page_default, size_t page_max,
                         struct search *s, struct rg_fail *f);

#endif
