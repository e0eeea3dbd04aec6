/* The typed node configuration: every setting of docs/node-config.md with its default, read from
 * the config file with util/ini. The struct is filled by node_config_load (src/node/config.c).
 *
 * After a successful load every field holds its final value: defaults filled in, paths resolved
 * against the directory of the file that named them (so they work whatever the working
 * directory), durations in seconds, the role's required settings present. Strings are owned by
 * the struct (node_config_free); a NULL string means "not set" where the setting has no default. */
#ifndef REGIE_NODE_CONFIG_H
#define REGIE_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "medmij/lists.h"

enum node_role { NODE_ROLE_NONE = 0, NODE_ROLE_DVA, NODE_ROLE_PGO };

/* "dva", "pgo" ("none" for NODE_ROLE_NONE). */
const char *node_role_name(enum node_role role);
/* NODE_ROLE_NONE for anything but "dva" and "pgo". */
enum node_role node_role_parse(const char *s);

enum node_service_kind { NODE_SERVICE_COLLECT, NODE_SERVICE_SHARE };

/* [oauth] scope_form: which collect scope a DVA expects (every form is parsed anyway). */
enum node_scope_form {
    NODE_SCOPE_PROVIDER, /* "huisartsdelinde" */
    NODE_SCOPE_PAIRS     /* "huisartsdelinde~48 huisartsdelinde~51" */
};

#define NODE_SERVICE_ID_MAX    15 /* bytes of a data service id (fits rest_access.service_id) */
#define NODE_OFFERED_MAX       64 /* [oauth] services of one DVA (OAUTH_SERVICES_MAX) */
#define NODE_SERVICE_TYPES_MAX 64 /* types of one service (REST_ACCESS_TYPES_MAX) */

/* One data service of the catalogue ([service ID]). */
struct node_service {
    char *id;   /* "48" */
    char *name; /* fallback display name; the GNL's Weergavenaam wins */
    enum node_service_kind kind;
    char **types; /* resource types its token may read (collect) or write (share) */
    size_t ntypes;
    char **searches; /* collect: what a PGO runs, relative to the FHIR base, patient implied;
                        none for share */
    size_t nsearches;
};

struct node_config {
    char *path; /* the config file as given */

    /* [node] */
    enum node_role role;
    char *name;           /* DVA: its ZAL provider name; PGO: its host name (OAuth client_id) */
    char *display_name;   /* default: name */
    char *listen;         /* as written (or given by --listen): "127.0.0.1:8443" */
    char listen_host[64]; /* numeric, without brackets ("localhost" becomes 127.0.0.1) */
    uint16_t listen_port; /* 0: the system picks one (serve then fixes a defaulted public_url) */
    char *public_url;     /* no trailing '/'; default https://<listen> (http with plain_loopback) */
    bool public_url_defaulted; /* public_url came from listen, not from the file */
    char *data_dir;
    char *include; /* the file read first, or NULL */
    /* Files in data_dir (docs/node-config.md [node] data_dir); db may be set by `serve --db`. */
    char *db;          /* <data_dir>/regie.db */
    char *accounts_db; /* <data_dir>/accounts.db */
    char *oauth_db;    /* <data_dir>/oauth.db (used by the DVA) */
    char *pgo_db;      /* <data_dir>/pgo.db (used by the PGO) */
    char *lists_dir;   /* <data_dir>/lists: the holder's cache of the lists */

    /* [tls]; paths, NULL when not set */
    struct {
        char *cert, *key;
        char *client_ca;
        char *peer_ca;
        char *client_cert, *client_key; /* default: cert, key */
        bool plain_loopback;
    } tls;

    /* [lists] */
    struct {
        char *source[MEDMIJ_LIST_KINDS]; /* per enum medmij_list_kind: a path or an https:// URL */
        char *xsd_dir;
        bool allow_ports;   /* dev only: a port in front-channel URIs (medmij_parse_opts) */
        unsigned refresh_s; /* default 3600 */
    } lists;

    /* [oauth] (DVA) */
    struct {
        enum node_scope_form scope_form; /* default provider */
        unsigned code_ttl_s;             /* default 60 */
        unsigned access_ttl_s;           /* default 900 */
        unsigned consent_ttl_s;          /* default 365 days */
        char **services;                 /* ids offered, each in the catalogue */
        size_t nservices;
        char *consent_text; /* NULL: the consent page's fixed MedMij wording */
    } oauth;

    /* [pgo] (PGO) */
    struct {
        char *redirect_path;        /* default "/connect/callback" */
        unsigned collect_timeout_s; /* default 30 */
        size_t collect_max;         /* default 10000 */
        bool self_signup;           /* default true: POST /api/register is open */
        char *app_dir;              /* the web app's folder; NULL: "web" beside the binary */
    } pgo;

    /* [audit] */
    struct {
        char *log; /* default <data_dir>/audit.log */
        char *key; /* default <data_dir>/audit.key; NULL when the file says none */
    } audit;

    /* [accounts] */
    struct {
        unsigned lockout_after;  /* default 5 */
        unsigned session_idle_s; /* default 900 */
        unsigned session_max_s;  /* default 43200 */
    } accounts;

    /* [limits]: the serve options of the same names */
    struct http_limits http;       /* threads, max_body, max_depth, max_conn,
                                      idle_timeout, large_body, large_max */
    size_t page_default, page_max; /* default 50, 1000 */

    /* The data-service catalogue: every [service ID] section, in file order (include first). */
    struct node_service *services;
    size_t nservices;
};

/* Values given on serve's command line; they replace the file's (NULL: keep the file's). Paths
 * are taken as given (relative to the working directory). base_url replaces public_url. */
struct node_config_overrides {
    const char *listen;
    const char *db;
    const char *base_url;
    const char *tls_cert, *tls_key, *tls_client_ca;
};

/* Reads and checks the config file at path. role_override (NULL or "dva"/"pgo") gives the role
 * when the file has none and must agree with it when it has one. Returns 0 with *out filled
 * (free with node_config_free), or -1 with err "FILE:LINE: what is wrong" (or "FILE: ..." for a
 * missing setting, or a plain sentence for a command-line value); *out then needs no freeing. */
int node_config_load(const char *path, const char *role_override, struct node_config *out,
                     char *err, size_t err_len);
/* The same with command-line overrides applied before the checks (ov may be NULL). */
int node_config_load_with(const char *path, const char *role_override,
                          const struct node_config_overrides *ov, struct node_config *out,
                          char *err, size_t err_len);

void node_config_free(struct node_config *cfg);

/* The catalogue entry of a data service id, or NULL. */
const struct node_service *node_config_service(const struct node_config *cfg, const char *id);

/* Replaces public_url (serve: a defaulted one after binding port 0). Returns 0, -1 on no memory. */
int node_config_set_public_url(struct node_config *cfg, const char *url);

#endif
