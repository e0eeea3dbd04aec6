/* The Synthea round trip. Part 1: starts the real server, POSTs the two organisation/practitioner
 * batch Bundles and the 100 patient transaction Bundles over HTTP, GETs every resource back and
 * compares it with what was sent (references mapped to the assigned ids, id and meta.versionId /
 * lastUpdated ignored, numbers by their text), then stops the server with SIGTERM and wants exit 0.
 * Part 2: `regie import` of the same files into a second database, `regie export` of both, and the
 * per-type line counts must be equal.
 *
 * usage: synthea_roundtrip REGIE_BINARY PROJECT_DIR   (data: $REGIE_SHARED or
 * PROJECT_DIR/../shared) exit: 0 pass, 1 fail, 77 skipped (no data). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json/jsonx.h"
#include "rt.h"

#define RT_DOC_MAX   ((size_t)512 * 1024 * 1024)
#define RT_FILES_MAX 1024

static struct rt_server server;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_name(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* The 0-* batches (organisations, practitioners) must go first: patients refer to them. */
    bool xz = !strncmp(x, "0-", 2), yz = !strncmp(y, "0-", 2);
    if (xz != yz) return xz ? -1 : 1;
    return strcmp(x, y);
}

/* The *.json.bz2 files of dir, batches first; returns their number (paths malloc'd). */
static size_t list_files(const char *dir, char **out)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < RT_FILES_MAX) {
        size_t len = strlen(e->d_name);
        if (len > 9 && !strcmp(e->d_name + len - 9, ".json.bz2")) out[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(out, n, sizeof *out, by_name);
    for (size_t i = 0; i < n; i++) {
        size_t need = strlen(dir) + strlen(out[i]) + 2;
        char *p = malloc(need);
        snprintf(p, need, "%s/%s", dir, out[i]);
        free(out[i]);
        out[i] = p;
    }
    return n;
}

static json_object *parse(const char *what, const char *text, size_t len)
{
    enum jsonx_err err;
    char msg[256];
    json_object *v = jsonx_parse(text, len, 128, &err, msg, sizeof msg);
    if (!v) fprintf(stderr, "%s: %s\n", what, msg);
    return v;
}

/* "Type/id" from a response location (absolute or relative, with or without _history). */
static bool location_to_ref(const char *base, const char *loc, char *out, size_t out_len)
{
    size_t bl = strlen(base);
    if (!strncmp(loc, base, bl) && loc[bl] == '/') loc += bl + 1;
    const char *slash = strchr(loc, '/');
    if (!slash || slash == loc) return false;
    const char *end = strchr(slash + 1, '/');
    size_t len = end ? (size_t)(end - loc) : strlen(loc);
    if (len + 1 > out_len || len == (size_t)(slash - loc) + 1) return false;
    memcpy(out, loc, len);
    out[len] = '\0';
    return true;
}

struct totals {
    size_t sent, compared, equal;
    json_object *unique; /* set of Type/id created */
};

/* Remembers conditional keys "Type?identifier=system|value" of a batch entry's resource. */
static void remember_identifiers(struct rt_cmp *c, json_object *res, const char *ref)
{
    const char *type = jsonx_get_str(res, "resourceType");
    json_object *ids = jsonx_get(res, "identifier");
    if (!type || !ids || !json_object_is_type(ids, json_type_array)) return;
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        json_object *id = json_object_array_get_idx(ids, i);
        const char *sys = jsonx_get_str(id, "system"), *val = jsonx_get_str(id, "value");
        if (!val) continue;
        char key[1024];
        snprintf(key, sizeof key, "%s?identifier=%s%s%s", type, sys ? sys : "", sys ? "|" : "",
                 val);
        json_object_object_add(c->refs, key, json_object_new_string(ref));
    }
}

