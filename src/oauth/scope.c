/* MedMij scope parsing (scope.h). Purely syntactic; oauth.c resolves a scope against the DVA. */
#include "oauth/scope.h"

#include <string.h>

#define MEDMIJ_SUFFIX "@medmij"
/* The ZAL name pattern ([a-z])+@medmij is at most 57 characters. */
#define PROVIDER_LETTERS_MAX 50
#define SUBSCRIBE_PREFIX     "subscribe~"

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
static bool scope_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

/* A provider name as written: [a-z]{1,50}, optionally followed by "@medmij". Writes the bare
 * name into out. */
static bool parse_provider(const char *s, size_t len, char out[OAUTH_PROVIDER_MAX])
{
    size_t suffix = sizeof MEDMIJ_SUFFIX - 1;
    if (len > suffix && !memcmp(s + len - suffix, MEDMIJ_SUFFIX, suffix)) len -= suffix;
    if (len == 0 || len > PROVIDER_LETTERS_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 'a' || s[i] > 'z') return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* A decimal number without a leading zero, 1..max_digits digits. */
static bool parse_digits(const char *s, size_t len, size_t max_digits)
{
    if (len == 0 || len > max_digits || s[0] == '0') return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/* One name~id token; appends the id to out (the provider must agree with out's, if any). */
static int parse_pair(const char *s, size_t len, struct oauth_scope *out, const char **why)
{
    const char *tilde = memchr(s, '~', len);
    if (!tilde) {
        *why = "a scope token is not name~id (a provider name alone stands alone)";
        return -1;
    }
    char provider[OAUTH_PROVIDER_MAX];
    if (!parse_provider(s, (size_t)(tilde - s), provider)) {
        *why = "the provider name in the scope is not a MedMij name";
        return -1;
    }
    const char *id = tilde + 1;
    size_t id_len = len - (size_t)(id - s);
    if (!parse_digits(id, id_len, OAUTH_SERVICE_ID_MAX - 1)) {
        *why = "the data service id in the scope is not a number";
        return -1;
    }
    if (out->nids == 0) {
        memcpy(out->provider, provider, sizeof provider);
    } else if (strcmp(out->provider, provider) != 0) {
        *why = "the scope names more than one provider";
        return -1;
    }
    for (size_t i = 0; i < out->nids; i++)
        if (strlen(out->ids[i]) == id_len && !memcmp(out->ids[i], id, id_len)) {
            *why = "the scope names a data service twice";
            return -1;
        }
    if (out->nids == OAUTH_SCOPE_IDS_MAX) {
        *why = "the scope names too many data services";
        return -1;
    }
    memcpy(out->ids[out->nids], id, id_len);
    out->ids[out->nids][id_len] = '\0';
    out->nids++;
    return 0;
}

/* subscribe~DAYS/name~id (the whole scope). */
static int parse_subscribe(const char *s, size_t len, struct oauth_scope *out, const char **why)
{
    size_t prefix = sizeof SUBSCRIBE_PREFIX - 1;
    const char *days = s + prefix;
    const char *slash = memchr(days, '/', len - prefix);
    if (!slash) {
        *why = "a subscribe scope needs /name~id after its days";
        return -1;
    }
    size_t days_len = (size_t)(slash - days);
    if (!parse_digits(days, days_len, 4)) {
        *why = "the subscription days are not a number";
        return -1;
    }
    unsigned n = 0;
    for (size_t i = 0; i < days_len; i++) n = n * 10 + (unsigned)(days[i] - '0');
    if (n > OAUTH_SUBSCRIBE_DAYS_MAX) {
        *why = "the subscription is too long";
        return -1;
    }
    const char *pair = slash + 1;
    if (parse_pair(pair, len - (size_t)(pair - s), out, why) != 0) return -1;
    out->form = OAUTH_SCOPE_SUBSCRIBE;
    out->subscribe_days = n;
    return 0;
}

int oauth_scope_parse(const char *text, size_t len, struct oauth_scope *out, const char **why)
{
    memset(out, 0, sizeof *out);
    *why = NULL;
    if (!text || len == 0) {
        *why = "the scope is empty";
        return -1;
    }
    if (len > OAUTH_SCOPE_MAX) {
        *why = "the scope is too long";
        return -1;
    }
    size_t ntokens = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ') {
            if (i == 0 || i + 1 == len || text[i + 1] == ' ') {
                *why = "the scope has an empty token";
                return -1;
            }
            ntokens++;
        } else if (!scope_char(c)) {
            *why = "the scope holds a character RFC 6749 does not allow";
            return -1;
        }
    }
    size_t prefix = sizeof SUBSCRIBE_PREFIX - 1;
    if (len > prefix && !memcmp(text, SUBSCRIBE_PREFIX, prefix)) {
        if (ntokens != 1) {
            *why = "a subscribe scope stands alone";
            return -1;
        }
        return parse_subscribe(text, len, out, why);
    }
    if (ntokens == 1 && !memchr(text, '~', len)) {
        if (!parse_provider(text, len, out->provider)) {
            *why = "the scope is not a MedMij provider name";
            return -1;
        }
        out->form = OAUTH_SCOPE_NAME;
        return 0;
    }
    out->form = OAUTH_SCOPE_PAIRS;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t tlen = sp ? (size_t)(sp - p) : (size_t)(end - p);
        if (parse_pair(p, tlen, out, why) != 0) return -1;
        p += tlen + 1;
    }
    return 0;
}

bool oauth_scope_provider_is(const struct oauth_scope *s, const char *name)
{
    char bare[OAUTH_PROVIDER_MAX];
    return name && parse_provider(name, strlen(name), bare) && !strcmp(bare, s->provider);
}
