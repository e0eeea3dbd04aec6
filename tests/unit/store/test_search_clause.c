/* store search: each clause kind, prefix and match mode against hand-made index rows
 * (test_search_data.h lists the resources). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_search_data.h"

#define S(st) (((struct fixture *)*(st))->s)

static const char *tok(struct store *s, const char *type, const char *param, enum store_match m,
                       const char *system, const char *code)
{
    struct store_value v = {.system = system, .code = code};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_TOKEN,
                             .param = param,
                             .match = m,
                             .values = &v,
                             .nvalues = 1};
    return one(s, type, &c);
}

static void token(void **state)
{
    struct store *s = S(state);
    assert_string_equal(tok(s, "Observation", "code", 0, LOINC, "8867-4"), "o1,o3,o4");
    assert_string_equal(tok(s, "Observation", "code", 0, NULL, "8867-4"), "o1,o3,o4");
    assert_string_equal(tok(s, "Observation", "code", 0, "", "8867-4"), "-"); /* no system */
    assert_string_equal(tok(s, "Observation", "code", 0, "urn:other", "8867-4"), "-");
    assert_string_equal(tok(s, "Observation", "code", 0, LOINC, NULL), "o1,o2,o3,o4");
    assert_string_equal(tok(s, "Observation", "code", STORE_M_NOT, NULL, "8867-4"), "o2");
    /* :not includes resources without any row of the parameter */
    assert_string_equal(tok(s, "Patient", "identifier", STORE_M_NOT, "urn:a", "1"), "p2,p3");
    assert_string_equal(tok(s, "Patient", "code", 0, LOINC, "8867-4"), "-"); /* other type */
    /* OR of values */
    struct store_value v[] = {{.code = "8480-6"}, {.system = LOINC, .code = "nope"}};
    struct store_clause c = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_TOKEN, .param = "code", .values = v, .nvalues = 2};
    assert_string_equal(one(s, "Observation", &c), "o2");
}

static const char *str(struct store *s, enum store_match m, const char *text)
{
    struct store_value v = {.text = text};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_STRING,
                             .param = "name",
                             .match = m,
                             .values = &v,
                             .nvalues = 1};
    return one(s, "Patient", &c);
}

static void string(void **state)
{
    struct store *s = S(state);
    assert_string_equal(str(s, 0, "ann"), "p2,p3");
    assert_string_equal(str(s, 0, "anna"), "p2,p3");
    assert_string_equal(str(s, 0, "annab"), "p3");
    assert_string_equal(str(s, 0, "smith"), "p2");
    assert_string_equal(str(s, 0, "emile z"), "p1");
    assert_string_equal(str(s, 0, "mile"), "-"); /* a prefix, not a substring */
    assert_string_equal(str(s, STORE_M_EXACT, "Anna Smith"), "p2");
    assert_string_equal(str(s, STORE_M_EXACT, "anna smith"), "-");
    assert_string_equal(str(s, STORE_M_EXACT, "Émile"), "p1");
    assert_string_equal(str(s, STORE_M_CONTAINS, "mil"), "p1");
    assert_string_equal(str(s, STORE_M_CONTAINS, "nn"), "p2,p3");
    assert_string_equal(str(s, STORE_M_CONTAINS, "%"), "-"); /* LIKE wildcards are escaped */
    assert_string_equal(str(s, STORE_M_CONTAINS, "_"), "-");
}

static const char *ref(struct store *s, const char *param, const char *rt, const char *id,
                       const char *text)
{
    struct store_value v = {.ref_type = rt, .ref_id = id, .text = text};
    struct store_clause c = {
        .kind = STORE_Q_IX, .ix_kind = STORE_IX_REF, .param = param, .values = &v, .nvalues = 1};
    return one(s, "Observation", &c);
}

static void reference(void **state)
{
    struct store *s = S(state);
    assert_string_equal(ref(s, "subject", "Patient", "p1", NULL), "o1,o2");
    assert_string_equal(ref(s, "subject", NULL, "p2", NULL), "o3,o4");
    assert_string_equal(ref(s, "subject", "Group", "p2", NULL), "-");
    assert_string_equal(ref(s, "performer", NULL, NULL, "http://elsewhere.org/Practitioner/9"),
                        "o4");
    assert_string_equal(ref(s, "performer", NULL, NULL, ""), "-");
}

