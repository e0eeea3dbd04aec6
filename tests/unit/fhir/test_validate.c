/* Negative and edge cases of fhir_validate: each asserts the exact error code and element path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/validate.h"
#include "json/jsonx.h"

static enum rg_err run(const char *json, struct rg_fail *f)
{
    enum jsonx_err err;
    char msg[128];
    json_object *v = jsonx_parse(json, strlen(json), 512, &err, msg, sizeof msg);
    if (!v) fail_msg("test JSON does not parse: %s: %s", msg, json);
    memset(f, 0x5a, sizeof *f);
    enum rg_err rc = fhir_validate(v, f);
    json_object_put(v);
    return rc;
}

/* Asserts json gives code at expression. */
#define EXPECT(json, code, expr)                                                                   \
    do {                                                                                           \
        struct rg_fail f_;                                                                         \
        enum rg_err rc_ = run(json, &f_);                                                          \
        if (rc_ != (code) || strcmp(f_.expression, expr) != 0)                                     \
            fail_msg("%s\n  got %s at '%s' (%s)\n  want %s at '%s'", json, rg_err_name(rc_),       \
                     f_.expression, f_.detail, rg_err_name(code), expr);                           \
        if (rc_ != RG_OK && f_.detail[0] == '\0') fail_msg("no detail for %s", json);              \
    } while (0)

#define VALID(json) EXPECT(json, RG_OK, "")

#define PAT  "{\"resourceType\":\"Patient\","
#define OBS  "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
#define OBS0 "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"}}"

static void root_must_be_a_known_resource(void **state)
{
    EXPECT("[]", RG_E_NOT_RESOURCE, "");
    EXPECT("\"Patient\"", RG_E_NOT_RESOURCE, "");
    EXPECT("{\"id\":\"x\"}", RG_E_NOT_RESOURCE, "");
    EXPECT("{\"resourceType\":7}", RG_E_NOT_RESOURCE, "");
    EXPECT("{\"resourceType\":\"Foo\"}", RG_E_UNKNOWN_TYPE, "Foo");
    EXPECT("{\"resourceType\":\"Resource\",\"id\":\"a\"}", RG_E_UNKNOWN_TYPE, "Resource");
    EXPECT("{\"resourceType\":\"DomainResource\"}", RG_E_UNKNOWN_TYPE, "DomainResource");
    EXPECT("{\"resourceType\":\"patient\"}", RG_E_UNKNOWN_TYPE, "patient");
    EXPECT("{\"resourceType\":\"Pat ient\"}", RG_E_UNKNOWN_TYPE, "");
    VALID("{\"resourceType\":\"Patient\"}");
    VALID(OBS0);
}

static void unknown_elements(void **state)
{
    EXPECT(PAT "\"foo\":1}", RG_E_UNKNOWN_ELEMENT, "Patient.foo");
    EXPECT(PAT "\"name\":[{\"family\":\"x\",\"bogus\":true}]}", RG_E_UNKNOWN_ELEMENT,
           "Patient.name[0].bogus");
    EXPECT(PAT "\"name\":[{\"resourceType\":\"HumanName\"}]}", RG_E_UNKNOWN_ELEMENT,
           "Patient.name[0].resourceType");
    /* value[x] is only reachable through its typed names. */
    EXPECT(OBS "\"value\":\"x\"}", RG_E_UNKNOWN_ELEMENT, "Observation.value");
    EXPECT(OBS "\"valueDecimal\":1.5}", RG_E_UNKNOWN_ELEMENT, "Observation.valueDecimal");
    EXPECT(OBS "\"value[x]\":1}", RG_E_UNKNOWN_ELEMENT, "Observation.value[x]");
    /* Element names are case-sensitive. */
    EXPECT(PAT "\"BirthDate\":\"2000\"}", RG_E_UNKNOWN_ELEMENT, "Patient.BirthDate");
    /* `_name` only for primitives. */
    EXPECT(PAT "\"_name\":{\"id\":\"a\"}}", RG_E_UNKNOWN_ELEMENT, "Patient._name");
    EXPECT(PAT "\"_foo\":{\"id\":\"a\"}}", RG_E_UNKNOWN_ELEMENT, "Patient._foo");
}

