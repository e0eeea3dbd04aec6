/* Lookups over the generated R4 tables, and the Patient compartment of a resource. */
#include "fhir/model.h"

#include <string.h>

#include "fhir/model_tables.h"

size_t fhir_resource_type_count(void)
{
    return fhir_gen_resource_count;
}

const char *fhir_resource_type_name(size_t i)
{
    return i < fhir_gen_resource_count ? fhir_gen_resources[i].name : NULL;
}

const struct fhir_resource_info *fhir_model_resource(const char *name)
{
    if (!name) return NULL;
    size_t lo = 0, hi = fhir_gen_resource_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, fhir_gen_resources[mid].name);
        if (c == 0) return &fhir_gen_resources[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct fhir_elem *fhir_model_find(const struct fhir_node *node, const char *name)
{
    size_t lo = 0, hi = node->n_elems;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, node->elems[mid].name);
        if (c == 0) return &node->elems[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct fhir_valueset *fhir_model_valueset(const struct fhir_elem *e)
{
    if (e->kind != FHIR_K_CODE || e->vset == 0 || e->vset > fhir_gen_valueset_count) return NULL;
    return &fhir_gen_valuesets[e->vset - 1];
}

/* strcmp order for a counted string against a NUL-terminated one (a code never holds a NUL, so
 * an input NUL simply sorts low and never matches). */
static int cmp_counted(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool fhir_valueset_has(const struct fhir_valueset *vs, const char *code, size_t len)
{
    size_t lo = 0, hi = vs->n_codes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_counted(code, len, vs->codes[mid]);
        if (c == 0) return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

bool fhir_is_resource_type(const char *name)
{
    return fhir_model_resource(name) != NULL;
}

bool fhir_in_patient_compartment(const char *type)
{
    const struct fhir_resource_info *r = fhir_model_resource(type);
    return r && r->in_patient_compartment;
}

bool fhir_is_required_element(const char *type, const char *member)
{
    const struct fhir_resource_info *r = fhir_model_resource(type);
    if (!r) return false;
    const struct fhir_node *node = &fhir_gen_nodes[r->node];
    const struct fhir_elem *e = fhir_model_find(node, member);
    if (!e) return false;
    for (size_t i = 0; i < node->n_required; i++)
        if (node->required[i].group == e->group) return true;
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Patient compartment */

static bool id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

/* Copies the Patient id out of a literal reference "Patient/<id>", ".../Patient/<id>" (either
 * optionally followed by "/_history/<v>"). Local ("#x") and "urn:" references name no stored
 * Patient, so they do not count. */
static bool patient_id_of(const char *ref, char *out, size_t out_len)
{
    if (!ref || ref[0] == '#' || !strncmp(ref, "urn:", 4)) return false;
    const char *p = NULL;
    if (!strncmp(ref, "Patient/", 8)) {
        p = ref + 8;
    } else {
        /* An absolute URL: the last "/Patient/" segment that is followed by an id. */
        for (const char *s = strstr(ref, "/Patient/"); s; s = strstr(s + 1, "/Patient/")) p = s + 9;
        if (!p || !strstr(ref, "://")) return false;
    }
    size_t n = 0;
    while (id_char(p[n])) n++;
    if (n == 0 || n > 64) return false;
    if (p[n] != '\0' && strncmp(p + n, "/_history/", 10) != 0) return false;
    if (n >= out_len) return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* Walks the dotted path below v (arrays at any step are walked in order) and reports the first
 * Reference that names a Patient. */
static bool walk(json_object *v, const char *path, char *out, size_t out_len)
{
    if (!v) return false;
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            if (walk(json_object_array_get_idx(v, i), path, out, out_len)) return true;
        return false;
    }
    if (!json_object_is_type(v, json_type_object)) return false;
    if (*path == '\0') {
        json_object *r = NULL;
        if (!json_object_object_get_ex(v, "reference", &r)) return false;
        if (!json_object_is_type(r, json_type_string)) return false;
        return patient_id_of(json_object_get_string(r), out, out_len);
    }
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    char key[64];
    if (n >= sizeof key) return false;
    memcpy(key, path, n);
    key[n] = '\0';
    json_object *child = NULL;
    if (!json_object_object_get_ex(v, key, &child)) return false;
    return walk(child, dot ? dot + 1 : "", out, out_len);
}

bool fhir_patient_compartment(const char *type, json_object *resource, char *out, size_t out_len)
{
    if (!type || !resource || !out || out_len == 0) return false;
    if (!strcmp(type, "Patient")) {
        json_object *id = NULL;
        if (!json_object_object_get_ex(resource, "id", &id) ||
            !json_object_is_type(id, json_type_string))
            return false;
        const char *s = json_object_get_string(id);
        size_t n = strlen(s);
        if (n == 0 || n >= out_len) return false;
        memcpy(out, s, n + 1);
        return true;
    }
    const struct fhir_resource_info *r = fhir_model_resource(type);
    if (!r) return false;
    for (size_t i = 0; i < r->n_paths; i++)
        if (walk(resource, r->paths[i], out, out_len)) return true;
    return false;
}
