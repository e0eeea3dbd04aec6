/* Self sign-up through the PGO's API on a real HTTP server (src/pgo/register.c over
 * auth/accounts_signup.c): register -> the pending account cannot log in -> a wrong code or
 * password is refused -> the right code activates and logs in (cookie, CSRF token, the Patient);
 * a pending account not confirmed within the hour is removed and its name is free again; a second
 * register with the same password replaces the secret, with another is 409; taken names; the
 * password and username rules with their field; the address throttle; sign-up closed by config;
 * GET /api/me's session end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "pgo/api_internal.h"
#include "util/fhirtime.h"

static const char zal_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Zorgaanbiederslijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Zorgaanbieders></Zorgaanbieders></Zorgaanbiederslijst>\n";

static const char gnl_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Gegevensdienstnamenlijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Gegevensdiensten></Gegevensdiensten></Gegevensdienstnamenlijst>\n";

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (fx_open(f, zal_xml, gnl_xml, NULL) != 0) {
        fx_close(f);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fx_close(f);
    free(f);
    return 0;
}

static const char *error_of(const struct fx_resp *r)
{
    const char *e = jsonx_get_str(r->json, "error");
    return e ? e : "";
}

/* POST /api/register; on 201 u gets the username and the secret. Returns the status. */
static int do_register(struct fx *f, const char *user, const char *password, struct fx_user *u,
                       struct fx_resp *keep)
{
    char body[512];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    struct fx_resp r;
    fx_request(f, "POST", "/api/register", NULL, body, &r);
    int status = r.status;
    if (status == 201 && u) {
        memset(u, 0, sizeof *u);
        snprintf(u->username, sizeof u->username, "%s", user);
        const char *secret = jsonx_get_str(jsonx_get(r.json, "enrolment"), "secret");
        assert_non_null(secret);
        snprintf(u->secret, sizeof u->secret, "%s", secret);
    }
    if (keep)
        *keep = r;
    else
        fx_resp_free(&r);
    return status;
}

/* POST /api/register/confirm with the current code of u's secret (or code when given); on 200 u
 * gets the cookie and CSRF token. The clock moves on a step first, so a code is never a replay and
 * a backoff from an earlier failure has passed. */
static int do_confirm(struct fx *f, struct fx_user *u, const char *password, const char *code,
                      struct fx_resp *keep)
{
    f->now += TOTP_PERIOD;
    char current[8], body[512];
    fx_totp(f, u, current);
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\",\"code\":\"%s\"}",
             u->username, password, code ? code : current);
    struct fx_resp r;
    fx_request(f, "POST", "/api/register/confirm", NULL, body, &r);
    if (r.status == 200) {
        const char *set = fx_header(&r, "Set-Cookie");
        size_t n = set ? strcspn(set, ";") : 0;
        snprintf(u->cookie, sizeof u->cookie, "%.*s", (int)n, set ? set : "");
        const char *csrf = jsonx_get_str(r.json, "csrf");
        snprintf(u->csrf, sizeof u->csrf, "%s", csrf ? csrf : "");
    }
    int status = r.status;
    if (keep)
        *keep = r;
    else
        fx_resp_free(&r);
    return status;
}

