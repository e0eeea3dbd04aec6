/* The patient web app as static files (docs/app.md "Served by the PGO"): GET/HEAD /app/ (the
 * folder's index.html) and /app/<path> (a file of the folder), and / redirecting to /app/.
 *
 * Only regular files inside the folder are served: a path with "..", ".", an empty segment, a
 * hidden name, a backslash or a control character is refused, and so is a file that a symlink
 * takes out of the folder (the real path must lie inside the folder's real path). No directory
 * listings. Every answer carries the security headers (Content-Security-Policy, nosniff,
 * Referrer-Policy); files get an ETag (If-None-Match answers 304), `assets/` long immutable
 * caching and everything else `no-cache`. Files are read per request (the page cache keeps them;
 * a rebuilt app is served at once). A missing folder makes /app/ a small page that says to run
 * `make build`. */
#ifndef REGIE_PGO_APP_STATIC_H
#define REGIE_PGO_APP_STATIC_H

#include <stddef.h>

#include "http/http.h"

#define PGO_APP_FILE_MAX (8u << 20) /* bytes: a bigger file is refused (500), not served */
#define PGO_APP_ROUTES   3

struct pgo_app_config {
    const char *dir; /* the built app (build/web); need not exist yet */
    size_t file_max; /* 0: PGO_APP_FILE_MAX */
};

struct pgo_app;

/* Copies cfg. NULL when dir is missing from cfg or memory ran out. */
struct pgo_app *pgo_app_new(const struct pgo_app_config *cfg);
void pgo_app_free(struct pgo_app *app);

/* Writes the app's routes (each with .ctx = app) into out; returns how many. */
size_t pgo_app_routes(struct pgo_app *app, struct http_route *out, size_t cap);

/* The default folder: "web" beside the running binary (/proc/self/exe), e.g. build/web for
 * build/regie. Returns 0, or -1 when the binary's path is unknown or does not fit. */
int pgo_app_default_dir(char *out, size_t cap);

/* The media type of a file name by its extension ("text/javascript; charset=utf-8"), or
 * "application/octet-stream" for one not in the list. */
const char *pgo_app_media_type(const char *name);

/* Whether a path below the folder ("assets/x.js") is one the app may serve (see above). */
int pgo_app_path_ok(const char *rel);

#endif
