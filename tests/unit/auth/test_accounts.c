/* The account store on a temporary file with an injected clock and cheap argon2 parameters: add,
 * duplicates (username in any case, BSN), validation, disable/enable/reset surviving a reopen,
 * login (password, TOTP window and replay, disabled, unknown user), lockout per account and per
 * address, rehash on login, sessions (idle and absolute expiry, logout, disabled account, sweep),
 * CSRF through the store, and the local identity provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/idp.h"

#define PW   "correct horse battery"
#define PW2  "another good password"
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
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-auth-test-XXXXXX");
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

static void reopen(struct fixture *f)
{
    accounts_close(f->a);
    f->a = accounts_open(f->path, &f->cfg);
    assert_non_null(f->a);
}

/* Adds an account and returns its TOTP secret in secret. */
static void add(struct fixture *f, const char *user, enum account_role role, const char *bsn,
                char secret[TOTP_SECRET_B32])
{
    struct accounts_enrolment e;
    struct account acc;
    assert_int_equal(accounts_add(f->a, user, role, bsn, PW, strlen(PW), &e, &acc, NULL),
                     ACCOUNTS_OK);
    assert_int_equal(strlen(e.secret), 32);
    assert_non_null(strstr(e.uri, e.secret));
    memcpy(secret, e.secret, TOTP_SECRET_B32);
    accounts_enrolment_free(&e);
}

/* The code of the secret at the fixture's time plus offset seconds. */
static void code(const char *secret, int64_t t, char out[8])
{
    uint8_t key[32];
    int n = base32_decode(secret, strlen(secret), key, sizeof key);
    assert_int_equal(n, TOTP_SECRET_BYTES);
    snprintf(out, 8, "%06u", hotp(key, (size_t)n, (uint64_t)totp_step(t), TOTP_DIGITS));
}

static enum accounts_rc login(struct fixture *f, const char *user, const char *pw, const char *totp,
                              struct account *out)
{
    int64_t wait = 0;
    return accounts_login(f->a, user, pw, strlen(pw), totp, ADDR, out, &wait);
}

static void test_add_get_duplicates(void **state)
{
    struct fixture *f = *state;
    char secret[TOTP_SECRET_B32];
    add(f, "anne", ACCOUNT_PATIENT, "111222333", secret);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_string_equal(acc.username, "anne");
    assert_int_equal(acc.role, ACCOUNT_PATIENT);
    assert_string_equal(acc.bsn, "111222333");
    assert_int_equal(strlen(acc.subject), 36);
    assert_false(acc.disabled);
    assert_int_equal(acc.created, f->now);
    struct account by_subject;
    assert_int_equal(accounts_get_by_subject(f->a, acc.subject, &by_subject), ACCOUNTS_OK);
    assert_int_equal(by_subject.id, acc.id);
    /* Lookups ignore ASCII case. */
    assert_int_equal(accounts_get(f->a, "ANNE", &acc), ACCOUNTS_OK);

    struct accounts_enrolment e;
    const char *why = NULL;
    assert_int_equal(
        accounts_add(f->a, "Anne", ACCOUNT_ADMIN, NULL, PW, strlen(PW), &e, NULL, &why),
        ACCOUNTS_EXISTS);
    assert_null(e.uri);
    assert_int_equal(
        accounts_add(f->a, "bert", ACCOUNT_PATIENT, "111222333", PW, strlen(PW), &e, NULL, &why),
        ACCOUNTS_EXISTS);
    /* Invalid arguments, each with a reason. */
    assert_int_equal(
        accounts_add(f->a, "bert", ACCOUNT_PATIENT, "111222334", PW, strlen(PW), &e, NULL, &why),
        ACCOUNTS_INVALID);
    assert_non_null(strstr(why, "11-proef"));
    assert_int_equal(accounts_add(f->a, "bert", ACCOUNT_PATIENT, NULL, "short", 5, &e, NULL, &why),
                     ACCOUNTS_INVALID);
    assert_non_null(why);
    assert_int_equal(
        accounts_add(f->a, "b rt", ACCOUNT_PATIENT, NULL, PW, strlen(PW), &e, NULL, &why),
        ACCOUNTS_INVALID);
    assert_int_equal(accounts_add(f->a, "", ACCOUNT_PATIENT, NULL, PW, strlen(PW), &e, NULL, &why),
                     ACCOUNTS_INVALID);
    assert_int_equal(
        accounts_add(f->a, "bert", (enum account_role)7, NULL, PW, strlen(PW), &e, NULL, &why),
        ACCOUNTS_INVALID);
    assert_int_equal(accounts_get(f->a, "bert", &acc), ACCOUNTS_NOT_FOUND);
}

