/* Races against a real regie: many clients doing the same conditional or versioned write at the
 * same instant. Exactly one may win where the FHIR semantics say so; nobody's write may be lost or
 * duplicated.
 *
 *   races REGIE_BINARY
 *
 * Rounds: If-Match updates (one 200, the rest 412), conditional creates (one 201, the rest 200 with
 * the same id), conditional updates on nothing yet (one 201, the rest 200, one resource, every
 * version used once), update-as-create of one new id (likewise), and conditional creates inside
 * transactions (one entry created, the rest matched). */
#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scenario/client.h"
#include "../scenario/proc.h"
#include "crash_ledger.h"

#define RACE_THREADS   8
#define RACE_ROUNDS    15
#define RACE_TIMEOUT_S 30

enum race_kind {
    RACE_IF_MATCH,
    RACE_COND_CREATE,
    RACE_COND_UPDATE,
    RACE_UPDATE_CREATE,
    RACE_TX_COND_CREATE
};

struct racer {
    pthread_t th;
    int idx;
    CURL *curl;
    struct client_resp resp;
    char tx_id[80]; /* for transactions: the id in the entry's response location */
    /* set per round by main */
    enum race_kind kind;
    int round;
    long if_match;
    const char *base;
    pthread_barrier_t *start;
    pthread_barrier_t *done;
    int quit;
};

/* A transaction's answer counts as its one entry's: status from "201 Created", id from location. */
static void tx_outcome(struct racer *r)
{
    json_object *b = json_tokener_parse(r->resp.body.data ? r->resp.body.data : "");
    json_object *resp = json_object_object_get(
        json_object_array_get_idx(json_object_object_get(b, "entry"), 0), "response");
    const char *status = json_object_get_string(json_object_object_get(resp, "status"));
    const char *loc = json_object_get_string(json_object_object_get(resp, "location"));
    r->resp.status = status ? strtol(status, NULL, 10) : 0;
    const char *hist = loc ? strstr(loc, "/_history/") : NULL;
    const char *s = hist;
    while (s && s > loc && s[-1] != '/') s--;
    if (hist) snprintf(r->tx_id, sizeof r->tx_id, "%.*s", (int)(hist - s), s);
    json_object_put(b);
}

static void race_once(struct racer *r)
{
    char url[512], body[512], hdr[128];
    const char *method = "PUT";
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    switch (r->kind) {
    case RACE_IF_MATCH:
        snprintf(url, sizeof url, "%s/Patient/race-im", r->base);
        snprintf(
            body, sizeof body,
            "{\"resourceType\":\"Patient\",\"id\":\"race-im\",\"name\":[{\"family\":\"r%d-t%d\"}]}",
            r->round, r->idx);
        snprintf(hdr, sizeof hdr, "If-Match: W/\"%ld\"", r->if_match);
        h = curl_slist_append(h, hdr);
        break;
    case RACE_COND_CREATE:
        method = "POST";
        snprintf(url, sizeof url, "%s/Patient", r->base);
        snprintf(body, sizeof body,
                 "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:race\",\"value\":"
                 "\"cc-%d\"}],\"name\":[{\"family\":\"t%d\"}]}",
                 r->round, r->idx);
        snprintf(hdr, sizeof hdr, "If-None-Exist: identifier=urn:race|cc-%d", r->round);
        h = curl_slist_append(h, hdr);
        break;
    case RACE_COND_UPDATE:
        snprintf(url, sizeof url, "%s/Patient?identifier=urn:race%%7Ccu-%d", r->base, r->round);
        snprintf(body, sizeof body,
                 "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:race\",\"value\":"
                 "\"cu-%d\"}],\"name\":[{\"family\":\"t%d\"}]}",
                 r->round, r->idx);
        break;
    case RACE_TX_COND_CREATE:
        method = "POST";
        snprintf(url, sizeof url, "%s", r->base);
        snprintf(
            body, sizeof body,
            "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
            "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:race\",\"value\":"
            "\"tx-%d\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":"
            "\"identifier=urn:race|tx-%d\"}}]}",
            r->round, r->round);
        break;
    case RACE_UPDATE_CREATE:
        snprintf(url, sizeof url, "%s/Patient/race-uc-%d", r->base, r->round);
        snprintf(
            body, sizeof body,
            "{\"resourceType\":\"Patient\",\"id\":\"race-uc-%d\",\"name\":[{\"family\":\"t%d\"}]}",
            r->round, r->idx);
        break;
    }
    if (client_request(r->curl, method, url, h, body, strlen(body), RACE_TIMEOUT_S, &r->resp) != 0)
        r->resp.status = 0;
    curl_slist_free_all(h);
    r->tx_id[0] = '\0';
    if (r->kind == RACE_TX_COND_CREATE && r->resp.status == 200) tx_outcome(r);
}

