#include <arpa/inet.h>
#include <string.h>

#include "http/http.h"

void http_limits_defaults(struct http_limits *l)
{
    l->body_max = 16u << 20;
    l->json_depth = 64;
    l->conn_max = 512;
    l->conn_per_ip_max = 0;
    l->idle_timeout_s = 30;
    l->threads = 8;
    l->header_max = 32u << 10;
    l->large_body = 1u << 20;
    l->large_max = 1;
}

bool http_host_is_loopback(const char *host)
{
    if (!host) return false;
    if (!strcmp(host, "localhost")) return true;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1) return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
    return false;
}
