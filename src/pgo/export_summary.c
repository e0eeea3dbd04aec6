/* summary.html of an export: a page a person can read without the app, in Dutch and English side
 * by side. Self-contained (inline style, no scripts, no external links; a Content-Security-Policy
 * that forbids scripts in case a viewer opens it from disk), every text from the data escaped.
 * Sections follow the BgZ (Basisgegevensset Zorg) grouping; the patient's own measurements get
 * their own section. Each item: what, its date, and where it came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/export.h"
#include "util/buf.h"

#define HTML_MAX (64u << 20)

struct section {
    const char *nl, *en;
    const char *types[6]; /* NULL-terminated; "Observation" splits into collected and own */
};

static const struct section sections[] = {
    {"Problemen", "Problems", {"Condition", NULL}},
    {"Allergie\xc3\xabn en intoleranties",
     "Allergies and intolerances",
     {"AllergyIntolerance", NULL}},
    {"Waarschuwingen", "Alerts", {"Flag", NULL}},
    {"Medicatie",
     "Medication",
     {"MedicationStatement", "MedicationRequest", "MedicationDispense", "MedicationAdministration",
      "Medication", NULL}},
    {"Vaccinaties", "Immunizations", {"Immunization", NULL}},
    {"Metingen en uitslagen", "Measurements and results", {"Observation", NULL}},
    {"Verrichtingen", "Procedures", {"Procedure", NULL}},
    {"Contacten", "Encounters", {"Encounter", NULL}},
    {"Hulpmiddelen", "Medical devices", {"DeviceUseStatement", "Device", NULL}},
    {"Wilsverklaringen", "Advance directives", {"Consent", NULL}},
    {"Betalers", "Payers", {"Coverage", NULL}},
    {"Zorgverleners en zorgaanbieders",
     "Care providers",
     {"Practitioner", "PractitionerRole", "Organization", NULL}},
};
#define NSECTIONS (sizeof sections / sizeof sections[0])
/* Two more groups after the sections: the patient's own measurements, and everything else. */
#define OWN   NSECTIONS
#define OTHER (NSECTIONS + 1)

static void esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            buf_append_str(b, "&lt;");
            break;
        case '>':
            buf_append_str(b, "&gt;");
            break;
        case '&':
            buf_append_str(b, "&amp;");
            break;
        case '"':
            buf_append_str(b, "&quot;");
            break;
        case '\'':
            buf_append_str(b, "&#39;");
            break;
        default:
            buf_append_char(b, *s);
        }
    }
}

static const char *str_at(json_object *v, const char *a, const char *b)
{
    json_object *x = jsonx_get(v, a);
    if (x && json_object_is_type(x, json_type_array)) x = json_object_array_get_idx(x, 0);
    return b ? jsonx_get_str(x, b)
             : (json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL);
}

/* The text of a CodeableConcept: text, else the first coding's display, else its code. */
static const char *concept(json_object *c)
{
    if (c && json_object_is_type(c, json_type_array)) c = json_object_array_get_idx(c, 0);
    const char *t = jsonx_get_str(c, "text");
    if (t) return t;
    json_object *codings = jsonx_get(c, "coding");
    for (size_t i = 0; codings && i < json_object_array_length(codings); i++) {
        json_object *cd = json_object_array_get_idx(codings, i);
        if ((t = jsonx_get_str(cd, "display"))) return t;
    }
    return codings ? jsonx_get_str(json_object_array_get_idx(codings, 0), "code") : NULL;
}

static const char *title_of(json_object *r)
{
    static const char *const concepts[] = {"code", "medicationCodeableConcept", "vaccineCode",
                                           "type", "category"};
    const char *t;
    for (size_t i = 0; i < sizeof concepts / sizeof *concepts; i++)
        if ((t = concept(jsonx_get(r, concepts[i])))) return t;
    if ((t = str_at(r, "name", NULL))) return t; /* Organization */
    if ((t = str_at(r, "name", "text"))) return t;
    if ((t = str_at(r, "name", "family"))) return t;
    if ((t = str_at(r, "deviceName", "name"))) return t;
    return NULL;
}

static const char *date_of(json_object *r)
{
    static const char *const plain[] = {"effectiveDateTime",
                                        "effectiveInstant",
                                        "onsetDateTime",
                                        "occurrenceDateTime",
                                        "performedDateTime",
                                        "authoredOn",
                                        "recordedDate",
                                        "dateAsserted",
                                        "issued",
                                        "date"};
    static const char *const periods[] = {"effectivePeriod", "performedPeriod", "period",
                                          "onsetPeriod", "timingPeriod"};
    const char *t;
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        if ((t = jsonx_get_str(r, plain[i]))) return t;
    for (size_t i = 0; i < sizeof periods / sizeof *periods; i++)
        if ((t = jsonx_get_str(jsonx_get(r, periods[i]), "start"))) return t;
    return "";
}

