/* Self-measurements as data (src/pgo/measure.c): the six kinds against the zib2020 nl-core
 * examples (profile, LOINC code, category, unit; each example read back as a point), the units and
 * their conversions (checked against the UCUM table where UCUM can convert), the plausible ranges
 * at their edges, rounding, numbers and times as patients write them (Europe/Amsterdam local time
 * across both summer-time switches), the built Observation (valid R4, read back to the same
 * values), and the check of an Observation given whole. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fhir/ucum.h"
#include "fhir/validate.h"
#include "json/jsonx.h"
#include "pgo/measure.h"

#define NOW_US (1900000000LL * 1000000) /* 2030-03-17: every test time lies before it */

static const struct measure_kind *kind(const char *name)
{
    const struct measure_kind *k = measure_kind_find(name);
    assert_non_null(k);
    return k;
}

static void six_kinds_with_their_defaults(void **state)
{
    (void)state;
    size_t n;
    const struct measure_kind *all = measure_kinds(&n);
    assert_int_equal(n, 6);
    static const char *const names[] = {"blood-pressure", "body-weight",   "body-temperature",
                                        "heart-rate",     "o2-saturation", "blood-glucose"};
    static const char *const units[] = {"mm[Hg]", "kg", "Cel", "/min", "%", "mmol/L"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(all[i].name, names[i]);
        assert_string_equal(all[i].units[0].code, units[i]);
        assert_ptr_equal(measure_kind_find(names[i]), &all[i]);
        assert_ptr_equal(measure_unit_find(&all[i], NULL), &all[i].units[0]);
        assert_ptr_equal(measure_unit_find(&all[i], ""), &all[i].units[0]);
        assert_non_null(
            strstr(all[i].profile, "http://nictiz.nl/fhir/StructureDefinition/nl-core-"));
        assert_int_equal(all[i].units[0].factor, 1);
    }
    assert_null(measure_kind_find("Blood-Pressure"));
    assert_null(measure_kind_find("weight"));
    assert_null(measure_kind_find(NULL));
    /* blood pressure: two fields with their components' codes and bands */
    const struct measure_kind *bp = kind("blood-pressure");
    assert_int_equal(bp->nfields, 2);
    assert_string_equal(bp->fields[0].loinc, "8480-6");
    assert_string_equal(bp->fields[1].loinc, "8462-4");
    assert_true(measure_in_band(bp, 0, 140));
    assert_false(measure_in_band(bp, 0, 141));
    assert_false(measure_in_band(bp, 1, 59));
    assert_true(measure_in_band(bp, 1, 90));
    /* the reference bands */
    assert_true(measure_in_band(kind("o2-saturation"), 0, 95));
    assert_false(measure_in_band(kind("o2-saturation"), 0, 94));
    assert_false(measure_in_band(kind("heart-rate"), 0, 101));
    assert_true(measure_in_band(kind("body-temperature"), 0, 37.5));
    assert_false(measure_in_band(kind("body-temperature"), 0, 37.6));
    assert_false(measure_in_band(kind("blood-glucose"), 0, 3.9));
    assert_true(measure_in_band(kind("blood-glucose"), 0, 7.8));
    assert_false(kind("body-weight")->fields[0].has_band);
    assert_true(measure_in_band(kind("body-weight"), 0, 400));
}

/* ---- the zib2020 examples ---- */

static const char *shared_dir(void)
{
    const char *env = getenv("REGIE_SHARED");
    return env && *env ? env : "../shared";
}

static json_object *example(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/zib2020/examples/%s.json", shared_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char data[1 << 18];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    enum jsonx_err je;
    return jsonx_parse(data, n, 64, &je, NULL, 0);
}

static const char *coding_code(json_object *concept, size_t i)
{
    return jsonx_get_str(json_object_array_get_idx(jsonx_get(concept, "coding"), i), "code");
}

