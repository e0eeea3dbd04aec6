/* Server start and stop. regie binds the listening socket itself so a bind failure comes back with
 * the address and errno text, then hands it to libmicrohttpd, which runs a pool of epoll threads
 * (with TLS by GnuTLS when a certificate is configured; see docs/tls.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/internal.h"
#include "util/log.h"

/* Room the connection memory pool needs beyond the request headers: MHD builds the response
 * header and keeps its bookkeeping there. */
#define HTTP_POOL_EXTRA (16u << 10)
#define HTTP_BACKLOG    1024

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    /* MHD reports mostly peer trouble (resets, malformed requests): not worth a warning each. */
    log_debug("libmicrohttpd: %s", msg);
}

/* Identity: the dispatcher decodes the raw target itself, per path segment and per parameter. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

static int open_listener(const char *host, uint16_t port, bool *v6, char *err, size_t err_len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    const char *h = host && *host ? host : "127.0.0.1";
    if (!strcmp(h, "localhost")) h = "127.0.0.1";
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        sl = sizeof *a4;
        *v6 = false;
    } else if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        sl = sizeof *a6;
        *v6 = true;
    } else {
        snprintf(err, err_len, "cannot listen on '%s': not a numeric IPv4 or IPv6 address", h);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, err_len, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    /* Restarting while old connections sit in TIME_WAIT must not fail; SO_REUSEPORT is not set,
     * so a second server on the same port still fails. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (*v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    bool brackets = *v6;
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
        int e = errno;
        snprintf(err, err_len, "cannot listen on %s%s%s:%u: %s%s", brackets ? "[" : "", h,
                 brackets ? "]" : "", (unsigned)port, strerror(e),
                 e == EADDRINUSE      ? " (another process uses this port)"
                 : e == EACCES        ? " (ports below 1024 need privileges)"
                 : e == EADDRNOTAVAIL ? " (no local interface has this address)"
                                      : "");
        close(fd);
        return -1;
    }
    if (listen(fd, HTTP_BACKLOG) != 0) {
        snprintf(err, err_len, "cannot listen on %s:%u: %s", h, (unsigned)port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Frees the server's own memory (the daemon is stopped or was never started). */
static void server_free(struct http_server *srv)
{
    http_router_free(srv->router);
    sem_destroy(&srv->large_slots);
    free(srv->tls_cert);
    if (srv->tls_key) explicit_bzero(srv->tls_key, strlen(srv->tls_key)); /* no key in free heap */
    free(srv->tls_key);
    free(srv->tls_client_ca);
    free(srv->tls_priorities);
    free(srv);
}

/* Copies the TLS settings MHD reads from; they live as long as the server. */
static int tls_copy(struct http_server *srv, const struct http_tls *tls, char *err, size_t err_len)
{
    if (!tls->cert_pem) return 0;
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        snprintf(err, err_len, "this libmicrohttpd was built without TLS");
        return -1;
    }
    if (http_tls_check_config(tls, err, err_len) != 0) return -1;
    srv->tls_cert = strdup(tls->cert_pem);
    srv->tls_key = strdup(tls->key_pem);
    srv->tls_priorities = strdup(tls->priorities ? tls->priorities : HTTP_TLS_PRIORITIES);
    srv->tls_client_ca = tls->client_ca_pem ? strdup(tls->client_ca_pem) : NULL;
    if (!srv->tls_cert || !srv->tls_key || !srv->tls_priorities ||
        (tls->client_ca_pem && !srv->tls_client_ca)) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    srv->tls = true;
    srv->client_ca = srv->tls_client_ca != NULL;
    return 0;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

struct http_server *http_server_start(const struct http_server_config *cfg, char *err,
                                      size_t err_len)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    srv->app = cfg->app;
    srv->limits = cfg->limits;
    srv->host_allowed = cfg->host_allowed;
    srv->host_allowed_ctx = cfg->host_allowed_ctx;
    srv->authenticate = cfg->authenticate;
    srv->authenticate_ctx = cfg->authenticate_ctx;
    struct http_limits *l = &srv->limits;
    if (l->body_max == 0 || l->json_depth <= 0 || l->threads == 0 || l->header_max == 0) {
        struct http_limits d;
        http_limits_defaults(&d);
        if (l->body_max == 0) l->body_max = d.body_max;
        if (l->json_depth <= 0) l->json_depth = d.json_depth;
        if (l->threads == 0) l->threads = d.threads;
        if (l->header_max == 0) l->header_max = d.header_max;
    }
    if (l->large_body == 0 || l->large_max == 0) {
        struct http_limits d;
        http_limits_defaults(&d);
        if (l->large_body == 0) l->large_body = d.large_body;
        if (l->large_max == 0) l->large_max = d.large_max;
    }
    if (sem_init(&srv->large_slots, 0, l->large_max) != 0) {
        snprintf(err, err_len, "cannot create the large-request gate");
        free(srv);
        return NULL;
    }
    srv->router = http_router_new(cfg->routes, cfg->nroutes, err, err_len);
    if (!srv->router || tls_copy(srv, &cfg->tls, err, err_len) != 0) {
        server_free(srv);
        return NULL;
    }
    bool v6 = false;
    int fd = open_listener(cfg->host, cfg->port, &v6, err, err_len);
    if (fd < 0) {
        server_free(srv);
        return NULL;
    }
    srv->port = bound_port(fd);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC | (v6 ? MHD_USE_IPv6 : 0) | (srv->tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem ops[20] = {
        {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)http_dispatch_uri, srv},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)http_dispatch_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_dispatch_connection, srv},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, l->conn_max ? l->conn_max : 512, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->conn_per_ip_max, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, l->idle_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(l->header_max + HTTP_POOL_EXTRA), NULL},
    };
    size_t nops = 10;
    if (l->threads > 1)
        ops[nops++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, l->threads, NULL};
    if (srv->tls) {
        ops[nops++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
        ops[nops++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
        ops[nops++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, srv->tls_priorities};
        /* With trust anchors MHD asks every client for a certificate (optional in the
         * handshake); the dispatcher decides per route whether it must verify. */
        if (srv->tls_client_ca)
            ops[nops++] =
                (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->tls_client_ca};
    }
    ops[nops] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, http_dispatch_access, srv,
                                   MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, err_len,
                 "cannot start the HTTP server on port %u (libmicrohttpd refused "
                 "the configuration; see the debug log)",
                 (unsigned)srv->port);
        close(fd);
        server_free(srv);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info && info->port) srv->port = info->port;
    return srv;
}

uint16_t http_server_port(const struct http_server *srv)
{
    return srv ? srv->port : 0;
}

bool http_server_tls(const struct http_server *srv)
{
    return srv && srv->tls;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv) return;
    /* Closes the listening socket too (MHD owns it once handed over). */
    MHD_stop_daemon(srv->daemon);
    server_free(srv);
}
