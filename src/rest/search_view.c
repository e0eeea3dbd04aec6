/* _summary and _elements: which top-level elements of a resource a searchset shows. Only a view
 * re-parses the stored text; without one the Bundle splices it unchanged. A resource shown in part
 * carries the SUBSETTED tag in meta.tag, as the specification asks, so nobody stores it back as
 * if whole. */
#include <string.h>

#include "fhir/model.h"
#include "fhir/searchparam.h"
#include "json/jsonspan.h"
#include "json/jsonx.h"
#include "rest/search_run.h"

#define SUBSETTED_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"

bool search_view_active(const struct search *s)
{
    return s->summary == SEARCH_SUMMARY_TRUE || s->summary == SEARCH_SUMMARY_DATA ||
           s->summary == SEARCH_SUMMARY_TEXT || s->nelements > 0;
}

/* The element a JSON member stands for: "_birthDate" (a primitive's extensions) is birthDate. */
static const char *element_of(const char *member)
{
    return member[0] == '_' ? member + 1 : member;
}

static bool always_kept(const char *el)
{
    return !strcmp(el, "resourceType") || !strcmp(el, "id") || !strcmp(el, "meta");
}

/* Whether _elements names el for this resource. *applies is set when some listed element is for
 * this resource at all (bare names are for the matches, "Type.name" for resources of Type). */
static bool elements_keep(const struct search *s, const char *type, bool match, const char *el,
                          bool *applies)
{
    bool keep = false;
    size_t tl = strlen(type);
    for (size_t i = 0; i < s->nelements; i++) {
        const char *e = s->elements[i], *dot = strchr(e, '.');
        const char *name;
        if (dot) {
            if ((size_t)(dot - e) != tl || memcmp(e, type, tl)) continue;
            name = dot + 1;
        } else {
            if (!match) continue;
            name = e;
        }
        *applies = true;
        if (!strcmp(name, el)) keep = true;
    }
    return keep;
}

/* Does the view keep member of type? */
static bool keeps(const struct search *s, const char *type, bool match, const char *member,
                  bool *applies)
{
    const char *el = element_of(member);
    if (always_kept(el)) return true;
    if (s->nelements) return elements_keep(s, type, match, el, applies);
    *applies = true;
    switch (s->summary) {
    case SEARCH_SUMMARY_TRUE:
        return fhir_is_summary_element(type, el); /* knows choices: valueQuantity is value[x] */
    case SEARCH_SUMMARY_DATA:
        return strcmp(el, "text") != 0;
    case SEARCH_SUMMARY_TEXT:
        return !strcmp(el, "text") || fhir_is_required_element(type, el);
    default:
        return true;
    }
}

/* Adds the SUBSETTED tag to meta (an object) unless it is there. */
static void mark_subsetted(json_object *meta)
{
    json_object *tags = jsonx_get(meta, "tag");
    if (!json_object_is_type(tags, json_type_array)) {
        tags = json_object_new_array();
        json_object_object_add(meta, "tag", tags);
    }
    size_t n = json_object_array_length(tags);
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(tags, i);
        const char *sys = jsonx_get_str(t, "system"), *code = jsonx_get_str(t, "code");
        if (sys && code && !strcmp(sys, SUBSETTED_SYSTEM) && !strcmp(code, "SUBSETTED")) return;
    }
    json_object *tag = json_object_new_object();
    json_object_object_add(tag, "system", json_object_new_string(SUBSETTED_SYSTEM));
    json_object_object_add(tag, "code", json_object_new_string("SUBSETTED"));
    json_object_array_add(tags, tag);
}