static void kinds_match_the_zib2020_examples(void **state)
{
    (void)state;
    static const struct {
        const char *example, *kind;
        double v0, v1;
    } cases[] = {
        {"nl-core-BloodPressure-01", "blood-pressure", 125, 75},
        {"nl-core-BodyWeight-01", "body-weight", 2.4, 0}, /* 2400 g */
        {"nl-core-BodyTemperature-01", "body-temperature", 38.6, 0},
        {"nl-core-HeartRate-01", "heart-rate", 126, 0},
        {"nl-core-O2Saturation-01", "o2-saturation", 92, 0},
    };
    json_object *probe = example(cases[0].example);
    if (!probe) {
        print_message("zib2020 examples not found under %s: skipped\n", shared_dir());
        skip();
    }
    json_object_put(probe);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *ex = example(cases[i].example);
        assert_non_null(ex);
        const struct measure_kind *k = kind(cases[i].kind);
        assert_string_equal(jsonx_get_str(ex, "resourceType"), "Observation");
        assert_string_equal(json_object_get_string(json_object_array_get_idx(
                                jsonx_get(jsonx_get(ex, "meta"), "profile"), 0)),
                            k->profile);
        assert_string_equal(coding_code(jsonx_get(ex, "code"), 0), k->loinc);
        if (k->loinc2) assert_string_equal(coding_code(jsonx_get(ex, "code"), 1), k->loinc2);
        assert_string_equal(coding_code(json_object_array_get_idx(jsonx_get(ex, "category"), 0), 0),
                            k->category);
        assert_ptr_equal(measure_kind_of(ex), k);
        int64_t at;
        double v[MEASURE_FIELDS_MAX] = {0};
        assert_true(measure_point(k, ex, &at, v));
        assert_true(fabs(v[0] - cases[i].v0) < 1e-9);
        if (k->nfields == 2) assert_true(fabs(v[1] - cases[i].v1) < 1e-9);
        /* the example's unit is one the kind takes */
        json_object *q = k->nfields == 2
                             ? jsonx_get(json_object_array_get_idx(jsonx_get(ex, "component"), 0),
                                         "valueQuantity")
                             : jsonx_get(ex, "valueQuantity");
        assert_non_null(measure_unit_find(k, jsonx_get_str(q, "code")));
        assert_string_equal(jsonx_get_str(q, "system"), MEASURE_UCUM);
        /* the example is not of another kind */
        assert_false(measure_point(kind(i ? "blood-pressure" : "body-weight"), ex, &at, v));
        struct measure_error err;
        assert_true(measure_check_observation(ex, &err));
        json_object_put(ex);
    }
    /* Glucose is a laboratory result: the example's profile and category. */
    json_object *lab = example("nl-core-LaboratoryTestResult-01");
    assert_non_null(lab);
    const struct measure_kind *g = kind("blood-glucose");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(
                            jsonx_get(jsonx_get(lab, "meta"), "profile"), 0)),
                        g->profile);
    assert_string_equal(coding_code(json_object_array_get_idx(jsonx_get(lab, "category"), 0), 0),
                        g->category);
    assert_null(measure_kind_of(lab)); /* sodium is not glucose */
    json_object_put(lab);
}

/* ---- units ---- */

static double convert(const char *k, const char *unit, double v)
{
    struct measure_entry e;
    struct measure_error err;
    double values[MEASURE_FIELDS_MAX] = {v, 0};
    assert_true(measure_check(kind(k), unit, values, &e, &err));
    return e.value[0];
}

