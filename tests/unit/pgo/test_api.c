/* The PGO's JSON API on a real HTTP server (no DVA behind it): login (wrong code, cookie and CSRF
 * token, the patient record made), the session required everywhere, CSRF refused on every
 * state-changing call, provider search with GNL names, a connect that answers an authorization URL
 * with state, PKCE, client_id, redirect_uri and scope, the callback's refusals (unknown, used,
 * another account's state, the provider's error, an unreachable token endpoint), collect and share
 * without a consent, disconnect, shares, logout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

/* Token endpoints on port 1 of loopback: nobody listens, so a token request fails at once. */
static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct pgo_call_opts call = {.timeout_s = 5, .connect_timeout_s = 2};
    if (fx_open(f, fx_zal_xml, fx_gnl_xml, &call) != 0) {
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

/* Whether a resource carries the vault-owner tag of subject. */
static bool pgo_vault_owned_for_test(json_object *res, const char *subject)
{
    json_object *tags = jsonx_get(jsonx_get(res, "meta"), "tag");
    for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
        json_object *t = json_object_array_get_idx(tags, i);
        if (!strcmp(jsonx_get_str(t, "system"), PGO_VAULT_TAG_SYSTEM) &&
            !strcmp(jsonx_get_str(t, "code"), subject))
            return true;
    }
    return false;
}

static const char *error_of(const struct fx_resp *r)
{
    return jsonx_get_str(r->json, "error");
}

/* The value of a query parameter in a URL (raw, still percent-encoded), in a static buffer. */
static const char *url_param(const char *url, const char *name)
{
    static char v[512];
    char key[64];
    snprintf(key, sizeof key, "%s=", name);
    const char *q = strchr(url, '?');
    while (q) {
        q++;
        if (!strncmp(q, key, strlen(key))) {
            q += strlen(key);
            size_t n = strcspn(q, "&#");
            snprintf(v, sizeof v, "%.*s", (int)n, q);
            return v;
        }
        q = strchr(q, '&');
    }
    return NULL;
}

/* Starts a connection for u; returns its id and the state of its authorization URL. */
static int64_t connect_to(struct fx *f, struct fx_user *u, const char *service, char *state,
                          size_t cap)
{
    char body[128];
    snprintf(body, sizeof body, "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"%s\"}",
             service);
    struct fx_resp r;
    fx_call(f, u, true, "POST", "/api/connections", body, &r);
    assert_int_equal(r.status, 201);
    const char *url = jsonx_get_str(r.json, "authorize_url");
    assert_non_null(url);
    const char *s = url_param(url, "state");
    assert_non_null(s);
    snprintf(state, cap, "%s", s);
    int64_t id = json_object_get_int64(jsonx_get(r.json, "id"));
    fx_resp_free(&r);
    return id;
}

static void login_sets_a_session_and_makes_the_record(void **state)
{
    struct fx *f = *state;
    struct fx_resp r;
    /* A wrong code: refused, no cookie. */
    f->now += TOTP_PERIOD;
    fx_request(f, "POST", "/api/login", NULL,
               "{\"username\":\"alice\",\"password\":\"" FX_PASSWORD "\",\"totp\":\"000000\"}", &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(error_of(&r), "login_failed");
    assert_null(fx_header(&r, "Set-Cookie"));
    fx_resp_free(&r);
    /* Missing fields, and a body that is not JSON. */
    fx_request(f, "POST", "/api/login", NULL, "{\"username\":\"alice\"}", &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    fx_request(f, "POST", "/api/login", "Content-Type: text/plain\r\n", NULL, &r);
    assert_true(r.status >= 400);
    fx_resp_free(&r);

    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_non_null(strstr(f->alice.cookie, "__Host-regie_session="));
    assert_int_equal(strlen(f->alice.csrf), CSRF_TOKEN_LEN - 1);

    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "username"), "alice");
    assert_string_equal(jsonx_get_str(r.json, "subject"), f->alice.subject);
    assert_string_equal(jsonx_get_str(r.json, "csrf"), f->alice.csrf);
    assert_string_equal(fx_header(&r, "Content-Type"), "application/json");
    assert_string_equal(fx_header(&r, "Cache-Control"), "no-store");
    fx_resp_free(&r);

    /* The account's Patient is in the vault, tagged as its own, naming nobody. */
    struct store_row row = {0};
    assert_int_equal(f->store->ops->read(f->store, "Patient", f->alice.subject, &row), STORE_OK);
    assert_non_null(strstr(row.json, PGO_VAULT_TAG_SYSTEM));
    assert_null(strstr(row.json, "alice"));
    store_row_clear(&row);
    /* A second login keeps it (no new version). */
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(f->store->ops->read(f->store, "Patient", f->alice.subject, &row), STORE_OK);
    assert_int_equal(row.version, 1);
    store_row_clear(&row);
}

