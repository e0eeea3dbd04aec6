/* GET /api/audit on a real PGO API server: after a login and a measurement the patient reads
 * those accesses as valid FHIR AuditEvents in a searchset Bundle, newest first, of their own
 * account only (a second account sees only its own); the read is itself recorded; the session is
 * required; count and offset page the Bundle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "fhir/validate.h"

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
    "<Gegevensdiensten>"
    "<Gegevensdienst><GegevensdienstId>48</GegevensdienstId>"
    "<Weergavenaam>Basisgegevens Zorg</Weergavenaam></Gegevensdienst>"
    "</Gegevensdiensten></Gegevensdienstnamenlijst>\n";

static const char weight[] =
    "{\"resourceType\":\"Observation\",\"status\":\"final\","
    "\"category\":[{\"coding\":[{\"system\":"
    "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
    "\"effectiveDateTime\":\"2026-03-01T10:00:00Z\",\"valueQuantity\":{\"value\":72.5,"
    "\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}}";

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

/* The Bundle of r, checked: a searchset whose every entry is a valid AuditEvent about subject's
 * Patient, newest first (ids audit-<seq> falling). Returns the entry array. */
static json_object *checked_bundle(const struct fx_resp *r, const char *subject)
{
    assert_int_equal(r->status, 200);
    const char *type = fx_header(r, "Content-Type");
    assert_non_null(type);
    assert_non_null(strstr(type, "application/fhir+json"));
    assert_non_null(r->json);
    assert_string_equal(jsonx_get_str(r->json, "resourceType"), "Bundle");
    assert_string_equal(jsonx_get_str(r->json, "type"), "searchset");
    struct rg_fail fail = {0};
    if (fhir_validate(r->json, &fail) != RG_OK)
        fail_msg("bundle invalid at %s: %s", fail.expression, fail.detail);
    char want[96];
    snprintf(want, sizeof want, "Patient/%s", subject);
    json_object *entries = jsonx_get(r->json, "entry");
    long previous = -1;
    for (size_t i = 0; entries && i < json_object_array_length(entries); i++) {
        json_object *ev = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        assert_string_equal(jsonx_get_str(ev, "resourceType"), "AuditEvent");
        memset(&fail, 0, sizeof fail);
        if (fhir_validate(ev, &fail) != RG_OK)
            fail_msg("AuditEvent invalid at %s: %s", fail.expression, fail.detail);
        json_object *patient = json_object_array_get_idx(jsonx_get(ev, "entity"), 0);
        assert_string_equal(jsonx_get_str(jsonx_get(patient, "what"), "reference"), want);
        const char *id = jsonx_get_str(ev, "id");
        assert_non_null(id);
        assert_memory_equal(id, "audit-", 6);
        long seq = strtol(id + 6, NULL, 10);
        if (previous >= 0) assert_true(seq < previous);
        previous = seq;
    }
    return entries;
}

static long total_of(const struct fx_resp *r)
{
    return (long)json_object_get_int64(jsonx_get(r->json, "total"));
}

/* The entity description (the query) or reference of an AuditEvent: what it touched. */
static const char *what_of(json_object *entries, size_t i)
{
    json_object *ev = jsonx_get(json_object_array_get_idx(entries, i), "resource");
    json_object *what = json_object_array_get_idx(jsonx_get(ev, "entity"), 1);
    const char *d = jsonx_get_str(what, "description");
    return d ? d : jsonx_get_str(jsonx_get(what, "what"), "reference");
}

static void the_patient_reads_their_own_accesses(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/measurements", weight, &r);
    assert_int_equal(r.status, 201);
    char observation[96];
    snprintf(observation, sizeof observation, "Observation/%s", jsonx_get_str(r.json, "id"));
    fx_resp_free(&r);

    fx_call(f, &f->alice, false, "GET", "/api/audit", NULL, &r);
    json_object *entries = checked_bundle(&r, f->alice.subject);
    assert_int_equal(total_of(&r), 2); /* the login, the measurement */
    assert_int_equal(json_object_array_length(entries), 2);
    assert_string_equal(what_of(entries, 0), observation);
    json_object *login = jsonx_get(json_object_array_get_idx(entries, 1), "resource");
    assert_string_equal(jsonx_get_str(jsonx_get(login, "type"), "code"), "110114"); /* login */
    assert_null(strstr(r.body, f->bob.subject));
    fx_resp_free(&r);

    /* The read itself is on record: the next read shows it first. */
    fx_call(f, &f->alice, false, "GET", "/api/audit", NULL, &r);
    entries = checked_bundle(&r, f->alice.subject);
    assert_int_equal(total_of(&r), 3);
    assert_string_equal(what_of(entries, 0), "AuditEvent?patient");
    fx_resp_free(&r);

    /* Bob sees his login and his read, nothing of Alice's. */
    fx_call(f, &f->bob, false, "GET", "/api/audit", NULL, &r);
    entries = checked_bundle(&r, f->bob.subject);
    assert_int_equal(total_of(&r), 1);
    assert_null(strstr(r.body, f->alice.subject));
    assert_null(strstr(r.body, "Observation/"));
    fx_resp_free(&r);
}

