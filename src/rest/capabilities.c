/* GET /fhir/metadata: the CapabilityStatement, derived from the route table (which interactions
 * exist) and the generated model (which resource types exist). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "fhir/searchparam.h"
#include "rest/internal.h"

#ifndef REGIE_VERSION
#define REGIE_VERSION "0.1.0"
#endif

/* Route names that are FHIR interactions on a resource type, in the order they are listed. */
static const char *const type_interactions[] = {
    "read",         "vread",  "update",      "delete", "history-instance",
    "history-type", "create", "search-type",
};

/* Type operations with a route of this name, on this resource type. */
static const struct {
    const char *type, *route, *name, *definition;
} type_operations[] = {
    {"Patient", "everything", "everything",
     "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
    {"Observation", "lastn", "lastn", "http://hl7.org/fhir/OperationDefinition/Observation-lastn"},
};

static bool has_route(const char *name)
{
    size_t n;
    const struct http_route *r = rest_routes(&n);
    for (size_t i = 0; i < n; i++)
        if (r[i].name && !strcmp(r[i].name, name)) return true;
    return false;
}

static json_object *code_obj(const char *code)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(code));
    return o;
}

/* The search parameters of type, from the generated table. */
static json_object *search_params(const char *type)
{
    json_object *a = json_object_new_array();
    size_t n = 0;
    const struct searchparam *p = searchparam_of_type(type, &n);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(p[i].code));
        json_object_object_add(o, "type", json_object_new_string(sp_type_name(p[i].sp_type)));
        json_object_array_add(a, o);
    }
    return a;
}

/* searchInclude: "Type:param" for each reference parameter of type, and "*". */
static json_object *search_includes(const char *type)
{
    json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_string("*"));
    size_t n = 0;
    const struct searchparam *p = searchparam_of_type(type, &n);
    char name[160];
    for (size_t i = 0; i < n; i++) {
        if (p[i].sp_type != SP_REFERENCE) continue;
        snprintf(name, sizeof name, "%s:%s", type, p[i].code);
        json_object_array_add(a, json_object_new_string(name));
    }
    return a;
}

/* The index of type among the resource types (sorted by name), or nt when unknown. */
static size_t type_index(const char *type, size_t nt)
{
    size_t lo = 0, hi = nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(type, fhir_resource_type_name(mid));
        if (c == 0) return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return nt;
}

/* searchRevInclude of every type at once (rev[i] for the i-th type): "Src:param" for each
 * reference parameter of any type that can point to it. One pass over the table. */
static void search_revincludes(json_object **rev, size_t nt)
{
    size_t n = searchparam_count();
    char name[160];
    for (size_t i = 0; i < n; i++) {
        const struct searchparam *p = searchparam_at(i);
        if (p->sp_type != SP_REFERENCE || !p->targets) continue;
        for (const char *const *t = p->targets; *t; t++) {
            size_t k = type_index(*t, nt);
            if (k == nt) continue; /* "Resource" and other abstract targets */
            if (!rev[k]) rev[k] = json_object_new_array();
            snprintf(name, sizeof name, "%s:%s", p->type, p->code);
            json_object_array_add(rev[k], json_object_new_string(name));
        }
    }
}

static json_object *operations(const char *type)
{
    json_object *a = NULL;
    for (size_t i = 0; i < sizeof type_operations / sizeof type_operations[0]; i++) {
        if (strcmp(type_operations[i].type, type) || !has_route(type_operations[i].route)) continue;
        if (!a) a = json_object_new_array();
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(type_operations[i].name));
        json_object_object_add(o, "definition",
                               json_object_new_string(type_operations[i].definition));
        json_object_array_add(a, o);
    }
    return a;
}

