#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cli/batch.h"
#include "json/jsonx.h"

static json_object *parse(const char *s)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse(s, strlen(s), 32, &err, NULL, 0);
    assert_non_null(v);
    return v;
}

static const char *entry_str(json_object *bundle, size_t i, const char *a, const char *b)
{
    json_object *e = json_object_array_get_idx(jsonx_get(bundle, "entry"), i);
    return jsonx_get_str(jsonx_get(e, a), b);
}

static void kinds_of_documents(void **state)
{
    const struct {
        const char *json;
        enum cli_doc_kind kind;
    } cases[] = {
        {"{\"resourceType\":\"Patient\",\"id\":\"p\"}", CLI_DOC_RESOURCE},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}", CLI_DOC_BUNDLE_ENGINE},
        {"{\"resourceType\":\"Bundle\",\"type\":\"batch\"}", CLI_DOC_BUNDLE_ENGINE},
        {"{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", CLI_DOC_BUNDLE_OTHER},
        {"{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}", CLI_DOC_BUNDLE_OTHER},
        {"{\"resourceType\":\"Bundle\"}", CLI_DOC_BUNDLE_OTHER},
        {"{\"resourceType\":\"\"}", CLI_DOC_NOT_RESOURCE},
        {"{\"resourceType\":7}", CLI_DOC_NOT_RESOURCE},
        {"{\"id\":\"x\"}", CLI_DOC_NOT_RESOURCE},
        {"[1,2]", CLI_DOC_NOT_RESOURCE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *v = parse(cases[i].json);
        assert_int_equal(cli_doc_kind(v), cases[i].kind);
        json_object_put(v);
    }
}

static void collection_becomes_batch_of_put_and_post(void **state)
{
    json_object *coll = parse("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                              "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":"
                              "\"Patient\",\"id\":\"p1\",\"birthDate\":\"1970\"}},"
                              "{\"resource\":{\"resourceType\":\"Observation\"}},"
                              "{\"fullUrl\":\"http://x/y\"},"
                              "{\"resource\":{\"id\":\"no-type\"}}]}");
    size_t skipped = 99;
    json_object *batch = cli_batch_from_bundle(coll, &skipped);
    assert_int_equal(skipped, 2);
    assert_string_equal(jsonx_get_str(batch, "resourceType"), "Bundle");
    assert_string_equal(jsonx_get_str(batch, "type"), "batch");
    assert_int_equal(cli_bundle_entry_count(batch), 2);
    assert_string_equal(entry_str(batch, 0, "request", "method"), "PUT");
    assert_string_equal(entry_str(batch, 0, "request", "url"), "Patient/p1");
    assert_string_equal(entry_str(batch, 0, "resource", "birthDate"), "1970");
    assert_string_equal(entry_str(batch, 1, "request", "method"), "POST");
    assert_string_equal(entry_str(batch, 1, "request", "url"), "Observation");
    /* The batch holds its own references: it outlives the collection. */
    json_object_put(coll);
    assert_string_equal(entry_str(batch, 0, "resource", "id"), "p1");
    json_object_put(batch);
}

static void batch_add_refuses_non_resources(void **state)
{
    json_object *batch = cli_batch_new();
    json_object *bad = parse("{\"id\":\"x\"}");
    assert_int_equal(cli_batch_add(batch, bad), -1);
    assert_int_equal(cli_batch_add(batch, NULL), -1);
    assert_int_equal(cli_bundle_entry_count(batch), 0);
    json_object *ok = parse("{\"resourceType\":\"Basic\",\"id\":\"b1\"}");
    assert_int_equal(cli_batch_add(batch, ok), 0);
    json_object_put(ok); /* the batch keeps its own reference */
    assert_int_equal(cli_bundle_entry_count(batch), 1);
    assert_string_equal(entry_str(batch, 0, "request", "url"), "Basic/b1");
    assert_string_equal(entry_str(batch, 0, "resource", "id"), "b1");
    json_object_put(bad);
    json_object_put(batch);
}

static void ndjson_names_and_blank_lines(void **state)
{
    assert_true(cli_name_is_ndjson("Patient.ndjson"));
    assert_true(cli_name_is_ndjson("dir/Observation.ndjson.bz2"));
    assert_false(cli_name_is_ndjson("bundle.json"));
    assert_false(cli_name_is_ndjson("x.ndjson.gz"));
    assert_false(cli_name_is_ndjson("ndjson"));
    assert_true(cli_is_blank(" \t\r\n", 4));
    assert_true(cli_is_blank("", 0));
    assert_false(cli_is_blank("  {", 3));
}

static void response_entries_are_read(void **state)
{
    json_object *resp = parse(
        "{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":["
        "{\"response\":{\"status\":\"201 Created\",\"location\":\"Patient/1/_history/1\"}},"
        "{\"response\":{\"status\":\"422\",\"outcome\":{\"resourceType\":\"OperationOutcome\","
        "\"issue\":[{\"severity\":\"error\",\"code\":\"structure\",\"diagnostics\":\"unknown "
        "element 'foo'\",\"expression\":[\"Patient.foo\"]}]}}},"
        "{\"response\":{\"status\":\"Created\"}},"
        "{},"
        "{\"response\":{\"status\":\"422\",\"outcome\":{\"issue\":[{\"diagnostics\":"
        "\"Basic.code is required\",\"expression\":[\"Bundle.entry[7].resource.code\"]}]}}}]}");
    json_object *entries = jsonx_get(resp, "entry");
    assert_int_equal(cli_entry_status(json_object_array_get_idx(entries, 0)), 201);
    assert_int_equal(cli_entry_status(json_object_array_get_idx(entries, 1)), 422);
    assert_int_equal(cli_entry_status(json_object_array_get_idx(entries, 2)), 0);
    assert_int_equal(cli_entry_status(json_object_array_get_idx(entries, 3)), 0);
    char msg[256];
    cli_entry_message(json_object_array_get_idx(entries, 1), NULL, msg, sizeof msg);
    assert_string_equal(msg, "422: unknown element 'foo' at Patient.foo");
    cli_entry_message(json_object_array_get_idx(entries, 3), NULL, msg, sizeof msg);
    assert_string_equal(msg, "no status");
    /* Paths into a batch the importer built are given from the resource type. */
    cli_entry_message(json_object_array_get_idx(entries, 4), "Basic", msg, sizeof msg);
    assert_string_equal(msg, "422: Basic.code is required at Basic.code");
    cli_entry_message(json_object_array_get_idx(entries, 4), NULL, msg, sizeof msg);
    assert_string_equal(msg, "422: Basic.code is required at Bundle.entry[7].resource.code");
    /* An expression not into an entry stays as it is. */
    cli_entry_message(json_object_array_get_idx(entries, 1), "Patient", msg, sizeof msg);
    assert_string_equal(msg, "422: unknown element 'foo' at Patient.foo");
    json_object_put(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_of_documents),
        cmocka_unit_test(collection_becomes_batch_of_put_and_post),
        cmocka_unit_test(batch_add_refuses_non_resources),
        cmocka_unit_test(ndjson_names_and_blank_lines),
        cmocka_unit_test(response_entries_are_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