/* POSTs one file and checks every resource it created. Returns 0 or -1. */
static int round_trip_file(struct rt_http *h, struct rt_cmp *c, struct totals *t, const char *path)
{
    struct buf body, resp;
    buf_init(&body, RT_DOC_MAX);
    buf_init(&resp, RT_DOC_MAX);
    int rc = -1;
    json_object *sent = NULL, *answer = NULL;
    char **refs = NULL;
    size_t n = 0;
    if (rt_read_bz2(path, &body) != 0) goto out;
    if (!(sent = parse(path, body.data, body.len))) goto out;
    long status = rt_http_post(h, server.base, body.data, body.len, &resp);
    if (status != 200) {
        fprintf(stderr, "%s: POST answered %ld: %.2000s\n", path, status,
                resp.data ? resp.data : "");
        goto out;
    }
    if (!(answer = parse("response", resp.data, resp.len))) goto out;
    bool batch = !strcmp(jsonx_get_str(sent, "type") ? jsonx_get_str(sent, "type") : "", "batch");
    json_object *entries = jsonx_get(sent, "entry"), *rentries = jsonx_get(answer, "entry");
    n = entries ? json_object_array_length(entries) : 0;
    if (!rentries || json_object_array_length(rentries) != n) {
        fprintf(stderr, "%s: sent %zu entries, response has %zu\n", path, n,
                rentries ? json_object_array_length(rentries) : 0);
        goto out;
    }
    refs = calloc(n ? n : 1, sizeof *refs);
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        json_object *r = jsonx_get(json_object_array_get_idx(rentries, i), "response");
        const char *st = jsonx_get_str(r, "status"), *loc = jsonx_get_str(r, "location");
        char ref[256];
        if (!st || st[0] != '2' || !loc || !location_to_ref(server.base, loc, ref, sizeof ref)) {
            fprintf(stderr, "%s: entry %zu: status %s location %s: %.500s\n", path, i,
                    st ? st : "-", loc ? loc : "-",
                    json_object_to_json_string(jsonx_get(r, "outcome")));
            rc = -1;
            continue;
        }
        refs[i] = strdup(ref);
        const char *full = jsonx_get_str(e, "fullUrl");
        if (full) json_object_object_add(c->refs, full, json_object_new_string(ref));
        if (batch) remember_identifiers(c, jsonx_get(e, "resource"), ref);
        json_object_object_add(t->unique, ref, NULL);
    }
    t->sent += n;
    /* Every reference of this file is known now: read each resource back. */
    for (size_t i = 0; i < n; i++) {
        if (!refs[i]) continue;
        char url[1536];
        snprintf(url, sizeof url, "%s/%s", server.base, refs[i]);
        status = rt_http_get(h, url, &resp);
        t->compared++;
        json_object *got = status == 200 ? parse(url, resp.data, resp.len) : NULL;
        if (!got) {
            fprintf(stderr, "GET %s answered %ld: %.500s\n", url, status,
                    resp.data ? resp.data : "");
            rc = -1;
            continue;
        }
        json_object *res = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        if (rt_compare(c, refs[i], res, got))
            t->equal++;
        else
            rc = -1;
        json_object_put(got);
    }
out:
    if (refs)
        for (size_t i = 0; i < n; i++) free(refs[i]);
    free(refs);
    json_object_put(sent);
    json_object_put(answer);
    buf_free(&body);
    buf_free(&resp);
    return rc;
}

/* Lines per file of an export directory, as a json object name -> count. */
static json_object *count_lines(const char *dir)
{
    json_object *counts = json_object_new_object();
    DIR *d = opendir(dir);
    if (!d) return counts;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        int64_t lines = 0;
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            for (size_t i = 0; i < got; i++) lines += chunk[i] == '\n';
        fclose(f);
        json_object_object_add(counts, e->d_name, json_object_new_int64(lines));
    }
    closedir(d);
    return counts;
}

/* Part 2: import the same files with `regie import`, export both databases, compare per-type
 * counts. Returns 0 or -1. */
static int import_and_export(const char *regie, const char *tmp, char **files, size_t nfiles,
                             size_t unique)
{
    char db_b[1024], out_a[1024], out_b[1024], db_a[1024], log[1024];
    snprintf(db_a, sizeof db_a, "%s/http.db", tmp);
    snprintf(db_b, sizeof db_b, "%s/import.db", tmp);
    snprintf(out_a, sizeof out_a, "%s/export-http", tmp);
    snprintf(out_b, sizeof out_b, "%s/export-import", tmp);
    snprintf(log, sizeof log, "%s/import.out", tmp);
    char **argv = calloc(nfiles + 6, sizeof *argv);
    size_t k = 0;
    argv[k++] = (char *)regie;
    argv[k++] = "import";
    argv[k++] = "--db";
    argv[k++] = db_b;
    for (size_t i = 0; i < nfiles; i++) argv[k++] = files[i];
    argv[k] = NULL;
    double t0 = now_s();
    int st = rt_run(argv, NULL);
    free(argv);
    printf("regie import: exit %d in %.1f s\n", st, now_s() - t0);
    if (st != 0) return -1;
    char *exp_a[] = {(char *)regie, "export", "--db", db_a, "--out", out_a, NULL};
    char *exp_b[] = {(char *)regie, "export", "--db", db_b, "--out", out_b, NULL};
    if (rt_run(exp_a, NULL) != 0 || rt_run(exp_b, NULL) != 0) {
        fprintf(stderr, "regie export failed\n");
        return -1;
    }
    json_object *a = count_lines(out_a), *b = count_lines(out_b);
    int rc = 0;
    int64_t total = 0;
    json_object_object_foreach(a, name, va)
    {
        json_object *vb = NULL;
        int64_t ca = json_object_get_int64(va);
        total += ca;
        int64_t cb = json_object_object_get_ex(b, name, &vb) ? json_object_get_int64(vb) : -1;
        if (ca != cb) {
            fprintf(stderr, "export %s: %lld lines via HTTP, %lld via import\n", name,
                    (long long)ca, (long long)cb);
            rc = -1;
        }
    }
    json_object_object_foreach(b, name2, vb2)
    {
        if (!json_object_object_get_ex(a, name2, NULL)) {
            fprintf(stderr, "export %s: only in the imported database (%lld lines)\n", name2,
                    (long long)json_object_get_int64(vb2));
            rc = -1;
        }
    }
    if ((size_t)total != unique) {
        fprintf(stderr, "export of the HTTP database has %lld resources, %zu were created\n",
                (long long)total, unique);
        rc = -1;
    }
    printf("export: %d types, %lld resources in both databases%s\n", json_object_object_length(a),
           (long long)total, rc ? " (MISMATCH)" : "");
    json_object_put(a);
    json_object_put(b);
    return rc;
}

