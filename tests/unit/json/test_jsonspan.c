/* The structural scanner: spans of the top-level members and of the "entry" elements, strings
 * and escapes honoured, and everything outside the simple shape reported as odd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json/jsonspan.h"

static enum jsonspan_rc scan(const char *s, struct jsonspan_doc *d)
{
    return jsonspan_scan(s, strlen(s), "entry", 100, 64, d);
}

static void assert_span(const char *s, struct jsonspan sp, const char *want)
{
    assert_int_equal(sp.len, strlen(want));
    assert_memory_equal(s + sp.off, want, sp.len);
}

static void finds_members_and_entries(void **state)
{
    (void)state;
    const char *s = " {\"resourceType\" : \"Bundle\",\"entry\":[ {\"a\":\"x]}\\\"{\"} ,[1,{}], 3 ,"
                    "\"s\\\\\"],\"type\":\"batch\", \"n\":-1.5e3 }\n";
    struct jsonspan_doc d;
    assert_int_equal(scan(s, &d), JSONSPAN_OK);
    assert_int_equal(d.nmembers, 4);
    assert_span(s, d.key[0], "resourceType");
    assert_span(s, d.val[0], "\"Bundle\"");
    assert_int_equal(d.array_member, 1);
    assert_span(s, d.key[2], "type");
    assert_span(s, d.val[3], "-1.5e3");
    assert_int_equal(d.nelems, 4);
    assert_span(s, d.elems[0], "{\"a\":\"x]}\\\"{\"}");
    assert_span(s, d.elems[1], "[1,{}]");
    assert_span(s, d.elems[2], "3");
    assert_span(s, d.elems[3], "\"s\\\\\"");
    assert_int_equal(d.depth, 4); /* the {} inside [1,{}] */
    jsonspan_doc_free(&d);
}

static void no_entries(void **state)
{
    (void)state;
    struct jsonspan_doc d;
    assert_int_equal(scan("{\"type\":\"batch\"}", &d), JSONSPAN_OK);
    assert_int_equal(d.nmembers, 1);
    assert_int_equal(d.array_member, 1); /* absent: nmembers */
    assert_int_equal(d.nelems, 0);
    jsonspan_doc_free(&d);
    assert_int_equal(scan("{\"entry\":[ ]}", &d), JSONSPAN_OK);
    assert_int_equal(d.array_member, 0);
    assert_int_equal(d.nelems, 0);
    jsonspan_doc_free(&d);
    assert_int_equal(scan("{ }", &d), JSONSPAN_OK);
    assert_int_equal(d.nmembers, 0);
    jsonspan_doc_free(&d);
}

static void odd_shapes(void **state)
{
    (void)state;
    static const char *odd[] = {
        "",
        "[]",
        "\"x\"",
        "{\"a\":1,\"a\":2}",             /* repeated name */
        "{\"entr\\u0079\":[]}",          /* escaped name */
        "{\"entry\":{}}",                /* not an array */
        "{\"a\":1} x",                   /* trailing bytes */
        "{\"a\":1 \"b\":2}",             /* missing comma */
        "{\"a\" 1}",                     /* missing colon */
        "{\"a\":1,}",                    /* trailing comma */
        "{\"entry\":[1,]}",              /* trailing comma in the array */
        "{\"entry\":[1 2]}",             /* missing comma in the array */
        "{\"a\":\"open}",                /* unterminated string */
        "{\"a\":[1,2}",                  /* unterminated value */
        "{\"a\":}",                      /* missing value */
        "{\"a\":1",                      /* truncated */
        "{\"\xc3\xa9\":1}",              /* non-ASCII name */
        "\xef\xbb\xbf{\"a\":1}",         /* byte order mark */
        "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", /* deeper than the limit below */
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        struct jsonspan_doc d;
        enum jsonspan_rc rc = jsonspan_scan(odd[i], strlen(odd[i]), "entry", 100, 8, &d);
        if (rc != JSONSPAN_ODD) fail_msg("case %zu (%s) was not odd", i, odd[i]);
        assert_null(d.elems);
    }
}

static void limits(void **state)
{
    (void)state;
    struct jsonspan_doc d;
    const char *s = "{\"entry\":[1,2,3]}";
    assert_int_equal(jsonspan_scan(s, strlen(s), "entry", 2, 64, &d), JSONSPAN_NOMEM);
    assert_int_equal(jsonspan_scan(s, strlen(s), "entry", 3, 64, &d), JSONSPAN_OK);
    assert_int_equal(d.nelems, 3);
    jsonspan_doc_free(&d);
    /* Exactly at the depth limit is fine, one more is not. */
    const char *deep = "{\"a\":[[1]]}";
    assert_int_equal(jsonspan_scan(deep, strlen(deep), "entry", 2, 3, &d), JSONSPAN_OK);
    assert_int_equal(d.depth, 3);
    jsonspan_doc_free(&d);
    assert_int_equal(jsonspan_scan(deep, strlen(deep), "entry", 2, 2, &d), JSONSPAN_ODD);
    /* Many members: beyond JSONSPAN_MEMBERS_MAX the document is odd. */
    char many[JSONSPAN_MEMBERS_MAX * 16 + 16];
    size_t n = 0;
    many[n++] = '{';
    for (int i = 0; i <= JSONSPAN_MEMBERS_MAX; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "%s\"k%d\":1", i ? "," : "", i);
    many[n++] = '}';
    assert_int_equal(jsonspan_scan(many, n, "entry", 2, 64, &d), JSONSPAN_ODD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_members_and_entries),
        cmocka_unit_test(no_entries),
        cmocka_unit_test(odd_shapes),
        cmocka_unit_test(limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
