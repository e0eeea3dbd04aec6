/* The lockout timeline on an injected clock: backoff 1, 2, 4, 8 s, the lock at the fifth failure
 * for 15 minutes, refused attempts not counted, success and quiet periods clearing the count; the
 * address table (separate keys, eviction when full). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "auth/lockout.h"

static void test_account_timeline(void **state)
{
    (void)state;
    struct lockout_policy p = lockout_policy_account_default();
    assert_int_equal(p.max_failures, 5);
    assert_int_equal(p.lock_seconds, 900);
    struct lockout_state s = {0};
    int64_t t = 1000000;
    assert_int_equal(lockout_wait(&p, &s, t), 0);
    /* Failures 1..4: waits of 1, 2, 4, 8 seconds after each. */
    const int64_t waits[] = {1, 2, 4, 8};
    for (int i = 0; i < 4; i++) {
        lockout_failure(&p, &s, t);
        assert_int_equal(s.failures, (uint32_t)i + 1);
        assert_int_equal(lockout_wait(&p, &s, t), waits[i]);
        assert_int_equal(lockout_wait(&p, &s, t + waits[i] - 1), 1);
        t += waits[i];
        assert_int_equal(lockout_wait(&p, &s, t), 0);
    }
    /* The fifth: locked for 15 minutes. */
    lockout_failure(&p, &s, t);
    assert_int_equal(s.locked_until, t + 900);
    assert_int_equal(lockout_wait(&p, &s, t), 900);
    assert_int_equal(lockout_wait(&p, &s, t + 899), 1);
    /* Attempts during the lock are refused and not counted: the lock does not grow. */
    lockout_failure(&p, &s, t + 100);
    assert_int_equal(s.locked_until, t + 900);
    /* After the lock the count starts again from zero. */
    assert_int_equal(lockout_wait(&p, &s, t + 900), 0);
    lockout_failure(&p, &s, t + 900);
    assert_int_equal(s.failures, 1);
    assert_int_equal(s.locked_until, 0);
    assert_int_equal(lockout_wait(&p, &s, t + 900), 1);
}

static void test_success_and_quiet_period(void **state)
{
    (void)state;
    struct lockout_policy p = lockout_policy_account_default();
    struct lockout_state s = {0};
    int64_t t = 5000;
    for (int i = 0; i < 4; i++) lockout_failure(&p, &s, t += 100);
    assert_int_equal(s.failures, 4);
    lockout_success(&s);
    assert_int_equal(s.failures, 0);
    assert_int_equal(lockout_wait(&p, &s, t), 0);
    /* Four failures, then 15 quiet minutes: the fifth does not lock. */
    for (int i = 0; i < 4; i++) lockout_failure(&p, &s, t += 100);
    t += 900;
    lockout_failure(&p, &s, t);
    assert_int_equal(s.failures, 1);
    assert_int_equal(s.locked_until, 0);
}

static void test_backoff_cap_and_off(void **state)
{
    (void)state;
    struct lockout_policy p = {.max_failures = 100,
                               .lock_seconds = 60,
                               .backoff_base = 1,
                               .backoff_max = 10,
                               .forget_seconds = 100000};
    struct lockout_state s = {0};
    int64_t t = 0;
    for (int i = 0; i < 40; i++) {
        lockout_failure(&p, &s, t);
        assert_true(lockout_wait(&p, &s, t) <= 10);
        t += 10;
    }
    assert_int_equal(lockout_wait(&p, &s, t - 10), 10);
    struct lockout_policy off = {0};
    struct lockout_state o = {0};
    for (int i = 0; i < 50; i++) lockout_failure(&off, &o, 7);
    assert_int_equal(lockout_wait(&off, &o, 7), 0);
}

static void test_table(void **state)
{
    (void)state;
    struct lockout_policy p = lockout_policy_address_default();
    assert_int_equal(p.max_failures, 20);
    p.backoff_base = 0; /* only the lock, to keep the timeline short */
    struct lockout_table *t = lockout_table_new(&p, 8);
    assert_non_null(t);
    int64_t now = 100;
    for (int i = 0; i < 19; i++) lockout_table_failure(t, "192.0.2.1", now);
    assert_int_equal(lockout_table_wait(t, "192.0.2.1", now), 0);
    lockout_table_failure(t, "192.0.2.1", now);
    assert_int_equal(lockout_table_wait(t, "192.0.2.1", now), 900);
    assert_int_equal(lockout_table_wait(t, "192.0.2.2", now), 0);
    /* Success clears only its own key. */
    lockout_table_failure(t, "2001:db8::1", now);
    lockout_table_success(t, "2001:db8::1");
    assert_int_equal(lockout_table_wait(t, "192.0.2.1", now), 900);
    /* Filling the table with lapsed keys keeps the locked one (it is not the oldest lapsed). */
    for (int i = 0; i < 30; i++) {
        char key[32];
        snprintf(key, sizeof key, "198.51.100.%d", i);
        lockout_table_failure(t, key, now + 10 + i);
        lockout_table_success(t, key);
    }
    assert_int_equal(lockout_table_wait(t, "192.0.2.1", now + 1), 899);
    lockout_table_free(t);
}

static void test_address_key(void **state)
{
    (void)state;
    char k[LOCKOUT_KEY_MAX];
    lockout_address_key("192.0.2.1", k);
    assert_string_equal(k, "192.0.2.1");
    /* One /64 is one key, whatever the interface part. */
    lockout_address_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    lockout_address_key("2001:DB8:1:2::1", k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    lockout_address_key("2001:db8:1:3::1", k);
    assert_string_equal(k, "2001:db8:1:3::/64");
    lockout_address_key("::ffff:198.51.100.7", k);
    assert_string_equal(k, "198.51.100.7");
    lockout_address_key(NULL, k);
    assert_string_equal(k, "local");
    lockout_address_key("not:an:address", k);
    assert_string_equal(k, "not:an:address");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_timeline), cmocka_unit_test(test_success_and_quiet_period),
        cmocka_unit_test(test_backoff_cap_and_off), cmocka_unit_test(test_table),
        cmocka_unit_test(test_address_key)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
