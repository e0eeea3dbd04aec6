/* The PGO's connection store on a temporary directory: the key file (made 0600, reused, refused
 * when others may read it or its size is wrong), sealing (round trip, wrong key, wrong row, a
 * flipped byte), connections (begin/restart, states, per-account isolation, collect records,
 * delete), pending authorizations (single use, expiry, account binding, stored only as a hash),
 * tokens (encrypted at rest, refresh kept when none is sent, deleted with the connection, survive a
 * reopen) and shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgo/connections.h"

#define ALICE "11111111-1111-4111-8111-111111111111"
#define BOB   "22222222-2222-4222-8222-222222222222"
#define GP    "huisartsdelinde@medmij"
#define NOW   1700000000

struct fixture {
    char dir[64];
    char db[128];
    char key[128];
    struct pgo_conn_store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-pgo-conn-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->db, sizeof f->db, "%s/pgo.db", f->dir);
    snprintf(f->key, sizeof f->key, "%s/pgo.key", f->dir);
    char err[256];
    f->s = pgo_conn_open(f->db, f->key, err, sizeof err);
    if (!f->s) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    pgo_conn_close(f->s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void reopen(struct fixture *f)
{
    pgo_conn_close(f->s);
    char err[256];
    f->s = pgo_conn_open(f->db, f->key, err, sizeof err);
    assert_non_null(f->s);
}

/* Whether needle occurs in the bytes of the file at path. */
static bool file_has(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    static char data[1 << 20];
    size_t n = fread(data, 1, sizeof data, fp);
    fclose(fp);
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(data + i, needle, m)) return true;
    return false;
}

static bool any_db_file_has(const struct fixture *f, const char *needle)
{
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    return file_has(f->db, needle) || file_has(wal, needle);
}

static void key_file_is_private_and_reused(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, PGO_KEY_BYTES);
    uint8_t a[PGO_KEY_BYTES], b[PGO_KEY_BYTES];
    char err[256];
    assert_int_equal(pgo_key_load(f->key, a, err, sizeof err), 0);
    assert_int_equal(pgo_key_load(f->key, b, err, sizeof err), 0);
    assert_memory_equal(a, b, sizeof a);

    /* Readable by the group: refused, and so is the store. */
    assert_int_equal(chmod(f->key, 0640), 0);
    assert_int_equal(pgo_key_load(f->key, a, err, sizeof err), -1);
    assert_non_null(strstr(err, "0600"));
    assert_null(pgo_conn_open(f->db, f->key, err, sizeof err));
    assert_int_equal(chmod(f->key, 0600), 0);

    /* A short key file is refused rather than padded. */
    char other[160];
    snprintf(other, sizeof other, "%s/short.key", f->dir);
    int fd = open(other, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    close(fd);
    assert_int_equal(pgo_key_load(other, a, err, sizeof err), -1);
    /* A missing directory: an error, not a crash. */
    assert_int_equal(pgo_key_load("/nonexistent-dir/pgo.key", a, err, sizeof err), -1);
}

static void seal_round_trip_and_tamper(void **state)
{
    uint8_t key[PGO_KEY_BYTES], other[PGO_KEY_BYTES];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    uint8_t *sealed;
    size_t len;
    assert_int_equal(pgo_seal(key, "row 1", "secret-token", 12, &sealed, &len), 0);
    assert_int_equal(len, 1 + 12 + 12 + 16);
    char *plain;
    size_t plain_len;
    assert_int_equal(pgo_open_sealed(key, "row 1", sealed, len, &plain, &plain_len), 0);
    assert_string_equal(plain, "secret-token");
    assert_int_equal(plain_len, 12);
    free(plain);
    assert_int_equal(pgo_open_sealed(other, "row 1", sealed, len, &plain, NULL), -1);
    assert_int_equal(pgo_open_sealed(key, "row 2", sealed, len, &plain, NULL), -1);
    assert_null(plain);
    for (size_t i = 0; i < len; i++) {
        sealed[i] ^= 1;
        assert_int_equal(pgo_open_sealed(key, "row 1", sealed, len, &plain, NULL), -1);
        sealed[i] ^= 1;
    }
    assert_int_equal(pgo_open_sealed(key, "row 1", sealed, 20, &plain, NULL), -1);
    /* Two seals of one value differ (fresh nonce). */
    uint8_t *again;
    size_t again_len;
    assert_int_equal(pgo_seal(key, "row 1", "secret-token", 12, &again, &again_len), 0);
    assert_memory_not_equal(sealed, again, len);
    free(again);
    free(sealed);
}

