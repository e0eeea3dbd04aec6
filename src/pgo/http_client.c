/* libcurl for the MedMij back channel. Everything that decides whom the PGO talks to and what it
 * accepts is set here, once, on every request: protocols, TLS floor and suites, client
 * certificate, trust anchors, no redirects, time and size bounds. */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "pgo/http_client.h"

/* TLS 1.2 suites for OpenSSL: ECDHE with AEAD only, the NCSC "good" set regie's listener offers
 * too (docs/tls.md). TLS 1.3 suites are all AEAD and stay at OpenSSL's default. */
#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                                   \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"

/* Key exchange groups, the NCSC "good" ones regie's listener offers (docs/tls.md). */
#define TLS_GROUPS "X25519:P-256:X448:P-384"

struct pgo_http_client {
    CURL *curl;
    struct pgo_call_opts opts;
    size_t max_body;
    long timeout_s;
    long connect_timeout_s;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int pgo_fail_set(struct pgo_fail *f, enum pgo_fail_kind kind, const char *fmt, ...)
{
    if (!f) return -1;
    f->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    return -1;
}

bool pgo_http_url_allowed(const char *url, bool allow_plain_loopback)
{
    if (!url) return false;
    CURLU *u = curl_url();
    if (!u) return false;
    bool ok = false;
    char *scheme = NULL, *host = NULL, *user = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) goto out;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) goto out;
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) goto out;
    /* The scheme as written must match too: curl lower-cases it, and guesses one for "host/x". */
    if (!strcmp(scheme, "https") && !strncasecmp(url, "https://", 8)) {
        ok = true;
    } else if (allow_plain_loopback && !strcmp(scheme, "http") && !strncasecmp(url, "http://", 7)) {
        char bare[256];
        size_t n = strlen(host);
        if (host[0] == '[' && n >= 2 && n - 2 < sizeof bare) { /* IPv6 literal */
            memcpy(bare, host + 1, n - 2);
            bare[n - 2] = '\0';
        } else {
            snprintf(bare, sizeof bare, "%s", host);
        }
        ok = http_host_is_loopback(bare);
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return ok;
}

struct pgo_http_client *pgo_http_open(const struct pgo_call_opts *opts, size_t max_body_default,
                                      long timeout_default_s, struct pgo_fail *f)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) {
        pgo_fail_set(f, PGO_FAIL_TRANSPORT, "libcurl does not start");
        return NULL;
    }
    struct pgo_http_client *c = calloc(1, sizeof *c);
    if (!c || !(c->curl = curl_easy_init())) {
        free(c);
        pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
        return NULL;
    }
    if (opts) c->opts = *opts;
    c->max_body = c->opts.max_body ? c->opts.max_body : max_body_default;
    c->timeout_s = c->opts.timeout_s > 0 ? c->opts.timeout_s : timeout_default_s;
    c->connect_timeout_s =
        c->opts.connect_timeout_s > 0 ? c->opts.connect_timeout_s : PGO_CONNECT_TIMEOUT_S;
    if (c->connect_timeout_s > c->timeout_s) c->connect_timeout_s = c->timeout_s;
    return c;
}

void pgo_http_close(struct pgo_http_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c);
}

struct sink {
    struct pgo_http_response *rs;
    size_t max_body;
    bool too_big;
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct sink *s = ctx;
    size_t n = size * nmemb;
    if (s->rs->body.len + n > s->max_body || buf_append(&s->rs->body, p, n) != 0) {
        s->too_big = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    return n;
}

/* Copies a header's value (blanks trimmed) when line is "name: value"; false otherwise. */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return false;
    const char *v = line + nl + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && isspace((unsigned char)end[-1])) end--;
    size_t vl = (size_t)(end - v);
    if (vl >= cap) vl = 0; /* too long: treated as absent rather than cut */
    memcpy(out, v, vl);
    out[vl] = '\0';
    return true;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct pgo_http_response *rs = ctx;
    size_t n = size * nmemb;
    if (n >= 5 &&
        !strncmp(p, "HTTP/", 5)) { /* a new status line (after 100 Continue): start over */
        rs->content_type[0] = '\0';
        rs->location[0] = '\0';
    } else if (!header_value(p, n, "Content-Type", rs->content_type, sizeof rs->content_type)) {
        header_value(p, n, "Location", rs->location, sizeof rs->location);
    }
    return n;
}

static bool is_openssl(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    return v && v->ssl_version && !strncmp(v->ssl_version, "OpenSSL", 7);
}

/* RFC 6750 2.1 b64token: the only characters a bearer token may have on the wire. */
static bool b64token(const char *s)
{
    size_t i = 0;
    while (isalnum((unsigned char)s[i]) || (s[i] && strchr("-._~+/", s[i]))) i++;
    if (i == 0) return false;
    while (s[i] == '=') i++;
    return s[i] == '\0';
}

