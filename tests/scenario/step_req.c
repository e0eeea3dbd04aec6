/* Request building for scenario steps: method, URL, headers and the body in any of its forms
 * ("body" JSON, "body_text", "body_file", "body_hex", "body_repeat"), and oversized URLs and
 * headers
 * ("path_repeat", "header_repeat"). */
#include "step_req.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int body_from_hex(const char *hex, struct buf *out, struct buf *err)
{
    size_t n = strlen(hex);
    if (n % 2) {
        buf_printf(err, "body_hex has an odd number of digits");
        return -1;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            buf_printf(err, "body_hex: '%c%c' is not a hex byte", hex[i], hex[i + 1]);
            return -1;
        }
        if (buf_append_char(out, (char)(hi * 16 + lo)) != 0) return -1;
    }
    return 0;
}

static int append_repeat(json_object *spec, struct buf *out, struct buf *err)
{
    const char *text = json_object_get_string(json_object_object_get(spec, "text"));
    int64_t times = json_object_get_int64(json_object_object_get(spec, "times"));
    const char *prefix = json_object_get_string(json_object_object_get(spec, "prefix"));
    const char *suffix = json_object_get_string(json_object_object_get(spec, "suffix"));
    if (!text || !*text || times <= 0) {
        buf_printf(err, "a repeat needs a non-empty \"text\" and \"times\" > 0");
        return -1;
    }
    if (prefix && buf_append_str(out, prefix) != 0) goto big;
    size_t n = strlen(text);
    for (int64_t i = 0; i < times; i++)
        if (buf_append(out, text, n) != 0) goto big;
    if (suffix && buf_append_str(out, suffix) != 0) goto big;
    return 0;
big:
    buf_printf(err, "repeat larger than the buffer allows");
    return -1;
}

static int body_from_file(const struct step_ctx *ctx, const char *name, struct buf *out,
                          struct buf *err)
{
    struct buf path;
    buf_init(&path, 4096);
    int rc = subst_string(&ctx->env, name, &path, err);
    char full[4096];
    if (rc == 0) {
        const char *p = path.data ? path.data : "";
        if (p[0] == '/')
            snprintf(full, sizeof full, "%s", p);
        else
            snprintf(full, sizeof full, "%s/%s", ctx->dir, p);
    }
    buf_free(&path);
    if (rc != 0) return -1;
    FILE *f = fopen(full, "rb");
    if (!f) {
        buf_printf(err, "body_file %s cannot be opened", full);
        return -1;
    }
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(out, chunk, got) != 0) break;
    fclose(f);
    if (out->overflowed) {
        buf_printf(err, "body_file %s too large", full);
        return -1;
    }
    return 0;
}

static int build_body(const struct step_ctx *ctx, json_object *req, struct step_req *out,
                      struct buf *err)
{
    json_object *v = NULL;
    if (json_object_object_get_ex(req, "body", &v)) {
        json_object *copy = subst_json(&ctx->env, v, err);
        if (!copy && v) return -1;
        const char *text = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN |
                                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
        int rc = buf_append_str(&out->body, text);
        json_object_put(copy);
        out->has_body = true;
        return rc;
    }
    if (json_object_object_get_ex(req, "body_text", &v)) {
        out->has_body = true;
        return subst_string(&ctx->env, json_object_get_string(v), &out->body, err);
    }
    if (json_object_object_get_ex(req, "body_hex", &v)) {
        out->has_body = true;
        return body_from_hex(json_object_get_string(v), &out->body, err);
    }
    if (json_object_object_get_ex(req, "body_file", &v)) {
        out->has_body = true;
        return body_from_file(ctx, json_object_get_string(v), &out->body, err);
    }
    if (json_object_object_get_ex(req, "body_repeat", &v)) {
        out->has_body = true;
        return append_repeat(v, &out->body, err);
    }
    return 0;
}

