/* Acknowledged-write bookkeeping and read-back verification for the crash test. */
#include "crash_ledger.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenario/client.h"

#define VERIFY_TIMEOUT_S   30
#define VERIFY_MAX_REPORTS 20

int ledger_add(struct ledger *l, const char *type, const char *id, long version, char *json,
               const char *value_text)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct ack *a = realloc(l->acks, cap * sizeof *a);
        if (!a) return -1;
        l->acks = a;
        l->cap = cap;
    }
    struct ack *a = &l->acks[l->n++];
    snprintf(a->type, sizeof a->type, "%s", type);
    snprintf(a->id, sizeof a->id, "%s", id);
    a->version = version;
    a->json = json;
    snprintf(a->value_text, sizeof a->value_text, "%s", value_text ? value_text : "");
    return 0;
}

int ledger_merge(struct ledger *dst, struct ledger *src)
{
    for (size_t i = 0; i < src->n; i++) {
        struct ack *a = &src->acks[i];
        if (ledger_add(dst, a->type, a->id, a->version, a->json, a->value_text) != 0) return -1;
        a->json = NULL;
    }
    src->n = 0;
    return 0;
}

void ledger_free(struct ledger *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->acks[i].json);
    free(l->acks);
    memset(l, 0, sizeof *l);
}

long ledger_etag_version(const char *etag)
{
    if (!etag || strncmp(etag, "W/\"", 3) != 0) return -1;
    char *end = NULL;
    long v = strtol(etag + 3, &end, 10);
    if (end == etag + 3 || *end != '"' || end[1] != '\0' || v <= 0) return -1;
    return v;
}

/* Whether the stored resource equals what we sent, apart from meta (and the id a POST got). */
static int same_content(const struct ack *a, const char *body, size_t len, char *why,
                        size_t why_len)
{
    json_object *sent = json_tokener_parse(a->json);
    json_tokener *tok = json_tokener_new();
    json_object *got = json_tokener_parse_ex(tok, body, (int)len);
    json_tokener_free(tok);
    int ok = 0;
    if (!sent || !got) {
        snprintf(why, why_len, "cannot parse %s", sent ? "the response" : "what we sent");
    } else {
        json_object_object_del(got, "meta");
        if (!json_object_object_get_ex(sent, "id", NULL))
            json_object_object_add(sent, "id", json_object_new_string(a->id));
        ok = json_object_equal(sent, got);
        if (!ok)
            snprintf(why, why_len, "content differs: sent %.200s, stored %.200s",
                     json_object_to_json_string_ext(sent, JSON_C_TO_STRING_PLAIN),
                     json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN));
    }
    json_object_put(sent);
    json_object_put(got);
    return ok;
}

static size_t report(size_t problems, const struct ack *a, const char *what)
{
    if (problems < VERIFY_MAX_REPORTS)
        fprintf(stderr, "crash: LOST/BAD %s/%s version %ld: %s\n", a->type, a->id, a->version,
                what);
    else if (problems == VERIFY_MAX_REPORTS)
        fprintf(stderr, "crash: (further problems not shown)\n");
    return problems + 1;
}

/* The newest acknowledged version of a->type/a->id in l. */
static long newest_version(const struct ledger *l, const struct ack *a)
{
    long v = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->acks[i].type, a->type) && !strcmp(l->acks[i].id, a->id) &&
            l->acks[i].version > v)
            v = l->acks[i].version;
    return v;
}

static size_t verify_current(const struct ledger *l, const struct ack *a, CURL *curl,
                             const char *base, struct client_resp *r, size_t problems)
{
    char url[512], why[600];
    snprintf(url, sizeof url, "%s/%s/%s", base, a->type, a->id);
    if (client_request(curl, "GET", url, NULL, NULL, 0, VERIFY_TIMEOUT_S, r) != 0) {
        snprintf(why, sizeof why, "GET current: %s", r->err);
        return report(problems, a, why);
    }
    long want = newest_version(l, a);
    long got = ledger_etag_version(client_resp_header(r, "ETag"));
    if (r->status != 200 || got < want) {
        snprintf(why, sizeof why, "current read gave status %ld, version %ld; acknowledged %ld",
                 r->status, got, want);
        return report(problems, a, why);
    }
    return problems;
}

size_t ledger_verify(const struct ledger *l, CURL *curl, const char *base)
{
    size_t problems = 0;
    struct client_resp r;
    client_resp_init(&r);
    for (size_t i = 0; i < l->n; i++) {
        const struct ack *a = &l->acks[i];
        char url[512], why[600];
        snprintf(url, sizeof url, "%s/%s/%s/_history/%ld", base, a->type, a->id, a->version);
        if (client_request(curl, "GET", url, NULL, NULL, 0, VERIFY_TIMEOUT_S, &r) != 0) {
            snprintf(why, sizeof why, "vread: %s", r.err);
            problems = report(problems, a, why);
            continue;
        }
        if (r.status != 200) {
            snprintf(why, sizeof why, "vread status %ld", r.status);
            problems = report(problems, a, why);
            continue;
        }
        if (!same_content(a, r.body.data, r.body.len, why, sizeof why)) {
            problems = report(problems, a, why);
            continue;
        }
        if (a->value_text[0] && !strstr(r.body.data, a->value_text)) {
            snprintf(why, sizeof why, "raw text lacks %s", a->value_text);
            problems = report(problems, a, why);
            continue;
        }
        /* Once per resource: the current version is not older than what was acknowledged. */
        if (a->version == newest_version(l, a))
            problems = verify_current(l, a, curl, base, &r, problems);
    }
    client_resp_free(&r);
    return problems;
}
