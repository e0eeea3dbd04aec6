/* What a caller may see and do through the FHIR API: the contract between whoever authenticates
 * a request (the DVA's bearer-token check in src/oauth) and the FHIR handlers that enforce it.
 *
 * A request with req->access == NULL is unrestricted: loopback dev mode (`serve --no-auth`),
 * `regie import`, and the PGO's own vault calls. A request with a struct rest_access sees exactly
 * one patient's compartment and only the resource types of the data service its token was issued
 * for (MedMij: "a token gives exactly one patient's compartment and only the resource types of
 * its data service"):
 *
 *   - read/vread/history of a resource outside the compartment or of another type: 404 (not 403,
 *     so a token cannot probe which ids exist elsewhere);
 *   - search: the compartment is implied (as Patient/{patient_id}/{type}?...); a `patient`,
 *     `subject` or other compartment-selecting parameter in the URL is refused with 400
 *     (MedMij: URLs never name the patient); system-level search and types outside `types` are
 *     refused with 403;
 *   - includes only return resources the same access may read;
 *   - writes: only when `may_share`, only `batch` Bundles POSTed to the base whose entries are
 *     POSTs of `share_types`; a Patient entry (MedMij's share Bundle starts with one) is not stored
 *     but maps its fullUrl to patient_id, so the Observations' subject/performer point at the
 *     token's patient whatever the PGO wrote;
 *   - everything else: 403.
 *
 * Every access is recorded in the audit log with who/client/grant (src/audit). */
#ifndef REGIE_REST_ACCESS_H
#define REGIE_REST_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#define REST_ACCESS_TYPES_MAX 64

struct rest_access {
    char patient_id[65]; /* the Patient resource id whose compartment is visible */
    char subject[64];    /* who: the account subject (uuid) of the person who consented */
    char client_id[256]; /* which client: the PGO host name (OAuth client_id) */
    char grant_id[40];   /* which consent/token family (never the token itself) */
    char service_id[16]; /* the MedMij data service (gegevensdienst) id */
    char purpose[16];    /* "collect" or "share": the audit log's why */
    const char *types[REST_ACCESS_TYPES_MAX]; /* readable resource types (static strings) */
    size_t ntypes;                            /* 0: nothing readable */
    bool may_share;                           /* batch POST of share_types allowed */
    const char *share_types[REST_ACCESS_TYPES_MAX];
    size_t nshare_types;
};

/* Whether type is in access->types (or share_types when for_write). */
bool rest_access_type_ok(const struct rest_access *access, const char *type, bool for_write);

#endif
