/* Fuzzes the measurements CSV reader: any bytes give either entries (each of a known kind, its
 * values within the default unit's plausible range, a time with an offset) and no errors, or
 * errors (each with a line within the file and a field) and no entries. An entry built into an
 * Observation reads back as the same kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/measure_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct measure_csv c;
    int rc = measure_csv_parse((const char *)data, size, 1900000000LL * 1000000, &c);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    if (rc == 0) {
        if (c.nerrors != 0 || c.nentries == 0) abort();
        for (size_t i = 0; i < c.nentries; i++) {
            const struct measure_entry *e = &c.entries[i];
            const struct measure_unit *u = &e->kind->units[0];
            if (measure_kind_find(e->kind->name) != e->kind) abort();
            for (size_t f = 0; f < e->kind->nfields; f++)
                if (!(e->value[f] >= u->min[f] - 1 && e->value[f] <= u->max[f] + 1)) abort();
            if (strlen(e->time) < 20 || c.line_of[i] < 2 || c.line_of[i] > lines) abort();
            if (i < 4) {
                json_object *o = measure_observation(e, "fuzz", "subject", "urn:x");
                int64_t at;
                double v[MEASURE_FIELDS_MAX];
                if (!o || !measure_point(e->kind, o, &at, v) || at != e->time_us) abort();
                json_object_put(o);
            }
        }
    } else {
        if (c.nentries != 0 || c.entries || c.nerrors == 0) abort();
        for (size_t i = 0; i < c.nerrors; i++)
            if (c.errors[i].line < 1 || c.errors[i].line > lines || !c.errors[i].field[0] ||
                !c.errors[i].message[0])
                abort();
    }
    measure_csv_free(&c);
    return 0;
}
