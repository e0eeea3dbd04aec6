/* Fuzzes the search normalisations with any bytes: strings must fold to valid UTF-8 that folds
 * to itself again and never overruns the output; date and number ranges must be non-empty and
 * hold their value. Errors are fine; crashes and broken invariants are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/search_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[64], again[64];
    int n = search_norm_string(s, size, out, sizeof(out));
    if (n >= 0) {
        if ((size_t)n >= sizeof(out) || strlen(out) != (size_t)n) abort();
        int m = search_norm_string(out, (size_t)n, again, sizeof(again));
        if (m != n || memcmp(out, again, (size_t)n) != 0) abort(); /* folding is idempotent */
    }
    int64_t lo, hi;
    if (search_date_range(s, size, &lo, &hi) && lo >= hi) abort();
    double v, nlo, nhi;
    if (search_number_range(s, size, &v, &nlo, &nhi) && !(nlo < nhi && nlo <= v && v <= nhi))
        abort();
    return 0;
}