/* A measurement's value: "72 kg", "120/80 mm[Hg]", a text. */
static void value_of(struct buf *b, json_object *r)
{
    json_object *q = jsonx_get(r, "valueQuantity");
    const char *t;
    if (q) {
        json_object *v = jsonx_get(q, "value");
        if (v) esc(b, json_object_get_string(v));
        if ((t = jsonx_get_str(q, "unit")) || (t = jsonx_get_str(q, "code"))) {
            buf_append_char(b, ' ');
            esc(b, t);
        }
        return;
    }
    json_object *comps = jsonx_get(r, "component");
    const char *unit = NULL;
    for (size_t i = 0; comps && i < json_object_array_length(comps); i++) {
        json_object *cq = jsonx_get(json_object_array_get_idx(comps, i), "valueQuantity");
        json_object *v = jsonx_get(cq, "value");
        if (!v) continue;
        if (i) buf_append_char(b, '/');
        esc(b, json_object_get_string(v));
        if (!unit)
            unit =
                jsonx_get_str(cq, "unit") ? jsonx_get_str(cq, "unit") : jsonx_get_str(cq, "code");
    }
    if (unit) {
        buf_append_char(b, ' ');
        esc(b, unit);
    }
    if ((t = jsonx_get_str(r, "valueString"))) esc(b, t);
    if ((t = concept(jsonx_get(r, "valueCodeableConcept")))) esc(b, t);
}

/* Who a meta.source names: the provider of the report whose resource endpoint it is. */
static const char *source_name(json_object *report, const char *source)
{
    json_object *providers = jsonx_get(report, "providers");
    for (size_t i = 0; source && providers && i < json_object_array_length(providers); i++) {
        json_object *p = json_object_array_get_idx(providers, i);
        const char *ep = jsonx_get_str(p, "resource_endpoint");
        if (ep && !strcmp(ep, source))
            return jsonx_get_str(p, "display") ? jsonx_get_str(p, "display")
                                               : jsonx_get_str(p, "provider");
    }
    return source;
}

static size_t group_of(json_object *r)
{
    const char *type = jsonx_get_str(r, "resourceType");
    if (!strcmp(type, "Observation") && !jsonx_get_str(jsonx_get(r, "meta"), "source")) return OWN;
    for (size_t s = 0; s < NSECTIONS; s++)
        for (size_t t = 0; sections[s].types[t]; t++)
            if (!strcmp(type, sections[s].types[t])) return s;
    return OTHER;
}

struct item {
    json_object *r;
    const char *date;
    size_t order;
};

/* Newest first; the export's order (type, id) breaks ties, so the page is deterministic. */
static int by_date(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(y->date, x->date);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void item_row(struct buf *b, json_object *r, const char *date, json_object *report)
{
    const char *title = title_of(r);
    buf_append_str(b, "<tr><td>");
    if (title)
        esc(b, title);
    else {
        esc(b, jsonx_get_str(r, "resourceType"));
        buf_append_char(b, '/');
        esc(b, jsonx_get_str(r, "id"));
    }
    buf_append_str(b, "</td><td>");
    if (!strcmp(jsonx_get_str(r, "resourceType"), "Observation")) value_of(b, r);
    buf_append_str(b, "</td><td>");
    esc(b, date);
    buf_append_str(b, "</td><td>");
    const char *source = jsonx_get_str(jsonx_get(r, "meta"), "source");
    if (source)
        esc(b, source_name(report, source));
    else
        buf_append_str(b, "zelf ingevoerd / entered by you");
    buf_append_str(b, "</td></tr>\n");
}

static void group(struct buf *b, const char *nl, const char *en, json_object *resources,
                  size_t which, json_object *report)
{
    size_t n = json_object_array_length(resources), k = 0;
    struct item *items = calloc(n ? n : 1, sizeof *items);
    if (!items) return;
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(resources, i);
        const char *type = jsonx_get_str(r, "resourceType");
        if (type && strcmp(type, "Patient") != 0 && group_of(r) == which)
            items[k++] = (struct item){.r = r, .date = date_of(r), .order = i};
    }
    if (k) {
        qsort(items, k, sizeof *items, by_date);
        buf_printf(b, "<section>\n<h2>%s <span lang=\"en\">/ %s</span> (%zu)</h2>\n", nl, en, k);
        buf_append_str(b, "<table>\n<tr><th>Wat / What</th><th>Waarde / Value</th>"
                          "<th>Datum / Date</th><th>Bron / Source</th></tr>\n");
        for (size_t i = 0; i < k; i++) item_row(b, items[i].r, items[i].date, report);
        buf_append_str(b, "</table>\n</section>\n");
    }
    free(items);
}

