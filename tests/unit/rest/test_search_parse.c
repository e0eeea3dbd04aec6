/* The search parser (src/rest/search_parse.c): parameters to a store query, by type, modifier and
 * prefix, from the examples of the FHIR R4 search page; errors under strict and lenient handling;
 * the self link's query. Result parameters are in test_search_result.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/query.h"
#include "rest/search.h"
#include "search_test.h"

static void prefer_handling(void **state)
{
    assert_int_equal(search_prefer_handling(NULL), SEARCH_LENIENT);
    assert_int_equal(search_prefer_handling(""), SEARCH_LENIENT);
    assert_int_equal(search_prefer_handling("handling=strict"), SEARCH_STRICT);
    assert_int_equal(search_prefer_handling("return=minimal, handling=strict"), SEARCH_STRICT);
    assert_int_equal(search_prefer_handling("respond-async; handling = \"strict\""), SEARCH_STRICT);
    assert_int_equal(search_prefer_handling("HANDLING=Strict"), SEARCH_STRICT);
    assert_int_equal(search_prefer_handling("handling=lenient"), SEARCH_LENIENT);
    assert_int_equal(search_prefer_handling("handling=strictly"), SEARCH_LENIENT);
    assert_int_equal(search_prefer_handling("x-handling=strict"), SEARCH_LENIENT);
}

static void string_default_exact_contains(void **state)
{
    assert_int_equal(parse_q("Patient", "name=%C3%89mile%20%20Zo%C3%AB", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->kind, STORE_Q_IX);
    assert_int_equal(c->ix_kind, STORE_IX_STRING);
    assert_string_equal(c->param, "name");
    assert_int_equal(c->match, STORE_M_DEFAULT);
    assert_int_equal(c->nvalues, 1);
    assert_string_equal(c->values[0].text, "emile zoe");

    assert_int_equal(parse_q("Patient", "family:exact=%C3%89mile", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_EXACT);
    assert_string_equal(S.q.clauses[0].values[0].text, "\xc3\x89mile");

    assert_int_equal(parse_q("Patient", "name:contains=EMI", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_CONTAINS);
    assert_string_equal(S.q.clauses[0].values[0].text, "emi");
}

static void or_and_and(void **state)
{
    /* comma = OR inside one clause; a repeated parameter = another clause (AND) */
    assert_int_equal(parse_q("Patient", "given=eve,adam&given=x", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 2);
    assert_int_equal(S.q.clauses[0].nvalues, 2);
    assert_string_equal(S.q.clauses[0].values[0].text, "eve");
    assert_string_equal(S.q.clauses[0].values[1].text, "adam");
    assert_int_equal(S.q.clauses[1].nvalues, 1);
    assert_string_equal(S.q.clauses[1].values[0].text, "x");
    assert_int_equal(S.nclauses, 2);
    assert_int_equal(S.nvalues, 3);
    /* an empty alternative is malformed; an empty value is no criterion at all */
    assert_int_equal(parse_q("Patient", "given=a,,b", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "given=&family=x", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    assert_string_equal(S.self_query, "family=x");
}

static void escapes(void **state)
{
    assert_int_equal(parse_q("Patient", "family=a%5C,b,c", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].nvalues, 2);
    assert_string_equal(S.q.clauses[0].values[0].text, "a,b");
    assert_string_equal(S.q.clauses[0].values[1].text, "c");
    /* \| in a token's code, \\ as one backslash, \$ as a dollar */
    assert_int_equal(parse_q("Patient", "identifier=s%5C%7Cx%7Ca%5C%5Cb%5C$", SEARCH_STRICT),
                     RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].system, "s|x");
    assert_string_equal(S.q.clauses[0].values[0].code, "a\\b$");
    /* a backslash before another character stays */
    assert_int_equal(parse_q("Patient", "family:exact=a%5Cb", SEARCH_STRICT), RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].text, "a\\b");
}

