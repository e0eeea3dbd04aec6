/* node/config: every setting of docs/node-config.md read with its default, the checks that stop
 * a bad file with FILE:LINE, include, the catalogue and the command-line overrides. */
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

#include "node/config.h"
#include "node/config_value.h"

static char dir[64];
static char path[128]; /* <dir>/node.conf */

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
    snprintf(dir, sizeof dir, "/tmp/regie-nodecfg-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/node.conf", dir);
    char p[256];
    snprintf(p, sizeof p, "%s/ca", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/lists", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/etc", dir);
    mkdir(p, 0700);
    /* The loader only checks that these files can be read. */
    write_file("ca/gp.crt", "cert");
    write_file("ca/gp.key", "key");
    write_file("ca/ca.crt", "ca");
    write_file("ca/pgo-client.crt", "cert");
    write_file("ca/pgo-client.key", "key");
    write_file("lists/ocl.xml", "x");
    write_file("lists/whitelist.xml", "x");
    write_file("lists/zal.xml", "x");
    write_file("lists/gnl.xml", "x");
    write_file("etc/services.conf", "# the catalogue\n"
                                    "[service 48]\n"
                                    "name = Basisgegevens Zorg\n"
                                    "kind = collect\n"
                                    "types = Patient\n"
                                    "types = Practitioner\n"
                                    "types = Observation\n"
                                    "search = Patient?_include=Patient:general-practitioner\n"
                                    "search = Observation/$lastn?code=http://loinc.org|85354-9\n"
                                    "[service 53]\n"
                                    "name = Meetwaarden delen\n"
                                    "kind = share\n"
                                    "types = Observation\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char dva_text[] = "role = dva\n"
                               "name = huisartsdelinde@medmij\n"
                               "display_name = \"Huisartsenpraktijk De Linde (demo)\"\n"
                               "listen = 127.0.0.1:8443\n"
                               "public_url = https://localhost:8443/\n"
                               "data_dir = gp\n"
                               "include = etc/services.conf\n"
                               "\n"
                               "[tls]\n"
                               "cert = ca/gp.crt\n"
                               "key = ca/gp.key\n"
                               "client_ca = ca/ca.crt\n"
                               "\n"
                               "[lists]\n"
                               "ocl = lists/ocl.xml\n"
                               "whitelist = https://lists.regie.test/whitelist.xml\n"
                               "refresh = 15m\n"
                               "\n"
                               "[oauth]\n"
                               "services = 48\n"
                               "services = 53\n"
                               "scope_form = pairs\n"
                               "access_ttl = 2s\n"
                               "consent_text = {org} mag {service} ophalen\n"
                               "\n"
                               "[audit]\n"
                               "key = none\n"
                               "\n"
                               "[limits]\n"
                               "threads = 4\n"
                               "max_body = 2MiB\n"
                               "idle_timeout = 1m\n"
                               "page_max = 20\n";

static char *joined(const char *name)
{
    static char buf[8][256];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, 256, "%s/%s", dir, name);
    return b;
}

