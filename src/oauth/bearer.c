/* The bearer-token check of the DVA's FHIR routes (RFC 6750 §2.1): the http server's authenticate
 * hook. A live access token whose client is the mutual-TLS certificate host (and still on the OCL
 * and the Whitelist) becomes a struct
 * rest_access: one patient, the consent's data services and their resource types. Everything
 * else is 401 with WWW-Authenticate; the reason is logged without the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/oauth.h"
#include "util/log.h"

#define CHALLENGE_BASE "Bearer realm=\"regie\""

static void refuse(struct http_reply *rep, bool token_sent, const char *why)
{
    http_reply_header(rep, "WWW-Authenticate",
                      token_sent ? CHALLENGE_BASE ", error=\"invalid_token\"" : CHALLENGE_BASE);
    http_reply_header(rep, "Cache-Control", "no-store");
    http_reply_error(rep, RG_E_UNAUTHORIZED, "%s", why);
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
static bool b64token(const char *s)
{
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
    if (n == 0) return false;
    while (s[n] == '=') n++;
    return s[n] == '\0';
}

/* The token of an `Authorization: Bearer <token>` header, or NULL. */
static const char *bearer_token(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0) return NULL;
    const char *t = header + 7;
    while (*t == ' ') t++;
    return b64token(t) ? t : NULL;
}

static bool has_type(const struct rest_access *a, const char *type, bool share)
{
    const char *const *list = share ? a->share_types : a->types;
    size_t n = share ? a->nshare_types : a->ntypes;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], type)) return true;
    return false;
}

/* The access a consent gives: the union of its services' types; a share service's types are the
 * ones the PGO may write (and may_share), a collect service's the ones it may read. A service
 * that this DVA no longer offers gives nothing. */
void oauth_access_from_consent(const struct oauth_server *s, const struct oauth_consent *c,
                               struct rest_access *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->patient_id, sizeof a->patient_id, "%s", c->patient_id);
    snprintf(a->subject, sizeof a->subject, "%s", c->subject);
    snprintf(a->client_id, sizeof a->client_id, "%s", c->client_id);
    snprintf(a->grant_id, sizeof a->grant_id, "%s", c->id);
    /* service_id: the ids joined by ',' when they fit, else the first. */
    size_t len = 0;
    for (size_t i = 0; i < c->nservice_ids; i++) {
        int n = snprintf(a->service_id + len, sizeof a->service_id - len, "%s%s", i ? "," : "",
                         c->service_ids[i]);
        if (n < 0 || (size_t)n >= sizeof a->service_id - len) {
            snprintf(a->service_id, sizeof a->service_id, "%s", c->service_ids[0]);
            break;
        }
        len += (size_t)n;
    }
    bool share = false;
    for (size_t i = 0; i < c->nservice_ids; i++) {
        const struct oauth_service *svc = oauth_service_find(s, c->service_ids[i]);
        if (!svc) continue;
        share |= svc->share;
        for (size_t k = 0; k < svc->ntypes; k++) {
            if (has_type(a, svc->types[k], svc->share)) continue;
            if (svc->share && a->nshare_types < REST_ACCESS_TYPES_MAX)
                a->share_types[a->nshare_types++] = svc->types[k];
            else if (!svc->share && a->ntypes < REST_ACCESS_TYPES_MAX)
                a->types[a->ntypes++] = svc->types[k];
        }
    }
    a->may_share = share && a->nshare_types > 0;
    snprintf(a->purpose, sizeof a->purpose, "%s", share ? "share" : "collect");
}

int oauth_bearer_authenticate(void *ctx, struct http_request *req, struct http_reply *rep)
{
    struct oauth_server *s = ctx;
    const char *header = http_header(req, "Authorization");
    if (!header) {
        refuse(rep, false, "an access token is required (Authorization: Bearer)");
        return -1;
    }
    const char *token = bearer_token(header);
    if (!token) {
        log_client("oauth bearer: malformed Authorization header from %s", req->client_addr);
        refuse(rep, true, "the Authorization header is not a Bearer token");
        return -1;
    }
    struct oauth_consent c;
    enum oauth_grants_rc rc = oauth_grants_access_lookup(s->grants, token, &c);
    if (rc == OAUTH_GRANTS_ERROR) {
        http_reply_error(rep, RG_E_UNAVAILABLE, "%s", "the token store failed; try again");
        return -1;
    }
    if (rc != OAUTH_GRANTS_OK) {
        log_client("oauth bearer: unknown, expired or revoked token from %s",
                   req->client_host[0] ? req->client_host : req->client_addr);
        refuse(rep, true, "the access token is unknown, expired or revoked");
        return -1;
    }
    /* The token is bound to the client it was issued to: a copy used from another node fails. */
    if (!req->client_cert_ok || strcasecmp(c.client_id, req->client_host) != 0) {
        log_client("oauth bearer: token of %s presented by %s (consent %s)", c.client_id,
                   req->client_host[0] ? req->client_host : "no certificate", c.id);
        refuse(rep, true, "the access token was not issued to this client");
        return -1;
    }
    /* A client taken off the OCL or the Whitelist loses its tokens at once, not at their expiry. */
    if (!oauth_client_allowed(s, c.client_id, NULL, 0)) {
        log_client("oauth bearer: %s is no longer on the OCL and the Whitelist (consent %s)",
                   c.client_id, c.id);
        refuse(rep, true, "the client is no longer on the OAuth client list");
        return -1;
    }
    struct rest_access *a = malloc(sizeof *a);
    if (!a) {
        http_reply_error(rep, RG_E_INTERNAL, "%s", "out of memory");
        return -1;
    }
    oauth_access_from_consent(s, &c, a);
    req->access = a;
    req->access_free = free;
    return 0;
}