static void token_forms(void **state)
{
    assert_int_equal(parse_q("Patient", "identifier=http://x.org/mrn%7C123,%7C456,http://y%7C,789",
                             SEARCH_STRICT),
                     RG_OK);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->ix_kind, STORE_IX_TOKEN);
    assert_int_equal(c->nvalues, 4);
    assert_string_equal(c->values[0].system, "http://x.org/mrn");
    assert_string_equal(c->values[0].code, "123");
    assert_string_equal(c->values[1].system, ""); /* |code: no system */
    assert_string_equal(c->values[1].code, "456");
    assert_string_equal(c->values[2].system, "http://y"); /* system|: any code */
    assert_null(c->values[2].code);
    assert_null(c->values[3].system); /* code: any system */
    assert_string_equal(c->values[3].code, "789");
    /* booleans are tokens */
    assert_int_equal(parse_q("Patient", "active=true", SEARCH_STRICT), RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].code, "true");
}

static void token_modifiers(void **state)
{
    assert_int_equal(parse_q("Patient", "gender:not=male", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_NOT);
    assert_string_equal(S.q.clauses[0].values[0].code, "male");

    assert_int_equal(parse_q("Observation", "code:text=Blood%20PRESSURE", SEARCH_STRICT), RG_OK);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->ix_kind, STORE_IX_STRING);
    assert_string_equal(c->param, "code:text");
    assert_int_equal(c->match, STORE_M_DEFAULT);
    assert_string_equal(c->values[0].text, "blood pressure");

    assert_int_equal(parse_q("Patient",
                             "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203%7CMR"
                             "%7C446053",
                             SEARCH_STRICT),
                     RG_OK);
    c = &S.q.clauses[0];
    assert_int_equal(c->ix_kind, STORE_IX_TOKEN);
    assert_string_equal(c->param, "identifier:of-type");
    assert_string_equal(c->values[0].system, "http://terminology.hl7.org/CodeSystem/v2-0203");
    assert_string_equal(c->values[0].code, "MR|446053");
    assert_int_equal(parse_q("Patient", "identifier:of-type=a%7Cb", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "identifier:of-type=a%7C%7Cv", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    /* :in needs a terminology server regie does not have */
    assert_int_equal(parse_q("Patient", "gender:in=http://vs", SEARCH_STRICT), RG_E_BAD_QUERY);
    /* a string modifier on a token is unknown */
    assert_int_equal(parse_q("Patient", "gender:exact=male", SEARCH_STRICT), RG_E_BAD_QUERY);
}

static void missing_on_every_type(void **state)
{
    static const struct {
        const char *type, *param;
        enum store_ix_kind kind;
    } cases[] = {
        {"Patient", "name", STORE_IX_STRING},
        {"Patient", "gender", STORE_IX_TOKEN},
        {"Patient", "birthdate", STORE_IX_DATE},
        {"Patient", "general-practitioner", STORE_IX_REF},
        {"RiskAssessment", "probability", STORE_IX_NUMBER},
        {"Observation", "value-quantity", STORE_IX_QUANTITY},
        {"ValueSet", "url", STORE_IX_URI},
        {"Observation", "code-value-quantity", STORE_IX_COMPOSITE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char q[128];
        snprintf(q, sizeof q, "%s:missing=%s", cases[i].param, i % 2 ? "true" : "false");
        assert_int_equal(parse_q(cases[i].type, q, SEARCH_STRICT), RG_OK);
        const struct store_clause *c = &S.q.clauses[0];
        assert_int_equal(c->ix_kind, cases[i].kind);
        assert_int_equal(c->match, STORE_M_MISSING);
        assert_int_equal(c->missing, i % 2 == 1);
        assert_int_equal(c->nvalues, 0);
    }
    assert_int_equal(parse_q("Patient", "name:missing=yes", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "_id:missing=true", SEARCH_STRICT), RG_E_BAD_QUERY);
}

static void number_prefixes(void **state)
{
    static const struct {
        const char *v;
        enum store_cmp cmp;
        double num, lo, hi;
    } cases[] = {
        {"100", STORE_EQ, 100, 99.5, 100.5},   {"eq100", STORE_EQ, 100, 99.5, 100.5},
        {"ne100", STORE_NE, 100, 99.5, 100.5}, {"gt0.8", STORE_GT, 0.8, 0.75, 0.85},
        {"lt0.8", STORE_LT, 0.8, 0.75, 0.85},  {"ge1.50", STORE_GE, 1.5, 1.495, 1.505},
        {"le1e2", STORE_LE, 100, 50, 150},     {"sa5", STORE_SA, 5, 4.5, 5.5},
        {"eb5", STORE_EB, 5, 4.5, 5.5},        {"ap5", STORE_AP, 5, 4.5, 5.5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char q[64];
        snprintf(q, sizeof q, "probability=%s", cases[i].v);
        assert_int_equal(parse_q("RiskAssessment", q, SEARCH_STRICT), RG_OK);
        const struct store_value *v = &S.q.clauses[0].values[0];
        assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_NUMBER);
        assert_int_equal(v->cmp, cases[i].cmp);
        assert_true(fabs(v->num - cases[i].num) < 1e-9);
        assert_true(fabs(v->lo_num - cases[i].lo) < 1e-9);
        assert_true(fabs(v->hi_num - cases[i].hi) < 1e-9);
    }
    assert_int_equal(parse_q("RiskAssessment", "probability=xx5", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("RiskAssessment", "probability=five", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("RiskAssessment", "probability=gt", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("RiskAssessment", "probability=GT5", SEARCH_STRICT), RG_E_BAD_PARAM);
}

static void date_ranges(void **state)
{
    int64_t lo, hi;
    assert_int_equal(parse_q("Patient", "birthdate=2013-01", SEARCH_STRICT), RG_OK);
    const struct store_value *v = &S.q.clauses[0].values[0];
    assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_DATE);
    assert_int_equal(v->cmp, STORE_EQ);
    assert_true(search_date_range("2013-01", 7, &lo, &hi));
    assert_int_equal(v->lo, lo);
    assert_int_equal(v->hi, hi);
    assert_int_equal(v->hi - v->lo, 31LL * 86400 * 1000000);

    assert_int_equal(
        parse_q("Observation", "date=ge2013-03-14T10:00:00Z&date=lt2014", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 2);
    assert_int_equal(S.q.clauses[0].values[0].cmp, STORE_GE);
    assert_int_equal(S.q.clauses[1].values[0].cmp, STORE_LT);
    assert_true(search_date_range("2014", 4, &lo, &hi));
    assert_int_equal(S.q.clauses[1].values[0].lo, lo);

    static const char *const prefixes[] = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"};
    for (size_t i = 0; i < 9; i++) {
        char q[64];
        snprintf(q, sizeof q, "_lastUpdated=%s2020-02-29", prefixes[i]);
        assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_OK);
        assert_string_equal(S.q.clauses[0].param, "_lastUpdated");
        assert_int_equal(S.q.clauses[0].values[0].cmp, (enum store_cmp)i);
    }
    assert_int_equal(parse_q("Patient", "birthdate=2013-13", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "birthdate=2013-13", SEARCH_LENIENT), RG_E_BAD_PARAM);
    assert_string_equal(F.detail, "birthdate: not a date: 2013-13");
    assert_int_equal(parse_q("Patient", "birthdate=xx2013", SEARCH_STRICT), RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Patient", "birthdate=yesterday", SEARCH_STRICT), RG_E_BAD_PARAM);
}

static void quantity_forms(void **state)
{
    double canon;
    char unit[32];
    assert_int_equal(parse_q("Observation", "value-quantity=5.4%7Chttp://unitsofmeasure.org%7Cmg",
                             SEARCH_STRICT),
                     RG_OK);
    const struct store_value *v = &S.q.clauses[0].values[0];
    assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_QUANTITY);
    assert_true(search_ucum_canon(5.4, "mg", &canon, unit, sizeof unit));
    assert_true(v->canon);
    assert_string_equal(v->code, unit);
    assert_string_equal(v->system, "http://unitsofmeasure.org");
    assert_true(fabs(v->num - canon) < 1e-12);
    assert_true(v->lo_num < v->num && v->num < v->hi_num);

    /* number||code: any system, still UCUM-converted */
    assert_int_equal(parse_q("Observation", "value-quantity=gt5.4%7C%7Cmg", SEARCH_STRICT), RG_OK);
    v = &S.q.clauses[0].values[0];
    assert_int_equal(v->cmp, STORE_GT);
    assert_null(v->system);
    assert_true(v->canon);

    /* no unit: any unit */
    assert_int_equal(parse_q("Observation", "value-quantity=le5.4", SEARCH_STRICT), RG_OK);
    v = &S.q.clauses[0].values[0];
    assert_int_equal(v->cmp, STORE_LE);
    assert_null(v->system);
    assert_null(v->code);
    assert_false(v->canon);
    assert_true(fabs(v->num - 5.4) < 1e-12);
    assert_true(fabs(v->lo_num - 5.35) < 1e-12);

    /* another system: compared as written */
    assert_int_equal(parse_q("Observation", "value-quantity=5%7Chttp://snomed.info/sct%7C258684004",
                             SEARCH_STRICT),
                     RG_OK);
    v = &S.q.clauses[0].values[0];
    assert_false(v->canon);
    assert_string_equal(v->code, "258684004");
    assert_true(fabs(v->num - 5) < 1e-12);
    /* a UCUM code the canonicaliser does not know: as written */
    assert_int_equal(parse_q("Observation", "value-quantity=5%7C%7Cfurlong-ish", SEARCH_STRICT),
                     RG_OK);
    assert_false(S.q.clauses[0].values[0].canon);
    assert_string_equal(S.q.clauses[0].values[0].code, "furlong-ish");

    assert_int_equal(parse_q("Observation", "value-quantity=5.4%7Cmg", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "value-quantity=a%7C%7Cmg", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "value-quantity=1%7C2%7C3%7C4", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
}

static void uri_modifiers(void **state)
{
    assert_int_equal(parse_q("ValueSet", "url=http://acme.org/fhir/ValueSet/123", SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_URI);
    assert_int_equal(S.q.clauses[0].match, STORE_M_DEFAULT);
    assert_string_equal(S.q.clauses[0].values[0].text, "http://acme.org/fhir/ValueSet/123");
    assert_int_equal(parse_q("ValueSet", "url:below=http://acme.org/fhir/", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_BELOW);
    assert_int_equal(parse_q("ValueSet", "url:above=http://acme.org/fhir/ValueSet/123/_history/5",
                             SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_ABOVE);
    assert_int_equal(parse_q("ValueSet", "url:contains=acme", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].match, STORE_M_CONTAINS);
    assert_int_equal(parse_q("ValueSet", "url:exact=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    /* _profile and _source are uri parameters of every type */
    assert_int_equal(parse_q("Patient", "_profile=http://p", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_URI);
    assert_int_equal(parse_q("Patient", "_tag=http://t%7Cc&_security=%7Cx", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].ix_kind, STORE_IX_TOKEN);
    assert_string_equal(S.q.clauses[1].param, "_security");
}

static void reference_forms(void **state)
{
    assert_int_equal(parse_q("Observation", "subject=Patient/123", SEARCH_STRICT), RG_OK);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->ix_kind, STORE_IX_REF);
    assert_string_equal(c->values[0].ref_type, "Patient");
    assert_string_equal(c->values[0].ref_id, "123");
    assert_null(c->values[0].text);

    assert_int_equal(parse_q("Observation", "subject=123", SEARCH_STRICT), RG_OK);
    assert_null(S.q.clauses[0].values[0].ref_type); /* any target type */
    assert_string_equal(S.q.clauses[0].values[0].ref_id, "123");

    assert_int_equal(parse_q("Observation", "subject:Patient=123", SEARCH_STRICT), RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].ref_type, "Patient");
    assert_string_equal(S.q.clauses[0].values[0].ref_id, "123");

    /* version-specific: the version is dropped */
    assert_int_equal(parse_q("Observation", "subject=Patient/123/_history/2", SEARCH_STRICT),
                     RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].ref_id, "123");

    /* an absolute URL: as text, and as Type/id */
    assert_int_equal(
        parse_q("Observation", "subject=http://example.org/fhir/Patient/23", SEARCH_STRICT), RG_OK);
    c = &S.q.clauses[0];
    assert_int_equal(c->nvalues, 2);
    assert_string_equal(c->values[0].text, "http://example.org/fhir/Patient/23");
    assert_null(c->values[0].ref_type);
    assert_string_equal(c->values[1].ref_type, "Patient");
    assert_string_equal(c->values[1].ref_id, "23");
    assert_null(c->values[1].text);
    /* a URL that does not end in Type/id, a urn: only as text */
    assert_int_equal(
        parse_q("Observation", "subject=http://example.org/x,urn:uuid:1234", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].nvalues, 2);
    assert_string_equal(S.q.clauses[0].values[1].text, "urn:uuid:1234");

    /* :Type must be one of the targets */
    assert_int_equal(parse_q("Observation", "subject:Practitioner=1", SEARCH_STRICT),
                     RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Observation", "subject:Foo=1", SEARCH_STRICT), RG_E_BAD_QUERY);
    /* :identifier: a token over the reference's identifier rows */
    assert_int_equal(parse_q("Observation", "subject:identifier=a%7Cb", SEARCH_STRICT), RG_OK);
    const struct store_clause *ic = &S.q.clauses[0];
    assert_int_equal(ic->ix_kind, STORE_IX_TOKEN);
    assert_string_equal(ic->param, "subject:identifier");
    assert_string_equal(ic->values[0].system, "a");
    assert_string_equal(ic->values[0].code, "b");
}

static void chains(void **state)
{
    assert_int_equal(parse_q("Observation", "subject:Patient.name=peter", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    assert_int_equal(S.nclauses, 2);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->kind, STORE_Q_IX);
    assert_int_equal(c->ix_kind, STORE_IX_REF);
    assert_string_equal(c->param, "subject");
    assert_int_equal(c->nvalues, 1);
    assert_string_equal(c->values[0].ref_type, "Patient");
    assert_null(c->values[0].ref_id);
    assert_int_equal(c->values[0].nchain, 1);
    const struct store_clause *in = c->values[0].chain;
    assert_ptr_equal(in, &S.clauses[1]); /* nested clauses follow the top-level ones */
    assert_int_equal(in->ix_kind, STORE_IX_STRING);
    assert_string_equal(in->param, "name");
    assert_string_equal(in->values[0].text, "peter");

    /* one target: no type needed; modifiers and OR on the chained parameter */
    assert_int_equal(parse_q("Observation",
                             "patient.name:exact=Peter,Paul&patient.birthdate=lt2000&code=x",
                             SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.q.nclauses, 3);
    assert_int_equal(S.nclauses, 5);
    in = S.q.clauses[0].values[0].chain;
    assert_string_equal(S.q.clauses[0].values[0].ref_type, "Patient");
    assert_int_equal(in->match, STORE_M_EXACT);
    assert_int_equal(in->nvalues, 2);
    assert_string_equal(in->values[1].text, "Paul");
    in = S.q.clauses[1].values[0].chain;
    assert_int_equal(in->ix_kind, STORE_IX_DATE);
    assert_int_equal(in->values[0].cmp, STORE_LT);
    assert_string_equal(S.q.clauses[2].param, "code");
    for (size_t i = 0; i < S.nclauses; i++) assert_non_null(S.clauses[i].param);

    /* chained _id */
    assert_int_equal(parse_q("Observation", "patient._id=p1", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].values[0].chain->kind, STORE_Q_ID);

    /* several targets and no type: ambiguous, whatever the handling */
    assert_int_equal(parse_q("Observation", "subject.name=peter", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_non_null(strstr(F.detail, "ambiguous chain"));
    assert_int_equal(parse_q("Observation", "subject.name=peter", SEARCH_LENIENT), RG_E_BAD_QUERY);
    /* unknown chained parameter, two levels, chain on a non-reference */
    assert_int_equal(parse_q("Observation", "patient.nope=1", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Observation", "patient.organization.name=x", SEARCH_STRICT),
                     RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Observation", "code.name=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Observation", "patient.nope=1&code=x", SEARCH_LENIENT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    assert_int_equal(S.nclauses, 1);
    assert_string_equal(S.self_query, "code=x");
    /* a malformed chained value */
    assert_int_equal(parse_q("Observation", "patient.birthdate=2013-13", SEARCH_LENIENT),
                     RG_E_BAD_PARAM);
}

static void has(void **state)
{
    assert_int_equal(parse_q("Patient", "_has:Observation:patient:code=1234-5", SEARCH_STRICT),
                     RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->kind, STORE_Q_HAS);
    assert_string_equal(c->has_type, "Observation");
    assert_string_equal(c->has_param, "patient");
    assert_int_equal(c->nhas, 1);
    assert_ptr_equal(c->has, &S.clauses[1]);
    assert_int_equal(c->has->ix_kind, STORE_IX_TOKEN);
    assert_string_equal(c->has->param, "code");
    assert_string_equal(c->has->values[0].code, "1234-5");

    assert_int_equal(parse_q("Patient", "_has:Observation:subject:code:text=bp", SEARCH_STRICT),
                     RG_OK);
    assert_string_equal(S.q.clauses[0].has->param, "code:text");

    assert_int_equal(parse_q("Patient", "_has:Observation:code:code=1", SEARCH_STRICT),
                     RG_E_BAD_QUERY); /* code is no reference */
    assert_int_equal(parse_q("Patient", "_has:Nope:patient:code=1", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Patient", "_has:Observation:patient=1", SEARCH_STRICT),
                     RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Patient",
                             "_has:Observation:patient:_has:AuditEvent:entity:agent=MyUserId",
                             SEARCH_STRICT),
                     RG_E_BAD_QUERY);
    assert_int_equal(parse_q("Patient", "_has:Observation:patient:date=2013-13", SEARCH_LENIENT),
                     RG_E_BAD_PARAM);
}

static void composite(void **state)
{
    assert_int_equal(parse_q("Observation",
                             "code-value-quantity=http://loinc.org%7C8480-6$gt100%7C"
                             "http://unitsofmeasure.org%7Cmm%5BHg%5D",
                             SEARCH_STRICT),
                     RG_OK);
    const struct store_clause *c = &S.q.clauses[0];
    assert_int_equal(c->ix_kind, STORE_IX_COMPOSITE);
    assert_int_equal(c->v_kind, STORE_IX_QUANTITY);
    assert_int_equal(c->nvalues, 1);
    const struct store_value *v = &c->values[0];
    assert_string_equal(v->system, "http://loinc.org");
    assert_string_equal(v->code, "8480-6");
    assert_non_null(v->v);
    assert_ptr_equal(v->v, &S.values[1]); /* the second parts follow the OR values */
    assert_int_equal(v->v->cmp, STORE_GT);
    double canon;
    char unit[32];
    assert_true(search_ucum_canon(100, "mm[Hg]", &canon, unit, sizeof unit));
    assert_true(v->v->canon);
    assert_true(fabs(v->v->num - canon) < 1e-6 * canon);

    /* OR of composites; token second part; date second part */
    assert_int_equal(parse_q("Observation", "code-value-concept=a$b,%7Cc$d%7Ce", SEARCH_STRICT),
                     RG_OK);
    c = &S.q.clauses[0];
    assert_int_equal(c->v_kind, STORE_IX_TOKEN);
    assert_int_equal(c->nvalues, 2);
    assert_null(c->values[0].system);
    assert_string_equal(c->values[0].v->code, "b");
    assert_string_equal(c->values[1].system, "");
    assert_string_equal(c->values[1].v->system, "d");
    assert_string_equal(c->values[1].v->code, "e");
    assert_int_equal(parse_q("Observation", "code-value-date=a$ge2020", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.clauses[0].v_kind, STORE_IX_DATE);
    assert_int_equal(S.q.clauses[0].values[0].v->cmp, STORE_GE);

    /* an escaped $ is no separator */
    assert_int_equal(parse_q("Observation", "code-value-string=a%5C$b$c", SEARCH_STRICT), RG_OK);
    assert_string_equal(S.q.clauses[0].values[0].code, "a$b");
    assert_string_equal(S.q.clauses[0].values[0].v->text, "c");

    assert_int_equal(parse_q("Observation", "code-value-quantity=a", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "code-value-quantity=a$b$c", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
    assert_int_equal(parse_q("Observation", "code-value-quantity=a$xx1", SEARCH_STRICT),
                     RG_E_BAD_PARAM);
}

static void ids(void **state)
{
    assert_int_equal(parse_q("Patient", "_id=a1,b-2&_id=c", SEARCH_STRICT), RG_OK);
    assert_int_equal(S.q.nclauses, 2);
    assert_int_equal(S.q.clauses[0].kind, STORE_Q_ID);
    assert_int_equal(S.q.clauses[0].nvalues, 2);
    assert_string_equal(S.q.clauses[0].values[1].code, "b-2");
    assert_int_equal(parse_q("Patient", "_id=a%7Cb", SEARCH_STRICT), RG_OK);
    assert_null(S.q.clauses[0].values[0].system);
    assert_string_equal(S.q.clauses[0].values[0].code, "a|b");
    assert_int_equal(parse_q("Patient", "_id:not=a", SEARCH_STRICT), RG_E_BAD_QUERY);
}

static void unknown_handling(void **state)
{
    assert_int_equal(parse_q("Patient", "foo=bar&name=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_non_null(strstr(F.detail, "foo"));
    assert_int_equal(parse_q("Patient", "foo=bar&name=x", SEARCH_LENIENT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    assert_string_equal(S.self_query, "name=x");
    /* a parameter of another type is unknown here */
    assert_int_equal(parse_q("Patient", "code=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    /* unknown modifier */
    assert_int_equal(parse_q("Patient", "name:fuzzy=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_non_null(strstr(F.detail, "name:fuzzy"));
    assert_int_equal(parse_q("Patient", "name:fuzzy=x&gender=male", SEARCH_LENIENT), RG_OK);
    assert_int_equal(S.q.nclauses, 1);
    assert_string_equal(S.self_query, "gender=male");
    /* parameters regie does not support: _text, _content, _list, _query, _filter, special */
    static const char *const unsupported[] = {
        "_text=x",       "_content=x",  "_list=x", "_query=x", "_filter=x",
        "_type=Patient", "_since=2020", "name:=x", ":x=1",     "_has:=1"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        assert_int_equal(parse_q("Patient", unsupported[i], SEARCH_STRICT), RG_E_BAD_QUERY);
        assert_int_equal(parse_q("Patient", unsupported[i], SEARCH_LENIENT), RG_OK);
        assert_int_equal(S.q.nclauses, 0);
        assert_string_equal(S.self_query, "");
    }
    assert_int_equal(parse_q("Location", "near=42.256|-83.694|11.20|km", SEARCH_STRICT),
                     RG_E_BAD_QUERY);
    /* an unknown resource type */
    assert_int_equal(parse_q("Patientx", "name=x", SEARCH_STRICT), RG_E_UNKNOWN_TYPE);
}

static void limits(void **state)
{
    /* too many OR values */
    char *q = malloc(4 * (SEARCH_VALUES_MAX + 2) + 16);
    size_t n = (size_t)snprintf(q, 16, "gender=");
    for (size_t i = 0; i <= SEARCH_VALUES_MAX; i++) n += (size_t)snprintf(q + n, 8, "a%zu,", i % 9);
    q[n - 1] = '\0';
    assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_E_TOO_MANY);
    /* too many clauses */
    n = 0;
    for (size_t i = 0; i <= SEARCH_CLAUSES_MAX; i++) n += (size_t)snprintf(q + n, 16, "gender=m&");
    q[n - 1] = '\0';
    assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_E_TOO_MANY);
    free(q);
    /* over-long text */
    size_t big = SEARCH_TEXT_MAX + 10;
    q = malloc(big + 16);
    memcpy(q, "family=", 7);
    memset(q + 7, 'a', big);
    q[7 + big] = '\0';
    assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_E_TOO_MANY);
    memcpy(q, "family:exact=", 13);
    assert_int_equal(parse_q("Patient", q, SEARCH_STRICT), RG_E_TOO_MANY);
    free(q);
}

static void self_query(void **state)
{
    assert_int_equal(parse_q("Observation",
                             "code=http://loinc.org%7C8480-6&_format=json&subject:Patient.name="
                             "a%20b%2Bc%26d&_pretty=true&_count=5&_offset=10&date=ge2020&value-"
                             "string=%C3%A9",
                             SEARCH_STRICT),
                     RG_OK);
    assert_string_equal(S.self_query, "code=http://loinc.org%7C8480-6&subject:Patient.name=a%20b"
                                      "%2Bc%26d&_count=5&date=ge2020&value-string=%C3%A9");
    /* it parses back to the same query */
    struct search again;
    struct http_params p;
    http_params_init(&p);
    assert_int_equal(http_query_parse(&p, S.self_query, strlen(S.self_query)), HTTP_QUERY_OK);
    struct rg_fail f;
    assert_int_equal(search_parse("Observation", p.items, p.n, SEARCH_STRICT, 20, 100, &again, &f),
                     RG_OK);
    assert_string_equal(again.self_query, S.self_query);
    http_params_free(&p);
}

static void no_type(void **state)
{
    assert_int_equal(parse_q(NULL, "_count=3&_offset=6&_summary=data&_elements=id", SEARCH_STRICT),
                     RG_OK);
    assert_null(S.q.type);
    assert_int_equal(S.q.count, 3);
    assert_int_equal(S.q.offset, 6);
    assert_int_equal(S.q.nclauses, 0);
    assert_null(S.q.clauses);
    assert_string_equal(S.self_query, "_count=3&_summary=data&_elements=id");
    assert_int_equal(parse_q(NULL, "name=x", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q(NULL, "_sort=name", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q(NULL, "_include=Observation:subject", SEARCH_STRICT), RG_E_BAD_QUERY);
    assert_int_equal(parse_q(NULL, "name=x&_since=2020&_count=2", SEARCH_LENIENT), RG_OK);
    assert_string_equal(S.self_query, "_count=2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefer_handling),
        cmocka_unit_test(string_default_exact_contains),
        cmocka_unit_test(or_and_and),
        cmocka_unit_test(escapes),
        cmocka_unit_test(token_forms),
        cmocka_unit_test(token_modifiers),
        cmocka_unit_test(missing_on_every_type),
        cmocka_unit_test(number_prefixes),
        cmocka_unit_test(date_ranges),
        cmocka_unit_test(quantity_forms),
        cmocka_unit_test(uri_modifiers),
        cmocka_unit_test(reference_forms),
        cmocka_unit_test(chains),
        cmocka_unit_test(has),
        cmocka_unit_test(composite),
        cmocka_unit_test(ids),
        cmocka_unit_test(unknown_handling),
        cmocka_unit_test(limits),
        cmocka_unit_test(self_query),
        cmocka_unit_test(no_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
