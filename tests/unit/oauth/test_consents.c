/* "Mijn toestemmingen" over real HTTP: the login page (no app asking), the list of the patient's
 * consents with the app's organisation and the service names, withdrawing one (its tokens stop
 * working at once), a wrong CSRF token, another patient's consent, logout, and a professional. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <strings.h>

#include "authorize_fixture.h"

static struct fx fx;
static struct http_server *srv;
static struct http_route routes[8];
static uint16_t port;

static int setup(void **state)
{
    (void)state;
    fx_open(&fx, true);
    size_t n = oauth_front_routes(fx.server, routes, 8);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    char err[256];
    srv = http_server_start(&cfg, err, sizeof err);
    assert_non_null(srv);
    port = http_server_port(srv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_server_stop(srv);
    fx_close(&fx);
    curl_global_cleanup();
    return 0;
}

struct resp {
    long status;
    struct buf body, headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    buf_append(ctx, p, size * n);
    return size * n;
}

static struct resp request(const char *method, const char *cookie, const char *form)
{
    struct resp r = {0};
    buf_init(&r.body, 1 << 20);
    buf_init(&r.headers, 1 << 16);
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/oauth/consents", port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    if (cookie) curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    if (!strcmp(method, "POST")) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    return r;
}

static void resp_free(struct resp *r)
{
    buf_free(&r->body);
    buf_free(&r->headers);
}

static bool cookie_set(const struct resp *r, const char *name, char *out, size_t cap)
{
    char prefix[96];
    snprintf(prefix, sizeof prefix, "Set-Cookie: %s=", name);
    const char *hit = r->headers.data ? strcasestr(r->headers.data, prefix) : NULL;
    if (!hit) return false;
    hit += strlen(prefix);
    snprintf(out, cap, "%.*s", (int)strcspn(hit, ";\r"), hit);
    return true;
}

static bool field(const struct resp *r, const char *name, char *out, size_t cap)
{
    char needle[64];
    snprintf(needle, sizeof needle, "name=\"%s\" value=\"", name);
    const char *hit = r->body.data ? strstr(r->body.data, needle) : NULL;
    if (!hit) return false;
    hit += strlen(needle);
    snprintf(out, cap, "%.*s", (int)strcspn(hit, "\""), hit);
    return true;
}

/* A consent of the account (and a live access token of it). */
static void give_consent(const char *username, const char *client, struct oauth_consent *out,
                         char access[OAUTH_TOKEN_LEN])
{
    struct account a;
    assert_int_equal(accounts_get(fx.accounts, username, &a), ACCOUNTS_OK);
    struct oauth_consent in = {.nservice_ids = 2};
    snprintf(in.subject, sizeof in.subject, "%s", a.subject);
    snprintf(in.patient_id, sizeof in.patient_id, FX_PATIENT_ID);
    snprintf(in.client_id, sizeof in.client_id, "%s", client);
    snprintf(in.scope, sizeof in.scope, "huisartsdelinde");
    snprintf(in.service_ids[0], OAUTH_SERVICE_ID_MAX, "48");
    snprintf(in.service_ids[1], OAUTH_SERVICE_ID_MAX, "49");
    assert_int_equal(oauth_grants_consent_create(fx.server->grants, &in, 86400 * 30, out),
                     OAUTH_GRANTS_OK);
    char code[OAUTH_TOKEN_LEN];
    assert_int_equal(
        oauth_grants_code_issue(fx.server->grants, out->id, FX_REDIRECT, FX_CHALLENGE, code),
        OAUTH_GRANTS_OK);
    struct oauth_token_set ts;
    assert_int_equal(
        oauth_grants_code_redeem(fx.server->grants, code, client, FX_REDIRECT, FX_VERIFIER, &ts),
        OAUTH_GRANTS_OK);
    memcpy(access, ts.access_token, OAUTH_TOKEN_LEN);
}

struct session {
    char cookie[128];
    char csrf[64];
};

static struct resp login(const char *user, const char *secret, struct session *s)
{
    struct resp r = request("GET", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "niet DigiD zelf"));
    assert_non_null(strstr(r.body.data, "welke apps"));
    char pre[64], csrf[64];
    assert_false(field(&r, "req", pre, sizeof pre));
    assert_true(cookie_set(&r, SESSION_LOGIN_COOKIE_NAME, pre, sizeof pre));
    assert_true(field(&r, "csrf", csrf, sizeof csrf));
    resp_free(&r);
    fx.now += 31;
    char code[7], cookie[128], form[512];
    fx_totp(&fx, secret, code);
    snprintf(cookie, sizeof cookie, SESSION_LOGIN_COOKIE_NAME "=%s", pre);
    snprintf(form, sizeof form,
             "step=login&csrf=%s&username=%s&password=correct+horse+battery&totp=%s", csrf, user,
             code);
    r = request("POST", cookie, form);
    char session[64];
    if (r.status == 200) {
        assert_true(cookie_set(&r, SESSION_COOKIE_NAME, session, sizeof session));
        snprintf(s->cookie, sizeof s->cookie, SESSION_COOKIE_NAME "=%s", session);
        assert_true(field(&r, "csrf", s->csrf, sizeof s->csrf));
    }
    return r;
}

