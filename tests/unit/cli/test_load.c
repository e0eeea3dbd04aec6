/* cli_load_file against the real Bundle engine over a real SQLite store: what a file is taken for
 * (NDJSON, one document, a Bundle kind), how NDJSON is cut into batches, what is counted and
 * reported, and what actually ends up stored. Resources the engine refuses fail its validation for
 * real (a missing required element, an unknown element). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <bzlib.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch.h"
#include "cli/load.h"
#include "json/jsonx.h"
#include "store/store.h"
#include "util/buf.h"

/* One valid Basic (Basic.code is required) with the given id. */
#define BASIC_FMT "{\"resourceType\":\"Basic\",\"id\":\"%s\",\"code\":{\"text\":\"t\"}}"

static char dir[64];
static char db[128];
static char errfile[128];
static int saved_stderr = -1;
static struct store *store;
static struct rest_ctx *rest;
/* The batch size load() asks for (0: the loader's default); setup resets it. */
static size_t batch;
static size_t jobs; /* --jobs: 1 unless a test asks for workers */

/* (Re)creates the engine over the store with at most max_entries entries per Bundle. */
static void engine(size_t max_entries)
{
    rest_free(rest);
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = store;
    rcfg.bundle_entries_max = max_entries;
    rest = rest_new(&rcfg);
    assert_non_null(rest);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-test-load-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/t.db", dir);
    struct store_config cfg;
    store_config_defaults(&cfg, db);
    cfg.durable = false;
    char err[256] = "";
    store = store_sqlite_open(&cfg, err, sizeof err);
    if (!store) fprintf(stderr, "open %s: %s\n", db, err);
    assert_non_null(store);
    /* The engine refuses a Bundle larger than one NDJSON chunk, so a loader that sent bigger
     * batches would fail here. */
    rest = NULL;
    engine(CLI_NDJSON_CHUNK);
    batch = 0;
    jobs = 1;
    /* Reports go to stderr; catch them in a file. */
    snprintf(errfile, sizeof errfile, "%s/stderr-XXXXXX", dir);
    int fd = mkstemp(errfile);
    assert_true(fd >= 0);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    return 0;
}

static const char *reports(void);

static int rm_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return unlink(path);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        rm_dir(p);
    }
    closedir(d);
    return rmdir(path);
}

static int teardown(void **state)
{
    /* Replayed, so a failed assertion's message (cmocka writes it to stderr) is not lost. */
    const char *caught = reports();
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    fputs(caught, stderr);
    close(saved_stderr);
    rest_free(rest);
    rest = NULL;
    store->ops->close(store);
    store = NULL;
    rm_dir(dir);
    return 0;
}

/* What was reported on stderr so far (static buffer). */
static const char *reports(void)
{
    static char text[16384];
    fflush(stderr);
    FILE *f = fopen(errfile, "rb");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    return text;
}

/* Writes data to dir/name; path gets the full name. */
static void write_file(char *path, size_t len, const char *name, const void *data, size_t n)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* n NDJSON lines of valid Basic resources with ids b0..b(n-1). */
static char *ndjson_text(size_t n)
{
    struct buf b;
    buf_init(&b, 1 << 24);
    char id[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "b%zu", i);
        buf_printf(&b, BASIC_FMT "\n", id);
    }
    size_t len;
    return buf_steal(&b, &len);
}

static int load(const char *path, struct cli_progress *p)
{
    cli_progress_init(p, 1);
    p->enabled = false;
    return cli_load_file(rest, p, path, batch, jobs);
}

/* The current version of type/id (0 when there is none); json (if given, size json_len) gets a
 * copy of its bytes. */
static int64_t stored(const char *type, const char *id, char *json, size_t json_len)
{
    struct store_row row = {0};
    enum store_rc rc = store->ops->read(store, type, id, &row);
    assert_true(rc == STORE_OK || rc == STORE_NONE);
    int64_t v = rc == STORE_OK && !row.deleted ? row.version : 0;
    if (json) snprintf(json, json_len, "%s", row.json ? row.json : "");
    store_row_clear(&row);
    return v;
}

