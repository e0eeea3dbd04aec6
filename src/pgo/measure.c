/* Self-measurements as data: the six kinds, their units and ranges, and the nl-core Observation
 * of an entry. Codes and profiles follow the zib2020 nl-core examples (BloodPressure, BodyWeight,
 * BodyTemperature, HeartRate, O2Saturation) and MedMij's measurement table (glucose LOINC
 * 14743-9, stored as a LaboratoryTestResult, whose profile asks category laboratory). The zib
 * profiles fix the unit of most kinds (mm[Hg], Cel, /min, %): other units are converted on entry,
 * so what is stored always carries the default unit. */
#include "pgo/measure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "util/fhirtime.h"

#define NL_CORE "http://nictiz.nl/fhir/StructureDefinition/nl-core-"

/* ---- the kinds ---- */

static const char *const mmhg_aliases[] = {"mmHg", "mm Hg", NULL};
static const char *const none[] = {NULL};
static const char *const lb_aliases[] = {"lb", "lbs", NULL};
static const char *const cel_aliases[] = {"\xc2\xb0"
                                          "C",
                                          "C", "degC", NULL};
static const char *const degf_aliases[] = {"\xc2\xb0"
                                           "F",
                                           "F", "degF", NULL};
static const char *const min_aliases[] = {"bpm", "min-1", "{beats}/min", NULL};
static const char *const mmol_aliases[] = {"mmol/l", NULL};
static const char *const mgdl_aliases[] = {"mg/dl", NULL};

static const struct measure_unit bp_units[] = {
    {"mm[Hg]", "mmHg", mmhg_aliases, 1.0, 0.0, {40, 20}, {300, 200}, 0},
    /* 1 kPa = 7.50064 mmHg (UCUM: mm[Hg] = 133.3220 Pa) */
    {"kPa", "kPa", none, 7.500637554, 0.0, {5.3, 2.7}, {40.0, 26.7}, 1},
};
static const struct measure_field bp_fields[] = {
    {"systolic", "8480-6", "Systolic blood pressure", true, 90, 140},
    {"diastolic", "8462-4", "Diastolic blood pressure", true, 60, 90},
};

static const struct measure_unit weight_units[] = {
    {"kg", "kg", none, 1.0, 0.0, {0.5, 0}, {500, 0}, 1},
    {"g", "g", none, 0.001, 0.0, {500, 0}, {500000, 0}, 0},
    {"[lb_av]", "lb", lb_aliases, 0.45359237, 0.0, {1.1, 0}, {1100, 0}, 1},
};
static const struct measure_field weight_fields[] = {{"value", NULL, NULL, false, 0, 0}};

static const struct measure_unit temp_units[] = {
    {"Cel", "Cel", cel_aliases, 1.0, 0.0, {30.0, 0}, {45.0, 0}, 1},
    {"[degF]",
     "\xc2\xb0"
     "F",
     degf_aliases,
     5.0 / 9.0,
     -160.0 / 9.0,
     {86.0, 0},
     {113.0, 0},
     1},
};
static const struct measure_field temp_fields[] = {{"value", NULL, NULL, true, 36.0, 37.5}};

static const struct measure_unit rate_units[] = {
    {"/min", "/min", min_aliases, 1.0, 0.0, {20, 0}, {300, 0}, 0},
};
static const struct measure_field rate_fields[] = {{"value", NULL, NULL, true, 60, 100}};

static const struct measure_unit spo2_units[] = {
    {"%", "%", none, 1.0, 0.0, {50, 0}, {100, 0}, 0},
};
static const struct measure_field spo2_fields[] = {{"value", NULL, NULL, true, 95, 100}};

static const struct measure_unit glucose_units[] = {
    {"mmol/L", "mmol/L", mmol_aliases, 1.0, 0.0, {0.5, 0}, {50.0, 0}, 1},
    /* glucose: 180.16 g/mol, so 1 mg/dL = 1/18.016 mmol/L */
    {"mg/dL", "mg/dL", mgdl_aliases, 1.0 / 18.016, 0.0, {9, 0}, {900, 0}, 0},
};
/* fasting-ish: 4.0 .. 7.8 mmol/L (7.8: the upper limit two hours after a meal) */
static const struct measure_field glucose_fields[] = {{"value", NULL, NULL, true, 4.0, 7.8}};