static int count(const struct account *acc, void *ctx)
{
    (void)acc;
    (*(int *)ctx)++;
    return 0;
}

static void test_changes_survive_reopen(void **state)
{
    struct fixture *f = *state;
    char s1[TOTP_SECRET_B32], s2[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, "111222333", s1);
    add(f, "dokter", ACCOUNT_PROFESSIONAL, NULL, s2);
    assert_int_equal(accounts_set_disabled(f->a, "dokter", true), ACCOUNTS_OK);
    assert_int_equal(accounts_set_password(f->a, "anne", PW2, strlen(PW2), NULL), ACCOUNTS_OK);
    struct accounts_enrolment e;
    assert_int_equal(accounts_reset_totp(f->a, "anne", &e), ACCOUNTS_OK);
    char new_secret[TOTP_SECRET_B32];
    memcpy(new_secret, e.secret, sizeof new_secret);
    accounts_enrolment_free(&e);
    assert_string_not_equal(new_secret, s1);
    assert_int_equal(accounts_set_disabled(f->a, "nobody", true), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_set_password(f->a, "nobody", PW2, strlen(PW2), NULL),
                     ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_reset_totp(f->a, "nobody", &e), ACCOUNTS_NOT_FOUND);

    reopen(f);
    int n = 0;
    assert_int_equal(accounts_list(f->a, count, &n), ACCOUNTS_OK);
    assert_int_equal(n, 2);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "dokter", &acc), ACCOUNTS_OK);
    assert_true(acc.disabled);
    /* The new password and the new secret work; the old ones do not. */
    code(s1, f->now, c);
    assert_int_equal(login(f, "anne", PW2, c, &acc), ACCOUNTS_DENIED);
    f->now += 30;
    code(new_secret, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED);
    f->now += 30;
    code(new_secret, f->now, c);
    assert_int_equal(login(f, "anne", PW2, c, &acc), ACCOUNTS_OK);
    assert_string_equal(acc.bsn, "111222333");
    /* A disabled account cannot log in, even with everything right; enabled again, it can. */
    code(s2, f->now, c);
    assert_int_equal(login(f, "dokter", PW, c, &acc), ACCOUNTS_DENIED);
    assert_int_equal(accounts_set_disabled(f->a, "dokter", false), ACCOUNTS_OK);
    f->now += 30;
    code(s2, f->now, c);
    assert_int_equal(login(f, "dokter", PW, c, &acc), ACCOUNTS_OK);
    assert_int_equal(acc.role, ACCOUNT_PROFESSIONAL);
}

static void test_login_totp_rules(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    struct account acc;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    /* The same code again (same step): a replay, refused. */
    f->now += 5; /* past the backoff of nothing; the step is unchanged or next */
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED);
    /* The next step's code works; a code two steps old does not. */
    f->now += 60;
    code(s, f->now - 60, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED);
    f->now += 2;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    /* Wrong password with a right code: denied, and the unknown user too. */
    f->now += 30;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", "wrong password!", c, &acc), ACCOUNTS_DENIED);
    f->now += 30;
    assert_int_equal(login(f, "nobody", PW, "123456", &acc), ACCOUNTS_DENIED);
    assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), NULL, ADDR, &acc, NULL),
                     ACCOUNTS_INVALID);
}

