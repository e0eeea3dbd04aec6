/* Fuzzes the structural scanner: any bytes must scan or be refused without a crash, spans must lie
 * inside the input, and when the scan succeeds and every span is valid JSON, the whole text must
 * be valid JSON with the same members and entries (the Bundle text path relies on this). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonspan.h"
#include "json/jsonx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool span_ok(struct jsonspan sp, size_t size)
{
    return sp.off <= size && sp.len <= size - sp.off && sp.len > 0;
}

static bool span_parses(const char *s, struct jsonspan sp)
{
    enum jsonx_err err;
    json_object *v = jsonx_parse(s + sp.off, sp.len, 64, &err, NULL, 0);
    if (!v) return false;
    json_object_put(v);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct jsonspan_doc d;
    if (jsonspan_scan(s, size, "entry", 1000, 30, &d) != JSONSPAN_OK) {
        if (d.elems) abort();
        return 0;
    }
    if (d.depth < 1 || d.depth > 30 || d.array_member > d.nmembers) abort();
    bool all = true;
    for (size_t m = 0; m < d.nmembers; m++) {
        if (d.key[m].off > size || d.key[m].len > size - d.key[m].off) abort();
        if (!span_ok(d.val[m], size)) abort();
        if (m != d.array_member && !span_parses(s, d.val[m])) all = false;
    }
    for (size_t i = 0; i < d.nelems; i++) {
        if (!span_ok(d.elems[i], size)) abort();
        if (!span_parses(s, d.elems[i])) all = false;
    }
    if (all) {
        enum jsonx_err err;
        json_object *v = jsonx_parse(s, size, 64, &err, NULL, 0);
        if (!v || !json_object_is_type(v, json_type_object)) abort();
        if ((size_t)json_object_object_length(v) != d.nmembers) abort();
        json_object *e = jsonx_get(v, "entry");
        if (d.array_member < d.nmembers && json_object_array_length(e) != d.nelems) abort();
        json_object_put(v);
    }
    jsonspan_doc_free(&d);
    return 0;
}
