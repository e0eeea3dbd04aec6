/* The measurements CSV reader (src/pgo/measure_csv.c): good files (',' and ';', quotes, a BOM,
 * CRLF, blank and empty rows, columns in any order, no unit column), every kind of error with its
 * line and field, all-or-nothing (one bad line leaves no entries), and the limits (lines, line
 * length, field length, file size, reported errors). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgo/measure_csv.h"

#define NOW_US (1900000000LL * 1000000) /* 2030-03-17 */

static struct measure_csv *parse(const char *text, int want_rc)
{
    struct measure_csv *c = malloc(sizeof *c);
    assert_non_null(c);
    int rc = measure_csv_parse(text, strlen(text), NOW_US, c);
    if (rc != want_rc) {
        for (size_t i = 0; i < c->nerrors; i++)
            print_message("line %zu %s: %s\n", c->errors[i].line, c->errors[i].field,
                          c->errors[i].message);
        fail_msg("rc %d, wanted %d", rc, want_rc);
    }
    if (rc != 0) {
        assert_int_equal(c->nentries, 0);
        assert_null(c->entries);
        assert_true(c->nerrors > 0);
    }
    return c;
}

static void done(struct measure_csv *c)
{
    measure_csv_free(c);
    free(c);
}

static void good_comma_file(void **state)
{
    (void)state;
    struct measure_csv *c = parse("\xef\xbb\xbftime,kind,value,unit\r\n"
                                  "2026-03-01T08:15:00+01:00,blood-pressure,120/80,mm[Hg]\r\n"
                                  "2026-03-01T08:16,body-weight,72.5,kg\r\n"
                                  "\r\n"
                                  "2026-03-01 08:17,body-temperature,98.6,[degF]\r\n"
                                  "  2026-03-01T08:18Z , heart-rate , 64 ,  \n"
                                  ",,,\n"
                                  "2026-03-01T08:19Z,o2-saturation,97,%\n"
                                  "2026-03-01T08:20Z,Blood-Glucose,90,mg/dL",
                                  0);
    assert_int_equal(c->nentries, 6);
    assert_string_equal(c->entries[0].kind->name, "blood-pressure");
    assert_true(c->entries[0].value[0] == 120 && c->entries[0].value[1] == 80);
    assert_string_equal(c->entries[0].time, "2026-03-01T08:15:00+01:00");
    assert_string_equal(c->entries[1].time, "2026-03-01T08:16:00+01:00"); /* local time */
    assert_true(fabs(c->entries[1].value[0] - 72.5) < 1e-9);
    assert_true(fabs(c->entries[2].value[0] - 37.0) < 1e-9);
    assert_true(c->entries[3].value[0] == 64); /* empty unit: the default */
    assert_string_equal(c->entries[4].kind->name, "o2-saturation");
    assert_true(fabs(c->entries[5].value[0] - 5.0) < 1e-9);
    assert_int_equal(c->line_of[0], 2);
    assert_int_equal(c->line_of[5], 9);
    done(c);
}

static void semicolons_quotes_and_column_order(void **state)
{
    (void)state;
    /* a Dutch spreadsheet: ';' and decimal commas */
    struct measure_csv *c = parse("Tijd;Kind;Value;Unit\n" /* names case-insensitive */
                                  "2026-03-01 08:15;body-weight;72,5;kg\n"
                                  "2026-03-01 08:16;blood-glucose;5,4;mmol/l\n"
                                  ";;;\n",
                                  -1); /* "Tijd" is not a column */
    assert_int_equal(c->errors[0].line, 1);
    assert_string_equal(c->errors[0].field, "line");
    assert_non_null(strstr(c->errors[0].message, "tijd"));
    done(c);
    c = parse("Time;Kind;Value;Unit\n"
              "2026-03-01 08:15;body-weight;72,5;kg\n"
              "2026-03-01 08:16;blood-glucose;5,4;mmol/l\n"
              ";;;\n",
              0);
    assert_int_equal(c->nentries, 2);
    assert_true(fabs(c->entries[0].value[0] - 72.5) < 1e-9);
    assert_true(fabs(c->entries[1].value[0] - 5.4) < 1e-9);
    done(c);
    /* quoted fields: a decimal comma inside quotes, "" as a quote, separators inside quotes */
    c = parse("\"unit\",\"value\",\"kind\",\"time\"\n"
              "\"kg\",\"72,5\",\"body-weight\",\"2026-03-01T08:15Z\"\n"
              "kg , \"80\" ,body-weight,2026-03-02T08:15Z\n",
              0);
    assert_int_equal(c->nentries, 2);
    assert_true(fabs(c->entries[0].value[0] - 72.5) < 1e-9);
    assert_true(fabs(c->entries[1].value[0] - 80) < 1e-9);
    done(c);
    c = parse("time,kind,value\n\"2026-03-01T08:15Z\",\"a \"\"quoted\"\" kind\",1\n", -1);
    assert_int_equal(c->errors[0].line, 2);
    assert_string_equal(c->errors[0].field, "kind");
    assert_non_null(strstr(c->errors[0].message, "a \"quoted\" kind"));
    done(c);
    /* no unit column: default units */
    c = parse("kind;time;value\nheart-rate;2026-03-01T08:15Z;70\n", 0);
    assert_int_equal(c->nentries, 1);
    done(c);
    /* a header with ';' decides: ',' is then part of a field */
    c = parse("time;kind;value;unit\n2026-03-01T08:15Z;blood-pressure;120/80;mmHg\n", 0);
    done(c);
}