static void units_convert_to_the_default(void **state)
{
    (void)state;
    assert_true(fabs(convert("body-weight", "g", 72500) - 72.5) < 1e-9);
    assert_true(fabs(convert("body-weight", "[lb_av]", 154.3) - 70.0) < 1e-9);
    assert_true(fabs(convert("body-weight", "lb", 154.3) - 70.0) < 1e-9);
    assert_true(fabs(convert("body-temperature", "[degF]", 98.6) - 37.0) < 1e-9);
    assert_true(fabs(convert("body-temperature",
                             "\xc2\xb0"
                             "C",
                             37.2) -
                     37.2) < 1e-9);
    assert_true(fabs(convert("blood-glucose", "mg/dL", 90) - 5.0) < 1e-9);
    assert_true(fabs(convert("blood-glucose", "mmol/l", 5.5) - 5.5) < 1e-9);
    assert_true(fabs(convert("heart-rate", "bpm", 72) - 72) < 1e-9);
    struct measure_entry e;
    struct measure_error err;
    double bp[2] = {16.0, 10.7}; /* kPa */
    assert_true(measure_check(kind("blood-pressure"), "kPa", bp, &e, &err));
    assert_true(fabs(e.value[0] - 120) < 1e-9);
    assert_true(fabs(e.value[1] - 80) < 1e-9);
    double mmhg[2] = {120, 80};
    assert_true(measure_check(kind("blood-pressure"), "mmHg", mmhg, &e, &err));

    /* units a kind does not take, with the allowed ones named */
    double v[2] = {70, 0};
    assert_false(measure_check(kind("body-weight"), "[stone_av]", v, &e, &err));
    assert_string_equal(err.field, "unit");
    assert_non_null(strstr(err.message, "kg, g, [lb_av]"));
    assert_false(measure_check(kind("blood-glucose"), "mg", v, &e, &err));
    assert_false(measure_check(kind("o2-saturation"), "%25", v, &e, &err));
    assert_false(measure_check(kind("heart-rate"), "/s", v, &e, &err));
    assert_false(measure_check(kind("blood-pressure"), "KPA", mmhg, &e, &err));
    assert_string_equal(err.field, "unit");
}

/* Where UCUM itself can convert (one dimension, linear), the table's factor agrees with it. */
static void factors_agree_with_ucum(void **state)
{
    (void)state;
    size_t n, checked = 0;
    const struct measure_kind *all = measure_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        const struct measure_unit *d = &all[i].units[0];
        for (size_t j = 1; j < all[i].nunits; j++) {
            const struct measure_unit *u = &all[i].units[j];
            double cu, cd;
            char du[64], dd[64];
            if (u->offset != 0 ||
                !ucum_canonical(1.0, u->code, strlen(u->code), &cu, du, sizeof du) ||
                !ucum_canonical(1.0, d->code, strlen(d->code), &cd, dd, sizeof dd) ||
                strcmp(du, dd) != 0)
                continue; /* mg/dL -> mmol/L needs the molar mass; Fahrenheit is affine */
            assert_true(fabs(cu / cd - u->factor) / u->factor < 1e-6);
            checked++;
        }
    }
    assert_int_equal(checked, 3); /* g, [lb_av], kPa */
    /* Fahrenheit: 212 F is 100 C (within the table's rounding) */
    const struct measure_unit *f = measure_unit_find(kind("body-temperature"), "[degF]");
    assert_true(fabs(212 * f->factor + f->offset - 100) < 1e-9);
}

/* ---- ranges and rounding ---- */

static bool check1(const char *k, const char *unit, double v0, double v1, struct measure_error *err)
{
    struct measure_entry e;
    double v[2] = {v0, v1};
    return measure_check(kind(k), unit, v, &e, err);
}