static void chain(void **state)
{
    struct store *s = S(state);
    /* subject:Patient.name=anna: the chain drives (string prefix on the target) */
    struct store_value nv = {.text = "anna"};
    struct store_clause name = {.kind = STORE_Q_IX,
                                .ix_kind = STORE_IX_STRING,
                                .param = "name",
                                .values = &nv,
                                .nvalues = 1};
    struct store_value v = {.ref_type = "Patient", .chain = &name, .nchain = 1};
    struct store_clause c[2] = {{.kind = STORE_Q_IX,
                                 .ix_kind = STORE_IX_REF,
                                 .param = "subject",
                                 .values = &v,
                                 .nvalues = 1}};
    assert_string_equal(one(s, "Observation", c), "o3,o4");
    /* checked per candidate when a token drives */
    struct store_value cv = {.code = "8867-4"};
    c[1] = (struct store_clause){.kind = STORE_Q_IX,
                                 .ix_kind = STORE_IX_TOKEN,
                                 .param = "code",
                                 .values = &cv,
                                 .nvalues = 1};
    struct store_search_q q = {.type = "Observation", .clauses = c, .nclauses = 2, .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "o3,o4");
    /* a chain whose target does not match */
    nv.text = "zzz";
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
    /* a chain that cannot drive (exact) is checked over the type's resources */
    nv.text = "Émile Zoë";
    name.match = STORE_M_EXACT;
    assert_string_equal(one(s, "Observation", c), "o1,o2");
}

static void has(void **state)
{
    struct store *s = S(state);
    struct store_value cv = {.system = LOINC, .code = "8480-6"};
    struct store_clause code = {.kind = STORE_Q_IX,
                                .ix_kind = STORE_IX_TOKEN,
                                .param = "code",
                                .values = &cv,
                                .nvalues = 1};
    struct store_clause c[2] = {{.kind = STORE_Q_HAS,
                                 .has_type = "Observation",
                                 .has_param = "subject",
                                 .has = &code,
                                 .nhas = 1}};
    assert_string_equal(one(s, "Patient", c), "p1"); /* the nested token drives */
    cv.code = "8867-4";
    assert_string_equal(one(s, "Patient", c), "p1,p2");
    /* as a check: with _id driving */
    struct store_value idv = {.code = "p2"};
    c[1] = (struct store_clause){.kind = STORE_Q_ID, .values = &idv, .nvalues = 1};
    struct store_search_q q = {.type = "Patient", .clauses = c, .nclauses = 2, .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p2");
    cv.code = "8480-6";
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
    /* through another param */
    c[0].has_param = "performer";
    assert_string_equal(one(s, "Patient", c), "-");
}

static const char *date(struct store *s, enum store_cmp cmp, int64_t lo, int64_t hi)
{
    struct store_value v = {.cmp = cmp, .lo = lo, .hi = hi};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_DATE,
                             .param = "birthdate",
                             .values = &v,
                             .nvalues = 1};
    return one(s, "Patient", &c);
}

