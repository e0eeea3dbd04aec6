/* `regie lists --description FILE --out DIR`: writes the four MedMij lists (ZAL, OCL, Whitelist,
 * GNL) of a local network from a small JSON description (docs/medmij.md has its format). Every
 * list is checked by the same reader that takes lists in; the four files are written under
 * temporary names and renamed only when all four are ready. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/lists.h"
#include "json/jsonx.h"
#include "medmij/lists.h"

#define DESCRIPTION_MAX   (4u << 20)
#define DESCRIPTION_DEPTH 16
#define LISTS_PATH_MAX    4096
#define DEFAULT_ROLE      "FHIR-R4"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie lists --description FILE --out DIR [--xsd-dir DIR]\n"
            "       regie lists --check SOURCE... [--xsd-dir DIR] [--ca-file FILE]\n\n"
            "Writes the MedMij lists of a local network, described in the JSON FILE, to DIR:\n"
            "ZAL.xml (Zorgaanbiederslijst), OCL.xml (OAuth client list), Whitelist.xml and\n"
            "GNL.xml (Gegevensdienstnamenlijst). Each list's Volgnummer is one more than the\n"
            "one already in DIR (1 for a new list) unless FILE sets \"volgnummer\"; the\n"
            "Tijdstempel is now unless FILE sets \"tijdstempel\". DIR must exist. The\n"
            "description format is in docs/medmij.md.\n\n"
            "options:\n"
            "  --description FILE  the network description (JSON)\n"
            "  --out DIR           the directory to write the four lists to\n"
            "  --xsd-dir DIR       also validate each list against MedMij's XSDs in DIR\n"
            "  --check SOURCE...   read lists (files or https:// URLs) as the server does and\n"
            "                      say what each holds or why it is refused (writes nothing)\n"
            "  --ca-file FILE      https: trust these CAs instead of the system's\n"
            "  --help              this text\n\n"
            "exit status: 0 written (or every list passed), 1 invalid description, write\n"
            "failure or a refused list, 2 usage error\n");
}

/* Strings built here (names with @medmij, endpoint URLs); freed together at the end. */
struct owned {
    char **items;
    size_t n, cap;
};

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

struct network {
    struct owned strings;
    struct medmij_provider *providers;
    size_t n_providers;
    struct medmij_zal_service *services; /* all providers' services, in one array */
    struct medmij_role *roles;           /* all roles */
    struct medmij_client *clients;
    size_t n_clients;
    const char **nodes;
    size_t n_nodes, cap_nodes;
    struct medmij_service_name *names;
    size_t n_names;
    uint64_t volgnummer; /* 0: from the lists in DIR */
    const char *tijdstempel;
};

static void network_free(struct network *n)
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
    s->authorization_endpoint =
        auth ? auth : own_printf(&n->strings, "https://%s/oauth/authorize", p->host);
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

static int read_description(struct network *n, json_object *desc)
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

static int read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "regie lists: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(b, chunk, k) != 0) break;
    int failed = ferror(f) || b->overflowed;
    fclose(f);
    if (failed)
        fprintf(stderr, "regie lists: cannot read %s (at most %u bytes)\n", path, DESCRIPTION_MAX);
    return failed ? -1 : 0;
}

/* The Volgnummer of the list of this kind already in dir: 0 when there is none, -1 when the file
 * is there but is not a list regie accepts (it is not overwritten blindly). */
