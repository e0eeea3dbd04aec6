/* Reads a MedMij list from its XML into the model of lists.h. The element order, cardinality and
 * formats follow the published XSDs (release2; GNL release1) and are checked here in C whether or
 * not the XSDs are configured, so a list is never taken in unchecked. The top level is streamed
 * (xmlTextReader) and each entry of the big container is expanded into a small tree on its own,
 * so memory follows the model, not the document's tree. */
#include <openssl/evp.h>
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

struct reader {
    struct medmij_arena *arena;
    const char *ns;
    bool allow_unknown;
    bool root_pending;
    char *err;
    size_t err_len;
};

static bool is_known(const struct reader *r, const xmlNode *n)
{
    if (r->root_pending) return true; /* the root decides the namespace; read_root_element checks */
    if (!n->ns || !n->ns->href || strcmp((const char *)n->ns->href, r->ns) != 0) return false;
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (!strcmp((const char *)n->name, known_names[i])) return true;
    return false;
}

static bool is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
    return true;
}

/* Only xsi: attributes (schemaLocation ...) are allowed; the XSDs declare none of their own. */
static int check_attrs(struct reader *r, const xmlNode *n)
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
static xmlNode *next_element(struct reader *r, xmlNode **cur, bool *bad)
{
    for (xmlNode *n = *cur; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            if (!is_known(r, n)) {
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
        if (n->type == XML_TEXT_NODE && is_blank(n->content)) continue;
        *bad = true;
        medmij_fail(r->err, r->err_len, "line %d: unexpected content between elements", n->line);
        return NULL;
    }
    *cur = NULL;
    return NULL;
}

/* The next element if it is named `name` (cursor moves past it); otherwise NULL, cursor kept. */
static xmlNode *take(struct reader *r, xmlNode **cur, const char *name, bool *bad)
{
    xmlNode *n = next_element(r, cur, bad);
    if (!n || strcmp((const char *)n->name, name) != 0) return NULL;
    if (check_attrs(r, n) != 0) {
        *bad = true;
        return NULL;
    }
    *cur = n->next;
    return n;
}

/* The next element, which must be `name`. */
static xmlNode *expect(struct reader *r, xmlNode **cur, const xmlNode *parent, const char *name)
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
static int expect_end(struct reader *r, xmlNode *cur, const xmlNode *parent)
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
static const char *leaf_text(struct reader *r, const xmlNode *n, size_t max_bytes)
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
static const char *leaf(struct reader *r, xmlNode **cur, const xmlNode *parent, const char *name,
                        bool (*valid)(const char *), const char *what)
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
static int read_tijdstempel(struct reader *r, const xmlNode *n, struct medmij_list *list)
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
static int read_volgnummer(struct reader *r, const xmlNode *n, struct medmij_list *list)
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
static xmlNode *open_list(struct reader *r, xmlNode **cur, const xmlNode *parent, const char *name,
                          const char *item, size_t limit, size_t min, size_t *count)
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
static const char *endpoint(struct reader *r, xmlNode **cur, const xmlNode *parent,
                            const char *wrapper, const char *name, bool back_channel)
{
    xmlNode *w = expect(r, cur, parent, wrapper);
    if (!w) return NULL;
    xmlNode *in = w->children;
    const char *uri = back_channel
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
static int sort_unique(struct reader *r, void *items, size_t n, size_t size,
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

static void *alloc_items(struct reader *r, size_t n, size_t size)
{
    if (n == 0) return NULL;
    void *p = medmij_arena_alloc(r->arena, n * size);
    if (!p) medmij_fail(r->err, r->err_len, "out of memory");
    return p;
}

static int read_service(struct reader *r, xmlNode *svc, struct medmij_zal_service *out)
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
    struct medmij_role *roles = alloc_items(r, n, sizeof *roles);
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
    return sort_unique(r, roles, got, sizeof *roles, cmp_role, key_role, "Systeemrolcode");
}

static int read_provider(struct reader *r, xmlNode *pe, struct medmij_provider *out)
{
    xmlNode *cur = pe->children;
    out->name = leaf(r, &cur, pe, "Zorgaanbiedernaam", medmij_valid_provider_name,
                     "a name of the form xyz@medmij (10 to 57 characters, a-z)");
    if (!out->name) return -1;
    size_t n;
    xmlNode *list_el =
        open_list(r, &cur, pe, "Gegevensdiensten", "Gegevensdienst", MEDMIJ_MAX_SERVICES, 1, &n);
    if (!list_el || expect_end(r, cur, pe) != 0) return -1;
    struct medmij_zal_service *svcs = alloc_items(r, n, sizeof *svcs);
    if (!svcs) return -1;
    xmlNode *sc = list_el->children;
    size_t got = 0;
    bool bad = false;
    for (xmlNode *s; (s = take(r, &sc, "Gegevensdienst", &bad));)
        if (read_service(r, s, &svcs[got++]) != 0) return -1;
    if (bad || expect_end(r, sc, list_el) != 0) return -1;
    out->services = svcs;
    out->n_services = got;
    return sort_unique(r, svcs, got, sizeof *svcs, cmp_service, key_service, "GegevensdienstId");
}

/* ---- the top level, streamed: only one entry of the big container is a tree at a time ---- */

static int read_client(struct reader *r, xmlNode *c, void *slot)
{
    struct medmij_client *out = slot;
    xmlNode *in = c->children;
    out->hostname = leaf(r, &in, c, "Hostname", medmij_valid_hostname, "a host name");
    if (!out->hostname) return -1;
    out->organisation =
        leaf(r, &in, c, "OAuthclientOrganisatienaam", display_text, "3 to 50 characters");
    return out->organisation ? expect_end(r, in, c) : -1;
}

static int read_node(struct reader *r, xmlNode *node, void *slot)
{
    const char **out = slot;
    xmlNode *in = node->children;
    *out = leaf(r, &in, node, "Hostname", medmij_valid_hostname, "a host name");
    return *out ? expect_end(r, in, node) : -1;
}

static int read_service_name(struct reader *r, xmlNode *e, void *slot)
{
    struct medmij_service_name *out = slot;
    xmlNode *in = e->children;
    out->id = leaf(r, &in, e, "GegevensdienstId", id_text, "1 to 30 characters");
    if (!out->id) return -1;
    out->name = leaf(r, &in, e, "Weergavenaam", display_text, "3 to 50 characters");
    return out->name ? expect_end(r, in, e) : -1;
}

static int read_provider_slot(struct reader *r, xmlNode *p, void *slot)
{
    return read_provider(r, p, slot);
}

/* Per kind: the container under the root, its entries, and how an entry is read and sorted. */
static const struct container {
    const char *name, *item;
    size_t limit, size;
    int (*read)(struct reader *, xmlNode *, void *);
    int (*cmp)(const void *, const void *);
    const char *(*key)(const void *);
    const char *key_name;
} containers[MEDMIJ_LIST_KINDS] = {
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

struct stream {
    struct reader *r;
    xmlTextReaderPtr xr;
    struct medmij_xml_errors *errs;
    bool pending; /* the reader stands on a node not yet looked at (after skipping a subtree) */
};

/* Moves to the next element child at `depth` (1 for the root's children). Returns 1 on one, 0 at
 * the end of its parent, -1 on an error. White space, comments and processing instructions are
 * passed over, unknown elements too when allowed. */
static int next_child(struct stream *s, int depth)
{
    struct reader *r = s->r;
    for (;;) {
        if (!s->pending) {
            int rc = xmlTextReaderRead(s->xr);
            if (rc < 0) return medmij_xml_stream_fail(s->errs, r->err, r->err_len);
            if (rc == 0) return medmij_fail(r->err, r->err_len, "list ends too early");
        }
        s->pending = false;
        int type = xmlTextReaderNodeType(s->xr);
        xmlNode *n = xmlTextReaderCurrentNode(s->xr);
        int line = n ? n->line : 0;
        switch (type) {
        case XML_READER_TYPE_ELEMENT:
            if (xmlTextReaderDepth(s->xr) != depth || !n) break;
            if (is_known(r, n)) return 1;
            if (!r->allow_unknown)
                return medmij_fail(r->err, r->err_len, "line %d: unexpected element <%s>", line,
                                   n->name);
            if (xmlTextReaderNext(s->xr) < 0)
                return medmij_xml_stream_fail(s->errs, r->err, r->err_len);
            s->pending = true;
            continue;
        case XML_READER_TYPE_END_ELEMENT:
            if (xmlTextReaderDepth(s->xr) == depth - 1) return 0;
            break;
        case XML_READER_TYPE_WHITESPACE:
        case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        case XML_READER_TYPE_COMMENT:
        case XML_READER_TYPE_PROCESSING_INSTRUCTION:
            continue;
        case XML_READER_TYPE_TEXT:
        case XML_READER_TYPE_CDATA:
            if (is_blank(xmlTextReaderConstValue(s->xr))) continue;
            return medmij_fail(r->err, r->err_len, "line %d: unexpected content between elements",
                               line);
        default:
            break;
        }
        return medmij_fail(r->err, r->err_len, "line %d: unexpected XML node", line);
    }
}

/* The next child at depth, which must be `name`; NULL on an error. */
static xmlNode *expect_child(struct stream *s, int depth, const xmlNode *parent, const char *name)
{
    struct reader *r = s->r;
    int rc = next_child(s, depth);
    if (rc < 0) return NULL;
    if (rc == 0) {
        medmij_fail(r->err, r->err_len, "line %d: <%s> lacks <%s>", parent->line, parent->name,
                    name);
        return NULL;
    }
    xmlNode *n = xmlTextReaderCurrentNode(s->xr);
    if (strcmp((const char *)n->name, name) != 0) {
        medmij_fail(r->err, r->err_len, "line %d: expected <%s> in <%s>, found <%s>", n->line, name,
                    parent->name, n->name);
        return NULL;
    }
    return check_attrs(r, n) == 0 ? n : NULL;
}

/* Makes the current element a whole tree (valid until the reader moves on). */
static xmlNode *expand(struct stream *s)
{
    xmlNode *n = xmlTextReaderExpand(s->xr);
    if (!n) medmij_xml_stream_fail(s->errs, s->r->err, s->r->err_len);
    return n;
}

/* Moves past the current element's subtree, freeing it. */
static int skip(struct stream *s)
{
    if (xmlTextReaderNext(s->xr) < 0)
        return medmij_xml_stream_fail(s->errs, s->r->err, s->r->err_len);
    s->pending = true;
    return 0;
}

/* Reads the entries of the kind's container one at a time into a growing array, then moves them
 * into the arena, sorted, with duplicate keys refused. */
static int read_container(struct stream *s, const struct container *c, xmlNode *cont,
                          void **items_out, size_t *n_out)
{
    struct reader *r = s->r;
    unsigned char *items = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!xmlTextReaderIsEmptyElement(s->xr)) {
        int more;
        while ((more = next_child(s, 2)) == 1) {
            xmlNode *e = xmlTextReaderCurrentNode(s->xr);
            if (strcmp((const char *)e->name, c->item) != 0) {
                rc = medmij_fail(r->err, r->err_len, "line %d: unexpected <%s> in <%s>", e->line,
                                 e->name, c->name);
                break;
            }
            if (n == c->limit) {
                rc = medmij_fail(r->err, r->err_len, "line %d: <%s> holds more than %zu <%s>",
                                 cont->line, c->name, c->limit, c->item);
                break;
            }
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                unsigned char *p = realloc(items, ncap * c->size);
                if (!p) {
                    rc = medmij_fail(r->err, r->err_len, "out of memory");
                    break;
                }
                items = p;
                cap = ncap;
            }
            memset(items + n * c->size, 0, c->size);
            if (check_attrs(r, e) != 0 || !(e = expand(s)) ||
                c->read(r, e, items + n * c->size) != 0 || skip(s) != 0) {
                rc = -1;
                break;
            }
            n++;
        }
        if (more < 0) rc = -1;
    }
    void *kept = NULL;
    if (rc == 0 && n) {
        kept = alloc_items(r, n, c->size);
        if (!kept)
            rc = -1;
        else
            memcpy(kept, items, n * c->size);
    }
    free(items);
    if (rc != 0) return rc;
    *items_out = kept;
    *n_out = n;
    return sort_unique(r, kept, n, c->size, c->cmp, c->key, c->key_name);
}

static int kind_of_root(const xmlNode *root, enum medmij_list_kind *kind)
{
    for (int k = 0; k < MEDMIJ_LIST_KINDS; k++)
        if (!strcmp((const char *)root->name, medmij_list_root(k))) {
            *kind = k;
            return 0;
        }
    return -1;
}

/* The root element: which list, its namespace, its attributes. */
static int read_root_element(struct stream *s, const struct medmij_parse_opts *opts,
                             struct medmij_list *list, xmlNode **root_out)
{
    struct reader *r = s->r;
    int rc = next_child(s, 0);
    if (rc <= 0) return -1;
    xmlNode *root = xmlTextReaderCurrentNode(s->xr);
    enum medmij_list_kind kind;
    if (kind_of_root(root, &kind) != 0)
        return medmij_fail(r->err, r->err_len, "root element <%s> is not a MedMij list",
                           root->name);
    if (opts->expect != MEDMIJ_LIST_ANY && opts->expect != kind)
        return medmij_fail(r->err, r->err_len, "expected a %s, found <%s>",
                           medmij_list_root(opts->expect), root->name);
    r->ns = medmij_list_namespace(kind);
    if (!root->ns || !root->ns->href || strcmp((const char *)root->ns->href, r->ns) != 0)
        return medmij_fail(r->err, r->err_len, "<%s> is not in namespace %s", root->name, r->ns);
    if (check_attrs(r, root) != 0) return -1;
    list->kind = kind;
    *root_out = root;
    return 0;
}

/* Any root element is "known" at depth 0: is_known needs the namespace, which is not set yet. */
static int read_stream(struct stream *s, const struct medmij_parse_opts *opts,
                       struct medmij_list *list)
{
    struct reader *r = s->r;
    xmlNode *root = NULL;
    r->ns = NULL;
    r->root_pending = true;
    int rc = read_root_element(s, opts, list, &root);
    r->root_pending = false;
    if (rc != 0 || !root) return -1;
    if (xmlTextReaderIsEmptyElement(s->xr))
        return medmij_fail(r->err, r->err_len, "line %d: <%s> lacks <Tijdstempel>", root->line,
                           root->name);
    /* Copied: the reader may free the root's node once its children stream past. */
    xmlChar *root_name = xmlStrdup(root->name);
    if (!root_name) return medmij_fail(r->err, r->err_len, "out of memory");
    xmlNode parent = {.name = root_name, .line = root->line};
    const struct container *c = &containers[list->kind];
    xmlNode *n;
    void *items = NULL;
    size_t count = 0;
    rc = -1;
    if ((n = expect_child(s, 1, &parent, "Tijdstempel")) && (n = expand(s)) &&
        read_tijdstempel(r, n, list) == 0 && skip(s) == 0 &&
        (n = expect_child(s, 1, &parent, "Volgnummer")) && (n = expand(s)) &&
        read_volgnummer(r, n, list) == 0 && skip(s) == 0 &&
        (n = expect_child(s, 1, &parent, c->name)) &&
        read_container(s, c, n, &items, &count) == 0) {
        int more = next_child(s, 1);
        if (more == 1) {
            n = xmlTextReaderCurrentNode(s->xr);
            medmij_fail(r->err, r->err_len, "line %d: unexpected <%s> in <%s>", n->line, n->name,
                        root_name);
        } else if (more == 0) {
            rc = 0;
        }
    }
    xmlFree(root_name);
    if (rc != 0) return -1;
    /* Whatever follows the root (comments, or a second root: not well-formed) is read too. */
    int more;
    while ((more = xmlTextReaderRead(s->xr)) == 1) {
        int type = xmlTextReaderNodeType(s->xr);
        if (type != XML_READER_TYPE_COMMENT && type != XML_READER_TYPE_PROCESSING_INSTRUCTION &&
            type != XML_READER_TYPE_WHITESPACE && type != XML_READER_TYPE_SIGNIFICANT_WHITESPACE)
            return medmij_fail(r->err, r->err_len, "content after the root element");
    }
    if (more < 0) return medmij_xml_stream_fail(s->errs, r->err, r->err_len);
    switch (list->kind) {
    case MEDMIJ_ZAL:
        list->providers = items;
        list->n_providers = count;
        break;
    case MEDMIJ_OCL:
        list->clients = items;
        list->n_clients = count;
        break;
    case MEDMIJ_WHITELIST:
        list->nodes = items;
        list->n_nodes = count;
        break;
    default:
        list->service_names = items;
        list->n_service_names = count;
    }
    return 0;
}

struct medmij_list *medmij_list_parse(const char *data, size_t len,
                                      const struct medmij_parse_opts *opts, char *err,
                                      size_t err_len)
{
    static const struct medmij_parse_opts defaults = {.expect = MEDMIJ_LIST_ANY};
    if (!opts) opts = &defaults;
    if (err && err_len) err[0] = '\0';
    struct medmij_xml_errors errs;
    xmlTextReaderPtr xr = medmij_xml_stream(data, len, opts->max_bytes, &errs, err, err_len);
    if (!xr) return NULL;
    struct medmij_list_owned *l = calloc(1, sizeof *l);
    if (!l) {
        xmlFreeTextReader(xr);
        medmij_fail(err, err_len, "out of memory");
        return NULL;
    }
    atomic_init(&l->refs, 1);
    struct reader r = {.arena = &l->arena,
                       .allow_unknown = opts->allow_unknown_elements,
                       .err = err,
                       .err_len = err_len};
    struct stream s = {.r = &r, .xr = xr, .errs = &errs};
    int rc = read_stream(&s, opts, &l->pub);
    xmlFreeTextReader(xr);
    /* The XSD check reads the document again as a tree; only when configured. */
    if (rc == 0 && opts->xsd_dir) {
        xmlDocPtr doc = medmij_xml_read(data, len, opts->max_bytes, err, err_len);
        rc = doc ? medmij_xsd_validate_doc(doc, l->pub.kind, opts->xsd_dir, err, err_len) : -1;
        xmlFreeDoc(doc);
    }
    if (rc == 0) {
        unsigned int dlen = 0;
        if (!EVP_Digest(data, len, l->pub.sha256, &dlen, EVP_sha256(), NULL))
            rc = medmij_fail(err, err_len, "cannot hash the list");
    }
    if (rc != 0) {
        medmij_list_free(&l->pub);
        return NULL;
    }
    return &l->pub;
}

void medmij_list_free(struct medmij_list *list)
{
    if (!list) return;
    struct medmij_list_owned *l = (struct medmij_list_owned *)list;
    medmij_arena_free(&l->arena);
    free(l);
}
