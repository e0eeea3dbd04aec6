/* Reading the entries of a list, each a small tree: the leaves with their formats, a provider with
 * its data services and roles, a client, a node, a data service name, and the sort with the XSDs'
 * uniqueness rules. list_parse.c streams the document and hands each entry here. */
#include <stdlib.h>
#include <string.h>

#include "medmij/internal.h"
#include "util/fhirtime.h"

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

/* Every element name the four XSDs know; others are "unknown" (refused, or skipped when
 * allow_unknown_elements is set). */
static const char *const known_names[] = {
    "Tijdstempel",
    "Volgnummer",
    "Zorgaanbieders",
    "Zorgaanbieder",
    "Zorgaanbiedernaam",
    "Gegevensdiensten",
    "Gegevensdienst",
    "GegevensdienstId",
    "AuthorizationEndpoint",
    "TokenEndpoint",
    "Systeemrollen",
    "Systeemrol",
    "Systeemrolcode",
    "ResourceEndpoint",
    "AuthorizationEndpointuri",
    "TokenEndpointuri",
    "ResourceEndpointuri",
    "OAuthclients",
    "OAuthclient",
    "Hostname",
    "OAuthclientOrganisatienaam",
    "MedMijNodes",
    "MedMijNode",
    "Weergavenaam",
};

bool medmij_entry_known(const struct medmij_reader *r, const xmlNode *n)
{
    if (r->root_pending) return true; /* the root decides the namespace; read_root_element checks */
    if (!n->ns || !n->ns->href || strcmp((const char *)n->ns->href, r->ns) != 0) return false;
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (!strcmp((const char *)n->name, known_names[i])) return true;
    return false;
}

bool medmij_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    return true;
}

/* Only xsi: attributes (schemaLocation ...) are allowed; the XSDs declare none of their own. */
int medmij_entry_attrs(struct medmij_reader *r, const xmlNode *n)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->ns && a->ns->href && !strcmp((const char *)a->ns->href, XSI_NS)) continue;
        if (r->allow_unknown) continue;
        return medmij_fail(r->err, r->err_len, "line %d: <%s> has an unexpected attribute '%s'",
                           n->line, n->name, a->name);
    }
    return 0;
}

/* The next element at or after *cur that the reader should look at: text that is only white
 * space, comments and processing instructions are passed over, unknown elements too when allowed.
 * NULL at the end or after an error (*bad set). */
static xmlNode *next_element(struct medmij_reader *r, xmlNode **cur, bool *bad)
{
    for (xmlNode *n = *cur; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            if (!medmij_entry_known(r, n)) {
                if (r->allow_unknown) continue;
                *bad = true;
                medmij_fail(r->err, r->err_len, "line %d: unexpected element <%s>", n->line,
                            n->name);
                return NULL;
            }
            *cur = n;
            return n;
        }
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) continue;
        if (n->type == XML_TEXT_NODE && medmij_blank(n->content)) continue;
        *bad = true;
        medmij_fail(r->err, r->err_len, "line %d: unexpected content between elements", n->line);
        return NULL;
    }
    *cur = NULL;
    return NULL;
}

/* The next element if it is named `name` (cursor moves past it); otherwise NULL, cursor kept. */
static xmlNode *take(struct medmij_reader *r, xmlNode **cur, const char *name, bool *bad)
{
    xmlNode *n = next_element(r, cur, bad);
    if (!n || strcmp((const char *)n->name, name) != 0) return NULL;
    if (medmij_entry_attrs(r, n) != 0) {
        *bad = true;
        return NULL;
    }
    *cur = n->next;
    return n;
}

/* The next element, which must be `name`. */
static xmlNode *expect(struct medmij_reader *r, xmlNode **cur, const xmlNode *parent,
                       const char *name)
{
    bool bad = false;
    xmlNode *n = take(r, cur, name, &bad);
    if (n || bad) return n;
    if (*cur)
        medmij_fail(r->err, r->err_len, "line %d: expected <%s> in <%s>, found <%s>", (*cur)->line,
                    name, parent->name, (*cur)->name);
    else
        medmij_fail(r->err, r->err_len, "line %d: <%s> lacks <%s>", parent->line, parent->name,
                    name);
    return NULL;
}

/* Nothing but skippable nodes may follow the last element of a sequence. */
static int expect_end(struct medmij_reader *r, xmlNode *cur, const xmlNode *parent)
{
    bool bad = false;
    xmlNode *n = next_element(r, &cur, &bad);
    if (bad) return -1;
    if (n)
        return medmij_fail(r->err, r->err_len, "line %d: unexpected <%s> in <%s>", n->line, n->name,
                           parent->name);
    return 0;
}

