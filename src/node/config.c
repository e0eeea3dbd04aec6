/* node_config_load: the config file (and its one include) read with util/ini, every setting
 * checked against the table below, then the command-line overrides, the defaults that derive from
 * other settings, and the checks that need the whole file (role, TLS, required lists, the offered
 * services in the catalogue). Every fault names FILE:LINE. The catalogue's sections are read by
 * config_service.c. */
#include "node/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config_internal.h"
#include "node/config_value.h"

#define DAY (24ull * 3600)

enum kind {
    K_ROLE,      /* dva | pgo */
    K_TEXT,      /* any non-empty text */
    K_PATH,      /* a path, relative to the file's directory */
    K_FILE,      /* a path that must name a readable file */
    K_DIR,       /* a path that must name a directory */
    K_SOURCE,    /* a list: an https:// URL or a readable file */
    K_BOOL,      /* true | false */
    K_DURATION,  /* unsigned seconds */
    K_SIZE,      /* size_t bytes */
    K_UNSIGNED,  /* unsigned count */
    K_INT,       /* int count */
    K_SIZE_T,    /* size_t count */
    K_LISTEN,    /* HOST:PORT */
    K_URL,       /* http(s) URL of this node */
    K_SCOPE,     /* provider | pairs */
    K_AUDIT_KEY, /* a path, or none */
    K_SERVICES,  /* a data service id (list) */
    K_URL_PATH,  /* an absolute URL path */
};

struct setting {
    const char *section;
    const char *key;
    enum kind kind;
    size_t offset;
    unsigned long long min, max;
    bool list;
};

#define AT(field) offsetof(struct node_config, field)

static const struct setting settings[] = {
    {"node", "role", K_ROLE, AT(role), 0, 0, false},
    {"node", "name", K_TEXT, AT(name), 0, 0, false},
    {"node", "display_name", K_TEXT, AT(display_name), 0, 0, false},
    {"node", "listen", K_LISTEN, AT(listen), 0, 0, false},
    {"node", "public_url", K_URL, AT(public_url), 0, 0, false},
    {"node", "data_dir", K_PATH, AT(data_dir), 0, 0, false},
    {"node", "include", K_PATH, AT(include), 0, 0, false},
    {"tls", "cert", K_FILE, AT(tls.cert), 0, 0, false},
    {"tls", "key", K_FILE, AT(tls.key), 0, 0, false},
    {"tls", "client_ca", K_FILE, AT(tls.client_ca), 0, 0, false},
    {"tls", "peer_ca", K_FILE, AT(tls.peer_ca), 0, 0, false},
    {"tls", "client_cert", K_FILE, AT(tls.client_cert), 0, 0, false},
    {"tls", "client_key", K_FILE, AT(tls.client_key), 0, 0, false},
    {"tls", "plain_loopback", K_BOOL, AT(tls.plain_loopback), 0, 0, false},
    {"lists", "zal", K_SOURCE, AT(lists.source[MEDMIJ_ZAL]), 0, 0, false},
    {"lists", "ocl", K_SOURCE, AT(lists.source[MEDMIJ_OCL]), 0, 0, false},
    {"lists", "whitelist", K_SOURCE, AT(lists.source[MEDMIJ_WHITELIST]), 0, 0, false},
    {"lists", "gnl", K_SOURCE, AT(lists.source[MEDMIJ_GNL]), 0, 0, false},
    {"lists", "xsd_dir", K_DIR, AT(lists.xsd_dir), 0, 0, false},
    {"lists", "allow_ports", K_BOOL, AT(lists.allow_ports), 0, 0, false},
    {"lists", "refresh", K_DURATION, AT(lists.refresh_s), 1, 30 * DAY, false},
    {"oauth", "scope_form", K_SCOPE, AT(oauth.scope_form), 0, 0, false},
    {"oauth", "code_ttl", K_DURATION, AT(oauth.code_ttl_s), 1, 3600, false},
    {"oauth", "access_ttl", K_DURATION, AT(oauth.access_ttl_s), 1, DAY, false},
    {"oauth", "consent_ttl", K_DURATION, AT(oauth.consent_ttl_s), 1, 3650 * DAY, false},
    {"oauth", "services", K_SERVICES, AT(oauth.services), 0, 0, true},
    {"oauth", "consent_text", K_TEXT, AT(oauth.consent_text), 0, 0, false},
    {"pgo", "redirect_path", K_URL_PATH, AT(pgo.redirect_path), 0, 0, false},
    {"pgo", "collect_timeout", K_DURATION, AT(pgo.collect_timeout_s), 1, 3600, false},
    {"pgo", "collect_max", K_SIZE_T, AT(pgo.collect_max), 1, 10000000, false},
    {"pgo", "self_signup", K_BOOL, AT(pgo.self_signup), 0, 0, false},
    {"pgo", "app_dir", K_PATH, AT(pgo.app_dir), 0, 0, false},
    {"audit", "log", K_PATH, AT(audit.log), 0, 0, false},
    {"audit", "key", K_AUDIT_KEY, AT(audit.key), 0, 0, false},
    {"accounts", "lockout_after", K_UNSIGNED, AT(accounts.lockout_after), 1, 1000, false},
    {"accounts", "session_idle", K_DURATION, AT(accounts.session_idle_s), 1, DAY, false},
    {"accounts", "session_max", K_DURATION, AT(accounts.session_max_s), 1, 30 * DAY, false},
    {"limits", "threads", K_UNSIGNED, AT(http.threads), 1, 1024, false},
    {"limits", "max_body", K_SIZE, AT(http.body_max), 1024, 1ull << 31, false},
    {"limits", "max_depth", K_INT, AT(http.json_depth), 2, 1000, false},
    {"limits", "max_conn", K_UNSIGNED, AT(http.conn_max), 1, 65536, false},
    {"limits", "idle_timeout", K_DURATION, AT(http.idle_timeout_s), 1, DAY, false},
    {"limits", "large_body", K_SIZE, AT(http.large_body), 1024, 1ull << 31, false},
    {"limits", "large_max", K_UNSIGNED, AT(http.large_max), 1, 1024, false},
    {"limits", "page_default", K_SIZE_T, AT(page_default), 1, 100000, false},
    {"limits", "page_max", K_SIZE_T, AT(page_max), 1, 100000, false},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])
