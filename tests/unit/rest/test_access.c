/* struct rest_access enforced by the real route handlers (called through rest_routes(), so the
 * audit wrapper runs too) over a SQLite store holding two patients: A's token reading B's data,
 * patient-selecting parameters, types outside the data service, includes that would leak,
 * writes other than a share, and the audit entries those requests leave. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "access_fixture.h"

/* ---------------------------------------------------------------------------------------------
 * read, vread, history */

static void read_other_patient_is_404(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(get(f, "read", "/fhir/Observation/ob1", &f->a, NULL, &rep), 404);
    assert_non_null(strstr(body(&rep), "Observation/ob1 is not known"));
    done_reply(&rep);
    /* exactly the answer for an id that does not exist */
    assert_int_equal(get(f, "read", "/fhir/Observation/nothing", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Patient/pb", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "vread", "/fhir/Observation/ob1/_history/1", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(
        get(f, "history-instance", "/fhir/Observation/ob1/_history", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    /* A's own */
    assert_int_equal(get(f, "read", "/fhir/Observation/oa1", &f->a, NULL, &rep), 200);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Patient/pa", &f->a, NULL, &rep), 200);
    done_reply(&rep);
    assert_int_equal(get(f, "vread", "/fhir/Observation/oa1/_history/1", &f->a, NULL, &rep), 200);
    done_reply(&rep);
    assert_int_equal(
        get(f, "history-instance", "/fhir/Observation/oa1/_history", &f->a, NULL, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"oa1\""));
    assert_int_equal(json_int(&rep, "total"), -1); /* no count of versions it may not see */
    done_reply(&rep);
    /* unrestricted, as before */
    assert_int_equal(get(f, "read", "/fhir/Observation/ob1", NULL, NULL, &rep), 200);
    done_reply(&rep);
}

static void type_outside_service_is_404_on_read(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    /* A's own Condition, but the token's service does not cover Condition */
    assert_int_equal(get(f, "read", "/fhir/Condition/ca1", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "vread", "/fhir/Condition/ca1/_history/1", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Condition/ca1", NULL, NULL, &rep), 200);
    done_reply(&rep);
}

static void deleted_resource_is_404(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    put_json(f, "{\"resourceType\":\"Observation\",\"id\":\"gone\",\"status\":\"final\",\"code\":{"
                "\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/pa\"}}");
    assert_int_equal(call(f, "delete", "DELETE", "/fhir/Observation/gone", NULL, NULL, 0, &rep),
                     204);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Observation/gone", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Observation/gone", NULL, NULL, &rep), 410);
    done_reply(&rep);
}

/* ---------------------------------------------------------------------------------------------
 * search */

static void search_without_patient_returns_only_own(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, NULL, &rep), 200);
    const char *b = body(&rep);
    assert_non_null(strstr(b, "\"oa1\""));
    assert_non_null(strstr(b, "\"oa2\""));
    assert_null(strstr(b, "\"ob1\""));
    assert_int_equal(json_int(&rep, "total"), 2);
    /* the self link is the URL asked, without the implied patient */
    assert_non_null(strstr(b, "\"url\":\"http://test/fhir/Observation\""));
    done_reply(&rep);
    const char *code[] = {"code", "http://loinc.org|29463-7", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, code, &rep), 200);
    assert_int_equal(json_int(&rep, "total"), 1);
    assert_non_null(strstr(body(&rep), "\"oa1\""));
    done_reply(&rep);
    /* unrestricted sees both patients */
    assert_int_equal(get(f, "search-type", "/fhir/Observation", NULL, code, &rep), 200);
    assert_int_equal(json_int(&rep, "total"), 2);
    done_reply(&rep);
    /* POST _search is the same search */
    assert_int_equal(
        call(f, "search-type-post", "POST", "/fhir/Observation/_search", &f->a, NULL, 0, &rep),
        200);
    assert_null(strstr(body(&rep), "\"ob1\""));
    done_reply(&rep);
}