/* How many elements named `name` follow from cur on (up to limit + 1, to detect "too many"). */
static size_t count_named(const xmlNode *cur, const char *name, size_t limit)
{
    size_t n = 0;
    for (; cur && n <= limit; cur = cur->next)
        if (cur->type == XML_ELEMENT_NODE && !strcmp((const char *)cur->name, name)) n++;
    return n;
}

/* The text of a leaf element, copied into the arena; child elements are refused. */
static const char *leaf_text(struct medmij_reader *r, const xmlNode *n, size_t max_bytes)
{
    size_t len = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            len += strlen((const char *)c->content);
            continue;
        }
        if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE) continue;
        medmij_fail(r->err, r->err_len, "line %d: <%s> must hold text only", n->line, n->name);
        return NULL;
    }
    if (len > max_bytes) {
        medmij_fail(r->err, r->err_len, "line %d: <%s> is longer than %zu bytes", n->line, n->name,
                    max_bytes);
        return NULL;
    }
    char *s = medmij_arena_alloc(r->arena, len + 1);
    if (!s) {
        medmij_fail(r->err, r->err_len, "out of memory");
        return NULL;
    }
    size_t at = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            size_t k = strlen((const char *)c->content);
            memcpy(s + at, c->content, k);
            at += k;
        }
    s[at] = '\0';
    return s;
}

/* A leaf `name` that must pass `valid`; `what` names the format for the message. */
static const char *leaf(struct medmij_reader *r, xmlNode **cur, const xmlNode *parent,
                        const char *name, bool (*valid)(const char *), const char *what)
{
    xmlNode *n = expect(r, cur, parent, name);
    if (!n) return NULL;
    const char *s = leaf_text(r, n, MEDMIJ_MAX_URI);
    if (!s) return NULL;
    if (!valid(s)) {
        medmij_fail(r->err, r->err_len, "line %d: <%s> '%.80s' is not %s", n->line, name, s, what);
        return NULL;
    }
    return s;
}

static bool id_text(const char *s)
{
    return medmij_valid_text(s, 1, 30);
}

static bool display_text(const char *s)
{
    return medmij_valid_text(s, 3, 50);
}

/* xs:dateTime collapses white space; xs:string keeps it. */
static const char *trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    *len = n;
    return s;
}

/* Tijdstempel: xs:dateTime of 20 characters or more. regie also requires the zone (a time without
 * one is ambiguous) and a real calendar date. */
int medmij_read_tijdstempel(struct medmij_reader *r, const xmlNode *n, struct medmij_list *list)
{
    const char *raw = leaf_text(r, n, 64);
    if (!raw) return -1;
    size_t len;
    const char *s = trim(raw, &len);
    struct fhirtime t;
    if (len < 20 || !fhirtime_parse_datetime(s, len, &t) || t.precision != FHIRTIME_SECOND ||
        !t.has_zone)
        return medmij_fail(r->err, r->err_len,
                           "line %d: <Tijdstempel> '%.40s' is not a date and time with a zone",
                           n->line, raw);
    list->tijdstempel = medmij_arena_strdup(r->arena, s, len);
    list->tijdstempel_us = t.start_us;
    return list->tijdstempel ? 0 : medmij_fail(r->err, r->err_len, "out of memory");
}

/* Volgnummer: xs:positiveInteger (an optional '+', digits, leading zeros allowed, at least 1);
 * regie's bound is what fits 64 bits. */
int medmij_read_volgnummer(struct medmij_reader *r, const xmlNode *n, struct medmij_list *list)
{
    const char *raw = leaf_text(r, n, 64);
    if (!raw) return -1;
    size_t len, i = 0;
    const char *s = trim(raw, &len);
    if (len && s[0] == '+') i++;
    uint64_t v = 0;
    if (i == len) goto bad;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') goto bad;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) goto bad;
        v = v * 10 + d;
    }
    if (v == 0) goto bad;
    list->volgnummer = v;
    return 0;
bad:
    return medmij_fail(r->err, r->err_len,
                       "line %d: <Volgnummer> '%.40s' is not a positive integer of 64 bits",
                       n->line, raw);
}

/* Opens the container `name` and counts its `item` children against limit; NULL on error. */
static xmlNode *open_list(struct medmij_reader *r, xmlNode **cur, const xmlNode *parent,
                          const char *name, const char *item, size_t limit, size_t min,
                          size_t *count)
{
    xmlNode *c = expect(r, cur, parent, name);
    if (!c) return NULL;
    *count = count_named(c->children, item, limit);
    if (*count > limit) {
        medmij_fail(r->err, r->err_len, "line %d: <%s> holds more than %zu <%s>", c->line, name,
                    limit, item);
        return NULL;
    }
    if (*count < min) {
        medmij_fail(r->err, r->err_len, "line %d: <%s> holds no <%s>", c->line, name, item);
        return NULL;
    }
    return c;
}

