/* The back channel against a real server: regie's own FHIR routes (the same table `regie serve`
 * runs) over a DVA store on 127.0.0.1, plus a few stand-in routes (a token and a revocation
 * endpoint, and misbehaving FHIR endpoints), first over plain loopback HTTP, then over mutual
 * TLS with certificates from the local CA (util/certgen). collect copies into a second store (the
 * vault); the vault is checked, a second collect must not duplicate; share POSTs a batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "json/jsonx.h"
#include "pgo/backchannel.h"
#include "pgo/http_client.h"
#include "rest/rest.h"
#include "store/store.h"
#include "util/certgen.h"

#define OWNER      "account-1"
#define PROVIDER   "huisartsdelinde@medmij"
#define MAX_ROUTES 64

/* What the stand-in routes saw. */
struct seen {
    char authorization[256];
    char request_id[64];
    char correlation_id[64];
    char form[1024];
    int token_calls, revoke_calls;
};

struct fx {
    char dir[64];
    struct store *dva_store, *vault_store;
    struct rest_ctx *dva, *vault;
    struct http_route routes[MAX_ROUTES];
    struct http_server *srv;
    char base[128]; /* http(s)://127.0.0.1:PORT */
    char fhir[160]; /* base + /fhir */
    struct seen seen;
    bool tls;
    char ca_dir[128], pgo_cert[256], pgo_key[256], ca_cert[256], other_ca_cert[256];
    char *srv_cert, *srv_key, *client_ca;
    struct pgo_call_opts opts;
};

static struct fx *the_fx; /* the stand-in handlers' view */

static json_object *parse(const char *text)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
    assert_non_null(v);
    return v;
}

static void copy_header(const struct http_request *req, const char *name, char *out, size_t cap)
{
    const char *v = http_header(req, name);
    snprintf(out, cap, "%s", v ? v : "");
}

static void record(struct http_request *req)
{
    struct seen *s = &the_fx->seen;
    copy_header(req, "Authorization", s->authorization, sizeof s->authorization);
    copy_header(req, "MedMij-Request-ID", s->request_id, sizeof s->request_id);
    copy_header(req, "X-Correlation-ID", s->correlation_id, sizeof s->correlation_id);
}

static void json_reply(struct http_reply *rep, int status, const char *text)
{
    http_reply_text(rep, status, "application/json", text, strlen(text));
}

/* /oauth/token: checks the form as an authorization server would. */
static void h_token(struct http_request *req, struct http_reply *rep)
{
    record(req);
    struct seen *s = &the_fx->seen;
    s->token_calls++;
    snprintf(s->form, sizeof s->form, "%.*s", (int)req->body_len, req->body ? req->body : "");
    const char *grant = http_param(req, "grant_type");
    const char *code = http_param(req, "code");
    if (grant && !strcmp(grant, "authorization_code") && code && !strcmp(code, "c0de/+=") &&
        http_param(req, "redirect_uri") && http_param(req, "code_verifier")) {
        json_reply(rep, 200,
                   "{\"access_token\":\"tok-1\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                   "\"scope\":\"huisartsdelinde\",\"refresh_token\":\"ref-1\"}");
    } else if (grant && !strcmp(grant, "refresh_token") &&
               !strcmp(http_param(req, "refresh_token") ? http_param(req, "refresh_token") : "",
                       "ref-1")) {
        json_reply(rep, 200,
                   "{\"access_token\":\"tok-2\",\"token_type\":\"Bearer\",\"expires_in\":900,"
                   "\"refresh_token\":\"ref-2\"}");
    } else {
        json_reply(rep, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"code used\"}");
    }
}

static void h_revoke(struct http_request *req, struct http_reply *rep)
{
    record(req);
    the_fx->seen.revoke_calls++;
    const char *t = http_param(req, "token");
    if (t && !strcmp(t, "ref-2"))
        http_reply_empty(rep, 200);
    else
        json_reply(rep, 400, "{\"error\":\"unsupported_token_type\"}");
}

/* A DVA whose next link leads elsewhere. */
static void h_evil(struct http_request *req, struct http_reply *rep)
{
    record(req);
    const char *body =
        "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"link\":[{\"relation\":\"next\","
        "\"url\":\"http://127.0.0.2:1/fhir/Condition?page=2\"}],\"entry\":[{\"resource\":"
        "{\"resourceType\":\"Condition\",\"id\":\"evil1\",\"subject\":{\"reference\":\"Patient/"
        "p1\"},"
        "\"code\":{\"text\":\"x\"}},\"search\":{\"mode\":\"match\"}},"
        "{\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":"
        "\"information\",\"code\":\"informational\"}]},\"search\":{\"mode\":\"outcome\"}}]}";
    http_reply_text(rep, 200, "application/fhir+json", body, strlen(body));
}

static void h_big(struct http_request *req, struct http_reply *rep)
{
    rep->content_type = "application/fhir+json";
    buf_append_str(&rep->body, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"x\":\"");
    for (int i = 0; i < 2048; i++) buf_append(&rep->body, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32);
    buf_append_str(&rep->body, "\"}");
    rep->status = 200;
}