static void who(struct buf *b, json_object *resources, const char *username, const char *subject)
{
    json_object *patient = NULL;
    for (size_t i = 0; i < json_object_array_length(resources); i++) {
        json_object *r = json_object_array_get_idx(resources, i);
        const char *id = jsonx_get_str(r, "id"), *type = jsonx_get_str(r, "resourceType");
        if (type && !strcmp(type, "Patient") && id && !strcmp(id, subject)) patient = r;
    }
    buf_append_str(b, "<dl>\n<dt>Account</dt><dd>");
    esc(b, username);
    buf_append_str(b, "</dd>\n");
    const char *name = str_at(patient, "name", "text");
    if (name) {
        buf_append_str(b, "<dt>Naam / Name</dt><dd>");
        esc(b, name);
        buf_append_str(b, "</dd>\n");
    }
    const char *birth = jsonx_get_str(patient, "birthDate");
    if (birth) {
        buf_append_str(b, "<dt>Geboortedatum / Date of birth</dt><dd>");
        esc(b, birth);
        buf_append_str(b, "</dd>\n");
    }
}

char *pgo_export_summary(json_object *resources, json_object *report, const char *username,
                         const char *subject, const char *exported_at)
{
    struct buf b;
    buf_init(&b, HTML_MAX);
    buf_append_str(&b,
                   "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>Mijn gezondheidsgegevens / My health data</title>\n<style>\n"
                   "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1a1a1a;"
                   "max-width:60rem}\n"
                   "table{border-collapse:collapse;width:100%}th,td{text-align:left;"
                   "padding:.3rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}\n"
                   "h2{margin-top:2rem;font-size:1.2rem}span[lang=en]{color:#444}\n"
                   "dt{font-weight:bold}\n</style>\n</head>\n<body>\n"
                   "<h1>Mijn gezondheidsgegevens <span lang=\"en\">/ My health data</span></h1>\n");
    who(&b, resources, username, subject);
    buf_append_str(&b, "<dt>Ge\xc3\xabxporteerd / Exported</dt><dd>");
    esc(&b, exported_at);
    buf_printf(&b, "</dd>\n<dt>Gegevens / Records</dt><dd>%zu</dd>\n</dl>\n",
               json_object_array_length(resources));
    for (size_t s = 0; s < NSECTIONS; s++)
        group(&b, sections[s].nl, sections[s].en, resources, s, report);
    group(&b, "Eigen metingen", "Own measurements", resources, OWN, report);
    group(&b, "Overig", "Other", resources, OTHER, report);
    json_object *providers = jsonx_get(report, "providers");
    if (providers && json_object_array_length(providers)) {
        buf_append_str(&b, "<section>\n<h2>Verbindingen <span lang=\"en\">/ Connections</span></h2>"
                           "\n<table>\n<tr><th>Zorgaanbieder / Provider</th><th>Gegevensdienst / "
                           "Data service</th><th>Laatst opgehaald / Last collected</th></tr>\n");
        for (size_t i = 0; i < json_object_array_length(providers); i++) {
            json_object *p = json_object_array_get_idx(providers, i);
            buf_append_str(&b, "<tr><td>");
            esc(&b, jsonx_get_str(p, "display") ? jsonx_get_str(p, "display")
                                                : jsonx_get_str(p, "provider"));
            buf_append_str(&b, "</td><td>");
            esc(&b, jsonx_get_str(p, "service_name") ? jsonx_get_str(p, "service_name")
                                                     : jsonx_get_str(p, "service"));
            buf_append_str(&b, "</td><td>");
            esc(&b, jsonx_get_str(p, "last_collected"));
            buf_append_str(&b, "</td></tr>\n");
        }
        buf_append_str(&b, "</table>\n</section>\n");
    }
    buf_append_str(&b,
                   "<p>Alle gegevens staan ook in bundle.json en ndjson/ (FHIR R4). "
                   "<span lang=\"en\">All data is also in bundle.json and ndjson/ (FHIR R4).</span>"
                   "</p>\n</body>\n</html>\n");
    size_t len;
    return b.overflowed ? NULL : buf_steal(&b, &len);
}