/* A wrapper element holding one uri leaf (AuthorizationEndpoint/AuthorizationEndpointuri ...). */
static const char *endpoint(struct medmij_reader *r, xmlNode **cur, const xmlNode *parent,
                            const char *wrapper, const char *name, bool back_channel)
{
    xmlNode *w = expect(r, cur, parent, wrapper);
    if (!w) return NULL;
    xmlNode *in = w->children;
    /* allow_ports (development only) reads a front-channel URI by the back channel's rule. */
    const char *uri = back_channel || r->allow_ports
                          ? leaf(r, &in, w, name, medmij_valid_backchannel_uri,
                                 "an https URI (host, optional port, path; no query or fragment)")
                          : leaf(r, &in, w, name, medmij_valid_frontchannel_uri,
                                 "an https URI (host and path; no port, query or fragment)");
    if (!uri || expect_end(r, in, w) != 0) return NULL;
    return uri;
}

static int cmp_role(const void *a, const void *b)
{
    return strcmp(((const struct medmij_role *)a)->code, ((const struct medmij_role *)b)->code);
}

static int cmp_service(const void *a, const void *b)
{
    return strcmp(((const struct medmij_zal_service *)a)->id,
                  ((const struct medmij_zal_service *)b)->id);
}

static int cmp_provider(const void *a, const void *b)
{
    return strcmp(((const struct medmij_provider *)a)->name,
                  ((const struct medmij_provider *)b)->name);
}

