/* The CSV reader of POST /api/measurements/import (docs/pgo.md "CSV import"): a header row naming
 * the columns time, kind, value and (optional) unit in any order; ',' or ';' as separator (the
 * header's first one outside quotes); fields optionally in double quotes ("" is a quote); blank
 * lines skipped; an optional UTF-8 byte order mark. Blood pressure's value is "120/80". Every line
 * is checked (measure_check, measure_parse_time) and every problem reported with its line number
 * and field; the file is taken whole or not at all. Pure: no I/O. */
#ifndef REGIE_PGO_MEASURE_CSV_H
#define REGIE_PGO_MEASURE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "pgo/measure.h"

#define MEASURE_CSV_BYTES_MAX  (1u << 20) /* the whole file */
#define MEASURE_CSV_LINES_MAX  10000      /* measurement lines (the header not counted) */
#define MEASURE_CSV_LINE_MAX   1024       /* bytes in one line */
#define MEASURE_CSV_FIELD_MAX  64         /* bytes in one field (after unquoting) */
#define MEASURE_CSV_ERRORS_MAX 50         /* problems reported; the rest are counted */

struct measure_csv_error {
    size_t line;    /* 1 is the header */
    char field[16]; /* "time", "kind", "value", "unit", "systolic", "diastolic" or "line" */
    char message[200];
};

struct measure_csv {
    struct measure_entry *entries; /* one per measurement line, in file order */
    size_t nentries;
    size_t *line_of; /* the line of each entry */
    struct measure_csv_error errors[MEASURE_CSV_ERRORS_MAX];
    size_t nerrors;     /* reported */
    size_t more_errors; /* found beyond MEASURE_CSV_ERRORS_MAX */
};

/* Reads text (len bytes). 0 when every line is good: c->entries holds them all. -1 otherwise:
 * c->errors says why and c->entries is empty. now_us: times after it are refused. Free with
 * measure_csv_free (also after -1). c is large: allocate it on the heap. */
int measure_csv_parse(const char *text, size_t len, int64_t now_us, struct measure_csv *c);
void measure_csv_free(struct measure_csv *c);

#endif
