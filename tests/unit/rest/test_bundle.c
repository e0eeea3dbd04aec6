/* The Bundle engine over a real (non-durable) SQLite store: FHIR's processing order, all or
 * nothing for transactions, entry-by-entry for batches, responses in the original order, urn:uuid
 * and conditional references rewritten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rest_fixture.h"

/* Runs a Bundle; returns the code, with the response (or NULL) in *resp. */
static enum rg_err run(struct fx *f, const char *text, json_object **resp, struct rg_fail *fail)
{
    json_object *b = parse(text);
    memset(fail, 0, sizeof *fail);
    enum rg_err e = rest_bundle_run(f->rc, b, REST_RETURN_REPRESENTATION, resp, fail);
    json_object_put(b);
    return e;
}

static const char *status_of(json_object *resp, size_t i)
{
    json_object *e = json_object_array_get_idx(jsonx_get(resp, "entry"), i);
    return jsonx_get_str(jsonx_get(e, "response"), "status");
}

static json_object *resource_of(json_object *resp, size_t i)
{
    return jsonx_get(json_object_array_get_idx(jsonx_get(resp, "entry"), i), "resource");
}

static void put_seed(struct fx *f)
{
    json_object *p = parse("{\"resourceType\":\"Patient\",\"id\":\"seed\","
                           "\"identifier\":[{\"system\":\"urn:t\",\"value\":\"1\"}]}");
    struct rg_fail fail;
    assert_int_equal(rest_put_resource(f->rc, p, &fail), RG_OK);
    json_object_put(p);
}

/* DELETE runs before POST whatever the entry order: the conditional create below finds nothing
 * to match because the delete (a later entry) already ran. Responses keep the entry order. */
static void transaction_order(void **state)
{
    struct fx *f = *state;
    put_seed(f);
    json_object *resp = NULL;
    struct rg_fail fail;
    assert_int_equal(
        run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
            "{\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:t\","
            "\"value\":\"1\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
            "\"ifNoneExist\":\"identifier=urn:t|1\"}},"
            "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/seed\"}}]}",
            &resp, &fail),
        RG_OK);
    assert_string_equal(jsonx_get_str(resp, "type"), "transaction-response");
    assert_string_equal(status_of(resp, 0), "201 Created");
    assert_string_equal(status_of(resp, 1), "204 No Content");
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "seed", &row), STORE_OK);
    assert_true(row.deleted);
    store_row_clear(&row);
    json_object_put(resp);
}

static void transaction_all_or_nothing(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail fail;
    enum rg_err e =
        run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
            "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"keep-out\"},"
            "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/keep-out\"}},"
            "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p2\"},\"request\":{\"method\":"
            "\"PUT\",\"url\":\"Patient/p2\",\"ifMatch\":\"W/\\\"4\\\"\"}}]}",
            &resp, &fail);
    assert_int_equal(e, RG_E_VERSION_CONFLICT);
    assert_null(resp);
    assert_string_equal(fail.expression, "Bundle.entry[1]");
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "keep-out", &row), STORE_NONE);

    e = run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
            "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"keep-out\"},"
            "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/keep-out\"}},"
            "{\"resource\":{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}},"
            "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
            &resp, &fail);
    assert_int_equal(e, RG_E_REQUIRED);
    assert_string_equal(fail.expression, "Bundle.entry[1].resource.status");
    assert_int_equal(read_row(f, "Patient", "keep-out", &row), STORE_NONE);
}

