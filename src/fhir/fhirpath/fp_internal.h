/* Private to the FHIRPath engine: arena, parse tree, values and collections. */
#ifndef REGIE_FHIR_FHIRPATH_FP_INTERNAL_H
#define REGIE_FHIR_FHIRPATH_FP_INTERNAL_H

#include <json-c/json.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fhir/model_tables.h"

/* ---- arena: bump allocation in chunks, freed at once; capped so evaluation stays bounded ---- */
struct fp_chunk;
struct fp_arena {
    struct fp_chunk *head;
    size_t used_total;
    size_t limit;
    jmp_buf *oom;      /* longjmp target when the cap is passed (evaluation only) */
    json_object *keep; /* JSON made during evaluation (type()), released with the arena */
};
void fp_arena_init(struct fp_arena *a, size_t limit);
void *fp_alloc(struct fp_arena *a, size_t n); /* zeroed; NULL when over the cap and no oom jump */
char *fp_strndup(struct fp_arena *a, const char *s, size_t n);
void fp_arena_free(struct fp_arena *a);

/* ---- parse tree ---- */
enum fp_ast {
    FP_A_EMPTY, /* {} */
    FP_A_BOOL,
    FP_A_INT,
    FP_A_DEC,
    FP_A_STR,
    FP_A_DATE, /* text without '@' */
    FP_A_DATETIME,
    FP_A_TIME,
    FP_A_QTY,   /* text = number, unit = unit */
    FP_A_IDENT, /* member or type name, applied to the focus */
    FP_A_FUNC,  /* name(args) applied to the focus */
    FP_A_THIS,
    FP_A_INDEXVAR,
    FP_A_TOTAL,
    FP_A_EXT,   /* %name */
    FP_A_DOT,   /* kids[0] . kids[1] (an invocation) */
    FP_A_INDEX, /* kids[0] [ kids[1] ] */
    FP_A_UNARY, /* op '-' or '+' */
    FP_A_BIN,   /* op */
    FP_A_IS,    /* kids[0] is text */
    FP_A_AS,
};

enum fp_op {
    FP_OP_NONE,
    FP_OP_MUL,
    FP_OP_DIV,
    FP_OP_IDIV,
    FP_OP_MOD,
    FP_OP_ADD,
    FP_OP_SUB,
    FP_OP_CONCAT,
    FP_OP_UNION,
    FP_OP_LT,
    FP_OP_GT,
    FP_OP_LE,
    FP_OP_GE,
    FP_OP_EQ,
    FP_OP_NE,
    FP_OP_EQUIV,
    FP_OP_NEQUIV,
    FP_OP_IN,
    FP_OP_CONTAINS,
    FP_OP_AND,
    FP_OP_OR,
    FP_OP_XOR,
    FP_OP_IMPLIES,
};

struct fp_node {
    enum fp_ast kind;
    enum fp_op op;
    size_t pos;
    const char *text; /* identifier, function, literal text, type name */
    const char *unit;
    int64_t ival;
    bool bval;
    struct fp_node **kids;
    size_t n_kids;
};

struct fhirpath_expr {
    struct fp_arena arena;
    struct fp_node *root;
};

/* ---- values ---- */
enum fp_kind { FP_NODE, FP_BOOL, FP_INT, FP_DEC, FP_STR, FP_DATE, FP_DATETIME, FP_TIME, FP_QTY };

/* Date/time fields; prec counts the fields present: 1 year .. 3 day, 4 hour, 5 minute,
 * 6 second, 7 millisecond (for a time, 4..7). */
struct fp_dt {
    int y, mo, d, h, mi, s, ms;
    int prec;
    bool has_tz;
    int tz_min;
};

struct fp_item {
    enum fp_kind kind;
    json_object *node; /* FP_NODE, or the JSON primitive a value came from */
    json_object *ext;  /* a primitive's `_name` object (id, extension), if any */
    const char *type;  /* FHIR type name ("HumanName", "code", "Patient") or NULL (System) */
    const struct fhir_node *fnode; /* model node of a complex FP_NODE, when known */
    bool b;
    int64_t i;
    long double d; /* FP_DEC and FP_QTY value */
    int scale;     /* digits after the point to print */
    const char *s; /* FP_STR text, FP_QTY unit, date text (no '@') */
    struct fp_dt dt;
};

struct fp_coll {
    struct fp_item **v;
    size_t n, cap;
};

