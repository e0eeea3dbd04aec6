/* Placeholder until the validator lands: accepts everything. */
#include "fhir/validate.h"

enum rg_err fhir_validate(json_object *resource, struct rg_fail *f)
{
    (void)resource;
    f->code = RG_OK;
    return RG_OK;
}
