/* The token endpoint seen from the PGO: the authorization_code and refresh_token grants (RFC 6749
 * 4.1.3, 6), revocation (RFC 7009), and the reader of their answers. Codes, verifiers and tokens
 * travel only in request bodies; they are wiped from our buffers after use and never put in a
 * message. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/jsonx.h"
#include "pgo/backchannel_internal.h"
#include "pgo/http_client.h"

#define FORM_MAX   (16u << 10)
#define JSON_DEPTH 8

void pgo_token_free(struct pgo_token *t)
{
    if (!t) return;
    if (t->access_token) explicit_bzero(t->access_token, strlen(t->access_token));
    if (t->refresh_token) explicit_bzero(t->refresh_token, strlen(t->refresh_token));
    free(t->access_token);
    free(t->refresh_token);
    free(t->token_type);
    free(t->scope);
    memset(t, 0, sizeof *t);
}

/* RFC 6750 2.1 b64token: what an access token must be to travel in "Authorization: Bearer". */
static bool b64token(const char *s)
{
    size_t i = 0;
    while (isalnum((unsigned char)s[i]) || (s[i] && strchr("-._~+/", s[i]))) i++;
    if (i == 0) return false;
    while (s[i] == '=') i++;
    return s[i] == '\0';
}

/* RFC 6749 A.17 / A.4: printable ASCII (VSCHAR, and SP inside a scope). */
static bool printable(const char *s, bool space_ok)
{
    if (!*s) return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 + !space_ok || (unsigned char)*s > 0x7e) return false;
    return true;
}

static int oauth_error(long status, json_object *v, struct pgo_fail *f)
{
    json_object *e = jsonx_get(v, "error");
    if (!e || !json_object_is_type(e, json_type_string))
        return pgo_fail_set(f, PGO_FAIL_HTTP, "the endpoint answered HTTP %ld", status);
    f->kind = PGO_FAIL_OAUTH;
    f->http_status = status;
    pgo_copy_printable(f->oauth_error, sizeof f->oauth_error, json_object_get_string(e),
                       (size_t)json_object_get_string_len(e));
    json_object *d = jsonx_get(v, "error_description");
    if (d && json_object_is_type(d, json_type_string))
        pgo_copy_printable(f->message, sizeof f->message, json_object_get_string(d),
                           (size_t)json_object_get_string_len(d));
    else
        snprintf(f->message, sizeof f->message, "%s", f->oauth_error);
    return -1;
}

static char *dup_str(json_object *s)
{
    return strndup(json_object_get_string(s), (size_t)json_object_get_string_len(s));
}

