/* The enrolment QR code: a standalone SVG with the quiet zone, dark modules as one path; the
 * finder pattern is where a reader looks for it; too long a text is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth/qr.h"

static void test_svg(void **state)
{
    (void)state;
    const char *uri = "otpauth://totp/regie:anne?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer="
                      "regie&algorithm=SHA1&digits=6&period=30";
    char *svg = qr_svg(uri);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(svg, "</svg>\n"));
    /* A URI of this length needs version 5 or 6 at level M: 37 or 41 modules, plus 2 x 4 quiet. */
    assert_true(strstr(svg, "viewBox=\"0 0 45 45\"") || strstr(svg, "viewBox=\"0 0 49 49\""));
    /* The top-left finder pattern: a run of seven dark modules at (4,4), then one of one at
     * (4,5). */
    assert_non_null(strstr(svg, "d=\"M4 4h7v1h-7z"));
    assert_non_null(strstr(svg, "M4 5h1v1h-1z"));
    /* Nothing but the path's own characters between its quotes. */
    const char *d = strstr(svg, " d=\"") + 4, *end = strchr(d, '"');
    assert_non_null(end);
    for (const char *p = d; p < end; p++) assert_non_null(strchr("Mhvz-0123456789 ", *p));
    free(svg);
    /* Deterministic: the same text, the same picture. */
    char *again = qr_svg(uri);
    svg = qr_svg(uri);
    assert_string_equal(svg, again);
    free(svg);
    free(again);
}

static void test_refusals(void **state)
{
    (void)state;
    assert_null(qr_svg(NULL));
    char *big = malloc(2000);
    memset(big, 'a', 1999);
    big[1999] = '\0';
    assert_null(qr_svg(big));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_svg), cmocka_unit_test(test_refusals)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
