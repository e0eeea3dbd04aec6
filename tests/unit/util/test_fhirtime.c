#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/fhirtime.h"

#define S(x) (x), strlen(x)
#define DAY  (86400LL * 1000000LL)
#define HOUR (3600LL * 1000000LL)

/* 2024-01-01T00:00:00Z in microseconds. */
#define Y2024 (1704067200LL * 1000000LL)

static void date_precisions_cover_their_range(void **state)
{
    struct fhirtime t;
    assert_true(fhirtime_parse_date(S("2024"), &t));
    assert_int_equal(t.precision, FHIRTIME_YEAR);
    assert_int_equal(t.start_us, Y2024);
    assert_int_equal(t.end_us, Y2024 + 366 * DAY); /* leap year */
    assert_false(t.has_zone);

    assert_true(fhirtime_parse_date(S("2024-02"), &t));
    assert_int_equal(t.precision, FHIRTIME_MONTH);
    assert_int_equal(t.start_us, Y2024 + 31 * DAY);
    assert_int_equal(t.end_us, Y2024 + 60 * DAY); /* Mar 1 */

    assert_true(fhirtime_parse_date(S("2024-12"), &t));
    assert_int_equal(t.end_us, Y2024 + 366 * DAY); /* December rolls into the next year */

    assert_true(fhirtime_parse_date(S("2024-03-15"), &t));
    assert_int_equal(t.precision, FHIRTIME_DAY);
    assert_int_equal(t.start_us, Y2024 + (31 + 29 + 14) * DAY);
    assert_int_equal(t.end_us, t.start_us + DAY);

    assert_true(fhirtime_parse_date(S("1970-01-01"), &t));
    assert_int_equal(t.start_us, 0);
    assert_true(fhirtime_parse_date(S("1969-12-31"), &t));
    assert_int_equal(t.start_us, -DAY);
    assert_true(fhirtime_parse_date(S("0001-01-01"), NULL));
    assert_true(fhirtime_parse_date(S("9999-12-31"), NULL));
}

static void leap_years(void **state)
{
    assert_true(fhirtime_parse_date(S("2024-02-29"), NULL));
    assert_true(fhirtime_parse_date(S("2000-02-29"), NULL));  /* divisible by 400 */
    assert_false(fhirtime_parse_date(S("1900-02-29"), NULL)); /* divisible by 100 */
    assert_false(fhirtime_parse_date(S("2023-02-29"), NULL));
    assert_false(fhirtime_parse_date(S("2024-02-30"), NULL));
    assert_true(fhirtime_parse_date(S("2023-02-28"), NULL));
}

static void bad_dates(void **state)
{
    const char *bad[] = {"",           "202",         "20245",      "2024-",      "2024-1",
                         "2024-00",    "2024-13",     "2024-01-00", "2024-01-32", "2024-04-31",
                         "2024-06-31", "2024-1-01",   "0000",       "2024/01/01", "2024-01-01 ",
                         " 2024",      "2024-01-01T", "abcd",       "2024-01-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (fhirtime_parse_date(bad[i], strlen(bad[i]), NULL)) fail_msg("accepted %s", bad[i]);
        if (fhirtime_parse_datetime(bad[i], strlen(bad[i]), NULL)) fail_msg("dt %s", bad[i]);
    }
    /* A date has no time part. */
    assert_false(fhirtime_parse_date(S("2024-01-01T10:00:00Z"), NULL));
    /* Only exactly len bytes are read. */
    assert_true(fhirtime_parse_date("2024-01-01garbage", 10, NULL));
}

static void datetime_with_zones(void **state)
{
    struct fhirtime t;
    assert_true(fhirtime_parse_datetime(S("2024-01-01T10:00:00Z"), &t));
    assert_int_equal(t.precision, FHIRTIME_SECOND);
    assert_true(t.has_zone);
    assert_int_equal(t.start_us, Y2024 + 10 * HOUR);
    assert_int_equal(t.end_us, t.start_us + 1000000);

    assert_true(fhirtime_parse_datetime(S("2024-01-01T10:00:00+02:00"), &t));
    assert_int_equal(t.start_us, Y2024 + 8 * HOUR);
    assert_true(fhirtime_parse_datetime(S("2024-01-01T01:30:00-05:30"), &t));
    assert_int_equal(t.start_us, Y2024 + 7 * HOUR);
    /* A zone can move the instant into the previous year. */
    assert_true(fhirtime_parse_datetime(S("2024-01-01T00:00:00+14:00"), &t));
    assert_int_equal(t.start_us, Y2024 - 14 * HOUR);

    /* Reduced precision dateTimes are fine and have no zone. */
    assert_true(fhirtime_parse_datetime(S("2024-02"), &t));
    assert_int_equal(t.precision, FHIRTIME_MONTH);
    assert_false(t.has_zone);
}

