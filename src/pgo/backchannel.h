/* The PGO's MedMij back channel: what a PGO (the OAuth client, MedMij's DVP) says to a DVA's token
 * and resource endpoints, over mutual TLS with libcurl (pgo/http_client.h). The front of the PGO
 * (pgo/connections.c, api.c, node/pgo.c) drives the OAuth flow and keeps the tokens; this header
 * holds everything that builds a request for a DVA or reads its answer:
 *
 *   - the front-channel pieces a connect needs: PKCE pair, state, the authorization URL;
 *   - the token endpoint: authorization_code and refresh_token grants, RFC 7009 revocation;
 *   - collect: a data service's searches, stored into the PGO's vault (a batch of PUTs) under
 *     deterministic ids, with meta.source and one Provenance per collection;
 *   - share: self-measurements POSTed as a MedMij `batch` Bundle, its batch-response read back.
 *
 * Rules kept everywhere: tokens, codes, verifiers and BSNs are never logged nor put in error
 * text; every request carries a fresh MedMij-Request-ID and the connection's X-Correlation-ID;
 * only https (plain http only to a loopback host, and only when the caller allows it); no
 * redirects followed; every answer read into a capped buffer. See docs/pgo.md.
 *
 * Functions return 0 on success and -1 on failure with a struct pgo_fail filled in (never NULL
 * unless said otherwise). Nothing here keeps global state besides libcurl's global init (done
 * once, thread-safe, by the first call); every function may run on any thread. */
#ifndef REGIE_PGO_BACKCHANNEL_H
#define REGIE_PGO_BACKCHANNEL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/uuid.h"

struct rest_ctx;
struct store;

/* ---- how the PGO calls a peer ---- */

/* The PGO's TLS identity on the back channel and the anchors it trusts there ([tls] client_cert,
 * client_key, peer_ca of docs/node-config.md). Paths to PEM files; NULL members are left to
 * libcurl's defaults (no client certificate; the system trust store). MedMij requires the
 * client certificate on every back-channel call. */
struct pgo_peer_tls {
    const char *client_cert; /* PEM certificate (chain may follow) */
    const char *client_key;  /* PEM private key, unencrypted */
    const char *peer_ca;     /* PEM trust anchors for the DVA's server certificate */
};

#define PGO_TIMEOUT_DEFAULT_S   30          /* [pgo] collect_timeout */
#define PGO_TOKEN_TIMEOUT_S     10          /* MedMij: the token endpoint answers within 10 s */
#define PGO_CONNECT_TIMEOUT_S   10          /* TCP + TLS handshake */
#define PGO_MAX_BODY_DEFAULT    (16u << 20) /* largest answer read from a DVA (one page) */
#define PGO_TOKEN_MAX_BODY      (64u << 10) /* a token response is small; more is refused */
#define PGO_COLLECT_MAX_DEFAULT 10000       /* [pgo] collect_max */

/* Options of one call (or of every request of a collect/share). Zero-initialise, then set what
 * you need: zero members take the defaults above. */
struct pgo_call_opts {
    struct pgo_peer_tls tls;
    long timeout_s;         /* whole request; 0: PGO_TIMEOUT_DEFAULT_S (token calls: 10) */
    long connect_timeout_s; /* 0: PGO_CONNECT_TIMEOUT_S */
    size_t max_body;        /* 0: PGO_MAX_BODY_DEFAULT (token calls: PGO_TOKEN_MAX_BODY) */
    /* X-Correlation-ID: the one sent in the authorization request of this connection (MedMij:
     * the token request repeats it). NULL or "": a new UUID per call. A MedMij-Request-ID is
     * always generated fresh (uuid v4) per HTTP request. */
    const char *correlation_id;
    /* Allow http:// to a loopback host (127.0.0.0/8, ::1, localhost): tests and the dev mode
     * ([tls] plain_loopback). Anything else that is not https:// is refused before connecting. */
    bool allow_plain_loopback;
};