static void h_redirect(struct http_request *req, struct http_reply *rep)
{
    http_reply_redirect(rep, 302, "/fhir/Condition");
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static struct store *open_store(const char *dir, const char *name)
{
    char path[160], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct store_config cfg;
    store_config_defaults(&cfg, path);
    cfg.durable = getenv("REGIE_PGO_BENCH") != NULL; /* timing: fsync as a node would */
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    assert_non_null(s);
    return s;
}

static struct rest_ctx *open_rest(struct store *s, const char *base, size_t bundle_entries_max)
{
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = s;
    rcfg.base_url = base;
    if (bundle_entries_max) rcfg.bundle_entries_max = bundle_entries_max;
    struct rest_ctx *rc = rest_new(&rcfg);
    assert_non_null(rc);
    return rc;
}

/* The DVA's records: one patient with a GP, two conditions, a weight. */
static const char *SEED =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"resource\":{\"resourceType\":\"Practitioner\",\"id\":\"pr1\",\"name\":[{\"family\":"
    "\"Huisarts\"}]},\"request\":{\"method\":\"PUT\",\"url\":\"Practitioner/pr1\"}},"
    "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\",\"identifier\":[{\"system\":"
    "\"http://fhir.nl/fhir/NamingSystem/bsn\",\"value\":\"999911120\"}],\"name\":[{\"family\":"
    "\"Jansen\"}],\"generalPractitioner\":[{\"reference\":\"Practitioner/pr1\"}]},"
    "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p1\"}},"
    "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{\"reference\":"
    "\"Patient/p1\"},\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
    "\"38341003\"}]}},\"request\":{\"method\":\"PUT\",\"url\":\"Condition/c1\"}},"
    "{\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c2\",\"subject\":{\"reference\":"
    "\"Patient/p1\"},\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":"
    "\"44054006\"}]}},\"request\":{\"method\":\"PUT\",\"url\":\"Condition/c2\"}},"
    "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\","
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]},"
    "\"subject\":{\"reference\":\"Patient/p1\"},\"effectiveDateTime\":\"2026-11-01T10:00:00Z\","
    "\"valueQuantity\":{\"value\":81.5,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\","
    "\"code\":\"kg\"}},\"request\":{\"method\":\"PUT\",\"url\":\"Observation/o1\"}}]}";

static int start(void **state, bool tls)
{
    struct fx *f = calloc(1, sizeof *f);
    the_fx = f;
    f->tls = tls;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-pgo-live-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    f->dva_store = open_store(f->dir, "dva.db");
    f->vault_store = open_store(f->dir, "vault.db");
    f->dva = open_rest(f->dva_store, "http://127.0.0.1/fhir", 0);
    f->vault = open_rest(f->vault_store, "http://127.0.0.1/vault", 0);

    size_t nr;
    const struct http_route *rr = rest_routes(&nr);
    assert_true(nr + 5 <= MAX_ROUTES);
    static const struct http_route extra[] = {
        {.method = "POST", .pattern = "/oauth/token", .handler = h_token, .body = HTTP_BODY_FORM},
        {.method = "POST", .pattern = "/oauth/revoke", .handler = h_revoke, .body = HTTP_BODY_FORM},
        {.method = "GET", .pattern = "/evil/fhir/{type}", .handler = h_evil},
        {.method = "GET", .pattern = "/big/fhir/{type}", .handler = h_big},
        {.method = "GET", .pattern = "/redir/fhir/{type}", .handler = h_redirect},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) f->routes[n++] = extra[i];
    for (size_t i = 0; i < nr; i++) f->routes[n++] = rr[i];

    struct http_server_config hcfg = {0};
    hcfg.host = "127.0.0.1";
    hcfg.routes = f->routes;
    hcfg.nroutes = n;
    hcfg.app = f->dva;
    http_limits_defaults(&hcfg.limits);
    hcfg.limits.threads = 2;
    if (tls) {
        char err[256];
        snprintf(f->ca_dir, sizeof f->ca_dir, "%s/ca", f->dir);
        char other[128];
        snprintf(other, sizeof other, "%s/other", f->dir);
        assert_int_equal(certgen_ca_init(f->ca_dir, err, sizeof err), 0);
        assert_int_equal(certgen_ca_init(other, err, sizeof err), 0);
        const char *dva_hosts[] = {"localhost", "127.0.0.1"};
        const char *pgo_hosts[] = {"pgo.localhost"};
        char prefix[160];
        snprintf(prefix, sizeof prefix, "%s/dva", f->ca_dir);
        assert_int_equal(certgen_issue(f->ca_dir, dva_hosts, 2, 30, prefix, err, sizeof err), 0);
        snprintf(prefix, sizeof prefix, "%s/pgo", f->ca_dir);
        assert_int_equal(certgen_issue(f->ca_dir, pgo_hosts, 1, 30, prefix, err, sizeof err), 0);
        char path[200];
        snprintf(path, sizeof path, "%s/dva.crt", f->ca_dir);
        f->srv_cert = read_text(path);
        snprintf(path, sizeof path, "%s/dva.key", f->ca_dir);
        f->srv_key = read_text(path);
        snprintf(f->ca_cert, sizeof f->ca_cert, "%s/ca.crt", f->ca_dir);
        snprintf(f->other_ca_cert, sizeof f->other_ca_cert, "%s/ca.crt", other);
        f->client_ca = read_text(f->ca_cert);
        snprintf(f->pgo_cert, sizeof f->pgo_cert, "%s/pgo.crt", f->ca_dir);
        snprintf(f->pgo_key, sizeof f->pgo_key, "%s/pgo.key", f->ca_dir);
        hcfg.tls.cert_pem = f->srv_cert;
        hcfg.tls.key_pem = f->srv_key;
        hcfg.tls.client_ca_pem = f->client_ca;
        for (size_t i = 0; i < n; i++) f->routes[i].client_cert = true; /* the back channel */
        f->opts.tls.client_cert = f->pgo_cert;
        f->opts.tls.client_key = f->pgo_key;
        f->opts.tls.peer_ca = f->ca_cert;
    } else {
        f->opts.allow_plain_loopback = true;
    }
    f->opts.timeout_s = 10;
    f->opts.correlation_id = "corr-1";
    char err[256] = "";
    f->srv = http_server_start(&hcfg, err, sizeof err);
    if (!f->srv) fprintf(stderr, "server: %s\n", err);
    assert_non_null(f->srv);
    snprintf(f->base, sizeof f->base, "%s://127.0.0.1:%u", tls ? "https" : "http",
             (unsigned)http_server_port(f->srv));
    snprintf(f->fhir, sizeof f->fhir, "%s/fhir", f->base);
    assert_int_equal(rest_set_base_url(f->dva, f->fhir), 0);

    json_object *seed = parse(SEED), *resp = NULL;
    struct rg_fail rf = {0};
    assert_int_equal(rest_process_bundle(f->dva, seed, &resp, &rf), RG_OK);
    json_object_put(seed);
    json_object_put(resp);
    *state = f;
    return 0;
}

