/* The normalisations index rows and search values share: strings (FHIR R4 search: "Eve" finds
 * "Evelyn", case and accent insensitive), dates as precision ranges, decimals with their implicit
 * precision ("100" is [99.5, 100.5)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/search_index.h"

#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

static void expect_norm(const char *in, const char *want)
{
    char out[128];
    int n = search_norm_string(in, strlen(in), out, sizeof(out));
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void strings_fold_case_accents_space(void **state)
{
    (void)state;
    expect_norm("Eve", "eve");
    expect_norm("Evelyn", "evelyn"); /* "eve" is a prefix of it: the store's starts-with */
    expect_norm("\xc3\x89mile Zo\xc3\xab", "emile zoe");
    expect_norm("  Peter \t\n James  ", "peter james");
    expect_norm("\xc5\x81\xc3\xb3"
                "d\xc5\xba",
                "lodz");
    expect_norm("Stra\xc3\x9f"
                "e",
                "strasse");
    expect_norm("\xc3\x86SIR", "aesir");
    expect_norm("O'Brien-Smith", "o'brien-smith");       /* punctuation kept */
    expect_norm("e\xcc\x81", "e");                       /* decomposed accent dropped */
    expect_norm("\xce\x91\xce\x98", "\xce\xb1\xce\xb8"); /* Greek upper to lower */
    expect_norm("\xd0\x98\xd0\xb2", "\xd0\xb8\xd0\xb2"); /* Cyrillic */
    expect_norm("\xe6\x9d\xb1\xe4\xba\xac", "\xe6\x9d\xb1\xe4\xba\xac"); /* kept as is */
    expect_norm("", "");
    assert_int_equal(search_norm_string("1.\0\x04x", 5, (char[8]){0}, 8), 3); /* controls dropped */
    expect_norm("   ", "");
}

static void strings_refuse_bad_utf8_and_truncate_whole(void **state)
{
    (void)state;
    char out[16];
    assert_int_equal(search_norm_string("a\xff", 2, out, sizeof(out)), -1);
    assert_int_equal(search_norm_string("\xc3", 1, out, sizeof(out)), -1);         /* cut off */
    assert_int_equal(search_norm_string("\xc0\xaf", 2, out, sizeof(out)), -1);     /* overlong */
    assert_int_equal(search_norm_string("\xed\xa0\x80", 3, out, sizeof(out)), -1); /* surrogate */
    /* "ab\xce\xb1" truncated to 3 bytes + NUL: the two-byte letter is not cut */
    char small[4];
    assert_int_equal(search_norm_string("AB\xce\x91", 4, small, sizeof(small)), 2);
    assert_string_equal(small, "ab");
    assert_int_equal(search_norm_string("abc", 3, out, 0), -1);
    /* cut short right after a space: no trailing space, so the result folds to itself */
    assert_int_equal(search_norm_string("ab cd", 5, small, sizeof(small)), 2);
    assert_string_equal(small, "ab");
}

static void expect_range(const char *s, int64_t lo, int64_t hi)
{
    int64_t l, h;
    assert_true(search_date_range(s, strlen(s), &l, &h));
    assert_int_equal(l, lo);
    assert_int_equal(h, hi);
}

