/* The front-channel pages: html_escape (every special character, controls dropped, UTF-8 kept,
 * NULs inside a length), the CSP header (with and without a redirect origin, refusing an origin
 * that could inject a directive), and that each page is escaped, labelled, in Dutch, and says the
 * login is a stand-in for DigiD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "oauth/pages.h"

static char *escaped(const char *s)
{
    static char out[1024];
    struct buf b;
    buf_init(&b, sizeof out - 1);
    assert_int_equal(html_escape(&b, s), 0);
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    buf_free(&b);
    return out;
}

static void test_escape(void **state)
{
    (void)state;
    assert_string_equal(escaped(""), "");
    assert_string_equal(escaped(NULL), "");
    assert_string_equal(escaped("plain text 123"), "plain text 123");
    assert_string_equal(escaped("<script>alert('x')</script>"),
                        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    assert_string_equal(escaped("a & b \"c\""), "a &amp; b &quot;c&quot;");
    assert_string_equal(escaped("&amp;"), "&amp;amp;"); /* no double-decoding shortcut */
    assert_string_equal(escaped("\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
    /* UTF-8 passes unchanged; controls other than tab, LF, CR are dropped. */
    assert_string_equal(escaped("Huisartsenpraktijk De Linde \xc3\xa9\xe2\x82\xac"),
                        "Huisartsenpraktijk De Linde \xc3\xa9\xe2\x82\xac");
    assert_string_equal(escaped("a\x01"
                                "b\x1b[31mc\x7f"
                                "d\te\nf\rg"),
                        "ab[31mcd\te\nf\rg");
}

static void test_escape_n(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64);
    const char in[] = {'<', '\0', '>', 'x'};
    assert_int_equal(html_escape_n(&b, in, sizeof in), 0);
    assert_string_equal(b.data, "&lt;&gt;x");
    buf_free(&b);
    /* An overflow is reported. */
    buf_init(&b, 8);
    assert_int_equal(html_escape(&b, "<<<<<<<<"), -1);
    buf_free(&b);
}

static void test_csp(void **state)
{
    (void)state;
    char csp[512];
    assert_true(page_csp(csp, sizeof csp, NULL) > 0);
    assert_string_equal(csp, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                             "frame-ancestors 'none'; base-uri 'none'");
    assert_true(page_csp(csp, sizeof csp, "https://pgo.regie.test:8443") > 0);
    assert_non_null(strstr(csp, "form-action 'self' https://pgo.regie.test:8443; "));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    /* Nothing that could end the directive and add a source or another directive. */
    assert_int_equal(page_csp(csp, sizeof csp, "https://a; script-src *"), -1);
    assert_int_equal(page_csp(csp, sizeof csp, "https://a,evil"), -1);
    assert_int_equal(page_csp(csp, sizeof csp, "'unsafe-inline'"), -1);
    assert_int_equal(page_csp(csp, 10, NULL), -1);
}

static char *render_login(const struct page_login *p)
{
    static char out[32768];
    struct buf b;
    buf_init(&b, sizeof out - 1);
    assert_int_equal(page_login(&b, p), 0);
    snprintf(out, sizeof out, "%s", b.data);
    buf_free(&b);
    return out;
}

static void test_login_page(void **state)
{
    (void)state;
    struct page_login p = {.action = "/oauth/authorize",
                           .idp_name = "regie local stand-in for DigiD",
                           .provider = "Praktijk <De Linde>",
                           .org = "PGO \"Evil\" & Co",
                           .req = "abc.def",
                           .csrf = "tok\"en",
                           .username = "<u>",
                           .error = NULL};
    const char *html = render_login(&p);
    assert_non_null(strstr(html, "<!DOCTYPE html>"));
    assert_non_null(strstr(html, "<html lang=\"nl\">"));
    assert_non_null(strstr(html, "niet DigiD zelf"));
    assert_non_null(strstr(html, "not DigiD"));
    assert_non_null(strstr(html, "Praktijk &lt;De Linde&gt;"));
    assert_non_null(strstr(html, "PGO &quot;Evil&quot; &amp; Co"));
    assert_null(strstr(html, "<De Linde>"));
    assert_null(strstr(html, "<u>"));
    assert_non_null(strstr(html, "value=\"&lt;u&gt;\""));
    assert_non_null(strstr(html, "name=\"csrf\" value=\"tok&quot;en\""));
    assert_non_null(strstr(html, "name=\"req\" value=\"abc.def\""));
    assert_non_null(strstr(html, "name=\"step\" value=\"login\""));
    /* Every input has a label. */
    assert_non_null(strstr(html, "<label for=\"username\">"));
    assert_non_null(strstr(html, "<label for=\"password\">"));
    assert_non_null(strstr(html, "<label for=\"totp\">"));
    assert_non_null(strstr(html, "type=\"password\""));
    /* No external resources, no script. */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "role=\"alert\""));

    p.error = "fout <b>";
    html = render_login(&p);
    assert_non_null(strstr(html, "role=\"alert\">fout &lt;b&gt;</p>"));
    p.error = NULL;
    p.retry_after_s = 42;
    html = render_login(&p);
    assert_non_null(strstr(html, "over 42 seconden"));
}

static char *render_consent(const struct page_consent *p)
{
    static char out[32768];
    struct buf b;
    buf_init(&b, sizeof out - 1);
    assert_int_equal(page_consent(&b, p), 0);
    snprintf(out, sizeof out, "%s", b.data);
    buf_free(&b);
    return out;
}