static const char *const bp_also[] = {"55284-4", NULL};
static const char *const weight_also[] = {"3141-9", NULL};
static const char *const rate_also[] = {"8893-0", NULL};
static const char *const spo2_also[] = {"2710-2", NULL};
static const char *const glucose_also[] = {"14760-3", "14770-2", "15074-8", "2339-0", NULL};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct measure_kind kinds[] = {
    {"blood-pressure", "85354-9", "Blood pressure panel with all children optional", NULL, NULL,
     NL_CORE "BloodPressure", "vital-signs", "Vital Signs", bp_also, bp_fields, N(bp_fields),
     bp_units, N(bp_units)},
    {"body-weight", "29463-7", "Body weight", NULL, NULL, NL_CORE "BodyWeight", "vital-signs",
     "Vital Signs", weight_also, weight_fields, 1, weight_units, N(weight_units)},
    {"body-temperature", "8310-5", "Body temperature", NULL, NULL, NL_CORE "BodyTemperature",
     "vital-signs", "Vital Signs", none, temp_fields, 1, temp_units, N(temp_units)},
    {"heart-rate", "8867-4", "Heart rate", NULL, NULL, NL_CORE "HeartRate", "vital-signs",
     "Vital Signs", rate_also, rate_fields, 1, rate_units, N(rate_units)},
    {"o2-saturation", "2708-6", "Oxygen saturation in Arterial blood", "59408-5",
     "Oxygen saturation in Arterial blood by Pulse oximetry", NL_CORE "O2Saturation", "vital-signs",
     "Vital Signs", spo2_also, spo2_fields, 1, spo2_units, N(spo2_units)},
    {"blood-glucose", "14743-9", "Glucose [Moles/volume] in Capillary blood by Glucometer", NULL,
     NULL, NL_CORE "LaboratoryTestResult", "laboratory", "Laboratory", glucose_also, glucose_fields,
     1, glucose_units, N(glucose_units)},
};

const struct measure_kind *measure_kinds(size_t *n)
{
    *n = N(kinds);
    return kinds;
}

const struct measure_kind *measure_kind_find(const char *name)
{
    for (size_t i = 0; name && i < N(kinds); i++)
        if (!strcmp(kinds[i].name, name)) return &kinds[i];
    return NULL;
}

const struct measure_unit *measure_unit_find(const struct measure_kind *k, const char *unit)
{
    if (!unit || !*unit) return &k->units[0];
    for (size_t i = 0; i < k->nunits; i++) {
        const struct measure_unit *u = &k->units[i];
        if (!strcmp(u->code, unit)) return u;
        for (const char *const *a = u->aliases; *a; a++)
            if (!strcmp(*a, unit)) return u;
    }
    return NULL;
}

static bool kind_has_code(const struct measure_kind *k, const char *code)
{
    if (!strcmp(k->loinc, code) || (k->loinc2 && !strcmp(k->loinc2, code))) return true;
    for (const char *const *a = k->also; *a; a++)
        if (!strcmp(*a, code)) return true;
    return false;
}

const struct measure_kind *measure_kind_of(json_object *obs)
{
    json_object *codings = jsonx_get(jsonx_get(obs, "code"), "coding");
    if (!codings || !json_object_is_type(codings, json_type_array)) return NULL;
    for (size_t i = 0; i < json_object_array_length(codings); i++) {
        json_object *c = json_object_array_get_idx(codings, i);
        const char *system = jsonx_get_str(c, "system"), *code = jsonx_get_str(c, "code");
        if (!system || !code || strcmp(system, MEASURE_LOINC) != 0) continue;
        for (size_t k = 0; k < N(kinds); k++)
            if (kind_has_code(&kinds[k], code)) return &kinds[k];
    }
    return NULL;
}

/* ---- numbers ---- */

