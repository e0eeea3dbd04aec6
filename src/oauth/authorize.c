/* The DVA's front channel: GET/POST /oauth/authorize (docs/oauth.md, "Authorize and consent").
 *
 *   GET  /oauth/authorize?response_type=code&client_id=..&...   the authorization request: checked
 *        (authorize_request.c), then the login page of the stand-in for DigiD (or, for a browser
 *        with a live patient session, the consent page)
 *   POST /oauth/authorize step=login    username, password, TOTP code: the login; then the consent
 *                                       page
 *   POST /oauth/authorize step=consent  decision=allow|deny: the consent and a code, or
 *                                       access_denied, as a redirect to the client
 *   POST /oauth/authorize without step  an authorization request sent as a form (RFC 6749 §3.1)
 *   GET/POST /oauth/consents             the patient's own consents page (consents.c)
 *
 * Every form carries the pending request (sealed, authorize_pending.c) and a CSRF token: of the
 * pre-login cookie on the login form, of the session on the consent form. Nothing here logs a
 * BSN, password, TOTP code, authorization code or session id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/authorize_priv.h"
#include "oauth/pages.h"
#include "util/log.h"

#define AUTHZ_ACTION        "/oauth/authorize"
#define FORM_BODY_LIMIT     (64u << 10)
#define LOCATION_MAX        1024
#define CONSENT_TTL_DEFAULT (365 * 86400)

/* ---- replies ---- */

/* The answer to the client by redirect: error (with the state) or code. */
static void redirect_back(struct front *f, const char *key, const char *value)
{
    char location[LOCATION_MAX];
    if (authz_redirect_location(location, sizeof location, f->r.redirect_uri, key, value,
                                f->r.state) != 0) {
        /* The bounds on redirect_uri and state make this impossible; a page is the safe answer. */
        log_bug("authorization redirect does not fit %d bytes", LOCATION_MAX);
        front_show_error(f, 500, "Er ging iets mis", "De app kon niet worden teruggeroepen.",
                         "Could not redirect back to the app.");
        return;
    }
    http_reply_redirect(f->rep, 302, location);
    http_reply_header(f->rep, "Referrer-Policy", "no-referrer");
    oauth_echo_request_ids(f->rep, f->r.request_id, f->r.correlation_id);
}

/* A check that failed: a page for an untrusted client or redirect_uri, a redirect otherwise. */
static void refuse(struct front *f, const struct authz_verdict *v)
{
    log_client("authorize refused: %s (%s); client %s, request %s, correlation %s", v->error,
               v->description, f->r.redirect_uri[0] ? f->r.client_id : "(unchecked)",
               f->r.request_id[0] ? f->r.request_id : "-",
               f->r.correlation_id[0] ? f->r.correlation_id : "-");
    if (v->outcome == AUTHZ_REDIRECT) {
        redirect_back(f, "error", v->error);
        return;
    }
    f->r.redirect_origin[0] = '\0'; /* not trusted: no form may go there */
    if (v->status == 503)
        front_show_error(
            f, 503, "Tijdelijk niet beschikbaar",
            "De lijst met toegestane apps is nu niet beschikbaar. Probeer het later opnieuw.",
            v->description);
    else if (!strcmp(v->error, "invalid_client"))
        front_show_error(
            f, 400, "Onbekende app",
            "De app (PGO) die u hierheen stuurde is niet bekend of niet toegestaan. U bent "
            "niet doorgestuurd.",
            v->description);
    else
        front_show_error(
            f, 400, "Ongeldig verzoek",
            "Het verzoek van uw app is niet geldig, en het adres om naar terug te keren kan "
            "niet worden vertrouwd. U bent niet doorgestuurd.",
            v->description);
}

/* ---- pages ---- */

