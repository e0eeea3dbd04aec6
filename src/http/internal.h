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
};

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
