/* The PGO role: the patient's JSON API for the web app (src/pgo/api.h): login, provider search,
 * connections (OAuth with the DVAs over the MedMij back channel), collect and share, over the
 * connection store <data_dir>/pgo.db and its key <data_dir>/pgo.key.
 *
 * The vault (the node's FHIR store) is reached only through the API, with a session, for the
 * patient's own data: the /fhir routes are not served by a PGO (see docs/pgo.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/node.h"
#include "pgo/api.h"
#include "pgo/app_static.h"
#include "pgo/connections.h"
#include "util/log.h"

struct pgo_role {
    struct pgo_conn_store *conns;
    struct pgo_api *api;
    struct pgo_app *app; /* the web app's static files */
};

static void pgo_free(void *state)
{
    struct pgo_role *r = state;
    if (!r) return;
    pgo_api_free(r->api);
    pgo_app_free(r->app);
    pgo_conn_close(r->conns);
    free(r);
}

/* <data_dir>/pgo.key, malloc'd. */
static char *key_path(const struct node_config *c)
{
    size_t len = strlen(c->data_dir) + sizeof "/pgo.key";
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s/pgo.key", c->data_dir);
    return path;
}

static int open_api(struct node *n, struct pgo_role *r, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    struct pgo_service_def *services = calloc(c->nservices + 1, sizeof *services);
    if (!services) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->nservices; i++) {
        const struct node_service *s = &c->services[i];
        services[i] = (struct pgo_service_def){.id = s->id,
                                               .name = s->name,
                                               .share = s->kind == NODE_SERVICE_SHARE,
                                               .searches = (const char *const *)s->searches,
                                               .nsearches = s->nsearches,
                                               .types = (const char *const *)s->types,
                                               .ntypes = s->ntypes};
    }
    struct pgo_api_config ac = {
        .accounts = n->accounts,
        .idp = n->idp,
        .lists = n->lists,
        .conns = r->conns,
        .vault = n->rest,
        .store = n->store,
        .audit = n->audit,
        .client_id = c->name,
        .public_url = c->public_url,
        .redirect_path = c->pgo.redirect_path,
        .services = services,
        .nservices = c->nservices,
        .call = {.tls = {.client_cert = c->tls.client_cert,
                         .client_key = c->tls.client_key,
                         .peer_ca = c->tls.peer_ca},
                 .timeout_s = (long)c->pgo.collect_timeout_s,
                 .allow_plain_loopback = c->tls.plain_loopback},
        .collect_max = c->pgo.collect_max,
        .signup_closed = !c->pgo.self_signup,
    };
    r->api = pgo_api_new(&ac, err, err_len); /* copies the catalogue */
    free(services);
    return r->api ? 0 : -1;
}

/* The web app's folder ([pgo] app_dir, else "web" beside the binary) and its routes. */
static int open_app(struct node *n, struct pgo_role *r, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    char dir[4096];
    if (c->pgo.app_dir)
        snprintf(dir, sizeof dir, "%s", c->pgo.app_dir);
    else if (pgo_app_default_dir(dir, sizeof dir) != 0)
        snprintf(dir, sizeof dir, "web");
    struct pgo_app_config cfg = {.dir = dir};
    if (!(r->app = pgo_app_new(&cfg))) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    struct http_route routes[PGO_APP_ROUTES];
    size_t count = pgo_app_routes(r->app, routes, PGO_APP_ROUTES);
    for (size_t i = 0; i < count; i++)
        if (node_add_route(n, &routes[i]) != 0) {
            snprintf(err, err_len, "too many routes");
            return -1;
        }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/index.html", dir);
    if (access(probe, R_OK) != 0)
        log_warn("pgo: no web app in %s (run make build); /app/ says so", dir);
    else
        log_info("pgo: web app at /app/ from %s", dir);
    return 0;
}

int node_pgo_setup(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    struct pgo_role *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    n->role_state = r;
    n->role_free = pgo_free;
    char *key = key_path(c);
    if (!key) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    char why[512] = "";
    r->conns = pgo_conn_open(c->pgo_db, key, why, sizeof why);
    free(key);
    if (!r->conns) {
        snprintf(err, err_len, "cannot open the connection store: %s", why);
        return -1;
    }
    if (open_api(n, r, err, err_len) != 0) return -1;
    accounts_signup_sweep(n->accounts, NULL); /* sign-ups that expired while the node was down */
    struct http_route routes[PGO_API_ROUTES];
    size_t count = pgo_api_routes(r->api, routes, PGO_API_ROUTES);
    for (size_t i = 0; i < count; i++)
        if (node_add_route(n, &routes[i]) != 0) {
            snprintf(err, err_len, "too many routes");
            return -1;
        }
    if (open_app(n, r, err, err_len) != 0) return -1;
    if (c->public_url_defaulted && c->listen_port == 0)
        log_warn("pgo: public_url follows a port picked at start; the OAuth redirect URI uses "
                 "%s: give listen a fixed port or set public_url",
                 c->public_url);
    log_info("pgo: %s ready: %zu API routes, redirect URI %s%s", c->name, count, c->public_url,
             c->pgo.redirect_path ? c->pgo.redirect_path : "/connect/callback");
    return 0;
}
