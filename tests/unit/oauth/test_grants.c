/* The grant store: consent and code, redemption (client, redirect_uri, PKCE), code expiry and
 * replay (revokes the family), access expiry and lookup, refresh rotation and reuse detection,
 * RFC 7009 revocation, the patient's revocation, the listing, the sweep, hashes only on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oauth/grants.h"

#define CLIENT   "pgo.regie.test"
#define REDIRECT "https://pgo.regie.test/connect/callback"
/* RFC 7636 appendix B. */
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

struct fixture {
    char dir[64];
    char path[128];
    int64_t now;
    struct oauth_grants *g;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fixture *)ctx)->now;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-grants-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/oauth.db", f->dir);
    f->now = 1800000000;
    struct oauth_grants_config cfg = {
        .code_ttl = 60, .access_ttl = 900, .clock = {.now = fake_now, .ctx = f}};
    char err[256];
    f->g = oauth_grants_open(f->path, &cfg, err, sizeof err);
    if (!f->g) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    oauth_grants_close(f->g);
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

static struct oauth_consent consent_in(void)
{
    struct oauth_consent c;
    memset(&c, 0, sizeof c);
    snprintf(c.subject, sizeof c.subject, "0b8e6f4a-58b4-4d2c-9d61-0c9b9a4cf001");
    snprintf(c.patient_id, sizeof c.patient_id, "patient-a");
    snprintf(c.client_id, sizeof c.client_id, CLIENT);
    snprintf(c.scope, sizeof c.scope, "huisartsdelinde");
    snprintf(c.service_ids[0], sizeof c.service_ids[0], "48");
    snprintf(c.service_ids[1], sizeof c.service_ids[1], "49");
    c.nservice_ids = 2;
    return c;
}

/* A consent and a code for it (with PKCE unless challenge is NULL). */
static void new_code(struct fixture *f, const char *challenge, struct oauth_consent *c,
                     char code[OAUTH_TOKEN_LEN])
{
    struct oauth_consent in = consent_in();
    assert_int_equal(oauth_grants_consent_create(f->g, &in, 365 * 86400, c), OAUTH_GRANTS_OK);
    assert_int_equal(strlen(c->id), 36);
    assert_int_equal(oauth_grants_code_issue(f->g, c->id, REDIRECT, challenge, code),
                     OAUTH_GRANTS_OK);
    assert_int_equal(strlen(code), 43);
}

static void redeem_ok(struct fixture *f, const char *code, struct oauth_token_set *t)
{
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT, VERIFIER, t),
                     OAUTH_GRANTS_OK);
}

static void test_code_flow(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t;
    /* Wrong client, redirect_uri and verifier: refused, and the code is not burnt. */
    assert_int_equal(oauth_grants_code_redeem(f->g, code, "evil.test", REDIRECT, VERIFIER, &t),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT "/other", VERIFIER, &t),
                     OAUTH_GRANTS_MISMATCH);
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT,
                                              "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj", &t),
                     OAUTH_GRANTS_MISMATCH);
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT, NULL, &t),
                     OAUTH_GRANTS_MISMATCH);
    assert_int_equal(oauth_grants_code_redeem(f->g, "not-a-code", CLIENT, REDIRECT, VERIFIER, &t),
                     OAUTH_GRANTS_NOT_FOUND);
    redeem_ok(f, code, &t);
    assert_int_equal(t.expires_in, 900);
    assert_int_equal(strlen(t.access_token), 43);
    assert_int_equal(strlen(t.refresh_token), 43);
    assert_string_not_equal(t.access_token, t.refresh_token);
    assert_string_equal(t.consent.id, c.id);
    assert_string_equal(t.consent.scope, "huisartsdelinde");
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen), OAUTH_GRANTS_OK);
    assert_string_equal(seen.patient_id, "patient-a");
    assert_string_equal(seen.client_id, CLIENT);
    assert_int_equal(seen.nservice_ids, 2);
    assert_string_equal(seen.service_ids[0], "48");
    assert_string_equal(seen.service_ids[1], "49");
    /* A refresh token is no access token, and the other way round. */
    assert_int_equal(oauth_grants_access_lookup(f->g, t.refresh_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    struct oauth_token_set t2;
    assert_int_equal(oauth_grants_refresh(f->g, t.access_token, CLIENT, NULL, &t2),
                     OAUTH_GRANTS_NOT_FOUND);
}

static void test_code_without_pkce(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, NULL, &c, code);
    struct oauth_token_set t;
    /* A verifier for a code issued without a challenge is refused (the client thinks it is
     * protected when it is not). */
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT, VERIFIER, &t),
                     OAUTH_GRANTS_MISMATCH);
    /* Host names compare without regard to ASCII case. */
    assert_int_equal(oauth_grants_code_redeem(f->g, code, "PGO.Regie.test", REDIRECT, NULL, &t),
                     OAUTH_GRANTS_OK);
    /* A malformed challenge is refused at issue. */
    assert_int_equal(oauth_grants_code_issue(f->g, c.id, REDIRECT, VERIFIER "x", code),
                     OAUTH_GRANTS_INVALID);
}

