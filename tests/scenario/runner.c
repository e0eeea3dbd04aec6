/* The scenario runner: for each scenario file, a fresh regie on 127.0.0.1 with its own temporary
 * database, the file's steps in order, then SIGTERM and a check that the server exited 0.
 *
 *   scenario_runner REGIE_BINARY FILE.json...
 *
 * Prints every failure (file, step label, expected vs actual) and one final line
 * "N passed, N failed" counting steps; exits 1 when anything failed. REGIE_SCENARIO_VERBOSE=1
 * prints passing steps too; REGIE_KEEP_TMP=1 keeps each run's directory (database, server log). */
#include <curl/curl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "step.h"

#define RUNNER_START_TIMEOUT_S 60
#define RUNNER_STOP_TIMEOUT_S  30
#define RUNNER_MAX_SERVE_ARGS  32
#define RUNNER_LOG_TAIL        6000

struct tally {
    size_t passed;
    size_t failed;
};

static json_object *load_scenario(const char *file)
{
    json_object *doc = json_object_from_file(file);
    if (!doc) {
        fprintf(stderr, "FAIL %s: cannot read or parse: %s\n", file, json_util_get_last_err());
        return NULL;
    }
    if (!json_object_is_type(json_object_object_get(doc, "steps"), json_type_array)) {
        fprintf(stderr, "FAIL %s: no \"steps\" array\n", file);
        json_object_put(doc);
        return NULL;
    }
    return doc;
}

/* The file's "serve_args" as a string array (pointers into doc). Returns the count, or -1. */
static int serve_args(const char *file, json_object *doc, const char **args)
{
    json_object *a = json_object_object_get(doc, "serve_args");
    if (!a) return 0;
    size_t n = json_object_array_length(a);
    if (!json_object_is_type(a, json_type_array) || n > RUNNER_MAX_SERVE_ARGS) {
        fprintf(stderr, "FAIL %s: \"serve_args\" must be an array of at most %d strings\n", file,
                RUNNER_MAX_SERVE_ARGS);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        args[i] = json_object_get_string(json_object_array_get_idx(a, i));
    return (int)n;
}

static void run_steps(struct step_ctx *ctx, json_object *steps, struct tally *t)
{
    size_t n = json_object_array_length(steps);
    struct subst_result *results = calloc(n ? n : 1, sizeof *results);
    if (!results) abort();
    ctx->env.results = results;
    ctx->env.nresults = 0;
    for (size_t i = 0; i < n; i++) {
        /* A failed step still records its response, so later steps fail for their own reasons. */
        if (step_run(ctx, i, json_object_array_get_idx(steps, i), &results[i]))
            t->passed++;
        else
            t->failed++;
        ctx->env.nresults = i + 1;
    }
    for (size_t i = 0; i < n; i++) step_result_free(&results[i]);
    free(results);
}

static void run_file(const char *bin, const char *file, const char *shared, bool verbose,
                     struct tally *t)
{
    json_object *doc = load_scenario(file);
    if (!doc) {
        t->failed++;
        return;
    }
    json_object *steps = json_object_object_get(doc, "steps");
    const char *args[RUNNER_MAX_SERVE_ARGS];
    int nargs = serve_args(file, doc, args);
    char dir[4096], db[4200], log[4200];
    if (nargs < 0 || proc_tmpdir("scenario", dir, sizeof dir) != 0) {
        t->failed += json_object_array_length(steps);
        json_object_put(doc);
        return;
    }
    snprintf(db, sizeof db, "%s/regie.db", dir);
    snprintf(log, sizeof log, "%s/server.log", dir);
    const char *title = json_object_get_string(json_object_object_get(doc, "title"));
    fprintf(stderr, "== %s: %s\n", file, title ? title : "(untitled)");

    size_t failed_before = t->failed;
    struct regie_proc p;
    char err[512];
    if (proc_start(&p, bin, db, args, (size_t)nargs, log, RUNNER_START_TIMEOUT_S, err,
                   sizeof err) != 0) {
        fprintf(stderr, "FAIL %s: server did not start: %s\n", file, err);
        proc_dump_log(&p, RUNNER_LOG_TAIL);
        t->failed += json_object_array_length(steps);
    } else {
        char *file_copy = strdup(file);
        CURL *curl = curl_easy_init();
        if (!file_copy || !curl) abort();
        struct step_ctx ctx = {.file = file,
                               .dir = dirname(file_copy),
                               .curl = curl,
                               .env = {.base = p.base, .origin = p.origin, .shared = shared},
                               .verbose = verbose};
        run_steps(&ctx, steps, t);
        curl_easy_cleanup(curl);
        free(file_copy);
        int status = proc_stop(&p, RUNNER_STOP_TIMEOUT_S);
        if (status != 0) {
            fprintf(stderr, "FAIL %s: server did not exit 0 on SIGTERM (status %d%s)\n", file,
                    status, status < 0 ? ", killed after the timeout" : "");
            t->failed++;
        }
        if (t->failed != failed_before) proc_dump_log(&p, RUNNER_LOG_TAIL);
    }
    if (getenv("REGIE_KEEP_TMP"))
        fprintf(stderr, "   kept %s\n", dir);
    else
        proc_rmtree(dir);
    json_object_put(doc);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s REGIE_BINARY SCENARIO.json...\n", argv[0]);
        return 2;
    }
    const char *shared = getenv("REGIE_SHARED");
    const char *v = getenv("REGIE_SCENARIO_VERBOSE");
    bool verbose = v && *v && strcmp(v, "0") != 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct tally t = {0, 0};
    for (int i = 2; i < argc; i++) run_file(argv[1], argv[i], shared, verbose, &t);
    curl_global_cleanup();
    printf("%zu passed, %zu failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
