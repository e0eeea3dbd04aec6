/* accounts_delete: the account's sessions end, the account is gone (by name and by subject), a
 * second delete is NOT_FOUND, other accounts keep theirs, and the username may be taken again
 * (with a new subject: the old one is never handed out again). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/accounts.h"

#define PW "correct horse battery"

struct fix {
    char dir[64], path[128];
    struct accounts *a;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-acct-del-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/accounts.db", f->dir);
    struct accounts_config cfg;
    accounts_config_default(&cfg);
    cfg.password = (struct password_params){.t_cost = 1, .m_cost_kib = 256, .lanes = 1};
    if (!(f->a = accounts_open(f->path, &cfg))) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    accounts_close(f->a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static struct account add(struct fix *f, const char *name)
{
    struct accounts_enrolment e = {0};
    struct account acct;
    const char *why = NULL;
    assert_int_equal(
        accounts_add(f->a, name, ACCOUNT_PATIENT, NULL, PW, strlen(PW), &e, &acct, &why),
        ACCOUNTS_OK);
    accounts_enrolment_free(&e);
    return acct;
}

static void delete_ends_sessions_and_removes_the_account(void **state)
{
    struct fix *f = *state;
    struct account alice = add(f, "alice"), bob = add(f, "bob");
    char s1[SESSION_TOKEN_LEN], s2[SESSION_TOKEN_LEN], sb[SESSION_TOKEN_LEN];
    assert_int_equal(accounts_session_start(f->a, alice.id, s1), ACCOUNTS_OK);
    assert_int_equal(accounts_session_start(f->a, alice.id, s2), ACCOUNTS_OK);
    assert_int_equal(accounts_session_start(f->a, bob.id, sb), ACCOUNTS_OK);

    assert_int_equal(accounts_delete(f->a, alice.id), ACCOUNTS_OK);
    struct account out;
    assert_int_equal(accounts_session_check(f->a, s1, &out), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_session_check(f->a, s2, &out), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_get(f->a, "alice", &out), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_get_by_subject(f->a, alice.subject, &out), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_delete(f->a, alice.id), ACCOUNTS_NOT_FOUND);
    /* Bob keeps his account and session. */
    assert_int_equal(accounts_session_check(f->a, sb, &out), ACCOUNTS_OK);
    assert_int_equal(out.id, bob.id);
    /* The name is free again; the subject is a new one. */
    struct account again = add(f, "alice");
    assert_string_not_equal(again.subject, alice.subject);
    assert_int_not_equal(again.id, alice.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(delete_ends_sessions_and_removes_the_account, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