static void session_is_required(void **state)
{
    struct fx *f = *state;
    static const char *const targets[][2] = {
        {"GET", "/api/me"},
        {"GET", "/api/providers?q=linde"},
        {"GET", "/api/connections"},
        {"GET", "/api/shares"},
        {"POST", "/api/logout"},
        {"POST", "/api/connections/1/collect"},
        {"DELETE", "/api/connections/1"},
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        struct fx_resp r;
        fx_request(f, targets[i][0], targets[i][1], NULL, NULL, &r);
        assert_int_equal(r.status, 401);
        assert_string_equal(error_of(&r), "unauthenticated");
        fx_resp_free(&r);
    }
    /* A made-up session cookie is no session. */
    struct fx_user fake = f->alice;
    snprintf(fake.cookie, sizeof fake.cookie,
             "__Host-regie_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    struct fx_resp r;
    fx_call(f, &fake, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    fx_call(f, &fake, true, "POST", "/api/connections",
            "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"48\"}", &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
}

static void csrf_is_required_on_changes(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    const char *body = "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"48\"}";
    struct fx_resp r;
    fx_call(f, &f->alice, false, "POST", "/api/connections", body, &r);
    assert_int_equal(r.status, 403);
    assert_string_equal(error_of(&r), "csrf");
    fx_resp_free(&r);
    /* Bob's token is not Alice's. */
    struct fx_user mixed = f->alice;
    memcpy(mixed.csrf, f->bob.csrf, sizeof mixed.csrf);
    fx_call(f, &mixed, true, "POST", "/api/connections", body, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    static const char *const changes[][2] = {
        {"POST", "/api/logout"},
        {"POST", "/api/connections/1/collect"},
        {"DELETE", "/api/connections/1"},
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        fx_call(f, &f->alice, false, changes[i][0], changes[i][1], NULL, &r);
        assert_int_equal(r.status, 403);
        fx_resp_free(&r);
    }
    fx_call(f, &f->alice, false, "POST", "/api/share",
            "{\"connection\":1,\"observations\":[\"x\"]}", &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    /* Nothing was made by the refused calls. */
    fx_call(f, &f->alice, false, "GET", "/api/connections", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "connections")), 0);
    fx_resp_free(&r);
}

static void providers_are_searched_with_service_names(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, false, "GET", "/api/providers?q=huisarts+de+lidne", NULL, &r);
    assert_int_equal(r.status, 200);
    json_object *list = jsonx_get(r.json, "providers");
    assert_int_equal(json_object_array_length(list), 1);
    json_object *p = json_object_array_get_idx(list, 0);
    assert_string_equal(jsonx_get_str(p, "name"), "huisartsdelinde@medmij");
    assert_string_equal(jsonx_get_str(p, "match"), "fuzzy");
    json_object *services = jsonx_get(p, "services");
    assert_int_equal(json_object_array_length(services), 2);
    json_object *s48 = json_object_array_get_idx(services, 0);
    assert_string_equal(jsonx_get_str(s48, "id"), "48");
    assert_string_equal(jsonx_get_str(s48, "name"), "Basisgegevens Zorg"); /* the GNL wins */
    assert_string_equal(jsonx_get_str(s48, "kind"), "collect");
    json_object *s53 = json_object_array_get_idx(services, 1);
    assert_string_equal(jsonx_get_str(s53, "name"), "Zelfmetingen delen"); /* the catalogue's */
    assert_string_equal(jsonx_get_str(s53, "kind"), "share");
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/providers?q=tandarts", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "providers")), 0);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/providers", NULL, &r);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "providers")), 2);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/providers?service=4&limit=1", NULL, &r);
    list = jsonx_get(r.json, "providers");
    assert_int_equal(json_object_array_length(list), 1);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(list, 0), "name"),
                        "ziekenhuisoost@medmij");
    fx_resp_free(&r);
}

