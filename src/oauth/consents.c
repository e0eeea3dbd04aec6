/* "Mijn toestemmingen" (docs/oauth.md): the patient's own page at the DVA, outside any
 * authorization request, to see which apps hold a consent and to withdraw one.
 *
 *   GET  /oauth/consents                  the list for a live patient session, else the login page
 *   POST /oauth/consents step=login       login at the stand-in for DigiD (login CSRF), then the
 * list POST /oauth/consents step=revoke      consent=<id>: oauth_grants_consent_revoke (session
 * CSRF) POST /oauth/consents step=logout      ends the session
 *
 * A withdrawn consent ends its refresh and access tokens at once (the grant store revokes the
 * family), so the app can collect or share nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oauth/authorize_priv.h"
#include "oauth/pages.h"
#include "util/log.h"

#define CONSENTS_ACTION "/oauth/consents"
#define CONSENTS_MAX    200 /* rows shown; a patient with more sees the newest */
#define SERVICES_TEXT   512
#define DATE_TEXT       16

struct consent_list {
    struct oauth_consent *items;
    size_t n;
};

static int collect(const struct oauth_consent *c, void *ctx)
{
    struct consent_list *l = ctx;
    if (l->n >= CONSENTS_MAX) return 1;
    l->items[l->n++] = *c;
    return 0;
}

static void date_text(int64_t t, char out[DATE_TEXT])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(out, DATE_TEXT, "%Y-%m-%d", &tm) == 0)
        snprintf(out, DATE_TEXT, "-");
}

static void consents_login(struct front *f, int status, const char *username, const char *error,
                           int64_t retry_after)
{
    char pre[SESSION_TOKEN_LEN], csrf[CSRF_TOKEN_LEN];
    bool fresh = false;
    if (!front_login_token(f, pre, &fresh) ||
        accounts_csrf_token(f->s->cfg.accounts, pre, csrf) != ACCOUNTS_OK) {
        log_bug("consents login page could not be prepared");
        front_show_error(f, 500, "Er ging iets mis", "Probeer het later opnieuw.",
                         "Internal error.");
        return;
    }
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_login p = {.action = CONSENTS_ACTION,
                           .idp_name =
                               f->s->cfg.idp && f->s->cfg.idp->name ? f->s->cfg.idp->name : "",
                           .provider = front_provider(f->s),
                           .csrf = csrf,
                           .username = username,
                           .error = error,
                           .retry_after_s = retry_after};
    page_login(&page, &p);
    if (fresh) front_set_cookie(f, SESSION_LOGIN_COOKIE_NAME, pre);
    if (retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_after);
        http_reply_header(f->rep, "Retry-After", ra);
    }
    front_reply_page(f, status, &page);
}

/* The services of a consent by name (GNL, else the catalogue, else the id), joined. */
static void services_text(const struct oauth_server *s, const struct medmij_list *gnl,
                          const struct oauth_consent *c, char out[SERVICES_TEXT])
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->nservice_ids; i++) {
        const char *id = c->service_ids[i];
        const char *name = gnl ? medmij_gnl_name(gnl, id) : NULL;
        const struct oauth_service *svc = oauth_service_find(s, id);
        if (!name || !*name) name = svc && svc->name && *svc->name ? svc->name : id;
        int n = snprintf(out + used, SERVICES_TEXT - used, "%s%s", i ? ", " : "", name);
        if (n < 0 || (size_t)n >= SERVICES_TEXT - used) break;
        used += (size_t)n;
    }
}

