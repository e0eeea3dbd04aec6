/* A DVA's front channel on temporary files, for the authorize tests: lists (OCL with a client on
 * the Whitelist and one that is not, GNL), an account store with cheap argon2 and a fake clock, a
 * FHIR store holding one Patient with a BSN identifier, the local stand-in for DigiD, and the
 * oauth_server over them. Included by tests/unit/oauth/test_authorize*.c. */
#ifndef TESTS_UNIT_OAUTH_AUTHORIZE_FIXTURE_H
#define TESTS_UNIT_OAUTH_AUTHORIZE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/base32.h"
#include "auth/totp.h"
#include "oauth/authorize_priv.h"
#include "oauth/oauth.h"

#define FX_UNUSED          __attribute__((unused))
#define FX_CLIENT          "pgo.regie.test"
#define FX_CLIENT_ORG      "Mijn PGO <B.V.>"
#define FX_NOT_WHITELISTED "stale.regie.test"
#define FX_PROVIDER        "huisartsdelinde@medmij"
#define FX_REDIRECT        "https://pgo.regie.test/connect/callback"
#define FX_CHALLENGE       "JqCpvtfpdOrl4k2D08H629uz2YVcOJ_nMQuUIcZEqIM" /* S256 of FX_VERIFIER */
#define FX_VERIFIER        "dBjftJeZ4CVP-mJ0kaq_bFt6SOn-RdcAr6xhvnyCVIU"
#define FX_PASSWORD        "correct horse battery"
#define FX_BSN             "999911120" /* passes the 11-proef */
#define FX_BSN_NO_RECORD   "999912331" /* passes too; no Patient carries it */
#define FX_PATIENT_ID      "pat-1"

struct fx {
    char dir[64];
    int64_t now;
    struct medmij_lists *lists;
    struct accounts *accounts;
    struct idp *idp;
    struct store *store;
    struct oauth_server *server;
    char secret[TOTP_SECRET_B32];          /* patient "jan" (BSN with a record) */
    char secret_norecord[TOTP_SECRET_B32]; /* patient "piet" (BSN without a record) */
    char secret_prof[TOTP_SECRET_B32];     /* professional "dokter" (no BSN) */
};

static int64_t fx_clock(void *ctx)
{
    return ((struct fx *)ctx)->now;
}

static FX_UNUSED void fx_offer(struct fx *f, enum medmij_list_kind kind,
                               const struct medmij_list *l)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    char err[256];
    if (medmij_list_write(l, &out, err, sizeof err) != 0) {
        fprintf(stderr, "list write: %s\n", err);
        abort();
    }
    if (medmij_lists_offer(f->lists, kind, out.data, out.len, err, sizeof err) !=
        MEDMIJ_OFFER_SWAPPED) {
        fprintf(stderr, "list offer: %s\n", err);
        abort();
    }
    buf_free(&out);
}

static FX_UNUSED void fx_lists(struct fx *f)
{
    static const struct medmij_client clients[] = {
        {.hostname = FX_CLIENT, .organisation = FX_CLIENT_ORG},
        {.hostname = FX_NOT_WHITELISTED, .organisation = "Oude PGO"},
    };
    struct medmij_list ocl = {.kind = MEDMIJ_OCL,
                              .volgnummer = 1,
                              .tijdstempel = "2026-11-30T12:00:00Z",
                              .clients = clients,
                              .n_clients = 2};
    fx_offer(f, MEDMIJ_OCL, &ocl);
    static const char *const nodes[] = {FX_CLIENT, "gp.regie.test"};
    struct medmij_list wl = {.kind = MEDMIJ_WHITELIST,
                             .volgnummer = 1,
                             .tijdstempel = "2026-11-30T12:00:00Z",
                             .nodes = nodes,
                             .n_nodes = 2};
    fx_offer(f, MEDMIJ_WHITELIST, &wl);
    static const struct medmij_service_name names[] = {{.id = "48", .name = "Basisgegevens Zorg"}};
    struct medmij_list gnl = {.kind = MEDMIJ_GNL,
                              .volgnummer = 1,
                              .tijdstempel = "2026-11-30T12:00:00Z",
                              .service_names = names,
                              .n_service_names = 1};
    fx_offer(f, MEDMIJ_GNL, &gnl);
}

