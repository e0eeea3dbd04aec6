/* Fuzzes validation on write: any bytes that parse as JSON must validate to RG_OK or a typed error
 * with a filled expression/detail, never crash; the verdict and path must be deterministic, and the
 * Patient compartment lookup must hold on the same (possibly invalid) resource. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/validate.h"
#include "json/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse((const char *)data, size, 64, &err, NULL, 0);
    if (!v) return 0;
    struct rg_fail f1, f2;
    enum rg_err rc = fhir_validate(v, &f1);
    if (rc < RG_OK || rc >= RG_ERR_COUNT || rc != f1.code) abort();
    if (rc != RG_OK && f1.detail[0] == '\0') abort();
    if (fhir_validate(v, &f2) != rc || strcmp(f1.expression, f2.expression) != 0) abort();
    const char *type = jsonx_get_str(v, "resourceType");
    if (type) {
        char pid[65];
        if (fhir_patient_compartment(type, v, pid, sizeof pid) && pid[0] == '\0') abort();
        (void)fhir_in_patient_compartment(type);
    }
    json_object_put(v);
    return 0;
}