static void ranges_are_inclusive_and_named(void **state)
{
    (void)state;
    struct measure_error err;
    assert_true(check1("blood-pressure", NULL, 40, 20, &err));
    assert_false(check1("blood-pressure", NULL, 39, 20, &err));
    assert_string_equal(err.field, "systolic");
    assert_true(check1("blood-pressure", NULL, 300, 200, &err));
    assert_false(check1("blood-pressure", NULL, 301, 80, &err));
    assert_string_equal(err.field, "systolic");
    assert_non_null(strstr(err.message, "between 40 and 300 mmHg"));
    assert_false(check1("blood-pressure", NULL, 120, 19, &err));
    assert_string_equal(err.field, "diastolic");
    assert_false(check1("blood-pressure", NULL, 80, 120, &err));
    assert_string_equal(err.field, "systolic");
    assert_non_null(strstr(err.message, "higher than diastolic"));
    assert_false(check1("blood-pressure", NULL, 90, 90, &err));

    assert_true(check1("body-weight", NULL, 0.5, 0, &err));
    assert_false(check1("body-weight", NULL, 0.4, 0, &err));
    assert_string_equal(err.field, "value");
    assert_true(check1("body-weight", NULL, 500, 0, &err));
    assert_false(check1("body-weight", NULL, 500.1, 0, &err));
    assert_false(check1("body-weight", "g", 400, 0, &err));
    assert_non_null(strstr(err.message, "between 500 and 500000 g"));
    assert_false(check1("o2-saturation", NULL, 101, 0, &err));
    assert_false(check1("o2-saturation", NULL, 49, 0, &err));
    assert_true(check1("o2-saturation", NULL, 100, 0, &err));
    assert_false(check1("body-temperature", NULL, 29.9, 0, &err));
    assert_false(check1("body-temperature", NULL, 45.1, 0, &err));
    assert_false(check1("body-temperature", "[degF]", 37, 0, &err)); /* Celsius in Fahrenheit */
    assert_false(check1("heart-rate", NULL, 19, 0, &err));
    assert_false(check1("heart-rate", NULL, 301, 0, &err));
    assert_false(check1("blood-glucose", NULL, 0.4, 0, &err));
    assert_false(check1("blood-glucose", NULL, 50.1, 0, &err));
    assert_false(check1("blood-glucose", "mg/dL", 5.5, 0, &err)); /* mmol/L written as mg/dL */
    assert_false(check1("heart-rate", NULL, -70, 0, &err));
    assert_false(check1("heart-rate", NULL, NAN, 0, &err));
    assert_false(check1("heart-rate", NULL, INFINITY, 0, &err));
}

static void values_are_rounded_to_the_units_decimals(void **state)
{
    (void)state;
    assert_true(fabs(convert("body-weight", NULL, 72.46) - 72.5) < 1e-9);
    assert_true(fabs(convert("heart-rate", NULL, 71.6) - 72) < 1e-9);
    assert_true(fabs(convert("blood-glucose", NULL, 5.449) - 5.4) < 1e-9);
    json_object *a = measure_json_number(72.5, 1), *b = measure_json_number(120, 0),
                *c = measure_json_number(-0.01, 1);
    assert_string_equal(json_object_to_json_string(a), "72.5");
    assert_string_equal(json_object_to_json_string(b), "120");
    assert_string_equal(json_object_to_json_string(c), "0.0");
    json_object_put(a);
    json_object_put(b);
    json_object_put(c);
}

/* ---- numbers and times as written ---- */

static void numbers_as_patients_write_them(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        double v;
    } good[] = {{"72.5", 72.5}, {"72,5", 72.5}, {"120", 120},
                {"0.5", 0.5},   {"-3", -3},     {"000120", 120}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v;
        assert_true(measure_parse_number(good[i].s, strlen(good[i].s), &v));
        assert_true(fabs(v - good[i].v) < 1e-12);
    }
    static const char *const bad[] = {
        "",    ".5",  "5.",   "1e3", "1.2.3", "12a", "1,000.5", " 72",
        "72 ", "--1", "0x10", "nan", "inf",   "-",   "+5",      "1234567890123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        assert_false(measure_parse_number(bad[i], strlen(bad[i]), &v));
    }
}

static bool when(const char *s, struct measure_entry *e, struct measure_error *err)
{
    return measure_parse_time(s, strlen(s), NOW_US, e, err);
}

