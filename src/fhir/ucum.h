/* UCUM (Unified Code for Units of Measure, case-sensitive codes) for quantity search: a unit
 * expression parsed into a factor and a dimension over base units, so values written in different
 * units of one dimension compare ("1 [lb_av]" is "453.59237 g"). Grammar: terms of components
 * joined by '.' and '/', a leading '/', parentheses, exponents ("m2", "s-1"), integer factors
 * ("24"), annotations ("{beats}", unity), square-bracket atoms ("[in_i]", "mm[Hg]") and the 20
 * decimal prefixes on metric atoms. The atom table covers the SI and clinical units, not all of
 * UCUM; an unknown atom makes the whole code not convertible. See docs/search.md. */
#ifndef REGIE_FHIR_UCUM_H
#define REGIE_FHIR_UCUM_H

#include <stdbool.h>
#include <stddef.h>

#define UCUM_CODE_MAX 256 /* longest unit code parsed */

/* The canonical base units, in the order canonical codes list them. mol stays a base unit (UCUM
 * makes it a number, 6.02e23) so "mmol/L" reads "mol/m3"; [IU] is the one arbitrary unit kept. */
enum ucum_base { UCUM_G, UCUM_M, UCUM_S, UCUM_K, UCUM_MOL, UCUM_C, UCUM_CD, UCUM_RAD, UCUM_IU };
#define UCUM_BASES 9

enum ucum_special {
    UCUM_LINEAR,     /* value * factor */
    UCUM_CELSIUS,    /* Cel: K = value + 273.15 */
    UCUM_FAHRENHEIT, /* [degF]: K = (value + 459.67) * 5/9 */
};

struct ucum_unit {
    double factor;             /* one of this unit in canonical units */
    int dim[UCUM_BASES];       /* exponent of each base unit */
    enum ucum_special special; /* affine units only stand alone */
};

/* Parses code (len bytes). false when it is not a UCUM expression regie knows. */
bool ucum_parse(const char *code, size_t len, struct ucum_unit *out);

/* The canonical unit text of u's dimension: numerator bases joined by '.', then '/' and the
 * denominator ("g", "mol/m3", "/s", "g/(m.s2)"); "1" for a dimensionless unit. Returns false when
 * it does not fit. */
bool ucum_canon_code(const struct ucum_unit *u, char *out, size_t out_len);

/* value in code converted to canonical units (*canon) and the canonical unit text. */
bool ucum_canonical(double value, const char *code, size_t len, double *canon, char *canon_code,
                    size_t canon_code_len);

/* Whether every entry of the atom table resolved (a unit test checks the table). */
bool ucum_table_ok(void);

#endif
