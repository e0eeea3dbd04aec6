#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/query.h"

static enum http_query_rc parse(struct http_params *p, const char *s)
{
    return http_query_parse(p, s, strlen(s));
}

static void keeps_order_and_repeats(void **state)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(parse(&p, "name=smith&birthdate=ge2000&name=jones"), HTTP_QUERY_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.items[0].name, "name");
    assert_string_equal(p.items[0].value, "smith");
    assert_string_equal(p.items[1].name, "birthdate");
    assert_string_equal(p.items[1].value, "ge2000");
    assert_string_equal(p.items[2].name, "name");
    assert_string_equal(p.items[2].value, "jones");
    http_params_free(&p);
}

static void decodes_percent_and_plus(void **state)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(parse(&p, "a+b=c+d&id%3Ax=http%3A%2F%2Fx%7C1&e=%C3%A9&p=%2B"), HTTP_QUERY_OK);
    assert_int_equal(p.n, 4);
    assert_string_equal(p.items[0].name, "a b");
    assert_string_equal(p.items[0].value, "c d");
    assert_string_equal(p.items[1].name, "id:x");
    assert_string_equal(p.items[1].value, "http://x|1");
    assert_string_equal(p.items[2].value, "\xc3\xa9");
    assert_string_equal(p.items[3].value, "+");
    http_params_free(&p);
}

static void empty_pairs_and_missing_values(void **state)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(parse(&p, "&&a&b=&=c&&"), HTTP_QUERY_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.items[0].name, "a");
    assert_string_equal(p.items[0].value, "");
    assert_string_equal(p.items[1].name, "b");
    assert_string_equal(p.items[1].value, "");
    assert_string_equal(p.items[2].name, "");
    assert_string_equal(p.items[2].value, "c");
    /* '=' inside a value stays. */
    http_params_reset(&p);
    assert_int_equal(parse(&p, "x=a=b"), HTTP_QUERY_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].value, "a=b");
    assert_int_equal(http_query_parse(&p, NULL, 0), HTTP_QUERY_OK);
    assert_int_equal(p.n, 1);
    http_params_free(&p);
}

static void bad_escapes_are_refused(void **state)
{
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%g0", "%=1", "a=1&b=%0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_params p;
        http_params_init(&p);
        assert_int_equal(parse(&p, bad[i]), HTTP_QUERY_BAD_ESCAPE);
        http_params_free(&p);
    }
}

static void nul_and_bad_utf8_are_refused(void **state)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(parse(&p, "a=%00"), HTTP_QUERY_NUL);
    assert_int_equal(http_query_parse(&p, "a=x\0y", 5), HTTP_QUERY_NUL);
    assert_int_equal(parse(&p, "a=%C3"), HTTP_QUERY_BAD_UTF8);
    assert_int_equal(parse(&p, "a=%C0%AF"), HTTP_QUERY_BAD_UTF8);    /* overlong '/' */
    assert_int_equal(parse(&p, "a=%ED%A0%80"), HTTP_QUERY_BAD_UTF8); /* surrogate */
    assert_int_equal(parse(&p, "a=%FF"), HTTP_QUERY_BAD_UTF8);
    assert_int_equal(p.n, 0);
    assert_int_equal(parse(&p, "a=%F0%9F%98%80"), HTTP_QUERY_OK);
    assert_int_equal(p.n, 1);
    http_params_free(&p);
}

static void too_many_params(void **state)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    for (int i = 0; i < HTTP_MAX_PARAMS; i++) buf_printf(&b, "%sp%d=%d", i ? "&" : "", i, i);
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(http_query_parse(&p, b.data, b.len), HTTP_QUERY_OK);
    assert_int_equal(p.n, HTTP_MAX_PARAMS);
    assert_string_equal(p.items[HTTP_MAX_PARAMS - 1].value, "127");
    http_params_reset(&p);
    buf_append_str(&b, "&one=more");
    assert_int_equal(http_query_parse(&p, b.data, b.len), HTTP_QUERY_TOO_MANY);
    /* Trailing separators do not count as parameters. */
    http_params_reset(&p);
    b.len -= strlen("one=more");
    assert_int_equal(http_query_parse(&p, b.data, b.len), HTTP_QUERY_OK);
    http_params_free(&p);
    buf_free(&b);
}

static void second_parse_appends_and_keeps_pointers(void **state)
{
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(parse(&p, "a=1"), HTTP_QUERY_OK);
    /* Large enough to move the store: earlier items must follow it. */
    size_t n = 100000;
    char *big = malloc(n + 3);
    memcpy(big, "b=", 2);
    memset(big + 2, 'x', n);
    big[n + 2] = '\0';
    assert_int_equal(parse(&p, big), HTTP_QUERY_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.items[0].name, "a");
    assert_string_equal(p.items[0].value, "1");
    assert_int_equal(strlen(p.items[1].value), n);
    free(big);
    /* Reset after a large query frees the memory rather than pinning it. */
    http_params_reset(&p);
    assert_null(p.store);
    assert_int_equal(parse(&p, "c=3"), HTTP_QUERY_OK);
    assert_string_equal(p.items[0].value, "3");
    http_params_free(&p);
}

static void pct_decode_plus_only_when_asked(void **state)
{
    char out[16];
    size_t n = 0;
    assert_int_equal(http_pct_decode("a+b%20c", 7, out, &n, false), HTTP_QUERY_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "a+b c", 5);
    assert_int_equal(http_pct_decode("a+b", 3, out, &n, true), HTTP_QUERY_OK);
    assert_memory_equal(out, "a b", 3);
    assert_true(http_utf8_valid("", 0));
    assert_false(http_utf8_valid("\xe2\x82", 2));
    assert_true(http_utf8_valid("\xe2\x82\xac", 3));
    assert_false(http_utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_order_and_repeats),
        cmocka_unit_test(decodes_percent_and_plus),
        cmocka_unit_test(empty_pairs_and_missing_values),
        cmocka_unit_test(bad_escapes_are_refused),
        cmocka_unit_test(nul_and_bad_utf8_are_refused),
        cmocka_unit_test(too_many_params),
        cmocka_unit_test(second_parse_appends_and_keeps_pointers),
        cmocka_unit_test(pct_decode_plus_only_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
