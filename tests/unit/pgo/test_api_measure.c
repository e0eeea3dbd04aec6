/* The measurement routes on a real PGO API server (api_fixture.h): the kinds, entering in the
 * structured and the FHIR form, a kind's points oldest first (entered and collected, with their
 * source), refusals that store nothing, the CSV import (all or nothing, again without doubling,
 * the media type), deleting only one's own entries (another account's id is 404, a collected one
 * 403), and the audit entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"

static const char zal_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Zorgaanbiederslijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Zorgaanbieders>"
    "<Zorgaanbieder><Zorgaanbiedernaam>huisartsdelinde@medmij</Zorgaanbiedernaam>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<AuthorizationEndpoint><AuthorizationEndpointuri>https://dva.delinde.test/oauth/authorize"
    "</AuthorizationEndpointuri></AuthorizationEndpoint>"
    "<TokenEndpoint><TokenEndpointuri>https://dva.localhost:1/oauth/token</TokenEndpointuri>"
    "</TokenEndpoint><Systeemrollen><Systeemrol><Systeemrolcode>FHIR-R4</Systeemrolcode>"
    "<ResourceEndpoint><ResourceEndpointuri>https://dva.localhost:1/fhir</ResourceEndpointuri>"
    "</ResourceEndpoint></Systeemrol></Systeemrollen></Gegevensdienst>"
    "</Gegevensdiensten></Zorgaanbieder>"
    "</Zorgaanbieders></Zorgaanbiederslijst>\n";

static const char gnl_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Gegevensdienstnamenlijst "
    "xmlns=\"xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/\">"
    "<Tijdstempel>2026-11-30T12:00:00+01:00</Tijdstempel><Volgnummer>1</Volgnummer>"
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<Weergavenaam>Basisgegevens Zorg</Weergavenaam></Gegevensdienst>"
    "</Gegevensdiensten></Gegevensdienstnamenlijst>\n";

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct pgo_call_opts call = {.timeout_s = 5, .connect_timeout_s = 2};
    if (fx_open(f, zal_xml, gnl_xml, &call) != 0) {
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
    return jsonx_get_str(r->json, "error");
}

static const char *field_of(const struct fx_resp *r)
{
    return jsonx_get_str(r->json, "field");
}

/* A POST with a body of the given media type (fx_request sends JSON only). */
static void post_typed(const struct fx *f, const struct fx_user *u, const char *target,
                       const char *type, const char *body, struct fx_resp *r)
{
    memset(r, 0, sizeof *r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(f->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    size_t blen = strlen(body), cap = blen + 1024;
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Cookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     target, u->cookie, u->csrf, type, blen, body);
    for (size_t off = 0; off < (size_t)n;) {
        ssize_t w = send(fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    free(req);
    size_t hn = 0;
    while (hn + 1 < sizeof r->headers) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->headers[hn++] = (char)c;
        if (hn >= 4 && !memcmp(r->headers + hn - 4, "\r\n\r\n", 4)) break;
    }
    r->headers[hn] = '\0';
    r->status = (int)strtol(r->headers + 9, NULL, 10);
    const char *cl = fx_header(r, "Content-Length");
    size_t len = cl ? strtoul(cl, NULL, 10) : 0;
    r->body = calloc(len + 1, 1);
    for (size_t i = 0; i < len; i++) {
        int c = fx_read_byte(fd);
        if (c < 0) break;
        r->body[r->body_len++] = (char)c;
    }
    close(fd);
    enum jsonx_err je;
    if (r->body_len && r->body[0] == '{')
        r->json = jsonx_parse(r->body, r->body_len, 64, &je, NULL, 0);
}

/* How many Observations the account's records hold. */
static int64_t observations(struct fx *f, struct fx_user *u)
{
    struct fx_resp r;
    fx_call(f, u, false, "GET", "/api/records?type=Observation", NULL, &r);
    assert_int_equal(r.status, 200);
    int64_t total = json_object_get_int64(jsonx_get(r.json, "total"));
    fx_resp_free(&r);
    return total;
}

static json_object *points_of(struct fx_resp *r)
{
    json_object *p = jsonx_get(r->json, "points");
    assert_non_null(p);
    return p;
}

static void kinds_are_listed(void **state)
{
    struct fx *f = *state;
    struct fx_resp r;
    fx_call(f, NULL, false, "GET", "/api/measurements/kinds", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    assert_int_equal(fx_login(f, &f->alice), 200);
    fx_call(f, &f->alice, false, "GET", "/api/measurements/kinds", NULL, &r);
    assert_int_equal(r.status, 200);
    json_object *kinds = jsonx_get(r.json, "kinds");
    assert_int_equal(json_object_array_length(kinds), 6);
    json_object *bp = json_object_array_get_idx(kinds, 0);
    assert_string_equal(jsonx_get_str(bp, "kind"), "blood-pressure");
    assert_string_equal(jsonx_get_str(jsonx_get(bp, "code"), "code"), "85354-9");
    assert_string_equal(jsonx_get_str(jsonx_get(bp, "code"), "system"), "http://loinc.org");
    assert_string_equal(jsonx_get_str(bp, "profile"),
                        "http://nictiz.nl/fhir/StructureDefinition/nl-core-BloodPressure");
    assert_string_equal(jsonx_get_str(bp, "unit"), "mm[Hg]");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(jsonx_get(bp, "fields"), 1)), "diastolic");
    assert_null(jsonx_get(bp, "band"));
    json_object *sys = json_object_array_get_idx(jsonx_get(bp, "ranges"), 0);
    assert_int_equal(json_object_get_int(jsonx_get(jsonx_get(sys, "band"), "low")), 90);
    assert_int_equal(json_object_get_int(jsonx_get(jsonx_get(sys, "band"), "high")), 140);
    assert_int_equal(json_object_get_int(jsonx_get(bp, "min")), 20);
    assert_int_equal(json_object_get_int(jsonx_get(bp, "max")), 300);
    json_object *weight = json_object_array_get_idx(kinds, 1);
    assert_null(jsonx_get(weight, "band"));
    assert_int_equal(json_object_get_int(jsonx_get(weight, "decimals")), 1);
    assert_int_equal(json_object_array_length(jsonx_get(weight, "units")), 3);
    json_object *spo2 = json_object_array_get_idx(kinds, 4);
    assert_int_equal(json_object_get_int(jsonx_get(jsonx_get(spo2, "band"), "low")), 95);
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(jsonx_get(spo2, "fields"), 0)), "value");
    fx_resp_free(&r);
}