_Static_assert(NSETTINGS <= CONFIG_SETTINGS_MAX, "config_loader.seen is too small");

static const char *const sections[] = {"node",  "tls",      "lists",  "oauth",  "pgo",
                                       "audit", "accounts", "limits", "service"};

static const struct setting *setting_find(const char *section, const char *key)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (!strcmp(settings[i].section, section) && !strcmp(settings[i].key, key))
            return &settings[i];
    return NULL;
}

static size_t setting_index(const char *section, const char *key)
{
    return (size_t)(setting_find(section, key) - settings);
}

const char *node_role_name(enum node_role role)
{
    return role == NODE_ROLE_DVA ? "dva" : role == NODE_ROLE_PGO ? "pgo" : "none";
}

enum node_role node_role_parse(const char *s)
{
    if (s && !strcmp(s, "dva")) return NODE_ROLE_DVA;
    if (s && !strcmp(s, "pgo")) return NODE_ROLE_PGO;
    return NODE_ROLE_NONE;
}

int config_fail(struct config_loader *l, const struct config_file *f, unsigned line,
                const char *fmt, ...)
{
    int n = 0;
    if (f && line)
        n = snprintf(l->err, l->err_len, "%s:%u: ", f->path, line);
    else if (f)
        n = snprintf(l->err, l->err_len, "%s: ", f->path);
    if (n < 0 || (size_t)n >= l->err_len) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* "line 4" or "other.conf:4": where an earlier setting was, seen from file f. */
static void where(const struct config_at *at, const struct config_file *f, char *out, size_t cap)
{
    if (at->file == f)
        snprintf(out, cap, "line %u", at->line);
    else
        snprintf(out, cap, "%s:%u", at->file->path, at->line);
}

static int nomem(struct config_loader *l)
{
    return config_fail(l, NULL, 0, "out of memory");
}

int config_set_string(struct config_loader *l, char **dst, const char *value)
{
    char *s = strdup(value);
    if (!s) return nomem(l);
    free(*dst);
    *dst = s;
    return 0;
}

int config_push_string(struct config_loader *l, char ***list, size_t *n, const char *value)
{
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown) return nomem(l);
    *list = grown;
    if (!(grown[*n] = strdup(value))) return nomem(l);
    (*n)++;
    return 0;
}