static void dates(void **state)
{
    struct store *s = S(state);
    int64_t y1980 = day_us(1980, 1, 1), y1981 = day_us(1981, 1, 1);
    int64_t y1990 = day_us(1990, 1, 1), y1991 = day_us(1991, 1, 1);
    int64_t d0510 = day_us(1980, 5, 10);
    assert_string_equal(date(s, STORE_EQ, y1980, y1981), "p1");
    assert_string_equal(date(s, STORE_EQ, d0510, d0510 + DAY_US), "p1");
    assert_string_equal(date(s, STORE_EQ, d0510, d0510 + 3600LL * 1000000), "-"); /* an hour */
    assert_string_equal(date(s, STORE_NE, y1980, y1981), "p2");
    assert_string_equal(date(s, STORE_GT, y1980, y1981), "p2");
    assert_string_equal(date(s, STORE_GT, y1990, y1991), "-");
    assert_string_equal(date(s, STORE_LT, y1990, y1991), "p1");
    assert_string_equal(date(s, STORE_LT, y1980, y1981), "-");
    assert_string_equal(date(s, STORE_GE, y1990, y1991), "p2");
    assert_string_equal(date(s, STORE_GE, y1980, y1981), "p1,p2");
    assert_string_equal(date(s, STORE_LE, y1980, y1981), "p1");
    assert_string_equal(date(s, STORE_LE, y1990, y1991), "p1,p2");
    assert_string_equal(date(s, STORE_SA, y1980, y1981), "p2");
    assert_string_equal(date(s, STORE_SA, y1990, y1991), "-");
    assert_string_equal(date(s, STORE_EB, y1990, y1991), "p1");
    assert_string_equal(date(s, STORE_EB, y1980, y1981), "-");
    /* ap: 1980-05-01 widened by 10% of ~46 years reaches 1980-05-10, not 1990 */
    int64_t d0501 = day_us(1980, 5, 1);
    assert_string_equal(date(s, STORE_AP, d0501, d0501 + DAY_US), "p1");
    /* gt on a row range: the row 1980-05-10 extends past 1980-05-10T12:00 */
    int64_t noon = d0510 + 12 * 3600LL * 1000000;
    assert_string_equal(date(s, STORE_GT, noon, noon + 1000000), "p1,p2");
    assert_string_equal(date(s, STORE_LT, noon, noon + 1000000), "p1");
}

static const char *qty(struct store *s, enum store_cmp cmp, double num, double lo, double hi,
                       bool canon, const char *code)
{
    struct store_value v = {
        .cmp = cmp, .num = num, .lo_num = lo, .hi_num = hi, .canon = canon, .code = code};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_QUANTITY,
                             .param = "value-quantity",
                             .values = &v,
                             .nvalues = 1};
    return one(s, "Observation", &c);
}

static void quantity(void **state)
{
    struct store *s = S(state);
    assert_string_equal(qty(s, STORE_EQ, 72, 71.5, 72.5, false, NULL), "o1");
    assert_string_equal(qty(s, STORE_EQ, 72, 71.5, 72.5, false, "/min"), "o1");
    assert_string_equal(qty(s, STORE_EQ, 72, 71.5, 72.5, false, "mg"), "-");
    assert_string_equal(qty(s, STORE_EQ, 72.4, 72.35, 72.45, false, NULL), "-");
    assert_string_equal(qty(s, STORE_NE, 72, 71.5, 72.5, false, NULL), "o2,o3,o4");
    assert_string_equal(qty(s, STORE_GT, 100, 99.5, 100.5, false, NULL), "o2,o4");
    assert_string_equal(qty(s, STORE_GE, 120, 119.5, 120.5, false, NULL), "o2,o4");
    assert_string_equal(qty(s, STORE_LT, 80, 79.5, 80.5, false, NULL), "o1");
    assert_string_equal(qty(s, STORE_LE, 80, 79.5, 80.5, false, NULL), "o1,o3");
    assert_string_equal(qty(s, STORE_AP, 75, 74.5, 75.5, false, NULL), "o1,o3"); /* 67.5..82.5 */
    /* canonical: 0.5 g written as 500 mg; 1.2 /s written as 72 /min */
    assert_string_equal(qty(s, STORE_EQ, 0.5, 0.45, 0.55, true, "g"), "o4");
    assert_string_equal(qty(s, STORE_EQ, 1.2, 1.15, 1.25, true, "/s"), "o1");
    assert_string_equal(qty(s, STORE_GT, 1.25, 1.245, 1.255, true, "/s"), "o3");
}

static const char *num(struct store *s, enum store_cmp cmp, double v, double lo, double hi)
{
    struct store_value val = {.cmp = cmp, .num = v, .lo_num = lo, .hi_num = hi};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_NUMBER,
                             .param = "probability",
                             .values = &val,
                             .nvalues = 1};
    return one(s, "RiskAssessment", &c);
}

