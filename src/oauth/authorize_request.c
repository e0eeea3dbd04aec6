/* Checking an authorization request (authorize_priv.h): the MedMij rules for client_id and
 * redirect_uri, RFC 6749 for response_type and state, RFC 7636 S256 for PKCE (required by regie),
 * and the scope through the core's oauth_scope_resolve. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oauth/authorize_priv.h"
#include "util/log.h"

/* The parameters the check reads. */
enum {
    P_RESPONSE_TYPE,
    P_CLIENT_ID,
    P_REDIRECT_URI,
    P_SCOPE,
    P_STATE,
    P_CHALLENGE,
    P_METHOD,
    P_COUNT
};
static const char *const param_names[P_COUNT] = {
    "response_type", "client_id",      "redirect_uri",         "scope",
    "state",         "code_challenge", "code_challenge_method"};

static bool copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) return false;
    memcpy(dst, src, n + 1);
    return true;
}

/* MedMij-Request-ID / X-Correlation-ID: kept only when safe to log and echo (the same rule as
 * oauth_request_ids: 1..128 characters of [A-Za-z0-9._:-]). */
static void copy_request_id(char out[OAUTH_REQUEST_ID_MAX], const char *value)
{
    size_t n = strlen(value);
    if (n == 0 || n >= OAUTH_REQUEST_ID_MAX) return;
    for (size_t i = 0; i < n; i++) {
        char c = value[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-'))
            return;
    }
    memcpy(out, value, n + 1);
}

static bool is_visible_ascii(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

bool authz_redirect_uri_ok(const char *uri, const char *client_id, char origin[AUTHZ_ORIGIN_MAX])
{
    static const char scheme[] = "https://";
    size_t len = strlen(uri);
    if (len > AUTHZ_REDIRECT_URI_MAX || strncmp(uri, scheme, sizeof scheme - 1) != 0) return false;
    for (size_t i = 0; i < len; i++)
        if (!is_visible_ascii((unsigned char)uri[i]) || uri[i] == '\\' || uri[i] == '?' ||
            uri[i] == '#' || uri[i] == '"' || uri[i] == '\'' || uri[i] == '<' || uri[i] == '>')
            return false;
    const char *host = uri + sizeof scheme - 1;
    const char *slash = strchr(host, '/');
    if (!slash) return false; /* an absolute path is required */
    const char *colon = memchr(host, ':', (size_t)(slash - host));
    const char *host_end = colon ? colon : slash;
    if (memchr(host, '@', (size_t)(slash - host))) return false; /* no userinfo */
    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len != strlen(client_id) ||
        strncasecmp(host, client_id, host_len) != 0)
        return false;
    if (colon) {
        /* A port: MedMij front-channel URIs carry none, but a local network on loopback does. */
        size_t digits = (size_t)(slash - colon - 1);
        if (digits == 0 || digits > 5 || colon[1] == '0') return false;
        unsigned long port = 0;
        for (const char *p = colon + 1; p < slash; p++) {
            if (*p < '0' || *p > '9') return false;
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port > 65535) return false;
    }
    /* Dot segments would let the path mean another one after normalisation. */
    for (const char *p = slash; *p; p++)
        if (p[0] == '/' && p[1] == '.' &&
            (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
            return false;
    if (origin) {
        size_t n = (size_t)(slash - uri);
        memcpy(origin, uri, n);
        origin[n] = '\0';
    }
    return true;
}

bool authz_state_ok(const char *state)
{
    size_t n = strlen(state);
    if (n == 0 || n > AUTHZ_STATE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)state[i] < 0x20 || (unsigned char)state[i] > 0x7e) return false;
    return true;
}

bool authz_pkce_challenge_ok(const char *challenge)
{
    size_t n = strlen(challenge);
    if (n != OAUTH_PKCE_CHALLENGE_LEN - 1) return false;
    for (size_t i = 0; i < n; i++) {
        char c = challenge[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

int authz_pct_encode(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            buf_append_char(out, (char)c);
        else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
    return out->overflowed ? -1 : 0;
}

int authz_redirect_location(char *out, size_t cap, const char *redirect_uri, const char *key,
                            const char *value, const char *state)
{
    struct buf b;
    buf_init(&b, cap - 1);
    buf_append_str(&b, redirect_uri);
    buf_append_char(&b, '?');
    buf_append_str(&b, key);
    buf_append_char(&b, '=');
    authz_pct_encode(&b, value);
    if (state && *state) {
        buf_append_str(&b, "&state=");
        authz_pct_encode(&b, state);
    }
    int rc = -1;
    if (!b.overflowed && b.data) {
        memcpy(out, b.data, b.len + 1);
        rc = 0;
    }
    buf_free(&b);
    return rc;
}

static enum authz_outcome verdict(struct authz_verdict *v, enum authz_outcome o, int status,
                                  const char *error, const char *description)
{
    v->outcome = o;
    v->status = status;
    v->error = error;
    v->description = description;
    return o;
}

#define SHOW(st, err, d) verdict(v, AUTHZ_SHOW, st, err, d)
#define REDIRECT(err, d) verdict(v, AUTHZ_REDIRECT, 302, err, d)

/* Whether the OCL is held at all: without it no client can be checked, which is our problem
 * (503), not the client's. */
static bool ocl_available(struct oauth_server *s)
{
    const struct medmij_list *ocl = medmij_lists_acquire(s->cfg.lists, MEDMIJ_OCL);
    if (!ocl) return false;
    medmij_lists_release(s->cfg.lists, ocl);
    return true;
}

enum authz_outcome authz_check(struct oauth_server *s, const struct http_param *params,
                               size_t nparams, struct authz_request *out, struct authz_verdict *v)
{
    memset(out, 0, sizeof *out);
    const char *val[P_COUNT] = {0};
    bool twice[P_COUNT] = {0};
    for (size_t i = 0; i < nparams; i++) {
        const char *name = params[i].name;
        for (int k = 0; k < P_COUNT; k++) {
            if (strcmp(name, param_names[k]) != 0) continue;
            if (val[k]) twice[k] = true;
            val[k] = params[i].value;
        }
        if (!strcmp(name, "MedMij-Request-ID")) copy_request_id(out->request_id, params[i].value);
        if (!strcmp(name, "X-Correlation-ID"))
            copy_request_id(out->correlation_id, params[i].value);
    }

    /* 1. The client and where to send the answer: nothing is redirected before both hold. */
    if (!val[P_CLIENT_ID] || !*val[P_CLIENT_ID])
        return SHOW(400, "invalid_request", "client_id is missing");
    if (twice[P_CLIENT_ID]) return SHOW(400, "invalid_request", "client_id is given twice");
    if (!copy(out->client_id, sizeof out->client_id, val[P_CLIENT_ID]) ||
        !medmij_valid_hostname(out->client_id))
        return SHOW(400, "invalid_client", "client_id is not a host name");
    if (!oauth_client_allowed(s, out->client_id, out->org, sizeof out->org)) {
        if (!ocl_available(s))
            return SHOW(503, "temporarily_unavailable", "the OAuth client list is not available");
        return SHOW(400, "invalid_client", "client_id is not on the OCL and the Whitelist");
    }
    if (!out->org[0]) copy(out->org, sizeof out->org, out->client_id);
    if (!val[P_REDIRECT_URI] || !*val[P_REDIRECT_URI])
        return SHOW(400, "invalid_request", "redirect_uri is missing");
    if (twice[P_REDIRECT_URI]) return SHOW(400, "invalid_request", "redirect_uri is given twice");
    if (!authz_redirect_uri_ok(val[P_REDIRECT_URI], out->client_id, out->redirect_origin))
        return SHOW(400, "invalid_request",
                    "redirect_uri is not an https URI on the client's host without query or "
                    "fragment");
    copy(out->redirect_uri, sizeof out->redirect_uri, val[P_REDIRECT_URI]);

    /* From here on errors go back to the client. The state is echoed only when it is sound. */
    if (val[P_STATE] && !twice[P_STATE] && authz_state_ok(val[P_STATE]))
        copy(out->state, sizeof out->state, val[P_STATE]);
    for (int k = 0; k < P_COUNT; k++)
        if (twice[k]) return REDIRECT("invalid_request", "a parameter is given twice");
    if (!val[P_RESPONSE_TYPE] || !*val[P_RESPONSE_TYPE])
        return REDIRECT("invalid_request", "response_type is missing");
    if (strcmp(val[P_RESPONSE_TYPE], "code") != 0)
        return REDIRECT("unsupported_response_type", "only response_type=code is supported");
    if (!val[P_STATE] || !*val[P_STATE]) return REDIRECT("invalid_request", "state is missing");
    if (!out->state[0])
        return REDIRECT("invalid_request", "state is longer than 128 bytes or not visible ASCII");
    if (!val[P_CHALLENGE] || !*val[P_CHALLENGE])
        return REDIRECT("invalid_request", "code_challenge is required (PKCE)");
    if (!val[P_METHOD] || strcmp(val[P_METHOD], "S256") != 0)
        return REDIRECT("invalid_request", "code_challenge_method must be S256");
    if (!authz_pkce_challenge_ok(val[P_CHALLENGE]))
        return REDIRECT("invalid_request", "code_challenge is not 43 base64url characters");
    copy(out->code_challenge, sizeof out->code_challenge, val[P_CHALLENGE]);
    if (!val[P_SCOPE] || !*val[P_SCOPE]) return REDIRECT("invalid_scope", "scope is missing");
    if (!copy(out->scope, sizeof out->scope, val[P_SCOPE]))
        return REDIRECT("invalid_scope", "scope is too long");
    const char *why = NULL;
    if (oauth_scope_resolve(s, out->scope, strlen(out->scope), &out->grant, &why) != 0)
        return REDIRECT("invalid_scope", why ? why : "the scope is not offered here");
    return verdict(v, AUTHZ_VALID, 200, NULL, NULL);
}