bool config_valid_service_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= NODE_SERVICE_ID_MAX &&
           strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") == n;
}

/* Paths: relative to the file's directory, readable files checked now so the fault names its line
 * (a key file must exist before start, unlike data_dir which is made). */
static int apply_path(struct config_loader *l, const struct config_file *f, unsigned line,
                      const struct setting *s, const char *value, char **dst)
{
    char *p = config_path_join(f->dir, value);
    if (!p) return nomem(l);
    if (s->kind == K_FILE || (s->kind == K_SOURCE && strncmp(value, "https://", 8) != 0)) {
        FILE *fp = fopen(p, "rb");
        if (!fp) {
            int e = errno;
            free(p);
            return config_fail(l, f, line, "[%s] %s: %s: %s", s->section, s->key, value,
                               strerror(e));
        }
        fclose(fp);
    }
    if (s->kind == K_DIR && access(p, X_OK) != 0) {
        int e = errno;
        free(p);
        return config_fail(l, f, line, "[%s] %s: %s: %s", s->section, s->key, value, strerror(e));
    }
    free(*dst);
    *dst = p;
    return 0;
}

static int apply(struct config_loader *l, const struct config_file *f, unsigned line,
                 const struct setting *s, const char *value)
{
    char *base = (char *)l->cfg;
    void *field = base + s->offset;
    const char *why = NULL;
    unsigned long long v = 0;
    if (!*value && s->kind != K_TEXT)
        return config_fail(l, f, line, "[%s] %s needs a value", s->section, s->key);
    switch (s->kind) {
    case K_ROLE: {
        enum node_role r = node_role_parse(value);
        if (r == NODE_ROLE_NONE)
            return config_fail(l, f, line, "role must be dva or pgo, not '%s'", value);
        *(enum node_role *)field = r;
        return 0;
    }
    case K_TEXT:
        if (!*value) return config_fail(l, f, line, "[%s] %s needs a value", s->section, s->key);
        return config_set_string(l, (char **)field, value);
    case K_SOURCE:
        if (!strncmp(value, "http://", 7))
            return config_fail(l, f, line,
                               "[lists] %s: lists are read from a file or over "
                               "https, not http",
                               s->key);
        if (!strncmp(value, "https://", 8)) {
            if (config_check_url(value, true, &why) != 0)
                return config_fail(l, f, line, "[lists] %s: %s", s->key, why);
            return config_set_string(l, (char **)field, value);
        }
        return apply_path(l, f, line, s, value, (char **)field);
    case K_PATH:
    case K_FILE:
    case K_DIR:
        return apply_path(l, f, line, s, value, (char **)field);
    case K_AUDIT_KEY:
        if (!strcmp(value, "none")) {
            l->audit_key_none = true;
            free(*(char **)field);
            *(char **)field = NULL;
            return 0;
        }
        return apply_path(l, f, line, s, value, (char **)field);
    case K_BOOL:
        if (config_parse_bool(value, (bool *)field, &why) != 0) break;
        return 0;
    case K_DURATION:
        if (config_parse_duration(value, s->min, s->max, &v, &why) != 0) break;
        *(unsigned *)field = (unsigned)v;
        return 0;
    case K_SIZE:
        if (config_parse_size(value, s->min, s->max, &v, &why) != 0) break;
        *(size_t *)field = (size_t)v;
        return 0;
    case K_UNSIGNED:
    case K_INT:
    case K_SIZE_T:
        if (config_parse_count(value, s->min, s->max, &v, &why) != 0) break;
        if (s->kind == K_UNSIGNED)
            *(unsigned *)field = (unsigned)v;
        else if (s->kind == K_INT)
            *(int *)field = (int)v;
        else
            *(size_t *)field = (size_t)v;
        return 0;
    case K_LISTEN:
        if (config_parse_listen(value, l->cfg->listen_host, sizeof l->cfg->listen_host,
                                &l->cfg->listen_port, &why) != 0)
            break;
        return config_set_string(l, (char **)field, value);
    case K_URL:
        /* Checked with the scheme once plain_loopback is known (finish). */
        l->public_url_at = (struct config_at){f, line};
        return config_set_string(l, (char **)field, value);
    case K_SCOPE:
        if (!strcmp(value, "provider"))
            l->cfg->oauth.scope_form = NODE_SCOPE_PROVIDER;
        else if (!strcmp(value, "pairs"))
            l->cfg->oauth.scope_form = NODE_SCOPE_PAIRS;
        else
            return config_fail(l, f, line, "[oauth] scope_form must be provider or pairs");
        return 0;
    case K_SERVICES: {
        struct node_config *c = l->cfg;
        if (!config_valid_service_id(value))
            return config_fail(l, f, line, "[oauth] services: '%s' is not a data service id",
                               value);
        for (size_t i = 0; i < c->oauth.nservices; i++)
            if (!strcmp(c->oauth.services[i], value))
                return config_fail(l, f, line, "[oauth] services: %s is listed twice", value);
        if (c->oauth.nservices == NODE_OFFERED_MAX)
            return config_fail(l, f, line, "[oauth] services: more than %u",
                               (unsigned)NODE_OFFERED_MAX);
        l->offered_at[c->oauth.nservices] = (struct config_at){f, line};
        return config_push_string(l, &c->oauth.services, &c->oauth.nservices, value);
    }
    case K_URL_PATH:
        if (value[0] != '/' || strpbrk(value, "?# \t\\") || strstr(value, "//"))
            return config_fail(l, f, line,
                               "[%s] %s must be a path starting with '/', without query, "
                               "fragment or blanks",
                               s->section, s->key);
        return config_set_string(l, (char **)field, value);
    }
    return config_fail(l, f, line, "[%s] %s %s: '%s'", s->section, s->key, why ? why : "is bad",
                       value);
}

