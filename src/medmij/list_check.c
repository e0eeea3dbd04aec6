/* The formats of list values, written out from the XSD patterns so the checks hold whether or not
 * the XSDs are at hand, and the lookups in a parsed list. */
#include <stdlib.h>
#include <string.h>

#include "medmij/lists.h"

static const struct {
    const char *root, *ns, *xsd, *file, *short_name;
} kinds[MEDMIJ_LIST_KINDS] = {
    [MEDMIJ_ZAL] = {"Zorgaanbiederslijst",
                    "xmlns://afsprakenstelsel.medmij.nl/zorgaanbiederslijst/release2/",
                    "MedMij_Zorgaanbiederslijst.xsd", "ZAL.xml", "ZAL"},
    [MEDMIJ_OCL] = {"OAuthclientlist",
                    "xmlns://afsprakenstelsel.medmij.nl/oauthclientlist/release2/",
                    "MedMij_OAuthclientlist.xsd", "OCL.xml", "OCL"},
    [MEDMIJ_WHITELIST] = {"Whitelist", "xmlns://afsprakenstelsel.medmij.nl/whitelist/release2/",
                          "MedMij_Whitelist.xsd", "Whitelist.xml", "Whitelist"},
    [MEDMIJ_GNL] = {"Gegevensdienstnamenlijst",
                    "xmlns://afsprakenstelsel.medmij.nl/gegevensdienstnamenlijst/release1/",
                    "MedMij_Gegevensdienstnamenlijst.xsd", "GNL.xml", "GNL"},
};

const char *medmij_list_root(enum medmij_list_kind kind)
{
    return kind < MEDMIJ_LIST_KINDS ? kinds[kind].root : "?";
}

const char *medmij_list_namespace(enum medmij_list_kind kind)
{
    return kind < MEDMIJ_LIST_KINDS ? kinds[kind].ns : "?";
}

const char *medmij_list_xsd_file(enum medmij_list_kind kind)
{
    return kind < MEDMIJ_LIST_KINDS ? kinds[kind].xsd : "?";
}

const char *medmij_list_file_name(enum medmij_list_kind kind)
{
    return kind < MEDMIJ_LIST_KINDS ? kinds[kind].file : "?";
}

const char *medmij_list_short_name(enum medmij_list_kind kind)
{
    return kind < MEDMIJ_LIST_KINDS ? kinds[kind].short_name : "?";
}

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool host_char(char c)
{
    return lower_alnum(c) || c == '-' || c == '.';
}

/* The XSD host pattern (([a-z0-9])([a-z0-9-])*(\.))+([a-z0-9])([a-z0-9-])*([a-z0-9]) on exactly
 * len bytes: two labels or more, each starting with a letter or digit; the last one at least two
 * characters ending in a letter or digit. The front-channel pattern makes that last character
 * optional (short_last). Labels hold no dot, so splitting on dots decides the regex. */
static bool host_matches(const char *s, size_t len, bool short_last)
{
    if (len == 0 || len > MEDMIJ_MAX_HOSTNAME) return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (!host_char(s[i])) return false;
            continue;
        }
        size_t n = i - start;
        if (n == 0 || !lower_alnum(s[start])) return false;
        labels++;
        if (i == len) {
            if (labels < 2) return false;
            if (!short_last && (n < 2 || !lower_alnum(s[len - 1]))) return false;
        }
        start = i + 1;
    }
    return true;
}

bool medmij_valid_hostname(const char *s)
{
    return s && host_matches(s, strlen(s), false);
}

bool medmij_valid_provider_name(const char *s)
{
    static const char suffix[] = "@medmij";
    if (!s) return false;
    size_t len = strlen(s), sl = sizeof suffix - 1;
    if (len < 10 || len > 57 || memcmp(s + len - sl, suffix, sl) != 0) return false;
    for (size_t i = 0; i < len - sl; i++)
        if (s[i] < 'a' || s[i] > 'z') return false;
    return true;
}

/* https://HOST(:PORT)?(/SEGMENT)* where a segment is one or more characters other than ? # /. */
static bool uri_matches(const char *s, bool back_channel)
{
    static const char scheme[] = "https://";
    if (!s) return false;
    size_t len = strlen(s);
    if (len > MEDMIJ_MAX_URI || strncmp(s, scheme, sizeof scheme - 1) != 0) return false;
    size_t i = sizeof scheme - 1, host = i;
    while (i < len && host_char(s[i])) i++;
    if (!host_matches(s + host, i - host, !back_channel)) return false;
    if (back_channel && i < len && s[i] == ':') {
        size_t digits = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) digits++;
        if (digits < 1 || digits > 5) return false;
    }
    while (i < len) {
        if (s[i] != '/') return false;
        size_t seg = ++i;
        while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#') i++;
        if (i == seg) return false;
    }
    return true;
}

bool medmij_valid_frontchannel_uri(const char *s)
{
    return uri_matches(s, false);
}

bool medmij_valid_backchannel_uri(const char *s)
{
    return uri_matches(s, true);
}

bool medmij_valid_text(const char *s, size_t min_chars, size_t max_chars)
{
    if (!s) return false;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) chars++; /* count lead bytes: the parser gave valid UTF-8 */
    return chars >= min_chars && chars <= max_chars;
}

/* ---- lookups: every array is sorted by strcmp on its key ---- */

static int cmp_provider(const void *key, const void *elem)
{
    return strcmp(key, ((const struct medmij_provider *)elem)->name);
}

static int cmp_service(const void *key, const void *elem)
{
    return strcmp(key, ((const struct medmij_zal_service *)elem)->id);
}

static int cmp_client(const void *key, const void *elem)
{
    return strcmp(key, ((const struct medmij_client *)elem)->hostname);
}

static int cmp_node(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

static int cmp_service_name(const void *key, const void *elem)
{
    return strcmp(key, ((const struct medmij_service_name *)elem)->id);
}

const struct medmij_provider *medmij_zal_provider(const struct medmij_list *zal, const char *name)
{
    if (!zal || !name || zal->kind != MEDMIJ_ZAL || !zal->n_providers) return NULL;
    return bsearch(name, zal->providers, zal->n_providers, sizeof *zal->providers, cmp_provider);
}

const struct medmij_zal_service *medmij_zal_service(const struct medmij_provider *p, const char *id)
{
    if (!p || !id || !p->n_services) return NULL;
    return bsearch(id, p->services, p->n_services, sizeof *p->services, cmp_service);
}

const struct medmij_client *medmij_ocl_client(const struct medmij_list *ocl, const char *hostname)
{
    if (!ocl || !hostname || ocl->kind != MEDMIJ_OCL || !ocl->n_clients) return NULL;
    return bsearch(hostname, ocl->clients, ocl->n_clients, sizeof *ocl->clients, cmp_client);
}

bool medmij_whitelist_has(const struct medmij_list *wl, const char *hostname)
{
    if (!wl || !hostname || wl->kind != MEDMIJ_WHITELIST || !wl->n_nodes) return false;
    return bsearch(hostname, wl->nodes, wl->n_nodes, sizeof *wl->nodes, cmp_node) != NULL;
}

const char *medmij_gnl_name(const struct medmij_list *gnl, const char *id)
{
    if (!gnl || !id || gnl->kind != MEDMIJ_GNL || !gnl->n_service_names) return NULL;
    const struct medmij_service_name *e = bsearch(id, gnl->service_names, gnl->n_service_names,
                                                  sizeof *gnl->service_names, cmp_service_name);
    return e ? e->name : NULL;
}