static void test_list_and_withdraw(void **state)
{
    (void)state;
    struct oauth_consent mine, other;
    char access[OAUTH_TOKEN_LEN], other_access[OAUTH_TOKEN_LEN];
    give_consent("jan", FX_CLIENT, &mine, access);
    give_consent("piet", FX_CLIENT, &other, other_access);

    struct session s;
    struct resp r = login("jan", fx.secret, &s);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "<h1>Mijn toestemmingen bij Huisartsenpraktijk De Linde"));
    assert_non_null(strstr(r.body.data, "<td>Mijn PGO &lt;B.V.&gt;</td>"));
    assert_non_null(strstr(r.body.data, "<td>Basisgegevens Zorg, Catalogusnaam 49</td>"));
    assert_non_null(strstr(r.body.data, "<td>Actief</td>"));
    char v[64];
    assert_true(field(&r, "consent", v, sizeof v));
    assert_string_equal(v, mine.id);
    assert_null(strstr(r.body.data, other.id)); /* only the patient's own */
    resp_free(&r);

    /* A wrong CSRF token withdraws nothing. */
    char form[256], wrong[64];
    memcpy(wrong, s.csrf, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    snprintf(form, sizeof form, "step=revoke&csrf=%s&consent=%s", wrong, mine.id);
    r = request("POST", s.cookie, form);
    assert_int_equal(r.status, 403);
    resp_free(&r);
    struct oauth_consent c;
    assert_int_equal(oauth_grants_access_lookup(fx.server->grants, access, &c), OAUTH_GRANTS_OK);
    /* Nor without the session. */
    snprintf(form, sizeof form, "step=revoke&csrf=%s&consent=%s", s.csrf, mine.id);
    r = request("POST", NULL, form);
    assert_int_equal(r.status, 401);
    resp_free(&r);
    /* Another patient's consent: not found, untouched. */
    snprintf(form, sizeof form, "step=revoke&csrf=%s&consent=%s", s.csrf, other.id);
    r = request("POST", s.cookie, form);
    assert_int_equal(r.status, 404);
    resp_free(&r);
    assert_int_equal(oauth_grants_access_lookup(fx.server->grants, other_access, &c),
                     OAUTH_GRANTS_OK);

    /* Withdrawn: the token stops at once, the row says so, no button is left. */
    snprintf(form, sizeof form, "step=revoke&csrf=%s&consent=%s", s.csrf, mine.id);
    r = request("POST", s.cookie, form);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "De toestemming is ingetrokken."));
    assert_non_null(strstr(r.body.data, "<td>Ingetrokken</td>"));
    assert_false(field(&r, "consent", v, sizeof v));
    resp_free(&r);
    assert_int_equal(oauth_grants_access_lookup(fx.server->grants, access, &c),
                     OAUTH_GRANTS_NOT_FOUND);
    r = request("POST", s.cookie, form);
    assert_int_equal(r.status, 404);
    resp_free(&r);

    /* Logout ends the session: the next visit is the login page. */
    snprintf(form, sizeof form, "step=logout&csrf=%s", s.csrf);
    r = request("POST", s.cookie, form);
    assert_int_equal(r.status, 200);
    assert_true(cookie_set(&r, SESSION_COOKIE_NAME, v, sizeof v));
    assert_string_equal(v, "");
    resp_free(&r);
    r = request("GET", s.cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "name=\"password\""));
    resp_free(&r);
}

static void test_professional_refused(void **state)
{
    (void)state;
    struct session s;
    struct resp r = login("dokter", fx.secret_prof, &s);
    assert_int_equal(r.status, 403);
    assert_false(cookie_set(&r, SESSION_COOKIE_NAME, s.csrf, sizeof s.csrf));
    resp_free(&r);
}

static void test_login_csrf(void **state)
{
    (void)state;
    struct resp r = request("POST", NULL, "step=login&csrf=abc&username=jan&password=x&totp=1");
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body.data, "name=\"password\""));
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_and_withdraw),
        cmocka_unit_test(test_professional_refused),
        cmocka_unit_test(test_login_csrf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
