/* What the DVA's front-channel pages share (authorize_priv.h, "the front"): the security headers
 * of every page, page and error replies, cookies, the pre-login token and the session check. */
#include <string.h>

#include "oauth/authorize_priv.h"
#include "oauth/pages.h"
#include "util/log.h"

#define COOKIE_VALUE_MAX 256

static void security_headers(struct http_reply *rep, const char *redirect_origin)
{
    char csp[1024];
    if (page_csp(csp, sizeof csp, redirect_origin) < 0) page_csp(csp, sizeof csp, NULL);
    http_reply_header(rep, "Content-Security-Policy", csp);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_header(rep, "X-Content-Type-Options", "nosniff");
    http_reply_header(rep, "X-Frame-Options", "DENY");
    http_reply_header(rep, "Referrer-Policy", "no-referrer");
}

void front_reply_page(struct front *f, int status, struct buf *page)
{
    if (page->overflowed || !page->data) {
        log_bug("front page did not fit %u bytes", FRONT_PAGE_LIMIT);
        http_reply_text(f->rep, 500, "text/plain; charset=utf-8", "internal error\n", 15);
        buf_free(page);
        return;
    }
    security_headers(f->rep, f->r.redirect_origin);
    http_reply_text(f->rep, status, "text/html; charset=utf-8", page->data, page->len);
    oauth_echo_request_ids(f->rep, f->r.request_id, f->r.correlation_id);
    buf_free(page);
}

void front_show_error(struct front *f, int status, const char *title, const char *text,
                      const char *english)
{
    struct buf page;
    buf_init(&page, FRONT_PAGE_LIMIT);
    struct page_error e = {
        .title = title, .text = text, .english = english, .notice = status < 400};
    page_error(&page, &e);
    front_reply_page(f, status, &page);
}

void front_set_cookie(struct front *f, const char *name, const char *token)
{
    char v[COOKIE_VALUE_MAX];
    int n = token ? session_cookie_named(name, token, v, sizeof v)
                  : session_cookie_clear_named(name, v, sizeof v);
    if (n > 0) http_reply_header(f->rep, "Set-Cookie", v);
}

bool front_login_token(struct front *f, char pre[SESSION_TOKEN_LEN], bool *fresh)
{
    const char *cookie = http_header(f->req, "Cookie");
    *fresh = false;
    if (cookie && session_cookie_find(cookie, strlen(cookie), SESSION_LOGIN_COOKIE_NAME, pre) == 0)
        return true;
    uint8_t unused[SESSION_HASH_BYTES];
    if (session_new(pre, unused) != 0) return false;
    *fresh = true;
    return true;
}

bool front_login_csrf_ok(struct front *f)
{
    const char *cookie = http_header(f->req, "Cookie");
    const char *csrf = http_param(f->req, "csrf");
    char pre[SESSION_TOKEN_LEN];
    return cookie && csrf &&
           session_cookie_find(cookie, strlen(cookie), SESSION_LOGIN_COOKIE_NAME, pre) == 0 &&
           accounts_csrf_verify(f->s->cfg.accounts, pre, csrf);
}

bool front_session(struct front *f, char token[SESSION_TOKEN_LEN], struct account *acct)
{
    const char *cookie = http_header(f->req, "Cookie");
    return cookie && session_cookie_parse(cookie, strlen(cookie), token) == 0 &&
           accounts_session_check(f->s->cfg.accounts, token, acct) == ACCOUNTS_OK;
}

const char *front_provider(const struct oauth_server *s)
{
    return s->cfg.display_name && *s->cfg.display_name ? s->cfg.display_name : s->cfg.provider_name;
}

int front_login(struct front *f, front_login_page_fn show_login, struct idp_identity *out)
{
    memset(out, 0, sizeof *out);
    if (!front_login_csrf_ok(f)) {
        log_client("login refused: CSRF token missing or not of this browser");
        show_login(f, 403, NULL,
                   "Dit formulier is verlopen of niet van deze browser. Log opnieuw in.", 0);
        return 0;
    }
    const char *username = http_param(f->req, "username");
    const char *password = http_param(f->req, "password");
    const char *totp = http_param(f->req, "totp");
    struct idp *idp = f->s->cfg.idp;
    if (!idp || !idp->authenticate) {
        log_bug("the DVA's identity provider has no login form");
        front_show_error(f, 500, "Er ging iets mis", "Inloggen is nu niet mogelijk.",
                         "Login is not available.");
        return 0;
    }
    if (!username || !*username || !password || !*password || !totp || !*totp) {
        show_login(f, 400, username, "Vul uw gebruikersnaam, wachtwoord en code in.", 0);
        return 0;
    }
    int64_t retry_after = 0;
    enum idp_rc rc = idp->authenticate(idp->ctx, username, password, totp, f->req->client_addr, out,
                                       &retry_after);
    if (rc == IDP_LOCKED) {
        show_login(f, 429, username, NULL, retry_after > 0 ? retry_after : 1);
        return 0;
    }
    if (rc == IDP_DENIED || rc == IDP_INVALID) {
        show_login(f, 401, username,
                   "Inloggen is mislukt: gebruikersnaam, wachtwoord of code klopt niet.", 0);
        return 0;
    }
    if (rc != IDP_OK) {
        front_show_error(f, 503, "Inloggen niet beschikbaar", "Probeer het later opnieuw.",
                         "Login is not available; try again later.");
        return 0;
    }
    return 1;
}

int front_session_start(struct front *f, const struct idp_identity *id,
                        char session[SESSION_TOKEN_LEN])
{
    if (id->account_id <= 0 ||
        accounts_session_start(f->s->cfg.accounts, id->account_id, session) != ACCOUNTS_OK) {
        front_show_error(f, 503, "Inloggen niet beschikbaar", "Probeer het later opnieuw.",
                         "No session could be started.");
        return 0;
    }
    /* A new session id at every login; the pre-login token has served. */
    front_set_cookie(f, SESSION_LOGIN_COOKIE_NAME, NULL);
    front_set_cookie(f, SESSION_COOKIE_NAME, session);
    return 1;
}
