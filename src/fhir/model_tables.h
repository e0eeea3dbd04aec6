/* Layout of the generated R4 tables (build/gen/fhir_model_gen.c). Private to the fhir floor: only
 * model.c, validate*.c and the generated file include it; other floors use model.h. */
#ifndef REGIE_FHIR_MODEL_TABLES_H
#define REGIE_FHIR_MODEL_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an element holds. The primitive order must match PRIMS in tools/gen-fhir-model.mjs. */
enum fhir_kind {
    FHIR_K_COMPLEX,  /* an object validated against node */
    FHIR_K_RESOURCE, /* a whole resource (contained, Bundle.entry.resource ...) */
    FHIR_K_BOOLEAN,
    FHIR_K_INTEGER,
    FHIR_K_STRING,
    FHIR_K_DECIMAL,
    FHIR_K_URI,
    FHIR_K_URL,
    FHIR_K_CANONICAL,
    FHIR_K_BASE64BINARY,
    FHIR_K_INSTANT,
    FHIR_K_DATE,
    FHIR_K_DATETIME,
    FHIR_K_TIME,
    FHIR_K_CODE,
    FHIR_K_OID,
    FHIR_K_ID,
    FHIR_K_MARKDOWN,
    FHIR_K_UNSIGNEDINT,
    FHIR_K_POSITIVEINT,
    FHIR_K_UUID,
    FHIR_K_XHTML,
};

#define FHIR_F_REPEATS 1u /* max > 1: a JSON array */
#define FHIR_F_CHOICE  2u /* one variant of a value[x] choice */

/* Most element groups (original snapshot elements) one node has; checked by the generator. */
#define FHIR_MAX_GROUPS 256

/* One JSON member name of a node. Choice variants of one value[x] share group. */
struct fhir_elem {
    const char *name;
    uint8_t kind;   /* enum fhir_kind */
    uint8_t flags;  /* FHIR_F_* */
    uint16_t group; /* index of the snapshot element this name comes from */
    uint16_t node;  /* for FHIR_K_COMPLEX: index into fhir_gen_nodes */
    uint16_t vset;  /* FHIR_K_CODE with a required binding: 1 + index into fhir_gen_valuesets;
                       0 when unbound or the value set cannot be listed exactly */
};

/* A snapshot element with min >= 1; name is as in the definition ("value[x]" for a choice). */
struct fhir_required {
    const char *name;
    uint16_t group;
};

/* A resource, a datatype or a nested element: its members sorted by name (strcmp order). */
struct fhir_node {
    const char *path; /* "Observation", "Quantity", "Observation.component" */
    const struct fhir_elem *elems;
    const struct fhir_required *required;
    uint16_t n_elems;
    uint16_t n_groups;
    uint16_t n_required;
};

/* A concrete resource type (sorted by name) and its Patient compartment element paths, dotted
 * and relative to the resource ("participant.actor"), patient/subject first. */
struct fhir_resource_info {
    const char *name;
    uint16_t node;
    bool in_patient_compartment;
    uint16_t n_paths;
    const char *const *paths;
};

/* The codes of a value set that a required binding names, sorted in strcmp order. */
struct fhir_valueset {
    const char *url; /* canonical without a version */
    const char *const *codes;
    uint16_t n_codes;
};

extern const struct fhir_node fhir_gen_nodes[];
extern const size_t fhir_gen_node_count;
extern const struct fhir_resource_info fhir_gen_resources[];
extern const size_t fhir_gen_resource_count;
extern const struct fhir_valueset fhir_gen_valuesets[];
extern const size_t fhir_gen_valueset_count;
extern const unsigned fhir_gen_element_node;   /* "Element": id + extension, for `_name` members */
extern const unsigned fhir_gen_reference_node; /* "Reference": its .reference is checked */

/* The resource type name's entry, or NULL. */
const struct fhir_resource_info *fhir_model_resource(const char *name);
/* The member named name in node, or NULL. */
const struct fhir_elem *fhir_model_find(const struct fhir_node *node, const char *name);
/* The value set e's required binding is checked against, or NULL when it is not checked. */
const struct fhir_valueset *fhir_model_valueset(const struct fhir_elem *e);
/* Whether code (len bytes, no NUL needed) is one of vs's codes; case-sensitive. */
bool fhir_valueset_has(const struct fhir_valueset *vs, const char *code, size_t len);

#endif