static void show_login(struct front *f, int status, const char *username, const char *error,
                       int64_t retry_after)
{
    char pre[SESSION_TOKEN_LEN], csrf[CSRF_TOKEN_LEN];
    bool fresh = false;
    char *sealed = authz_pending_seal(&f->r, oauth_now(f->s));
    if (!sealed || !front_login_token(f, pre, &fresh) ||
        accounts_csrf_token(f->s->cfg.accounts, pre, csrf) != ACCOUNTS_OK) {
        free(sealed);
        log_bug("login page could not be prepared");
        front_show_error(f, 500, "Er ging iets mis", "Probeer het later opnieuw.",
                         "Internal error.");
        return;
    }
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_login p = {.action = AUTHZ_ACTION,
                           .idp_name =
                               f->s->cfg.idp && f->s->cfg.idp->name ? f->s->cfg.idp->name : "",
                           .provider = front_provider(f->s),
                           .org = f->r.org,
                           .req = sealed,
                           .csrf = csrf,
                           .username = username,
                           .error = error,
                           .retry_after_s = retry_after};
    page_login(&page, &p);
    free(sealed);
    if (fresh) front_set_cookie(f, SESSION_LOGIN_COOKIE_NAME, pre);
    if (retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry_after);
        http_reply_header(f->rep, "Retry-After", ra);
    }
    front_reply_page(f, status, &page);
}

static void show_consent(struct front *f, const char *session, const char *user)
{
    char csrf[CSRF_TOKEN_LEN];
    char *sealed = authz_pending_seal(&f->r, oauth_now(f->s));
    if (!sealed || accounts_csrf_token(f->s->cfg.accounts, session, csrf) != ACCOUNTS_OK) {
        free(sealed);
        log_bug("consent page could not be prepared");
        front_show_error(f, 500, "Er ging iets mis", "Probeer het later opnieuw.",
                         "Internal error.");
        return;
    }
    /* Service names: the GNL's Weergavenaam, else the catalogue's name, else the id. */
    const struct medmij_list *gnl = medmij_lists_acquire(f->s->cfg.lists, MEDMIJ_GNL);
    const char *names[OAUTH_SCOPE_IDS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < f->r.grant.nservices && n < OAUTH_SCOPE_IDS_MAX; i++) {
        const struct oauth_service *svc = f->r.grant.services[i];
        const char *name = gnl ? medmij_gnl_name(gnl, svc->id) : NULL;
        if (!name || !*name) name = svc->name && *svc->name ? svc->name : svc->id;
        names[n++] = name;
    }
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_consent p = {.action = AUTHZ_ACTION,
                             .text = f->s->cfg.consent_text,
                             .share = f->r.grant.share,
                             .org = f->r.org,
                             .provider = front_provider(f->s),
                             .services = names,
                             .n_services = n,
                             .user = user,
                             .req = sealed,
                             .csrf = csrf};
    page_consent(&page, &p);
    if (gnl) medmij_lists_release(f->s->cfg.lists, gnl);
    free(sealed);
    front_reply_page(f, 200, &page);
}

/* A patient account with a BSN whose record this DVA holds: 1 with patient_id filled; 0 after
 * answering with an error page. */
static int patient_of(struct front *f, enum account_role role, const char *bsn,
                      char patient_id[OAUTH_PATIENT_ID_MAX])
{
    if (role != ACCOUNT_PATIENT || !bsn || !*bsn) {
        front_show_error(
            f, 403, "Geen patiëntaccount",
            "Met dit account kunt u geen toestemming geven: het hoort niet bij een patiënt "
            "met een burgerservicenummer.",
            "This account is not a patient account with a BSN.");
        return 0;
    }
    int found = authz_find_patient(f->s->cfg.store, bsn, patient_id);
    if (found == 1) return 1;
    if (found == 0) {
        const char *provider = front_provider(f->s);
        char text[512];
        snprintf(text, sizeof text,
                 "U bent ingelogd, maar %s heeft geen dossier dat bij uw burgerservicenummer "
                 "hoort. Er zijn dus geen gegevens om te delen. Neem contact op met %s als u "
                 "denkt dat dit niet klopt.",
                 provider, provider);
        front_show_error(f, 404, "Geen dossier gevonden", text,
                         "You are logged in, but this care provider holds no record for you.");
        return 0;
    }
    front_show_error(f, 500, "Er ging iets mis",
                     "Uw dossier kon niet eenduidig worden gevonden. Probeer het later opnieuw.",
                     "The record could not be found unambiguously.");
    return 0;
}