static int setup_plain(void **state)
{
    return start(state, false);
}

static int setup_tls(void **state)
{
    return start(state, true);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    http_server_stop(f->srv);
    rest_free(f->dva);
    rest_free(f->vault);
    f->dva_store->ops->close(f->dva_store);
    f->vault_store->ops->close(f->vault_store);
    free(f->srv_cert);
    free(f->srv_key);
    free(f->client_ca);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* ---- vault inspection ---- */

struct census {
    size_t total, provenance, patients, conditions, observations, practitioners;
};

static int count_row(void *ctx, const struct store_row *row)
{
    struct census *c = ctx;
    c->total++;
    c->provenance += !strcmp(row->type, "Provenance");
    c->patients += !strcmp(row->type, "Patient");
    c->conditions += !strcmp(row->type, "Condition");
    c->observations += !strcmp(row->type, "Observation");
    c->practitioners += !strcmp(row->type, "Practitioner");
    return 0;
}

static struct census census(struct store *s)
{
    struct census c = {0};
    assert_int_equal(s->ops->scan(s, NULL, count_row, &c), STORE_OK);
    return c;
}

static json_object *vault_read(struct fx *f, const char *type, const char *remote_id,
                               int64_t *version)
{
    char local[UUID_STR_LEN];
    if (remote_id[0] && strlen(remote_id) != 36)
        assert_int_equal(pgo_local_id(OWNER, PROVIDER, type, remote_id, local), 0);
    else
        snprintf(local, sizeof local, "%s", remote_id);
    struct store_row row = {0};
    assert_int_equal(f->vault_store->ops->read(f->vault_store, type, local, &row), STORE_OK);
    if (version) *version = row.version;
    json_object *v = parse(row.json);
    store_row_clear(&row);
    return v;
}

static const char *const SEARCHES[] = {
    "Patient?_include=Patient:general-practitioner",
    "Condition?_count=1",
    "Observation?code=http://loinc.org|29463-7",
    "Observation/$lastn?code=http://loinc.org|29463-7",
    "Flag",
};

static struct pgo_collect_params params(struct fx *f, const char *endpoint)
{
    struct pgo_collect_params p = {
        .vault = f->vault,
        .resource_endpoint = endpoint,
        .access_token = "tok-1",
        .searches = SEARCHES,
        .nsearches = sizeof SEARCHES / sizeof *SEARCHES,
        .provider = PROVIDER,
        .provider_display = "Huisartsenpraktijk De Linde",
        .service_id = "48",
        .owner = OWNER,
        .call = &f->opts,
        .vault_store = f->vault_store,
    };
    return p;
}

static void check_collected(struct fx *f, const struct pgo_collect_result *r)
{
    assert_int_equal(r->searches_run, 5);
    assert_int_equal(r->failures, 0);
    assert_false(r->truncated);
    assert_int_equal(r->stored, 5);         /* Patient, Practitioner, 2 Conditions, 1 Observation */
    assert_true(r->searches[1].pages >= 2); /* _count=1 made it follow next links */
    assert_int_equal(r->searches[1].resources, 2);
    assert_int_equal(r->searches[3].resources, 1); /* $lastn found o1 again: stored once */
    assert_int_equal(r->searches[4].resources, 0);
    assert_true(r->searches[4].ok);
    char p1[UUID_STR_LEN];
    pgo_local_id(OWNER, PROVIDER, "Patient", "p1", p1);
    assert_string_equal(r->patient_id, p1);
    assert_int_equal(strlen(r->provenance_id), 36);

    json_object *c1 = vault_read(f, "Condition", "c1", NULL);
    json_object *meta = jsonx_get(c1, "meta");
    assert_string_equal(jsonx_get_str(meta, "source"), f->fhir);
    json_object *tag = json_object_array_get_idx(jsonx_get(meta, "tag"), 0);
    assert_string_equal(jsonx_get_str(tag, "system"), PGO_VAULT_TAG_SYSTEM);
    assert_string_equal(jsonx_get_str(tag, "code"), OWNER);
    char want[80];
    snprintf(want, sizeof want, "Patient/%s", p1);
    assert_string_equal(jsonx_get_str(jsonx_get(c1, "subject"), "reference"), want);
    json_object_put(c1);

    json_object *pat = vault_read(f, "Patient", "p1", NULL);
    char pr1[UUID_STR_LEN];
    pgo_local_id(OWNER, PROVIDER, "Practitioner", "pr1", pr1);
    snprintf(want, sizeof want, "Practitioner/%s", pr1);
    assert_string_equal(
        jsonx_get_str(json_object_array_get_idx(jsonx_get(pat, "generalPractitioner"), 0),
                      "reference"),
        want);
    json_object_put(pat);

    json_object *prov = vault_read(f, "Provenance", r->provenance_id, NULL);
    assert_int_equal(json_object_array_length(jsonx_get(prov, "target")), 5);
    assert_non_null(jsonx_get_str(prov, "recorded"));
    json_object *agent = json_object_array_get_idx(jsonx_get(prov, "agent"), 0);
    assert_string_equal(jsonx_get_str(jsonx_get(jsonx_get(agent, "who"), "identifier"), "value"),
                        PROVIDER);
    json_object *entity = json_object_array_get_idx(jsonx_get(prov, "entity"), 0);
    assert_string_equal(jsonx_get_str(entity, "role"), "source");
    assert_string_equal(jsonx_get_str(jsonx_get(jsonx_get(entity, "what"), "identifier"), "value"),
                        f->fhir);
    json_object_put(prov);
}

static void collect_twice_no_duplicates(void **state)
{
    struct fx *f = *state;
    struct pgo_collect_params p = params(f, f->fhir);
    struct pgo_collect_result r;
    struct pgo_fail fl;
    int rc = pgo_collect(&p, &r, &fl);
    if (rc != 0) fprintf(stderr, "collect: %s\n", fl.message);
    assert_int_equal(rc, 0);
    check_collected(f, &r);
    assert_int_equal(r.unchanged, 0);
    struct census c = census(f->vault_store);
    assert_int_equal(c.total, 6);
    assert_int_equal(c.provenance, 1);
    pgo_collect_result_free(&r);

    /* Again: the same copies, all unchanged, so nothing is rewritten (still version 1); only a
     * second Provenance is added. */
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    check_collected(f, &r);
    assert_int_equal(r.unchanged, 5);
    c = census(f->vault_store);
    assert_int_equal(c.total, 7);
    assert_int_equal(c.provenance, 2);
    assert_int_equal(c.patients, 1);
    assert_int_equal(c.conditions, 2);
    assert_int_equal(c.observations, 1);
    assert_int_equal(c.practitioners, 1);
    int64_t version = 0;
    json_object_put(vault_read(f, "Condition", "c1", &version));
    assert_int_equal(version, 1);
    pgo_collect_result_free(&r);

    /* The DVA changes one record: the next collection updates that copy alone. */
    json_object *c1 = parse("{\"resourceType\":\"Condition\",\"id\":\"c1\",\"subject\":{"
                            "\"reference\":\"Patient/p1\"},\"code\":{\"coding\":[{\"system\":"
                            "\"http://snomed.info/sct\",\"code\":\"38341003\"}],\"text\":\"hoge "
                            "bloeddruk\"}}");
    struct rg_fail rf = {0};
    assert_int_equal(rest_put_resource(f->dva, c1, &rf), RG_OK);
    json_object_put(c1);
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    check_collected(f, &r);
    assert_int_equal(r.unchanged, 4);
    json_object *copy = vault_read(f, "Condition", "c1", &version);
    assert_int_equal(version, 2);
    assert_string_equal(jsonx_get_str(jsonx_get(copy, "code"), "text"), "hoge bloeddruk");
    json_object_put(copy);
    assert_int_equal(census(f->vault_store).total, 8);
    pgo_collect_result_free(&r);

    /* Another owner gets copies of their own. */
    p.owner = "account-2";
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    assert_int_equal(r.unchanged, 0);
    assert_int_equal(census(f->vault_store).total, 14);
    pgo_collect_result_free(&r);
}

/* A vault that takes one entry per Bundle refuses a page's batch as a whole (the Patient page
 * holds two): collect then stores each copy with its own PUT, and nothing is lost. */
static void collect_one_by_one(void **state)
{
    struct fx *f = *state;
    struct rest_ctx *narrow = open_rest(f->vault_store, "http://127.0.0.1/vault", 1);
    struct pgo_collect_params p = params(f, f->fhir);
    p.vault = narrow;
    p.vault_store = NULL; /* and without the comparison: every copy is written each time */
    struct pgo_collect_result r;
    struct pgo_fail fl;
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    check_collected(f, &r);
    assert_int_equal(census(f->vault_store).total, 6);
    pgo_collect_result_free(&r);
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    check_collected(f, &r);
    assert_int_equal(r.unchanged, 0);
    assert_int_equal(census(f->vault_store).total, 7);
    int64_t version = 0;
    json_object_put(vault_read(f, "Condition", "c1", &version));
    assert_int_equal(version, 2);
    pgo_collect_result_free(&r);
    rest_free(narrow);
}

/* Only the data service's types are kept. */
static void collect_only_service_types(void **state)
{
    struct fx *f = *state;
    struct pgo_collect_params p = params(f, f->fhir);
    const char *types[] = {"Patient", "Condition"};
    p.types = types;
    p.ntypes = 2;
    struct pgo_collect_result r;
    struct pgo_fail fl;
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    assert_int_equal(r.stored, 3);              /* the Patient and two Conditions */
    assert_int_equal(r.searches[0].skipped, 1); /* the _include'd Practitioner */
    assert_int_equal(r.searches[2].skipped, 1); /* the Observation */
    assert_true(r.searches[2].ok);
    struct census c = census(f->vault_store);
    assert_int_equal(c.total, 4);
    assert_int_equal(c.practitioners + c.observations, 0);
    pgo_collect_result_free(&r);
}

static void collect_max_truncates(void **state)
{
    struct fx *f = *state;
    struct pgo_collect_params p = params(f, f->fhir);
    p.collect_max = 2;
    struct pgo_collect_result r;
    struct pgo_fail fl;
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    assert_true(r.truncated);
    assert_int_equal(r.stored, 2);
    assert_int_equal(census(f->vault_store).total, 3); /* + the Provenance */
    assert_false(r.searches[4].ok);
    assert_non_null(strstr(r.searches[4].error, "collect_max"));
    pgo_collect_result_free(&r);
}

static void collect_refuses_bad_peers(void **state)
{
    struct fx *f = *state;
    char url[200];
    struct pgo_collect_result r;
    struct pgo_fail fl;

    /* A next link to another origin is not followed; what came before is kept. */
    snprintf(url, sizeof url, "%s/evil/fhir", f->base);
    struct pgo_collect_params p = params(f, url);
    const char *one[] = {"Condition"};
    p.searches = one;
    p.nsearches = 1;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(r.failures, 1);
    assert_int_equal(r.stored, 1); /* the Condition; the OperationOutcome is not stored */
    assert_non_null(strstr(r.searches[0].error, "leaves the resource endpoint"));
    assert_string_equal(f->seen.authorization, "Bearer tok-1");
    assert_int_equal(strlen(f->seen.request_id), 36);
    assert_string_equal(f->seen.correlation_id, "corr-1");
    pgo_collect_result_free(&r);

    /* An answer over max_body. */
    snprintf(url, sizeof url, "%s/big/fhir", f->base);
    p = params(f, url);
    p.searches = one;
    p.nsearches = 1;
    struct pgo_call_opts small = f->opts;
    small.max_body = 8192;
    p.call = &small;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_TOO_BIG);
    pgo_collect_result_free(&r);

    /* Redirects are not followed. */
    snprintf(url, sizeof url, "%s/redir/fhir", f->base);
    p = params(f, url);
    p.searches = one;
    p.nsearches = 1;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_HTTP);
    assert_int_equal(r.searches[0].http_status, 302);
    pgo_collect_result_free(&r);

    /* A FHIR error is reported with its diagnostics. */
    p = params(f, f->fhir);
    const char *bad[] = {"Condition?_sort=nonsense-param&_count=x"};
    p.searches = bad;
    p.nsearches = 1;
    p.call = &f->opts;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(r.searches[0].http_status, 400);
    assert_non_null(strstr(r.searches[0].error, "HTTP 400"));
    pgo_collect_result_free(&r);

    /* Missing values. */
    p = params(f, f->fhir);
    p.owner = NULL;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_ARGS);
    pgo_collect_result_free(&r);
}