struct scan_count {
    size_t n;
    char other_id[STORE_ID_MAX]; /* the last id seen that is not "a" */
};

static int count_row(void *ctx, const struct store_row *row)
{
    struct scan_count *c = ctx;
    c->n++;
    if (strcmp(row->id, "a") != 0) snprintf(c->other_id, sizeof c->other_id, "%s", row->id);
    return 0;
}

/* Current resources of type (all types when NULL). */
static size_t count(const char *type, struct scan_count *out)
{
    struct scan_count c = {0};
    assert_int_equal(store->ops->scan(store, type, count_row, &c), STORE_OK);
    if (out) *out = c;
    return c.n;
}

/* Versions written of anything, ever: a refused write leaves none. */
static int64_t versions_written(void)
{
    struct store_history_q q = {.count = 1};
    int64_t total = -1;
    struct scan_count c = {0};
    assert_int_equal(store->ops->history(store, &q, count_row, &c, &total), STORE_OK);
    return total;
}

/* ---- tests ---- */

static void ndjson_by_content_goes_in_batches_of_1000(void **state)
{
    char *text = ndjson_text(2500);
    char path[160];
    write_file(path, sizeof path, "lines.json", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 2500);
    assert_int_equal(p.failures, 0);
    /* Every line is stored under its own id (PUT, not POST), once. */
    assert_int_equal(count("Basic", NULL), 2500);
    assert_int_equal(versions_written(), 2500);
    char json[512];
    assert_int_equal(stored("Basic", "b0", json, sizeof json), 1);
    assert_non_null(strstr(json, "\"id\":\"b0\""));
    assert_int_equal(stored("Basic", "b999", NULL, 0), 1);
    assert_int_equal(stored("Basic", "b1000", NULL, 0), 1);
    assert_int_equal(stored("Basic", "b2499", NULL, 0), 1);
    assert_null(strstr(reports(), "regie import:"));
}

/* An engine taking at most 999 entries refuses every full batch: the reports show where the
 * loader cut the file (1000 lines per batch, the rest in the last one), and only the last, short
 * batch is stored. */
static void ndjson_batch_boundaries_show_in_refusals(void **state)
{
    engine(CLI_NDJSON_CHUNK - 1);
    char *text = ndjson_text(2500);
    char path[160];
    write_file(path, sizeof path, "lines.ndjson", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 500);
    assert_int_equal(p.failures, 2000);
    const char *r = reports();
    assert_non_null(strstr(r, "batch of 1000 resources (line 1-1000) refused, none stored"));
    assert_non_null(strstr(r, "batch of 1000 resources (line 1001-2000) refused, none stored"));
    assert_non_null(strstr(r, "at most 999"));
    assert_null(strstr(r, "line 2001"));
    assert_int_equal(count("Basic", NULL), 500);
    assert_int_equal(stored("Basic", "b1999", NULL, 0), 0);
    assert_int_equal(stored("Basic", "b2000", NULL, 0), 1);
    assert_int_equal(stored("Basic", "b2499", NULL, 0), 1);
}

/* --batch: an engine taking at most 299 entries refuses the full batches of 300 and stores the
 * short last one, so the reports show the batch size asked for was used. */
static void ndjson_batch_size_is_the_one_asked_for(void **state)
{
    engine(299);
    batch = 300;
    char *text = ndjson_text(700);
    char path[160];
    write_file(path, sizeof path, "lines.ndjson", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 100);
    assert_int_equal(p.failures, 600);
    const char *r = reports();
    assert_non_null(strstr(r, "batch of 300 resources (line 1-300) refused, none stored"));
    assert_non_null(strstr(r, "batch of 300 resources (line 301-600) refused, none stored"));
    assert_null(strstr(r, "line 601"));
    assert_int_equal(stored("Basic", "b599", NULL, 0), 0);
    assert_int_equal(stored("Basic", "b600", NULL, 0), 1);
}

