/* Internal to src/http: the server and the per-connection state shared by server.c, dispatch.c
 * and request.c. */
#ifndef REGIE_HTTP_INTERNAL_H
#define REGIE_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <semaphore.h>
#include <stdint.h>

#include "http/http.h"
#include "http/negotiate.h"
#include "http/query.h"
#include "http/route.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_router *router;
    void *app;
    struct http_limits limits;
    uint16_t port;
    sem_t large_slots; /* limits.large_max permits for requests with a large body */
    bool tls;
    bool client_ca; /* client certificates are asked for in the handshake */
    char *tls_cert, *tls_key, *tls_client_ca, *tls_priorities; /* copies MHD reads from */
    bool (*host_allowed)(void *ctx, const char *host);
    void *host_allowed_ctx;
    int (*authenticate)(void *ctx, struct http_request *req, struct http_reply *rep);
    void *authenticate_ctx;
};

/* What the TLS peer proved about itself; checked once per connection (a connection's peer
 * certificate cannot change: renegotiation is refused). */
enum http_peer_state {
    HTTP_PEER_UNCHECKED = 0,
    HTTP_PEER_NONE, /* no TLS, or no client certificate presented */
    HTTP_PEER_BAD,  /* presented but not verified (why says how) */
    HTTP_PEER_OK    /* verified; host is its name */
};

struct http_peer {
    enum http_peer_state state;
    char host[HTTP_CLIENT_HOST_MAX];
    char why[200];
};

enum http_stage {
    HTTP_STAGE_IDLE = 0, /* between requests */
    HTTP_STAGE_NEW,      /* request line seen, handler not called yet */
    HTTP_STAGE_BODY,     /* reading the upload */
    HTTP_STAGE_DONE      /* a reply is queued */
};

/* One per connection, reused by each request on it, so a keep-alive connection serves requests
 * without allocating its working memory again. */
struct http_conn {
    struct http_server *srv;
    struct MHD_Connection *mhd;
    enum http_stage stage;
    struct buf target; /* the request target as received; '?' replaced by NUL */
    size_t path_len;
    const char *query; /* after the '?', NULL when there is none */
    size_t query_len;
    struct http_path path;
    struct http_match match;
    struct http_params params;
    struct buf body;
    size_t body_limit;
    uint64_t discarded; /* upload bytes dropped after the limit was passed */
    enum rg_err early;  /* a failure found before the handler could run (RG_OK: none) */
    char why[256];      /* its detail */
    enum http_fmt fmt;
    struct http_request req;
    struct http_reply rep;
    struct http_peer peer;
};

/* tls.c: verifies the connection's client certificate against the server's client trust anchors
 * for client authentication and names its host. */
void http_tls_check_peer(struct MHD_Connection *mhd, struct http_peer *out);
/* tls.c: the host a DER certificate names: its first subjectAltName dNSName, else its subject CN;
 * lower-cased, DNS characters only. False (host empty) when it names none or is not a
 * certificate. */
bool http_tls_cert_host(const unsigned char *der, size_t len, char host[HTTP_CLIENT_HOST_MAX]);
/* tls.c: checks a TLS configuration with GnuTLS before MHD gets it, so a bad file or priority
 * string is reported by name instead of as a refused daemon. Returns 0, or -1 with err. */
int http_tls_check_config(const struct http_tls *tls, char *err, size_t err_len);

/* dispatch.c: the MHD callbacks. */
enum MHD_Result http_dispatch_access(void *cls, struct MHD_Connection *connection, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls);
void *http_dispatch_uri(void *cls, const char *uri, struct MHD_Connection *con);
void http_dispatch_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe);
void http_dispatch_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe);

#endif
