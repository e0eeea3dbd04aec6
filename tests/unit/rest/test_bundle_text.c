/* The Bundle engine's text path (POST [base]): entries parsed one at a time must give the same
 * answers and the same stored resources as the tree path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "rest_fixture.h"

static enum rg_err run_text(struct fx *f, const char *text, enum rest_return ret,
                            json_object **resp, struct rg_fail *fail)
{
    memset(fail, 0, sizeof *fail);
    *resp = NULL;
    return rest_bundle_run_text(f->rc, text, strlen(text), 64, ret, resp, fail);
}

static enum rg_err run_tree(struct fx *f, const char *text, json_object **resp,
                            struct rg_fail *fail)
{
    json_object *b = parse(text);
    memset(fail, 0, sizeof *fail);
    enum rg_err e = rest_bundle_run(f->rc, b, REST_RETURN_MINIMAL, resp, fail);
    json_object_put(b);
    return e;
}

static const char *location_of(json_object *resp, size_t i)
{
    json_object *e = json_object_array_get_idx(jsonx_get(resp, "entry"), i);
    return jsonx_get_str(jsonx_get(e, "response"), "location");
}

static json_object *stored(struct fx *f, const char *type, const char *id)
{
    struct store_row row;
    assert_int_equal(read_row(f, type, id, &row), STORE_OK);
    json_object *v = parse(row.json);
    store_row_clear(&row);
    return v;
}

/* "Patient/<id>/_history/1" -> id */
static void id_of(const char *location, char *id, size_t n)
{
    const char *p = strchr(location, '/') + 1, *q = strchr(p, '/');
    snprintf(id, n, "%.*s", (int)(q - p), p);
}

#define OBS_P                                                                                      \
    "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{"     \
    "\"system\":\"urn:s\",\"value\":\"v1\"}],\"text\":{\"status\":\"generated\",\"div\":"          \
    "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">me</div>\"}},"                              \
    "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}"
#define OBS_O                                                                                      \
    "{\"resource\":{\"resourceType\":\"Observation\",\"meta\":{\"versionId\":\"7\",\"source\":"    \
    "\"x\"},\"status\":\"final\",\"code\":{\"text\":\"a\\\"]}\"},\"subject\":{\"reference\":"      \
    "\"urn:uuid:1\"}},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}"

static void stores_like_the_tree_path(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail fail;
    const char *b =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" OBS_O "," OBS_P "]}";
    assert_int_equal(run_text(f, b, REST_RETURN_MINIMAL, &resp, &fail), RG_OK);
    assert_string_equal(jsonx_get_str(resp, "type"), "transaction-response");
    assert_null(jsonx_get(json_object_array_get_idx(jsonx_get(resp, "entry"), 0), "resource"));
    char oid[80], pid[80], want[128];
    id_of(location_of(resp, 0), oid, sizeof oid);
    id_of(location_of(resp, 1), pid, sizeof pid);
    json_object *obs = stored(f, "Observation", oid);
    snprintf(want, sizeof want, "Patient/%s", pid);
    assert_string_equal(jsonx_get_str(jsonx_get(obs, "subject"), "reference"), want);
    json_object *meta = jsonx_get(obs, "meta");
    assert_string_equal(jsonx_get_str(meta, "versionId"), "1");
    assert_string_equal(jsonx_get_str(meta, "source"), "x");
    const char *lu = jsonx_get_str(meta, "lastUpdated");
    assert_non_null(lu);
    json_object *e0 = json_object_array_get_idx(jsonx_get(resp, "entry"), 0);
    assert_string_equal(jsonx_get_str(jsonx_get(e0, "response"), "lastModified"), lu);
    assert_string_equal(jsonx_get_str(jsonx_get(obs, "code"), "text"), "a\"]}");
    assert_string_equal(jsonx_get_str(obs, "id"), oid);
    json_object_put(obs);
    /* Tokens were copied before the entry's tree was freed: the identifier finds the patient. */
    json_object_put(resp);
    const char *again = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":"
                        "{\"resourceType\":\"Patient\"},\"request\":{\"method\":\"POST\",\"url\":"
                        "\"Patient\",\"ifNoneExist\":\"identifier=urn:s|v1\"}}]}";
    assert_int_equal(run_text(f, again, REST_RETURN_MINIMAL, &resp, &fail), RG_OK);
    char mid[80];
    id_of(location_of(resp, 0), mid, sizeof mid);
    assert_string_equal(mid, pid);
    json_object_put(resp);

    /* A second version: the placeholder becomes 2. */
    char put[512];
    snprintf(put, sizeof put,
             "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"resource\":{"
             "\"resourceType\":\"Patient\",\"id\":\"%s\",\"active\":true},\"request\":{\"method\":"
             "\"PUT\",\"url\":\"Patient/%s\"}}]}",
             pid, pid);
    assert_int_equal(run_text(f, put, REST_RETURN_MINIMAL, &resp, &fail), RG_OK);
    json_object_put(resp);
    json_object *p = stored(f, "Patient", pid);
    assert_string_equal(jsonx_get_str(jsonx_get(p, "meta"), "versionId"), "2");
    assert_true(json_object_get_boolean(jsonx_get(p, "active")));
    json_object_put(p);
}

