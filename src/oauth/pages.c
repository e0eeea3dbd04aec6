/* The front-channel pages (see pages.h). Built with struct buf; a page that overflows its buffer
 * is reported as -1 and the caller answers 500. */
#include "oauth/pages.h"

#include <stdio.h>
#include <string.h>

int html_escape(struct buf *out, const char *s)
{
    return html_escape_n(out, s, s ? strlen(s) : 0);
}

int html_escape_n(struct buf *out, const char *s, size_t len)
{
    if (!s) return out->overflowed ? -1 : 0;
    const char *run = s, *end = s + len;
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        const char *ref = NULL;
        switch (c) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) ref = "";
        }
        if (!ref) continue;
        buf_append(out, run, (size_t)(p - run));
        buf_append_str(out, ref);
        run = p + 1;
    }
    buf_append(out, run, (size_t)(end - run));
    return out->overflowed ? -1 : 0;
}

int page_csp(char *out, size_t cap, const char *redirect_origin)
{
    const char *origin = redirect_origin ? redirect_origin : "";
    /* An origin is scheme://host[:port]: anything else (blanks, quotes, ';', ',') could end the
     * directive and add another. */
    for (const char *p = origin; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '/' || c == '[' || c == ']'))
            return -1;
    }
    int n = snprintf(out, cap,
                     "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'%s%s; "
                     "frame-ancestors 'none'; base-uri 'none'",
                     *origin ? " " : "", origin);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* One stylesheet for all pages: readable, high contrast, large targets. */
static const char page_style[] =
    "body{font:1.05rem/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;"
    "color:#111;background:#fff}"
    "h1{font-size:1.4rem}"
    ".standin{border:2px solid #a15c00;background:#fff4e0;padding:.5rem .75rem}"
    ".error{border:2px solid #b00020;background:#fdecee;padding:.5rem .75rem}"
    ".en{color:#444;font-size:.95rem}"
    "label{display:block;margin-top:.75rem;font-weight:600}"
    "input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}"
    "button{font:inherit;padding:.5rem 1.25rem;margin:1rem .5rem 0 0}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}"
    "th,td{border:1px solid #888;padding:.3rem;text-align:left;vertical-align:top}"
    ":focus{outline:3px solid #1d4ed8;outline-offset:2px}";

