/* The searchset's text: _summary and _elements views of a stored resource, and the Bundle with its
 * entries, total and paging links, written without the store or the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "rest/search_run.h"

static const char patient[] =
    "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"versionId\":\"2\"},"
    "\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">"
    "x</div>\"},\"name\":[{\"family\":\"Jansen\"}],\"gender\":\"female\",\"birthDate\":\"1970-01-"
    "01\",\"_birthDate\":{\"extension\":[{\"url\":\"http://x\",\"valueString\":\"y\"}]},"
    "\"photo\":[{\"contentType\":\"image/png\"}],\"maritalStatus\":{\"text\":\"M\"}}";

static const char observation[] =
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"text\":{\"status\":\"generated\",\"div\":"
    "\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">o</div>\"},\"status\":\"final\","
    "\"code\":{\"text\":\"bp\"},\"subject\":{\"reference\":\"Patient/p1\"},"
    "\"valueQuantity\":{\"value\":1.50,\"unit\":\"mmHg\"},\"note\":[{\"text\":\"n\"}]}";

static json_object *view(const struct search *s, const char *type, bool match, const char *json)
{
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(search_view_append(s, type, match, json, strlen(json), &out), 0);
    enum jsonx_err je;
    json_object *v = jsonx_parse(out.data, out.len, 64, &je, NULL, 0);
    assert_non_null(v);
    buf_free(&out);
    return v;
}

static bool has(json_object *v, const char *key)
{
    return jsonx_get(v, key) != NULL;
}

static bool subsetted(json_object *v)
{
    json_object *tags = jsonx_get(jsonx_get(v, "meta"), "tag");
    if (!tags) return false;
    for (size_t i = 0; i < json_object_array_length(tags); i++) {
        const char *code = jsonx_get_str(json_object_array_get_idx(tags, i), "code");
        if (code && !strcmp(code, "SUBSETTED")) return true;
    }
    return false;
}

static struct search *new_search(void)
{
    struct search *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

static void no_view_is_byte_exact(void **state)
{
    (void)state;
    struct search *s = new_search();
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_false(search_view_active(s));
    assert_int_equal(
        search_view_append(s, "Observation", true, observation, strlen(observation), &out), 0);
    assert_string_equal(out.data, observation); /* 1.50 stays 1.50 */
    buf_free(&out);
    s->summary = SEARCH_SUMMARY_COUNT; /* count has no entries, so no view either */
    assert_false(search_view_active(s));
    free(s);
}

static void summary_true(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->summary = SEARCH_SUMMARY_TRUE;
    json_object *v = view(s, "Patient", true, patient);
    assert_true(has(v, "resourceType") && has(v, "id") && has(v, "meta"));
    assert_true(has(v, "name") && has(v, "gender") && has(v, "birthDate"));
    assert_true(has(v, "_birthDate")); /* a primitive's extensions go with it */
    assert_false(has(v, "text"));
    assert_false(has(v, "photo"));
    assert_false(has(v, "maritalStatus"));
    assert_string_equal(jsonx_get_str(jsonx_get(v, "meta"), "versionId"), "2");
    assert_true(subsetted(v));
    json_object_put(v);
    /* A choice element (value[x]) is a summary element of Observation. */
    v = view(s, "Observation", true, observation);
    assert_true(has(v, "valueQuantity") && has(v, "status") && has(v, "code"));
    assert_false(has(v, "note") || has(v, "text"));
    assert_true(subsetted(v));
    json_object_put(v);
    free(s);
}

static void summary_data_and_text(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->summary = SEARCH_SUMMARY_DATA;
    json_object *v = view(s, "Patient", true, patient);
    assert_false(has(v, "text"));
    assert_true(has(v, "photo") && has(v, "maritalStatus") && has(v, "name"));
    assert_true(subsetted(v));
    json_object_put(v);

    s->summary = SEARCH_SUMMARY_TEXT;
    v = view(s, "Observation", true, observation);
    assert_true(has(v, "text") && has(v, "id"));
    assert_true(has(v, "status") && has(v, "code")); /* mandatory (1..1) */
    assert_false(has(v, "subject") || has(v, "valueQuantity") || has(v, "note"));
    assert_true(subsetted(v));
    json_object_put(v);
    free(s);
}

static void elements(void **state)
{
    (void)state;
    struct search *s = new_search();
    memcpy(s->elements[0], "gender", 7);
    memcpy(s->elements[1], "Observation.status", 19);
    s->nelements = 2;
    json_object *v = view(s, "Patient", true, patient);
    assert_true(has(v, "gender") && has(v, "id") && has(v, "meta") && has(v, "resourceType"));
    assert_false(has(v, "name") || has(v, "birthDate") || has(v, "text"));
    assert_true(subsetted(v));
    json_object_put(v);
    /* A bare name is for the matches: an included Patient stays whole. */
    v = view(s, "Patient", false, patient);
    assert_true(has(v, "name") && has(v, "photo"));
    assert_false(subsetted(v));
    json_object_put(v);
    /* "Observation.status" applies to an included Observation. */
    v = view(s, "Observation", false, observation);
    assert_true(has(v, "status"));
    assert_false(has(v, "code") || has(v, "valueQuantity"));
    assert_true(subsetted(v));
    json_object_put(v);
    free(s);
}

