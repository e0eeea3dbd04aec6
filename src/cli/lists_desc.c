/* `regie lists`: the network description (JSON) read into the lists' structs, with every member
 * checked and unknown members refused. The lists' own formats are checked when they are written. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/lists.h"
#include "json/jsonx.h"

#define DEFAULT_ROLE "FHIR-R4"

static char *own(struct owned *o, char *s)
{
    if (!s) return NULL;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        char **p = realloc(o->items, cap * sizeof *p);
        if (!p) {
            free(s);
            return NULL;
        }
        o->items = p;
        o->cap = cap;
    }
    return o->items[o->n++] = s;
}

__attribute__((format(printf, 2, 3))) static char *own_printf(struct owned *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return own(o, s);
}

void lists_network_free(struct network *n)
{
    for (size_t i = 0; i < n->strings.n; i++) free(n->strings.items[i]);
    free(n->strings.items);
    free(n->providers);
    free(n->services);
    free(n->roles);
    free(n->clients);
    free(n->nodes);
    free(n->names);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "regie lists: description: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* Refuses members other than the allowed ones, so a typo is not silently ignored. */
static int only_members(json_object *o, const char *where, const char *const *allowed)
{
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(key, *a)) ok = true;
        if (!ok) return bad("%s: unknown member \"%s\"", where, key);
    }
    return 0;
}

static json_object *array_member(json_object *o, const char *key, const char *where, bool required)
{
    json_object *a = jsonx_get(o, key);
    if (!a) {
        if (required) bad("%s: \"%s\" (an array) is required", where, key);
        return NULL;
    }
    if (!json_object_is_type(a, json_type_array)) {
        bad("%s: \"%s\" must be an array", where, key);
        return NULL;
    }
    return a;
}

static const char *string_member(json_object *o, const char *key, const char *where, bool required,
                                 int *rc)
{
    json_object *v = jsonx_get(o, key);
    if (!v) {
        if (required) *rc = bad("%s: \"%s\" (a string) is required", where, key);
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        *rc = bad("%s: \"%s\" must be a string", where, key);
        return NULL;
    }
    return json_object_get_string(v);
}

