/* GET /oauth/consents/log: the patient's own access log at this DVA (docs/audit.md "Reading your
 * own log"), for the session of "Mijn toestemmingen" (consents.c). The DVA records every access
 * under the Patient id of the compartment touched (the FHIR API, consents and tokens alike), so
 * the account's BSN finds its Patient (authz_find_patient) and that id finds the entries. The
 * answer is a searchset Bundle of AuditEvent, newest first, paged with count (50, at most 500) and
 * offset; it never holds the BSN (the log refuses one). A browser (Accept: text/html, as when the
 * patient follows the link on the consents page) gets the same page as a table (at most 100 rows).
 * Reading the log is itself recorded. */
#include <stdlib.h>
#include <string.h>

#include "audit/auditbundle.h"
#include "json/jsonx.h"
#include "oauth/authorize_priv.h"
#include "oauth/pages.h"
#include "util/log.h"

#define LOG_PATH "/oauth/consents/log"
#define HTML_ROWS_MAX                                                                              \
    100 /* a page of at most 100 rows fits FRONT_PAGE_LIMIT whatever they hold                     \
         */

static json_object *empty_bundle(void)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(b, "type", json_object_new_string("searchset"));
    json_object_object_add(b, "total", json_object_new_int(0)); /* and no entry */
    return b;
}

/* A browser (Accept: text/html, as when the patient follows the link) gets a table. */
static bool wants_html(struct http_request *req)
{
    const char *accept = http_header(req, "Accept");
    return accept && strstr(accept, "text/html");
}

static const char *member_str(json_object *array, size_t i, const char *a, const char *b)
{
    json_object *v = json_object_array_get_idx(array, i);
    v = jsonx_get(v, a);
    return b ? jsonx_get_str(v, b) : json_object_get_string(v);
}

/* The Bundle in words: one row per AuditEvent (the words the JSON carries, nothing more). */
static void show_html(struct front *f, json_object *bundle)
{
    json_object *entries = jsonx_get(bundle, "entry");
    size_t n = entries ? json_object_array_length(entries) : 0;
    struct page_access_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) {
        front_show_error(f, 500, "Er ging iets mis", "Probeer het later opnieuw.",
                         "Internal error.");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *ev = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        json_object *agents = jsonx_get(ev, "agent"), *ents = jsonx_get(ev, "entity");
        json_object *purposes = jsonx_get(ev, "purposeOfEvent");
        size_t nents = ents ? json_object_array_length(ents) : 0;
        json_object *what = nents > 1 ? json_object_array_get_idx(ents, nents - 1) : NULL;
        rows[i] = (struct page_access_row){
            .when = jsonx_get_str(ev, "recorded"),
            .who = agents ? member_str(agents, 0, "who", "display") : NULL,
            .app = agents && json_object_array_length(agents) > 1
                       ? member_str(agents, 1, "who", "display")
                       : NULL,
            .what = what ? (jsonx_get_str(what, "description")
                                ? jsonx_get_str(what, "description")
                                : jsonx_get_str(jsonx_get(what, "what"), "reference"))
                         : NULL,
            .why = purposes ? member_str(purposes, 0, "text", NULL) : NULL,
            .outcome = jsonx_get_str(ev, "outcomeDesc")};
    }
    const char *next = NULL;
    json_object *links = jsonx_get(bundle, "link");
    for (size_t i = 0; links && i < json_object_array_length(links); i++) {
        const char *rel = member_str(links, i, "relation", NULL);
        if (rel && !strcmp(rel, "next")) next = member_str(links, i, "url", NULL);
    }
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_access_log p = {.provider = front_provider(f->s),
                                .back = "/oauth/consents",
                                .rows = rows,
                                .n_rows = n,
                                .total = (long)json_object_get_int64(jsonx_get(bundle, "total")),
                                .next = next};
    page_access_log(&page, &p);
    front_reply_page(f, 200, &page);
    free(rows);
}

static void audit_read(struct front *f, const struct account *acct, const char *patient_id,
                       int outcome)
{
    struct audit_entry e = {.actor = acct->subject,
                            .patient = patient_id,
                            .action = "search",
                            .what = "AuditEvent?patient",
                            .outcome = outcome,
                            .purpose = "patient-access"};
    enum audit_err err = audit_record(f->s->cfg.audit, &e);
    if (err != AUDIT_OK) log_bug("audit record of a log read failed (%d)", (int)err);
}

static void consents_log_get(struct http_request *req, struct http_reply *rep)
{
    struct front f = {.s = req->app, .req = req, .rep = rep};
    char session[SESSION_TOKEN_LEN];
    struct account acct;
    if (!front_session(&f, session, &acct)) {
        front_show_error(&f, 401, "Niet ingelogd",
                         "Log eerst in bij Mijn toestemmingen (/oauth/consents).",
                         "Log in at /oauth/consents first.");
        return;
    }
    if (acct.role != ACCOUNT_PATIENT) {
        front_show_error(&f, 403, "Geen patiëntaccount",
                         "Alleen een patiënt ziet hier wie zijn gegevens inzag.",
                         "Only a patient sees who accessed their data here.");
        return;
    }
    if (!f.s->cfg.audit) {
        front_show_error(&f, 404, "Geen toegangslog", "Deze zorgaanbieder houdt hier geen log bij.",
                         "This care provider keeps no access log here.");
        return;
    }
    char patient_id[OAUTH_PATIENT_ID_MAX] = "";
    int found = acct.bsn[0] ? authz_find_patient(f.s->cfg.store, acct.bsn, patient_id) : 0;
    json_object *bundle = NULL;
    if (found == 1) {
        bool html = wants_html(req);
        size_t count = audit_bundle_number(http_param(req, "count"), AUDIT_BUNDLE_COUNT_DEFAULT,
                                           html ? HTML_ROWS_MAX : AUDIT_BUNDLE_COUNT_MAX);
        size_t offset = audit_bundle_number(http_param(req, "offset"), 0, AUDIT_BUNDLE_OFFSET_MAX);
        bundle = audit_bundle_patient(f.s->cfg.audit, patient_id, f.s->cfg.provider_name, count,
                                      offset, LOG_PATH);
    } else if (found == 0) {
        bundle = empty_bundle(); /* no record here, so nobody accessed one */
    }
    audit_read(&f, &acct, found == 1 ? patient_id : NULL, bundle ? 200 : 500);
    if (!bundle) {
        front_show_error(&f, 500, "Er ging iets mis", "Uw toegangslog kon niet worden gelezen.",
                         "Your access log could not be read.");
        return;
    }
    if (wants_html(req)) {
        show_html(&f, bundle);
        json_object_put(bundle);
        return;
    }
    http_reply_json(rep, 200, bundle);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_header(rep, "X-Content-Type-Options", "nosniff");
    json_object_put(bundle);
}

size_t oauth_consents_log_routes(struct oauth_server *s, struct http_route *out, size_t cap)
{
    if (cap < 1) return 0;
    out[0] = (struct http_route){.method = "GET",
                                 .pattern = LOG_PATH,
                                 .handler = consents_log_get,
                                 .body = HTTP_BODY_NONE,
                                 .name = "oauth-consents-log",
                                 .ctx = s};
    return 1;
}