/* Why a call failed. */
enum pgo_fail_kind {
    PGO_FAIL_NONE = 0,
    PGO_FAIL_ARGS,      /* a caller's value is missing or not allowed (e.g. http:// URL) */
    PGO_FAIL_TRANSPORT, /* DNS, connect, TLS handshake/verification, timeout (curl's text) */
    PGO_FAIL_TOO_BIG,   /* the answer passed max_body */
    PGO_FAIL_HTTP,      /* an unexpected HTTP status without an OAuth error body */
    PGO_FAIL_OAUTH,     /* the endpoint answered an RFC 6749 / 7009 error (oauth_error set) */
    PGO_FAIL_PARSE,     /* the answer is not what the protocol says (not JSON, field missing,
                           wrong token_type, ...) */
    PGO_FAIL_STORE,     /* the vault refused a resource (collect) */
    PGO_FAIL_MEMORY,
};

struct pgo_fail {
    enum pgo_fail_kind kind;
    long http_status;              /* 0 when no answer was read */
    char oauth_error[48];          /* RFC 6749 5.2 "error" ("invalid_grant" ...), when kind OAUTH */
    char message[256];             /* for logs and the user: error_description or our reason; never
                                      holds a token, code, verifier or BSN */
    char request_id[UUID_STR_LEN]; /* the MedMij-Request-ID of the failing request ("" if none) */
};

/* ---- front-channel helpers (the connect step) ---- */

#define PGO_PKCE_VERIFIER_LEN  43 /* base64url of 32 random bytes (RFC 7636: 43..128 chars) */
#define PGO_PKCE_CHALLENGE_LEN 43 /* base64url of SHA-256 */
#define PGO_STATE_LEN          43 /* base64url of 32 random bytes */

struct pgo_pkce {
    char verifier[PGO_PKCE_VERIFIER_LEN + 1];
    char challenge[PGO_PKCE_CHALLENGE_LEN + 1]; /* S256 of verifier */
};

/* A fresh PKCE pair: verifier = base64url(32 random bytes), challenge = base64url(SHA-256(ASCII
 * verifier)), both unpadded. 0, or -1 when the random source failed. */
int pgo_pkce_new(struct pgo_pkce *out);
/* The S256 challenge of any verifier (43..128 characters of [A-Za-z0-9-._~]; -1 otherwise). */
int pgo_pkce_challenge(const char *verifier, char out[PGO_PKCE_CHALLENGE_LEN + 1]);
/* An OAuth state value: base64url of 32 random bytes. 0, or -1 when the random source failed. */
int pgo_state_new(char out[PGO_STATE_LEN + 1]);

/* The authorization request of docs medmij.md ("OAuth 2.0 as MedMij profiles it") plus PKCE. */
struct pgo_authorize_params {
    const char *authorization_endpoint; /* the ZAL's AuthorizationEndpointuri */
    const char *client_id;              /* the PGO's host name (OCL Hostname) */
    const char *redirect_uri;           /* <public_url><redirect_path> */
    const char *scope;                  /* "huisartsdelinde" / "huisartsdelinde~53" ... */
    const char *state;                  /* pgo_state_new */
    const char *code_challenge;         /* pgo_pkce.challenge; NULL: no PKCE parameters */
    const char *request_id;             /* MedMij-Request-ID; NULL: a new uuid is made */
    const char *correlation_id;         /* X-Correlation-ID: keep it for the token request */
};

/* Returns the URL (malloc'd; free()) or NULL when a required value (all but code_challenge and
 * request_id) is missing/empty or the endpoint is not an http(s) URL. Parameters in this order:
 * response_type=code, client_id, redirect_uri, scope, state, code_challenge,
 * code_challenge_method=S256, MedMij-Request-ID, X-Correlation-ID; every value percent-encoded
 * (RFC 3986 unreserved characters kept, everything else %XX, space as %20). An endpoint that
 * already has a query gets '&' instead of '?'; a fragment in it is refused. */
