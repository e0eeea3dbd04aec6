/* The PGO's HTTP client for the MedMij back channel, over libcurl: https only (plain http only to
 * a loopback host when the caller allows it), TLS 1.2 or 1.3 with the NCSC "good" suites, the
 * PGO's client certificate (mutual TLS), the DVA's trust anchors, no redirects, time and size
 * bounds, and the MedMij headers on every request. One client keeps one libcurl handle, so the
 * requests of a collection reuse one TLS connection. Not thread-safe: one client per thread. */
#ifndef REGIE_PGO_HTTP_CLIENT_H
#define REGIE_PGO_HTTP_CLIENT_H

#include <stddef.h>

#include "pgo/backchannel.h"
#include "util/buf.h"

#define PGO_HTTP_LOCATION_MAX 2048

struct pgo_http_request {
    const char *method;       /* "GET" or "POST" */
    const char *url;          /* absolute; checked by pgo_http_url_allowed */
    const char *accept;       /* Accept header; NULL: none */
    const char *content_type; /* for a body */
    const char *body;         /* POST body; NULL: empty */
    size_t body_len;
    const char *bearer; /* access token for Authorization: Bearer; NULL: none */
    const char *prefer; /* Prefer header; NULL: none */
};

struct pgo_http_response {
    long status;     /* 0 until an answer was read */
    struct buf body; /* capped at the client's max_body */
    char content_type[128];
    char location[PGO_HTTP_LOCATION_MAX]; /* Location header ("" when absent or too long) */
    char request_id[UUID_STR_LEN];        /* the MedMij-Request-ID this request carried */
};

struct pgo_http_client;

/* A client with opts (copied; the strings must outlive the client). max_body_default and
 * timeout_default_s apply where opts has 0. NULL with f when libcurl cannot start. */
struct pgo_http_client *pgo_http_open(const struct pgo_call_opts *opts, size_t max_body_default,
                                      long timeout_default_s, struct pgo_fail *f);
void pgo_http_close(struct pgo_http_client *c);

/* Sends one request and reads the whole answer into rs (rs is initialised here; free its body
 * with pgo_http_response_free, also after -1). Returns 0 when an HTTP answer was read (any
 * status), -1 with f (ARGS, TRANSPORT, TOO_BIG, MEMORY) otherwise. Adds MedMij-Request-ID (a new
 * uuid, also copied to rs->request_id and f->request_id), X-Correlation-ID, User-Agent and, with
 * a bearer, Authorization. The bearer token is never logged or put in f. */
int pgo_http_call(struct pgo_http_client *c, const struct pgo_http_request *rq,
                  struct pgo_http_response *rs, struct pgo_fail *f);
void pgo_http_response_free(struct pgo_http_response *rs);

/* Whether url may be called: "https://" with a host, or "http://" to a loopback host when
 * allow_plain_loopback. No user info ("user@host") is allowed. */
bool pgo_http_url_allowed(const char *url, bool allow_plain_loopback);

/* Sets f (kind, message from fmt) and returns -1, so callers can `return pgo_fail_set(...)`. */
__attribute__((format(printf, 3, 4))) int pgo_fail_set(struct pgo_fail *f, enum pgo_fail_kind kind,
                                                       const char *fmt, ...);

#endif
