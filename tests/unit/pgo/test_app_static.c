/* The web app's static files (src/pgo/app_static.c) on a real HTTP server over a temp folder:
 * media types, the security and caching headers, ETag and 304, HEAD, the redirect from /, no
 * directory listings, every way out of the folder refused (.., encoded .., empty segments,
 * backslashes, NUL, hidden names, a symlink out), a missing folder, the size cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <time.h>

#include "api_fixture.h"
#include "pgo/app_static.h"

#define SECRET "top-secret-outside-the-folder"

struct sfx {
    char dir[64];  /* holds web/ and secret.txt beside it */
    char web[128]; /* the app folder */
    struct pgo_app *app, *missing;
    struct http_route routes[2 * PGO_APP_ROUTES];
    struct http_server *srv, *srv_missing;
    struct fx f, f_missing; /* only .port is used (fx_request) */
};

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

static struct http_server *serve_app(struct pgo_app *app, struct http_route *routes)
{
    size_t n = pgo_app_routes(app, routes, PGO_APP_ROUTES);
    struct http_server_config cfg = {
        .host = "127.0.0.1", .port = 0, .routes = routes, .nroutes = n};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = 2;
    char err[256];
    return http_server_start(&cfg, err, sizeof err);
}

static int setup(void **state)
{
    struct sfx *s = calloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/regie-app-XXXXXX");
    if (!mkdtemp(s->dir)) return -1;
    snprintf(s->web, sizeof s->web, "%s/web", s->dir);
    char assets[160];
    snprintf(assets, sizeof assets, "%s/assets", s->web);
    if (mkdir(s->web, 0700) != 0 || mkdir(assets, 0700) != 0) return -1;
    *state = s;
    write_file(s->dir, "secret.txt", SECRET, strlen(SECRET));
    write_file(s->web, "index.html", "<!doctype html><title>app</title>", 33);
    write_file(s->web, ".hidden", SECRET, strlen(SECRET));
    const char *names[] = {"assets/main-1a2b.js",
                           "assets/x.mjs",
                           "assets/style-9f.css",
                           "logo.svg",
                           "icon.png",
                           "favicon.ico",
                           "manifest.json",
                           "font.woff2",
                           "assets/main-1a2b.js.map",
                           "robots.txt",
                           "blob.bin"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        write_file(s->web, names[i], names[i], strlen(names[i]));
    static char big[4096];
    memset(big, 'x', sizeof big);
    write_file(s->web, "big.txt", big, sizeof big);
    write_file(s->web, "small.txt", big, 1000);
    char target[160], link[160];
    snprintf(target, sizeof target, "%s/secret.txt", s->dir);
    snprintf(link, sizeof link, "%s/out.txt", s->web);
    if (symlink(target, link) != 0) return -1;
    snprintf(link, sizeof link, "%s/outdir", s->web);
    if (symlink(s->dir, link) != 0) return -1;
    snprintf(link, sizeof link, "%s/home.html", s->web);
    if (symlink("index.html", link) != 0) return -1; /* inside the folder: fine */

    struct pgo_app_config cfg = {.dir = s->web, .file_max = 2048};
    s->app = pgo_app_new(&cfg);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/not-built", s->dir);
    struct pgo_app_config mcfg = {.dir = missing};
    s->missing = pgo_app_new(&mcfg);
    if (!s->app || !s->missing) return -1;
    if (!(s->srv = serve_app(s->app, s->routes))) return -1;
    if (!(s->srv_missing = serve_app(s->missing, s->routes + PGO_APP_ROUTES))) return -1;
    s->f.port = http_server_port(s->srv);
    s->f_missing.port = http_server_port(s->srv_missing);
    return 0;
}

static int teardown(void **state)
{
    struct sfx *s = *state;
    if (!s) return 0;
    if (s->srv) http_server_stop(s->srv);
    if (s->srv_missing) http_server_stop(s->srv_missing);
    pgo_app_free(s->app);
    pgo_app_free(s->missing);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", s->dir);
    free(s);
    return 0;
}

static void assert_security_headers(const struct fx_resp *r)
{
    const char *csp = fx_header(r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_string_equal(csp, "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    assert_non_null(fx_header(r, "X-Content-Type-Options"));
    assert_string_equal(fx_header(r, "X-Content-Type-Options"), "nosniff");
    assert_non_null(fx_header(r, "Referrer-Policy"));
    assert_string_equal(fx_header(r, "Referrer-Policy"), "no-referrer");
}

static void get(const struct fx *f, const char *method, const char *target, const char *headers,
                struct fx_resp *r)
{
    fx_request(f, method, target, headers, NULL, r);
}

static void index_and_types(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    const char *index_paths[] = {"/app/", "/app", "/app/index.html", "/app/home.html"};
    for (size_t i = 0; i < 4; i++) {
        get(&s->f, "GET", index_paths[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(fx_header(&r, "Content-Type"), "text/html; charset=utf-8");
        assert_string_equal(fx_header(&r, "Cache-Control"), "no-cache");
        assert_string_equal(r.body, "<!doctype html><title>app</title>");
        assert_non_null(fx_header(&r, "ETag"));
        assert_security_headers(&r);
        fx_resp_free(&r);
    }
    const char *types[][3] = {
        {"/app/assets/main-1a2b.js", "text/javascript; charset=utf-8", "immutable"},
        {"/app/assets/x.mjs", "text/javascript; charset=utf-8", "immutable"},
        {"/app/assets/style-9f.css", "text/css; charset=utf-8", "immutable"},
        {"/app/assets/main-1a2b.js.map", "application/json", "immutable"},
        {"/app/logo.svg", "image/svg+xml", "no-cache"},
        {"/app/icon.png", "image/png", "no-cache"},
        {"/app/favicon.ico", "image/x-icon", "no-cache"},
        {"/app/manifest.json", "application/json", "no-cache"},
        {"/app/font.woff2", "font/woff2", "no-cache"},
        {"/app/robots.txt", "text/plain; charset=utf-8", "no-cache"},
        {"/app/blob.bin", "application/octet-stream", "no-cache"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        get(&s->f, "GET", types[i][0], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(fx_header(&r, "Content-Type"), types[i][1]);
        assert_non_null(strstr(fx_header(&r, "Cache-Control"), types[i][2]));
        assert_string_equal(r.body, types[i][0] + strlen("/app/"));
        assert_security_headers(&r);
        fx_resp_free(&r);
    }
    get(&s->f, "GET", "/app/assets/main-1a2b.js", NULL, &r);
    assert_string_equal(fx_header(&r, "Cache-Control"), "public, max-age=31536000, immutable");
    fx_resp_free(&r);
}

static void etag_gives_304(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    get(&s->f, "GET", "/app/assets/main-1a2b.js", NULL, &r);
    char tag[128], headers[256];
    snprintf(tag, sizeof tag, "%s", fx_header(&r, "ETag"));
    assert_true(tag[0] == '"');
    fx_resp_free(&r);
    snprintf(headers, sizeof headers, "If-None-Match: \"other\", %s\r\n", tag);
    get(&s->f, "GET", "/app/assets/main-1a2b.js", headers, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(fx_header(&r, "ETag"), tag);
    assert_security_headers(&r);
    fx_resp_free(&r);
    get(&s->f, "GET", "/app/assets/main-1a2b.js", "If-None-Match: \"stale\"\r\n", &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    /* A rebuilt file gets a new tag: the old one no longer matches. */
    struct timespec later = {.tv_sec = 1, .tv_nsec = 0};
    nanosleep(&later, NULL);
    write_file(s->web, "assets/main-1a2b.js", "rebuilt", 7);
    get(&s->f, "GET", "/app/assets/main-1a2b.js", headers, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "rebuilt");
    fx_resp_free(&r);
    write_file(s->web, "assets/main-1a2b.js", "assets/main-1a2b.js", 19);
}

static void head_has_no_body(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    get(&s->f, "HEAD", "/app/", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(fx_header(&r, "Content-Length"), "33");
    assert_string_equal(fx_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_int_equal(r.body_len, 0);
    assert_security_headers(&r);
    fx_resp_free(&r);
    get(&s->f, "HEAD", "/app/robots.txt", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    fx_resp_free(&r);
    /* Only GET and HEAD. */
    get(&s->f, "POST", "/app/robots.txt", NULL, &r);
    assert_int_equal(r.status, 405);
    fx_resp_free(&r);
}

static void root_redirects(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    get(&s->f, "GET", "/", NULL, &r);
    assert_int_equal(r.status, 302);
    assert_string_equal(fx_header(&r, "Location"), "/app/");
    assert_security_headers(&r);
    fx_resp_free(&r);
}

/* Every path out of the folder (or to something that is not a file of the app) is refused, and
 * never with the secret in the answer. */
static void traversal_refused(void **state)
{
    struct sfx *s = *state;
    const char *bad[] = {
        "/app/../secret.txt",
        "/app/%2e%2e/secret.txt",
        "/app/%2E%2E/secret.txt",
        "/app/assets/../../secret.txt",
        "/app/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/app/..%2fsecret.txt",
        "/app/./index.html",
        "/app//index.html",
        "/app/assets//main-1a2b.js",
        "/app/..%5csecret.txt",
        "/app/assets%5cmain-1a2b.js",
        "/app/index.html%00.js",
        "/app/%00",
        "/app/.hidden",
        "/app/out.txt",
        "/app/outdir/secret.txt",
        "/app/assets",
        "/app/assets/",
        "/app/nothing.js",
        "/app/%0aindex.html",
        "/app/index.html%01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fx_resp r;
        get(&s->f, "GET", bad[i], NULL, &r);
        if (r.status == 200) fprintf(stderr, "served %s\n", bad[i]);
        assert_true(r.status == 404 || r.status == 400);
        assert_null(strstr(r.body ? r.body : "", SECRET));
        if (r.status == 404) assert_security_headers(&r);
        fx_resp_free(&r);
    }
}

static void path_rules(void **state)
{
    assert_true(pgo_app_path_ok("index.html"));
    assert_true(pgo_app_path_ok("assets/a-1.js"));
    const char *bad[] = {"",   "..", ".",      "../x", "a/../b", "a/./b", "a//b",
                         "/a", "a/", ".git/x", "a\\b", "a\nb",   "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(pgo_app_path_ok(bad[i]));
    char longname[600];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(pgo_app_path_ok(longname));
    assert_string_equal(pgo_app_media_type("A.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(pgo_app_media_type("noext"), "application/octet-stream");
    assert_string_equal(pgo_app_media_type("dir.js/x"), "application/octet-stream");
    char dir[512];
    assert_int_equal(pgo_app_default_dir(dir, sizeof dir), 0);
    assert_non_null(strstr(dir, "/tests/unit/web")); /* beside this test binary */
    assert_int_equal(pgo_app_default_dir(dir, 4), -1);
}

static void missing_folder(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    get(&s->f_missing, "GET", "/app/", NULL, &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body, "make build"));
    assert_string_equal(fx_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_security_headers(&r);
    fx_resp_free(&r);
    get(&s->f_missing, "GET", "/app/assets/main.js", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_security_headers(&r);
    fx_resp_free(&r);
    get(&s->f_missing, "GET", "/", NULL, &r);
    assert_int_equal(r.status, 302);
    fx_resp_free(&r);
}

static void size_cap(void **state)
{
    struct sfx *s = *state;
    struct fx_resp r;
    get(&s->f, "GET", "/app/big.txt", NULL, &r);
    assert_int_equal(r.status, 500);
    assert_null(strstr(r.body, "xxxx"));
    assert_security_headers(&r);
    fx_resp_free(&r);
    get(&s->f, "GET", "/app/small.txt", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 1000);
    fx_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_and_types),   cmocka_unit_test(etag_gives_304),
        cmocka_unit_test(head_has_no_body),  cmocka_unit_test(root_redirects),
        cmocka_unit_test(traversal_refused), cmocka_unit_test(path_rules),
        cmocka_unit_test(missing_folder),    cmocka_unit_test(size_cap),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
