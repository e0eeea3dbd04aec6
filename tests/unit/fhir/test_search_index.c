/* Search index extraction on hand-written resources: the rows a Patient, an Observation (two
 * codings, subject, effectiveDateTime, 72 kg, blood pressure components) and an Encounter (an open
 * period) give, per docs/search.md's table; de-duplication; strings owned by the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/search_index.h"
#include "json/jsonx.h"

#define US_PER_DAY (86400LL * 1000000LL)

static const char patient_json[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":true,"
    "\"identifier\":[{\"system\":\"http://fhir.nl/fhir/NamingSystem/bsn\",\"value\":\"999911120\","
    "\"type\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0203\","
    "\"code\":\"NNNLD\"}]}},{\"value\":\"local-7\"}],"
    "\"name\":[{\"family\":\"Zo\xc3\xab\",\"given\":[\"\xc3\x89mile\",\"Jan\"],\"prefix\":[\"Dr\"],"
    "\"text\":\"Dr \xc3\x89mile Jan Zo\xc3\xab\"},{\"family\":\"Zo\xc3\xab\"}],"
    "\"telecom\":[{\"system\":\"phone\",\"value\":\"+31 20 555\"},"
    "{\"system\":\"email\",\"value\":\"e@x.nl\"}],"
    "\"gender\":\"male\",\"birthDate\":\"1974-12-25\","
    "\"address\":[{\"line\":[\"Damstraat 1\"],\"city\":\"Amsterdam\",\"postalCode\":\"1012 JS\","
    "\"country\":\"NL\"}],"
    "\"generalPractitioner\":[{\"reference\":\"Practitioner/gp1\"},{\"reference\":\"#c1\"}],"
    "\"managingOrganization\":{\"reference\":\"http://other.example/fhir/Organization/o9\"}}";

static const char obs_json[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
    "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
    "observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\",\"display\":"
    "\"Body weight\"},{\"system\":\"http://snomed.info/sct\",\"code\":\"27113001\"}],"
    "\"text\":\"Weight\"},"
    "\"subject\":{\"reference\":\"Patient/p1\"},"
    "\"effectiveDateTime\":\"2024-03-01T10:00:00Z\","
    "\"valueQuantity\":{\"value\":72,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\","
    "\"code\":\"kg\"},"
    "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
    "\"valueQuantity\":{\"value\":120,\"system\":\"http://unitsofmeasure.org\",\"code\":"
    "\"mm[Hg]\"}},{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
    "\"valueQuantity\":{\"value\":80,\"system\":\"http://unitsofmeasure.org\",\"code\":"
    "\"mm[Hg]\"}}]}";

static const char enc_json[] =
    "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"status\":\"in-progress\","
    "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},"
    "\"subject\":{\"reference\":\"Patient/p1\"},"
    "\"period\":{\"start\":\"2024-03-01\"}}";

static json_object *parse(const char *s)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse(s, strlen(s), 64, &err, NULL, 0);
    assert_non_null(v);
    return v;
}

/* Extracts and frees the resource right away: the rows must own their strings. */
static void extract(const char *type, const char *json, struct search_rows *rows)
{
    json_object *res = parse(json);
    char err[256] = "";
    memset(rows, 0, sizeof(*rows));
    int rc = search_index_extract(type, res, rows, err, sizeof(err));
    json_object_put(res);
    if (rc != 0) fail_msg("extract %s: %s", type, err);
}

static bool eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static size_t count(const struct search_rows *r, enum store_ix_kind kind, const char *param)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind == kind && eq(r->rows[i].param, param)) n++;
    return n;
}

static const struct store_ix *string_row(const struct search_rows *r, const char *param,
                                         const char *exact)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind == STORE_IX_STRING && eq(r->rows[i].param, param) &&
            eq(r->rows[i].exact, exact))
            return &r->rows[i];
    return NULL;
}

