/* cli_load_file against a fake Bundle engine: what a file is taken for (NDJSON, one document, a
 * Bundle kind), how NDJSON is cut into batches, and what is counted and reported. The fake
 * rest_process_bundle / rest_put_resource below take the place of the real ones at link time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bzlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/load.h"
#include "json/jsonx.h"

/* ---- the fake engine ---- */

static json_object *bundles_seen;   /* every Bundle given to rest_process_bundle */
static json_object *resources_seen; /* every resource given to rest_put_resource */

/* A resource with "fail": true is refused, as a validation error would be. */
static bool should_fail(json_object *res)
{
    json_object *f = jsonx_get(res, "fail");
    return f && json_object_get_boolean(f);
}

enum rg_err rest_process_bundle(struct rest_ctx *rc, json_object *bundle, json_object **response,
                                struct rg_fail *f)
{
    (void)rc;
    json_object_array_add(bundles_seen, json_object_get(bundle));
    json_object *entries = jsonx_get(bundle, "entry");
    size_t n = entries ? json_object_array_length(entries) : 0;
    bool tx = !strcmp(jsonx_get_str(bundle, "type"), "transaction");
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *res = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        if (tx && should_fail(res)) {
            json_object_put(out);
            f->code = RG_E_TX_ENTRY;
            snprintf(f->detail, sizeof f->detail, "entry %zu is bad", i);
            snprintf(f->expression, sizeof f->expression, "Bundle.entry[%zu]", i);
            return f->code;
        }
        json_object *r = json_object_new_object();
        if (should_fail(res)) {
            json_object_object_add(r, "status", json_object_new_string("422"));
            json_object *issue = json_object_new_object();
            json_object_object_add(issue, "diagnostics", json_object_new_string("fake refusal"));
            json_object *issues = json_object_new_array();
            json_object_array_add(issues, issue);
            json_object *oo = json_object_new_object();
            json_object_object_add(oo, "issue", issues);
            json_object_object_add(r, "outcome", oo);
        } else {
            json_object_object_add(r, "status", json_object_new_string("201 Created"));
        }
        json_object *e = json_object_new_object();
        json_object_object_add(e, "response", r);
        json_object_array_add(out, e);
    }
    *response = json_object_new_object();
    json_object_object_add(*response, "entry", out);
    return RG_OK;
}

enum rg_err rest_put_resource(struct rest_ctx *rc, json_object *resource, struct rg_fail *f)
{
    (void)rc;
    json_object_array_add(resources_seen, json_object_get(resource));
    if (!should_fail(resource)) return RG_OK;
    f->code = RG_E_UNKNOWN_ELEMENT;
    snprintf(f->detail, sizeof f->detail, "no such element 'fail'");
    snprintf(f->expression, sizeof f->expression, "Patient.fail");
    return f->code;
}

/* ---- helpers ---- */

static char errfile[64];
static int saved_stderr = -1;

static int setup(void **state)
{
    bundles_seen = json_object_new_array();
    resources_seen = json_object_new_array();
    /* Reports go to stderr; catch them in a file. */
    snprintf(errfile, sizeof errfile, "/tmp/regie-test-load-err-XXXXXX");
    int fd = mkstemp(errfile);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return 0;
}

static const char *reports(void);

static int teardown(void **state)
{
    /* Replayed, so a failed assertion's message (cmocka writes it to stderr) is not lost. */
    const char *caught = reports();
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    fputs(caught, stderr);
    close(saved_stderr);
    unlink(errfile);
    json_object_put(bundles_seen);
    json_object_put(resources_seen);
    return 0;
}

/* What was reported on stderr so far (static buffer). */
static const char *reports(void)
{
    static char text[16384];
    fflush(stderr);
    FILE *f = fopen(errfile, "rb");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static void write_file(char *path, size_t len, const char *suffix, const void *data, size_t n)
{
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, "/tmp/regie-test-load-XXXXXX");
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    snprintf(path, len, "%s%s", tmpl, suffix);
    if (*suffix) assert_int_equal(rename(tmpl, path), 0);
}

/* n NDJSON lines of Basic resources with ids b0..b(n-1). */
static char *ndjson_text(size_t n)
{
    struct buf b;
    buf_init(&b, 1 << 24);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "{\"resourceType\":\"Basic\",\"id\":\"b%zu\"}\n", i);
    size_t len;
    return buf_steal(&b, &len);
}

