/* DELETE /api/account on a real server: a wrong password, code or confirmation, or no CSRF
 * token, deletes nothing; the real thing revokes the connection (its provider unreachable: the
 * tokens go anyway), purges every version of every resource that was the account's (also one
 * whose current version is a delete marker), deletes its connections and shares, ends its
 * sessions and removes the account, so logging in fails; another account's data stays; the
 * audit log records the deletion and keeps the older entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "pgo/backchannel.h"

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct pgo_call_opts call = {.timeout_s = 5, .connect_timeout_s = 2};
    if (fx_open(f, fx_zal_xml, fx_gnl_xml, &call) != 0) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    fx_close(f);
    free(f);
    return 0;
}

static void put_vault(struct fx *f, const char *json)
{
    enum jsonx_err je;
    json_object *r = jsonx_parse(json, strlen(json), 64, &je, NULL, 0);
    assert_non_null(r);
    struct rg_fail fail = {0};
    enum rg_err rc = rest_put_resource(f->rest, r, &fail);
    if (rc != RG_OK) print_message("put: %s\n", fail.detail);
    assert_int_equal(rc, RG_OK);
    json_object_put(r);
}

struct marker {
    struct store *s;
    const char *type, *id;
    int64_t version;
};

static int delete_marker(struct store_txn *tx, void *ctx)
{
    struct marker *m = ctx;
    struct store_put p = {.type = m->type,
                          .id = m->id,
                          .version = m->version,
                          .last_updated = "2026-11-30T10:00:00.000Z",
                          .deleted = true};
    return m->s->ops->tx_put(tx, &p) == STORE_OK ? 0 : 1;
}

static int count_conn(const struct pgo_connection *c, void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static int count_share(const struct pgo_share_record *s, void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

struct mention {
    const char *subject;
    int rows, found;
};

static int mentions(void *ctx, const struct store_row *row)
{
    struct mention *m = ctx;
    m->rows++;
    m->found += row->json && strstr(row->json, m->subject) != NULL;
    return 0;
}

static int versions_of(struct fx *f, const char *type, const char *id)
{
    int n = 0;
    for (int64_t v = 1; v <= 5; v++) {
        struct store_row row = {0};
        if (f->store->ops->vread(f->store, type, id, v, &row) == STORE_OK) n++;
        store_row_clear(&row);
    }
    return n;
}

/* Alice's data: two versions of a collected Condition, a measurement, an Observation deleted
 * since (only its history holds it), a connection with tokens and a share. Bob: a measurement. */
static void seed(struct fx *f)
{
    assert_int_equal(fx_login(f, &f->alice), 200);
    assert_int_equal(fx_login(f, &f->bob), 200);
    char json[1024];
    for (int v = 1; v <= 2; v++) {
        snprintf(json, sizeof json,
                 "{\"resourceType\":\"Condition\",\"id\":\"cond-a\",\"meta\":{\"source\":"
                 "\"https://dva.localhost:1/fhir\",\"tag\":[{\"system\":\"" PGO_VAULT_TAG_SYSTEM
                 "\",\"code\":\"%s\"}]},\"code\":{\"text\":\"Astma %d\"},\"subject\":{"
                 "\"reference\":\"Patient/%s\"}}",
                 f->alice.subject, v, f->alice.subject);
        put_vault(f, json);
    }
    snprintf(json, sizeof json,
             "{\"resourceType\":\"Observation\",\"id\":\"gone-a\",\"meta\":{\"tag\":[{\"system\":"
             "\"" PGO_VAULT_TAG_SYSTEM "\",\"code\":\"%s\"}]},\"status\":\"final\",\"code\":{"
             "\"text\":\"weight\"},\"subject\":{\"reference\":\"Patient/%s\"}}",
             f->alice.subject, f->alice.subject);
    put_vault(f, json);
    struct marker m = {.s = f->store, .type = "Observation", .id = "gone-a", .version = 2};
    assert_int_equal(f->store->ops->write(f->store, delete_marker, &m), STORE_OK);
    const char *obs = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":"
                      "\"weight\"},\"valueQuantity\":{\"value\":70,\"unit\":\"kg\"}}";
    struct fx_resp r;
    fx_call(f, &f->alice, true, "POST", "/api/measurements", obs, &r);
    assert_int_equal(r.status, 201);
    fx_resp_free(&r);
    fx_call(f, &f->bob, true, "POST", "/api/measurements", obs, &r);
    assert_int_equal(r.status, 201);
    fx_resp_free(&r);
    int64_t conn;
    assert_int_equal(
        pgo_conn_begin(f->conns, f->alice.subject, "huisartsdelinde@medmij", "48", f->now, &conn),
        PGO_CONN_OK);
    assert_int_equal(pgo_tokens_put(f->conns, conn, "ACCESS", "REFRESH", f->now + 900, "s", f->now),
                     PGO_CONN_OK);
    assert_int_equal(pgo_share_add(f->conns, f->alice.subject, conn, "{}", 0, "ok", f->now, NULL),
                     PGO_CONN_OK);
}

