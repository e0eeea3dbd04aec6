/* regie serve: opens the store, starts the HTTP server with the FHIR routes, prints one ready line
 * and runs until SIGINT or SIGTERM. With --config FILE it starts a MedMij node instead
 * (serve_node.c, docs/node-config.md). */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/serve_node.h"
#include "http/http.h"
#include "rest/rest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"

#define SERVE_HOST_MAX 64
/* A certificate chain or key file larger than this is not one. */
#define SERVE_PEM_MAX (1u << 20)

struct serve_opts {
    char host[SERVE_HOST_MAX]; /* numeric, without brackets */
    unsigned port;
    const char *db;
    const char *base_url;
    bool no_auth;
    bool bench_routes;
    const char *tls_cert, *tls_key, *tls_client_ca; /* file paths */
    struct http_limits limits;
    size_t page_default, page_max;
    const char *config, *role; /* --config, --role: a MedMij node */
    const char *listen;        /* --listen as given (NULL: not given) */
    const char *plain_only;    /* the first option given that --config does not take */
};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: regie serve --listen HOST:PORT --db PATH [options]\n"
        "       regie serve --config FILE [--role dva|pgo] [--listen HOST:PORT] [--db PATH]\n"
        "                   [--base-url URL] [--tls-cert FILE --tls-key FILE]\n"
        "                   [--tls-client-ca FILE]\n"
        "\n"
        "Serves the FHIR R4 REST API under http://HOST:PORT/fhir.\n"
        "\n"
        "With --config, runs a MedMij node (a care provider's DVA or a patient's PGO) as the\n"
        "file says (docs/node-config.md); --role must agree with the file's role (or gives it),\n"
        "and --listen, --db, --base-url (the node's public_url) and --tls-* replace the\n"
        "file's values. A bad file stops with FILE:LINE and exit status 2. When listening,\n"
        "prints 'ready ROLE NAME PUBLIC_URL' on stdout.\n"
        "\n"
        "  --config FILE        the node's config file\n"
        "  --role dva|pgo       the node's role\n"
        "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080); HOST is an IPv4\n"
        "                       address, [IPv6] in brackets, or localhost; PORT 0 picks a free\n"
        "                       port\n"
        "  --db PATH            SQLite database file (created when missing; its directory\n"
        "                       must exist)\n"
        "  --no-auth            serve without authentication; only allowed on a loopback\n"
        "                       address (127.0.0.0/8, ::1, localhost)\n"
        "  --base-url URL       base URL used in Location headers and links\n"
        "                       (default http://HOST:PORT/fhir, https with TLS)\n"
        "  --tls-cert FILE      serve HTTPS with this certificate (PEM, chain after it);\n"
        "                       required on any address but loopback\n"
        "  --tls-key FILE       the certificate's private key (PEM, unencrypted)\n"
        "  --tls-client-ca FILE ask clients for a certificate and require one that this\n"
        "                       CA (PEM) issued on the FHIR endpoints (mutual TLS)\n"
        "  --threads N          worker threads (default 8)\n"
        "  --max-body BYTES     largest request body (default 16777216)\n"
        "  --max-depth N        deepest JSON nesting accepted (default 64)\n"
        "  --large-body BYTES   bodies above this are large (default 1048576)\n"
        "  --large-max N        large requests handled at once; others wait (default 1)\n"
        "  --max-conn N         concurrent connections (default 512)\n"
        "  --idle-timeout S     close connections idle for S seconds (default 30)\n"
        "  --page-default N     history page size when _count is absent (default 50)\n"
        "  --page-max N         largest _count honoured (default 1000)\n"
        "  --bench-routes       add GET /bench/ceiling, a fixed reply without store access\n"
        "  --help               show this help\n"
        "\n"
        "When listening, prints one line 'ready http://HOST:PORT/fhir' (https with TLS)\n"
        "on stdout.\n");
}

