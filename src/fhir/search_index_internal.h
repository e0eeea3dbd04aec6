/* Private to search_index*.c: the row builder that per-kind extraction fills. */
#ifndef REGIE_FHIR_SEARCH_INDEX_INTERNAL_H
#define REGIE_FHIR_SEARCH_INDEX_INTERNAL_H

#include <stdint.h>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/search_index.h"
#include "fhir/searchparam.h"

/* Extraction state of one parameter. */
struct ix_ctx {
    struct search_rows *rows;
    const struct searchparam *sp;
    const char *param;       /* the row param for value rows (sp->code) */
    size_t param_start;      /* the first row of this parameter: duplicates are looked for after */
    const char *text_param;  /* "<code>:text", made on first use */
    const char *type_param;  /* "<code>:of-type", made on first use */
    const char *ident_param; /* "<code>:identifier", made on first use */
    uint64_t *hashes;        /* hash of each row from param_start: duplicates are found by these */
    size_t cap_hashes;
    bool oom;
};

/* Adds row (its strings are copied into the rows' arena) unless an equal row of the parameter is
 * there already or the rows are full. false only when out of memory. */
bool ix_add(struct ix_ctx *x, const struct store_ix *row);
/* The derived parameter names. NULL when out of memory. */
const char *ix_text_param(struct ix_ctx *x);
const char *ix_type_param(struct ix_ctx *x);
const char *ix_ident_param(struct ix_ctx *x);

/* Rows for the i-th item of r as a value of parameter type t (all but COMPOSITE). false only when
 * out of memory. */
bool ix_item_rows(struct ix_ctx *x, enum sp_type t, const struct fhirpath_result *r, size_t i);

#endif
