/* Search index extraction: a resource's search index rows (store_ix), computed at write time by
 * evaluating each search parameter's FHIRPath expression (src/fhir/searchparam.h) and turning the
 * values into rows by parameter type. No per-resource hand-written extraction: what a type is
 * searchable by is exactly what the definitions say. Also the value normalisations the search
 * parser must apply to the other side of the comparison (strings, dates, quantities), so both
 * sides are normalised by the same code. See docs/search.md. */
#ifndef REGIE_FHIR_SEARCH_INDEX_H
#define REGIE_FHIR_SEARCH_INDEX_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Bump when what rows are extracted changes: a store indexed by another version is re-indexed. */
#define SEARCH_INDEX_VERSION 1

/* Limits: a resource yielding more rows than this, or a value longer than this, is indexed up to
 * the limit (the rest is dropped and logged as a client fault, not refused). */
#define SEARCH_IX_ROWS_MAX  4096
#define SEARCH_IX_VALUE_MAX 2048

/* The rows of one resource. Owns every string its rows point to. */
struct search_rows {
    struct store_ix *rows;
    size_t n;
    /* private */
    size_t cap;
    char *arena;
    size_t arena_len, arena_cap;
};

/* Extracts the rows of resource (of type) into out (which the caller zeroes first). Returns 0,
 * SEARCH_IX_NO_MEMORY, or SEARCH_IX_EVAL_FAILED when an expression fails to evaluate (err says
 * which parameter; only a resource past the FHIRPath engine's work caps does that); out is then
 * empty. Rows are de-duplicated per parameter. The resource must not be used from another thread
 * meanwhile. */
#define SEARCH_IX_NO_MEMORY   (-1)
#define SEARCH_IX_EVAL_FAILED (-2)
int search_index_extract(const char *type, json_object *resource, struct search_rows *out,
                         char *err, size_t err_len);
void search_rows_clear(struct search_rows *r);

/* ---- normalisations shared with the search parser ---- */

/* STRING search form: Unicode letters folded to lower case and stripped of accents (NFD base
 * letter; at least Latin-1 Supplement and Latin Extended-A: "Émile Zoë" -> "emile zoe"),
 * punctuation kept, runs of white space collapsed to one space, trimmed. Writes at most out_len-1
 * bytes plus NUL; returns the length written, or -1 when s is not UTF-8. */
int search_norm_string(const char *s, size_t len, char *out, size_t out_len);

/* A date/dateTime/instant search or row value as [lo, hi) microseconds since 1970 UTC (precision
 * makes the range: "2013-01" is the whole month; a value without a zone is taken as UTC). Returns
 * false when s is none of the three formats. */
bool search_date_range(const char *s, size_t len, int64_t *lo, int64_t *hi);

/* A decimal's implicit precision range: "100" -> [99.5, 100.5), "1.50" -> [1.495, 1.505),
 * "1e2" -> [50, 150). Returns false when s is not a FHIR decimal. */
bool search_number_range(const char *s, size_t len, double *value, double *lo, double *hi);

/* UCUM: converts value in unit code (case-sensitive UCUM, e.g. "mm[Hg]", "kg", "g", "[lb_av]",
 * "mmol/L", "mg/dL", "%", "Cel", "[degF]", "/min", "{beats}/min", "cm", "[in_i]") to its canonical
 * form: *canon in canonical units and canon_code the canonical unit text (e.g. "g", "m",
 * "mol/m3", "K", "/s"). Covers at least the units of the MedMij self-measurements
 * (../shared/docs/medmij.md) and the common clinical ones, with their prefixes. Returns false when
 * code is not convertible (then compare as written). For glucose, mmol/L and mg/dL differ in
 * dimension and are NOT converted into each other (that needs the molar mass). */
bool search_ucum_canon(double value, const char *code, double *canon, char *canon_code,
                       size_t canon_code_len);

#endif
