/* The search parser and the index extraction normalise the two sides of a comparison alike: a
 * value parsed from a URL lines up with the row search_index_extract makes of the same data
 * (strings, dates, UCUM quantities, :text and :of-type rows, references, composites). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/jsonx.h"
#include "search_test.h"

static const char patient_json[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\","
    "\"identifier\":[{\"system\":\"http://x/mrn\",\"value\":\"446053\",\"type\":{\"coding\":[{"
    "\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\",\"code\":\"MR\"}]}}],"
    "\"name\":[{\"family\":\"Zo\xc3\xab\",\"given\":[\"\xc3\x89mile\"]}],"
    "\"birthDate\":\"1974-12-25\","
    "\"managingOrganization\":{\"reference\":\"http://other.example/fhir/Organization/o9\"}}";

static const char obs_json[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\",\"display\":"
    "\"Systolic blood pressure\"}]},"
    "\"subject\":{\"reference\":\"Patient/p1\"},"
    "\"effectiveDateTime\":\"2013-03-14T10:00:00+01:00\","
    "\"valueQuantity\":{\"value\":120,\"unit\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\","
    "\"code\":\"mm[Hg]\"}}";

static struct search_rows rows;

static void extract(const char *type, const char *json)
{
    enum jsonx_err err;
    json_object *r = jsonx_parse(json, strlen(json), 64, &err, NULL, 0);
    assert_non_null(r);
    search_rows_clear(&rows);
    memset(&rows, 0, sizeof rows);
    char msg[256];
    assert_int_equal(search_index_extract(type, r, &rows, msg, sizeof msg), 0);
    json_object_put(r);
}

/* The skip-th row of param, or NULL. */
static const struct store_ix *row(const char *param, size_t skip)
{
    for (size_t i = 0; i < rows.n; i++)
        if (!strcmp(rows.rows[i].param, param) && skip-- == 0) return &rows.rows[i];
    return NULL;
}

static bool starts(const char *s, const char *prefix)
{
    return s && !strncmp(s, prefix, strlen(prefix));
}

static void strings_and_tokens(void **state)
{
    extract("Patient", patient_json);
    /* a prefix of the normalised family name */
    assert_int_equal(parse_q("Patient", "family=ZO%C3%8B", SEARCH_STRICT), RG_OK);
    assert_true(starts(row("family", 0)->text, S.q.clauses[0].values[0].text));
    assert_int_equal(parse_q("Patient", "given:exact=%C3%89mile", SEARCH_STRICT), RG_OK);
    assert_string_equal(row("given", 0)->exact, S.q.clauses[0].values[0].text);
    /* :of-type against the identifier's derived row */
    assert_int_equal(parse_q("Patient",
                             "identifier:of-type=http://terminology.hl7.org/CodeSystem/"
                             "v2-0203%7CMR%7C446053",
                             SEARCH_STRICT),
                     RG_OK);
    const struct store_ix *r = row(S.q.clauses[0].param, 0);
    assert_non_null(r);
    assert_string_equal(r->system, S.q.clauses[0].values[0].system);
    assert_string_equal(r->code, S.q.clauses[0].values[0].code);
    /* a date inside the searched day */
    assert_int_equal(parse_q("Patient", "birthdate=1974-12", SEARCH_STRICT), RG_OK);
    r = row("birthdate", 0);
    assert_true(S.q.clauses[0].values[0].lo <= r->lo && r->hi <= S.q.clauses[0].values[0].hi);
    /* an absolute reference that is not ours: the text value is the row's text */
    assert_int_equal(
        parse_q("Patient", "organization=http://other.example/fhir/Organization/o9", SEARCH_STRICT),
        RG_OK);
    r = row("organization", 0);
    assert_non_null(r->text);
    assert_string_equal(r->text, S.q.clauses[0].values[0].text);
}

static void observation_values(void **state)
{
    extract("Observation", obs_json);
    assert_int_equal(parse_q("Observation", "code:text=systolic%20BLOOD", SEARCH_STRICT), RG_OK);
    const struct store_ix *r = row("code:text", 0);
    assert_non_null(r);
    assert_int_equal(r->kind, STORE_IX_STRING);
    assert_true(starts(r->text, S.q.clauses[0].values[0].text));

    assert_int_equal(parse_q("Observation", "subject=Patient/p1", SEARCH_STRICT), RG_OK);
    r = row("subject", 0);
    assert_string_equal(r->ref_type, S.q.clauses[0].values[0].ref_type);
    assert_string_equal(r->ref_id, S.q.clauses[0].values[0].ref_id);

    /* the day in UTC holds 09:00Z */
    assert_int_equal(parse_q("Observation", "date=2013-03-14T09:00:00Z", SEARCH_STRICT), RG_OK);
    r = row("date", 0);
    assert_int_equal(r->lo, S.q.clauses[0].values[0].lo);

    /* the same quantity in canonical units, in the value's precision range */
    assert_int_equal(parse_q("Observation",
                             "value-quantity=120%7Chttp://unitsofmeasure.org%7Cmm%5BHg%5D",
                             SEARCH_STRICT),
                     RG_OK);
    const struct store_value *v = &S.q.clauses[0].values[0];
    r = row("value-quantity", 0);
    assert_true(v->canon);
    assert_non_null(r->canon_code);
    assert_string_equal(r->canon_code, v->code);
    assert_true(v->lo_num <= r->canon && r->canon < v->hi_num);

    /* the composite's two parts */
    assert_int_equal(
        parse_q("Observation",
                "code-value-quantity=http://loinc.org%7C8480-6$ge119.5%7C%7Cmm%5BHg%5D",
                SEARCH_STRICT),
        RG_OK);
    v = &S.q.clauses[0].values[0];
    r = row("code-value-quantity", 0);
    assert_non_null(r);
    assert_int_equal(r->v_kind, STORE_IX_QUANTITY);
    assert_string_equal(r->system, v->system);
    assert_string_equal(r->code, v->code);
    assert_string_equal(r->v_canon_code, v->v->code);
    assert_true(r->v_canon >= v->v->num);
    search_rows_clear(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_and_tokens),
        cmocka_unit_test(observation_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