static FX_UNUSED int fx_put_patient(struct store_txn *tx, void *ctx)
{
    struct store *s = ctx;
    static const struct store_ix ix[] = {
        {.kind = STORE_IX_TOKEN, .param = "identifier", .system = AUTHZ_BSN_SYSTEM, .code = FX_BSN},
    };
    static const char json[] = "{\"resourceType\":\"Patient\",\"id\":\"" FX_PATIENT_ID "\"}";
    struct store_put p = {.type = "Patient",
                          .id = FX_PATIENT_ID,
                          .version = 1,
                          .last_updated = "2026-11-30T12:00:00.000Z",
                          .json = json,
                          .json_len = sizeof json - 1,
                          .compartment = FX_PATIENT_ID,
                          .ix = ix,
                          .nix = 1};
    return s->ops->tx_put(tx, &p) == STORE_OK ? 0 : 1;
}

static FX_UNUSED void fx_account(struct fx *f, const char *user, enum account_role role,
                                 const char *bsn, char secret[TOTP_SECRET_B32])
{
    struct accounts_enrolment e;
    const char *why = NULL;
    if (accounts_add(f->accounts, user, role, bsn, FX_PASSWORD, strlen(FX_PASSWORD), &e, NULL,
                     &why) != ACCOUNTS_OK) {
        fprintf(stderr, "accounts_add %s: %s\n", user, why ? why : "?");
        abort();
    }
    memcpy(secret, e.secret, TOTP_SECRET_B32);
    accounts_enrolment_free(&e);
}

/* The current TOTP code of a secret at the fixture's time. */
static FX_UNUSED void fx_totp(const struct fx *f, const char *secret, char code[7])
{
    uint8_t key[64];
    int n = base32_decode(secret, strlen(secret), key, sizeof key);
    if (n <= 0) abort();
    snprintf(code, 7, "%06u", hotp(key, (size_t)n, (uint64_t)totp_step(f->now), 6));
}

static FX_UNUSED void fx_open(struct fx *f, bool with_lists)
{
    memset(f, 0, sizeof *f);
    f->now = 1800000000;
    snprintf(f->dir, sizeof f->dir, "/tmp/regie-authz-XXXXXX");
    if (!mkdtemp(f->dir)) abort();
    char path[128], err[256];

    struct medmij_lists_config lc = {0};
    f->lists = medmij_lists_new(&lc);
    if (with_lists) fx_lists(f);

    struct accounts_config ac;
    accounts_config_default(&ac);
    ac.password = (struct password_params){.t_cost = 1, .m_cost_kib = 256, .lanes = 1};
    ac.clock = (struct accounts_clock){.now = fx_clock, .ctx = f};
    snprintf(path, sizeof path, "%s/accounts.db", f->dir);
    f->accounts = accounts_open(path, &ac);
    if (!f->accounts) abort();
    fx_account(f, "jan", ACCOUNT_PATIENT, FX_BSN, f->secret);
    fx_account(f, "piet", ACCOUNT_PATIENT, FX_BSN_NO_RECORD, f->secret_norecord);
    fx_account(f, "dokter", ACCOUNT_PROFESSIONAL, NULL, f->secret_prof);
    f->idp = idp_local_new(f->accounts);

    struct store_config sc;
    snprintf(path, sizeof path, "%s/regie.db", f->dir);
    store_config_defaults(&sc, path);
    sc.durable = false;
    f->store = store_sqlite_open(&sc, err, sizeof err);
    if (!f->store || f->store->ops->write(f->store, fx_put_patient, f->store) != STORE_OK) abort();

    struct oauth_config oc = {.provider_name = FX_PROVIDER,
                              .display_name = "Huisartsenpraktijk De Linde",
                              .public_url = "https://gp.regie.test",
                              .scope_form = OAUTH_EXPECT_PROVIDER,
                              .lists = f->lists,
                              .accounts = f->accounts,
                              .idp = f->idp,
                              .store = f->store,
                              .clock = {.now = fx_clock, .ctx = f}};
    snprintf(path, sizeof path, "%s/oauth.db", f->dir);
    oc.db_path = path;
    oc.services[0] = (struct oauth_service){
        .id = "48", .name = "BgZ", .types = {"Patient", "Condition"}, .ntypes = 2};
    oc.services[1] = (struct oauth_service){
        .id = "49", .name = "Catalogusnaam 49", .types = {"Observation"}, .ntypes = 1};
    oc.services[2] = (struct oauth_service){.id = "53",
                                            .name = "Meetwaarden delen",
                                            .share = true,
                                            .types = {"Observation"},
                                            .ntypes = 1};
    oc.nservices = 3;
    f->server = oauth_server_open(&oc, err, sizeof err);
    if (!f->server) {
        fprintf(stderr, "oauth_server_open: %s\n", err);
        abort();
    }
}

static FX_UNUSED void fx_close(struct fx *f)
{
    oauth_server_close(f->server);
    f->store->ops->close(f->store);
    idp_free(f->idp);
    accounts_close(f->accounts);
    medmij_lists_free(f->lists);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", f->dir);
}

#endif
