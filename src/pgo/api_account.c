/* DELETE /api/account {password, totp, confirm: <username>}: the account and everything of it.
 *
 * Order, so that a failure leaves an account that can try again rather than data without an
 * account: the password and code are checked again (a session alone is not enough to delete);
 * the account is disabled (its sessions end, so nothing adds data meanwhile; enabled again if
 * the vault cannot be purged); every connection's tokens are revoked at its provider (best effort:
 * a DVA that does not answer does not keep the patient's data here; each outcome is logged and
 * audited) and deleted; every vault resource that ever carried the account's owner tag is purged
 * with all its versions in one write; then the connections, pending authorizations and share
 * records go from pgo.db, and last the account itself (its sessions with it). The audit log keeps
 * its entries: it is append-only and hash-chained (docs/audit.md). */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/log.h"

#define HISTORY_PAGE 500

/* ---- revocation ---- */

struct revoke_ctx {
    struct pgo_connection *list;
    size_t n, cap;
};

static int collect_connection(const struct pgo_connection *c, void *ctx)
{
    struct revoke_ctx *r = ctx;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct pgo_connection *grown = realloc(r->list, cap * sizeof *grown);
        if (!grown) return 1;
        r->list = grown;
        r->cap = cap;
    }
    r->list[r->n++] = *c;
    return 0;
}

/* Revokes and deletes every connection's tokens; returns how many revocations the providers
 * confirmed, *failed those they did not. */
static size_t revoke_all(struct pgo_api *api, const char *subject, size_t *failed)
{
    struct revoke_ctx r = {0};
    *failed = 0;
    pgo_conn_list(api->cfg.conns, subject, collect_connection, &r);
    size_t ok = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct pgo_connection *c = &r.list[i];
        struct pgo_tokens t = {0};
        struct pgo_endpoints ep;
        if (pgo_tokens_get(api->cfg.conns, c->id, &t) != PGO_CONN_OK) continue;
        bool at_provider = false;
        char *revoke = pgo_api_endpoints(api, c->provider, c->service, &ep) == 0
                           ? pgo_revoke_endpoint(ep.token)
                           : NULL;
        if (revoke) {
            struct pgo_fail f = {0};
            struct pgo_call_opts call = api->cfg.call;
            at_provider =
                pgo_token_revoke(&call, revoke, api->client_id, t.refresh ? t.refresh : t.access,
                                 t.refresh ? "refresh_token" : "access_token", &f) == 0;
            if (!at_provider)
                log_warn("pgo: account deletion: connection %" PRId64
                         ": revocation at the provider failed: %s",
                         c->id, f.message);
        }
        free(revoke);
        pgo_tokens_clear(&t);
        pgo_tokens_delete(api->cfg.conns, c->id);
        char what[48];
        snprintf(what, sizeof what, "Connection/%" PRId64, c->id);
        pgo_api_audit(api, subject, "consent", what, at_provider ? 200 : 502, "medmij-revoke",
                      c->provider, NULL);
        if (at_provider)
            ok++;
        else
            (*failed)++;
    }
    free(r.list);
    return ok;
}

/* ---- the vault ---- */

struct victim {
    char type[STORE_TYPE_MAX];
    char id[STORE_ID_MAX];
};

struct find_ctx {
    const char *subject;
    struct victim *list;
    size_t n, cap;
    int64_t last_seq;
    size_t rows;
    bool failed;
};

static int by_type_id(const void *a, const void *b)
{
    const struct victim *x = a, *y = b;
    int c = strcmp(x->type, y->type);
    return c ? c : strcmp(x->id, y->id);
}

/* Every version, newest first: one that carries the account's owner tag names a resource to
 * purge, including resources whose current version is a delete marker. A resource is listed once
 * per such version; purge_vault sorts the list and drops the repeats. */
static int find_owned(void *ctx, const struct store_row *row)
{
    struct find_ctx *f = ctx;
    f->last_seq = row->seq;
    f->rows++;
    if (!row->json || !strstr(row->json, f->subject)) return 0;
    enum jsonx_err je;
    json_object *v = jsonx_parse(row->json, row->json_len, 128, &je, NULL, 0);
    bool mine = v && pgo_vault_owned(v, f->subject);
    json_object_put(v);
    if (!mine) return 0;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        struct victim *grown = realloc(f->list, cap * sizeof *grown);
        if (!grown) {
            f->failed = true;
            return 1;
        }
        f->list = grown;
        f->cap = cap;
    }
    snprintf(f->list[f->n].type, STORE_TYPE_MAX, "%s", row->type);
    snprintf(f->list[f->n].id, STORE_ID_MAX, "%s", row->id);
    f->n++;
    return 0;
}

struct purge_ctx {
    struct store *store;
    const char *subject;
    const struct victim *list;
    size_t n;
    size_t purged, versions, skipped;
};

/* Purges each resource whose current version is the account's (or a delete marker); one held
 * by another account now is left alone (that would be a bug elsewhere: logged). */
static int purge_all(struct store_txn *tx, void *ctx)
{
    struct purge_ctx *p = ctx;
    const struct store_ops *ops = p->store->ops;
    for (size_t i = 0; i < p->n; i++) {
        struct store_row row = {0};
        enum store_rc rc = ops->tx_current(tx, p->list[i].type, p->list[i].id, true, &row);
        bool ours = rc == STORE_OK && (row.deleted || !row.json);
        if (rc == STORE_OK && !ours) {
            enum jsonx_err je;
            json_object *v = jsonx_parse(row.json, row.json_len, 128, &je, NULL, 0);
            ours = v && pgo_vault_owned(v, p->subject);
            json_object_put(v);
        }
        store_row_clear(&row);
        if (rc < 0) return 1;
        if (rc == STORE_OK && !ours) {
            log_bug("pgo: account deletion: %s/%s now belongs to someone else; kept",
                    p->list[i].type, p->list[i].id);
            p->skipped++;
            continue;
        }
        size_t versions = 0;
        rc = ops->tx_purge(tx, p->list[i].type, p->list[i].id, &versions);
        if (rc < 0) return 1;
        p->purged += rc == STORE_OK;
        p->versions += versions;
    }
    return 0;
}

