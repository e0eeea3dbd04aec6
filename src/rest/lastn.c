/* GET Observation/$lastn: the newest max Observations (default 1) of each patient and code,
 * among those the usual search parameters select (patient, subject, category, code, date ...).
 * The store keeps the first max rows per patient and code of a date-descending order
 * (q.per_param). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/search_run.h"

#define LASTN_MAX_MAX 1000

void rest_h_lastn(struct http_request *req, struct http_reply *rep)
{
    const struct rest_access *a = rest_access_of(req);
    if (a && !rest_access_search_ok(a, rep, "Observation", req->params, req->nparams)) return;
    /* max is the operation's own parameter: the search parser must not see it. */
    struct http_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    long long max = 1;
    for (size_t i = 0; i < req->nparams && n < HTTP_MAX_PARAMS; i++) {
        const char *name = req->params[i].name;
        if (strcmp(name, "max") != 0) {
            params[n++] = req->params[i];
            continue;
        }
        const char *v = req->params[i].value;
        char *end;
        errno = 0;
        max = strtoll(v, &end, 10);
        if (errno || *end || end == v || v[0] < '0' || v[0] > '9' || max < 1 ||
            max > LASTN_MAX_MAX) {
            http_reply_error(rep, RG_E_BAD_PARAM, "max must be an integer from 1 to %d",
                             LASTN_MAX_MAX);
            return;
        }
    }
    char extra[32];
    snprintf(extra, sizeof extra, "max=%lld", max);
    struct search_links links = {.path = "Observation/$lastn", .extra_query = extra};
    struct search *s = search_parse_request(req, rep, "Observation", params, n, &links);
    if (!s) return;
    s->q.type = "Observation";
    if (a) s->q.compartment = a->patient_id; /* the token's patient, as every search under it */
    s->q.per_param = "code";
    s->q.per_max = (size_t)max;
    /* Newest first within each code; the store breaks ties by seq. */
    s->q.sort[0] = (struct store_sort){.param = "date", .ix_kind = STORE_IX_DATE, .desc = true};
    s->q.nsort = 1;
    search_answer(req, rep, s, &links, false);
    free(s);
}
