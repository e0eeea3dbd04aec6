/* Self-test of the scenario runner's matcher and substitutions, so a scenario failure is always
 * the server's and never the DSL's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "subst.h"

static bool matches(const char *exp, const char *act)
{
    json_object *e = json_tokener_parse(exp), *a = json_tokener_parse(act);
    struct buf why;
    buf_init(&why, 4096);
    bool ok = match_json(e, a, "body", &why);
    buf_free(&why);
    json_object_put(e);
    json_object_put(a);
    return ok;
}

static void subset_objects(void **state)
{
    assert_true(matches("{\"a\":1}", "{\"a\":1,\"b\":2}"));
    assert_false(matches("{\"a\":1,\"c\":3}", "{\"a\":1,\"b\":2}"));
    assert_false(matches("{\"a\":\"1\"}", "{\"a\":1}"));
    assert_true(matches("{\"b\":\"$absent\"}", "{\"a\":1}"));
    assert_false(matches("{\"a\":\"$absent\"}", "{\"a\":1}"));
    assert_true(matches("{\"a\":\"$any\"}", "{\"a\":[1]}"));
    assert_false(matches("{\"a\":\"$any\"}", "{\"b\":1}"));
    assert_true(matches("{\"a\":null}", "{\"a\":null}"));
    assert_false(matches("{\"a\":true}", "{\"a\":false}"));
}

static void arrays(void **state)
{
    assert_true(matches("[1,2]", "[1,2]"));
    assert_false(matches("[1]", "[1,2]"));
    assert_false(matches("[2,1]", "[1,2]"));
    assert_true(matches("[\"~contains\",2]", "[1,2,3]"));
    assert_false(matches("[\"~contains\",4]", "[1,2,3]"));
    assert_true(matches("[\"~lacks\",{\"r\":\"next\"}]", "[{\"r\":\"self\"}]"));
    assert_false(matches("[\"~lacks\",{\"r\":\"next\"}]", "[{\"r\":\"self\"},{\"r\":\"next\"}]"));
    assert_false(matches("[{}]", "{}"));
}

static void strings_and_numbers(void **state)
{
    assert_true(matches("\"~^W/\\\"[0-9]+\\\"$\"", "\"W/\\\"12\\\"\""));
    assert_false(matches("\"~^a$\"", "\"ab\""));
    assert_true(matches("\"!~^a$\"", "\"ab\""));
    assert_false(matches("\"!~^ab$\"", "\"ab\""));
    assert_true(matches("\"~^12$\"", "12"));
    assert_true(matches("1.5", "1.50"));
    assert_false(matches("1.5", "1.51"));
    assert_true(matches("3", "3"));
    assert_false(matches("3", "\"3\""));
    assert_false(matches("\"~(\"", "\"(\"")); /* a bad regex never matches */
}

static void substitutions(void **state)
{
    struct subst_result r = {.label = "tx", .status = 201};
    r.headers = json_tokener_parse("{\"location\":\"http://h/fhir/Patient/p1/_history/3\"}");
    r.body = json_tokener_parse(
        "{\"id\":\"p1\",\"entry\":[{\"response\":{\"location\":"
        "\"Observation/o9/_history/1\"}}],\"link\":[{\"relation\":"
        "\"self\",\"url\":\"s\"},{\"relation\":\"next\",\"url\":\"n?_cursor=5&_count=1\"}]}");
    struct subst_env env = {
        .base = "http://h/fhir", .origin = "http://h", .results = &r, .nresults = 1};
    struct buf out, err;
    buf_init(&out, 4096);
    buf_init(&err, 4096);
    assert_int_equal(
        subst_string(&env,
                     "${base}|${tx.status}|${tx.body.id}|${tx.header.Location}|"
                     "${id:tx.body.entry[0].response.location}|"
                     "${vid:tx.header.location}|${tx.body.link[relation=self].url}|"
                     "${url:tx.header.location}|${query:tx.body.link[relation=next].url}",
                     &out, &err),
        0);
    assert_string_equal(out.data,
                        "http://h/fhir|201|p1|http://h/fhir/Patient/p1/_history/3|o9|3|s|"
                        "http%3A%2F%2Fh%2Ffhir%2FPatient%2Fp1%2F_history%2F3|_cursor=5&_count=1");
    buf_reset(&out);
    assert_int_equal(subst_string(&env, "${nope.body.id}", &out, &err), -1);
    assert_int_equal(subst_string(&env, "${tx.body.missing}", &out, &err), -1);
    assert_int_equal(subst_string(&env, "${tx.body.link[relation=prev].url}", &out, &err), -1);
    assert_int_equal(subst_string(&env, "${tx.body.id", &out, &err), -1);
    assert_int_equal(subst_string(&env, "${zz:tx.body.id}", &out, &err), -1);
    buf_free(&out);
    buf_free(&err);
    json_object_put(r.headers);
    json_object_put(r.body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subset_objects),
        cmocka_unit_test(arrays),
        cmocka_unit_test(strings_and_numbers),
        cmocka_unit_test(substitutions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
