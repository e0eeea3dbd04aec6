/* The pure parsers of the REST floor: Prefer, If-Match, conditions, Bundle entry URLs, conditional
 * references, and the reference walk used to rewrite urn:uuid references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/jsonx.h"
#include "rest/internal.h"

static void prefer_return(void **state)
{
    assert_int_equal(rest_prefer_return(NULL), REST_RETURN_REPRESENTATION);
    assert_int_equal(rest_prefer_return(""), REST_RETURN_REPRESENTATION);
    assert_int_equal(rest_prefer_return("return=minimal"), REST_RETURN_MINIMAL);
    assert_int_equal(rest_prefer_return("return=OperationOutcome"), REST_RETURN_OUTCOME);
    assert_int_equal(rest_prefer_return("return=representation"), REST_RETURN_REPRESENTATION);
    assert_int_equal(rest_prefer_return("handling=strict, return=minimal"), REST_RETURN_MINIMAL);
    assert_int_equal(rest_prefer_return("respond-async; return = \"minimal\""),
                     REST_RETURN_MINIMAL);
    assert_int_equal(rest_prefer_return("handling=lenient"), REST_RETURN_REPRESENTATION);
    /* Only the return preference counts, not a value that merely looks like one. */
    assert_int_equal(rest_prefer_return("x-return=minimal"), REST_RETURN_REPRESENTATION);
    assert_int_equal(rest_prefer_return("return=everything"), REST_RETURN_REPRESENTATION);
}

static void if_match(void **state)
{
    int64_t v = 0;
    assert_true(rest_parse_etag("W/\"3\"", &v));
    assert_int_equal(v, 3);
    assert_true(rest_parse_etag("\"12\"", &v));
    assert_int_equal(v, 12);
    assert_true(rest_parse_etag(" W/\"7\" ", &v));
    assert_int_equal(v, 7);
    assert_true(rest_parse_etag("5", &v));
    assert_int_equal(v, 5);
    v = 99;
    assert_false(rest_parse_etag("three", &v));
    assert_false(rest_parse_etag("W/\"3", &v));
    assert_false(rest_parse_etag("W/3", &v));
    assert_false(rest_parse_etag("\"\"", &v));
    assert_false(rest_parse_etag("W/\"0\"", &v));
    assert_false(rest_parse_etag("W/\"-1\"", &v));
    assert_false(rest_parse_etag("W/\"1x\"", &v));
    assert_false(rest_parse_etag("", &v));
    assert_false(rest_parse_etag(NULL, &v));
    assert_false(rest_parse_etag("W/\"99999999999999999999\"", &v));
    assert_int_equal(v, 99); /* untouched on failure */
}

static enum rg_err cond(const char *q, struct rest_cond *c, struct rg_fail *f)
{
    return rest_cond_parse(q, strlen(q), c, f);
}

static void conditions_supported(void **state)
{
    struct rest_cond c;
    struct rg_fail f;
    assert_int_equal(cond("identifier=urn:x|123", &c, &f), RG_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.c[0].param, "identifier");
    assert_string_equal(c.c[0].system, "urn:x");
    assert_string_equal(c.c[0].code, "123");

    assert_int_equal(cond("identifier=%7C123", &c, &f), RG_OK); /* |code: no system */
    assert_string_equal(c.c[0].system, "");
    assert_string_equal(c.c[0].code, "123");

    assert_int_equal(cond("identifier=123", &c, &f), RG_OK); /* code: any system */
    assert_null(c.c[0].system);
    assert_string_equal(c.c[0].code, "123");

    assert_int_equal(cond("identifier=urn%3Ax%7C", &c, &f), RG_OK); /* system|: any code */
    assert_string_equal(c.c[0].system, "urn:x");
    assert_null(c.c[0].code);

    assert_int_equal(cond("_id=abc&identifier=s|v&_format=json&_pretty=true", &c, &f), RG_OK);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.c[0].param, "_id");
    assert_string_equal(c.c[0].code, "abc");
    assert_string_equal(c.c[1].code, "v");

    assert_int_equal(cond("identifier=a+b", &c, &f), RG_OK);
    assert_string_equal(c.c[0].code, "a b");

    /* Search escaping: \, and \| are part of the value, not OR or the system separator. */
    assert_int_equal(cond("identifier=urn:x%7Ca%5C%2Cb", &c, &f), RG_OK);
    assert_string_equal(c.c[0].system, "urn:x");
    assert_string_equal(c.c[0].code, "a,b");
    assert_int_equal(cond("identifier=a%5C%7Cb", &c, &f), RG_OK);
    assert_null(c.c[0].system);
    assert_string_equal(c.c[0].code, "a|b");
}

