/* The access handler: a small state machine per request. The request line arrives first (URI
 * callback: keep the raw target), then the headers (first access call: route, limits), then the
 * upload in chunks (kept within the route's limit), then the final call: parse the query,
 * negotiate, parse the body, call the handler and queue its reply. */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/internal.h"
#include "json/jsonx.h"
#include "util/log.h"

/* Reply bodies (a search page, an export) may be large but not unbounded. */
#define HTTP_REPLY_MAX (1024u << 20)
/* After the body limit is passed the rest of the upload is read and dropped so the client gets
 * its 413; a client that keeps sending far beyond that is cut off. */
#define HTTP_DISCARD_MAX (64u << 20)
/* Working memory kept per connection between requests; larger buffers are freed. */
#define HTTP_BODY_KEEP (64u << 10)

/* ---------------------------------------------------------------------------------------------
 * Connection and request lifecycle */

static void conn_init(struct http_conn *c, struct http_server *srv, struct MHD_Connection *mhd)
{
    memset(c, 0, sizeof *c);
    c->srv = srv;
    c->mhd = mhd;
    /* The request target may not use more than the whole header budget on its own. */
    buf_init(&c->target, srv->limits.header_max);
    buf_init(&c->body, srv->limits.body_max);
    buf_init(&c->rep.body, HTTP_REPLY_MAX);
    http_path_init(&c->path);
    http_params_init(&c->params);
}

/* Frees what the request owns and trims the working memory; idempotent. */
static void request_end(struct http_conn *c)
{
    if (c->req.json) {
        json_object_put(c->req.json);
        c->req.json = NULL;
    }
    buf_free(&c->rep.body);
    if (c->body.cap > HTTP_BODY_KEEP) buf_free(&c->body);
    buf_reset(&c->body);
    http_params_reset(&c->params);
    c->stage = HTTP_STAGE_IDLE;
}

static void conn_free(struct http_conn *c)
{
    request_end(c);
    buf_free(&c->target);
    buf_free(&c->body);
    http_path_free(&c->path);
    http_params_free(&c->params);
    free(c);
}

void http_dispatch_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct http_conn *c = malloc(sizeof *c);
        if (c) conn_init(c, cls, connection);
        *socket_context = c;
    } else if (*socket_context) {
        conn_free(*socket_context);
        *socket_context = NULL;
    }
}

static void request_begin(struct http_conn *c, const char *uri)
{
    request_end(c);
    c->stage = HTTP_STAGE_NEW;
    c->early = RG_OK;
    c->discarded = 0;
    c->fmt = HTTP_FMT_FHIR_JSON;
    c->query = NULL;
    c->query_len = 0;
    buf_reset(&c->target);
    if (buf_append_str(&c->target, uri) != 0) {
        c->early = RG_E_URI_TOO_LONG;
        c->path_len = 0;
        return;
    }
    char *q = memchr(c->target.data, '?', c->target.len);
    c->path_len = q ? (size_t)(q - c->target.data) : c->target.len;
    if (q) {
        *q = '\0';
        c->query = q + 1;
        c->query_len = c->target.len - c->path_len - 1;
    }
    /* A fragment is never sent by a correct client; ignore it rather than treat it as data. */
    char *frag = memchr(c->target.data, '#', c->path_len);
    if (frag) {
        *frag = '\0';
        c->path_len = (size_t)(frag - c->target.data);
    }
}

/* MHD calls this with the raw request target before it parses it; what we return becomes the
 * request's *con_cls. */
void *http_dispatch_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct http_conn *c = ci ? ci->socket_context : NULL;
    if (!c) return NULL;
    request_begin(c, uri ? uri : "");
    return c;
}

void http_dispatch_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    struct http_conn *c = *con_cls;
    if (c) request_end(c);
    *con_cls = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Replies */

/* The raw path for the log, with control and non-ASCII bytes masked (log lines stay one line). */
static void log_path(const struct http_conn *c, char *out, size_t n)
{
    size_t len = c->path_len < n - 1 ? c->path_len : n - 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)c->target.data[i];
        out[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    out[len] = '\0';
}

