/* node_open / node_close: the data directory a config names is made and filled (stores, audit log
 * and a key made once with mode 0600, the lists cache), the lists are read before the node counts
 * as open, the server config is filled from the node config (the Whitelist as host_allowed, the
 * FHIR API as app), and a node that fails half-way closes what it opened. */
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

#include "node/node.h"

static char dir[64];
static char conf[128];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-node-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(conf, sizeof conf, "%s/node.conf", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes a plain-loopback DVA config with data_dir DATA and the fixture lists (the whitelist
 * source replaceable), then loads it. */
static void load(struct node_config *c, const char *data, const char *whitelist, const char *extra)
{
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f,
            "role = dva\nname = huisartsdelinde@medmij\nlisten = 127.0.0.1:0\ndata_dir = %s\n"
            "include = %s/etc/services.conf\n%s\n[tls]\nplain_loopback = true\n[lists]\n"
            "ocl = %s/tests/fixtures/medmij/OCL.xml\nwhitelist = %s\n[oauth]\nservices = 48\n"
            "[limits]\nthreads = 3\nmax_body = 1MiB\n",
            data, cwd, extra ? extra : "", cwd, whitelist);
    fclose(f);
    char err[512] = "";
    int rc = node_config_load(conf, NULL, c, err, sizeof err);
    if (rc) fail_msg("%s", err);
}

static const char *fixture_whitelist(void)
{
    static char p[600];
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(p, sizeof p, "%s/tests/fixtures/medmij/Whitelist.xml", cwd);
    return p;
}

static void file_mode(const char *path, unsigned mode)
{
    struct stat st;
    if (stat(path, &st) != 0) fail_msg("%s is missing", path);
    if ((st.st_mode & 0777) != mode)
        fail_msg("%s has mode %o, want %o", path, st.st_mode & 0777, mode);
}

static void opens_data_dir_and_fills_the_server_config(void **state)
{
    struct node_config c;
    load(&c, "gp", fixture_whitelist(), NULL);
    struct node *n = calloc(1, sizeof *n);
    assert_non_null(n);
    char err[512] = "";
    if (node_open(n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    assert_non_null(n->store);
    assert_non_null(n->rest);
    assert_non_null(n->accounts);
    assert_non_null(n->idp);
    assert_non_null(n->audit);
    assert_non_null(n->lists);
    assert_non_null(n->refresher);
    assert_null(n->tls_cert); /* plain loopback */
    char p[256];
    snprintf(p, sizeof p, "%s/gp", dir);
    file_mode(p, 0700);
    snprintf(p, sizeof p, "%s/gp/audit.key", dir);
    file_mode(p, 0600);
    snprintf(p, sizeof p, "%s/gp/regie.db", dir);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/gp/accounts.db", dir);
    assert_int_equal(access(p, F_OK), 0);
    snprintf(p, sizeof p, "%s/gp/lists/Whitelist.xml", dir);
    assert_int_equal(access(p, F_OK), 0);
    /* The server config. */
    assert_string_equal(n->http.host, "127.0.0.1");
    assert_int_equal(n->http.port, 0);
    assert_int_equal(n->http.limits.threads, 3);
    assert_int_equal(n->http.limits.body_max, 1u << 20);
    assert_ptr_equal(n->http.app, n->rest);
    assert_null(n->http.tls.cert_pem);
    assert_ptr_equal(n->http.routes, n->routes);
    assert_int_equal(n->http.nroutes, 0);
    /* host_allowed is the Whitelist. */
    assert_non_null(n->http.host_allowed);
    assert_true(n->http.host_allowed(n->http.host_allowed_ctx, "pgo.example.test"));
    assert_false(n->http.host_allowed(n->http.host_allowed_ctx, "stranger.example.test"));
    /* Routes go into the node's table and the server config follows. */
    struct http_route r = {.method = "GET", .pattern = "/x", .name = "x"};
    for (size_t i = 0; i < NODE_ROUTES_MAX; i++) assert_int_equal(node_add_route(n, &r), 0);
    assert_int_equal(node_add_route(n, &r), -1);
    assert_int_equal(n->http.nroutes, NODE_ROUTES_MAX);
    node_close(n);
    assert_null(n->store);
    assert_ptr_equal(n->cfg, &c);
    node_close(n); /* twice is harmless */
    free(n);
    node_config_free(&c);
}

static void audit_key_made_once_and_checked(void **state)
{
    struct node_config c;
    load(&c, "k", fixture_whitelist(), NULL);
    struct node n;
    char err[512] = "";
    if (node_open(&n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    node_close(&n);
    char p[256], before[32], after[32];
    snprintf(p, sizeof p, "%s/k/audit.key", dir);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    assert_int_equal(fread(before, 1, sizeof before, f), 32);
    fclose(f);
    if (node_open(&n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    node_close(&n);
    f = fopen(p, "rb");
    assert_non_null(f);
    assert_int_equal(fread(after, 1, sizeof after, f), 32);
    fclose(f);
    assert_memory_equal(before, after, sizeof before);
    /* A key others may read is refused, and the half-open node is closed. */
    chmod(p, 0644);
    assert_int_equal(node_open(&n, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by its owner only"));
    assert_null(n.store);
    node_config_free(&c);
    /* key = none: no key file. */
    load(&c, "nokey", fixture_whitelist(), "[audit]\nkey = none");
    if (node_open(&n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    node_close(&n);
    snprintf(p, sizeof p, "%s/nokey/audit.key", dir);
    assert_int_equal(access(p, F_OK), -1);
    node_config_free(&c);
}

static void a_missing_list_stops_the_start_unless_cached(void **state)
{
    char wl[256];
    snprintf(wl, sizeof wl, "%s/wl.xml", dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", fixture_whitelist(), wl);
    assert_int_equal(system(cmd), 0);
    struct node_config c;
    load(&c, "cache", wl, NULL);
    struct node n;
    char err[512] = "";
    if (node_open(&n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    node_close(&n);
    /* The source turns bad: the cached copy carries the node. */
    FILE *f = fopen(wl, "w");
    assert_non_null(f);
    fputs("<broken", f);
    fclose(f);
    if (node_open(&n, &c, err, sizeof err) != 0) fail_msg("%s", err);
    assert_true(n.http.host_allowed(n.http.host_allowed_ctx, "pgo.example.test"));
    node_close(&n);
    node_config_free(&c);
    /* A new data_dir has no cache: no start. */
    load(&c, "nocache", wl, NULL);
    assert_int_equal(node_open(&n, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "no Whitelist"));
    assert_null(n.lists);
    node_config_free(&c);
}

static void data_dir_parent_must_exist(void **state)
{
    struct node_config c;
    load(&c, "no/such/dir", fixture_whitelist(), NULL);
    struct node n;
    char err[512] = "";
    assert_int_equal(node_open(&n, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "data_dir"));
    assert_non_null(strstr(err, "No such file"));
    node_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opens_data_dir_and_fills_the_server_config),
        cmocka_unit_test(audit_key_made_once_and_checked),
        cmocka_unit_test(a_missing_list_stops_the_start_unless_cached),
        cmocka_unit_test(data_dir_parent_must_exist),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