char *pgo_authorize_url(const struct pgo_authorize_params *p);

/* ---- the token endpoint ---- */

/* A token response (RFC 6749 5.1, MedMij: token_type Bearer). Strings are malloc'd; free with
 * pgo_token_free. Never log access_token or refresh_token. */
struct pgo_token {
    char *access_token;  /* required */
    char *token_type;    /* always "Bearer" (compared case-insensitively, stored as "Bearer") */
    long expires_in;     /* seconds; -1 when the DVA gave none (MedMij: 900) */
    char *scope;         /* as granted; NULL when absent (then the requested scope holds) */
    char *refresh_token; /* NULL when none was issued */
};
void pgo_token_free(struct pgo_token *t);

/* POST <token_endpoint> with form body grant_type=authorization_code, code, client_id,
 * redirect_uri, code_verifier (left out when NULL); headers MedMij-Request-ID (new),
 * X-Correlation-ID (opts->correlation_id), Accept: application/json. Timeout at most
 * PGO_TOKEN_TIMEOUT_S unless opts sets one. On 0, *out is filled (caller frees). */
int pgo_token_request(const struct pgo_call_opts *opts, const char *token_endpoint,
                      const char *client_id, const char *code, const char *redirect_uri,
                      const char *code_verifier, struct pgo_token *out, struct pgo_fail *f);

/* POST <token_endpoint> with grant_type=refresh_token, refresh_token, client_id, scope (left out
 * when NULL). DVAs rotate refresh tokens: store out->refresh_token when it is set, and keep the
 * old one only when it is NULL. */
int pgo_token_refresh(const struct pgo_call_opts *opts, const char *token_endpoint,
                      const char *client_id, const char *refresh_token, const char *scope,
                      struct pgo_token *out, struct pgo_fail *f);

/* RFC 7009: POST <revoke_endpoint> with token, token_type_hint ("refresh_token" or
 * "access_token"; NULL leaves it out), client_id. 200 is success (RFC 7009 2.2: also for a token
 * the server did not know); anything else fails. */
int pgo_token_revoke(const struct pgo_call_opts *opts, const char *revoke_endpoint,
                     const char *client_id, const char *token, const char *token_type_hint,
                     struct pgo_fail *f);

/* The ZAL names no revocation endpoint. regie's DVA serves it next to the token endpoint
 * (/oauth/token -> /oauth/revoke): returns that URL (malloc'd), made by replacing a last path
 * segment "token" with "revoke", or NULL when the token endpoint's path does not end in /token
 * (then the connection can only be dropped locally). (assumed; see docs/pgo.md) */
char *pgo_revoke_endpoint(const char *token_endpoint);

/* Reads a token endpoint answer (status and body as received). 200 with a JSON object holding a
 * non-empty access_token string, token_type "Bearer" (any case), expires_in a non-negative
 * integer when present, scope/refresh_token strings when present -> 0. A 4xx/5xx with an RFC
 * 6749 error object -> -1, kind OAUTH, oauth_error and message (error_description) copied with
 * their length capped and control characters dropped. Anything else -> -1, kind HTTP or PARSE.
 * Used by the calls above; exposed for tests and the fuzzer. */
int pgo_token_parse(long status, const char *body, size_t len, struct pgo_token *out,
                    struct pgo_fail *f);

/* ---- collect (Verzamelen) ---- */

/* The vault-owner tag on everything collect stores: system PGO_VAULT_TAG_SYSTEM, code = the PGO
 * account that owns the copy (params.owner). The web app finds "my records" with
 * _tag=<system>|<owner>, and a provider's part with _source=<resource endpoint>. */
#define PGO_VAULT_TAG_SYSTEM "urn:regie:pgo:vault-owner"

