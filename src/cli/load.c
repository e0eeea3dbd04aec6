#include "cli/load.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch.h"
#include "cli/load_jobs.h"
#include "cli/reader.h"
#include "json/jsonx.h"

/* Deep enough for any real resource (Questionnaire items nest), shallow enough to stop a bomb. */
#define LOAD_JSON_DEPTH 128

volatile sig_atomic_t cli_load_stop;

struct load {
    struct rest_ctx *rc;
    struct load_jobs *jobs; /* batches go through it (workers, or this thread with --jobs 1) */
    pthread_mutex_t report; /* the counters, the progress line and stderr, shared with workers */
    struct cli_progress *p;
    const char *path;
    uint64_t reported; /* failures reported in this file */
    uint64_t failed;   /* failures in this file */
    size_t batch_max;  /* entries per batch Bundle */
    /* NDJSON: the lines of the batch being filled, as text (parsed by whoever runs the batch, so
     * with --jobs the parsing is spread over the workers too), the end of each in raw, and each
     * one's line number (batch_max of them). */
    struct buf raw;
    size_t *ends;
    size_t *lines;
    size_t nlines;
};

/* Counts one or more failures and reports the first CLI_REPORT_MAX of a file in full. */
__attribute__((format(printf, 3, 4))) static void fail(struct load *ld, uint64_t count,
                                                       const char *fmt, ...)
{
    pthread_mutex_lock(&ld->report);
    ld->failed += count;
    ld->p->failures += count;
    if (ld->reported++ < CLI_REPORT_MAX) {
        cli_progress_clear(ld->p);
        fprintf(stderr, "regie import: %s: ", ld->path);
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    pthread_mutex_unlock(&ld->report);
}

static void stored(struct load *ld, uint64_t count)
{
    pthread_mutex_lock(&ld->report);
    ld->p->resources += count;
    cli_progress_draw(ld->p, false);
    pthread_mutex_unlock(&ld->report);
}

static void fail_text(const struct rg_fail *f, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s%s%s%s%s", rg_err_text(f->code), f->detail[0] ? ": " : "", f->detail,
             f->expression[0] ? " at " : "", f->expression);
}

/* Names entries in reports: label[i] is the NDJSON line ("line") or the index in the file's Bundle
 * ("entry") of entry i of the Bundle sent; without label, entry i is entry i of the file. */
struct labels {
    const char *word;
    const size_t *at;
};

static size_t label_of(const struct labels *lb, size_t i)
{
    return lb->at ? lb->at[i] : i;
}

/* Counts and reports the entries of a batch/transaction-response. */
static void check_response(struct load *ld, json_object *sent_bundle, json_object *resp,
                           const struct labels *lb, size_t sent)
{
    json_object *entries = jsonx_get(resp, "entry");
    size_t n = cli_bundle_entry_count(resp);
    uint64_t ok = 0;
    for (size_t i = 0; i < n && i < sent; i++) {
        json_object *e = json_object_array_get_idx(entries, i);
        int status = cli_entry_status(e);
        if (status >= 200 && status < 300) {
            ok++;
            continue;
        }
        char msg[768];
        const char *type = NULL;
        if (lb->at) /* a batch built here: name the resource's type, not the batch's entry */
            type = jsonx_get_str(
                jsonx_get(json_object_array_get_idx(jsonx_get(sent_bundle, "entry"), i),
                          "resource"),
                "resourceType");
        cli_entry_message(e, type, msg, sizeof msg);
        fail(ld, 1, "%s %zu: %s", lb->word, label_of(lb, i), msg);
    }
    /* An engine that answers fewer entries than it was sent has a bug; count them as lost. */
    if (n < sent) fail(ld, sent - n, "%zu entries got no response entry", sent - n);
    stored(ld, ok);
}

/* Sends a batch or transaction Bundle through the engine. */
static void run_bundle(struct load *ld, json_object *bundle, const struct labels *lb)
{
    size_t sent = cli_bundle_entry_count(bundle);
    const char *btype = jsonx_get_str(bundle, "type");
    json_object *resp = NULL;
    struct rg_fail f = {0};
    enum rg_err e = rest_process_bundle(ld->rc, bundle, &resp, &f);
    if (e != RG_OK) {
        char msg[1024];
        fail_text(&f, msg, sizeof msg);
        if (sent == 0)
            fail(ld, 1, "%s refused: %s", btype ? btype : "Bundle", msg);
        else if (!lb->at)
            fail(ld, sent, "%s of %zu resources refused, none stored: %s", btype ? btype : "Bundle",
                 sent, msg);
        else
            fail(ld, sent, "%s of %zu resources (%s %zu-%zu) refused, none stored: %s",
                 btype ? btype : "Bundle", sent, lb->word, label_of(lb, 0), label_of(lb, sent - 1),
                 msg);
    } else {
        check_response(ld, bundle, resp, lb, sent);
    }
    json_object_put(resp);
}

