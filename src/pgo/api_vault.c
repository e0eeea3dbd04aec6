/* The vault side of the API: each account's own Patient (id = the account's subject, tagged as
 * its own), the links from it to the Patient copies collected from providers, and ownership. */
#include <stdio.h>
#include <string.h>

#include "json/jsonx.h"
#include "pgo/api_internal.h"
#include "util/log.h"

json_object *pgo_vault_read(struct pgo_api *api, const char *type, const char *id)
{
    struct store_row row = {0};
    enum store_rc rc = api->cfg.store->ops->read(api->cfg.store, type, id, &row);
    json_object *v = NULL;
    if (rc == STORE_OK && !row.deleted && row.json) {
        enum jsonx_err je;
        v = jsonx_parse(row.json, row.json_len, 128, &je, NULL, 0);
    }
    store_row_clear(&row);
    return v;
}

bool pgo_vault_owned(json_object *resource, const char *subject)
{
    json_object *tags = jsonx_get(jsonx_get(resource, "meta"), "tag");
    if (!tags || !json_object_is_type(tags, json_type_array)) return false;
    for (size_t i = 0; i < json_object_array_length(tags); i++) {
        json_object *t = json_object_array_get_idx(tags, i);
        const char *system = jsonx_get_str(t, "system"), *code = jsonx_get_str(t, "code");
        if (system && code && !strcmp(system, PGO_VAULT_TAG_SYSTEM) && !strcmp(code, subject))
            return true;
    }
    return false;
}

static int put(struct pgo_api *api, json_object *resource)
{
    struct rg_fail f = {0};
    enum rg_err rc = rest_put_resource(api->cfg.vault, resource, &f);
    if (rc != RG_OK) {
        log_bug("pgo: the vault refused a %s (%d)", jsonx_get_str(resource, "resourceType"),
                (int)rc);
        return -1;
    }
    return 0;
}

json_object *pgo_vault_patient(struct pgo_api *api, const char *subject)
{
    return pgo_vault_read(api, "Patient", subject);
}

int pgo_vault_ensure_patient(struct pgo_api *api, const struct account *acct)
{
    json_object *have = pgo_vault_patient(api, acct->subject);
    if (have) {
        json_object_put(have);
        return 0;
    }
    json_object *p = json_object_new_object();
    json_object_object_add(p, "resourceType", json_object_new_string("Patient"));
    json_object_object_add(p, "id", json_object_new_string(acct->subject));
    json_object *meta = json_object_new_object(), *tags = json_object_new_array(),
                *tag = json_object_new_object();
    json_object_object_add(tag, "system", json_object_new_string(PGO_VAULT_TAG_SYSTEM));
    json_object_object_add(tag, "code", json_object_new_string(acct->subject));
    json_object_array_add(tags, tag);
    json_object_object_add(meta, "tag", tags);
    json_object_object_add(p, "meta", meta);
    /* The account's subject, not its username nor any BSN: the vault names nobody. */
    json_object *ids = json_object_new_array(), *ident = json_object_new_object();
    json_object_object_add(ident, "system", json_object_new_string("urn:regie:pgo:account"));
    json_object_object_add(ident, "value", json_object_new_string(acct->subject));
    json_object_array_add(ids, ident);
    json_object_object_add(p, "identifier", ids);
    json_object_object_add(p, "active", json_object_new_boolean(1));
    int rc = put(api, p);
    json_object_put(p);
    return rc;
}

int pgo_vault_link_patient(struct pgo_api *api, const char *subject, const char *copy_id)
{
    if (!copy_id || !*copy_id || !strcmp(copy_id, subject)) return 0;
    json_object *p = pgo_vault_patient(api, subject);
    if (!p) return -1;
    char ref[128];
    snprintf(ref, sizeof ref, "Patient/%s", copy_id);
    json_object *links = jsonx_get(p, "link");
    if (!links || !json_object_is_type(links, json_type_array)) {
        links = json_object_new_array();
        json_object_object_add(p, "link", links);
    }
    for (size_t i = 0; i < json_object_array_length(links); i++) {
        const char *other =
            jsonx_get_str(jsonx_get(json_object_array_get_idx(links, i), "other"), "reference");
        if (other && !strcmp(other, ref)) {
            json_object_put(p);
            return 0;
        }
    }
    json_object *link = json_object_new_object(), *other = json_object_new_object();
    json_object_object_add(other, "reference", json_object_new_string(ref));
    json_object_object_add(link, "other", other);
    json_object_object_add(link, "type", json_object_new_string("seealso"));
    json_object_array_add(links, link);
    /* The stored meta (versionId, lastUpdated) is the vault's to set again. */
    json_object *meta = jsonx_get(p, "meta");
    if (meta) {
        json_object_object_del(meta, "versionId");
        json_object_object_del(meta, "lastUpdated");
    }
    int rc = put(api, p);
    json_object_put(p);
    return rc;
}
