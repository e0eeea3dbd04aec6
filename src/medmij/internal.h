/* Shared inside src/medmij/ only: the arena a parsed list lives in, the safe XML reader and the
 * XSD check of a parsed document. */
#ifndef REGIE_MEDMIJ_INTERNAL_H
#define REGIE_MEDMIJ_INTERNAL_H

#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stdatomic.h>

#include "medmij/lists.h"

/* Bump allocator: everything of one list is freed at once, so the reader's many error exits
 * need no cleanup of their own. */
struct medmij_arena_chunk;
struct medmij_arena {
    struct medmij_arena_chunk *head;
};
void *medmij_arena_alloc(struct medmij_arena *a, size_t size);
char *medmij_arena_strdup(struct medmij_arena *a, const char *s, size_t len);
void medmij_arena_free(struct medmij_arena *a);

/* A list with what only the holder and the reader see: its arena and its reference count (the
 * holder's own reference plus one per reader that acquired it). */
struct medmij_list_owned {
    struct medmij_list pub; /* first, so a struct medmij_list * converts back */
    struct medmij_arena arena;
    atomic_uint refs;
};

/* Reads data as XML with every network access, DTD and entity feature off: a document carrying a
 * DOCTYPE, NUL bytes or more than max_bytes is refused before libxml2 sees it. NULL with err. */
xmlDocPtr medmij_xml_read(const char *data, size_t len, size_t max_bytes, char *err,
                          size_t err_len);

/* The same checks and options for a streaming reader, whose first error is kept in errs (the
 * reader must not outlive errs). medmij_xml_stream_fail turns it into err; returns -1. */
struct medmij_xml_errors {
    char msg[256];
    int line;
    bool seen;
};
xmlTextReaderPtr medmij_xml_stream(const char *data, size_t len, size_t max_bytes,
                                   struct medmij_xml_errors *errs, char *err, size_t err_len);
int medmij_xml_stream_fail(const struct medmij_xml_errors *errs, char *err, size_t err_len);

/* Validates a parsed document against the kind's XSD in xsd_dir. 0 valid, -1 with err. */
int medmij_xsd_validate_doc(xmlDocPtr doc, enum medmij_list_kind kind, const char *xsd_dir,
                            char *err, size_t err_len);

/* ---- reading entries (list_entry.c), used by the streaming reader (list_parse.c) ---- */

/* The state of one read: where strings go, the list's namespace, and where the reason goes. */
struct medmij_reader {
    struct medmij_arena *arena;
    const char *ns;
    bool allow_unknown;
    bool allow_ports; /* front-channel URIs may carry a port (development only) */
    bool root_pending;
    char *err;
    size_t err_len;
};

/* Whether an element is one the XSDs know in the list's namespace (every root is "known" while
 * root_pending, since the root decides the namespace). */
bool medmij_entry_known(const struct medmij_reader *r, const xmlNode *n);
bool medmij_blank(const xmlChar *s);
/* Only xsi: attributes are allowed (any, with allow_unknown). 0 or -1 with the reason. */
int medmij_entry_attrs(struct medmij_reader *r, const xmlNode *n);
int medmij_read_tijdstempel(struct medmij_reader *r, const xmlNode *n, struct medmij_list *list);
int medmij_read_volgnummer(struct medmij_reader *r, const xmlNode *n, struct medmij_list *list);
void *medmij_reader_alloc(struct medmij_reader *r, size_t n, size_t size);
/* Sorts n items by key and refuses two with the same key (the XSDs' xs:unique rules). */
int medmij_sort_unique(struct medmij_reader *r, void *items, size_t n, size_t size,
                       int (*cmp)(const void *, const void *), const char *(*key)(const void *),
                       const char *what);

/* Per kind: the container under the root, its entries, how one entry (a small tree) is read into
 * its slot, and how the entries are sorted. */
struct medmij_container {
    const char *name, *item;
    size_t limit, size;
    int (*read)(struct medmij_reader *, xmlNode *, void *);
    int (*cmp)(const void *, const void *);
    const char *(*key)(const void *);
    const char *key_name;
};
extern const struct medmij_container medmij_containers[MEDMIJ_LIST_KINDS];

/* Writes a printf-style reason into err (when given). Returns -1, for `return fail(...)`. */
__attribute__((format(printf, 3, 4))) int medmij_fail(char *err, size_t err_len, const char *fmt,
                                                      ...);

#endif
