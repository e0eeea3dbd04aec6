/* The search parser's result parameters (src/rest/search_result.c): _sort, _count, _offset,
 * _summary, _elements, _total, _include and _revinclude. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "search_test.h"

static void sort_keys(void **state)
{
    assert_int_equal(parse_q("Observation", "_sort=-date,code,_id,-_lastUpdated", SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.q.nsort, 4);
    assert_string_equal(S.q.sort[0].param, "date");
    assert_int_equal(S.q.sort[0].ix_kind, STORE_IX_DATE);
    assert_true(S.q.sort[0].desc);
    assert_string_equal(S.q.sort[1].param, "code");
    assert_int_equal(S.q.sort[1].ix_kind, STORE_IX_TOKEN);
    assert_false(S.q.sort[1].desc);
    assert_string_equal(S.q.sort[2].param, "_id");
    assert_string_equal(S.q.sort[3].param, "_lastUpdated");
    assert_true(S.q.sort[3].desc);
    assert_string_equal(S.self_query, "_sort=-date,code,_id,-_lastUpdated");

    assert_int_equal(parse_q("Patient", "_sort=family&_sort=-birthdate", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nsort, 2);
    assert_int_equal(S.q.sort[0].ix_kind, STORE_IX_STRING);
    /* not a parameter of the type, composite, empty key, too many keys: bad, in any handling */
    assert_int_equal(parse_q("Patient", "_sort=code", SEARCH_LENIENT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "_sort=code-value-quantity", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_sort=family,", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_sort=-", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_sort=a,b,c,d,e,f,g,h,i", SEARCH_STRICT), RG_E_TOO_MANY);
    assert_int_equal(parse_q("Patient", "_sort:desc=family", SEARCH_STRICT), RG_E_BAD_QUERY);
}

static void count_and_offset(void **state)
{
    assert_int_equal(parse_q("Patient", "", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 20); /* page_default */
    assert_false(S.count_given);
    assert_false(S.q.want_total);

    assert_int_equal(parse_q("Patient", "_count=7&_offset=14", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 7);
    assert_int_equal(S.q.offset, 14);
    assert_true(S.count_given);
    assert_string_equal(S.self_query, "_count=7");

    assert_int_equal(parse_q("Patient", "_count=1000", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 100); /* lowered to page_max */
    assert_int_equal(parse_q("Patient", "_count=99999999999999999999999", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 100);

    /* _count=0: the number of matches only */
    assert_int_equal(parse_q("Patient", "_count=0", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 0);
    assert_true(S.q.want_total);

    assert_int_equal(parse_q("Patient", "_count=-1", SEARCH_LENIENT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_count=ten", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_count=1.5", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_offset=-3", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_offset=99999999999999999999", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
}

static void summary_total_elements(void **state)
{
    static const struct {
        const char *v;
        enum search_summary s;
    } sums[] = {{"true", SEARCH_SUMMARY_TRUE},
                {"false", SEARCH_SUMMARY_NONE},
                {"count", SEARCH_SUMMARY_COUNT},
                {"data", SEARCH_SUMMARY_DATA},
                {"text", SEARCH_SUMMARY_TEXT}};
    for (size_t i = 0; i < 5; i++) {
        char q[64];
        snprintf(q, sizeof q, "_summary=%s", sums[i].v);
        assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_OK);
        assert_int_equal(S.summary, sums[i].s);
    }
    /* count: no page, only the total, whatever _count says */
    assert_int_equal(parse_q("Patient", "_summary=count&_count=10", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.count, 0);
    assert_true(S.q.want_total);
    assert_int_equal(parse_q("Patient", "_summary=yes", SEARCH_STRICT), RG_E_BAD_PARAM);

    assert_int_equal(parse_q("Patient", "_total=none", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.total, SEARCH_TOTAL_NONE);
    assert_false(S.q.want_total);
    assert_int_equal(parse_q("Patient", "_total=estimate", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.total, SEARCH_TOTAL_ESTIMATE);
    assert_int_equal(parse_q("Patient", "_total=accurate", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.total, SEARCH_TOTAL_ACCURATE);
    assert_true(S.q.want_total);
    assert_int_equal(parse_q("Patient", "_total=all", SEARCH_STRICT), RG_E_BAD_PARAM);

    assert_int_equal(
        parse_q("Patient", "_elements=identifier,active,name&_elements=gender", SEARCH_STRICT),
        RG_OK);
    assert_int_equal(S.nelements, 4);
    assert_string_equal(S.elements[0], "identifier");
    assert_string_equal(S.elements[3], "gender");
    assert_int_equal(parse_q("Patient", "_elements=a,,b", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_elements=na%20me", SEARCH_STRICT), RG_E_BAD_PARAM);
    char q[400] = "_elements=";
    size_t n = strlen(q);
    for (int i = 0; i <= SEARCH_ELEMENTS_MAX; i++) n += (size_t)snprintf(q + n, 8, "e%d,", i);
    q[n - 1] = '\0';
    assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_E_TOO_MANY);
}

static void includes(void **state)
{
    assert_int_equal(parse_q("MedicationRequest",
                             "_include=MedicationRequest:patient&_include:iterate=Patient:general-"
                             "practitioner:Practitioner&_revinclude=Provenance:target&_include=*",
                             SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.nincludes, 4);
    assert_false(S.includes[0].reverse);
    assert_false(S.includes[0].iterate);
    assert_string_equal(S.includes[0].src_type, "MedicationRequest");
    assert_string_equal(S.includes[0].param, "patient");
    assert_string_equal(S.includes[0].target_type, "");
    assert_true(S.includes[1].iterate);
    assert_string_equal(S.includes[1].target_type, "Practitioner");
    assert_true(S.includes[2].reverse);
    assert_string_equal(S.includes[2].src_type, "Provenance");
    assert_string_equal(S.includes[3].src_type, "*");
    assert_string_equal(S.includes[3].param, "*");
    assert_string_equal(S.self_query,
                        "_include=MedicationRequest:patient&_include:iterate=Patient:general-"
                        "practitioner:Practitioner&_revinclude=Provenance:target&_include=*");

    /* :recurse is R3's name for :iterate; Type:* is every reference parameter */
    assert_int_equal(parse_q("Observation", "_include:recurse=Observation:*", SEARCH_STRICT),
                     RG_OK);
    assert_true(S.includes[0].iterate);
    assert_string_equal(S.includes[0].param, "*");
    assert_int_equal(
        parse_q("Observation", "_revinclude:iterate=Observation:has-member", SEARCH_STRICT), RG_OK);
    assert_true(S.includes[0].reverse && S.includes[0].iterate);

    /* malformed: BAD_PARAM; unknown type, parameter or target: unknown (skipped if lenient) */
    assert_int_equal(parse_q("Observation", "_include=Observation", SEARCH_LENIENT),
                     RG_E_BAD_PARAM);
    assert_int_equal(
        parse_q("Observation", "_include=Observation:subject:Patient:x", SEARCH_STRICT),
        RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "_include=Observation::Patient", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    static const char *const unknown[] = {
        "_include=Nope:subject", "_include=Observation:nope", "_include=Observation:code",
        "_include=Observation:subject:Medication", "_include:deep=Observation:subject"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_int_equal(parse_q("Observation", unknown[i], SEARCH_STRICT), RG_E_BAD_QUERY);
        assert_int_equal(parse_q("Observation", unknown[i], SEARCH_LENIENT), RG_OK);
        assert_int_equal(S.nincludes, 0);
        assert_string_equal(S.self_query, "");
    }
    char q[SEARCH_INCLUDES_MAX * 32 + 32];
    size_t n = 0;
    for (int i = 0; i <= SEARCH_INCLUDES_MAX; i++)
        n += (size_t)snprintf(q + n, 32, "_include=Observation:subject&");
    q[n - 1] = '\0';
    assert_int_equal(parse_q("Observation", q, SEARCH_STRICT), RG_E_TOO_MANY);
}

static void format_and_pretty_ignored(void **state)
{
    assert_int_equal(parse_q("Patient", "_format=xml&_pretty=true&_format:x=1", SEARCH_STRICT),
                     RG_OK);
    assert_string_equal(S.self_query, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sort_keys),
        cmocka_unit_test(count_and_offset),
        cmocka_unit_test(summary_total_elements),
        cmocka_unit_test(includes),
        cmocka_unit_test(format_and_pretty_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