static void json_shapes(void **state)
{
    EXPECT(PAT "\"name\":{\"family\":\"x\"}}", RG_E_BAD_STRUCTURE, "Patient.name");
    EXPECT(PAT "\"gender\":[\"male\"]}", RG_E_CARDINALITY, "Patient.gender");
    EXPECT(PAT "\"name\":[]}", RG_E_BAD_STRUCTURE, "Patient.name");
    EXPECT(PAT "\"maritalStatus\":{}}", RG_E_BAD_STRUCTURE, "Patient.maritalStatus");
    EXPECT(PAT "\"maritalStatus\":\"M\"}", RG_E_BAD_STRUCTURE, "Patient.maritalStatus");
    EXPECT(PAT "\"gender\":null}", RG_E_BAD_STRUCTURE, "Patient.gender");
    EXPECT(PAT "\"name\":[null]}", RG_E_BAD_STRUCTURE, "Patient.name[0]");
    EXPECT(PAT "\"name\":[{\"given\":[\"A\",null]}]}", RG_E_BAD_STRUCTURE,
           "Patient.name[0].given[1]");
    EXPECT(PAT "\"name\":[{\"family\":\"x\"},{}]}", RG_E_BAD_STRUCTURE, "Patient.name[1]");
}

static void primitive_extensions(void **state)
{
    VALID(PAT "\"gender\":\"male\",\"_gender\":{\"extension\":[{\"url\":\"http://x\","
              "\"valueString\":\"y\"}]}}");
    /* An extension alone stands for the value. */
    VALID(PAT "\"_birthDate\":{\"id\":\"b1\"}}");
    VALID(PAT "\"name\":[{\"given\":[\"A\",null],\"_given\":[null,{\"id\":\"g\"}]}]}");
    EXPECT(PAT "\"_gender\":\"x\"}", RG_E_BAD_STRUCTURE, "Patient._gender");
    EXPECT(PAT "\"_gender\":{}}", RG_E_BAD_STRUCTURE, "Patient._gender");
    EXPECT(PAT "\"_gender\":{\"url\":\"x\"}}", RG_E_UNKNOWN_ELEMENT, "Patient._gender.url");
    EXPECT(PAT "\"name\":[{\"given\":[\"A\"],\"_given\":{\"id\":\"g\"}}]}", RG_E_BAD_STRUCTURE,
           "Patient.name[0]._given");
    EXPECT(PAT "\"name\":[{\"given\":[\"A\",\"B\"],\"_given\":[null]}]}", RG_E_BAD_STRUCTURE,
           "Patient.name[0]._given");
    EXPECT(PAT "\"name\":[{\"given\":[\"A\",null],\"_given\":[null,null]}]}", RG_E_BAD_STRUCTURE,
           "Patient.name[0].given[1]");
    EXPECT(PAT "\"name\":[{\"_given\":[\"x\"]}]}", RG_E_BAD_STRUCTURE, "Patient.name[0]._given[0]");
    /* Legacy comments are tolerated, but only as an array of strings. */
    VALID(PAT "\"fhir_comments\":[\"hello\"]}");
    EXPECT(PAT "\"fhir_comments\":\"hello\"}", RG_E_BAD_STRUCTURE, "Patient.fhir_comments");
}

static void required_elements(void **state)
{
    EXPECT("{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}", RG_E_REQUIRED,
           "Observation.status");
    EXPECT("{\"resourceType\":\"Observation\",\"status\":\"final\"}", RG_E_REQUIRED,
           "Observation.code");
    EXPECT("{\"resourceType\":\"Bundle\"}", RG_E_REQUIRED, "Bundle.type");
    EXPECT(PAT "\"link\":[{\"type\":\"seealso\"}]}", RG_E_REQUIRED, "Patient.link[0].other");
    VALID(PAT "\"link\":[{\"type\":\"seealso\",\"other\":{\"reference\":\"Patient/2\"}}]}");
    EXPECT(PAT "\"extension\":[{\"valueString\":\"x\"}]}", RG_E_REQUIRED,
           "Patient.extension[0].url");
    EXPECT(PAT "\"text\":{\"div\":\"<div>x</div>\"}}", RG_E_REQUIRED, "Patient.text.status");
    /* A required choice is satisfied by any one variant. */
    EXPECT("{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
           "\"subject\":{\"reference\":\"Patient/1\"}}",
           RG_E_REQUIRED, "MedicationRequest.medication[x]");
    VALID("{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
          "\"subject\":{\"reference\":\"Patient/"
          "1\"},\"medicationCodeableConcept\":{\"text\":\"a\"}}");
}