static void datetime_fractions(void **state)
{
    struct fhirtime t;
    assert_true(fhirtime_parse_datetime(S("2024-01-01T00:00:00.5Z"), &t));
    assert_int_equal(t.start_us, Y2024 + 500000);
    assert_int_equal(t.end_us, Y2024 + 600000);
    assert_true(fhirtime_parse_datetime(S("2024-01-01T00:00:00.123Z"), &t));
    assert_int_equal(t.start_us, Y2024 + 123000);
    assert_int_equal(t.end_us, Y2024 + 124000);
    assert_true(fhirtime_parse_datetime(S("2024-01-01T00:00:00.123456789Z"), &t));
    assert_int_equal(t.start_us, Y2024 + 123456);
    assert_int_equal(t.end_us, Y2024 + 123457);
    assert_false(fhirtime_parse_datetime(S("2024-01-01T00:00:00.Z"), NULL));
    assert_false(fhirtime_parse_datetime(S("2024-01-01T00:00:00,5Z"), NULL));
}

static void bad_datetimes(void **state)
{
    const char *bad[] = {
        "2024-01-01T10:00:00", /* R4: a time needs a zone */
        "2024-01-01T10:00Z",   /* seconds are required */
        "2024-01-01T24:00:00Z",      "2024-01-01T23:60:00Z",      "2024-01-01T23:59:61Z",
        "2024-01-01T1:00:00Z",       "2024-01-01T10:00:00+2:00",  "2024-01-01T10:00:00+0200",
        "2024-01-01T10:00:00+14:30", "2024-01-01T10:00:00+15:00", "2024-01-01T10:00:00+02:60",
        "2024-01-01T10:00:00z",      "2024-01T10:00:00Z",         "2024-01-01T10:00:00ZZ",
        "2024-02-30T10:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (fhirtime_parse_datetime(bad[i], strlen(bad[i]), NULL)) fail_msg("accepted %s", bad[i]);
    /* A leap second is in the R4 grammar. */
    assert_true(fhirtime_parse_datetime(S("2016-12-31T23:59:60Z"), NULL));
    assert_true(fhirtime_parse_datetime(S("2024-01-01T10:00:00-14:00"), NULL));
}

static void instants(void **state)
{
    struct fhirtime t;
    assert_true(fhirtime_parse_instant(S("2026-11-22T10:00:00.123Z"), &t));
    assert_int_equal(t.precision, FHIRTIME_SECOND);
    assert_true(fhirtime_parse_instant(S("2026-11-22T10:00:00+01:00"), NULL));
    assert_false(fhirtime_parse_instant(S("2026-11-22"), NULL));
    assert_false(fhirtime_parse_instant(S("2026-11"), NULL));
    assert_false(fhirtime_parse_instant(S("2026"), NULL));
    assert_false(fhirtime_parse_instant(S("2026-11-22T10:00:00"), NULL));
    assert_false(fhirtime_parse_instant(NULL, 0, NULL));
}

static void times(void **state)
{
    assert_true(fhirtime_valid_time(S("00:00:00")));
    assert_true(fhirtime_valid_time(S("23:59:59.999")));
    assert_false(fhirtime_valid_time(S("24:00:00")));
    assert_false(fhirtime_valid_time(S("12:00")));
    assert_false(fhirtime_valid_time(S("12:00:00Z")));
    assert_false(fhirtime_valid_time(S("12:61:00")));
    assert_false(fhirtime_valid_time(S("")));
}

static void formatting(void **state)
{
    char out[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    fhirtime_format_us(Y2024 + 59 * DAY + 13 * HOUR + 123456, out);
    assert_string_equal(out, "2024-02-29T13:00:00.123Z");
    fhirtime_format_us(-1000, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");

    /* Round trip through the parser. */
    struct fhirtime t;
    assert_true(fhirtime_parse_instant(S("2031-07-04T05:06:07.890Z"), &t));
    fhirtime_format_us(t.start_us, out);
    assert_string_equal(out, "2031-07-04T05:06:07.890Z");

    fhirtime_now(out);
    assert_int_equal(strlen(out), FHIRTIME_INSTANT_LEN - 1);
    assert_true(fhirtime_parse_instant(out, strlen(out), &t));
    assert_true(t.start_us > Y2024);
}

static void http_dates(void **state)
{
    char out[64];
    assert_true(fhirtime_http_date("2026-11-22T10:00:00.123Z", out, sizeof out));
    assert_string_equal(out, "Sun, 22 Nov 2026 10:00:00 GMT");
    assert_true(fhirtime_http_date("1970-01-01T01:00:00+01:00", out, sizeof out));
    assert_string_equal(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_true(fhirtime_http_date("2024-02-29T23:30:00-01:00", out, sizeof out));
    assert_string_equal(out, "Fri, 01 Mar 2024 00:30:00 GMT");
    assert_false(fhirtime_http_date("2026-11-22", out, sizeof out));
    assert_false(fhirtime_http_date("2026-11-22T10:00:00Z", out, 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_precisions_cover_their_range),
        cmocka_unit_test(leap_years),
        cmocka_unit_test(bad_dates),
        cmocka_unit_test(datetime_with_zones),
        cmocka_unit_test(datetime_fractions),
        cmocka_unit_test(bad_datetimes),
        cmocka_unit_test(instants),
        cmocka_unit_test(times),
        cmocka_unit_test(formatting),
        cmocka_unit_test(http_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
