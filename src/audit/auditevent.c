/* Renders a log entry as an R4 AuditEvent: type and subtype from the audit-event-type and
 * restful-interaction code systems (DICOM codes for login and export), action C/R/U/D/E, outcome
 * 0/4/8 from the HTTP status, the actor and the client as agents, the patient and the touched
 * resource or query as entities, the purpose as purposeOfEvent. */
#include "audit/auditevent.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CS_EVENT_TYPE "http://terminology.hl7.org/CodeSystem/audit-event-type"
#define CS_RESTFUL    "http://hl7.org/fhir/restful-interaction"
#define CS_DICOM      "http://dicom.nema.org/resources/ontology/DCM"
#define CS_ENTITY     "http://terminology.hl7.org/CodeSystem/audit-entity-type"
#define CS_ROLE       "http://terminology.hl7.org/CodeSystem/object-role"
#define CS_SOURCE     "http://terminology.hl7.org/CodeSystem/security-source-type"
#define CS_ACTREASON  "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define CS_PURPOSE    "urn:regie:audit-purpose"
#define CS_AGENT_TYPE "http://terminology.hl7.org/CodeSystem/extra-security-role-type"

struct action_map {
    const char *action;
    const char *type_system, *type_code, *type_display;
    const char *sub_system, *sub_code; /* NULL: no subtype */
    const char *fhir_action;
};

static const struct action_map action_maps[] = {
    {"read", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "read", "R"},
    {"vread", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "vread", "R"},
    {"history", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "history-instance", "R"},
    /* A search is "E" in R4's guidance: a query is executed, what it returns is not known here. */
    {"search", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "search-type", "E"},
    {"create", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "create", "C"},
    {"update", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "update", "U"},
    {"delete", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "delete", "D"},
    {"transaction", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "transaction", "E"},
    {"batch", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "batch", "E"},
    {"operation", CS_EVENT_TYPE, "rest", "RESTful Operation", CS_RESTFUL, "operation", "E"},
    {"consent", CS_EVENT_TYPE, "rest", "RESTful Operation", NULL, NULL, "U"},
    {"export", CS_DICOM, "110106", "Export", NULL, NULL, "R"},
    {"import", CS_DICOM, "110107", "Import", NULL, NULL, "C"},
    {"login", CS_DICOM, "110114", "User Authentication", CS_DICOM, "110122", "E"},
    {"logout", CS_DICOM, "110114", "User Authentication", CS_DICOM, "110123", "E"},
    {"note", CS_DICOM, "110100", "Application Activity", NULL, NULL, "E"},
};

/* The purposes regie writes that have a v3-ActReason code. */
static const char *act_reason(const char *purpose)
{
    if (!strcmp(purpose, "treatment")) return "TREAT";
    if (!strcmp(purpose, "patient-access") || !strncmp(purpose, "medmij-", 7)) return "PATRQT";
    if (!strcmp(purpose, "recovery") || !strcmp(purpose, "system")) return "HOPERAT";
    return NULL;
}

static json_object *coding(const char *system, const char *code, const char *display)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "system", json_object_new_string(system));
    json_object_object_add(c, "code", json_object_new_string(code));
    if (display) json_object_object_add(c, "display", json_object_new_string(display));
    return c;
}

static json_object *concept(json_object *coding_obj, const char *text)
{
    json_object *cc = json_object_new_object(), *arr = json_object_new_array();
    json_object_array_add(arr, coding_obj);
    json_object_object_add(cc, "coding", arr);
    if (text) json_object_object_add(cc, "text", json_object_new_string(text));
    return cc;
}

static json_object *display_ref(const char *system, const char *value)
{
    json_object *ref = json_object_new_object(), *id = json_object_new_object();
    json_object_object_add(id, "system", json_object_new_string(system));
    json_object_object_add(id, "value", json_object_new_string(value));
    json_object_object_add(ref, "identifier", id);
    json_object_object_add(ref, "display", json_object_new_string(value));
    return ref;
}

