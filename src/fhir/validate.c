/* Validation on write: walks the JSON against the generated element tables. Members are visited in
 * document order and the first problem wins, so the answer is deterministic for a given text. */
#include "fhir/validate.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fhir/model_tables.h"
#include "fhir/validate_internal.h"

/* Path segments of the element being checked; deeper input is refused rather than recursed. */
#define MAX_SEGS 128

struct seg {
    const char *name; /* ".name" (the first segment is the bare resource type) */
    size_t idx;       /* "[idx]" when name is NULL */
};

struct vctx {
    struct rg_fail *f;
    struct seg segs[MAX_SEGS];
    int n;
};

static void render_path(const struct vctx *c, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < c->n && len < cap; i++) {
        int w;
        if (c->segs[i].name)
            w = snprintf(out + len, cap - len, "%s%s", i ? "." : "", c->segs[i].name);
        else
            w = snprintf(out + len, cap - len, "[%zu]", c->segs[i].idx);
        if (w < 0) break;
        len += (size_t)w;
    }
}

__attribute__((format(printf, 3, 4))) static enum rg_err fail(struct vctx *c, enum rg_err code,
                                                              const char *fmt, ...)
{
    char path[sizeof c->f->expression];
    char detail[sizeof c->f->detail];
    render_path(c, path, sizeof path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return rg_fail_set(c->f, code, path, "%s", detail);
}

static bool push_name(struct vctx *c, const char *name)
{
    if (c->n >= MAX_SEGS) return false;
    c->segs[c->n++] = (struct seg){name, 0};
    return true;
}

static bool push_idx(struct vctx *c, size_t idx)
{
    if (c->n >= MAX_SEGS) return false;
    c->segs[c->n++] = (struct seg){NULL, idx};
    return true;
}

static enum rg_err too_deep(struct vctx *c)
{
    return fail(c, RG_E_BAD_STRUCTURE, "nested more than %d elements deep", MAX_SEGS);
}

static enum rg_err check_resource(struct vctx *c, json_object *v);
static enum rg_err check_comments(struct vctx *c, const char *key, json_object *v)
{
    bool ok = json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0;
    for (size_t i = 0; ok && i < json_object_array_length(v); i++)
        ok = json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
    if (ok) return RG_OK;
    if (!push_name(c, key)) return too_deep(c);
    enum rg_err rc = fail(c, RG_E_BAD_STRUCTURE, "fhir_comments must be an array of strings");
    c->n--;
    return rc;
}

static enum rg_err check_object(struct vctx *c, const struct fhir_node *node, json_object *obj,
                                bool is_resource);

static bool is_primitive(const struct fhir_elem *e)
{
    return e->kind >= FHIR_K_BOOLEAN;
}

static enum rg_err check_reference(struct vctx *c, json_object *ref_obj)
{
    json_object *r = NULL;
    if (!json_object_object_get_ex(ref_obj, "reference", &r)) return RG_OK;
    /* Its type (string) was checked with the other members. */
    const char *why =
        fhir_check_reference(json_object_get_string(r), (size_t)json_object_get_string_len(r));
    if (!why) return RG_OK;
    if (!push_name(c, "reference")) return too_deep(c);
    enum rg_err rc = fail(c, RG_E_BAD_REFERENCE, "%s", why);
    c->n--;
    return rc;
}

/* A code under a required binding must be one of the value set's codes. The refusal names the
 * value set and as many of its codes as fit, so the client can see what was meant. */
static enum rg_err check_code_in(struct vctx *c, const struct fhir_valueset *vs, json_object *v)
{
    const char *code = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (fhir_valueset_has(vs, code, len)) return RG_OK;
    char list[320];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < vs->n_codes; i++) {
        size_t need = strlen(vs->codes[i]) + (i ? 2 : 0);
        if (used + need + 5 >= sizeof list) {
            memcpy(list + used, ", ...", 6);
            break;
        }
        used +=
            (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", vs->codes[i]);
    }
    return fail(c, RG_E_BAD_PRIMITIVE, "\"%.64s%s\" is not in the required value set %s (%s)", code,
                len > 64 ? "..." : "", vs->url, list);
}

static enum rg_err check_value(struct vctx *c, const struct fhir_elem *e, json_object *v)
{
    if (e->kind == FHIR_K_RESOURCE) return check_resource(c, v);
    if (e->kind == FHIR_K_COMPLEX) {
        if (!json_object_is_type(v, json_type_object))
            return fail(c, RG_E_BAD_STRUCTURE, "expected a JSON object (%s)",
                        fhir_gen_nodes[e->node].path);
        enum rg_err rc = check_object(c, &fhir_gen_nodes[e->node], v, false);
        if (rc == RG_OK && e->node == fhir_gen_reference_node) rc = check_reference(c, v);
        return rc;
    }
    const char *why = fhir_check_primitive(e->kind, v);
    if (why) return fail(c, RG_E_BAD_PRIMITIVE, "%s", why);
    const struct fhir_valueset *vs = fhir_model_valueset(e);
    if (vs) return check_code_in(c, vs, v);
    return RG_OK;
}

/* Whether obj also holds the primitive-extension sibling "_key" of key. */
static bool has_ext_sibling(json_object *obj, const char *key, json_object **out)
{
    char name[128];
    size_t n = strlen(key);
    if (n + 2 > sizeof name) return false;
    name[0] = '_';
    memcpy(name + 1, key, n + 1);
    return json_object_object_get_ex(obj, name, out);
}

static enum rg_err check_member(struct vctx *c, json_object *obj, const char *key,
                                const struct fhir_elem *e, json_object *v)
{
    if (!v) return fail(c, RG_E_BAD_STRUCTURE, "null is not a FHIR value; omit the element");
    bool is_array = json_object_is_type(v, json_type_array);
    if (!(e->flags & FHIR_F_REPEATS)) {
        if (is_array) return fail(c, RG_E_CARDINALITY, "element does not repeat: no array");
        return check_value(c, e, v);
    }
    if (!is_array) return fail(c, RG_E_BAD_STRUCTURE, "repeating element must be a JSON array");
    size_t n = json_object_array_length(v);
    if (n == 0) return fail(c, RG_E_BAD_STRUCTURE, "empty array; omit the element");
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(v, i);
        if (!push_idx(c, i)) return too_deep(c);
        enum rg_err rc = RG_OK;
        if (!item) {
            /* A null stands for a value that only has an extension in the "_key" array. */
            json_object *ext = NULL;
            if (!is_primitive(e) || !has_ext_sibling(obj, key, &ext) ||
                !json_object_is_type(ext, json_type_array) || json_object_array_length(ext) <= i ||
                !json_object_array_get_idx(ext, i))
                rc = fail(c, RG_E_BAD_STRUCTURE, "null in an array without a matching _%s", key);
        } else {
            rc = check_value(c, e, item);
        }
        c->n--;
        if (rc) return rc;
    }
    return RG_OK;
}

