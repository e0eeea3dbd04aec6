/* regie export over a real SQLite store filled directly through the store interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/store.h"

static char dir[64];
static char db[128];

struct put_list {
    const struct store_put *puts;
    size_t n;
};
/* The store ops are needed inside the work function; keep them here. */
static const struct store_ops *ops;

static int put_rows(struct store_txn *tx, void *ctx)
{
    struct put_list *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (ops->tx_put(tx, &l->puts[i]) != STORE_OK) return 1;
    return 0;
}

static struct store_put row(const char *type, const char *id, int64_t version, bool deleted,
                            const char *json)
{
    return (struct store_put){.type = type,
                              .id = id,
                              .version = version,
                              .last_updated = "2026-11-23T01:00:00.000Z",
                              .deleted = deleted,
                              .json = json,
                              .json_len = json ? strlen(json) : 0};
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/regie-test-export-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/t.db", dir);
    struct store_config cfg;
    store_config_defaults(&cfg, db);
    cfg.durable = false;
    char err[256];
    struct store *s = store_sqlite_open(&cfg, err, sizeof err);
    assert_non_null(s);
    ops = s->ops;
    const struct store_put puts[] = {
        row("Patient", "p1", 1, false, "{\"resourceType\":\"Patient\",\"id\":\"p1\"}"),
        row("Patient", "p2", 1, false, "{\"resourceType\":\"Patient\",\"id\":\"p2\"}"),
        /* p3 is deleted: its marker is current, so it is not exported. */
        row("Patient", "p3", 1, false, "{\"resourceType\":\"Patient\",\"id\":\"p3\"}"),
        row("Patient", "p3", 2, true, NULL),
        /* o1 has two versions: only the current one is exported. */
        row("Observation", "o1", 1, false,
            "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"valueQuantity\":{\"value\":1.0}}"),
        row("Observation", "o1", 2, false,
            "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"valueQuantity\":{\"value\":1.50}}"),
        /* Stored with line breaks: must still come out as one line. */
        row("Basic", "b1", 1, false, "{\n  \"resourceType\": \"Basic\",\n  \"id\": \"b1\"\n}"),
    };
    for (size_t i = 0; i < sizeof puts / sizeof puts[0]; i++) {
        struct put_list l = {&puts[i], 1};
        assert_int_equal(s->ops->write(s, put_rows, &l), STORE_OK);
    }
    s->ops->close(s);
    return 0;
}

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
    rm_dir(dir);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

static int export(const char *dbpath, const char *out)
{
    char *argv[] = {"export", "--db", (char *)dbpath, "--out", (char *)out, NULL};
    return cli_export(5, argv);
}

static void writes_one_file_per_type_with_current_versions(void **state)
{
    char out[128], path[256];
    snprintf(out, sizeof out, "%s/out/nested", dir);
    assert_int_equal(export(db, out), 0);

    snprintf(path, sizeof path, "%s/Patient.ndjson", out);
    assert_string_equal(slurp(path), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n"
                                     "{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n");
    snprintf(path, sizeof path, "%s/Observation.ndjson", out);
    assert_string_equal(slurp(path), "{\"resourceType\":\"Observation\",\"id\":\"o1\","
                                     "\"valueQuantity\":{\"value\":1.50}}\n");
    snprintf(path, sizeof path, "%s/Basic.ndjson", out);
    assert_string_equal(slurp(path), "{\"resourceType\":\"Basic\",\"id\":\"b1\"}\n");

    /* Nothing else: no temporary files, no file for a type without resources. */
    DIR *d = opendir(out);
    assert_non_null(d);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            assert_true(e->d_name[0] != '.');
            files++;
        }
    closedir(d);
    assert_int_equal(files, 3);

    /* A second export over the first replaces the files whole. */
    assert_int_equal(export(db, out), 0);
    snprintf(path, sizeof path, "%s/Patient.ndjson", out);
    assert_int_equal(strlen(slurp(path)),
                     2 * strlen("{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n"));
}

static void refuses_bad_targets_and_missing_databases(void **state)
{
    char file[128], missing[128], out[128];
    snprintf(file, sizeof file, "%s/afile", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    assert_int_equal(export(db, file), 1);

    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    snprintf(out, sizeof out, "%s/out2", dir);
    assert_int_equal(export(missing, out), 1);
    struct stat st;
    assert_int_not_equal(stat(missing, &st), 0); /* export never creates a database */

    char *no_out[] = {"export", "--db", db, NULL};
    assert_int_equal(cli_export(3, no_out), 2);
    char *unknown[] = {"export", "--db", db, "--out", out, "--bogus", NULL};
    assert_int_equal(cli_export(6, unknown), 2);
    char *help[] = {"export", "--help", NULL};
    assert_int_equal(cli_export(2, help), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writes_one_file_per_type_with_current_versions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refuses_bad_targets_and_missing_databases, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
