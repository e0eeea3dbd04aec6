/* FHIRPath engine: lexer/parser errors with positions and limits, and evaluator basics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/fhirpath/fhirpath.h"
#include "json/jsonx.h"

static const char patient_json[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"active\":true,"
    "\"name\":[{\"use\":\"official\",\"family\":\"Chalmers\",\"given\":[\"Peter\",\"James\"]},"
    "{\"use\":\"usual\",\"given\":[\"Jim\"]}],\"gender\":\"male\",\"birthDate\":\"1974-12-25\","
    "\"contained\":[{\"resourceType\":\"Organization\",\"id\":\"o1\",\"name\":\"Org\"}],"
    "\"managingOrganization\":{\"reference\":\"#o1\"},\"multipleBirthInteger\":2}";

static const char obs_json[] =
    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"w\"},"
    "\"valueQuantity\":{\"value\":185.50,\"unit\":\"lbs\",\"system\":\"http://unitsofmeasure.org\","
    "\"code\":\"[lb_av]\"}}";

static json_object *parse(const char *s)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse(s, strlen(s), 32, &err, NULL, 0);
    assert_non_null(v);
    return v;
}

/* Evaluates expr on doc and returns the result as JSON text (caller frees), or NULL on error. */
static char *run(const char *doc, const char *expr)
{
    json_object *res = parse(doc);
    char err[256];
    size_t pos;
    struct fhirpath_expr *e = fhirpath_compile(expr, strlen(expr), &pos, err, sizeof(err));
    assert_non_null(e);
    struct fhirpath_result *r = fhirpath_eval(e, res, err, sizeof(err));
    char *out = r ? fhirpath_result_json(r) : NULL;
    fhirpath_result_free(r);
    fhirpath_free(e);
    json_object_put(res);
    return out;
}

static void expect(const char *doc, const char *expr, const char *want)
{
    char *got = run(doc, expr);
    if (!got) fail_msg("%s: evaluation failed", expr);
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", got);
    bool same = strcmp(got, want) == 0;
    free(got);
    if (!same) fail_msg("%s: got %s, want %s", expr, copy, want);
}

static void expect_syntax_error(const char *expr, size_t want_pos, const char *want_msg)
{
    char err[256] = "";
    size_t pos = 12345;
    struct fhirpath_expr *e = fhirpath_compile(expr, strlen(expr), &pos, err, sizeof(err));
    if (e) fail_msg("'%s' compiled but should not", expr);
    if (pos != want_pos) fail_msg("'%s': error at %zu, want %zu (%s)", expr, pos, want_pos, err);
    if (!strstr(err, want_msg)) fail_msg("'%s': message '%s' lacks '%s'", expr, err, want_msg);
}

static void parses_valid_expressions(void **state)
{
    (void)state;
    const char *ok[] = {"name.given",
                        "Patient.name[0].given.first()",
                        "1 + 2 * 3 div 4 mod 5",
                        "a implies b or c xor d and e",
                        "x is FHIR.string",
                        "x as Quantity",
                        "@2019-01-01T10:00:00.000+02:00 > @T10:00",
                        "5 'mg' + 3 days",
                        "`delimited name`.x",
                        "'esc\\'aped\\u00e9' & %`vs-x`",
                        "{}",
                        "-1.5.abs()",
                        "$this.where($index > 0).aggregate($total + 1, 0)",
                        "// comment\n 1 /* block */ + 1"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
        char err[256];
        size_t pos;
        struct fhirpath_expr *e = fhirpath_compile(ok[i], strlen(ok[i]), &pos, err, sizeof(err));
        if (!e) fail_msg("'%s' failed at %zu: %s", ok[i], pos, err);
        fhirpath_free(e);
    }
}

static void rejects_bad_syntax_with_position(void **state)
{
    (void)state;
    expect_syntax_error("name.given = 'abc", 13, "unterminated string");
    expect_syntax_error("`abc", 0, "unterminated identifier");
    expect_syntax_error("1 + # 2", 4, "unexpected character '#'");
    expect_syntax_error("2 + 2 /* not finished", 6, "unterminated comment");
    expect_syntax_error("2 + 2 /", 7, "unexpected end");
    expect_syntax_error("name.given)", 10, "unexpected");
    expect_syntax_error("'bad \\q escape'", 5, "unknown escape");
    expect_syntax_error("@2019-13-01", 0, "bad date");
    expect_syntax_error("name.where(", 11, "unexpected end");
    expect_syntax_error("99999999999999999999", 0, "out of range");
    expect_syntax_error("$foo", 0, "unknown variable");
    expect_syntax_error("name.nosuch()", 5, "unknown function nosuch()");
    expect_syntax_error("name.where()", 5, "wrong number of arguments");
}

static void enforces_depth_and_length_limits(void **state)
{
    (void)state;
    char deep[300];
    size_t n = 0;
    for (int i = 0; i < 70; i++) deep[n++] = '(';
    deep[n++] = '1';
    for (int i = 0; i < 70; i++) deep[n++] = ')';
    deep[n] = 0;
    char err[256];
    size_t pos;
    struct fhirpath_expr *e = fhirpath_compile(deep, n, &pos, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "nested too deeply"));

    /* 30 levels is fine */
    e = fhirpath_compile(deep + 40, n - 80, &pos, err, sizeof(err));
    assert_non_null(e);
    fhirpath_free(e);

    size_t big = FHIRPATH_MAX_EXPR + 1;
    char *long_expr = malloc(big + 1);
    assert_non_null(long_expr);
    memset(long_expr, 'a', big);
    long_expr[big] = 0;
    e = fhirpath_compile(long_expr, big, &pos, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, "longer than"));
    free(long_expr);
}