struct pgo_collect_params {
    struct rest_ctx *vault;        /* the PGO's own FHIR API (node->rest); copies go in through it,
                                      unrestricted */
    const char *resource_endpoint; /* the ZAL's ResourceEndpointuri (the DVA's FHIR base),
                                      no trailing slash needed */
    const char *access_token;      /* Bearer */
    const char *const *searches;   /* the service's [service ID] search list, relative to the
                                      base ("Condition", "Observation/$lastn?code=...") */
    size_t nsearches;
    const char *provider;         /* ZAL name, "huisartsdelinde@medmij" (Provenance agent) */
    const char *provider_display; /* NULL: provider */
    const char *service_id;       /* "48" (recorded in the Provenance) */
    const char *owner;            /* the PGO account (subject) whose vault this is; part of
                                     every derived id, so two accounts never share a copy */
    size_t collect_max;           /* most resources stored; 0: PGO_COLLECT_MAX_DEFAULT */
    const struct pgo_call_opts *call;
    /* The resource types this data service may return ([service ID] types); an entry of another
     * type is not stored (counted in pgo_search_status.skipped; the search still succeeds).
     * NULL / 0: every type. */
    const char *const *types;
    size_t ntypes;
    /* The store under vault (node->store). When given, a copy equal to the one the vault holds
     * (apart from meta.versionId/lastUpdated) is not written again, so re-collecting unchanged
     * records adds no versions. NULL: every copy is written. */
    struct store *vault_store;
};

/* How one search went. */
struct pgo_search_status {
    const char *search; /* params.searches[i] (not copied) */
    long http_status;   /* of the last page read; 0 when nothing was answered */
    size_t pages;       /* searchset pages read */
    size_t resources;   /* entries stored from it (a resource found twice counts twice) */
    size_t skipped;     /* entries of a type outside params.types, not stored */
    bool ok;            /* every page read and stored */
    char error[200];    /* why not, when !ok */
};

struct pgo_collect_result {
    size_t stored;       /* distinct resources now in the vault from this collection */
    size_t unchanged;    /* of those, copies the vault already held as they are (not written) */
    size_t searches_run; /* searches attempted */
    size_t failures;     /* searches not ok */
    bool truncated;      /* collect_max reached: later pages/searches were not read */
    char patient_id[65]; /* local id of the DVA's Patient copy ("" when none was returned) */
    char provenance_id[UUID_STR_LEN];   /* "" when nothing was stored (no Provenance written) */
    struct pgo_search_status *searches; /* nsearches entries; free with pgo_collect_result_free */
    size_t nsearches;
};
void pgo_collect_result_free(struct pgo_collect_result *r);

/* Runs every search: GET <base>/<search> (characters not allowed in a URL query, such as '|',
 * percent-encoded) with Authorization: Bearer, MedMij-Request-ID, X-Correlation-ID and Accept:
 * application/fhir+json, then follows the searchset's `next` links while they stay on the base's
 * origin and path (scheme, host, port; a link elsewhere ends that search as a failure) until
 * collect_max resources were stored. Every entry resource (search mode match and include; an
 * OperationOutcome, and a type outside params.types, is not stored) is copied into the vault,
 * a page's copies as one batch of PUTs (rest_process_bundle; one PUT each when the vault refuses
 * the batch as a whole), copies equal to the vault's left alone when params.vault_store is set:
 *   - id = pgo_local_id(owner, provider, type, remote id): a re-collect updates the same
 *     resources instead of adding copies, and the same resource found by two searches is stored
 *     once per collection;
 *   - references "Type/id" and "<base>/Type/id" are rewritten to the local ids ("#x", urn: and
 *     other servers' URLs are left as they are);
 *   - meta.source = the resource endpoint (as given); meta.tag gains the vault-owner tag;
 *     meta.versionId/lastUpdated are the vault's;
 *   - the DVA's Patient resource is stored too (the patient's own record at that provider).
 * Then one Provenance (new uuid id) is written: target = every stored resource (local
 * references), recorded = now, agent = the provider (type "author", who.identifier with the
 * provider name and display), entity = {role "source", what = the resource endpoint}, tagged with
 * the owner; its reason names the data service. A search that fails does not stop the others.
 * Searches not run because collect_max was reached have ok false and do not count as failures.
 * Returns 0 when every search succeeded, -1 otherwise (f says the first failure; *r tells the
 * rest). *r is always filled (free it with pgo_collect_result_free, also after -1). */