static void enter_and_list(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    static const char bp[] = "{\"kind\":\"blood-pressure\",\"time\":\"2023-11-01T08:15\","
                             "\"systolic\":120,\"diastolic\":80,\"unit\":\"mmHg\"}";
    fx_call(f, &f->alice, false, "POST", "/api/measurements", bp, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "POST", "/api/measurements", bp, &r);
    assert_int_equal(r.status, 201);
    json_object *res = jsonx_get(r.json, "resource");
    assert_non_null(strstr(r.body, "nl-core-BloodPressure"));
    assert_string_equal(jsonx_get_str(res, "effectiveDateTime"), "2023-11-01T08:15:00+01:00");
    assert_int_equal(json_object_array_length(jsonx_get(res, "component")), 2);
    char subject_ref[80];
    snprintf(subject_ref, sizeof subject_ref, "Patient/%s", f->alice.subject);
    assert_string_equal(jsonx_get_str(jsonx_get(res, "subject"), "reference"), subject_ref);
    assert_non_null(jsonx_get_str(jsonx_get(res, "meta"), "versionId"));
    fx_resp_free(&r);
    /* weight: in pounds, as text with a decimal comma (a form field), stored in kg */
    fx_call(f, &f->alice, true, "POST", "/api/measurements",
            "{\"kind\":\"body-weight\",\"time\":\"2023-11-02T07:00:00Z\",\"value\":\"154,3\","
            "\"unit\":\"[lb_av]\"}",
            &r);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"value\":70.0,\"unit\":\"kg\""));
    fx_resp_free(&r);
    /* no unit: the default (a heart rate in /min) */
    fx_call(f, &f->alice, true, "POST", "/api/measurements",
            "{\"kind\":\"heart-rate\",\"time\":\"2023-11-02T07:00:00Z\",\"value\":64}", &r);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"value\":64,\"unit\":\"/min\""));
    fx_resp_free(&r);
    /* the FHIR form as before, an earlier weight */
    fx_call(f, &f->alice, true, "POST", "/api/measurements",
            "{\"resourceType\":\"Observation\",\"status\":\"final\","
            "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
            "\"effectiveDateTime\":\"2023-10-30T10:00:00Z\",\"valueQuantity\":{\"value\":72.5,"
            "\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}",
            &r);
    assert_int_equal(r.status, 201);
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/measurements?kind=body-weight", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "kind"), "body-weight");
    assert_string_equal(jsonx_get_str(r.json, "unit"), "kg");
    json_object *pts = points_of(&r);
    assert_int_equal(json_object_array_length(pts), 2);
    json_object *p0 = json_object_array_get_idx(pts, 0), *p1 = json_object_array_get_idx(pts, 1);
    assert_string_equal(jsonx_get_str(p0, "time"), "2023-10-30T10:00:00.000Z"); /* oldest first */
    assert_true(json_object_get_double(jsonx_get(p0, "value")) == 72.5);
    assert_true(json_object_get_double(jsonx_get(p1, "value")) == 70.0);
    assert_string_equal(jsonx_get_str(p0, "source"), "self");
    assert_int_equal(strlen(jsonx_get_str(p1, "id")), 36);
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/measurements?kind=blood-pressure", NULL, &r);
    pts = points_of(&r);
    assert_int_equal(json_object_array_length(pts), 1);
    p0 = json_object_array_get_idx(pts, 0);
    assert_string_equal(jsonx_get_str(p0, "time"), "2023-11-01T07:15:00.000Z");
    assert_int_equal(json_object_get_int(jsonx_get(p0, "systolic")), 120);
    assert_int_equal(json_object_get_int(jsonx_get(p0, "diastolic")), 80);
    assert_null(jsonx_get(p0, "value"));
    fx_resp_free(&r);

    /* a period: from and to are dates (to includes its whole day) or instants */
    static const struct {
        const char *query;
        size_t n;
    } periods[] = {
        {"&from=2023-10-31", 1},
        {"&to=2023-10-30", 1},
        {"&from=2023-10-30&to=2023-11-02", 2},
        {"&from=2023-11-02T07:00:01Z", 0},
        {"&from=2023-11-02T07:00:00Z", 1},
        {"&to=2023-10-29", 0},
    };
    for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
        char target[128];
        snprintf(target, sizeof target, "/api/measurements?kind=body-weight%s", periods[i].query);
        fx_call(f, &f->alice, false, "GET", target, NULL, &r);
        assert_int_equal(r.status, 200);
        if (json_object_array_length(points_of(&r)) != periods[i].n)
            fail_msg("%s: %zu points", periods[i].query, json_object_array_length(points_of(&r)));
        fx_resp_free(&r);
    }
    /* refused queries */
    static const char *const bad[][2] = {
        {"/api/measurements", "kind"},
        {"/api/measurements?kind=weight", "kind"},
        {"/api/measurements?kind=body-weight&from=yesterday", "from"},
        {"/api/measurements?kind=body-weight&to=2023-13-01", "to"},
        {"/api/measurements?kind=body-weight&from=2023-11-02&to=2023-11-01", "to"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_call(f, &f->alice, false, "GET", bad[i][0], NULL, &r);
        assert_int_equal(r.status, 400);
        assert_string_equal(error_of(&r), "invalid_request");
        assert_string_equal(field_of(&r), bad[i][1]);
        fx_resp_free(&r);
    }
    /* Bob sees none of it */
    assert_int_equal(fx_login(f, &f->bob), 200);
    fx_call(f, &f->bob, false, "GET", "/api/measurements?kind=body-weight", NULL, &r);
    assert_int_equal(json_object_array_length(points_of(&r)), 0);
    fx_resp_free(&r);
}