static int delete_account(struct fx *f, struct fx_user *u, const char *password, bool good_code,
                          const char *confirm, bool csrf, struct fx_resp *r)
{
    char code[8], body[256];
    f->now += TOTP_PERIOD;
    fx_totp(f, u, code);
    if (!good_code) code[0] = code[0] == '0' ? '1' : '0';
    snprintf(body, sizeof body, "{\"password\":\"%s\",\"totp\":\"%s\",\"confirm\":\"%s\"}",
             password, code, confirm);
    fx_call(f, u, csrf, "DELETE", "/api/account", body, r);
    return r->status;
}

static int owned(struct fx *f, const char *subject)
{
    int n = 0;
    pgo_conn_list(f->conns, subject, count_conn, &n);
    return n;
}

static void refusals_delete_nothing(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct fx_resp r;
    assert_int_equal(delete_account(f, &f->alice, "wrong password", true, "alice", true, &r), 403);
    assert_string_equal(jsonx_get_str(r.json, "error"), "login_failed");
    fx_resp_free(&r);
    assert_int_equal(delete_account(f, &f->alice, FX_PASSWORD, false, "alice", true, &r), 403);
    fx_resp_free(&r);
    assert_int_equal(delete_account(f, &f->alice, FX_PASSWORD, true, "bob", true, &r), 400);
    fx_resp_free(&r);
    assert_int_equal(delete_account(f, &f->alice, FX_PASSWORD, true, "alice", false, &r), 403);
    assert_string_equal(jsonx_get_str(r.json, "error"), "csrf");
    fx_resp_free(&r);
    fx_call(f, &f->alice, true, "DELETE", "/api/account", "{\"confirm\":\"alice\"}", &r);
    assert_int_equal(r.status, 400);
    fx_resp_free(&r);
    /* Everything is still there. */
    assert_int_equal(versions_of(f, "Condition", "cond-a"), 2);
    assert_int_equal(versions_of(f, "Patient", f->alice.subject), 1);
    assert_int_equal(owned(f, f->alice.subject), 1);
    fx_call(f, &f->alice, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 200);
    fx_resp_free(&r);
    struct pgo_tokens t = {0};
    assert_int_equal(pgo_tokens_get(f->conns, 1, &t), PGO_CONN_OK);
    pgo_tokens_clear(&t);
}

static void deletion_removes_everything_of_the_account(void **state)
{
    struct fx *f = *state;
    seed(f);
    struct fx_user old = f->alice; /* the session cookie from before */
    struct fx_resp r;
    assert_int_equal(delete_account(f, &f->alice, FX_PASSWORD, true, "ALICE", true, &r), 200);
    assert_true(json_object_get_boolean(jsonx_get(r.json, "deleted")));
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "resources")), 4);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "revoke_failed")), 1);
    const char *cookie = fx_header(&r, "Set-Cookie");
    assert_non_null(cookie);
    assert_non_null(strstr(cookie, "Max-Age=0"));
    fx_resp_free(&r);
    /* Every version of every resource of hers: gone (vread 404 in FHIR terms). */
    assert_int_equal(versions_of(f, "Condition", "cond-a"), 0);
    assert_int_equal(versions_of(f, "Observation", "gone-a"), 0);
    assert_int_equal(versions_of(f, "Patient", f->alice.subject), 0);
    /* Nothing in the whole history names her any more. */
    struct store_history_q q = {.count = 100000};
    struct mention mn = {.subject = f->alice.subject};
    assert_int_equal(f->store->ops->history(f->store, &q, mentions, &mn, NULL), STORE_OK);
    assert_true(mn.rows > 0); /* Bob's */
    assert_int_equal(mn.found, 0);
    /* Her connections, tokens and shares. */
    assert_int_equal(owned(f, f->alice.subject), 0);
    struct pgo_tokens t = {0};
    assert_int_equal(pgo_tokens_get(f->conns, 1, &t), PGO_CONN_NOT_FOUND);
    int shares = 0;
    pgo_share_list(f->conns, f->alice.subject, count_share, &shares);
    assert_int_equal(shares, 0);
    /* Her sessions and the account. */
    fx_call(f, &old, false, "GET", "/api/me", NULL, &r);
    assert_int_equal(r.status, 401);
    fx_resp_free(&r);
    assert_int_equal(fx_login(f, &f->alice), 401);
    struct account acct;
    assert_int_equal(accounts_get(f->accounts, "alice", &acct), ACCOUNTS_NOT_FOUND);
    /* Bob's data stays. */
    assert_int_equal(fx_login(f, &f->bob), 200);
    fx_call(f, &f->bob, false, "GET", "/api/records?type=Observation", NULL, &r);
    assert_int_equal(json_object_get_int(jsonx_get(r.json, "total")), 1);
    fx_resp_free(&r);
    assert_int_equal(versions_of(f, "Patient", f->bob.subject), 1);
    /* The audit log keeps what it had and records the deletion. */
    FILE *log = fopen(f->audit_path, "r");
    assert_non_null(log);
    char line[4096];
    bool login = false, deleted = false;
    while (fgets(line, sizeof line, log)) {
        if (!strstr(line, f->alice.subject)) continue;
        login |= strstr(line, "\"login\"") != NULL;
        deleted |= strstr(line, "\"delete\"") != NULL && strstr(line, "\"Account\"") != NULL &&
                   strstr(line, "200") != NULL;
    }
    fclose(log);
    assert_true(login);
    assert_true(deleted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(refusals_delete_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(deletion_removes_everything_of_the_account, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