static void register_confirm_login(void **state)
{
    struct fx *f = *state;
    struct fx_user carol;
    struct fx_resp r;
    assert_int_equal(do_register(f, "carol", FX_PASSWORD, &carol, &r), 201);
    assert_string_equal(jsonx_get_str(r.json, "username"), "carol");
    json_object *en = jsonx_get(r.json, "enrolment");
    assert_int_equal(strlen(jsonx_get_str(en, "secret")), 32);
    assert_non_null(strstr(jsonx_get_str(en, "uri"), "otpauth://totp/regie:carol?secret="));
    assert_non_null(strstr(jsonx_get_str(en, "uri"), jsonx_get_str(en, "secret")));
    assert_non_null(strstr(jsonx_get_str(en, "qr_svg"), "<svg"));
    assert_string_equal(fx_header(&r, "Cache-Control"), "no-store");
    fx_resp_free(&r);

    /* Pending: no login, even with the right password and code. */
    assert_int_equal(fx_login(f, &carol), 401);
    struct account acct;
    assert_int_equal(accounts_get(f->accounts, "carol", &acct), ACCOUNTS_OK);
    assert_true(acct.pending_until > 0);
    assert_int_equal(acct.role, ACCOUNT_PATIENT);

    /* A wrong code, a wrong password, an unknown name: refused alike. */
    assert_int_equal(do_confirm(f, &carol, FX_PASSWORD, "000000", &r), 401);
    assert_string_equal(error_of(&r), "login_failed");
    assert_null(fx_header(&r, "Set-Cookie"));
    fx_resp_free(&r);
    assert_int_equal(do_confirm(f, &carol, "not the password at all", NULL, NULL), 401);
    struct fx_user nobody = carol;
    snprintf(nobody.username, sizeof nobody.username, "nobody");
    assert_int_equal(do_confirm(f, &nobody, FX_PASSWORD, NULL, NULL), 401);
    assert_int_equal(accounts_get(f->accounts, "carol", &acct), ACCOUNTS_OK);
    assert_true(acct.pending_until > 0);

    /* The right code: active and logged in, as /api/login answers. */
    assert_int_equal(do_confirm(f, &carol, FX_PASSWORD, NULL, &r), 200);
    assert_string_equal(jsonx_get_str(r.json, "username"), "carol");
    assert_non_null(jsonx_get_str(r.json, "csrf"));
    assert_non_null(strstr(fx_header(&r, "Set-Cookie"), "__Host-regie_session="));
    assert_non_null(strstr(fx_header(&r, "Set-Cookie"), "SameSite=Strict"));
    char patient[64];
    snprintf(patient, sizeof patient, "%s", jsonx_get_str(r.json, "patient"));
    fx_resp_free(&r);
    assert_int_equal(accounts_get(f->accounts, "carol", &acct), ACCOUNTS_OK);
    assert_int_equal(acct.pending_until, 0);
    char want_patient[64];
    snprintf(want_patient, sizeof want_patient, "Patient/%s", acct.subject);
    assert_string_equal(patient, want_patient);
    json_object *p = pgo_vault_patient(f->api, acct.subject);
    assert_non_null(p); /* the record was made, as at a first login */
    json_object_put(p);

    fx_call(f, &carol, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "username"), "carol");
    fx_resp_free(&r);

    /* Confirming again is refused (the account is active), and the name stays taken. */
    assert_int_equal(do_confirm(f, &carol, FX_PASSWORD, NULL, NULL), 401);
    /* Each refusal is a failure of the address: the next try waits its backoff (1, 2, 4 s). */
    f->now += 61;
    assert_int_equal(do_register(f, "carol", FX_PASSWORD, NULL, &r), 409);
    assert_string_equal(error_of(&r), "exists");
    fx_resp_free(&r);
    assert_int_equal(do_register(f, "carol", FX_PASSWORD, NULL, &r), 429);
    assert_non_null(fx_header(&r, "Retry-After"));
    fx_resp_free(&r);
    f->now += 61;
    assert_int_equal(do_register(f, "CAROL", FX_PASSWORD, NULL, NULL), 409);
    f->now += 61;
    assert_int_equal(do_register(f, "alice", FX_PASSWORD, NULL, NULL), 409);
    /* A normal login works from now on. */
    f->now += 120;
    assert_int_equal(fx_login(f, &carol), 200);
}