static void audit(struct front *f, const char *action, const char *actor, const char *patient,
                  const char *what, int outcome)
{
    if (!f->s->cfg.audit) return;
    struct audit_entry e = {.actor = actor,
                            .client = f->r.client_id,
                            .patient = patient,
                            .action = action,
                            .what = what,
                            .outcome = outcome,
                            .purpose = f->r.grant.share ? "medmij-share" : "medmij-collect",
                            .request =
                                f->r.correlation_id[0] ? f->r.correlation_id : f->r.request_id};
    enum audit_err err = audit_record(f->s->cfg.audit, &e);
    if (err != 0) log_bug("audit record of the authorization failed (%d)", (int)err);
}

/* ---- steps ---- */

static void step_login(struct front *f)
{
    struct idp_identity id;
    if (!front_login(f, show_login, &id)) return;
    char patient_id[OAUTH_PATIENT_ID_MAX];
    if (!patient_of(f, id.role, id.bsn, patient_id)) return;
    char session[SESSION_TOKEN_LEN];
    if (!front_session_start(f, &id, session)) return;
    log_info("authorize: login of %s for client %s (request %s)", id.subject, f->r.client_id,
             f->r.request_id[0] ? f->r.request_id : "-");
    audit(f, "login", id.subject, patient_id, "oauth/authorize", 200);
    show_consent(f, session, id.display);
}

static void step_consent(struct front *f)
{
    char session[SESSION_TOKEN_LEN];
    struct account acct;
    if (!front_session(f, session, &acct)) {
        show_login(f, 401, NULL, "Uw sessie is verlopen. Log opnieuw in.", 0);
        return;
    }
    const char *csrf = http_param(f->req, "csrf");
    if (!csrf || !accounts_csrf_verify(f->s->cfg.accounts, session, csrf)) {
        log_client("authorize consent refused: CSRF token missing or not of this session");
        front_show_error(f, 403, "Formulier ongeldig",
                         "Dit formulier hoort niet bij uw sessie. Begin opnieuw in uw app.",
                         "This form does not belong to your session.");
        return;
    }
    const char *decision = http_param(f->req, "decision");
    bool allow = decision && !strcmp(decision, "allow");
    if (!allow && !(decision && !strcmp(decision, "deny"))) {
        front_show_error(f, 400, "Ongeldig antwoord", "Kies Toestaan of Weigeren.",
                         "Choose Allow or Deny.");
        return;
    }
    char patient_id[OAUTH_PATIENT_ID_MAX];
    if (!patient_of(f, acct.role, acct.bsn, patient_id)) return;
    /* The DVA's session served this one question: the next client logs in again. */
    accounts_session_end(f->s->cfg.accounts, session);
    front_set_cookie(f, SESSION_COOKIE_NAME, NULL);
    if (!allow) {
        log_info("authorize: %s denied client %s (request %s)", acct.subject, f->r.client_id,
                 f->r.request_id[0] ? f->r.request_id : "-");
        audit(f, "consent", acct.subject, patient_id, "oauth/authorize denied", 403);
        redirect_back(f, "error", "access_denied");
        return;
    }
    struct oauth_consent in, out;
    memset(&in, 0, sizeof in);
    snprintf(in.subject, sizeof in.subject, "%s", acct.subject);
    snprintf(in.patient_id, sizeof in.patient_id, "%s", patient_id);
    snprintf(in.client_id, sizeof in.client_id, "%s", f->r.client_id);
    snprintf(in.scope, sizeof in.scope, "%s", f->r.scope);
    for (size_t i = 0; i < f->r.grant.nservices && i < OAUTH_SCOPE_IDS_MAX; i++)
        snprintf(in.service_ids[in.nservice_ids++], OAUTH_SERVICE_ID_MAX, "%s",
                 f->r.grant.services[i]->id);
    int64_t ttl = f->s->cfg.consent_ttl > 0 ? f->s->cfg.consent_ttl : CONSENT_TTL_DEFAULT;
    char code[OAUTH_TOKEN_LEN];
    enum oauth_grants_rc rc = oauth_grants_consent_create(f->s->grants, &in, ttl, &out);
    if (rc == OAUTH_GRANTS_OK)
        rc = oauth_grants_code_issue(f->s->grants, out.id, f->r.redirect_uri, f->r.code_challenge,
                                     code);
    if (rc != OAUTH_GRANTS_OK) {
        log_bug("consent or code could not be stored: %s", oauth_grants_rc_text(rc));
        redirect_back(f, "error", "server_error");
        return;
    }
    log_info("authorize: consent %s of %s for client %s (request %s)", out.id, acct.subject,
             f->r.client_id, f->r.request_id[0] ? f->r.request_id : "-");
    char what[OAUTH_CONSENT_ID_LEN + 16];
    snprintf(what, sizeof what, "Consent/%s", out.id);
    audit(f, "consent", acct.subject, patient_id, what, 302);
    redirect_back(f, "code", code);
    memset(code, 0, sizeof code);
}