static size_t entries_of(size_t call)
{
    json_object *b = json_object_array_get_idx(bundles_seen, call);
    return json_object_array_length(jsonx_get(b, "entry"));
}

static const char *entry_field(size_t call, size_t i, const char *a, const char *k)
{
    json_object *b = json_object_array_get_idx(bundles_seen, call);
    json_object *e = json_object_array_get_idx(jsonx_get(b, "entry"), i);
    return jsonx_get_str(jsonx_get(e, a), k);
}

static int load(const char *path, struct cli_progress *p)
{
    cli_progress_init(p, 1);
    p->enabled = false;
    return cli_load_file(NULL, p, path);
}

/* ---- tests ---- */

static void ndjson_by_content_goes_in_batches_of_1000(void **state)
{
    char *text = ndjson_text(2500);
    char path[96];
    write_file(path, sizeof path, ".json", text, strlen(text));
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(json_object_array_length(bundles_seen), 3);
    assert_int_equal(entries_of(0), 1000);
    assert_int_equal(entries_of(1), 1000);
    assert_int_equal(entries_of(2), 500);
    assert_string_equal(entry_field(0, 0, "request", "method"), "PUT");
    assert_string_equal(entry_field(0, 0, "request", "url"), "Basic/b0");
    assert_string_equal(entry_field(2, 499, "request", "url"), "Basic/b2499");
    assert_int_equal(p.resources, 2500);
    assert_int_equal(p.failures, 0);
    assert_int_equal(json_object_array_length(resources_seen), 0);
    free(text);
    unlink(path);
}

static void bzip2_ndjson_is_read_the_same(void **state)
{
    char *text = ndjson_text(1200);
    unsigned zlen = (unsigned)strlen(text) + 1000;
    char *z = malloc(zlen);
    assert_int_equal(BZ2_bzBuffToBuffCompress(z, &zlen, text, (unsigned)strlen(text), 1, 0, 0),
                     BZ_OK);
    char path[96];
    write_file(path, sizeof path, ".bin", z, zlen);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(json_object_array_length(bundles_seen), 2);
    assert_int_equal(entries_of(0) + entries_of(1), 1200);
    assert_int_equal(p.resources, 1200);
    free(z);
    free(text);
    unlink(path);
}