static void test_account_lockout(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    struct account acc;
    int64_t wait = 0;
    /* Failures from different addresses, each waiting out its backoff. */
    const int64_t backoff[] = {1, 2, 4, 8};
    for (int i = 0; i < 5; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "198.51.100.%d", i);
        assert_int_equal(
            accounts_login(f->a, "anne", "wrong password!", 15, "000000", addr, &acc, &wait),
            ACCOUNTS_DENIED);
        if (i < 4) {
            /* Too soon: refused without checking, and not counted. */
            code(s, f->now, c);
            assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), c, addr, &acc, &wait),
                             ACCOUNTS_LOCKED);
            assert_int_equal(wait, backoff[i]);
            f->now += backoff[i];
        }
    }
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.failures, 5);
    assert_int_equal(acc.locked_until, f->now + 900);
    /* Locked: even the right password and code are refused, also after a reopen (restart). */
    reopen(f);
    f->now += 600;
    code(s, f->now, c);
    assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), c, ADDR, &acc, &wait),
                     ACCOUNTS_LOCKED);
    assert_int_equal(wait, 300);
    f->now += 300;
    code(s, f->now, c);
    assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), c, ADDR, &acc, &wait),
                     ACCOUNTS_OK);
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.failures, 0);
    /* An administrator's password reset clears a lock. */
    for (int i = 0; i < 5; i++) {
        f->now += 100;
        login(f, "anne", "wrong password!", "000000", &acc);
    }
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_true(acc.locked_until > f->now);
    assert_int_equal(accounts_set_password(f->a, "anne", PW2, strlen(PW2), NULL), ACCOUNTS_OK);
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_int_equal(acc.locked_until, 0);
}

static void test_address_lockout(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    struct account acc;
    int64_t wait = 0;
    /* Guessing usernames from one address: no account row takes the failures, the address does. */
    f->cfg.address_lockout.backoff_base = 0;
    reopen(f);
    for (int i = 0; i < 20; i++) {
        char user[32];
        snprintf(user, sizeof user, "guess%d", i);
        f->now += 1;
        assert_int_equal(
            accounts_login(f->a, user, PW, strlen(PW), "123456", "203.0.113.9", &acc, &wait),
            ACCOUNTS_DENIED);
    }
    code(s, f->now, c);
    assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), c, "203.0.113.9", &acc, &wait),
                     ACCOUNTS_LOCKED);
    assert_int_equal(wait, 900);
    /* Another address is not affected. */
    assert_int_equal(accounts_login(f->a, "anne", PW, strlen(PW), c, "203.0.113.10", &acc, &wait),
                     ACCOUNTS_OK);
}

static void test_rehash_on_login(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    /* Stronger parameters from now on: the next login stores a new hash, which then verifies. */
    f->cfg.password.t_cost = 2;
    reopen(f);
    struct account acc;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    f->now += 30;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    /* The stored string carries t=2 now: old parameters would ask for a rehash again. */
    f->cfg.password.t_cost = 1;
    reopen(f);
    f->now += 30;
    code(s, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
}

static void test_sessions(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32];
    add(f, "anne", ACCOUNT_PATIENT, "111222333", s);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    char tok[SESSION_TOKEN_LEN], tok2[SESSION_TOKEN_LEN];
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    struct account who;
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_OK);
    assert_int_equal(who.id, acc.id);
    assert_string_equal(who.bsn, "111222333");
    /* Used every 10 minutes it stays alive past the idle limit ... */
    int64_t start = f->now;
    for (int i = 0; i < 5; i++) {
        f->now += 600;
        assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_OK);
    }
    /* ... and survives a restart ... */
    reopen(f);
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_OK);
    /* ... but 15 idle minutes end it. */
    f->now += 900;
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_NOT_FOUND);
    /* Absolute: kept busy, it still ends 12 hours after it started. */
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    start = f->now;
    while (f->now + 600 < start + 12 * 3600) {
        f->now += 600;
        assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_OK);
    }
    f->now = start + 12 * 3600;
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_NOT_FOUND);
    /* Logout; unknown and malformed tokens. */
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    assert_int_equal(accounts_session_end(f->a, tok), ACCOUNTS_OK);
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_session_check(f->a, "garbage", &who), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_session_check(f->a, NULL, &who), ACCOUNTS_NOT_FOUND);
    /* Disabling or a new password ends the account's sessions. */
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    assert_int_equal(accounts_set_disabled(f->a, "anne", true), ACCOUNTS_OK);
    assert_int_equal(accounts_set_disabled(f->a, "anne", false), ACCOUNTS_OK);
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    assert_int_equal(accounts_set_password(f->a, "anne", PW2, strlen(PW2), NULL), ACCOUNTS_OK);
    assert_int_equal(accounts_session_check(f->a, tok, &who), ACCOUNTS_NOT_FOUND);
    /* No session for an account that does not exist, or is disabled. */
    assert_int_equal(accounts_session_start(f->a, 9999, tok2), ACCOUNTS_NOT_FOUND);
    assert_string_equal(tok2, "");
    assert_int_equal(accounts_set_disabled(f->a, "anne", true), ACCOUNTS_OK);
    assert_int_equal(accounts_session_start(f->a, acc.id, tok2), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_set_disabled(f->a, "anne", false), ACCOUNTS_OK);
    /* The sweep removes what has expired and keeps live sessions. */
    assert_int_equal(accounts_session_start(f->a, acc.id, tok), ACCOUNTS_OK);
    f->now += 1000;
    assert_int_equal(accounts_session_start(f->a, acc.id, tok2), ACCOUNTS_OK);
    size_t removed = 0;
    assert_int_equal(accounts_session_sweep(f->a, &removed), ACCOUNTS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(accounts_session_check(f->a, tok2, &who), ACCOUNTS_OK);
}