static void patient_search_is_the_token_patient(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    const char *inc[] = {"_include", "Patient:general-practitioner", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Patient", &f->a, inc, &rep), 200);
    const char *b = body(&rep);
    assert_non_null(strstr(b, "\"pa\""));
    assert_null(strstr(b, "\"pb\""));
    assert_non_null(strstr(b, "\"dr1\"")); /* A's GP, a Practitioner: the service covers it */
    done_reply(&rep);
}

static void patient_selecting_params_are_400(void **state)
{
    struct afx *f = *state;
    static const struct {
        const char *type, *name, *value;
    } cases[] = {
        {"Observation", "patient", "pb"},
        {"Observation", "patient", "Patient/pa"},
        {"Observation", "subject", "Patient/pb"},
        {"Observation", "subject:Patient", "pb"},
        {"Observation", "subject:identifier", "x|1"},
        {"Observation", "subject:Patient.name", "Jansen"},
        {"Observation", "patient.identifier", "x|1"},
        {"Observation", "performer", "Patient/pb"}, /* may point at a Patient */
        {"Observation", "performer:Patient", "pb"},
        {"Observation", "encounter.subject", "pb"}, /* a chain to a patient selector */
        {"Observation", "encounter.patient", "pb"}, /* likewise */
        {"Observation", "_has:Observation:has-member:code", "x"}, /* _has runs outside */
        {"Patient", "_has:Observation:patient:code", "x"},
        {"Patient", "link", "Patient/pb"},
        {"Patient", "identifier", "http://fhir.nl/fhir/NamingSystem/bsn|999999990"},
        {"Practitioner", "patient", "pb"}, /* refused even where the type has no such param */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/fhir/%s", cases[i].type);
        const char *params[] = {cases[i].name, cases[i].value, NULL};
        struct http_reply rep;
        int st = get(f, "search-type", path, &f->a, params, &rep);
        if (st != 400) fail_msg("%s?%s answered %d", cases[i].type, cases[i].name, st);
        /* the answer names the parameter, never its value */
        assert_null(strstr(body(&rep), "999999990"));
        done_reply(&rep);
    }
    /* also on $lastn, compartment search and $everything */
    const char *p[] = {"patient", "pb", NULL};
    struct http_reply rep;
    assert_int_equal(get(f, "lastn", "/fhir/Observation/$lastn", &f->a, p, &rep), 400);
    done_reply(&rep);
    assert_int_equal(get(f, "search-compartment", "/fhir/Patient/pa/Observation", &f->a, p, &rep),
                     400);
    done_reply(&rep);
    assert_int_equal(get(f, "everything", "/fhir/Patient/pa/$everything", &f->a, p, &rep), 400);
    done_reply(&rep);
    /* a chain that selects no patient is fine */
    const char *ok[] = {"performer:Practitioner.name", "Arts", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, ok, &rep), 200);
    done_reply(&rep);
    const char *ok2[] = {"performer:Practitioner", "dr1", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, ok2, &rep), 200);
    assert_int_equal(json_int(&rep, "total"), 1);
    done_reply(&rep);
}

static void type_outside_service_is_403(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(get(f, "search-type", "/fhir/Condition", &f->a, NULL, &rep), 403);
    assert_non_null(strstr(body(&rep), "forbidden"));
    done_reply(&rep);
    assert_int_equal(get(f, "search-compartment", "/fhir/Patient/pa/Condition", &f->a, NULL, &rep),
                     403);
    done_reply(&rep);
    const char *t[] = {"_type", "Condition", NULL};
    assert_int_equal(get(f, "everything", "/fhir/Patient/pa/$everything", &f->a, t, &rep), 403);
    done_reply(&rep);
    struct rest_access no_obs = f->a;
    no_obs.ntypes = 1; /* Patient only */
    assert_int_equal(get(f, "lastn", "/fhir/Observation/$lastn", &no_obs, NULL, &rep), 403);
    done_reply(&rep);
}

static void other_levels_are_refused(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    const char *t[] = {"_type", "Observation", NULL};
    assert_int_equal(get(f, "search-system", "/fhir", &f->a, t, &rep), 403);
    done_reply(&rep);
    assert_int_equal(get(f, "history-system", "/fhir/_history", &f->a, NULL, &rep), 403);
    done_reply(&rep);
    assert_int_equal(get(f, "history-type", "/fhir/Observation/_history", &f->a, NULL, &rep), 403);
    done_reply(&rep);
    assert_int_equal(
        get(f, "search-compartment", "/fhir/Patient/pb/Observation", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "search-compartment", "/fhir/Patient/pa/*", &f->a, NULL, &rep), 403);
    done_reply(&rep);
    assert_int_equal(get(f, "everything", "/fhir/Patient/pb/$everything", &f->a, NULL, &rep), 404);
    done_reply(&rep);
}

