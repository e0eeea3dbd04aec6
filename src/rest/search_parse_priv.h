/* Internal to the search parser (search_parse.c, search_value.c, search_result.c): the parse
 * context, the allocators that hand out clauses, values and text from struct search, and the
 * per-type value parsers. See docs/search.md, "Parameters". */
#ifndef REGIE_REST_SEARCH_PARSE_PRIV_H
#define REGIE_REST_SEARCH_PARSE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "fhir/searchparam.h"
#include "rest/search.h"

/* One parameter's outcome: used, skipped (an unknown parameter or modifier under lenient
 * handling, or an empty value), or failed (f says why). */
enum sp_rc { SP_OK, SP_SKIP, SP_FAIL };

struct sp_ctx {
    struct search *s;
    enum search_handling handling;
    struct rg_fail *f;
    size_t ntop;    /* top-level clauses, from the front of s->clauses */
    size_t nnested; /* chained and _has clauses, from the back until the parse ends */
    size_t nfront;  /* values from the front of s->values (clauses' alternatives) */
    size_t nback;   /* values from the back (composite second parts) until the parse ends */
    size_t page_max;
};

/* The modifiers regie knows (":Type" on a reference is MOD_TYPE with the type apart). */
enum sp_mod {
    MOD_NONE,
    MOD_MISSING,
    MOD_EXACT,
    MOD_CONTAINS,
    MOD_TEXT,
    MOD_NOT,
    MOD_OF_TYPE,
    MOD_ABOVE,
    MOD_BELOW,
    MOD_IDENTIFIER, /* reference:identifier, over the "<code>:identifier" TOKEN rows */
    MOD_TYPE
};

/* An unknown parameter or modifier: RG_E_BAD_QUERY naming it under strict handling (SP_FAIL),
 * SP_SKIP under lenient. */
enum sp_rc sp_unknown(struct sp_ctx *c, const char *what, const char *name);
/* A malformed value: RG_E_BAD_PARAM, always SP_FAIL. */
__attribute__((format(printf, 3, 4))) enum sp_rc sp_bad(struct sp_ctx *c, const char *name,
                                                        const char *fmt, ...);

/* Copies s[0..n) (NUL added) into the search's text; NULL (RG_E_TOO_MANY in f) when full. */
const char *sp_text(struct sp_ctx *c, const char *p, size_t n);
/* A zeroed value from the pool; NULL (RG_E_TOO_MANY) when the pool is used up. A clause's OR
 * values come from the front, one after the other; values that are no clause's alternative (a
 * composite's second part) from the back, so the front ones stay contiguous. */
struct store_value *sp_value(struct sp_ctx *c, bool back);
/* A zeroed clause: top-level from the front, nested from the back; NULL (RG_E_TOO_MANY). */
struct store_clause *sp_clause(struct sp_ctx *c, bool nested);

/* A span of the raw (still escaped) parameter value. */
struct sp_span {
    const char *p;
    size_t n;
};
/* Splits v at the separators not escaped by a backslash; at most max parts; returns the number of
 * parts, or max + 1 when there are more. */
size_t sp_split(struct sp_span v, char sep, struct sp_span *parts, size_t max);
/* The unescaped copy of a span (`\,` `\$` `\|` `\\` -> the character) in the search's text. */
const char *sp_unescape(struct sp_ctx *c, struct sp_span v);

/* The store index kind of a parameter type; false for SP_SPECIAL. */
bool sp_ix_kind(enum sp_type t, enum store_ix_kind *out);

/* Parses one OR alternative (raw, escaped) of parameter p with modifier m into v. The kind-specific
 * clause settings (match) are the caller's. name is for messages. mod_type is the type of a
 * reference's :Type modifier (or NULL). May add a second value (an absolute reference URL is also
 * tried as Type/id): then *extra is set. */
enum sp_rc sp_parse_value(struct sp_ctx *c, const struct searchparam *p, enum sp_mod m,
                          const char *mod_type, const char *name, struct sp_span raw,
                          struct store_value *v, bool *extra);

/* The result parameters (search_result.c). sp_result_param answers SP_SKIP when name is not a
 * result parameter, so the caller goes on with the search parameters; *used says whether it
 * belongs in self_query. */
bool sp_is_result_param(const char *name);
enum sp_rc sp_result_param(struct sp_ctx *c, const char *type, const char *name, const char *value,
                           bool *in_self);

#endif
