/* history: GET /_history, [type]/_history, [type]/[id]/_history. Newest first; pages continue from
 * the last row's seq (_cursor), so a page boundary does not move when new versions are written.
 * Under a token (req->access) only the instance level: of a resource it may read now (404
 * otherwise), without the versions it may not read (an earlier subject, a delete marker). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "rest/internal.h"
#include "util/log.h"

struct hist {
    struct rest_ctx *rc;
    const struct rest_access *access;
    json_object *entries;
    int64_t last_seq;
    size_t n, limit;
    bool more, broken;
};

static json_object *jstr(const char *s)
{
    return json_object_new_string(s);
}

static int add_row(void *ctx, const struct store_row *row)
{
    struct hist *h = ctx;
    if (h->access && (row->deleted || !rest_access_may_read(h->access, h->rc->store, row->type,
                                                            row->json, row->json_len)))
        return 0;
    if (h->n == h->limit) {
        h->more = true;
        return 1;
    }
    json_object *e = json_object_new_object();
    char url[REST_BASE_MAX + STORE_TYPE_MAX + STORE_ID_MAX + 4];
    snprintf(url, sizeof url, "%s/%s/%s", h->rc->base_url, row->type, row->id);
    json_object_object_add(e, "fullUrl", jstr(url));
    const char *method = row->deleted ? "DELETE" : row->version == 1 ? "POST" : "PUT";
    if (!row->deleted) {
        enum jsonx_err je;
        json_object *r = jsonx_parse(row->json, row->json_len, REST_STORED_DEPTH, &je, NULL, 0);
        if (!r) {
            log_bug("history: stored %s/%s version %lld does not parse", row->type, row->id,
                    (long long)row->version);
            h->broken = true;
            json_object_put(e);
            return 1;
        }
        json_object_object_add(e, "resource", r);
    }
    json_object *rq = json_object_new_object();
    json_object_object_add(rq, "method", jstr(method));
    if (!strcmp(method, "POST"))
        snprintf(url, sizeof url, "%s", row->type);
    else
        snprintf(url, sizeof url, "%s/%s", row->type, row->id);
    json_object_object_add(rq, "url", jstr(url));
    json_object_object_add(e, "request", rq);
    json_object *rs = json_object_new_object();
    json_object_object_add(rs, "status",
                           jstr(rest_status_text(row->deleted        ? 204
                                                 : row->version == 1 ? 201
                                                                     : 200)));
    char etag[32];
    snprintf(etag, sizeof etag, "W/\"%lld\"", (long long)row->version);
    json_object_object_add(rs, "etag", jstr(etag));
    json_object_object_add(rs, "lastModified", jstr(row->last_updated));
    json_object_object_add(e, "response", rs);
    json_object_array_add(h->entries, e);
    h->last_seq = row->seq;
    h->n++;
    return 0;
}

/* Query-encodes s (RFC 3986 unreserved kept). */
static void qenc(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == ':')
            buf_append_char(b, (char)c);
        else
            buf_printf(b, "%%%02X", c);
    }
}

static json_object *link(const char *rel, struct buf *url)
{
    json_object *l = json_object_new_object();
    json_object_object_add(l, "relation", jstr(rel));
    json_object_object_add(l, "url",
                           json_object_new_string_len(url->data ? url->data : "", (int)url->len));
    return l;
}

static void make_url(struct buf *b, const struct rest_ctx *rc, const char *type, const char *id,
                     size_t count, const char *since, int64_t cursor)
{
    buf_reset(b);
    buf_append_str(b, rc->base_url);
    if (type) buf_printf(b, "/%s", type);
    if (id) buf_printf(b, "/%s", id);
    buf_printf(b, "/_history?_count=%zu", count);
    if (since) {
        buf_append_str(b, "&_since=");
        qenc(b, since);
    }
    if (cursor > 0) buf_printf(b, "&_cursor=%lld", (long long)cursor);
}

static bool parse_count(struct http_reply *rep, const char *s, const char *name, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 0 || s[0] == '+' || s[0] == ' ') {
        http_reply_error(rep, RG_E_BAD_PARAM, "%s must be a non-negative integer", name);
        return false;
    }
    *out = v;
    return true;
}

