/* Removing an account for good (a PGO patient deleting their account): its sessions end and its
 * row goes, with its password hash and TOTP secrets. The subject is never given out again (it is a
 * random UUID); the audit log, which names it, keeps its entries. */
#include <sqlite3.h>

#include "auth/accounts_internal.h"
#include "util/log.h"

enum accounts_rc accounts_delete(struct accounts *a, int64_t account_id)
{
    pthread_mutex_lock(&a->lock);
    enum accounts_rc rc = ACCOUNTS_ERROR;
    sqlite3_stmt *st = accounts_prepare(a, "DELETE FROM account WHERE id = ?");
    if (st && accounts_end_sessions(a, account_id) == 0) {
        sqlite3_bind_int64(st, 1, account_id);
        if (accounts_exec(a, st) == 0)
            rc = sqlite3_changes(a->db) ? ACCOUNTS_OK : ACCOUNTS_NOT_FOUND;
        st = NULL;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&a->lock);
    if (rc == ACCOUNTS_OK) log_info("accounts: account %lld deleted", (long long)account_id);
    return rc;
}