/* A batch bigger than the default goes to the engine whole (one commit), as does a collection's. */
static void big_batches_load_everything(void **state)
{
    engine(CLI_BATCH_MAX);
    batch = 2500;
    char *text = ndjson_text(2600);
    char path[160];
    write_file(path, sizeof path, "lines.ndjson", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 2600);
    assert_int_equal(count("Basic", NULL), 2600);
    assert_int_equal(stored("Basic", "b2599", NULL, 0), 1);

    /* The collection path cuts at the same size: at most 2499 entries refuses the first 2500. */
    engine(2499);
    struct buf b;
    buf_init(&b, 1 << 24);
    buf_append_str(&b, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
    char id[32];
    for (size_t i = 0; i < 2600; i++) {
        snprintf(id, sizeof id, "c%zu", i);
        buf_printf(&b, "%s{\"resource\":" BASIC_FMT "}", i ? "," : "", id);
    }
    buf_append_str(&b, "]}");
    write_file(path, sizeof path, "collection.json", b.data, b.len);
    buf_free(&b);
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.failures, 2500);
    assert_int_equal(p.resources, 100);
    assert_non_null(strstr(reports(), "batch of 2500 resources (entry 0-2499) refused"));
    assert_int_equal(stored("Basic", "c2499", NULL, 0), 0);
    assert_int_equal(stored("Basic", "c2500", NULL, 0), 1);
}

/* A batch size above the engine's limit is cut to CLI_BATCH_MAX rather than refused whole. */
static void batch_size_is_capped(void **state)
{
    engine(CLI_BATCH_MAX);
    batch = CLI_BATCH_MAX * 2;
    char *text = ndjson_text(CLI_BATCH_MAX + 1);
    char path[160];
    write_file(path, sizeof path, "lines.ndjson", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, CLI_BATCH_MAX + 1);
    assert_int_equal(p.failures, 0);
}

/* --jobs 4: batches prepared on workers at once store the same resources and count and report
 * the same failures (with their own lines) as one at a time; a refused batch is refused whole. */
static void jobs_store_and_report_as_one_at_a_time(void **state)
{
    engine(299);
    batch = 300;
    jobs = 4;
    char *text = ndjson_text(3100); /* ten batches of 300 (refused) and one of 100 (stored) */
    char path[160];
    write_file(path, sizeof path, "lines.ndjson", text, strlen(text));
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 100);
    assert_int_equal(p.failures, 3000);
    const char *r = reports();
    assert_non_null(strstr(r, "batch of 300 resources (line 1-300) refused, none stored"));
    assert_non_null(strstr(r, "batch of 300 resources (line 2701-3000) refused, none stored"));
    assert_int_equal(stored("Basic", "b2999", NULL, 0), 0);
    assert_int_equal(stored("Basic", "b3000", NULL, 0), 1);
    assert_int_equal(count("Basic", NULL), 100);

    engine(CLI_BATCH_MAX);
    batch = 250;
    text = ndjson_text(5000);
    write_file(path, sizeof path, "more.ndjson", text, strlen(text));
    free(text);
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 5000);
    assert_int_equal(p.failures, 0);
    assert_int_equal(count("Basic", NULL), 5000);
    for (int i = 0; i < 5000; i += 499) {
        char id[16];
        snprintf(id, sizeof id, "b%d", i);
        assert_int_equal(stored("Basic", id, NULL, 0), 1);
    }
}

/* --jobs with a collection: the batches hold parts of the parsed file, which stays alive until
 * the last of them is stored; a failing entry is named by its index in the file. */