static bool has_token(const struct search_rows *r, const char *param, const char *system,
                      const char *code)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind == STORE_IX_TOKEN && eq(r->rows[i].param, param) &&
            eq(r->rows[i].system, system) && eq(r->rows[i].code, code))
            return true;
    return false;
}

static const struct store_ix *ref_row(const struct search_rows *r, const char *param,
                                      const char *type, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind == STORE_IX_REF && eq(r->rows[i].param, param) &&
            eq(r->rows[i].ref_type, type) && eq(r->rows[i].ref_id, id))
            return &r->rows[i];
    return NULL;
}

static const struct store_ix *first(const struct search_rows *r, enum store_ix_kind kind,
                                    const char *param)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind == kind && eq(r->rows[i].param, param)) return &r->rows[i];
    return NULL;
}

static void patient_rows(void **state)
{
    (void)state;
    struct search_rows r;
    extract("Patient", patient_json, &r);
    /* HumanName: each part and the text; the second name's family is a duplicate */
    const struct store_ix *s = string_row(&r, "name", "\xc3\x89mile");
    assert_non_null(s);
    assert_string_equal(s->text, "emile");
    assert_non_null(string_row(&r, "name", "Jan"));
    assert_non_null(string_row(&r, "name", "Dr"));
    assert_non_null(string_row(&r, "name", "Dr \xc3\x89mile Jan Zo\xc3\xab"));
    assert_int_equal(count(&r, STORE_IX_STRING, "name"), 5);
    assert_int_equal(count(&r, STORE_IX_STRING, "family"), 1);
    assert_string_equal(string_row(&r, "family", "Zo\xc3\xab")->text, "zoe");
    assert_non_null(string_row(&r, "given", "Jan"));
    /* Address */
    assert_non_null(string_row(&r, "address", "Damstraat 1"));
    assert_non_null(string_row(&r, "address", "Amsterdam"));
    assert_non_null(string_row(&r, "address-city", "Amsterdam"));
    assert_non_null(string_row(&r, "address-postalcode", "1012 JS"));
    assert_non_null(string_row(&r, "address-country", "NL"));
    /* Identifier with type, and without system */
    assert_true(has_token(&r, "identifier", "http://fhir.nl/fhir/NamingSystem/bsn", "999911120"));
    assert_true(has_token(&r, "identifier", "", "local-7"));
    assert_true(has_token(&r, "identifier:of-type", "http://terminology.hl7.org/CodeSystem/v2-0203",
                          "NNNLD|999911120"));
    /* ContactPoint values, code and boolean primitives */
    assert_true(has_token(&r, "telecom", "", "+31 20 555"));
    assert_true(has_token(&r, "phone", "", "+31 20 555"));
    assert_true(has_token(&r, "email", "", "e@x.nl"));
    assert_false(has_token(&r, "phone", "", "e@x.nl"));
    assert_true(has_token(&r, "gender", "", "male"));
    assert_true(has_token(&r, "active", "", "true"));
    assert_int_equal(count(&r, STORE_IX_TOKEN, "_id"), 0); /* the store searches ids itself */
    /* date */
    const struct store_ix *d = first(&r, STORE_IX_DATE, "birthdate");
    assert_non_null(d);
    assert_int_equal(d->lo, (1461 + 358) * US_PER_DAY); /* 1974-12-25 */
    assert_int_equal(d->hi - d->lo, US_PER_DAY);
    /* references: relative split, absolute kept and split, contained skipped */
    assert_non_null(ref_row(&r, "general-practitioner", "Practitioner", "gp1"));
    assert_int_equal(count(&r, STORE_IX_REF, "general-practitioner"), 1);
    const struct store_ix *o = ref_row(&r, "organization", "Organization", "o9");
    assert_non_null(o);
    assert_string_equal(o->text, "http://other.example/fhir/Organization/o9");
    search_rows_clear(&r);
    assert_int_equal(r.n, 0);
    assert_null(r.rows);
}

