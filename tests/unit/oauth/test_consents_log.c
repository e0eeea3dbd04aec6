/* "Wie heeft mijn gegevens ingezien?" over real HTTP: GET /oauth/consents/log answers the logged-in
 * patient's own access log at this DVA as a searchset Bundle of valid AuditEvents, newest first and
 * paged; never another patient's entries and never the BSN; the read itself is recorded; the
 * consents page links to it; without a session it answers 401; a patient without a record here
 * reads an empty log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <strings.h>

#include "audit/audit.h"
#include "authorize_fixture.h"
#include "fhir/validate.h"
#include "json/jsonx.h"

#define OTHER_PATIENT "pat-2"

static struct fx fx;
static struct audit_log *audit;
static struct http_server *srv;
static struct http_route routes[8];
static uint16_t port;
static const char *accept_header; /* an Accept header for the next requests, or NULL */

static void seed(const char *actor, const char *patient, const char *what)
{
    struct audit_entry e = {.actor = actor,
                            .client = FX_CLIENT,
                            .patient = patient,
                            .action = "read",
                            .what = what,
                            .outcome = 200,
                            .purpose = "medmij-collect"};
    assert_int_equal(audit_record(audit, &e), AUDIT_OK);
}

static int setup(void **state)
{
    (void)state;
    fx_open(&fx, true);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/audit.log", fx.dir);
    audit = audit_open(path, NULL, err, sizeof err);
    assert_non_null(audit);
    /* The fixture's server has no log; the front reads cfg per request, so it can get one before
     * the HTTP server starts. */
    fx.server->cfg.audit = audit;
    seed("dokter-1", FX_PATIENT_ID, "Condition/c1");
    seed("dokter-2", OTHER_PATIENT, "Condition/c2");
    seed("dokter-1", FX_PATIENT_ID, "Patient/" FX_PATIENT_ID);
    size_t n = oauth_front_routes(fx.server, routes, 8);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
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
    audit_close(audit);
    fx_close(&fx);
    curl_global_cleanup();
    return 0;
}

struct resp {
    long status;
    struct buf body, headers;
    json_object *json;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    buf_append(ctx, p, size * n);
    return size * n;
}

static struct resp request(const char *method, const char *target, const char *cookie,
                           const char *form)
{
    struct resp r = {0};
    buf_init(&r.body, 1 << 20);
    buf_init(&r.headers, 1 << 16);
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, target);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    if (cookie) curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    struct curl_slist *headers = NULL;
    char accept_line[128];
    if (accept_header) {
        snprintf(accept_line, sizeof accept_line, "Accept: %s", accept_header);
        headers = curl_slist_append(NULL, accept_line);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    }
    if (!strcmp(method, "POST")) curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    buf_append(&r.body, "", 1); /* a terminating NUL for strstr */
    enum jsonx_err je;
    if (r.body.data && r.body.data[0] == '{')
        r.json = jsonx_parse(r.body.data, r.body.len - 1, 64, &je, NULL, 0);
    return r;
}

static void resp_free(struct resp *r)
{
    buf_free(&r->body);
    buf_free(&r->headers);
    json_object_put(r->json);
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

/* Logs user in at the consents page; out receives the session cookie ("name=value"). Returns the
 * consents page. */
static struct resp login(const char *user, const char *secret, char out[128])
{
    struct resp r = request("GET", "/oauth/consents", NULL, NULL);
    char pre[64], csrf[64];
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
    r = request("POST", "/oauth/consents", cookie, form);
    assert_int_equal(r.status, 200);
    char session[64];
    assert_true(cookie_set(&r, SESSION_COOKIE_NAME, session, sizeof session));
    snprintf(out, 128, SESSION_COOKIE_NAME "=%s", session);
    return r;
}

/* A checked Bundle: searchset, valid, every entry a valid AuditEvent about FX_PATIENT_ID, ids
 * falling; no BSN, no other patient anywhere. Returns the entries. */
static json_object *checked_bundle(const struct resp *r)
{
    assert_int_equal(r->status, 200);
    assert_non_null(strcasestr(r->headers.data, "Content-Type: application/fhir+json"));
    assert_null(strstr(r->body.data, FX_BSN));
    assert_null(strstr(r->body.data, FX_BSN_NO_RECORD));
    assert_null(strstr(r->body.data, OTHER_PATIENT));
    assert_null(strstr(r->body.data, "dokter-2"));
    assert_non_null(r->json);
    assert_string_equal(jsonx_get_str(r->json, "resourceType"), "Bundle");
    assert_string_equal(jsonx_get_str(r->json, "type"), "searchset");
    struct rg_fail fail = {0};
    if (fhir_validate(r->json, &fail) != RG_OK)
        fail_msg("bundle invalid at %s: %s", fail.expression, fail.detail);
    json_object *entries = jsonx_get(r->json, "entry");
    long previous = -1;
    for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
        json_object *ev = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        memset(&fail, 0, sizeof fail);
        if (fhir_validate(ev, &fail) != RG_OK)
            fail_msg("AuditEvent invalid at %s: %s", fail.expression, fail.detail);
        json_object *who = json_object_array_get_idx(jsonx_get(ev, "entity"), 0);
        assert_string_equal(jsonx_get_str(jsonx_get(who, "what"), "reference"),
                            "Patient/" FX_PATIENT_ID);
        long seq = strtol(jsonx_get_str(ev, "id") + 6, NULL, 10);
        if (previous >= 0) assert_true(seq < previous);
        previous = seq;
    }
    return entries;
}