static void evaluates_paths_and_functions(void **state)
{
    (void)state;
    expect(patient_json, "name.given.first()", "[\"Peter\"]");
    expect(patient_json, "Patient.name.given", "[\"Peter\",\"James\",\"Jim\"]");
    expect(patient_json, "name.where(use = 'usual').given", "[\"Jim\"]");
    expect(patient_json, "name.given.count()", "[3]");
    expect(patient_json, "name[1].given.single()", "[\"Jim\"]");
    expect(patient_json, "name.given.skip(1).take(1)", "[\"James\"]");
    expect(patient_json, "multipleBirth", "[2]");
    expect(patient_json, "multipleBirth is integer", "[true]");
    expect(patient_json, "managingOrganization.resolve().name", "[\"Org\"]");
    expect(patient_json, "name.given.select($this.length()).aggregate($total + $this, 0)", "[13]");
    expect(patient_json, "gender.upper().substring(1, 2)", "[\"AL\"]");
    expect(patient_json, "'a,b,,c'.split(',').join('|')", "[\"a|b||c\"]");
    expect(patient_json, "birthDate + 1 month", "[\"1975-01-25\"]");
    expect(patient_json, "name.exists(family = 'Chalmers') and active", "[true]");
}

static void evaluates_operators_and_literals(void **state)
{
    (void)state;
    expect(patient_json, "1 + 2 * 3", "[7]");
    expect(patient_json, "7 div 2 + 7 mod 2", "[4]");
    expect(patient_json, "1.50 + 1", "[2.50]");
    expect(patient_json, "1 / 0", "[]");
    expect(patient_json, "'ab' & {} & 'c'", "[\"abc\"]");
    expect(patient_json, "{} and false", "[false]");
    expect(patient_json, "{} and true", "[]");
    expect(patient_json, "{} or true", "[true]");
    expect(patient_json, "false implies {}", "[true]");
    expect(patient_json, "@2012 = @2012-01", "[]");
    expect(patient_json, "@2012-01-01 < @2012-01-02", "[true]");
    expect(patient_json, "'Abc  x' ~ 'abc x'", "[true]");
    expect(patient_json, "(1 | 2 | 2 | 3).count()", "[3]");
    expect(patient_json, "4.0 'g' = 4000 'mg'", "[true]");
    expect(patient_json, "7 days = 1 week", "[true]");
    expect(patient_json, "2 'kg'", "[{\"value\":2,\"unit\":\"kg\"}]");
}

static void resolves_choice_elements_by_type(void **state)
{
    (void)state;
    expect(obs_json, "Observation.value.unit", "[\"lbs\"]");
    expect(obs_json, "value.value", "[185.50]");
    expect(obs_json, "value is Quantity", "[true]");
    expect(obs_json, "value.ofType(Period)", "[]");
    expect(obs_json, "value > 100 '[lb_av]'", "[true]");
    /* the variant's own name is not a FHIRPath element, nor is a typo */
    assert_null(run(obs_json, "valueQuantity.unit"));
    assert_null(run(obs_json, "Observation.valeu"));
    /* another resource type's path selects nothing (search expressions are unions) */
    expect(obs_json, "Patient.name | Observation.status", "[\"final\"]");
}

static void exposes_types_and_texts(void **state)
{
    (void)state;
    json_object *res = parse(patient_json);
    const char *expr = "birthDate | gender | 1.50 | 2 'mg' | @T10:00 | name.first()";
    char err[256];
    size_t pos;
    struct fhirpath_expr *e = fhirpath_compile(expr, strlen(expr), &pos, err, sizeof(err));
    assert_non_null(e);
    struct fhirpath_result *r = fhirpath_eval(e, res, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(fhirpath_result_count(r), 6);
    const char *types[] = {"date", "code", "decimal", "Quantity", "time", "HumanName"};
    const char *texts[] = {"1974-12-25", "male", "1.50", "2 'mg'", "10:00", NULL};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(fhirpath_result_type(r, i), types[i]);
        if (texts[i]) assert_string_equal(fhirpath_result_text(r, i), texts[i]);
    }
    assert_null(fhirpath_result_type(r, 6));
    fhirpath_result_free(r);
    fhirpath_free(e);
    json_object_put(res);
}

static void reports_evaluation_errors(void **state)
{
    (void)state;
    assert_null(run(patient_json, "name.given.substring(0)")); /* several strings in */
    assert_null(run(patient_json, "1 + 'a'"));
    assert_null(run(patient_json, "'x'.matches('(')"));
    assert_null(run(patient_json, "1 < 'a'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_valid_expressions),
        cmocka_unit_test(rejects_bad_syntax_with_position),
        cmocka_unit_test(enforces_depth_and_length_limits),
        cmocka_unit_test(evaluates_paths_and_functions),
        cmocka_unit_test(evaluates_operators_and_literals),
        cmocka_unit_test(resolves_choice_elements_by_type),
        cmocka_unit_test(exposes_types_and_texts),
        cmocka_unit_test(reports_evaluation_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
