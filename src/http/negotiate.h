/* Internal to src/http: FHIR format negotiation (_format, Accept) and request Content-Type
 * classification. regie speaks FHIR JSON only; XML and Turtle are refused with 406. */
#ifndef REGIE_HTTP_NEGOTIATE_H
#define REGIE_HTTP_NEGOTIATE_H

enum http_fmt {
    HTTP_FMT_NONE = 0,  /* nothing we can produce was asked for: 406 */
    HTTP_FMT_FHIR_JSON, /* answer application/fhir+json */
    HTTP_FMT_JSON       /* the client asked for plain application/json: answer with that type */
};

/* The _format parameter: "json", "application/json", "application/fhir+json" (also with
 * ";charset=utf-8", and with the '+' decoded to a space as clients often leave it unescaped). */
enum http_fmt http_format_param(const char *v);

/* The Accept header (NULL or empty: anything). Q-values count; q=0 refuses a range. */
enum http_fmt http_accept(const char *accept);

enum http_ctype {
    HTTP_CT_NONE = 0, /* absent */
    HTTP_CT_JSON,     /* application/fhir+json or application/json, charset UTF-8 if given */
    HTTP_CT_FORM,     /* application/x-www-form-urlencoded */
    HTTP_CT_OTHER
};

enum http_ctype http_content_type(const char *ct);

/* The Content-Type of a JSON reply for fmt. */
const char *http_fmt_mime(enum http_fmt fmt);

#endif