static void connect_answers_an_authorization_url(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/connections",
            "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"48\"}", &r);
    assert_int_equal(r.status, 201);
    const char *url = jsonx_get_str(r.json, "authorize_url");
    assert_non_null(url);
    assert_true(!strncmp(url, "https://dva.delinde.test/oauth/authorize?", 41));
    assert_string_equal(url_param(url, "response_type"), "code");
    assert_string_equal(url_param(url, "client_id"), FX_CLIENT);
    assert_string_equal(url_param(url, "redirect_uri"),
                        "https%3A%2F%2Fpgo.regie.test%2Fconnect%2Fcallback");
    assert_string_equal(url_param(url, "scope"), "huisartsdelinde");
    assert_int_equal(strlen(url_param(url, "state")), 43);
    assert_int_equal(strlen(url_param(url, "code_challenge")), 43);
    assert_string_equal(url_param(url, "code_challenge_method"), "S256");
    assert_int_equal(strlen(url_param(url, "X-Correlation-ID")), 36);
    assert_non_null(url_param(url, "MedMij-Request-ID"));
    /* The verifier itself never leaves. */
    assert_null(url_param(url, "code_verifier"));
    char first_state[64];
    snprintf(first_state, sizeof first_state, "%s", url_param(url, "state"));
    int64_t id = json_object_get_int64(jsonx_get(r.json, "id"));
    fx_resp_free(&r);

    /* A share service asks for name~id. */
    fx_call(f, &f->alice, true, "POST", "/api/connections",
            "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"53\"}", &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(url_param(jsonx_get_str(r.json, "authorize_url"), "scope"),
                        "huisartsdelinde~53");
    fx_resp_free(&r);
    /* Connecting again gives the same connection a fresh state. */
    fx_call(f, &f->alice, true, "POST", "/api/connections",
            "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"48\"}", &r);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "id")), id);
    assert_string_not_equal(url_param(jsonx_get_str(r.json, "authorize_url"), "state"),
                            first_state);
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/connections", NULL, &r);
    json_object *list = jsonx_get(r.json, "connections");
    assert_int_equal(json_object_array_length(list), 2);
    json_object *c = json_object_array_get_idx(list, 0);
    assert_string_equal(jsonx_get_str(c, "state"), "pending");
    assert_string_equal(jsonx_get_str(c, "service_name"), "Basisgegevens Zorg");
    assert_null(jsonx_get(c, "last_collected"));
    fx_resp_free(&r);
    /* Bob sees none of it. */
    assert_int_equal(fx_login(f, &f->bob), 200);
    fx_call(f, &f->bob, false, "GET", "/api/connections", NULL, &r);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "connections")), 0);
    fx_resp_free(&r);

    /* Refused: a provider not in the ZAL, a service the provider does not offer, a service the
     * PGO does not know, a missing field. */
    static const char *const bad[] = {
        "{\"provider\":\"tandartsnoord@medmij\",\"service\":\"48\"}",
        "{\"provider\":\"ziekenhuisoost@medmij\",\"service\":\"48\"}",
        "{\"provider\":\"ziekenhuisoost@medmij\",\"service\":\"4\"}",
        "{\"provider\":\"huisartsdelinde@medmij\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_call(f, &f->alice, true, "POST", "/api/connections", bad[i], &r);
        assert_true(r.status == 404 || r.status == 400);
        fx_resp_free(&r);
    }
}

static void callback_checks_the_state(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    char st[64], target[256];
    int64_t id = connect_to(f, &f->alice, "48", st, sizeof st);
    struct fx_resp r;

    /* Without parameters: a page, not a crash. */
    fx_call(f, &f->alice, false, "GET", "/connect/callback", NULL, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    /* An unknown state. */
    fx_call(f, &f->alice, false, "GET", "/connect/callback?code=abc&state=nope", NULL, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "unknown or was used"));
    fx_resp_free(&r);
    /* Without the (SameSite=Strict) cookie: a same-site bounce to the same URL. */
    snprintf(target, sizeof target, "/connect/callback?code=abc&state=%s", st);
    fx_request(f, "GET", target, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "http-equiv=\"refresh\""));
    assert_non_null(strstr(r.body, "bounce=1"));
    fx_resp_free(&r);
    /* Bounced and still without a session: refused, state kept for a retry. */
    snprintf(target, sizeof target, "/connect/callback?code=abc&state=%s&bounce=1", st);
    fx_request(f, "GET", target, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    /* Bob presenting Alice's state: refused, and it is used up. */
    snprintf(target, sizeof target, "/connect/callback?code=abc&state=%s", st);
    fx_call(f, &f->bob, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);

    /* The provider's refusal goes back to the app, and the state is spent. */
    connect_to(f, &f->alice, "48", st, sizeof st);
    snprintf(target, sizeof target,
             "/connect/callback?error=access_denied&error_description=nee&state=%s", st);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 303);
    char want[128];
    snprintf(want, sizeof want,
             "/app/#/providers?connection=%lld&status=error&reason=access_denied", (long long)id);
    assert_string_equal(fx_header(&r, "Location"), want);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);

    /* A code with a good state, but the token endpoint does not answer: an error, no tokens. */
    connect_to(f, &f->alice, "48", st, sizeof st);
    snprintf(target, sizeof target, "/connect/callback?code=abc&state=%s", st);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(fx_header(&r, "Location"), "status=error&reason=token_failed"));
    fx_resp_free(&r);
    struct pgo_tokens t;
    assert_int_equal(pgo_tokens_get(f->conns, id, &t), PGO_CONN_NOT_FOUND);
    fx_call(f, &f->alice, false, "GET", "/api/connections", NULL, &r);
    assert_string_equal(
        jsonx_get_str(json_object_array_get_idx(jsonx_get(r.json, "connections"), 0), "state"),
        "pending");
    fx_resp_free(&r);
}