static void token_round_trip(void **state)
{
    struct fx *f = *state;
    char url[200];
    snprintf(url, sizeof url, "%s/oauth/token", f->base);
    struct pgo_token t;
    struct pgo_fail fl;
    int rc =
        pgo_token_request(&f->opts, url, "pgo.localhost",
                          "c0de/+=", "https://pgo.localhost/connect/callback", "v-123", &t, &fl);
    if (rc) fprintf(stderr, "token: %s\n", fl.message);
    assert_int_equal(rc, 0);
    assert_string_equal(t.access_token, "tok-1");
    assert_string_equal(t.refresh_token, "ref-1");
    assert_int_equal(t.expires_in, 900);
    assert_string_equal(f->seen.correlation_id, "corr-1");
    assert_int_equal(strlen(f->seen.request_id), 36);
    assert_string_equal(f->seen.form,
                        "grant_type=authorization_code&code=c0de%2F%2B%3D&client_id=pgo.localhost"
                        "&redirect_uri=https%3A%2F%2Fpgo.localhost%2Fconnect%2Fcallback"
                        "&code_verifier=v-123");
    char first_request_id[64];
    snprintf(first_request_id, sizeof first_request_id, "%s", f->seen.request_id);
    pgo_token_free(&t);

    /* The code again: the server's RFC 6749 error comes back as such. */
    assert_int_equal(pgo_token_request(&f->opts, url, "pgo.localhost", "used",
                                       "https://pgo.localhost/connect/callback", NULL, &t, &fl),
                     -1);
    assert_int_equal(fl.kind, PGO_FAIL_OAUTH);
    assert_string_equal(fl.oauth_error, "invalid_grant");
    assert_string_equal(fl.message, "code used");
    assert_int_equal(fl.http_status, 400);
    assert_string_not_equal(f->seen.request_id, first_request_id); /* a new one per request */
    assert_string_equal(fl.request_id, f->seen.request_id);

    assert_int_equal(pgo_token_refresh(&f->opts, url, "pgo.localhost", "ref-1", NULL, &t, &fl), 0);
    assert_string_equal(t.access_token, "tok-2");
    assert_string_equal(t.refresh_token, "ref-2");
    assert_null(t.scope);
    pgo_token_free(&t);

    char *revoke = pgo_revoke_endpoint(url);
    assert_non_null(revoke);
    assert_int_equal(
        pgo_token_revoke(&f->opts, revoke, "pgo.localhost", "ref-2", "refresh_token", &fl), 0);
    assert_int_equal(pgo_token_revoke(&f->opts, revoke, "pgo.localhost", "nope", NULL, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_OAUTH);
    assert_string_equal(fl.oauth_error, "unsupported_token_type");
    free(revoke);
    assert_int_equal(f->seen.revoke_calls, 2);
}

static void share_batch(void **state)
{
    struct fx *f = *state;
    struct pgo_collect_params p = params(f, f->fhir);
    struct pgo_collect_result r;
    struct pgo_fail fl;
    assert_int_equal(pgo_collect(&p, &r, &fl), 0);
    pgo_collect_result_free(&r);
    json_object *patient = vault_read(f, "Patient", "p1", NULL);
    json_object *obs = parse(
        "[{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{"
        "\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":"
        "\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
        "\"29463-7\"}]},\"effectiveDateTime\":\"2026-11-30T08:00:00Z\",\"valueQuantity\":{"
        "\"value\":80.2,\"unit\":\"kg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg\"}},"
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":"
        "\"http://"
        "loinc.org\",\"code\":\"8867-4\"}]},\"effectiveDateTime\":\"2026-11-30T08:00:00Z\","
        "\"valueQuantity\":{\"value\":64,\"unit\":\"/min\",\"system\":"
        "\"http://unitsofmeasure.org\",\"code\":\"/min\"}}]");
    struct pgo_share_result sr;
    int rc = pgo_share(&f->opts, f->fhir, "tok-1", patient, obs, &sr, &fl);
    if (rc) fprintf(stderr, "share: %s\n", fl.message);
    assert_int_equal(rc, 0);
    assert_int_equal(sr.http_status, 200);
    assert_int_equal(sr.nentries, 2);
    for (size_t i = 0; i < 2; i++) {
        if (sr.entries[i].error) fprintf(stderr, "entry %zu: %s\n", i, sr.entries[i].error);
        assert_int_equal(sr.entries[i].status, 201);
        assert_non_null(sr.entries[i].location);
        assert_int_equal(strncmp(sr.entries[i].location, "Observation/", 12), 0);
        assert_non_null(sr.entries[i].resource_id);
    }
    assert_int_equal(sr.ok, 2);
    assert_int_equal(sr.failed, 0);
    /* The DVA has it, and no BSN arrived with it. */
    struct store_row row = {0};
    assert_int_equal(
        f->dva_store->ops->read(f->dva_store, "Observation", sr.entries[0].resource_id, &row),
        STORE_OK);
    assert_non_null(strstr(row.json, "80.2"));
    /* The batch resolved the Patient entry's urn:uuid; that Patient carries no BSN. */
    json_object *stored = parse(row.json);
    store_row_clear(&row);
    const char *subject = jsonx_get_str(jsonx_get(stored, "subject"), "reference");
    assert_non_null(subject);
    assert_int_equal(strncmp(subject, "Patient/", 8), 0);
    assert_int_equal(sr.patient_status, 201);
    assert_int_equal(f->dva_store->ops->read(f->dva_store, "Patient", subject + 8, &row), STORE_OK);
    assert_null(strstr(row.json, "999911120"));
    assert_non_null(strstr(row.json, "masked"));
    store_row_clear(&row);
    json_object_put(stored);
    pgo_share_result_free(&sr);
    json_object_put(patient);
    json_object_put(obs);

    /* No Observations: refused before anything is sent. */
    json_object *empty = parse("[]");
    assert_int_equal(pgo_share(&f->opts, f->fhir, "tok-1", patient, empty, &sr, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_ARGS);
    json_object_put(empty);
}

/* ---- the 28 BgZ searches over Dutch data ----
 * The DVA gets the 271 zib2020 nl-core examples (with REGIE_PGO_BENCH set, also one Synthea
 * patient); the PGO runs data service 48's searches from etc/services.conf (the shipped catalogue)
 * over mutual TLS. Without a token the DVA answers for every patient, so this is the whole example
 * set through the BgZ lens: every search must succeed, and the wall time is printed (docs/pgo.md,
 * Costs). */

static const char *shared_dir(void)
{
    const char *env = getenv("REGIE_SHARED");
    return env && *env ? env : "../shared";
}

static size_t load_zib_examples(struct fx *f, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t loaded = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
        char path[1024 + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = read_text(path);
        enum jsonx_err je;
        json_object *v = jsonx_parse(text, strlen(text), 128, &je, NULL, 0);
        free(text);
        struct rg_fail rf = {0};
        if (v && rest_put_resource(f->dva, v, &rf) == RG_OK) loaded++;
        json_object_put(v);
    }
    closedir(d);
    return loaded;
}

/* A bzip2'd Bundle through bzcat (the test links no bzip2). */
static bool load_bundle_bz2(struct fx *f, const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "bzcat '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p) return false;
    struct buf b;
    buf_init(&b, 256u << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) buf_append(&b, chunk, n);
    bool ok = pclose(p) == 0 && !b.overflowed;
    json_object *resp = NULL;
    struct rg_fail rf = {0};
    ok = ok && rest_process_bundle_text(f->dva, b.data, b.len, &resp, &rf) == RG_OK;
    json_object_put(resp);
    buf_free(&b);
    return ok;
}

/* The values of one key ("search", "types") in one [service ID] section of the catalogue. */
static size_t service_values(const char *path, const char *id, const char *key, char **out,
                             size_t max)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[4096], want[64];
    snprintf(want, sizeof want, "[service %s]", id);
    bool in = false;
    size_t n = 0, kl = strlen(key);
    while (fgets(line, sizeof line, fp) && n < max) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '[') in = !strcmp(line, want);
        if (!in || strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '=')) continue;
        char *v = strchr(line, '=');
        if (!v) continue;
        for (v++; *v == ' '; v++) {
        }
        char *hash = strstr(v, " #"); /* a trailing comment (searches hold no " #") */
        if (hash) *hash = '\0';
        size_t len = strlen(v);
        while (len && v[len - 1] == ' ') v[--len] = '\0';
        out[n++] = strdup(v);
    }
    fclose(fp);
    return n;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void bgz_collect(void **state)
{
    struct fx *f = *state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data/zib2020/examples", shared_dir());
    size_t zib = load_zib_examples(f, dir);
    if (zib == 0) {
        fprintf(stderr, "bgz_collect: no zib2020 examples in %s, skipped\n", dir);
        skip();
    }
    char path[1024];
    const char *synthea[] = {"0-hospitalInformation1625911868739.json.bz2",
                             "0-practitionerInformation1625911868739.json.bz2",
                             "057aa36e-b892-9964-75b9-ffb46b097e34.json.bz2"};
    /* A Synthea patient adds volume (~40 s to load under the sanitizers): only when timing. */
    bool with_synthea = getenv("REGIE_PGO_BENCH") != NULL;
    for (size_t i = 0; i < 3 && with_synthea; i++) {
        snprintf(path, sizeof path, "%s/data/synthea/%s", shared_dir(), synthea[i]);
        with_synthea = load_bundle_bz2(f, path);
    }
    char *searches[64], *types[64];
    size_t n = service_values("etc/services.conf", "48", "search", searches, 64);
    assert_int_equal(n, 28);
    size_t ntypes = service_values("etc/services.conf", "48", "types", types, 64);
    assert_true(ntypes >= 20);

    struct pgo_collect_params p = params(f, f->fhir);
    p.searches = (const char *const *)searches;
    p.nsearches = n;
    p.types = (const char *const *)types;
    p.ntypes = ntypes;
    struct pgo_collect_result r;
    struct pgo_fail fl;
    for (int round = 1; round <= 2; round++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = pgo_collect(&p, &r, &fl);
        double ms = ms_since(&t0);
        for (size_t i = 0; i < r.nsearches; i++)
            if (!r.searches[i].ok)
                fprintf(stderr, "  %s: %s\n", r.searches[i].search, r.searches[i].error);
        assert_int_equal(rc, 0);
        assert_int_equal(r.failures, 0);
        assert_true(r.stored >= (with_synthea ? 120 : 80)); /* 98 and 139 when written */
        size_t pages = 0;
        size_t skipped = 0;
        for (size_t i = 0; i < r.nsearches; i++) pages += r.searches[i].pages;
        for (size_t i = 0; i < r.nsearches; i++) skipped += r.searches[i].skipped;
        assert_int_equal(skipped, 0); /* the catalogue's types cover what its searches find */
        /* The second time the DVA's records are the same: every copy is left as it was. */
        assert_int_equal(r.unchanged, round == 1 ? 0 : r.stored);
        fprintf(stderr,
                "bgz_collect round %d (%s): %zu zib examples%s in the DVA; 28 searches, %zu pages, "
                "%zu resources (%zu unchanged) in %.0f ms\n",
                round, f->tls ? "mutual TLS" : "plain", zib,
                with_synthea ? " + 1 Synthea patient" : "", pages, r.stored, r.unchanged, ms);
        pgo_collect_result_free(&r);
    }
    struct census c = census(f->vault_store);
    assert_int_equal(c.provenance, 2);
    for (size_t i = 0; i < n; i++) free(searches[i]);
    for (size_t i = 0; i < ntypes; i++) free(types[i]);
}