static void history(struct http_request *req, struct http_reply *rep, const char *type,
                    const char *id)
{
    struct rest_ctx *rc = rest_ctx_of(req);
    long long count = (long long)rc->page_default, cursor = 0;
    const char *cs = http_param(req, "_count"), *since = http_param(req, "_since");
    const char *cur = http_param(req, "_cursor");
    if (cs && !parse_count(rep, cs, "_count", &count)) return;
    if (cur && !parse_count(rep, cur, "_cursor", &cursor)) return;
    if ((size_t)count > rc->page_max) count = (long long)rc->page_max;
    if (since && !fhirtime_parse_datetime(since, strlen(since), NULL)) {
        http_reply_error(rep, RG_E_BAD_PARAM,
                         "_since must be an instant, e.g. 2024-01-01T00:00:00Z");
        return;
    }
    struct rg_fail f;
    const struct rest_access *a = rest_access_of(req);
    if (a && !id) {
        rest_access_forbid(rep, type ? "the history of a type" : "the history of the server");
        return;
    }
    if (a && !rest_access_type_ok(a, type, false)) {
        rest_access_hide(rep, type, id);
        return;
    }
    if (id) {
        struct store_row row = {0};
        enum store_rc src = rc->store->ops->read(rc->store, type, id, &row);
        bool hidden =
            a && src == STORE_OK &&
            (row.deleted || !rest_access_may_read(a, rc->store, type, row.json, row.json_len));
        store_row_clear(&row);
        if (hidden) {
            rest_access_hide(rep, type, id);
            return;
        }
        if (src != STORE_OK) {
            if (src == STORE_NONE)
                rg_fail_set(&f, RG_E_NOT_FOUND, NULL, "%s/%s is not known", type, id);
            else
                rest_store_fail(src, "read", &f);
            rest_reply_fail(rep, &f);
            return;
        }
    }
    /* One row more than the page tells whether a next page exists. */
    struct hist h = {
        .rc = rc, .access = a, .entries = json_object_new_array(), .limit = (size_t)count};
    struct store_history_q q = {
        .type = type, .id = id, .since = since, .before_seq = cursor, .count = (size_t)count + 1};
    int64_t total = 0;
    enum store_rc src = rc->store->ops->history(rc->store, &q, add_row, &h, &total);
    if (src != STORE_OK || h.broken) {
        json_object_put(h.entries);
        rest_store_fail(src == STORE_OK ? STORE_HARD : src, "history", &f);
        rest_reply_fail(rep, &f);
        return;
    }
    json_object *b = json_object_new_object();
    json_object_object_add(b, "resourceType", jstr("Bundle"));
    json_object_object_add(b, "type", jstr("history"));
    /* The store counts every version; under a token some are left out, so no total then. */
    if (!a) json_object_object_add(b, "total", json_object_new_int64(total));
    json_object *links = json_object_new_array();
    struct buf url;
    buf_init(&url, 4096);
    make_url(&url, rc, type, id, (size_t)count, since, cursor);
    json_object_array_add(links, link("self", &url));
    if (h.more && h.n > 0) {
        make_url(&url, rc, type, id, (size_t)count, since, h.last_seq);
        json_object_array_add(links, link("next", &url));
    }
    buf_free(&url);
    json_object_object_add(b, "link", links);
    if (h.n)
        json_object_object_add(b, "entry", h.entries);
    else
        json_object_put(h.entries);
    http_reply_json(rep, 200, b);
    json_object_put(b);
}

void rest_h_history_system(struct http_request *req, struct http_reply *rep)
{
    history(req, rep, NULL, NULL);
}

void rest_h_history_type(struct http_request *req, struct http_reply *rep)
{
    if (!rest_check_type(rep, req->args[0])) return;
    history(req, rep, req->args[0], NULL);
}

void rest_h_history_instance(struct http_request *req, struct http_reply *rep)
{
    if (!rest_check_type(rep, req->args[0]) || !rest_check_id(rep, req->args[1])) return;
    history(req, rep, req->args[0], req->args[1]);
}