static void refusals_store_nothing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    static const char *const cases[][2] = {
        {"{\"kind\":\"heart-rate\",\"time\":\"2023-11-01T08:15Z\",\"value\":400}", "value"},
        {"{\"kind\":\"body-weight\",\"time\":\"2023-11-01T08:15Z\",\"value\":70,\"unit\":\"st\"}",
         "unit"},
        {"{\"kind\":\"body-weight\",\"time\":\"2023-11-01T08:15Z\",\"value\":70,\"unit\":7}",
         "unit"},
        {"{\"kind\":\"body-weight\",\"time\":\"yesterday\",\"value\":70}", "time"},
        {"{\"kind\":\"body-weight\",\"value\":70}", "time"},
        {"{\"kind\":\"body-weight\",\"time\":\"2029-11-01T08:15Z\",\"value\":70}", "time"},
        {"{\"kind\":\"body-weight\",\"time\":\"2023-11-01T08:15Z\"}", "value"},
        {"{\"kind\":\"body-weight\",\"time\":\"2023-11-01T08:15Z\",\"value\":\"heavy\"}", "value"},
        {"{\"kind\":\"blood-pressure\",\"time\":\"2023-11-01T08:15Z\",\"systolic\":120}",
         "diastolic"},
        {"{\"kind\":\"blood-pressure\",\"time\":\"2023-11-01T08:15Z\",\"systolic\":80,"
         "\"diastolic\":120}",
         "systolic"},
        {"{\"kind\":\"pulse\",\"time\":\"2023-11-01T08:15Z\",\"value\":70}", "kind"},
        {"{\"value\":70}", "kind"},
        {"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{"
         "\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"valueQuantity\":{\"value\":400,"
         "\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}",
         "valueQuantity.value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx_resp r;
        fx_call(f, &f->alice, true, "POST", "/api/measurements", cases[i][0], &r);
        if (r.status != 400 || !field_of(&r) || strcmp(field_of(&r), cases[i][1]) != 0)
            fail_msg("case %zu: %d %s", i, r.status, r.body);
        assert_string_equal(error_of(&r), "invalid_request");
        assert_non_null(jsonx_get_str(r.json, "message"));
        fx_resp_free(&r);
    }
    assert_int_equal(observations(f, &f->alice), 0);
}