static void show_list(struct front *f, int status, const char *session, const struct account *acct,
                      const char *message)
{
    char csrf[CSRF_TOKEN_LEN];
    struct consent_list l = {.items = calloc(CONSENTS_MAX, sizeof(struct oauth_consent))};
    struct page_consent_row *rows = calloc(CONSENTS_MAX, sizeof *rows);
    char(*texts)[SERVICES_TEXT] = calloc(CONSENTS_MAX, sizeof *texts);
    char(*dates)[2][DATE_TEXT] = calloc(CONSENTS_MAX, sizeof *dates);
    if (!l.items || !rows || !texts || !dates ||
        accounts_csrf_token(f->s->cfg.accounts, session, csrf) != ACCOUNTS_OK ||
        oauth_grants_consents(f->s->grants, acct->subject, collect, &l) != OAUTH_GRANTS_OK) {
        log_bug("the consents page could not be prepared");
        front_show_error(f, 500, "Er ging iets mis", "Probeer het later opnieuw.",
                         "Internal error.");
        goto out;
    }
    const struct medmij_list *ocl = medmij_lists_acquire(f->s->cfg.lists, MEDMIJ_OCL);
    const struct medmij_list *gnl = medmij_lists_acquire(f->s->cfg.lists, MEDMIJ_GNL);
    int64_t now = oauth_now(f->s);
    for (size_t i = 0; i < l.n; i++) {
        const struct oauth_consent *c = &l.items[i];
        const struct medmij_client *client = ocl ? medmij_ocl_client(ocl, c->client_id) : NULL;
        services_text(f->s, gnl, c, texts[i]);
        date_text(c->created, dates[i][0]);
        date_text(c->expires, dates[i][1]);
        rows[i] = (struct page_consent_row){
            .id = c->id,
            .org = client && client->organisation ? client->organisation : c->client_id,
            .services = texts[i],
            .given = dates[i][0],
            .until = dates[i][1],
            .state = c->revoked          ? 1
                     : c->expires <= now ? 2
                                         : 0};
    }
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_consents p = {.action = CONSENTS_ACTION,
                              .provider = front_provider(f->s),
                              .user = acct->username,
                              .csrf = csrf,
                              .message = message,
                              .rows = rows,
                              .n_rows = l.n};
    page_consents(&page, &p);
    if (gnl) medmij_lists_release(f->s->cfg.lists, gnl);
    if (ocl) medmij_lists_release(f->s->cfg.lists, ocl);
    front_reply_page(f, status, &page);
out:
    free(l.items);
    free(rows);
    free(texts);
    free(dates);
}

static bool patient_account(struct front *f, enum account_role role)
{
    if (role == ACCOUNT_PATIENT) return true;
    front_show_error(f, 403, "Geen patiëntaccount",
                     "Alleen een patiënt ziet hier de toestemmingen die hij gaf.",
                     "Only a patient sees the consents they gave here.");
    return false;
}

static void step_login(struct front *f)
{
    struct idp_identity id;
    if (!front_login(f, consents_login, &id)) return;
    if (!patient_account(f, id.role)) return;
    char session[SESSION_TOKEN_LEN];
    if (!front_session_start(f, &id, session)) return;
    struct account acct;
    if (accounts_session_check(f->s->cfg.accounts, session, &acct) != ACCOUNTS_OK) {
        front_show_error(f, 503, "Inloggen niet beschikbaar", "Probeer het later opnieuw.",
                         "No session.");
        return;
    }
    log_info("consents: login of %s", acct.subject);
    show_list(f, 200, session, &acct, NULL);
}

static void audit_revoke(struct front *f, const struct account *acct, const struct oauth_consent *c)
{
    if (!f->s->cfg.audit) return;
    char what[OAUTH_CONSENT_ID_LEN + 24];
    snprintf(what, sizeof what, "Consent/%s withdrawn", c->id);
    struct audit_entry e = {.actor = acct->subject,
                            .client = c->client_id,
                            .patient = c->patient_id,
                            .action = "consent",
                            .what = what,
                            .outcome = 200,
                            .purpose = "patient-access"};
    enum audit_err err = audit_record(f->s->cfg.audit, &e);
    if (err != 0) log_bug("audit record of a withdrawn consent failed (%d)", (int)err);
}

/* Finds the consent among the patient's own (so the audit names its client and Patient). */
struct find_one {
    const char *id;
    struct oauth_consent found;
    bool ok;
};

static int find_one(const struct oauth_consent *c, void *ctx)
{
    struct find_one *fo = ctx;
    if (strcmp(c->id, fo->id) != 0) return 0;
    fo->found = *c;
    fo->ok = true;
    return 1;
}

