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
#include "util/buf.h"

#define RUNNER_START_TIMEOUT_S 60
#define RUNNER_STOP_TIMEOUT_S  30
#define RUNNER_MAX_SERVE_ARGS  32
#define RUNNER_LOG_TAIL        6000
#define RUNNER_FILE_MAX        (64 << 20)
#define RUNNER_FILE_DEPTH      1000

struct tally {
    size_t passed;
    size_t failed;
};

/* The server of one scenario file, so a step can restart it on the same database. */
struct server {
    const char *bin;
    char db[4200];
    char log[4200];
    const char *args[RUNNER_MAX_SERVE_ARGS];
    size_t nargs;
    struct regie_proc p;
};

/* A {"label", "restart": "term"|"kill"} step: stop the server (SIGTERM must give exit 0; SIGKILL is
 * a crash on purpose) and start it again on the same database. Later steps use the new port. */
static bool restart_step(struct server *srv, struct step_ctx *ctx, json_object *step)
{
    const char *how = json_object_get_string(json_object_object_get(step, "restart"));
    const char *label = json_object_get_string(json_object_object_get(step, "label"));
    if (!label) label = "(restart)";
    bool kill = how && !strcmp(how, "kill");
    if (!kill && (!how || strcmp(how, "term") != 0)) {
        fprintf(stderr, "FAIL %s step '%s'\n     restart must be \"term\" or \"kill\"\n", ctx->file,
                label);
        return false;
    }
    if (kill) {
        proc_kill(&srv->p);
    } else {
        int status = proc_stop(&srv->p, RUNNER_STOP_TIMEOUT_S);
        if (status != 0) {
            fprintf(stderr,
                    "FAIL %s step '%s'\n     server exit status %d on SIGTERM, expected 0\n",
                    ctx->file, label, status);
            proc_dump_log(&srv->p, RUNNER_LOG_TAIL);
            return false;
        }
    }
    char err[512];
    if (proc_start(&srv->p, srv->bin, srv->db, srv->args, srv->nargs, srv->log,
                   RUNNER_START_TIMEOUT_S, err, sizeof err) != 0) {
        fprintf(stderr, "FAIL %s step '%s'\n     server did not start again: %s\n", ctx->file,
                label, err);
        return false;
    }
    if (ctx->verbose) fprintf(stderr, "ok   %s %s (restarted after %s)\n", ctx->file, label, how);
    return true;
}

/* Reads and parses a scenario file. Deeper nesting than json-c's default is allowed: steps may
 * carry deeply nested (but valid) FHIR resources. */
static json_object *load_scenario(const char *file)
{
    FILE *f = fopen(file, "rb");
    struct buf text;
    buf_init(&text, RUNNER_FILE_MAX);
    char chunk[65536];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&text, chunk, got) != 0) break;
    if (f) fclose(f);
    json_object *doc = NULL;
    if (!f || text.overflowed) {
        fprintf(stderr, "FAIL %s: cannot read (or larger than %d bytes)\n", file, RUNNER_FILE_MAX);
    } else {
        json_tokener *tok = json_tokener_new_ex(RUNNER_FILE_DEPTH);
        doc = json_tokener_parse_ex(tok, text.data ? text.data : "", (int)text.len);
        if (json_tokener_get_error(tok) != json_tokener_success) {
            fprintf(stderr, "FAIL %s: not JSON: %s\n", file,
                    json_tokener_error_desc(json_tokener_get_error(tok)));
            json_object_put(doc);
            doc = NULL;
        }
        json_tokener_free(tok);
    }
    buf_free(&text);
    if (doc && !json_object_is_type(json_object_object_get(doc, "steps"), json_type_array)) {
        fprintf(stderr, "FAIL %s: no \"steps\" array\n", file);
        json_object_put(doc);
        doc = NULL;
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

static void run_steps(struct server *srv, struct step_ctx *ctx, json_object *steps, struct tally *t)
{
    size_t n = json_object_array_length(steps);
    struct subst_result *results = calloc(n ? n : 1, sizeof *results);
    if (!results) abort();
    ctx->env.results = results;
    ctx->env.nresults = 0;
    for (size_t i = 0; i < n; i++) {
        /* A failed step still records its response, so later steps fail for their own reasons. */
        json_object *step = json_object_array_get_idx(steps, i);
        bool ok = json_object_object_get_ex(step, "restart", NULL)
                      ? restart_step(srv, ctx, step)
                      : step_run(ctx, i, step, &results[i]);
        if (ok)
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
    struct server *srv = calloc(1, sizeof *srv);
    if (!srv) abort();
    srv->bin = bin;
    int nargs = serve_args(file, doc, srv->args);
    char dir[4096];
    if (nargs < 0 || proc_tmpdir("scenario", dir, sizeof dir) != 0) {
        t->failed += json_object_array_length(steps);
        json_object_put(doc);
        free(srv);
        return;
    }
    srv->nargs = (size_t)nargs;
    snprintf(srv->db, sizeof srv->db, "%s/regie.db", dir);
    snprintf(srv->log, sizeof srv->log, "%s/server.log", dir);
    const char *title = json_object_get_string(json_object_object_get(doc, "title"));
    fprintf(stderr, "== %s: %s\n", file, title ? title : "(untitled)");

    size_t failed_before = t->failed;
    struct regie_proc *p = &srv->p;
    char err[512];
    if (proc_start(p, bin, srv->db, srv->args, srv->nargs, srv->log, RUNNER_START_TIMEOUT_S, err,
                   sizeof err) != 0) {
        fprintf(stderr, "FAIL %s: server did not start: %s\n", file, err);
        proc_dump_log(p, RUNNER_LOG_TAIL);
        t->failed += json_object_array_length(steps);
    } else {
        char *file_copy = strdup(file);
        CURL *curl = curl_easy_init();
        if (!file_copy || !curl) abort();
        /* base and origin point into srv->p, so a restart's new port is seen by later steps. */
        struct step_ctx ctx = {.file = file,
                               .dir = dirname(file_copy),
                               .curl = curl,
                               .env = {.base = p->base, .origin = p->origin, .shared = shared},
                               .verbose = verbose};
        run_steps(srv, &ctx, steps, t);
        curl_easy_cleanup(curl);
        free(file_copy);
        if (p->pid > 0) {
            int status = proc_stop(p, RUNNER_STOP_TIMEOUT_S);
            if (status != 0) {
                fprintf(stderr, "FAIL %s: server did not exit 0 on SIGTERM (status %d%s)\n", file,
                        status, status < 0 ? ", killed after the timeout" : "");
                t->failed++;
            }
        }
        if (t->failed != failed_before) proc_dump_log(p, RUNNER_LOG_TAIL);
    }
    if (getenv("REGIE_KEEP_TMP"))
        fprintf(stderr, "   kept %s\n", dir);
    else
        proc_rmtree(dir);
    json_object_put(doc);
    free(srv);
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
