/* Fuzzes the token endpoint's handling of its parameters: any form body (as the http floor parses
 * it) gets a JSON answer, 200 with the five token fields or an RFC 6749 error with its status,
 * never a crash. The client is pgo.regie.test with a verified certificate, on the OCL and the
 * Whitelist. Before each input a fresh consent, code and refresh token are made; the input's
 * "@code@" and "@refresh@" are replaced with them, so seeds reach the success paths too. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/query.h"
#include "medmij/lists.h"
#include "oauth/oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENT    "pgo.regie.test"
#define REDIRECT  "https://pgo.regie.test/cb"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static struct oauth_server *srv;
static struct medmij_lists *lists;
static struct http_route route;

static void offer(const struct medmij_list *l)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0 ||
        medmij_lists_offer(lists, l->kind, out.data, out.len, err, sizeof err) !=
            MEDMIJ_OFFER_SWAPPED)
        abort();
    buf_free(&out);
}

static char dir[] = "/tmp/regie-fuzz-token-XXXXXX";
static char db[sizeof dir + 16];

/* The temporary grant store goes when the run ends. */
static void cleanup(void)
{
    oauth_server_close(srv);
    medmij_lists_free(lists);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[sizeof db + 8];
        snprintf(p, sizeof p, "%s%s", db, suffix[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void init(void)
{
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    struct medmij_lists_config lc = {0};
    lists = medmij_lists_new(&lc);
    static const struct medmij_client clients[] = {{.hostname = CLIENT, .organisation = "PGO"}};
    static const char *const nodes[] = {CLIENT};
    offer(&(struct medmij_list){.kind = MEDMIJ_OCL,
                                .volgnummer = 1,
                                .tijdstempel = "2026-11-30T12:00:00Z",
                                .clients = clients,
                                .n_clients = 1});
    offer(&(struct medmij_list){.kind = MEDMIJ_WHITELIST,
                                .volgnummer = 1,
                                .tijdstempel = "2026-11-30T12:00:00Z",
                                .nodes = nodes,
                                .n_nodes = 1});
    snprintf(db, sizeof db, "%s/oauth.db", dir);
    struct oauth_config oc = {
        .provider_name = "huisartsdelinde@medmij", .db_path = db, .lists = lists, .nservices = 1};
    oc.services[0] = (struct oauth_service){.id = "48", .types = {"Patient"}, .ntypes = 1};
    char err[256];
    srv = oauth_server_open(&oc, err, sizeof err);
    if (!srv) abort();
    struct http_route r[4];
    if (oauth_routes(srv, r, 4) < 1) abort();
    route = r[0]; /* /oauth/token */
}

/* A fresh code and refresh token for the placeholders. */
static void fresh(char code[OAUTH_TOKEN_LEN], char refresh[OAUTH_TOKEN_LEN])
{
    struct oauth_consent in = {0}, c;
    snprintf(in.subject, sizeof in.subject, "subject");
    snprintf(in.patient_id, sizeof in.patient_id, "p1");
    snprintf(in.client_id, sizeof in.client_id, CLIENT);
    snprintf(in.scope, sizeof in.scope, "huisartsdelinde");
    snprintf(in.service_ids[0], sizeof in.service_ids[0], "48");
    in.nservice_ids = 1;
    char first[OAUTH_TOKEN_LEN];
    struct oauth_token_set t;
    if (oauth_grants_consent_create(srv->grants, &in, 3600, &c) != OAUTH_GRANTS_OK ||
        oauth_grants_code_issue(srv->grants, c.id, REDIRECT, NULL, first) != OAUTH_GRANTS_OK ||
        oauth_grants_code_redeem(srv->grants, first, CLIENT, REDIRECT, NULL, &t) !=
            OAUTH_GRANTS_OK ||
        oauth_grants_code_issue(srv->grants, c.id, REDIRECT, CHALLENGE, code) != OAUTH_GRANTS_OK)
        abort();
    memcpy(refresh, t.refresh_token, OAUTH_TOKEN_LEN);
}

/* data with every @code@ and @refresh@ replaced; malloc'd, *len set. */
static char *substitute(const uint8_t *data, size_t size, const char *code, const char *refresh,
                        size_t *len)
{
    char *out = malloc(size * 8 + 1);
    size_t o = 0;
    for (size_t i = 0; i < size;) {
        if (size - i >= 6 && !memcmp(data + i, "@code@", 6)) {
            memcpy(out + o, code, 43);
            o += 43;
            i += 6;
        } else if (size - i >= 9 && !memcmp(data + i, "@refresh@", 9)) {
            memcpy(out + o, refresh, 43);
            o += 43;
            i += 9;
        } else {
            out[o++] = (char)data[i++];
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv) init();
    if (size > 4096) return 0;
    char code[OAUTH_TOKEN_LEN], refresh[OAUTH_TOKEN_LEN];
    fresh(code, refresh);
    size_t len;
    char *form = substitute(data, size, code, refresh, &len);
    struct http_params params;
    http_params_init(&params);
    if (http_query_parse(&params, form, len) != HTTP_QUERY_OK) {
        http_params_free(&params);
        free(form);
        return 0;
    }
    struct http_request req = {.method = "POST",
                               .path = "/oauth/token",
                               .params = params.items,
                               .nparams = params.n,
                               .app = srv,
                               .client_cert_ok = true};
    snprintf(req.client_host, sizeof req.client_host, CLIENT);
    snprintf(req.client_addr, sizeof req.client_addr, "127.0.0.1");
    struct http_reply rep;
    memset(&rep, 0, sizeof rep);
    buf_init(&rep.body, 1 << 20);
    route.handler(&req, &rep);
    json_object *o = rep.body.data ? json_tokener_parse(rep.body.data) : NULL;
    json_object *v;
    if (!o) abort();
    if (rep.status == 200) {
        const char *keys[] = {"access_token", "token_type", "expires_in", "scope", "refresh_token"};
        for (size_t i = 0; i < 5; i++)
            if (!json_object_object_get_ex(o, keys[i], &v)) abort();
    } else if (rep.status == 400 || rep.status == 401) {
        if (!json_object_object_get_ex(o, "error", &v)) abort();
    } else {
        abort();
    }
    json_object_put(o);
    buf_free(&rep.body);
    http_params_free(&params);
    free(form);
    return 0;
}
