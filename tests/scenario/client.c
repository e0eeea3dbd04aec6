/* libcurl request helper shared by the scenario runner and the crash test. */
#include "client.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void client_resp_init(struct client_resp *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, CLIENT_BODY_MAX);
}

void client_resp_free(struct client_resp *r)
{
    buf_free(&r->body);
    r->nheaders = 0;
}

const char *client_resp_header(const struct client_resp *r, const char *name)
{
    for (size_t i = r->nheaders; i-- > 0;)
        if (!strcasecmp(r->headers[i].name, name)) return r->headers[i].value;
    return NULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct client_resp *r = ud;
    return buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

/* Trims blanks and CR/LF at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct client_resp *r = ud;
    size_t len = size * n;
    /* A new status line (after 100 Continue, or a redirect) starts a fresh header set. */
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
        r->nheaders = 0;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || r->nheaders >= CLIENT_MAX_HEADERS) return len;
    const char *name = p;
    size_t name_len = (size_t)(colon - p);
    const char *value = colon + 1;
    size_t value_len = len - name_len - 1;
    trim(&name, &name_len);
    trim(&value, &value_len);
    struct client_header *h = &r->headers[r->nheaders++];
    snprintf(h->name, sizeof h->name, "%.*s", (int)name_len, name);
    snprintf(h->value, sizeof h->value, "%.*s", (int)value_len, value);
    return len;
}

int client_request(CURL *h, const char *method, const char *url, struct curl_slist *headers,
                   const char *body, size_t body_len, long timeout_s, struct client_resp *r)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    r->status = 0;
    r->nheaders = 0;
    r->err[0] = '\0';
    buf_reset(&r->body);

    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        if (strcmp(method, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc != CURLE_OK) {
        snprintf(r->err, sizeof r->err, "%s: %s", curl_easy_strerror(rc), errbuf[0] ? errbuf : "-");
        /* A server that answers early (413) and closes while we still upload is still an answer. */
        return r->status > 0 ? 0 : -1;
    }
    if (r->body.overflowed) {
        snprintf(r->err, sizeof r->err, "response body larger than %u bytes", CLIENT_BODY_MAX);
        return -1;
    }
    return 0;
}
