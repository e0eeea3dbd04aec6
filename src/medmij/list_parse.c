/* Reads a MedMij list from its XML into the model of lists.h. The element order, cardinality and
 * formats follow the published XSDs (release2; GNL release1) and are checked here in C whether or
 * not the XSDs are configured, so a list is never taken in unchecked. The top level is streamed
 * here (xmlTextReader); each entry of the big container is expanded into a small tree on its own
 * and read by list_entry.c, so memory follows the model, not the document's tree. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "medmij/internal.h"

struct stream {
    struct medmij_reader *r;
    xmlTextReaderPtr xr;
    struct medmij_xml_errors *errs;
    bool pending; /* the reader stands on a node not yet looked at (after skipping a subtree) */
};

/* Moves to the next element child at `depth` (1 for the root's children). Returns 1 on one, 0 at
 * the end of its parent, -1 on an error. White space, comments and processing instructions are
 * passed over, unknown elements too when allowed. */
static int next_child(struct stream *s, int depth)
{
    struct medmij_reader *r = s->r;
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
            if (medmij_entry_known(r, n)) return 1;
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
            if (medmij_blank(xmlTextReaderConstValue(s->xr))) continue;
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
    struct medmij_reader *r = s->r;
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
    return medmij_entry_attrs(r, n) == 0 ? n : NULL;
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
static int read_container(struct stream *s, const struct medmij_container *c, xmlNode *cont,
                          void **items_out, size_t *n_out)
{
    struct medmij_reader *r = s->r;
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
            if (medmij_entry_attrs(r, e) != 0 || !(e = expand(s)) ||
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
        kept = medmij_reader_alloc(r, n, c->size);
        if (!kept)
            rc = -1;
        else
            memcpy(kept, items, n * c->size);
    }
    free(items);
    if (rc != 0) return rc;
    *items_out = kept;
    *n_out = n;
    return medmij_sort_unique(r, kept, n, c->size, c->cmp, c->key, c->key_name);
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
    struct medmij_reader *r = s->r;
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
    if (medmij_entry_attrs(r, root) != 0) return -1;
    list->kind = kind;
    *root_out = root;
    return 0;
}

/* Any root element is "known" at depth 0: is_known needs the namespace, which is not set yet. */
static int read_stream(struct stream *s, const struct medmij_parse_opts *opts,
                       struct medmij_list *list)
{
    struct medmij_reader *r = s->r;
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
    const struct medmij_container *c = &medmij_containers[list->kind];
    xmlNode *n;
    void *items = NULL;
    size_t count = 0;
    rc = -1;
    if ((n = expect_child(s, 1, &parent, "Tijdstempel")) && (n = expand(s)) &&
        medmij_read_tijdstempel(r, n, list) == 0 && skip(s) == 0 &&
        (n = expect_child(s, 1, &parent, "Volgnummer")) && (n = expand(s)) &&
        medmij_read_volgnummer(r, n, list) == 0 && skip(s) == 0 &&
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
    struct medmij_reader r = {.arena = &l->arena,
                              .allow_unknown = opts->allow_unknown_elements,
                              .allow_ports = opts->allow_ports,
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