/* A resource failing validation in the second pass: nothing stored, the same answer as the tree
 * path. */
static void failure_in_pass_two(void **state)
{
    struct fx *f = *state;
    const char *b = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                    "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"keep-out\"},"
                    "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/keep-out\"}},"
                    "{\"resource\":{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}},"
                    "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
    json_object *resp = NULL;
    struct rg_fail t, x;
    assert_int_equal(run_tree(f, b, &resp, &t), RG_E_REQUIRED);
    assert_int_equal(run_text(f, b, REST_RETURN_MINIMAL, &resp, &x), RG_E_REQUIRED);
    assert_null(resp);
    assert_string_equal(x.expression, "Bundle.entry[1].resource.status");
    assert_string_equal(x.expression, t.expression);
    assert_string_equal(x.detail, t.detail);
    struct store_row row;
    assert_int_equal(read_row(f, "Patient", "keep-out", &row), STORE_NONE);

    /* In a batch only that entry fails. */
    char batch[1024];
    snprintf(batch, sizeof batch, "{\"resourceType\":\"Bundle\",\"type\":\"batch\"%s",
             strstr(b, ",\"entry\""));
    assert_int_equal(run_text(f, batch, REST_RETURN_MINIMAL, &resp, &x), RG_OK);
    json_object *e1 = json_object_array_get_idx(jsonx_get(resp, "entry"), 1);
    assert_string_equal(jsonx_get_str(jsonx_get(e1, "response"), "status"),
                        "422 Unprocessable Entity");
    json_object_put(resp);
    assert_int_equal(read_row(f, "Patient", "keep-out", &row), STORE_OK);
    store_row_clear(&row);
}

/* Text that is not JSON, or not a Bundle, answers as before; a JSON error in a later entry wins
 * over an earlier entry's failure, as when the whole body was parsed first. */
static void errors_like_before(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail x;
    assert_int_equal(run_text(f, "{\"a\":1,\"a\":2}", REST_RETURN_MINIMAL, &resp, &x),
                     RG_E_JSON_SYNTAX);
    assert_int_equal(run_text(f, "[1]", REST_RETURN_MINIMAL, &resp, &x), RG_E_NOT_RESOURCE);
    assert_int_equal(run_text(f, "{\"x\":\"\xff\"}", REST_RETURN_MINIMAL, &resp, &x),
                     RG_E_NOT_UTF8);
    assert_int_equal(run_text(f, "{\"resourceType\":\"Patient\"}", REST_RETURN_MINIMAL, &resp, &x),
                     RG_E_BAD_BUNDLE);
    const char *late = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                       "{\"request\":{\"method\":\"PATCH\",\"url\":\"Patient/a\"}},"
                       "{\"request\":{\"method\":\"GET\",\"url\":\"Patient/a\",\"x\":tru}}]}";
    assert_int_equal(run_text(f, late, REST_RETURN_MINIMAL, &resp, &x), RG_E_JSON_SYNTAX);
    assert_null(resp);
    const char *bad = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                      "{\"request\":{\"method\":\"PATCH\",\"url\":\"Patient/a\"}}]}";
    assert_int_equal(run_text(f, bad, REST_RETURN_MINIMAL, &resp, &x), RG_E_BAD_BUNDLE);
    assert_string_equal(x.expression, "Bundle.entry[0].request.method");
    /* The caller's depth limit holds (the scenario server runs with --max-depth 20). */
    const char *deep =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[[[[[[]]]]]]}";
    memset(&x, 0, sizeof x);
    assert_int_equal(
        rest_bundle_run_text(f->rc, deep, strlen(deep), 6, REST_RETURN_MINIMAL, &resp, &x),
        RG_E_JSON_DEPTH);
    memset(&x, 0, sizeof x);
    assert_int_equal(
        rest_bundle_run_text(f->rc, deep, strlen(deep), 8, REST_RETURN_MINIMAL, &resp, &x),
        RG_E_BAD_BUNDLE);
    /* More entries than allowed (5 in the fixture). */
    const char *many =
        "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{},{},{},{},{},{}]}";
    assert_int_equal(run_text(f, many, REST_RETURN_MINIMAL, &resp, &x), RG_E_TOO_MANY);
    assert_string_equal(x.expression, "Bundle.entry");
}

