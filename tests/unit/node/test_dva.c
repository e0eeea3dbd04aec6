/* node/dva: a DVA assembled from a config file (plain loopback, lists written for the test):
 * the grant store is made (owner-only), the back-channel routes need the client certificate, the
 * front channel does not, every FHIR route needs the certificate and the bearer hook except the
 * CapabilityStatement, the hook and its context are set, the catalogue reaches the OAuth server,
 * and node_close frees everything (the sanitizer checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "medmij/lists.h"
#include "node/config.h"
#include "node/node.h"
#include "oauth/oauth.h"

static char dir[64];

static void write_list(const struct medmij_list *l, const char *name)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[256], p[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0) fail_msg("%s", err);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fwrite(out.data, 1, out.len, f);
    fclose(f);
    buf_free(&out);
}

static void write_file(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-dva-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    static const struct medmij_client clients[] = {
        {.hostname = "pgo.regie.test", .organisation = "Regie PGO"}};
    static const char *const nodes[] = {"pgo.regie.test"};
    write_list(&(struct medmij_list){.kind = MEDMIJ_OCL,
                                     .volgnummer = 1,
                                     .tijdstempel = "2026-11-30T12:00:00Z",
                                     .clients = clients,
                                     .n_clients = 1},
               "ocl.xml");
    write_list(&(struct medmij_list){.kind = MEDMIJ_WHITELIST,
                                     .volgnummer = 1,
                                     .tijdstempel = "2026-11-30T12:00:00Z",
                                     .nodes = nodes,
                                     .n_nodes = 1},
               "whitelist.xml");
    write_file("services.conf", "[service 48]\nname = BgZ\nkind = collect\ntypes = Patient\n"
                                "types = Condition\nsearch = Condition\n"
                                "[service 53]\nname = delen\nkind = share\ntypes = Observation\n");
    write_file("dva.conf", "role = dva\n"
                           "name = huisartsdelinde@medmij\n"
                           "listen = 127.0.0.1:0\n"
                           "data_dir = gp\n"
                           "include = services.conf\n"
                           "[tls]\nplain_loopback = true\n"
                           "[lists]\nocl = ocl.xml\nwhitelist = whitelist.xml\n"
                           "[oauth]\nservices = 48\nservices = 53\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct http_route *find(const struct node *n, const char *method, const char *pattern)
{
    for (size_t i = 0; i < n->nroutes; i++)
        if (!strcmp(n->routes[i].method, method) && !strcmp(n->routes[i].pattern, pattern))
            return &n->routes[i];
    return NULL;
}

static void test_dva_routes(void **state)
{
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/dva.conf", dir);
    struct node_config cfg;
    if (node_config_load(path, "dva", &cfg, err, sizeof err) != 0) fail_msg("%s", err);
    struct node n;
    if (node_open(&n, &cfg, err, sizeof err) != 0) fail_msg("%s", err);
    if (node_dva_setup(&n, err, sizeof err) != 0) fail_msg("%s", err);

    struct oauth_server *s = n.role_state;
    assert_non_null(s);
    assert_ptr_equal(n.http.authenticate, oauth_bearer_authenticate);
    assert_ptr_equal(n.http.authenticate_ctx, s);
    assert_int_equal(n.http.nroutes, n.nroutes);
    /* The catalogue reached the server: 48 collects Patient and Condition, 53 shares. */
    assert_int_equal(s->cfg.nservices, 2);
    const struct oauth_service *svc = oauth_service_find(s, "48");
    assert_non_null(svc);
    assert_false(svc->share);
    assert_int_equal(svc->ntypes, 2);
    assert_string_equal(svc->types[1], "Condition");
    assert_true(oauth_service_find(s, "53")->share);
    assert_true(oauth_client_allowed(s, "pgo.regie.test", NULL, 0));
    assert_false(oauth_client_allowed(s, "evil.test", NULL, 0));

    const struct http_route *r = find(&n, "POST", "/oauth/token");
    assert_non_null(r);
    assert_true(r->client_cert);
    assert_false(r->auth);
    assert_ptr_equal(r->ctx, s);
    r = find(&n, "POST", "/oauth/revoke");
    assert_non_null(r);
    assert_true(r->client_cert);
    r = find(&n, "GET", "/oauth/authorize");
    assert_non_null(r);
    assert_false(r->client_cert); /* the patient's browser has no certificate */
    assert_false(r->auth);
    r = find(&n, "GET", "/oauth/consents"); /* the patient's own page, also in the browser */
    assert_non_null(r);
    assert_false(r->client_cert);
    r = find(&n, "GET", "/fhir/metadata");
    assert_non_null(r);
    assert_true(r->client_cert);
    assert_false(r->auth);
    size_t fhir = 0;
    for (size_t i = 0; i < n.nroutes; i++) {
        const struct http_route *x = &n.routes[i];
        if (strncmp(x->pattern, "/fhir", 5) != 0 || !strcmp(x->pattern, "/fhir/metadata")) continue;
        fhir++;
        if (!x->client_cert || !x->auth) fail_msg("%s %s is open", x->method, x->pattern);
        assert_null(x->ctx); /* the server's app: the node's rest_ctx */
    }
    assert_true(fhir > 10);

    struct stat sb;
    snprintf(path, sizeof path, "%s/gp/oauth.db", dir);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    node_close(&n);
    node_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dva_routes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
