/* JSON subset matching with regexes, reporting the first differing path. */
#include "match.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#define MATCH_PATH_MAX 1024
#define MATCH_SHOW_MAX 300

/* Short printable form of v for messages. */
static const char *show(json_object *v)
{
    if (!v) return "null";
    return json_object_to_json_string_ext(v,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void mismatch(struct buf *why, const char *path, const char *what, json_object *exp,
                     json_object *act)
{
    if (!why) return;
    buf_reset(why);
    buf_printf(why, "at %s: %s; expected %.*s, got %.*s", path, what, MATCH_SHOW_MAX, show(exp),
               MATCH_SHOW_MAX, show(act));
}

bool match_text(const char *pattern, const char *text, struct buf *why)
{
    if (!strcmp(pattern, "$any")) return text != NULL;
    if (!text) return false;
    bool negate = pattern[0] == '!' && pattern[1] == '~';
    if (negate) pattern++;
    if (pattern[0] != '~') return strcmp(pattern, text) == 0;
    regex_t re;
    int rc = regcomp(&re, pattern + 1, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &re, msg, sizeof msg);
        if (why) {
            buf_reset(why);
            buf_printf(why, "bad regex '%s': %s", pattern + 1, msg);
        }
        return false;
    }
    bool ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok != negate;
}

static bool is_number(json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static bool match_at(json_object *exp, json_object *act, const char *path, struct buf *why);

static bool match_object(json_object *exp, json_object *act, const char *path, struct buf *why)
{
    if (!json_object_is_type(act, json_type_object)) {
        mismatch(why, path, "not an object", exp, act);
        return false;
    }
    json_object_object_foreach(exp, key, ev)
    {
        char sub[MATCH_PATH_MAX];
        snprintf(sub, sizeof sub, "%s.%s", path, key);
        json_object *av = NULL;
        bool present = json_object_object_get_ex(act, key, &av);
        if (json_object_is_type(ev, json_type_string) &&
            !strcmp(json_object_get_string(ev), "$absent")) {
            if (present) {
                mismatch(why, sub, "should be absent", ev, av);
                return false;
            }
            continue;
        }
        if (!present) {
            mismatch(why, sub, "missing", ev, NULL);
            return false;
        }
        if (!match_at(ev, av, sub, why)) return false;
    }
    return true;
}

/* "~contains" / "~lacks" arrays: the first element names the mode. */
static bool match_array_mode(json_object *exp, json_object *act, const char *path, bool contains,
                             struct buf *why)
{
    size_t ne = json_object_array_length(exp), na = json_object_array_length(act);
    for (size_t i = 1; i < ne; i++) {
        json_object *ev = json_object_array_get_idx(exp, i);
        bool found = false;
        for (size_t j = 0; j < na && !found; j++)
            found = match_at(ev, json_object_array_get_idx(act, j), path, NULL);
        if (found != contains) {
            char sub[MATCH_PATH_MAX];
            snprintf(sub, sizeof sub, "%s[*]", path);
            mismatch(why, sub,
                     contains ? "no element matches the expected one"
                              : "an element matches the forbidden one",
                     ev, act);
            return false;
        }
    }
    return true;
}

static bool match_array(json_object *exp, json_object *act, const char *path, struct buf *why)
{
    if (!json_object_is_type(act, json_type_array)) {
        mismatch(why, path, "not an array", exp, act);
        return false;
    }
    size_t ne = json_object_array_length(exp), na = json_object_array_length(act);
    json_object *first = ne ? json_object_array_get_idx(exp, 0) : NULL;
    if (first && json_object_is_type(first, json_type_string)) {
        const char *mode = json_object_get_string(first);
        if (!strcmp(mode, "~contains")) return match_array_mode(exp, act, path, true, why);
        if (!strcmp(mode, "~lacks")) return match_array_mode(exp, act, path, false, why);
    }
    if (ne != na) {
        char what[64];
        snprintf(what, sizeof what, "array length %zu, expected %zu", na, ne);
        mismatch(why, path, what, exp, act);
        return false;
    }
    for (size_t i = 0; i < ne; i++) {
        char sub[MATCH_PATH_MAX];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        if (!match_at(json_object_array_get_idx(exp, i), json_object_array_get_idx(act, i), sub,
                      why))
            return false;
    }
    return true;
}

static bool match_at(json_object *exp, json_object *act, const char *path, struct buf *why)
{
    switch (json_object_get_type(exp)) {
    case json_type_object:
        return match_object(exp, act, path, why);
    case json_type_array:
        return match_array(exp, act, path, why);
    case json_type_string: {
        const char *pattern = json_object_get_string(exp);
        const char *text = json_object_is_type(act, json_type_string) ? json_object_get_string(act)
                           : pattern[0] == '~' || pattern[0] == '$'   ? show(act)
                                                                      : NULL;
        if (!strcmp(pattern, "$any")) return true;
        if (text && match_text(pattern, text, why)) return true;
        if (why && why->len && !strncmp(why->data, "bad regex", 9)) return false;
        mismatch(why, path, pattern[0] == '~' ? "regex does not match" : "differs", exp, act);
        return false;
    }
    case json_type_int:
    case json_type_double: {
        bool ok = false;
        if (is_number(act)) {
            if (json_object_is_type(exp, json_type_int) && json_object_is_type(act, json_type_int))
                ok = json_object_get_int64(exp) == json_object_get_int64(act);
            else
                ok = json_object_get_double(exp) == json_object_get_double(act);
        }
        if (!ok) mismatch(why, path, "differs", exp, act);
        return ok;
    }
    case json_type_boolean:
        if (json_object_is_type(act, json_type_boolean) &&
            json_object_get_boolean(exp) == json_object_get_boolean(act))
            return true;
        mismatch(why, path, "differs", exp, act);
        return false;
    case json_type_null:
        if (!act) return true;
        mismatch(why, path, "should be null", exp, act);
        return false;
    }
    return false;
}

bool match_json(json_object *exp, json_object *act, const char *prefix, struct buf *why)
{
    return match_at(exp, act, prefix, why);
}
