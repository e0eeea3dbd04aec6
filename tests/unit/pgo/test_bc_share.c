/* The share Bundle (MedMij Delen) and the batch-response reader, without a network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "json/jsonx.h"
#include "pgo/backchannel.h"

static json_object *parse(const char *text)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
    assert_non_null(v);
    return v;
}

static const char *PATIENT =
    "{\"resourceType\":\"Patient\",\"id\":\"p-local\",\"meta\":{\"versionId\":\"3\"},"
    "\"text\":{\"status\":\"generated\",\"div\":\"<div>BSN 999911120</div>\"},"
    "\"identifier\":[{\"system\":\"http://fhir.nl/fhir/NamingSystem/bsn\",\"value\":\"999911120\"},"
    "{\"system\":\"urn:other\",\"value\":\"k1\"}],"
    "\"name\":[{\"family\":\"Jansen\"}],\"birthDate\":\"1970-01-01\"}";

static const char *OBSERVATIONS =
    "[{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"versionId\":\"2\","
    "\"source\":\"x\",\"profile\":[\"http://nictiz.nl/fhir/StructureDefinition/"
    "nl-core-BodyWeight\"],"
    "\"tag\":[{\"system\":\"urn:regie:pgo:vault-owner\",\"code\":\"u1\"}]},"
    "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://"
    "loinc.org\",\"code\":\"29463-7\"}]},"
    "\"subject\":{\"reference\":\"Patient/p-local\"},"
    "\"performer\":[{\"reference\":\"Practitioner/x\"}],"
    "\"valueQuantity\":{\"value\":80.5,\"unit\":\"kg\",\"system\":\"http://"
    "unitsofmeasure.org\",\"code\":\"kg\"}},"
    "{\"resourceType\":\"Observation\",\"status\":\"final\","
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}}]";

static void bundle_shape(void **state)
{
    (void)state;
    json_object *p = parse(PATIENT), *obs = parse(OBSERVATIONS);
    struct pgo_fail f;
    json_object *b = pgo_share_bundle(p, obs, &f);
    assert_non_null(b);
    assert_string_equal(jsonx_get_str(b, "resourceType"), "Bundle");
    assert_string_equal(jsonx_get_str(b, "type"), "batch");
    json_object *e = jsonx_get(b, "entry");
    assert_int_equal(json_object_array_length(e), 3);

    json_object *e0 = json_object_array_get_idx(e, 0);
    const char *purn = jsonx_get_str(e0, "fullUrl");
    assert_non_null(purn);
    assert_int_equal(strncmp(purn, "urn:uuid:", 9), 0);
    assert_int_equal(strlen(purn), 9 + 36);
    assert_string_equal(jsonx_get_str(jsonx_get(e0, "request"), "method"), "POST");
    assert_string_equal(jsonx_get_str(jsonx_get(e0, "request"), "url"), "Patient");
    json_object *pr = jsonx_get(e0, "resource");
    assert_null(jsonx_get(pr, "id"));
    assert_null(jsonx_get(pr, "meta"));
    assert_null(jsonx_get(pr, "text"));
    /* The BSN is masked, not sent; the other identifier stays. */
    const char *text = jsonx_text(b, false, NULL);
    assert_null(strstr(text, "999911120"));
    json_object *id0 = json_object_array_get_idx(jsonx_get(pr, "identifier"), 0);
    assert_null(jsonx_get(id0, "value"));
    json_object *ext =
        json_object_array_get_idx(jsonx_get(jsonx_get(id0, "_value"), "extension"), 0);
    assert_string_equal(jsonx_get_str(ext, "url"),
                        "http://hl7.org/fhir/StructureDefinition/data-absent-reason");
    assert_string_equal(jsonx_get_str(ext, "valueCode"), "masked");
    json_object *id1 = json_object_array_get_idx(jsonx_get(pr, "identifier"), 1);
    assert_string_equal(jsonx_get_str(id1, "value"), "k1");

    for (size_t i = 1; i < 3; i++) {
        json_object *ei = json_object_array_get_idx(e, i);
        const char *urn = jsonx_get_str(ei, "fullUrl");
        assert_int_equal(strncmp(urn, "urn:uuid:", 9), 0);
        assert_string_not_equal(urn, purn);
        assert_string_equal(jsonx_get_str(jsonx_get(ei, "request"), "method"), "POST");
        assert_string_equal(jsonx_get_str(jsonx_get(ei, "request"), "url"), "Observation");
        json_object *o = jsonx_get(ei, "resource");
        assert_null(jsonx_get(o, "id"));
        assert_string_equal(jsonx_get_str(jsonx_get(o, "subject"), "reference"), purn);
        json_object *perf = jsonx_get(o, "performer");
        assert_int_equal(json_object_array_length(perf), 1);
        assert_string_equal(jsonx_get_str(json_object_array_get_idx(perf, 0), "reference"), purn);
    }
    /* meta keeps the profile only. */
    json_object *m = jsonx_get(jsonx_get(json_object_array_get_idx(e, 1), "resource"), "meta");
    assert_non_null(jsonx_get(m, "profile"));
    assert_null(jsonx_get(m, "tag"));
    assert_null(jsonx_get(m, "source"));
    assert_null(jsonx_get(m, "versionId"));
    assert_null(jsonx_get(jsonx_get(json_object_array_get_idx(e, 2), "resource"), "meta"));
    /* The inputs are untouched. */
    assert_string_equal(jsonx_get_str(p, "id"), "p-local");
    json_object_put(b);
    json_object_put(p);
    json_object_put(obs);
}