struct bad_case {
    const char *text;
    size_t line;
    const char *field;
    const char *says;
};

static void every_error_has_its_line_and_field(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", 1, "line", "empty"},
        {"\n\n", 1, "line", "empty"},
        {"time,kind,value,unit\n", 1, "line", "no measurements"},
        {"time,kind,value,unit,note\n", 1, "line", "unknown column"},
        {"time,kind,unit\n", 1, "line", "no column value"},
        {"time,kind,value,value\n", 1, "line", "twice"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body-weight,72\n", 2, "line", "3 fields"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,weight,72,kg\n", 2, "kind", "unknown kind"},
        {"time,kind,value,unit\n01-03-2026 08:15,body-weight,72,kg\n", 2, "time", "a time like"},
        {"time,kind,value,unit\n2026-03-29T02:30,body-weight,72,kg\n", 2, "time", "does not exist"},
        {"time,kind,value,unit\n2031-03-01T08:15Z,body-weight,72,kg\n", 2, "time", "future"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body-weight,heavy,kg\n", 2, "value",
         "not a number"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body-weight,1e2,kg\n", 2, "value",
         "not a number"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,blood-pressure,120-80,mmHg\n", 2, "value",
         "120/80"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,blood-pressure,120,mmHg\n", 2, "value", "120/80"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,blood-pressure,80/120,mmHg\n", 2, "value",
         "higher than"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,blood-pressure,400/80,mmHg\n", 2, "value",
         "systolic must be between"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body-weight,72,stone\n", 2, "unit", "not a unit"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,o2-saturation,101,%\n", 2, "value",
         "between 50 and 100 %"},
        {"time,kind,value,unit\n\"2026-03-01T08:15Z,body-weight,72,kg\n", 2, "line", "not closed"},
        {"time,kind,value,unit\n\"2026-03-01T08:15Z\"x,body-weight,72,kg\n", 2, "line",
         "after a closing quote"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body\"weight,72,kg\n", 2, "line", "not quoted"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,72,kg\n",
         2, "line", "too long"},
        {"time,kind,value,unit\n2026-03-01T08:15Z,body-weight,72,kg\n"
         "2026-03-01T09:15+01:00,body-weight,73,kg\n",
         3, "time", "as line 2"},
        {"time,kind,value,unit\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n", 2, "line",
         "too many fields"},
        {"time,\"kind\nvalue,unit\n", 1, "line", "not closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct measure_csv *c = malloc(sizeof *c);
        assert_non_null(c);
        int rc = measure_csv_parse(cases[i].text, strlen(cases[i].text), NOW_US, c);
        if (rc != -1 || c->nerrors == 0 || c->errors[0].line != cases[i].line ||
            strcmp(c->errors[0].field, cases[i].field) != 0 ||
            !strstr(c->errors[0].message, cases[i].says))
            fail_msg("case %zu: rc %d, %zu errors, first: line %zu %s: %s", i, rc, c->nerrors,
                     c->nerrors ? c->errors[0].line : 0, c->nerrors ? c->errors[0].field : "",
                     c->nerrors ? c->errors[0].message : "");
        assert_int_equal(c->nentries, 0);
        done(c);
    }
    /* a NUL byte (strlen would stop at it: give the length) */
    static const char nul[] = "time,kind,value,unit\n2026-03-01T08:15Z,body-weight,7\0002,kg\n";
    struct measure_csv *c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(nul, sizeof nul - 1, NOW_US, c), -1);
    assert_int_equal(c->errors[0].line, 2);
    assert_non_null(strstr(c->errors[0].message, "NUL"));
    done(c);
}