static void test_csrf_through_store(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    char t1[SESSION_TOKEN_LEN], t2[SESSION_TOKEN_LEN], c1[CSRF_TOKEN_LEN], c2[CSRF_TOKEN_LEN];
    assert_int_equal(accounts_session_start(f->a, acc.id, t1), ACCOUNTS_OK);
    assert_int_equal(accounts_session_start(f->a, acc.id, t2), ACCOUNTS_OK);
    assert_int_equal(accounts_csrf_token(f->a, t1, c1), ACCOUNTS_OK);
    assert_int_equal(accounts_csrf_token(f->a, t2, c2), ACCOUNTS_OK);
    assert_true(accounts_csrf_verify(f->a, t1, c1));
    assert_false(accounts_csrf_verify(f->a, t1, c2)); /* another session's token */
    assert_false(accounts_csrf_verify(f->a, t2, c1));
    /* The key is kept in the database: tokens stay valid across a restart. */
    reopen(f);
    assert_true(accounts_csrf_verify(f->a, t1, c1));
}

static void test_idp_local(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, "111222333", s);
    struct idp *idp = idp_local_new(f->a);
    assert_non_null(idp);
    assert_non_null(strstr(idp->name, "stand-in for DigiD"));
    assert_non_null(idp->authenticate);
    assert_null(idp->begin);
    struct idp_identity id;
    int64_t wait = 0;
    code(s, f->now, c);
    assert_int_equal(idp->authenticate(idp->ctx, "anne", PW, c, ADDR, &id, &wait), IDP_OK);
    assert_string_equal(id.bsn, "111222333");
    assert_string_equal(id.display, "anne");
    assert_int_equal(strlen(id.subject), 36);
    f->now += 30;
    code(s, f->now, c);
    assert_int_equal(idp->authenticate(idp->ctx, "anne", "wrong password!", c, ADDR, &id, &wait),
                     IDP_DENIED);
    assert_int_equal(idp->authenticate(idp->ctx, "anne", NULL, c, ADDR, &id, &wait), IDP_INVALID);
    idp_free(idp);
}

struct race {
    struct fixture *f;
    const char *code;
    atomic_int ok, denied, other;
};

static void *race_login(void *arg)
{
    struct race *r = arg;
    struct account acc;
    int64_t wait = 0;
    enum accounts_rc rc =
        accounts_login(r->f->a, "anne", PW, strlen(PW), r->code, ADDR, &acc, &wait);
    if (rc == ACCOUNTS_OK)
        atomic_fetch_add(&r->ok, 1);
    else if (rc == ACCOUNTS_DENIED || rc == ACCOUNTS_LOCKED)
        atomic_fetch_add(&r->denied, 1);
    else
        atomic_fetch_add(&r->other, 1);
    return NULL;
}