static bool parse_num(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

static bool parse_listen(const char *s, struct serve_opts *o)
{
    const char *hs = s, *he, *colon;
    if (*s == '[') {
        hs = s + 1;
        he = strchr(hs, ']');
        if (!he || he[1] != ':') return false;
        colon = he + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return false;
        he = colon;
    }
    size_t hl = (size_t)(he - hs);
    if (hl == 0 || hl >= sizeof o->host) return false;
    memcpy(o->host, hs, hl);
    o->host[hl] = '\0';
    if (!strcmp(o->host, "localhost")) snprintf(o->host, sizeof o->host, "127.0.0.1");
    unsigned long long port;
    if (!parse_num(colon + 1, 0, 65535, &port)) return false;
    o->port = (unsigned)port;
    return true;
}

/* Returns 0 when parsed, 2 on a usage error, -1 after --help. */
static int parse_args(int argc, char **argv, struct serve_opts *o)
{
    memset(o, 0, sizeof *o);
    http_limits_defaults(&o->limits);
    o->page_default = 50;
    o->page_max = 1000;
    parse_listen("127.0.0.1:8080", o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return -1;
        } else if (!strcmp(a, "--no-auth")) {
            o->no_auth = true;
            if (!o->plain_only) o->plain_only = a;
            continue;
        } else if (!strcmp(a, "--bench-routes")) {
            o->bench_routes = true;
            if (!o->plain_only) o->plain_only = a;
            continue;
        }
        if (!v) {
            fprintf(stderr, "regie serve: %s needs a value (or is unknown); see --help\n", a);
            return 2;
        }
        bool ok = true;
        bool node_opt = !strcmp(a, "--listen") || !strcmp(a, "--db") || !strcmp(a, "--base-url") ||
                        !strncmp(a, "--tls-", 6) || !strcmp(a, "--config") || !strcmp(a, "--role");
        if (!node_opt && !o->plain_only) o->plain_only = a;
        if (!strcmp(a, "--config"))
            o->config = v;
        else if (!strcmp(a, "--role"))
            o->role = v;
        else if (!strcmp(a, "--listen")) {
            o->listen = v;
            ok = parse_listen(v, o);
        } else if (!strcmp(a, "--db"))
            o->db = v;
        else if (!strcmp(a, "--base-url"))
            o->base_url = v;
        else if (!strcmp(a, "--tls-cert"))
            o->tls_cert = v;
        else if (!strcmp(a, "--tls-key"))
            o->tls_key = v;
        else if (!strcmp(a, "--tls-client-ca"))
            o->tls_client_ca = v;
        else if (!strcmp(a, "--threads") && (ok = parse_num(v, 1, 1024, &n)))
            o->limits.threads = (unsigned)n;
        else if (!strcmp(a, "--max-body") && (ok = parse_num(v, 1024, 1ull << 31, &n)))
            o->limits.body_max = (size_t)n;
        else if (!strcmp(a, "--max-depth") && (ok = parse_num(v, 2, 1000, &n)))
            o->limits.json_depth = (int)n;
        else if (!strcmp(a, "--large-body") && (ok = parse_num(v, 1024, 1ull << 31, &n)))
            o->limits.large_body = (size_t)n;
        else if (!strcmp(a, "--large-max") && (ok = parse_num(v, 1, 1024, &n)))
            o->limits.large_max = (unsigned)n;
        else if (!strcmp(a, "--max-conn") && (ok = parse_num(v, 1, 65536, &n)))
            o->limits.conn_max = (unsigned)n;
        else if (!strcmp(a, "--idle-timeout") && (ok = parse_num(v, 1, 86400, &n)))
            o->limits.idle_timeout_s = (unsigned)n;
        else if (!strcmp(a, "--page-default") && (ok = parse_num(v, 1, 100000, &n)))
            o->page_default = (size_t)n;
        else if (!strcmp(a, "--page-max") && (ok = parse_num(v, 1, 100000, &n)))
            o->page_max = (size_t)n;
        else if (ok) {
            fprintf(stderr, "regie serve: unknown option %s; see --help\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "regie serve: bad value for %s: '%s'; see --help\n", a, v);
            return 2;
        }
        i++;
    }
    if (o->role && !o->config) {
        fprintf(stderr, "regie serve: --role needs --config FILE (the node's config); see "
                        "--help\n");
        return 2;
    }
    if (o->config) {
        if (o->plain_only) {
            fprintf(stderr,
                    "regie serve: %s does not go with --config: set it in the config file "
                    "(docs/node-config.md)\n",
                    o->plain_only);
            return 2;
        }
        if (o->role && strcmp(o->role, "dva") != 0 && strcmp(o->role, "pgo") != 0) {
            fprintf(stderr, "regie serve: --role must be dva or pgo, not '%s'\n", o->role);
            return 2;
        }
        if (!o->tls_cert != !o->tls_key) {
            fprintf(stderr, "regie serve: --tls-cert and --tls-key go together; see --help\n");
            return 2;
        }
        return 0;
    }
    if (!o->db) {
        fprintf(stderr, "regie serve: --db PATH is required; see --help\n");
        return 2;
    }
    if (!o->tls_cert != !o->tls_key) {
        fprintf(stderr, "regie serve: --tls-cert and --tls-key go together; see --help\n");
        return 2;
    }
    if (o->tls_client_ca && !o->tls_cert) {
        fprintf(stderr, "regie serve: --tls-client-ca needs TLS (--tls-cert and --tls-key)\n");
        return 2;
    }
    if (o->page_default > o->page_max) o->page_default = o->page_max;
    return 0;
}

/* Reads a PEM file whole (NUL-terminated) into *out. Returns 0, or -1 after saying why. */
static int read_pem(const char *opt, const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "regie serve: %s %s: %s\n", opt, path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, SERVE_PEM_MAX);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != 0) break;
    if (ferror(f) || b.overflowed || memchr(b.data ? b.data : "", '\0', b.len) || !b.len ||
        !strstr(b.data, "-----BEGIN ")) {
        fprintf(stderr, "regie serve: %s %s: %s\n", opt, path,
                ferror(f)      ? "read error"
                : b.overflowed ? "larger than 1 MiB"
                               : "not a PEM file");
        rc = -1;
    }
    fclose(f);
    if (rc == 0) *out = buf_steal(&b, &n);
    buf_free(&b);
    return rc;
}

