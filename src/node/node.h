/* A MedMij node: everything `regie serve --role dva|pgo --config FILE` assembles, shared by the
 * role-specific setup (node/dva.c, node/pgo.c) and serve.c.
 *
 * Lifetime (serve.c): node_config_load -> node_open (stores, accounts, audit, lists + refresher,
 * TLS files, rest_ctx) -> node_dva_setup or node_pgo_setup (adds the role's routes and hooks to
 * n->routes / n->http) -> http_server_start(&n->http) -> ready line -> ... -> node_close.
 *
 * The role setups append routes with their own handler context (http_route.ctx) and may set
 * n->http.authenticate; they keep their state in n->role_state and free it in n->role_free. */
#ifndef REGIE_NODE_NODE_H
#define REGIE_NODE_NODE_H

#include <stddef.h>

#include "audit/audit.h"
#include "auth/accounts.h"
#include "auth/idp.h"
#include "http/http.h"
#include "medmij/lists.h"
#include "node/config.h"
#include "rest/rest.h"
#include "store/store.h"

#define NODE_ROUTES_MAX 256

struct node {
    const struct node_config *cfg; /* not owned */
    struct store *store;        /* <data_dir>/regie.db: the FHIR store (DVA records, PGO vault) */
    struct rest_ctx *rest;      /* the FHIR API over store, base <public_url>/fhir */
    struct accounts *accounts;  /* <data_dir>/accounts.db */
    struct idp *idp;            /* the local stand-in for DigiD over accounts */
    struct audit_log *audit;    /* [audit] log */
    struct medmij_lists *lists; /* the four lists, refreshed by refresher */
    struct medmij_refresher *refresher;
    char *tls_cert, *tls_key, *tls_client_ca; /* PEM text of [tls] cert, key, client_ca */
    struct http_route routes[NODE_ROUTES_MAX];
    size_t nroutes;
    struct http_server_config http; /* routes/nroutes point at the array above */
    void *role_state;
    void (*role_free)(void *role_state);
};

/* Opens everything the config names. Returns 0, or -1 with a reason in err. */
int node_open(struct node *n, const struct node_config *cfg, char *err, size_t err_len);

/* Appends a route; -1 when NODE_ROUTES_MAX is reached (our bug). */
int node_add_route(struct node *n, const struct http_route *route);

/* Role setups: add the role's routes and hooks. 0, or -1 with a reason in err. */
int node_dva_setup(struct node *n, char *err, size_t err_len); /* node/dva.c (src/oauth) */
int node_pgo_setup(struct node *n, char *err, size_t err_len); /* node/pgo.c (src/pgo) */

/* Frees in reverse order: role state, refresher, lists, audit (waits for pending entries),
 * accounts, rest, store. Safe on a half-opened node. */
void node_close(struct node *n);

#endif