static void dva_file_read_whole(void **state)
{
    write_file("node.conf", dva_text);
    struct node_config c;
    char err[512] = "";
    int rc = node_config_load(path, NULL, &c, err, sizeof err);
    if (rc) fail_msg("%s", err);
    assert_int_equal(c.role, NODE_ROLE_DVA);
    assert_string_equal(c.name, "huisartsdelinde@medmij");
    assert_string_equal(c.display_name, "Huisartsenpraktijk De Linde (demo)");
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8443);
    assert_string_equal(c.public_url, "https://localhost:8443"); /* trailing '/' dropped */
    assert_false(c.public_url_defaulted);
    /* Paths are relative to the file's directory. */
    assert_string_equal(c.data_dir, joined("gp"));
    assert_string_equal(c.db, joined("gp/regie.db"));
    assert_string_equal(c.accounts_db, joined("gp/accounts.db"));
    assert_string_equal(c.oauth_db, joined("gp/oauth.db"));
    assert_string_equal(c.lists_dir, joined("gp/lists"));
    assert_string_equal(c.audit.log, joined("gp/audit.log"));
    assert_null(c.audit.key); /* none */
    assert_string_equal(c.tls.cert, joined("ca/gp.crt"));
    assert_string_equal(c.tls.key, joined("ca/gp.key"));
    assert_string_equal(c.tls.client_ca, joined("ca/ca.crt"));
    assert_null(c.tls.peer_ca);
    assert_string_equal(c.tls.client_cert, joined("ca/gp.crt")); /* defaults to cert */
    assert_string_equal(c.tls.client_key, joined("ca/gp.key"));
    assert_false(c.tls.plain_loopback);
    assert_string_equal(c.lists.source[MEDMIJ_OCL], joined("lists/ocl.xml"));
    assert_string_equal(c.lists.source[MEDMIJ_WHITELIST], "https://lists.regie.test/whitelist.xml");
    assert_null(c.lists.source[MEDMIJ_ZAL]);
    assert_int_equal(c.lists.refresh_s, 900);
    assert_int_equal(c.oauth.scope_form, NODE_SCOPE_PAIRS);
    assert_int_equal(c.oauth.code_ttl_s, 60);
    assert_int_equal(c.oauth.access_ttl_s, 2);
    assert_int_equal(c.oauth.consent_ttl_s, 365 * 86400);
    assert_int_equal(c.oauth.nservices, 2);
    assert_string_equal(c.oauth.services[0], "48");
    assert_string_equal(c.oauth.services[1], "53");
    assert_string_equal(c.oauth.consent_text, "{org} mag {service} ophalen");
    assert_int_equal(c.http.threads, 4);
    assert_int_equal(c.http.body_max, 2u << 20);
    assert_int_equal(c.http.idle_timeout_s, 60);
    assert_int_equal(c.page_max, 20);
    assert_int_equal(c.page_default, 20); /* clamped to page_max, as serve does */
    /* The catalogue from the include. */
    assert_int_equal(c.nservices, 2);
    const struct node_service *bgz = node_config_service(&c, "48");
    assert_non_null(bgz);
    assert_string_equal(bgz->name, "Basisgegevens Zorg");
    assert_int_equal(bgz->kind, NODE_SERVICE_COLLECT);
    assert_int_equal(bgz->ntypes, 3);
    assert_string_equal(bgz->types[2], "Observation");
    assert_int_equal(bgz->nsearches, 2);
    assert_string_equal(bgz->searches[1], "Observation/$lastn?code=http://loinc.org|85354-9");
    const struct node_service *share = node_config_service(&c, "53");
    assert_non_null(share);
    assert_int_equal(share->kind, NODE_SERVICE_SHARE);
    assert_int_equal(share->nsearches, 0);
    assert_null(node_config_service(&c, "51"));
    node_config_free(&c);
}

static void pgo_defaults(void **state)
{
    write_file("node.conf", "name = pgo.regie.test\n"
                            "data_dir = /var/lib/regie-pgo\n"
                            "[tls]\n"
                            "plain_loopback = true\n"
                            "[lists]\n"
                            "zal = lists/zal.xml\n"
                            "gnl = lists/gnl.xml\n"
                            "whitelist = lists/whitelist.xml\n");
    struct node_config c;
    char err[512] = "";
    int rc = node_config_load(path, "pgo", &c, err, sizeof err);
    if (rc) fail_msg("%s", err);
    assert_int_equal(c.role, NODE_ROLE_PGO);
    assert_string_equal(c.display_name, "pgo.regie.test");
    assert_string_equal(c.listen, "127.0.0.1:8443");
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8443);
    assert_string_equal(c.public_url, "http://127.0.0.1:8443"); /* plain: http */
    assert_true(c.public_url_defaulted);
    assert_string_equal(c.data_dir, "/var/lib/regie-pgo"); /* absolute stays */
    assert_string_equal(c.pgo_db, "/var/lib/regie-pgo/pgo.db");
    assert_string_equal(c.audit.key, "/var/lib/regie-pgo/audit.key");
    assert_null(c.tls.cert);
    assert_null(c.tls.client_cert);
    assert_null(c.include);
    assert_null(c.lists.xsd_dir);
    assert_int_equal(c.lists.refresh_s, 3600);
    assert_string_equal(c.pgo.redirect_path, "/connect/callback");
    assert_int_equal(c.pgo.collect_timeout_s, 30);
    assert_int_equal(c.pgo.collect_max, 10000);
    assert_true(c.pgo.self_signup);
    assert_null(c.pgo.app_dir); /* serve resolves "web" beside the binary */
    assert_int_equal(c.accounts.lockout_after, 5);
    assert_int_equal(c.accounts.session_idle_s, 900);
    assert_int_equal(c.accounts.session_max_s, 12 * 3600);
    assert_int_equal(c.oauth.scope_form, NODE_SCOPE_PROVIDER);
    assert_int_equal(c.oauth.code_ttl_s, 60);
    assert_int_equal(c.oauth.access_ttl_s, 900);
    assert_null(c.oauth.consent_text);
    assert_int_equal(c.http.threads, 8);
    assert_int_equal(c.http.body_max, 16u << 20);
    assert_int_equal(c.http.json_depth, 64);
    assert_int_equal(c.http.conn_max, 512);
    assert_int_equal(c.http.idle_timeout_s, 30);
    assert_int_equal(c.page_default, 50);
    assert_int_equal(c.page_max, 1000);
    assert_int_equal(c.nservices, 0);
    node_config_free(&c);
}