static void the_session_is_required(void **state)
{
    struct fx *f = *state;
    struct fx_resp r;
    fx_request(f, "GET", "/api/audit", NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(jsonx_get_str(r.json, "error"), "unauthenticated");
    fx_resp_free(&r);
    struct fx_user fake = f->alice;
    snprintf(fake.cookie, sizeof fake.cookie,
             "__Host-regie_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    fx_call(f, &fake, false, "GET", "/api/audit", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    /* A refused read touched nobody's log: Alice's holds only her own login once she logs in. */
    assert_int_equal(fx_login(f, &f->alice), 200);
    fx_call(f, &f->alice, false, "GET", "/api/audit", NULL, &r);
    assert_int_equal(total_of(&r), 1);
    fx_resp_free(&r);
}

static void count_and_offset_page_newest_first(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fx_login(f, &f->alice), 200);
    struct fx_resp r;
    for (int i = 0; i < 4; i++) {
        fx_call(f, &f->alice, true, "POST", "/api/measurements", weight, &r);
        assert_int_equal(r.status, 201);
        fx_resp_free(&r);
    }
    /* 5 entries: the login and four measurements; each read below adds one after it answers. */
    fx_call(f, &f->alice, false, "GET", "/api/audit?count=500", NULL, &r);
    json_object *all = checked_bundle(&r, f->alice.subject);
    assert_int_equal(total_of(&r), 5);
    char ids[5][32];
    for (size_t i = 0; i < 5; i++)
        snprintf(ids[i], sizeof ids[i], "%s",
                 jsonx_get_str(jsonx_get(json_object_array_get_idx(all, i), "resource"), "id"));
    fx_resp_free(&r);

    /* The newest is now the read above; offset 1 is where the first list began. */
    fx_call(f, &f->alice, false, "GET", "/api/audit?count=2&offset=1", NULL, &r);
    json_object *page = checked_bundle(&r, f->alice.subject);
    assert_int_equal(total_of(&r), 6);
    assert_int_equal(json_object_array_length(page), 2);
    assert_string_equal(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(page, 0), "resource"), "id"), ids[0]);
    assert_string_equal(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(page, 1), "resource"), "id"), ids[1]);
    json_object *links = jsonx_get(r.json, "link");
    assert_int_equal(json_object_array_length(links), 2);
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(links, 1), "relation"), "next");
    assert_string_equal(jsonx_get_str(json_object_array_get_idx(links, 1), "url"),
                        "/api/audit?count=2&offset=3");
    fx_resp_free(&r);

    /* The oldest page ends at the login, with no next link. */
    fx_call(f, &f->alice, false, "GET", "/api/audit?count=2&offset=6", NULL, &r);
    page = checked_bundle(&r, f->alice.subject);
    assert_int_equal(total_of(&r), 7);
    assert_int_equal(json_object_array_length(page), 1);
    assert_string_equal(
        jsonx_get_str(jsonx_get(json_object_array_get_idx(page, 0), "resource"), "id"), ids[4]);
    assert_int_equal(json_object_array_length(jsonx_get(r.json, "link")), 1);
    fx_resp_free(&r);

    /* Past the end: none; a count that is no number is the default; a huge one is capped. */
    fx_call(f, &f->alice, false, "GET", "/api/audit?offset=100", NULL, &r);
    checked_bundle(&r, f->alice.subject);
    assert_null(jsonx_get(r.json, "entry")); /* FHIR has no empty arrays */
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/audit?count=-1", NULL, &r);
    assert_int_equal(json_object_array_length(checked_bundle(&r, f->alice.subject)), 9);
    fx_resp_free(&r);
    fx_call(f, &f->alice, false, "GET", "/api/audit?count=999999999", NULL, &r);
    assert_int_equal(json_object_array_length(checked_bundle(&r, f->alice.subject)), 10);
    assert_non_null(
        strstr(jsonx_get_str(json_object_array_get_idx(jsonx_get(r.json, "link"), 0), "url"),
               "count=500"));
    fx_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_patient_reads_their_own_accesses, setup, teardown),
        cmocka_unit_test_setup_teardown(the_session_is_required, setup, teardown),
        cmocka_unit_test_setup_teardown(count_and_offset_page_newest_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
