/* Writes a list as the XML MedMij publishes (for `regie lists`). Every value is checked before it
 * is written, and the finished text is read back with the same reader that takes lists in, so
 * regie never writes a list it would refuse. */
#include <inttypes.h>
#include <string.h>

#include "medmij/internal.h"

struct writer {
    struct buf *out;
    char *err;
    size_t err_len;
    int depth;
    bool allow_ports; /* front-channel URIs may carry a port (development only) */
};

/* Text and attribute escaping; control characters other than tab/CR/LF cannot be in XML 1.0. */
static int put_escaped(struct writer *w, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        switch (*p) {
        case '&':
            rc = buf_append_str(w->out, "&amp;");
            break;
        case '<':
            rc = buf_append_str(w->out, "&lt;");
            break;
        case '>':
            rc = buf_append_str(w->out, "&gt;");
            break;
        case '"':
            rc = buf_append_str(w->out, "&quot;");
            break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                return medmij_fail(w->err, w->err_len, "a value holds a control character");
            rc = buf_append_char(w->out, (char)*p);
        }
        if (rc != 0) return medmij_fail(w->err, w->err_len, "list too large");
    }
    return 0;
}

static int indent(struct writer *w)
{
    for (int i = 0; i < w->depth; i++)
        if (buf_append_str(w->out, "    ") != 0)
            return medmij_fail(w->err, w->err_len, "list too large");
    return 0;
}

static int open_el(struct writer *w, const char *name)
{
    if (indent(w) || buf_printf(w->out, "<%s>\n", name) != 0)
        return medmij_fail(w->err, w->err_len, "list too large");
    w->depth++;
    return 0;
}

static int close_el(struct writer *w, const char *name)
{
    w->depth--;
    if (indent(w) || buf_printf(w->out, "</%s>\n", name) != 0)
        return medmij_fail(w->err, w->err_len, "list too large");
    return 0;
}

/* <name>value</name>, after checking value with valid (what: the format, for the message). */
static int leaf(struct writer *w, const char *name, const char *value, bool (*valid)(const char *),
                const char *what)
{
    if (!value || !valid(value))
        return medmij_fail(w->err, w->err_len, "<%s> '%.80s' is not %s", name,
                           value ? value : "(none)", what);
    if (indent(w) || buf_printf(w->out, "<%s>", name) != 0 || put_escaped(w, value) ||
        buf_printf(w->out, "</%s>\n", name) != 0)
        return medmij_fail(w->err, w->err_len, "list too large");
    return 0;
}

static bool id_text(const char *s)
{
    return medmij_valid_text(s, 1, 30);
}

static bool display_text(const char *s)
{
    return medmij_valid_text(s, 3, 50);
}

static bool any_text(const char *s)
{
    return s != NULL;
}

/* <wrapper><name>uri</name></wrapper> */
static int endpoint(struct writer *w, const char *wrapper, const char *name, const char *uri,
                    bool back_channel)
{
    if (open_el(w, wrapper)) return -1;
    int rc = back_channel || w->allow_ports
                 ? leaf(w, name, uri, medmij_valid_backchannel_uri,
                        "an https back-channel URI (host, optional port, path)")
                 : leaf(w, name, uri, medmij_valid_frontchannel_uri,
                        "an https front-channel URI (host and path, no port)");
    return rc ? rc : close_el(w, wrapper);
}

static int write_zal(struct writer *w, const struct medmij_list *l)
{
    if (l->n_providers > MEDMIJ_MAX_PROVIDERS)
        return medmij_fail(w->err, w->err_len, "too many providers");
    if (open_el(w, "Zorgaanbieders")) return -1;
    for (size_t i = 0; i < l->n_providers; i++) {
        const struct medmij_provider *p = &l->providers[i];
        if (p->n_services < 1 || p->n_services > MEDMIJ_MAX_SERVICES)
            return medmij_fail(w->err, w->err_len, "provider %.60s needs 1 to %u data services",
                               p->name ? p->name : "?", MEDMIJ_MAX_SERVICES);
        if (open_el(w, "Zorgaanbieder") ||
            leaf(w, "Zorgaanbiedernaam", p->name, medmij_valid_provider_name,
                 "a name of the form xyz@medmij (10 to 57 characters, a-z)") ||
            open_el(w, "Gegevensdiensten"))
            return -1;
        for (size_t j = 0; j < p->n_services; j++) {
            const struct medmij_zal_service *s = &p->services[j];
            if (s->n_roles < 1 || s->n_roles > MEDMIJ_MAX_ROLES)
                return medmij_fail(w->err, w->err_len, "data service %.30s needs 1 to %u roles",
                                   s->id ? s->id : "?", MEDMIJ_MAX_ROLES);
            if (open_el(w, "Gegevensdienst") ||
                leaf(w, "GegevensdienstId", s->id, id_text, "1 to 30 characters") ||
                endpoint(w, "AuthorizationEndpoint", "AuthorizationEndpointuri",
                         s->authorization_endpoint, false) ||
                endpoint(w, "TokenEndpoint", "TokenEndpointuri", s->token_endpoint, true) ||
                open_el(w, "Systeemrollen"))
                return -1;
            for (size_t k = 0; k < s->n_roles; k++)
                if (open_el(w, "Systeemrol") ||
                    leaf(w, "Systeemrolcode", s->roles[k].code, id_text, "1 to 30 characters") ||
                    endpoint(w, "ResourceEndpoint", "ResourceEndpointuri",
                             s->roles[k].resource_endpoint, true) ||
                    close_el(w, "Systeemrol"))
                    return -1;
            if (close_el(w, "Systeemrollen") || close_el(w, "Gegevensdienst")) return -1;
        }
        if (close_el(w, "Gegevensdiensten") || close_el(w, "Zorgaanbieder")) return -1;
    }
    return close_el(w, "Zorgaanbieders");
}