static void dates_are_precision_ranges(void **state)
{
    (void)state;
    int64_t y2013 = 15706 * US_PER_DAY; /* 2013-01-01 */
    expect_range("2013", y2013, 16071 * US_PER_DAY);
    expect_range("2013-01", y2013, (15706 + 31) * US_PER_DAY);
    expect_range("2013-01-14", y2013 + 13 * US_PER_DAY, y2013 + 14 * US_PER_DAY);
    int64_t t = y2013 + 13 * US_PER_DAY + 10 * 3600 * US_PER_SEC;
    expect_range("2013-01-14T10:00:00Z", t, t + US_PER_SEC);
    expect_range("2013-01-14T10:00:00.5Z", t + 500000, t + 600000);
    expect_range("2013-01-14T12:00:00+02:00", t, t + US_PER_SEC);
    /* search values only: no seconds (a minute) and no zone (UTC) */
    expect_range("2013-01-14T10:00", t, t + 60 * US_PER_SEC);
    expect_range("2013-01-14T10:00:00", t, t + US_PER_SEC);
    expect_range("2013-01-14T11:00+01:00", t, t + 60 * US_PER_SEC);
    int64_t l, h;
    assert_false(search_date_range("2013-02-30", 10, &l, &h));
    assert_false(search_date_range("2013-1-1", 8, &l, &h));
    assert_false(search_date_range("2013-01-14T10", 13, &l, &h));
    assert_false(search_date_range("2013-01-14T25:00", 16, &l, &h));
    assert_false(search_date_range("yesterday", 9, &l, &h));
    assert_false(search_date_range("", 0, &l, &h));
}

static void expect_number(const char *s, double v, double lo, double hi)
{
    double a, b, c;
    assert_true(search_number_range(s, strlen(s), &a, &b, &c));
    assert_float_equal(a, v, 1e-12);
    assert_float_equal(b, lo, 1e-12);
    assert_float_equal(c, hi, 1e-12);
}

static void numbers_carry_their_precision(void **state)
{
    (void)state;
    expect_number("100", 100, 99.5, 100.5);
    expect_number("1.50", 1.5, 1.495, 1.505);
    expect_number("1e2", 100, 50, 150);
    expect_number("-0.5", -0.5, -0.55, -0.45);
    expect_number("1.5E-2", 0.015, 0.0145, 0.0155);
    expect_number("0", 0, -0.5, 0.5);
    /* The bounds are exactly the doubles of their decimal text, so a stored 0.15 (the double
     * nearest 0.15) is outside 0.1's half-open range [0.05, 0.15) and a stored 0.05 inside
     * (found by the reference comparison: 0.1 + 0.05 is 0.15000000000000002 in binary). */
    double v, lo, hi;
    assert_true(search_number_range("0.1", 3, &v, &lo, &hi));
    assert_true(lo == strtod("0.05", NULL) && hi == strtod("0.15", NULL));
    assert_false(strtod("0.15", NULL) < hi);
    assert_true(search_number_range("1.45", 4, &v, &lo, &hi));
    assert_true(lo == strtod("1.445", NULL) && hi == strtod("1.455", NULL));
    double a, b, c;
    /* more digits than a double holds: the range still contains the value (found by fuzzing) */
    assert_true(search_number_range("666666666666666666666666600", 27, &a, &b, &c));
    assert_true(b < a && a < c);
    assert_false(search_number_range("01", 2, &a, &b, &c));
    assert_false(search_number_range("1.", 2, &a, &b, &c));
    assert_false(search_number_range(".5", 2, &a, &b, &c));
    assert_false(search_number_range("+1", 2, &a, &b, &c));
    assert_false(search_number_range("1e", 2, &a, &b, &c));
    assert_false(search_number_range("1e999", 5, &a, &b, &c));
    assert_false(search_number_range("", 0, &a, &b, &c));
    assert_false(search_number_range("12abc", 5, &a, &b, &c));
}

static void quantities_go_through_ucum(void **state)
{
    (void)state;
    double v;
    char code[64];
    assert_true(search_ucum_canon(72, "kg", &v, code, sizeof(code)));
    assert_float_equal(v, 72000, 1e-9);
    assert_string_equal(code, "g");
    assert_false(search_ucum_canon(1, "lbs", &v, code, sizeof(code)));
    assert_false(search_ucum_canon(1, NULL, &v, code, sizeof(code)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_fold_case_accents_space),
        cmocka_unit_test(strings_refuse_bad_utf8_and_truncate_whole),
        cmocka_unit_test(dates_are_precision_ranges),
        cmocka_unit_test(numbers_carry_their_precision),
        cmocka_unit_test(quantities_go_through_ucum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
