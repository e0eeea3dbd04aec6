/* Reads a list source: a local file, or an https URL through libcurl. Only https is spoken (also
 * after redirects), certificates are verified, and time and size are bounded, because a list
 * decides whom regie trusts. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "medmij/internal.h"

#define MAX_REDIRECTS 3

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int read_file(const char *path, size_t max_bytes, struct buf *out, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return medmij_fail(err, err_len, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fclose(f);
        return medmij_fail(err, err_len, "%s is not a regular file", path);
    }
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (out->len + n > max_bytes || buf_append(out, chunk, n) != 0) {
            rc = medmij_fail(err, err_len, "%s is larger than %zu bytes", path, max_bytes);
            break;
        }
    if (rc == 0 && ferror(f)) rc = medmij_fail(err, err_len, "cannot read %s", path);
    fclose(f);
    return rc;
}

struct sink {
    struct buf *out;
    size_t max_bytes;
    bool too_large;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct sink *s = ctx;
    size_t n = size * nmemb;
    if (s->out->len + n > s->max_bytes || buf_append(s->out, p, n) != 0) {
        s->too_large = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return n;
}

static int fetch_https(const char *url, size_t max_bytes, long timeout_s, const char *ca_file,
                       struct buf *out, char *err, size_t err_len)
{
    pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK) return medmij_fail(err, err_len, "libcurl does not start");
    CURL *c = curl_easy_init();
    if (!c) return medmij_fail(err, err_len, "out of memory");
    struct sink sink = {out, max_bytes, false};
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "regie-medmij-lists");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return medmij_fail(err, err_len, "%s: larger than %zu bytes", url, max_bytes);
    if (rc != CURLE_OK)
        return medmij_fail(err, err_len, "%s: %s", url,
                           curl_err[0] ? curl_err : curl_easy_strerror(rc));
    if (status != 200) return medmij_fail(err, err_len, "%s: HTTP status %ld", url, status);
    return 0;
}

int medmij_fetch(const char *source, size_t max_bytes, long timeout_s, const char *ca_file,
                 struct buf *out, char *err, size_t err_len)
{
    if (!source || !*source) return medmij_fail(err, err_len, "no source");
    if (!max_bytes) max_bytes = MEDMIJ_LIST_MAX_BYTES_DEFAULT;
    if (timeout_s <= 0) timeout_s = 30;
    buf_reset(out);
    if (!strncmp(source, "https://", 8))
        return fetch_https(source, max_bytes, timeout_s, ca_file, out, err, err_len);
    /* Anything that looks like a URL but is not https is refused, not read as a file name. */
    if (strstr(source, "://"))
        return medmij_fail(err, err_len, "%s: only https:// URLs or file paths are accepted",
                           source);
    return read_file(source, max_bytes, out, err, err_len);
}
