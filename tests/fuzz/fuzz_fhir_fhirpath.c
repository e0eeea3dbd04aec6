/* Fuzzes the FHIRPath engine: any bytes are compiled, and what compiles is evaluated against a
 * fixed small Patient and rendered. Errors are fine; crashes, leaks and hangs are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fhirpath.h"
#include "json/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char patient[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":true,"
    "\"name\":[{\"use\":\"official\",\"family\":\"Chalmers\",\"given\":[\"Peter\",\"James\"]},"
    "{\"use\":\"usual\",\"given\":[\"Jim\"]}],\"gender\":\"male\",\"birthDate\":\"1974-12-25\","
    "\"_birthDate\":{\"extension\":[{\"url\":\"http://"
    "x\",\"valueDateTime\":\"1974-12-25T14:35:45-05:00\"}]},"
    "\"telecom\":[{\"system\":\"phone\",\"value\":\"555\",\"rank\":2}],"
    "\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"o1\",\"name\":\"Org\"}],"
    "\"managingOrganization\":{\"reference\":\"#o1\"},"
    "\"multipleBirthInteger\":2,\"extension\":[{\"url\":\"http://w\",\"valueQuantity\":"
    "{\"value\":1.50,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_object *res;
    if (!res) {
        enum jsonx_err err;
        res = jsonx_parse(patient, strlen(patient), 32, &err, NULL, 0);
        if (!res) abort();
    }
    char err[256];
    size_t pos = 0;
    struct fhirpath_expr *e = fhirpath_compile((const char *)data, size, &pos, err, sizeof(err));
    if (!e) {
        if (pos > size && size <= FHIRPATH_MAX_EXPR) abort(); /* the position must be in the text */
        return 0;
    }
    struct fhirpath_result *r = fhirpath_eval(e, res, err, sizeof(err));
    if (r) {
        char *json = fhirpath_result_json(r);
        for (size_t i = 0; i < fhirpath_result_count(r); i++)
            if (!fhirpath_result_type(r, i) || !fhirpath_result_text(r, i)) abort();
        free(json);
        fhirpath_result_free(r);
    }
    fhirpath_free(e);
    return 0;
}
