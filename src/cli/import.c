/* regie import: loads Bundles, single resources and NDJSON files (plain or bzip2) into a database
 * through the same Bundle engine as POST [base], so an import stores exactly what the API would. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/batch.h"
#include "cli/cli.h"
#include "cli/load.h"
#include "cli/load_jobs.h"
#include "cli/progress.h"
#include "rest/rest.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie import --db PATH [--no-fsync] [--batch N] [--jobs N] [--cache-mib N]\n"
            "                    [--verbose] FILE...\n\n"
            "Loads each FILE, in the order given, into the database at PATH (created if missing).\n"
            "A FILE of '-' is standard input.\n"
            "A FILE may be plain or bzip2-compressed and hold:\n"
            "  - a batch or transaction Bundle: processed as POST [base] would;\n"
            "  - any other Bundle (collection, searchset, ...): its resources, each stored as\n"
            "    PUT [type]/[id] (or POST [type] when it has no id);\n"
            "  - a single resource: stored as PUT [type]/[id];\n"
            "  - NDJSON, one resource per line: stored as PUT, in batches (--batch).\n"
            "A failing entry is reported and the import goes on.\n\n"
            "options:\n"
            "  --db PATH     the database file\n"
            "  --no-fsync    do not wait for the disk after each write (faster; a crash may lose\n"
            "                the last writes, so run the import again)\n"
            "  --batch N     resources per batch, one commit each (1-10000, default 1000): bigger\n"
            "                batches load faster; a batch the engine refuses is lost whole\n"
            "  --jobs N      batches prepared at once on N threads (1-64, default 1): with more\n"
            "                cores an import goes faster; resources are then written in the order\n"
            "                their batches are ready, not the file's\n"
            "  --cache-mib N the database page cache in MiB (1-16384, default 8): a big import\n"
            "                into a big database loads faster with more\n"
            "  --verbose     a line per file: resources stored, failures, seconds\n"
            "  --help        this text\n\n"
            "exit status: 0 everything stored, 1 something failed, 2 usage error\n");
}

/* Ctrl-C (or SIGTERM) lets the batch in flight finish, so the store is closed cleanly and the
 * summary says how far the import got; a second Ctrl-C ends the process at once. */
static void on_signal(int sig)
{
    (void)sig;
    cli_load_stop = 1;
}

static void catch_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Opens the store and the engine and loads the files. */
struct import_opts {
    const char *db;
    bool durable, verbose;
    size_t batch;     /* entries per batch Bundle */
    size_t jobs;      /* batches prepared at once (load_jobs.h) */
    size_t cache_mib; /* writer page cache; 0 = the store's default */
};

static int import_run(const struct import_opts *o, char **files, size_t nfiles)
{
    const char *db = o->db;
    struct stat st;
    if (stat(db, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "regie import: %s: is a directory, not a database file\n", db);
        return 1;
    }
    struct store_config scfg;
    store_config_defaults(&scfg, db);
    scfg.durable = o->durable;
    if (o->cache_mib) scfg.cache_kib = o->cache_mib * 1024;
    char err[512] = "";
    struct store *store = store_sqlite_open(&scfg, err, sizeof err);
    if (!store) {
        fprintf(stderr, "regie import: cannot open database %s: %s\n", db, err);
        return 1;
    }
    struct rest_config rcfg;
    rest_config_defaults(&rcfg);
    rcfg.store = store;
    rcfg.base_url = "http://localhost/fhir";
    struct rest_ctx *rc = rest_new(&rcfg);
    if (!rc) {
        fprintf(stderr, "regie import: out of memory\n");
        store->ops->close(store);
        return 1;
    }

    struct cli_progress p;
    cli_progress_init(&p, nfiles);
    size_t files_failed = 0;
    catch_signals();
    for (size_t i = 0; i < nfiles && !cli_load_stop; i++) {
        cli_progress_draw(&p, false);
        uint64_t stored0 = p.resources, failed0 = p.failures;
        double t0 = cli_now();
        int bad = cli_load_file(rc, &p, files[i], o->batch, o->jobs);
        if (bad) files_failed++;
        /* A file with failures always gets its line (on stderr, next to its reports). */
        if (o->verbose || bad) {
            cli_progress_clear(&p);
            fprintf(bad ? stderr : stdout, "%s%s: %llu resources stored, %llu failures, %.1f s\n",
                    bad ? "regie import: " : "", files[i],
                    (unsigned long long)(p.resources - stored0),
                    (unsigned long long)(p.failures - failed0), cli_now() - t0);
        }
        if (!cli_load_stop) p.files_done++;
    }
    cli_progress_draw(&p, true);
    cli_progress_clear(&p);
    rest_free(rc);
    store->ops->close(store);

    double secs = cli_progress_elapsed(&p);
    if (cli_load_stop)
        fprintf(stderr, "regie import: interrupted after %zu of %zu files\n", p.files_done, nfiles);
    size_t done = cli_load_stop ? p.files_done : nfiles;
    printf("imported %zu file%s (%zu with failures): %llu resources stored, %llu failures, "
           "%.1f s, %.0f resources/s\n",
           done, done == 1 ? "" : "s", files_failed, (unsigned long long)p.resources,
           (unsigned long long)p.failures, secs, secs > 0 ? (double)p.resources / secs : 0.0);
    return p.failures || files_failed || cli_load_stop ? 1 : 0;
}