/* "_key": id/extension of a primitive; an array (objects or nulls) when the primitive repeats. */
static enum rg_err check_ext(struct vctx *c, json_object *obj, const char *key,
                             const struct fhir_elem *e, json_object *v)
{
    const struct fhir_node *el = &fhir_gen_nodes[fhir_gen_element_node];
    if (!(e->flags & FHIR_F_REPEATS)) {
        if (!json_object_is_type(v, json_type_object))
            return fail(c, RG_E_BAD_STRUCTURE, "expected a JSON object with id or extension");
        return check_object(c, el, v, false);
    }
    if (!json_object_is_type(v, json_type_array))
        return fail(c, RG_E_BAD_STRUCTURE, "repeating element must be a JSON array");
    size_t n = json_object_array_length(v);
    if (n == 0) return fail(c, RG_E_BAD_STRUCTURE, "empty array; omit the element");
    json_object *values = NULL;
    if (json_object_object_get_ex(obj, key + 1, &values) &&
        json_object_is_type(values, json_type_array) && json_object_array_length(values) != n)
        return fail(c, RG_E_BAD_STRUCTURE, "%s and %s have different lengths", key, key + 1);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(v, i);
        if (!item) continue;
        if (!push_idx(c, i)) return too_deep(c);
        enum rg_err rc = json_object_is_type(item, json_type_object)
                             ? check_object(c, el, item, false)
                             : fail(c, RG_E_BAD_STRUCTURE, "expected an object or null");
        c->n--;
        if (rc) return rc;
    }
    return RG_OK;
}