static void fail(struct measure_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct measure_error *err, const char *field, const char *fmt, ...)
{
    if (!err) return;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

bool measure_parse_number(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 15) return false;
    char text[16];
    size_t i = 0, n = 0, digits = 0;
    bool mark = false;
    if (s[0] == '-') text[n++] = s[i++];
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            text[n++] = s[i];
            digits++;
        } else if ((s[i] == '.' || s[i] == ',') && !mark && digits > 0 && i + 1 < len) {
            mark = true;
            text[n++] = '.';
        } else {
            return false;
        }
    }
    if (digits == 0) return false;
    text[n] = '\0';
    char *end;
    *out = strtod(text, &end);
    return *end == '\0';
}

/* v rounded to decimals (through its decimal text, so 72.45 is what printf shows). */
static double rounded(double v, int decimals)
{
    char text[64];
    snprintf(text, sizeof text, "%.*f", decimals, v);
    return strtod(text, NULL);
}

json_object *measure_json_number(double v, int decimals)
{
    char text[64];
    snprintf(text, sizeof text, "%.*f", decimals, v);
    if (strtod(text, NULL) == 0) snprintf(text, sizeof text, "%.*f", decimals, 0.0); /* no -0 */
    return decimals == 0 ? json_object_new_int64((int64_t)strtod(text, NULL))
                         : json_object_new_double_s(strtod(text, NULL), text);
}

/* Shortest text of a range bound ("0.5", "300"). */
static void bound_text(double v, int decimals, char *out, size_t out_len)
{
    snprintf(out, out_len, "%.*f", decimals, v);
}

bool measure_check(const struct measure_kind *k, const char *unit, const double *values,
                   struct measure_entry *e, struct measure_error *err)
{
    const struct measure_unit *u = measure_unit_find(k, unit);
    if (!u) {
        char allowed[96] = "";
        for (size_t i = 0; i < k->nunits; i++) {
            size_t len = strlen(allowed);
            snprintf(allowed + len, sizeof allowed - len, "%s%s", i ? ", " : "", k->units[i].code);
        }
        fail(err, "unit", "%s is not a unit for %s (allowed: %s)", unit, k->name, allowed);
        return false;
    }
    e->kind = k;
    const struct measure_unit *dflt = &k->units[0];
    for (size_t i = 0; i < k->nfields; i++) {
        double v = values[i];
        /* the bounds are inclusive, up to the unit's decimals (37.04 reads as 37.0) */
        double vr = rounded(v, u->decimals + 1);
        if (!(vr >= u->min[i] && vr <= u->max[i])) {
            char lo[32], hi[32];
            bound_text(u->min[i], u->decimals, lo, sizeof lo);
            bound_text(u->max[i], u->decimals, hi, sizeof hi);
            fail(err, k->fields[i].name, "%s must be between %s and %s %s", k->fields[i].name, lo,
                 hi, u->display);
            return false;
        }
        e->value[i] = rounded(v * u->factor + u->offset, dflt->decimals);
    }
    if (k->nfields == 2 && e->value[0] <= e->value[1]) {
        fail(err, k->fields[0].name, "%s must be higher than %s", k->fields[0].name,
             k->fields[1].name);
        return false;
    }
    return true;
}

bool measure_in_band(const struct measure_kind *k, size_t field, double value)
{
    if (field >= k->nfields || !k->fields[field].has_band) return true;
    return value >= k->fields[field].band_low && value <= k->fields[field].band_high;
}

/* ---- time ---- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Seconds since 1970 UTC of 01:00 UTC on the last Sunday of month m (31 days long) of year y: the
 * EU's summer-time switch. */
static int64_t eu_switch(int64_t y, int m)
{
    int64_t day = days_from_civil(y, m, 31);
    int64_t weekday = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */
    return (day - weekday) * 86400 + 3600;
}

