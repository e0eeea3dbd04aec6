/* `regie fhirpath EXPR FILE.json`: evaluates a FHIRPath expression against one resource and
 * prints the result collection as a JSON array. For trying expressions and for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fhir/fhirpath/fhirpath.h"
#include "json/jsonx.h"
#include "util/buf.h"

#define FILE_LIMIT (64u << 20)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regie fhirpath EXPRESSION FILE.json\n\n"
            "Evaluates the FHIRPath EXPRESSION with the resource in FILE.json ('-' reads\n"
            "stdin) as %%resource and context, and prints the result collection as a JSON\n"
            "array. Exit status: 0 done, 1 file or evaluation error, 2 usage or syntax error.\n");
}

static int read_all(const char *path, struct buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n) != 0) break;
    int bad = ferror(f) || b->overflowed;
    if (f != stdin) fclose(f);
    return bad ? -1 : 0;
}

int cli_fhirpath(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    char err[256];
    size_t pos = 0;
    const char *expr = argv[1];
    struct fhirpath_expr *e = fhirpath_compile(expr, strlen(expr), &pos, err, sizeof(err));
    if (!e) {
        fprintf(stderr, "regie fhirpath: syntax error at offset %zu: %s\n  %s\n  %*s^\n", pos, err,
                strlen(expr) <= 200 ? expr : "(expression too long to show)",
                strlen(expr) <= 200 ? (int)pos : 0, "");
        return 2;
    }
    struct buf b;
    buf_init(&b, FILE_LIMIT);
    if (read_all(argv[2], &b) != 0) {
        fprintf(stderr, "regie fhirpath: cannot read %s\n", argv[2]);
        buf_free(&b);
        fhirpath_free(e);
        return 1;
    }
    enum jsonx_err jerr;
    char msg[256];
    json_object *res = jsonx_parse(b.data ? b.data : "", b.len, 128, &jerr, msg, sizeof(msg));
    buf_free(&b);
    if (!res) {
        fprintf(stderr, "regie fhirpath: %s: %s\n", argv[2], msg);
        fhirpath_free(e);
        return 1;
    }
    int rc = 0;
    struct fhirpath_result *r = fhirpath_eval(e, res, err, sizeof(err));
    if (!r) {
        fprintf(stderr, "regie fhirpath: evaluation error: %s\n", err);
        rc = 1;
    } else {
        char *out = fhirpath_result_json(r);
        if (out)
            printf("%s\n", out);
        else
            rc = 1;
        free(out);
        fhirpath_result_free(r);
    }
    json_object_put(res);
    fhirpath_free(e);
    return rc;
}