/* A whole decimal number in [min, max] (no sign, no suffix). */
static bool parse_count(const char *s, size_t min, size_t max, size_t *out)
{
    if (!s || *s < '0' || *s > '9') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max) return false;
    *out = (size_t)v;
    return true;
}

/* --name N or --name=N: the value is argv[*i + 1] (then *i moves past it) or after the '='.
 * Returns 0 (not this option), 1 (taken) or 2 (usage error, reported). */
static int count_option(const char *name, size_t min, size_t max, int argc, char **argv, int *i,
                        size_t *out)
{
    const char *a = argv[*i], *v;
    size_t n = strlen(name);
    if (strncmp(a, name, n)) return 0;
    if (a[n] == '=') {
        v = a + n + 1;
    } else if (a[n] == '\0') {
        if (*i + 1 == argc) {
            fprintf(stderr, "regie import: %s needs a number\n", name);
            return 2;
        }
        v = argv[++*i];
    } else {
        return 0;
    }
    if (!parse_count(v, min, max, out)) {
        fprintf(stderr, "regie import: %s: '%s' is not a number from %zu to %zu\n", name, v, min,
                max);
        return 2;
    }
    return 1;
}

/* Beyond 16 GiB a page cache is a typo, not a plan (cache_size is an int of KiB in SQLite). */
#define IMPORT_CACHE_MIB_MAX 16384

int cli_import(int argc, char **argv)
{
    struct import_opts o = {.durable = true, .batch = CLI_NDJSON_CHUNK, .jobs = 1};
    bool only_files = false;
    int taken;
    /* Options may come anywhere before "--"; everything else is a file, kept in order. */
    char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    if (!files) {
        fprintf(stderr, "regie import: out of memory\n");
        return 1;
    }
    int status = -1;
    for (int i = 1; i < argc && status < 0; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == '\0') {
            files[nfiles++] = argv[i];
        } else if (!strcmp(a, "--")) {
            only_files = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            status = 0;
        } else if (!strcmp(a, "--db")) {
            if (++i == argc) {
                fprintf(stderr, "regie import: --db needs a path\n");
                status = 2;
            } else {
                o.db = argv[i];
            }
        } else if (!strncmp(a, "--db=", 5)) {
            o.db = a + 5;
        } else if (!strcmp(a, "--no-fsync")) {
            o.durable = false;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o.verbose = true;
        } else if ((taken = count_option("--batch", 1, CLI_BATCH_MAX, argc, argv, &i, &o.batch))) {
            if (taken == 2) status = 2;
        } else if ((taken = count_option("--jobs", 1, LOAD_JOBS_MAX, argc, argv, &i, &o.jobs))) {
            if (taken == 2) status = 2;
        } else if ((taken = count_option("--cache-mib", 1, IMPORT_CACHE_MIB_MAX, argc, argv, &i,
                                         &o.cache_mib))) {
            if (taken == 2) status = 2;
        } else {
            fprintf(stderr, "regie import: unknown option '%s'\n\n", a);
            usage(stderr);
            status = 2;
        }
    }
    if (status < 0 && (!o.db || !*o.db)) {
        fprintf(stderr, "regie import: --db PATH is required\n\n");
        usage(stderr);
        status = 2;
    }
    if (status < 0 && nfiles == 0) {
        fprintf(stderr, "regie import: no files given\n\n");
        usage(stderr);
        status = 2;
    }
    if (status < 0) status = import_run(&o, files, nfiles);
    free(files);
    return status;
}