int pgo_collect(const struct pgo_collect_params *params, struct pgo_collect_result *r,
                struct pgo_fail *f);

/* The local id of a collected resource: a UUID (version 5 form, SHA-1 over a fixed regie
 * namespace and "owner\nprovider\ntype/remote_id"), lower-case, 36 characters. The same inputs
 * always give the same id; any different input gives another. 0, or -1 (out "") when out of
 * memory. */
int pgo_local_id(const char *owner, const char *provider, const char *type, const char *remote_id,
                 char out[UUID_STR_LEN]);

/* Rewrites every reference in resource (in place, any depth) as collect does: "Type/id" and
 * "<base>/Type/id" (base without trailing slash) become "Type/<local id>"; a "_history/v" suffix
 * is dropped. Returns the number of references rewritten. Exposed for tests. */
size_t pgo_rewrite_references(json_object *resource, const char *base, const char *owner,
                              const char *provider);

/* ---- share (Delen) ---- */

/* The result of one shared Observation (the batch-response entry matching it). */
struct pgo_share_entry {
    long status;       /* the entry's HTTP status ("201 Created" -> 201); 0 when unreadable */
    char *location;    /* response.location ("Observation/123/_history/1") or NULL */
    char *resource_id; /* id of the returned resource (Prefer: return=representation) or NULL */
    char *error;       /* the outcome's diagnostics/text when the status is not 2xx, else NULL */
};

struct pgo_share_result {
    long http_status;                /* of the POST */
    long patient_status;             /* the Patient entry's status (a DVA may not store it: 0) */
    struct pgo_share_entry *entries; /* one per Observation, in the order given */
    size_t nentries;
    size_t ok; /* entries with a 2xx status */
    size_t failed;
};
void pgo_share_result_free(struct pgo_share_result *r);

/* Builds the MedMij share Bundle: type batch; first entry the Patient (a deep copy of patient
 * with id and meta dropped, every identifier of system http://fhir.nl/fhir/NamingSystem/bsn
 * masked: its value replaced by a data-absent-reason "masked" extension on _value), fullUrl
 * urn:uuid:<new>, request POST Patient; then per Observation a copy with id dropped, meta reduced
 * to meta.profile, subject = and performer = [ the Patient entry's urn:uuid ], fullUrl urn:uuid,
 * request POST Observation. Returns the Bundle (caller puts) or NULL with f (ARGS: not a Patient,
 * an entry that is not an Observation, no observations). */
json_object *pgo_share_bundle(json_object *patient, json_object *observations, struct pgo_fail *f);

/* POSTs pgo_share_bundle(...) to <resource_endpoint> (the FHIR base) with Content-Type and
 * Accept application/fhir+json, Prefer: return=representation, Authorization: Bearer and the
 * MedMij headers, and reads the batch-response. observations: a JSON array of Observation
 * resources (as in the vault). Returns 0 when the POST was answered with a batch-response that
 * has one entry per Bundle entry (then *r tells each entry's fate; entries may still have failed:
 * see r->failed), -1 otherwise. *r is always filled; free with pgo_share_result_free. */
int pgo_share(const struct pgo_call_opts *opts, const char *resource_endpoint,
              const char *access_token, json_object *patient, json_object *observations,
              struct pgo_share_result *r, struct pgo_fail *f);

/* Reads a batch-response (text as received, HTTP status of the POST) for a Bundle of
 * 1 + nobservations entries (Patient first). Exposed for tests and the fuzzer. 0 / -1 as
 * pgo_share. */
int pgo_share_response_parse(long status, const char *body, size_t len, size_t nobservations,
                             struct pgo_share_result *r, struct pgo_fail *f);

#endif
