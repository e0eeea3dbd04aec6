/* Validation against MedMij's published XSDs, when a directory holding them is configured. The
 * XSDs are MedMij's files and are not shipped with regie; without them regie's own checks in
 * list_parse.c still apply (see docs/medmij.md). */
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "medmij/internal.h"

struct first_error {
    char *err;
    size_t err_len;
    bool seen;
};

/* libxml2 2.12 made the structured error argument const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_arg;
#else
typedef xmlError *xml_error_arg;
#endif

/* Keeps the first error libxml2 reports (later ones tend to follow from it). */
static void keep_first(void *ctx, xml_error_arg e)
{
    struct first_error *fe = ctx;
    if (fe->seen || !e || !e->message) return;
    fe->seen = true;
    size_t n = strlen(e->message);
    while (n && (e->message[n - 1] == '\n' || e->message[n - 1] == ' ')) n--;
    medmij_fail(fe->err, fe->err_len, "XSD: line %d: %.*s", e->line, (int)n, e->message);
}

int medmij_xsd_validate_doc(xmlDocPtr doc, enum medmij_list_kind kind, const char *xsd_dir,
                            char *err, size_t err_len)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", xsd_dir, medmij_list_xsd_file(kind));
    if (n < 0 || (size_t)n >= sizeof path) return medmij_fail(err, err_len, "XSD path too long");
    /* A configured XSD that is missing is an error, never a silent skip. */
    if (access(path, R_OK) != 0) return medmij_fail(err, err_len, "XSD %s cannot be read", path);
    struct first_error fe = {err, err_len, false};
    xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(path);
    if (!pctxt) return medmij_fail(err, err_len, "out of memory");
    xmlSchemaSetParserStructuredErrors(pctxt, keep_first, &fe);
    xmlSchemaPtr schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (!schema) {
        if (!fe.seen) medmij_fail(err, err_len, "XSD %s does not load", path);
        return -1;
    }
    int rc = -1;
    xmlSchemaValidCtxtPtr vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt) {
        xmlSchemaSetValidStructuredErrors(vctxt, keep_first, &fe);
        int v = xmlSchemaValidateDoc(vctxt, doc);
        if (v == 0)
            rc = 0;
        else if (!fe.seen)
            medmij_fail(err, err_len, "XSD: list is not valid against %s", path);
        xmlSchemaFreeValidCtxt(vctxt);
    } else {
        medmij_fail(err, err_len, "out of memory");
    }
    xmlSchemaFree(schema);
    return rc;
}

int medmij_list_xsd_validate(const char *data, size_t len, enum medmij_list_kind kind,
                             const char *xsd_dir, char *err, size_t err_len)
{
    if (kind >= MEDMIJ_LIST_KINDS || !xsd_dir) return medmij_fail(err, err_len, "bad arguments");
    xmlDocPtr doc = medmij_xml_read(data, len, 0, err, err_len);
    if (!doc) return -1;
    int rc = medmij_xsd_validate_doc(doc, kind, xsd_dir, err, err_len);
    xmlFreeDoc(doc);
    return rc;
}