static void head(struct buf *b, const char *title)
{
    buf_append_str(b, "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    html_escape(b, title);
    buf_append_str(b, "</title>\n<style>");
    buf_append_str(b, page_style);
    buf_append_str(b, "</style>\n</head>\n<body>\n<main>\n");
}

static int tail(struct buf *b)
{
    buf_append_str(b, "</main>\n</body>\n</html>\n");
    return b->overflowed ? -1 : 0;
}

static void hidden(struct buf *b, const char *name, const char *value)
{
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    html_escape(b, value);
    buf_append_str(b, "\">\n");
}

static void form_open(struct buf *b, const char *action, const char *step, const char *req,
                      const char *csrf)
{
    buf_append_str(b, "<form method=\"post\" action=\"");
    html_escape(b, action);
    buf_append_str(b, "\">\n");
    hidden(b, "step", step);
    if (req) hidden(b, "req", req);
    hidden(b, "csrf", csrf);
}

int page_login(struct buf *out, const struct page_login *p)
{
    head(out, "Inloggen");
    buf_append_str(out, "<h1>Inloggen bij ");
    html_escape(out, p->provider);
    buf_append_str(out,
                   "</h1>\n<p class=\"standin\" role=\"note\"><strong>Let op:</strong> dit is ");
    buf_append_str(out, "een lokale vervanger voor DigiD, niet DigiD zelf. Deze inlog geeft geen "
                        "wettelijk betrouwbaarheidsniveau.<br><span class=\"en\" lang=\"en\">This "
                        "is a local stand-in for DigiD, not DigiD.</span> (");
    html_escape(out, p->idp_name);
    buf_append_str(out, ")</p>\n<p>");
    if (p->org) {
        html_escape(out, p->org);
        buf_append_str(out, " vraagt toegang tot uw gegevens. Log eerst in.<br><span class=\"en\" "
                            "lang=\"en\">");
        html_escape(out, p->org);
        buf_append_str(out, " asks for access to your data. Please log in first.</span></p>\n");
    } else {
        buf_append_str(out, "Log in om te zien welke apps uw gegevens mogen ophalen of aanleveren, "
                            "en om een toestemming in te trekken.<br><span class=\"en\" "
                            "lang=\"en\">Log in to see which apps may use your data, and to "
                            "withdraw a consent.</span></p>\n");
    }
    if (p->retry_after_s > 0)
        buf_printf(out,
                   "<p class=\"error\" role=\"alert\">Te veel mislukte pogingen. Probeer het over "
                   "%lld seconden opnieuw.<br><span class=\"en\" lang=\"en\">Too many failed "
                   "attempts. Try again in %lld seconds.</span></p>\n",
                   (long long)p->retry_after_s, (long long)p->retry_after_s);
    else if (p->error) {
        buf_append_str(out, "<p class=\"error\" role=\"alert\">");
        html_escape(out, p->error);
        buf_append_str(out, "</p>\n");
    }
    form_open(out, p->action, "login", p->req, p->csrf);
    buf_append_str(
        out, "<label for=\"username\">Gebruikersnaam</label>\n"
             "<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" "
             "autocapitalize=\"none\" spellcheck=\"false\" required maxlength=\"64\" "
             "value=\"");
    html_escape(out, p->username ? p->username : "");
    buf_append_str(out, "\">\n<label for=\"password\">Wachtwoord</label>\n"
                        "<input id=\"password\" name=\"password\" type=\"password\" "
                        "autocomplete=\"current-password\" required maxlength=\"1024\">\n"
                        "<label for=\"totp\">Code uit uw authenticator-app</label>\n"
                        "<input id=\"totp\" name=\"totp\" type=\"text\" inputmode=\"numeric\" "
                        "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" "
                        "required aria-describedby=\"totp-hint\">\n"
                        "<p id=\"totp-hint\" class=\"en\">Zes cijfers. <span lang=\"en\">Six "
                        "digits from your authenticator app.</span></p>\n"
                        "<button type=\"submit\">Inloggen</button>\n</form>\n");
    return tail(out);
}

const char *page_consent_default_text(int share)
{
    return share ? "Wilt u dat {org} uw gegevens {service} aanlevert bij {provider}?"
                 : "Wilt u dat {org} uw gegevens {service} ophaalt bij {provider}?";
}

const char *page_consent_english_text(int share)
{
    return share ? "Do you want {org} to send your {service} data to {provider}?"
                 : "Do you want {org} to collect your {service} data from {provider}?";
}

/* The services as one phrase: "A", "A en B", "A, B en C" (Dutch) or with "and". */
static void services_phrase(struct buf *b, const struct page_consent *p, const char *and_word)
{
    for (size_t i = 0; i < p->n_services; i++) {
        if (i > 0) buf_append_str(b, i + 1 == p->n_services ? and_word : ", ");
        html_escape(b, p->services[i]);
    }
}

/* Writes the template with its placeholders filled in; the template's own text is escaped too
 * (it comes from the config file). An unknown {name} is written as it stands. */
static void fill(struct buf *b, const char *tpl, const struct page_consent *p, const char *and_word)
{
    const char *s = tpl;
    while (*s) {
        const char *open = strchr(s, '{');
        if (!open) break;
        html_escape_n(b, s, (size_t)(open - s));
        if (!strncmp(open, "{org}", 5)) {
            buf_append_str(b, "<strong>");
            html_escape(b, p->org);
            buf_append_str(b, "</strong>");
            s = open + 5;
        } else if (!strncmp(open, "{service}", 9)) {
            buf_append_str(b, "<strong>");
            services_phrase(b, p, and_word);
            buf_append_str(b, "</strong>");
            s = open + 9;
        } else if (!strncmp(open, "{provider}", 10)) {
            buf_append_str(b, "<strong>");
            html_escape(b, p->provider);
            buf_append_str(b, "</strong>");
            s = open + 10;
        } else {
            buf_append_str(b, "{");
            s = open + 1;
        }
    }
    html_escape(b, s);
}

int page_consent(struct buf *out, const struct page_consent *p)
{
    head(out, "Toestemming");
    buf_append_str(out, "<h1>Toestemming geven</h1>\n");
    if (p->user && *p->user) {
        buf_append_str(out, "<p>Ingelogd als ");
        html_escape(out, p->user);
        buf_append_str(out, ".</p>\n");
    }
    buf_append_str(out, "<p id=\"question\">");
    fill(out, p->text ? p->text : page_consent_default_text(p->share), p, " en ");
    buf_append_str(out, "<br><span class=\"en\" lang=\"en\">");
    fill(out, page_consent_english_text(p->share), p, " and ");
    buf_append_str(out, "</span></p>\n");
    form_open(out, p->action, "consent", p->req, p->csrf);
    buf_append_str(out,
                   "<div role=\"group\" aria-labelledby=\"question\">\n"
                   "<button type=\"submit\" name=\"decision\" value=\"allow\">Toestaan</button>\n"
                   "<button type=\"submit\" name=\"decision\" value=\"deny\">Weigeren</button>\n"
                   "</div>\n</form>\n"
                   "<p class=\"en\">U kunt deze toestemming later intrekken. <span "
                   "lang=\"en\">You can withdraw this consent later.</span></p>\n");
    return tail(out);
}

static void cell(struct buf *out, const char *s)
{
    buf_append_str(out, "<td>");
    html_escape(out, s && *s ? s : "-");
    buf_append_str(out, "</td>");
}

int page_access_log(struct buf *out, const struct page_access_log *p)
{
    head(out, "Wie heeft mijn gegevens ingezien?");
    buf_append_str(out, "<h1>Wie heeft mijn gegevens ingezien bij ");
    html_escape(out, p->provider);
    buf_append_str(out, "?</h1>\n");
    buf_printf(out,
               "<p>%ld keer vastgelegd, de nieuwste eerst. <span class=\"en\" lang=\"en\">"
               "The access log: %ld entries, newest first.</span></p>\n",
               p->total, p->total);
    if (p->n_rows > 0) {
        buf_append_str(out, "<table>\n<caption>Toegangslog <span class=\"en\" lang=\"en\">(access "
                            "log)</span></caption>\n<thead><tr><th scope=\"col\">Wanneer</th>"
                            "<th scope=\"col\">Wie</th><th scope=\"col\">App</th>"
                            "<th scope=\"col\">Wat</th><th scope=\"col\">Waarom</th>"
                            "<th scope=\"col\">Resultaat</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < p->n_rows; i++) {
            const struct page_access_row *r = &p->rows[i];
            buf_append_str(out, "<tr>");
            cell(out, r->when);
            cell(out, r->who);
            cell(out, r->app);
            cell(out, r->what);
            cell(out, r->why);
            cell(out, r->outcome);
            buf_append_str(out, "</tr>\n");
        }
        buf_append_str(out, "</tbody>\n</table>\n");
    }
    if (p->next) {
        buf_append_str(out, "<p><a href=\"");
        html_escape(out, p->next);
        buf_append_str(out, "\">Oudere <span class=\"en\" lang=\"en\">(older)</span></a></p>\n");
    }
    buf_append_str(out, "<p><a href=\"");
    html_escape(out, p->back);
    buf_append_str(out, "\">Terug naar mijn toestemmingen <span class=\"en\" lang=\"en\">(back)"
                        "</span></a></p>\n");
    return tail(out);
}

int page_error(struct buf *out, const struct page_error *p)
{
    head(out, p->title);
    buf_append_str(out, "<h1>");
    html_escape(out, p->title);
    buf_append_str(out, p->notice ? "</h1>\n<p role=\"status\">"
                                  : "</h1>\n<p class=\"error\" role=\"alert\">");
    html_escape(out, p->text);
    if (p->english) {
        buf_append_str(out, "<br><span class=\"en\" lang=\"en\">");
        html_escape(out, p->english);
        buf_append_str(out, "</span>");
    }
    buf_append_str(out, "</p>\n");
    return tail(out);
}

static const char *const consent_state_text[] = {"Actief", "Ingetrokken", "Verlopen"};

int page_consents(struct buf *out, const struct page_consents *p)
{
    head(out, "Mijn toestemmingen");
    buf_append_str(out, "<h1>Mijn toestemmingen bij ");
    html_escape(out, p->provider);
    buf_append_str(out, "</h1>\n");
    if (p->user && *p->user) {
        buf_append_str(out, "<p>Ingelogd als ");
        html_escape(out, p->user);
        buf_append_str(out, ".</p>\n");
    }
    if (p->message) {
        buf_append_str(out, "<p class=\"error\" role=\"status\">");
        html_escape(out, p->message);
        buf_append_str(out, "</p>\n");
    }
    if (p->n_rows == 0) {
        buf_append_str(out, "<p>U heeft geen apps toestemming gegeven. <span class=\"en\" "
                            "lang=\"en\">You have not given any app consent.</span></p>\n");
    } else {
        buf_append_str(out, "<table>\n<caption>Apps met toestemming voor uw gegevens <span "
                            "class=\"en\" lang=\"en\">(apps with consent)</span></caption>\n"
                            "<thead><tr><th scope=\"col\">App</th><th scope=\"col\">Gegevens</th>"
                            "<th scope=\"col\">Gegeven op</th><th scope=\"col\">Geldig tot</th>"
                            "<th scope=\"col\">Status</th><th scope=\"col\">Actie</th></tr>"
                            "</thead>\n<tbody>\n");
        for (size_t i = 0; i < p->n_rows; i++) {
            const struct page_consent_row *r = &p->rows[i];
            buf_append_str(out, "<tr><td>");
            html_escape(out, r->org);
            buf_append_str(out, "</td><td>");
            html_escape(out, r->services);
            buf_append_str(out, "</td><td>");
            html_escape(out, r->given);
            buf_append_str(out, "</td><td>");
            html_escape(out, r->until);
            buf_append_str(out, "</td><td>");
            int st = r->state >= 0 && r->state <= 2 ? r->state : 2;
            buf_append_str(out, consent_state_text[st]);
            buf_append_str(out, "</td><td>");
            if (st == 0) {
                form_open(out, p->action, "revoke", NULL, p->csrf);
                hidden(out, "consent", r->id);
                buf_append_str(out, "<button type=\"submit\" aria-label=\"Intrekken: ");
                html_escape(out, r->org);
                buf_append_str(out, "\">Intrekken</button>\n</form>");
            }
            buf_append_str(out, "</td></tr>\n");
        }
        buf_append_str(out, "</tbody>\n</table>\n<p class=\"en\">Na intrekken kan de app geen "
                            "gegevens meer ophalen of aanleveren. <span lang=\"en\">After "
                            "withdrawal the app can no longer use your data.</span></p>\n");
    }
    buf_append_str(out, "<p><a href=\"");
    html_escape(out, p->action);
    buf_append_str(out, "/log\">Wie heeft mijn gegevens ingezien? (toegangslog)</a> <span "
                        "class=\"en\" lang=\"en\">(who accessed my data: the access "
                        "log)</span></p>\n");
    form_open(out, p->action, "logout", NULL, p->csrf);
    buf_append_str(out, "<button type=\"submit\">Uitloggen</button>\n</form>\n");
    return tail(out);
}
