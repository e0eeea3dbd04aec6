/* Validation on write against the generated R4 model: known resourceType and element names (choice
 * types included), primitive formats (id, date, dateTime, instant, decimal, integer, boolean, uri,
 * code, ...), required elements, cardinality, and well-formed references. */
#ifndef REGIE_FHIR_VALIDATE_H
#define REGIE_FHIR_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "fhir/error.h"

/* Checks resource. Returns RG_OK, or the first problem's code with f naming the element path
 * (FHIRPath style, e.g. "Observation.component[1].valueQuantity.value") and a readable detail. */
enum rg_err fhir_validate(json_object *resource, struct rg_fail *f);

/* True when s (len bytes) is a FHIR id: [A-Za-z0-9\-\.]{1,64}. For ids taken from URLs. */
bool fhir_valid_id(const char *s, size_t len);

#endif
