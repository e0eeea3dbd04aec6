/* Navigation over FHIR JSON with the generated R4 model: member lookup, choice elements
 * (`value` finds `valueQuantity`), type names of what is found, and type tests. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/fhirpath/fp_internal.h"
#include "json/jsonx.h"

static const char *const kind_names[] = {
    [FHIR_K_BOOLEAN] = "boolean",
    [FHIR_K_INTEGER] = "integer",
    [FHIR_K_STRING] = "string",
    [FHIR_K_DECIMAL] = "decimal",
    [FHIR_K_URI] = "uri",
    [FHIR_K_URL] = "url",
    [FHIR_K_CANONICAL] = "canonical",
    [FHIR_K_BASE64BINARY] = "base64Binary",
    [FHIR_K_INSTANT] = "instant",
    [FHIR_K_DATE] = "date",
    [FHIR_K_DATETIME] = "dateTime",
    [FHIR_K_TIME] = "time",
    [FHIR_K_CODE] = "code",
    [FHIR_K_OID] = "oid",
    [FHIR_K_ID] = "id",
    [FHIR_K_MARKDOWN] = "markdown",
    [FHIR_K_UNSIGNEDINT] = "unsignedInt",
    [FHIR_K_POSITIVEINT] = "positiveInt",
    [FHIR_K_UUID] = "uuid",
    [FHIR_K_XHTML] = "xhtml",
};

#define KIND_UNKNOWN 255

static struct fp_item *wrap_resource(struct fp_ctx *c, json_object *v)
{
    struct fp_item *it = fp_new(c, FP_NODE);
    it->node = v;
    it->type = jsonx_get_str(v, "resourceType");
    const struct fhir_resource_info *ri = it->type ? fhir_model_resource(it->type) : NULL;
    if (ri) it->fnode = &fhir_gen_nodes[ri->node];
    return it;
}

struct fp_item *fp_wrap_json(struct fp_ctx *c, json_object *v, const char *type,
                             const struct fhir_node *fn, uint8_t kind)
{
    enum json_type jt = json_object_get_type(v);
    if (jt == json_type_object) {
        if (kind == FHIR_K_RESOURCE || (!fn && jsonx_get_str(v, "resourceType")))
            return wrap_resource(c, v);
        struct fp_item *it = fp_new(c, FP_NODE);
        it->node = v;
        it->type = type;
        it->fnode = fn;
        return it;
    }
    enum fp_kind k;
    if (kind == KIND_UNKNOWN || kind >= sizeof(kind_names) / sizeof(*kind_names)) {
        k = jt == json_type_boolean  ? FP_BOOL
            : jt == json_type_int    ? FP_INT
            : jt == json_type_double ? FP_DEC
                                     : FP_STR;
    } else {
        switch (kind) {
        case FHIR_K_BOOLEAN:
            k = FP_BOOL;
            break;
        case FHIR_K_INTEGER:
        case FHIR_K_UNSIGNEDINT:
        case FHIR_K_POSITIVEINT:
            k = FP_INT;
            break;
        case FHIR_K_DECIMAL:
            k = FP_DEC;
            break;
        case FHIR_K_DATE:
            k = FP_DATE;
            break;
        case FHIR_K_DATETIME:
        case FHIR_K_INSTANT:
            k = FP_DATETIME;
            break;
        case FHIR_K_TIME:
            k = FP_TIME;
            break;
        default:
            k = FP_STR;
        }
        if (!type) type = kind_names[kind];
    }
    struct fp_item *it = fp_new(c, k);
    it->node = v;
    it->type = type;
    switch (k) {
    case FP_BOOL:
        it->b = json_object_get_boolean(v);
        break;
    case FP_INT:
        it->i = json_object_get_int64(v);
        break;
    case FP_DEC: {
        size_t len;
        const char *t = jsonx_text(v, false, &len);
        it->d = (long double)json_object_get_double(v);
        it->scale = fp_dec_scale(t);
        if (jt == json_type_int) it->d = (long double)json_object_get_int64(v);
        break;
    }
    default: {
        const char *s = json_object_get_string(v);
        it->s = s ? s : "";
        if ((k == FP_DATE || k == FP_DATETIME || k == FP_TIME) &&
            !fp_parse_dt(it->s, strlen(it->s), k, &it->dt))
            it->kind = FP_STR;
        if (it->kind == FP_DATETIME && it->dt.prec <= 3 && k == FP_DATETIME) { /* keep dateTime */
        }
    }
    }
    return it;
}

