/* Subset matching of an expected JSON value against an actual one, for scenario expectations.
 *   objects: every expected key is present in the actual object and matches; a value "$absent"
 *            requires the key to be missing;
 *   arrays:  same length and element-wise match, unless the first expected element is
 *            "~contains" (every further element matches some actual element) or "~lacks" (no
 *            actual element matches any further element);
 *   strings: "$any" matches anything present; "~regex" is a POSIX ERE searched in the actual
 *            string (or in the JSON text of a non-string), "!~regex" must not match; otherwise
 *            exact;
 *   numbers: equal value (1.5 matches 1.50); booleans and null: equal. */
#ifndef REGIE_TESTS_MATCH_H
#define REGIE_TESTS_MATCH_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/buf.h"

/* True on a match. On a mismatch, why gets "at <path>: expected ..., got ..." naming the first
 * differing JSON path (prefix is the path of exp/act, e.g. "body"). */
bool match_json(json_object *exp, json_object *act, const char *prefix, struct buf *why);

/* True when text matches the expectation string pattern: "$any", "~regex" or exact. On a bad
 * regex, false with the reason in why. */
bool match_text(const char *pattern, const char *text, struct buf *why);

#endif
