/* Comparing what was sent with what the server stored. */
#include <stdio.h>
#include <string.h>

#include "rt.h"

#define PATH_MAX_LEN 512

static void mismatch(struct rt_cmp *c, const char *where, const char *path, const char *what,
                     json_object *sent, json_object *got)
{
    c->mismatches++;
    if (c->reported >= c->report_max) return;
    c->reported++;
    fprintf(stderr, "MISMATCH %s at %s: %s\n  sent: %.300s\n  got:  %.300s\n", where,
            path[0] ? path : "(root)", what,
            sent ? json_object_to_json_string_ext(sent, JSON_C_TO_STRING_PLAIN) : "(absent)",
            got ? json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN) : "(absent)");
}

/* The value a sent reference must have after the server assigned ids: urn:uuid and conditional
 * references are looked up, anything else stays. NULL when it cannot be resolved. */
static const char *mapped_reference(struct rt_cmp *c, const char *ref)
{
    if (!strncmp(ref, "urn:uuid:", 9) || strchr(ref, '?')) {
        json_object *to = NULL;
        if (!json_object_object_get_ex(c->refs, ref, &to)) return NULL;
        return json_object_get_string(to);
    }
    return ref;
}

/* Members the server sets itself: the root's id and meta.versionId/meta.lastUpdated. obj_depth is
 * the depth of the object holding member (the resource is 0), obj_key the key it sits under. */
static bool ignored(int obj_depth, const char *obj_key, const char *member)
{
    if (obj_depth == 0) return !strcmp(member, "id");
    if (obj_depth == 1 && obj_key && !strcmp(obj_key, "meta"))
        return !strcmp(member, "versionId") || !strcmp(member, "lastUpdated");
    return false;
}

/* An object that holds nothing but ignored members (a meta the server added) counts as absent. */
static bool only_ignored(json_object *o, int depth, const char *key)
{
    if (!o || !json_object_is_type(o, json_type_object)) return false;
    if (depth != 1 || !key || strcmp(key, "meta") != 0) return false;
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        if (!ignored(depth, key, k)) return false;
    }
    return true;
}

static bool cmp_value(struct rt_cmp *c, const char *where, char *path, size_t plen, int depth,
                      const char *key, json_object *sent, json_object *got);

static bool cmp_object(struct rt_cmp *c, const char *where, char *path, size_t plen, int depth,
                       const char *key, json_object *sent, json_object *got)
{
    bool eq = true;
    json_object_object_foreach(sent, k, sv)
    {
        if (ignored(depth, key, k)) continue;
        int n = snprintf(path + plen, PATH_MAX_LEN - plen, ".%s", k);
        size_t nl = n > 0 && plen + (size_t)n < PATH_MAX_LEN ? plen + (size_t)n : plen;
        json_object *gv = NULL;
        bool has = json_object_object_get_ex(got, k, &gv);
        if (!has && only_ignored(sv, depth + 1, k)) continue;
        if (!has) {
            mismatch(c, where, path, "element missing from the stored resource", sv, NULL);
            eq = false;
        } else if (!cmp_value(c, where, path, nl, depth + 1, k, sv, gv)) {
            eq = false;
        }
        path[plen] = '\0';
    }
    json_object_object_foreach(got, k2, gv2)
    {
        if (ignored(depth, key, k2) || json_object_object_get_ex(sent, k2, NULL)) continue;
        if (only_ignored(gv2, depth + 1, k2)) continue;
        int n = snprintf(path + plen, PATH_MAX_LEN - plen, ".%s", k2);
        (void)n;
        mismatch(c, where, path, "element the client never sent", NULL, gv2);
        path[plen] = '\0';
        eq = false;
    }
    return eq;
}

static bool cmp_value(struct rt_cmp *c, const char *where, char *path, size_t plen, int depth,
                      const char *key, json_object *sent, json_object *got)
{
    enum json_type st = json_object_get_type(sent), gt = json_object_get_type(got);
    if (st != gt) {
        mismatch(c, where, path, "different JSON types", sent, got);
        return false;
    }
    switch (st) {
    case json_type_object:
        return cmp_object(c, where, path, plen, depth, key, sent, got);
    case json_type_array: {
        size_t n = json_object_array_length(sent);
        if (n != json_object_array_length(got)) {
            mismatch(c, where, path, "arrays differ in length", sent, got);
            return false;
        }
        bool eq = true;
        for (size_t i = 0; i < n; i++) {
            int w = snprintf(path + plen, PATH_MAX_LEN - plen, "[%zu]", i);
            size_t nl = w > 0 && plen + (size_t)w < PATH_MAX_LEN ? plen + (size_t)w : plen;
            if (!cmp_value(c, where, path, nl, depth + 1, key, json_object_array_get_idx(sent, i),
                           json_object_array_get_idx(got, i)))
                eq = false;
            path[plen] = '\0';
        }
        return eq;
    }
    case json_type_string: {
        const char *s = json_object_get_string(sent);
        const char *want = s;
        if (key && !strcmp(key, "reference")) {
            want = mapped_reference(c, s);
            if (!want) {
                mismatch(c, where, path, "sent reference was never assigned an id", sent, got);
                return false;
            }
        }
        size_t wl = want == s ? (size_t)json_object_get_string_len(sent) : strlen(want);
        size_t gl = (size_t)json_object_get_string_len(got);
        if (wl != gl || memcmp(want, json_object_get_string(got), wl) != 0) {
            mismatch(c, where, path, want == s ? "strings differ" : "reference not mapped", sent,
                     got);
            return false;
        }
        return true;
    }
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
    case json_type_null: {
        /* Numbers by their JSON text, never as doubles: 1.50 must come back as 1.50. */
        const char *a = json_object_to_json_string_ext(sent, JSON_C_TO_STRING_PLAIN);
        const char *b = json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN);
        if (strcmp(a, b) != 0) {
            mismatch(c, where, path, "values differ", sent, got);
            return false;
        }
        return true;
    }
    }
    return true;
}

bool rt_compare(struct rt_cmp *c, const char *where, json_object *sent, json_object *got)
{
    char path[PATH_MAX_LEN] = "";
    return cmp_value(c, where, path, 0, 0, NULL, sent, got);
}