/* TLS only: what the back channel refuses. */
static void tls_refusals(void **state)
{
    struct fx *f = *state;
    struct pgo_collect_params p = params(f, f->fhir);
    struct pgo_collect_result r;
    struct pgo_fail fl;

    /* No client certificate: the DVA refuses (403 CLIENT_CERT). */
    struct pgo_call_opts o = f->opts;
    o.tls.client_cert = o.tls.client_key = NULL;
    p.call = &o;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(r.searches[0].http_status, 403);
    assert_int_equal(r.stored, 0);
    pgo_collect_result_free(&r);

    /* A DVA certificate from another CA: the handshake fails. */
    o = f->opts;
    o.tls.peer_ca = f->other_ca_cert;
    p.call = &o;
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_TRANSPORT);
    pgo_collect_result_free(&r);

    /* Plain http is refused before connecting, also to loopback, unless allowed. */
    char url[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/fhir", (unsigned)http_server_port(f->srv));
    p = params(f, url);
    assert_int_equal(pgo_collect(&p, &r, &fl), -1);
    assert_int_equal(fl.kind, PGO_FAIL_ARGS);
    pgo_collect_result_free(&r);
    struct pgo_token t;
    char plain[200];
    snprintf(plain, sizeof plain, "http://127.0.0.1:%u/oauth/token",
             (unsigned)http_server_port(f->srv));
    assert_int_equal(pgo_token_request(&f->opts, plain, "c", "x", "https://c/cb", NULL, &t, &fl),
                     -1);
    assert_int_equal(fl.kind, PGO_FAIL_ARGS);
}

