/* A small libcurl client for the tests: one request, the status, every response header and the
 * body, kept raw so a test can check exact bytes (e.g. a decimal written as 1.50). */
#ifndef REGIE_TESTS_CLIENT_H
#define REGIE_TESTS_CLIENT_H

#include <curl/curl.h>
#include <stddef.h>

#include "util/buf.h"

#define CLIENT_MAX_HEADERS 64
#define CLIENT_BODY_MAX    (64u << 20)

struct client_header {
    char name[128];
    char value[2048];
};

struct client_resp {
    long status; /* 0 when no response was received */
    struct client_header headers[CLIENT_MAX_HEADERS];
    size_t nheaders;
    struct buf body;
    char err[CURL_ERROR_SIZE + 64]; /* transport failure, empty otherwise */
};

void client_resp_init(struct client_resp *r);
void client_resp_free(struct client_resp *r);

/* Response header by case-insensitive name (the last one received), or NULL. */
const char *client_resp_header(const struct client_resp *r, const char *name);

/* Sends method url with the given request header lines ("Name: value"; "Name:" removes one curl
 * would add) and body (may be NULL). h is reused so connections are kept alive. Returns 0 when a
 * response arrived (r->status set), -1 on a transport failure (r->err says why). */
int client_request(CURL *h, const char *method, const char *url, struct curl_slist *headers,
                   const char *body, size_t body_len, long timeout_s, struct client_resp *r);

#endif
