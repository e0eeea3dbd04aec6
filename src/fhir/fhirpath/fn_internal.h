/* Private to the FHIRPath function library (funcs.c and fn_*.c): the call context and the
 * argument helpers shared by the function implementations. */
#ifndef REGIE_FHIR_FHIRPATH_FN_INTERNAL_H
#define REGIE_FHIR_FHIRPATH_FN_INTERNAL_H

#include "fhir/fhirpath/fp_internal.h"

struct fctx {
    struct fp_ctx *c;
    const struct fp_node *n;
    const struct fp_coll *in;
    struct fp_coll out;
};

struct fp_coll fpf_one(struct fp_ctx *c, struct fp_item *it);
struct fp_coll fpf_eval_on(struct fp_ctx *c, const struct fp_node *arg, struct fp_item *item,
                           int64_t index);
struct fp_coll fpf_arg(struct fctx *f, size_t k);
struct fp_item *fpf_single_in(struct fctx *f);
struct fp_item *fpf_arg_single(struct fctx *f, size_t k);
const char *fpf_arg_str(struct fctx *f, size_t k);
bool fpf_arg_int(struct fctx *f, size_t k, int64_t *out);
void fpf_push(struct fctx *f, struct fp_item *it);
void fpf_push_bool(struct fctx *f, bool b);

/* The functions of the table in funcs.c. */
void fpf_abs(struct fctx *f);
void fpf_aggregate(struct fctx *f);
void fpf_all(struct fctx *f);
void fpf_allFalse(struct fctx *f);
void fpf_allTrue(struct fctx *f);
void fpf_anyFalse(struct fctx *f);
void fpf_anyTrue(struct fctx *f);
void fpf_as(struct fctx *f);
void fpf_ceiling(struct fctx *f);
void fpf_children(struct fctx *f);
void fpf_combine(struct fctx *f);
void fpf_contains(struct fctx *f);
void fpf_convertsToBoolean(struct fctx *f);
void fpf_convertsToDate(struct fctx *f);
void fpf_convertsToDateTime(struct fctx *f);
void fpf_convertsToDecimal(struct fctx *f);
void fpf_convertsToInteger(struct fctx *f);
void fpf_convertsToQuantity(struct fctx *f);
void fpf_convertsToString(struct fctx *f);
void fpf_convertsToTime(struct fctx *f);
void fpf_count(struct fctx *f);
void fpf_descendants(struct fctx *f);
void fpf_distinct(struct fctx *f);
void fpf_empty(struct fctx *f);
void fpf_endsWith(struct fctx *f);
void fpf_exclude(struct fctx *f);
void fpf_exists(struct fctx *f);
void fpf_exp(struct fctx *f);
void fpf_extension(struct fctx *f);
void fpf_first(struct fctx *f);
void fpf_floor(struct fctx *f);
void fpf_hasValue(struct fctx *f);
void fpf_htmlChecks(struct fctx *f);
void fpf_iif(struct fctx *f);
void fpf_indexOf(struct fctx *f);
void fpf_intersect(struct fctx *f);
void fpf_is(struct fctx *f);
void fpf_isDistinct(struct fctx *f);
void fpf_join(struct fctx *f);
void fpf_last(struct fctx *f);
void fpf_length(struct fctx *f);
void fpf_ln(struct fctx *f);
void fpf_log(struct fctx *f);
void fpf_lower(struct fctx *f);
void fpf_matches(struct fctx *f);
void fpf_matchesFull(struct fctx *f);
void fpf_memberOf(struct fctx *f);
void fpf_not(struct fctx *f);
void fpf_now(struct fctx *f);
void fpf_ofType(struct fctx *f);
void fpf_power(struct fctx *f);
void fpf_repeat(struct fctx *f);
void fpf_replace(struct fctx *f);
void fpf_replaceMatches(struct fctx *f);
void fpf_resolve(struct fctx *f);
void fpf_round(struct fctx *f);
void fpf_select(struct fctx *f);
void fpf_single(struct fctx *f);
void fpf_skip(struct fctx *f);
void fpf_split(struct fctx *f);
void fpf_sqrt(struct fctx *f);
void fpf_startsWith(struct fctx *f);
void fpf_subsetOf(struct fctx *f);
void fpf_substring(struct fctx *f);
void fpf_supersetOf(struct fctx *f);
void fpf_tail(struct fctx *f);
void fpf_take(struct fctx *f);
void fpf_timeOfDay(struct fctx *f);
void fpf_toBoolean(struct fctx *f);
void fpf_toChars(struct fctx *f);
void fpf_toDate(struct fctx *f);
void fpf_toDateTime(struct fctx *f);
void fpf_toDecimal(struct fctx *f);
void fpf_toInteger(struct fctx *f);
void fpf_toQuantity(struct fctx *f);
void fpf_toString(struct fctx *f);
void fpf_toTime(struct fctx *f);
void fpf_today(struct fctx *f);
void fpf_trace(struct fctx *f);
void fpf_trim(struct fctx *f);
void fpf_truncate(struct fctx *f);
void fpf_union(struct fctx *f);
void fpf_upper(struct fctx *f);
void fpf_where(struct fctx *f);

#endif