/* The general path: the whole resource as a tree. */
static int view_tree(const struct search *s, const char *type, bool match, const char *json,
                     size_t len, struct buf *out)
{
    enum jsonx_err je;
    json_object *res = jsonx_parse(json, len, REST_STORED_DEPTH, &je, NULL, 0);
    if (!json_object_is_type(res, json_type_object)) {
        json_object_put(res);
        return -1;
    }
    /* Members to drop are collected first: deleting while iterating json-c's table is unsafe. */
    const char *drop[256];
    size_t ndrop = 0;
    bool applies = false, overflow = false;
    json_object_object_foreach(res, key, val)
    {
        (void)val;
        if (keeps(s, type, match, key, &applies)) continue;
        if (ndrop == sizeof drop / sizeof drop[0]) {
            overflow = true;
            break;
        }
        drop[ndrop++] = key;
    }
    int rc;
    if (!applies || overflow) {
        rc = buf_append(out, json, len); /* the view is not for this resource */
    } else {
        for (size_t i = 0; i < ndrop; i++) json_object_object_del(res, drop[i]);
        json_object *meta = jsonx_get(res, "meta");
        if (!json_object_is_type(meta, json_type_object)) {
            meta = json_object_new_object();
            json_object_object_add(res, "meta", meta);
        }
        mark_subsetted(meta);
        size_t tl = 0;
        const char *text = jsonx_text(res, false, &tl);
        rc = text ? buf_append(out, text, tl) : -1;
    }
    json_object_put(res);
    return rc;
}

/* meta with the SUBSETTED tag: the stored meta (span, may be NULL) parsed, tagged and printed. */
static int append_meta(const char *json, const struct jsonspan *span, struct buf *out)
{
    json_object *meta = NULL;
    if (span) {
        enum jsonx_err je;
        meta = jsonx_parse(json + span->off, span->len, REST_STORED_DEPTH, &je, NULL, 0);
        if (!json_object_is_type(meta, json_type_object)) {
            json_object_put(meta);
            return -1;
        }
    } else {
        meta = json_object_new_object();
    }
    mark_subsetted(meta);
    size_t tl = 0;
    const char *text = jsonx_text(meta, false, &tl);
    int rc = text ? buf_append(out, text, tl) : -1;
    json_object_put(meta);
    return rc;
}

/* The fast path: the top-level members' byte spans (no tree); the kept ones are copied as they
 * are stored, and only meta is parsed, to add the tag. 1 when the resource is not of the simple
 * shape jsonspan reads (then the tree path runs). */
static int view_spans(const struct search *s, const char *type, bool match, const char *json,
                      size_t len, struct buf *out)
{
    struct jsonspan_doc d;
    if (jsonspan_scan(json, len, NULL, 0, REST_STORED_DEPTH, &d) != JSONSPAN_OK) return 1;
    bool keep[JSONSPAN_MEMBERS_MAX], applies = false;
    size_t meta = d.nmembers;
    for (size_t i = 0; i < d.nmembers; i++) {
        char key[JSONSPAN_KEY_MAX + 1];
        if (d.key[i].len > JSONSPAN_KEY_MAX) {
            jsonspan_doc_free(&d);
            return 1;
        }
        memcpy(key, json + d.key[i].off, d.key[i].len);
        key[d.key[i].len] = '\0';
        keep[i] = keeps(s, type, match, key, &applies);
        if (!strcmp(key, "meta")) meta = i;
    }
    int rc = 0;
    if (!applies) {
        rc = buf_append(out, json, len);
    } else {
        buf_append_char(out, '{');
        bool first = true;
        for (size_t i = 0; i < d.nmembers; i++) {
            if (!keep[i]) continue;
            if (!first) buf_append_char(out, ',');
            first = false;
            buf_append_char(out, '"');
            buf_append(out, json + d.key[i].off, d.key[i].len);
            buf_append_str(out, "\":");
            if (i == meta)
                rc |= append_meta(json, &d.val[i], out);
            else
                buf_append(out, json + d.val[i].off, d.val[i].len);
        }
        if (meta == d.nmembers) {
            buf_append_str(out, first ? "\"meta\":" : ",\"meta\":");
            rc |= append_meta(json, NULL, out);
        }
        rc |= buf_append_char(out, '}');
    }
    jsonspan_doc_free(&d);
    return rc ? -1 : 0;
}

int search_view_append(const struct search *s, const char *type, bool match, const char *json,
                       size_t len, struct buf *out)
{
    if (!search_view_active(s)) return buf_append(out, json, len);
    int rc = view_spans(s, type, match, json, len, out);
    return rc == 1 ? view_tree(s, type, match, json, len, out) : rc;
}