static const char good_csv[] = "time;kind;value;unit\r\n"
                               "2023-10-01 08:00;blood-pressure;130/85;mmHg\r\n"
                               "2023-10-02 08:00;blood-pressure;125/82;mmHg\r\n"
                               "2023-10-01 08:01;body-weight;72,5;kg\r\n"
                               "\"2023-10-01T08:02:00+02:00\";heart-rate;64;bpm\r\n";

static void csv_import_is_all_or_nothing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    struct fx_resp r;
    /* one bad line among good ones: nothing stored, every problem listed */
    post_typed(f, &f->alice, "/api/measurements/import", "text/csv",
               "time,kind,value,unit\n"
               "2023-10-01T08:00Z,body-weight,72.5,kg\n"
               "2023-10-01T09:00Z,body-weight,725,kg\n"
               "2023-10-01T10:00Z,heart-rate,70,/min\n"
               "2023-10-01T11:00Z,pulse,70,/min\n",
               &r);
    assert_int_equal(r.status, 400);
    assert_string_equal(error_of(&r), "invalid_request");
    json_object *errors = jsonx_get(r.json, "errors");
    assert_int_equal(json_object_array_length(errors), 2);
    json_object *e0 = json_object_array_get_idx(errors, 0),
                *e1 = json_object_array_get_idx(errors, 1);
    assert_int_equal(json_object_get_int(jsonx_get(e0, "line")), 3);
    assert_string_equal(jsonx_get_str(e0, "field"), "value");
    assert_non_null(strstr(jsonx_get_str(e0, "message"), "between 0.5 and 500.0 kg"));
    assert_int_equal(json_object_get_int(jsonx_get(e1, "line")), 5);
    assert_string_equal(jsonx_get_str(e1, "field"), "kind");
    fx_resp_free(&r);
    assert_int_equal(observations(f, &f->alice), 0);

    /* not CSV, no CSRF token */
    post_typed(f, &f->alice, "/api/measurements/import", "application/json", good_csv, &r);
    assert_int_equal(r.status, 415);
    fx_resp_free(&r);
    struct fx_user no_csrf = f->alice;
    snprintf(no_csrf.csrf, sizeof no_csrf.csrf, "wrong");
    post_typed(f, &no_csrf, "/api/measurements/import", "text/csv", good_csv, &r);
    assert_int_equal(r.status, 403);
    fx_resp_free(&r);
    assert_int_equal(observations(f, &f->alice), 0);

    /* the good file */
    post_typed(f, &f->alice, "/api/measurements/import", "text/csv; charset=utf-8", good_csv, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "imported")), 4);
    json_object *by_kind = jsonx_get(r.json, "by_kind");
    assert_int_equal(json_object_get_int(jsonx_get(by_kind, "blood-pressure")), 2);
    assert_int_equal(json_object_get_int(jsonx_get(by_kind, "body-weight")), 1);
    assert_int_equal(json_object_get_int(jsonx_get(by_kind, "heart-rate")), 1);
    fx_resp_free(&r);
    assert_int_equal(observations(f, &f->alice), 4);
    fx_call(f, &f->alice, false, "GET", "/api/measurements?kind=blood-pressure", NULL, &r);
    json_object *pts = points_of(&r);
    assert_int_equal(json_object_array_length(pts), 2);
    assert_int_equal(json_object_get_int(jsonx_get(json_object_array_get_idx(pts, 0), "systolic")),
                     130);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(pts, 0), "time"),
                        "2023-10-01T06:00:00.000Z"); /* local summer time */
    fx_resp_free(&r);
    /* the same file again replaces instead of doubling */
    post_typed(f, &f->alice, "/api/measurements/import", "text/csv", good_csv, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    assert_int_equal(observations(f, &f->alice), 4);
    /* Bob's import of the same file is his own */
    post_typed(f, &f->bob, "/api/measurements/import", "text/csv", good_csv, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    assert_int_equal(observations(f, &f->bob), 4);
    assert_int_equal(observations(f, &f->alice), 4);

    /* over 1 MiB: refused before it is read, nothing stored */
    size_t big = (1u << 20) + 64;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    size_t at = (size_t)snprintf(huge, big, "time,kind,value,unit\n");
    while (at + 40 < big)
        at += (size_t)snprintf(huge + at, big - at, "2023-10-03T08:00Z,heart-rate,70,/min\n");
    memset(huge + at, '\n', big - at);
    huge[big] = '\0';
    post_typed(f, &f->alice, "/api/measurements/import", "text/csv", huge, &r);
    assert_int_equal(r.status, 413);
    fx_resp_free(&r);
    free(huge);
    assert_int_equal(observations(f, &f->alice), 4);
}

/* A collected Observation as collect stores it: the owner's tag, the provider's endpoint as
 * meta.source, the provider's Patient copy as subject. */
static void store_collected(struct fx *f, const char *id)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"resourceType\":\"Observation\",\"id\":\"%s\",\"meta\":{\"source\":"
             "\"https://dva.localhost:1/fhir\",\"tag\":[{\"system\":\"urn:regie:pgo:vault-owner\","
             "\"code\":\"%s\"}]},\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
             "\"http://loinc.org\",\"code\":\"29463-7\"}]},\"subject\":{\"reference\":"
             "\"Patient/copy-1\"},\"effectiveDateTime\":\"2023-09-01\",\"valueQuantity\":{"
             "\"value\":74000,\"unit\":\"g\",\"system\":\"http://unitsofmeasure.org\",\"code\":"
             "\"g\"}}",
             id, f->alice.subject);
    enum jsonx_err je;
    json_object *o = jsonx_parse(text, strlen(text), 32, &je, NULL, 0);
    assert_non_null(o);
    struct rg_fail fail = {0};
    assert_int_equal(rest_put_resource(f->rest, o, &fail), RG_OK);
    json_object_put(o);
}