static void conditions_refused(void **state)
{
    struct rest_cond c;
    struct rg_fail f;
    assert_int_equal(cond("", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("_format=json", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("favouriteColour=blue", &c, &f), RG_E_BAD_QUERY);
    assert_non_null(strstr(f.detail, "only _id and identifier"));
    assert_int_equal(cond("name=x&identifier=a|b", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier=", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier=|", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier=%zz", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier=a%00b", &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("identifier=a%2", &c, &f), RG_E_BAD_QUERY);
    /* A comma is OR: matching one value only would create duplicates, so it is refused. */
    assert_int_equal(cond("identifier=s|1,s|2", &c, &f), RG_E_BAD_QUERY);
    assert_non_null(strstr(f.detail, "comma"));
    assert_int_equal(cond("_id=a%2Cb", &c, &f), RG_E_BAD_QUERY);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "_id=", 4);
    assert_int_equal(cond(big, &c, &f), RG_E_BAD_QUERY);
    assert_int_equal(cond("_id=1&_id=2&_id=3&_id=4&_id=5&_id=6&_id=7&_id=8&_id=9", &c, &f),
                     RG_E_BAD_QUERY);
}

static void entry_urls(void **state)
{
    struct rest_url u;
    struct rg_fail f;
    assert_int_equal(rest_url_parse(NULL, "Patient", &u, &f), RG_OK);
    assert_int_equal(u.kind, REST_URL_TYPE);
    assert_string_equal(u.type, "Patient");
    assert_int_equal(rest_url_parse(NULL, "Patient/p-1", &u, &f), RG_OK);
    assert_int_equal(u.kind, REST_URL_INSTANCE);
    assert_string_equal(u.id, "p-1");
    assert_int_equal(rest_url_parse(NULL, "Observation/o/_history/12", &u, &f), RG_OK);
    assert_int_equal(u.kind, REST_URL_VERSION);
    assert_int_equal(u.version, 12);
    assert_int_equal(rest_url_parse(NULL, "Patient?identifier=a|b", &u, &f), RG_OK);
    assert_int_equal(u.kind, REST_URL_COND);
    assert_string_equal(u.query, "identifier=a|b");

    struct rest_ctx rc = {.base_url = "http://h/fhir"};
    assert_int_equal(rest_url_parse(&rc, "http://h/fhir/Patient/x", &u, &f), RG_OK);
    assert_string_equal(u.id, "x");

    assert_int_equal(rest_url_parse(NULL, "Spaceship", &u, &f), RG_E_UNKNOWN_TYPE);
    assert_int_equal(rest_url_parse(NULL, "Patient/bad_id", &u, &f), RG_E_BAD_ID);
    assert_int_equal(rest_url_parse(NULL, "Patient/x/_history/0", &u, &f), RG_E_BAD_BUNDLE);
    assert_int_equal(rest_url_parse(NULL, "Patient/x/_history/x", &u, &f), RG_E_BAD_BUNDLE);
    assert_int_equal(rest_url_parse(NULL, "Patient/x/other/1", &u, &f), RG_E_BAD_BUNDLE);
    assert_int_equal(rest_url_parse(NULL, "Patient/x/_history/1/more", &u, &f), RG_E_BAD_BUNDLE);
    assert_int_equal(rest_url_parse(NULL, "Patient/x?identifier=a", &u, &f), RG_E_BAD_BUNDLE);
    assert_int_equal(rest_url_parse(NULL, "", &u, &f), RG_E_BAD_BUNDLE);
}

static void conditional_references(void **state)
{
    const char *q = NULL;
    assert_true(rest_ref_is_conditional("Patient?identifier=a|b", &q));
    assert_string_equal(q, "?identifier=a|b");
    assert_false(rest_ref_is_conditional("Patient/1", &q));
    assert_false(rest_ref_is_conditional("?x=1", &q));
    assert_false(rest_ref_is_conditional("http://x/fhir/Patient?x=1", &q));
    assert_false(rest_ref_is_conditional("urn:uuid:1234", &q));
}

struct seen {
    const char *refs[8];
    size_t n;
};

static int collect(void *ctx, json_object *holder, const char *ref)
{
    struct seen *s = ctx;
    if (s->n < 8) s->refs[s->n++] = ref;
    if (!strcmp(ref, "urn:uuid:1")) rest_ref_set(holder, "Patient", "p1");
    return 0;
}

static void reference_walk_rewrites(void **state)
{
    const char *text =
        "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"urn:uuid:1\"},"
        "\"performer\":[{\"reference\":\"Practitioner?identifier=s|v\"},{\"display\":\"x\"}],"
        "\"component\":[{\"valueString\":\"reference\",\"x\":{\"reference\":\"urn:uuid:1\"}}],"
        "\"note\":[{\"text\":\"reference\"}],\"reference\":7}";
    enum jsonx_err je;
    json_object *v = jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
    assert_non_null(v);
    struct seen s = {0};
    assert_int_equal(rest_refs_walk(v, collect, &s), 0);
    /* Only string members named "reference", at any depth. */
    assert_int_equal(s.n, 3);
    const char *out = jsonx_text(v, false, NULL);
    assert_null(strstr(out, "urn:uuid:1"));
    assert_non_null(strstr(out, "\"subject\":{\"reference\":\"Patient/p1\"}"));
    assert_non_null(strstr(out, "\"x\":{\"reference\":\"Patient/p1\"}"));
    assert_non_null(strstr(out, "Practitioner?identifier=s|v"));
    json_object_put(v);
}

static void strmap_grows(void **state)
{
    struct rest_strmap m;
    assert_int_equal(rest_strmap_init(&m, 2), 0);
    static char keys[1000][8];
    for (size_t i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%zu", i);
        assert_int_equal(rest_strmap_put(&m, keys[i], i), 0);
    }
    assert_int_equal(rest_strmap_put(&m, "k5", 77), 1);
    size_t v = 0;
    for (size_t i = 0; i < 1000; i++) {
        assert_true(rest_strmap_get(&m, keys[i], &v));
        assert_int_equal(v, i);
    }
    assert_false(rest_strmap_get(&m, "k1000", &v));
    rest_strmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefer_return),
        cmocka_unit_test(if_match),
        cmocka_unit_test(conditions_supported),
        cmocka_unit_test(conditions_refused),
        cmocka_unit_test(entry_urls),
        cmocka_unit_test(conditional_references),
        cmocka_unit_test(reference_walk_rewrites),
        cmocka_unit_test(strmap_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