static void ndjson_failures_name_their_lines(void **state)
{
    const char text[] = "{\"resourceType\":\"Basic\",\"id\":\"a\"}\n"
                        "\n"
                        "{\"resourceType\":\"Basic\"}\n"
                        "{\"resourceType\":\"Basic\",\"id\":\n"
                        "{\"id\":\"typeless\"}\n"
                        "{\"resourceType\":\"Basic\",\"id\":\"f\",\"fail\":true}\n"
                        "   \n";
    char path[96];
    write_file(path, sizeof path, ".ndjson", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(json_object_array_length(bundles_seen), 1);
    assert_int_equal(entries_of(0), 3);
    assert_string_equal(entry_field(0, 1, "request", "method"), "POST"); /* no id */
    assert_string_equal(entry_field(0, 1, "request", "url"), "Basic");
    assert_int_equal(p.resources, 2);
    assert_int_equal(p.failures, 3);
    const char *r = reports();
    assert_non_null(strstr(r, "line 4: bad JSON"));
    assert_non_null(strstr(r, "line 5: not a FHIR resource"));
    assert_non_null(strstr(r, "line 6: 422: fake refusal"));
    assert_non_null(strstr(r, path));
    unlink(path);
}

static void ndjson_name_wins_for_a_single_line(void **state)
{
    const char text[] = "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n";
    char path[96];
    write_file(path, sizeof path, ".ndjson", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(json_object_array_length(bundles_seen), 1);
    assert_int_equal(json_object_array_length(resources_seen), 0);
    unlink(path);
}

static void pretty_single_resource_is_put(void **state)
{
    const char text[] = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n"
                        "  \"birthDate\": \"1970-01-01\"\n}\n";
    char path[96];
    write_file(path, sizeof path, ".json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(json_object_array_length(bundles_seen), 0);
    assert_int_equal(json_object_array_length(resources_seen), 1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(resources_seen, 0), "id"), "p1");
    assert_int_equal(p.resources, 1);
    unlink(path);
}

static void refused_resource_is_reported_with_reason(void **state)
{
    const char text[] = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"fail\":true}";
    char path[96];
    write_file(path, sizeof path, ".json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.failures, 1);
    assert_non_null(strstr(reports(), "no such element 'fail' at Patient.fail"));
    unlink(path);
}

static void compact_collection_becomes_a_batch(void **state)
{
    const char text[] = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                        "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}},"
                        "{\"fullUrl\":\"x\"},"
                        "{\"resource\":{\"resourceType\":\"Observation\",\"fail\":true}}]}\n";
    char path[96];
    write_file(path, sizeof path, "", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(json_object_array_length(bundles_seen), 1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(bundles_seen, 0), "type"), "batch");
    assert_int_equal(entries_of(0), 2);
    assert_string_equal(entry_field(0, 0, "request", "url"), "Patient/p1");
    assert_int_equal(p.resources, 1);
    assert_int_equal(p.failures, 2);
    const char *r = reports();
    /* Entries are named by their place in the file, not in the batch built from it. */
    assert_non_null(strstr(r, "entry 1: holds no resource"));
    assert_non_null(strstr(r, "entry 2: 422: fake refusal"));
    unlink(path);
}

static void large_collection_goes_in_batches_with_file_indexes(void **state)
{
    struct buf b;
    buf_init(&b, 1 << 24);
    buf_append_str(&b, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
    for (size_t i = 0; i < 2500; i++)
        buf_printf(&b, "%s{\"resource\":{\"resourceType\":\"Basic\",\"id\":\"b%zu\"%s}}",
                   i ? "," : "", i, i == 1500 ? ",\"fail\":true" : "");
    buf_append_str(&b, "]}");
    char path[96];
    write_file(path, sizeof path, ".json", b.data, b.len);
    buf_free(&b);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(json_object_array_length(bundles_seen), 3);
    assert_int_equal(entries_of(0), 1000);
    assert_int_equal(entries_of(1), 1000);
    assert_int_equal(entries_of(2), 500);
    assert_string_equal(entry_field(2, 499, "request", "url"), "Basic/b2499");
    assert_int_equal(p.resources, 2499);
    assert_int_equal(p.failures, 1);
    assert_non_null(strstr(reports(), "entry 1500: 422: fake refusal"));
    unlink(path);
}

static void failing_transaction_stores_nothing_and_is_reported(void **state)
{
    const char text[] = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n"
                        "{\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":"
                        "\"POST\",\"url\":\"Patient\"}},\n"
                        "{\"resource\":{\"resourceType\":\"Patient\",\"fail\":true},\"request\":{"
                        "\"method\":\"POST\",\"url\":\"Patient\"}}\n]}\n";
    char path[96];
    write_file(path, sizeof path, ".json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    /* The engine got the transaction as it was written, not converted. */
    assert_int_equal(json_object_array_length(bundles_seen), 1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(bundles_seen, 0), "type"),
                        "transaction");
    assert_int_equal(p.resources, 0);
    assert_int_equal(p.failures, 2);
    assert_non_null(strstr(reports(), "transaction of 2 resources"));
    assert_non_null(strstr(reports(), "entry 1 is bad"));
    unlink(path);
}

static void bad_json_and_empty_files_are_reported(void **state)
{
    const char bad[] = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n}\n";
    char path[96], empty[96];
    write_file(path, sizeof path, ".json", bad, sizeof bad - 1);
    write_file(empty, sizeof empty, ".json", " \n\n", 3);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.failures, 1);
    assert_int_equal(load(empty, &p), 1);
    assert_int_equal(load("/nonexistent/regie.json", &p), 1);
    assert_int_equal(p.failures, 1);
    const char *r = reports();
    assert_non_null(strstr(r, "bad JSON: invalid JSON at byte"));
    assert_non_null(strstr(r, "empty file"));
    assert_non_null(strstr(r, "/nonexistent/regie.json: cannot open"));
    assert_int_equal(json_object_array_length(bundles_seen), 0);
    assert_int_equal(json_object_array_length(resources_seen), 0);
    unlink(path);
    unlink(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ndjson_by_content_goes_in_batches_of_1000, setup, teardown),
        cmocka_unit_test_setup_teardown(bzip2_ndjson_is_read_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_failures_name_their_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_name_wins_for_a_single_line, setup, teardown),
        cmocka_unit_test_setup_teardown(pretty_single_resource_is_put, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_resource_is_reported_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(compact_collection_becomes_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(large_collection_goes_in_batches_with_file_indexes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failing_transaction_stores_nothing_and_is_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_json_and_empty_files_are_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
