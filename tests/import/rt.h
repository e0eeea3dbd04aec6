/* Helpers of the Synthea round-trip test: running regie as a child process, HTTP with libcurl,
 * bzip2 files, temp directories, and the comparison of sent and stored resources. */
#ifndef REGIE_TESTS_IMPORT_RT_H
#define REGIE_TESTS_IMPORT_RT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* ---- processes ---- */

/* A running `regie serve`. */
struct rt_server {
    pid_t pid;
    int out_fd;      /* its stdout, drained by a thread after the ready line */
    char base[1024]; /* e.g. http://127.0.0.1:41234/fhir */
};

/* Starts `regie serve --listen 127.0.0.1:0 --db db --no-auth` and waits (at most timeout_s) for
 * its ready line. Returns 0, or -1 (message printed; the child is killed). */
int rt_server_start(struct rt_server *s, const char *regie, const char *db, int timeout_s);
/* SIGTERM, then waits up to timeout_s. Returns the exit status, or -1 when it had to be killed or
 * did not exit normally. */
int rt_server_stop(struct rt_server *s, int timeout_s);
/* Kills a server still running (on a failure path). */
void rt_server_kill(struct rt_server *s);

/* Runs regie with argv (NULL-terminated, argv[0] is the binary), stdout to out_path (or
 * inherited when NULL). Returns the exit status, or -1. */
int rt_run(char *const argv[], const char *out_path);

/* ---- files ---- */

/* Reads a whole bzip2 file (or a plain one) into out. Returns 0 or -1 (message printed). */
int rt_read_bz2(const char *path, struct buf *out);
/* Removes dir and everything under it. */
void rt_rm_rf(const char *dir);

/* ---- HTTP ---- */

struct rt_http;
struct rt_http *rt_http_new(void);
void rt_http_free(struct rt_http *h);
/* POSTs body as application/fhir+json. Returns the HTTP status (0 on a transport error); the
 * response body is in *resp (reset first). */
long rt_http_post(struct rt_http *h, const char *url, const char *body, size_t len,
                  struct buf *resp);
long rt_http_get(struct rt_http *h, const char *url, struct buf *resp);

/* ---- comparison ---- */

/* Reference mapping: urn:uuid fullUrls and conditional references ("Type?identifier=s|v") to the
 * "Type/id" the server assigned. A json-c object used as a hash table. */
struct rt_cmp {
    json_object *refs;
    size_t mismatches; /* total */
    size_t reported;   /* printed */
    size_t report_max;
};

/* Compares a sent resource with what the server returned for it: equal after mapping references,
 * ignoring id and meta.versionId/meta.lastUpdated, numbers by their JSON text. Returns true when
 * equal; reports differences (with where) on stderr, up to report_max in all. */
bool rt_compare(struct rt_cmp *c, const char *where, json_object *sent, json_object *got);

#endif