/* The section's name as the loader sees it: the unnamed first section is [node]. */
static const char *section_name(const struct ini_section *s)
{
    return s->name[0] ? s->name : "node";
}

/* Section headers: known names, arguments only on [service], one [node] per file, role
 * sections remembered for the role check. */
static int check_sections(struct config_loader *l, struct config_file *f)
{
    bool top_has_settings = false;
    for (size_t i = 0; i < f->ini.nentries; i++)
        if (f->ini.entries[i].section == 0) top_has_settings = true;
    for (size_t i = 1; i < f->ini.nsections; i++) {
        const struct ini_section *s = &f->ini.sections[i];
        bool known = false;
        for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++)
            if (!strcmp(sections[k], s->name)) known = true;
        if (!known) return config_fail(l, f, s->line, "unknown section [%s]", s->name);
        if (!strcmp(s->name, "service")) {
            if (config_service_section(l, f, i) != 0) return -1;
            continue;
        }
        if (s->arg)
            return config_fail(l, f, s->line, "[%s] takes no argument (only [service ID] does)",
                               s->name);
        if (!strcmp(s->name, "node") && top_has_settings)
            return config_fail(l, f, s->line,
                               "[node] again: the settings before the first section are "
                               "already [node]");
        if (!strcmp(s->name, "oauth") && !l->oauth_at.file)
            l->oauth_at = (struct config_at){f, s->line};
        if (!strcmp(s->name, "pgo") && !l->pgo_at.file) l->pgo_at = (struct config_at){f, s->line};
    }
    return 0;
}

