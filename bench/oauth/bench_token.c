/* Token endpoint requests per second (issue 4, item 11): a DVA's /oauth/token on a TLS listener on
 * 127.0.0.1 with mutual TLS and the real grant store (WAL, synchronous=FULL) and audit log in DIR,
 * driven by CLIENTS threads with libcurl (one keep-alive connection each, client certificate).
 *   code     each request redeems a fresh authorization code (PKCE S256), made beforehand through
 *            the grant store as the consent page would
 *   refresh  each client rotates its own refresh token, request after request
 * Prints requests/s and latency percentiles per phase as markdown table rows.
 * usage: bench_token DIR [CLIENTS [N_PER_CLIENT [SERVER_THREADS]]] */
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/audit.h"
#include "http/http.h"
#include "medmij/lists.h"
#include "oauth/oauth.h"
#include "util/certgen.h"

#define CLIENT    "pgo.bench.test"
#define REDIRECT  "https://pgo.bench.test/cb"
#define VERIFIER  "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

static const char *dir;
static char url[128], ca_file[512], cert_file[512], key_file[512];
static struct oauth_server *oauth;
static char (*codes)[OAUTH_TOKEN_LEN];
static atomic_long next_code;
static long per_client;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench_token: %s: %s\n", what, why);
    exit(1);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) die(path, "cannot read");
    static char bufs[4][8192];
    static int next;
    char *b = bufs[next++ % 4];
    size_t n = fread(b, 1, sizeof bufs[0] - 1, f);
    fclose(f);
    b[n] = '\0';
    return b;
}

static void offer(struct medmij_lists *lists, const struct medmij_list *l)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0 ||
        medmij_lists_offer(lists, l->kind, out.data, out.len, err, sizeof err) !=
            MEDMIJ_OFFER_SWAPPED)
        die("list", err);
    buf_free(&out);
}

struct sink {
    char data[4096];
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n;
    if (s->len + len < sizeof s->data) {
        memcpy(s->data + s->len, p, len);
        s->len += len;
        s->data[s->len] = '\0';
    }
    return len;
}

struct client {
    CURL *curl;
    double *lat;
    long n, failed;
    char refresh[OAUTH_TOKEN_LEN];
    const char *phase;
};

/* One POST /oauth/token; 0 with the refresh token kept, -1 on a failure. */
static int token_request(struct client *c, const char *form)
{
    struct sink s = {.len = 0};
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
    long status = 0;
    if (curl_easy_perform(c->curl) != CURLE_OK) return -1;
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) return -1;
    json_object *o = json_tokener_parse(s.data), *v;
    int rc = -1;
    if (o && json_object_object_get_ex(o, "refresh_token", &v)) {
        snprintf(c->refresh, sizeof c->refresh, "%s", json_object_get_string(v));
        rc = 0;
    }
    json_object_put(o);
    return rc;
}