static int digits_at(const char *s, size_t len, size_t at, size_t n)
{
    if (at + n > len) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

bool measure_parse_time(const char *s, size_t len, int64_t now_us, struct measure_entry *e,
                        struct measure_error *err)
{
    const char *want = "a time like 2026-03-01T08:15 or 2026-03-01T08:15:00+01:00";
    int y = digits_at(s, len, 0, 4), mo = digits_at(s, len, 5, 2), d = digits_at(s, len, 8, 2);
    int h = digits_at(s, len, 11, 2), mi = digits_at(s, len, 14, 2), sec = 0;
    if (len < 16 || y < 0 || mo < 1 || mo > 12 || d < 1 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != ' ') || h < 0 || h > 23 || s[13] != ':' || mi < 0 || mi > 59 ||
        d > days_in_month(y, mo)) {
        fail(err, "time", "%s", want);
        return false;
    }
    size_t at = 16;
    if (at < len && s[at] == ':') {
        sec = digits_at(s, len, at + 1, 2);
        if (sec < 0 || sec > 59) {
            fail(err, "time", "%s", want);
            return false;
        }
        at += 3;
        if (at < len && s[at] == '.') { /* a fraction is read and dropped: seconds suffice */
            size_t f = ++at;
            while (at < len && s[at] >= '0' && s[at] <= '9') at++;
            if (at == f || at - f > 9) {
                fail(err, "time", "%s", want);
                return false;
            }
        }
    }
    int64_t wall = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    int offset_min;
    if (at == len) { /* local time in Europe/Amsterdam */
        int64_t start = eu_switch(y, 3), end = eu_switch(y, 10);
        bool cest = wall - 7200 >= start && wall - 7200 < end;
        bool cet = !(wall - 3600 >= start && wall - 3600 < end);
        if (!cest && !cet) {
            fail(err, "time",
                 "%.*s does not exist in the Netherlands (the clocks go forward); give the "
                 "offset",
                 (int)(len > 40 ? 40 : len), s);
            return false;
        }
        offset_min = cest ? 120 : 60;
    } else if (s[at] == 'Z' && at + 1 == len) {
        offset_min = 0;
    } else if ((s[at] == '+' || s[at] == '-') && at + 6 == len && s[at + 3] == ':') {
        int oh = digits_at(s, len, at + 1, 2), om = digits_at(s, len, at + 4, 2);
        if (oh < 0 || oh > 14 || om < 0 || om > 59) {
            fail(err, "time", "%s", want);
            return false;
        }
        offset_min = (s[at] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
        fail(err, "time", "%s", want);
        return false;
    }
    int64_t utc = wall - (int64_t)offset_min * 60;
    if (y < 1900 || utc * 1000000 > now_us + 300 * 1000000LL) {
        fail(err, "time", "the time lies %s", y < 1900 ? "before 1900" : "in the future");
        return false;
    }
    e->time_us = utc * 1000000;
    int am = offset_min < 0 ? -offset_min : offset_min;
    if (offset_min == 0 && s[at] == 'Z')
        snprintf(e->time, sizeof e->time, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
    else
        snprintf(e->time, sizeof e->time, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, h,
                 mi, sec, offset_min < 0 ? '-' : '+', am / 60, am % 60);
    return true;
}

/* ---- the Observation ---- */

static json_object *coding(const char *system, const char *code, const char *display)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "system", json_object_new_string(system));
    json_object_object_add(c, "code", json_object_new_string(code));
    if (display) json_object_object_add(c, "display", json_object_new_string(display));
    return c;
}

static json_object *concept(json_object *c1, json_object *c2)
{
    json_object *cc = json_object_new_object(), *arr = json_object_new_array();
    json_object_array_add(arr, c1);
    if (c2) json_object_array_add(arr, c2);
    json_object_object_add(cc, "coding", arr);
    return cc;
}

static json_object *quantity(const struct measure_unit *u, double v)
{
    json_object *q = json_object_new_object();
    json_object_object_add(q, "value", measure_json_number(v, u->decimals));
    json_object_object_add(q, "unit", json_object_new_string(u->display));
    json_object_object_add(q, "system", json_object_new_string(MEASURE_UCUM));
    json_object_object_add(q, "code", json_object_new_string(u->code));
    return q;
}