static int collect_ids(const struct pgo_connection *c, void *ctx)
{
    int64_t *ids = ctx;
    ids[++ids[0]] = c->id;
    return 0;
}

static void connections_per_account(void **state)
{
    struct fixture *f = *state;
    int64_t a1, a2, b1, again;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW, &a1), PGO_CONN_OK);
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "51", NOW, &a2), PGO_CONN_OK);
    assert_int_equal(pgo_conn_begin(f->s, BOB, GP, "48", NOW, &b1), PGO_CONN_OK);
    assert_true(a1 != a2 && a1 != b1);
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW + 5, &again), PGO_CONN_OK);
    assert_int_equal(again, a1);

    struct pgo_connection c;
    assert_int_equal(pgo_conn_get(f->s, ALICE, a1, &c), PGO_CONN_OK);
    assert_string_equal(c.provider, GP);
    assert_string_equal(c.service, "48");
    assert_int_equal(c.state, PGO_CONN_PENDING);
    assert_int_equal(c.created, NOW);
    assert_int_equal(c.last_collected, 0);
    assert_string_equal(c.last_result, "");
    /* Bob cannot see Alice's connection, nor change or delete it. */
    assert_int_equal(pgo_conn_get(f->s, BOB, a1, &c), PGO_CONN_NOT_FOUND);
    assert_int_equal(pgo_conn_delete(f->s, BOB, a1), PGO_CONN_NOT_FOUND);
    assert_int_equal(pgo_conn_get(f->s, ALICE, 9999, &c), PGO_CONN_NOT_FOUND);

    int64_t ids[8] = {0};
    assert_int_equal(pgo_conn_list(f->s, ALICE, collect_ids, ids), PGO_CONN_OK);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], a1);
    assert_int_equal(ids[2], a2);

    assert_int_equal(pgo_conn_collected(f->s, a1, NOW + 60, "12 resources from 28 searches"),
                     PGO_CONN_OK);
    assert_int_equal(pgo_conn_set_state(f->s, a1, PGO_CONN_REVOKED), PGO_CONN_OK);
    reopen(f);
    assert_int_equal(pgo_conn_get(f->s, ALICE, a1, &c), PGO_CONN_OK);
    assert_int_equal(c.last_collected, NOW + 60);
    assert_string_equal(c.last_result, "12 resources from 28 searches");
    assert_int_equal(c.state, PGO_CONN_REVOKED);
    /* Connecting again revives a revoked connection as pending, same id. */
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW + 70, &again), PGO_CONN_OK);
    assert_int_equal(again, a1);
    assert_int_equal(pgo_conn_get(f->s, ALICE, a1, &c), PGO_CONN_OK);
    assert_int_equal(c.state, PGO_CONN_PENDING);

    assert_int_equal(pgo_conn_delete(f->s, ALICE, a2), PGO_CONN_OK);
    assert_int_equal(pgo_conn_get(f->s, ALICE, a2, &c), PGO_CONN_NOT_FOUND);
    /* A deleted id is never reused. */
    int64_t fresh;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "51", NOW, &fresh), PGO_CONN_OK);
    assert_true(fresh != a2);

    /* Malformed arguments. */
    assert_int_equal(pgo_conn_begin(f->s, "", GP, "48", NOW, &again), PGO_CONN_INVALID);
    assert_int_equal(pgo_conn_begin(f->s, ALICE, NULL, "48", NOW, &again), PGO_CONN_INVALID);
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(pgo_conn_begin(f->s, ALICE, longname, "48", NOW, &again), PGO_CONN_INVALID);
    assert_int_equal(pgo_conn_set_state(f->s, 12345, PGO_CONN_CONNECTED), PGO_CONN_NOT_FOUND);
    assert_string_equal(pgo_conn_state_name(PGO_CONN_CONNECTED), "connected");
}

