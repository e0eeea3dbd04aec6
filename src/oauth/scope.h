/* MedMij OAuth scopes: every form the digest names, parsed into (provider, service ids, form).
 *
 *   huisartsdelinde                          provider alone: collect (current rules)
 *   huisartsdelinde~48 huisartsdelinde~49    space-separated name~id pairs: collect (older rules)
 *   huisartsdelinde~53                       one pair: share (current), or collect (older rules)
 *   subscribe~30/huisartsdelinde~48          a subscription for 30 days (older rules)
 *
 * The provider may be written with or without its "@medmij" suffix; every pair must name the same
 * provider. Parsing is purely syntactic: which service a scope stands for, and whether a single
 * pair means share or collect, is decided against the DVA's catalogue (oauth_scope_resolve in
 * oauth.h). Scope text is RFC 6749 scope-token characters only (%x21 / %x23-5B / %x5D-7E),
 * tokens separated by one space each, at most OAUTH_SCOPE_MAX bytes. */
#ifndef REGIE_OAUTH_SCOPE_H
#define REGIE_OAUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#define OAUTH_SCOPE_MAX          1024 /* bytes of scope text */
#define OAUTH_SCOPE_IDS_MAX      16   /* service ids in one scope */
#define OAUTH_SERVICE_ID_MAX     16   /* bytes of one service id, NUL included (digits) */
#define OAUTH_PROVIDER_MAX       64   /* bytes of the provider name as written, NUL included */
#define OAUTH_SUBSCRIBE_DAYS_MAX 3660

enum oauth_scope_form {
    OAUTH_SCOPE_NAME,      /* provider alone */
    OAUTH_SCOPE_PAIRS,     /* one or more name~id (nids >= 1) */
    OAUTH_SCOPE_SUBSCRIBE, /* subscribe~days/name~id (nids == 1) */
};

struct oauth_scope {
    enum oauth_scope_form form;
    char provider[OAUTH_PROVIDER_MAX];                   /* without "@medmij": "huisartsdelinde" */
    char ids[OAUTH_SCOPE_IDS_MAX][OAUTH_SERVICE_ID_MAX]; /* in order given, no duplicates */
    size_t nids;                                         /* 0 for OAUTH_SCOPE_NAME */
    unsigned subscribe_days;                             /* OAUTH_SCOPE_SUBSCRIBE only */
};

/* Parses len bytes of scope text. Returns 0, or -1 with a constant reason in *why (for the
 * error_description of invalid_scope; never echoes the input). Refused: empty, too long, bytes
 * outside the scope-token set, empty tokens (double or edge spaces), a provider name that is not
 * [a-z]+ (1..50 letters, as the ZAL's name pattern), a service id that is not 1..15 digits or has
 * a leading zero, pairs naming different providers, the same id twice, more than
 * OAUTH_SCOPE_IDS_MAX ids, a subscribe with days outside 1..OAUTH_SUBSCRIBE_DAYS_MAX or with more
 * than one token, and a provider-alone token mixed with pairs. */
int oauth_scope_parse(const char *text, size_t len, struct oauth_scope *out, const char **why);

/* Whether name (a ZAL name "huisartsdelinde@medmij", or bare "huisartsdelinde") is the scope's
 * provider. */
bool oauth_scope_provider_is(const struct oauth_scope *s, const char *name);

#endif
