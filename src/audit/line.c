/* One log line: its single written form, its strict parser and its hash. A line is a flat JSON
 * object with the members in a fixed order and strings that need no escaping (the bytes that would
 * need it are refused), so there is exactly one way to write an entry and the parser accepts only
 * that: a line that was re-encoded, reordered or padded does not parse. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "fhir/validate.h"
#include "util/fhirtime.h"

#define FIELD_MAX_ACTOR   128
#define FIELD_MAX_CLIENT  255
#define FIELD_MAX_TOKEN   80
#define FIELD_MAX_WHAT    512
#define FIELD_MAX_PURPOSE 64
#define FIELD_MAX_REQUEST 128
#define FIELD_MAX_TIME    40
#define FIELD_MAX_ACTION  16

static const char *const actions[] = {"read",   "vread",  "search",      "history", "create",
                                      "update", "delete", "transaction", "batch",   "operation",
                                      "export", "import", "login",       "logout",  "consent",
                                      "note",   NULL};

bool audit_action_valid(const char *action)
{
    if (!action) return false;
    for (size_t i = 0; actions[i]; i++)
        if (!strcmp(action, actions[i])) return true;
    return false;
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len) return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A BSN is nine digits; refusing every nine-digit token (not only those passing the 11-proef)
 * also keeps out a BSN with a typo. Ids regie assigns (UUIDs) never have such a token. */
static bool has_bsn_like_token(const char *s, size_t n)
{
    size_t run = 0;
    bool digits = true;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : 0;
        if (i < n && is_alnum(c)) {
            run++;
            if (c < '0' || c > '9') digits = false;
            continue;
        }
        if (run == 9 && digits) return true;
        run = 0;
        digits = true;
    }
    return false;
}

/* The bytes a field may hold: UTF-8 without controls, '"' or '\'. */
static bool text_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x20 || u[i] == 0x7f || u[i] == '"' || u[i] == '\\') return false;
        size_t l = utf8_len(u + i, n - i);
        if (!l) return false;
        i += l;
    }
    return true;
}

static enum audit_err check_field(const char *s, size_t max, bool required)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max || (required && n == 0) || !text_ok(s ? s : "", n)) return AUDIT_EINVAL;
    if (n && has_bsn_like_token(s, n)) return AUDIT_ESENSITIVE;
    return AUDIT_OK;
}

static enum audit_err check_entry(const struct audit_entry *e)
{
    enum audit_err rc;
    if (!e->time || !fhirtime_parse_instant(e->time, strlen(e->time), NULL) ||
        strlen(e->time) > FIELD_MAX_TIME)
        return AUDIT_EINVAL;
    if (!audit_action_valid(e->action)) return AUDIT_EINVAL;
    if (e->outcome < 100 || e->outcome > 599) return AUDIT_EINVAL;
    if (e->patient && *e->patient && !fhir_valid_id(e->patient, strlen(e->patient)))
        return AUDIT_EINVAL;
    /* A query is logged by its parameter names; a '=' means a value came along. */
    if (e->what && strchr(e->what, '=')) return AUDIT_EINVAL;
    const struct {
        const char *s;
        size_t max;
        bool required;
    } fields[] = {
        {e->actor, FIELD_MAX_ACTOR, true},      {e->client, FIELD_MAX_CLIENT, false},
        {e->token, FIELD_MAX_TOKEN, false},     {e->patient, 64, false},
        {e->what, FIELD_MAX_WHAT, false},       {e->purpose, FIELD_MAX_PURPOSE, false},
        {e->request, FIELD_MAX_REQUEST, false},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if ((rc = check_field(fields[i].s, fields[i].max, fields[i].required)) != AUDIT_OK)
            return rc;
    return AUDIT_OK;
}

static int hex_decode(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

/* hash = H(prev bytes || body), H being HMAC-SHA-256 with a key, SHA-256 without. */
static void chain_hash(const char *prev_hex, const char *body, size_t len, const uint8_t *key,
                       size_t key_len, char out[AUDIT_HASH_HEX])
{
    uint8_t in[AUDIT_HASH_BYTES + AUDIT_LINE_MAX];
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (hex_decode(prev_hex, in, AUDIT_HASH_BYTES) != 0) memset(in, 0, AUDIT_HASH_BYTES);
    if (len > AUDIT_LINE_MAX) len = AUDIT_LINE_MAX;
    memcpy(in + AUDIT_HASH_BYTES, body, len);
    if (key && key_len)
        HMAC(EVP_sha256(), key, (int)key_len, in, AUDIT_HASH_BYTES + len, md, &md_len);
    else
        SHA256(in, AUDIT_HASH_BYTES + len, md);
    hex_encode(md, AUDIT_HASH_BYTES, out);
}

void audit_token_ref(const char *token, size_t len, char out[AUDIT_TOKEN_REF_LEN])
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256((const uint8_t *)token, len, md);
    memcpy(out, "sha256:", 7);
    hex_encode(md, 16, out + 7);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

size_t audit_line_format(const struct audit_entry *e, uint64_t seq, const char *prev,
                         const uint8_t *key, size_t key_len, char *out, char hash[AUDIT_HASH_HEX],
                         enum audit_err *err)
{
    *err = check_entry(e);
    if (*err != AUDIT_OK) return 0;
    int n = snprintf(out, AUDIT_LINE_MAX,
                     "{\"seq\":%" PRIu64 ",\"time\":\"%s\",\"actor\":\"%s\",\"client\":\"%s\","
                     "\"token\":\"%s\",\"patient\":\"%s\",\"action\":\"%s\",\"what\":\"%s\","
                     "\"outcome\":%d,\"purpose\":\"%s\",\"request\":\"%s\",\"prev\":\"%s\"",
                     seq, e->time, e->actor, nz(e->client), nz(e->token), nz(e->patient), e->action,
                     nz(e->what), e->outcome, nz(e->purpose), nz(e->request), prev);
    /* The caps above keep a line far below AUDIT_LINE_MAX; the check is for safety. */
    if (n < 0 || (size_t)n + 2 * AUDIT_HASH_BYTES + 13 > AUDIT_LINE_MAX) {
        *err = AUDIT_EINVAL;
        return 0;
    }
    chain_hash(prev, out, (size_t)n, key, key_len, hash);
    int m = snprintf(out + n, AUDIT_LINE_MAX - (size_t)n, ",\"hash\":\"%s\"}\n", hash);
    return (size_t)n + (size_t)m;
}

void audit_line_hash(const struct audit_line *l, const uint8_t *key, size_t key_len,
                     char hash[AUDIT_HASH_HEX])
{
    chain_hash(l->prev, l->text, l->body_len, key, key_len, hash);
}

/* ---- the parser ------------------------------------------------------------------------------ */

struct cursor {
    char *p, *end;
    const char *why;
};

static bool lit(struct cursor *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) {
        if (!c->why) c->why = "unexpected bytes (not the form the log writes)";
        return false;
    }
    c->p += n;
    return true;
}

/* A string value: terminated in place, so the entry can point into the line's copy. */
static bool str(struct cursor *c, const char **out, size_t max)
{
    if (!lit(c, "\"")) return false;
    char *start = c->p;
    while (c->p < c->end && *c->p != '"') c->p++;
    size_t n = (size_t)(c->p - start);
    if (c->p == c->end || n > max || !text_ok(start, n)) {
        c->why = "a string is unterminated, too long or holds a forbidden byte";
        return false;
    }
    *c->p++ = 0;
    *out = start;
    return true;
}

static bool uint_value(struct cursor *c, uint64_t *out, uint64_t max)
{
    uint64_t v = 0;
    char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && c->p - start < 20) {
        uint64_t d = (uint64_t)(*c->p - '0');
        if (v > (max - d) / 10) break;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start || (*start == '0' && c->p - start > 1) || v == 0 ||
        (c->p < c->end && *c->p >= '0' && *c->p <= '9')) {
        c->why = "a number is missing, zero, padded or too large";
        return false;
    }
    *out = v;
    return true;
}

