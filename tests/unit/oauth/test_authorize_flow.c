/* The front channel over real HTTP (a loopback server with oauth_front_routes, libcurl as the
 * browser): authorization request -> login at the stand-in for DigiD -> consent -> redirect with
 * a code that the grant store redeems with the PKCE verifier; deny -> access_denied; the CSRF
 * refusals (no cookie, another browser's token, the login token on the consent form); a wrong
 * password, the lockout wait; a patient without a record, a professional; a tampered pending
 * request; an untrusted client shown, not redirected; the security headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>

#include "authorize_fixture.h"

static struct fx fx;
static struct http_server *srv;
static struct http_route routes[8];
static uint16_t port;

static int setup(void **state)
{
    (void)state;
    fx_open(&fx, true);
    assert_int_equal(oauth_front_routes(fx.server, routes, 4), 0);
    size_t n = oauth_front_routes(fx.server, routes, 8);
    assert_int_equal(n, 5);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    char err[256];
    srv = http_server_start(&cfg, err, sizeof err);
    if (!srv) fprintf(stderr, "start: %s\n", err);
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

/* ---- a small browser ---- */

struct resp {
    long status;
    struct buf body;
    struct buf headers;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    buf_append(ctx, p, size * n);
    return size * n;
}

static void resp_free(struct resp *r)
{
    buf_free(&r->body);
    buf_free(&r->headers);
}

/* A header of the response (the last one of that name; case-insensitive), copied into out. */
static bool header(const struct resp *r, const char *name, char *out, size_t cap)
{
    bool found = false;
    const char *p = r->headers.data ? r->headers.data : "";
    size_t nl = strlen(name);
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        if (!eol) break;
        if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            snprintf(out, cap, "%.*s", (int)(eol - v), v);
            found = true;
        }
        p = eol + 2;
    }
    return found;
}

/* The value of cookie `name` set by the response ("" when it clears it), false when not set. */
static bool set_cookie(const struct resp *r, const char *name, char *out, size_t cap)
{
    const char *p = r->headers.data ? r->headers.data : "";
    char prefix[128];
    snprintf(prefix, sizeof prefix, "Set-Cookie: %s=", name);
    const char *hit = strcasestr(p, prefix);
    if (!hit) return false;
    const char *v = hit + strlen(prefix);
    size_t n = strcspn(v, ";\r");
    snprintf(out, cap, "%.*s", (int)n, v);
    const char *eol = strstr(hit, "\r\n");
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(eol - hit), hit);
    assert_non_null(strstr(line, "HttpOnly"));
    assert_non_null(strstr(line, "Secure"));
    assert_non_null(strstr(line, "SameSite=Strict"));
    assert_non_null(strstr(line, "Path=/"));
    return true;
}

/* A hidden field's value from the page. */
static bool field(const struct resp *r, const char *name, char *out, size_t cap)
{
    char needle[64];
    snprintf(needle, sizeof needle, "name=\"%s\" value=\"", name);
    const char *hit = r->body.data ? strstr(r->body.data, needle) : NULL;
    if (!hit) return false;
    hit += strlen(needle);
    const char *end = strchr(hit, '"');
    snprintf(out, cap, "%.*s", (int)(end - hit), hit);
    return true;
}

static struct resp request(const char *method, const char *path_query, const char *cookie,
                           const char *form)
{
    struct resp r = {0};
    buf_init(&r.body, 1 << 20);
    buf_init(&r.headers, 1 << 16);
    CURL *c = curl_easy_init();
    char url[4096];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path_query);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (cookie) curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    if (!strcmp(method, "POST")) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form ? form : "");
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    return r;
}

static char *enc(const char *s)
{
    static char out[8][4096];
    static int k;
    struct buf b;
    buf_init(&b, sizeof out[0] - 1);
    authz_pct_encode(&b, s);
    char *o = out[k++ % 8];
    snprintf(o, sizeof out[0], "%s", b.data ? b.data : "");
    buf_free(&b);
    return o;
}

#define AUTHZ_QUERY                                                                                \
    "/oauth/authorize?response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT        \
    "&scope=huisartsdelinde&state=st%20ate&code_challenge=" FX_CHALLENGE                           \
    "&code_challenge_method=S256&MedMij-Request-ID=req-1&X-Correlation-ID=corr-1"

/* The browser's state through one flow. */
struct browser {
    char login_cookie[64];
    char session_cookie[64];
    char req[AUTHZ_PENDING_MAX];
    char csrf[64];
};