static void observation_rows(void **state)
{
    (void)state;
    struct search_rows r;
    extract("Observation", obs_json, &r);
    assert_true(has_token(&r, "code", "http://loinc.org", "29463-7"));
    assert_true(has_token(&r, "code", "http://snomed.info/sct", "27113001"));
    assert_int_equal(count(&r, STORE_IX_TOKEN, "code"), 2);
    assert_non_null(string_row(&r, "code:text", "Body weight"));
    assert_non_null(string_row(&r, "code:text", "Weight"));
    assert_true(has_token(&r, "status", "", "final"));
    assert_true(has_token(&r, "category",
                          "http://terminology.hl7.org/CodeSystem/observation-category",
                          "vital-signs"));
    assert_non_null(ref_row(&r, "subject", "Patient", "p1"));
    assert_non_null(ref_row(&r, "patient", "Patient", "p1"));
    const struct store_ix *d = first(&r, STORE_IX_DATE, "date");
    assert_non_null(d);
    assert_int_equal(d->hi - d->lo, 1000000);
    const struct store_ix *q = first(&r, STORE_IX_QUANTITY, "value-quantity");
    assert_non_null(q);
    assert_float_equal(q->num, 72, 1e-9);
    assert_string_equal(q->code, "kg");
    assert_string_equal(q->system, "http://unitsofmeasure.org");
    assert_float_equal(q->canon, 72000, 1e-6);
    assert_string_equal(q->canon_code, "g");
    /* components */
    assert_true(has_token(&r, "component-code", "http://loinc.org", "8480-6"));
    assert_int_equal(count(&r, STORE_IX_QUANTITY, "component-value-quantity"), 2);
    assert_int_equal(count(&r, STORE_IX_TOKEN, "combo-code"), 4);
    /* composites pair a code with the value of the same item, never across items */
    assert_int_equal(count(&r, STORE_IX_COMPOSITE, "component-code-value-quantity"), 2);
    bool systolic = false;
    for (size_t i = 0; i < r.n; i++) {
        const struct store_ix *x = &r.rows[i];
        if (x->kind != STORE_IX_COMPOSITE || strcmp(x->param, "component-code-value-quantity"))
            continue;
        assert_int_equal(x->v_kind, STORE_IX_QUANTITY);
        if (strcmp(x->code, "8480-6") == 0) {
            systolic = true;
            assert_float_equal(x->v_num, 120, 1e-9);
            assert_float_equal(x->v_canon, 120 * 133322.0, 1e-3);
            assert_string_equal(x->v_canon_code, "g/(m.s2)");
        } else {
            assert_string_equal(x->code, "8462-4");
            assert_float_equal(x->v_num, 80, 1e-9);
        }
    }
    assert_true(systolic);
    /* code-value-quantity: the Observation's two codings with its own value */
    assert_int_equal(count(&r, STORE_IX_COMPOSITE, "code-value-quantity"), 2);
    /* combo: the Observation and each component */
    assert_int_equal(count(&r, STORE_IX_COMPOSITE, "combo-code-value-quantity"), 4);
    search_rows_clear(&r);
}