/* The comparison must be able to fail: checks it on known pairs before trusting a pass. */
static bool compare_self_check(void)
{
    struct rt_cmp c = {.refs = json_object_new_object(), .report_max = 0};
    json_object_object_add(c.refs, "urn:uuid:1", json_object_new_string("Patient/abc"));
    const char *sent = "{\"resourceType\":\"Observation\",\"id\":\"x\",\"subject\":{\"reference\":"
                       "\"urn:uuid:1\"},\"valueQuantity\":{\"value\":1.50}}";
    const struct {
        const char *got;
        bool equal;
    } cases[] = {
        {"{\"resourceType\":\"Observation\",\"id\":\"s1\",\"meta\":{\"versionId\":\"1\","
         "\"lastUpdated\":\"2026-01-01T00:00:00Z\"},\"subject\":{\"reference\":\"Patient/abc\"},"
         "\"valueQuantity\":{\"value\":1.50}}",
         true},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/abc\"},"
         "\"valueQuantity\":{\"value\":1.5}}",
         false},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"urn:uuid:1\"},"
         "\"valueQuantity\":{\"value\":1.50}}",
         false},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/abc\"},"
         "\"valueQuantity\":{\"value\":1.50},\"status\":\"final\"}",
         false},
        {"{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/abc\"}}", false},
        {"{\"resourceType\":\"Observation\",\"meta\":{\"source\":\"x\"},\"subject\":{"
         "\"reference\":\"Patient/abc\"},\"valueQuantity\":{\"value\":1.50}}",
         false},
    };
    json_object *s = parse("self-check", sent, strlen(sent));
    bool ok = s != NULL;
    for (size_t i = 0; ok && i < sizeof cases / sizeof cases[0]; i++) {
        json_object *g = parse("self-check", cases[i].got, strlen(cases[i].got));
        if (!g || rt_compare(&c, "self-check", s, g) != cases[i].equal) {
            fprintf(stderr, "comparison self-check %zu failed\n", i);
            ok = false;
        }
        json_object_put(g);
    }
    json_object_put(s);
    json_object_put(c.refs);
    return ok;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s REGIE_BINARY PROJECT_DIR\n", argv[0]);
        return 2;
    }
    const char *regie = argv[1];
    if (!compare_self_check()) return 1;
    char data[1024];
    const char *shared = getenv("REGIE_SHARED");
    if (shared && *shared)
        snprintf(data, sizeof data, "%s/data/synthea", shared);
    else
        snprintf(data, sizeof data, "%s/../shared/data/synthea", argv[2]);
    if (!is_dir(data)) {
        printf("skipped: ../shared/data not found (looked for %s)\n", data);
        return 77;
    }
    char *files[RT_FILES_MAX];
    size_t nfiles = list_files(data, files);
    if (nfiles == 0) {
        printf("skipped: no *.json.bz2 files in %s\n", data);
        return 77;
    }
    char tmp[] = "/tmp/regie-roundtrip-XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    char db[1024];
    snprintf(db, sizeof db, "%s/http.db", tmp);
    double t0 = now_s();
    if (rt_server_start(&server, regie, db, 60) != 0) return 1;
    printf("server ready at %s\n", server.base);

    struct rt_http *h = rt_http_new();
    struct rt_cmp cmp = {.refs = json_object_new_object(), .report_max = 10};
    struct totals t = {.unique = json_object_new_object()};
    int failed_files = 0;
    for (size_t i = 0; i < nfiles; i++) {
        if (round_trip_file(h, &cmp, &t, files[i]) != 0) failed_files++;
        if (failed_files > 5) {
            fprintf(stderr, "giving up after %d failing files\n", failed_files);
            break;
        }
    }
    rt_http_free(h);
    double t1 = now_s();
    printf("HTTP: %zu files, %zu entries sent, %d unique resources, %zu read back, %zu equal, %zu "
           "mismatches, %.1f s\n",
           nfiles, t.sent, json_object_object_length(t.unique), t.compared, t.equal, cmp.mismatches,
           t1 - t0);
    int stop = rt_server_stop(&server, 30);
    if (stop != 0) fprintf(stderr, "server exit status %d after SIGTERM, want 0\n", stop);
    bool ok = failed_files == 0 && cmp.mismatches == 0 && stop == 0 && t.compared == t.sent &&
              t.equal == t.compared && t.sent > 0;
    if (ok &&
        import_and_export(regie, tmp, files, nfiles, (size_t)json_object_object_length(t.unique)))
        ok = false;
    printf("total %.1f s\n", now_s() - t0);
    json_object_put(cmp.refs);
    json_object_put(t.unique);
    for (size_t i = 0; i < nfiles; i++) free(files[i]);
    if (ok)
        rt_rm_rf(tmp);
    else
        fprintf(stderr, "FAILED; files kept in %s\n", tmp);
    return ok ? 0 : 1;
}