static int apply_file(struct config_loader *l, struct config_file *f)
{
    for (size_t i = 0; i < f->ini.nentries; i++) {
        const struct ini_entry *e = &f->ini.entries[i];
        const struct ini_section *sec = &f->ini.sections[e->section];
        const char *name = section_name(sec);
        if (!strcmp(name, "service")) {
            if (config_service_entry(l, f, e) != 0) return -1;
            continue;
        }
        const struct setting *s = setting_find(name, e->key);
        if (!s) return config_fail(l, f, e->line, "unknown key '%s' in [%s]", e->key, name);
        if (!strcmp(e->key, "include") && f != &l->files[l->nfiles - 1])
            return config_fail(l, f, e->line,
                               "include: only one level (this file is itself included)");
        struct config_at *seen = &l->seen[s - settings];
        if (!s->list && seen->file) {
            char at[300];
            where(seen, f, at, sizeof at);
            return config_fail(l, f, e->line, "[%s] %s is already set at %s", name, e->key, at);
        }
        if (!seen->file) *seen = (struct config_at){f, e->line};
        if (apply(l, f, e->line, s, e->value) != 0) return -1;
    }
    return 0;
}

static int load_file(struct config_loader *l, const char *path, struct config_file *f)
{
    if (!(f->path = strdup(path)) || !(f->dir = config_dirname(path))) return nomem(l);
    if (ini_load(path, &f->ini, l->err, l->err_len) != 0) return -1;
    return 0;
}

/* The include named in the main file's [node], read before it. */
static int read_include(struct config_loader *l, struct config_file *main_file)
{
    const struct ini_entry *inc = NULL;
    for (size_t i = 0; i < main_file->ini.nentries; i++) {
        const struct ini_entry *e = &main_file->ini.entries[i];
        if (!strcmp(e->key, "include") &&
            !strcmp(section_name(&main_file->ini.sections[e->section]), "node")) {
            inc = e;
            break;
        }
    }
    if (!inc) return 0;
    if (!*inc->value) return config_fail(l, main_file, inc->line, "[node] include needs a value");
    char *path = config_path_join(main_file->dir, inc->value);
    if (!path) return nomem(l);
    /* The included file goes first: move the main file to the second slot. */
    l->files[1] = *main_file;
    memset(&l->files[0], 0, sizeof l->files[0]);
    l->nfiles = 2;
    char err[1024];
    int rc = 0;
    if (!(l->files[0].path = strdup(path)) || !(l->files[0].dir = config_dirname(path)))
        rc = nomem(l);
    else if (ini_load(path, &l->files[0].ini, err, sizeof err) != 0)
        rc = config_fail(l, &l->files[1], inc->line, "include: %s", err);
    free(path);
    return rc;
}

static void defaults(struct node_config *c)
{
    c->listen_port = 8443;
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->lists.refresh_s = 3600;
    c->oauth.scope_form = NODE_SCOPE_PROVIDER;
    c->oauth.code_ttl_s = 60;
    c->oauth.access_ttl_s = 15 * 60;
    c->oauth.consent_ttl_s = 365 * 24 * 3600;
    c->pgo.collect_timeout_s = 30;
    c->pgo.collect_max = 10000;
    c->pgo.self_signup = true;
    c->accounts.lockout_after = 5;
    c->accounts.session_idle_s = 15 * 60;
    c->accounts.session_max_s = 12 * 3600;
    http_limits_defaults(&c->http);
    c->page_default = 50;
    c->page_max = 1000;
}

static int apply_overrides(struct config_loader *l, const struct node_config_overrides *ov)
{
    struct node_config *c = l->cfg;
    const char *why;
    if (ov->listen) {
        if (config_parse_listen(ov->listen, c->listen_host, sizeof c->listen_host, &c->listen_port,
                                &why) != 0)
            return config_fail(l, NULL, 0, "--listen %s: %s", ov->listen, why);
        if (config_set_string(l, &c->listen, ov->listen) != 0) return -1;
    }
    if (ov->db && config_set_string(l, &c->db, ov->db) != 0) return -1;
    if (ov->base_url) {
        if (config_set_string(l, &c->public_url, ov->base_url) != 0) return -1;
        l->public_url_at = (struct config_at){NULL, 0};
        l->public_url_cli = true;
    }
    if (ov->tls_cert && config_set_string(l, &c->tls.cert, ov->tls_cert) != 0) return -1;
    if (ov->tls_key && config_set_string(l, &c->tls.key, ov->tls_key) != 0) return -1;
    if (ov->tls_client_ca && config_set_string(l, &c->tls.client_ca, ov->tls_client_ca) != 0)
        return -1;
    return 0;
}