static int add_header(struct curl_slist **h, const char *name, const char *value)
{
    char line[4096];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof line || strpbrk(value, "\r\n")) return -1;
    struct curl_slist *next = curl_slist_append(*h, line);
    if (!next) return -1;
    *h = next;
    return 0;
}

static void setup_tls(struct pgo_http_client *c)
{
    CURL *h = c->curl;
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (is_openssl()) {
        curl_easy_setopt(h, CURLOPT_SSL_CIPHER_LIST, TLS12_CIPHERS);
        curl_easy_setopt(h, CURLOPT_SSL_EC_CURVES, TLS_GROUPS);
    }
    const struct pgo_peer_tls *t = &c->opts.tls;
    if (t->peer_ca) curl_easy_setopt(h, CURLOPT_CAINFO, t->peer_ca);
    if (t->client_cert) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, t->client_cert);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (t->client_key) {
        curl_easy_setopt(h, CURLOPT_SSLKEY, t->client_key);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

/* Frees a header list, wiping it first: one of its lines carries the bearer token. */
static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *l = h; l; l = l->next) explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(h);
}

static struct curl_slist *build_headers(const struct pgo_http_client *c,
                                        const struct pgo_http_request *rq, const char *request_id,
                                        struct pgo_fail *f)
{
    struct curl_slist *h = NULL;
    char corr[UUID_STR_LEN];
    const char *correlation = c->opts.correlation_id;
    if (!correlation || !*correlation) {
        if (uuid_v4(corr) != 0) {
            pgo_fail_set(f, PGO_FAIL_TRANSPORT, "no random source");
            return NULL;
        }
        correlation = corr;
    }
    int rc = add_header(&h, "MedMij-Request-ID", request_id);
    rc |= add_header(&h, "X-Correlation-ID", correlation);
    if (rq->accept) rc |= add_header(&h, "Accept", rq->accept);
    if (rq->content_type) rc |= add_header(&h, "Content-Type", rq->content_type);
    if (rq->prefer) rc |= add_header(&h, "Prefer", rq->prefer);
    if (rq->bearer) {
        char auth[4096];
        int n = snprintf(auth, sizeof auth, "Bearer %s", rq->bearer);
        if (!b64token(rq->bearer) || n < 0 || (size_t)n >= sizeof auth)
            rc = -1;
        else
            rc |= add_header(&h, "Authorization", auth);
        explicit_bzero(auth, sizeof auth);
    }
    /* No "Expect: 100-continue" round trip: the DVA answers the whole request at once. */
    rc |= add_header(&h, "Expect", "");
    if (rc != 0) {
        free_headers(h);
        pgo_fail_set(f, PGO_FAIL_ARGS, "a header value is not allowed");
        return NULL;
    }
    return h;
}

int pgo_http_call(struct pgo_http_client *c, const struct pgo_http_request *rq,
                  struct pgo_http_response *rs, struct pgo_fail *f)
{
    memset(rs, 0, sizeof *rs);
    buf_init(&rs->body, c->max_body + 1);
    if (!rq->url || !pgo_http_url_allowed(rq->url, c->opts.allow_plain_loopback))
        return pgo_fail_set(f, PGO_FAIL_ARGS, "%s URL refused on the back channel",
                            c->opts.allow_plain_loopback ? "not an https or loopback http"
                                                         : "not an https");
    if (uuid_v4(rs->request_id) != 0)
        return pgo_fail_set(f, PGO_FAIL_TRANSPORT, "no random source");
    if (f) snprintf(f->request_id, sizeof f->request_id, "%s", rs->request_id);
    struct curl_slist *headers = build_headers(c, rq, rs->request_id, f);
    if (!headers) return -1;

    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache, drops the previous request's options */
    char curl_err[CURL_ERROR_SIZE] = "";
    struct sink sink = {rs, c->max_body, false};
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
                     c->opts.allow_plain_loopback ? "https,http" : "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, rs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "regie-pgo");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* what libcurl can decode */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    setup_tls(c);
    if (!strcmp(rq->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
    } else if (strcmp(rq->method, "GET") != 0) {
        free_headers(headers);
        return pgo_fail_set(f, PGO_FAIL_ARGS, "method %s not used on the back channel", rq->method);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rs->status);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    free_headers(headers);
    if (sink.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        buf_free(&rs->body);
        return pgo_fail_set(f, PGO_FAIL_TOO_BIG, "the answer is larger than %zu bytes",
                            c->max_body);
    }
    if (rc != CURLE_OK) {
        rs->status = 0;
        return pgo_fail_set(f, PGO_FAIL_TRANSPORT, "%s",
                            curl_err[0] ? curl_err : curl_easy_strerror(rc));
    }
    if (f) f->http_status = rs->status;
    if (rs->body.overflowed) return pgo_fail_set(f, PGO_FAIL_MEMORY, "out of memory");
    return 0;
}

void pgo_http_response_free(struct pgo_http_response *rs)
{
    if (rs) buf_free(&rs->body);
}
