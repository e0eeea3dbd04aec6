/* The authorization request URL (MedMij's OAuth profile plus PKCE S256): the browser carries it to
 * the DVA, so every value is percent-encoded and nothing else is added. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgo/backchannel_internal.h"

#define URL_MAX 8192

static bool given(const char *s)
{
    return s && *s;
}

static int param(struct buf *b, bool *first, const char *name, const char *value)
{
    int rc = buf_append_char(b, *first ? '?' : '&');
    *first = false;
    rc |= buf_append_str(b, name);
    rc |= buf_append_char(b, '=');
    rc |= pgo_pct_encode(b, value);
    return rc;
}

char *pgo_authorize_url(const struct pgo_authorize_params *p)
{
    if (!p || !given(p->authorization_endpoint) || !given(p->client_id) ||
        !given(p->redirect_uri) || !given(p->scope) || !given(p->state) ||
        !given(p->correlation_id))
        return NULL;
    const char *ep = p->authorization_endpoint;
    if (strncasecmp(ep, "https://", 8) != 0 && strncasecmp(ep, "http://", 7) != 0) return NULL;
    if (strchr(ep, '#') || strpbrk(ep, " \t\r\n")) return NULL;
    char rid[UUID_STR_LEN];
    const char *request_id = p->request_id;
    if (!given(request_id)) {
        if (uuid_v4(rid) != 0) return NULL;
        request_id = rid;
    }
    struct buf b;
    buf_init(&b, URL_MAX);
    size_t ep_len = strlen(ep);
    bool first = strchr(ep, '?') == NULL;
    if (ep[ep_len - 1] == '?') { /* "...?" with an empty query: our '?' replaces it */
        first = true;
        ep_len--;
    }
    int rc = buf_append(&b, ep, ep_len);
    rc |= param(&b, &first, "response_type", "code");
    rc |= param(&b, &first, "client_id", p->client_id);
    rc |= param(&b, &first, "redirect_uri", p->redirect_uri);
    rc |= param(&b, &first, "scope", p->scope);
    rc |= param(&b, &first, "state", p->state);
    if (given(p->code_challenge)) {
        rc |= param(&b, &first, "code_challenge", p->code_challenge);
        rc |= param(&b, &first, "code_challenge_method", "S256");
    }
    rc |= param(&b, &first, "MedMij-Request-ID", request_id);
    rc |= param(&b, &first, "X-Correlation-ID", p->correlation_id);
    if (rc != 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_steal(&b, NULL);
}
