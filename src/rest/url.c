/* Bundle entry request URLs ("Patient", "Patient/1", "Patient/1/_history/2", "Patient?query") and
 * the reference helpers used when a Bundle's references are rewritten. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/validate.h"
#include "rest/internal.h"

static bool copy_seg(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap) return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

enum rg_err rest_url_parse(const struct rest_ctx *rc, const char *url, struct rest_url *out,
                           struct rg_fail *f)
{
    memset(out, 0, sizeof *out);
    size_t bl = rc ? strlen(rc->base_url) : 0;
    if (bl && !strncmp(url, rc->base_url, bl) && url[bl] == '/') url += bl + 1;
    while (*url == '/') url++;
    const char *q = strchr(url, '?');
    size_t plen = q ? (size_t)(q - url) : strlen(url);
    const char *seg[4];
    size_t len[4], n = 0;
    const char *p = url, *end = url + plen;
    while (p <= end && n < 4) {
        const char *sl = memchr(p, '/', (size_t)(end - p));
        const char *se = sl ? sl : end;
        seg[n] = p;
        len[n++] = (size_t)(se - p);
        if (!sl) break;
        p = sl + 1;
    }
    if (n == 4 && seg[3] + len[3] < end)
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "request.url has too many segments");
    if (n == 0 || !copy_seg(out->type, sizeof out->type, seg[0], len[0]))
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "request.url names no resource type");
    if (!fhir_is_resource_type(out->type))
        return rg_fail_set(f, RG_E_UNKNOWN_TYPE, NULL, "unknown resource type %.64s", out->type);
    if (q) {
        if (n != 1)
            return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL,
                               "request.url: a query is allowed only after the type");
        out->kind = REST_URL_COND;
        out->query = q + 1;
        return RG_OK;
    }
    if (n == 1) {
        out->kind = REST_URL_TYPE;
        return RG_OK;
    }
    if (!fhir_valid_id(seg[1], len[1]) || !copy_seg(out->id, sizeof out->id, seg[1], len[1]))
        return rg_fail_set(f, RG_E_BAD_ID, NULL, "request.url: %.*s is not a valid id",
                           (int)(len[1] < 80 ? len[1] : 80), seg[1]);
    if (n == 2) {
        out->kind = REST_URL_INSTANCE;
        return RG_OK;
    }
    if (n != 4 || len[2] != 8 || memcmp(seg[2], "_history", 8) != 0)
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "request.url is not a supported form");
    char vbuf[24];
    if (!copy_seg(vbuf, sizeof vbuf, seg[3], len[3]))
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "request.url: bad version");
    char *e;
    errno = 0;
    long long v = strtoll(vbuf, &e, 10);
    if (errno || *e || v < 1 || vbuf[0] == '+' || vbuf[0] == '-')
        return rg_fail_set(f, RG_E_BAD_BUNDLE, NULL, "request.url: bad version %s", vbuf);
    out->kind = REST_URL_VERSION;
    out->version = v;
    return RG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * References */

int rest_refs_walk(json_object *v, rest_ref_fn fn, void *ctx)
{
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            int rc = rest_refs_walk(json_object_array_get_idx(v, i), fn, ctx);
            if (rc) return rc;
        }
        return 0;
    }
    if (!json_object_is_type(v, json_type_object)) return 0;
    json_object_object_foreach(v, key, val)
    {
        if (json_object_is_type(val, json_type_string)) {
            if (!strcmp(key, "reference")) {
                int rc = fn(ctx, v, json_object_get_string(val));
                if (rc) return rc;
            }
        } else if (json_object_is_type(val, json_type_object) ||
                   json_object_is_type(val, json_type_array)) {
            int rc = rest_refs_walk(val, fn, ctx);
            if (rc) return rc;
        }
    }
    return 0;
}

void rest_ref_set(json_object *holder, const char *type, const char *id)
{
    char ref[STORE_TYPE_MAX + STORE_ID_MAX + 1];
    snprintf(ref, sizeof ref, "%s/%s", type, id);
    json_object_object_add(holder, "reference", json_object_new_string(ref));
}

bool rest_ref_is_conditional(const char *ref, const char **qmark)
{
    const char *q = strchr(ref, '?');
    if (!q || q == ref) return false;
    for (const char *p = ref; p < q; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) return false;
    *qmark = q;
    return true;
}
