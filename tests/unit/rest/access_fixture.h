/* For the access tests: a store with two patients (A "pa", B "pb") and their data, a rest
 * context with an audit log, a token for each, and requests made as the dispatcher makes them:
 * the route found by name in rest_routes(), its {placeholders} taken from the path, the query
 * given as name/value pairs. Header-only (static functions): each test_*.c is its own program. */
#ifndef REGIE_TESTS_ACCESS_FIXTURE_H
#define REGIE_TESTS_ACCESS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "json/jsonx.h"
#include "rest/internal.h"

struct afx {
    char dir[64];
    char path[128];
    char audit_path[128];
    struct store *s;
    struct audit_log *audit;
    struct rest_ctx *rc;
    struct rest_access a, b; /* tokens of patient A and of patient B */
    json_object *json;       /* the body of the next create/update call */
};

static inline json_object *parse(const char *text)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse(text, strlen(text), 64, &je, NULL, 0);
    assert_non_null(v);
    return v;
}

static inline void put_json(struct afx *f, const char *text)
{
    json_object *v = parse(text);
    struct rg_fail fail = {0};
    enum rg_err e = rest_put_resource(f->rc, v, &fail);
    if (e != RG_OK) fail_msg("put: %s %s", rg_err_name(e), fail.detail);
    json_object_put(v);
}

static inline void token(struct rest_access *t, const char *patient, const char *subject)
{
    static const char *const types[] = {"Patient", "Observation", "Practitioner"};
    memset(t, 0, sizeof *t);
    snprintf(t->patient_id, sizeof t->patient_id, "%s", patient);
    snprintf(t->subject, sizeof t->subject, "%s", subject);
    snprintf(t->client_id, sizeof t->client_id, "pgo.example.nl");
    snprintf(t->grant_id, sizeof t->grant_id, "grant-%c", patient[1]);
    snprintf(t->service_id, sizeof t->service_id, "48");
    snprintf(t->purpose, sizeof t->purpose, "collect");
    for (size_t i = 0; i < 3; i++) t->types[i] = types[i];
    t->ntypes = 3;
    t->may_share = true;
    t->share_types[0] = "Observation";
    t->nshare_types = 1;
}

#define OBS(id, patient, code, extra)                                                              \
    "{\"resourceType\":\"Observation\",\"id\":\"" id "\",\"status\":\"final\",\"code\":{"          \
    "\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" code "\"}]},\"subject\":{"          \
    "\"reference\":\"Patient/" patient "\"},\"effectiveDateTime\":\"2026-01-01\"" extra "}"

static inline int asetup(void **state)
{
    struct afx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-access-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/db.sqlite", f->dir);
    snprintf(f->audit_path, sizeof f->audit_path, "%s/audit.log", f->dir);
    struct store_config cfg;
    store_config_defaults(&cfg, f->path);
    cfg.durable = false;
    char err[256] = "";
    f->s = store_sqlite_open(&cfg, err, sizeof err);
    if (!f->s) return -1;
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = f->s;
    rcfg.base_url = "http://test/fhir";
    f->rc = rest_new(&rcfg); /* no audit while the data goes in */
    if (!f->rc) return -1;
    put_json(f, "{\"resourceType\":\"Practitioner\",\"id\":\"dr1\",\"name\":[{\"family\":"
                "\"Arts\"}]}");
    put_json(f, "{\"resourceType\":\"Organization\",\"id\":\"org1\",\"name\":\"Lab\"}");
    put_json(f, "{\"resourceType\":\"Patient\",\"id\":\"pa\",\"generalPractitioner\":[{"
                "\"reference\":\"Practitioner/dr1\"}]}");
    put_json(f, "{\"resourceType\":\"Patient\",\"id\":\"pb\"}");
    put_json(f, OBS("oa1", "pa", "29463-7",
                    ",\"performer\":[{\"reference\":\"Practitioner/dr1\"},{\"reference\":"
                    "\"Organization/org1\"}]"));
    put_json(f,
             OBS("oa2", "pa", "8302-2", ",\"derivedFrom\":[{\"reference\":\"Observation/ob1\"}]"));
    put_json(f, OBS("ob1", "pb", "29463-7", ""));
    put_json(f, OBS("ob2", "pb", "8302-2", ",\"performer\":[{\"reference\":\"Patient/pa\"}]"));
    put_json(f, "{\"resourceType\":\"Condition\",\"id\":\"ca1\",\"subject\":{\"reference\":"
                "\"Patient/pa\"}}");
    f->audit = audit_open(f->audit_path, NULL, err, sizeof err);
    if (!f->audit) return -1;
    rest_free(f->rc);
    rcfg.audit = f->audit;
    f->rc = rest_new(&rcfg);
    token(&f->a, "pa", "user-a");
    token(&f->b, "pb", "user-b");
    *state = f;
    return f->rc ? 0 : -1;
}