static bool hash_value(struct cursor *c, char out[AUDIT_HASH_HEX])
{
    const char *s;
    if (!str(c, &s, 2 * AUDIT_HASH_BYTES)) return false;
    uint8_t tmp[AUDIT_HASH_BYTES];
    if (strlen(s) != 2 * AUDIT_HASH_BYTES || hex_decode(s, tmp, AUDIT_HASH_BYTES) != 0) {
        c->why = "a hash is not 64 lowercase hex digits";
        return false;
    }
    memcpy(out, s, AUDIT_HASH_HEX);
    return true;
}

int audit_line_parse(const char *s, size_t len, struct audit_line *out, char *why, size_t why_len)
{
    memset(out, 0, offsetof(struct audit_line, text));
    if (len >= AUDIT_LINE_MAX) {
        snprintf(why, why_len, "line longer than %d bytes", AUDIT_LINE_MAX - 1);
        return -1;
    }
    /* The body is kept as written for the hash; the copy the fields point into is cut apart. */
    char *work = out->fields;
    memcpy(work, s, len);
    memcpy(out->text, s, len);
    out->text[len] = 0;
    struct cursor c = {work, work + len, NULL};
    struct audit_entry *e = &out->e;
    uint64_t outcome = 0;
    bool ok = lit(&c, "{\"seq\":") && uint_value(&c, &out->seq, INT64_MAX) &&
              lit(&c, ",\"time\":") && str(&c, &e->time, FIELD_MAX_TIME) &&
              lit(&c, ",\"actor\":") && str(&c, &e->actor, FIELD_MAX_ACTOR) &&
              lit(&c, ",\"client\":") && str(&c, &e->client, FIELD_MAX_CLIENT) &&
              lit(&c, ",\"token\":") && str(&c, &e->token, FIELD_MAX_TOKEN) &&
              lit(&c, ",\"patient\":") && str(&c, &e->patient, 64) && lit(&c, ",\"action\":") &&
              str(&c, &e->action, FIELD_MAX_ACTION) && lit(&c, ",\"what\":") &&
              str(&c, &e->what, FIELD_MAX_WHAT) && lit(&c, ",\"outcome\":") &&
              uint_value(&c, &outcome, 599) && lit(&c, ",\"purpose\":") &&
              str(&c, &e->purpose, FIELD_MAX_PURPOSE) && lit(&c, ",\"request\":") &&
              str(&c, &e->request, FIELD_MAX_REQUEST) && lit(&c, ",\"prev\":") &&
              hash_value(&c, out->prev);
    if (ok) out->body_len = (size_t)(c.p - work);
    ok = ok && lit(&c, ",\"hash\":") && hash_value(&c, out->hash) && lit(&c, "}");
    if (ok && c.p != c.end) {
        c.why = "bytes after the closing brace";
        ok = false;
    }
    if (ok) {
        e->outcome = (int)outcome;
        /* Every entry in the file must be one audit_record would take. */
        if (check_entry(e) != AUDIT_OK) {
            c.why = "an entry the log would refuse (action, time, outcome, id or a BSN-like value)";
            ok = false;
        }
    }
    if (!ok) {
        snprintf(why, why_len, "%s", c.why ? c.why : "does not parse");
        return -1;
    }
    return 0;
}