/* A file that must be refused: the message starts with node.conf:LINE: and says why. */
static void refused(const char *text, const char *role, unsigned line, const char *says)
{
    write_file("node.conf", text);
    struct node_config c;
    char err[512] = "";
    assert_int_equal(node_config_load(path, role, &c, err, sizeof err), -1);
    char want[256];
    if (line)
        snprintf(want, sizeof want, "%s:%u: ", path, line);
    else
        snprintf(want, sizeof want, "%s: ", path);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, says))
        fail_msg("'%s'\n  want '%s' ... '%s'", err, want, says);
}

#define PGO_BASE                                                                                   \
    "role = pgo\nname = pgo.regie.test\ndata_dir = d\n[lists]\nzal = lists/zal.xml\n"              \
    "gnl = lists/gnl.xml\nwhitelist = lists/whitelist.xml\n"
#define PLAIN "[tls]\nplain_loopback = true\n"

/* [pgo] self_signup and app_dir (a path relative to the file's folder). */
static void pgo_app_settings(void **state)
{
    write_file("node.conf", PGO_BASE PLAIN "[pgo]\nself_signup = false\napp_dir = site/web\n");
    struct node_config c;
    char err[512] = "";
    if (node_config_load(path, NULL, &c, err, sizeof err) != 0) fail_msg("%s", err);
    assert_false(c.pgo.self_signup);
    assert_string_equal(c.pgo.app_dir, joined("site/web"));
    node_config_free(&c);
}

