/* Where a collected resource lives in the vault: a deterministic id per (owner, provider, remote
 * type and id), so a re-collect overwrites its earlier copy, and the references inside collected
 * resources rewritten to those ids, so they resolve inside the vault. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "fhir/model.h"
#include "json/jsonx.h"
#include "pgo/backchannel.h"

/* The UUID namespace of regie's collected copies (RFC 9562 5.5: name-based with SHA-1). A fixed
 * random value; changing it would move every collected resource to a new id. */
static const unsigned char NAMESPACE[16] = {0x5f, 0x0b, 0x3c, 0x1e, 0x8d, 0x2a, 0x4c, 0x6b,
                                            0x9e, 0x1f, 0x3a, 0x7d, 0x2b, 0x4c, 0x6e, 0x80};

int pgo_local_id(const char *owner, const char *provider, const char *type, const char *remote_id,
                 char out[UUID_STR_LEN])
{
    /* The separators cannot occur in a provider name, a type or an id, so no two inputs meet. */
    const char *parts[] = {owner ? owner : "", "\n", provider ? provider : "", "\n", type, "/",
                           remote_id};
    out[0] = '\0';
    unsigned char md[EVP_MAX_MD_SIZE];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(c, NAMESPACE, sizeof NAMESPACE) == 1;
    for (size_t i = 0; ok && i < sizeof parts / sizeof *parts; i++)
        ok = EVP_DigestUpdate(c, parts[i], strlen(parts[i])) == 1;
    ok = ok && EVP_DigestFinal_ex(c, md, NULL) == 1;
    EVP_MD_CTX_free(c);
    if (!ok) return -1; /* out of memory: no id rather than a shared one */
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, UUID_STR_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1],
             md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13],
             md[14], md[15]);
    return 0;
}

static bool id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/* Splits "Type/id" or "Type/id/_history/v" (nothing else) into type and id. */
static bool split_relative(const char *s, char type[64], char id[65])
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || (size_t)(slash - s) >= 64) return false;
    memcpy(type, s, (size_t)(slash - s));
    type[slash - s] = '\0';
    if (!fhir_is_resource_type(type)) return false;
    const char *p = slash + 1;
    size_t n = 0;
    while (id_char(p[n])) n++;
    if (n == 0 || n > 64) return false;
    if (p[n] != '\0') {
        const char *h = p + n;
        if (strncmp(h, "/_history/", 10) != 0 || !h[10]) return false;
        for (h += 10; *h; h++)
            if (!id_char(*h)) return false;
    }
    memcpy(id, p, n);
    id[n] = '\0';
    return true;
}

static bool rewrite_one(json_object *holder, const char *base, size_t base_len, const char *owner,
                        const char *provider)
{
    json_object *r = jsonx_get(holder, "reference");
    if (!r || !json_object_is_type(r, json_type_string)) return false;
    const char *s = json_object_get_string(r);
    if (base_len && !strncmp(s, base, base_len) && s[base_len] == '/') s += base_len + 1;
    char type[64], id[65];
    if (!split_relative(s, type, id)) return false;
    char local[UUID_STR_LEN];
    if (pgo_local_id(owner, provider, type, id, local) != 0) return false;
    char ref[64 + UUID_STR_LEN + 2];
    snprintf(ref, sizeof ref, "%s/%s", type, local);
    json_object_object_add(holder, "reference", json_object_new_string(ref));
    return true;
}

static size_t walk(json_object *v, const char *base, size_t base_len, const char *owner,
                   const char *provider, int depth)
{
    if (depth > 128) return 0; /* the parser bounds depth already; this keeps the stack safe */
    size_t n = 0;
    if (json_object_is_type(v, json_type_object)) {
        n += rewrite_one(v, base, base_len, owner, provider);
        /* Contained resources too: their "Type/id" references name the same server. */
        json_object_object_foreach(v, key, child)
        {
            (void)key;
            n += walk(child, base, base_len, owner, provider, depth + 1);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        size_t len = json_object_array_length(v);
        for (size_t i = 0; i < len; i++)
            n += walk(json_object_array_get_idx(v, i), base, base_len, owner, provider, depth + 1);
    }
    return n;
}

size_t pgo_rewrite_references(json_object *resource, const char *base, const char *owner,
                              const char *provider)
{
    size_t base_len = base ? strlen(base) : 0;
    while (base_len && base[base_len - 1] == '/') base_len--;
    return walk(resource, base, base_len, owner, provider, 0);
}
