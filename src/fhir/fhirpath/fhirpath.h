/* FHIRPath (N1 + FHIR R4 additions) over json-c resources: compile once, evaluate many times,
 * render the result collection as JSON. See docs/fhirpath.md. */
#ifndef REGIE_FHIR_FHIRPATH_H
#define REGIE_FHIR_FHIRPATH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define FHIRPATH_MAX_EXPR  4096 /* bytes of expression text */
#define FHIRPATH_MAX_DEPTH 64   /* nesting of the parse tree */

struct fhirpath_expr;   /* a compiled expression */
struct fhirpath_result; /* a result collection; owns its memory */

/* Compiles text (len bytes). On failure returns NULL, sets *err_pos to the byte offset of the
 * problem and writes a message into err (err_len bytes). */
struct fhirpath_expr *fhirpath_compile(const char *text, size_t len, size_t *err_pos, char *err,
                                       size_t err_len);
void fhirpath_free(struct fhirpath_expr *e);

/* Evaluates e with resource as %resource, %context and the initial focus. Returns NULL on an
 * evaluation error (message in err), else a collection (possibly empty). The result may point
 * into resource: keep resource alive while the result is used. Evaluation only reads resource,
 * but json-c keeps printed text inside an object (rendering a complex node as text prints it),
 * so do not evaluate against the same resource from two threads at once. Work, memory and time
 * are capped: an expression that needs more fails with "evaluation too large". */
struct fhirpath_result *fhirpath_eval(const struct fhirpath_expr *e, json_object *resource,
                                      char *err, size_t err_len);
/* Like fhirpath_eval, with the i-th item of an earlier result (from, over the same resource) as
 * the initial focus instead of the resource; %resource stays resource. For the components of a
 * composite search parameter, which are relative to each item of the composite's expression.
 * from must outlive the returned result. */
struct fhirpath_result *fhirpath_eval_item(const struct fhirpath_expr *e, json_object *resource,
                                           const struct fhirpath_result *from, size_t i, char *err,
                                           size_t err_len);
void fhirpath_result_free(struct fhirpath_result *r);

size_t fhirpath_result_count(const struct fhirpath_result *r);
/* The i-th item's type name ("boolean", "integer", "decimal", "string", "date", "dateTime",
 * "time", "Quantity", or a FHIR type such as "HumanName", "code") and its value as text in the
 * FHIRPath literal form without quotes ("true", "1.50", "2019-01-01", "4 'g'"); complex FHIR
 * nodes give their compact JSON. The strings live as long as r. */
const char *fhirpath_result_type(const struct fhirpath_result *r, size_t i);
const char *fhirpath_result_text(const struct fhirpath_result *r, size_t i);

/* The JSON node the i-th item was read from (a complex element, or the primitive value inside the
 * resource), or NULL for a value computed by the expression. Lives as long as the resource. */
json_object *fhirpath_result_node(const struct fhirpath_result *r, size_t i);

/* The collection as a JSON array (caller frees), or NULL when out of memory. */
char *fhirpath_result_json(const struct fhirpath_result *r);

#endif