static void collect_share_and_disconnect_need_a_consent(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    char st[64], target[128], body[256];
    int64_t id = connect_to(f, &f->alice, "48", st, sizeof st);
    struct fx_resp r;
    snprintf(target, sizeof target, "/api/connections/%lld/collect", (long long)id);
    fx_call(f, &f->alice, true, "POST", target, NULL, &r);
    assert_int_equal(r.status, 409);
    assert_string_equal(error_of(&r), "not_connected");
    fx_resp_free(&r);
    /* Bob cannot collect, delete or share through it: it does not exist for him. */
    fx_call(f, &f->bob, true, "POST", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    snprintf(target, sizeof target, "/api/connections/%lld", (long long)id);
    fx_call(f, &f->bob, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"connection\":%lld,\"from\":\"2026-01-01\",\"to\":\"2026-12-31\"}", (long long)id);
    fx_call(f, &f->bob, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    /* Alice has no measurements yet; an id that is not hers is not found either. */
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    snprintf(body, sizeof body, "{\"connection\":%lld,\"observations\":[\"nope\"]}", (long long)id);
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    snprintf(body, sizeof body, "{\"connection\":%lld}", (long long)id);
    fx_call(f, &f->alice, true, "POST", "/api/share", body, &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "POST", "/api/connections/abc/collect", NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);

    /* Disconnect: revoked (no tokens to revoke at the provider), then forgotten. */
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "state"), "revoked");
    assert_false(json_object_get_boolean(jsonx_get(r.json, "revoked_at_provider")));
    fx_resp_free(&r);
    snprintf(target, sizeof target, "/api/connections/%lld?forget=true", (long long)id);
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "state"), "deleted");
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/shares", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "shares")), 0);
    fx_resp_free(&r);
}

static void logout_ends_the_session(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/logout", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(fx_header(&r, "Set-Cookie"), "__Host-regie_session=;"));
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
}

static void errors_never_leak_secrets(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    char st[64], target[256];
    connect_to(f, &f->alice, "48", st, sizeof st);
    struct fx_resp r;
    snprintf(target, sizeof target, "/connect/callback?code=SECRETCODE123&state=%s", st);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 303);
    assert_null(strstr(r.headers, "SECRETCODE123"));
    assert_null(strstr(r.headers, st));
    fx_resp_free(&r);
}

static const char weight[] =
    "{\"resourceType\":\"Observation\",\"id\":\"chosen-by-app\",\"status\":\"final\","
    "\"meta\":{\"profile\":[\"http://nictiz.nl/fhir/StructureDefinition/nl-core-BodyWeight\"],"
    "\"tag\":[{\"system\":\"urn:regie:pgo:vault-owner\",\"code\":\"someone-else\"}]},"
    "\"category\":[{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
    "\"subject\":{\"reference\":\"Patient/someone-else\"},"
    "\"effectiveDateTime\":\"2026-03-01T10:00:00Z\",\"valueQuantity\":{\"value\":72.5,"
    "\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}";

