/* Self sign-up in the account store (accounts_signup.c) on a temporary file with an injected
 * clock: a pending account cannot log in or hold a session, confirmation activates it, the hour
 * and the sweep (also after a reopen), a second sign-up with the same password replaces the
 * secret, the rules' reasons, a database of schema 2 (before sign-up) migrating with its accounts
 * active; and the instant a session ends (accounts_session_check_until, for GET /api/me). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/base32.h"

#define PW   "correct horse battery"
#define ADDR "192.0.2.10"

struct fixture {
    char dir[64];
    char path[128];
    int64_t now;
    struct accounts_config cfg;
    struct accounts *a;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fixture *)ctx)->now;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-signup-test-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/accounts.db", f->dir);
    f->now = 1700000000;
    accounts_config_default(&f->cfg);
    f->cfg.password = (struct password_params){.t_cost = 1, .m_cost_kib = 256, .lanes = 1};
    f->cfg.clock = (struct accounts_clock){.now = fake_now, .ctx = f};
    f->a = accounts_open(f->path, &f->cfg);
    if (!f->a) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    accounts_close(f->a);
    char p[160];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffix[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void code(const char *secret, int64_t t, char out[8])
{
    uint8_t key[64];
    int n = base32_decode(secret, strlen(secret), key, sizeof key);
    assert_true(n > 0);
    snprintf(out, 8, "%06u", hotp(key, (size_t)n, (uint64_t)totp_step(t), TOTP_DIGITS));
}

static void signup(struct fixture *f, const char *name, char secret[TOTP_SECRET_B32])
{
    struct accounts_enrolment e;
    const char *why = NULL;
    assert_int_equal(accounts_signup(f->a, name, PW, strlen(PW), ADDR, &e, &why, NULL),
                     ACCOUNTS_OK);
    assert_null(why);
    assert_non_null(strstr(e.uri, e.secret));
    memcpy(secret, e.secret, TOTP_SECRET_B32);
    accounts_enrolment_free(&e);
}

static void pending_until_confirmed(void **state)
{
    struct fixture *f = *state;
    char secret[TOTP_SECRET_B32], c[8];
    signup(f, "nina", secret);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "nina", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.pending_until, f->now + ACCOUNTS_PENDING_SECONDS);
    assert_int_equal(acc.role, ACCOUNT_PATIENT);
    assert_string_equal(acc.bsn, "");
    /* No login and no session while pending, even with everything right. */
    code(secret, f->now, c);
    assert_int_equal(accounts_login(f->a, "nina", PW, strlen(PW), c, ADDR, NULL, NULL),
                     ACCOUNTS_DENIED);
    char token[SESSION_TOKEN_LEN];
    assert_int_equal(accounts_session_start(f->a, acc.id, token), ACCOUNTS_NOT_FOUND);
    /* Confirmed: active, and the code's step is spent. */
    f->now += 30;
    code(secret, f->now, c);
    struct account out;
    assert_int_equal(accounts_signup_confirm(f->a, "nina", PW, strlen(PW), c, ADDR, &out, NULL),
                     ACCOUNTS_OK);
    assert_int_equal(out.pending_until, 0);
    assert_int_equal(out.id, acc.id);
    assert_int_equal(accounts_login(f->a, "nina", PW, strlen(PW), c, ADDR, NULL, NULL),
                     ACCOUNTS_DENIED); /* a replay */
    f->now += 30;
    code(secret, f->now, c);
    assert_int_equal(accounts_login(f->a, "nina", PW, strlen(PW), c, ADDR, &out, NULL),
                     ACCOUNTS_OK);
    assert_int_equal(accounts_session_start(f->a, acc.id, token), ACCOUNTS_OK);
    /* An active name is taken. */
    struct accounts_enrolment e;
    assert_int_equal(accounts_signup(f->a, "NINA", PW, strlen(PW), ADDR, &e, NULL, NULL),
                     ACCOUNTS_EXISTS);
    assert_null(e.uri);
}