static void delete_own_entries_only(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/measurements",
            "{\"kind\":\"o2-saturation\",\"time\":\"2023-11-01T08:15Z\",\"value\":97}", &r);
    assert_int_equal(r.status, 201);
    char id[64], target[128];
    snprintf(id, sizeof id, "%s", jsonx_get_str(r.json, "id"));
    snprintf(target, sizeof target, "/api/measurements/%s", id);
    fx_resp_free(&r);
    /* a connection names the provider behind the collected point */
    fx_call(f, &f->alice, true, "POST", "/api/connections",
            "{\"provider\":\"huisartsdelinde@medmij\",\"service\":\"48\"}", &r);
    assert_int_equal(r.status, 201);
    fx_resp_free(&r);
    store_collected(f, "collected-1");

    /* Bob: not his (404, as for an id that does not exist) */
    fx_call(f, &f->bob, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(error_of(&r), "not_found");
    fx_resp_free(&r);
    fx_call(f, &f->bob, true, "DELETE", "/api/measurements/collected-1", NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "DELETE", "/api/measurements/no-such-id", NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    /* Alice without the CSRF token */
    fx_call(f, &f->alice, false, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 403);
    assert_string_equal(error_of(&r), "csrf");
    fx_resp_free(&r);
    /* a collected one is the provider's record: 403, and it stays */
    fx_call(f, &f->alice, true, "DELETE", "/api/measurements/collected-1", NULL, &r);
    assert_int_equal(r.status, 403);
    assert_string_equal(error_of(&r), "forbidden");
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/measurements?kind=body-weight", NULL, &r);
    json_object *pts = points_of(&r);
    assert_int_equal(json_object_array_length(pts), 1);
    json_object *p = json_object_array_get_idx(pts, 0);
    assert_string_equal(jsonx_get_str(p, "source"), "huisartsdelinde@medmij");
    assert_true(json_object_get_double(jsonx_get(p, "value")) == 74.0); /* 74000 g */
    assert_string_equal(jsonx_get_str(p, "time"), "2023-09-01T00:00:00.000Z");
    fx_resp_free(&r);
    /* her own: deleted */
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(jsonx_get_str(r.json, "id"), id);
    assert_true(json_object_get_boolean(jsonx_get(r.json, "deleted")));
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/measurements?kind=o2-saturation", NULL, &r);
    assert_int_equal(json_object_array_length(points_of(&r)), 0);
    fx_resp_free(&r);
    snprintf(target, sizeof target, "/api/records/Observation/%s", id);
    fx_call(f, &f->alice, false, "GET", target, NULL, &r);
    assert_int_equal(r.status, 404);
    fx_resp_free(&r);

    /* every access is on record */
    FILE *fp = fopen(f->audit_path, "r");
    assert_non_null(fp);
    char line[4096];
    int created = 0, searched = 0, deleted = 0, refused = 0;
    while (fgets(line, sizeof line, fp)) {
        if (!strstr(line, f->alice.subject)) continue;
        if (strstr(line, "\"create\"") && strstr(line, id)) created++;
        if (strstr(line, "Observation?code,date")) searched++;
        if (strstr(line, "\"delete\"") && strstr(line, id) && strstr(line, "200")) deleted++;
        if (strstr(line, "\"delete\"") && strstr(line, "collected-1")) refused++;
    }
    fclose(fp);
    assert_int_equal(created, 1);
    assert_int_equal(searched, 2);
    assert_true(deleted >= 1);
    assert_int_equal(refused, 1);
}

static void import_is_audited(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    post_typed(f, &f->alice, "/api/measurements/import", "text/csv", good_csv, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    FILE *fp = fopen(f->audit_path, "r");
    assert_non_null(fp);
    char line[4096];
    int imports = 0;
    while (fgets(line, sizeof line, fp))
        imports += strstr(line, f->alice.subject) && strstr(line, "Observation?import") &&
                   strstr(line, "\"transaction\"");
    fclose(fp);
    assert_int_equal(imports, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kinds_are_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(enter_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(csv_import_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(delete_own_entries_only, setup, teardown),
        cmocka_unit_test_setup_teardown(import_is_audited, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
