/* Transactions under SIGKILL: acknowledged ones are recorded entry by entry, unanswered ones are
 * checked for all-or-nothing after the restart. */
#include "crash_tx.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TX_TIMEOUT_S 20
#define TX_ENTRIES   3
#define TX_RES_MAX   512

static const char *const tx_types[TX_ENTRIES] = {"Patient", "Observation", "Observation"};
static const char *const tx_suffix[TX_ENTRIES] = {"p", "o1", "o2"};

/* The resource text of entry i for prefix. */
static void tx_resource(char *out, size_t len, const char *prefix, int i, long seq)
{
    if (i == 0)
        snprintf(out, len,
                 "{\"resourceType\":\"Patient\",\"id\":\"%s-p\",\"name\":[{\"family\":\"Tx\","
                 "\"given\":[\"%s\"]}]}",
                 prefix, prefix);
    else
        snprintf(out, len,
                 "{\"resourceType\":\"Observation\",\"id\":\"%s-%s\",\"status\":\"final\",\"code\":"
                 "{\"text\":\"tx %d\"},\"subject\":{\"reference\":\"Patient/%s-p\"},"
                 "\"valueQuantity\":{\"value\":%ld.25}}",
                 prefix, tx_suffix[i], i, prefix, seq);
}

/* Whether entry i of a transaction-response says created, version 1. */
static int entry_created(json_object *resp, size_t i)
{
    json_object *entry = json_object_array_get_idx(json_object_object_get(resp, "entry"), i);
    json_object *response = json_object_object_get(entry, "response");
    const char *status = json_object_get_string(json_object_object_get(response, "status"));
    const char *etag = json_object_get_string(json_object_object_get(response, "etag"));
    return status && !strncmp(status, "201", 3) && ledger_etag_version(etag) == 1;
}

enum crash_tx_result crash_tx_write(CURL *curl, const char *base, int thread, int cycle, long seq,
                                    struct ledger *acks, char *prefix, struct client_resp *r)
{
    snprintf(prefix, CRASH_TX_PREFIX_MAX, "ctx-t%d-c%d-s%ld", thread, cycle, seq);
    char res[TX_ENTRIES][TX_RES_MAX];
    char bundle[TX_ENTRIES * TX_RES_MAX + 1024];
    int n = snprintf(bundle, sizeof bundle,
                     "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
                     "\"entry\":[");
    for (int i = 0; i < TX_ENTRIES; i++) {
        tx_resource(res[i], sizeof res[i], prefix, i, seq);
        n += snprintf(bundle + n, sizeof bundle - (size_t)n,
                      "%s{\"resource\":%s,\"request\":{\"method\":\"PUT\",\"url\":\"%s/%s-%s\"}}",
                      i ? "," : "", res[i], tx_types[i], prefix, tx_suffix[i]);
    }
    snprintf(bundle + n, sizeof bundle - (size_t)n, "]}");

    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    int rc = client_request(curl, "POST", base, h, bundle, strlen(bundle), TX_TIMEOUT_S, r);
    curl_slist_free_all(h);
    if (rc != 0 || r->err[0]) return CRASH_TX_UNKNOWN;
    if (r->status != 200) return CRASH_TX_REFUSED;
    json_object *resp = json_tokener_parse(r->body.data ? r->body.data : "");
    int ok = json_object_array_length(json_object_object_get(resp, "entry")) == TX_ENTRIES;
    for (int i = 0; ok && i < TX_ENTRIES; i++) ok = entry_created(resp, (size_t)i);
    json_object_put(resp);
    if (!ok) return CRASH_TX_REFUSED;
    for (int i = 0; i < TX_ENTRIES; i++) {
        char id[65];
        snprintf(id, sizeof id, "%s-%s", prefix, tx_suffix[i]);
        char *copy = strdup(res[i]);
        if (!copy || ledger_add(acks, tx_types[i], id, 1, copy, NULL) != 0) abort();
    }
    return CRASH_TX_ACKED;
}

size_t crash_tx_check_unknown(CURL *curl, const char *base, char (*prefixes)[CRASH_TX_PREFIX_MAX],
                              size_t n)
{
    size_t bad = 0;
    struct client_resp r;
    client_resp_init(&r);
    for (size_t k = 0; k < n; k++) {
        int found = 0, missing = 0;
        for (int i = 0; i < TX_ENTRIES; i++) {
            char url[512];
            snprintf(url, sizeof url, "%s/%s/%s-%s", base, tx_types[i], prefixes[k], tx_suffix[i]);
            if (client_request(curl, "GET", url, NULL, NULL, 0, TX_TIMEOUT_S, &r) != 0) continue;
            if (r.status == 200) found++;
            if (r.status == 404) missing++;
        }
        if (!(found == TX_ENTRIES && missing == 0) && !(missing == TX_ENTRIES && found == 0)) {
            fprintf(stderr,
                    "crash: transaction %s in flight at the kill: %d of %d entries stored, %d "
                    "missing (not all-or-nothing)\n",
                    prefixes[k], found, TX_ENTRIES, missing);
            bad++;
        }
    }
    client_resp_free(&r);
    return bad;
}
