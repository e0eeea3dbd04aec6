/* The four MedMij lists (Zorgaanbiederslijst, OAuth client list, Whitelist,
 * Gegevensdienstnamenlijst): their in-memory model, the reader that checks them (regie's own
 * structural checks always; the published XSDs too when a directory holding them is configured),
 * the writer used by `regie lists`, and a holder that keeps the current version of each list and
 * swaps in newer ones atomically. See docs/medmij.md. */
#ifndef REGIE_MEDMIJ_LISTS_H
#define REGIE_MEDMIJ_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/buf.h"

enum medmij_list_kind {
    MEDMIJ_ZAL,       /* Zorgaanbiederslijst */
    MEDMIJ_OCL,       /* OAuthclientlist */
    MEDMIJ_WHITELIST, /* Whitelist */
    MEDMIJ_GNL,       /* Gegevensdienstnamenlijst */
    MEDMIJ_LIST_KINDS,
    MEDMIJ_LIST_ANY = MEDMIJ_LIST_KINDS /* parse: take the kind from the root element */
};

/* Limits on what a list may hold. A list past any of them is refused as a whole. */
#define MEDMIJ_LIST_MAX_BYTES_DEFAULT (64u << 20) /* the reader streams; see docs/medmij.md */
#define MEDMIJ_MAX_PROVIDERS          100000u
#define MEDMIJ_MAX_SERVICES           256u /* data services of one provider */
#define MEDMIJ_MAX_ROLES              64u  /* system roles of one data service */
#define MEDMIJ_MAX_CLIENTS            100000u
#define MEDMIJ_MAX_NODES              200000u
#define MEDMIJ_MAX_GNL                10000u
#define MEDMIJ_MAX_URI                2048u /* bytes; the XSDs set no bound */
#define MEDMIJ_MAX_HOSTNAME           253u  /* bytes; DNS bound, the XSDs set none */

/* ZAL: a system role (Systeemrolcode) of a data service and the FHIR endpoint serving it. */
struct medmij_role {
    const char *code;
    const char *resource_endpoint; /* back channel: https, port allowed */
};

/* ZAL: one data service (Gegevensdienst) of a provider. */
struct medmij_zal_service {
    const char *id;                     /* GegevensdienstId, e.g. "48" */
    const char *authorization_endpoint; /* front channel: https, no port, query or fragment */
    const char *token_endpoint;         /* back channel */
    const struct medmij_role *roles;
    size_t n_roles;
};

/* ZAL: one care provider (Zorgaanbieder). */
struct medmij_provider {
    const char *name; /* "huisartsdelinde@medmij" */
    const struct medmij_zal_service *services;
    size_t n_services;
};

/* OCL: one OAuth client (a PGO). */
struct medmij_client {
    const char *hostname;     /* also the OAuth client_id */
    const char *organisation; /* shown on the consent screen */
};

/* GNL: a data service's display name. */
struct medmij_service_name {
    const char *id;
    const char *name;
};

/* One list, immutable once built. Arrays are sorted by their key (provider name, client hostname,
 * node hostname, service id) so lookups are binary searches; document order is not kept. */
struct medmij_list {
    enum medmij_list_kind kind;
    uint64_t volgnummer;
    const char *tijdstempel; /* as written */
    int64_t tijdstempel_us;  /* microseconds since 1970 UTC */
    unsigned char sha256[32];
    const struct medmij_provider *providers; /* ZAL */
    size_t n_providers;
    const struct medmij_client *clients; /* OCL */
    size_t n_clients;
    const char *const *nodes; /* Whitelist */
    size_t n_nodes;
    const struct medmij_service_name *service_names; /* GNL */
    size_t n_service_names;
};