static int cmp_client(const void *a, const void *b)
{
    return strcmp(((const struct medmij_client *)a)->hostname,
                  ((const struct medmij_client *)b)->hostname);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_service_name(const void *a, const void *b)
{
    return strcmp(((const struct medmij_service_name *)a)->id,
                  ((const struct medmij_service_name *)b)->id);
}

/* Sorts n items and refuses two with the same key (the XSDs' xs:unique constraints). */
int medmij_sort_unique(struct medmij_reader *r, void *items, size_t n, size_t size,
                       int (*cmp)(const void *, const void *), const char *(*key)(const void *),
                       const char *what)
{
    if (n < 2) return 0;
    qsort(items, n, size, cmp);
    const char *p = items;
    for (size_t i = 1; i < n; i++)
        if (cmp(p + (i - 1) * size, p + i * size) == 0)
            return medmij_fail(r->err, r->err_len, "%s '%.80s' appears twice", what,
                               key(p + i * size));
    return 0;
}

static const char *key_role(const void *p)
{
    return ((const struct medmij_role *)p)->code;
}

static const char *key_service(const void *p)
{
    return ((const struct medmij_zal_service *)p)->id;
}

static const char *key_provider(const void *p)
{
    return ((const struct medmij_provider *)p)->name;
}

static const char *key_client(const void *p)
{
    return ((const struct medmij_client *)p)->hostname;
}

static const char *key_str(const void *p)
{
    return *(const char *const *)p;
}

static const char *key_service_name(const void *p)
{
    return ((const struct medmij_service_name *)p)->id;
}

void *medmij_reader_alloc(struct medmij_reader *r, size_t n, size_t size)
{
    if (n == 0) return NULL;
    void *p = medmij_arena_alloc(r->arena, n * size);
    if (!p) medmij_fail(r->err, r->err_len, "out of memory");
    return p;
}

static int read_service(struct medmij_reader *r, xmlNode *svc, struct medmij_zal_service *out)
{
    xmlNode *cur = svc->children;
    out->id = leaf(r, &cur, svc, "GegevensdienstId", id_text, "1 to 30 characters");
    if (!out->id) return -1;
    out->authorization_endpoint =
        endpoint(r, &cur, svc, "AuthorizationEndpoint", "AuthorizationEndpointuri", false);
    if (!out->authorization_endpoint) return -1;
    out->token_endpoint = endpoint(r, &cur, svc, "TokenEndpoint", "TokenEndpointuri", true);
    if (!out->token_endpoint) return -1;
    size_t n;
    xmlNode *roles_el =
        open_list(r, &cur, svc, "Systeemrollen", "Systeemrol", MEDMIJ_MAX_ROLES, 1, &n);
    if (!roles_el || expect_end(r, cur, svc) != 0) return -1;
    struct medmij_role *roles = medmij_reader_alloc(r, n, sizeof *roles);
    if (!roles) return -1;
    xmlNode *rc = roles_el->children;
    size_t got = 0;
    bool bad = false;
    for (xmlNode *role; (role = take(r, &rc, "Systeemrol", &bad));) {
        xmlNode *in = role->children;
        roles[got].code = leaf(r, &in, role, "Systeemrolcode", id_text, "1 to 30 characters");
        if (!roles[got].code) return -1;
        roles[got].resource_endpoint =
            endpoint(r, &in, role, "ResourceEndpoint", "ResourceEndpointuri", true);
        if (!roles[got].resource_endpoint || expect_end(r, in, role) != 0) return -1;
        got++;
    }
    if (bad || expect_end(r, rc, roles_el) != 0) return -1;
    out->roles = roles;
    out->n_roles = got;
    return medmij_sort_unique(r, roles, got, sizeof *roles, cmp_role, key_role, "Systeemrolcode");
}

static int read_provider(struct medmij_reader *r, xmlNode *pe, struct medmij_provider *out)
{
    xmlNode *cur = pe->children;
    out->name = leaf(r, &cur, pe, "Zorgaanbiedernaam", medmij_valid_provider_name,
                     "a name of the form xyz@medmij (10 to 57 characters, a-z)");
    if (!out->name) return -1;
    size_t n;
    xmlNode *list_el =
        open_list(r, &cur, pe, "Gegevensdiensten", "Gegevensdienst", MEDMIJ_MAX_SERVICES, 1, &n);
    if (!list_el || expect_end(r, cur, pe) != 0) return -1;
    struct medmij_zal_service *svcs = medmij_reader_alloc(r, n, sizeof *svcs);
    if (!svcs) return -1;
    xmlNode *sc = list_el->children;
    size_t got = 0;
    bool bad = false;
    for (xmlNode *s; (s = take(r, &sc, "Gegevensdienst", &bad));)
        if (read_service(r, s, &svcs[got++]) != 0) return -1;
    if (bad || expect_end(r, sc, list_el) != 0) return -1;
    out->services = svcs;
    out->n_services = got;
    return medmij_sort_unique(r, svcs, got, sizeof *svcs, cmp_service, key_service,
                              "GegevensdienstId");
}

static int read_client(struct medmij_reader *r, xmlNode *c, void *slot)
{
    struct medmij_client *out = slot;
    xmlNode *in = c->children;
    out->hostname = leaf(r, &in, c, "Hostname", medmij_valid_hostname, "a host name");
    if (!out->hostname) return -1;
    out->organisation =
        leaf(r, &in, c, "OAuthclientOrganisatienaam", display_text, "3 to 50 characters");
    return out->organisation ? expect_end(r, in, c) : -1;
}

static int read_node(struct medmij_reader *r, xmlNode *node, void *slot)
{
    const char **out = slot;
    xmlNode *in = node->children;
    *out = leaf(r, &in, node, "Hostname", medmij_valid_hostname, "a host name");
    return *out ? expect_end(r, in, node) : -1;
}

static int read_service_name(struct medmij_reader *r, xmlNode *e, void *slot)
{
    struct medmij_service_name *out = slot;
    xmlNode *in = e->children;
    out->id = leaf(r, &in, e, "GegevensdienstId", id_text, "1 to 30 characters");
    if (!out->id) return -1;
    out->name = leaf(r, &in, e, "Weergavenaam", display_text, "3 to 50 characters");
    return out->name ? expect_end(r, in, e) : -1;
}

static int read_provider_slot(struct medmij_reader *r, xmlNode *p, void *slot)
{
    return read_provider(r, p, slot);
}

const struct medmij_container medmij_containers[MEDMIJ_LIST_KINDS] = {
    [MEDMIJ_ZAL] = {"Zorgaanbieders", "Zorgaanbieder", MEDMIJ_MAX_PROVIDERS,
                    sizeof(struct medmij_provider), read_provider_slot, cmp_provider, key_provider,
                    "Zorgaanbiedernaam"},
    [MEDMIJ_OCL] = {"OAuthclients", "OAuthclient", MEDMIJ_MAX_CLIENTS, sizeof(struct medmij_client),
                    read_client, cmp_client, key_client, "Hostname"},
    [MEDMIJ_WHITELIST] = {"MedMijNodes", "MedMijNode", MEDMIJ_MAX_NODES, sizeof(const char *),
                          read_node, cmp_str, key_str, "Hostname"},
    [MEDMIJ_GNL] = {"Gegevensdiensten", "Gegevensdienst", MEDMIJ_MAX_GNL,
                    sizeof(struct medmij_service_name), read_service_name, cmp_service_name,
                    key_service_name, "GegevensdienstId"},
};
