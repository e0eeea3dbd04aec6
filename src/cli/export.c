/* regie export: every current resource as NDJSON, one <Type>.ndjson per resource type. Each file is
 * written under a temporary name, synced and renamed when complete, so a crash never leaves a half
 * file under a final name. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "json/jsonx.h"
#include "store/store.h"

#define EXPORT_PATH_MAX   4096
#define EXPORT_JSON_DEPTH 128

struct export
{
    const char *dir;
    FILE *f;
    char type[STORE_TYPE_MAX]; /* type of the open file */
    char tmp[EXPORT_PATH_MAX];
    char final[EXPORT_PATH_MAX];
    size_t types;
    unsigned long long resources, bytes, file_resources;
    bool failed;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: regie export --db PATH --out DIR\n\n"
                 "Writes every current (not deleted) resource in the database at PATH to DIR, one\n"
                 "file <Type>.ndjson per resource type with resources, one compact JSON resource\n"
                 "per line. DIR is created if missing. Files are written under a temporary name\n"
                 "and renamed when complete.\n\n"
                 "options:\n"
                 "  --db PATH   the database file (must exist)\n"
                 "  --out DIR   the directory to write to\n"
                 "  --help      this text\n\n"
                 "exit status: 0 done, 1 failed, 2 usage error\n");
}

/* Creates dir and its missing parents; an existing directory is fine, anything else is not. */
static int make_dir(const char *dir)
{
    char path[EXPORT_PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path) {
        fprintf(stderr, "regie export: %s: path too long\n", dir);
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "regie export: cannot create %s: %s\n", path, strerror(errno));
            return -1;
        }
        path[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "regie export: %s exists and is not a directory\n", dir);
        return -1;
    }
    return 0;
}

/* A type becomes part of a file name, so it must be a plain FHIR type name. */
static bool type_is_safe(const char *type)
{
    if (!*type) return false;
    for (const char *c = type; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
            return false;
    return true;
}

/* Syncs, closes and renames the open file to its final name. */
static int finish_file(struct export *ex)
{
    if (!ex->f) return 0;
    int rc = 0;
    if (fflush(ex->f) != 0 || fsync(fileno(ex->f)) != 0) rc = -1;
    if (fclose(ex->f) != 0) rc = -1;
    ex->f = NULL;
    if (rc == 0 && rename(ex->tmp, ex->final) != 0) rc = -1;
    if (rc != 0) {
        fprintf(stderr, "regie export: cannot write %s: %s\n", ex->final, strerror(errno));
        unlink(ex->tmp);
        return -1;
    }
    ex->types++;
    return 0;
}

static int open_file(struct export *ex, const char *type)
{
    if (!type_is_safe(type)) {
        fprintf(stderr, "regie export: stored resource type '%s' is not a type name\n", type);
        return -1;
    }
    int n1 = snprintf(ex->final, sizeof ex->final, "%s/%s.ndjson", ex->dir, type);
    int n2 =
        snprintf(ex->tmp, sizeof ex->tmp, "%s/.%s.ndjson.tmp%ld", ex->dir, type, (long)getpid());
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof ex->final || (size_t)n2 >= sizeof ex->tmp) {
        fprintf(stderr, "regie export: %s: path too long\n", ex->dir);
        return -1;
    }
    ex->f = fopen(ex->tmp, "wb");
    if (!ex->f) {
        fprintf(stderr, "regie export: cannot create %s: %s\n", ex->tmp, strerror(errno));
        return -1;
    }
    snprintf(ex->type, sizeof ex->type, "%s", type);
    ex->file_resources = 0;
    return 0;
}

static int write_row(void *ctx, const struct store_row *row)
{
    struct export *ex = ctx;
    if (row->deleted || !row->json) return 0;
    if (!ex->f || strcmp(ex->type, row->type) != 0) {
        if (finish_file(ex) != 0 || open_file(ex, row->type) != 0) {
            ex->failed = true;
            return 1;
        }
    }
    const char *text = row->json;
    size_t len = row->json_len;
    json_object *v = NULL;
    /* One resource per line: stored bytes with a line break in them are written compactly. */
    if (memchr(text, '\n', len) || memchr(text, '\r', len)) {
        enum jsonx_err err;
        v = jsonx_parse(text, len, EXPORT_JSON_DEPTH, &err, NULL, 0);
        if (!v) {
            fprintf(stderr, "regie export: %s/%s: stored JSON does not parse\n", row->type,
                    row->id);
            ex->failed = true;
            return 1;
        }
        text = jsonx_text(v, false, &len);
    }
    bool ok = fwrite(text, 1, len, ex->f) == len && fputc('\n', ex->f) != EOF;
    json_object_put(v);
    if (!ok) {
        fprintf(stderr, "regie export: cannot write %s: %s\n", ex->tmp, strerror(errno));
        ex->failed = true;
        return 1;
    }
    ex->resources++;
    ex->file_resources++;
    ex->bytes += len + 1;
    return 0;
}

static int export_run(const char *db, const char *dir)
{
    struct stat st;
    if (stat(db, &st) != 0) {
        fprintf(stderr, "regie export: cannot open database %s: %s\n", db, strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "regie export: %s is not a database file\n", db);
        return 1;
    }
    if (make_dir(dir) != 0) return 1;
    struct store_config cfg;
    store_config_defaults(&cfg, db);
    char err[512] = "";
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "regie export: cannot open database %s: %s\n", db, err);
        return 1;
    }
    double start = cli_now();
    struct export ex = {.dir = dir};
    enum store_rc rc = s->ops->scan(s, NULL, write_row, &ex);
    if (rc != STORE_OK && rc != STORE_NONE && !ex.failed) {
        fprintf(stderr, "regie export: reading the database failed\n");
        ex.failed = true;
    }
    if (ex.failed) {
        if (ex.f) {
            fclose(ex.f);
            unlink(ex.tmp);
        }
    } else if (finish_file(&ex) != 0) {
        ex.failed = true;
    }
    s->ops->close(s);
    if (ex.failed) return 1;
    /* The renames must survive a crash too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    double secs = cli_now() - start;
    printf("exported %zu type%s, %llu resources, %llu bytes to %s in %.1f s\n", ex.types,
           ex.types == 1 ? "" : "s", ex.resources, ex.bytes, dir, secs);
    return 0;
}

int cli_export(int argc, char **argv)
{
    const char *db = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if ((!strcmp(a, "--db") || !strcmp(a, "--out")) && i + 1 < argc) {
            if (a[2] == 'd')
                db = argv[++i];
            else
                out = argv[++i];
        } else if (!strncmp(a, "--db=", 5)) {
            db = a + 5;
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else {
            fprintf(stderr, "regie export: %s '%s'\n\n",
                    a[0] == '-' ? "unknown option or missing value" : "unexpected argument", a);
            usage(stderr);
            return 2;
        }
    }
    if (!db || !*db || !out || !*out) {
        fprintf(stderr, "regie export: --db PATH and --out DIR are required\n\n");
        usage(stderr);
        return 2;
    }
    return export_run(db, out);
}