static json_object *patient_ref(const char *subject)
{
    char ref[96];
    snprintf(ref, sizeof ref, "Patient/%s", subject);
    json_object *r = json_object_new_object();
    json_object_object_add(r, "reference", json_object_new_string(ref));
    return r;
}

json_object *measure_observation(const struct measure_entry *e, const char *id, const char *subject,
                                 const char *tag_system)
{
    const struct measure_kind *k = e->kind;
    const struct measure_unit *u = &k->units[0];
    json_object *o = json_object_new_object();
    if (!o) return NULL;
    json_object_object_add(o, "resourceType", json_object_new_string("Observation"));
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object *meta = json_object_new_object(), *profiles = json_object_new_array(),
                *tags = json_object_new_array(), *tag = json_object_new_object();
    json_object_array_add(profiles, json_object_new_string(k->profile));
    json_object_object_add(meta, "profile", profiles);
    json_object_object_add(tag, "system", json_object_new_string(tag_system));
    json_object_object_add(tag, "code", json_object_new_string(subject));
    json_object_array_add(tags, tag);
    json_object_object_add(meta, "tag", tags);
    json_object_object_add(o, "meta", meta);
    json_object_object_add(o, "status", json_object_new_string("final"));
    json_object *category = json_object_new_array();
    json_object_array_add(
        category, concept(coding("http://terminology.hl7.org/CodeSystem/observation-category",
                                 k->category, k->category_display),
                          NULL));
    json_object_object_add(o, "category", category);
    json_object_object_add(
        o, "code",
        concept(coding(MEASURE_LOINC, k->loinc, k->display),
                k->loinc2 ? coding(MEASURE_LOINC, k->loinc2, k->display2) : NULL));
    json_object_object_add(o, "subject", patient_ref(subject));
    json_object_object_add(o, "effectiveDateTime", json_object_new_string(e->time));
    json_object *performers = json_object_new_array();
    json_object_array_add(performers, patient_ref(subject));
    json_object_object_add(o, "performer", performers);
    if (k->nfields == 1) {
        json_object_object_add(o, "valueQuantity", quantity(u, e->value[0]));
    } else {
        json_object *components = json_object_new_array();
        for (size_t i = 0; i < k->nfields; i++) {
            json_object *c = json_object_new_object();
            json_object_object_add(
                c, "code",
                concept(coding(MEASURE_LOINC, k->fields[i].loinc, k->fields[i].display), NULL));
            json_object_object_add(c, "valueQuantity", quantity(u, e->value[i]));
            json_object_array_add(components, c);
        }
        json_object_object_add(o, "component", components);
    }
    return o;
}

/* ---- reading back ---- */

static bool observation_time(json_object *obs, int64_t *us)
{
    const char *t = jsonx_get_str(obs, "effectiveDateTime");
    if (!t) t = jsonx_get_str(jsonx_get(obs, "effectivePeriod"), "start");
    if (!t) t = jsonx_get_str(obs, "effectiveInstant");
    if (!t) t = jsonx_get_str(obs, "issued");
    struct fhirtime ft;
    if (!t || !fhirtime_parse_datetime(t, strlen(t), &ft)) return false;
    *us = ft.start_us;
    return true;
}

/* The quantity of field i: the valueQuantity, or the component with the field's code. */
static json_object *field_quantity(const struct measure_kind *k, size_t i, json_object *obs,
                                   size_t *component)
{
    if (!k->fields[i].loinc) return jsonx_get(obs, "valueQuantity");
    json_object *components = jsonx_get(obs, "component");
    if (!components || !json_object_is_type(components, json_type_array)) return NULL;
    for (size_t c = 0; c < json_object_array_length(components); c++) {
        json_object *comp = json_object_array_get_idx(components, c);
        json_object *codings = jsonx_get(jsonx_get(comp, "code"), "coding");
        for (size_t j = 0; codings && json_object_is_type(codings, json_type_array) &&
                           j < json_object_array_length(codings);
             j++) {
            json_object *cd = json_object_array_get_idx(codings, j);
            const char *system = jsonx_get_str(cd, "system"), *code = jsonx_get_str(cd, "code");
            if (system && code && !strcmp(system, MEASURE_LOINC) &&
                !strcmp(code, k->fields[i].loinc)) {
                if (component) *component = c;
                return jsonx_get(comp, "valueQuantity");
            }
        }
    }
    return NULL;
}

