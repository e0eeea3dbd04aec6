/* Pieces of the validator shared between validate.c (the structure walk) and
 * validate_primitive.c (value formats). Private to the fhir floor. */
#ifndef REGIE_FHIR_VALIDATE_INTERNAL_H
#define REGIE_FHIR_VALIDATE_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "fhir/validate.h"

/* Most bytes a FHIR string may hold (the R4 limit is 1 MB). */
#define FHIR_STRING_MAX (1024 * 1024)

/* NULL when v is a valid JSON value of primitive kind (enum fhir_kind), else a short reason. */
const char *fhir_check_primitive(unsigned kind, json_object *v);

/* NULL when ref is a well-formed Reference.reference, else a short reason. */
const char *fhir_check_reference(const char *ref, size_t len);

#endif