static void pending_expires_after_an_hour(void **state)
{
    struct fx *f = *state;
    struct fx_user dave;
    assert_int_equal(do_register(f, "dave", FX_PASSWORD, &dave, NULL), 201);
    f->now += ACCOUNTS_PENDING_SECONDS - 2 * TOTP_PERIOD;
    struct account acct;
    assert_int_equal(accounts_get(f->accounts, "dave", &acct), ACCOUNTS_OK);
    f->now += 2 * TOTP_PERIOD; /* the hour is up (do_confirm adds a step) */
    assert_int_equal(do_confirm(f, &dave, FX_PASSWORD, NULL, NULL), 401);
    assert_int_equal(accounts_get(f->accounts, "dave", &acct), ACCOUNTS_NOT_FOUND);
    f->now += 2; /* past the backoff of that failure */
    /* The name is free again, for anyone. */
    assert_int_equal(do_register(f, "dave", "another good password", &dave, NULL), 201);
    assert_int_equal(do_confirm(f, &dave, "another good password", NULL, NULL), 200);

    /* The sweep on its own: a pending account past its hour goes, an active one stays. */
    struct fx_user erin;
    assert_int_equal(do_register(f, "erin", FX_PASSWORD, &erin, NULL), 201);
    f->now += ACCOUNTS_PENDING_SECONDS;
    size_t removed = 0;
    assert_int_equal(accounts_signup_sweep(f->accounts, &removed), ACCOUNTS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(accounts_get(f->accounts, "erin", &acct), ACCOUNTS_NOT_FOUND);
    assert_int_equal(accounts_get(f->accounts, "dave", &acct), ACCOUNTS_OK);

    /* Any login sweeps too, so an abandoned sign-up does not wait for the next one. */
    struct fx_user lena;
    assert_int_equal(do_register(f, "lena", FX_PASSWORD, &lena, NULL), 201);
    f->now += ACCOUNTS_PENDING_SECONDS;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(accounts_get(f->accounts, "lena", &acct), ACCOUNTS_NOT_FOUND);
}

static void second_register_replaces_the_secret(void **state)
{
    struct fx *f = *state;
    struct fx_user first, second;
    assert_int_equal(do_register(f, "frank", FX_PASSWORD, &first, NULL), 201);
    f->now += 1800;
    assert_int_equal(do_register(f, "frank", FX_PASSWORD, &second, NULL), 201);
    assert_string_not_equal(first.secret, second.secret);
    /* Another password: someone else's pending name. */
    assert_int_equal(do_register(f, "frank", "somebody else entirely", NULL, NULL), 409);
    /* The old secret no longer confirms; the new one does, and the hour restarted with it. */
    f->now += 1800;
    assert_int_equal(do_confirm(f, &first, FX_PASSWORD, NULL, NULL), 401);
    assert_int_equal(do_confirm(f, &second, FX_PASSWORD, NULL, NULL), 200);
}

static void rules_name_the_field(void **state)
{
    struct fx *f = *state;
    struct {
        const char *body, *field;
    } cases[] = {
        {"{\"username\":\"bad name!\",\"password\":\"" FX_PASSWORD "\"}", "username"},
        {"{\"username\":\"\",\"password\":\"" FX_PASSWORD "\"}", "username"},
        {"{\"password\":\"" FX_PASSWORD "\"}", "username"},
        {"{\"username\":7,\"password\":\"" FX_PASSWORD "\"}", "username"},
        {"{\"username\":\"gina\",\"password\":\"short\"}", "password"},
        {"{\"username\":\"gina\"}", "password"},
        {"{\"username\":\"gina\",\"password\":\"ten chars\\u0000 and a NUL\"}", "password"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx_resp r;
        fx_request(f, "POST", "/api/register", NULL, cases[i].body, &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(error_of(&r), "invalid_request");
        assert_string_equal(jsonx_get_str(r.json, "field"), cases[i].field);
        assert_non_null(jsonx_get_str(r.json, "message"));
        fx_resp_free(&r);
    }
    struct account acct;
    assert_int_equal(accounts_get(f->accounts, "gina", &acct), ACCOUNTS_NOT_FOUND);
    struct fx_resp r;
    fx_request(f, "POST", "/api/register/confirm", NULL, "{\"username\":\"gina\"}", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(jsonx_get_str(r.json, "field"), "password");
    fx_resp_free(&r);
}

/* Taken names and wrong confirmations count against the address like failed logins: the 20th
 * locks it (429 with Retry-After) for register, confirm and login alike. */
static void throttled_per_address(void **state)
{
    struct fx *f = *state;
    struct fx_user hank;
    assert_int_equal(do_register(f, "hank", FX_PASSWORD, &hank, NULL), 201);
    /* Each failure just past the backoff of the one before (at most 60 s): 19 are answered. */
    for (int i = 1; i < 20; i++) {
        f->now += 61;
        assert_int_equal(do_register(f, "alice", FX_PASSWORD, NULL, NULL), 409);
    }
    f->now += 61;
    struct fx_resp r;
    assert_int_equal(do_register(f, "alice", FX_PASSWORD, NULL, &r), 409); /* the 20th: locks */
    fx_resp_free(&r);
    f->now += 61;
    assert_int_equal(do_register(f, "alice", FX_PASSWORD, NULL, &r), 429);
    assert_string_equal(error_of(&r), "locked");
    const char *after = fx_header(&r, "Retry-After");
    assert_non_null(after);
    assert_true(strtol(after, NULL, 10) > 60 && strtol(after, NULL, 10) <= 15 * 60);
    fx_resp_free(&r);
    /* Locked: a good register, the right confirmation and a good login wait too. */
    assert_int_equal(do_register(f, "ivan", FX_PASSWORD, NULL, NULL), 429);
    f->now -= TOTP_PERIOD; /* do_confirm steps on; stay inside the lock */
    assert_int_equal(do_confirm(f, &hank, FX_PASSWORD, NULL, NULL), 429);
    f->now -= TOTP_PERIOD;
    assert_int_equal(fx_login(f, &f->alice), 429);
    /* After the lock: all fine again. */
    f->now += 16 * 60;
    assert_int_equal(do_confirm(f, &hank, FX_PASSWORD, NULL, NULL), 200);

    /* Wrong codes lock the pending account itself after 5. */
    struct fx_user jo;
    assert_int_equal(do_register(f, "jo", FX_PASSWORD, &jo, NULL), 201);
    int status = 0;
    for (int i = 0; i < 5; i++) {
        f->now += 60;
        status = do_confirm(f, &jo, FX_PASSWORD, "123456", NULL);
        assert_true(status == 401);
    }
    f->now += 60 - TOTP_PERIOD;
    assert_int_equal(do_confirm(f, &jo, FX_PASSWORD, NULL, NULL), 429);
}

static void signup_closed_by_config(void **state)
{
    struct fx *f = *state;
    struct pgo_api_config ac = f->api->cfg;
    ac.signup_closed = true;
    char err[256];
    struct pgo_api *closed = pgo_api_new(&ac, err, sizeof err);
    assert_non_null(closed);
    struct http_route routes[PGO_API_ROUTES];
    size_t n = pgo_api_routes(closed, routes, PGO_API_ROUTES);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    struct http_server *srv = http_server_start(&cfg, err, sizeof err);
    assert_non_null(srv);
    struct fx g = {.port = http_server_port(srv)};
    struct fx_resp r;
    fx_request(&g, "POST", "/api/register", NULL,
               "{\"username\":\"kim\",\"password\":\"" FX_PASSWORD "\"}", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(error_of(&r), "not_found");
    fx_resp_free(&r);
    fx_request(&g, "POST", "/api/register/confirm", NULL,
               "{\"username\":\"kim\",\"password\":\"" FX_PASSWORD "\",\"code\":\"123456\"}", &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    http_server_stop(srv);
    pgo_api_free(closed);
    struct account acct;
    assert_int_equal(accounts_get(f->accounts, "kim", &acct), ACCOUNTS_NOT_FOUND);
}

/* GET /api/me tells when the session ends unless used: the idle end (last use + session_idle),
 * and session_idle_seconds; an idle session past it is gone. */
static void me_tells_the_session_end(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    int64_t login_at = f->now;
    struct fx_resp r;
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 200);
    char want[FHIRTIME_INSTANT_LEN];
    fhirtime_format_us((login_at + 900) * 1000000, want);
    assert_string_equal(jsonx_get_str(r.json, "session_expires"), want);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "session_idle_seconds")), 900);
    fx_resp_free(&r);
    /* Used 10 minutes later: the idle end moves with it. */
    f->now += 600;
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    fhirtime_format_us((login_at + 600 + 900) * 1000000, want);
    assert_string_equal(jsonx_get_str(r.json, "session_expires"), want);
    fx_resp_free(&r);
    /* Within the touch period (60 s) the stored last use, and so the end, stays. */
    f->now += 30;
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_string_equal(jsonx_get_str(r.json, "session_expires"), want);
    fx_resp_free(&r);
    /* Past the end: no session. */
    f->now += 900 - 30;
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(register_confirm_login, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_expires_after_an_hour, setup, teardown),
        cmocka_unit_test_setup_teardown(second_register_replaces_the_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(rules_name_the_field, setup, teardown),
        cmocka_unit_test_setup_teardown(throttled_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(signup_closed_by_config, setup, teardown),
        cmocka_unit_test_setup_teardown(me_tells_the_session_end, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
