/* UCUM canonicalisation: the MedMij self-measurement units and common clinical ones, prefixes,
 * exponents, annotations, the affine temperatures, and codes that must not convert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fhir/ucum.h"

static void expect(double value, const char *code, double want, const char *want_code)
{
    double v;
    char canon[64];
    if (!ucum_canonical(value, code, strlen(code), &v, canon, sizeof(canon)))
        fail_msg("%s: not converted", code);
    if (strcmp(canon, want_code) != 0)
        fail_msg("%s: canonical %s, want %s", code, canon, want_code);
    double tol = want == 0 ? 1e-12 : (want < 0 ? -want : want) * 1e-9;
    if (v < want - tol || v > want + tol) fail_msg("%s: %.12g, want %.12g", code, v, want);
}

static void refuse(const char *code)
{
    double v;
    char canon[64];
    if (ucum_canonical(1, code, strlen(code), &v, canon, sizeof(canon)))
        fail_msg("%s: converted to %g %s", code, v, canon);
}

static void table_resolves(void **state)
{
    (void)state;
    assert_true(ucum_table_ok());
}

static void medmij_units(void **state)
{
    (void)state;
    expect(120, "mm[Hg]", 120 * 133322.0, "g/(m.s2)"); /* 15998.64 Pa, the gram is the base */
    expect(72, "kg", 72000, "g");
    expect(180, "cm", 1.8, "m");
    expect(60, "/min", 1, "/s");
    expect(60, "{beats}/min", 1, "/s");
    expect(98, "%", 0.98, "1");
    expect(37, "Cel", 310.15, "K");
    expect(5.5, "mmol/L", 5.5, "mol/m3");
}

static void clinical_units(void **state)
{
    (void)state;
    expect(1, "[lb_av]", 453.59237, "g");
    expect(16, "[oz_av]", 453.59237, "g");
    expect(98.6, "[degF]", 310.15, "K");
    expect(300, "K", 300, "K");
    expect(1, "[in_i]", 0.0254, "m");
    expect(1, "mg", 1e-3, "g");
    expect(1, "g", 1, "g");
    expect(1, "m", 1, "m");
    expect(1, "mg/dL", 10, "g/m3"); /* 1e-3 g / 1e-4 m3 */
    expect(1, "g/dL", 1e4, "g/m3");
    expect(1, "umol/L", 1e-3, "mol/m3");
    expect(1, "mL", 1e-6, "m3");
    expect(1, "L", 1e-3, "m3");
    expect(1, "l", 1e-3, "m3");
    expect(1, "kPa", 1e6, "g/(m.s2)");
    expect(1, "s", 1, "s");
    expect(1, "min", 60, "s");
    expect(1, "h", 3600, "s");
    expect(1, "d", 86400, "s");
    expect(1, "wk", 604800, "s");
    expect(1, "a", 31557600, "s");
    expect(12, "mo", 31557600, "s");
    expect(4.5, "10*3/uL", 4.5e12, "/m3");
    expect(7, "10*9/L", 7e12, "/m3");
    expect(25, "kg/m2", 25000, "g/m2");
    expect(1, "ms", 1e-3, "s");
    expect(1, "ug", 1e-6, "g");
    expect(1, "dam", 10, "m");
    expect(2, "m2", 2, "m2");
    expect(1, "cm3", 1e-6, "m3"); /* the exponent applies to the prefixed unit */
    expect(1, "N", 1000, "g.m/s2");
    expect(1, "mL/min/{1.73_m2}", 1e-6 / 60, "m3/s"); /* annotations are unity */
    expect(1, "L/(24.h)", 1e-3 / 86400, "m3/s");
    expect(1, "s-1", 1, "/s");
    expect(1, "m.s-2", 1, "m/s2");
    expect(3, "1", 3, "1");
    expect(1, "[IU]/L", 1000, "[IU]/m3");
    expect(1, "m[IU]/mL", 1000, "[IU]/m3");
    expect(1, "cm[H2O]", 98066.5, "g/(m.s2)");
    expect(1, "mL{total}", 1e-6, "m3");
    expect(1, "{cells}", 1, "1");
    expect(1, "cd", 1, "cd"); /* candela, not centi-day */
    expect(1, "Pa", 1000, "g/(m.s2)");
    expect(1, "[ft_i]", 0.3048, "m");
}

static void not_convertible(void **state)
{
    (void)state;
    refuse("");
    refuse("lbs");
    refuse("mEq/L"); /* UCUM is case-sensitive: meq */
    refuse("Cel/h"); /* an affine unit only stands alone */
    refuse("mCel");
    refuse("[degF]2");
    refuse("kmin"); /* min takes no prefix */
    refuse("m/");
    refuse("/");
    refuse("m..s");
    refuse("(m");
    refuse("m)");
    refuse("{unclosed");
    refuse("[in_i");
    refuse("m+");
    refuse("m99");
    refuse("0");
    refuse("mm Hg");
    refuse("((((((((((((((((((m))))))))))))))))))");
    refuse("m2222222222222222222222");
    refuse("H33"); /* a base unit past the exponent cap (m66) */
}

static void canonical_codes(void **state)
{
    (void)state;
    struct ucum_unit u;
    char out[16];
    assert_true(ucum_parse("g/(m.s2)", 8, &u));
    assert_false(ucum_canon_code(&u, out, 4)); /* does not fit */
    assert_true(ucum_canon_code(&u, out, sizeof(out)));
    assert_string_equal(out, "g/(m.s2)");
    /* the canonical code parses back to the same unit with factor 1 */
    struct ucum_unit back;
    assert_true(ucum_parse(out, strlen(out), &back));
    assert_float_equal(back.factor, 1, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_resolves),  cmocka_unit_test(medmij_units),
        cmocka_unit_test(clinical_units),  cmocka_unit_test(not_convertible),
        cmocka_unit_test(canonical_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
