/* The searchset Bundle, written as text straight into the reply: each resource's stored text is
 * spliced in as it is (stored resources are compact JSON objects), so a page of a thousand
 * resources costs copies, not a thousand parse-and-print round trips. Only a view (_summary,
 * _elements) or _pretty makes a resource go through a tree. */
#include <stdio.h>
#include <string.h>

#include "json/jsonx.h"
#include "rest/search_run.h"
#include "util/log.h"
#include "util/uuid.h"

/* A JSON string literal of s. */
static void json_str(struct buf *b, const char *s)
{
    buf_append_char(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_append_char(b, '\\');
            buf_append_char(b, (char)c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_append_char(b, (char)c);
        }
    }
    buf_append_char(b, '"');
}

/* Whether the canonical query q (name=value&...) has a parameter called name. */
static bool query_has(const char *q, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = q; p && *p;) {
        if (!strncmp(p, name, n) && (p[n] == '=' || p[n] == '&' || !p[n])) return true;
        p = strchr(p, '&');
        if (p) p++;
    }
    return false;
}

/* base/path?extra&self_query[&_count=n][&_offset=n] (base?... for an empty path) */
static void link_url(struct buf *b, const struct rest_ctx *rc, const struct search *s,
                     const struct search_links *l, bool with_count, size_t offset)
{
    buf_reset(b);
    buf_append_str(b, rc->base_url);
    if (l->path[0]) buf_printf(b, "/%s", l->path);
    char sep = '?';
    if (l->extra_query && l->extra_query[0]) {
        buf_printf(b, "%c%s", sep, l->extra_query);
        sep = '&';
    }
    if (s->self_query[0]) {
        buf_printf(b, "%c%s", sep, s->self_query);
        sep = '&';
    }
    if (with_count && !query_has(s->self_query, "_count")) {
        buf_printf(b, "%c_count=%zu", sep, s->q.count);
        sep = '&';
    }
    if (offset) buf_printf(b, "%c_offset=%zu", sep, offset);
}

static void add_link(struct buf *out, bool *first, const char *rel, struct buf *url)
{
    buf_append_str(out, *first ? "{\"relation\":" : ",{\"relation\":");
    *first = false;
    json_str(out, rel);
    buf_append_str(out, ",\"url\":");
    json_str(out, url->data ? url->data : "");
    buf_append_char(out, '}');
}

/* MedMij: a searchset link never holds the BSN system. The parameters were refused before the
 * search ran (rest_access_search_ok), so finding it here is our bug. */
static bool link_safe(const struct search_result *r, const struct buf *url)
{
    if (!r->access || !url->data || !strcasestr(url->data, REST_BSN_SYSTEM)) return true;
    log_bug("search: a link under a token holds the BSN system");
    return false;
}

/* False when a link may not be written (link_safe). */
static bool links(struct buf *out, const struct rest_ctx *rc, const struct search *s,
                  const struct search_result *r, const struct search_links *l)
{
    struct buf url;
    buf_init(&url, 16384);
    bool first = true;
    size_t off = s->q.offset, count = s->q.count;
    buf_append_str(out, ",\"link\":[");
    bool safe = true;
    link_url(&url, rc, s, l, false, off);
    safe &= link_safe(r, &url);
    add_link(out, &first, "self", &url);
    if (count > 0) {
        link_url(&url, rc, s, l, true, 0);
        safe &= link_safe(r, &url);
        add_link(out, &first, "first", &url);
        if (off > 0) {
            link_url(&url, rc, s, l, true, off > count ? off - count : 0);
            add_link(out, &first, "previous", &url);
        }
        if (r->more) {
            link_url(&url, rc, s, l, true, off + count);
            add_link(out, &first, "next", &url);
        }
        /* last needs the number of matches, so only when the total is known. */
        if (r->has_total && r->total > 0) {
            link_url(&url, rc, s, l, true, (size_t)(r->total - 1) / count * count);
            add_link(out, &first, "last", &url);
        }
    }
    buf_append_char(out, ']');
    buf_free(&url);
    return safe;
}