static void measurements_are_stored_as_the_patients_own(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, false, "POST", "/api/measurements", weight, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "POST", "/api/measurements", weight, &r);
    assert_int_equal(r.status, 201);
    const char *id = jsonx_get_str(r.json, "id");
    assert_non_null(id);
    assert_int_equal(strlen(id), 36); /* the server's id, not the app's */
    char subject_ref[80];
    snprintf(subject_ref, sizeof subject_ref, "Patient/%s", f->alice.subject);
    json_object *stored = jsonx_get(r.json, "resource");
    assert_string_equal(jsonx_get_str(jsonx_get(stored, "subject"), "reference"), subject_ref);
    assert_true(pgo_vault_owned_for_test(stored, f->alice.subject));
    assert_false(pgo_vault_owned_for_test(stored, "someone-else"));
    assert_non_null(strstr(r.body, "nl-core-BodyWeight")); /* the profile is kept */
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/records?type=Observation", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "total")), 1);
    char target[128];
    snprintf(target, sizeof target, "/api/records/Observation/%s",
             jsonx_get_str(json_object_array_get_idx(jsonx_get(r.json, "resources"), 0), "id"));
    fx_resp_free(&r);
    /* One record: Alice's own, not Bob's to read. */
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "resourceType"), "Observation");
    fx_resp_free(&r);
    fx_call(f, &f->bob, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/records/Observation/nope", NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/records?type=Patient", NULL, &r);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "total")), 1);
    fx_resp_free(&r);
    /* Bob sees nothing of Alice's. */
    fx_call(f, &f->bob, false, "GET", "/api/records?type=Observation", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int64(jsonx_get(r.json, "total")), 0);
    fx_resp_free(&r);
    /* Refused: no type, a type that is no name, not an Observation, an invalid Observation. */
    static const char *const bad_targets[] = {"/api/records", "/api/records?type=x%27or",
                                              "/api/records?type=Observation%2FPatient"};
    for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++) {
        fx_call(f, &f->alice, false, "GET", bad_targets[i], NULL, &r);
        assert_int_equal(r.status, 400);
        fx_resp_free(&r);
    }
    fx_call(f, &f->alice, true, "POST", "/api/measurements", "{\"resourceType\":\"Patient\"}", &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "POST", "/api/measurements",
            "{\"resourceType\":\"Observation\",\"valueQuantity\":\"heavy\"}", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_of(&r), "invalid_resource");
    fx_resp_free(&r);
}

static void accesses_are_audited(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    char st[64];
    connect_to(f, &f->alice, "48", st, sizeof st);
    struct fx_resp r;
    fx_call(f, &f->alice, false, "GET", "/api/records?type=Condition", NULL, &r);
    fx_resp_free(&r);
    FILE *fp = fopen(f->audit_path, "r");
    assert_non_null(fp);
    char line[4096];
    int login = 0, consent = 0, search = 0;
    while (fgets(line, sizeof line, fp)) {
        assert_null(strstr(line, FX_PASSWORD));
        assert_null(strstr(line, st));
        if (!strstr(line, f->alice.subject)) continue;
        login += strstr(line, "\"login\"") != NULL;
        consent += strstr(line, "medmij-connect") != NULL;
        search += strstr(line, "Condition?_tag") != NULL;
    }
    fclose(fp);
    assert_int_equal(login, 1);
    assert_int_equal(consent, 1);
    assert_int_equal(search, 1);
}

static void a_new_second_factor_takes_over_once_confirmed(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, false, "POST", "/api/totp/begin", NULL, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "POST", "/api/totp/begin", NULL, &r);
    assert_int_equal(r.status, 200);
    char secret[TOTP_SECRET_B32];
    assert_non_null(jsonx_get_str(r.json, "secret"));
    snprintf(secret, sizeof secret, "%s", jsonx_get_str(r.json, "secret"));
    assert_non_null(strstr(jsonx_get_str(r.json, "uri"), "otpauth://totp/"));
    assert_non_null(strstr(jsonx_get_str(r.json, "qr_svg"), "<svg"));
    fx_resp_free(&r);

    fx_call(f, &f->alice, true, "POST", "/api/totp/confirm", "{\"code\":\"000000\"}", &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_of(&r), "wrong_code");
    fx_resp_free(&r);
    /* Until confirmed the old secret still logs in. */
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_user renewed = f->alice;
    snprintf(renewed.secret, sizeof renewed.secret, "%s", secret);
    f->now += TOTP_PERIOD;
    char code[8], body[64];
    fx_totp(f, &renewed, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    fx_call(f, &f->alice, true, "POST", "/api/totp/confirm", body, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    /* Now the new one logs in and the old one does not. */
    struct fx_user old = f->alice;
    assert_int_equal(fx_login(f, &old), 401);
    assert_int_equal(fx_login(f, &renewed), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(login_sets_a_session_and_makes_the_record, setup, teardown),
        cmocka_unit_test_setup_teardown(session_is_required, setup, teardown),
        cmocka_unit_test_setup_teardown(csrf_is_required_on_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(providers_are_searched_with_service_names, setup, teardown),
        cmocka_unit_test_setup_teardown(connect_answers_an_authorization_url, setup, teardown),
        cmocka_unit_test_setup_teardown(callback_checks_the_state, setup, teardown),
        cmocka_unit_test_setup_teardown(collect_share_and_disconnect_need_a_consent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(logout_ends_the_session, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_never_leak_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(measurements_are_stored_as_the_patients_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(accesses_are_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(a_new_second_factor_takes_over_once_confirmed, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
