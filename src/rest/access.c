/* The checks behind struct rest_access (access.h) that every FHIR handler shares: which types a
 * token reads or shares, whether a stored resource lies in its patient's compartment, and which
 * search parameters a URL under a token may not carry. The handlers call these only when
 * req->access is set; an unrestricted request never gets here. See docs/access.md. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fhir/model.h"
#include "fhir/searchparam.h"
#include "json/jsonx.h"
#include "rest/access.h"
#include "rest/internal.h"

bool rest_access_type_ok(const struct rest_access *access, const char *type, bool for_write)
{
    if (!access || !type || (for_write && !access->may_share)) return false;
    const char *const *list = for_write ? access->share_types : access->types;
    size_t n = for_write ? access->nshare_types : access->ntypes;
    if (n > REST_ACCESS_TYPES_MAX) n = REST_ACCESS_TYPES_MAX;
    for (size_t i = 0; i < n; i++)
        if (list[i] && !strcmp(list[i], type)) return true;
    return false;
}

/* A Binary lies in no compartment; FHIR gives it securityContext, the resource whose access rules
 * it follows (the DocumentReference of a document). Readable when that resource is, and only
 * then: a Binary without one is nobody's to hand out under a token. */
static bool binary_ok(const struct rest_access *a, struct store *s, json_object *v)
{
    const char *ref = jsonx_get_str(jsonx_get(v, "securityContext"), "reference");
    const char *slash = ref ? strchr(ref, '/') : NULL;
    if (!s || !slash || strchr(slash + 1, '/') || (size_t)(slash - ref) >= STORE_TYPE_MAX)
        return false;
    char type[STORE_TYPE_MAX];
    memcpy(type, ref, (size_t)(slash - ref));
    type[slash - ref] = '\0';
    if (!strcmp(type, "Binary")) return false;
    struct store_row row = {0};
    bool ok = s->ops->read(s, type, slash + 1, &row) == STORE_OK && !row.deleted &&
              rest_access_may_read(a, NULL, type, row.json, row.json_len);
    store_row_clear(&row);
    return ok;
}

bool rest_access_may_read(const struct rest_access *a, struct store *s, const char *type,
                          const char *json, size_t len)
{
    if (!rest_access_type_ok(a, type, false)) return false;
    bool binary = !strcmp(type, "Binary");
    /* Other types the Patient compartment does not hold (Organization, Practitioner,
     * Medication ...) are nobody's: the type decides. */
    if (!binary && strcmp(type, "Patient") != 0 && !fhir_in_patient_compartment(type)) return true;
    if (!json || !a->patient_id[0]) return false;
    enum jsonx_err je;
    json_object *v = jsonx_parse(json, len, REST_STORED_DEPTH, &je, NULL, 0);
    if (!v) return false;
    /* The same function that chose the compartment the store keeps for this version. */
    char comp[STORE_ID_MAX];
    bool ok = binary ? binary_ok(a, s, v)
                     : fhir_patient_compartment(type, v, comp, sizeof comp) &&
                           !strcmp(comp, a->patient_id);
    json_object_put(v);
    return ok;
}

void rest_access_forbid(struct http_reply *rep, const char *what)
{
    http_reply_error(rep, RG_E_FORBIDDEN, "%s is not allowed with this token", what);
}

void rest_access_hide(struct http_reply *rep, const char *type, const char *id)
{
    /* The same words as for an id that does not exist, so a token cannot tell them apart. */
    http_reply_error(rep, RG_E_NOT_FOUND, "%.64s/%.64s is not known", type, id);
}

/* Whether parameter code of type selects a patient: patient and subject on any type (MedMij:
 * URLs never carry them, whether or not the type has them), and every reference parameter that
 * may point at a Patient (performer, link, focus ...) unless a :Type modifier (mod_type, or
 * NULL) narrows it to another type. */