/* Where a setting was made, for the checks after loading: its FILE:LINE, or the main file. */
static struct config_at at_of(struct config_loader *l, const char *section, const char *key)
{
    struct config_at a = l->seen[setting_index(section, key)];
    if (!a.file) a = (struct config_at){&l->files[l->nfiles - 1], 0};
    return a;
}

static int data_file(struct config_loader *l, char **dst, const char *name)
{
    if (*dst) return 0;
    if (!(*dst = config_path_join(l->cfg->data_dir, name))) return nomem(l);
    return 0;
}

static int finish_role(struct config_loader *l, const char *role_override)
{
    struct node_config *c = l->cfg;
    struct config_file *main_file = &l->files[l->nfiles - 1];
    if (role_override) {
        enum node_role r = node_role_parse(role_override);
        if (r == NODE_ROLE_NONE)
            return config_fail(l, NULL, 0, "--role must be dva or pgo, not '%s'", role_override);
        if (c->role != NODE_ROLE_NONE && c->role != r) {
            struct config_at a = at_of(l, "node", "role");
            return config_fail(l, a.file, a.line, "role = %s, but --role %s was given",
                               node_role_name(c->role), role_override);
        }
        c->role = r;
    }
    if (c->role == NODE_ROLE_NONE)
        return config_fail(l, main_file, 0, "role is not set (role = dva or pgo, or --role)");
    if (c->role == NODE_ROLE_DVA && l->pgo_at.file)
        return config_fail(l, l->pgo_at.file, l->pgo_at.line,
                           "[pgo] is for role pgo; this node is a dva");
    if (c->role == NODE_ROLE_PGO && l->oauth_at.file)
        return config_fail(l, l->oauth_at.file, l->oauth_at.line,
                           "[oauth] is for role dva; this node is a pgo");
    if (!c->name) return config_fail(l, main_file, 0, "name is not set ([node] name)");
    struct config_at a = at_of(l, "node", "name");
    if (c->role == NODE_ROLE_DVA && !medmij_valid_provider_name(c->name))
        return config_fail(l, a.file, a.line,
                           "name of a dva must be its ZAL provider name (letters@medmij), not "
                           "'%s'",
                           c->name);
    if (c->role == NODE_ROLE_PGO && !medmij_valid_hostname(c->name))
        return config_fail(l, a.file, a.line,
                           "name of a pgo must be its host name (its OAuth client_id), not '%s'",
                           c->name);
    /* The lists each role cannot work without. */
    static const enum medmij_list_kind dva_lists[] = {MEDMIJ_OCL, MEDMIJ_WHITELIST};
    static const enum medmij_list_kind pgo_lists[] = {MEDMIJ_ZAL, MEDMIJ_GNL, MEDMIJ_WHITELIST};
    static const char *const list_key[MEDMIJ_LIST_KINDS] = {"zal", "ocl", "whitelist", "gnl"};
    const enum medmij_list_kind *need = c->role == NODE_ROLE_DVA ? dva_lists : pgo_lists;
    size_t nneed = c->role == NODE_ROLE_DVA ? 2 : 3;
    for (size_t i = 0; i < nneed; i++)
        if (!c->lists.source[need[i]])
            return config_fail(l, main_file, 0, "a %s needs [lists] %s", node_role_name(c->role),
                               list_key[need[i]]);
    if (c->role == NODE_ROLE_DVA) {
        if (c->oauth.nservices == 0)
            return config_fail(l, main_file, 0,
                               "a dva needs [oauth] services (the data service ids it offers)");
        for (size_t i = 0; i < c->oauth.nservices; i++)
            if (!node_config_service(c, c->oauth.services[i]))
                return config_fail(l, l->offered_at[i].file, l->offered_at[i].line,
                                   "[oauth] services: %s has no [service %s] section (include "
                                   "the catalogue, etc/services.conf)",
                                   c->oauth.services[i], c->oauth.services[i]);
    }
    return 0;
}