static void *racer_main(void *arg)
{
    struct racer *r = arg;
    for (;;) {
        pthread_barrier_wait(r->start);
        if (r->quit) break;
        race_once(r);
        pthread_barrier_wait(r->done);
    }
    return NULL;
}

/* The id a success names: the returned resource's id, else from Location
 * ".../Type/<id>/_history/n" (an update need not send Location). */
static void location_id(const struct client_resp *resp, char *id, size_t id_len)
{
    id[0] = '\0';
    json_object *body = resp->body.len ? json_tokener_parse(resp->body.data) : NULL;
    json_object *v = NULL;
    if (json_object_object_get_ex(body, "id", &v) && json_object_is_type(v, json_type_string))
        snprintf(id, id_len, "%s", json_object_get_string(v));
    json_object_put(body);
    if (id[0]) return;
    const char *loc = client_resp_header(resp, "Location");
    const char *hist = loc ? strstr(loc, "/_history/") : NULL;
    if (!hist) return;
    const char *s = hist;
    while (s > loc && s[-1] != '/') s--;
    snprintf(id, id_len, "%.*s", (int)(hist - s), s);
}

static long current_version(CURL *curl, const char *base, const char *id)
{
    char url[512];
    snprintf(url, sizeof url, "%s/Patient/%s", base, id);
    struct client_resp r;
    client_resp_init(&r);
    long v = -1;
    if (client_request(curl, "GET", url, NULL, NULL, 0, RACE_TIMEOUT_S, &r) == 0 && r.status == 200)
        v = ledger_etag_version(client_resp_header(&r, "ETag"));
    client_resp_free(&r);
    return v;
}

static const char *kind_name(enum race_kind k)
{
    static const char *names[] = {"If-Match update", "conditional create", "conditional update",
                                  "update-as-create", "conditional create in a transaction"};
    return names[k];
}

