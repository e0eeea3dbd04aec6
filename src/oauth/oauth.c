/* The authorization server's state and the checks the endpoints share (oauth.h). */
#include "oauth/oauth.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oauth/token_priv.h"
#include "util/log.h"

#define DEFAULT_CONSENT_TTL (365 * 86400)

static int64_t system_now(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

struct oauth_server *oauth_server_open(const struct oauth_config *cfg, char *err, size_t err_len)
{
    if (!cfg || !cfg->db_path || !cfg->provider_name) {
        snprintf(err, err_len, "oauth: the grant store path and the provider name are required");
        return NULL;
    }
    if (cfg->nservices > OAUTH_SERVICES_MAX) {
        snprintf(err, err_len, "oauth: more than %d data services", OAUTH_SERVICES_MAX);
        return NULL;
    }
    struct oauth_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (!s->cfg.clock.now) s->cfg.clock.now = system_now;
    if (s->cfg.consent_ttl <= 0) s->cfg.consent_ttl = DEFAULT_CONSENT_TTL;
    atomic_init(&s->next_sweep, 0); /* the first token request sweeps */
    struct oauth_grants_config gc = {
        .code_ttl = cfg->code_ttl, .access_ttl = cfg->access_ttl, .clock = s->cfg.clock};
    s->grants = oauth_grants_open(cfg->db_path, &gc, err, err_len);
    if (!s->grants) {
        free(s);
        return NULL;
    }
    return s;
}

#define SWEEP_INTERVAL 3600

void oauth_maybe_sweep(struct oauth_server *s)
{
    int64_t now = oauth_now(s);
    int64_t due = atomic_load(&s->next_sweep);
    if (now < due || !atomic_compare_exchange_strong(&s->next_sweep, &due, now + SWEEP_INTERVAL))
        return;
    size_t removed = 0;
    if (oauth_grants_sweep(s->grants, &removed) == OAUTH_GRANTS_OK && removed)
        log_info("oauth: %zu ended codes, tokens and consents swept", removed);
}

void oauth_server_close(struct oauth_server *s)
{
    if (!s) return;
    oauth_grants_close(s->grants);
    free(s);
}

int64_t oauth_now(const struct oauth_server *s)
{
    return s->cfg.clock.now(s->cfg.clock.ctx);
}

bool oauth_client_allowed(struct oauth_server *s, const char *client_id, char *org, size_t org_len)
{
    if (org && org_len) org[0] = '\0';
    if (!client_id || !*client_id || !s->cfg.lists) return false;
    const struct medmij_list *ocl = medmij_lists_acquire(s->cfg.lists, MEDMIJ_OCL);
    const struct medmij_list *wl = medmij_lists_acquire(s->cfg.lists, MEDMIJ_WHITELIST);
    const struct medmij_client *c = ocl ? medmij_ocl_client(ocl, client_id) : NULL;
    bool ok = c && wl && medmij_whitelist_has(wl, client_id);
    if (ok && org && org_len) snprintf(org, org_len, "%s", c->organisation);
    if (ocl) medmij_lists_release(s->cfg.lists, ocl);
    if (wl) medmij_lists_release(s->cfg.lists, wl);
    return ok;
}

const struct oauth_service *oauth_service_find(const struct oauth_server *s, const char *id)
{
    if (!id) return NULL;
    for (size_t i = 0; i < s->cfg.nservices; i++)
        if (s->cfg.services[i].id && !strcmp(s->cfg.services[i].id, id)) return &s->cfg.services[i];
    return NULL;
}

int oauth_scope_resolve(const struct oauth_server *s, const char *scope, size_t len,
                        struct oauth_scope_grant *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (oauth_scope_parse(scope, len, &out->scope, why) != 0) return -1;
    if (!oauth_scope_provider_is(&out->scope, s->cfg.provider_name)) {
        *why = "the scope names another care provider";
        return -1;
    }
    if (out->scope.form == OAUTH_SCOPE_NAME) {
        if (s->cfg.scope_form != OAUTH_EXPECT_PROVIDER) {
            *why = "this care provider expects name~id pairs as a collect scope";
            return -1;
        }
        /* One authorization endpoint serves every data service: the provider alone asks for all
         * the collect services this DVA offers. */
        for (size_t i = 0; i < s->cfg.nservices && out->nservices < OAUTH_SCOPE_IDS_MAX; i++)
            if (!s->cfg.services[i].share) out->services[out->nservices++] = &s->cfg.services[i];
        if (out->nservices == 0) {
            *why = "this care provider offers no data service to collect";
            return -1;
        }
        return 0;
    }
    size_t nshare = 0;
    for (size_t i = 0; i < out->scope.nids; i++) {
        const struct oauth_service *svc = oauth_service_find(s, out->scope.ids[i]);
        if (!svc) {
            *why = "the scope names a data service this care provider does not offer";
            return -1;
        }
        if (svc->share) nshare++;
        out->services[out->nservices++] = svc;
    }
    if (nshare > 0 &&
        (nshare != 1 || out->scope.nids != 1 || out->scope.form == OAUTH_SCOPE_SUBSCRIBE)) {
        *why = "a share scope names exactly one data service";
        return -1;
    }
    out->share = nshare == 1;
    if (!out->share && s->cfg.scope_form != OAUTH_EXPECT_PAIRS) {
        *why = "this care provider expects its name alone as a collect scope";
        return -1;
    }
    return 0;
}

/* A request id: 1..128 characters of [A-Za-z0-9._:-] (a UUID fits), so it is safe to log and to
 * echo in a header. */
static bool request_id_ok(const char *v)
{
    if (!v) return false;
    size_t n = strnlen(v, OAUTH_REQUEST_ID_MAX);
    if (n == 0 || n >= OAUTH_REQUEST_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return false;
    }
    return true;
}

static void request_id(const struct http_request *req, const char *name,
                       char out[OAUTH_REQUEST_ID_MAX])
{
    const char *v = http_header(req, name);
    if (!v) v = http_param(req, name);
    if (request_id_ok(v))
        snprintf(out, OAUTH_REQUEST_ID_MAX, "%s", v);
    else
        out[0] = '\0';
}

void oauth_request_ids(const struct http_request *req, char request_id_out[OAUTH_REQUEST_ID_MAX],
                       char correlation_id[OAUTH_REQUEST_ID_MAX])
{
    request_id(req, "MedMij-Request-ID", request_id_out);
    request_id(req, "X-Correlation-ID", correlation_id);
}

void oauth_echo_request_ids(struct http_reply *rep, const char *request_id_text,
                            const char *correlation_id)
{
    if (request_id_text && *request_id_text)
        http_reply_header(rep, "MedMij-Request-ID", request_id_text);
    if (correlation_id && *correlation_id)
        http_reply_header(rep, "X-Correlation-ID", correlation_id);
}

size_t oauth_routes(struct oauth_server *s, struct http_route *out, size_t cap)
{
    const struct http_route *templates[] = {&oauth_token_route, &oauth_revoke_route};
    size_t n = sizeof templates / sizeof templates[0];
    if (cap < n) return 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = *templates[i];
        out[i].ctx = s;
    }
    return n;
}
