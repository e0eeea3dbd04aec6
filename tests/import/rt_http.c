/* HTTP for the round-trip test: one libcurl handle, so every request reuses the connection. */
#include <curl/curl.h>
#include <stdlib.h>

#include "rt.h"

struct rt_http {
    CURL *curl;
    struct curl_slist *post_headers;
    struct curl_slist *get_headers;
};

static size_t collect(char *p, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    return buf_append(b, p, size * n) == 0 ? size * n : 0;
}

struct rt_http *rt_http_new(void)
{
    struct rt_http *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->curl = curl_easy_init();
    h->post_headers = curl_slist_append(NULL, "Content-Type: application/fhir+json");
    h->post_headers = curl_slist_append(h->post_headers, "Accept: application/fhir+json");
    /* curl would send "Expect: 100-continue" for large bodies and wait for it. */
    h->post_headers = curl_slist_append(h->post_headers, "Expect:");
    h->get_headers = curl_slist_append(NULL, "Accept: application/fhir+json");
    return h;
}

void rt_http_free(struct rt_http *h)
{
    if (!h) return;
    curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->post_headers);
    curl_slist_free_all(h->get_headers);
    free(h);
}

static long perform(struct rt_http *h, const char *url, struct buf *resp)
{
    buf_reset(resp);
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 120L);
    CURLcode rc = curl_easy_perform(h->curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "HTTP %s: %s\n", url, curl_easy_strerror(rc));
        return 0;
    }
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

long rt_http_post(struct rt_http *h, const char *url, const char *body, size_t len,
                  struct buf *resp)
{
    curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 0L);
    curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->post_headers);
    return perform(h, url, resp);
}

long rt_http_get(struct rt_http *h, const char *url, struct buf *resp)
{
    curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->get_headers);
    return perform(h, url, resp);
}