static void jobs_with_a_collection_name_entries_by_file_index(void **state)
{
    batch = 200;
    jobs = 3;
    struct buf b;
    buf_init(&b, 1 << 24);
    buf_append_str(&b, "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[");
    for (size_t i = 0; i < 2000; i++)
        buf_printf(&b,
                   "%s{\"resource\":{\"resourceType\":\"Basic\",\"id\":\"k%zu\",\"code\":{"
                   "\"text\":\"t\"}%s}}",
                   i ? "," : "", i, i == 1234 ? ",\"fail\":true" : "");
    buf_append_str(&b, "]}");
    char path[160];
    write_file(path, sizeof path, "collection.json", b.data, b.len);
    buf_free(&b);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 1999);
    assert_int_equal(p.failures, 1);
    assert_int_equal(count("Basic", NULL), 1999);
    assert_int_equal(stored("Basic", "k1234", NULL, 0), 0);
    assert_int_equal(stored("Basic", "k1999", NULL, 0), 1);
    assert_non_null(strstr(reports(), "entry 1234: 422"));
}

static void bzip2_ndjson_is_read_the_same(void **state)
{
    char *text = ndjson_text(1200);
    unsigned zlen = (unsigned)strlen(text) + 1000;
    char *z = malloc(zlen);
    assert_int_equal(BZ2_bzBuffToBuffCompress(z, &zlen, text, (unsigned)strlen(text), 1, 0, 0),
                     BZ_OK);
    char path[160];
    write_file(path, sizeof path, "lines.bin", z, zlen);
    free(z);
    free(text);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 1200);
    assert_int_equal(p.failures, 0);
    assert_int_equal(count("Basic", NULL), 1200);
    assert_int_equal(stored("Basic", "b1199", NULL, 0), 1);
}

static void ndjson_failures_name_their_lines(void **state)
{
    const char text[] =
        "{\"resourceType\":\"Basic\",\"id\":\"a\",\"code\":{\"text\":\"t\"}}\n"
        "\n"
        "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"no id\"}}\n"
        "{\"resourceType\":\"Basic\",\"id\":\n"
        "{\"id\":\"typeless\"}\n"
        "{\"resourceType\":\"Observation\",\"id\":\"f\",\"code\":{\"text\":\"t\"}}\n"
        "   \n";
    char path[160];
    write_file(path, sizeof path, "mixed.ndjson", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 2);
    assert_int_equal(p.failures, 3);
    /* Line 1 kept its id; line 3 had none and was created (POST) under one the server chose. */
    struct scan_count c;
    assert_int_equal(count("Basic", &c), 2);
    assert_int_equal(stored("Basic", "a", NULL, 0), 1);
    assert_true(strlen(c.other_id) > 0);
    assert_int_equal(stored("Observation", "f", NULL, 0), 0);
    assert_int_equal(count(NULL, NULL), 2);
    const char *r = reports();
    assert_non_null(strstr(r, "line 4: bad JSON"));
    assert_non_null(strstr(r, "line 5: not a FHIR resource"));
    /* The expression is the resource's own path, not the batch's entry the loader built. */
    assert_non_null(strstr(r, "line 6: 422"));
    assert_non_null(strstr(r, "at Observation.status"));
    assert_null(strstr(r, "Bundle.entry"));
    assert_null(strstr(r, "line 1:"));
    assert_null(strstr(r, "line 3:"));
    assert_non_null(strstr(r, path));
}

/* A file named .ndjson is NDJSON even with a single line: its failure names the line. */
static void ndjson_name_wins_for_a_single_line(void **state)
{
    const char good[] = "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n";
    const char bad[] =
        "{\"resourceType\":\"Observation\",\"id\":\"o\",\"code\":{\"text\":\"t\"}}\n";
    char path[160], bad_nd[160], bad_json[160];
    write_file(path, sizeof path, "one.ndjson", good, sizeof good - 1);
    write_file(bad_nd, sizeof bad_nd, "bad.ndjson", bad, sizeof bad - 1);
    write_file(bad_json, sizeof bad_json, "bad.json", bad, sizeof bad - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 1);
    assert_int_equal(stored("Patient", "p", NULL, 0), 1);
    assert_int_equal(load(bad_nd, &p), 1);
    assert_int_equal(p.failures, 1);
    assert_non_null(strstr(reports(), "bad.ndjson: line 1: 422"));
    /* The same single line in a .json file is one document: no line number. */
    assert_int_equal(load(bad_json, &p), 1);
    assert_int_equal(p.failures, 1);
    assert_null(strstr(reports(), "bad.json: line"));
    assert_non_null(strstr(reports(), "bad.json: required element missing"));
    assert_int_equal(stored("Observation", "o", NULL, 0), 0);
}