static int held_volgnummer(const char *dir, enum medmij_list_kind kind, uint64_t *out)
{
    char path[LISTS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, medmij_list_file_name(kind));
    *out = 0;
    if (access(path, F_OK) != 0) return 0;
    struct buf b;
    buf_init(&b, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
    char err[256];
    if (medmij_fetch(path, MEDMIJ_LIST_MAX_BYTES_DEFAULT, 0, NULL, &b, err, sizeof err) != 0) {
        fprintf(stderr, "regie lists: %s\n", err);
        buf_free(&b);
        return -1;
    }
    struct medmij_parse_opts opts = {.expect = kind};
    struct medmij_list *l = medmij_list_parse(b.data, b.len, &opts, err, sizeof err);
    buf_free(&b);
    if (!l) {
        fprintf(stderr, "regie lists: %s exists but is not a valid %s (%s); remove it first\n",
                path, medmij_list_short_name(kind), err);
        return -1;
    }
    *out = l->volgnummer;
    medmij_list_free(l);
    return 0;
}

static int write_file(const char *path, const struct buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    bool ok = fwrite(b->data, 1, b->len, f) == b->len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Builds, checks and writes the four lists under temporary names, then renames them. */
static int write_lists(const struct network *n, const char *dir, const char *xsd_dir)
{
    char stamp[32];
    if (!n->tijdstempel) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    char tmp[MEDMIJ_LIST_KINDS][LISTS_PATH_MAX], final[MEDMIJ_LIST_KINDS][LISTS_PATH_MAX];
    uint64_t numbers[MEDMIJ_LIST_KINDS];
    int written = 0, rc = 0;
    for (int k = 0; k < MEDMIJ_LIST_KINDS && rc == 0; k++) {
        uint64_t held;
        if (held_volgnummer(dir, k, &held) != 0) {
            rc = -1;
            break;
        }
        uint64_t num = n->volgnummer ? n->volgnummer : held + 1;
        if (num <= held) {
            fprintf(stderr,
                    "regie lists: %s in %s has Volgnummer %" PRIu64
                    "; a new list needs a higher one (readers refuse lower)\n",
                    medmij_list_short_name(k), dir, held);
            rc = -1;
            break;
        }
        struct medmij_list l = {.kind = k,
                                .volgnummer = num,
                                .tijdstempel = n->tijdstempel ? n->tijdstempel : stamp,
                                .providers = n->providers,
                                .n_providers = n->n_providers,
                                .clients = n->clients,
                                .n_clients = n->n_clients,
                                .nodes = n->nodes,
                                .n_nodes = n->n_nodes,
                                .service_names = n->names,
                                .n_service_names = n->n_names};
        struct buf out;
        buf_init(&out, MEDMIJ_LIST_MAX_BYTES_DEFAULT);
        char err[512];
        snprintf(final[k], sizeof final[k], "%s/%s", dir, medmij_list_file_name(k));
        snprintf(tmp[k], sizeof tmp[k], "%s/.%s.tmp", dir, medmij_list_file_name(k));
        if (medmij_list_write(&l, &out, err, sizeof err) != 0 ||
            (xsd_dir && medmij_list_xsd_validate(out.data, out.len, k, xsd_dir, err, sizeof err))) {
            fprintf(stderr, "regie lists: %s: %s\n", medmij_list_short_name(k), err);
            rc = -1;
        } else if (write_file(tmp[k], &out) != 0) {
            fprintf(stderr, "regie lists: cannot write %s: %s\n", tmp[k], strerror(errno));
            unlink(tmp[k]);
            rc = -1;
        } else {
            numbers[k] = num;
            written++;
        }
        buf_free(&out);
    }
    for (int k = 0; k < written; k++) {
        if (rc == 0 && rename(tmp[k], final[k]) != 0) {
            fprintf(stderr, "regie lists: cannot rename %s: %s\n", tmp[k], strerror(errno));
            rc = -1;
        }
        if (rc != 0) unlink(tmp[k]);
    }
    if (rc == 0)
        for (int k = 0; k < MEDMIJ_LIST_KINDS; k++)
            printf("%s Volgnummer %" PRIu64 "\n", final[k], numbers[k]);
    return rc;
}

int cli_lists(int argc, char **argv)
{
    const char *desc_path = NULL, *dir = NULL, *xsd_dir = NULL, *ca_file = NULL;
    char **checks = NULL;
    size_t n_checks = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 < argc && !strcmp(argv[i], "--description"))
            desc_path = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--xsd-dir"))
            xsd_dir = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--ca-file"))
            ca_file = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--check")) {
            /* --check takes every following argument up to the next option. */
            checks = argv + i + 1;
            while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                i++;
                n_checks++;
            }
        } else if (i + 1 < argc && !strcmp(argv[i], "--out"))
            dir = argv[++i];
        else {
            fprintf(stderr, "regie lists: unknown option or missing value: %s\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (n_checks) {
        if (desc_path || dir) {
            fprintf(stderr, "regie lists: --check does not go with --description or --out\n\n");
            usage(stderr);
            return 2;
        }
        return cli_lists_check(checks, n_checks, xsd_dir, ca_file);
    }
    if (!desc_path || !dir) {
        fprintf(stderr, "regie lists: --description FILE and --out DIR are required\n\n");
        usage(stderr);
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "regie lists: %s is not a directory\n", dir);
        return 1;
    }
    struct buf b;
    buf_init(&b, DESCRIPTION_MAX);
    if (read_file(desc_path, &b) != 0) {
        buf_free(&b);
        return 1;
    }
    enum jsonx_err jerr;
    char msg[256];
    json_object *desc =
        jsonx_parse(b.data ? b.data : "", b.len, DESCRIPTION_DEPTH, &jerr, msg, sizeof msg);
    buf_free(&b);
    if (!desc) {
        fprintf(stderr, "regie lists: %s: %s\n", desc_path, msg);
        return 1;
    }
    struct network n = {0};
    int rc = read_description(&n, desc) == 0 && write_lists(&n, dir, xsd_dir) == 0 ? 0 : 1;
    network_free(&n);
    json_object_put(desc);
    return rc;
}