/* Checks one round's answers. Returns the number of problems. */
static int check_round(struct racer *rs, enum race_kind kind, int round, CURL *curl,
                       const char *base, long *if_match)
{
    int wins = 0, others = 0, bad = 0;
    char first_id[80] = "";
    bool versions[RACE_THREADS + 2] = {false};
    for (int i = 0; i < RACE_THREADS; i++) {
        long st = rs[i].resp.status;
        long v = ledger_etag_version(client_resp_header(&rs[i].resp, "ETag"));
        bool win = kind == RACE_IF_MATCH ? st == 200 : st == 201;
        bool other_ok = kind == RACE_IF_MATCH ? (st == 412 || st == 409) : st == 200;
        if (win) wins++;
        if (!win && other_ok) others++;
        if (!win && !other_ok) {
            fprintf(stderr, "races: %s round %d: client %d got status %ld %s\n", kind_name(kind),
                    round, i, st, rs[i].resp.err);
            bad++;
        }
        if ((st == 200 || st == 201) && kind != RACE_IF_MATCH) {
            char id[80];
            if (rs[i].tx_id[0])
                snprintf(id, sizeof id, "%s", rs[i].tx_id);
            else
                location_id(&rs[i].resp, id, sizeof id);
            if (!first_id[0]) snprintf(first_id, sizeof first_id, "%s", id);
            if (strcmp(id, first_id) != 0) {
                fprintf(stderr, "races: %s round %d: two resources: %s and %s\n", kind_name(kind),
                        round, first_id, id);
                bad++;
            }
            /* Conditional update and update-as-create: every client wrote one version. */
            if (kind != RACE_COND_CREATE && kind != RACE_TX_COND_CREATE && v >= 1 &&
                v <= RACE_THREADS) {
                if (versions[v]) {
                    fprintf(stderr, "races: %s round %d: version %ld acknowledged twice\n",
                            kind_name(kind), round, v);
                    bad++;
                }
                versions[v] = true;
            }
        }
    }
    if (wins != 1) {
        fprintf(stderr, "races: %s round %d: %d winners, expected exactly 1\n", kind_name(kind),
                round, wins);
        bad++;
    }
    if (kind == RACE_IF_MATCH) {
        long now = current_version(curl, base, "race-im");
        if (now != *if_match + 1) {
            fprintf(stderr, "races: If-Match round %d: version %ld after the round, expected %ld\n",
                    round, now, *if_match + 1);
            bad++;
        }
        *if_match = now;
    } else if (kind != RACE_COND_CREATE && kind != RACE_TX_COND_CREATE && first_id[0]) {
        long now = current_version(curl, base, first_id);
        if (now != RACE_THREADS) {
            fprintf(stderr, "races: %s round %d: %ld versions, expected %d (a write was lost)\n",
                    kind_name(kind), round, now, RACE_THREADS);
            bad++;
        }
    }
    (void)others;
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s REGIE_BINARY\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char dir[4096], db[4200], log[4200], err[512];
    if (proc_tmpdir("races", dir, sizeof dir) != 0) return 1;
    snprintf(db, sizeof db, "%s/regie.db", dir);
    snprintf(log, sizeof log, "%s/server.log", dir);
    struct regie_proc p;
    if (proc_start(&p, argv[1], db, NULL, 0, log, 60, err, sizeof err) != 0) {
        fprintf(stderr, "races: server did not start: %s\n", err);
        proc_dump_log(&p, 4000);
        proc_rmtree(dir);
        return 1;
    }
    CURL *curl = curl_easy_init();
    struct client_resp seed;
    client_resp_init(&seed);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    char url[512];
    snprintf(url, sizeof url, "%s/Patient/race-im", p.base);
    const char *first = "{\"resourceType\":\"Patient\",\"id\":\"race-im\"}";
    int bad =
        client_request(curl, "PUT", url, h, first, strlen(first), RACE_TIMEOUT_S, &seed) != 0 ||
        seed.status != 201;
    curl_slist_free_all(h);
    client_resp_free(&seed);
    long if_match = 1;

    pthread_barrier_t start, done;
    pthread_barrier_init(&start, NULL, RACE_THREADS + 1);
    pthread_barrier_init(&done, NULL, RACE_THREADS + 1);
    struct racer rs[RACE_THREADS];
    for (int i = 0; i < RACE_THREADS; i++) {
        rs[i] = (struct racer){.idx = i, .base = p.base, .start = &start, .done = &done};
        rs[i].curl = curl_easy_init();
        client_resp_init(&rs[i].resp);
        pthread_create(&rs[i].th, NULL, racer_main, &rs[i]);
    }
    int rounds = 0;
    for (int k = RACE_IF_MATCH; k <= RACE_TX_COND_CREATE && !bad; k++) {
        for (int round = 1; round <= RACE_ROUNDS; round++) {
            for (int i = 0; i < RACE_THREADS; i++) {
                rs[i].kind = (enum race_kind)k;
                rs[i].round = round;
                rs[i].if_match = if_match;
            }
            pthread_barrier_wait(&start);
            pthread_barrier_wait(&done);
            bad += check_round(rs, (enum race_kind)k, round, curl, p.base, &if_match);
            rounds++;
        }
    }
    for (int i = 0; i < RACE_THREADS; i++) rs[i].quit = 1;
    pthread_barrier_wait(&start);
    for (int i = 0; i < RACE_THREADS; i++) {
        pthread_join(rs[i].th, NULL);
        client_resp_free(&rs[i].resp);
        curl_easy_cleanup(rs[i].curl);
    }
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&done);
    curl_easy_cleanup(curl);
    int status = proc_stop(&p, 30);
    if (status != 0) {
        fprintf(stderr, "races: server exit status %d after SIGTERM, expected 0\n", status);
        bad++;
    }
    if (bad) proc_dump_log(&p, 4000);
    printf("races: %d rounds of %d clients, %d problems -> %s\n", rounds, RACE_THREADS, bad,
           bad ? "FAIL" : "ok");
    curl_global_cleanup();
    proc_rmtree(dir);
    return bad ? 1 : 0;
}