/* The authorization request itself (GET, or POST without a step). */
static void authorization_request(struct front *f)
{
    struct authz_verdict v;
    if (authz_check(f->s, f->req->params, f->req->nparams, &f->r, &v) != AUTHZ_VALID) {
        refuse(f, &v);
        return;
    }
    log_info("authorize: request of client %s for scope %s (request %s, correlation %s)",
             f->r.client_id, f->r.scope, f->r.request_id[0] ? f->r.request_id : "-",
             f->r.correlation_id[0] ? f->r.correlation_id : "-");
    char session[SESSION_TOKEN_LEN];
    struct account acct;
    if (front_session(f, session, &acct)) {
        char patient_id[OAUTH_PATIENT_ID_MAX];
        if (patient_of(f, acct.role, acct.bsn, patient_id)) show_consent(f, session, acct.username);
        return;
    }
    show_login(f, 200, NULL, NULL, 0);
}

static void authorize_get(struct http_request *req, struct http_reply *rep)
{
    struct front f = {.s = req->app, .req = req, .rep = rep};
    authorization_request(&f);
}

static void authorize_post(struct http_request *req, struct http_reply *rep)
{
    struct front f = {.s = req->app, .req = req, .rep = rep};
    const char *step = http_param(req, "step");
    if (!step) {
        authorization_request(&f);
        return;
    }
    const char *sealed = http_param(req, "req");
    struct http_params pending;
    http_params_init(&pending);
    if (!sealed || authz_pending_open(sealed, oauth_now(f.s), &pending) != 0) {
        http_params_free(&pending);
        log_client("authorize %s: no valid pending request",
                   strcmp(step, "login") ? "consent" : "login");
        front_show_error(&f, 400, "Verzoek verlopen",
                         "Deze aanvraag is verlopen of ongeldig. Begin opnieuw in uw app.",
                         "This request has expired or is not valid. Start again in your app.");
        return;
    }
    /* The lists may have changed since the request was made: check it again. */
    struct authz_verdict v;
    enum authz_outcome o = authz_check(f.s, pending.items, pending.n, &f.r, &v);
    http_params_free(&pending);
    if (o != AUTHZ_VALID) {
        refuse(&f, &v);
        return;
    }
    if (!strcmp(step, "login"))
        step_login(&f);
    else if (!strcmp(step, "consent"))
        step_consent(&f);
    else
        front_show_error(&f, 400, "Ongeldig verzoek", "Onbekende stap.", "Unknown step.");
}

size_t oauth_front_routes(struct oauth_server *s, struct http_route *out, size_t cap)
{
    if (cap < 5) return 0; /* all or none: authorize, consents, consents/log */
    out[0] = (struct http_route){.method = "GET",
                                 .pattern = "/oauth/authorize",
                                 .handler = authorize_get,
                                 .body = HTTP_BODY_NONE,
                                 .name = "oauth-authorize",
                                 .ctx = s};
    out[1] = (struct http_route){.method = "POST",
                                 .pattern = "/oauth/authorize",
                                 .handler = authorize_post,
                                 .body = HTTP_BODY_FORM,
                                 .body_limit = FORM_BODY_LIMIT,
                                 .name = "oauth-authorize-form",
                                 .ctx = s};
    size_t n = 2 + oauth_consents_routes(s, out + 2, cap - 2);
    return n + oauth_consents_log_routes(s, out + n, cap - n);
}