static void start(struct browser *b)
{
    memset(b, 0, sizeof *b);
    struct resp r = request("GET", AUTHZ_QUERY, NULL, NULL);
    assert_int_equal(r.status, 200);
    char v[1024];
    assert_true(header(&r, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "text/html"));
    assert_true(header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'none'"));
    assert_non_null(strstr(v, "form-action 'self' https://pgo.regie.test;"));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_true(header(&r, "Cache-Control", v, sizeof v));
    assert_string_equal(v, "no-store");
    assert_true(header(&r, "X-Correlation-ID", v, sizeof v));
    assert_string_equal(v, "corr-1");
    assert_non_null(strstr(r.body.data, "niet DigiD zelf"));
    assert_non_null(strstr(r.body.data, "Mijn PGO &lt;B.V.&gt;"));
    assert_true(set_cookie(&r, SESSION_LOGIN_COOKIE_NAME, b->login_cookie, sizeof b->login_cookie));
    assert_true(field(&r, "req", b->req, sizeof b->req));
    assert_true(field(&r, "csrf", b->csrf, sizeof b->csrf));
    resp_free(&r);
}

static struct resp login(struct browser *b, const char *user, const char *password,
                         const char *totp)
{
    char cookie[128], form[AUTHZ_PENDING_MAX + 512];
    snprintf(cookie, sizeof cookie, SESSION_LOGIN_COOKIE_NAME "=%s", b->login_cookie);
    snprintf(form, sizeof form, "step=login&req=%s&csrf=%s&username=%s&password=%s&totp=%s", b->req,
             b->csrf, user, enc(password), totp);
    return request("POST", "/oauth/authorize", cookie, form);
}

/* Logs in as user and reads the consent page. */
static void login_ok(struct browser *b, const char *user, const char *secret)
{
    fx.now += 31; /* a fresh TOTP step: a code works once */
    char code[7];
    fx_totp(&fx, secret, code);
    struct resp r = login(b, user, FX_PASSWORD, code);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "Wilt u dat <strong>Mijn PGO &lt;B.V.&gt;</strong> uw "
                                        "gegevens <strong>Basisgegevens Zorg en Catalogusnaam "
                                        "49</strong> ophaalt bij <strong>Huisartsenpraktijk De "
                                        "Linde</strong>?"));
    assert_true(set_cookie(&r, SESSION_COOKIE_NAME, b->session_cookie, sizeof b->session_cookie));
    char cleared[64];
    assert_true(set_cookie(&r, SESSION_LOGIN_COOKIE_NAME, cleared, sizeof cleared));
    assert_string_equal(cleared, "");
    assert_true(field(&r, "req", b->req, sizeof b->req));
    assert_true(field(&r, "csrf", b->csrf, sizeof b->csrf));
    resp_free(&r);
}

static struct resp consent(struct browser *b, const char *decision, const char *csrf)
{
    char cookie[128], form[AUTHZ_PENDING_MAX + 256];
    snprintf(cookie, sizeof cookie, SESSION_COOKIE_NAME "=%s", b->session_cookie);
    snprintf(form, sizeof form, "step=consent&req=%s&csrf=%s&decision=%s", b->req,
             csrf ? csrf : b->csrf, decision);
    return request("POST", "/oauth/authorize", cookie, form);
}