/* The unit of a quantity: its UCUM code, else its unit text. */
static const struct measure_unit *quantity_unit(const struct measure_kind *k, json_object *q)
{
    const char *code = jsonx_get_str(q, "code"), *system = jsonx_get_str(q, "system");
    const struct measure_unit *u = NULL;
    if (code && (!system || !strcmp(system, MEASURE_UCUM))) u = measure_unit_find(k, code);
    if (!u && jsonx_get_str(q, "unit")) u = measure_unit_find(k, jsonx_get_str(q, "unit"));
    return u;
}

static bool quantity_value(json_object *q, double *v)
{
    json_object *value = jsonx_get(q, "value");
    if (!value || !(json_object_is_type(value, json_type_double) ||
                    json_object_is_type(value, json_type_int)))
        return false;
    *v = json_object_get_double(value);
    return true;
}

bool measure_point(const struct measure_kind *k, json_object *obs, int64_t *time_us,
                   double values[MEASURE_FIELDS_MAX])
{
    if (measure_kind_of(obs) != k || !observation_time(obs, time_us)) return false;
    for (size_t i = 0; i < k->nfields; i++) {
        json_object *q = field_quantity(k, i, obs, NULL);
        const struct measure_unit *u = q ? quantity_unit(k, q) : NULL;
        double v;
        if (!u || !quantity_value(q, &v)) return false;
        values[i] = rounded(v * u->factor + u->offset, k->units[0].decimals);
    }
    return true;
}

bool measure_check_observation(json_object *obs, struct measure_error *err)
{
    const struct measure_kind *k = measure_kind_of(obs);
    if (!k) return true;
    double values[MEASURE_FIELDS_MAX] = {0};
    const struct measure_unit *unit = NULL;
    size_t present = 0;
    char where[MEASURE_FIELDS_MAX][48];
    for (size_t i = 0; i < k->nfields; i++) {
        size_t c = 0;
        json_object *q = field_quantity(k, i, obs, &c);
        if (k->fields[i].loinc)
            snprintf(where[i], sizeof where[i], "component[%zu].valueQuantity", c);
        else
            snprintf(where[i], sizeof where[i], "valueQuantity");
        if (!q) continue; /* no value (a dataAbsentReason, say): nothing to check */
        const struct measure_unit *u = quantity_unit(k, q);
        if (!u) {
            const char *given = jsonx_get_str(q, "code");
            if (!given) given = jsonx_get_str(q, "unit");
            char field[64];
            snprintf(field, sizeof field, "%s.code", where[i]);
            fail(err, field, "%s is not a unit for %s", given ? given : "(none)", k->name);
            return false;
        }
        if (unit && u != unit) {
            fail(err, where[i], "give both values of %s in one unit", k->name);
            return false;
        }
        unit = u;
        if (!quantity_value(q, &values[i])) continue; /* the validator speaks of its type */
        present++;
    }
    if (present != k->nfields) {
        /* a partial blood pressure is checked field by field */
        for (size_t i = 0; i < k->nfields; i++) {
            json_object *q = field_quantity(k, i, obs, NULL);
            double v;
            if (!q || !quantity_value(q, &v)) continue;
            double r = rounded(v, unit->decimals + 1);
            if (!(r >= unit->min[i] && r <= unit->max[i])) {
                char field[64];
                snprintf(field, sizeof field, "%s.value", where[i]);
                fail(err, field, "%s must be between %g and %g %s", k->fields[i].name, unit->min[i],
                     unit->max[i], unit->display);
                return false;
            }
        }
        return true;
    }
    struct measure_entry e;
    if (!measure_check(k, unit->code, values, &e, err)) {
        for (size_t i = 0; err && i < k->nfields; i++)
            if (!strcmp(err->field, k->fields[i].name))
                snprintf(err->field, sizeof err->field, "%s.value", where[i]);
        return false;
    }
    return true;
}