static json_object *resource_entry(const char *type, json_object *interactions,
                                   json_object *revinclude)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "type", json_object_new_string(type));
    json_object_object_add(r, "interaction", json_object_get(interactions));
    json_object_object_add(r, "versioning", json_object_new_string("versioned-update"));
    json_object_object_add(r, "readHistory", json_object_new_boolean(1));
    json_object_object_add(r, "updateCreate", json_object_new_boolean(1));
    json_object_object_add(r, "conditionalCreate", json_object_new_boolean(has_route("create")));
    json_object_object_add(r, "conditionalUpdate",
                           json_object_new_boolean(has_route("conditional-update")));
    json_object_object_add(
        r, "conditionalDelete",
        json_object_new_string(has_route("conditional-delete") ? "single" : "not-supported"));
    if (has_route("search-type")) {
        json_object_object_add(r, "searchInclude", search_includes(type));
        if (revinclude) json_object_object_add(r, "searchRevInclude", json_object_get(revinclude));
        json_object_object_add(r, "searchParam", search_params(type));
        json_object *ops = operations(type);
        if (ops) json_object_object_add(r, "operation", ops);
    }
    return r;
}

static json_object *build(const struct rest_ctx *rc)
{
    json_object *cs = json_object_new_object();
    json_object_object_add(cs, "resourceType", json_object_new_string("CapabilityStatement"));
    json_object_object_add(cs, "status", json_object_new_string("active"));
    char now[FHIRTIME_INSTANT_LEN];
    fhirtime_now(now);
    json_object_object_add(cs, "date", json_object_new_string(now));
    json_object_object_add(cs, "kind", json_object_new_string("instance"));
    json_object *sw = json_object_new_object();
    json_object_object_add(sw, "name", json_object_new_string("regie"));
    json_object_object_add(sw, "version", json_object_new_string(REGIE_VERSION));
    json_object_object_add(cs, "software", sw);
    json_object *impl = json_object_new_object();
    json_object_object_add(impl, "description", json_object_new_string("regie FHIR R4 server"));
    json_object_object_add(impl, "url", json_object_new_string(rc->base_url));
    json_object_object_add(cs, "implementation", impl);
    json_object_object_add(cs, "fhirVersion", json_object_new_string("4.0.1"));
    json_object *fmt = json_object_new_array();
    json_object_array_add(fmt, json_object_new_string("json"));
    json_object_array_add(fmt, json_object_new_string("application/fhir+json"));
    json_object_object_add(cs, "format", fmt);

    json_object *rest = json_object_new_object();
    json_object_object_add(rest, "mode", json_object_new_string("server"));
    json_object_object_add(
        rest, "documentation",
        json_object_new_string("Deletes answer 204 No Content. Conditional create, update, "
                               "delete and references understand _id and identifier only."));
    json_object *ia = json_object_new_array();
    for (size_t i = 0; i < sizeof type_interactions / sizeof type_interactions[0]; i++)
        if (has_route(type_interactions[i]))
            json_object_array_add(ia, code_obj(type_interactions[i]));
    json_object *resources = json_object_new_array();
    size_t nt = fhir_resource_type_count();
    json_object **rev = calloc(nt ? nt : 1, sizeof *rev);
    if (rev && has_route("search-type")) search_revincludes(rev, nt);
    for (size_t i = 0; i < nt; i++) {
        json_object_array_add(resources,
                              resource_entry(fhir_resource_type_name(i), ia, rev ? rev[i] : NULL));
        if (rev) json_object_put(rev[i]);
    }
    free(rev);
    json_object_put(ia);
    json_object_object_add(rest, "resource", resources);
    json_object *sys = json_object_new_array();
    if (has_route("transaction")) {
        json_object_array_add(sys, code_obj("transaction"));
        json_object_array_add(sys, code_obj("batch"));
    }
    if (has_route("history-system")) json_object_array_add(sys, code_obj("history-system"));
    if (has_route("search-system")) json_object_array_add(sys, code_obj("search-system"));
    json_object_object_add(rest, "interaction", sys);
    json_object *rests = json_object_new_array();
    json_object_array_add(rests, rest);
    json_object_object_add(cs, "rest", rests);
    return cs;
}

void rest_h_metadata(struct http_request *req, struct http_reply *rep)
{
    json_object *cs = build(rest_ctx_of(req));
    http_reply_json(rep, 200, cs);
    json_object_put(cs);
}
