/* Fuzzes what a DVA answers the PGO's back channel: the token endpoint's answer and a share's
 * batch-response. The first byte picks the reader and the HTTP status; the rest is the body.
 * Any bytes are read or refused, never a crash; what is accepted keeps the readers' promises (a
 * Bearer token of b64token characters; one entry per Observation, ok + failed adding up). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgo/backchannel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long STATUSES[] = {200, 200, 200, 201, 302, 400, 401, 500};

static void token(long status, const char *body, size_t len)
{
    struct pgo_token t;
    struct pgo_fail f;
    int rc = pgo_token_parse(status, body, len, &t, &f);
    if (rc == 0) {
        if (status != 200 || !t.access_token || !*t.access_token || !t.token_type ||
            strcmp(t.token_type, "Bearer") != 0 || t.expires_in < -1)
            abort();
        if (strspn(t.access_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-._~+/=") != strlen(t.access_token))
            abort();
    } else {
        if (t.access_token || f.kind == PGO_FAIL_NONE) abort();
        if (memchr(f.message, '\n', strlen(f.message))) abort(); /* printable for logs */
    }
    pgo_token_free(&t);
}

static void batch_response(long status, size_t nobs, const char *body, size_t len)
{
    struct pgo_share_result r;
    struct pgo_fail f;
    int rc = pgo_share_response_parse(status, body, len, nobs, &r, &f);
    if (rc == 0) {
        if (status != 200 || r.nentries != nobs || r.ok + r.failed != nobs) abort();
        for (size_t i = 0; i < r.nentries; i++) {
            long s = r.entries[i].status;
            bool good = s >= 200 && s <= 299;
            if (s < 0 || s > 999 || good == (r.entries[i].error != NULL)) abort();
        }
    } else if (f.kind == PGO_FAIL_NONE) {
        abort();
    }
    pgo_share_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t sel = data[0];
    long status = STATUSES[(sel >> 1) & 7];
    /* A NUL-terminated copy: the readers take a length, but a stray read past it shows up here. */
    char *body = malloc(size);
    if (!body) return 0;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    if (sel & 1)
        batch_response(status, (size_t)(sel >> 4), body, size - 1);
    else
        token(status, body, size - 1);
    free(body);
    return 0;
}