int pgo_token_parse(long status, const char *body, size_t len, struct pgo_token *out,
                    struct pgo_fail *f)
{
    struct pgo_fail dummy;
    if (!f) f = &dummy;
    pgo_fail_clear(f);
    memset(out, 0, sizeof *out);
    out->expires_in = -1;
    f->http_status = status;
    if (len > PGO_TOKEN_MAX_BODY)
        return pgo_fail_set(f, PGO_FAIL_TOO_BIG, "the token answer is larger than %u bytes",
                            PGO_TOKEN_MAX_BODY);
    enum jsonx_err je;
    json_object *v = body ? jsonx_parse(body, len, JSON_DEPTH, &je, NULL, 0) : NULL;
    if (status != 200) {
        int rc = v && json_object_is_type(v, json_type_object)
                     ? oauth_error(status, v, f)
                     : pgo_fail_set(f, PGO_FAIL_HTTP, "the endpoint answered HTTP %ld", status);
        json_object_put(v);
        return rc;
    }
    int rc = -1;
    json_object *at = NULL, *rt = NULL;
    if (!v || !json_object_is_type(v, json_type_object)) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer is not a JSON object");
        goto out;
    }
    at = jsonx_get(v, "access_token");
    rt = jsonx_get(v, "refresh_token");
    json_object *tt = jsonx_get(v, "token_type");
    json_object *ei = jsonx_get(v, "expires_in"), *sc = jsonx_get(v, "scope");
    if (!at || !json_object_is_type(at, json_type_string) ||
        !b64token(json_object_get_string(at))) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer has no usable access_token");
        goto out;
    }
    if (!tt || !json_object_is_type(tt, json_type_string) ||
        strcasecmp(json_object_get_string(tt), "Bearer") != 0) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer's token_type is not Bearer");
        goto out;
    }
    if (ei && (!json_object_is_type(ei, json_type_int) || json_object_get_int64(ei) < 0)) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer's expires_in is not a number of seconds");
        goto out;
    }
    if (sc && (!json_object_is_type(sc, json_type_string) ||
               !printable(json_object_get_string(sc), true))) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer's scope is not text");
        goto out;
    }
    if (rt && (!json_object_is_type(rt, json_type_string) ||
               !printable(json_object_get_string(rt), false))) {
        pgo_fail_set(f, PGO_FAIL_PARSE, "the token answer's refresh_token is not usable");
        goto out;
    }
    out->access_token = dup_str(at);
    out->token_type = strdup("Bearer");
    if (ei) out->expires_in = (long)json_object_get_int64(ei);
    if (sc) out->scope = dup_str(sc);
    if (rt) out->refresh_token = dup_str(rt);
    if (!out->access_token || !out->token_type || (sc && !out->scope) ||
        (rt && !out->refresh_token)) {
        pgo_token_free(out);
        out->expires_in = -1;
        pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
        goto out;
    }
    rc = 0;
out:
    /* The parsed tree held the tokens too. */
    if (at && json_object_is_type(at, json_type_string))
        explicit_bzero((char *)json_object_get_string(at), (size_t)json_object_get_string_len(at));
    if (rt && json_object_is_type(rt, json_type_string))
        explicit_bzero((char *)json_object_get_string(rt), (size_t)json_object_get_string_len(rt));
    json_object_put(v);
    return rc;
}

/* A form body from name/value pairs (NULL values left out). */
static int form_add(struct buf *b, const char *name, const char *value)
{
    if (!value) return 0;
    int rc = b->len ? buf_append_char(b, '&') : 0;
    rc |= buf_append_str(b, name);
    rc |= buf_append_char(b, '=');
    rc |= pgo_pct_encode(b, value);
    return rc;
}

static void form_wipe(struct buf *b)
{
    if (b->data) explicit_bzero(b->data, b->len);
    buf_free(b);
}

/* POSTs a form to an OAuth endpoint; on 0, *rs holds the answer (any status). */
static int post_form(const struct pgo_call_opts *opts, const char *url, struct buf *form,
                     struct pgo_http_response *rs, struct pgo_fail *f)
{
    memset(rs, 0, sizeof *rs);
    if (form->overflowed) {
        form_wipe(form);
        return pgo_fail_set(f, PGO_FAIL_ARGS, "the request is too large");
    }
    struct pgo_http_client *c = pgo_http_open(opts, PGO_TOKEN_MAX_BODY, PGO_TOKEN_TIMEOUT_S, f);
    if (!c) {
        form_wipe(form);
        return -1;
    }
    struct pgo_http_request rq = {
        .method = "POST",
        .url = url,
        .accept = "application/json",
        .content_type = "application/x-www-form-urlencoded",
        .body = form->data ? form->data : "",
        .body_len = form->len,
    };
    int rc = pgo_http_call(c, &rq, rs, f);
    pgo_http_close(c);
    form_wipe(form);
    return rc;
}

static int token_call(const struct pgo_call_opts *opts, const char *token_endpoint,
                      struct buf *form, struct pgo_token *out, struct pgo_fail *f)
{
    memset(out, 0, sizeof *out);
    out->expires_in = -1;
    struct pgo_http_response rs;
    if (post_form(opts, token_endpoint, form, &rs, f) != 0) {
        pgo_http_response_free(&rs);
        return -1;
    }
    char request_id[UUID_STR_LEN];
    memcpy(request_id, rs.request_id, sizeof request_id);
    int rc = pgo_token_parse(rs.status, rs.body.data, rs.body.len, out, f);
    if (rs.body.data) explicit_bzero(rs.body.data, rs.body.len);
    pgo_http_response_free(&rs);
    memcpy(f->request_id, request_id, sizeof request_id);
    return rc;
}