/* Logins with one TOTP code from several threads at once: the argon2 work runs in parallel, the
 * outcome is decided under the lock against the row as it is then, so the code works once. */
static void test_concurrent_replay(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    code(s, f->now, c);
    struct race r = {.f = f, .code = c};
    pthread_t t[4];
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, race_login, &r), 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&r.ok), 1);
    assert_int_equal(atomic_load(&r.denied), 3);
    assert_int_equal(atomic_load(&r.other), 0);
}

/* Self-service re-enrolment: the old secret works until a code of the new one confirms it. */
static void test_totp_reenrolment(void **state)
{
    struct fixture *f = *state;
    char old[TOTP_SECRET_B32], c[8];
    add(f, "anne", ACCOUNT_PATIENT, NULL, old);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
    assert_int_equal(accounts_totp_confirm(f->a, acc.id, "123456"), ACCOUNTS_NOT_FOUND);
    struct accounts_enrolment e;
    assert_int_equal(accounts_totp_begin(f->a, 9999, &e), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_totp_begin(f->a, acc.id, &e), ACCOUNTS_OK);
    assert_non_null(strstr(e.uri, "regie:anne?secret="));
    char fresh[TOTP_SECRET_B32];
    memcpy(fresh, e.secret, sizeof fresh);
    accounts_enrolment_free(&e);
    /* Pending: the old secret still logs in, the new one does not. */
    code(fresh, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED);
    f->now += 30;
    code(old, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    /* A wrong code does not confirm; a right one does, and its step is used up. */
    char wrong[8];
    code(old, f->now + 30, wrong);
    f->now += 30;
    assert_int_equal(accounts_totp_confirm(f->a, acc.id, wrong), ACCOUNTS_DENIED);
    code(fresh, f->now, c);
    assert_int_equal(accounts_totp_confirm(f->a, acc.id, c), ACCOUNTS_OK);
    assert_int_equal(accounts_totp_confirm(f->a, acc.id, c), ACCOUNTS_NOT_FOUND);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED); /* that step is used */
    f->now += 30;
    code(old, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_DENIED);
    f->now += 30;
    code(fresh, f->now, c);
    assert_int_equal(login(f, "anne", PW, c, &acc), ACCOUNTS_OK);
    /* An administrator's reset drops a pending secret. */
    assert_int_equal(accounts_totp_begin(f->a, acc.id, &e), ACCOUNTS_OK);
    accounts_enrolment_free(&e);
    assert_int_equal(accounts_reset_totp(f->a, "anne", &e), ACCOUNTS_OK);
    accounts_enrolment_free(&e);
    assert_int_equal(accounts_totp_confirm(f->a, acc.id, "123456"), ACCOUNTS_NOT_FOUND);
}

/* The schema version is kept: reopening changes nothing, and a database from a newer regie is
 * refused rather than misread. */
static void test_schema_version(void **state)
{
    struct fixture *f = *state;
    char s[TOTP_SECRET_B32];
    add(f, "anne", ACCOUNT_PATIENT, NULL, s);
    accounts_close(f->a);
    f->a = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_null(accounts_open(f->path, &f->cfg));
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 3", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    f->a = accounts_open(f->path, &f->cfg);
    assert_non_null(f->a);
    struct account acc;
    assert_int_equal(accounts_get(f->a, "anne", &acc), ACCOUNTS_OK);
}

static void test_file_mode_and_bad_open(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_null(accounts_open("/nonexistent-dir/accounts.db", &f->cfg));
    struct accounts_config bad = f->cfg;
    bad.password.t_cost = 0;
    assert_null(accounts_open(f->path, &bad));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_get_duplicates),
        T(test_changes_survive_reopen),
        T(test_login_totp_rules),
        T(test_account_lockout),
        T(test_address_lockout),
        T(test_rehash_on_login),
        T(test_sessions),
        T(test_csrf_through_store),
        T(test_idp_local),
        T(test_concurrent_replay),
        T(test_schema_version),
        T(test_totp_reenrolment),
        T(test_file_mode_and_bad_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
