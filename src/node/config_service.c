/* The data-service catalogue of the node config: [service ID] sections (docs/node-config.md),
 * shipped as etc/services.conf. Checked here so a catalogue mistake (a search a token could not
 * answer, a patient in a URL) stops the node at start with its line, not a collection later. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhir/model.h"
#include "node/config_internal.h"

int config_service_section(struct config_loader *l, struct config_file *f, size_t i)
{
    struct node_config *c = l->cfg;
    const struct ini_section *s = &f->ini.sections[i];
    if (!s->arg)
        return config_fail(l, f, s->line, "[service] needs its data service id: [service 48]");
    if (!config_valid_service_id(s->arg))
        return config_fail(l, f, s->line,
                           "[service %s]: a data service id is 1 to %d letters, digits, '.', "
                           "'_' or '-'",
                           s->arg, NODE_SERVICE_ID_MAX);
    for (size_t k = 0; k < c->nservices; k++)
        if (!strcmp(c->services[k].id, s->arg)) {
            const struct config_at *at = &l->meta[k].header;
            if (at->file == f)
                return config_fail(l, f, s->line, "[service %s] is already defined at line %u",
                                   s->arg, at->line);
            return config_fail(l, f, s->line, "[service %s] is already defined at %s:%u", s->arg,
                               at->file->path, at->line);
        }
    if (!f->service_of && !(f->service_of = calloc(f->ini.nsections, sizeof *f->service_of)))
        return config_fail(l, NULL, 0, "out of memory");
    struct node_service *grown = realloc(c->services, (c->nservices + 1) * sizeof *grown);
    if (!grown) return config_fail(l, NULL, 0, "out of memory");
    c->services = grown;
    struct config_service_meta *meta = realloc(l->meta, (c->nservices + 1) * sizeof *meta);
    if (!meta) return config_fail(l, NULL, 0, "out of memory");
    l->meta = meta;
    struct node_service *svc = &c->services[c->nservices];
    memset(svc, 0, sizeof *svc);
    memset(&meta[c->nservices], 0, sizeof *meta);
    if (!(svc->id = strdup(s->arg))) return config_fail(l, NULL, 0, "out of memory");
    meta[c->nservices].header = (struct config_at){f, s->line};
    f->service_of[i] = c->nservices++;
    return 0;
}

/* A search of the catalogue: TYPE[?query] or TYPE/$operation[?query], relative to the FHIR base,
 * without the patient (MedMij: the token implies it; URLs never carry patient= or subject=).
 * Returns NULL or why it is refused; *type_len is the length of TYPE. */
static const char *search_fault(const char *s, size_t *type_len)
{
    size_t n = strcspn(s, "/?");
    *type_len = n;
    if (n == 0) return "a search starts with a resource type (Condition, Observation/$lastn?...)";
    char type[64];
    if (n >= sizeof type) return "not a resource type";
    memcpy(type, s, n);
    type[n] = '\0';
    if (!fhir_is_resource_type(type)) return "does not start with a resource type";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7F || *p == '#')
            return "holds a blank, a control character or '#'";
    const char *q = s + n;
    if (*q == '/') {
        if (q[1] != '$' || q[2] == '\0' || q[2] == '?')
            return "after the type comes '?' or '/$operation' (no ids: the patient is implied)";
        q += strcspn(q, "?");
        if (strchr(s + n + 1, '/') && strchr(s + n + 1, '/') < q) return "one operation only";
    }
    if (*q != '?') return NULL;
    for (const char *p = q + 1; *p;) {
        size_t len = strcspn(p, "&");
        size_t name = strcspn(p, "=:.&");
        if (len == 0 || p[strcspn(p, "=&")] != '=') return "every parameter needs name=value";
        if ((name == 7 && !strncmp(p, "patient", 7)) || (name == 7 && !strncmp(p, "subject", 7)))
            return "names the patient (the token implies it; MedMij URLs never carry "
                   "patient= or subject=)";
        p += len;
        if (*p == '&') p++;
    }
    return NULL;
}

