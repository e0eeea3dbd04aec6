/* _summary and _elements: which top-level elements of a resource a searchset shows. Only a view
 * re-parses the stored text; without one the Bundle splices it unchanged. A resource shown in part
 * carries the SUBSETTED tag in meta.tag, as the specification asks, so nobody stores it back as
 * if whole. */
#include <string.h>

#include "fhir/model.h"
#include "fhir/searchparam.h"
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

/* The choice base of "valueQuantity" ("value"), written into out; false when member has no
 * upper-case letter after its first character. */
static bool choice_base(const char *member, char *out, size_t out_len)
{
    size_t i = 1;
    while (member[i] && !(member[i] >= 'A' && member[i] <= 'Z')) i++;
    if (!member[i] || i + 4 > out_len) return false;
    memcpy(out, member, i);
    out[i] = '\0';
    return true;
}

static bool is_summary(const char *type, const char *el)
{
    if (fhir_is_summary_element(type, el)) return true;
    char base[72];
    if (!choice_base(el, base, sizeof base - 3)) return false;
    if (fhir_is_summary_element(type, base)) return true;
    size_t n = strlen(base);
    memcpy(base + n, "[x]", 4);
    return fhir_is_summary_element(type, base);
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
        return is_summary(type, el);
    case SEARCH_SUMMARY_DATA:
        return strcmp(el, "text") != 0;
    case SEARCH_SUMMARY_TEXT:
        return !strcmp(el, "text") || fhir_is_required_element(type, el);
    default:
        return true;
    }
}

static void mark_subsetted(json_object *res)
{
    json_object *meta = jsonx_get(res, "meta");
    if (!json_object_is_type(meta, json_type_object)) {
        meta = json_object_new_object();
        json_object_object_add(res, "meta", meta);
    }
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

int search_view_append(const struct search *s, const char *type, bool match, const char *json,
                       size_t len, struct buf *out)
{
    if (!search_view_active(s)) return buf_append(out, json, len);
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
        mark_subsetted(res);
        size_t tl = 0;
        const char *text = jsonx_text(res, false, &tl);
        rc = text ? buf_append(out, text, tl) : -1;
    }
    json_object_put(res);
    return rc;
}
