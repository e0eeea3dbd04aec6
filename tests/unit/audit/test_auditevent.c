/* Log entries rendered as FHIR R4 AuditEvents pass regie's own validator, for every action, with
 * and without the optional fields; the codes, outcome and references are the expected ones. */
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "audit/auditevent.h"
#include "fhir/validate.h"
#include "json/jsonx.h"

static const char *const actions[] = {
    "read",  "vread",     "search", "history", "create", "update", "delete",  "transaction",
    "batch", "operation", "export", "import",  "login",  "logout", "consent", "note"};

/* Formats e into a line and parses it back, as show does. */
static void line_for(const struct audit_entry *e, struct audit_line *l)
{
    char text[AUDIT_LINE_MAX], hash[AUDIT_HASH_HEX], why[128];
    enum audit_err err;
    size_t n =
        audit_line_format(e, 42, "0000000000000000000000000000000000000000000000000000000000000000",
                          NULL, 0, text, hash, &err);
    assert_true(n > 0);
    assert_int_equal(audit_line_parse(text, n - 1, l, why, sizeof why), 0);
}

static json_object *render_valid(const struct audit_entry *e)
{
    static struct audit_line l;
    line_for(e, &l);
    json_object *ev = audit_event_from_line(&l, "regie-dva");
    assert_non_null(ev);
    struct rg_fail f;
    memset(&f, 0, sizeof f);
    if (fhir_validate(ev, &f) != RG_OK)
        fail_msg("%s: invalid at %s: %s\n%s", e->action, f.expression, f.detail,
                 jsonx_text(ev, true, NULL));
    return ev;
}

static const char *str_at(json_object *v, const char *path)
{
    /* path like "a.b.0.c": members and array indexes. */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = buf;
    for (char *part = buf; part; part = save) {
        char *dot = strchr(part, '.');
        save = dot ? dot + 1 : NULL;
        if (dot) *dot = 0;
        if (part[0] >= '0' && part[0] <= '9')
            v = json_object_array_get_idx(v, (size_t)(part[0] - '0'));
        else
            v = jsonx_get(v, part);
        if (!v) return NULL;
    }
    return json_object_get_string(v);
}

static void test_every_action_validates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        struct audit_entry full = {.time = "2026-12-01T10:00:00.123Z",
                                   .actor = "prof-3",
                                   .client = "pgo.example.nl",
                                   .token = "sha256:0011223344556677",
                                   .patient = "pat-1",
                                   .action = actions[i],
                                   .what = "Observation/obs-1",
                                   .outcome = 200,
                                   .purpose = "treatment",
                                   .request = "req-1"};
        json_object_put(render_valid(&full));
        struct audit_entry bare = {.time = "2026-12-01T10:00:00Z",
                                   .actor = "system",
                                   .action = actions[i],
                                   .outcome = 500};
        json_object_put(render_valid(&bare));
        struct audit_entry query = full;
        query.what = "Observation?code,date,_count";
        query.outcome = 404;
        query.purpose = "quality-review"; /* no ActReason code: regie's own system */
        json_object_put(render_valid(&query));
    }
}

static void test_content(void **state)
{
    (void)state;
    struct audit_entry e = {.time = "2026-12-01T10:00:00.123Z",
                            .actor = "user-7",
                            .client = "pgo.example.nl",
                            .token = "sha256:0011",
                            .patient = "pat-1",
                            .action = "read",
                            .what = "Observation/obs-1",
                            .outcome = 403,
                            .purpose = "patient-access",
                            .request = "req-9"};
    json_object *ev = render_valid(&e);
    assert_string_equal(str_at(ev, "resourceType"), "AuditEvent");
    assert_string_equal(str_at(ev, "id"), "audit-42");
    assert_string_equal(str_at(ev, "type.system"),
                        "http://terminology.hl7.org/CodeSystem/audit-event-type");
    assert_string_equal(str_at(ev, "type.code"), "rest");
    assert_string_equal(str_at(ev, "subtype.0.system"), "http://hl7.org/fhir/restful-interaction");
    assert_string_equal(str_at(ev, "subtype.0.code"), "read");
    assert_string_equal(str_at(ev, "action"), "R");
    assert_string_equal(str_at(ev, "recorded"), "2026-12-01T10:00:00.123Z");
    assert_string_equal(str_at(ev, "outcome"), "4");
    assert_string_equal(str_at(ev, "purposeOfEvent.0.coding.0.code"), "PATRQT");
    assert_string_equal(str_at(ev, "agent.0.who.identifier.value"), "user-7");
    assert_true(json_object_get_boolean(
        jsonx_get(json_object_array_get_idx(jsonx_get(ev, "agent"), 0), "requestor")));
    assert_string_equal(str_at(ev, "agent.1.network.address"), "pgo.example.nl");
    assert_string_equal(str_at(ev, "source.observer.display"), "regie-dva");
    assert_string_equal(str_at(ev, "entity.0.what.reference"), "Patient/pat-1");
    assert_string_equal(str_at(ev, "entity.1.what.reference"), "Observation/obs-1");
    assert_string_equal(str_at(ev, "entity.1.detail.0.valueString"), "req-9");
    json_object_put(ev);
    /* Outcome codes and actions. */
    e.outcome = 201;
    e.action = "create";
    ev = render_valid(&e);
    assert_string_equal(str_at(ev, "outcome"), "0");
    assert_string_equal(str_at(ev, "action"), "C");
    json_object_put(ev);
    e.outcome = 503;
    e.action = "search";
    e.what = "Observation?code";
    ev = render_valid(&e);
    assert_string_equal(str_at(ev, "outcome"), "8");
    assert_string_equal(str_at(ev, "action"), "E");
    assert_string_equal(str_at(ev, "entity.1.description"), "Observation?code");
    /* The validator does look: a wrong outcome code or a stray element is refused. */
    struct rg_fail f;
    json_object_object_add(ev, "outcome", json_object_new_string("5"));
    assert_int_not_equal(fhir_validate(ev, &f), RG_OK);
    json_object_object_add(ev, "outcome", json_object_new_string("8"));
    json_object_object_add(ev, "patient", json_object_new_string("x"));
    assert_int_not_equal(fhir_validate(ev, &f), RG_OK);
    json_object_put(ev);
    e.action = "login";
    ev = render_valid(&e);
    assert_string_equal(str_at(ev, "type.code"), "110114");
    assert_string_equal(str_at(ev, "subtype.0.code"), "110122");
    json_object_put(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_action_validates),
                                       cmocka_unit_test(test_content)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