static bool given(const char *s)
{
    return s && *s;
}

int pgo_token_request(const struct pgo_call_opts *opts, const char *token_endpoint,
                      const char *client_id, const char *code, const char *redirect_uri,
                      const char *code_verifier, struct pgo_token *out, struct pgo_fail *f)
{
    pgo_fail_clear(f);
    memset(out, 0, sizeof *out);
    out->expires_in = -1;
    if (!given(token_endpoint) || !given(client_id) || !given(code) || !given(redirect_uri))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "token request: a required value is missing");
    struct buf form;
    buf_init(&form, FORM_MAX);
    form_add(&form, "grant_type", "authorization_code");
    form_add(&form, "code", code);
    form_add(&form, "client_id", client_id);
    form_add(&form, "redirect_uri", redirect_uri);
    form_add(&form, "code_verifier", code_verifier);
    return token_call(opts, token_endpoint, &form, out, f);
}

int pgo_token_refresh(const struct pgo_call_opts *opts, const char *token_endpoint,
                      const char *client_id, const char *refresh_token, const char *scope,
                      struct pgo_token *out, struct pgo_fail *f)
{
    pgo_fail_clear(f);
    memset(out, 0, sizeof *out);
    out->expires_in = -1;
    if (!given(token_endpoint) || !given(client_id) || !given(refresh_token))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "token refresh: a required value is missing");
    struct buf form;
    buf_init(&form, FORM_MAX);
    form_add(&form, "grant_type", "refresh_token");
    form_add(&form, "refresh_token", refresh_token);
    form_add(&form, "client_id", client_id);
    form_add(&form, "scope", given(scope) ? scope : NULL);
    return token_call(opts, token_endpoint, &form, out, f);
}

int pgo_token_revoke(const struct pgo_call_opts *opts, const char *revoke_endpoint,
                     const char *client_id, const char *token, const char *token_type_hint,
                     struct pgo_fail *f)
{
    pgo_fail_clear(f);
    if (!given(revoke_endpoint) || !given(client_id) || !given(token))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "revocation: a required value is missing");
    struct buf form;
    buf_init(&form, FORM_MAX);
    form_add(&form, "token", token);
    form_add(&form, "token_type_hint", given(token_type_hint) ? token_type_hint : NULL);
    form_add(&form, "client_id", client_id);
    struct pgo_http_response rs;
    int rc = post_form(opts, revoke_endpoint, &form, &rs, f);
    if (rc == 0 && rs.status != 200) {
        enum jsonx_err je;
        json_object *v =
            jsonx_parse(rs.body.data ? rs.body.data : "", rs.body.len, JSON_DEPTH, &je, NULL, 0);
        rc = v && json_object_is_type(v, json_type_object)
                 ? oauth_error(rs.status, v, f)
                 : pgo_fail_set(f, PGO_FAIL_HTTP, "the endpoint answered HTTP %ld", rs.status);
        json_object_put(v);
    }
    pgo_http_response_free(&rs);
    return rc;
}

char *pgo_revoke_endpoint(const char *token_endpoint)
{
    if (!given(token_endpoint) || strpbrk(token_endpoint, "?#")) return NULL;
    size_t n = strlen(token_endpoint);
    const char *tail = "/token";
    size_t tl = strlen(tail);
    if (n <= tl || strcmp(token_endpoint + n - tl, tail) != 0) return NULL;
    size_t keep = n - tl;
    char *out = malloc(keep + sizeof "/revoke");
    if (!out) return NULL;
    memcpy(out, token_endpoint, keep);
    memcpy(out + keep, "/revoke", sizeof "/revoke");
    return out;
}