/* The database's directory must exist: a typo should not silently create a database elsewhere. */
static bool db_dir_ok(const char *db)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(db, '/');
    if (!slash) return true;
    size_t n = slash == db ? 1 : (size_t)(slash - db);
    if (n >= sizeof dir) return false;
    memcpy(dir, db, n);
    dir[n] = '\0';
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char bench_body[] =
    "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"purpose\",\"valueString\":"
    "\"regie benchmark ceiling: a fixed reply that touches no store, so a load test measures the "
    "HTTP path alone\"},{\"name\":\"server\",\"valueString\":\"regie\"},{\"name\":\"padding\","
    "\"valueString\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"}]}";

static void bench_ceiling(struct http_request *req, struct http_reply *rep)
{
    buf_reset(&rep->body);
    buf_append(&rep->body, bench_body, sizeof bench_body - 1);
    rep->content_type = "application/json";
    rep->status = 200;
}

/* The PEM contents of the --tls-* files; all NULL without TLS. */
struct serve_tls_files {
    char *cert, *key, *client_ca;
};

static void tls_files_free(struct serve_tls_files *t)
{
    free(t->cert);
    if (t->key) {
        /* A private key should not linger in freed heap. */
        OPENSSL_cleanse(t->key, strlen(t->key));
        free(t->key);
    }
    free(t->client_ca);
}

static int tls_files_read(const struct serve_opts *o, struct serve_tls_files *t)
{
    memset(t, 0, sizeof *t);
    if (!o->tls_cert) return 0;
    if (read_pem("--tls-cert", o->tls_cert, &t->cert) != 0 ||
        read_pem("--tls-key", o->tls_key, &t->key) != 0 ||
        (o->tls_client_ca && read_pem("--tls-client-ca", o->tls_client_ca, &t->client_ca) != 0)) {
        tls_files_free(t);
        return -1;
    }
    return 0;
}