static void own_compartment_lastn_and_everything(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(
        get(f, "search-compartment", "/fhir/Patient/pa/Observation", &f->a, NULL, &rep), 200);
    assert_null(strstr(body(&rep), "\"ob1\""));
    assert_non_null(strstr(body(&rep), "\"oa1\""));
    done_reply(&rep);
    assert_int_equal(get(f, "lastn", "/fhir/Observation/$lastn", &f->a, NULL, &rep), 200);
    assert_null(strstr(body(&rep), "\"ob1\""));
    assert_non_null(strstr(body(&rep), "\"oa1\""));
    done_reply(&rep);
    assert_int_equal(get(f, "lastn", "/fhir/Observation/$lastn", NULL, NULL, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"ob1\""));
    done_reply(&rep);
    /* $everything: the covered types only (no Condition), nothing of B, no Organization */
    assert_int_equal(get(f, "everything", "/fhir/Patient/pa/$everything", &f->a, NULL, &rep), 200);
    const char *b = body(&rep);
    assert_non_null(strstr(b, "\"oa1\""));
    assert_non_null(strstr(b, "\"pa\""));
    assert_null(strstr(b, "\"ca1\""));
    assert_null(strstr(b, "\"ob1\""));
    assert_null(strstr(b, "\"org1\""));
    done_reply(&rep);
}

static void includes_are_filtered(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    /* oa2 is derived from B's ob1 */
    const char *d[] = {"_include", "Observation:derived-from", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, d, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"oa2\""));
    assert_null(strstr(body(&rep), "\"ob1\""));
    done_reply(&rep);
    assert_int_equal(get(f, "search-type", "/fhir/Observation", NULL, d, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"ob1\"")); /* unrestricted: included */
    done_reply(&rep);
    /* oa1's performers: dr1 (Practitioner, covered) and org1 (Organization, not covered) */
    const char *p[] = {"_include", "Observation:performer", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, p, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"dr1\""));
    assert_null(strstr(body(&rep), "\"org1\""));
    done_reply(&rep);
    /* _revinclude of Observations that point at A's Patient from B's compartment: ob2 names pa
     * as its performer but is B's */
    const char *r[] = {"_revinclude", "Observation:performer", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Patient", &f->a, r, &rep), 200);
    assert_null(strstr(body(&rep), "\"ob2\""));
    done_reply(&rep);
    assert_int_equal(get(f, "search-type", "/fhir/Patient", NULL, r, &rep), 200);
    assert_non_null(strstr(body(&rep), "\"ob2\""));
    done_reply(&rep);
    /* :iterate does not walk through what was filtered: oa2 -> ob1 -> pb */
    const char *it[] = {"_include", "Observation:derived-from", "_include:iterate",
                        "Observation:subject", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, it, &rep), 200);
    assert_null(strstr(body(&rep), "\"pb\""));
    done_reply(&rep);
}

/* A Binary has no compartment: it is readable when its securityContext is (MedMij documents:
 * the DocumentReference), never without one. */