static void times_with_zones_and_amsterdam_local_time(void **state)
{
    (void)state;
    struct measure_entry e;
    struct measure_error err;
    assert_true(when("2026-03-01T08:15:00Z", &e, &err));
    assert_string_equal(e.time, "2026-03-01T08:15:00Z");
    assert_int_equal(e.time_us, 1772352900LL * 1000000);
    assert_true(when("2026-03-01T09:15:00+01:00", &e, &err));
    assert_string_equal(e.time, "2026-03-01T09:15:00+01:00");
    assert_int_equal(e.time_us, 1772352900LL * 1000000);
    /* local winter time: +01:00 */
    assert_true(when("2026-03-01T09:15", &e, &err));
    assert_string_equal(e.time, "2026-03-01T09:15:00+01:00");
    assert_int_equal(e.time_us, 1772352900LL * 1000000);
    assert_true(when("2026-03-01 09:15:30.250", &e, &err));
    assert_string_equal(e.time, "2026-03-01T09:15:30+01:00");
    /* local summer time: +02:00 */
    assert_true(when("2026-07-01T12:00", &e, &err));
    assert_string_equal(e.time, "2026-07-01T12:00:00+02:00");
    /* spring forward on 2026-03-29: 01:59 is winter, 02:30 does not exist, 03:00 is summer */
    assert_true(when("2026-03-29T01:59", &e, &err));
    assert_string_equal(e.time, "2026-03-29T01:59:00+01:00");
    assert_false(when("2026-03-29T02:30", &e, &err));
    assert_string_equal(err.field, "time");
    assert_non_null(strstr(err.message, "does not exist"));
    assert_true(when("2026-03-29T03:00", &e, &err));
    assert_string_equal(e.time, "2026-03-29T03:00:00+02:00");
    /* fall back on 2026-10-25: 02:30 happens twice, taken as summer time; 03:00 is winter */
    assert_true(when("2026-10-25T02:30", &e, &err));
    assert_string_equal(e.time, "2026-10-25T02:30:00+02:00");
    assert_true(when("2026-10-25T03:00", &e, &err));
    assert_string_equal(e.time, "2026-10-25T03:00:00+01:00");
    assert_true(when("2026-10-25T01:59", &e, &err));
    assert_string_equal(e.time, "2026-10-25T01:59:00+02:00");
    /* another year's switch (2027: March 28, October 31) */
    assert_false(when("2027-03-28T02:00", &e, &err));
    assert_true(when("2027-10-30T12:00", &e, &err));
    assert_string_equal(e.time, "2027-10-30T12:00:00+02:00");
    assert_true(when("2027-10-31T12:00", &e, &err));
    assert_string_equal(e.time, "2027-10-31T12:00:00+01:00");
    /* other zones */
    assert_true(when("2026-03-01T08:15-05:00", &e, &err));
    assert_string_equal(e.time, "2026-03-01T08:15:00-05:00");
    /* leap day */
    assert_true(when("2028-02-29T10:00Z", &e, &err));
    /* refused */
    static const char *const bad[] = {"2026-02-30T10:00",
                                      "2027-02-29T10:00",
                                      "2026-03-01",
                                      "2026-03-01T25:00",
                                      "2026-03-01T10:60",
                                      "2026-03-01T10:00:61",
                                      "2026-03-01T10:00+1:00",
                                      "2026-03-01T10:00:00+01:00x",
                                      "2026-03-01T10:00:00.Z",
                                      "2026-13-01T10:00",
                                      "01-03-2026 10:00",
                                      "2026/03/01 10:00",
                                      "2026-03-01T10:00+15:00",
                                      "",
                                      "now"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(when(bad[i], &e, &err));
        assert_string_equal(err.field, "time");
    }
    /* the future (beyond 5 minutes) and before 1900 */
    assert_false(when("2031-01-01T00:00Z", &e, &err));
    assert_non_null(strstr(err.message, "future"));
    assert_true(measure_parse_time("2026-03-01T08:19Z", 17, 1772352900LL * 1000000, &e, &err));
    assert_false(measure_parse_time("2026-03-01T08:21Z", 17, 1772352900LL * 1000000, &e, &err));
    assert_false(when("1899-12-31T23:00Z", &e, &err));
}

