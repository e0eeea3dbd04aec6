/* The patient web app's static files (app_static.h). */
#include "pgo/app_static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

#define REL_MAX 512 /* bytes of a path below /app/: longer is no file of ours */

struct pgo_app {
    char *dir;
    size_t file_max;
};

/* ---- names and types ---- */

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"json", "application/json"},
    {"woff2", "font/woff2"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"webmanifest", "application/manifest+json"},
};

const char *pgo_app_media_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    if (dot && dot[1])
        for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
            if (!strcasecmp(dot + 1, media_types[i].ext)) return media_types[i].type;
    return "application/octet-stream";
}

int pgo_app_path_ok(const char *rel)
{
    size_t n = strnlen(rel, REL_MAX + 1);
    if (n == 0 || n > REL_MAX) return 0;
    const char *seg = rel;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)rel[i];
        if (c == '/' || c == '\0') {
            size_t len = (size_t)(rel + i - seg);
            /* An empty segment ("//", a leading or trailing '/'), "." and "..", and hidden
             * names (".git", ".vite") are never files of the app. */
            if (len == 0 || seg[0] == '.') return 0;
            seg = rel + i + 1;
        } else if (c == '\\' || c < 0x20 || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* ---- answers ---- */

static void security_headers(struct http_reply *rep)
{
    http_reply_header(rep, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    http_reply_header(rep, "X-Content-Type-Options", "nosniff");
    http_reply_header(rep, "Referrer-Policy", "no-referrer");
}

static void text_page(struct http_reply *rep, int status, const char *html)
{
    http_reply_text(rep, status, "text/html; charset=utf-8", html, strlen(html));
    http_reply_header(rep, "Cache-Control", "no-store");
    security_headers(rep);
}

static void not_found(struct http_reply *rep)
{
    text_page(rep, 404,
              "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not found</title>"
              "<p>Not found. <a href=\"/app/\">To the app</a></p></html>\n");
}

static void not_built(struct http_reply *rep)
{
    text_page(rep, 503,
              "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
              "<title>regie: the app is not built</title>"
              "<h1>The patient app is not built</h1>"
              "<p>This PGO serves its web app from <code>[pgo] app_dir</code> (by default "
              "<code>build/web</code>), which holds no app. Run <code>make build</code> (it "
              "builds the app with <code>npm run build:web</code>) and reload this page. The "
              "JSON API under <code>/api/</code> works without it.</p></html>\n");
}

/* ETag of a file: its size, change time and inode, so any new build gives a new tag. */
static void etag_of(const struct stat *st, char *out, size_t cap)
{
    snprintf(out, cap, "\"%llx-%llx.%lx-%llx\"", (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec, (unsigned long)st->st_mtim.tv_nsec,
             (unsigned long long)st->st_ino);
}

/* Whether If-None-Match names tag (or is "*"). */
static int etag_matches(const char *header, const char *tag)
{
    if (!header) return 0;
    size_t tl = strlen(tag);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        if (!strncmp(p, "W/", 2)) p += 2;
        if (*p == '*') return 1;
        if (!strncmp(p, tag, tl) && (p[tl] == '\0' || p[tl] == ',' || p[tl] == ' ')) return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* Reads fd (st->st_size bytes) into the reply body: one allocation of the whole size, then reads
 * straight into it (a growing buffer would copy a large file several times). 0 or -1. */
static int read_body(int fd, const struct stat *st, struct http_reply *rep)
{
    size_t want = (size_t)st->st_size, got = 0;
    char *data = malloc(want + 1);
    if (!data) return -1;
    while (got < want) {
        ssize_t r = read(fd, data + got, want - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* shrunk while read: the next request sees the new file */
        got += (size_t)r;
    }
    buf_reset(&rep->body);
    int rc = got == want ? buf_append(&rep->body, data, want) : -1;
    free(data);
    return rc;
}

/* Serves rel ("index.html", "assets/x.js") from the folder. */
static void serve(struct pgo_app *app, struct http_request *req, struct http_reply *rep,
                  const char *rel, int index)
{
    char root[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
    if (!realpath(app->dir, root)) {
        if (index)
            not_built(rep);
        else
            not_found(rep);
        return;
    }
    if (!pgo_app_path_ok(rel)) {
        not_found(rep);
        return;
    }
    int n = snprintf(path, sizeof path, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof path || !realpath(path, real)) {
        if (index)
            not_built(rep);
        else
            not_found(rep);
        return;
    }
    /* A symlink may point anywhere: what is served must lie inside the folder itself. */
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/') {
        log_client("pgo app: %s leads out of the app folder; refused", rel);
        not_found(rep);
        return;
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        not_found(rep); /* a directory has no listing */
        return;
    }
    if ((size_t)st.st_size > app->file_max) {
        close(fd);
        log_warn("pgo app: %s is %lld bytes, over the %zu byte limit; not served", rel,
                 (long long)st.st_size, app->file_max);
        text_page(rep, 500,
                  "<!doctype html><meta charset=\"utf-8\"><title>Too large</title>"
                  "<p>This file is too large to serve.</p>\n");
        return;
    }
    char tag[96];
    etag_of(&st, tag, sizeof tag);
    /* Vite names every file under assets/ by its content hash: such a name never changes. */
    const char *cache =
        !strncmp(rel, "assets/", 7) ? "public, max-age=31536000, immutable" : "no-cache";
    if (etag_matches(http_header(req, "If-None-Match"), tag)) {
        close(fd);
        http_reply_empty(rep, 304);
    } else {
        int ok = read_body(fd, &st, rep);
        close(fd);
        if (ok != 0) {
            buf_reset(&rep->body);
            text_page(rep, 500, "<!doctype html><p>The file could not be read.</p>\n");
            return;
        }
        rep->status = 200;
        rep->content_type = pgo_app_media_type(rel);
    }
    http_reply_header(rep, "ETag", tag);
    http_reply_header(rep, "Cache-Control", cache);
    security_headers(rep);
}

static void app_index(struct http_request *req, struct http_reply *rep)
{
    serve(req->app, req, rep, "index.html", 1);
}

static void app_file(struct http_request *req, struct http_reply *rep)
{
    const char *rel = req->nargs ? req->args[0] : "";
    serve(req->app, req, rep, rel, !strcmp(rel, "index.html"));
}

static void app_root(struct http_request *req, struct http_reply *rep)
{
    http_reply_redirect(rep, 302, "/app/");
    security_headers(rep);
}

/* ---- setup ---- */

struct pgo_app *pgo_app_new(const struct pgo_app_config *cfg)
{
    if (!cfg || !cfg->dir || !cfg->dir[0]) return NULL;
    struct pgo_app *app = calloc(1, sizeof *app);
    if (!app || !(app->dir = strdup(cfg->dir))) {
        free(app);
        return NULL;
    }
    app->file_max = cfg->file_max ? cfg->file_max : PGO_APP_FILE_MAX;
    return app;
}

void pgo_app_free(struct pgo_app *app)
{
    if (!app) return;
    free(app->dir);
    free(app);
}

size_t pgo_app_routes(struct pgo_app *app, struct http_route *out, size_t cap)
{
    const struct http_route routes[PGO_APP_ROUTES] = {
        {.method = "GET", .pattern = "/", .handler = app_root, .name = "app-root"},
        {.method = "GET", .pattern = "/app", .handler = app_index, .name = "app-index"},
        {.method = "GET", .pattern = "/app/{path*}", .handler = app_file, .name = "app-file"},
    };
    size_t n = PGO_APP_ROUTES < cap ? PGO_APP_ROUTES : cap;
    for (size_t i = 0; i < n; i++) {
        out[i] = routes[i];
        out[i].ctx = app;
    }
    return n;
}

int pgo_app_default_dir(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    int w = snprintf(out, cap, "%s/web", exe[0] ? exe : "/");
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}
