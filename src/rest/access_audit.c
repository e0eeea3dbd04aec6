/* One audit entry per FHIR request (docs/audit.md, "From the FHIR API"): who (the token's
 * subject, or "anonymous-dev" for an unrestricted request), which client and grant, what (the
 * path and the query's parameter NAMES, never their values, plus how many resources the answer
 * held), the outcome, why (the token's purpose) and the MedMij request id.
 *
 * rest_audited wraps every route's handler (routes.c); the handler tells what only it knows (the
 * Patient of an unrestricted read, a search's counts) through rest_note_*, which write into the
 * note of the request this thread is running. A thread-local keeps those notes out of every
 * handler's signature: a handler runs start to end on the thread that called it.
 *
 * audit_record, not audit_submit: the reply must not leave before its entry is on disk, and the
 * dispatcher cannot suspend a connection for a handler, so the worker waits for the sync (which
 * concurrent requests share). */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "rest/internal.h"
#include "util/log.h"

#define WHAT_MAX 512

struct rest_note {
    const char *action; /* replaces the route's, when set */
    char patient[STORE_ID_MAX];
    bool counted, stored_count;
    size_t matches, included, stored;
};

static _Thread_local struct rest_note *current;

void rest_note_patient(const char *id)
{
    if (current && id && strlen(id) < sizeof current->patient)
        memcpy(current->patient, id, strlen(id) + 1);
}

void rest_note_action(const char *action)
{
    if (current) current->action = action;
}

void rest_note_stored(size_t stored)
{
    if (!current) return;
    current->stored_count = true;
    current->stored = stored;
}

void rest_note_count(size_t matches, size_t included)
{
    if (!current) return;
    current->counted = true;
    current->matches = matches;
    current->included = included;
}

/* Appends s to out (cap bytes) with the bytes an audit field refuses ('"', '\', controls, and
 * '=' in what) and anything not plain ASCII replaced by '_'. */
static void append_clean(char *out, size_t cap, size_t *len, const char *s)
{
    for (; *s && *len + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        bool ok = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
        out[(*len)++] = ok ? (char)c : '_';
    }
    out[*len] = '\0';
}

/* The path below the FHIR base: "Observation/x1", "Patient/p1/$everything", "" for the base. */
static const char *fhir_path(const struct http_request *req)
{
    const char *p = req->path ? req->path : "";
    if (!strncmp(p, "/fhir", 5) && (p[5] == '/' || !p[5])) p += 5;
    while (*p == '/') p++;
    return p;
}

/* what: the path, "?" and the distinct parameter names, then the note's counts. */
static void build_what(const struct http_request *req, const struct rest_note *n, char *out,
                       size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    const char *path = fhir_path(req);
    /* The base itself: a Bundle POSTed, or a search of the whole server. */
    if (!path[0]) path = req->method && !strcmp(req->method, "POST") ? "Bundle" : "[base]";
    append_clean(out, cap - 48, &len, path);
    for (size_t i = 0; i < req->nparams; i++) {
        const char *name = req->params[i].name;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = !strcmp(req->params[j].name, name);
        if (seen || !name[0]) continue;
        append_clean(out, cap - 48, &len, i ? "," : "?");
        append_clean(out, cap - 48, &len, name);
    }
    if (n->counted)
        snprintf(out + len, cap - len, " (%zu matches, %zu included)", n->matches, n->included);
    else if (n->stored_count)
        snprintf(out + len, cap - len, " (%zu stored)", n->stored);
}

/* The first path segment only (the type, or "$"-operation), for when the full what is refused
 * (an id of nine digits looks like a BSN to the log). */
static void short_what(const struct http_request *req, char *out, size_t cap)
{
    const char *p = fhir_path(req);
    size_t n = strcspn(p, "/");
    char first[STORE_TYPE_MAX];
    if (n >= sizeof first) n = sizeof first - 1;
    memcpy(first, p, n);
    first[n] = '\0';
    size_t len = 0;
    out[0] = '\0';
    append_clean(out, cap, &len, first);
    append_clean(out, cap, &len, " (id withheld)");
}

/* MedMij-Request-ID (or X-Correlation-ID) when it is a plain token the log takes as it is. */
static const char *request_id(const struct http_request *req)
{
    const char *names[] = {"MedMij-Request-ID", "X-Correlation-ID"};
    for (size_t k = 0; k < 2; k++) {
        const char *v = http_header(req, names[k]);
        if (!v || !v[0] || strlen(v) > 128) continue;
        if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:") ==
            strlen(v))
            return v;
    }
    return NULL;
}

/* Records the entry; false when the log refused it or failed (logged). */
static bool record(struct rest_ctx *rc, const struct http_request *req,
                   const struct http_reply *rep, const char *action, const struct rest_note *n)
{
    const struct rest_access *a = rest_access_of(req);
    char what[WHAT_MAX], purpose[32];
    build_what(req, n, what, sizeof what);
    if (a) snprintf(purpose, sizeof purpose, "medmij-%s", a->purpose[0] ? a->purpose : "access");
    struct audit_entry e = {
        .actor = a ? (a->subject[0] ? a->subject : "unknown-subject") : "anonymous-dev",
        .client = a ? a->client_id : req->client_addr,
        .token = a ? a->grant_id : NULL,
        .patient = a ? a->patient_id : n->patient,
        .action = action,
        .what = what,
        .outcome = rep->status >= 100 && rep->status <= 599 ? rep->status : 500,
        .purpose = a ? purpose : "unrestricted",
        .request = request_id(req),
    };
    enum audit_err err = audit_record(rc->audit, &e);
    if (err == AUDIT_EINVAL || err == AUDIT_ESENSITIVE) {
        /* The path or a parameter name held what the log refuses (a nine-digit id): keep the
         * record with less detail rather than lose it. */
        short_what(req, what, sizeof what);
        e.request = NULL;
        err = audit_record(rc->audit, &e);
    }
    if (err == AUDIT_OK) return true;
    if (err == AUDIT_EINVAL || err == AUDIT_ESENSITIVE)
        log_bug("audit: the entry for %s was refused (%d)", action, (int)err);
    else
        log_warn("audit: the log failed (%d); answering 500", (int)err);
    return false;
}

void rest_audited(struct http_request *req, struct http_reply *rep, http_handler_fn h,
                  const char *action)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    if (!rc->audit) {
        h(req, rep);
        return;
    }
    struct rest_note note = {0};
    struct rest_note *outer = current;
    current = &note;
    h(req, rep);
    current = outer;
    if (record(rc, req, rep, note.action ? note.action : action, &note)) return;
    /* Never serve an access that is not on record. */
    rep->nheaders = 0;
    http_reply_error(rep, RG_E_INTERNAL, "the access could not be recorded");
}