static struct pgo_pending pending_for(int64_t conn, const char *account)
{
    struct pgo_pending p = {.connection = conn};
    snprintf(p.account, sizeof p.account, "%s", account);
    snprintf(p.verifier, sizeof p.verifier, "%s", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    snprintf(p.redirect_uri, sizeof p.redirect_uri, "%s", "https://pgo.test/connect/callback");
    snprintf(p.correlation_id, sizeof p.correlation_id, "%s",
             "0d9a3b8e-0000-4000-8000-000000000001");
    return p;
}

static void pending_is_single_use_bound_and_expires(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW, &id), PGO_CONN_OK);
    struct pgo_pending p = pending_for(id, ALICE), out;
    const char *st1 = "state-one-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_int_equal(pgo_pending_put(f->s, st1, &p, NOW), PGO_CONN_OK);
    /* Neither the state nor the verifier is stored in the clear. */
    assert_false(any_db_file_has(f, st1));
    assert_false(any_db_file_has(f, p.verifier));
    assert_true(any_db_file_has(f, p.redirect_uri));

    assert_int_equal(pgo_pending_take(f->s, st1, ALICE, NOW + 30, &out), PGO_CONN_OK);
    assert_int_equal(out.connection, id);
    assert_string_equal(out.verifier, p.verifier);
    assert_string_equal(out.redirect_uri, p.redirect_uri);
    assert_string_equal(out.correlation_id, p.correlation_id);
    assert_int_equal(out.expires, NOW + PGO_PENDING_TTL);
    /* Used: gone. */
    assert_int_equal(pgo_pending_take(f->s, st1, ALICE, NOW + 31, &out), PGO_CONN_NOT_FOUND);

    /* Another account's callback does not get it, and uses it up. */
    assert_int_equal(pgo_pending_put(f->s, "state-two", &p, NOW), PGO_CONN_OK);
    assert_int_equal(pgo_pending_take(f->s, "state-two", BOB, NOW, &out), PGO_CONN_NOT_FOUND);
    assert_string_equal(out.verifier, "");
    assert_int_equal(pgo_pending_take(f->s, "state-two", ALICE, NOW, &out), PGO_CONN_NOT_FOUND);

    /* Ten minutes: expired, and gone. */
    assert_int_equal(pgo_pending_put(f->s, "state-three", &p, NOW), PGO_CONN_OK);
    assert_int_equal(pgo_pending_take(f->s, "state-three", ALICE, NOW + PGO_PENDING_TTL, &out),
                     PGO_CONN_EXPIRED);
    assert_int_equal(pgo_pending_take(f->s, "state-three", ALICE, NOW, &out), PGO_CONN_NOT_FOUND);

    /* A pending authorization for a connection of another account is refused at put. */
    struct pgo_pending forged = pending_for(id, BOB);
    assert_int_equal(pgo_pending_put(f->s, "state-four", &forged, NOW), PGO_CONN_NOT_FOUND);
    /* Unknown states, and ones that are too long. */
    assert_int_equal(pgo_pending_take(f->s, "never-made", NULL, NOW, &out), PGO_CONN_NOT_FOUND);
    char huge[1024];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(pgo_pending_take(f->s, huge, NULL, NOW, &out), PGO_CONN_NOT_FOUND);
    struct pgo_pending bad = p;
    bad.verifier[0] = '\0';
    assert_int_equal(pgo_pending_put(f->s, "state-five", &bad, NOW), PGO_CONN_INVALID);

    /* Deleting the connection takes its pending authorizations along. */
    assert_int_equal(pgo_pending_put(f->s, "state-six", &p, NOW), PGO_CONN_OK);
    assert_int_equal(pgo_conn_delete(f->s, ALICE, id), PGO_CONN_OK);
    assert_int_equal(pgo_pending_take(f->s, "state-six", ALICE, NOW, &out), PGO_CONN_NOT_FOUND);
}