static bool selects_patient(const char *type, const char *code, const char *mod_type)
{
    if (!strcmp(code, "patient") || !strcmp(code, "subject")) return true;
    if (mod_type) return !strcmp(mod_type, "Patient");
    const struct searchparam *p = type ? searchparam_find(type, code) : NULL;
    if (!p || p->sp_type != SP_REFERENCE || !p->targets) return false;
    for (const char *const *t = p->targets; *t; t++)
        if (!strcmp(*t, "Patient")) return true;
    return false;
}

/* The resource type of a ":Type" modifier of name ("performer:Practitioner.name"), copied into
 * buf; NULL when the modifier is absent or no type. */
static const char *type_modifier(const char *name, char *buf, size_t cap)
{
    size_t cl = strcspn(name, ":.");
    if (name[cl] != ':') return NULL;
    const char *m = name + cl + 1;
    size_t ml = strcspn(m, ":.");
    if (ml == 0 || ml >= cap) return NULL;
    memcpy(buf, m, ml);
    buf[ml] = '\0';
    return fhir_is_resource_type(buf) ? buf : NULL;
}

/* Copies name[0..n) up to the first ':' or '.' into code; false when it does not fit. */
static bool code_of(const char *name, size_t n, char *code, size_t cap)
{
    size_t cl = strcspn(name, ":.");
    if (cl > n) cl = n;
    if (cl == 0 || cl >= cap) return false;
    memcpy(code, name, cl);
    code[cl] = '\0';
    return true;
}

/* The target type of a chain "code[:Type].rest" on type: the :Type given, or the parameter's only
 * target; NULL when neither (the parser refuses such a chain as ambiguous). */
static const char *chain_target(const char *type, const char *name, const char *dot,
                                const char *code, char *buf, size_t cap)
{
    const char *colon = memchr(name, ':', (size_t)(dot - name));
    if (colon) {
        size_t tl = (size_t)(dot - colon - 1);
        if (tl == 0 || tl >= cap) return NULL;
        memcpy(buf, colon + 1, tl);
        buf[tl] = '\0';
        return buf;
    }
    const struct searchparam *p = type ? searchparam_find(type, code) : NULL;
    if (!p || !p->targets || !p->targets[0] || p->targets[1]) return NULL;
    return p->targets[0];
}

/* Why the parameter (name, value) may not be in a URL under a token, or NULL when it may. */
static const char *param_refused(const char *type, const char *name, const char *value)
{
    if (value && strcasestr(value, REST_BSN_SYSTEM)) return "names the BSN system";
    if (!strncmp(name, "_has", 4))
        return "is _has, whose inner search would run outside the patient's compartment";
    char code[128], mbuf[STORE_TYPE_MAX];
    if (!code_of(name, strlen(name), code, sizeof code)) return NULL;
    if (selects_patient(type, code, type_modifier(name, mbuf, sizeof mbuf)))
        return "selects a patient (the token does)";
    const char *dot = strchr(name, '.');
    if (!dot) return NULL;
    char tbuf[STORE_TYPE_MAX], inner[128];
    const char *target = chain_target(type, name, dot, code, tbuf, sizeof tbuf);
    if (target && !strcmp(target, "Patient")) return "chains through a Patient";
    if (target && code_of(dot + 1, strlen(dot + 1), inner, sizeof inner) &&
        selects_patient(target, inner, type_modifier(dot + 1, mbuf, sizeof mbuf)))
        return "chains to a parameter that selects a patient";
    return NULL;
}

bool rest_access_search_ok(const struct rest_access *a, struct http_reply *rep, const char *type,
                           const struct http_param *params, size_t n)
{
    if (type && !rest_access_type_ok(a, type, false)) {
        char what[STORE_TYPE_MAX + 16];
        snprintf(what, sizeof what, "a search of %s", type);
        rest_access_forbid(rep, what);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = param_refused(type, params[i].name, params[i].value);
        if (!why) continue;
        /* The name only: a value may hold a BSN. */
        http_reply_error(rep, RG_E_BAD_QUERY,
                         "parameter %.100s %s; the patient comes from the token", params[i].name,
                         why);
        return false;
    }
    return true;
}