static int run(const struct serve_opts *o)
{
    struct serve_tls_files tls;
    if (tls_files_read(o, &tls) != 0) return 1;
    struct store_config scfg;
    store_config_defaults(&scfg, o->db);
    char err[512] = "";
    struct store *store = store_sqlite_open(&scfg, err, sizeof err);
    if (!store) {
        fprintf(stderr, "regie serve: cannot open database %s: %s\n", o->db, err);
        tls_files_free(&tls);
        return 1;
    }
    size_t nr;
    const struct http_route *rr = rest_routes(&nr);
    struct http_route *routes = calloc(nr + 1, sizeof *routes);
    if (!routes) {
        store->ops->close(store);
        tls_files_free(&tls);
        fprintf(stderr, "regie serve: out of memory\n");
        return 1;
    }
    memcpy(routes, rr, nr * sizeof *routes);
    /* With a client CA the FHIR endpoints are MedMij's back channel: mutual TLS on every one. */
    if (tls.client_ca)
        for (size_t i = 0; i < nr; i++) routes[i].client_cert = true;
    if (o->bench_routes)
        routes[nr++] = (struct http_route){.method = "GET",
                                           .pattern = "/bench/ceiling",
                                           .handler = bench_ceiling,
                                           .body = HTTP_BODY_NONE,
                                           .name = "bench-ceiling"};
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = store;
    rcfg.page_default = o->page_default;
    rcfg.page_max = o->page_max;
    char base[600];
    bool v6 = strchr(o->host, ':') != NULL;
    const char *scheme = tls.cert ? "https" : "http";
    snprintf(base, sizeof base, v6 ? "%s://[%s]:%u/fhir" : "%s://%s:%u/fhir", scheme, o->host,
             o->port);
    rcfg.base_url = o->base_url ? o->base_url : base;
    int status = 1;
    struct rest_ctx *rc = NULL;
    struct http_server *srv = NULL;
    struct http_server_config hcfg = {
        .host = o->host,
        .port = (uint16_t)o->port,
        .routes = routes,
        .nroutes = nr,
        .limits = o->limits,
        .tls = {.cert_pem = tls.cert, .key_pem = tls.key, .client_ca_pem = tls.client_ca}};
    rc = rest_new(&rcfg);
    if (!rc) {
        fprintf(stderr, "regie serve: bad --base-url or out of memory\n");
        goto out;
    }
    hcfg.app = rc;
    srv = http_server_start(&hcfg, err, sizeof err);
    if (!srv) goto fail_start;
    if (!o->base_url) {
        /* With port 0 the base names the port the system picked. */
        snprintf(base, sizeof base, v6 ? "%s://[%s]:%u/fhir" : "%s://%s:%u/fhir", scheme, o->host,
                 (unsigned)http_server_port(srv));
        rest_set_base_url(rc, base);
    }
    /* The server copied the PEMs; the key need not stay in this process's heap twice. */
    tls_files_free(&tls);
    memset(&tls, 0, sizeof tls);
    printf("ready %s://%s%s%s:%u/fhir\n", scheme, v6 ? "[" : "", o->host, v6 ? "]" : "",
           (unsigned)http_server_port(srv));
    fflush(stdout);
    log_info("serving on %s (database %s)", rcfg.base_url, o->db);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: shutting down", sig);
    http_server_stop(srv);
    status = 0;
    goto out;
fail_start:
    fprintf(stderr, "regie serve: cannot listen: %s\n", err);
out:
    rest_free(rc);
    store->ops->close(store);
    free(routes);
    tls_files_free(&tls);
    return status;
}

int cli_serve(int argc, char **argv)
{
    log_init_from_env();
    /* glibc gives every worker thread its own heap arena and keeps what each one freed, so a burst
     * of large Bundles left hundreds of MB of idle heap behind. One arena measured 13 MB lower
     * peak RSS during the Synthea ingest than two, at the same ingest and read speed. */
    mallopt(M_ARENA_MAX, 1);
    struct serve_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc < 0) return 0;
    if (rc) return rc;
    /* Block the stop signals in every thread; the main thread waits for them with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (o.config) {
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        struct serve_node_opts no = {.config = o.config,
                                     .role = o.role,
                                     .listen = o.listen,
                                     .db = o.db,
                                     .base_url = o.base_url,
                                     .tls_cert = o.tls_cert,
                                     .tls_key = o.tls_key,
                                     .tls_client_ca = o.tls_client_ca};
        return serve_node(&no);
    }
    if (!o.tls_cert && !http_host_is_loopback(o.host)) {
        fprintf(stderr,
                "regie serve: plain HTTP is only allowed on a loopback address (127.0.0.0/8 or "
                "::1), not %s: give --tls-cert and --tls-key (MedMij requires TLS on every "
                "connection)\n",
                o.host);
        return 2;
    }
    if (o.no_auth && !http_host_is_loopback(o.host)) {
        fprintf(stderr,
                "regie serve: --no-auth is only allowed on a loopback address (127.0.0.0/8 or "
                "::1), not %s: without authentication anyone who can reach the port could read "
                "patient data\n",
                o.host);
        return 2;
    }
    if (!o.no_auth) {
        fprintf(stderr, "regie serve: authentication (MedMij OAuth) is not available yet; the "
                        "only mode is --no-auth on a loopback address (127.0.0.1 or ::1)\n");
        return 2;
    }
    if (!db_dir_ok(o.db)) {
        fprintf(stderr, "regie serve: the directory of database %s does not exist\n", o.db);
        return 1;
    }
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return run(&o);
}