static void bundle_refusals(void **state)
{
    (void)state;
    json_object *p = parse(PATIENT), *obs = parse(OBSERVATIONS);
    json_object *empty = parse("[]"), *wrong = parse("[{\"resourceType\":\"Condition\"}]");
    struct pgo_fail f;
    assert_null(pgo_share_bundle(obs, obs, &f));
    assert_int_equal(f.kind, PGO_FAIL_ARGS);
    assert_null(pgo_share_bundle(p, empty, &f));
    assert_null(pgo_share_bundle(p, wrong, &f));
    assert_null(pgo_share_bundle(p, NULL, &f));
    assert_null(pgo_share_bundle(NULL, obs, &f));
    json_object_put(p);
    json_object_put(obs);
    json_object_put(empty);
    json_object_put(wrong);
}

static int rparse(long status, const char *body, size_t n, struct pgo_share_result *r,
                  struct pgo_fail *f)
{
    return pgo_share_response_parse(status, body, strlen(body), n, r, f);
}

static void response_good(void **state)
{
    (void)state;
    struct pgo_share_result r;
    struct pgo_fail f;
    const char *body =
        "{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":["
        "{\"response\":{\"status\":\"200 OK\"}},"
        "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"41\"},"
        "\"response\":{\"status\":\"201 Created\",\"location\":\"Observation/41/_history/1\"}},"
        "{\"response\":{\"status\":\"422\",\"outcome\":{\"resourceType\":\"OperationOutcome\","
        "\"issue\":[{\"severity\":\"error\",\"code\":\"invalid\",\"diagnostics\":\"bad\\nunit\"}]}}"
        "}"
        "]}";
    assert_int_equal(rparse(200, body, 2, &r, &f), 0);
    assert_int_equal(r.http_status, 200);
    assert_int_equal(r.patient_status, 200);
    assert_int_equal(r.nentries, 2);
    assert_int_equal(r.ok, 1);
    assert_int_equal(r.failed, 1);
    assert_int_equal(r.entries[0].status, 201);
    assert_string_equal(r.entries[0].location, "Observation/41/_history/1");
    assert_string_equal(r.entries[0].resource_id, "41");
    assert_null(r.entries[0].error);
    assert_int_equal(r.entries[1].status, 422);
    assert_string_equal(r.entries[1].error, "badunit");
    assert_null(r.entries[1].location);
    pgo_share_result_free(&r);
}

static void response_bad(void **state)
{
    (void)state;
    struct pgo_share_result r;
    struct pgo_fail f;
    /* wrong count */
    assert_int_equal(rparse(200,
                            "{\"resourceType\":\"Bundle\",\"type\":\"batch-response\","
                            "\"entry\":[{\"response\":{\"status\":\"201\"}}]}",
                            1, &r, &f),
                     -1);
    assert_int_equal(f.kind, PGO_FAIL_PARSE);
    pgo_share_result_free(&r);
    /* not a batch-response */
    assert_int_equal(rparse(200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}", 0, &r, &f),
                     -1);
    assert_int_equal(f.kind, PGO_FAIL_PARSE);
    assert_int_equal(rparse(200, "garbage", 0, &r, &f), -1);
    assert_int_equal(f.kind, PGO_FAIL_PARSE);
    /* a refusal of the whole POST */
    assert_int_equal(rparse(403,
                            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
                            "\"error\",\"code\":\"forbidden\",\"diagnostics\":\"no share\"}]}",
                            1, &r, &f),
                     -1);
    assert_int_equal(f.kind, PGO_FAIL_HTTP);
    assert_int_equal(r.http_status, 403);
    assert_non_null(strstr(f.message, "no share"));
    /* odd statuses */
    assert_int_equal(rparse(200,
                            "{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":["
                            "{},{\"response\":{\"status\":\"20\"}},{\"response\":{\"status\":7}},"
                            "{\"response\":{\"status\":\"2011\"}},\"x\"]}",
                            4, &r, &f),
                     0);
    assert_int_equal(r.patient_status, 0);
    assert_int_equal(r.failed, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r.entries[i].status, 0);
        assert_string_equal(r.entries[i].error, "no status");
    }
    pgo_share_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_shape),
        cmocka_unit_test(bundle_refusals),
        cmocka_unit_test(response_good),
        cmocka_unit_test(response_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