static void choice_elements(void **state)
{
    VALID(OBS "\"valueQuantity\":{\"value\":1.5,\"unit\":\"kg\"}}");
    VALID(OBS "\"valueString\":\"a\",\"_valueString\":{\"id\":\"v\"}}");
    EXPECT(OBS "\"valueString\":\"a\",\"valueBoolean\":true}", RG_E_CARDINALITY,
           "Observation.valueBoolean");
    EXPECT(OBS "\"_valueString\":{\"id\":\"v\"},\"valueBoolean\":true}", RG_E_CARDINALITY,
           "Observation.valueBoolean");
    EXPECT(OBS "\"effectiveDateTime\":\"2024\",\"effectivePeriod\":{\"start\":\"2024\"}}",
           RG_E_CARDINALITY, "Observation.effectivePeriod");
    EXPECT(OBS "\"component\":[{\"code\":{\"text\":\"a\"}},{\"code\":{\"text\":\"b\"},"
               "\"valueQuantity\":{\"value\":\"1.5\"}}]}",
           RG_E_BAD_PRIMITIVE, "Observation.component[1].valueQuantity.value");
    EXPECT(OBS "\"component\":[{\"valueString\":\"x\"}]}", RG_E_REQUIRED,
           "Observation.component[0].code");
}

static void primitive_formats(void **state)
{
    EXPECT(PAT "\"id\":\"a b\"}", RG_E_BAD_PRIMITIVE, "Patient.id");
    EXPECT(PAT "\"id\":\"a_b\"}", RG_E_BAD_PRIMITIVE, "Patient.id");
    EXPECT(PAT "\"id\":\"\"}", RG_E_BAD_PRIMITIVE, "Patient.id");
    EXPECT(PAT "\"id\":\"12345678901234567890123456789012345678901234567890123456789012345\"}",
           RG_E_BAD_PRIMITIVE, "Patient.id");
    VALID(PAT "\"id\":\"1234567890123456789012345678901234567890123456789012345678901234\"}");
    VALID(PAT "\"id\":\"A-z.9\"}");
    /* Control characters other than tab, CR and LF are not FHIR string content. */
    EXPECT(PAT "\"name\":[{\"family\":\"a\\u0001b\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.name[0].family");
    VALID(PAT "\"name\":[{\"text\":\"line one\\nline two\\tend\"}]}");
    EXPECT(PAT "\"id\":5}", RG_E_BAD_PRIMITIVE, "Patient.id");
    EXPECT(PAT "\"birthDate\":\"2024-02-30\"}", RG_E_BAD_PRIMITIVE, "Patient.birthDate");
    EXPECT(PAT "\"birthDate\":\"2024-02-01T10:00:00Z\"}", RG_E_BAD_PRIMITIVE, "Patient.birthDate");
    EXPECT(PAT "\"active\":\"true\"}", RG_E_BAD_PRIMITIVE, "Patient.active");
    EXPECT(PAT "\"active\":1}", RG_E_BAD_PRIMITIVE, "Patient.active");
    EXPECT(PAT "\"multipleBirthInteger\":1.5}", RG_E_BAD_PRIMITIVE, "Patient.multipleBirthInteger");
    EXPECT(PAT "\"multipleBirthInteger\":\"2\"}", RG_E_BAD_PRIMITIVE,
           "Patient.multipleBirthInteger");
    EXPECT(OBS "\"valueInteger\":3000000000}", RG_E_BAD_PRIMITIVE, "Observation.valueInteger");
    VALID(OBS "\"valueInteger\":-2147483648}");
    EXPECT(OBS "\"valueInteger\":-2147483649}", RG_E_BAD_PRIMITIVE, "Observation.valueInteger");
    EXPECT("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":-1}", RG_E_BAD_PRIMITIVE,
           "Bundle.total");
    VALID("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":0}");
    EXPECT(OBS "\"valueSampledData\":{\"origin\":{\"value\":0},\"period\":1,\"dimensions\":0}}",
           RG_E_BAD_PRIMITIVE, "Observation.valueSampledData.dimensions");
    VALID(OBS "\"valueSampledData\":{\"origin\":{\"value\":0},\"period\":1,\"dimensions\":1}}");
    EXPECT(PAT "\"gender\":\"male \"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    EXPECT(PAT "\"gender\":\"\"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    EXPECT(OBS "\"valueCodeableConcept\":{\"coding\":[{\"code\":\"a  b\"}]}}", RG_E_BAD_PRIMITIVE,
           "Observation.valueCodeableConcept.coding[0].code");
    VALID(OBS "\"valueCodeableConcept\":{\"coding\":[{\"code\":\"a b\"}]}}");
    EXPECT(PAT "\"identifier\":[{\"system\":\"http://a b\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.identifier[0].system");
    EXPECT(PAT "\"name\":[{\"family\":\"\"}]}", RG_E_BAD_PRIMITIVE, "Patient.name[0].family");
    EXPECT(PAT "\"meta\":{\"lastUpdated\":\"2024-01-01\"}}", RG_E_BAD_PRIMITIVE,
           "Patient.meta.lastUpdated");
    VALID(PAT "\"meta\":{\"lastUpdated\":\"2024-01-01T00:00:00.000Z\"}}");
    EXPECT(OBS "\"effectiveDateTime\":\"2024-01-01T10:00:00\"}", RG_E_BAD_PRIMITIVE,
           "Observation.effectiveDateTime");
    VALID(OBS "\"effectiveDateTime\":\"2024-01-01T10:00:00+01:00\"}");
    EXPECT(OBS "\"valueTime\":\"25:00:00\"}", RG_E_BAD_PRIMITIVE, "Observation.valueTime");
    VALID(OBS "\"valueTime\":\"23:59:59\"}");
    EXPECT(PAT "\"extension\":[{\"url\":\"http://x\",\"valueOid\":\"1.2.3\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.extension[0].valueOid");
    VALID(PAT "\"extension\":[{\"url\":\"http://x\",\"valueOid\":\"urn:oid:1.2.3\"}]}");
    EXPECT(PAT "\"extension\":[{\"url\":\"http://x\",\"valueOid\":\"urn:oid:1.02\"}]}",
           RG_E_BAD_PRIMITIVE, "Patient.extension[0].valueOid");
    EXPECT(PAT "\"extension\":[{\"url\":\"http://x\",\"valueUuid\":"
               "\"urn:uuid:6E2B2F4C-0F1A-4D5E-8A9B-0C1D2E3F4A5B\"}]}",
           RG_E_BAD_PRIMITIVE, "Patient.extension[0].valueUuid");
    VALID(PAT "\"extension\":[{\"url\":\"http://x\",\"valueUuid\":"
              "\"urn:uuid:6e2b2f4c-0f1a-4d5e-8a9b-0c1d2e3f4a5b\"}]}");
    EXPECT(PAT "\"extension\":[{\"url\":\"a b\",\"valueString\":\"x\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.extension[0].url");
    EXPECT(PAT "\"photo\":[{\"data\":\"abc\"}]}", RG_E_BAD_PRIMITIVE, "Patient.photo[0].data");
    EXPECT(PAT "\"photo\":[{\"data\":\"ab*=\"}]}", RG_E_BAD_PRIMITIVE, "Patient.photo[0].data");
    VALID(PAT "\"photo\":[{\"data\":\"aGVsbG8=\"}]}");
    EXPECT(PAT "\"text\":{\"status\":\"generated\",\"div\":\"hello\"}}", RG_E_BAD_PRIMITIVE,
           "Patient.text.div");
    VALID(PAT "\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/"
              "xhtml\\\">hi</div>\"}}");
    EXPECT(OBS "\"valueQuantity\":{\"value\":true}}", RG_E_BAD_PRIMITIVE,
           "Observation.valueQuantity.value");
    VALID(OBS "\"valueQuantity\":{\"value\":2}}");
}