static void binary_follows_its_security_context(void **state)
{
    struct afx *f = *state;
    static const char *const docs[] = {
        "{\"resourceType\":\"DocumentReference\",\"id\":\"dra\",\"status\":\"current\","
        "\"subject\":{\"reference\":\"Patient/pa\"},\"content\":[{\"attachment\":{\"url\":"
        "\"Binary/bina\"}}]}",
        "{\"resourceType\":\"DocumentReference\",\"id\":\"drb\",\"status\":\"current\","
        "\"subject\":{\"reference\":\"Patient/pb\"},\"content\":[{\"attachment\":{\"url\":"
        "\"Binary/binb\"}}]}",
        "{\"resourceType\":\"Binary\",\"id\":\"bina\",\"contentType\":\"application/pdf\","
        "\"securityContext\":{\"reference\":\"DocumentReference/dra\"},\"data\":\"JVBERi0=\"}",
        "{\"resourceType\":\"Binary\",\"id\":\"binb\",\"contentType\":\"application/pdf\","
        "\"securityContext\":{\"reference\":\"DocumentReference/drb\"},\"data\":\"JVBERi0=\"}",
        "{\"resourceType\":\"Binary\",\"id\":\"binx\",\"contentType\":\"application/pdf\","
        "\"data\":\"JVBERi0=\"}",
        "{\"resourceType\":\"Binary\",\"id\":\"biny\",\"contentType\":\"application/pdf\","
        "\"securityContext\":{\"reference\":\"Binary/bina\"},\"data\":\"JVBERi0=\"}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) put_json(f, docs[i]);
    struct rest_access d = f->a;
    d.types[0] = "DocumentReference";
    d.types[1] = "Binary";
    d.ntypes = 2;
    struct http_reply rep;
    assert_int_equal(get(f, "read", "/fhir/Binary/bina", &d, NULL, &rep), 200);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Binary/binb", &d, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Binary/binx", &d, NULL, &rep), 404);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Binary/biny", &d, NULL, &rep), 404);
    done_reply(&rep);
    /* the DocumentReference type is needed too: the context must be readable by the token */
    d.types[0] = "Binary";
    d.ntypes = 1;
    assert_int_equal(get(f, "read", "/fhir/Binary/bina", &d, NULL, &rep), 404);
    done_reply(&rep);
}

/* The 28 BgZ searches of the MedMij digest (patient implied), under a token of a BgZ service:
 * none is refused by the access rules. */
static void bgz_searches_pass(void **state)
{
    struct afx *f = *state;
    static const char *const types[] = {"Patient",
                                        "Coverage",
                                        "Consent",
                                        "Observation",
                                        "Condition",
                                        "NutritionOrder",
                                        "Flag",
                                        "AllergyIntolerance",
                                        "MedicationStatement",
                                        "MedicationRequest",
                                        "MedicationDispense",
                                        "DeviceUseStatement",
                                        "Immunization",
                                        "Procedure",
                                        "Encounter",
                                        "ServiceRequest",
                                        "ImmunizationRecommendation",
                                        "Appointment",
                                        "DeviceRequest",
                                        "Medication",
                                        "Device",
                                        "Organization",
                                        "Practitioner",
                                        "PractitionerRole",
                                        "Specimen",
                                        "RelatedPerson"};
    struct rest_access bgz = f->a;
    bgz.ntypes = sizeof types / sizeof types[0];
    for (size_t i = 0; i < bgz.ntypes; i++) bgz.types[i] = types[i];
    static const struct {
        const char *route, *path;
        const char *params[7];
    } q[] = {
        {"search-type", "/fhir/Patient", {"_include", "Patient:general-practitioner"}},
        {"search-type",
         "/fhir/Coverage",
         {"_include", "Coverage:payor:Patient", "_include", "Coverage:payor:Organization"}},
        {"search-type", "/fhir/Consent", {"category", "http://snomed.info/sct|11291000146105"}},
        {"search-type", "/fhir/Consent", {"category", "http://snomed.info/sct|11341000146107"}},
        {"lastn",
         "/fhir/Observation/$lastn",
         {"category", "http://snomed.info/sct|118228005,http://snomed.info/sct|384821006"}},
        {"search-type", "/fhir/Condition", {NULL}},
        {"lastn", "/fhir/Observation/$lastn", {"code", "http://snomed.info/sct|365508006"}},
        {"search-type", "/fhir/Observation", {"code", "http://snomed.info/sct|228366006"}},
        {"search-type", "/fhir/Observation", {"code", "http://snomed.info/sct|228273003"}},
        {"search-type", "/fhir/Observation", {"code", "http://snomed.info/sct|365980008"}},
        {"search-type", "/fhir/NutritionOrder", {NULL}},
        {"search-type", "/fhir/Flag", {NULL}},
        {"search-type", "/fhir/AllergyIntolerance", {NULL}},
        {"search-type",
         "/fhir/MedicationStatement",
         {"category", "urn:oid:2.16.840.1.113883.2.4.3.11.60.20.77.5.3|6", "_include",
          "MedicationStatement:medication"}},
        {"search-type",
         "/fhir/MedicationRequest",
         {"category", "http://snomed.info/sct|16076005", "_include",
          "MedicationRequest:medication"}},
        {"search-type",
         "/fhir/MedicationDispense",
         {"category", "http://snomed.info/sct|422037009", "_include",
          "MedicationDispense:medication"}},
        {"search-type", "/fhir/DeviceUseStatement", {"_include", "DeviceUseStatement:device"}},
        {"search-type", "/fhir/Immunization", {"status", "completed"}},
        {"lastn", "/fhir/Observation/$lastn", {"code", "http://loinc.org|85354-9"}},
        {"lastn", "/fhir/Observation/$lastn", {"code", "http://loinc.org|29463-7"}},
        {"lastn",
         "/fhir/Observation/$lastn",
         {"code", "http://loinc.org|8302-2,http://loinc.org|8306-3,http://loinc.org|8308-9"}},
        {"lastn",
         "/fhir/Observation/$lastn",
         {"category", "http://snomed.info/sct|275711006", "_include", "Observation:related-target",
          "_include", "Observation:specimen"}},
        {"search-type", "/fhir/Procedure", {"category", "http://snomed.info/sct|387713003"}},
        {"search-type",
         "/fhir/Encounter",
         {"class", "http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP,http://"
                   "terminology.hl7.org/CodeSystem/v3-ActCode|ACUTE"}},
        {"search-type", "/fhir/ServiceRequest", {"status", "active"}},
        {"search-type", "/fhir/ImmunizationRecommendation", {NULL}},
        {"search-type", "/fhir/Appointment", {"status", "booked,pending,proposed"}},
        {"search-type",
         "/fhir/DeviceRequest",
         {"status", "active", "_include", "DeviceRequest:device"}},
    };
    assert_int_equal(sizeof q / sizeof q[0], 28);
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        struct http_reply rep;
        int st = get(f, q[i].route, q[i].path, &bgz, q[i].params, &rep);
        if (st != 200)
            fail_msg("BgZ search %zu (%s) answered %d: %s", i, q[i].path, st, body(&rep));
        assert_null(strstr(body(&rep), "\"ob1\""));
        done_reply(&rep);
    }
}