static void test_allow_gives_a_code(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    login_ok(&b, "jan", fx.secret);
    struct resp r = consent(&b, "allow", NULL);
    assert_int_equal(r.status, 302);
    char loc[1024];
    assert_true(header(&r, "Location", loc, sizeof loc));
    const char *prefix = FX_REDIRECT "?code=";
    assert_memory_equal(loc, prefix, strlen(prefix));
    char code[OAUTH_TOKEN_LEN];
    const char *c = loc + strlen(prefix);
    size_t n = strcspn(c, "&");
    assert_int_equal(n, OAUTH_TOKEN_LEN - 1);
    memcpy(code, c, n);
    code[n] = '\0';
    assert_string_equal(c + n, "&state=st%20ate");
    char cleared[64];
    assert_true(set_cookie(&r, SESSION_COOKIE_NAME, cleared, sizeof cleared));
    assert_string_equal(cleared, "");
    resp_free(&r);

    /* The code is bound to the redirect_uri and the PKCE challenge, the consent to the patient. */
    struct oauth_token_set ts;
    assert_int_equal(oauth_grants_code_redeem(fx.server->grants, code, FX_CLIENT, FX_REDIRECT,
                                              "wrong-verifier-wrong-verifier-wrong-verifier", &ts),
                     OAUTH_GRANTS_MISMATCH);
    assert_int_equal(
        oauth_grants_code_redeem(fx.server->grants, code, FX_CLIENT, FX_REDIRECT, FX_VERIFIER, &ts),
        OAUTH_GRANTS_OK);
    assert_string_equal(ts.consent.patient_id, FX_PATIENT_ID);
    assert_string_equal(ts.consent.client_id, FX_CLIENT);
    assert_string_equal(ts.consent.scope, "huisartsdelinde");
    assert_int_equal(ts.consent.nservice_ids, 2);
    assert_string_equal(ts.consent.service_ids[0], "48");

    /* The pending request cannot be answered twice with the ended session. */
    r = consent(&b, "allow", NULL);
    assert_int_equal(r.status, 401);
    assert_false(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
}

static void test_deny(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    login_ok(&b, "jan", fx.secret);
    struct resp r = consent(&b, "deny", NULL);
    assert_int_equal(r.status, 302);
    char loc[1024];
    assert_true(header(&r, "Location", loc, sizeof loc));
    assert_string_equal(loc, FX_REDIRECT "?error=access_denied&state=st%20ate");
    resp_free(&r);
}

static void test_csrf_refused(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    fx.now += 31;
    char code[7];
    fx_totp(&fx, fx.secret, code);
    /* No cookie. */
    char form[AUTHZ_PENDING_MAX + 512];
    snprintf(form, sizeof form, "step=login&req=%s&csrf=%s&username=jan&password=%s&totp=%s", b.req,
             b.csrf, enc(FX_PASSWORD), code);
    struct resp r = request("POST", "/oauth/authorize", NULL, form);
    assert_int_equal(r.status, 403);
    assert_null(strstr(r.body.data, "Wilt u dat"));
    resp_free(&r);
    /* Another browser's form token. */
    struct browser other;
    start(&other);
    char saved[64];
    memcpy(saved, b.csrf, sizeof saved);
    memcpy(b.csrf, other.csrf, sizeof b.csrf);
    r = login(&b, "jan", FX_PASSWORD, code);
    assert_int_equal(r.status, 403);
    assert_null(strstr(r.body.data, "Wilt u dat"));
    resp_free(&r);
    memcpy(b.csrf, saved, sizeof saved);

    /* On the consent form: the login form's token, none, another session's. */
    login_ok(&b, "jan", fx.secret);
    r = consent(&b, "allow", saved);
    assert_int_equal(r.status, 403);
    char loc[1024];
    assert_false(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
    r = consent(&b, "allow", "");
    assert_int_equal(r.status, 403);
    resp_free(&r);
    login_ok(&other, "jan", fx.secret);
    r = consent(&b, "allow", other.csrf);
    assert_int_equal(r.status, 403);
    resp_free(&r);
    /* Without the session cookie: log in again. */
    char cookie_form[AUTHZ_PENDING_MAX + 256];
    snprintf(cookie_form, sizeof cookie_form, "step=consent&req=%s&csrf=%s&decision=allow", b.req,
             b.csrf);
    r = request("POST", "/oauth/authorize", NULL, cookie_form);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body.data, "name=\"password\""));
    resp_free(&r);
    /* The right token still works. */
    r = consent(&b, "allow", NULL);
    assert_int_equal(r.status, 302);
    resp_free(&r);
}

static void test_wrong_password_and_lockout(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    struct resp r = login(&b, "jan", "not the password", "000000");
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body.data, "Inloggen is mislukt"));
    assert_non_null(strstr(r.body.data, "value=\"jan\""));
    assert_null(strstr(r.body.data, "not the password"));
    resp_free(&r);
    /* The backoff after a failure: the next try at once waits. */
    r = login(&b, "jan", "not the password", "000000");
    assert_int_equal(r.status, 429);
    char v[64];
    assert_true(header(&r, "Retry-After", v, sizeof v));
    assert_non_null(strstr(r.body.data, "seconden"));
    resp_free(&r);
    /* Empty fields. */
    fx.now += 120;
    r = login(&b, "jan", "", "");
    assert_int_equal(r.status, 400);
    resp_free(&r);
    login_ok(&b, "jan", fx.secret);
}