static void test_code_expiry(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    f->now += 60;
    struct oauth_token_set t;
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT, VERIFIER, &t),
                     OAUTH_GRANTS_NOT_FOUND);
    /* Just inside the lifetime it works. */
    new_code(f, CHALLENGE, &c, code);
    f->now += 59;
    redeem_ok(f, code, &t);
}

static void test_code_replay_revokes(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t, t2;
    redeem_ok(f, code, &t);
    assert_int_equal(oauth_grants_code_redeem(f->g, code, CLIENT, REDIRECT, VERIFIER, &t2),
                     OAUTH_GRANTS_REPLAY);
    /* What the first redemption issued is dead. */
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_refresh(f->g, t.refresh_token, CLIENT, NULL, &t2),
                     OAUTH_GRANTS_NOT_FOUND);
    /* Replays by another client revoke as well (and a third try is still a replay). */
    assert_int_equal(oauth_grants_code_redeem(f->g, code, "evil.test", REDIRECT, VERIFIER, &t2),
                     OAUTH_GRANTS_REPLAY);
}

static void test_access_expiry(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t;
    redeem_ok(f, code, &t);
    f->now += 899;
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen), OAUTH_GRANTS_OK);
    f->now += 1;
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    /* The refresh token still works after the access token died. */
    struct oauth_token_set t2;
    assert_int_equal(oauth_grants_refresh(f->g, t.refresh_token, CLIENT, NULL, &t2),
                     OAUTH_GRANTS_OK);
    assert_int_equal(oauth_grants_access_lookup(f->g, t2.access_token, &seen), OAUTH_GRANTS_OK);
}