static enum MHD_Result queue_reply(struct http_conn *c, const char *method)
{
    struct http_reply *rep = &c->rep;
    c->stage = HTTP_STAGE_DONE;
    size_t len = 0;
    char *data = buf_steal(&rep->body, &len);
    struct MHD_Response *r;
    if (len) {
        r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    } else {
        free(data);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        if (len) free(data);
        log_bug("cannot create an HTTP response");
        return MHD_NO;
    }
    if (len) {
        const char *ct = rep->content_type ? rep->content_type : http_fmt_mime(c->fmt);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct);
    }
    for (size_t i = 0; i < rep->nheaders; i++)
        MHD_add_response_header(r, rep->headers[i].name, rep->headers[i].value);
    enum MHD_Result ok = MHD_queue_response(c->mhd, (unsigned)rep->status, r);
    MHD_destroy_response(r);
    if (rep->status >= 400 && rep->status < 500) {
        char path[160];
        log_path(c, path, sizeof path);
        log_client("%s %s -> %d %s", method, path, rep->status,
                   rep->code != RG_OK ? rg_err_name(rep->code) : "-");
    }
    return ok;
}

static void reply_reset(struct http_conn *c)
{
    struct http_reply *rep = &c->rep;
    rep->status = 0;
    rep->content_type = NULL;
    buf_free(&rep->body);
    buf_init(&rep->body, HTTP_REPLY_MAX);
    rep->nheaders = 0;
    rep->pretty = c->req.pretty;
    rep->code = RG_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Before the body: route and limits */

static size_t content_length(struct MHD_Connection *mhd, bool *present)
{
    const char *v =
        MHD_lookup_connection_value(mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    *present = v != NULL;
    if (!v) return 0;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-') return SIZE_MAX;
    return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

static bool upload_expected(struct MHD_Connection *mhd)
{
    bool has_len;
    size_t n = content_length(mhd, &has_len);
    if (has_len) return n > 0;
    return MHD_lookup_connection_value(mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) !=
           NULL;
}

static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    size_t *total = cls;
    *total += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

/* A route with client_cert: the connection's peer must have a verified certificate whose host the
 * server accepts. The peer is checked once per connection; the host on every request, since the
 * list behind host_allowed may change. */
static bool client_cert_allowed(struct http_conn *c, char *why, size_t why_len)
{
    const struct http_server *srv = c->srv;
    switch (c->peer.state) {
    case HTTP_PEER_UNCHECKED:
    case HTTP_PEER_NONE:
        snprintf(why, why_len, "%s",
                 !srv->tls ? "this endpoint needs mutual TLS; the server listens without TLS"
                 : !srv->client_ca
                     ? "this endpoint needs a client certificate; the server has no "
                       "client CA configured"
                     : "this endpoint needs a client certificate; none was presented");
        return false;
    case HTTP_PEER_BAD:
        snprintf(why, why_len, "the client certificate was not accepted: %s", c->peer.why);
        return false;
    case HTTP_PEER_OK:
        break;
    }
    if (srv->host_allowed && !srv->host_allowed(srv->host_allowed_ctx, c->peer.host)) {
        snprintf(why, why_len, "the client certificate's host %.180s may not use this endpoint",
                 c->peer.host);
        return false;
    }
    return true;
}

/* Route lookup on the first call. Returns false when an error reply is due (c->early set). */
static bool start(struct http_conn *c, const char *method, char *why, size_t why_len)
{
    if (c->early != RG_OK) {
        snprintf(why, why_len, "request target too long");
        return false;
    }
    /* MHD's memory pool must hold more than the headers, so it lets somewhat more through than
     * the documented limit; the limit itself is enforced here, on what was actually received. */
    size_t header_bytes = c->target.len;
    MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, add_header_size, &header_bytes);
    if (header_bytes > c->srv->limits.header_max) {
        c->early = RG_E_HEADERS_TOO_LARGE;
        snprintf(why, why_len, "request line and headers of %zu bytes exceed the limit of %zu",
                 header_bytes, c->srv->limits.header_max);
        return false;
    }
    switch (http_path_split(&c->path, c->target.data, c->path_len)) {
    case HTTP_PATH_OK:
        break;
    case HTTP_PATH_TOO_LONG:
        c->early = RG_E_NO_ROUTE;
        snprintf(why, why_len, "no endpoint has this many path segments");
        return false;
    case HTTP_PATH_NOT_ABSOLUTE:
        c->early = RG_E_BAD_PARAM;
        snprintf(why, why_len, "request target must be an absolute path");
        return false;
    case HTTP_PATH_BAD_ESCAPE:
        c->early = RG_E_BAD_PARAM;
        snprintf(why, why_len, "path has an invalid percent escape, a NUL byte or invalid UTF-8");
        return false;
    case HTTP_PATH_NOMEM:
        c->early = RG_E_INTERNAL;
        snprintf(why, why_len, "out of memory");
        return false;
    }
    switch (http_router_match(c->srv->router, method, &c->path, &c->match)) {
    case HTTP_MATCH_OK:
        break;
    case HTTP_MATCH_NONE:
        c->early = RG_E_NO_ROUTE;
        snprintf(why, why_len, "no endpoint at this path");
        return false;
    case HTTP_MATCH_METHOD:
        c->early = RG_E_METHOD;
        snprintf(why, why_len, "%s is not allowed here; allowed: %s", method, c->match.allow);
        return false;
    }
    const struct http_route *rt = c->match.route;
    if (c->peer.state == HTTP_PEER_UNCHECKED) {
        if (c->srv->client_ca)
            http_tls_check_peer(c->mhd, &c->peer);
        else
            c->peer.state = HTTP_PEER_NONE;
    }
    if (rt->client_cert && !client_cert_allowed(c, why, why_len)) {
        c->early = RG_E_CLIENT_CERT;
        return false;
    }
    c->body_limit = rt->body_limit ? rt->body_limit : c->srv->limits.body_max;
    c->body.limit = c->body_limit;
    bool has_len;
    size_t clen = content_length(c->mhd, &has_len);
    if (has_len && clen > c->body_limit) {
        c->early = RG_E_BODY_TOO_LARGE;
        snprintf(why, why_len, "request body of %zu bytes is larger than the limit of %zu bytes",
                 clen, c->body_limit);
        return false;
    }
    return true;
}

static enum MHD_Result reply_early(struct http_conn *c, const char *method, const char *why)
{
    reply_reset(c);
    http_reply_error(&c->rep, c->early, "%s", why);
    if (c->early == RG_E_METHOD) http_reply_header(&c->rep, "Allow", c->match.allow);
    return queue_reply(c, method);
}

/* ---------------------------------------------------------------------------------------------
 * After the body: parse, negotiate, call the handler */

__attribute__((format(printf, 3, 4))) static bool fail(struct http_conn *c, enum rg_err code,
                                                       const char *fmt, ...)
{
    char detail[sizeof((struct rg_fail *)0)->detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    http_reply_error(&c->rep, code, "%s", detail);
    return false;
}

static bool parse_params(struct http_conn *c)
{
    enum http_query_rc rc = http_query_parse(&c->params, c->query, c->query_len);
    if (rc == HTTP_QUERY_OK) return true;
    if (rc == HTTP_QUERY_TOO_MANY)
        return fail(c, RG_E_TOO_MANY, "more than %d query parameters", HTTP_MAX_PARAMS);
    if (rc == HTTP_QUERY_NOMEM) return fail(c, RG_E_INTERNAL, "%s", "out of memory");
    return fail(c, RG_E_BAD_PARAM, "query string: %s", http_query_strerror(rc));
}

static bool negotiate(struct http_conn *c)
{
    const char *f = http_param(&c->req, "_format");
    if (f) {
        c->fmt = http_format_param(f);
        if (c->fmt == HTTP_FMT_NONE) {
            c->fmt = HTTP_FMT_FHIR_JSON;
            return fail(c, RG_E_NOT_ACCEPTABLE, "_format %s is not supported; use json",
                        strlen(f) < 64 ? f : "(long value)");
        }
    } else {
        const char *acc =
            MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        c->fmt = http_accept(acc);
        if (c->fmt == HTTP_FMT_NONE) {
            c->fmt = HTTP_FMT_FHIR_JSON;
            return fail(c, RG_E_NOT_ACCEPTABLE, "%s",
                        "Accept names no format this server produces; it speaks "
                        "application/fhir+json");
        }
    }
    const char *p = http_param(&c->req, "_pretty");
    c->req.pretty = p && !strcmp(p, "true");
    c->rep.pretty = c->req.pretty;
    return true;
}

static bool parse_body(struct http_conn *c)
{
    const struct http_route *rt = c->match.route;
    const char *ct =
        MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    switch (rt->body) {
    case HTTP_BODY_NONE:
        if (c->body.len)
            return fail(c, RG_E_BAD_PARAM, "%s", "this endpoint takes no request body");
        return true;
    case HTTP_BODY_RAW:
        return true;
    case HTTP_BODY_FORM:
        if (!c->body.len) return true;
        if (http_content_type(ct) != HTTP_CT_FORM)
            return fail(c, RG_E_MEDIA_TYPE, "%s",
                        "Content-Type must be application/x-www-form-urlencoded");
        enum http_query_rc rc = http_query_parse(&c->params, c->body.data, c->body.len);
        if (rc == HTTP_QUERY_TOO_MANY)
            return fail(c, RG_E_TOO_MANY, "more than %d parameters", HTTP_MAX_PARAMS);
        if (rc != HTTP_QUERY_OK)
            return fail(c, RG_E_BAD_PARAM, "form body: %s", http_query_strerror(rc));
        c->req.params = c->params.items;
        c->req.nparams = c->params.n;
        return true;
    case HTTP_BODY_JSON:
        break;
    }
    if (!c->body.len) return fail(c, RG_E_NOT_RESOURCE, "%s", "the request body is empty");
    if (http_content_type(ct) != HTTP_CT_JSON)
        return fail(c, RG_E_MEDIA_TYPE, "%s",
                    "Content-Type must be application/fhir+json (or application/json), UTF-8");
    enum jsonx_err je;
    char msg[200];
    msg[0] = '\0';
    json_object *v =
        jsonx_parse(c->body.data, c->body.len, c->srv->limits.json_depth, &je, msg, sizeof msg);
    if (!v) {
        enum rg_err code = je == JSONX_DEPTH       ? RG_E_JSON_DEPTH
                           : je == JSONX_UTF8      ? RG_E_NOT_UTF8
                           : je == JSONX_TOO_LARGE ? RG_E_BODY_TOO_LARGE
                                                   : RG_E_JSON_SYNTAX;
        return fail(c, code, "%s", msg);
    }
    if (!json_object_is_type(v, json_type_object)) {
        json_object_put(v);
        return fail(c, RG_E_NOT_RESOURCE, "%s", "the body is JSON but not an object");
    }
    c->req.json = v;
    return true;
}

/* The peer's numeric address, "" when unknown. */
static void peer_address(struct MHD_Connection *mhd, char *out, size_t cap)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

/* A route with auth: the server's hook decides; without a hook the route is misconfigured. */
static bool authenticate(struct http_conn *c)
{
    struct http_server *srv = c->srv;
    if (!srv->authenticate) {
        log_bug("route %s needs authentication but the server has no authenticate hook",
                c->match.route->pattern);
        http_reply_error(&c->rep, RG_E_INTERNAL, "%s", "authentication is not configured");
        return false;
    }
    if (srv->authenticate(srv->authenticate_ctx, &c->req, &c->rep) == 0) return true;
    if (c->rep.status == 0) {
        log_bug("the authenticate hook refused %s without a reply", c->match.route->pattern);
        http_reply_error(&c->rep, RG_E_INTERNAL, "%s", "authentication failed");
    }
    return false;
}

static enum MHD_Result finish(struct http_conn *c, const char *method)
{
    const struct http_route *rt = c->match.route;
    struct http_request *req = &c->req;
    req->method = method;
    req->path = c->path.path;
    memcpy(req->args, c->match.args, sizeof req->args);
    req->nargs = c->match.nargs;
    req->params = c->params.items;
    req->nparams = 0;
    req->body = c->body.len ? c->body.data : NULL;
    req->body_len = c->body.len;
    req->json = NULL;
    req->pretty = false;
    req->raw_query = c->query;
    req->json_depth = c->srv->limits.json_depth;
    req->app = rt->ctx ? rt->ctx : c->srv->app;
    req->priv = c;
    req->access = NULL;
    req->access_free = NULL;
    peer_address(c->mhd, req->client_addr, sizeof req->client_addr);
    req->client_cert_ok = c->peer.state == HTTP_PEER_OK;
    if (req->client_cert_ok)
        memcpy(req->client_host, c->peer.host, strlen(c->peer.host) + 1);
    else
        req->client_host[0] = '\0';
    reply_reset(c);
    /* Large bodies (big Bundles) are handled a few at a time: their parsed trees are what the
     * server's memory is made of, and the single writer would serialise them anyway. */
    bool large = c->body.len > c->srv->limits.large_body;
    if (large)
        while (sem_wait(&c->srv->large_slots) != 0) continue; /* EINTR only */
    bool ok = parse_params(c);
    req->nparams = c->params.n;
    if (ok && rt->fhir) ok = negotiate(c);
    if (ok && rt->auth) ok = authenticate(c);
    if (ok) ok = parse_body(c);
    if (ok) {
        rt->handler(req, &c->rep);
        if (c->rep.status == 0) {
            log_bug("route %s (%s %s) left no reply status", rt->name ? rt->name : "?", rt->method,
                    rt->pattern);
            c->rep.pretty = false;
            http_reply_error(&c->rep, RG_E_INTERNAL, "%s", "the endpoint produced no reply");
        }
    }
    if (req->access_free) req->access_free(req->access);
    req->access = NULL;
    req->access_free = NULL;
    if (large) {
        /* The handler is done with its input: give the memory back before the next large
         * request may start, and return freed heap to the system. */
        if (req->json) {
            json_object_put(req->json);
            req->json = NULL;
        }
        req->body = NULL;
        req->body_len = 0;
        buf_free(&c->body);
        malloc_trim(0);
        sem_post(&c->srv->large_slots);
    }
    return queue_reply(c, method);
}

/* ---------------------------------------------------------------------------------------------
 * The access handler */

enum MHD_Result http_dispatch_access(void *cls, struct MHD_Connection *connection, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    struct http_conn *c = *con_cls;
    if (!c) return MHD_NO; /* no per-connection state: out of memory at accept */
    switch (c->stage) {
    case HTTP_STAGE_NEW:
        c->stage = HTTP_STAGE_BODY;
        if (start(c, method, c->why, sizeof c->why)) return MHD_YES;
        /* Without an upload the error waits for the final call, so the connection stays usable;
         * with one, answering now makes MHD skip the upload and close after the reply. */
        if (c->early == RG_E_BODY_TOO_LARGE || upload_expected(c->mhd))
            return reply_early(c, method, c->why);
        return MHD_YES;
    case HTTP_STAGE_BODY:
        if (*upload_data_size) {
            size_t n = *upload_data_size;
            *upload_data_size = 0;
            if (c->early == RG_OK) {
                if (buf_append(&c->body, upload_data, n) == 0) return MHD_YES;
                c->early = RG_E_BODY_TOO_LARGE;
                snprintf(c->why, sizeof c->why,
                         "request body is larger than the limit of %zu bytes", c->body_limit);
            }
            c->discarded += n;
            return c->discarded > HTTP_DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        if (c->early != RG_OK) return reply_early(c, method, c->why);
        return finish(c, method);
    case HTTP_STAGE_DONE:
        /* A reply went out before the upload was read; MHD closes the connection after it. */
        *upload_data_size = 0;
        return MHD_YES;
    case HTTP_STAGE_IDLE:
        break;
    }
    return MHD_NO;
}