/* Work for the jobs (load_jobs.h): each kind starts with the function that runs it. */
struct job_head {
    void (*run)(void *job);
};

static void job_run(void *item, void *ctx)
{
    (void)ctx;
    ((struct job_head *)item)->run(item);
}

/* A batch Bundle built here, with the file position of each of its entries. */
struct batch_job {
    struct job_head head;
    struct load *ld;
    json_object *bundle;
    size_t *at;
    const char *word;
};

static void batch_run(void *item)
{
    struct batch_job *b = item;
    struct labels lb = {b->word, b->at};
    run_bundle(b->ld, b->bundle, &lb);
    json_object_put(b->bundle);
    free(b->at);
    free(b);
}

/* Hands a batch (and its positions, both taken over) to the jobs; on failure to allocate runs it
 * here. */
static void batch_send(struct load *ld, json_object *bundle, size_t *at, const char *word)
{
    struct batch_job *b = malloc(sizeof *b);
    if (!b) {
        struct labels lb = {word, at};
        run_bundle(ld, bundle, &lb);
        json_object_put(bundle);
        free(at);
        return;
    }
    *b = (struct batch_job){{batch_run}, ld, bundle, at, word};
    load_jobs_submit(ld->jobs, b);
}

/* A fresh positions array for the next batch. */
static size_t *positions_new(struct load *ld)
{
    return malloc(ld->batch_max * sizeof(size_t));
}

/* A batch of NDJSON lines as text: parsed, made a batch Bundle and run by the job. */
struct lines_job {
    struct job_head head;
    struct load *ld;
    char *text;
    size_t *ends, *lines, n;
};

static void lines_run(void *item)
{
    struct lines_job *j = item;
    struct load *ld = j->ld;
    json_object *batch = cli_batch_new();
    size_t *at = malloc((j->n ? j->n : 1) * sizeof *at), used = 0;
    if (!batch || !at) {
        fail(ld, j->n, "out of memory");
    } else {
        for (size_t i = 0, from = 0; i < j->n; from = j->ends[i], i++) {
            enum jsonx_err err;
            char msg[256];
            json_object *v = jsonx_parse(j->text + from, j->ends[i] - from, LOAD_JSON_DEPTH, &err,
                                         msg, sizeof msg);
            if (!v) {
                fail(ld, 1, "line %zu: bad JSON: %s", j->lines[i], msg);
                continue;
            }
            bool added = cli_doc_kind(v) != CLI_DOC_NOT_RESOURCE && cli_batch_add(batch, v) == 0;
            json_object_put(v);
            if (!added) {
                fail(ld, 1, "line %zu: not a FHIR resource (no resourceType)", j->lines[i]);
                continue;
            }
            at[used++] = j->lines[i];
        }
        struct labels lb = {"line", at};
        if (used > 0) run_bundle(ld, batch, &lb);
    }
    json_object_put(batch);
    free(at);
    free(j->text);
    free(j->ends);
    free(j->lines);
    free(j);
}

static void flush_ndjson(struct load *ld)
{
    if (ld->nlines == 0) return;
    struct lines_job *j = malloc(sizeof *j);
    size_t *ends = malloc(ld->batch_max * sizeof *ends);
    size_t *lines = malloc(ld->batch_max * sizeof *lines);
    if (!j || !ends || !lines) {
        free(j);
        free(ends);
        free(lines);
        fail(ld, ld->nlines, "out of memory");
    } else {
        size_t len;
        *j = (struct lines_job){{lines_run}, ld,        buf_steal(&ld->raw, &len),
                                ld->ends,    ld->lines, ld->nlines};
        ld->ends = ends;
        ld->lines = lines;
        if (j->text) {
            load_jobs_submit(ld->jobs, j);
        } else {
            fail(ld, j->n, "out of memory");
            free(j->ends);
            free(j->lines);
            free(j);
        }
    }
    buf_reset(&ld->raw);
    ld->nlines = 0;
}

