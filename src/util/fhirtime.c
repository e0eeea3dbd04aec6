/* FHIR date/dateTime/instant/time parsing with real calendar checks, and instant formatting. The
 * grammar is the R4 datatype regexes, written out by hand so a value is read in one pass. */
#include "util/fhirtime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

/* Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
    static const unsigned char days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits at s[*i]; returns -1 when they are not all there. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') return -1;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    return v;
}

static bool lit(const char *s, size_t len, size_t *i, char c)
{
    if (*i >= len || s[*i] != c) return false;
    (*i)++;
    return true;
}

/* hh:mm:ss(.f+)? into microseconds since midnight; *frac_unit is the span of the last digit. */
static bool parse_clock(const char *s, size_t len, size_t *i, int64_t *us, int64_t *unit)
{
    int hh = digits(s, len, i, 2);
    if (hh < 0 || hh > 23 || !lit(s, len, i, ':')) return false;
    int mi = digits(s, len, i, 2);
    if (mi < 0 || mi > 59 || !lit(s, len, i, ':')) return false;
    int ss = digits(s, len, i, 2);
    if (ss < 0 || ss > 60) return false; /* 60: a leap second, as the R4 regex allows */
    *us = ((int64_t)hh * 3600 + mi * 60 + ss) * US_PER_SEC;
    *unit = US_PER_SEC;
    if (*i < len && s[*i] == '.') {
        (*i)++;
        size_t start = *i;
        int64_t scale = US_PER_SEC / 10, frac = 0;
        while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
            if (scale > 0) {
                frac += (s[*i] - '0') * scale;
                *unit = scale;
                scale /= 10;
            } else {
                *unit = 1; /* digits past microseconds are kept in the range only as 1 µs */
            }
            (*i)++;
        }
        if (*i == start) return false;
        *us += frac;
    }
    return true;
}

/* Z or (+|-)hh:mm with the R4 bounds (up to 14:00); the offset in microseconds east of UTC. */
static bool parse_zone(const char *s, size_t len, size_t *i, int64_t *off)
{
    if (*i < len && s[*i] == 'Z') {
        (*i)++;
        *off = 0;
        return true;
    }
    if (*i >= len || (s[*i] != '+' && s[*i] != '-')) return false;
    int sign = s[*i] == '-' ? -1 : 1;
    (*i)++;
    int hh = digits(s, len, i, 2);
    if (hh < 0 || !lit(s, len, i, ':')) return false;
    int mm = digits(s, len, i, 2);
    if (mm < 0 || mm > 59 || hh > 14 || (hh == 14 && mm != 0)) return false;
    *off = sign * ((int64_t)hh * 3600 + mm * 60) * US_PER_SEC;
    return true;
}

enum form { F_DATE, F_DATETIME, F_INSTANT };

static bool parse(const char *s, size_t len, enum form form, struct fhirtime *out)
{
    if (!s) return false;
    size_t i = 0;
    int y = digits(s, len, &i, 4);
    if (y < 1) return false; /* year 0000 is outside the R4 regex */
    unsigned m = 1, d = 1;
    enum fhirtime_precision p = FHIRTIME_YEAR;
    if (lit(s, len, &i, '-')) {
        int v = digits(s, len, &i, 2);
        if (v < 1 || v > 12) return false;
        m = (unsigned)v;
        p = FHIRTIME_MONTH;
        if (lit(s, len, &i, '-')) {
            v = digits(s, len, &i, 2);
            if (v < 1 || (unsigned)v > month_days(y, m)) return false;
            d = (unsigned)v;
            p = FHIRTIME_DAY;
        }
    }
    if (form == F_INSTANT && p != FHIRTIME_DAY) return false;
    int64_t day0 = days_from_civil(y, m, d) * US_PER_DAY;
    int64_t start = day0, end;
    bool zone = false;
    if (p == FHIRTIME_YEAR)
        end = days_from_civil((int64_t)y + 1, 1, 1) * US_PER_DAY;
    else if (p == FHIRTIME_MONTH)
        end = (m == 12 ? days_from_civil((int64_t)y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) *
              US_PER_DAY;
    else
        end = day0 + US_PER_DAY;
    if (p == FHIRTIME_DAY && form != F_DATE && lit(s, len, &i, 'T')) {
        int64_t clock, unit, off;
        if (!parse_clock(s, len, &i, &clock, &unit)) return false;
        /* R4: a time of day always carries its zone. */
        if (!parse_zone(s, len, &i, &off)) return false;
        start = day0 + clock - off;
        end = start + unit;
        p = FHIRTIME_SECOND;
        zone = true;
    } else if (form == F_INSTANT) {
        return false;
    }
    if (i != len) return false;
    if (out) {
        out->precision = p;
        out->start_us = start;
        out->end_us = end;
        out->has_zone = zone;
    }
    return true;
}

bool fhirtime_parse_date(const char *s, size_t len, struct fhirtime *out)
{
    return parse(s, len, F_DATE, out);
}

bool fhirtime_parse_datetime(const char *s, size_t len, struct fhirtime *out)
{
    return parse(s, len, F_DATETIME, out);
}

bool fhirtime_parse_instant(const char *s, size_t len, struct fhirtime *out)
{
    return parse(s, len, F_INSTANT, out);
}

bool fhirtime_valid_time(const char *s, size_t len)
{
    if (!s) return false;
    size_t i = 0;
    int64_t us, unit;
    return parse_clock(s, len, &i, &us, &unit) && i == len;
}

void fhirtime_format_us(int64_t us, char out[FHIRTIME_INSTANT_LEN])
{
    int64_t days = us / US_PER_DAY, rem = us % US_PER_DAY;
    if (rem < 0) {
        rem += US_PER_DAY;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / US_PER_SEC;
    int ms = (int)((rem % US_PER_SEC) / 1000);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999; /* outside FHIR's range; keep the width */
    /* Format into a roomy buffer first: the compiler cannot prove every field stays two digits,
     * and -Wformat-truncation would fail the optimised build. */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60), ms);
    snprintf(out, FHIRTIME_INSTANT_LEN, "%.24s", tmp);
}

void fhirtime_now(char out[FHIRTIME_INSTANT_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fhirtime_format_us((int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000, out);
}

bool fhirtime_http_date(const char *instant, char *out, size_t out_len)
{
    static const char *const wday[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct fhirtime t;
    if (!instant || !fhirtime_parse_instant(instant, strlen(instant), &t)) return false;
    int64_t days = t.start_us / US_PER_DAY, rem = t.start_us % US_PER_DAY;
    if (rem < 0) {
        rem += US_PER_DAY;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / US_PER_SEC;
    int w = (int)(((days % 7) + 7) % 7); /* 1970-01-01 was a Thursday */
    int n = snprintf(out, out_len, "%s, %02u %s %04d %02d:%02d:%02d GMT", wday[w], d, mon[m - 1], y,
                     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    return n > 0 && (size_t)n < out_len;
}