static void all_or_nothing_and_every_line_reported(void **state)
{
    (void)state;
    struct measure_csv *c = parse("time,kind,value,unit\n"
                                  "2026-03-01T08:15Z,body-weight,72,kg\n"
                                  "2026-03-01T08:16Z,body-weight,720,kg\n"
                                  "2026-03-01T08:17Z,heart-rate,70,/min\n"
                                  "yesterday,pulse,fast,\n"
                                  "2026-03-01T08:18Z,o2-saturation,98,%\n",
                                  -1);
    /* line 3 (value), line 5 (kind and time); the good lines give no entries */
    assert_int_equal(c->nerrors, 3);
    assert_int_equal(c->errors[0].line, 3);
    assert_string_equal(c->errors[0].field, "value");
    assert_int_equal(c->errors[1].line, 5);
    assert_string_equal(c->errors[1].field, "kind");
    assert_int_equal(c->errors[2].line, 5);
    assert_string_equal(c->errors[2].field, "time");
    done(c);
}

/* A file of n weight lines at distinct minutes. */
static char *weights(size_t n, size_t *len)
{
    size_t cap = 64 + n * 48;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t at = (size_t)snprintf(s, cap, "time,kind,value,unit\n");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, cap - at,
                               "2020-01-%02zuT%02zu:%02zuZ,body-weight,%zu.%zu,kg\n", i / 1440 + 1,
                               i / 60 % 24, i % 60, 60 + i % 40, i % 10);
    *len = at;
    return s;
}

static void limits(void **state)
{
    (void)state;
    size_t len;
    char *s = weights(MEASURE_CSV_LINES_MAX, &len);
    struct measure_csv *c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(s, len, NOW_US, c), 0);
    assert_int_equal(c->nentries, MEASURE_CSV_LINES_MAX);
    done(c);
    free(s);

    s = weights(MEASURE_CSV_LINES_MAX + 1, &len);
    c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(s, len, NOW_US, c), -1);
    assert_int_equal(c->errors[0].line, MEASURE_CSV_LINES_MAX + 2);
    assert_non_null(strstr(c->errors[0].message, "more than 10000"));
    done(c);
    free(s);

    /* a file over 1 MiB */
    char *big = malloc(MEASURE_CSV_BYTES_MAX + 2);
    memset(big, '\n', MEASURE_CSV_BYTES_MAX + 1);
    c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(big, MEASURE_CSV_BYTES_MAX + 1, NOW_US, c), -1);
    assert_non_null(strstr(c->errors[0].message, "larger than"));
    done(c);
    /* a line over 1024 bytes */
    size_t n = (size_t)snprintf(big, 64, "time,kind,value,unit\n");
    memset(big + n, ' ', 2000);
    memcpy(big + n + 2000, "x\n", 3);
    c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(big, strlen(big), NOW_US, c), -1);
    assert_int_equal(c->errors[0].line, 2);
    assert_non_null(strstr(c->errors[0].message, "longer than 1024"));
    done(c);
    free(big);

    /* at most 50 errors are listed; the rest counted */
    char *many = malloc(100 * 64);
    size_t at = (size_t)snprintf(many, 64, "time,kind,value,unit\n");
    for (int i = 0; i < 80; i++) at += (size_t)snprintf(many + at, 64, "x,y,z,w\n");
    c = malloc(sizeof *c);
    assert_int_equal(measure_csv_parse(many, at, NOW_US, c), -1);
    assert_int_equal(c->nerrors, MEASURE_CSV_ERRORS_MAX);
    assert_true(c->more_errors > 0);
    done(c);
    free(many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_comma_file),
        cmocka_unit_test(semicolons_quotes_and_column_order),
        cmocka_unit_test(every_error_has_its_line_and_field),
        cmocka_unit_test(all_or_nothing_and_every_line_reported),
        cmocka_unit_test(limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