int config_service_entry(struct config_loader *l, struct config_file *f, const struct ini_entry *e)
{
    size_t k = f->service_of[e->section];
    struct node_service *svc = &l->cfg->services[k];
    struct config_service_meta *m = &l->meta[k];
    const char *key = e->key, *v = e->value;
    struct config_at here = {f, e->line};
    if (!*v) return config_fail(l, f, e->line, "[service %s] %s needs a value", svc->id, key);
    if (!strcmp(key, "name") || !strcmp(key, "kind")) {
        struct config_at *seen = key[0] == 'n' ? &m->name : &m->kind;
        if (seen->file)
            return config_fail(l, f, e->line, "[service %s] %s is already set at line %u", svc->id,
                               key, seen->line);
        *seen = here;
        if (key[0] == 'n') return config_set_string(l, &svc->name, v);
        if (!strcmp(v, "collect"))
            svc->kind = NODE_SERVICE_COLLECT;
        else if (!strcmp(v, "share"))
            svc->kind = NODE_SERVICE_SHARE;
        else
            return config_fail(l, f, e->line, "[service %s] kind must be collect or share",
                               svc->id);
        return 0;
    }
    if (!strcmp(key, "types")) {
        if (!fhir_is_resource_type(v))
            return config_fail(l, f, e->line, "[service %s] types: '%s' is not a resource type",
                               svc->id, v);
        for (size_t i = 0; i < svc->ntypes; i++)
            if (!strcmp(svc->types[i], v))
                return config_fail(l, f, e->line, "[service %s] types: %s is listed twice", svc->id,
                                   v);
        if (svc->ntypes == NODE_SERVICE_TYPES_MAX)
            return config_fail(l, f, e->line, "[service %s] types: more than %d", svc->id,
                               NODE_SERVICE_TYPES_MAX);
        return config_push_string(l, &svc->types, &svc->ntypes, v);
    }
    if (!strcmp(key, "search")) {
        size_t type_len;
        const char *why = search_fault(v, &type_len);
        if (why) return config_fail(l, f, e->line, "[service %s] search %s: %s", svc->id, v, why);
        if (!m->first_search.file) m->first_search = here;
        struct config_at *at = realloc(m->search_at, (svc->nsearches + 1) * sizeof *at);
        if (!at) return config_fail(l, NULL, 0, "out of memory");
        m->search_at = at;
        at[svc->nsearches] = here;
        return config_push_string(l, &svc->searches, &svc->nsearches, v);
    }
    return config_fail(l, f, e->line,
                       "unknown key '%s' in [service %s] (name, kind, types, search)", key,
                       svc->id);
}

int config_services_check(struct config_loader *l)
{
    const struct node_config *c = l->cfg;
    for (size_t k = 0; k < c->nservices; k++) {
        const struct node_service *svc = &c->services[k];
        const struct config_service_meta *m = &l->meta[k];
        const struct config_file *f = m->header.file;
        unsigned line = m->header.line;
        if (!m->kind.file)
            return config_fail(l, f, line, "[service %s] needs kind = collect or share", svc->id);
        if (!svc->name) return config_fail(l, f, line, "[service %s] needs a name", svc->id);
        if (svc->ntypes == 0)
            return config_fail(l, f, line,
                               "[service %s] needs types (the resource types its "
                               "token gives)",
                               svc->id);
        if (svc->kind == NODE_SERVICE_SHARE && svc->nsearches)
            return config_fail(l, m->first_search.file, m->first_search.line,
                               "[service %s] is a share service: it has no searches", svc->id);
        if (svc->kind == NODE_SERVICE_COLLECT && svc->nsearches == 0)
            return config_fail(l, f, line, "[service %s] collects, so it needs search lines",
                               svc->id);
        /* Every search must be answerable with the service's own token. */
        for (size_t i = 0; i < svc->nsearches; i++) {
            size_t n = strcspn(svc->searches[i], "/?");
            bool ok = false;
            for (size_t t = 0; t < svc->ntypes; t++)
                if (strlen(svc->types[t]) == n && !strncmp(svc->types[t], svc->searches[i], n))
                    ok = true;
            if (!ok)
                return config_fail(l, m->search_at[i].file, m->search_at[i].line,
                                   "[service %s] search %s: its type is not in the service's "
                                   "types",
                                   svc->id, svc->searches[i]);
        }
    }
    return 0;
}
