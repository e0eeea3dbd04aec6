#include "cli/batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/jsonx.h"

enum cli_doc_kind cli_doc_kind(json_object *doc)
{
    const char *type = jsonx_get_str(doc, "resourceType");
    if (!type || !*type) return CLI_DOC_NOT_RESOURCE;
    if (strcmp(type, "Bundle") != 0) return CLI_DOC_RESOURCE;
    const char *btype = jsonx_get_str(doc, "type");
    if (btype && (!strcmp(btype, "batch") || !strcmp(btype, "transaction")))
        return CLI_DOC_BUNDLE_ENGINE;
    return CLI_DOC_BUNDLE_OTHER;
}

json_object *cli_batch_new(void)
{
    json_object *b = json_object_new_object();
    if (!b) return NULL;
    json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
    json_object_object_add(b, "type", json_object_new_string("batch"));
    json_object_object_add(b, "entry", json_object_new_array());
    return b;
}

int cli_batch_add(json_object *batch, json_object *resource)
{
    const char *type = jsonx_get_str(resource, "resourceType");
    json_object *entries = jsonx_get(batch, "entry");
    if (!type || !*type || !entries || !json_object_is_type(entries, json_type_array)) return -1;
    const char *id = jsonx_get_str(resource, "id");
    size_t tlen = strlen(type), ilen = id ? strlen(id) : 0;
    char *url = malloc(tlen + ilen + 2);
    if (!url) return -1;
    memcpy(url, type, tlen);
    url[tlen] = '\0';
    if (id) {
        url[tlen] = '/';
        memcpy(url + tlen + 1, id, ilen + 1);
    }

    json_object *request = json_object_new_object();
    json_object_object_add(request, "method", json_object_new_string(id ? "PUT" : "POST"));
    json_object_object_add(request, "url", json_object_new_string(url));
    free(url);
    json_object *entry = json_object_new_object();
    json_object_object_add(entry, "resource", json_object_get(resource));
    json_object_object_add(entry, "request", request);
    json_object_array_add(entries, entry);
    return 0;
}

size_t cli_bundle_entry_count(json_object *bundle)
{
    json_object *entries = jsonx_get(bundle, "entry");
    if (!entries || !json_object_is_type(entries, json_type_array)) return 0;
    return json_object_array_length(entries);
}

json_object *cli_batch_from_bundle(json_object *bundle, size_t *skipped)
{
    json_object *batch = cli_batch_new();
    size_t skip = 0;
    size_t n = cli_bundle_entry_count(bundle);
    json_object *entries = jsonx_get(bundle, "entry");
    for (size_t i = 0; i < n; i++) {
        json_object *res = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        if (cli_batch_add(batch, res) != 0) skip++;
    }
    if (skipped) *skipped = skip;
    return batch;
}

bool cli_name_is_ndjson(const char *name)
{
    size_t len = strlen(name);
    static const char *const suffixes[] = {".ndjson", ".ndjson.bz2"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len >= sl && !strcmp(name + len - sl, suffixes[i])) return true;
    }
    return false;
}

bool cli_is_blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') return false;
    return true;
}

int cli_entry_status(json_object *response_entry)
{
    const char *status = jsonx_get_str(jsonx_get(response_entry, "response"), "status");
    if (!status) return 0;
    char *end;
    errno = 0;
    long v = strtol(status, &end, 10);
    if (errno || end == status || v < 100 || v > 599) return 0;
    return (int)v;
}

void cli_entry_message(json_object *response_entry, const char *own_type, char *out, size_t out_len)
{
    json_object *response = jsonx_get(response_entry, "response");
    json_object *issues = jsonx_get(jsonx_get(response, "outcome"), "issue");
    json_object *issue = NULL;
    if (issues && json_object_is_type(issues, json_type_array))
        issue = json_object_array_get_idx(issues, 0);
    const char *text = jsonx_get_str(issue, "diagnostics");
    if (!text) text = jsonx_get_str(jsonx_get(issue, "details"), "text");
    const char *status = jsonx_get_str(response, "status");
    json_object *where = jsonx_get(issue, "expression");
    const char *expr = NULL;
    if (where && json_object_is_type(where, json_type_array))
        expr = json_object_get_string(json_object_array_get_idx(where, 0));
    /* In a batch the importer built itself, "Bundle.entry[7].resource" means nothing to the
     * user: the place is given as a line or entry of the file, and the path starts at the type. */
    const char *rest = NULL;
    if (own_type && expr && !strncmp(expr, "Bundle.entry[", 13)) {
        rest = strstr(expr, "].resource");
        if (rest) rest += strlen("].resource");
    }
    snprintf(out, out_len, "%s%s%s%s%s%s", status ? status : "no status", text ? ": " : "",
             text ? text : "", expr ? " at " : "",
             rest   ? own_type
             : expr ? expr
                    : "",
             rest ? rest : "");
}
