/* audit_bundle_patient: two passes over the log, so memory holds one page whatever the log's
 * size. The first counts the patient's entries; the second renders those whose place from the
 * newest falls in the page. Entries appended between the passes come after the counted ones and
 * are left for the next read, so a page never shifts under the reader. */
#include <stdio.h>
#include <string.h>

#include "audit/auditbundle.h"
#include "audit/auditevent.h"

struct page_ctx {
    long total;       /* the patient's entries found by the first pass */
    long index;       /* of the line now given, oldest first */
    long first, last; /* oldest-first indexes of the page: [first, last) */
    const char *observer;
    json_object *events; /* oldest first */
    bool failed;
};

static int count_line(const struct audit_line *l, void *ctx)
{
    (void)l;
    (void)ctx;
    return 0;
}

static int page_line(const struct audit_line *l, void *vctx)
{
    struct page_ctx *p = vctx;
    long i = p->index++;
    if (i >= p->last) return 1; /* past the page, or appended after the count */
    if (i < p->first) return 0;
    json_object *ev = audit_event_from_line(l, p->observer);
    if (!ev || json_object_array_add(p->events, ev) != 0) {
        json_object_put(ev);
        p->failed = true;
        return 1;
    }
    return 0;
}

static json_object *link(const char *relation, const char *path, size_t count, size_t offset)
{
    char url[512];
    snprintf(url, sizeof url, "%s?count=%zu&offset=%zu", path, count, offset);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "relation", json_object_new_string(relation));
    json_object_object_add(o, "url", json_object_new_string(url));
    return o;
}

json_object *audit_bundle_patient(struct audit_log *log, const char *patient, const char *observer,
                                  size_t count, size_t offset, const char *path)
{
    if (count > AUDIT_BUNDLE_COUNT_MAX) count = AUDIT_BUNDLE_COUNT_MAX;
    if (offset > AUDIT_BUNDLE_OFFSET_MAX) offset = AUDIT_BUNDLE_OFFSET_MAX;
    long total = audit_read_patient(log, patient, count_line, NULL);
    if (total < 0) return NULL;
    /* Newest-first places [offset, offset + count) are oldest-first [total - offset - count,
     * total - offset). */
    long last = total - (long)offset;
    long first = last - (long)count;
    struct page_ctx p = {.total = total,
                         .first = first < 0 ? 0 : first,
                         .last = last < 0 ? 0 : last,
                         .observer = observer,
                         .events = json_object_new_array()};
    if (!p.events) return NULL;
    if (p.last > p.first && (audit_read_patient(log, patient, page_line, &p) < 0 || p.failed)) {
        json_object_put(p.events);
        return NULL;
    }
    json_object *bundle = json_object_new_object(), *entries = json_object_new_array();
    json_object_object_add(bundle, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(bundle, "type", json_object_new_string("searchset"));
    json_object_object_add(bundle, "total", json_object_new_int64(total));
    if (path) {
        json_object *links = json_object_new_array();
        json_object_array_add(links, link("self", path, count, offset));
        if (count > 0 && (long)(offset + count) < total)
            json_object_array_add(links, link("next", path, count, offset + count));
        json_object_object_add(bundle, "link", links);
    }
    for (size_t n = json_object_array_length(p.events); n > 0; n--) {
        json_object *entry = json_object_new_object(), *search = json_object_new_object();
        json_object_object_add(entry, "resource",
                               json_object_get(json_object_array_get_idx(p.events, n - 1)));
        json_object_object_add(search, "mode", json_object_new_string("match"));
        json_object_object_add(entry, "search", search);
        json_object_array_add(entries, entry);
    }
    json_object_put(p.events);
    if (json_object_array_length(entries))
        json_object_object_add(bundle, "entry", entries);
    else
        json_object_put(entries); /* FHIR has no empty arrays */
    return bundle;
}

size_t audit_bundle_number(const char *s, size_t dflt, size_t max)
{
    if (!s || !*s || strlen(s) > 9) return dflt;
    size_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return dflt;
        v = v * 10 + (size_t)(*s - '0');
    }
    return v > max ? max : v;
}