/* One entry; false when the view could not be applied (logged). */
static bool entry(struct buf *out, const struct rest_ctx *rc, const struct search *s,
                  const struct search_hit *h, bool first)
{
    char type[STORE_TYPE_MAX];
    memcpy(type, h->key, h->type_len);
    type[h->type_len] = '\0';
    buf_append_str(out, first ? "{\"fullUrl\":" : ",{\"fullUrl\":");
    char url[REST_BASE_MAX + STORE_TYPE_MAX + STORE_ID_MAX + 4];
    snprintf(url, sizeof url, "%s/%s", rc->base_url, h->key);
    json_str(out, url);
    buf_append_str(out, ",\"resource\":");
    if (search_view_append(s, type, !h->include, h->json, h->json_len, out) != 0) {
        if (!out->overflowed) log_bug("search: stored %s does not parse for a view", h->key);
        return false;
    }
    buf_append_str(out, h->include ? ",\"search\":{\"mode\":\"include\"}}"
                                   : ",\"search\":{\"mode\":\"match\"}}");
    return true;
}

static void issue(struct buf *out, bool *first, const char *code, const char *text)
{
    buf_append_str(out, *first ? "{" : ",{");
    *first = false;
    buf_printf(out, "\"severity\":\"warning\",\"code\":\"%s\",\"diagnostics\":", code);
    json_str(out, text);
    buf_append_char(out, '}');
}

/* What the client should know besides the resources (search.mode outcome): parameters ignored
 * under lenient handling, includes cut short. */
static void outcome_entry(struct buf *out, const struct search_result *r,
                          const struct search_links *l, bool first_entry)
{
    buf_append_str(out, first_entry ? "{" : ",{");
    buf_append_str(out, "\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    bool first = true;
    if (l->ignored[0]) {
        char text[sizeof l->ignored + 64];
        snprintf(text, sizeof text, "parameters not understood, ignored: %s", l->ignored);
        issue(out, &first, "not-supported", text);
    }
    if (r->includes_cut) issue(out, &first, "too-costly", r->includes_cut);
    buf_append_str(out, "]},\"search\":{\"mode\":\"outcome\"}}");
}

static void pretty(struct http_reply *rep)
{
    enum jsonx_err je;
    json_object *v =
        jsonx_parse(rep->body.data, rep->body.len, REST_STORED_DEPTH + 8, &je, NULL, 0);
    if (!v) {
        log_bug("search: the searchset does not parse (jsonx error %d)", (int)je);
        http_reply_error(rep, RG_E_INTERNAL, "searchset could not be written");
        return;
    }
    http_reply_json(rep, 200, v);
    json_object_put(v);
}

void search_bundle_reply(struct rest_ctx *rc, const struct search *s, const struct search_result *r,
                         const struct search_links *l, struct http_reply *rep)
{
    struct buf *out = &rep->body;
    buf_reset(out);
    char id[UUID_STR_LEN] = "";
    char now[FHIRTIME_INSTANT_LEN];
    fhirtime_now(now);
    buf_append_str(out, "{\"resourceType\":\"Bundle\"");
    if (uuid_v4(id) == 0) buf_printf(out, ",\"id\":\"%s\"", id);
    buf_printf(out, ",\"meta\":{\"lastUpdated\":\"%s\"},\"type\":\"searchset\"", now);
    if (r->has_total) buf_printf(out, ",\"total\":%lld", (long long)r->total);
    if (!links(out, rc, s, r, l)) goto fail;
    bool outcome = r->includes_cut || l->ignored[0];
    if (r->n || outcome) {
        buf_append_str(out, ",\"entry\":[");
        for (size_t i = 0; i < r->n; i++)
            if (!entry(out, rc, s, &r->hits[i], i == 0)) goto fail;
        if (outcome) outcome_entry(out, r, l, r->n == 0);
        buf_append_char(out, ']');
    }
    buf_append_char(out, '}');
    if (out->overflowed) goto fail;
    rep->status = 200;
    if (rep->pretty) pretty(rep);
    return;
fail:
    if (out->overflowed) log_bug("search: the searchset does not fit the reply limit");
    buf_reset(out);
    out->overflowed = false;
    http_reply_error(rep, RG_E_INTERNAL, "searchset could not be written");
}