/* One NDJSON line (already known not to be blank): kept as text until its batch is full. */
static void ndjson_line(struct load *ld, const char *text, size_t len, size_t lineno)
{
    if (buf_append(&ld->raw, text, len) != 0) {
        fail(ld, 1, "line %zu: out of memory", lineno);
        return;
    }
    ld->ends[ld->nlines] = ld->raw.len;
    ld->lines[ld->nlines++] = lineno;
    if (ld->nlines == ld->batch_max) flush_ndjson(ld);
}

/* The rest of an NDJSON file after the lines already handled. */
static void ndjson_rest(struct load *ld, struct cli_reader *r, struct buf *line, size_t lineno)
{
    char err[512];
    for (;;) {
        buf_reset(line);
        int rc = cli_reader_line(r, line, err, sizeof err);
        if (rc == 0) break;
        lineno++;
        if (cli_load_stop) {
            cli_progress_clear(ld->p);
            fprintf(stderr, "regie import: %s: interrupted; lines from %zu on were not read\n",
                    ld->path, lineno);
            break;
        }
        if (rc < 0) {
            /* A line past the cap cannot be skipped safely (its end is unknown): stop here. */
            fail(ld, 1, "line %zu: %s; the rest of the file was not read", lineno, err);
            break;
        }
        if (!cli_is_blank(line->data, line->len)) ndjson_line(ld, line->data, line->len, lineno);
    }
    flush_ndjson(ld);
}

/* A collection, searchset, ...: its resources go in batches of ld->batch_max (a Bundle of any
 * size loads without passing the engine's entry limit). Reports name entries by their index in
 * the file, so entries without a resource are reported here. */
static void other_bundle(struct load *ld, json_object *doc)
{
    json_object *entries = jsonx_get(doc, "entry");
    size_t n = cli_bundle_entry_count(doc);
    size_t *index = NULL;
    size_t used = 0;
    json_object *batch = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!batch && (!(batch = cli_batch_new()) || !(index = positions_new(ld)))) {
            json_object_put(batch);
            fail(ld, n - i, "out of memory");
            return;
        }
        json_object *res = jsonx_get(json_object_array_get_idx(entries, i), "resource");
        if (cli_batch_add(batch, res) != 0) {
            fail(ld, 1, "entry %zu: holds no resource", i);
            continue;
        }
        index[used++] = i;
        if (used == ld->batch_max || i + 1 == n) {
            batch_send(ld, batch, index, "entry");
            batch = NULL;
            index = NULL;
            used = 0;
        }
    }
    if (batch && used > 0) {
        batch_send(ld, batch, index, "entry");
    } else {
        json_object_put(batch);
        free(index);
    }
}

static void single_document(struct load *ld, json_object *doc)
{
    switch (cli_doc_kind(doc)) {
    case CLI_DOC_NOT_RESOURCE:
        fail(ld, 1, "not a FHIR resource or Bundle (no resourceType)");
        break;
    case CLI_DOC_RESOURCE: {
        struct rg_fail f = {0};
        if (rest_put_resource(ld->rc, doc, &f) == RG_OK) {
            stored(ld, 1);
        } else {
            char msg[1024];
            fail_text(&f, msg, sizeof msg);
            fail(ld, 1, "%s", msg);
        }
        break;
    }
    case CLI_DOC_BUNDLE_ENGINE: {
        struct labels lb = {"entry", NULL};
        run_bundle(ld, doc, &lb);
        break;
    }
    case CLI_DOC_BUNDLE_OTHER:
        other_bundle(ld, doc);
        /* The batches hold parts of doc, which the caller frees next. */
        load_jobs_wait(ld->jobs);
        break;
    }
}

/* Reads the first non-blank line into line. Returns 1, 0 (the file holds nothing but space), or
 * -1 (message in err). *lineno gets its number. */
static int first_line(struct cli_reader *r, struct buf *line, size_t *lineno, char *err,
                      size_t err_len)
{
    for (;;) {
        buf_reset(line);
        int rc = cli_reader_line(r, line, err, err_len);
        if (rc <= 0) return rc;
        ++*lineno;
        if (!cli_is_blank(line->data, line->len)) return 1;
    }
}

