/* The one way regie hands list bytes to libxml2: no network, no DTD, no entities, UTF-8 only,
 * bounded size. A MedMij list never needs a DOCTYPE, so refusing one outright stops entity
 * expansion attacks (billion laughs, external entities) before the parser starts. */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlversion.h>
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

/* The checks before any byte reaches libxml2. */
static int precheck(const char *data, size_t len, size_t max_bytes, char *err, size_t err_len)
{
    pthread_once(&init_once, init_libxml);
    if (!max_bytes) max_bytes = MEDMIJ_LIST_MAX_BYTES_DEFAULT;
    if (len > max_bytes || len > INT_MAX)
        return medmij_fail(err, err_len, "list is %zu bytes, more than the limit of %zu", len,
                           max_bytes);
    if (len == 0) return medmij_fail(err, err_len, "list is empty");
    /* NUL bytes: not XML 1.0, and a sign of UTF-16/32, which could hide a DOCTYPE from the
     * scan below. */
    if (memchr(data, '\0', len))
        return medmij_fail(err, err_len, "list holds NUL bytes (only UTF-8 is accepted)");
    if (memmem(data, len, "<!DOCTYPE", 9))
        return medmij_fail(err, err_len,
                           "list carries a DOCTYPE (refused: lists need no DTD or entities)");
    return 0;
}

/* No XML_PARSE_NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no HUGE.
 * NOBLANKS and COMPACT: the white space between elements is not kept as nodes and short texts
 * live in their node, which takes a third off the tree of a pretty-printed list. */
#define SAFE_OPTIONS                                                                               \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |               \
     XML_PARSE_NOBLANKS | XML_PARSE_COMPACT)

/* libxml2 2.12 made the structured error argument const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlError *xml_error_arg;
#endif

static void keep_first(void *ctx, xml_error_arg e)
{
    struct medmij_xml_errors *errs = ctx;
    if (errs->seen || !e || !e->message) return;
    errs->seen = true;
    errs->line = e->line;
    size_t n = strlen(e->message);
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' ')) n--;
    snprintf(errs->msg, sizeof errs->msg, "%.*s", (int)n, e->message);
}

xmlTextReaderPtr medmij_xml_stream(const char *data, size_t len, size_t max_bytes,
                                   struct medmij_xml_errors *errs, char *err, size_t err_len)
{
    if (precheck(data, len, max_bytes, err, err_len) != 0) return NULL;
    memset(errs, 0, sizeof *errs);
    xmlTextReaderPtr xr = xmlReaderForMemory(data, (int)len, "list.xml", "UTF-8", SAFE_OPTIONS);
    if (!xr) {
        medmij_fail(err, err_len, "out of memory");
        return NULL;
    }
    xmlTextReaderSetStructuredErrorHandler(xr, keep_first, errs);
    return xr;
}

int medmij_xml_stream_fail(const struct medmij_xml_errors *errs, char *err, size_t err_len)
{
    if (errs->seen)
        return medmij_fail(err, err_len, "not well-formed XML (line %d): %s", errs->line,
                           errs->msg);
    return medmij_fail(err, err_len, "not well-formed XML");
}

xmlDocPtr medmij_xml_read(const char *data, size_t len, size_t max_bytes, char *err, size_t err_len)
{
    if (precheck(data, len, max_bytes, err, err_len) != 0) return NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        medmij_fail(err, err_len, "out of memory");
        return NULL;
    }
    int options = SAFE_OPTIONS;
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