/* Views agree whether the resource goes through spans (most) or a tree (over 32 members, or an
 * escaped member name); a resource without meta gets one for the tag. */
static void tree_path_and_missing_meta(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->summary = SEARCH_SUMMARY_DATA;
    struct buf big;
    buf_init(&big, 1 << 16);
    buf_append_str(&big,
                   "{\"resourceType\":\"Basic\",\"id\":\"b\",\"text\":{\"status\":\"empty\"}");
    for (int i = 0; i < 40; i++) buf_printf(&big, ",\"x%d\":%d.50", i, i);
    buf_append_char(&big, '}');
    json_object *v = view(s, "Basic", true, big.data);
    assert_false(has(v, "text"));
    assert_true(has(v, "x0") && has(v, "x39"));
    size_t len;
    assert_string_equal(jsonx_text(jsonx_get(v, "x1"), false, &len), "1.50");
    assert_true(subsetted(v));
    json_object_put(v);
    buf_free(&big);

    const char *escaped = "{\"resourceType\":\"Basic\",\"id\":\"b\",\"te\\u0078t\":{},\"code\":{}}";
    v = view(s, "Basic", true, escaped);
    assert_false(has(v, "text"));
    assert_true(has(v, "code") && subsetted(v));
    json_object_put(v);

    const char *no_meta = "{\"resourceType\":\"Basic\",\"id\":\"b\",\"text\":{},\"code\":{}}";
    v = view(s, "Basic", true, no_meta);
    assert_false(has(v, "text"));
    assert_true(has(v, "code") && subsetted(v));
    json_object_put(v);

    /* An existing SUBSETTED tag is not doubled. */
    s->summary = SEARCH_SUMMARY_TRUE;
    struct buf out;
    buf_init(&out, 1 << 16);
    assert_int_equal(search_view_append(s, "Patient", true, patient, strlen(patient), &out), 0);
    char *once = strdup(out.data);
    buf_reset(&out);
    assert_int_equal(search_view_append(s, "Patient", true, once, strlen(once), &out), 0);
    assert_string_equal(out.data, once);
    free(once);
    buf_free(&out);
    free(s);
}

static void bad_stored_text_fails(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->summary = SEARCH_SUMMARY_TRUE;
    struct buf out;
    buf_init(&out, 1024);
    assert_int_equal(search_view_append(s, "Patient", true, "{\"a\":", 5, &out), -1);
    buf_free(&out);
    free(s);
}

/* ---- The Bundle ---- */

static void add_hit(struct search_result *r, const char *type, const char *id, const char *json,
                    bool include)
{
    struct store_row row = {0};
    snprintf(row.type, sizeof row.type, "%s", type);
    snprintf(row.id, sizeof row.id, "%s", id);
    row.json = (char *)json;
    row.json_len = strlen(json);
    row.seq = (int64_t)r->n + 1;
    assert_int_equal(search_result_add(r, &row, include), 0);
    if (!include) r->nmatch = r->n;
}

static json_object *bundle(struct search *s, struct search_result *r, const char *extra,
                           bool pretty)
{
    struct rest_ctx rc = {0};
    snprintf(rc.base_url, sizeof rc.base_url, "http://h/fhir");
    struct http_reply rep = {0};
    buf_init(&rep.body, 1 << 20);
    rep.pretty = pretty;
    struct search_links l = {.path = "Observation", .extra_query = extra};
    search_bundle_reply(&rc, s, r, &l, &rep);
    assert_int_equal(rep.status, 200);
    enum jsonx_err je;
    json_object *v = jsonx_parse(rep.body.data, rep.body.len, 300, &je, NULL, 0);
    assert_non_null(v);
    buf_free(&rep.body);
    return v;
}

static const char *link_url(json_object *b, const char *rel)
{
    json_object *links = jsonx_get(b, "link");
    for (size_t i = 0; i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        if (!strcmp(jsonx_get_str(l, "relation"), rel)) return jsonx_get_str(l, "url");
    }
    return NULL;
}

