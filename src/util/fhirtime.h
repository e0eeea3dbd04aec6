/* FHIR date, dateTime and instant values, with their precision (a date "2024-03" is the whole
 * month). Formats per FHIR R4 datatypes: date YYYY(-MM(-DD)?)?; dateTime adds
 * Thh:mm:ss(.s+)?(Z|+hh:mm), the zone being required with a time; instant is a dateTime to the
 * second with a zone. */
#ifndef REGIE_UTIL_FHIRTIME_H
#define REGIE_UTIL_FHIRTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fhirtime_precision {
    FHIRTIME_YEAR,
    FHIRTIME_MONTH,
    FHIRTIME_DAY,
    FHIRTIME_SECOND, /* seconds, possibly with a fraction */
};

/* A parsed value as the half-open range [start_us, end_us) of microseconds since 1970 UTC that it
 * covers (a value without a zone is taken as UTC). */
struct fhirtime {
    enum fhirtime_precision precision;
    int64_t start_us;
    int64_t end_us;
    bool has_zone;
};

/* Each parses exactly len bytes; returns true when s is a valid value of that FHIR type and fills
 * out (out may be NULL to only validate). Real calendar checks: no Feb 30, hours < 24 ... */
bool fhirtime_parse_date(const char *s, size_t len, struct fhirtime *out);
bool fhirtime_parse_datetime(const char *s, size_t len, struct fhirtime *out);
bool fhirtime_parse_instant(const char *s, size_t len, struct fhirtime *out);
/* time: hh:mm:ss(.s+)? */
bool fhirtime_valid_time(const char *s, size_t len);

#define FHIRTIME_INSTANT_LEN 25 /* "2026-11-22T10:00:00.123Z" + NUL */

/* The current time as an instant with milliseconds, UTC: "2026-11-22T10:00:00.123Z". */
void fhirtime_now(char out[FHIRTIME_INSTANT_LEN]);
/* Formats microseconds since 1970 UTC as an instant with milliseconds. */
void fhirtime_format_us(int64_t us, char out[FHIRTIME_INSTANT_LEN]);
/* An instant in the HTTP date form for Last-Modified: "Sun, 22 Nov 2026 10:00:00 GMT". Returns
 * false when instant does not parse. */
bool fhirtime_http_date(const char *instant, char *out, size_t out_len);

#endif
