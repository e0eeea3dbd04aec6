#include "json/jsonx.h"

#include <stdio.h>
#include <string.h>

/* json-c's strict mode still accepts single-quoted strings, which JSON (RFC 8259) does not. Finds
 * the first quote character outside a double-quoted string, or returns len. Only runs when the text
 * holds a single quote at all. */
static size_t single_quote_outside_string(const char *data, size_t len)
{
    if (!memchr(data, '\'', len)) return len;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '\'') {
            return i;
        }
    }
    return len;
}

json_object *jsonx_parse(const char *data, size_t len, int max_depth, enum jsonx_err *err,
                         char *msg, size_t msg_len)
{
    *err = JSONX_OK;
    if (len > (size_t)INT32_MAX) {
        *err = JSONX_TOO_LARGE;
        if (msg) snprintf(msg, msg_len, "JSON text too large");
        return NULL;
    }
    size_t quote = single_quote_outside_string(data, len);
    if (quote < len) {
        *err = JSONX_SYNTAX;
        if (msg) snprintf(msg, msg_len, "invalid JSON at byte %zu: single-quoted string", quote);
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) {
        *err = JSONX_TOO_LARGE;
        if (msg) snprintf(msg, msg_len, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *v = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    if (v && je == json_tokener_success && used < len) {
        /* Only whitespace may follow the value. */
        for (size_t i = used; i < len; i++) {
            char c = data[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                json_object_put(v);
                v = NULL;
                *err = JSONX_SYNTAX;
                if (msg) snprintf(msg, msg_len, "unexpected data after the JSON value at byte %zu", i);
                break;
            }
        }
    } else if (!v || je != json_tokener_success) {
        if (v) json_object_put(v);
        v = NULL;
        if (je == json_tokener_error_depth) *err = JSONX_DEPTH;
        else if (je == json_tokener_error_parse_utf8_string) *err = JSONX_UTF8;
        else *err = JSONX_SYNTAX;
        if (msg) {
            if (je == json_tokener_continue)
                snprintf(msg, msg_len, "JSON text ends early (%zu bytes)", len);
            else if (*err == JSONX_DEPTH)
                snprintf(msg, msg_len, "JSON nested deeper than %d levels", max_depth);
            else
                snprintf(msg, msg_len, "invalid JSON at byte %zu: %s", used,
                         json_tokener_error_desc(je));
        }
    }
    json_tokener_free(tok);
    return v;
}

const char *jsonx_text(json_object *v, bool pretty, size_t *len)
{
    int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);
    return json_object_to_json_string_length(v, flags, len);
}

json_object *jsonx_get(json_object *v, const char *key)
{
    json_object *out = NULL;
    if (!v || !json_object_is_type(v, json_type_object)) return NULL;
    if (!json_object_object_get_ex(v, key, &out)) return NULL;
    return out;
}

const char *jsonx_get_str(json_object *v, const char *key)
{
    json_object *s = jsonx_get(v, key);
    if (!s || !json_object_is_type(s, json_type_string)) return NULL;
    return json_object_get_string(s);
}