static void pretty_single_resource_is_put(void **state)
{
    const char text[] = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n"
                        "  \"birthDate\": \"1970-01-01\"\n}\n";
    char path[160];
    write_file(path, sizeof path, "p1.json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 1);
    assert_int_equal(p.failures, 0);
    char json[1024];
    assert_int_equal(stored("Patient", "p1", json, sizeof json), 1);
    assert_non_null(strstr(json, "\"birthDate\":\"1970-01-01\""));
    assert_int_equal(count(NULL, NULL), 1);
}

static void refused_resource_is_reported_with_reason(void **state)
{
    const char unknown[] = "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"fail\":true}";
    const char missing[] =
        "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"code\":{\"text\":\"t\"}}";
    char path[160], path2[160];
    write_file(path, sizeof path, "unknown.json", unknown, sizeof unknown - 1);
    write_file(path2, sizeof path2, "missing.json", missing, sizeof missing - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 0);
    assert_int_equal(p.failures, 1);
    assert_int_equal(load(path2, &p), 1);
    assert_int_equal(p.failures, 1);
    const char *r = reports();
    assert_non_null(strstr(r, "unknown.json: unknown element"));
    assert_non_null(strstr(r, "at Patient.fail"));
    assert_non_null(strstr(r, "missing.json: required element missing"));
    assert_non_null(strstr(r, "at Observation.status"));
    assert_int_equal(versions_written(), 0);
}

static void compact_collection_becomes_a_batch(void **state)
{
    const char text[] = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                        "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}},"
                        "{\"fullUrl\":\"x\"},"
                        "{\"resource\":{\"resourceType\":\"Observation\",\"id\":\"o1\","
                        "\"code\":{\"text\":\"t\"}}}]}\n";
    char path[160];
    write_file(path, sizeof path, "collection", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 1);
    assert_int_equal(p.failures, 2);
    /* A batch, not all-or-nothing: the good entry is stored despite the bad one, under its id. */
    assert_int_equal(stored("Patient", "p1", NULL, 0), 1);
    assert_int_equal(stored("Observation", "o1", NULL, 0), 0);
    assert_int_equal(count(NULL, NULL), 1);
    const char *r = reports();
    /* Entries are named by their place in the file, not in the batch built from it. */
    assert_non_null(strstr(r, "entry 1: holds no resource"));
    assert_non_null(strstr(r, "entry 2: 422"));
    assert_non_null(strstr(r, "at Observation.status"));
    assert_null(strstr(r, "Bundle.entry"));
}

static void large_collection_goes_in_batches_with_file_indexes(void **state)
{
    struct buf b;
    buf_init(&b, 1 << 24);
    buf_append_str(&b, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
    for (size_t i = 0; i < 2500; i++)
        buf_printf(&b,
                   "%s{\"resource\":{\"resourceType\":\"Basic\",\"id\":\"b%zu\",\"code\":{"
                   "\"text\":\"t\"}%s}}",
                   i ? "," : "", i, i == 1500 ? ",\"fail\":true" : "");
    buf_append_str(&b, "]}");
    char path[160];
    write_file(path, sizeof path, "searchset.json", b.data, b.len);
    buf_free(&b);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 2499);
    assert_int_equal(p.failures, 1);
    assert_int_equal(count("Basic", NULL), 2499);
    assert_int_equal(stored("Basic", "b1499", NULL, 0), 1);
    assert_int_equal(stored("Basic", "b1500", NULL, 0), 0);
    assert_int_equal(stored("Basic", "b2499", NULL, 0), 1);
    const char *r = reports();
    assert_non_null(strstr(r, "entry 1500: 422"));
    assert_non_null(strstr(r, "at Basic.fail"));
}

static void failing_transaction_stores_nothing_and_is_reported(void **state)
{
    const char text[] = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n"
                        "{\"resource\":{\"resourceType\":\"Patient\"},\"request\":{\"method\":"
                        "\"POST\",\"url\":\"Patient\"}},\n"
                        "{\"resource\":{\"resourceType\":\"Patient\",\"fail\":true},\"request\":{"
                        "\"method\":\"POST\",\"url\":\"Patient\"}}\n]}\n";
    char path[160];
    write_file(path, sizeof path, "tx.json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.resources, 0);
    assert_int_equal(p.failures, 2);
    /* Taken as the transaction it is: the valid first entry is not stored either. */
    assert_int_equal(versions_written(), 0);
    const char *r = reports();
    assert_non_null(strstr(r, "transaction of 2 resources refused, none stored"));
    assert_non_null(strstr(r, "Bundle.entry[1]"));
    assert_non_null(strstr(r, "fail"));
}

static void good_transaction_is_stored_as_a_whole(void **state)
{
    /* The Observation refers to the Patient by its fullUrl: only a transaction resolves that. */
    const char text[] =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"fullUrl\":\"urn:uuid:8a5f3c2e-1b4d-4e6f-9a7b-0c1d2e3f4a5b\","
        "\"resource\":{\"resourceType\":\"Patient\"},"
        "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
        "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"code\":{\"text\":\"t\"},"
        "\"subject\":{\"reference\":\"urn:uuid:8a5f3c2e-1b4d-4e6f-9a7b-0c1d2e3f4a5b\"}},"
        "\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
    char path[160];
    write_file(path, sizeof path, "tx.json", text, sizeof text - 1);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 0);
    assert_int_equal(p.resources, 2);
    assert_int_equal(p.failures, 0);
    struct scan_count pat, obs;
    assert_int_equal(count("Patient", &pat), 1);
    assert_int_equal(count("Observation", &obs), 1);
    char json[1024], ref[160];
    assert_int_equal(stored("Observation", obs.other_id, json, sizeof json), 1);
    snprintf(ref, sizeof ref, "\"reference\":\"Patient/%s\"", pat.other_id);
    assert_non_null(strstr(json, ref));
}

static void bad_json_and_empty_files_are_reported(void **state)
{
    const char bad[] = "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n}\n";
    char path[160], empty[160];
    write_file(path, sizeof path, "bad.json", bad, sizeof bad - 1);
    write_file(empty, sizeof empty, "empty.json", " \n\n", 3);
    struct cli_progress p;
    assert_int_equal(load(path, &p), 1);
    assert_int_equal(p.failures, 1);
    assert_int_equal(load(empty, &p), 1);
    assert_int_equal(load("/nonexistent/regie.json", &p), 1);
    assert_int_equal(p.failures, 1);
    const char *r = reports();
    /* The offset is where the parser gave up: the '}' after the trailing comma. */
    char where[64];
    snprintf(where, sizeof where, "bad JSON: invalid JSON at byte %zu",
             (size_t)(strrchr(bad, '}') - bad));
    assert_non_null(strstr(r, where));
    assert_non_null(strstr(r, "empty file"));
    assert_non_null(strstr(r, "/nonexistent/regie.json: cannot open"));
    assert_int_equal(versions_written(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ndjson_by_content_goes_in_batches_of_1000, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_batch_boundaries_show_in_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_batch_size_is_the_one_asked_for, setup, teardown),
        cmocka_unit_test_setup_teardown(big_batches_load_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_size_is_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(jobs_store_and_report_as_one_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(jobs_with_a_collection_name_entries_by_file_index, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bzip2_ndjson_is_read_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_failures_name_their_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_name_wins_for_a_single_line, setup, teardown),
        cmocka_unit_test_setup_teardown(pretty_single_resource_is_put, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_resource_is_reported_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(compact_collection_becomes_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(large_collection_goes_in_batches_with_file_indexes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(failing_transaction_stores_nothing_and_is_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(good_transaction_is_stored_as_a_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_json_and_empty_files_are_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
