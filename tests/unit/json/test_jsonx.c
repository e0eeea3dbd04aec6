#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "json/jsonx.h"

static json_object *parse(const char *s, enum jsonx_err *err)
{
    return jsonx_parse(s, strlen(s), 8, err, NULL, 0);
}

static void decimals_keep_their_text(void **state)
{
    enum jsonx_err err;
    json_object *v = parse("{\"a\":1.50,\"b\":86.3,\"c\":1e2,\"d\":0.000100}", &err);
    assert_non_null(v);
    assert_string_equal(jsonx_text(v, false, NULL),
                        "{\"a\":1.50,\"b\":86.3,\"c\":1e2,\"d\":0.000100}");
    json_object_put(v);
}

static void slashes_are_not_escaped(void **state)
{
    enum jsonx_err err;
    json_object *v = parse("{\"reference\":\"Patient/1\"}", &err);
    assert_string_equal(jsonx_text(v, false, NULL), "{\"reference\":\"Patient/1\"}");
    json_object_put(v);
}

static void rejects_trailing_garbage(void **state)
{
    enum jsonx_err err;
    assert_null(parse("{} x", &err));
    assert_int_equal(err, JSONX_SYNTAX);
    json_object *v = parse("{}  \n", &err);
    assert_non_null(v);
    json_object_put(v);
}

static void rejects_truncated_and_invalid(void **state)
{
    enum jsonx_err err;
    assert_null(parse("{\"a\":", &err));
    assert_int_equal(err, JSONX_SYNTAX);
    assert_null(parse("{'a':1}", &err));
    assert_int_equal(err, JSONX_SYNTAX);
    assert_null(parse("", &err));
}

static void rejects_deep_nesting(void **state)
{
    enum jsonx_err err;
    assert_null(parse("[[[[[[[[[[1]]]]]]]]]]", &err));
    assert_int_equal(err, JSONX_DEPTH);
}

static void rejects_bad_utf8(void **state)
{
    enum jsonx_err err;
    char msg[128];
    const char bad[] = "{\"a\":\"\xff\xfe\"}";
    assert_null(jsonx_parse(bad, sizeof bad - 1, 8, &err, msg, sizeof msg));
    assert_int_equal(err, JSONX_UTF8);
}

static void rejects_overlong_and_surrogate_utf8(void **state)
{
    enum jsonx_err err;
    const char overlong[] = "{\"a\":\"\xc0\xaf\"}";
    assert_null(jsonx_parse(overlong, sizeof overlong - 1, 8, &err, NULL, 0));
    assert_int_equal(err, JSONX_UTF8);
    const char surrogate[] = "{\"a\":\"\xed\xa0\x80\"}";
    assert_null(jsonx_parse(surrogate, sizeof surrogate - 1, 8, &err, NULL, 0));
    assert_int_equal(err, JSONX_UTF8);
    const char too_high[] = "{\"a\":\"\xf4\x90\x80\x80\"}";
    assert_null(jsonx_parse(too_high, sizeof too_high - 1, 8, &err, NULL, 0));
    assert_int_equal(err, JSONX_UTF8);
    const char truncated[] = "{\"a\":\"\xe2\x82\"}";
    assert_null(jsonx_parse(truncated, sizeof truncated - 1, 8, &err, NULL, 0));
    assert_int_equal(err, JSONX_UTF8);
    assert_null(parse("{\"a\":\"\\ud83d\"}", &err));
    assert_int_equal(err, JSONX_UTF8);
    assert_null(parse("{\"a\":\"\\ude00x\"}", &err));
    assert_null(parse("{\"a\":\"\\ud83d\\u0041\"}", &err));
    json_object *pair = parse("{\"a\":\"\\ud83d\\ude00 \\u00e9 \\\\u0000\"}", &err);
    assert_non_null(pair);
    json_object_put(pair);
    const char good[] = "{\"a\":\"Ren\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}";
    json_object *v = jsonx_parse(good, sizeof good - 1, 8, &err, NULL, 0);
    assert_non_null(v);
    json_object_put(v);
}

static void rejects_non_numbers(void **state)
{
    enum jsonx_err err;
    assert_null(parse("{\"v\":NaN}", &err));
    assert_int_equal(err, JSONX_SYNTAX);
    assert_null(parse("{\"v\":-Infinity}", &err));
    assert_null(parse("{\"v\":nan}", &err));
    assert_null(parse("{\"v\":inf}", &err));
    assert_null(parse("{\"v\":01.5}", &err));
    assert_int_equal(err, JSONX_SYNTAX);
    assert_null(parse("{\"v\":-}", &err));
    assert_null(parse("{\"v\":1.}", &err));
    assert_null(parse("{\"v\":1e}", &err));
    assert_null(parse("{\"v\":+1}", &err));
    json_object *v = parse("{\"v\":null,\"w\":\"NaN\",\"x\":1E5,\"y\":[-0.5,0,10,2e-3]}", &err);
    assert_non_null(v);
    json_object_put(v);
}

static void rejects_duplicate_keys(void **state)
{
    enum jsonx_err err;
    assert_null(parse("{\"a\":1,\"a\":2}", &err));
    assert_int_equal(err, JSONX_DUPLICATE);
    assert_null(parse("{\"o\":{\"b\":1,\"b\":1}}", &err));
    assert_int_equal(err, JSONX_DUPLICATE);
    json_object *v = parse("{\"a\":{\"a\":\"a:b\"},\"b\":[{\"a\":1},{\"a\":2}]}", &err);
    assert_non_null(v);
    json_object_put(v);
}

static void get_helpers_tolerate_wrong_shapes(void **state)
{
    enum jsonx_err err;
    json_object *v = parse("{\"s\":\"x\",\"n\":1}", &err);
    assert_string_equal(jsonx_get_str(v, "s"), "x");
    assert_null(jsonx_get_str(v, "n"));
    assert_null(jsonx_get_str(v, "missing"));
    assert_null(jsonx_get(jsonx_get(v, "n"), "x"));
    json_object_put(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimals_keep_their_text),
        cmocka_unit_test(slashes_are_not_escaped),
        cmocka_unit_test(rejects_trailing_garbage),
        cmocka_unit_test(rejects_truncated_and_invalid),
        cmocka_unit_test(rejects_deep_nesting),
        cmocka_unit_test(rejects_bad_utf8),
        cmocka_unit_test(rejects_overlong_and_surrogate_utf8),
        cmocka_unit_test(rejects_non_numbers),
        cmocka_unit_test(rejects_duplicate_keys),
        cmocka_unit_test(get_helpers_tolerate_wrong_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