static void hour_sweep_and_reopen(void **state)
{
    struct fixture *f = *state;
    char s1[TOTP_SECRET_B32], s2[TOTP_SECRET_B32];
    signup(f, "olaf", s1);
    signup(f, "piet", s1);
    f->now += 600;
    signup(f, "olaf", s2); /* same password: a new secret, a new hour */
    assert_string_not_equal(s1, s2);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "olaf", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.pending_until, f->now + ACCOUNTS_PENDING_SECONDS);
    /* Pending survives a restart. */
    accounts_close(f->a);
    f->a = accounts_open(f->path, &f->cfg);
    assert_non_null(f->a);
    assert_int_equal(accounts_get(f->a, "olaf", &acc), ACCOUNTS_OK);
    assert_true(acc.pending_until > 0);
    /* piet's hour is up, olaf's (renewed 10 minutes later) not yet. */
    f->now += ACCOUNTS_PENDING_SECONDS - 600;
    size_t removed = 0;
    assert_int_equal(accounts_signup_sweep(f->a, &removed), ACCOUNTS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(accounts_get(f->a, "piet", &acc), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_get(f->a, "olaf", &acc), ACCOUNTS_OK);
    f->now += 600;
    assert_int_equal(accounts_signup_sweep(f->a, &removed), ACCOUNTS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(accounts_signup_sweep(f->a, &removed), ACCOUNTS_OK);
    assert_int_equal(removed, 0);
}

static void rules_and_reasons(void **state)
{
    struct fixture *f = *state;
    struct accounts_enrolment e;
    const char *why = NULL;
    assert_int_equal(accounts_signup(f->a, "a b", PW, strlen(PW), ADDR, &e, &why, NULL),
                     ACCOUNTS_INVALID);
    assert_non_null(strstr(why, "username"));
    assert_int_equal(accounts_signup(f->a, "quinn", "short", 5, ADDR, &e, &why, NULL),
                     ACCOUNTS_INVALID);
    assert_non_null(why);
    assert_int_equal(accounts_signup(f->a, "quinn", NULL, 0, ADDR, &e, &why, NULL),
                     ACCOUNTS_INVALID);
    assert_int_equal(accounts_signup(f->a, NULL, PW, strlen(PW), ADDR, &e, &why, NULL),
                     ACCOUNTS_INVALID);
    assert_int_equal(accounts_signup_confirm(f->a, "quinn", PW, strlen(PW), NULL, ADDR, NULL, NULL),
                     ACCOUNTS_INVALID);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "quinn", &acc), ACCOUNTS_NOT_FOUND);
    /* Another password for a pending name: taken, and a wrong password counts on its row. */
    char s[TOTP_SECRET_B32];
    signup(f, "rosa", s);
    assert_int_equal(accounts_signup(f->a, "rosa", "a different password",
                                     strlen("a different password"), ADDR, &e, NULL, NULL),
                     ACCOUNTS_EXISTS);
    assert_int_equal(accounts_get(f->a, "rosa", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.failures, 1);
    int64_t wait = 0;
    assert_int_equal(accounts_signup(f->a, "rosa", PW, strlen(PW), ADDR, &e, NULL, &wait),
                     ACCOUNTS_LOCKED);
    assert_int_equal(wait, 1);
}

/* An accounts.db of schema 2 (before sign-up) migrates, and its accounts stay active. */
static void schema_2_migrates(void **state)
{
    struct fixture *f = *state;
    struct accounts_enrolment e;
    struct account acc;
    assert_int_equal(
        accounts_add(f->a, "sam", ACCOUNT_PATIENT, NULL, PW, strlen(PW), &e, &acc, NULL),
        ACCOUNTS_OK);
    char secret[TOTP_SECRET_B32];
    memcpy(secret, e.secret, sizeof secret);
    accounts_enrolment_free(&e);
    accounts_close(f->a);
    f->a = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP INDEX account_pending;"
                                  "ALTER TABLE account DROP COLUMN pending_until;"
                                  "UPDATE schema_version SET version = 2;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    f->a = accounts_open(f->path, &f->cfg);
    assert_non_null(f->a);
    assert_int_equal(accounts_get(f->a, "sam", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.pending_until, 0);
    char c[8];
    f->now += 30;
    code(secret, f->now, c);
    assert_int_equal(accounts_login(f->a, "sam", PW, strlen(PW), c, ADDR, NULL, NULL), ACCOUNTS_OK);
}

/* accounts_session_check_until: the idle end moves with use (written once a touch period), and
 * the absolute end wins when it comes first. */
static void session_end_instant(void **state)
{
    struct fixture *f = *state;
    accounts_close(f->a);
    f->cfg.session =
        (struct session_policy){.idle_seconds = 900, .absolute_seconds = 2000, .touch_seconds = 60};
    f->a = accounts_open(f->path, &f->cfg);
    assert_non_null(f->a);
    struct accounts_enrolment e;
    struct account acc;
    assert_int_equal(
        accounts_add(f->a, "tom", ACCOUNT_PATIENT, NULL, PW, strlen(PW), &e, &acc, NULL),
        ACCOUNTS_OK);
    accounts_enrolment_free(&e);
    char token[SESSION_TOKEN_LEN];
    assert_int_equal(accounts_session_start(f->a, acc.id, token), ACCOUNTS_OK);
    int64_t start = f->now, ends = 0;
    assert_int_equal(accounts_session_check_until(f->a, token, NULL, &ends), ACCOUNTS_OK);
    assert_int_equal(ends, start + 900);
    f->now += 30; /* within the touch period: the stored last use stays */
    assert_int_equal(accounts_session_check_until(f->a, token, NULL, &ends), ACCOUNTS_OK);
    assert_int_equal(ends, start + 900);
    f->now = start + 800;
    assert_int_equal(accounts_session_check_until(f->a, token, NULL, &ends), ACCOUNTS_OK);
    assert_int_equal(ends, start + 1700);
    f->now = start + 1600; /* idle end start + 2500 is past the absolute end */
    assert_int_equal(accounts_session_check_until(f->a, token, NULL, &ends), ACCOUNTS_OK);
    assert_int_equal(ends, start + 2000);
    assert_int_equal(accounts_session_idle(f->a), 900);
    f->now = start + 2000;
    assert_int_equal(accounts_session_check_until(f->a, token, NULL, &ends), ACCOUNTS_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pending_until_confirmed, setup, teardown),
        cmocka_unit_test_setup_teardown(hour_sweep_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(rules_and_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(schema_2_migrates, setup, teardown),
        cmocka_unit_test_setup_teardown(session_end_instant, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