/* Finds and purges everything of the account in the vault. 0, or -1 (nothing purged). */
static int purge_vault(struct pgo_api *api, const char *subject, size_t *resources,
                       size_t *versions)
{
    struct store *s = api->cfg.store;
    struct find_ctx f = {.subject = subject};
    /* One pass over every version of the vault (pages by seq): deletion is rare, and only the
     * history knows resources whose current version is a delete marker. */
    for (int64_t before = 0;;) {
        struct store_history_q q = {.before_seq = before, .count = HISTORY_PAGE};
        f.rows = 0;
        if (s->ops->history(s, &q, find_owned, &f, NULL) != STORE_OK || f.failed) {
            free(f.list);
            return -1;
        }
        if (f.rows < HISTORY_PAGE) break;
        before = f.last_seq;
    }
    if (f.n) qsort(f.list, f.n, sizeof *f.list, by_type_id);
    size_t unique = 0;
    for (size_t i = 0; i < f.n; i++)
        if (!unique || by_type_id(&f.list[unique - 1], &f.list[i]) != 0)
            f.list[unique++] = f.list[i];
    struct purge_ctx p = {.store = s, .subject = subject, .list = f.list, .n = unique};
    enum store_rc rc = unique ? s->ops->write(s, purge_all, &p) : STORE_OK;
    free(f.list);
    if (rc != STORE_OK) return -1;
    *resources = p.purged;
    *versions = p.versions;
    return 0;
}

/* ---- the route ---- */

void pgo_api_account_delete(struct http_request *req, struct http_reply *rep)
{
    struct pgo_api *api = req->app;
    struct pgo_who who;
    if (pgo_api_session(api, req, rep, true, &who) != 0) return;
    const char *password = jsonx_get_str(req->json, "password");
    const char *totp = jsonx_get_str(req->json, "totp");
    const char *confirm = jsonx_get_str(req->json, "confirm");
    const char *subject = who.account.subject;
    if (!password || !totp || !confirm) {
        pgo_api_error(rep, 400, "invalid_request", "password, totp and confirm are required");
        return;
    }
    if (strcasecmp(confirm, who.account.username) != 0) {
        pgo_api_error(rep, 400, "invalid_request", "confirm must be your username");
        return;
    }
    /* The password and a fresh code again: a session left open is not enough to delete. */
    struct account checked;
    int64_t retry = 0;
    enum accounts_rc arc =
        accounts_login(api->cfg.accounts, who.account.username, password, strlen(password), totp,
                       req->client_addr, &checked, &retry);
    if (arc == ACCOUNTS_LOCKED) {
        char after[32];
        snprintf(after, sizeof after, "%lld", (long long)(retry > 0 ? retry : 1));
        http_reply_header(rep, "Retry-After", after);
        pgo_api_error(rep, 429, "locked", "too many failed attempts; try again in %s seconds",
                      after);
        return;
    }
    if (arc != ACCOUNTS_OK || checked.id != who.account.id) {
        pgo_api_audit(api, subject, "delete", "Account", 403, "patient-access", NULL, NULL);
        pgo_api_error(rep, 403, "login_failed", "the password or code is not right");
        return;
    }
    /* Disabled first: its sessions end and no login or request can add data while it goes. */
    if (accounts_set_disabled(api->cfg.accounts, who.account.username, true) != ACCOUNTS_OK) {
        pgo_api_error(rep, 500, "internal",
                      "your account could not be closed; nothing was deleted");
        return;
    }
    size_t revoke_failed = 0, resources = 0, versions = 0;
    size_t revoked = revoke_all(api, subject, &revoke_failed);
    if (purge_vault(api, subject, &resources, &versions) != 0) {
        accounts_set_disabled(api->cfg.accounts, who.account.username, false);
        pgo_api_audit(api, subject, "delete", "Account", 500, "patient-access", NULL, NULL);
        pgo_api_error(rep, 500, "internal",
                      "your data could not be deleted; your account stays (log in again)");
        return;
    }
    if (pgo_conn_delete_account(api->cfg.conns, subject) != PGO_CONN_OK ||
        accounts_delete(api->cfg.accounts, who.account.id) != ACCOUNTS_OK) {
        pgo_api_audit(api, subject, "delete", "Account", 500, "patient-access", NULL, NULL);
        pgo_api_error(rep, 500, "internal", "your account could not be removed; try again");
        return;
    }
    pgo_api_audit(api, subject, "delete", "Account", 200, "patient-access", NULL, NULL);
    log_info("pgo: account %lld deleted: %zu resources (%zu versions), %zu connections revoked "
             "(%zu not confirmed by the provider)",
             (long long)who.account.id, resources, versions, revoked, revoke_failed);
    char clear[256];
    session_cookie_clear(clear, sizeof clear);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "deleted", json_object_new_boolean(1));
    json_object_object_add(o, "resources", json_object_new_int64((int64_t)resources));
    json_object_object_add(o, "versions", json_object_new_int64((int64_t)versions));
    json_object_object_add(o, "revoked_at_provider", json_object_new_int64((int64_t)revoked));
    json_object_object_add(o, "revoke_failed", json_object_new_int64((int64_t)revoke_failed));
    pgo_api_json(rep, 200, o);
    json_object_put(o);
    http_reply_header(rep, "Set-Cookie", clear);
    OPENSSL_cleanse(&who, sizeof who);
}
