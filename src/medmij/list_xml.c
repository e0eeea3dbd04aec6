/* The one way regie hands list bytes to libxml2: no network, no DTD, no entities, UTF-8 only,
 * bounded size. A MedMij list never needs a DOCTYPE, so refusing one outright stops entity
 * expansion attacks (billion laughs, external entities) before the parser starts. */
#include <libxml/parser.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "medmij/internal.h"

int medmij_fail(char *err, size_t err_len, const char *fmt, ...)
{
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
}

xmlDocPtr medmij_xml_read(const char *data, size_t len, size_t max_bytes, char *err, size_t err_len)
{
    pthread_once(&init_once, init_libxml);
    if (!max_bytes) max_bytes = MEDMIJ_LIST_MAX_BYTES_DEFAULT;
    if (len > max_bytes || len > INT_MAX) {
        medmij_fail(err, err_len, "list is %zu bytes, more than the limit of %zu", len, max_bytes);
        return NULL;
    }
    if (len == 0) {
        medmij_fail(err, err_len, "list is empty");
        return NULL;
    }
    /* NUL bytes: not XML 1.0, and a sign of UTF-16/32, which could hide a DOCTYPE from the
     * scan below. */
    if (memchr(data, '\0', len)) {
        medmij_fail(err, err_len, "list holds NUL bytes (only UTF-8 is accepted)");
        return NULL;
    }
    if (memmem(data, len, "<!DOCTYPE", 9)) {
        medmij_fail(err, err_len,
                    "list carries a DOCTYPE (refused: lists need no DTD or entities)");
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        medmij_fail(err, err_len, "out of memory");
        return NULL;
    }
    /* No XML_PARSE_NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no HUGE.
     * NOBLANKS and COMPACT: the white space between elements is not kept as nodes and short
     * texts live in their node, which takes a third off the tree of a pretty-printed list. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
                  XML_PARSE_NOBLANKS | XML_PARSE_COMPACT;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, "list.xml", "UTF-8", options);
    if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (e && e->message) {
            size_t n = strlen(e->message);
            while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' ')) n--;
            medmij_fail(err, err_len, "not well-formed XML (line %d): %.*s", e->line, (int)n,
                        e->message);
        } else {
            medmij_fail(err, err_len, "not well-formed XML");
        }
        if (doc) xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    if (doc->intSubset || doc->extSubset) {
        medmij_fail(err, err_len, "list carries a DTD (refused)");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}
