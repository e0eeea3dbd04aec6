/* The account database: opening, the schema, configuration and small shared helpers. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/accounts_internal.h"
#include "util/log.h"
#include "util/sqlfile.h"

/* Names this file in the log. */
#define WHO "accounts"

/* Numbered migrations; migration N brings the schema from version N-1 to N. Append only. */
static const char *const migrations[] = {
    /* 1: accounts, sessions, server secrets. */
    "CREATE TABLE account("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  role TEXT NOT NULL CHECK (role IN ('patient', 'professional', 'admin')),"
    "  subject TEXT NOT NULL UNIQUE," /* random UUID: the account's id towards the rest of regie */
    "  bsn TEXT UNIQUE,"              /* NULL for accounts without one */
    "  password TEXT NOT NULL,"       /* argon2id encoded hash */
    "  totp_secret TEXT NOT NULL,"    /* base32 */
    "  totp_last_step INTEGER NOT NULL DEFAULT 0," /* the last TOTP step accepted (replay guard) */
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  last_failure INTEGER NOT NULL DEFAULT 0,"
    "  locked_until INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE session("
    "  id_hash BLOB PRIMARY KEY," /* SHA-256 of the session id; the id itself is never stored */
    "  account INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
    "  created INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX session_account ON session(account);"
    "CREATE TABLE server_secret(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
    /* 2: a second TOTP secret shown to a user who replaces the app; it takes over from the
     * current one only when a code of it is entered (accounts_totp_confirm). */
    "ALTER TABLE account ADD COLUMN totp_pending TEXT;",
    /* 3: self sign-up (accounts_signup.c): an account made through the web app is pending until
     * the first code of its secret is entered, and is removed when that has not happened by
     * pending_until (NULL: an active account). */
    "ALTER TABLE account ADD COLUMN pending_until INTEGER;"
    "CREATE INDEX account_pending ON account(pending_until) WHERE pending_until IS NOT NULL;",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

static int64_t system_now(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

void accounts_config_default(struct accounts_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->password = password_params_default();
    cfg->account_lockout = lockout_policy_account_default();
    cfg->address_lockout = lockout_policy_address_default();
    cfg->address_table_size = 4096;
    cfg->session = session_policy_default();
    cfg->clock.now = system_now;
    memcpy(cfg->issuer, "regie", sizeof "regie");
}

int64_t accounts_now(const struct accounts *a)
{
    return a->cfg.clock.now(a->cfg.clock.ctx);
}

const char *accounts_rc_text(enum accounts_rc rc)
{
    switch (rc) {
    case ACCOUNTS_OK:
        return "ok";
    case ACCOUNTS_NOT_FOUND:
        return "no such account";
    case ACCOUNTS_EXISTS:
        return "the username or BSN is already taken";
    case ACCOUNTS_INVALID:
        return "invalid argument";
    case ACCOUNTS_DENIED:
        return "login refused";
    case ACCOUNTS_LOCKED:
        return "too many failed logins; try again later";
    case ACCOUNTS_ERROR:
        return "account storage failed";
    }
    return "unknown result";
}

static const char *const role_names[] = {"patient", "professional", "admin"};

const char *account_role_name(enum account_role role)
{
    return (unsigned)role < 3 ? role_names[role] : "unknown";
}

int account_role_parse(const char *name, enum account_role *role)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, role_names[i])) {
            *role = (enum account_role)i;
            return 0;
        }
    return -1;
}