static void add_value(struct fp_ctx *c, json_object *v, json_object *ext, const char *type,
                      const struct fhir_node *fn, uint8_t kind, struct fp_coll *out)
{
    if (json_object_get_type(v) == json_type_array ||
        json_object_get_type(ext) == json_type_array) {
        size_t n = json_object_get_type(v) == json_type_array ? json_object_array_length(v) : 0;
        size_t ne =
            json_object_get_type(ext) == json_type_array ? json_object_array_length(ext) : 0;
        for (size_t i = 0; i < n || i < ne; i++) {
            json_object *e = i < n ? json_object_array_get_idx(v, i) : NULL;
            json_object *x = i < ne ? json_object_array_get_idx(ext, i) : NULL;
            if (x && json_object_get_type(x) != json_type_object) x = NULL;
            struct fp_item *it = NULL;
            if (e && json_object_get_type(e) != json_type_null) {
                it = fp_wrap_json(c, e, type, fn, kind);
            } else if (x) { /* a primitive with only an extension: no value */
                it = fp_new(c, FP_NODE);
                it->node = x;
                it->type = type
                               ? type
                               : (kind < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[kind]
                                                                                  : NULL);
            }
            if (it) {
                it->ext = x;
                fp_push(c, out, it);
            }
        }
    } else if (v && json_object_get_type(v) != json_type_null) {
        struct fp_item *it = fp_wrap_json(c, v, type, fn, kind);
        if (json_object_get_type(ext) == json_type_object) it->ext = ext;
        fp_push(c, out, it);
    } else if (json_object_get_type(ext) == json_type_object) {
        struct fp_item *it = fp_new(c, FP_NODE);
        it->node = ext;
        it->ext = ext;
        it->type =
            type ? type
                 : (kind < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[kind] : NULL);
        fp_push(c, out, it);
    }
}

static json_object *ext_of(struct fp_ctx *c, json_object *obj, const char *name)
{
    char key[256];
    if (snprintf(key, sizeof(key), "_%s", name) >= (int)sizeof(key)) return NULL;
    (void)c;
    return jsonx_get(obj, key);
}

static void add_elem(struct fp_ctx *c, const struct fhir_elem *e, json_object *obj,
                     const char *name, struct fp_coll *out)
{
    const struct fhir_node *fn = NULL;
    const char *type = NULL;
    json_object *v = jsonx_get(obj, name), *ext = NULL;
    if (e->kind == FHIR_K_COMPLEX) {
        fn = &fhir_gen_nodes[e->node];
        type = strchr(fn->path, '.') ? "BackboneElement" : fn->path;
    } else if (e->kind != FHIR_K_RESOURCE) {
        ext = ext_of(c, obj, name);
    }
    add_value(c, v, ext, type, fn, e->kind, out);
}

/* Type name from a choice suffix when no model is known: "Quantity", "string". */
static const char *suffix_type(struct fp_ctx *c, const char *suffix)
{
    for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++) {
        const char *n = kind_names[k];
        if (n && tolower((unsigned char)suffix[0]) == n[0] && !strcmp(suffix + 1, n + 1)) return n;
    }
    return fp_strndup(c->arena, suffix, strlen(suffix));
}

static bool choice_base(const struct fhir_node *fn, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < fn->n_elems; i++) {
        const struct fhir_elem *e = &fn->elems[i];
        if ((e->flags & FHIR_F_CHOICE) && !strncmp(e->name, name, nl) &&
            isupper((unsigned char)e->name[nl]))
            return true;
    }
    return false;
}

int fp_member(struct fp_ctx *c, const struct fp_item *it, const char *name, struct fp_coll *out)
{
    if (it->ext && (!strcmp(name, "extension") || !strcmp(name, "id"))) {
        json_object *v = jsonx_get(it->ext, name);
        const struct fhir_node *ext = NULL;
        if (v && !strcmp(name, "extension")) {
            const struct fhir_elem *e =
                fhir_model_find(&fhir_gen_nodes[fhir_gen_element_node], name);
            if (e && e->kind == FHIR_K_COMPLEX) ext = &fhir_gen_nodes[e->node];
        }
        if (v)
            add_value(c, v, NULL, ext ? "Extension" : "string", ext,
                      ext ? FHIR_K_COMPLEX : FHIR_K_STRING, out);
        return 0;
    }
    if (it->kind != FP_NODE || json_object_get_type(it->node) != json_type_object) return 0;
    if (it->fnode) {
        const struct fhir_elem *e = fhir_model_find(it->fnode, name);
        if (e && !(e->flags & FHIR_F_CHOICE)) {
            add_elem(c, e, it->node, name, out);
            return 0;
        }
        if (e) return 1;
        if (!choice_base(it->fnode, name)) return 1;
    } else {
        json_object *v = jsonx_get(it->node, name), *ext = ext_of(c, it->node, name);
        if (v || ext) {
            add_value(c, v, ext, NULL, NULL, KIND_UNKNOWN, out);
            return 0;
        }
    }
    size_t nl = strlen(name);
    json_object_object_foreach(it->node, key, val)
    {
        if (strncmp(key, name, nl) != 0 || !isupper((unsigned char)key[nl])) continue;
        if (it->fnode) {
            const struct fhir_elem *e = fhir_model_find(it->fnode, key);
            if (e && (e->flags & FHIR_F_CHOICE)) add_elem(c, e, it->node, key, out);
        } else {
            const char *t = suffix_type(c, key + nl);
            add_value(c, val, NULL, t, NULL, KIND_UNKNOWN, out);
        }
    }
    return 0;
}