static void load_reader(struct load *ld, struct cli_reader *r)
{
    char err[512] = "";
    struct buf doc, next;
    buf_init(&doc, CLI_DOC_MAX);
    buf_init(&next, CLI_DOC_MAX);
    size_t lineno = 0;
    bool ndjson = cli_name_is_ndjson(ld->path);
    int rc = first_line(r, &doc, &lineno, err, sizeof err);
    if (rc < 0) {
        fail(ld, 1, "%s", err);
    } else if (rc == 0) {
        if (!ndjson) fail(ld, 1, "empty file: no JSON in it");
    } else if (ndjson) {
        ndjson_line(ld, doc.data, doc.len, lineno);
        ndjson_rest(ld, r, &doc, lineno);
    } else {
        /* One compact JSON value on the first line followed by more lines is NDJSON; otherwise
         * the whole file is one document (a pretty-printed first line never parses alone). */
        enum jsonx_err jerr;
        char msg[256];
        json_object *v = jsonx_parse(doc.data, doc.len, LOAD_JSON_DEPTH, &jerr, msg, sizeof msg);
        size_t first_no = lineno;
        if (v) {
            int more = first_line(r, &next, &lineno, err, sizeof err);
            if (more < 0) {
                fail(ld, 1, "%s", err);
            } else if (more == 0) {
                single_document(ld, v);
            } else {
                json_object_put(v);
                v = NULL;
                ndjson_line(ld, doc.data, doc.len, first_no);
                ndjson_line(ld, next.data, next.len, lineno);
                ndjson_rest(ld, r, &doc, lineno);
            }
        } else if (buf_append_char(&doc, '\n') != 0 || cli_reader_rest(r, &doc, err, sizeof err)) {
            fail(ld, 1, "%s", err[0] ? err : "document too large");
        } else {
            v = jsonx_parse(doc.data, doc.len, LOAD_JSON_DEPTH, &jerr, msg, sizeof msg);
            if (!v)
                fail(ld, 1, "bad JSON: %s", msg);
            else
                single_document(ld, v);
        }
        json_object_put(v);
    }
    buf_free(&doc);
    buf_free(&next);
}

int cli_load_file(struct rest_ctx *rc, struct cli_progress *p, const char *path, size_t batch,
                  size_t jobs)
{
    if (batch == 0) batch = CLI_NDJSON_CHUNK;
    if (batch > CLI_BATCH_MAX) batch = CLI_BATCH_MAX;
    struct load ld = {.rc = rc, .p = p, .path = path, .batch_max = batch};
    char err[512];
    pthread_mutex_init(&ld.report, NULL);
    buf_init(&ld.raw, CLI_DOC_MAX);
    ld.lines = malloc(batch * sizeof *ld.lines);
    ld.ends = malloc(batch * sizeof *ld.ends);
    /* --jobs 1: no worker, each batch runs in this thread as it fills. */
    ld.jobs = ld.lines && ld.ends ? load_jobs_new(jobs > 1 ? jobs : 0, job_run, NULL) : NULL;
    if (!ld.jobs) {
        free(ld.lines);
        free(ld.ends);
        pthread_mutex_destroy(&ld.report);
        p->failures++;
        cli_progress_clear(p);
        fprintf(stderr, "regie import: %s: out of memory\n", path);
        return 1;
    }
    /* "-" is standard input, so an import can be fed from a pipe. */
    bool is_stdin = !strcmp(path, "-");
    struct cli_reader *r = is_stdin ? cli_reader_from_stream(stdin, err, sizeof err)
                                    : cli_reader_open(path, err, sizeof err);
    if (!r) {
        ld.failed++;
        p->failures++;
        cli_progress_clear(p);
        fprintf(stderr, "regie import: %s: %s\n", path, err);
        load_jobs_free(ld.jobs);
        free(ld.lines);
        free(ld.ends);
        buf_free(&ld.raw);
        pthread_mutex_destroy(&ld.report);
        return 1;
    }
    load_reader(&ld, r);
    load_jobs_free(ld.jobs); /* every batch sent is complete */
    cli_reader_close(r);
    free(ld.lines);
    free(ld.ends);
    buf_free(&ld.raw);
    pthread_mutex_destroy(&ld.report);
    if (ld.reported > CLI_REPORT_MAX) {
        cli_progress_clear(p);
        fprintf(stderr, "regie import: %s: %llu failures in all (only the first %d shown)\n", path,
                (unsigned long long)ld.failed, CLI_REPORT_MAX);
    }
    return ld.failed ? 1 : 0;
}