/* "Type/id" with a type of letters and an id of FHIR id characters: a reference. */
static bool is_reference(const char *what)
{
    const char *slash = strchr(what, '/');
    if (!slash || slash == what || slash[1] == 0 || what[0] < 'A' || what[0] > 'Z') return false;
    for (const char *p = what; p < slash; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) return false;
    for (const char *p = slash + 1; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.'))
            return false;
    return strlen(slash + 1) <= 64;
}

static json_object *agents(const struct audit_entry *e)
{
    json_object *arr = json_object_new_array();
    json_object *who = json_object_new_object();
    json_object_object_add(who, "who", display_ref("urn:regie:actor", e->actor));
    json_object_object_add(who, "requestor", json_object_new_boolean(1));
    if (*e->token) {
        /* The token's reference (a hash), so a patient can see which grant was used. */
        json_object *alt = json_object_new_string(e->token);
        json_object_object_add(who, "altId", alt);
    }
    json_object_array_add(arr, who);
    if (*e->client) {
        json_object *app = json_object_new_object();
        json_object_object_add(
            app, "type",
            concept(coding(CS_AGENT_TYPE, "dataprocessor", "data processor"), "client"));
        json_object_object_add(app, "who", display_ref("urn:regie:client", e->client));
        json_object_object_add(app, "requestor", json_object_new_boolean(0));
        json_object *net = json_object_new_object();
        json_object_object_add(net, "address", json_object_new_string(e->client));
        json_object_object_add(net, "type", json_object_new_string("1")); /* machine name */
        json_object_object_add(app, "network", net);
        json_object_array_add(arr, app);
    }
    return arr;
}

static json_object *entities(const struct audit_entry *e)
{
    json_object *arr = json_object_new_array();
    if (*e->patient) {
        json_object *p = json_object_new_object(), *ref = json_object_new_object();
        char buf[80];
        snprintf(buf, sizeof buf, "Patient/%s", e->patient);
        json_object_object_add(ref, "reference", json_object_new_string(buf));
        json_object_object_add(p, "what", ref);
        json_object_object_add(p, "type", coding(CS_ENTITY, "1", "Person"));
        json_object_object_add(p, "role", coding(CS_ROLE, "1", "Patient"));
        json_object_array_add(arr, p);
    }
    if (*e->what) {
        json_object *w = json_object_new_object();
        if (is_reference(e->what)) {
            json_object *ref = json_object_new_object();
            json_object_object_add(ref, "reference", json_object_new_string(e->what));
            json_object_object_add(w, "what", ref);
            json_object_object_add(w, "type", coding(CS_ENTITY, "2", "System Object"));
        } else {
            /* A query (parameter names only) or a note: described, not referenced. */
            json_object_object_add(w, "type", coding(CS_ENTITY, "2", "System Object"));
            json_object_object_add(w, "description", json_object_new_string(e->what));
        }
        json_object_array_add(arr, w);
    }
    size_t n = json_object_array_length(arr);
    if (n && *e->request) {
        /* The request id ties the event to the MedMij request (MedMij-Request-ID). */
        json_object *detail = json_object_new_array(), *d = json_object_new_object();
        json_object_object_add(d, "type", json_object_new_string("request-id"));
        json_object_object_add(d, "valueString", json_object_new_string(e->request));
        json_object_array_add(detail, d);
        json_object_object_add(json_object_array_get_idx(arr, n - 1), "detail", detail);
    }
    return arr;
}

json_object *audit_event_from_line(const struct audit_line *l, const char *observer)
{
    const struct audit_entry *e = &l->e;
    const struct action_map *m = NULL;
    for (size_t i = 0; i < sizeof action_maps / sizeof action_maps[0]; i++)
        if (!strcmp(action_maps[i].action, e->action)) m = &action_maps[i];
    if (!m) return NULL; /* a parsed line always has a known action */
    json_object *ev = json_object_new_object();
    if (!ev) return NULL;
    char id[32];
    snprintf(id, sizeof id, "audit-%" PRIu64, l->seq);
    json_object_object_add(ev, "resourceType", json_object_new_string("AuditEvent"));
    json_object_object_add(ev, "id", json_object_new_string(id));
    json_object_object_add(ev, "type", coding(m->type_system, m->type_code, m->type_display));
    if (m->sub_code) {
        json_object *sub = json_object_new_array();
        json_object_array_add(sub, coding(m->sub_system, m->sub_code, NULL));
        json_object_object_add(ev, "subtype", sub);
    }
    json_object_object_add(ev, "action", json_object_new_string(m->fhir_action));
    json_object_object_add(ev, "recorded", json_object_new_string(e->time));
    const char *outcome = e->outcome < 400 ? "0" : e->outcome < 500 ? "4" : "8";
    json_object_object_add(ev, "outcome", json_object_new_string(outcome));
    char desc[32];
    snprintf(desc, sizeof desc, "HTTP %d", e->outcome);
    json_object_object_add(ev, "outcomeDesc", json_object_new_string(desc));
    if (*e->purpose) {
        const char *code = act_reason(e->purpose);
        json_object *pur = json_object_new_array();
        json_object_array_add(pur, concept(code ? coding(CS_ACTREASON, code, NULL)
                                                : coding(CS_PURPOSE, e->purpose, NULL),
                                           e->purpose));
        json_object_object_add(ev, "purposeOfEvent", pur);
    }
    json_object_object_add(ev, "agent", agents(e));
    json_object *src = json_object_new_object(), *types = json_object_new_array();
    json_object *obs = json_object_new_object();
    json_object_object_add(obs, "display", json_object_new_string(observer ? observer : "regie"));
    json_object_object_add(src, "observer", obs);
    json_object_array_add(types, coding(CS_SOURCE, "4", "Application Server"));
    json_object_object_add(src, "type", types);
    json_object_object_add(ev, "source", src);
    json_object *ents = entities(e);
    if (json_object_array_length(ents))
        json_object_object_add(ev, "entity", ents);
    else
        json_object_put(ents);
    return ev;
}
