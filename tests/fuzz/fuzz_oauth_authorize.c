/* Fuzzes the authorization request check (src/oauth/authorize_request.c) and the sealed pending
 * request: any query string gives a verdict, never a crash, and the verdict keeps its promises.
 * VALID: the client is the listed one, redirect_uri passes the rules for that client, state and
 * code_challenge are sound, and sealing then opening the request checks to the same request.
 * REDIRECT: there is a redirect_uri that passed the rules, and the error location fits one header.
 * SHOW: 400 (or 503), with nothing to redirect to trusted. The input is also offered as a sealed
 * request, which a forger cannot make valid. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/authorize_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENT "pgo.regie.test"

static struct oauth_server *server;

static void offer(struct medmij_lists *h, enum medmij_list_kind kind, const struct medmij_list *l)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0 ||
        medmij_lists_offer(h, kind, out.data, out.len, err, sizeof err) != MEDMIJ_OFFER_SWAPPED) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        abort();
    }
    buf_free(&out);
}

static void setup(void)
{
    static const struct medmij_client clients[] = {
        {.hostname = CLIENT, .organisation = "PGO"},
        {.hostname = "old.test", .organisation = "Oude PGO"}};
    static const char *const nodes[] = {CLIENT};
    struct medmij_lists_config lc = {0};
    struct medmij_lists *lists = medmij_lists_new(&lc);
    struct medmij_list ocl = {.kind = MEDMIJ_OCL,
                              .volgnummer = 1,
                              .tijdstempel = "2026-11-30T12:00:00Z",
                              .clients = clients,
                              .n_clients = 2};
    struct medmij_list wl = {.kind = MEDMIJ_WHITELIST,
                             .volgnummer = 1,
                             .tijdstempel = "2026-11-30T12:00:00Z",
                             .nodes = nodes,
                             .n_nodes = 1};
    offer(lists, MEDMIJ_OCL, &ocl);
    offer(lists, MEDMIJ_WHITELIST, &wl);
    static char dir[] = "/tmp/regie-fuzz-authz-XXXXXX";
    static char path[64];
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/oauth.db", dir);
    struct oauth_config oc = {.provider_name = "huisartsdelinde@medmij",
                              .db_path = path,
                              .scope_form = OAUTH_EXPECT_PROVIDER,
                              .lists = lists};
    oc.services[0] = (struct oauth_service){.id = "48", .name = "BgZ"};
    oc.services[1] = (struct oauth_service){.id = "53", .name = "Delen", .share = true};
    oc.nservices = 2;
    char err[256];
    server = oauth_server_open(&oc, err, sizeof err);
    if (!server) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        abort();
    }
}

static void same_after_sealing(const struct authz_request *r)
{
    char *sealed = authz_pending_seal(r, 1800000000);
    if (!sealed) abort();
    struct http_params p;
    http_params_init(&p);
    if (authz_pending_open(sealed, 1800000000, &p) != 0) abort();
    struct authz_request again;
    struct authz_verdict v;
    if (authz_check(server, p.items, p.n, &again, &v) != AUTHZ_VALID) abort();
    if (strcmp(again.redirect_uri, r->redirect_uri) || strcmp(again.state, r->state) ||
        strcmp(again.scope, r->scope) || strcmp(again.code_challenge, r->code_challenge) ||
        strcmp(again.client_id, r->client_id) || strcmp(again.request_id, r->request_id) ||
        strcmp(again.correlation_id, r->correlation_id))
        abort();
    http_params_free(&p);
    free(sealed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) setup();
    struct http_params p;
    http_params_init(&p);
    if (http_query_parse(&p, (const char *)data, size) == HTTP_QUERY_OK) {
        struct authz_request r;
        struct authz_verdict v;
        enum authz_outcome o = authz_check(server, p.items, p.n, &r, &v);
        if (o != v.outcome || (o != AUTHZ_VALID && (!v.error || !v.description))) abort();
        char loc[1024];
        switch (o) {
        case AUTHZ_VALID:
            if (strcmp(r.client_id, CLIENT) != 0 ||
                !authz_redirect_uri_ok(r.redirect_uri, r.client_id, NULL) ||
                !authz_state_ok(r.state) || !authz_pkce_challenge_ok(r.code_challenge) ||
                r.grant.nservices == 0)
                abort();
            if (authz_redirect_location(loc, sizeof loc, r.redirect_uri, "code",
                                        "0123456789012345678901234567890123456789012",
                                        r.state) != 0)
                abort();
            same_after_sealing(&r);
            break;
        case AUTHZ_REDIRECT:
            if (!authz_redirect_uri_ok(r.redirect_uri, r.client_id, NULL) ||
                (r.state[0] && !authz_state_ok(r.state)) ||
                authz_redirect_location(loc, sizeof loc, r.redirect_uri, "error", v.error,
                                        r.state) != 0)
                abort();
            break;
        case AUTHZ_SHOW:
            if (v.status != 400 && v.status != 503) abort();
            break;
        }
    }
    http_params_reset(&p);
    /* Fuzz bytes as a sealed request: never accepted (no key), never a crash. */
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
        if (authz_pending_open(text, 1800000000, &p) == 0) abort();
        free(text);
    }
    http_params_free(&p);
    return 0;
}