/* ---------------------------------------------------------------------------------------------
 * writes */

static void writes_other_than_share_are_403(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    json_object *obs = parse("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{"
                             "\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/pa\"}}");
    f->json = obs;
    assert_int_equal(call(f, "create", "POST", "/fhir/Observation", &f->a, NULL, 0, &rep), 403);
    done_reply(&rep);
    json_object_object_add(obs, "id", json_object_new_string("oa1"));
    assert_int_equal(call(f, "update", "PUT", "/fhir/Observation/oa1", &f->a, NULL, 0, &rep), 403);
    done_reply(&rep);
    f->json = NULL;
    json_object_put(obs);
    assert_int_equal(call(f, "delete", "DELETE", "/fhir/Observation/oa1", &f->a, NULL, 0, &rep),
                     403);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Observation/oa1", &f->a, NULL, &rep), 200);
    done_reply(&rep);
}

#define SHARE_HEAD "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
#define SHARE_PATIENT                                                                              \
    "{\"fullUrl\":\"urn:uuid:11111111-1111-4111-8111-111111111111\",\"resource\":{"                \
    "\"resourceType\":\"Patient\",\"identifier\":[{\"system\":"                                    \
    "\"http://fhir.nl/fhir/NamingSystem/bsn\",\"value\":\"999999990\"}]},"                         \
    "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}"