/* Adds host to the Whitelist; duplicates go when the list is complete (unique_nodes). */
static int add_node(struct network *n, const char *host)
{
    if (n->n_nodes == n->cap_nodes) {
        size_t cap = n->cap_nodes ? n->cap_nodes * 2 : 32;
        const char **p = realloc(n->nodes, cap * sizeof *p);
        if (!p) return bad("out of memory");
        n->nodes = p;
        n->cap_nodes = cap;
    }
    n->nodes[n->n_nodes++] = host;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void unique_nodes(struct network *n)
{
    if (n->n_nodes < 2) return;
    qsort(n->nodes, n->n_nodes, sizeof *n->nodes, cmp_str);
    size_t kept = 1;
    for (size_t i = 1; i < n->n_nodes; i++)
        if (strcmp(n->nodes[i], n->nodes[kept - 1]) != 0) n->nodes[kept++] = n->nodes[i];
    n->n_nodes = kept;
}

/* The host of an https URL (checked elsewhere), added to the Whitelist. */
static int add_url_host(struct network *n, const char *url)
{
    if (strncmp(url, "https://", 8) != 0) return bad("\"%s\" is not an https URL", url);
    const char *h = url + 8;
    size_t len = strcspn(h, ":/");
    char *host = own(&n->strings, strndup(h, len));
    if (!host) return bad("out of memory");
    return add_node(n, host);
}

static int cmp_name_id(const void *a, const void *b)
{
    return strcmp(((const struct medmij_service_name *)a)->id,
                  ((const struct medmij_service_name *)b)->id);
}

static int read_gnl(struct network *n, json_object *desc)
{
    static const char *const allowed[] = {"id", "name", NULL};
    json_object *a = array_member(desc, "gegevensdiensten", "top level", true);
    if (!a) return -1;
    size_t len = json_object_array_length(a);
    if (len > MEDMIJ_MAX_GNL) return bad("more than %u gegevensdiensten", MEDMIJ_MAX_GNL);
    n->names = calloc(len ? len : 1, sizeof *n->names);
    if (!n->names) return bad("out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(a, i);
        char where[64];
        snprintf(where, sizeof where, "gegevensdiensten[%zu]", i);
        if (!json_object_is_type(e, json_type_object)) return bad("%s must be an object", where);
        int rc = only_members(e, where, allowed);
        n->names[i].id = string_member(e, "id", where, true, &rc);
        n->names[i].name = string_member(e, "name", where, true, &rc);
        if (rc) return -1;
        n->n_names++;
    }
    qsort(n->names, n->n_names, sizeof *n->names, cmp_name_id);
    return 0;
}

/* n->names is sorted by id once read (read_gnl). */
static bool gnl_has(const struct network *n, const char *id)
{
    struct medmij_service_name key = {.id = id};
    return n->n_names && bsearch(&key, n->names, n->n_names, sizeof *n->names, cmp_name_id) != NULL;
}

/* Counts services and roles of all providers first, so each gets one array. */
static int count_services(json_object *zas, size_t *services, size_t *roles)
{
    *services = *roles = 0;
    for (size_t i = 0; i < json_object_array_length(zas); i++) {
        json_object *svcs = jsonx_get(json_object_array_get_idx(zas, i), "gegevensdiensten");
        if (!svcs || !json_object_is_type(svcs, json_type_array)) continue;
        size_t ns = json_object_array_length(svcs);
        if (ns > MEDMIJ_MAX_SERVICES)
            return bad("a zorgaanbieder has more than %u services", MEDMIJ_MAX_SERVICES);
        *services += ns;
        for (size_t j = 0; j < ns; j++) {
            json_object *r = jsonx_get(json_object_array_get_idx(svcs, j), "systeemrollen");
            size_t nr =
                r && json_object_is_type(r, json_type_array) ? json_object_array_length(r) : 1;
            if (nr > MEDMIJ_MAX_ROLES)
                return bad("a service has more than %u systeemrollen", MEDMIJ_MAX_ROLES);
            *roles += nr ? nr : 1;
        }
    }
    return 0;
}

struct provider_ctx {
    const char *host;
    const char *port; /* "" or ":8443" */
    const char *where;
};

static int read_service(struct network *n, const struct provider_ctx *p, json_object *e,
                        struct medmij_zal_service *s, size_t *roles_used)
{
    static const char *const allowed[] = {
        "id", "systeemrollen", "authorization_endpoint", "token_endpoint", "resource_endpoint",
        NULL};
    char where[128];
    snprintf(where, sizeof where, "%s service", p->where);
    const char *res = NULL, *auth = NULL, *tok = NULL;
    json_object *roles = NULL;
    int rc = 0;
    if (json_object_is_type(e, json_type_string)) {
        s->id = json_object_get_string(e);
    } else if (json_object_is_type(e, json_type_object)) {
        rc = only_members(e, where, allowed);
        s->id = string_member(e, "id", where, true, &rc);
        auth = string_member(e, "authorization_endpoint", where, false, &rc);
        tok = string_member(e, "token_endpoint", where, false, &rc);
        res = string_member(e, "resource_endpoint", where, false, &rc);
        roles = jsonx_get(e, "systeemrollen");
        if (roles && !json_object_is_type(roles, json_type_array))
            rc = bad("%s: \"systeemrollen\" must be an array of strings", where);
    } else {
        return bad("%s: a service is an id string or an object", where);
    }
    if (rc) return -1;
    if (!gnl_has(n, s->id))
        return bad("%s: service id \"%s\" is not among the gegevensdiensten", where, s->id);
    s->authorization_endpoint = auth ? auth
                                     : own_printf(&n->strings, "https://%s%s/oauth/authorize",
                                                  p->host, n->allow_ports ? p->port : "");
    s->token_endpoint =
        tok ? tok : own_printf(&n->strings, "https://%s%s/oauth/token", p->host, p->port);
    if (!res) res = own_printf(&n->strings, "https://%s%s/fhir", p->host, p->port);
    if (!s->authorization_endpoint || !s->token_endpoint || !res) return bad("out of memory");
    if (add_url_host(n, s->token_endpoint) || add_url_host(n, res)) return -1;
    struct medmij_role *r = n->roles + *roles_used;
    size_t nr = roles ? json_object_array_length(roles) : 0;
    for (size_t k = 0; k < nr; k++) {
        json_object *code = json_object_array_get_idx(roles, k);
        if (!json_object_is_type(code, json_type_string))
            return bad("%s: \"systeemrollen\" must be an array of strings", where);
        r[k].code = json_object_get_string(code);
        r[k].resource_endpoint = res;
    }
    if (nr == 0) {
        r[0].code = DEFAULT_ROLE;
        r[0].resource_endpoint = res;
        nr = 1;
    }
    s->roles = r;
    s->n_roles = nr;
    *roles_used += nr;
    return 0;
}

static int read_zal(struct network *n, json_object *desc)
{
    static const char *const allowed[] = {"name", "hostname", "port", "gegevensdiensten", NULL};
    json_object *zas = array_member(desc, "zorgaanbieders", "top level", true);
    if (!zas) return -1;
    size_t len = json_object_array_length(zas), n_services, n_roles;
    if (len > MEDMIJ_MAX_PROVIDERS) return bad("more than %u zorgaanbieders", MEDMIJ_MAX_PROVIDERS);
    if (count_services(zas, &n_services, &n_roles)) return -1;
    n->providers = calloc(len ? len : 1, sizeof *n->providers);
    n->services = calloc(n_services ? n_services : 1, sizeof *n->services);
    n->roles = calloc(n_roles ? n_roles : 1, sizeof *n->roles);
    if (!n->providers || !n->services || !n->roles) return bad("out of memory");
    size_t services_used = 0, roles_used = 0;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(zas, i);
        char where[64];
        snprintf(where, sizeof where, "zorgaanbieders[%zu]", i);
        if (!json_object_is_type(e, json_type_object)) return bad("%s must be an object", where);
        int rc = only_members(e, where, allowed);
        const char *name = string_member(e, "name", where, true, &rc);
        const char *host = string_member(e, "hostname", where, true, &rc);
        json_object *port = jsonx_get(e, "port");
        json_object *svcs = array_member(e, "gegevensdiensten", where, true);
        if (rc || !svcs) return -1;
        if (!medmij_valid_hostname(host)) return bad("%s: \"%s\" is not a host name", where, host);
        char port_text[16] = "";
        if (port) {
            int64_t v = json_object_get_int64(port);
            if (!json_object_is_type(port, json_type_int) || v < 1 || v > 65535)
                return bad("%s: \"port\" must be a number from 1 to 65535", where);
            if (v != 443) snprintf(port_text, sizeof port_text, ":%" PRId64, v);
        }
        struct medmij_provider *p = &n->providers[i];
        p->name = strstr(name, "@medmij") ? name : own_printf(&n->strings, "%s@medmij", name);
        if (!p->name) return bad("out of memory");
        struct provider_ctx ctx = {host, port_text, where};
        struct medmij_zal_service *s = n->services + services_used;
        size_t ns = json_object_array_length(svcs);
        for (size_t j = 0; j < ns; j++)
            if (read_service(n, &ctx, json_object_array_get_idx(svcs, j), &s[j], &roles_used))
                return -1;
        p->services = s;
        p->n_services = ns;
        services_used += ns;
        n->n_providers++;
    }
    return 0;
}

