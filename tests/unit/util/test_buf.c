#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"

static void appends_within_limit(void **state)
{
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(buf_append_str(&b, "hello"), 0);
    assert_int_equal(buf_printf(&b, " %d!", 42), 0);
    assert_string_equal(b.data, "hello 42!");
    assert_int_equal(b.len, 9);
    buf_free(&b);
}

static void append_past_limit_fails_and_frees(void **state)
{
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_append_str(&b, "12345678"), 0);
    assert_int_equal(buf_append_char(&b, '9'), -1);
    assert_true(b.overflowed);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    /* Once overflowed, later appends keep failing: one check at the end is enough. */
    assert_int_equal(buf_append_str(&b, "x"), -1);
    buf_reset(&b);
    assert_int_equal(buf_append_str(&b, "ok"), 0);
    assert_string_equal(b.data, "ok");
    buf_free(&b);
}

static void printf_past_limit_fails(void **state)
{
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_printf(&b, "%s", "this is longer than ten"), -1);
    assert_true(b.overflowed);
    buf_free(&b);
}

static void steal_hands_over_bytes(void **state)
{
    struct buf b;
    buf_init(&b, 1024);
    buf_append(&b, "abc", 3);
    size_t len = 0;
    char *p = buf_steal(&b, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "abc", 4);
    assert_null(b.data);
    free(p);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_within_limit),
        cmocka_unit_test(append_past_limit_fails_and_frees),
        cmocka_unit_test(printf_past_limit_fails),
        cmocka_unit_test(steal_hands_over_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
