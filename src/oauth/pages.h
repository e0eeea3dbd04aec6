/* The DVA's front-channel HTML pages: the login page of the local stand-in for DigiD, the consent
 * page with its fixed wording, and the error page. Every page is small, standalone HTML5 in Dutch
 * (lang="nl", an English line under the main text), one inline <style>, no scripts, images or
 * other resources, so the Content-Security-Policy of page_csp can forbid everything else. Every
 * value that did not come from this file passes html_escape. */
#ifndef REGIE_OAUTH_PAGES_H
#define REGIE_OAUTH_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Appends s with & < > " ' written as character references, so it is safe in element text and in
 * a quoted attribute value. C0 control characters other than tab, LF and CR, and DEL, are dropped
 * (they are not allowed in HTML text). Returns 0, or -1 when the buffer overflowed. */
int html_escape(struct buf *out, const char *s);
/* The same for s[0..len) (which may hold NUL bytes: they are dropped as well). */
int html_escape_n(struct buf *out, const char *s, size_t len);

/* The Content-Security-Policy of every page: nothing may load, inline style only, forms post to
 * this origin and (for the consent page, whose answer redirects there) to redirect_origin
 * ("https://pgo.example:8443"; NULL or "" for none); no framing. Returns the length, or -1 when
 * cap is too small or redirect_origin holds a character that could break the header. */
int page_csp(char *out, size_t cap, const char *redirect_origin);

/* Login at the local stand-in for DigiD. */
struct page_login {
    const char *action;    /* form action, e.g. "/oauth/authorize" */
    const char *idp_name;  /* the identity provider's own name (says it is a stand-in) */
    const char *provider;  /* this DVA's display name */
    const char *org;       /* the PGO organisation asking (from the OCL); NULL on the consents
                              page, which no app asks for */
    const char *req;       /* the pending request's handle (hidden field); NULL for none */
    const char *csrf;      /* the login form's CSRF token (hidden field) */
    const char *username;  /* refilled after a failed attempt; NULL for empty */
    const char *error;     /* a message shown above the form; NULL for none */
    int64_t retry_after_s; /* > 0: logins are paused this many seconds (lockout or throttle) */
};
int page_login(struct buf *out, const struct page_login *p);

/* The consent question. The wording is fixed: text (the [oauth] consent_text setting, or NULL for
 * the default of the kind) with {org}, {service} and {provider} filled in, each value escaped. */
struct page_consent {
    const char *action;
    const char *text;            /* template; NULL: page_consent_default_text(share) */
    int share;                   /* the services write (share) rather than read (collect) */
    const char *org;             /* OAuthclientOrganisatienaam */
    const char *provider;        /* this DVA's display name */
    const char *const *services; /* display names (GNL Weergavenaam or the config's name) */
    size_t n_services;
    const char *user; /* who is logged in (the account's display), may be NULL */
    const char *req;
    const char *csrf;
};
int page_consent(struct buf *out, const struct page_consent *p);

/* The fixed Dutch question of the consent page, by kind; and the English line under it. */
const char *page_consent_default_text(int share);
const char *page_consent_english_text(int share);

/* "Mijn toestemmingen": the patient's consents at this DVA, each active one with a button to
 * withdraw it (step=revoke, consent=<id>), and a logout button (step=logout). */
struct page_consent_row {
    const char *id;       /* the consent id (hidden field) */
    const char *org;      /* the app's organisation (OCL), or its client_id */
    const char *services; /* the data services' names, joined */
    const char *given;    /* dates, YYYY-MM-DD */
    const char *until;
    int state; /* 0 active, 1 withdrawn, 2 expired */
};
struct page_consents {
    const char *action;
    const char *provider;
    const char *user;
    const char *csrf;
    const char *message; /* shown above the table; NULL for none */
    const struct page_consent_row *rows;
    size_t n_rows;
};
int page_consents(struct buf *out, const struct page_consents *p);

/* "Wie heeft mijn gegevens ingezien?": the patient's access log at this DVA, newest first, one
 * row per entry (the JSON answer's AuditEvents in words), a link to the next page and back. */
struct page_access_row {
    const char *when;    /* FHIR instant */
    const char *who;     /* the actor */
    const char *app;     /* the client, or NULL */
    const char *what;    /* "Type/id" or a query's parameter names */
    const char *why;     /* the purpose */
    const char *outcome; /* "HTTP 200" */
};
struct page_access_log {
    const char *provider;
    const char *back; /* the consents page */
    const struct page_access_row *rows;
    size_t n_rows;
    long total;       /* entries in all */
    const char *next; /* the next page's URL, or NULL */
};
int page_access_log(struct buf *out, const struct page_access_log *p);

/* An error shown to the user (never a redirect): a Dutch title and text, and an English line. */
struct page_error {
    const char *title;
    const char *text;
    const char *english;
    bool notice; /* not an error: a plain message ("U bent uitgelogd") */
};
int page_error(struct buf *out, const struct page_error *p);

#endif