/* A second member of e's group: fine when it is e's own "_name" twin, not when it is another
 * variant of the same choice. */
static bool other_variant_present(const struct fhir_node *node, const struct fhir_elem *e,
                                  json_object *obj)
{
    for (size_t i = 0; i < node->n_elems; i++) {
        const struct fhir_elem *o = &node->elems[i];
        if (o == e || o->group != e->group) continue;
        json_object *dummy;
        if (json_object_object_get_ex(obj, o->name, &dummy) ||
            has_ext_sibling(obj, o->name, &dummy))
            return true;
    }
    return false;
}

static enum rg_err check_object(struct vctx *c, const struct fhir_node *node, json_object *obj,
                                bool is_resource)
{
    if (json_object_object_length(obj) == 0)
        return fail(c, RG_E_BAD_STRUCTURE, "empty object; omit the element");
    uint64_t seen[FHIR_MAX_GROUPS / 64] = {0};
    json_object_object_foreach(obj, key, val)
    {
        if (is_resource && !strcmp(key, "resourceType")) continue;
        if (key[0] == 'f' && !strcmp(key, "fhir_comments")) {
            /* STU3-era JSON comments: the HL7 parsers read them as comments, and published
             * examples (zib2020) still carry them, so they are tolerated when well-formed. */
            enum rg_err rc = check_comments(c, key, val);
            if (rc) return rc;
            continue;
        }
        bool ext = key[0] == '_';
        const struct fhir_elem *e = fhir_model_find(node, ext ? key + 1 : key);
        if (!push_name(c, key)) return too_deep(c);
        enum rg_err rc;
        if (!e || (ext && !is_primitive(e))) {
            rc = fail(c, RG_E_UNKNOWN_ELEMENT, "%s has no element %s", node->path, key);
        } else if ((seen[e->group / 64] >> (e->group % 64) & 1) && (e->flags & FHIR_F_CHOICE) &&
                   other_variant_present(node, e, obj)) {
            rc = fail(c, RG_E_CARDINALITY, "only one type of a choice element may be given");
        } else {
            seen[e->group / 64] |= UINT64_C(1) << (e->group % 64);
            rc = ext ? check_ext(c, obj, key, e, val) : check_member(c, obj, key, e, val);
        }
        c->n--;
        if (rc) return rc;
    }
    for (size_t i = 0; i < node->n_required; i++) {
        unsigned g = node->required[i].group;
        if (seen[g / 64] >> (g % 64) & 1) continue;
        if (!push_name(c, node->required[i].name)) return too_deep(c);
        return fail(c, RG_E_REQUIRED, "%s.%s is required", node->path, node->required[i].name);
    }
    return RG_OK;
}

static enum rg_err check_resource(struct vctx *c, json_object *v)
{
    if (!json_object_is_type(v, json_type_object))
        return fail(c, RG_E_NOT_RESOURCE, "expected a JSON object with a resourceType");
    json_object *rt = NULL;
    if (!json_object_object_get_ex(v, "resourceType", &rt) ||
        !json_object_is_type(rt, json_type_string))
        return fail(c, RG_E_NOT_RESOURCE, "no resourceType");
    const char *type = json_object_get_string(rt);
    const struct fhir_resource_info *info = fhir_model_resource(type);
    if (!info) return fail(c, RG_E_UNKNOWN_TYPE, "unknown resourceType %.64s", type);
    return check_object(c, &fhir_gen_nodes[info->node], v, true);
}

enum rg_err fhir_validate(json_object *resource, struct rg_fail *f)
{
    struct vctx c = {.f = f, .n = 0};
    /* The root path is the resource type (when it is a plausible type name). */
    json_object *rt = NULL;
    if (json_object_is_type(resource, json_type_object) &&
        json_object_object_get_ex(resource, "resourceType", &rt) &&
        json_object_is_type(rt, json_type_string)) {
        const char *type = json_object_get_string(rt);
        size_t n = (size_t)json_object_get_string_len(rt);
        if (n > 0 && n < 64 &&
            strspn(type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n)
            push_name(&c, type);
    }
    enum rg_err rc = check_resource(&c, resource);
    if (rc == RG_OK) {
        f->code = RG_OK;
        f->expression[0] = '\0';
        f->detail[0] = '\0';
    }
    return rc;
}
