/* Collected copies' ids and references: deterministic, distinct per input, and references
 * rewritten to them wherever they sit in a resource. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
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

static void local_id_is_deterministic(void **state)
{
    (void)state;
    char a[UUID_STR_LEN], b[UUID_STR_LEN], c[UUID_STR_LEN];
    assert_int_equal(pgo_local_id("u1", "huisartsdelinde@medmij", "Condition", "c1", a), 0);
    assert_int_equal(pgo_local_id("u1", "huisartsdelinde@medmij", "Condition", "c1", b), 0);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '5'); /* version 5 */
    assert_non_null(strchr("89ab", a[19]));
    /* Any input changes it. */
    pgo_local_id("u2", "huisartsdelinde@medmij", "Condition", "c1", c);
    assert_string_not_equal(a, c);
    pgo_local_id("u1", "ziekenhuisoost@medmij", "Condition", "c1", c);
    assert_string_not_equal(a, c);
    pgo_local_id("u1", "huisartsdelinde@medmij", "Observation", "c1", c);
    assert_string_not_equal(a, c);
    pgo_local_id("u1", "huisartsdelinde@medmij", "Condition", "c2", c);
    assert_string_not_equal(a, c);
    /* Separators keep fields apart: ("a\nb", "c") differs from ("a", "b\nc"). */
    pgo_local_id("a", "bc", "Patient", "1", b);
    pgo_local_id("ab", "c", "Patient", "1", c);
    assert_string_not_equal(b, c);
}

static void rewrite_references(void **state)
{
    (void)state;
    json_object *r =
        parse("{\"resourceType\":\"Observation\",\"id\":\"o1\","
              "\"subject\":{\"reference\":\"Patient/p1\",\"display\":\"x\"},"
              "\"performer\":[{\"reference\":\"https://dva.test/fhir/Practitioner/pr1\"},"
              "{\"reference\":\"https://other.test/fhir/Practitioner/pr1\"},"
              "{\"reference\":\"#c1\"},{\"reference\":\"urn:uuid:1234\"}],"
              "\"hasMember\":[{\"reference\":\"Observation/o2/_history/3\"}],"
              "\"derivedFrom\":[{\"reference\":\"Nope/x\"},{\"reference\":\"Observation/bad id\"}],"
              "\"extension\":[{\"url\":\"u\",\"valueReference\":{\"reference\":\"Encounter/e1\"}}],"
              "\"contained\":[{\"resourceType\":\"Specimen\",\"id\":\"c1\","
              "\"subject\":{\"reference\":\"Patient/p1\"}}]}");
    size_t n = pgo_rewrite_references(r, "https://dva.test/fhir/", "u1", "gp@medmij");
    assert_int_equal(n, 5);
    char p1[UUID_STR_LEN], pr1[UUID_STR_LEN], o2[UUID_STR_LEN], e1[UUID_STR_LEN], want[128];
    pgo_local_id("u1", "gp@medmij", "Patient", "p1", p1);
    pgo_local_id("u1", "gp@medmij", "Practitioner", "pr1", pr1);
    pgo_local_id("u1", "gp@medmij", "Observation", "o2", o2);
    pgo_local_id("u1", "gp@medmij", "Encounter", "e1", e1);
    snprintf(want, sizeof want, "Patient/%s", p1);
    assert_string_equal(jsonx_get_str(jsonx_get(r, "subject"), "reference"), want);
    assert_string_equal(jsonx_get_str(jsonx_get(r, "subject"), "display"), "x");
    json_object *perf = jsonx_get(r, "performer");
    snprintf(want, sizeof want, "Practitioner/%s", pr1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(perf, 0), "reference"), want);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(perf, 1), "reference"),
                        "https://other.test/fhir/Practitioner/pr1");
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(perf, 2), "reference"), "#c1");
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(perf, 3), "reference"),
                        "urn:uuid:1234");
    snprintf(want, sizeof want, "Observation/%s", o2);
    assert_string_equal(
        jsonx_get_str(json_object_array_get_idx(jsonx_get(r, "hasMember"), 0), "reference"), want);
    json_object *df = jsonx_get(r, "derivedFrom");
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(df, 0), "reference"), "Nope/x");
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(df, 1), "reference"),
                        "Observation/bad id");
    snprintf(want, sizeof want, "Encounter/%s", e1);
    assert_string_equal(
        jsonx_get_str(
            jsonx_get(json_object_array_get_idx(jsonx_get(r, "extension"), 0), "valueReference"),
            "reference"),
        want);
    snprintf(want, sizeof want, "Patient/%s", p1);
    json_object *spec = json_object_array_get_idx(jsonx_get(r, "contained"), 0);
    assert_string_equal(jsonx_get_str(jsonx_get(spec, "subject"), "reference"), want);
    assert_string_equal(jsonx_get_str(spec, "id"), "c1"); /* ids are not references */
    /* Rewriting again leaves local references where they are (same type, new id of an id): the
     * collector rewrites each copy once; here we only check it stays well-formed. */
    json_object_put(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(local_id_is_deterministic),
        cmocka_unit_test(rewrite_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