static void url_rules(void **state)
{
    (void)state;
    assert_true(pgo_http_url_allowed("https://dva.test/fhir", false));
    assert_true(pgo_http_url_allowed("HTTPS://dva.test:8443/fhir", false));
    assert_false(pgo_http_url_allowed("http://dva.test/fhir", false));
    assert_false(pgo_http_url_allowed("http://dva.test/fhir", true));
    assert_true(pgo_http_url_allowed("http://127.0.0.1:8080/fhir", true));
    assert_true(pgo_http_url_allowed("http://[::1]:8080/fhir", true));
    assert_true(pgo_http_url_allowed("http://localhost/fhir", true));
    assert_false(pgo_http_url_allowed("http://127.0.0.1:8080/fhir", false));
    assert_false(pgo_http_url_allowed("https://user:pw@dva.test/fhir", false));
    assert_false(pgo_http_url_allowed("ftp://dva.test/x", true));
    assert_false(pgo_http_url_allowed("dva.test/fhir", true));
    assert_false(pgo_http_url_allowed("file:///etc/passwd", true));
    assert_false(pgo_http_url_allowed(NULL, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_rules),
        cmocka_unit_test_setup_teardown(collect_twice_no_duplicates, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(collect_one_by_one, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(collect_only_service_types, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(collect_max_truncates, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(collect_refuses_bad_peers, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(token_round_trip, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(share_batch, setup_plain, teardown),
        cmocka_unit_test_setup_teardown(collect_twice_no_duplicates, setup_tls, teardown),
        cmocka_unit_test_setup_teardown(token_round_trip, setup_tls, teardown),
        cmocka_unit_test_setup_teardown(share_batch, setup_tls, teardown),
        cmocka_unit_test_setup_teardown(tls_refusals, setup_tls, teardown),
        cmocka_unit_test_setup_teardown(bgz_collect, setup_tls, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