/* How a document is read. */
struct medmij_parse_opts {
    enum medmij_list_kind expect; /* MEDMIJ_LIST_ANY: whatever the root element says */
    size_t max_bytes;             /* 0: MEDMIJ_LIST_MAX_BYTES_DEFAULT */
    /* Directory holding the MedMij XSDs (MedMij_Zorgaanbiederslijst.xsd ...). When set, the
     * document must also validate against its XSD, and a missing XSD file is an error. */
    const char *xsd_dir;
    /* Newer list versions add elements that no public XSD describes: with this set, unknown
     * elements are skipped instead of refused (regie's checks of the known ones still apply). */
    bool allow_unknown_elements;
    /* Development relaxation, never for a real network: front-channel URIs
     * (AuthorizationEndpointuri) may carry a port like back-channel ones, so a one-machine demo
     * can run several nodes on loopback. Such a list no longer validates against MedMij's XSD. */
    bool allow_ports;
};

/* The element name of a kind's root ("Zorgaanbiederslijst" ...), its namespace, its XSD file name
 * and the short file name `regie lists` writes ("ZAL.xml" ...). */
const char *medmij_list_root(enum medmij_list_kind kind);
const char *medmij_list_namespace(enum medmij_list_kind kind);
const char *medmij_list_xsd_file(enum medmij_list_kind kind);
const char *medmij_list_file_name(enum medmij_list_kind kind);
/* "ZAL", "OCL", "Whitelist", "GNL". */
const char *medmij_list_short_name(enum medmij_list_kind kind);

/* Reads and checks one list. Returns the list (free with medmij_list_free) or NULL with a reason
 * in err. Refused: more than max_bytes, not well-formed XML, any DOCTYPE (so no entity tricks
 * reach the parser), another root or namespace, a missing, repeated or misplaced element, a value
 * that breaks the XSD's format, a duplicate key, a count past the limits above. */
struct medmij_list *medmij_list_parse(const char *data, size_t len,
                                      const struct medmij_parse_opts *opts, char *err,
                                      size_t err_len);
void medmij_list_free(struct medmij_list *list);

/* Validates data against its kind's XSD in xsd_dir, nothing else. 0 valid, -1 with err. */
int medmij_list_xsd_validate(const char *data, size_t len, enum medmij_list_kind kind,
                             const char *xsd_dir, char *err, size_t err_len);

/* Lookups (binary search); NULL / false when absent. */
const struct medmij_provider *medmij_zal_provider(const struct medmij_list *zal, const char *name);
const struct medmij_zal_service *medmij_zal_service(const struct medmij_provider *p,
                                                    const char *id);
const struct medmij_client *medmij_ocl_client(const struct medmij_list *ocl, const char *hostname);
bool medmij_whitelist_has(const struct medmij_list *wl, const char *hostname);
const char *medmij_gnl_name(const struct medmij_list *gnl, const char *id);

/* Format checks shared by reader and writer (exactly the XSD patterns, plus the byte limits). */
bool medmij_valid_hostname(const char *s);
bool medmij_valid_provider_name(const char *s); /* ([a-z])+@medmij, 10..57 characters */
bool medmij_valid_frontchannel_uri(const char *s);
bool medmij_valid_backchannel_uri(const char *s);
/* xs:string with minLength/maxLength counted in characters (UTF-8 code points). */
bool medmij_valid_text(const char *s, size_t min_chars, size_t max_chars);

/* ---- writing (regie lists) ----
 * A list to write is described with the same structs; arrays need not be sorted. Writes the XML
 * document to out (which must be empty). Returns 0, or -1 with err when a value breaks a format
 * (nothing invalid is ever written: the text is read back with medmij_list_parse before it is
 * handed out). */
int medmij_list_write(const struct medmij_list *list, struct buf *out, char *err, size_t err_len);
/* The same, with medmij_parse_opts.allow_ports for the front-channel URIs (`regie lists
 * --allow-ports`, the demo network). */
int medmij_list_write_opts(const struct medmij_list *list, bool allow_ports, struct buf *out,
                           char *err, size_t err_len);

/* ---- the holder ----
 * Keeps the current version of each list. Readers acquire a list and release it when done; a
 * newer version is swapped in under a lock, and the old one is freed when its last reader lets
 * go, so a reader never sees a half-swapped list. */