static void bundle_entries_and_links(void **state)
{
    (void)state;
    struct search *s = new_search();
    snprintf(s->self_query, sizeof s->self_query, "code=http%%3A%%2F%%2Floinc.org%%7C1-2");
    s->q.count = 2;
    s->q.offset = 4;
    struct search_result r;
    assert_int_equal(search_result_init(&r), 0);
    add_hit(&r, "Observation", "o1", observation, false);
    add_hit(&r, "Observation", "o1", observation, false); /* the same resource again: dropped */
    add_hit(&r, "Patient", "p1", patient, true);
    r.more = true;
    json_object *b = bundle(s, &r, NULL, false);
    assert_string_equal(jsonx_get_str(b, "type"), "searchset");
    assert_null(jsonx_get(b, "total"));
    json_object *entries = jsonx_get(b, "entry");
    assert_int_equal(json_object_array_length(entries), 2);
    json_object *e0 = json_object_array_get_idx(entries, 0),
                *e1 = json_object_array_get_idx(entries, 1);
    assert_string_equal(jsonx_get_str(e0, "fullUrl"), "http://h/fhir/Observation/o1");
    assert_string_equal(jsonx_get_str(jsonx_get(e0, "search"), "mode"), "match");
    assert_string_equal(jsonx_get_str(jsonx_get(e1, "search"), "mode"), "include");
    assert_string_equal(jsonx_get_str(jsonx_get(e1, "resource"), "id"), "p1");
    const char *q = "http://h/fhir/Observation?code=http%3A%2F%2Floinc.org%7C1-2";
    char want[256];
    snprintf(want, sizeof want, "%s&_offset=4", q);
    assert_string_equal(link_url(b, "self"), want);
    snprintf(want, sizeof want, "%s&_count=2", q);
    assert_string_equal(link_url(b, "first"), want);
    snprintf(want, sizeof want, "%s&_count=2&_offset=2", q);
    assert_string_equal(link_url(b, "previous"), want);
    snprintf(want, sizeof want, "%s&_count=2&_offset=6", q);
    assert_string_equal(link_url(b, "next"), want);
    /* The stored decimal text is spliced as it is. */
    json_object *vq = jsonx_get(jsonx_get(e0, "resource"), "valueQuantity");
    size_t len;
    assert_string_equal(jsonx_text(jsonx_get(vq, "value"), false, &len), "1.50");
    json_object_put(b);

    /* The last page: no next; the total given; _count already in the query is not repeated. */
    snprintf(s->self_query, sizeof s->self_query, "_count=2");
    s->q.offset = 0;
    r.more = false;
    r.has_total = true;
    r.total = 1;
    b = bundle(s, &r, "max=3", true);
    assert_int_equal(json_object_get_int(jsonx_get(b, "total")), 1);
    assert_null(link_url(b, "next"));
    assert_null(link_url(b, "previous"));
    assert_string_equal(link_url(b, "self"), "http://h/fhir/Observation?max=3&_count=2");
    assert_string_equal(link_url(b, "first"), "http://h/fhir/Observation?max=3&_count=2");
    assert_string_equal(link_url(b, "last"), "http://h/fhir/Observation?max=3&_count=2");
    json_object_put(b);

    /* A known total of 5 in pages of 2: the last page starts at 4. */
    r.total = 5;
    r.more = true;
    b = bundle(s, &r, NULL, false);
    assert_string_equal(link_url(b, "last"), "http://h/fhir/Observation?_count=2&_offset=4");
    json_object_put(b);

    search_result_free(&r);
    free(s);
}

static void bundle_empty(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->q.count = 10;
    struct search_result r;
    assert_int_equal(search_result_init(&r), 0);
    r.has_total = true;
    json_object *b = bundle(s, &r, NULL, false);
    assert_null(jsonx_get(b, "entry"));
    assert_int_equal(json_object_get_int(jsonx_get(b, "total")), 0);
    assert_null(link_url(b, "last"));
    assert_string_equal(link_url(b, "self"), "http://h/fhir/Observation");
    json_object_put(b);
    search_result_free(&r);
    free(s);
}

static void bundle_outcome_when_includes_cut(void **state)
{
    (void)state;
    struct search *s = new_search();
    s->q.count = 10;
    struct search_result r;
    assert_int_equal(search_result_init(&r), 0);
    add_hit(&r, "Patient", "p1", patient, false);
    r.includes_cut = "includes \"cut\"";
    json_object *b = bundle(s, &r, NULL, false);
    json_object *entries = jsonx_get(b, "entry");
    assert_int_equal(json_object_array_length(entries), 2);
    json_object *e = json_object_array_get_idx(entries, 1);
    assert_string_equal(jsonx_get_str(jsonx_get(e, "search"), "mode"), "outcome");
    json_object *oo = jsonx_get(e, "resource");
    assert_string_equal(jsonx_get_str(oo, "resourceType"), "OperationOutcome");
    assert_string_equal(
        jsonx_get_str(json_object_array_get_idx(jsonx_get(oo, "issue"), 0), "diagnostics"),
        "includes \"cut\"");
    json_object_put(b);
    search_result_free(&r);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_view_is_byte_exact),
        cmocka_unit_test(summary_true),
        cmocka_unit_test(summary_data_and_text),
        cmocka_unit_test(elements),
        cmocka_unit_test(tree_path_and_missing_meta),
        cmocka_unit_test(bad_stored_text_fails),
        cmocka_unit_test(bundle_entries_and_links),
        cmocka_unit_test(bundle_empty),
        cmocka_unit_test(bundle_outcome_when_includes_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
