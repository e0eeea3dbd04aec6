/* The DVA role: the OAuth 2.0 authorization server (src/oauth) and the FHIR resource server behind
 * the bearer-token check. Routes, in match order:
 *   POST /oauth/token, POST /oauth/revoke         back channel: mutual TLS (client_cert)
 *   GET/POST /oauth/authorize                     front channel: the browser (login, consent)
 *   /fhir/metadata                                mutual TLS, no token (the CapabilityStatement)
 *   every other /fhir route                       mutual TLS and a bearer token (auth)
 * The server's host_allowed (node.c: the Whitelist) applies to every client_cert route; the
 * bearer hook adds that the token's client is the certificate's host. */
#include <stdio.h>
#include <string.h>

#include "node/node.h"
#include "oauth/oauth.h"

static void dva_free(void *state)
{
    oauth_server_close(state);
}

/* The [oauth] settings and the catalogue entries of the offered services. */
static int dva_oauth_config(const struct node *n, struct oauth_config *oc, char *err,
                            size_t err_len)
{
    const struct node_config *c = n->cfg;
    memset(oc, 0, sizeof *oc);
    oc->provider_name = c->name;
    oc->display_name = c->display_name;
    oc->public_url = c->public_url;
    oc->db_path = c->oauth_db;
    oc->scope_form =
        c->oauth.scope_form == NODE_SCOPE_PAIRS ? OAUTH_EXPECT_PAIRS : OAUTH_EXPECT_PROVIDER;
    oc->code_ttl = c->oauth.code_ttl_s;
    oc->access_ttl = c->oauth.access_ttl_s;
    oc->consent_ttl = c->oauth.consent_ttl_s;
    oc->consent_text = c->oauth.consent_text;
    if (c->oauth.nservices > OAUTH_SERVICES_MAX) {
        snprintf(err, err_len, "[oauth] offers more than %d data services", OAUTH_SERVICES_MAX);
        return -1;
    }
    for (size_t i = 0; i < c->oauth.nservices; i++) {
        const struct node_service *ns = node_config_service(c, c->oauth.services[i]);
        if (!ns) {
            snprintf(err, err_len, "[oauth] services: %s has no [service %s] section",
                     c->oauth.services[i], c->oauth.services[i]);
            return -1;
        }
        struct oauth_service *os = &oc->services[oc->nservices++];
        os->id = ns->id;
        os->name = ns->name;
        os->share = ns->kind == NODE_SERVICE_SHARE;
        for (size_t k = 0; k < ns->ntypes && k < REST_ACCESS_TYPES_MAX; k++)
            os->types[os->ntypes++] = ns->types[k];
    }
    oc->lists = n->lists;
    oc->accounts = n->accounts;
    oc->idp = n->idp;
    oc->audit = n->audit;
    oc->store = n->store;
    return 0;
}

static int add_routes(struct node *n, const struct http_route *routes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (node_add_route(n, &routes[i]) != 0) return -1;
    return 0;
}

int node_dva_setup(struct node *n, char *err, size_t err_len)
{
    struct oauth_config oc;
    if (dva_oauth_config(n, &oc, err, err_len) != 0) return -1;
    struct oauth_server *s = oauth_server_open(&oc, err, err_len);
    if (!s) return -1;
    n->role_state = s;
    n->role_free = dva_free;
    oauth_maybe_sweep(s); /* then hourly, from the token endpoint */

    struct http_route buf[16];
    size_t k = oauth_routes(s, buf, sizeof buf / sizeof buf[0]);
    if (k == 0 || add_routes(n, buf, k) != 0) goto routes;
    k = oauth_front_routes(s, buf, sizeof buf / sizeof buf[0]);
    if (k == 0 || add_routes(n, buf, k) != 0) goto routes;

    /* The FHIR API: every route needs the client certificate; all but the CapabilityStatement a
     * bearer token too. Handlers get the node's rest_ctx (the server's app). */
    size_t count;
    const struct http_route *fhir = rest_routes(&count);
    for (size_t i = 0; i < count; i++) {
        struct http_route r = fhir[i];
        r.client_cert = true;
        r.auth = strcmp(r.pattern, "/fhir/metadata") != 0;
        if (node_add_route(n, &r) != 0) goto routes;
    }
    n->http.authenticate = oauth_bearer_authenticate;
    n->http.authenticate_ctx = s;
    return 0;
routes:
    snprintf(err, err_len, "too many routes for the DVA (our bug)");
    return -1;
}