static void tokens_are_sealed_and_kept(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW, &id), PGO_CONN_OK);
    struct pgo_tokens t;
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_NOT_FOUND);
    const char *access = "ACCESS-abcdefghijklmnopqrstuvwxyz0123456789";
    const char *refresh = "REFRESH-zyxwvutsrqponmlkjihgfedcba9876543210";
    assert_int_equal(pgo_tokens_put(f->s, id, access, refresh, NOW + 900, "huisartsdelinde", NOW),
                     PGO_CONN_OK);
    assert_false(any_db_file_has(f, access));
    assert_false(any_db_file_has(f, refresh));

    struct pgo_connection c;
    assert_int_equal(pgo_conn_get(f->s, ALICE, id, &c), PGO_CONN_OK);
    assert_int_equal(c.state, PGO_CONN_CONNECTED);
    reopen(f);
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_OK);
    assert_string_equal(t.access, access);
    assert_string_equal(t.refresh, refresh);
    assert_int_equal(t.access_expires, NOW + 900);
    assert_string_equal(t.scope, "huisartsdelinde");
    pgo_tokens_clear(&t);
    assert_null(t.access);

    /* A refresh without rotation keeps the refresh token; with rotation it is replaced. */
    assert_int_equal(
        pgo_tokens_put(f->s, id, "ACCESS-2", NULL, NOW + 1800, "huisartsdelinde", NOW + 900),
        PGO_CONN_OK);
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_OK);
    assert_string_equal(t.access, "ACCESS-2");
    assert_string_equal(t.refresh, refresh);
    pgo_tokens_clear(&t);
    assert_int_equal(pgo_tokens_put(f->s, id, "ACCESS-3", "REFRESH-3", 0, NULL, NOW + 1000),
                     PGO_CONN_OK);
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_OK);
    assert_string_equal(t.refresh, "REFRESH-3");
    assert_string_equal(t.scope, "");
    pgo_tokens_clear(&t);

    /* Tokens for a connection that does not exist are refused. */
    assert_int_equal(pgo_tokens_put(f->s, 4242, "A", NULL, 0, NULL, NOW), PGO_CONN_NOT_FOUND);
    assert_int_equal(pgo_tokens_put(f->s, id, "", NULL, 0, NULL, NOW), PGO_CONN_INVALID);

    /* Sealed for their row: moving the blob to another connection does not decrypt. */
    int64_t other;
    assert_int_equal(pgo_conn_begin(f->s, BOB, GP, "48", NOW, &other), PGO_CONN_OK);
    assert_int_equal(pgo_tokens_put(f->s, other, "BOB-ACCESS", NULL, 0, NULL, NOW), PGO_CONN_OK);
    pgo_conn_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE token SET access = (SELECT access FROM token WHERE connection = %lld) "
             "WHERE connection = %lld",
             (long long)id, (long long)other);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    reopen(f);
    assert_int_equal(pgo_tokens_get(f->s, other, &t), PGO_CONN_ERROR);
    assert_null(t.access);

    /* Another key (a lost pgo.key replaced by a fresh one) is refused at open. */
    pgo_conn_close(f->s);
    f->s = NULL;
    char saved[160], err[256];
    snprintf(saved, sizeof saved, "%s.saved", f->key);
    assert_int_equal(rename(f->key, saved), 0);
    assert_null(pgo_conn_open(f->db, f->key, err, sizeof err));
    assert_non_null(strstr(err, "not the key of this pgo.db"));
    assert_int_equal(rename(saved, f->key), 0);
    reopen(f);

    assert_int_equal(pgo_tokens_delete(f->s, id), PGO_CONN_OK);
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_NOT_FOUND);
    assert_int_equal(pgo_tokens_delete(f->s, id), PGO_CONN_NOT_FOUND);
}