bool account_username_valid(const char *name)
{
    size_t n = strnlen(name, ACCOUNT_USERNAME_MAX + 1);
    if (n == 0 || n > ACCOUNT_USERNAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

void accounts_enrolment_free(struct accounts_enrolment *e)
{
    if (!e) return;
    OPENSSL_cleanse(e->secret, sizeof e->secret);
    if (e->uri) {
        OPENSSL_cleanse(e->uri, strlen(e->uri));
        free(e->uri);
    }
    e->uri = NULL;
}

sqlite3_stmt *accounts_prepare(struct accounts *a, const char *sql)
{
    return sqlfile_prepare(a->db, sql, WHO);
}

int accounts_exec(struct accounts *a, sqlite3_stmt *st)
{
    return sqlfile_exec_done(a->db, st, WHO);
}

void accounts_row(sqlite3_stmt *st, struct account *out, struct lockout_state *lock)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    sqlfile_column_text(st, 1, out->username, sizeof out->username);
    char role[16];
    sqlfile_column_text(st, 2, role, sizeof role);
    if (account_role_parse(role, &out->role) != 0) out->role = ACCOUNT_PATIENT;
    sqlfile_column_text(st, 3, out->subject, sizeof out->subject);
    sqlfile_column_text(st, 4, out->bsn, sizeof out->bsn);
    out->disabled = sqlite3_column_int(st, 5) != 0;
    out->created = sqlite3_column_int64(st, 6);
    struct lockout_state s = {.failures = (uint32_t)sqlite3_column_int64(st, 7),
                              .last_failure = sqlite3_column_int64(st, 8),
                              .locked_until = sqlite3_column_int64(st, 9)};
    out->failures = s.failures;
    out->locked_until = s.locked_until;
    out->pending_until = sqlite3_column_int64(st, 10); /* NULL reads as 0: active */
    if (lock) *lock = s;
}

int accounts_end_sessions(struct accounts *a, int64_t account_id)
{
    sqlite3_stmt *st = accounts_prepare(a, "DELETE FROM session WHERE account = ?");
    if (st) sqlite3_bind_int64(st, 1, account_id);
    return accounts_exec(a, st);
}

/* Reads the CSRF key, making it on first open. */
static int load_csrf_key(struct accounts *a)
{
    uint8_t fresh[SESSION_KEY_BYTES];
    if (RAND_bytes(fresh, sizeof fresh) != 1) return -1;
    sqlite3_stmt *st =
        accounts_prepare(a, "INSERT OR IGNORE INTO server_secret(name, value) VALUES ('csrf', ?)");
    if (st) sqlite3_bind_blob(st, 1, fresh, sizeof fresh, SQLITE_TRANSIENT);
    OPENSSL_cleanse(fresh, sizeof fresh);
    if (accounts_exec(a, st) != 0) return -1;
    st = accounts_prepare(a, "SELECT value FROM server_secret WHERE name = 'csrf'");
    if (!st) return -1;
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SESSION_KEY_BYTES) {
        memcpy(a->csrf_key, sqlite3_column_blob(st, 0), SESSION_KEY_BYTES);
        rc = 0;
    } else {
        log_bug("accounts: the CSRF key is missing or malformed");
    }
    sqlite3_finalize(st);
    return rc;
}

static bool config_valid(const struct accounts_config *cfg)
{
    return password_params_valid(&cfg->password) && cfg->address_table_size > 0 &&
           cfg->session.idle_seconds > 0 && cfg->session.absolute_seconds > 0 &&
           cfg->session.touch_seconds >= 0 && cfg->account_lockout.backoff_base >= 0 &&
           cfg->address_lockout.backoff_base >= 0;
}

struct accounts *accounts_open(const char *path, const struct accounts_config *cfg)
{
    struct accounts *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (cfg)
        a->cfg = *cfg;
    else
        accounts_config_default(&a->cfg);
    if (!a->cfg.clock.now) a->cfg.clock.now = system_now;
    if (!a->cfg.issuer[0]) memcpy(a->cfg.issuer, "regie", sizeof "regie");
    if (!config_valid(&a->cfg)) {
        log_bug("accounts: invalid configuration");
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    /* Readable by its owner only: it holds password hashes and TOTP secrets. */
    char why[256];
    if (sqlfile_open(path, SQLFILE_FOREIGN_KEYS | SQLFILE_SECURE_DELETE, WHO, &a->db, why,
                     sizeof why) == SQLFILE_OPEN_FAILED)
        log_bug("accounts: cannot open %s: %s", path, why);
    if (!a->db || sqlfile_migrate(a->db, migrations, SCHEMA_VERSION, WHO) != 0 ||
        load_csrf_key(a) != 0)
        goto fail;
    a->addresses = lockout_table_new(&a->cfg.address_lockout, a->cfg.address_table_size);
    if (!a->addresses) goto fail;
    return a;
fail:
    accounts_close(a);
    return NULL;
}

void accounts_close(struct accounts *a)
{
    if (!a) return;
    sqlite3_close(a->db);
    lockout_table_free(a->addresses);
    pthread_mutex_destroy(&a->lock);
    OPENSSL_cleanse(a->csrf_key, sizeof a->csrf_key);
    free(a);
}
