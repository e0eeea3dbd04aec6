/* Fuzzes the UCUM unit parser: any bytes are parsed as a unit code; what parses must give a
 * finite factor, a canonical code that fits and parses back to the same dimension. Errors are fine;
 * crashes, hangs and inconsistent answers are not. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/ucum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ucum_unit u;
    if (!ucum_parse((const char *)data, size, &u)) return 0;
    if (!isfinite(u.factor) || u.factor == 0) abort();
    char code[512];
    if (!ucum_canon_code(&u, code, sizeof(code))) return 0;
    struct ucum_unit back;
    if (!ucum_parse(code, strlen(code), &back)) abort();
    if (memcmp(back.dim, u.dim, sizeof(u.dim)) != 0 || back.factor != 1) abort();
    double canon;
    char canon_code[512];
    (void)ucum_canonical(1.5, (const char *)data, size, &canon, canon_code, sizeof(canon_code));
    return 0;
}
