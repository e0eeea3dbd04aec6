/* serve --config: config -> node_open -> the role's setup -> listen -> ready line -> signal ->
 * close (serve_node.h). */
#include "cli/serve_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "node/node.h"
#include "util/log.h"

/* Port 0 asks for a free port. The node's URLs (the FHIR base, OAuth redirects, links) are made
 * from public_url before the server binds, so the port is picked here first: bind to port 0,
 * read the port the system gave, close. Another process could take it in between; this is for
 * tests and development, where that does not happen. */
static int pick_port(struct node_config *cfg, char *err, size_t err_len)
{
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    struct sockaddr_storage ss = {0};
    socklen_t len;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        len = sizeof *a;
        if (inet_pton(AF_INET6, cfg->listen_host, &a->sin6_addr) != 1) goto bad;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        len = sizeof *a;
        if (inet_pton(AF_INET, cfg->listen_host, &a->sin_addr) != 1) goto bad;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        snprintf(err, err_len, "cannot find a free port on %s", cfg->listen_host);
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    cfg->listen_port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    if (!cfg->public_url_defaulted) return 0;
    char url[128];
    snprintf(url, sizeof url, v6 ? "%s://[%s]:%u" : "%s://%s:%u",
             cfg->tls.plain_loopback ? "http" : "https", cfg->listen_host,
             (unsigned)cfg->listen_port);
    if (node_config_set_public_url(cfg, url) != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
bad:
    snprintf(err, err_len, "bad listen address %s", cfg->listen_host);
    return -1;
}

static int run(struct node *n, struct node_config *cfg)
{
    char err[1024] = "";
    if (node_open(n, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "regie serve: %s\n", err);
        return 1;
    }
    int status = 1;
    int rc = cfg->role == NODE_ROLE_DVA ? node_dva_setup(n, err, sizeof err)
                                        : node_pgo_setup(n, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "regie serve: %s\n", err);
        goto out;
    }
    struct http_server *srv = http_server_start(&n->http, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "regie serve: cannot listen on %s: %s\n", cfg->listen, err);
        goto out;
    }
    printf("ready %s %s %s\n", node_role_name(cfg->role), cfg->name, cfg->public_url);
    fflush(stdout);
    log_info("%s %s serving on %s (%zu routes)", node_role_name(cfg->role), cfg->name,
             cfg->public_url, n->nroutes);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: shutting down", sig);
    http_server_stop(srv);
    status = 0;
out:
    node_close(n);
    return status;
}

int serve_node(const struct serve_node_opts *o)
{
    struct node_config_overrides ov = {.listen = o->listen,
                                       .db = o->db,
                                       .base_url = o->base_url,
                                       .tls_cert = o->tls_cert,
                                       .tls_key = o->tls_key,
                                       .tls_client_ca = o->tls_client_ca};
    struct node_config cfg;
    char err[1024] = "";
    if (node_config_load_with(o->config, o->role, &ov, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "regie serve: %s\n", err);
        return 2;
    }
    if (cfg.listen_port == 0 && pick_port(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "regie serve: %s\n", err);
        node_config_free(&cfg);
        return 1;
    }
    /* struct node holds the route table: too large for the stack of a small thread. */
    struct node *n = calloc(1, sizeof *n);
    int status = 1;
    if (!n)
        fprintf(stderr, "regie serve: out of memory\n");
    else
        status = run(n, &cfg);
    free(n);
    node_config_free(&cfg);
    return status;
}
