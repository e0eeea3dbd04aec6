/* The local identity provider: a STAND-IN FOR DIGID, for development, demos and tests. It
 * authenticates against regie's own account database (password + TOTP) and returns the account's
 * BSN, where DigiD would return the citizen's. It offers no DigiD assurance level; replace it with
 * an OpenID Connect provider (idp.h) in production. */
#include <stdlib.h>
#include <string.h>

#include "auth/idp.h"

static enum idp_rc local_authenticate(void *ctx, const char *username, const char *password,
                                      const char *totp, const char *client_addr,
                                      struct idp_identity *out, int64_t *retry_after)
{
    if (!username || !password || !totp || !out) return IDP_INVALID;
    struct account acc;
    enum accounts_rc rc = accounts_login(ctx, username, password, strlen(password), totp,
                                         client_addr, &acc, retry_after);
    switch (rc) {
    case ACCOUNTS_OK:
        break;
    case ACCOUNTS_LOCKED:
        return IDP_LOCKED;
    case ACCOUNTS_INVALID:
        return IDP_INVALID;
    case ACCOUNTS_ERROR:
        return IDP_ERROR;
    default:
        return IDP_DENIED;
    }
    memset(out, 0, sizeof *out);
    memcpy(out->subject, acc.subject, sizeof out->subject);
    memcpy(out->bsn, acc.bsn, sizeof out->bsn);
    out->role = acc.role;
    out->account_id = acc.id;
    memcpy(out->display, acc.username, sizeof out->display);
    memset(&acc, 0, sizeof acc);
    return IDP_OK;
}

struct idp *idp_local_new(struct accounts *accounts)
{
    if (!accounts) return NULL;
    struct idp *idp = calloc(1, sizeof *idp);
    if (!idp) return NULL;
    idp->name = "regie local login (stand-in for DigiD, not DigiD)";
    idp->authenticate = local_authenticate;
    idp->ctx = accounts;
    return idp;
}

void idp_free(struct idp *idp)
{
    if (!idp) return;
    if (idp->destroy) idp->destroy(idp->ctx);
    free(idp);
}