/* ---- the Observation ---- */

static json_object *built(const char *k, const char *unit, double v0, double v1, const char *t)
{
    struct measure_entry e;
    struct measure_error err;
    double v[2] = {v0, v1};
    assert_true(measure_check(kind(k), unit, v, &e, &err));
    assert_true(measure_parse_time(t, strlen(t), NOW_US, &e, &err));
    return measure_observation(&e, "m-1", "subj-1", "urn:regie:pgo:vault-owner");
}

static const char *plain(json_object *o)
{
    return json_object_to_json_string_ext(o,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void observations_are_nl_core(void **state)
{
    (void)state;
    size_t n;
    const struct measure_kind *all = measure_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        const struct measure_kind *k = &all[i];
        const struct measure_unit *u = &k->units[0];
        double v0 = (u->min[0] + u->max[0]) / 2, v1 = (u->min[1] + u->max[1]) / 2;
        if (k->nfields == 2) v0 = 130, v1 = 85;
        json_object *o = built(k->name, NULL, v0, v1, "2026-03-01T08:15");
        struct rg_fail f = {0};
        assert_int_equal(fhir_validate(o, &f), RG_OK);
        assert_string_equal(jsonx_get_str(o, "id"), "m-1");
        assert_string_equal(jsonx_get_str(o, "status"), "final");
        json_object *meta = jsonx_get(o, "meta");
        assert_string_equal(
            json_object_get_string(json_object_array_get_idx(jsonx_get(meta, "profile"), 0)),
            k->profile);
        json_object *tag = json_object_array_get_idx(jsonx_get(meta, "tag"), 0);
        assert_string_equal(jsonx_get_str(tag, "system"), "urn:regie:pgo:vault-owner");
        assert_string_equal(jsonx_get_str(tag, "code"), "subj-1");
        json_object *cat = json_object_array_get_idx(jsonx_get(o, "category"), 0);
        assert_string_equal(coding_code(cat, 0), k->category);
        assert_string_equal(coding_code(jsonx_get(o, "code"), 0), k->loinc);
        assert_string_equal(
            jsonx_get_str(json_object_array_get_idx(jsonx_get(jsonx_get(o, "code"), "coding"), 0),
                          "system"),
            "http://loinc.org");
        assert_string_equal(jsonx_get_str(jsonx_get(o, "subject"), "reference"), "Patient/subj-1");
        assert_string_equal(
            jsonx_get_str(json_object_array_get_idx(jsonx_get(o, "performer"), 0), "reference"),
            "Patient/subj-1");
        assert_string_equal(jsonx_get_str(o, "effectiveDateTime"), "2026-03-01T08:15:00+01:00");
        json_object *q = k->nfields == 2
                             ? jsonx_get(json_object_array_get_idx(jsonx_get(o, "component"), 0),
                                         "valueQuantity")
                             : jsonx_get(o, "valueQuantity");
        assert_string_equal(jsonx_get_str(q, "system"), "http://unitsofmeasure.org");
        assert_string_equal(jsonx_get_str(q, "code"), u->code);
        assert_non_null(jsonx_get_str(q, "unit"));
        /* read back: the same kind and values */
        assert_ptr_equal(measure_kind_of(o), k);
        int64_t at;
        double back[2] = {0};
        assert_true(measure_point(k, o, &at, back));
        assert_int_equal(at, 1772349300LL * 1000000);
        struct measure_entry e;
        struct measure_error err;
        double v[2] = {v0, v1};
        assert_true(measure_check(k, NULL, v, &e, &err));
        assert_true(fabs(back[0] - e.value[0]) < 1e-9);
        if (k->nfields == 2) assert_true(fabs(back[1] - e.value[1]) < 1e-9);
        assert_true(measure_check_observation(o, &err));
        json_object_put(o);
    }
    /* blood pressure: panel code, two components, no valueQuantity */
    json_object *bp = built("blood-pressure", "kPa", 16, 10.7, "2026-03-01T08:15:00Z");
    assert_string_equal(coding_code(jsonx_get(bp, "code"), 0), "85354-9");
    json_object *comps = jsonx_get(bp, "component");
    assert_int_equal(json_object_array_length(comps), 2);
    assert_string_equal(coding_code(jsonx_get(json_object_array_get_idx(comps, 0), "code"), 0),
                        "8480-6");
    assert_string_equal(coding_code(jsonx_get(json_object_array_get_idx(comps, 1), "code"), 0),
                        "8462-4");
    assert_null(jsonx_get(bp, "valueQuantity"));
    assert_non_null(strstr(plain(bp), "\"value\":120,\"unit\":\"mmHg\",\"system\":\"http://"
                                      "unitsofmeasure.org\",\"code\":\"mm[Hg]\""));
    json_object_put(bp);
    /* SpO2 carries both codes of the profile's pattern */
    json_object *o2 = built("o2-saturation", NULL, 97, 0, "2026-03-01T08:15:00Z");
    assert_string_equal(coding_code(jsonx_get(o2, "code"), 1), "59408-5");
    json_object_put(o2);
    /* weight in pounds is stored in kg */
    json_object *w = built("body-weight", "lb", 154.3, 0, "2026-03-01T08:15:00Z");
    assert_non_null(strstr(plain(w), "\"value\":70.0,\"unit\":\"kg\""));
    json_object_put(w);
}

static void observations_given_whole_are_checked(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        /* body, accepted?, field */
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
         "\"valueQuantity\":{\"value\":72.5,\"system\":\"http://unitsofmeasure.org\",\"code\":"
         "\"kg\"}}",
         "y", ""},
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
         "\"valueQuantity\":{\"value\":12,\"system\":\"http://unitsofmeasure.org\",\"code\":"
         "\"[stone_av]\"}}",
         "n", "valueQuantity.code"},
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
         "\"valueQuantity\":{\"value\":400,\"unit\":\"/min\"}}",
         "n", "valueQuantity.value"},
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
         "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
         "\"8480-6\"}]},\"valueQuantity\":{\"value\":500,\"code\":\"mm[Hg]\"}},"
         "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
         "\"valueQuantity\":{\"value\":80,\"code\":\"mm[Hg]\"}}]}",
         "n", "component[0].valueQuantity.value"},
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
         "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
         "\"8462-4\"}]},\"valueQuantity\":{\"value\":300,\"code\":\"mm[Hg]\"}}]}",
         "n", "component[0].valueQuantity.value"},
        /* a code of no kind, and a kind without a value: stored as given */
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2947-0\"}]},"
         "\"valueQuantity\":{\"value\":9999,\"code\":\"mmol/L\"}}",
         "y", ""},
        {"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8310-5\"}]},"
         "\"dataAbsentReason\":{\"text\":\"thermometer broken\"}}",
         "y", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum jsonx_err je;
        json_object *o = jsonx_parse(cases[i][0], strlen(cases[i][0]), 32, &je, NULL, 0);
        assert_non_null(o);
        struct measure_error err = {0};
        bool ok = measure_check_observation(o, &err);
        if (ok != (cases[i][1][0] == 'y')) fail_msg("case %zu: %s", i, err.message);
        if (!ok) assert_string_equal(err.field, cases[i][2]);
        json_object_put(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(six_kinds_with_their_defaults),
        cmocka_unit_test(kinds_match_the_zib2020_examples),
        cmocka_unit_test(units_convert_to_the_default),
        cmocka_unit_test(factors_agree_with_ucum),
        cmocka_unit_test(ranges_are_inclusive_and_named),
        cmocka_unit_test(values_are_rounded_to_the_units_decimals),
        cmocka_unit_test(numbers_as_patients_write_them),
        cmocka_unit_test(times_with_zones_and_amsterdam_local_time),
        cmocka_unit_test(observations_are_nl_core),
        cmocka_unit_test(observations_given_whole_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
