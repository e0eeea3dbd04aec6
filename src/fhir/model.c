/* Placeholder over the generated tables; replaced by the full model. */
#include "fhir/model.h"

#include <string.h>

extern const char *const fhir_gen_resource_types[];
extern const size_t fhir_gen_resource_type_count;

size_t fhir_resource_type_count(void)
{
    return fhir_gen_resource_type_count;
}

const char *fhir_resource_type_name(size_t i)
{
    return i < fhir_gen_resource_type_count ? fhir_gen_resource_types[i] : NULL;
}

bool fhir_is_resource_type(const char *name)
{
    for (size_t i = 0; i < fhir_gen_resource_type_count; i++)
        if (!strcmp(fhir_gen_resource_types[i], name)) return true;
    return false;
}