static void number(void **state)
{
    struct store *s = S(state);
    assert_string_equal(num(s, STORE_EQ, 0.3, 0.25, 0.35), "r1"); /* "0.3": [0.25, 0.35) */
    assert_string_equal(num(s, STORE_EQ, 0.30, 0.295, 0.305), "r1");
    assert_string_equal(num(s, STORE_EQ, 0.31, 0.305, 0.315), "-");
    assert_string_equal(num(s, STORE_EQ, 0.8, 0.75, 0.85), "r2"); /* 0.75 and 0.8: once */
    assert_string_equal(num(s, STORE_NE, 0.3, 0.25, 0.35), "r2");
    assert_string_equal(num(s, STORE_GT, 0.75, 0.745, 0.755), "r2"); /* its 0.8 row */
    assert_string_equal(num(s, STORE_GT, 0.8, 0.75, 0.85), "-");
    assert_string_equal(num(s, STORE_GE, 0.8, 0.75, 0.85), "r2");
    assert_string_equal(num(s, STORE_LT, 0.75, 0.745, 0.755), "r1");
    assert_string_equal(num(s, STORE_LE, 0.75, 0.745, 0.755), "r1,r2");
    assert_string_equal(num(s, STORE_SA, 0.5, 0.45, 0.55), "r2");
    assert_string_equal(num(s, STORE_EB, 0.5, 0.45, 0.55), "r1");
    assert_string_equal(num(s, STORE_AP, 0.72, 0.715, 0.725), "r2"); /* 0.648..0.792 */
    assert_string_equal(num(s, STORE_AP, 0.5, 0.45, 0.55), "-");
}

static const char *uri(struct store *s, enum store_match m, const char *text)
{
    struct store_value v = {.text = text};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_URI,
                             .param = "url",
                             .match = m,
                             .values = &v,
                             .nvalues = 1};
    return one(s, "ValueSet", &c);
}

static void uris(void **state)
{
    struct store *s = S(state);
    assert_string_equal(uri(s, 0, "http://a.org/fhir/ValueSet/x"), "vs1");
    assert_string_equal(uri(s, 0, "http://a.org/fhir"), "-");
    assert_string_equal(uri(s, STORE_M_BELOW, "http://a.org/fhir"), "vs1");
    assert_string_equal(uri(s, STORE_M_BELOW, "http://a.org/fhir/"), "vs1");
    assert_string_equal(uri(s, STORE_M_BELOW, "http://a.org/fh"), "-"); /* whole segments */
    assert_string_equal(uri(s, STORE_M_BELOW, "http://a.org"), "vs1,vs2");
    assert_string_equal(uri(s, STORE_M_ABOVE, "http://a.org/fhir/ValueSet/x/_history/2"), "vs1");
    assert_string_equal(uri(s, STORE_M_ABOVE, "http://a.org/other"), "vs2");
    assert_string_equal(uri(s, STORE_M_ABOVE, "http://a.org/otherwise"), "-");
    assert_string_equal(uri(s, STORE_M_CONTAINS, "ValueSet"), "vs1");
}

static void composite(void **state)
{
    struct store *s = S(state);
    struct store_value q = {.cmp = STORE_GT, .num = 70, .lo_num = 69.5, .hi_num = 70.5};
    struct store_value v = {.system = LOINC, .code = "8867-4", .v = &q};
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_COMPOSITE,
                             .v_kind = STORE_IX_QUANTITY,
                             .param = "code-value-quantity",
                             .values = &v,
                             .nvalues = 1};
    assert_string_equal(one(s, "Observation", &c), "o1");
    q.cmp = STORE_LT;
    assert_string_equal(one(s, "Observation", &c), "-");
    v.code = "8480-6";
    q.cmp = STORE_GT;
    assert_string_equal(one(s, "Observation", &c), "-");
}

static void missing_and_id(void **state)
{
    struct store *s = S(state);
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_DATE,
                             .param = "birthdate",
                             .match = STORE_M_MISSING,
                             .missing = true};
    assert_string_equal(one(s, "Patient", &c), "p3");
    c.missing = false;
    assert_string_equal(one(s, "Patient", &c), "p1,p2");
    struct store_value ids[] = {{.code = "p3"}, {.code = "p1"}, {.code = "nope"}};
    struct store_clause idc = {.kind = STORE_Q_ID, .values = ids, .nvalues = 3};
    assert_string_equal(one(s, "Patient", &idc), "p1,p3");
    assert_string_equal(one(s, "Observation", &idc), "-");
    /* AND: _id drives, the missing clause is checked */
    struct store_clause both[2] = {idc, c};
    struct store_search_q q = {.type = "Patient", .clauses = both, .nclauses = 2, .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p1");
}