static void transaction_references(void **state)
{
    struct fx *f = *state;
    put_seed(f);
    json_object *resp = NULL;
    struct rg_fail fail;
    assert_int_equal(
        run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
            "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":"
            "{\"text\":\"a\"},\"subject\":{\"reference\":\"urn:uuid:p\"},\"performer\":[{"
            "\"reference\":\"Patient?identifier=urn:t|1\"}]},"
            "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
            "{\"fullUrl\":\"urn:uuid:p\",\"resource\":{\"resourceType\":\"Patient\"},"
            "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}",
            &resp, &fail),
        RG_OK);
    const char *pid = jsonx_get_str(resource_of(resp, 1), "id");
    assert_non_null(pid);
    char want[128];
    snprintf(want, sizeof want, "Patient/%s", pid);
    json_object *obs = resource_of(resp, 0);
    assert_string_equal(jsonx_get_str(jsonx_get(obs, "subject"), "reference"), want);
    json_object *perf = json_object_array_get_idx(jsonx_get(obs, "performer"), 0);
    assert_string_equal(jsonx_get_str(perf, "reference"), "Patient/seed");
    json_object_put(resp);

    /* Unknown urn:uuid and a conditional reference matching nothing fail the transaction. */
    assert_int_equal(
        run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{"
            "\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"a\"},"
            "\"subject\":{\"reference\":\"urn:uuid:nobody\"}},"
            "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
            &resp, &fail),
        RG_E_UNRESOLVED_REFERENCE);
    assert_int_equal(
        run(f,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{"
            "\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"a\"},"
            "\"subject\":{\"reference\":\"Patient?identifier=urn:t|none\"}},"
            "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}",
            &resp, &fail),
        RG_E_UNRESOLVED_REFERENCE);
    assert_string_equal(fail.expression, "Bundle.entry[0]");
}

static void batch_entries_independent(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail fail;
    assert_int_equal(run(f,
                         "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                         "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b1\"},"
                         "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b1\"}},"
                         "{\"resource\":{\"resourceType\":\"Patient\",\"colour\":\"red\"},"
                         "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
                         "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/none\"}},"
                         "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"b2\"},"
                         "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b2\"}}]}",
                         &resp, &fail),
                     RG_OK);
    assert_string_equal(jsonx_get_str(resp, "type"), "batch-response");
    assert_string_equal(status_of(resp, 0), "201 Created");
    assert_string_equal(status_of(resp, 1), "422 Unprocessable Entity");
    assert_string_equal(status_of(resp, 2), "404 Not Found");
    assert_string_equal(status_of(resp, 3), "201 Created");
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "b1", &row), STORE_OK);
    store_row_clear(&row);
    assert_int_equal(read_row(f, "Patient", "b2", &row), STORE_OK);
    store_row_clear(&row);
    json_object_put(resp);
}

static void bundle_shape(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail fail;
    assert_int_equal(run(f, "{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", &resp, &fail),
                     RG_E_BAD_BUNDLE);
    assert_int_equal(run(f, "{\"resourceType\":\"Patient\"}", &resp, &fail), RG_E_BAD_BUNDLE);
    assert_int_equal(run(f,
                         "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{},{},{},{},"
                         "{},{}]}",
                         &resp, &fail),
                     RG_E_TOO_MANY);
    assert_int_equal(run(f,
                         "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                         "{\"resource\":{\"resourceType\":\"Patient\"}}]}",
                         &resp, &fail),
                     RG_E_BAD_BUNDLE);
    assert_string_equal(fail.expression, "Bundle.entry[0].request");
    assert_int_equal(run(f,
                         "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                         "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/a\"}},"
                         "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/a\"}}]}",
                         &resp, &fail),
                     RG_E_DUPLICATE);
    assert_string_equal(fail.expression, "Bundle.entry[1]");
}

/* A conditional delete that resolves to a resource another entry updates is refused. */
static void transaction_resolved_overlap(void **state)
{
    struct fx *f = *state;
    put_seed(f);
    json_object *resp = NULL;
    struct rg_fail fail;
    assert_int_equal(run(f,
                         "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                         "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"seed\"},"
                         "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/seed\"}},"
                         "{\"request\":{\"method\":\"DELETE\",\"url\":"
                         "\"Patient?identifier=urn:t|1\"}}]}",
                         &resp, &fail),
                     RG_E_DUPLICATE);
    assert_string_equal(fail.expression, "Bundle.entry[1]");
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "seed", &row), STORE_OK);
    assert_false(row.deleted);
    assert_int_equal(row.version, 1);
    store_row_clear(&row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(transaction_order, setup, teardown),
        cmocka_unit_test_setup_teardown(transaction_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(transaction_references, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_entries_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(bundle_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(transaction_resolved_overlap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