static void test_no_record_and_not_a_patient(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    fx.now += 31;
    char code[7];
    fx_totp(&fx, fx.secret_norecord, code);
    struct resp r = login(&b, "piet", FX_PASSWORD, code);
    assert_int_equal(r.status, 404);
    char loc[1024];
    assert_false(header(&r, "Location", loc, sizeof loc));
    assert_non_null(strstr(r.body.data, "geen dossier"));
    assert_null(strstr(r.body.data, FX_BSN_NO_RECORD));
    assert_false(set_cookie(&r, SESSION_COOKIE_NAME, loc, sizeof loc));
    resp_free(&r);

    start(&b);
    fx_totp(&fx, fx.secret_prof, code);
    r = login(&b, "dokter", FX_PASSWORD, code);
    assert_int_equal(r.status, 403);
    assert_false(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
}

static void test_tampered_or_missing_pending(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    size_t n = strlen(b.req);
    b.req[n / 2] = b.req[n / 2] == 'A' ? 'B' : 'A';
    fx.now += 31;
    char code[7];
    fx_totp(&fx, fx.secret, code);
    struct resp r = login(&b, "jan", FX_PASSWORD, code);
    assert_int_equal(r.status, 400);
    char loc[1024];
    assert_false(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
    /* Expired: the pending request lives AUTHZ_PENDING_TTL. */
    start(&b);
    fx.now += AUTHZ_PENDING_TTL + 1;
    fx_totp(&fx, fx.secret, code);
    r = login(&b, "jan", FX_PASSWORD, code);
    assert_int_equal(r.status, 400);
    resp_free(&r);
    r = request("POST", "/oauth/authorize", NULL, "step=login");
    assert_int_equal(r.status, 400);
    resp_free(&r);
    r = request("POST", "/oauth/authorize", NULL, "step=other&req=x");
    assert_int_equal(r.status, 400);
    resp_free(&r);
}

static void test_untrusted_shown_others_redirected(void **state)
{
    (void)state;
    struct resp r = request("GET",
                            "/oauth/authorize?response_type=code&client_id=evil.test"
                            "&redirect_uri=https://evil.test/cb&state=s",
                            NULL, NULL);
    assert_int_equal(r.status, 400);
    char v[1024];
    assert_false(header(&r, "Location", v, sizeof v));
    assert_true(header(&r, "Content-Security-Policy", v, sizeof v));
    assert_null(strstr(v, "evil.test"));
    assert_non_null(strstr(r.body.data, "Onbekende app"));
    resp_free(&r);
    r = request("GET",
                "/oauth/authorize?response_type=code&client_id=" FX_CLIENT
                "&redirect_uri=https://evil.test/cb&state=s",
                NULL, NULL);
    assert_int_equal(r.status, 400);
    assert_false(header(&r, "Location", v, sizeof v));
    resp_free(&r);
    r = request("GET",
                "/oauth/authorize?response_type=code&client_id=" FX_CLIENT
                "&redirect_uri=" FX_REDIRECT "&state=s%26x&scope=huisartsdelinde",
                NULL, NULL);
    assert_int_equal(r.status, 302);
    assert_true(header(&r, "Location", v, sizeof v));
    assert_string_equal(v, FX_REDIRECT "?error=invalid_request&state=s%26x");
    resp_free(&r);
    /* The request as a form post (RFC 6749 §3.1) is the same request. */
    r = request("POST", "/oauth/authorize", NULL,
                "response_type=code&client_id=" FX_CLIENT "&redirect_uri=" FX_REDIRECT
                "&scope=nope&state=s&code_challenge=" FX_CHALLENGE "&code_challenge_method=S256");
    assert_int_equal(r.status, 302);
    assert_true(header(&r, "Location", v, sizeof v));
    assert_string_equal(v, FX_REDIRECT "?error=invalid_scope&state=s");
    resp_free(&r);
}

static void test_live_session_goes_to_consent(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    login_ok(&b, "jan", fx.secret);
    /* The same browser starts another authorization (a same-site navigation sends the cookie). */
    char cookie[128];
    snprintf(cookie, sizeof cookie, SESSION_COOKIE_NAME "=%s", b.session_cookie);
    struct resp r = request("GET", AUTHZ_QUERY, cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "Wilt u dat"));
    assert_null(strstr(r.body.data, "name=\"password\""));
    assert_true(field(&r, "req", b.req, sizeof b.req));
    assert_true(field(&r, "csrf", b.csrf, sizeof b.csrf));
    resp_free(&r);
    r = consent(&b, "allow", NULL);
    assert_int_equal(r.status, 302);
    resp_free(&r);
}

/* Runs a whole flow with stderr caught: the log names the client and the request ids, never the
 * BSN, the password, the TOTP code, the session id or the authorization code. */
static void test_nothing_secret_logged(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/stderr.log", fx.dir);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    dup2(fileno(f), STDERR_FILENO);

    struct browser b;
    start(&b);
    struct resp r = login(&b, "jan", "wrong password here", "123456");
    resp_free(&r);
    fx.now += 120;
    fx.now += 31;
    char totp[7];
    fx_totp(&fx, fx.secret, totp);
    r = login(&b, "jan", FX_PASSWORD, totp);
    assert_int_equal(r.status, 200);
    assert_true(set_cookie(&r, SESSION_COOKIE_NAME, b.session_cookie, sizeof b.session_cookie));
    assert_true(field(&r, "req", b.req, sizeof b.req));
    assert_true(field(&r, "csrf", b.csrf, sizeof b.csrf));
    resp_free(&r);
    char session[64];
    memcpy(session, b.session_cookie, sizeof session);
    assert_int_equal(strlen(session), SESSION_TOKEN_LEN - 1);
    r = consent(&b, "allow", NULL);
    char loc[1024];
    assert_true(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
    fx.now += 31;
    fx_totp(&fx, fx.secret_norecord, totp);
    start(&b);
    r = login(&b, "piet", FX_PASSWORD, totp);
    assert_int_equal(r.status, 404);
    resp_free(&r);

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)len + 1);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    const char *code = strstr(loc, "code=") + 5;
    char code_only[OAUTH_TOKEN_LEN];
    snprintf(code_only, sizeof code_only, "%.*s", (int)strcspn(code, "&"), code);
    assert_int_equal(strlen(code_only), OAUTH_TOKEN_LEN - 1);
    assert_non_null(strstr(text, "authorize: request of client " FX_CLIENT));
    assert_non_null(strstr(text, "corr-1"));
    assert_null(strstr(text, FX_BSN));
    assert_null(strstr(text, FX_BSN_NO_RECORD));
    assert_null(strstr(text, FX_PASSWORD));
    assert_null(strstr(text, "wrong password here"));
    assert_null(strstr(text, totp));
    assert_null(strstr(text, session));
    assert_null(strstr(text, code_only));
    free(text);
}

