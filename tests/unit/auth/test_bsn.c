/* The BSN 11-proef: valid numbers, one changed digit, swapped digits, wrong lengths, non-digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/bsn.h"

static void test_valid(void **state)
{
    (void)state;
    /* 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-3 = 66 */
    assert_true(bsn_valid("111222333"));
    assert_true(bsn_valid("123456782"));
    assert_true(bsn_valid("999990019"));
    assert_true(bsn_valid("012345672")); /* an eight-digit number with its leading zero */
}

static void test_invalid(void **state)
{
    (void)state;
    assert_false(bsn_valid("111222334")); /* check digit off by one */
    assert_false(bsn_valid("123456781"));
    assert_false(bsn_valid("213456782")); /* two digits swapped */
    assert_false(bsn_valid("000000000")); /* passes the sum, but is no number */
    assert_false(bsn_valid("12345678"));  /* eight digits */
    assert_false(bsn_valid("1234567820"));
    assert_false(bsn_valid("12345678a"));
    assert_false(bsn_valid(" 23456782"));
    assert_false(bsn_valid("-23456782"));
    assert_false(bsn_valid(""));
    assert_false(bsn_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid),
                                       cmocka_unit_test(test_invalid)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