static int read_ocl(struct network *n, json_object *desc)
{
    static const char *const allowed[] = {"hostname", "name", NULL};
    json_object *pgos = array_member(desc, "pgos", "top level", true);
    if (!pgos) return -1;
    size_t len = json_object_array_length(pgos);
    if (len > MEDMIJ_MAX_CLIENTS) return bad("more than %u pgos", MEDMIJ_MAX_CLIENTS);
    n->clients = calloc(len ? len : 1, sizeof *n->clients);
    if (!n->clients) return bad("out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(pgos, i);
        char where[64];
        snprintf(where, sizeof where, "pgos[%zu]", i);
        if (!json_object_is_type(e, json_type_object)) return bad("%s must be an object", where);
        int rc = only_members(e, where, allowed);
        n->clients[i].hostname = string_member(e, "hostname", where, true, &rc);
        n->clients[i].organisation = string_member(e, "name", where, true, &rc);
        if (rc || add_node(n, n->clients[i].hostname)) return -1;
        n->n_clients++;
    }
    return 0;
}

int lists_read_description(struct network *n, json_object *desc)
{
    static const char *const allowed[] = {
        "volgnummer", "tijdstempel", "gegevensdiensten", "zorgaanbieders", "pgos",
        "whitelist",  NULL};
    if (!json_object_is_type(desc, json_type_object)) return bad("must be a JSON object");
    if (only_members(desc, "top level", allowed)) return -1;
    json_object *v = jsonx_get(desc, "volgnummer");
    if (v) {
        int64_t num = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || num < 1)
            return bad("\"volgnummer\" must be a positive integer");
        n->volgnummer = (uint64_t)num;
    }
    int rc = 0;
    n->tijdstempel = string_member(desc, "tijdstempel", "top level", false, &rc);
    if (rc || read_gnl(n, desc) || read_zal(n, desc) || read_ocl(n, desc)) return -1;
    json_object *extra = array_member(desc, "whitelist", "top level", false);
    for (size_t i = 0; extra && i < json_object_array_length(extra); i++) {
        json_object *h = json_object_array_get_idx(extra, i);
        if (!json_object_is_type(h, json_type_string))
            return bad("\"whitelist\" must be an array of host names");
        if (add_node(n, json_object_get_string(h))) return -1;
    }
    unique_nodes(n);
    if (n->n_nodes > MEDMIJ_MAX_NODES) return bad("more than %u whitelist nodes", MEDMIJ_MAX_NODES);
    return 0;
}