static int finish_tls(struct config_loader *l)
{
    struct node_config *c = l->cfg;
    struct config_file *main_file = &l->files[l->nfiles - 1];
    struct config_at pl = at_of(l, "tls", "plain_loopback");
    if (c->tls.plain_loopback) {
        if (!http_host_is_loopback(c->listen_host))
            return config_fail(l, pl.file, pl.line,
                               "plain_loopback is only allowed on a loopback listen address "
                               "(127.0.0.0/8, ::1), not %s: MedMij requires TLS",
                               c->listen_host);
        if (c->tls.cert || c->tls.key || c->tls.client_ca)
            return config_fail(l, pl.file, pl.line,
                               "plain_loopback serves plain HTTP: it cannot go with [tls] cert, "
                               "key or client_ca");
    } else {
        if (!c->tls.cert || !c->tls.key)
            return config_fail(l, main_file, 0,
                               "TLS needs [tls] cert and key (or plain_loopback = true on a "
                               "loopback listen address, for tests)");
        /* Without trust anchors no client certificate verifies, so every back-channel call
         * (token, resource) would be refused: say so at start, not at the first PGO. */
        if (c->role == NODE_ROLE_DVA && !c->tls.client_ca)
            return config_fail(l, main_file, 0,
                               "a dva needs [tls] client_ca: its token and resource endpoints "
                               "take only client certificates from these trust anchors");
    }
    if (!c->tls.client_cert != !c->tls.client_key) {
        struct config_at a = at_of(l, "tls", c->tls.client_cert ? "client_cert" : "client_key");
        return config_fail(l, a.file, a.line, "[tls] client_cert and client_key go together");
    }
    if (!c->tls.client_cert && c->tls.cert) {
        if (config_set_string(l, &c->tls.client_cert, c->tls.cert) != 0 ||
            config_set_string(l, &c->tls.client_key, c->tls.key) != 0)
            return -1;
    }
    return 0;
}

static int finish_url(struct config_loader *l)
{
    struct node_config *c = l->cfg;
    const char *scheme = c->tls.plain_loopback ? "http" : "https";
    if (!c->listen && config_set_string(l, &c->listen, "127.0.0.1:8443") != 0) return -1;
    if (!c->public_url) {
        size_t n = strlen(scheme) + 3 + strlen(c->listen) + 1;
        if (!(c->public_url = malloc(n))) return nomem(l);
        snprintf(c->public_url, n, "%s://%s", scheme, c->listen);
        c->public_url_defaulted = true;
    }
    size_t n = strlen(c->public_url);
    while (n > 0 && c->public_url[n - 1] == '/') c->public_url[--n] = '\0';
    const char *why;
    if (config_check_url(c->public_url, !c->tls.plain_loopback, &why) != 0) {
        if (l->public_url_cli)
            return config_fail(l, NULL, 0, "--base-url %s: %s", c->public_url, why);
        struct config_at a = at_of(l, "node", "public_url");
        return config_fail(l, a.file, a.line, "public_url %s: %s", c->public_url, why);
    }
    return 0;
}

