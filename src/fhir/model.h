/* FHIR R4 model knowledge, generated at build time from the official definitions
 * (tools/gen-fhir-model.mjs -> build/gen/fhir_model_gen.c). No hand-typed per-resource tables. */
#ifndef REGIE_FHIR_MODEL_H
#define REGIE_FHIR_MODEL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Number of R4 resource types, and the i-th name in alphabetical order. */
size_t fhir_resource_type_count(void);
const char *fhir_resource_type_name(size_t i);
/* True when name is an R4 resource type (concrete, not abstract: not "Resource" or
 * "DomainResource"). */
bool fhir_is_resource_type(const char *name);

/* Writes into out the id of the Patient whose compartment holds resource (of type type), following
 * the R4 Patient CompartmentDefinition: a Patient is its own compartment (so its id must be set
 * first); other resources are in the compartment of the first Patient reference found at the
 * compartment's parameter elements, patient/subject parameters first. "Patient/<id>" and absolute
 * URLs ending in "/Patient/<id>" (optionally "/_history/<v>") count; "urn:uuid:" and "#local"
 * references do not (resolve them first). Returns false when none is found or out_len is too
 * small. */
bool fhir_patient_compartment(const char *type, json_object *resource, char *out, size_t out_len);

/* True when type is named in the Patient CompartmentDefinition with at least one parameter. */
bool fhir_in_patient_compartment(const char *type);

/* True when member (a JSON member name: "status", "valueQuantity" for value[x]) is a top-level
 * element of type with min >= 1 (for _summary=text, which keeps the mandatory elements). */
bool fhir_is_required_element(const char *type, const char *member);

#endif