static int write_ocl(struct writer *w, const struct medmij_list *l)
{
    if (l->n_clients > MEDMIJ_MAX_CLIENTS)
        return medmij_fail(w->err, w->err_len, "too many clients");
    if (open_el(w, "OAuthclients")) return -1;
    for (size_t i = 0; i < l->n_clients; i++)
        if (open_el(w, "OAuthclient") ||
            leaf(w, "Hostname", l->clients[i].hostname, medmij_valid_hostname, "a host name") ||
            leaf(w, "OAuthclientOrganisatienaam", l->clients[i].organisation, display_text,
                 "3 to 50 characters") ||
            close_el(w, "OAuthclient"))
            return -1;
    return close_el(w, "OAuthclients");
}

static int write_whitelist(struct writer *w, const struct medmij_list *l)
{
    if (l->n_nodes > MEDMIJ_MAX_NODES) return medmij_fail(w->err, w->err_len, "too many nodes");
    if (open_el(w, "MedMijNodes")) return -1;
    for (size_t i = 0; i < l->n_nodes; i++)
        if (open_el(w, "MedMijNode") ||
            leaf(w, "Hostname", l->nodes[i], medmij_valid_hostname, "a host name") ||
            close_el(w, "MedMijNode"))
            return -1;
    return close_el(w, "MedMijNodes");
}

static int write_gnl(struct writer *w, const struct medmij_list *l)
{
    if (l->n_service_names > MEDMIJ_MAX_GNL)
        return medmij_fail(w->err, w->err_len, "too many data service names");
    if (open_el(w, "Gegevensdiensten")) return -1;
    for (size_t i = 0; i < l->n_service_names; i++)
        if (open_el(w, "Gegevensdienst") ||
            leaf(w, "GegevensdienstId", l->service_names[i].id, id_text, "1 to 30 characters") ||
            leaf(w, "Weergavenaam", l->service_names[i].name, display_text, "3 to 50 characters") ||
            close_el(w, "Gegevensdienst"))
            return -1;
    return close_el(w, "Gegevensdiensten");
}

int medmij_list_write(const struct medmij_list *list, struct buf *out, char *err, size_t err_len)
{
    return medmij_list_write_opts(list, false, out, err, err_len);
}

int medmij_list_write_opts(const struct medmij_list *list, bool allow_ports, struct buf *out,
                           char *err, size_t err_len)
{
    if (!list || list->kind >= MEDMIJ_LIST_KINDS)
        return medmij_fail(err, err_len, "unknown list kind");
    if (list->volgnummer == 0) return medmij_fail(err, err_len, "Volgnummer must be 1 or more");
    if (out->len != 0) return medmij_fail(err, err_len, "the output buffer must start empty");
    struct writer w = {out, err, err_len, 0, allow_ports};
    const char *root = medmij_list_root(list->kind);
    if (buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">\n", root,
                   medmij_list_namespace(list->kind)) != 0)
        return medmij_fail(err, err_len, "list too large");
    w.depth = 1;
    if (leaf(&w, "Tijdstempel", list->tijdstempel, any_text, "a date and time") || indent(&w) ||
        buf_printf(out, "<Volgnummer>%" PRIu64 "</Volgnummer>\n", list->volgnummer))
        return -1;
    int rc = list->kind == MEDMIJ_ZAL   ? write_zal(&w, list)
             : list->kind == MEDMIJ_OCL ? write_ocl(&w, list)
             : list->kind == MEDMIJ_GNL ? write_gnl(&w, list)
                                        : write_whitelist(&w, list);
    if (rc || buf_printf(out, "</%s>\n", root) != 0)
        return rc ? rc : medmij_fail(err, err_len, "list too large");
    /* Read it back: the timestamp's format, duplicate keys and everything else the reader
     * refuses are caught here, with the reader's message. */
    char why[256];
    struct medmij_parse_opts opts = {
        .expect = list->kind, .max_bytes = out->limit, .allow_ports = allow_ports};
    struct medmij_list *back = medmij_list_parse(out->data, out->len, &opts, why, sizeof why);
    if (!back)
        return medmij_fail(err, err_len, "the written %s would be refused: %s",
                           medmij_list_short_name(list->kind), why);
    medmij_list_free(back);
    return 0;
}