static int finish(struct config_loader *l, const char *role_override)
{
    struct node_config *c = l->cfg;
    struct config_file *main_file = &l->files[l->nfiles - 1];
    if (finish_role(l, role_override) != 0) return -1;
    if (!c->data_dir) return config_fail(l, main_file, 0, "data_dir is not set ([node] data_dir)");
    if (!c->display_name && config_set_string(l, &c->display_name, c->name) != 0) return -1;
    if (finish_tls(l) != 0 || finish_url(l) != 0) return -1;
    if (!c->pgo.redirect_path && config_set_string(l, &c->pgo.redirect_path, "/connect/callback"))
        return -1;
    if (data_file(l, &c->db, "regie.db") || data_file(l, &c->accounts_db, "accounts.db") ||
        data_file(l, &c->oauth_db, "oauth.db") || data_file(l, &c->pgo_db, "pgo.db") ||
        data_file(l, &c->lists_dir, "lists") || data_file(l, &c->audit.log, "audit.log"))
        return -1;
    if (!l->audit_key_none && data_file(l, &c->audit.key, "audit.key")) return -1;
    if (c->accounts.session_idle_s > c->accounts.session_max_s) {
        struct config_at a = at_of(l, "accounts", "session_idle");
        return config_fail(l, a.file, a.line, "[accounts] session_idle is longer than session_max");
    }
    if (c->page_default > c->page_max) c->page_default = c->page_max;
    return config_services_check(l);
}

int node_config_load_with(const char *path, const char *role_override,
                          const struct node_config_overrides *ov, struct node_config *out,
                          char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    struct config_loader l = {.cfg = out, .err = err, .err_len = err_len, .nfiles = 1};
    defaults(out);
    int rc = -1;
    if (!(out->path = strdup(path))) {
        nomem(&l);
        goto done;
    }
    if (load_file(&l, path, &l.files[0]) != 0 || read_include(&l, &l.files[0]) != 0) goto done;
    for (size_t i = 0; i < l.nfiles; i++)
        if (check_sections(&l, &l.files[i]) != 0) goto done;
    for (size_t i = 0; i < l.nfiles; i++)
        if (apply_file(&l, &l.files[i]) != 0) goto done;
    if (ov && apply_overrides(&l, ov) != 0) goto done;
    rc = finish(&l, role_override);
done:
    for (size_t i = 0; l.meta && i < out->nservices; i++) free(l.meta[i].search_at);
    free(l.meta);
    for (size_t i = 0; i < 2; i++) {
        free(l.files[i].path);
        free(l.files[i].dir);
        free(l.files[i].service_of);
        ini_free(&l.files[i].ini);
    }
    if (rc != 0) node_config_free(out);
    return rc;
}

int node_config_load(const char *path, const char *role_override, struct node_config *out,
                     char *err, size_t err_len)
{
    return node_config_load_with(path, role_override, NULL, out, err, err_len);
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

void node_config_free(struct node_config *c)
{
    if (!c) return;
    char **strings[] = {&c->path,
                        &c->name,
                        &c->display_name,
                        &c->listen,
                        &c->public_url,
                        &c->data_dir,
                        &c->include,
                        &c->db,
                        &c->accounts_db,
                        &c->oauth_db,
                        &c->pgo_db,
                        &c->lists_dir,
                        &c->tls.cert,
                        &c->tls.key,
                        &c->tls.client_ca,
                        &c->tls.peer_ca,
                        &c->tls.client_cert,
                        &c->tls.client_key,
                        &c->lists.xsd_dir,
                        &c->oauth.consent_text,
                        &c->pgo.redirect_path,
                        &c->pgo.app_dir,
                        &c->audit.log,
                        &c->audit.key};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) free(*strings[i]);
    for (size_t k = 0; k < MEDMIJ_LIST_KINDS; k++) free(c->lists.source[k]);
    free_list(c->oauth.services, c->oauth.nservices);
    for (size_t i = 0; i < c->nservices; i++) {
        struct node_service *s = &c->services[i];
        free(s->id);
        free(s->name);
        free_list(s->types, s->ntypes);
        free_list(s->searches, s->nsearches);
    }
    free(c->services);
    memset(c, 0, sizeof *c);
}

const struct node_service *node_config_service(const struct node_config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->nservices; i++)
        if (!strcmp(cfg->services[i].id, id)) return &cfg->services[i];
    return NULL;
}

int node_config_set_public_url(struct node_config *cfg, const char *url)
{
    char *s = strdup(url);
    if (!s) return -1;
    free(cfg->public_url);
    cfg->public_url = s;
    return 0;
}