static void *run_client(void *arg)
{
    struct client *c = arg;
    char form[512];
    for (long i = 0; i < c->n; i++) {
        if (!strcmp(c->phase, "code")) {
            long k = atomic_fetch_add(&next_code, 1);
            snprintf(form, sizeof form,
                     "grant_type=authorization_code&code=%s&client_id=" CLIENT
                     "&redirect_uri=https%%3A%%2F%%2Fpgo.bench.test%%2Fcb&code_verifier=" VERIFIER,
                     codes[k]);
        } else {
            snprintf(form, sizeof form,
                     "grant_type=refresh_token&refresh_token=%s&client_id=" CLIENT, c->refresh);
        }
        double t0 = now_s();
        if (token_request(c, form) != 0) c->failed++;
        c->lat[i] = now_s() - t0;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void phase(const char *name, struct client *cl, int nclients)
{
    pthread_t th[64];
    double t0 = now_s();
    for (int i = 0; i < nclients; i++) {
        cl[i].phase = name;
        cl[i].n = per_client;
        cl[i].failed = 0;
        pthread_create(&th[i], NULL, run_client, &cl[i]);
    }
    for (int i = 0; i < nclients; i++) pthread_join(th[i], NULL);
    double wall = now_s() - t0;
    long total = per_client * nclients, failed = 0;
    double *all = malloc(sizeof *all * (size_t)total);
    for (int i = 0; i < nclients; i++) {
        memcpy(all + i * per_client, cl[i].lat, sizeof *all * (size_t)per_client);
        failed += cl[i].failed;
    }
    qsort(all, (size_t)total, sizeof *all, cmp_double);
    printf("| %s | %d | %ld | %.0f | %.1f | %.1f | %.1f | %ld |\n", name, nclients, total,
           (double)total / wall, all[total / 2] * 1e3, all[total * 9 / 10] * 1e3,
           all[total * 99 / 100] * 1e3, failed);
    fflush(stdout);
    free(all);
}

int main(int argc, char **argv)
{
    if (argc < 2) die("usage", "bench_token DIR [CLIENTS [N_PER_CLIENT [SERVER_THREADS]]]");
    dir = argv[1];
    int nclients = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 4;
    per_client = argc > 3 ? strtol(argv[3], NULL, 10) : 250;
    unsigned threads = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 8;
    if (nclients < 1 || nclients > 64 || per_client < 1) die("usage", "1..64 clients, N >= 1");
    mkdir(dir, 0700);
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/ca", dir);
    if (certgen_ca_init(path, err, sizeof err) != 0) die("ca (DIR must be new)", err);
    const char *server[] = {"localhost"}, *client[] = {CLIENT};
    snprintf(cert_file, sizeof cert_file, "%s/server", dir);
    if (certgen_issue(path, server, 1, 30, cert_file, err, sizeof err) != 0) die("cert", err);
    snprintf(cert_file, sizeof cert_file, "%s/pgo", dir);
    if (certgen_issue(path, client, 1, 30, cert_file, err, sizeof err) != 0) die("cert", err);
    snprintf(cert_file, sizeof cert_file, "%s/pgo.crt", dir);
    snprintf(key_file, sizeof key_file, "%s/pgo.key", dir);
    snprintf(ca_file, sizeof ca_file, "%s/ca/ca.crt", dir);

    struct medmij_lists_config lc = {0};
    struct medmij_lists *lists = medmij_lists_new(&lc);
    static const struct medmij_client clients[] = {{.hostname = CLIENT, .organisation = "Bench"}};
    static const char *const nodes[] = {CLIENT};
    offer(lists, &(struct medmij_list){.kind = MEDMIJ_OCL,
                                       .volgnummer = 1,
                                       .tijdstempel = "2026-11-30T12:00:00Z",
                                       .clients = clients,
                                       .n_clients = 1});
    offer(lists, &(struct medmij_list){.kind = MEDMIJ_WHITELIST,
                                       .volgnummer = 1,
                                       .tijdstempel = "2026-11-30T12:00:00Z",
                                       .nodes = nodes,
                                       .n_nodes = 1});
    snprintf(path, sizeof path, "%s/audit.log", dir);
    struct audit_log *audit = audit_open(path, NULL, err, sizeof err);
    if (!audit) die("audit", err);
    char db[512];
    snprintf(db, sizeof db, "%s/oauth.db", dir);
    struct oauth_config oc = {.provider_name = "huisartsdelinde@medmij",
                              .db_path = db,
                              .lists = lists,
                              .audit = audit,
                              .nservices = 1};
    oc.services[0] = (struct oauth_service){.id = "48", .types = {"Patient"}, .ntypes = 1};
    oc.code_ttl = 3600; /* the codes are made before the run */
    oauth = oauth_server_open(&oc, err, sizeof err);
    if (!oauth) die("oauth", err);

    /* The codes, one consent each, as the consent page makes them. */
    long ncodes = per_client * nclients;
    codes = calloc((size_t)ncodes, sizeof *codes);
    for (long i = 0; i < ncodes; i++) {
        struct oauth_consent in = {0}, c;
        snprintf(in.subject, sizeof in.subject, "bench-subject");
        snprintf(in.patient_id, sizeof in.patient_id, "p%ld", i);
        snprintf(in.client_id, sizeof in.client_id, CLIENT);
        snprintf(in.scope, sizeof in.scope, "huisartsdelinde");
        snprintf(in.service_ids[0], sizeof in.service_ids[0], "48");
        in.nservice_ids = 1;
        if (oauth_grants_consent_create(oauth->grants, &in, 86400, &c) != OAUTH_GRANTS_OK ||
            oauth_grants_code_issue(oauth->grants, c.id, REDIRECT, CHALLENGE, codes[i]) !=
                OAUTH_GRANTS_OK)
            die("grants", "cannot make a code");
    }

    struct http_route routes[4];
    size_t nroutes = oauth_routes(oauth, routes, 4);
    struct http_server_config cfg = {.host = "127.0.0.1", .routes = routes, .nroutes = nroutes};
    http_limits_defaults(&cfg.limits);
    cfg.limits.threads = threads;
    snprintf(path, sizeof path, "%s/server.crt", dir);
    cfg.tls.cert_pem = read_file(path);
    snprintf(path, sizeof path, "%s/server.key", dir);
    cfg.tls.key_pem = read_file(path);
    cfg.tls.client_ca_pem = read_file(ca_file);
    struct http_server *srv = http_server_start(&cfg, err, sizeof err);
    if (!srv) die("server", err);
    snprintf(url, sizeof url, "https://localhost:%u/oauth/token", http_server_port(srv));

    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct client *cl = calloc((size_t)nclients, sizeof *cl);
    for (int i = 0; i < nclients; i++) {
        cl[i].lat = calloc((size_t)per_client, sizeof *cl[i].lat);
        CURL *c = cl[i].curl = curl_easy_init();
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
        curl_easy_setopt(c, CURLOPT_SSLCERT, cert_file);
        curl_easy_setopt(c, CURLOPT_SSLKEY, key_file);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    }
    printf("| grant | clients | requests | requests/s | p50 ms | p90 ms | p99 ms | failed |\n"
           "|---|---|---|---|---|---|---|---|\n");
    phase("code", cl, nclients);
    phase("refresh", cl, nclients);

    for (int i = 0; i < nclients; i++) {
        curl_easy_cleanup(cl[i].curl);
        free(cl[i].lat);
    }
    free(cl);
    curl_global_cleanup();
    http_server_stop(srv);
    oauth_server_close(oauth);
    audit_close(audit);
    medmij_lists_free(lists);
    free(codes);
    return 0;
}
