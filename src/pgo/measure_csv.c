/* The measurements CSV reader. A file is read line by line (a quoted field does not span lines:
 * no field of this format needs a line break), every line is checked whatever the others hold,
 * and the result is all entries or none, so an import stores the whole file or nothing. */
#include "pgo/measure_csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS_MAX 16

enum column { COL_TIME, COL_KIND, COL_VALUE, COL_UNIT, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"time", "kind", "value", "unit"};

typedef char field_t[MEASURE_CSV_FIELD_MAX + 1];

static void add_error(struct measure_csv *c, size_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_error(struct measure_csv *c, size_t line, const char *field, const char *fmt, ...)
{
    if (c->nerrors == MEASURE_CSV_ERRORS_MAX) {
        c->more_errors++;
        return;
    }
    struct measure_csv_error *e = &c->errors[c->nerrors++];
    e->line = line;
    snprintf(e->field, sizeof e->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

/* A field as it may be shown back: printable ASCII, anything else '?', at most 32 bytes. */
static const char *shown(const char *s, char out[40])
{
    size_t n = 0;
    for (; s[n] && n < 32; n++) out[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
    if (s[n]) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Splits one line [s, s+len) at sep into fields: surrounding spaces dropped, a field in double
 * quotes taken as written ("" a quote). Returns the count, or -1 with why. */
static int split(const char *s, size_t len, char sep, field_t *fields, const char **why)
{
    size_t i = 0;
    int n = 0;
    for (;;) {
        if (n == COLUMNS_MAX) {
            *why = "too many fields";
            return -1;
        }
        char *out = fields[n];
        size_t o = 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i == len) {
                    *why = "a quote is not closed";
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                }
                if (o == MEASURE_CSV_FIELD_MAX) {
                    *why = "a field is too long";
                    return -1;
                }
                out[o++] = s[i++];
            }
            while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
            if (i < len && s[i] != sep) {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            while (i < len && s[i] != sep) {
                if (s[i] == '"') {
                    *why = "a quote inside a field that is not quoted";
                    return -1;
                }
                if (o == MEASURE_CSV_FIELD_MAX) {
                    *why = "a field is too long";
                    return -1;
                }
                out[o++] = s[i++];
            }
            while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t')) o--;
        }
        out[o] = '\0';
        n++;
        if (i == len) return n;
        i++; /* the separator */
    }
}

/* The separator of the header: its first ',' or ';' outside quotes (',' when it has neither). */
static char separator_of(const char *s, size_t len)
{
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') quoted = !quoted;
        if (!quoted && (s[i] == ',' || s[i] == ';')) return s[i];
    }
    return ',';
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

/* The header: which column holds what. -1 after reporting. */
static int read_header(struct measure_csv *c, size_t line, field_t *fields, int n,
                       int col_of[COL_COUNT])
{
    for (int k = 0; k < COL_COUNT; k++) col_of[k] = -1;
    int bad = 0;
    char show[40];
    for (int i = 0; i < n; i++) {
        lower(fields[i]);
        int k = 0;
        while (k < COL_COUNT && strcmp(fields[i], column_names[k]) != 0) k++;
        if (k == COL_COUNT) {
            add_error(c, line, "line",
                      "unknown column \"%s\" (the columns are time, kind, value, unit)",
                      shown(fields[i], show));
            bad = -1;
        } else if (col_of[k] >= 0) {
            add_error(c, line, "line", "column %s appears twice", column_names[k]);
            bad = -1;
        } else {
            col_of[k] = i;
        }
    }
    for (int k = 0; k < COL_UNIT; k++) /* unit may be left out: the default unit */
        if (col_of[k] < 0) {
            add_error(c, line, "line", "the header has no column %s", column_names[k]);
            bad = -1;
        }
    return bad;
}

/* One measurement line; adds the entry or reports. */
static void read_line(struct measure_csv *c, size_t line, field_t *fields,
                      const int col_of[COL_COUNT], int64_t now_us)
{
    char show[40];
    struct measure_entry e = {0};
    struct measure_error err;
    bool ok = true;
    char *kind_name = fields[col_of[COL_KIND]];
    lower(kind_name);
    const struct measure_kind *k = measure_kind_find(kind_name);
    if (!k) {
        add_error(c, line, "kind", "unknown kind \"%s\"", shown(kind_name, show));
        ok = false;
    }
    const char *t = fields[col_of[COL_TIME]];
    if (!measure_parse_time(t, strlen(t), now_us, &e, &err)) {
        add_error(c, line, err.field, "%s", err.message);
        ok = false;
    }
    if (!k) return;
    const char *v = fields[col_of[COL_VALUE]];
    double values[MEASURE_FIELDS_MAX];
    if (k->nfields == 2) {
        const char *slash = strchr(v, '/');
        if (!slash || !measure_parse_number(v, (size_t)(slash - v), &values[0]) ||
            !measure_parse_number(slash + 1, strlen(slash + 1), &values[1])) {
            add_error(c, line, "value", "%s is written as two numbers, like 120/80", k->name);
            return;
        }
    } else if (!measure_parse_number(v, strlen(v), &values[0])) {
        add_error(c, line, "value", "\"%s\" is not a number", shown(v, show));
        return;
    }
    const char *unit = col_of[COL_UNIT] >= 0 ? fields[col_of[COL_UNIT]] : NULL;
    if (!measure_check(k, unit, values, &e, &err)) {
        /* systolic/diastolic problems are about the value column */
        bool is_unit = !strcmp(err.field, "unit");
        add_error(c, line, is_unit ? "unit" : "value", "%s", err.message);
        return;
    }
    if (!ok) return;
    if (c->nentries == MEASURE_CSV_LINES_MAX) return; /* reported by the caller */
    c->line_of[c->nentries] = line;
    c->entries[c->nentries++] = e;
}

/* Two lines with the same kind and time would be one measurement entered twice. */
struct key {
    const struct measure_kind *kind;
    int64_t time_us;
    size_t line;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    if (x->time_us != y->time_us) return x->time_us < y->time_us ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void check_duplicates(struct measure_csv *c)
{
    if (c->nentries < 2) return;
    struct key *keys = malloc(c->nentries * sizeof *keys);
    if (!keys) {
        add_error(c, 1, "line", "out of memory");
        return;
    }
    for (size_t i = 0; i < c->nentries; i++)
        keys[i] = (struct key){c->entries[i].kind, c->entries[i].time_us, c->line_of[i]};
    qsort(keys, c->nentries, sizeof *keys, key_cmp);
    for (size_t i = 1; i < c->nentries; i++)
        if (keys[i].kind == keys[i - 1].kind && keys[i].time_us == keys[i - 1].time_us)
            add_error(c, keys[i].line, "time", "the same kind and time as line %zu",
                      keys[i - 1].line);
    free(keys);
}

int measure_csv_parse(const char *text, size_t len, int64_t now_us, struct measure_csv *c)
{
    memset(c, 0, sizeof *c);
    if (len > MEASURE_CSV_BYTES_MAX) {
        add_error(c, 1, "line", "the file is larger than %u bytes", MEASURE_CSV_BYTES_MAX);
        return -1;
    }
    c->entries = calloc(MEASURE_CSV_LINES_MAX, sizeof *c->entries);
    c->line_of = calloc(MEASURE_CSV_LINES_MAX, sizeof *c->line_of);
    field_t *fields = calloc(COLUMNS_MAX, sizeof *fields);
    if (!c->entries || !c->line_of || !fields) {
        free(fields);
        add_error(c, 1, "line", "out of memory");
        measure_csv_free(c);
        return -1;
    }
    size_t at = 0, line = 0, measurements = 0;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) at = 3; /* a spreadsheet's BOM */
    char sep = 0;
    int col_of[COL_COUNT], ncols = 0;
    bool header_ok = false;
    while (at < len) {
        line++;
        const char *s = text + at;
        const char *nl = memchr(s, '\n', len - at);
        size_t n = nl ? (size_t)(nl - s) : len - at;
        at += n + (nl != NULL);
        if (n > 0 && s[n - 1] == '\r') n--;
        size_t blank = 0;
        while (blank < n && (s[blank] == ' ' || s[blank] == '\t')) blank++;
        if (blank == n) continue; /* a blank line */
        if (n > MEASURE_CSV_LINE_MAX) {
            add_error(c, line, "line", "the line is longer than %d bytes", MEASURE_CSV_LINE_MAX);
            if (!header_ok) break;
            continue;
        }
        if (memchr(s, '\0', n)) {
            add_error(c, line, "line", "the line holds a NUL byte");
            if (!header_ok) break;
            continue;
        }
        if (!sep) sep = separator_of(s, n);
        const char *why = NULL;
        int nf = split(s, n, sep, fields, &why);
        if (nf < 0) {
            add_error(c, line, "line", "%s", why);
            if (!header_ok) break;
            continue;
        }
        if (!header_ok) {
            if (read_header(c, line, fields, nf, col_of) != 0) break;
            ncols = nf;
            header_ok = true;
            continue;
        }
        bool empty = true;
        for (int i = 0; i < nf && empty; i++) empty = fields[i][0] == '\0';
        if (empty) continue; /* ";;;" as spreadsheets write an empty row */
        if (nf != ncols) {
            add_error(c, line, "line", "%d fields where the header has %d", nf, ncols);
            continue;
        }
        if (++measurements > MEASURE_CSV_LINES_MAX) {
            add_error(c, line, "line", "more than %d measurements in one file",
                      MEASURE_CSV_LINES_MAX);
            break;
        }
        read_line(c, line, fields, col_of, now_us);
        if (c->more_errors > 0) break; /* enough to show; the file is refused anyway */
    }
    free(fields);
    if (!header_ok && c->nerrors == 0)
        add_error(c, 1, "line", "the file is empty: the first line names the columns");
    else if (header_ok && c->nerrors == 0 && c->nentries == 0)
        add_error(c, 1, "line", "the file holds no measurements under its header");
    if (c->nerrors == 0) check_duplicates(c);
    if (c->nerrors == 0) return 0;
    free(c->entries);
    free(c->line_of);
    c->entries = NULL;
    c->line_of = NULL;
    c->nentries = 0;
    return -1;
}

void measure_csv_free(struct measure_csv *c)
{
    free(c->entries);
    free(c->line_of);
    c->entries = NULL;
    c->line_of = NULL;
    c->nentries = 0;
}