/* Representation and conditional entries keep their trees; the response carries the resource. */
static void representation(void **state)
{
    struct fx *f = *state;
    json_object *resp = NULL;
    struct rg_fail x;
    const char *b = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" OBS_P "]}";
    assert_int_equal(run_text(f, b, REST_RETURN_REPRESENTATION, &resp, &x), RG_OK);
    json_object *r = jsonx_get(json_object_array_get_idx(jsonx_get(resp, "entry"), 0), "resource");
    assert_string_equal(jsonx_get_str(r, "resourceType"), "Patient");
    assert_string_equal(jsonx_get_str(jsonx_get(r, "meta"), "versionId"), "1");
    json_object_put(resp);
}

/* The compartment column of a stored version, read with SQLite directly ("(none)" when NULL). */
static void compartment_of(struct fx *f, const char *id, char *out, size_t n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT compartment FROM resource_version WHERE id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *c = sqlite3_column_text(st, 0);
    snprintf(out, n, "%s", c ? (const char *)c : "(none)");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* References resolved inside the unit: to a Practitioner by condition and to a conditional
 * create (placeholders in the stored text), and to a Patient by condition (the tree is kept, the
 * compartment follows the resolved Patient). */
static void late_references(void **state)
{
    struct fx *f = *state;
    struct rg_fail x;
    json_object *seed = parse("{\"resourceType\":\"Practitioner\",\"id\":\"dr\",\"identifier\":[{"
                              "\"system\":\"urn:t\",\"value\":\"1\"}]}");
    assert_int_equal(rest_put_resource(f->rc, seed, &x), RG_OK);
    json_object_put(seed);
    seed = parse("{\"resourceType\":\"Patient\",\"id\":\"pt\",\"identifier\":[{"
                 "\"system\":\"urn:t\",\"value\":\"2\"}]}");
    assert_int_equal(rest_put_resource(f->rc, seed, &x), RG_OK);
    json_object_put(seed);
    const char *b =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{"
        "\"code\":\"AMB\"},\"participant\":[{\"individual\":{\"reference\":"
        "\"Practitioner?identifier=urn:t|1\"}},{\"individual\":{\"reference\":"
        "\"Practitioner?identifier=urn:t|1\"}}],\"serviceProvider\":{\"reference\":\"urn:uuid:"
        "00000000-0000-4000-8000-00000000000a\"}}"
        ","
        "\"request\":{\"method\":\"POST\",\"url\":\"Encounter\"}},"
        "{\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{"
        "\"code\":\"AMB\"},\"subject\":{\"reference\":\"Patient?identifier=urn:t|2\"}},"
        "\"request\":{\"method\":\"POST\",\"url\":\"Encounter\"}},"
        "{\"fullUrl\":\"urn:uuid:00000000-0000-4000-8000-00000000000a\",\"resource\":{"
        "\"resourceType\":\"Organization\","
        "\"identifier\":"
        "[{\"system\":\"urn:o\",\"value\":\"o\"}]},\"request\":{\"method\":\"POST\",\"url\":"
        "\"Organization\",\"ifNoneExist\":\"identifier=urn:o|o\"}}]}";
    json_object *resp = NULL;
    if (run_text(f, b, REST_RETURN_MINIMAL, &resp, &x) != RG_OK)
        fail_msg("%s: %s", x.expression, x.detail);
    char e0[80], e1[80], org[80], want[128];
    id_of(location_of(resp, 0), e0, sizeof e0);
    id_of(location_of(resp, 1), e1, sizeof e1);
    id_of(location_of(resp, 2), org, sizeof org);
    json_object_put(resp);
    json_object *enc = stored(f, "Encounter", e0);
    json_object *part = jsonx_get(enc, "participant");
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(
            jsonx_get_str(jsonx_get(json_object_array_get_idx(part, i), "individual"), "reference"),
            "Practitioner/dr");
    snprintf(want, sizeof want, "Organization/%s", org);
    assert_string_equal(jsonx_get_str(jsonx_get(enc, "serviceProvider"), "reference"), want);
    assert_string_equal(jsonx_get_str(jsonx_get(enc, "meta"), "versionId"), "1");
    json_object_put(enc);
    enc = stored(f, "Encounter", e1);
    assert_string_equal(jsonx_get_str(jsonx_get(enc, "subject"), "reference"), "Patient/pt");
    json_object_put(enc);
    char comp[80];
    compartment_of(f, e1, comp, sizeof comp);
    assert_string_equal(comp, "pt");
    compartment_of(f, e0, comp, sizeof comp);
    assert_string_equal(comp, "(none)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stores_like_the_tree_path, setup, teardown),
        cmocka_unit_test_setup_teardown(failure_in_pass_two, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_like_before, setup, teardown),
        cmocka_unit_test_setup_teardown(representation, setup, teardown),
        cmocka_unit_test_setup_teardown(late_references, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
