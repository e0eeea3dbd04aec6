/* Formats of the R4 primitive types (the regexes of the datatypes page, written as loops) and of
 * Reference.reference. */
#include <stdint.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/model_tables.h"
#include "fhir/validate_internal.h"
#include "util/fhirtime.h"

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool fhir_valid_id(const char *s, size_t len)
{
    if (len < 1 || len > 64) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
              c == '.'))
            return false;
    }
    return true;
}

static bool no_ws(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (is_ws(s[i])) return false;
    return true;
}

/* code: [^\s]+(\s[^\s]+)* - no leading, trailing or doubled whitespace. */
static bool valid_code(const char *s, size_t len)
{
    if (len == 0 || is_ws(s[0]) || is_ws(s[len - 1])) return false;
    for (size_t i = 1; i < len; i++)
        if (is_ws(s[i]) && is_ws(s[i - 1])) return false;
    return true;
}

/* [0-2](\.(0|[1-9][0-9]*))+ */
static bool valid_oid_body(const char *s, size_t len)
{
    if (len < 3 || s[0] < '0' || s[0] > '2') return false;
    size_t i = 1;
    int arcs = 0;
    while (i < len) {
        if (s[i] != '.') return false;
        i++;
        size_t start = i;
        while (i < len && is_digit(s[i])) i++;
        if (i == start || (s[start] == '0' && i - start > 1)) return false;
        arcs++;
    }
    return arcs > 0;
}

static bool hex(char c, bool upper_ok)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (upper_ok && c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits. */
static bool valid_uuid_body(const char *s, size_t len, bool upper_ok)
{
    if (len != 36) return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!hex(s[i], upper_ok)) {
            return false;
        }
    }
    return true;
}

/* (\s*([0-9a-zA-Z\+/=]){4}\s*)+ */
static bool valid_base64(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (is_ws(c)) continue;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
              c == '/' || c == '='))
            return false;
        n++;
    }
    return n > 0 && n % 4 == 0;
}

static const char *check_int(json_object *v, int64_t min)
{
    if (!json_object_is_type(v, json_type_int)) return "expected a JSON integer";
    int64_t x = json_object_get_int64(v);
    if (x > INT32_MAX || x < INT32_MIN) return "integer out of 32-bit range";
    if (x < min) return min > 0 ? "must be greater than 0" : "must not be negative";
    return NULL;
}

static const char *check_string(unsigned kind, const char *s, size_t len)
{
    if (len == 0) return "empty string";
    if (len > FHIR_STRING_MAX) return "string longer than 1 MB";
    /* FHIR strings carry no control characters other than tab, CR and LF (datatypes.html#string).
     */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return "control character in a string";
    }
    switch (kind) {
    case FHIR_K_STRING:
    case FHIR_K_MARKDOWN:
        return NULL;
    case FHIR_K_CODE:
        return valid_code(s, len) ? NULL : "code with leading, trailing or repeated whitespace";
    case FHIR_K_ID:
        return fhir_valid_id(s, len) ? NULL : "id must be 1-64 of A-Z a-z 0-9 - .";
    case FHIR_K_URI:
    case FHIR_K_URL:
    case FHIR_K_CANONICAL:
        return no_ws(s, len) ? NULL : "whitespace in a URI";
    case FHIR_K_OID:
        return len > 8 && !memcmp(s, "urn:oid:", 8) && valid_oid_body(s + 8, len - 8)
                   ? NULL
                   : "oid must be urn:oid: followed by dotted numbers";
    case FHIR_K_UUID:
        return len > 9 && !memcmp(s, "urn:uuid:", 9) && valid_uuid_body(s + 9, len - 9, false)
                   ? NULL
                   : "uuid must be urn:uuid: followed by a lower-case UUID";
    case FHIR_K_BASE64BINARY:
        return valid_base64(s, len) ? NULL : "not base64";
    case FHIR_K_INSTANT:
        return fhirtime_parse_instant(s, len, NULL)
                   ? NULL
                   : "instant must be YYYY-MM-DDThh:mm:ss(.s)+zone";
    case FHIR_K_DATE:
        return fhirtime_parse_date(s, len, NULL) ? NULL
                                                 : "date must be YYYY, YYYY-MM or YYYY-MM-DD";
    case FHIR_K_DATETIME:
        return fhirtime_parse_datetime(s, len, NULL)
                   ? NULL
                   : "dateTime must be YYYY(-MM(-DD(Thh:mm:ss(.s)+zone)))";
    case FHIR_K_TIME:
        return fhirtime_valid_time(s, len) ? NULL : "time must be hh:mm:ss(.s)";
    case FHIR_K_XHTML:
        return len >= 5 && !memcmp(s, "<div", 4) ? NULL : "narrative must be a <div> element";
    default:
        return "not a string type";
    }
}

const char *fhir_check_primitive(unsigned kind, json_object *v)
{
    switch (kind) {
    case FHIR_K_BOOLEAN:
        return json_object_is_type(v, json_type_boolean) ? NULL : "expected true or false";
    case FHIR_K_INTEGER:
        return check_int(v, INT32_MIN);
    case FHIR_K_UNSIGNEDINT:
        return check_int(v, 0);
    case FHIR_K_POSITIVEINT:
        return check_int(v, 1);
    case FHIR_K_DECIMAL:
        return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)
                   ? NULL
                   : "expected a JSON number";
    default:
        if (!json_object_is_type(v, json_type_string)) return "expected a JSON string";
        return check_string(kind, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    }
}

/* "Type/id" or "Type/id/_history/vid" after the type; or "Type?query". */
static const char *check_relative(const char *ref, size_t len)
{
    const char *slash = memchr(ref, '/', len);
    const char *q = memchr(ref, '?', len);
    const char *end = q && (!slash || q < slash) ? q : slash;
    if (!end) return "expected Type/id, an absolute URL, urn:uuid:, urn:oid: or #id";
    char type[64];
    size_t tlen = (size_t)(end - ref);
    if (tlen == 0 || tlen >= sizeof type) return "unknown resource type in reference";
    memcpy(type, ref, tlen);
    type[tlen] = '\0';
    if (!fhir_is_resource_type(type)) return "unknown resource type in reference";
    const char *rest = end + 1;
    size_t rlen = len - tlen - 1;
    if (end == q) return rlen > 0 && no_ws(rest, rlen) ? NULL : "empty conditional reference";
    const char *s2 = memchr(rest, '/', rlen);
    size_t idlen = s2 ? (size_t)(s2 - rest) : rlen;
    if (!fhir_valid_id(rest, idlen)) return "invalid id in reference";
    if (!s2) return NULL;
    size_t tail = rlen - idlen;
    if (tail > 10 && !memcmp(s2, "/_history/", 10) && fhir_valid_id(s2 + 10, tail - 10))
        return NULL;
    return "expected Type/id or Type/id/_history/version";
}

const char *fhir_check_reference(const char *ref, size_t len)
{
    if (len == 0) return "empty reference";
    if (!no_ws(ref, len)) return "whitespace in reference";
    if (ref[0] == '#') return NULL; /* "#" alone is the container itself */
    if (len > 9 && !memcmp(ref, "urn:uuid:", 9))
        return valid_uuid_body(ref + 9, len - 9, true) ? NULL : "malformed urn:uuid: reference";
    if (len > 8 && !memcmp(ref, "urn:oid:", 8))
        return valid_oid_body(ref + 8, len - 8) ? NULL : "malformed urn:oid: reference";
    if ((len > 7 && !memcmp(ref, "http://", 7)) || (len > 8 && !memcmp(ref, "https://", 8)))
        return NULL;
    return check_relative(ref, len);
}