static void no_clause_lists_the_type(void **state)
{
    struct store *s = S(state);
    struct store_search_q q = {.type = "Observation", .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "o1,o2,o3,o4");
    q.type = "Nothing";
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
}

static void contract_violations_are_hard(void **state)
{
    struct store *s = S(state);
    struct collect c = {.ids = ""};
    struct store_search_q q = {.count = 10}; /* no type and no compartment */
    assert_int_equal(s->ops->search(s, &q, collect_cb, &c, NULL, NULL), STORE_HARD);
    struct store_clause bad = {.kind = STORE_Q_IX, .ix_kind = (enum store_ix_kind)42, .param = "x"};
    q = (struct store_search_q){.type = "Patient", .clauses = &bad, .nclauses = 1, .count = 10};
    assert_int_equal(s->ops->search(s, &q, collect_cb, &c, NULL, NULL), STORE_HARD);
}

/* Many OR values grow the builder; past its caps the search is refused, not truncated. */
static void many_values(void **state)
{
    struct store *s = S(state);
    enum { N = 5000 };
    struct store_value *v = calloc(N, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < N; i++) v[i] = (struct store_value){.system = LOINC, .code = "x"};
    v[299].code = "8480-6";
    struct store_clause c = {.kind = STORE_Q_IX,
                             .ix_kind = STORE_IX_TOKEN,
                             .param = "code",
                             .values = v,
                             .nvalues = 300};
    assert_string_equal(one(s, "Observation", &c), "o2");
    c.match = STORE_M_NOT; /* the same values as a check */
    assert_string_equal(one(s, "Observation", &c), "o1,o3,o4");
    c.match = STORE_M_DEFAULT;
    c.nvalues = N;
    assert_string_equal(one(s, "Observation", &c), "ERROR");
    free(v);
}

/* A chain inside a _has: Patients with an Observation whose subject is named "anna...". */
static void nested(void **state)
{
    struct store *s = S(state);
    struct store_value nv = {.text = "anna"};
    struct store_clause name = {.kind = STORE_Q_IX,
                                .ix_kind = STORE_IX_STRING,
                                .param = "name",
                                .values = &nv,
                                .nvalues = 1};
    struct store_value rv = {.ref_type = "Patient", .chain = &name, .nchain = 1};
    struct store_clause subj = {.kind = STORE_Q_IX,
                                .ix_kind = STORE_IX_REF,
                                .param = "subject",
                                .values = &rv,
                                .nvalues = 1};
    struct store_clause has = {.kind = STORE_Q_HAS,
                               .has_type = "Observation",
                               .has_param = "patient",
                               .has = &subj,
                               .nhas = 1};
    assert_string_equal(one(s, "Patient", &has), "p2");
    /* the same as a check, inside a compartment search of every type */
    struct store_search_q q = {.compartment = "p2", .clauses = &has, .nclauses = 1, .count = 10};
    assert_string_equal(run_q(s, &q, NULL, NULL), "p2");
    q.compartment = "p1";
    assert_string_equal(run_q(s, &q, NULL, NULL), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token),
        cmocka_unit_test(string),
        cmocka_unit_test(reference),
        cmocka_unit_test(chain),
        cmocka_unit_test(has),
        cmocka_unit_test(dates),
        cmocka_unit_test(quantity),
        cmocka_unit_test(number),
        cmocka_unit_test(uris),
        cmocka_unit_test(composite),
        cmocka_unit_test(missing_and_id),
        cmocka_unit_test(no_clause_lists_the_type),
        cmocka_unit_test(contract_violations_are_hard),
        cmocka_unit_test(many_values),
        cmocka_unit_test(nested),
    };
    return cmocka_run_group_tests(tests, data_setup, fixture_teardown);
}