static void bad_files_name_their_line(void **state)
{
    /* Syntax, passed on from util/ini. */
    refused("role = dva\n[tls\n", NULL, 2, "closing ']'");
    /* Unknown names: a typo must not fall back to a default. */
    refused(PGO_BASE "[tsl]\n", NULL, 8, "unknown section [tsl]");
    refused(PGO_BASE PLAIN "plain_loopbak = true\n", NULL, 10,
            "unknown key 'plain_loopbak' in [tls]");
    refused("rol = dva\n", NULL, 1, "unknown key 'rol' in [node]");
    refused(PGO_BASE "[tls 1]\n", NULL, 8, "takes no argument");
    refused("a = 1\n[node]\n", NULL, 2, "[node] again"); /* headers are checked first */
    refused("[node]\nrole = pgo\n[tls]\n[node]\n", NULL, 4, "already began at line 1");
    refused("role = pgo\n[node]\nname = x\n", NULL, 2, "[node] again");
    /* Single keys once; lists may repeat. */
    refused("role = pgo\nname = a.regie.test\nname = b.regie.test\n", NULL, 3,
            "already set at line 2");
    /* Values. */
    refused("role = gp\n", NULL, 1, "role must be dva or pgo");
    refused(PGO_BASE "[tls]\nplain_loopback = yes\n", NULL, 9, "true or false");
    refused(PGO_BASE PLAIN "[pgo]\ncollect_timeout = 30\n", NULL, 11, "unit s, m, h or d");
    refused(PGO_BASE PLAIN "[pgo]\ncollect_timeout = 2h\n", NULL, 11, "out of range");
    refused(PGO_BASE PLAIN "[pgo]\ncollect_max = -1\n", NULL, 11, "whole number");
    refused(PGO_BASE PLAIN "[pgo]\nredirect_path = cb\n", NULL, 11, "starting with '/'");
    refused(PGO_BASE PLAIN "[pgo]\nself_signup = no\n", NULL, 11, "true or false");
    refused(PGO_BASE PLAIN "[limits]\nmax_body = 2MB\n", NULL, 11, "KiB, MiB or GiB");
    refused(PGO_BASE PLAIN "[limits]\nmax_body = 12\n", NULL, 11, "out of range");
    refused(PGO_BASE PLAIN "[limits]\nthreads =\n", NULL, 11, "needs a value");
    refused(PGO_BASE PLAIN "[accounts]\nsession_idle = 13h\n", NULL, 11, "longer than session_max");
    refused("listen = 8443\n", NULL, 1, "HOST:PORT");
    refused("listen = example.org:8443\n", NULL, 1, "numeric address");
    refused("listen = ::1:8443\n", NULL, 1, "HOST:PORT");
    refused("listen = 127.0.0.1:65536\n", NULL, 1, "port");
    refused(PGO_BASE PLAIN "public_url = ftp://x\n", NULL, 10, "unknown key 'public_url' in [tls]");
    refused("role = pgo\npublic_url = https://x/?a=1\nname = pgo.regie.test\ndata_dir = d\n"
            "[tls]\nplain_loopback = true\n[lists]\nzal = lists/zal.xml\ngnl = lists/gnl.xml\n"
            "whitelist = lists/whitelist.xml\n",
            NULL, 2, "query or fragment");
    refused("role = pgo\npublic_url = http://x\nname = pgo.regie.test\ndata_dir = d\n"
            "[tls]\ncert = ca/gp.crt\nkey = ca/gp.key\n[lists]\nzal = lists/zal.xml\n"
            "gnl = lists/gnl.xml\nwhitelist = lists/whitelist.xml\n",
            NULL, 2, "https://");
    /* Files named must exist; lists over https only. */
    refused(PGO_BASE "[tls]\ncert = ca/missing.crt\n", NULL, 9, "No such file");
    refused("[lists]\nzal = http://lists.regie.test/zal.xml\n", NULL, 2, "not http");
    refused("[lists]\nzal = lists/nope.xml\n", NULL, 2, "No such file");
    refused("[lists]\nxsd_dir = nope\n", NULL, 2, "No such file");
    /* Role. */
    refused("name = pgo.regie.test\n", NULL, 0, "role is not set");
    refused("role = dva\n", "pgo", 1, "role = dva, but --role pgo");
    refused(PGO_BASE PLAIN "[oauth]\nservices = 48\n", NULL, 10, "[oauth] is for role dva");
    refused("role = pgo\ndata_dir = d\n", NULL, 0, "name is not set");
    refused("role = pgo\nname = pgo.regie.test\n", NULL, 0, "a pgo needs [lists] zal");
    refused("role = dva\nname = pgo.regie.test\ndata_dir = d\n", NULL, 2, "ZAL provider name");
    refused("role = pgo\nname = Not A Host\ndata_dir = d\n", NULL, 2, "host name");
    refused("role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\n[lists]\n"
            "whitelist = lists/whitelist.xml\n",
            NULL, 0, "a dva needs [lists] ocl");
    refused("role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\n[lists]\n"
            "ocl = lists/ocl.xml\nwhitelist = lists/whitelist.xml\n[pgo]\n",
            NULL, 7, "[pgo] is for role pgo");
    refused("role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\n[lists]\n"
            "ocl = lists/ocl.xml\nwhitelist = lists/whitelist.xml\n",
            NULL, 0, "a dva needs [oauth] services");
    refused("role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\n[lists]\n"
            "ocl = lists/ocl.xml\nwhitelist = lists/whitelist.xml\n[oauth]\nservices = 48\n",
            NULL, 8, "48 has no [service 48] section");
    refused("[oauth]\nservices = 48\nservices = 48\n", NULL, 3, "listed twice");
    refused("[oauth]\nservices = 4 8\n", NULL, 2, "not a data service id");
    refused("[oauth]\nscope_form = name\n", NULL, 2, "provider or pairs");
    /* TLS. */
    refused("role = pgo\nname = pgo.regie.test\ndata_dir = d\n[lists]\nzal = lists/zal.xml\n"
            "gnl = lists/gnl.xml\nwhitelist = lists/whitelist.xml\n",
            NULL, 0, "TLS needs [tls] cert and key");
    refused(PGO_BASE "[tls]\ncert = ca/gp.crt\n", NULL, 0, "TLS needs");
    refused("role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\n[tls]\ncert = ca/gp.crt\n"
            "key = ca/gp.key\n[lists]\nocl = lists/ocl.xml\nwhitelist = lists/whitelist.xml\n"
            "[oauth]\nservices = 53\n[service 53]\nname = x\nkind = share\ntypes = Observation\n",
            NULL, 0, "a dva needs [tls] client_ca");
    refused("listen = 10.0.0.1:8443\n" PGO_BASE PLAIN, NULL, 10, "only allowed on a loopback");
    refused(PGO_BASE PLAIN "cert = ca/gp.crt\nkey = ca/gp.key\n", NULL, 9, "cannot go with");
    refused(PGO_BASE "[tls]\ncert = ca/gp.crt\nkey = ca/gp.key\nclient_cert = ca/gp.crt\n", NULL,
            11, "go together");
    refused(PGO_BASE PLAIN "[audit]\nkey =\n", NULL, 11, "needs a value");
}