void fp_children(struct fp_ctx *c, const struct fp_item *it, struct fp_coll *out)
{
    if (it->kind != FP_NODE || json_object_get_type(it->node) != json_type_object) return;
    json_object_object_foreach(it->node, key, val)
    {
        if (key[0] == '_' || !strcmp(key, "resourceType")) continue;
        const struct fhir_elem *e = it->fnode ? fhir_model_find(it->fnode, key) : NULL;
        if (e)
            add_elem(c, e, it->node, key, out);
        else
            add_value(c, val, NULL, NULL, NULL, KIND_UNKNOWN, out);
    }
}

static const char *const sysnames[] = {"Element", "Boolean",  "Integer", "Decimal", "String",
                                       "Date",    "DateTime", "Time",    "Quantity"};

/* FHIR primitive and datatype specialisations: child, parent. */
static const char *const parents[][2] = {
    {"code", "string"},
    {"id", "string"},
    {"markdown", "string"},
    {"url", "uri"},
    {"canonical", "uri"},
    {"oid", "uri"},
    {"uuid", "uri"},
    {"unsignedInt", "integer"},
    {"positiveInt", "integer"},
    {"Age", "Quantity"},
    {"Distance", "Quantity"},
    {"Duration", "Quantity"},
    {"Count", "Quantity"},
    {"MoneyQuantity", "Quantity"},
    {"SimpleQuantity", "Quantity"},
};

/* The model's node names (resources, datatypes, nested elements) sorted once, so the type check
 * of every ofType/is/as call is a binary search and not a scan of several hundred names. */
static const char **node_names;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_node_names(void)
{
    const char **v = malloc(fhir_gen_node_count * sizeof *v);
    if (!v) return; /* known_node falls back to the scan */
    for (size_t k = 0; k < fhir_gen_node_count; k++) v[k] = fhir_gen_nodes[k].path;
    qsort(v, fhir_gen_node_count, sizeof *v, cmp_name);
    node_names = v;
}

static bool known_node(const char *type)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sort_node_names);
    if (node_names)
        return bsearch(&type, node_names, fhir_gen_node_count, sizeof *node_names, cmp_name);
    for (size_t k = 0; k < fhir_gen_node_count; k++)
        if (!strcmp(fhir_gen_nodes[k].path, type)) return true;
    return false;
}

bool fp_known_type(const char *type)
{
    if (!strncmp(type, "System.", 7))
        type += 7;
    else if (!strncmp(type, "FHIR.", 5))
        type += 5;
    for (size_t k = 0; k < sizeof(sysnames) / sizeof(*sysnames); k++)
        if (!strcmp(type, sysnames[k])) return true;
    for (size_t k = 0; k < sizeof(kind_names) / sizeof(*kind_names); k++)
        if (kind_names[k] && !strcmp(type, kind_names[k])) return true;
    if (!strcmp(type, "Resource") || !strcmp(type, "DomainResource") ||
        !strcmp(type, "BackboneElement") || !strcmp(type, "Element"))
        return true;
    return known_node(type);
}

static bool is_type(const struct fp_item *it, const char *type, bool sub);

bool fp_is_type(const struct fp_item *it, const char *type)
{
    return is_type(it, type, true);
}

bool fp_is_type_exact(const struct fp_item *it, const char *type)
{
    return is_type(it, type, false);
}

static bool is_type(const struct fp_item *it, const char *type, bool sub)
{
    bool sys = false, fhir = false;
    if (!strncmp(type, "System.", 7)) {
        type += 7;
        sys = true;
    } else if (!strncmp(type, "FHIR.", 5)) {
        type += 5;
        fhir = true;
    }
    if (!fhir && !it->type && !strcmp(type, sysnames[it->kind])) return true;
    if (sys) return false;
    const char *t = it->type;
    if (!t) return false;
    for (int depth = 0; t && depth < (sub ? 3 : 1); depth++) {
        if (!strcmp(t, type)) return true;
        const char *up = NULL;
        for (size_t k = 0; k < sizeof(parents) / sizeof(*parents); k++)
            if (!strcmp(parents[k][0], t)) up = parents[k][1];
        t = up;
    }
    if (it->kind == FP_NODE && jsonx_get_str(it->node, "resourceType") &&
        (!strcmp(type, "Resource") || !strcmp(type, "DomainResource")))
        return true;
    return false;
}