static inline int ateardown(void **state)
{
    struct afx *f = *state;
    rest_free(f->rc);
    audit_close(f->audit);
    f->s->ops->close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static inline const struct http_route *route_named(const char *name)
{
    size_t n;
    const struct http_route *r = rest_routes(&n);
    for (size_t i = 0; i < n; i++)
        if (r[i].name && !strcmp(r[i].name, name)) return &r[i];
    fail_msg("no route %s", name);
    return NULL;
}

/* Fills req->args from path per pattern (the dispatcher's matching, for the paths used here):
 * copy holds path cut at the slashes. */
static inline void match_args(const char *pattern, const char *path, char *copy, size_t cap,
                              struct http_request *req)
{
    snprintf(copy, cap, "%s", path);
    const char *pp = pattern;
    char *cp = copy;
    req->nargs = 0;
    while (*pp && *cp) {
        size_t pl = strcspn(pp, "/"), cl = strcspn(cp, "/");
        if (pp[0] == '{') req->args[req->nargs++] = cp;
        bool more = cp[cl] == '/';
        cp[cl] = '\0';
        pp += pl + (pp[pl] == '/');
        cp += cl + more;
    }
}

/* Calls route name (method for the record) on path as access (NULL: unrestricted) with the
 * query params (name, value, ..., NULL); returns the status. */
static inline int call(struct afx *f, const char *name, const char *method, const char *path,
                       const struct rest_access *access, const char *const *params, size_t unused,
                       struct http_reply *rep)
{
    (void)unused;
    const struct http_route *r = route_named(name);
    assert_string_equal(r->method, method);
    static char copy[512];
    static struct http_param ps[HTTP_MAX_PARAMS];
    struct http_request req = {.method = method, .path = path, .app = f->rc};
    req.access = (void *)access;
    req.json = f->json;
    snprintf(req.client_addr, sizeof req.client_addr, "127.0.0.1");
    match_args(r->pattern, path, copy, sizeof copy, &req);
    for (size_t i = 0; params && params[i]; i += 2) {
        ps[req.nparams++] = (struct http_param){(char *)params[i], (char *)params[i + 1]};
    }
    req.params = ps;
    memset(rep, 0, sizeof *rep);
    buf_init(&rep->body, 64u << 20);
    r->handler(&req, rep);
    return rep->status;
}

static inline int get(struct afx *f, const char *name, const char *path,
                      const struct rest_access *access, const char *const *params,
                      struct http_reply *rep)
{
    return call(f, name, route_named(name)->method, path, access, params, 0, rep);
}

static inline const char *body(const struct http_reply *rep)
{
    return rep->body.data ? rep->body.data : "";
}

static inline long json_int(const struct http_reply *rep, const char *member)
{
    json_object *v = parse(body(rep));
    json_object *m = jsonx_get(v, member);
    long n = m ? (long)json_object_get_int64(m) : -1;
    json_object_put(v);
    return n;
}

static inline void done_reply(struct http_reply *rep)
{
    buf_free(&rep->body);
}

/* Current resources of type, unrestricted. */
static inline int count_cb(void *ctx, const struct store_row *row)
{
    (void)row;
    (*(long *)ctx)++;
    return 0;
}

static inline long count_type(struct afx *f, const char *type)
{
    long n = 0;
    assert_int_equal(f->s->ops->scan(f->s, type, count_cb, &n), STORE_OK);
    return n;
}

static inline char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *text = calloc(1, 1 << 20);
    assert_non_null(text);
    size_t n = fread(text, 1, (1 << 20) - 1, fp);
    text[n] = '\0';
    fclose(fp);
    return text;
}

#endif