static void test_consent_page(void **state)
{
    (void)state;
    const char *one[] = {"Basisgegevens Zorg"};
    struct page_consent p = {.action = "/oauth/authorize",
                             .org = "Mijn PGO <b.v.>",
                             .provider = "Huisartsenpraktijk De Linde",
                             .services = one,
                             .n_services = 1,
                             .user = "jan",
                             .req = "r",
                             .csrf = "c"};
    const char *html = render_consent(&p);
    assert_non_null(strstr(html, "Wilt u dat <strong>Mijn PGO &lt;b.v.&gt;</strong> uw gegevens "
                                 "<strong>Basisgegevens Zorg</strong> ophaalt bij "
                                 "<strong>Huisartsenpraktijk De Linde</strong>?"));
    assert_non_null(strstr(html, "Do you want <strong>Mijn PGO &lt;b.v.&gt;</strong> to collect"));
    assert_non_null(strstr(html, "value=\"allow\">Toestaan</button>"));
    assert_non_null(strstr(html, "value=\"deny\">Weigeren</button>"));
    assert_non_null(strstr(html, "name=\"step\" value=\"consent\""));
    assert_non_null(strstr(html, "name=\"csrf\" value=\"c\""));
    assert_non_null(strstr(html, "lang=\"nl\""));

    const char *three[] = {"A", "B", "C&D"};
    p.services = three;
    p.n_services = 3;
    p.share = 1;
    html = render_consent(&p);
    assert_non_null(strstr(html, "<strong>A, B en C&amp;D</strong> aanlevert bij"));
    assert_non_null(strstr(html, "<strong>A, B and C&amp;D</strong> data to"));

    /* A configured wording: placeholders filled, its own text escaped, unknown braces kept. */
    p.text = "<i>{org}</i> wil {service} {onbekend} van {provider}";
    p.n_services = 1;
    html = render_consent(&p);
    assert_non_null(strstr(html, "&lt;i&gt;<strong>Mijn PGO &lt;b.v.&gt;</strong>&lt;/i&gt; wil "
                                 "<strong>A</strong> {onbekend} van <strong>Huisartsenpraktijk "
                                 "De Linde</strong>"));
}

static void test_consents_page(void **state)
{
    (void)state;
    const struct page_consent_row rows[] = {
        {.id = "c-1",
         .org = "PGO <1>",
         .services = "A & B",
         .given = "2026-12-01",
         .until = "2027-12-01",
         .state = 0},
        {.id = "c-2",
         .org = "PGO 2",
         .services = "C",
         .given = "2026-01-01",
         .until = "2026-02-01",
         .state = 1},
        {.id = "c-3",
         .org = "PGO 3",
         .services = "D",
         .given = "2025-01-01",
         .until = "2025-02-01",
         .state = 2},
    };
    struct page_consents p = {.action = "/oauth/consents",
                              .provider = "De Linde",
                              .user = "jan",
                              .csrf = "tok",
                              .rows = rows,
                              .n_rows = 3};
    struct buf b;
    buf_init(&b, 65536);
    assert_int_equal(page_consents(&b, &p), 0);
    assert_non_null(strstr(b.data, "<td>PGO &lt;1&gt;</td><td>A &amp; B</td><td>2026-12-01</td>"));
    assert_non_null(strstr(b.data, "<td>Actief</td>"));
    assert_non_null(strstr(b.data, "<td>Ingetrokken</td>"));
    assert_non_null(strstr(b.data, "<td>Verlopen</td>"));
    /* A withdraw button for the active consent only, each form with the CSRF token. */
    assert_non_null(strstr(b.data, "name=\"consent\" value=\"c-1\""));
    assert_null(strstr(b.data, "value=\"c-2\""));
    assert_null(strstr(b.data, "value=\"c-3\""));
    assert_non_null(strstr(b.data, "name=\"step\" value=\"logout\""));
    assert_non_null(strstr(b.data, "name=\"csrf\" value=\"tok\""));
    assert_non_null(strstr(b.data, "<th scope=\"col\">"));
    buf_free(&b);

    buf_init(&b, 65536);
    p.n_rows = 0;
    p.message = "<ok>";
    assert_int_equal(page_consents(&b, &p), 0);
    assert_non_null(strstr(b.data, "geen apps toestemming"));
    assert_non_null(strstr(b.data, "&lt;ok&gt;"));
    assert_null(strstr(b.data, "<table"));
    buf_free(&b);
}

static void test_error_page(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16384);
    struct page_error e = {.title = "Fout <x>", .text = "Tekst & meer", .english = "Eng'lish"};
    assert_int_equal(page_error(&b, &e), 0);
    assert_non_null(strstr(b.data, "<title>Fout &lt;x&gt;</title>"));
    assert_non_null(strstr(b.data, "Tekst &amp; meer"));
    assert_non_null(strstr(b.data, "Eng&#39;lish"));
    assert_null(strstr(b.data, "<form"));
    assert_non_null(strstr(b.data, "role=\"alert\""));
    buf_free(&b);
    buf_init(&b, 16384);
    e.notice = true;
    assert_int_equal(page_error(&b, &e), 0);
    assert_null(strstr(b.data, "role=\"alert\""));
    assert_non_null(strstr(b.data, "<p role=\"status\">Tekst &amp; meer"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),       cmocka_unit_test(test_escape_n),
        cmocka_unit_test(test_csp),          cmocka_unit_test(test_login_page),
        cmocka_unit_test(test_consent_page), cmocka_unit_test(test_consents_page),
        cmocka_unit_test(test_error_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