static void test_refresh_rotation_and_reuse(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t1, t2, t3;
    redeem_ok(f, code, &t1);
    /* Another client, another scope: refused, nothing changes. */
    assert_int_equal(oauth_grants_refresh(f->g, t1.refresh_token, "evil.test", NULL, &t2),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(
        oauth_grants_refresh(f->g, t1.refresh_token, CLIENT, "huisartsdelinde~48", &t2),
        OAUTH_GRANTS_SCOPE);
    f->now += 100;
    assert_int_equal(oauth_grants_refresh(f->g, t1.refresh_token, CLIENT, "huisartsdelinde", &t2),
                     OAUTH_GRANTS_OK);
    assert_string_not_equal(t1.refresh_token, t2.refresh_token);
    assert_string_equal(t2.consent.id, c.id);
    /* The old access token lives on until its expiry; the new one works. */
    assert_int_equal(oauth_grants_access_lookup(f->g, t1.access_token, &seen), OAUTH_GRANTS_OK);
    assert_int_equal(oauth_grants_access_lookup(f->g, t2.access_token, &seen), OAUTH_GRANTS_OK);
    /* The rotated token again: reuse, the family is revoked, the newest token too. */
    assert_int_equal(oauth_grants_refresh(f->g, t1.refresh_token, CLIENT, NULL, &t3),
                     OAUTH_GRANTS_REPLAY);
    assert_int_equal(oauth_grants_refresh(f->g, t2.refresh_token, CLIENT, NULL, &t3),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_access_lookup(f->g, t1.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_access_lookup(f->g, t2.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
}

static void test_refresh_ends_with_consent(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent in = consent_in(), c;
    assert_int_equal(oauth_grants_consent_create(f->g, &in, 1000, &c), OAUTH_GRANTS_OK);
    char code[OAUTH_TOKEN_LEN];
    assert_int_equal(oauth_grants_code_issue(f->g, c.id, REDIRECT, CHALLENGE, code),
                     OAUTH_GRANTS_OK);
    struct oauth_token_set t, t2;
    redeem_ok(f, code, &t);
    f->now += 500;
    assert_int_equal(oauth_grants_refresh(f->g, t.refresh_token, CLIENT, NULL, &t2),
                     OAUTH_GRANTS_OK);
    /* An access token never outlives its consent. */
    assert_int_equal(t2.expires_in, 500);
    f->now += 500;
    struct oauth_token_set t3;
    assert_int_equal(oauth_grants_refresh(f->g, t2.refresh_token, CLIENT, NULL, &t3),
                     OAUTH_GRANTS_NOT_FOUND);
    /* No code for an ended consent. */
    assert_int_equal(oauth_grants_code_issue(f->g, c.id, REDIRECT, CHALLENGE, code),
                     OAUTH_GRANTS_NOT_FOUND);
}

static void test_revoke_token(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t, t2;
    redeem_ok(f, code, &t);
    bool found = true;
    /* Unknown, malformed, another client's: OK, nothing found, nothing changed. */
    assert_int_equal(oauth_grants_revoke_token(f->g, "junk", CLIENT, &found), OAUTH_GRANTS_OK);
    assert_false(found);
    assert_int_equal(oauth_grants_revoke_token(f->g, t.refresh_token, "evil.test", &found),
                     OAUTH_GRANTS_OK);
    assert_false(found);
    /* An access token ends itself only. */
    assert_int_equal(oauth_grants_revoke_token(f->g, t.access_token, CLIENT, &found),
                     OAUTH_GRANTS_OK);
    assert_true(found);
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_refresh(f->g, t.refresh_token, CLIENT, NULL, &t2),
                     OAUTH_GRANTS_OK);
    /* A refresh token ends the family. */
    assert_int_equal(oauth_grants_revoke_token(f->g, t2.refresh_token, CLIENT, &found),
                     OAUTH_GRANTS_OK);
    assert_true(found);
    assert_int_equal(oauth_grants_access_lookup(f->g, t2.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    struct oauth_token_set t3;
    assert_int_equal(oauth_grants_refresh(f->g, t2.refresh_token, CLIENT, NULL, &t3),
                     OAUTH_GRANTS_NOT_FOUND);
}

static int count_consent(const struct oauth_consent *c, void *ctx)
{
    int *n = ctx;
    (*n)++;
    return c->revoked ? 0 : 0;
}

static void test_patient_revokes(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t;
    redeem_ok(f, code, &t);
    assert_int_equal(oauth_grants_consent_revoke(f->g, c.id, "someone-else"),
                     OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen), OAUTH_GRANTS_OK);
    assert_int_equal(oauth_grants_consent_revoke(f->g, c.id, c.subject), OAUTH_GRANTS_OK);
    assert_int_equal(oauth_grants_consent_revoke(f->g, c.id, c.subject), OAUTH_GRANTS_NOT_FOUND);
    assert_int_equal(oauth_grants_access_lookup(f->g, t.access_token, &seen),
                     OAUTH_GRANTS_NOT_FOUND);
    int n = 0;
    assert_int_equal(oauth_grants_consents(f->g, c.subject, count_consent, &n), OAUTH_GRANTS_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(oauth_grants_consents(f->g, "nobody", count_consent, &n), OAUTH_GRANTS_OK);
    assert_int_equal(n, 0);
    /* The sweep removes it a day after it ended, not before. */
    size_t removed = 0;
    assert_int_equal(oauth_grants_sweep(f->g, &removed), OAUTH_GRANTS_OK);
    n = 0;
    oauth_grants_consents(f->g, c.subject, count_consent, &n);
    assert_int_equal(n, 1);
    f->now += 86400;
    assert_int_equal(oauth_grants_sweep(f->g, &removed), OAUTH_GRANTS_OK);
    assert_true(removed >= 1);
    n = 0;
    oauth_grants_consents(f->g, c.subject, count_consent, &n);
    assert_int_equal(n, 0);
}

static void test_invalid_consent(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent in = consent_in(), out;
    in.nservice_ids = 0;
    assert_int_equal(oauth_grants_consent_create(f->g, &in, 100, &out), OAUTH_GRANTS_INVALID);
    in = consent_in();
    in.patient_id[0] = '\0';
    assert_int_equal(oauth_grants_consent_create(f->g, &in, 100, &out), OAUTH_GRANTS_INVALID);
    in = consent_in();
    assert_int_equal(oauth_grants_consent_create(f->g, &in, 0, &out), OAUTH_GRANTS_INVALID);
    char code[OAUTH_TOKEN_LEN];
    assert_int_equal(oauth_grants_code_issue(f->g, "00000000-0000-4000-8000-000000000000", REDIRECT,
                                             CHALLENGE, code),
                     OAUTH_GRANTS_NOT_FOUND);
}

/* Many threads redeem one code at once: exactly one gets tokens, every other one sees a replay
 * (and the family ends up revoked): single use holds under concurrency. */
struct racer {
    struct fixture *f;
    const char *code;
    enum oauth_grants_rc rc;
    struct oauth_token_set t;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    r->rc = oauth_grants_code_redeem(r->f->g, r->code, CLIENT, REDIRECT, VERIFIER, &r->t);
    return NULL;
}

static void test_concurrent_redeem(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c, seen;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    enum { N = 8 };
    struct racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct racer){.f = f, .code = code};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int ok = 0, replay = 0;
    const char *issued = NULL;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc == OAUTH_GRANTS_OK) {
            ok++;
            issued = r[i].t.access_token;
        } else if (r[i].rc == OAUTH_GRANTS_REPLAY) {
            replay++;
        }
    }
    assert_int_equal(ok, 1);
    assert_int_equal(replay, N - 1);
    assert_int_equal(oauth_grants_access_lookup(f->g, issued, &seen), OAUTH_GRANTS_NOT_FOUND);
}

/* Whether the file at path holds needle anywhere (a missing file holds nothing). */
static bool file_holds(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    size_t cap = 1 << 20, len = 0;
    char *data = malloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len, fp)) > 0) {
        len += n;
        if (len == cap) data = realloc(data, cap *= 2);
    }
    fclose(fp);
    bool found = memmem(data, len, needle, strlen(needle)) != NULL;
    free(data);
    return found;
}

/* Nothing on disk is a code or token (the database and its WAL are searched for their text), and
 * the file is its owner's only. */
static void test_hashes_only(void **state)
{
    struct fixture *f = *state;
    struct oauth_consent c;
    char code[OAUTH_TOKEN_LEN];
    new_code(f, CHALLENGE, &c, code);
    struct oauth_token_set t;
    redeem_ok(f, code, &t);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    const char *probes[] = {code, t.access_token, t.refresh_token};
    for (int i = 0; i < 3; i++) {
        assert_false(file_holds(f->path, probes[i]));
        assert_false(file_holds(wal, probes[i]));
    }
    /* The probe itself works: the consent id is stored as text. */
    assert_true(file_holds(f->path, c.id) || file_holds(wal, c.id));
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_code_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_without_pkce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_replay_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_rotation_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_ends_with_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_redeem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
