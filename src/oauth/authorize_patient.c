/* Finding the patient's FHIR record by BSN (authorize_priv.h): a search of the DVA's store for
 * Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|<bsn>, over the same token index rows
 * a FHIR search and a conditional reference use. */
#include <string.h>

#include "oauth/authorize_priv.h"
#include "util/log.h"

struct found {
    char id[OAUTH_PATIENT_ID_MAX];
    size_t n;
};

static int take(void *ctx, const struct store_row *row)
{
    struct found *f = ctx;
    if (f->n++ == 0) {
        size_t len = strnlen(row->id, sizeof f->id);
        if (len < sizeof f->id) memcpy(f->id, row->id, len + 1);
    }
    return 0;
}

int authz_find_patient(struct store *store, const char *bsn, char id[OAUTH_PATIENT_ID_MAX])
{
    if (!store || !bsn || !*bsn) return 0;
    struct store_value value = {.cmp = STORE_EQ, .system = AUTHZ_BSN_SYSTEM, .code = bsn};
    struct store_clause clause = {.kind = STORE_Q_IX,
                                  .ix_kind = STORE_IX_TOKEN,
                                  .param = "identifier",
                                  .match = STORE_M_DEFAULT,
                                  .values = &value,
                                  .nvalues = 1};
    struct store_search_q q = {.type = "Patient", .clauses = &clause, .nclauses = 1, .count = 2};
    struct found f = {.n = 0};
    bool more = false;
    if (store->ops->search(store, &q, take, &f, NULL, &more) != STORE_OK) {
        log_bug("patient lookup by identifier failed");
        return -1;
    }
    if (f.n == 0) return 0;
    if (f.n > 1 || more) {
        log_warn("several Patient records carry the same BSN identifier; refusing to choose");
        return -1;
    }
    if (!f.id[0]) return -1;
    memcpy(id, f.id, strlen(f.id) + 1);
    return 1;
}
