#include "json/jsonx.h"

#include <stdio.h>
#include <string.h>

/* json-c's strict mode is not strict enough for FHIR: it accepts single-quoted strings, NaN and
 * Infinity, overlong UTF-8 and encoded surrogates, and keeps the last of two equal member names.
 * One pass over the bytes before json-c catches all of that; the pass also counts the members
 * (colons outside strings) so duplicate names show up after parsing as fewer members than written.
 */
struct prescan {
    size_t members;
    size_t pos;
    enum jsonx_err err;
    const char *why;
};

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    if (c >= 0xc2 && c <= 0xdf) return left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (left < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && p[1] < 0xa0) return 0;  /* overlong */
        if (c == 0xed && p[1] >= 0xa0) return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (left < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && p[1] < 0x90) return 0;  /* overlong */
        if (c == 0xf4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

static bool prescan_fail(struct prescan *ps, size_t i, enum jsonx_err err, const char *why)
{
    ps->pos = i;
    ps->err = err;
    ps->why = why;
    return false;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the RFC 8259 number at p: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or 0 when the
 * text there is not one (json-c accepts leading zeros such as 01.5). */
static size_t number_len(const unsigned char *p, size_t left)
{
    size_t i = 0;
    if (i < left && p[i] == '-') i++;
    if (i >= left || !is_digit(p[i])) return 0;
    if (p[i] == '0') {
        i++;
        if (i < left && is_digit(p[i])) return 0;
    } else {
        while (i < left && is_digit(p[i])) i++;
    }
    if (i < left && p[i] == '.') {
        i++;
        if (i >= left || !is_digit(p[i])) return 0;
        while (i < left && is_digit(p[i])) i++;
    }
    if (i < left && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < left && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= left || !is_digit(p[i])) return 0;
        while (i < left && is_digit(p[i])) i++;
    }
    return i;
}

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of the \uXXXX escape at p (12 for a surrogate pair), or 0 when it encodes a lone UTF-16
 * surrogate, which is no Unicode character. Malformed hex is left to json-c's own error. */
static size_t unicode_escape_len(const unsigned char *p, size_t left)
{
    if (left < 6) return 2;
    int u = hex4(p + 2);
    if (u < 0) return 2;
    if (u >= 0xdc00 && u <= 0xdfff) return 0;
    if (u < 0xd800 || u > 0xdbff) return 6;
    if (left < 12 || p[6] != '\\' || p[7] != 'u') return 0;
    int lo = hex4(p + 8);
    return lo >= 0xdc00 && lo <= 0xdfff ? 12 : 0;
}

static bool prescan_run(const char *data, size_t len, struct prescan *ps)
{
    const unsigned char *p = (const unsigned char *)data;
    bool in_string = false;
    ps->members = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t n = utf8_seq(p + i, len - i);
            if (!n) return prescan_fail(ps, i, JSONX_UTF8, "invalid UTF-8");
            i += n - 1;
            continue;
        }
        if (in_string) {
            if (c == '\\') {
                if (i + 1 < len && p[i + 1] == 'u') {
                    size_t n = unicode_escape_len(p + i, len - i);
                    if (!n) return prescan_fail(ps, i, JSONX_UTF8, "lone UTF-16 surrogate escape");
                    i += n - 1;
                } else {
                    i++;
                }
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '-':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9': {
            size_t n = number_len(p + i, len - i);
            if (!n) return prescan_fail(ps, i, JSONX_SYNTAX, "malformed number");
            i += n - 1;
            break;
        }
        case ':':
            ps->members++;
            break;
        case '\'':
            return prescan_fail(ps, i, JSONX_SYNTAX, "single-quoted string");
        case 'N':
        case 'I':
        case 'i':
            return prescan_fail(ps, i, JSONX_SYNTAX, "NaN and Infinity are not JSON numbers");
        case 'n':
            if (i + 1 < len && p[i + 1] != 'u')
                return prescan_fail(ps, i, JSONX_SYNTAX, "NaN and Infinity are not JSON numbers");
            break;
        default:
            break;
        }
    }
    return true;
}

/* Number of members in every object of v, recursively. */
static size_t count_members(json_object *v)
{
    size_t n = 0;
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, child)
        {
            (void)key;
            n += 1 + (child ? count_members(child) : 0);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t len = json_object_array_length(v);
        for (size_t i = 0; i < len; i++) {
            json_object *child = json_object_array_get_idx(v, i);
            if (child) n += count_members(child);
        }
    }
    return n;
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
    struct prescan ps;
    if (!prescan_run(data, len, &ps)) {
        *err = ps.err;
        if (msg) snprintf(msg, msg_len, "invalid JSON at byte %zu: %s", ps.pos, ps.why);
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
                if (msg)
                    snprintf(msg, msg_len, "unexpected data after the JSON value at byte %zu", i);
                break;
            }
        }
    } else if (!v || je != json_tokener_success) {
        if (v) json_object_put(v);
        v = NULL;
        if (je == json_tokener_error_depth)
            *err = JSONX_DEPTH;
        else if (je == json_tokener_error_parse_utf8_string)
            *err = JSONX_UTF8;
        else
            *err = JSONX_SYNTAX;
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
    if (v && count_members(v) != ps.members) {
        json_object_put(v);
        v = NULL;
        *err = JSONX_DUPLICATE;
        if (msg) snprintf(msg, msg_len, "an object names the same member twice");
    }
    return v;
}

const char *jsonx_text(json_object *v, bool pretty, size_t *len)
{
    int flags =
        JSON_C_TO_STRING_NOSLASHESCAPE |
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
