/* Self-measurements (issue 5): the six kinds a patient enters in the PGO as data (code, zib2020
 * nl-core profile, UCUM units with their conversion to the kind's default unit, plausible ranges,
 * decimals, a reference band), the checks of an entry, the nl-core Observation built from one, and
 * the way back from a stored Observation (entered or collected) to a point of a chart.
 * See docs/pgo.md "Measurements". Pure functions: no I/O, no clock (the caller passes now). */
#ifndef REGIE_PGO_MEASURE_H
#define REGIE_PGO_MEASURE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEASURE_FIELDS_MAX 2 /* blood pressure: systolic and diastolic */
#define MEASURE_TIME_MAX   40
#define MEASURE_LOINC      "http://loinc.org"
#define MEASURE_UCUM       "http://unitsofmeasure.org"

/* One allowed unit of a kind. value in the default unit = value * factor + offset. */
struct measure_unit {
    const char *code;               /* UCUM code, as stored ("mm[Hg]") */
    const char *display;            /* Quantity.unit ("mmHg") */
    const char *const *aliases;     /* other spellings accepted on input, NULL-terminated */
    double factor, offset;          /* to the kind's default unit */
    double min[MEASURE_FIELDS_MAX]; /* plausible, in this unit, per field */
    double max[MEASURE_FIELDS_MAX];
    int decimals; /* meaningful decimals in this unit */
};

struct measure_field {
    const char *name;    /* "value", "systolic", "diastolic" */
    const char *loinc;   /* a component's code (blood pressure), NULL for the value */
    const char *display; /* its display */
    bool has_band;
    double band_low, band_high; /* the reference band in the default unit */
};

struct measure_kind {
    const char *name;  /* "blood-pressure" */
    const char *loinc; /* Observation.code */
    const char *display;
    const char *loinc2; /* a second coding the profile's pattern holds (SpO2: 59408-5), or NULL */
    const char *display2;
    const char *profile;  /* the zib2020 nl-core StructureDefinition URL */
    const char *category; /* observation-category: "vital-signs" or "laboratory" */
    const char *category_display;
    const char *const *also; /* other LOINC codes whose collected Observations count as this kind,
                                NULL-terminated */
    const struct measure_field *fields;
    size_t nfields;
    const struct measure_unit *units; /* units[0] is the default: what is stored */
    size_t nunits;
};

/* Every kind, in a fixed order; *n gets the count. */
const struct measure_kind *measure_kinds(size_t *n);
/* A kind by name, NULL when unknown. */
const struct measure_kind *measure_kind_find(const char *name);
/* A unit of kind by its UCUM code or an alias (exact; NULL or "" means the default unit); NULL
 * when the kind does not allow it. */
const struct measure_unit *measure_unit_find(const struct measure_kind *k, const char *unit);
/* The kind an Observation's code names (any coding: the kind's code, second code or `also`), or
 * NULL. */
const struct measure_kind *measure_kind_of(json_object *obs);

/* Why an entry was refused: the field it concerns ("value", "unit", "time", "kind", "systolic",
 * ...) and a message for the patient. */
struct measure_error {
    char field[64];
    char message[200];
};

/* A checked entry: values in the default unit, rounded to its decimals. */
struct measure_entry {
    const struct measure_kind *kind;
    double value[MEASURE_FIELDS_MAX];
    char time[MEASURE_TIME_MAX]; /* effectiveDateTime as stored: seconds and an offset */
    int64_t time_us;             /* the same instant, microseconds since 1970 UTC */
};

/* Reads a decimal number as a patient writes one: optional '-', digits, one '.' or ',' as the
 * decimal mark, digits; at most 15 characters. No exponent, no thousands separator. */
bool measure_parse_number(const char *s, size_t len, double *out);

/* Reads the time of a measurement: ISO 8601 YYYY-MM-DD(T| )hh:mm(:ss(.fraction)?)? and an
 * optional zone (Z or +hh:mm / -hh:mm). Without a zone it is local time in Europe/Amsterdam (CET
 * +01:00, CEST +02:00 by the EU rule: last Sunday of March 01:00 UTC to last Sunday of October
 * 01:00 UTC); a local time in the spring gap does not exist and is refused, one in the autumn
 * hour that happens twice is taken as summer time. Times after now_us (+ 5 minutes) or before
 * 1900 are refused. Fills e->time and e->time_us. */
bool measure_parse_time(const char *s, size_t len, int64_t now_us, struct measure_entry *e,
                        struct measure_error *err);

/* Checks values (in unit: a code or alias, NULL for the default) for kind: the unit allowed, each
 * value within the unit's plausible range, systolic above diastolic; converts to the default unit
 * and rounds. values has kind->nfields numbers. Fills e->kind and e->value. */
bool measure_check(const struct measure_kind *k, const char *unit, const double *values,
                   struct measure_entry *e, struct measure_error *err);

/* Whether a value lies in the kind's reference band of field i (true when it has none). */
bool measure_in_band(const struct measure_kind *k, size_t field, double value);

/* The zib2020 nl-core Observation of a checked entry: id, meta (profile and the owner's tag of
 * tag_system), status final, category, code, subject and performer the account's Patient,
 * effectiveDateTime, and valueQuantity (blood pressure: the two components) with UCUM system,
 * code and unit. NULL when out of memory. */
json_object *measure_observation(const struct measure_entry *e, const char *id, const char *subject,
                                 const char *tag_system);

/* A stored Observation (entered, or collected from a provider) as a point of kind k: its time
 * (effectiveDateTime, effectivePeriod.start, effectiveInstant or issued) and its values converted
 * to the default unit. false when it is not of kind k, has no time, or a value is missing or in a
 * unit the kind does not know. */
bool measure_point(const struct measure_kind *k, json_object *obs, int64_t *time_us,
                   double values[MEASURE_FIELDS_MAX]);

/* Checks an Observation given whole (the FHIR form of POST /api/measurements): when its code
 * names a kind, its quantities must be in an allowed unit and within the plausible range. true
 * when acceptable (also when the code names no kind: it is stored as given). */
bool measure_check_observation(json_object *obs, struct measure_error *err);

/* The number as JSON with the given decimals ("72.5", "120"). */
json_object *measure_json_number(double v, int decimals);

#endif