static void tokens_go_with_their_connection(void **state)
{
    struct fixture *f = *state;
    int64_t id;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "48", NOW, &id), PGO_CONN_OK);
    assert_int_equal(pgo_tokens_put(f->s, id, "A", "R", 0, NULL, NOW), PGO_CONN_OK);
    assert_int_equal(pgo_conn_delete(f->s, ALICE, id), PGO_CONN_OK);
    struct pgo_tokens t;
    assert_int_equal(pgo_tokens_get(f->s, id, &t), PGO_CONN_NOT_FOUND);
}

struct shares {
    int n;
    char what[4][128];
    int64_t at[4];
    char provider[4][PGO_PROVIDER_MAX + 1];
};

static int collect_share(const struct pgo_share_record *r, void *ctx)
{
    struct shares *s = ctx;
    snprintf(s->what[s->n], sizeof s->what[0], "%s", r->what);
    snprintf(s->provider[s->n], sizeof s->provider[0], "%s", r->provider);
    s->at[s->n++] = r->shared_at;
    return 0;
}

static void shares_are_recorded_per_account(void **state)
{
    struct fixture *f = *state;
    int64_t id, bob;
    assert_int_equal(pgo_conn_begin(f->s, ALICE, GP, "53", NOW, &id), PGO_CONN_OK);
    assert_int_equal(pgo_conn_begin(f->s, BOB, GP, "53", NOW, &bob), PGO_CONN_OK);
    int64_t sid;
    assert_int_equal(
        pgo_share_add(f->s, ALICE, id, "{\"observations\":[\"a\"]}", 1, "1 stored", NOW + 10, &sid),
        PGO_CONN_OK);
    assert_true(sid > 0);
    assert_int_equal(pgo_share_add(f->s, ALICE, id, "{\"observations\":[\"b\",\"c\"]}", 2,
                                   "2 stored", NOW + 20, NULL),
                     PGO_CONN_OK);
    /* Not through another account's connection. */
    assert_int_equal(pgo_share_add(f->s, ALICE, bob, "{}", 1, "", NOW, NULL), PGO_CONN_NOT_FOUND);

    /* The record outlives the connection. */
    assert_int_equal(pgo_conn_delete(f->s, ALICE, id), PGO_CONN_OK);
    struct shares s = {0};
    assert_int_equal(pgo_share_list(f->s, ALICE, collect_share, &s), PGO_CONN_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "{\"observations\":[\"b\",\"c\"]}");
    assert_int_equal(s.at[0], NOW + 20);
    assert_string_equal(s.provider[1], GP);
    struct shares none = {0};
    assert_int_equal(pgo_share_list(f->s, BOB, collect_share, &none), PGO_CONN_OK);
    assert_int_equal(none.n, 0);

    /* Account deletion takes it all. */
    assert_int_equal(pgo_conn_delete_account(f->s, ALICE), PGO_CONN_OK);
    struct shares after = {0};
    assert_int_equal(pgo_share_list(f->s, ALICE, collect_share, &after), PGO_CONN_OK);
    assert_int_equal(after.n, 0);
    struct pgo_connection c;
    assert_int_equal(pgo_conn_get(f->s, BOB, bob, &c), PGO_CONN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(key_file_is_private_and_reused, setup, teardown),
        cmocka_unit_test(seal_round_trip_and_tamper),
        cmocka_unit_test_setup_teardown(connections_per_account, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_is_single_use_bound_and_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(tokens_are_sealed_and_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(tokens_go_with_their_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(shares_are_recorded_per_account, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