#define SHARE_OBS(subject)                                                                         \
    "{\"fullUrl\":\"urn:uuid:22222222-2222-4222-8222-222222222222\",\"resource\":{"                \
    "\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"     \
    "\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":{\"reference\":\"" subject "\"},"    \
    "\"performer\":[{\"reference\":\"" subject "\"}],\"effectiveDateTime\":\"2026-11-30\","        \
    "\"valueQuantity\":{\"value\":71.5,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\","  \
    "\"code\":\"kg\"}},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}"

static void share_batch_stores_for_the_token_patient(void **state)
{
    struct afx *f = *state;
    const char *text = SHARE_HEAD SHARE_PATIENT
        "," SHARE_OBS("urn:uuid:11111111-1111-4111-8111-111111111111") "]}";
    json_object *resp = NULL;
    size_t stored = 0;
    struct rg_fail fail = {0};
    long before = count_type(f, "Patient");
    assert_int_equal(rest_share_run(f->rc, &f->a, text, strlen(text), 64,
                                    REST_RETURN_REPRESENTATION, &resp, &stored, &fail),
                     RG_OK);
    assert_int_equal(stored, 1);
    assert_string_equal(jsonx_get_str(resp, "type"), "batch-response");
    json_object *entries = jsonx_get(resp, "entry");
    assert_int_equal(json_object_array_length(entries), 2);
    json_object *e0 = json_object_array_get_idx(entries, 0);
    assert_string_equal(jsonx_get_str(jsonx_get(e0, "response"), "location"), "Patient/pa");
    json_object *e1 = json_object_array_get_idx(entries, 1);
    assert_string_equal(jsonx_get_str(jsonx_get(e1, "response"), "status"), "201 Created");
    json_object *res = jsonx_get(e1, "resource");
    assert_string_equal(jsonx_get_str(jsonx_get(res, "subject"), "reference"), "Patient/pa");
    char id[STORE_ID_MAX];
    snprintf(id, sizeof id, "%s", jsonx_get_str(res, "id"));
    json_object_put(resp);
    /* stored in A's compartment: A's token finds it, with subject and performer A */
    assert_int_equal(count_type(f, "Patient"), before); /* the Patient entry was not stored */
    char path[128];
    snprintf(path, sizeof path, "/fhir/Observation/%s", id);
    struct http_reply rep;
    assert_int_equal(get(f, "read", path, &f->a, NULL, &rep), 200);
    json_object *stored_obs = parse(body(&rep));
    assert_string_equal(jsonx_get_str(jsonx_get(stored_obs, "subject"), "reference"), "Patient/pa");
    json_object *perf = json_object_array_get_idx(jsonx_get(stored_obs, "performer"), 0);
    assert_string_equal(jsonx_get_str(perf, "reference"), "Patient/pa");
    assert_null(strstr(body(&rep), "999999990"));
    json_object_put(stored_obs);
    done_reply(&rep);
    assert_int_equal(get(f, "read", path, &f->b, NULL, &rep), 404);
    done_reply(&rep);
}

static void share_rewrites_any_patient_reference(void **state)
{
    struct afx *f = *state;
    /* a PGO that wrote B's id (or a BSN lookup) still stores for the token's patient */
    const char *texts[] = {
        SHARE_HEAD SHARE_OBS("Patient/pb") "]}",
        SHARE_HEAD SHARE_OBS("http://elsewhere.example/fhir/Patient/pb") "]}",
        SHARE_HEAD SHARE_OBS(
            "Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999999990") "]}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_object *resp = NULL;
        size_t stored = 0;
        struct rg_fail fail = {0};
        assert_int_equal(rest_share_run(f->rc, &f->a, texts[i], strlen(texts[i]), 64,
                                        REST_RETURN_REPRESENTATION, &resp, &stored, &fail),
                         RG_OK);
        assert_int_equal(stored, 1);
        json_object *res =
            jsonx_get(json_object_array_get_idx(jsonx_get(resp, "entry"), 0), "resource");
        assert_string_equal(jsonx_get_str(jsonx_get(res, "subject"), "reference"), "Patient/pa");
        json_object_put(resp);
    }
}

static void share_refusals(void **state)
{
    struct afx *f = *state;
    static const char *const texts[] = {
        /* a Condition when only Observation may be shared */
        SHARE_HEAD SHARE_PATIENT "," SHARE_OBS(
            "urn:uuid:11111111-1111-4111-8111-111111111111") ",{\"resource\":{\"resourceType\":"
                                                             "\"Condition\",\"subject\":{"
                                                             "\"reference\":"
                                                             "\"urn:uuid:11111111-1111-4111-8111-"
                                                             "111111111111\"}},\"request\":{"
                                                             "\"method\":\"POST\","
                                                             "\"url\":\"Condition\"}}]}",
        /* a transaction */
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" SHARE_OBS(
            "Patient/pa") "]}",
        /* a PUT */
        SHARE_HEAD "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"oa1\",\"status\":"
                   "\"final\",\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":"
                   "\"Patient/pa\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Observation/"
                   "oa1\"}}]}",
        /* a GET of B's data inside the batch */
        SHARE_HEAD "{\"request\":{\"method\":\"GET\",\"url\":\"Observation/ob1\"}}]}",
        /* a conditional create (would search every patient) */
        SHARE_HEAD "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
                   "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"Patient/pa\"}},"
                   "\"request\":{\"method\":\"POST\",\"url\":\"Observation\",\"ifNoneExist\":"
                   "\"identifier=x|1\"}}]}",
        /* an Observation that names no patient */
        SHARE_HEAD "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
                   "\"code\":{\"text\":\"x\"}},\"request\":{\"method\":\"POST\",\"url\":"
                   "\"Observation\"}}]}",
        /* a Patient that is not the first entry */
        SHARE_HEAD SHARE_OBS("Patient/pa") "," SHARE_PATIENT "]}",
    };
    long before = count_type(f, "Observation"), conditions = count_type(f, "Condition");
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_object *resp = NULL;
        size_t stored = 0;
        struct rg_fail fail = {0};
        enum rg_err e = rest_share_run(f->rc, &f->a, texts[i], strlen(texts[i]), 64,
                                       REST_RETURN_REPRESENTATION, &resp, &stored, &fail);
        if (e != RG_E_FORBIDDEN) fail_msg("share %zu: %s (%s)", i, rg_err_name(e), fail.detail);
        assert_null(resp);
    }
    /* a token that may not share */
    struct rest_access ro = f->a;
    ro.may_share = false;
    const char *ok = SHARE_HEAD SHARE_OBS("Patient/pa") "]}";
    json_object *resp = NULL;
    size_t stored = 0;
    struct rg_fail fail = {0};
    assert_int_equal(rest_share_run(f->rc, &ro, ok, strlen(ok), 64, REST_RETURN_REPRESENTATION,
                                    &resp, &stored, &fail),
                     RG_E_FORBIDDEN);
    assert_int_equal(count_type(f, "Observation"), before);
    assert_int_equal(count_type(f, "Condition"), conditions);
}

