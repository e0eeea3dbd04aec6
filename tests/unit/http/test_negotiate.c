#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/negotiate.h"

struct row {
    const char *in;
    int want;
};

static void format_param_table(void **state)
{
    static const struct row rows[] = {
        {"json", HTTP_FMT_FHIR_JSON},
        {"JSON", HTTP_FMT_FHIR_JSON},
        {"application/fhir+json", HTTP_FMT_FHIR_JSON},
        {"application/fhir json", HTTP_FMT_FHIR_JSON}, /* '+' left unescaped in the URL */
        {"application/fhir+json;charset=utf-8", HTTP_FMT_FHIR_JSON},
        {"application/fhir+json; charset=UTF-8", HTTP_FMT_FHIR_JSON},
        {"application/json+fhir", HTTP_FMT_FHIR_JSON},
        {"application/json", HTTP_FMT_JSON},
        {"application/json;charset=utf-8", HTTP_FMT_JSON},
        {"application/fhir+json;charset=iso-8859-1", HTTP_FMT_NONE},
        {"xml", HTTP_FMT_NONE},
        {"application/fhir+xml", HTTP_FMT_NONE},
        {"application/xml", HTTP_FMT_NONE},
        {"text/xml", HTTP_FMT_NONE},
        {"ttl", HTTP_FMT_NONE},
        {"text/turtle", HTTP_FMT_NONE},
        {"html", HTTP_FMT_NONE},
        {"*/*", HTTP_FMT_NONE}, /* _format names a format, not a range */
        {"", HTTP_FMT_NONE},
        {"jsonx", HTTP_FMT_NONE},
        {NULL, HTTP_FMT_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = http_format_param(rows[i].in);
        if (got != rows[i].want) fprintf(stderr, "_format=%s: got %d\n", rows[i].in, got);
        assert_int_equal(got, rows[i].want);
    }
}

static void accept_table(void **state)
{
    static const struct row rows[] = {
        {NULL, HTTP_FMT_FHIR_JSON},
        {"", HTTP_FMT_FHIR_JSON},
        {"*/*", HTTP_FMT_FHIR_JSON},
        {"application/*", HTTP_FMT_FHIR_JSON},
        {"application/fhir+json", HTTP_FMT_FHIR_JSON},
        {"application/fhir+json; fhirVersion=4.0; q=0.9", HTTP_FMT_FHIR_JSON},
        {"application/json", HTTP_FMT_JSON},
        {"Application/JSON;charset=utf-8", HTTP_FMT_JSON},
        {"application/json, application/fhir+json", HTTP_FMT_FHIR_JSON},
        {"application/json;q=1, application/fhir+json;q=0.5", HTTP_FMT_JSON},
        {"application/fhir+xml", HTTP_FMT_NONE},
        {"application/fhir+xml, application/xml;q=0.9", HTTP_FMT_NONE},
        {"text/html", HTTP_FMT_NONE},
        {"text/turtle", HTTP_FMT_NONE},
        {"text/*", HTTP_FMT_NONE},
        {"application/fhir+xml, */*;q=0.1", HTTP_FMT_FHIR_JSON},
        {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTTP_FMT_FHIR_JSON},
        {"*/*;q=0", HTTP_FMT_NONE},
        {"application/fhir+json;q=0.000", HTTP_FMT_NONE},
        {"application/fhir+json;q=0.001", HTTP_FMT_FHIR_JSON},
        {"application/fhir+json;charset=latin1", HTTP_FMT_NONE},
        {" , ,", HTTP_FMT_FHIR_JSON},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = http_accept(rows[i].in);
        if (got != rows[i].want) fprintf(stderr, "Accept: %s: got %d\n", rows[i].in, got);
        assert_int_equal(got, rows[i].want);
    }
}

static void content_type_table(void **state)
{
    static const struct row rows[] = {
        {NULL, HTTP_CT_NONE},
        {"", HTTP_CT_NONE},
        {"application/fhir+json", HTTP_CT_JSON},
        {"application/fhir+json;charset=utf-8", HTTP_CT_JSON},
        {"application/fhir+json; charset=\"UTF-8\"; fhirVersion=4.0", HTTP_CT_JSON},
        {"application/json", HTTP_CT_JSON},
        {"APPLICATION/JSON", HTTP_CT_JSON},
        {"application/json; charset=iso-8859-1", HTTP_CT_OTHER},
        {"application/fhir+xml", HTTP_CT_OTHER},
        {"text/plain", HTTP_CT_OTHER},
        {"application/json-patch+json", HTTP_CT_OTHER},
        {"application/x-www-form-urlencoded", HTTP_CT_FORM},
        {"application/x-www-form-urlencoded; charset=utf-8", HTTP_CT_FORM},
        {"*/*", HTTP_CT_OTHER},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int got = http_content_type(rows[i].in);
        if (got != rows[i].want) fprintf(stderr, "Content-Type: %s: got %d\n", rows[i].in, got);
        assert_int_equal(got, rows[i].want);
    }
}

static void reply_mime(void **state)
{
    assert_string_equal(http_fmt_mime(HTTP_FMT_FHIR_JSON), "application/fhir+json;charset=utf-8");
    assert_string_equal(http_fmt_mime(HTTP_FMT_JSON), "application/json;charset=utf-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_param_table),
        cmocka_unit_test(accept_table),
        cmocka_unit_test(content_type_table),
        cmocka_unit_test(reply_mime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