static void huge_string(void **state)
{
    size_t n = 1024 * 1024 + 1;
    char *json = malloc(n + 64);
    assert_non_null(json);
    int head = snprintf(json, 64, PAT "\"name\":[{\"family\":\"");
    memset(json + head, 'a', n);
    memcpy(json + head + n, "\"}]}", 5);
    EXPECT(json, RG_E_BAD_PRIMITIVE, "Patient.name[0].family");
    /* Exactly 1 MB is fine. */
    memcpy(json + head + n - 1, "\"}]}", 5);
    VALID(json);
    free(json);
}

#define REF(r) OBS "\"subject\":{\"reference\":\"" r "\"}}"

static void references(void **state)
{
    VALID(REF("Patient/123"));
    VALID(REF("Patient/123/_history/2"));
    VALID(REF("http://example.org/fhir/Patient/123"));
    VALID(REF("https://example.org/x"));
    VALID(REF("urn:uuid:6e2b2f4c-0f1a-4d5e-8a9b-0c1d2e3f4a5b"));
    VALID(REF("urn:oid:2.16.840.1"));
    VALID(REF("#p1"));
    VALID(REF("Patient?identifier=http://x|1"));
    const char *bad[] = {
        REF("Foo/123"),
        REF("Patient/"),
        REF("Patient/a b"),
        REF("Patient/a_b"),
        REF("Patient/1/_history/"),
        REF("Patient/1/_history/a/b"),
        REF("Patient/1/foo"),
        REF("patient/1"),
        REF("urn:uuid:not-a-uuid"),
        REF("urn:oid:x.1"),
        REF("Patient?"),
        REF("Foo?x=1"),
        REF("plain"),
        REF("http:/x"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        EXPECT(bad[i], RG_E_BAD_REFERENCE, "Observation.subject.reference");
    /* An empty reference is a bad primitive before it is a bad reference. */
    EXPECT(REF(""), RG_E_BAD_PRIMITIVE, "Observation.subject.reference");
    EXPECT(PAT "\"generalPractitioner\":[{\"display\":\"x\"},{\"reference\":\"Nope/1\"}]}",
           RG_E_BAD_REFERENCE, "Patient.generalPractitioner[1].reference");
}

static void contained_and_bundles(void **state)
{
    VALID(OBS "\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"p1\"}],"
              "\"subject\":{\"reference\":\"#p1\"}}");
    EXPECT(OBS "\"contained\":[{\"id\":\"p1\"}]}", RG_E_NOT_RESOURCE, "Observation.contained[0]");
    EXPECT(OBS "\"contained\":[{\"resourceType\":\"Nope\"}]}", RG_E_UNKNOWN_TYPE,
           "Observation.contained[0]");
    EXPECT(OBS "\"contained\":[{\"resourceType\":\"Patient\",\"foo\":1}]}", RG_E_UNKNOWN_ELEMENT,
           "Observation.contained[0].foo");
    EXPECT(OBS "\"contained\":[\"x\"]}", RG_E_NOT_RESOURCE, "Observation.contained[0]");
    EXPECT("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
           "{\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":"
           "\"Patient\"}},"
           "{\"resource\":{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}}]}",
           RG_E_REQUIRED, "Bundle.entry[1].resource.status");
    EXPECT("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{"
           "\"method\":\"POST\"}}]}",
           RG_E_REQUIRED, "Bundle.entry[0].request.url");
}

static void content_references(void **state)
{
    VALID("{\"resourceType\":\"Questionnaire\",\"status\":\"active\",\"item\":[{\"linkId\":\"1\","
          "\"type\":\"group\",\"item\":[{\"linkId\":\"2\",\"type\":\"string\"}]}]}");
    EXPECT("{\"resourceType\":\"Questionnaire\",\"status\":\"active\",\"item\":[{\"linkId\":\"1\","
           "\"type\":\"group\",\"item\":[{\"linkId\":\"2\",\"type\":\"string\",\"bogus\":1}]}]}",
           RG_E_UNKNOWN_ELEMENT, "Questionnaire.item[0].item[0].bogus");
    EXPECT("{\"resourceType\":\"Questionnaire\",\"status\":\"active\",\"item\":[{\"linkId\":\"1\","
           "\"type\":\"group\",\"item\":[{\"type\":\"string\"}]}]}",
           RG_E_REQUIRED, "Questionnaire.item[0].item[0].linkId");
}

static void first_error_in_document_order(void **state)
{
    const char *json = PAT "\"zzz\":1,\"gender\":\"bad value\",\"aaa\":2}";
    EXPECT(json, RG_E_UNKNOWN_ELEMENT, "Patient.zzz");
    EXPECT(json, RG_E_UNKNOWN_ELEMENT, "Patient.zzz");
    EXPECT(PAT "\"gender\":\"male \",\"zzz\":1}", RG_E_BAD_PRIMITIVE, "Patient.gender");
}

static void deep_nesting_is_refused(void **state)
{
    /* 100 nested Questionnaire items: more path segments than the validator walks. */
    char *json = malloc(8192);
    assert_non_null(json);
    size_t len =
        (size_t)snprintf(json, 8192, "{\"resourceType\":\"Questionnaire\",\"status\":\"active\"");
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(json + len, 8192 - len,
                                ",\"item\":[{\"linkId\":\"x\",\"type\":\"group\"");
    for (int i = 0; i < 100; i++) len += (size_t)snprintf(json + len, 8192 - len, "}]");
    snprintf(json + len, 8192 - len, "}");
    struct rg_fail f;
    assert_int_equal(run(json, &f), RG_E_BAD_STRUCTURE);
    assert_true(strncmp(f.expression, "Questionnaire.item[0].item[0]", 29) == 0);
    free(json);
}

/* Codes outside a required binding's value set are refused where the binding is on a `code`. */
static void required_bindings(void **state)
{
    EXPECT("{\"resourceType\":\"Observation\",\"status\":\"done\",\"code\":{\"text\":\"x\"}}",
           RG_E_BAD_PRIMITIVE, "Observation.status");
    EXPECT(PAT "\"gender\":\"M\"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    /* Codes are case-sensitive. */
    EXPECT(PAT "\"gender\":\"Male\"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    /* A prefix or an extension of a valid code is not that code. */
    EXPECT(PAT "\"gender\":\"mal\"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    EXPECT(PAT "\"gender\":\"males\"}", RG_E_BAD_PRIMITIVE, "Patient.gender");
    EXPECT(OBS "\"valueQuantity\":{\"value\":1,\"comparator\":\"=<\"}}", RG_E_BAD_PRIMITIVE,
           "Observation.valueQuantity.comparator");
    EXPECT("{\"resourceType\":\"Bundle\",\"type\":\"txn\"}", RG_E_BAD_PRIMITIVE, "Bundle.type");
    EXPECT(PAT "\"contact\":[{\"gender\":\"female\"},{\"gender\":\"F\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.contact[1].gender");
    EXPECT(PAT "\"name\":[{\"use\":\"Official\"}]}", RG_E_BAD_PRIMITIVE, "Patient.name[0].use");
    EXPECT(PAT "\"telecom\":[{\"system\":\"mobile\",\"value\":\"1\"}]}", RG_E_BAD_PRIMITIVE,
           "Patient.telecom[0].system");
    EXPECT(PAT "\"text\":{\"status\":\"done\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/"
               "xhtml\\\">x</div>\"}}",
           RG_E_BAD_PRIMITIVE, "Patient.text.status");
    /* Inside a Bundle entry, and a repeating code (CapabilityStatement.format is mimetypes, not
     * checked; SearchParameter.base is resource-types, checked). */
    EXPECT("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
           "{\"resourceType\":\"Patient\",\"gender\":\"x\"}}]}",
           RG_E_BAD_PRIMITIVE, "Bundle.entry[0].resource.gender");
    EXPECT("{\"resourceType\":\"SearchParameter\",\"url\":\"http://x\",\"name\":\"n\","
           "\"status\":\"active\",\"description\":\"d\",\"code\":\"c\",\"type\":\"token\","
           "\"base\":[\"Patient\",\"Patient2\"]}",
           RG_E_BAD_PRIMITIVE, "SearchParameter.base[1]");

    /* The detail names the value set and its codes. */
    struct rg_fail f;
    assert_int_equal(
        run("{\"resourceType\":\"Observation\",\"status\":\"done\",\"code\":{\"text\":\"x\"}}", &f),
        RG_E_BAD_PRIMITIVE);
    assert_non_null(strstr(f.detail, "\"done\" is not in the required value set "
                                     "http://hl7.org/fhir/ValueSet/observation-status ("));
    assert_non_null(strstr(f.detail, "registered"));
    assert_non_null(strstr(f.detail, "entered-in-error"));
    /* A long list is cut with "...", and the detail stays within its buffer. */
    assert_int_equal(run("{\"resourceType\":\"SearchParameter\",\"url\":\"http://x\",\"name\":"
                         "\"n\",\"status\":\"active\",\"description\":\"d\",\"code\":\"c\","
                         "\"type\":\"token\",\"base\":[\"NoSuchType\"]}",
                         &f),
                     RG_E_BAD_PRIMITIVE);
    assert_non_null(strstr(f.detail, ", ...)"));

    /* Every code of the value set is accepted, including nested and several-system ones. */
    static const char *const obs_status[] = {
        "registered", "preliminary",      "final",   "amended", "corrected",
        "cancelled",  "entered-in-error", "unknown",
    };
    char json[256];
    for (size_t i = 0; i < sizeof obs_status / sizeof *obs_status; i++) {
        snprintf(json, sizeof json,
                 "{\"resourceType\":\"Observation\",\"status\":\"%s\",\"code\":{\"text\":\"x\"}}",
                 obs_status[i]);
        VALID(json);
    }
    VALID(PAT "\"gender\":\"unknown\",\"contact\":[{\"gender\":\"other\"}]}");
    VALID(OBS "\"valueQuantity\":{\"value\":1,\"comparator\":\"<=\"}}");
    VALID("{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}");
    VALID(PAT "\"name\":[{\"use\":\"maiden\"}],\"address\":[{\"use\":\"old\",\"type\":\"both\"}],"
              "\"identifier\":[{\"use\":\"secondary\"}]}");
    /* Codes whose binding is not checked (mimetypes is not enumerable; Coding.code is not a
     * `code` element with a binding) pass with any well-formed value. */
    VALID("{\"resourceType\":\"Binary\",\"contentType\":\"application/x-whatever\"}");
    VALID(PAT "\"maritalStatus\":{\"coding\":[{\"system\":\"http://x\",\"code\":\"zz\"}]}}");
    /* A primitive extension instead of the value needs no code. */
    VALID(PAT "\"_gender\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"y\"}]}}");
}

static void ids(void **state)
{
    assert_true(fhir_valid_id("a", 1));
    assert_true(fhir_valid_id("A-z.09", 6));
    assert_false(fhir_valid_id("", 0));
    assert_false(fhir_valid_id("a/b", 3));
    assert_false(fhir_valid_id("a_b", 3));
    assert_false(fhir_valid_id("\xc3\xa9", 2));
    char id[66];
    memset(id, 'x', sizeof id);
    assert_true(fhir_valid_id(id, 64));
    assert_false(fhir_valid_id(id, 65));
    /* Only len bytes are looked at. */
    assert_true(fhir_valid_id("abc/def", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_must_be_a_known_resource),
        cmocka_unit_test(unknown_elements),
        cmocka_unit_test(json_shapes),
        cmocka_unit_test(primitive_extensions),
        cmocka_unit_test(required_elements),
        cmocka_unit_test(choice_elements),
        cmocka_unit_test(primitive_formats),
        cmocka_unit_test(huge_string),
        cmocka_unit_test(references),
        cmocka_unit_test(contained_and_bundles),
        cmocka_unit_test(content_references),
        cmocka_unit_test(first_error_in_document_order),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(required_bindings),
        cmocka_unit_test(ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