static const char *entry_id(json_object *entries, size_t i)
{
    return jsonx_get_str(jsonx_get(json_object_array_get_idx(entries, i), "resource"), "id");
}

static void test_own_log_only(void **state)
{
    (void)state;
    char cookie[128];
    struct resp r = login("jan", fx.secret, cookie);
    assert_non_null(strstr(r.body.data, "<a href=\"/oauth/consents/log\">Wie heeft mijn gegevens "
                                        "ingezien? (toegangslog)</a>"));
    resp_free(&r);

    r = request("GET", "/oauth/consents/log", cookie, NULL);
    json_object *entries = checked_bundle(&r);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "total")), 2);
    assert_int_equal(json_object_array_length(entries), 2);
    assert_string_equal(entry_id(entries, 0), "audit-3"); /* newest first */
    assert_string_equal(entry_id(entries, 1), "audit-1");
    assert_non_null(strstr(r.body.data, "dokter-1"));
    assert_non_null(strstr(r.body.data, FX_PROVIDER)); /* the observer */
    resp_free(&r);

    /* The read is on record; paging goes back from the newest. */
    r = request("GET", "/oauth/consents/log?count=1&offset=1", cookie, NULL);
    entries = checked_bundle(&r);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "total")), 3);
    assert_int_equal(json_object_array_length(entries), 1);
    assert_string_equal(entry_id(entries, 0), "audit-3");
    assert_non_null(strstr(r.body.data, "/oauth/consents/log?count=1&offset=2"));
    resp_free(&r);
    r = request("GET", "/oauth/consents/log?count=1", cookie, NULL);
    entries = checked_bundle(&r);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "total")), 4);
    assert_string_equal(
        jsonx_get_str(
            json_object_array_get_idx(
                jsonx_get(jsonx_get(json_object_array_get_idx(entries, 0), "resource"), "entity"),
                1),
            "description"),
        "AuditEvent?patient");
    resp_free(&r);
    r = request("GET", "/oauth/consents/log?offset=99", cookie, NULL);
    checked_bundle(&r);
    assert_null(jsonx_get(r.json, "entry")); /* FHIR has no empty arrays */
    resp_free(&r);
}

/* A browser following the link gets the same entries as a table, escaped, without the BSN. */
static void test_browser_gets_a_table(void **state)
{
    (void)state;
    char cookie[128];
    struct resp r = login("jan", fx.secret, cookie);
    resp_free(&r);
    accept_header = "text/html,application/xhtml+xml,*/*;q=0.8";
    r = request("GET", "/oauth/consents/log?count=1", cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "<a href=\"/oauth/consents/log?count=1&amp;offset=1\">"));
    resp_free(&r);
    r = request("GET", "/oauth/consents/log?count=100", cookie, NULL);
    accept_header = NULL;
    assert_int_equal(r.status, 200);
    assert_non_null(strcasestr(r.headers.data, "Content-Type: text/html"));
    assert_non_null(strstr(r.body.data, "<h1>Wie heeft mijn gegevens ingezien bij "
                                        "Huisartsenpraktijk De Linde?</h1>"));
    assert_non_null(strstr(r.body.data, "<td>dokter-1</td><td>" FX_CLIENT "</td>"));
    assert_non_null(strstr(r.body.data, "<td>medmij-collect</td><td>HTTP 200</td>"));
    assert_non_null(strstr(r.body.data, "<td>Condition/c1</td>"));
    assert_non_null(strstr(r.body.data, "<td>AuditEvent?patient</td>")); /* the reads */
    assert_null(strstr(r.body.data, "offset="));                         /* all on one page */
    assert_non_null(strstr(r.body.data, "<a href=\"/oauth/consents\">"));
    assert_null(strstr(r.body.data, FX_BSN));
    assert_null(strstr(r.body.data, OTHER_PATIENT));
    assert_null(strstr(r.body.data, "dokter-2"));
    assert_null(strstr(r.body.data, "<td>Condition/c2</td>"));
    resp_free(&r);
}

static void test_session_required(void **state)
{
    (void)state;
    struct resp r = request("GET", "/oauth/consents/log", NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_null(r.json);
    assert_null(strstr(r.body.data, "AuditEvent"));
    resp_free(&r);
    r = request("GET", "/oauth/consents/log",
                SESSION_COOKIE_NAME "=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
    assert_int_equal(r.status, 401);
    assert_null(strstr(r.body.data, "dokter-1"));
    resp_free(&r);
}

static void test_no_record_reads_nothing(void **state)
{
    (void)state;
    char cookie[128];
    struct resp r = login("piet", fx.secret_norecord, cookie);
    resp_free(&r);
    r = request("GET", "/oauth/consents/log", cookie, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "total")), 0);
    assert_null(jsonx_get(r.json, "entry"));
    assert_null(strstr(r.body.data, FX_BSN_NO_RECORD));
    assert_null(strstr(r.body.data, "dokter-"));
    resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_log_only),
        cmocka_unit_test(test_browser_gets_a_table),
        cmocka_unit_test(test_session_required),
        cmocka_unit_test(test_no_record_reads_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
