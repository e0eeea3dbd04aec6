/* Provider search for the PGO: which care providers in the Zorgaanbiederslijst match what a patient
 * typed ("huisarts de lidne" finds huisartsdelinde@medmij).
 *
 * Text is normalised before comparison: ASCII case folded, Latin accents dropped (é -> e, ß -> ss,
 * ĳ -> ij), every other character a word separator. A candidate text is the provider's name
 * without "@medmij" and, when the node knows one, its display name. The query and each candidate
 * are compared in their compact form (letters and digits only, so "de linde" and "delinde" are
 * the same) in four ranks:
 *
 *   exact      the compact query equals the compact text
 *   prefix     the text starts with the query
 *   substring  the query occurs in the text, or every query word does
 *   fuzzy      the query (or, failing that, every query word) occurs in the text within a small
 *              optimal-string-alignment (Damerau-Levenshtein) distance: none for 1-3 characters,
 *              1 for 4-7, 2 for 8 and more
 *
 * Results sort by rank, then distance, then provider name. An empty query (nothing but blanks
 * and punctuation) lists every provider in name order. */
#ifndef REGIE_PGO_PROVIDERS_H
#define REGIE_PGO_PROVIDERS_H

#include <stddef.h>

#include "medmij/lists.h"

#define PGO_QUERY_MAX 64 /* normalised query bytes considered; the rest is ignored */

enum pgo_match_rank { PGO_MATCH_EXACT, PGO_MATCH_PREFIX, PGO_MATCH_SUBSTRING, PGO_MATCH_FUZZY };

struct pgo_provider_query {
    const char *text;              /* what the patient typed (UTF-8); NULL is the empty query */
    const struct medmij_list *zal; /* the current ZAL (held by the caller) */
    const char *service;           /* only providers offering this data service id; NULL: any */
    /* The provider's display name, when the node has one (NULL: none). */
    const char *(*display_name)(void *ctx, const char *provider_name);
    void *display_ctx;
};

struct pgo_provider_hit {
    const struct medmij_provider *provider; /* points into the query's ZAL */
    enum pgo_match_rank rank;
    unsigned distance; /* edits of the best fuzzy match; 0 for the other ranks */
};

/* Finds the best matches, at most max of them, into hits (best first). Returns how many, or
 * (size_t)-1 when memory ran out. */
size_t pgo_providers_search(const struct pgo_provider_query *q, struct pgo_provider_hit *hits,
                            size_t max);

/* The normal form described above, words separated by one blank, at most cap-1 bytes (longer text
 * is cut at a character boundary). Exposed for tests and for matching elsewhere. Returns the
 * length written. */
size_t pgo_normalise(const char *text, char *out, size_t cap);

/* The optimal-string-alignment distance of a (length m) to the closest substring of t (length n),
 * or to t as a whole when whole is nonzero. Strings of more than PGO_QUERY_MAX (a) or 4 *
 * PGO_QUERY_MAX (t) bytes are cut. */
unsigned pgo_osa_distance(const char *a, size_t m, const char *t, size_t n, int whole);

/* The largest distance a fuzzy match of a query of len normalised bytes may have. */
unsigned pgo_fuzzy_limit(size_t len);

#endif
