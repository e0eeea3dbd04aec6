/* node_open / node_close: everything a MedMij node holds, opened from its config (node.h). The
 * role setups (dva.c, pgo.c) add routes and hooks on top; nothing here is role-specific except
 * which lists must be there. */
#include "node/node.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/node_files.h"
#include "util/log.h"

/* The Whitelist check of http_server_config.host_allowed: the list current at this request (a
 * newer one swapped in meanwhile applies at once). No list held: nobody is allowed. */
static bool whitelist_allows(void *ctx, const char *host)
{
    struct medmij_lists *lists = ctx;
    const struct medmij_list *wl = medmij_lists_acquire(lists, MEDMIJ_WHITELIST);
    bool ok = wl && medmij_whitelist_has(wl, host);
    if (wl) medmij_lists_release(lists, wl);
    return ok;
}

static int open_tls(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    if (c->tls.plain_loopback) return 0;
    if (node_read_pem("[tls] cert", c->tls.cert, &n->tls_cert, err, err_len) != 0 ||
        node_read_pem("[tls] key", c->tls.key, &n->tls_key, err, err_len) != 0)
        return -1;
    if (c->tls.client_ca &&
        node_read_pem("[tls] client_ca", c->tls.client_ca, &n->tls_client_ca, err, err_len) != 0)
        return -1;
    n->http.tls = (struct http_tls){
        .cert_pem = n->tls_cert, .key_pem = n->tls_key, .client_ca_pem = n->tls_client_ca};
    return 0;
}

static int open_store(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    struct store_config scfg;
    store_config_defaults(&scfg, c->db);
    char why[512] = "";
    if (!(n->store = store_sqlite_open(&scfg, why, sizeof why))) {
        snprintf(err, err_len, "cannot open database %s: %s", c->db, why);
        return -1;
    }
    size_t len = strlen(c->public_url) + sizeof "/fhir";
    char *base = malloc(len);
    if (!base) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    snprintf(base, len, "%s/fhir", c->public_url);
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = n->store;
    rcfg.base_url = base;
    rcfg.page_default = c->page_default;
    rcfg.page_max = c->page_max;
    rcfg.audit = n->audit; /* every FHIR access on record (opened before the store) */
    n->rest = rest_new(&rcfg);
    free(base);
    if (!n->rest) {
        snprintf(err, err_len, "cannot set up the FHIR API (base %s/fhir)", c->public_url);
        return -1;
    }
    return 0;
}

static int open_accounts(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    struct accounts_config acfg;
    accounts_config_default(&acfg);
    acfg.account_lockout.max_failures = c->accounts.lockout_after;
    acfg.session.idle_seconds = c->accounts.session_idle_s;
    acfg.session.absolute_seconds = c->accounts.session_max_s;
    if (!(n->accounts = accounts_open(c->accounts_db, &acfg))) {
        snprintf(err, err_len, "cannot open the account database %s (see the log)", c->accounts_db);
        return -1;
    }
    if (!(n->idp = idp_local_new(n->accounts))) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int open_audit(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    uint8_t key[AUDIT_KEY_MAX];
    long key_len = 0;
    if (c->audit.key && (key_len = node_audit_key(c->audit.key, key, err, err_len)) < 0) return -1;
    struct audit_options opts = {.key = key_len ? key : NULL, .key_len = (size_t)key_len};
    char why[512] = "";
    n->audit = audit_open(c->audit.log, &opts, why, sizeof why);
    OPENSSL_cleanse(key, sizeof key);
    if (!n->audit) {
        snprintf(err, err_len, "cannot open the audit log %s: %s", c->audit.log, why);
        return -1;
    }
    return 0;
}

/* The lists: read once now (from the sources, or the cache when a source is down), so the node
 * starts with every list it needs or not at all; then the refresher keeps them fresh. */
static int open_lists(struct node *n, char *err, size_t err_len)
{
    const struct node_config *c = n->cfg;
    if (node_make_dir(c->lists_dir, "the lists cache", err, err_len) != 0) return -1;
    struct medmij_lists_config lcfg = {0};
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) lcfg.source[k] = c->lists.source[k];
    lcfg.xsd_dir = c->lists.xsd_dir;
    lcfg.allow_ports = c->lists.allow_ports;
    lcfg.refresh_seconds = c->lists.refresh_s;
    lcfg.ca_file = c->tls.peer_ca;
    lcfg.cache_dir = c->lists_dir;
    if (!(n->lists = medmij_lists_new(&lcfg))) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    medmij_lists_refresh(n->lists, time(NULL));
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++) {
        if (!c->lists.source[k]) continue;
        const struct medmij_list *l = medmij_lists_acquire(n->lists, (enum medmij_list_kind)k);
        if (!l) {
            snprintf(err, err_len,
                     "no %s: %s could not be read or was refused, and none is "
                     "cached (the log says why)",
                     medmij_list_short_name((enum medmij_list_kind)k), c->lists.source[k]);
            return -1;
        }
        medmij_lists_release(n->lists, l);
    }
    if (!(n->refresher = medmij_refresher_start(n->lists))) {
        snprintf(err, err_len, "cannot start the lists refresher thread");
        return -1;
    }
    return 0;
}

int node_open(struct node *n, const struct node_config *cfg, char *err, size_t err_len)
{
    memset(n, 0, sizeof *n);
    n->cfg = cfg;
    n->http.host = cfg->listen_host;
    n->http.port = cfg->listen_port;
    n->http.routes = n->routes;
    n->http.nroutes = 0;
    n->http.limits = cfg->http;
    int rc = node_make_dir(cfg->data_dir, "data_dir", err, err_len);
    if (rc == 0) rc = open_tls(n, err, err_len);
    if (rc == 0) rc = open_audit(n, err, err_len);
    if (rc == 0) rc = open_store(n, err, err_len);
    if (rc == 0) rc = open_accounts(n, err, err_len);
    if (rc == 0) rc = open_lists(n, err, err_len);
    if (rc != 0) {
        node_close(n);
        return -1;
    }
    n->http.app = n->rest;
    n->http.host_allowed = whitelist_allows;
    n->http.host_allowed_ctx = n->lists;
    log_info("node %s (%s) opened: data in %s, lists refreshed every %us", cfg->name,
             node_role_name(cfg->role), cfg->data_dir, cfg->lists.refresh_s);
    return 0;
}

int node_add_route(struct node *n, const struct http_route *route)
{
    if (n->nroutes == NODE_ROUTES_MAX) {
        log_bug("node: more than %d routes", NODE_ROUTES_MAX);
        return -1;
    }
    n->routes[n->nroutes++] = *route;
    n->http.routes = n->routes;
    n->http.nroutes = n->nroutes;
    return 0;
}

void node_close(struct node *n)
{
    if (!n) return;
    if (n->role_free) n->role_free(n->role_state);
    n->role_free = NULL;
    n->role_state = NULL;
    if (n->refresher) medmij_refresher_stop(n->refresher);
    if (n->lists) medmij_lists_free(n->lists);
    if (n->audit) audit_close(n->audit);
    if (n->idp) idp_free(n->idp);
    if (n->accounts) accounts_close(n->accounts);
    if (n->rest) rest_free(n->rest);
    if (n->store) n->store->ops->close(n->store);
    free(n->tls_cert);
    node_free_secret(n->tls_key);
    free(n->tls_client_ca);
    const struct node_config *cfg = n->cfg;
    memset(n, 0, sizeof *n);
    n->cfg = cfg;
}
