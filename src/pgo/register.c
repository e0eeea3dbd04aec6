/* Self sign-up through the web app (docs/pgo.md "Sign-up"): POST /api/register makes a pending
 * patient account and answers its second factor to scan; POST /api/register/confirm with a code of
 * it activates the account and logs it in. The accounts floor keeps the rules (accounts_signup.c):
 * the hour a pending account lives, the password rules, the throttles. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/qr.h"
#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/log.h"

/* A string member with its exact length (a JSON string may hold \u0000, which the password rules
 * refuse rather than cut off). NULL when absent or not a string. */
static const char *member(json_object *body, const char *key, size_t *len)
{
    json_object *v = jsonx_get(body, key);
    if (!v || !json_object_is_type(v, json_type_string)) return NULL;
    if (len) *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* 400 invalid_request naming the field at fault. */
static void invalid(struct http_reply *rep, const char *field, const char *message)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string("invalid_request"));
    json_object_object_add(o, "field", json_object_new_string(field));
    json_object_object_add(o, "message", json_object_new_string(message));
    pgo_api_json(rep, 400, o);
    json_object_put(o);
}

static void locked(struct http_reply *rep, int64_t retry)
{
    char after[32];
    snprintf(after, sizeof after, "%lld", (long long)(retry > 0 ? retry : 1));
    http_reply_header(rep, "Retry-After", after);
    pgo_api_error(rep, 429, "locked", "too many attempts; try again in %s seconds", after);
}

/* The username and password of a sign-up body; 0, or -1 after the 400. */
static int credentials(struct http_request *req, struct http_reply *rep, const char **user,
                       const char **password, size_t *password_len)
{
    *user = member(req->json, "username", NULL);
    *password = member(req->json, "password", password_len);
    if (!*user || !account_username_valid(*user)) {
        invalid(rep, "username", "the username must be 1-64 letters, digits or . _ - @");
        return -1;
    }
    const char *why =
        *password ? password_unacceptable(*password, *password_len) : "a password is required";
    if (why) {
        invalid(rep, "password", why);
        return -1;
    }
    return 0;
}

static bool signup_open(const struct pgo_api *api, struct http_reply *rep)
{
    if (!api->cfg.signup_closed) return true;
    pgo_api_error(rep, 404, "not_found", "this PGO does not take sign-ups; ask its administrator");
    return false;
}

void pgo_api_register(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    if (!signup_open(api, rep)) return;
    const char *user, *password;
    size_t password_len = 0;
    if (credentials(req, rep, &user, &password, &password_len) != 0) return;
    struct accounts_enrolment e = {0};
    const char *why = NULL;
    int64_t retry = 0;
    enum accounts_rc rc = accounts_signup(api->cfg.accounts, user, password, password_len,
                                          req->client_addr, &e, &why, &retry);
    switch (rc) {
    case ACCOUNTS_OK:
        break;
    case ACCOUNTS_INVALID:
        invalid(rep, "password", why ? why : "not accepted");
        return;
    case ACCOUNTS_EXISTS:
        pgo_api_error(rep, 409, "exists", "that username is taken; choose another");
        return;
    case ACCOUNTS_LOCKED:
        locked(rep, retry);
        return;
    default:
        pgo_api_error(rep, 500, "internal", "the account could not be made");
        return;
    }
    char *svg = qr_svg(e.uri);
    json_object *enrolment = json_object_new_object();
    json_object_object_add(enrolment, "secret", json_object_new_string(e.secret));
    json_object_object_add(enrolment, "uri", json_object_new_string(e.uri));
    json_object_object_add(enrolment, "qr_svg", svg ? json_object_new_string(svg) : NULL);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "username", json_object_new_string(user));
    json_object_object_add(o, "enrolment", enrolment);
    json_object_object_add(o, "expires_in", json_object_new_int(ACCOUNTS_PENDING_SECONDS));
    pgo_api_json(rep, 201, o);
    json_object_put(o); /* the reply holds its own copy of the text; the secret goes with o */
    free(svg);
    accounts_enrolment_free(&e);
}

void pgo_api_register_confirm(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    if (!signup_open(api, rep)) return;
    const char *user = member(req->json, "username", NULL);
    size_t password_len = 0;
    const char *password = member(req->json, "password", &password_len);
    const char *code = member(req->json, "code", NULL);
    if (!user || !password || !code) {
        invalid(rep,
                !user       ? "username"
                : !password ? "password"
                            : "code",
                "username, password and code are required");
        return;
    }
    struct account acct;
    int64_t retry = 0;
    enum accounts_rc rc = accounts_signup_confirm(api->cfg.accounts, user, password, password_len,
                                                  code, req->client_addr, &acct, &retry);
    switch (rc) {
    case ACCOUNTS_OK:
        pgo_api_start_session(api, req, rep, &acct);
        OPENSSL_cleanse(&acct, sizeof acct);
        return;
    case ACCOUNTS_DENIED:
        pgo_api_error(rep, 401, "login_failed",
                      "the username, password or code is not right, or the sign-up has expired "
                      "(one hour): register again");
        return;
    case ACCOUNTS_LOCKED:
        locked(rep, retry);
        return;
    case ACCOUNTS_INVALID:
        invalid(rep, "code", "username, password and code are required");
        return;
    default:
        pgo_api_error(rep, 500, "internal", "the account could not be confirmed");
        return;
    }
}
