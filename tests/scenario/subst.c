/* ${...} expansion for scenario steps. */
#include "subst.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SUBST_EXPR_MAX 512
#define SUBST_SEG_MAX  256

/* Parses a non-negative decimal index from [s, e). Returns -1 when it is not one. */
static long parse_index(const char *s, const char *e)
{
    if (s == e || e - s > 9) return -1;
    long v = 0;
    for (const char *p = s; p < e; p++) {
        if (!isdigit((unsigned char)*p)) return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* Applies one "[...]" selector to an array. */
static json_object *select_item(json_object *arr, const char *s, const char *e)
{
    if (!json_object_is_type(arr, json_type_array)) return NULL;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    if (!eq) {
        long i = parse_index(s, e);
        if (i < 0 || (size_t)i >= json_object_array_length(arr)) return NULL;
        return json_object_array_get_idx(arr, (size_t)i);
    }
    char key[SUBST_SEG_MAX], want[SUBST_SEG_MAX];
    if (eq - s >= SUBST_SEG_MAX || e - eq - 1 >= SUBST_SEG_MAX) return NULL;
    memcpy(key, s, (size_t)(eq - s));
    key[eq - s] = '\0';
    memcpy(want, eq + 1, (size_t)(e - eq - 1));
    want[e - eq - 1] = '\0';
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *item = json_object_array_get_idx(arr, i);
        json_object *v = NULL;
        if (json_object_object_get_ex(item, key, &v) && json_object_is_type(v, json_type_string) &&
            !strcmp(json_object_get_string(v), want))
            return item;
    }
    return NULL;
}

json_object *subst_jpath(json_object *root, const char *path)
{
    json_object *cur = root;
    const char *p = path;
    while (*p && cur) {
        /* A member name up to '.', '[' or the end (may be empty when the path starts with '['). */
        size_t n = strcspn(p, ".[");
        if (n) {
            char name[SUBST_SEG_MAX];
            if (n >= sizeof name) return NULL;
            memcpy(name, p, n);
            name[n] = '\0';
            json_object *next = NULL;
            if (!json_object_object_get_ex(cur, name, &next)) return NULL;
            cur = next;
            p += n;
        }
        while (*p == '[' && cur) {
            const char *close = strchr(p, ']');
            if (!close) return NULL;
            cur = select_item(cur, p + 1, close);
            p = close + 1;
        }
        if (*p == '.') p++;
    }
    return cur;
}

static const struct subst_result *find_result(const struct subst_env *env, const char *label,
                                              size_t label_len)
{
    for (size_t i = env->nresults; i-- > 0;) {
        const char *l = env->results[i].label;
        if (l && strlen(l) == label_len && !memcmp(l, label, label_len)) return &env->results[i];
    }
    return NULL;
}

/* Resolves one expression (the text between "${" and "}") to out. */
static int resolve(const struct subst_env *env, const char *expr, struct buf *out, struct buf *err)
{
    if (!strcmp(expr, "base")) return buf_append_str(out, env->base ? env->base : "");
    if (!strcmp(expr, "origin")) return buf_append_str(out, env->origin ? env->origin : "");
    if (!strcmp(expr, "shared")) return buf_append_str(out, env->shared ? env->shared : "");
    const char *dot = strchr(expr, '.');
    const struct subst_result *r = dot ? find_result(env, expr, (size_t)(dot - expr)) : NULL;
    if (!r) {
        buf_printf(err, "${%s}: no earlier step with that label", expr);
        return -1;
    }
    const char *rest = dot + 1;
    if (!strcmp(rest, "status")) return buf_printf(out, "%ld", r->status);
    if (!strncmp(rest, "header.", 7)) {
        char lower[SUBST_SEG_MAX];
        size_t n = strlen(rest + 7);
        if (n >= sizeof lower) n = sizeof lower - 1;
        for (size_t i = 0; i < n; i++) lower[i] = (char)tolower((unsigned char)rest[7 + i]);
        lower[n] = '\0';
        json_object *v = NULL;
        if (!json_object_object_get_ex(r->headers, lower, &v)) {
            buf_printf(err, "${%s}: step '%s' had no such response header", expr, r->label);
            return -1;
        }
        return buf_append_str(out, json_object_get_string(v));
    }
    if (!strncmp(rest, "body.", 5) || !strcmp(rest, "body")) {
        json_object *v = rest[4] ? subst_jpath(r->body, rest + 5) : r->body;
        if (!v) {
            buf_printf(err, "${%s}: not found in the body of step '%s'", expr, r->label);
            return -1;
        }
        if (json_object_is_type(v, json_type_string))
            return buf_append_str(out, json_object_get_string(v));
        return buf_append_str(out, json_object_to_json_string_ext(
                                       v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    buf_printf(err, "${%s}: expected status, header.NAME or body.PATH after the label", expr);
    return -1;
}

static int url_encode(struct buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            if (buf_append_char(out, (char)c) != 0) return -1;
        } else if (buf_printf(out, "%%%c%c", hex[c >> 4], hex[c & 15]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Splits a reference or location "[base/]Type/id[/_history/vid]" into its id and version. */
static void split_location(const char *s, size_t n, const char **id, size_t *id_len,
                           const char **vid, size_t *vid_len)
{
    *vid = "";
    *vid_len = 0;
    const char *h = NULL;
    for (size_t i = 0; i + 10 <= n; i++)
        if (!memcmp(s + i, "/_history/", 10)) h = s + i;
    size_t end = n;
    if (h) {
        *vid = h + 10;
        *vid_len = n - (size_t)(h + 10 - s);
        end = (size_t)(h - s);
    }
    size_t start = end;
    while (start > 0 && s[start - 1] != '/') start--;
    *id = s + start;
    *id_len = end - start;
}

/* ${url:...} percent-encodes, ${id:...} and ${vid:...} take the id or version out of a location,
 * ${query:...} the query string of a URL (a next link served under another --base-url). */
static int apply_modifier(const char *mod, size_t mod_len, const struct buf *val, struct buf *out,
                          struct buf *err)
{
    const char *s = val->data ? val->data : "";
    const char *id, *vid;
    size_t id_len, vid_len;
    split_location(s, val->len, &id, &id_len, &vid, &vid_len);
    if (mod_len == 3 && !memcmp(mod, "url", 3)) return url_encode(out, s, val->len);
    if (mod_len == 2 && !memcmp(mod, "id", 2)) return buf_append(out, id, id_len);
    if (mod_len == 3 && !memcmp(mod, "vid", 3)) return buf_append(out, vid, vid_len);
    if (mod_len == 5 && !memcmp(mod, "query", 5)) {
        const char *q = memchr(s, '?', val->len);
        return q ? buf_append(out, q + 1, val->len - (size_t)(q + 1 - s)) : 0;
    }
    buf_printf(err, "unknown substitution modifier '%.*s:' (url, id, vid, query)", (int)mod_len,
               mod);
    return -1;
}

int subst_string(const struct subst_env *env, const char *in, struct buf *out, struct buf *err)
{
    const char *p = in;
    for (;;) {
        const char *start = strstr(p, "${");
        if (!start) return buf_append_str(out, p);
        if (buf_append(out, p, (size_t)(start - p)) != 0) return -1;
        const char *end = strchr(start + 2, '}');
        if (!end || end - start - 2 >= SUBST_EXPR_MAX) {
            buf_printf(err, "unterminated or overlong ${ in '%.60s'", in);
            return -1;
        }
        char expr[SUBST_EXPR_MAX];
        memcpy(expr, start + 2, (size_t)(end - start - 2));
        expr[end - start - 2] = '\0';
        const char *colon = strchr(expr, ':');
        if (colon && colon - expr <= 5) {
            struct buf tmp;
            buf_init(&tmp, 1 << 20);
            int rc = resolve(env, colon + 1, &tmp, err);
            if (rc == 0) rc = apply_modifier(expr, (size_t)(colon - expr), &tmp, out, err);
            buf_free(&tmp);
            if (rc != 0) return -1;
        } else if (resolve(env, expr, out, err) != 0) {
            return -1;
        }
        p = end + 1;
    }
}

json_object *subst_json(const struct subst_env *env, json_object *v, struct buf *err)
{
    switch (json_object_get_type(v)) {
    case json_type_string: {
        const char *s = json_object_get_string(v);
        if (!strstr(s, "${")) return json_object_get(v);
        struct buf out;
        buf_init(&out, 16u << 20);
        json_object *r = NULL;
        if (subst_string(env, s, &out, err) == 0)
            r = json_object_new_string_len(out.data ? out.data : "", (int)out.len);
        buf_free(&out);
        return r;
    }
    case json_type_object: {
        json_object *copy = json_object_new_object();
        json_object_object_foreach(v, key, child)
        {
            json_object *c = subst_json(env, child, err);
            if (!c && child) {
                json_object_put(copy);
                return NULL;
            }
            json_object_object_add(copy, key, c);
        }
        return copy;
    }
    case json_type_array: {
        json_object *copy = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *child = json_object_array_get_idx(v, i);
            json_object *c = subst_json(env, child, err);
            if (!c && child) {
                json_object_put(copy);
                return NULL;
            }
            json_object_array_add(copy, c);
        }
        return copy;
    }
    default:
        /* Numbers keep their original text (json-c stores it), so sharing is exact. */
        return json_object_get(v);
    }
}