static void encounter_open_period(void **state)
{
    (void)state;
    struct search_rows r;
    extract("Encounter", enc_json, &r);
    const struct store_ix *d = first(&r, STORE_IX_DATE, "date");
    assert_non_null(d);
    int64_t lo, hi;
    assert_true(search_date_range("2024-03-01", 10, &lo, &hi));
    assert_int_equal(d->lo, lo);
    assert_int_equal(d->hi, INT64_MAX);
    assert_true(has_token(&r, "class", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP"));
    assert_non_null(ref_row(&r, "patient", "Patient", "p1"));
    search_rows_clear(&r);
}

static void more_value_types(void **state)
{
    (void)state;
    struct search_rows r;
    /* canonical reference kept as text; versioned relative reference split; urn kept as text */
    extract("QuestionnaireResponse",
            "{\"resourceType\":\"QuestionnaireResponse\",\"status\":\"completed\","
            "\"questionnaire\":\"http://x.org/Questionnaire/q1|2.0\","
            "\"subject\":{\"reference\":\"Patient/p1/_history/3\"},"
            "\"author\":{\"reference\":\"urn:uuid:0c1f\"}}",
            &r);
    const struct store_ix *q = first(&r, STORE_IX_REF, "questionnaire");
    assert_non_null(q);
    assert_string_equal(q->text, "http://x.org/Questionnaire/q1|2.0");
    assert_null(q->ref_type);
    assert_non_null(ref_row(&r, "subject", "Patient", "p1"));
    const struct store_ix *a = first(&r, STORE_IX_REF, "author");
    assert_non_null(a);
    assert_string_equal(a->text, "urn:uuid:0c1f");
    assert_null(a->ref_id);
    search_rows_clear(&r);
    /* Money: value and currency, no canonical form */
    extract("Invoice",
            "{\"resourceType\":\"Invoice\",\"status\":\"issued\",\"totalGross\":{\"value\":"
            "12.5,\"currency\":\"EUR\"}}",
            &r);
    q = first(&r, STORE_IX_QUANTITY, "totalgross");
    assert_non_null(q);
    assert_float_equal(q->num, 12.5, 1e-12);
    assert_string_equal(q->code, "EUR");
    assert_null(q->canon_code);
    search_rows_clear(&r);
    /* Timing: one range per event */
    extract("CarePlan",
            "{\"resourceType\":\"CarePlan\",\"status\":\"active\",\"intent\":\"plan\","
            "\"subject\":{\"reference\":\"Patient/p1\"},\"activity\":[{\"detail\":{\"status\":"
            "\"scheduled\",\"scheduledTiming\":{\"event\":[\"2024-01-01\",\"2024-02\"]}}}]}",
            &r);
    assert_int_equal(count(&r, STORE_IX_DATE, "activity-date"), 2);
    search_rows_clear(&r);
    /* a choice element found through its variant (valueString), and a composite with a string */
    extract("Observation",
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{"
            "\"system\":\"http://loinc.org\",\"code\":\"x-1\"}]},\"valueString\":\"High \u00c9\"}",
            &r);
    assert_string_equal(string_row(&r, "value-string", "High \u00c9")->text, "high e");
    const struct store_ix *c = first(&r, STORE_IX_COMPOSITE, "code-value-string");
    assert_non_null(c);
    assert_string_equal(c->code, "x-1");
    assert_int_equal(c->v_kind, STORE_IX_STRING);
    assert_string_equal(c->v_text, "high e");
    assert_int_equal(count(&r, STORE_IX_QUANTITY, "value-quantity"), 0);
    search_rows_clear(&r);
}

static void unknown_type_gives_nothing(void **state)
{
    (void)state;
    struct search_rows r;
    extract("NoSuchType", "{\"resourceType\":\"NoSuchType\"}", &r);
    assert_int_equal(r.n, 0);
    search_rows_clear(&r);
    search_rows_clear(NULL);
}

static void long_values_are_cut(void **state)
{
    (void)state;
    size_t len = SEARCH_IX_VALUE_MAX * 2;
    char *json = malloc(len + 128);
    assert_non_null(json);
    int n = snprintf(json, 128, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"");
    memset(json + n, 'a', len);
    snprintf(json + n + len, 128, "\"}]}");
    struct search_rows r;
    extract("Patient", json, &r);
    free(json);
    const struct store_ix *s = first(&r, STORE_IX_STRING, "family");
    assert_non_null(s);
    assert_int_equal(strlen(s->exact), SEARCH_IX_VALUE_MAX);
    assert_int_equal(strlen(s->text), SEARCH_IX_VALUE_MAX);
    search_rows_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patient_rows),          cmocka_unit_test(observation_rows),
        cmocka_unit_test(encounter_open_period), cmocka_unit_test(unknown_type_gives_nothing),
        cmocka_unit_test(long_values_are_cut),   cmocka_unit_test(more_value_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