static void whitelist(unsigned volgnummer, bool with_client)
{
    static const char *const nodes[] = {"gp.regie.test", FX_CLIENT};
    struct medmij_list wl = {.kind = MEDMIJ_WHITELIST,
                             .volgnummer = volgnummer,
                             .tijdstempel = "2026-11-30T13:00:00Z",
                             .nodes = nodes,
                             .n_nodes = with_client ? 2 : 1};
    fx_offer(&fx, MEDMIJ_WHITELIST, &wl);
}

/* The lists are checked again at every post: a client taken off the Whitelist between the
 * authorization request and the login gets no code, and is not redirected to. */
static void test_lists_changed_meanwhile(void **state)
{
    (void)state;
    struct browser b;
    start(&b);
    whitelist(2, false);
    fx.now += 31;
    char code[7];
    fx_totp(&fx, fx.secret, code);
    struct resp r = login(&b, "jan", FX_PASSWORD, code);
    assert_int_equal(r.status, 400);
    char loc[1024];
    assert_false(header(&r, "Location", loc, sizeof loc));
    assert_non_null(strstr(r.body.data, "Onbekende app"));
    resp_free(&r);
    /* Back on the list: the same pending request works again. */
    whitelist(3, true);
    login_ok(&b, "jan", fx.secret);
    whitelist(4, false);
    r = consent(&b, "allow", NULL);
    assert_int_equal(r.status, 400);
    assert_false(header(&r, "Location", loc, sizeof loc));
    resp_free(&r);
    whitelist(5, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allow_gives_a_code),
        cmocka_unit_test(test_deny),
        cmocka_unit_test(test_csrf_refused),
        cmocka_unit_test(test_wrong_password_and_lockout),
        cmocka_unit_test(test_no_record_and_not_a_patient),
        cmocka_unit_test(test_tampered_or_missing_pending),
        cmocka_unit_test(test_untrusted_shown_others_redirected),
        cmocka_unit_test(test_live_session_goes_to_consent),
        cmocka_unit_test(test_nothing_secret_logged),
        cmocka_unit_test(test_lists_changed_meanwhile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