static void catalogue_checks(void **state)
{
    refused(PGO_BASE PLAIN "[service]\n", NULL, 10, "needs its data service id");
    refused(PGO_BASE PLAIN "[service 48]\nname = x\nkind = collect\n[service 48]\n", NULL, 13,
            "already began at line 10");
    refused(PGO_BASE PLAIN "[service 48]\nname = x\n", NULL, 10, "needs kind");
    refused(PGO_BASE PLAIN "[service 48]\nkind = collect\n", NULL, 10, "needs a name");
    refused(PGO_BASE PLAIN "[service 48]\nkind = pull\n", NULL, 11, "collect or share");
    refused(PGO_BASE PLAIN "[service 48]\nkind = share\nkind = share\n", NULL, 12,
            "already set at line 11");
    refused(PGO_BASE PLAIN "[service 48]\nname = x\nkind = share\n", NULL, 10, "needs types");
    refused(PGO_BASE PLAIN "[service 48]\ntypes = Patients\n", NULL, 11, "not a resource type");
    refused(PGO_BASE PLAIN "[service 48]\ntypes = Patient\ntypes = Patient\n", NULL, 12, "twice");
    refused(PGO_BASE PLAIN "[service 48]\nname = x\nkind = collect\ntypes = Patient\n", NULL, 10,
            "needs search lines");
    refused(PGO_BASE PLAIN "[service 53]\nname = x\nkind = share\ntypes = Observation\n"
                           "search = Observation\n",
            NULL, 14, "share service");
    refused(PGO_BASE PLAIN "[service 48]\nname = x\nkind = collect\ntypes = Patient\n"
                           "search = Condition\n",
            NULL, 14, "not in the service's types");
    refused(PGO_BASE PLAIN "[service 48]\ncolour = red\n", NULL, 11, "unknown key 'colour'");
    static const char *const bad_searches[] = {
        "search = Observation?patient=1\n",
        "search = Observation?code=x&subject:Patient=1\n",
        "search = Observation?subject.identifier=x\n",
        "search = /Observation\n",
        "search = Observation/123\n",
        "search = Observation?code\n",
        "search = Observations\n",
        "search = Observation/$lastn/x\n",
    };
    for (size_t i = 0; i < sizeof bad_searches / sizeof bad_searches[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s[service 48]\n%s", PGO_BASE, PLAIN, bad_searches[i]);
        refused(text, NULL, 11, "search");
    }
}

static void include_rules(void **state)
{
    /* One level only. */
    write_file("etc/nested.conf", "include = services.conf\n");
    {
        struct node_config c;
        char err[512];
        write_file("node.conf", "include = etc/nested.conf\n" PGO_BASE PLAIN);
        assert_int_equal(node_config_load(path, NULL, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "nested.conf:1: include: only one level"));
    }
    /* A missing include is named at the include line. */
    refused("role = pgo\ninclude = etc/gone.conf\n", NULL, 2, "gone.conf");
    /* A fault in the included file names that file. */
    write_file("etc/bad.conf", "[service 48]\nkind = sometimes\n");
    {
        struct node_config c;
        char err[512];
        write_file("node.conf", "include = etc/bad.conf\n" PGO_BASE PLAIN);
        assert_int_equal(node_config_load(path, NULL, &c, err, sizeof err), -1);
        char want[256];
        snprintf(want, sizeof want, "%s/etc/bad.conf:2: ", dir);
        assert_memory_equal(err, want, strlen(want));
    }
    /* The same service in both files. */
    {
        struct node_config c;
        char err[512];
        write_file("node.conf",
                   "include = etc/services.conf\n" PGO_BASE PLAIN "[service 48]\nname = x\n");
        assert_int_equal(node_config_load(path, NULL, &c, err, sizeof err), -1);
        if (!strstr(err, "node.conf:11: [service 48] is already defined at ")) fail_msg("%s", err);
        assert_non_null(strstr(err, "etc/services.conf:2"));
    }
    /* A single key set in both files. */
    {
        struct node_config c;
        char err[512];
        write_file("etc/withname.conf", "name = pgo.regie.test\n");
        write_file("node.conf", "include = etc/withname.conf\n" PGO_BASE PLAIN);
        assert_int_equal(node_config_load(path, NULL, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "node.conf:3: [node] name is already set at "));
        assert_non_null(strstr(err, "withname.conf:1"));
    }
}

static void role_override_and_cli(void **state)
{
    write_file("node.conf", PGO_BASE PLAIN);
    struct node_config c;
    char err[512] = "";
    assert_int_equal(node_config_load(path, "pgo", &c, err, sizeof err), 0);
    node_config_free(&c);
    assert_int_equal(node_config_load(path, "dva", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "node.conf:1: role = pgo, but --role dva"));
    assert_int_equal(node_config_load(path, "gp", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "--role must be dva or pgo"));
    /* Command-line values replace the file's before the checks. */
    struct node_config_overrides ov = {
        .listen = "127.0.0.1:0", .db = "/tmp/other.db", .base_url = "http://localhost:9999/"};
    assert_int_equal(node_config_load_with(path, NULL, &ov, &c, err, sizeof err), 0);
    assert_string_equal(c.listen, "127.0.0.1:0");
    assert_int_equal(c.listen_port, 0);
    assert_string_equal(c.db, "/tmp/other.db");
    assert_string_equal(c.public_url, "http://localhost:9999");
    assert_false(c.public_url_defaulted);
    assert_int_equal(node_config_set_public_url(&c, "http://127.0.0.1:4321"), 0);
    assert_string_equal(c.public_url, "http://127.0.0.1:4321");
    node_config_free(&c);
    ov = (struct node_config_overrides){.listen = "nowhere"};
    assert_int_equal(node_config_load_with(path, NULL, &ov, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "--listen nowhere"));
    ov = (struct node_config_overrides){.base_url = "ftp://x"};
    assert_int_equal(node_config_load_with(path, NULL, &ov, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "--base-url ftp://x"));
    /* TLS given on the command line over a file without [tls]. */
    write_file("node.conf", PGO_BASE);
    char cert[256], key[256];
    snprintf(cert, sizeof cert, "%s/ca/gp.crt", dir);
    snprintf(key, sizeof key, "%s/ca/gp.key", dir);
    ov = (struct node_config_overrides){.tls_cert = cert, .tls_key = key};
    assert_int_equal(node_config_load_with(path, NULL, &ov, &c, err, sizeof err), 0);
    assert_string_equal(c.tls.cert, cert);
    assert_string_equal(c.tls.client_key, key);
    assert_string_equal(c.public_url, "https://127.0.0.1:8443");
    node_config_free(&c);
    /* A missing file. */
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none.conf", dir);
    assert_int_equal(node_config_load(missing, NULL, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "none.conf: No such file"));
}

static void value_syntax(void **state)
{
    unsigned long long v;
    const char *why;
    assert_int_equal(config_parse_duration("15m", 1, 86400, &v, &why), 0);
    assert_int_equal(v, 900);
    assert_int_equal(config_parse_duration("365d", 1, 3650ull * 86400, &v, &why), 0);
    assert_int_equal(v, 365ull * 86400);
    assert_int_equal(config_parse_duration("1h", 1, 86400, &v, &why), 0);
    assert_int_equal(v, 3600);
    assert_int_equal(config_parse_duration("60s", 1, 86400, &v, &why), 0);
    assert_int_equal(v, 60);
    static const char *const bad_durations[] = {"",
                                                "15",
                                                "m",
                                                "15 m",
                                                "1.5h",
                                                "-1s",
                                                "15M",
                                                "15ms",
                                                "999999999999999999d",
                                                "9999999999999999999s"};
    for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++)
        if (config_parse_duration(bad_durations[i], 1, 86400, &v, &why) != -1)
            fail_msg("duration '%s' accepted", bad_durations[i]);
    assert_int_equal(config_parse_duration("0s", 1, 86400, &v, &why), -1);
    assert_int_equal(config_parse_duration("2d", 1, 86400, &v, &why), -1);
    assert_int_equal(config_parse_size("16MiB", 1024, 1ull << 31, &v, &why), 0);
    assert_int_equal(v, 16ull << 20);
    assert_int_equal(config_parse_size("64 KiB", 1024, 1ull << 31, &v, &why), 0);
    assert_int_equal(v, 64ull << 10);
    assert_int_equal(config_parse_size("4096", 1024, 1ull << 31, &v, &why), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("2GiB", 1024, 1ull << 31, &v, &why), 0);
    assert_int_equal(config_parse_size("3GiB", 1024, 1ull << 31, &v, &why), -1);
    assert_int_equal(config_parse_size("1MB", 1024, 1ull << 31, &v, &why), -1);
    assert_int_equal(config_parse_size("1  MiB", 1024, 1ull << 31, &v, &why), -1);
    assert_int_equal(config_parse_size("MiB", 1024, 1ull << 31, &v, &why), -1);
    bool b;
    assert_int_equal(config_parse_bool("true", &b, &why), 0);
    assert_true(b);
    assert_int_equal(config_parse_bool("false", &b, &why), 0);
    assert_false(b);
    assert_int_equal(config_parse_bool("True", &b, &why), -1);
    assert_int_equal(config_parse_bool("1", &b, &why), -1);
    char host[64];
    uint16_t port;
    assert_int_equal(config_parse_listen("[::1]:0", host, sizeof host, &port, &why), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_int_equal(config_parse_listen("localhost:80", host, sizeof host, &port, &why), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(config_parse_listen("[::1]8443", host, sizeof host, &port, &why), -1);
    assert_int_equal(config_parse_listen(":8443", host, sizeof host, &port, &why), -1);
    assert_int_equal(config_check_url("https://gp.regie.test:8443", true, &why), 0);
    assert_int_equal(config_check_url("http://gp.regie.test", true, &why), -1);
    assert_int_equal(config_check_url("http://gp.regie.test", false, &why), 0);
    assert_int_equal(config_check_url("https://", true, &why), -1);
    assert_int_equal(config_check_url("https://a b", true, &why), -1);
    assert_int_equal(config_check_url("https://a#b", true, &why), -1);
    char *p = config_path_join("/etc/regie", "gp");
    assert_string_equal(p, "/etc/regie/gp");
    free(p);
    p = config_path_join("/etc/regie", "/abs");
    assert_string_equal(p, "/abs");
    free(p);
    p = config_path_join(".", "gp");
    assert_string_equal(p, "gp");
    free(p);
    p = config_dirname("node.conf");
    assert_string_equal(p, ".");
    free(p);
    p = config_dirname("/node.conf");
    assert_string_equal(p, "/");
    free(p);
    p = config_dirname("a/b/node.conf");
    assert_string_equal(p, "a/b");
    free(p);
    assert_string_equal(node_role_name(NODE_ROLE_DVA), "dva");
    assert_int_equal(node_role_parse("pgo"), NODE_ROLE_PGO);
    assert_int_equal(node_role_parse("PGO"), NODE_ROLE_NONE);
}

/* The catalogue shipped with regie must load as it is. */
static void shipped_catalogue_loads(void **state)
{
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char text[2048];
    snprintf(
        text, sizeof text,
        "role = dva\nname = huisartsdelinde@medmij\ndata_dir = d\ninclude = %s/etc/services.conf\n"
        "[tls]\nplain_loopback = true\n[lists]\nocl = lists/ocl.xml\n"
        "whitelist = lists/whitelist.xml\n[oauth]\nservices = 48\nservices = 49\n"
        "services = 51\nservices = 53\n",
        cwd);
    write_file("node.conf", text);
    struct node_config c;
    char err[512] = "";
    int rc = node_config_load(path, NULL, &c, err, sizeof err);
    if (rc) fail_msg("%s", err);
    const struct node_service *bgz = node_config_service(&c, "48");
    assert_non_null(bgz);
    assert_int_equal(bgz->kind, NODE_SERVICE_COLLECT);
    assert_int_equal(bgz->nsearches, 28); /* the BgZ's 28 searches */
    assert_int_equal(node_config_service(&c, "49")->kind, NODE_SERVICE_COLLECT);
    assert_int_equal(node_config_service(&c, "51")->kind, NODE_SERVICE_COLLECT);
    assert_int_equal(node_config_service(&c, "53")->kind, NODE_SERVICE_SHARE);
    node_config_free(&c);
}

/* The text of the first ``` block after the line starting with heading in docs/node-config.md. */
static void doc_example(const char *heading, char *text, size_t cap)
{
    FILE *doc = fopen("docs/node-config.md", "r");
    assert_non_null(doc);
    char line[1024];
    size_t len = 0;
    text[0] = '\0';
    int phase = 0; /* 0: before the heading, 1: before the block, 2: in it, 3: after it */
    while (phase < 3 && fgets(line, sizeof line, doc)) {
        if (phase == 0 && !strncmp(line, heading, strlen(heading)))
            phase = 1;
        else if (phase == 1 && !strncmp(line, "```", 3))
            phase = 2;
        else if (phase == 2 && !strncmp(line, "```", 3))
            phase = 3;
        else if (phase == 2)
            len += (size_t)snprintf(text + len, cap - len, "%s", line);
    }
    fclose(doc);
    if (phase != 3) fail_msg("no example under '%s'", heading);
}

/* Loads an example written two levels below the catalogue it includes, with its files made. */
static void load_example(const char *heading, const char *files, struct node_config *c)
{
    char text[4096];
    doc_example(heading, text, sizeof text);
    char cwd[512], cmd[2048];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s/ex' && mkdir -p '%s/ex/a/b/ca' '%s/ex/a/b/lists' '%s/ex/etc' && "
             "cp '%s/etc/services.conf' '%s/ex/etc/' && cd '%s/ex/a/b' && touch %s",
             dir, dir, dir, dir, cwd, dir, dir, files);
    assert_int_equal(system(cmd), 0);
    char p[256];
    snprintf(p, sizeof p, "%s/ex/a/b/node.conf", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char err[512] = "";
    if (node_config_load(p, NULL, c, err, sizeof err) != 0) fail_msg("%s: %s", heading, err);
}

/* The examples in docs/node-config.md load as they are written. */
static void documented_examples_load(void **state)
{
    struct node_config c;
    load_example("## Example (DVA)",
                 "ca/gp.crt ca/gp.key ca/ca.crt lists/ocl.xml lists/whitelist.xml lists/gnl.xml "
                 "lists/zal.xml",
                 &c);
    assert_int_equal(c.role, NODE_ROLE_DVA);
    assert_string_equal(c.public_url, "https://localhost:8443");
    assert_non_null(node_config_service(&c, "53"));
    node_config_free(&c);
    load_example("## Example (PGO)", "ca/pgo.crt ca/pgo.key ca/ca.crt", &c);
    assert_int_equal(c.role, NODE_ROLE_PGO);
    assert_string_equal(c.name, "pgo.regie.test");
    assert_non_null(strstr(c.tls.client_cert, "ca/pgo.crt"));
    assert_string_equal(c.lists.source[MEDMIJ_ZAL], "https://lists.regie.test/ZAL.xml");
    assert_int_equal(c.lists.refresh_s, 900);
    assert_int_equal(c.pgo.collect_timeout_s, 20);
    assert_int_equal(node_config_service(&c, "48")->nsearches, 28);
    node_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dva_file_read_whole),     cmocka_unit_test(pgo_defaults),
        cmocka_unit_test(pgo_app_settings),        cmocka_unit_test(bad_files_name_their_line),
        cmocka_unit_test(catalogue_checks),        cmocka_unit_test(include_rules),
        cmocka_unit_test(role_override_and_cli),   cmocka_unit_test(value_syntax),
        cmocka_unit_test(shipped_catalogue_loads), cmocka_unit_test(documented_examples_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