static void step_revoke(struct front *f, const char *session, const struct account *acct)
{
    const char *id = http_param(f->req, "consent");
    struct find_one fo = {.id = id ? id : ""};
    if (!id ||
        oauth_grants_consents(f->s->grants, acct->subject, find_one, &fo) != OAUTH_GRANTS_OK ||
        !fo.ok) {
        show_list(f, 404, session, acct, "Deze toestemming is niet gevonden.");
        return;
    }
    enum oauth_grants_rc rc = oauth_grants_consent_revoke(f->s->grants, id, acct->subject);
    if (rc == OAUTH_GRANTS_NOT_FOUND) {
        show_list(f, 404, session, acct, "Deze toestemming was al ingetrokken of verlopen.");
        return;
    }
    if (rc != OAUTH_GRANTS_OK) {
        log_bug("consent could not be withdrawn: %s", oauth_grants_rc_text(rc));
        show_list(f, 500, session, acct, "Intrekken is niet gelukt. Probeer het later opnieuw.");
        return;
    }
    log_info("consents: %s withdrew consent %s of client %s", acct->subject, fo.found.id,
             fo.found.client_id);
    audit_revoke(f, acct, &fo.found);
    show_list(f, 200, session, acct, "De toestemming is ingetrokken.");
}

static void consents_get(struct http_request *req, struct http_reply *rep)
{
    struct front f = {.s = req->app, .req = req, .rep = rep};
    char session[SESSION_TOKEN_LEN];
    struct account acct;
    if (front_session(&f, session, &acct) && acct.role == ACCOUNT_PATIENT)
        show_list(&f, 200, session, &acct, NULL);
    else
        consents_login(&f, 200, NULL, NULL, 0);
}

static void consents_post(struct http_request *req, struct http_reply *rep)
{
    struct front f = {.s = req->app, .req = req, .rep = rep};
    const char *step = http_param(req, "step");
    if (step && !strcmp(step, "login")) {
        step_login(&f);
        return;
    }
    char session[SESSION_TOKEN_LEN];
    struct account acct;
    if (!front_session(&f, session, &acct) || acct.role != ACCOUNT_PATIENT) {
        consents_login(&f, 401, NULL, "Uw sessie is verlopen. Log opnieuw in.", 0);
        return;
    }
    const char *csrf = http_param(req, "csrf");
    if (!csrf || !accounts_csrf_verify(f.s->cfg.accounts, session, csrf)) {
        log_client("consents: CSRF token missing or not of this session");
        front_show_error(&f, 403, "Formulier ongeldig",
                         "Dit formulier hoort niet bij uw sessie. Laad de pagina opnieuw.",
                         "This form does not belong to your session.");
        return;
    }
    if (step && !strcmp(step, "revoke")) {
        step_revoke(&f, session, &acct);
    } else if (step && !strcmp(step, "logout")) {
        accounts_session_end(f.s->cfg.accounts, session);
        front_set_cookie(&f, SESSION_COOKIE_NAME, NULL);
        front_show_error(&f, 200, "Uitgelogd", "U bent uitgelogd.", "You are logged out.");
    } else {
        front_show_error(&f, 400, "Ongeldig verzoek", "Onbekende stap.", "Unknown step.");
    }
}

size_t oauth_consents_routes(struct oauth_server *s, struct http_route *out, size_t cap)
{
    if (cap < 2) return 0;
    out[0] = (struct http_route){.method = "GET",
                                 .pattern = "/oauth/consents",
                                 .handler = consents_get,
                                 .body = HTTP_BODY_NONE,
                                 .name = "oauth-consents",
                                 .ctx = s};
    out[1] = (struct http_route){.method = "POST",
                                 .pattern = "/oauth/consents",
                                 .handler = consents_post,
                                 .body = HTTP_BODY_FORM,
                                 .body_limit = 16u << 10,
                                 .name = "oauth-consents-form",
                                 .ctx = s};
    return 2;
}