/* ---------------------------------------------------------------------------------------------
 * audit */

/* An entry read back, copied (a struct audit_line points into itself). */
struct got {
    char actor[130], client[256], token[82], patient[66], action[16], what[520], purpose[66];
    int outcome;
};

struct seen {
    size_t n;
    struct got last[16];
};

static int collect(const struct audit_line *l, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 16) {
        struct got *g = &s->last[s->n];
        const struct audit_entry *e = &l->e;
        snprintf(g->actor, sizeof g->actor, "%s", e->actor ? e->actor : "");
        snprintf(g->client, sizeof g->client, "%s", e->client ? e->client : "");
        snprintf(g->token, sizeof g->token, "%s", e->token ? e->token : "");
        snprintf(g->patient, sizeof g->patient, "%s", e->patient ? e->patient : "");
        snprintf(g->action, sizeof g->action, "%s", e->action ? e->action : "");
        snprintf(g->what, sizeof g->what, "%s", e->what ? e->what : "");
        snprintf(g->purpose, sizeof g->purpose, "%s", e->purpose ? e->purpose : "");
        g->outcome = e->outcome;
    }
    s->n++;
    return 0;
}

static void audit_records_every_access(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(get(f, "read", "/fhir/Observation/oa1", &f->a, NULL, &rep), 200);
    done_reply(&rep);
    assert_int_equal(get(f, "read", "/fhir/Observation/ob1", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    const char *q[] = {"code", "http://loinc.org|29463-7", "_count", "5", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Observation", &f->a, q, &rep), 200);
    done_reply(&rep);
    const char *bsn[] = {"identifier", "http://fhir.nl/fhir/NamingSystem/bsn|999999990", NULL};
    assert_int_equal(get(f, "search-type", "/fhir/Patient", &f->a, bsn, &rep), 400);
    done_reply(&rep);
    struct seen s = {0};
    assert_int_equal(audit_read_patient(f->audit, "pa", collect, &s), 4);
    assert_int_equal(s.n, 4);
    const struct got *e = &s.last[0];
    assert_string_equal(e->actor, "user-a");
    assert_string_equal(e->client, "pgo.example.nl");
    assert_string_equal(e->token, "grant-a");
    assert_string_equal(e->patient, "pa");
    assert_string_equal(e->action, "read");
    assert_string_equal(e->what, "Observation/oa1");
    assert_int_equal(e->outcome, 200);
    assert_string_equal(e->purpose, "medmij-collect");
    e = &s.last[1];
    assert_string_equal(e->what, "Observation/ob1");
    assert_int_equal(e->outcome, 404);
    e = &s.last[2];
    assert_string_equal(e->action, "search");
    assert_string_equal(e->what, "Observation?code,_count (1 matches, 0 included)");
    e = &s.last[3];
    assert_string_equal(e->what, "Patient?identifier");
    assert_int_equal(e->outcome, 400);
    /* unrestricted: who is anonymous-dev, the patient is the resource's */
    assert_int_equal(get(f, "read", "/fhir/Observation/ob1", NULL, NULL, &rep), 200);
    done_reply(&rep);
    struct seen sb = {0};
    assert_int_equal(audit_read_patient(f->audit, "pb", collect, &sb), 1);
    assert_string_equal(sb.last[0].actor, "anonymous-dev");
    assert_string_equal(sb.last[0].action, "read");
    /* the log holds no BSN, no BSN system and no query value; the chain verifies */
    char *text = slurp(f->audit_path);
    assert_null(strstr(text, "999999990"));
    assert_null(strstr(text, "NamingSystem"));
    assert_null(strstr(text, "29463"));
    free(text);
    struct audit_report r;
    assert_int_equal(audit_verify(f->audit_path, NULL, 0, &r), 0);
    assert_true(r.ok);
    assert_int_equal(r.entries, 5);
}

static void audit_withholds_a_bsn_like_id(void **state)
{
    struct afx *f = *state;
    struct http_reply rep;
    assert_int_equal(get(f, "read", "/fhir/Observation/123456782", &f->a, NULL, &rep), 404);
    done_reply(&rep);
    struct seen s = {0};
    assert_int_equal(audit_read_patient(f->audit, "pa", collect, &s), 1);
    assert_string_equal(s.last[0].what, "Observation (id withheld)");
    char *text = slurp(f->audit_path);
    assert_null(strstr(text, "123456782"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_other_patient_is_404, asetup, ateardown),
        cmocka_unit_test_setup_teardown(type_outside_service_is_404_on_read, asetup, ateardown),
        cmocka_unit_test_setup_teardown(deleted_resource_is_404, asetup, ateardown),
        cmocka_unit_test_setup_teardown(search_without_patient_returns_only_own, asetup, ateardown),
        cmocka_unit_test_setup_teardown(patient_search_is_the_token_patient, asetup, ateardown),
        cmocka_unit_test_setup_teardown(patient_selecting_params_are_400, asetup, ateardown),
        cmocka_unit_test_setup_teardown(type_outside_service_is_403, asetup, ateardown),
        cmocka_unit_test_setup_teardown(other_levels_are_refused, asetup, ateardown),
        cmocka_unit_test_setup_teardown(own_compartment_lastn_and_everything, asetup, ateardown),
        cmocka_unit_test_setup_teardown(includes_are_filtered, asetup, ateardown),
        cmocka_unit_test_setup_teardown(bgz_searches_pass, asetup, ateardown),
        cmocka_unit_test_setup_teardown(binary_follows_its_security_context, asetup, ateardown),
        cmocka_unit_test_setup_teardown(writes_other_than_share_are_403, asetup, ateardown),
        cmocka_unit_test_setup_teardown(share_batch_stores_for_the_token_patient, asetup,
                                        ateardown),
        cmocka_unit_test_setup_teardown(share_rewrites_any_patient_reference, asetup, ateardown),
        cmocka_unit_test_setup_teardown(share_refusals, asetup, ateardown),
        cmocka_unit_test_setup_teardown(audit_records_every_access, asetup, ateardown),
        cmocka_unit_test_setup_teardown(audit_withholds_a_bsn_like_id, asetup, ateardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