struct medmij_lists_config {
    /* Per kind: a file path or an https:// URL; NULL when that list is not used. */
    const char *source[MEDMIJ_LIST_KINDS];
    const char *xsd_dir; /* see medmij_parse_opts.xsd_dir; NULL: regie's own checks only */
    bool allow_unknown_elements;
    bool allow_ports;         /* see medmij_parse_opts.allow_ports: development only */
    size_t max_bytes;         /* 0: MEDMIJ_LIST_MAX_BYTES_DEFAULT */
    unsigned refresh_seconds; /* 0: 3600 */
    unsigned retry_seconds;   /* after a failed refresh; 0: 300 */
    long fetch_timeout_s;     /* whole transfer; 0: 30 */
    const char *ca_file;      /* https: trust these CAs instead of the system's; NULL: system */
    /* Directory where every list taken in is also kept (written atomically, as ZAL.xml ...). A new
     * holder starts from the lists found there, so regie has lists while the source is down,
     * and a source that serves an older list after a restart is still refused. NULL: none. */
    const char *cache_dir;
};

enum medmij_offer_rc {
    MEDMIJ_OFFER_SWAPPED = 0,  /* accepted: the new version is current */
    MEDMIJ_OFFER_UNCHANGED,    /* same Volgnummer and same bytes as the list held: nothing to do */
    MEDMIJ_OFFER_INVALID,      /* refused: does not parse or check */
    MEDMIJ_OFFER_OLDER,        /* refused: lower Volgnummer than the list held */
    MEDMIJ_OFFER_CONFLICT,     /* refused: same Volgnummer as held, different content */
    MEDMIJ_OFFER_WRONG_KIND,   /* refused: another list than the one offered for */
    MEDMIJ_OFFER_FETCH_FAILED, /* refresh only: the source could not be read */
};
const char *medmij_offer_rc_text(enum medmij_offer_rc rc);

struct medmij_lists;

/* Copies the configuration (strings too). Holds no list yet. NULL on out of memory. */
struct medmij_lists *medmij_lists_new(const struct medmij_lists_config *cfg);
void medmij_lists_free(struct medmij_lists *h);

/* Offers one document as the new version of a list of the given kind. */
enum medmij_offer_rc medmij_lists_offer(struct medmij_lists *h, enum medmij_list_kind kind,
                                        const char *data, size_t len, char *err, size_t err_len);

/* The current version of a list (NULL when none is held yet). Every non-NULL result must be given
 * back with medmij_lists_release; it stays valid until then, whatever is swapped in meanwhile. */
const struct medmij_list *medmij_lists_acquire(struct medmij_lists *h, enum medmij_list_kind kind);
void medmij_lists_release(struct medmij_lists *h, const struct medmij_list *list);

/* Fetches every configured list whose refresh is due at `now` (each list is due at once after
 * creation, then refresh_seconds after a success or retry_seconds after a failure) and offers it.
 * Meant to be called from the server's loop or a timer. Returns the number of lists that failed
 * (fetch or refusal; UNCHANGED is no failure); each failure is logged. */
int medmij_lists_refresh(struct medmij_lists *h, time_t now);

/* A thread that calls medmij_lists_refresh about once a second (each list only when it is due)
 * until stopped, for a server that has no loop of its own to call it from. Start returns NULL when
 * the thread cannot be created. Stop wakes it, waits for it (a fetch in flight ends within its
 * timeout) and frees it; the holder must outlive it. */
struct medmij_refresher;
struct medmij_refresher *medmij_refresher_start(struct medmij_lists *h);
void medmij_refresher_stop(struct medmij_refresher *r);

/* Reads a list source: a file path, or an https:// URL (https only; redirects only to https;
 * timeouts; at most max_bytes). Returns 0 with the bytes in out, or -1 with err. */
int medmij_fetch(const char *source, size_t max_bytes, long timeout_s, const char *ca_file,
                 struct buf *out, char *err, size_t err_len);

#endif
