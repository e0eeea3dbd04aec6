/* Layout of the generated search parameter and _summary tables (build/gen/fhir_searchparam_gen.c,
 * written by tools/gen-search-params.mjs). Private to the fhir floor: only searchparam.c and the
 * generated file include it; other code uses searchparam.h. */
#ifndef REGIE_FHIR_SEARCHPARAM_TABLES_H
#define REGIE_FHIR_SEARCHPARAM_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "fhir/searchparam.h"

/* The entries of one resource type: searchparam_gen_table[first .. first + n). */
struct sp_type_slice {
    const char *type;
    size_t first;
    size_t n;
};

/* One top-level element in a type's summary view; a choice (deceased[x]) is stored by its stem
 * ("deceased") with choice set, and matches every JSON name stem + Uppercase ... */
struct summary_elem {
    const char *name;
    bool choice;
};

struct summary_type {
    const char *type;
    const struct summary_elem *elems; /* sorted by name (strcmp order) */
    size_t n;
};

/* Sorted by type, then code (strcmp order). */
extern const struct searchparam searchparam_gen_table[];
extern const size_t searchparam_gen_count;
/* Every composite's components, one array: a component's index is its compile cache slot. */
extern const struct sp_component searchparam_gen_components[];
extern const size_t searchparam_gen_component_count;
/* Sorted by type. */
extern const struct sp_type_slice searchparam_gen_types[];
extern const size_t searchparam_gen_type_count;
/* Compile caches, one slot per entry and per component (NULL until first use; see searchparam.c).
 */
extern struct fhirpath_expr *_Atomic searchparam_gen_expr_cache[];
extern struct fhirpath_expr *_Atomic searchparam_gen_component_cache[];
/* Sorted by type; every concrete resource type. */
extern const struct summary_type fhir_gen_summary[];
extern const size_t fhir_gen_summary_count;

#endif