struct fp_ctx {
    struct fp_arena *arena;
    json_object *resource;
    struct fp_item *root;
    char *err;
    size_t err_len;
    jmp_buf fail;
    long steps;
    int depth;
    struct fp_item *this_item;
    int64_t index;
    struct fp_coll *total;
};

struct fhirpath_result {
    struct fp_arena arena;
    struct fp_coll c;
};

/* parse.c */
struct fp_node *fp_parse(struct fp_arena *a, const char *text, size_t len, size_t *err_pos,
                         char *err, size_t err_len);

/* value.c */
_Noreturn void fp_fail(struct fp_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fp_push(struct fp_ctx *c, struct fp_coll *out, struct fp_item *it);
struct fp_item *fp_new(struct fp_ctx *c, enum fp_kind k);
struct fp_item *fp_bool(struct fp_ctx *c, bool b);
struct fp_item *fp_int(struct fp_ctx *c, int64_t i);
struct fp_item *fp_dec(struct fp_ctx *c, long double d, int scale);
struct fp_item *fp_str(struct fp_ctx *c, const char *s, size_t n);
bool fp_parse_dt(const char *s, size_t n, enum fp_kind k, struct fp_dt *out);
int fp_dec_scale(const char *s);
/* v as an integer when it is finite and fits, else false. */
bool fp_ld_to_i64(long double v, int64_t *out);
void fp_format_dt(const struct fp_dt *d, enum fp_kind k, char *out, size_t n);
/* Text of an item in literal form without quotes/'@' (JSON text for complex nodes). */
const char *fp_item_text(struct fp_ctx *c, const struct fp_item *it);
const char *fp_item_type(const struct fp_item *it);
/* Equality: 1 equal, 0 not, -1 empty (incomparable precision). */
int fp_equal(const struct fp_item *a, const struct fp_item *b);
bool fp_equiv(const struct fp_item *a, const struct fp_item *b);
/* Ordering: sets *cmp; returns false when not comparable (empty) and sets *bad on type error. */
bool fp_compare(const struct fp_item *a, const struct fp_item *b, int *cmp, bool *bad);
/* year(s), month(s) ... millisecond(s): printed without quotes */
bool fp_calendar_unit(const char *u);
/* Whether quantities in units a and b can be converted into each other. */
bool fp_units_comparable(const char *a, const char *b);
bool fp_dt_add(struct fp_dt *d, enum fp_kind k, int64_t amount, const char *unit);

/* nav.c */
struct fp_item *fp_wrap_json(struct fp_ctx *c, json_object *v, const char *type,
                             const struct fhir_node *fn, uint8_t kind);
/* Adds it.name to out. Returns 1 when the model says it has no such element (or name is a
 * choice variant such as valueQuantity), else 0. */
int fp_member(struct fp_ctx *c, const struct fp_item *it, const char *name, struct fp_coll *out);
void fp_children(struct fp_ctx *c, const struct fp_item *it, struct fp_coll *out);
bool fp_is_type(const struct fp_item *it, const char *type);
/* Exact type (as, ofType): no primitive specialisation (code is not a string here). */
bool fp_is_type_exact(const struct fp_item *it, const char *type);

/* eval.c */
/* Counts n units of work; fails the evaluation past the cap (quadratic distinct/union). */
void fp_tick(struct fp_ctx *c, size_t n);
/* Whether v holds an item equal to it (counted as work). */
bool fp_coll_has(struct fp_ctx *c, const struct fp_coll *v, const struct fp_item *it);
struct fp_coll fp_eval(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus);
bool fp_truthy(struct fp_ctx *c, const struct fp_coll *v, int *tri); /* tri: 1/0/-1 empty */

/* funcs2.c: more functions; false when name is not one of them */
bool fp_call_more(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus,
                  struct fp_coll *out);
/* Keeps v (owned) alive as long as the arena; returns it. */
json_object *fp_own(struct fp_ctx *c, json_object *v);
/* A FHIR Quantity node as a Quantity value, else it. */
struct fp_item *fp_value_of(struct fp_ctx *c, struct fp_item *it);
/* Known type name (System, FHIR primitive, datatype or resource)? */
bool fp_known_type(const char *type);

/* funcs.c */
/* Whether name is a function taking n_args arguments (checked at compile time). */
bool fp_function_known(const char *name, size_t n_args);
struct fp_coll fp_call(struct fp_ctx *c, const struct fp_node *n, const struct fp_coll *focus);

#endif