static int add_header(struct step_req *out, const char *name, const char *value)
{
    char line[4096];
    /* curl: "Name:" removes a header it would add itself; "Name;" sends it empty. */
    if (!value)
        snprintf(line, sizeof line, "%s:", name);
    else if (!*value)
        snprintf(line, sizeof line, "%s;", name);
    else
        snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(out->headers, line);
    if (!l) return -1;
    out->headers = l;
    return 0;
}

/* "header_repeat" {"name", "text", "times"}: one oversized header. */
static int add_repeat_header(json_object *req, struct step_req *out, struct buf *err)
{
    json_object *rep = json_object_object_get(req, "header_repeat");
    if (!rep) return 0;
    const char *name = json_object_get_string(json_object_object_get(rep, "name"));
    if (!name) {
        buf_printf(err, "header_repeat needs a \"name\"");
        return -1;
    }
    struct buf line;
    buf_init(&line, 1 << 20);
    int rc = buf_printf(&line, "%s: ", name);
    if (rc == 0) rc = append_repeat(rep, &line, err);
    struct curl_slist *l = rc == 0 ? curl_slist_append(out->headers, line.data) : NULL;
    if (l) out->headers = l;
    buf_free(&line);
    return l ? 0 : -1;
}

static int build_headers(const struct step_ctx *ctx, json_object *req, struct step_req *out,
                         struct buf *err)
{
    bool has_ctype = false;
    json_object *hdrs = json_object_object_get(req, "headers");
    if (hdrs) {
        json_object_object_foreach(hdrs, name, v)
        {
            if (!strcasecmp(name, "Content-Type")) has_ctype = true;
            struct buf val;
            buf_init(&val, 8192);
            int rc = 0;
            if (v) rc = subst_string(&ctx->env, json_object_get_string(v), &val, err);
            if (rc == 0) rc = add_header(out, name, v ? (val.data ? val.data : "") : NULL);
            buf_free(&val);
            if (rc != 0) return -1;
        }
    }
    if (add_repeat_header(req, out, err) != 0) return -1;
    if (out->has_body && !has_ctype)
        return add_header(out, "Content-Type", "application/fhir+json");
    return 0;
}

int step_req_build(const struct step_ctx *ctx, json_object *req, struct step_req *out,
                   struct buf *err)
{
    memset(out, 0, sizeof *out);
    buf_init(&out->url, 1 << 20);
    buf_init(&out->body, STEP_BODY_MAX);
    if (!json_object_is_type(req, json_type_object)) {
        buf_printf(err, "step has no \"request\" object");
        return -1;
    }
    const char *method = json_object_get_string(json_object_object_get(req, "method"));
    snprintf(out->method, sizeof out->method, "%s", method ? method : "GET");
    const char *path = json_object_get_string(json_object_object_get(req, "path"));
    if (!path) {
        buf_printf(err, "request has no \"path\"");
        return -1;
    }
    struct buf p;
    buf_init(&p, 1 << 20);
    int rc = subst_string(&ctx->env, path, &p, err);
    if (rc == 0) {
        const char *pp = p.data ? p.data : "";
        /* An absolute URL (e.g. a next link from the server) is used as it is. */
        if (strncmp(pp, "http://", 7) != 0 && strncmp(pp, "https://", 8) != 0)
            rc = buf_append_str(&out->url, ctx->env.origin);
        if (rc == 0) rc = buf_append_str(&out->url, pp);
    }
    json_object *rep = json_object_object_get(req, "path_repeat");
    if (rc == 0 && rep) rc = append_repeat(rep, &out->url, err);
    buf_free(&p);
    if (rc != 0) return -1;
    if (build_body(ctx, req, out, err) != 0) return -1;
    return build_headers(ctx, req, out, err);
}

void step_req_free(struct step_req *r)
{
    buf_free(&r->url);
    buf_free(&r->body);
    curl_slist_free_all(r->headers);
    r->headers = NULL;
}
